/* report_summary.c -- summary.txt (also printed) and summary.json.
 *
 * Both carry the run id, times, mode, per-file accounting (path, SHA-256,
 * format, entity, rows read = accepted + rejected), per-entity counts,
 * counts per rule code, and the exit code.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csprecon/exit.h"
#include "csprecon/report.h"
#include "csprecon/show.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

static void iso_time(const struct timespec *t, char *out, size_t outsz)
{
	struct tm tm;

	gmtime_r(&t->tv_sec, &tm);
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *entity_name(enum entity e)
{
	return e == ENTITY_NONE ? "-" : entity_defs[e].name;
}

static void format_name(const struct source *s, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s%s", s->format ? s->format : "-",
		 s->gzip ? ".gz" : "");
}

static const char *class_names[] = { "new", "changed", "unchanged",
				      "reactivated", "retired" };

/* What happened to the master, in a few words. */
static void state_line(const struct run *run, char *out, size_t n)
{
	if (run->audit)
		snprintf(out, n, "audit of the master's current rows: "
			 "%" PRIu64 " resellers, %" PRIu64 " mpn_ids, %" PRIu64
			 " relationships", run->audited[ENTITY_RESELLERS],
			 run->audited[ENTITY_MPN_IDS],
			 run->audited[ENTITY_RELATIONSHIPS]);
	else if (!run->mode)
		snprintf(out, n, "check only: nothing applied");
	else if (run->applied)
		snprintf(out, n, "%s mode, applied%s", run->mode,
			 run->forced ? " (forced)" : "");
	else if (run->not_applied[0])
		snprintf(out, n, "%s mode, not applied: %s", run->mode,
			 run->not_applied);
	else
		snprintf(out, n, "%s mode, dry run: nothing applied",
			 run->mode);
}

/* Rows read and rejected per entity, over the files that were read. */
static void entity_rows(const struct run *run, enum entity e, uint64_t *read,
			uint64_t *rejected)
{
	size_t i;

	*read = *rejected = 0;
	for (i = 0; i < run->nsrc; i++)
		if (run->src[i].entity == e && !run->src[i].refused) {
			*read += run->src[i].rows_read;
			*rejected += run->src[i].rows_rejected;
		}
}

/* Whether the run matched violations with cases and has any to show. */
static int cases_shown(const struct run *run)
{
	int r;

	for (r = 0; run->cases && r < RULE_COUNT; r++)
		if (run->case_open[r] || run->case_opened[r] ||
		    run->case_closed[r])
			return 1;
	return 0;
}

/* Cases per rule: after an applied run, the master's open cases and those
 * the run opened and closed; otherwise the run's violations an open case
 * knows ("open") and those it does not ("new"). */
static void cases_txt(const struct run *run, FILE *fp)
{
	uint64_t open = 0, opened = 0, closed = 0;
	int r, tracked = run->cases == 2;

	if (!cases_shown(run))
		return;
	for (r = 0; r < RULE_COUNT; r++) {
		open += run->case_open[r];
		opened += run->case_opened[r];
		closed += run->case_closed[r];
	}
	if (tracked)
		fprintf(fp, "\ncases: %" PRIu64 " open, %" PRIu64 " opened, %"
			PRIu64 " closed by this run\n  %-26s %10s %10s %10s\n",
			open, opened, closed, "rule", "open", "opened",
			"closed");
	else
		fprintf(fp, "\ncases (not written): %" PRIu64 " violation%s "
			"with an open case, %" PRIu64 " new\n  %-26s %10s "
			"%10s\n", open, open == 1 ? "" : "s", opened, "rule",
			"open", "new");
	for (r = 0; r < RULE_COUNT; r++) {
		if (!run->case_open[r] && !run->case_opened[r] &&
		    !run->case_closed[r])
			continue;
		fprintf(fp, "  %-26s %10" PRIu64 " %10" PRIu64,
			rule_defs[r].code, run->case_open[r],
			run->case_opened[r]);
		if (tracked)
			fprintf(fp, " %10" PRIu64, run->case_closed[r]);
		fputc('\n', fp);
	}
}

