. "$(dirname "$0")/../lib.sh"
# t_rules.sh -- every field-level rule of SPEC §3, with its exact code,
# severity, field and line, on small files written to $T.
#
# Each row breaks one rule (or none) and the test also checks how many
# error findings its line has, so a row that breaks one rule gets no other
# error.  Lines count the header as line 1; a record's line is the line
# where it starts (its first CSV line, its XML start tag).
#
# Rows are built so that the cross-entity rules add no error: resellers
# have no PartnerID (only the MPN_MISSING violation, which rejects nothing),
# PartnerIDs have no global_mpn_id, and relationships name an active
# reseller of samples/resellers.csv that signed the MPA.


# ---- helpers ----------------------------------------------------------------

# count FILE LINE RULE SEVERITY FIELD: findings in $REJ that match; an
# empty argument matches anything, "-" an empty cell.
count() {
	[ -f "$REJ" ] || { echo 0; return; }
	awk -F, -v p="$1" -v l="$2" -v r="$3" -v s="$4" -v f="$5" '
		function m(want, got) {
			return want == "" || (want == "-" ? got == "" : got == want)
		}
		NR > 1 && m(p, $2) && m(l, $3) && m(r, $7) && m(s, $8) &&
		    m(f, $6) { n++ }
		END { print n + 0 }' "$REJ"
}

# expect_finding WHAT FILE LINE RULE SEVERITY FIELD
expect_finding() {
	_c=$(count "$2" "$3" "$4" "$5" "$6")
	if [ "$_c" -ge 1 ]; then ok; else
		not_ok "$1: no $4 $5 on field '$6' at $2:$3; findings there: $(awk -F, -v p="$2" -v l="$3" '$2 == p && $3 == l { print $6 "/" $7 "/" $8 }' "$REJ" 2>/dev/null | tr '\n' ' ')"
	fi
}

# expect_errors WHAT FILE LINE N: exactly N error findings at FILE:LINE.
expect_errors() {
	_c=$(count "$2" "$3" "" error "")
	if [ "$_c" -eq "$4" ]; then ok; else
		not_ok "$1: $_c errors at $2:$3, expected $4: $(awk -F, -v p="$2" -v l="$3" '$2 == p && $3 == l && $8 == "error" { print $6 "/" $7 }' "$REJ" 2>/dev/null | tr '\n' ' ')"
	fi
}

# expect_absent WHAT FILE LINE RULE: no RULE finding at FILE:LINE.
expect_absent() {
	_c=$(count "$2" "$3" "$4" "" "")
	if [ "$_c" -eq 0 ]; then ok; else
		not_ok "$1: unexpected $4 at $2:$3"
	fi
}


# Rows of a CSV file under construction: $F is the file, $L its last line.
# row TEXT: append TEXT (one record, maybe several lines) and set $LINE to
# the line where it starts; "@G@" in it becomes a GUID made from the file's
# number and that line, so no two rows of the test share a key.
FNO=0
start() { # FILE HEADER
	F=$1
	FNO=$((FNO + 1))
	printf '%s\n' "$2" >"$F"
	L=1
}
row() {
	_g=$(printf '00000000-0000-4000-8%03d-%012d' "$FNO" $((L + 1)))
	printf '%s\n' "$1" | sed "s/@G@/$_g/g" >>"$F"
	LINE=$((L + 1))
	L=$((L + $(printf '%s\n' "$1" | wc -l)))
}

# The expectations of a file are collected while it is written and checked
# after the run: want RULE SEVERITY FIELD ERRORS WHAT -- the record just
# written has RULE/SEVERITY on FIELD ("*": any field) and ERRORS error
# findings in all; clean WHAT -- it has no error; absent RULE WHAT -- it has
# no RULE finding.
WANTS=$T/wants
: >"$WANTS"
want() {
	printf 'W %s %s %s %s %s %s %s\n' "$F" "$LINE" "$1" "$2" "$3" "$4" "$5" >>"$WANTS"
}
clean() { printf 'W %s %s - - - 0 %s\n' "$F" "$LINE" "$1" >>"$WANTS"; }
absent() { printf 'A %s %s %s - - - %s\n' "$F" "$LINE" "$1" "$2" >>"$WANTS"; }

# check_wants FILE: check the expectations collected for FILE.
check_wants() {
	while read -r _k _p _l _r _s _f _e _w; do
		[ "$_p" = "$1" ] || continue
		[ "$_f" != "*" ] || _f=
		if [ "$_k" = A ]; then
			expect_absent "$_w" "$1" "$_l" "$_r"
			continue
		fi
		[ "$_r" = - ] || expect_finding "$_w" "$1" "$_l" "$_r" "$_s" "$_f"
		expect_errors "$_w" "$1" "$_l" "$_e"
	done <"$WANTS"
}

RH=tenant_id,name,country,mpn_id,contact_name,contact_email,relationship,mpa_signed,admin_access,domains
MH=mpn_id,type,country,name,global_mpn_id,status
LH=customer_tenant_id,customer_name,customer_domain,customer_country,reseller_tenant_id,reseller_mpn_id,relationship_to_partner,state,dap,since
# An active reseller of samples/resellers.csv that signed the MPA.
RT=8f7b7676-d015-40dc-8c63-888f28f00481
RM=4938817
# Two file names, split on purpose where $REF is used unquoted.
REF="samples/mpn_ids.csv samples/resellers.csv"
A257=$(printf '%0257d' 0 | tr 0 A)
A256=$(printf '%0256d' 0 | tr 0 A)
U256=$(printf '%0256d' 0 | sed "s/0/$(printf '\303\274')/g") # 256 x u-umlaut, 512 bytes
C101=$(printf '%0101d' 0 | tr 0 c)
C100=$(printf '%0100d' 0 | tr 0 c)

# ---- resellers: one rule per row --------------------------------------------

