/* crossref.c -- cross-entity rules.  See crossref.h.
 *
 * The PartnerID and reseller rules are each one set-based query over
 * "subject" rows (temp views over the stage, or over the master for audit)
 * joined with "effective" tables of the rows each reference resolves to
 * (batch rows, plus the master's rows the batch does not replace),
 * materialised with primary keys so that each reference is a B-tree
 * lookup; a query yields file_no, line, key, the offending value and a
 * detail for the message.  The relationship rules, over millions of rows,
 * share one such pass and are tested in C.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "csprecon/crossref.h"
#include "csprecon/stage.h"
#include "csprecon/util.h"
#include "csprecon/values.h"
#include "csprecon/banned.h"

struct xrule {
	enum rule rule;
	enum entity entity;
	int col;           /* the column the finding names */
	const char *sql;   /* file_no, line, key, value, detail; :col_bit,
			    * if used, is that column's bit in bad */
	const char *msg;   /* the message; a non-empty detail follows ": " */
	int as_warning;    /* its findings are warnings, not the rule
			    * table's severity */
};

/* Phase 1: PartnerIDs. */
static const struct xrule mpn_rules[] = {
	{ RULE_MPN_GLOBAL_UNKNOWN, ENTITY_MPN_IDS, MPN_GLOBAL_MPN_ID,
	  "SELECT s.file_no, s.line, s.key, s.global_mpn_id,"
	  " CASE WHEN g.mpn_id IS NULL THEN s.global_mpn_id || ' is in neither"
	  " the batch nor the master' ELSE s.global_mpn_id || ' is of type ' ||"
	  " g.type END"
	  " FROM subj_mpn s LEFT JOIN temp.eff_mpn g"
	  " ON g.mpn_id = s.global_mpn_id WHERE s.type = 'location'"
	  " AND s.global_mpn_id IS NOT NULL"
	  " AND (g.mpn_id IS NULL OR g.type != 'global')",
	  "a location's global_mpn_id is unknown or not of type global", 0 },
};

