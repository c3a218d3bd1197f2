#!/bin/sh
# stress.sh BINARY -- crashes, concurrent runs and full disks against
# `reconcile --apply` (`make stress`; a few minutes, run as root for the
# tmpfs cases).
#
# A master is made from a generated batch (scripts/gen-batch -n
# STRESS_ROWS, default 20000 relationships) and its first night; then the
# second night is applied to a fresh copy of it, again and again, while:
#
# - kills: SIGKILL at STRESS_KILLS (default 60) random moments, and through
#   strace's fault injection at syscalls: a spread of the pwrite64 and write
#   calls, every fdatasync and fsync, and every rename -- the report renames
#   come after the COMMIT's WAL sync, where SQLite cannot help.  Each killed
#   run must leave the master exactly as before the night or exactly as
#   after it (the `export` of every entity and the ledger's applied runs
#   and changes), after a report rename exactly as after it;
#   PRAGMA integrity_check ok; the same night run again with the same report
#   directory exits 0 and leaves the master as after; and no temporary file
#   (whatever its name: a report's or an export's) is left after that run.  An
#   `export -o` killed before its rename: the next export to the same file
#   leaves no temporary file either.
# - concurrency: four writers (a fifth with --lock-timeout 0) applying
#   snapshot and delta batches in rounds, while `runs`, `export`, `audit`,
#   `history` and `check --master` read in loops.  Every writer applies or
#   exits 75 having waited its --lock-timeout; no reader fails (runs, export, history exit 0; audit and
#   check 0 or 1); every export a reader took is the master after some
#   prefix of the ledger's order; replaying the applied runs serially in the
#   ledger's order gives each writer's exit code and the same end state.
# - faults: ENOSPC and EIO injected by strace into the master's writes,
#   syncs and reads, the reports' writes and syncs and (all pwrite64) the
#   SQLITE_TMPDIR files; as root also a small tmpfs holding the master, the
#   report directory (filled page by page up to each report, and with no
#   inode left) or SQLITE_TMPDIR (not root: the injections stand in).  Each
#   must exit 74 (73 when a report cannot be created) with a message giving
#   the reason and nothing applied -- or, for the master and SQLITE_TMPDIR,
#   exit 0 with the night applied when the fault did not reach the
#   transaction (SQLite retried the write, it came after the COMMIT, or the
#   space sufficed); then the next run succeeds, with no temporary file left.
#
# Prints every kill point and fault tried, then the kill points tried, the
# runs and rows, and "N passed, N failed"; exits non-zero when anything
# failed.  Needs strace and sqlite3 (scripts/install-deps stress).
# STRESS_SEED (default 1) chooses the random moments; STRESS_PARTS (default
# "kills concurrency faults") runs some of the three; STRESS_ROUNDS (3) is
# how many times each writer applies its batches.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
rows=${STRESS_ROWS:-20000}
kills=${STRESS_KILLS:-60}
seed=${STRESS_SEED:-1}
parts=${STRESS_PARTS:-kills concurrency faults}
part() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }
for tool in strace sqlite3; do
	command -v $tool >/dev/null || {
		echo "stress: $tool is not installed (scripts/install-deps stress)" >&2
		exit 1
	}
done
T=$(mktemp -d "${TMPDIR:-/tmp}/csprecon-stress.XXXXXX")
MOUNTS=
wp='' rp=''
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$wp$rp" ] && kill $wp $rp 2>/dev/null && wait
	for m in $MOUNTS; do umount "$m" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
LC_ALL=C
export LC_ALL
unset CSPRECON_MASTER
cd "$T" || exit 1
passed=0 failed=0 runs=0

ok() { passed=$((passed + 1)); }
not_ok() {
	failed=$((failed + 1))
	printf 'stress: FAIL: %s\n' "$*" >&2
	FAILS="$FAILS; $*"
}
# expect WHAT EXPECTED ACTUAL
expect() {
	if [ "$2" = "$3" ]; then ok; else not_ok "$1: got '$3', expected '$2'"; fi
}
now_ns() { date +%s%N; }

