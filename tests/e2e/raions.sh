#!/usr/bin/env bash
# Another admin level: the OpenStreetMap raions of ../shared/data as zones,
# checked raion by raion against an independent computation written here
# (shapely's intersection, pyproj's geodesic area on WGS84) on the same
# files. Usage: raions.sh FRONTCAST DATA
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

"$FRONTCAST" areas -q --zones "$raions" --zone-id-field adm2_code --control "$work/snaps" \
    -o "$work/raions.csv" && pass || fail "areas with the raions"
[ "$(wc -l <"$work/raions.csv")" -eq $((3 * 138 + 1)) ] && pass || fail "want 3 dates x (137 raions + ALL)"

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

finish
