. "$(dirname "$0")/../lib.sh"
# t_crossref.sh -- the cross-entity rules of SPEC §3 (MPN_GLOBAL_UNKNOWN ...
# DAP_ACTIVE): each one on a batch that breaks only it, order independence,
# references into the master, no cascade from a reseller with a violation
# to its relationships, MPN_CLAIMED_TWICE in the batch and against the master,
# `audit`, the provider's regions (--region, config, --regions-file), and
# the batches of samples/rules/ (see samples/README.md).
#
# Every run is compared finding by finding: file, line, entity, key, field,
# rule, severity and value of each row of rejects.csv (run id and message
# left out), against the complete list the test expects, so a finding that
# is missing, misplaced or extra fails.  Lines count the header as line 1.


# ---- helpers ----------------------------------------------------------------

# findings REJECTS_CSV: one line per finding,
# "file|line|entity|key|field|rule|severity|value", the file as its base
# name.  A CSV parser: messages may hold quoted commas.
findings() {
	[ -f "$1" ] || return 0
	awk '
	function csv(s,    i, c, f, q, n) {
		n = 0; f = ""; q = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (q) {
				if (c == "\"") {
					if (substr(s, i + 1, 1) == "\"") { f = f c; i++ }
					else q = 0
				} else f = f c
			} else if (c == "\"") q = 1
			else if (c == ",") { C[++n] = f; f = "" }
			else f = f c
		}
		C[++n] = f
		return n
	}
	NR > 1 {
		sub(/\r$/, "")
		if (csv($0) != 10) { print "BAD ROW " NR ": " $0; next }
		n = split(C[2], p, "/")
		printf "%s|%s|%s|%s|%s|%s|%s|%s\n", (n ? p[n] : ""), C[3], C[4],
		    C[5], C[6], C[7], C[8], C[10]
	}' "$1"
}

# counts PATH: "read accepted rejected" of input PATH in the last run's
# summary.json ($REJ's directory).
counts() {
	grep -F "{\"path\": \"$1\"," "${REJ%/*}/summary.json" 2>/dev/null |
		sed -n 's/.*"rows_read": \([0-9]*\), "rows_accepted": \([0-9]*\), "rows_rejected": \([0-9]*\).*/\1 \2 \3/p'
}

# F FILE LINE KEY FIELD RULE SEVERITY VALUE: an expected finding (the
# entity follows from the file name).
F() {
	printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$1" "$2" "${1%.csv}" "$3" "$4" \
		"$5" "$6" "$7"
}

# verdict WHAT EXIT FINDING...: the last run exited EXIT, every FINDING is
# in its rejects.csv ($REJ), and rejects.csv holds nothing else.
verdict() {
	_w=$1 _x=$2
	shift 2
	expect_exit "$_x" "$_w"
	if [ -f "$REJ" ]; then ok; else not_ok "$_w: no rejects.csv"; fi
	findings "$REJ" | sort >"$T/got"
	: >"$T/want"
	for _f in "$@"; do
		printf '%s\n' "$_f" >>"$T/want"
		if grep -qxF -- "$_f" "$T/got"; then ok; else
			not_ok "$_w: missing $_f; findings: $(tr '\n' ' ' <"$T/got")"
		fi
	done
	sort -o "$T/want" "$T/want"
	if cmp -s "$T/want" "$T/got"; then ok; else
		not_ok "$_w: unexpected findings: $(comm -13 "$T/want" "$T/got" | tr '\n' ' ')"
	fi
}

# The base batch: every reference resolves, no finding at all (not even a
# warning), with or without --region Europe.  Two reseller groups; the
# Harbourline resellers (R3, R4) have no customers, so a rule planted on
# them rejects nothing else.  C2 leaves reseller_mpn_id empty, C4 is a
# terminated relationship (relationship_to_partner none, dap no).
PGA_NL=3810042 PLA_NL=3810057 PLA_DE=3810063
PGA_GB=5027316 PLA_GB3=5027321 PLA_GB4=5027348
R1=3c1f9a7e-5b2d-4e8f-9a61-0d7c2b4e8f13 # Lindenhoff IT Nederland, NL
R2=7a4e2c91-3f6b-4d08-b5e7-1c9a8d2f6b40 # Lindenhoff IT Deutschland, DE
R3=d2b8e6f4-9c1a-4f37-8e25-6a0b3c7d9e51 # Harbourline Solutions, GB
R4=5e9d3b7a-2c8f-4a16-b0d4-8f1e6c2a7b95 # Harbourline Cloud, GB
R5=a8c4f2e6-1d9b-4b73-9e05-7f3a2c8d6b14 # a newcomer (not in the base)
RX=0d5c8e2a-7f4b-4193-b6e1-2a9f3c8d7e04 # a tenant nobody knows
C1=1b6f0d2e-8a4c-4e9b-a3f7-5c2d9e0b4a68 # of R1, NL, line 2
C2=9e3a7c5b-1d8f-4b26-9c40-e7a2f5d1b3c9 # of R2, DE, line 3
C3=4f8b2d6a-0e5c-4a73-8b19-d6c3e1f7a250 # of R1, BE, line 4
C4=c7e1a9f3-6b2d-4c85-a0e4-3b9f7d2c6e18 # of R1, NL, terminated, line 5
C5=62d9b4f1-3e7a-4c28-8d56-b1f0e9a3c7d2 # of R3, GB (not in the base)
BASE=$T/base.orig
mkdir -p "$BASE"
cat >"$BASE/mpn_ids.csv" <<EOF
mpn_id,type,country,name,global_mpn_id,status
$PGA_NL,global,NL,Lindenhoff IT Group B.V.,,active
$PLA_NL,location,NL,Lindenhoff IT Nederland B.V.,$PGA_NL,active
$PLA_DE,location,DE,Lindenhoff IT Deutschland GmbH,$PGA_NL,active
$PGA_GB,global,GB,Harbourline Technology Group Ltd,,active
$PLA_GB3,location,GB,Harbourline Solutions Ltd,$PGA_GB,active
$PLA_GB4,location,GB,Harbourline Cloud Ltd,$PGA_GB,active
EOF
cat >"$BASE/resellers.csv" <<EOF
tenant_id,name,country,mpn_id,contact_name,contact_email,relationship,mpa_signed,admin_access,domains
$R1,Lindenhoff IT Nederland B.V.,NL,$PLA_NL,Maarten Bosman,m.bosman@lindenhoff-it.nl,active,yes,no,lindenhoff-it.nl
$R2,Lindenhoff IT Deutschland GmbH,DE,$PLA_DE,Katrin Vogel,k.vogel@lindenhoff-it.de,active,yes,no,lindenhoff-it.de
$R3,Harbourline Solutions Ltd,GB,$PLA_GB3,Oliver Hughes,oliver.hughes@harbourline.co.uk,active,yes,no,harbourline.co.uk
$R4,Harbourline Cloud Ltd,GB,$PLA_GB4,Amelia Clarke,amelia.clarke@harbourline.co.uk,active,yes,no,harbourline.co.uk
EOF
cat >"$BASE/relationships.csv" <<EOF
customer_tenant_id,customer_name,customer_domain,customer_country,reseller_tenant_id,reseller_mpn_id,relationship_to_partner,state,dap,since
$C1,Drukkerij Van Aalst B.V.,vanaalst-drukkerij.nl,NL,$R1,$PLA_NL,reseller,active,no,2024-05-13
$C2,Bäckerei Hoffmann GmbH,baeckerei-hoffmann.de,DE,$R2,,reseller,active,no,2025-01-20
$C3,Brasserie Dumont SPRL,brasseriedumont.be,BE,$R1,$PLA_NL,reseller,active,no,2025-09-02
$C4,Tuinbouw De Vries,tuinbouwdevries.nl,NL,$R1,$PLA_NL,none,terminated,no,2023-02-27
EOF
M=mpn_ids.csv RS=resellers.csv RL=relationships.csv

