/* ingest.c -- the look-ahead, format detection and the choice of reader.
 * See ingest.h. */
#include <string.h>

#include "csprecon/ingest.h"
#include "csprecon/ingest_csv.h"
#include "csprecon/ingest_xml.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

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

enum ingest_result ingest_file(struct run *run, struct source *src,
			       struct input *in, struct head *h,
			       record_sink sink)
{
	struct peeked p;
	enum ingest_result ret;
	size_t i;
	int xml;

	src->gzip = in->gzip;
	i = head_start(h);
	xml = i < h->len && h->buf[i] == '<';
	/* A stream that failed after some bytes is still named by them. */
	if (h->len || !h->failed)
		src->format = xml ? "xml" : "csv";
	if (h->failed) {
		run_refuse_input(run, src, in);
		return INGEST_REFUSED;
	}
	p.in = in;
	p.head = h->buf;
	p.head_len = h->len;
	p.max_read = run->opt.read_chunk;
	/* A gzip file is inflated, and an XML file read and hashed, on a
	 * thread of its own while the parser thread parses. */
	if ((in->gzip || xml) && input_readahead(in, run->opt.read_chunk) < 0)
		return INGEST_FAILED;
	if (xml)
		ret = ingest_xml(run, src, &p, sink);
	else
		ret = ingest_csv(run, src, &p, sink);
	input_readahead_stop(in);
	if (ret == INGEST_OK) {
		src->size = in->raw_bytes;
		memcpy(src->sha256, in->sha256, sizeof(src->sha256));
	}
	return ret;
}
