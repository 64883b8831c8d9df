#!/usr/bin/env bash
# Forecast and backtest end to end on the DeepStateMap history.
# Usage: forecast.sh FRONTCAST DATA
FRONTCAST=$1
DATA=$2
. "$(dirname "$0")/../cli/lib.sh"

if [ ! -d "$DATA/deepstate" ]; then
    echo "SKIP: $DATA/deepstate not found"
    exit 77
fi
"$FRONTCAST" areas -q --control "$DATA/deepstate" -o "$work/areas.csv" && pass || fail "areas"

# ISW (26 Nov 2025): "at the current rate ... not until August 2027". The
# pace over the last 365 days of DeepStateMap's maps gives a date too.
"$FRONTCAST" forecast --areas "$work/areas.csv" --as-of 2025-11-26 --window 30,90,180,365 \
    -o "$work/fc" 2>"$work/summary" && pass || fail "forecast"
cat "$work/summary"
grep -q "Donetsk .*pace .*365d" "$work/summary" && pass || fail "summary lacks Donetsk pace 365d"
grep -Eq "intervals of pace over 365 days: calibrated; on [0-9]+ past forecasts up to the horizon, the 80% band covered [0-9]+%" \
    "$work/summary" && pass || fail "summary does not say how the intervals covered"
python3 - "$work/fc" <<'PY' && pass || fail "forecast outputs"
import csv, sys
d = sys.argv[1]
eta = list(csv.DictReader(open(d + "/eta.csv")))
row = [r for r in eta if r["zone_id"] == "UA-14" and r["model"] == "pace" and r["window_days"] == "365"
       and r["threshold_pct"] == "100"]
assert len(row) == 1, row
r = row[0]
print("Donetsk, pace over 365 days, as of 2025-11-26: %s %% now, %s km2/day, 100%% on %s (80%%: %s .. %s), %s"
      % (r["controlled_pct"], r["pace_km2_per_day"], r["eta"], r["eta_lo80"], r["eta_hi80"], r["status"]))
assert r["as_of"] == "2025-11-26" and r["status"] in ("ok", "beyond-horizon"), r
assert "2027-01-01" <= r["eta"] <= "2029-12-31", r
# Calibrated: the 80% band of a front that has stalled before reaches 100%
# early only on its upper side; its lower side may never (eta_hi80 empty).
assert r["interval"].startswith("calibrated (n="), r
assert r["eta_lo80"] <= r["eta"] and (r["eta_hi80"] == "" or r["eta"] <= r["eta_hi80"]), r
# Zones that lost ground or did not move get no date.
for r in eta:
    if float(r["pace_km2_per_day"]) <= 0:  # as printed: below 0.0005 km2/day
        assert r["status"] in ("no-advance", "reached") and r["eta"] == "", r
