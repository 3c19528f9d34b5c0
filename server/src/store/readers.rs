//! Read-only SQLite connections for reports, history and account lookups,
//! so that a year-long report or a flood of progress lookups never waits
//! behind the storage thread's group commits (and never delays them).
//!
//! SQLite in WAL mode lets readers run beside the one writer: each read
//! transaction sees the last commit before it began. A small pool of
//! connections (each used by one blocking task at a time) is enough; the
//! semaphore bounds the blocking threads reads can occupy, so a burst of
//! reports queues here instead of starving the rest of the server.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use super::{Store, StoreError};

/// Read-only connections to the database.
pub struct Readers {
    /// Idle connections. A connection is taken out while a read runs.
    idle: Mutex<Vec<Store>>,
    /// One permit per connection: at most that many reads at once.
    permits: Semaphore,
    /// The database file, to replace a connection lost to a panic.
    path: PathBuf,
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
        Ok(Self {
            permits: Semaphore::new(idle.len()),
            idle: Mutex::new(idle),
            path: path.to_owned(),
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

fn open_readonly(path: &Path) -> Result<Store, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(Store { conn })
}
