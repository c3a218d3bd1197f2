#!/bin/sh
# bench.sh BINARY -- `make bench`: speed and memory of csprecon against
# anchors measured in the same run on the same files.
#
# BENCH_ROWS relationships (default 1,000,000) are generated with a fixed
# seed (scripts/gen-batch), with their resellers and PartnerIDs, as CSV,
# CSV.gz and XML, plus a second night (5% changed, 1% new, 1% removed).
# Each figure is the median of BENCH_RUNS runs (default 3): wall time,
# rows/s, MB/s of the relationships file, peak RSS, and the ratio to
# `sqlite3 .import` of the same CSV into an untyped table.  Floors, measured
# on the same files, show how much of a figure is libcsv's and SQLite's own
# work for the same result: the libcsv parse alone (bench/csvfloor.c), an unvalidated load into the
# master's keyed layout (bench/keyfloor.c), and the night's changes applied
# by SQL alone.  `audit` of the initial load's master, and the share of the
# nightly run spent tracking compliance cases (cases_track(), timed by -v),
# each with its target.  The machine is shared and noisy: read the
# ratios, not the seconds.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
rows=${BENCH_ROWS:-1000000}
runs=${BENCH_RUNS:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/csprecon-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
cc -O2 -o "$W/csvfloor" "$top/bench/csvfloor.c" -lcsv
cc -O2 -I"$top/include" -o "$W/keyfloor" "$top/bench/keyfloor.c" -lcsv -lsqlite3

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
measure audit ":" "$bin" -q --master "$W/night1.db" audit --report-dir "$W/r"
measure keyload "rm -f $W/k.db*; $bin -q --master $W/k.db init" \
	"$W/keyfloor" sorted "$W/k.db" "$rel"
measure nightly "cp $W/night1.db $W/m.db; rm -f $W/m.db-wal $W/m.db-shm" \
	"$bin" -q --master "$W/m.db" reconcile --apply --report-dir "$W/r" \
	"$W/b/night2/mpn_ids.csv" "$W/b/night2/resellers.csv" "$W/b/night2/relationships.csv"

# Case tracking's share of the nightly run: the same nightly run under -v,
# which times each phase; "cases" is cases_track() (judge the whole master
# by the violation rules, open, touch and close cases).  The ratio is to
# the nightly run's median measured above without -v.
: > "$W/times"
i=0
while [ "$i" -lt "$runs" ]; do
	cp "$W/night1.db" "$W/m.db"
	rm -f "$W/m.db-wal" "$W/m.db-shm"
	"$bin" -v --no-progress --master "$W/m.db" reconcile --apply \
		--report-dir "$W/r" "$W/b/night2/mpn_ids.csv" \
		"$W/b/night2/resellers.csv" "$W/b/night2/relationships.csv" \
		>/dev/null 2>"$W/err"
	sed -n 's/^csprecon: cases: \([0-9.]*\) s$/\1 0/p' "$W/err" >> "$W/times"
	i=$((i + 1))
done
[ "$(wc -l < "$W/times")" -eq "$runs" ] || {
	echo "case tracking: no 'cases' phase timed: $(tail -3 "$W/err")" >&2
	exit 1
}
read -r T_cases K_cases <<EOF
$(sort -n "$W/times" | sed -n "$(( (runs + 1) / 2 ))p")
EOF

# The nightly apply floor: the relationship changes the nightly run made
# (its rows as updated, the keys it retired, the rows it created), taken
# from its master, applied to the first night's master by three
# statements in one transaction, in WAL mode with synchronous=FULL as
# csprecon commits.  No reading, validation, classification, history or
# reports: the least SQLite work that night's changes can cost.
sqlite3 "$W/m.db" "ATTACH '$W/ch.db' AS ch;
	CREATE TABLE ch.u AS SELECT * FROM relationships WHERE
	 updated_run = (SELECT max(id) FROM runs) AND retired_run IS NULL AND
	 created_run < updated_run;
	CREATE TABLE ch.d AS SELECT customer_tenant_id, reseller_tenant_id
	 FROM relationships WHERE retired_run = (SELECT max(id) FROM runs);
	CREATE TABLE ch.n AS SELECT * FROM relationships WHERE
	 created_run = (SELECT max(id) FROM runs)"
measure nightapply "cp $W/night1.db $W/a.db; rm -f $W/a.db-wal $W/a.db-shm" \
	sqlite3 "$W/a.db" "ATTACH '$W/ch.db' AS ch; PRAGMA synchronous=FULL; BEGIN;
	UPDATE relationships AS m SET customer_name = u.customer_name,
	 customer_domain = u.customer_domain, customer_country =
	 u.customer_country, reseller_mpn_id = u.reseller_mpn_id,
	 relationship_to_partner = u.relationship_to_partner, state = u.state,
	 dap = u.dap, since = u.since, row_hash = u.row_hash, updated_run = 2,
	 retired_run = NULL FROM ch.u AS u WHERE m.customer_tenant_id =
	 u.customer_tenant_id AND m.reseller_tenant_id = u.reseller_tenant_id;
	UPDATE relationships AS m SET retired_run = 2, updated_run = 2 FROM ch.d
	 AS d WHERE m.customer_tenant_id = d.customer_tenant_id AND
	 m.reseller_tenant_id = d.reseller_tenant_id;
	INSERT INTO relationships SELECT * FROM ch.n ORDER BY
	 customer_tenant_id, reseller_tenant_id;
	COMMIT"

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
row "  floor: libcsv → keyed table, SQLite sorter" "$T_keyload" "$K_keyload"
row "audit of the initial load's master" "$T_audit" "$K_audit"
row "reconcile --apply, nightly (5%/1%/1%)" "$T_nightly" "$K_nightly"
row "  of it: case tracking (cases_track, -v)" "$T_cases" "$K_nightly"
row "  floor: the night's changes, SQL only" "$T_nightapply" "$K_nightapply"
echo
awk -v a="$T_audit" -v i="$T_import" -v c="$T_cases" -v n="$T_nightly" 'BEGIN {
	printf "audit: %.2f × import (target ≤ 1.0: %s); case tracking: %.1f %% of the nightly run (target ≤ 15 %%: %s)\n",
		a / i, a / i <= 1 ? "met" : "not met", 100 * c / n, c / n <= 0.15 ? "met" : "not met" }'
echo "relationships.csv: $mb MB; machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
