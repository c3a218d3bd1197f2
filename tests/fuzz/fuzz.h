/* fuzz.h -- what the fuzz targets in tests/fuzz/ share.
 *
 * Each target is one libFuzzer entry point, LLVMFuzzerTestOneInput(), in
 * its own binary: built with clang -fsanitize=fuzzer by `make fuzz`, and
 * with replay.c's main() by `make check`, which runs it on every seed and
 * regression file.  A target returns 0 and calls abort() (through
 * fuzz_assert) when an invariant breaks, so both builds stop on it.
 *
 * Choices a target makes beyond the bytes it parses (a chunk size, a cap,
 * --entity) come from fuzz_hash() of the input, so a seed file needs no
 * header of its own and every input replays exactly.
 */
#ifndef CSPRECON_FUZZ_H
#define CSPRECON_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "csprecon/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() with the failed condition on stderr unless cond holds. */
#define fuzz_assert(cond) \
	((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
void fuzz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

/* FNV-1a of the input: the seed of every choice a target makes. */
uint64_t fuzz_hash(const uint8_t *data, size_t size);

/* The next number of a xorshift sequence started at a fuzz_hash(). */
uint64_t fuzz_next(uint64_t *state);

/* Open in on a copy of data, as input_open() opens a file (plain, or gzip
 * when data starts with its magic bytes).  The copy is one memory file,
 * rewritten on each call.  0, or -1 with errno set. */
int fuzz_input_open(struct input *in, const uint8_t *data, size_t size,
		    uint64_t max_bytes);

#endif
