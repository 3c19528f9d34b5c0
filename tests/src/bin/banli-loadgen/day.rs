//! `day`: a whole busy day in minutes, for the memory target (DESIGN.md:
//! < 100 MB RSS after 100,000 tickets in a day). RSS is measured by the
//! script that starts the server; this only makes the day.
//!
//! It issues `--tickets` across every open service with the closed-loop
//! issuer (kiosks send idempotency keys, as real ones do, so the server
//! keeps its idempotency records too), while one caller per counter, with
//! the administrator's token, calls the next ticket whenever fewer than
//! `--serve-fraction` of the tickets issued so far have been called. When
//! issuing is over the callers catch up to that fraction (or until their
//! queues are empty). Each call-next also finishes the counter's previous
//! ticket, so by the end the hall holds tickets in every state: finished,
//! being served and still waiting.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use banli_core::ids::{CounterId, ServiceId};
use clap::Args;
use hyper::StatusCode;
use hyper::body::Bytes;
use serde::Serialize;

use crate::api::{self, DeviceKind};
use crate::args::{Common, parse_list};
use crate::events;
use crate::http::{Call, Conn, Target};
use crate::issuing::{self, Plan, Progress};
use crate::stats::round3;

/// A counter caller gives up after this many failures in a row.
const CALLER_MAX_FAILURES: u32 = 10;

/// `day` options.
#[derive(Debug, Args)]
pub struct DayArgs {
    #[command(flatten)]
    common: Common,
    /// Tickets to issue over the day.
    #[arg(long, default_value_t = 100_000)]
    tickets: u64,
    /// Concurrent kiosk connections.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    clients: u64,
    /// Share of issued tickets the counters call, during the day and in a
    /// catch-up after it; the rest are still waiting at the end.
    #[arg(long, default_value_t = 0.9)]
    serve_fraction: f64,
    /// Comma-separated counter numbers to call at (default: every counter
    /// in the hall's snapshot).
    #[arg(long, value_name = "1,2,3")]
    counters: Option<String>,
    /// Send no idempotency keys.
    #[arg(long)]
    no_idempotency: bool,
    /// Stop once this many ticket requests have failed.
    #[arg(long, default_value_t = 1000)]
    max_errors: u64,
}

/// Counter calls, shared by the callers and the progress line.
#[derive(Debug, Default)]
struct Calls {
    /// Tickets called.
    called: AtomicU64,
    /// Call-next answers of 204: nobody waiting for that counter.
    nobody_waiting: AtomicU64,
    /// Set when issuing is over: callers catch up, then stop.
    issuing_done: AtomicBool,
}

