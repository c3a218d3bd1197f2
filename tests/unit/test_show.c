/* test_show.c -- unit tests for show.c, the display form of untrusted
 * text: what is kept, what becomes \xHH, and that show_dup() and
 * show_fwrite() agree byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csprecon/show.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

struct show_case {
	const char *in;
	const char *want;
};

static void test_show(void **state)
{
	static const struct show_case cases[] = {
		{ "plain.csv", "plain.csv" },
		{ "", "" },
		{ "r\033[31mX.csv", "r\\x1B[31mX.csv" },          /* ESC */
		{ "a\tb\rc\nd", "a\\x09b\\x0Dc\\x0Ad" },           /* C0 */
		{ "del\177", "del\\x7F" },                          /* DEL */
		{ "J\303\274rgen", "J\303\274rgen" },               /* UTF-8 kept */
		{ "c1\302\233x", "c1\\xC2\\x9Bx" },                 /* C1 (CSI) */
		{ "bad\377", "bad\\xFF" },                          /* not UTF-8 */
		{ "cut\342\202", "cut\\xE2\\x82" },                 /* cut sequence */
		{ "sur\355\240\200", "sur\\xED\\xA0\\x80" },        /* surrogate */
		{ "\360\237\230\200", "\360\237\230\200" },         /* 4 bytes */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = show_dup(cases[i].in);
		char buf[256] = "";
		FILE *fp = fmemopen(buf, sizeof(buf), "w");

		assert_non_null(fp);
		show_fwrite(fp, cases[i].in, strlen(cases[i].in));
		fclose(fp);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: show_dup gave '%s'", i, got);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: show_fwrite gave '%s'", i, buf);
		if (show_plain(cases[i].in) != !strcmp(cases[i].in, cases[i].want))
			fail_msg("case %zu: show_plain gave %d", i,
				 show_plain(cases[i].in));
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_show),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
