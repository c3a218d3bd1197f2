/* util.h -- diagnostics, allocation and a string buffer.
 *
 * Diagnostics have one shape on stderr: "csprecon: [file:line: ]message",
 * the message in show.h's display form (no control character from a file
 * name or a value reaches the terminal).
 * error() prints and returns -1 so callers write `return error(...)`.
 * Allocation failure is not recoverable in a batch run: x*alloc, and a
 * string buffer without a cap that cannot grow, print a message and exit
 * with 70 (internal error); they are the only place that exits outside
 * main().
 */
#ifndef CSPRECON_UTIL_H
#define CSPRECON_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Verbosity: -1 quiet (-q), 0 normal, 1 verbose (-v).  Set once by main. */
extern int util_verbosity;

/* The errno of the first failed write to standard output, set by the
 * writer that saw it fail (0 when none): main() reports standard output
 * at exit, when errno says something else. */
extern int util_stdout_errno;

/* Print "csprecon: MESSAGE" on stderr; return -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "csprecon: warning: MESSAGE" on stderr unless quiet. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "csprecon: MESSAGE" on stderr only under -v. */
void verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Under -v, print how long the phase since the last call took:
 * "csprecon: WHAT: N.NN s". */
void phase_done(const char *what);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xmemdup0(const void *p, size_t n); /* copy of n bytes plus a NUL */

/* A growable byte buffer; buf is always NUL-terminated (never NULL after
 * init).  Two kinds, chosen at init:
 *
 * - strbuf_init(): text of our own making (SQL text from the column
 *   tables, test output).  It grows as needed, as git's strbuf does: an
 *   append never fails and returns 0; memory that cannot be had, or text
 *   that cannot be formatted, is fatal (exit 70), never a silent cut.
 * - strbuf_init_capped(): a deliberate bound on untrusted input (a row's
 *   fields, a value shown in a finding, a path or command line given by
 *   the user).  An append that would take len past cap fails with -1 and
 *   leaves the buffer as it was, so a hostile field cannot grow memory;
 *   the caller checks every append, or appends what cannot pass the cap by
 *   construction and says so.
 *
 * strbuf_release() frees the bytes and leaves an empty buffer of the same
 * kind; strbuf_reset() empties it and keeps the memory. */
struct strbuf {
	char *buf;  /* contents, NUL-terminated */
	size_t len; /* bytes used, not counting the NUL */
	size_t alloc; /* bytes allocated */
	size_t cap;   /* most bytes len may reach; STRBUF_NO_CAP: grows */
};

#define STRBUF_NO_CAP (SIZE_MAX - 1)

void strbuf_init(struct strbuf *sb);
void strbuf_init_capped(struct strbuf *sb, size_t cap);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
int strbuf_add_grow(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append len bytes; 0, or -1 past a capped buffer's cap.  Inline while the
 * buffer has room (the readers append every field), else
 * strbuf_add_grow(). */
static inline int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (len >= sb->alloc - sb->len)
		return strbuf_add_grow(sb, data, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

/* Trim ASCII white space (space, TAB, CR, LF, VT, FF) at both ends of
 * *s and *len in place. */
void trim(const char **s, size_t *len);

/* s was written into a buffer of size bytes (snprintf): if it filled the
 * buffer, drop a UTF-8 sequence the cut left incomplete at its end. */
void utf8_cut(char *s, size_t size);

/* Case-insensitive ASCII equality of two byte ranges. */
int mem_ieq(const char *a, size_t alen, const char *b, size_t blen);

#endif
