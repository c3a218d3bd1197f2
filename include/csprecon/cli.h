/* cli.h -- the parsed command line, shared by main and the commands.
 *
 * main.c parses every option into struct cli (one option table serves the
 * parser and --help); a command reads what applies to it.  Commands return
 * an exit code of SPEC §7; they never call exit().
 */
#ifndef CSPRECON_CLI_H
#define CSPRECON_CLI_H

#include <stdint.h>

#include "csprecon/exit.h"
#include "csprecon/run.h"

#define CLI_MAX_REGIONS 32

struct cli {
	const char *command;
	const char *master;        /* --master, $CSPRECON_MASTER, ./csprecon.db */
	const char *config;        /* --config FILE */
	int config_error;          /* exit code of a bad config file */
	char **config_args;        /* values read from it, owned */
	int nconfig_args;
	int no_progress;
	struct run_options run;    /* options the run context keeps */
	int formats_given;         /* --format was used */
	const char *regions[CLI_MAX_REGIONS]; /* --region, repeatable */
	int nregions;
	const char *regions_file;  /* --regions-file */
	const char *output;        /* -o FILE */
	char **files;              /* operands */
	int nfiles;
	int argc;                  /* the whole command line, for the ledger */
	char **argv;
	/* reconcile */
	int apply;                 /* --apply */
	int record;                /* --record: ledger a dry run */
	int force;                 /* --force: override the safety valves */
	int snapshot;              /* --mode snapshot (1) or delta (0) */
	long max_reject_pct;       /* --max-reject-pct */
	long max_retire_pct;       /* --max-retire-pct */
	long lock_timeout;         /* --lock-timeout, seconds */
	int json;                  /* --json (history, runs) */
	const char *export_format; /* export --format csv|xml, or NULL */
};

int cmd_check(struct cli *cli);
int cmd_init(struct cli *cli);
int cmd_reconcile(struct cli *cli);
int cmd_export(struct cli *cli);
int cmd_history(struct cli *cli);
int cmd_runs(struct cli *cli);
int cmd_audit(struct cli *cli);

#endif
