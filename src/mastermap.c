/* mastermap.c -- the master's rows of one entity in memory.  See
 * mastermap.h.
 *
 * An open-addressing table of entry numbers over the entries, which are
 * kept in the order of the master's scan; it doubles at half full.  A
 * master row whose key no batch key can equal (too long, or a second row
 * with the same hash) keeps its place in the walk but is never indexed,
 * nor retired by the map.  Memory runs out fatally (util.h); SQLite
 * errors are printed and fail the master's connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csprecon/cli.h"
#include "csprecon/mastermap.h"
#include "csprecon/sql.h"
#include "csprecon/stage.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

/* Keys are hashed as the duplicate detector hashes them, so that a record
 * brings its key's hash along (rec->probe). */
static struct dedup_probe key_hash(enum entity e, const char *key)
{
	struct dedup_probe h;

	dedup_key_hash(e, key, &h);
	return h;
}

static struct mm_entry *mm_find(struct mastermap *mm,
				const struct dedup_probe *h, uint32_t **slot)
{
	uint32_t i = (uint32_t)h->h1 & mm->mask;

	while (mm->index[i]) {
		struct mm_entry *e = &mm->e[mm->index[i] - 1];

		if (e->h1 == h->h1 && e->h2 == h->h2)
			return e;
		i = (i + 1) & mm->mask;
	}
	*slot = &mm->index[i];
	return NULL;
}

static void mm_grow(struct mastermap *mm)
{
	uint32_t size = (mm->mask + 1) * 2, i, k;

	free(mm->index);
	mm->index = xcalloc(size, sizeof(*mm->index));
	mm->mask = size - 1;
	for (i = 0; i < mm->n; i++) {
		if (mm->e[i].flags & MM_NOKEY)
			continue;
		k = (uint32_t)mm->e[i].h1 & mm->mask;
		while (mm->index[k])
			k = (k + 1) & mm->mask;
		mm->index[k] = i + 1;
	}
}

void mm_free(struct mastermap *mm)
{
	if (!mm)
		return;
	free(mm->e);
	free(mm->index);
	free(mm);
}

/* The scan of the master that fills the map, in primary-key order: key
 * columns, row hash, retired. */
static void map_sql(struct strbuf *sb, enum entity e)
{
	strbuf_addstr(sb, "SELECT ");
	sql_key_pair(sb, e, "m");
	strbuf_addf(sb, ", m.row_hash, m.retired_run IS NOT NULL FROM main.%s"
		    " m ORDER BY ", entity_defs[e].name);
	sql_key_order(sb, e, "m");
}

/* The batch key of a master row: "k1" or "k1+k2"; its length, or -1
 * when it is longer than any batch key can be. */
static int map_key(char *key, size_t size, const char *k1, const char *k2)
{
	int n = k2 ? snprintf(key, size, "%s+%s", k1 ? k1 : "", k2) :
		     snprintf(key, size, "%s", k1 ? k1 : "");

	return n < 0 || (size_t)n >= size ? -1 : n;
}

/* A new entry at the end of the map, for the scan's next row. */
static struct mm_entry *mm_append(struct mastermap *mm)
{
	if (mm->n == mm->alloc) {
		mm->alloc = mm->alloc ? mm->alloc * 2 : 1024;
		mm->e = xrealloc(mm->e, mm->alloc * sizeof(*mm->e));
	}
	return &mm->e[mm->n++];
}

/* Enter the scan's current row st in entry en (the last). */
static void mm_enter(struct mastermap *mm, struct mm_entry *en,
		     enum entity e, sqlite3_stmt *st)
{
	char key[200];
	int n = map_key(key, sizeof(key),
			(const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1));
	struct dedup_probe h = { 0, 0 };
	uint32_t *slot = NULL;

	if (n >= 0)
		h = key_hash(e, key);
	if (n < 0 || mm_find(mm, &h, &slot)) {
		memset(en, 0, sizeof(*en));
		en->flags = MM_SEEN | MM_NOKEY;
		return;
	}
	en->h1 = h.h1;
	en->h2 = h.h2;
	en->row_hash = (uint64_t)sqlite3_column_int64(st, 2);
	en->flags = sqlite3_column_int(st, 3) ? MM_RETIRED : 0;
	mm->unseen += !(en->flags & MM_RETIRED);
	*slot = mm->n;
	if (mm->n > (mm->mask + 1) / 2)
		mm_grow(mm);
}

