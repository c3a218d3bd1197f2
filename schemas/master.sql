-- master.sql -- the csprecon master database, version 2.
--
-- One SQLite file holds the current state of each entity, the run ledger,
-- the change history and the findings of every recorded run.  csprecon
-- creates it with `csprecon init` (mode 0600, WAL journal) and identifies
-- it by PRAGMA application_id = 0x43535052 ('CSPR') and user_version = 2.
-- Read it with the sqlite3 shell, for example:
--   sqlite3 csprecon.db "SELECT * FROM resellers WHERE retired_run IS NULL"
--   sqlite3 csprecon.db "SELECT * FROM changes WHERE key = '...' ORDER BY run"
--
-- Conventions: keys and values are stored normalised (GUIDs lower case,
-- countries ISO alpha-2, booleans 'yes'/'no', enum words in lower case);
-- an empty optional value is NULL.  A row is never deleted: one missing
-- from a snapshot gets retired_run, and reappearing clears it
-- (reactivation).  created_run / updated_run / retired_run name runs.id.
-- row_hash is a 64-bit hash of the row's values, so that a nightly run
-- finds unchanged rows without comparing every column.

-- One row per recorded run.
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  run_id      TEXT NOT NULL UNIQUE,   -- the id printed in reports
  started     TEXT NOT NULL,          -- ISO 8601 UTC
  finished    TEXT,
  command     TEXT NOT NULL,          -- the command line
  mode        TEXT,                   -- 'snapshot', 'delta', or NULL
  applied     INTEGER NOT NULL DEFAULT 0,  -- 1 when its changes committed
  exit_code   INTEGER
);

-- One row per input file of a run.
CREATE TABLE run_files (
  run            INTEGER NOT NULL REFERENCES runs(id),
  file_no        INTEGER NOT NULL,    -- position on the command line, from 0
  path           TEXT NOT NULL,
  size           INTEGER NOT NULL,    -- bytes as read (compressed if gzip)
  sha256         TEXT,
  format         TEXT,                -- 'csv', 'xml', 'csv.gz', 'xml.gz'
  entity         TEXT,
  rows_read      INTEGER NOT NULL,
  rows_accepted  INTEGER NOT NULL,
  rows_rejected  INTEGER NOT NULL,
  PRIMARY KEY (run, file_no)
);

CREATE TABLE resellers (
  tenant_id     TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  country       TEXT NOT NULL,
  mpn_id        TEXT,
  contact_name  TEXT,
  contact_email TEXT NOT NULL,
  relationship  TEXT NOT NULL,        -- active, pending, terminated
  mpa_signed    TEXT NOT NULL,        -- yes, no
  admin_access  TEXT NOT NULL,        -- yes, no
  domains       TEXT,                 -- ';'-separated
  row_hash      INTEGER NOT NULL,
  created_run   INTEGER NOT NULL REFERENCES runs(id),
  created_file  INTEGER,              -- run_files.file_no it came from
  updated_run   INTEGER NOT NULL REFERENCES runs(id),
  retired_run   INTEGER REFERENCES runs(id)
) WITHOUT ROWID;

CREATE TABLE mpn_ids (
  mpn_id        TEXT PRIMARY KEY,
  type          TEXT NOT NULL,        -- location, global
  country       TEXT NOT NULL,
  name          TEXT,
  global_mpn_id TEXT,
  status        TEXT NOT NULL,        -- active, inactive
  row_hash      INTEGER NOT NULL,
  created_run   INTEGER NOT NULL REFERENCES runs(id),
  created_file  INTEGER,              -- run_files.file_no it came from
  updated_run   INTEGER NOT NULL REFERENCES runs(id),
  retired_run   INTEGER REFERENCES runs(id)
) WITHOUT ROWID;

CREATE TABLE relationships (
  customer_tenant_id      TEXT NOT NULL,
  reseller_tenant_id      TEXT NOT NULL,
  customer_name           TEXT NOT NULL,
  customer_domain         TEXT,
  customer_country        TEXT NOT NULL,
  reseller_mpn_id         TEXT,
  relationship_to_partner TEXT NOT NULL,  -- reseller, advisor, none
  state                   TEXT NOT NULL,  -- active, terminated
  dap                     TEXT NOT NULL,  -- yes, no
  since                   TEXT,
  row_hash                INTEGER NOT NULL,
  created_run             INTEGER NOT NULL REFERENCES runs(id),
  created_file            INTEGER,    -- run_files.file_no it came from
  updated_run             INTEGER NOT NULL REFERENCES runs(id),
  retired_run             INTEGER REFERENCES runs(id),
  PRIMARY KEY (customer_tenant_id, reseller_tenant_id)
) WITHOUT ROWID;

-- Field-level history.  A new row is recorded by its created_run (an
-- initial load does not repeat every value here); changed rows have one
-- line per changed field, retired and reactivated rows one line each.
-- key is the tenant id, the PartnerID, or customer+reseller tenant ids.
CREATE TABLE changes (
  run     INTEGER NOT NULL REFERENCES runs(id),
  entity  TEXT NOT NULL,
  key     TEXT NOT NULL,
  change  TEXT NOT NULL,              -- changed, retired, reactivated
  field   TEXT,
  old     TEXT,
  new     TEXT,
  file    TEXT                        -- the input file the row came from
);
CREATE INDEX changes_key ON changes(key, run);

-- The findings of each recorded run, as in its rejects.csv.
CREATE TABLE findings (
  run      INTEGER NOT NULL REFERENCES runs(id),
  file     TEXT,
  line     INTEGER,
  entity   TEXT,
  key      TEXT,
  field    TEXT,
  rule     TEXT NOT NULL,
  severity TEXT NOT NULL,
  message  TEXT,
  value    TEXT
);
CREATE INDEX findings_run ON findings(run);

-- Version 2.  `csprecon init` brings a version-1 master here by running
-- what follows this line, in one transaction with its user_version.

-- 1 when --force applied the run (or, in a recorded dry run, would have)
-- past a safety valve that tripped (SPEC §4); a run a valve refused has
-- applied = 0 and exit_code 65.
ALTER TABLE runs ADD COLUMN forced INTEGER NOT NULL DEFAULT 0;

-- One compliance case per violation seen (SPEC §4.1): opened by the run
-- that first saw it, last_seen_run touched by every applied run that sees
-- it again, closed by the first applied run that no longer does (fixed, or
-- its row retired).  A violation that holds again after closing opens a
-- new case.  rule is a violation's code, entity and key those of the row
-- (customer+reseller tenant ids for a relationship), reseller_tenant_id
-- the reseller it concerns; field, value and message as when it opened.
CREATE TABLE cases (
  id                 INTEGER PRIMARY KEY,
  rule               TEXT NOT NULL,
  entity             TEXT NOT NULL,
  key                TEXT NOT NULL,
  reseller_tenant_id TEXT,
  field              TEXT,
  value              TEXT,
  message            TEXT,
  opened_run         INTEGER NOT NULL REFERENCES runs(id),
  last_seen_run      INTEGER NOT NULL REFERENCES runs(id),
  closed_run         INTEGER REFERENCES runs(id)
);
-- At most one open case per violation, found by its rule and row.
CREATE UNIQUE INDEX cases_open ON cases(rule, entity, key)
  WHERE closed_run IS NULL;
CREATE INDEX cases_opened ON cases(opened_run);
CREATE INDEX cases_closed ON cases(closed_run);
CREATE INDEX cases_reseller ON cases(reseller_tenant_id);

-- MPN_CLAIMED_TWICE over the whole master: the resellers of a PartnerID.
CREATE INDEX resellers_mpn ON resellers(mpn_id);