start "$T/res.csv" "$RH"
row "@G@,Hartmann Systemhaus GmbH,DE,,Jana Hartmann,jana@hartmann.de,active,yes,no,hartmann.de"
clean "valid reseller"
absent EMAIL_DOMAIN_MISMATCH "valid reseller"
row "@G@,,DE,,Anna Berg,anna@berg-it.de,,,,"
want REQUIRED error name 1 "empty name"
row "@G@,Berg IT GmbH,,,Anna Berg,anna@berg-it.de,,,,"
want REQUIRED error country 1 "empty country"
row "@G@,Berg IT GmbH,DE,,Anna Berg,   ,,,,"
want REQUIRED error contact_email 1 "blank contact_email (values are trimmed)"
row ",Berg IT GmbH,DE,,Anna Berg,anna@berg-it.de,,,,"
want REQUIRED error tenant_id 1 "empty tenant_id"
row "@G@,$A257,DE,,Anna Berg,anna@berg-it.de,,,,"
want TOO_LONG error name 1 "name of 257 characters"
row "@G@,$A256,DE,,Anna Berg,anna@berg-it.de,,,,"
clean "name of 256 characters"
row "@G@,$U256,DE,,Anna Berg,anna@berg-it.de,,,,"
clean "name of 256 two-byte characters (characters, not bytes)"
row "@G@,Berg IT GmbH,DE,,$C101,anna@berg-it.de,,,,"
want TOO_LONG error contact_name 1 "contact_name of 101 characters"
row "@G@,Berg IT GmbH,DE,,$C100,anna@berg-it.de,,,,"
clean "contact_name of 100 characters"
row "3f2b9c1e-7a4d-4e8b-b1c2-9d0e4f5g6b70,Lumen Data SARL,FR,,,contact@lumendata.fr,,,,"
want GUID_INVALID error tenant_id 1 "tenant_id with a 'g'"
row "{3F2B9C1E-7A4D-4E8B-B1C2-9D0E4F5A6B70},Lumen Data SARL,FR,,,contact@lumendata.fr,,,,"
clean "tenant_id upper case in braces"
row "{3f2b9c1e-7a4d-4e8b-b1c2-9d0e4f5a6b71,Lumen Data SARL,FR,,,contact@lumendata.fr,,,,"
want GUID_INVALID error tenant_id 1 "tenant_id with one brace"
row "@G@,Delft Digitaal B.V.,NL,48A2117,,info@delftdigitaal.nl,,,,"
want MPN_INVALID error mpn_id 1 "mpn_id 48A2117"
absent MPN_LENGTH_UNUSUAL "no length warning on an unparseable PartnerID"
row "@G@,Delft Digitaal B.V.,NL,12345678901,,info@delftdigitaal.nl,,,,"
want MPN_INVALID error mpn_id 1 "mpn_id of 11 digits"
row "@G@,Poseidon Networks Ltd,Atlantis,,,ops@poseidon.co.uk,,,,"
want COUNTRY_INVALID error country 1 "country Atlantis"
row "@G@,Berg IT GmbH,deu,,,anna@berg-it.de,,,,"
clean "country alpha-3 in lower case"
row "@G@,Berg IT Ltd, United Kingdom ,,,anna@berg-it.co.uk,,,,"
clean "country as English name, padded"
row "@G@,Keller Informatik AG,CH,,,m.keller@office@keller-it.ch,,,,"
want EMAIL_INVALID error contact_email 1 "email with two @"
row "@G@,Keller Informatik AG,CH,,,m..keller@keller-it.ch,,,,"
want EMAIL_INVALID error contact_email 1 "email with consecutive dots"
row "@G@,Keller Informatik AG,CH,,,\"\"\"m keller\"\"@keller-it.ch\",,,,"
want EMAIL_INVALID error contact_email 1 "email with a quoted local part"
row "@G@,Keller Informatik AG,CH,,,m.keller@[192.0.2.1],,,,"
want EMAIL_INVALID error contact_email 1 "email with an address literal"
row "@G@,Keller Informatik AG,CH,,,m.keller@localhost,,,,"
want EMAIL_INVALID error contact_email 1 "email domain of one label"
row "@G@,Keller Informatik AG,CH,,,m.keller@keller-it.c,,,,"
want EMAIL_INVALID error contact_email 1 "email with a one-letter TLD"
row "@G@,Keller Informatik AG,CH,,,m.keller@-keller-it.ch,,,,"
want EMAIL_INVALID error contact_email 1 "email domain label starting with a hyphen"
row "@G@,Buecher GmbH,DE,,,info@xn--bcher-kva.de,,,,"
clean "email at an A-label domain"
row "@G@,Ostsee Cloud GmbH,DE,,,info@ostsee-cloud.de,suspended,,,"
want ENUM_INVALID error relationship 1 "relationship suspended"
row "@G@,Kowalczyk Systemy IT,PL,,,biuro@kowalczyk.pl,,maybe,,"
want ENUM_INVALID error mpa_signed 1 "mpa_signed maybe"
row "@G@,Kowalczyk Systemy IT,PL,,,biuro@kowalczyk.pl,,,2,"
want ENUM_INVALID error admin_access 1 "admin_access 2"
row "@G@,Kowalczyk Systemy IT,PL,,,biuro@kowalczyk.pl,PENDING,Y,false,"
clean "enum and booleans in other spellings"
row "@G@,Bad Domain Trading B.V.,NL,,,info@baddomain.nl,,,,-bad-.com;baddomain.nl"
want DOMAIN_INVALID error domains 1 "domains with -bad-.com"
absent EMAIL_DOMAIN_MISMATCH "email at the valid entry of a bad list"
row "@G@,X,DE,,,info@x-gmbh.de,,,,"
want NAME_INVALID error name 1 "name of one character"
row "@G@,---,DE,,,info@x-gmbh.de,,,,"
want NAME_INVALID error name 1 "name of symbols only"
row "@G@,$(printf '\342\200\223 \302\267'),DE,,,info@x-gmbh.de,,,,"
want NAME_INVALID error name 1 "name of non-ASCII symbols only (en dash, middle dot)"
row "@G@,3M,DE,,,info@3m.de,,,,"
clean "name of two characters"
row "@G@,Studio Rinaldi S.r.l.,IT,,,studio.rinaldi@gmail.com,,,,"
want EMAIL_WEBMAIL violation contact_email 0 "gmail.com"
row "@G@,Ashford Computer Services Ltd,GB,,,ashfordcomputers@yahoo.co.uk,,,,"
want EMAIL_WEBMAIL violation contact_email 0 "yahoo.co.uk"
row "@G@,Informatique Girard SARL,FR,,,LUC.GIRARD@HOTMAIL.FR,,,,"
want EMAIL_WEBMAIL violation contact_email 0 "HOTMAIL.FR"
row "@G@,Informatique Girard SARL,FR,,,luc.girard@gmail.com.,,,,"
want EMAIL_INVALID error contact_email 1 "gmail.com. (trailing dot: an empty label)"
for d in googlemail.com yahoo.com yahoo.de yahoo.co.jp yahoo.com.br \
	ymail.com rocketmail.com icloud.com me.com mac.com aol.com aol.fr \
	aim.com outlook.com outlook.de hotmail.com hotmail.it hotmail.co.uk \
	live.com live.nl live.co.za msn.com windowslive.com passport.com \
	Outlook.COM; do
	row "@G@,Webmail Test GmbH,DE,,,someone@$d,,,,"
	want EMAIL_WEBMAIL violation contact_email 0 "$d"
