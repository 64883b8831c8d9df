#!/usr/bin/env bash
# Front lines of the whole DeepStateMap history, the arrival model as of
# 2026-02-22, and its spatial backtest. Usage: spatial.sh FRONTCAST DATA
FRONTCAST=$1
DATA=$2
. "$(dirname "$0")/../cli/lib.sh"

if [ ! -d "$DATA/deepstate" ]; then
    echo "SKIP: $DATA/deepstate not found"
    exit 77
fi
n=$(ls "$DATA"/deepstate/*.geojson | wc -l)

"$FRONTCAST" frontline --control "$DATA/deepstate" -o "$work/fl" 2>"$work/stderr" && pass || fail "frontline"
cat "$work/stderr"
[ "$(wc -l <"$work/fl/frontline.csv")" -eq $((n + 1)) ] && pass || fail "a front line per snapshot"
python3 - "$work/fl/frontline.csv" <<'PY' && pass || fail "front lengths and shifts"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
last = rows[-1]
print("front line on %s: %s km" % (last["date"], last["length_km"]))
assert last["date"] == "2026-08-22"
# The front from Kharkiv oblast to the Dnipro mouth is over 1,000 km long.
for r in rows:
    assert 900 < float(r["length_km"]) < 2000, r
# Day-to-day shifts are small: the mean under 1 km on most days.
shifts = sorted(float(r["shift_mean_km"]) for r in rows[1:])
assert shifts[len(shifts) // 2] < 1.0, shifts[len(shifts) // 2]
PY

start=$(date +%s)
"$FRONTCAST" advance --control "$DATA/deepstate" --as-of 2026-02-22 --horizon 180 -o "$work/adv" \
    2>"$work/stderr" && pass || fail "advance"
elapsed=$(( $(date +%s) - start ))
cat "$work/stderr"
echo "advance --as-of 2026-02-22 --horizon 180: ${elapsed} s"
awk -F, 'NR>1 && $3 >= 100 { r = $5 < 0 ? -$5 : $5; if (r > 0.01) bad=1; n++ } END { exit bad || n == 0 }' \
    "$work/adv/calibration.csv" && pass || fail "calibration within 1%"
gdalinfo "$work/adv/arrival.tif" | grep -q "NoData Value=-9999" && pass || fail "arrival.tif"
ogrinfo -ro -al -so "$work/adv/projected-control.geojson" | grep -q "valid_from: Date" && pass || fail "valid_from"

# No look-ahead: advance as of D on the whole history and on a folder cut
# at D give the same places, projected areas and arrival grid (the
# archive has no 2025-11-26: both forecast from 2025-11-25, as of the 26th).
cut=20251126
mkdir -p "$work/cut"
for f in "$DATA"/deepstate/*.geojson; do
    d=$(basename "$f" | grep -o '[0-9]\{8\}')
    [ "$d" -le $cut ] && ln -s "$f" "$work/cut/"
done
"$FRONTCAST" advance -q --control "$DATA/deepstate" --as-of 2025-11-26 --horizon 365 -o "$work/advf" \
    && "$FRONTCAST" advance -q --control "$work/cut" --as-of 2025-11-26 --horizon 365 -o "$work/advc" \
    && pass || fail "advance as of 2025-11-26"
for f in places.csv calibration.csv arrival.tif projected-control.geojson; do
    cmp "$work/advf/$f" "$work/advc/$f" || { fail "advance as of 2025-11-26: $f depends on later data"; break; }
done && pass
grep -q "calibrated (n=" "$work/advc/places.csv" && pass || fail "places without calibrated bounds"

# The spatial backtest (coarser than by default, to stay quick in CI).
"$FRONTCAST" backtest --spatial --control "$DATA/deepstate" --every 120 --cell 2 \
    -o "$work/bts.csv" >"$work/table" && pass || fail "backtest --spatial"
cat "$work/table"
python3 - "$work/bts.csv" <<'PY' && pass || fail "arrival beats the uniform buffer"
import csv, sys
rows = {(r["model"], r["horizon_days"]): r for r in csv.DictReader(open(sys.argv[1]))}
for h in ("90", "180"):
    a, u = float(rows[("arrival", h)]["iou"]), float(rows[("uniform-buffer", h)]["iou"])
    print("IoU at %s days: arrival %.3f, uniform buffer %.3f" % (h, a, u))
    assert a > u, (h, a, u)
PY

finish
