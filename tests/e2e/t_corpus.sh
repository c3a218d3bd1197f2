. "$(dirname "$0")/../lib.sh"
# t_corpus.sh -- malformed and hostile input (SPEC §8, tests/corpus/README.md).
#
# Every file of tests/corpus/ gets the outcome its README states: exit
# status, rule code and line in rejects.csv, message on stderr, rows read.
# After each one a good check must still work (crash canary).  Then inputs
# too big to store are generated here: a 10 MB field, a line of a million
# commas, a gzip bomb, --max-input-bytes, multi-member and empty gzip, a
# DOCTYPE with a huge entity, and an external entity that names a FIFO (so
# that a read of it would show).

C=tests/corpus

# count FILE LINE RULE SEVERITY FIELD: matching findings in $REJ; an empty
# argument matches anything.
count() {
	[ -f "$REJ" ] || { echo 0; return; }
	awk -F, -v p="$1" -v l="$2" -v r="$3" -v s="$4" -v f="$5" '
		function m(want, got) { return want == "" || got == want }
		NR > 1 && m(p, $2) && m(l, $3) && m(r, $7) && m(s, $8) &&
		    m(f, $6) { n++ }
		END { print n + 0 }' "$REJ"
}

# expect_finding WHAT FILE LINE RULE SEVERITY FIELD
expect_finding() {
	if [ "$(count "$2" "$3" "$4" "$5" "$6")" -ge 1 ]; then ok; else
		not_ok "$1: no $4 $5 at $2:$3 (field '$6'); rejects.csv: $(tail -n +2 "$REJ" 2>/dev/null | cut -d, -f2- | head -5)"
	fi
}

# rules FILE: "LINE:RULE" of every finding of FILE, in order, one line.
rules() {
	awk -F, -v p="$1" 'NR > 1 && $2 == p { print $3 ":" $7 }' "$REJ" |
		tr '\n' ' ' | sed 's/ $//'
}


# expect_rows WHAT FILE READ ACCEPTED REJECTED
expect_rows() {
	expect_eq "$1: rows read/accepted/rejected" "$3/$4/$5" \
		"$(jfile "$2" rows_read)/$(jfile "$2" rows_accepted)/$(jfile "$2" rows_rejected)"
}

# expect_refused WHAT FILE: summary.json says refused, no row counted.
expect_refused() {
	expect_eq "$1: status" refused "$(jfile "$2" status)"
	expect_rows "$1" "$2" 0 0 0
}

# canary: a good check right after still works.
canary() {
	_o=$OUT _e=$ERR _c=$CODE
	"$CSPRECON" -q check --report-dir "$T/canary" samples/mpn_ids.csv \
		>"$T/canary.out" 2>&1 </dev/null
	_k=$?
	if [ "$_k" -eq 0 ]; then ok; else
		not_ok "canary after $1: exit $_k: $(head -c 300 "$T/canary.out")"
	fi
	rm -rf "$T/canary"
	OUT=$_o ERR=$_e CODE=$_c
}

# ---- the stored corpus ---------------------------------------------------------

f=$C/unterminated_quote.csv
chk uq "$f"
expect_exit 1 "unterminated_quote"
# Lines 2 and 3 are read (their resellers have no PartnerID: a warning).
expect_eq "unterminated_quote: findings" "2:MPN_MISSING 3:MPN_MISSING 4:CSV_MALFORMED" "$(rules "$f")"
expect_rows "unterminated_quote" "$f" 3 2 1
expect_grep "$ERR" "$f:4: CSV_MALFORMED error" "unterminated_quote: stderr"
canary unterminated_quote

f=$C/stray_quote.csv
chk sq "$f"
expect_exit 1 "stray_quote"
expect_eq "stray_quote: findings" "3:CSV_MALFORMED" "$(rules "$f")"
expect_rows "stray_quote" "$f" 3 2 1
expect_grep "$ERR" "$f:3: CSV_MALFORMED error" "stray_quote: stderr"
canary stray_quote

f=$C/ragged.csv
chk rg "$f"
expect_exit 1 "ragged"
expect_eq "ragged: findings" \
	"3:COLUMN_COUNT 4:COLUMN_COUNT 6:COLUMN_COUNT 7:COLUMN_COUNT" "$(rules "$f")"
