/* cmd_history.c -- `csprecon history KEY` and `csprecon runs`.
 *
 * Both open the master read-only and print aligned text, or JSON with
 * --json.  history shows every change of a key with its run, time and
 * source file: for a tenant id, the reseller and the customer's
 * relationships (keys customer+reseller); a row's creation is shown from
 * its created_run, the rest from the changes table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csprecon/cli.h"
#include "csprecon/master.h"
#include "csprecon/report.h"
#include "csprecon/schema.h"
#include "csprecon/util.h"
#include "csprecon/values.h"
#include "csprecon/banned.h"

/* Rows of text cells, printed with aligned columns. */
struct table {
	const char **head;
	size_t ncols;
	char **cells;     /* nrows * ncols, owned */
	unsigned char *types; /* nrows * ncols: each cell's SQLite type */
	size_t nrows, alloc;
};

static void table_add(struct table *t, sqlite3_stmt *s)
{
	size_t i;

	if (t->nrows == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 16;
		t->cells = xrealloc(t->cells, t->alloc * t->ncols *
				    sizeof(*t->cells));
		t->types = xrealloc(t->types, t->alloc * t->ncols);
	}
	for (i = 0; i < t->ncols; i++) {
		/* The type first: sqlite3_column_text() converts the value. */
		int type = sqlite3_column_type(s, (int)i);
		const char *v = (const char *)sqlite3_column_text(s, (int)i);

		t->types[t->nrows * t->ncols + i] = (unsigned char)type;
		t->cells[t->nrows * t->ncols + i] = xstrdup(v ? v : "");
	}
	t->nrows++;
}

/* 1 once a write to standard output failed (a full disk): printing stops,
 * and main() reports the errno kept here, the failing write's own. */
static int stdout_failed(void)
{
	if (!ferror(stdout))
		return 0;
	if (!util_stdout_errno)
		util_stdout_errno = errno;
	return 1;
}

/* A cell as a JSON member: a number as a number, NULL as null (the text
 * form prints both as text), text as a string. */
static void json_cell(const struct table *t, size_t cell, size_t col)
{
	printf("%s\"%s\": ", col ? ", " : "", t->head[col]);
	switch (t->types[cell]) {
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		fputs(t->cells[cell], stdout);
		break;
	case SQLITE_NULL:
		fputs("null", stdout);
		break;
	default:
		report_json_string(stdout, t->cells[cell]);
	}
}

static void table_print(const struct table *t, int json)
{
	size_t w[16] = { 0 }, i, r;

	if (json) {
		fputs("[", stdout);
		for (r = 0; r < t->nrows && !stdout_failed(); r++) {
			fputs(r ? ",\n {" : "\n {", stdout);
			for (i = 0; i < t->ncols; i++)
				json_cell(t, r * t->ncols + i, i);
			fputs("}", stdout);
		}
		fputs(t->nrows ? "\n]\n" : "]\n", stdout);
		return;
	}
	for (i = 0; i < t->ncols; i++) {
		w[i] = strlen(t->head[i]);
		for (r = 0; r < t->nrows; r++) {
			size_t n = strlen(t->cells[r * t->ncols + i]);

			if (n > w[i])
				w[i] = n;
		}
	}
	for (i = 0; i < t->ncols; i++)
		printf(i + 1 < t->ncols ? "%-*s  " : "%.*s\n", (int)w[i],
		       t->head[i]);
	for (r = 0; r < t->nrows && !stdout_failed(); r++)
		for (i = 0; i < t->ncols; i++)
			printf(i + 1 < t->ncols ? "%-*s  " : "%.*s\n",
			       i + 1 < t->ncols ? (int)w[i] : 1 << 20,
			       t->cells[r * t->ncols + i]);
}

/* Free the cells; the table itself is the caller's. */
static void table_release(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->types);
}

/* Run a query into a table and print it; returns an exit code. */
static int query_print(struct master *m, sqlite3_stmt *s, const char **head,
		       size_t ncols, int json)
{
	struct table t = { head, ncols, NULL, NULL, 0, 0 };
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		table_add(&t, s);
	if (rc != SQLITE_DONE) {
		m_fail(m, "read");
		table_release(&t);
		return m->exit_code;
	}
	table_print(&t, json);
	table_release(&t);
	return EXIT_OK;
}

/* The key as stored: GUIDs normalised, a pair as customer+reseller. */
static int normalise_key(const char *arg, char *out, size_t outsz)
{
	const char *plus = strchr(arg, '+');
	char a[VALUE_GUID_LEN + 1], b[VALUE_GUID_LEN + 1];

	if (plus) {
		if (value_guid(arg, (size_t)(plus - arg), a) < 0 ||
		    value_guid(plus + 1, strlen(plus + 1), b) < 0)
			return -1;
		snprintf(out, outsz, "%s+%s", a, b);
		return 0;
	}
	if (value_guid(arg, strlen(arg), a) == 0) {
		snprintf(out, outsz, "%s", a);
		return 0;
	}
	if (value_mpn(arg, strlen(arg)) == 0) {
		snprintf(out, outsz, "%s", arg);
		return 0;
	}
	return -1;
}

