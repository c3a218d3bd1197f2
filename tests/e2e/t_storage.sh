# t_storage.sh -- the master and the output files on hostile or broken
# storage: the master held by another connection.
. "$(dirname "$0")/../lib.sh"
M=$T/m.db
N1="samples/mpn_ids.csv samples/resellers.csv samples/relationships.csv"
N2="samples/night2/mpn_ids.csv samples/night2/resellers.csv samples/night2/relationships.csv"
umask 022

run --master "$M" init
run -q --master "$M" reconcile --apply --report-dir "$T/n1" $N1
expect_exit 0 "night 1 applies"

sum() { sha256sum "$1" | cut -d' ' -f1; }

# --- readers while another connection holds the master -------------------
# hold FILE MODE SECONDS: a sqlite3 shell holds FILE's write lock (in a
# rollback journal an EXCLUSIVE lock, which keeps readers out until it
# ends; in WAL a write transaction, which does not); returns once the lock
# is held.
hold() {
	rm -f "$T/held"
	if [ "$2" = rollback ]; then
		_mode=delete _begin='BEGIN EXCLUSIVE;'
	else
		_mode=wal _begin='BEGIN IMMEDIATE;'
	fi
	printf '.timeout 10000\nPRAGMA journal_mode=%s;\n%s\n.shell touch %s\n.shell sleep %s\nROLLBACK;\n' \
		"$_mode" "$_begin" "$T/held" "$3" | sqlite3 "$1" >/dev/null 2>&1 &
	HOLDER=$!
	_i=0
	while [ ! -e "$T/held" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}
# readers_succeed WHAT: runs, export, history, audit and check, all at once
# while the lock is held; each exits 0 (1 for audit's known violations).
readers_succeed() {
	"$CSPRECON" --master "$B" runs >"$T/r1" 2>"$T/e1" </dev/null & p1=$!
	"$CSPRECON" --master "$B" export --entity relationships >"$T/r2" 2>"$T/e2" </dev/null & p2=$!
	"$CSPRECON" --master "$B" history 0b80a255-53a1-4945-8932-58ef7777682c >"$T/r3" 2>"$T/e3" </dev/null & p3=$!
	"$CSPRECON" --master "$B" audit --report-dir "$T/ra" >"$T/r4" 2>"$T/e4" </dev/null & p4=$!
	"$CSPRECON" -q --master "$B" check --report-dir "$T/rc" samples/night2/resellers.csv >"$T/r5" 2>"$T/e5" </dev/null & p5=$!
	wait $p1; c1=$?
	wait $p2; c2=$?
	wait $p3; c3=$?
	wait $p4; c4=$?
	wait $p5; c5=$?
	expect_eq "$1: runs, export, history, audit, check exit" "0 0 0 $audit_code $check_code" "$c1 $c2 $c3 $c4 $c5"
	expect_eq "$1: runs lists the run" 2 "$(wc -l <"$T/r1" | tr -d ' ')"
	expect_eq "$1: export" "$(cat "$T/expected-export")" "$(cat "$T/r2")"
	expect_eq "$1: no message" "" "$(cat "$T/e1" "$T/e2" "$T/e3" "$T/e5")"
}
B=$T/busy.db
cp "$M" "$B"
run --master "$B" export --entity relationships
cp "$OUT" "$T/expected-export"
run --master "$B" audit --report-dir "$T/ra0"
audit_code=$CODE
run --master "$B" check --report-dir "$T/rc0" samples/night2/resellers.csv
check_code=$CODE
for mode in rollback wal; do
	hold "$B" $mode 2
	readers_succeed "a master held in a $mode journal"
	wait "$HOLDER"
	hold "$B" $mode 3
	started=$(date +%s%N)
	run --master "$B" reconcile --apply --lock-timeout 1 --report-dir "$T/rw" samples/night2/resellers.csv
	waited=$((($(date +%s%N) - started) / 1000000))
	expect_exit 75 "a writer while the master is held in a $mode journal"
	expect_grep "$ERR" "master '$B' is locked by another connection; gave up after 1 s (--lock-timeout)" \
		"a writer while the master is held in a $mode journal: message"
	if [ "$waited" -ge 950 ]; then ok; else not_ok "the writer gave up after $waited ms, before --lock-timeout"; fi
	wait "$HOLDER"
done
expect_eq "a held master: unchanged" 1 "$(sqlite3 "$B" 'SELECT count(*) FROM runs')"

finish