# variant NAME: a copy of the base batch in $T/NAME, as $V.
variant() {
	V=$T/$1
	rm -rf "$V"
	mkdir -p "$V"
	cp "$BASE"/*.csv "$V"/
}

# setf FILE LINE FIELD VALUE: set field number FIELD of line LINE of $V/FILE.
setf() {
	awk -F, -v OFS=, -v l="$2" -v f="$3" -v v="$4" \
		'NR == l { $f = v } { print }' "$V/$1" >"$V/$1.tmp" &&
		mv "$V/$1.tmp" "$V/$1"
}

# chk_v [OPTIONS] FILE...: `check` with reports in $V/rep; sets $REJ.
chk_v() {
	rm -rf "$V/rep"
	run check --report-dir "$V/rep" "$@"
	REJ=$V/rep/rejects.csv
}

# chka [OPTIONS]: chk_v of the three files of $V, in entity order.
chka() { chk_v "$@" "$V/$M" "$V/$RS" "$V/$RL"; }

# ---- 0. the base batch is clean -------------------------------------------

variant base
chka
verdict "base batch" 0
chka --region Europe
verdict "base batch, --region Europe" 0

# ---- 1. one batch per rule --------------------------------------------------

# PartnerIDs
variant mpn_global_unknown
setf $M 3 5 3810049
chka
verdict "MPN_GLOBAL_UNKNOWN (unknown PGA)" 0 \
	"$(F $M 3 $PLA_NL global_mpn_id MPN_GLOBAL_UNKNOWN warning 3810049)"
variant mpn_global_location
setf $M 3 5 $PLA_DE
chka
verdict "MPN_GLOBAL_UNKNOWN (PGA that is a location)" 0 \
	"$(F $M 3 $PLA_NL global_mpn_id MPN_GLOBAL_UNKNOWN warning $PLA_DE)"

# resellers
variant mpn_missing
setf $RS 3 4 ""
chka
verdict "MPN_MISSING" 1 "$(F $RS 3 $R2 mpn_id MPN_MISSING violation "")"
# A pending reseller without a PartnerID: a warning; a terminated one: none
# (Harbourline Cloud has no customers, so nothing else changes).
variant mpn_missing_pending
setf $RS 5 4 ""
setf $RS 5 7 pending
chka
verdict "MPN_MISSING on a pending reseller: a warning" 0 \
	"$(F $RS 5 $R4 mpn_id MPN_MISSING warning "")"
variant mpn_missing_terminated
setf $RS 5 4 ""
setf $RS 5 7 terminated
chka
verdict "MPN_MISSING: none on a terminated reseller" 0
variant mpn_unknown
setf $RS 5 4 5027399
chka
verdict "MPN_UNKNOWN" 1 "$(F $RS 5 $R4 mpn_id MPN_UNKNOWN violation 5027399)"
variant mpn_not_location
setf $RS 5 4 $PGA_GB
chka
verdict "MPN_NOT_LOCATION" 1 \
	"$(F $RS 5 $R4 mpn_id MPN_NOT_LOCATION violation $PGA_GB)"
variant mpn_country_mismatch
setf $RS 5 3 IE
chka
verdict "MPN_COUNTRY_MISMATCH" 1 \
	"$(F $RS 5 $R4 country MPN_COUNTRY_MISMATCH violation IE)"
variant mpn_inactive
setf $M 7 6 inactive
chka
verdict "MPN_INACTIVE" 1 "$(F $RS 5 $R4 mpn_id MPN_INACTIVE violation $PLA_GB4)"
variant mpn_claimed_twice
setf $RS 5 4 $PLA_GB3
chka
verdict "MPN_CLAIMED_TWICE in the batch: both claimants" 1 \
	"$(F $RS 4 $R3 mpn_id MPN_CLAIMED_TWICE violation $PLA_GB3)" \
	"$(F $RS 5 $R4 mpn_id MPN_CLAIMED_TWICE violation $PLA_GB3)"
# Two resellers on one global PartnerID: not a location, so MPN_NOT_LOCATION
# only, and no MPN_CLAIMED_TWICE.
variant global_claimed_twice
setf $RS 4 4 $PGA_GB
setf $RS 5 4 $PGA_GB
chka
verdict "two resellers on one PGA: MPN_NOT_LOCATION only" 1 \
	"$(F $RS 4 $R3 mpn_id MPN_NOT_LOCATION violation $PGA_GB)" \
	"$(F $RS 5 $R4 mpn_id MPN_NOT_LOCATION violation $PGA_GB)"
# The reseller and its PartnerID in Belarus (in no CSP region).
variant country_no_region
setf $M 7 3 BY
setf $RS 5 3 BY
chka
verdict "COUNTRY_NO_REGION" 1 \
	"$(F $RS 5 $R4 country COUNTRY_NO_REGION violation BY)"
chka --region Europe
verdict "COUNTRY_NO_REGION with --region Europe: no RESELLER_REGION" 1 \
	"$(F $RS 5 $R4 country COUNTRY_NO_REGION violation BY)"
# The reseller and its PartnerID in the United States, the provider in
# Europe.
variant reseller_region
setf $M 7 3 US
setf $RS 5 3 US
chka --region Europe
verdict "RESELLER_REGION" 1 "$(F $RS 5 $R4 country RESELLER_REGION violation US)"
chka
verdict "RESELLER_REGION: skipped without --region" 0

# relationships
variant reseller_unknown
setf $RL 4 5 $RX
chka
verdict "RESELLER_UNKNOWN" 1 \
	"$(F $RL 4 "$C3+$RX" reseller_tenant_id RESELLER_UNKNOWN error $RX)"
variant reseller_not_active
setf $RS 3 7 pending
chka
verdict "RESELLER_NOT_ACTIVE (pending reseller)" 1 \
	"$(F $RL 3 "$C2+$R2" reseller_tenant_id RESELLER_NOT_ACTIVE violation $R2)"
variant reseller_terminated
setf $RS 3 7 terminated
chka
verdict "RESELLER_NOT_ACTIVE (terminated reseller)" 1 \
	"$(F $RL 3 "$C2+$R2" reseller_tenant_id RESELLER_NOT_ACTIVE violation $R2)"
variant reseller_mpn_mismatch
setf $RL 4 6 $PLA_DE
chka
verdict "RESELLER_MPN_MISMATCH" 1 \
	"$(F $RL 4 "$C3+$R1" reseller_mpn_id RESELLER_MPN_MISMATCH violation $PLA_DE)"
variant customer_region
setf $RL 4 4 US
chka
verdict "CUSTOMER_REGION" 1 \
	"$(F $RL 4 "$C3+$R1" customer_country CUSTOMER_REGION violation US)"
# A customer in Russia (in no region) is in no reseller's region either.
variant customer_no_region
setf $RL 4 4 RU
chka
verdict "CUSTOMER_REGION (customer in no region)" 1 \
	"$(F $RL 4 "$C3+$R1" customer_country CUSTOMER_REGION violation RU)"
variant provider_no_relationship
setf $RL 4 7 advisor
chka
verdict "PROVIDER_NO_RELATIONSHIP" 1 \
	"$(F $RL 4 "$C3+$R1" relationship_to_partner PROVIDER_NO_RELATIONSHIP violation advisor)"
variant provider_none
setf $RL 4 7 none
chka
verdict "PROVIDER_NO_RELATIONSHIP (none)" 1 \
	"$(F $RL 4 "$C3+$R1" relationship_to_partner PROVIDER_NO_RELATIONSHIP violation none)"
variant mpa_not_signed
setf $RS 3 8 no
chka
verdict "MPA_NOT_SIGNED" 1 \
	"$(F $RL 3 "$C2+$R2" reseller_tenant_id MPA_NOT_SIGNED violation $R2)"
variant dap_orphaned
setf $RL 5 9 yes
chka
verdict "DAP_ORPHANED (terminated relationship)" 1 \
	"$(F $RL 5 "$C4+$R1" dap DAP_ORPHANED violation yes)"
variant dap_active
setf $RL 2 9 yes
chka
verdict "DAP_ACTIVE" 0 "$(F $RL 2 "$C1+$R1" dap DAP_ACTIVE warning yes)"
# A terminated reseller partnership with dap=yes on an active customer:
# orphaned DAP, an active relationship with an inactive reseller, and DAP
# on an active relationship; all reported.
variant dap_orphaned_reseller
setf $RS 3 7 terminated
setf $RL 3 9 yes
chka
verdict "DAP_ORPHANED (terminated reseller partnership)" 1 \
	"$(F $RL 3 "$C2+$R2" dap DAP_ORPHANED violation yes)" \
	"$(F $RL 3 "$C2+$R2" reseller_tenant_id RESELLER_NOT_ACTIVE violation $R2)" \
	"$(F $RL 3 "$C2+$R2" dap DAP_ACTIVE warning yes)"

# Values are compared as normalised (countries alpha-2, GUIDs lower case
# without braces): a German reseller written "Germany" on a PartnerID
# written "DEU", a reference to it in upper case with braces.
variant normalised
setf $M 4 3 DEU
setf $RS 3 3 Germany
setf $RL 3 5 "{$(echo $R2 | tr a-f A-F)}"
setf $RL 3 6 $PLA_DE
chka --region Europe
verdict "normalised values match" 0

# Rules that only make sense on a valid value are not reported on an
# invalid one (SPEC §3): each row below has its field-level error only.
variant invalid_values
setf $M 6 5 50273X6   # R3's PGA reference
setf $RS 4 4 50273X1  # R3's PartnerID: no MPN_UNKNOWN
setf $RS 5 3 Atlantis # R4's country: no COUNTRY_NO_REGION, MPN_COUNTRY_MISMATCH, RESELLER_REGION
setf $RL 2 5 3c1f9a7e-5b2d-4e8f-9a61-0d7c2b4e8fzz # no RESELLER_UNKNOWN
setf $RL 3 6 38100A7  # no RESELLER_MPN_MISMATCH
setf $RL 4 4 Atlantis # no CUSTOMER_REGION
setf $RL 5 9 maybe    # no DAP_ORPHANED
chka --region Europe
verdict "invalid values: field-level findings only" 1 \
	"$(F $M 6 $PLA_GB3 global_mpn_id MPN_INVALID error 50273X6)" \
	"$(F $RS 4 $R3 mpn_id MPN_INVALID error 50273X1)" \
	"$(F $RS 5 $R4 country COUNTRY_INVALID error Atlantis)" \
	"$(F $RL 2 "$C1+3c1f9a7e-5b2d-4e8f-9a61-0d7c2b4e8fzz" reseller_tenant_id GUID_INVALID error 3c1f9a7e-5b2d-4e8f-9a61-0d7c2b4e8fzz)" \
	"$(F $RL 3 "$C2+$R2" reseller_mpn_id MPN_INVALID error 38100A7)" \
	"$(F $RL 4 "$C3+$R1" customer_country COUNTRY_INVALID error Atlantis)" \
	"$(F $RL 5 "$C4+$R1" dap ENUM_INVALID error maybe)"

# XML: a finding's line is the line of the record's start tag.
variant xml
cat >"$V/relationships.xml" <<EOX
<?xml version="1.0" encoding="UTF-8"?>
<relationships xmlns="urn:csprecon:batch:1">
 <relationship>
  <customerTenantId>$C1</customerTenantId>
  <customerName>Drukkerij Van Aalst B.V.</customerName>
  <customerDomain>vanaalst-drukkerij.nl</customerDomain>
  <customerCountry>NL</customerCountry>
  <resellerTenantId>$R1</resellerTenantId>
  <resellerMpnId>$PLA_NL</resellerMpnId>
  <relationshipToPartner>reseller</relationshipToPartner>
  <state>active</state>
  <dap>yes</dap>
 </relationship>
 <relationship>
  <customerTenantId>$C3</customerTenantId>
  <customerName>Brasserie Dumont SPRL</customerName>
  <customerCountry>US</customerCountry>
  <resellerTenantId>$R1</resellerTenantId>
 </relationship>
</relationships>
EOX
chk_v "$V/$M" "$V/$RS" "$V/relationships.xml"
verdict "XML relationships: lines of the start tags" 1 \
	"relationships.xml|3|relationships|$C1+$R1|dap|DAP_ACTIVE|warning|yes" \
	"relationships.xml|14|relationships|$C3+$R1|customer_country|CUSTOMER_REGION|violation|US"

# ---- 2. order independence --------------------------------------------------

# A batch with findings in every phase: an unknown PGA, two claimants of
# one PartnerID (R3, R4; violations, so both are accepted and C5, a
# customer of R3, is judged against R3 like any other), a reseller_mpn_id
# mismatch, an unsigned MPA, DAP.
variant mixed
setf $M 3 5 3810049
setf $RS 5 4 $PLA_GB3
setf $RS 3 8 no
setf $RL 4 6 $PLA_DE
setf $RL 2 9 yes
echo "$C5,Pemberton & Shaw Solicitors LLP,pembertonshaw.co.uk,GB,$R3,$PLA_GB3,reseller,active,no,2025-11-03" >>"$V/$RL"
MIXED="$(F $M 3 $PLA_NL global_mpn_id MPN_GLOBAL_UNKNOWN warning 3810049)
$(F $RS 4 $R3 mpn_id MPN_CLAIMED_TWICE violation $PLA_GB3)
$(F $RS 5 $R4 mpn_id MPN_CLAIMED_TWICE violation $PLA_GB3)
$(F $RL 4 "$C3+$R1" reseller_mpn_id RESELLER_MPN_MISMATCH violation $PLA_DE)
$(F $RL 3 "$C2+$R2" reseller_tenant_id MPA_NOT_SIGNED violation $R2)
$(F $RL 2 "$C1+$R1" dap DAP_ACTIVE warning yes)"
chka
IFS='
'
# shellcheck disable=SC2086
set -- $MIXED
unset IFS
verdict "mixed batch" 1 "$@"
# Violations and warnings reject nothing: read = accepted.
expect_eq "mixed batch: PartnerIDs read, accepted, rejected" "6 6 0" "$(counts "$V/$M")"
expect_eq "mixed batch: resellers read, accepted, rejected" "4 4 0" "$(counts "$V/$RS")"
expect_eq "mixed batch: relationships read, accepted, rejected" "5 5 0" "$(counts "$V/$RL")"
expect_grep "$V/rep/summary.json" '"MPN_CLAIMED_TWICE": {"severity": "violation", "count": 2}' \
	"mixed batch: summary.json counts MPN_CLAIMED_TWICE"
findings "$REJ" | sort >"$T/order.lines"
cut -d'|' -f3- "$T/order.lines" | sort >"$T/order.keys"
ORDER_EXIT=$CODE

# The same files in reverse order.
chk_v "$V/$RL" "$V/$RS" "$V/$M"
expect_exit "$ORDER_EXIT" "files in reverse order: exit code"
findings "$REJ" | sort >"$T/rev.lines"
expect_same "$T/order.lines" "$T/rev.lines" "files in reverse order: findings"

# Data rows reversed (header kept): lines map to N + 3 - line.
W=$T/mixed-rows
mkdir -p "$W"
for f in $M $RS $RL; do
	awk 'NR == 1 { print; next } { a[++n] = $0 }
		END { while (n) print a[n--] }' "$V/$f" >"$W/$f"
done
rm -rf "$W/rep"
run check --report-dir "$W/rep" "$W/$RL" "$W/$M" "$W/$RS"
expect_exit "$ORDER_EXIT" "rows reversed: exit code"
findings "$W/rep/rejects.csv" | awk -F'|' -v OFS='|' '
	$1 == "mpn_ids.csv" { $2 = 6 + 3 - $2 }
	$1 == "resellers.csv" { $2 = 4 + 3 - $2 }
	$1 == "relationships.csv" { $2 = 5 + 3 - $2 }
	{ print }' | sort >"$T/rows.lines"
expect_same "$T/order.lines" "$T/rows.lines" \
	"rows reversed: findings (lines mapped back)"

# Odd rows first, then even rows: the same findings, lines aside.
for f in $M $RS $RL; do
	awk 'NR == 1 { print; next } NR % 2 { print; next } { e[++n] = $0 }
		END { for (i = 1; i <= n; i++) print e[i] }' "$V/$f" >"$W/$f"
done
rm -rf "$W/rep"
run check --report-dir "$W/rep" "$W/$RS" "$W/$RL" "$W/$M"
expect_exit "$ORDER_EXIT" "rows interleaved: exit code"
findings "$W/rep/rejects.csv" | cut -d'|' -f3- | sort >"$T/inter.keys"
expect_same "$T/order.keys" "$T/inter.keys" "rows interleaved: findings"

# Relationship files are read after the PartnerID and reseller files, and
# each row is judged as it is read.  A header too long for the look-ahead
# (4 KiB) hides the entity: that file is staged and judged after the
# resellers, with the same findings and counts.
LONG=$(awk 'BEGIN { while (n++ < 5000) printf "x" }')
W=$T/mixed-long
mkdir -p "$W"
cp "$T/mixed/$M" "$T/mixed/$RS" "$W/"
awk -v l="$LONG" -F, -v OFS=, 'NR == 1 { print $0 "," l; next } { print $0 "," }' \
	"$T/mixed/$RL" >"$W/$RL"
rm -rf "$W/rep"
run check --report-dir "$W/rep" "$W/$RL" "$W/$M" "$W/$RS"
expect_exit "$ORDER_EXIT" "header beyond the look-ahead: exit code"
findings "$W/rep/rejects.csv" | grep -v '|COLUMN_UNKNOWN|' | sort >"$T/long.lines"
expect_same "$T/order.lines" "$T/long.lines" "header beyond the look-ahead: findings"
REJ=$W/rep/rejects.csv
expect_eq "header beyond the look-ahead: relationships read, accepted, rejected" \
	"5 5 0" "$(counts "$W/$RL")"
rm -rf "$W/rep"
run --master "$T/long.db" init
run --master "$T/long.db" reconcile --apply --max-reject-pct 100 \
	--report-dir "$W/rep" "$W/$RL" "$W/$M" "$W/$RS"
expect_exit "$ORDER_EXIT" "header beyond the look-ahead, reconcile: exit code"
expect_eq "header beyond the look-ahead, reconcile: relationships applied" "5" \
	"$(sqlite3 "$T/long.db" 'SELECT count(*) FROM relationships')"

# A key given twice with different values is judged by the duplicate rules
# only: the cross-entity findings of its rows are withdrawn, and each row is
# counted rejected once.
variant dupkey
setf $RL 3 9 yes
echo "$C2,Bäckerei Hoffmann GmbH,baeckerei-hoffmann.de,DE,$R2,$PLA_NL,reseller,active,no,2025-01-20" >>"$V/$RL"
chka
verdict "DUPLICATE_KEY on relationships" 1 \
	"$(F $RL 3 "$C2+$R2" customer_tenant_id+reseller_tenant_id DUPLICATE_KEY error "$C2+$R2")" \
	"$(F $RL 6 "$C2+$R2" customer_tenant_id+reseller_tenant_id DUPLICATE_KEY error "$C2+$R2")"
expect_eq "DUPLICATE_KEY on relationships: read, accepted, rejected" "5 3 2" "$(counts "$V/$RL")"

# The same when one occurrence also fails a field rule, read as it comes
# and read after the resellers (a header beyond the look-ahead).
setf $RL 6 10 2025-13-45
DUPF="$(F $RL 3 "$C2+$R2" customer_tenant_id+reseller_tenant_id DUPLICATE_KEY error "$C2+$R2")
$(F $RL 6 "$C2+$R2" customer_tenant_id+reseller_tenant_id DUPLICATE_KEY error "$C2+$R2")
$(F $RL 6 "$C2+$R2" since DATE_INVALID error 2025-13-45)"
chka
IFS='
'
# shellcheck disable=SC2086
set -- $DUPF
unset IFS
verdict "DUPLICATE_KEY and a field error" 1 "$@"
expect_eq "DUPLICATE_KEY and a field error: read, accepted, rejected" "5 3 2" "$(counts "$V/$RL")"
awk -v l="$LONG" -F, -v OFS=, 'NR == 1 { print $0 "," l; next } { print $0 "," }' \
	"$V/$RL" >"$V/long.csv" && mv "$V/long.csv" "$V/$RL"
chka
findings "$REJ" | grep -v '|COLUMN_UNKNOWN|' | sort >"$T/dupl.lines"
printf '%s\n' "$DUPF" | sort >"$T/dupf.lines"
expect_same "$T/dupf.lines" "$T/dupl.lines" "DUPLICATE_KEY and a field error, header beyond the look-ahead"

# A refused relationship file does not hold back the rules for the others.
variant refused_rel
setf $RL 3 9 yes
printf 'customer_tenant_id,customer_name\n' >"$V/other_relationships.csv"
chk_v "$V/$M" "$V/$RS" "$V/$RL" "$V/other_relationships.csv"
verdict "a refused relationship file" 65 \
	"$(F $RL 3 "$C2+$R2" dap DAP_ACTIVE warning yes)" \
	"other_relationships.csv|1|relationships||customer_country|COLUMN_MISSING|error|" \
	"other_relationships.csv|1|relationships||reseller_tenant_id|COLUMN_MISSING|error|"
# A refused reseller file holds back every cross-entity rule.
printf 'tenant_id,contact_email\n"x\n' >"$V/other_resellers.csv"
chk_v "$V/$M" "$V/$RS" "$V/$RL" "$V/other_resellers.csv"
expect_exit 65 "a refused reseller file: exit code"
expect_no_grep "$REJ" DAP_ACTIVE "a refused reseller file: no cross-entity rule ran"

# ---- 3. a PartnerID only in the master --------------------------------------

M3=$T/m3.db
run --master "$M3" init
expect_exit 0 "init m3"
run --master "$M3" reconcile --apply --report-dir "$T/m3.apply" "$BASE/$M"
expect_exit 0 "reconcile --apply of the PartnerIDs alone"
V=$BASE
chk_v --master "$M3" "$BASE/$RS"
verdict "resellers against the master's PartnerIDs (--master)" 0
CSPRECON_MASTER=$M3
chk_v "$BASE/$RS"
CSPRECON_MASTER=$T/no-master.db
verdict "resellers against the master's PartnerIDs (\$CSPRECON_MASTER)" 0
chk_v "$BASE/$RS"
verdict "the same resellers without a master: MPN_UNKNOWN" 1 \
	"$(F $RS 2 $R1 mpn_id MPN_UNKNOWN violation $PLA_NL)" \
	"$(F $RS 3 $R2 mpn_id MPN_UNKNOWN violation $PLA_DE)" \
	"$(F $RS 4 $R3 mpn_id MPN_UNKNOWN violation $PLA_GB3)" \
	"$(F $RS 5 $R4 mpn_id MPN_UNKNOWN violation $PLA_GB4)"
# ./csprecon.db when neither --master nor $CSPRECON_MASTER is given.
mkdir -p "$T/cwd"
run --master "$T/cwd/csprecon.db" init
run --master "$T/cwd/csprecon.db" reconcile --apply --report-dir "$T/cwd.apply" "$BASE/$M"
(
	cd "$T/cwd" || exit 1
	unset CSPRECON_MASTER
	"$CSPRECON" check --report-dir "$T/cwd/rep" "$BASE/$RS" >/dev/null 2>&1
	echo $? >"$T/cwd/code"
)
CODE=$(cat "$T/cwd/code") REJ=$T/cwd/rep/rejects.csv
verdict "resellers against ./csprecon.db" 0
# A location whose PGA is only in the master: no MPN_GLOBAL_UNKNOWN.
variant master_pga
sed -n '1p;3p' "$BASE/$M" >"$V/$M"
chk_v --master "$M3" "$V/$M"
verdict "a location's PGA in the master" 0
chk_v "$V/$M"
verdict "the same location without a master: MPN_GLOBAL_UNKNOWN" 0 \
	"$(F $M 2 $PLA_NL global_mpn_id MPN_GLOBAL_UNKNOWN warning $PGA_NL)"
variant master_country
setf $RS 5 3 IE
chk_v --master "$M3" "$V/$RS"
verdict "MPN_COUNTRY_MISMATCH against the master's PartnerID" 1 \
	"$(F $RS 5 $R4 country MPN_COUNTRY_MISMATCH violation IE)"
variant snapshot
# reconcile, dry run: the master is only read.
run --master "$M3" reconcile --report-dir "$V/rep" "$BASE/$RS"
REJ=$V/rep/rejects.csv
verdict "reconcile (dry run) of resellers against the master" 0
# In snapshot mode a PartnerIDs file replaces the master's: a PartnerID it
# leaves out is gone; in delta mode the master's row still counts.
head -6 "$BASE/$M" >"$V/$M"
run --master "$M3" reconcile --max-retire-pct 100 --report-dir "$V/rep" "$V/$M" "$BASE/$RS"
verdict "snapshot without the PartnerID: MPN_UNKNOWN" 1 \
	"$(F $RS 5 $R4 mpn_id MPN_UNKNOWN violation $PLA_GB4)"
run --master "$M3" reconcile --mode delta --report-dir "$V/rep" "$V/$M" "$BASE/$RS"
verdict "delta without the PartnerID: the master's row counts" 0

# The same for resellers: a snapshot without R2 retires it tonight, so
# C2's reseller is not active (RESELLER_NOT_ACTIVE: SPEC §3, "or that is
# retired"; RESELLER_UNKNOWN is for a tenant in neither batch nor master);
# in delta mode the master's R2 still counts.  Retiring 1 of 4 resellers
# is over the default retire valve, which a dry run trips as its apply
# would (SPEC §4): the valve is raised.
sed -n '1,2p;4,5p' "$BASE/$RS" >"$V/$RS"
M3R=$T/m3r.db
run --master "$M3R" init
run --master "$M3R" reconcile --apply --report-dir "$T/m3r.apply" "$BASE/$M" "$BASE/$RS"
expect_exit 0 "m3r: base PartnerIDs and resellers applied"
run --master "$M3R" reconcile --max-retire-pct 50 --report-dir "$V/rep" "$V/$RS" "$BASE/$RL"
verdict "snapshot without the reseller: RESELLER_NOT_ACTIVE" 1 \
	"$(F $RL 3 "$C2+$R2" reseller_tenant_id RESELLER_NOT_ACTIVE violation $R2)"
expect_grep "$V/rep/rejects.csv" "active relationship with a reseller that is not active: the reseller is retired" \
	"snapshot without the reseller: the message says retired"
run --master "$M3R" reconcile --mode delta --report-dir "$V/rep" "$V/$RS" "$BASE/$RL"
verdict "delta without the reseller: the master's row counts" 0

# ---- 4. no cascade from a reseller with a violation -------------------------

# R1's contact is on Gmail (domains emptied so no EMAIL_DOMAIN_MISMATCH):
# an EMAIL_WEBMAIL violation, so R1 is accepted and its relationships are
# judged against it like any other reseller's (SPEC §3).
variant cascade
setf $RS 2 6 lindenhoff.nl@gmail.com
setf $RS 2 10 ""
WEBMAIL=$(F $RS 2 $R1 contact_email EMAIL_WEBMAIL violation lindenhoff.nl@gmail.com)
chka
verdict "Gmail reseller without a master: its relationships judged against it" 1 \
	"$WEBMAIL"
expect_eq "Gmail reseller: resellers read, accepted, rejected" "4 4 0" "$(counts "$V/$RS")"
expect_eq "Gmail reseller: relationships read, accepted, rejected" "4 4 0" "$(counts "$V/$RL")"
M4=$T/m4.db
run --master "$M4" init
run --master "$M4" reconcile --apply --report-dir "$T/m4.apply" "$BASE/$M" "$BASE/$RS"
expect_exit 0 "m4: base PartnerIDs and resellers applied"
chka --master "$M4"
verdict "Gmail reseller, the master has R1: only EMAIL_WEBMAIL" 1 "$WEBMAIL"
# The master's R1 has not signed the MPA; tonight's R1 (Gmail) says it
# has: tonight's row is the one the relationships see.
M4B=$T/m4b.db
W=$T/m4b
mkdir -p "$W"
awk -F, -v OFS=, 'NR == 2 { $8 = "no" } { print }' "$BASE/$RS" >"$W/$RS"
run --master "$M4B" init
run --master "$M4B" reconcile --apply --report-dir "$W/apply" "$BASE/$M" "$W/$RS"
expect_exit 0 "m4b: R1 without the MPA applied"
chka --master "$M4B"
verdict "Gmail reseller that signed the MPA tonight (check)" 1 "$WEBMAIL"
run --master "$M4B" reconcile --report-dir "$V/rep" "$V/$M" "$V/$RS" "$V/$RL"
verdict "Gmail reseller that signed the MPA tonight (reconcile)" 1 "$WEBMAIL"
# The Gmail reseller without the MPA: its active relationships are
# MPA_NOT_SIGNED, judged against the Gmail row (not RESELLER_UNKNOWN).
W=$T/gmail-nompa
mkdir -p "$W"
awk -F, -v OFS=, 'NR == 2 { $8 = "no" } { print }' "$V/$RS" >"$W/$RS"
rm -rf "$V/rep"
run check --report-dir "$V/rep" "$V/$M" "$W/$RS" "$V/$RL"
REJ=$V/rep/rejects.csv
verdict "Gmail reseller without the MPA: its relationships MPA_NOT_SIGNED" 1 \
	"$WEBMAIL" \
	"$(F $RL 2 "$C1+$R1" reseller_tenant_id MPA_NOT_SIGNED violation $R1)" \
	"$(F $RL 4 "$C3+$R1" reseller_tenant_id MPA_NOT_SIGNED violation $R1)"

# Applied: no row is rejected, so no valve and no --force; the master
# holds the Gmail reseller as the batch gives it, and every relationship.
run --master "$M4B" reconcile --apply --report-dir "$V/rep" "$V/$M" "$V/$RS" "$V/$RL"
verdict "Gmail reseller applied" 1 "$WEBMAIL"
expect_grep "$V/rep/summary.txt" "applied" "Gmail reseller applied: summary says applied"
expect_no_grep "$V/rep/summary.txt" "not applied" "Gmail reseller applied: no valve"
expect_eq "Gmail reseller applied: the master's R1 is tonight's" \
	"lindenhoff.nl@gmail.com yes " \
	"$(sqlite3 "$M4B" "SELECT contact_email, mpa_signed, coalesce(retired_run, '') FROM resellers WHERE tenant_id = '$R1'" 2>&1 | tr '|' ' ')"
expect_eq "Gmail reseller applied: the relationships stored" "$C1 $C3 $C2 $C4" \
	"$(sqlite3 "$M4B" "SELECT customer_tenant_id FROM relationships WHERE retired_run IS NULL ORDER BY 1" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
expect_grep "$V/rep/rejects.csv" ",EMAIL_WEBMAIL,violation," \
	"Gmail reseller applied: rejects.csv carries the violation"

# ---- 5. MPN_CLAIMED_TWICE against the master --------------------------------

# $M4 holds R3 with 5027321; a newcomer R5 claims it: only R5 gets the
# finding (the master's row is not judged by a batch).
variant newcomer
{
	head -1 "$BASE/$RS"
	echo "$R5,Harbourline Managed Services Ltd,GB,$PLA_GB3,Grace Whitfield,grace.whitfield@harbourline.co.uk,active,yes,no,harbourline.co.uk"
} >"$V/$RS"
chk_v --master "$M4" "$V/$RS"
verdict "MPN_CLAIMED_TWICE against the master (check): the newcomer" 1 \
	"$(F $RS 2 $R5 mpn_id MPN_CLAIMED_TWICE violation $PLA_GB3)"
run --master "$M4" reconcile --mode delta --report-dir "$V/rep" "$V/$RS"
verdict "MPN_CLAIMED_TWICE against the master (reconcile --mode delta)" 1 \
	"$(F $RS 2 $R5 mpn_id MPN_CLAIMED_TWICE violation $PLA_GB3)"
# The holder listed again in the same batch: both claimants are in the
# batch, so both get it.
mkdir -p "$V/both"
{
	cat "$BASE/$RS"
	tail -n +2 "$V/$RS"
} >"$V/both/$RS"
run --master "$M4" reconcile --report-dir "$V/rep" "$V/both/$RS"
verdict "MPN_CLAIMED_TWICE: holder and newcomer in one batch" 1 \
	"$(F $RS 4 $R3 mpn_id MPN_CLAIMED_TWICE violation $PLA_GB3)" \
	"$(F $RS 6 $R5 mpn_id MPN_CLAIMED_TWICE violation $PLA_GB3)"
# A newcomer claiming a PartnerID no master reseller holds: accepted.
sed "s/,$PLA_GB3,/,$PLA_GB4,/" "$V/$RS" >"$V/free.csv"
M5=$T/m5.db
run --master "$M5" init
run --master "$M5" reconcile --apply --report-dir "$T/m5.apply" "$BASE/$M"
chk_v --master "$M5" "$V/free.csv"
verdict "a newcomer on a PartnerID nobody holds" 0

# ---- 5b. an MPA wave ----------------------------------------------------------

# 200 resellers (each on its own German PLA), 150 of which have not signed
# the MPA, and 3 active customers each: 450 MPA_NOT_SIGNED violations among
# 1,000 rows.  Violations reject nothing, so the reject valve does not trip
# and every row is applied; the run exits 1 for the violations.
W=$T/mpawave
mkdir -p "$W"
awk 'BEGIN {
	print "mpn_id,type,country,name,global_mpn_id,status" >"'"$W"'/mpn_ids.csv"
	print "tenant_id,name,country,mpn_id,contact_name,contact_email,relationship,mpa_signed,admin_access,domains" >"'"$W"'/resellers.csv"
	print "customer_tenant_id,customer_name,customer_domain,customer_country,reseller_tenant_id,reseller_mpn_id,relationship_to_partner,state,dap,since" >"'"$W"'/relationships.csv"
	for (i = 1; i <= 200; i++) {
		t = sprintf("00000000-0000-4000-a000-%012d", i)
		printf "%d,location,DE,Systemhaus %d GmbH,,active\n", 7100000 + i, i >"'"$W"'/mpn_ids.csv"
		printf "%s,Systemhaus %d GmbH,DE,%d,Anna Schmidt,anna@systemhaus%d.de,active,%s,no,systemhaus%d.de\n", t, i, 7100000 + i, i, i <= 150 ? "no" : "yes", i >"'"$W"'/resellers.csv"
		for (j = 1; j <= 3; j++)
			printf "%s,Kunde %d-%d GmbH,kunde%d-%d.de,DE,%s,,reseller,active,no,2025-01-01\n", sprintf("00000000-0000-4000-b%03d-%012d", j, i), i, j, i, j, t >"'"$W"'/relationships.csv"
	}
}'
MW=$T/mpawave.db
run --master "$MW" init
run --master "$MW" reconcile --apply --report-dir "$W/rep" "$W/mpn_ids.csv" "$W/resellers.csv" "$W/relationships.csv"
expect_exit 1 "MPA wave: applied, exit 1 for the violations"
expect_no_grep "$ERR" "not applied" "MPA wave: no valve"
expect_grep "$W/rep/summary.txt" "snapshot mode, applied" "MPA wave: the summary says applied"
expect_grep "$W/rep/summary.txt" "findings: 0 errors, 450 violations, 0 warnings" \
	"MPA wave: the totals line"
expect_eq "MPA wave: every finding is MPA_NOT_SIGNED violation" "450 MPA_NOT_SIGNED,violation" \
	"$(tail -n +2 "$W/rep/rejects.csv" | cut -d, -f7,8 | sort | uniq -c | sed 's/^ *//')"
expect_eq "MPA wave: relationships read, accepted, rejected" "600 600 0" \
	"$(grep -F '"path": "'"$W"'/relationships.csv",' "$W/rep/summary.json" |
	sed -n 's/.*"rows_read": \([0-9]*\), "rows_accepted": \([0-9]*\), "rows_rejected": \([0-9]*\).*/\1 \2 \3/p')"
