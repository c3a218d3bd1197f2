/* batch.c -- read a batch: the part of a run that check and reconcile share.
 *
 * Opens every input first (a missing file is exit 66 before any work),
 * reads each through ingest -> validate -> sink, settles duplicate keys
 * across the whole run, counts findings and sets the exit code; writes the
 * reports at the end.  Accepted rows go to the run's stage, and rejected
 * keys are kept from retirement (check's lean stage keeps only what the
 * cross-entity rules read).  libxml2 is set up for the reading (xml_init)
 * and released when it ends.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csprecon/batch.h"
#include "csprecon/cases.h"
#include "csprecon/crossref.h"
#include "csprecon/master.h"
#include "csprecon/regions.h"
#include "csprecon/cli.h"
#include "csprecon/dedup.h"
#include "csprecon/findings.h"
#include "csprecon/ingest.h"
#include "csprecon/stage.h"
#include "csprecon/report.h"
#include "csprecon/validate.h"
#include "csprecon/webmail.h"
#include "csprecon/ingest_xml.h"
#include "csprecon/show.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

/* A rejected record: the master keeps its key's version (SPEC §4), so a
 * snapshot does not retire it; a key that cannot be read keeps every row
 * of the entity from retirement instead. */
static int keep_rejected(struct run *run, struct record *rec)
{
	if (!rec->key_ok) {
		if (!run->unkeyed[rec->entity])
			run->unkeyed[rec->entity] = rec->src;
		return 0;
	}
	if (!run->stage || stage_lean(run->stage))
		return 0;
	return stage_keep(run->stage, rec->entity, rec->key);
}

/* RETIRE_SKIPPED on the first file of each entity with a rejected row
 * whose key could not be read: the snapshot retires nothing of it. */
static int retire_skipped(struct run *run)
{
	enum entity e;

	for (e = 0; e < ENTITY_COUNT; e++) {
		struct source *src = run->unkeyed[e];

		if (src && !src->refused &&
		    run_finding_key(run, src, 0, e, "", -1,
				    RULE_RETIRE_SKIPPED, NULL, "a rejected "
				    "row's key could not be read, so no row "
				    "of %s is retired in this run",
				    entity_defs[e].name) < 0)
			return -1;
	}
	return 0;
}

/* A relationship read once the resellers are settled: judged now.  Only
 * reconcile stages it (accepted), or keeps its key from retirement. */
static int judge_sink(struct run *run, struct record *rec)
{
	int xrejected = 0;

	if (rec->repeat && !rec->errors)
		return 0; /* judged at its first occurrence */
	if (crossref_judge(run, run->xj, rec) && !rec->errors) {
		rec->src->rows_rejected++;
		if (rec->key_ok)
			dedup_xreject_last(run->dedup);
		xrejected = 1;
	}
	if (!rec->errors && !xrejected)
		return run->stage && !stage_lean(run->stage) ?
		       stage_add(run->stage, rec) : 0;
	return keep_rejected(run, rec);
}

static int batch_sink(struct run *run, struct record *rec)
{
	if (rec->broken)
		return keep_rejected(run, rec);
	/* The master map's slot for the key loads while the values are
	 * checked. */
	validate_begin(run, rec);
	if (run->stage)
		stage_prefetch(run->stage, rec);
	validate_end(run, rec);
	rec->src->rows_read++;
	if (rec->errors)
		rec->src->rows_rejected++;
	if (run->xj && rec->entity == ENTITY_RELATIONSHIPS)
		return judge_sink(run, rec);
	if (!run->stage)
		return 0;
	if (!rec->errors)
		return rec->repeat ? 0 : stage_add(run->stage, rec);
	if (stage_reject(run->stage, rec) < 0)
		return -1;
	return keep_rejected(run, rec);
}

static int dup_hit(const struct dedup_hit *h, void *ctx)
{
	struct run *run = ctx;
	struct source *src = &run->src[h->file_no];
	const struct source *first = &run->src[h->first_file_no];

	if (h->identical) {
		if (h->is_first || h->rejected)
			return 0;
		src->rows_folded++;
		run->folded[h->entity]++;
		return run_finding_key(run, src, h->line, h->entity, h->key,
				       -2, RULE_DUPLICATE_ROW, h->key,
				       "identical to the row at %s:%" PRIu64
				       "; kept once", first->path,
				       h->first_line);
	}
	/* A row a cross-entity rule rejected is counted already; judged as
	 * it was read, its cross-entity findings are withdrawn: a duplicate
	 * key is judged by the duplicate rules only. */
	if (!h->rejected && !h->xrejected)
		src->rows_rejected++;
	if (run->xj && h->entity == ENTITY_RELATIONSHIPS &&
	    findings_retract_key(run->findings, h->entity, h->key) < 0)
		return -1;
	if (run->stage && stage_drop(run->stage, h->entity, h->key) < 0)
		return -1;
	if (h->is_first)
		return run_finding_key(run, src, h->line, h->entity, h->key,
				       -2, RULE_DUPLICATE_KEY, h->key,
				       "key given %" PRIu64 " times in this run "
				       "with different values; every "
				       "occurrence rejected", h->count);
	return run_finding_key(run, src, h->line, h->entity, h->key, -2,
			       RULE_DUPLICATE_KEY, h->key,
			       "key given %" PRIu64 " times in this run with "
			       "different values (first at %s:%" PRIu64 "); "
			       "every occurrence rejected", h->count,
			       first->path, h->first_line);
}

