#!/usr/bin/env bash
# frontcast run: incremental, locked, atomic, with quarantine; on a copy of
# the bundled demo series. Usage: run.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"

series=$work/series
mkdir -p "$series"
cp "$GEODATA"/demo-control/*.geojson "$series"/
n=$(ls "$series" | wc -l)
last=$(ls "$series"/*.geojson | tail -1)
# Fast settings: the pictures and a coarse grid are tested elsewhere.
# (--max-age 0: the demo's dates are old on 2026-01-01; the alarm is tested below.)
fast=(--control "$series" --plots no --cell 5 --today 2026-01-01 --max-age 0)
run() { "$FRONTCAST" run "${fast[@]}" "$@"; }
outputs="areas.csv projection.csv eta.csv places.csv calibration.csv places-timeline.csv places-timeline.geojson arrival.tif projected-control.geojson projected-front.geojson"

# First run: everything computed.
run -o "$work/out" 2>"$work/err"; rc=$?
[ $rc -eq 0 ] && pass || { fail "first run exit $rc"; cat "$work/err"; }
grep -q "snapshots: 0 reused, $n computed, 0 quarantined" "$work/err" && pass || fail "first run counts"
for f in $outputs manifest.json state.sqlite; do [ -s "$work/out/$f" ] && pass || fail "no $f"; done
python3 - "$work/out/manifest.json" "$n" <<'PY' && pass || fail "manifest"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["snapshots"] == {"reused": 0, "computed": int(sys.argv[2]), "quarantined": 0}, m["snapshots"]
assert len(m["inputs"]["snapshots"]) == int(sys.argv[2])
s = m["inputs"]["snapshots"][0]
assert len(s["sha256"]) == 64 and s["date"] == "2025-01-06", s
assert m["frontcast_version"] and m["exit_code"] == 0 and "areas_s" in m["timings_s"]
assert m["inputs"]["control_is_synthetic_demo"] is True  # copies of the demo's files
p = m["parameters"]  # option -> value, as fc_run used them
assert p["window"] == [180] and p["seed"] == 1 and p["cell_km"] == 5 and p["plots"] is False, p
assert p["model"] == ["pace", "ols", "theilsen", "holt", "ensemble"] and p["format"] == ["csv", "geojson"], p
assert p["max_age"] == 0 and p["pg"] is None and p["control"].endswith("series"), p
PY
# The same areas as a plain areas run.
"$FRONTCAST" areas -q --control "$series" -o "$work/plain.csv"
cmp -s "$work/plain.csv" "$work/out/areas.csv" && pass || fail "run's areas differ from frontcast areas"
# One pipeline: the commands one by one give what run gives, file for file.
"$FRONTCAST" forecast -q --control "$series" -o "$work/alone" &&
    "$FRONTCAST" advance -q --control "$series" --cell 5 -o "$work/alone" &&
    "$FRONTCAST" places -q --control "$series" -o "$work/alone" || fail "the commands alone"
for f in projection.csv eta.csv places.csv calibration.csv arrival.tif projected-control.geojson \
    projected-front.geojson places-timeline.csv places-timeline.geojson; do
    cmp -s "$work/alone/$f" "$work/out/$f" && pass || fail "run's $f differs from its command's"
done

# Nothing new: nothing done.
run -o "$work/out" 2>"$work/err" && grep -q "up to date (snapshots: $n reused, 0 computed)" "$work/err" \
    && pass || { fail "second run not up to date"; cat "$work/err"; }

# One new snapshot: exactly one computed.
cp "$last" "$series/synthetic-demo_20250714.geojson"
run -o "$work/out" 2>"$work/err" && grep -q "snapshots: $n reused, 1 computed, 0 quarantined" "$work/err" \
    && pass || { fail "one new snapshot"; cat "$work/err"; }
rm "$series/synthetic-demo_20250714.geojson"

# What does not change with a new snapshot comes from the store: a place
# prediction as of an origin uses nothing after it, a snapshot's row of the
# places' timeline only that snapshot, the front's country outline only the
# zones. A new snapshot leaves all of them to reuse; a changed snapshot
# recomputes its row and the origins after it. (--window 60: the demo's
# half year holds origins 2025-03-07 ... 2025-06-05.)
cached() {  # DIR KIND: "reused computed"
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["cached"].get(sys.argv[2], {}); print(c.get("reused"), c.get("computed"))' "$1/manifest.json" "$2"
}
expect_cached() {  # DIR WHAT "predictions" "timeline" "frontier"
    local got="$(cached "$1" place-predictions) / $(cached "$1" places-timeline) / $(cached "$1" frontier)"
    [ "$got" = "$3 / $4 / $5" ] && pass || fail "$2: cached $got, not $3 / $4 / $5"
}
run -o "$work/pc" -q --window 60 || fail "run --window 60"
expect_cached "$work/pc" "first run" "0 4" "0 $n" "1 1"
[ "$(cached "$work/pc" border)" = "0 1" ] && pass || fail "first run: border strips $(cached "$work/pc" border)"
cp "$last" "$series/synthetic-demo_20250714.geojson"
run -o "$work/pc" -q --window 60 || fail "run --window 60, one new snapshot"
expect_cached "$work/pc" "one new snapshot" "4 0" "$n 1" "1 0"
[ "$(cached "$work/pc" border)" = "1 0" ] && pass || fail "one new snapshot: border strips $(cached "$work/pc" border)"
# The calibration's past forecasts: only the origins that gained an outcome
# with the new day are fitted again.
read -r cal_reused cal_computed <<<"$(cached "$work/pc" calibration)"
[ "$cal_reused" -gt 0 ] && [ "$cal_computed" -lt "$cal_reused" ] && pass ||
    fail "calibration with one new snapshot: $cal_reused reused, $cal_computed computed"
run -o "$work/pc-fresh" -q --window 60 || fail "run --window 60 without a store"
for f in $outputs; do
    cmp -s "$work/pc/$f" "$work/pc-fresh/$f" && pass || fail "$f from the store differs from a fresh run"
done
# 2025-04-14 changed: its row, and the origins after it (2025-05-06, 2025-06-05).
saved=$work/saved-0414.geojson
cp "$series/synthetic-demo_20250414.geojson" "$saved"
cp "$series/synthetic-demo_20250421.geojson" "$series/synthetic-demo_20250414.geojson"
run -o "$work/pc" -q --window 60 || fail "run --window 60, a changed snapshot"
expect_cached "$work/pc" "a changed snapshot" "2 2" "$n 1" "2 0"
cp "$saved" "$series/synthetic-demo_20250414.geojson"
rm "$series/synthetic-demo_20250714.geojson"

# --raw-border on a store filled without it gives what a fresh --raw-border
# run gives: every held figure changes, and the store's past forecasts say
# which figures they were made of.
run -o "$work/pc" -q --window 60 --raw-border || fail "run --raw-border on a store"
run -o "$work/pc-raw" -q --window 60 --raw-border || fail "run --raw-border without a store"
for f in $outputs; do
    cmp -s "$work/pc/$f" "$work/pc-raw/$f" && pass || fail "--raw-border: $f from the store differs from a fresh run"
done
run -o "$work/pc-rec" -q --window 60 || fail "run without --raw-border"
cmp -s "$work/pc-raw/eta.csv" "$work/pc-rec/eta.csv" && fail "--raw-border changed no ETA" || pass

# A clean run of the same inputs, to compare with after interruptions.
run -o "$work/clean" -q || fail "clean run"

# Each option reaches the outputs that depend on it, and only those: vary
# OPTION "the outputs it must change" (the others must stay byte-identical).
# --seed reaches advance too (its places' bounds stayed at advance's
# defaults once).
vary() {
    rm -rf "$work/vary"
    run -o "$work/vary" -q $1 || { fail "run $1"; return; }
    for f in $outputs; do
        if [[ " $2 " == *" $f "* ]]; then
            cmp -s "$work/clean/$f" "$work/vary/$f" && fail "run $1 left $f as it was" || pass
        else
            cmp -s "$work/clean/$f" "$work/vary/$f" && pass || fail "run $1 changed $f"
        fi
    done
}
vary "--seed 7" "projection.csv eta.csv places.csv"
vary "--threshold 50" "eta.csv"
vary "--step 14" "projection.csv"

# Killed part-way (at several moments), then run again: the same outputs.
for delay in 0.2 0.6 1.2; do
    rm -rf "$work/killed"
    "$FRONTCAST" run "${fast[@]}" -o "$work/killed" -q &  # not through run(): kill frontcast itself
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    run -o "$work/killed" -q; rc=$?
    ok=1
    for f in $outputs; do cmp -s "$work/clean/$f" "$work/killed/$f" || { ok=0; echo "differs after kill at $delay s: $f" >&2; }; done
    [ $rc -eq 0 ] && [ $ok -eq 1 ] && pass || fail "kill -9 after $delay s, then rerun"
    ls -a "$work/killed" | grep -q '\.tmp-' && fail "temporary file left after kill at $delay s" || pass
done

# What a killed writer left half-written is swept by the next run.
echo partial >"$work/out/.areas.tmp-99999-0.csv"
run -o "$work/out" -q
[ -e "$work/out/.areas.tmp-99999-0.csv" ] && fail "stale temporary file not swept" || pass

# The lock: a second run exits 4 at once, or waits with --wait.
flock "$work/out/.frontcast.lock" sleep 3 &
holder=$!
sleep 0.3
run -o "$work/out" 2>"$work/err"; rc=$?
[ $rc -eq 4 ] && grep -q "another frontcast run holds the lock" "$work/err" && pass \
    || { fail "lock contention: exit $rc"; cat "$work/err"; }
run -o "$work/out" --wait 20 2>"$work/err"; rc=$?
[ $rc -eq 0 ] && pass || { fail "--wait: exit $rc"; cat "$work/err"; }
wait "$holder"

# Quarantine: each bad new file is left out, named, and the run exits 3.
quarantine_case() { # NAME FILE-CONTENT-COMMAND PATTERN
    local name=$1 pattern=$3
    eval "$2" >"$series/$name"
    run -o "$work/out" 2>"$work/err"; local rc=$?
    if [ $rc -eq 3 ] && grep -q "quarantined: .*$name.*$pattern" "$work/err" &&
        python3 -c "import json,sys; m=json.load(open('$work/out/manifest.json')); assert any('$name' in q['path'] for q in m['quarantined']); assert m['exit_code']==3"; then
        pass
    else
        fail "quarantine $name: exit $rc"; cat "$work/err"
    fi
    cmp -s "$work/clean/areas.csv" "$work/out/areas.csv" && pass || fail "quarantined $name changed areas.csv"
    rm "$series/$name"
}
quarantine_case synthetic-demo_20250715.geojson "head -c 3000 '$last'" "truncated"
quarantine_case synthetic-demo_20250716.geojson "printf ''" "invalid GeoJSON"
quarantine_case synthetic-demo_20250717.geojson \
    "printf '{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[37,48]}}]}'" \
    "no polygons"
# The whole of Ukraine taken in a week: far over 2000 km2 a day.
quarantine_case synthetic-demo_20250718.geojson \
    "printf '{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[22,44],[41,44],[41,53],[22,53],[22,44]]]}}]}'" \
    "more than --max-daily-change-km2 2000"
quarantine_case synthetic-demo_20270101.geojson "cat '$last'" "after today (2026-01-01)"
# "type": null once crashed the reader and with it the whole cron pass.
quarantine_case synthetic-demo_20250719.geojson "printf '{\"type\": null}'" "is not a string"
quarantine_case synthetic-demo_20250720.geojson \
    "printf '{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":null,\"coordinates\":[]}}]}'" \
    "malformed geometry"

# The stale-data alarm: fresh data exit 0; data older than --max-age exit 5
# with one line and a manifest that says so, also when nothing changed.
"$FRONTCAST" run --control "$series" --plots no --cell 5 -o "$work/stale5" --today 2025-07-09 -q \
    && pass || fail "stale: fresh data did not exit 0"
"$FRONTCAST" run --control "$series" --plots no --cell 5 -o "$work/stale5" --today 2025-07-20 2>"$work/err"
rc=$?
[ $rc -eq 5 ] && grep -qx "frontcast: stale: newest snapshot 2025-07-07 is 13 days old" "$work/err" \
    && pass || { fail "stale: exit $rc"; cat "$work/err"; }
python3 -c "import json; m=json.load(open('$work/stale5/manifest.json')); assert m['stale'] == {'age_days': 13, 'max_age_days': 3} and m['exit_code'] == 5 and m['newest_snapshot'] == '2025-07-07', m" \
    && pass || fail "stale: manifest"
"$FRONTCAST" run --control "$series" --plots no --cell 5 -o "$work/stale5" --today 2025-07-20 2>"$work/err"
rc=$?
[ $rc -eq 5 ] && grep -q "up to date" "$work/err" && grep -q "^frontcast: stale:" "$work/err" \
    && pass || { fail "stale: an up-to-date run exit $rc"; cat "$work/err"; }

# New content is checked against its neighbours wherever it falls in date
# order: a square dated before the first snapshot was once accepted.
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[36,47.5],[38,47.5],[38,48.1],[36,48.1],[36,47.5]]]}}]}' \
    >"$series/synthetic-demo_20241201.geojson"
run -o "$work/out" 2>"$work/err"; rc=$?
[ $rc -eq 3 ] && grep -q "quarantined: .*synthetic-demo_20241201.geojson .*the next snapshot gains" "$work/err" \
    && pass || { fail "a bad snapshot before the first: exit $rc"; cat "$work/err"; }
cmp -s "$work/clean/areas.csv" "$work/out/areas.csv" && pass || fail "a bad snapshot before the first changed areas.csv"
rm "$series/synthetic-demo_20241201.geojson"

# A damaged store stops no cron run: moved aside, rebuilt, a warning, exit 0,
# and the same areas as a clean run.
run -o "$work/dmg" -q || fail "damaged store: first run"
printf 'this is not a SQLite database...' | dd of="$work/dmg/state.sqlite" conv=notrunc 2>/dev/null
rm "$work/dmg/manifest.json"
run -o "$work/dmg" 2>"$work/err"; rc=$?
[ $rc -eq 0 ] && grep -q "state store was damaged: moved to .*state.sqlite.corrupt-" "$work/err" \
    && ls "$work/dmg" | grep -q '^state.sqlite.corrupt-' && pass || { fail "damaged store: exit $rc"; cat "$work/err"; }
cmp -s "$work/clean/areas.csv" "$work/dmg/areas.csv" && pass || fail "damaged store: areas differ from a clean run"

# Blobs zeroed inside a sound database (SQLite's checks pass): their
# checksums no longer match, so they are computed again, not believed.
python3 - "$work/dmg/state.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("UPDATE areas SET controlled = zeroblob(length(controlled))").rowcount
m = db.execute("UPDATE gains SET gained = zeroblob(length(gained)), lost = zeroblob(length(lost))").rowcount
db.execute("UPDATE blobs SET data = zeroblob(length(data))")  # (with -f gpkg: polygons)
db.commit()
assert n > 0 and m > 0, (n, m)
PY
[ $? -eq 0 ] && pass || fail "zeroing the store's blobs"
rm "$work/dmg/manifest.json"
run -o "$work/dmg" -q && cmp -s "$work/clean/areas.csv" "$work/dmg/areas.csv" && pass \
    || fail "zeroed blobs in the store were believed"
cmp -s "$work/clean/projected-control.geojson" "$work/dmg/projected-control.geojson" && pass \
    || fail "zeroed blobs: projected-control.geojson differs from a clean run"

# Zones and control that never overlap: areas' one-line error, from run too
# (it wrote zeros and then failed elsewhere), and no outputs.
python3 - "$GEODATA/ukraine-oblasts.geojson" "$work/farzones.geojson" <<'PY'
import json, sys
z = json.load(open(sys.argv[1]))
def shift(c):
    return [c[0] + 60, c[1]] if isinstance(c[0], (int, float)) else [shift(x) for x in c]
for f in z["features"]:
    f["geometry"]["coordinates"] = shift(f["geometry"]["coordinates"])
json.dump(z, open(sys.argv[2], "w"))
PY
run -o "$work/far" --zones "$work/farzones.geojson" 2>"$work/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no control area overlaps any zone of .*farzones.geojson" "$work/err" \
    && [ ! -e "$work/far/areas.csv" ] && pass || { fail "no overlap in run: exit $rc"; cat "$work/err"; }

# A lock file planted as a symbolic link is refused, and nothing is written
# where it points.
mkdir -p "$work/lnk"
ln -s "$work/elsewhere" "$work/lnk/.frontcast.lock"
run -o "$work/lnk" 2>"$work/err"; rc=$?
[ $rc -eq 1 ] && grep -q "cannot open the lock file: it is a symbolic link" "$work/err" && [ ! -e "$work/elsewhere" ] \
    && pass || { fail "a symlinked lock file: exit $rc"; cat "$work/err"; }

# A folder named like a snapshot: quarantined, not a failed run.
mkdir "$series/synthetic-demo_20250721.geojson"
run -o "$work/out" 2>"$work/err"; rc=$?
[ $rc -eq 3 ] && grep -q "quarantined: .*synthetic-demo_20250721.geojson .*Is a directory" "$work/err" \
    && pass || { fail "a folder named like a snapshot: exit $rc"; cat "$work/err"; }
rmdir "$series/synthetic-demo_20250721.geojson"

# A run that fails after rewriting some outputs leaves no manifest, so the
# next run with the old options recomputes instead of saying "up to date"
# over outputs of the failed run's options.
echo '{"type": "Feature"}' >"$work/badplaces.geojson"
run -o "$work/stale" -q --window 28 || fail "stale: first run"
run -o "$work/stale" -q --window 56 --places "$work/badplaces.geojson" 2>/dev/null \
    && fail "stale: a bad places file did not fail the run" || pass
[ ! -e "$work/stale/manifest.json" ] && pass || fail "stale: a failed run left a manifest"
run -o "$work/stale" --window 28 2>"$work/err" && ! grep -q "up to date" "$work/err" \
    && pass || fail "stale: the old manifest said up to date over a failed run's outputs"
[ "$(cut -d, -f4 "$work/stale/eta.csv" | sort -u | tr '\n' ' ')" = "28 window_days " ] \
    && pass || fail "stale: eta.csv holds another window"

# A changed zone file invalidates the stored areas.
cp "$GEODATA/ukraine-oblasts.geojson" "$work/zones.geojson"
run -o "$work/z" --zones "$work/zones.geojson" -q || fail "zones run"
sed -i 's/"Donetsk"/"Donetsk oblast"/' "$work/zones.geojson"
run -o "$work/z" --zones "$work/zones.geojson" 2>"$work/err" && grep -q "snapshots: 0 reused, $n computed" "$work/err" \
    && pass || { fail "changed zones"; cat "$work/err"; }
grep -q "Donetsk oblast" "$work/z/areas.csv" && pass || fail "new zone name"

# A configuration file; the command line wins over it.
cat >"$work/frontcast.ini" <<INI
[inputs]
control = $series
[forecast]
window = 90
model = pace
[output]
plots = no
cell = 5
today = 2026-01-01
max-age = 0
INI
"$FRONTCAST" run --config "$work/frontcast.ini" -o "$work/cfg" -q && pass || fail "--config run"
cut -d, -f3,4 "$work/cfg/eta.csv" | sort -u | grep -qx "pace,90" && pass || fail "config window/model"
"$FRONTCAST" run --config "$work/frontcast.ini" --window 60 -o "$work/cfg" -q && \
    cut -d, -f4 "$work/cfg/eta.csv" | sort -u | grep -qx 60 && pass || fail "command line over config"
printf 'not an ini line\n' >"$work/bad.ini"
expect_error "bad.ini: line 1: not 'key = value'" "$work/none/x" -- "$FRONTCAST" run --config "$work/bad.ini"
expect_usage "$FRONTCAST" run --plots maybe
# The same files under other names are not the demo: the manifest says so.
mkdir -p "$work/renamed"
for f in "$series"/*.geojson; do cp "$f" "$work/renamed/snap_${f##*_}"; done
"$FRONTCAST" run -q --control "$work/renamed" --plots no --cell 5 --today 2026-01-01 --max-age 0 \
    -o "$work/renamed-out" && grep -q '"control_is_synthetic_demo": *false' "$work/renamed-out/manifest.json" &&
    pass || fail "a renamed series is not called the demo"
finish