expect_eq "MPA wave: the master holds every row" "200 150 600" \
	"$(sqlite3 "$MW" "SELECT (SELECT count(*) FROM resellers), (SELECT count(*) FROM resellers WHERE mpa_signed = 'no'), (SELECT count(*) FROM relationships)" 2>&1 | tr '|' ' ')"
expect_eq "MPA wave: the ledger says applied, exit 1" "1 1" \
	"$(sqlite3 "$MW" "SELECT applied, exit_code FROM runs ORDER BY id DESC LIMIT 1" 2>&1 | tr '|' ' ')"
expect_eq "MPA wave: 450 open cases" 450 \
	"$(sqlite3 "$MW" "SELECT count(*) FROM cases WHERE closed_run IS NULL AND rule = 'MPA_NOT_SIGNED'" 2>&1)"
# The next night, the same: every violation has its open case, exit 0.
run --master "$MW" reconcile --apply --report-dir "$W/rep2" "$W/mpn_ids.csv" "$W/resellers.csv" "$W/relationships.csv"
expect_exit 0 "MPA wave, the next night: known cases only"

# ---- 6. audit -----------------------------------------------------------------

M6=$T/m6.db
run --master "$M6" init
run --master "$M6" reconcile --apply --report-dir "$T/m6.apply" \
	samples/mpn_ids.csv samples/resellers.csv samples/relationships.csv
