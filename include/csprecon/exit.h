/* exit.h -- csprecon's exit codes (SPEC §7), one table: the code that
 * returns them names them from here, and the summaries take their words
 * from it.
 */
#ifndef CSPRECON_EXIT_H
#define CSPRECON_EXIT_H

/* X(name, code, the summary's words for it) */
#define EXIT_CODES(X) \
	X(EXIT_OK,          0, "no row rejected and no new violation") \
	X(EXIT_FINDINGS,    1, "rows rejected or new violations") \
	X(EXIT_USAGE,      64, "usage error") \
	X(EXIT_REFUSED,    65, "input refused") \
	X(EXIT_NOINPUT,    66, "input cannot be opened") \
	X(EXIT_INTERNAL,   70, "internal error") \
	X(EXIT_CANTCREATE, 73, "cannot create a report or the master") \
	X(EXIT_IOERR,      74, "I/O error") \
	X(EXIT_LOCKED,     75, "master locked")

enum exit_code {
#define EXIT_ENUM(name, code, words) name = code,
	EXIT_CODES(EXIT_ENUM)
#undef EXIT_ENUM
};

/* The words for an exit code; those of EXIT_INTERNAL for a code not in
 * the table.  Static storage. */
const char *exit_meaning(int code);

#endif
