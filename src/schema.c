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

/* Aliases are written normalised (see column_normalise). */
static const struct column reseller_cols[] = {
	{ "tenant_id", "tenantId",
	  { "id", "microsoft_id", "partner_tenant_id" },
	  COL_GUID, 1, 0, NULL, NULL, 0, 0 },
	{ "name", "name", { "company_name", "reseller_name" },
	  COL_NAME, 1, 256, NULL, NULL, 0, 0 },
	{ "country", "country", { "location", "country_region", "market" },
	  COL_COUNTRY, 1, 0, NULL, NULL, 0, 1 },
	{ "mpn_id", "mpnId",
	  { "partner_id", "partnerid", "mpnid", "associated_partnerid" },
	  COL_MPN, 0, 0, NULL, NULL, 1, 1 },
	{ "contact_name", "contactName", { "primary_contact" },
	  COL_TEXT, 0, 100, NULL, NULL, 0, 0 },
	{ "contact_email", "contactEmail", { "primary_contact_email", "email" },
	  COL_EMAIL, 1, 0, NULL, NULL, 0, 0 },
	{ "relationship", "relationship", { "state", "relationship_state" },
	  COL_ENUM, 0, 0, relationship_words, "active", 0, 1 },
	{ "mpa_signed", "mpaSigned", { "mpa_signed_status" },
	  COL_BOOL, 0, 0, NULL, "no", 0, 1 },
	{ "admin_access", "adminAccess", { "dap" },
	  COL_BOOL, 0, 0, NULL, "no", 0, 0 },
	{ "domains", "domains", { "verified_domains" },
	  COL_DOMAINS, 0, 0, NULL, NULL, 0, 0 },
};

static const struct column mpn_cols[] = {
	{ "mpn_id", "mpnId", { "partner_id", "partnerid", "mpnid" },
	  COL_MPN, 1, 0, NULL, NULL, 1, 0 },
	{ "type", "type", { "id_type" },
	  COL_ENUM, 1, 0, type_words, NULL, 0, 1 },
	{ "country", "country", { "location", "country_region" },
	  COL_COUNTRY, 1, 0, NULL, NULL, 0, 1 },
	{ "name", "name", { "partner_name" },
	  COL_TEXT, 0, 256, NULL, NULL, 0, 0 },
	{ "global_mpn_id", "globalMpnId", { "pga", "global_partner_id" },
	  COL_MPN, 0, 0, NULL, NULL, 0, 1 },
	{ "status", "status", { NULL },
	  COL_ENUM, 0, 0, status_words, "active", 0, 1 },
};

static const struct column relationship_cols[] = {
	{ "customer_tenant_id", "customerTenantId",
	  { "customer_id", "microsoft_id", "customerid" },
	  COL_GUID, 1, 0, NULL, NULL, 0, 0 },
	{ "customer_name", "customerName", { "company_name", "customername" },
	  COL_TEXT, 1, 256, NULL, NULL, 0, 0 },
	{ "customer_domain", "customerDomain",
	  { "primary_domain_name", "customerdomainname", "domain" },
	  COL_DOMAIN, 0, 0, NULL, NULL, 0, 0 },
	{ "customer_country", "customerCountry",
	  { "customercountry", "country" },
	  COL_COUNTRY, 1, 0, NULL, NULL, 0, 1 },
	{ "reseller_tenant_id", "resellerTenantId",
	  { "associated_partner_id", "associatedpartnerid" },
	  COL_GUID, 1, 0, NULL, NULL, 0, 1 },
	{ "reseller_mpn_id", "resellerMpnId", { "resellermpnid" },
	  COL_MPN, 0, 0, NULL, NULL, 0, 1 },
	{ "relationship_to_partner", "relationshipToPartner", { "relationship" },
	  COL_ENUM, 0, 0, to_partner_words, "reseller", 0, 1 },
	{ "state", "state", { NULL },
	  COL_ENUM, 0, 0, state_words, "active", 0, 1 },
	{ "dap", "dap", { "allow_delegated_access", "allowdelegatedaccess" },
	  COL_BOOL, 0, 0, NULL, "no", 0, 1 },
	{ "since", "since", { NULL },
	  COL_DATE, 0, 0, NULL, NULL, 0, 0 },
};

const struct entity_def entity_defs[ENTITY_COUNT] = {
	{ "resellers", "resellers", "reseller", reseller_cols,
	  ARRAY_SIZE(reseller_cols), { 0, 0 }, 1, "tenant_id" },
	{ "mpn_ids", "mpnIds", "mpnId", mpn_cols,
	  ARRAY_SIZE(mpn_cols), { 0, 0 }, 1, "mpn_id" },
	{ "relationships", "relationships", "relationship", relationship_cols,
	  ARRAY_SIZE(relationship_cols), { 0, 4 }, 2,
	  "customer_tenant_id+reseller_tenant_id" },
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
	if (header_has(names, n, ENTITY_RELATIONSHIPS, 0))
		return ENTITY_RELATIONSHIPS;
	if (header_has(names, n, ENTITY_MPN_IDS, 1))
		return ENTITY_MPN_IDS;
	if (header_has(names, n, ENTITY_RESELLERS, 0) &&
	    header_has(names, n, ENTITY_RESELLERS, 5))
		return ENTITY_RESELLERS;
	return ENTITY_NONE;
}
