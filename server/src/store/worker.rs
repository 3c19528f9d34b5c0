//! The storage thread. It owns the [`Store`] and runs closures sent to it
//! in order; async callers await the answer. SQLite calls block (an fsync
//! takes a fraction of a millisecond to many), so they must not run on the
//! tokio workers, and one thread gives one writer with no lock contention.

use std::sync::mpsc;

use tokio::sync::oneshot;

use super::{Store, StoreError};

type Job = Box<dyn FnOnce(&mut Store) + Send>;

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
        std::thread::Builder::new()
            .name("banli-store".into())
            .spawn(move || {
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
