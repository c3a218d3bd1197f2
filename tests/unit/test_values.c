/* test_values.c -- table-driven unit tests for values.c and the country
 * table.
 *
 * Each table row is {input, expected return, expected normalised output};
 * inputs carry an explicit length so that NUL bytes and "parse only len
 * bytes" can be tested.  A failing row names itself (input escaped) so the
 * log says which case broke, not only that one did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/countries.h"
#include "csprecon/util.h"
#include "csprecon/values.h"
#include "csprecon/banned.h"

/* A string literal as pointer and length, NULs included. */
#define S(lit) (lit), (sizeof(lit) - 1)

#define OK 0
#define NO -1

struct str_case {
	const char *in;
	size_t len;
	int want;
	const char *out; /* expected normalised output, when want == OK */
};

/* The input with non-printable bytes escaped, for failure messages.  Two
 * buffers in turn, so that one message may show two values. */
static const char *show(const char *s, size_t len)
{
	static char bufs[2][1024];
	static int turn;
	char *buf = bufs[turn ^= 1];
	size_t n = 0;

	for (size_t i = 0; i < len && n + 5 < sizeof(bufs[0]); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7F && c != '\\')
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, sizeof(bufs[0]) - n,
					      "\\x%02X", c);
	}
	buf[n] = '\0';
	return buf;
}

/* A heap copy of exactly len bytes, so that the sanitizer build catches a
 * parser reading past len (a string literal would hide it behind its NUL).
 * The previous copy is freed on each call; exact(NULL, 0) frees the last. */
static const char *exact(const char *s, size_t len)
{
	static char *copy;

	free(copy);
	copy = NULL;
	if (!s)
		return NULL;
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, s, len);
	return copy;
}

/* ---- value_text_check / value_text_chars ---- */

static const struct str_case text_cases[] = {
	{ S(""), OK, NULL },
	{ S("hello, world"), OK, NULL },
	{ S(" !~"), OK, NULL },
	{ S("\xC3\x84rzte"), OK, NULL },               /* Ärzte */
	{ S("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"), OK, NULL }, /* 日本語 */
	{ S("\xF0\x9F\x98\x80"), OK, NULL },           /* U+1F600 */
	{ S("\xC2\xA0"), OK, NULL },                   /* U+00A0, first after C1 */
	{ S("\xDF\xBF"), OK, NULL },                   /* U+07FF */
	{ S("\xE0\xA0\x80"), OK, NULL },               /* U+0800 */
	{ S("\xED\x9F\xBF"), OK, NULL },               /* U+D7FF */
	{ S("\xEE\x80\x80"), OK, NULL },               /* U+E000 */
	{ S("\xEF\xBF\xBD"), OK, NULL },               /* U+FFFD */
	{ S("\xF0\x90\x80\x80"), OK, NULL },           /* U+10000 */
	{ S("\xF4\x8F\xBF\xBF"), OK, NULL },           /* U+10FFFF */
	{ S("\xC0\x80"), NO, NULL },                   /* overlong NUL */
	{ S("\xC1\xBF"), NO, NULL },                   /* overlong */
	{ S("\xE0\x80\x80"), NO, NULL },               /* overlong */
	{ S("\xE0\x9F\xBF"), NO, NULL },               /* overlong */
	{ S("\xF0\x8F\xBF\xBF"), NO, NULL },           /* overlong */
	{ S("\xED\xA0\x80"), NO, NULL },               /* U+D800 surrogate */
	{ S("\xED\xBF\xBF"), NO, NULL },               /* U+DFFF surrogate */
	{ S("\xF4\x90\x80\x80"), NO, NULL },           /* U+110000 */
	{ S("\xF5\x80\x80\x80"), NO, NULL },
	{ S("\xF8\x88\x80\x80\x80"), NO, NULL },       /* 5-byte form */
	{ S("\xFE"), NO, NULL },
	{ S("\xFF"), NO, NULL },
	{ S("\x80"), NO, NULL },                       /* lone continuation */
	{ S("a\xBF"), NO, NULL },
	{ S("\xC3"), NO, NULL },                       /* truncated */
	{ S("\xE6\x97"), NO, NULL },
	{ S("\xF0\x9F\x98"), NO, NULL },
	{ S("abc\xC3"), NO, NULL },
	{ S("\xC3\x41"), NO, NULL },                   /* bad continuation */
	{ S("\xE6\x41\xAC"), NO, NULL },
	{ S("\xE6\x97\x41"), NO, NULL },
	{ S("\xF0\x9F\x41\x80"), NO, NULL },
	{ S("\xF0\x9F\x98\x41"), NO, NULL },
	{ S("\xC3\x84\x84"), NO, NULL },               /* extra continuation */
	{ S("a\0b"), NO, NULL },                       /* NUL in the middle */
	{ S("\0"), NO, NULL },
	{ S("a\tb"), NO, NULL },
	{ S("a\rb"), NO, NULL },
	{ S("a\nb"), NO, NULL },
	{ S("\x01"), NO, NULL },
	{ S("\x1F"), NO, NULL },
	{ S("a\x7F"), NO, NULL },                      /* DEL */
	{ S("\xC2\x80"), NO, NULL },                   /* U+0080, C1 */
	{ S("\xC2\x85"), NO, NULL },                   /* U+0085 NEL, C1 */
	{ S("\xC2\x9F"), NO, NULL },                   /* U+009F, C1 */
	{ "\xC3\x84", 1, NO, NULL },                   /* cut by len */
	{ "ab\x01", 2, OK, NULL },                     /* byte past len unread */
};

static void test_text_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(text_cases); i++) {
		const struct str_case *c = &text_cases[i];
		int got = value_text_check(exact(c->in, c->len), c->len);

		if (got != c->want)
			fail_msg("value_text_check(\"%s\") = %d, want %d",
				 show(c->in, c->len), got, c->want);
	}
}

struct count_case {
	const char *in;
	size_t len;
	size_t want;
};