proj = list(csv.DictReader(open(d + "/projection.csv")))
assert len(proj) == 28 * 5 * 4 * (730 // 7 + 1), len(proj)
for r in proj:
    v = [float(r[k]) for k in ("lo95_km2", "lo80_km2", "projected_km2", "hi80_km2", "hi95_km2")]
    assert 0 <= v[0] <= v[1] + 1e-6 and v[3] <= v[4] + 1e-6, r
    assert v[1] <= v[2] + 1e-6 <= v[3] + 2e-6 or r["model"] != "holt", r
    assert float(r["projected_pct"]) <= 100.0001 or r["zone_id"] == "ALL", r
assert open(d + "/eta.csv".replace(".csv", ".csvt")).read().startswith('"String","String","String","Integer","Date"')
PY

# The backtest over the whole history: ALL and pooled tables, naive baseline.
"$FRONTCAST" backtest --areas "$work/areas.csv" -o "$work/backtest.csv" >"$work/tables" \
    && pass || fail "backtest"
cat "$work/tables"
grep -q "^ALL:" "$work/tables" && grep -q "^pooled:" "$work/tables" && pass || fail "tables"
python3 - "$work/backtest.csv" <<'PY' && pass || fail "backtest.csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
zones = {r["zone_id"] for r in rows}
assert {"ALL", "pooled", "UA-14"} <= zones, zones
models = {r["model"] for r in rows}
assert models == {"pace", "ols", "theilsen", "holt", "ensemble", "naive"}, models
for r in rows:
    if r["model"] == "naive":
        assert r["coverage80"] == "" and float(r["skill_vs_naive"] or 0) == 0, r
    else:
        assert 0 <= float(r["coverage80"]) <= float(r["coverage95"]) <= 1, r
    assert int(r["n"]) > 0 and float(r["rmse_km2"]) >= float(r["mae_km2"]) - 1e-9, r
    assert int(r["cal_n"]) <= int(r["n"]), r
# Pooled over the advancing oblasts, the calibrated bands of pace (ISW's
# method) cover more often than its bootstrap band and score better on the
# same forecasts (window 180; the closing note and README have the table).
pooled = {(r["model"], r["window_days"], r["horizon_days"]): r for r in rows if r["zone_id"] == "pooled"}
for h in ("90", "180"):
    r = pooled[("pace", "180", h)]
    print("pace 180 d, %s d: model band covered %s, calibrated %s (n=%s); IS80 %s -> %s"
          % (h, r["coverage80"], r["cal_coverage80"], r["cal_n"], r["cal_model_is80_km2"], r["cal_is80_km2"]))
    assert int(r["cal_n"]) >= 30, r
    assert float(r["cal_coverage80"]) > float(r["coverage80"]), r
    assert float(r["cal_is80_km2"]) < float(r["cal_model_is80_km2"]), r
PY

# backtest --model auto scores what forecast --model auto would have said:
# from origins every 180 days after the 365-day burn-in (2025-07-08,
# 2026-01-04, 2026-07-03), each zone's auto row errs on average by exactly
# |auto's projection 30 days on - what was observed| of the forecasts as of
# those dates (the first picks pace for want of past scores; the later ones
# choose).
"$FRONTCAST" backtest -q --areas "$work/areas.csv" --model auto --window 180,365 --horizons 30 \
    --every 180 -o "$work/bt-auto.csv" && pass || fail "backtest --model auto"
for d in 2025-07-08 2026-01-04 2026-07-03; do
    "$FRONTCAST" forecast -q --areas "$work/areas.csv" --model auto --window 180,365 \
        --as-of $d --horizon 30 --step 30 -o "$work/f-auto-$d" || fail "forecast --model auto as of $d"
done
python3 - "$work" <<'PY' && pass || fail "auto: backtest and forecast disagree"
import csv, datetime, sys
w = sys.argv[1]
bt = {r["zone_id"]: r for r in csv.DictReader(open(w + "/bt-auto.csv")) if r["model"] == "auto"}
# What a zone holds: its control and the border sliver beside it (border.h).
obs = {(r["date"], r["zone_id"]): float(r["controlled_km2"]) + float(r["border_km2"])
       for r in csv.DictReader(open(w + "/areas.csv"))}
errs, picks = {}, set()
for d in ("2025-07-08", "2026-01-04", "2026-07-03"):
    later = (datetime.date.fromisoformat(d) + datetime.timedelta(days=30)).isoformat()
    for r in csv.DictReader(open("%s/f-auto-%s/projection.csv" % (w, d))):
        if r["model"].startswith("auto:") and r["date"] == later:
            errs.setdefault(r["zone_id"], []).append(abs(float(r["projected_km2"]) - obs[(later, r["zone_id"])]))
            picks.add(r["model"])
checked = 0
for z, e in errs.items():
    if z in bt and int(bt[z]["n"]) == 3:
        assert abs(sum(e) / 3 - float(bt[z]["mae_km2"])) <= 0.002, (z, e, bt[z]["mae_km2"])
        checked += 1
print("auto: %d zones agree with forecast --model auto; picks %s" % (checked, sorted(picks)))
assert checked >= 7 and len(picks) >= 2, (checked, picks)
PY

# No look-ahead: a forecast as of D from the areas cut at D is the same,
# byte for byte, as one from the whole history with --as-of D.
cut=2026-02-01
awk -F, -v d=$cut 'NR == 1 || $1 <= d' "$work/areas.csv" >"$work/areas-cut.csv"
"$FRONTCAST" forecast -q --areas "$work/areas.csv" --as-of $cut --window 90,365 -o "$work/full" \
    && "$FRONTCAST" forecast -q --areas "$work/areas-cut.csv" --window 90,365 -o "$work/cut" \
    && pass || fail "forecasts as of $cut"
cmp "$work/full/eta.csv" "$work/cut/eta.csv" && cmp "$work/full/projection.csv" "$work/cut/projection.csv" \
    && pass || fail "a forecast as of $cut depends on data after it"
grep -q "calibrated (n=" "$work/cut/eta.csv" && pass || fail "no calibrated band as of $cut"

finish
