/* ingest_xsd.h -- schemas/batch.xsd's constraints, checked on the XML
 * reader's nodes as it streams.
 *
 * The XML reader (ingest_xml.c) walks the document and calls a check for
 * each node; struct xsd_shape holds what the schema allows where the walk
 * is.  The checks are the constraints libxml2's XSD validator enforces for
 * that schema, with its messages and its lines: the root is one of the
 * three global elements, the root holds only records, a record holds its
 * columns in the schema's order with each required one present and none
 * twice, a column holds only text, character content between elements is
 * whitespace, and no element has an attribute beyond namespace
 * declarations, xsi:schemaLocation, xsi:noNamespaceSchemaLocation and an
 * xsi:type naming xs:string on a column.  tests/e2e/t_xsd_diff.sh runs
 * these and `xmllint --schema` on the corpus in tests/xsd/
 * (differences.txt there lists where the lines differ).  The validator
 * itself took a third of the time of an XML check.
 *
 * A check returns 0, or -1 with the error kept in the shape's struct
 * xsd_error (the first error of a document wins; later ones are dropped).
 * Nothing here allocates; xml_init() must have set up libxml2's built-in
 * types, which judge xsi:type and xsi:nil.
 */
#ifndef CSPRECON_INGEST_XSD_H
#define CSPRECON_INGEST_XSD_H

#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "csprecon/schema.h"

#define XSD_MSG_MAX 480 /* a message, and a finding's "; file refused" */

/* The first error of a document, whoever found it: libxml2, the reader or
 * a check here.  The reader refuses the file with it. */
struct xsd_error {
	int failed;                /* an error was kept */
	long line;
	char msg[XSD_MSG_MAX];
};

/* Keep msg at line as err's error unless one is kept already; -1. */
int xsd_fail(struct xsd_error *err, long line, const char *msg);
int xsd_failf(struct xsd_error *err, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* What the batch XSD allows where the walk is, and the line the last node
 * ended on (xsd_end_line): it stands for an end tag, which has no node of
 * its own, and is where the next text starts. */
struct xsd_shape {
	enum entity e;              /* the root's, ENTITY_NONE before it */
	const struct entity_def *d;
	size_t pos;                 /* the record's next possible column */
	long line;                  /* line of the last node */
	struct xsd_error *err;      /* where a check keeps its error */
	/* Fast paths: an element in the root's namespace declaration, and
	 * names as the reader's dictionary holds them, compare by pointer
	 * (the root lives as long as the walk). */
	const xmlNs *ns;
	const xmlChar *record, *col[ENTITY_MAX_COLS];
};

/* A shape before the root element, on line 1, keeping errors in err. */
void xsd_shape_init(struct xsd_shape *sh, struct xsd_error *err);

/* The line node (of the reader's type, the text types for every text
 * node) ends on, as libxml2's validator counts; prev is where the node
 * before it ended. */
long xsd_end_line(xmlTextReaderPtr r, xmlNodePtr node, int type, long prev);

/* The root element, at line: one of the schema's three global elements,
 * with no attribute it does not allow.  Sets the shape's entity and names
 * (interned in r's dictionary). */
int xsd_check_root(struct xsd_shape *sh, xmlTextReaderPtr r, xmlNodePtr node,
		   long line);

/* An element under the root: the entity's record element. */
int xsd_check_record(struct xsd_shape *sh, xmlNodePtr node, long line);

/* An element in a record: the next column in the record's sequence, or
 * one after optional ones only; *col is set to its index (-1 on error). */
int xsd_check_column(struct xsd_shape *sh, xmlNodePtr node, long line,
		     int *col);

/* A record's end tag, or its empty element: every required column seen.
 * The error names the shape's line. */
int xsd_check_record_end(struct xsd_shape *sh, xmlNodePtr record);

/* Text or CDATA (type) where only elements may be: whitespace is allowed,
 * CDATA never.  start and end are where the node starts and ends. */
int xsd_element_only_text(struct xsd_shape *sh, xmlNodePtr node, int type,
			  long start, long end);

/* An element inside column, whose type is simple: always -1, at the
 * shape's line. */
int xsd_simple_content(struct xsd_shape *sh, xmlNodePtr column);

#endif
