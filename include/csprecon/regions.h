/* regions.h -- the CSP country -> region table (data/, SPEC §1).
 *
 * regions_load() reads the table: the built-in copy of
 * data/csp_regions-2023-08-17.csv when path is NULL, else a --regions-file
 * with the same columns (country_iso2 and csp_region are read; others are
 * ignored).  A country absent from the table is in no CSP region.  On
 * failure it prints "csprecon: FILE:LINE: message" and returns NULL with
 * *code set (66 unreadable, 65 invalid).  The table owns its strings.
 */
#ifndef CSPRECON_REGIONS_H
#define CSPRECON_REGIONS_H

#include <stddef.h>

struct regions;

struct regions *regions_load(const char *path, int *code);
void regions_free(struct regions *r);

/* The region of an upper-case alpha-2 country, or NULL. */
const char *regions_of(const struct regions *r, const char *alpha2);

/* The region named name (case-insensitive), as the table spells it, or
 * NULL. */
const char *regions_find(const struct regions *r, const char *name);

/* The i-th region name, for listing them; NULL past the end. */
const char *regions_name(const struct regions *r, size_t i);

#endif
