//! The storage thread. It owns the [`Store`] and runs closures sent to it
//! in order; async callers await the answer. SQLite calls block (an fsync
//! takes a fraction of a millisecond to many), so they must not run on the
//! tokio workers, and one thread gives one writer with no lock contention.
//!
//! Beside it, a checkpoint thread copies the write-ahead log into the
//! database file on a connection of its own. SQLite's default is to do
//! that inside the commit that fills the log past 1,000 pages, on the
//! storage thread: while issuing at full rate that held every such commit,
//! and so every request waiting for it, 20 to 50 ms, and 140 to 200 ms
//! after a year-long report (whose read kept the log from being copied
//! while it ran) ended (BENCHMARKS.md). A passive checkpoint on another
//! connection runs beside the commits: it never takes the write lock, and
//! copies only what no reader still needs. So the storage thread never
//! checkpoints on its own (`wal_autocheckpoint=0`).
//!
//! One thing only the writer can do: start the log again from its
//! beginning, which SQLite does when a write begins with every frame of
//! the log copied. Commits arrive every millisecond, so a checkpoint on
//! another connection never ends with nothing left to copy. When the
//! checkpoint thread finds the log long and almost all copied, it asks the
//! storage thread (a flag it reads after each job) to checkpoint the last
//! few frames itself, a millisecond or two; the next commit then reuses
//! the log from the start, and the log stays a few megabytes long.
//!
//! Durability is unchanged: each commit still fsyncs the log before it is
//! acknowledged, and a checkpoint fsyncs the database before the log is
//! reused.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::Connection;

use tokio::sync::oneshot;

use super::{Store, StoreError};

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// How often the checkpoint thread runs. At 20,000 tickets a second the
/// log grows by a few tens of megabytes in that time; copying them takes a
/// fraction of it.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// A log at least this long (frames of a page) is worth starting again.
const RESTART_AFTER_FRAMES: i64 = 1000;
/// The storage thread is asked to finish a checkpoint when at most this
/// many frames are left to copy (a megabyte).
const FINISH_AT_FRAMES: i64 = 256;

/// A cheap, cloneable handle to the storage thread.
#[derive(Clone)]
pub struct StoreHandle {
    /// Unbounded on purpose: the engine task's own bounded channel and the
    /// HTTP concurrency limit bound what can be in flight here.
    tx: mpsc::Sender<Job>,
}

impl StoreHandle {
    /// Starts the storage thread with an opened store.
    ///
    /// # Errors
    /// When the thread cannot be spawned.
    pub fn spawn(mut store: Store) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        // Dropped when the storage thread ends: the checkpoint thread then
        // checkpoints once more and ends too.
        let (stopped_tx, stopped_rx) = mpsc::channel::<()>();
        // Set by the checkpoint thread: finish the checkpoint here.
        let finish = Arc::new(AtomicBool::new(false));
        let path = store
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        if let Some(path) = path {
            let asks = Arc::clone(&finish);
            std::thread::Builder::new()
                .name("banli-checkpoint".into())
                .spawn(move || checkpoints(&path, &stopped_rx, &asks))?;
            // If this fails SQLite keeps checkpointing in the commits: the
            // stalls come back, nothing else.
            if let Err(e) = store.conn.pragma_update(None, "wal_autocheckpoint", 0) {
                tracing::warn!(error = %e, "could not leave checkpoints to the checkpoint thread");
            }
        }
        std::thread::Builder::new()
            .name("banli-store".into())
            .spawn(move || {
                let _stopped = stopped_tx;
                // Ends when every handle is dropped, after the last job.
                while let Ok(job) = rx.recv() {
                    job(&mut store);
                    if finish.swap(false, Ordering::Relaxed)
                        && let Err(e) = wal_checkpoint(&store.conn)
                    {
                        tracing::warn!(error = %e, "checkpoint failed; the next one tries again");
                    }
                }
            })?;
        Ok(Self { tx })
    }

    /// Runs `f` on the storage thread and returns its answer.
    ///
    /// # Errors
    /// [`StoreError::Stopped`] when the thread is gone; otherwise what `f` returns.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Box::new(move |store: &mut Store| {
                let _ = reply.send(f(store));
            }))
            .map_err(|_| StoreError::Stopped)?;
        rx.await.map_err(|_| StoreError::Stopped)?
    }

    /// Queues `f` on the storage thread now and returns where its answer
    /// will arrive: unlike [`call`](Self::call), the job is in the queue
    /// before this returns, so jobs submitted one after another run in that
    /// order while the caller goes on (the engine task's pipeline).
    pub fn submit<T, F>(&self, f: F) -> oneshot::Receiver<Result<T, StoreError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        // If the thread is gone, `reply` is dropped with the job and the
        // receiver reports it (as `Stopped`).
        let _ = self.tx.send(Box::new(move |store: &mut Store| {
            let _ = reply.send(f(store));
        }));
        rx
    }
}

/// A passive checkpoint: frames in the log, and frames copied (both -1 when
/// the database is not in WAL mode).
fn wal_checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

/// The checkpoint thread: a passive checkpoint every [`CHECKPOINT_EVERY`]
/// until the storage thread ends, then a last one. Sets `finish` when the
/// storage thread should copy the last frames itself (see the module doc).
fn checkpoints(path: &std::path::Path, stopped: &mpsc::Receiver<()>, finish: &AtomicBool) {
    let conn = match Connection::open(path) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot open the database for checkpoints; the log will grow until restart");
            return;
        }
    };
    // As the storage thread's: the database is fsynced before the log is
    // reused.
    if let Err(e) = conn.pragma_update(None, "synchronous", "FULL") {
        tracing::warn!(error = %e, "could not set synchronous=FULL for checkpoints");
    }
    let checkpoint = || match wal_checkpoint(&conn) {
        Ok((log, copied)) => {
            if log >= RESTART_AFTER_FRAMES && log - copied <= FINISH_AT_FRAMES {
                finish.store(true, Ordering::Relaxed);
            }
        }
        Err(e) => tracing::warn!(error = %e, "checkpoint failed; the next one tries again"),
    };
    loop {
        match stopped.recv_timeout(CHECKPOINT_EVERY) {
            Err(mpsc::RecvTimeoutError::Timeout) => checkpoint(),
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                checkpoint();
                return;
            }
        }
    }
}