static const struct count_case chars_cases[] = {
	{ S(""), 0 },
	{ S("abc"), 3 },
	{ S("\xC3\x84rzte"), 5 },
	{ S("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"), 3 },
	{ S("\xF0\x9F\x98\x80" "a"), 2 },
	{ S("a\xC2\xA0" "b"), 3 },
	{ S("\xF4\x8F\xBF\xBF"), 1 },
};

static void test_text_chars(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(chars_cases); i++) {
		const struct count_case *c = &chars_cases[i];
		size_t got = value_text_chars(exact(c->in, c->len), c->len);

		if (got != c->want)
			fail_msg("value_text_chars(\"%s\") = %zu, want %zu",
				 show(c->in, c->len), got, c->want);
	}
}

/* ---- value_guid ---- */

#define GUID_LOWER "6b29fc40-ca47-1067-b31d-00dd010662da"

static const struct str_case guid_cases[] = {
	{ S(GUID_LOWER), OK, GUID_LOWER },
	{ S("6B29FC40-CA47-1067-B31D-00DD010662DA"), OK, GUID_LOWER },
	{ S("6b29FC40-cA47-1067-B31d-00Dd010662dA"), OK, GUID_LOWER },
	{ S("{6B29FC40-CA47-1067-B31D-00DD010662DA}"), OK, GUID_LOWER },
	{ S("{" GUID_LOWER "}"), OK, GUID_LOWER },
	{ S("ffffffff-ffff-ffff-ffff-ffffffffffff"), OK,
	  "ffffffff-ffff-ffff-ffff-ffffffffffff" },
	{ S("00000000-0000-0000-0000-000000000001"), OK,
	  "00000000-0000-0000-0000-000000000001" },
	{ S("10000000-0000-0000-0000-000000000000"), OK,
	  "10000000-0000-0000-0000-000000000000" },
	{ GUID_LOWER "JUNK", 36, OK, GUID_LOWER },     /* only len is read */
	{ S("00000000-0000-0000-0000-000000000000"), NO, NULL }, /* nil */
	{ S("{00000000-0000-0000-0000-000000000000}"), NO, NULL },
	{ S("{" GUID_LOWER), NO, NULL },               /* one brace */
	{ S(GUID_LOWER "}"), NO, NULL },
	{ S("{" GUID_LOWER "}}"), NO, NULL },
	{ S("{{" GUID_LOWER "}"), NO, NULL },
	{ S("(" GUID_LOWER ")"), NO, NULL },
	{ S("[" GUID_LOWER "]"), NO, NULL },
	{ S("}" GUID_LOWER "{"), NO, NULL },
	{ S("6b29fc40ca47-1067-b31d-00dd010662da"), NO, NULL }, /* missing - */
	{ S("6b29fc40-ca4701067-b31d-00dd010662da"), NO, NULL }, /* 0 for - */
	{ S("6b29fc40_ca47_1067_b31d_00dd010662da"), NO, NULL },
	{ S("6b29fc4-0ca47-1067-b31d-00dd010662da"), NO, NULL }, /* 7-5 */
	{ S("6b29fc40-ca4-71067-b31d-00dd010662da"), NO, NULL },
	{ S("6b29fc40-ca47-1067-b31d0-0dd010662da"), NO, NULL },
	{ S("6b29fc40-ca47-1067-b31d-00dd010662d"), NO, NULL }, /* 11 */
	{ S("6b29fc40-ca47-1067-b31d-00dd010662dab"), NO, NULL }, /* 13 */
	{ S("6b29fc40-ca47-1067-b31d-00dd010662dg"), NO, NULL }, /* non-hex */
	{ S("6b29fc40-ca47-1067-b31d-00dd010662d "), NO, NULL },
	{ S("6b29fc40-ca47-1067-b31d-00dd010662d\0"), NO, NULL },
	{ S("6b29fc40-ca47-1067-b31d-00dd0106\xC3\xA4" "da"), NO, NULL },
	{ S("6b29fc40ca471067b31d00dd010662da"), NO, NULL }, /* 32 hex */
	{ S("{6b29fc40ca471067b31d00dd010662da}"), NO, NULL },
	{ S(GUID_LOWER " "), NO, NULL },               /* trailing junk */
	{ S(GUID_LOWER "0"), NO, NULL },
	{ S(GUID_LOWER "x"), NO, NULL },
	{ S(" " GUID_LOWER), NO, NULL },
	{ S("urn:uuid:" GUID_LOWER), NO, NULL },
	{ S(""), NO, NULL },
	{ S("{}"), NO, NULL },
	{ S("------------------------------------"), NO, NULL },
};

static void test_guid(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(guid_cases); i++) {
		const struct str_case *c = &guid_cases[i];
		char out[VALUE_GUID_LEN + 1];
		int got;

		memset(out, 'X', sizeof(out));
		got = value_guid(exact(c->in, c->len), c->len, out);
		if (got != c->want)
			fail_msg("value_guid(\"%s\") = %d, want %d",
				 show(c->in, c->len), got, c->want);
		if (got == OK && strcmp(out, c->out))
			fail_msg("value_guid(\"%s\") gave \"%s\", want \"%s\"",
				 show(c->in, c->len), out, c->out);
		if (got != OK && out[0] != '\0')
			fail_msg("value_guid(\"%s\") failed but left output",
				 show(c->in, c->len));
	}
}

/* ---- value_mpn ---- */

