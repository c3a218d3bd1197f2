/* main.c -- command line and the one exit path.
 *
 * One option table drives parsing and --help.  Options may come before or
 * after the command; "--" ends them.  Every command returns an exit code of
 * SPEC §7; main() alone exits, after checking that standard output was
 * written in full (a full disk is exit 74, not a silent truncation).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "csprecon/cli.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

#ifndef CSPRECON_VERSION
#define CSPRECON_VERSION "unknown"
#endif

enum {
	C_INIT = 1, C_CHECK = 2, C_RECONCILE = 4, C_AUDIT = 8, C_EXPORT = 16,
	C_HISTORY = 32, C_RUNS = 64, C_ALL = 127,
	C_READS = C_CHECK | C_RECONCILE,
	C_REPORTS = C_CHECK | C_RECONCILE | C_AUDIT
};

struct command {
	const char *name;
	unsigned bit;
	const char *operands;
	const char *summary;
	int (*run)(struct cli *cli);
};

static const struct command commands[] = {
	{ "init", C_INIT, "", "create or migrate the master (idempotent)",
	  cmd_init },
	{ "check", C_CHECK, "FILE...", "ingest and validate only; the master, "
	  "if present, is read for references", cmd_check },
	{ "reconcile", C_RECONCILE, "FILE...", "validate and reconcile; "
	  "--apply to commit; --mode snapshot|delta", cmd_reconcile },
	{ "audit", C_AUDIT, "", "run every cross-entity rule over the master "
	  "as it stands", cmd_audit },
	{ "export", C_EXPORT, "", "write the master's current rows (CSV or "
	  "XML, .gz by name)", cmd_export },
	{ "history", C_HISTORY, "KEY", "the change history of a tenant id, a "
	  "customer+reseller pair or a PartnerID", cmd_history },
	{ "runs", C_RUNS, "", "the run ledger", cmd_runs },
};

enum opt_id {
	O_MASTER, O_CONFIG, O_QUIET, O_VERBOSE, O_NO_PROGRESS, O_HELP,
	O_VERSION, O_REPORT_DIR, O_FORMAT, O_ENTITY, O_REGION, O_IGNORE,
	O_WEBMAIL_LIST, O_REGIONS_FILE, O_MAX_ERRORS, O_OUTPUT,
	O_MAX_INPUT_BYTES, O_APPLY, O_MODE, O_MAX_REJECT_PCT, O_MAX_RETIRE_PCT,
	O_FORCE, O_LOCK_TIMEOUT, O_RECORD, O_JSON
};

struct option_def {
	const char *name;   /* long name without "--" */
	char short_name;    /* or 0 */
	const char *arg;    /* argument name, NULL for a flag */
	unsigned cmds;      /* commands it applies to */
	enum opt_id id;
	const char *help;
};

