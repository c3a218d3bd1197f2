/* record.c -- a record made from a reader's buffered values.  See record.h.
 *
 * Both readers end a row the same way, whatever the format: the values
 * they buffered become a record here, trimmed, before the sink sees it.
 */
#include <string.h>

#include "csprecon/record.h"
#include "csprecon/run.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

void record_init(struct record *rec, struct source *src, uint64_t line,
		 const char *buf, const size_t *off, const size_t *len,
		 const unsigned char *have, const unsigned char *cut)
{
	const struct entity_def *d = &entity_defs[src->entity];
	size_t i;

	memset(rec, 0, sizeof(*rec));
	rec->entity = src->entity;
	rec->src = src;
	rec->line = line;
	for (i = 0; i < d->ncols; i++) {
		const char *v = "";
		size_t n = 0;

		if (have[i]) {
			v = buf + off[i];
			n = len[i];
			trim(&v, &n);
			rec->present[i] = 1;
			rec->cut[i] = cut ? cut[i] : 0;
		}
		rec->raw[i] = v;
		rec->raw_len[i] = n;
	}
}
