# t_storage.sh -- the master and the output files on hostile or broken
# storage: a write-ahead log that belongs to another database, a FIFO, a
# read error, the master held by another connection, read-only media, a
# full disk under export, a file with csprecon's application id but not
# its tables, symbolic links planted where temporary files are written, and
# the temporary files a killed run left behind.
. "$(dirname "$0")/../lib.sh"
M=$T/m.db
N1="samples/mpn_ids.csv samples/resellers.csv samples/relationships.csv"
N2="samples/night2/mpn_ids.csv samples/night2/resellers.csv samples/night2/relationships.csv"
umask 022

run --master "$M" init
run -q --master "$M" reconcile --apply --report-dir "$T/n1" $N1
expect_exit 0 "night 1 applies"

sum() { sha256sum "$1" | cut -d' ' -f1; }

# --- a stale -wal of another database beside the master -----------------
# The log of a database that has one table and that was never checkpointed
# (copied while its connection is open).
printf 'PRAGMA journal_mode=wal;\nCREATE TABLE other(x);\nINSERT INTO other VALUES (1);\n.shell cp "%s" "%s"\n' \
	"$T/other.db-wal" "$T/foreign-wal" | sqlite3 "$T/other.db" >/dev/null
if [ -s "$T/foreign-wal" ]; then ok; else not_ok "no foreign log made"; fi
F=$T/f.db
cp "$M" "$F"
cp "$T/foreign-wal" "$F-wal"
before=$(sum "$F")
for c in "reconcile --apply $N2" "reconcile $N2" "init" "runs" "export --entity resellers" "audit"; do
	# shellcheck disable=SC2086
	run --master "$F" $c
	expect_exit 65 "foreign -wal: $c"
	expect_grep "$ERR" "master '$F': '$F-wal' is the write-ahead log of another database; nothing was changed (move it away)" \
		"foreign -wal: $c: message"
	expect_eq "foreign -wal: $c: master unchanged" "$before" "$(sum "$F")"
done
expect_eq "foreign -wal: the log is left where it was" "$(sum "$T/foreign-wal")" "$(sum "$F-wal")"
# Moved away, the master is whole.
rm -f "$F-wal" "$F-shm"
run --master "$F" runs
expect_exit 0 "foreign -wal moved away: runs"
expect_eq "foreign -wal moved away: integrity" ok "$(sqlite3 "$F" 'PRAGMA integrity_check')"

# A foreign log that does not touch page 1: one frame of another, larger
# database's page 3, from an update left in its log.  Identification
# cannot see it; the writers refuse it before their read-write connection
# would checkpoint it into the master.
printf 'PRAGMA page_size=%s;\nPRAGMA journal_mode=wal;\nCREATE TABLE t(id INTEGER PRIMARY KEY, v);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) INSERT INTO t SELECT i, randomblob(300) FROM n;\nPRAGMA wal_checkpoint(TRUNCATE);\nPRAGMA wal_autocheckpoint=0;\nUPDATE t SET v = randomblob(300) WHERE id = 1;\n.shell cp "%s" "%s"\n' \
	"$(sqlite3 "$M" 'PRAGMA page_size')" "$T/big.db-wal" "$T/page-wal" |
	sqlite3 "$T/big.db" >/dev/null
cp "$M" "$F"
cp "$T/page-wal" "$F-wal"
before=$(sum "$F")
for c in "reconcile --apply $N2" "init"; do
	# shellcheck disable=SC2086
	run --master "$F" $c
	expect_exit 65 "foreign -wal without page 1: $c"
	expect_grep "$ERR" "master '$F': with '$F-wal' it does not pass integrity_check" \
		"foreign -wal without page 1: $c: message"
	expect_eq "foreign -wal without page 1: $c: master unchanged" "$before" "$(sum "$F")"
done
rm -f "$F-wal" "$F-shm"

# The header is read before SQLite opens the file: a FIFO does not hang the
# run, and a read error is an I/O error.
mkfifo "$T/fifo.db"
OUT=$T/stdout ERR=$T/stderr
timeout 60 "$CSPRECON" --master "$T/fifo.db" runs >"$OUT" 2>"$ERR" </dev/null
CODE=$?
expect_exit 65 "a FIFO as the master"
expect_grep "$ERR" "'$T/fifo.db' is not a csprecon master (not an SQLite database)" "a FIFO as the master: message"
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
	# LeakSanitizer cannot run under ptrace.
	OUT=$T/stdout ERR=$T/stderr
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -o /dev/null -P "$M" -e trace=read -e inject=read:error=EIO \
		"$CSPRECON" --master "$M" runs >"$OUT" 2>"$ERR" </dev/null
	CODE=$?
	expect_exit 74 "a read error on the master's header"
	expect_grep "$ERR" "csprecon: cannot read master '$M': Input/output error" \
		"a read error on the master's header: message"
	# SQLite's own first read of the file fails: an I/O error (74), not
	# "cannot be opened" (66).
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -o /dev/null -P "$M" -e trace=pread64 \
		-e inject=pread64:error=EIO:when=1 \
		"$CSPRECON" --master "$M" runs >"$OUT" 2>"$ERR" </dev/null
	CODE=$?
	expect_exit 74 "a read error on the master's first page"
	expect_grep "$ERR" "disk I/O error" "a read error on the master's first page: message"
