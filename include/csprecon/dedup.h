/* dedup.h -- duplicate keys across a whole run (DUPLICATE_KEY/DUPLICATE_ROW).
 *
 * Every record whose key parses is noted with a 128-bit hash of its key and
 * a 64-bit hash of its normalised values.  Memory grows with the number of
 * distinct keys (about 48 bytes each) and with the number of duplicate
 * occurrences, never with the size of a value.  Only when a key is seen a
 * second time is its text kept, for the findings.  Which occurrences are
 * duplicates is known only once every file is read: dedup_finish() then
 * calls back once per occurrence of a duplicated key.
 */
#ifndef CSPRECON_DEDUP_H
#define CSPRECON_DEDUP_H

#include <stdint.h>

#include "csprecon/schema.h"

struct dedup;

/* One occurrence of a duplicated key, as handed to the callback. */
struct dedup_hit {
	enum entity entity;
	const char *key;
	int file_no;           /* where this occurrence is */
	uint64_t line;
	int rejected;          /* it already had an error-level finding */
	int xrejected;         /* a cross-entity rule rejected it */
	int identical;         /* every occurrence has the same values */
	uint64_t count;        /* how many occurrences in all */
	int first_file_no;     /* the first live occurrence (kept for a row dup) */
	uint64_t first_line;
	int is_first;          /* this is the first occurrence */
};

struct dedup *dedup_new(void);

/* A key's 128-bit hash. */
struct dedup_probe {
	uint64_t h1, h2;
};

/* Hash key (the normalised key text of entity e) into *p. */
void dedup_key_hash(enum entity e, const char *key, struct dedup_probe *p);

/* The same, and start fetching the table's slot for it, so that the work
 * done before dedup_add() hides the cache miss. */
void dedup_probe(const struct dedup *d, enum entity e, const char *key,
		 struct dedup_probe *p);

/* Note one record, whose key dedup_probe() hashed into *p; content hashes
 * the normalised values.  Returns 1 when the key is new to the run, 0 when
 * it was seen before. */
int dedup_add(struct dedup *d, const struct dedup_probe *p, enum entity e,
	      const char *key, uint64_t content, int file_no, uint64_t line,
	      int rejected);

/* Mark the occurrence of the last dedup_add as rejected by a cross-entity
 * rule (its row count already says so). */
void dedup_xreject_last(struct dedup *d);

/* Call cb for every occurrence of every duplicated key of the entities in
 * the bit set entities (bit e for entity e), in the order keys were first
 * duplicated; stops at and returns a non-zero cb value.
 * Occurrences in files for which skip[file_no] is non-zero (refused files)
 * are left out, and a key left with one occurrence is no duplicate. */
int dedup_finish(struct dedup *d, unsigned entities, const unsigned char *skip,
		 int (*cb)(const struct dedup_hit *hit, void *ctx), void *ctx);

/* Distinct keys noted so far. */
uint64_t dedup_keys(const struct dedup *d);

void dedup_free(struct dedup *d);

#endif
