# tests/lib.sh -- helpers for the end-to-end tests (sourced, POSIX sh).
#
# A test script sources this file (which moves to the top of the tree),
# calls `run ARGS...` to execute the
# csprecon binary ($CSPRECON) with stdout, stderr and the exit code
# captured, then asserts with the expect_* functions.  Each assertion
# counts as passed or failed; `finish` prints "N passed, N failed" and
# exits non-zero when anything failed.  Scratch files go under $T, a fresh
# temporary directory removed at exit.

: "${CSPRECON:?set CSPRECON to the binary under test}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/csprecon-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
PASSED=0
FAILED=0
NAME=$(basename "$0" .sh)

# Every test runs from the top of the tree, with the C locale, the binary
# by absolute path, and no master but one it names (check reads
# $CSPRECON_MASTER, else ./csprecon.db, when it exists).
case $CSPRECON in /*) ;; *) CSPRECON=$(pwd)/$CSPRECON ;; esac
CSPRECON_MASTER=$T/no-master.db
LC_ALL=C
export CSPRECON_MASTER LC_ALL
cd "$TOP" || exit 1

ok() { PASSED=$((PASSED + 1)); }
not_ok() {
	FAILED=$((FAILED + 1))
	printf '%s: FAIL: %s\n' "$NAME" "$*" >&2
}

# run ARGS...: run the binary; sets $OUT, $ERR (file names) and $CODE.
run() {
	OUT=$T/stdout ERR=$T/stderr
	"$CSPRECON" "$@" >"$OUT" 2>"$ERR" </dev/null
	CODE=$?
}

# run_stdin FILE ARGS...: the same with FILE on standard input.
run_stdin() {
	_in=$1
	shift
	OUT=$T/stdout ERR=$T/stderr
	"$CSPRECON" "$@" >"$OUT" 2>"$ERR" <"$_in"
	CODE=$?
}

expect_exit() {
	if [ "$CODE" -eq "$1" ]; then ok; else
		not_ok "$2: exit $CODE, expected $1 (stderr: $(head -c 600 "$ERR"))"
	fi
}

# expect_grep FILE PATTERN WHAT: a fixed string is in FILE.
expect_grep() {
	if grep -qF -- "$2" "$1"; then ok; else
		not_ok "$3: '$2' not in $(basename "$1"): $(head -c 600 "$1")"
	fi
}

expect_no_grep() {
	if grep -qF -- "$2" "$1"; then
		not_ok "$3: '$2' unexpectedly in $(basename "$1")"
	else ok; fi
}

# expect_same EXPECTED ACTUAL WHAT: files are equal.
expect_same() {
	if cmp -s "$1" "$2"; then ok; else
		not_ok "$3: differs from $1:
$(diff "$1" "$2" | head -20)"
	fi
}

# normalise_report FILE: replace run ids, times and durations, so reports
# of different runs compare equal.
normalise_report() {
	sed -E -e 's/[0-9]{8}T[0-9]{6}Z-[0-9]+/RUN/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g' \
		-e 's/took [0-9.]+ s/took N s/' \
		-e 's/"seconds": [0-9.]+/"seconds": N/' \
		-e 's|^reports: .*|reports: DIR|' "$1"
}

# The helpers the test scripts share.

# chk NAME ARGS...: `check` with reports in $T/NAME; sets $R and $REJ.
chk() {
	_n=$1
	shift
	R=$T/$_n
	rm -rf "$R"
	run check --report-dir "$R" "$@"
	REJ=$R/rejects.csv
}

# expect_eq WHAT EXPECTED ACTUAL: two strings are equal.
expect_eq() { # WHAT EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok; else
		not_ok "$1: got '$3', expected '$2'"
	fi
}

# jfile PATH KEY [SUMMARY_JSON]: the value of KEY in the summary's entry for
# file PATH (default summary: $R/summary.json).
jfile() {
	grep -F "{\"path\": \"$1\"," "${3:-$R/summary.json}" 2>/dev/null |
		sed -n "s/.*\"$2\": \"\{0,1\}\([^,\"}]*\)\"\{0,1\}[,}].*/\1/p"
}

# rules_of REJECTS_CSV: "line rule" pairs, one per finding, sorted.
rules_of() {
	tail -n +2 "$1" | awk -F, '{ print $3, $7 }' | sort -n
}

finish() {
	printf '%s: %d passed, %d failed\n' "$NAME" "$PASSED" "$FAILED"
	[ "$FAILED" -eq 0 ]
}
