//! Operations on a hall's data directory from the command line, for the
//! hall's IT staff: `banli-server backup FILE`, `restore FILE`, `export
//! --day DATE` (and `check-config`, `audit`, in `main.rs`).
//!
//! # Decisions
//! - **Backup is `VACUUM INTO` on a read-only connection**, not SQLite's
//!   page-by-page online backup API. `VACUUM INTO` reads the whole
//!   database in one read transaction, so the copy is exactly the state
//!   of one commit even while the server keeps committing tickets (WAL
//!   mode lets the reader and the writer run side by side: the hall is
//!   not paused). The backup API, stepped in pieces, restarts whenever
//!   another connection writes, which in a busy hall is every few
//!   milliseconds; in one step it is the same single read transaction as
//!   `VACUUM INTO` with an extra crate feature. `VACUUM INTO` also
//!   writes a compact file without the WAL, and refuses to write over an
//!   existing file. The copy is written beside the target as
//!   `FILE.partial`, synced, checked (`PRAGMA integrity_check`) and only
//!   then renamed to `FILE`: a backup that exists is complete.
//! - **One server per data directory**: the serving binary holds an
//!   exclusive lock on `DATA/banli.lock` ([`DataLock`]) for as long as it
//!   runs. `restore` takes the same lock, so it cannot replace the
//!   database under a running server; backup, export and audit only read
//!   and need no lock.
//! - **Restore never deletes data**: the file is checked first
//!   (SQLite integrity, a Banli schema no newer than this build, the
//!   audit chain, the journal replaying into an engine) on a copy in the
//!   data directory; a hall that already has a database is replaced only
//!   with `--replace`, and its old database is kept beside it as
//!   `banli.db.before-restore-<time>`. The restored file gets the data
//!   directory's owner, so a restore run as root leaves a database the
//!   service's user can write.
//! - **Exports leave out the query code** (the citizen's secret for the
//!   progress page) and neutralise spreadsheet formulas, as the admin
//!   console's CSV reports do.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension as _};

use crate::store::{self, Store};

/// The database file's name in a data directory.
pub const DB_FILE: &str = "banli.db";
/// The lock file's name in a data directory.
pub const LOCK_FILE: &str = "banli.lock";

/// An exclusive lock on a data directory, held while a server serves it
/// or a restore replaces its database. Released when dropped (or when the
/// process dies: the kernel drops the lock, so a crash leaves no stale
/// lock to clean up after a power cut).
#[derive(Debug)]
pub struct DataLock {
    /// The open lock file; the lock lives as long as it is open.
    _file: File,
}

impl DataLock {
    /// Takes the lock of `data`, creating the directory and lock file if
    /// needed.
    ///
    /// # Errors
    /// When another process holds it (a server is running on `data`), or
    /// the directory cannot be written.
    pub fn acquire(data: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data)
            .with_context(|| format!("cannot create the data directory {}", data.display()))?;
        let path = data.join(LOCK_FILE);
        let file = match File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
        {
            Ok(f) => Ok(f),
            // Made by another user (a restore run as root): a lock needs
            // only a read-only descriptor.
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => File::open(&path),
            Err(e) => Err(e),
        }
        .with_context(|| format!("cannot open {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another banli-server is using {} (stop it first, e.g. `systemctl stop banli-server`)",
                data.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
    }
}

/// What a database file holds, as checked by [`check_database`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSummary {
    /// `PRAGMA user_version`: how many migrations it has.
    pub schema: i64,
    /// Tickets of every day.
    pub tickets: u64,
    /// Audit log entries.
    pub audit_entries: u64,
    /// Journal events.
    pub events: u64,
    /// Staff accounts.
    pub staff: u64,
    /// The latest business day with tickets, if any.
    pub last_day: Option<String>,
}

impl std::fmt::Display for DatabaseSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "schema {}, {} tickets (last day {}), {} journal events, {} staff accounts, {} audit entries",
            self.schema,
            self.tickets,
            self.last_day.as_deref().unwrap_or("none"),
            self.events,
            self.staff,
            self.audit_entries
        )
    }
}

