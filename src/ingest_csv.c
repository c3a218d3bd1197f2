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
 *
 * Two threads share the work of a file (pipe.h).  The parser thread
 * reads, splits lines and runs libcsv; its callbacks only write events (a
 * field, the end of a row with its line, a parse error, the end).  The
 * calling thread replays them in order through the same logic as a
 * one-threaded reader: header mapping, records, findings and the sink all
 * stay on it.  A reader that stops (refused file, failed sink) cancels the
 * parser thread.
 */
#include <stdlib.h>
#include <string.h>
#include <csv.h>

#include "csprecon/exit.h"
#include "csprecon/ingest_csv.h"
#include "csprecon/pipe.h"
#include "csprecon/util.h"
#include "csprecon/validate.h"
#include "csprecon/banned.h"

#define HEADER_MAX_COLS 1024
#define HEADER_NAME_MAX 256
#define CHUNK (64 * 1024)
#define CSV_OPTIONS (CSV_STRICT | CSV_STRICT_FINI)

/* Events, each a tag byte and its fields in native byte order:
 * EV_FIELD u32 length, bytes; EV_ROW u64 line; EV_ERROR u64 line,
 * i32 libcsv error, u32 length, the bytes of the broken field; EV_END i32
 * how (END_*), u64 line. */
enum { EV_FIELD = 'F', EV_ROW = 'R', EV_ERROR = 'E', EV_END = 'Z' };
enum { END_CLEAN, END_OPEN_QUOTE, END_STREAM, END_INTERNAL, END_NO_THREAD };

/* The parser thread's side. */
struct parser {
	struct pipe pipe;
	struct peeked *pk;
	struct csv_parser p;
	unsigned char delim;
	uint64_t line;              /* current physical line, from 1 */
	uint64_t rec_line;          /* line where the open record started */
	size_t nfields;             /* fields of the open row */
	int skipping;               /* the rest of a broken line */
	int plain;                  /* libcsv's own space and end tests */
};