done
for d in notgmail.com mail.gmail.com gmail.co yahoo.company.com \
	outlook.com.example.de hotmail.co.uk.example.com live.com.au.example.org; do
	row "@G@,Webmail Test GmbH,DE,,,someone@$d,,,,"
	clean "$d is not web mail (whole-domain match)"
done
row "@G@,Berg IT GmbH,DE,,,anna@@gmail.com,,,,"
want EMAIL_INVALID error contact_email 1 "invalid email at gmail.com"
absent EMAIL_WEBMAIL "no EMAIL_WEBMAIL on an invalid email"
row "@G@,Contoso Deutschland GmbH,DE,,,lena.fischer@fabrikam.com,,,,contoso.de"
want EMAIL_DOMAIN_MISMATCH warning contact_email 0 "email not at a listed domain"
row "@G@,Contoso GmbH,DE,,,lena@de.contoso.com,,,,contoso.com"
clean "email on a subdomain of a listed domain"
absent EMAIL_DOMAIN_MISMATCH "email on a subdomain of a listed domain"
row "@G@,Contoso GmbH,DE,,,lena@evilcontoso.com,,,,contoso.com"
want EMAIL_DOMAIN_MISMATCH warning contact_email 0 "evilcontoso.com is not within contoso.com"
row "@G@,Contoso GmbH,DE,,,lena@CONTOSO.DE,,,,contoso.com; contoso.de"
absent EMAIL_DOMAIN_MISMATCH "email domain in other case, second of two domains"
row "@G@,Contoso GmbH,DE,,,lena@gmail.com,,,,contoso.de"
want EMAIL_WEBMAIL violation contact_email 0 "web mail and not a listed domain"
want EMAIL_DOMAIN_MISMATCH warning contact_email 0 "web mail and not a listed domain"
row "@G@,\"Foo$(printf '\t')Bar GmbH\",DE,,,info@foobar.de,,,,"
want ENCODING_INVALID error name 1 "TAB inside a name"
row "@G@,Foo$(printf '\177')Bar GmbH,DE,,,info@foobar.de,,,,"
want ENCODING_INVALID error name 1 "DEL inside a name"
row "@G@,Foo$(printf '\302\205')Bar GmbH,DE,,,info@foobar.de,,,,"
want ENCODING_INVALID error name 1 "C1 control U+0085 inside a name"
row "@G@,Caf$(printf '\303(') Lumiere SAS,FR,,,info@foobar.fr,,,,"
want ENCODING_INVALID error name 1 "invalid UTF-8 in a name"
row "@G@,Foo GmbH,DE,,Anna$(printf '\033')[31mBerg,info@foobar.de,,,,"
want ENCODING_INVALID error contact_name 1 "ESC inside contact_name"
L_ESC=$LINE
row "@G@,\"Foo GmbH
\",DE,,,info@foobar.de,,,,"
clean "a record on two lines (the newline is trimmed off the value)"
row "@G@,Foo GmbH,Atlantis,,,info@foobar.de,,,,"
want COUNTRY_INVALID error country 1 "the record after a two-line record"
row "@G@,\"Brauhaus Lindner
GmbH\",Atlantis,,,info@brauhaus.de,,,,"
want ENCODING_INVALID error name 2 "newline inside a name, record on two lines"
want COUNTRY_INVALID error country 2 "second rule on a two-line record"
row "nope,X,Atlantis,,,nope,,,,"
want GUID_INVALID error tenant_id 4 "several rules on one row"
want NAME_INVALID error name 4 "several rules on one row"
want COUNTRY_INVALID error country 4 "several rules on one row"
want EMAIL_INVALID error contact_email 4 "several rules on one row"

chk res --max-errors 1000 "$T/res.csv"
expect_exit 1 "resellers rules"
check_wants "$T/res.csv"
# The value is shown with the control byte escaped, on stderr too.
expect_grep "$ERR" "res.csv:$L_ESC: ENCODING_INVALID error: contact_name:" \
	"ESC: stderr line"
expect_grep "$ERR" "Anna\\x1B[31mBerg" "ESC shown as \\x1B on stderr"
if grep -q "$(printf '\033')" "$ERR" "$REJ"; then
	not_ok "a raw ESC byte reached stderr or rejects.csv"
else ok; fi
# Every row is read, and read = accepted + rejected.
expect_eq "resellers rules: rows_read" $((L - 3)) "$(jfile "$T/res.csv" rows_read)"
expect_eq "resellers rules: rows_rejected" \
	"$(awk -F, 'NR > 1 && $8 == "error" { print $3 }' "$REJ" | sort -u | wc -l | tr -d ' ')" \
	"$(jfile "$T/res.csv" rows_rejected)"

# ---- mpn_ids ------------------------------------------------------------------

start "$T/mpn.csv" "$MH"
row "4820193,location,DE,Hartmann Systemhaus GmbH,,active"
clean "valid PartnerID"
absent MPN_LENGTH_UNUSUAL "7 digits"
row "482019,PLA,DE,Hartmann Systemhaus GmbH,,"
clean "6 digits, PLA"
absent MPN_LENGTH_UNUSUAL "6 digits"
row "4711,location,SE,Torvik Cloud AB,,active"
want MPN_LENGTH_UNUSUAL warning mpn_id 0 "4 digits"
row "12345678,location,SE,Torvik Cloud AB,,active"
want MPN_LENGTH_UNUSUAL warning mpn_id 0 "8 digits"
row "1234567890,location,SE,Torvik Cloud AB,,active"
want MPN_LENGTH_UNUSUAL warning mpn_id 0 "10 digits"
row "12345678901,location,SE,Torvik Cloud AB,,active"
want MPN_INVALID error mpn_id 1 "11 digits"
absent MPN_LENGTH_UNUSUAL "11 digits"
row "48A2117,location,NL,Delft Digitaal B.V.,,active"
want MPN_INVALID error mpn_id 1 "mpn_id with a letter"
row "4820201,regional,GB,Valmora UK Ltd,,active"
want ENUM_INVALID error type 1 "type regional"
row "4820202,,GB,Valmora UK Ltd,,active"
want REQUIRED error type 1 "empty type"
row "4820203,location,GB,Valmora UK Ltd,,dormant"
want ENUM_INVALID error status 1 "status dormant"
row "4820204,location,GB,Valmora UK Ltd,47213X5,active"
want MPN_INVALID error global_mpn_id 1 "global_mpn_id with a letter"
row "4820205,location,GB,$A257,,active"
want TOO_LONG error name 1 "PartnerID name of 257 characters"
row "4820206,location,Neverland,Valmora UK Ltd,,active"
want COUNTRY_INVALID error country 1 "country Neverland"
row "4820207,Global,deu,Valmora Holding GmbH,,INACTIVE"
clean "PGA spelled Global, alpha-3 country, status upper case"

