#!/usr/bin/env bash
# PostGIS as an output: a PostgreSQL + PostGIS server started here on
# 127.0.0.1 (Debian's packages; tools/setup installs them), then the map
# layers written by `run --pg` and `areas -o PG:` are checked against the
# GeoPackage the same run writes.
# Usage: postgis.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    echo "SKIP: no PostgreSQL server (/usr/lib/postgresql/*/bin/initdb); tools/setup installs it"
    exit 77
fi
if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    echo "SKIP: PostGIS is not installed (postgresql-*-postgis-3); tools/setup installs it"
    exit 77
fi

# The server refuses to run as root: run it as postgres (made by the package).
as_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
    as_pg() { runuser -u postgres -- "$@"; }
    chmod 755 "$work"
fi
pgdata=$work/pgdata
sock=$work/sock
mkdir -p "$pgdata" "$sock"
[ "$(id -u)" -eq 0 ] && chown postgres "$pgdata" "$sock"
port=$((20000 + $$ % 20000))
as_pg "$pgbin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 >"$work/initdb.log" 2>&1 ||
    { cat "$work/initdb.log"; echo "FAIL: initdb"; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
    -o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
    { cat "$pgdata/server.log"; echo "FAIL: the server did not start"; exit 1; }
trap 'as_pg "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1; rm -rf "$work"' EXIT
sql() { psql -X -q -t -A -h 127.0.0.1 -p "$port" -U postgres -d frontcast -c "$1"; }
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE frontcast" &&
    sql "CREATE EXTENSION postgis" || { echo "FAIL: cannot create the database"; exit 1; }
conn="PG:host=127.0.0.1 port=$port dbname=frontcast user=postgres"

# Feature counts of every layer of a dataset, as "name count" lines.
counts() { ogrinfo -ro -so -al "$1" 2>/dev/null | awk '/^Layer name:/ {l=$3} /^Feature Count:/ {print l, $3}' | sort; }
layers="zones control front_line projected_control projected_front places places_observed"

# 1. run --pg writes the same layers as the GeoPackage beside it.
out=$work/out
"$FRONTCAST" run -q -o "$out" --format gpkg --pg "$conn" >"$work/log" 2>&1 ||
    { fail "run --pg failed"; cat "$work/log" >&2; }
counts "$out/frontcast.gpkg" | grep -v '^layer_styles' >"$work/gpkg.counts"
counts "$conn" | grep -E "^($(echo $layers | tr ' ' '|')) " >"$work/pg.counts"
[ "$(wc -l <"$work/gpkg.counts")" -eq 7 ] && pass || fail "the GeoPackage lacks layers: $(cat "$work/gpkg.counts")"
diff "$work/gpkg.counts" "$work/pg.counts" >/dev/null && pass ||
    fail "PostGIS and GeoPackage differ: $(paste -d' ' "$work/gpkg.counts" "$work/pg.counts")"
for t in control front_line projected_control projected_front; do
    type=$(sql "SELECT data_type FROM information_schema.columns WHERE table_name='$t' AND column_name='valid_from'")
    [ "$type" = "date" ] && pass || fail "$t.valid_from is '$type', want date"
done
[ "$(sql "SELECT Find_SRID('public', 'control', 'geom')")" = 4326 ] && pass || fail "control is not in EPSG:4326"
for t in zones control projected_control; do
    [ "$(sql "SELECT count(*) FROM $t WHERE NOT ST_IsValid(geom)")" = 0 ] && pass || fail "invalid polygons in $t"
done
# The controlled area per date agrees with the areas table (km2, geodesic).
bad=$(sql "SELECT count(*) FROM control WHERE abs(ST_Area(geom::geography) / 1e6 - controlled_km2) > 0.01 * controlled_km2 + 0.5")
[ "$bad" = 0 ] && pass || fail "$bad control rows whose polygon area differs from controlled_km2"
styles=$(sql "SELECT string_agg(f_table_name || ':' || usedefault, ',' ORDER BY f_table_name) FROM (SELECT f_table_name, useasdefault::text AS usedefault FROM layer_styles) s")
[ "$styles" = "control:true,front_line:true,places:true,places_observed:true,projected_control:true,projected_front:true,zones:true" ] &&
    pass || fail "layer_styles: $styles"
[ "$(sql "SELECT count(*) FROM layer_styles WHERE f_table_catalog='frontcast' AND f_table_schema='public' AND f_geometry_column='geom' AND styleqml LIKE '<!DOCTYPE qgis%'")" = 7 ] &&
    pass || fail "layer_styles rows do not name their tables as QGIS looks them up"

# 2. A second run replaces the tables (no duplicates) and keeps other
# tables' styles in the shared layer_styles. (The server trusts loopback,
# so the password is only there to be kept out of the manifest.)
sql "INSERT INTO layer_styles(f_table_catalog, f_table_schema, f_table_name, f_geometry_column, stylename, styleqml, useasdefault) VALUES ('frontcast', 'public', 'someone_elses', 'geom', 'theirs', '<qgis/>', true)"
"$FRONTCAST" run -q -o "$out" --format gpkg --pg "$conn password='s3cret xyzzy'" --map-step 60 >"$work/log" 2>&1 ||
    { fail "second run --pg failed"; cat "$work/log" >&2; }
counts "$out/frontcast.gpkg" | grep -v '^layer_styles' >"$work/gpkg.counts"
counts "$conn" | grep -E "^($(echo $layers | tr ' ' '|')) " >"$work/pg.counts"
diff "$work/gpkg.counts" "$work/pg.counts" >/dev/null && pass ||
    fail "after a rerun PostGIS and GeoPackage differ: $(paste -d' ' "$work/gpkg.counts" "$work/pg.counts")"
[ "$(sql "SELECT count(*) FROM projected_front")" -gt 8 ] && pass || fail "--map-step 60 did not add projected fronts"
[ "$(sql "SELECT count(*) FROM layer_styles")" = 8 ] && pass || fail "layer_styles has $(sql "SELECT count(*) FROM layer_styles") rows, want 7 + 1"
[ "$(sql "SELECT stylename FROM layer_styles WHERE f_table_name='someone_elses'")" = theirs ] && pass ||
    fail "another table's style was dropped"
grep -qE 's3cret|xyzzy' "$out/manifest.json" && fail "the manifest shows the password" || pass

# 3. All tables or none, and what others built on them stays: a view on
# control survives a run; a CHECK constraint that the rows of places (the
# last map layer written) violate fails the run after the other tables
# were refilled in its transaction, and they must be as they were.
sql "CREATE VIEW donetsk AS SELECT * FROM control WHERE zone_id = 'UA-14'"
"$FRONTCAST" run -q -o "$work/out2" --format gpkg --pg "$conn" >"$work/log" 2>&1 || fail "run with a view failed: $(cat "$work/log")"
[ "$(sql "SELECT count(*) FROM donetsk")" -gt 0 ] && pass || fail "the view on control is gone or empty"
sql "ALTER TABLE places ADD CONSTRAINT too_big CHECK (population > 1000000000) NOT VALID"
fronts=$(sql "SELECT count(*) FROM projected_front")
zones_before=$(sql "SELECT count(*) FROM zones")
sql "DELETE FROM zones WHERE zone_id = 'UA-46'"
"$FRONTCAST" run -q -o "$work/out3" --format gpkg --pg "$conn" --map-step 30 >"$work/log" 2>&1
rc=$?
[ "$rc" = 1 ] && [ "$(grep -c '^frontcast: error: ' "$work/log")" = 1 ] && grep -q 'too_big' "$work/log" && pass ||
    fail "a failed PostGIS write: exit $rc, want 1 and one error naming the constraint: $(cat "$work/log")"
[ "$(sql "SELECT count(*) FROM projected_front")" = "$fronts" ] &&
    [ "$(sql "SELECT count(*) FROM zones")" = "$((zones_before - 1))" ] && pass ||
    fail "a failed PostGIS write left some tables replaced"
sql "ALTER TABLE places DROP CONSTRAINT too_big"

# 4. areas -o PG: writes zones and control like areas -o FILE.gpkg.
sql "DELETE FROM zones" # what areas -o PG: writes, not what run left
"$FRONTCAST" areas -q -o "$work/areas.gpkg" && "$FRONTCAST" areas -q -o "$conn" ||
    fail "areas -o PG: failed"
[ "$(sql "SELECT count(*) FROM zones")" = 27 ] && pass || fail "areas -o PG: left no zones table of 27"
[ "$(counts "$work/areas.gpkg" | grep '^control ')" = "$(counts "$conn" | grep '^control ')" ] && pass ||
    fail "areas -o PG: control differs from the GeoPackage"
# Rows in another CRS than the table's are refused (they would sit in the
# wrong place under its SRID), and nothing is written.
before=$(sql "SELECT count(*) FROM control")
expect_error "table zones is in EPSG:4326, not the EPSG:32637 asked for" "$work/none" -- \
    "$FRONTCAST" areas -q --t_srs EPSG:32637 -o "$conn"
[ "$(sql "SELECT Find_SRID('public', 'control', 'geom')")" = 4326 ] &&
    [ "$(sql "SELECT count(*) FROM control")" = "$before" ] && pass ||
    fail "a refused --t_srs write changed the tables"

# 5. QGIS opens the tables in the styles stored for them, also where QGIS
# itself made layer_styles first (its columns are xml; DDL of QGIS 3.22).
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE qgisdb" &&
    psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d qgisdb -c "CREATE EXTENSION postgis" \
        -c "CREATE TABLE public.layer_styles (id serial PRIMARY KEY, f_table_catalog varchar,
            f_table_schema varchar, f_table_name varchar, f_geometry_column varchar,
            stylename text, styleqml xml, stylesld xml, useasdefault boolean, description text,
            owner varchar(63) DEFAULT CURRENT_USER, ui xml,
            update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar)" ||
    fail "cannot make a database with QGIS's layer_styles"
