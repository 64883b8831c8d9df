#!/usr/bin/env bash
# frontcast plot on the bundled demo: every picture, PNG and SVG.
# Usage: plot.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"

"$FRONTCAST" plot -q --width 800 --height 500 --horizon 180 --step 60 -o "$work/p" && pass || fail "plot"
for name in chart-UA-14 chart-advancing gains map map-front; do
    [ -s "$work/p/$name.png" ] && [ -s "$work/p/$name.svg" ] && pass || fail "no $name"
done
# A chart for each zone whose controlled area moved (by 1 km2 or more), from
# the areas: on the demo six oblasts, not Crimea (held throughout) nor the
# west (never touched).
"$FRONTCAST" areas -q -o "$work/areas.csv" && python3 - "$work/areas.csv" "$work/p" <<'PY' && pass || fail "a chart per zone that moved"
import csv, glob, os, sys
span = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["zone_id"] != "ALL":
        lo, hi = span.get(r["zone_id"], (1e99, -1e99))
        v = float(r["controlled_km2"])
        span[r["zone_id"]] = (min(lo, v), max(hi, v))
want = sorted(z for z, (lo, hi) in span.items() if hi - lo >= 1.0)
got = sorted(os.path.basename(p)[6:-4] for p in glob.glob(sys.argv[2] + "/chart-UA-*.png"))
print("charts:", got)
assert got == want and 0 < len(got) < len(span) and "UA-43" not in got, (got, want)
PY
python3 - "$work/p" <<'PY' && pass || fail "sizes and SVG"
import struct, sys, xml.etree.ElementTree as ET, glob
d = sys.argv[1]
def size(p):
    b = open(p, "rb").read(24)
    assert b[:8] == b"\x89PNG\r\n\x1a\n", p
    return struct.unpack(">II", b[16:24])
assert size(d + "/chart-UA-14.png") == (800, 500)
assert size(d + "/map.png") == (800, 600) and size(d + "/map-front.png") == (800, 600)
for svg in glob.glob(d + "/*.svg"):
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg"), svg
# The SVGs keep their words as <text> a graphics desk can edit, not glyph
# outlines: the chart's headline, the map's place labels (with their halo).
ns = "{http://www.w3.org/2000/svg}"
def texts(path):
    return ["".join(t.itertext()) for t in ET.parse(path).getroot().iter(ns + "text")]
for svg in glob.glob(d + "/*.svg"):
    assert "glyph" not in open(svg).read() and texts(svg), svg
assert any(t.startswith("Donetsk: 100% at this pace by") for t in texts(d + "/chart-UA-14.svg"))
assert any("Data: SYNTHETIC DEMO DATA" in t for t in texts(d + "/chart-UA-14.svg"))
labels = [t for t in ET.parse(d + "/map.svg").getroot().iter(ns + "text") if t.get("stroke")]
assert any("(fictional)" in "".join(t.itertext()) for t in labels), [t.text for t in labels]
# Every picture says what it is: PNG text chunks (each chunk's CRC checked
# here with zlib), SVG <title> and <desc>.
import zlib
for png in glob.glob(d + "/*.png"):
    b, pos, text = open(png, "rb").read(), 8, {}
    while pos < len(b):
        n = struct.unpack(">I", b[pos:pos + 4])[0]
        kind, body = b[pos + 4:pos + 8], b[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", b[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body), png
        if kind == b"iTXt":
            key, rest = body.split(b"\0", 1)
            text[key.decode()] = rest[4:].decode("utf-8")  # flags, empty language and keyword
        pos += 12 + n
    assert kind == b"IEND", png
    assert text.get("Software", "").startswith("frontcast ") and text.get("Title"), (png, text)
    assert text["Disclaimer"] == "SYNTHETIC DEMO DATA \u2014 not a real front", (png, text)
    assert "OpenStreetMap" in text["Copyright"], (png, text)
assert "Donetsk: 100% at this pace by" in open(d + "/chart-UA-14.png", "rb").read().decode("latin-1")
for svg in glob.glob(d + "/*.svg"):
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(ns + "title").text and "Data: SYNTHETIC" in root.find(ns + "desc").text, svg
PY
# The animation: a GIF89a that loops, a frame every --every days from the
# first snapshot (the last snapshot on or before each date) and the last
# snapshot to close, each frame's date in the comment block before it,
# read back here block by block (and by GDAL, a band per frame).
"$FRONTCAST" plot -q --width 400 --height 300 --animate --every 28 -o "$work/anim" || fail "plot --animate"
python3 - "$work/anim/front.gif" "$GEODATA/demo-control" <<'PY' && pass || fail "front.gif"
import datetime, glob, os, re, struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:6] == b"GIF89a" and b"NETSCAPE2.0" in b[:1000], b[:6]
w, h, flags = struct.unpack("<HHB", b[6:11])
assert (w, h) == (800, 600), (w, h)
pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
frames, notes = 0, []
while b[pos] != 0x3B:
    if b[pos] == 0x21:  # an extension: its sub-blocks
        label, pos, data = b[pos + 1], pos + 2, b""
        while b[pos]:
            data, pos = data + b[pos + 1:pos + 1 + b[pos]], pos + 1 + b[pos]
        pos += 1
        if label == 0xFE:
            notes.append(data.decode())
    else:  # an image: descriptor, LZW code size, sub-blocks
        assert b[pos] == 0x2C, hex(b[pos])
        frames, pos = frames + 1, pos + 11
        while b[pos]:
            pos += 1 + b[pos]
        pos += 1