/* Phase 2: resellers. */
static const struct xrule reseller_rules[] = {
	/* An active reseller (or one whose relationship is unreadable)
	 * cannot transact without a PartnerID; a pending one is not there
	 * yet (a warning); a terminated one no longer needs one. */
	{ RULE_MPN_MISSING, ENTITY_RESELLERS, RES_MPN_ID,
	  "SELECT file_no, line, key, '', '' FROM subj_res"
	  " WHERE mpn_id IS NULL AND (bad & :col_bit) = 0"
	  " AND (relationship IS NULL OR relationship = 'active')",
	  "reseller has no PartnerID: it cannot sign the MPA or transact", 0 },
	{ RULE_MPN_MISSING, ENTITY_RESELLERS, RES_MPN_ID,
	  "SELECT file_no, line, key, '', '' FROM subj_res"
	  " WHERE mpn_id IS NULL AND (bad & :col_bit) = 0"
	  " AND relationship = 'pending'",
	  "pending reseller has no PartnerID: it cannot sign the MPA or "
	  "transact until one is associated", 1 },
	{ RULE_MPN_UNKNOWN, ENTITY_RESELLERS, RES_MPN_ID,
	  "SELECT r.file_no, r.line, r.key, r.mpn_id, '' FROM subj_res r"
	  " WHERE r.mpn_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
	  " temp.eff_mpn p WHERE p.mpn_id = r.mpn_id)",
	  "PartnerID is in neither the batch nor the master", 0 },
	{ RULE_MPN_NOT_LOCATION, ENTITY_RESELLERS, RES_MPN_ID,
	  "SELECT r.file_no, r.line, r.key, r.mpn_id, '' FROM subj_res r"
	  " JOIN temp.eff_mpn p ON p.mpn_id = r.mpn_id WHERE p.type = 'global'",
	  "PartnerID is of type global (a PGA): a CSP account needs a "
	  "location PartnerID", 0 },
	{ RULE_MPN_COUNTRY_MISMATCH, ENTITY_RESELLERS, RES_COUNTRY,
	  "SELECT r.file_no, r.line, r.key, r.country, p.mpn_id || ' is in '"
	  " || p.country FROM subj_res r JOIN temp.eff_mpn p"
	  " ON p.mpn_id = r.mpn_id WHERE p.country != r.country",
	  "reseller country differs from its PartnerID's country", 0 },
	{ RULE_MPN_INACTIVE, ENTITY_RESELLERS, RES_MPN_ID,
	  "SELECT r.file_no, r.line, r.key, r.mpn_id, '' FROM subj_res r"
	  " JOIN temp.eff_mpn p ON p.mpn_id = r.mpn_id"
	  " WHERE p.status = 'inactive'",
	  "PartnerID has status inactive", 0 },
	{ RULE_MPN_CLAIMED_TWICE, ENTITY_RESELLERS, RES_MPN_ID,
	  "SELECT r.file_no, r.line, r.key, r.mpn_id, 'another reseller "
	  "claims it too' FROM subj_res r JOIN temp.eff_mpn p"
	  " ON p.mpn_id = r.mpn_id AND p.type = 'location' WHERE EXISTS"
	  " (SELECT 1 FROM subj_res o WHERE o.mpn_id = r.mpn_id"
	  " AND o.key != r.key AND o.mpn_id IS NOT NULL)"
	  " UNION ALL "
	  "SELECT r.file_no, r.line, r.key, r.mpn_id, 'reseller ' ||"
	  " min(o.tenant_id) || ' in the master holds it' FROM subj_res r"
	  " JOIN temp.eff_mpn p ON p.mpn_id = r.mpn_id AND p.type = 'location'"
	  " JOIN temp.eff_res o ON o.mpn_id = r.mpn_id AND o.tenant_id != r.key"
	  " AND o.from_master = 1 AND NOT EXISTS (SELECT 1 FROM subj_res x"
	  " WHERE x.key = o.tenant_id) WHERE NOT EXISTS (SELECT 1 FROM"
	  " subj_res o2 WHERE o2.mpn_id = r.mpn_id AND o2.key != r.key)"
	  " GROUP BY r.key",
	  "location PartnerID claimed by two resellers", 0 },
	{ RULE_COUNTRY_NO_REGION, ENTITY_RESELLERS, RES_COUNTRY,
	  "SELECT r.file_no, r.line, r.key, r.country, '' FROM subj_res r"
	  " WHERE r.country IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
	  " temp.regions g WHERE g.country = r.country)",
	  "the reseller's country is in no CSP region", 0 },
	{ RULE_RESELLER_REGION, ENTITY_RESELLERS, RES_COUNTRY,
	  "SELECT r.file_no, r.line, r.key, r.country, g.region"
	  " FROM subj_res r"
	  " JOIN temp.regions g ON g.country = r.country WHERE EXISTS"
	  " (SELECT 1 FROM temp.provider_regions) AND NOT EXISTS (SELECT 1"
	  " FROM temp.provider_regions pr WHERE pr.region = g.region)",
	  "the reseller's CSP region is not one of the provider's", 0 },
};

/* A fresh list of the batch rows a phase rejects, and the statement that
 * adds to it; NULL for an audit, which rejects nothing. */
static sqlite3_stmt *rejects_begin(struct master *m, int audit)
{
	m_exec(m, "DROP TABLE IF EXISTS temp.rejects;"
	       "CREATE TABLE temp.rejects(key TEXT PRIMARY KEY, file_no"
	       " INTEGER) WITHOUT ROWID");
	return audit ? NULL : m_prepare(m, "INSERT OR IGNORE INTO"
					" temp.rejects VALUES (?, ?)");
}

/* Phase 3: customer relationships.  There are millions of them, so they
 * are judged one at a time, in C, against an in-memory table of the
 * resellers that survived phase 2 (batch rows, then the master's): while
 * their files are read when the PartnerID and reseller files came first,
 * otherwise (and for an audit) in one pass over the stage or the master.
 * The rules are tested in the order of the rule table (SPEC §3). */
struct res {
	char *tenant_id;       /* NULL: empty slot */
	char *mpn_id;          /* NULL when none */
	char *relationship;
	const char *region;    /* of its country, or NULL */
	int mpa_signed;
};

struct xjudge {
	const struct crossref_options *o;
	struct res *slot;
	size_t mask;           /* slots - 1 */
	size_t n;
	int unjudged;          /* relationship files staged, not judged */
};

static int is(const char *v, const char *word)
{
	return v && !strcmp(v, word);
}

