/* stream.h -- one input stream type for plain and gzip files.
 *
 * An input reads a file (or standard input for "-") and hands out its
 * decompressed bytes.  gzip is detected from the magic bytes, never the
 * name.  While reading it hashes the raw bytes (SHA-256, what `sha256sum`
 * prints for the file) and enforces two caps: the total decompressed size
 * (--max-input-bytes) and the ratio of decompressed to compressed bytes, so
 * a gzip bomb is refused early.  Corruption, a truncated gzip stream or
 * bytes after the last gzip member are errors: input_read() returns 0 only
 * at a clean end of stream, so a caller may count nothing as read until it
 * has seen that 0.  A peeked stream hands out the bytes read ahead of a
 * reader before the rest of its input.
 *
 * zlib's inflate is used directly rather than gzread(): gzread() hides the
 * raw bytes (needed for the SHA-256 and the ratio cap), reads a truncated
 * stream as a normal end of file unless gzerror() is asked, and ignores
 * trailing garbage.
 */
#ifndef CSPRECON_STREAM_H
#define CSPRECON_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>
#include <nettle/sha2.h>

#include "csprecon/progress.h"

#define INPUT_RAW_CHUNK (256 * 1024)
/* Past the first MiB, more than this many decompressed bytes per
 * compressed byte is a bomb: real CSV and XML compress about 6:1 to 20:1,
 * and deflate cannot exceed about 1032:1. */
#define INPUT_MAX_RATIO 250

enum input_status {
	INPUT_OK = 0,
	INPUT_ERR_IO,      /* read error: exit 74 */
	INPUT_ERR_CORRUPT, /* corrupt, truncated or trailing data: exit 65 */
	INPUT_ERR_TOOBIG   /* over --max-input-bytes or the ratio: exit 65 */
};

struct readahead;

struct input {
	const char *path;      /* as given; "-" is standard input; not owned */
	int fd;
	int gzip;              /* 1 when the data is gzip-compressed */
	int started;           /* the magic bytes have been looked at */
	int eof;               /* the raw file has been read to its end */
	int done;              /* a clean end of stream was returned */
	enum input_status status;
	char message[160];     /* what went wrong, when status != INPUT_OK */
	uint64_t raw_bytes;    /* bytes read from the file */
	uint64_t raw_given;    /* of them, those behind the bytes handed out
				* so far: what progress may count */
	uint64_t out_bytes;    /* bytes handed out */
	uint64_t max_bytes;    /* cap on out_bytes */
	unsigned char *raw;    /* INPUT_RAW_CHUNK bytes */
	size_t raw_len, raw_pos;
	z_stream zs;
	int zs_live;           /* inflateInit2 was called */
	int member_end;        /* between two gzip members */
	struct progress *progress; /* told of raw bytes read, or NULL */
	struct readahead *ra;  /* while a thread inflates ahead, or NULL */
	struct sha256_ctx sha;
	char sha256[2 * SHA256_DIGEST_SIZE + 1]; /* hex, set at clean end */
};

/* Open path for reading ("-": standard input).  Returns 0, or -1 with
 * errno set and nothing to close. */
int input_open(struct input *in, const char *path, uint64_t max_bytes);

/* Read up to len decompressed bytes.  Returns the count (> 0), 0 at a clean
 * end of stream (sha256 is then set), or -1 with in->status and
 * in->message set; after -1 every call returns -1. */
ssize_t input_read(struct input *in, void *buf, size_t len);

/* An input whose first bytes were already read to look at them (ingest
 * reads them to tell the format): a reader takes the stream from here. */
struct peeked {
	struct input *in;
	const unsigned char *head; /* bytes read ahead, not yet handed out */
	size_t head_len;
	size_t max_read;           /* if not 0, hand out at most this per read */
};

/* Read from a peeked stream: the bytes read ahead first, then the input.
 * Same return values as input_read(). */
long peeked_read(struct peeked *p, void *buf, size_t len);

/* From here on, read (hash, inflate) the input on a thread of its own,
 * chunk bytes at a time, while the caller reads what that thread has read.
 * Until input_readahead_stop(), only input_read() and raw_given may be
 * used, and the other fields (status, message, sha256, ...) once
 * input_read() has returned 0 or -1: the thread has set them by then.
 * 0 (also when the input has ended or failed already), or -1 (printed)
 * when no thread could start. */
int input_readahead(struct input *in, size_t chunk);

/* Stop the thread, wherever it is; every field is the caller's again. */
void input_readahead_stop(struct input *in);

/* Close the file (standard input is left open) and free buffers. */
void input_close(struct input *in);

/* The exit code a failed input stands for (SPEC §7). */
int input_exit_code(const struct input *in);

#endif
