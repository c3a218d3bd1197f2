/* ingest.c -- format detection and the peeked stream.  See ingest.h. */
#include <string.h>

#include "csprecon/ingest.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

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

void ingest_peek(struct input *in, struct head *h)
{
	ssize_t n;

	/* Fill the look-ahead as far as the file allows. */
	h->len = 0;
	h->failed = 0;
	while (h->len < sizeof(h->buf)) {
		n = input_read(in, h->buf + h->len, sizeof(h->buf) - h->len);
		if (n < 0) {
			h->failed = 1;
			return;
		}
		if (n == 0)
			break;
		h->len += (size_t)n;
	}
}

/* Where the first markup or text of the look-ahead starts: after a BOM and
 * white space. */
static size_t head_start(const struct head *h)
{
	size_t i = 0;

	if (h->len >= 3 && !memcmp(h->buf, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < h->len && (h->buf[i] == ' ' || h->buf[i] == '\t' ||
			      h->buf[i] == '\r' || h->buf[i] == '\n'))
		i++;
	return i;
}

/* The entity of an XML document's root element, when the look-ahead shows
 * it: the first start tag after the prolog's declarations and comments. */
static enum entity xml_root_entity(const unsigned char *s, size_t len)
{
	size_t i = 0, j;
	enum entity e;

	for (;;) {
		const unsigned char *lt = memchr(s + i, '<', len - i);

		if (!lt || (size_t)(lt - s) + 1 >= len)
			return ENTITY_NONE;
		i = (size_t)(lt - s) + 1;
		if (s[i] != '?' && s[i] != '!')
			break;
	}
	for (j = i; j < len && s[j] != '>' && s[j] != '/' && s[j] != ' ' &&
		    s[j] != '\t' && s[j] != '\r' && s[j] != '\n'; j++)
		if (s[j] == ':')
			i = j + 1; /* the local name counts */
	if (j == len)
		return ENTITY_NONE;
	for (e = 0; e < ENTITY_COUNT; e++)
		if (strlen(entity_defs[e].xml_root) == j - i &&
		    !memcmp(entity_defs[e].xml_root, s + i, j - i))
			return e;
	return ENTITY_NONE;
}

enum entity ingest_guess(const struct run *run, const struct head *h)
{
	size_t i;

	if (run->opt.entity != ENTITY_NONE)
		return run->opt.entity;
	if (h->failed)
		return ENTITY_NONE;
	i = head_start(h);
	if (i < h->len && h->buf[i] == '<')
		return xml_root_entity(h->buf + i, h->len - i);
	return csv_head_entity(h->buf, h->len);
}

int ingest_file(struct run *run, struct source *src, struct input *in,
		struct head *h, record_sink sink)
{
	struct peeked p;
	size_t i;
	int ret, xml;

	if (h->failed)
		return ingest_stream_failed(run, src, in);
	src->gzip = in->gzip;
	i = head_start(h);
	p.in = in;
	p.head = h->buf;
	p.head_len = h->len;
	p.max_read = run->opt.read_chunk;
	xml = i < h->len && h->buf[i] == '<';
	/* A gzip file is inflated, and an XML file read and hashed, on a
	 * thread of its own while the parser thread parses. */
	if ((in->gzip || xml) && input_readahead(in, run->opt.read_chunk) < 0)
		return -2;
	if (xml) {
		src->format = "xml";
		ret = ingest_xml(run, src, &p, sink);
	} else {
		src->format = "csv";
		ret = ingest_csv(run, src, &p, sink);
	}
	input_readahead_stop(in);
	if (ret == 0) {
		src->size = in->raw_bytes;
		memcpy(src->sha256, in->sha256, sizeof(src->sha256));
	}
	return ret;
}
