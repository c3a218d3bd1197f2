/* master.c -- opening, creating and locking the master.  See master.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csprecon/exit.h"
#include "csprecon/master.h"
#include "csprecon/util.h"
#include "csprecon/banned.h"

extern const char csprecon_master_sql[];

/* The line of schemas/master.sql after which come the tables version 2
 * added: what `init` runs on a version-1 master. */
#define MASTER_SQL_V2 "\n-- Version 2."

#ifdef SQLITE_BUSY_TIMEOUT
#define BUSY_TIMEOUT SQLITE_BUSY_TIMEOUT
#else
#define BUSY_TIMEOUT (SQLITE_BUSY | (3 << 8))
#endif

/* SQLite's file header (https://sqlite.org/fileformat.html#the_database_header). */
#define HEADER_SIZE 100
#define HEADER_USER_VERSION 60
#define HEADER_APPLICATION_ID 68
static const char sqlite_magic[16] = "SQLite format 3";

int m_fail(struct master *m, const char *what)
{
	int rc = m->db ? sqlite3_extended_errcode(m->db) : SQLITE_ERROR;

	if (m->failed)
		return -1;
	m->failed = 1;
	m->exit_code = (rc & 0xff) == SQLITE_BUSY ||
		       (rc & 0xff) == SQLITE_LOCKED ? EXIT_LOCKED : EXIT_IOERR;
	/* Plain SQLITE_BUSY (SQLITE_BUSY_TIMEOUT in newer SQLite) is what
	 * the busy timeout gives up with; the other kinds come at once. */
	if (rc == SQLITE_BUSY || rc == BUSY_TIMEOUT)
		error("master '%s' is locked by another connection; gave up "
		      "after %d s (--lock-timeout)", m->path, m->timeout);
	else
		error("master '%s': %s: %s", m->path, what,
		      m->db ? sqlite3_errmsg(m->db) : "not open");
	return -1;
}