expect_exit 0 "m6: samples applied"
VN=f6fadfa7-e5c1-4b62-b362-da5cc13da58a # Valmora Nederland B.V.
HAVEN=ac333b68-7e9b-477c-9519-a9d5ac9130f4+$VN
BLUEBELL=3c6dd345-76dc-4866-949b-38090780b8cf+0b80a255-53a1-4945-8932-58ef7777682c
# A KEY FIELD RULE SEVERITY VALUE: an audit finding on a relationship (no
# file, no line).
A() { printf '||relationships|%s|%s|%s|%s|%s\n' "$@"; }
before=$(sha256sum "$M6" | cut -d' ' -f1)
REJ=$T/a1/rejects.csv
run --master "$M6" audit --report-dir "$T/a1"
verdict "audit of a clean master: the two DAP_ACTIVE warnings" 0 \
	"$(A "$HAVEN" dap DAP_ACTIVE warning yes)" \
	"$(A "$BLUEBELL" dap DAP_ACTIVE warning yes)"
REJ=$T/a2/rejects.csv
run --master "$M6" audit --region europe --report-dir "$T/a2"
verdict "audit of a clean master, --region europe" 0 \
	"$(A "$HAVEN" dap DAP_ACTIVE warning yes)" \
	"$(A "$BLUEBELL" dap DAP_ACTIVE warning yes)"
