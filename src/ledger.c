/* ledger.c -- the run ledger and the one-transaction apply.  See ledger.h.
 *
 * An initial load of relationships is written with a rollback journal
 * when no other connection has the master open (WAL would write its pages
 * twice), and the master returns to WAL after the commit; a master left
 * with the rollback journal is warned about, and the next run that writes
 * returns it to WAL.  Failures are printed by the m_* helpers (master.h); the
 * transaction is then rolled back.
 */
#include <stdio.h>
#include <time.h>

#include "csprecon/cases.h"
#include "csprecon/exit.h"
#include "csprecon/findings.h"
#include "csprecon/ledger.h"
#include "csprecon/sql.h"
#include "csprecon/stage.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

static void iso(const struct timespec *t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t->tv_sec, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void format_of(const struct source *s, char *out, size_t n)
{
	snprintf(out, n, "%s%s", s->format ? s->format : "",
		 s->gzip ? ".gz" : "");
}

/* The exit code of the run's row, once its cases are tracked. */
static void exec_run_code(struct master *m, sqlite3_int64 run_no, int code)
{
	sqlite3_stmt *s = m_prepare(m, "UPDATE runs SET exit_code = ?2 WHERE"
				    " id = ?1");

	if (!s)
		return;
	sqlite3_bind_int64(s, 1, run_no);
	sqlite3_bind_int(s, 2, code);
	m_step_done(m, s);
	sqlite3_finalize(s);
}

/* The run's row in runs (its ledger id in *run_no) and its files' rows in
 * run_files; 0 or -1. */
static int record_run(struct run *run, struct master *m, const char *cmdline,
		      int apply, sqlite3_int64 *run_no)
{
	sqlite3_stmt *s;
	char t0[32], t1[32], fmt[16];
	size_t i;

	iso(&run->started, t0, sizeof(t0));
	iso(&run->finished, t1, sizeof(t1));
	s = m_prepare(m, "INSERT INTO runs(run_id, started, finished, command,"
		      " mode, applied, exit_code, forced) VALUES (?,?,?,?,?,?,?,?)");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, run->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, t0, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, t1, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, cmdline, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, run->mode, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, apply);
	sqlite3_bind_int(s, 7, run->exit_code);
	sqlite3_bind_int(s, 8, run->forced);
	m_step_done(m, s);
	sqlite3_finalize(s);
	*run_no = sqlite3_last_insert_rowid(m->db);
	s = m_prepare(m, "INSERT INTO run_files(run, file_no, path, size,"
		      " sha256, format, entity, rows_read, rows_accepted,"
		      " rows_rejected) VALUES (?,?,?,?,?,?,?,?,?,?)");
	for (i = 0; s && i < run->nsrc; i++) {
		const struct source *f = &run->src[i];

		format_of(f, fmt, sizeof(fmt));
		sqlite3_bind_int64(s, 1, *run_no);
		sqlite3_bind_int(s, 2, (int)f->no);
		sqlite3_bind_text(s, 3, f->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, (sqlite3_int64)f->size);
		if (f->sha256[0])
			sqlite3_bind_text(s, 5, f->sha256, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 5);
		sqlite3_bind_text(s, 6, fmt, -1, SQLITE_TRANSIENT);
		if (f->entity == ENTITY_NONE)
			sqlite3_bind_null(s, 7);
		else
			sqlite3_bind_text(s, 7, entity_defs[f->entity].name, -1,
					  SQLITE_STATIC);
		sqlite3_bind_int64(s, 8, (sqlite3_int64)f->rows_read);
		sqlite3_bind_int64(s, 9, (sqlite3_int64)(f->rows_read -
							  f->rows_rejected));
		sqlite3_bind_int64(s, 10, (sqlite3_int64)f->rows_rejected);
		m_step_done(m, s);
	}
	sqlite3_finalize(s);
	return m->failed ? -1 : 0;
}