"$FRONTCAST" areas -q -o "PG:host=127.0.0.1 port=$port dbname=qgisdb user=postgres" ||
    fail "areas -o PG: into QGIS's layer_styles failed"
if /usr/bin/python3 -c "import qgis.core" 2>/dev/null; then
    /usr/bin/python3 - "$port" "$(dirname "$0")/../../tools" <<'PY' && pass || fail "QGIS does not open the PostGIS tables styled"
import os, sys
sys.path.insert(0, sys.argv[2])
import qgis_render
from qgis.core import QgsDataSourceUri, QgsVectorLayer
qgis_render.start()
ok = True
for db, tables in (("frontcast", ("zones", "control", "front_line", "projected_control", "places",
                                  "places_observed")),
                   ("qgisdb", ("control",))):
    for t in tables:
        uri = QgsDataSourceUri()
        uri.setConnection("127.0.0.1", sys.argv[1], db, "postgres", "")
        uri.setDataSource("public", t, "geom")
        layer = QgsVectorLayer(uri.uri(False), t, "postgres")
        want = {"control": "graduatedSymbol", "projected_control": "graduatedSymbol",
                "places": "RuleRenderer", "places_observed": "RuleRenderer"}.get(t, "singleSymbol")
        got = layer.renderer().type() if layer.isValid() else "invalid"
        if got != want or (t == "control" and layer.fields().field("date").typeName() != "date"):
            print("FAIL: %s.%s opens in QGIS as %s, want %s" % (db, t, got, want), file=sys.stderr)
            ok = False
