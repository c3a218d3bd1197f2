/* fuzz_reader.c -- fuzz target for a batch reader: the csv target
 * (FUZZ_READER=ingest_csv) and the xml target (FUZZ_READER=ingest_xml).
 *
 * The input is a file's bytes.  It is opened as an input stream, peeked
 * as ingest_file() peeks it, and read by the one reader, which hands out
 * at most a chunk of bytes per read: a size from 1 byte up, or none (the
 * reader's own), chosen by the input's hash, so that state kept across
 * chunk boundaries is exercised everywhere.  --entity is sometimes forced.
 * Every record must be well formed (entity, start line within the file,
 * values trimmed and capped; their first and last bytes are read, for
 * AddressSanitizer to judge) and the reader must return what ingest.h
 * promises.  Findings go to one store, emptied after each
 * input.
 */
#include <string.h>

#include "fuzz.h"
#include "csprecon/findings.h"
#include "csprecon/ingest.h"
#include "csprecon/ingest_csv.h"
#include "csprecon/ingest_xml.h"
#include "csprecon/banned.h"

static uint64_t last_line, max_line;

/* What trim() drops. */
static int is_space(char c)
{
	return memchr(" \t\r\n\v\f", c, 6) != NULL;
}

static int sink(struct run *run, struct record *rec)
{
	const struct entity_def *d = &entity_defs[rec->entity];
	size_t i, n;

	(void)run;
	fuzz_assert(rec->entity == rec->src->entity);
	fuzz_assert(rec->line >= last_line && rec->line <= max_line);
	last_line = rec->line;
	for (i = 0; i < d->ncols; i++) {
		n = rec->raw_len[i];
		fuzz_assert(rec->present[i] || n == 0);
		fuzz_assert(n <= FIELD_MAX);
		fuzz_assert(!n || (!is_space(rec->raw[i][0]) &&
				   !is_space(rec->raw[i][n - 1])));
	}
	return 0;
}

/* A record starts on a line of the file: at most one more than its line
 * ends (libxml2 counts a lone CR as one too). */
static uint64_t line_count(const uint8_t *data, size_t size)
{
	uint64_t n = 1;
	size_t i;

	for (i = 0; i < size; i++)
		n += data[i] == '\n' || data[i] == '\r';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t top[4] = { 0, 8, 256, 8192 };
	static struct findings *findings;
	static struct head head;
	struct run run;
	struct source src;
	struct input in;
	struct peeked p;
	uint64_t h = fuzz_hash(data, size);
	enum ingest_result ret;

	if (!findings) {
		fuzz_assert(xml_init() == 0);
		fuzz_assert((findings = findings_open()) != NULL);
	}
	memset(&run, 0, sizeof(run));
	memset(&src, 0, sizeof(src));
	run.findings = findings;
	run.nsrc = 1;
	run.src = &src;
	run.opt.entity = (h >> 32) % 8 < ENTITY_COUNT ?
			 (enum entity)((h >> 32) % 8) : ENTITY_NONE;
	src.path = "fuzz";
	src.entity = ENTITY_NONE;
	fuzz_assert(fuzz_input_open(&in, data, size, (uint64_t)1 << 30) == 0);
	ingest_peek(&in, &head);
	p.in = &in;
	p.head = head.buf;
	p.head_len = head.len;
	p.max_read = top[h & 3] ? 1 + (h >> 8) % top[h & 3] : 0;
	last_line = 1;
	max_line = in.gzip ? UINT64_MAX : line_count(data, size);
	if (head.failed) {
		run_refuse_input(&run, &src, &in);
		ret = INGEST_REFUSED;
	} else {
		ret = FUZZ_READER(&run, &src, &p, sink);
	}
	input_close(&in);
	fuzz_assert(ret == INGEST_OK || ret == INGEST_REFUSED);
	fuzz_assert((ret < 0) == (src.refused != 0));
	fuzz_assert(ret < 0 || (src.entity != ENTITY_NONE &&
				(run.opt.entity == ENTITY_NONE ||
				 src.entity == run.opt.entity)));
	fuzz_assert(findings_drop_file(findings, 0) == 0);
	return 0;
}