expect_rows "ragged" "$f" 6 2 4
expect_grep "$ERR" "$f:4: COLUMN_COUNT error: row has 8 fields; the header has 6" \
	"ragged: stderr"
canary ragged

f=$C/bom.csv
chk bom "$f"
expect_exit 0 "bom"
expect_eq "bom: findings" "" "$(rules "$f")"
expect_rows "bom" "$f" 3 3 0
expect_eq "bom: entity" mpn_ids "$(jfile "$f" entity)"
canary bom

f=$C/crlf.csv
chk crlf "$f"
expect_exit 0 "crlf"
expect_eq "crlf: findings" "" "$(rules "$f")"
expect_rows "crlf" "$f" 4 4 0
canary crlf

f=$C/invalid_utf8.csv
chk iu "$f"
expect_exit 1 "invalid_utf8"
expect_eq "invalid_utf8: findings" "3:ENCODING_INVALID" "$(rules "$f")"
expect_finding "invalid_utf8" "$f" 3 ENCODING_INVALID error name
expect_rows "invalid_utf8" "$f" 3 2 1
# The bad byte is shown escaped, never copied into a report.
expect_grep "$REJ" 'Caf\xC3( Lumi' "invalid_utf8: value shown escaped"
expect_grep "$ERR" "$f:3: ENCODING_INVALID error: name:" "invalid_utf8: stderr"
canary invalid_utf8

f=$C/nul_byte.csv
chk nul "$f"
expect_exit 1 "nul_byte"
expect_eq "nul_byte: findings" "3:ENCODING_INVALID" "$(rules "$f")"
expect_finding "nul_byte" "$f" 3 ENCODING_INVALID error name
expect_rows "nul_byte" "$f" 3 2 1
# Not cut at the NUL: the rest of the value is there.
expect_grep "$REJ" 'Hartmann\x00Systemhaus GmbH' "nul_byte: value not cut at the NUL"
canary nul_byte

f=$C/empty.csv
chk empty "$f"
expect_exit 65 "empty"
expect_finding "empty" "$f" "" COLUMN_MISSING error ""
expect_refused "empty" "$f"
expect_grep "$ERR" "$f: " "empty: stderr names the file"
canary empty

f=$C/header_only.csv
chk ho "$f"
expect_exit 0 "header_only"
expect_eq "header_only: findings" "" "$(rules "$f")"
expect_rows "header_only" "$f" 0 0 0
expect_eq "header_only: entity" resellers "$(jfile "$f" entity)"
canary header_only

f=$C/missing_column.csv
chk mc "$f"
expect_exit 65 "missing_column"
expect_finding "missing_column" "$f" 1 COLUMN_MISSING error ""
expect_refused "missing_column" "$f"
chk mc2 --entity resellers "$f"
expect_exit 65 "missing_column with --entity resellers"
expect_finding "missing_column with --entity resellers" "$f" 1 COLUMN_MISSING error contact_email
expect_grep "$ERR" "contact_email" "missing_column with --entity: stderr names the column"
canary missing_column

f=$C/not_wellformed.xml
chk nw "$f"
expect_exit 65 "not_wellformed"
# The parser reads ahead of the nodes it hands over: it meets the end tag
# that does not close <name> (line 14) before the <country> of line 12
# reaches the structure checks.  The first XML error of any kind refuses
# the file, with libxml2's message.
expect_finding "not_wellformed: XML_INVALID at line 14" "$f" 14 XML_INVALID error ""
expect_grep "$ERR" "Opening and ending tag mismatch: name line 11 and reseller" \
	"not_wellformed: libxml2's message"
expect_refused "not_wellformed" "$f"
canary not_wellformed

f=$C/xxe.xml
chk xxe "$f"
expect_exit 65 "xxe"
expect_finding "xxe: XML_INVALID at line 2 (the DOCTYPE)" "$f" 2 XML_INVALID error ""
expect_grep "$ERR" "DOCTYPE" "xxe: stderr says DOCTYPE"
expect_no_grep "$REJ" "root:" "xxe: /etc/passwd not in rejects.csv"
expect_no_grep "$ERR" "root:" "xxe: /etc/passwd not on stderr"
expect_refused "xxe" "$f"
canary xxe

