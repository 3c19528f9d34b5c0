//! `fanout`: how long a counter's call takes to reach every display board.
//!
//! The target (DESIGN.md) is p99 < 50 ms from a counter's call to the event
//! at 1,000 WebSocket subscribers. The run:
//!
//! 1. raises the open-file limit for the sockets;
//! 2. registers a board device, a kiosk device and the staff account
//!    `loadgen-staff` for the counter;
//! 3. opens `--subscribers` event streams with the board token, a bounded
//!    number at a time (so the server's listen backlog is not flooded), and
//!    waits until each has its snapshot;
//! 4. issues `--calls` tickets for a service of that counter so that
//!    someone waits, then waits for every subscriber to drain those
//!    `ticket_issued` events;
//! 5. calls `--calls` times, one at a time. The instant just before each
//!    `call-next` request is sent is the start; each subscriber stamps the
//!    instant its `ticket_called` frame comes off the socket (matched by
//!    the ticket id in the call-next answer) as the end. The next call
//!    waits until every subscriber has the event (or `--event-timeout`),
//!    so each call is measured alone rather than behind the previous one.
//!
//! Latency is end − start over every subscriber × call. Subscribers also
//! check that event sequence numbers rise by exactly one; a gap, a missed
//! call or a dropped stream fails the run.
//!
//! Both ends are on this machine's monotonic clock, but the subscribers
//! share the machine with the server: with 1,000 of them a delivery waits
//! for the load generator to get round to that socket, so the figures are
//! an upper bound on the server's own fan-out time.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail, ensure};
use banli_core::ids::{CounterId, ServiceId, TicketId};
use banli_core::wire::{HallEvent, HallSnapshot, StreamMessage};
use clap::Args;
use serde::Serialize;
use serde_json::json;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::api::{self, DeviceKind, TICKETS, to_bytes};
use crate::args::{Common, parse_duration};
use crate::events;
use crate::http::{Call, Target};
use crate::stats::{Latencies, Percentiles};

/// How long all subscribers together may take to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the issued tickets' events may take to drain before calling.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);
/// File descriptors beyond one per subscriber: HTTP connections, stdio,
/// the runtime's own.
const SPARE_FDS: u64 = 64;

/// `fanout` options.
#[derive(Debug, Args)]
pub struct FanoutArgs {
    #[command(flatten)]
    common: Common,
    /// WebSocket subscribers (boards), each on its own connection.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    subscribers: u64,
    /// Tickets to issue and then call, one call at a time.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    calls: u64,
    /// The counter that calls.
    #[arg(long, default_value_t = 1)]
    counter: u32,
    /// The service to issue for (default: the counter's first open service).
    #[arg(long)]
    service: Option<String>,
    /// Subscribers connecting at the same time.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    connect_concurrency: u64,
    /// How long to wait for every subscriber to see a call before the next.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    event_timeout: Duration,
    /// Extra pause between calls, after every subscriber has the event.
    #[arg(long, default_value = "0ms", value_parser = parse_duration)]
    pause: Duration,
    /// Send the board token as `?access_token=` instead of a header.
    #[arg(long)]
    token_in_query: bool,
}

/// One subscriber's stamp of one `ticket_called` event.
#[derive(Debug, Clone, Copy)]
struct Receipt {
    /// Which subscriber.
    sub: usize,
    /// The ticket called.
    ticket_id: TicketId,
    /// When the frame came off the socket.
    at: Instant,
}

/// What a subscriber learned about its stream, apart from receipts.
#[derive(Debug, Default)]
struct SubscriberReport {
    /// Events whose sequence number was not the previous one plus one.
    seq_gaps: u64,
    /// Snapshots after the first (the server resynchronising a slow board).
    resnapshots: u64,
    /// Why the stream ended before the run did, if it did.
    lost: Option<String>,
}

