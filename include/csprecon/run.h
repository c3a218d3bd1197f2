/* run.h -- the run context shared by every stage.
 *
 * A run owns its sources (input files), the finding store, the duplicate
 * detector and the counters that reports read, from run_init() to
 * run_release().  Stages get the run and a record (record.h); none keeps
 * state of its own between records except through here.
 */
#ifndef CSPRECON_RUN_H
#define CSPRECON_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "csprecon/record.h"
#include "csprecon/rules.h"
#include "csprecon/schema.h"

struct findings;
struct dedup;
struct input;
struct stage;
struct master;
struct webmail_list;
struct xjudge;
struct crossref_options;

/* Report formats (--format), a bit each. */
enum report_format {
	FORMAT_CSV = 1,
	FORMAT_JSON = 2
};

/* Largest value a reader keeps; a longer one is cut there and reported as
 * TOO_LONG, so no field can grow memory. */
#define FIELD_MAX (64 * 1024)
#define FIELD_MAX_TEXT "65536" /* FIELD_MAX in messages */

/* One input file of the run. */
struct source {
	const char *path;        /* as given on the command line; not owned */
	char *shown;             /* path in show.h's display form; owned */
	unsigned no;             /* position on the command line, from 0 */
	enum entity entity;      /* detected or forced; ENTITY_NONE if unknown */
	const char *format;      /* "csv" or "xml" */
	int gzip;                /* the file was gzip-compressed */
	uint64_t size;           /* raw bytes read */
	char sha256[65];         /* hex SHA-256 of the raw bytes */
	uint64_t rows_read;      /* records seen */
	uint64_t rows_rejected;  /* records with an error-level finding */
	uint64_t rows_folded;    /* DUPLICATE_ROW records folded into another */
	int refused;             /* exit code the refusal stands for, or 0 */
	char refusal[512];       /* why it was refused */
};

struct run_options {
	enum entity entity;        /* --entity, or ENTITY_NONE */
	uint64_t max_input_bytes;  /* --max-input-bytes */
	const char *report_dir;    /* --report-dir, or NULL for the default */
	unsigned formats;          /* enum report_format bits */
	long max_errors;           /* --max-errors: findings printed on stderr */
	const char *webmail_list;  /* --webmail-list FILE, or NULL */
	uint64_t ignore;           /* --ignore: bit r for rule r, a violation
				    * or warning rule the run does not judge */
	int progress;              /* a progress line may be shown */
	size_t read_chunk;         /* readers take at most this many bytes at
				    * a time (0: their own size); the unit
				    * tests use it to cut input everywhere */
};

/* The reports of a run, written and closed under their temporary names
 * (report.h) before the master commits, renamed into place after it. */
struct report_file;
struct report_set {
	struct report_file *files; /* n kept reports */
	size_t n;
	int code;                  /* EXIT_IOERR once one failed to write */
};

