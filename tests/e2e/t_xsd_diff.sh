. "$(dirname "$0")/../lib.sh"
# t_xsd_diff.sh -- csprecon's XML structure checks against schemas/batch.xsd.
#
# Every file of tests/xsd/ (tests/xsd/README.md says what each exercises)
# goes through `xmllint --stream --noout --schema schemas/batch.xsd` and
# through `csprecon check`, and the two must agree:
#   (a) both accept the file, or both refuse it;
#   (b) when both refuse it, they name the same line;
#   (c) when xmllint's first error is a schema validity error, csprecon's
#       message is the same text.  For a parser (well-formedness) error only
#       (a) and (b) are compared: the messages are libxml2's either way.
# Independently of xmllint, csprecon's outcome must be the one that
# tests/xsd/expected.txt records ("valid" or "invalid LINE"), so that the
# test fails if both tools change together, and still runs where xmllint is
# missing (then the differential assertions are skipped, with a note).
#
# The files of tests/xsd/differences.txt are known to differ in one
# respect (a line, a message, which error comes first, or the verdict);
# everything else about them is compared.
#
# csprecon refuses a file when it reports XML_INVALID: exit 65, the finding
# in rejects.csv and "csprecon: FILE: line N: MESSAGE" on stderr.  Exit 0 or
# 1 is acceptance: 1 comes from per-row findings (MPN_MISSING,
# RESELLER_UNKNOWN, ...), not from the structure.

D=tests/xsd
EXP=$D/expected.txt
DIFF=$D/differences.txt
XSD=schemas/batch.xsd

if command -v xmllint >/dev/null 2>&1; then
	have_xmllint=1
else
	have_xmllint=0
	echo "$NAME: xmllint is not on PATH (Debian package libxml2-utils):" \
		"the comparison with libxml2's XSD validator is skipped;" \
		"only $EXP is checked" >&2
fi

strip() { printf '%s' "$1" | sed 's/[[:space:]]*$//'; }

# first_error FILE ERRFILE: the first "FILE:LINE: ... error : MESSAGE" line.
first_error() {
	awk -v p="$1:" 'index($0, p) == 1 &&
		substr($0, length(p) + 1) ~ /^[0-9]+: .*error : / { print; exit }' "$2"
}

# xl_result FILE: xmllint's verdict: $XO valid|invalid, and for invalid
# $XL (line), $XK (schema|parser) and $XM (message).
xl_result() {
	XO='' XL='' XK='' XM=''
	xmllint --stream --noout --schema "$XSD" "$1" >"$T/xl.out" 2>"$T/xl.err"
	_rc=$?
	case $_rc in
	0) XO=valid; return ;;
	1 | 3) XO=invalid ;;
	*) XO="xmllint exit $_rc: $(head -c 300 "$T/xl.err")"; return ;;
	esac
	_first=$(first_error "$1" "$T/xl.err")
	if [ -z "$_first" ]; then
		# libxml2 2.9.14: with both --stream and --schema, xmllint
		# prints no parser error at all (only "Unimplemented block at
		# xmlschemas.c:...", "FILE validates", "FILE : failed to
		# parse", exit 1).  The same parse without the schema names it.
		xmllint --stream --noout "$1" >/dev/null 2>"$T/xl2.err"
		_first=$(first_error "$1" "$T/xl2.err")
	fi
	_rest=${_first#"$1:"}
	XL=${_rest%%:*}
	case $_first in
	*": Schemas validity error : "*)
		XK=schema
		XM=$(strip "${_first#*": Schemas validity error : "}") ;;
	*)
		XK=parser
		XM=$(strip "${_first#*" error : "}") ;;
	esac
}

# cs_result FILE: csprecon's verdict: $CO valid|invalid (or what else it
# did), and for invalid $CL (line) and $CM (message).
cs_result() {
	CO='' CL='' CM=''
	rm -rf "$T/r"
	run --no-progress check --report-dir "$T/r" "$1"
	case $CODE in
	0 | 1) CO=valid ;;
	65)
		if awk -F, -v p="$1" 'NR > 1 && $2 == p && $7 == "XML_INVALID" { f = 1 }
			END { exit !f }' "$T/r/rejects.csv" 2>/dev/null; then
			CO=invalid
			_l=$(awk -v p="csprecon: $1: line " 'index($0, p) == 1 {
				print substr($0, length(p) + 1); exit }' "$ERR")
			CL=${_l%%:*}
			CM=$(strip "${_l#*": "}")
		else
			CO="refused without XML_INVALID: $(head -c 300 "$ERR")"
		fi ;;
	*) CO="exit $CODE: $(head -c 300 "$ERR")" ;;
	esac
}

show_xl() {
	if [ "$XO" = invalid ]; then
		printf "xmllint: invalid, line %s, %s error '%s'" "$XL" "$XK" "$XM"
	else
		printf 'xmllint: %s' "$XO"
	fi
}
show_cs() {
	if [ "$CO" = invalid ]; then
		printf "csprecon: invalid, line %s, '%s'" "$CL" "$CM"
	else
		printf 'csprecon: %s' "$CO"
	fi
}

