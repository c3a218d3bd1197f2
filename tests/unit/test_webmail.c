/* test_webmail.c -- table-driven unit tests for webmail.c.
 *
 * The default list is checked against SPEC §3.1 entry by entry; list files
 * are written to a temporary directory, and webmail_load()'s diagnostics
 * are captured from stderr and compared word for word, because users see
 * them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "csprecon/util.h"
#include "csprecon/webmail.h"
#include "csprecon/banned.h"

#define S(lit) (lit), (sizeof(lit) - 1)

struct match_case {
	const char *in;
	size_t len;
	int want;
};

/* A heap copy of exactly len bytes, so the sanitizer build catches a read
 * past len; freed on the next call, or by exact(NULL, 0). */
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

static void check_matches(const struct webmail_list *w,
			  const struct match_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int got = webmail_match(w, exact(cases[i].in, cases[i].len),
					cases[i].len);

		if (got != cases[i].want)
			fail_msg("webmail_match(\"%.*s\") = %d, want %d",
				 (int)cases[i].len, cases[i].in, got,
				 cases[i].want);
	}
}

/* Every entry of SPEC §3.1, with <cc> filled in, and the near misses. */
static const struct match_case default_cases[] = {
	{ S("gmail.com"), 1 },
	{ S("googlemail.com"), 1 },
	{ S("yahoo.com"), 1 },
	{ S("yahoo.fr"), 1 },
	{ S("yahoo.co.uk"), 1 },
	{ S("yahoo.co.jp"), 1 },
	{ S("yahoo.com.br"), 1 },
	{ S("yahoo.co"), 1 },          /* .co is Colombia: yahoo.<cc> */
	{ S("ymail.com"), 1 },
	{ S("rocketmail.com"), 1 },
	{ S("icloud.com"), 1 },
	{ S("me.com"), 1 },
	{ S("mac.com"), 1 },
	{ S("aol.com"), 1 },
	{ S("aol.de"), 1 },
	{ S("aim.com"), 1 },
	{ S("outlook.com"), 1 },
	{ S("outlook.fr"), 1 },
	{ S("hotmail.com"), 1 },
	{ S("hotmail.fr"), 1 },
	{ S("hotmail.co.uk"), 1 },
	{ S("live.com"), 1 },
	{ S("live.fr"), 1 },
	{ S("live.co.uk"), 1 },
	{ S("live.co.za"), 1 },
	{ S("msn.com"), 1 },
	{ S("windowslive.com"), 1 },
	{ S("passport.com"), 1 },
	/* case and the one trailing dot */
	{ S("GMAIL.COM"), 1 },
	{ S("GMail.Com"), 1 },
	{ S("gmail.com."), 1 },
	{ S("YAHOO.CO.UK"), 1 },
	{ S("Hotmail.Co.Uk."), 1 },
	{ S("Yahoo.FR"), 1 },
	{ "gmail.comXYZ", 9, 1 },      /* only len is read */
	/* whole-domain match only */
	{ S("mail.gmail.com"), 0 },
	{ S("evil.yahoo.fr"), 0 },
	{ S("notgmail.com"), 0 },
	{ S("gmail.com.evil.net"), 0 },
	{ S("yahoo.com.br.evil.com"), 0 },
	{ S("hotmail.co.uk.evil"), 0 },
	{ S("gmail.co"), 0 },
	{ S("gmail.com.au"), 0 },      /* no gmail.com.<cc> pattern */
	{ S("gmail"), 0 },
	{ S("gmailcom"), 0 },
	{ S("com"), 0 },
	{ S("gmail.com.."), 0 },
	{ S("gmail..com"), 0 },
	{ S(".gmail.com"), 0 },
	{ S("gmail.com "), 0 },
	/* <cc> is exactly two ASCII letters */
	{ S("yahoo.fra"), 0 },
	{ S("yahoo.f"), 0 },
	{ S("yahoo.f1"), 0 },
	{ S("yahoo.12"), 0 },
	{ S("yahoo.co.fra"), 0 },
	{ S("yahoo.com.b1"), 0 },
	{ S("yahoo.\xC3\xA9"), 0 },     /* two bytes, not two letters */
	{ S("yahoo..fr"), 0 },
	{ S("yahoo.fr.."), 0 },
	{ S("yahoo.<cc>"), 0 },        /* the pattern text itself */
	{ S("yahoo.co.uk.fr"), 0 },
	/* patterns the SPEC does not list */
	{ S("aol.co.uk"), 0 },
	{ S("outlook.co.uk"), 0 },
	{ S("outlook.com.br"), 0 },
	{ S("msn.co.uk"), 0 },
	{ S("me.org"), 0 },
	{ S("icloud.fr"), 0 },
	{ S("live.net"), 0 },
	{ S("ymail.fr"), 0 },
	/* ordinary company domains */
	{ S("example.com"), 0 },
	{ S("contoso.co.uk"), 0 },
	{ S(""), 0 },
	{ S("."), 0 },
};

static void test_defaults(void **state)
{
	struct webmail_list *w = webmail_new();

	(void)state;
	assert_non_null(w);
	check_matches(w, default_cases,
		      ARRAY_SIZE(default_cases));
	webmail_free(w);
	webmail_free(NULL);
}

