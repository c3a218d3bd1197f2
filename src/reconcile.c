/* reconcile.c -- classification of the staged batch against the master.
 * See reconcile.h.
 *
 * One pass per entity over the staged rows (stage.h) joined to the
 * master's by key writes the change list and the apply's actions
 * (STAGE_CHANGES, STAGE_ACT) and counts the classes into the run; the
 * rows the master map found unchanged were never staged and are only
 * counted.  Retirement lists the live master rows a snapshot no longer
 * has: through the map when there is one (mastermap.h), else by one
 * query.  An entity the master has no row of is an initial load: its
 * rows are only counted, and the apply inserts the whole stage.  Failures
 * are printed by the m_* helpers (master.h).
 */
#include <string.h>

#include "csprecon/mastermap.h"
#include "csprecon/reconcile.h"
#include "csprecon/sql.h"
#include "csprecon/stage.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

/* The columns of classify_sql()'s statement: the staged row's key and
 * file, how it compares with the master's row, then each column's staged
 * and master value side by side. */
enum { SEL_KEY, SEL_FILE, SEL_SAME, SEL_RETIRED, SEL_NEW, SEL_VALUES };
#define SEL_STAGED(i) (SEL_VALUES + 2 * (int)(i))
#define SEL_MASTER(i) (SEL_STAGED(i) + 1)

/* The parameters of a STAGE_CHANGES row and of a STAGE_ACT row. */
enum { CHG_ENTITY = 1, CHG_KEY, CHG_CHANGE, CHG_FIELD, CHG_OLD, CHG_NEW,
       CHG_FILE, CHG_FIELD_NO };
enum { ACT_ENTITY = 1, ACT_KIND, ACT_KEY, ACT_K1, ACT_K2 };

/* One entity's classification pass. */
struct classify {
	struct master *m;
	const struct entity_def *d;
	sqlite3_stmt *sel;     /* the staged rows joined to the master's */
	sqlite3_stmt *change;  /* appends to STAGE_CHANGES */
	sqlite3_stmt *act;     /* appends to STAGE_ACT */
	uint64_t *cls;         /* the run's counts of e, by change_kind */
};

static int entity_in_batch(const struct run *run, enum entity e)
{
	size_t i;

	for (i = 0; i < run->nsrc; i++)
		if (run->src[i].entity == e && !run->src[i].refused)
			return 1;
	return 0;
}

/* An initial load: every staged row is new, and nothing is retired.  The
 * apply inserts the whole stage; changes.csv lists the new rows in key
 * order (reconcile_each_change).  0 or -1. */
static int count_all_new(struct run *run, struct master *m, enum entity e)
{
	struct strbuf sb;
	sqlite3_stmt *s;

	strbuf_init(&sb);
	strbuf_addf(&sb, "SELECT count(*) FROM " STAGE_ROWS("%s"),
		    entity_defs[e].name);
	s = m_prepare(m, sb.buf);
	strbuf_release(&sb);
	if (s && sqlite3_step(s) == SQLITE_ROW)
		run->cls[e][CH_NEW] = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	run->all_new[e] = 1;
	return m->failed ? -1 : 0;
}

/* The staged rows of e joined to the master's (columns SEL_*), in key
 * order by the stage's key index: the master's rows are then looked up in
 * the order of its pages, not at random. */
static void classify_sql(struct strbuf *sb, enum entity e)
{
	const struct entity_def *d = &entity_defs[e];
	size_t i;

	strbuf_addstr(sb, "SELECT s.key, s.file_no, s.row_hash = m.row_hash,"
		      " m.retired_run IS NOT NULL, m.row_hash IS NULL");
	for (i = 0; i < d->ncols; i++)
		strbuf_addf(sb, ", s.%s, m.%s", d->cols[i].name,
			    d->cols[i].name);
	strbuf_addf(sb, " FROM " STAGE_ROWS("%s") " s LEFT JOIN main.%s m ON ",
		    d->name, d->name);
	sql_key_join(sb, e, "m", "s");
	strbuf_addstr(sb, " ORDER BY s.key");
}

