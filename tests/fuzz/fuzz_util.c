/* fuzz_util.c -- helpers of the fuzz targets.  See fuzz.h. */
#define _GNU_SOURCE /* memfd_create */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "csprecon/banned.h"

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

uint64_t fuzz_hash(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325u;
	size_t i;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3u;
	return h;
}

uint64_t fuzz_next(uint64_t *state)
{
	uint64_t x = *state ? *state : 1;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

int fuzz_input_open(struct input *in, const uint8_t *data, size_t size,
		    uint64_t max_bytes)
{
	static int fd = -1;
	static char path[32];

	/* input_open() opens a path: /proc/self/fd/N opens the memory file
	 * anew, at offset 0, as a file on disk would be. */
	if (fd < 0) {
		fd = memfd_create("csprecon-fuzz", MFD_CLOEXEC);
		fuzz_assert(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	fuzz_assert(ftruncate(fd, 0) == 0);
	fuzz_assert(pwrite(fd, data, size, 0) == (ssize_t)size);
	return input_open(in, path, max_bytes);
}
