/* stage.c -- the stage and its writer thread.  See stage.h.
 *
 * Rows reach SQLite through a pipe (pipe.h) to a thread of the stage's
 * own while a file is read: the reading thread validates the next rows
 * while SQLite stores the last ones.  Before and after a file the stage
 * writes on the caller's thread.  The stage holds the prepared statements
 * and the master maps (mastermap.h) it owns; the temp tables belong to the
 * master's connection.  A failed write on the stage thread is noted
 * (feed_failed) and makes every later row fail; the statement's error
 * itself is printed by the m_* helpers (master.h).
 */
#include <stdlib.h>
#include <string.h>

#include "csprecon/mastermap.h"
#include "csprecon/pipe.h"
#include "csprecon/sql.h"
#include "csprecon/stage.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

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

/* Create table PREFIX<entity>(key, file_no, line, EXTRA, columns...) and
 * return the statement that appends a row to it, binding in that order. */
static sqlite3_stmt *stage_table(struct master *m, struct strbuf *sb,
				 enum entity e, const char *prefix,
				 const char *extra)
{
	const char *t = entity_defs[e].name;
	size_t i;

	strbuf_reset(sb);
	strbuf_addf(sb, "CREATE TABLE %s%s(key TEXT, file_no INTEGER,"
		    " line INTEGER, %s INTEGER, ", prefix, t, extra);
	sql_col_list(sb, e, "");
	strbuf_addstr(sb, ")");
	m_exec(m, sb->buf);
	strbuf_reset(sb);
	strbuf_addf(sb, "INSERT INTO %s%s(key, file_no, line, %s, ", prefix,
		    t, extra);
	sql_col_list(sb, e, "");
	strbuf_addstr(sb, ") VALUES (?, ?, ?, ?");
	for (i = 0; i < entity_defs[e].ncols; i++)
		strbuf_addstr(sb, ", ?");
	strbuf_addstr(sb, ")");
	return m_prepare(m, sb->buf);
}

struct stage *stage_open(struct master *m, int lean)
{
	struct stage *s = xcalloc(1, sizeof(*s));
	struct strbuf sb;
	enum entity e;

	s->m = m;
	s->lean = lean;
	m_exec(m, STAGE_SCHEMA_SQL);
	strbuf_init(&sb);
	for (e = 0; e < ENTITY_COUNT; e++) {
		/* Appended in file order (random-order inserts into a keyed
		 * B-tree thrash the cache); the key index is built once
		 * all files are read (stage_index), if it is needed. */
		s->ins[e] = stage_table(m, &sb, e, STAGE_ROWS(""), "row_hash");
		strbuf_reset(&sb);
		strbuf_addf(&sb, "DELETE FROM " STAGE_ROWS("%s")
			    " WHERE key = ?", entity_defs[e].name);
		s->drop[e] = m_prepare(m, sb.buf);
		/* Rejected rows: subjects of the cross-entity rules, never
		 * what a reference resolves to. */
		s->rej[e] = stage_table(m, &sb, e, STAGE_REJECTED(""), "bad");
	}
	strbuf_release(&sb);
	s->keep = m_prepare(m, "INSERT OR IGNORE INTO " STAGE_KEPT "(entity,"
			    " key) VALUES (?, ?)");
	s->file = m_prepare(m, "INSERT OR REPLACE INTO " STAGE_FILES "(file_no,"
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

int stage_key_index(struct stage *s, enum entity e)
{
	struct strbuf sql;
	int ret;

	if (s->indexed & (1u << e))
		return s->m->failed ? -1 : 0;
	strbuf_init(&sql);
	strbuf_addf(&sql, "CREATE UNIQUE INDEX " STAGE_ROWS("%s") "_key ON "
		    STAGE_ROWS_NAME("%s") "(key)", entity_defs[e].name,
		    entity_defs[e].name);
	s->indexed |= 1u << e;
	ret = m_exec(s->m, sql.buf);
	strbuf_release(&sql);
	return ret;
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
		    sql_master_empty(s->m, e))
			continue;
		if (stage_key_index(s, e) < 0)
			return -1;
	}
	return s->m->failed ? -1 : 0;
}

