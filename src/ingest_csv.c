/* ingest_csv.c -- CSV files through libcsv (RFC 4180, strict).
 *
 * In:  a peeked input stream.  Out: records handed to the sink; header
 * findings (COLUMN_UNKNOWN, COLUMN_MISSING) and broken rows (CSV_MALFORMED,
 * COLUMN_COUNT, an over-long field) reported here.
 *
 * libcsv is fed one physical line at a time (a segment ends after each LF),
 * so the line number is known at every callback; a record's line is the
 * line where it starts.  Only LF ends a line; CR is treated as white space,
 * so CRLF files work and the number of lines matches `wc -l`.  In strict
 * mode libcsv cannot resynchronise after an error: the broken record is
 * reported, the rest of that physical line is skipped, and a fresh parser
 * resumes on the next line.  libcsv has no field-size limit of its own:
 * its realloc hook refuses to grow a field past FIELD_MAX, which surfaces
 * as CSV_ENOMEM and is reported as TOO_LONG.  Blank lines are no records.
 */
#include <stdlib.h>
#include <string.h>
#include <csv.h>

#include "csprecon/ingest.h"
#include "csprecon/util.h"
#include "csprecon/validate.h"
#include "csprecon/banned.h"

#define HEADER_MAX_COLS 1024
#define HEADER_NAME_MAX 256
#define CHUNK (64 * 1024)
#define CSV_OPTIONS (CSV_STRICT | CSV_STRICT_FINI)

struct csv_state {
	struct run *run;
	struct source *src;
	record_sink sink;
	struct csv_parser p;
	unsigned char delim;
	int in_header;              /* the header row is being read */
	char *names[HEADER_MAX_COLS]; /* normalised header cells */
	char *given[HEADER_MAX_COLS]; /* header cells as written */
	size_t ncols;               /* header cells */
	int map[HEADER_MAX_COLS];   /* entity column of each cell, or -1 */
	size_t nfields;             /* fields seen in the current row */
	struct strbuf row;          /* mapped fields of the current row */
	size_t off[ENTITY_MAX_COLS], len[ENTITY_MAX_COLS];
	unsigned char have[ENTITY_MAX_COLS];
	uint64_t line;              /* current physical line, from 1 */
	uint64_t rec_line;          /* line where the open record started */
	int stop;                   /* refused (-1) or sink failure (-2) */
	int too_many_cols;
};

/* libcsv grows a field by blocks; refusing past the cap gives CSV_ENOMEM
 * instead of unbounded memory. */
static void *capped_realloc(void *p, size_t n)
{
	if (n > FIELD_MAX + 1)
		return NULL;
	return realloc(p, n);
}

