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
 * raw in text) refuses the file before libxml2 has buffered it.  And it
 * bounds what lies between two element tags: libxml2's reader frees a
 * comment or a processing instruction only once the next element comes,
 * at about 22 bytes of memory per byte, so more than XML_TEXT_MAX bytes
 * without an element tag refuse the file too (a comment bomb, plain or
 * gzipped, stops there).
 * The document is checked while streaming against the structure that
 * schemas/batch.xsd declares, as libxml2's XSD validator checks it: the
 * walk below hands each node to a check of ingest_xsd.c, and keeps the
 * line each node ends on as the validator counts it.
 * libxml2's reader may go on returning nodes after an error, so the first
 * error of any kind ends the file: it is refused, and nothing read from it
 * counts.  Warnings and namespace errors, which the validator never
 * counted, are left to the structure checks (on_error).
 *
 * The reader runs on a parser thread (pipe.h): each record goes to the
 * calling thread as an event, and the calling thread hands it to the sink.
 * The error state is read once the thread has ended.
 */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemastypes.h>

#include "csprecon/exit.h"
#include "csprecon/ingest_xml.h"
#include "csprecon/ingest_xsd.h"
#include "csprecon/pipe.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

#define XML_TEXT_MAX (4 * FIELD_MAX)
#define XML_TEXT_MAX_TEXT "262144"
#define NO_ENTITY_REFS "entity references are not allowed in batch files"
#define NO_DOCTYPE "DOCTYPE declarations are not allowed in batch files"

/* A record event: tag, u64 line, u32 entity, have[] and cut[], per column
 * u32 offset and length, u32 length of the values, the values. */
#define EV_RECORD 'C'
#define EV_END 'Z'
#define RECORD_HEAD (1 + 8 + 4 + 2 * ENTITY_MAX_COLS + 8 * ENTITY_MAX_COLS + 4)
_Static_assert(RECORD_HEAD + ENTITY_MAX_COLS * (FIELD_MAX + 1) <=
	       PIPE_BLOCK_SIZE, "a record event does not fit in a pipe block");

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
	LIBXML_TEST_VERSION
	xmlSetExternalEntityLoader(refuse_entity);
	xmlSetGenericErrorFunc(NULL, quiet_generic);
	/* xsi:type and xsi:nil are judged by libxml2's built-in types. */
	xmlSchemaInitTypes();
	return 0;
}

void xml_release(void)
{
	xmlCleanupParser(); /* frees the built-in types too */
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
	uint64_t tag_gap;           /* bytes since the last element tag */
	int misc;                   /* enum misc_state of element_gap() */
	int misc_run;               /* closing characters seen in a row */
	int misc_too_long;          /* tag_gap passed XML_TEXT_MAX */
	long stop_line;             /* the parser's line when it stopped */
	struct run *run;
	struct source *src;
	struct peeked *pk;
	int stream_failed;          /* our read callback saw an input error */
	struct xsd_error err;       /* the first XML error */
	struct strbuf rowbuf;       /* the record's values, NUL-separated */
	size_t off[ENTITY_MAX_COLS], len[ENTITY_MAX_COLS];
	unsigned char have[ENTITY_MAX_COLS], cut[ENTITY_MAX_COLS];
};

static int text_gap(struct xml_state *st, const char *buf, size_t n)
{
	const char *first, *last;

	/* Between the first and the last '<' of a piece no longer than the
	 * limit, every gap is shorter than the limit. */
	if (n > XML_TEXT_MAX) {
		const char *p = buf, *end = buf + n, *lt;

		while ((lt = memchr(p, '<', (size_t)(end - p)))) {
			if (st->gap + (uint64_t)(lt - p) > XML_TEXT_MAX)
				break;
			st->gap = 0;
			p = lt + 1;
		}
		st->gap += (uint64_t)(end - p);
	} else if (!(first = memchr(buf, '<', n))) {
		st->gap += n;
	} else if (st->gap + (uint64_t)(first - buf) > XML_TEXT_MAX) {
		st->gap += (uint64_t)(first - buf);
	} else {
		for (last = buf + n - 1; *last != '<'; last--)
			;
		st->gap = (uint64_t)(buf + n - last - 1);
	}
	if (st->gap > XML_TEXT_MAX) {
		st->text_too_long = 1;
		return -1;
	}
	return 0;
}