f=$C/billion_laughs.xml
chk bl "$f"
expect_exit 65 "billion_laughs"
expect_finding "billion_laughs: XML_INVALID at line 2 (the DOCTYPE)" "$f" 2 XML_INVALID error ""
expect_grep "$ERR" "DOCTYPE" "billion_laughs: stderr says DOCTYPE"
expect_refused "billion_laughs" "$f"
canary billion_laughs

f=$C/truncated.csv.gz
chk tr "$f"
expect_exit 65 "truncated"
expect_grep "$ERR" "truncated gzip" "truncated: stderr"
expect_refused "truncated" "$f"
expect_eq "truncated: no row findings" 0 "$(count "$f" "" "" "" "")"
canary truncated

f=$C/trailing_garbage.csv.gz
chk tg "$f"
expect_exit 65 "trailing_garbage"
expect_grep "$ERR" "trailing garbage" "trailing_garbage: stderr"
expect_refused "trailing_garbage" "$f"
canary trailing_garbage

f=$C/utf16.csv
chk u16 "$f"
expect_exit 65 "utf16"
expect_finding "utf16: ENCODING_INVALID" "$f" 1 ENCODING_INVALID error ""
expect_grep "$ERR" "UTF-16 text; convert the file to UTF-8" "utf16: stderr"
expect_refused "utf16" "$f"
canary utf16

f=$C/wrong_root.xml
chk wr "$f"
expect_exit 65 "wrong_root"
expect_finding "wrong_root" "$f" "" XML_INVALID error ""
expect_grep "$ERR" "customers" "wrong_root: stderr names the root"
expect_refused "wrong_root" "$f"
canary wrong_root

f=$C/xsd_invalid.xml
chk xi "$f"
# The first XML error is fatal for the file (libxml2's reader cannot be
# trusted to resynchronise after it), so a file not valid against the XSD
# is refused as a whole, like one not well-formed: nothing read from it
# counts, so a snapshot never retires the rows after the error.
expect_exit 65 "xsd_invalid (a file invalid against the XSD is refused)"
expect_finding "xsd_invalid: XML_INVALID at libxml2's line" "$f" 14 XML_INVALID error ""
expect_grep "$ERR" "Element '{urn:csprecon:batch:1}fax': This element is not expected" \
	"xsd_invalid: libxml2's message"
expect_refused "xsd_invalid" "$f"
canary xsd_invalid

# Every file of the corpus is covered above.
for f in $C/*; do
	case ${f##*/} in
	README.md | unterminated_quote.csv | stray_quote.csv | ragged.csv | \
	bom.csv | crlf.csv | invalid_utf8.csv | nul_byte.csv | empty.csv | \
	header_only.csv | missing_column.csv | not_wellformed.xml | xxe.xml | \
	billion_laughs.xml | truncated.csv.gz | trailing_garbage.csv.gz | \
	utf16.csv | wrong_root.xml | xsd_invalid.xml) ok ;;
	*) not_ok "corpus file $f has no test" ;;
	esac
done

# ---- generated: huge field, huge line -----------------------------------------------

RH=tenant_id,name,country,contact_email
G=00000000-0000-4000-8000-0000000000
# One field of 10 MB, unquoted and quoted: TOO_LONG at its line, the rows
# after it still read with their own line numbers.
for q in plain quoted; do
	qq=
	[ $q = quoted ] && qq='"'
	{
		echo "$RH"
		printf '%s01,%s' "$G" "$qq"
		head -c 10000000 /dev/zero | tr '\0' x
		printf '%s,DE,info@big.de\n' "$qq"
		echo "${G}02,Poseidon Networks Ltd,Atlantis,ops@poseidon.co.uk"
		echo "${G}03,Hartmann Systemhaus GmbH,DE,info@hartmann.de"
	} >"$T/bigfield-$q.csv"
	f=$T/bigfield-$q.csv
	chk bf-$q "$f"
	expect_exit 1 "10 MB field ($q)"
	expect_finding "10 MB field ($q)" "$f" 2 TOO_LONG error name
	expect_finding "10 MB field ($q): next row" "$f" 3 COUNTRY_INVALID error country
	expect_rows "10 MB field ($q)" "$f" 3 1 2
	# The value is not copied whole into the report.
	_s=$(wc -c <"$REJ")
	if [ "$_s" -lt 100000 ]; then ok; else
		not_ok "10 MB field ($q): rejects.csv is $_s bytes"
	fi
	rm -f "$f"
	canary "10 MB field ($q)"
