. "$(dirname "$0")/../lib.sh"
# t_cases.sh -- compliance cases (SPEC §4.1) and the exit codes that count
# new violations (SPEC §7): a Gmail reseller is applied and opens a case;
# the same night again opens nothing and exits 0; check and a dry run know
# the open case; fixing the contact closes it, a relapse opens a new one;
# retiring a reseller with active customers opens RESELLER_NOT_ACTIVE cases
# and closes its own; audit exits 1 while a case is open; a version-1
# master (tests/fixtures/master-v1.sql) is refused until `init` migrates it.

S=samples
VN=f6fadfa7-e5c1-4b62-b362-da5cc13da58a # Valmora Nederland B.V.
M=$T/m.db

# cases: "rule key opened_run last_seen_run closed_run" of every case, by id.
cases() {
	sqlite3 "$M" "SELECT rule, key, opened_run, last_seen_run,
		coalesce(closed_run, '-') FROM cases ORDER BY id" 2>&1 | tr '|' ' '
}

# runid DIR: the run id of the reports in DIR.
runid() { sed -n 's/^  "run_id": "\(.*\)",$/\1/p' "$1/summary.json"; }
# started DIR: when that run started.
started() { sed -n 's/^  "started": "\(.*\)",$/\1/p' "$1/summary.json"; }
# casecsv DIR: "status rule key reseller opened_run opened_at closed_run" of
# each line of DIR/cases.csv, checking its run_id is the run's.
casecsv() {
	_id=$(runid "$1")
	awk -F, -v id="$_id" 'NR > 1 {
		if ($1 != id) print "WRONG RUN " $1
		print $2, $3, $5, $6, ($10 == "" ? "-" : $10), ($11 == "" ? "-" : $11), ($12 == "" ? "-" : $12)
	}' "$1/cases.csv"
}
WEBMAIL_MSG="contact email is on a web-based mail service; the address must belong to the company"

# Night 1 with Valmora Nederland's contact on Gmail (domains emptied).
awk -F, -v OFS=, -v t="$VN" '$1 == t { $6 = "s.devries@gmail.com"; $10 = "" } { print }' \
	$S/resellers.csv >"$T/gmail.csv"
NIGHT="$S/mpn_ids.csv $T/gmail.csv $S/relationships.csv"
run --master "$M" init
expect_exit 0 "init"
# shellcheck disable=SC2086
run --master "$M" reconcile --apply --report-dir "$T/r1" $NIGHT
expect_exit 1 "Gmail night: applied, a new violation"
expect_eq "Gmail night: the reseller is in the master" "s.devries@gmail.com" \
	"$(sqlite3 "$M" "SELECT contact_email FROM resellers WHERE tenant_id = '$VN'" 2>&1)"
expect_eq "Gmail night: one case, opened by run 1" "EMAIL_WEBMAIL $VN 1 1 -" "$(cases)"
expect_eq "Gmail night: the case concerns the reseller" "$VN contact_email s.devries@gmail.com" \
	"$(sqlite3 "$M" "SELECT reseller_tenant_id, field, value FROM cases" 2>&1 | tr '|' ' ')"
expect_eq "Gmail night: the ledger has exit 1" 1 \
	"$(sqlite3 "$M" "SELECT exit_code FROM runs WHERE id = 1" 2>&1)"
R1=$(runid "$T/r1") R1AT=$(started "$T/r1")
expect_eq "Gmail night: cases.csv" "new EMAIL_WEBMAIL $VN $VN $R1 $R1AT -" "$(casecsv "$T/r1")"
expect_eq "Gmail night: cases.csv header" \
	"run_id,status,rule,entity,key,reseller_tenant_id,field,value,message,opened_run,opened_at,closed_run" \
	"$(head -1 "$T/r1/cases.csv")"
expect_grep "$T/r1/cases.csv" ",resellers,$VN,$VN,contact_email,s.devries@gmail.com,$WEBMAIL_MSG,$R1," \
	"Gmail night: cases.csv has entity, field, value and message"
expect_grep "$T/r1/summary.txt" "cases: 1 open, 1 opened, 0 closed by this run" \
	"Gmail night: summary.txt cases"
expect_grep "$T/r1/summary.txt" "  EMAIL_WEBMAIL                       1          1          0" \
	"Gmail night: summary.txt cases per rule"
