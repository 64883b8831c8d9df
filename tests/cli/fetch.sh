#!/usr/bin/env bash
# frontcast fetch deepstate against a small HTTP server on 127.0.0.1 that
# serves responses in the API's shape, built from ../shared/data.
# Usage: fetch.sh FRONTCAST DATA
FRONTCAST=$1
DATA=$2
. "$(dirname "$0")/lib.sh"

if [ ! -d "$DATA/deepstate" ]; then
    echo "SKIP: $DATA/deepstate not found"
    exit 77
fi
site=$work/site
mkdir -p "$site/api/history"
# Version 101 on 08-21; versions 102 (morning) and 103 (evening) on 08-22:
# the evening one must win, so 102 is made empty to tell them apart.
python3 - "$DATA/deepstate" "$site/api/history" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
def version(vid, day, empty=False):
    d = json.load(open(os.path.join(src, "deepstatemap_data_%s.geojson" % day)))
    polys = d["features"][0]["geometry"]["coordinates"]
    feats = []
    for i, p in enumerate(polys):
        cat = "territories.crimea" if i == 0 else ("territories.ordlo" if i == 1 else "status.occupied")
        # [lon, lat, 0] as the API sends them
        p3 = [[[x, y, 0] for x, y in ring] for ring in p]
        feats.append({"type": "Feature", "properties": {"name": "Окупована /// Occupied /// geoJSON." + cat},
                      "geometry": {"type": "Polygon", "coordinates": p3}})
    # the grey zone, a strip of Moldova (Transnistria, dropped) and a marker
    feats.append({"type": "Feature", "properties": {"name": "Сіра зона /// Unknown /// geoJSON.status.unknown"},
                  "geometry": {"type": "Polygon", "coordinates": [[[36.0, 49.0, 0], [36.1, 49.0, 0], [36.1, 49.1, 0], [36.0, 49.1, 0], [36.0, 49.0, 0]]]}})
    feats.append({"type": "Feature", "properties": {"name": "ПМР /// Transnistria /// geoJSON.territories.transnistria"},
                  "geometry": {"type": "Polygon", "coordinates": [[[29.4, 46.8, 0], [29.6, 46.8, 0], [29.6, 47.0, 0], [29.4, 47.0, 0], [29.4, 46.8, 0]]]}})
    feats.append({"type": "Feature", "properties": {"name": "icon /// geoJSON.icons.flag"},
                  "geometry": {"type": "Point", "coordinates": [37.5, 48.5, 0]}})
    os.makedirs(os.path.join(out, str(vid)), exist_ok=True)
    fc = {"type": "FeatureCollection", "features": [] if empty else feats}
    json.dump(fc, open(os.path.join(out, str(vid), "geojson"), "w"), ensure_ascii=False)
version(101, "20260821")
version(102, "20260822", empty=True)
version(103, "20260822")
version(104, "20260820")
json.dump([{"id": 101, "datetime": "2026-08-21T20:10:00.000Z", "status": True},
           {"id": 102, "datetime": "2026-08-22T06:00:00.000Z", "status": True},
           {"id": 103, "datetime": "2026-08-22T21:00:00.000Z", "status": True}],
          open(os.path.join(out, "public"), "w"))
PY
# free_port: a port nobody listens on; wait_for URL: until it answers.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() {
    for _ in $(seq 50); do
        python3 -c "import urllib.request; urllib.request.urlopen('$1')" 2>/dev/null && return
        sleep 0.1
    done
}
port=$(free_port)
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
wait_for "$base/api/history/public"
dir=$work/snapshots