# --- the batch, the master after its first night, and the second night
sh "$top/scripts/gen-batch" -n "$rows" -2 -o "$T/batch" >/dev/null
N1="$T/batch/mpn_ids.csv $T/batch/resellers.csv $T/batch/relationships.csv"
N2="$T/batch/night2/mpn_ids.csv $T/batch/night2/resellers.csv $T/batch/night2/relationships.csv"
nrows=$(awk 'FNR > 1' $N2 | wc -l)
"$bin" -q --master "$T/base.db" init
"$bin" -q --master "$T/base.db" reconcile --apply --report-dir "$T/r0" $N1 ||
	{ echo "stress: the first night does not apply" >&2; exit 1; }
rm -f "$T/base.db.lock"
runs=$((runs + 2))

ENTITIES="mpn_ids resellers relationships"

# ledger DB: the ledger's applied runs and change rows.  Every look at a
# master here is read-only (csprecon export, sqlite3 -readonly), so that
# the next run finds the -wal a killed run left, not a checkpointed file.
ledger() {
	sqlite3 -readonly "$1" "SELECT (SELECT count(*) FROM runs WHERE applied = 1),
		(SELECT count(*) FROM changes)" 2>&1 | tr '|' ' '
}

# exports DB PREFIX: PREFIX.ENTITY, the export of each entity; 0 or the
# first failing export's exit code (its stderr in PREFIX.err).
exports() {
	for _e in $ENTITIES; do
		"$bin" --master "$1" export --entity $_e >"$2.$_e" 2>"$2.err" ||
			return $?
	done
	return 0
}

# side DB [again]: "before" or "after" when the master is exactly as
# before or after the second night, else what differs.  With "again" the
# night ran twice: the second applied nothing but has its own ledger row.
side() {
	if ! exports "$1" "$T/x"; then
		echo "export fails: $(head -c 300 "$T/x.err")"
		return
	fi
	_sides=
	for _e in $ENTITIES; do
		if cmp -s "$T/x.$_e" "$T/before.$_e" && cmp -s "$T/x.$_e" "$T/after.$_e"; then
			continue # the night does not change this entity
		elif cmp -s "$T/x.$_e" "$T/before.$_e"; then _sides="$_sides $_e:before"
		elif cmp -s "$T/x.$_e" "$T/after.$_e"; then _sides="$_sides $_e:after"
		else _sides="$_sides $_e:neither"; fi
	done
	_l=$(ledger "$1")
	case ${2:-}:$_l in
	again:[0-9]*" "[0-9]*) _l="$((${_l% *} - 1)) ${_l#* }" ;;
	esac
	if [ "$_l" = "$LEDGER_BEFORE" ]; then _sides="$_sides ledger:before"
	elif [ "$_l" = "$LEDGER_AFTER" ]; then _sides="$_sides ledger:after"
	else _sides="$_sides ledger:neither($_l)"; fi
	case $_sides in
	*neither*) echo "$_sides" ;;
	*before*after* | *after*before*) echo "mixed:$_sides" ;;
	*before*) echo before ;;
	*) echo after ;;
	esac
}

integrity() { sqlite3 -readonly "$1" 'PRAGMA integrity_check' 2>&1 | head -c 300; }

# The second night, applied to a fresh copy of the base master in $K.
K=$T/k
fresh() {
	rm -rf "$K"
	mkdir -p "$K"
	cp "$T/base.db" "$K/m.db"
}
APPLY="-q --master $K/m.db reconcile --apply --report-dir $K/r $N2"

fresh
exports "$T/base.db" "$T/before" || { echo "stress: export fails" >&2; exit 1; }
LEDGER_BEFORE=$(ledger "$T/base.db")
t0=$(now_ns)
# shellcheck disable=SC2086
"$bin" $APPLY || { echo "stress: the second night does not apply" >&2; exit 1; }
dur_ns=$(($(now_ns) - t0))
runs=$((runs + 1))
exports "$K/m.db" "$T/after"
LEDGER_AFTER=$(ledger "$K/m.db")
cp -r "$K/r" "$T/k0r"
ls -A "$K/r" >"$T/reports"
nchanges=$(($(wc -l <"$K/r/changes.csv") - 1))
if cmp -s "$T/before.relationships" "$T/after.relationships"; then
	echo "stress: the second night changes nothing" >&2
	exit 1
