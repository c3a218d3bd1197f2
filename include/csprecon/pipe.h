/* pipe.h -- a ring of blocks between two threads.
 *
 * A file is parsed on a second thread: it reads (inflates, hashes) and
 * parses, and writes what it finds as events into blocks; the calling
 * thread takes the blocks in order and replays the events.  Everything
 * that touches the run (findings, the sink) stays on the calling thread.
 * Memory is PIPE_BLOCKS blocks of PIPE_BLOCK_SIZE bytes, whatever the size
 * of the file.  The input's progress is told by the calling thread as it
 * takes each block.
 *
 * The other way round, with no input, the calling thread produces and the
 * new thread consumes: the stage is written so while a file is read
 * (stage.c).  Then the consumer stops at an end event of its own, and
 * pipe_stop() only waits for it.
 */
#ifndef CSPRECON_PIPE_H
#define CSPRECON_PIPE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "csprecon/stream.h"

#define PIPE_BLOCKS 4
/* Room for the largest event: an XML record of ENTITY_MAX_COLS values of
 * FIELD_MAX bytes. */
#define PIPE_BLOCK_SIZE (1024 * 1024)

struct pipe_block {
	unsigned char *buf;
	size_t len;
	uint64_t raw;              /* file bytes read while it filled */
};

struct pipe {
	struct input *in;
	struct progress *progress; /* the input's, while the thread runs */
	uint64_t raw_seen;
	struct pipe_block *cur;    /* being filled, not yet published */
	int stopped;               /* the producer saw the cancel */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pipe_block ring[PIPE_BLOCKS];
	unsigned made, used;       /* blocks published and consumed */
	int cancel;
};

/* Start fn(arg) on a new thread that will read in (or NULL: a thread that
 * consumes).  0, or -1 (printed). */
int pipe_start(struct pipe *p, struct input *in, void *(*fn)(void *),
	       void *arg);

/* Producer: n bytes of room (n <= PIPE_BLOCK_SIZE) for an event, or NULL
 * once the consumer has cancelled; then every later call is NULL too. */
unsigned char *pipe_room(struct pipe *p, size_t n);

/* Producer: hand over the block being filled (at the end, say). */
void pipe_publish(struct pipe *p);

/* Consumer: the next block, waiting for it; pipe_done() when replayed. */
const struct pipe_block *pipe_take(struct pipe *p);
void pipe_done(struct pipe *p);

/* The caller: cancel the producer, wait for the thread, free the ring. */
void pipe_stop(struct pipe *p);

/* Event fields, in native byte order. */
static inline void pipe_put32(unsigned char **at, uint32_t v)
{
	memcpy(*at, &v, sizeof(v));
	*at += sizeof(v);
}

static inline void pipe_put64(unsigned char **at, uint64_t v)
{
	memcpy(*at, &v, sizeof(v));
	*at += sizeof(v);
}

static inline uint32_t pipe_get32(const unsigned char **at)
{
	uint32_t v;

	memcpy(&v, *at, sizeof(v));
	*at += sizeof(v);
	return v;
}

static inline uint64_t pipe_get64(const unsigned char **at)
{
	uint64_t v;

	memcpy(&v, *at, sizeof(v));
	*at += sizeof(v);
	return v;
}

#endif
