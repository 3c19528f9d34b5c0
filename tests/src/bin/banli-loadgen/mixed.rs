//! `mixed`: issuing at full rate with and without the rest of a busy
//! hall's traffic beside it.
//!
//! The target (issue 8): while issuing at full rate, a 366-day report over
//! days of 100,000 tickets, 30 counter consoles connected, and 20,000
//! progress lookups a second leave issuing p99 under 20 ms. The run:
//!
//! 1. registers a kiosk and logs in a staff account assigned counters 1 to
//!    `--consoles`;
//! 2. **quiet**: issues with `--clients` closed-loop connections for
//!    `--duration` ([`crate::issuing`], unique idempotency keys, no
//!    replays), keeping each ticket's id and query code;
//! 3. starts the extra load and, once every console has its snapshot,
//!    **loaded**: issues the same way for `--duration` again, then stops
//!    the extra load:
//!    - **reports**: one administrator asks for
//!      `GET /api/v1/admin/reports?from=…&to=…` over `--report-days` days
//!      ending `--report-to`, again every `--report-every` (or as soon as
//!      the answer is in, if it takes longer). The server sums a past day
//!      from its tickets once and keeps its figures, so the run asks for
//!      the report once before the quiet phase (`first_report_seconds`):
//!      the loaded phase measures a hall whose past days were reported on
//!      before, as any hall's are after their first report;
//!    - **consoles**: `--consoles` event streams with the staff token, each
//!      for one counter, as the counter console is: it reads every event,
//!      fetches `GET /api/v1/counters/{id}` when an event names its counter,
//!      and calls the next ticket every `--console-call-every` (staggered);
//!    - **lookups**: `GET /api/v1/tickets/{id}?code=` at `--lookups-per-s`
//!      a second, open loop (each of `--lookup-conns` connections sends on
//!      its own schedule, whether or not the answers keep up, and latency is
//!      counted from the scheduled instant, so a server that falls behind
//!      is not flattered), for the quiet phase's tickets and, for
//!      `--past-lookup-percent` of them, tickets of the generated history
//!      (`banli-loadgen history`).
//!
//! The loaded phase runs after the quiet one on the same server, so its
//! hall holds the quiet phase's tickets too: if anything, that is against
//! it.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use banli_core::ids::{CounterId, TicketId};
use banli_core::jiff::Span;
use banli_core::jiff::civil::Date;
use clap::Args;
use futures_util::StreamExt as _;
use hyper::body::Bytes;
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

use crate::api::{self, DeviceKind};
use crate::args::{Common, parse_duration};
use crate::events;
use crate::history::{HISTORY_ID_BASE, query_code, splitmix64, yesterday};
use crate::http::{Call, Conn, Target};
use crate::issue::{IssueSummary, choose_services};
use crate::issuing::{self, Outcome, Plan, Progress};
use crate::stats::{Latencies, Percentiles, round3};

/// How long the consoles may take to connect and read their snapshots.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// `mixed` options.
#[derive(Debug, Args)]
pub struct MixedArgs {
    #[command(flatten)]
    common: Common,
    /// Issuing connections, each in a closed loop.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    clients: u64,
    /// Length of each phase (quiet, then loaded).
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    duration: Duration,
    /// Progress lookups a second, open loop; 0 for none.
    #[arg(long, default_value_t = 20_000)]
    lookups_per_s: u64,
    /// Connections the lookups are spread over.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    lookup_conns: u64,
    /// Share of lookups for tickets of past days (the rest are for today's).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=100))]
    past_lookup_percent: u64,
    /// Tickets of past days in the database (`banli-loadgen history`: its
    /// days × tickets per day); 0 if none.
    #[arg(long, default_value_t = 0)]
    history_tickets: u64,
    /// Counter consoles (one per counter, 1 to this); 0 for none.
    #[arg(long, default_value_t = 30)]
    consoles: u32,
    /// How often each console calls the next ticket.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    console_call_every: Duration,
    /// Days each report spans; 0 for no reports.
    #[arg(long, default_value_t = 366)]
    report_days: u32,
    /// The last day of the reports (default: the business day before the current one).
    #[arg(long)]
    report_to: Option<Date>,
    /// How often the administrator asks for the report again.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    report_every: Duration,
    /// Comma-separated service ids to issue for (default: every open one).
    #[arg(long, value_name = "a,b,c")]
    services: Option<String>,
}

