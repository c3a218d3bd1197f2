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
 * The document is checked while streaming against the structure that
 * schemas/batch.xsd declares (struct shape below): the root is one of its
 * three global elements, the root holds only records, a record holds its
 * columns in the schema's order with each required one present and none
 * twice, a column holds only text, character content between elements is
 * whitespace, and no element has an attribute beyond namespace
 * declarations, xsi:schemaLocation, xsi:noNamespaceSchemaLocation and an
 * xsi:type naming xs:string on a column.  These are the constraints
 * libxml2's XSD validator enforces for that schema, with its messages and
 * lines; tests/e2e/t_xsd_diff.sh runs both on the corpus in tests/xsd/
 * (differences.txt there lists where the lines differ).  The validator
 * itself took a third of the time of an XML check.
 * libxml2's reader may go on returning nodes after an error, so the first
 * error of any kind ends the file: it is refused, and nothing read from it
 * counts.  Warnings and namespace errors, which the validator never
 * counted, are left to the structure checks (on_error).
 *
 * The reader runs on a parser thread (pipe.h): each record goes to the
 * calling thread as an event, and the calling thread hands it to the sink.
 * The error state is read once the thread has ended.
 */
#include <stdarg.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemastypes.h>

#include "csprecon/ingest.h"
#include "csprecon/pipe.h"
#include "csprecon/util.h"
#include "csprecon/xml.h"
#include "csprecon/banned.h"

#define BATCH_NS "urn:csprecon:batch:1"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define XSD_NS "http://www.w3.org/2001/XMLSchema"
#define XML_TEXT_MAX (4 * FIELD_MAX)
#define XML_MSG_MAX 480 /* a message, and a finding's "; file refused" */
#define XML_TEXT_MAX_TEXT "262144"
#define NO_ENTITY_REFS "entity references are not allowed in batch files"
#define NO_DOCTYPE "DOCTYPE declarations are not allowed in batch files"

/* A record event: tag, u64 line, u32 entity, have[] and cut[], per column
 * u32 offset and length, u32 length of the values, the values. */
#define EV_RECORD 'C'
#define EV_END 'Z'
#define RECORD_HEAD (1 + 8 + 4 + 2 * ENTITY_MAX_COLS + 8 * ENTITY_MAX_COLS + 4)
#if RECORD_HEAD + ENTITY_MAX_COLS * (FIELD_MAX + 1) > PIPE_BLOCK_SIZE
#error "a record event does not fit in a pipe block"
#endif

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
	long stop_line;             /* the parser's line when it stopped */
	struct run *run;
	struct source *src;
	struct peeked *pk;
	int stream_failed;          /* our read callback saw an input error */
	int failed;                 /* an XML error was seen */
	long err_line;
	char err_msg[XML_MSG_MAX];
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
	utf8_cut(st->err_msg, sizeof(st->err_msg));
	n = strlen(st->err_msg);
	while (n && (st->err_msg[n - 1] == '\n' || st->err_msg[n - 1] == ' '))
		st->err_msg[--n] = '\0';
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
	if (!st->failed) {
		st->failed = 1;
		st->err_line = line;
		snprintf(st->err_msg, sizeof(st->err_msg), "%s", msg);
		utf8_cut(st->err_msg, sizeof(st->err_msg));
	}
	return -1;
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

static long newlines(const xmlChar *v)
{
	const char *p = (const char *)v, *nl;
	long n = 0;

	while (p && (nl = strchr(p, '\n'))) {
		n++;
		p = nl + 1;
	}
	return n;
}

/* The line a node ends on, as libxml2's validator counts: it names the
 * parser's line when each piece is parsed.  A start tag: the line of its
 * '>', which the element keeps below line 65535; above, a start tag is
 * taken to be on the line where the node before it ended (prev).  Text and
 * CDATA start where the node before them ended and end after their line
 * ends (libxml2 gives text the line where its first piece ended, and
 * CDATA none).  Comments and processing instructions keep their last
 * line below 65535. */
