/* report.c -- atomic report files and safe cells.  See report.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <csv.h>

#include "csprecon/exit.h"
#include "csprecon/report.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

int report_mkdir(const char *dir)
{
	char *p, *s;
	int ret = 0;

	if (!*dir)
		return error("cannot create report directory '': empty name");
	p = xstrdup(dir);
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			ret = error("cannot create report directory '%s': %s",
				    p, strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

static char *join(const char *dir, const char *name)
{
	struct strbuf sb;

	strbuf_init_capped(&sb, 8192);
	if (strbuf_addf(&sb, "%s/%s", dir, name) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return sb.buf;
}

/* Temporary names: ".BASE.tmp.PID.XXXXXX" beside BASE, XXXXXX random. */
#define TMP_RANDOM 6

static const char tmp_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void random_name(char out[TMP_RANDOM + 1])
{
	static unsigned long counter;
	unsigned char b[TMP_RANDOM];
	struct timespec now;
	size_t i;

	/* Without the kernel's randomness (a very old kernel) the names are
	 * merely unlikely: O_EXCL still never opens a planted one. */
	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		clock_gettime(CLOCK_REALTIME, &now);
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((unsigned long)now.tv_nsec >>
					       (4 * i) ^ counter++ * 131);
	}
	for (i = 0; i < TMP_RANDOM; i++)
		out[i] = tmp_alphabet[b[i] % (sizeof(tmp_alphabet) - 1)];
	out[TMP_RANDOM] = '\0';
}

/* name is "<prefix>PID.XXXXXX": the pid, else 0. */
static long tmp_pid(const char *name, const char *prefix, size_t plen)
{
	const char *p = name + plen, *dot;
	long pid = 0;

	if (strncmp(name, prefix, plen) || !(dot = strchr(p, '.')) ||
	    dot == p || dot - p > 10 || strlen(dot + 1) != TMP_RANDOM ||
	    strspn(dot + 1, tmp_alphabet) != TMP_RANDOM)
		return 0;
	for (; p < dot; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		pid = pid * 10 + (*p - '0');
	}
	return pid;
}

/* Remove the temporary files of BASE in dir whose process no longer runs
 * (a run killed before its rename): only this user's regular files, never
 * a running process's, which may be writing it. */
static void remove_stale(const char *dir, const char *prefix)
{
	size_t plen = strlen(prefix);
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);
	long pid;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!(pid = tmp_pid(e->d_name, prefix, plen)) ||
		    pid == (long)getpid() || pid > INT_MAX ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_uid == geteuid())
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

int report_create_temp(const char *path, char **tmp)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	char *dir = dlen ? xmemdup0(path, dlen) : xstrdup(".");
	char rnd[TMP_RANDOM + 1];
	struct strbuf prefix, sb;
	int fd = -1, tries, e = ENAMETOOLONG;

	strbuf_init_capped(&prefix, 8192);
	strbuf_init_capped(&sb, 8192);
	if (strbuf_addf(&prefix, ".%s.tmp.", path + dlen) == 0) {
		remove_stale(dir, prefix.buf);
		for (tries = 0; tries < 100; tries++) {
			random_name(rnd);
			strbuf_reset(&sb);
			if (strbuf_add(&sb, path, dlen) < 0 ||
			    strbuf_addf(&sb, "%s%ld.%s", prefix.buf,
					(long)getpid(), rnd) < 0) {
				e = ENAMETOOLONG;
				break;
			}
			fd = open(sb.buf, O_WRONLY | O_CREAT | O_EXCL |
				  O_NOFOLLOW | O_CLOEXEC, 0666);
			e = errno;
			if (fd >= 0 || e != EEXIST)
				break;
		}
	}
	strbuf_release(&prefix);
	free(dir);
	if (fd < 0) {
		strbuf_release(&sb);
		errno = e;
		return -1;
	}
	*tmp = sb.buf;
	return fd;
}

int report_open(struct report_file *rf, const char *dir, const char *name)
{
	int fd, e;

	memset(rf, 0, sizeof(*rf));
	rf->path = join(dir, name);
	if (!rf->path)
		return error("report path too long in '%s'", dir);
	fd = report_create_temp(rf->path, &rf->tmp);
	if (fd >= 0 && !(rf->fp = fdopen(fd, "w"))) {
		e = errno;
		close(fd);
		unlink(rf->tmp);
		errno = e;
	}
	if (!rf->fp) {
		error("cannot create report '%s': %s", rf->path,
		      strerror(errno));
		free(rf->tmp);
		free(rf->path);
		rf->tmp = rf->path = NULL;
		return -1;
	}
	/* Reports are written by one thread: take stdio's lock once, not
	 * once per call. */
	flockfile(rf->fp);
	return 0;
}

