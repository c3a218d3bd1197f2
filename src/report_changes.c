/* report_changes.c -- changes.csv of a reconciled run.
 *
 * run_id,entity,key,change,field,old,new: one line per new, retired or
 * reactivated row and one per changed field; by entity, then new,
 * reactivated, changed and retired, each by key, fields in column order.
 */
#include <errno.h>
#include <string.h>

#include "csprecon/exit.h"
#include "csprecon/reconcile.h"
#include "csprecon/report.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

struct changes_ctx {
	struct run *run;
	FILE *fp;
};

static int write_change(const struct change *c, void *vctx)
{
	struct changes_ctx *x = vctx;
	const char *cells[] = {
		x->run->id, c->entity, c->key ? c->key : "",
		c->change ? c->change : "", c->field ? c->field : "",
		c->old ? c->old : "", c->new_ ? c->new_ : "",
	};

	report_csv_line(x->fp, cells, sizeof(cells) / sizeof(cells[0]));
	return ferror(x->fp) ? -1 : 0;
}

int report_changes_csv(struct run *run, const char *dir)
{
	struct report_file rf;
	struct changes_ctx x;

	if (report_open(&rf, dir, "changes.csv") < 0)
		return -1;
	fputs("run_id,entity,key,change,field,old,new\n", rf.fp);
	x.run = run;
	x.fp = rf.fp;
	if (reconcile_each_change(run, write_change, &x) != 0) {
		if (ferror(rf.fp)) {
			error("cannot write report '%s': %s", rf.path,
			      strerror(errno));
			run->reports.code = EXIT_IOERR;
		}
		report_abort(&rf);
		return -1;
	}
	return report_keep(&rf, &run->reports);
}