static void write_txt(struct run *run, const char *dir, FILE *fp)
{
	char t0[32], fmt[16], state[320];
	uint64_t total[SEV_COUNT] = { 0 }, read, rejected;
	size_t i;
	int r, c, v;
	enum entity e;

	iso_time(&run->started, t0, sizeof(t0));
	state_line(run, state, sizeof(state));
	fprintf(fp, "csprecon %s: run %s\n", run->command, run->id);
	fprintf(fp, "started %s, took %.2f s; %s\n\n", t0, run->seconds,
		state);
	if (run->nsrc)
		fprintf(fp, "%-40s %-7s %-14s %10s %10s %10s\n", "file",
			"format", "entity", "read", "accepted", "rejected");
	for (i = 0; i < run->nsrc; i++) {
		const struct source *s = &run->src[i];

		format_name(s, fmt, sizeof(fmt));
		if (s->refused) {
			char *why = show_dup(s->refusal);

			fprintf(fp, "%-40s %-7s %-14s refused: %s\n", s->shown,
				fmt, entity_name(s->entity), why);
			free(why);
			continue;
		}
		fprintf(fp, "%-40s %-7s %-14s %10" PRIu64 " %10" PRIu64
			" %10" PRIu64 "\n", s->shown, fmt,
			entity_name(s->entity), s->rows_read,
			s->rows_read - s->rows_rejected, s->rows_rejected);
	}
	if (run->reconciled) {
		fprintf(fp, "\n%-14s %10s %10s %10s %10s %11s %10s %10s\n",
			"entity", "accepted", "new", "changed", "unchanged",
			"reactivated", "retired", "folded");
		for (e = 0; e < ENTITY_COUNT; e++) {
			entity_rows(run, e, &read, &rejected);
			fprintf(fp, "%-14s %10" PRIu64, entity_defs[e].name,
				read - rejected);
			for (c = 0; c < 5; c++)
				fprintf(fp, c == 3 ? " %11" PRIu64 :
					" %10" PRIu64, run->cls[e][c]);
			fprintf(fp, " %10" PRIu64 "\n", run->folded[e]);
		}
	}
	for (r = 0; r < RULE_COUNT; r++)
		for (v = 0; v < SEV_COUNT; v++)
			total[v] += run->rule_count[r][v];
	fprintf(fp, "\nfindings: %" PRIu64 " error%s, %" PRIu64 " violation%s, %"
		PRIu64 " warning%s\n", total[SEV_ERROR],
		total[SEV_ERROR] == 1 ? "" : "s", total[SEV_VIOLATION],
		total[SEV_VIOLATION] == 1 ? "" : "s", total[SEV_WARNING],
		total[SEV_WARNING] == 1 ? "" : "s");
	for (r = 0; r < RULE_COUNT; r++)
		for (v = 0; v < SEV_COUNT; v++)
			if (run->rule_count[r][v])
				fprintf(fp, "  %-26s %-9s %10" PRIu64 "\n",
					rule_defs[r].code, severity_name(v),
					run->rule_count[r][v]);
	if (run->opt.ignore) {
		fputs("ignored (--ignore):", fp);
		for (r = 0; r < RULE_COUNT; r++)
			if (run->opt.ignore >> r & 1)
				fprintf(fp, " %s", rule_defs[r].code);
		fputc('\n', fp);
	}
	cases_txt(run, fp);
	fprintf(fp, "\nexit %d: %s\n", run->exit_code,
		exit_meaning(run->exit_code));
	if (dir)
		fprintf(fp, "reports: %s\n", dir);
	/* The safety valve, last, where cron mail is read from its end. */
	if (run->forced)
		fprintf(fp, "forced: %s (--force)\n", run->valve);
	else if (run->valve[0])
		fprintf(fp, "not applied: %s (--force applies anyway)\n",
			run->valve);
}

int report_summary_txt(struct run *run, const char *dir)
{
	struct report_file rf;

	if (report_open(&rf, dir, "summary.txt") < 0)
		return -1;
	write_txt(run, dir, rf.fp);
	return report_keep(&rf, &run->reports);
}

void report_summary_print(struct run *run, const char *dir, FILE *out)
{
	write_txt(run, dir, out);
}

/* "cases": null, or whether they were written (an applied run) and per
 * rule open, opened and closed; a run that writes none reports its
 * violations with an open case as open and the others as opened (new). */
static void cases_json(const struct run *run, FILE *fp)
{
	int r, first = 1;

	if (!run->cases) {
		fputs("\n  \"cases\": null,", fp);
		return;
	}
	fprintf(fp, "\n  \"cases\": {\"written\": %s, \"rules\": {",
		run->cases == 2 ? "true" : "false");
	for (r = 0; r < RULE_COUNT; r++) {
		if (!run->case_open[r] && !run->case_opened[r] &&
		    !run->case_closed[r])
			continue;
		fprintf(fp, "%s\n    \"%s\": {\"open\": %" PRIu64
			", \"opened\": %" PRIu64 ", \"closed\": %" PRIu64 "}",
			first ? "" : ",", rule_defs[r].code, run->case_open[r],
			run->case_opened[r], run->case_closed[r]);
		first = 0;
	}
	fputs(first ? "}}," : "\n  }},", fp);
}