chk mpn "$T/mpn.csv"
expect_exit 1 "mpn_ids rules"
check_wants "$T/mpn.csv"

# ---- relationships (with the valid resellers and PartnerIDs) --------------------

start "$T/rel.csv" "$LH"
row "@G@,Schreinerei Maier GmbH,schreinerei-maier.de,DE,$RT,$RM,reseller,active,no,2025-03-03"
clean "valid relationship"
row "@G@,Kanzlei Roth,kanzlei-roth.de,DE,$RT,$RM,reseller,active,no,2026-02-30"
want DATE_INVALID error since 1 "since 2026-02-30"
row "@G@,Kanzlei Roth,kanzlei-roth.de,DE,$RT,$RM,reseller,active,no,23.11.2026"
want DATE_INVALID error since 1 "since 23.11.2026"
row "@G@,Kanzlei Roth,kanzlei-roth.de,DE,$RT,$RM,reseller,active,no,2026-11-23T25:00:00Z"
want DATE_INVALID error since 1 "since with hour 25"
row "@G@,Kanzlei Roth,kanzlei-roth.de,DE,$RT,$RM,reseller,active,no,2024-02-29"
clean "since on a leap day"
row "@G@,Kanzlei Roth,kanzlei-roth.de,DE,$RT,$RM,reseller,active,no,2026-02-01T09:30:00Z"
clean "since as a full timestamp"
row "@G@,Kanzlei Roth,kanzlei-roth.de,DE,$RT,$RM,reseller,active,no,2026-02-01T09:30:00+01:00"
clean "since as a timestamp with an offset"
row "@G@,Fromagerie Lambert SAS,fromagerie-lambert.fr,FR,$RT,$RM,reseller,paused,no,"
want ENUM_INVALID error state 1 "state paused"
row "@G@,Fromagerie Lambert SAS,fromagerie-lambert.fr,FR,$RT,$RM,partner,active,no,"
want ENUM_INVALID error relationship_to_partner 1 "relationship_to_partner partner"
row "@G@,Fromagerie Lambert SAS,fromagerie-lambert.fr,FR,$RT,$RM,reseller,active,perhaps,"
want ENUM_INVALID error dap 1 "dap perhaps"
row "@G@,Fromagerie Lambert SAS,fromagerie_lambert.fr,FR,$RT,$RM,reseller,active,no,"
want DOMAIN_INVALID error customer_domain 1 "customer_domain with an underscore"
row "@G@,Fromagerie Lambert SAS,fromagerie-lambert.fr,FR,not-a-guid,$RM,reseller,active,no,"
want GUID_INVALID error reseller_tenant_id 1 "reseller_tenant_id not a GUID"
row "@G@,Fromagerie Lambert SAS,fromagerie-lambert.fr,FR,$RT,49388X7,reseller,active,no,"
want MPN_INVALID error reseller_mpn_id 1 "reseller_mpn_id with a letter"
row "@G@,Fromagerie Lambert SAS,fromagerie-lambert.fr,,$RT,$RM,reseller,active,no,"
want REQUIRED error customer_country 1 "empty customer_country"
row "@G@,$A257,fromagerie-lambert.fr,FR,$RT,$RM,reseller,active,no,"
want TOO_LONG error customer_name 1 "customer_name of 257 characters"
row "@G@,Fromagerie Lambert SAS,fromagerie-lambert.fr,Frankreich,$RT,$RM,reseller,active,no,"
want COUNTRY_INVALID error customer_country 1 "customer_country in German"

chk rel $REF "$T/rel.csv"
expect_exit 1 "relationships rules"
check_wants "$T/rel.csv"

# ---- XML: the same value rules, lines of start tags -----------------------------

NS=urn:csprecon:batch:1
cat >"$T/res.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<resellers xmlns="$NS">
  <reseller>
    <tenantId>00000000-0000-4000-8000-000000000003</tenantId>
    <name>Hartmann Systemhaus GmbH</name>
    <country>DE</country>
    <contactEmail>jana@hartmann.de</contactEmail>
  </reseller>
  <reseller><tenantId>00000000-0000-4000-8000-000000000009</tenantId><name/><country>DE</country><contactEmail>a@berg-it.de</contactEmail></reseller>
  <reseller>
    <tenantId>3f2b9c1e-7a4d-4e8b-b1c2-9d0e4f5g6b70</tenantId>
    <name>Lumen Data SARL</name>
    <country>FR</country>
    <contactEmail>contact@lumendata.fr</contactEmail>
  </reseller>
  <reseller>
    <tenantId>00000000-0000-4000-8000-000000000016</tenantId>
    <name>Poseidon Networks Ltd</name>
    <country> Atlantis </country>
    <contactEmail>ops@poseidon.co.uk</contactEmail>
  </reseller>
  <reseller>
    <tenantId>00000000-0000-4000-8000-000000000022</tenantId>
    <name>Ashford Computer Services Ltd</name>
    <country>GB</country>
    <contactEmail>ashfordcomputers@yahoo.co.uk</contactEmail>
  </reseller>
  <reseller>
    <tenantId>00000000-0000-4000-8000-000000000028</tenantId>
    <name>Ostsee Cloud GmbH</name>
    <country>DE</country>
    <contactEmail>info@ostsee-cloud.de</contactEmail>
    <relationship>suspended</relationship>
  </reseller>
  <reseller>
    <tenantId>00000000-0000-4000-8000-000000000035</tenantId>
    <name>Brauhaus Lindner&#10;GmbH</name>
    <country>DE</country>
    <contactEmail>info@brauhaus.de</contactEmail>
  </reseller>
  <reseller>
    <tenantId>00000000-0000-4000-8000-000000000041</tenantId>
    <name>$A257</name>
    <country>DE</country>
    <contactEmail>info@long.de</contactEmail>
  </reseller>
  <reseller>
    <tenantId>00000000-0000-4000-8000-000000000047</tenantId>
    <name><![CDATA[---]]></name>
    <country>DE</country>
    <contactEmail>info@dashes.de</contactEmail>
    <domains>-bad-.com</domains>
  </reseller>
  <reseller>
    <tenantId>00000000-0000-4000-8000-000000000054</tenantId>
    <name>Contoso Deutschland GmbH</name>
    <country>DE</country>
    <contactEmail>lena.fischer@fabrikam.com</contactEmail>
    <domains>contoso.de</domains>
  </reseller>