static int open_inputs(struct cli *cli, struct input *in)
{
	int i, j, stdin_seen = 0;

	for (i = 0; i < cli->nfiles; i++) {
		if (!strcmp(cli->files[i], "-") && stdin_seen++) {
			error("standard input ('-') given more than once");
			for (j = 0; j < i; j++)
				input_close(&in[j]);
			return EXIT_USAGE;
		}
		if (input_open(&in[i], cli->files[i],
			       cli->run.max_input_bytes) < 0) {
			error("cannot open '%s': %s", cli->files[i],
			      strerror(errno));
			for (j = 0; j < i; j++)
				input_close(&in[j]);
			return EXIT_NOINPUT;
		}
	}
	return 0;
}

/* The run's report directory: --report-dir, else reports/<run id>. */
static const char *report_dir(const struct run *run, char *buf, size_t n)
{
	if (run->opt.report_dir)
		return run->opt.report_dir;
	snprintf(buf, n, "reports/%s", run->id);
	return buf;
}

/* Read input i; -1 when the run cannot go on. */
static int read_one(struct run *run, struct input *in, struct head *heads,
		    int i)
{
	struct source *src = &run->src[i];
	enum ingest_result ret;

	if (run->stage && (stage_file(run->stage, src) < 0 ||
			   stage_feed_begin(run->stage) < 0))
		return -1;
	ret = ingest_file(run, src, &in[i], &heads[i], batch_sink);
	if (run->stage && stage_feed_end(run->stage) < 0)
		ret = INGEST_FAILED;
	src->size = in[i].raw_bytes;
	input_close(&in[i]);
	return ret == INGEST_FAILED ? -1 : 0;
}

/* Between the two groups of files: PartnerIDs and resellers are read, so
 * their duplicates and cross-entity rules are settled, and the judge of
 * the relationships is ready. */
static int settle_resellers(struct run *run, struct master *m,
			    struct crossref_options *o,
			    const unsigned char *refused)
{
	const unsigned e = 1u << ENTITY_RESELLERS | 1u << ENTITY_MPN_IDS;

	/* The key index first: a duplicate key drops its staged row by it. */
	if ((run->stage && stage_index(run->stage, e) < 0) ||
	    dedup_finish(run->dedup, e, refused, dup_hit, run) < 0)
		return -1;
	if (run_any_refused(run))
		return 0; /* references would be incomplete: no cross rules */
	if (crossref_begin(run, m, o, &run->xj) < 0)
		return -1;
	return run->stage ? stage_master_map(run->stage,
					     ENTITY_RELATIONSHIPS) : 0;
}

int batch_webmail(struct run *run)
{
	run->webmail = webmail_new();
	if (!run->opt.webmail_list)
		return 0;
	if (access(run->opt.webmail_list, R_OK) < 0) {
		error("cannot open '%s': %s", run->opt.webmail_list,
		      strerror(errno));
		return EXIT_NOINPUT;
	}
	return webmail_load(run->webmail, run->opt.webmail_list) < 0 ?
	       EXIT_USAGE : 0;
}