static const struct str_case mpn_cases[] = {
	{ S("1"), OK, NULL },
	{ S("0"), OK, NULL },
	{ S("123456"), OK, NULL },
	{ S("1234567"), OK, NULL },
	{ S("0001234"), OK, NULL },
	{ S("1234567890"), OK, NULL },                 /* 10 digits */
	{ "12345678901", 10, OK, NULL },               /* only len is read */
	{ S(""), NO, NULL },                           /* 0 digits */
	{ S("12345678901"), NO, NULL },                /* 11 digits */
	{ S("12a456"), NO, NULL },
	{ S("abc"), NO, NULL },
	{ S("+123456"), NO, NULL },
	{ S("-123456"), NO, NULL },
	{ S("123 456"), NO, NULL },
	{ S("123\t456"), NO, NULL },
	{ S(" 123456"), NO, NULL },
	{ S("123456 "), NO, NULL },
	{ S("1234.0"), NO, NULL },
	{ S("1e5"), NO, NULL },
	{ S("0x12"), NO, NULL },
	{ S("12\0" "34"), NO, NULL },
	{ S("\xD9\xA1\xD9\xA2\xD9\xA3"), NO, NULL },   /* Arabic-Indic 123 */
	{ S("\xEF\xBC\x91\xEF\xBC\x92"), NO, NULL },   /* fullwidth 12 */
	{ S("\xC2\xB2"), NO, NULL },                   /* superscript 2 */
};

static void test_mpn(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(mpn_cases); i++) {
		const struct str_case *c = &mpn_cases[i];
		int got = value_mpn(exact(c->in, c->len), c->len);

		if (got != c->want)
			fail_msg("value_mpn(\"%s\") = %d, want %d",
				 show(c->in, c->len), got, c->want);
	}
}

/* ---- value_country / value_country_name ---- */

static const struct str_case country_cases[] = {
	{ S("DE"), OK, "DE" },
	{ S("de"), OK, "DE" },
	{ S("dE"), OK, "DE" },
	{ S("DEU"), OK, "DE" },
	{ S("deu"), OK, "DE" },
	{ S("Germany"), OK, "DE" },
	{ S("germany"), OK, "DE" },
	{ S("GERMANY"), OK, "DE" },
	{ S("Federal Republic of Germany"), OK, "DE" }, /* official name */
	{ S("GB"), OK, "GB" },
	{ S("GBR"), OK, "GB" },
	{ S("United Kingdom"), OK, "GB" },             /* iso-codes name */
	{ S("United Kingdom of Great Britain and Northern Ireland"), OK, "GB" },
	{ S("united kingdom of great britain and northern ireland"), OK, "GB" },
	{ S("US"), OK, "US" },
	{ S("USA"), OK, "US" },
	{ S("United States"), OK, "US" },
	{ S("United States of America"), OK, "US" },
	{ S("XK"), OK, "XK" },
	{ S("xk"), OK, "XK" },
	{ S("XKX"), OK, "XK" },
	{ S("Kosovo"), OK, "XK" },
	{ S("KOSOVO"), OK, "XK" },
	{ S("CI"), OK, "CI" },
	{ S("C\xC3\xB4te d'Ivoire"), OK, "CI" },       /* Côte d'Ivoire */
	{ S("Cote d'Ivoire"), OK, "CI" },
	{ S("COTE D'IVOIRE"), OK, "CI" },
	{ S("C\xC3\xB4te d\xE2\x80\x99Ivoire"), OK, "CI" }, /* U+2019 */
	{ S("Cote d\xE2\x80\x99Ivoire"), OK, "CI" },
	{ S("Republic of C\xC3\xB4te d'Ivoire"), OK, "CI" },
	{ S("\xC3\x85land Islands"), OK, "AX" },       /* Åland Islands */
	{ S("Aland Islands"), OK, "AX" },
	{ S("Cura\xC3\xA7" "ao"), OK, "CW" },          /* Curaçao */
	{ S("Curacao"), OK, "CW" },
	{ S("R\xC3\xA9union"), OK, "RE" },             /* Réunion */
	{ S("Reunion"), OK, "RE" },
	{ S("T\xC3\xBCrkiye"), OK, "TR" },             /* Türkiye */
	{ S("Turkiye"), OK, "TR" },
	{ S("Republic of Turkiye"), OK, "TR" },
	{ S("Saint Barthelemy"), OK, "BL" },
	{ S("Bolivia"), OK, "BO" },                    /* common name */
	{ S("Bolivia, Plurinational State of"), OK, "BO" },
	{ S("Plurinational State of Bolivia"), OK, "BO" },
	{ S("South Korea"), OK, "KR" },
	{ S("Korea, Republic of"), OK, "KR" },
	{ S("Viet Nam"), OK, "VN" },
	{ S("Vietnam"), OK, "VN" },
	{ S("Taiwan"), OK, "TW" },
	{ S("Czechia"), OK, "CZ" },
	{ S("Czech Republic"), OK, "CZ" },
	{ S("Lao People's Democratic Republic"), OK, "LA" },
	{ "DEjunk", 2, OK, "DE" },                     /* only len is read */
	{ "DEUjunk", 3, OK, "DE" },
	{ "Germanyjunk", 7, OK, "DE" },
	{ S("UK"), NO, NULL },                         /* not an ISO code */
	{ S("uk"), NO, NULL },
	{ S("ZZ"), NO, NULL },
	{ S("XX"), NO, NULL },
	{ S("AA"), NO, NULL },
	{ S("EU"), NO, NULL },
	{ S(""), NO, NULL },
	{ S("D"), NO, NULL },
	{ S("D1"), NO, NULL },
	{ S("1"), NO, NULL },
	{ S("276"), NO, NULL },                        /* numeric code */
	{ S("DEUT"), NO, NULL },
	{ S("DE "), NO, NULL },
	{ S(" DE"), NO, NULL },
	{ S("Germany "), NO, NULL },
	{ S("Ger many"), NO, NULL },
	{ S("Germ"), NO, NULL },
	{ S("Germanyy"), NO, NULL },
	{ S("Deutschland"), NO, NULL },
	{ S("C\xC3\x94TE D'IVOIRE"), NO, NULL },       /* Ô: ASCII fold only */
	{ S("D\0"), NO, NULL },
	{ S("\xC3\x84\xC3\x84"), NO, NULL },
};

static void test_country(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(country_cases);
	     i++) {
		const struct str_case *c = &country_cases[i];
		size_t len = c->len;
		char out[3] = "XX";
		int got = value_country(exact(c->in, len), len, out);
		if (got != c->want)
			fail_msg("value_country(\"%s\") = %d, want %d",
				 show(c->in, len), got, c->want);
		if (got == OK && strcmp(out, c->out))
			fail_msg("value_country(\"%s\") gave \"%s\", want \"%s\"",
				 show(c->in, len), out, c->out);
	}
}

