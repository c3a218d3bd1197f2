/* batch.h -- reading a batch of files into a run (check and reconcile).
 *
 * Between run_init() and run_release() (run.h): batch_read() opens and
 * reads every input, validates, settles duplicates, counts findings and
 * sets run->exit_code, returning 0 or an exit code when the run cannot go
 * on (usage, missing input, internal error); batch_write_reports() prints
 * the findings and writes every report under its temporary name (a
 * reconcile that applies does so inside its transaction, before the
 * commit); batch_finish() writes them if that has not happened yet,
 * renames them into place and prints the summary, returning the run's
 * exit code; batch_close() closes the stage, the run and the master, and
 * removes reports written but never put in place.  The audit, which
 * reads no batch, uses batch_regions(), batch_webmail(), batch_finish()
 * and batch_close() too.
 */
#ifndef CSPRECON_BATCH_H
#define CSPRECON_BATCH_H

#include "csprecon/cli.h"
#include "csprecon/run.h"

struct regions;

/* The region table and the provider's regions (--regions-file, --region):
 * 0, or an exit code with a message (unknown region: 64). */
int batch_regions(struct cli *cli, struct regions **out);

/* The run's web-mail list: the defaults of SPEC §3.1 and --webmail-list
 * (run->opt.webmail_list); 0, or an exit code with a message (66
 * unreadable, 64 an invalid entry). */
int batch_webmail(struct run *run);

/* Read every input into the run and its stage, and judge it: the
 * PartnerID and reseller files first, then their cross-entity rules, then
 * the relationship files, each row judged as it is read.  The cross-entity
 * rules run only when every PartnerID and reseller file was read in full.
 * m is the master the rules read, never NULL (check without a master
 * passes an empty master_scratch()).  0, or an exit code: m's (else 74)
 * when the master or the stage failed. */
int batch_read(struct run *run, struct cli *cli, struct master *m,
	       const struct regions *rg, int snapshot);
/* 0, or the exit code of a failure with nothing kept: 73 when a report
 * cannot be created, 74 when one cannot be written (a full disk).  Once
 * it has succeeded, later calls return 0 and write nothing. */
int batch_write_reports(struct run *run);
/* The run's exit code, or 73/74 as batch_write_reports(), or 73 when a
 * report cannot be renamed into place. */
int batch_finish(struct run *run);

/* Close what a command opened for its run, in the order they depend on
 * each other: the run's stage (on the master's connection), the run
 * (run_release()), the master and the region table.  The stage and rg may
 * be NULL; m is as master_open(), master_create() or master_scratch() left
 * it, whether they succeeded or not. */
void batch_close(struct run *run, struct master *m, struct regions *rg);

#endif
