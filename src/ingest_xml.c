/* ingest_xml.c -- XML files through libxml2's streaming xmlTextReader.
 *
 * In:  a peeked input stream.  Out: records handed to the sink, or the file
 * refused with XML_INVALID.  The reader is fed only through xmlReaderForIO
 * from our own capped stream: xmlReaderForFile/ForFd would decompress gzip
 * and xz themselves, with no limit.  Options: no network, big line numbers;
 * never NOENT, DTDLOAD, DTDVALID, XINCLUDE or HUGE (in 2.9.14 HUGE turns off
 * the entity-loop protection).  A DOCTYPE refuses the file (SPEC §8), and
 * xml_init() installs an external-entity loader that refuses everything.
 * Before libxml2 sees a byte, the read callback walks the prolog (comments
 * and processing instructions, up to the root element) and stops the stream
 * at "<!DOCTYPE": the internal subset, where entity bombs and external
 * entities live, is never parsed at all, and the finding names the line
 * of the DOCTYPE itself.
 * The read callback also bounds text: libxml2 builds a whole text node in
 * memory (up to 10 MB, in time that grows faster than its length), so a
 * run of more than XML_TEXT_MAX bytes without a '<' (which cannot appear
 * raw in text) refuses the file before libxml2 has buffered it.
 * The document is validated while streaming against the embedded batch
 * XSD, whose three roots are the three entities.  libxml2's reader may go
 * on returning nodes after an error, so the first error or warning of any
 * kind ends the file: it is refused, and nothing read from it counts.
 *
 * The reader runs on a parser thread (pipe.h): each record goes to the
 * calling thread as an event, and the calling thread hands it to the sink.
 * The error state is read once the thread has ended.
 */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>

#include "csprecon/ingest.h"
#include "csprecon/pipe.h"
#include "csprecon/util.h"
#include "csprecon/xml.h"
#include "csprecon/banned.h"

#define BATCH_NS "urn:csprecon:batch:1"
#define XML_TEXT_MAX (4 * FIELD_MAX)
#define XML_TEXT_MAX_TEXT "262144"

/* A record event: tag, u64 line, u32 entity, have[] and cut[], per column
 * u32 offset and length, u32 length of the values, the values. */
#define EV_RECORD 'C'
#define EV_END 'Z'
#define RECORD_HEAD (1 + 8 + 4 + 2 * ENTITY_MAX_COLS + 8 * ENTITY_MAX_COLS + 4)
#if RECORD_HEAD + ENTITY_MAX_COLS * (FIELD_MAX + 1) > PIPE_BLOCK_SIZE
#error "a record event does not fit in a pipe block"
#endif

extern const char csprecon_batch_xsd[], csprecon_batch_xsd_end[];

static xmlSchemaPtr batch_schema;

static xmlParserInputPtr refuse_entity(const char *url, const char *id,
				       xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void quiet_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int xml_init(void)
{
	xmlSchemaParserCtxtPtr pc;

	LIBXML_TEST_VERSION
	xmlSetExternalEntityLoader(refuse_entity);
	xmlSetGenericErrorFunc(NULL, quiet_generic);
	pc = xmlSchemaNewMemParserCtxt(csprecon_batch_xsd,
				       (int)(csprecon_batch_xsd_end -
					     csprecon_batch_xsd));
	if (!pc)
		return error("cannot load the embedded batch schema");
	batch_schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (!batch_schema)
		return error("cannot parse the embedded batch schema");
	return 0;
}

void xml_release(void)
{
	if (batch_schema)
		xmlSchemaFree(batch_schema);
	batch_schema = NULL;
	xmlCleanupParser();
}

/* Where the prolog walk is. */
enum prolog_state { P_OUT, P_LT, P_BANG, P_COMMENT, P_PI, P_DONE };

struct prolog {
	enum prolog_state state;
	char bang[8];          /* bytes after "<!" so far */
	size_t nbang;
	int dashes;            /* trailing '-' seen in a comment */
	int question;          /* last byte of a PI was '?' */
	long line;
	long doctype_line;     /* line of "<!DOCTYPE", or 0 */
};

/* Walk bytes of the prolog; 1 when a DOCTYPE starts, else 0. */
static int prolog_scan(struct prolog *p, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && p->state != P_DONE; i++) {
		char c = buf[i];

		if (c == '\n')
			p->line++;
		switch (p->state) {
		case P_OUT:
			if (c == '<')
				p->state = P_LT;
			break;
		case P_LT:
			p->state = c == '?' ? P_PI : c == '!' ? P_BANG : P_DONE;
			p->nbang = 0;
			p->question = 0;
			break;
		case P_BANG:
			p->bang[p->nbang++] = c;
			if (p->nbang == 2 && !memcmp(p->bang, "--", 2)) {
				p->state = P_COMMENT;
				p->dashes = 0;
			} else if (p->nbang == 7) {
				if (!memcmp(p->bang, "DOCTYPE", 7)) {
					p->doctype_line = p->line;
					return 1;
				}
				p->state = P_DONE; /* libxml2 will complain */
			} else if (memcmp(p->bang, "DOCTYPE", p->nbang) &&
				   memcmp(p->bang, "--", p->nbang < 2 ?
					  p->nbang : 2)) {
				p->state = P_DONE;
			}
			break;
		case P_COMMENT:
			if (c == '>' && p->dashes >= 2)
				p->state = P_OUT;
			p->dashes = c == '-' ? p->dashes + 1 : 0;
			break;
		case P_PI:
			if (c == '>' && p->question)
				p->state = P_OUT;
			p->question = c == '?';
			break;
		case P_DONE:
			break;
		}
	}
	return 0;
}

