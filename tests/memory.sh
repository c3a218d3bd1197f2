#!/bin/sh
# memory.sh BINARY -- memory bounds (SPEC §8), measured with /usr/bin/time,
# and work that must stay linear in the input.
#
# Memory may grow with the number of keys, never with the size of a line, a
# field or a file.  Checks: `check` of MEM_ROWS (default 1,000,000)
# generated relationships stays under 150 MB peak RSS; a 50 MB file whose
# data is one line, one made of a single 40 MB quoted CSV field, an XML
# file with a 40 MB value, and one with 16 MB of comments stay under 40 MB.  Each run must also end as it
# should, with its exit code and its findings, so that a run that stops
# early (and stays small) does not pass.  Not run under the sanitizers,
# whose shadow memory inflates RSS.
set -u
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
rows=${MEM_ROWS:-1000000}
T=$(mktemp -d "${TMPDIR:-/tmp}/csprecon-mem.XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "memory: $*"; }
bad() { failed=$((failed + 1)); echo "memory: FAIL: $*" >&2; }

# expect_end WHAT CODE EXIT DIR N TEXT: a run exited CODE, which must be
# EXIT, and DIR/rejects.csv must hold N findings, each line with TEXT.
expect_end() {
	if [ "$2" -eq "$3" ]; then ok "$1: exit $2"
	else bad "$1: exit $2, expected $3: $(head -c 300 "$T/err")"; fi
	set -- "$@" $(cat "$4/rejects.csv" 2>/dev/null |
		awk -v t="$6" 'NR > 1 { n++; if (index($0, t)) m++ }
			END { print n + 0, m + 0 }')
	if [ "$7" -eq "$5" ] && [ "$8" -eq "$5" ]; then ok "$1: findings $5, each '$6'"
	else bad "$1: $7 findings, $8 with '$6'; expected $5, each with it"; fi
}

# measure WHAT LIMIT_MB EXIT N TEXT FILE: `check` FILE with /usr/bin/time;
# its peak RSS must stay under LIMIT_MB, and it must end as expect_end says.
measure() {
	rm -rf "$T/r"
	/usr/bin/time -f '%M' -o "$T/time" "$bin" -q check --report-dir "$T/r" \
		"$6" >/dev/null 2>"$T/err"
	c=$?
	kb=$(tail -n 1 "$T/time")
	if [ "$kb" -lt $(($2 * 1024)) ]; then
		ok "$1: $((kb / 1024)) MB peak (limit $2 MB)"
	else
		bad "$1: $((kb / 1024)) MB peak, limit $2 MB"
	fi
	expect_end "$1" "$c" "$3" "$T/r" "$4" "$5"
}

# Relationships alone: no file names their resellers and there is no
# master, so every row is RESELLER_UNKNOWN, and every finding is stored.
sh "$top/scripts/gen-batch" -n "$rows" -o "$T/batch"
measure "check of $rows relationships" 150 1 "$rows" \
	",reseller_tenant_id,RESELLER_UNKNOWN,error," "$T/batch/relationships.csv"

{ echo "tenant_id,name,country,contact_email"
  head -c 50000000 /dev/zero | tr '\0' 'x'; echo; } > "$T/line.csv"
measure "one 50 MB line" 40 1 1 \
	"line.csv,2,resellers,,tenant_id,TOO_LONG,error," "$T/line.csv"

{ echo "tenant_id,name,country,contact_email"
  printf '0f8fad5b-d9cb-469f-a165-70867728950e,"'
  head -c 40000000 /dev/zero | tr '\0' 'y'; echo '",DE,a@contoso.de'; } \
	> "$T/field.csv"
measure "one 40 MB quoted field" 40 1 1 \
	"field.csv,2,resellers,0f8fad5b-d9cb-469f-a165-70867728950e,name,TOO_LONG,error," \
	"$T/field.csv"

# A text run this long is refused before libxml2 buffers it: the file is
# refused as a whole (exit 65), with one finding.
{ printf '<mpnIds xmlns="urn:csprecon:batch:1"><mpnId><mpnId>1234567</mpnId>'
  printf '<type>location</type><country>DE</country><name>'
  head -c 40000000 /dev/zero | tr '\0' 'z'; echo '</name></mpnId></mpnIds>'; } \
	> "$T/value.xml"
measure "an XML value of 40 MB" 40 65 1 \
	"value.xml,1,mpn_ids,,,XML_INVALID,error,more than 262144 bytes of text without markup" \
	"$T/value.xml"

# Comments and processing instructions between two element tags are kept
# by libxml2's reader until the next element: 16 MB of them, plain and
# gzipped, are refused before they grow memory.
{ printf '<mpnIds xmlns="urn:csprecon:batch:1"><mpnId><mpnId>1234567</mpnId>'
  printf '<type>location</type><country>DE</country></mpnId>\n'
  yes '<!-- a comment --><?pi an instruction?>' | head -c 16000000
  echo '</mpnIds>'; } > "$T/misc.xml"
gzip -c "$T/misc.xml" > "$T/misc.xml.gz"
# ... and a '<' inside them is no element tag.
{ printf '<mpnIds xmlns="urn:csprecon:batch:1"><mpnId><mpnId>1234567</mpnId>'
  printf '<type>location</type><country>DE</country></mpnId>\n'
  yes '<!-- <a --><?pi <b?>' | head -c 16000000
  echo '</mpnIds>'; } > "$T/misc_lt.xml"
for f in misc.xml misc.xml.gz misc_lt.xml; do
	measure "16 MB of XML comments ($f)" 40 65 1 \
		",mpn_ids,,,XML_INVALID,error,\"more than 262144 bytes without an element tag" \
		"$T/$f"
done

# Many duplicate keys: each drops its staged row by the stage's key index.
# A drop that scanned the stage made this quadratic (minutes for 5,000
# duplicates in 200,000 rows); linear, it takes seconds.  Each duplicated
# key gives both its rows a DUPLICATE_KEY: 10,000 findings, exit 1.
sh "$top/scripts/gen-batch" -n 200000 -o "$T/dups"
{ cat "$T/dups/relationships.csv"
  sed -n 2,5001p "$T/dups/relationships.csv" | sed 's/,active,/,terminated,/'
} > "$T/dups/rel.csv"
"$bin" -q --master "$T/m.db" init 2>"$T/err"
c=$?
if [ "$c" -eq 0 ]; then ok "init of the master: exit 0"
else bad "init of the master: exit $c: $(head -c 300 "$T/err")"; fi
timeout 120 "$bin" -q --master "$T/m.db" reconcile --report-dir "$T/r5" \
	"$T/dups/mpn_ids.csv" "$T/dups/resellers.csv" "$T/dups/rel.csv" \
	>/dev/null 2>"$T/err"
c=$?
if [ "$c" -eq 124 ]; then
	bad "5,000 duplicate keys in 200,000 rows: not done in 120 s"
else
	expect_end "5,000 duplicate keys in 200,000 rows" "$c" 1 "$T/r5" 10000 \
		",DUPLICATE_KEY,error,"
fi

echo "memory: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