int batch_read(struct run *run, struct cli *cli, struct master *m,
	       const struct regions *rg, int snapshot)
{
	const unsigned rel = 1u << ENTITY_RELATIONSHIPS;
	struct crossref_options o;
	struct input *in;
	struct head *heads;
	unsigned char *refused, *late;
	struct progress progress = { 0 }; /* none shown before progress_init */
	uint64_t total = 0;
	struct stat st;
	int code, i, pass;

	if (cli->nfiles == 0) {
		error("%s: no input files (try 'csprecon %s --help')",
		      run->command, run->command);
		return EXIT_USAGE;
	}
	run->opt = cli->run;
	in = xcalloc((size_t)cli->nfiles, sizeof(*in));
	code = open_inputs(cli, in);
	if (code) {
		free(in);
		return code;
	}
	run->nsrc = (size_t)cli->nfiles;
	run->src = xcalloc(run->nsrc, sizeof(*run->src));
	refused = xcalloc(run->nsrc, 1);
	late = xcalloc(run->nsrc, 1);
	heads = xmalloc((size_t)cli->nfiles * sizeof(*heads));
	code = EXIT_INTERNAL;
	memset(&o, 0, sizeof(o));
	o.regions = rg;
	o.provider_regions = cli->regions;
	o.nprovider = cli->nregions;
	o.snapshot = snapshot;
	if ((code = batch_webmail(run)))
		goto out;
	code = EXIT_INTERNAL;
	o.webmail = run->webmail;
	if (xml_init() < 0 || !(run->findings = findings_open()))
		goto out;
	run->dedup = dedup_new();
	for (i = 0; i < cli->nfiles; i++) {
		struct source *src = &run->src[i];

		src->path = cli->files[i];
		src->shown = show_dup(src->path);
		src->no = (unsigned)i;
		src->entity = ENTITY_NONE;
		if (fstat(in[i].fd, &st) == 0 && S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	progress_init(&progress, run->opt.progress, total);
	phase_done("start");
	/* Relationship files come last, whatever their place on the command
	 * line, so that each of their rows is judged as it is read. */
	for (i = 0; i < cli->nfiles; i++) {
		in[i].progress = &progress;
		ingest_peek(&in[i], &heads[i]);
		late[i] = ingest_guess(run, &heads[i]) == ENTITY_RELATIONSHIPS;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < cli->nfiles; i++) {
			if (late[i] != pass)
				continue;
			if (read_one(run, in, heads, i) < 0) {
				if (m->failed)
					goto fail; /* a stage write */
				goto out;
			}
			refused[i] = run->src[i].refused != 0;
		}
		if (pass == 0 && settle_resellers(run, m, &o, refused) < 0)
			goto fail;
	}
	phase_done("read, validate and judge");
	if (run->stage && stage_index(run->stage, rel) < 0)
		goto fail;
	if (dedup_finish(run->dedup, rel, refused, dup_hit, run) < 0)
		goto out;
	phase_done("duplicates, index the stage");
	if (run->xj && crossref_end(run, m, run->xj, 0) < 0)
		goto fail;
	if (snapshot && retire_skipped(run) < 0)
		goto out;
	/* A duplicate key is judged by the duplicate rules only, however
	 * its rows were judged. */
	if (findings_retract(run->findings) < 0 ||
	    findings_count(run->findings, run->rule_count) < 0)
		goto out;
	/* Each violation is new or known to an open case; an applied run
	 * judges the whole master again (cases_track()). */
	if (cases_mark(run, m) < 0)
		goto fail;
	run->xopt = xmalloc(sizeof(*run->xopt));
	*run->xopt = o;
	run->exit_code = run_exit_code(run);
	clock_gettime(CLOCK_REALTIME, &run->finished);
	phase_done("cross-entity rules");
	code = 0;
	goto out;
fail:
	code = m->exit_code ? m->exit_code : EXIT_IOERR;
out:
	progress_end(&progress);
	xml_release();
	for (i = 0; i < cli->nfiles; i++)
		if (in[i].raw)
			input_close(&in[i]);
	free(in);
	free(heads);
	free(refused);
	free(late);
	return code;
}

int batch_write_reports(struct run *run)
{
	struct timespec now;
	char buf[64];
	const char *dir = report_dir(run, buf, sizeof(buf));
	int ret = 0, code;

	if (run->reported)
		return 0;
	clock_gettime(CLOCK_REALTIME, &run->finished);
	clock_gettime(CLOCK_MONOTONIC, &now);
	run->seconds = (double)(now.tv_sec - run->mono0.tv_sec) +
		       (double)(now.tv_nsec - run->mono0.tv_nsec) / 1e9;
	report_print_findings(run, run->opt.max_errors);
	if (report_mkdir(dir) < 0)
		return EXIT_CANTCREATE;
	if (run->opt.formats & FORMAT_CSV) {
		ret |= report_rejects_csv(run, dir);
		if (run->reconciled)
			ret |= report_changes_csv(run, dir);
		ret |= report_cases_csv(run, dir);
		ret |= report_by_reseller_csv(run, dir);
	}
	if (run->opt.formats & FORMAT_JSON) {
		ret |= report_findings_jsonl(run, dir);
		ret |= report_summary_json(run, dir);
	}
	ret |= report_summary_txt(run, dir);
	if (ret) {
		code = run->reports.code ? run->reports.code : EXIT_CANTCREATE;
		report_set_abort(&run->reports);
		return code;
	}
	run->reported = 1;
	return 0;
}

int batch_finish(struct run *run)
{
	char buf[64];
	int code = batch_write_reports(run);

	if (code)
		return code;
	if (report_set_publish(&run->reports) < 0)
		return EXIT_CANTCREATE;
	if (util_verbosity >= 0)
		report_summary_print(run, report_dir(run, buf, sizeof(buf)),
				     stdout);
	return run->exit_code;
}

void batch_close(struct run *run, struct master *m, struct regions *rg)
{
	report_set_abort(&run->reports);
	stage_close(run->stage);
	run_release(run);
	master_close(m);
	regions_free(rg);
}

int batch_regions(struct cli *cli, struct regions **out)
{
	struct regions *rg;
	int code, i;
	size_t k;

	*out = NULL;
	if (!(rg = regions_load(cli->regions_file, &code)))
		return code;
	for (i = 0; i < cli->nregions; i++) {
		const char *name = regions_find(rg, cli->regions[i]);

		if (!name) {
			error("--region: unknown CSP region '%s'; the regions "
			      "are:", cli->regions[i]);
			for (k = 0; regions_name(rg, k); k++)
				fprintf(stderr, "  %s\n", regions_name(rg, k));
			regions_free(rg);
			return EXIT_USAGE;
		}
		cli->regions[i] = name;
	}
	*out = rg;
	return 0;
}