struct xml_state {
	struct pipe pipe;
	xmlTextReaderPtr reader;
	int ret;                    /* what the walk returned */
	enum entity entity;         /* the root element's */
	struct prolog prolog;
	uint64_t gap;               /* bytes since the last '<' */
	int text_too_long;          /* the gap passed XML_TEXT_MAX */
	long stop_line;             /* the parser's line when it stopped */
	struct run *run;
	struct source *src;
	struct peeked *pk;
	int stream_failed;          /* our read callback saw an input error */
	int failed;                 /* an XML error was seen */
	long err_line;
	char err_msg[300];
	struct strbuf rowbuf;       /* the record's values, NUL-separated */
	size_t off[ENTITY_MAX_COLS], len[ENTITY_MAX_COLS];
	unsigned char have[ENTITY_MAX_COLS], cut[ENTITY_MAX_COLS];
};

static int text_gap(struct xml_state *st, const char *buf, size_t n)
{
	const char *p = buf, *end = buf + n, *lt;

	while ((lt = memchr(p, '<', (size_t)(end - p)))) {
		st->gap += (uint64_t)(lt - p);
		if (st->gap > XML_TEXT_MAX)
			break;
		st->gap = 0;
		p = lt + 1;
	}
	if (!lt)
		st->gap += (uint64_t)(end - p);
	if (st->gap > XML_TEXT_MAX) {
		st->text_too_long = 1;
		return -1;
	}
	return 0;
}

static int read_cb(void *ctx, char *buf, int len)
{
	struct xml_state *st = ctx;
	long n = peeked_read(st->pk, buf, (size_t)len);

	if (n < 0) {
		st->stream_failed = 1;
		return -1;
	}
	if (st->prolog.state != P_DONE &&
	    prolog_scan(&st->prolog, buf, (size_t)n))
		return -1;
	if (text_gap(st, buf, (size_t)n) < 0)
		return -1;
	return (int)n;
}

static int close_cb(void *ctx)
{
	(void)ctx;
	return 0;
}

static void take_error(struct xml_state *st, const xmlError *err,
		       long fallback_line)
{
	size_t n;

	if (st->failed)
		return;
	st->failed = 1;
	st->err_line = err && err->line > 0 ? err->line : fallback_line;
	snprintf(st->err_msg, sizeof(st->err_msg), "%s",
		 err && err->message ? err->message : "XML parse error");
	n = strlen(st->err_msg);
	while (n && (st->err_msg[n - 1] == '\n' || st->err_msg[n - 1] == ' '))
		st->err_msg[--n] = '\0';
}

static void on_error(void *ctx, xmlErrorPtr err)
{
	take_error(ctx, err, 0);
}

/* The reader returned -1: some errors (a premature end of data) reach
 * only libxml2's last-error slot, not the handler. */
static int reader_failed(struct xml_state *st, xmlTextReaderPtr r)
{
	take_error(st, xmlGetLastError(), xmlTextReaderGetParserLineNumber(r));
	return -1;
}

static int fail(struct xml_state *st, long line, const char *msg)
{
	if (!st->failed) {
		st->failed = 1;
		st->err_line = line;
		snprintf(st->err_msg, sizeof(st->err_msg), "%s", msg);
	}
	return -1;
}

static long node_line(xmlTextReaderPtr r)
{
	xmlNodePtr node = xmlTextReaderCurrentNode(r);
	long line = node ? xmlGetLineNo(node) : -1;

	return line > 0 ? line : xmlTextReaderGetParserLineNumber(r);
}