static const struct option_def options[] = {
	{ "master", 0, "PATH", C_ALL, O_MASTER,
	  "the master database ($CSPRECON_MASTER, else ./csprecon.db)" },
	{ "config", 0, "FILE", C_ALL, O_CONFIG, "read options from FILE" },
	{ "quiet", 'q', NULL, C_ALL, O_QUIET,
	  "print no summary and no findings; only fatal errors" },
	{ "verbose", 'v', NULL, C_ALL, O_VERBOSE,
	  "also print warnings and progress notes" },
	{ "no-progress", 0, NULL, C_ALL, O_NO_PROGRESS,
	  "never show a progress bar" },
	{ "help", 'h', NULL, C_ALL, O_HELP, "show this help" },
	{ "version", 0, NULL, C_ALL, O_VERSION, "show the version" },
	{ "report-dir", 0, "DIR", C_REPORTS, O_REPORT_DIR,
	  "write reports to DIR (default reports/RUN-ID)" },
	{ "format", 0, "F", C_REPORTS | C_EXPORT, O_FORMAT,
	  "report format csv|json, repeatable (default csv, json);"
	  " export: csv|xml (default from -o, else csv)" },
	{ "entity", 0, "E", C_READS | C_EXPORT, O_ENTITY,
	  "resellers|mpn_ids|relationships (default: detected per file)" },
	{ "region", 0, "NAME", C_REPORTS, O_REGION,
	  "one of the provider's CSP regions, repeatable" },
	{ "ignore", 0, "RULE", C_REPORTS, O_IGNORE,
	  "do not judge this violation or warning rule, repeatable" },
	{ "webmail-list", 0, "FILE", C_REPORTS, O_WEBMAIL_LIST,
	  "more web-mail domains, one per line" },
	{ "regions-file", 0, "FILE", C_REPORTS, O_REGIONS_FILE,
	  "country-to-region table replacing the built-in one" },
	{ "max-errors", 0, "N", C_REPORTS, O_MAX_ERRORS,
	  "print at most N findings on stderr (default 50); all are counted" },
	{ "output", 'o', "FILE", C_EXPORT, O_OUTPUT, "write to FILE" },
	{ "max-input-bytes", 0, "N", C_READS, O_MAX_INPUT_BYTES,
	  "refuse a file over N bytes once decompressed (K/M/G/T suffixes; "
	  "default 16G)" },
	{ "apply", 0, NULL, C_RECONCILE, O_APPLY,
	  "commit the run's changes to the master (default: dry run)" },
	{ "mode", 0, "M", C_RECONCILE, O_MODE,
	  "snapshot (default: retire master rows missing from an entity's "
	  "files) or delta (never retire)" },
	{ "max-reject-pct", 0, "N", C_RECONCILE, O_MAX_REJECT_PCT,
	  "refuse to apply when more than N% of rows are rejected (default 20)" },
	{ "max-retire-pct", 0, "N", C_RECONCILE, O_MAX_RETIRE_PCT,
	  "refuse to apply when a snapshot retires more than N% of an "
	  "entity's rows (default 10)" },
	{ "force", 0, NULL, C_RECONCILE, O_FORCE,
	  "apply even when a safety valve trips" },
	{ "lock-timeout", 0, "S", C_ALL, O_LOCK_TIMEOUT,
	  "wait up to S seconds for another run's or connection's lock on "
	  "the master (default 30)" },
	{ "record", 0, NULL, C_RECONCILE, O_RECORD,
	  "record a dry run in the master's run ledger" },
	{ "json", 0, NULL, C_HISTORY | C_RUNS, O_JSON, "print JSON" },
};

static void usage_main(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: csprecon [--master PATH] [--config FILE] [-q|-v] "
		"[--no-progress] COMMAND [OPTIONS] [FILE...]\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(fp, "  %-10s %-8s %s\n", commands[i].name,
			commands[i].operands, commands[i].summary);
	fprintf(fp, "\n'csprecon COMMAND --help' lists a command's options; "
		"man csprecon has the rules and exit codes.\n");
}

static void usage_command(FILE *fp, const struct command *c)
{
	size_t i;
	char left[40];

	fprintf(fp, "usage: csprecon %s [OPTIONS] %s\n%s\n\noptions:\n",
		c->name, c->operands, c->summary);
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		const struct option_def *o = &options[i];

		if (!(o->cmds & c->bit))
			continue;
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
				 o->short_name, o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(fp, "  %-26s %s\n", left, o->help);
	}
}