static void classify_release(struct classify *c)
{
	sqlite3_finalize(c->sel);
	sqlite3_finalize(c->change);
	sqlite3_finalize(c->act);
}

/* Prepare the pass over entity e; 0 or -1. */
static int classify_init(struct classify *c, struct run *run,
			  struct master *m, enum entity e)
{
	struct strbuf sb;

	c->m = m;
	c->d = &entity_defs[e];
	c->cls = run->cls[e];
	strbuf_init(&sb);
	classify_sql(&sb, e);
	c->sel = m_prepare(m, sb.buf);
	strbuf_release(&sb);
	c->change = m_prepare(m, "INSERT INTO " STAGE_CHANGES "(entity, key,"
			      " change, field, old, new, file_no, field_no)"
			      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	c->act = m_prepare(m, "INSERT INTO " STAGE_ACT "(entity, kind, key,"
			   " k1, k2) VALUES (?, ?, ?, ?, ?)");
	if (!c->sel || !c->change || !c->act) {
		classify_release(c);
		return -1;
	}
	sqlite3_bind_int(c->change, CHG_ENTITY, e);
	sqlite3_bind_int(c->act, ACT_ENTITY, e);
	return 0;
}

/* List the current row for the apply: inserted when new, else updated
 * (also a row whose hash differs but not its fields: its stored hash is
 * brought up to date). */
static void note_act(struct classify *c, int is_new)
{
	sqlite3_stmt *sel = c->sel;

	sqlite3_bind_int(c->act, ACT_KIND,
			 is_new ? STAGE_ACT_INSERT : STAGE_ACT_UPDATE);
	sqlite3_bind_value(c->act, ACT_KEY, sqlite3_column_value(sel, SEL_KEY));
	sqlite3_bind_value(c->act, ACT_K1, sqlite3_column_value(sel,
			   SEL_STAGED(c->d->key[0])));
	if (c->d->nkey > 1)
		sqlite3_bind_value(c->act, ACT_K2, sqlite3_column_value(sel,
				   SEL_STAGED(c->d->key[1])));
	else
		sqlite3_bind_null(c->act, ACT_K2);
	m_step_done(c->m, c->act);
}

/* The current row as a whole: "new" or "reactivated". */
static void note_row(struct classify *c, const char *change)
{
	sqlite3_bind_text(c->change, CHG_CHANGE, change, -1, SQLITE_STATIC);
	sqlite3_bind_null(c->change, CHG_FIELD);
	sqlite3_bind_null(c->change, CHG_OLD);
	sqlite3_bind_null(c->change, CHG_NEW);
	sqlite3_bind_int(c->change, CHG_FIELD_NO, -1);
	m_step_done(c->m, c->change);
}

/* Compare the current row with the master's field by field, a "changed"
 * line for each difference; whether there was one. */
static int note_fields(struct classify *c)
{
	sqlite3_stmt *sel = c->sel;
	int changed = 0;
	size_t i;

	for (i = 0; i < c->d->ncols; i++) {
		const char *sv = (const char *)sqlite3_column_text(sel,
							SEL_STAGED(i));
		const char *mv = (const char *)sqlite3_column_text(sel,
							SEL_MASTER(i));

		if ((!sv && !mv) || (sv && mv && !strcmp(sv, mv)))
			continue;
		sqlite3_bind_text(c->change, CHG_CHANGE, "changed", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(c->change, CHG_FIELD, c->d->cols[i].name, -1,
				  SQLITE_STATIC);
		sqlite3_bind_value(c->change, CHG_OLD,
				   sqlite3_column_value(sel, SEL_MASTER(i)));
		sqlite3_bind_value(c->change, CHG_NEW,
				   sqlite3_column_value(sel, SEL_STAGED(i)));
		sqlite3_bind_int(c->change, CHG_FIELD_NO, (int)i);
		m_step_done(c->m, c->change);
		changed = 1;
	}
	return changed;
}

/* Classify the current row: a row with no master row is new, a retired
 * one is reactivated (and compared), one whose hash differs is compared
 * field by field; only differences are written. */
static void classify_row(struct classify *c)
{
	sqlite3_stmt *sel = c->sel;
	int is_new = sqlite3_column_int(sel, SEL_NEW);
	int retired = sqlite3_column_int(sel, SEL_RETIRED);
	int changed;

	if (!is_new && !retired && sqlite3_column_int(sel, SEL_SAME)) {
		c->cls[CH_UNCHANGED]++;
		return;
	}
	sqlite3_bind_value(c->change, CHG_KEY,
			   sqlite3_column_value(sel, SEL_KEY));
	sqlite3_bind_int(c->change, CHG_FILE,
			 sqlite3_column_int(sel, SEL_FILE));
	note_act(c, is_new);
	if (is_new || retired) {
		note_row(c, is_new ? "new" : "reactivated");
		c->cls[is_new ? CH_NEW : CH_REACTIVATED]++;
		if (is_new)
			return;
	}
	changed = note_fields(c);
	if (!retired)
		c->cls[changed ? CH_CHANGED : CH_UNCHANGED]++;
}

/* One pass over entity e's staged rows joined to the master; 0 or -1. */
static int classify_staged(struct run *run, struct master *m, enum entity e)
{
	struct classify c;
	int rc;

	if (classify_init(&c, run, m, e) < 0)
		return -1;
	while ((rc = sqlite3_step(c.sel)) == SQLITE_ROW)
		classify_row(&c);
	if (rc != SQLITE_DONE)
		m_fail(m, "classify");
	classify_release(&c);
	return m->failed ? -1 : 0;
}

/* The condition "master row m is missing from the batch". */
static void missing_cond(struct strbuf *sb, enum entity e)
{
	/* Both lookups go by the stage's primary key (the key text), so
	 * each is a B-tree search, not a scan of the stage. */
	strbuf_addf(sb, "m.retired_run IS NULL AND NOT EXISTS (SELECT 1 FROM "
		    STAGE_ROWS("%s") " s WHERE s.key = ", entity_defs[e].name);
	sql_key_expr(sb, e, "m");
	strbuf_addf(sb, ") AND NOT EXISTS (SELECT 1 FROM " STAGE_KEPT " k"
		    " WHERE k.entity = %d AND k.key = ", (int)e);
	sql_key_expr(sb, e, "m");
	strbuf_addstr(sb, ")");
}

/* The retired rows of an entity without a map, by one query; how many. */
static uint64_t retire_missing(struct master *m, enum entity e)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addf(&sb, "INSERT INTO " STAGE_ACT "(entity, kind, key, k1, k2)"
		    " SELECT %d, %d, ", (int)e, STAGE_ACT_RETIRE);
	sql_key_expr(&sb, e, "m");
	strbuf_addstr(&sb, ", ");
	sql_key_pair(&sb, e, "m");
	strbuf_addf(&sb, " FROM main.%s m WHERE ", entity_defs[e].name);
	missing_cond(&sb, e);
	m_exec(m, sb.buf);
	strbuf_release(&sb);
	return (uint64_t)sqlite3_changes(m->db);
}

/* Retired: the live master rows of e the snapshot no longer lists, in
 * STAGE_ACT and the change list. */
static void classify_retired(struct run *run, struct master *m, enum entity e)
{
	const struct mastermap *mm = stage_map(run->stage, e);
	struct strbuf sb;

	if (mm && !mm->unseen)
		return;
	run->cls[e][CH_RETIRED] = mm ? mm_retire(m, mm, e) :
				  retire_missing(m, e);
	strbuf_init(&sb);
	strbuf_addf(&sb, "INSERT INTO " STAGE_CHANGES "(entity, key, change,"
		    " field_no) SELECT %d, key, 'retired', -1 FROM " STAGE_ACT
		    " WHERE entity = %d AND kind = %d", (int)e, (int)e,
		    STAGE_ACT_RETIRE);
	m_exec(m, sb.buf);
	strbuf_release(&sb);
}

static int classify_entity(struct run *run, struct master *m, enum entity e,
			   int snapshot)
{
	memset(run->cls[e], 0, sizeof(run->cls[e]));
	if (sql_master_empty(m, e))
		return count_all_new(run, m, e);
	/* Master rows after all: the lookups below go by the stage's key. */
	if (stage_key_index(run->stage, e) < 0)
		return -1;
	if (classify_staged(run, m, e) < 0)
		return -1;
	run->cls[e][CH_UNCHANGED] += stage_unchanged(run->stage, e);
	if (!m->failed && snapshot && entity_in_batch(run, e) &&
	    !run->unkeyed[e])
		classify_retired(run, m, e);
	return m->failed ? -1 : 0;
}

int reconcile_classify(struct run *run, struct master *m, int snapshot)
{
	enum entity e;

	for (e = 0; e < ENTITY_COUNT; e++)
		if (classify_entity(run, m, e, snapshot) < 0)
			return -1;
	run->reconciled = 1;
	return 0;
}

/* Hand each row of s (entity, key, change, field, old, new, path) to cb
 * as a change of entity e; stops at and returns a non-zero cb value. */
static int each_row(struct master *m, sqlite3_stmt *s, enum entity e,
		    int (*cb)(const struct change *c, void *ctx), void *ctx)
{
	struct change c;
	int rc, ret = 0;

	c.entity = entity_defs[e].name;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		c.key = (const char *)sqlite3_column_text(s, 1);
		c.change = (const char *)sqlite3_column_text(s, 2);
		c.field = (const char *)sqlite3_column_text(s, 3);
		c.old = (const char *)sqlite3_column_text(s, 4);
		c.new_ = (const char *)sqlite3_column_text(s, 5);
		c.file = (const char *)sqlite3_column_text(s, 6);
		if ((ret = cb(&c, ctx)))
			return ret;
	}
	return rc == SQLITE_DONE ? 0 : m_fail(m, "read changes");
}