/* One relationship as the rules read it; a NULL value is empty or bad. */
struct relrow {
	int file_no;           /* -1 for a master row */
	uint64_t line;
	const char *key;
	const char *ccountry, *reseller, *rmpn, *topartner, *state, *dap;
};

static size_t res_slot(const struct xjudge *xj, const char *tenant_id)
{
	size_t i = (size_t)XXH3_64bits(tenant_id, strlen(tenant_id)) &
		   xj->mask;

	while (xj->slot[i].tenant_id && strcmp(xj->slot[i].tenant_id,
					       tenant_id))
		i = (i + 1) & xj->mask;
	return i;
}

static const struct res *res_find(const struct xjudge *xj,
				  const char *tenant_id)
{
	const struct res *r;

	if (!tenant_id)
		return NULL;
	r = &xj->slot[res_slot(xj, tenant_id)];
	return r->tenant_id ? r : NULL;
}

static char *dup_or_null(const unsigned char *s)
{
	return s ? xstrdup((const char *)s) : NULL;
}

static void res_add(struct xjudge *xj, sqlite3_stmt *s)
{
	const char *id = (const char *)sqlite3_column_text(s, 0);
	const char *country = (const char *)sqlite3_column_text(s, 1);
	struct res *r;

	if (!id)
		return;
	if ((xj->n + 1) * 2 > xj->mask + 1) {
		struct res *old = xj->slot;
		size_t i, size = (xj->mask + 1) * 2;

		xj->slot = xcalloc(size, sizeof(*xj->slot));
		xj->mask = size - 1;
		for (i = 0; i < size / 2; i++)
			if (old[i].tenant_id)
				xj->slot[res_slot(xj, old[i].tenant_id)] =
					old[i];
		free(old);
	}
	r = &xj->slot[res_slot(xj, id)];
	if (r->tenant_id)
		return; /* eff_res has one row per tenant id */
	r->tenant_id = xstrdup(id);
	r->mpn_id = dup_or_null(sqlite3_column_text(s, 2));
	r->relationship = dup_or_null(sqlite3_column_text(s, 3));
	r->mpa_signed = is((const char *)sqlite3_column_text(s, 4), "yes");
	r->region = country ? regions_of(xj->o->regions, country) : NULL;
	xj->n++;
}

void crossref_free(struct xjudge *xj)
{
	size_t i;

	if (!xj)
		return;
	for (i = 0; i <= xj->mask; i++) {
		free(xj->slot[i].tenant_id);
		free(xj->slot[i].mpn_id);
		free(xj->slot[i].relationship);
	}
	free(xj->slot);
	free(xj);
}

/* The resellers a relationship may name, from temp.eff_res, then the
 * master's others (retired, or replaced by tonight's snapshot), which a
 * relationship names as a reseller that is not active. */
static struct xjudge *judge_new(struct master *m,
				const struct crossref_options *o)
{
	struct xjudge *xj = xcalloc(1, sizeof(*xj));
	sqlite3_stmt *s;
	int rc;

	xj->o = o;
	xj->mask = 63;
	xj->slot = xcalloc(xj->mask + 1, sizeof(*xj->slot));
	s = m_prepare(m, "SELECT tenant_id, country, mpn_id, relationship,"
		      " mpa_signed FROM temp.eff_res");
	while (s && (rc = sqlite3_step(s)) == SQLITE_ROW)
		res_add(xj, s);
	if (s && rc != SQLITE_DONE)
		m_fail(m, "cross-entity rules");
	sqlite3_finalize(s);
	s = m->failed ? NULL :
	    m_prepare(m, "SELECT tenant_id, country, mpn_id, 'retired',"
		      " mpa_signed FROM main.resellers");
	while (s && (rc = sqlite3_step(s)) == SQLITE_ROW)
		res_add(xj, s); /* a tenant id already added stays */
	if (s && rc != SQLITE_DONE)
		m_fail(m, "cross-entity rules");
	sqlite3_finalize(s);
	if (!s || m->failed) {
		crossref_free(xj);
		return NULL;
	}
	return xj;
}

/* Findings of one relationship; 1 when one is an error (RESELLER_UNKNOWN:
 * the others are violations and warnings, which leave the row in). */
