/* progress.h -- a progress line on stderr for long runs (SPEC §5).
 *
 * Shown only when stderr is a terminal, the run is not quiet and
 * --no-progress was not given, and only once the work has taken more than
 * a second; redrawn at most five times a second; erased at the end, so it
 * never reaches a log.  The stream reports raw bytes read through
 * progress_add(); the total is the sum of the input files' sizes (0 when
 * unknown, e.g. standard input, which shows bytes only).
 */
#ifndef CSPRECON_PROGRESS_H
#define CSPRECON_PROGRESS_H

#include <stdint.h>
#include <time.h>

struct progress {
	int enabled;
	int shown;              /* a line is on the screen */
	uint64_t total, done;
	struct timespec start, last;
	const char *what;       /* "reading", ... */
};

void progress_init(struct progress *p, int enabled, uint64_t total);
void progress_add(struct progress *p, uint64_t bytes);
/* Erase the line, if one is shown. */
void progress_end(struct progress *p);

#endif
