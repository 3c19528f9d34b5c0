//! Read-only SQLite connections for reports, history and account lookups,
//! so that a year-long report or a flood of progress lookups never waits
//! behind the storage thread's group commits (and never delays them).
//!
//! SQLite in WAL mode lets readers run beside the one writer: each read
//! transaction sees the last commit before it began. A small pool of
//! connections (each used by one blocking task at a time) is enough; the
//! semaphore bounds the blocking threads reads can occupy, so a burst of
//! reports queues here instead of starving the rest of the server.
//!
//! Reports run apart, on [`REPORT_THREADS`] threads of their own with a
//! lower CPU priority (nice [`REPORT_NICE`]), each with its own connection
//! ([`Readers::call_report`]). A 366-day report reads every ticket of the
//! year and keeps a core busy for seconds; on the same footing as the
//! threads that issue tickets it took half of a two-core server while the
//! kiosks waited (BENCHMARKS.md, "Issuing under extra load"). At a lower
//! priority it runs at full speed when the hall is quiet and yields to the
//! hall when it is not: a report is batch work, a kiosk has a citizen
//! standing at it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use super::reports::PastRanges;
use super::{Store, StoreError};

/// Threads that run reports.
pub const REPORT_THREADS: usize = 2;
/// Their nice value (0 is normal, 19 the lowest priority): a thread at 10
/// gets about a tenth of the CPU share of a normal one when both want it.
pub const REPORT_NICE: i32 = 10;

type ReportJob = Box<dyn FnOnce(&Store) + Send>;

/// Read-only connections to the database.
pub struct Readers {
    /// Jobs for the report threads (see the module doc).
    reports: Mutex<mpsc::Sender<ReportJob>>,
    /// Idle connections. A connection is taken out while a read runs.
    idle: Mutex<Vec<Store>>,
    /// One permit per connection: at most that many reads at once.
    permits: Semaphore,
    /// The database file, to replace a connection lost to a panic.
    path: PathBuf,
    /// The merged past days of recent reports.
    past: Arc<PastRanges>,
}

impl Readers {
    /// Opens `n` read-only connections to the database at `path`, which
    /// must exist (the writer creates and migrates it first).
    ///
    /// # Errors
    /// When a connection cannot be opened.
    pub fn open(path: &Path, n: usize) -> Result<Self, StoreError> {
        let idle = (0..n.max(1))
            .map(|_| open_readonly(path))
            .collect::<Result<Vec<_>, _>>()?;
        let (tx, rx) = mpsc::channel::<ReportJob>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..REPORT_THREADS {
            let store = open_readonly(path)?;
            let rx = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("banli-report-{i}"))
                .spawn(move || report_thread(&store, &rx))
                .map_err(|e| StoreError::Corrupt(format!("cannot start a report thread: {e}")))?;
        }
        Ok(Self {
            reports: Mutex::new(tx),
            permits: Semaphore::new(idle.len()),
            idle: Mutex::new(idle),
            path: path.to_owned(),
            past: Arc::default(),
        })
    }

    /// Runs `f` on a read-only connection on a blocking thread.
    ///
    /// # Errors
    /// What `f` returns; [`StoreError::Stopped`] if the pool is closed.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Stopped)?;
        let store = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        let store = match store {
            Some(s) => s,
            None => open_readonly(&self.path)?,
        };
        let joined = tokio::task::spawn_blocking(move || {
            let result = f(&store);
            (store, result)
        })
        .await;
        match joined {
            Ok((store, result)) => {
                self.idle
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(store);
                result
            }
            // The read panicked: its connection is gone; the next call
            // opens a new one.
            Err(e) => Err(StoreError::Corrupt(format!("a read failed: {e}"))),
        }
    }
}

impl Readers {
    /// The merged past days of recent reports, for [`Store::report`].
    #[must_use]
    pub fn past_ranges(&self) -> Arc<PastRanges> {
        Arc::clone(&self.past)
    }

    /// Runs `f` (a report) on a report thread, at lower CPU priority.
    ///
    /// # Errors
    /// What `f` returns; [`StoreError::Stopped`] if the report threads are
    /// gone.
    pub async fn call_report<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.reports
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(Box::new(move |store: &Store| {
                let _ = reply.send(f(store));
            }))
            .map_err(|_| StoreError::Stopped)?;
        rx.await.map_err(|_| StoreError::Stopped)?
    }
}

/// A report thread: lowers its own priority, then runs jobs until the
/// [`Readers`] are dropped.
fn report_thread(store: &Store, jobs: &Mutex<mpsc::Receiver<ReportJob>>) {
    let tid = rustix::thread::gettid();
    // On Linux the "process" of setpriority may be a thread id: only this
    // thread is lowered.
    if let Err(e) = rustix::process::setpriority_process(Some(tid), REPORT_NICE) {
        tracing::warn!(error = %e, "could not lower the report thread's priority; reports compete with issuing");
    }
    loop {
        // Holding the lock only while waiting for the next job.
        let job = jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .recv();
        let Ok(job) = job else { return };
        // A report that panics is answered as a failure (its reply is
        // dropped); the thread carries on.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(store)));
    }
}

fn open_readonly(path: &Path) -> Result<Store, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Read-only: `journaled` is never used (nothing is appended here).
    Ok(Store { conn, journaled: 0 })
}