/* A size with an optional K, M, G or T (powers of 1024) suffix. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_count(const char *s, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int set_format(struct cli *cli, const char *f)
{
	unsigned bit;

	if (!strcmp(f, "csv"))
		bit = FORMAT_CSV;
	else if (!strcmp(f, "json"))
		bit = FORMAT_JSON;
	else if (!strcmp(f, "xml") || !strcmp(f, "html"))
		return error("--format %s: not available in this version "
			     "(csv and json are)", f);
	else
		return error("--format: unknown format '%s' (csv, json, xml, "
			     "html)", f);
	if (!cli->formats_given)
		cli->run.formats = 0;
	cli->formats_given = 1;
	cli->run.formats |= bit;
	return 0;
}

static int apply_option(struct cli *cli, const struct option_def *o,
			const char *arg)
{
	switch (o->id) {
	case O_MASTER: cli->master = arg; break;
	case O_CONFIG: break; /* read before the other options */
	case O_QUIET: util_verbosity = -1; break;
	case O_VERBOSE: util_verbosity = 1; break;
	case O_NO_PROGRESS: cli->no_progress = 1; break;
	case O_HELP: case O_VERSION: break;
	case O_REPORT_DIR: cli->run.report_dir = arg; break;
	case O_FORMAT:
		if (!strcmp(cli->command ? cli->command : "", "export")) {
			if (strcmp(arg, "csv") && strcmp(arg, "xml"))
				return error("--format: export writes csv or "
					     "xml, not '%s'", arg);
			cli->export_format = arg;
			return 0;
		}
		return set_format(cli, arg);
	case O_ENTITY:
		cli->run.entity = entity_by_name(arg);
		if (cli->run.entity == ENTITY_NONE)
			return error("--entity: unknown entity '%s' "
				     "(resellers, mpn_ids, relationships)", arg);
		break;
	case O_REGION:
		if (cli->nregions == CLI_MAX_REGIONS)
			return error("--region: at most %d", CLI_MAX_REGIONS);
		cli->regions[cli->nregions++] = arg;
		break;
	case O_IGNORE: {
		int r = rule_find(arg);

		if (r < 0)
			return error("--ignore: unknown rule '%s'", arg);
		if (rule_defs[r].severity == SEV_ERROR)
			return error("--ignore: %s is an error rule; errors "
				     "cannot be ignored", rule_defs[r].code);
		cli->run.ignore |= (uint64_t)1 << r;
		break;
	}
	case O_WEBMAIL_LIST: cli->run.webmail_list = arg; break;
	case O_REGIONS_FILE: cli->regions_file = arg; break;
	case O_MAX_ERRORS:
		if (parse_count(arg, &cli->run.max_errors) < 0)
			return error("--max-errors: not a count '%s'", arg);
		break;
	case O_OUTPUT: cli->output = arg; break;
	case O_APPLY: cli->apply = 1; break;
	case O_RECORD: cli->record = 1; break;
	case O_FORCE: cli->force = 1; break;
	case O_JSON: cli->json = 1; break;
	case O_MODE:
		if (!strcmp(arg, "snapshot"))
			cli->snapshot = 1;
		else if (!strcmp(arg, "delta"))
			cli->snapshot = 0;
		else
			return error("--mode: '%s' is not snapshot or delta",
				     arg);
		break;
	case O_MAX_REJECT_PCT:
	case O_MAX_RETIRE_PCT: {
		long v;

		if (parse_count(arg, &v) < 0 || v > 100)
			return error("--%s: not a percentage from 0 to 100 "
				     "'%s'", o->name, arg);
		if (o->id == O_MAX_REJECT_PCT)
			cli->max_reject_pct = v;
		else
			cli->max_retire_pct = v;
		break;
	}
	case O_LOCK_TIMEOUT:
		if (parse_count(arg, &cli->lock_timeout) < 0 ||
		    cli->lock_timeout > 86400)
			return error("--lock-timeout: not a number of seconds "
				     "'%s'", arg);
		break;
	case O_MAX_INPUT_BYTES:
		if (parse_size(arg, &cli->run.max_input_bytes) < 0 ||
		    !cli->run.max_input_bytes)
			return error("--max-input-bytes: not a size '%s'", arg);
		break;
	}
	return 0;
}