fi
echo "stress: $rows relationships; the second night: $nrows rows, $nchanges changes, $((dur_ns / 1000000)) ms"

# How many times one thread makes each syscall in a second night, and how
# many of them are the master's (strace -y names each descriptor's file).
fresh
# shellcheck disable=SC2086
strace -f -qq -y -o "$T/ref.trace" -e trace=pwrite64,pread64,write,fsync,fdatasync,rename \
	"$bin" $APPLY
runs=$((runs + 1))
# count SYSCALL [PATH...]: the most calls one thread made (on one of the
# files named, when any is).
count() {
	_sc=$1
	shift
	awk -v sc="$_sc(" -v paths="$*" '
		BEGIN { np = split(paths, path, " ") }
		index($2, sc) == 1 {
			hit = np == 0
			for (i = 1; i <= np && !hit; i++)
				hit = index($0, "<" path[i] ">") > 0
			if (hit) n[$1]++
		}
		END { m = 0; for (p in n) if (n[p] > m) m = n[p]; print m }' "$T/ref.trace"
}
# spread MAX K: K numbers from 1 to MAX, evenly apart.
spread() {
	awk -v max="$1" -v k="$2" 'BEGIN {
		if (max < 1) exit
		if (k > max) k = max
		for (i = 0; i < k; i++) {
			v = k > 1 ? 1 + int(i * (max - 1) / (k - 1) + 0.5) : 1
			if (v != last) print v
			last = v
		} }'
}

# leftovers REPORT_DIR: the files in REPORT_DIR that a run does not write
# there, and in $K other than the master's, whatever their names (the
# temporary files of today are .NAME.tmp.PID).
leftovers() {
	{
		ls -A "$1" | grep -v -x -F -f "$T/reports"
		ls -A "$K" | grep -v -x -e m.db -e m.db-wal -e m.db-shm -e m.db.lock -e r
	} | tr '\n' ' '
}

# ----------------------------------------------------------------- kills
FAILS=
tried=0 killed=0 finished=0 n_before=0 n_after=0

# next_run LABEL STATE REPORT_DIR WHAT: how every kill and fault ends, the
# master being in STATE: integrity_check ok; the night run again with the
# same report directory exits 0 and leaves the master as after,
# integrity_check ok and no file that a run does not write; then a line
# saying WHAT, and ok or FAILED.
next_run() {
	expect "$1: integrity_check" ok "$(integrity "$K/m.db")"
	# shellcheck disable=SC2086
	"$bin" -q --master "$K/m.db" reconcile --apply --report-dir "$3" $N2 2>"$T/next.err"
	_next=$?
	runs=$((runs + 1))
	expect "$1: the next run's exit code ($(head -c 300 "$T/next.err"))" 0 "$_next"
	if [ "$2" = before ]; then _again=; else _again=again; fi
	expect "$1: the master after the next run" after "$(side "$K/m.db" $_again)"
	expect "$1: integrity_check after the next run" ok "$(integrity "$K/m.db")"
	expect "$1: temporary files left after the next run" "" "$(leftovers "$3")"
	if [ -n "$FAILS" ]; then echo "$1: $4: FAILED"; else echo "$1: $4: ok"; fi
}

# judge LABEL CODE MUST: the checks after one kill point; MUST is "after"
# when the run was killed after its COMMIT.
judge() {
	_label="kill at $1" _code=$2 _must=$3
	FAILS=
	tried=$((tried + 1))
	_s=$(side "$K/m.db")
	if [ "$_code" -eq 137 ]; then
		killed=$((killed + 1))
		case $_s in
		before) n_before=$((n_before + 1)) ;;
		after) n_after=$((n_after + 1)) ;;
		esac
		if [ "$_must" = after ]; then
			expect "$_label: the master after a COMMIT" after "$_s"
		else
			case $_s in
			before | after) ok ;;
			*) not_ok "$_label: the master is neither as before nor as after: $_s" ;;
			esac
		fi
		_what="killed, master $_s"
	else
		finished=$((finished + 1))
		expect "$_label: not reached, the run's exit code" 0 "$_code"
		expect "$_label: not reached, the master" after "$_s"
		_what="not reached (exit $_code)"
	fi
	next_run "$_label" "$_s" "$K/r" "$_what"
}