else
	echo "$NAME: skipped: a read error on the master's header (no strace)" >&2
fi

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

# --- a master on read-only media -----------------------------------------
# ro_run DIR ARGS...: `run` with DIR read-only: by its mode for a user, in
# a read-only bind mount for root (whom modes do not stop); RO is set when
# this system can do neither.
RO=
# A name with what a URI would read as a query, a fragment or an escape.
D="$T/read only?a=%41#b"
mkdir "$D"
if [ "$(id -u)" != 0 ]; then
	RO=mode
elif unshare --mount sh -c 'mount --bind -o ro "$1" "$1" && ! touch "$1/x"' sh "$D" 2>/dev/null; then
	RO=mount
else
	echo "$NAME: skipped: read-only media (root, and no mount namespace here)" >&2
fi
ro_run() {
	_d=$1
	shift
	OUT=$T/stdout ERR=$T/stderr
	if [ "$RO" = mode ]; then
		chmod a-w "$_d"
		"$CSPRECON" "$@" >"$OUT" 2>"$ERR" </dev/null
		CODE=$?
		chmod u+w "$_d"
	else
		unshare --mount sh -c 'mount --bind -o ro "$1" "$1" && shift && exec "$@"' \
			sh "$_d" "$CSPRECON" "$@" >"$OUT" 2>"$ERR" </dev/null
		CODE=$?
	fi
}
if [ -n "$RO" ]; then
	cp "$M" "$D/m.db"
	ro_run "$D" --master "$D/m.db" runs
	expect_exit 0 "read-only media: runs"
	expect_grep "$ERR" "warning: master '$D/m.db' is on read-only storage; it is read as an immutable file" \
		"read-only media: runs: note"
	expect_eq "read-only media: runs lists the run" 2 "$(wc -l <"$OUT" | tr -d ' ')"
	ro_run "$D" --master "$D/m.db" export --entity relationships
	expect_exit 0 "read-only media: export"
	expect_same "$T/expected-export" "$OUT" "read-only media: export"
	ro_run "$D" -q --master "$D/m.db" history 0b80a255-53a1-4945-8932-58ef7777682c
	expect_exit 0 "read-only media: history"
	expect_eq "read-only media: -q: no note" "" "$(cat "$ERR")"
	ro_run "$D" --master "$D/m.db" audit --report-dir "$T/roa"
	expect_exit "$audit_code" "read-only media: audit"
	ro_run "$D" --master "$D/m.db" check --report-dir "$T/roc" samples/night2/resellers.csv
	expect_exit "$check_code" "read-only media: check"
	ro_run "$D" --master "$D/m.db" reconcile --report-dir "$T/ror" $N2
	expect_exit 0 "read-only media: a dry run"
	ro_run "$D" --master "$D/m.db" reconcile --apply --report-dir "$T/rorw" $N2
	expect_exit 73 "read-only media: --apply"
	expect_grep "$ERR" "cannot create lock file '$D/m.db.lock': " "read-only media: --apply: message"
	# A log that holds committed changes cannot be read without its -shm,
	# and leaving it out would show an older master: refused.
	cp "$M" "$T/m2.db"
	printf 'PRAGMA wal_autocheckpoint=0;\nUPDATE runs SET command = command || '"' '"';\n.shell cp "%s" "%s" "%s"\n' \
		"$T/m2.db" "$T/m2.db-wal" "$D/" | sqlite3 "$T/m2.db" >/dev/null 2>&1
	if [ -s "$D/m2.db-wal" ]; then ok; else not_ok "read-only media: no log made"; fi
	ro_run "$D" --master "$D/m2.db" runs
	expect_exit 74 "read-only media with a log"
	expect_grep "$ERR" "master '$D/m2.db' is on read-only storage with a write-ahead log that cannot be read without creating '$D/m2.db-shm'" \
		"read-only media with a log: message"
fi

# --- standard output on a full disk: the real reason ---------------------
if [ -w /dev/full ]; then
	for f in csv xml; do
		"$CSPRECON" --master "$M" export --entity relationships --format $f >/dev/full 2>"$T/stderr" </dev/null
		CODE=$? ERR=$T/stderr
		expect_exit 74 "export $f to a full disk"
		expect_eq "export $f to a full disk: message" \
			"csprecon: cannot write standard output: No space left on device" "$(cat "$ERR")"
	done
fi

