/* reconcile.c -- staging, classification and apply.  See reconcile.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csprecon/findings.h"
#include "csprecon/pipe.h"
#include "csprecon/reconcile.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

/* The master's rows of one entity, by a 128-bit hash of their key: so
 * that a nightly run stages only what differs from the master.  About 40
 * bytes a row.  Entry i is the i-th row of map_sql()'s scan, so that
 * retirement walks the master again in step with the entries instead of
 * looking each row's key up. */
#define MM_SEEN 1u       /* the key is in the batch */
#define MM_RETIRED 2u    /* the master row is retired */
#define MM_UNCHANGED 4u  /* counted unchanged, not staged */
#define MM_NOKEY 8u      /* holds a place in the walk only; not indexed */

struct mm_entry {
	uint64_t h1, h2;     /* key hash */
	uint64_t row_hash;   /* the master row's */
	uint32_t flags;
};

struct mastermap {
	struct mm_entry *e;  /* n entries */
	uint32_t n, alloc;
	uint32_t *index;     /* 1 + entry number, 0 empty */
	uint32_t mask;
	uint64_t unseen;     /* live rows whose key the batch has not had */
};

struct stage {
	struct master *m;
	int lean;            /* only the columns the rules read */
	struct mastermap *mm[ENTITY_COUNT]; /* or NULL: stage every row */
	uint64_t unchanged[ENTITY_COUNT];   /* rows found unchanged by mm */
	unsigned indexed;    /* entities whose stage has its key index */
	struct pipe feed;    /* to the stage thread, while feeding */
	int feeding;
	int feed_failed;     /* a write failed on the stage thread */
	sqlite3_stmt *ins[ENTITY_COUNT];
	sqlite3_stmt *rej[ENTITY_COUNT];
	sqlite3_stmt *drop[ENTITY_COUNT];
	sqlite3_stmt *keep;
	sqlite3_stmt *file;
};

/* SQL text is built from the column tables only: identifiers of our own
 * static tables, never data; values are always bound. */

/* "p.c1, p.c2, ..." for every column (prefix p may be ""). */
static void col_list(struct strbuf *sb, enum entity e, const char *p)
{
	const struct entity_def *d = &entity_defs[e];
	size_t i;

	for (i = 0; i < d->ncols; i++)
		strbuf_addf(sb, "%s%s%s", i ? ", " : "", p, d->cols[i].name);
}

/* "m.k1 = s.k1 AND m.k2 = s.k2" */
static void key_join(struct strbuf *sb, enum entity e, const char *a,
		     const char *b)
{
	const struct entity_def *d = &entity_defs[e];
	size_t k;

	for (k = 0; k < d->nkey; k++)
		strbuf_addf(sb, "%s%s.%s = %s.%s", k ? " AND " : "", a,
			    d->cols[d->key[k]].name, b, d->cols[d->key[k]].name);
}

/* The key text of a master row, as the stage writes it. */
static void key_expr(struct strbuf *sb, enum entity e, const char *a)
{
	const struct entity_def *d = &entity_defs[e];

	if (d->nkey == 1)
		strbuf_addf(sb, "%s.%s", a, d->cols[d->key[0]].name);
	else
		strbuf_addf(sb, "%s.%s || '+' || %s.%s", a,
			    d->cols[d->key[0]].name, a, d->cols[d->key[1]].name);
}

/* "a.k1, a.k2": the key columns, in the order of the master's primary
 * key. */
static void key_order(struct strbuf *sb, enum entity e, const char *a)
{
	const struct entity_def *d = &entity_defs[e];
	size_t k;

	for (k = 0; k < d->nkey; k++)
		strbuf_addf(sb, "%s%s.%s", k ? ", " : "", a,
			    d->cols[d->key[k]].name);
}

/* Create temp.P_<entity>(key, file_no, line, EXTRA, columns...) and
 * return the statement that appends a row to it, binding in that order. */
static sqlite3_stmt *stage_table(struct master *m, struct strbuf *sb,
				 enum entity e, const char *prefix,
				 const char *extra)
{
	const char *t = entity_defs[e].name;
	size_t i;

	strbuf_reset(sb);
	strbuf_addf(sb, "CREATE TABLE temp.%s_%s(key TEXT, file_no INTEGER,"
		    " line INTEGER, %s INTEGER, ", prefix, t, extra);
	col_list(sb, e, "");
	strbuf_addstr(sb, ")");
	m_exec(m, sb->buf);
	strbuf_reset(sb);
	strbuf_addf(sb, "INSERT INTO temp.%s_%s(key, file_no, line, %s, ",
		    prefix, t, extra);
	col_list(sb, e, "");
	strbuf_addstr(sb, ") VALUES (?, ?, ?, ?");
	for (i = 0; i < entity_defs[e].ncols; i++)
		strbuf_addstr(sb, ", ?");
	strbuf_addstr(sb, ")");
	return m_prepare(m, sb->buf);
}

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

