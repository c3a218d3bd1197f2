/* stage.h -- the stage: tonight's rows, in the master connection's temp
 * schema, and the one declaration of that schema.
 *
 * The temp schema is a private temporary database that stays writable on
 * a read-only connection, so a dry run can stage while the master is
 * opened read-only.  While files are read, every accepted row goes to its
 * entity's STAGE_ROWS table (the first of identical duplicates wins) and
 * every rejected row to STAGE_REJECTED, with its key in STAGE_KEPT when it
 * parsed, so that a row present but invalid in tonight's snapshot is kept
 * as it is rather than retired.  Keys found to be DUPLICATE_KEY are
 * dropped from the stage and kept.  With the master's map of an entity
 * (stage_master_map()), an accepted row the master holds unchanged is
 * counted, not staged.
 *
 * The rows are written by a thread of the stage's own while a file is
 * read (stage_feed_begin() .. stage_feed_end()); only that thread uses the
 * master's connection in between.  Functions return 0 or -1 (a database
 * error, printed; the master's exit code says which).  The stage owns
 * what stage_open() allocates; stage_close() frees it.
 */
#ifndef CSPRECON_STAGE_H
#define CSPRECON_STAGE_H

#include <stdint.h>

#include "csprecon/master.h"
#include "csprecon/run.h"

/* The temp schema.  stage_open() creates it; classification, the apply
 * (reconcile.c, ledger.c) and the cross-entity rules (crossref.c) read and
 * write it by these names.  An audit opens an empty stage only so that
 * the names exist.
 *
 * STAGE_FILES: file_no -> path of the run's files.
 * STAGE_KEPT: (entity, key) of a row rejected or dropped tonight, which
 *   snapshot mode must not retire.
 * STAGE_CHANGES: the change list classification writes: change is "new",
 *   "reactivated", "retired" (field_no -1) or "changed" (a row per field,
 *   field_no its column); file_no is the staged row's file.
 * STAGE_ACT: what the apply must do, by key: kind is an enum stage_act;
 *   k1 and k2 are the key's columns (k2 NULL for a one-column key).
 * STAGE_ROWS(entity name): the accepted rows, appended in file order:
 *   (key, file_no, line, row_hash, the entity's columns...); the unique
 *   index STAGE_ROWS_NAME(name) "_key" on key is built once all files are
 *   read (stage_index()).
 * STAGE_REJECTED(entity name): the rejected rows: (key, file_no, line,
 *   bad, columns...); a value that failed its own rule is NULL and bit i
 *   of bad (column i) is set.
 *
 * The entity name is a string literal, or "%s" in a format.  The _NAME
 * form is unqualified, as CREATE INDEX's ON clause wants a table. */
#define STAGE_FILES "temp.files"
#define STAGE_KEPT "temp.kept"
#define STAGE_CHANGES "temp.changes"
#define STAGE_ACT "temp.act"
#define STAGE_ROWS_NAME(ent) "s_" ent
#define STAGE_ROWS(ent) "temp." STAGE_ROWS_NAME(ent)
#define STAGE_REJECTED_NAME(ent) "x_" ent
#define STAGE_REJECTED(ent) "temp." STAGE_REJECTED_NAME(ent)

/* The tables of fixed shape; the per-entity ones are made from the column
 * tables (schema.h). */
#define STAGE_SCHEMA_SQL \
	"CREATE TABLE " STAGE_FILES "(file_no INTEGER PRIMARY KEY," \
	" path TEXT);" \
	"CREATE TABLE " STAGE_KEPT "(entity INTEGER, key TEXT," \
	" PRIMARY KEY (entity, key)) WITHOUT ROWID;" \
	"CREATE TABLE " STAGE_CHANGES "(seq INTEGER PRIMARY KEY," \
	" entity INTEGER, key TEXT, change TEXT, field TEXT, old TEXT," \
	" new TEXT, file_no INTEGER, field_no INTEGER);" \
	"CREATE TABLE " STAGE_ACT "(entity INTEGER, kind INTEGER, key TEXT," \
	" k1 TEXT, k2 TEXT, PRIMARY KEY (entity, kind, key)) WITHOUT ROWID"

enum stage_act { STAGE_ACT_INSERT, STAGE_ACT_UPDATE, STAGE_ACT_RETIRE };

struct mastermap;

/* Create the temp schema and begin the transaction that holds the stage
 * until the commit; NULL on failure (printed).  lean: stage only the key
 * and the columns the cross-entity rules read, and every column of a
 * reseller (enough for check, which never writes the master). */
struct stage *stage_open(struct master *m, int lean);
/* Stop a feed still running and free the stage; NULL does nothing.  The
 * temp tables stay with the connection. */
void stage_close(struct stage *s);

/* Note the file a source number stands for. */
int stage_file(struct stage *s, const struct source *src);
/* Around the reading of one file: the stage is written by a thread of its
 * own, and nothing else may use the master's connection until
 * stage_feed_end(), which waits for the last write.  0, or -1 when the
 * thread could not start or a write failed. */
int stage_feed_begin(struct stage *s);
int stage_feed_end(struct stage *s);
/* An accepted record whose key is new to the run (a repeat is either an
 * identical row, folded, or a DUPLICATE_KEY, dropped); 0 or -1.  Like
 * stage_reject(), only while a file is read (between stage_feed_begin()
 * and stage_feed_end()). */
int stage_add(struct stage *s, const struct record *rec);
/* Start fetching what stage_add() will look up for rec, whose key
 * validate_begin() has hashed. */
void stage_prefetch(const struct stage *s, const struct record *rec);
/* A rejected record, judged by the cross-entity rules like the others but
 * never resolving a reference. */
int stage_reject(struct stage *s, const struct record *rec);
/* The key of a rejected record, kept from retirement. */
int stage_keep(struct stage *s, enum entity e, const char *key);
/* A DUPLICATE_KEY key: not staged, kept from retirement. */
int stage_drop(struct stage *s, enum entity e, const char *key);

/* Index the staged rows of the entities in the bit set (bit e for entity
 * e) by key, once every file of them is read; relationships into a master
 * that has none are left for the apply to sort.  0 or -1. */
int stage_index(struct stage *s, unsigned entities);
/* Index entity e's staged rows by key now, whatever the master holds; a
 * no-op once done.  0 or -1. */
int stage_key_index(struct stage *s, enum entity e);

/* Read the master's keys and row hashes of entity e (mastermap.h), so
 * that from now on an accepted row the master holds unchanged is counted,
 * not staged (reconcile only; a lean stage has no map).  0 or -1. */
int stage_master_map(struct stage *s, enum entity e);
/* Entity e's map, or NULL when every row of it is staged. */
const struct mastermap *stage_map(const struct stage *s, enum entity e);
/* The accepted rows of entity e its map found unchanged (not staged). */
uint64_t stage_unchanged(const struct stage *s, enum entity e);
/* A stage of only what the cross-entity rules read (check): the
 * relationships judged as they are read need no row in it. */
int stage_lean(const struct stage *s);

#endif
