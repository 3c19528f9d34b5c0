//! The engine task: the single writer of the hall, and the committed view
//! every read is served from.
//!
//! # Writes
//! One tokio task owns the writer's [`Engine`]. Handlers send it
//! [`Command`] values (not closures: the writer's behaviour is the
//! engine's, and every job can be counted and traced by kind) over a
//! bounded channel and await a oneshot reply. The task takes every job
//! waiting (up to [`MAX_BATCH`]), decides them in order, numbers the events
//! they record, and queues the whole batch on the storage thread to be
//! committed to SQLite in **one transaction** (group commit). Only after
//! the commit does it publish the events to the [`HallView`], reply, and
//! broadcast.
//!
//! **Pipelined**: the moment batch N's commit returns, the task decides
//! batch N+1 from every job that arrived while the disk worked and queues
//! it on the storage thread, and only then publishes and answers batch N.
//! So the disk waits only for the decisions (a fraction of a millisecond),
//! not for publishing, answering and broadcasting, and each batch holds
//! everything that came during the commit before it. Batches are settled
//! strictly in order. The writer's engine is then at most one batch ahead
//! of the journal, the view never: the view, the replies and the broadcast
//! follow each commit, and snapshots are taken only with nothing in flight.
//!
//! # Failure
//! - **A batch that cannot be committed** (a full disk, an I/O error, a
//!   read-model constraint) is not dropped whole: the writer goes back to
//!   the committed state (a copy of the view's engine, which is exactly
//!   what the journal holds) and decides and commits the batch's commands
//!   one at a time. The next batch is decided only after a commit
//!   succeeds, so none is ever queued behind a failed one; should one be
//!   anyway, the journal's order check ([`crate::store::Store::append`]
//!   accepts only the batch that continues it) refuses it rather than
//!   leave a gap, and its commands are decided again one by one after those
//!   of the failed batch. A command whose own commit fails is refused with a clear error
//!   ([`CommandError::Storage`]); the others are recorded. No command is
//!   retried more than that once, so nothing loops, and the view is never
//!   ahead of the journal.
//! - **A command that panics the engine** (a bug: the engine's contract is
//!   that every state a request can reach is a [`Rejection`]) is caught,
//!   refused with [`CommandError::Fault`], logged with its kind, and the
//!   writer is restored from the committed state the same way. The hall
//!   goes on.
//! - **If the task itself ends** anyway, [`Health`] says so, `/health`
//!   answers 503, and [`crate::Server::serve`] returns an error so that the
//!   process exits and its supervisor (systemd's `Restart=always`) starts
//!   it again from the journal within seconds.
//!
//! # Reads
//! Reads never wait for a commit or for the writer: the [`HallView`] is a
//! second engine that applies each batch's events after they are
//! committed (applying is cheap; every decision is in the event), behind a
//! read-write lock that the writer holds only while it applies a batch.
//! Handlers read services, counters, tickets and snapshots from it
//! directly; reports and history come from read-only SQLite connections
//! ([`crate::store::readers`]).

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use banli_core::engine::{Command, Engine, Event, Outcome, Rejection};
use banli_core::jiff::Timestamp;
use banli_core::wire::{HallEvent, HallSnapshot, StreamMessage};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::StoreError;
use crate::store::journal::SnapshotParts;
use crate::store::worker::StoreHandle;

/// Most jobs in one batch. Large enough to amortise an fsync over many
/// tickets, small enough that one batch's latency stays a few milliseconds.
pub const MAX_BATCH: usize = 512;
/// Jobs that may wait for the engine. A full channel makes handlers wait,
/// which with the HTTP concurrency limit is the backpressure.
pub const CHANNEL_CAPACITY: usize = 4096;
/// A committed event as a stream message, serialized once for every
/// subscriber: in full for staff, and lean for devices (no staff names;
/// the same bytes when the event names nobody).
#[derive(Debug, Clone)]
pub struct EventText {
    /// For staff consoles.
    pub full: Utf8Bytes,
    /// For kiosks and boards.
    pub lean: Utf8Bytes,
}

impl EventText {
    /// The text for a subscriber that is staff or not.
    pub fn for_staff(&self, staff: bool) -> &Utf8Bytes {
        if staff { &self.full } else { &self.lean }
    }
}

/// A snapshot is written after at least this many events, and after at
/// least twice as many events as the state holds tickets and retry keys:
/// writing one costs time in proportion to the state, replaying costs time
/// in proportion to the events since, so this keeps both bounded and the
/// cost amortised to a constant per event.
pub const SNAPSHOT_EVERY: u64 = 20_000;
/// Events buffered per subscriber before a slow one lags and resyncs.
pub const BROADCAST_CAPACITY: usize = 4096;
/// A batch that takes longer than this (decided, committed, published) is
/// logged with where the time went: every request in it waited that long,
/// and the target is no stall above 50 ms.
const SLOW_BATCH: Duration = Duration::from_millis(50);
/// After a roll-over (or other timed change) could not be committed, wait
/// this long before trying again, so a full disk does not spin the task.
const TIMEOUT_RETRY: Duration = Duration::from_secs(1);