static int judge_row(struct run *run, const struct xjudge *xj,
		     const struct relrow *x)
{
	struct source *src = x->file_no >= 0 && (size_t)x->file_no < run->nsrc ?
			     &run->src[x->file_no] : NULL;
	const struct res *r = res_find(xj, x->reseller);
	const char *rrel = r ? r->relationship : NULL;
	const char *rregion = r ? r->region : NULL;
	const char *cregion = x->ccountry ?
			      regions_of(xj->o->regions, x->ccountry) : NULL;
	int active = is(x->state, "active"), dap = is(x->dap, "yes");
	const enum entity E = ENTITY_RELATIONSHIPS;
	const char *key = x->key;
	int error = 0;

	if (x->reseller && !r) {
		run_finding_key(run, src, x->line, E, key,
				REL_RESELLER_TENANT_ID, RULE_RESELLER_UNKNOWN,
				x->reseller, "no accepted reseller with this "
				"tenant id in the batch or the master");
		error = 1;
	}
	if (r && active && !is(rrel, "active")) {
		run_finding_key(run, src, x->line, E, key,
				REL_RESELLER_TENANT_ID,
				RULE_RESELLER_NOT_ACTIVE, x->reseller,
				"active relationship with a reseller that is "
				"not active: the reseller is %s", rrel);
	}
	if (r && x->rmpn && !is(r->mpn_id, x->rmpn)) {
		run_finding_key(run, src, x->line, E, key, REL_RESELLER_MPN_ID,
				RULE_RESELLER_MPN_MISMATCH, x->rmpn,
				"reseller_mpn_id differs from the reseller's "
				"PartnerID: the reseller has %s",
				r->mpn_id ? r->mpn_id : "none");
	}
	if (r && x->ccountry && (!cregion || !rregion ||
				 strcmp(cregion, rregion))) {
		run_finding_key(run, src, x->line, E, key,
				REL_CUSTOMER_COUNTRY, RULE_CUSTOMER_REGION,
				x->ccountry, "customer country is not in the "
				"reseller's CSP region: the reseller is in %s",
				rregion ? rregion : "no region");
	}
	if (active && x->topartner && !is(x->topartner, "reseller")) {
		run_finding_key(run, src, x->line, E, key,
				REL_RELATIONSHIP_TO_PARTNER,
				RULE_PROVIDER_NO_RELATIONSHIP, x->topartner,
				"active customer relationship without a "
				"reseller relationship to the provider: the "
				"provider cannot order for this customer");
	}
	if (r && active && !r->mpa_signed) {
		run_finding_key(run, src, x->line, E, key,
				REL_RESELLER_TENANT_ID, RULE_MPA_NOT_SIGNED,
				x->reseller, "active customer relationship "
				"whose reseller has not signed the MPA");
	}
	if (dap && ((x->state && !active) || is(rrel, "terminated") ||
		    is(rrel, "retired"))) {
		run_finding_key(run, src, x->line, E, key, REL_DAP,
				RULE_DAP_ORPHANED, "yes", "delegated admin "
				"access outlived the partnership: the %s is %s",
				x->state && !active ? "relationship" :
				"reseller partnership",
				x->state && !active ? x->state : rrel);
	}
	if (dap && active)
		run_finding_key(run, src, x->line, E, key, REL_DAP,
				RULE_DAP_ACTIVE, "yes", "delegated admin "
				"access (DAP) on an active relationship; GDAP "
				"is expected instead");
	return error;
}

/* A record's value as the rules read it: NULL when empty or bad. */
static const char *rec_val(const struct record *rec, int col)
{
	return rec->bad[col] || !rec->val[col] || !rec->val_len[col] ? NULL :
	       rec->val[col];
}

int crossref_judge(struct run *run, const struct xjudge *xj,
		   const struct record *rec)
{
	struct relrow x;

	x.file_no = (int)rec->src->no;
	x.line = rec->line;
	x.key = rec->key;
	x.ccountry = rec_val(rec, REL_CUSTOMER_COUNTRY);
	x.reseller = rec_val(rec, REL_RESELLER_TENANT_ID);
	x.rmpn = rec_val(rec, REL_RESELLER_MPN_ID);
	x.topartner = rec_val(rec, REL_RELATIONSHIP_TO_PARTNER);
	x.state = rec_val(rec, REL_STATE);
	x.dap = rec_val(rec, REL_DAP);
	return judge_row(run, xj, &x);
}