struct csv_state {
	struct run *run;
	struct source *src;
	record_sink sink;
	int in_header;              /* the header row is being read */
	char *names[HEADER_MAX_COLS]; /* normalised header cells */
	char *given[HEADER_MAX_COLS]; /* header cells as written */
	size_t ncols;               /* header cells */
	int map[HEADER_MAX_COLS];   /* entity column of each cell, or -1 */
	size_t nfields;             /* fields seen in the current row */
	struct strbuf row;          /* mapped fields of the current row */
	size_t off[ENTITY_MAX_COLS], len[ENTITY_MAX_COLS];
	unsigned char have[ENTITY_MAX_COLS];
	uint64_t rec_line;          /* line where the current record started */
	enum ingest_result stop;    /* INGEST_OK while the reading goes on */
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

static int parser_init(struct csv_parser *p, unsigned char delim)
{
	if (csv_init(p, CSV_OPTIONS) != 0)
		return -1;
	csv_set_delim(p, delim);
	csv_set_space_func(p, delim == '\t' ? space_notab : space_tab);
	csv_set_term_func(p, term_lf);
	csv_set_realloc_func(p, capped_realloc);
	csv_set_blk_size(p, 4096);
	return 0;
}

/* ---- the parser thread ---- */

static void emit_field(void *data, size_t len, void *ctx)
{
	struct parser *t = ctx;
	unsigned char *at = pipe_room(&t->pipe, 1 + 4 + len);

	t->nfields++;
	if (!at)
		return;
	*at++ = EV_FIELD;
	pipe_put32(&at, (uint32_t)len);
	if (len)
		memcpy(at, data, len);
}

static void emit_row(int c, void *ctx)
{
	struct parser *t = ctx;
	unsigned char *at = pipe_room(&t->pipe, 1 + 8);

	(void)c;
	t->nfields = 0;
	if (!at)
		return;
	*at++ = EV_ROW;
	pipe_put64(&at, t->rec_line);
}

static void emit_end(struct parser *t, int how)
{
	unsigned char *at = pipe_room(&t->pipe, 1 + 4 + 8);

	if (!at)
		return;
	*at++ = EV_END;
	pipe_put32(&at, (uint32_t)how);
	pipe_put64(&at, t->rec_line);
	pipe_publish(&t->pipe);
}

static int parser_row_open(const struct parser *t)
{
	return t->nfields > 0 || t->p.entry_pos > 0;
}

/* After a parse error: tell the reader, skip the rest of the physical
 * line, restart libcsv. */
static int parse_failed(struct parser *t)
{
	size_t elen = t->p.entry_pos;
	unsigned char *at;

	if (!parser_row_open(t))
		t->rec_line = t->line;
	if (elen > FIELD_MAX + 1)
		elen = FIELD_MAX + 1;
	if ((at = pipe_room(&t->pipe, 1 + 8 + 4 + 4 + elen))) {
		*at++ = EV_ERROR;
		pipe_put64(&at, t->rec_line);
		pipe_put32(&at, (uint32_t)csv_error(&t->p));
		pipe_put32(&at, (uint32_t)elen);
		if (elen)
			memcpy(at, t->p.entry_buf, elen);
	}
	t->nfields = 0;
	t->plain = 0;
	csv_free(&t->p);
	return parser_init(&t->p, t->delim);
}

/* Our space and end-of-row tests differ from libcsv's own only on CR (a
 * space, not an end of row): for a comma-separated piece of a line without
 * a CR, libcsv's built-in tests give the same result and spare a call per
 * byte.  So they do for a line whose one CR comes just before its LF: in
 * quotes both take it as data; outside, ours trims it as a trailing space
 * and ends the row at the LF, libcsv's ends the row at the CR and skips
 * the LF as a blank line.  A tab-separated file always uses ours (a tab is
 * no space there). */
static void choose_tests(struct parser *t, const unsigned char *buf,
			 size_t len)
{
	const unsigned char *cr = memchr(buf, '\r', len);
	int plain = t->delim != '\t' &&
		    (!cr || (cr == buf + len - 2 && buf[len - 1] == '\n'));

	if (plain == t->plain)
		return;
	csv_set_space_func(&t->p, plain ? NULL : space_tab);
	csv_set_term_func(&t->p, plain ? NULL : term_lf);
	t->plain = plain;
}

/* Feed bytes; splits at LF so that every event knows its line. */
static int feed(struct parser *t, const unsigned char *buf, size_t len)
{
	while (len && !t->pipe.stopped) {
		const unsigned char *nl = memchr(buf, '\n', len);
		size_t seg = nl ? (size_t)(nl - buf) + 1 : len;

		if (t->skipping) {
			if (nl)
				t->line++, t->skipping = 0;
		} else {
			if (!parser_row_open(t))
				t->rec_line = t->line;
			choose_tests(t, buf, seg);
			if (csv_parse(&t->p, buf, seg, emit_field, emit_row, t) !=
			    seg) {
				if (parse_failed(t) < 0)
					return -1;
				if (!nl)
					t->skipping = 1;
			}
			if (nl)
				t->line++;
		}
		buf += seg;
		len -= seg;
	}
	return 0;
}

static void *parser_main(void *arg)
{
	struct parser *t = arg;
	unsigned char *buf = xmalloc(CHUNK);
	long n;

	while ((n = peeked_read(t->pk, buf, CHUNK)) > 0 && !t->pipe.stopped)
		if (feed(t, buf, (size_t)n) < 0) {
			emit_end(t, END_INTERNAL);
			free(buf);
			return NULL;
		}
	free(buf);
	if (n < 0) {
		emit_end(t, END_STREAM);
	} else if (t->skipping) {
		emit_end(t, END_CLEAN);
	} else {
		if (!parser_row_open(t))
			t->rec_line = t->line;
		emit_end(t, csv_fini(&t->p, emit_field, emit_row, t) ?
			 END_OPEN_QUOTE : END_CLEAN);
	}
	pipe_publish(&t->pipe);
	return NULL;
}

/* ---- the reader: replays the events ---- */

static void row_reset(struct csv_state *st)
{
	st->nfields = 0;
	strbuf_reset(&st->row);
	memset(st->have, 0, sizeof(st->have));
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
	record_init(rec, st->src, st->rec_line, st->row.buf, st->off,
		    st->len, st->have, NULL);
}

/* A row broken before it is a record.  Its key is named when the fields
 * read so far hold one that parses (a ragged row may be shifted, so a raw
 * key is not shown), and the sink is handed the broken record for that key
 * alone: the master keeps the key's version, or, with no key, retires
 * nothing of the entity (SPEC §4). */
static void reject_row(struct csv_state *st, enum rule rule, int col,
		       const char *value, size_t vlen, const char *msg)
{
	struct record rec;

	st->src->rows_read++;
	st->src->rows_rejected++;
	fill_record(st, &rec);
	rec.key_ok = validate_key(&rec);
	if (!rec.key_ok)
		rec.key[0] = '\0';
	rec.broken = 1;
	if (run_finding(st->run, st->src, st->rec_line, &rec, col, rule,
			value, vlen, "%s", msg) < 0 ||
	    st->sink(st->run, &rec) < 0)
		st->stop = INGEST_FAILED;
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
			st->stop = INGEST_REFUSED;
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
		st->stop = INGEST_FAILED;
	row_reset(st);
}

static void refuse_missing(struct csv_state *st, const char *what)
{
	run_refuse(st->run, st->src, EXIT_REFUSED, "%s", what);
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
				run_refuse(st->run, st->src, EXIT_REFUSED,
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

/* A parse error the parser thread met: report the broken record. */
static int parse_error(struct csv_state *st, int err, const char *entry,
		       size_t elen)
{
	int col = -1;

	if (st->in_header) {
		refuse_missing(st, "the header line cannot be read as CSV");
		return -1;
	}
	if (st->nfields < st->ncols)
		col = st->map[st->nfields];
	if (err == CSV_ENOMEM || err == CSV_ETOOBIG) {
		if (elen && memchr(entry, '\n', elen))
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
	row_reset(st);
	return 0;
}

/* Replay one block; sets *end (END_*) at the end event, else -1. */
static void replay(struct csv_state *st, const struct pipe_block *b,
		   int *end)
{
	const unsigned char *at = b->buf, *stop = b->buf + b->len;

	while (at < stop && !st->stop) {
		int tag = *at++;
		uint32_t len, err;

		switch (tag) {
		case EV_FIELD:
			len = pipe_get32(&at);
			cb_field((void *)(uintptr_t)at, len, st);
			at += len;
			break;
		case EV_ROW:
			st->rec_line = pipe_get64(&at);
			cb_row(0, st);
			break;
		case EV_ERROR:
			st->rec_line = pipe_get64(&at);
			err = pipe_get32(&at);
			len = pipe_get32(&at);
			if (parse_error(st, (int)err, (const char *)at, len) < 0)
				st->stop = INGEST_REFUSED;
			at += len;
			break;
		default: /* EV_END */
			*end = (int)pipe_get32(&at);
			st->rec_line = pipe_get64(&at);
			return;
		}
	}
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
	struct csv_parser p;
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
	memset(&g, 0, sizeof(g));
	if (parser_init(&p, detect_delim(s, len)) < 0)
		return ENTITY_NONE;
	len = (size_t)(nl - s) + 1;
	if (csv_parse(&p, s, len, guess_field, guess_row, &g) == len &&
	    g.done && !g.full)
		e = entity_detect(g.names, g.ncols);
	csv_free(&p);
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
}

/* Run the parser thread over pk and replay its events; the END_* how the
 * parse ended, or -1 when the reader stopped first. */
static int read_events(struct csv_state *st, struct parser *t)
{
	int end = -1;

	t->line = 1;
	t->rec_line = 1;
	if (pipe_start(&t->pipe, t->pk->in, parser_main, t) < 0) {
		csv_free(&t->p);
		return END_NO_THREAD;
	}
	while (end < 0 && !st->stop) {
		replay(st, pipe_take(&t->pipe), &end);
		pipe_done(&t->pipe);
	}
	pipe_stop(&t->pipe);
	csv_free(&t->p);
	return end;
}

/* The Unicode encoding other than UTF-8 that a byte-order mark at the
 * start of head announces, or NULL.  UTF-32LE's mark begins with
 * UTF-16LE's, so it is tested first. */
static const char *utf_bom(const unsigned char *head, size_t len)
{
	if (len >= 4 && (!memcmp(head, "\xff\xfe\0\0", 4) ||
			 !memcmp(head, "\0\0\xfe\xff", 4)))
		return "UTF-32";
	if (len >= 2 && (!memcmp(head, "\xff\xfe", 2) ||
			 !memcmp(head, "\xfe\xff", 2)))
		return "UTF-16";
	return NULL;
}

enum ingest_result ingest_csv(struct run *run, struct source *src,
			      struct peeked *pk, record_sink sink)
{
	struct csv_state st;
	struct parser t;
	const char *utf;
	enum ingest_result ret;

	memset(&st, 0, sizeof(st));
	memset(&t, 0, sizeof(t));
	st.run = run;
	st.src = src;
	st.sink = sink;
	st.in_header = 1;
	st.rec_line = 1;
	strbuf_init_capped(&st.row, ENTITY_MAX_COLS * (FIELD_MAX + 1));
	src->entity = ENTITY_NONE;

	if ((utf = utf_bom(pk->head, pk->head_len))) {
		run_refuse(run, src, EXIT_REFUSED, "%s text; convert the file to UTF-8",
			   utf);
		run_finding(run, src, 1, NULL, -1, RULE_ENCODING_INVALID, NULL,
			    0, "the file is %s, not UTF-8; file refused", utf);
		state_release(&st);
		return INGEST_REFUSED;
	}
	if (pk->head_len >= 3 && !memcmp(pk->head, "\xef\xbb\xbf", 3)) {
		pk->head += 3;
		pk->head_len -= 3;
	}
	t.pk = pk;
	t.delim = detect_delim(pk->head, pk->head_len);
	if (parser_init(&t.p, t.delim) < 0) {
		error("cannot start the CSV parser");
		state_release(&st);
		return INGEST_FAILED;
	}
	switch (read_events(&st, &t)) {
	case END_STREAM:
		run_refuse_input(run, src, pk->in);
		ret = INGEST_REFUSED;
		break;
	case END_OPEN_QUOTE:
		if (st.in_header)
			refuse_missing(&st, "the header line cannot be read "
				       "as CSV");
		else
			reject_row(&st, RULE_CSV_MALFORMED, -1, NULL, 0,
				   "unterminated quote: the record runs to "
				   "the end of the file");
		ret = st.stop;
		break;
	case END_INTERNAL:
		error("cannot restart the CSV parser");
		ret = INGEST_FAILED;
		break;
	case END_NO_THREAD:
		ret = INGEST_FAILED;
		break;
	default: /* END_CLEAN, or the reader stopped */
		ret = st.stop;
	}
	if (ret == INGEST_OK && st.in_header) {
		refuse_missing(&st, "the file is empty: no header line");
		ret = INGEST_REFUSED;
	}
	state_release(&st);
	if (ret == INGEST_OK && src->refused)
		ret = INGEST_REFUSED;
	return ret;
}
