/* test_util.c -- unit tests for util.c's string buffer.
 *
 * A buffer for text of our own making grows past any size the program
 * builds (SQL text was once cut silently at 64 KiB) and dies, exit 70 with
 * its message, only when memory cannot hold it; a capped buffer refuses an
 * append past its cap and keeps what it had.  The death is watched from a
 * forked child, whose stderr is read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "csprecon/util.h"
#include "csprecon/banned.h"

/* Every way of appending, each taking the buffer past the 64 KiB that
 * reconcile's SQL buffers were capped at, and past 1 MiB. */
enum how { ADD, ADDSTR, ADDF };

static void append(struct strbuf *sb, enum how how, const char *piece)
{
	switch (how) {
	case ADD:
		assert_int_equal(strbuf_add(sb, piece, strlen(piece)), 0);
		break;
	case ADDSTR:
		assert_int_equal(strbuf_addstr(sb, piece), 0);
		break;
	case ADDF:
		assert_int_equal(strbuf_addf(sb, "%s", piece), 0);
		break;
	}
}

static void grows_past_any_size(void **state)
{
	static const enum how hows[] = { ADD, ADDSTR, ADDF };
	static const char piece[] = "m.reseller_tenant_id = s.reseller_tenant_id"
				    " AND ";
	const size_t plen = sizeof(piece) - 1, n = (2u << 20) / plen;
	struct strbuf sb;
	size_t h, i;

	(void)state;
	for (h = 0; h < ARRAY_SIZE(hows); h++) {
		strbuf_init(&sb);
		assert_non_null(sb.buf);
		assert_string_equal(sb.buf, "");
		for (i = 0; i < n; i++) {
			append(&sb, hows[h], piece);
			assert_int_equal(sb.len, (i + 1) * plen);
		}
		append(&sb, hows[h], "1");
		assert_int_equal(sb.len, n * plen + 1);
		assert_true(sb.alloc > sb.len);
		assert_int_equal(sb.buf[sb.len], '\0');
		for (i = 0; i < n; i++)
			assert_memory_equal(sb.buf + i * plen, piece, plen);
		assert_string_equal(sb.buf + n * plen, "1");
		strbuf_release(&sb);
	}
}

/* One formatted append larger than everything before it. */
static void grows_by_one_large_append(void **state)
{
	struct strbuf sb;
	size_t i;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(strbuf_addstr(&sb, "SELECT"), 0);
	assert_int_equal(strbuf_addf(&sb, "%*s|", 300000, "x"), 0);
	assert_int_equal(sb.len, 6 + 300000 + 1);
	for (i = 6; i < 6 + 300000 - 1; i++)
		assert_int_equal(sb.buf[i], ' ');
	assert_string_equal(sb.buf + 6 + 300000 - 1, "x|");
	strbuf_release(&sb);
}

/* Released or reset, a buffer keeps its kind. */
static void release_and_reset_keep_the_kind(void **state)
{
	struct strbuf grow, capped;

	(void)state;
	strbuf_init(&grow);
	strbuf_init_capped(&capped, 4);
	assert_int_equal(strbuf_addstr(&grow, "abc"), 0);
	assert_int_equal(strbuf_addstr(&capped, "abc"), 0);
	strbuf_reset(&grow);
	strbuf_reset(&capped);
	assert_string_equal(grow.buf, "");
	assert_string_equal(capped.buf, "");
	assert_int_equal(strbuf_addstr(&capped, "abcde"), -1);
	strbuf_release(&grow);
	strbuf_release(&capped);
	assert_int_equal(strbuf_addf(&grow, "%070000d", 7), 0);
	assert_int_equal(grow.len, 70000);
	assert_int_equal(strbuf_addstr(&capped, "abcd"), 0);
	assert_int_equal(strbuf_addstr(&capped, "e"), -1);
	assert_string_equal(capped.buf, "abcd");
	strbuf_release(&grow);
	strbuf_release(&capped);
}

/* Untrusted input: up to the cap, then -1 and the buffer as it was. */
static void capped_refuses_past_cap(void **state)
{
	static const enum how hows[] = { ADD, ADDSTR, ADDF };
	struct strbuf sb;
	size_t h;

	(void)state;
	for (h = 0; h < ARRAY_SIZE(hows); h++) {
		strbuf_init_capped(&sb, 10);
		append(&sb, hows[h], "0123456");
		append(&sb, hows[h], "789");
		assert_int_equal(sb.len, 10);
		switch (hows[h]) {
		case ADD:
			assert_int_equal(strbuf_add(&sb, "x", 1), -1);
			break;
		case ADDSTR:
			assert_int_equal(strbuf_addstr(&sb, "x"), -1);
			break;
		case ADDF:
			assert_int_equal(strbuf_addf(&sb, "%d", 1), -1);
			break;
		}
		assert_int_equal(sb.len, 10);
		assert_string_equal(sb.buf, "0123456789");
		append(&sb, hows[h], "");
		strbuf_release(&sb);
	}
}

/* A buffer without a cap that cannot grow ends the program: exit 70 and
 * the allocation message, never a short buffer. */
static void dies_when_memory_cannot_hold_it(void **state)
{
	char err[256], want[256];
	size_t used;
	int fd[2], status;
	ssize_t n;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* More than a size_t can count once added to what is there;
		 * volatile, so that the compiler does not judge the copy the
		 * buffer never reaches. */
		volatile size_t huge = SIZE_MAX - 2;
		struct strbuf sb;

		dup2(fd[1], 2);
		close(fd[0]);
		strbuf_init(&sb);
		strbuf_addstr(&sb, "SELECT");
		strbuf_add(&sb, "", huge);
		_exit(0);
	}
	close(fd[1]);
	/* To its end: stderr is unbuffered, a message comes in pieces. */
	for (used = 0; used < sizeof(err) - 1; used += (size_t)n)
		if ((n = read(fd[0], err + used, sizeof(err) - 1 - used)) <= 0)
			break;
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 70);
	err[used] = '\0';
	snprintf(want, sizeof(want), "csprecon: out of memory allocating %zu "
		 "bytes\n", (size_t)SIZE_MAX);
	assert_string_equal(err, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_past_any_size),
		cmocka_unit_test(grows_by_one_large_append),
		cmocka_unit_test(release_and_reset_keep_the_kind),
		cmocka_unit_test(capped_refuses_past_cap),
		cmocka_unit_test(dies_when_memory_cannot_hold_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
