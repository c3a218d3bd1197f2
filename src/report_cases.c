/* report_cases.c -- cases.csv and by-reseller.csv (SPEC §6).
 *
 * cases.csv lists every violation of the run with its case.  After an
 * applied run it reads the master's cases (in the run's transaction):
 * those the run saw, "new" when it opened them, "open" when an earlier run
 * did, and those it "closed".  Otherwise (check, a dry run, audit) it lists
 * the run's violations, each "open" with the open case that knows it or
 * "new".  Runs are named by their run ids; opened_at is when the opening
 * run started.
 *
 * by-reseller.csv lists the run's findings (those of rejects.csv) by the
 * reseller they concern: its own row's, its relationships', and those of
 * the PartnerID it uses (one line per reseller using it); the reseller's
 * name, contact and country come from the batch's row, else the master's.
 * Findings with no reseller come last.  Both are built in the master
 * connection's temp schema, read by the run's stage names (stage.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "csprecon/cases.h"
#include "csprecon/exit.h"
#include "csprecon/findings.h"
#include "csprecon/master.h"
#include "csprecon/report.h"
#include "csprecon/stage.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

static const char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* A report whose rows a failing read cut short: abort it. */
static int fail_report(struct run *run, struct report_file *rf)
{
	if (ferror(rf->fp)) {
		error("cannot write report '%s': %s", rf->path,
		      strerror(errno));
		run->reports.code = EXIT_IOERR;
	} else {
		error("cannot write report '%s': the master cannot be read",
		      rf->path);
	}
	report_abort(rf);
	return -1;
}

static void case_line(FILE *fp, const char *run_id, const char *status,
		      const char *rule, const char *entity, const char *key,
		      const char *reseller, const char *field,
		      const char *value, const char *message,
		      const char *opened_run, const char *opened_at,
		      const char *closed_run)
{
	const char *cells[] = { run_id, status, rule, entity, key, reseller,
				field, value, message, opened_run, opened_at,
				closed_run };

	report_csv_line(fp, cells, sizeof(cells) / sizeof(cells[0]));
}

/* After an applied run: the master's cases the run saw or closed. */
static int tracked_cases(struct run *run, struct master *m, FILE *fp)
{
	sqlite3_stmt *s;
	int rc;

	s = m_prepare(m, "SELECT CASE WHEN c.closed_run = ?1 THEN 'closed'"
		      " WHEN c.opened_run = ?1 THEN 'new' ELSE 'open' END,"
		      " c.rule, c.entity, c.key, c.reseller_tenant_id, c.field,"
		      " c.value, c.message, o.run_id, o.started, x.run_id"
		      " FROM main.cases c JOIN main.runs o ON o.id = c.opened_run"
		      " LEFT JOIN main.runs x ON x.id = c.closed_run"
		      " WHERE c.last_seen_run = ?1 OR c.closed_run = ?1"
		      " ORDER BY c.rule, c.entity, c.key, c.id");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run->ledger_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && !ferror(fp))
		case_line(fp, run->id, col(s, 0), col(s, 1), col(s, 2),
			  col(s, 3), col(s, 4), col(s, 5), col(s, 6), col(s, 7),
			  col(s, 8), col(s, 9), col(s, 10));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

struct marked {
	struct run *run;
	FILE *fp;
	sqlite3_stmt *find;
};