# The corpus follows batch.xsd: each entity's valid_*_all_children.xml
# holds the schema's columns in its order, and valid_*_required_only.xml
# its required ones (minOccurs="1"); a column added to the schema must
# reach the corpus, and so the comparison below.
xsd_cols() {	# xsd_cols ROOT all|required
	awk -v root="$1" -v mode="$2" '
		function attr(line) { sub(/.*name="/, "", line); sub(/".*/, "", line); return line }
		/<xs:element name="/ && !/type=/ {
			n = attr($0)
			if (n == "resellers" || n == "mpnIds" || n == "relationships") cur = n
		}
		/type="xs:string"/ && cur == root && (mode == "all" || /minOccurs="1"/) {
			printf "%s ", attr($0)
		}' "$XSD"
}
file_cols() {	# file_cols FILE: the record's children, one per line
	sed -n 's/^    <\([A-Za-z]*\)[ />].*/\1/p' "$1" | tr '\n' ' '
}
for c in "resellers resellers" "mpnIds mpnids" "relationships relationships"; do
	set -- $c
	expect_eq "$1: valid_$2_all_children.xml has the schema's columns" \
		"$(xsd_cols "$1" all)" "$(file_cols "$D/valid_$2_all_children.xml")"
	expect_eq "$1: valid_$2_required_only.xml has its required columns" \
		"$(xsd_cols "$1" required)" \
		"$(file_cols "$D/valid_$2_required_only.xml")"
done

# Every file has an expectation, every expectation a file.
files=0
for f in "$D"/*.xml; do
	[ -f "$f" ] || continue
	files=$((files + 1))
done
entries=$(grep -c '^[^#]' "$EXP")
expect_eq "files in $D vs entries in $EXP" "$files" "$entries"
grep '^[^#]' "$EXP" | while read -r n _; do
	[ -f "$D/$n" ] || echo "$n"
done >"$T/missing"
expect_eq "entries of $EXP without a file" "" "$(tr '\n' ' ' <"$T/missing")"

for f in "$D"/*.xml; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	exp=$(awk -v n="$b" '$1 == n { print $2 ($3 == "" ? "" : " " $3); exit }' "$EXP")
	cs_result "$f"
	got=$CO
	[ "$CO" = invalid ] && got="invalid $CL"
	if [ -z "$exp" ]; then
		not_ok "$b: no entry in $EXP ($(show_cs))"
	else
		expect_eq "$b: csprecon against $EXP" "$exp" "$got"
	fi

	[ "$have_xmllint" -eq 1 ] || continue
	xl_result "$f"
	both="$(show_xl) | $(show_cs)"
	known=$(awk -v n="$b" '$1 == n { print $2; exit }' "$DIFF")
	# A known difference must still be there, or the list is stale.
	if [ -n "$known" ]; then
		case $known in
		outcome) d="$XO $CO" same="invalid invalid" ;;
		message) d=$CM same=$XM ;;
		*) d=$CL same=$XL ;;
		esac
		if [ "$d" != "$same" ]; then ok; else
			not_ok "$b: $DIFF says the $known differs," \
				"but it does not: $both"
		fi
	fi
	[ "$known" = outcome ] && continue
	if [ "$XO" != "$CO" ]; then
		not_ok "$b: outcomes differ: $both"
		continue
	fi
	ok
	[ "$XO" = invalid ] || continue
	[ "$known" = first-error ] && continue
	if [ "$known" = line ]; then :
	elif [ -n "$XL" ] && [ "$XL" = "$CL" ]; then ok; else
		not_ok "$b: lines differ: $both"
	fi
	if [ "$XK" = schema ] && [ "$known" != message ]; then
		if [ "$XM" = "$CM" ]; then ok; else
			not_ok "$b: messages differ: $both"
		fi
	fi
done

# Lines past 65535, where libxml2's tree keeps no line for an element:
# generated files, each with its expected verdict, compared the same way.
big() {	# big FILE BLANK-LINES LINE...
	_f=$1 _n=$2
	shift 2
	{
		printf '<?xml version="1.0"?>\n<mpnIds xmlns="urn:csprecon:batch:1">\n'
		awk -v n="$_n" 'BEGIN { for (i = 0; i < n; i++) print "" }'
		printf '%s\n' "$@" '</mpnIds>'
	} >"$_f"
}
big "$T/big1.xml" 65531 '<mpnId>' '<zzz/>' '</mpnId>'
big "$T/big2.xml" 70000 '<mpnId>' '<mpnId>1</mpnId>' '<type>location</type>' \
	'<zzz/>' '</mpnId>'
big "$T/big3.xml" 70000 '<mpnId>' '<mpnId>1</mpnId>' '<type>location</type>' \
	'</mpnId>'
big "$T/big4.xml" 70000 '  <mpnId>' '    <mpnId>abc</mpnId>' \
	'    <type>location</type>' '    <country>DE</country>' '  </mpnId>'
for c in "big1.xml invalid 65535" "big2.xml invalid 70006" \
	"big3.xml invalid 70006" "big4.xml valid"; do
	set -- $c
	f=$T/$1 exp="$2${3:+ $3}"
	cs_result "$f"
	got=$CO
	[ "$CO" = invalid ] && got="invalid $CL"
	expect_eq "$1 (lines past 65535): csprecon" "$exp" "$got"
	[ "$have_xmllint" -eq 1 ] || continue
	xl_result "$f"
	expect_eq "$1 (lines past 65535): xmllint" "$exp" \
		"$XO${XL:+ $XL}"
	[ "$XK" != schema ] || expect_eq "$1: message" "$XM" "$CM"
done
# A row's findings name the line of its record's start tag, past 65535 too.
cs_result "$T/big4.xml"
expect_eq "big4.xml: MPN_INVALID at the record's line" "70003" \
	"$(awk -F, '$7 == "MPN_INVALID" { print $3 }' "$T/r/rejects.csv")"

# Every file of differences.txt is in the corpus, with a known kind.
grep '^[^#]' "$DIFF" | while read -r n k; do
	[ -f "$D/$n" ] || echo "$n: no such file"
	case $k in line | message | first-error | outcome) ;;
	*) echo "$n: unknown kind '$k'" ;; esac
done >"$T/baddiff"
expect_eq "entries of $DIFF" "" "$(tr '\n' ' ' <"$T/baddiff")"

finish
