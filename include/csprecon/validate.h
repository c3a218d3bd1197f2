/* validate.h -- field-level rules of SPEC §3 on one record.
 *
 * validate_record() reads rec->raw/present/cut, fills rec->val (normalised
 * values: lower-case GUIDs, alpha-2 countries, canonical enum words,
 * booleans as "yes"/"no", defaults for empty optional values) and rec->key,
 * and records every finding of the row through run_finding().  It then
 * notes the record with the run's duplicate detector.  Returns the number
 * of error-level findings on the record.
 */
#ifndef CSPRECON_VALIDATE_H
#define CSPRECON_VALIDATE_H

#include "csprecon/run.h"

int validate_record(struct run *run, struct record *rec);

/* validate_record() in two steps, for a caller with more to fetch by the
 * key: validate_begin() fills rec->key (and rec->probe when it parses),
 * validate_end() does the rest and returns the error count. */
void validate_begin(struct run *run, struct record *rec);
int validate_end(struct run *run, struct record *rec);

/* Fill rec->key from rec->raw: normalised, returning 1, when every key
 * column parses; else the raw text (or "" if it is not printable),
 * returning 0. */
int validate_key(struct record *rec);

#endif