static const char *text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* The relationships not judged as they were read: the master's for an
 * audit, else the staged rows of the files listed in temp.unjudged. */
static int judge_staged(struct run *run, struct master *m,
			const struct xjudge *xj, int audit)
{
	sqlite3_stmt *s, *rej;
	struct relrow x;
	int rc;

	rej = rejects_begin(m, audit);
	s = m_prepare(m, audit ? "SELECT file_no, line, key, customer_country,"
		      " reseller_tenant_id, reseller_mpn_id,"
		      " relationship_to_partner, state, dap FROM subj_rel" :
		      "SELECT file_no, line, key, customer_country,"
		      " reseller_tenant_id, reseller_mpn_id,"
		      " relationship_to_partner, state, dap FROM subj_rel"
		      " WHERE file_no IN (SELECT file_no FROM temp.unjudged)");
	if (!s) {
		sqlite3_finalize(rej);
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		x.file_no = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 :
			    sqlite3_column_int(s, 0);
		x.line = (uint64_t)sqlite3_column_int64(s, 1);
		x.key = text(s, 2) ? text(s, 2) : "";
		x.ccountry = text(s, 3);
		x.reseller = text(s, 4);
		x.rmpn = text(s, 5);
		x.topartner = text(s, 6);
		x.state = text(s, 7);
		x.dap = text(s, 8);
		if (judge_row(run, xj, &x) && rej) {
			sqlite3_bind_value(rej, 1, sqlite3_column_value(s, 2));
			sqlite3_bind_value(rej, 2, sqlite3_column_value(s, 0));
			m_step_done(m, rej);
		}
	}
	if (rc != SQLITE_DONE)
		m_fail(m, "cross-entity rules");
	sqlite3_finalize(s);
	sqlite3_finalize(rej);
	return m->failed ? -1 : 0;
}

static int fill_tables(struct master *m, const struct crossref_options *o,
		       const struct run *run)
{
	sqlite3_stmt *s;
	char cc[3] = { 0, 0, 0 };
	int a, b, i;
	enum entity e;

	m_exec(m, "DROP TABLE IF EXISTS temp.regions;"
	       "DROP TABLE IF EXISTS temp.provider_regions;"
	       "DROP TABLE IF EXISTS temp.scope;"
	       "CREATE TABLE temp.regions(country TEXT PRIMARY KEY, region TEXT)"
	       " WITHOUT ROWID;"
	       "CREATE TABLE temp.provider_regions(region TEXT PRIMARY KEY);"
	       "CREATE TABLE temp.scope(entity INTEGER PRIMARY KEY,"
	       " replaced INTEGER);"
	       "DROP TABLE IF EXISTS temp.unjudged;"
	       "CREATE TABLE temp.unjudged(file_no INTEGER PRIMARY KEY)");
	s = m_prepare(m, "INSERT INTO temp.regions VALUES (?, ?)");
	for (a = 0; s && a < 26; a++)
		for (b = 0; b < 26; b++) {
			const char *r;

			cc[0] = (char)('A' + a);
			cc[1] = (char)('A' + b);
			if (!(r = regions_of(o->regions, cc)))
				continue;
			sqlite3_bind_text(s, 1, cc, 2, SQLITE_TRANSIENT);
			sqlite3_bind_text(s, 2, r, -1, SQLITE_STATIC);
			m_step_done(m, s);
		}
	sqlite3_finalize(s);
	s = m_prepare(m, "INSERT OR IGNORE INTO temp.provider_regions"
		      " VALUES (?)");
	for (i = 0; s && i < o->nprovider; i++) {
		sqlite3_bind_text(s, 1, o->provider_regions[i], -1,
				  SQLITE_STATIC);
		m_step_done(m, s);
	}
	sqlite3_finalize(s);
	s = m_prepare(m, "INSERT INTO temp.scope VALUES (?, ?)");
	for (e = 0; s && e < ENTITY_COUNT; e++) {
		size_t k;
		int present = 0;

		for (k = 0; k < run->nsrc; k++)
			present |= run->src[k].entity == e &&
				   !run->src[k].refused;
		sqlite3_bind_int(s, 1, e);
		sqlite3_bind_int(s, 2, o->snapshot && present && !o->audit);
		m_step_done(m, s);
	}
	sqlite3_finalize(s);
	return m->failed ? -1 : 0;
}

