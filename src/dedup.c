/* dedup.c -- run-wide duplicate detection.  See dedup.h.
 *
 * Keys are identified by a 128-bit XXH3 hash seeded with the entity: two
 * distinct keys collide with probability about n^2 / 2^129, below 1e-26 for
 * ten million keys, so the key text need not be kept.  Entries live in
 * fixed blocks (no realloc copy of the whole set as it grows); an open
 * addressing index of 32-bit entry numbers finds them.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "csprecon/dedup.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

#define BLOCK_BITS 16
#define BLOCK_SIZE (1u << BLOCK_BITS)
#define REJECTED 0x80000000u  /* rejected by its own fields */
#define XREJECTED 0x40000000u /* rejected by a cross-entity rule */
#define FILE_BITS (~(REJECTED | XREJECTED))

struct entry {
	uint64_t h1, h2;     /* 128-bit key hash */
	uint64_t content;    /* hash of the first occurrence's values */
	uint64_t line;       /* first occurrence */
	uint32_t file;       /* first occurrence's file_no | REJECTED */
	uint32_t group;      /* 0, or 1 + index into groups */
};

struct group {
	char *key;
	enum entity entity;
	uint32_t entry;      /* the first occurrence */
	uint32_t first_occ;  /* 1 + index of first later occurrence */
	uint32_t last_occ;
};

struct occ {
	uint64_t line;
	uint64_t content;
	uint32_t file;       /* file_no | REJECTED */
	uint32_t next;       /* 1 + index of the next occurrence, or 0 */
};

struct dedup {
	struct entry **blocks;
	size_t nblocks;
	uint32_t nentries;
	uint32_t *index;     /* 1 + entry number, 0 empty */
	uint32_t mask;       /* index size - 1 */
	struct group *groups;
	uint32_t ngroups, agroups;
	struct occ *occs;
	uint32_t noccs, aoccs;
	uint32_t *last;      /* the file word of the last occurrence added */
};

struct dedup *dedup_new(void)
{
	struct dedup *d = xcalloc(1, sizeof(*d));

	d->mask = 1023;
	d->index = xcalloc(d->mask + 1, sizeof(*d->index));
	return d;
}

static struct entry *entry_at(const struct dedup *d, uint32_t i)
{
	return &d->blocks[i >> BLOCK_BITS][i & (BLOCK_SIZE - 1)];
}

static void index_grow(struct dedup *d)
{
	uint32_t size = (d->mask + 1) * 2, i;

	free(d->index);
	d->index = xcalloc(size, sizeof(*d->index));
	d->mask = size - 1;
	for (i = 0; i < d->nentries; i++) {
		uint32_t s = (uint32_t)entry_at(d, i)->h1 & d->mask;

		while (d->index[s])
			s = (s + 1) & d->mask;
		d->index[s] = i + 1;
	}
}

static uint32_t new_entry(struct dedup *d)
{
	uint32_t i = d->nentries;

	if ((i >> BLOCK_BITS) >= d->nblocks) {
		d->blocks = xrealloc(d->blocks,
				     (d->nblocks + 1) * sizeof(*d->blocks));
		d->blocks[d->nblocks++] =
			xmalloc(BLOCK_SIZE * sizeof(struct entry));
	}
	d->nentries++;
	return i;
}

static uint32_t add_occ(struct dedup *d, uint64_t line, uint32_t file,
		       uint64_t content)
{
	if (d->noccs == d->aoccs) {
		d->aoccs = d->aoccs ? d->aoccs * 2 : 64;
		d->occs = xrealloc(d->occs, d->aoccs * sizeof(*d->occs));
	}
	d->occs[d->noccs].line = line;
	d->occs[d->noccs].file = file;
	d->occs[d->noccs].content = content;
	d->occs[d->noccs].next = 0;
	return ++d->noccs;
}

void dedup_key_hash(enum entity e, const char *key, struct dedup_probe *p)
{
	XXH128_hash_t h = XXH3_128bits_withSeed(key, strlen(key),
						(XXH64_hash_t)e + 1);

	p->h1 = h.low64;
	p->h2 = h.high64;
}

void dedup_probe(const struct dedup *d, enum entity e, const char *key,
		 struct dedup_probe *p)
{
	dedup_key_hash(e, key, p);
	__builtin_prefetch(&d->index[(uint32_t)p->h1 & d->mask]);
}

