# t_master.sh -- the master: init, reconcile (dry run and --apply), the
# two-night scenario, history, runs, export round trips, safety valves,
# refused inputs and concurrent writers.
. "$(dirname "$0")/../lib.sh"
EXP=$TOP/tests/expected/master
M=$T/m.db

# normalise_changes FILE: changes.csv without the run id column.
normalise_changes() { cut -d, -f2- "$1"; }

# --- init
run --master "$M" init
expect_exit 0 "init creates the master"
expect_grep "$OUT" "csprecon master version 2, ready" "init message"
if [ "$(stat -c %a "$M")" = 600 ]; then ok; else not_ok "master mode is $(stat -c %a "$M"), not 600"; fi
if [ "$(sqlite3 "$M" 'PRAGMA application_id; PRAGMA user_version; PRAGMA journal_mode' | tr '\n' ' ')" = "1129533522 2 wal " ]; then ok
else not_ok "master header: $(sqlite3 "$M" 'PRAGMA application_id; PRAGMA user_version; PRAGMA journal_mode' | tr '\n' ' ')"; fi
run --master "$M" init
expect_exit 0 "init is idempotent"

# --- a file that is not a master, and a missing one
printf 'not a database at all, but long enough to have a header.......................' > "$T/junk.db"
run --master "$T/junk.db" reconcile samples/resellers.csv
expect_exit 65 "a non-master file is refused"
expect_grep "$ERR" "is not a csprecon master" "non-master message"
sqlite3 "$T/other.db" "CREATE TABLE t(x)"
run --master "$T/other.db" init
expect_exit 65 "init refuses another application's database"
expect_grep "$ERR" "'$T/other.db' is not a csprecon master" "init non-master message"
run --master "$T/none.db" reconcile samples/resellers.csv
expect_exit 66 "reconcile without a master"
expect_grep "$ERR" "master '$T/none.db' does not exist; create it with 'csprecon init'" "missing master message"

N1="samples/mpn_ids.csv samples/resellers.csv samples/relationships.csv"
N2="samples/night2/mpn_ids.csv samples/night2/resellers.csv samples/night2/relationships.csv"

# --- a dry run leaves the master byte-identical
before=$(sha256sum "$M" | cut -d' ' -f1)
run --master "$M" reconcile --report-dir "$T/dry" $N1
expect_exit 0 "dry run"
expect_grep "$OUT" "snapshot mode, dry run: nothing applied" "dry run summary"
if [ "$(sha256sum "$M" | cut -d' ' -f1)" = "$before" ]; then ok; else not_ok "dry run changed the master"; fi
expect_grep "$T/dry/summary.json" '"applied": false' "dry run json"

# --- night 1, night 2, night 2 again
run --master "$M" reconcile --apply --report-dir "$T/n1" $N1
expect_exit 0 "night 1 applies"
normalise_report "$T/n1/summary.txt" > "$T/n1.txt"
expect_same "$EXP/night1.summary.txt" "$T/n1.txt" "night 1 summary"
expect_eq "journal mode after an initial load" wal "$(sqlite3 "$M" 'PRAGMA journal_mode')"
# An initial load lists its new rows from the master it filled, a dry run
# from its sorted stage: the same lines.
normalise_changes "$T/dry/changes.csv" >"$T/dry.changes"
normalise_changes "$T/n1/changes.csv" >"$T/n1.changes"
expect_same "$T/dry.changes" "$T/n1.changes" "initial load: changes.csv as in the dry run"
expect_eq "initial load: changes.csv lines" 53 "$(wc -l <"$T/n1/changes.csv")"
# An initial load with a relationship key given twice: both rows rejected,
# the rest applied and listed in key order.
M3=$T/m3.db
run --master "$M3" init
cp samples/relationships.csv "$T/dup1.csv"
sed -n 4p samples/relationships.csv | awk -F, -v OFS=, '{ $2 = $2 " II"; print }' >>"$T/dup1.csv"
dupkey=$(sed -n 4p samples/relationships.csv | awk -F, '{ print tolower($1) }')
run --master "$M3" reconcile --apply --report-dir "$T/n1dup" samples/mpn_ids.csv samples/resellers.csv "$T/dup1.csv"
expect_exit 1 "initial load with a duplicate relationship key"
expect_grep "$T/n1dup/summary.json" '"relationships": {"rows_read": 31, "rows_accepted": 29, "rows_rejected": 2, "duplicates_folded": 0, "new": 29, "changed": 0, "unchanged": 0, "reactivated": 0, "retired": 0}' \
	"initial load with a duplicate relationship key: counts"