/* Collect the text of the column element the reader is on. */
static int read_value(struct xml_state *st, xmlTextReaderPtr r, int col)
{
	size_t start = st->rowbuf.len;
	int rc, type;

	st->have[col] = 1;
	st->cut[col] = 0;
	if (!xmlTextReaderIsEmptyElement(r)) {
		while ((rc = xmlTextReaderRead(r)) == 1 && !st->failed) {
			type = xmlTextReaderNodeType(r);
			if (type == XML_READER_TYPE_END_ELEMENT)
				break;
			if (type == XML_READER_TYPE_TEXT ||
			    type == XML_READER_TYPE_CDATA ||
			    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
			    type == XML_READER_TYPE_WHITESPACE) {
				const char *v = (const char *)
					xmlTextReaderConstValue(r);
				size_t n = v ? strlen(v) : 0;

				if (st->rowbuf.len - start + n > FIELD_MAX) {
					n = FIELD_MAX - (st->rowbuf.len - start);
					st->cut[col] = 1;
				}
				strbuf_add(&st->rowbuf, v, n);
			} else if (type == XML_READER_TYPE_ELEMENT) {
				return fail(st, node_line(r),
					    "unexpected element inside a value");
			}
		}
		if (rc != 1 || st->failed)
			return reader_failed(st, r);
	}
	st->off[col] = start;
	st->len[col] = st->rowbuf.len - start;
	strbuf_add(&st->rowbuf, "", 1);
	return 0;
}

/* Hand the record to the calling thread; -2 once it has cancelled. */
static int emit(struct xml_state *st, uint64_t line)
{
	unsigned char *at = pipe_room(&st->pipe, RECORD_HEAD + st->rowbuf.len);
	size_t i;

	if (!at)
		return -2;
	*at++ = EV_RECORD;
	pipe_put64(&at, line);
	pipe_put32(&at, (uint32_t)st->entity);
	memcpy(at, st->have, ENTITY_MAX_COLS);
	at += ENTITY_MAX_COLS;
	memcpy(at, st->cut, ENTITY_MAX_COLS);
	at += ENTITY_MAX_COLS;
	for (i = 0; i < ENTITY_MAX_COLS; i++) {
		pipe_put32(&at, st->have[i] ? (uint32_t)st->off[i] : 0);
		pipe_put32(&at, st->have[i] ? (uint32_t)st->len[i] : 0);
	}
	pipe_put32(&at, (uint32_t)st->rowbuf.len);
	if (st->rowbuf.len)
		memcpy(at, st->rowbuf.buf, st->rowbuf.len);
	return 0;
}

/* Replay a block; 1 at the end event, -2 when the sink failed, else 0. */
static int replay(struct run *run, struct source *src,
		  const struct pipe_block *b, record_sink sink)
{
	const unsigned char *at = b->buf, *stop = b->buf + b->len;
	size_t off[ENTITY_MAX_COLS], len[ENTITY_MAX_COLS], i;
	const unsigned char *have, *cut;
	struct record rec;
	uint64_t line;

	while (at < stop) {
		if (*at++ == EV_END)
			return 1;
		line = pipe_get64(&at);
		src->entity = (enum entity)pipe_get32(&at);
		have = at;
		cut = at + ENTITY_MAX_COLS;
		at += 2 * ENTITY_MAX_COLS;
		for (i = 0; i < ENTITY_MAX_COLS; i++) {
			off[i] = pipe_get32(&at);
			len[i] = pipe_get32(&at);
		}
		i = pipe_get32(&at);
		ingest_record(&rec, src, line, (const char *)at, off, len,
			      have, cut);
		at += i;
		if (sink(run, &rec) < 0)
			return -2;
	}
	return 0;
}

static int is_name(xmlTextReaderPtr r, const char *name)
{
	const char *ln = (const char *)xmlTextReaderConstLocalName(r);
	const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r);

	return ln && ns && !strcmp(ln, name) && !strcmp(ns, BATCH_NS);
}