/// What the extra load did.
#[derive(Debug, Default, Serialize)]
struct Extra {
    /// Seconds the extra load ran (from the start of the loaded phase's
    /// issuing to its end).
    seconds: f64,
    /// Lookups answered.
    lookups: u64,
    /// Lookups answered per second.
    lookups_per_s: f64,
    /// Lookup latency from the scheduled instant.
    lookup_latency: Option<Percentiles>,
    /// Lookup answers other than 200, and transport failures.
    lookup_errors: BTreeMap<String, u64>,
    /// The report asked for before the quiet phase (which sums the past
    /// days for the first time), seconds.
    first_report_seconds: Option<f64>,
    /// Reports answered.
    reports: u64,
    /// Each report's duration, seconds.
    report_seconds: Vec<f64>,
    /// Report answers other than 200.
    report_errors: BTreeMap<String, u64>,
    /// Tickets in the first report's total.
    report_tickets: Option<u64>,
    /// Consoles that connected.
    consoles: u64,
    /// Events the consoles received.
    console_events: u64,
    /// Counter views the consoles fetched.
    console_fetches: u64,
    /// Their latency.
    console_fetch_latency: Option<Percentiles>,
    /// Tickets the consoles called.
    console_calls: u64,
    /// Console requests that failed, and streams that broke.
    console_errors: BTreeMap<String, u64>,
}

/// The JSON line of a `mixed` run.
#[derive(Debug, Serialize)]
struct MixedSummary {
    /// Always `"mixed"`.
    mode: &'static str,
    /// Issuing alone.
    quiet: IssueSummary,
    /// Issuing with the extra load.
    loaded: IssueSummary,
    /// The extra load.
    extra: Extra,
}

