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
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/api/history/public')" 2>/dev/null && break
    sleep 0.1
done
base="http://127.0.0.1:$port"
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

# A version that fails to download: a clear error, no file for its date.
python3 - "$site/api/history/public" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
v.append({"id": 999, "datetime": "2026-08-24T20:00:00.000Z"})
json.dump(v, open(sys.argv[1], "w"))
PY
expect_error "$base/api/history/999/geojson: .*404" "$dir/deepstatemap_20260824.geojson" -- \
    "$FRONTCAST" fetch deepstate --dir "$dir" --base-url "$base"
expect_error "http://127.0.0.1:1/api/history/public: " "$work/none/x" -- \
    "$FRONTCAST" fetch deepstate --dir "$work/none" --base-url "http://127.0.0.1:1"
expect_usage "$FRONTCAST" fetch deepstate
expect_usage "$FRONTCAST" fetch elsewhere --dir x
finish