static int make_views(struct master *m, int audit)
{
	m_exec(m, "DROP VIEW IF EXISTS temp.subj_mpn;"
	       "DROP VIEW IF EXISTS temp.subj_res;"
	       "DROP VIEW IF EXISTS temp.subj_rel");
	if (audit)
		return m_exec(m,
			"CREATE TEMP VIEW subj_mpn AS SELECT NULL AS file_no,"
			" NULL AS line, mpn_id AS key, type, global_mpn_id,"
			" 0 AS bad FROM main.mpn_ids"
			" WHERE retired_run IS NULL;"
			"CREATE TEMP VIEW subj_res AS SELECT NULL AS file_no,"
			" NULL AS line, tenant_id AS key, country, mpn_id,"
			" relationship, 0 AS bad FROM main.resellers"
			" WHERE retired_run IS NULL;"
			"CREATE TEMP VIEW subj_rel AS SELECT NULL AS file_no,"
			" NULL AS line, customer_tenant_id || '+' ||"
			" reseller_tenant_id AS key, customer_country,"
			" reseller_tenant_id, reseller_mpn_id,"
			" relationship_to_partner, state, dap, 0 AS bad"
			" FROM main.relationships"
			" WHERE retired_run IS NULL");
	/* Batch subjects: accepted rows and rows rejected by their own
	 * fields, whose bad values are NULL (bit i of bad: column i). */
	return m_exec(m,
		"CREATE TEMP VIEW subj_mpn AS SELECT file_no, line, key, type,"
		" global_mpn_id, 0 AS bad FROM " STAGE_ROWS("mpn_ids")
		" UNION ALL SELECT file_no, line, key, type, global_mpn_id, bad"
		" FROM " STAGE_REJECTED("mpn_ids") ";"
		"CREATE TEMP VIEW subj_res AS SELECT file_no, line, key, country,"
		" mpn_id, relationship, 0 AS bad FROM " STAGE_ROWS("resellers")
		" UNION ALL SELECT file_no, line, key, country, mpn_id,"
		" relationship, bad FROM " STAGE_REJECTED("resellers") ";"
		"CREATE TEMP VIEW subj_rel AS SELECT file_no, line, key,"
		" customer_country, reseller_tenant_id, reseller_mpn_id,"
		" relationship_to_partner, state, dap, 0 AS bad"
		" FROM " STAGE_ROWS("relationships")
		" UNION ALL SELECT file_no, line, key,"
		" customer_country, reseller_tenant_id, reseller_mpn_id,"
		" relationship_to_partner, state, dap, bad"
		" FROM " STAGE_REJECTED("relationships"));
}

/* m_exec() of one statement whose ?1 is entity e: sticky, and a failure
 * is reported as m_exec() reports it; 0 or -1. */
static int exec_entity(struct master *m, const char *sql, enum entity e)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (m->failed)
		return -1;
	if (sqlite3_prepare_v2(m->db, sql, -1, &s, NULL) != SQLITE_OK)
		return m_fail(m, "statement failed");
	sqlite3_bind_int(s, 1, e);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		m_fail(m, "statement failed");
	sqlite3_finalize(s);
	return m->failed ? -1 : 0;
}

/* The rows references resolve to: batch rows first, then the master's
 * current rows the batch does not replace (in snapshot mode a file of the
 * entity replaces them all, but for the keys of rows rejected tonight).
 * An audit reads the master's alone (after an apply, the stage holds rows
 * the master now has). */
