/* values.h -- parsers for the typed values of a batch row.
 *
 * Each parser takes a trimmed value (pointer + length, not NUL-terminated)
 * and returns 0 when it parses as its type, -1 when it does not.  Parsers
 * that normalise write into a caller-owned output buffer sized by the
 * constants below; the output is NUL-terminated.  No parser allocates,
 * keeps a pointer, or prints: the caller turns -1 into a finding.
 */
#ifndef CSPRECON_VALUES_H
#define CSPRECON_VALUES_H

#include <stddef.h>

#define VALUE_GUID_LEN 36 /* 8-4-4-4-12 lower-case hex, no braces */
#define VALUE_MPN_MAX 10  /* a PartnerID has 1 to 10 digits */
#define VALUE_EMAIL_MAX 254
#define VALUE_DOMAIN_MAX 253

/* 0 when s is valid UTF-8 (no overlong forms, no surrogates, nothing above
 * U+10FFFF) and holds no NUL, no C0 control (U+0000-U+001F, TAB, CR and LF
 * included), no DEL and no C1 control (U+0080-U+009F). */
int value_text_check(const char *s, size_t len);

/* Number of code points in s, which value_text_check() accepted. */
size_t value_text_chars(const char *s, size_t len);

/* A GUID: 8-4-4-4-12 hex digits, either case, optionally inside one pair of
 * braces.  The nil GUID (all zeros) is refused: no tenant has it.  out gets
 * the lower-case form without braces (VALUE_GUID_LEN + 1 bytes). */
int value_guid(const char *s, size_t len, char out[VALUE_GUID_LEN + 1]);

/* A PartnerID: 1 to VALUE_MPN_MAX ASCII digits. */
int value_mpn(const char *s, size_t len);

/* An ISO 3166-1 country given as alpha-2, alpha-3, or English name (the
 * ISO short name, common name or official name, also with diacritics
 * dropped), case-insensitive; XK/XKX/Kosovo included.  out gets the
 * upper-case alpha-2 code. */
int value_country(const char *s, size_t len, char out[3]);

/* The English short name of an alpha-2 code, or NULL. */
const char *value_country_name(const char alpha2[2]);

/* An email address as SPEC §3 defines it: dot-atom local part of 1-64 ASCII
 * atext characters (no leading, trailing or consecutive dots), '@', a domain
 * of two or more labels (see value_domain), 254 bytes at most in all.  One
 * trailing dot on the domain is allowed.  On success *domain and *domain_len
 * (either may be NULL) give the domain inside s, without any trailing dot. */
int value_email(const char *s, size_t len, const char **domain,
		size_t *domain_len);

/* A domain name: two or more dot-separated labels of 1-63 ASCII letters,
 * digits or hyphens, no label starting or ending with a hyphen, the last
 * label 2 or more letters or an A-label (xn--...); VALUE_DOMAIN_MAX bytes at
 * most; one trailing dot allowed. */
int value_domain(const char *s, size_t len);

/* An ISO 8601 date (YYYY-MM-DD) or timestamp (YYYY-MM-DDThh:mm[:ss[.f+]]
 * with an optional Z or +hh:mm / -hh:mm; a space may stand for the T),
 * checked for real calendar values (leap years included). */
int value_date(const char *s, size_t len);

/* yes/no, true/false, 1/0, y/n in any case; *out gets 1 or 0. */
int value_bool(const char *s, size_t len, int *out);

/* A company name beyond its length: at least two characters, and at least
 * one letter or digit, so that "-", "X" and "..." are refused.  A non-ASCII
 * code point counts as a letter unless it is Latin-1 punctuation or a
 * symbol (U+00A0-U+00BF, U+00D7, U+00F7), General Punctuation
 * (U+2000-U+206F: spaces, dashes, quotes) or U+3000. */
int value_name(const char *s, size_t len);

/* Case-insensitive ASCII comparison of a value with a NUL-terminated word. */
int value_is(const char *s, size_t len, const char *word);

/* Whether domain d (no trailing dot) equals base or is a subdomain of it,
 * case-insensitive; a trailing dot on either is ignored. */
int value_domain_within(const char *d, size_t dlen, const char *base,
			size_t blen);

#endif
