/* report.h -- the reports of a run (SPEC §6).
 *
 * Reports only read the run: its sources, counters and finding store.
 * Each file is written to a temporary name in the report directory and,
 * after a checked fflush(), fsync() and fclose(), kept in the run's report
 * set; the set is renamed into place once the run's outcome is final
 * (after the master's commit), so a reader never sees half a report, and a
 * full disk stops a run before anything is applied.
 *
 * A temporary name is ".NAME.tmp.PID.XXXXXX" beside NAME, XXXXXX random,
 * created with O_EXCL|O_NOFOLLOW: a file or symbolic link planted at a
 * name in advance is never opened.  The temporary files of NAME that a
 * killed run left there (its pid no longer running on this host) are
 * removed when NAME is next written; a running process's are left alone,
 * whatever their age, since it may still be writing them.
 */
#ifndef CSPRECON_REPORT_H
#define CSPRECON_REPORT_H

#include <stdio.h>

#include "csprecon/run.h"

/* A report file being written: fp is open on a temporary name. */
struct report_file {
	FILE *fp;
	char *tmp;   /* temporary path */
	char *path;  /* final path */
};

/* Create the directory (and parents, mode 0755) if needed; 0 or -1. */
int report_mkdir(const char *dir);
/* Create the temporary file for path (see above), mode 0666 less the
 * umask: an open write-only descriptor, with *tmp set to its name (the
 * caller frees it), or -1 with errno set. */
int report_create_temp(const char *path, char **tmp);
/* Open dir/name's temporary file in rf; 0, or -1 with a message. */
int report_open(struct report_file *rf, const char *dir, const char *name);
/* Close and check rf, and keep it in set under its temporary name; 0, or
 * -1 with the reason printed, the temporary file removed and set->code
 * EXIT_IOERR. */
int report_keep(struct report_file *rf, struct report_set *set);
void report_abort(struct report_file *rf);
/* Rename every report of set into place, then empty it; 0, or -1 when one
 * could not be renamed (printed; the others still are). */
int report_set_publish(struct report_set *set);
/* Remove the temporary file of every report of set, then empty it. */
void report_set_abort(struct report_set *set);

/* Write one CSV cell: neutralised ("'" before a leading =, +, -, @, TAB or
 * CR) and quoted through libcsv when it needs quoting. */
void report_csv_cell(FILE *fp, const char *s, int last);

/* Write n cells as one line, each as report_csv_cell() would. */
void report_csv_line(FILE *fp, const char *const *cells, size_t n);

/* Write s as a JSON string, with quotes; invalid UTF-8 becomes U+FFFD. */
void report_json_string(FILE *fp, const char *s);

struct finding;

/* The display name (show.h) of the run's file file_no; "" for none. */
const char *report_file_name(const struct run *run, int file_no);

/* A findings report's line for fd, written to fp; 0, or -1 when fp has
 * failed. */
typedef int (*report_finding_line)(FILE *fp, const struct run *run,
				   const struct finding *fd);

/* dir/name: head (when not NULL), then a line per finding of the run in
 * file and line order, kept in the run's report set; 0 or -1 (printed; a
 * write error sets run->reports.code). */
int report_findings(struct run *run, const char *dir, const char *name,
		    const char *head, report_finding_line line);

/* rejects.csv: every finding in file and line order. */
int report_rejects_csv(struct run *run, const char *dir);
/* findings.jsonl: the findings of rejects.csv, one JSON object a line,
 * line a number or null (report_jsonl.c). */
int report_findings_jsonl(struct run *run, const char *dir);
/* changes.csv: the staged change list of a reconciled run. */
int report_changes_csv(struct run *run, const char *dir);
/* cases.csv: every violation of the run with its case (nothing without a
 * master or before cases are matched); by-reseller.csv: the run's findings
 * by the reseller they concern (report_cases.c). */
int report_cases_csv(struct run *run, const char *dir);
int report_by_reseller_csv(struct run *run, const char *dir);
/* summary.txt, and the same text to out (stdout) once the run is over. */
int report_summary_txt(struct run *run, const char *dir);
void report_summary_print(struct run *run, const char *dir, FILE *out);
int report_summary_json(struct run *run, const char *dir);

/* Print findings on stderr, error-level ones first up to max (warnings only
 * under -v); then say how many were not shown. */
int report_print_findings(struct run *run, long max);

#endif
