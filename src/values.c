/* values.c -- parsers for the typed values of a batch row.
 *
 * In: a trimmed value as pointer + length (never NUL-terminated here, so
 * nothing may read past len).  Out: 0 or -1, and for the normalising parsers
 * a NUL-terminated copy in the caller's buffer.  See values.h for each
 * contract.  These run on every field of every row, so they never allocate,
 * never print, and never consult the locale: character classes are ASCII
 * and written out here rather than taken from <ctype.h>.
 */
#include <stdlib.h>
#include <string.h>

#include "countries.h"
#include "csprecon/util.h"
#include "csprecon/values.h"
#include "csprecon/banned.h"

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static unsigned char to_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static unsigned char to_upper(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 32) : c;
}

int value_text_check(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		unsigned char lo = 0x80, hi = 0xBF; /* range of 2nd byte */
		size_t need;

		/* Printable ASCII is nearly every byte of a batch: test it
		 * first and stay in the loop. */
		if (c >= 0x20 && c < 0x7F) {
			p++;
			continue;
		}
		if (c < 0x80)
			return -1; /* C0 control (NUL, TAB, CR, LF...) or DEL */
		if (c < 0xC2)
			return -1; /* stray continuation, or overlong C0/C1 */
		if (c < 0xE0) {
			need = 1;
			if (c == 0xC2)
				lo = 0xA0; /* C2 80-9F are the C1 controls */
		} else if (c < 0xF0) {
			need = 2;
			if (c == 0xE0)
				lo = 0xA0; /* overlong below U+0800 */
			else if (c == 0xED)
				hi = 0x9F; /* surrogates U+D800-U+DFFF */
		} else if (c < 0xF5) {
			need = 3;
			if (c == 0xF0)
				lo = 0x90; /* overlong below U+10000 */
			else if (c == 0xF4)
				hi = 0x8F; /* above U+10FFFF */
		} else {
			return -1;
		}
		if ((size_t)(end - p) <= need)
			return -1; /* truncated sequence */
		if (p[1] < lo || p[1] > hi)
			return -1;
		for (size_t i = 2; i <= need; i++)
			if ((p[i] & 0xC0) != 0x80)
				return -1;
		p += need + 1;
	}
	return 0;
}

size_t value_text_chars(const char *s, size_t len)
{
	size_t n = 0;

	/* Every code point has exactly one byte that is not 10xxxxxx. */
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* Lower-case hex digit of each byte, or 0 for a byte that is none. */
static const char guid_lower[256] = {
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
	['f'] = 'f', ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd',
	['E'] = 'e', ['F'] = 'f',
};

int value_guid(const char *s, size_t len, char out[VALUE_GUID_LEN + 1])
{
	unsigned bad = 0, nonzero = 0;

	out[0] = '\0';
	if (len == VALUE_GUID_LEN + 2) {
		if (s[0] != '{' || s[len - 1] != '}')
			return -1;
		s++;
		len -= 2;
	}
	if (len != VALUE_GUID_LEN)
		return -1;
	/* Without early exits: each byte through the table (0 for one that
	 * is no hex digit), then the four hyphens in their places. */
	for (size_t i = 0; i < VALUE_GUID_LEN; i++) {
		char c = guid_lower[(unsigned char)s[i]];

		out[i] = c;
		nonzero |= (unsigned)(c > '0');
	}
	bad = (unsigned)(s[8] != '-') | (unsigned)(s[13] != '-') |
	      (unsigned)(s[18] != '-') | (unsigned)(s[23] != '-');
	out[8] = out[13] = out[18] = out[23] = '-';
	for (size_t i = 0; i < VALUE_GUID_LEN; i++)
		bad |= (unsigned)!out[i];
	if (bad || !nonzero) {
		out[0] = '\0';
		return -1; /* not a GUID, or the nil GUID */
	}
	out[VALUE_GUID_LEN] = '\0';
	return 0;
}

int value_mpn(const char *s, size_t len)
{
	if (len < 1 || len > VALUE_MPN_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!is_digit((unsigned char)s[i]))
			return -1;
	return 0;
}

/* Order a value against a table key as scripts/gen-countries sorted them:
 * by bytes, the value folded to ASCII lower case, shorter first. */
static int country_key_cmp(const void *k, const void *e)
{
	const struct country_key *key = k;
	const struct country_key *ent = e;
	size_t n = key->len < ent->len ? key->len : ent->len;

	for (size_t i = 0; i < n; i++) {
		unsigned char a = to_lower((unsigned char)key->key[i]);
		unsigned char b = (unsigned char)ent->key[i];

		if (a != b)
			return a < b ? -1 : 1;
	}
	return (key->len > ent->len) - (key->len < ent->len);
}

/* Index + 1 of an alpha-2 code in countries[], or 0. */
static unsigned alpha2_slot(const char *s)
{
	unsigned char a = to_upper((unsigned char)s[0]);
	unsigned char b = to_upper((unsigned char)s[1]);

	if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z')
		return 0;
	return country_by_alpha2[(a - 'A') * 26 + (b - 'A')];
}

int value_country(const char *s, size_t len, char out[3])
{
	struct country_key key;
	const struct country_key *hit;

	out[0] = '\0';
	if (len == 2) {
		/* The common case: a direct table index, no search. */
		unsigned slot = alpha2_slot(s);

		if (!slot)
			return -1;
		memcpy(out, countries[slot - 1].alpha2, 3);
		return 0;
	}
	if (len < 3 || len > 255)
		return -1; /* no key is that long */
	key.key = s;
	key.len = (unsigned char)len;
	hit = bsearch(&key, country_keys, country_keys_count,
		      sizeof(country_keys[0]), country_key_cmp);
	if (!hit)
		return -1;
	memcpy(out, hit->alpha2, 3);
	return 0;
}

const char *value_country_name(const char alpha2[2])
{
	unsigned slot = alpha2_slot(alpha2);

	return slot ? countries[slot - 1].name : NULL;
}

/* RFC 5322 atext: what a dot-atom may hold besides the dots. */
static int is_atext(unsigned char c)
{
	if (is_alnum(c))
		return 1;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '/': case '=': case '?':
	case '^': case '_': case '`': case '{': case '|': case '}':
	case '~':
		return 1;
	default:
		return 0;
	}
}