expect_eq "initial load with a duplicate relationship key: master rows" \
	"29 0" "$(sqlite3 "$M3" "SELECT count(*), count(*) FILTER (WHERE customer_tenant_id = '$dupkey') FROM relationships" | tr '|' ' ')"
grep ',relationships,' "$T/n1dup/changes.csv" | cut -d, -f3 >"$T/n1dup.keys"
sort "$T/n1dup.keys" >"$T/n1dup.sorted"
expect_same "$T/n1dup.sorted" "$T/n1dup.keys" "initial load with a duplicate relationship key: changes.csv in key order"
expect_eq "initial load with a duplicate relationship key: changes.csv rows" 29 "$(wc -l <"$T/n1dup.keys")"
# row_hash is stored: a master written by an earlier csprecon is compared
# by it, so its value for the same row must never change.
expect_eq "row_hash of known rows" \
	"2948964025507743897 -7456739640486245591 5081091019239686105" \
	"$(sqlite3 "$M" "SELECT (SELECT row_hash FROM relationships WHERE customer_tenant_id = '0e3a655f-2073-4ab2-ac8b-1eb44f1eaccf'), (SELECT row_hash FROM resellers WHERE tenant_id = '0b80a255-53a1-4945-8932-58ef7777682c'), (SELECT row_hash FROM mpn_ids WHERE mpn_id = '4721385')" | tr '|' ' ')"
cp "$M" "$T/after1.db"
# The same initial load while another connection has the master open: it
# stays in WAL mode for the load, without waiting for the reader.
M2=$T/m2.db
run --master "$M2" init
(echo "SELECT count(*) FROM runs;"; sleep 3) | sqlite3 "$M2" >/dev/null &
reader=$!
sleep 0.5
started=$(date +%s)
run --master "$M2" reconcile --apply --report-dir "$T/n1r" $N1
expect_exit 0 "night 1 with a reader open"
if [ $(($(date +%s) - started)) -lt 3 ]; then ok; else not_ok "night 1 waited for the reader"; fi
normalise_report "$T/n1r/summary.txt" > "$T/n1r.txt"
expect_same "$EXP/night1.summary.txt" "$T/n1r.txt" "night 1 with a reader open: summary"
wait "$reader"
expect_eq "night 1 with a reader open: rows" 30 "$(sqlite3 "$M2" 'SELECT count(*) FROM relationships')"
expect_eq "night 1 with a reader open: journal mode" wal "$(sqlite3 "$M2" 'PRAGMA journal_mode')"
run --master "$M" reconcile --apply --report-dir "$T/n2" $N2
expect_exit 0 "night 2 applies"
normalise_report "$T/n2/summary.txt" > "$T/n2.txt"
expect_same "$EXP/night2.summary.txt" "$T/n2.txt" "night 2 summary"
normalise_changes "$T/n2/changes.csv" > "$T/n2.changes"
expect_same "$EXP/night2.changes.csv" "$T/n2.changes" "night 2 changes.csv"
expect_grep "$T/n2/summary.json" '"resellers": {"rows_read": 10, "rows_accepted": 10, "rows_rejected": 0, "duplicates_folded": 0, "new": 1, "changed": 2, "unchanged": 7, "reactivated": 0, "retired": 1}' "night 2 reseller counts"
history_before=$(sqlite3 "$M" "SELECT count(*) FROM changes")
run --master "$M" reconcile --apply --report-dir "$T/n2b" $N2
expect_exit 0 "night 2 again"
if [ "$(wc -l < "$T/n2b/changes.csv")" -eq 1 ]; then ok; else not_ok "second apply reported changes"; fi
if [ "$(sqlite3 "$M" "SELECT count(*) FROM changes")" = "$history_before" ]; then ok; else not_ok "second apply wrote history"; fi
# Night 1's files again: the relationships night 2 retired come back
# (reactivated) and the two it added are retired; the master walk that
# finds them skips the rows already retired.
cp "$M" "$T/n3.db"
run --master "$T/n3.db" reconcile --apply --report-dir "$T/n3" $N1
expect_exit 0 "night 1's files after night 2"
expect_grep "$T/n3/summary.json" '"relationships": {"rows_read": 30, "rows_accepted": 30, "rows_rejected": 0, "duplicates_folded": 0, "new": 0, "changed": 3, "unchanged": 25, "reactivated": 2, "retired": 2}' \
	"night 1's files after night 2: relationship counts"
