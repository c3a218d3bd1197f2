/* findings.c -- findings in a temporary SQLite database.  See findings.h. */
#include <sqlite3.h>
#include <stdlib.h>

#include "csprecon/findings.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

struct findings {
	sqlite3 *db;
	sqlite3_stmt *ins;
	sqlite3_stmt *retract; /* adds to the keys to retract, once used */
};

static int db_error(sqlite3 *db, const char *what)
{
	return error("temporary database: %s: %s", what, sqlite3_errmsg(db));
}

struct findings *findings_open(void)
{
	struct findings *f = xcalloc(1, sizeof(*f));
	static const char schema[] =
		"PRAGMA journal_mode=OFF;"
		"PRAGMA synchronous=OFF;"
		"CREATE TABLE finding(seq INTEGER PRIMARY KEY, file_no INTEGER,"
		" line INTEGER, entity INTEGER, key TEXT, field TEXT,"
		" rule INTEGER, severity INTEGER, message TEXT, value TEXT);"
		"BEGIN;";

	/* "" is a private on-disk temporary database: it spills to disk
	 * instead of growing memory with the number of findings. */
	if (sqlite3_open_v2("", &f->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		db_error(f->db, "open");
		goto fail;
	}
	if (sqlite3_exec(f->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		db_error(f->db, "create");
		goto fail;
	}
	if (sqlite3_prepare_v2(f->db,
			       "INSERT INTO finding(file_no, line, entity, key,"
			       " field, rule, severity, message, value)"
			       " VALUES (?,?,?,?,?,?,?,?,?)",
			       -1, &f->ins, NULL) != SQLITE_OK) {
		db_error(f->db, "prepare");
		goto fail;
	}
	return f;
fail:
	findings_close(f);
	return NULL;
}

int findings_add(struct findings *f, const struct finding *fd)
{
	sqlite3_stmt *s = f->ins;

	sqlite3_bind_int(s, 1, fd->file_no);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)fd->line);
	sqlite3_bind_int(s, 3, fd->entity);
	sqlite3_bind_text(s, 4, fd->key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, fd->field, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 6, fd->rule);
	sqlite3_bind_int(s, 7, fd->severity);
	sqlite3_bind_text(s, 8, fd->message, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 9, fd->value, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return db_error(f->db, "insert");
	}
	sqlite3_reset(s);
	return 0;
}

int findings_retract_key(struct findings *f, enum entity e, const char *key)
{
	int rc;

	if (!f->retract &&
	    (sqlite3_exec(f->db, "CREATE TABLE retract(entity INTEGER, key"
			  " TEXT, PRIMARY KEY (entity, key)) WITHOUT ROWID",
			  NULL, NULL, NULL) != SQLITE_OK ||
	     sqlite3_prepare_v2(f->db, "INSERT OR IGNORE INTO retract"
				" VALUES (?, ?)", -1, &f->retract, NULL) !=
	     SQLITE_OK))
		return db_error(f->db, "prepare");
	sqlite3_bind_int(f->retract, 1, e);
	sqlite3_bind_text(f->retract, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(f->retract);
	sqlite3_reset(f->retract);
	return rc == SQLITE_DONE ? 0 : db_error(f->db, "insert");
}

/* The rules whose findings a duplicate key withdraws (DUP_WITHDRAW in the
 * rule table), as the bits of one SQLite integer: bit r for rule r. */
static sqlite3_int64 withdrawn_rules(void)
{
	sqlite3_int64 bits = 0;
	int r;

	_Static_assert(RULE_COUNT < 63, "every rule has a bit");
	for (r = 0; r < RULE_COUNT; r++)
		if (rule_defs[r].dup == DUP_WITHDRAW)
			bits |= (sqlite3_int64)1 << r;
	return bits;
}

int findings_retract(struct findings *f)
{
	sqlite3_stmt *s;
	int rc;

	if (!f->retract)
		return 0;
	/* One pass over the findings, each looked up in the key list. */
	if (sqlite3_prepare_v2(f->db, "DELETE FROM finding WHERE (?1 >> rule)"
			       " & 1 AND (entity, key) IN (SELECT entity, key"
			       " FROM retract)", -1, &s, NULL) != SQLITE_OK)
		return db_error(f->db, "prepare");
	sqlite3_bind_int64(s, 1, withdrawn_rules());
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(f->db, "delete");
	sqlite3_finalize(f->retract);
	f->retract = NULL;
	return sqlite3_exec(f->db, "DROP TABLE retract", NULL, NULL, NULL) ==
	       SQLITE_OK ? 0 : db_error(f->db, "drop");
}

int findings_drop_file(struct findings *f, int file_no)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(f->db, "DELETE FROM finding WHERE file_no = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(f->db, "prepare");
	sqlite3_bind_int(s, 1, file_no);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_error(f->db, "delete");
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

int findings_each(struct findings *f,
		  int (*cb)(const struct finding *fd, void *ctx), void *ctx)
{
	sqlite3_stmt *s;
	struct finding fd;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(f->db,
			       "SELECT file_no, line, entity, key, field, rule,"
			       " severity, message, value FROM finding"
			       " ORDER BY file_no, line, seq",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(f->db, "prepare");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		fd.file_no = sqlite3_column_int(s, 0);
		fd.line = (uint64_t)sqlite3_column_int64(s, 1);
		fd.entity = (enum entity)sqlite3_column_int(s, 2);
		fd.key = col_text(s, 3);
		fd.field = col_text(s, 4);
		fd.rule = (enum rule)sqlite3_column_int(s, 5);
		fd.severity = (enum severity)sqlite3_column_int(s, 6);
		fd.message = col_text(s, 7);
		fd.value = col_text(s, 8);
		ret = cb(&fd, ctx);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_error(f->db, "read");
	if (sqlite3_finalize(s) != SQLITE_OK && !ret)
		ret = db_error(f->db, "finalize");
	return ret;
}

int findings_count(struct findings *f, uint64_t counts[][SEV_COUNT])
{
	sqlite3_stmt *s;
	int rc, r, v;

	for (r = 0; r < RULE_COUNT; r++)
		for (v = 0; v < SEV_COUNT; v++)
			counts[r][v] = 0;
	if (sqlite3_prepare_v2(f->db, "SELECT rule, severity, count(*) FROM"
			       " finding GROUP BY rule, severity", -1, &s,
			       NULL) != SQLITE_OK)
		return db_error(f->db, "prepare");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r = sqlite3_column_int(s, 0);
		v = sqlite3_column_int(s, 1);
		if (r >= 0 && r < RULE_COUNT && v >= 0 && v < SEV_COUNT)
			counts[r][v] = (uint64_t)sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_error(f->db, "count");
}

void findings_close(struct findings *f)
{
	if (!f)
		return;
	sqlite3_finalize(f->ins);
	sqlite3_finalize(f->retract);
	sqlite3_close(f->db);
	free(f);
}
