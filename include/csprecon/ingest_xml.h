/* ingest_xml.h -- the XML reader (libxml2's xmlTextReader): a peeked
 * stream to records, and libxml2's process-wide set-up.
 *
 * xml_init() must run once before any XML file is read: it installs the
 * external-entity loader that refuses everything (SPEC §8), silences
 * libxml2's own printing (errors are reported as findings) and sets up
 * libxml2's built-in schema types, which judge xsi:type and xsi:nil.
 * Returns 0 or -1 (message printed).  xml_release() frees what xml_init()
 * made.
 *
 * ingest_xml() checks the document against schemas/batch.xsd while it
 * streams (ingest_xsd.h) and hands a record per record element to the
 * sink; the first error of any kind refuses the file (XML_INVALID).  The
 * reader uses only the stream, the record and the run's findings and
 * refusals; ingest.c, which chooses it, is never called back.
 */
#ifndef CSPRECON_INGEST_XML_H
#define CSPRECON_INGEST_XML_H

#include "csprecon/record.h"
#include "csprecon/run.h"
#include "csprecon/stream.h"

int xml_init(void);
void xml_release(void);

/* Read every record of the XML file behind p into sink.  src->entity is
 * set from the root element. */
enum ingest_result ingest_xml(struct run *run, struct source *src,
			      struct peeked *p, record_sink sink);

#endif
