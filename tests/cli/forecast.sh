#!/usr/bin/env bash
# forecast and backtest on the bundled demo series; their errors.
# Usage: forecast.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"

"$FRONTCAST" areas -q -o "$work/areas.csv" && pass || fail "areas"

# Computed areas and an areas CSV give the same forecast.
"$FRONTCAST" forecast -q -o "$work/a" && pass || fail "forecast from zones/control"
"$FRONTCAST" forecast -q --areas "$work/areas.csv" -o "$work/b" && pass || fail "forecast from --areas"
# (The CSV keeps km2 to 3 decimals: a slope fitted to rounded values and
# carried up to 730 days may move a figure by up to ~0.1 km2.)
python3 - "$work/a" "$work/b" <<'PY' && pass || fail "--areas and computed areas differ"
import csv, sys
for name in ("eta.csv", "projection.csv"):
    a = list(csv.DictReader(open(sys.argv[1] + "/" + name)))
    b = list(csv.DictReader(open(sys.argv[2] + "/" + name)))
    assert len(a) == len(b), name
    for r, s in zip(a, b):
        for k in r:
            try:
                assert abs(float(r[k]) - float(s[k])) <= 0.1 + 1e-5 * abs(float(r[k])), (name, k, r, s)
            except ValueError:
                assert r[k] == s[k], (name, k, r, s)
PY
head -1 "$work/a/projection.csv" | grep -qx "zone_id,zone_name,model,window_days,as_of,date,projected_km2,lo80_km2,hi80_km2,lo95_km2,hi95_km2,projected_pct,interval" \
    && pass || fail "projection.csv header"
head -1 "$work/a/eta.csv" | grep -qx "zone_id,zone_name,model,window_days,as_of,controlled_pct,pace_km2_per_day,threshold_pct,eta,eta_lo80,eta_hi80,status,interval" \
    && pass || fail "eta.csv header"
[ -f "$work/a/projection.csvt" ] && [ -f "$work/a/eta.csvt" ] && pass || fail ".csvt sidecars"

# The demo's Donetsk advances ~50 km2/day: it gets a date; thresholds list.
"$FRONTCAST" forecast --areas "$work/areas.csv" --model pace --window 90 --threshold 100,90 \
    --horizon 365 --summary -o "$work/c" >"$work/summary" 2>/dev/null && pass || fail "thresholds"
grep -q "Donetsk .*pace .*90d" "$work/summary" && pass || fail "summary on stdout"
[ "$(grep -c '^UA-14,Donetsk,pace,90,' "$work/c/eta.csv")" -eq 2 ] && pass || fail "two thresholds"
# The demo's weekly snapshots give 90-day windows 13 weekly origins of
# 7-day forecasts (68 with the zones that move): enough to calibrate. A
# threshold already reached has no interval.
grep -Eq '^UA-14,Donetsk,pace,90,.*,100,[0-9-]*,[0-9-]*,[0-9-]*,ok,calibrated \(n=[0-9]+\)$' "$work/c/eta.csv" \
    && pass || fail "Donetsk pace ETA"
grep -q '^UA-14,Donetsk,pace,90,.*,90,,,,reached,$' "$work/c/eta.csv" \
    && pass || fail "a reached threshold with an interval"

# A backtest on the short demo: shorter windows and horizons.
"$FRONTCAST" backtest --areas "$work/areas.csv" --window 28,56 --horizons 14,28 --every 14 \
    -o "$work/bt.csv" >"$work/tables" && pass || fail "backtest"
grep -q "^pooled:" "$work/tables" && pass || fail "pooled table"
grep -q '^UA-14,naive,28,14,' "$work/bt.csv" && pass || fail "naive baseline rows"

# An areas CSV as Excel saves it (UTF-8 with a byte-order mark) reads the same.
printf '\357\273\277' >"$work/bom.csv"
cat "$work/areas.csv" >>"$work/bom.csv"
"$FRONTCAST" forecast -q --areas "$work/bom.csv" --model pace -o "$work/bom" \
    && "$FRONTCAST" forecast -q --areas "$work/areas.csv" --model pace -o "$work/nobom" \
    && cmp -s "$work/bom/eta.csv" "$work/nobom/eta.csv" && pass || fail "an areas CSV with a BOM"

