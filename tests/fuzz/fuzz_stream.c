/* fuzz_stream.c -- fuzz target for the input stream (src/stream.c), plain
 * and gzip: the gzip target.
 *
 * The input is a file's bytes.  It is read to its end in reads of sizes
 * drawn from the input's hash, directly or through the read-ahead thread
 * that ingest_file() starts for a gzip file, under a size cap that is
 * sometimes small.  The stream must end cleanly (with its SHA-256 set) or
 * fail with a status and a message and keep failing; it never hands out
 * more than the cap, a plain file comes out as it went in, and the
 * SHA-256 is the file's, however it was read.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "csprecon/banned.h"

/* What sha256sum prints for data. */
static const char *sha256_hex(const uint8_t *data, size_t size)
{
	static char hex[2 * SHA256_DIGEST_SIZE + 1];
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i;

	sha256_init(&c);
	sha256_update(&c, size, data);
	sha256_digest(&c, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return hex;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char buf[70000];
	struct input in;
	uint64_t h = fuzz_hash(data, size), r = h, total = 0;
	uint64_t cap = h & 1 ? (uint64_t)1 << 30 : 1 + (h >> 40) % 65536;
	size_t top = (h >> 1) & 1 ? 16 : sizeof(buf);
	int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	ssize_t n;

	fuzz_assert(fuzz_input_open(&in, data, size, cap) == 0);
	if ((h >> 2) & 1)
		fuzz_assert(input_readahead(&in, 1 + (h >> 8) % 65536) == 0);
	do {
		n = input_read(&in, buf, 1 + fuzz_next(&r) % top);
		if (n > 0)
			fuzz_assert(gz || (total + (size_t)n <= size &&
				    !memcmp(buf, data + total, (size_t)n)));
		total += n > 0 ? (size_t)n : 0;
	} while (n > 0);
	fuzz_assert(total <= cap);
	fuzz_assert(input_read(&in, buf, 1) == n);
	input_readahead_stop(&in);
	fuzz_assert(in.gzip == gz);
	if (n == 0) {
		fuzz_assert(in.status == INPUT_OK && in.out_bytes == total);
		fuzz_assert(!strcmp(in.sha256, sha256_hex(data, size)));
		fuzz_assert(gz || total == size);
	} else {
		fuzz_assert(n == -1 && in.status != INPUT_OK && in.message[0]);
		fuzz_assert(input_exit_code(&in) == 65 ||
			    input_exit_code(&in) == 74);
	}
	input_close(&in);
	return 0;
}
