#!/usr/bin/env bash
# The same areas whatever the format and CRS of the inputs; the outputs
# are typed for QGIS. Usage: formats.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"

demo=$GEODATA/demo-control
zones=$GEODATA/ukraine-oblasts.geojson
ndates=$(ls "$demo"/*.geojson | wc -l)

# Reference: the defaults, to a file.
"$FRONTCAST" areas -q -o "$work/ref.csv" && pass || fail "default run"
[ "$(wc -l <"$work/ref.csv")" -eq $((ndates * 28 + 1)) ] && pass || fail "want $ndates dates x 28 rows"
head -1 "$work/ref.csv" | grep -qx "date,zone_id,zone_name,controlled_km2,zone_km2,controlled_pct,gained_km2,lost_km2,border_km2" \
    && pass || fail "CSV header"
grep -qx '"Date","String","String","Real","Real","Real","Real","Real","Real"' "$work/ref.csvt" && pass || fail ".csvt sidecar"
# Dates ascend; gains are empty on the first date only; each date has an ALL row.
awk -F, 'NR>1 { if ($1 < prev) bad=1; prev=$1 } END { exit bad }' "$work/ref.csv" && pass || fail "dates ascend"
first=$(sed -n 2p "$work/ref.csv" | cut -d, -f1)
awk -F, -v f="$first" 'NR>1 && (($1==f) != ($7=="")) { bad=1 } END { exit bad }' "$work/ref.csv" \
    && pass || fail "gains empty exactly on the first date"
[ "$(grep -c ',ALL,' "$work/ref.csv")" -eq "$ndates" ] && pass || fail "one ALL row per date"

# controlled_pct counts the border sliver as held; --raw-border does not,
# and changes nothing else. The demo series has slivers (Luhansk, Crimea).
"$FRONTCAST" areas -q --raw-border -o "$work/raw.csv" && pass || fail "--raw-border run"
python3 - "$work/ref.csv" "$work/raw.csv" <<'PY' && pass || fail "--raw-border against the default"
import csv, sys
ref, raw = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
slivers = 0
for a, b in zip(ref, raw):
    assert {k: v for k, v in a.items() if k != "controlled_pct"} == \
           {k: v for k, v in b.items() if k != "controlled_pct"}, (a, b)
    if a["zone_id"] == "ALL":
        continue
    c, z, s = (float(a[k]) for k in ("controlled_km2", "zone_km2", "border_km2"))
    assert abs(float(a["controlled_pct"]) - 100 * (c + s) / z) < 1e-4, a
    assert abs(float(b["controlled_pct"]) - 100 * c / z) < 1e-4, b
    slivers += s > 0
assert slivers > 0
PY

# Standard output carries the same rows; the note about demo data goes to stderr.
"$FRONTCAST" areas -j 1 >"$work/stdout.csv" 2>"$work/stderr" && pass || fail "stdout run"
cmp -s "$work/ref.csv" "$work/stdout.csv" && pass || fail "stdout differs from -o (or -j 1 from default)"
grep -q "SYNTHETIC demo series" "$work/stderr" && pass || fail "no note that the default series is synthetic"

# Zones as a Shapefile in Web Mercator and as a GeoPackage in UTM 36N.
ogr2ogr -q -f "ESRI Shapefile" -lco ENCODING=UTF-8 -t_srs EPSG:3857 "$work/zones3857.shp" "$zones"
ogr2ogr -q -f GPKG -t_srs EPSG:32636 "$work/zones.gpkg" "$zones"
compare_donetsk() { # CSV: UA-14 on the last date within 0.01% of the reference
    awk -F, -v want="$(grep ',UA-14,' "$work/ref.csv" | tail -1 | cut -d, -f4)" \
        '$2=="UA-14" { got=$4 } END { d = got - want; if (d < 0) d = -d; exit !(got > 0 && d <= 1e-4 * want) }' "$1"
}
"$FRONTCAST" areas -q --zones "$work/zones3857.shp" -o "$work/shp.csv" && compare_donetsk "$work/shp.csv" \
    && pass || fail "zones as EPSG:3857 Shapefile"
"$FRONTCAST" areas -q --zones "$work/zones.gpkg" -o "$work/gpkg.csv" && compare_donetsk "$work/gpkg.csv" \
    && pass || fail "zones as UTM GeoPackage"

# Control as one layer with a date field, several features per date: each
# snapshot twice, so that summing instead of unioning would double it.
for f in "$demo"/*.geojson; do
    ogr2ogr -q -f GPKG -append -nln control "$work/control.gpkg" "$f"
    ogr2ogr -q -f GPKG -append -nln control "$work/control.gpkg" "$f"
done
"$FRONTCAST" areas -q --control "$work/control.gpkg" -o "$work/field.csv" && pass || fail "date-field run"
# The union may reorder vertices: the last digit may move.
same_areas "$work/ref.csv" "$work/field.csv" 0.002 \
    && pass || fail "date-field layer (overlapping features) differs from the folder"

# Control as a GeoPackage with one dated layer per snapshot.
for f in "$demo"/*.geojson; do
    ogr2ogr -q -f GPKG -append -nln "$(basename "$f" .geojson)" "$work/layers.gpkg" "$f"
done
"$FRONTCAST" areas -q --control "$work/layers.gpkg" -o "$work/layers.csv" && pass || fail "layers run"
cmp -s "$work/ref.csv" "$work/layers.csv" && pass || fail "per-date layers differ from the folder"

# Dates in another spelling, through --date-pattern.
mkdir -p "$work/dmy"
for f in "$demo"/*.geojson; do
    b=$(basename "$f" .geojson); d=${b#synthetic-demo_}
    cp "$f" "$work/dmy/snap_${d:6:2}.${d:4:2}.${d:0:4}.geojson"
done
"$FRONTCAST" areas -q --control "$work/dmy" --date-pattern '%d.%m.%Y' -o "$work/dmy.csv" \
    && cmp -s "$work/ref.csv" "$work/dmy.csv" && pass || fail "--date-pattern"

# An invalid (bow-tie) snapshot is repaired and reported, not dropped.
mkdir -p "$work/bowtie"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[37,47.5],[38,48.5],[38,47.5],[37,48.5],[37,47.5]]]}}]}' \
    >"$work/bowtie/bowtie_20250101.geojson"
"$FRONTCAST" areas --control "$work/bowtie" -o "$work/bowtie.csv" 2>"$work/stderr" && pass || fail "bow-tie run"
grep -qE "bowtie_20250101.geojson: feature 0: invalid geometry \(Self-intersection\) repaired with GEOSMakeValid; area [0-9.]+ km2 -> [0-9]+\.[0-9]+ km2" \
    "$work/stderr" && pass || { fail "repair not reported"; cat "$work/stderr"; }
awk -F, '$2=="ALL" { exit !($4 > 4000) }' "$work/bowtie.csv" && pass || fail "repaired bow-tie has no area"

# GeoJSON output: RFC 7946, dates typed as Date, one feature per CSV row.
"$FRONTCAST" areas -q -o "$work/areas.geojson" && pass || fail "geojson run"
info=$(ogrinfo -ro -al -so "$work/areas.geojson")
echo "$info" | grep -q "date: Date" && pass || fail "date is not a Date in the GeoJSON"
echo "$info" | grep -q "Feature Count: $((ndates * 28))" && pass || fail "GeoJSON feature count"
grep -q '"crs"' "$work/areas.geojson" && fail "RFC 7946 GeoJSON has no crs member" || pass
python3 - "$work/areas.geojson" "$work/ref.csv" <<'PY' && pass || fail "GeoJSON rows differ from CSV"
import csv, json, sys
g = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(g["features"]) == len(rows)
for f, r in zip(g["features"], rows):
    p = f["properties"]
    assert p["date"] == r["date"] and p["zone_id"] == r["zone_id"], (p, r)
    assert abs(p["controlled_km2"] - float(r["controlled_km2"])) < 1e-3
    assert (f["geometry"] is None) == (float(r["controlled_km2"]) == 0), r
PY

# -o - is standard output, for CSV and GeoJSON alike, not a file named "-".
(cd "$work" && "$FRONTCAST" areas -q -o - >"$work/stdout.csv") && head -1 "$work/stdout.csv" | grep -q "^date,zone_id" \
    && [ ! -e "$work/-" ] && pass || fail "areas -o - did not write CSV to standard output"
(cd "$work" && "$FRONTCAST" areas -q -f geojson -o - >"$work/stdout.geojson") && grep -q FeatureCollection "$work/stdout.geojson" \
    && [ ! -e "$work/-" ] && pass || fail "areas -f geojson -o - did not write to standard output"

# Progress into a log (stderr not a terminal) only when asked, GDAL's way.
"$FRONTCAST" areas --progress -o "$work/p.csv" 2>"$work/p.err" &&
    grep -q "^areas: 0\.\.\.10\.\.\..*\.\.\.100 - done\.$" "$work/p.err" && pass ||
    fail "areas --progress: $(cat "$work/p.err")"
"$FRONTCAST" areas -o "$work/p.csv" 2>"$work/p.err" && ! grep -q "done\." "$work/p.err" && pass ||
    fail "progress in a log without --progress"

# GDAL's virtual file systems, as ogr2ogr takes them: zones read from inside
# a zip archive give the same areas as the file itself.
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED).write(sys.argv[2], "oblasts.geojson")' \
    "$work/zones.zip" "$GEODATA/ukraine-oblasts.geojson"
"$FRONTCAST" areas -q --zones "/vsizip/$work/zones.zip/oblasts.geojson" -o "$work/vsizip.csv" &&
    "$FRONTCAST" areas -q --zones "$GEODATA/ukraine-oblasts.geojson" -o "$work/plain.csv" &&
    cmp -s "$work/vsizip.csv" "$work/plain.csv" && pass || fail "zones through /vsizip/"
expect_error "zones.zip/nothere.geojson: no such file" "$work/none.csv" -- \
    "$FRONTCAST" areas -q --zones "/vsizip/$work/zones.zip/nothere.geojson" -o "$work/none.csv"

sqlv() { ogrinfo -ro -q "$1" -sql "$2" 2>/dev/null | awk -F' = ' '/ = / {print $2; exit}'; }
# A folder of snapshots inside a zip archive (the archive itself, or a
# folder in it) is a series like the folder: the same areas; and run, which
# hashes each snapshot for its store, gives the same areas and is up to
# date the second time.
python3 - "$GEODATA/demo-control" "$work" <<'PY'
import glob, os, sys, zipfile
for name, prefix in (("flat.zip", ""), ("nested.zip", "snap/")):
    with zipfile.ZipFile(os.path.join(sys.argv[2], name), "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(glob.glob(sys.argv[1] + "/*")):
            z.write(f, prefix + os.path.basename(f))
PY
"$FRONTCAST" areas -q -o "$work/demo-plain.csv" || fail "areas of the demo"
for zip in "flat.zip" "nested.zip/snap"; do
    "$FRONTCAST" areas -q --control "/vsizip/$work/$zip" -o "$work/zipped.csv" &&
        cmp -s "$work/demo-plain.csv" "$work/zipped.csv" && pass || fail "a series in /vsizip/$zip"
done
zrun=(run --plots no --cell 5 --max-age 0 --control "/vsizip/$work/flat.zip" -o "$work/zrun")
"$FRONTCAST" "${zrun[@]}" -q && cmp -s "$work/demo-plain.csv" "$work/zrun/areas.csv" && pass ||
    fail "run on a series in a zip"
"$FRONTCAST" "${zrun[@]}" 2>&1 | grep -q "up to date" && pass || fail "run on a zip: not up to date the second time"
expect_error "missing.zip: no such file" "$work/none.csv" -- \
    "$FRONTCAST" areas -q --control "/vsizip/$work/missing.zip" -o "$work/none.csv"

# GDAL options as ogr2ogr takes them. --oo: zones whose codes sit in a
# nested object are read only with GeoJSON's FLATTEN_NESTED_ATTRIBUTES
# (OGR then reads the GeoJSON, not the fast reader), and give the bundled
# zones' areas.
python3 - "$zones" "$work/nested.geojson" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["features"]:
    p = f["properties"]
    f["properties"] = {"meta": {"code": p["zone_id"], "label": p["name"]}}
json.dump(d, open(sys.argv[2], "w"))
PY
nested=(--zones "$work/nested.geojson" --zone-id-field meta_code --zone-name-field meta_label)
expect_error "nested.geojson: no zone id field 'meta_code' \(fields: meta\)" "$work/nested.csv" -- \
    "$FRONTCAST" areas -q "${nested[@]}" -o "$work/nested.csv"
"$FRONTCAST" areas -q --oo FLATTEN_NESTED_ATTRIBUTES=YES "${nested[@]}" -o "$work/nested.csv" &&
    cmp -s "$work/nested.csv" "$work/plain.csv" && pass || fail "--oo FLATTEN_NESTED_ATTRIBUTES=YES"
# --lco: the GeoJSON's coordinates rounded to 3 decimals (RFC 7946's
# default here: 7); --dsco: a GeoPackage of version 1.3 (user_version).
"$FRONTCAST" areas -q --lco COORDINATE_PRECISION=3 -o "$work/lco.geojson" &&
    "$FRONTCAST" areas -q --dsco VERSION=1.3 -o "$work/dsco.gpkg" || fail "--lco/--dsco runs"
python3 - "$work/lco.geojson" "$work/dsco.gpkg" <<'PY' && pass || fail "--lco/--dsco did not reach GDAL"
import json, sqlite3, sys
def points(c):
    if isinstance(c[0], (int, float)):
        yield c
    else:
        for x in c:
            yield from points(x)
decimals = {len(repr(v).split(".")[1]) for f in json.load(open(sys.argv[1]))["features"]
            if f["geometry"] for p in points(f["geometry"]["coordinates"]) for v in p if "." in repr(v)}
assert max(decimals) == 3, decimals
assert sqlite3.connect(sys.argv[2]).execute("PRAGMA user_version").fetchone()[0] == 10300
PY
# --t_srs: a GeoPackage in UTM 37N, its layers of that CRS, and the same
# geometry as ogr2ogr -t_srs makes of the lon/lat one (total area of the
# control features, in the GeoPackage's own SQL).
"$FRONTCAST" areas -q --t_srs EPSG:32637 -o "$work/utm.gpkg" && "$FRONTCAST" areas -q -o "$work/wgs.gpkg" &&
    ogr2ogr -q -f GPKG -t_srs EPSG:32637 "$work/ref.gpkg" "$work/wgs.gpkg" control || fail "--t_srs runs"
[ "$(sqlv "$work/utm.gpkg" "SELECT count(*) AS n FROM gpkg_contents WHERE srs_id = 32637")" = 2 ] && pass ||
    fail "--t_srs: the layers are not in EPSG:32637"
area() { ogrinfo -ro -q -dialect SQLite -sql "SELECT SUM(ST_Area(geom)) AS a FROM control" "$1" | awk -F' = ' '/ = / {print $2}'; }
[ -n "$(area "$work/utm.gpkg")" ] && [ "$(area "$work/utm.gpkg")" = "$(area "$work/ref.gpkg")" ] && pass ||
    fail "--t_srs geometry differs from ogr2ogr's: $(area "$work/utm.gpkg") vs $(area "$work/ref.gpkg")"
expect_usage "$FRONTCAST" areas --t_srs EPSG:999999
expect_usage "$FRONTCAST" areas --oo FLATTEN_NESTED_ATTRIBUTES
expect_usage "$FRONTCAST" areas --lco =3

finish