static int space_tab(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int space_notab(unsigned char c)
{
	return c == ' ' || c == '\r';
}

static int term_lf(unsigned char c)
{
	return c == '\n';
}

static int parser_init(struct csv_state *st)
{
	if (csv_init(&st->p, CSV_OPTIONS) != 0)
		return error("cannot start the CSV parser");
	csv_set_delim(&st->p, st->delim);
	csv_set_space_func(&st->p, st->delim == '\t' ? space_notab : space_tab);
	csv_set_term_func(&st->p, term_lf);
	csv_set_realloc_func(&st->p, capped_realloc);
	csv_set_blk_size(&st->p, 4096);
	return 0;
}

static void row_reset(struct csv_state *st)
{
	st->nfields = 0;
	strbuf_reset(&st->row);
	memset(st->have, 0, sizeof(st->have));
}

static int row_open(const struct csv_state *st)
{
	return st->nfields > 0 || st->p.entry_pos > 0;
}

static void header_field(struct csv_state *st, const char *s, size_t len)
{
	char norm[HEADER_NAME_MAX];

	if (st->ncols == HEADER_MAX_COLS) {
		st->too_many_cols = 1;
		return;
	}
	if (column_normalise(s, len, norm, sizeof(norm)) < 0)
		norm[0] = '\0'; /* too long to be any column's name */
	st->names[st->ncols] = xstrdup(norm);
	trim(&s, &len);
	if (len > HEADER_NAME_MAX)
		len = HEADER_NAME_MAX;
	st->given[st->ncols] = xmemdup0(s, len);
	st->ncols++;
}

static void cb_field(void *data, size_t len, void *ctx)
{
	struct csv_state *st = ctx;
	size_t i = st->nfields++;
	int col;

	if (st->stop)
		return;
	if (st->in_header) {
		header_field(st, data, len);
		return;
	}
	if (i >= st->ncols || (col = st->map[i]) < 0)
		return;
	st->off[col] = st->row.len;
	st->len[col] = len;
	st->have[col] = 1;
	/* Cannot fail: the row holds at most ENTITY_MAX_COLS capped fields. */
	strbuf_add(&st->row, data, len);
	strbuf_add(&st->row, "", 1);
}

/* The record the buffered fields of the current row make. */
static void fill_record(struct csv_state *st, struct record *rec)
{
	ingest_record(rec, st->src, st->rec_line, st->row.buf, st->off,
		      st->len, st->have, NULL);
}

/* A row broken before it is a record.  Its key is named when the fields
 * read so far hold one that parses (a ragged row may be shifted, so a raw
 * key is not shown). */
static int reject_row(struct csv_state *st, enum rule rule, int col,
		      const char *value, size_t vlen, const char *msg)
{
	struct record rec;

	st->src->rows_read++;
	st->src->rows_rejected++;
	fill_record(st, &rec);
	if (!validate_key(&rec))
		rec.key[0] = '\0';
	return run_finding(st->run, st->src, st->rec_line, &rec, col, rule,
			   value, vlen, "%s", msg);
}

static int header_done(struct csv_state *st);

static void cb_row(int c, void *ctx)
{
	struct csv_state *st = ctx;
	struct record rec;
	char msg[96];
	int ret;

	(void)c;
	if (st->stop)
		return;
	if (st->in_header) {
		st->in_header = 0;
		if (header_done(st) < 0)
			st->stop = -1;
		row_reset(st);
		return;
	}
	if (st->nfields != st->ncols) {
		snprintf(msg, sizeof(msg), "row has %zu fields; the header has %zu",
			 st->nfields, st->ncols);
		reject_row(st, RULE_COLUMN_COUNT, -1, NULL, 0, msg);
		row_reset(st);
		return;
	}
	fill_record(st, &rec);
	ret = st->sink(st->run, &rec);
	if (ret < 0)
		st->stop = -2;
	row_reset(st);
}

static void refuse_missing(struct csv_state *st, const char *what)
{
	run_refuse(st->run, st->src, 65, "%s", what);
	run_finding(st->run, st->src, 1, NULL, -1, RULE_COLUMN_MISSING, NULL, 0,
		    "%s; file refused", what);
}

/* Map the header to the entity's columns; refuse the file when a required
 * column is missing or the entity cannot be told. */
static int header_done(struct csv_state *st)
{
	enum entity e = st->run->opt.entity;
	const struct entity_def *d;
	char msg[200];
	size_t i, j;
	int col;

	if (st->too_many_cols) {
		snprintf(msg, sizeof(msg), "header has more than %d columns",
			 HEADER_MAX_COLS);
		refuse_missing(st, msg);
		return -1;
	}
	if (e == ENTITY_NONE)
		e = entity_detect(st->names, st->ncols);
	if (e == ENTITY_NONE) {
		refuse_missing(st, "cannot tell the entity from the header (no "
			       "customer_tenant_id, type, or tenant_id and "
			       "contact_email column); use --entity");
		return -1;
	}
	st->src->entity = e;
	d = &entity_defs[e];
	for (i = 0; i < st->ncols; i++) {
		col = column_find(e, st->names[i]);
		st->map[i] = col;
		for (j = 0; col >= 0 && j < i; j++) {
			if (st->map[j] == col) {
				st->map[i] = -1;
				run_finding(st->run, st->src, 1, NULL, -1,
					    RULE_COLUMN_UNKNOWN, st->given[i],
					    strlen(st->given[i]),
					    "column repeats column '%s' (%s); "
					    "ignored", st->given[j],
					    d->cols[col].name);
				break;
			}
		}
		if (col < 0)
			run_finding(st->run, st->src, 1, NULL, -1,
				    RULE_COLUMN_UNKNOWN, st->given[i],
				    strlen(st->given[i]),
				    "unknown column for %s; ignored", d->name);
	}
	for (j = 0; j < d->ncols; j++) {
		if (!d->cols[j].required)
			continue;
		for (i = 0; i < st->ncols && st->map[i] != (int)j; i++)
			;
		if (i == st->ncols) {
			if (!st->src->refused)
				run_refuse(st->run, st->src, 65,
					   "required column '%s' is missing",
					   d->cols[j].name);
			run_finding(st->run, st->src, 1, NULL, (int)j,
				    RULE_COLUMN_MISSING, NULL, 0,
				    "required column '%s' of %s is missing; "
				    "file refused", d->cols[j].name, d->name);
		}
	}
	return st->src->refused ? -1 : 0;
}

/* After a parse error: report the broken record, skip the rest of the
 * physical line, restart the parser. */
static int parse_error(struct csv_state *st)
{
	int err = csv_error(&st->p);
	const char *entry = (const char *)st->p.entry_buf;
	size_t elen = st->p.entry_pos;
	int col = -1;

	if (!row_open(st))
		st->rec_line = st->line;
	if (st->in_header) {
		refuse_missing(st, "the header line cannot be read as CSV");
		return -1;
	}
	if (st->nfields < st->ncols)
		col = st->map[st->nfields];
	if (err == CSV_ENOMEM || err == CSV_ETOOBIG) {
		if (entry && memchr(entry, '\n', elen))
			reject_row(st, RULE_CSV_MALFORMED, col, entry, elen,
				   "quoted field runs over several lines "
				   "and past the field limit: unterminated "
				   "quote?");
		else
			reject_row(st, RULE_TOO_LONG, col, entry, elen,
				   "field longer than the limit of "
				   FIELD_MAX_TEXT " bytes; rest of the line "
				   "skipped");
	} else {
		reject_row(st, RULE_CSV_MALFORMED, col, NULL, 0,
			   "stray quote, or text after a closing quote; rest "
			   "of the line skipped");
	}
	csv_free(&st->p);
	row_reset(st);
	return parser_init(st);
}

/* Feed bytes; splits at LF so that every callback knows its line. */
static int feed(struct csv_state *st, const unsigned char *buf, size_t len,
		int *skipping)
{
	while (len && !st->stop) {
		const unsigned char *nl = memchr(buf, '\n', len);
		size_t seg = nl ? (size_t)(nl - buf) + 1 : len;

		if (*skipping) {
			if (nl)
				st->line++, *skipping = 0;
		} else {
			if (!row_open(st))
				st->rec_line = st->line;
			if (csv_parse(&st->p, buf, seg, cb_field, cb_row, st) !=
			    seg) {
				if (parse_error(st) < 0)
					return -1;
				if (!nl)
					*skipping = 1;
			}
			if (nl)
				st->line++;
		}
		buf += seg;
		len -= seg;
	}
	return st->stop;
}

static unsigned char detect_delim(const unsigned char *s, size_t len)
{
	const unsigned char *nl = memchr(s, '\n', len);
	size_t i, n = nl ? (size_t)(nl - s) : len;
	size_t comma = 0, semi = 0, tab = 0;

	for (i = 0; i < n; i++) {
		comma += s[i] == ',';
		semi += s[i] == ';';
		tab += s[i] == '\t';
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

/* The header guess: fields of the first record, no more. */
struct guess {
	char *names[HEADER_MAX_COLS];
	size_t ncols;
	int done, full;
};

static void guess_field(void *data, size_t len, void *ctx)
{
	struct guess *g = ctx;
	char norm[HEADER_NAME_MAX];

	if (g->done)
		return;
	if (g->ncols == HEADER_MAX_COLS) {
		g->full = 1;
		return;
	}
	if (column_normalise(data ? data : "", data ? len : 0, norm,
			     sizeof(norm)) < 0)
		norm[0] = '\0';
	g->names[g->ncols++] = xstrdup(norm);
}

static void guess_row(int c, void *ctx)
{
	(void)c;
	((struct guess *)ctx)->done = 1;
}

enum entity csv_head_entity(const unsigned char *s, size_t len)
{
	struct csv_state st;
	struct guess g;
	const unsigned char *nl;
	enum entity e = ENTITY_NONE;
	size_t i;

	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		len -= 3;
	}
	/* Only a header line that is whole in the look-ahead. */
	if (!(nl = memchr(s, '\n', len)))
		return ENTITY_NONE;
	memset(&st, 0, sizeof(st));
	memset(&g, 0, sizeof(g));
	st.delim = detect_delim(s, len);
	if (parser_init(&st) < 0)
		return ENTITY_NONE;
	len = (size_t)(nl - s) + 1;
	if (csv_parse(&st.p, s, len, guess_field, guess_row, &g) == len &&
	    g.done && !g.full)
		e = entity_detect(g.names, g.ncols);
	csv_free(&st.p);
	for (i = 0; i < g.ncols; i++)
		free(g.names[i]);
	return e;
}

static void state_release(struct csv_state *st)
{
	size_t i;

	for (i = 0; i < st->ncols; i++) {
		free(st->names[i]);
		free(st->given[i]);
	}
	strbuf_release(&st->row);
	csv_free(&st->p);
}

int ingest_csv(struct run *run, struct source *src, struct peeked *pk,
	       record_sink sink)
{
	struct csv_state st;
	unsigned char *buf = xmalloc(CHUNK);
	int skipping = 0, ret = 0;
	long n;

	memset(&st, 0, sizeof(st));
	st.run = run;
	st.src = src;
	st.sink = sink;
	st.in_header = 1;
	st.line = 1;
	st.rec_line = 1;
	strbuf_init(&st.row, ENTITY_MAX_COLS * (FIELD_MAX + 1));
	src->entity = ENTITY_NONE;

	if (pk->head_len >= 2 && ((pk->head[0] == 0xff && pk->head[1] == 0xfe) ||
				 (pk->head[0] == 0xfe && pk->head[1] == 0xff))) {
		run_refuse(run, src, 65, "UTF-16 text; convert the file to "
			   "UTF-8");
		run_finding(run, src, 1, NULL, -1, RULE_ENCODING_INVALID, NULL,
			    0, "the file is UTF-16, not UTF-8; file refused");
		free(buf);
		return -1;
	}
	if (pk->head_len >= 3 && !memcmp(pk->head, "\xef\xbb\xbf", 3)) {
		pk->head += 3;
		pk->head_len -= 3;
	}
	st.delim = detect_delim(pk->head, pk->head_len);
	if (parser_init(&st) < 0) {
		free(buf);
		return -2;
	}
	while ((n = peeked_read(pk, buf, CHUNK)) > 0) {
		ret = feed(&st, buf, (size_t)n, &skipping);
		if (ret)
			break;
	}
	if (n < 0) {
		ret = ingest_stream_failed(run, src, pk->in);
	} else if (!ret && !skipping) {
		if (!row_open(&st))
			st.rec_line = st.line;
		if (csv_fini(&st.p, cb_field, cb_row, &st) != 0) {
			if (st.in_header)
				refuse_missing(&st, "the header line cannot be "
					       "read as CSV");
			else
				reject_row(&st, RULE_CSV_MALFORMED, -1, NULL, 0,
					   "unterminated quote: the "
					   "record runs to the end of the file");
		}
		ret = st.stop;
	}
	if (!ret && st.in_header) {
		refuse_missing(&st, "the file is empty: no header line");
		ret = -1;
	}
	state_release(&st);
	free(buf);
	return ret < 0 ? ret : (src->refused ? -1 : 0);
}