fn open_read_only(path: &Path) -> anyhow::Result<Connection> {
    if !path.is_file() {
        bail!("{} does not exist or is not a file", path.display());
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

fn count(conn: &Connection, table: &str) -> anyhow::Result<u64> {
    let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Checks that `path` is a whole Banli database this build can open:
/// SQLite's integrity check, a schema version from 1 to this build's, the
/// tables Banli reads, and the audit log's hash chain.
///
/// # Errors
/// Naming what is wrong with the file.
pub fn check_database(path: &Path) -> anyhow::Result<DatabaseSummary> {
    let conn = open_read_only(path)?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .with_context(|| format!("{} is not an SQLite database", path.display()))?;
    if integrity != "ok" {
        bail!(
            "{} is damaged (SQLite integrity check: {integrity})",
            path.display()
        );
    }
    let schema: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = store::schema_version();
    if schema < 1 {
        bail!("{} is not a Banli database (no schema)", path.display());
    }
    if schema > supported {
        bail!(
            "{} has schema version {schema}, newer than this banli-server's {supported}; restore it with the newer banli-server",
            path.display()
        );
    }
    for table in ["journal", "snapshots", "tickets", "staff", "audit"] {
        let found: Option<String> = conn
            .query_row(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .optional()?;
        if found.is_none() {
            bail!(
                "{} is not a Banli database (no table {table})",
                path.display()
            );
        }
    }
    // The chain exists from schema 4 on; older files are sealed when
    // they are migrated.
    if schema >= 4 {
        let v = store::audit::verify(&conn)?;
        if let Some(b) = v.broken {
            bail!(
                "{}: the audit log is broken at entry {}: {} / 审计日志第 {} 条：{}",
                path.display(),
                b.id,
                b.why,
                b.id,
                b.why_zh
            );
        }
    }
    let last_day: Option<String> =
        conn.query_row("SELECT MAX(business_day) FROM tickets", [], |r| r.get(0))?;
    Ok(DatabaseSummary {
        schema,
        tickets: count(&conn, "tickets")?,
        audit_entries: count(&conn, "audit")?,
        events: count(&conn, "journal")?,
        staff: count(&conn, "staff")?,
        last_day,
    })
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Writes a consistent copy of the database in `data` to `out`, while a
/// server may be serving it, and checks the copy.
///
/// # Errors
/// When `out` exists, the database cannot be read, or the copy does not
/// check.
pub fn backup(data: &Path, out: &Path) -> anyhow::Result<DatabaseSummary> {
    if out.exists() {
        bail!(
            "{} already exists; name a new file (a backup never overwrites)",
            out.display()
        );
    }
    let db = data.join(DB_FILE);
    let conn = open_read_only(&db)?;
    let partial = with_suffix(out, ".partial");
    // A partial file left by an interrupted backup is ours to replace.
    match std::fs::remove_file(&partial) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot remove {}", partial.display())),
    }
    let target = partial
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", partial.display()))?;
    conn.execute("VACUUM INTO ?1", [target])
        .with_context(|| format!("cannot copy {} to {}", db.display(), partial.display()))?;
    drop(conn);
    File::open(&partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", partial.display()))?;
    let summary = match check_database(&partial) {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.context("the copy does not check; no backup written"));
        }
    };
    std::fs::rename(&partial, out)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), out.display()))?;
    sync_dir(&parent_of(out))?;
    Ok(summary)
}

/// What [`restore`] did.
#[derive(Debug)]
pub struct Restored {
    /// What the restored database holds.
    pub summary: DatabaseSummary,
    /// Where the database it replaced was kept, if there was one.
    pub kept: Option<PathBuf>,
}