static int marked_case(const struct finding *fd, void *ctx)
{
	struct marked *k = ctx;
	const char *entity = fd->entity == ENTITY_NONE ? "" :
			     entity_defs[fd->entity].name;
	const char *reseller;
	int rc;

	if (fd->severity != SEV_VIOLATION)
		return 0;
	reseller = cases_reseller_of(fd->entity, fd->key);
	sqlite3_bind_text(k->find, 1, rule_defs[fd->rule].code, -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(k->find, 2, entity, -1, SQLITE_STATIC);
	sqlite3_bind_text(k->find, 3, fd->key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(k->find);
	if (rc == SQLITE_ROW)
		case_line(k->fp, k->run->id, "open", rule_defs[fd->rule].code,
			  entity, fd->key, reseller ? reseller : "", fd->field,
			  fd->value, fd->message, col(k->find, 0),
			  col(k->find, 1), "");
	else if (rc == SQLITE_DONE)
		case_line(k->fp, k->run->id, "new", rule_defs[fd->rule].code,
			  entity, fd->key, reseller ? reseller : "", fd->field,
			  fd->value, fd->message, "", "", "");
	sqlite3_reset(k->find);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? (ferror(k->fp) ? -1 : 0)
						       : -1;
}

int report_cases_csv(struct run *run, const char *dir)
{
	struct report_file rf;
	struct marked k;
	int ret;

	if (!run->master || !run->cases)
		return 0;
	if (report_open(&rf, dir, "cases.csv") < 0)
		return -1;
	fputs("run_id,status,rule,entity,key,reseller_tenant_id,field,value,"
	      "message,opened_run,opened_at,closed_run\n", rf.fp);
	if (run->cases == 2) {
		ret = tracked_cases(run, run->master, rf.fp);
	} else {
		k.run = run;
		k.fp = rf.fp;
		k.find = m_prepare(run->master, "SELECT r.run_id, r.started FROM"
				   " main.cases c JOIN main.runs r ON r.id ="
				   " c.opened_run WHERE c.closed_run IS NULL AND"
				   " c.rule = ?1 AND c.entity = ?2 AND"
				   " c.key = ?3");
		ret = k.find ? findings_each(run->findings, marked_case, &k) : -1;
		sqlite3_finalize(k.find);
	}
	if (ret || ferror(rf.fp))
		return fail_report(run, &rf);
	return report_keep(&rf, &run->reports);
}

struct byres {
	struct master *m;
	sqlite3_stmt *ins;    /* a line of temp.byres */
	sqlite3_stmt *users;  /* the resellers of a PartnerID */
	uint64_t seq;
};

static int byres_add(struct byres *b, const struct finding *fd,
		     const char *reseller)
{
	sqlite3_stmt *s = b->ins;

	if (reseller)
		sqlite3_bind_text(s, 1, reseller, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_text(s, 2, fd->entity == ENTITY_NONE ? "" :
			  entity_defs[fd->entity].name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, fd->key, -1, SQLITE_TRANSIENT);
	if (fd->line)
		sqlite3_bind_int64(s, 4, (sqlite3_int64)fd->line);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_int(s, 5, fd->rule);
	sqlite3_bind_text(s, 6, severity_name(fd->severity), -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(s, 7, fd->message, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 8, fd->value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)b->seq++);
	return m_step_done(b->m, s);
}

static int byres_one(const struct finding *fd, void *ctx)
{
	struct byres *b = ctx;
	int rc, n = 0;

	if (fd->entity != ENTITY_MPN_IDS || !fd->key[0])
		return byres_add(b, fd, cases_reseller_of(fd->entity,
							  fd->key));
	sqlite3_bind_text(b->users, 1, fd->key, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(b->users)) == SQLITE_ROW) {
		if (byres_add(b, fd, col(b->users, 0)) < 0)
			break;
		n++;
	}
	sqlite3_reset(b->users);
	if (b->m->failed)
		return -1;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return m_fail(b->m, "by-reseller report");
	return n ? 0 : byres_add(b, fd, NULL);
}

/* temp.byres: a line per finding and reseller it concerns. */
static int byres_fill(struct run *run, struct master *m)
{
	struct byres b;
	int ret;

	m_exec(m, "DROP TABLE IF EXISTS temp.byres;"
	       "CREATE TABLE temp.byres(reseller TEXT, entity TEXT, key TEXT,"
	       " line INTEGER, rule INTEGER, severity TEXT, message TEXT,"
	       " value TEXT, seq INTEGER);"
	       "CREATE INDEX IF NOT EXISTS temp.x_resellers_key ON "
	       STAGE_REJECTED_NAME("resellers") "(key)");
	b.m = m;
	b.seq = 0;
	b.ins = m_prepare(m, "INSERT INTO temp.byres VALUES"
			  " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	b.users = m_prepare(m, "SELECT key FROM " STAGE_ROWS("resellers")
			    " WHERE mpn_id = ?1 UNION SELECT tenant_id FROM"
			    " main.resellers WHERE mpn_id = ?1 AND retired_run"
			    " IS NULL");
	ret = b.ins && b.users ? findings_each(run->findings, byres_one, &b) :
	      -1;
	sqlite3_finalize(b.ins);
	sqlite3_finalize(b.users);
	return ret || m->failed ? -1 : 0;
}

int report_by_reseller_csv(struct run *run, const char *dir)
{
	struct report_file rf;
	sqlite3_stmt *s = NULL;
	struct master *m = run->master;
	int rc = SQLITE_DONE;

	if (!m || !run->stage)
		return 0;
	if (report_open(&rf, dir, "by-reseller.csv") < 0)
		return -1;
	fputs("reseller_tenant_id,reseller_name,contact_email,country,entity,"
	      "key,line,rule,severity,message,value\n", rf.fp);
	/* A reseller's name, contact and country: tonight's row (accepted,
	 * else rejected), else the master's. */
	if (byres_fill(run, m) == 0)
		s = m_prepare(m, "SELECT b.reseller,"
			      " coalesce(s.name, (SELECT x.name FROM "
			      STAGE_REJECTED("resellers") " x WHERE x.key ="
			      " b.reseller LIMIT 1), r.name),"
			      " coalesce(s.contact_email, (SELECT"
			      " x.contact_email FROM " STAGE_REJECTED("resellers")
			      " x WHERE x.key = b.reseller LIMIT 1),"
			      " r.contact_email),"
			      " coalesce(s.country, (SELECT x.country FROM "
			      STAGE_REJECTED("resellers") " x WHERE x.key ="
			      " b.reseller LIMIT 1), r.country),"
			      " b.entity, b.key, b.line, b.rule, b.severity,"
			      " b.message, b.value FROM temp.byres b"
			      " LEFT JOIN " STAGE_ROWS("resellers") " s"
			      " ON s.key = b.reseller"
			      " LEFT JOIN main.resellers r"
			      " ON r.tenant_id = b.reseller"
			      " ORDER BY b.reseller IS NULL, b.reseller, b.rule,"
			      " b.seq");
	while (s && (rc = sqlite3_step(s)) == SQLITE_ROW && !ferror(rf.fp)) {
		int r = sqlite3_column_int(s, 7);
		const char *cells[] = {
			col(s, 0), col(s, 1), col(s, 2), col(s, 3), col(s, 4),
			col(s, 5), col(s, 6),
			r >= 0 && r < RULE_COUNT ? rule_defs[r].code : "",
			col(s, 8), col(s, 9), col(s, 10),
		};

		report_csv_line(rf.fp, cells, sizeof(cells) / sizeof(cells[0]));
	}
	sqlite3_finalize(s);
	if (!s || (rc != SQLITE_DONE && rc != SQLITE_ROW) || ferror(rf.fp))
		return fail_report(run, &rf);
	return report_keep(&rf, &run->reports);
}