# Errors.
out=$work/err/eta.csv
mkdir -p "$work/err"
expect_error "/nonexistent/areas.csv: No such file" "$out" -- \
    "$FRONTCAST" forecast --areas /nonexistent/areas.csv -o "$work/err"
printf 'date,zone_id,controlled_km2,zone_km2\n2025-01-01,X,1,oops\n' >"$work/bad.csv"
expect_error "bad.csv: line 2: malformed number" "$out" -- \
    "$FRONTCAST" forecast --areas "$work/bad.csv" -o "$work/err"
printf 'when,zone,area\n' >"$work/notareas.csv"
expect_error "notareas.csv: not an areas CSV: no 'date' column" "$out" -- \
    "$FRONTCAST" forecast --areas "$work/notareas.csv" -o "$work/err"
expect_error "as-of date 2020-01-01 is before the first snapshot \(2025-01-06\)" "$out" -- \
    "$FRONTCAST" forecast --areas "$work/areas.csv" --as-of 2020-01-01 -o "$work/err"
expect_error "zone UA-05 \(Vinnytsia\): fewer than 2 snapshots in the 5-day window" "$out" -- \
    "$FRONTCAST" forecast --areas "$work/areas.csv" --window 5 -o "$work/err"
expect_error "too short for a 365-day window" "$work/err/bt.csv" -- \
    "$FRONTCAST" backtest --areas "$work/areas.csv" --window 365 -o "$work/err/bt.csv"
expect_usage "$FRONTCAST" forecast --model magic
expect_usage "$FRONTCAST" forecast --as-of yesterday
expect_usage "$FRONTCAST" forecast --threshold 120
expect_usage "$FRONTCAST" backtest --horizons 0
expect_usage "$FRONTCAST" forecast --intervals wide

# --model pace,auto: pace's rows, and per zone one auto:MODEL set chosen
# among every model over the given windows.
"$FRONTCAST" forecast -q --areas "$work/areas.csv" --model pace,auto --window 28,56 -o "$work/auto" \
    && pass || fail "--model pace,auto"
python3 - "$work/auto" <<'PY' && pass || fail "auto rows"
import csv, sys
eta = list(csv.DictReader(open(sys.argv[1] + "/eta.csv")))
auto = [r for r in eta if r["model"].startswith("auto:")]
assert len(auto) == 27 and len(eta) == 27 * 3, (len(auto), len(eta))
for r in auto:
    assert r["model"][5:] in ("pace", "ols", "theilsen", "holt", "ensemble"), r
    assert r["window_days"] in ("28", "56"), r
proj = list(csv.DictReader(open(sys.argv[1] + "/projection.csv")))
assert {r["zone_id"] for r in proj if r["model"].startswith("auto:")} == {r["zone_id"] for r in proj}
PY
expect_usage "$FRONTCAST" run --model auto
expect_usage "$FRONTCAST" backtest --spatial --model auto  # auto is for the areas backtest

# --intervals model: the models' own bands, said so in every row.
"$FRONTCAST" forecast -q --areas "$work/areas.csv" --intervals model -o "$work/m" && pass || fail "--intervals model"
! grep -q "calibrated" "$work/m/projection.csv" && grep -q ",model$" "$work/m/projection.csv" \
    && pass || fail "--intervals model still calibrates"
# Zones are forecast on several threads: the same rows, to the byte, on one
# and on three (every model, auto included, and two thresholds).
for j in 1 3; do
    "$FRONTCAST" forecast -q -j $j --areas "$work/areas.csv" --model pace,ols,theilsen,holt,ensemble,auto --window 90,180 \
        --threshold 100,50 -o "$work/j$j" || fail "forecast -j $j"
done
cmp -s "$work/j1/projection.csv" "$work/j3/projection.csv" && cmp -s "$work/j1/eta.csv" "$work/j3/eta.csv" &&
    pass || fail "forecast rows differ between -j 1 and -j 3"

finish