sys.stdout.flush()
os._exit(0 if ok else 1)
PY
else
    echo "note: python3-qgis missing, QGIS's view of the tables not checked"
fi

# 6. An unreachable server: one line naming the target, exit 1, and the
# tables as they were.
before=$(sql "SELECT count(*) FROM control")
expect_error "PG:host=127.0.0.1 port=1 .*(cannot open|connection)" "$work/none" -- \
    "$FRONTCAST" areas -q -o "PG:host=127.0.0.1 port=1 dbname=frontcast user=postgres"
# No spelling of a password reaches stderr or the manifest.
for target in "PG:host=127.0.0.1 port=1 dbname=frontcast user=postgres password = hunter2secret" \
              "PG:postgresql://postgres:hunter2secret@127.0.0.1:1/frontcast" \
              "PG:postgresql://127.0.0.1:1/frontcast?user=postgres&password=hunter2secret"; do
    "$FRONTCAST" areas -q -o "$target" 2>"$work/err" && fail "a refused connection succeeded"
    grep -q hunter2secret "$work/err" && fail "stderr shows the password: $(cat "$work/err")" || pass
done
"$FRONTCAST" run -q -o "$work/uri" --format gpkg --plots no \
    --pg "PG:postgresql://postgres:hunter2secret@127.0.0.1:$port/frontcast" >"$work/log" 2>&1 ||
    fail "run --pg with a URI failed: $(cat "$work/log")"
grep -q hunter2secret "$work/uri/manifest.json" "$work/log" && fail "the URI's password shows" || pass
expect_usage "$FRONTCAST" run -o "$conn"
expect_usage "$FRONTCAST" run --pg "dbname=frontcast"
[ "$(sql "SELECT count(*) FROM control")" = "$before" ] && pass || fail "a failed run changed the tables"

finish