/// Runs `mixed`.
///
/// # Errors
/// When setup fails.
pub async fn run(args: MixedArgs) -> Result<ExitCode> {
    let mut s = args.common.session().await?;
    let kiosk =
        api::create_device(&mut s.conn, &s.admin_token, DeviceKind::Kiosk, &s.run_tag).await?;
    let services = choose_services(&mut s.conn, &kiosk, args.services.as_deref()).await?;
    let counters: Vec<CounterId> = (1..=args.consoles).map(CounterId).collect();
    let staff = if counters.is_empty() {
        String::new()
    } else {
        api::staff_login(&mut s.conn, &s.admin_token, &counters).await?
    };
    let clients = usize::try_from(args.clients)?;
    let plan = |tag: &str, keep_codes: bool| Plan {
        target: s.target.clone(),
        token: kiosk.clone(),
        services: services.clone(),
        clients,
        total: None,
        duration: Some(args.duration),
        idempotency: true,
        replay_every: 0,
        keep_codes,
        max_errors: 1000,
        run_tag: format!("{}-{tag}", s.run_tag),
    };

    let report_path = if args.report_days > 0 {
        let to = match args.report_to {
            Some(d) => d,
            None => yesterday()?,
        };
        let from = to.checked_sub(Span::new().days(i64::from(args.report_days) - 1))?;
        Some(format!("/api/v1/admin/reports?from={from}&to={to}"))
    } else {
        None
    };
    let mut first_report_seconds = None;
    if let Some(path) = &report_path {
        let started = Instant::now();
        let reply = s.conn.send(Call::get(path).bearer(&s.admin_token)).await?;
        if !reply.status.is_success() {
            bail!("the first report was answered {}", reply.status);
        }
        let secs = started.elapsed().as_secs_f64();
        eprintln!("mixed: first report {path}: {secs:.2} s (sums the past days once)");
        first_report_seconds = Some(round3(secs));
    }

    eprintln!(
        "mixed: quiet phase, {clients} issuing clients for {:?}",
        args.duration
    );
    let quiet = measure(plan("quiet", true)).await?;
    let today: Arc<[(TicketId, String)]> = quiet.codes.clone().into();
    if today.is_empty() && args.lookups_per_s > 0 {
        bail!("the quiet phase issued no ticket to look up");
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let counts = Arc::new(Counts::default());
    let mut tasks = Vec::new();
    let (lat_tx, mut lat_rx) = mpsc::unbounded_channel::<Sample>();

    if let Some(path) = report_path {
        eprintln!("mixed: reports {path} every {:?}", args.report_every);
        tasks.push(tokio::spawn(reporter(
            s.target.clone(),
            s.admin_token.clone(),
            path,
            args.report_every,
            stop_rx.clone(),
            lat_tx.clone(),
        )));
    }
    let (ready_tx, mut ready_rx) = mpsc::channel::<Result<(), String>>(counters.len().max(1));
    for (idx, &counter) in counters.iter().enumerate() {
        let phase = args
            .console_call_every
            .mul_f64(idx as f64 / counters.len() as f64);
        tasks.push(tokio::spawn(console(Console {
            target: s.target.clone(),
            token: staff.clone(),
            counter,
            call_every: args.console_call_every,
            first_call_after: phase,
            ready: ready_tx.clone(),
            stop: stop_rx.clone(),
            samples: lat_tx.clone(),
            counts: Arc::clone(&counts),
        })));
    }
    drop(ready_tx);
    let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    for _ in 0..counters.len() {
        match tokio::time::timeout_at(deadline, ready_rx.recv()).await {
            Ok(Some(Ok(()))) => {}
            Ok(Some(Err(e))) => bail!("a console could not connect: {e}"),
            Ok(None) | Err(_) => bail!("the consoles did not connect within {CONNECT_TIMEOUT:?}"),
        }
    }
    let lookup_conns = args.lookup_conns.min(args.lookups_per_s.max(1));
    let lookup_started = Instant::now();
    if args.lookups_per_s > 0 {
        for k in 0..lookup_conns {
            tasks.push(tokio::spawn(lookups(Lookups {
                target: s.target.clone(),
                worker: k,
                workers: lookup_conns,
                per_s: args.lookups_per_s,
                start: lookup_started,
                today: Arc::clone(&today),
                past: args.history_tickets,
                past_percent: args.past_lookup_percent,
                stop: stop_rx.clone(),
                samples: lat_tx.clone(),
            })));
        }
    }
    drop(lat_tx);
    eprintln!(
        "mixed: loaded phase: {} consoles connected, {} lookups/s over {lookup_conns} connections, reports {}",
        counters.len(),
        args.lookups_per_s,
        if args.report_days > 0 {
            "running"
        } else {
            "off"
        }
    );
    let loaded_started = Instant::now();
    let loaded = measure(plan("loaded", false)).await?;
    let extra_seconds = loaded_started.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);

    // Collect the extra load's samples while its tasks finish.
    let mut lookup_lat = Latencies::default();
    let mut fetch_lat = Latencies::default();
    let mut extra = Extra {
        seconds: round3(extra_seconds),
        consoles: counters.len() as u64,
        first_report_seconds,
        ..Extra::default()
    };
    let collector = async {
        while let Some(sample) = lat_rx.recv().await {
            match sample {
                Sample::Lookup {
                    at,
                    latency,
                    status,
                } => {
                    // Only lookups scheduled in the loaded phase count.
                    if at >= loaded_started && at <= loaded_started + args.duration {
                        match status {
                            Some(200) => {
                                extra.lookups += 1;
                                lookup_lat.record(latency);
                            }
                            other => count(&mut extra.lookup_errors, other),
                        }
                    }
                }
                Sample::Report {
                    latency,
                    status,
                    tickets,
                } => match status {
                    Some(200) => {
                        extra.reports += 1;
                        extra.report_seconds.push(round3(latency.as_secs_f64()));
                        extra.report_tickets = extra.report_tickets.or(tickets);
                    }
                    other => count(&mut extra.report_errors, other),
                },
                Sample::Fetch { latency, status } => match status {
                    Some(200) => {
                        extra.console_fetches += 1;
                        fetch_lat.record(latency);
                    }
                    other => count(&mut extra.console_errors, other),
                },
                Sample::ConsoleError(why) => {
                    *extra.console_errors.entry(why).or_default() += 1;
                }
            }
        }
    };
    collector.await;
    for t in tasks {
        let _ = t.await;
    }
    extra.lookups_per_s = round3(extra.lookups as f64 / args.duration.as_secs_f64());
    extra.lookup_latency = lookup_lat.summary();
    extra.console_fetch_latency = fetch_lat.summary();
    extra.console_events = counts.events.load(Ordering::Relaxed);
    extra.console_calls = counts.calls.load(Ordering::Relaxed);

    let q = IssueSummary::new(clients, true, &quiet);
    let l = IssueSummary::new(clients, true, &loaded);
    q.print_titled("issuing alone", &quiet);
    l.print_titled("issuing with reports, consoles and lookups", &loaded);
    print_extra(&extra);
    print_comparison(&q, &l);
    let passed = q.passed()
        && l.passed()
        && extra.lookup_errors.is_empty()
        && extra.report_errors.is_empty()
        && extra.console_errors.is_empty();
    if args.common.json {
        let line = MixedSummary {
            mode: "mixed",
            quiet: q,
            loaded: l,
            extra,
        };
        println!("{}", serde_json::to_string(&line)?);
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn print_extra(e: &Extra) {
    eprintln!();
    eprintln!("== the extra load, over {:.1} s ==", e.seconds);
    match e.lookup_latency {
        Some(p) => eprintln!(
            "  lookups: {} answered, {:.0}/s; latency from schedule ms: p50 {:.3}  p99 {:.3}  max {:.3}",
            e.lookups, e.lookups_per_s, p.p50_ms, p.p99_ms, p.max_ms
        ),
        None => eprintln!("  lookups: none answered"),
    }
    if !e.lookup_errors.is_empty() {
        eprintln!("  lookup errors: {:?}", e.lookup_errors);
    }
    if let Some(secs) = e.first_report_seconds {
        eprintln!("  first report, before the quiet phase: {secs:.2} s");
    }
    let mut sorted = e.report_seconds.clone();
    sorted.sort_by(f64::total_cmp);
    match (sorted.first(), sorted.last()) {
        (Some(min), Some(max)) => eprintln!(
            "  reports: {} answered ({} tickets each), {:.3}–{:.3} s, median {:.3} s",
            e.reports,
            e.report_tickets.map_or("?".to_owned(), |n| n.to_string()),
            min,
            max,
            sorted[sorted.len() / 2]
        ),
        _ => eprintln!("  reports: none answered"),
    }
    if !e.report_errors.is_empty() {
        eprintln!("  report errors: {:?}", e.report_errors);
    }
    eprintln!(
        "  consoles: {} connected, {} events received, {} tickets called, {} counter views fetched{}",
        e.consoles,
        e.console_events,
        e.console_calls,
        e.console_fetches,
        e.console_fetch_latency.map_or(String::new(), |p| format!(
            " (ms: p50 {:.3}  p99 {:.3}  max {:.3})",
            p.p50_ms, p.p99_ms, p.max_ms
        ))
    );
    if !e.console_errors.is_empty() {
        eprintln!("  console errors: {:?}", e.console_errors);
    }
}

fn print_comparison(q: &IssueSummary, l: &IssueSummary) {
    let f = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.3}"));
    eprintln!();
    eprintln!("== issuing: alone → with the extra load ==");
    eprintln!(
        "  tickets/s {:.0} → {:.0}",
        q.tickets_per_s, l.tickets_per_s
    );
    eprintln!("  p50 ms {} → {}", f(q.p50_ms), f(l.p50_ms));
    eprintln!(
        "  p99 ms {} → {}  (target < 20 with the load)",
        f(q.p99_ms),
        f(l.p99_ms)
    );
    eprintln!("  max ms {} → {}", f(q.max_ms), f(l.max_ms));
    eprintln!(
        "  over 50 ms {} → {}",
        q.stalls.over_50ms, l.stalls.over_50ms
    );
}

/// One closed-loop issuing phase with a progress line.
async fn measure(plan: Plan) -> Result<Outcome> {
    let progress = Arc::new(Progress::default());
    let ticker = issuing::spawn_progress_printer(Arc::clone(&progress), String::new);
    let outcome = issuing::run(plan, progress).await;
    ticker.abort();
    outcome
}

/// What the extra load's tasks report, one message per request.
enum Sample {
    Lookup {
        /// The instant it was scheduled for.
        at: Instant,
        latency: Duration,
        /// `None` for a transport failure.
        status: Option<u16>,
    },
    Report {
        latency: Duration,
        status: Option<u16>,
        tickets: Option<u64>,
    },
    Fetch {
        latency: Duration,
        status: Option<u16>,
    },
    ConsoleError(String),
}

/// Counters too frequent to send one message each for.
#[derive(Debug, Default)]
struct Counts {
    events: AtomicU64,
    calls: AtomicU64,
}

fn count(map: &mut BTreeMap<String, u64>, status: Option<u16>) {
    let key = status.map_or_else(|| "transport".to_owned(), |s| s.to_string());
    *map.entry(key).or_default() += 1;
}

/// Asks for the report every `every` (or as soon as the last answer is
/// in, if it took longer) until stopped.
async fn reporter(
    target: Target,
    token: String,
    path: String,
    every: Duration,
    mut stop: watch::Receiver<bool>,
    samples: mpsc::UnboundedSender<Sample>,
) {
    let Ok(mut conn) = Conn::connect(&target).await else {
        let _ = samples.send(Sample::Report {
            latency: Duration::ZERO,
            status: None,
            tickets: None,
        });
        return;
    };
    let mut next = tokio::time::Instant::now();
    while !*stop.borrow() {
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            _ = stop.changed() => break,
        }
        next = tokio::time::Instant::now() + every;
        let started = Instant::now();
        let reply = tokio::select! {
            reply = conn.send(Call::get(&path).bearer(&token)) => reply,
            _ = stop.changed() => break,
        };
        let latency = started.elapsed();
        let (status, tickets) = match reply {
            Ok(r) => (
                Some(r.status.as_u16()),
                r.json::<serde_json::Value>()
                    .ok()
                    .and_then(|v| v["total"]["tickets"].as_u64()),
            ),
            Err(_) => (None, None),
        };
        let _ = samples.send(Sample::Report {
            latency,
            status,
            tickets,
        });
    }
}

