/* report.h -- the reports of a run (SPEC §6).
 *
 * Reports only read the run: its sources, counters and finding store.
 * Each file is written to a temporary name in the report directory and
 * renamed into place after a checked fclose(), so a reader never sees half
 * a report and a full disk is an error, not a truncated file.
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
int report_open(struct report_file *rf, const char *dir, const char *name);
/* Close, check, rename into place; 0 or -1 (temporary file removed). */
int report_commit(struct report_file *rf);
void report_abort(struct report_file *rf);

/* Write one CSV cell: neutralised ("'" before a leading =, +, -, @, TAB or
 * CR) and quoted through libcsv when it needs quoting. */
void report_csv_cell(FILE *fp, const char *s, int last);

/* Write n cells as one line, each as report_csv_cell() would. */
void report_csv_line(FILE *fp, const char *const *cells, size_t n);

/* Write s as a JSON string, with quotes; invalid UTF-8 becomes U+FFFD. */
void report_json_string(FILE *fp, const char *s);

/* rejects.csv: every finding in file and line order. */
int report_rejects_csv(struct run *run, const char *dir);
/* changes.csv: the staged change list of a reconciled run. */
int report_changes_csv(struct run *run, const char *dir);
/* summary.txt (also to out when out is not NULL) and summary.json. */
int report_summary_txt(struct run *run, const char *dir, FILE *out);
int report_summary_json(struct run *run, const char *dir);

/* Print findings on stderr, error-level ones first up to max (warnings only
 * under -v); then say how many were not shown. */
int report_print_findings(struct run *run, long max);

#endif
