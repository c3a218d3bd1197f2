#!/bin/sh
# docs.sh -- the man page and --help list what the code has: every rule code
# of include/csprecon/rules.h and every option of src/main.c.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$1
passed=0 failed=0
for code in $(sed -n 's/^[[:space:]]*X(\([A-Z_]*\), SEV_.*/\1/p' "$top/include/csprecon/rules.h"); do
	if grep -q "^\.B $code\$" "$top/man/csprecon.1"; then passed=$((passed + 1))
	else failed=$((failed + 1)); echo "docs: FAIL: rule $code not in man page" >&2; fi
done
for opt in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", .*/\1/p' "$top/src/main.c"); do
	if grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$top/man/csprecon.1"; then passed=$((passed + 1))
	else failed=$((failed + 1)); echo "docs: FAIL: option --$opt not in man page" >&2; fi
done
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