static long end_line(xmlTextReaderPtr r, xmlNodePtr node, int type,
		     long prev)
{
	long line, first;

	if (!node)
		return xmlTextReaderGetParserLineNumber(r);
	switch (type) {
	case XML_READER_TYPE_TEXT:
	case XML_READER_TYPE_CDATA:
		line = prev + newlines(node->content);
		if (type == XML_READER_TYPE_TEXT) {
			first = node->line < 65535 ? node->line :
				xmlGetLineNo(node);
			if (first > line)
				line = first;
		}
		return line;
	case XML_READER_TYPE_ELEMENT:
		return node->line > 0 && node->line < 65535 ? node->line : prev;
	default:
		return node->line > 0 && node->line < 65535 ? node->line :
		       prev + newlines(node->content);
	}
}

/* What the batch XSD allows where the walk is, and the line the last node
 * ended on (end_line): it stands for an end tag, which has no node of its
 * own, and is where the next text starts. */
struct shape {
	enum entity e;
	const struct entity_def *d;
	size_t pos;                 /* the record's next possible column */
	long line;                  /* line of the last node */
	/* Fast paths: an element in the root's namespace declaration, and
	 * names as the reader's dictionary holds them, compare by pointer
	 * (the root lives as long as the walk). */
	const xmlNs *ns;
	const xmlChar *record, *col[ENTITY_MAX_COLS];
};

/* "{ns}local", or "local" without a namespace, as libxml2 names them. */
static const char *qname(char *out, size_t n, const xmlChar *ns,
			 const xmlChar *local)
{
	if (ns)
		snprintf(out, n, "{%s}%s", (const char *)ns,
			 (const char *)local);
	else
		snprintf(out, n, "%s", (const char *)local);
	utf8_cut(out, n);
	return out;
}

/* An element whose prefix is not declared is named "p:local" in the tree,
 * and in no namespace; libxml2's validator names it by its local name. */
static const char *node_qname(char *out, size_t n, xmlNodePtr node)
{
	const xmlChar *colon;

	if (!node->ns && (colon = xmlStrchr(node->name, ':')))
		return qname(out, n, NULL, colon + 1);
	return qname(out, n, node->ns ? node->ns->href : NULL, node->name);
}

static int in_batch_ns(const struct shape *sh, xmlNodePtr node)
{
	return node->ns && (node->ns == sh->ns || (node->ns->href &&
		!strcmp((const char *)node->ns->href, BATCH_NS)));
}

static int name_is(xmlNodePtr node, const xmlChar *interned,
		   const char *name)
{
	return node->name == interned ||
	       !strcmp((const char *)node->name, name);
}