expect_grep "$T/r1/summary.json" '"cases": {"written": true, "rules": {' \
	"Gmail night: summary.json cases"
expect_grep "$T/r1/summary.json" '"EMAIL_WEBMAIL": {"open": 1, "opened": 1, "closed": 0}' \
	"Gmail night: summary.json cases per rule"

# The same night again: the case is known, nothing opens, exit 0.
# shellcheck disable=SC2086
run --master "$M" reconcile --apply --report-dir "$T/r2" $NIGHT
expect_exit 0 "the same night again: no new violation"
expect_eq "the same night again: the case seen by run 2" "EMAIL_WEBMAIL $VN 1 2 -" "$(cases)"
expect_eq "the same night again: the ledger has exit 0" 0 \
	"$(sqlite3 "$M" "SELECT exit_code FROM runs WHERE id = 2" 2>&1)"
expect_grep "$T/r2/rejects.csv" ",EMAIL_WEBMAIL,violation," \
	"the same night again: rejects.csv still lists the violation"
expect_eq "the same night again: cases.csv says open, since run 1" \
	"open EMAIL_WEBMAIL $VN $VN $R1 $R1AT -" "$(casecsv "$T/r2")"
expect_grep "$T/r2/summary.json" '"EMAIL_WEBMAIL": {"open": 1, "opened": 0, "closed": 0}' \
	"the same night again: summary.json opened 0"

# check and a dry run know the open case: exit 0; the master is unchanged.
before=$(sha256sum "$M" | cut -d' ' -f1)
# shellcheck disable=SC2086
run --master "$M" check --report-dir "$T/c1" $NIGHT
expect_exit 0 "check: the violation has an open case"
# shellcheck disable=SC2086
run --master "$M" reconcile --report-dir "$T/d1" $NIGHT
expect_exit 0 "dry run: the violation has an open case"
expect_eq "check: cases.csv says open" "open EMAIL_WEBMAIL $VN $VN $R1 $R1AT -" "$(casecsv "$T/c1")"
expect_eq "dry run: cases.csv says open" "open EMAIL_WEBMAIL $VN $VN $R1 $R1AT -" "$(casecsv "$T/d1")"
expect_grep "$T/c1/summary.txt" "cases (not written): 1 violation with an open case, 0 new" \
	"check: summary.txt cases"
expect_grep "$T/d1/summary.json" '"cases": {"written": false, "rules": {' \
	"dry run: summary.json cases not written"
if [ "$(sha256sum "$M" | cut -d' ' -f1)" = "$before" ]; then ok; else
	not_ok "check or a dry run changed the master"
fi
# A second Gmail reseller is new: exit 1.
awk -F, -v OFS=, '$1 == "8f7b7676-d015-40dc-8c63-888f28f00481" { $6 = "j.hartmann@yahoo.de"; $10 = "" } { print }' \
	"$T/gmail.csv" >"$T/gmail2.csv"
run --master "$M" check --report-dir "$T/c2" $S/mpn_ids.csv "$T/gmail2.csv" $S/relationships.csv
expect_exit 1 "check: a violation no open case knows"
run --master "$M" reconcile --report-dir "$T/d2" $S/mpn_ids.csv "$T/gmail2.csv" $S/relationships.csv
expect_exit 1 "dry run: a violation no open case knows"
expect_eq "dry run: cases.csv says new for the second" \
	"new EMAIL_WEBMAIL 8f7b7676-d015-40dc-8c63-888f28f00481 8f7b7676-d015-40dc-8c63-888f28f00481 - - -
open EMAIL_WEBMAIL $VN $VN $R1 $R1AT -" "$(casecsv "$T/d2" | sort)"
# Without a master every violation is new.
run check --report-dir "$T/c3" $NIGHT
expect_exit 1 "check without a master: the violation is new"

# audit: exit 1 while a case is open.
run --master "$M" audit --report-dir "$T/a1"
expect_exit 1 "audit: an open violation"
expect_grep "$T/a1/rejects.csv" ",resellers,$VN,contact_email,EMAIL_WEBMAIL,violation," \
	"audit judges the master's contacts (EMAIL_WEBMAIL)"
expect_eq "audit: cases.csv lists the open case" "open EMAIL_WEBMAIL $VN $VN $R1 $R1AT -" \
	"$(casecsv "$T/a1")"