/* One domain label of 1-63 letters, digits or hyphens, no hyphen at
 * either end. */
static int label_ok(const char *s, size_t len)
{
	if (len < 1 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alnum(c) && c != '-')
			return 0;
	}
	return 1;
}

/* The last label: two or more letters, or an A-label (an IDN TLD such as
 * xn--p1ai); label_ok() has run already. */
static int tld_ok(const char *s, size_t len)
{
	if (len >= 5 && to_lower((unsigned char)s[0]) == 'x' &&
	    to_lower((unsigned char)s[1]) == 'n' && s[2] == '-' && s[3] == '-')
		return 1;
	if (len < 2)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_alpha((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A domain with any trailing dot already removed. */
static int domain_ok(const char *s, size_t len)
{
	size_t start = 0, labels = 0;

	if (len < 1 || len > VALUE_DOMAIN_MAX)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!label_ok(s + start, i - start))
			return 0;
		labels++;
		if (i == len)
			return labels >= 2 && tld_ok(s + start, i - start);
		start = i + 1;
	}
	return 0; /* not reached */
}

int value_domain(const char *s, size_t len)
{
	if (len && s[len - 1] == '.')
		len--;
	return domain_ok(s, len) ? 0 : -1;
}

int value_email(const char *s, size_t len, const char **domain,
		size_t *domain_len)
{
	const char *at = memchr(s, '@', len);
	size_t local_len, dlen;
	const char *d;

	if (!at)
		return -1;
	local_len = (size_t)(at - s);
	d = at + 1;
	dlen = len - local_len - 1;
	/* A trailing dot would be an empty last label, which SPEC §3's
	 * grammar has not: domain_ok() refuses it, as it refuses any empty
	 * label. */
	if (local_len + 1 + dlen > VALUE_EMAIL_MAX)
		return -1;
	if (local_len < 1 || local_len > 64)
		return -1;
	/* Unquoted dot-atom only: this also refuses quoted local parts,
	 * comments ("(" is not atext), spaces, a second '@' and non-ASCII. */
	if (s[0] == '.' || s[local_len - 1] == '.')
		return -1;
	for (size_t i = 0; i < local_len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.')
				return -1;
		} else if (!is_atext(c)) {
			return -1;
		}
	}
	/* An address literal "[1.2.3.4]" fails here: '[' is not a label
	 * character. */
	if (!domain_ok(d, dlen))
		return -1;
	if (domain)
		*domain = d;
	if (domain_len)
		*domain_len = dlen;
	return 0;
}