/// Runs `day`.
///
/// # Errors
/// When setup fails.
pub async fn run(args: DayArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.serve_fraction) {
        bail!("--serve-fraction must be between 0 and 1");
    }
    let mut s = args.common.session().await?;
    let kiosk =
        api::create_device(&mut s.conn, &s.admin_token, DeviceKind::Kiosk, &s.run_tag).await?;
    let services: Vec<ServiceId> = api::services(&mut s.conn, &kiosk)
        .await?
        .into_iter()
        .filter(|v| v.is_open)
        .map(|v| v.id)
        .collect();
    if services.is_empty() {
        bail!("no service is issuing tickets now");
    }
    let counters: Vec<CounterId> = match &args.counters {
        Some(list) => parse_list(list)
            .iter()
            .map(|c| c.parse().map(CounterId))
            .collect::<Result<_, _>>()
            .context("--counters takes counter numbers like 1,2,3")?,
        None => events::snapshot(&s.target, &s.admin_token)
            .await?
            .counters
            .iter()
            .map(|c| c.id)
            .collect(),
    };
    eprintln!(
        "day: {} tickets over {} services, {} kiosk connections, {} counters calling {:.0} % of them",
        args.tickets,
        services.len(),
        args.clients,
        counters.len(),
        args.serve_fraction * 100.0
    );
    if counters.is_empty() {
        eprintln!("  warning: the hall has no counters; issuing only");
    }

    let progress = Arc::new(Progress::default());
    let calls = Arc::new(Calls::default());
    let callers: Vec<_> = counters
        .iter()
        .map(|&counter| {
            tokio::spawn(caller(
                counter,
                s.target.clone(),
                s.admin_token.clone(),
                args.serve_fraction,
                Arc::clone(&progress),
                Arc::clone(&calls),
            ))
        })
        .collect();
    let ticker = {
        let calls = Arc::clone(&calls);
        issuing::spawn_progress_printer(Arc::clone(&progress), move || {
            format!(", called {}", calls.called.load(Ordering::Relaxed))
        })
    };

    let plan = Plan {
        target: s.target.clone(),
        token: kiosk,
        services,
        clients: usize::try_from(args.clients)?,
        total: Some(args.tickets),
        duration: None,
        idempotency: !args.no_idempotency,
        replay_every: issuing::IDEMPOTENCY_SAMPLE_EVERY,
        keep_codes: false,
        max_errors: args.max_errors,
        run_tag: s.run_tag.clone(),
    };
    let day_started = Instant::now();
    let outcome = issuing::run(plan, Arc::clone(&progress)).await;
    // Release: a caller that sees the flag also sees the final count.
    calls.issuing_done.store(true, Ordering::Release);
    if outcome.is_ok() && !counters.is_empty() {
        eprintln!("  issuing done; counters catching up…");
    }
    let mut call_errors = BTreeMap::new();
    for c in callers {
        for (status, n) in c.await.context("a counter caller panicked")? {
            *call_errors.entry(status).or_default() += n;
        }
    }
    ticker.abort();
    let day_s = round3(day_started.elapsed().as_secs_f64());
    let outcome = outcome?;

    let p = outcome.latencies.summary();
    let elapsed_s = outcome.elapsed.as_secs_f64();
    let summary = DaySummary {
        mode: "day",
        total: outcome.issued,
        requests: outcome.requests,
        errors: outcome.errors.clone(),
        elapsed_s: round3(elapsed_s),
        tickets_per_s: if elapsed_s > 0.0 {
            round3(outcome.issued as f64 / elapsed_s)
        } else {
            0.0
        },
        p50_ms: p.map(|p| p.p50_ms),
        p99_ms: p.map(|p| p.p99_ms),
        max_ms: p.map(|p| p.max_ms),
        duplicates: outcome.duplicates,
        idempotency_mismatches: outcome.idempotency_mismatches,
        counters: counters.len(),
        called: calls.called.load(Ordering::Relaxed),
        nobody_waiting: calls.nobody_waiting.load(Ordering::Relaxed),
        call_errors,
        stopped_early: outcome.stopped_early.clone(),
        day_s,
    };
    summary.print_human();
    if args.common.json {
        println!("{}", serde_json::to_string(&summary)?);
    }
    Ok(if summary.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// One counter's member of staff: calls whenever the hall is behind its
/// serve fraction; once issuing is over, until the fraction is reached or
/// nobody waits for this counter. Returns its failed calls by status.
async fn caller(
    counter: CounterId,
    target: Target,
    token: String,
    serve_fraction: f64,
    progress: Arc<Progress>,
    calls: Arc<Calls>,
) -> BTreeMap<String, u64> {
    let mut errors = BTreeMap::new();
    let mut count = |key: String| *errors.entry(key).or_insert(0) += 1;
    let mut conn = match Conn::connect(&target).await {
        Ok(conn) => conn,
        Err(e) => {
            eprintln!("  counter {counter}: {e:#}; not calling there");
            count("transport".to_owned());
            return errors;
        }
    };
    let path = api::call_next_path(counter);
    let mut failures_in_a_row = 0;
    loop {
        let done = calls.issuing_done.load(Ordering::Acquire);
        let issued = progress.issued.load(Ordering::Relaxed);
        let due = (issued as f64 * serve_fraction) as u64;
        // Claim a call before making it, so counters do not overshoot.
        if calls.called.fetch_add(1, Ordering::Relaxed) >= due {
            calls.called.fetch_sub(1, Ordering::Relaxed);
            if done {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let call = Call::post(&path, Bytes::from_static(b"{}")).bearer(&token);
        let failure = match conn.send(call).await {
            Ok(reply) if reply.status == StatusCode::NO_CONTENT => {
                calls.called.fetch_sub(1, Ordering::Relaxed);
                calls.nobody_waiting.fetch_add(1, Ordering::Relaxed);
                if done {
                    break; // Its queues are empty and no more tickets come.
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                failures_in_a_row = 0;
                continue;
            }
            Ok(reply) if reply.status.is_success() => None,
            Ok(reply) => Some((reply.status.as_str().to_owned(), reply.describe())),
            Err(e) => Some(("transport".to_owned(), format!("{e:#}"))),
        };
        let Some((key, why)) = failure else {
            failures_in_a_row = 0;
            continue;
        };
        calls.called.fetch_sub(1, Ordering::Relaxed);
        count(key);
        failures_in_a_row += 1;
        if failures_in_a_row >= CALLER_MAX_FAILURES {
            eprintln!(
                "  counter {counter}: {failures_in_a_row} failed calls in a row, the last: {why}; giving up there"
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    errors
}

/// The JSON line of a `day` run.
#[derive(Debug, Serialize)]
pub struct DaySummary {
    /// Always `"day"`.
    pub mode: &'static str,
    /// Tickets issued.
    pub total: u64,
    /// Ticket requests sent, failed ones included.
    pub requests: u64,
    /// Failed ticket requests by status, `transport` or `bad_body`.
    pub errors: BTreeMap<String, u64>,
    /// Wall time of issuing.
    pub elapsed_s: f64,
    /// `total / elapsed_s`.
    pub tickets_per_s: f64,
    /// Median ticket request latency.
    pub p50_ms: Option<f64>,
    /// 99th percentile.
    pub p99_ms: Option<f64>,
    /// Slowest.
    pub max_ms: Option<f64>,
    /// Tickets that repeated an id or a number.
    pub duplicates: u64,
    /// Idempotent replays that came back with another ticket.
    pub idempotency_mismatches: u64,
    /// Counters calling.
    pub counters: usize,
    /// Tickets called (each call also finished the counter's previous one).
    pub called: u64,
    /// Call-next answers of 204.
    pub nobody_waiting: u64,
    /// Failed calls by status or `transport`.
    pub call_errors: BTreeMap<String, u64>,
    /// Why issuing ended before the target, if it did.
    pub stopped_early: Option<String>,
    /// Wall time of the whole day, the callers' catch-up included.
    pub day_s: f64,
}

impl DaySummary {
    /// No duplicate, no mismatch, no 5xx or unanswered request.
    fn passed(&self) -> bool {
        self.duplicates == 0
            && self.idempotency_mismatches == 0
            && issuing::hard_failures(&self.errors) == 0
            && issuing::hard_failures(&self.call_errors) == 0
    }

    fn print_human(&self) {
        eprintln!();
        eprintln!(
            "== day: {} tickets issued, {} called ==",
            self.total, self.called
        );
        eprintln!(
            "  issuing {:.1} s ({:.1} s with the catch-up), {:.0} tickets/s; \
             ticket latency ms p50 {}  p99 {}  max {}",
            self.elapsed_s,
            self.day_s,
            self.tickets_per_s,
            self.p50_ms.map_or("-".into(), |v| format!("{v:.3}")),
            self.p99_ms.map_or("-".into(), |v| format!("{v:.3}")),
            self.max_ms.map_or("-".into(), |v| format!("{v:.3}")),
        );
        eprintln!(
            "  still waiting or being served: about {}",
            self.total.saturating_sub(self.called) + self.counters as u64
        );
        if !self.errors.is_empty() {
            eprintln!("  ticket errors: {:?}", self.errors);
        }
        if !self.call_errors.is_empty() {
            eprintln!("  call errors: {:?}", self.call_errors);
        }
        eprintln!(
            "  duplicates: {}, idempotency mismatches: {}",
            self.duplicates, self.idempotency_mismatches
        );
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
    fn json_line_shape_and_verdict() -> Result<()> {
        let mut s = DaySummary {
            mode: "day",
            total: 100_000,
            requests: 100_000,
            errors: BTreeMap::new(),
            elapsed_s: 20.0,
            tickets_per_s: 5000.0,
            p50_ms: Some(1.0),
            p99_ms: Some(5.0),
            max_ms: Some(9.0),
            duplicates: 0,
            idempotency_mismatches: 0,
            counters: 10,
            called: 90_000,
            nobody_waiting: 3,
            call_errors: BTreeMap::new(),
            stopped_early: None,
            day_s: 25.0,
        };
        let v = serde_json::to_value(&s)?;
        assert_eq!(v["mode"], "day");
        assert_eq!(v["total"], 100_000);
        assert_eq!(v["called"], 90_000);
        assert!(s.passed());
        s.call_errors.insert("500".into(), 1);
        assert!(!s.passed(), "a 5xx on a call fails the day");
        Ok(())
    }
}
