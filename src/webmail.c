/* webmail.c -- the list of web-based mail services (SPEC §3.1).
 *
 * A list keeps plain domains and patterns apart: plain domains in a sorted
 * array searched with bsearch (a user list may hold thousands of throwaway
 * mail domains), patterns (with a "<cc>" label) in a short array compared
 * label by label.  Entries are stored lower case, without a trailing dot.
 * webmail_load() prints its diagnostics through error(); matching never
 * allocates or prints.  The list owns every string it holds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csprecon/util.h"
#include "csprecon/values.h"
#include "csprecon/webmail.h"
#include "csprecon/banned.h"

/* Longest line webmail_load() reads whole; a domain is at most 253 bytes,
 * so anything longer is invalid anyway. */
#define WEBMAIL_LINE_MAX 1024

struct entry {
	char *name;    /* lower case, NUL-terminated */
	size_t len;
	size_t labels; /* dot-separated labels in name */
};

struct entry_array {
	struct entry *v;
	size_t nr, alloc;
};

struct webmail_list {
	struct entry_array domains;  /* sorted by name, no duplicates */
	struct entry_array patterns; /* in the order added */
};

/* The default list, data/webmail.txt, embedded by src/schemas.S. */
extern const char csprecon_webmail_txt[], csprecon_webmail_txt_end[];

static unsigned char to_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_cc_label(const char *s, size_t len)
{
	return len == 4 && s[0] == '<' && s[3] == '>' &&
	       to_lower((unsigned char)s[1]) == 'c' &&
	       to_lower((unsigned char)s[2]) == 'c';
}

/* Whether s is a valid domain in which whole labels may be "<cc>"
 * (checked as if each were a two-letter label), and whether it has one. */
static int entry_valid(const char *s, size_t len, int *is_pattern)
{
	char buf[VALUE_DOMAIN_MAX + 2];
	size_t n = 0, start = 0;

	*is_pattern = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (is_cc_label(s + start, i - start)) {
			*is_pattern = 1;
			if (n + 2 > sizeof(buf))
				return 0;
			memcpy(buf + n, "aa", 2);
			n += 2;
		} else {
			if (n + (i - start) > sizeof(buf))
				return 0;
			memcpy(buf + n, s + start, i - start);
			n += i - start;
		}
		if (i < len) {
			if (n + 1 > sizeof(buf))
				return 0;
			buf[n++] = '.';
		}
		start = i + 1;
	}
	return value_domain(buf, n) == 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

struct match_key {
	const char *s; /* the domain being looked up, any case */
	size_t len;
};

/* Order a key against a stored entry as entry_cmp() sorts: bytes of the
 * key folded to lower case, shorter first on a common prefix. */
static int key_cmp(const void *k, const void *e)
{
	const struct match_key *key = k;
	const struct entry *ent = e;
	size_t n = key->len < ent->len ? key->len : ent->len;

	for (size_t i = 0; i < n; i++) {
		unsigned char a = to_lower((unsigned char)key->s[i]);
		unsigned char b = (unsigned char)ent->name[i];

		if (a != b)
			return a < b ? -1 : 1;
	}
	return (key->len > ent->len) - (key->len < ent->len);
}

static size_t count_labels(const char *s, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '.';
	return n;
}

static void entry_push(struct entry_array *a, const char *s, size_t len)
{
	struct entry *e;

	if (a->nr == a->alloc) {
		a->alloc = a->alloc ? a->alloc * 2 : 32;
		a->v = xrealloc(a->v, a->alloc * sizeof(*a->v));
	}
	e = &a->v[a->nr++];
	e->name = xmemdup0(s, len);
	e->len = len;
	e->labels = count_labels(s, len);
	for (size_t i = 0; i < len; i++)
		e->name[i] = (char)to_lower((unsigned char)e->name[i]);
}

static void entry_truncate(struct entry_array *a, size_t nr)
{
	while (a->nr > nr)
		free(a->v[--a->nr].name);
}

/* Restore the domain array's invariant after pushes: sorted, unique. */
static void domains_settle(struct entry_array *a)
{
	size_t out = 0;

	if (!a->nr)
		return;
	qsort(a->v, a->nr, sizeof(*a->v), entry_cmp);
	for (size_t i = 1; i < a->nr; i++) {
		if (!strcmp(a->v[i].name, a->v[out].name))
			free(a->v[i].name);
		else
			a->v[++out] = a->v[i];
	}
	a->nr = out + 1;
}

/* Add a valid entry (trailing dot already dropped). */
static void add_entry(struct webmail_list *w, const char *s, size_t len,
		      int is_pattern)
{
	entry_push(is_pattern ? &w->patterns : &w->domains, s, len);
}

static int load_stream(struct webmail_list *w, FILE *f, const char *path);