/// One counter console.
struct Console {
    target: Target,
    token: String,
    counter: CounterId,
    call_every: Duration,
    first_call_after: Duration,
    ready: mpsc::Sender<Result<(), String>>,
    stop: watch::Receiver<bool>,
    samples: mpsc::UnboundedSender<Sample>,
    counts: Arc<Counts>,
}

/// A console: reads every event, fetches its counter when an event names
/// it, calls the next ticket now and then.
async fn console(mut c: Console) {
    let opened = async {
        let mut ws = events::connect(&c.target, &c.token, false).await?;
        events::first_snapshot(&mut ws).await?;
        let conn = Conn::connect(&c.target).await?;
        Ok::<_, anyhow::Error>((ws, conn))
    }
    .await;
    let (mut ws, mut conn) = match opened {
        Ok(x) => {
            let _ = c.ready.send(Ok(())).await;
            x
        }
        Err(e) => {
            let _ = c.ready.send(Err(format!("{e:#}"))).await;
            return;
        }
    };
    // An event names this counter as `"counter_id":N` followed by `,` or `}`
    // (a call, a finish, a status change). Matching the text saves parsing
    // every ticket_issued event in the load generator, which shares the
    // server's cores.
    let needle = format!("\"counter_id\":{}", c.counter);
    let path = format!("/api/v1/counters/{}", c.counter);
    let call_path = api::call_next_path(c.counter);
    let mut calls = tokio::time::interval_at(
        tokio::time::Instant::now() + c.first_call_after.max(Duration::from_millis(1)),
        c.call_every,
    );
    loop {
        tokio::select! {
            _ = c.stop.changed() => break,
            _ = calls.tick() => {
                match conn.send(Call::post(&call_path, Bytes::from_static(b"{}")).bearer(&c.token)).await {
                    Ok(r) if r.status.is_success() => {
                        c.counts.calls.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => {
                        let _ = c.samples.send(Sample::ConsoleError(format!("call-next {}", r.status.as_u16())));
                    }
                    Err(_) => {
                        let _ = c.samples.send(Sample::ConsoleError("call-next transport".to_owned()));
                    }
                }
            }
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) | None => {
                        let _ = c.samples.send(Sample::ConsoleError("stream closed".to_owned()));
                        break;
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) => {
                        let _ = c.samples.send(Sample::ConsoleError("stream broke".to_owned()));
                        break;
                    }
                };
                c.counts.events.fetch_add(1, Ordering::Relaxed);
                if names_counter(text.as_str(), &needle) {
                    let started = Instant::now();
                    let reply = conn.send(Call::get(&path).bearer(&c.token)).await;
                    let _ = c.samples.send(Sample::Fetch {
                        latency: started.elapsed(),
                        status: reply.ok().map(|r| r.status.as_u16()),
                    });
                }
            }
        }
    }
    let _ = ws.close(None).await;
}

