#!/bin/sh
# bench.sh BINARY -- `make bench` still runs: scripts/bench.sh on a small
# batch prints a row for every figure, with a time for each, and the
# audit and case-tracking ratios with their targets; and the
# keyed-load floor refuses a file that is not the generator's CSV.
# Timings are not judged here (BENCH.md); only that nothing is missing.
set -u
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/csprecon-benchtest.XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "bench: FAIL: $*" >&2; }

if BENCH_ROWS=2000 BENCH_RUNS=1 TMPDIR=$T sh "$top/scripts/bench.sh" "$bin" \
	>"$T/out" 2>"$T/err"; then ok; else bad "scripts/bench.sh exit $?: $(tail -3 "$T/err")"; fi
for what in "sqlite3 .import" "libcsv parse only" "check, CSV " "check, CSV.gz" \
	"check, XML" "initial load" "floor: libcsv → keyed table" \
	"nightly (5%/1%/1%)" "floor: the night's changes" \
	"audit of the initial load's master" "case tracking (cases_track, -v)"; do
	# a row with this label and a wall time in its second column
	if awk -F'|' -v w="$what" 'index($2, w) && $3 + 0 >= 0 && $3 ~ /[0-9]/ { f = 1 }
		END { exit !f }' "$T/out"; then ok; else bad "no row for '$what'"; fi
done
# the two ratios with a target, and whether each is met
if grep -Eq '^audit: [0-9.]+ × import \(target ≤ 1\.0: (met|not met)\); case tracking: [0-9.]+ % of the nightly run \(target ≤ 15 %: (met|not met)\)$' "$T/out"
then ok; else bad "no line with the audit and case-tracking ratios"; fi

cc -O2 -I"$top/include" -o "$T/keyfloor" "$top/bench/keyfloor.c" -lcsv -lsqlite3
printf 'customer_tenant_id,customer_name\n1,a\n' > "$T/other.csv"
"$bin" -q --master "$T/k.db" init
"$T/keyfloor" sorted "$T/k.db" "$T/other.csv" >/dev/null 2>"$T/err"
c=$?
if [ "$c" -eq 65 ] && grep -q "not the generator's relationships CSV" "$T/err"; then
	ok; else bad "keyfloor on another CSV: exit $c, $(cat "$T/err")"; fi
"$T/keyfloor" sideways "$T/k.db" "$T/other.csv" 2>/dev/null
c=$?
if [ "$c" -eq 64 ]; then ok; else bad "keyfloor with an unknown mode: exit $c"; fi

echo "bench: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