# kill_at SYSCALL N MUST: SIGKILL on entering the Nth SYSCALL of a thread.
kill_at() {
	fresh
	# shellcheck disable=SC2086
	strace -f -qq -o /dev/null -e trace="$1" \
		-e inject="$1":signal=SIGKILL:when="$2" "$bin" $APPLY 2>"$T/run.err"
	_c=$?
	runs=$((runs + 1))
	judge "$1 #$2" $_c "$3"
}

# kill_after SECONDS: SIGKILL after a delay; a run that finishes first
# shortens $dur_ns, the span the delays are drawn from, to its own time.
kill_after() {
	fresh
	# shellcheck disable=SC2086
	_t0=$(now_ns)
	"$bin" $APPLY 2>"$T/run.err" &
	_pid=$!
	sleep "$1"
	kill -KILL $_pid 2>/dev/null
	{ wait $_pid; } 2>/dev/null
	_c=$?
	[ $_c -ne 137 ] && [ $(($(now_ns) - _t0)) -lt "$dur_ns" ] &&
		dur_ns=$(($(now_ns) - _t0))
	runs=$((runs + 1))
	judge "${1} s" $_c either
}

if part kills; then
# The report renames come after the COMMIT: each leaves the master as after.
for n in $(spread "$(count rename)" 10); do kill_at rename "$n" after; done
for sc in fdatasync fsync; do
	for n in $(spread "$(count $sc)" 20); do kill_at $sc "$n" either; done
done
for n in $(spread "$(count write)" 8); do kill_at write "$n" either; done
for n in $(spread "$(count pwrite64)" 30); do kill_at pwrite64 "$n" either; done
# STRESS_KILLS runs killed at random moments (up to three times as many
# tried, when runs finish first).
awk -v n="$kills" -v seed="$seed" 'BEGIN {
	srand(seed)
	for (i = 0; i < 3 * n; i++) printf "%.6f\n", rand() }' >"$T/draws"
k0=$killed
for u in $(cat "$T/draws"); do
	[ $((killed - k0)) -lt "$kills" ] || break
	kill_after "$(awk -v u="$u" -v d="$dur_ns" 'BEGIN { printf "%.4f", u * d / 1e9 }')"
done

# An export to a file killed before its rename: the next export to the
# same file succeeds and leaves no temporary file.
for sc in write rename; do
	FAILS=
	rm -rf "$K"
	mkdir -p "$K"
	strace -f -qq -o /dev/null -e trace=$sc -e inject=$sc:signal=SIGKILL:when=1 \
		"$bin" --master "$T/base.db" export --entity relationships -o "$K/rel.csv" 2>/dev/null
	c=$?
	tried=$((tried + 1)) killed=$((killed + 1)) runs=$((runs + 2))
	expect "kill at export's $sc #1: killed" 137 $c
	"$bin" --master "$T/base.db" export --entity relationships -o "$K/rel.csv"
	expect "kill at export's $sc #1: the next export's exit code" 0 $?
	if cmp -s "$K/rel.csv" "$T/before.relationships"; then ok; else
		not_ok "kill at export's $sc #1: the next export differs from the master"
	fi
	expect "kill at export's $sc #1: temporary files left after the next export" \
		"" "$(cd "$K" && ls -A | grep -v -x rel.csv | tr '\n' ' ')"
	if [ -n "$FAILS" ]; then res=FAILED; else res=ok; fi
	echo "kill at export's $sc #1: $res"
done
echo "stress: kill points: $tried tried, $killed killed the run ($n_before left the master as before, $n_after as after), $finished finished first"
fi

# ----------------------------------------------------------- concurrency
if part concurrency; then
FAILS=
C=$T/conc
mkdir -p "$C/out"
rounds=${STRESS_ROUNDS:-3}
# job NAME ARGS...: a batch for one writer (files in $C/NAME).
job() {
	mkdir -p "$C/$1"
	_j=$1
	shift
	echo "$*" >"$C/$_j/args"
}
# delta_names SRC DEST K TAG: the rows of SRC whose line number is K
# modulo 4 (all rows when K is "all"), their second column (a name)
# ending in TAG.
delta_names() {
	awk -F, -v OFS=, -v k="$3" -v tag="$4" 'NR == 1 { print; next }
		k == "all" || NR % 4 == k { $2 = $2 tag; print }' "$1" >"$2"
}
for e in $ENTITIES; do
	mkdir -p "$C/j1" "$C/j2"
	cp "$T/batch/night2/$e.csv" "$C/j1/"
	cp "$T/batch/$e.csv" "$C/j2/"
