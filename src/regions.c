/* regions.c -- the CSP region table.  See regions.h.
 *
 * Parsed with libcsv (strict) from the embedded file or a user's file,
 * one row at a time with a capped row buffer.  Countries are indexed by
 * their two letters, so a lookup is an array access.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <csv.h>

#include "csprecon/exit.h"
#include "csprecon/regions.h"
#include "csprecon/schema.h"
#include "csprecon/util.h"
#include "csprecon/values.h"
#include "csprecon/banned.h"

#define MAX_REGIONS 64
#define MAX_FIELDS 16
#define FIELD_CAP 256

extern const char csprecon_regions_csv[], csprecon_regions_csv_end[];

struct regions {
	char *names[MAX_REGIONS];
	size_t nnames;
	signed char of[26 * 26];   /* region index of each alpha-2, or -1 */
};

struct parse {
	struct regions *r;
	const char *path;
	long line;
	char fields[MAX_FIELDS][FIELD_CAP + 1];
	size_t nfields;
	int col_country, col_region; /* -1 until the header is read */
	int header_done;
	int failed;
};

static int bad(struct parse *p, const char *msg, const char *v)
{
	if (!p->failed)
		error("%s:%ld: %s '%s'", p->path, p->line, msg, v);
	p->failed = 1;
	return -1;
}

static void cb_field(void *data, size_t len, void *ctx)
{
	struct parse *p = ctx;

	if (p->nfields < MAX_FIELDS) {
		if (len > FIELD_CAP)
			len = FIELD_CAP;
		memcpy(p->fields[p->nfields], data, len);
		p->fields[p->nfields][len] = '\0';
	}
	p->nfields++;
}

static int add_region(struct parse *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->r->nnames; i++)
		if (!strcmp(p->r->names[i], name))
			return (int)i;
	if (p->r->nnames == MAX_REGIONS)
		return bad(p, "too many regions at", name);
	p->r->names[p->r->nnames] = xstrdup(name);
	return (int)p->r->nnames++;
}

static void cb_row(int c, void *ctx)
{
	struct parse *p = ctx;
	char norm[64], cc[3];
	size_t i, n = p->nfields < MAX_FIELDS ? p->nfields : MAX_FIELDS;
	const char *v, *name;
	size_t len;
	int idx;

	(void)c;
	p->nfields = 0;
	if (p->failed)
		return;
	if (!p->header_done) {
		p->header_done = 1;
		for (i = 0; i < n; i++) {
			if (column_normalise(p->fields[i], strlen(p->fields[i]),
					     norm, sizeof(norm)) < 0)
				continue;
			if (!strcmp(norm, "country_iso2"))
				p->col_country = (int)i;
			else if (!strcmp(norm, "csp_region"))
				p->col_region = (int)i;
		}
		if (p->col_country < 0 || p->col_region < 0)
			bad(p, "the header needs columns country_iso2 and "
			    "csp_region, not", p->fields[0]);
		return;
	}
	if ((size_t)p->col_country >= n || (size_t)p->col_region >= n) {
		bad(p, "row has too few fields", "");
		return;
	}
	v = p->fields[p->col_country];
	len = strlen(v);
	trim(&v, &len);
	if (len != 2 || value_country(v, len, cc) < 0) {
		bad(p, "not an ISO 3166-1 alpha-2 country", v);
		return;
	}
	name = p->fields[p->col_region];
	len = strlen(name);
	trim(&name, &len);
	if (!len) {
		bad(p, "empty csp_region for", cc);
		return;
	}
	((char *)(uintptr_t)name)[len] = '\0';
	if ((idx = add_region(p, name)) < 0)
		return;
	p->r->of[(cc[0] - 'A') * 26 + (cc[1] - 'A')] = (signed char)idx;
}

/* Feed the text line by line so that errors name their line. */
static int parse_text(struct parse *p, const char *buf, size_t len)
{
	struct csv_parser csv;
	const char *end = buf + len;

	if (csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return error("cannot start the CSV parser");
	while (buf < end && !p->failed) {
		const char *nl = memchr(buf, '\n', (size_t)(end - buf));
		size_t seg = nl ? (size_t)(nl - buf) + 1 : (size_t)(end - buf);

		if (csv_parse(&csv, buf, seg, cb_field, cb_row, p) != seg)
			bad(p, "cannot be read as CSV", "");
		buf += seg;
		p->line++;
	}
	if (!p->failed && csv_fini(&csv, cb_field, cb_row, p) != 0)
		bad(p, "unterminated quote", "");
	csv_free(&csv);
	if (!p->failed && !p->header_done)
		bad(p, "empty region table", "");
	return p->failed ? -1 : 0;
}

struct regions *regions_load(const char *path, int *code)
{
	struct regions *r = xcalloc(1, sizeof(*r));
	struct parse p;
	char *buf = NULL;
	size_t len = 0, alloc = 0, n;
	FILE *f;
	int ret;

	memset(r->of, -1, sizeof(r->of));
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.path = path ? path : "data/csp_regions-2023-08-17.csv";
	p.line = 1;
	p.col_country = p.col_region = -1;
	*code = 0;
	if (!path) {
		ret = parse_text(&p, csprecon_regions_csv,
				 (size_t)(csprecon_regions_csv_end -
					  csprecon_regions_csv));
	} else {
		if (!(f = fopen(path, "r"))) {
			error("cannot open '%s': %s", path, strerror(errno));
			*code = EXIT_NOINPUT;
			regions_free(r);
			return NULL;
		}
		/* A region table is small; refuse one that is not. */
		do {
			if (alloc - len < 4096) {
				alloc = alloc ? alloc * 2 : 16384;
				buf = xrealloc(buf, alloc);
			}
			n = fread(buf + len, 1, alloc - len, f);
			len += n;
		} while (n && len < (1u << 20));
		ret = ferror(f) || len >= (1u << 20) ? -1 : 0;
		fclose(f);
		if (ret < 0)
			error("cannot read '%s' (or larger than 1 MiB)", path);
		else
			ret = parse_text(&p, buf, len);
		free(buf);
	}
	if (ret < 0) {
		*code = EXIT_REFUSED;
		regions_free(r);
		return NULL;
	}
	return r;
}

void regions_free(struct regions *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r);
}

const char *regions_of(const struct regions *r, const char *cc)
{
	int i;

	if (!cc || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
		return NULL;
	i = r->of[(cc[0] - 'A') * 26 + (cc[1] - 'A')];
	return i < 0 ? NULL : r->names[i];
}

const char *regions_find(const struct regions *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nnames; i++)
		if (mem_ieq(r->names[i], strlen(r->names[i]), name,
			    strlen(name)))
			return r->names[i];
	return NULL;
}

const char *regions_name(const struct regions *r, size_t i)
{
	return i < r->nnames ? r->names[i] : NULL;
}
