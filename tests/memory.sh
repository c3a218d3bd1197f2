#!/bin/sh
# memory.sh BINARY -- memory bounds (SPEC §8), measured with /usr/bin/time -v,
# and work that must stay linear in the input.
#
# Memory may grow with the number of keys, never with the size of a line, a
# field or a file.  Checks: `check` of MEM_ROWS (default 1,000,000)
# generated relationships stays under 150 MB peak RSS; a 50 MB file whose
# data is one line, one made of a single 40 MB quoted CSV field, and an XML
# file with a 40 MB value stay under 40 MB.  Not run under the sanitizers, whose shadow memory inflates RSS.
set -u
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
rows=${MEM_ROWS:-1000000}
T=$(mktemp -d "${TMPDIR:-/tmp}/csprecon-mem.XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0 failed=0

# peak_kb ARGS...: run the binary, print its peak RSS in KiB.
peak_kb() {
	/usr/bin/time -f '%M' -o "$T/time" "$bin" -q "$@" >/dev/null 2>"$T/err"
	cat "$T/time" | tail -n 1
}

expect_under() { # KB LIMIT_MB WHAT
	if [ "$1" -lt $(($2 * 1024)) ]; then
		passed=$((passed + 1))
		echo "memory: $3: $(($1 / 1024)) MB peak (limit $2 MB)"
	else
		failed=$((failed + 1))
		echo "memory: FAIL: $3: $(($1 / 1024)) MB peak, limit $2 MB" >&2
	fi
}

sh "$top/scripts/gen-batch" -n "$rows" -o "$T/batch"
kb=$(peak_kb check --report-dir "$T/r1" "$T/batch/relationships.csv")
expect_under "$kb" 150 "check of $rows relationships"

{ echo "tenant_id,name,country,contact_email"
  head -c 50000000 /dev/zero | tr '\0' 'x'; echo; } > "$T/line.csv"
kb=$(peak_kb check --report-dir "$T/r2" "$T/line.csv")
expect_under "$kb" 40 "one 50 MB line"

{ echo "tenant_id,name,country,contact_email"
  printf '0f8fad5b-d9cb-469f-a165-70867728950e,"'
  head -c 40000000 /dev/zero | tr '\0' 'y'; echo '",DE,a@contoso.de'; } \
	> "$T/field.csv"
kb=$(peak_kb check --report-dir "$T/r3" "$T/field.csv")
expect_under "$kb" 40 "one 40 MB quoted field"

{ printf '<mpnIds xmlns="urn:csprecon:batch:1"><mpnId><mpnId>1234567</mpnId>'
  printf '<type>location</type><country>DE</country><name>'
  head -c 40000000 /dev/zero | tr '\0' 'z'; echo '</name></mpnId></mpnIds>'; } \
	> "$T/value.xml"
kb=$(peak_kb check --report-dir "$T/r4" "$T/value.xml")
expect_under "$kb" 40 "an XML value of 40 MB"

# Many duplicate keys: each drops its staged row by the stage's key index.
# A drop that scanned the stage made this quadratic (minutes for 5,000
# duplicates in 200,000 rows); linear, it takes seconds.
sh "$top/scripts/gen-batch" -n 200000 -o "$T/dups"
{ cat "$T/dups/relationships.csv"
  sed -n 2,5001p "$T/dups/relationships.csv" | sed 's/,active,/,terminated,/'
} > "$T/dups/rel.csv"
"$bin" -q --master "$T/m.db" init
if timeout 120 "$bin" -q --master "$T/m.db" reconcile --report-dir "$T/r5" \
	"$T/dups/mpn_ids.csv" "$T/dups/resellers.csv" "$T/dups/rel.csv" \
	>/dev/null 2>&1 || [ $? -eq 1 ]; then
	n=$(grep -c DUPLICATE_KEY "$T/r5/rejects.csv")
	if [ "$n" -eq 10000 ]; then
		passed=$((passed + 1))
		echo "memory: 5,000 duplicate keys in 200,000 rows: done, $n findings"
	else
		failed=$((failed + 1))
		echo "memory: FAIL: duplicate keys: $n DUPLICATE_KEY findings, want 10000" >&2
	fi
else
	failed=$((failed + 1))
	echo "memory: FAIL: 5,000 duplicate keys in 200,000 rows: not done in 120 s" >&2
fi

echo "memory: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