int stage_master_map(struct stage *s, enum entity e)
{
	if (s->lean || s->mm[e])
		return 0;
	s->mm[e] = mm_read(s->m, e);
	return s->mm[e] ? 0 : -1;
}

const struct mastermap *stage_map(const struct stage *s, enum entity e)
{
	return s->mm[e];
}

uint64_t stage_unchanged(const struct stage *s, enum entity e)
{
	return s->unchanged[e];
}

/* Note that the batch has key: its map entry, or NULL. */
static struct mm_entry *see_key(struct stage *s, enum entity e,
				const char *key)
{
	struct dedup_probe h;

	if (!s->mm[e])
		return NULL;
	dedup_key_hash(e, key, &h);
	return mm_see(s->mm[e], &h);
}

void stage_prefetch(const struct stage *s, const struct record *rec)
{
	const struct mastermap *mm = s->mm[rec->entity];

	if (mm && rec->key_ok)
		mm_prefetch(mm, &rec->probe);
}

/* Whether value i of rec goes to its stage row: not an empty one, a bad
 * one when skip_bad, or one the rules do not read in a lean stage (but a
 * reseller's, whose name and contact by-reseller.csv shows: resellers are
 * few). */
static int row_value(const struct stage *s, const struct record *rec,
		     size_t i, int skip_bad)
{
	return rec->val[i] && rec->val_len[i] && !(skip_bad && rec->bad[i]) &&
	       (!s->lean || rec->entity == ENTITY_RESELLERS ||
		entity_defs[rec->entity].cols[i].xref);
}

/* While a file is read, the stage is written by a thread of its own
 * (stage_feed_begin).  Each write is an event in a pipe:
 *   'A' or 'R' (a row of STAGE_ROWS or STAGE_REJECTED), u8 entity,
 *   u32 file, u64 line, u64 extra, u32 key length, the key, per column
 *   u32 length (FEED_NULL for none) and the bytes;
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

/* The stage thread: a FEED_ROW or FEED_REJECT event at *at into its
 * table; 0 or -1. */
static int replay_row(struct stage *s, int op, enum entity e,
		      const unsigned char **at)
{
	sqlite3_stmt *st = op == FEED_ROW ? s->ins[e] : s->rej[e];
	uint32_t n;
	size_t i;

	sqlite3_bind_int(st, 2, (int)pipe_get32(at));
	sqlite3_bind_int64(st, 3, (sqlite3_int64)pipe_get64(at));
	sqlite3_bind_int64(st, 4, (sqlite3_int64)pipe_get64(at));
	n = pipe_get32(at);
	sqlite3_bind_text(st, 1, (const char *)*at, (int)n, SQLITE_STATIC);
	*at += n;
	for (i = 0; i < entity_defs[e].ncols; i++) {
		n = pipe_get32(at);
		if (n == FEED_NULL) {
			sqlite3_bind_null(st, (int)i + 5);
			continue;
		}
		sqlite3_bind_text(st, (int)i + 5, (const char *)*at, (int)n,
				  SQLITE_STATIC);
		*at += n;
	}
	return m_step_done(s->m, st);
}

/* The stage thread: one block of events into SQLite; 1 at the end. */
static int feed_replay(struct stage *s, const struct pipe_block *b)
{
	const unsigned char *at = b->buf, *stop = b->buf + b->len;

	while (at < stop) {
		int op = *at++, ok;
		enum entity e;
		uint32_t n;

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
			ok = replay_row(s, op, e, &at);
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
	struct mm_entry *en = s->mm[rec->entity] ?
			      mm_see(s->mm[rec->entity], &rec->probe) : NULL;

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

/* Record key in STAGE_KEPT (or hand it to the stage thread). */
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
	see_key(s, e, key);
	return keep_key(s, e, key);
}

int stage_drop(struct stage *s, enum entity e, const char *key)
{
	struct mm_entry *en = see_key(s, e, key);

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
