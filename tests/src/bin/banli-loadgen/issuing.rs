//! The closed-loop ticket issuer behind `issue` and `day`.
//!
//! `clients` workers each own one keep-alive connection and send
//! `POST /api/v1/tickets` one after another, round-robin over the services,
//! until the target number of tickets is issued or the deadline passes.
//! "Closed loop" means a worker sends its next request only when the last
//! one is answered, so the offered load adapts to the server and the
//! latency measured is the server's, not a queue on our side.
//!
//! Exactly `total` tickets are issued: a worker claims a slot before each
//! request and gives it back if the request fails, so failures are retried
//! by whichever worker comes next. `max_errors` bounds that, so a server
//! that fails every request ends the run instead of spinning forever.
//!
//! A service that answers `service_closed`, `quota_reached` or
//! `numbers_exhausted` is dropped from the rotation; when none is left the
//! run stops early and says so.
//!
//! With idempotency keys on, every request carries a unique key, and every
//! hundredth one (`replay_every`) is sent a second time at once with the
//! same key: the server must answer with the same ticket id. Those replays
//! are not timed (they are cheap lookups and would flatter the
//! percentiles) and do not count as issued tickets.
//!
//! Every request slower than [`SLOW`] is also kept with the moment it was
//! sent, so that a stall can be matched with what the server did then.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use banli_core::ids::{ServiceId, TicketId};
use banli_core::jiff::civil::Date;
use banli_core::wire::IssuedTicket;
use hyper::body::Bytes;
use serde_json::json;

use crate::api::{TICKETS, to_bytes};
use crate::dupes::DuplicateCheck;
use crate::http::{Call, Conn, Target};
use crate::stats::Latencies;

/// Every this-many requests, one is replayed with the same key (1 %), by
/// default.
pub const IDEMPOTENCY_SAMPLE_EVERY: u64 = 100;

/// A request slower than this is a stall, kept with its time.
pub const SLOW: Duration = Duration::from_millis(50);

/// Error codes that mean a service will not issue again today.
const CLOSED_CODES: [&str; 3] = ["service_closed", "quota_reached", "numbers_exhausted"];

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The server.
    pub target: Target,
    /// A kiosk device token.
    pub token: String,
    /// Services to issue for, round-robin.
    pub services: Vec<ServiceId>,
    /// Concurrent connections.
    pub clients: usize,
    /// Stop after this many tickets.
    pub total: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Send a unique `Idempotency-Key` with every request.
    pub idempotency: bool,
    /// With keys: replay every this-many requests with the same key and
    /// check the answer; 0 never.
    pub replay_every: u64,
    /// Keep each issued ticket's id and query code in the outcome (for
    /// progress lookups).
    pub keep_codes: bool,
    /// Give up after this many failed requests.
    pub max_errors: u64,
    /// Makes idempotency keys unique across runs against one server.
    pub run_tag: String,
}

/// Live counters, readable while the run goes on (progress lines, the
/// `day` callers that keep pace with issuing).
#[derive(Debug, Default)]
pub struct Progress {
    /// Tickets issued so far.
    pub issued: AtomicU64,
    /// Failed requests so far.
    pub errors: AtomicU64,
    /// Set to stop every worker after its current request.
    pub stop: AtomicBool,
}

/// What a finished run found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Tickets issued (successful first attempts).
    pub issued: u64,
    /// First attempts sent, failed ones included.
    pub requests: u64,
    /// Failed requests by HTTP status, plus `transport` (no answer) and
    /// `bad_body` (a success whose body was not an `IssuedTicket`).
    pub errors: BTreeMap<String, u64>,
    /// Failed requests by the server's error code.
    pub error_codes: BTreeMap<String, u64>,
    /// Latency of every answered first attempt.
    pub latencies: Latencies,
    /// Tickets that repeated an id or a number.
    pub duplicates: u64,
    /// Descriptions of the first duplicates.
    pub duplicate_examples: Vec<String>,
    /// Idempotent replays sent.
    pub idempotency_checks: u64,
    /// Replays that did not return the original ticket.
    pub idempotency_mismatches: u64,
    /// Connections reopened.
    pub reconnects: u64,
    /// From the first request to the last answer.
    pub elapsed: Duration,
    /// Why the run stopped before its target, if it did.
    pub stopped_early: Option<String>,
    /// Services that stopped issuing during the run (quota, numbers used
    /// up, closing time).
    pub closed_services: Vec<ServiceId>,
    /// Bytes of the success bodies of first attempts.
    pub body_bytes: u64,
    /// Requests slower than [`SLOW`]: when they were sent (seconds from
    /// the start of the run) and how long they took (ms), in send order.
    pub slow: Vec<(f64, f64)>,
    /// With `keep_codes`: every issued ticket's id and query code.
    pub codes: Vec<(TicketId, String)>,
}