static void test_country_name(void **state)
{
	static const struct {
		const char *code;
		const char *want;
	} cases[] = {
		{ "DE", "Germany" },
		{ "de", "Germany" },
		{ "GB", "United Kingdom" },
		{ "XK", "Kosovo" },
		{ "CI", "C\xC3\xB4te d'Ivoire" },
		{ "TR", "T\xC3\xBCrkiye" },
		{ "ZZ", NULL },
		{ "UK", NULL },
		{ "1A", NULL },
		{ "D\0", NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = value_country_name(cases[i].code);

		if (!cases[i].want) {
			if (got)
				fail_msg("value_country_name(%s) = \"%s\", want NULL",
					 cases[i].code, got);
		} else if (!got || strcmp(got, cases[i].want)) {
			fail_msg("value_country_name(%s) = \"%s\", want \"%s\"",
				 cases[i].code, got ? got : "(null)",
				 cases[i].want);
		}
	}
}

static void ascii_upper(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = (src[i] >= 'a' && src[i] <= 'z') ? (char)(src[i] - 32)
							  : src[i];
}

/* Every row of the generated table must be reachable through
 * value_country(): this catches a generator whose sort order disagrees
 * with the C comparison, which bsearch would turn into silent misses. */
static void test_country_table(void **state)
{
	char up[256];

	(void)state;
	assert_true(countries_count >= 250); /* 249 ISO + XK */
	assert_true(country_keys_count > countries_count);
	for (size_t i = 0; i < countries_count; i++) {
		const struct country *c = &countries[i];
		char out[3];

		assert_int_equal(value_country(c->alpha2, 2, out), 0);
		assert_string_equal(out, c->alpha2);
		assert_int_equal(value_country(c->alpha3, 3, out), 0);
		assert_string_equal(out, c->alpha2);
		if (value_country(c->name, strlen(c->name), out))
			fail_msg("name \"%s\" not found", show(c->name,
							       strlen(c->name)));
		assert_string_equal(out, c->alpha2);
		assert_string_equal(value_country_name(c->alpha2), c->name);
		if (i)
			assert_true(strcmp(countries[i - 1].alpha2, c->alpha2) < 0);
	}
	for (size_t i = 0; i < country_keys_count; i++) {
		const struct country_key *k = &country_keys[i];
		char out[3];

		assert_int_equal(strlen(k->key), k->len);
		if (value_country(k->key, k->len, out) || strcmp(out, k->alpha2))
			fail_msg("key \"%s\" not found", show(k->key, k->len));
		ascii_upper(up, k->key, k->len);
		if (value_country(up, k->len, out) || strcmp(out, k->alpha2))
			fail_msg("key \"%s\" not found upper-cased",
				 show(up, k->len));
	}
}

/* ---- value_email ---- */

static const struct str_case email_cases[] = {
	{ S("a@example.com"), OK, "example.com" },
	{ S("first.last@example.com"), OK, "example.com" },
	{ S("John.Doe@Example.COM"), OK, "Example.COM" },
	{ S("user+tag@sub.example.co.uk"), OK, "sub.example.co.uk" },
	{ S("!#$%&'*+-/=?^_`{|}~@example.com"), OK, "example.com" },
	{ S("a@ex-ample.com"), OK, "ex-ample.com" },
	{ S("a@1example.com"), OK, "1example.com" },
	{ S("a@example.com."), NO, NULL },             /* empty last label */
	{ S("a@xn--bcher-kva.example"), OK, "xn--bcher-kva.example" },
	{ S("a@example.xn--p1ai"), OK, "example.xn--p1ai" }, /* xn-- TLD */
	{ S("a@EXAMPLE.XN--P1AI"), OK, "EXAMPLE.XN--P1AI" },
	{ S("a@xn--80ak6aa92e.com"), OK, "xn--80ak6aa92e.com" },
	{ "a@example.comXYZ", 13, OK, "example.com" }, /* only len is read */
	{ S("a..b@example.com"), NO, NULL },           /* consecutive dots */
	{ S(".a@example.com"), NO, NULL },             /* leading dot */
	{ S("a.@example.com"), NO, NULL },             /* trailing dot */
	{ S(".@example.com"), NO, NULL },
	{ S("a b@example.com"), NO, NULL },            /* space */
	{ S(" a@example.com"), NO, NULL },
	{ S("a@example.com "), NO, NULL },
	{ S("a@exa mple.com"), NO, NULL },
	{ S("a\t@example.com"), NO, NULL },
	{ S("\"a b\"@example.com"), NO, NULL },        /* quoted local part */
	{ S("\"ab\"@example.com"), NO, NULL },
	{ S("\"a@b\"@example.com"), NO, NULL },
	{ S("a(comment)@example.com"), NO, NULL },     /* comments */
	{ S("(comment)a@example.com"), NO, NULL },
	{ S("a@example.com(comment)"), NO, NULL },
	{ S("a@(comment)example.com"), NO, NULL },
	{ S("a@[1.2.3.4]"), NO, NULL },                /* address literals */
	{ S("a@[IPv6:2001:db8::1]"), NO, NULL },
	{ S("a@1.2.3.4"), NO, NULL },
	{ S("a@localhost"), NO, NULL },                /* one label */
	{ S("a@com."), NO, NULL },
	{ S("a@-example.com"), NO, NULL },             /* hyphen at ends */
	{ S("a@example-.com"), NO, NULL },
	{ S("a@example.-com"), NO, NULL },
	{ S("a@example.com-"), NO, NULL },
	{ S("a@example.c0m"), NO, NULL },              /* TLD with digits */
	{ S("a@example.123"), NO, NULL },
	{ S("a@example.c"), NO, NULL },                /* 1-letter TLD */
	{ S("a@example.xn--"), NO, NULL },
	{ S("a@example.xn-a"), NO, NULL },
	{ S("a@example.com.."), NO, NULL },
	{ S("a@.example.com"), NO, NULL },
	{ S("a@example..com"), NO, NULL },
	{ S("a@exa_mple.com"), NO, NULL },
	{ S("a@b@example.com"), NO, NULL },            /* two @ */
	{ S("a@@example.com"), NO, NULL },
	{ S("a@example.com@"), NO, NULL },
	{ S("@example.com"), NO, NULL },
	{ S("a@"), NO, NULL },
	{ S("a"), NO, NULL },
	{ S("@"), NO, NULL },
	{ S(""), NO, NULL },
	{ S("\xC3\xA9@example.com"), NO, NULL },       /* non-ASCII local */
	{ S("jos\xC3\xA9@example.com"), NO, NULL },
	{ S("a@ex\xC3\xA4mple.com"), NO, NULL },       /* U-label domain */
	{ S("a\\b@example.com"), NO, NULL },
	{ S("a,b@example.com"), NO, NULL },
	{ S("a:b@example.com"), NO, NULL },
	{ S("a;b@example.com"), NO, NULL },
	{ S("<a@example.com>"), NO, NULL },
	{ S("a[b]@example.com"), NO, NULL },
	{ S("a\0b@example.com"), NO, NULL },
	{ S("a@example.com\0"), NO, NULL },
	{ S("mailto:a@example.com"), NO, NULL },
	{ S("A <a@example.com>"), NO, NULL },
};

static void test_email(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(email_cases); i++) {
		const struct str_case *c = &email_cases[i];
		const char *d = NULL, *in = exact(c->in, c->len);
		size_t dlen = 0;
		int got = value_email(in, c->len, &d, &dlen);

		if (got != c->want)
			fail_msg("value_email(\"%s\") = %d, want %d",
				 show(c->in, c->len), got, c->want);
		if (got == OK && (dlen != strlen(c->out) ||
				  memcmp(d, c->out, dlen) ||
				  d < in || d + dlen > in + c->len))
			fail_msg("value_email(\"%s\") domain \"%s\", want \"%s\"",
				 show(c->in, c->len), d ? show(d, dlen) : "",
				 c->out);
	}
}