static const struct option_def *find_option(const char *arg, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(options); i++) {
		if (arg[1] != '-') {
			if (len == 2 && options[i].short_name == arg[1])
				return &options[i];
		} else if (strlen(options[i].name) == len - 2 &&
			   !memcmp(options[i].name, arg + 2, len - 2)) {
			return &options[i];
		}
	}
	return NULL;
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

struct seen {
	const struct option_def *o;
	const char *arg;
	int owned;          /* arg was allocated (from a config file) */
};

#define CONFIG_MAX_OPTIONS 256

/* Options from a --config file: one "name = value" or "name" per line,
 * with the long option names; '#' starts a comment.  They come before the
 * command line's, so the command line wins; an option that does not apply
 * to the command is skipped, so one file serves every command. */
static int read_config(const char *path, struct seen *seen,
		       int *nseen, int max)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	long no = 0;

	if (!fp) {
		error("cannot open '%s': %s", path, strerror(errno));
		return EXIT_NOINPUT;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *s = line, *eq, *hash;
		const char *name, *val = NULL;
		const struct option_def *o = NULL;
		size_t i, n;

		no++;
		if ((hash = strchr(s, '#')))
			*hash = '\0';
		eq = strchr(s, '=');
		if (eq) {
			*eq = '\0';
			val = eq + 1;
			n = strlen(val);
			trim(&val, &n);
			((char *)(uintptr_t)val)[n] = '\0';
		}
		n = strlen(s);
		name = s;
		trim(&name, &n);
		((char *)(uintptr_t)name)[n] = '\0';
		if (!*name)
			continue;
		for (i = 0; i < ARRAY_SIZE(options); i++)
			if (!strcmp(options[i].name, name))
				o = &options[i];
		if (!o || o->id == O_CONFIG || o->id == O_HELP ||
		    o->id == O_VERSION || !o->arg != !val || *nseen == max) {
			error("%s:%ld: %s '%s'", path, no, !o ?
			      "unknown option" : "option not usable here", name);
			fclose(fp);
			return EXIT_USAGE;
		}
		seen[*nseen].o = o;
		seen[*nseen].arg = val ? xstrdup(val) : NULL;
		seen[(*nseen)++].owned = val != NULL;
	}
	fclose(fp);
	return 0;
}

static int parse(int argc, char **argv, struct cli *cli,
		 const struct command **cmd, int *help, int *version)
{
	struct seen *seen = xcalloc((size_t)argc + CONFIG_MAX_OPTIONS,
				    sizeof(*seen));
	struct seen *conf = seen + argc;
	int i, nseen = 0, nconf = 0, ret = -1, only_operands = 0, k;

	cli->files = xcalloc((size_t)argc, sizeof(*cli->files));
	*cmd = NULL;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *val = NULL;
		const struct option_def *o;
		size_t len;

		if (only_operands || a[0] != '-' || !strcmp(a, "-")) {
			if (!*cmd && !only_operands) {
				*cmd = find_command(a);
				if (!*cmd) {
					error("unknown command '%s' (try "
					      "'csprecon --help')", a);
					goto out;
				}
			} else {
				cli->files[cli->nfiles++] = argv[i];
			}
			continue;
		}
		if (!strcmp(a, "--")) {
			only_operands = 1;
			continue;
		}
		eq = a[1] == '-' ? strchr(a, '=') : NULL;
		len = eq ? (size_t)(eq - a) : strlen(a);
		o = find_option(a, len);
		if (!o) {
			error("unknown option '%.*s'", (int)len, a);
			goto out;
		}
		if (o->arg) {
			if (eq) {
				val = eq + 1;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				error("option '--%s' needs %s", o->name, o->arg);
				goto out;
			}
		} else if (eq) {
			error("option '--%s' takes no value", o->name);
			goto out;
		}
		if (o->id == O_HELP)
			*help = 1;
		if (o->id == O_VERSION)
			*version = 1;
		seen[nseen].o = o;
		seen[nseen++].arg = val;
	}
	if (*help || *version) {
		ret = 0;
		goto out;
	}
	cli->command = *cmd ? (*cmd)->name : NULL;
	for (k = 0; k < nseen; k++)
		if (seen[k].o->id == O_CONFIG)
			cli->config = seen[k].arg;
	if (cli->config) {
		ret = read_config(cli->config, conf, &nconf,
				  CONFIG_MAX_OPTIONS);
		if (ret) {
			cli->config_error = ret;
			ret = -1;
			goto out;
		}
		ret = -1;
		for (k = 0; k < nconf; k++) {
			if (*cmd && !(conf[k].o->cmds & (*cmd)->bit))
				continue;
			if (apply_option(cli, conf[k].o, conf[k].arg) < 0)
				goto out;
		}
	}
	for (k = 0; k < nseen; k++) {
		if (*cmd && !(seen[k].o->cmds & (*cmd)->bit)) {
			error("option '--%s' does not apply to '%s'",
			      seen[k].o->name, (*cmd)->name);
			goto out;
		}
		if (apply_option(cli, seen[k].o, seen[k].arg) < 0)
			goto out;
	}
	ret = 0;