# Night 3: the contact is fixed; the case closes, exit 0.
run --master "$M" reconcile --apply --report-dir "$T/r3" $S/mpn_ids.csv $S/resellers.csv $S/relationships.csv
expect_exit 0 "fixed contact: exit 0"
expect_eq "fixed contact: the case closed by run 3" "EMAIL_WEBMAIL $VN 1 2 3" "$(cases)"
expect_eq "fixed contact: cases.csv says closed" \
	"closed EMAIL_WEBMAIL $VN $VN $R1 $R1AT $(runid "$T/r3")" "$(casecsv "$T/r3")"
expect_grep "$T/r3/summary.txt" "cases: 0 open, 0 opened, 1 closed by this run" \
	"fixed contact: summary.txt closed 1"
expect_grep "$T/r3/summary.json" '"EMAIL_WEBMAIL": {"open": 0, "opened": 0, "closed": 1}' \
	"fixed contact: summary.json closed 1"
run --master "$M" audit --report-dir "$T/a2"
expect_exit 0 "audit: no open violation"

# Night 4: Gmail again: a new case.
# shellcheck disable=SC2086
run --master "$M" reconcile --apply --report-dir "$T/r4" $NIGHT
expect_exit 1 "relapse: a new violation"
expect_eq "relapse: a second case" "EMAIL_WEBMAIL $VN 1 2 3
EMAIL_WEBMAIL $VN 4 4 -" "$(cases)"

# Night 5: Valmora Nederland leaves the resellers file (snapshot): it is
# retired, its own case closes, and its four active customers open
# RESELLER_NOT_ACTIVE cases (one of them, with DAP, also DAP_ORPHANED).
awk -F, -v t="$VN" '$1 != t' $S/resellers.csv >"$T/novn.csv"
run --master "$M" reconcile --apply --max-retire-pct 100 --report-dir "$T/r5" \
	$S/mpn_ids.csv "$T/novn.csv" $S/relationships.csv
expect_exit 1 "retired reseller with active customers: new violations"
expect_eq "retired reseller: its own case closed by run 5" "5" \
	"$(sqlite3 "$M" "SELECT closed_run FROM cases WHERE rule = 'EMAIL_WEBMAIL' AND opened_run = 4" 2>&1)"
expect_eq "retired reseller: its customers' cases" "DAP_ORPHANED 1
RESELLER_NOT_ACTIVE 4" \
	"$(sqlite3 "$M" "SELECT rule, count(*) FROM cases WHERE closed_run IS NULL AND opened_run = 5 AND reseller_tenant_id = '$VN' GROUP BY rule ORDER BY rule" 2>&1 | tr '|' ' ')"
expect_grep "$T/r5/rejects.csv" "the reseller is retired" \
	"retired reseller: the batch's relationships are RESELLER_NOT_ACTIVE"
run --master "$M" audit --report-dir "$T/a3"
expect_exit 1 "audit after the retirement"
expect_eq "audit after the retirement: the open cases are its findings" \
	"$(sqlite3 "$M" "SELECT rule || ' ' || key FROM cases WHERE closed_run IS NULL ORDER BY 1" 2>&1)" \
	"$(awk -F, 'NR > 1 && $8 == "violation" { print $7 " " $5 }' "$T/a3/rejects.csv" | sort)"
expect_eq "audit after the retirement: cases.csv lists exactly the open cases" \
	"$(sqlite3 "$M" "SELECT 'open ' || rule || ' ' || key || ' ' || r.run_id FROM cases JOIN runs r ON r.id = opened_run WHERE closed_run IS NULL ORDER BY 1" 2>&1)" \
	"$(casecsv "$T/a3" | awk '{ print $1, $2, $3, $5 }' | sort)"

# ---- by-reseller.csv ------------------------------------------------------------

# Valmora Nederland with a Gmail contact, a PartnerID finding on its PLA
# 4721402 (global_mpn_id unknown) and a customer with DAP: all three under
# its name and contact; a finding with no reseller comes last.
awk -F';' -v OFS=';' '$1 == "4721402" { $5 = "9999999" } { print }' $S/mpn_ids.csv >"$T/mpn.csv"
M2=$T/m2.db
run --master "$M2" init
run --master "$M2" check --report-dir "$T/b1" "$T/mpn.csv" "$T/gmail.csv" $S/relationships.csv
expect_exit 1 "by-reseller: check"
expect_eq "by-reseller.csv header" \
	"reseller_tenant_id,reseller_name,contact_email,country,entity,key,line,rule,severity,message,value" \
	"$(head -1 "$T/b1/by-reseller.csv")"
