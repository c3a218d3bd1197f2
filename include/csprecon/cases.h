/* cases.h -- compliance cases (SPEC §4.1): the master's memory of the
 * violations it has seen.
 *
 * A case is one violation (rule, entity, key) of a current master row: it
 * opens in the first applied run that sees the violation, stays open (its
 * last_seen_run touched) while later applied runs see it, and closes in the
 * first applied run that no longer does (fixed, or its row retired).
 *
 * cases_mark() is for runs that write no case (check, a dry run, audit):
 * each violation among the run's findings is "open" when an open case of
 * the master knows it, else "new".  cases_track() is for an applied run,
 * inside its transaction once its rows are written: the whole master is
 * judged by the violation rules (crossref_audit(), the same judgement as
 * `audit`), in set-based statements over indexed tables, and the cases
 * open, stay open and close.  Both count per rule into the run (case_open,
 * case_opened, case_closed) and set run->cases and run->new_violations,
 * which the exit code reads (SPEC §7).  Return 0 or -1 (printed; a master
 * failure is sticky in m).
 */
#ifndef CSPRECON_CASES_H
#define CSPRECON_CASES_H

#include "csprecon/master.h"
#include "csprecon/run.h"

int cases_mark(struct run *run, struct master *m);

/* run->xopt and run->ledger_id must be set; the judgement's findings are
 * kept in run->judged (for cases.csv and by-reseller.csv). */
int cases_track(struct run *run, struct master *m);

/* The reseller a finding on key of entity e concerns: the key for a
 * reseller, the part after '+' for a relationship; NULL otherwise (a
 * PartnerID may be any reseller's).  Points into key. */
const char *cases_reseller_of(enum entity e, const char *key);

#endif