if [ "$(sha256sum "$M6" | cut -d' ' -f1)" = "$before" ]; then ok; else
	not_ok "audit changed the master"
fi
run --master "$M6" audit samples/resellers.csv
expect_exit 64 "audit takes no files"
# Valmora Nederland's partnership ends (delta: nothing else changes).
W=$T/term
mkdir -p "$W"
awk -F, -v OFS=, -v t="$VN" 'NR == 1 || $1 == t { if (NR > 1) $7 = "terminated"; print }' \
	samples/resellers.csv >"$W/$RS"
expect_eq "the termination file has one reseller" 2 "$(wc -l <"$W/$RS" | tr -d ' ')"
run --master "$M6" reconcile --apply --mode delta --report-dir "$W/apply" "$W/$RS"
# Its four active customers are now with a reseller that is not active
# (one of them with DAP): five new cases, exit 1.
expect_exit 1 "terminating Valmora Nederland (delta, applied)"
expect_eq "terminating Valmora Nederland opens its cases" "DAP_ORPHANED 1
RESELLER_NOT_ACTIVE 4" \
	"$(sqlite3 "$M6" "SELECT rule, count(*) FROM cases WHERE closed_run IS NULL AND reseller_tenant_id = '$VN' GROUP BY rule ORDER BY rule" 2>&1 | tr '|' ' ')"
