/* test_report.c -- unit tests for report.c's CSV lines.
 *
 * report_csv_line() writes a line in one call when no cell needs quoting
 * or neutralising, and cell by cell otherwise: each case is written both
 * ways into memory and the bytes must be the same, and a few are also
 * compared with the exact text a user would see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csprecon/report.h"
#include "csprecon/banned.h"

/* The line as report_csv_line() writes it; the caller frees it. */
static char *as_line(const char *const *cells, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	report_csv_line(fp, cells, n);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/* The line cell by cell; the caller frees it. */
static char *as_cells(const char *const *cells, size_t n)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	for (i = 0; i < n; i++)
		report_csv_cell(fp, cells[i], i + 1 == n);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void same_bytes(const char *const *cells, size_t n, const char *want)
{
	char *line = as_line(cells, n), *each = as_cells(cells, n);

	assert_string_equal(line, each);
	if (want)
		assert_string_equal(line, want);
	free(line);
	free(each);
}

#define CELLS(...) ((const char *const[]){ __VA_ARGS__ }), \
	(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static void test_plain(void **state)
{
	(void)state;
	same_bytes(CELLS("run", "relationships", "a+b", "new", "", "", ""),
		   "run,relationships,a+b,new,,,\n");
	same_bytes(CELLS(""), "\n");
	same_bytes(CELLS("x", "y=1", "a-b", "a@x"), "x,y=1,a-b,a@x\n");
}

static void test_needs_care(void **state)
{
	(void)state;
	same_bytes(CELLS("a", "=1+2", "b"), "a,\"'=1+2\",b\n");
	same_bytes(CELLS("-cmd", "x"), "\"'-cmd\",x\n");
	same_bytes(CELLS("x", "@x"), "x,\"'@x\"\n");
	same_bytes(CELLS("a,b", "c"), "\"a,b\",c\n");
	same_bytes(CELLS("say \"hi\"", "c"), "\"say \"\"hi\"\"\",c\n");
	same_bytes(CELLS("two\nlines", "c"), "\"two\nlines\",c\n");
	same_bytes(CELLS("a", "\tx", "\rx", "+1"), NULL);
	same_bytes(CELLS("a", "x\r"), NULL);
}

/* A line longer than the one-call buffer is written cell by cell. */
static void test_long_line(void **state)
{
	char *big = malloc(5001);
	char *mid = malloc(3001);

	(void)state;
	assert_non_null(big);
	assert_non_null(mid);
	memset(big, 'x', 5000);
	big[5000] = '\0';
	memset(mid, 'y', 3000);
	mid[3000] = '\0';
	same_bytes(CELLS("a", big, "b"), NULL);
	same_bytes(CELLS(mid, mid, "c"), NULL);
	same_bytes(CELLS(mid, "=1", mid), NULL);
	free(big);
	free(mid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_needs_care),
		cmocka_unit_test(test_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
