/* ingest.h -- turn one input file into records.
 *
 * ingest_file() reads the first bytes of an opened input, decides the
 * format from the content (XML when the first non-blank byte after any BOM
 * is '<', CSV otherwise) and runs the CSV or XML reader.  Each reader maps
 * columns, fills one struct record per row and hands it to the sink, which
 * validates and consumes it.  Rows broken before they are records
 * (CSV_MALFORMED, COLUMN_COUNT) are counted and reported by the reader.
 *
 * Returns 0 when the file was read to a clean end (findings or not), -1
 * when it was refused (src->refused holds the exit code; the reason was
 * printed), -2 when the sink failed (a database or I/O error, printed).
 */
#ifndef CSPRECON_INGEST_H
#define CSPRECON_INGEST_H

#include <stddef.h>

#include "csprecon/run.h"
#include "csprecon/stream.h"

/* A stream whose first bytes were already read to look at them. */
struct peeked {
	struct input *in;
	const unsigned char *head; /* bytes read ahead, not yet handed out */
	size_t head_len;
	size_t max_read;           /* if not 0, hand out at most this per read */
};

/* Read from a peeked stream: the bytes read ahead first, then the input.
 * Same return values as input_read(). */
long peeked_read(struct peeked *p, void *buf, size_t len);

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
enum entity csv_head_entity(const unsigned char *s, size_t len);

/* Ingest a peeked input: detect the format and read every record. */
int ingest_file(struct run *run, struct source *src, struct input *in,
		struct head *h, record_sink sink);

/* Make rec a record of src's entity starting at line from a reader's
 * buffered values: column i is present when have[i], its text at
 * buf + off[i] for len[i] bytes (trimmed here), cut when cut[i] (cut may
 * be NULL).  rec points into buf. */
void ingest_record(struct record *rec, struct source *src, uint64_t line,
		   const char *buf, const size_t *off, const size_t *len,
		   const unsigned char *have, const unsigned char *cut);

int ingest_csv(struct run *run, struct source *src, struct peeked *p,
	       record_sink sink);
int ingest_xml(struct run *run, struct source *src, struct peeked *p,
	       record_sink sink);

/* Refuse src for a failed input stream (truncated gzip, read error, ...). */
int ingest_stream_failed(struct run *run, struct source *src,
			 struct input *in);

#endif