expect_eq "by-reseller.csv: Valmora Nederland's findings, by rule" \
	"$VN,Valmora Nederland B.V.,s.devries@gmail.com,NL,resellers,$VN,EMAIL_WEBMAIL,violation
$VN,Valmora Nederland B.V.,s.devries@gmail.com,NL,mpn_ids,4721402,MPN_GLOBAL_UNKNOWN,warning
$VN,Valmora Nederland B.V.,s.devries@gmail.com,NL,relationships,ac333b68-7e9b-477c-9519-a9d5ac9130f4+$VN,DAP_ACTIVE,warning" \
	"$(grep "^$VN," "$T/b1/by-reseller.csv" | cut -d, -f1-6,8,9)"
# Applied, then the master gives the name when tonight's batch has no row.
run --master "$M2" reconcile --apply --report-dir "$T/b2" "$T/mpn.csv" "$T/gmail.csv" $S/relationships.csv
expect_exit 1 "by-reseller: applied"
run --master "$M2" check --report-dir "$T/b3" $S/relationships.csv
expect_eq "by-reseller.csv: the reseller's name from the master" \
	"$VN,Valmora Nederland B.V.,s.devries@gmail.com,NL,relationships" \
	"$(grep "^$VN," "$T/b3/by-reseller.csv" | cut -d, -f1-5)"
run check --report-dir "$T/b4" $S/mpn_ids.csv $S/resellers.csv $S/bad/relationships_bad.csv
expect_eq "by-reseller.csv: a finding with no reseller comes last" \
	",,,,relationships,,1,COLUMN_UNKNOWN" "$(tail -1 "$T/b4/by-reseller.csv" | cut -d, -f1-8)"
expect_eq "by-reseller.csv: every finding of rejects.csv" \
	"$(($(wc -l <"$T/b4/rejects.csv") - 1))" "$(($(wc -l <"$T/b4/by-reseller.csv") - 1))"

# ---- --ignore -------------------------------------------------------------------

# shellcheck disable=SC2086
run check --ignore EMAIL_WEBMAIL --report-dir "$T/i1" $NIGHT
expect_exit 0 "--ignore EMAIL_WEBMAIL: the Gmail night without a master"
expect_no_grep "$T/i1/rejects.csv" "EMAIL_WEBMAIL" "--ignore EMAIL_WEBMAIL: no finding"
expect_grep "$T/i1/summary.txt" "ignored (--ignore): EMAIL_WEBMAIL" \
	"--ignore: summary.txt lists the rule"
expect_grep "$T/i1/summary.json" '"ignored": ["EMAIL_WEBMAIL"],' \
	"--ignore: summary.json lists the rule"
# shellcheck disable=SC2086
run check --ignore dap_active --ignore MPN_MISSING --report-dir "$T/i2" $NIGHT
expect_grep "$T/i2/summary.json" '"ignored": ["MPN_MISSING", "DAP_ACTIVE"],' \
	"--ignore: any case, repeatable, listed in rule order"
expect_no_grep "$T/i2/rejects.csv" "DAP_ACTIVE" "--ignore DAP_ACTIVE: no warning"
run check --report-dir "$T/i3" $S/bad/resellers_bad.csv
expect_grep "$T/i3/rejects.csv" ",MPN_MISSING,warning," "resellers_bad: MPN_MISSING warnings"
run check --ignore MPN_MISSING --report-dir "$T/i3" $S/bad/resellers_bad.csv
expect_no_grep "$T/i3/rejects.csv" ",MPN_MISSING," \
	"--ignore MPN_MISSING: neither its violations nor its warnings"
expect_grep "$T/i3/rejects.csv" ",REQUIRED,error," "--ignore MPN_MISSING: the errors stay"
printf '# a comment\nignore = EMAIL_WEBMAIL\n' >"$T/ignore.conf"
# shellcheck disable=SC2086
run --config "$T/ignore.conf" check --report-dir "$T/i4" $NIGHT
expect_exit 0 "ignore = in --config"
expect_grep "$T/i4/summary.txt" "ignored (--ignore): EMAIL_WEBMAIL" "ignore = in --config: listed"
# shellcheck disable=SC2086
run check --ignore REQUIRED $NIGHT
expect_exit 64 "--ignore of an error rule"
expect_grep "$ERR" "csprecon: --ignore: REQUIRED is an error rule; errors cannot be ignored" \
	"--ignore of an error rule: message"