/// Why a command was not recorded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CommandError {
    /// The engine refused it (the normal "not allowed" answers).
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// It was decided but could not be committed.
    #[error("the command could not be recorded: {0}")]
    Storage(StorageFailure),
    /// The engine failed on it (a bug); nothing was recorded.
    #[error("the hall engine failed on this request")]
    Fault,
    /// The engine task is not running (shutting down, or stopped).
    #[error("the hall engine is not running")]
    Stopped,
}

/// What kind of storage failure stopped a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFailure {
    /// The disk (or the database's size limit) is full.
    Full,
    /// Any other failure of the database.
    Failed,
}

impl std::fmt::Display for StorageFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Full => "the disk is full",
            Self::Failed => "the database failed",
        })
    }
}

impl StorageFailure {
    fn of(e: &StoreError) -> Self {
        match e {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DiskFull =>
            {
                Self::Full
            }
            _ => Self::Failed,
        }
    }
}

/// The engine is not answering: it stopped, or the request was not
/// recorded for a reason the caller does not distinguish.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the hall engine is unavailable (storage failure or shutdown)")]
pub struct EngineUnavailable;

/// What a command achieved, once it is durable.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    /// The engine's answer.
    pub outcome: Outcome,
    /// When it was decided (the batch's time).
    pub at: Timestamp,
}

/// The committed state of the hall, for readers.
pub struct Published {
    /// An engine holding exactly what the journal holds.
    pub engine: Engine,
    /// Sequence number of the last event applied.
    pub seq: u64,
}

/// The committed view: a read-write lock around [`Published`]. The writer
/// holds the write lock only while it applies a committed batch (a few
/// microseconds per event); readers hold the read lock only while they
/// build their answer. `std`'s lock is right here: no holder ever awaits.
#[derive(Clone)]
pub struct HallView(Arc<RwLock<Published>>);

impl HallView {
    fn new(engine: Engine, seq: u64) -> Self {
        Self(Arc::new(RwLock::new(Published { engine, seq })))
    }

    /// Runs `f` on the committed engine and its sequence number.
    pub fn read<T>(&self, f: impl FnOnce(&Engine, u64) -> T) -> T {
        // A panic while holding the lock poisons it; the data is still the
        // committed state (apply never leaves it half-done in a way a
        // reader could not show), so read on.
        let guard = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&guard.engine, guard.seq)
    }

    /// A snapshot of the hall at `now`, with the sequence number of its
    /// last event.
    pub fn snapshot(&self, now: Timestamp) -> HallSnapshot {
        self.read(|engine, seq| engine.snapshot(seq, now))
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Published> {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Whether the hall can work: what `/health` reports.
#[derive(Debug)]
pub struct Health {
    /// The engine task is running.
    pub engine_running: AtomicBool,
    /// The last commit succeeded (false while the disk is full, say).
    pub storage_ok: AtomicBool,
    /// Commands refused because their commit failed, since start.
    pub commit_failures: AtomicU64,
}

impl Default for Health {
    fn default() -> Self {
        Self {
            engine_running: AtomicBool::new(true),
            storage_ok: AtomicBool::new(true),
            commit_failures: AtomicU64::new(0),
        }
    }
}

// Ticks are rare; boxing every command would cost an allocation per request.
#[allow(clippy::large_enum_variant)]
enum Job {
    /// A command, answered once it is committed.
    Command {
        command: Command,
        reply: oneshot::Sender<Result<Committed, CommandError>>,
    },
    /// Do what is due now (a missed roll-over), answered once committed.
    Tick { reply: oneshot::Sender<()> },
}

/// A handle to the engine task and the committed view.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Job>,
    view: HallView,
    health: Arc<Health>,
}

impl EngineHandle {
    /// Decides `command` in the next batch and answers once it is durably
    /// committed and visible in the [`view`](Self::view).
    ///
    /// # Errors
    /// The engine's [`Rejection`], or why the command was not recorded.
    pub async fn command(&self, command: Command) -> Result<Committed, CommandError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Command { command, reply })
            .await
            .map_err(|_| CommandError::Stopped)?;
        rx.await.map_err(|_| CommandError::Stopped)?
    }

    /// Does what is due now (the roll-over of a server that slept through
    /// it) and answers once it is committed.
    ///
    /// # Errors
    /// [`EngineUnavailable`] when the engine stopped.
    pub async fn tick(&self) -> Result<(), EngineUnavailable> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Tick { reply })
            .await
            .map_err(|_| EngineUnavailable)?;
        rx.await.map_err(|_| EngineUnavailable)
    }

    /// The committed view of the hall.
    pub fn view(&self) -> &HallView {
        &self.view
    }

    /// Whether the engine and its storage are working.
    pub fn health(&self) -> &Health {
        &self.health
    }
}