</resellers>
EOF
X=$T/res.xml
chk resxml "$X"
expect_exit 1 "XML resellers"
expect_errors "XML: valid record" "$X" 3 0
expect_finding "XML: empty <name/>" "$X" 9 REQUIRED error name
expect_errors "XML: empty <name/>" "$X" 9 1
expect_finding "XML: tenantId with a 'g'" "$X" 10 GUID_INVALID error tenant_id
expect_errors "XML: tenantId with a 'g'" "$X" 10 1
expect_finding "XML: country Atlantis" "$X" 16 COUNTRY_INVALID error country
expect_errors "XML: country Atlantis" "$X" 16 1
expect_finding "XML: yahoo.co.uk" "$X" 22 EMAIL_WEBMAIL violation contact_email
expect_errors "XML: yahoo.co.uk" "$X" 22 0
expect_finding "XML: relationship suspended" "$X" 28 ENUM_INVALID error relationship
expect_errors "XML: relationship suspended" "$X" 28 1
expect_finding "XML: &#10; in a name" "$X" 35 ENCODING_INVALID error name
expect_errors "XML: &#10; in a name" "$X" 35 1
expect_finding "XML: name of 257 characters" "$X" 41 TOO_LONG error name
expect_errors "XML: name of 257 characters" "$X" 41 1
expect_finding "XML: CDATA name ---" "$X" 47 NAME_INVALID error name
expect_finding "XML: domains -bad-.com" "$X" 47 DOMAIN_INVALID error domains
expect_errors "XML: name and domains" "$X" 47 2
expect_finding "XML: email not at the listed domain" "$X" 54 EMAIL_DOMAIN_MISMATCH warning contact_email
expect_errors "XML: email not at the listed domain" "$X" 54 0
expect_eq "XML resellers: rows_read" 10 "$(jfile "$X" rows_read)"
expect_eq "XML resellers: rows_rejected" 7 "$(jfile "$X" rows_rejected)"

cat >"$T/mpn.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<mpnIds xmlns="$NS">
  <mpnId>
    <mpnId>4711</mpnId>
    <type>location</type>
    <country>SE</country>
  </mpnId>
  <mpnId>
    <mpnId>48A2117</mpnId>
    <type>PLA</type>
    <country>NL</country>
  </mpnId>
  <mpnId
      >
    <mpnId>4820201</mpnId>
    <type>regional</type>
    <country>GB</country>
  </mpnId>
</mpnIds>
EOF
X=$T/mpn.xml
chk mpnxml "$X"
expect_exit 1 "XML mpn_ids"
expect_finding "XML: PartnerID of 4 digits" "$X" 3 MPN_LENGTH_UNUSUAL warning mpn_id
expect_errors "XML: PartnerID of 4 digits" "$X" 3 0
expect_finding "XML: PartnerID with a letter" "$X" 8 MPN_INVALID error mpn_id
# A start tag written over two lines: libxml2 records an element at the line
# where its start tag ends, so that is the record's line.
expect_finding "XML: start tag over two lines" "$X" 14 ENUM_INVALID error type

cat >"$T/rel.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<relationships xmlns="$NS">
  <relationship>
    <customerTenantId>00000000-0000-4000-8000-000000000103</customerTenantId>
    <customerName>Kanzlei Roth</customerName>
    <customerCountry>DE</customerCountry>
    <resellerTenantId>$RT</resellerTenantId>
    <resellerMpnId>$RM</resellerMpnId>
    <state>active</state>
    <dap>no</dap>
    <since>2026-02-30</since>
  </relationship>
</relationships>
EOF
X=$T/rel.xml
chk relxml $REF "$X"
expect_exit 1 "XML relationships"
expect_finding "XML: since 2026-02-30" "$X" 3 DATE_INVALID error since
expect_errors "XML: since 2026-02-30" "$X" 3 1

# Not well-formed: XML_INVALID with libxml2's message and line; refused.
cat >"$T/bad.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<mpnIds xmlns="$NS">
  <mpnId>
    <mpnId>4820193</mpnId>
    <type>location</tipe>
    <country>DE</country>
  </mpnId>
</mpnIds>
EOF
chk badxml "$T/bad.xml"
expect_exit 65 "XML not well-formed"
expect_finding "XML not well-formed" "$T/bad.xml" 5 XML_INVALID error ""
expect_grep "$ERR" "Opening and ending tag mismatch: type line 5 and tipe" \
	"XML not well-formed: libxml2 message"
expect_eq "XML not well-formed: status" refused "$(jfile "$T/bad.xml" status)"
expect_eq "XML not well-formed: rows_read" 0 "$(jfile "$T/bad.xml" rows_read)"

# ---- CSV structure: CSV_MALFORMED, COLUMN_COUNT -----------------------------------

start "$T/mal.csv" "$MH"
row "4820193,location,DE,\"Hartmann\" Systemhaus,,active"
want CSV_MALFORMED error "*" 1 "text after a closing quote"
row "4820194,location,DE,Brandt \"IT\" Service GmbH,,active"
want CSV_MALFORMED error "*" 1 "stray quote in an unquoted field"
row "4820195,location,DE,Lumen Data SARL,,active"
clean "row after a broken row"
row "4820196,location,DE,\"Hartmann
Systemhaus\"x,,active"
want CSV_MALFORMED error "*" 1 "stray text after a quoted value on the record's second line"
row "4820197,location,Atlantis,Lumen Data SARL,,active"
want COUNTRY_INVALID error country 1 "row after a broken two-line record"
row "4820198,location,Atlantis"
want COLUMN_COUNT error "*" 1 "3 fields (no other rule checked)"
row "4820199,location,Atlantis,Lumen Data SARL,,active,extra"
want COLUMN_COUNT error "*" 1 "7 fields (no other rule checked)"
row "4820200,location,DE,Lumen Data SARL,,active,"
want COLUMN_COUNT error "*" 1 "trailing comma"
row ""
row "4820209,location,DE,Lumen Data SARL,,active"
clean "row after a blank line"
row "4820210,location,DE,\"Orbis Netzwerke GmbH,,active
4820211,location,DE,Torvik Cloud AB,,active"
want CSV_MALFORMED error "*" 1 "quote never closed: reported at the record's first line"
chk mal "$T/mal.csv"
expect_exit 1 "CSV structure"
check_wants "$T/mal.csv"
expect_eq "CSV structure: rows_read" 10 "$(jfile "$T/mal.csv" rows_read)"
expect_eq "CSV structure: rows_rejected" 8 "$(jfile "$T/mal.csv" rows_rejected)"

# ---- header: COLUMN_MISSING, COLUMN_UNKNOWN, aliases, delimiters, --entity -------

printf '%s\n%s\n' "tenant_id,country,contact_email" \
	"00000000-0000-4000-8000-000000000002,DE,info@hartmann.de" >"$T/noname.csv"
