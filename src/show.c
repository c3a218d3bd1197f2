/* show.c -- the display form of untrusted text.  See show.h. */
#include <string.h>

#include "csprecon/show.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

size_t show_keep(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return c < 0x20 || c == 0x7f ? 0 : 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

void show_fwrite(FILE *fp, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = show_keep(u + i, len - i);
		if (n) {
			fwrite(u + i, 1, n, fp);
			i += n;
		} else {
			fprintf(fp, "\\x%02X", u[i++]);
		}
	}
}

int show_plain(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;

	while (i < len) {
		if (!(n = show_keep(u + i, len - i)))
			return 0;
		i += n;
	}
	return 1;
}

char *show_dup(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0, n;
	char *out = xmalloc(len * 4 + 1); /* each byte at most \xHH */

	while (i < len) {
		n = show_keep(u + i, len - i);
		if (n) {
			memcpy(out + o, u + i, n);
			o += n;
			i += n;
		} else {
			snprintf(out + o, 5, "\\x%02X", u[i++]);
			o += 4;
		}
	}
	out[o] = '\0';
	return out;
}
