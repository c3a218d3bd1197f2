/* fuzz_value.c -- fuzz targets for the value parsers of values.h: one
 * binary per parser, FUZZ_VALUE naming it (email, guid, mpn, country,
 * date).
 *
 * The input is one value, in a buffer of exactly its size, so a parser
 * that reads past its length is caught by AddressSanitizer.  Beyond not
 * crashing, what a parser accepts must agree with its contract: the
 * normalised output is well formed and parses again to itself, and a
 * value's parts (an address's domain, a timestamp's date) are valid on
 * their own; an address's domain runs to its end (no trailing dot, SPEC §3).
 */
#include <string.h>

#include "fuzz.h"
#include "csprecon/util.h"
#include "csprecon/values.h"
#include "csprecon/banned.h"

#define STR(x) #x
#define XSTR(x) STR(x)

static int is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void check_email(const char *s, size_t n)
{
	const char *d = NULL;
	size_t dl = 0;

	if (value_email(s, n, &d, &dl) < 0) {
		fuzz_assert(value_email(s, n, NULL, NULL) < 0);
		return;
	}
	fuzz_assert(value_email(s, n, NULL, NULL) == 0);
	fuzz_assert(d > s + 1 && d[-1] == '@' && d + dl == s + n);
	fuzz_assert((size_t)(d - s) - 1 <= 64 && (size_t)(d - s) + dl <= 254);
	fuzz_assert(dl && d[dl - 1] != '.' && value_domain(d, dl) == 0);
	fuzz_assert(!memchr(s, '@', (size_t)(d - s) - 1));
}

static void check_guid(const char *s, size_t n)
{
	char out[VALUE_GUID_LEN + 1], again[VALUE_GUID_LEN + 1];
	size_t i;

	if (value_guid(s, n, out) < 0) {
		fuzz_assert(out[0] == '\0');
		return;
	}
	fuzz_assert(n == VALUE_GUID_LEN || n == VALUE_GUID_LEN + 2);
	fuzz_assert(strlen(out) == VALUE_GUID_LEN);
	for (i = 0; i < VALUE_GUID_LEN; i++)
		fuzz_assert(i == 8 || i == 13 || i == 18 || i == 23 ?
			    out[i] == '-' : is_hex_lower(out[i]));
	fuzz_assert(strspn(out, "0-") < VALUE_GUID_LEN);
	fuzz_assert(value_guid(out, VALUE_GUID_LEN, again) == 0 &&
		    !strcmp(out, again));
}

static void check_mpn(const char *s, size_t n)
{
	size_t i;

	if (value_mpn(s, n) < 0)
		return;
	fuzz_assert(n >= 1 && n <= VALUE_MPN_MAX);
	for (i = 0; i < n; i++)
		fuzz_assert(s[i] >= '0' && s[i] <= '9');
}

static void check_country(const char *s, size_t n)
{
	char out[3], again[3];
	const char *name;

	if (value_country(s, n, out) < 0)
		return;
	fuzz_assert(strlen(out) == 2 && out[0] >= 'A' && out[0] <= 'Z' &&
		    out[1] >= 'A' && out[1] <= 'Z');
	fuzz_assert(value_country(out, 2, again) == 0 && !strcmp(out, again));
	fuzz_assert((name = value_country_name(out)) != NULL);
	fuzz_assert(value_country(name, strlen(name), again) == 0 &&
		    !strcmp(out, again));
}

static void check_date(const char *s, size_t n)
{
	if (value_date(s, n) < 0)
		return;
	fuzz_assert(n >= 10 && value_date(s, 10) == 0);
	fuzz_assert(n == 10 || n >= 16);
}

static const struct {
	const char *name;
	void (*check)(const char *s, size_t n);
} parsers[] = {
	{ "email", check_email },
	{ "guid", check_guid },
	{ "mpn", check_mpn },
	{ "country", check_country },
	{ "date", check_date },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static size_t i;

	while (strcmp(parsers[i].name, XSTR(FUZZ_VALUE)))
		fuzz_assert(++i < ARRAY_SIZE(parsers));
	parsers[i].check((const char *)data, size);
	return 0;
}