expect_eq "night 1's files after night 2: retired relationships" \
	"454d4360-175d-463c-9690-8d21ad17cc63 fbf44c52-c408-4b20-8c69-76ca6ebebbaa" \
	"$(sqlite3 "$T/n3.db" "SELECT customer_tenant_id FROM relationships WHERE retired_run = (SELECT max(id) FROM runs) ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"

# A nightly run stages only the relationships that differ from the master;
# a relationship file whose header is beyond the 4 KiB look-ahead is staged
# whole and classified in SQL: the same counts and changes.
mkdir -p "$T/long"
cp "$T/after1.db" "$T/long.db"
awk -F, -v OFS=, 'NR == 1 { l = ""; while (length(l) < 5000) l = l "x"; print $0 "," l; next }
	{ print $0 "," }' samples/night2/relationships.csv >"$T/long/relationships.csv"
run --master "$T/long.db" reconcile --apply --report-dir "$T/n2long" \
	samples/night2/mpn_ids.csv samples/night2/resellers.csv "$T/long/relationships.csv"
expect_exit 0 "night 2, header beyond the look-ahead"
rel_counts() { grep '^relationships ' "$1"; }
expect_eq "night 2, header beyond the look-ahead: relationship counts" \
	"$(rel_counts "$T/n2/summary.txt")" "$(rel_counts "$T/n2long/summary.txt")"
cut -d, -f2-7 "$T/n2/changes.csv" >"$T/n2.c7"
cut -d, -f2-7 "$T/n2long/changes.csv" >"$T/n2long.c7"
expect_same "$T/n2.c7" "$T/n2long.c7" "night 2, header beyond the look-ahead: changes"

# A key given twice with different values, whose master row is unchanged:
# both rows rejected, neither counted unchanged, the row kept, not retired.
cp samples/night2/relationships.csv "$T/dup.csv"
sed -n 3p samples/night2/relationships.csv | sed 's/,active,no,/,active,yes,/' >>"$T/dup.csv"
cp "$M" "$T/dup.db"
run --master "$T/dup.db" reconcile --apply --max-reject-pct 100 --report-dir "$T/n2dup" \
	samples/night2/mpn_ids.csv samples/night2/resellers.csv "$T/dup.csv"
expect_exit 1 "night 2 again with a duplicate key"
expect_grep "$T/n2dup/summary.json" '"relationships": {"rows_read": 31, "rows_accepted": 29, "rows_rejected": 2, "duplicates_folded": 0, "new": 0, "changed": 0, "unchanged": 29, "reactivated": 0, "retired": 0}' \
	"night 2 again with a duplicate key: counts"

# A disk that fills while the stage is written (a file size limit stands
# in for it): exit 74 with SQLite's error, and nothing applied.
sh "$TOP/scripts/gen-batch" -n 100000 -o "$T/full" >/dev/null
run --master "$T/full.db" init
(
	trap '' XFSZ
	ulimit -f 4096
	run --master "$T/full.db" reconcile --apply --report-dir "$T/nfull" \
		"$T/full/mpn_ids.csv" "$T/full/resellers.csv" "$T/full/relationships.csv"
	exit "$CODE"
)
CODE=$?
expect_exit 74 "a full disk while staging"
expect_grep "$ERR" "master '$T/full.db': write: " "a full disk while staging: message"
expect_eq "a full disk while staging: nothing applied" "0 0" \
	"$(sqlite3 "$T/full.db" "SELECT (SELECT count(*) FROM relationships), (SELECT count(*) FROM runs)" | tr '|' ' ')"

