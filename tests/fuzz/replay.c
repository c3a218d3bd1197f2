/* replay.c -- main() for a fuzz target without libFuzzer.
 *
 * `replay_TARGET FILE|DIR...` runs the target once on each file, and on
 * each file in each directory (not below), and prints how many it ran.
 * It is how `make check` runs every seed and regression input through the
 * same code the fuzzer runs, with gcc and no libFuzzer; a broken
 * invariant or a sanitizer error aborts.  Exit 0, or 1 when a file could
 * not be read.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

/* Run the target on one file; 0, or -1 when it cannot be read. */
static int replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct strbuf sb;
	char buf[65536];
	size_t n;
	uint8_t *data;
	int ok;

	if (!fp)
		return error("cannot open '%s'", path);
	strbuf_init_capped(&sb, (size_t)1 << 30);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&sb, buf, n);
	ok = !ferror(fp);
	fclose(fp);
	if (!ok) {
		strbuf_release(&sb);
		return error("cannot read '%s'", path);
	}
	/* A buffer of exactly the input's size, as libFuzzer gives it, so
	 * that a read past the end is caught. */
	data = xmalloc(sb.len ? sb.len : 1);
	memcpy(data, sb.buf, sb.len);
	fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput(data, sb.len);
	free(data);
	strbuf_release(&sb);
	return 0;
}

int main(int argc, char **argv)
{
	struct dirent **ents;
	struct stat st;
	char path[4096];
	int i, j, n, failed = 0;
	unsigned count = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			failed |= replay_file(argv[i]) < 0;
			count++;
			continue;
		}
		if ((n = scandir(argv[i], &ents, NULL, alphasort)) < 0) {
			failed = error("cannot read directory '%s'", argv[i]);
			continue;
		}
		for (j = 0; j < n; j++) {
			snprintf(path, sizeof(path), "%s/%s", argv[i],
				 ents[j]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				failed |= replay_file(path) < 0;
				count++;
			}
			free(ents[j]);
		}
		free(ents);
	}
	printf("%u inputs\n", count);
	return failed ? 1 : 0;
}
