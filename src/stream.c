/* stream.c -- plain and gzip input with hashing and caps, and the peeked
 * stream a reader takes over.  See stream.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csprecon/exit.h"
#include "csprecon/pipe.h"
#include "csprecon/stream.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

int input_open(struct input *in, const char *path, uint64_t max_bytes)
{
	struct stat st;

	memset(in, 0, sizeof(*in));
	in->path = path;
	in->max_bytes = max_bytes;
	if (!strcmp(path, "-")) {
		in->fd = STDIN_FILENO;
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0)
			return -1;
		if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(in->fd);
			errno = EISDIR;
			return -1;
		}
	}
	in->raw = xmalloc(INPUT_RAW_CHUNK);
	sha256_init(&in->sha);
	return 0;
}

static ssize_t fail(struct input *in, enum input_status st, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

static ssize_t fail(struct input *in, enum input_status st, const char *fmt,
		    ...)
{
	va_list ap;

	if (in->status == INPUT_OK) {
		in->status = st;
		va_start(ap, fmt);
		vsnprintf(in->message, sizeof(in->message), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Refill the raw buffer; 0 on data or end of file, -1 on a read error. */
static int fill_raw(struct input *in)
{
	ssize_t n;

	in->raw_pos = 0;
	in->raw_len = 0;
	if (in->eof)
		return 0;
	do
		n = read(in->fd, in->raw, INPUT_RAW_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (int)fail(in, INPUT_ERR_IO, "read error: %s",
				 strerror(errno));
	if (n == 0) {
		in->eof = 1;
		return 0;
	}
	sha256_update(&in->sha, (size_t)n, in->raw);
	in->raw_bytes += (uint64_t)n;
	if (!in->ra) {
		/* With a read-ahead, the reading thread counts these as it
		 * takes their bytes. */
		in->raw_given = in->raw_bytes;
		progress_add(in->progress, (uint64_t)n);
	}
	in->raw_len = (size_t)n;
	return 0;
}

static void finish_hash(struct input *in)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	static const char hex[] = "0123456789abcdef";
	size_t i;

	sha256_digest(&in->sha, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++) {
		in->sha256[2 * i] = hex[d[i] >> 4];
		in->sha256[2 * i + 1] = hex[d[i] & 15];
	}
	in->sha256[2 * sizeof(d)] = '\0';
}

static ssize_t clean_end(struct input *in)
{
	if (!in->done) {
		in->done = 1;
		finish_hash(in);
	}
	return 0;
}

static int start(struct input *in)
{
	if (fill_raw(in) < 0)
		return -1;
	in->started = 1;
	if (in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
		in->gzip = 1;
		/* 16 + MAX_WBITS: gzip wrapper only, with its CRC and length
		 * trailer checked by inflate. */
		if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK)
			return (int)fail(in, INPUT_ERR_IO,
					 "cannot start gzip decoder");
		in->zs_live = 1;
	}
	return 0;
}

static ssize_t account(struct input *in, size_t n)
{
	in->out_bytes += n;
	if (in->out_bytes > in->max_bytes)
		return fail(in, INPUT_ERR_TOOBIG,
			    "input larger than %llu bytes (--max-input-bytes)",
			    (unsigned long long)in->max_bytes);
	if (in->gzip && in->out_bytes > (1u << 20) &&
	    in->out_bytes / INPUT_MAX_RATIO > in->raw_bytes)
		return fail(in, INPUT_ERR_TOOBIG,
			    "gzip expands more than %d:1; refused as a "
			    "decompression bomb", INPUT_MAX_RATIO);
	return (ssize_t)n;
}

static ssize_t read_plain(struct input *in, unsigned char *buf, size_t len)
{
	size_t n;

	if (in->raw_pos == in->raw_len) {
		if (fill_raw(in) < 0)
			return -1;
		if (!in->raw_len)
			return clean_end(in);
	}
	n = in->raw_len - in->raw_pos;
	if (n > len)
		n = len;
	memcpy(buf, in->raw + in->raw_pos, n);
	in->raw_pos += n;
	return account(in, n);
}

static ssize_t read_gzip(struct input *in, unsigned char *buf, size_t len)
{
	size_t before;
	int rc;

	if (len > UINT32_MAX)
		len = UINT32_MAX;
	for (;;) {
		if (in->raw_pos == in->raw_len) {
			if (fill_raw(in) < 0)
				return -1;
			if (!in->raw_len) {
				if (in->member_end)
					return clean_end(in);
				return fail(in, INPUT_ERR_CORRUPT,
					    "truncated gzip data (unexpected "
					    "end of file)");
			}
		}
		if (in->member_end) {
			/* Another member may follow (gzip files can be
			 * concatenated); anything else is trailing garbage. */
			if (in->raw[in->raw_pos] != 0x1f)
				return fail(in, INPUT_ERR_CORRUPT,
					    "trailing garbage after gzip data");
			if (inflateReset(&in->zs) != Z_OK)
				return fail(in, INPUT_ERR_CORRUPT,
					    "cannot restart gzip decoder");
			in->member_end = 0;
		}
		in->zs.next_in = in->raw + in->raw_pos;
		in->zs.avail_in = (uInt)(in->raw_len - in->raw_pos);
		in->zs.next_out = buf;
		in->zs.avail_out = (uInt)len;
		rc = inflate(&in->zs, Z_NO_FLUSH);
		before = in->raw_pos;
		in->raw_pos = in->raw_len - in->zs.avail_in;
		if (rc == Z_STREAM_END) {
			in->member_end = 1;
		} else if (rc == Z_BUF_ERROR) {
			/* No progress with input left and room for output
			 * cannot happen on valid data; never loop on it. */
			if (in->raw_pos == before && before < in->raw_len &&
			    in->zs.avail_out == len)
				return fail(in, INPUT_ERR_CORRUPT,
					    "corrupt gzip data");
		} else if (rc != Z_OK) {
			return fail(in, INPUT_ERR_CORRUPT, "corrupt gzip data: %s",
				    in->zs.msg ? in->zs.msg : "inflate error");
		}
		if (in->zs.avail_out < len)
			return account(in, len - in->zs.avail_out);
	}
}

