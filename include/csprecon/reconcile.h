/* reconcile.h -- classify a batch against the master and apply it (§4).
 *
 * The stage is the master connection's temp schema: a private temporary
 * database that stays writable on a read-only connection, so a dry run can
 * stage while the master is opened read-only.  While files are read, every
 * accepted row goes to temp.s_<entity> (the first of identical duplicates wins) and the key of
 * every rejected row whose key parsed goes to temp.kept, so that a row
 * present but invalid in tonight's snapshot is kept as it is rather than
 * retired.  Keys found to be DUPLICATE_KEY are dropped from the stage.
 *
 * reconcile_classify() then writes the change list to temp.changes (new,
 * changed with one line per field, reactivated, retired) with set-based
 * SQL, never one query per input row, and counts the classes into the run.
 * reconcile_apply() commits the staged rows and the change list to the
 * master.  SQL text is built only from the static column tables; every
 * value is bound.
 */
#ifndef CSPRECON_RECONCILE_H
#define CSPRECON_RECONCILE_H

#include "csprecon/master.h"
#include "csprecon/run.h"

/* lean: stage only the key and the columns the cross-entity rules read
 * (enough for check, which never writes the master). */
struct stage *stage_open(struct master *m, int lean);
void stage_close(struct stage *s);

/* Note the file a source number stands for. */
int stage_file(struct stage *s, const struct source *src);
/* Around the reading of one file: the stage is written by a thread of its
 * own, and nothing else may use the master's connection until
 * stage_feed_end(), which waits for the last write.  0, or -1 when the
 * thread could not start or a write failed (printed; the master's exit
 * code says which). */
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
/* Index the staged rows of the entities in the bit set (bit e for entity
 * e) by key, once every file of them is read; 0 or -1. */
int stage_index(struct stage *s, unsigned entities);
/* Read the master's keys and row hashes of entity e, so that from now on
 * an accepted row the master holds unchanged is counted, not staged
 * (reconcile only); 0 or -1. */
int stage_master_map(struct stage *s, enum entity e);
/* A stage of only what the cross-entity rules read (check): the
 * relationships judged as they are read need no row in it. */
int stage_lean(const struct stage *s);
/* A rejected record, judged by the cross-entity rules like the others but
 * never resolving a reference. */
int stage_reject(struct stage *s, const struct record *rec);
/* The key of a rejected record, kept from retirement. */
int stage_keep(struct stage *s, enum entity e, const char *key);
/* A DUPLICATE_KEY key: not staged, kept from retirement. */
int stage_drop(struct stage *s, enum entity e, const char *key);

/* Classify; snapshot != 0 retires master rows missing from an entity that
 * the batch has files for.  0 or -1. */
int reconcile_classify(struct run *run, struct master *m, int snapshot);

/* Call cb for each staged change in report order; non-zero stops. */
struct change {
	const char *entity, *key, *change, *field, *old, *new_, *file;
};
int reconcile_each_change(struct run *run,
			  int (*cb)(const struct change *c, void *ctx),
			  void *ctx);

/* Commit the run: ledger, files, rows, history and findings, in one
 * transaction when apply is set; with apply unset only the ledger, files
 * and findings (a recorded dry run).  Returns 0 or -1 (rolled back). */
int reconcile_commit(struct run *run, struct master *m, const char *cmdline,
		     int apply);

#endif