chk noname "$T/noname.csv"
expect_exit 65 "required column name missing"
expect_finding "required column name missing" "$T/noname.csv" 1 COLUMN_MISSING error name
expect_eq "required column name missing: status" refused "$(jfile "$T/noname.csv" status)"
expect_eq "required column name missing: rows_read" 0 "$(jfile "$T/noname.csv" rows_read)"
expect_grep "$R/summary.txt" "exit 65: input refused" "required column name missing: summary"

# A refused file does not stop the others from being read.
chk noname2 samples/mpn_ids.csv "$T/noname.csv"
expect_exit 65 "refused file among good ones"
expect_eq "refused file among good ones: other file read" 12 \
	"$(jfile samples/mpn_ids.csv rows_accepted)"

# No column tells the entity: COLUMN_MISSING, refused.
printf 'foo,bar\n1,2\n' >"$T/noentity.csv"
chk noentity "$T/noentity.csv"
expect_exit 65 "entity not detected"
expect_finding "entity not detected" "$T/noentity.csv" 1 COLUMN_MISSING error ""

# Unknown columns: one warning per column and file, whatever the rows.
for u in unk1:48201 unk2:48202; do
	printf '%s\n' "mpn_id,type,segment,country,fax" \
		"${u#*:}93,location,SMB,DE,1" "${u#*:}94,location,SMB,DE,2" \
		"${u#*:}95,location,SMB,DE,3" >"$T/${u%:*}.csv"
done
chk unk "$T/unk1.csv" "$T/unk2.csv"
expect_exit 0 "unknown columns"
for u in unk1 unk2; do
	expect_eq "unknown column segment once in $u" 1 \
		"$(awk -F, -v p="$T/$u.csv" '$2 == p && $7 == "COLUMN_UNKNOWN" && $10 == "segment"' "$REJ" | wc -l | tr -d ' ')"
	expect_eq "unknown column fax once in $u" 1 \
		"$(awk -F, -v p="$T/$u.csv" '$2 == p && $7 == "COLUMN_UNKNOWN" && $10 == "fax"' "$REJ" | wc -l | tr -d ' ')"
	expect_finding "unknown column: warning at line 1" "$T/$u.csv" 1 COLUMN_UNKNOWN warning ""
	expect_eq "unknown columns: rows accepted in $u" 3 "$(jfile "$T/$u.csv" rows_accepted)"
done
expect_eq "unknown columns: no other finding" 4 "$(count "" "" "" "" "")"

# Aliases as Partner Center writes them (--entity: "Microsoft ID" is also
# an alias of customer_tenant_id, which would make it a relationships file).
start "$T/alias1.csv" "Microsoft ID,Company Name,Country/Region,Partner ID,Primary Contact,Primary Contact Email,Relationship State,MPA Signed Status,DAP,Verified Domains"
row "@G@,Hartmann Systemhaus GmbH,DE,,Jana Hartmann,jana@hartmann.de,Active,Yes,No,hartmann.de"
clean "aliases: valid row"
row "@G@,Hartmann Systemhaus GmbH,Atlantis,,Jana Hartmann,jana@hartmann.de,Active,Yes,No,hartmann.de"
want COUNTRY_INVALID error country 1 "alias Country/Region"
row "@G@,Hartmann Systemhaus GmbH,DE,48A,Jana Hartmann,jana@hartmann.de,Active,Yes,No,hartmann.de"
want MPN_INVALID error mpn_id 1 "alias Partner ID"
row "@G@,Hartmann Systemhaus GmbH,DE,,$C101,jana@hartmann.de,Active,Yes,No,hartmann.de"
want TOO_LONG error contact_name 1 "alias Primary Contact"
row "@G@,Hartmann Systemhaus GmbH,DE,,Jana Hartmann,jana@gmail.com,Active,Yes,No,"
want EMAIL_WEBMAIL violation contact_email 0 "alias Primary Contact Email"
row "@G@,Hartmann Systemhaus GmbH,DE,,Jana Hartmann,jana@hartmann.de,Active,Yes,maybe,hartmann.de"
want ENUM_INVALID error admin_access 1 "alias DAP"
row "@G@,Hartmann Systemhaus GmbH,DE,,Jana Hartmann,jana@hartmann.de,Active,Yes,No,hartmann..de"
want DOMAIN_INVALID error domains 1 "alias Verified Domains"
chk alias1 --entity resellers "$T/alias1.csv"
expect_exit 1 "aliases (Partner Center)"
check_wants "$T/alias1.csv"
expect_eq "aliases (Partner Center): no COLUMN_UNKNOWN" 0 "$(count "" "" COLUMN_UNKNOWN "" "")"

# Case, spaces, underscores, hyphens and slashes alike; entity detected.
start "$T/alias2.csv" "TENANT-ID, Name ,COUNTRY,Contact_Email,MPA/Signed,admin access,Associated PartnerID"
row "@G@,Hartmann Systemhaus GmbH,DE,jana@hartmann.de,yes,no,"
clean "normalised names: valid row"
row "@G@,Hartmann Systemhaus GmbH,DE,jana@hartmann.de,maybe,no,"
want ENUM_INVALID error mpa_signed 1 "MPA/Signed is mpa_signed"
row "@G@,Hartmann Systemhaus GmbH,DE,jana@hartmann.de,yes,maybe,"
want ENUM_INVALID error admin_access 1 "'admin access' is admin_access"
row "@G@,Hartmann Systemhaus GmbH,DE,jana@hartmann.de,yes,no,47X"
want MPN_INVALID error mpn_id 1 "'Associated PartnerID' is mpn_id"
chk alias2 "$T/alias2.csv"
expect_exit 1 "normalised column names"
check_wants "$T/alias2.csv"
expect_eq "normalised column names: entity" resellers "$(jfile "$T/alias2.csv" entity)"
expect_eq "normalised column names: no COLUMN_UNKNOWN" 0 "$(count "" "" COLUMN_UNKNOWN "" "")"

start "$T/alias3.csv" "CustomerId,CustomerName,CustomerDomainName,CustomerCountry,AssociatedPartnerId,ResellerMpnId,Relationship,State,AllowDelegatedAccess,Since"
row "@G@,Schreinerei Maier GmbH,schreinerei-maier.de,DE,$RT,$RM,Reseller,Active,No,2025-03-03"
clean "relationship aliases: valid row"
row "@G@,Schreinerei Maier GmbH,schreinerei-maier.de,DE,$RT,$RM,partner,Active,No,2025-03-03"
want ENUM_INVALID error relationship_to_partner 1 "alias Relationship"
row "@G@,Schreinerei Maier GmbH,schreinerei-maier.de,DE,$RT,$RM,Reseller,Active,sometimes,2025-03-03"
want ENUM_INVALID error dap 1 "alias AllowDelegatedAccess"
row "@G@,Schreinerei Maier GmbH,-maier-.de,DE,$RT,$RM,Reseller,Active,No,2025-03-03"
want DOMAIN_INVALID error customer_domain 1 "alias CustomerDomainName"
chk alias3 $REF "$T/alias3.csv"
expect_exit 1 "relationship aliases"
check_wants "$T/alias3.csv"
expect_eq "relationship aliases: entity" relationships "$(jfile "$T/alias3.csv" entity)"