/* Fill buf with a domain of exactly len bytes (labels of up to 63 bytes),
 * ending in ".com". */
static size_t make_domain(char *buf, size_t len, size_t label_max)
{
	size_t n = 0, rest;

	assert_true(len >= 5 && label_max >= 2);
	rest = len - 4;
	while (rest > label_max) {
		/* Leave at least one byte for the next label. */
		size_t l = rest - 2 < label_max ? rest - 2 : label_max;

		memset(buf + n, 'a', l);
		n += l;
		buf[n++] = '.';
		rest -= l + 1;
	}
	memset(buf + n, 'a', rest);
	n += rest;
	memcpy(buf + n, ".com", 4);
	n += 4;
	buf[n] = '\0';
	return n;
}

struct length_case {
	size_t local;  /* local part length */
	size_t domain; /* domain length, built by make_domain() */
	int trailing_dot;
	int want;
};

static void test_email_lengths(void **state)
{
	static const struct length_case cases[] = {
		{ 64, 20, 0, OK },   /* 64-char local part */
		{ 65, 20, 0, NO },
		{ 1, 20, 0, OK },
		{ 64, 189, 0, OK },  /* 254 in all */
		{ 64, 190, 0, NO },  /* 255 */
		{ 1, 20, 1, NO },    /* a trailing dot: an empty label */
		{ 1, 252, 0, OK },   /* 254 */
		{ 1, 253, 0, NO },   /* 255, though the domain alone is fine */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char buf[600];
		const char *d;
		size_t n, dlen, dn;
		int got;

		memset(buf, 'x', cases[i].local);
		n = cases[i].local;
		buf[n++] = '@';
		dn = make_domain(buf + n, cases[i].domain, 63);
		assert_int_equal(dn, cases[i].domain);
		n += dn;
		if (cases[i].trailing_dot)
			buf[n++] = '.';
		got = value_email(buf, n, &d, &dlen);
		if (got != cases[i].want)
			fail_msg("email %zu+1+%zu%s: got %d want %d",
				 cases[i].local, cases[i].domain,
				 cases[i].trailing_dot ? "+dot" : "", got,
				 cases[i].want);
		if (got == OK)
			assert_int_equal(dlen, cases[i].domain);
	}
}

/* ---- value_domain ---- */

static const struct str_case domain_cases[] = {
	{ S("example.com"), OK, NULL },
	{ S("EXAMPLE.COM"), OK, NULL },
	{ S("example.com."), OK, NULL },
	{ S("a.b.c.d.example.museum"), OK, NULL },
	{ S("ex-ample.co.uk"), OK, NULL },
	{ S("ex--ample.com"), OK, NULL },
	{ S("123.example.com"), OK, NULL },
	{ S("xn--bcher-kva.ch"), OK, NULL },
	{ S("example.xn--p1ai"), OK, NULL },
	{ S("x.io"), OK, NULL },
	{ "example.com!!", 11, OK, NULL },             /* only len is read */
	{ S(""), NO, NULL },
	{ S("."), NO, NULL },
	{ S(".."), NO, NULL },
	{ S("com"), NO, NULL },
	{ S("com."), NO, NULL },
	{ S(".example.com"), NO, NULL },
	{ S("example.com.."), NO, NULL },
	{ S("example..com"), NO, NULL },
	{ S("_dmarc.example.com"), NO, NULL },
	{ S("*.example.com"), NO, NULL },
	{ S("exa_mple.com"), NO, NULL },
	{ S("-a.com"), NO, NULL },
	{ S("a-.com"), NO, NULL },
	{ S("a.b-"), NO, NULL },
	{ S("1.2.3.4"), NO, NULL },
	{ S("example.co1"), NO, NULL },
	{ S("example.c"), NO, NULL },
	{ S("example.xn--"), NO, NULL },
	{ S("example.xn-a"), NO, NULL },
	{ S("http://example.com"), NO, NULL },
	{ S("example.com/"), NO, NULL },
	{ S("example.com:80"), NO, NULL },
	{ S(" example.com"), NO, NULL },
	{ S("example.com "), NO, NULL },
	{ S("exa mple.com"), NO, NULL },
	{ S("ex\xC3\xA4mple.com"), NO, NULL },
	{ S("a@example.com"), NO, NULL },
	{ S("example.com\0"), NO, NULL },
	{ S("example;com.org"), NO, NULL },
};