struct run {
	const char *command;       /* "check", ... */
	char id[48];               /* run id, used in reports */
	struct timespec started;   /* wall clock */
	struct timespec finished;
	struct timespec mono0;     /* monotonic start, for durations */
	double seconds;            /* run time, set at the end */
	struct run_options opt;
	struct source *src;        /* nsrc sources */
	size_t nsrc;
	struct webmail_list *webmail;
	struct findings *findings;
	struct dedup *dedup;
	uint64_t rule_count[RULE_COUNT][SEV_COUNT]; /* findings per rule
						     * and severity, at the end */
	uint64_t accepted[ENTITY_COUNT]; /* rows accepted per entity */
	uint64_t folded[ENTITY_COUNT];   /* DUPLICATE_ROW folds per entity */
	int exit_code;             /* SPEC §7 */
	/* Reconciliation (NULL / 0 for check). */
	struct stage *stage;       /* accepted rows staged for the master */
	struct master *master;     /* the open master, or NULL */
	struct xjudge *xj;         /* relationships are judged as read */
	const char *mode;          /* "snapshot" or "delta" */
	int reconciled;            /* classification counts below are set */
	int applied;               /* the changes were committed */
	int64_t ledger_id;         /* its runs.id in the master, once recorded */
	uint64_t cls[ENTITY_COUNT][5]; /* enum change_kind counts */
	int all_new[ENTITY_COUNT]; /* the master had no row: all rows new */
	/* The first file of each entity with a rejected row whose key could
	 * not be read, or NULL: snapshot mode retires nothing of the entity
	 * (SPEC §4). */
	struct source *unkeyed[ENTITY_COUNT];
	char not_applied[240];     /* why --apply did not apply (or, in a
				    * dry run, would not), or "" */
	char valve[240];           /* the safety valve that tripped, or "" */
	int forced;                /* --force went past that valve */
	int audit;                 /* an audit of the master */
	struct report_set reports; /* written, not yet in place */
	int reported;              /* the reports are written (kept) */
	uint64_t audited[ENTITY_COUNT]; /* current master rows audited */
	/* Compliance cases (cases.h). */
	struct crossref_options *xopt; /* the rules' options, for judging the
					* master after an apply; owned */
	struct findings *judged;   /* that judgement's findings, or NULL */
	int cases;                 /* violations were matched with cases:
				    * 1 by cases_mark(), 2 by cases_track() */
	uint64_t new_violations;   /* violations no open case knew */
	uint64_t case_open[RULE_COUNT];   /* open cases (cases_track) or
					   * violations an open case knows */
	uint64_t case_opened[RULE_COUNT]; /* opened by the run, or new */
	uint64_t case_closed[RULE_COUNT]; /* closed by the run */
};

/* Start a run of command ("check", ...): every field zeroed, the start
 * times taken and the run id made. */
void run_init(struct run *run, const char *command);

/* Free what the run holds: its sources, the finding store, the duplicate
 * detector, the relationship judge and the web-mail list (each may be
 * NULL).  run->stage and run->master are closed by whoever opened them. */
void run_release(struct run *run);

/* The exit code a run's findings and refusals stand for (SPEC §7): 74 or
 * 65 for a refused input, else 1 for an error, or for a violation no open
 * case knew (once run->cases is set; any violation for an audit or before
 * cases are matched), else 0. */
int run_exit_code(const struct run *run);

/* Whether an input of the run was refused as a whole. */
int run_any_refused(const struct run *run);

/* Classes of an accepted row against the master (SPEC §4). */
enum change_kind { CH_NEW, CH_CHANGED, CH_UNCHANGED, CH_REACTIVATED,
		   CH_RETIRED };

/* Record a finding against a record (rec may be NULL for a file-level
 * finding, with src and line given).  col is a column index or -1; value
 * may be NULL.  Counts it, and marks the record errored for an error (a
 * violation or a warning leaves the record accepted). */
int run_finding(struct run *run, struct source *src, uint64_t line,
		struct record *rec, int col, enum rule rule,
		const char *value, size_t value_len, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));

/* A finding about a key rather than a record in hand (duplicates, the
 * cross-entity rules, audit): src may be NULL (a master row), col is a
 * column index, -1 for none or -2 for the key's columns. */
int run_finding_key(struct run *run, struct source *src, uint64_t line,
		    enum entity entity, const char *key, int col,
		    enum rule rule, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));

/* run_finding_key() with a severity other than the rule table's (the
 * warning MPN_MISSING is for a pending reseller). */
int run_finding_key_as(struct run *run, struct source *src, uint64_t line,
		       enum entity entity, const char *key, int col,
		       enum rule rule, enum severity sev, const char *value,
		       const char *fmt, ...)
	__attribute__((format(printf, 10, 11)));

/* Refuse a source as a whole: its findings and row counts are dropped and
 * the reason is printed and kept; the caller then records the finding that
 * says why, if a rule code covers it. */
void run_refuse(struct run *run, struct source *src, int exit_code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Refuse src for its failed input stream (a read error, a corrupt or
 * truncated gzip stream, over a cap), with the exit code and the message
 * the stream gives (input_exit_code(), in->message). */
void run_refuse_input(struct run *run, struct source *src,
		      const struct input *in);

#endif