done

# A line of 1,000,000 commas: one row of too many fields.
{
	echo "$RH"
	head -c 1000000 /dev/zero | tr '\0' ,
	echo
	echo "${G}03,Hartmann Systemhaus GmbH,DE,info@hartmann.de"
} >"$T/commas.csv"
f=$T/commas.csv
chk commas "$f"
expect_exit 1 "1,000,000 commas"
expect_finding "1,000,000 commas" "$f" 2 COLUMN_COUNT error ""
expect_grep "$ERR" "row has 1000001 fields; the header has 4" "1,000,000 commas: message"
expect_rows "1,000,000 commas" "$f" 2 1 1
canary "1,000,000 commas"

# A header line of a million commas is no header (refused, not a crash).
{ head -c 1000000 /dev/zero | tr '\0' ,; echo; echo "a,b"; } >"$T/hcommas.csv"
chk hcommas "$T/hcommas.csv"
expect_exit 65 "header of 1,000,000 commas"
canary "header of 1,000,000 commas"

# A quoted field that never ends, over many lines: no crash, a finding.
{ echo "$RH"; printf '%s01,"' "$G"; i=0
  while [ $i -lt 2000 ]; do
	printf '%s\n' "line $i of a quoted value that never ends, padded to about one hundred bytes...."
	i=$((i + 1))
  done; } >"$T/longquote.csv"
chk lq "$T/longquote.csv"
expect_exit 1 "never-ending quoted field over 2000 lines"
expect_finding "never-ending quoted field over 2000 lines" "$T/longquote.csv" 2 "" error ""
canary "never-ending quoted field"

# ---- generated: gzip -------------------------------------------------------------------

# A bomb: a header, then 100 MB of newlines (blank lines, no rows), gzip -9
# (about 1000:1).  Refused as a bomb, fast, not after inflating it all.
{ echo "mpn_id,type,country"; head -c 100000000 /dev/zero | tr '\0' '\n'; } |
	gzip -9 >"$T/bomb.csv.gz"
f=$T/bomb.csv.gz
chk bomb "$f"
expect_exit 65 "gzip bomb"
expect_grep "$ERR" "gzip expands more than 250:1; refused as a decompression bomb" \
	"gzip bomb: message"
expect_refused "gzip bomb" "$f"
canary "gzip bomb"

# --max-input-bytes counts decompressed bytes: relationships.csv.gz is
# 2211 bytes, 4821 once inflated.
f=samples/relationships.csv.gz
chk mib1 --max-input-bytes 100 samples/mpn_ids.csv
expect_exit 65 "--max-input-bytes 100"
expect_grep "$ERR" "samples/mpn_ids.csv: input larger than 100 bytes (--max-input-bytes)" \
	"--max-input-bytes 100: message"
expect_refused "--max-input-bytes 100" samples/mpn_ids.csv
chk mib2 --max-input-bytes 4820 "$f"
expect_exit 65 "--max-input-bytes 4820 on a 4821-byte gzip content"
# The resellers and PartnerIDs the relationships reference (under 4821
# bytes each) come beside them.
REFS="samples/mpn_ids.csv samples/resellers.csv"
chk mib3 --max-input-bytes 4821 $REFS "$f"
expect_exit 0 "--max-input-bytes 4821 on a 4821-byte gzip content"
expect_rows "--max-input-bytes 4821" "$f" 30 30 0
chk mib4 --max-input-bytes 4K "$f"
expect_exit 65 "--max-input-bytes 4K"
chk mib5 --max-input-bytes 5k $REFS "$f"
expect_exit 0 "--max-input-bytes 5k"
canary "--max-input-bytes"

