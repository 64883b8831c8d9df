#!/usr/bin/env bash
# Bad input gives one line naming the file and the problem, exit 1, and no
# damaged output. Usage: errors.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"

demo=$GEODATA/demo-control
zones=$GEODATA/ukraine-oblasts.geojson
out=$work/out/areas.csv
mkdir -p "$work/out"
echo OLD >"$out"

# A folder holding copies of the demo series plus one bad file.
series_with() { # NAME CONTENT-FILE
    local d=$work/series-$1
    rm -rf "$d"; mkdir -p "$d"
    cp "$demo"/*.geojson "$d"/
    cp "$2" "$d/$1"
    echo "$d"
}

expect_error "/nonexistent/zones.geojson: .*(No such file|cannot open)" "$out" -- \
    "$FRONTCAST" areas --zones /nonexistent/zones.geojson --control "$demo" -o "$out"
expect_error "/nonexistent/series: No such file" "$out" -- \
    "$FRONTCAST" areas --control /nonexistent/series -o "$out"

head -c 5000 "$demo/synthetic-demo_20250210.geojson" >"$work/trunc"
d=$(series_with bad_20250211.geojson "$work/trunc")
expect_error "bad_20250211.geojson: invalid GeoJSON: truncated" "$out" -- \
    "$FRONTCAST" areas --control "$d" -o "$out"

printf '{"type":"FeatureCollection","features":[{"type":"Feature",,}]}' >"$work/corrupt"
d=$(series_with bad_20250212.geojson "$work/corrupt")
expect_error "bad_20250212.geojson: invalid GeoJSON at byte [0-9]+" "$out" -- \
    "$FRONTCAST" areas --control "$d" -o "$out"

printf '' >"$work/empty"
d=$(series_with bad_20250213.geojson "$work/empty")
expect_error "bad_20250213.geojson: invalid GeoJSON" "$out" -- \
    "$FRONTCAST" areas --control "$d" -o "$out"

printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[37,48]}}]}' >"$work/points"
d=$(series_with points_20250214.geojson "$work/points")
expect_error "points_20250214.geojson: the control layer has no polygons" "$out" -- \
    "$FRONTCAST" areas --control "$d" -o "$out"
# ...and the skipped feature is named in a warning.
grep -q "points_20250214.geojson: feature 0 skipped: is a Point, not a polygon" "$work/stderr" \
    && pass || fail "no warning naming the skipped point feature"

# "type": null, at the root or in a geometry: an error, not a crash.
printf '{"type": null}' >"$work/nulltype"
d=$(series_with nulltype_20250216.geojson "$work/nulltype")
expect_error "nulltype_20250216.geojson: not GeoJSON \(\"type\" is not a string\)" "$out" -- \
    "$FRONTCAST" areas --control "$d" -o "$out"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":null,"coordinates":[]}}]}' >"$work/nullgeom"
d=$(series_with nullgeom_20250218.geojson "$work/nullgeom")
expect_error "nullgeom_20250218.geojson: feature 0: malformed geometry" "$out" -- \
    "$FRONTCAST" areas --control "$d" -o "$out"
cp "$work/nulltype" "$work/nulltype.geojson"
expect_error "nulltype.geojson: not GeoJSON \(\"type\" is not a string\)" "$out" -- \
    "$FRONTCAST" areas --zones "$work/nulltype.geojson" --control "$demo" -o "$out"

# A folder or a FIFO named like a snapshot or given as zones: refused, never
# sized by ftell (2^63 bytes) nor blocking on the open.
d=$(series_with notes.txt /dev/null) # the demo series, and a file the reader ignores
mkdir "$d/folder_20250219.geojson"
expect_error "folder_20250219.geojson: cannot read: Is a directory" "$out" -- \
    "$FRONTCAST" areas --control "$d" -o "$out"
mkfifo "$work/fifo.geojson"
expect_error "fifo.geojson: cannot read: not a regular file" "$out" -- \
    timeout 20 "$FRONTCAST" areas --zones "$work/fifo.geojson" --control "$demo" -o "$out"
rm -f "$work/fifo.geojson"

# An option the input cannot use is an error, not ignored.
expect_error "demo-control: --date-field does not apply to a folder" "$out" -- \
    "$FRONTCAST" areas --control "$demo" --date-field day -o "$out"

# Zone ids: a duplicated one is an error naming it (it used to switch the id
# field to the names, or merge the zones); 'ALL' is the whole layer's.
python3 - "$zones" "$work" <<'PY'
import copy, json, sys
z = json.load(open(sys.argv[1]))
d = copy.deepcopy(z)
d["features"].append(copy.deepcopy([f for f in z["features"] if f["properties"]["zone_id"] == "UA-14"][0]))
json.dump(d, open(sys.argv[2] + "/dupzones.geojson", "w"))
a = copy.deepcopy(z)
a["features"][0]["properties"]["zone_id"] = "ALL"
json.dump(a, open(sys.argv[2] + "/allzones.geojson", "w"))
PY
expect_error "dupzones.geojson: zone id 'UA-14' is on more than one feature \(field 'zone_id'\)" "$out" -- \
    "$FRONTCAST" areas --zones "$work/dupzones.geojson" -o "$out"
expect_error "dupzones.geojson: zone id 'Donetsk' is on more than one feature \(field 'name'\)" "$out" -- \
    "$FRONTCAST" areas --zones "$work/dupzones.geojson" --zone-id-field name -o "$out"
expect_error "allzones.geojson: a zone's id is 'ALL', which the outputs reserve for the whole layer" "$out" -- \
    "$FRONTCAST" areas --zones "$work/allzones.geojson" -o "$out"

# Zone names that the outputs cannot carry: a line break (forecast --areas
# could not read it back), Latin-1 bytes (invalid UTF-8 in GeoJSON and
# GeoPackage, NULL in PostGIS). Each an error naming the feature and field.
python3 - "$zones" "$work" <<'PY'
import copy, json, sys
z = json.load(open(sys.argv[1]))
n = copy.deepcopy(z)
n["features"][3]["properties"]["name"] = "Dnipro\npetrovsk"
json.dump(n, open(sys.argv[2] + "/nlzones.geojson", "w"))
l = copy.deepcopy(z)
l["features"][5]["properties"]["name"] = "@@LATIN1@@"
text = json.dumps(l).encode().replace(b"@@LATIN1@@", "Kyïv".encode("latin-1"))
open(sys.argv[2] + "/latin1zones.geojson", "wb").write(text)
PY
expect_error "nlzones.geojson: feature 3: the zone name \('name'\) has a control character \(byte 0x0A at 6\)" "$out" -- \
    "$FRONTCAST" areas --zones "$work/nlzones.geojson" -o "$out"
expect_error "latin1zones.geojson: feature 5: the zone name \('name'\) has bytes that are not UTF-8 text \(byte 0xEF at 2\)" "$out" -- \
    "$FRONTCAST" areas --zones "$work/latin1zones.geojson" -o "$out"

# A whole-world control polygon (a mask, or a mistake): every zone 100 %
# held, with a warning that it was cut to the hemisphere around the zones.
# (Projected whole, it folded round the antipode and came out as 0 km2.)
mkdir -p "$work/world"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]}}]}' \
    >"$work/world/world_20250101.geojson"
"$FRONTCAST" areas --control "$work/world" -o "$work/world.csv" 2>"$work/world.err" && pass || fail "a whole-world polygon"
grep -q "warning: .*world_20250101.geojson: feature 0 reaches more than 90 degrees of longitude" "$work/world.err" \
    && pass || { fail "no warning for the whole-world polygon"; cat "$work/world.err"; }
python3 - "$work/world.csv" <<'PY' && pass || fail "whole-world polygon: every zone 100 %"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["zone_id"] != "ALL"]
assert len(rows) == 27 and all(float(r["controlled_pct"]) == 100 for r in rows), rows[:3]
PY

printf '{"type":"FeatureCollection","features":[]}' >"$work/nofeat"
d=$(series_with none_20250215.geojson "$work/nofeat")
expect_error "none_20250215.geojson: the control layer has no polygons" "$out" -- \
    "$FRONTCAST" areas --control "$d" -o "$out"

expect_error "ukraine-oblasts.geojson: no zone id field 'nope' \(fields: zone_id, name, name_uk\)" "$out" -- \
    "$FRONTCAST" areas --zones "$zones" --zone-id-field nope --control "$demo" -o "$out"

# Zones whose only attribute repeats: no usable id.
printf '{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"kind":"x"},"geometry":{"type":"Polygon","coordinates":[[[36,47],[38,47],[38,49],[36,49],[36,47]]]}},
{"type":"Feature","properties":{"kind":"x"},"geometry":{"type":"Polygon","coordinates":[[[38,47],[40,47],[40,49],[38,49],[38,47]]]}}]}' >"$work/noid.geojson"
expect_error "noid.geojson: no zone id field found \(fields: kind\); pass --zone-id-field" "$out" -- \
    "$FRONTCAST" areas --zones "$work/noid.geojson" --control "$demo" -o "$out"

cp "$demo/synthetic-demo_20250106.geojson" "$work/latest.geojson"
d=$(series_with snapshot_latest.geojson "$work/latest.geojson")
expect_error "snapshot_latest.geojson: no date in the file name \(expected YYYYMMDD or YYYY-MM-DD; see --date-pattern\)" "$out" -- \
    "$FRONTCAST" areas --control "$d" -o "$out"

d=$(series_with copy-2025-01-06.geojson "$work/latest.geojson")
expect_error "two snapshots dated 2025-01-06" "$out" -- \
    "$FRONTCAST" areas --control "$d" -o "$out"

# One layer with a date field holding something that is not a date.
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"date":"yesterday"},"geometry":{"type":"Polygon","coordinates":[[[37,48],[38,48],[38,49],[37,49],[37,48]]]}}]}' >"$work/baddate.geojson"
expect_error "baddate.geojson: feature 0: cannot parse date 'yesterday' in field 'date'" "$out" -- \
    "$FRONTCAST" areas --control "$work/baddate.geojson" -o "$out"

# A control area that misses every zone (in the Gulf of Guinea).
mkdir -p "$work/far"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,2],[1,1]]]}}]}' >"$work/far/far_20250101.geojson"
expect_error "far_20250101.geojson: no control area overlaps any zone of .*ukraine-oblasts.geojson" "$out" -- \
    "$FRONTCAST" areas --control "$work/far" -o "$out"

# Web Mercator metres in a file that, being plain GeoJSON, claims lon/lat.
mkdir -p "$work/crs"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[4100000,6200000],[4200000,6200000],[4200000,6300000],[4100000,6300000],[4100000,6200000]]]}}]}' >"$work/crs/merc_20250101.geojson"
expect_error "merc_20250101.geojson: feature 0: coordinates .* are not longitude/latitude although the layer's CRS is geographic: wrong CRS\?" "$out" -- \
    "$FRONTCAST" areas --control "$work/crs" -o "$out"

# A hole with a mistyped longitude far outside its (valid lon/lat) shell,
# and a part far east that makes the hemisphere cut run: the hole is
# checked too (GEOS's envelope is the shell's) instead of being cut and
# densified into gigabytes (12 s and 3 GB, then bad_alloc, before).
mkdir -p "$work/hole"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[36,47],[39,47],[39,50],[36,50],[36,47]],[[37,48],[344740650,48.5],[37.5,49],[37,48]]],[[[150,47],[151,47],[151,48],[150,47]]]]}}]}' >"$work/hole/hole_20250101.geojson"
expect_error "hole_20250101.geojson: feature 0: coordinates \\(3.4474.*\\) are not longitude/latitude" "$out" -- \
    "$FRONTCAST" areas --control "$work/hole" -o "$out"

# A Shapefile without .prj has no CRS at all.
ogr2ogr -q -f "ESRI Shapefile" "$work/noprj_20250101.shp" "$demo/synthetic-demo_20250106.geojson" 2>/dev/null
rm -f "$work/noprj_20250101.prj"
mkdir -p "$work/noprj" && mv "$work"/noprj_20250101.* "$work/noprj/"
expect_error "noprj_20250101.shp: has no coordinate reference system" "$out" -- \
    "$FRONTCAST" areas --control "$work/noprj" -o "$out"

mkdir -p "$work/emptydir"
expect_error "emptydir: no vector files in the folder" "$out" -- \
    "$FRONTCAST" areas --control "$work/emptydir" -o "$out"

# An unwritable output folder.
expect_error "/nonexistent/dir/areas.csv: cannot write" "/nonexistent/dir/areas.csv" -- \
    "$FRONTCAST" areas -o /nonexistent/dir/areas.csv

# GDAL is a plug-in loaded only when needed: plain GeoJSON runs without it,
# and where it is needed but missing the error says how to point at it.
FRONTCAST_OGR_MODULE=/nonexistent/libfrontcast_ogr.so "$FRONTCAST" areas -q -o "$work/noplugin.csv" \
    && pass || fail "GeoJSON-only run needed the OGR plug-in"
expect_error "cannot load the GDAL/OGR plug-in libfrontcast_ogr.so: .*FRONTCAST_OGR_MODULE" "$out" -- \
    env FRONTCAST_OGR_MODULE=/nonexistent/libfrontcast_ogr.so "$FRONTCAST" areas --control "$work/noprj" -o "$out"

# Usage errors: exit 2 with a pointer to --help.
expect_usage "$FRONTCAST" areas --bogus
expect_usage "$FRONTCAST" areas -j zero
expect_usage "$FRONTCAST" areas -f shapefile
expect_usage "$FRONTCAST" areas extra-argument
expect_usage "$FRONTCAST" frobnicate
expect_usage "$FRONTCAST"

finish