/* Where element_gap() is in the markup that is not an element tag:
 * comments, processing instructions, CDATA sections and declarations,
 * none of which ends the gap, whatever '<' they hold. */
enum misc_state {
	M_OUT,       /* text or an element tag */
	M_LT,        /* after '<' */
	M_BANG,      /* after "<!" */
	M_BANG_DASH, /* after "<!-" */
	M_COMMENT,   /* in "<!--", up to "-->" */
	M_PI,        /* in "<?", up to "?>" */
	M_CDATA,     /* in "<![", up to "]]>" */
	M_DECL       /* in another "<!", up to '>' */
};

/* In a comment, PI or CDATA section: up to its closing need times c then
 * '>', counting the run of c in st->misc_run across pieces; where the
 * scan stopped. */
static const char *misc_close(struct xml_state *st, const char *p,
			      const char *end, char c, int need)
{
	while (p < end) {
		if (*p == '>' && st->misc_run >= need) {
			st->misc = M_OUT;
			return p + 1;
		}
		if (*p == c) {
			if (st->misc_run < need)
				st->misc_run++;
			p++;
			continue;
		}
		st->misc_run = 0;
		if (!(p = memchr(p + 1, c, (size_t)(end - p - 1))))
			return end;
	}
	return end;
}

/* Where the last element tag of a piece starts (the byte after its '<'),
 * or NULL, walking the markup states. */
static const char *last_tag(struct xml_state *st, const char *p,
			    const char *end)
{
	const char *tag = NULL;

	while (p < end) {
		switch (st->misc) {
		case M_OUT:
			if (!(p = memchr(p, '<', (size_t)(end - p))))
				return tag;
			p++;
			st->misc = M_LT;
			break;
		case M_LT:
			st->misc = *p == '!' ? M_BANG : *p == '?' ? M_PI : M_OUT;
			st->misc_run = 0;
			if (st->misc == M_OUT)
				tag = p;
			else
				p++;
			break;
		case M_BANG:
			st->misc = *p == '-' ? M_BANG_DASH :
				   *p == '[' ? M_CDATA : M_DECL;
			if (st->misc != M_DECL)
				p++;
			break;
		case M_BANG_DASH:
			st->misc = *p == '-' ? M_COMMENT : M_DECL;
			if (st->misc == M_COMMENT)
				p++;
			break;
		case M_COMMENT:
			p = misc_close(st, p, end, '-', 2);
			break;
		case M_PI:
			p = misc_close(st, p, end, '?', 1);
			break;
		case M_CDATA:
			p = misc_close(st, p, end, ']', 2);
			break;
		case M_DECL:
			if (!(p = memchr(p, '>', (size_t)(end - p))))
				return tag;
			p++;
			st->misc = M_OUT;
			break;
		}
	}
	return tag;
}

