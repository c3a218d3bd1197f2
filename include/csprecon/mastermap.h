/* mastermap.h -- the master's rows of one entity in memory, by key hash
 * (mm_*).
 *
 * A nightly run stages only what differs from the master: mm_read() reads
 * every row's key hash (dedup.h's, so that a record brings its own along)
 * and row hash, about 40 bytes a row, and the stage looks each accepted
 * record up (mm_see()).  Entry i is the i-th row of the master's scan in
 * primary-key order, so that retirement (mm_retire()) walks the master
 * again in step with the entries instead of looking each row's key up.
 * The caller owns what mm_read() returns; mm_free() frees it.  Errors are
 * printed and make the master's connection fail (master.h).
 */
#ifndef CSPRECON_MASTERMAP_H
#define CSPRECON_MASTERMAP_H

#include <stdint.h>

#include "csprecon/dedup.h"
#include "csprecon/master.h"
#include "csprecon/schema.h"

#define MM_SEEN 1u       /* the key is in the batch */
#define MM_RETIRED 2u    /* the master row is retired */
#define MM_UNCHANGED 4u  /* counted unchanged, not staged (the stage's) */
#define MM_NOKEY 8u      /* holds a place in the walk only; not indexed */

struct mm_entry {
	uint64_t h1, h2;     /* key hash */
	uint64_t row_hash;   /* the master row's */
	uint32_t flags;      /* MM_* */
};

struct mastermap {
	struct mm_entry *e;  /* n entries */
	uint32_t n, alloc;
	uint32_t *index;     /* open addressing: 1 + entry number, 0 empty */
	uint32_t mask;       /* index size - 1 */
	uint64_t unseen;     /* live rows whose key the batch has not had */
};

/* The map of entity e's rows in the master; NULL on failure. */
struct mastermap *mm_read(struct master *m, enum entity e);
/* NULL does nothing. */
void mm_free(struct mastermap *mm);

/* Note that the batch has the key hashed in *h: its entry, or NULL when
 * the master has no such row. */
struct mm_entry *mm_see(struct mastermap *mm, const struct dedup_probe *h);

/* Start fetching the index slot mm_see() will read first for *h. */
static inline void mm_prefetch(const struct mastermap *mm,
			       const struct dedup_probe *h)
{
	__builtin_prefetch(&mm->index[(uint32_t)h->h1 & mm->mask]);
}

/* The retired rows of entity e: the master is walked in the map's order,
 * and only the rows whose entry the batch never saw are looked up in the
 * stage's rows and kept keys and listed in STAGE_ACT (stage.h) as
 * STAGE_ACT_RETIRE.  Each candidate's key is checked against its entry's
 * hash, so a walk out of step fails the run (exit 70) instead of retiring
 * the wrong rows.  The number of rows listed. */
uint64_t mm_retire(struct master *m, const struct mastermap *mm,
		   enum entity e);

#endif
