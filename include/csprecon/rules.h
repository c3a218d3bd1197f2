/* rules.h -- the rule codes of SPEC §3, one table for code, help and tests.
 *
 * The enum order is the order of the SPEC's table, which is also the order
 * in which reports list counts per rule.  Each rule says, besides its
 * severity and meaning, what a duplicate key does to its findings.
 */
#ifndef CSPRECON_RULES_H
#define CSPRECON_RULES_H

/* SPEC §3: an error rejects the row; a violation (a CSP program rule the
 * channel breaks) and a warning leave it accepted.  The order is the order
 * in which reports list them. */
enum severity { SEV_ERROR, SEV_VIOLATION, SEV_WARNING, SEV_COUNT };

/* What becomes of a rule's findings on a key that turns out to be given
 * twice with different values, which is known only once the whole batch
 * is read: kept, or withdrawn, because a duplicate key is judged by the
 * duplicate rules only.  Withdrawn are the findings of the relationship
 * rules, judged as each row is read; the PartnerID and reseller rules run
 * after the duplicates are out of the stage. */
enum dup_effect { DUP_KEEP, DUP_WITHDRAW };

#define RULE_LIST(X)                                                         \
	X(CSV_MALFORMED, SEV_ERROR, DUP_KEEP, "unterminated quote, stray quote, or other CSV parse error") \
	X(COLUMN_COUNT, SEV_ERROR, DUP_KEEP, "row has a different number of fields than the header") \
	X(COLUMN_MISSING, SEV_ERROR, DUP_KEEP, "a required column is absent from the header: the file is refused") \
	X(COLUMN_UNKNOWN, SEV_WARNING, DUP_KEEP, "a header column that is not part of the entity") \
	X(XML_INVALID, SEV_ERROR, DUP_KEEP, "not well-formed or not valid against the XSD") \
	X(ENCODING_INVALID, SEV_ERROR, DUP_KEEP, "value is not valid UTF-8, or contains a NUL or control character") \
	X(REQUIRED, SEV_ERROR, DUP_KEEP, "required value empty") \
	X(TOO_LONG, SEV_ERROR, DUP_KEEP, "value longer than the column allows") \
	X(GUID_INVALID, SEV_ERROR, DUP_KEEP, "the value does not parse as a GUID") \
	X(MPN_INVALID, SEV_ERROR, DUP_KEEP, "the value does not parse as a PartnerID (1-10 digits)") \
	X(COUNTRY_INVALID, SEV_ERROR, DUP_KEEP, "the value is not an ISO 3166-1 country") \
	X(EMAIL_INVALID, SEV_ERROR, DUP_KEEP, "the value does not parse as an email address") \
	X(DATE_INVALID, SEV_ERROR, DUP_KEEP, "the value does not parse as an ISO 8601 date") \
	X(ENUM_INVALID, SEV_ERROR, DUP_KEEP, "the value is not one of the column's words") \
	X(DOMAIN_INVALID, SEV_ERROR, DUP_KEEP, "the value does not parse as a domain name") \
	X(NAME_INVALID, SEV_ERROR, DUP_KEEP, "the name is one character or only symbols") \
	X(MPN_LENGTH_UNUSUAL, SEV_WARNING, DUP_KEEP, "PartnerID not 6-7 digits") \
	X(EMAIL_WEBMAIL, SEV_VIOLATION, DUP_KEEP, "reseller contact email is on a web-based mail service") \
	X(EMAIL_DOMAIN_MISMATCH, SEV_WARNING, DUP_KEEP, "contact email's domain is not one of the reseller's domains") \
	X(MPN_MISSING, SEV_VIOLATION, DUP_KEEP, "an active reseller has no PartnerID: it cannot sign the MPA or transact (a warning for a pending one)") \
	X(MPN_UNKNOWN, SEV_VIOLATION, DUP_KEEP, "reseller's PartnerID is in neither the batch nor the master") \
	X(MPN_NOT_LOCATION, SEV_VIOLATION, DUP_KEEP, "reseller's PartnerID is of type global") \
	X(MPN_COUNTRY_MISMATCH, SEV_VIOLATION, DUP_KEEP, "reseller country differs from its PartnerID's country") \
	X(MPN_INACTIVE, SEV_VIOLATION, DUP_KEEP, "reseller's PartnerID has status inactive") \
	X(MPN_CLAIMED_TWICE, SEV_VIOLATION, DUP_KEEP, "two resellers claim the same location PartnerID") \
	X(MPN_GLOBAL_UNKNOWN, SEV_WARNING, DUP_KEEP, "a location's global_mpn_id is unknown or not of type global") \
	X(COUNTRY_NO_REGION, SEV_VIOLATION, DUP_KEEP, "the reseller's country is in no CSP region") \
	X(RESELLER_REGION, SEV_VIOLATION, DUP_KEEP, "the reseller's region is not one of the provider's regions") \
	X(RESELLER_UNKNOWN, SEV_ERROR, DUP_WITHDRAW, "relationship names a reseller tenant in neither batch nor master") \
	X(RESELLER_NOT_ACTIVE, SEV_VIOLATION, DUP_WITHDRAW, "an active relationship with a reseller whose relationship is not active") \
	X(RESELLER_MPN_MISMATCH, SEV_VIOLATION, DUP_WITHDRAW, "relationship's reseller_mpn_id differs from the reseller's mpn_id") \
	X(CUSTOMER_REGION, SEV_VIOLATION, DUP_WITHDRAW, "customer country not in the reseller's CSP region") \
	X(PROVIDER_NO_RELATIONSHIP, SEV_VIOLATION, DUP_WITHDRAW, "an active customer relationship where relationship_to_partner is not reseller") \
	X(MPA_NOT_SIGNED, SEV_VIOLATION, DUP_WITHDRAW, "an active customer relationship whose reseller has not signed the MPA") \
	X(DAP_ORPHANED, SEV_VIOLATION, DUP_WITHDRAW, "dap=yes on a customer whose relationship or reseller partnership is no longer active") \
	X(DAP_ACTIVE, SEV_WARNING, DUP_WITHDRAW, "dap=yes on an active relationship (GDAP is expected instead)") \
	X(DUPLICATE_KEY, SEV_ERROR, DUP_KEEP, "the same key twice in one run with different values") \
	X(DUPLICATE_ROW, SEV_WARNING, DUP_KEEP, "the same key twice with identical values (one kept)") \
	X(RETIRE_SKIPPED, SEV_WARNING, DUP_KEEP, "snapshot mode: a rejected row's key could not be read, so no row of that entity is retired in this run")

enum rule {
#define RULE_ENUM(code, sev, dup, text) RULE_##code,
	RULE_LIST(RULE_ENUM)
#undef RULE_ENUM
	RULE_COUNT
};

struct rule_def {
	const char *code;       /* "GUID_INVALID" */
	enum severity severity; /* of its findings, but MPN_MISSING's on a
				 * pending reseller, which are warnings */
	enum dup_effect dup;    /* its findings on a duplicate key */
	const char *meaning;    /* one line, as in SPEC §3 */
};

extern const struct rule_def rule_defs[RULE_COUNT];

/* "error", "violation" or "warning". */
const char *severity_name(enum severity s);

/* The rule whose code is code (in any case), or -1. */
int rule_find(const char *code);

#endif
