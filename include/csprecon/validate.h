/* validate.h -- field-level rules of SPEC §3 on one record.
 *
 * A record is validated in two steps, so that a caller can start fetching
 * what it will look up by the key in between.  validate_begin() fills
 * rec->key from rec->raw (and rec->probe, the key's hash, when it parses).
 * validate_end() fills rec->val (normalised values: lower-case GUIDs,
 * alpha-2 countries, canonical enum words, booleans as "yes"/"no",
 * defaults for empty optional values), records every finding of the row
 * through run_finding(), notes the record with the run's duplicate
 * detector, and returns the number of error-level findings on it.
 */
#ifndef CSPRECON_VALIDATE_H
#define CSPRECON_VALIDATE_H

#include "csprecon/run.h"

void validate_begin(struct run *run, struct record *rec);
int validate_end(struct run *run, struct record *rec);

/* Fill rec->key from rec->raw: normalised, returning 1, when every key
 * column parses; else the raw text (or "" if it is not printable),
 * returning 0. */
int validate_key(struct record *rec);

#endif