int dedup_add(struct dedup *d, const struct dedup_probe *p, enum entity e,
	      const char *key, uint64_t content, int file_no, uint64_t line,
	      int rejected)
{
	uint32_t file = (uint32_t)file_no | (rejected ? REJECTED : 0);
	uint32_t s = (uint32_t)p->h1 & d->mask, i, o;
	struct entry *en;
	struct group *g;

	while (d->index[s]) {
		en = entry_at(d, d->index[s] - 1);
		if (en->h1 == p->h1 && en->h2 == p->h2)
			goto found;
		s = (s + 1) & d->mask;
	}
	i = new_entry(d);
	en = entry_at(d, i);
	en->h1 = p->h1;
	en->h2 = p->h2;
	en->content = content;
	en->line = line;
	en->file = file;
	en->group = 0;
	d->index[s] = i + 1;
	if (d->nentries > (d->mask + 1) / 2)
		index_grow(d);
	d->last = &en->file;
	return 1;
found:
	if (!en->group) {
		if (d->ngroups == d->agroups) {
			d->agroups = d->agroups ? d->agroups * 2 : 16;
			d->groups = xrealloc(d->groups,
					     d->agroups * sizeof(*d->groups));
		}
		g = &d->groups[d->ngroups];
		memset(g, 0, sizeof(*g));
		g->key = xstrdup(key);
		g->entity = e;
		g->entry = d->index[s] - 1;
		en->group = ++d->ngroups;
	}
	g = &d->groups[en->group - 1];
	o = add_occ(d, line, file, content);
	if (g->last_occ)
		d->occs[g->last_occ - 1].next = o;
	else
		g->first_occ = o;
	g->last_occ = o;
	d->last = &d->occs[o - 1].file;
	return 0;
}

void dedup_xreject_last(struct dedup *d)
{
	if (d->last)
		*d->last |= XREJECTED;
}

/* The occurrences of group g as one list, first occurrence included:
 * i == 0 is the first, then the later ones in order. */
struct walk {
	const struct dedup *d;
	const struct group *g;
	uint32_t o;       /* 1 + current later occurrence, or 0 */
	int at_first;
};

static int walk_next(struct walk *w, uint64_t *line, uint32_t *file,
		     uint64_t *content)
{
	const struct entry *en;

	if (w->at_first) {
		w->at_first = 0;
		w->o = w->g->first_occ;
		en = entry_at(w->d, w->g->entry);
		*line = en->line, *file = en->file, *content = en->content;
		return 1;
	}
	if (!w->o)
		return 0;
	*line = w->d->occs[w->o - 1].line;
	*file = w->d->occs[w->o - 1].file;
	*content = w->d->occs[w->o - 1].content;
	w->o = w->d->occs[w->o - 1].next;
	return 1;
}

static void walk_start(struct walk *w, const struct dedup *d,
		       const struct group *g)
{
	w->d = d;
	w->g = g;
	w->o = 0;
	w->at_first = 1;
}

int dedup_finish(struct dedup *d, unsigned entities, const unsigned char *skip,
		 int (*cb)(const struct dedup_hit *hit, void *ctx), void *ctx)
{
	uint32_t gi, file;
	uint64_t line, content, first_content = 0;
	struct walk w;
	int ret;

	for (gi = 0; gi < d->ngroups; gi++) {
		const struct group *g = &d->groups[gi];
		struct dedup_hit hit;
		int live = 0;

		if (!(entities & (1u << g->entity)))
			continue;
		memset(&hit, 0, sizeof(hit));
		hit.entity = g->entity;
		hit.key = g->key;
		hit.identical = 1;
		walk_start(&w, d, g);
		while (walk_next(&w, &line, &file, &content)) {
			if (skip && skip[file & FILE_BITS])
				continue;
			if (!live++) {
				first_content = content;
				hit.first_file_no = (int)(file & FILE_BITS);
				hit.first_line = line;
			} else if (content != first_content) {
				hit.identical = 0;
			}
		}
		if (live < 2)
			continue;
		hit.count = (uint64_t)live;
		walk_start(&w, d, g);
		live = 0;
		while (walk_next(&w, &line, &file, &content)) {
			if (skip && skip[file & FILE_BITS])
				continue;
			hit.is_first = !live++;
			hit.file_no = (int)(file & FILE_BITS);
			hit.line = line;
			hit.rejected = !!(file & REJECTED);
			hit.xrejected = !!(file & XREJECTED);
			if ((ret = cb(&hit, ctx)))
				return ret;
		}
	}
	return 0;
}

uint64_t dedup_keys(const struct dedup *d)
{
	return d->nentries;
}

void dedup_free(struct dedup *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nblocks; i++)
		free(d->blocks[i]);
	for (i = 0; i < d->ngroups; i++)
		free(d->groups[i].key);
	free(d->blocks);
	free(d->index);
	free(d->groups);
	free(d->occs);
	free(d);
}