static int failf(struct xml_state *st, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failf(struct xml_state *st, long line, const char *fmt, ...)
{
	char msg[sizeof(st->err_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(st, line, msg);
}

/* "Expected is ( a )." or "Expected is one of ( a, b ).": the record's
 * columns from pos up to and including its next required one. */
static void expected(char *out, size_t n, const struct entity_def *d,
		     size_t pos)
{
	size_t i, end = pos, used;
	char name[128];

	while (end < d->ncols && !d->cols[end].required)
		end++;
	if (end == d->ncols)
		end--;
	used = (size_t)snprintf(out, n, " Expected is %s( ",
				end > pos ? "one of " : "");
	for (i = pos; i <= end && used < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%s",
					 i > pos ? ", " : "",
					 qname(name, sizeof(name),
					       (const xmlChar *)BATCH_NS,
					       (const xmlChar *)d->cols[i].xml));
	if (used < n)
		snprintf(out + used, n - used, " ).");
}

static int unexpected(struct xml_state *st, long line, xmlNodePtr node,
		      const char *expect)
{
	char name[XML_MSG_MAX];

	return failf(st, line, "Element '%s': This element is not expected.%s",
		     node_qname(name, sizeof(name), node), expect);
}

/* Character content where only elements may be: whitespace is allowed,
 * CDATA never (libxml2 does not look inside it).  The line: a CDATA
 * section's first (start), and for text the line where it ends (end).
 * libxml2 names the line where the piece of text it was handed with the
 * first other character ends, which is the same unless the text came in
 * pieces (see tests/xsd/differences.txt). */
static int element_only_text(struct xml_state *st, xmlNodePtr node,
			     int type, long start, long end)
{
	const char *v = (const char *)node->content;
	char name[XML_MSG_MAX];

	if (type != XML_READER_TYPE_CDATA) {
		while (v && (*v == ' ' || *v == '\t' || *v == '\n' ||
			     *v == '\r'))
			v++;
		if (!v || !*v)
			return 0;
	}
	return failf(st, type == XML_READER_TYPE_CDATA ? start : end,
		     "Element '%s': Character content other than whitespace "
		     "is not allowed because the content type is "
		     "'element-only'.",
		     node_qname(name, sizeof(name), node->parent));
}

/* xsi:type: a QName that resolves, in scope, to xs:string, and only on a
 * column (a record's or root's type is anonymous and every substitution
 * is blocked). */
static int check_xsi_type(struct xml_state *st, long line, xmlNodePtr node,
			  const xmlChar *value, int column)
{
	char name[XML_MSG_MAX], type[XML_MSG_MAX];
	xmlChar *prefix = NULL, *local;
	const xmlChar *lname, *ns = NULL;
	xmlNsPtr nsdef;
	int ret = 0;

	node_qname(name, sizeof(name), node);
	if (xmlValidateQName(value, 1) != 0)
		return failf(st, line, "Element '%s', attribute '{" XSI_NS
			     "}type': '%s' is not a valid value of the atomic "
			     "type 'xs:QName'.", name, (const char *)value);
	local = xmlSplitQName2(value, &prefix);
	lname = local ? local : value;
	/* As libxml2's validator sees the bindings: declared ones only (the
	 * "xml" prefix is bound without a declaration), and xmlns="" binds
	 * no namespace. */
	nsdef = prefix && !strcmp((const char *)prefix, "xml") ? NULL :
		xmlSearchNs(node->doc, node, prefix);
	if (nsdef && nsdef->href && nsdef->href[0])
		ns = nsdef->href;
	if (prefix && !nsdef) {
		ret = failf(st, line, "Element '%s', attribute '{" XSI_NS
			    "}type': The QName value '%s' has no corresponding "
			    "namespace declaration in scope.", name,
			    (const char *)value);
	} else if (!ns || strcmp((const char *)ns, XSD_NS) ||
		   !xmlSchemaGetPredefinedType(lname, ns)) {
		ret = failf(st, line, "Element '%s', attribute '{" XSI_NS
			    "}type': The QName value '%s' of the xsi:type "
			    "attribute does not resolve to a type definition.",
			    name, qname(type, sizeof(type), ns, lname));
	} else if (!column || strcmp((const char *)lname, "string")) {
		ret = failf(st, line, "Element '%s', attribute '{" XSI_NS
			    "}type': The type definition '%s', specified by "
			    "xsi:type, is blocked or not validly derived from "
			    "the type definition of the element declaration.",
			    name, qname(type, sizeof(type), ns, lname));
	}
	xmlFree(local);
	xmlFree(prefix);
	return ret;
}

/* An attribute xsi:name. */
static int is_xsi(xmlAttrPtr a, const char *name)
{
	return a->ns && !strcmp((const char *)a->ns->href, XSI_NS) &&
	       !strcmp((const char *)a->name, name);
}

/* No declared element has attributes or is nillable.  libxml2 judges
 * xsi:nil first, then xsi:type, then the other attributes in order;
 * xsi:schemaLocation and xsi:noNamespaceSchemaLocation are hints it
 * ignores.  Namespace declarations are not attributes here. */
static int check_attributes(struct xml_state *st, long line,
			    xmlNodePtr node, int column)
{
	xmlAttrPtr a, nil = NULL;
	char name[XML_MSG_MAX], aname[XML_MSG_MAX];
	xmlChar *v;
	int ret = 0;

	if (!node->properties)
		return 0;
	node_qname(name, sizeof(name), node);
	for (a = node->properties; a && !nil; a = a->next)
		if (is_xsi(a, "nil"))
			nil = a;
	if (nil) {
		v = xmlNodeGetContent((xmlNodePtr)nil);
		if (xmlSchemaValidatePredefinedType(
			    xmlSchemaGetBuiltInType(XML_SCHEMAS_BOOLEAN),
			    v ? v : (const xmlChar *)"", NULL) != 0)
			ret = failf(st, line, "Element '%s', attribute '{"
				    XSI_NS "}nil': '%s' is not a valid value "
				    "of the atomic type 'xs:boolean'.", name,
				    v ? (const char *)v : "");
		else
			ret = failf(st, line, "Element '%s': The element is "
				    "not 'nillable'.", name);
		xmlFree(v);
	}
	for (a = node->properties; a && !ret; a = a->next) {
		if (is_xsi(a, "type")) {
			v = xmlNodeGetContent((xmlNodePtr)a);
			ret = check_xsi_type(st, line, node,
					     v ? v : (const xmlChar *)"", column);
			xmlFree(v);
		}
	}
	for (a = node->properties; a && !ret; a = a->next) {
		if (is_xsi(a, "type") || is_xsi(a, "nil") ||
		    is_xsi(a, "schemaLocation") ||
		    is_xsi(a, "noNamespaceSchemaLocation"))
			continue;
		qname(aname, sizeof(aname), a->ns ? a->ns->href : NULL,
		      a->name);
		ret = failf(st, line, "Element '%s', attribute '%s': The "
			    "attribute '%s' is not allowed.", name, aname,
			    aname);
	}
	return ret;
}

/* A column's element: the next in the record's sequence, or after
 * optional ones only. */
static int check_column(struct xml_state *st, struct shape *sh,
			xmlNodePtr node, long line, int *col)
{
	const struct entity_def *d = sh->d;
	char expect[700];
	size_t i;

	*col = -1;
	if (in_batch_ns(sh, node))
		for (i = sh->pos; i < d->ncols; i++) {
			if (name_is(node, sh->col[i], d->cols[i].xml)) {
				*col = (int)i;
				break;
			}
			if (d->cols[i].required)
				break;
		}
	if (*col < 0) {
		expect[0] = '\0';
		if (sh->pos < d->ncols)
			expected(expect, sizeof(expect), d, sh->pos);
		return unexpected(st, line, node, expect);
	}
	sh->pos = (size_t)*col + 1;
	return check_attributes(st, line, node, 1);
}

/* The record's end: every required column seen. */
static int check_record_end(struct xml_state *st, struct shape *sh,
			    xmlNodePtr node)
{
	char name[XML_MSG_MAX], expect[700];
	size_t i;

	for (i = sh->pos; i < sh->d->ncols; i++)
		if (sh->d->cols[i].required)
			break;
	if (i == sh->d->ncols)
		return 0;
	expected(expect, sizeof(expect), sh->d, sh->pos);
	return failf(st, sh->line, "Element '%s': Missing child element(s).%s",
		     node_qname(name, sizeof(name), node), expect);
}

/* Collect the text of the column element the reader is on. */
static int read_value(struct xml_state *st, xmlTextReaderPtr r,
		      struct shape *sh, xmlNodePtr elem, int col)
{
	size_t start = st->rowbuf.len;
	xmlNodePtr node;
	int rc, type;
	char name[XML_MSG_MAX];

	st->have[col] = 1;
	st->cut[col] = 0;
	if (!xmlTextReaderIsEmptyElement(r)) {
		while ((rc = xmlTextReaderRead(r)) == 1 && !st->failed) {
			type = node_at(r, &node);
			if (type == XML_READER_TYPE_END_ELEMENT)
				break;
			sh->line = end_line(r, node, type, sh->line);
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
				return failf(st, sh->line, "Element '%s': "
					     "Element content is not allowed, "
					     "because the type definition is "
					     "simple.", node_qname(name,
						sizeof(name), elem));
			} else if (type == XML_READER_TYPE_ENTITY_REFERENCE) {
				return fail(st, sh->line, NO_ENTITY_REFS);
			}
		}
		if (rc != 1 || st->failed)
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
		ingest_record(&rec, src, line, (const char *)at, off, len,
			      have, cut);
		at += i;
		if (sink(run, &rec) < 0)
			return -2;
	}
	return 0;
}

/* The root element: one of the schema's three global elements, and the
 * entity --entity names, if any. */
static int check_root(struct xml_state *st, xmlTextReaderPtr r,
		      struct shape *sh, xmlNodePtr node, long line)
{
	char name[XML_MSG_MAX];
	size_t i;
	int e;

	e = in_batch_ns(sh, node) ? 0 : ENTITY_COUNT;
	for (; e < ENTITY_COUNT; e++)
		if (!strcmp((const char *)node->name, entity_defs[e].xml_root))
			break;
	if (e == ENTITY_COUNT)
		return failf(st, line, "Element '%s': No matching global "
			     "declaration available for the validation root.",
			     node_qname(name, sizeof(name), node));
	if (check_attributes(st, line, node, 0))
		return -1;
	if (st->run->opt.entity != ENTITY_NONE &&
	    st->run->opt.entity != (enum entity)e)
		return fail(st, line, "root element does not match --entity");
	sh->e = st->entity = (enum entity)e;
	sh->d = &entity_defs[e];
	sh->ns = node->ns;
	sh->record = xmlTextReaderConstString(r, (const xmlChar *)
					      sh->d->xml_record);
	for (i = 0; i < sh->d->ncols; i++)
		sh->col[i] = xmlTextReaderConstString(r, (const xmlChar *)
						      sh->d->cols[i].xml);
	return 0;
}

static int check_record(struct xml_state *st, struct shape *sh,
			xmlNodePtr node, long line)
{
	char expect[XML_MSG_MAX + 32], name[XML_MSG_MAX];

	if (!in_batch_ns(sh, node) ||
	    !name_is(node, sh->record, sh->d->xml_record)) {
		snprintf(expect, sizeof(expect), " Expected is ( %s ).",
			 qname(name, sizeof(name), (const xmlChar *)BATCH_NS,
			       (const xmlChar *)sh->d->xml_record));
		return unexpected(st, line, node, expect);
	}
	sh->pos = 0;
	return check_attributes(st, line, node, 0);
}

/* A record's end tag (or its empty element): checked, then handed on;
 * -1, or what emit() returns. */
static int end_record(struct xml_state *st, struct shape *sh,
		      xmlNodePtr record, uint64_t line)
{
	if (check_record_end(st, sh, record))
		return -1;
	return emit(st, line);
}

static int walk(struct xml_state *st, xmlTextReaderPtr r)
{
	struct shape sh = { .e = ENTITY_NONE, .line = 1 };
	xmlNodePtr node, record = NULL;
	uint64_t rec_line = 0;
	long start;
	int rc, type, depth, col, ret;

	while ((rc = xmlTextReaderRead(r)) == 1) {
		if (st->failed)
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
		sh.line = end_line(r, node, type, sh.line);
		switch (type) {
		case XML_READER_TYPE_ELEMENT:
			if (depth == 0) {
				if (check_root(st, r, &sh, node, sh.line))
					return -1;
			} else if (depth == 1) {
				if (check_record(st, &sh, node, sh.line))
					return -1;
				record = node;
				rec_line = (uint64_t)sh.line;
				strbuf_reset(&st->rowbuf);
				memset(st->have, 0, sizeof(st->have));
				if (xmlTextReaderIsEmptyElement(r) &&
				    (ret = end_record(st, &sh, node, rec_line)))
					return ret;
			} else {
				if (check_column(st, &sh, node, sh.line, &col) ||
				    read_value(st, r, &sh, node, col) < 0)
					return -1;
			}
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
			if (depth > 0 &&
			    element_only_text(st, node, type, start, sh.line))
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
	if (rc != 0 || st->failed || st->stream_failed)
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
	strbuf_init_capped(&st.rowbuf, ENTITY_MAX_COLS * (FIELD_MAX + 1));
	r = xmlReaderForIO(read_cb, close_cb, &st, src->path, NULL,
			   XML_PARSE_NONET | XML_PARSE_BIG_LINES |
			   XML_PARSE_NOWARNING);
	if (!r) {
		strbuf_release(&st.rowbuf);
		return error("cannot start the XML reader");
	}
	xmlTextReaderSetStructuredErrorHandler(r, on_error, &st);
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
		fail(&st, st.prolog.doctype_line, NO_DOCTYPE);
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
