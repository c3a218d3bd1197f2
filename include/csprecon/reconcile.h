/* reconcile.h -- classify a staged batch against the master (§4).
 *
 * The batch is read into the stage (stage.h); reconcile_classify() then
 * writes the change list (new, changed with one line per field,
 * reactivated, retired) and the apply's actions into the stage's tables
 * with set-based SQL, never one query per input row, and counts the
 * classes into the run.  ledger_commit() (ledger.h) commits them to the
 * master.  SQL text is built only from the static column tables (sql.h);
 * every value is bound.
 */
#ifndef CSPRECON_RECONCILE_H
#define CSPRECON_RECONCILE_H

#include "csprecon/master.h"
#include "csprecon/run.h"

/* Classify; snapshot != 0 retires master rows missing from an entity that
 * the batch has files for.  0 or -1 (printed; the master's exit code says
 * why). */
int reconcile_classify(struct run *run, struct master *m, int snapshot);

/* Call cb for each staged change in report order; non-zero stops. */
struct change {
	const char *entity, *key, *change, *field, *old, *new_, *file;
};
int reconcile_each_change(struct run *run,
			  int (*cb)(const struct change *c, void *ctx),
			  void *ctx);

#endif
