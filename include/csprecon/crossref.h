/* crossref.h -- the cross-entity rules of SPEC §3, over batch and master.
 *
 * crossref_begin() runs once every PartnerID and reseller file of the run
 * is read (relationship files are read after them), so the result does not
 * depend on the order of files or rows.  The rules go in dependency order:
 * PartnerIDs, then resellers against the PartnerIDs of the batch and the
 * master together, then relationships against the resellers.  A batch
 * row rejected with an error by one phase is removed from the stage (and
 * kept from retirement) before the next phase runs, so rows that depend on
 * it are judged as if it were absent: against the master's row, or as
 * unknown.  A row with violations and warnings only stays, and its
 * dependants are judged against it (SPEC §3).  In snapshot mode a master
 * row missing from its entity's files counts as absent.
 *
 * With audit set, the subjects are the master's current rows instead of
 * the batch (their contacts too, EMAIL_WEBMAIL, given a web-mail list),
 * and nothing is removed.  A relationship whose reseller is in the master
 * but retired (or, in snapshot mode, absent from tonight's resellers) has
 * RESELLER_NOT_ACTIVE, not RESELLER_UNKNOWN.  Findings go to the run; rows newly
 * rejected are counted in their source.  Returns 0 or -1 (database error,
 * printed).
 */
#ifndef CSPRECON_CROSSREF_H
#define CSPRECON_CROSSREF_H

#include "csprecon/master.h"
#include "csprecon/regions.h"
#include "csprecon/run.h"
#include "csprecon/webmail.h"

struct crossref_options {
	const struct regions *regions;
	const char *const *provider_regions; /* --region, as the table names
					       * them; empty: RESELLER_REGION
					       * is skipped */
	int nprovider;
	int snapshot;   /* a file of an entity replaces the master's rows */
	int audit;      /* judge the master's rows, not the batch */
	const struct webmail_list *webmail; /* an audit judges the master's
					     * contacts by it (EMAIL_WEBMAIL);
					     * NULL: not */
};

struct xjudge;

/* Phases 1 and 2 (PartnerIDs, resellers) over the staged rows, or the
 * master's for an audit; batch rows they reject leave the stage.  Then the
 * judge of phase 3: the surviving resellers, in memory.  0 or -1. */
int crossref_begin(struct run *run, struct master *m,
		   const struct crossref_options *o, struct xjudge **out);

/* Judge one relationship record as it is read (after crossref_begin);
 * 1 when a rule rejects it. */
int crossref_judge(struct run *run, const struct xjudge *xj,
		   const struct record *rec);

/* Judge the relationships not judged as they were read: for a batch, the
 * staged rows of files read before crossref_begin (they leave the stage
 * when rejected); for an audit, the master's.  0 or -1. */
int crossref_end(struct run *run, struct master *m, const struct xjudge *xj,
		 int audit);

/* An audit: every phase over the master's current rows. */
int crossref_audit(struct run *run, struct master *m,
		   const struct crossref_options *o);

void crossref_free(struct xjudge *xj);

#endif
