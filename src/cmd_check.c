/* cmd_check.c -- `csprecon check FILE...`: ingest and validate only.
 *
 * Reads the batch (batch.c) and writes the reports; the master is never
 * written.  check reads the master for references when there is one;
 * otherwise an empty one in memory stands in, so the rules run the same
 * way.  Rows go to a lean stage, which keeps only what the cross-entity
 * rules read.  Returns the run's exit code (SPEC §7).
 */
#include <string.h>
#include <unistd.h>

#include "csprecon/batch.h"
#include "csprecon/cli.h"
#include "csprecon/master.h"
#include "csprecon/stage.h"
#include "csprecon/run.h"
#include "csprecon/banned.h"

int cmd_check(struct cli *cli)
{
	struct regions *rg = NULL;
	struct master m;
	struct run run;
	int code;

	memset(&m, 0, sizeof(m));
	run_init(&run, "check");
	if ((code = batch_regions(cli, &rg)))
		return code;
	if (access(cli->master, F_OK) == 0)
		code = master_open(&m, cli->master, MASTER_READ,
				   (int)cli->lock_timeout);
	else
		code = master_scratch(&m);
	if (code)
		goto out;
	run.master = &m;
	if (!(run.stage = stage_open(&m, 1))) {
		code = m.exit_code ? m.exit_code : EXIT_INTERNAL;
		goto out;
	}
	code = batch_read(&run, cli, &m, rg, 0);
	if (!code)
		code = batch_finish(&run);
out:
	batch_close(&run, &m, rg);
	return code;
}
