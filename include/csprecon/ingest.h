/* ingest.h -- turn one input file into records.
 *
 * ingest_peek() reads the first bytes of an opened input; ingest_file()
 * decides the format from them (XML when the first non-blank byte after
 * any BOM is '<', CSV otherwise) and runs the CSV or XML reader
 * (ingest_csv.h, ingest_xml.h).  Each reader maps columns, fills one
 * struct record per row and hands it to the sink, which validates and
 * consumes it.  Rows broken before they are records (CSV_MALFORMED,
 * COLUMN_COUNT) are counted and reported by the reader.  The readers call
 * nothing here: the peeked stream is stream.h's, the record record.h's.
 */
#ifndef CSPRECON_INGEST_H
#define CSPRECON_INGEST_H

#include <stddef.h>

#include "csprecon/record.h"
#include "csprecon/run.h"
#include "csprecon/stream.h"

/* The first bytes of an input, read before the file is ingested. */
#define PEEK_SIZE 4096
struct head {
	unsigned char buf[PEEK_SIZE];
	size_t len;
	int failed;    /* the input could not be read */
};

/* Read the first PEEK_SIZE bytes of in (fewer if the file is shorter). */
void ingest_peek(struct input *in, struct head *h);

/* The entity the look-ahead shows (--entity if given): a CSV header line
 * that fits in it, or an XML root element; ENTITY_NONE when it cannot tell
 * yet.  Only a hint for the order of reading: ingest_file decides. */
enum entity ingest_guess(const struct run *run, const struct head *h);

/* Ingest a peeked input: detect the format and read every record.  On
 * INGEST_OK the source's size and SHA-256 are set. */
enum ingest_result ingest_file(struct run *run, struct source *src,
			       struct input *in, struct head *h,
			       record_sink sink);

#endif
