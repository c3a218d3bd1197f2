#!/bin/sh
# bench.sh BINARY -- `make bench`: speed and memory of csprecon against
# anchors measured in the same run on the same files.
#
# BENCH_ROWS relationships (default 1,000,000) are generated with a fixed
# seed (scripts/gen-batch), with their resellers and PartnerIDs, as CSV,
# CSV.gz and XML, plus a second night (5% changed, 1% new, 1% removed).
# Each figure is the median of BENCH_RUNS runs (default 3): wall time,
# rows/s, MB/s of the relationships file, peak RSS, and the ratio to
# `sqlite3 .import` of the same CSV into an untyped table.  The machine is
# shared and noisy: read the ratios, not the seconds.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
rows=${BENCH_ROWS:-1000000}
runs=${BENCH_RUNS:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/csprecon-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
cc -O2 -o "$W/csvfloor" "$top/bench/csvfloor.c" -lcsv

echo "csprecon bench: $rows relationships, median of $runs runs, in $W"
sh "$top/scripts/gen-batch" -n "$rows" -o "$W/b" -x -z -2
rel=$W/b/relationships.csv
mb=$(du -m "$rel" | cut -f1)

# measure NAME SETUP COMMAND...: run SETUP then COMMAND $runs times; keep
# the median wall time and its peak RSS.
measure() {
	name=$1 setup=$2
	shift 2
	: > "$W/times"
	i=0
	while [ "$i" -lt "$runs" ]; do
		sh -c "$setup"
		/usr/bin/time -f '%e %M' -o "$W/t" "$@" >/dev/null 2>"$W/err" || {
			c=$?
			[ "$c" -le 1 ] || { echo "$name failed ($c): $(tail -3 "$W/err")" >&2; exit 1; }
		}
		tail -n 1 "$W/t" >> "$W/times"
		i=$((i + 1))
	done
	sort -n "$W/times" | sed -n "$(( (runs + 1) / 2 ))p" > "$W/median"
	read -r secs kb < "$W/median"
	eval "T_$name=$secs K_$name=$kb"
}

measure import "rm -f $W/imp.db" sqlite3 "$W/imp.db" ".import --csv $rel t"
measure floor ":" "$W/csvfloor" "$rel"
measure check ":" "$bin" -q check --report-dir "$W/r" "$W/b/mpn_ids.csv" "$W/b/resellers.csv" "$rel"
measure checkgz ":" "$bin" -q check --report-dir "$W/r" "$W/b/mpn_ids.csv" "$W/b/resellers.csv" "$rel.gz"
measure xml ":" "$bin" -q check --report-dir "$W/r" "$W/b/mpn_ids.xml" "$W/b/resellers.xml" "$W/b/relationships.xml"
measure initial "rm -f $W/m.db*; $bin -q --master $W/m.db init" \
	"$bin" -q --master "$W/m.db" reconcile --apply --report-dir "$W/r" \
	"$W/b/mpn_ids.csv" "$W/b/resellers.csv" "$rel"
cp "$W/m.db" "$W/night1.db"
measure nightly "cp $W/night1.db $W/m.db; rm -f $W/m.db-wal $W/m.db-shm" \
	"$bin" -q --master "$W/m.db" reconcile --apply --report-dir "$W/r" \
	"$W/b/night2/mpn_ids.csv" "$W/b/night2/resellers.csv" "$W/b/night2/relationships.csv"

row() { # LABEL SECONDS KB
	awk -v l="$1" -v s="$2" -v k="$3" -v r="$rows" -v mb="$mb" -v a="$T_import" -v f="$T_floor" 'BEGIN {
		printf "| %-44s | %7.2f | %9.0f | %6.1f | %6.0f | %5.2f | %5.2f |\n",
			l, s, r / s, mb / s, k / 1024, s / a, s / f }'
}
echo
echo "| what | wall s | rows/s | MB/s | RSS MB | ÷ import | ÷ floor |"
echo "|---|---|---|---|---|---|---|"
row "sqlite3 .import (anchor, no validation)" "$T_import" "$K_import"
row "libcsv parse only (floor)" "$T_floor" "$K_floor"
row "check, CSV" "$T_check" "$K_check"
row "check, CSV.gz" "$T_checkgz" "$K_checkgz"
row "check, XML (batch.xsd checks)" "$T_xml" "$K_xml"
row "reconcile --apply, initial load" "$T_initial" "$K_initial"
row "reconcile --apply, nightly (5%/1%/1%)" "$T_nightly" "$K_nightly"
echo
echo "relationships.csv: $mb MB; machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
