#!/usr/bin/env bash
# frontline, advance and backtest --spatial on the bundled demo series.
# Usage: spatial.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"

"$FRONTCAST" frontline -q -o "$work/fl" && pass || fail "frontline"
ndates=$(ls "$GEODATA"/demo-control/*.geojson | wc -l)
[ "$(wc -l <"$work/fl/frontline.csv")" -eq $((ndates + 1)) ] && pass || fail "one front per date"
head -1 "$work/fl/frontline.csv" | grep -qx "date,length_km,shift_mean_km,shift_p90_km" && pass || fail "header"
# The demo front moves west 0.6-4 km a week: every weekly shift is positive.
awk -F, 'NR>2 && !($3 > 0.1 && $3 < 10) { bad=1 } END { exit bad }' "$work/fl/frontline.csv" \
    && pass || fail "weekly shifts"
ogrinfo -ro -al -so "$work/fl/frontline.geojson" >"$work/info"
grep -q "Multi Line String" "$work/info" && grep -q "date: Date" "$work/info" \
    && grep -q "Feature Count: $ndates" "$work/info" && pass || fail "frontline.geojson"

"$FRONTCAST" advance -q --horizon 180 --step 60 --window 90 -o "$work/adv" && pass || fail "advance"
# The projected steps are drawn on several threads: the same files, to the
# byte, on one thread and on three.
for j in 1 3; do
    "$FRONTCAST" advance -q -j $j --horizon 360 --step 45 --window 90 -o "$work/advj$j" || fail "advance -j $j"
done
for f in projected-control.geojson projected-front.geojson places.csv calibration.csv; do
    cmp -s "$work/advj1/$f" "$work/advj3/$f" && pass || fail "advance: $f differs between -j 1 and -j 3"
done
for f in arrival.tif projected-control.geojson projected-front.geojson places.csv calibration.csv; do
    [ -s "$work/adv/$f" ] && pass || fail "no $f"
done
gdalinfo "$work/adv/arrival.tif" >"$work/tif"
grep -q "NoData Value=-9999" "$work/tif" && grep -q "Lambert Azimuthal Equal Area" "$work/tif" \
    && pass || fail "arrival.tif CRS and NoData"
grep -q "Description = days after the as-of date until the front arrives" "$work/tif" &&
    grep -q "AS_OF=2025-07-07" "$work/tif" && grep -q "HORIZON_DAYS=180" "$work/tif" &&
    grep -q "MODEL=pace over 90 days" "$work/tif" && pass || fail "arrival.tif says what its band is"
ogrinfo -ro -al -so "$work/adv/projected-control.geojson" >"$work/pc"
grep -q "valid_from: Date" "$work/pc" && grep -q "valid_to: Date" "$work/pc" && pass || fail "valid_from/valid_to typed as dates"
# Calibration: zone by zone within 1% wherever the gain is 100 km2 or more.
awk -F, 'NR>1 && $3 >= 100 { r = $5 < 0 ? -$5 : $5; if (r > 0.01) bad=1; n++ } END { exit bad || n == 0 }' \
    "$work/adv/calibration.csv" && pass || fail "calibration within 1%"
# Places: none already held; dated ones first, in date order.
python3 - "$work/adv/places.csv" <<'PY' && pass || fail "places.csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and list(rows[0]) == ["name", "population", "zone_id", "distance_to_front_km",
                                  "arrival", "arrival_lo80", "arrival_hi80", "interval"]
dated = [r["arrival"] for r in rows if r["arrival"]]
assert dated == sorted(dated) and all(r["arrival"] for r in rows[:len(dated)]), "order"
assert len(dated) > 0, "no place reached in the demo"
for r in rows:
    assert float(r["distance_to_front_km"]) >= 0
    if r["arrival"] and r["arrival_lo80"] and r["arrival_hi80"]:
        assert r["arrival_lo80"] <= r["arrival"] <= r["arrival_hi80"], r
    # How the bounds were made: said wherever there is a date.
    if r["arrival"] or r["arrival_lo80"] or r["arrival_hi80"]:
        assert r["interval"] == "model" or r["interval"].startswith("calibrated (n="), r
    else:
        assert r["interval"] == "", r
PY

"$FRONTCAST" backtest --spatial -q --window 56 --horizons 28,56 --every 28 --cell 2 \
    -o "$work/bts.csv" && pass || fail "backtest --spatial"
head -1 "$work/bts.csv" | grep -qx "model,horizon_days,n,precision,recall,iou" && pass || fail "spatial header"
grep -q "^arrival,28," "$work/bts.csv" && grep -q "^uniform-buffer,56," "$work/bts.csv" \
    && pass || fail "both models"

expect_error "no snapshot on or before 2020-01-01" "$work/err/x" -- \
    "$FRONTCAST" advance --as-of 2020-01-01 -o "$work/err"
expect_usage "$FRONTCAST" advance --areas x.csv
expect_usage "$FRONTCAST" advance --step 400 --horizon 100
expect_usage "$FRONTCAST" backtest --spatial --areas x.csv

# The observed timeline of places on the demo series.
"$FRONTCAST" places -q -o "$work/pl" && pass || fail "places"
head -1 "$work/pl/places-timeline.csv" | grep -qx "name,population,zone_id,first_held,last_free,held_now,changes,lon,lat" \
    && pass || fail "places-timeline.csv header"
[ -f "$work/pl/places-timeline.csvt" ] && pass || fail "no places-timeline.csvt"
ogrinfo -ro -al -so "$work/pl/places-timeline.geojson" >"$work/plinfo"
grep -q "first_held: Date" "$work/plinfo" && grep -q "last_free: Date" "$work/plinfo" \
    && pass || fail "places-timeline.geojson dates are not Dates"
python3 - "$work/pl/places-timeline.csv" "$GEODATA/ukraine-places.geojson" <<'PY' && pass || fail "places timeline"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == len(json.load(open(sys.argv[2]))["features"]), len(rows)
held = [r for r in rows if r["first_held"]]
assert held, "no place held in the demo"
for r in rows:
    assert r["held_now"] in ("true", "false") and int(r["changes"]) >= 0, r
    if r["held_now"] == "true":
        assert r["first_held"], r
    if not r["first_held"]:
        assert not r["last_free"] and r["changes"] == "0", r
    if r["last_free"]:
        assert r["last_free"] < r["first_held"], r
PY
# The places in any OGR format: a CSV of X,Y columns and a GeoPackage in
# UTM 37N (reprojected back to lon/lat) give the same timeline as the
# bundled GeoJSON.
places_geojson=$GEODATA/ukraine-places.geojson
ogr2ogr -q -f CSV -lco GEOMETRY=AS_XY "$work/places.csv" "$places_geojson"
ogr2ogr -q -f GPKG -t_srs EPSG:32637 "$work/places.gpkg" "$places_geojson"
"$FRONTCAST" places -q --places "$places_geojson" -o "$work/pl-geojson" || fail "places from GeoJSON"
for f in places.csv places.gpkg; do
    "$FRONTCAST" places -q --places "$work/$f" -o "$work/pl-$f" || fail "places from $f"
    cmp -s "$work/pl-geojson/places-timeline.csv" "$work/pl-$f/places-timeline.csv" && pass ||
        fail "places from $f differ from the GeoJSON's"
done

echo '{"type": "Feature"}' >"$work/notplaces.geojson"
expect_error "notplaces.geojson: not a GeoJSON FeatureCollection of places" "$work/plerr/places-timeline.csv" -- \
    "$FRONTCAST" places --places "$work/notplaces.geojson" -o "$work/plerr"

finish