done
job j1 "$C/j1/mpn_ids.csv $C/j1/resellers.csv $C/j1/relationships.csv"
job j2 "$C/j2/mpn_ids.csv $C/j2/resellers.csv $C/j2/relationships.csv"
for k in 3 4 6; do
	job j$k "--mode delta $C/j$k/relationships.csv"
	delta_names "$T/batch/relationships.csv" "$C/j$k/relationships.csv" $((k % 4)) " w$k"
done
job j5 "--mode delta $C/j5/resellers.csv"
delta_names "$T/batch/resellers.csv" "$C/j5/resellers.csv" all " w5"
cp "$T/base.db" "$C/m.db"
KEY=$(sed -n 2p "$T/batch/resellers.csv" | cut -d, -f1)

# writer NAME LOCK_TIMEOUT JOB...: apply each job in turn, $rounds times;
# logs "REPORT_DIR EXIT_CODE SECONDS LOCK_TIMEOUT" per run.
writer() {
	_w=$1 _lt=$2
	shift 2
	while [ ! -e "$C/go" ]; do sleep 0.01; done
	_r=0
	while [ $_r -lt "$rounds" ]; do
		for _j in "$@"; do
			_d=$_j.$_w.$_r
			_t0=$(date +%s)
			# shellcheck disable=SC2046
			"$bin" -q --master "$C/m.db" reconcile --apply \
				--lock-timeout "$_lt" --report-dir "$C/out/$_d" \
				$(cat "$C/$_j/args") 2>"$C/out/$_d.err"
			echo "$_d $? $(($(date +%s) - _t0)) $_lt" >>"$C/w.$_w.log"
		done
		_r=$((_r + 1))
	done
}

# reader NAME OK_CODES ARGS...: run the binary on the master until the
# writers are done; logs each exit code, and each failure's stderr.
reader() {
	_n=$1 _codes=$2
	shift 2
	while [ ! -e "$C/go" ]; do sleep 0.01; done
	while :; do
		"$bin" --master "$C/m.db" "$@" >"$C/rd.$_n.out" 2>"$C/rd.$_n.err"
		_c=$?
		echo "$_c" >>"$C/rd.$_n.log"
		case " $_codes " in
		*" $_c "*)
			[ "$_n" = export ] && sha256sum <"$C/rd.$_n.out" | cut -c1-64 >>"$C/rd.sums" ;;
		*) echo "exit $_c: $(head -c 300 "$C/rd.$_n.err")" >>"$C/rd.$_n.fail" ;;
		esac
		[ -e "$C/stop" ] || [ ! -d "$C" ] && break
		# Pauses let a writer find the master closed by every reader
		# (its close then checkpoints under an exclusive lock).
		sleep 0.05
	done
}

writer p1 30 j1 j3 & wp="$!"
writer p2 30 j2 j4 & wp="$wp $!"
writer p3 30 j5 j1 & wp="$wp $!"
writer p4 30 j3 j2 & wp="$wp $!"
writer p5 0 j6 & wp="$wp $!"
reader runs "0" runs & rp="$!"
reader export "0" export --entity relationships & rp="$rp $!"
reader audit "0 1" -q audit --report-dir "$C/rd-audit" & rp="$rp $!"
reader history "0" history "$KEY" & rp="$rp $!"
reader check "0 1" -q check --report-dir "$C/rd-check" "$T/batch/resellers.csv" "$T/batch/mpn_ids.csv" & rp="$rp $!"
touch "$C/go"
for p in $wp; do wait "$p"; done
touch "$C/stop"
for p in $rp; do wait "$p"; done
wp='' rp=''