/// Everything the engine task needs.
pub struct EngineTask {
    /// The engine, as loaded from the database.
    pub engine: Engine,
    /// Sequence number of the last journaled event.
    pub seq: u64,
    /// Events journaled since the newest snapshot: a server restarted
    /// often (a crash loop, say) must still write snapshots, or every
    /// restart replays more.
    pub since_snapshot: u64,
    /// Storage thread.
    pub store: StoreHandle,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// Where committed public events go, serialized once for all subscribers.
    pub events: broadcast::Sender<(u64, EventText)>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Stops the task (after the jobs already received).
    pub shutdown: CancellationToken,
}

/// A recorded event in the form subscribers see, decided with the writer's
/// state when it was recorded. It is serialized only once committed, and
/// only if someone subscribes: off the disk's critical path (the next batch
/// is already being written), and not at all in a hall with no screens.
struct PublicEvent {
    seq: u64,
    full: HallEvent,
    /// Without staff names, when the full form names someone.
    lean: Option<HallEvent>,
}

impl PublicEvent {
    /// The stream message, carrying the server's time of the batch (boards
    /// judge an announcement's age by it, not by their own clocks).
    fn text(self, now: Timestamp) -> Result<EventText, serde_json::Error> {
        let seq = self.seq;
        let text = |event: HallEvent| {
            serde_json::to_string(&StreamMessage::Event {
                seq,
                server_time: now,
                event,
            })
            .map(Utf8Bytes::from)
        };
        match self.lean {
            None => text(self.full).map(|t| EventText {
                lean: t.clone(),
                full: t,
            }),
            Some(lean) => Ok(EventText {
                full: text(self.full)?,
                lean: text(lean)?,
            }),
        }
    }
}

/// One command of a batch, with what deciding it produced.
struct Decided {
    command: Command,
    reply: oneshot::Sender<Result<Committed, CommandError>>,
    result: Result<Outcome, CommandError>,
}

/// A batch decided and queued for commit, not yet answered.
struct InFlight {
    /// The batch's time.
    now: Timestamp,
    /// When deciding it began.
    started: Instant,
    /// How long deciding it took.
    decide: Duration,
    decided: Vec<Decided>,
    ticks: Vec<oneshot::Sender<()>>,
    events: Arc<Vec<(u64, Event)>>,
    public: Vec<PublicEvent>,
    /// Where the commit answers (with the time SQLite took); `None` when
    /// the batch recorded nothing or faulted.
    commit: Option<oneshot::Receiver<Result<Duration, StoreError>>>,
    /// A command made the engine panic: nothing was queued, and the
    /// writer's state is not to be trusted until restored.
    fault: bool,
}

/// `jobs` and every job waiting after them, up to [`MAX_BATCH`].
fn take_waiting(rx: &mut mpsc::Receiver<Job>, mut jobs: Vec<Job>) -> Vec<Job> {
    while jobs.len() < MAX_BATCH {
        let Ok(job) = rx.try_recv() else { break };
        jobs.push(job);
    }
    jobs
}

/// What woke the run loop.
enum Wake {
    /// The oldest batch's commit answered.
    Committed(Result<Duration, StoreError>),
    /// A job arrived.
    Job(Job),
    /// Something is due (a roll-over).
    Timeout,
    /// Shutdown, or every handle is gone.
    Stop,
}

/// The answer of a batch's commit: at once when it had nothing to commit,
/// never when there is no batch.
async fn answer(
    commit: Option<&mut Option<oneshot::Receiver<Result<Duration, StoreError>>>>,
) -> Result<Duration, StoreError> {
    match commit {
        None => std::future::pending().await,
        Some(None) => Ok(Duration::ZERO),
        // Polled to the end only once: the batch is settled right after.
        Some(Some(rx)) => rx.await.unwrap_or(Err(StoreError::Stopped)),
    }
}