/// Replaces the database in `data` by the backup `file`, after checking
/// it. Refuses while a server runs on `data`, and when `data` already has
/// a database unless `replace` (which keeps the old one beside it).
///
/// # Errors
/// When the backup does not check or replay, a server holds the data
/// directory, or there is a database and `replace` is false.
pub fn restore(data: &Path, file: &Path, replace: bool, now: &str) -> anyhow::Result<Restored> {
    // Check before touching anything.
    check_database(file)?;
    let _lock = DataLock::acquire(data)?;
    let db = data.join(DB_FILE);
    if db.exists() && !replace {
        bail!(
            "{} already has a hall database; to replace it by the backup, run again with --replace (the current database is kept as {}.before-restore-<time>)",
            data.display(),
            DB_FILE
        );
    }
    // Copy into the data directory, then prove the copy opens and replays
    // with this build (migrating it forward) before it takes the place of
    // anything.
    let staging = data.join(format!("{DB_FILE}.restoring"));
    for p in [
        staging.clone(),
        with_suffix(&staging, "-wal"),
        with_suffix(&staging, "-shm"),
    ] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", p.display())),
        }
    }
    std::fs::copy(file, &staging)
        .with_context(|| format!("cannot copy {} to {}", file.display(), staging.display()))?;
    let replayed = (|| -> anyhow::Result<()> {
        let store = Store::open(&staging)?;
        store.load_engine()?;
        drop(store);
        // Fold the WAL back into the file so that one file is moved.
        let conn = Connection::open(&staging)?;
        let _: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        Ok(())
    })();
    if let Err(e) = replayed {
        let _ = std::fs::remove_file(&staging);
        return Err(e.context(format!(
            "{} does not open with this banli-server; nothing was changed",
            file.display()
        )));
    }
    File::open(&staging)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", staging.display()))?;
    let summary = check_database(&staging)?;
    let kept = if db.exists() {
        let kept = data.join(format!("{DB_FILE}.before-restore-{now}"));
        for (from, to) in [
            (db.clone(), kept.clone()),
            (with_suffix(&db, "-wal"), with_suffix(&kept, "-wal")),
            (with_suffix(&db, "-shm"), with_suffix(&kept, "-shm")),
        ] {
            if from.exists() {
                std::fs::rename(&from, &to).with_context(|| {
                    format!("cannot move {} to {}", from.display(), to.display())
                })?;
            }
        }
        Some(kept)
    } else {
        None
    };
    // Run as root (`sudo banli-server restore`), the copy would be root's
    // and the service's user could not write it: give it the data
    // directory's owner.
    {
        use std::os::unix::fs::MetadataExt as _;
        let dir =
            std::fs::metadata(data).with_context(|| format!("cannot read {}", data.display()))?;
        let file = std::fs::metadata(&staging)
            .with_context(|| format!("cannot read {}", staging.display()))?;
        if (file.uid(), file.gid()) != (dir.uid(), dir.gid()) {
            std::os::unix::fs::chown(&staging, Some(dir.uid()), Some(dir.gid())).with_context(
                || {
                    format!(
                        "cannot give {} to the owner of {}; run restore as that user",
                        staging.display(),
                        data.display()
                    )
                },
            )?;
        }
    }
    std::fs::rename(&staging, &db)
        .with_context(|| format!("cannot move {} to {}", staging.display(), db.display()))?;
    sync_dir(data)?;
    Ok(Restored { summary, kept })
}