int report_summary_json(struct run *run, const char *dir)
{
	struct report_file rf;
	char t0[32], t1[32], fmt[16];
	size_t i;
	int r, c, v, first;
	enum entity e;

	if (report_open(&rf, dir, "summary.json") < 0)
		return -1;
	iso_time(&run->started, t0, sizeof(t0));
	iso_time(&run->finished, t1, sizeof(t1));
	fputs("{\n  \"run_id\": ", rf.fp);
	report_json_string(rf.fp, run->id);
	fputs(",\n  \"command\": ", rf.fp);
	report_json_string(rf.fp, run->command);
	fprintf(rf.fp, ",\n  \"started\": \"%s\",\n  \"finished\": \"%s\","
		"\n  \"seconds\": %.3f,\n  \"mode\": ", t0, t1, run->seconds);
	if (run->mode)
		report_json_string(rf.fp, run->mode);
	else
		fputs("null", rf.fp);
	fprintf(rf.fp, ",\n  \"applied\": %s,\n  \"forced\": %s,"
		"\n  \"not_applied\": ", run->applied ? "true" : "false",
		run->forced ? "true" : "false");
	if (run->not_applied[0])
		report_json_string(rf.fp, run->not_applied);
	else
		fputs("null", rf.fp);
	fputs(",\n  \"files\": [", rf.fp);
	for (i = 0; i < run->nsrc; i++) {
		const struct source *s = &run->src[i];

		format_name(s, fmt, sizeof(fmt));
		fputs(i ? ",\n    {\"path\": " : "\n    {\"path\": ", rf.fp);
		report_json_string(rf.fp, s->path);
		fputs(", \"sha256\": ", rf.fp);
		if (s->sha256[0])
			report_json_string(rf.fp, s->sha256);
		else
			fputs("null", rf.fp);
		fprintf(rf.fp, ", \"bytes\": %" PRIu64 ", \"format\": \"%s\", "
			"\"entity\": ", s->size, fmt);
		if (s->entity == ENTITY_NONE)
			fputs("null", rf.fp);
		else
			report_json_string(rf.fp, entity_defs[s->entity].name);
		fprintf(rf.fp, ", \"status\": \"%s\", \"rows_read\": %" PRIu64
			", \"rows_accepted\": %" PRIu64 ", \"rows_rejected\": %"
			PRIu64 ", \"duplicates_folded\": %" PRIu64,
			s->refused ? "refused" : "read", s->rows_read,
			s->rows_read - s->rows_rejected, s->rows_rejected,
			s->rows_folded);
		if (s->refused) {
			fputs(", \"refusal\": ", rf.fp);
			report_json_string(rf.fp, s->refusal);
		}
		fputc('}', rf.fp);
	}
	fputs(run->nsrc ? "\n  ],\n  \"entities\": {" : "],\n  \"entities\": {",
	      rf.fp);
	first = 1;
	for (e = 0; e < ENTITY_COUNT; e++) {
		uint64_t read, rejected;

		entity_rows(run, e, &read, &rejected);
		fprintf(rf.fp, "%s\n    \"%s\": {\"rows_read\": %" PRIu64
			", \"rows_accepted\": %" PRIu64 ", \"rows_rejected\": %"
			PRIu64 ", \"duplicates_folded\": %" PRIu64,
			first ? "" : ",", entity_defs[e].name, read,
			read - rejected, rejected, run->folded[e]);
		for (c = 0; run->reconciled && c < 5; c++)
			fprintf(rf.fp, ", \"%s\": %" PRIu64, class_names[c],
				run->cls[e][c]);
		fputc('}', rf.fp);
		first = 0;
	}
	fputs("\n  },\n  \"findings\": {", rf.fp);
	first = 1;
	for (r = 0; r < RULE_COUNT; r++) {
		uint64_t n = 0;
		int kinds = 0;

		for (v = 0; v < SEV_COUNT; v++) {
			n += run->rule_count[r][v];
			kinds += run->rule_count[r][v] != 0;
		}
		if (!n)
			continue;
		fprintf(rf.fp, "%s\n    \"%s\": {\"severity\": \"%s\", "
			"\"count\": %" PRIu64, first ? "" : ",",
			rule_defs[r].code,
			severity_name(rule_defs[r].severity), n);
		/* A rule whose findings differ from its table severity
		 * (MPN_MISSING on a pending reseller) also counts them
		 * by severity. */
		if (kinds > 1 || !run->rule_count[r][rule_defs[r].severity]) {
			int f = 1;

			fputs(", \"by_severity\": {", rf.fp);
			for (v = 0; v < SEV_COUNT; v++)
				if (run->rule_count[r][v]) {
					fprintf(rf.fp, "%s\"%s\": %" PRIu64,
						f ? "" : ", ",
						severity_name(v),
						run->rule_count[r][v]);
					f = 0;
				}
			fputc('}', rf.fp);
		}
		fputc('}', rf.fp);
		first = 0;
	}
	fputs(first ? "},\n  \"ignored\": [" : "\n  },\n  \"ignored\": [",
	      rf.fp);
	for (r = 0, first = 1; r < RULE_COUNT; r++)
		if (run->opt.ignore >> r & 1) {
			fprintf(rf.fp, "%s\"%s\"", first ? "" : ", ",
				rule_defs[r].code);
			first = 0;
		}
	fputs("],", rf.fp);
	cases_json(run, rf.fp);
	fprintf(rf.fp, "\n  \"exit_code\": %d\n}\n", run->exit_code);
	return report_keep(&rf, &run->reports);
}