/// Everything one subscriber task needs.
struct Subscriber {
    /// Index, in receipts and reports.
    idx: usize,
    target: Target,
    token: Arc<str>,
    token_in_query: bool,
    /// Only this counter's calls are stamped.
    counter: CounterId,
    /// Bounds connects in flight.
    permits: Arc<Semaphore>,
    /// Tells the coordinator the snapshot arrived (or the connect failed).
    ready: mpsc::Sender<Result<Box<HallSnapshot>, String>>,
    /// Stamps go here, unbounded so that a slow coordinator never delays a
    /// subscriber's reading.
    receipts: mpsc::UnboundedSender<Receipt>,
    /// Each subscriber's latest sequence number, for the settle step.
    last_seq: Arc<[AtomicU64]>,
    /// Subscribers still reading, so that a call does not wait out its
    /// timeout for one whose stream is gone.
    alive: Arc<AtomicUsize>,
    /// Becomes `true` when the run is over.
    stop: watch::Receiver<bool>,
}

/// Runs `fanout`.
///
/// # Errors
/// When setup fails, subscribers cannot connect, or a call fails.
pub async fn run(args: FanoutArgs) -> Result<ExitCode> {
    let n = usize::try_from(args.subscribers)?;
    let calls_wanted = usize::try_from(args.calls)?;
    raise_fd_limit(args.subscribers)?;
    let counter = CounterId(args.counter);

    let mut s = args.common.session().await?;
    let board =
        api::create_device(&mut s.conn, &s.admin_token, DeviceKind::Board, &s.run_tag).await?;
    let kiosk =
        api::create_device(&mut s.conn, &s.admin_token, DeviceKind::Kiosk, &s.run_tag).await?;
    let staff = api::staff_login(&mut s.conn, &s.admin_token, &[counter]).await?;

    // 3. Subscribers.
    eprintln!("fanout: connecting {n} subscribers to counter {counter}'s hall…");
    let (ready_tx, mut ready_rx) = mpsc::channel(n);
    let (receipt_tx, mut receipt_rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = watch::channel(false);
    let last_seq: Arc<[AtomicU64]> = (0..n).map(|_| AtomicU64::new(0)).collect();
    let alive = Arc::new(AtomicUsize::new(n));
    let permits = Arc::new(Semaphore::new(usize::try_from(args.connect_concurrency)?));
    let token: Arc<str> = board.into();
    let subscribers: Vec<_> = (0..n)
        .map(|idx| {
            tokio::spawn(subscribe(Subscriber {
                idx,
                target: s.target.clone(),
                token: Arc::clone(&token),
                token_in_query: args.token_in_query,
                counter,
                permits: Arc::clone(&permits),
                ready: ready_tx.clone(),
                receipts: receipt_tx.clone(),
                last_seq: Arc::clone(&last_seq),
                alive: Arc::clone(&alive),
                stop: stop_rx.clone(),
            }))
        })
        .collect();
    drop((ready_tx, receipt_tx, stop_rx));

    let connect_started = Instant::now();
    let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    let mut snapshot = None;
    let mut failures = Vec::new();
    for _ in 0..n {
        match tokio::time::timeout_at(deadline, ready_rx.recv()).await {
            Ok(Some(Ok(snap))) => {
                snapshot.get_or_insert(snap);
            }
            Ok(Some(Err(e))) => failures.push(e),
            Ok(None) => break,
            Err(_) => {
                failures.push(format!("not connected within {CONNECT_TIMEOUT:?}"));
                break;
            }
        }
    }
    if let Some(first) = failures.first() {
        let _ = stop_tx.send(true);
        bail!(
            "{} of {n} subscribers could not subscribe; first error: {first}\n\
             hint: the server needs an open-file limit above {n} too (ulimit -n in the \
             script that starts it), and --connect-concurrency bounds how hard we knock",
            failures.len()
        );
    }
    let snapshot = snapshot.context("no subscriber got a snapshot")?;
    eprintln!(
        "  {n} subscribers have their snapshot (seq {}) after {:.1} s",
        snapshot.seq,
        connect_started.elapsed().as_secs_f64()
    );

    // 4. Someone to call.
    let service = pick_service(&snapshot, counter, args.service.as_deref())?;
    eprintln!("  issuing {calls_wanted} tickets for {service}…");
    let body = to_bytes(&json!({ "service_id": service }));
    for _ in 0..calls_wanted {
        let reply = s
            .conn
            .send(Call::post(TICKETS, body.clone()).bearer(&kiosk))
            .await?;
        api::expect_success(reply, &format!("issuing a ticket for {service}"))?;
    }
    if !settle(&last_seq).await {
        eprintln!(
            "  warning: subscribers had not all caught up after {SETTLE_TIMEOUT:?}; calling anyway"
        );
    }

    // 5. Calls.
    eprintln!("  calling {calls_wanted} times at counter {counter}…");
    let mut receipts: HashMap<TicketId, Vec<(usize, Instant)>> =
        HashMap::with_capacity(calls_wanted);
    let mut calls: Vec<(TicketId, Instant)> = Vec::with_capacity(calls_wanted);
    let mut http = Latencies::with_capacity(calls_wanted);
    let mut stopped_early = None;
    for k in 0..calls_wanted {
        let sent = Instant::now();
        let answer = api::call_next(&mut s.conn, &staff, counter).await;
        http.record(sent.elapsed());
        let Some(view) = answer? else {
            stopped_early = Some(format!(
                "nobody was waiting at counter {counter} after {k} calls"
            ));
            break;
        };
        let ticket = view
            .current
            .map(|c| c.ticket_id)
            .context("call-next answered 200 without a current ticket")?;
        calls.push((ticket, sent));

        let deadline = tokio::time::Instant::now() + args.event_timeout;
        while receipts.get(&ticket).map_or(0, Vec::len) < alive.load(Ordering::Relaxed) {
            match tokio::time::timeout_at(deadline, receipt_rx.recv()).await {
                Ok(Some(r)) => receipts.entry(r.ticket_id).or_default().push((r.sub, r.at)),
                // Every subscriber is gone, or this call timed out.
                Ok(None) | Err(_) => break,
            }
        }
        if (k + 1) % 50 == 0 {
            eprintln!("  … {} calls", k + 1);
        }
        if !args.pause.is_zero() {
            tokio::time::sleep(args.pause).await;
        }
    }

    // Collect: stop the subscribers, then take any late stamps.
    let _ = stop_tx.send(true);
    let mut reports = Vec::with_capacity(n);
    for handle in subscribers {
        reports.push(handle.await.context("a subscriber task panicked")?);
    }
    while let Ok(r) = receipt_rx.try_recv() {
        receipts.entry(r.ticket_id).or_default().push((r.sub, r.at));
    }

    let (latencies, missed) = deliveries(&calls, &receipts, n);
    let summary = FanoutSummary::new(
        n,
        calls_wanted,
        calls.len(),
        latencies.summary(),
        http.summary(),
        &missed,
        &reports,
        stopped_early,
    );
    summary.print_human(&missed, &reports);
    if args.common.json {
        println!("{}", serde_json::to_string(&summary)?);
    }
    Ok(if summary.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// One subscriber: connect, report the snapshot, then stamp this counter's
/// calls and watch sequence numbers until told to stop.
async fn subscribe(mut sub: Subscriber) -> SubscriberReport {
    let mut report = SubscriberReport::default();
    let connected = async {
        let _permit = sub.permits.acquire().await?;
        let mut ws = events::connect(&sub.target, &sub.token, sub.token_in_query).await?;
        let snapshot = events::first_snapshot(&mut ws).await?;
        anyhow::Ok((ws, snapshot))
    }
    .await;
    let (mut ws, snapshot) = match connected {
        Ok(pair) => pair,
        Err(e) => {
            report.lost = Some(format!("{e:#}"));
            let _ = sub.ready.send(Err(format!("{e:#}"))).await;
            return report;
        }
    };
    let mut last = snapshot.seq;
    sub.last_seq[sub.idx].store(last, Ordering::Relaxed);
    if sub.ready.send(Ok(snapshot)).await.is_err() {
        return report; // The run was abandoned.
    }

    loop {
        tokio::select! {
            // Stop was sent, or the coordinator is gone.
            _ = sub.stop.changed() => break,
            msg = events::next_message(&mut ws) => match msg {
                Ok(Some((at, StreamMessage::Event { seq, event, .. }))) => {
                    if seq != last + 1 {
                        report.seq_gaps += 1;
                    }
                    last = seq;
                    sub.last_seq[sub.idx].store(seq, Ordering::Relaxed);
                    if let HallEvent::TicketCalled { call, .. } = event
                        && call.counter_id == sub.counter
                    {
                        let _ = sub.receipts.send(Receipt { sub: sub.idx, ticket_id: call.ticket_id, at });
                    }
                }
                Ok(Some((_, StreamMessage::Snapshot { snapshot }))) => {
                    report.resnapshots += 1;
                    last = snapshot.seq;
                    sub.last_seq[sub.idx].store(last, Ordering::Relaxed);
                }
                Ok(None) => {
                    report.lost = Some("the server closed the stream".to_owned());
                    break;
                }
                Err(e) => {
                    report.lost = Some(format!("{e:#}"));
                    break;
                }
            },
        }
    }
    if report.lost.is_some() {
        sub.alive.fetch_sub(1, Ordering::Relaxed);
    }
    // A courtesy close; the run's result does not depend on it.
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
    report
}

/// Waits until every subscriber has reached the same, newest sequence
/// number and it has stayed so for a moment: the `ticket_issued` flood is
/// delivered and the calls start on a quiet hall. `false` on timeout.
async fn settle(last_seq: &[AtomicU64]) -> bool {
    const QUIET: Duration = Duration::from_millis(250);
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    let mut newest = None;
    let mut since = Instant::now();
    while Instant::now() < deadline {
        let seqs = last_seq.iter().map(|s| s.load(Ordering::Relaxed));
        let (min, max) = seqs.fold((u64::MAX, 0), |(lo, hi), s| (lo.min(s), hi.max(s)));
        if min == max && newest == Some(max) {
            if since.elapsed() >= QUIET {
                return true;
            }
        } else {
            newest = Some(max);
            since = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// The service to issue for: the one named, else the counter's first open
/// service in the snapshot.
fn pick_service(
    snapshot: &HallSnapshot,
    counter: CounterId,
    named: Option<&str>,
) -> Result<ServiceId> {
    let view = snapshot
        .counters
        .iter()
        .find(|c| c.id == counter)
        .with_context(|| format!("the hall has no counter {counter} (see --counter)"))?;
    if let Some(named) = named {
        return Ok(ServiceId::from(named));
    }
    let open = view
        .services
        .iter()
        .find(|id| snapshot.services.iter().any(|s| &s.id == *id && s.is_open));
    match open {
        Some(id) => Ok(id.clone()),
        None => bail!("counter {counter} serves no service that is open now (see --service)"),
    }
}

/// Pairs each call with its subscribers' stamps: the latency of every
/// delivery, and how many calls each subscriber missed. A subscriber's
/// second stamp of one call (which should not happen) is ignored.
fn deliveries(
    calls: &[(TicketId, Instant)],
    receipts: &HashMap<TicketId, Vec<(usize, Instant)>>,
    subscribers: usize,
) -> (Latencies, Vec<u64>) {
    let mut latencies = Latencies::with_capacity(calls.len() * subscribers);
    let mut missed = vec![0; subscribers];
    let mut seen = vec![false; subscribers];
    for (ticket, sent) in calls {
        seen.fill(false);
        for &(sub, at) in receipts.get(ticket).into_iter().flatten() {
            if let Some(slot) = seen.get_mut(sub)
                && !std::mem::replace(slot, true)
            {
                latencies.record(at.saturating_duration_since(*sent));
            }
        }
        for (m, s) in missed.iter_mut().zip(&seen) {
            if !s {
                *m += 1;
            }
        }
    }
    (latencies, missed)
}

/// Raises the soft open-file limit for one socket per subscriber.
fn raise_fd_limit(subscribers: u64) -> Result<()> {
    let needed = subscribers + SPARE_FDS;
    let got = rlimit::increase_nofile_limit(needed).context("raising RLIMIT_NOFILE")?;
    ensure!(
        got >= needed,
        "{subscribers} subscribers need about {needed} open files, but this process may \
         only have {got} (the hard limit). Raise it (`ulimit -Hn {needed}` as root, or \
         `nofile` in /etc/security/limits.conf) or use fewer --subscribers."
    );
    Ok(())
}

/// The JSON line of a `fanout` run.
#[derive(Debug, Serialize)]
pub struct FanoutSummary {
    /// Always `"fanout"`.
    pub mode: &'static str,
    /// Subscribers connected.
    pub subscribers: usize,
    /// Calls asked for.
    pub calls_requested: usize,
    /// Calls made.
    pub calls: usize,
    /// Deliveries measured (at most subscribers × calls).
    pub deliveries: usize,
    /// Median call → event latency.
    pub p50_ms: Option<f64>,
    /// 90th percentile.
    pub p90_ms: Option<f64>,
    /// 99th percentile.
    pub p99_ms: Option<f64>,
    /// Slowest delivery.
    pub max_ms: Option<f64>,
    /// Median time of the call-next request itself.
    pub call_http_p50_ms: Option<f64>,
    /// 99th percentile of the call-next request itself.
    pub call_http_p99_ms: Option<f64>,
    /// (subscriber, call) pairs with no event.
    pub missed_events: u64,
    /// Subscribers that missed at least one call.
    pub subscribers_missing_events: usize,
    /// Sequence gaps over all subscribers.
    pub seq_gaps: u64,
    /// Subscribers that saw at least one gap.
    pub subscribers_with_gaps: usize,
    /// Snapshots sent after the first.
    pub resnapshots: u64,
    /// Subscribers whose stream ended early.
    pub disconnected: usize,
    /// Why fewer calls were made than asked, if so.
    pub stopped_early: Option<String>,
}

impl FanoutSummary {
    #[allow(clippy::too_many_arguments)] // A constructor of a flat record.
    fn new(
        subscribers: usize,
        calls_requested: usize,
        calls: usize,
        delivery: Option<Percentiles>,
        http: Option<Percentiles>,
        missed: &[u64],
        reports: &[SubscriberReport],
        stopped_early: Option<String>,
    ) -> Self {
        Self {
            mode: "fanout",
            subscribers,
            calls_requested,
            calls,
            deliveries: delivery.map_or(0, |p| p.count),
            p50_ms: delivery.map(|p| p.p50_ms),
            p90_ms: delivery.map(|p| p.p90_ms),
            p99_ms: delivery.map(|p| p.p99_ms),
            max_ms: delivery.map(|p| p.max_ms),
            call_http_p50_ms: http.map(|p| p.p50_ms),
            call_http_p99_ms: http.map(|p| p.p99_ms),
            missed_events: missed.iter().sum(),
            subscribers_missing_events: missed.iter().filter(|m| **m > 0).count(),
            seq_gaps: reports.iter().map(|r| r.seq_gaps).sum(),
            subscribers_with_gaps: reports.iter().filter(|r| r.seq_gaps > 0).count(),
            resnapshots: reports.iter().map(|r| r.resnapshots).sum(),
            disconnected: reports.iter().filter(|r| r.lost.is_some()).count(),
            stopped_early,
        }
    }

    /// Every call made and reached every subscriber, in sequence.
    fn passed(&self) -> bool {
        self.calls == self.calls_requested
            && self.missed_events == 0
            && self.seq_gaps == 0
            && self.disconnected == 0
    }

    fn print_human(&self, missed: &[u64], reports: &[SubscriberReport]) {
        /// Subscribers listed by index before "…".
        const LIST: usize = 10;
        let ms = |x: Option<f64>| x.map_or("-".to_owned(), |v| format!("{v:.3}"));
        eprintln!();
        eprintln!(
            "== fanout: {} calls to {} subscribers ({} deliveries) ==",
            self.calls, self.subscribers, self.deliveries
        );
        eprintln!(
            "  call → event ms: p50 {}  p90 {}  p99 {}  max {}",
            ms(self.p50_ms),
            ms(self.p90_ms),
            ms(self.p99_ms),
            ms(self.max_ms)
        );
        eprintln!(
            "  call-next request ms: p50 {}  p99 {}",
            ms(self.call_http_p50_ms),
            ms(self.call_http_p99_ms)
        );
        let list = |ids: Vec<usize>| {
            let more = if ids.len() > LIST { " …" } else { "" };
            let shown: Vec<String> = ids.iter().take(LIST).map(ToString::to_string).collect();
            format!("{}{more}", shown.join(", "))
        };
        if self.missed_events > 0 {
            let who = missed
                .iter()
                .enumerate()
                .filter(|(_, m)| **m > 0)
                .map(|(i, _)| i);
            eprintln!(
                "  missed events: {} by {} subscribers: #{}",
                self.missed_events,
                self.subscribers_missing_events,
                list(who.collect())
            );
        }
        if self.seq_gaps > 0 {
            let who = reports
                .iter()
                .enumerate()
                .filter(|(_, r)| r.seq_gaps > 0)
                .map(|(i, _)| i);
            eprintln!(
                "  sequence gaps: {} at {} subscribers: #{}",
                self.seq_gaps,
                self.subscribers_with_gaps,
                list(who.collect())
            );
        }
        if self.resnapshots > 0 {
            eprintln!("  snapshots resent: {}", self.resnapshots);
        }
        if let Some((i, why)) = reports
            .iter()
            .enumerate()
            .find_map(|(i, r)| r.lost.as_ref().map(|w| (i, w)))
        {
            eprintln!(
                "  disconnected: {} subscribers; #{i}: {why}",
                self.disconnected
            );
        }
        if let Some(why) = &self.stopped_early {
            eprintln!("  stopped early: {why}");
        }
        eprintln!("  verdict: {}", if self.passed() { "PASS" } else { "FAIL" });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_pair_calls_with_stamps() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let calls = [(TicketId(1), t0), (TicketId(2), t0 + ms(100))];
        let mut receipts = HashMap::new();
        // Subscriber 0 gets both calls, subscriber 1 only the first (twice),
        // subscriber 2 nothing; a stamp for an unknown ticket is ignored.
        receipts.insert(
            TicketId(1),
            vec![(0, t0 + ms(3)), (1, t0 + ms(7)), (1, t0 + ms(9))],
        );
        receipts.insert(TicketId(2), vec![(0, t0 + ms(105))]);
        receipts.insert(TicketId(99), vec![(2, t0 + ms(1))]);

        let (latencies, missed) = deliveries(&calls, &receipts, 3);
        assert_eq!(missed, [0, 1, 2]);
        let p = latencies.summary().expect("three deliveries");
        assert_eq!(p.count, 3);
        assert_eq!(p.p50_ms, 5.0);
        assert_eq!(p.max_ms, 7.0);
    }

    #[test]
    fn json_line_and_verdict() -> Result<()> {
        let reports = [
            SubscriberReport::default(),
            SubscriberReport {
                seq_gaps: 2,
                ..SubscriberReport::default()
            },
        ];
        let mut l = Latencies::default();
        l.record(Duration::from_millis(4));
        let s = FanoutSummary::new(2, 10, 10, l.summary(), None, &[0, 0], &reports, None);
        let v = serde_json::to_value(&s)?;
        for key in [
            "mode",
            "subscribers",
            "calls",
            "deliveries",
            "p50_ms",
            "p99_ms",
            "max_ms",
            "missed_events",
            "subscribers_missing_events",
            "seq_gaps",
            "subscribers_with_gaps",
            "disconnected",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["mode"], "fanout");
        assert_eq!(v["p99_ms"], 4.0);
        assert!(v["call_http_p50_ms"].is_null());
        assert_eq!(v["subscribers_with_gaps"], 1);
        assert!(!s.passed(), "a gap fails the run");

        let clean = [SubscriberReport::default(), SubscriberReport::default()];
        let ok = FanoutSummary::new(2, 10, 10, l.summary(), None, &[0, 0], &clean, None);
        assert!(ok.passed());
        let short = FanoutSummary::new(2, 10, 9, l.summary(), None, &[0, 0], &clean, None);
        assert!(!short.passed(), "fewer calls than asked fails the run");
        let missed = FanoutSummary::new(2, 10, 10, l.summary(), None, &[0, 1], &clean, None);
        assert!(!missed.passed());
        Ok(())
    }
}
