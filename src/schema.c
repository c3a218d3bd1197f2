/* schema.c -- the column tables of SPEC §2 and header matching.
 * See schema.h. */
#include <string.h>

#include "csprecon/schema.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

static const struct enum_word relationship_words[] = {
	{ "active", "active" }, { "pending", "pending" },
	{ "terminated", "terminated" }, { NULL, NULL }
};
static const struct enum_word type_words[] = {
	{ "location", "location" }, { "pla", "location" },
	{ "global", "global" }, { "pga", "global" }, { NULL, NULL }
};
static const struct enum_word status_words[] = {
	{ "active", "active" }, { "inactive", "inactive" }, { NULL, NULL }
};
static const struct enum_word to_partner_words[] = {
	{ "reseller", "reseller" }, { "advisor", "advisor" },
	{ "none", "none" }, { NULL, NULL }
};
static const struct enum_word state_words[] = {
	{ "active", "active" }, { "terminated", "terminated" }, { NULL, NULL }
};

/* Aliases are written normalised (see column_normalise).  Each table has
 * exactly its entity's count of columns (checked below), and a column left
 * out in between has no name, which the schema unit test catches. */
static const struct column reseller_cols[] = {
	[RES_TENANT_ID] = {
		.name = "tenant_id", .xml = "tenantId",
		.aliases = { "id", "microsoft_id", "partner_tenant_id" },
		.type = COL_GUID, .required = 1 },
	[RES_NAME] = {
		.name = "name", .xml = "name",
		.aliases = { "company_name", "reseller_name" },
		.type = COL_NAME, .required = 1, .max_chars = 256 },
	[RES_COUNTRY] = {
		.name = "country", .xml = "country",
		.aliases = { "location", "country_region", "market" },
		.type = COL_COUNTRY, .required = 1, .xref = 1 },
	[RES_MPN_ID] = {
		.name = "mpn_id", .xml = "mpnId",
		.aliases = { "partner_id", "partnerid", "mpnid",
			     "associated_partnerid" },
		.type = COL_MPN, .mpn_length_check = 1, .xref = 1 },
	[RES_CONTACT_NAME] = {
		.name = "contact_name", .xml = "contactName",
		.aliases = { "primary_contact" },
		.type = COL_TEXT, .max_chars = 100 },
	[RES_CONTACT_EMAIL] = {
		.name = "contact_email", .xml = "contactEmail",
		.aliases = { "primary_contact_email", "email" },
		.type = COL_EMAIL, .required = 1 },
	[RES_RELATIONSHIP] = {
		.name = "relationship", .xml = "relationship",
		.aliases = { "state", "relationship_state" },
		.type = COL_ENUM, .words = relationship_words, .def = "active",
		.xref = 1 },
	[RES_MPA_SIGNED] = {
		.name = "mpa_signed", .xml = "mpaSigned",
		.aliases = { "mpa_signed_status" },
		.type = COL_BOOL, .def = "no", .xref = 1 },
	[RES_ADMIN_ACCESS] = {
		.name = "admin_access", .xml = "adminAccess",
		.aliases = { "dap" },
		.type = COL_BOOL, .def = "no" },
	[RES_DOMAINS] = {
		.name = "domains", .xml = "domains",
		.aliases = { "verified_domains" },
		.type = COL_DOMAINS },
};

static const struct column mpn_cols[] = {
	[MPN_MPN_ID] = {
		.name = "mpn_id", .xml = "mpnId",
		.aliases = { "partner_id", "partnerid", "mpnid" },
		.type = COL_MPN, .required = 1, .mpn_length_check = 1 },
	[MPN_TYPE] = {
		.name = "type", .xml = "type",
		.aliases = { "id_type" },
		.type = COL_ENUM, .required = 1, .words = type_words,
		.xref = 1 },
	[MPN_COUNTRY] = {
		.name = "country", .xml = "country",
		.aliases = { "location", "country_region" },
		.type = COL_COUNTRY, .required = 1, .xref = 1 },
	[MPN_NAME] = {
		.name = "name", .xml = "name",
		.aliases = { "partner_name" },
		.type = COL_TEXT, .max_chars = 256 },
	[MPN_GLOBAL_MPN_ID] = {
		.name = "global_mpn_id", .xml = "globalMpnId",
		.aliases = { "pga", "global_partner_id" },
		.type = COL_MPN, .xref = 1 },
	[MPN_STATUS] = {
		.name = "status", .xml = "status",
		.type = COL_ENUM, .words = status_words, .def = "active",
		.xref = 1 },
};