expect_eq "Valmora Nederland is terminated in the master" terminated \
	"$(sqlite3 "$M6" "SELECT relationship FROM resellers WHERE tenant_id = '$VN'" 2>/dev/null)"
REJ=$T/a3/rejects.csv
run --master "$M6" audit --report-dir "$T/a3"
verdict "audit after the termination" 1 \
	"$(A "$HAVEN" dap DAP_ORPHANED violation yes)" \
	"$(A "$HAVEN" reseller_tenant_id RESELLER_NOT_ACTIVE violation $VN)" \
	"$(A "89933837-0c28-4ec1-a947-22af64b93697+$VN" reseller_tenant_id RESELLER_NOT_ACTIVE violation $VN)" \
	"$(A "0e3a655f-2073-4ab2-ac8b-1eb44f1eaccf+$VN" reseller_tenant_id RESELLER_NOT_ACTIVE violation $VN)" \
	"$(A "6c2386e5-cc86-4a64-b3c4-72ca4495f8b4+$VN" reseller_tenant_id RESELLER_NOT_ACTIVE violation $VN)" \
	"$(A "$HAVEN" dap DAP_ACTIVE warning yes)" \
	"$(A "$BLUEBELL" dap DAP_ACTIVE warning yes)"
expect_grep "$T/a3/summary.txt" "DAP_ORPHANED" "audit summary counts DAP_ORPHANED"
# audit without a master.
run --master "$T/none.db" audit
expect_exit 66 "audit without a master"