start "$T/alias4.csv" "PartnerID;ID Type;Country/Region;Partner Name;Global Partner ID;Status"
row "4820193;PLA;DE;Hartmann Systemhaus GmbH;;Active"
clean "mpn_ids aliases: valid row"
row "4820194;regional;DE;Hartmann Systemhaus GmbH;;Active"
want ENUM_INVALID error type 1 "alias ID Type"
row "4820195;PLA;DE;Hartmann Systemhaus GmbH;4X;Active"
want MPN_INVALID error global_mpn_id 1 "alias Global Partner ID"
chk alias4 "$T/alias4.csv"
expect_exit 1 "mpn_ids aliases"
check_wants "$T/alias4.csv"
expect_eq "mpn_ids aliases: entity" mpn_ids "$(jfile "$T/alias4.csv" entity)"

# Delimiters detected from the header: ';' and TAB (a comma inside a value
# needs no quotes then); BOM and CRLF with ';'.
start "$T/semi.csv" "tenant_id;name;country;contact_email"
row "@G@;Mueller, Schmidt & Co. KG;DE;info@mueller-schmidt.de"
clean "';' file: comma in a value"
row "@G@;Mueller GmbH;Atlantis;info@mueller.de"
want COUNTRY_INVALID error country 1 "';' file: third field is country"
TAB=$(printf '\t')
start "$T/tab.csv" "tenant_id${TAB}name${TAB}country${TAB}contact_email"
row "@G@${TAB}Mueller, Schmidt; Co. KG${TAB}DE${TAB}info@mueller-schmidt.de"
clean "TAB file: comma and ';' in a value"
row "@G@${TAB}Mueller GmbH${TAB}Atlantis${TAB}info@mueller.de"
want COUNTRY_INVALID error country 1 "TAB file: third field is country"
row "@G@${TAB}${TAB}DE${TAB}info@mueller.de"
want REQUIRED error name 1 "TAB file: empty second field"
printf '\357\273\277tenant_id;name;country;contact_email\r\n%s\r\n%s\r\n' \
	"00000000-0000-4000-8000-000000000902;Mueller, Schmidt & Co. KG;DE;info@mueller-schmidt.de" \
	"00000000-0000-4000-8000-000000000903;Mueller GmbH;Atlantis;info@mueller.de" >"$T/bomsemi.csv"
chk delim "$T/semi.csv" "$T/tab.csv" "$T/bomsemi.csv"
expect_exit 1 "delimiters"
check_wants "$T/semi.csv"
check_wants "$T/tab.csv"
expect_finding "BOM, CRLF, ';'" "$T/bomsemi.csv" 3 COUNTRY_INVALID error country
expect_errors "BOM, CRLF, ';'" "$T/bomsemi.csv" 3 1
expect_errors "BOM, CRLF, ';': comma in a value" "$T/bomsemi.csv" 2 0
expect_eq "BOM, CRLF, ';': entity" resellers "$(jfile "$T/bomsemi.csv" entity)"

# --entity: a resellers file with a 'type' column is detected as mpn_ids
# (and refused); forced to resellers it is read, 'type' being unknown.
printf '%s\n%s\n' "tenant_id,name,country,contact_email,type" \
	"00000000-0000-4000-8000-000000000002,Hartmann Systemhaus GmbH,DE,jana@hartmann.de,x" >"$T/typecol.csv"
chk typecol "$T/typecol.csv"
expect_exit 65 "'type' column: detected as mpn_ids"
expect_eq "'type' column: detected as mpn_ids" mpn_ids "$(jfile "$T/typecol.csv" entity)"
expect_finding "'type' column: mpn_id missing" "$T/typecol.csv" 1 COLUMN_MISSING error mpn_id
chk typecol2 --entity resellers "$T/typecol.csv"
expect_exit 1 "--entity resellers (an active reseller without a PartnerID)"
expect_finding "--entity resellers: MPN_MISSING" "$T/typecol.csv" 2 MPN_MISSING violation mpn_id
expect_eq "--entity resellers: entity" resellers "$(jfile "$T/typecol.csv" entity)"
expect_eq "--entity resellers: rows accepted" 1 "$(jfile "$T/typecol.csv" rows_accepted)"
expect_finding "--entity resellers: 'type' unknown" "$T/typecol.csv" 1 COLUMN_UNKNOWN warning ""
chk forcerel --entity relationships samples/resellers.csv
expect_exit 65 "--entity relationships on resellers"
expect_finding "--entity relationships on resellers" samples/resellers.csv 1 COLUMN_MISSING error customer_tenant_id
chk forcexml --entity resellers samples/mpn_ids.xml
expect_exit 65 "--entity resellers on an mpnIds document"
expect_finding "--entity resellers on an mpnIds document" samples/mpn_ids.xml "" XML_INVALID error ""

# ---- duplicates -------------------------------------------------------------------

K1=5d7e0b4c-1f2a-4b3c-9d8e-7f6a5b4c3d21
K1U='{5D7E0B4C-1F2A-4B3C-9D8E-7F6A5B4C3D21}'
K2=6e8f1c5d-2a3b-4c4d-8e9f-8a7b6c5d4e32
K3=7f902d6e-3b4c-4d5e-9fa0-9b8c7d6e5f43
K4=80a13e7f-4c5d-4e6f-a0b1-ac9d8e7f6054
printf '%s\n' "$RH" \
	"$K1,Nordwind IT GmbH,DE,,Jan Ohm,jan@nordwind.de,active,yes,no,nordwind.de" \
	"$K1U,Nordwind IT GmbH,Germany,,Jan Ohm,jan@nordwind.de,,Yes,0,nordwind.de" \
	"$K2,Rheinblick Systemhaus GmbH,DE,,,it@rheinblick.de,,,," \
	"$K2,Rheinblick Systemhaus GmbH,DE,,,it@rheinblick.de,,,," \
	"$K2,Rheinblick Systemhaus AG,DE,,,it@rheinblick.de,,,," \
	"$K3,Ostsee Cloud GmbH,DE,,,info@ostsee.de,,,," >"$T/dup1.csv"
