/* sql.c -- SQL text made from the column tables.  See sql.h.
 *
 * The sql_* builders append identifiers of the static entity and column
 * tables (and the numbers of their enums) to a growing buffer: they read
 * no data and cannot fail.  sql_master_empty() is the one query, which
 * the stage and classification both ask.
 */
#include "csprecon/sql.h"
#include "csprecon/banned.h"

void sql_col_list(struct strbuf *sb, enum entity e, const char *p)
{
	const struct entity_def *d = &entity_defs[e];
	size_t i;

	for (i = 0; i < d->ncols; i++)
		strbuf_addf(sb, "%s%s%s", i ? ", " : "", p, d->cols[i].name);
}

void sql_key_join(struct strbuf *sb, enum entity e, const char *a,
		  const char *b)
{
	const struct entity_def *d = &entity_defs[e];
	size_t k;

	for (k = 0; k < d->nkey; k++)
		strbuf_addf(sb, "%s%s.%s = %s.%s", k ? " AND " : "", a,
			    d->cols[d->key[k]].name, b, d->cols[d->key[k]].name);
}

void sql_key_expr(struct strbuf *sb, enum entity e, const char *a)
{
	const struct entity_def *d = &entity_defs[e];

	if (d->nkey == 1)
		strbuf_addf(sb, "%s.%s", a, d->cols[d->key[0]].name);
	else
		strbuf_addf(sb, "%s.%s || '+' || %s.%s", a,
			    d->cols[d->key[0]].name, a, d->cols[d->key[1]].name);
}

void sql_key_order(struct strbuf *sb, enum entity e, const char *a)
{
	const struct entity_def *d = &entity_defs[e];
	size_t k;

	for (k = 0; k < d->nkey; k++)
		strbuf_addf(sb, "%s%s.%s", k ? ", " : "", a,
			    d->cols[d->key[k]].name);
}

void sql_key_pair(struct strbuf *sb, enum entity e, const char *a)
{
	const struct entity_def *d = &entity_defs[e];

	strbuf_addf(sb, "%s.%s, ", a, d->cols[d->key[0]].name);
	if (d->nkey > 1)
		strbuf_addf(sb, "%s.%s", a, d->cols[d->key[1]].name);
	else
		strbuf_addstr(sb, "NULL");
}

void sql_act_join(struct strbuf *sb, enum entity e)
{
	const struct entity_def *d = &entity_defs[e];

	strbuf_addf(sb, " m.%s = a.k1", d->cols[d->key[0]].name);
	if (d->nkey > 1)
		strbuf_addf(sb, " AND m.%s = a.k2", d->cols[d->key[1]].name);
}

void sql_entity_name(struct strbuf *sb, const char *expr)
{
	enum entity e;

	strbuf_addf(sb, "CASE %s", expr);
	for (e = 0; e < ENTITY_COUNT; e++)
		strbuf_addf(sb, " WHEN %d THEN '%s'", (int)e,
			    entity_defs[e].name);
	strbuf_addstr(sb, " END");
}

int sql_master_empty(struct master *m, enum entity e)
{
	struct strbuf sql;
	sqlite3_stmt *s;
	int empty = 0;

	strbuf_init(&sql);
	strbuf_addf(&sql, "SELECT NOT EXISTS (SELECT 1 FROM main.%s)",
		    entity_defs[e].name);
	s = m_prepare(m, sql.buf);
	strbuf_release(&sql);
	if (s && sqlite3_step(s) == SQLITE_ROW)
		empty = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return empty;
}
