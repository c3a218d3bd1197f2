#!/bin/sh
# run-e2e.sh BINARY -- run every end-to-end test script in tests/e2e/ against
# BINARY and print the total as "N passed, N failed".
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0 scripts_failed=0
for t in "$top"/tests/e2e/t_*.sh; do
	out=$(CSPRECON=$bin sh "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v ' passed, .* failed$' >&2
	line=$(printf '%s\n' "$out" | grep ' passed, .* failed$' | tail -n 1)
	p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
	[ -n "$line" ] || { p=0; f=1; echo "$t: no result line" >&2; }
	[ "$rc" -eq 0 ] || scripts_failed=$((scripts_failed + 1))
	passed=$((passed + p))
	failed=$((failed + f))
	echo "$(basename "$t" .sh): $p passed, $f failed"
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$scripts_failed" -eq 0 ]