/// One ticket of a day's export: the read model, without the query code.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportedTicket {
    /// Ticket id (the progress page's).
    pub id: i64,
    /// Business day, `YYYY-MM-DD`.
    pub business_day: String,
    /// The number called, e.g. `A023`.
    pub number: String,
    /// Service it is (last) queued for.
    pub service_id: String,
    /// Service it was issued for (differs after a transfer).
    pub issued_service_id: String,
    /// Priority class.
    pub class: String,
    /// Last status.
    pub status: String,
    /// Kiosk, counter or staff member that issued it.
    pub issued_by: String,
    /// Issued, RFC 3339 in the server's time zone.
    pub issued_at: String,
    /// Estimated wait given on the ticket, in seconds.
    pub estimated_wait_secs: i64,
    /// First called, RFC 3339.
    pub first_called_at: Option<String>,
    /// Closed (finished, no-show, cancelled), RFC 3339.
    pub closed_at: Option<String>,
    /// Seconds from issue to first call.
    pub wait_secs: Option<i64>,
    /// Counter that served it last.
    pub counter_id: Option<i64>,
    /// Staff member who served it last.
    pub staff: Option<String>,
    /// Times recalled.
    pub recalls: i64,
    /// Times transferred.
    pub transfers: i64,
}

fn rfc3339(ms: i64, tz: &banli_core::jiff::tz::TimeZone) -> String {
    banli_core::jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(tz.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
}

/// The tickets of business day `day` (`YYYY-MM-DD`), in issue order.
///
/// # Errors
/// When `day` is not a date or the database cannot be read.
pub fn day_tickets(data: &Path, day: &str) -> anyhow::Result<Vec<ExportedTicket>> {
    let date: banli_core::jiff::civil::Date = day.parse().map_err(|_| {
        anyhow::anyhow!("{day:?} is not a date like 2026-11-24 / 日期格式应为 2026-11-24")
    })?;
    let day = date.to_string();
    let conn = open_read_only(&data.join(DB_FILE))?;
    let tz = banli_core::jiff::tz::TimeZone::system();
    let mut stmt = conn.prepare(
        "SELECT id, business_day, number, service_id, issued_service_id, class, status,
                issued_by, issued_at_ms, estimated_wait_secs, first_called_at_ms,
                closed_at_ms, counter_id, staff, recalls, transfers
         FROM tickets WHERE business_day = ?1 ORDER BY issued_at_ms, id",
    )?;
    let rows = stmt.query_map([&day], |r| {
        let issued: i64 = r.get(8)?;
        let first: Option<i64> = r.get(10)?;
        let closed: Option<i64> = r.get(11)?;
        Ok(ExportedTicket {
            id: r.get(0)?,
            business_day: r.get(1)?,
            number: r.get(2)?,
            service_id: r.get(3)?,
            issued_service_id: r.get(4)?,
            class: r.get(5)?,
            status: r.get(6)?,
            issued_by: r.get(7)?,
            issued_at: rfc3339(issued, &tz),
            estimated_wait_secs: r.get(9)?,
            first_called_at: first.map(|ms| rfc3339(ms, &tz)),
            closed_at: closed.map(|ms| rfc3339(ms, &tz)),
            wait_secs: first.map(|f| (f - issued) / 1000),
            counter_id: r.get(12)?,
            staff: r.get(13)?,
            recalls: r.get(14)?,
            transfers: r.get(15)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Writes `tickets` as CSV (header first; formulas neutralised).
///
/// # Errors
/// When writing fails.
pub fn write_csv(tickets: &[ExportedTicket], out: impl Write) -> anyhow::Result<()> {
    use crate::api::reports::neutralise as n;
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "id",
        "business_day",
        "number",
        "service_id",
        "issued_service_id",
        "class",
        "status",
        "issued_by",
        "issued_at",
        "estimated_wait_secs",
        "first_called_at",
        "closed_at",
        "wait_secs",
        "counter_id",
        "staff",
        "recalls",
        "transfers",
    ])?;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for t in tickets {
        w.write_record([
            t.id.to_string(),
            n(&t.business_day),
            n(&t.number),
            n(&t.service_id),
            n(&t.issued_service_id),
            n(&t.class),
            n(&t.status),
            n(&t.issued_by),
            t.issued_at.clone(),
            t.estimated_wait_secs.to_string(),
            opt(&t.first_called_at),
            opt(&t.closed_at),
            num(t.wait_secs),
            num(t.counter_id),
            n(&opt(&t.staff)),
            t.recalls.to_string(),
            t.transfers.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
