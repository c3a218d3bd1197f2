/* pipe.c -- a ring of blocks between two threads.  See pipe.h. */
#include <stdlib.h>
#include <string.h>

#include "csprecon/pipe.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

int pipe_start(struct pipe *p, struct input *in, void *(*fn)(void *),
	       void *arg)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->in = in;
	if (in) {
		p->progress = in->progress;
		in->progress = NULL;
		p->raw_seen = in->raw_given;
	}
	for (i = 0; i < PIPE_BLOCKS; i++)
		p->ring[i].buf = xmalloc(PIPE_BLOCK_SIZE);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thread, NULL, fn, arg) == 0)
		return 0;
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	for (i = 0; i < PIPE_BLOCKS; i++)
		free(p->ring[i].buf);
	if (in)
		in->progress = p->progress;
	return error("cannot start a thread");
}

void pipe_publish(struct pipe *p)
{
	if (!p->cur)
		return;
	if (p->in) {
		p->cur->raw = p->in->raw_given - p->raw_seen;
		p->raw_seen = p->in->raw_given;
	}
	pthread_mutex_lock(&p->mu);
	p->made++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	p->cur = NULL;
}

unsigned char *pipe_room(struct pipe *p, size_t n)
{
	unsigned char *at;

	if (p->stopped)
		return NULL;
	if (n > PIPE_BLOCK_SIZE) {
		/* Every event is bounded by FIELD_MAX: a bug. */
		error("internal error: a %zu-byte event does not fit a pipe "
		      "block", n);
		abort();
	}
	if (p->cur && p->cur->len + n > PIPE_BLOCK_SIZE)
		pipe_publish(p);
	if (!p->cur) {
		pthread_mutex_lock(&p->mu);
		while (p->made - p->used == PIPE_BLOCKS && !p->cancel)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->cancel) {
			pthread_mutex_unlock(&p->mu);
			p->stopped = 1;
			return NULL;
		}
		p->cur = &p->ring[p->made % PIPE_BLOCKS];
		pthread_mutex_unlock(&p->mu);
		p->cur->len = 0;
	}
	at = p->cur->buf + p->cur->len;
	p->cur->len += n;
	return at;
}

const struct pipe_block *pipe_take(struct pipe *p)
{
	const struct pipe_block *b;

	pthread_mutex_lock(&p->mu);
	while (p->made == p->used)
		pthread_cond_wait(&p->cv, &p->mu);
	b = &p->ring[p->used % PIPE_BLOCKS];
	pthread_mutex_unlock(&p->mu);
	progress_add(p->progress, b->raw);
	return b;
}

void pipe_done(struct pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->used++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void pipe_stop(struct pipe *p)
{
	int i;

	pthread_mutex_lock(&p->mu);
	p->cancel = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	for (i = 0; i < PIPE_BLOCKS; i++)
		free(p->ring[i].buf);
	if (p->in)
		p->in->progress = p->progress;
}
