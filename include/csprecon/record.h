/* record.h -- one record of one entity, as it flows through the stages.
 *
 * Records flow forward: a reader (ingest_csv.c, ingest_xml.c) fills the raw
 * values with record_init() and hands the record to a record_sink;
 * validate fills the normalised values and findings; the sink (check or
 * reconcile) consumes it.  A record allocates nothing: its raw values
 * point into the reader's buffer, valid until the sink returns, and its
 * normalised ones into those or into the record itself.
 */
#ifndef CSPRECON_RECORD_H
#define CSPRECON_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "csprecon/dedup.h"
#include "csprecon/schema.h"

struct run;
struct source;

/* One record of one entity, as it flows through the stages. */
struct record {
	enum entity entity;
	struct source *src;
	uint64_t line;             /* where the record starts (header = 1) */
	/* Filled by ingest: trimmed raw values (NUL-terminated). */
	const char *raw[ENTITY_MAX_COLS];
	size_t raw_len[ENTITY_MAX_COLS];
	unsigned char present[ENTITY_MAX_COLS]; /* column/element present */
	unsigned char cut[ENTITY_MAX_COLS];     /* value cut at FIELD_MAX */
	/* Filled by validate: normalised values (NULL: empty, no default). */
	const char *val[ENTITY_MAX_COLS];
	size_t val_len[ENTITY_MAX_COLS];
	unsigned char bad[ENTITY_MAX_COLS];     /* value failed its rule */
	char norm[ENTITY_MAX_COLS][40];         /* storage for short values */
	unsigned char key_guid[ENTITY_MAX_COLS]; /* validate_key parsed this
						  * GUID into norm */
	char key[96];              /* normalised key, "" when unusable */
	int key_ok;                /* key normalised: every key column parsed */
	struct dedup_probe probe;  /* the key's hash, when key_ok */
	int repeat;                /* the key was seen before in this run */
	uint64_t hash;             /* hash of the normalised values */
	int errors;                /* error-level findings on this record */
	int warnings;
	int broken;                /* rejected by the reader before it was a
				    * record (its findings are recorded, it is
				    * counted): only its key is left to use */
};

/* What ingest hands each finished record to: 0, or below 0 when the run
 * cannot go on (the reader stops and returns INGEST_FAILED). */
typedef int (*record_sink)(struct run *run, struct record *rec);

/* How reading one input into records ended: what ingest_file() and each
 * reader under it return. */
enum ingest_result {
	INGEST_OK = 0,       /* read to a clean end, findings or not */
	INGEST_REFUSED = -1, /* refused as a whole: src->refused holds the
			      * exit code, the reason was printed */
	INGEST_FAILED = -2   /* the sink failed, or the reader could not run
			      * (a parser or thread that did not start,
			      * printed): the run cannot go on */
};

/* Make rec a record of src's entity starting at line from a reader's
 * buffered values: column i is present when have[i], its text at
 * buf + off[i] for len[i] bytes (trimmed here), cut when cut[i] (cut may
 * be NULL).  Every other field is zeroed.  rec points into buf. */
void record_init(struct record *rec, struct source *src, uint64_t line,
		 const char *buf, const size_t *off, const size_t *len,
		 const unsigned char *have, const unsigned char *cut);

#endif
