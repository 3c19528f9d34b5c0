//! The storage thread. It owns the [`Store`] and runs closures sent to it
//! in order; async callers await the answer. SQLite calls block (an fsync
//! takes a fraction of a millisecond to many), so they must not run on the
//! tokio workers, and one thread gives one writer with no lock contention.
//!
//! Beside it, a checkpoint thread copies the write-ahead log into the
//! database file on a connection of its own. SQLite's default is to do
//! that inside the commit that fills the log past 1,000 pages, on the
//! storage thread: while issuing at full rate that held every such commit,
//! and so every request waiting for it, 20 to 40 ms (BENCHMARKS.md). A
//! passive checkpoint on another connection runs beside the commits: it
//! never takes the write lock, and copies only what no reader still needs.
//! Durability is unchanged: each commit still fsyncs the log before it is
//! acknowledged, and the checkpoint fsyncs the database before the log is
//! reused.

use std::path::PathBuf;
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
        let path = store
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        if let Some(path) = path {
            std::thread::Builder::new()
                .name("banli-checkpoint".into())
                .spawn(move || checkpoints(&path, &stopped_rx))?;
        }
        std::thread::Builder::new()
            .name("banli-store".into())
            .spawn(move || {
                let _stopped = stopped_tx;
                // Ends when every handle is dropped, after the last job.
                while let Ok(job) = rx.recv() {
                    job(&mut store);
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
}

/// The checkpoint thread: a passive checkpoint every [`CHECKPOINT_EVERY`]
/// until the storage thread ends, then a last one.
fn checkpoints(path: &std::path::Path, stopped: &mpsc::Receiver<()>) {
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
    let checkpoint = || {
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "checkpoint failed; the next one tries again");
        }
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