# ---- 7. the provider's regions ------------------------------------------------

V=$BASE
chka --region "Asia Pacific"
verdict "--region 'Asia Pacific': every European reseller RESELLER_REGION" 1 \
	"$(F $RS 2 $R1 country RESELLER_REGION violation NL)" \
	"$(F $RS 3 $R2 country RESELLER_REGION violation DE)" \
	"$(F $RS 4 $R3 country RESELLER_REGION violation GB)" \
	"$(F $RS 5 $R4 country RESELLER_REGION violation GB)"
findings "$REJ" | sort >"$T/apac.lines"
chka --region "ASIA PACIFIC"
findings "$REJ" | sort >"$T/apac2.lines"
expect_same "$T/apac.lines" "$T/apac2.lines" "--region is case-insensitive"
printf '# the provider\nregion = Asia Pacific\n' >"$T/apac.conf"
rm -rf "$V/rep"
run --config "$T/apac.conf" check --report-dir "$V/rep" "$V/$M" "$V/$RS" "$V/$RL"
expect_exit 1 "region in --config: exit"
findings "$REJ" | sort >"$T/apac3.lines"
expect_same "$T/apac.lines" "$T/apac3.lines" "region = Asia Pacific in --config"
chka --region "Asia Pacific" --region Europe
verdict "--region repeated: Asia Pacific and Europe" 0
chka
verdict "no --region: no RESELLER_REGION" 0
chka --region Atlantis
expect_exit 64 "--region Atlantis"
expect_grep "$ERR" "--region: unknown CSP region 'Atlantis'" "--region Atlantis message"
expect_grep "$ERR" "Asia Pacific" "--region Atlantis lists the regions"
expect_grep "$ERR" "Middle East, Central Europe and Eastern Europe" \
	"--region Atlantis lists the regions"