int reconcile_each_change(struct run *run,
			  int (*cb)(const struct change *c, void *ctx),
			  void *ctx)
{
	struct master *m = run->master;
	sqlite3_stmt *s = m_prepare(m,
		"SELECT c.entity, c.key, c.change, c.field, c.old, c.new, f.path"
		" FROM " STAGE_CHANGES " c LEFT JOIN " STAGE_FILES " f"
		" ON f.file_no = c.file_no WHERE c.entity = ? ORDER BY CASE"
		" c.change WHEN 'new' THEN 0 WHEN 'reactivated' THEN 1 WHEN"
		" 'changed' THEN 2 ELSE 3 END, c.key, c.field_no");
	struct strbuf sql;
	sqlite3_stmt *n;
	int ret = 0;
	enum entity e;

	if (!s)
		return -1;
	strbuf_init(&sql);
	for (e = 0; e < ENTITY_COUNT && !ret; e++) {
		if (!run->all_new[e]) {
			sqlite3_reset(s);
			sqlite3_bind_int(s, 1, e);
			ret = each_row(m, s, e, cb, ctx);
			continue;
		}
		/* An entity the master had none of: its new rows, in key
		 * order.  Once applied, the master holds them in that order
		 * (the key columns are its primary key, and a relationship
		 * key's first part is a tenant id of fixed length); else
		 * the stage is sorted, or read by its key index. */
		strbuf_reset(&sql);
		if (run->applied) {
			strbuf_addf(&sql, "SELECT %d, ", (int)e);
			sql_key_expr(&sql, e, "m");
			strbuf_addf(&sql, ", 'new', NULL, NULL, NULL, NULL FROM"
				    " main.%s m WHERE m.created_run = ?1 ORDER"
				    " BY ", entity_defs[e].name);
			sql_key_order(&sql, e, "m");
		} else {
			strbuf_addf(&sql, "SELECT %d, key, 'new', NULL, NULL,"
				    " NULL, NULL FROM " STAGE_ROWS("%s")
				    " ORDER BY key", (int)e,
				    entity_defs[e].name);
		}
		if (!(n = m_prepare(m, sql.buf))) {
			ret = -1;
			break;
		}
		if (run->applied)
			sqlite3_bind_int64(n, 1, run->ledger_id);
		ret = each_row(m, n, e, cb, ctx);
		sqlite3_finalize(n);
	}
	strbuf_release(&sql);
	sqlite3_finalize(s);
	return ret;
}