impl Outcome {
    /// Mean size of a success body.
    pub fn mean_body_bytes(&self) -> f64 {
        if self.issued == 0 {
            0.0
        } else {
            self.body_bytes as f64 / self.issued as f64
        }
    }
}

/// Requests that prove the server broken, not merely busy or closed: 5xx
/// answers, requests with no answer (`transport`) and success answers that
/// are not a ticket (`bad_body`). 4xx answers (a closed service, a quota)
/// are expected outcomes and are not counted.
pub fn hard_failures(errors: &BTreeMap<String, u64>) -> u64 {
    errors
        .iter()
        .filter(|(key, _)| {
            matches!(key.as_str(), "transport" | "bad_body")
                || key.parse::<u16>().is_ok_and(|status| status >= 500)
        })
        .map(|(_, n)| n)
        .sum()
}

/// Prints a progress line to stderr every few seconds until aborted:
/// tickets issued, the rate since the last line, errors, and whatever
/// `extra` adds.
pub fn spawn_progress_printer(
    progress: Arc<Progress>,
    extra: impl Fn() -> String + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    const EVERY: Duration = Duration::from_secs(5);
    tokio::spawn(async move {
        let start = Instant::now();
        let mut last = 0;
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + EVERY, EVERY);
        loop {
            ticks.tick().await;
            let issued = progress.issued.load(Ordering::Relaxed);
            eprintln!(
                "  [{:>5.0} s] issued {issued} ({:.0}/s), {} errors{}",
                start.elapsed().as_secs_f64(),
                (issued - last) as f64 / EVERY.as_secs_f64(),
                progress.errors.load(Ordering::Relaxed),
                extra(),
            );
            last = issued;
        }
    })
}

/// One service in the rotation.
#[derive(Debug)]
struct Slot {
    /// For the summary.
    id: ServiceId,
    /// The request body, serialised once.
    body: Bytes,
    /// Set when the service stops issuing for the day.
    closed: AtomicBool,
}

/// State the workers share.
struct Shared {
    plan: Plan,
    services: Vec<Slot>,
    /// Tickets issued or in flight; a failed request gives its slot back.
    claimed: AtomicU64,
    /// Request numbers, for unique idempotency keys and the 1 % sample.
    next_request: AtomicU64,
    progress: Arc<Progress>,
    /// When the first request could be sent.
    start: Instant,
    deadline: Option<Instant>,
    /// Why the run stopped early, first reason wins.
    stop_reason: std::sync::Mutex<Option<String>>,
}

impl Shared {
    fn stop(&self, why: String) {
        // A poisoned lock only means another worker panicked; the run is
        // lost anyway, so keep the first reason if we can and move on.
        if let Ok(mut reason) = self.stop_reason.lock() {
            reason.get_or_insert(why);
        }
        self.progress.stop.store(true, Ordering::Relaxed);
    }
}

/// One worker's findings, merged at the end.
#[derive(Default)]
struct WorkerReport {
    requests: u64,
    errors: BTreeMap<String, u64>,
    error_codes: BTreeMap<String, u64>,
    latencies: Latencies,
    tickets: Vec<(TicketId, Date, String)>,
    idempotency_checks: u64,
    idempotency_mismatches: u64,
    reconnects: u64,
    body_bytes: u64,
    slow: Vec<(f64, f64)>,
    codes: Vec<(TicketId, String)>,
}