"$FRONTCAST" fetch deepstate --dir "$dir" --base-url "$base" 2>"$work/err" && pass || { fail "fetch"; cat "$work/err"; }
[ -f "$dir/deepstatemap_20260821.geojson" ] && [ -f "$dir/deepstatemap_20260822.geojson" ] && pass || fail "two dates"
[ -f "$dir/grey/deepstatemap_20260822.geojson" ] && pass || fail "grey zone apart"
[ "$(ls "$dir"/*.geojson | wc -l)" -eq 2 ] && pass || fail "one file per date"
grep -q "api/history/102/geojson" "$work/server.log" && fail "fetched the morning version of 08-22" || pass
ls -a "$dir" "$dir/grey" | grep -q '\.tmp-' && fail "temporary files left" || pass

# Dissolved, the occupied categories are the original snapshot: same areas.
mkdir -p "$work/orig"
cp "$DATA/deepstate/deepstatemap_data_20260821.geojson" "$DATA/deepstate/deepstatemap_data_20260822.geojson" "$work/orig/"
"$FRONTCAST" areas -q --control "$dir" -o "$work/fetched.csv" && "$FRONTCAST" areas -q --control "$work/orig" -o "$work/orig.csv" \
    && same_areas "$work/orig.csv" "$work/fetched.csv" 0.01 && pass || fail "fetched areas differ from the originals"

# Again, with a new version listed: only it is fetched.
python3 - "$site/api/history/public" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
v.append({"id": 104, "datetime": "2026-08-23T20:00:00.000Z", "status": True})
json.dump(v, open(sys.argv[1], "w"))
PY
: >"$work/server.log"
"$FRONTCAST" fetch deepstate --dir "$dir" --base-url "$base" 2>"$work/err" && pass || { fail "second fetch"; cat "$work/err"; }
grep -q "2 already in .*1 fetched" "$work/err" && pass || { fail "second fetch counts"; cat "$work/err"; }
[ "$(grep -c 'GET /api/history/[0-9]*/geojson' "$work/server.log")" -eq 1 ] && grep -q "GET /api/history/104/geojson" "$work/server.log" \
    && pass || { fail "only the new version requested"; cat "$work/server.log"; }

# A version that fails to download is quarantined: one line naming it and
# the problem, no file for its date, exit 3; the versions after it are
# still fetched (105, dated 08-25), and it is asked for again next time.
python3 - "$site/api/history/public" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
v.append({"id": 999, "datetime": "2026-08-24T20:00:00.000Z"})
v.append({"id": 105, "datetime": "2026-08-25T20:00:00.000Z"})
json.dump(v, open(sys.argv[1], "w"))
PY
cp -r "$site/api/history/104" "$site/api/history/105"
"$FRONTCAST" fetch deepstate --dir "$dir" --base-url "$base" 2>"$work/err"
rc=$?
[ "$rc" -eq 3 ] && pass || { fail "a failed version: exit $rc, want 3"; cat "$work/err"; }
grep -q "^frontcast: quarantined: version 999 (2026-08-24T20:00:00.000Z): $base/api/history/999/geojson: .*404" "$work/err" \
    && pass || { fail "the quarantined version's line"; cat "$work/err"; }
[ ! -e "$dir/deepstatemap_20260824.geojson" ] && [ -f "$dir/deepstatemap_20260825.geojson" ] \
    && pass || fail "no file for the failed version, the next one fetched"
: >"$work/server.log"
"$FRONTCAST" fetch deepstate -q --dir "$dir" --base-url "$base" 2>"$work/err"
[ $? -eq 3 ] && grep -q "GET /api/history/999/geojson" "$work/server.log" && grep -q "quarantined: version 999" "$work/err" \
    && pass || fail "the quarantined version is tried again, and reported even with -q"

# Entries the API should never send: ids that would change the request,
# dates no snapshot can have. Each is quarantined, none is requested; a
# datetime with an offset is filed under its UTC date.
python3 - "$site/api/history/public" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
v += [{"id": "../../etc", "datetime": "2026-08-26T10:00:00Z"},
      {"id": "106?x=1#", "datetime": "2026-08-26T11:00:00Z"},
      {"id": 107, "datetime": "0001-01-01T00:00:00Z"},
      {"id": 108, "datetime": "9999-12-31T00:00:00Z"},
      {"id": 109, "datetime": "yesterday"},
      {"id": None, "datetime": "2026-08-26T12:00:00Z"},
      {"id": 110, "datetime": "2026-08-28T01:30:00+03:00"}]
