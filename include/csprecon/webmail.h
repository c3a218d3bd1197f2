/* webmail.h -- the list of web-based mail services (SPEC §3.1).
 *
 * A list holds domains and patterns; a pattern label "<cc>" stands for any
 * label of exactly two ASCII letters (a country-code TLD).  Matching is on
 * the whole domain, case-insensitive, after one trailing dot is dropped:
 * "mail.gmail.com" does not match "gmail.com".  The list owns its memory.
 */
#ifndef CSPRECON_WEBMAIL_H
#define CSPRECON_WEBMAIL_H

#include <stddef.h>

struct webmail_list;

/* The message of an EMAIL_WEBMAIL finding, on a batch row or the master's. */
#define WEBMAIL_MESSAGE "contact email is on a web-based mail service; " \
	"the address must belong to the company"

/* A new list holding the default services of SPEC §3.1. */
struct webmail_list *webmail_new(void);

/* Add the entries of a file: one domain or pattern per line, '#' starts a
 * comment, blank lines ignored, surrounding white space trimmed.  A line
 * that is not a valid domain or pattern is reported on stderr as
 * "csprecon: FILE:LINE: invalid web-mail entry 'X'" and makes the call fail.
 * Returns 0, or -1 (message printed; file unreadable or entry invalid). */
int webmail_load(struct webmail_list *w, const char *path);

/* 1 when domain (len bytes) is a web-mail domain, else 0. */
int webmail_match(const struct webmail_list *w, const char *domain,
		  size_t len);

void webmail_free(struct webmail_list *w);

#endif