out:
	/* Config values stay referenced by cli: they are freed at exit. */
	cli->config_args = xcalloc((size_t)nconf + 1, sizeof(char *));
	for (k = 0; k < nconf; k++)
		if (conf[k].owned)
			cli->config_args[k] = (char *)(uintptr_t)conf[k].arg;
	cli->nconfig_args = nconf;
	free(seen);
	return ret;
}

int main(int argc, char **argv)
{
	struct cli cli;
	const struct command *cmd;
	int help = 0, version = 0, code, i, err;
	const char *env;

	/* A connection is used by one thread at a time (the stage thread
	 * has the master's while it writes the stage, this thread before
	 * and after; the threads that read and parse input never touch
	 * SQLite): no mutex around every call. */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	memset(&cli, 0, sizeof(cli));
	cli.run.entity = ENTITY_NONE;
	cli.run.max_input_bytes = (uint64_t)16 << 30;
	cli.run.formats = FORMAT_CSV | FORMAT_JSON;
	cli.run.max_errors = 50;
	cli.snapshot = 1;
	cli.max_reject_pct = 20;
	cli.max_retire_pct = 10;
	cli.lock_timeout = 30;
	cli.argc = argc;
	cli.argv = argv;
	env = getenv("CSPRECON_MASTER");
	cli.master = env && *env ? env : "csprecon.db";

	if (parse(argc, argv, &cli, &cmd, &help, &version) < 0) {
		code = cli.config_error ? cli.config_error : EXIT_USAGE;
	} else if (version) {
		printf("csprecon %s\n", CSPRECON_VERSION);
		code = EXIT_OK;
	} else if (help) {
		if (cmd)
			usage_command(stdout, cmd);
		else
			usage_main(stdout);
		code = EXIT_OK;
	} else if (!cmd) {
		usage_main(stderr);
		code = EXIT_USAGE;
	} else {
		cli.run.progress = !cli.no_progress && util_verbosity >= 0 &&
				   isatty(STDERR_FILENO);
		code = cmd->run(&cli);
	}
	free(cli.files);
	for (i = 0; i < cli.nconfig_args; i++)
		free(cli.config_args[i]);
	free(cli.config_args);
	/* errno is only true of the call that failed just now. */
	err = fflush(stdout) != 0 ? errno : 0;
	if (ferror(stdout) && util_stdout_errno)
		err = util_stdout_errno;
	else if (ferror(stdout) && !err)
		err = EIO;
	if (fclose(stdout) != 0 && !err)
		err = errno;
	if (err) {
		if (err != EPIPE)
			fprintf(stderr, "csprecon: cannot write standard "
				"output: %s\n", strerror(err));
		if (code < EXIT_USAGE)
			code = EXIT_IOERR;
	}
	return code;
}
