#!/usr/bin/env bash
# The styled GeoPackage (run --format gpkg, areas -o FILE.gpkg), read back
# with GDAL: its layers, counts against the CSV/GeoJSON of the same run,
# date types, styles, and incremental map layers.
# Usage: gpkg.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"

count() { ogrinfo -ro -so "$1" "$2" 2>/dev/null | awk '/^Feature Count:/ {print $3}'; }
sqlv() { ogrinfo -ro -q "$1" -sql "$2" 2>/dev/null | awk -F' = ' '/ = / {print $2; exit}'; }

# 1. Only the GeoPackage (and the raster and pictures) with --format gpkg.
out=$work/only
"$FRONTCAST" run -q -o "$out" --format gpkg --plots no || fail "run --format gpkg failed"
[ -f "$out/frontcast.gpkg" ] && [ -f "$out/arrival.tif" ] && pass || fail "no frontcast.gpkg or arrival.tif"
ls "$out" | grep -qE '\.(csv|geojson)$' && fail "--format gpkg wrote CSV or GeoJSON: $(ls "$out")" || pass
layers=$(ogrinfo -ro -q "$out/frontcast.gpkg" | awk '{print $2}' | sort | tr '\n' ' ')
[ "$layers" = "control front_line layer_styles places places_observed projected_control projected_front zones " ] && pass ||
    fail "layers: $layers"
for f in date valid_from valid_to; do
    ogrinfo -ro -so "$out/frontcast.gpkg" control | grep -q "^$f: Date " && pass || fail "control.$f is not a Date"
done
ogrinfo -ro -so "$out/frontcast.gpkg" places | grep -q "^arrival: Date " && pass || fail "places.arrival is not a Date"
[ "$(sqlv "$out/frontcast.gpkg" "SELECT count(*) AS n FROM control WHERE valid_to <= valid_from")" = 0 ] && pass ||
    fail "control rows end before they start"
# Every layer's style: a default, parseable QGIS document naming the layer.
python3 - "$out/frontcast.gpkg" <<'PY' && pass || fail "layer_styles"
import sqlite3, sys, xml.etree.ElementTree as ET
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles").fetchall()
assert sorted(r[0] for r in rows) == ["control", "front_line", "places", "places_observed", "projected_control",
                                      "projected_front", "zones"], rows
for name, geom, default, qml in rows:
    assert geom == "geom" and default == 1, (name, geom, default)
    root = ET.fromstring(qml.split("\n", 1)[1])  # after the DOCTYPE line
    assert root.tag == "qgis" and root.find("renderer-v2") is not None, name
    cols = [r[1] for r in db.execute('PRAGMA table_info("%s")' % name)]
    attr = root.find("renderer-v2").get("attr")
    assert attr is None or attr in cols, (name, attr, cols)
    t = root.find("temporal")
    if name not in ("zones", "places", "places_observed"):
        assert t is not None and t.get("enabled") == "1" and "valid_from" in t.get("startExpression"), name
PY

# 2. The same rows as the CSV and GeoJSON outputs of one run.
out=$work/all
"$FRONTCAST" run -q -o "$out" --format csv,geojson,gpkg --plots no || fail "run --format csv,geojson,gpkg failed"
want=$(awk -F, 'NR > 1 && $2 != "ALL" && $4 > 0' "$out/areas.csv" | wc -l)
[ "$(count "$out/frontcast.gpkg" control)" = "$want" ] && pass ||
    fail "control has $(count "$out/frontcast.gpkg" control) features, areas.csv $want rows with control"
for l in projected_control projected_front; do
    f=$out/$(echo $l | tr _ -).geojson
    [ "$(count "$out/frontcast.gpkg" $l)" = "$(count "$f" "$(ogrinfo -ro -q "$f" | awk '{print $2; exit}')")" ] && pass ||
        fail "$l differs between the GeoPackage and $f"
done
[ "$(count "$out/frontcast.gpkg" places)" = "$(($(wc -l <"$out/places.csv") - 1))" ] && pass || fail "places differ from places.csv"
[ "$(count "$out/frontcast.gpkg" places_observed)" = "$(($(wc -l <"$out/places-timeline.csv") - 1))" ] && pass ||
    fail "places_observed differs from places-timeline.csv"