# Concatenated gzip members are one stream, read in full; the cut is in
# the middle of a row.
head -c 2000 samples/relationships.csv | gzip -n >"$T/multi.csv.gz"
tail -c +2001 samples/relationships.csv | gzip -n >>"$T/multi.csv.gz"
f=$T/multi.csv.gz
chk multi $REFS "$f"
expect_exit 0 "multi-member gzip"
expect_rows "multi-member gzip" "$f" 30 30 0
expect_eq "multi-member gzip: format" csv.gz "$(jfile "$f" format)"
expect_eq "multi-member gzip: sha256 of the file" \
	"$(sha256sum <"$f" | cut -d' ' -f1)" "$(jfile "$f" sha256)"

# An empty member in front of the data is harmless.
: | gzip -n >"$T/multi2.csv.gz"
gzip -n <samples/mpn_ids.csv >>"$T/multi2.csv.gz"
chk multi2 "$T/multi2.csv.gz"
expect_exit 0 "empty gzip member, then data"
expect_rows "empty gzip member, then data" "$T/multi2.csv.gz" 12 12 0

# The gzip of an empty file is an empty file: no header (as empty.csv),
# not a gzip error.
: | gzip -n >"$T/empty.csv.gz"
f=$T/empty.csv.gz
chk emptygz "$f"
expect_exit 65 "gzip of an empty file"
expect_finding "gzip of an empty file" "$f" "" COLUMN_MISSING error ""
expect_no_grep "$ERR" "gzip" "gzip of an empty file: not a gzip error"
canary "gzip of an empty file"

# A lone gzip header (10 bytes, no deflate data): truncated, refused.
head -c 10 samples/relationships.csv.gz >"$T/header.gz"
chk gzhead "$T/header.gz"
expect_exit 65 "gzip header only"
expect_grep "$ERR" "truncated gzip" "gzip header only: message"

# Corrupt deflate data (bytes flipped after the header).
{ head -c 20 samples/relationships.csv.gz; head -c 200 /dev/zero | tr '\0' '\377'
  tail -c +221 samples/relationships.csv.gz; } >"$T/corrupt.gz"
chk gzcorrupt "$T/corrupt.gz"
expect_exit 65 "corrupt gzip"
canary "corrupt gzip"

# ---- generated: XML -------------------------------------------------------------------

# An XML value of 100 KB (over the 64 KiB value limit, under the 256 KiB
# text limit): TOO_LONG on its record, the next record read.
{
	printf '<?xml version="1.0"?>\n<resellers xmlns="urn:csprecon:batch:1">\n<reseller>\n'
	printf '<tenantId>%s01</tenantId><name>' "$G"
	head -c 100000 /dev/zero | tr '\0' x
	printf '</name><country>DE</country><contactEmail>a@b.de</contactEmail></reseller>\n<reseller>\n'
	printf '<tenantId>%s02</tenantId><name>Poseidon Networks Ltd</name>' "$G"
	printf '<country>Atlantis</country><contactEmail>a@b.de</contactEmail></reseller>\n</resellers>\n'
} >"$T/bigfield.xml"
f=$T/bigfield.xml
chk bfx "$f"
expect_exit 1 "100 KB XML value"
expect_finding "100 KB XML value" "$f" 3 TOO_LONG error name
expect_finding "100 KB XML value: next record" "$f" 5 COUNTRY_INVALID error country
expect_rows "100 KB XML value" "$f" 2 0 2
canary "100 KB XML value"

# An XML value of 1 MB: libxml2 would build it whole, so the file is refused
# before it does (the text limit), at the line the parser reached.
{
	printf '<?xml version="1.0"?>\n<resellers xmlns="urn:csprecon:batch:1">\n<reseller>\n'
	printf '<tenantId>%s01</tenantId><name>' "$G"
	head -c 1000000 /dev/zero | tr '\0' x
	printf '</name><country>DE</country><contactEmail>a@b.de</contactEmail></reseller>\n</resellers>\n'
} >"$T/hugefield.xml"
f=$T/hugefield.xml
chk hfx "$f"
expect_exit 65 "1 MB XML value"
expect_grep "$ERR" "more than 262144 bytes of text without markup: a value far over the 65536-byte limit" \
	"1 MB XML value: message"
expect_refused "1 MB XML value" "$f"
canary "1 MB XML value"

