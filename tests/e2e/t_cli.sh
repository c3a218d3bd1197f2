. "$(dirname "$0")/../lib.sh"
# t_cli.sh -- the command line of SPEC §5, exit codes of §7, reports of §6.
#
# --version and --help; every usage error with its message and exit 64 (and
# no work done: no report written); missing and unreadable inputs (66);
# standard input; -q; --max-errors; report directory errors (73); a full
# standard output (74); neutralised CSV cells; atomic report files; the
# default report directory.

S=samples

# jfile PATH KEY [SUMMARY]: the value of KEY in summary.json's entry for
# file PATH.

# in_dir DIR ARGS...: `run` with DIR as the working directory.
in_dir() {
	_d=$1
	shift
	OUT=$T/stdout ERR=$T/stderr
	(cd "$_d" && exec "$CSPRECON" "$@") >"$OUT" 2>"$ERR" </dev/null
	CODE=$?
}

# usage_error WHAT MESSAGE ARGS...: exit 64, MESSAGE (a whole line) on
# stderr, nothing on stdout, and no report directory created.
usage_error() {
	_w=$1 _m=$2
	shift 2
	rm -rf "$T/cwd"
	mkdir "$T/cwd"
	in_dir "$T/cwd" "$@"
	expect_exit 64 "$_w"
	if grep -qxF -- "$_m" "$ERR"; then ok; else
		not_ok "$_w: stderr has no line '$_m': $(head -c 300 "$ERR")"
	fi
	expect_eq "$_w: stdout" "" "$(cat "$OUT")"
	expect_eq "$_w: nothing written" "" "$(ls -A "$T/cwd")"
}

# ---- --version, --help ----------------------------------------------------------

run --version
expect_exit 0 "--version"
expect_eq "--version" "csprecon $(cat VERSION)" "$(cat "$OUT")"
run --help
expect_exit 0 "--help"
expect_grep "$OUT" "usage: csprecon" "--help: usage on stdout"
expect_grep "$OUT" "check" "--help lists check"
expect_eq "--help: stderr" "" "$(cat "$ERR")"
run check --help
expect_exit 0 "check --help"
expect_grep "$OUT" "usage: csprecon check" "check --help: usage"
for o in --report-dir --format --entity --webmail-list --max-errors \
	--max-input-bytes --quiet; do
	expect_grep "$OUT" "$o" "check --help lists $o"
done
expect_grep "$OUT" "report format csv|json, repeatable" \
	"check --help lists the report formats there are"
run check -h
expect_exit 0 "check -h"
# --help wins over the rest of the line: nothing is checked.
rm -rf "$T/cwd" && mkdir "$T/cwd"
in_dir "$T/cwd" check --help "$TOP/$S/mpn_ids.csv"
expect_exit 0 "check --help FILE"
expect_eq "check --help FILE: no report" "" "$(ls -A "$T/cwd")"

# ---- usage errors (64) ---------------------------------------------------------------

F=$TOP/$S/mpn_ids.csv
usage_error "no command" "usage: csprecon [--master PATH] [--config FILE] [-q|-v] [--no-progress] COMMAND [OPTIONS] [FILE...]"
usage_error "unknown command" \
	"csprecon: unknown command 'frobnicate' (try 'csprecon --help')" frobnicate "$F"
usage_error "unknown option" "csprecon: unknown option '--frob'" check --frob "$F"
usage_error "unknown short option" "csprecon: unknown option '-x'" check -x "$F"
usage_error "missing option value" "csprecon: option '--report-dir' needs DIR" \
	check "$F" --report-dir
usage_error "missing --entity value" "csprecon: option '--entity' needs E" \
	check "$F" --entity
usage_error "value given to a flag" "csprecon: option '--quiet' takes no value" \
	check --quiet=yes "$F"
usage_error "option not applying to check" \
	"csprecon: option '--output' does not apply to 'check'" check -o x.csv "$F"