static int element_gap(struct xml_state *st, const char *buf, size_t n)
{
	const char *end = buf + n, *tag = NULL;

	if (!n)
		return 0;
	/* Most pieces hold only text and element tags: with no markup of
	 * the other kinds open or starting ('!' and '?' begin them all),
	 * the last '<' but a final one is the last tag. */
	if (st->misc == M_OUT && !memchr(buf, '!', n) && !memchr(buf, '?', n)) {
		for (const char *lt = end - 1; lt > buf; lt--)
			if (lt[-1] == '<') {
				tag = lt;
				break;
			}
		if (end[-1] == '<')
			st->misc = M_LT;
	} else {
		tag = last_tag(st, buf, end);
	}
	if (tag)
		st->tag_gap = (uint64_t)(end - tag);
	else
		st->tag_gap += n;
	if (st->tag_gap > XML_TEXT_MAX) {
		st->misc_too_long = 1;
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
	if (text_gap(st, buf, (size_t)n) < 0 ||
	    element_gap(st, buf, (size_t)n) < 0)
		return -1;
	return (int)n;
}

static int close_cb(void *ctx)
{
	(void)ctx;
	return 0;
}

/* libxml2's error, without the line end its messages carry. */
static void take_error(struct xml_state *st, const xmlError *err,
		       long fallback_line)
{
	char *msg = st->err.msg;
	size_t n;

	if (st->err.failed)
		return;
	xsd_fail(&st->err, err && err->line > 0 ? err->line : fallback_line,
		 err && err->message ? err->message : "XML parse error");
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
}

/* Warnings, and namespace errors (an undeclared prefix, xmlns:p=""),
 * leave the document to the structure checks: libxml2 goes on parsing,
 * and its XSD validator, which judges the namespace-aware tree, never
 * counted them.  An element whose prefix is undeclared is in no namespace,
 * so no batch element is ever taken for one that is not. */
static void on_error(void *ctx, xmlErrorPtr err)
{
	if (err && (err->level == XML_ERR_WARNING ||
		    err->domain == XML_FROM_NAMESPACE))
		return;
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
	return xsd_fail(&st->err, line, msg);
}

/* The node the reader is on and the reader's type for it, except that
 * every text node is TEXT: the reader would look through its characters
 * to tell whitespace apart, and the walk looks at them anyway. */
static int node_at(xmlTextReaderPtr r, xmlNodePtr *node)
{
	*node = xmlTextReaderCurrentNode(r);
	if (*node && (*node)->type == XML_TEXT_NODE)
		return XML_READER_TYPE_TEXT;
	return xmlTextReaderNodeType(r);
}

/* Collect the text of the column element the reader is on. */
static int read_value(struct xml_state *st, xmlTextReaderPtr r,
		      struct xsd_shape *sh, xmlNodePtr elem, int col)
{
	size_t start = st->rowbuf.len;
	xmlNodePtr node;
	int rc, type;

	st->have[col] = 1;
	st->cut[col] = 0;
	if (!xmlTextReaderIsEmptyElement(r)) {
		while ((rc = xmlTextReaderRead(r)) == 1 && !st->err.failed) {
			type = node_at(r, &node);
			if (type == XML_READER_TYPE_END_ELEMENT)
				break;
			sh->line = xsd_end_line(r, node, type, sh->line);
			if (type == XML_READER_TYPE_TEXT ||
			    type == XML_READER_TYPE_CDATA) {
				const char *v = (const char *)node->content;
				size_t n = v ? strlen(v) : 0;

				if (st->rowbuf.len - start + n > FIELD_MAX) {
					n = FIELD_MAX - (st->rowbuf.len - start);
					st->cut[col] = 1;
				}
				strbuf_add(&st->rowbuf, v, n);
			} else if (type == XML_READER_TYPE_ELEMENT) {
				return xsd_simple_content(sh, elem);
			} else if (type == XML_READER_TYPE_ENTITY_REFERENCE) {
				return fail(st, sh->line, NO_ENTITY_REFS);
			}
		}
		if (rc != 1 || st->err.failed)
			return reader_failed(st, r);
	}
	st->off[col] = start;
	st->len[col] = st->rowbuf.len - start;
	/* The appends cannot fail: check_column() lets each column in once
	 * and a value stops at FIELD_MAX, so the row holds at most
	 * ENTITY_MAX_COLS capped fields. */
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
		record_init(&rec, src, line, (const char *)at, off, len, have,
			    cut);
		at += i;
		if (sink(run, &rec) < 0)
			return -2;
	}
	return 0;
}

/* The root element: the schema's, and the entity --entity names, if
 * any. */
static int check_root(struct xml_state *st, xmlTextReaderPtr r,
		      struct xsd_shape *sh, xmlNodePtr node)
{
	if (xsd_check_root(sh, r, node, sh->line))
		return -1;
	if (st->run->opt.entity != ENTITY_NONE && st->run->opt.entity != sh->e)
		return fail(st, sh->line, "root element does not match --entity");
	st->entity = sh->e;
	return 0;
}

/* A record's end tag (or its empty element): checked, then handed on;
 * -1, or what emit() returns. */
static int end_record(struct xml_state *st, struct xsd_shape *sh,
		      xmlNodePtr record, uint64_t line)
{
	if (xsd_check_record_end(sh, record))
		return -1;
	return emit(st, line);
}

