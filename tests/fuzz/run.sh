#!/bin/sh
# run.sh -- run the fuzz targets of tests/fuzz/ (see README.md there).
#
#   run.sh replay BUILD_DIR TARGET...          every seed and regression
#       input of each target through BUILD_DIR/fuzz/replay_TARGET (make
#       check); a failing target shows the end of its output.
#   run.sh fuzz BUILD_DIR SECONDS TARGET...    BUILD_DIR/fuzz/fuzz_TARGET
#       (libFuzzer) for SECONDS each, one after the other, on a copy of its
#       seeds in a temporary directory; prints libFuzzer's last status line
#       per target.  Crashes, leaks and timeouts are kept as files in
#       BUILD_DIR/crashes/TARGET/ and make the run fail.
#
# Run from the top of the tree.  Exit 0 when every target held.
set -u

# The seed inputs of a target: its own directory (hand-made cases and the
# regression inputs of crashes found) and the test files of its format.
seeds() {
	case $1 in
	csv) set -- tests/fuzz/csv samples/*.csv samples/*/*.csv \
		samples/rules/*/*.csv tests/corpus/*.csv ;;
	xml) set -- tests/fuzz/xml samples/*.xml samples/*/*.xml \
		tests/corpus/*.xml tests/xsd/*.xml ;;
	gzip) set -- tests/fuzz/gzip samples/*.gz tests/corpus/*.gz ;;
	*) set -- "tests/fuzz/$1" ;;
	esac
	for f in "$@"; do
		[ -e "$f" ] && printf '%s\n' "$f"
	done
}

replay() {
	build=$1
	shift
	failed=0
	log=$(mktemp)
	for t in "$@"; do
		# shellcheck disable=SC2046 # seed paths have no spaces
		if n=$("$build/fuzz/replay_$t" $(seeds "$t") 2>"$log"); then
			echo "fuzz replay $t: $n"
		else
			echo "fuzz replay $t: FAILED" >&2
			tail -n 40 "$log" >&2
			failed=1
		fi
	done
	rm -f "$log"
	return $failed
}

fuzz() {
	build=$1
	seconds=$2
	shift 2
	failed=0
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	for t in "$@"; do
		bin=$build/fuzz/fuzz_$t
		crashes=$build/crashes/$t
		mkdir -p "$crashes"
		rm -rf "$tmp/corpus"
		mkdir "$tmp/corpus"
		i=0
		for s in $(seeds "$t"); do
			for f in $(find "$s" -type f); do
				i=$((i + 1))
				cp "$f" "$tmp/corpus/$i-${f##*/}"
			done
		done
		dict=
		[ -f "tests/fuzz/$t.dict" ] && dict=-dict=tests/fuzz/$t.dict
		before=$(ls "$crashes" | wc -l)
		# -close_fd_mask=2: the readers print every refused file on
		# stderr; libFuzzer and the sanitizers keep a copy of it.
		"$bin" -max_total_time="$seconds" -timeout=10 -close_fd_mask=2 \
			-print_final_stats=1 -artifact_prefix="$crashes/" \
			$dict "$tmp/corpus" >"$tmp/log" 2>&1
		rc=$?
		status=$(grep '^#[0-9]' "$tmp/log" | tail -n 1)
		echo "fuzz $t: ${seconds}s, $i seeds: $status"
		if [ $rc -ne 0 ] || [ "$(ls "$crashes" | wc -l)" -ne "$before" ]; then
			failed=1
			echo "fuzz $t: FAILED (exit $rc); inputs kept in $crashes:" >&2
			ls -t "$crashes" | head -n 5 >&2
			grep -v '^csprecon: ' "$tmp/log" | tail -n 60 >&2
			# What stderr lost: a broken invariant's message.
			last=$(ls -t "$crashes" | head -n 1)
			[ -n "$last" ] && "$bin" -timeout=10 "$crashes/$last" 2>&1 |
				grep 'invariant broken' >&2
		fi
	done
	return $failed
}

mode=$1
shift
case $mode in
replay) replay "$@" ;;
fuzz) fuzz "$@" ;;
*) echo "usage: run.sh replay|fuzz ..." >&2; exit 64 ;;
esac