static int make_effective(struct master *m, int audit)
{
	m_exec(m,
		"DROP TABLE IF EXISTS temp.eff_mpn;"
		"DROP TABLE IF EXISTS temp.eff_res;"
		"CREATE TABLE temp.eff_mpn(mpn_id TEXT PRIMARY KEY, type TEXT,"
		" country TEXT, status TEXT) WITHOUT ROWID");
	if (!audit)
		m_exec(m, "INSERT INTO temp.eff_mpn SELECT key, type, country,"
		       " status FROM " STAGE_ROWS("mpn_ids"));
	exec_entity(m,
		"INSERT OR IGNORE INTO temp.eff_mpn SELECT mpn_id, type, country,"
		" status FROM main.mpn_ids m WHERE m.retired_run IS NULL AND"
		" ((SELECT replaced FROM temp.scope WHERE entity = ?1) = 0 OR"
		" EXISTS (SELECT 1 FROM " STAGE_KEPT " k WHERE k.entity = ?1 AND"
		" k.key = m.mpn_id))", ENTITY_MPN_IDS);
	m_exec(m,
		"CREATE TABLE temp.eff_res(tenant_id TEXT PRIMARY KEY, country"
		" TEXT, mpn_id TEXT, relationship TEXT, mpa_signed TEXT,"
		" from_master INTEGER) WITHOUT ROWID");
	if (!audit)
		m_exec(m, "INSERT INTO temp.eff_res SELECT key, country, mpn_id,"
		       " relationship, mpa_signed, 0 FROM "
		       STAGE_ROWS("resellers"));
	exec_entity(m,
		"INSERT OR IGNORE INTO temp.eff_res SELECT tenant_id, country,"
		" mpn_id, relationship, mpa_signed, 1 FROM main.resellers m"
		" WHERE m.retired_run IS NULL AND"
		" ((SELECT replaced FROM temp.scope WHERE entity = ?1) = 0 OR"
		" EXISTS (SELECT 1 FROM " STAGE_KEPT " k WHERE k.entity = ?1 AND"
		" k.key = m.tenant_id))", ENTITY_RESELLERS);
	return m_exec(m,
		"CREATE INDEX temp.eff_res_mpn ON eff_res(mpn_id);"
		"CREATE INDEX IF NOT EXISTS temp.s_resellers_mpn"
		" ON " STAGE_ROWS_NAME("resellers") "(mpn_id)");
}

/* Run one phase's rules; error-level findings on batch rows reject them
 * (a violation leaves the row in: SPEC §3). */
static int run_rules(struct run *run, struct master *m,
		     const struct xrule *rules, size_t n, int audit)
{
	sqlite3_stmt *s, *rej;
	size_t i;
	int rc;

	rej = rejects_begin(m, audit);
	for (i = 0; i < n && !m->failed; i++) {
		const struct xrule *x = &rules[i];
		int bit;

		if (!(s = m_prepare(m, x->sql)))
			break;
		if ((bit = sqlite3_bind_parameter_index(s, ":col_bit")))
			sqlite3_bind_int64(s, bit, (sqlite3_int64)1 << x->col);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			int file_no = sqlite3_column_type(s, 0) == SQLITE_NULL ?
				      -1 : sqlite3_column_int(s, 0);
			struct source *src = file_no >= 0 &&
				(size_t)file_no < run->nsrc ?
				&run->src[file_no] : NULL;
			const char *key = (const char *)sqlite3_column_text(s, 2);
			const char *val = (const char *)sqlite3_column_text(s, 3);
			const char *det = (const char *)sqlite3_column_text(s, 4);

			enum severity sev = x->as_warning ? SEV_WARNING :
					    rule_defs[x->rule].severity;

			run_finding_key_as(run, src,
					   (uint64_t)sqlite3_column_int64(s, 1),
					   x->entity, key ? key : "", x->col,
					   x->rule, sev, val ? val : "",
					   "%s%s%s", x->msg,
					   det && *det ? ": " : "",
					   det ? det : "");
			if (rej && sev == SEV_ERROR) {
				sqlite3_bind_text(rej, 1, key, -1,
						  SQLITE_TRANSIENT);
				sqlite3_bind_int(rej, 2, file_no);
				m_step_done(m, rej);
			}
		}
		if (rc != SQLITE_DONE)
			m_fail(m, "cross-entity rule");
		sqlite3_finalize(s);
	}
	sqlite3_finalize(rej);
	return m->failed ? -1 : 0;
}

/* Take the rows rejected by a phase out of the stage, keep their keys from
 * retirement and count them in their files. */