static ssize_t readahead_read(struct input *in, unsigned char *buf,
			      size_t len);

/* input_read() on the thread that owns the input's fields. */
static ssize_t input_read_direct(struct input *in, void *buf, size_t len)
{
	if (in->status != INPUT_OK)
		return -1;
	if (in->done)
		return 0;
	if (!len)
		return fail(in, INPUT_ERR_IO, "zero-length read");
	if (!in->started && start(in) < 0)
		return -1;
	if (in->gzip)
		return read_gzip(in, buf, len);
	return read_plain(in, buf, len);
}

ssize_t input_read(struct input *in, void *buf, size_t len)
{
	if (in->ra)
		return readahead_read(in, buf, len);
	return input_read_direct(in, buf, len);
}

long peeked_read(struct peeked *p, void *buf, size_t len)
{
	size_t n;

	if (p->max_read && len > p->max_read)
		len = p->max_read;
	if (p->head_len) {
		n = p->head_len < len ? p->head_len : len;
		memcpy(buf, p->head, n);
		p->head += n;
		p->head_len -= n;
		return (long)n;
	}
	return (long)input_read(p->in, buf, len);
}

/* The read-ahead: the thread calls input_read() as the caller would, and
 * puts each result in a ring (pipe.h) as an event of a fixed size: i64
 * the count (0 at the end, -1 on an error), u64 the raw bytes read for it,
 * then room for chunk bytes.  The input's fields belong to the thread
 * until it has sent the end or an error, or has been stopped. */
struct readahead {
	struct pipe pipe;
	struct input *in;
	size_t chunk;
	const struct pipe_block *block; /* being read, or NULL */
	size_t off;                /* next event in block */
	const unsigned char *data; /* bytes of the current event left */
	size_t left;
	int ended;                 /* the end or an error was taken */
	ssize_t end;               /* what it was */
};

#define RA_HEAD 16

static void *readahead_main(void *arg)
{
	struct readahead *ra = arg;
	struct input *in = ra->in;
	unsigned char *at;
	uint64_t raw;
	ssize_t n;

	do {
		if (!(at = pipe_room(&ra->pipe, RA_HEAD + ra->chunk)))
			return NULL; /* stopped */
		raw = in->raw_bytes;
		n = input_read_direct(in, at + RA_HEAD, ra->chunk);
		pipe_put64(&at, (uint64_t)(int64_t)n);
		pipe_put64(&at, in->raw_bytes - raw);
	} while (n > 0);
	pipe_publish(&ra->pipe);
	return NULL;
}

int input_readahead(struct input *in, size_t chunk)
{
	struct readahead *ra;

	if (in->ra || in->status != INPUT_OK || in->done)
		return 0;
	if (!chunk || chunk > 64 * 1024)
		chunk = 64 * 1024;
	ra = xcalloc(1, sizeof(*ra));
	ra->in = in;
	ra->chunk = chunk;
	in->ra = ra;
	if (pipe_start(&ra->pipe, NULL, readahead_main, ra) < 0) {
		in->ra = NULL;
		free(ra);
		return -1;
	}
	return 0;
}

static ssize_t readahead_read(struct input *in, unsigned char *buf,
			      size_t len)
{
	struct readahead *ra = in->ra;
	const unsigned char *at;
	int64_t n;
	uint64_t raw;

	while (!ra->left) {
		if (ra->ended)
			return ra->end;
		if (ra->block && ra->off == ra->block->len) {
			pipe_done(&ra->pipe);
			ra->block = NULL;
		}
		if (!ra->block) {
			ra->block = pipe_take(&ra->pipe);
			ra->off = 0;
		}
		at = ra->block->buf + ra->off;
		n = (int64_t)pipe_get64(&at);
		raw = pipe_get64(&at);
		ra->off += RA_HEAD + ra->chunk;
		in->raw_given += raw;
		progress_add(in->progress, raw);
		if (n <= 0) {
			ra->ended = 1;
			ra->end = n < 0 ? -1 : 0;
			return ra->end;
		}
		ra->data = at;
		ra->left = (size_t)n;
	}
	if (len > ra->left)
		len = ra->left;
	memcpy(buf, ra->data, len);
	ra->data += len;
	ra->left -= len;
	return (ssize_t)len;
}

void input_readahead_stop(struct input *in)
{
	struct readahead *ra = in->ra;

	if (!ra)
		return;
	pipe_stop(&ra->pipe);
	in->ra = NULL;
	free(ra);
}

void input_close(struct input *in)
{
	input_readahead_stop(in);
	if (in->zs_live)
		inflateEnd(&in->zs);
	in->zs_live = 0;
	if (in->fd > STDIN_FILENO)
		close(in->fd);
	in->fd = -1;
	free(in->raw);
	in->raw = NULL;
}

int input_exit_code(const struct input *in)
{
	return in->status == INPUT_ERR_IO ? EXIT_IOERR : EXIT_REFUSED;
}
