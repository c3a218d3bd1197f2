/* ingest_xsd.c -- schemas/batch.xsd's constraints on the XML reader's
 * nodes, as libxml2's XSD validator enforces them.  See ingest_xsd.h.
 *
 * Every message is the validator's to the letter, with the line it names
 * (xsd_end_line), so that tests/e2e/t_xsd_diff.sh can hold each check to
 * `xmllint --schema`.  A message, and each name in it, is cut to its
 * buffer on a UTF-8 boundary (utf8_cut).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libxml/xmlschemastypes.h>

#include "csprecon/ingest_xsd.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

#define BATCH_NS "urn:csprecon:batch:1"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define XSD_NS "http://www.w3.org/2001/XMLSchema"

int xsd_fail(struct xsd_error *err, long line, const char *msg)
{
	if (!err->failed) {
		err->failed = 1;
		err->line = line;
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
		utf8_cut(err->msg, sizeof(err->msg));
	}
	return -1;
}

int xsd_failf(struct xsd_error *err, long line, const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return xsd_fail(err, line, msg);
}

void xsd_shape_init(struct xsd_shape *sh, struct xsd_error *err)
{
	memset(sh, 0, sizeof(*sh));
	sh->e = ENTITY_NONE;
	sh->line = 1;
	sh->err = err;
}

/* How many line ends v holds (NULL: none). */
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

/* libxml2's validator names the parser's line when each piece is parsed.
 * A start tag: the line of its '>', which the element keeps below line
 * 65535; above, a start tag is taken to be on the line where the node
 * before it ended (prev).  Text and CDATA start where the node before them
 * ended and end after their line ends (libxml2 gives text the line where
 * its first piece ended, and CDATA none).  Comments and processing
 * instructions keep their last line below 65535. */
long xsd_end_line(xmlTextReaderPtr r, xmlNodePtr node, int type, long prev)
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

static int in_batch_ns(const struct xsd_shape *sh, xmlNodePtr node)
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

static int unexpected(struct xsd_error *err, long line, xmlNodePtr node,
		      const char *expect)
{
	char name[XSD_MSG_MAX];

	return xsd_failf(err, line, "Element '%s': This element is not "
			 "expected.%s", node_qname(name, sizeof(name), node),
			 expect);
}

/* CDATA is refused whatever it holds: libxml2 does not look inside it.
 * The line: a CDATA section's first (start), and for text the line where
 * it ends (end).
 * libxml2 names the line where the piece of text it was handed with the
 * first other character ends, which is the same unless the text came in
 * pieces (see tests/xsd/differences.txt). */
int xsd_element_only_text(struct xsd_shape *sh, xmlNodePtr node, int type,
			  long start, long end)
{
	const char *v = (const char *)node->content;
	char name[XSD_MSG_MAX];

	if (type != XML_READER_TYPE_CDATA) {
		while (v && (*v == ' ' || *v == '\t' || *v == '\n' ||
			     *v == '\r'))
			v++;
		if (!v || !*v)
			return 0;
	}
	return xsd_failf(sh->err, type == XML_READER_TYPE_CDATA ? start : end,
			 "Element '%s': Character content other than "
			 "whitespace is not allowed because the content type "
			 "is 'element-only'.",
			 node_qname(name, sizeof(name), node->parent));
}

/* xsi:type: a QName that resolves, in scope, to xs:string, and only on a
 * column (a record's or root's type is anonymous and every substitution
 * is blocked). */