# A DOCTYPE with a 50 KB entity referenced 20,000 times (1 GB if expanded).
{
	printf '<?xml version="1.0"?>\n<!DOCTYPE resellers [\n<!ENTITY a "'
	head -c 50000 /dev/zero | tr '\0' a
	printf '">\n]>\n<resellers xmlns="urn:csprecon:batch:1">\n<reseller><tenantId>%s01</tenantId><name>' "$G"
	i=0
	while [ $i -lt 2000 ]; do printf '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'; i=$((i + 1)); done
	printf '</name><country>DE</country><contactEmail>a@b.de</contactEmail></reseller>\n</resellers>\n'
} >"$T/quadratic.xml"
f=$T/quadratic.xml
chk quad "$f"
expect_exit 65 "quadratic blow-up DOCTYPE"
expect_finding "quadratic blow-up DOCTYPE" "$f" "" XML_INVALID error ""
expect_grep "$ERR" "DOCTYPE" "quadratic blow-up DOCTYPE: message"
canary "quadratic blow-up"

# External entities (general and parameter) naming a FIFO: if the program
# opened it, the writer below would get through and leave a mark.
mkfifo "$T/fifo"
(echo '<!ENTITY y "z">' >"$T/fifo" && touch "$T/fifo-read") 2>/dev/null &
writer=$!
cat >"$T/xxe-fifo.xml" <<EOF
<?xml version="1.0"?>
<!DOCTYPE resellers [
<!ENTITY % p SYSTEM "file://$T/fifo">
%p;
<!ENTITY x SYSTEM "file://$T/fifo">
]>
<resellers xmlns="urn:csprecon:batch:1"><reseller><tenantId>${G}01</tenantId><name>&x;</name><country>DE</country><contactEmail>a@b.de</contactEmail></reseller></resellers>
EOF
chk xxefifo "$T/xxe-fifo.xml"
expect_exit 65 "external entities naming a FIFO"
sleep 1
if [ -e "$T/fifo-read" ]; then
	not_ok "external entities naming a FIFO: the FIFO was opened"
else ok; fi
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
canary "external entities"

# Gzip-compressed XML that is not well-formed: still XML_INVALID, 65.
gzip -n <$C/not_wellformed.xml >"$T/nw.xml.gz"
chk nwgz "$T/nw.xml.gz"
expect_exit 65 "not well-formed XML, gzipped"
expect_finding "not well-formed XML, gzipped" "$T/nw.xml.gz" "" XML_INVALID error ""
expect_eq "not well-formed XML, gzipped: format" xml.gz "$(jfile "$T/nw.xml.gz" format)"

# A file of many parser blocks (the CSV parser thread hands over 256 KiB at
# a time): broken rows, over-long fields and multi-line quoted fields
# anywhere, also across block edges, keep their lines and their order.
awk -v want="$T/many.want" 'BEGIN {
	print "customer_tenant_id,customer_name,customer_domain,customer_country,reseller_tenant_id,reseller_mpn_id,relationship_to_partner,state,dap,since"
	big = "y"; while (length(big) < 70000) big = big big
	line = 2
	for (i = 1; i <= 30000; i++) {
		id = sprintf("%08x-0002-4000-8000-%012x", i, i)
		rest = ",NL,f6fadfa7-e5c1-4b62-b362-da5cc13da58a,4721402,reseller,active,no,2024-03-11"
		if (i % 997 == 0) {
			print id ",Stray \"quote,c" i ".example.nl" rest
			print line ":CSV_MALFORMED" > want
		} else if (i % 1999 == 0) {
			print id ",Ragged,c" i ".example.nl" rest ",x"
			print line ":COLUMN_COUNT" > want
		} else if (i % 2503 == 0) {
			print id "," big ",c" i ".example.nl" rest
			print line ":TOO_LONG" > want
		} else if (i % 3001 == 0) {
			print id ",\"Two\nlines\",c" i ".example.nl" rest
			print line ":ENCODING_INVALID" > want
			line++
		} else {
			print id ",Customer " i ",c" i ".example.nl" rest
		}
		line++
	}
}' >"$T/many.csv"
f=$T/many.csv
chk many samples/mpn_ids.csv samples/resellers.csv "$f"
expect_exit 1 "a file of many parser blocks"
expect_eq "a file of many parser blocks: findings" \
	"$(tr '\n' ' ' <"$T/many.want" | sed 's/ $//')" \
	"$(awk -F, -v p="$f" 'NR > 1 && $2 == p && $7 ~ /^(CSV_MALFORMED|COLUMN_COUNT|TOO_LONG|ENCODING_INVALID)$/ { print $3 ":" $7 }' "$REJ" | tr '\n' ' ' | sed 's/ $//')"