void report_abort(struct report_file *rf)
{
	if (rf->fp) {
		funlockfile(rf->fp);
		fclose(rf->fp);
	}
	if (rf->tmp)
		unlink(rf->tmp);
	free(rf->tmp);
	free(rf->path);
	memset(rf, 0, sizeof(*rf));
}

int report_keep(struct report_file *rf, struct report_set *set)
{
	int bad = ferror(rf->fp), e = errno;

	if (fflush(rf->fp) != 0 || fsync(fileno(rf->fp)) != 0)
		bad = 1, e = errno;
	funlockfile(rf->fp);
	if (fclose(rf->fp) != 0 && !bad)
		bad = 1, e = errno;
	rf->fp = NULL;
	if (bad) {
		error("cannot write report '%s': %s", rf->path, strerror(e));
		report_abort(rf);
		set->code = EXIT_IOERR;
		return -1;
	}
	set->files = xrealloc(set->files, (set->n + 1) * sizeof(*set->files));
	set->files[set->n++] = *rf;
	memset(rf, 0, sizeof(*rf));
	return 0;
}

int report_set_publish(struct report_set *set)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < set->n; i++) {
		struct report_file *rf = &set->files[i];

		if (rename(rf->tmp, rf->path) < 0) {
			ret = error("cannot rename report into '%s': %s",
				    rf->path, strerror(errno));
			unlink(rf->tmp);
		}
		free(rf->tmp);
		free(rf->path);
	}
	free(set->files);
	set->files = NULL;
	set->n = 0;
	return ret;
}

void report_set_abort(struct report_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		report_abort(&set->files[i]);
	free(set->files);
	set->files = NULL;
	set->n = 0;
}

/* Bytes a cell cannot hold as they are: the separator, the quote and line
 * ends anywhere, and what a spreadsheet would evaluate in first place. */
static const unsigned char csv_special[256] = {
	[','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1,
};
static const unsigned char csv_lead[256] = {
	['='] = 1, ['+'] = 1, ['-'] = 1, ['@'] = 1, ['\t'] = 1, ['\r'] = 1,
};

/* The length of s when it goes into a cell as it is, else -1. */
static long plain_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (csv_lead[*p])
		return -1;
	for (; *p; p++)
		if (csv_special[*p])
			return -1;
	return (long)(p - (const unsigned char *)s);
}

void report_csv_cell(FILE *fp, const char *s, int last)
{
	size_t len;
	char *v;

	if (plain_len(s) >= 0) {
		fputs(s, fp);
	} else if (csv_lead[(unsigned char)s[0]]) {
		/* libcsv quotes one buffer: build "'" + value. */
		len = strlen(s);
		v = xmalloc(len + 2);
		v[0] = '\'';
		memcpy(v + 1, s, len + 1);
		csv_fwrite(fp, v, len + 1);
		free(v);
	} else {
		csv_fwrite(fp, s, strlen(s));
	}
	fputc(last ? '\n' : ',', fp);
}

void report_csv_line(FILE *fp, const char *const *cells, size_t n)
{
	char buf[4096];
	size_t pos = 0, i;
	long len;

	/* Most lines need no quoting: one write for the whole line. */
	for (i = 0; i < n; i++) {
		if ((len = plain_len(cells[i])) < 0 ||
		    (size_t)len >= sizeof(buf) - pos)
			break;
		memcpy(buf + pos, cells[i], (size_t)len);
		pos += (size_t)len;
		buf[pos++] = i + 1 < n ? ',' : '\n';
	}
	if (i == n) {
		fwrite(buf, 1, pos, fp);
		return;
	}
	for (i = 0; i < n; i++)
		report_csv_cell(fp, cells[i], i + 1 == n);
}

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef)
		return ((s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) ? 3 : 0;
	if (s[0] >= 0xf0 && s[0] <= 0xf4)
		return ((s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
			(s[3] & 0xc0) == 0x80) ? 4 : 0;
	return 0;
}

void report_json_string(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', fp);
	while (*s) {
		if (*s == '"' || *s == '\\') {
			fputc('\\', fp);
			fputc(*s++, fp);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(fp, "\\u%04x", *s++);
		} else if ((n = utf8_len(s)) == 0) {
			fputs("\\ufffd", fp);
			s++;
		} else {
			fwrite(s, 1, n, fp);
			s += n;
		}
	}
	fputc('"', fp);
}