cat "$C"/w.*.log | sort >"$C/writers"
nwrites=$(wc -l <"$C/writers")
n75=$(awk '$2 == 75' "$C/writers" | wc -l)
nreads=$(cat "$C"/rd.*.log | wc -l)
runs=$((runs + nwrites + nreads))
# Every writer applies (0 or 1) or finds the master locked (75) after
# waiting its --lock-timeout.
while read -r d code secs lt; do
	case $code in
	0 | 1) ok ;;
	75)
		if [ "$secs" -ge "$lt" ]; then ok; else
			not_ok "concurrency: writer $d exited 75 after $secs s, before its --lock-timeout $lt: $(head -c 300 "$C/out/$d.err")"
		fi ;;
	*) not_ok "concurrency: writer $d exited $code: $(head -c 300 "$C/out/$d.err")" ;;
	esac
done <"$C/writers"
for n in runs export audit history check; do
	nf=0
	[ -e "$C/rd.$n.fail" ] && nf=$(wc -l <"$C/rd.$n.fail")
	expect "concurrency: $n readers that failed, of $(wc -l <"$C/rd.$n.log") ($(head -n 1 "$C/rd.$n.fail" 2>/dev/null))" 0 "$nf"
done
expect "concurrency: integrity_check" ok "$(integrity "$C/m.db")"

# The ledger's order, replayed serially on the base master.
sqlite3 -separator ' ' "$C/m.db" "SELECT command FROM runs WHERE id > 1 ORDER BY id" |
	sed -E 's|.*--report-dir [^ ]*/out/([^ ]*) .*|\1|' >"$C/order"
awk '$2 != 75 { print $1 }' "$C/writers" | sort >"$C/applied"
sort "$C/order" >"$C/order.sorted"
expect "concurrency: the runs in the ledger are the writers that did not exit 75" \
	"$(tr '\n' ' ' <"$C/applied")" "$(tr '\n' ' ' <"$C/order.sorted")"
cp "$T/base.db" "$C/replay.db"
"$bin" --master "$C/replay.db" export --entity relationships | sha256sum | cut -c1-64 >"$C/states"
while read -r d; do
	j=${d%%.*}
	# shellcheck disable=SC2046
	"$bin" -q --master "$C/replay.db" reconcile --apply \
		--report-dir "$C/replay-out" $(cat "$C/$j/args") 2>"$C/replay.err"
	code=$?
	runs=$((runs + 1))
	expect "concurrency: $d replayed in the ledger's order, its exit code" \
		"$(awk -v d="$d" '$1 == d { print $2 }' "$C/writers")" "$code"
	"$bin" --master "$C/replay.db" export --entity relationships | sha256sum | cut -c1-64 >>"$C/states"
done <"$C/order"
exports "$C/m.db" "$C/end"
exports "$C/replay.db" "$C/serial"
for e in $ENTITIES; do
	if cmp -s "$C/end.$e" "$C/serial.$e"; then ok; else
		not_ok "concurrency: the end state of $e differs from the ledger's serial order"
	fi
done
nsums=0 stray=0
if [ -e "$C/rd.sums" ]; then
	nsums=$(wc -l <"$C/rd.sums")
	stray=$(grep -c -v -x -F -f "$C/states" "$C/rd.sums")
fi
expect "concurrency: exports by a reader that are no state of the serial order, of $nsums" 0 "$stray"
if [ -n "$FAILS" ]; then res=FAILED; else res=ok; fi
echo "stress: concurrency: $nwrites writer runs ($n75 exited 75, $(wc -l <"$C/order") in the ledger), $nreads reader runs: $res"
fi

# ---------------------------------------------------------------- faults
if part faults; then
FAILS=
ftried=0 refused=0 absorbed=0
MDB="$K/m.db $K/m.db-wal"

