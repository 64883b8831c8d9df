#!/usr/bin/env bash
# Another admin level: the OpenStreetMap raions of ../shared/data as zones,
# checked raion by raion against an independent computation written here
# (shapely's intersection, pyproj's geodesic area on WGS84) on the same
# files; then the bundled set (--zones raions): its parent codes roll up to
# the bundled oblasts, and reach the forecast. Usage: raions.sh FRONTCAST DATA
FRONTCAST=$1
DATA=$2
. "$(dirname "$0")/../cli/lib.sh"

raions="$DATA/boundaries/ukraine-raions-osm.geojson"
if [ ! -f "$raions" ] || [ ! -d "$DATA/deepstate" ]; then
    echo "SKIP: $raions or $DATA/deepstate not found"
    exit 77
fi
mkdir -p "$work/snaps"
for d in 20241231 20251231 20260822; do
    ln -s "$(cd "$DATA/deepstate" && pwd)/deepstatemap_data_$d.geojson" "$work/snaps/"
done

# No --zone-id-field: adm2_code is found, and adm1_code becomes the parent.
"$FRONTCAST" areas -q --zones "$raions" --control "$work/snaps" \
    -o "$work/raions.csv" && pass || fail "areas with the raions"
[ "$(wc -l <"$work/raions.csv")" -eq $((3 * 138 + 1)) ] && pass || fail "want 3 dates x (137 raions + ALL)"
head -1 "$work/raions.csv" | grep -q '^date,zone_id,zone_name,adm1_code,controlled_km2,' &&
    grep -q '^2025-12-31,UA1416,.*,UA-14,' "$work/raions.csv" && pass ||
    fail "the raions' adm1_code after zone_name"

/usr/bin/python3 - "$work/raions.csv" "$raions" "$DATA/deepstate" <<'PY' && pass || fail "raions against shapely + pyproj"
import csv, json, sys
from pyproj import Geod
from shapely.geometry import shape

rows = {(r["date"], r["zone_id"]): r for r in csv.DictReader(open(sys.argv[1]))}
raions = {f["properties"]["adm2_code"]: shape(f["geometry"])
          for f in json.load(open(sys.argv[2]))["features"]}
geod = Geod(ellps="WGS84")
area = lambda g: abs(geod.geometry_area_perimeter(g)[0]) / 1e6 if not g.is_empty else 0.0
# Raions the front crossed in 2025 (Pokrovsk, Kramatorsk, Kupiansk, Sumy,
# Synelnykove), one wholly held (Mariupol) and one far from it (Lviv).
pick = ["UA1416", "UA1412", "UA6308", "UA5908", "UA1214", "UA1414", "UA4606"]
worst = 0.0
for day, iso in (("20251231", "2025-12-31"), ("20260822", "2026-08-22")):
    control = shape(json.load(open("%s/deepstatemap_data_%s.geojson" % (sys.argv[3], day)))
                    ["features"][0]["geometry"]).buffer(0)
    for z in pick:
        want = area(raions[z].intersection(control))
        got = float(rows[(iso, z)]["controlled_km2"])
        # Intersections cut edges at slightly different points in lon/lat
        # and in the equal-area plane: allow 1e-4 of the zone or 0.05 km2.
        tol = max(0.05, 1e-4 * area(raions[z]))
        print("%s %s: frontcast %.3f km2, shapely+pyproj %.3f km2" % (iso, z, got, want))
        assert abs(got - want) <= tol, (iso, z, got, want)
        worst = max(worst, abs(got - want))
    assert float(rows[(iso, "UA1414")]["controlled_pct"]) > 99.5  # Mariupol raion, held
    assert float(rows[(iso, "UA4606")]["controlled_km2"]) == 0.0  # Lviv raion
print("worst difference %.3f km2" % worst)
PY

"$FRONTCAST" areas -q --zones raions --control "$work/snaps" -o "$work/bundled.csv" &&
    "$FRONTCAST" areas -q --zones oblasts --control "$work/snaps" -o "$work/oblasts.csv" &&
    pass || fail "areas with the bundled raions and oblasts"
grep -q '^"Date","String","String","String","Real"' "$work/bundled.csvt" && pass ||
    fail "the .csvt types adm1_code as a string"
/usr/bin/python3 - "$work/bundled.csv" "$work/oblasts.csv" "$work/raions.csv" <<'PY' && pass || fail "bundled raions roll up"
import csv, sys
from collections import defaultdict
rows = lambda p: [r for r in csv.DictReader(open(p)) if r["zone_id"] != "ALL"]
bundled, oblasts, osm = rows(sys.argv[1]), rows(sys.argv[2]), rows(sys.argv[3])
assert len({r["zone_id"] for r in bundled}) == 138  # 136 + Kyiv + Sevastopol
up = defaultdict(float)
for r in bundled:
    up[(r["date"], r["adm1_code"])] += float(r["controlled_km2"])
# Both sets are the same OSM outline, each simplified to within 20 m on its
# own: an oblast's sum of raions may differ from it by a sliver.
worst = max(abs(up[(r["date"], r["zone_id"])] - float(r["controlled_km2"])) for r in oblasts)
print("raions summed per oblast vs the oblasts: worst %.3f km2" % worst)
assert worst < 0.5 and len(up) == len(oblasts)
# Against the full-resolution raions: simplification (20 m) moves each by a
# few parts in 10^4 at most, the most on crinkled coasts (Kerch: 1.5e-4).
full = {(r["date"], r["zone_id"]): float(r["controlled_km2"]) for r in osm}
diff = [(abs(full[(r["date"], r["zone_id"])] - float(r["controlled_km2"])) /
         max(250.0, float(r["zone_km2"])), r["zone_id"]) for r in bundled if r["zone_id"] != "UA8500"]
print("bundled vs full-resolution raions: worst %.1e of the raion (%s)" % max(diff))
assert max(diff)[0] < 2e-4
PY
"$FRONTCAST" forecast -q --areas "$work/bundled.csv" --window 365 -o "$work/fc" &&
    head -1 "$work/fc/eta.csv" | grep -q '^zone_id,zone_name,adm1_code,model,' &&
    grep -q '^UA1416,[^,]*,UA-14,pace,' "$work/fc/eta.csv" && pass ||
    fail "the forecast of the raions carries adm1_code"

finish
