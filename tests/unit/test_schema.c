/* test_schema.c -- unit tests for schema.c's column tables.
 *
 * The tables are written with designated initializers, one per member of
 * an entity's column enum: a member left out in between would leave a
 * column with no name, and a member given the wrong name would make the
 * code that reads a column by its enum name read another.  Each column is
 * checked against the name its enum member stands for, found again by
 * that name, and the keys against the key names the reports print.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csprecon/schema.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

struct named_col {
	enum entity e;
	int col;
	const char *name;
};

static const struct named_col named[] = {
	{ ENTITY_RESELLERS, RES_TENANT_ID, "tenant_id" },
	{ ENTITY_RESELLERS, RES_NAME, "name" },
	{ ENTITY_RESELLERS, RES_COUNTRY, "country" },
	{ ENTITY_RESELLERS, RES_MPN_ID, "mpn_id" },
	{ ENTITY_RESELLERS, RES_CONTACT_NAME, "contact_name" },
	{ ENTITY_RESELLERS, RES_CONTACT_EMAIL, "contact_email" },
	{ ENTITY_RESELLERS, RES_RELATIONSHIP, "relationship" },
	{ ENTITY_RESELLERS, RES_MPA_SIGNED, "mpa_signed" },
	{ ENTITY_RESELLERS, RES_ADMIN_ACCESS, "admin_access" },
	{ ENTITY_RESELLERS, RES_DOMAINS, "domains" },
	{ ENTITY_MPN_IDS, MPN_MPN_ID, "mpn_id" },
	{ ENTITY_MPN_IDS, MPN_TYPE, "type" },
	{ ENTITY_MPN_IDS, MPN_COUNTRY, "country" },
	{ ENTITY_MPN_IDS, MPN_NAME, "name" },
	{ ENTITY_MPN_IDS, MPN_GLOBAL_MPN_ID, "global_mpn_id" },
	{ ENTITY_MPN_IDS, MPN_STATUS, "status" },
	{ ENTITY_RELATIONSHIPS, REL_CUSTOMER_TENANT_ID, "customer_tenant_id" },
	{ ENTITY_RELATIONSHIPS, REL_CUSTOMER_NAME, "customer_name" },
	{ ENTITY_RELATIONSHIPS, REL_CUSTOMER_DOMAIN, "customer_domain" },
	{ ENTITY_RELATIONSHIPS, REL_CUSTOMER_COUNTRY, "customer_country" },
	{ ENTITY_RELATIONSHIPS, REL_RESELLER_TENANT_ID, "reseller_tenant_id" },
	{ ENTITY_RELATIONSHIPS, REL_RESELLER_MPN_ID, "reseller_mpn_id" },
	{ ENTITY_RELATIONSHIPS, REL_RELATIONSHIP_TO_PARTNER,
	  "relationship_to_partner" },
	{ ENTITY_RELATIONSHIPS, REL_STATE, "state" },
	{ ENTITY_RELATIONSHIPS, REL_DAP, "dap" },
	{ ENTITY_RELATIONSHIPS, REL_SINCE, "since" },
};

/* Every enum member names the column its name says, and every column of
 * every entity is one of them. */
static void test_enum_names(void **state)
{
	size_t counted[ENTITY_COUNT] = { 0 }, i;
	int e;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(named); i++) {
		const struct named_col *n = &named[i];
		const char *got = entity_defs[n->e].cols[n->col].name;

		if (!got || strcmp(got, n->name))
			fail_msg("%s column %d is '%s', want '%s'",
				 entity_defs[n->e].name, n->col,
				 got ? got : "(none)", n->name);
		counted[n->e]++;
	}
	for (e = 0; e < ENTITY_COUNT; e++) {
		assert_int_equal(counted[e], entity_defs[e].ncols);
		assert_true(entity_defs[e].ncols <= ENTITY_MAX_COLS);
	}
	assert_int_equal(entity_defs[ENTITY_RESELLERS].ncols, RES_NCOLS);
	assert_int_equal(entity_defs[ENTITY_MPN_IDS].ncols, MPN_NCOLS);
	assert_int_equal(entity_defs[ENTITY_RELATIONSHIPS].ncols, REL_NCOLS);
}

/* Each column has an XML name and is found again by its own name: no two
 * columns of an entity share a name, and no alias shadows a later one. */
static void test_columns_found(void **state)
{
	size_t i;
	int e;

	(void)state;
	for (e = 0; e < ENTITY_COUNT; e++) {
		const struct entity_def *d = &entity_defs[e];

		for (i = 0; i < d->ncols; i++) {
			assert_non_null(d->cols[i].name);
			assert_non_null(d->cols[i].xml);
			if (column_find((enum entity)e, d->cols[i].name) !=
			    (int)i)
				fail_msg("%s column '%s' is not found at %zu",
					 d->name, d->cols[i].name, i);
		}
	}
}

/* The key columns are the ones the key's name, as reports print it,
 * lists. */
static void test_keys(void **state)
{
	char joined[96];
	size_t k, pos;
	int e;

	(void)state;
	for (e = 0; e < ENTITY_COUNT; e++) {
		const struct entity_def *d = &entity_defs[e];

		assert_true(d->nkey >= 1 && d->nkey <= ARRAY_SIZE(d->key));
		for (k = 0, pos = 0; k < d->nkey; k++)
			pos += (size_t)snprintf(joined + pos,
						sizeof(joined) - pos, "%s%s",
						k ? "+" : "",
						d->cols[d->key[k]].name);
		assert_string_equal(joined, d->key_name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_columns_found),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