/* ---- webmail_load ---- */

static char tmpdir[256];

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_webmail.XXXXXX",
		 base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const left[] = { "list.txt", "stderr.txt" };
	char path[512];

	(void)state;
	/* A failed case stops before its own clean-up. */
	for (size_t i = 0; i < ARRAY_SIZE(left); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, left[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

/* Write a list file; returns its path (static, valid until next call). */
static const char *write_list(const char *content, size_t len)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/list.txt", tmpdir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Run webmail_load() with stderr captured into err (NUL-terminated). */
static int load_capturing(struct webmail_list *w, const char *path,
			  char *err, size_t cap)
{
	char errpath[512];
	int saved, fd, ret;
	FILE *f;
	size_t n;

	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", tmpdir);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	f = fopen(errpath, "w+");
	assert_non_null(f);
	fd = fileno(f);
	assert_true(dup2(fd, 2) >= 0);
	ret = webmail_load(w, path);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(f);
	n = fread(err, 1, cap - 1, f);
	err[n] = '\0';
	fclose(f);
	unlink(errpath);
	return ret;
}

struct load_case {
	const char *name;
	const char *content;
	size_t len;
	int want;               /* webmail_load() result */
	const char *stderr_fmt; /* expected stderr, "%s" = the path */
	struct match_case match[6];
};

#define END { NULL, 0, 0 }

static const struct load_case load_cases[] = {
	{ "domains, comments, blanks, case, trailing dot",
	  S("# throwaway services\n"
	    "\n"
	    "example.org\n"
	    "  Example.NET.   # a comment after an entry\n"
	    "\t\n"
	    "mail.<cc>.example\r\n"
	    "corp.<CC>\n"
	    "last.example.com"), /* no final newline */
	  0, "",
	  { { S("example.org"), 1 }, { S("EXAMPLE.net"), 1 },
	    { S("mail.de.example"), 1 }, { S("corp.uk"), 1 },
	    { S("last.example.com."), 1 }, END } },
	{ "defaults survive a load",
	  S("example.org\n"), 0, "",
	  { { S("gmail.com"), 1 }, { S("yahoo.co.uk"), 1 },
	    { S("example.org"), 1 }, { S("sub.example.org"), 0 }, END } },
	{ "duplicates are harmless",
	  S("gmail.com\nexample.org\nEXAMPLE.ORG\nexample.org.\n"), 0, "",
	  { { S("gmail.com"), 1 }, { S("example.org"), 1 },
	    { S("example.or"), 0 }, END } },
	{ "UTF-8 byte order mark",
	  S("\xEF\xBB\xBF" "bom.example\n"), 0, "",
	  { { S("bom.example"), 1 }, END } },
	{ "empty file",
	  S(""), 0, "",
	  { { S("gmail.com"), 1 }, END } },
	{ "only comments",
	  S("# nothing\n#\n   # here\n"), 0, "",
	  { { S("gmail.com"), 1 }, END } },
	{ "a comment longer than a line buffer is still a comment",
	  S("# xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "\nafter.example\n"), 0, "",
	  { { S("after.example"), 1 }, END } },
	{ "one invalid entry",
	  S("good.example\nmail.<cc>.good\nnot a domain\n"), -1,
	  "csprecon: %s:3: invalid web-mail entry 'not a domain'\n",
	  { { S("good.example"), 0 }, { S("mail.de.good"), 0 },
	    { S("gmail.com"), 1 }, END } },
	{ "every invalid entry is reported, the list is left as it was",
	  S("@gmail.com\n"
	    "*.example.com\n"
	    "ok.example\n"
	    "localhost\n"
	    "<cc>\n"
	    "exa_mple.com   # underscore\n"
	    "example..com\n"
	    "http://example.com/\n"
	    "a.<c>\n"
	    "ok.<cc>x\n"),
	  -1,
	  "csprecon: %s:1: invalid web-mail entry '@gmail.com'\n"
	  "csprecon: %s:2: invalid web-mail entry '*.example.com'\n"
	  "csprecon: %s:4: invalid web-mail entry 'localhost'\n"
	  "csprecon: %s:5: invalid web-mail entry '<cc>'\n"
	  "csprecon: %s:6: invalid web-mail entry 'exa_mple.com'\n"
	  "csprecon: %s:7: invalid web-mail entry 'example..com'\n"
	  "csprecon: %s:8: invalid web-mail entry 'http://example.com/'\n"
	  "csprecon: %s:9: invalid web-mail entry 'a.<c>'\n"
	  "csprecon: %s:10: invalid web-mail entry 'ok.<cc>x'\n",
	  { { S("ok.example"), 0 }, { S("gmail.com"), 1 }, END } },
	{ "control bytes are not echoed to the terminal",
	  S("bad\x1b[2Jentry.com\n"), -1,
	  "csprecon: %s:1: invalid web-mail entry 'bad?[2Jentry.com'\n",
	  { END } },
	{ "a lone dot, and a one-label entry with its dot",
	  S(".\nlocalhost.\n"), -1,
	  "csprecon: %s:1: invalid web-mail entry '.'\n"
	  "csprecon: %s:2: invalid web-mail entry 'localhost.'\n",
	  { END } },
	{ "a NUL byte makes the line invalid",
	  S("nul.example\0.com\n"), -1,
	  "csprecon: %s:1: invalid web-mail entry 'nul.example'\n",
	  { { S("nul.example"), 0 }, END } },
};

/* Expand "%s" in fmt to path, each time it occurs. */
static void expand(char *dst, size_t cap, const char *fmt, const char *path)
{
	size_t n = 0;

	for (const char *p = fmt; *p && n + 1 < cap; p++) {
		if (p[0] == '%' && p[1] == 's') {
			size_t l = strlen(path);

			if (n + l >= cap)
				break;
			memcpy(dst + n, path, l);
			n += l;
			p++;
		} else {
			dst[n++] = *p;
		}
	}
	dst[n] = '\0';
}

static void test_load(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(load_cases); i++) {
		const struct load_case *c = &load_cases[i];
		struct webmail_list *w = webmail_new();
		const char *path = write_list(c->content, c->len);
		char err[4096], want[4096];
		size_t nmatch = 0;
		int got = load_capturing(w, path, err, sizeof(err));

		expand(want, sizeof(want), c->stderr_fmt, path);
		if (got != c->want)
			fail_msg("%s: webmail_load() = %d, want %d", c->name,
				 got, c->want);
		if (strcmp(err, want))
			fail_msg("%s: stderr\n%s\nwant\n%s", c->name, err, want);
		while (nmatch < 6 && c->match[nmatch].in)
			nmatch++;
		check_matches(w, c->match, nmatch);
		if (got) {
			/* A failed load leaves nothing behind, even once a
			 * later load has re-sorted the list. */
			path = write_list(S("later.example\n"));
			assert_int_equal(load_capturing(w, path, err,
							sizeof(err)), 0);
			check_matches(w, c->match, nmatch);
			assert_int_equal(webmail_match(w, S("later.example")), 1);
		}
		webmail_free(w);
		unlink(path);
	}
}

static void test_load_missing_file(void **state)
{
	struct webmail_list *w = webmail_new();
	char path[512], err[1024], want[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such-list.txt", tmpdir);
	assert_int_equal(load_capturing(w, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "csprecon: cannot open '%s': No such file or directory\n", path);
	assert_string_equal(err, want);
	assert_int_equal(webmail_match(w, S("gmail.com")), 1);
	webmail_free(w);
}

/* A line longer than any domain is refused, not split or truncated into a
 * valid entry. */
static void test_load_long_line(void **state)
{
	static char content[5000];
	struct webmail_list *w = webmail_new();
	const char *path;
	char err[8192];
	size_t n = 0;

	(void)state;
	memcpy(content, "ok.example\n", 11);
	n = 11;
	memset(content + n, 'a', 3000);
	n += 3000;
	memcpy(content + n, ".com\nafter.example\n", 19);
	n += 19;
	path = write_list(content, n);
	assert_int_equal(load_capturing(w, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: invalid web-mail entry 'aaaa"));
	assert_null(strstr(err, ":3:"));
	assert_int_equal(webmail_match(w, S("ok.example")), 0);
	assert_int_equal(webmail_match(w, S("after.example")), 0);
	webmail_free(w);
	unlink(path);
}

/* A big user list is searched, not scanned: every entry must be found,
 * and nothing else. */
static void test_load_many(void **state)
{
	static char content[200000];
	struct webmail_list *w = webmail_new();
	const char *path;
	char err[1024], name[64];
	size_t n = 0;
	int len;

	(void)state;
	/* In descending order, to make the sort do some work. */
	for (int i = 4999; i >= 0; i--)
		n += (size_t)snprintf(content + n, sizeof(content) - n,
				      "d%d.example\n", i);
	path = write_list(content, n);
	assert_int_equal(load_capturing(w, path, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	for (int i = 0; i < 5000; i++) {
		len = snprintf(name, sizeof(name), "D%d.Example", i);
		if (!webmail_match(w, name, (size_t)len))
			fail_msg("%s not found", name);
	}
	len = snprintf(name, sizeof(name), "d5000.example");
	assert_int_equal(webmail_match(w, name, (size_t)len), 0);
	len = snprintf(name, sizeof(name), "d1.exampl");
	assert_int_equal(webmail_match(w, name, (size_t)len), 0);
	check_matches(w, default_cases,
		      ARRAY_SIZE(default_cases));
	/* Loading twice keeps the list sorted and searchable. */
	path = write_list(S("zz.example\naa.example\n"));
	assert_int_equal(load_capturing(w, path, err, sizeof(err)), 0);
	assert_int_equal(webmail_match(w, S("zz.example")), 1);
	assert_int_equal(webmail_match(w, S("aa.example")), 1);
	assert_int_equal(webmail_match(w, S("d42.example")), 1);
	webmail_free(w);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_long_line),
		cmocka_unit_test(test_load_many),
	};
	int failed = cmocka_run_group_tests(tests, setup, teardown);

	exact(NULL, 0);
	return failed;
}
