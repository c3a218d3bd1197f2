/* batch.h -- reading a batch of files into a run (check and reconcile).
 *
 * batch_init() starts a run (times, id); batch_read() opens and reads every
 * input, validates, settles duplicates, counts findings and sets
 * run->exit_code, returning 0 or an exit code when the run cannot go on
 * (usage, missing input, internal error); batch_finish() prints findings
 * and writes the reports, returning the run's exit code (or 73);
 * batch_release() frees what the run holds (not run->stage).
 */
#ifndef CSPRECON_BATCH_H
#define CSPRECON_BATCH_H

#include "csprecon/cli.h"
#include "csprecon/run.h"

struct regions;

/* The exit code a run's findings and refusals stand for (SPEC §7): 74 or
 * 65 for a refused input, else 1 for an error-level finding, else 0. */
int batch_exit_code(const struct run *run);

/* Whether an input of the run was refused as a whole. */
int batch_any_refused(const struct run *run);

void batch_init(struct run *run, const char *command);

/* The region table and the provider's regions (--regions-file, --region):
 * 0, or an exit code with a message (unknown region: 64). */
int batch_regions(struct cli *cli, struct regions **out);

/* Read every input into the run and its stage, and judge it: the
 * PartnerID and reseller files first, then their cross-entity rules, then
 * the relationship files, each row judged as it is read.  The cross-entity
 * rules run only when every PartnerID and reseller file was read in full.
 * m is the master the rules read, never NULL (check without a master
 * passes an empty master_scratch()).  0, or an exit code: m's (else 74)
 * when the master or the stage failed. */
int batch_read(struct run *run, struct cli *cli, struct master *m,
	       const struct regions *rg, int snapshot);
int batch_finish(struct run *run);
void batch_release(struct run *run);

#endif