usage_error "option not applying to check (before the command)" \
	"csprecon: option '--output' does not apply to 'check'" --output x.csv check "$F"
usage_error "bad --entity" \
	"csprecon: --entity: unknown entity 'customers' (resellers, mpn_ids, relationships)" \
	check --entity customers "$F"
usage_error "bad --format" \
	"csprecon: --format: unknown format 'pdf' (csv, json, xml, html)" \
	check --format pdf "$F"
for f in xml html; do
	usage_error "--format $f" \
		"csprecon: --format $f: not available in this version (csv and json are)" \
		check --format $f "$F"
done
usage_error "bad --max-errors" "csprecon: --max-errors: not a count 'ten'" \
	check --max-errors ten "$F"
usage_error "negative --max-errors" "csprecon: --max-errors: not a count '-1'" \
	check --max-errors=-1 "$F"
usage_error "bad --max-input-bytes" \
	"csprecon: --max-input-bytes: not a size '12Q'" check --max-input-bytes 12Q "$F"
usage_error "zero --max-input-bytes" \
	"csprecon: --max-input-bytes: not a size '0'" check --max-input-bytes 0 "$F"
usage_error "'-' given twice" \
	"csprecon: standard input ('-') given more than once" check - - 
usage_error "check without files" \
	"csprecon: check: no input files (try 'csprecon check --help')" check
# A usage error is found before any file is opened.
usage_error "usage error and a missing file" "csprecon: unknown option '--frob'" \
	check --frob /nonexistent/x.csv

# ---- inputs that cannot be opened (66) ---------------------------------------------

rm -rf "$T/cwd" && mkdir "$T/cwd"
in_dir "$T/cwd" check "$F" nonexistent.csv
expect_exit 66 "missing input file"
expect_eq "missing input file: message" \
	"csprecon: cannot open 'nonexistent.csv': No such file or directory" "$(cat "$ERR")"
expect_eq "missing input file: nothing done" "" "$(ls -A "$T/cwd")"
expect_eq "missing input file: stdout" "" "$(cat "$OUT")"

in_dir "$T/cwd" check "$TOP/$S"
expect_exit 66 "directory as input"
expect_eq "directory as input: message" \
	"csprecon: cannot open '$TOP/$S': Is a directory" "$(cat "$ERR")"
expect_eq "directory as input: nothing done" "" "$(ls -A "$T/cwd")"

# A configuration file that does not exist is an error, not ignored.
rm -rf "$T/cwd" && mkdir "$T/cwd"
in_dir "$T/cwd" --config "$T/nonexistent.conf" check "$F"
case $CODE in
64 | 66) ok ;;
*) not_ok "--config naming a missing file: exit $CODE, expected 66 (or 64)" ;;
esac
expect_grep "$ERR" "$T/nonexistent.conf" "--config naming a missing file: message names it"

# ---- standard input ----------------------------------------------------------------------

# The PartnerIDs the resellers reference come in a file beside them.
R=$T/stdin-csv
run_stdin $S/resellers.csv check --report-dir "$R" $S/mpn_ids.csv -
expect_exit 0 "CSV on standard input"
expect_eq "CSV on standard input: rows" 10 "$(jfile - rows_accepted)"
expect_eq "CSV on standard input: format" csv "$(jfile - format)"
expect_eq "CSV on standard input: sha256" \
	"$(sha256sum <$S/resellers.csv | cut -d' ' -f1)" "$(jfile - sha256)"

R=$T/stdin-gz
run_stdin $S/relationships.csv.gz check --report-dir "$R" $S/mpn_ids.csv \
	$S/resellers.csv -
expect_exit 0 "gzip on standard input"
expect_eq "gzip on standard input: rows" 30 "$(jfile - rows_accepted)"
expect_eq "gzip on standard input: format" csv.gz "$(jfile - format)"
expect_eq "gzip on standard input: sha256 of the compressed bytes" \
	"$(sha256sum <$S/relationships.csv.gz | cut -d' ' -f1)" "$(jfile - sha256)"