json.dump(v, open(sys.argv[1], "w"))
PY
cp -r "$site/api/history/104" "$site/api/history/110"
: >"$work/server.log"
"$FRONTCAST" fetch deepstate --dir "$dir" --base-url "$base" 2>"$work/err"
[ $? -eq 3 ] && pass || { fail "odd entries: exit 3"; cat "$work/err"; }
[ "$(grep -c '^frontcast: quarantined: ' "$work/err")" -eq 7 ] && pass || { fail "7 quarantined lines (999 and 6 odd entries)"; cat "$work/err"; }
grep -q "id \.\./\.\./etc.*not plain" "$work/err" && grep -q "implausible date" "$work/err" && grep -q "no ISO 8601 datetime" "$work/err" \
    && pass || { fail "each odd entry says why"; cat "$work/err"; }
grep -qE "GET /(etc|api/history/(\.\.|106|107|108|109))" "$work/server.log" && fail "an odd entry was requested" || pass
[ -f "$dir/deepstatemap_20260827.geojson" ] && [ ! -e "$dir/deepstatemap_20260828.geojson" ] \
    && pass || { fail "2026-08-28T01:30+03:00 is filed under 2026-08-27 (UTC)"; ls "$dir"; }

# Redirects: followed on the same host, at most 5 times, never elsewhere;
# a response over --max-size is refused.
cat >"$work/redirect.py" <<'PY'
import http.server, sys
site, port, other = sys.argv[1], int(sys.argv[2]), sys.argv[3]
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=site, **k)
    def go(self, where):
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def do_GET(self):
        p = self.path
        if p.startswith("/loop/"):
            return self.go(p)
        if p.startswith("/away/"):
            return self.go(other + p[len("/away"):])
        if p.startswith("/hop/"):
            return self.go(p[len("/hop"):])
        return super().do_GET()
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
port2=$(free_port)
python3 "$work/redirect.py" "$site" "$port2" "$base" &
server2=$!
trap 'kill $server $server2 2>/dev/null; rm -rf "$work"' EXIT
base2="http://127.0.0.1:$port2"
wait_for "$base2/api/history/public"
expect_error "more than 5 redirects" "$work/loop/x" -- \
    "$FRONTCAST" fetch deepstate --dir "$work/loop" --base-url "$base2/loop"
expect_error "redirected to another host or port \($base/api/history/public\)" "$work/away/x" -- \
    "$FRONTCAST" fetch deepstate --dir "$work/away" --base-url "$base2/away"
"$FRONTCAST" fetch deepstate -q --dir "$work/hop" --max-size 64K --base-url "$base2/hop" 2>"$work/err"
[ $? -eq 3 ] && grep -q "quarantined: version 101 .*response larger than 65536 bytes" "$work/err" \
    && [ -z "$(ls "$work/hop"/*.geojson 2>/dev/null)" ] && pass || { fail "a same-host redirect followed, oversized bodies refused"; cat "$work/err"; }
"$FRONTCAST" fetch deepstate -q --dir "$work/hop" --base-url "$base2/hop" 2>"$work/err"
[ -f "$work/hop/deepstatemap_20260822.geojson" ] && pass || { fail "fetch through a same-host redirect"; cat "$work/err"; }
expect_usage "$FRONTCAST" fetch deepstate --dir "$work/x" --max-size 12Q
expect_error "http://127.0.0.1:1/api/history/public: " "$work/none/x" -- \
    "$FRONTCAST" fetch deepstate --dir "$work/none" --base-url "http://127.0.0.1:1"
expect_usage "$FRONTCAST" fetch deepstate
expect_usage "$FRONTCAST" fetch elsewhere --dir x
finish