/* ?1 the key, ?2 its LIKE pattern, ?3..?5 the names of the entities, as
 * the changes table holds them. */
static const char history_sql[] =
	"SELECT r.id, r.started, x.entity, x.key, x.change, x.field, x.old,"
	" x.new, x.file FROM ("
	" SELECT run, entity, key, change, field, old, new, file, 1 AS ord,"
	"  rowid AS seq FROM changes WHERE key = ?1 OR key LIKE ?2"
	" UNION ALL SELECT t.created_run, ?3, t.tenant_id, 'new',"
	"  NULL, NULL, NULL, f.path, 0, 0 FROM resellers t LEFT JOIN run_files f"
	"  ON f.run = t.created_run AND f.file_no = t.created_file"
	"  WHERE t.tenant_id = ?1"
	" UNION ALL SELECT t.created_run, ?4, t.mpn_id, 'new', NULL,"
	"  NULL, NULL, f.path, 0, 0 FROM mpn_ids t LEFT JOIN run_files f"
	"  ON f.run = t.created_run AND f.file_no = t.created_file"
	"  WHERE t.mpn_id = ?1"
	" UNION ALL SELECT t.created_run, ?5,"
	"  t.customer_tenant_id || '+' || t.reseller_tenant_id, 'new', NULL,"
	"  NULL, NULL, f.path, 0, 0 FROM relationships t LEFT JOIN run_files f"
	"  ON f.run = t.created_run AND f.file_no = t.created_file"
	"  WHERE t.customer_tenant_id = substr(?1, 1, 36)"
	"  AND (length(?1) = 36 OR t.reseller_tenant_id = substr(?1, 38))"
	") x JOIN runs r ON r.id = x.run ORDER BY r.id, x.ord, x.entity, x.key,"
	" x.seq";

int cmd_history(struct cli *cli)
{
	static const char *head[] = { "run", "time", "entity", "key", "change",
				      "field", "old", "new", "file" };
	struct master m;
	sqlite3_stmt *s;
	char key[96], like[100];
	int code;

	if (cli->nfiles != 1) {
		error("history: give one KEY (try 'csprecon history --help')");
		return EXIT_USAGE;
	}
	if (normalise_key(cli->files[0], key, sizeof(key)) < 0) {
		error("history: not a tenant id, customer+reseller pair or "
		      "PartnerID '%s'", cli->files[0]);
		return EXIT_USAGE;
	}
	code = master_open(&m, cli->master, MASTER_READ,
			   (int)cli->lock_timeout);
	if (code) {
		master_close(&m);
		return code;
	}
	snprintf(like, sizeof(like), "%s+%%", key);
	s = m_prepare(&m, history_sql);
	if (!s) {
		master_close(&m);
		return m.exit_code;
	}
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, strchr(key, '+') || !strchr(key, '-') ?
			  key : like, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, entity_defs[ENTITY_RESELLERS].name, -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(s, 4, entity_defs[ENTITY_MPN_IDS].name, -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(s, 5, entity_defs[ENTITY_RELATIONSHIPS].name, -1,
			  SQLITE_STATIC);
	code = query_print(&m, s, head, ARRAY_SIZE(head), cli->json);
	sqlite3_finalize(s);
	master_close(&m);
	return code;
}

int cmd_runs(struct cli *cli)
{
	static const char *head[] = { "run", "run_id", "started", "finished",
				      "mode", "applied", "forced", "exit",
				      "files", "rows_read", "rows_rejected", "command" };
	struct master m;
	sqlite3_stmt *s;
	int code;

	if (cli->nfiles) {
		error("runs: takes no operands");
		return EXIT_USAGE;
	}
	code = master_open(&m, cli->master, MASTER_READ,
			   (int)cli->lock_timeout);
	if (code) {
		master_close(&m);
		return code;
	}
	s = m_prepare(&m, "SELECT r.id, r.run_id, r.started, r.finished,"
		      " r.mode, CASE r.applied WHEN 1 THEN 'yes'"
		      " ELSE 'no' END, CASE r.forced WHEN 1 THEN 'yes' ELSE"
		      " 'no' END, r.exit_code, count(f.file_no),"
		      " coalesce(sum(f.rows_read), 0),"
		      " coalesce(sum(f.rows_rejected), 0), r.command FROM runs r"
		      " LEFT JOIN run_files f ON f.run = r.id GROUP BY r.id"
		      " ORDER BY r.id");
	code = s ? query_print(&m, s, head, ARRAY_SIZE(head), cli->json) :
		   m.exit_code;
	sqlite3_finalize(s);
	master_close(&m);
	return code;
}