ogrinfo -ro -so "$out/frontcast.gpkg" places_observed | grep -q "^first_held: Date " && pass ||
    fail "places_observed.first_held is not a Date"
[ "$(count "$out/frontcast.gpkg" front_line)" = "$(cut -d, -f1 "$out/areas.csv" | sort -u | grep -c '^2')" ] && pass ||
    fail "front_line is not one feature per date"

# 3. Incremental: nothing new, then one new snapshot.
"$FRONTCAST" run -o "$out" --format csv,geojson,gpkg --plots no 2>"$work/log" && grep -q "up to date" "$work/log" && pass ||
    fail "a second run is not up to date: $(cat "$work/log")"
series=$work/series
cp -r "$GEODATA/demo-control" "$series"
last=$(ls "$series" | grep -E '_[0-9]{8}\.geojson$' | sort | tail -n 1)
next=$(date -u -d "$(echo "$last" | grep -oE '[0-9]{8}') + 7 days" +%Y%m%d)
cp "$series/$last" "$series/synthetic-demo_$next.geojson"
"$FRONTCAST" run -q -o "$out" --control "$series" --format csv,geojson,gpkg --plots no --max-age 0 ||
    fail "run with a new snapshot failed"
# The GeoPackage updated from the day before the new one (whose rows'
# valid_to the new snapshot ends), not written whole.
python3 - "$out/manifest.json" "$last" <<'PY' && pass || fail "map layers were not updated incrementally"
import json, re, sys
s = json.load(open(sys.argv[1]))["snapshots"]
d = re.search(r"_(\d{4})(\d\d)(\d\d)\.geojson$", sys.argv[2]).groups()
assert s["map_layers_computed"] == 1 and s["map_layers_reused"] >= 20, s
assert s["map_file_updated_from"] == "-".join(d), (s, d)
PY
want=$(awk -F, 'NR > 1 && $2 != "ALL" && $4 > 0' "$out/areas.csv" | wc -l)
[ "$(count "$out/frontcast.gpkg" control)" = "$want" ] && pass || fail "control after the new snapshot"
# The same layers as a clean run over the same series (same_layers A B).
same_layers() {
python3 - "$1" "$2" <<'PY'
# Feature by feature: every feature table, every column (geometry bytes
# included), in fid order; and the styles.
import sqlite3, sys
def tables(path):
    db = sqlite3.connect(path)
    names = [r[0] for r in db.execute(
        "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name")]
    out = {n: db.execute('SELECT * FROM "%s" ORDER BY fid' % n).fetchall() for n in names}
    out["layer_styles"] = db.execute(
        "SELECT f_table_name, styleName, styleQML, useAsDefault FROM layer_styles "
        "ORDER BY f_table_name").fetchall()
    return out
a, b = tables(sys.argv[1]), tables(sys.argv[2])
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
assert len(a) == 8, sorted(a)  # seven feature layers and the styles
for name in a:
    assert len(a[name]) == len(b[name]), (name, len(a[name]), len(b[name]))
    for i, (x, y) in enumerate(zip(a[name], b[name])):
        assert x == y, (name, i, x[:4], y[:4])
PY
}
"$FRONTCAST" run -q -o "$work/clean" --control "$series" --format gpkg --plots no --max-age 0 || fail "clean run failed"
same_layers "$out/frontcast.gpkg" "$work/clean/frontcast.gpkg" && pass || fail "incremental map layers differ from a clean run"
updated_from() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshots"]["map_file_updated_from"])' "$1"; }
# rerun WHAT FROM: a run after WHAT updates the GeoPackage from date FROM
# (None: writes it whole), and gives the layers of a clean run.
rerun() {
    "$FRONTCAST" run -q -o "$out" --control "$series" --format gpkg --plots no --max-age 0 || fail "run after $1 failed"
    local got
    got=$(updated_from "$out/manifest.json")
    [ "$got" = "$2" ] && pass || fail "after $1: updated from $got, not $2"
    rm -rf "$work/clean"
    "$FRONTCAST" run -q -o "$work/clean" --control "$series" --format gpkg --plots no --max-age 0 || fail "clean run failed"
    same_layers "$out/frontcast.gpkg" "$work/clean/frontcast.gpkg" && pass || fail "map layers differ from a clean run after $1"
}
# An earlier snapshot redrawn: its rows and every later one's written again
# (the gains after it change too), the earlier ones kept.
mid=$(ls "$series" | grep -E '_[0-9]{8}\.geojson$' | sort | sed -n 10p)
middate=$(echo "$mid" | grep -oE '[0-9]{8}' | sed -E 's/(....)(..)(..)/\1-\2-\3/')
python3 - "$series/$mid" <<'PY' || fail "cannot redraw $mid"
import json, sys
g = json.load(open(sys.argv[1]))
def shift(c):
    return [shift(x) for x in c] if isinstance(c[0], list) else [c[0] + 0.01, c[1]]
