#!/bin/sh
# valgrind.sh BINARY -- the end-to-end suite (tests/run-e2e.sh) with every
# run of BINARY under Valgrind's memcheck: no invalid access, no use of an
# uninitialised value, no leak (definite or indirect).  `make valgrind`.
#
# Each run writes its own Valgrind log; the logs of the runs with an error,
# and of any run that did not finish, are printed in full after the suite
# (the command, every error with its stack).  Prints "valgrind: N runs, N
# with errors" and "N passed, N failed" (one check per run); exits non-zero
# when a run had an error.  The e2e suite's own result is printed but not
# judged: a run with an error exits VG_EXIT (99, a code csprecon never
# uses) and fails its e2e check too, while the few e2e checks of timing (a
# lock's timeout, an initial load that must not wait 3 s for a reader) fail
# under Valgrind's slowdown alone.  Slow (see the README); VALGRIND_OPTS
# adds options to Valgrind's; VALGRIND_TESTS="t_cases t_harden" runs only
# those scripts of tests/e2e/.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || {
	echo "valgrind.sh: valgrind is not installed (scripts/install-deps valgrind)" >&2
	exit 1
}
T=$(mktemp -d "${TMPDIR:-/tmp}/csprecon-vg.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir "$T/logs"
VG_EXIT=99
# The e2e scripts take the binary as one path: a wrapper stands in for it.
cat >"$T/csprecon" <<WRAP
#!/bin/sh
exec valgrind --tool=memcheck --error-exitcode=$VG_EXIT \\
	--leak-check=full --errors-for-leak-kinds=definite,indirect \\
	--show-leak-kinds=definite,indirect --track-origins=yes \\
	--num-callers=30 ${VALGRIND_OPTS:-} \\
	--log-file="$T/logs/vg.%p" "$bin" "\$@"
WRAP
chmod +x "$T/csprecon"
start=$(date +%s)
if [ -n "${VALGRIND_TESTS:-}" ]; then
	for t in $VALGRIND_TESTS; do
		CSPRECON=$T/csprecon sh "$top/tests/e2e/$t.sh" 2>&1 | tail -n 1
	done
else
	sh "$top/tests/run-e2e.sh" "$T/csprecon"
fi
echo "valgrind: the e2e result above is not judged; the logs are"
runs=0 bad=0
for log in "$T"/logs/vg.*; do
	[ -e "$log" ] || continue
	runs=$((runs + 1))
	grep -q 'ERROR SUMMARY: 0 errors' "$log" && continue
	bad=$((bad + 1))
	echo "valgrind: FAIL: a run with errors, or that did not finish (log $(basename "$log")):"
	cat "$log"
done
echo "valgrind: $runs runs, $bad with errors, $(($(date +%s) - start)) s"
echo "valgrind: $((runs - bad)) passed, $bad failed"
[ "$runs" -gt 0 ] && [ "$bad" -eq 0 ]
