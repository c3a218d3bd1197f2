/* cmd_reconcile.c -- `csprecon init` and `csprecon reconcile FILE...`.
 *
 * reconcile reads the batch into the stage, classifies it against the
 * master and, with --apply, commits every change of the run in one
 * transaction after the safety valves have passed.  A dry run is judged by
 * the valves as its apply would be.  A run a valve refused writes only its
 * ledger row (--apply or --record), a forced one is marked so.  Without
 * --apply the master is opened read-only and left byte-identical (with
 * --record the run ledger alone is written).  A run with a refused file
 * classifies nothing and applies nothing (exit 65 or 74).  Writers hold
 * the master's run lock from before reading the batch until after the
 * commit, so that the classification cannot go stale.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csprecon/batch.h"
#include "csprecon/cli.h"
#include "csprecon/master.h"
#include "csprecon/ledger.h"
#include "csprecon/reconcile.h"
#include "csprecon/regions.h"
#include "csprecon/stage.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

int cmd_init(struct cli *cli)
{
	struct master m;
	int code;

	if (cli->nfiles) {
		error("init: takes no operands (the master is --master PATH)");
		return EXIT_USAGE;
	}
	code = master_create(&m, cli->master, (int)cli->lock_timeout);
	master_close(&m);
	if (!code && util_verbosity >= 0)
		printf("master %s: csprecon master version %d, ready\n",
		       cli->master, MASTER_VERSION);
	return code;
}

/* The command line for the run ledger.  Its words are the user's (a glob
 * may bring thousands of paths): the ledger keeps the whole words that fit
 * in 64 KiB. */
static char *command_line(const struct cli *cli)
{
	struct strbuf sb;
	int i;

	strbuf_init_capped(&sb, 65536);
	for (i = 0; i < cli->argc; i++)
		if (strbuf_addf(&sb, "%s%s", i ? " " : "", cli->argv[i]) < 0)
			break;
	if (!sb.alloc)
		return xstrdup("");
	return sb.buf; /* owned by the caller */
}

/* The safety valves of SPEC §4; 1 when one trips (run->valve says
 * which). */
static int valves_trip(struct run *run, const struct cli *cli,
		       struct master *m)
{
	uint64_t read = 0, rejected = 0;
	size_t i;
	enum entity e;

	for (i = 0; i < run->nsrc; i++) {
		read += run->src[i].rows_read;
		rejected += run->src[i].rows_rejected;
	}
	if (read && rejected * 100 > (uint64_t)cli->max_reject_pct * read) {
		snprintf(run->valve, sizeof(run->valve),
			 "%" PRIu64 " of %" PRIu64 " rows rejected, more than "
			 "--max-reject-pct %ld%%", rejected, read,
			 cli->max_reject_pct);
		return 1;
	}
	for (e = 0; cli->snapshot && e < ENTITY_COUNT; e++) {
		char sql[96];
		sqlite3_stmt *s;
		uint64_t live = 0, retire = run->cls[e][CH_RETIRED];

		if (!retire)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM main.%s WHERE"
			 " retired_run IS NULL", entity_defs[e].name);
		s = m_prepare(m, sql);
		if (s && sqlite3_step(s) == SQLITE_ROW)
			live = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		if (retire * 100 > (uint64_t)cli->max_retire_pct * live) {
			snprintf(run->valve, sizeof(run->valve),
				 "the snapshot would retire %" PRIu64 " of %"
				 PRIu64 " %s, more than --max-retire-pct %ld%%",
				 retire, live, entity_defs[e].name,
				 cli->max_retire_pct);
			return 1;
		}
	}
	return 0;
}

/* Classify the batch, judge it by the safety valves (a dry run as the
 * apply would be: refused with 65, or forced) and, when the run writes,
 * commit it: applied with --apply unless a valve refused it, else only its
 * ledger row (applied = no, its exit code).  0, or the exit code of a
 * failure. */
static int classify_and_commit(struct run *run, const struct cli *cli,
			       struct master *m, int write)
{
	char *cmdline;
	int ret, apply = cli->apply;

	if (reconcile_classify(run, m, cli->snapshot) < 0)
		return m->exit_code ? m->exit_code : EXIT_IOERR;
	phase_done("classify");
	if (valves_trip(run, cli, m) && !cli->force) {
		snprintf(run->not_applied, sizeof(run->not_applied), "%s",
			 run->valve);
		error("%s: %s (--force applies anyway)", cli->apply ?
		      "not applied" : "--apply would not apply",
		      run->not_applied);
		run->exit_code = EXIT_REFUSED;
		apply = 0;
	} else {
		run->forced = run->valve[0] != '\0';
	}
	if (!write)
		return 0;
	cmdline = command_line(cli);
	ret = ledger_commit(run, m, cmdline, apply, batch_write_reports);
	free(cmdline);
	if (ret)
		error("nothing applied: the transaction was rolled back");
	return ret;
}

int cmd_reconcile(struct cli *cli)
{
	struct regions *rg = NULL;
	struct master m;
	struct run run;
	int code, write = cli->apply || cli->record;

	memset(&m, 0, sizeof(m));
	m.lock_fd = -1;
	run_init(&run, "reconcile");
	run.mode = cli->snapshot ? "snapshot" : "delta";
	if (cli->nfiles == 0) {
		error("reconcile: no input files (try 'csprecon reconcile "
		      "--help')");
		return EXIT_USAGE;
	}
	if ((code = batch_regions(cli, &rg)))
		return code;
	code = master_open(&m, cli->master, write ? MASTER_WRITE : MASTER_READ,
			   (int)cli->lock_timeout);
	if (code)
		goto out;
	run.master = &m;
	run.stage = stage_open(&m, 0);
	if (!run.stage) {
		code = m.exit_code ? m.exit_code : EXIT_INTERNAL;
		goto out;
	}
	code = batch_read(&run, cli, &m, rg, cli->snapshot);
	if (code)
		goto out;
	if (run_any_refused(&run))
		snprintf(run.not_applied, sizeof(run.not_applied),
			 "an input was refused; nothing is applied");
	else if ((code = classify_and_commit(&run, cli, &m, write)))
		goto out;
	phase_done("commit");
	code = batch_finish(&run);
	phase_done("reports");
out:
	batch_close(&run, &m, rg);
	return code;
}