for f in g["features"]:
    f["geometry"]["coordinates"] = shift(f["geometry"]["coordinates"])
json.dump(g, open(sys.argv[1], "w"))
PY
rerun "a redrawn snapshot" "$middate"
# A GeoPackage someone else changed (QGIS, sqlite3) is written whole again:
# frontcast cannot know which rows they touched. Twice: an edit through
# GDAL, then bytes changed in place (the size kept) with the modification
# time set back, which only the change time tells.
ogrinfo -q "$out/frontcast.gpkg" -sql "UPDATE control SET controlled_km2 = -1 WHERE fid = 1" >/dev/null || fail "ogrinfo could not edit the GeoPackage"
cp "$series/$last" "$series/synthetic-demo_$(date -u -d "$next + 7 days" +%Y%m%d).geojson"
rerun "an edit" None
size=$(stat -c %s "$out/frontcast.gpkg")
mtime=$(stat -c %.9Y "$out/frontcast.gpkg")
printf 'frontcast' | dd of="$out/frontcast.gpkg" bs=1 seek=$((size / 2)) conv=notrunc status=none || fail "dd failed"
touch -d "@$mtime" "$out/frontcast.gpkg"
[ "$(stat -c %s.%.9Y "$out/frontcast.gpkg")" = "$size.$mtime" ] && pass || fail "the size or modification time moved"
cp "$series/$last" "$series/synthetic-demo_$(date -u -d "$next + 14 days" +%Y%m%d).geojson"
rerun "bytes changed in place" None
# The store keeps a polygon once for all the dates that have it: one lost
# (its blob deleted) and the GeoPackage gone, the dates that had it are
# computed again, not written without it.
python3 - "$out/state.sqlite" <<'PY' && pass || fail "cannot delete a polygon from the store"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("DELETE FROM blobs WHERE key = (SELECT key FROM blobs WHERE substr(data, 1, 5) "
               "IN (X'0103000000', X'0106000000') ORDER BY length(data) DESC LIMIT 1)").rowcount
db.commit()
assert n == 1, n
PY
rm "$out/frontcast.gpkg"
rerun "a polygon lost from the store" None
python3 - "$out/manifest.json" <<'PY' && pass || fail "the dates of the lost polygon were not computed again"
import json, sys
s = json.load(open(sys.argv[1]))["snapshots"]
assert s["map_layers_computed"] >= 1, s
PY

# 4. areas writes zones and control; wrong formats and targets are usage errors.
"$FRONTCAST" areas -q -o "$work/areas.gpkg" || fail "areas -o FILE.gpkg failed"
want=$("$FRONTCAST" areas -q | awk -F, 'NR > 1 && $2 != "ALL" && $4 > 0' | wc -l)
[ "$(count "$work/areas.gpkg" control)" = "$want" ] && pass || fail "areas.gpkg control count"
# ...and the zones layer the README promises (it was missing).
[ "$(count "$work/areas.gpkg" zones)" = 27 ] && pass || fail "areas.gpkg has no zones layer of 27"
expect_usage "$FRONTCAST" run --format pdf
expect_usage "$FRONTCAST" run -o "PG:dbname=x"
expect_usage "$FRONTCAST" run --pg "dbname=x"
expect_usage "$FRONTCAST" areas -f gpkg
expect_usage "$FRONTCAST" areas -f csv -o "PG:dbname=x"
# A GeoPackage that cannot be written: one line, the old file intact.
echo OLD >"$work/old.gpkg"
expect_error "nonexistent" "$work/old.gpkg" -- "$FRONTCAST" areas -q --control "$work/nonexistent" -o "$work/old.gpkg"

finish
