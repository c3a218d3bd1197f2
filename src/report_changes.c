/* report_changes.c -- changes.csv of a reconciled run.
 *
 * run_id,entity,key,change,field,old,new: one line per new, retired or
 * reactivated row and one per changed field; by entity, then new,
 * reactivated, changed and retired, each by key, fields in column order.
 */
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

	report_csv_cell(x->fp, x->run->id, 0);
	report_csv_cell(x->fp, c->entity, 0);
	report_csv_cell(x->fp, c->key ? c->key : "", 0);
	report_csv_cell(x->fp, c->change ? c->change : "", 0);
	report_csv_cell(x->fp, c->field ? c->field : "", 0);
	report_csv_cell(x->fp, c->old ? c->old : "", 0);
	report_csv_cell(x->fp, c->new_ ? c->new_ : "", 1);
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
		report_abort(&rf);
		return -1;
	}
	return report_commit(&rf);
}