# A file too large for its disk (a file size limit of 40 KiB, above the
# master's 32 KiB -shm, stands in): the reason, and neither the file nor a
# temporary one left.
sh scripts/gen-batch -n 3000 -o "$T/g" >/dev/null
run --master "$T/g.db" init
run -q --master "$T/g.db" reconcile --apply --report-dir "$T/gr" "$T"/g/*.csv
expect_exit 0 "3,000 relationships applied"
mkdir "$T/big"
for f in csv xml.gz; do
	(
		trap '' XFSZ
		ulimit -f 80
		run --master "$T/g.db" export --entity relationships -o "$T/big/r.$f"
		exit "$CODE"
	)
	CODE=$? ERR=$T/stderr
	expect_exit 74 "export -o $f over the file size limit"
	expect_eq "export -o $f over the file size limit: message" \
		"csprecon: cannot write '$T/big/r.$f': File too large" "$(cat "$ERR")"
	expect_eq "export -o $f over the file size limit: nothing left" "" "$(ls -A "$T/big")"
done

# --- csprecon's application id without its tables -------------------------
sqlite3 "$T/bare.db" "PRAGMA application_id = 1129533522; PRAGMA user_version = 1"
for c in init runs "reconcile --apply $N1"; do
	# shellcheck disable=SC2086
	run --master "$T/bare.db" $c
	expect_exit 65 "application id without tables: $c"
	expect_grep "$ERR" "'$T/bare.db' has csprecon's application id but not its tables (no table 'runs'); not a usable csprecon master" \
		"application id without tables: $c: message"
done
expect_eq "application id without tables: left as it was" "" "$(sqlite3 "$T/bare.db" .tables)"
cp "$M" "$T/notall.db"
sqlite3 "$T/notall.db" "DROP TABLE findings"
run --master "$T/notall.db" init
expect_exit 65 "a table missing"
expect_grep "$ERR" "'$T/notall.db' has csprecon's application id but not its tables (no table 'findings'); not a usable csprecon master" \
	"a table missing: message"

# --- planted symbolic links at the temporary names ------------------------
# The names the reports and export -o used to write to were predictable
# (".NAME.tmp.PID", "PATH.tmp.PID"): a link planted at each, for the pid
# csprecon will have (the shell's, which it replaces), must not be followed.
echo "precious" >"$T/victim"
R=$T/sym
mkdir "$R"
sh -c 'for n in rejects.csv changes.csv summary.txt summary.json; do
		ln -s "$1" "$2/.$n.tmp.$$"
	done
	ln -s "$1" "$3.tmp.$$"
	exec "$4" --master "$5" reconcile --report-dir "$2" $6' \
	sh "$T/victim" "$R" "$T/none" "$CSPRECON" "$M" "$N2" >"$T/stdout" 2>"$T/stderr"
CODE=$? ERR=$T/stderr
expect_exit 0 "reports with planted links"
expect_eq "reports with planted links: target untouched" precious "$(cat "$T/victim")"
expect_grep "$R/summary.txt" "resellers" "reports with planted links: summary written"
expect_eq "reports with planted links: report modes" "644 644 644 644" \
	"$(stat -c %a "$R/rejects.csv" "$R/changes.csv" "$R/summary.txt" "$R/summary.json" | tr '\n' ' ' | sed 's/ $//')"
for x in resellers.csv resellers.xml.gz; do
	sh -c 'ln -s "$1" "$2.tmp.$$"; exec "$3" --master "$4" export --entity resellers -o "$2"' \
		sh "$T/victim" "$T/$x" "$CSPRECON" "$M" >"$T/stdout" 2>"$T/stderr"
	CODE=$? ERR=$T/stderr
	expect_exit 0 "export -o $x with a planted link"
	expect_eq "export -o $x with a planted link: target untouched" precious "$(cat "$T/victim")"
done
expect_eq "export -o with a planted link: file written" 11 "$(wc -l <"$T/resellers.csv" | tr -d ' ')"
expect_eq "export -o with a planted link: mode" 644 "$(stat -c %a "$T/resellers.csv")"

# --- the temporary files a killed run left --------------------------------
# A run's temporary files are named ".NAME.tmp.PID.XXXXXX"; the next run
# that writes NAME there removes those whose process no longer runs, and
# leaves a running one's and other names' alone.
sh -c 'exit 0' &
dead=$!
wait $dead
R=$T/stale
mkdir "$R"
for n in rejects.csv summary.txt summary.json; do
	echo partial >"$R/.$n.tmp.$dead.Ab3xYz"
done
echo running >"$R/.summary.txt.tmp.$$.Qw8eRt"
echo other >"$R/.notes.txt.tmp.$dead.Ab3xYz"
echo partial >"$T/.resellers.csv.tmp.$dead.Zz9zZz"
run --master "$M" check --report-dir "$R" $N2
expect_exit 0 "reports beside a killed run's temporary files"
expect_eq "a killed run's temporary files removed, a running one's and other names' kept" \
	".notes.txt.tmp.$dead.Ab3xYz .summary.txt.tmp.$$.Qw8eRt by-reseller.csv cases.csv findings.jsonl rejects.csv summary.json summary.txt" \
	"$(ls -A "$R" | tr '\n' ' ' | sed 's/ $//')"
run --master "$M" export --entity resellers -o "$T/resellers.csv"
expect_exit 0 "export beside a killed run's temporary file"
if [ -e "$T/.resellers.csv.tmp.$dead.Zz9zZz" ]; then
	not_ok "export left a killed run's temporary file"
else ok; fi

finish