static void test_domain(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(domain_cases);
	     i++) {
		const struct str_case *c = &domain_cases[i];
		int got = value_domain(exact(c->in, c->len), c->len);

		if (got != c->want)
			fail_msg("value_domain(\"%s\") = %d, want %d",
				 show(c->in, c->len), got, c->want);
	}
}

static void test_domain_lengths(void **state)
{
	static const struct {
		size_t len;
		size_t label_max;
		int trailing_dot;
		int want;
	} cases[] = {
		{ 253, 63, 0, OK },
		{ 253, 63, 1, OK }, /* the trailing dot is not counted */
		{ 254, 63, 0, NO },
		{ 254, 63, 1, NO },
		{ 67, 63, 0, OK },  /* a 63-byte label */
		{ 68, 64, 0, NO },  /* a 64-byte label */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char buf[600];
		size_t n = make_domain(buf, cases[i].len, cases[i].label_max);
		int got;

		assert_int_equal(n, cases[i].len);
		if (cases[i].trailing_dot)
			buf[n++] = '.';
		got = value_domain(buf, n);
		if (got != cases[i].want)
			fail_msg("domain of %zu (labels %zu)%s: got %d want %d",
				 cases[i].len, cases[i].label_max,
				 cases[i].trailing_dot ? "+dot" : "", got,
				 cases[i].want);
	}
	/* The label length limit inside an email too. */
	{
		char buf[600];
		const char *d;
		size_t dlen, n;

		buf[0] = 'a';
		buf[1] = '@';
		n = 2 + make_domain(buf + 2, 67, 63);
		assert_int_equal(value_email(buf, n, &d, &dlen), 0);
		n = 2 + make_domain(buf + 2, 68, 64);
		assert_int_equal(value_email(buf, n, &d, &dlen), -1);
	}
}

/* ---- value_date ---- */

static const struct str_case date_cases[] = {
	{ S("2026-11-23"), OK, NULL },
	{ S("2024-02-29"), OK, NULL },                 /* leap year */
	{ S("2000-02-29"), OK, NULL },                 /* 400-year rule */
	{ S("2026-04-30"), OK, NULL },
	{ S("2026-12-31"), OK, NULL },
	{ S("2026-01-01"), OK, NULL },
	{ S("0001-01-01"), OK, NULL },
	{ S("9999-12-31"), OK, NULL },
	{ S("2026-11-23T10:00:00Z"), OK, NULL },
	{ S("2026-11-23T10:00Z"), OK, NULL },
	{ S("2026-11-23T10:00"), OK, NULL },
	{ S("2026-11-23T10:00:00"), OK, NULL },
	{ S("2026-11-23T10:00:00+01:00"), OK, NULL },
	{ S("2026-11-23T10:00:00-05:30"), OK, NULL },
	{ S("2026-11-23T10:00+14:00"), OK, NULL },
	{ S("2026-11-23T10:00:00-00:00"), OK, NULL },
	{ S("2026-11-23T10:00:00.1Z"), OK, NULL },     /* fractions */
	{ S("2026-11-23T10:00:00.123Z"), OK, NULL },
	{ S("2026-11-23T10:00:00.123456789+01:00"), OK, NULL },
	{ S("2026-11-23T10:00:00.5"), OK, NULL },
	{ S("2026-11-23 10:00:00"), OK, NULL },        /* space for T */
	{ S("2026-11-23 10:00:00+01:00"), OK, NULL },
	{ S("2026-11-23t10:00:00z"), OK, NULL },
	{ S("2026-11-23T00:00:00Z"), OK, NULL },
	{ S("2026-11-23T23:59:59Z"), OK, NULL },
	{ S("2026-12-31T23:59:60Z"), OK, NULL },       /* leap second */
	{ "2026-11-23junk", 10, OK, NULL },            /* only len is read */
	{ S("2023-02-29"), NO, NULL },
	{ S("1900-02-29"), NO, NULL },                 /* 100-year rule */
	{ S("2026-02-30"), NO, NULL },
	{ S("2026-04-31"), NO, NULL },
	{ S("2026-13-01"), NO, NULL },
	{ S("2026-00-10"), NO, NULL },
	{ S("2026-01-00"), NO, NULL },
	{ S("2026-01-32"), NO, NULL },
	{ S("0000-01-01"), NO, NULL },
	{ S("2026-1-01"), NO, NULL },
	{ S("2026-01-1"), NO, NULL },
	{ S("26-11-23"), NO, NULL },
	{ S("+2026-11-23"), NO, NULL },
	{ S("2026/11/23"), NO, NULL },
	{ S("20261123"), NO, NULL },
	{ S("23.11.2026"), NO, NULL },
	{ S("11/23/2026"), NO, NULL },
	{ S("2026-11-23T24:00:00"), NO, NULL },        /* 24:00 refused */
	{ S("2026-11-23T24:00"), NO, NULL },
	{ S("2026-11-23T23:60"), NO, NULL },
	{ S("2026-11-23T10:00:61"), NO, NULL },
	{ S("2026-11-23T"), NO, NULL },
	{ S("2026-11-23T10"), NO, NULL },
	{ S("2026-11-23T10:0"), NO, NULL },
	{ S("2026-11-23T1:00"), NO, NULL },
	{ S("2026-11-23T10:00:0"), NO, NULL },
	{ S("2026-11-23T10:00:"), NO, NULL },
	{ S("2026-11-23T10:00.5"), NO, NULL },         /* fraction needs :ss */
	{ S("2026-11-23T10:00:00."), NO, NULL },
	{ S("2026-11-23T10:00:00.Z"), NO, NULL },
	{ S("2026-11-23T10:00:00,5Z"), NO, NULL },
	{ S("2026-11-23T1000"), NO, NULL },
	{ S("2026-11-23T10:00:00+01"), NO, NULL },
	{ S("2026-11-23T10:00:00+0100"), NO, NULL },
	{ S("2026-11-23T10:00:00+24:00"), NO, NULL },
	{ S("2026-11-23T10:00:00+01:60"), NO, NULL },
	{ S("2026-11-23T10:00:00+01:00x"), NO, NULL }, /* garbage after */
	{ S("2026-11-23T10:00:00Zjunk"), NO, NULL },
	{ S("2026-11-23T10:00:00ZZ"), NO, NULL },
	{ S("2026-11-23T10:00:00 "), NO, NULL },
	{ S("2026-11-23Z"), NO, NULL },
	{ S("2026-11-23x"), NO, NULL },
	{ S("2026-11-23 "), NO, NULL },
	{ S("2026-11-23\0"), NO, NULL },
	{ S("2026-11-23  10:00"), NO, NULL },
	{ S("2026-11-23_10:00"), NO, NULL },
	{ S("\xEF\xBC\x92" "026-11-23"), NO, NULL },
	{ S(""), NO, NULL },
	{ S("yesterday"), NO, NULL },
};

