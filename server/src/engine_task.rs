//! The engine task: the single writer of the hall.
//!
//! One tokio task owns the [`Engine`]. Handlers send it jobs (closures run
//! against the engine) over a bounded channel and await a oneshot reply.
//! The task takes every job waiting (up to [`MAX_BATCH`]), runs them in
//! order, draining the events each produces and numbering them, then
//! commits the whole batch to SQLite in **one transaction** (group commit)
//! on the storage thread. Only after the commit does it deliver the replies
//! and broadcast the events. While it waits for the fsync, new requests
//! queue up and form the next batch, so the cost of a commit is shared by
//! every request that arrived meanwhile.
//!
//! If a commit fails, the batch's replies are dropped (callers answer 503),
//! nothing is broadcast, and the engine is rebuilt from the database, so
//! memory never runs ahead of what is durable.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::Utf8Bytes;
use banli_core::engine::{Engine, Event};
use banli_core::jiff::Timestamp;
use banli_core::wire::{HallSnapshot, StreamMessage};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::worker::StoreHandle;

/// Most jobs in one batch. Large enough to amortise an fsync over many
/// tickets, small enough that one batch's latency stays a few milliseconds.
pub const MAX_BATCH: usize = 512;
/// Jobs that may wait for the engine. A full channel makes handlers wait,
/// which with the HTTP concurrency limit is the backpressure.
pub const CHANNEL_CAPACITY: usize = 4096;
/// A snapshot is written after at least this many events, and after at
/// least twice as many events as the state holds tickets and retry keys:
/// writing one costs time in proportion to the state (it pauses the
/// engine), replaying costs time in proportion to the events since, so
/// this keeps both bounded and the pause amortised to a constant per event.
pub const SNAPSHOT_EVERY: u64 = 20_000;
/// Events buffered per subscriber before a slow one lags and resyncs.
pub const BROADCAST_CAPACITY: usize = 4096;

/// What a job sees besides the engine.
#[derive(Debug, Clone, Copy)]
pub struct JobCtx {
    /// The time of this batch.
    pub now: Timestamp,
    /// The sequence number of the last event recorded so far.
    pub seq: u64,
}

type Delivery = Box<dyn FnOnce() + Send>;
type Job = Box<dyn FnOnce(&mut Engine, &JobCtx) -> Delivery + Send>;

/// The engine is not answering: it is shutting down, or the batch holding
/// this request could not be committed.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the hall engine is unavailable (storage failure or shutdown)")]
pub struct EngineUnavailable;

/// A handle to the engine task.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Job>,
}

impl EngineHandle {
    /// Runs `f` against the engine in the next batch and returns its value
    /// once the batch is durably committed.
    ///
    /// # Errors
    /// [`EngineUnavailable`] when the engine stopped or the commit failed.
    pub async fn run<T, F>(&self, f: F) -> Result<T, EngineUnavailable>
    where
        T: Send + 'static,
        F: FnOnce(&mut Engine, &JobCtx) -> T + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job: Job = Box::new(move |engine, ctx| {
            let value = f(engine, ctx);
            Box::new(move || {
                let _ = reply.send(value);
            })
        });
        self.tx.send(job).await.map_err(|_| EngineUnavailable)?;
        rx.await.map_err(|_| EngineUnavailable)
    }

    /// A snapshot of the hall with the sequence number of its last event.
    ///
    /// # Errors
    /// [`EngineUnavailable`].
    pub async fn snapshot(&self) -> Result<HallSnapshot, EngineUnavailable> {
        self.run(|engine, ctx| engine.snapshot(ctx.seq, ctx.now))
            .await
    }
}

/// Everything the engine task needs.
pub struct EngineTask {
    /// The engine, as loaded from the database.
    pub engine: Engine,
    /// Sequence number of the last journaled event.
    pub seq: u64,
    /// Storage thread.
    pub store: StoreHandle,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// Where committed public events go, serialized once for all subscribers.
    pub events: broadcast::Sender<(u64, Utf8Bytes)>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Stops the task (after the jobs already received).
    pub shutdown: CancellationToken,
}