int m_exec(struct master *m, const char *sql)
{
	if (m->failed)
		return -1;
	if (sqlite3_exec(m->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return m_fail(m, "statement failed");
	return 0;
}

sqlite3_stmt *m_prepare(struct master *m, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (m->failed)
		return NULL;
	if (sqlite3_prepare_v2(m->db, sql, -1, &s, NULL) != SQLITE_OK) {
		m_fail(m, "prepare");
		return NULL;
	}
	return s;
}

int m_step_done(struct master *m, sqlite3_stmt *s)
{
	int rc;

	if (m->failed || !s)
		return -1;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return m_fail(m, "write");
	return 0;
}

int m_begin(struct master *m)
{
	return m_exec(m, "BEGIN IMMEDIATE");
}

int m_commit(struct master *m)
{
	if (m->failed)
		return -1;
	if (sqlite3_exec(m->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return m_fail(m, "commit");
	return 0;
}

void m_rollback(struct master *m)
{
	/* After SQLITE_FULL, IOERR or NOMEM SQLite may already have rolled
	 * back: an explicit ROLLBACK would then fail. */
	if (m->db && !sqlite3_get_autocommit(m->db))
		sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
}

static int take_lock(struct master *m, int timeout)
{
	struct strbuf path;
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	long waited_ms = 0;

	strbuf_init_capped(&path, 8192);
	if (strbuf_addf(&path, "%s.lock", m->path) < 0) {
		strbuf_release(&path);
		error("master path too long '%s'", m->path);
		return EXIT_CANTCREATE;
	}
	m->lock_fd = open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (m->lock_fd < 0) {
		error("cannot create lock file '%s': %s", path.buf,
		      strerror(errno));
		strbuf_release(&path);
		return EXIT_CANTCREATE;
	}
	strbuf_release(&path);
	while (flock(m->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			error("cannot lock master '%s': %s", m->path,
			      strerror(errno));
			return EXIT_IOERR;
		}
		if (waited_ms >= (long)timeout * 1000) {
			error("master '%s' is locked by another run; gave up "
			      "after %d s (--lock-timeout)", m->path, timeout);
			return EXIT_LOCKED;
		}
		nanosleep(&nap, NULL);
		waited_ms += 50;
	}
	return 0;
}

static int pragma_int(struct master *m, const char *sql, int *out)
{
	sqlite3_stmt *s = m_prepare(m, sql);

	if (!s)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return m_fail(m, "read header");
	}
	*out = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

int master_journal(struct master *m, const char *mode)
{
	char sql[48];
	sqlite3_stmt *s;
	int ok;

	snprintf(sql, sizeof(sql), "PRAGMA main.journal_mode=%s", mode);
	if (!(s = m_prepare(m, sql)))
		return -1;
	ok = sqlite3_step(s) == SQLITE_ROW &&
	     !strcmp((const char *)sqlite3_column_text(s, 0), mode);
	sqlite3_finalize(s);
	return ok;
}

/* Connection settings every open needs; checks that WAL really took. */
static int configure(struct master *m, int writable)
{
	int ok;

	if (m_exec(m, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;"
			  " PRAGMA threads=2") < 0)
		return -1;
	if (!writable)
		return 0;
	if ((ok = master_journal(m, "wal")) < 0)
		return -1;
	if (!ok) {
		error("master '%s': cannot switch to WAL journal", m->path);
		m->failed = 1;
		m->exit_code = EXIT_IOERR;
		return -1;
	}
	return 0;
}

/* What the database file itself says, read with read(2) before SQLite
 * opens it: SQLite would read a write-ahead log beside it into its view of
 * the file.  No SQLite connection is open yet, so closing this descriptor
 * drops no SQLite lock. */
struct file_header {
	enum { FILE_EMPTY, FILE_NOT_SQLITE, FILE_SQLITE } kind;
	uint32_t app;     /* application_id */
	uint32_t version; /* user_version */
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int read_header(struct master *m, struct file_header *h)
{
	unsigned char b[HEADER_SIZE];
	size_t got = 0;
	ssize_t n = 0;
	struct stat st;
	/* O_NONBLOCK: a FIFO given as the master must not hang the run. */
	int fd = open(m->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		error("cannot open master '%s': %s", m->path, strerror(errno));
		return EXIT_NOINPUT;
	}
	memset(h, 0, sizeof(*h));
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		h->kind = FILE_NOT_SQLITE;
		return 0;
	}
	while (got < sizeof(b) &&
	       ((n = read(fd, b + got, sizeof(b) - got)) > 0 ||
		(n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	if (n < 0) {
		error("cannot read master '%s': %s", m->path, strerror(errno));
		close(fd);
		return EXIT_IOERR;
	}
	close(fd);
	if (got == 0) {
		h->kind = FILE_EMPTY;
	} else if (got < sizeof(b) ||
		   memcmp(b, sqlite_magic, sizeof(sqlite_magic))) {
		h->kind = FILE_NOT_SQLITE;
	} else {
		h->kind = FILE_SQLITE;
		h->app = be32(b + HEADER_APPLICATION_ID);
		h->version = be32(b + HEADER_USER_VERSION);
	}
	return 0;
}

static int not_sqlite(struct master *m)
{
	error("'%s' is not a csprecon master (not an SQLite database)",
	      m->path);
	return EXIT_REFUSED;
}

/* The size of the master's -wal file, 0 when there is none. */
static off_t wal_size(const struct master *m)
{
	struct strbuf wal;
	struct stat st;
	off_t size;

	strbuf_init(&wal);
	strbuf_addf(&wal, "%s-wal", m->path);
	size = stat(wal.buf, &st) == 0 ? st.st_size : 0;
	strbuf_release(&wal);
	return size;
}

static int foreign_log(struct master *m)
{
	error("master '%s': '%s-wal' is the write-ahead log of another "
	      "database; nothing was changed (move it away)", m->path,
	      m->path);
	return EXIT_REFUSED;
}

/* Whether table name is one version 2 added (created after the version-2
 * line of the schema), which a version-1 master has yet to get. */
static int added_in_v2(const char *name)
{
	const char *v2 = strstr(csprecon_master_sql, MASTER_SQL_V2);
	char create[160];

	snprintf(create, sizeof(create), "CREATE TABLE %s ", name);
	return v2 && strstr(v2, create);
}

/* 0 when the master has every table of the schema its version has (a
 * version-1 master: all but those version 2 added), else an exit code: 65
 * with the first one missing named.  The schema's own tables are read from
 * a scratch master, so this list is never a second copy of
 * schemas/master.sql. */
static int check_tables(struct master *m, int version)
{
	struct master ref;
	sqlite3_stmt *want = NULL, *have = NULL;
	int rc = SQLITE_ROW, code;

	if ((code = master_scratch(&ref)))
		goto out;
	if (!(have = m_prepare(m, "SELECT 1 FROM main.sqlite_schema WHERE"
			       " type = 'table' AND name = ?1"))) {
		code = m->exit_code;
		goto out;
	}
	if (sqlite3_prepare_v2(ref.db, "SELECT name FROM sqlite_schema WHERE"
			       " type = 'table' ORDER BY rowid", -1, &want,
			       NULL) != SQLITE_OK) {
		error("cannot read the master schema: %s",
		      sqlite3_errmsg(ref.db));
		code = EXIT_INTERNAL;
		goto out;
	}
	while (rc == SQLITE_ROW && sqlite3_step(want) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(want, 0);

		if (version < MASTER_VERSION && name && added_in_v2(name))
			continue;
		sqlite3_bind_text(have, 1, name, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(have);
		sqlite3_reset(have);
	}
	if (rc == SQLITE_DONE) {
		error("'%s' has csprecon's application id but not its tables "
		      "(no table '%s'); not a usable csprecon master", m->path,
		      (const char *)sqlite3_column_text(want, 0));
		code = EXIT_REFUSED;
	} else if (rc != SQLITE_ROW) {
		m_fail(m, "read schema");
		code = m->exit_code;
	}
out:
	sqlite3_finalize(want);
	sqlite3_finalize(have);
	master_close(&ref);
	return code;
}

/* Judge the database through the open connection (whose first read
 * returned rc), against what its file says (h): 0 when it is a csprecon
 * master (or empty when allowed), with *version set. */
static int identify(struct master *m, const struct file_header *h, int rc,
		    int allow_empty, int *version)
{
	int app = 0, tables = 0, ours = h->kind == FILE_SQLITE &&
					h->app == MASTER_APPLICATION_ID;

	if (rc == SQLITE_NOTADB)
		return ours ? foreign_log(m) : not_sqlite(m);
	if (rc != SQLITE_OK)
		return m_fail(m, "read header"), m->exit_code;
	if (pragma_int(m, "PRAGMA application_id", &app) < 0 ||
	    pragma_int(m, "PRAGMA user_version", version) < 0 ||
	    pragma_int(m, "SELECT count(*) FROM sqlite_schema", &tables) < 0)
		return m->exit_code ? m->exit_code : EXIT_IOERR;
	/* A log can hold a new master (an init that stopped before its
	 * checkpoint), never turn a master into another database. */
	if (ours && app != MASTER_APPLICATION_ID)
		return foreign_log(m);
	if (app == 0 && *version == 0 && tables == 0) {
		if (allow_empty)
			return 0;
		error("'%s' is an empty database, not a csprecon master; "
		      "create one with 'csprecon init'", m->path);
		return EXIT_REFUSED;
	}
	if (app != MASTER_APPLICATION_ID) {
		error("'%s' is not a csprecon master", m->path);
		return EXIT_REFUSED;
	}
	if (*version > MASTER_VERSION) {
		error("master '%s' has version %d; this csprecon knows up to "
		      "%d", m->path, *version, MASTER_VERSION);
		return EXIT_REFUSED;
	}
	return *version ? check_tables(m, *version) : 0;
}

/* Open a connection to name (a path, or a URI with SQLITE_OPEN_URI),
 * waiting up to the timeout for a lock from its first statement on.  It
 * does not checkpoint on close: only reopen_writable() turns that on, for
 * an identified master.  0, or an exit code with a message: EXIT_IOERR
 * for a read or write error of the file, else fail_code. */
static int connect_db(struct master *m, const char *name, int flags,
		      int fail_code)
{
	if (sqlite3_open_v2(name, &m->db, flags, NULL) != SQLITE_OK) {
		int io = (sqlite3_extended_errcode(m->db) & 0xff) ==
			 SQLITE_IOERR;

		error("cannot open master '%s': %s", m->path,
		      sqlite3_errmsg(m->db));
		return io ? EXIT_IOERR : fail_code;
	}
	sqlite3_busy_timeout(m->db, m->timeout * 1000);
	sqlite3_db_config(m->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	return 0;
}

/* "file:" URI of the path, for immutable=1: '%', '?', '#' and every byte
 * outside printable ASCII percent-encoded.  Caller frees. */
static char *file_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf sb;
	const unsigned char *p;

	strbuf_init(&sb);
	strbuf_addstr(&sb, path[0] == '/' ? "file://" : "file:");
	for (p = (const unsigned char *)path; *p; p++) {
		char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };

		if (*p <= ' ' || *p >= 0x7f || strchr("%?#", *p))
			strbuf_add(&sb, e, 3);
		else
			strbuf_add(&sb, p, 1);
	}
	strbuf_addstr(&sb, "?immutable=1");
	return sb.buf;
}

/* 1 when the directory that holds the master cannot be written: SQLite
 * cannot create the "-shm" index a WAL reader needs there. */
static int dir_read_only(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int ro;

	if (!slash)
		return access(".", W_OK) < 0;
	dir = xmemdup0(path, slash == path ? 1 : (size_t)(slash - path));
	ro = access(dir, W_OK) < 0;
	free(dir);
	return ro;
}

/* The master on read-only storage (its first read failed with rc): read
 * it as an immutable file, which needs no -shm, when it has no log that
 * only a -shm could make readable.  0 with the new connection's first read
 * in *rc, or an exit code. */
static int open_immutable(struct master *m, int *rc)
{
	char *uri;
	int code;

	if (wal_size(m) > 0) {
		error("master '%s' is on read-only storage with a write-ahead "
		      "log that cannot be read without creating '%s-shm'",
		      m->path, m->path);
		return EXIT_IOERR;
	}
	sqlite3_close(m->db);
	m->db = NULL;
	uri = file_uri(m->path);
	code = connect_db(m, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, EXIT_NOINPUT);
	free(uri);
	if (code)
		return code;
	warning("master '%s' is on read-only storage; it is read as an "
		"immutable file", m->path);
	*rc = sqlite3_exec(m->db, "SELECT count(*) FROM sqlite_schema", NULL,
			   NULL, NULL);
	return 0;
}

/* Identify the file as a master (or an empty database, allow_empty) on a
 * read-only connection, which is left open.  The header is read first,
 * without SQLite; a read-only connection never checkpoints, so a log that
 * is not the master's own is found out without being written into it. */
static int open_identified(struct master *m, int allow_empty,
			   int read_only_media, int *version)
{
	struct file_header h;
	int code, rc;

	if ((code = read_header(m, &h)))
		return code;
	if (h.kind == FILE_NOT_SQLITE)
		return not_sqlite(m);
	if ((code = connect_db(m, m->path, SQLITE_OPEN_READONLY, EXIT_NOINPUT)))
		return code;
	rc = sqlite3_exec(m->db, "SELECT count(*) FROM sqlite_schema", NULL,
			  NULL, NULL);
	/* SQLite says CANTOPEN or READONLY (by the kernel's errno) when it
	 * cannot make the -shm. */
	if (((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY) &&
	    read_only_media && dir_read_only(m->path) &&
	    (code = open_immutable(m, &rc)))
		return code;
	return identify(m, &h, rc, allow_empty, version);
}

/* A -wal left beside the master (a crash, or a reader still open) is
 * checkpointed into it by the read-write connection.  Identification only
 * sees a log that changes page 1; one of another database's pages would
 * corrupt the master, so a log with frames is first read through, by
 * integrity_check (quick_check does not compare a table's rows with its
 * indexes, and a foreign leaf can pass it), on the read-only connection.
 * That costs a read of the master, only when a run finds a log: after a
 * crash, or beside a reader still open.  0, or EXIT_REFUSED with a
 * message. */
static int check_log(struct master *m)
{
	sqlite3_stmt *s = NULL;
	char result[200] = "";

	/* Past its 32-byte header a log holds frames. */
	if (wal_size(m) <= 32)
		return 0;
	if (sqlite3_prepare_v2(m->db, "PRAGMA integrity_check(1)", -1, &s,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(result, sizeof(result), "%s",
			 (const char *)sqlite3_column_text(s, 0));
	else
		snprintf(result, sizeof(result), "%s", sqlite3_errmsg(m->db));
	sqlite3_finalize(s);
	if (!strcmp(result, "ok"))
		return 0;
	error("master '%s': with '%s-wal' it does not pass integrity_check (%s); "
	      "nothing was changed (move the -wal away if it is another "
	      "database's)", m->path, m->path, result);
	return EXIT_REFUSED;
}

/* Replace the identifying connection by a read-write one in WAL mode,
 * which checkpoints its log on close. */
static int reopen_writable(struct master *m, int fail_code)
{
	int code;

	if ((code = check_log(m)))
		return code;
	sqlite3_close(m->db);
	m->db = NULL;
	if ((code = connect_db(m, m->path, SQLITE_OPEN_READWRITE, fail_code)))
		return code;
	sqlite3_db_config(m->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);
	return configure(m, 1) < 0 ? m->exit_code : 0;
}

static void reset(struct master *m, const char *path, int timeout)
{
	memset(m, 0, sizeof(*m));
	m->path = path;
	m->lock_fd = -1;
	m->timeout = timeout;
}

int master_open(struct master *m, const char *path, enum master_access a,
		int lock_timeout)
{
	int code, version = 0;

	reset(m, path, lock_timeout);
	if (access(path, F_OK) < 0) {
		error("master '%s' does not exist; create it with 'csprecon "
		      "init'", path);
		return EXIT_NOINPUT;
	}
	if (a == MASTER_WRITE && (code = take_lock(m, lock_timeout)))
		return code;
	if ((code = open_identified(m, 0, a == MASTER_READ, &version)))
		return code;
	if (version < MASTER_VERSION) {
		error("master '%s' has version %d; run 'csprecon init' to "
		      "migrate it", path, version);
		return EXIT_REFUSED;
	}
	if (a == MASTER_WRITE)
		return reopen_writable(m, EXIT_IOERR);
	return configure(m, 0) < 0 ? m->exit_code : 0;
}

int master_create(struct master *m, const char *path, int lock_timeout)
{
	char stamp[96];
	int fd, code, version = 0;

	reset(m, path, lock_timeout);
	if ((code = take_lock(m, lock_timeout)))
		return code;
	/* Create the file ourselves so that it is born with mode 0600. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		error("cannot create master '%s': %s", path, strerror(errno));
		return EXIT_CANTCREATE;
	}
	close(fd);
	if ((code = open_identified(m, 1, 0, &version)) ||
	    (code = reopen_writable(m, EXIT_CANTCREATE)))
		return code;
	if (version == MASTER_VERSION)
		return 0;
	/* Version 0: a new file, given the whole schema.  Version 1: the
	 * part of the schema after its version-2 line (the cases), in the
	 * same transaction as the user_version it reaches. */
	snprintf(stamp, sizeof(stamp), "PRAGMA application_id = %ld;"
		 " PRAGMA user_version = %d", (long)MASTER_APPLICATION_ID,
		 MASTER_VERSION);
	m_begin(m);
	if (version == 0) {
		m_exec(m, csprecon_master_sql);
	} else {
		const char *v2 = strstr(csprecon_master_sql, MASTER_SQL_V2);

		if (!v2) {
			error("the master schema has no version-2 part");
			m_rollback(m);
			return EXIT_INTERNAL;
		}
		m_exec(m, v2);
	}
	m_exec(m, stamp);
	if (m_commit(m) < 0) {
		m_rollback(m);
		return EXIT_CANTCREATE;
	}
	return 0;
}

int master_scratch(struct master *m)
{
	reset(m, ":memory:", 0);
	if (sqlite3_open_v2(":memory:", &m->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		error("cannot open an in-memory database");
		return EXIT_INTERNAL;
	}
	if (m_exec(m, csprecon_master_sql) < 0)
		return EXIT_INTERNAL;
	return 0;
}

void master_close(struct master *m)
{
	if (m->db)
		sqlite3_close(m->db);
	m->db = NULL;
	if (m->lock_fd >= 0)
		close(m->lock_fd);
	m->lock_fd = -1;
}
