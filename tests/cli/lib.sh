# Shared helpers for the command-line tests. Source it; needs $FRONTCAST.
set -u
fails=0
checks=0
work=$(mktemp -d /tmp/frontcast-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT

pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*" >&2; }

# Golden messages: expect_error and expect_usage also compare the whole
# message line with the next line of golden/<script>.txt beside this file,
# where the scratch folder is written <WORK> and the geodata folder
# <GEODATA>: a reworded, truncated or doubled message fails, and the file is
# the list of what users read when something is wrong. After a deliberate
# change: FRONTCAST_GOLDEN=update ctest -R <test>, then review the diff. A
# script whose messages come from the system (a full disk) sets golden_skip.
golden_file=$(dirname "$0")/golden/$(basename "$0" .sh).txt
golden_n=0
golden_check() { # LINE
    [ -n "${golden_skip:-}" ] && return # messages of the OS, not ours
    local line=${1//"$work"/<WORK>}
    [ -n "${GEODATA:-}" ] && line=${line//"$GEODATA"/<GEODATA>}
    # What changes from run to run: the test servers' ports, timings.
    line=$(printf '%s' "$line" | sed -E 's/(127\.0\.0\.1:|port=)[0-9]{4,5}/\1<PORT>/g; s/after [0-9]+ ms/after <N> ms/g')
    golden_n=$((golden_n + 1))
    if [ "${FRONTCAST_GOLDEN:-}" = update ]; then
        mkdir -p "$(dirname "$golden_file")"
        [ "$golden_n" -eq 1 ] && : >"$golden_file"
        printf '%s\n' "$line" >>"$golden_file"
        pass
        return
    fi
    local want
    want=$(sed -n "${golden_n}p" "$golden_file" 2>/dev/null)
    if [ "$line" = "$want" ]; then
        pass
    else
        fail "message $golden_n differs from $golden_file"
        printf '  got:  %s\n  want: %s\n' "$line" "$want" >&2
    fi
}

# expect_error PATTERN OUTFILE -- CMD...: CMD must exit 1 with exactly one
# "frontcast: error: " line on stderr, as its last line, matching PATTERN
# (grep -E) and the golden line; OUTFILE must be unchanged (absent, or still
# "OLD") and no temporary file may be left beside it.
expect_error() {
    local pattern=$1 out=$2
    shift 3
    local before=absent
    [ -e "$out" ] && before=$(cat "$out")
    "$@" >"$work/stdout" 2>"$work/stderr"
    local rc=$?
    local errors last
    errors=$(grep -c '^frontcast: error: ' "$work/stderr")
    last=$(tail -n 1 "$work/stderr")
    if [ "$rc" -ne 1 ]; then
        fail "exit $rc, want 1: $*"; cat "$work/stderr" >&2
    elif [ "$errors" -ne 1 ] || ! printf '%s\n' "$last" | grep -qE "^frontcast: error: .*$pattern"; then
        fail "want one error matching '$pattern': $*"; cat "$work/stderr" >&2
    else
        pass
    fi
    golden_check "$last"
    local after=absent
    [ -e "$out" ] && after=$(cat "$out")
    [ "$before" = "$after" ] && pass || fail "output $out changed by a failed run: $*"
    if ls -a "$(dirname "$out")" 2>/dev/null | grep -q '\.tmp-'; then
        fail "temporary file left beside $out: $*"
    else
        pass
    fi
}

# expect_usage CMD...: exit 2, a message (the golden line) and a hint to
# --help.
expect_usage() {
    "$@" >"$work/stdout" 2>"$work/stderr"
    local rc=$?
    if [ "$rc" -eq 2 ] && grep -q -- '--help' "$work/stderr"; then pass; else fail "want usage error (2): $* (got $rc)"; fi
    golden_check "$(head -n 1 "$work/stderr")"
}

finish() {
    echo "$(basename "$0"): $checks checks, $fails failed"
    [ "$fails" -eq 0 ]
}

# same_areas A.csv B.csv TOL_KM2: same rows (date, zone) in the same order,
# and every area column within TOL_KM2.
same_areas() {
    python3 - "$1" "$2" "$3" <<'PY'
import csv, sys
a = list(csv.DictReader(open(sys.argv[1])))
b = list(csv.DictReader(open(sys.argv[2])))
tol = float(sys.argv[3])
assert len(a) == len(b), (len(a), len(b))
for r, s in zip(a, b):
    assert (r["date"], r["zone_id"]) == (s["date"], s["zone_id"]), (r, s)
    for c in ("controlled_km2", "zone_km2", "gained_km2", "lost_km2"):
        assert (r[c] == "") == (s[c] == ""), (c, r, s)
        if r[c]:
            assert abs(float(r[c]) - float(s[c])) <= tol, (c, r, s)
PY
}
