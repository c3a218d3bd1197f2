/* csvfloor.c -- the libcsv parse floor for `make bench`.
 *
 * Reads a file in 64 KiB chunks and parses it with libcsv (strict mode),
 * counting fields and rows and doing nothing else: the least any CSV
 * reader built on libcsv can cost.  Prints the row count.
 */
#include <stdio.h>
#include <csv.h>

static unsigned long fields, rows;

static void cb1(void *s, size_t len, void *data)
{
	(void)s;
	(void)len;
	(void)data;
	fields++;
}

static void cb2(int c, void *data)
{
	(void)c;
	(void)data;
	rows++;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	struct csv_parser p;
	size_t n;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "rb")))
		return 66;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return 70;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (csv_parse(&p, buf, n, cb1, cb2, NULL) != n)
			return 65;
	if (csv_fini(&p, cb1, cb2, NULL) != 0)
		return 65;
	csv_free(&p);
	fclose(f);
	printf("%lu\n", rows);
	return 0;
}
