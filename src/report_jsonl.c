/* report_jsonl.c -- findings.jsonl, for log shippers.
 *
 * One JSON object per line per finding, the findings and order of
 * rejects.csv and its fields under the same names: run_id, file, line,
 * entity, key, field, rule, severity, message, value.  line is a number,
 * or null when the finding has none; every other field is a string (empty
 * when rejects.csv's cell is), escaped by report_json_string().  Values
 * are in their display form, as in rejects.csv, but not neutralised: no
 * spreadsheet reads this file.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "csprecon/exit.h"
#include "csprecon/findings.h"
#include "csprecon/report.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

struct jsonl_ctx {
	struct run *run;
	FILE *fp;
};

static void field(FILE *fp, const char *name, const char *s)
{
	fprintf(fp, ", \"%s\": ", name);
	report_json_string(fp, s);
}

static int write_one(const struct finding *fd, void *vctx)
{
	struct jsonl_ctx *c = vctx;
	FILE *fp = c->fp;
	int file_no = fd->file_no;

	fputs("{\"run_id\": ", fp);
	report_json_string(fp, c->run->id);
	field(fp, "file", file_no < 0 || (size_t)file_no >= c->run->nsrc ?
	      "" : c->run->src[file_no].shown);
	if (fd->line)
		fprintf(fp, ", \"line\": %" PRIu64, fd->line);
	else
		fputs(", \"line\": null", fp);
	field(fp, "entity", fd->entity == ENTITY_NONE ? "" :
	      entity_defs[fd->entity].name);
	field(fp, "key", fd->key);
	field(fp, "field", fd->field);
	field(fp, "rule", rule_defs[fd->rule].code);
	field(fp, "severity", severity_name(fd->severity));
	field(fp, "message", fd->message);
	field(fp, "value", fd->value);
	fputs("}\n", fp);
	return ferror(fp) ? -1 : 0;
}

int report_findings_jsonl(struct run *run, const char *dir)
{
	struct report_file rf;
	struct jsonl_ctx c;

	if (report_open(&rf, dir, "findings.jsonl") < 0)
		return -1;
	c.run = run;
	c.fp = rf.fp;
	if (findings_each(run->findings, write_one, &c) != 0) {
		error("cannot write report '%s': %s", rf.path,
		      ferror(rf.fp) ? strerror(errno) :
		      "the findings cannot be read");
		run->reports.code = EXIT_IOERR;
		report_abort(&rf);
		return -1;
	}
	return report_keep(&rf, &run->reports);
}