# --- history and runs
run --master "$M" history 0B80A255-53A1-4945-8932-58EF7777682C
expect_exit 0 "history of a reseller"
normalise_report "$OUT" > "$T/h.txt"
expect_same "$EXP/history.reseller.txt" "$T/h.txt" "history text"
run --master "$M" history --json 482c590e-0d97-42bf-adc8-3011ac8efe12
expect_exit 0 "history --json"
expect_grep "$OUT" '"change": "retired"' "history shows the retirement"
if grep -q '{"run": [0-9][0-9]*, "time": "[^"]*", "entity": "resellers", ' "$OUT"; then ok; else
	not_ok "history --json: the run as a number: $(head -c 600 "$OUT")"
fi
expect_grep "$OUT" '"change": "new", "field": null, "old": null, "new": null, ' \
	"history --json: NULL as null"
run --master "$M" history not-a-key
expect_exit 64 "history of a bad key"
expect_grep "$ERR" "history: not a tenant id, customer+reseller pair or PartnerID 'not-a-key'" "bad key message"
run --master "$M" runs
expect_exit 0 "runs"
if [ "$(grep -c ' snapshot ' "$OUT")" -eq 3 ]; then ok; else not_ok "runs lists $(grep -c ' snapshot ' "$OUT") runs, expected 3"; fi
run --master "$M" runs --json
expect_grep "$OUT" '"applied": "yes"' "runs --json"
if grep -q '"run": 1, "run_id": "[^"]*", "started": "[^"]*", "finished": "[^"]*", "mode": "snapshot", "applied": "yes", "forced": "no", "exit": [0-9], "files": [0-9][0-9]*, "rows_read": [0-9][0-9]*, "rows_rejected": [0-9][0-9]*, "command": ' "$OUT"; then ok; else
	not_ok "runs --json: numbers as numbers: $(head -c 600 "$OUT")"
fi

# --- export round trips: zero changes, every entity, both formats
for e in resellers mpn_ids relationships; do
	for f in csv xml.gz; do
		run --master "$M" export --entity $e -o "$T/ex_$e.$f"
		expect_exit 0 "export $e $f"
	done
done
zcat "$T/ex_relationships.xml.gz" | xmllint --noout --nonet --schema schemas/batch.xsd - 2>/dev/null
if [ $? -eq 0 ]; then ok; else not_ok "exported XML is not valid against batch.xsd"; fi
run --master "$M" reconcile --report-dir "$T/rt1" "$T"/ex_*.csv
expect_exit 0 "reconcile of the CSV export"
if [ "$(wc -l < "$T/rt1/changes.csv")" -eq 1 ]; then ok; else not_ok "CSV export round trip has changes"; fi
run --master "$M" reconcile --report-dir "$T/rt2" "$T"/ex_*.xml.gz
expect_exit 0 "reconcile of the XML export"
if [ "$(wc -l < "$T/rt2/changes.csv")" -eq 1 ]; then ok; else not_ok "XML export round trip has changes"; fi

# --- a truncated gzip among the files: nothing applied, exit 65
before=$(sha256sum "$M" | cut -d' ' -f1)
run --master "$M" reconcile --apply $N1 tests/corpus/truncated.csv.gz
expect_exit 65 "truncated gzip refuses the run"
expect_grep "$OUT" "not applied: an input was refused" "refused run summary"
if [ "$(sha256sum "$M" | cut -d' ' -f1)" = "$before" ]; then ok; else not_ok "a refused run changed the master"; fi