# --regions-file: Belgium moved out of Europe (C3 is a Belgian customer of
# a Dutch reseller), the United States moved into it.
sed -e 's/^BE,Belgium,Europe,/BE,Belgium,Asia Pacific,/' \
	-e 's/^US,United States,United States,/US,United States,Europe,/' \
	data/csp_regions-2023-08-17.csv >"$T/regions.csv"
if cmp -s data/csp_regions-2023-08-17.csv "$T/regions.csv"; then
	not_ok "the custom regions file is unchanged"
else ok; fi
chka --regions-file "$T/regions.csv"
verdict "--regions-file: Belgium in Asia Pacific" 1 \
	"$(F $RL 4 "$C3+$R1" customer_country CUSTOMER_REGION violation BE)"
V=$T/customer_region # C3 in the US
chka
verdict "built-in table: a US customer of a Dutch reseller" 1 \
	"$(F $RL 4 "$C3+$R1" customer_country CUSTOMER_REGION violation US)"
chka --regions-file "$T/regions.csv"
verdict "--regions-file: the US in Europe" 0
chka --regions-file "$T/no-such-regions.csv"
expect_exit 66 "missing --regions-file"
expect_grep "$ERR" "no-such-regions.csv" "missing --regions-file names the file"

# ---- 8. samples/rules/ ----------------------------------------------------------

# DIRECTORY FILE LINE KEY FIELD VALUE ("-": empty); the rule is the
# directory name in upper case; a directory may have several findings.
SR=samples/rules
cat >"$T/rules.txt" <<EOF
mpn_global_unknown mpn_ids.csv 3 $PLA_NL global_mpn_id 3810049
mpn_missing resellers.csv 3 $R2 mpn_id -
mpn_unknown resellers.csv 5 $R4 mpn_id 5027399
mpn_not_location resellers.csv 5 $R4 mpn_id $PGA_GB
mpn_country_mismatch resellers.csv 5 $R4 country IE
mpn_inactive resellers.csv 5 $R4 mpn_id $PLA_GB4
mpn_claimed_twice resellers.csv 4 $R3 mpn_id $PLA_GB3
mpn_claimed_twice resellers.csv 5 $R4 mpn_id $PLA_GB3
country_no_region resellers.csv 5 $R4 country BY
reseller_region resellers.csv 5 $R4 country US
reseller_unknown relationships.csv 4 $C3+$RX reseller_tenant_id $RX
reseller_not_active relationships.csv 3 $C2+$R2 reseller_tenant_id $R2
reseller_mpn_mismatch relationships.csv 4 $C3+$R1 reseller_mpn_id $PLA_DE
customer_region relationships.csv 4 $C3+$R1 customer_country US
provider_no_relationship relationships.csv 4 $C3+$R1 relationship_to_partner advisor
mpa_not_signed relationships.csv 3 $C2+$R2 reseller_tenant_id $R2
dap_orphaned relationships.csv 5 $C4+$R1 dap yes
dap_active relationships.csv 2 $C1+$R1 dap yes
EOF
ndirs=0
for d in "$SR"/*/; do
	d=${d%/}
	name=$(basename "$d")
	ndirs=$((ndirs + 1))
	rule=$(echo "$name" | tr '[:lower:]' '[:upper:]')
	case $rule in
	MPN_GLOBAL_UNKNOWN | DAP_ACTIVE) sev=warning x=0 ;;
	RESELLER_UNKNOWN) sev=error x=1 ;;
	*) sev=violation x=1 ;;
	esac
	if ! grep -q "^$name " "$T/rules.txt"; then
		not_ok "$d: no expectation for this directory"
		continue
	fi
	set --
	while read -r n f l k fld val; do
		[ "$n" = "$name" ] || continue
		[ "$val" != - ] || val=
		set -- "$@" "$(F "$f" "$l" "$k" "$fld" "$rule" "$sev" "$val")"
	done <"$T/rules.txt"
	# The files in entity order; a csprecon.conf sets the provider's regions.
	files=
	for f in mpn_ids.csv resellers.csv relationships.csv; do
		[ -f "$d/$f" ] && files="$files $d/$f"
	done
	conf=
	[ -f "$d/csprecon.conf" ] && conf="--config $d/csprecon.conf"
	rm -rf "$T/sr"
	# shellcheck disable=SC2086
	run $conf check --report-dir "$T/sr" $files
	REJ=$T/sr/rejects.csv
	verdict "$d" "$x" "$@"
done
expect_eq "samples/rules/ directories" 17 "$ndirs"

finish
