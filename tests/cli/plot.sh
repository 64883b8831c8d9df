#!/usr/bin/env bash
# frontcast plot on the bundled demo: every picture, PNG and SVG.
# Usage: plot.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"

"$FRONTCAST" plot -q --width 800 --height 500 --horizon 180 --step 60 -o "$work/p" && pass || fail "plot"
for name in chart-UA-14 chart-UA-43 chart-advancing gains map; do
    [ -s "$work/p/$name.png" ] && [ -s "$work/p/$name.svg" ] && pass || fail "no $name"
done
[ "$(ls "$work"/p/chart-UA-*.png | wc -l)" -eq 27 ] && pass || fail "a chart per zone"
python3 - "$work/p" <<'PY' && pass || fail "sizes and SVG"
import struct, sys, xml.etree.ElementTree as ET, glob
d = sys.argv[1]
def size(p):
    b = open(p, "rb").read(24)
    assert b[:8] == b"\x89PNG\r\n\x1a\n", p
    return struct.unpack(">II", b[16:24])
assert size(d + "/chart-UA-14.png") == (800, 500)
assert size(d + "/map.png") == (800, 600)
for svg in glob.glob(d + "/*.svg"):
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg"), svg
# The ETA sentence and the data source are in the chart.
s = open(d + "/chart-UA-14.svg").read()
assert "glyph" in s or "<text" in s
PY
expect_usage "$FRONTCAST" plot --width 10
expect_usage "$FRONTCAST" plot --areas x.csv
finish