static int check_xsi_type(struct xsd_error *err, long line, xmlNodePtr node,
			  const xmlChar *value, int column)
{
	char name[XSD_MSG_MAX], type[XSD_MSG_MAX];
	xmlChar *prefix = NULL, *local;
	const xmlChar *lname, *ns = NULL;
	xmlNsPtr nsdef;
	int ret = 0;

	node_qname(name, sizeof(name), node);
	if (xmlValidateQName(value, 1) != 0)
		return xsd_failf(err, line, "Element '%s', attribute '{"
				 XSI_NS "}type': '%s' is not a valid value of "
				 "the atomic type 'xs:QName'.", name,
				 (const char *)value);
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
		ret = xsd_failf(err, line, "Element '%s', attribute '{" XSI_NS
				"}type': The QName value '%s' has no "
				"corresponding namespace declaration in "
				"scope.", name, (const char *)value);
	} else if (!ns || strcmp((const char *)ns, XSD_NS) ||
		   !xmlSchemaGetPredefinedType(lname, ns)) {
		ret = xsd_failf(err, line, "Element '%s', attribute '{" XSI_NS
				"}type': The QName value '%s' of the xsi:type "
				"attribute does not resolve to a type "
				"definition.", name,
				qname(type, sizeof(type), ns, lname));
	} else if (!column || strcmp((const char *)lname, "string")) {
		ret = xsd_failf(err, line, "Element '%s', attribute '{" XSI_NS
				"}type': The type definition '%s', specified "
				"by xsi:type, is blocked or not validly "
				"derived from the type definition of the "
				"element declaration.", name,
				qname(type, sizeof(type), ns, lname));
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
static int check_attributes(struct xsd_error *err, long line,
			    xmlNodePtr node, int column)
{
	xmlAttrPtr a, nil = NULL;
	char name[XSD_MSG_MAX], aname[XSD_MSG_MAX];
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
			ret = xsd_failf(err, line, "Element '%s', attribute "
					"'{" XSI_NS "}nil': '%s' is not a "
					"valid value of the atomic type "
					"'xs:boolean'.", name,
					v ? (const char *)v : "");
		else
			ret = xsd_failf(err, line, "Element '%s': The element "
					"is not 'nillable'.", name);
		xmlFree(v);
	}
	for (a = node->properties; a && !ret; a = a->next) {
		if (is_xsi(a, "type")) {
			v = xmlNodeGetContent((xmlNodePtr)a);
			ret = check_xsi_type(err, line, node,
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
		ret = xsd_failf(err, line, "Element '%s', attribute '%s': The "
				"attribute '%s' is not allowed.", name, aname,
				aname);
	}
	return ret;
}

int xsd_check_column(struct xsd_shape *sh, xmlNodePtr node, long line,
		     int *col)
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
		return unexpected(sh->err, line, node, expect);
	}
	sh->pos = (size_t)*col + 1;
	return check_attributes(sh->err, line, node, 1);
}

int xsd_check_record_end(struct xsd_shape *sh, xmlNodePtr record)
{
	char name[XSD_MSG_MAX], expect[700];
	size_t i;

	for (i = sh->pos; i < sh->d->ncols; i++)
		if (sh->d->cols[i].required)
			break;
	if (i == sh->d->ncols)
		return 0;
	expected(expect, sizeof(expect), sh->d, sh->pos);
	return xsd_failf(sh->err, sh->line, "Element '%s': Missing child "
			 "element(s).%s", node_qname(name, sizeof(name), record),
			 expect);
}

int xsd_check_root(struct xsd_shape *sh, xmlTextReaderPtr r, xmlNodePtr node,
		   long line)
{
	char name[XSD_MSG_MAX];
	size_t i;
	int e;

	e = in_batch_ns(sh, node) ? 0 : ENTITY_COUNT;
	for (; e < ENTITY_COUNT; e++)
		if (!strcmp((const char *)node->name, entity_defs[e].xml_root))
			break;
	if (e == ENTITY_COUNT)
		return xsd_failf(sh->err, line, "Element '%s': No matching "
				 "global declaration available for the "
				 "validation root.",
				 node_qname(name, sizeof(name), node));
	if (check_attributes(sh->err, line, node, 0))
		return -1;
	sh->e = (enum entity)e;
	sh->d = &entity_defs[e];
	sh->ns = node->ns;
	sh->record = xmlTextReaderConstString(r, (const xmlChar *)
					      sh->d->xml_record);
	for (i = 0; i < sh->d->ncols; i++)
		sh->col[i] = xmlTextReaderConstString(r, (const xmlChar *)
						      sh->d->cols[i].xml);
	return 0;
}

int xsd_check_record(struct xsd_shape *sh, xmlNodePtr node, long line)
{
	char expect[XSD_MSG_MAX + 32], name[XSD_MSG_MAX];

	if (!in_batch_ns(sh, node) ||
	    !name_is(node, sh->record, sh->d->xml_record)) {
		snprintf(expect, sizeof(expect), " Expected is ( %s ).",
			 qname(name, sizeof(name), (const xmlChar *)BATCH_NS,
			       (const xmlChar *)sh->d->xml_record));
		return unexpected(sh->err, line, node, expect);
	}
	sh->pos = 0;
	return check_attributes(sh->err, line, node, 0);
}

int xsd_simple_content(struct xsd_shape *sh, xmlNodePtr column)
{
	char name[XSD_MSG_MAX];

	return xsd_failf(sh->err, sh->line, "Element '%s': Element content is "
			 "not allowed, because the type definition is simple.",
			 node_qname(name, sizeof(name), column));
}