static int walk(struct xml_state *st, xmlTextReaderPtr r)
{
	struct xsd_shape sh;
	xmlNodePtr node, record = NULL;
	uint64_t rec_line = 0;
	long start;
	int rc, type, depth, col, ret;

	xsd_shape_init(&sh, &st->err);
	while ((rc = xmlTextReaderRead(r)) == 1) {
		if (st->err.failed)
			return -1;
		type = node_at(r, &node);
		if (type == XML_READER_TYPE_END_ELEMENT) {
			if (xmlTextReaderDepth(r) == 1 &&
			    (ret = end_record(st, &sh, record, rec_line)))
				return ret;
			continue;
		}
		depth = xmlTextReaderDepth(r);
		start = sh.line;
		sh.line = xsd_end_line(r, node, type, sh.line);
		switch (type) {
		case XML_READER_TYPE_ELEMENT:
			if (depth == 0) {
				if (check_root(st, r, &sh, node))
					return -1;
			} else if (depth == 1) {
				if (xsd_check_record(&sh, node, sh.line))
					return -1;
				record = node;
				rec_line = (uint64_t)sh.line;
				strbuf_reset(&st->rowbuf);
				memset(st->have, 0, sizeof(st->have));
				if (xmlTextReaderIsEmptyElement(r) &&
				    (ret = end_record(st, &sh, node, rec_line)))
					return ret;
			} else {
				if (xsd_check_column(&sh, node, sh.line, &col) ||
				    read_value(st, r, &sh, node, col) < 0)
					return -1;
			}
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
			if (depth > 0 && xsd_element_only_text(&sh, node, type,
							       start, sh.line))
				return -1;
			break;
		case XML_READER_TYPE_DOCUMENT_TYPE:
			return fail(st, sh.line, NO_DOCTYPE);
		case XML_READER_TYPE_ENTITY_REFERENCE:
			return fail(st, sh.line, NO_ENTITY_REFS);
		default:
			break;
		}
	}
	if (rc != 0 || st->err.failed || st->stream_failed)
		return reader_failed(st, r);
	if (sh.e == ENTITY_NONE)
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

enum ingest_result ingest_xml(struct run *run, struct source *src,
			      struct peeked *pk, record_sink sink)
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
	strbuf_init_capped(&st.rowbuf, ENTITY_MAX_COLS * (FIELD_MAX + 1));
	r = xmlReaderForIO(read_cb, close_cb, &st, src->path, NULL,
			   XML_PARSE_NONET | XML_PARSE_BIG_LINES |
			   XML_PARSE_NOWARNING);
	if (!r) {
		strbuf_release(&st.rowbuf);
		error("cannot start the XML reader");
		return INGEST_FAILED;
	}
	xmlTextReaderSetStructuredErrorHandler(r, on_error, &st);
	st.reader = r;
	if (pipe_start(&st.pipe, pk->in, parser_main, &st) < 0) {
		xmlFreeTextReader(r);
		strbuf_release(&st.rowbuf);
		return INGEST_FAILED;
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
		return INGEST_FAILED;
	if (st.stream_failed) {
		run_refuse_input(run, src, pk->in);
		return INGEST_REFUSED;
	}
	if (st.text_too_long) {
		st.err.failed = 0;
		fail(&st, st.stop_line, "more than " XML_TEXT_MAX_TEXT " bytes "
		     "of text without markup: a value far over the "
		     FIELD_MAX_TEXT "-byte limit");
		ret = -1;
	} else if (st.misc_too_long) {
		st.err.failed = 0;
		fail(&st, st.stop_line, "more than " XML_TEXT_MAX_TEXT " bytes "
		     "without an element tag (comments, processing "
		     "instructions or text)");
		ret = -1;
	}
	if (st.prolog.doctype_line) {
		st.err.failed = 0;
		fail(&st, st.prolog.doctype_line, NO_DOCTYPE);
		ret = -1;
	}
	if (ret < 0) {
		run_refuse(run, src, EXIT_REFUSED, "line %ld: %s", st.err.line,
			   st.err.msg);
		run_finding(run, src, st.err.line > 0 ? (uint64_t)st.err.line : 0,
			    NULL, -1, RULE_XML_INVALID, NULL, 0, "%s; file "
			    "refused", st.err.msg);
		return INGEST_REFUSED;
	}
	return INGEST_OK;
}