R=$T/stdin-xmlgz
run_stdin $S/resellers.xml.gz check --report-dir "$R" $S/mpn_ids.xml -
expect_exit 0 "XML gzip on standard input"
expect_eq "XML gzip on standard input: rows" 10 "$(jfile - rows_accepted)"

# Standard input among files; findings name it '-'.
R=$T/stdin-mixed
run_stdin $S/bad/resellers_bad.csv check --report-dir "$R" $S/mpn_ids.csv -
expect_exit 1 "standard input among files"
expect_eq "standard input among files: file 1" 12 "$(jfile $S/mpn_ids.csv rows_read)"
expect_eq "standard input among files: file 2" 21 "$(jfile - rows_read)"
# The file cell '-' is neutralised like any cell starting with '-'.
if grep -Eq "^[^,]*,\"?'-\"?,8,resellers," "$R/rejects.csv"; then ok; else
	not_ok "standard input among files: no finding of file '-' at line 8: $(grep ',8,' "$R/rejects.csv" | head -2)"
fi
expect_grep "$ERR" "csprecon: -:8: COUNTRY_INVALID error" "standard input: stderr"

# '--' ends the options: a file named like an option.
cp $S/mpn_ids.csv "$T/--entity"
R=$T/dashdash
(cd "$T" && exec "$CSPRECON" check --report-dir "$R" -- --entity) \
	>"$T/stdout" 2>"$T/stderr" </dev/null
CODE=$?
expect_exit 0 "'--' ends the options"
expect_eq "'--' ends the options: the file was read" 12 \
	"$(jfile "--entity" rows_read)"

# ---- -q, --max-errors ------------------------------------------------------------------

# A file with 10 error rows (bad country).
{ echo "mpn_id,type,country"; i=10
  while [ $i -lt 20 ]; do echo "48201$i,location,Atlantis"; i=$((i + 1)); done
  echo "4820120,location,DE"; echo "4711,location,DE"; } >"$T/ten.csv"
R=$T/q
run -q check --report-dir "$R" "$T/ten.csv"
expect_exit 1 "-q"
expect_eq "-q: stdout" "" "$(cat "$OUT")"
expect_eq "-q: stderr" "" "$(cat "$ERR")"
expect_eq "-q: reports still written" 12 "$(wc -l <"$R/rejects.csv" | tr -d ' ')"
expect_grep "$R/summary.txt" "exit 1:" "-q: summary.txt still written"
run --quiet check --max-errors=x "$T/ten.csv"
expect_exit 64 "-q and a usage error"
expect_grep "$ERR" "--max-errors: not a count 'x'" "-q does not hide usage errors"

R=$T/me3
run check --max-errors 3 --report-dir "$R" "$T/ten.csv"
expect_exit 1 "--max-errors 3"
expect_eq "--max-errors 3: finding lines" 3 \
	"$(grep -c ': COUNTRY_INVALID error: ' "$ERR")"
expect_eq "--max-errors 3: the rest announced" \
	"csprecon: 7 more findings not shown (--max-errors 3); all are in rejects.csv" \
	"$(tail -n 1 "$ERR")"
expect_eq "--max-errors 3: stderr lines" 4 "$(wc -l <"$ERR" | tr -d ' ')"
expect_eq "--max-errors 3: all in rejects.csv" 10 \
	"$(grep -c ',COUNTRY_INVALID,error,' "$R/rejects.csv")"
expect_grep "$R/summary.txt" "COUNTRY_INVALID" "--max-errors 3: counted in summary"
expect_eq "--max-errors 3: the first shown" \
	"csprecon: $T/ten.csv:2: COUNTRY_INVALID error: country: not an ISO 3166-1 country (alpha-2, alpha-3 or English name) 'Atlantis'" \
	"$(head -n 1 "$ERR")"

