/* findings.h -- the run's store of findings.
 *
 * Findings arrive in any order (duplicate keys are only known at the end)
 * and may be many, so they go to a private temporary SQLite database, not to
 * memory; reports read them back sorted by file, line and arrival.  All SQL
 * uses bound parameters.  Strings given to findings_add are copied.
 */
#ifndef CSPRECON_FINDINGS_H
#define CSPRECON_FINDINGS_H

#include <stdint.h>

#include "csprecon/rules.h"
#include "csprecon/schema.h"

struct findings;

struct finding {
	int file_no;         /* source index, or -1 for none */
	uint64_t line;       /* 0 when the finding has no line */
	enum entity entity;  /* ENTITY_NONE when unknown */
	const char *key;     /* "" when none */
	const char *field;   /* column name, "" when none */
	enum rule rule;
	enum severity severity; /* the rule table's, but see rules.h */
	const char *message;
	const char *value;   /* display form (escaped, capped), "" when none */
};

/* Open an empty store; NULL on error (message printed). */
struct findings *findings_open(void);

/* Add a finding; 0 or -1 (message printed). */
int findings_add(struct findings *f, const struct finding *fd);

/* Note a key given twice with different values, then withdraw the
 * findings of every noted key by the rules the rule table marks
 * DUP_WITHDRAW (one pass, however many keys); 0 or -1. */
int findings_retract_key(struct findings *f, enum entity e, const char *key);
int findings_retract(struct findings *f);

/* Drop every finding of one source (when the file is refused). */
int findings_drop_file(struct findings *f, int file_no);

/* Call cb for each finding in order (file, line, arrival).  Stops and
 * returns cb's value when it is not 0; -1 on a database error. */
int findings_each(struct findings *f,
		  int (*cb)(const struct finding *fd, void *ctx), void *ctx);

/* Count the findings per rule and severity into counts; 0 or -1. */
int findings_count(struct findings *f, uint64_t counts[][SEV_COUNT]);

void findings_close(struct findings *f);

#endif