static int reject_rows(struct run *run, struct master *m, enum entity e)
{
	char sql[160];
	sqlite3_stmt *s;
	int rc;

	/* Only accepted rows are newly rejected: rows already rejected by
	 * their own fields were counted when read. */
	snprintf(sql, sizeof(sql), "SELECT file_no, count(*) FROM "
		 STAGE_ROWS("%s")
		 " WHERE key IN (SELECT key FROM temp.rejects) GROUP BY file_no",
		 entity_defs[e].name);
	s = m_prepare(m, sql);
	while (s && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int f = sqlite3_column_int(s, 0);

		if (f >= 0 && (size_t)f < run->nsrc)
			run->src[f].rows_rejected +=
				(uint64_t)sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	exec_entity(m, "INSERT OR IGNORE INTO " STAGE_KEPT " SELECT ?1, key FROM"
		    " temp.rejects", e);
	snprintf(sql, sizeof(sql), "DELETE FROM " STAGE_ROWS("%s")
		 " WHERE key IN (SELECT key FROM temp.rejects)",
		 entity_defs[e].name);
	m_exec(m, sql);
	return m->failed ? -1 : 0;
}

int crossref_begin(struct run *run, struct master *m,
		   const struct crossref_options *o, struct xjudge **out)
{
	sqlite3_stmt *s = NULL;
	int unjudged = 0;
	size_t i;

	*out = NULL;
	if (fill_tables(m, o, run) < 0 || make_views(m, o->audit) < 0 ||
	    make_effective(m, o->audit) < 0)
		return -1;
	/* Relationship files read so far were staged, not judged. */
	if (!o->audit && !(s = m_prepare(m, "INSERT INTO temp.unjudged"
					 " VALUES (?)")))
		return -1;
	for (i = 0; !o->audit && i < run->nsrc; i++)
		if (run->src[i].entity == ENTITY_RELATIONSHIPS &&
		    !run->src[i].refused) {
			unjudged++;
			sqlite3_bind_int(s, 1, (int)i);
			m_step_done(m, s);
		}
	sqlite3_finalize(s);
	if (run_rules(run, m, mpn_rules, ARRAY_SIZE(mpn_rules), o->audit) < 0)
		return -1;
	if (run_rules(run, m, reseller_rules, ARRAY_SIZE(reseller_rules),
		      o->audit) < 0 ||
	    (!o->audit && reject_rows(run, m, ENTITY_RESELLERS) < 0))
		return -1;
	/* Relationships see the resellers that survived. */
	if (make_effective(m, o->audit) < 0 || !(*out = judge_new(m, o)))
		return -1;
	(*out)->unjudged = unjudged;
	return 0;
}

int crossref_end(struct run *run, struct master *m, const struct xjudge *xj,
		 int audit)
{
	if (!audit && !xj->unjudged)
		return 0;
	if (judge_staged(run, m, xj, audit) < 0 ||
	    (!audit && reject_rows(run, m, ENTITY_RELATIONSHIPS) < 0))
		return -1;
	return 0;
}

/* EMAIL_WEBMAIL over the master's current resellers (a batch row is
 * judged by validate.c as it is read). */
static int judge_contacts(struct run *run, struct master *m,
			  const struct webmail_list *w)
{
	sqlite3_stmt *s;
	const char *dom;
	size_t dlen;
	int rc;

	s = m_prepare(m, "SELECT tenant_id, contact_email FROM main.resellers"
		      " WHERE retired_run IS NULL");
	while (s && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = text(s, 0), *email = text(s, 1);

		if (!key || !email ||
		    value_email(email, strlen(email), &dom, &dlen) < 0 ||
		    !webmail_match(w, dom, dlen))
			continue;
		run_finding_key(run, NULL, 0, ENTITY_RESELLERS, key,
				RES_CONTACT_EMAIL, RULE_EMAIL_WEBMAIL, email,
				"%s", WEBMAIL_MESSAGE);
	}
	if (s && rc != SQLITE_DONE)
		m_fail(m, "cross-entity rules");
	sqlite3_finalize(s);
	return m->failed ? -1 : 0;
}

int crossref_audit(struct run *run, struct master *m,
		   const struct crossref_options *o)
{
	struct xjudge *xj;
	int ret;

	ret = crossref_begin(run, m, o, &xj);
	if (!ret)
		ret = crossref_end(run, m, xj, 1);
	crossref_free(xj);
	if (!ret && o->webmail)
		ret = judge_contacts(run, m, o->webmail);
	return ret;
}