run check --max-errors 9 --report-dir "$T/me9" "$T/ten.csv"
expect_eq "--max-errors 9: one more" \
	"csprecon: 1 more finding not shown (--max-errors 9); all are in rejects.csv" \
	"$(tail -n 1 "$ERR")"
run check --max-errors 10 --report-dir "$T/me10" "$T/ten.csv"
expect_eq "--max-errors 10: all shown" 10 "$(wc -l <"$ERR" | tr -d ' ')"
expect_no_grep "$ERR" "not shown" "--max-errors 10: nothing hidden"
run check --max-errors 0 --report-dir "$T/me0" "$T/ten.csv"
expect_eq "--max-errors 0: only the count" \
	"csprecon: 10 more findings not shown (--max-errors 0); all are in rejects.csv" \
	"$(cat "$ERR")"
# Default: 50.
{ echo "mpn_id,type,country"; i=100
  while [ $i -lt 160 ]; do echo "4820$i,location,Atlantis"; i=$((i + 1)); done; } >"$T/sixty.csv"
run check --report-dir "$T/me50" "$T/sixty.csv"
expect_eq "default --max-errors 50" 50 "$(grep -c ': COUNTRY_INVALID error: ' "$ERR")"
expect_grep "$ERR" "10 more findings not shown (--max-errors 50)" "default --max-errors: the rest announced"
# Warnings are not printed without -v (the PartnerID 4711 of ten.csv).
run check --report-dir "$T/me-w" "$T/ten.csv"
expect_no_grep "$ERR" "MPN_LENGTH_UNUSUAL" "warnings not printed by default"
run -v check --report-dir "$T/me-v" "$T/ten.csv"
expect_grep "$ERR" "$T/ten.csv:13: MPN_LENGTH_UNUSUAL warning: mpn_id:" "-v prints warnings"

# ---- report directory and standard output errors ------------------------------------------

: >"$T/regular"
run check --report-dir "$T/regular/sub" "$F"
expect_exit 73 "report dir under a regular file"
expect_grep "$ERR" "cannot create report directory '$T/regular/sub': Not a directory" \
	"report dir under a regular file: message"
run check --report-dir "$T/regular" "$F"
expect_exit 73 "report dir is a regular file"
run check --report-dir "$T/deep/er/reports" "$F"
expect_exit 0 "report dir created with its parents"
expect_eq "report dir created with its parents" "by-reseller.csv cases.csv findings.jsonl rejects.csv summary.json summary.txt" \
	"$(ls "$T/deep/er/reports" | tr '\n' ' ' | sed 's/ $//')"

# An empty report directory name: refused (73, or 64 as a usage error),
# never a crash.
run check --report-dir "" "$F"
case $CODE in
64 | 73) ok ;;
*) not_ok "--report-dir '': exit $CODE, expected 73 or 64: $(head -c 600 "$ERR")" ;;
esac

# A read error on an input (here standard input is a directory): 74.
R=$T/readerr
run_stdin "$TOP/$S" check --report-dir "$R" -
expect_exit 74 "read error on standard input"
expect_grep "$ERR" "read error: Is a directory" "read error on standard input: message"

if [ -w /dev/full ]; then
	"$CSPRECON" check --report-dir "$T/full" "$F" >/dev/full 2>"$T/stderr" </dev/null
	CODE=$? ERR=$T/stderr
	expect_exit 74 "standard output on /dev/full"
	expect_grep "$ERR" "cannot write standard output: No space left on device" \
		"standard output on /dev/full: message"
	"$CSPRECON" -q check --report-dir "$T/full-q" "$F" >/dev/full 2>"$T/stderr" </dev/null
	CODE=$?
	expect_exit 0 "-q with standard output on /dev/full (nothing to write)"
fi

# ---- rejects.csv: formula injection, columns ---------------------------------------------

