/* ingest_csv.h -- the CSV reader (libcsv): a peeked stream to records.
 *
 * ingest_csv() maps the header to the entity's columns (detected from the
 * header, or --entity), fills a record per row and hands it to the sink.
 * Header problems (COLUMN_UNKNOWN, COLUMN_MISSING) and rows broken before
 * they are records (CSV_MALFORMED, COLUMN_COUNT, an over-long field) are
 * counted and reported here.  The reader uses only the stream, the record
 * and the run's findings and refusals; ingest.c, which chooses it, is
 * never called back.
 */
#ifndef CSPRECON_INGEST_CSV_H
#define CSPRECON_INGEST_CSV_H

#include <stddef.h>

#include "csprecon/record.h"
#include "csprecon/run.h"
#include "csprecon/stream.h"

/* Read every record of the CSV file behind p into sink.  src->entity is
 * set once the header is mapped; a UTF-8 BOM is skipped and a UTF-16 file
 * refused. */
enum ingest_result ingest_csv(struct run *run, struct source *src,
			      struct peeked *p, record_sink sink);

/* The entity of a CSV header line that is whole in s (a UTF-8 BOM
 * skipped), or ENTITY_NONE. */
enum entity csv_head_entity(const unsigned char *s, size_t len);

#endif
