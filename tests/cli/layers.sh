#!/usr/bin/env bash
# The layering (ARCHITECTURE.md): tools/check-layers passes on the tree, and
# fails on a tree where a low layer includes a high one, or where a listed
# debt was paid but is still listed.
# Usage: layers.sh SOURCE_DIR
SRC=$1
FRONTCAST=unused
. "$(dirname "$0")/lib.sh"

python3 "$SRC/tools/check-layers" "$SRC" && pass || fail "the tree breaks its layering"

mkdir -p "$work/t/include/frontcast" "$work/t/src/core" "$work/t/tools"
printf '#include "frontcast/plot.h"\n' >"$work/t/src/core/bad.c"
: >"$work/t/tools/layers.allow"
python3 "$SRC/tools/check-layers" "$work/t" >"$work/out" && fail "core including plot.h passed" || pass
grep -q "src/core/bad.c -> frontcast/plot.h includes a higher layer" "$work/out" && pass ||
    fail "the violation was not named: $(cat "$work/out")"
: >"$work/t/src/core/bad.c"
echo "src/core/bad.c -> frontcast/plot.h" >"$work/t/tools/layers.allow"
python3 "$SRC/tools/check-layers" "$work/t" >"$work/out" && fail "a paid debt still listed passed" || pass
finish
