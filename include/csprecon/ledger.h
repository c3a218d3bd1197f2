/* ledger.h -- commit a run to the master: its ledger and, with --apply,
 * its rows (SPEC §4).
 *
 * ledger_commit() ends the stage's own transaction, then writes in one
 * IMMEDIATE transaction the run ledger (runs, run_files) and the run's
 * findings and, when apply is set, the changes classification listed in
 * the stage (stage.h): new rows inserted, changed and reactivated rows
 * updated, retired rows marked, and the change history.  Each statement
 * touches only the rows the classification listed, so a nightly run costs
 * what it changes.  SQL text is built only from the column tables
 * (sql.h); every value is bound.
 */
#ifndef CSPRECON_LEDGER_H
#define CSPRECON_LEDGER_H

#include "csprecon/master.h"
#include "csprecon/run.h"

/* What must succeed before the commit, with the run as it will be once
 * committed (run->applied and run->ledger_id set): 0, or an exit code
 * that rolls the transaction back.  The reports are written here, so a
 * full disk applies nothing. */
typedef int (*ledger_hook)(struct run *run);

/* Commit the run: ledger, files, rows, history and findings when apply is
 * set; with apply unset only the ledger, files and findings (a recorded
 * dry run, or a run a safety valve refused).  The ledger row takes
 * run->exit_code and run->forced.  before_commit (may be NULL) runs last
 * inside the transaction.
 * Sets run->applied and run->ledger_id.  Returns 0, or an exit code
 * (printed; rolled back): before_commit's, else the master's, else 74. */
int ledger_commit(struct run *run, struct master *m, const char *cmdline,
		  int apply, ledger_hook before_commit);

#endif
