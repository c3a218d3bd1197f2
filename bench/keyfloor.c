/* keyfloor.c -- the keyed-load floor for `make bench`.
 *
 *   keyfloor sorted|direct DB FILE
 *
 * Loads a relationships CSV (the generator's columns, in its order) into
 * the relationships table of DB, an empty master made by `csprecon init`
 * (WITHOUT ROWID, keyed by (customer_tenant_id, reseller_tenant_id)),
 * with the bookkeeping columns an applied row carries; foreign keys are
 * off, so no run row is written.  One transaction, a rollback journal and
 * synchronous=FULL, as an initial load commits.
 * No validation, no history, no findings, no reports: what libcsv and
 * SQLite alone cost for an initial load done as csprecon does it.
 *
 *   sorted  rows go to a temporary table in file order, then into the
 *           keyed table by one INSERT ... SELECT ... ORDER BY (SQLite's
 *           sorter, two threads): what csprecon does.
 *   direct  rows go straight into the keyed table in file order.
 *
 * Prints the row count, and on stderr the time each step took.  Exit 65
 * when the file is not that CSV (or, direct, repeats a key).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <csv.h>
#include <sqlite3.h>
#include "csprecon/exit.h"

#define NCOLS 10

static const char *const header[NCOLS] = {
	"customer_tenant_id", "customer_name", "customer_domain",
	"customer_country", "reseller_tenant_id", "reseller_mpn_id",
	"relationship_to_partner", "state", "dap", "since"
};

static const char create_stage[] =
	"CREATE TEMP TABLE s (customer_tenant_id, customer_name,"
	" customer_domain, customer_country, reseller_tenant_id,"
	" reseller_mpn_id, relationship_to_partner, state, dap, since)";

#define KEYED_COLUMNS "INSERT INTO relationships(customer_tenant_id," \
	" customer_name, customer_domain, customer_country," \
	" reseller_tenant_id, reseller_mpn_id, relationship_to_partner," \
	" state, dap, since, row_hash, created_run, created_file," \
	" updated_run) "

static const char insert_keyed[] = KEYED_COLUMNS
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, 1, 1)";

static const char insert_stage[] =
	"INSERT INTO s VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

static const char stage_to_keyed[] = KEYED_COLUMNS
	"SELECT customer_tenant_id, customer_name, customer_domain,"
	" customer_country, reseller_tenant_id, reseller_mpn_id,"
	" relationship_to_partner, state, dap, since, rowid, 1, 1, 1 FROM s"
	" ORDER BY customer_tenant_id, reseller_tenant_id";

struct load {
	sqlite3_stmt *ins;
	int direct;
	unsigned long rows;
	int col;
	int bad;
};

static void field(void *s, size_t len, void *data)
{
	struct load *l = data;

	if (l->col >= NCOLS) {
		l->bad = 1;
		return;
	}
	if (l->rows == 0) {
		if (len != strlen(header[l->col]) ||
		    memcmp(s, header[l->col], len))
			l->bad = 1;
	} else if (len == 0 && l->col != 0 && l->col != 4) {
		sqlite3_bind_null(l->ins, l->col + 1);
	} else {
		sqlite3_bind_text(l->ins, l->col + 1, s, (int)len,
				  SQLITE_TRANSIENT);
	}
	l->col++;
}

static void row_end(int c, void *data)
{
	struct load *l = data;

	(void)c;
	if (l->col != NCOLS)
		l->bad = 1;
	else if (l->rows > 0) {
		if (l->direct)
			sqlite3_bind_int64(l->ins, 11, (sqlite3_int64)l->rows);
		if (sqlite3_step(l->ins) != SQLITE_DONE)
			l->bad = 1;
		sqlite3_reset(l->ins);
	}
	l->rows++;
	l->col = 0;
}

static double lap(struct timespec *t0)
{
	struct timespec t;
	double d;

	clock_gettime(CLOCK_MONOTONIC, &t);
	d = (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
	*t0 = t;
	return d;
}

static int fail(sqlite3 *db)
{
	fprintf(stderr, "keyfloor: %s\n", sqlite3_errmsg(db));
	return EXIT_INTERNAL;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	struct csv_parser p;
	struct load l = { 0 };
	struct timespec t0;
	double read, sort;
	sqlite3 *db;
	size_t n;
	FILE *f;

	if (argc != 4 || (strcmp(argv[1], "sorted") && strcmp(argv[1], "direct")))
		return EXIT_USAGE;
	l.direct = !strcmp(argv[1], "direct");
	lap(&t0);
	if (!(f = fopen(argv[3], "rb")))
		return EXIT_NOINPUT;
	if (sqlite3_open(argv[2], &db) != SQLITE_OK)
		return fail(db);
	if (sqlite3_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA"
			 " synchronous=FULL; PRAGMA threads=2", 0, 0, 0) ||
	    (!l.direct && sqlite3_exec(db, create_stage, 0, 0, 0)) ||
	    sqlite3_exec(db, "BEGIN", 0, 0, 0) ||
	    sqlite3_prepare_v2(db, l.direct ? insert_keyed : insert_stage, -1,
			       &l.ins, NULL))
		return fail(db);
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return EXIT_INTERNAL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && !l.bad)
		if (csv_parse(&p, buf, n, field, row_end, &l) != n)
			l.bad = 1;
	if (!l.bad && csv_fini(&p, field, row_end, &l) != 0)
		l.bad = 1;
	csv_free(&p);
	fclose(f);
	sqlite3_finalize(l.ins);
	if (l.bad) {
		fprintf(stderr, "keyfloor: %s: not the generator's "
			"relationships CSV\n", argv[3]);
		sqlite3_close(db);
		return EXIT_REFUSED;
	}
	read = lap(&t0);
	if (!l.direct && sqlite3_exec(db, stage_to_keyed, 0, 0, 0))
		return fail(db);
	sort = lap(&t0);
	if (sqlite3_exec(db, "COMMIT", 0, 0, 0))
		return fail(db);
	sqlite3_close(db);
	fprintf(stderr, "keyfloor %s: read and insert %.2f s, sort and insert"
		" %.2f s, commit %.2f s\n", argv[1], read, sort, lap(&t0));
	printf("%lu\n", l.rows ? l.rows - 1 : 0);
	return 0;
}