expect_rows "a file of many parser blocks" "$f" 30000 \
	$((30000 - $(wc -l <"$T/many.want"))) "$(wc -l <"$T/many.want" | tr -d ' ')"
gzip -n <"$f" >"$f.gz"
chk manygz samples/mpn_ids.csv samples/resellers.csv "$f.gz"
expect_rows "a file of many parser blocks, gzipped" "$f.gz" 30000 \
	$((30000 - $(wc -l <"$T/many.want"))) "$(wc -l <"$T/many.want" | tr -d ' ')"
# Refused at its header: the parser thread is stopped, not waited out.
{ echo "foo,bar"; cat "$f"; } >"$T/many-badhead.csv"
chk manybad "$T/many-badhead.csv"
expect_exit 65 "a long file refused at its header"
# The same gzipped: the thread that inflates ahead is stopped too.
gzip -n <"$T/many-badhead.csv" >"$T/many-badhead.csv.gz"
chk manybadgz "$T/many-badhead.csv.gz"
expect_exit 65 "a long gzipped file refused at its header"
expect_grep "$ERR" "many-badhead.csv.gz" "a long gzipped file refused at its header: message"

# XML of many parser blocks: every record arrives, with its line, values up
# to the limit included; an invalid element far into the file refuses it
# whole, naming its line.
xml_many() { # N BAD_AT
	awk -v n="$1" -v bad="$2" 'BEGIN {
		big = "y"; while (length(big) < 65536) big = big big
		print "<?xml version=\"1.0\"?>"
		print "<relationships xmlns=\"urn:csprecon:batch:1\">"
		for (i = 1; i <= n; i++) {
			name = i % 500 == 0 ? big : "Customer " i
			printf "<relationship><customerTenantId>%08x-0002-4000-8000-%012x</customerTenantId><customerName>%s</customerName><customerCountry>NL</customerCountry><resellerTenantId>f6fadfa7-e5c1-4b62-b362-da5cc13da58a</resellerTenantId>%s</relationship>\n", i, i, name, i == bad ? "<nope/>" : ""
		}
		print "</relationships>"
	}'
}
xml_many 20000 0 >"$T/many.xml"
f=$T/many.xml
chk manyxml samples/mpn_ids.csv samples/resellers.csv "$f"
expect_exit 1 "XML of many parser blocks"
expect_rows "XML of many parser blocks" "$f" 20000 19960 40
expect_eq "XML of many parser blocks: TOO_LONG lines" \
	"$(awk 'BEGIN { for (i = 500; i <= 20000; i += 500) printf "%s%d", (i > 500 ? " " : ""), i + 2 }')" \
	"$(awk -F, -v p="$f" 'NR > 1 && $2 == p && $7 == "TOO_LONG" { print $3 }' "$REJ" | tr '\n' ' ' | sed 's/ $//')"
xml_many 20000 19000 >"$T/manybad.xml"
f=$T/manybad.xml
chk manybadxml samples/mpn_ids.csv samples/resellers.csv "$f"
expect_exit 65 "XML invalid far into the file"
expect_refused "XML invalid far into the file" "$f"
expect_finding "XML invalid far into the file" "$f" 19002 XML_INVALID error ""
canary "XML invalid far into the file"
gzip -n <"$f" >"$f.gz"
chk manybadxmlgz samples/mpn_ids.csv samples/resellers.csv "$f.gz"
expect_exit 65 "gzipped XML invalid far into the file"
expect_refused "gzipped XML invalid far into the file" "$f.gz"
expect_finding "gzipped XML invalid far into the file" "$f.gz" 19002 XML_INVALID error ""

finish
