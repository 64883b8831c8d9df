#!/usr/bin/env bash
# run's report page, out/index.html, on the bundled demo: self-contained
# (every picture inline, nothing fetched, no script), what it says checked
# against run's own CSVs, then opened in a real browser (headless Chromium,
# Debian's chromium): no console message, the as-of date and the ETA table
# in the DOM it builds, a phone-sized screenshot and a PDF print.
# Usage: report.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"

"$FRONTCAST" run -q --cell 5 --today 2025-07-10 --max-age 0 -o "$work/out" && pass || fail "run"
page="$work/out/index.html"
[ -s "$page" ] && pass || { fail "no index.html"; finish; exit 1; }

python3 - "$page" "$work/out" <<'PY' && pass || fail "the page's content"
import base64, csv, sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.external, self.scripts, self.rows, self.text = [], [], 0, [], []
        self.in_table = self.cells = None
        self.asof = None
        self._asof = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a.get("src", ""))
        for k in ("src", "href"):
            if k in a and not a[k].startswith("data:"):
                self.external.append(a[k])
        self.scripts += tag == "script"
        if tag == "tr":
            self.cells = []
        if tag == "strong" and a.get("id") == "as-of":
            self._asof = True
    def handle_endtag(self, tag):
        if tag == "tr" and self.cells is not None:
            self.rows.append(self.cells)
            self.cells = None
    def handle_data(self, data):
        self.text.append(data)
        if self.cells is not None and data.strip():
            self.cells.append(data.strip())
        if self._asof:
            self.asof, self._asof = data, False

p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
text = " ".join(p.text)
assert not p.external and not p.scripts, (p.external, p.scripts)
assert len(p.imgs) >= 4, len(p.imgs)  # map, small multiples, a chart, gains
for src in p.imgs:
    assert src.startswith("data:image/png;base64,"), src[:40]
    assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
assert "SYNTHETIC DEMO DATA" in text and "Nothing on this page is a real front" in text
# The as-of date and the ETA table say what run's CSVs say.
eta = [r for r in csv.DictReader(open(sys.argv[2] + "/eta.csv"))
       if r["model"] == "pace" and r["window_days"] == "180" and r["threshold_pct"] == "100"
       and r["status"] in ("ok", "beyond-horizon")]
assert p.asof == eta[0]["as_of"], (p.asof, eta[0]["as_of"])
names = {r["zone_id"]: r for r in csv.DictReader(open(sys.argv[2] + "/areas.csv"))}
table = [row for row in p.rows if len(row) == 6 and row[0] != "zone"]
assert len(table) == len(eta), (len(table), len(eta))
for r in eta:
    row = next(t for t in table if t[0] == names[r["zone_id"]]["zone_name"])
    assert row[1] == "%.2f %%" % float(r["controlled_pct"]), (row, r)
    assert row[3] == (r["eta"] or "\u2013"), (row, r)
print("page: %d pictures, %d ETA rows, as of %s" % (len(p.imgs), len(table), p.asof))
PY

if ! command -v chromium >/dev/null; then
    echo "SKIP: chromium not installed (tools/test installs it)"
    finish
    exit 77
fi
browse() { chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "$@" "file://$page"; }
browse --enable-logging=stderr --log-level=0 --dump-dom >"$work/dom.html" 2>"$work/chromium.log" && pass ||
    fail "chromium could not open the page"
grep -q "CONSOLE" "$work/chromium.log" && fail "console messages: $(grep CONSOLE "$work/chromium.log")" || pass
asof=$(python3 -c 'import csv, sys; print(next(csv.DictReader(open(sys.argv[1])))["as_of"])' \
    "$work/out/eta.csv")
grep -q "<strong id=\"as-of\">$asof</strong>" "$work/dom.html" && grep -q "<th>100 % by</th>" "$work/dom.html" &&
    pass || fail "the DOM lacks the as-of date $asof or the ETA table"
browse --window-size=412,915 --screenshot="$work/phone.png" 2>/dev/null &&
    python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(24); assert struct.unpack(">II", b[16:24]) == (412, 915)' \
        "$work/phone.png" && pass || fail "no phone-sized screenshot"
browse --print-to-pdf="$work/page.pdf" --no-pdf-header-footer 2>/dev/null &&
    head -c 5 "$work/page.pdf" | grep -q "%PDF-" && pass || fail "the page does not print to PDF"
finish