# fjudge LABEL CODE WANT REASON ABSORB REPORT_DIR: the checks after one
# fault: exit WANT with a message matching REASON (an extended regular
# expression) and nothing applied, or (when ABSORB is "absorb": SQLite
# retried the write, it came after the commit, or the space sufficed) exit
# 0 and applied; then next_run.
fjudge() {
	_label="fault $1" _code=$2 _want=$3 _reason=$4 _absorb=$5
	FAILS=
	ftried=$((ftried + 1))
	_s=$(side "$K/m.db")
	if [ "$_code" = 0 ] && [ "$_absorb" = absorb ]; then
		absorbed=$((absorbed + 1))
		expect "$_label: applied, the master" after "$_s"
		_what="applied (exit 0), master $_s"
	else
		refused=$((refused + 1))
		expect "$_label: exit code ($(head -c 300 "$T/run.err"))" "$_want" "$_code"
		expect "$_label: nothing applied" before "$_s"
		if grep -Eq "^csprecon: .*($_reason)" "$T/run.err"; then ok; else
			not_ok "$_label: no message saying '$_reason': '$(head -c 300 "$T/run.err")'"
		fi
		_what="exit $_code, master $_s"
	fi
	next_run "$_label" "$_s" "$6" "$_what"
}

# inject SYSCALL ERRNO N WANT REASON ABSORB [PATH...]: fail the Nth
# SYSCALL of a thread (on one of the files, when any is named) with ERRNO.
# A run that makes fewer such calls than the reference (its run id may be
# shorter) is judged as a run with no fault.
inject() {
	_sc=$1 _err=$2 _n=$3 _want=$4 _reason=$5 _absorb=$6
	shift 6
	_p=
	for _f in "$@"; do _p="$_p -P $_f"; done
	fresh
	# shellcheck disable=SC2086
	strace -f -qq -o "$T/inject.trace" $_p -e trace="$_sc" \
		-e inject="$_sc":error="$_err":when="$_n" "$bin" $APPLY 2>"$T/run.err"
	_c=$?
	runs=$((runs + 1))
	if [ $# -gt 0 ]; then _on="the master's"; else _on=every; fi
	_l="$_err at $_on $_sc #$_n"
	if ! grep -q INJECTED "$T/inject.trace"; then
		_l="$_l (not reached)" _absorb=absorb
	fi
	fjudge "$_l" $_c "$_want" "$_reason" "$_absorb" "$K/r"
}

# SQLite's messages for the master: ENOSPC on the -shm is an I/O error to
# it, and since 3.37 EIO from a read is a "malformed" database
# (SQLITE_IOERR_CORRUPTFS).
FULL="database or disk is full|disk I/O error"
EIO="disk I/O error|database disk image is malformed"
for n in $(spread "$(count pwrite64 $MDB)" 10); do
	inject pwrite64 ENOSPC "$n" 74 "$FULL" absorb $MDB
done
for n in $(spread "$(count fdatasync $MDB)" 10); do
	inject fdatasync EIO "$n" 74 "$EIO" absorb $MDB
done
for n in $(spread "$(count pread64 $MDB)" 5); do
	inject pread64 EIO "$n" 74 "$EIO" absorb $MDB
done
# pwrite64 on every file: the master's and SQLITE_TMPDIR's.
for n in $(spread "$(count pwrite64)" 8); do
	inject pwrite64 ENOSPC "$n" 74 "$FULL" absorb
done
# Under -q, write(2) and fsync(2) are the reports'.
for n in $(spread "$(count write)" 8); do
	inject write ENOSPC "$n" 74 "No space left on device" no
done
for n in $(spread "$(count fsync)" 10); do
	inject fsync EIO "$n" 74 "Input/output error" no
done

# The tmpfs cases: a small file system that fills.
if [ "$(id -u)" -eq 0 ] && mkdir "$T/mnt" && mount -t tmpfs -o size=1m tmpfs "$T/mnt" 2>/dev/null; then
	umount "$T/mnt"
	tmpfs=yes
else
	tmpfs=no
	echo "stress: not root (or mount refused): the tmpfs cases are skipped; strace's injections above stand in"
fi
PG=4096
# mnt DIR SIZE [OPTIONS]: a tmpfs of SIZE bytes on DIR.
mnt() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2${3:+,$3}" tmpfs "$1" || exit 1
	MOUNTS="$1 $MOUNTS"
}
unmnt() {
	umount "$1"
	MOUNTS=$(echo "$MOUNTS" | sed "s| $1 | |; s|^$1 ||")
}
pages() { echo $((($1 + PG - 1) / PG)); }
if [ $tmpfs = yes ]; then
	# The master on a tmpfs with FREE pages beyond it; the master is moved
	# back to $K for the checks (the full tmpfs could not hold a -shm).
	dbpages=$(pages "$(stat -c %s "$T/base.db")")
	for free in 0 1 8 64 512 2048; do
		fresh
		mnt "$T/mdb" $(((dbpages + free) * PG))
		cp "$T/base.db" "$T/mdb/m.db"
		# shellcheck disable=SC2086
		"$bin" -q --master "$T/mdb/m.db" reconcile --apply --report-dir "$K/r" $N2 2>"$T/run.err"
		c=$?
		runs=$((runs + 1))
		rm -f "$K/m.db"
		for f in m.db m.db-wal; do
			[ -e "$T/mdb/$f" ] && cp "$T/mdb/$f" "$K/$f"
		done
		unmnt "$T/mdb"
		fjudge "the master's tmpfs full with $free pages free" $c 74 "$FULL" absorb "$K/r"
	done

	# The report directory on a tmpfs with FREE pages: none, one, half of
	# changes.csv and from two pages short of all the reports need (their
	# run ids, and so changes.csv, vary by up to a page with the digits of
	# the pid); then two pages more than they need.
	need=0
	for f in $(cat "$T/reports"); do
		need=$((need + $(pages "$(stat -c %s "$T/k0r/$f")")))
	done
	half=$(($(pages "$(stat -c %s "$T/k0r/changes.csv")") / 2 + 1))
	for free in $(printf '%s\n' 0 1 $half $((need - 3)) $((need - 2)) |
		awk -v max=$((need - 2)) '$1 >= 0 && $1 <= max' | sort -n -u) $((need + 2)); do
		fresh
		mnt "$T/rd" $(((free + 16) * PG))
		mkdir "$T/rd/r"
		head -c $((16 * PG)) /dev/zero >"$T/rd/filler"
		# shellcheck disable=SC2086
		"$bin" -q --master "$K/m.db" reconcile --apply --report-dir "$T/rd/r" $N2 2>"$T/run.err"
		c=$?
		runs=$((runs + 1))
		rm "$T/rd/filler"
		# The next run finds room again, in the same directory, where
		# no temporary file of the failed run may be left.
		mount -o remount,size=$((4 * (need + 16) * PG)) "$T/rd" || exit 1
		if [ $free -gt "$need" ]; then
			expect "the report directory with $free pages free (more than it needs): exit code" 0 $c
			expect "the report directory with $free pages free: the master" after "$(side "$K/m.db")"
			echo "fault the report directory's tmpfs with $free pages free (more than it needs): exit $c"
		else
			fjudge "the report directory's tmpfs full with $free pages free" $c 74 "No space left on device" no "$T/rd/r"
		fi
		unmnt "$T/rd"
	done

	# No inode left for a report's temporary file: it cannot be created.
	fresh
	mnt "$T/rd" $((1024 * PG)) nr_inodes=16
	mkdir "$T/rd/r"
	i=0
	while touch "$T/rd/f$i" 2>/dev/null; do i=$((i + 1)); done
	# shellcheck disable=SC2086
	"$bin" -q --master "$K/m.db" reconcile --apply --report-dir "$T/rd/r" $N2 2>"$T/run.err"
	c=$?
	runs=$((runs + 1))
	rm -f "$T"/rd/f*
	fjudge "the report directory's tmpfs with no inode left" $c 73 "No space left on device" no "$T/rd/r"
	unmnt "$T/rd"

	# SQLITE_TMPDIR on a small tmpfs.
	for size in 1 16 256; do
		fresh
		mnt "$T/tmpdir" $((size * PG))
		# shellcheck disable=SC2086
		SQLITE_TMPDIR=$T/tmpdir "$bin" $APPLY 2>"$T/run.err"
		c=$?
		runs=$((runs + 1))
		unmnt "$T/tmpdir"
		fjudge "SQLITE_TMPDIR's tmpfs of $size pages" $c 74 "$FULL" absorb "$K/r"
	done
fi
echo "stress: faults: $ftried tried, $refused refused the run, $absorbed applied it"
fi

echo "stress: $runs runs of csprecon on $rows relationships"
echo "stress: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