/// Runs the plan: connects every client first (so connecting is not
/// timed), then issues until done.
///
/// # Errors
/// When the connections cannot be opened. Failures during the run are
/// counted in the [`Outcome`], not returned.
pub async fn run(plan: Plan, progress: Arc<Progress>) -> Result<Outcome> {
    let mut conns = Vec::with_capacity(plan.clients);
    for _ in 0..plan.clients {
        conns.push(Conn::connect(&plan.target).await?);
    }
    let services = plan
        .services
        .iter()
        .map(|id| Slot {
            id: id.clone(),
            body: to_bytes(&json!({ "service_id": id })),
            closed: AtomicBool::new(false),
        })
        .collect();
    let start = Instant::now();
    let shared = Arc::new(Shared {
        start,
        deadline: plan.duration.map(|d| start + d),
        plan,
        services,
        claimed: AtomicU64::new(0),
        next_request: AtomicU64::new(0),
        progress,
        stop_reason: std::sync::Mutex::new(None),
    });
    let workers: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(n, conn)| tokio::spawn(worker(n, conn, Arc::clone(&shared))))
        .collect();

    let mut merged = WorkerReport::default();
    for w in workers {
        let r = w.await.context("an issuing worker panicked")?;
        merged.requests += r.requests;
        merge_counts(&mut merged.errors, r.errors);
        merge_counts(&mut merged.error_codes, r.error_codes);
        merged.latencies.merge(r.latencies);
        merged.tickets.extend(r.tickets);
        merged.idempotency_checks += r.idempotency_checks;
        merged.idempotency_mismatches += r.idempotency_mismatches;
        merged.reconnects += r.reconnects;
        merged.body_bytes += r.body_bytes;
        merged.slow.extend(r.slow);
        merged.codes.extend(r.codes);
    }
    merged.slow.sort_by(|a, b| a.0.total_cmp(&b.0));
    let elapsed = start.elapsed();

    let mut dupes = DuplicateCheck::with_capacity(merged.tickets.len());
    for (id, day, number) in &merged.tickets {
        dupes.record(*id, *day, number);
    }
    let stopped_early = shared.stop_reason.lock().ok().and_then(|mut r| r.take());
    Ok(Outcome {
        issued: merged.tickets.len() as u64,
        requests: merged.requests,
        errors: merged.errors,
        error_codes: merged.error_codes,
        latencies: merged.latencies,
        duplicates: dupes.duplicates(),
        duplicate_examples: dupes.examples().to_vec(),
        idempotency_checks: merged.idempotency_checks,
        idempotency_mismatches: merged.idempotency_mismatches,
        reconnects: merged.reconnects,
        elapsed,
        stopped_early,
        closed_services: closed(&shared.services),
        body_bytes: merged.body_bytes,
        slow: merged.slow,
        codes: merged.codes,
    })
}

fn merge_counts(into: &mut BTreeMap<String, u64>, from: BTreeMap<String, u64>) {
    for (k, n) in from {
        *into.entry(k).or_default() += n;
    }
}

