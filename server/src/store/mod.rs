//! Durable storage: one SQLite file in WAL mode with `synchronous=FULL`,
//! so a committed transaction survives kill -9 and power loss.
//!
//! # Layout
//! - `journal`: every engine event, by sequence number. The source of truth.
//! - `snapshots`: the engine state every so many events, so a restart
//!   replays only the tail of the journal; a snapshot written while the
//!   hall runs is kept in `snapshot_parts`, a quarter of a megabyte each.
//! - `tickets`: a read model of every ticket ever issued (reports, progress
//!   of earlier days), updated in the same transaction as the journal.
//!   `UNIQUE(business_day, number)` makes a duplicate number impossible even
//!   if the engine had a bug: the commit would fail and nothing would be
//!   acknowledged.
//! - `staff`, `sessions`, `devices`: accounts and tokens (only hashes).
//! - `audit`: who changed what, when.
//! - `guide_items`: the service guide (办事指南), one JSON document per item.
//! - `cases`, `case_steps`: every case (办件) and its steps ([`cases`]).
//! - `report_days`: each past business day's report figures, summed once
//!   from its tickets ([`reports`]); derived, and safe to delete.
//!
//! Every write goes through one connection owned by one thread
//! ([`worker::StoreHandle`]): SQLite has a single writer anyway, and one
//! thread means group commit is simply "one transaction per batch".
//! Reads that need the database (reports, past tickets, account lookups)
//! use [`readers::Readers`], read-only connections that WAL mode lets run
//! beside the writer, so they never queue behind a commit.

pub mod accounts;
pub mod audit;
pub mod cases;
pub mod feedback;
pub mod guide;
pub mod journal;
pub mod readers;
pub mod reports;
pub mod worker;

use std::path::Path;

use rusqlite::Connection;

/// A storage failure. The server answers 503 and keeps what was committed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused or failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON document (event, snapshot) does not parse.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database was written by a newer Banli.
    #[error(
        "the database has schema version {found}, newer than this server's {supported}; upgrade the server"
    )]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Version this build knows.
        supported: i64,
    },
    /// The storage thread is gone (shutting down).
    #[error("the storage thread has stopped")]
    Stopped,
    /// A batch did not continue the journal (the batch before it was not
    /// committed), so it was not written.
    #[error("events from {first} do not follow the journal's last event {journaled}")]
    OutOfOrder {
        /// The last event journaled.
        journaled: u64,
        /// The first event of the refused batch.
        first: u64,
    },
}

/// The schema, in order. Each entry upgrades from the version before it;
/// `PRAGMA user_version` records how many have been applied.
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE journal (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE snapshots (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    business_day TEXT NOT NULL,
    number TEXT NOT NULL,
    service_id TEXT NOT NULL,
    issued_service_id TEXT NOT NULL,
    class TEXT NOT NULL,
    status TEXT NOT NULL,
    query_code TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at_ms INTEGER NOT NULL,
    estimated_wait_secs INTEGER NOT NULL,
    first_called_at_ms INTEGER,
    called_at_ms INTEGER,
    closed_at_ms INTEGER,
    counter_id INTEGER,
    staff TEXT,
    recalls INTEGER NOT NULL DEFAULT 0,
    transfers INTEGER NOT NULL DEFAULT 0,
    UNIQUE (business_day, number)
);
CREATE INDEX tickets_by_day ON tickets (business_day, service_id);
CREATE TABLE staff (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    counters TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES staff (username) ON DELETE CASCADE,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE TABLE devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER,
    last_seen_ms INTEGER
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
",
    r"
CREATE TABLE guide_items (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    body TEXT NOT NULL
);
ALTER TABLE devices ADD COLUMN status TEXT NOT NULL DEFAULT '';
",
    // Every query by day (reports, day counts) is served by the UNIQUE
    // (business_day, number) index; this one only cost each commit about
    // eight more pages (one per service a batch issues for).
    r"
DROP INDEX IF EXISTS tickets_by_day;
",
    // The audit log becomes a hash chain (store/audit.rs); entries from
    // before are sealed by `migrate` right after this runs
    // (AUDIT_CHAIN_MIGRATION).
    r"
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
",
    // 好差评 (store/feedback.rs): ratings, complaints, follow-ups and their
    // steps; a pad device is bound to a counter.
    r"
CREATE TABLE ratings (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    day TEXT NOT NULL,
    ticket_id INTEGER NOT NULL,
    number TEXT NOT NULL,
    service_id TEXT NOT NULL,
    counter_id INTEGER,
    department_id TEXT,
    staff TEXT,
    level TEXT NOT NULL,
    reasons TEXT NOT NULL,
    text TEXT NOT NULL,
    channel TEXT NOT NULL,
    follow_up_id INTEGER,
    void INTEGER NOT NULL DEFAULT 0,
    UNIQUE (ticket_id, service_id)
);
CREATE INDEX ratings_by_day ON ratings (day);
CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    day TEXT NOT NULL,
    category TEXT NOT NULL,
    text TEXT NOT NULL,
    phone TEXT,
    counter_id INTEGER,
    department_id TEXT,
    channel TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    source_kind TEXT NOT NULL,
    source_id INTEGER NOT NULL,
    department_id TEXT,
    counter_id INTEGER,
    opened_on TEXT NOT NULL,
    close_due TEXT NOT NULL,
    closed_on TEXT,
    body TEXT NOT NULL
);
CREATE INDEX follow_ups_open ON follow_ups (closed_on);
CREATE TABLE follow_up_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    follow_up_id INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX follow_up_steps_by_follow_up ON follow_up_steps (follow_up_id);
ALTER TABLE devices ADD COLUMN counter_id INTEGER;
",
    // Cases (办件): store/cases.rs.
    cases::MIGRATION,
    // 好差评 for transferred tickets: each service a ticket left by a
    // transfer, so that service too can be rated (store/feedback.rs).
    feedback::VISITS_MIGRATION,
    // The clerk's staff number (工号, store/accounts.rs): optional, unique
    // across accounts ignoring ASCII case (the index refuses a duplicate
    // even if the check before the write were skipped).
    r"
ALTER TABLE staff ADD COLUMN staff_no TEXT;
CREATE UNIQUE INDEX staff_by_staff_no ON staff (staff_no COLLATE NOCASE) WHERE staff_no IS NOT NULL;
",
    // Each past business day's report figures, summed once from its
    // tickets (store/reports.rs): a year-long report reads these, not
    // every ticket of the year. Derived data: deleting rows only makes
    // the next report sum those days again.
    r"
CREATE TABLE report_days (
    business_day TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    version INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (business_day, time_zone)
);
",
    // Snapshots written in parts (store/journal.rs): a snapshot of many
    // megabytes in one transaction held every commit behind it.
    r"
CREATE TABLE snapshot_parts (
    seq INTEGER NOT NULL,
    part INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (seq, part)
);
ALTER TABLE snapshots ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
",
];