struct webmail_list *webmail_new(void)
{
	struct webmail_list *w = xcalloc(1, sizeof(*w));
	FILE *f = fmemopen((void *)(uintptr_t)csprecon_webmail_txt,
			   (size_t)(csprecon_webmail_txt_end -
				    csprecon_webmail_txt), "r");

	/* The embedded list is valid (tests/unit/test_webmail.c reads it):
	 * only a failing fmemopen() could leave it empty. */
	if (!f || load_stream(w, f, "data/webmail.txt") < 0)
		error("cannot read the built-in web-mail list");
	return w;
}

/* Show an entry in a diagnostic without letting control bytes from the
 * file reach the terminal. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			*s = '?';
}

int webmail_load(struct webmail_list *w, const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return error("cannot open '%s': %s", path, strerror(errno));
	return load_stream(w, f, path);
}

/* Read entries from f, which it closes; path names it in messages. */
static int load_stream(struct webmail_list *w, FILE *f, const char *path)
{
	size_t old_domains = w->domains.nr, old_patterns = w->patterns.nr;
	char line[WEBMAIL_LINE_MAX + 1];
	unsigned long lineno = 0;
	int ret = 0, eof = 0;

	while (!eof) {
		size_t n = 0, len, shown_len;
		const char *s = line;
		char *hash;
		int c, bad = 0, is_pattern;

		/* Read one line with a cap: memory never grows with it. */
		while ((c = getc(f)) != EOF && c != '\n') {
			if (n < WEBMAIL_LINE_MAX)
				line[n++] = (char)c;
			else
				bad = 1;
		}
		if (c == EOF) {
			eof = 1;
			if (!n && !bad)
				break;
		}
		lineno++;
		line[n] = '\0';
		/* What follows a '#' is a comment, however long. */
		hash = memchr(line, '#', n);
		if (hash) {
			*hash = '\0';
			n = (size_t)(hash - line);
			bad = 0;
		}
		/* A NUL byte would end the entry early: refuse the line. */
		if (memchr(line, '\0', n))
			bad = 1;
		/* Editors on Windows start a UTF-8 file with a BOM. */
		if (lineno == 1 && n >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3))
			s += 3, n -= 3;
		len = n;
		trim(&s, &len);
		if (!len && !bad)
			continue;
		shown_len = len;
		if (!bad && s[len - 1] == '.')
			len--;
		if (bad || !entry_valid(s, len, &is_pattern)) {
			char *shown = xmemdup0(s, shown_len);

			sanitize(shown);
			ret = error("%s:%lu: invalid web-mail entry '%s'", path,
				    lineno, shown);
			free(shown);
			continue;
		}
		add_entry(w, s, len, is_pattern);
	}
	if (ferror(f))
		ret = error("cannot read '%s': %s", path, strerror(errno));
	fclose(f); /* read-only: nothing to lose on close */
	if (ret) {
		/* All or nothing: a bad file leaves the list as it was. */
		entry_truncate(&w->domains, old_domains);
		entry_truncate(&w->patterns, old_patterns);
		return -1;
	}
	domains_settle(&w->domains);
	return 0;
}

/* Whether domain d (no trailing dot) matches pattern p label by label. */
static int pattern_match(const char *p, size_t plen, const char *d,
			 size_t dlen)
{
	size_t i = 0, j = 0;

	for (;;) {
		size_t pe = i, de = j;

		while (pe < plen && p[pe] != '.')
			pe++;
		while (de < dlen && d[de] != '.')
			de++;
		if (is_cc_label(p + i, pe - i)) {
			if (de - j != 2 || !is_alpha((unsigned char)d[j]) ||
			    !is_alpha((unsigned char)d[j + 1]))
				return 0;
		} else if (!mem_ieq(p + i, pe - i, d + j, de - j)) {
			return 0;
		}
		if (pe == plen || de == dlen)
			return pe == plen && de == dlen;
		i = pe + 1;
		j = de + 1;
	}
}

int webmail_match(const struct webmail_list *w, const char *domain,
		  size_t len)
{
	struct match_key key;
	size_t labels;

	if (len && domain[len - 1] == '.')
		len--;
	if (!len)
		return 0;
	key.s = domain;
	key.len = len;
	if (w->domains.nr && bsearch(&key, w->domains.v, w->domains.nr,
				     sizeof(w->domains.v[0]), key_cmp))
		return 1;
	/* Only patterns with as many labels can match: most are skipped
	 * without a comparison. */
	labels = count_labels(domain, len);
	for (size_t i = 0; i < w->patterns.nr; i++) {
		const struct entry *p = &w->patterns.v[i];

		if (p->labels == labels &&
		    pattern_match(p->name, p->len, domain, len))
			return 1;
	}
	return 0;
}

void webmail_free(struct webmail_list *w)
{
	if (!w)
		return;
	entry_truncate(&w->domains, 0);
	entry_truncate(&w->patterns, 0);
	free(w->domains.v);
	free(w->patterns.v);
	free(w);
}
