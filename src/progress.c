/* progress.c -- the progress line.  See progress.h. */
#include <stdio.h>

#include "csprecon/progress.h"
#include "csprecon/banned.h"

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void progress_init(struct progress *p, int enabled, uint64_t total)
{
	p->enabled = enabled;
	p->shown = 0;
	p->total = total;
	p->done = 0;
	p->what = "reading";
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void progress_add(struct progress *p, uint64_t bytes)
{
	struct timespec now;

	if (!p || !p->enabled)
		return;
	p->done += bytes;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->start, &now) < 1.0 || since(&p->last, &now) < 0.2)
		return;
	p->last = now;
	p->shown = 1;
	if (p->total)
		fprintf(stderr, "\rcsprecon: %s %3d%% (%llu of %llu MB)\033[K",
			p->what, (int)(p->done * 100 / p->total),
			(unsigned long long)(p->done >> 20),
			(unsigned long long)(p->total >> 20));
	else
		fprintf(stderr, "\rcsprecon: %s %llu MB\033[K", p->what,
			(unsigned long long)(p->done >> 20));
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (p && p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
}