impl EngineTask {
    /// Starts the task and returns its handle and join handle.
    pub fn spawn(self) -> (EngineHandle, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let join = tokio::spawn(self.run(rx));
        (EngineHandle { tx }, join)
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        let mut since_snapshot = 0u64;
        self.refresh_waiting_gauges();
        loop {
            let sleep = self.sleep_until_timeout();
            let first = tokio::select! {
                biased;
                job = rx.recv() => match job {
                    Some(job) => Some(job),
                    None => break,
                },
                () = self.shutdown.cancelled() => break,
                () = sleep => None,
            };
            let now = self.clock.now();
            let mut ctx = JobCtx { now, seq: self.seq };
            let mut deliveries = Vec::new();
            let mut batch: Vec<(u64, Event)> = Vec::new();
            let mut public = Vec::new();
            match first {
                None => self.engine.handle_timeout(now),
                Some(job) => {
                    deliveries.push(job(&mut self.engine, &ctx));
                    self.drain(&mut ctx, &mut batch, &mut public);
                    while deliveries.len() < MAX_BATCH {
                        let Ok(job) = rx.try_recv() else { break };
                        deliveries.push(job(&mut self.engine, &ctx));
                        self.drain(&mut ctx, &mut batch, &mut public);
                    }
                }
            }
            self.drain(&mut ctx, &mut batch, &mut public);
            if !batch.is_empty() {
                let started = Instant::now();
                let n = batch.len() as u64;
                let events = Arc::new(batch);
                let to_store = Arc::clone(&events);
                let result = self.store.call(move |s| s.append(&to_store)).await;
                self.metrics
                    .commit_seconds
                    .observe(started.elapsed().as_secs_f64());
                self.metrics.batch_size.observe(deliveries.len() as f64);
                if let Err(e) = result {
                    tracing::error!(error = %e, "commit failed; rebuilding the engine from the database");
                    drop(deliveries);
                    self.reload().await;
                    continue;
                }
                self.seq = ctx.seq;
                self.observe(&events);
                since_snapshot += n;
            }
            for deliver in deliveries {
                deliver();
            }
            for msg in public {
                // No subscribers is fine.
                let _ = self.events.send(msg);
            }
            let state = self.engine.state();
            let state_size = (state.tickets.len() + state.idempotency.len()) as u64;
            if since_snapshot >= SNAPSHOT_EVERY.max(2 * state_size) {
                since_snapshot = 0;
                self.write_snapshot().await;
            }
        }
        // Jobs already in the channel were sent before shutdown; answer them.
        rx.close();
        let mut ctx = JobCtx {
            now: self.clock.now(),
            seq: self.seq,
        };
        let mut deliveries = Vec::new();
        let (mut batch, mut public) = (Vec::new(), Vec::new());
        while let Ok(job) = rx.try_recv() {
            deliveries.push(job(&mut self.engine, &ctx));
            self.drain(&mut ctx, &mut batch, &mut public);
        }
        if !batch.is_empty() {
            let events = Arc::new(batch);
            let to_store = Arc::clone(&events);
            if self.store.call(move |s| s.append(&to_store)).await.is_ok() {
                self.seq = ctx.seq;
                deliveries.into_iter().for_each(|d| d());
            }
        }
        self.write_snapshot().await;
        tracing::info!(seq = self.seq, "engine stopped; journal flushed");
    }

    /// Numbers the events the last job recorded and prepares their public form.
    fn drain(
        &mut self,
        ctx: &mut JobCtx,
        batch: &mut Vec<(u64, Event)>,
        public: &mut Vec<(u64, Utf8Bytes)>,
    ) {
        while let Some(event) = self.engine.poll_event() {
            ctx.seq += 1;
            let msg = StreamMessage::Event {
                seq: ctx.seq,
                server_time: ctx.now,
                event: self.engine.public_event(&event),
            };
            match serde_json::to_string(&msg) {
                Ok(s) => public.push((ctx.seq, s.into())),
                Err(e) => tracing::error!(error = %e, "could not serialize an event"),
            }
            batch.push((ctx.seq, event));
        }
    }

    async fn sleep_until_timeout(&self) {
        match self.engine.poll_timeout() {
            Some(at) => {
                let wait = at.duration_since(self.clock.now());
                let wait = std::time::Duration::try_from(wait).unwrap_or_default();
                tokio::time::sleep(wait).await;
            }
            None => std::future::pending().await,
        }
    }

    async fn reload(&mut self) {
        match self.store.call(|s| s.load_engine()).await {
            Ok((engine, seq)) => {
                self.engine = engine;
                self.seq = seq;
            }
            Err(e) => {
                tracing::error!(error = %e, "could not reload the engine; keeping memory state")
            }
        }
        self.refresh_waiting_gauges();
    }

    async fn write_snapshot(&mut self) {
        let seq = self.seq;
        let at = self.clock.now();
        match serde_json::to_string(self.engine.state()) {
            Ok(body) => {
                if let Err(e) = self
                    .store
                    .call(move |s| s.write_snapshot(seq, at, &body))
                    .await
                {
                    tracing::warn!(error = %e, "could not write a snapshot; the journal still has everything");
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