static void test_date(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(date_cases); i++) {
		const struct str_case *c = &date_cases[i];
		int got = value_date(exact(c->in, c->len), c->len);

		if (got != c->want)
			fail_msg("value_date(\"%s\") = %d, want %d",
				 show(c->in, c->len), got, c->want);
	}
}

/* ---- value_bool ---- */

struct bool_case {
	const char *in;
	size_t len;
	int want;
	int out;
};

static const struct bool_case bool_cases[] = {
	{ S("yes"), OK, 1 }, { S("YES"), OK, 1 }, { S("Yes"), OK, 1 },
	{ S("yEs"), OK, 1 }, { S("true"), OK, 1 }, { S("TRUE"), OK, 1 },
	{ S("True"), OK, 1 }, { S("tRuE"), OK, 1 }, { S("1"), OK, 1 },
	{ S("y"), OK, 1 }, { S("Y"), OK, 1 },
	{ S("no"), OK, 0 }, { S("NO"), OK, 0 }, { S("No"), OK, 0 },
	{ S("nO"), OK, 0 }, { S("false"), OK, 0 }, { S("FALSE"), OK, 0 },
	{ S("False"), OK, 0 }, { S("fAlSe"), OK, 0 }, { S("0"), OK, 0 },
	{ S("n"), OK, 0 }, { S("N"), OK, 0 },
	{ "yesno", 3, OK, 1 },                         /* only len is read */
	{ S("2"), NO, 0 }, { S(""), NO, 0 }, { S("yess"), NO, 0 },
	{ S("ye"), NO, 0 }, { S("nope"), NO, 0 }, { S("tru"), NO, 0 },
	{ S("t"), NO, 0 }, { S("f"), NO, 0 }, { S("on"), NO, 0 },
	{ S("off"), NO, 0 }, { S(" yes"), NO, 0 }, { S("yes "), NO, 0 },
	{ S("-1"), NO, 0 }, { S("01"), NO, 0 }, { S("10"), NO, 0 },
	{ S("1.0"), NO, 0 }, { S("yes\0"), NO, 0 }, { S("x"), NO, 0 },
	{ S("oui"), NO, 0 },
};

static void test_bool(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bool_cases); i++) {
		const struct bool_case *c = &bool_cases[i];
		int out = 42;
		int got = value_bool(exact(c->in, c->len), c->len, &out);

		if (got != c->want)
			fail_msg("value_bool(\"%s\") = %d, want %d",
				 show(c->in, c->len), got, c->want);
		if (got == OK && out != c->out)
			fail_msg("value_bool(\"%s\") gave %d, want %d",
				 show(c->in, c->len), out, c->out);
	}
}

/* ---- value_name ---- */

static const struct str_case name_cases[] = {
	{ S("AB"), OK, NULL },
	{ S("3M"), OK, NULL },
	{ S("12"), OK, NULL },
	{ S("A."), OK, NULL },
	{ S("-A"), OK, NULL },
	{ S("Contoso Ltd."), OK, NULL },
	{ S("\xC3\x84rzte"), OK, NULL },               /* Ärzte */
	{ S("\xC3\x84\xC3\x96"), OK, NULL },           /* ÄÖ */
	{ S("\xE6\x97\xA5\xE6\x9C\xAC"), OK, NULL },   /* 日本 */
	{ S("M\xC3\xBCller & S\xC3\xB6hne GmbH"), OK, NULL },
	{ S("A\xE2\x80\x93"), OK, NULL },              /* A– */
	{ S("\xCE\xA9\xCE\xA9"), OK, NULL },           /* ΩΩ */
	{ S("A"), NO, NULL },
	{ S("X"), NO, NULL },
	{ S("1"), NO, NULL },
	{ S("-"), NO, NULL },
	{ S("--"), NO, NULL },
	{ S("..."), NO, NULL },
	{ S("&"), NO, NULL },
	{ S("# @ !"), NO, NULL },
	{ S("  "), NO, NULL },
	{ S(""), NO, NULL },
	{ S("\xC3\x84"), NO, NULL },                   /* Ä: one character */
	{ S("\xE6\x97\xA5"), NO, NULL },               /* 日: one character */
	{ S("\xE2\x80\x93"), NO, NULL },               /* – */
	{ S("\xE2\x80\x94\xE2\x80\x94"), NO, NULL },   /* —— */
	{ S("\xC2\xA0\xC2\xA0"), NO, NULL },           /* two NBSP */
	{ S("\xC2\xAB \xC2\xBB"), NO, NULL },          /* « » */
	{ S("\xC2\xA9\xC2\xAE"), NO, NULL },           /* ©® */
	{ S("\xC3\x97\xC3\xB7"), NO, NULL },           /* ×÷ */
	{ S("\xE2\x80\x9C\xE2\x80\x9D"), NO, NULL },   /* “” */
	{ S("\xE3\x80\x80\xE3\x80\x80"), NO, NULL },   /* ideographic spaces */
	{ "AB", 1, NO, NULL },                         /* only len is read */
};