# --- safety valves
# last_run: applied, exit code and forced of the ledger's last run.
last_run() { sqlite3 "$M" "SELECT applied, exit_code, forced FROM runs ORDER BY id DESC LIMIT 1" 2>&1 | tr '|' ' '; }
RETIRE="the snapshot would retire 8 of 10 resellers, more than --max-retire-pct 10%"
REJECT="14 of 21 rows rejected, more than --max-reject-pct 20%"
head -3 samples/night2/resellers.csv > "$T/few.csv"
before=$(sha256sum "$M" | cut -d' ' -f1)
runs_before=$(sqlite3 "$M" "SELECT count(*) FROM runs")
# A dry run trips the valve the apply would, with the same exit code.
run --master "$M" reconcile --report-dir "$T/dv1" "$T/few.csv"
expect_exit 65 "dry run over the retire valve"
expect_grep "$ERR" "csprecon: --apply would not apply: $RETIRE (--force applies anyway)" "dry run retire valve message"
expect_grep "$T/dv1/summary.json" "\"not_applied\": \"$RETIRE\"" "dry run retire valve: not_applied"
expect_grep "$T/dv1/summary.json" '"forced": false' "dry run retire valve: not forced"
expect_grep "$T/dv1/summary.json" '"exit_code": 65' "dry run retire valve: summary exit code"
expect_eq "dry run retire valve: the summary's last line" \
	"not applied: $RETIRE (--force applies anyway)" "$(tail -n 1 "$T/dv1/summary.txt")"
expect_eq "dry run retire valve: printed last" \
	"not applied: $RETIRE (--force applies anyway)" "$(tail -n 1 "$OUT")"
run --master "$M" reconcile --force --report-dir "$T/dv2" "$T/few.csv"
expect_exit 0 "dry run over the retire valve with --force"
expect_grep "$T/dv2/summary.json" '"not_applied": null' "forced dry run: not refused"
expect_grep "$T/dv2/summary.json" '"forced": true' "forced dry run: forced"
expect_eq "forced dry run: the summary's last line" \
	"forced: $RETIRE (--force)" "$(tail -n 1 "$T/dv2/summary.txt")"
run --master "$M" reconcile --report-dir "$T/dv3" samples/bad/resellers_bad.csv
expect_exit 65 "dry run over the reject valve"
expect_grep "$ERR" "csprecon: --apply would not apply: $REJECT (--force applies anyway)" "dry run reject valve message"
expect_grep "$T/dv3/summary.json" "\"not_applied\": \"$REJECT\"" "dry run reject valve: not_applied"
expect_eq "dry run reject valve: the summary's last line" \
	"not applied: $REJECT (--force applies anyway)" "$(tail -n 1 "$T/dv3/summary.txt")"
run --master "$M" reconcile --force --report-dir "$T/dv4" samples/bad/resellers_bad.csv
expect_exit 1 "dry run over the reject valve with --force"
expect_grep "$T/dv4/summary.json" '"forced": true' "forced dry run over the reject valve: forced"
expect_grep "$T/dv4/summary.json" '"not_applied": null' "forced dry run over the reject valve: not refused"
expect_eq "forced dry run over the reject valve: the summary's last line" \
	"forced: $REJECT (--force)" "$(tail -n 1 "$T/dv4/summary.txt")"
run --master "$M" reconcile --report-dir "$T/dv5" --max-reject-pct 70 samples/bad/resellers_bad.csv
expect_exit 1 "dry run under a raised reject valve"
expect_grep "$T/dv5/summary.json" '"forced": false' "dry run under the valve: not forced"
if [ "$(sha256sum "$M" | cut -d' ' -f1)" = "$before" ]; then ok; else not_ok "a dry run over a valve changed the master"; fi
# A recorded dry run is in the ledger with the valve's exit code.
run --master "$M" reconcile --record "$T/few.csv"
expect_exit 65 "recorded dry run over the retire valve"
expect_eq "recorded dry run over the retire valve: the ledger" "0 65 0" "$(last_run)"
run --master "$M" reconcile --record --force "$T/few.csv"
expect_exit 0 "recorded forced dry run"
expect_eq "recorded forced dry run: the ledger" "0 0 1" "$(last_run)"
runs_before=$((runs_before + 2))
run --master "$M" reconcile --apply --report-dir "$T/v1" "$T/few.csv"
expect_exit 65 "retire valve"
expect_grep "$ERR" "not applied: $RETIRE (--force applies anyway)" "retire valve message"
expect_eq "retire valve: the summary's last line" \
	"not applied: $RETIRE (--force applies anyway)" "$(tail -n 1 "$T/v1/summary.txt")"