days = sorted(datetime.date(*map(int, re.search(r"(\d{4})(\d\d)(\d\d)", os.path.basename(f)).groups()))
              for f in glob.glob(sys.argv[2] + "/*.geojson"))
want, d = [], days[0]
while True:
    final = d >= days[-1]
    d = days[-1] if final else d
    want.append(max(x for x in days if x <= d))
    if final:
        break
    d += datetime.timedelta(days=28)
assert frames == len(want) == len(notes), (frames, len(want), len(notes))
assert notes == ["frontcast frame %s" % x for x in want], (notes, want)
PY
[ "$(gdalinfo "$work/anim/front.gif" 2>/dev/null | grep -c '^Band')" -ge 7 ] && pass || fail "GDAL reads front.gif"
# The same frames as a video, ffmpeg being on the PATH (tools/setup installs
# it for the tests): H.264, each picture a fifth of a second, the last held
# three seconds (15 frames), as ffprobe counts them.
frames=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(b"frontcast frame "))' \
    "$work/anim/front.gif")
probe=$(ffprobe -v error -count_frames -select_streams v:0 \
    -show_entries stream=codec_name,width,height,pix_fmt,r_frame_rate,nb_read_frames -of csv=p=0 \
    "$work/anim/front.mp4")
[ "$probe" = "h264,800,600,yuv420p,5/1,$((frames - 1 + 15))" ] && pass ||
    fail "front.mp4: '$probe', want $frames pictures"
# ffmpeg failing is an error, named in one line, and the video of the run
# before stays as it was, with no half-written file beside it; one that
# dies at once (the pipe breaks) too, and frontcast is not killed by it.
# Without ffmpeg an older video goes: it would show an older series than
# the GIF.
cp "$work/anim/front.mp4" "$work/good.mp4"
mkdir -p "$work/fakebin"
fake_ffmpeg() {  # SCRIPT PATTERN WHAT: exit 1, one error matching PATTERN, the older video kept
    printf "$1" >"$work/fakebin/ffmpeg"
    chmod +x "$work/fakebin/ffmpeg"
    PATH="$work/fakebin:$PATH" "$FRONTCAST" plot -q --animate --every 56 -o "$work/anim" 2>"$work/err"
    local rc=$?
    [ $rc -eq 1 ] && grep -q "$2" "$work/err" &&
        [ "$(grep -c '^frontcast: error: ' "$work/err")" -eq 1 ] &&
        cmp -s "$work/good.mp4" "$work/anim/front.mp4" &&
        [ -z "$(ls -A "$work/anim" | grep -v -E '^(chart-.*|gains|map|map-front)\.(png|svg)$|^front\.(gif|mp4)$')" ] &&
        pass || { fail "$3: exit $rc"; cat "$work/err"; ls -A "$work/anim"; }
}
fake_ffmpeg '#!/bin/sh\ncat >/dev/null\nexit 3\n' "front.mp4: ffmpeg failed (exit status 3)" \
    "a failing ffmpeg"
fake_ffmpeg '#!/nonexistent/sh\n' \
    "front.mp4: cannot start .*fakebin/ffmpeg: No such file or directory" \
    "an ffmpeg that cannot start"
fake_ffmpeg '#!/bin/sh\nexit 4\n' "front.mp4: ffmpeg stopped taking frames (exit status 4)" \
    "an ffmpeg that does not read"
"$FRONTCAST" plot -q --animate --every 56 -o "$work/anim" && [ -s "$work/anim/front.mp4" ] &&
    PATH=/nonexistent "$FRONTCAST" plot --animate --every 56 -o "$work/anim" 2>"$work/err" &&
    grep -q "no front.mp4 (no ffmpeg on the PATH)" "$work/err" && [ ! -e "$work/anim/front.mp4" ] &&
    pass || { fail "no ffmpeg: the older video should go"; cat "$work/err"; }
"$FRONTCAST" plot -q --width 400 --height 300 --all-charts -o "$work/all" &&
    [ "$(ls "$work"/all/chart-UA-*.png | wc -l)" -eq 27 ] && pass || fail "plot --all-charts: a chart per zone"
# --holder names who holds the mapped area (the legend; the map's description).
"$FRONTCAST" plot -q --width 800 --height 500 --horizon 180 --step 60 --holder "Russian forces" \
    -o "$work/h" && grep -aq "Held by Russian forces as of" "$work/h/map.png" && pass ||
    fail "plot --holder"
# ...and, without it, the source does where known: a DeepStateMap folder.
mkdir -p "$work/deepstate"
cp "$GEODATA"/demo-control/*.geojson "$work/deepstate/"
"$FRONTCAST" plot -q --width 800 --height 500 --horizon 180 --step 60 --control "$work/deepstate" \
    -o "$work/h2" && grep -aq "Held by Russian forces as of" "$work/h2/map.png" && pass ||
    fail "the holder from a DeepStateMap folder's name"
grep -aq "Held by" "$work/p/map.png" && fail "a holder for a series of no known source" || pass
# The method in one line under the map's title.
python3 - "$work/h/map.svg" <<'PY' && pass || fail "the map's method line"
import sys, xml.etree.ElementTree as ET
t = ["".join(e.itertext()) for e in ET.parse(sys.argv[1]).getroot().iter("{http://www.w3.org/2000/svg}text")]
m = [x for x in t if x.startswith("Method: ")]
assert len(m) == 1 and "pace over the last 180 days" in m[0] and "fast marching" in m[0], m
PY
expect_usage "$FRONTCAST" plot --width 10
expect_usage "$FRONTCAST" plot --areas x.csv
finish
