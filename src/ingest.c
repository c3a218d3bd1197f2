/* ingest.c -- format detection and the peeked stream.  See ingest.h. */
#include <string.h>

#include "csprecon/ingest.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

#define PEEK_SIZE 4096

long peeked_read(struct peeked *p, void *buf, size_t len)
{
	size_t n;

	if (p->max_read && len > p->max_read)
		len = p->max_read;
	if (p->head_len) {
		n = p->head_len < len ? p->head_len : len;
		memcpy(buf, p->head, n);
		p->head += n;
		p->head_len -= n;
		return (long)n;
	}
	return (long)input_read(p->in, buf, len);
}

int ingest_stream_failed(struct run *run, struct source *src,
			 struct input *in)
{
	run_refuse(run, src, input_exit_code(in), "%s", in->message);
	return -1;
}

void ingest_record(struct record *rec, struct source *src, uint64_t line,
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

int ingest_file(struct run *run, struct source *src, struct input *in,
		record_sink sink)
{
	unsigned char head[PEEK_SIZE];
	struct peeked p;
	size_t len = 0, i = 0;
	ssize_t n;
	int ret;

	/* Fill the look-ahead as far as the file allows. */
	while (len < sizeof(head)) {
		n = input_read(in, head + len, sizeof(head) - len);
		if (n < 0)
			return ingest_stream_failed(run, src, in);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	src->gzip = in->gzip;
	if (len >= 3 && !memcmp(head, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && (head[i] == ' ' || head[i] == '\t' ||
			   head[i] == '\r' || head[i] == '\n'))
		i++;
	p.in = in;
	p.head = head;
	p.head_len = len;
	p.max_read = run->opt.read_chunk;
	if (i < len && head[i] == '<') {
		src->format = "xml";
		ret = ingest_xml(run, src, &p, sink);
	} else {
		src->format = "csv";
		ret = ingest_csv(run, src, &p, sink);
	}
	if (ret == 0) {
		src->size = in->raw_bytes;
		memcpy(src->sha256, in->sha256, sizeof(src->sha256));
	}
	return ret;
}
