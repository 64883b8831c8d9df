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
# The cut one on one thread: the places' past origins, computed on all
# cores, come out the same on one.
cut=20251126
mkdir -p "$work/cut"
for f in "$DATA"/deepstate/*.geojson; do
    d=$(basename "$f" | grep -o '[0-9]\{8\}')
    [ "$d" -le $cut ] && ln -s "$f" "$work/cut/"
done
"$FRONTCAST" advance -q --control "$DATA/deepstate" --as-of 2025-11-26 --horizon 365 -o "$work/advf" \
    && "$FRONTCAST" advance -q -j 1 --control "$work/cut" --as-of 2025-11-26 --horizon 365 \
        -o "$work/advc" \
    && pass || fail "advance as of 2025-11-26"
for f in places.csv calibration.csv arrival.tif projected-control.geojson; do
    cmp "$work/advf/$f" "$work/advc/$f" ||
        { fail "advance as of 2025-11-26: $f depends on later data or the threads"; break; }
done && pass
# Place bounds are calibrated on past captures of places and cells, scored
# only once a later origin shows them: as of 2025-02-01 the one origin
# before (2025-01-04) has no outcome yet, so the bounds are the model's and
# say so; as of 2025-11-26 thousands of cell captures are behind them.
"$FRONTCAST" advance -q --control "$DATA/deepstate" --as-of 2025-02-01 --horizon 365 -o "$work/adve" \
    && grep -q ",model$" "$work/adve/places.csv" && ! grep -q "calibrated" "$work/adve/places.csv" \
    && pass || fail "places as of 2025-02-01 claim a calibration"
n=$(grep -o "calibrated (n=[0-9]*)" "$work/advc/places.csv" | head -1 | tr -dc 0-9)
[ "${n:-0}" -ge 1000 ] && pass || fail "places as of 2025-11-26 calibrated on $n past captures, want >= 1000"
grep -q "calibrated (n=" "$work/adv/places.csv" && pass || fail "places as of 2026-02-22 without calibrated bounds"

# The observed timeline of places, checked against a point-in-polygon test
# written here (ray casting in lon/lat on the snapshot files themselves):
# every place captured during the series is outside on its last_free
# snapshot and inside on its first_held one; the 20 largest never-held
# places are outside on the last snapshot, the held ones inside.
"$FRONTCAST" places -q --control "$DATA/deepstate" -o "$work/pl" && pass || fail "places"
python3 - "$work/pl/places-timeline.csv" "$DATA/deepstate" <<'PY' && pass || fail "places against ray casting"
import csv, json, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
folder = sys.argv[2]

def rings(day):
    g = json.load(open("%s/deepstatemap_data_%s.geojson" % (folder, day.replace("-", ""))))
    out = []
    def walk(o):
        if o.get("type") == "FeatureCollection":
            for f in o["features"]:
                walk(f)
        elif o.get("type") == "Feature":
            walk(o["geometry"])
        elif o.get("type") == "Polygon":
            out.extend(o["coordinates"])
        elif o.get("type") == "MultiPolygon":
            for p in o["coordinates"]:
                out.extend(p)
        elif o.get("type") == "GeometryCollection":
            for x in o["geometries"]:
                walk(x)
    walk(g)
    return out

cache = {}
def inside(day, x, y):
    """Even-odd rule over all rings, and the distance (degrees) to the nearest edge."""
    if day not in cache:
        cache[day] = rings(day)
    odd, dmin = False, math.inf
    for ring in cache[day]:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                odd = not odd
            dx, dy = x2 - x1, y2 - y1
            t = max(0, min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy or 1)))
            dmin = min(dmin, math.hypot(x1 + t * dx - x, y1 + t * dy - y))
    return odd, dmin

checked = skipped = 0
def expect(day, r, want):
    global checked, skipped
    got, d = inside(day, float(r["lon"]), float(r["lat"]))
    if d < 0.003:  # within ~300 m of an edge: straight in lon/lat or in the equal-area CRS differ
        skipped += 1
        return
    assert got == want, (day, r, got, d)
    checked += 1

last = sorted(f for f in __import__("os").listdir(folder) if f.endswith(".geojson"))[-1]
last = "%s-%s-%s" % (last[-16:-12], last[-12:-10], last[-10:-8])
captured = [r for r in rows if r["last_free"]]
assert captured, "no place captured during the series"
for r in captured:
    expect(r["last_free"], r, False)
    expect(r["first_held"], r, True)
never = sorted((r for r in rows if not r["first_held"]), key=lambda r: -float(r["population"] or 0))[:20]
for r in never:
    expect(last, r, False)
for r in [r for r in rows if r["held_now"] == "true"][:20]:
    expect(last, r, True)
print("places: %d captured during the series, %d checks against ray casting agree (%d skipped within "
      "300 m of an edge)" % (len(captured), checked, skipped))
for r in sorted(captured, key=lambda r: r["first_held"]):
    print("  %-20s first held %s (free on %s)" % (r["name"], r["first_held"], r["last_free"]))
assert checked >= 30, checked
PY

# The backtest of arrival dates (coarse, to stay quick in CI): the arrival
# field's median error beats the uniform buffer's at 90 and 180 days, and
# its calibrated intervals contain at least 70 % of their captures there.
"$FRONTCAST" backtest --places --control "$DATA/deepstate" --every 60 --cell 2 \
    -o "$work/btp.csv" >"$work/table" && pass || fail "backtest --places"
cat "$work/table"
python3 - "$work/btp.csv" <<'PY' && pass || fail "backtest --places results"
import csv, sys
rows = {(r["model"], r["horizon_days"]): r for r in csv.DictReader(open(sys.argv[1]))}
assert len(rows) == 6, rows
for r in rows.values():
    n = lambda k: int(r[k])
    assert n("hits") + n("misses") == n("captured") <= n("candidates"), r
    assert n("covered80") <= n("captured"), r
    # Of the captures with a calibrated interval, how many it contained.
    assert n("cal_captured") <= n("captured"), r
    if n("cal_captured"):
        assert round(float(r["cal_coverage80"]) * n("cal_captured")) <= n("covered80"), r
for h in ("90", "180"):
    c = float(rows[("arrival", h)]["cal_coverage80"])
    print("calibrated 80%% intervals at %s days contained %.2f of their captures" % (h, c))
    assert c >= 0.7, (h, c)
for h in ("90", "180"):
    a, u = (float(rows[(m, h)]["median_abs_error_days"]) for m in ("arrival", "uniform-buffer"))
    print("median error at %s days: arrival %.0f, uniform buffer %.0f" % (h, a, u))
    assert a < u, (h, a, u)
PY

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
