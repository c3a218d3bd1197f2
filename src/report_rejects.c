/* report_rejects.c -- rejects.csv and findings on stderr.
 *
 * rejects.csv has the columns of SPEC §6, one line per finding, errors,
 * violations and warnings, in file, line and arrival order.  A file is named in its
 * display form (show.h), as on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "csprecon/exit.h"
#include "csprecon/findings.h"
#include "csprecon/report.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

const char *report_file_name(const struct run *run, int file_no)
{
	if (file_no < 0 || (size_t)file_no >= run->nsrc)
		return "";
	return run->src[file_no].shown;
}

struct findings_ctx {
	const struct run *run;
	FILE *fp;
	report_finding_line line;
};

static int findings_line(const struct finding *fd, void *vctx)
{
	struct findings_ctx *c = vctx;

	return c->line(c->fp, c->run, fd);
}

int report_findings(struct run *run, const char *dir, const char *name,
		    const char *head, report_finding_line line)
{
	struct report_file rf;
	struct findings_ctx c;

	if (report_open(&rf, dir, name) < 0)
		return -1;
	if (head)
		fputs(head, rf.fp);
	c.run = run;
	c.fp = rf.fp;
	c.line = line;
	if (findings_each(run->findings, findings_line, &c) != 0) {
		error("cannot write report '%s': %s", rf.path,
		      ferror(rf.fp) ? strerror(errno) :
		      "the findings cannot be read");
		run->reports.code = EXIT_IOERR;
		report_abort(&rf);
		return -1;
	}
	return report_keep(&rf, &run->reports);
}

static int rejects_line(FILE *fp, const struct run *run,
			const struct finding *fd)
{
	char line[24] = "";
	const char *cells[] = {
		run->id, report_file_name(run, fd->file_no), line,
		fd->entity == ENTITY_NONE ? "" : entity_defs[fd->entity].name,
		fd->key, fd->field, rule_defs[fd->rule].code,
		severity_name(fd->severity), fd->message,
		fd->value,
	};

	if (fd->line)
		snprintf(line, sizeof(line), "%" PRIu64, fd->line);
	report_csv_line(fp, cells, sizeof(cells) / sizeof(cells[0]));
	return ferror(fp) ? -1 : 0;
}

int report_rejects_csv(struct run *run, const char *dir)
{
	return report_findings(run, dir, "rejects.csv", "run_id,file,line,"
			       "entity,key,field,rule,severity,message,value\n",
			       rejects_line);
}

struct print_ctx {
	struct run *run;
	long max;
	long shown;
	uint64_t hidden;
	int want_severity;
};

static int print_one(const struct finding *fd, void *vctx)
{
	struct print_ctx *c = vctx;

	if ((int)fd->severity != c->want_severity)
		return 0;
	if (c->shown >= c->max) {
		c->hidden++;
		return 0;
	}
	c->shown++;
	if (fd->file_no < 0)
		fprintf(stderr, "csprecon: master: %s %s: ", fd->entity ==
			ENTITY_NONE ? "" : entity_defs[fd->entity].name,
			fd->key);
	else if (fd->line)
		fprintf(stderr, "csprecon: %s:%" PRIu64 ": ",
			report_file_name(c->run, fd->file_no), fd->line);
	else
		fprintf(stderr, "csprecon: %s: ", report_file_name(c->run, fd->file_no));
	fprintf(stderr, "%s %s: %s%s%s", fd->rule < RULE_COUNT ?
		rule_defs[fd->rule].code : "?",
		severity_name(fd->severity),
		fd->field[0] ? fd->field : "", fd->field[0] ? ": " : "",
		fd->message);
	if (fd->value[0])
		fprintf(stderr, " '%s'", fd->value);
	fputc('\n', stderr);
	return 0;
}

int report_print_findings(struct run *run, long max)
{
	struct print_ctx c;

	if (util_verbosity < 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.run = run;
	c.max = max;
	c.want_severity = SEV_ERROR;
	if (findings_each(run->findings, print_one, &c) < 0)
		return -1;
	c.want_severity = SEV_VIOLATION;
	if (findings_each(run->findings, print_one, &c) < 0)
		return -1;
	if (util_verbosity > 0) {
		c.want_severity = SEV_WARNING;
		if (findings_each(run->findings, print_one, &c) < 0)
			return -1;
	}
	if (c.hidden)
		fprintf(stderr, "csprecon: %" PRIu64 " more finding%s not shown "
			"(--max-errors %ld); all are in rejects.csv\n",
			c.hidden, c.hidden == 1 ? "" : "s", max);
	return 0;
}