/// The running task's state.
struct Writer {
    engine: Engine,
    seq: u64,
    view: HallView,
    health: Arc<Health>,
    store: StoreHandle,
    clock: Arc<dyn Clock>,
    events: broadcast::Sender<(u64, EventText)>,
    metrics: Arc<Metrics>,
    since_snapshot: u64,
    /// Not before this instant is a failed timed change tried again.
    retry_timeout_after: Option<Instant>,
    /// What the last failed commit ran into.
    last_failure: StorageFailure,
    /// The view could not apply a committed event (a bug) and must be
    /// copied from the writer.
    view_stale: bool,
    /// Emptied job and decision lists, used again by the next batches. A
    /// fresh list each batch was allocated on one worker thread and freed
    /// on another, so the allocator kept handing out fresh pages: their
    /// page faults were 2 to 5 % of the server's processor while issuing
    /// at full rate (BENCHMARKS.md, "Durable issuing against the in-memory
    /// ceiling").
    spare_jobs: Vec<Vec<Job>>,
    spare_decided: Vec<Vec<Decided>>,
    /// The same for the lists of public events: a fresh one each batch
    /// was the largest single cost left of the kind, the kernel zeroing
    /// fresh pages for it (6 % of the server's processor with no storage,
    /// BENCHMARKS.md, "The durable floor").
    spare_public: Vec<Vec<PublicEvent>>,
    /// The snapshot being written in parts, if one is.
    snapshot_writing: Option<tokio::task::JoinHandle<()>>,
}

/// At most this many emptied lists of each kind are kept (two batches are
/// in flight at most, and a few more cover the slow path).
const SPARE_LISTS: usize = 4;

/// Empties `list` and keeps it in `spares` for a later batch (unless
/// enough are kept, or it never held anything).
fn keep_spare<T>(spares: &mut Vec<Vec<T>>, mut list: Vec<T>) {
    list.clear();
    if spares.len() < SPARE_LISTS && list.capacity() > 0 {
        spares.push(list);
    }
}

