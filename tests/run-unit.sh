#!/bin/sh
# run-unit.sh BUILD_DIR -- run every unit test binary built in BUILD_DIR/tests.
set -u
failed=0
for t in "$1"/tests/test_*; do
	[ -x "$t" ] || continue
	"$t" || failed=1
done
exit $failed