/// Whether an event's text has `needle` (`"counter_id":N`) followed by the
/// end of the number.
fn names_counter(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(i, _)| {
        matches!(
            text.as_bytes().get(i + needle.len()),
            Some(b',' | b'}' | b' ')
        )
    })
}

/// One lookup connection and its share of the schedule.
struct Lookups {
    target: Target,
    /// This connection's index: it sends the requests numbered
    /// `worker, worker + workers, …`.
    worker: u64,
    workers: u64,
    /// Lookups a second over all connections.
    per_s: u64,
    /// Instant of request number 0.
    start: Instant,
    today: Arc<[(TicketId, String)]>,
    /// Past tickets in the database.
    past: u64,
    past_percent: u64,
    stop: watch::Receiver<bool>,
    samples: mpsc::UnboundedSender<Sample>,
}

/// Sends lookups on schedule until stopped.
async fn lookups(l: Lookups) {
    let Ok(mut conn) = Conn::connect(&l.target).await else {
        let _ = l.samples.send(Sample::Lookup {
            at: Instant::now(),
            latency: Duration::ZERO,
            status: None,
        });
        return;
    };
    let interval = Duration::from_secs(1).div_f64(l.per_s as f64);
    let mut n = l.worker;
    while !*l.stop.borrow() {
        let at = l.start + interval.mul_f64(n as f64);
        tokio::time::sleep_until(at.into()).await;
        let r = splitmix64(n);
        let (id, code) = if l.past > 0 && r % 100 < l.past_percent {
            let id = HISTORY_ID_BASE + (r >> 8) % l.past;
            (id, query_code(id))
        } else {
            let (id, code) = &l.today[((r >> 8) % l.today.len() as u64) as usize];
            (id.0, code.clone())
        };
        let path = format!("/api/v1/tickets/{id}?code={code}");
        let reply = conn.send(Call::get(&path)).await;
        let _ = l.samples.send(Sample::Lookup {
            at,
            latency: at.elapsed(),
            status: reply.ok().map(|r| r.status.as_u16()),
        });
        n += l.workers;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_ids_match_whole_numbers_only() {
        let called = r#"{"call":{"ticket_id":41,"counter_id":1,"zone":"1F"}}"#;
        assert!(names_counter(called, "\"counter_id\":1"));
        assert!(!names_counter(called, "\"counter_id\":12"));
        let status = r#"{"type":"counter_status_changed","counter_id":12}"#;
        assert!(names_counter(status, "\"counter_id\":12"));
        assert!(!names_counter(status, "\"counter_id\":1"));
        assert!(!names_counter(
            r#"{"type":"ticket_issued"}"#,
            "\"counter_id\":1"
        ));
    }
}
