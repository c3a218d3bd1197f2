/* util.c -- diagnostics, allocation and the string buffer.
 * See util.h for the contract. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csprecon/exit.h"
#include "csprecon/show.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

int util_verbosity;
int util_stdout_errno;

/* A message may hold a file name, a header or a value from the input: it
 * reaches the terminal in its display form (show.h). */
static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	char stack[1024], *msg = stack;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(stack, sizeof(stack), fmt, ap);
	if (n >= (int)sizeof(stack)) {
		msg = xmalloc((size_t)n + 1);
		vsnprintf(msg, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	fputs("csprecon: ", stderr);
	fputs(prefix, stderr);
	if (n > 0)
		show_fwrite(stderr, msg, (size_t)n);
	fputc('\n', stderr);
	if (msg != stack)
		free(msg);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	if (util_verbosity < 0)
		return;
	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void verbose(const char *fmt, ...)
{
	va_list ap;

	if (util_verbosity < 1)
		return;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void phase_done(const char *what)
{
	static struct timespec last;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (last.tv_sec || last.tv_nsec)
		verbose("%s: %.2f s", what,
			(double)(now.tv_sec - last.tv_sec) +
			(double)(now.tv_nsec - last.tv_nsec) / 1e9);
	last = now;
}

/* The one exit outside main(): an internal error past recovery. */
static void die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	exit(EXIT_INTERNAL);
}

static void die_oom(size_t n)
{
	die("out of memory allocating %zu bytes", n);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die_oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die_oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die_oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xmemdup0(s, strlen(s));
}

char *xmemdup0(const void *p, size_t n)
{
	char *q = xmalloc(n + 1);

	if (n)
		memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

static char strbuf_empty[1];

void strbuf_init_capped(struct strbuf *sb, size_t cap)
{
	sb->buf = strbuf_empty;
	sb->len = 0;
	sb->alloc = 0;
	sb->cap = cap < STRBUF_NO_CAP ? cap : STRBUF_NO_CAP;
}

void strbuf_init(struct strbuf *sb)
{
	strbuf_init_capped(sb, STRBUF_NO_CAP);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init_capped(sb, sb->cap);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->buf[0] = '\0';
}

/* Room for extra more bytes and the NUL: 0, or -1 past the cap of a
 * capped buffer.  A buffer without a cap dies instead: it has reached
 * SIZE_MAX bytes, which no allocation can hold. */
static int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want;

	if (extra > sb->cap || sb->len > sb->cap - extra) {
		if (sb->cap == STRBUF_NO_CAP)
			die_oom(SIZE_MAX);
		return -1;
	}
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return 0;
	if (sb->alloc <= SIZE_MAX / 2 && want < sb->alloc * 2)
		want = sb->alloc * 2;
	if (want < 64)
		want = 64;
	if (want > sb->cap + 1)
		want = sb->cap + 1;
	if (sb->alloc) {
		sb->buf = xrealloc(sb->buf, want);
	} else {
		sb->buf = xmalloc(want);
		sb->buf[0] = '\0';
	}
	sb->alloc = want;
	return 0;
}

int strbuf_add_grow(struct strbuf *sb, const void *data, size_t len)
{
	if (strbuf_grow(sb, len) < 0)
		return -1;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 && sb->cap == STRBUF_NO_CAP)
		die("internal error: cannot format '%s'", fmt);
	if (n < 0 || strbuf_grow(sb, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

void trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;

	while (n && is_ws((unsigned char)*p))
		p++, n--;
	while (n && is_ws((unsigned char)p[n - 1]))
		n--;
	*s = p;
	*len = n;
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int mem_ieq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

void utf8_cut(char *s, size_t size)
{
	size_t n = strlen(s), i = n, need;
	unsigned char lead;

	if (n + 1 < size)
		return;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0 || (lead = (unsigned char)s[i - 1]) < 0xC0)
		return;
	need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}
