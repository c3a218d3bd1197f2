/* cases.c -- compliance cases.  See cases.h.
 *
 * Tracking is three statements over the master's cases and the run's
 * judgement, put in temp.judged (one row per violation, keyed by rule,
 * entity and key): close the open cases the judgement does not hold, touch
 * the rest, open a case for each judged violation with no open case.  The
 * partial unique index cases_open finds a violation's open case, so each
 * statement is one pass; the judgement itself is crossref_audit(), linear
 * in the master's rows.
 */
#include <stdlib.h>
#include <string.h>

#include "csprecon/cases.h"
#include "csprecon/crossref.h"
#include "csprecon/findings.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

const char *cases_reseller_of(enum entity e, const char *key)
{
	const char *plus;

	if (e == ENTITY_RESELLERS)
		return key;
	if (e == ENTITY_RELATIONSHIPS && (plus = strchr(key, '+')))
		return plus + 1;
	return NULL;
}

struct mark {
	struct run *run;
	struct master *m;
	sqlite3_stmt *find;   /* the open case of (rule, entity, key) */
};

static void bind_violation(sqlite3_stmt *s, const struct finding *fd)
{
	sqlite3_bind_text(s, 1, rule_defs[fd->rule].code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, fd->entity == ENTITY_NONE ? "" :
			  entity_defs[fd->entity].name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, fd->key, -1, SQLITE_TRANSIENT);
}

static int mark_one(const struct finding *fd, void *ctx)
{
	struct mark *k = ctx;
	int rc;

	if (fd->severity != SEV_VIOLATION)
		return 0;
	bind_violation(k->find, fd);
	rc = sqlite3_step(k->find);
	sqlite3_reset(k->find);
	if (rc == SQLITE_ROW) {
		k->run->case_open[fd->rule]++;
		return 0;
	}
	if (rc != SQLITE_DONE)
		return m_fail(k->m, "compliance cases");
	k->run->case_opened[fd->rule]++;
	k->run->new_violations++;
	return 0;
}

static void reset_counts(struct run *run)
{
	memset(run->case_open, 0, sizeof(run->case_open));
	memset(run->case_opened, 0, sizeof(run->case_opened));
	memset(run->case_closed, 0, sizeof(run->case_closed));
	run->new_violations = 0;
}

int cases_mark(struct run *run, struct master *m)
{
	struct mark k;
	int ret;

	reset_counts(run);
	k.run = run;
	k.m = m;
	k.find = m_prepare(m, "SELECT 1 FROM main.cases WHERE closed_run IS"
			   " NULL AND rule = ?1 AND entity = ?2 AND key = ?3");
	if (!k.find)
		return -1;
	ret = findings_each(run->findings, mark_one, &k);
	sqlite3_finalize(k.find);
	if (ret || m->failed)
		return -1;
	run->cases = 1;
	return 0;
}

struct judge_copy {
	struct master *m;
	sqlite3_stmt *ins;
};