/// The schema version this build writes: how many [`MIGRATIONS`] there
/// are (`PRAGMA user_version` of an up-to-date database).
#[must_use]
pub fn schema_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// The index in [`MIGRATIONS`] of the one that adds the audit chain.
const AUDIT_CHAIN_MIGRATION: usize = 3;

/// The database.
pub struct Store {
    /// The one connection; see the module docs for why there is only one.
    conn: Connection,
    /// Sequence number of the last event journaled (or in a snapshot):
    /// the next batch must start right after it.
    journaled: u64,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema
    /// up to date.
    ///
    /// # Errors
    /// When the file cannot be opened or is from a newer Banli.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: fsync the WAL at every commit. NORMAL would be faster and
        // lose the last transactions on power loss, which the durability
        // contract forbids.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mut store = Self { conn, journaled: 0 };
        store.migrate()?;
        store.journaled = store.last_seq()?.max(store.latest_snapshot_seq()?);
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        let supported = MIGRATIONS.len() as i64;
        if version > supported {
            return Err(StoreError::TooNew {
                found: version,
                supported,
            });
        }
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            // Only while upgrading: a later start must not seal an entry
            // whose seal was removed (verify reports it).
            if i == AUDIT_CHAIN_MIGRATION {
                audit::seal_unsealed(&tx)?;
            }
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Records an administrative action.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn audit(
        &self,
        at_ms: i64,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        audit::append(&self.conn, at_ms, actor, action, target, detail)
    }

    /// The latest audit entries, newest first, before id `before` if given.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn audit_log(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
            AuditEntry::COLUMNS
        ))?;
        let rows = stmt.query_map(
            rusqlite::params![before.unwrap_or(i64::MAX), limit],
            AuditEntry::from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl AuditEntry {
    /// The columns [`AuditEntry::from_row`] reads, in its order.
    pub const COLUMNS: &'static str = "id, at_ms, actor, action, target, detail, prev_hash, hash";

    /// An entry from a row of [`AuditEntry::COLUMNS`].
    ///
    /// # Errors
    /// When a column does not convert.
    pub fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            at_ms: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            target: r.get(4)?,
            detail: r.get(5)?,
            prev_hash: r.get(6)?,
            hash: r.get(7)?,
        })
    }
}

impl Store {
    /// A demand profile from the recorded days that match `filter` (the
    /// hall simulator's, `sim::history`).
    ///
    /// # Errors
    /// As [`crate::sim::history::profile_from_history`].
    pub fn recorded_profile(
        &self,
        hall: &banli_core::config::HallConfig,
        filter: &crate::sim::history::DayFilter,
    ) -> Result<
        (crate::sim::Profile, crate::sim::history::HistorySummary),
        crate::sim::history::HistoryError,
    > {
        crate::sim::history::profile_from_history(&self.conn, hall, filter)
    }
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Increasing id; page with `before`.
    pub id: i64,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// What kind of change.
    pub action: String,
    /// What it was done to.
    pub target: String,
    /// Details (JSON or a sentence).
    pub detail: String,
    /// The hash of the entry before (the chain, see `store::audit`).
    pub prev_hash: Option<String>,
    /// This entry's hash: SHA-256 over `prev_hash` and the fields above.
    pub hash: Option<String>,
}
