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

void batch_init(struct run *run, const char *command);
int batch_read(struct run *run, struct cli *cli);
int batch_finish(struct run *run);
void batch_release(struct run *run);

#endif