static int walk(struct xml_state *st, xmlTextReaderPtr r)
{
	enum entity e = ENTITY_NONE;
	uint64_t rec_line = 0;
	int rc, type, depth, col, in_record = 0, ret;

	while ((rc = xmlTextReaderRead(r)) == 1) {
		if (st->failed)
			return -1;
		type = xmlTextReaderNodeType(r);
		depth = xmlTextReaderDepth(r);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE)
			return fail(st, node_line(r), "DOCTYPE declarations are "
				    "not allowed in batch files");
		if (type == XML_READER_TYPE_ENTITY_REFERENCE)
			return fail(st, node_line(r), "entity references are "
				    "not allowed in batch files");
		if (type == XML_READER_TYPE_ELEMENT && depth == 0) {
			for (e = 0; e < ENTITY_COUNT; e++)
				if (is_name(r, entity_defs[e].xml_root))
					break;
			if (e == ENTITY_COUNT)
				return fail(st, node_line(r), "root element is "
					    "not resellers, mpnIds or "
					    "relationships in namespace "
					    BATCH_NS);
			if (st->run->opt.entity != ENTITY_NONE &&
			    st->run->opt.entity != e)
				return fail(st, node_line(r), "root element "
					    "does not match --entity");
			st->entity = e;
		} else if (type == XML_READER_TYPE_ELEMENT && depth == 1) {
			in_record = 1;
			rec_line = (uint64_t)node_line(r);
			strbuf_reset(&st->rowbuf);
			memset(st->have, 0, sizeof(st->have));
			if (xmlTextReaderIsEmptyElement(r)) {
				in_record = 0;
				if ((ret = emit(st, rec_line)))
					return ret;
			}
		} else if (type == XML_READER_TYPE_ELEMENT && depth == 2 &&
			   in_record) {
			const char *ln = (const char *)
				xmlTextReaderConstLocalName(r);

			col = ln ? column_find_xml(e, ln, strlen(ln)) : -1;
			if (col < 0)
				return fail(st, node_line(r),
					    "unknown element in a record");
			if (read_value(st, r, col) < 0)
				return -1;
		} else if (type == XML_READER_TYPE_END_ELEMENT && depth == 1) {
			in_record = 0;
			/* The validator reports a missing child at the end
			 * tag: look again before the record counts. */
			if (st->failed)
				return -1;
			if ((ret = emit(st, rec_line)))
				return ret;
		}
	}
	if (rc != 0 || st->failed || st->stream_failed)
		return reader_failed(st, r);
	if (xmlTextReaderIsValid(r) != 1)
		return fail(st, xmlTextReaderGetParserLineNumber(r),
			    "document is not valid against the batch schema");
	if (e == ENTITY_NONE)
		return fail(st, 1, "no root element");
	return 0;
}

/* The parser thread: the whole life of the reader, then the end event. */
static void *parser_main(void *arg)
{
	struct xml_state *st = arg;
	xmlTextReaderPtr r = st->reader;
	unsigned char *at;

	/* libxml2's generic error handler is per thread. */
	xmlSetGenericErrorFunc(NULL, quiet_generic);
	xmlResetLastError();
	st->ret = walk(st, r);
	st->stop_line = xmlTextReaderGetParserLineNumber(r);
	if ((at = pipe_room(&st->pipe, 1)))
		*at = EV_END;
	pipe_publish(&st->pipe);
	return NULL;
}

int ingest_xml(struct run *run, struct source *src, struct peeked *pk,
	       record_sink sink)
{
	struct xml_state st;
	xmlTextReaderPtr r;
	int ret, done = 0;

	memset(&st, 0, sizeof(st));
	st.prolog.line = 1;
	st.run = run;
	st.src = src;
	st.pk = pk;
	st.entity = ENTITY_NONE;
	src->entity = run->opt.entity;
	strbuf_init(&st.rowbuf, ENTITY_MAX_COLS * (FIELD_MAX + 1));
	r = xmlReaderForIO(read_cb, close_cb, &st, src->path, NULL,
			   XML_PARSE_NONET | XML_PARSE_BIG_LINES |
			   XML_PARSE_NOWARNING);
	if (!r) {
		strbuf_release(&st.rowbuf);
		return error("cannot start the XML reader");
	}
	xmlTextReaderSetStructuredErrorHandler(r, on_error, &st);
	if (xmlTextReaderSetSchema(r, batch_schema) != 0) {
		xmlFreeTextReader(r);
		strbuf_release(&st.rowbuf);
		return error("cannot attach the batch schema");
	}
	st.reader = r;
	if (pipe_start(&st.pipe, pk->in, parser_main, &st) < 0) {
		xmlFreeTextReader(r);
		strbuf_release(&st.rowbuf);
		return -2;
	}
	while (!done) {
		done = replay(run, src, pipe_take(&st.pipe), sink);
		pipe_done(&st.pipe);
	}
	pipe_stop(&st.pipe);
	ret = done < 0 ? -2 : st.ret;
	if (st.entity != ENTITY_NONE)
		src->entity = st.entity;
	xmlFreeTextReader(r);
	strbuf_release(&st.rowbuf);
	if (ret == -2)
		return -2;
	if (st.stream_failed)
		return ingest_stream_failed(run, src, pk->in);
	if (st.text_too_long) {
		st.failed = 0;
		fail(&st, st.stop_line, "more than " XML_TEXT_MAX_TEXT " bytes "
		     "of text without markup: a value far over the "
		     FIELD_MAX_TEXT "-byte limit");
		ret = -1;
	}
	if (st.prolog.doctype_line) {
		st.failed = 0;
		fail(&st, st.prolog.doctype_line, "DOCTYPE declarations are "
		     "not allowed in batch files");
		ret = -1;
	}
	if (ret < 0) {
		run_refuse(run, src, 65, "line %ld: %s", st.err_line,
			   st.err_msg);
		run_finding(run, src, st.err_line > 0 ? (uint64_t)st.err_line : 0,
			    NULL, -1, RULE_XML_INVALID, NULL, 0, "%s; file "
			    "refused", st.err_msg);
		return -1;
	}
	return 0;
}