static const struct column relationship_cols[] = {
	[REL_CUSTOMER_TENANT_ID] = {
		.name = "customer_tenant_id", .xml = "customerTenantId",
		.aliases = { "customer_id", "microsoft_id", "customerid" },
		.type = COL_GUID, .required = 1 },
	[REL_CUSTOMER_NAME] = {
		.name = "customer_name", .xml = "customerName",
		.aliases = { "company_name", "customername" },
		.type = COL_TEXT, .required = 1, .max_chars = 256 },
	[REL_CUSTOMER_DOMAIN] = {
		.name = "customer_domain", .xml = "customerDomain",
		.aliases = { "primary_domain_name", "customerdomainname",
			     "domain" },
		.type = COL_DOMAIN },
	[REL_CUSTOMER_COUNTRY] = {
		.name = "customer_country", .xml = "customerCountry",
		.aliases = { "customercountry", "country" },
		.type = COL_COUNTRY, .required = 1, .xref = 1 },
	[REL_RESELLER_TENANT_ID] = {
		.name = "reseller_tenant_id", .xml = "resellerTenantId",
		.aliases = { "associated_partner_id", "associatedpartnerid" },
		.type = COL_GUID, .required = 1, .xref = 1 },
	[REL_RESELLER_MPN_ID] = {
		.name = "reseller_mpn_id", .xml = "resellerMpnId",
		.aliases = { "resellermpnid" },
		.type = COL_MPN, .xref = 1 },
	[REL_RELATIONSHIP_TO_PARTNER] = {
		.name = "relationship_to_partner",
		.xml = "relationshipToPartner",
		.aliases = { "relationship" },
		.type = COL_ENUM, .words = to_partner_words, .def = "reseller",
		.xref = 1 },
	[REL_STATE] = {
		.name = "state", .xml = "state",
		.type = COL_ENUM, .words = state_words, .def = "active",
		.xref = 1 },
	[REL_DAP] = {
		.name = "dap", .xml = "dap",
		.aliases = { "allow_delegated_access", "allowdelegatedaccess" },
		.type = COL_BOOL, .def = "no", .xref = 1 },
	[REL_SINCE] = {
		.name = "since", .xml = "since",
		.type = COL_DATE },
};

_Static_assert(ARRAY_SIZE(reseller_cols) == RES_NCOLS,
	       "one reseller column per enum reseller_col member");
_Static_assert(ARRAY_SIZE(mpn_cols) == MPN_NCOLS,
	       "one PartnerID column per enum mpn_col member");
_Static_assert(ARRAY_SIZE(relationship_cols) == REL_NCOLS,
	       "one relationship column per enum relationship_col member");

const struct entity_def entity_defs[ENTITY_COUNT] = {
	[ENTITY_RESELLERS] = {
		.name = "resellers", .xml_root = "resellers",
		.xml_record = "reseller",
		.cols = reseller_cols, .ncols = RES_NCOLS,
		.key = { RES_TENANT_ID }, .nkey = 1,
		.key_name = "tenant_id" },
	[ENTITY_MPN_IDS] = {
		.name = "mpn_ids", .xml_root = "mpnIds", .xml_record = "mpnId",
		.cols = mpn_cols, .ncols = MPN_NCOLS,
		.key = { MPN_MPN_ID }, .nkey = 1,
		.key_name = "mpn_id" },
	[ENTITY_RELATIONSHIPS] = {
		.name = "relationships", .xml_root = "relationships",
		.xml_record = "relationship",
		.cols = relationship_cols, .ncols = REL_NCOLS,
		.key = { REL_CUSTOMER_TENANT_ID, REL_RESELLER_TENANT_ID },
		.nkey = 2,
		.key_name = "customer_tenant_id+reseller_tenant_id" },
};

enum entity entity_by_name(const char *s)
{
	char norm[32];
	int e;

	if (column_normalise(s, strlen(s), norm, sizeof(norm)) < 0)
		return ENTITY_NONE;
	for (e = 0; e < ENTITY_COUNT; e++)
		if (!strcmp(norm, entity_defs[e].name))
			return (enum entity)e;
	return ENTITY_NONE;
}

int column_normalise(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i;

	trim(&s, &len);
	if (len >= outsz)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		else if (c == ' ' || c == '-' || c == '/')
			c = '_';
		out[i] = (char)c;
	}
	out[len] = '\0';
	return 0;
}

int column_find(enum entity e, const char *normalised)
{
	const struct entity_def *d = &entity_defs[e];
	size_t i, a;

	for (i = 0; i < d->ncols; i++) {
		if (!strcmp(d->cols[i].name, normalised))
			return (int)i;
		for (a = 0; a < COL_MAX_ALIASES && d->cols[i].aliases[a]; a++)
			if (!strcmp(d->cols[i].aliases[a], normalised))
				return (int)i;
	}
	return -1;
}

static int header_has(char *const *names, size_t n, enum entity e, int col)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && column_find(e, names[i]) == col)
			return 1;
	return 0;
}

enum entity entity_detect(char *const *names, size_t n)
{
	if (header_has(names, n, ENTITY_RELATIONSHIPS, REL_CUSTOMER_TENANT_ID))
		return ENTITY_RELATIONSHIPS;
	if (header_has(names, n, ENTITY_MPN_IDS, MPN_TYPE))
		return ENTITY_MPN_IDS;
	if (header_has(names, n, ENTITY_RESELLERS, RES_TENANT_ID) &&
	    header_has(names, n, ENTITY_RESELLERS, RES_CONTACT_EMAIL))
		return ENTITY_RESELLERS;
	return ENTITY_NONE;
}
