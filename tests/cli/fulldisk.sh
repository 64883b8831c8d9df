#!/usr/bin/env bash
# A full disk never leaves a damaged file under a final name, and never
# exits 0. Two ways to run out of room: a file size limit (ulimit -f, with
# SIGXFSZ ignored so that writes fail with EFBIG, as on a full disk they
# fail with ENOSPC), which any user can set; and, where this user may mount
# one, a 32 KiB tmpfs. GDAL's GeoJSON writer ignores failed writes: these
# are the cases that used to exit 0 with a truncated file.
# Usage: fulldisk.sh FRONTCAST GEODATA
FRONTCAST=$1
GEODATA=$2
. "$(dirname "$0")/lib.sh"
golden_skip=1 # the messages of a full disk are the system's (and the tmpfs half needs root)

# limited KIB CMD...: CMD with files capped at KIB KiB.
limited() {
    local kib=$1
    shift
    bash -c 'trap "" XFSZ; ulimit -f "$0"; exec "$@"' "$kib" "$@"
}

mkdir -p "$work/out"
# (The demo's areas: 2.8 MB of GeoJSON, 1.9 MB of GeoPackage, 47 KB of CSV.)
for case in geojson:200 gpkg:200 csv:20; do
    ext=${case%:*}
    out=$work/out/areas.$ext
    echo OLD >"$out"
    expect_error "areas\.$ext: .*(disk full|disk I/O error|too large)" "$out" -- \
        limited "${case#*:}" "$FRONTCAST" areas -q -o "$out"
done
# The CSV's sidecar goes in with it or not at all: a failed CSV left a new
# .csvt beside the old .csv.
echo OLD >"$work/out/two.csv"
echo OLDT >"$work/out/two.csvt"
limited 20 "$FRONTCAST" areas -q -o "$work/out/two.csv" 2>/dev/null
[ "$(cat "$work/out/two.csv")" = OLD ] && [ "$(cat "$work/out/two.csvt")" = OLDT ] && pass \
    || fail "a failed CSV changed its .csvt"

# Unlimited, the same commands work (the limit was the only problem).
"$FRONTCAST" areas -q -o "$work/out/areas.geojson" && [ "$(wc -c <"$work/out/areas.geojson")" -gt 204800 ] \
    && pass || fail "areas.geojson without a limit"

# run: every output either the previous run's or complete, exit 1, and the
# next run without a limit recomputes (no signature left behind).
"$FRONTCAST" run -q -o "$work/run" && pass || fail "first run"
cp -r "$work/run" "$work/before"
# A limit halfway between the largest output the run writes whole and the
# next largest file, so that the run fails on that output and on nothing
# before it. On the demo that is projected-control.geojson (3.3 MB against
# the state store's 1.9 MB): GDAL's GeoJSON writer, whose failed writes
# went unnoticed, in the middle of a run whose later outputs (the map
# layers, the pictures, the report page) must then not be written. (Until
# 2 December 2026 the map SVGs were the largest, 4.7-5.9 MB, and the run
# failed near its very end; drawn thinned to what the pixels show, they
# are 1.5 MB.) Without its manifest the run writes every output again from
# the store, which keeps its size; a changed option would grow the store
# past the limit first.
largest=$(find "$work/before" -type f ! -name state.sqlite -printf '%s %f\n' | sort -n | tail -1)
name=${largest#* }
size=${largest%% *}
next=$(find "$work/before" -type f ! -name "$name" -printf '%s\n' | sort -n | tail -1)
lim=$(((size + next) / 2048))
# (A fifth larger at least, so that the limit falls clear of both.)
[ "$size" -gt $((next * 6 / 5)) ] && pass || fail "$name is not the largest output by a fifth"
rm "$work/run/manifest.json"
limited $lim "$FRONTCAST" run -q -o "$work/run" 2>"$work/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "^frontcast: error: .*$name" "$work/err" && pass || { fail "run on a full disk: exit $rc"; cat "$work/err"; }
[ ! -e "$work/run/index.html" ] || cmp -s "$work/run/index.html" "$work/before/index.html" && pass ||
    fail "a failed run changed the report page"
[ ! -e "$work/run/manifest.json" ] && pass || fail "a failed run left a manifest"
ls -a "$work/run" | grep -q '\.tmp-' && fail "temporary files left by the failed run" || pass
for f in "$work"/run/*.geojson "$work"/run/*.gpkg; do
    [ -e "$f" ] || continue
    python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$f" 2>/dev/null && pass || fail "damaged $f"
done
"$FRONTCAST" run -q -o "$work/run" && [ -s "$work/run/manifest.json" ] && pass || fail "the run after the failed one"

# A real full disk, where a tmpfs can be mounted (root outside a container):
# 32 KiB, less than either file needs.
disk=$work/disk
mkdir -p "$disk"
if mount -t tmpfs -o size=32k tmpfs "$disk" 2>/dev/null; then
    trap 'umount "$disk" 2>/dev/null; rm -rf "$work"' EXIT
    echo OLD >"$disk/areas.geojson"
    expect_error "areas\.geojson: .*disk full" "$disk/areas.geojson" -- \
        "$FRONTCAST" areas -q -o "$disk/areas.geojson"
    expect_error "areas\.csvt?: .*(No space|write failed)" "$disk/areas.csv" -- \
        "$FRONTCAST" areas -q -o "$disk/areas.csv"
    [ "$(ls -A "$disk")" = "areas.geojson" ] && pass || fail "files left on the full tmpfs: $(ls -A "$disk")"
    umount "$disk"
else
    echo "note: cannot mount a tmpfs here; the file size limit stands in for a full disk"
fi
finish
