/* countries.h -- the generated ISO 3166-1 tables (private to src/).
 *
 * src/countries.c is written by scripts/gen-countries and committed; only
 * values.c reads these tables.  All data is static and read-only.
 */
#ifndef CSPRECON_COUNTRIES_H
#define CSPRECON_COUNTRIES_H

#include <stddef.h>

struct country {
	char alpha2[3];   /* upper case, NUL-terminated */
	char alpha3[4];   /* upper case, NUL-terminated */
	const char *name; /* English short name, UTF-8 */
};

/* A lookup key: an alpha-3 code or an English name, lower-cased in ASCII
 * only (other bytes as in the UTF-8 name). */
struct country_key {
	const char *key;
	unsigned char len; /* bytes in key */
	char alpha2[3];    /* the country it names */
};

/* Sorted by alpha2. */
extern const struct country countries[];
extern const size_t countries_count;

/* Index into countries[] plus one, by two upper-case letters; 0 = none. */
extern const unsigned short country_by_alpha2[26 * 26];

/* Sorted by the bytes of key (shorter first on a common prefix). */
extern const struct country_key country_keys[];
extern const size_t country_keys_count;

#endif