/* Enter every row of the master's scan st; 0 or -1. */
static int mm_scan(struct mastermap *mm, struct master *m, enum entity e,
		   sqlite3_stmt *st)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (mm->n == UINT32_MAX - 1)
			return m_fail(m, "read the master: too many rows");
		mm_enter(mm, mm_append(mm), e, st);
	}
	return rc == SQLITE_DONE ? 0 : m_fail(m, "read the master");
}

struct mastermap *mm_read(struct master *m, enum entity e)
{
	struct mastermap *mm = xcalloc(1, sizeof(*mm));
	struct strbuf sb;
	sqlite3_stmt *st;
	int ret;

	mm->mask = 1023;
	mm->index = xcalloc(mm->mask + 1, sizeof(*mm->index));
	strbuf_init(&sb);
	map_sql(&sb, e);
	st = m_prepare(m, sb.buf);
	strbuf_release(&sb);
	ret = st ? mm_scan(mm, m, e, st) : -1;
	sqlite3_finalize(st);
	if (ret < 0) {
		mm_free(mm);
		return NULL;
	}
	return mm;
}

struct mm_entry *mm_see(struct mastermap *mm, const struct dedup_probe *h)
{
	struct mm_entry *en;
	uint32_t *slot;

	if (!(en = mm_find(mm, h, &slot)))
		return NULL;
	if (!(en->flags & (MM_SEEN | MM_RETIRED)))
		mm->unseen--;
	en->flags |= MM_SEEN;
	return en;
}

/* The walk below lost step with the map: it cannot happen while the run
 * reads one snapshot of the master, and nothing is retired if it does. */
static void walk_lost(struct master *m)
{
	if (!m->failed) {
		error("master '%s': internal error: the master's rows are not "
		      "those its map was read from", m->path);
		m->failed = 1;
		m->exit_code = EXIT_INTERNAL;
	}
}

/* Whether the walk's row, whose key map_key() made (len), is entry en's. */
static int in_step(const struct mm_entry *en, enum entity e, const char *key,
		   int len)
{
	struct dedup_probe h;

	if (!en || len < 0)
		return 0;
	h = key_hash(e, key);
	return h.h1 == en->h1 && h.h2 == en->h2;
}

/* The statement that lists key ?1 (columns ?2, ?3) of entity e as retired
 * unless the stage has it, as a row or a kept key. */
static sqlite3_stmt *retire_stmt(struct master *m, enum entity e)
{
	struct strbuf sb;
	sqlite3_stmt *s;

	strbuf_init(&sb);
	strbuf_addf(&sb, "INSERT INTO " STAGE_ACT "(entity, kind, key, k1, k2)"
		    " SELECT %d, %d, ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1"
		    " FROM " STAGE_ROWS("%s") " s WHERE s.key = ?1)"
		    " AND NOT EXISTS (SELECT 1 FROM " STAGE_KEPT " k"
		    " WHERE k.entity = %d AND k.key = ?1)", (int)e,
		    STAGE_ACT_RETIRE, entity_defs[e].name, (int)e);
	s = m_prepare(m, sb.buf);
	strbuf_release(&sb);
	return s;
}

uint64_t mm_retire(struct master *m, const struct mastermap *mm,
		   enum entity e)
{
	struct strbuf sb;
	sqlite3_stmt *walk, *add;
	char key[200];
	uint32_t i = 0;
	uint64_t n = 0;
	int rc;

	strbuf_init(&sb);
	map_sql(&sb, e);
	walk = m_prepare(m, sb.buf);
	strbuf_release(&sb);
	add = retire_stmt(m, e);
	while (walk && add && (rc = sqlite3_step(walk)) == SQLITE_ROW) {
		const char *k1 = (const char *)sqlite3_column_text(walk, 0);
		const char *k2 = (const char *)sqlite3_column_text(walk, 1);
		const struct mm_entry *en = i < mm->n ? &mm->e[i] : NULL;
		int len;

		i++;
		if (en && (en->flags & (MM_SEEN | MM_RETIRED)))
			continue;
		len = map_key(key, sizeof(key), k1, k2);
		if (!in_step(en, e, key, len)) {
			walk_lost(m);
			break;
		}
		sqlite3_bind_text(add, 1, key, len, SQLITE_STATIC);
		sqlite3_bind_text(add, 2, k1, -1, SQLITE_STATIC);
		if (k2)
			sqlite3_bind_text(add, 3, k2, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(add, 3);
		if (m_step_done(m, add) < 0)
			break;
		n += (uint64_t)sqlite3_changes(m->db);
	}
	if (walk && add && !m->failed && rc != SQLITE_DONE)
		m_fail(m, "read the master");
	else if (walk && add && !m->failed && i != mm->n)
		walk_lost(m);
	sqlite3_finalize(walk);
	sqlite3_finalize(add);
	return n;
}
