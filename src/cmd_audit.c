/* cmd_audit.c -- `csprecon audit`: every cross-entity rule over the master.
 *
 * Opens the master read-only and judges its current (not retired) rows
 * with the same rules reconcile applies to a batch, and EMAIL_WEBMAIL on
 * the resellers' contacts: which active customer relationships belong to
 * resellers that have not signed the MPA, whose PartnerID is in another
 * country, whose DAP outlived the partnership, ...  Findings name the key
 * (no file or line) and go to the same reports; each violation is matched
 * with its open case (cases_mark()), and the exit is 1 while any violation
 * holds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "csprecon/batch.h"
#include "csprecon/cases.h"
#include "csprecon/cli.h"
#include "csprecon/crossref.h"
#include "csprecon/dedup.h"
#include "csprecon/findings.h"
#include "csprecon/master.h"
#include "csprecon/regions.h"
#include "csprecon/stage.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

static void count_rows(struct run *run, struct master *m)
{
	enum entity e;
	char sql[96];
	sqlite3_stmt *s;

	for (e = 0; e < ENTITY_COUNT; e++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM main.%s WHERE"
			 " retired_run IS NULL", entity_defs[e].name);
		s = m_prepare(m, sql);
		if (s && sqlite3_step(s) == SQLITE_ROW)
			run->audited[e] = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
}

int cmd_audit(struct cli *cli)
{
	struct crossref_options o;
	struct regions *rg = NULL;
	struct master m;
	struct run run;
	int code;

	memset(&m, 0, sizeof(m));
	m.lock_fd = -1;
	run_init(&run, "audit");
	run.opt = cli->run;
	if (cli->nfiles) {
		error("audit: takes no operands; it reads the master");
		return EXIT_USAGE;
	}
	if ((code = batch_regions(cli, &rg)))
		return code;
	if ((code = batch_webmail(&run)))
		goto out;
	code = master_open(&m, cli->master, MASTER_READ, (int)cli->lock_timeout);
	if (code)
		goto out;
	code = EXIT_INTERNAL;
	run.master = &m;
	/* An empty stage: the cross-entity rules read its tables by name
	 * (stage.h), and an audit has no batch to put in them. */
	if (!(run.findings = findings_open()) || !(run.stage = stage_open(&m, 0)))
		goto out;
	memset(&o, 0, sizeof(o));
	o.regions = rg;
	o.provider_regions = cli->regions;
	o.nprovider = cli->nregions;
	o.audit = 1;
	o.webmail = run.webmail;
	run.audit = 1;
	count_rows(&run, &m);
	if (crossref_audit(&run, &m, &o) < 0 ||
	    findings_count(run.findings, run.rule_count) < 0 ||
	    cases_mark(&run, &m) < 0) {
		code = m.exit_code ? m.exit_code : EXIT_IOERR;
		goto out;
	}
	run.exit_code = run_exit_code(&run);
	code = batch_finish(&run);
out:
	batch_close(&run, &m, rg);
	return code;
}