static void mm_free(struct mastermap *mm)
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
	const struct entity_def *d = &entity_defs[e];

	strbuf_addf(sb, "SELECT m.%s, %s%s, m.row_hash, m.retired_run IS NOT"
		    " NULL FROM main.%s m ORDER BY ", d->cols[d->key[0]].name,
		    d->nkey > 1 ? "m." : "NULL",
		    d->nkey > 1 ? d->cols[d->key[1]].name : "", d->name);
	key_order(sb, e, "m");
}

/* The batch key of a master row: "k1" or "k1+k2"; its length, or -1
 * when it is longer than any batch key can be. */
static int map_key(char *key, size_t size, const char *k1, const char *k2)
{
	int n = k2 ? snprintf(key, size, "%s+%s", k1 ? k1 : "", k2) :
		     snprintf(key, size, "%s", k1 ? k1 : "");

	return n < 0 || (size_t)n >= size ? -1 : n;
}

int stage_master_map(struct stage *s, enum entity e)
{
	struct mastermap *mm;
	struct strbuf sb;
	sqlite3_stmt *st;
	char key[200];
	int rc;

	if (s->lean || s->mm[e])
		return 0;
	mm = xcalloc(1, sizeof(*mm));
	mm->mask = 1023;
	mm->index = xcalloc(mm->mask + 1, sizeof(*mm->index));
	strbuf_init(&sb);
	map_sql(&sb, e);
	st = m_prepare(s->m, sb.buf);
	strbuf_release(&sb);
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int n = map_key(key, sizeof(key),
				(const char *)sqlite3_column_text(st, 0),
				(const char *)sqlite3_column_text(st, 1));
		struct mm_entry *en;
		struct dedup_probe h = { 0, 0 };
		uint32_t *slot = NULL;

		if (mm->n == UINT32_MAX - 1) {
			m_fail(s->m, "read the master: too many rows");
			break;
		}
		if (mm->n == mm->alloc) {
			mm->alloc = mm->alloc ? mm->alloc * 2 : 1024;
			mm->e = xrealloc(mm->e, mm->alloc * sizeof(*mm->e));
		}
		en = &mm->e[mm->n++];
		if (n >= 0)
			h = key_hash(e, key);
		/* A key no batch key can equal (too long, or a second
		 * master row with the same hash) keeps its place in the
		 * walk but is never retired by the map: as seen. */
		if (n < 0 || mm_find(mm, &h, &slot)) {
			memset(en, 0, sizeof(*en));
			en->flags = MM_SEEN | MM_NOKEY;
			continue;
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
	if (st && rc != SQLITE_DONE)
		m_fail(s->m, "read the master");
	sqlite3_finalize(st);
	if (!st || s->m->failed) {
		mm_free(mm);
		return -1;
	}
	s->mm[e] = mm;
	return 0;
}

/* Note that the batch has the key hashed in *h; the map's entry, or
 * NULL. */
static struct mm_entry *mm_see_hash(struct stage *s, enum entity e,
				    const struct dedup_probe *h)
{
	struct mastermap *mm = s->mm[e];
	struct mm_entry *en;
	uint32_t *slot;

	if (!mm || !(en = mm_find(mm, h, &slot)))
		return NULL;
	if (!(en->flags & (MM_SEEN | MM_RETIRED)))
		mm->unseen--;
	en->flags |= MM_SEEN;
	return en;
}

static struct mm_entry *mm_see(struct stage *s, enum entity e,
			       const char *key)
{
	struct dedup_probe h;

	if (!s->mm[e])
		return NULL;
	h = key_hash(e, key);
	return mm_see_hash(s, e, &h);
}

void stage_prefetch(const struct stage *s, const struct record *rec)
{
	const struct mastermap *mm = s->mm[rec->entity];

	if (mm && rec->key_ok)
		__builtin_prefetch(&mm->index[(uint32_t)rec->probe.h1 &
					      mm->mask]);
}

struct stage *stage_open(struct master *m, int lean)
{
	struct stage *s = xcalloc(1, sizeof(*s));
	struct strbuf sb;
	enum entity e;

	s->m = m;
	s->lean = lean;
	m_exec(m, "CREATE TABLE temp.files(file_no INTEGER PRIMARY KEY, path TEXT);"
	       "CREATE TABLE temp.kept(entity INTEGER, key TEXT,"
	       " PRIMARY KEY (entity, key)) WITHOUT ROWID;"
	       "CREATE TABLE temp.changes(seq INTEGER PRIMARY KEY,"
	       " entity INTEGER, key TEXT, change TEXT, field TEXT, old TEXT,"
	       " new TEXT, file_no INTEGER, field_no INTEGER);"
	       /* What the apply must do, by key: 0 insert, 1 update,
		* 2 retire; k1, k2 are the key's columns. */
	       "CREATE TABLE temp.act(entity INTEGER, kind INTEGER, key TEXT,"
	       " k1 TEXT, k2 TEXT, PRIMARY KEY (entity, kind, key))"
	       " WITHOUT ROWID");
	strbuf_init(&sb);
	for (e = 0; e < ENTITY_COUNT; e++) {
		const char *t = entity_defs[e].name;

		/* Appended in file order (random-order inserts into a keyed
		 * B-tree thrash the cache); the key index is built once
		 * all files are read (stage_index), if it is needed. */
		s->ins[e] = stage_table(m, &sb, e, "s", "row_hash");
		strbuf_reset(&sb);
		strbuf_addf(&sb, "DELETE FROM temp.s_%s WHERE key = ?", t);
		s->drop[e] = m_prepare(m, sb.buf);
		/* Rejected rows: subjects of the cross-entity rules, never
		 * what a reference resolves to; a value that failed its own
		 * rule is NULL and its bit set in bad. */
		s->rej[e] = stage_table(m, &sb, e, "x", "bad");
	}
	strbuf_release(&sb);
	s->keep = m_prepare(m, "INSERT OR IGNORE INTO temp.kept(entity, key)"
			    " VALUES (?, ?)");
	s->file = m_prepare(m, "INSERT OR REPLACE INTO temp.files(file_no,"
			    " path) VALUES (?, ?)");
	/* The stage is written row by row: one transaction for all of it. */
	m_exec(m, "BEGIN");
	if (m->failed) {
		stage_close(s);
		return NULL;
	}
	return s;
}

void stage_close(struct stage *s)
{
	enum entity e;

	if (!s)
		return;
	stage_feed_end(s); /* the stage thread stops at its end event */
	for (e = 0; e < ENTITY_COUNT; e++) {
		sqlite3_finalize(s->ins[e]);
		sqlite3_finalize(s->drop[e]);
		sqlite3_finalize(s->rej[e]);
	}
	sqlite3_finalize(s->keep);
	sqlite3_finalize(s->file);
	for (e = 0; e < ENTITY_COUNT; e++)
		mm_free(s->mm[e]);
	free(s);
}

int stage_file(struct stage *s, const struct source *src)
{
	sqlite3_bind_int(s->file, 1, (int)src->no);
	sqlite3_bind_text(s->file, 2, src->path, -1, SQLITE_STATIC);
	return m_step_done(s->m, s->file);
}

int stage_lean(const struct stage *s)
{
	return s->lean;
}

static int master_empty(struct master *m, enum entity e);

/* Build the key index of entity e's stage, once. */
static int stage_key_index(struct stage *s, enum entity e)
{
	char sql[128];

	if (s->indexed & (1u << e))
		return s->m->failed ? -1 : 0;
	snprintf(sql, sizeof(sql), "CREATE UNIQUE INDEX temp.s_%s_key ON"
		 " s_%s(key)", entity_defs[e].name, entity_defs[e].name);
	s->indexed |= 1u << e;
	return m_exec(s->m, sql);
}

int stage_index(struct stage *s, unsigned entities)
{
	enum entity e;

	for (e = 0; e < ENTITY_COUNT; e++) {
		if (!(entities & (1u << e)))
			continue;
		/* Relationships into a master that has none (an initial
		 * load): every row is new; the apply sorts the stage, and
		 * changes.csv reads the master once applied (else sorts
		 * the stage).  The index is built on demand if a
		 * duplicate key drops a row after all. */
		if (e == ENTITY_RELATIONSHIPS && !s->lean &&
		    master_empty(s->m, e))
			continue;
		if (stage_key_index(s, e) < 0)
			return -1;
	}
	return s->m->failed ? -1 : 0;
}

/* Whether value i of rec goes to its stage row: not an empty one, a bad
 * one when skip_bad, or one the rules do not read in a lean stage. */
static int row_value(const struct stage *s, const struct record *rec,
		     size_t i, int skip_bad)
{
	return rec->val[i] && rec->val_len[i] && !(skip_bad && rec->bad[i]) &&
	       (!s->lean || entity_defs[rec->entity].cols[i].xref);
}

/* While a file is read, the stage is written by a thread of its own
 * (stage_feed_begin): the reading thread validates the next rows while
 * SQLite stores the last ones.  Each write is an event in a pipe:
 *   'A' or 'R' (a row of s_ or x_), u8 entity, u32 file, u64 line,
 *   u64 extra, u32 key length, the key, per column u32 length (FEED_NULL
 *   for none) and the bytes;
 *   'K' (a kept key), u8 entity, u32 key length, the key;
 *   'Z', the end.
 * Only the stage thread touches the connection until stage_feed_end(). */
#define FEED_ROW 'A'
#define FEED_REJECT 'R'
#define FEED_KEEP 'K'
#define FEED_END 'Z'
#define FEED_NULL UINT32_MAX

static int feed_failed(const struct stage *s)
{
	return __atomic_load_n(&s->feed_failed, __ATOMIC_ACQUIRE);
}

static unsigned char *feed_key(unsigned char *at, const char *key, size_t n)
{
	pipe_put32(&at, (uint32_t)n);
	memcpy(at, key, n);
	return at + n;
}

/* A record for a stage table's row (FEED_ROW or FEED_REJECT): key, file,
 * line, extra, then the values that row_value() lets through, NULL for
 * the others.  Rows are staged only while a file is read.  0 or -1. */
static int stage_row(struct stage *s, int op, const struct record *rec,
		     sqlite3_int64 extra, int skip_bad)
{
	const struct entity_def *d = &entity_defs[rec->entity];
	size_t klen = strlen(rec->key), n = 2 + 4 + 8 + 8 + 4 + klen, i;
	unsigned char *at;

	if (!s->feeding || feed_failed(s))
		return -1;
	for (i = 0; i < d->ncols; i++)
		n += 4 + (row_value(s, rec, i, skip_bad) ? rec->val_len[i] : 0);
	if (!(at = pipe_room(&s->feed, n)))
		return -1;
	*at++ = (unsigned char)op;
	*at++ = (unsigned char)rec->entity;
	pipe_put32(&at, (uint32_t)rec->src->no);
	pipe_put64(&at, rec->line);
	pipe_put64(&at, (uint64_t)extra);
	at = feed_key(at, rec->key, klen);
	for (i = 0; i < d->ncols; i++) {
		if (!row_value(s, rec, i, skip_bad)) {
			pipe_put32(&at, FEED_NULL);
			continue;
		}
		pipe_put32(&at, (uint32_t)rec->val_len[i]);
		memcpy(at, rec->val[i], rec->val_len[i]);
		at += rec->val_len[i];
	}
	return 0;
}

/* The stage thread: one block of events into SQLite; 1 at the end. */
static int feed_replay(struct stage *s, const struct pipe_block *b)
{
	const unsigned char *at = b->buf, *stop = b->buf + b->len;

	while (at < stop) {
		int op = *at++, ok;
		enum entity e;
		sqlite3_stmt *st;
		uint32_t n;
		size_t i;

		if (op == FEED_END)
			return 1;
		e = (enum entity)*at++;
		if (op == FEED_KEEP) {
			n = pipe_get32(&at);
			sqlite3_bind_int(s->keep, 1, e);
			sqlite3_bind_text(s->keep, 2, (const char *)at, (int)n,
					  SQLITE_STATIC);
			at += n;
			ok = m_step_done(s->m, s->keep);
		} else {
			st = op == FEED_ROW ? s->ins[e] : s->rej[e];
			sqlite3_bind_int(st, 2, (int)pipe_get32(&at));
			sqlite3_bind_int64(st, 3, (sqlite3_int64)pipe_get64(&at));
			sqlite3_bind_int64(st, 4, (sqlite3_int64)pipe_get64(&at));
			n = pipe_get32(&at);
			sqlite3_bind_text(st, 1, (const char *)at, (int)n,
					  SQLITE_STATIC);
			at += n;
			for (i = 0; i < entity_defs[e].ncols; i++) {
				n = pipe_get32(&at);
				if (n == FEED_NULL) {
					sqlite3_bind_null(st, (int)i + 5);
					continue;
				}
				sqlite3_bind_text(st, (int)i + 5,
						  (const char *)at, (int)n,
						  SQLITE_STATIC);
				at += n;
			}
			ok = m_step_done(s->m, st);
		}
		if (ok < 0 && !feed_failed(s))
			__atomic_store_n(&s->feed_failed, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static void *feed_main(void *arg)
{
	struct stage *s = arg;
	int end = 0;

	while (!end) {
		end = feed_replay(s, pipe_take(&s->feed));
		pipe_done(&s->feed);
	}
	return NULL;
}

int stage_feed_begin(struct stage *s)
{
	if (s->feeding)
		return 0;
	if (pipe_start(&s->feed, NULL, feed_main, s) < 0)
		return -1;
	s->feeding = 1;
	return 0;
}

int stage_feed_end(struct stage *s)
{
	unsigned char *at;

	if (!s->feeding)
		return s->m->failed ? -1 : 0;
	/* Nothing cancels this pipe but pipe_stop(): there is room. */
	at = pipe_room(&s->feed, 1);
	*at = FEED_END;
	pipe_publish(&s->feed);
	pipe_stop(&s->feed);
	s->feeding = 0;
	return s->m->failed ? -1 : 0;
}

int stage_add(struct stage *s, const struct record *rec)
{
	/* An accepted record's key parsed: rec->probe holds its hash. */
	struct mm_entry *en = mm_see_hash(s, rec->entity, &rec->probe);

	/* A live master row with the same values: nothing to stage. */
	if (en && !(en->flags & MM_RETIRED) && en->row_hash == rec->hash) {
		en->flags |= MM_UNCHANGED;
		s->unchanged[rec->entity]++;
		return 0;
	}
	return stage_row(s, FEED_ROW, rec, (sqlite3_int64)rec->hash, 0);
}

int stage_reject(struct stage *s, const struct record *rec)
{
	const struct entity_def *d = &entity_defs[rec->entity];
	sqlite3_int64 bad = 0;
	size_t i;

	for (i = 0; i < d->ncols; i++)
		if (rec->bad[i])
			bad |= (sqlite3_int64)1 << i;
	return stage_row(s, FEED_REJECT, rec, bad, 1);
}

/* Record key in temp.kept (or hand it to the stage thread). */
static int keep_key(struct stage *s, enum entity e, const char *key)
{
	size_t n = strlen(key);
	unsigned char *at;

	if (s->feeding) {
		if (feed_failed(s) || !(at = pipe_room(&s->feed, 6 + n)))
			return -1;
		*at++ = FEED_KEEP;
		*at++ = (unsigned char)e;
		feed_key(at, key, n);
		return 0;
	}
	sqlite3_bind_int(s->keep, 1, e);
	sqlite3_bind_text(s->keep, 2, key, -1, SQLITE_STATIC);
	return m_step_done(s->m, s->keep);
}

int stage_keep(struct stage *s, enum entity e, const char *key)
{
	mm_see(s, e, key);
	return keep_key(s, e, key);
}

int stage_drop(struct stage *s, enum entity e, const char *key)
{
	struct mm_entry *en = mm_see(s, e, key);

	if (en && (en->flags & MM_UNCHANGED)) {
		en->flags &= ~MM_UNCHANGED;
		s->unchanged[e]--;
	}
	if (stage_key_index(s, e) < 0)
		return -1;
	sqlite3_bind_text(s->drop[e], 1, key, -1, SQLITE_STATIC);
	if (m_step_done(s->m, s->drop[e]) < 0)
		return -1;
	return keep_key(s, e, key);
}

static int entity_in_batch(const struct run *run, enum entity e)
{
	size_t i;

	for (i = 0; i < run->nsrc; i++)
		if (run->src[i].entity == e && !run->src[i].refused)
			return 1;
	return 0;
}

/* The condition "master row m is missing from the batch". */
static void missing_cond(struct strbuf *sb, enum entity e)
{
	/* Both lookups go by the stage's primary key (the key text), so
	 * each is a B-tree search, not a scan of the stage. */
	strbuf_addf(sb, "m.retired_run IS NULL AND NOT EXISTS (SELECT 1 FROM "
		    "temp.s_%s s WHERE s.key = ", entity_defs[e].name);
	key_expr(sb, e, "m");
	strbuf_addf(sb, ") AND NOT EXISTS (SELECT 1 FROM temp.kept k WHERE "
		    "k.entity = %d AND k.key = ", (int)e);
	key_expr(sb, e, "m");
	strbuf_addstr(sb, ")");
}

/* Whether the master has no row at all of entity e. */
static int master_empty(struct master *m, enum entity e)
{
	char sql[96];
	sqlite3_stmt *s;
	int empty = 0;

	snprintf(sql, sizeof(sql), "SELECT NOT EXISTS (SELECT 1 FROM main.%s)",
		 entity_defs[e].name);
	s = m_prepare(m, sql);
	if (s && sqlite3_step(s) == SQLITE_ROW)
		empty = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return empty;
}

/* The walk below lost step with the map: it cannot happen while the run
 * reads one snapshot of the master, and nothing is retired if it does. */
static void walk_lost(struct master *m)
{
	if (!m->failed) {
		error("master '%s': internal error: the master's rows are not "
		      "those its map was read from", m->path);
		m->failed = 1;
		m->exit_code = 70;
	}
}

/* The retired rows of an entity with a map: the master is walked in the
 * map's order, and only the rows whose entry the batch never saw are
 * looked up in the stage and the kept keys (as missing_cond() does) and
 * listed in temp.act.  Each candidate's key is checked against its
 * entry's hash, so a walk out of step fails the run instead of retiring
 * the wrong rows.  The number of rows to retire. */
static uint64_t retire_by_map(struct master *m, const struct mastermap *mm,
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
	strbuf_reset(&sb);
	strbuf_addf(&sb, "INSERT INTO temp.act(entity, kind, key, k1, k2)"
		    " SELECT %d, 2, ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM"
		    " temp.s_%s s WHERE s.key = ?1) AND NOT EXISTS (SELECT 1"
		    " FROM temp.kept k WHERE k.entity = %d AND k.key = ?1)",
		    (int)e, entity_defs[e].name, (int)e);
	add = m_prepare(m, sb.buf);
	strbuf_release(&sb);
	while (walk && add && (rc = sqlite3_step(walk)) == SQLITE_ROW) {
		const char *k1 = (const char *)sqlite3_column_text(walk, 0);
		const char *k2 = (const char *)sqlite3_column_text(walk, 1);
		const struct mm_entry *en = i < mm->n ? &mm->e[i] : NULL;
		struct dedup_probe h;
		int len;

		i++;
		if (en && (en->flags & (MM_SEEN | MM_RETIRED)))
			continue;
		len = map_key(key, sizeof(key), k1, k2);
		if (!en || len < 0 ||
		    (h = key_hash(e, key), h.h1 != en->h1) || h.h2 != en->h2) {
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

/* One pass over the staged rows joined to the master: a row with no master
 * row is new, a retired one is reactivated, one whose hash differs is
 * compared field by field; only differences are written. */
static int classify_entity(struct run *run, struct master *m, enum entity e,
			   int snapshot)
{
	const struct entity_def *d = &entity_defs[e];
	const char *t = d->name;
	const struct stage *st = run->stage;
	const struct mastermap *mm = st->mm[e];
	struct strbuf sb;
	sqlite3_stmt *sel, *ins, *act;
	uint64_t *cls = run->cls[e];
	size_t i;
	int rc;

	memset(run->cls[e], 0, sizeof(run->cls[e]));
	if (master_empty(m, e)) {
		/* An initial load: every staged row is new, and nothing is
		 * retired.  The apply inserts the whole stage; changes.csv
		 * lists the new rows in key order (reconcile_each_change). */
		strbuf_init(&sb);
		strbuf_addf(&sb, "SELECT count(*) FROM temp.s_%s", t);
		sel = m_prepare(m, sb.buf);
		strbuf_release(&sb);
		if (sel && sqlite3_step(sel) == SQLITE_ROW)
			cls[CH_NEW] = (uint64_t)sqlite3_column_int64(sel, 0);
		sqlite3_finalize(sel);
		run->all_new[e] = 1;
		return m->failed ? -1 : 0;
	}
	/* Master rows after all: the lookups below go by the stage's key. */
	if (stage_key_index(run->stage, e) < 0)
		return -1;
	strbuf_init(&sb);
	strbuf_addstr(&sb, "SELECT s.key, s.file_no, s.row_hash = m.row_hash,"
		      " m.retired_run IS NOT NULL, m.row_hash IS NULL");
	for (i = 0; i < d->ncols; i++)
		strbuf_addf(&sb, ", s.%s, m.%s", d->cols[i].name,
			    d->cols[i].name);
	strbuf_addf(&sb, " FROM temp.s_%s s LEFT JOIN main.%s m ON ", t, t);
	key_join(&sb, e, "m", "s");
	/* In key order (by the stage's key index): the master's rows are
	 * then looked up in the order of its pages, not at random. */
	strbuf_addstr(&sb, " ORDER BY s.key");
	sel = m_prepare(m, sb.buf);
	ins = m_prepare(m, "INSERT INTO temp.changes(entity, key, change,"
			" field, old, new, file_no, field_no)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	act = m_prepare(m, "INSERT INTO temp.act(entity, kind, key, k1, k2)"
			" VALUES (?, ?, ?, ?, ?)");
	strbuf_release(&sb);
	if (!sel || !ins || !act) {
		sqlite3_finalize(sel);
		sqlite3_finalize(ins);
		sqlite3_finalize(act);
		return -1;
	}
	sqlite3_bind_int(ins, 1, e);
	sqlite3_bind_int(act, 1, e);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		int file_no = sqlite3_column_int(sel, 1);
		int is_new = sqlite3_column_int(sel, 4);
		int retired = sqlite3_column_int(sel, 3);
		int same = sqlite3_column_int(sel, 2);
		int changed = 0;

		if (!is_new && !retired && same) {
			cls[CH_UNCHANGED]++;
			continue;
		}
		sqlite3_bind_value(ins, 2, sqlite3_column_value(sel, 0));
		sqlite3_bind_int(ins, 7, file_no);
		/* Also a row whose hash differs but not its fields: its
		 * stored hash is brought up to date. */
		sqlite3_bind_int(act, 2, is_new ? 0 : 1);
		sqlite3_bind_value(act, 3, sqlite3_column_value(sel, 0));
		sqlite3_bind_value(act, 4, sqlite3_column_value(sel,
					   5 + 2 * (int)d->key[0]));
		if (d->nkey > 1)
			sqlite3_bind_value(act, 5, sqlite3_column_value(sel,
						   5 + 2 * (int)d->key[1]));
		else
			sqlite3_bind_null(act, 5);
		m_step_done(m, act);
		if (is_new || retired) {
			sqlite3_bind_text(ins, 3, is_new ? "new" : "reactivated",
					  -1, SQLITE_STATIC);
			sqlite3_bind_null(ins, 4);
			sqlite3_bind_null(ins, 5);
			sqlite3_bind_null(ins, 6);
			sqlite3_bind_int(ins, 8, -1);
			m_step_done(m, ins);
			cls[is_new ? CH_NEW : CH_REACTIVATED]++;
			if (is_new)
				continue;
		}
		for (i = 0; i < d->ncols; i++) {
			int si = 5 + 2 * (int)i, mi = si + 1;
			const unsigned char *sv = sqlite3_column_text(sel, si);
			const unsigned char *mv = sqlite3_column_text(sel, mi);

			if ((!sv && !mv) || (sv && mv &&
					     !strcmp((const char *)sv,
						     (const char *)mv)))
				continue;
			sqlite3_bind_text(ins, 3, "changed", -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 4, d->cols[i].name, -1,
					  SQLITE_STATIC);
			sqlite3_bind_value(ins, 5, sqlite3_column_value(sel, mi));
			sqlite3_bind_value(ins, 6, sqlite3_column_value(sel, si));
			sqlite3_bind_int(ins, 8, (int)i);
			m_step_done(m, ins);
			changed = 1;
		}
		if (!retired)
			cls[changed ? CH_CHANGED : CH_UNCHANGED]++;
	}
	if (rc != SQLITE_DONE)
		m_fail(m, "classify");
	sqlite3_finalize(sel);
	sqlite3_finalize(act);
	cls[CH_UNCHANGED] += st->unchanged[e];
	/* retired: master rows the snapshot no longer lists */
	if (!m->failed && snapshot && entity_in_batch(run, e) &&
	    (!mm || mm->unseen)) {
		strbuf_init(&sb);
		if (mm) {
			cls[CH_RETIRED] = retire_by_map(m, mm, e);
		} else {
			strbuf_addf(&sb, "INSERT INTO temp.act(entity, kind,"
				    " key, k1, k2) SELECT %d, 2, ", (int)e);
			key_expr(&sb, e, "m");
			strbuf_addf(&sb, ", m.%s, %s%s FROM main.%s m WHERE ",
				    d->cols[d->key[0]].name,
				    d->nkey > 1 ? "m." : "NULL",
				    d->nkey > 1 ? d->cols[d->key[1]].name : "",
				    t);
			missing_cond(&sb, e);
			m_exec(m, sb.buf);
			cls[CH_RETIRED] = (uint64_t)sqlite3_changes(m->db);
		}
		strbuf_reset(&sb);
		strbuf_addf(&sb, "INSERT INTO temp.changes(entity, key, change,"
			    " field_no) SELECT %d, key, 'retired', -1 FROM"
			    " temp.act WHERE entity = %d AND kind = 2",
			    (int)e, (int)e);
		m_exec(m, sb.buf);
		strbuf_release(&sb);
	}
	sqlite3_finalize(ins);
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
		" FROM temp.changes c LEFT JOIN temp.files f"
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
			key_expr(&sql, e, "m");
			strbuf_addf(&sql, ", 'new', NULL, NULL, NULL, NULL FROM"
				    " main.%s m WHERE m.created_run = ?1 ORDER"
				    " BY ", entity_defs[e].name);
			key_order(&sql, e, "m");
		} else {
			strbuf_addf(&sql, "SELECT %d, key, 'new', NULL, NULL,"
				    " NULL, NULL FROM temp.s_%s ORDER BY key",
				    (int)e, entity_defs[e].name);
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

static int ledger(struct run *run, struct master *m, const char *cmdline,
		  int apply, sqlite3_int64 *run_no)
{
	sqlite3_stmt *s;
	char t0[32], t1[32], fmt[16];
	size_t i;

	iso(&run->started, t0, sizeof(t0));
	iso(&run->finished, t1, sizeof(t1));
	s = m_prepare(m, "INSERT INTO runs(run_id, started, finished, command,"
		      " mode, applied, exit_code) VALUES (?,?,?,?,?,?,?)");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, run->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, t0, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, t1, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, cmdline, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, run->mode, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, apply);
	sqlite3_bind_int(s, 7, run->exit_code);
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
	sqlite3_bind_text(s, 8, severity_name(rule_defs[fd->rule].severity),
			  -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, fd->message, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, fd->value, -1, SQLITE_STATIC);
	return m_step_done(c->m, s);
}

/* " AND m.k1 = a.k1 [AND m.k2 = a.k2]": a master row to its act row. */
static void act_join(struct strbuf *sb, enum entity e)
{
	const struct entity_def *d = &entity_defs[e];

	strbuf_addf(sb, " m.%s = a.k1", d->cols[d->key[0]].name);
	if (d->nkey > 1)
		strbuf_addf(sb, " AND m.%s = a.k2", d->cols[d->key[1]].name);
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
 * classification listed, so a nightly run costs what it changes. */
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
		    " retired_run = NULL FROM temp.act AS a, temp.s_%s AS s"
		    " WHERE a.entity = %d AND a.kind = 1 AND s.key = a.key AND",
		    t, (int)e);
	act_join(&sb, e);
	exec_run(m, sb.buf, run_no);
	/* retired rows */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "UPDATE main.%s AS m SET retired_run = ?1,"
		    " updated_run = ?1 FROM (SELECT k1, k2 FROM temp.act WHERE"
		    " entity = %d AND kind = 2) AS a WHERE", t, (int)e);
	act_join(&sb, e);
	exec_run(m, sb.buf, run_no);
	/* new rows, in key order (appending to the primary key's B-tree) */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "INSERT INTO main.%s(", t);
	col_list(&sb, e, "");
	strbuf_addstr(&sb, ", row_hash, created_run, created_file, updated_run)"
		      " SELECT ");
	col_list(&sb, e, "s.");
	/* All new: one sort of the stage (the "+" keeps the planner off the
	 * key index, whose order would cost a random read per row). */
	if (all_new)
		strbuf_addf(&sb, ", s.row_hash, ?1, s.file_no, ?1 FROM"
			    " temp.s_%s s ORDER BY +s.key", t);
	else
		strbuf_addf(&sb, ", s.row_hash, ?1, s.file_no, ?1 FROM"
			    " temp.act a CROSS JOIN temp.s_%s s ON s.key = a.key"
			    " WHERE a.entity = %d AND a.kind = 0 ORDER BY a.key",
			    t, (int)e);
	exec_run(m, sb.buf, run_no);
	strbuf_release(&sb);
	return m->failed ? -1 : 0;
}

int reconcile_commit(struct run *run, struct master *m, const char *cmdline,
		     int apply)
{
	struct finding_copy fc;
	sqlite3_int64 run_no = 0;
	sqlite3_stmt *s;
	enum entity e;
	int rollback = 0;

	/* The stage's own transaction only made staging fast. */
	m_exec(m, "COMMIT");
	/* An initial load: with a rollback journal, the pages the master
	 * did not have are written once; WAL writes them to its log, then
	 * again at the checkpoint.  Only when no other connection has the
	 * master open; WAL again after the commit. */
	if (apply && run->all_new[ENTITY_RELATIONSHIPS])
		rollback = master_journal(m, "delete") == 1;
	if (m_begin(m) < 0)
		return -1;
	ledger(run, m, cmdline, apply, &run_no);
	for (e = 0; apply && e < ENTITY_COUNT; e++)
		apply_entity(m, e, run_no, run->all_new[e]);
	if (apply) {
		s = m_prepare(m, "INSERT INTO main.changes(run, entity, key,"
			      " change, field, old, new, file) SELECT ?1,"
			      " CASE c.entity WHEN 0 THEN 'resellers' WHEN 1"
			      " THEN 'mpn_ids' ELSE 'relationships' END, c.key,"
			      " c.change, c.field, c.old, c.new, f.path FROM"
			      " temp.changes c LEFT JOIN temp.files f ON"
			      " f.file_no = c.file_no WHERE c.change != 'new'"
			      " ORDER BY c.entity, c.key, c.field_no");
		sqlite3_bind_int64(s, 1, run_no);
		m_step_done(m, s);
		sqlite3_finalize(s);
	}
	fc.run = run;
	fc.m = m;
	fc.run_no = run_no;
	fc.s = m_prepare(m, "INSERT INTO main.findings(run, file, line, entity,"
			 " key, field, rule, severity, message, value) VALUES"
			 " (?,?,?,?,?,?,?,?,?,?)");
	if (fc.s)
		findings_each(run->findings, copy_finding, &fc);
	sqlite3_finalize(fc.s);
	if (m_commit(m) < 0) {
		m_rollback(m);
		if (rollback)
			master_journal(m, "wal");
		return -1;
	}
	if (rollback && master_journal(m, "wal") != 1)
		warning("master '%s': left with a rollback journal; the next "
			"run returns it to WAL", m->path);
	run->applied = apply;
	run->ledger_id = run_no;
	return 0;
}