printf '%s\n' "$RH" \
	"$K3,Ostsee Cloud AG,DE,,,info@ostsee.de,,,," \
	"$K4,Torvik Cloud GmbH,DE,,,hej@torvik.de,,,," >"$T/dup2.csv"
cat >"$T/dup3.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<resellers xmlns="$NS">
  <reseller>
    <tenantId>$K4</tenantId>
    <name>Torvik Cloud GmbH</name>
    <country>DEU</country>
    <contactEmail>hej@torvik.de</contactEmail>
  </reseller>
</resellers>
EOF
chk dup "$T/dup1.csv" "$T/dup2.csv" "$T/dup3.xml"
expect_exit 1 "duplicates"
# Same key and values after normalisation (GUID case and braces, country
# name, boolean spelling, empty = default): DUPLICATE_ROW, one kept.
expect_finding "identical rows" "$T/dup1.csv" 3 DUPLICATE_ROW warning ""
expect_errors "identical rows: second" "$T/dup1.csv" 3 0
expect_errors "identical rows: first" "$T/dup1.csv" 2 0
expect_absent "identical rows: first not flagged" "$T/dup1.csv" 2 DUPLICATE_ROW
# Three occurrences, two of them identical: every one is DUPLICATE_KEY.
for l in 4 5 6; do
	expect_finding "three occurrences, line $l" "$T/dup1.csv" $l DUPLICATE_KEY error ""
	expect_errors "three occurrences, line $l" "$T/dup1.csv" $l 1
done
expect_eq "DUPLICATE_KEY carries the key" 3 \
	"$(awk -F, -v p="$T/dup1.csv" -v k="$K2" '$2 == p && $5 == k && $7 == "DUPLICATE_KEY"' "$REJ" | wc -l | tr -d ' ')"
# Across files.
expect_finding "across files, first" "$T/dup1.csv" 7 DUPLICATE_KEY error ""
expect_finding "across files, second" "$T/dup2.csv" 2 DUPLICATE_KEY error ""
expect_finding "identical across CSV and XML" "$T/dup3.xml" 3 DUPLICATE_ROW warning ""
expect_errors "identical across CSV and XML" "$T/dup3.xml" 3 0
expect_absent "first of identical across files" "$T/dup2.csv" 3 DUPLICATE_ROW
expect_eq "duplicates: dup1 rows_read" 6 "$(jfile "$T/dup1.csv" rows_read)"
expect_eq "duplicates: dup1 rows_rejected" 4 "$(jfile "$T/dup1.csv" rows_rejected)"
expect_eq "duplicates: dup1 duplicates_folded" 1 "$(jfile "$T/dup1.csv" duplicates_folded)"
expect_eq "duplicates: dup2 rows_rejected" 1 "$(jfile "$T/dup2.csv" rows_rejected)"
expect_eq "duplicates: dup3 rows_rejected" 0 "$(jfile "$T/dup3.xml" rows_rejected)"
expect_eq "duplicates: dup3 duplicates_folded" 1 "$(jfile "$T/dup3.xml" duplicates_folded)"

# The relationship key is customer + reseller: one customer with two
# resellers is no duplicate; with the same reseller twice it is.
KR=8e2841cf-ae08-4756-8a9d-8212cd7095d8
RT2=0b80a255-53a1-4945-8932-58ef7777682c
printf '%s\n' "$LH" \
	"$KR,Ridgeway Veterinary Group,ridgewayvets.co.uk,GB,$RT2,6093327,reseller,active,no," \
	"$KR,Ridgeway Veterinary Group,ridgewayvets.co.uk,GB,$RT,$RM,reseller,active,no," \
	"$KR,Ridgeway Vets,ridgewayvets.co.uk,GB,$RT,$RM,reseller,active,no," >"$T/dupr.csv"
chk dupr $REF "$T/dupr.csv"
expect_absent "same customer, other reseller" "$T/dupr.csv" 2 DUPLICATE_KEY
expect_finding "same customer and reseller" "$T/dupr.csv" 3 DUPLICATE_KEY error ""
expect_finding "same customer and reseller" "$T/dupr.csv" 4 DUPLICATE_KEY error ""

# Rows of a refused file take no part in duplicate detection.
printf '%s\n' "mpn_id,type,country,name,global_mpn_id,status" \
	"3004284,location,DE,Other Name GmbH,,active" >"$T/dupm.csv"
chk dupm "$T/dupm.csv" tests/corpus/truncated.csv.gz
expect_exit 65 "duplicate with a refused file"
expect_eq "duplicate with a refused file: no DUPLICATE_KEY" 0 \
	"$(count "" "" DUPLICATE_KEY "" "")"
expect_eq "duplicate with a refused file: row accepted" 1 \
	"$(jfile "$T/dupm.csv" rows_accepted)"

# ---- web-mail list ------------------------------------------------------------------

cat >"$T/webmail.txt" <<'EOF'
# our additions
example-mail.com   # a throwaway service

MAILBOX.<cc>
Foo.Example.
EOF
start "$T/wm.csv" "$RH"
for d in example-mail.com MAILBOX.DE mailbox.fr foo.example gmail.com \
	x.example-mail.com mailbox.com mailbox.co.uk; do
	row "@G@,Webmail Test GmbH,DE,,,someone@$d,,,,"
done
chk wm0 "$T/wm.csv"
expect_exit 1 "default web-mail list"
expect_eq "default web-mail list: only gmail.com" 6 \
	"$(awk -F, '$7 == "EMAIL_WEBMAIL" { print $3 }' "$REJ" | tr '\n' ' ' | sed 's/ $//')"
chk wm1 --webmail-list "$T/webmail.txt" "$T/wm.csv"
expect_exit 1 "--webmail-list"
expect_eq "--webmail-list: listed domains, patterns and defaults" "2 3 4 5 6" \
	"$(awk -F, '$7 == "EMAIL_WEBMAIL" && $8 == "violation" { print $3 }' "$REJ" | tr '\n' ' ' | sed 's/ $//')"
printf 'example-mail.com\nbad entry!\n' >"$T/webmail-bad.txt"
chk wm2 --webmail-list "$T/webmail-bad.txt" "$T/wm.csv"
expect_exit 64 "--webmail-list with an invalid entry"
expect_grep "$ERR" "webmail-bad.txt:2: invalid web-mail entry 'bad entry!'" \
	"--webmail-list with an invalid entry: message"
chk wm3 --webmail-list "$T/nonexistent.txt" "$T/wm.csv"
expect_exit 66 "--webmail-list missing"
expect_grep "$ERR" "cannot open '$T/nonexistent.txt': No such file or directory" \
	"--webmail-list missing: message"

finish