{
	echo "tenant_id,name,country,mpn_id,contact_email,domains"
	echo "00000000-0000-4000-8000-000000000002,Foo GmbH,=1+2,,info@foo.de,"
	echo "00000000-0000-4000-8000-000000000003,Foo GmbH,DE,+4711,info@foo.de,"
	echo "00000000-0000-4000-8000-000000000004,Foo GmbH,DE,,@SUM(A1),"
	echo "00000000-0000-4000-8000-000000000005,Foo GmbH,DE,,info@foo.de,-cmd.com"
	echo "\"=HYPERLINK(\"\"http://x\"\")\",Foo GmbH,DE,,info@foo.de,"
	echo "00000000-0000-4000-8000-000000000007,\"=cmd|' /C calc'!A0\",Atlantis,,info@foo.de,"
} >"$T/formula.csv"
R=$T/formula
run check --report-dir "$R" "$T/formula.csv"
expect_exit 1 "formula injection"
REJ=$R/rejects.csv
expect_eq "rejects.csv header" "run_id,file,line,entity,key,field,rule,severity,message,value" \
	"$(head -n 1 "$REJ")"
# has_cell VALUE: VALUE is a whole cell of rejects.csv, quoted or not.
has_cell() {
	_q=$(printf '%s' "$1" | sed 's/"/""/g')
	awk -v a=",$1," -v b=",\"$_q\"," '
		{ s = $0 "," } index(s, a) || index(s, b) { f = 1 }
		END { exit !f }' "$REJ"
}
for v in "'=1+2" "'+4711" "'@SUM(A1)" "'-cmd.com" "'=HYPERLINK(\"http://x\")"; do
	if has_cell "$v"; then ok; else
		not_ok "formula injection: no cell $v in rejects.csv: $(cut -d, -f5- "$REJ")"
	fi
done
# No cell starts with = + - @ (quoted or not).
if grep -E '(^|,)"?[-=+@]' "$REJ" >/dev/null; then
	not_ok "formula injection: a cell starts with = + - or @: $(grep -E '(^|,)"?[-=+@]' "$REJ" | head -3)"
else ok; fi
# A row's line counts, and the value is the offending one.
# The header, six field findings, and MPN_MISSING warnings on the five
# rows whose mpn_id is empty (not on +4711, which is no PartnerID at all).
expect_eq "rejects.csv: one line per finding" 12 "$(wc -l <"$REJ" | tr -d ' ')"

# A file whose name starts with '-' (given after '--') is neutralised too.
cp "$T/formula.csv" "$T/-f.csv"
R=$T/formula2
(cd "$T" && exec "$CSPRECON" check --report-dir "$R" -- -f.csv) \
	>"$T/stdout" 2>"$T/stderr" </dev/null
if grep -Eq "^[^,]*,\"?'-f\\.csv\"?,2," "$R/rejects.csv"; then ok; else
	not_ok "file name starting with '-' not neutralised: $(sed -n 2p "$R/rejects.csv")"
fi

# ---- atomic report files ---------------------------------------------------------------------

R=$T/atomic
mkdir -p "$R"
echo "old rejects" >"$R/rejects.csv"
echo "old summary" >"$R/summary.txt"
ln "$R/rejects.csv" "$T/old-rejects"
ln "$R/summary.txt" "$T/old-summary"
run check --report-dir "$R" "$T/ten.csv"
expect_exit 1 "report dir with old reports"
# Written to a new file and renamed over the old name: a hard link to the
# old file still has the old content.
expect_eq "rejects.csv replaced by rename" "old rejects" "$(cat "$T/old-rejects")"
expect_eq "summary.txt replaced by rename" "old summary" "$(cat "$T/old-summary")"
expect_grep "$R/rejects.csv" "COUNTRY_INVALID" "rejects.csv has the new content"
# No temporary file left behind.
expect_eq "no temporary files left" "by-reseller.csv cases.csv findings.jsonl rejects.csv summary.json summary.txt" \
	"$(ls -A "$R" | tr '\n' ' ' | sed 's/ $//')"