# shellcheck disable=SC2086
run check --ignore RESELLER_UNKNOWN $NIGHT
expect_exit 64 "--ignore RESELLER_UNKNOWN (an error)"
# shellcheck disable=SC2086
run check --ignore NO_SUCH_RULE $NIGHT
expect_exit 64 "--ignore of an unknown rule"
expect_grep "$ERR" "csprecon: --ignore: unknown rule 'NO_SUCH_RULE'" \
	"--ignore of an unknown rule: message"
printf 'ignore = DUPLICATE_KEY\n' >"$T/ignore-err.conf"
# shellcheck disable=SC2086
run --config "$T/ignore-err.conf" check $NIGHT
expect_exit 64 "ignore = an error rule in --config"
# An applied run that ignores a rule leaves that rule's open cases alone.
M3=$T/m3.db
run --master "$M3" init
# shellcheck disable=SC2086
run --master "$M3" reconcile --apply --report-dir "$T/i5" $NIGHT
expect_exit 1 "--ignore, applied: the Gmail night opens its case"
# shellcheck disable=SC2086
run --master "$M3" reconcile --apply --ignore EMAIL_WEBMAIL --report-dir "$T/i6" $NIGHT
expect_exit 0 "--ignore EMAIL_WEBMAIL, applied"
expect_eq "--ignore EMAIL_WEBMAIL, applied: the case is neither closed nor seen" \
	"EMAIL_WEBMAIL $VN 1 1 -" "$(M=$M3 cases)"
run --master "$M3" audit --ignore EMAIL_WEBMAIL --report-dir "$T/i7"
expect_exit 0 "audit --ignore EMAIL_WEBMAIL"

# ---- a version-1 master -------------------------------------------------------

V1=$T/v1.db
sqlite3 "$V1" <tests/fixtures/master-v1.sql
expect_eq "the fixture is a version-1 master" 1 "$(sqlite3 "$V1" 'PRAGMA user_version')"
run --master "$V1" reconcile --apply $S/mpn_ids.csv $S/resellers.csv $S/relationships.csv
expect_exit 65 "reconcile on a version-1 master"
expect_grep "$ERR" "csprecon: master '$V1' has version 1; run 'csprecon init' to migrate it" \
	"reconcile on a version-1 master: message"
run --master "$V1" audit
expect_exit 65 "audit on a version-1 master"
run --master "$V1" init
expect_exit 0 "init migrates a version-1 master"
expect_grep "$OUT" "csprecon master version 2, ready" "init on a version-1 master: message"
expect_eq "migrated: version 2, its rows kept, no case yet" "2 10 30 0" \
	"$(sqlite3 "$V1" "PRAGMA user_version; SELECT count(*) FROM resellers; SELECT count(*) FROM relationships; SELECT count(*) FROM cases" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "migrated: the ledger kept" 1 "$(sqlite3 "$V1" 'SELECT count(*) FROM runs' 2>&1)"
expect_eq "migrated: its runs gain forced, not set" "1 0" \
	"$(sqlite3 "$V1" 'SELECT id, forced FROM runs' 2>&1 | tr '|' ' ')"
run --master "$V1" init
expect_exit 0 "init on a migrated master is idempotent"
run --master "$V1" reconcile --apply --report-dir "$T/v1r" $NIGHT
expect_exit 1 "migrated master: the Gmail night opens a case"
expect_eq "migrated master: the case" "EMAIL_WEBMAIL $VN 2 2 -" \
	"$(M=$V1 cases)"
if [ "$(sqlite3 "$V1" 'PRAGMA integrity_check')" = ok ]; then ok; else
	not_ok "migrated master: integrity_check"
fi
run --master "$V1" runs
expect_exit 0 "migrated master: runs"
expect_eq "migrated master: runs shows forced" \
	"run applied forced exit|1 yes no 0|2 yes no 1" \
	"$(awk '{ print $1, $6, $7, $8 }' "$OUT" | tr '\n' '|' | sed 's/|$//')"

finish