/// One client's closed loop.
async fn worker(n: usize, mut conn: Conn, shared: Arc<Shared>) -> WorkerReport {
    let plan = &shared.plan;
    let mut report = WorkerReport {
        latencies: Latencies::with_capacity(
            plan.total
                .map_or(4096, |t| (t as usize / plan.clients.max(1)) + 16),
        ),
        ..WorkerReport::default()
    };
    // Workers start on different services so that the first wave spreads.
    let mut next_service = n;
    let progress = &shared.progress;

    while !progress.stop.load(Ordering::Relaxed) {
        if shared.deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if let Some(total) = plan.total
            && shared.claimed.fetch_add(1, Ordering::Relaxed) >= total
        {
            shared.claimed.fetch_sub(1, Ordering::Relaxed);
            break;
        }
        let Some(slot) = pick_service(&shared.services, &mut next_service) else {
            shared.stop("every service stopped issuing tickets".to_owned());
            give_back(&shared);
            break;
        };

        let request_no = shared.next_request.fetch_add(1, Ordering::Relaxed);
        let key = plan
            .idempotency
            .then(|| format!("loadgen-{}-{request_no}", plan.run_tag));
        let mut call = Call::post(TICKETS, slot.body.clone()).bearer(&plan.token);
        if let Some(key) = &key {
            call = call.idempotency_key(key);
        }

        report.requests += 1;
        let sent = Instant::now();
        let result = conn.send(call).await;
        let latency = sent.elapsed();

        let ticket = match result {
            Err(_) => {
                count(&mut report.errors, "transport");
                None
            }
            Ok(reply) => {
                report.latencies.record(latency);
                if latency >= SLOW {
                    let at = sent.duration_since(shared.start).as_secs_f64();
                    report.slow.push((at, latency.as_secs_f64() * 1000.0));
                }
                if reply.status.is_success() {
                    report.body_bytes += reply.body.len() as u64;
                    match reply.json::<IssuedTicket>() {
                        Ok(t) => Some(t),
                        Err(_) => {
                            count(&mut report.errors, "bad_body");
                            None
                        }
                    }
                } else {
                    count(&mut report.errors, reply.status.as_str());
                    let code = reply.error_code().unwrap_or_else(|| "none".to_owned());
                    if CLOSED_CODES.contains(&code.as_str()) {
                        slot.closed.store(true, Ordering::Relaxed);
                    }
                    count(&mut report.error_codes, &code);
                    None
                }
            }
        };

        let Some(ticket) = ticket else {
            give_back(&shared);
            let errors = progress.errors.fetch_add(1, Ordering::Relaxed) + 1;
            if errors > plan.max_errors {
                shared.stop(format!(
                    "more than {} requests failed (--max-errors)",
                    plan.max_errors
                ));
            }
            continue;
        };
        progress.issued.fetch_add(1, Ordering::Relaxed);

        if let Some(key) = &key
            && plan.replay_every > 0
            && request_no.is_multiple_of(plan.replay_every)
        {
            report.idempotency_checks += 1;
            let replay = Call::post(TICKETS, slot.body.clone())
                .bearer(&plan.token)
                .idempotency_key(key);
            match conn.send(replay).await {
                Err(_) => count(&mut report.errors, "transport"),
                Ok(reply) => {
                    let same = reply.status.is_success()
                        && reply
                            .json::<IssuedTicket>()
                            .is_ok_and(|again| again.ticket.id == ticket.ticket.id);
                    if !same {
                        report.idempotency_mismatches += 1;
                    }
                }
            }
        }
        if plan.keep_codes {
            report.codes.push((ticket.ticket.id, ticket.query_code));
        }
        report.tickets.push((
            ticket.ticket.id,
            ticket.ticket.business_day,
            ticket.ticket.number,
        ));
    }
    report.reconnects = conn.reconnects;
    report
}

/// The next open service after `*next`, advancing it; `None` when all are
/// closed.
fn pick_service<'a>(services: &'a [Slot], next: &mut usize) -> Option<&'a Slot> {
    for _ in 0..services.len() {
        let slot = &services[*next % services.len()];
        *next = next.wrapping_add(1);
        if !slot.closed.load(Ordering::Relaxed) {
            return Some(slot);
        }
    }
    None
}

/// Returns a claimed ticket slot after a failure, so that another request
/// issues it.
fn give_back(shared: &Shared) {
    if shared.plan.total.is_some() {
        shared.claimed.fetch_sub(1, Ordering::Relaxed);
    }
}

fn count(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_owned()).or_default() += 1;
}

/// The services that stopped issuing, for the summary.
fn closed(services: &[Slot]) -> Vec<ServiceId> {
    services
        .iter()
        .filter(|s| s.closed.load(Ordering::Relaxed))
        .map(|s| s.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(ids: &[&str]) -> Vec<Slot> {
        ids.iter()
            .map(|id| Slot {
                id: ServiceId::from(*id),
                body: Bytes::new(),
                closed: AtomicBool::new(false),
            })
            .collect()
    }

    #[test]
    fn round_robin_skips_closed_services() {
        let services = slots(&["a", "b", "c"]);
        let mut next = 0;
        let mut picked = || pick_service(&services, &mut next).map(|s| s.id.as_str().to_owned());
        assert_eq!(picked().as_deref(), Some("a"));
        assert_eq!(picked().as_deref(), Some("b"));
        services[2].closed.store(true, Ordering::Relaxed);
        assert_eq!(picked().as_deref(), Some("a"));
        services[0].closed.store(true, Ordering::Relaxed);
        services[1].closed.store(true, Ordering::Relaxed);
        assert_eq!(picked(), None);
        assert_eq!(closed(&services).len(), 3);
    }

    #[test]
    fn only_5xx_and_unanswered_requests_are_hard_failures() {
        let mut errors = BTreeMap::new();
        errors.insert("409".to_owned(), 3);
        errors.insert("429".to_owned(), 5);
        assert_eq!(hard_failures(&errors), 0);
        errors.insert("transport".to_owned(), 1);
        errors.insert("bad_body".to_owned(), 1);
        errors.insert("503".to_owned(), 2);
        errors.insert("500".to_owned(), 1);
        assert_eq!(hard_failures(&errors), 5);
    }
}