# findings.jsonl: the findings of rejects.csv, one JSON object a line, typed.
expect_eq "findings.jsonl: a line per line of rejects.csv" "$(($(wc -l <"$R/rejects.csv") - 1))" \
	"$(wc -l <"$R/findings.jsonl" | tr -d ' ')"
if command -v python3 >/dev/null 2>&1; then
	if python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$R/findings.jsonl"; then
		ok; else not_ok "findings.jsonl: a line is not JSON"; fi
else
	expect_eq "findings.jsonl: every line an object" "" \
		"$(grep -v '^{"run_id": ".*"}$' "$R/findings.jsonl")"
fi
if grep -q '^{"run_id": "[^"]*", "file": "[^"]*ten\.csv", "line": [0-9][0-9]*, "entity": "mpn_ids", "key": "[^"]*", "field": "[^"]*", "rule": "COUNTRY_INVALID", "severity": "error", "message": "[^"]*", "value": "[^"]*"}$' "$R/findings.jsonl"; then ok; else
	not_ok "findings.jsonl: line is a number: $(head -c 600 "$R/findings.jsonl")"
fi
R=$T/atomic2
run check --report-dir "$R" --format csv "$T/ten.csv"
expect_eq "--format csv: the CSV reports and summary.txt" "by-reseller.csv cases.csv rejects.csv summary.txt" \
	"$(ls -A "$R" | tr '\n' ' ' | sed 's/ $//')"
R=$T/atomic3
run check --report-dir "$R" --format json "$T/ten.csv"
expect_eq "--format json: findings.jsonl, summary.json and summary.txt" "findings.jsonl summary.json summary.txt" \
	"$(ls -A "$R" | tr '\n' ' ' | sed 's/ $//')"

R=$T/formats
run check --report-dir "$R" --format json --format csv "$T/ten.csv"
expect_eq "--format repeated" "by-reseller.csv cases.csv findings.jsonl rejects.csv summary.json summary.txt" \
	"$(ls -A "$R" | tr '\n' ' ' | sed 's/ $//')"

# ---- default report directory ------------------------------------------------------------------

rm -rf "$T/cwd" && mkdir "$T/cwd"
OUT=$T/stdout ERR=$T/stderr
(cd "$T/cwd" && unset CSPRECON_MASTER && exec "$CSPRECON" check "$TOP/$S/mpn_ids.csv") \
	>"$OUT" 2>"$ERR" </dev/null
CODE=$?
expect_exit 0 "default report dir"
id=$(sed -n '1s/^csprecon check: run \(.*\)$/\1/p' "$OUT")
if printf '%s\n' "$id" | grep -Eqx '[0-9]{8}T[0-9]{6}Z-[0-9]+'; then ok; else
	not_ok "default report dir: run id '$id' on the first line of stdout"
fi
expect_eq "default report dir: reports/<run-id>" "reports/$id" \
	"$(cd "$T/cwd" && ls -d reports/*)"
expect_eq "default report dir: files" "by-reseller.csv cases.csv findings.jsonl rejects.csv summary.json summary.txt" \
	"$(ls -A "$T/cwd/reports/$id" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
expect_grep "$T/cwd/reports/$id/summary.json" "\"run_id\": \"$id\"" \
	"default report dir: run id in summary.json"
expect_grep "$OUT" "reports: reports/$id" "default report dir: named in the summary"
# check writes nothing but the report directory (./csprecon.db, the
# default master, is not created).
expect_eq "default report dir: nothing else in the working directory" "reports" \
	"$(ls -A "$T/cwd")"
run check --master "$T/master.db" --report-dir "$T/m" "$F"
expect_exit 0 "check with --master naming no file"
if [ -e "$T/master.db" ]; then not_ok "check created the master $T/master.db"; else ok; fi
# Two runs, two directories.
in_dir "$T/cwd" check "$TOP/$S/mpn_ids.csv"
expect_eq "second run: a second report dir" 2 "$(ls "$T/cwd/reports" | wc -l | tr -d ' ')"

finish