impl EngineTask {
    /// Starts the task and returns its handle and join handle.
    pub fn spawn(self) -> (EngineHandle, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let view = HallView::new(self.engine.clone(), self.seq);
        let health = Arc::new(Health::default());
        let writer = Writer {
            engine: self.engine,
            seq: self.seq,
            view: view.clone(),
            health: Arc::clone(&health),
            store: self.store,
            clock: self.clock,
            events: self.events,
            metrics: self.metrics,
            since_snapshot: self.since_snapshot,
            retry_timeout_after: None,
            last_failure: StorageFailure::Failed,
            view_stale: false,
            spare_jobs: Vec::new(),
            spare_decided: Vec::new(),
            spare_public: Vec::new(),
            snapshot_writing: None,
        };
        let running = Arc::clone(&health);
        let shutdown = self.shutdown;
        let join = tokio::spawn(async move {
            // Whatever way the task ends, /health stops saying it runs.
            struct Stopped(Arc<Health>);
            impl Drop for Stopped {
                fn drop(&mut self) {
                    self.0.engine_running.store(false, Ordering::SeqCst);
                }
            }
            let _stopped = Stopped(running);
            writer.run(rx, shutdown).await;
        });
        (EngineHandle { tx, view, health }, join)
    }
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Job>, shutdown: CancellationToken) {
        self.refresh_waiting_gauges();
        let mut flight: VecDeque<InFlight> = VecDeque::new();
        loop {
            if self.view_stale || self.snapshot_due() {
                // Both need the writer to hold exactly what is committed.
                self.settle_all(&mut flight).await;
                self.resync_view();
                if self.snapshot_due() {
                    self.since_snapshot = 0;
                    self.start_snapshot();
                }
            }
            let wake = {
                let front = flight.front_mut().map(|f| &mut f.commit);
                let idle = front.is_none();
                tokio::select! {
                    biased;
                    answer = answer(front), if !idle => Wake::Committed(answer),
                    job = rx.recv(), if idle => job.map_or(Wake::Stop, Wake::Job),
                    () = shutdown.cancelled() => Wake::Stop,
                    () = self.sleep_until_timeout(), if idle => Wake::Timeout,
                }
            };
            let jobs = match wake {
                Wake::Stop => break,
                Wake::Timeout => Vec::new(),
                Wake::Job(job) => {
                    let mut jobs = self.spare_jobs.pop().unwrap_or_default();
                    jobs.push(job);
                    take_waiting(&mut rx, jobs)
                }
                Wake::Committed(answer) => {
                    let recorded = answer.is_ok() && flight.front().is_some_and(|b| !b.fault);
                    if recorded {
                        // The disk is free: give it the next batch (every
                        // job that arrived while it worked) before this
                        // one is published and answered.
                        let jobs = take_waiting(&mut rx, self.spare_jobs.pop().unwrap_or_default());
                        if jobs.is_empty() {
                            self.spare(jobs);
                        } else {
                            let next = self.decide_batch(jobs);
                            flight.push_back(next);
                        }
                    }
                    self.settle(&mut flight, answer).await;
                    if flight.back().is_some_and(|b| b.fault) {
                        self.settle_all(&mut flight).await;
                    }
                    continue;
                }
            };
            let batch = self.decide_batch(jobs);
            let fault = batch.fault;
            flight.push_back(batch);
            if fault {
                // The writer's state is not to be trusted: nothing more is
                // decided on it until it is restored.
                self.settle_all(&mut flight).await;
            }
        }
        // Jobs already in the channel were sent before shutdown; answer them.
        self.settle_all(&mut flight).await;
        rx.close();
        let mut jobs = Vec::new();
        while let Ok(job) = rx.try_recv() {
            jobs.push(job);
        }
        if !jobs.is_empty() {
            let batch = self.decide_batch(jobs);
            flight.push_back(batch);
            self.settle_all(&mut flight).await;
        }
        // The writer holds only committed state here (every batch settled;
        // a failed commit restores it from the view), so the snapshot is
        // never ahead of the journal.
        self.resync_view();
        if let Some(writing) = self.snapshot_writing.take() {
            let _ = writing.await;
        }
        self.write_snapshot().await;
        tracing::info!(seq = self.seq, "engine stopped; journal flushed");
    }

    /// Keeps an emptied job list for the next batch. Every path must give
    /// its list back: a list dropped when a commit found nobody waiting
    /// meant that four batches in ten grew a fresh one from nothing, and
    /// the page faults of that were about 6 % of the server's samples.
    fn spare(&mut self, jobs: Vec<Job>) {
        keep_spare(&mut self.spare_jobs, jobs);
    }

    fn snapshot_due(&self) -> bool {
        if self
            .snapshot_writing
            .as_ref()
            .is_some_and(|w| !w.is_finished())
        {
            return false;
        }
        let state = self.engine.state();
        let state_size = (state.tickets.len() + state.idempotency.len()) as u64;
        self.since_snapshot >= SNAPSHOT_EVERY.max(2 * state_size)
    }

    /// Decides one batch and queues its commit on the storage thread,
    /// without waiting for it. An empty batch is a timeout: do what is due.
    fn decide_batch(&mut self, mut jobs: Vec<Job>) -> InFlight {
        let started = Instant::now();
        let now = self.clock.now();
        let mut decided = self.spare_decided.pop().unwrap_or_default();
        decided.reserve(jobs.len());
        let mut ticks = Vec::new();
        // Most commands record one event: one allocation, not a list grown
        // from nothing in every batch.
        let mut pending: Vec<(u64, Event)> = Vec::with_capacity(jobs.len() + 1);
        let mut public = self.spare_public.pop().unwrap_or_default();
        public.reserve(jobs.len() + 1);
        let mut fault = false;
        if !self.timeout_paused() {
            self.engine.handle_timeout(now);
        }
        self.drain(&mut pending, &mut public);
        for job in jobs.drain(..) {
            match job {
                Job::Tick { reply } => ticks.push(reply),
                Job::Command { command, reply } => {
                    let result = if fault {
                        // Decided again one by one when it is settled.
                        Err(CommandError::Fault)
                    } else {
                        self.decide(now, &command)
                    };
                    fault |= matches!(result, Err(CommandError::Fault));
                    self.drain(&mut pending, &mut public);
                    decided.push(Decided {
                        command,
                        reply,
                        result,
                    });
                }
            }
        }
        self.spare(jobs);
        self.metrics.batch_size.observe(decided.len() as f64);
        let events = Arc::new(pending);
        let commit = if fault || events.is_empty() {
            None
        } else {
            if let Some(&(seq, _)) = events.last() {
                self.seq = seq;
            }
            let to_store = Arc::clone(&events);
            Some(self.store.submit(move |s| {
                let started = Instant::now();
                s.append(&to_store).map(|()| started.elapsed())
            }))
        };
        InFlight {
            now,
            started,
            decide: started.elapsed(),
            decided,
            ticks,
            events,
            public,
            commit,
            fault,
        }
    }

    /// Waits for the oldest batch's commit and settles it.
    async fn settle_front(&mut self, flight: &mut VecDeque<InFlight>) {
        let answer = answer(flight.front_mut().map(|f| &mut f.commit)).await;
        self.settle(flight, answer).await;
    }

    /// Settles every batch in flight, oldest first.
    async fn settle_all(&mut self, flight: &mut VecDeque<InFlight>) {
        while !flight.is_empty() {
            self.settle_front(flight).await;
        }
    }

    /// Settles the oldest batch with its commit's answer: publishes and
    /// answers it, or, when it was not recorded, takes every batch in
    /// flight back to the committed state and decides their commands again
    /// one by one.
    async fn settle(
        &mut self,
        flight: &mut VecDeque<InFlight>,
        answer: Result<Duration, StoreError>,
    ) {
        let Some(batch) = flight.pop_front() else {
            return;
        };
        match answer {
            Ok(commit) if !batch.fault => self.finish(batch, commit),
            answer => {
                if let Err(e) = answer {
                    self.commit_failed(&e, batch.events.len());
                }
                // The writer is ahead of the journal by this batch and by
                // every later one. Those later commits are refused by the
                // journal's order check (the batch before them is missing);
                // wait for them so that nothing is still being written.
                let mut failed = vec![batch];
                while let Some(mut later) = flight.pop_front() {
                    if let Some(rx) = later.commit.take() {
                        match rx.await {
                            Ok(Err(StoreError::OutOfOrder { .. })) | Err(_) => {}
                            Ok(Err(e)) => self.commit_failed(&e, later.events.len()),
                            Ok(Ok(_)) => tracing::error!(
                                events = later.events.len(),
                                "a batch after an unrecorded one was committed; the journal has a gap"
                            ),
                        }
                    }
                    failed.push(later);
                }
                for batch in failed {
                    self.one_by_one(batch.now, batch.decided).await;
                    for reply in batch.ticks {
                        let _ = reply.send(());
                    }
                }
            }
        }
    }

    /// A batch is durable: publish it, then answer its commands.
    fn finish(&mut self, batch: InFlight, commit: Duration) {
        let InFlight {
            now,
            started,
            decide,
            decided,
            ticks,
            events,
            public,
            ..
        } = batch;
        if !events.is_empty() {
            self.metrics.commit_seconds.observe(commit.as_secs_f64());
            self.committed(now, &events, public);
        }
        let total = started.elapsed();
        if total > SLOW_BATCH {
            // Every request of the batch waited this long: say where.
            tracing::warn!(
                commands = decided.len(),
                decide_ms = decide.as_secs_f64() * 1e3,
                commit_ms = commit.as_secs_f64() * 1e3,
                total_ms = total.as_secs_f64() * 1e3,
                "slow batch"
            );
        }
        let mut decided = decided;
        for d in decided.drain(..) {
            self.count(&d.command, &d.result);
            let _ = d
                .reply
                .send(d.result.map(|outcome| Committed { outcome, at: now }));
        }
        keep_spare(&mut self.spare_decided, decided);
        for reply in ticks {
            let _ = reply.send(());
        }
    }

    /// The slow path after a failed batch: back to the committed state,
    /// then each command decided and committed on its own.
    async fn one_by_one(&mut self, now: Timestamp, decided: Vec<Decided>) {
        self.restore();
        let mut pending = Vec::new();
        let mut public = Vec::new();
        if !self.timeout_paused() {
            self.engine.handle_timeout(now);
            self.drain(&mut pending, &mut public);
            if !pending.is_empty() && !self.commit(now, pending, public).await {
                self.restore();
                self.retry_timeout_after = Some(Instant::now() + TIMEOUT_RETRY);
            }
        }
        for d in decided {
            let result = self.decide(now, &d.command);
            let (mut pending, mut public) = (Vec::new(), Vec::new());
            self.drain(&mut pending, &mut public);
            let result = match result {
                Err(CommandError::Fault) => {
                    self.restore();
                    Err(CommandError::Fault)
                }
                result if pending.is_empty() => result,
                result => {
                    if self.commit(now, pending, public).await {
                        result
                    } else {
                        self.restore();
                        self.health.commit_failures.fetch_add(1, Ordering::Relaxed);
                        Err(CommandError::Storage(self.last_failure))
                    }
                }
            };
            if let Err(e) = &result
                && !matches!(e, CommandError::Rejected(_))
            {
                tracing::warn!(command = d.command.kind(), error = %e, "command not recorded");
            }
            self.count(&d.command, &result);
            let _ = d
                .reply
                .send(result.map(|outcome| Committed { outcome, at: now }));
        }
    }

    /// Counts a handled command by kind and result.
    fn count(&self, command: &Command, result: &Result<Outcome, CommandError>) {
        let result = match result {
            Ok(_) => "recorded",
            Err(CommandError::Rejected(_)) => "rejected",
            Err(CommandError::Storage(_)) => "storage_failed",
            Err(CommandError::Fault | CommandError::Stopped) => "engine_fault",
        };
        self.metrics
            .commands
            .get_or_create(&crate::metrics::CommandLabel {
                kind: command.kind(),
                result,
            })
            .inc();
    }

    /// Decides one command, catching a panic of the engine (a bug) so that
    /// it costs one refused request, not the hall.
    fn decide(&mut self, now: Timestamp, command: &Command) -> Result<Outcome, CommandError> {
        let engine = &mut self.engine;
        let cmd = command.clone();
        match std::panic::catch_unwind(AssertUnwindSafe(|| engine.handle(now, cmd))) {
            Ok(result) => result.map_err(CommandError::Rejected),
            Err(_) => {
                tracing::error!(
                    command = command.kind(),
                    "the engine panicked on a command; it is refused and the engine restored from the journal's state"
                );
                Err(CommandError::Fault)
            }
        }
    }

    /// Back to what is committed: a copy of the view's engine.
    fn restore(&mut self) {
        let (engine, seq) = self.view.read(|e, seq| (e.clone(), seq));
        self.engine = engine;
        // Events the failed attempt recorded are dropped with it.
        while self.engine.poll_event().is_some() {}
        self.seq = seq;
        self.refresh_waiting_gauges();
    }

    fn timeout_paused(&self) -> bool {
        self.retry_timeout_after
            .is_some_and(|at| Instant::now() < at)
    }

    /// Commits events and waits for it (the one-by-one path), then
    /// publishes them to the view and the subscribers. Returns whether the
    /// commit succeeded.
    async fn commit(
        &mut self,
        now: Timestamp,
        batch: Vec<(u64, Event)>,
        public: Vec<PublicEvent>,
    ) -> bool {
        if batch.is_empty() {
            return true;
        }
        let started = Instant::now();
        let events = Arc::new(batch);
        let to_store = Arc::clone(&events);
        let result = self.store.call(move |s| s.append(&to_store)).await;
        self.metrics
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        if let Err(e) = result {
            self.commit_failed(&e, events.len());
            return false;
        }
        if let Some(&(seq, _)) = events.last() {
            self.seq = seq;
        }
        self.committed(now, &events, public);
        true
    }

    fn commit_failed(&mut self, e: &StoreError, events: usize) {
        self.last_failure = StorageFailure::of(e);
        tracing::error!(error = %e, events, "commit failed");
        self.health.storage_ok.store(false, Ordering::SeqCst);
    }

    /// Events are durable: publish them to the view and the subscribers.
    ///
    /// The view is published before the subscribers are counted: a stream
    /// that subscribes after the count (and so is sent nothing of this
    /// batch) starts from a view that already holds it.
    fn committed(&mut self, now: Timestamp, events: &[(u64, Event)], mut public: Vec<PublicEvent>) {
        self.health.storage_ok.store(true, Ordering::SeqCst);
        self.retry_timeout_after = None;
        self.since_snapshot += events.len() as u64;
        self.publish(events);
        self.observe(events);
        if self.events.receiver_count() > 0 {
            for event in public.drain(..) {
                let seq = event.seq;
                match event.text(now) {
                    // A stream that ended meanwhile is fine.
                    Ok(text) => drop(self.events.send((seq, text))),
                    Err(e) => tracing::error!(error = %e, "could not serialize an event"),
                }
            }
        }
        keep_spare(&mut self.spare_public, public);
    }

    /// Applies committed events to the view.
    fn publish(&mut self, events: &[(u64, Event)]) {
        let mut view = self.view.write();
        for (seq, event) in events {
            if let Err(e) = view.engine.replay(event) {
                // Cannot happen: the writer applied the same event to the
                // same state. The view is copied from the writer as soon as
                // the writer holds only committed state (the run loop).
                tracing::error!(seq, error = %e, "the view could not apply a committed event; it will be copied from the writer");
                drop(view);
                self.view_stale = true;
                return;
            }
            view.seq = *seq;
        }
    }

    /// Copies the writer into the view if the view could not apply an
    /// event. Only called with nothing in flight, when the writer holds
    /// exactly what is committed.
    fn resync_view(&mut self) {
        if !std::mem::take(&mut self.view_stale) {
            return;
        }
        let mut view = self.view.write();
        view.engine = self.engine.clone();
        while view.engine.poll_event().is_some() {}
        view.seq = self.seq;
    }

    /// Numbers the events recorded so far and prepares their public form.
    fn drain(&mut self, batch: &mut Vec<(u64, Event)>, public: &mut Vec<PublicEvent>) {
        while let Some(event) = self.engine.poll_event() {
            let seq = batch.last().map_or(self.seq, |&(s, _)| s) + 1;
            let full = self.engine.public_event(&event);
            let lean = full.without_staff();
            public.push(PublicEvent { seq, full, lean });
            batch.push((seq, event));
        }
    }

    async fn sleep_until_timeout(&self) {
        if let Some(at) = self.retry_timeout_after {
            tokio::time::sleep_until(at.into()).await;
            return;
        }
        match self.engine.poll_timeout() {
            Some(at) => {
                let wait = at.duration_since(self.clock.now());
                let wait = Duration::try_from(wait).unwrap_or_default();
                tokio::time::sleep(wait).await;
            }
            None => std::future::pending().await,
        }
    }

    /// Copies the state (cheap: the day's retry keys, most of it, are a
    /// persistent map whose clone shares its nodes, see
    /// `EngineState::idempotency`; the open tickets are copied, about a
    /// millisecond at the end of a 100,000-ticket day) and serializes and
    /// writes the copy in the background, so the writer pauses only for
    /// the copy. The copy is serialized on a blocking thread, then
    /// written in parts: each part is a transaction of its own on the
    /// storage thread, so commits queue behind one part at a time (about a
    /// millisecond), never behind the whole snapshot.
    ///
    /// What this replaced (issue 8, BENCHMARKS.md): written in one
    /// transaction, a 5 MB snapshot held every commit 16 ms on a quiet
    /// machine and 49 ms on a busy one; serialized on the writer, it held
    /// every request 41 to 78 ms on a busy machine; a deep copy with the
    /// standard maps cost 1 to 6 ms and 13 MB of peak memory.
    fn start_snapshot(&mut self) {
        let seq = self.seq;
        let at = self.clock.now();
        let copying = Instant::now();
        let state = self.engine.state().clone();
        let copied = copying.elapsed();
        let store = self.store.clone();
        self.snapshot_writing = Some(tokio::spawn(async move {
            let serializing = Instant::now();
            let serialized = tokio::task::spawn_blocking(move || {
                let mut parts = SnapshotParts::default();
                serde_json::to_writer(&mut parts, &state).map(|()| parts)
            });
            let parts = match serialized.await {
                Ok(Ok(parts)) => parts,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "could not serialize the engine state");
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, "serializing a snapshot failed; the journal still has everything");
                    return;
                }
            };
            let serialized = serializing.elapsed();
            let writing = Instant::now();
            let bytes = parts.len();
            let parts = parts.into_parts();
            let count = u32::try_from(parts.len()).unwrap_or(u32::MAX);
            for (part, body) in (0..count).zip(parts) {
                let written = store
                    .call(move |s| s.write_snapshot_part(seq, part, &body))
                    .await;
                if let Err(e) = written {
                    tracing::warn!(error = %e, "could not write a snapshot; the journal still has everything");
                    return;
                }
            }
            match store.call(move |s| s.finish_snapshot(seq, at, count)).await {
                Ok(()) => tracing::info!(
                    seq,
                    bytes,
                    parts = count,
                    copy_ms = copied.as_secs_f64() * 1e3,
                    serialize_ms = serialized.as_secs_f64() * 1e3,
                    write_ms = writing.elapsed().as_secs_f64() * 1e3,
                    "snapshot written"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "could not write a snapshot; the journal still has everything")
                }
            }
        }));
    }

    /// Serializes the state and writes it in one transaction, waiting for
    /// it: at shutdown, when nothing else is waiting.
    async fn write_snapshot(&mut self) {
        let seq = self.seq;
        let at = self.clock.now();
        let serializing = Instant::now();
        match serde_json::to_string(self.engine.state()) {
            Ok(body) => {
                let serialized = serializing.elapsed();
                let bytes = body.len();
                let writing = Instant::now();
                match self
                    .store
                    .call(move |s| s.write_snapshot(seq, at, &body))
                    .await
                {
                    Ok(()) => tracing::info!(
                        seq,
                        bytes,
                        serialize_ms = serialized.as_secs_f64() * 1e3,
                        write_ms = writing.elapsed().as_secs_f64() * 1e3,
                        "snapshot written"
                    ),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not write a snapshot; the journal still has everything")
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "could not serialize the engine state"),
        }
    }

    fn observe(&self, events: &[(u64, Event)]) {
        let m = &self.metrics;
        for (_, e) in events {
            match e {
                Event::TicketIssued { ticket, .. } => {
                    m.tickets_issued
                        .get_or_create(&Metrics::service(ticket.service_id.as_str()))
                        .inc();
                }
                Event::TicketCalled { at, ticket_id, .. } => {
                    if let Some(t) = self.engine.ticket(*ticket_id) {
                        m.calls
                            .get_or_create(&Metrics::service(t.service_id.as_str()))
                            .inc();
                        if t.transfers == 0 && !t.requeued {
                            let actual = at.duration_since(t.issued_at).as_secs_f64();
                            m.estimate_error_seconds
                                .observe((actual - f64::from(t.estimated_wait_secs)).abs());
                        }
                    }
                }
                Event::TicketRecalled { ticket_id, .. } => {
                    if let Some(t) = self.engine.ticket(*ticket_id) {
                        m.calls
                            .get_or_create(&Metrics::service(t.service_id.as_str()))
                            .inc();
                    }
                }
                _ => {}
            }
        }
        self.refresh_waiting_gauges();
    }

    fn refresh_waiting_gauges(&self) {
        for s in &self.engine.config().services {
            let n = self.engine.queue(&s.id).map_or(0, |q| q.waiting());
            self.metrics
                .waiting
                .get_or_create(&Metrics::service(s.id.as_str()))
                .set(i64::try_from(n).unwrap_or(0));
        }
    }
}