expect_eq "a valve-refused run is in the ledger: applied no, exit 65" "0 65 0" "$(last_run)"
expect_eq "a valve-refused run is one more run" $((runs_before + 1)) "$(sqlite3 "$M" "SELECT count(*) FROM runs")"
expect_eq "a valve-refused run applies nothing" 0 \
	"$(sqlite3 "$M" "SELECT count(*) FROM resellers WHERE retired_run = (SELECT max(id) FROM runs)")"
run --master "$M" runs
expect_grep "$OUT" " snapshot  no       no      65 " "runs shows the valve-refused run"
run --master "$M" reconcile --apply --mode delta "$T/few.csv"
expect_exit 0 "delta mode never retires"
run --master "$M" reconcile --apply samples/bad/resellers_bad.csv
expect_exit 65 "reject valve"
expect_grep "$ERR" "not applied: $REJECT (--force applies anyway)" "reject valve message"
expect_eq "a reject-valve-refused run is in the ledger: applied no, exit 65" "0 65 0" "$(last_run)"
run --master "$M" reconcile --apply --force --report-dir "$T/v2" "$T/few.csv"
# Exit 1: the 8 retired resellers' active customers are new
# RESELLER_NOT_ACTIVE cases.
expect_exit 1 "--force overrides the retire valve"
expect_eq "a forced run is in the ledger as forced" "1 1 1" "$(last_run)"
expect_grep "$T/v2/summary.json" '"forced": true' "forced run: summary.json"
expect_grep "$T/v2/summary.txt" "snapshot mode, applied (forced)" "forced run: summary.txt"
expect_eq "forced run: the summary's last line" "forced: $RETIRE (--force)" "$(tail -n 1 "$T/v2/summary.txt")"
run --master "$M" runs
expect_grep "$OUT" " snapshot  yes      yes     1 " "runs shows the forced run"
run --master "$M" runs --json
expect_grep "$OUT" '"forced": "yes"' "runs --json shows the forced run"
if [ "$(sqlite3 "$M" "SELECT count(*) FROM resellers WHERE retired_run = (SELECT max(id) FROM runs)")" -eq 8 ]; then ok; else not_ok "forced snapshot did not retire 8"; fi
run --master "$M" reconcile --apply --report-dir "$T/back" samples/night2/resellers.csv
expect_exit 0 "reactivation"
expect_grep "$T/back/summary.json" '"reactivated": 8' "8 resellers reactivated"

# --- the lock: a held lock times out with 75; two writers serialise
flock "$M.lock" sleep 3 &
sleep 0.5
run --master "$M" reconcile --apply --lock-timeout 1 samples/resellers.csv
expect_exit 75 "locked master"
expect_grep "$ERR" "master '$M' is locked by another run; gave up after 1 s (--lock-timeout)" "lock message"
wait
"$CSPRECON" -q --master "$M" reconcile --apply --mode delta $N1 > "$T/w1" 2>&1 &
p1=$!
"$CSPRECON" -q --master "$M" reconcile --apply --mode delta $N2 > "$T/w2" 2>&1 &
p2=$!
wait $p1; c1=$?
wait $p2; c2=$?
# In either order night 1 (delta) leaves Valmora Italia's night-2 customer
# with a reseller that has not signed the MPA: a new case, exit 1; night 2
# exits 0 (it closes that case, or finds it not yet open).
if [ $c1 -eq 1 ] && [ $c2 -eq 0 ]; then ok; else not_ok "concurrent writers exited $c1 and $c2"; fi
if [ "$(sqlite3 "$M" 'PRAGMA integrity_check')" = ok ]; then ok; else not_ok "integrity_check after concurrent writers"; fi
if [ "$(sqlite3 "$M" "SELECT count(*) FROM runs")" -eq "$(sqlite3 "$M" "SELECT count(DISTINCT run) FROM run_files")" ]; then ok; else not_ok "ledger and files disagree"; fi

finish