/* Two ASCII digits at s as a number, or -1. */
static int two_digits(const char *s)
{
	if (!is_digit((unsigned char)s[0]) || !is_digit((unsigned char)s[1]))
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static int days_in_month(int year, int month)
{
	static const unsigned char days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month == 2 &&
	    ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return days[month - 1];
}

/* hh:mm at s (5 bytes), hours up to max_hour. */
static int hh_mm(const char *s, int max_hour)
{
	int h = two_digits(s), m = two_digits(s + 3);

	return s[2] == ':' && h >= 0 && h <= max_hour && m >= 0 && m <= 59;
}

int value_date(const char *s, size_t len)
{
	int year, month, day, c1, c2;
	size_t i;

	if (len < 10)
		return -1;
	c1 = two_digits(s);
	c2 = two_digits(s + 2);
	month = two_digits(s + 5);
	day = two_digits(s + 8);
	if (c1 < 0 || c2 < 0 || month < 0 || day < 0 || s[4] != '-' ||
	    s[7] != '-')
		return -1;
	year = c1 * 100 + c2;
	/* Year 0000 is no calendar year anyone exports a date in. */
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
	    day > days_in_month(year, month))
		return -1;
	if (len == 10)
		return 0;

	/* Time: [T ]hh:mm[:ss[.f+]] */
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return -1;
	if (len < 16 || !hh_mm(s + 11, 23))
		return -1;
	i = 16;
	if (i < len && s[i] == ':') {
		int sec;

		if (len - i < 3)
			return -1;
		sec = two_digits(s + i + 1);
		if (sec < 0 || sec > 60) /* 60: a leap second */
			return -1;
		i += 3;
		if (i < len && s[i] == '.') {
			size_t digits = 0;

			for (i++; i < len && is_digit((unsigned char)s[i]); i++)
				digits++;
			if (!digits)
				return -1;
		}
	}
	if (i == len)
		return 0;

	/* Zone: Z or +hh:mm / -hh:mm, and nothing after it. */
	if (s[i] == 'Z' || s[i] == 'z')
		return i + 1 == len ? 0 : -1;
	if ((s[i] == '+' || s[i] == '-') && len - i == 6 &&
	    hh_mm(s + i + 1, 23))
		return 0;
	return -1;
}

int value_bool(const char *s, size_t len, int *out)
{
	static const char *const yes[] = { "yes", "true", "1", "y" };
	static const char *const no[] = { "no", "false", "0", "n" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (value_is(s, len, yes[i])) {
			*out = 1;
			return 0;
		}
		if (value_is(s, len, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Whether the non-ASCII code point starting at p (of n bytes, valid UTF-8)
 * is punctuation, a symbol or a space rather than part of a word: the
 * Latin-1 block's NBSP..inverted '?', U+00D7 and U+00F7, and the General
 * Punctuation block (U+2000-U+206F: spaces, dashes, quotes, bullets) and
 * the ideographic space, which word processors put into names that are
 * "only symbols".  Everything else non-ASCII counts as a letter. */
static int is_symbol_cp(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0xC2)
		return p[1] >= 0xA0; /* U+00A0-U+00BF */
	if (n >= 2 && p[0] == 0xC3)
		return p[1] == 0x97 || p[1] == 0xB7; /* U+00D7, U+00F7 */
	if (n >= 3 && p[0] == 0xE2) /* U+2000-U+206F */
		return p[1] == 0x80 || (p[1] == 0x81 && p[2] <= 0xAF);
	if (n >= 3 && p[0] == 0xE3) /* U+3000, the ideographic space */
		return p[1] == 0x80 && p[2] == 0x80;
	return 0;
}

int value_name(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;
	int word = 0;

	for (size_t i = 0; i < len; i++) {
		if ((p[i] & 0xC0) == 0x80)
			continue; /* continuation byte */
		chars++;
		if (p[i] < 0x80) {
			if (is_alnum(p[i]))
				word = 1;
		} else if (!is_symbol_cp(p + i, len - i)) {
			word = 1;
		}
	}
	return chars >= 2 && word ? 0 : -1;
}

int value_is(const char *s, size_t len, const char *word)
{
	return mem_ieq(s, len, word, strlen(word));
}

int value_domain_within(const char *d, size_t dlen, const char *base,
			size_t blen)
{
	if (dlen && d[dlen - 1] == '.')
		dlen--;
	if (blen && base[blen - 1] == '.')
		blen--;
	if (!blen || dlen < blen)
		return 0;
	if (dlen == blen)
		return mem_ieq(d, dlen, base, blen);
	/* A subdomain: the base must start at a label boundary, so that
	 * "evilexample.com" is not within "example.com". */
	return d[dlen - blen - 1] == '.' &&
	       mem_ieq(d + dlen - blen, blen, base, blen);
}
