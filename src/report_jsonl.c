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
#include <inttypes.h>

#include "csprecon/findings.h"
#include "csprecon/report.h"
#include "csprecon/banned.h"

static void field(FILE *fp, const char *name, const char *s)
{
	fprintf(fp, ", \"%s\": ", name);
	report_json_string(fp, s);
}

static int jsonl_line(FILE *fp, const struct run *run,
		      const struct finding *fd)
{
	fputs("{\"run_id\": ", fp);
	report_json_string(fp, run->id);
	field(fp, "file", report_file_name(run, fd->file_no));
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
	return report_findings(run, dir, "findings.jsonl", NULL, jsonl_line);
}