struct finding_copy {
	struct run *run;
	struct master *m;
	sqlite3_stmt *s;
	sqlite3_int64 run_no;
};

static int copy_finding(const struct finding *fd, void *ctx)
{
	struct finding_copy *c = ctx;
	sqlite3_stmt *s = c->s;

	sqlite3_bind_int64(s, 1, c->run_no);
	if (fd->file_no >= 0 && (size_t)fd->file_no < c->run->nsrc)
		sqlite3_bind_text(s, 2, c->run->src[fd->file_no].path, -1,
				  SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 2);
	if (fd->line)
		sqlite3_bind_int64(s, 3, (sqlite3_int64)fd->line);
	else
		sqlite3_bind_null(s, 3);
	if (fd->entity == ENTITY_NONE)
		sqlite3_bind_null(s, 4);
	else
		sqlite3_bind_text(s, 4, entity_defs[fd->entity].name, -1,
				  SQLITE_STATIC);
	sqlite3_bind_text(s, 5, fd->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, fd->field, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, rule_defs[fd->rule].code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, severity_name(fd->severity),
			  -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, fd->message, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, fd->value, -1, SQLITE_STATIC);
	return m_step_done(c->m, s);
}

/* The run's findings into main.findings; 0 or -1. */
static int copy_findings(struct run *run, struct master *m,
			 sqlite3_int64 run_no)
{
	struct finding_copy fc;

	fc.run = run;
	fc.m = m;
	fc.run_no = run_no;
	fc.s = m_prepare(m, "INSERT INTO main.findings(run, file, line, entity,"
			 " key, field, rule, severity, message, value) VALUES"
			 " (?,?,?,?,?,?,?,?,?,?)");
	if (fc.s)
		findings_each(run->findings, copy_finding, &fc);
	sqlite3_finalize(fc.s);
	return m->failed ? -1 : 0;
}

/* Run a statement whose ?1 is the run's ledger id. */
static int exec_run(struct master *m, const char *sql, sqlite3_int64 run_no)
{
	sqlite3_stmt *s = m_prepare(m, sql);
	int ret;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run_no);
	ret = m_step_done(m, s);
	sqlite3_finalize(s);
	return ret;
}

/* Apply one entity's actions; each statement touches only the rows the
 * classification listed in STAGE_ACT. */
static int apply_entity(struct master *m, enum entity e, sqlite3_int64 run_no,
			int all_new)
{
	const struct entity_def *d = &entity_defs[e];
	const char *t = d->name;
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb);
	/* changed and reactivated rows */
	strbuf_addf(&sb, "UPDATE main.%s AS m SET ", t);
	for (i = 0; i < d->ncols; i++)
		strbuf_addf(&sb, "%s = s.%s, ", d->cols[i].name,
			    d->cols[i].name);
	/* Written as a plain join on the act table's key columns, so that
	 * the plan looks each master row up by its primary key. */
	strbuf_addf(&sb, "row_hash = s.row_hash, updated_run = ?1,"
		    " retired_run = NULL FROM " STAGE_ACT " AS a, "
		    STAGE_ROWS("%s") " AS s WHERE a.entity = %d AND a.kind = %d"
		    " AND s.key = a.key AND", t, (int)e, STAGE_ACT_UPDATE);
	sql_act_join(&sb, e);
	exec_run(m, sb.buf, run_no);
	/* retired rows */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "UPDATE main.%s AS m SET retired_run = ?1,"
		    " updated_run = ?1 FROM (SELECT k1, k2 FROM " STAGE_ACT
		    " WHERE entity = %d AND kind = %d) AS a WHERE", t, (int)e,
		    STAGE_ACT_RETIRE);
	sql_act_join(&sb, e);
	exec_run(m, sb.buf, run_no);
	/* new rows, in key order (appending to the primary key's B-tree) */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "INSERT INTO main.%s(", t);
	sql_col_list(&sb, e, "");
	strbuf_addstr(&sb, ", row_hash, created_run, created_file, updated_run)"
		      " SELECT ");
	sql_col_list(&sb, e, "s.");
	/* All new: one sort of the stage (the "+" keeps the planner off the
	 * key index, whose order would cost a random read per row). */
	if (all_new)
		strbuf_addf(&sb, ", s.row_hash, ?1, s.file_no, ?1 FROM "
			    STAGE_ROWS("%s") " s ORDER BY +s.key", t);
	else
		strbuf_addf(&sb, ", s.row_hash, ?1, s.file_no, ?1 FROM "
			    STAGE_ACT " a CROSS JOIN " STAGE_ROWS("%s") " s ON"
			    " s.key = a.key WHERE a.entity = %d AND a.kind = %d"
			    " ORDER BY a.key", t, (int)e, STAGE_ACT_INSERT);
	exec_run(m, sb.buf, run_no);
	strbuf_release(&sb);
	return m->failed ? -1 : 0;
}

