/* run.c -- the run's lifecycle, and recording findings and refusals
 * against it.  See run.h.
 *
 * A run is named by its start (UTC, to the second) and the process id, so
 * two runs in the same second get different report directories.
 * Values shown in findings are made safe for every report here, once, in
 * show.h's display form (invalid UTF-8 and control characters as \xHH), and
 * the value is cut after VALUE_SHOW_MAX bytes with "..." so a hostile
 * 64 KiB field does not become a 64 KiB report cell.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csprecon/cli.h"
#include "csprecon/crossref.h"
#include "csprecon/dedup.h"
#include "csprecon/findings.h"
#include "csprecon/run.h"
#include "csprecon/show.h"
#include "csprecon/stream.h"
#include "csprecon/util.h"
#include "csprecon/webmail.h"
#include "csprecon/banned.h"

#define VALUE_SHOW_MAX 200

static void make_run_id(struct run *run)
{
	struct tm tm;
	char t[32];

	gmtime_r(&run->started.tv_sec, &tm);
	strftime(t, sizeof(t), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(run->id, sizeof(run->id), "%s-%ld", t, (long)getpid());
}

void run_init(struct run *run, const char *command)
{
	memset(run, 0, sizeof(*run));
	run->command = command;
	clock_gettime(CLOCK_REALTIME, &run->started);
	clock_gettime(CLOCK_MONOTONIC, &run->mono0);
	make_run_id(run);
}

void run_release(struct run *run)
{
	size_t i;

	for (i = 0; run->src && i < run->nsrc; i++)
		free(run->src[i].shown);
	free(run->src);
	findings_close(run->findings);
	findings_close(run->judged);
	free(run->xopt);
	dedup_free(run->dedup);
	crossref_free(run->xj);
	webmail_free(run->webmail);
}

int run_exit_code(const struct run *run)
{
	size_t i;
	int code = EXIT_OK;

	for (i = 0; i < run->nsrc; i++)
		if (run->src[i].refused == EXIT_IOERR)
			return EXIT_IOERR;
		else if (run->src[i].refused)
			code = EXIT_REFUSED;
	if (code)
		return code;
	for (i = 0; i < RULE_COUNT; i++)
		if (run->rule_count[i][SEV_ERROR])
			return EXIT_FINDINGS;
	if (run->cases && !run->audit)
		return run->new_violations ? EXIT_FINDINGS : EXIT_OK;
	for (i = 0; i < RULE_COUNT; i++)
		if (run->rule_count[i][SEV_VIOLATION])
			return EXIT_FINDINGS;
	return EXIT_OK;
}

int run_any_refused(const struct run *run)
{
	size_t i;

	for (i = 0; i < run->nsrc; i++)
		if (run->src[i].refused)
			return 1;
	return 0;
}

static void show_value(struct strbuf *out, const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t i = 0, n;

	while (i < len) {
		if (out->len >= VALUE_SHOW_MAX) {
			strbuf_addstr(out, "...");
			return;
		}
		n = show_keep(s + i, len - i);
		if (n == 0) {
			strbuf_addf(out, "\\x%02X", s[i]);
			i++;
			continue;
		}
		strbuf_add(out, s + i, n);
		i += n;
	}
}

static int vfinding(struct run *run, struct source *src, uint64_t line,
		    enum entity entity, const char *key, struct record *rec,
		    int col, enum rule rule, enum severity sev,
		    const char *value, size_t value_len, const char *fmt,
		    va_list ap)
{
	struct finding fd;
	struct strbuf shown;
	char msg[512], *shown_msg;
	int ret;

	/* --ignore turns the rule off: no finding at all (never an
	 * error rule, which main() refuses). */
	if (run->opt.ignore >> rule & 1)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	utf8_cut(msg, sizeof(msg));
	/* A message may name a file or quote the input: display form. */
	shown_msg = show_plain(msg) ? NULL : show_dup(msg);
	/* Its appends cannot fail: show_value() stops once past
	 * VALUE_SHOW_MAX, at most 4 bytes and a "..." later. */
	strbuf_init_capped(&shown, VALUE_SHOW_MAX + 16);
	if (value)
		show_value(&shown, value, value_len);

	fd.file_no = src ? (int)src->no : -1;
	fd.line = line;
	fd.entity = entity;
	fd.key = key ? key : "";
	/* col -2 names the key's columns. */
	fd.field = entity == ENTITY_NONE ? "" :
		   col >= 0 ? entity_defs[entity].cols[col].name :
		   col == -2 ? entity_defs[entity].key_name : "";
	fd.rule = rule;
	fd.severity = sev;
	fd.message = shown_msg ? shown_msg : msg;
	fd.value = shown.buf;
	ret = findings_add(run->findings, &fd);
	strbuf_release(&shown);
	free(shown_msg);

	if (rec) {
		if (sev == SEV_ERROR)
			rec->errors++;
		else
			rec->warnings++;
	}
	return ret;
}

int run_finding(struct run *run, struct source *src, uint64_t line,
		struct record *rec, int col, enum rule rule,
		const char *value, size_t value_len, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfinding(run, src, rec ? rec->line : line,
		       rec ? rec->entity : (src ? src->entity : ENTITY_NONE),
		       rec ? rec->key : "", rec, col, rule,
		       rule_defs[rule].severity, value, value_len, fmt, ap);
	va_end(ap);
	return ret;
}

int run_finding_key(struct run *run, struct source *src, uint64_t line,
		    enum entity entity, const char *key, int col,
		    enum rule rule, const char *value, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfinding(run, src, line, entity, key, NULL, col, rule,
		       rule_defs[rule].severity, value,
		       value ? strlen(value) : 0, fmt, ap);
	va_end(ap);
	return ret;
}

int run_finding_key_as(struct run *run, struct source *src, uint64_t line,
		       enum entity entity, const char *key, int col,
		       enum rule rule, enum severity sev, const char *value,
		       const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfinding(run, src, line, entity, key, NULL, col, rule, sev,
		       value, value ? strlen(value) : 0, fmt, ap);
	va_end(ap);
	return ret;
}

void run_refuse(struct run *run, struct source *src, int exit_code,
		const char *fmt, ...)
{
	va_list ap;

	if (src->refused)
		return;
	va_start(ap, fmt);
	vsnprintf(src->refusal, sizeof(src->refusal), fmt, ap);
	va_end(ap);
	utf8_cut(src->refusal, sizeof(src->refusal));
	src->refused = exit_code;
	src->rows_read = src->rows_rejected = src->rows_folded = 0;
	findings_drop_file(run->findings, (int)src->no);
	error("%s: %s", src->path, src->refusal);
}

void run_refuse_input(struct run *run, struct source *src,
		      const struct input *in)
{
	run_refuse(run, src, input_exit_code(in), "%s", in->message);
}
