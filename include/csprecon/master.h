/* master.h -- the SQLite master database (schemas/master.sql).
 *
 * master_open() opens an existing master, read-only or for writing, and
 * refuses a file that is not a csprecon master; master_create() creates or
 * migrates one (mode 0600).  Writers first take the run lock: an flock on
 * "<master>.lock", a separate file so that no second descriptor is ever
 * opened on the database itself while SQLite has it open (closing one
 * would drop SQLite's locks).
 *
 * A file is identified before anything can write it: its header is read
 * with read(2), then the database is judged on a read-only connection,
 * which reads a write-ahead log beside it but never checkpoints it into
 * the file.  A master whose log turns it into another database is refused
 * and left as it is (65); only an identified master is reopened for
 * writing.  A reader whose master is on read-only storage (a directory it
 * cannot write, so no "-shm" index) reads it as an immutable file, with a
 * warning, unless a log beside it holds changes (74).
 *
 * Every connection has a busy timeout of the lock timeout from its first
 * statement on (a reader waits out a writer's exclusive lock rather than
 * failing); writers run in WAL mode with synchronous=FULL, every
 * connection with foreign_keys=ON.
 *
 * The m_* helpers are sticky (after the first failure they do nothing and
 * return the failure), so a run of statements checks once at the end; the
 * first failure is printed with sqlite3_errmsg().  All values are bound.
 */
#ifndef CSPRECON_MASTER_H
#define CSPRECON_MASTER_H

#include <sqlite3.h>

#define MASTER_APPLICATION_ID 0x43535052 /* 'CSPR' */
#define MASTER_VERSION 2

struct master {
	sqlite3 *db;
	const char *path;  /* not owned */
	int lock_fd;       /* the run lock, or -1 */
	int timeout;       /* busy timeout and lock wait, in seconds */
	int failed;        /* sticky: a statement failed */
	int exit_code;     /* SPEC §7 code for the failure */
};

enum master_access { MASTER_READ, MASTER_WRITE };

/* Open an existing master.  Returns 0, or an exit code (66 missing, 65 not
 * a master, too new, without its tables or with another database's log,
 * 75 locked, 74 database error) with a message printed.  MASTER_WRITE
 * takes the run lock, waiting up to lock_timeout seconds; both wait as
 * long for SQLite's locks. */
int master_open(struct master *m, const char *path, enum master_access a,
		int lock_timeout);

/* Create the master, or migrate an older one; idempotent.  Returns 0 or an
 * exit code (73 cannot create, 65 not a master or not a usable one, 75
 * locked, 74). */
int master_create(struct master *m, const char *path, int lock_timeout);

/* An empty master in memory, for `check` without one: the same schema, so
 * the same queries find no references there.  0 or an exit code. */
int master_scratch(struct master *m);

void master_close(struct master *m);

/* Sticky helpers. */
int m_exec(struct master *m, const char *sql);
sqlite3_stmt *m_prepare(struct master *m, const char *sql);
/* Step a statement to its end (SQLITE_DONE), reset it; 0 or -1. */
int m_step_done(struct master *m, sqlite3_stmt *s);
/* Print the failure of WHAT with SQLite's message (a lock given up on
 * after the timeout as such), set the exit code (75 locked, else 74);
 * returns -1. */
int m_fail(struct master *m, const char *what);

/* Switch the main database's journal mode ("wal", "delete"): 1 when it
 * took, 0 when not (another connection has the master open), -1 when the
 * statement failed (printed). */
int master_journal(struct master *m, const char *mode);

/* Begin an IMMEDIATE transaction, commit, or roll back (only if SQLite has
 * not already rolled back, as it does on SQLITE_FULL). */
int m_begin(struct master *m);
int m_commit(struct master *m);
void m_rollback(struct master *m);

#endif