static int copy_violation(const struct finding *fd, void *ctx)
{
	struct judge_copy *c = ctx;
	const char *reseller;

	if (fd->severity != SEV_VIOLATION)
		return 0;
	reseller = cases_reseller_of(fd->entity, fd->key);
	bind_violation(c->ins, fd);
	if (reseller)
		sqlite3_bind_text(c->ins, 4, reseller, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(c->ins, 4);
	sqlite3_bind_text(c->ins, 5, fd->field, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->ins, 6, fd->value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->ins, 7, fd->message, -1, SQLITE_TRANSIENT);
	return m_step_done(c->m, c->ins);
}

/* The master judged by the violation rules, its violations in
 * temp.judged; the findings in run->judged. */
static int judge_master(struct run *run, struct master *m)
{
	struct crossref_options o = *run->xopt;
	struct findings *batch = run->findings;
	struct judge_copy c;
	int ret, r;

	if (!(run->judged = findings_open()))
		return -1;
	o.audit = 1;
	o.snapshot = 0;
	run->findings = run->judged;
	ret = crossref_audit(run, m, &o);
	run->findings = batch;
	if (ret < 0)
		return -1;
	m_exec(m, "DROP TABLE IF EXISTS temp.judged;"
	       "CREATE TABLE temp.judged(rule TEXT, entity TEXT, key TEXT,"
	       " reseller TEXT, field TEXT, value TEXT, message TEXT,"
	       " PRIMARY KEY (rule, entity, key)) WITHOUT ROWID;"
	       "DROP TABLE IF EXISTS temp.ignored;"
	       "CREATE TABLE temp.ignored(rule TEXT PRIMARY KEY)");
	for (r = 0; r < RULE_COUNT; r++)
		if (run->opt.ignore >> r & 1) {
			sqlite3_stmt *s = m_prepare(m, "INSERT INTO"
						    " temp.ignored VALUES (?)");

			if (!s)
				return -1;
			sqlite3_bind_text(s, 1, rule_defs[r].code, -1,
					  SQLITE_STATIC);
			m_step_done(m, s);
			sqlite3_finalize(s);
		}
	c.m = m;
	c.ins = m_prepare(m, "INSERT OR IGNORE INTO temp.judged VALUES"
			  " (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!c.ins)
		return -1;
	ret = findings_each(run->judged, copy_violation, &c);
	sqlite3_finalize(c.ins);
	return ret || m->failed ? -1 : 0;
}

/* m_exec() of one statement whose ?1 is the run's ledger id. */
static int exec_run(struct master *m, const char *sql, sqlite3_int64 run_no)
{
	sqlite3_stmt *s = m_prepare(m, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_no);
	m_step_done(m, s);
	sqlite3_finalize(s);
	return m->failed ? -1 : 0;
}

int cases_track(struct run *run, struct master *m)
{
	sqlite3_int64 run_no = run->ledger_id;
	sqlite3_stmt *s;
	int rc, r;

	reset_counts(run);
	if (judge_master(run, m) < 0)
		return -1;
	/* A rule the run ignores was not judged: its cases stay as they
	 * are, neither closed nor seen. */
	exec_run(m, "UPDATE main.cases SET closed_run = ?1 WHERE closed_run"
		 " IS NULL AND rule NOT IN (SELECT rule FROM temp.ignored)"
		 " AND NOT EXISTS (SELECT 1 FROM temp.judged j WHERE"
		 " j.rule = cases.rule AND j.entity = cases.entity AND"
		 " j.key = cases.key)", run_no);
	exec_run(m, "UPDATE main.cases SET last_seen_run = ?1 WHERE"
		 " closed_run IS NULL AND rule NOT IN (SELECT rule FROM"
		 " temp.ignored)", run_no);
	exec_run(m, "INSERT INTO main.cases(rule, entity, key,"
		 " reseller_tenant_id, field, value, message, opened_run,"
		 " last_seen_run) SELECT rule, entity, key, reseller, field,"
		 " value, message, ?1, ?1 FROM temp.judged j WHERE NOT EXISTS"
		 " (SELECT 1 FROM main.cases c WHERE c.closed_run IS NULL AND"
		 " c.rule = j.rule AND c.entity = j.entity AND c.key = j.key)",
		 run_no);
	s = m->failed ? NULL :
	    m_prepare(m, "SELECT rule, sum(closed_run IS NULL),"
		      " sum(opened_run = ?1), sum(closed_run IS NOT NULL AND"
		      " closed_run = ?1) FROM main.cases WHERE closed_run IS"
		      " NULL OR closed_run = ?1 GROUP BY rule");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_no);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *code = (const char *)sqlite3_column_text(s, 0);

		if (!code || (r = rule_find(code)) < 0)
			continue; /* a rule this version does not know */
		run->case_open[r] = (uint64_t)sqlite3_column_int64(s, 1);
		run->case_opened[r] = (uint64_t)sqlite3_column_int64(s, 2);
		run->case_closed[r] = (uint64_t)sqlite3_column_int64(s, 3);
		run->new_violations += run->case_opened[r];
	}
	if (rc != SQLITE_DONE)
		m_fail(m, "compliance cases");
	sqlite3_finalize(s);
	if (m->failed)
		return -1;
	run->cases = 2;
	return 0;
}