static void test_name(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(name_cases); i++) {
		const struct str_case *c = &name_cases[i];
		int got = value_name(exact(c->in, c->len), c->len);

		if (got != c->want)
			fail_msg("value_name(\"%s\") = %d, want %d",
				 show(c->in, c->len), got, c->want);
	}
}

/* ---- value_is ---- */

struct is_case {
	const char *in;
	size_t len;
	const char *word;
	int want;
};

static const struct is_case is_cases[] = {
	{ S("active"), "active", 1 },
	{ S("Active"), "active", 1 },
	{ S("ACTIVE"), "active", 1 },
	{ S("active"), "ACTIVE", 1 },
	{ S("activ"), "active", 0 },
	{ S("actives"), "active", 0 },
	{ S("inactive"), "active", 0 },
	{ "activeXYZ", 6, "active", 1 },               /* only len is read */
	{ S(""), "", 1 },
	{ S(""), "x", 0 },
	{ S("x"), "", 0 },
	{ S("\xC3\x84" "ctive"), "\xC3\xA4" "ctive", 0 }, /* ASCII fold only */
	{ S("activ\0"), "activ", 0 },
	{ S("a[tive"), "a{tive", 0 },                  /* not folded: '[' '{' */
	{ S("@"), "`", 0 },
};

static void test_is(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(is_cases); i++) {
		const struct is_case *c = &is_cases[i];
		int got = value_is(exact(c->in, c->len), c->len, c->word);

		if (!got != !c->want)
			fail_msg("value_is(\"%s\", \"%s\") = %d, want %d",
				 show(c->in, c->len), c->word, got, c->want);
	}
}

/* ---- value_domain_within ---- */

struct within_case {
	const char *d;
	const char *base;
	int want;
};

static const struct within_case within_cases[] = {
	{ "example.com", "example.com", 1 },
	{ "mail.example.com", "example.com", 1 },
	{ "a.b.example.com", "example.com", 1 },
	{ "EXAMPLE.com", "example.COM", 1 },
	{ "Mail.Example.Com", "EXAMPLE.COM", 1 },
	{ "example.com.", "example.com", 1 },
	{ "example.com", "example.com.", 1 },
	{ "mail.example.com.", "example.com.", 1 },
	{ "evilexample.com", "example.com", 0 },
	{ "notexample.com", "example.com", 0 },
	{ "xample.com", "example.com", 0 },
	{ "example.com", "mail.example.com", 0 },
	{ "com", "example.com", 0 },
	{ "example.co", "example.com", 0 },
	{ "example.com", "example.co", 0 },
	{ "example.org", "example.com", 0 },
	{ "example.com.evil.net", "example.com", 0 },
	{ "example.com", "", 0 },
	{ "example.com", ".", 0 },
	{ "", "", 0 },
	{ "", "example.com", 0 },
};

static void test_domain_within(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(within_cases);
	     i++) {
		const struct within_case *c = &within_cases[i];
		int got = value_domain_within(c->d, strlen(c->d), c->base,
					      strlen(c->base));

		if (!got != !c->want)
			fail_msg("value_domain_within(\"%s\", \"%s\") = %d, want %d",
				 c->d, c->base, got, c->want);
	}
	/* Lengths, not NULs, bound both arguments. */
	assert_true(value_domain_within("mail.example.comXX", 16,
					"example.comYY", 11));
	assert_false(value_domain_within("mail.example.comXX", 18,
					 "example.comYY", 11));
}

/* utf8_cut(): a message that filled its buffer loses a UTF-8 sequence cut
 * short at its end, and nothing else.  cut() copies src into an 8-byte
 * buffer as snprintf would, then cuts. */
static const char *cut(char *buf, const char *src)
{
	size_t n = strlen(src) < 7 ? strlen(src) : 7;

	memcpy(buf, src, n);
	buf[n] = '\0';
	utf8_cut(buf, 8);
	return buf;
}

static void test_utf8_cut(void **state)
{
	char buf[8];

	(void)state;
	/* é whole */
	assert_string_equal(cut(buf, "abcd\xc3\xa9" "fg"), "abcd\xc3\xa9" "f");
	/* é cut after its first byte */
	assert_string_equal(cut(buf, "abcdef\xc3\xa9"), "abcdef");
	/* € cut after two of its three bytes */
	assert_string_equal(cut(buf, "abcde\xe2\x82\xac"), "abcde");
	/* € whole at the end */
	assert_string_equal(cut(buf, "abcd\xe2\x82\xac!"), "abcd\xe2\x82\xac");
	/* a 4-byte sequence whole, and cut after three bytes */
	assert_string_equal(cut(buf, "ab\xf0\x9f\x98\x80" "xyz"),
			    "ab\xf0\x9f\x98\x80" "x");
	assert_string_equal(cut(buf, "abcd\xf0\x9f\x98\x80"), "abcd");
	/* a string that did not fill the buffer is left alone */
	assert_string_equal(cut(buf, "ab\xc3"), "ab\xc3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_check),
		cmocka_unit_test(test_text_chars),
		cmocka_unit_test(test_guid),
		cmocka_unit_test(test_mpn),
		cmocka_unit_test(test_country),
		cmocka_unit_test(test_country_name),
		cmocka_unit_test(test_country_table),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_email_lengths),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_domain_lengths),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_is),
		cmocka_unit_test(test_domain_within),
		cmocka_unit_test(test_utf8_cut),
	};

	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	exact(NULL, 0);
	return failed;
}