/* The change history: every change but "new" into main.changes, each
 * named by its entity's name; 0 or -1. */
static int copy_changes(struct master *m, sqlite3_int64 run_no)
{
	struct strbuf sb;
	int ret;

	strbuf_init(&sb);
	strbuf_addstr(&sb, "INSERT INTO main.changes(run, entity, key, change,"
		      " field, old, new, file) SELECT ?1, ");
	sql_entity_name(&sb, "c.entity");
	strbuf_addstr(&sb, ", c.key, c.change, c.field, c.old, c.new, f.path"
		      " FROM " STAGE_CHANGES " c LEFT JOIN " STAGE_FILES " f ON"
		      " f.file_no = c.file_no WHERE c.change != 'new'"
		      " ORDER BY c.entity, c.key, c.field_no");
	ret = exec_run(m, sb.buf, run_no);
	strbuf_release(&sb);
	return ret;
}

int ledger_commit(struct run *run, struct master *m, const char *cmdline,
		  int apply, ledger_hook before_commit)
{
	sqlite3_int64 run_no = 0;
	enum entity e;
	int rollback = 0, code = 0;

	/* The stage's own transaction only made staging fast. */
	m_exec(m, "COMMIT");
	/* An initial load: with a rollback journal, the pages the master
	 * did not have are written once; WAL writes them to its log, then
	 * again at the checkpoint.  Only when no other connection has the
	 * master open; WAL again after the commit. */
	if (apply && run->all_new[ENTITY_RELATIONSHIPS])
		rollback = master_journal(m, "delete") == 1;
	if (m_begin(m) < 0)
		return m->exit_code ? m->exit_code : EXIT_IOERR;
	record_run(run, m, cmdline, apply, &run_no);
	for (e = 0; apply && e < ENTITY_COUNT; e++)
		apply_entity(m, e, run_no, run->all_new[e]);
	if (apply)
		copy_changes(m, run_no);
	copy_findings(run, m, run_no);
	run->applied = apply;
	run->ledger_id = run_no;
	/* The master as it now stands is judged, its cases tracked, and the
	 * exit code counts the violations no open case knew. */
	if (apply && !m->failed && run->xopt) {
		phase_done("apply");
		if (cases_track(run, m) < 0 && !m->failed)
			code = EXIT_INTERNAL;
		phase_done("cases");
		run->exit_code = run_exit_code(run);
		exec_run_code(m, run_no, run->exit_code);
	}
	if (!code && !m->failed && before_commit)
		code = before_commit(run);
	if (code || m_commit(m) < 0) {
		m_rollback(m);
		if (rollback)
			master_journal(m, "wal");
		run->applied = 0;
		run->ledger_id = 0;
		return code ? code : m->exit_code ? m->exit_code : EXIT_IOERR;
	}
	if (rollback && master_journal(m, "wal") != 1)
		warning("master '%s': left with a rollback journal; the next "
			"run returns it to WAL", m->path);
	return 0;
}
