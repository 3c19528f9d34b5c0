//! `issue`: ticket issuing throughput and latency, and the numbering
//! contract under load.
//!
//! The target (DESIGN.md, "Performance targets") is ≥ 10,000 tickets/s with
//! 64 clients, p99 < 20 ms and no duplicate, on 2 cores shared with this
//! tool. See [`crate::issuing`] for how the load is made.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use banli_core::ids::ServiceId;
use clap::Args;
use serde::Serialize;

use crate::api::{self, DeviceKind};
use crate::args::{Common, parse_duration, parse_list};
use crate::http::Target;
use crate::issuing::{self, Outcome, Plan, Progress};
use crate::stats::{Stalls, episodes, round3};

/// Slow requests sent within this many seconds of one another are one
/// stall of the server.
const EPISODE_GAP_S: f64 = 0.2;
/// Stall episodes listed in the human summary (the JSON has them all).
const MAX_EPISODES_SHOWN: usize = 12;

/// `issue` options.
#[derive(Debug, Args)]
pub struct IssueArgs {
    #[command(flatten)]
    common: Common,
    /// Concurrent keep-alive connections, each in a closed loop.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    clients: u64,
    /// Tickets to issue (default 100000 when --duration is not given).
    #[arg(long)]
    total: Option<u64>,
    /// Stop after this long (500ms, 30s, 2m…), even if --total is not reached.
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Comma-separated service ids (default: every service open now).
    #[arg(long, value_name = "a,b,c")]
    services: Option<String>,
    /// Send a unique Idempotency-Key with each request and replay 1 % of
    /// them (see --replay-every), checking that the same ticket comes back.
    #[arg(long)]
    idempotency: bool,
    /// With --idempotency: replay every this-many requests; 0 sends keys
    /// but never replays (every request then has the same shape).
    #[arg(long, default_value_t = issuing::IDEMPOTENCY_SAMPLE_EVERY)]
    replay_every: u64,
    /// A kiosk token to issue with: skips the administrator login and the
    /// device registration (needs --services). For servers that have no
    /// admin API, such as `banli-baseline`.
    #[arg(long, requires = "services")]
    token: Option<String>,
    /// Stop once this many requests have failed.
    #[arg(long, default_value_t = 1000)]
    max_errors: u64,
}

/// Runs `issue`.
///
/// # Errors
/// When setup fails (login, device, no open service).
pub async fn run(args: IssueArgs) -> Result<ExitCode> {
    let (target, kiosk, run_tag, services) = match &args.token {
        Some(token) => {
            let named = args.services.as_deref().unwrap_or_default();
            (
                Target::parse(&args.common.url)?,
                token.clone(),
                api::random_hex()[..8].to_owned(),
                named_services(named)?,
            )
        }
        None => {
            let mut session = args.common.session().await?;
            let kiosk = api::create_device(
                &mut session.conn,
                &session.admin_token,
                DeviceKind::Kiosk,
                &session.run_tag,
            )
            .await?;
            let services =
                choose_services(&mut session.conn, &kiosk, args.services.as_deref()).await?;
            (session.target, kiosk, session.run_tag, services)
        }
    };
    let total = match (args.total, args.duration) {
        (None, None) => Some(100_000),
        (total, _) => total,
    };
    eprintln!(
        "issue: {} clients, {} tickets{} over {} service(s): {}{}",
        args.clients,
        total.map_or("unlimited".to_owned(), |t| t.to_string()),
        args.duration
            .map_or(String::new(), |d| format!(" or {d:?}")),
        services.len(),
        services
            .iter()
            .map(ServiceId::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        if args.idempotency {
            ", with idempotency keys"
        } else {
            ""
        },
    );

    let clients = usize::try_from(args.clients)?;
    let plan = Plan {
        target,
        token: kiosk,
        services,
        clients,
        total,
        duration: args.duration,
        idempotency: args.idempotency,
        replay_every: args.replay_every,
        keep_codes: false,
        max_errors: args.max_errors,
        run_tag,
    };
    let progress = Arc::new(Progress::default());
    let ticker = issuing::spawn_progress_printer(Arc::clone(&progress), String::new);
    let outcome = issuing::run(plan, progress).await;
    ticker.abort();
    let outcome = outcome?;

    let summary = IssueSummary::new(clients, args.idempotency, &outcome);
    summary.print_human(&outcome);
    if args.common.json {
        println!("{}", serde_json::to_string(&summary)?);
    }
    Ok(if summary.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// The services of a `--services a,b,c` list.
///
/// # Errors
/// When the list names none.
pub fn named_services(named: &str) -> Result<Vec<ServiceId>> {
    let ids: Vec<ServiceId> = parse_list(named).into_iter().map(ServiceId::from).collect();
    if ids.is_empty() {
        bail!("--services names no service");
    }
    Ok(ids)
}

/// The services named on the command line, or every open one.
///
/// # Errors
/// When the list is empty or no service is open.
pub async fn choose_services(
    conn: &mut crate::http::Conn,
    token: &str,
    named: Option<&str>,
) -> Result<Vec<ServiceId>> {
    if let Some(named) = named {
        return named_services(named);
    }
    let all = api::services(conn, token).await?;
    let open: Vec<ServiceId> = all
        .iter()
        .filter(|s| s.is_open)
        .map(|s| s.id.clone())
        .collect();
    if open.is_empty() {
        let why: Vec<String> = all
            .iter()
            .map(|s| match s.closed_reason {
                Some(r) => format!("{}: {r}", s.id),
                None => format!("{}: closed", s.id),
            })
            .collect();
        bail!("no service is issuing tickets now ({})", why.join("; "));
    }
    Ok(open)
}

/// The JSON line of an `issue` run. Latency fields are `null` when no
/// request was answered.
#[derive(Debug, Serialize)]
pub struct IssueSummary {
    /// Always `"issue"`.
    pub mode: &'static str,
    /// Concurrent connections.
    pub clients: usize,
    /// Tickets issued.
    pub total: u64,
    /// First attempts sent, failed ones included.
    pub requests: u64,
    /// Failed requests by HTTP status, `transport` or `bad_body`.
    pub errors: BTreeMap<String, u64>,
    /// Failed requests by the server's error code.
    pub error_codes: BTreeMap<String, u64>,
    /// Wall time of the load phase.
    pub elapsed_s: f64,
    /// `total / elapsed_s`.
    pub tickets_per_s: f64,
    /// Median request latency.
    pub p50_ms: Option<f64>,
    /// 90th percentile latency.
    pub p90_ms: Option<f64>,
    /// 99th percentile latency.
    pub p99_ms: Option<f64>,
    /// Slowest request.
    pub max_ms: Option<f64>,
    /// Tickets that repeated an id or a (business day, number).
    pub duplicates: u64,
    /// Whether idempotency keys were sent.
    pub idempotency: bool,
    /// Replays sent with a used key.
    pub idempotency_checks: u64,
    /// Replays that did not return the original ticket.
    pub idempotency_mismatches: u64,
    /// Connections the server closed and we reopened.
    pub reconnects: u64,
    /// Why the run ended before its target, if it did.
    pub stopped_early: Option<String>,
    /// Requests slower than 50 ms, by size.
    pub stalls: Stalls,
    /// The stalls grouped by when they happened: `(seconds from the start,
    /// requests, longest ms)`.
    pub stall_episodes: Vec<(f64, u64, f64)>,
    /// Mean size of an answer's body, to show two servers answered alike.
    pub mean_body_bytes: f64,
}

impl IssueSummary {
    /// Summarises a run.
    pub fn new(clients: usize, idempotency: bool, o: &Outcome) -> Self {
        let elapsed_s = o.elapsed.as_secs_f64();
        let p = o.latencies.summary();
        Self {
            mode: "issue",
            clients,
            total: o.issued,
            requests: o.requests,
            errors: o.errors.clone(),
            error_codes: o.error_codes.clone(),
            elapsed_s: round3(elapsed_s),
            tickets_per_s: if elapsed_s > 0.0 {
                round3(o.issued as f64 / elapsed_s)
            } else {
                0.0
            },
            p50_ms: p.map(|p| p.p50_ms),
            p90_ms: p.map(|p| p.p90_ms),
            p99_ms: p.map(|p| p.p99_ms),
            max_ms: p.map(|p| p.max_ms),
            duplicates: o.duplicates,
            idempotency,
            idempotency_checks: o.idempotency_checks,
            idempotency_mismatches: o.idempotency_mismatches,
            reconnects: o.reconnects,
            stopped_early: o.stopped_early.clone(),
            stalls: o.latencies.stalls(),
            stall_episodes: episodes(&o.slow, EPISODE_GAP_S)
                .into_iter()
                .map(|(at, n, ms)| (round3(at), n, round3(ms)))
                .collect(),
            mean_body_bytes: round3(o.mean_body_bytes()),
        }
    }

    /// No duplicate, no 5xx, no request left unanswered, no unreadable
    /// success body and no idempotency mismatch. (Duplicates and 5xx are
    /// the brief; the others are the same kind of broken promise.)
    pub fn passed(&self) -> bool {
        self.duplicates == 0
            && issuing::hard_failures(&self.errors) == 0
            && self.idempotency_mismatches == 0
    }

    /// Prints the summary under a `== title ==` line.
    pub fn print_titled(&self, title: &str, o: &Outcome) {
        eprintln!();
        eprintln!("== {title} ==");
        self.print_body(o);
    }

    fn print_human(&self, o: &Outcome) {
        self.print_titled(
            &format!("issue: {} tickets by {} clients", self.total, self.clients),
            o,
        );
    }

    fn print_body(&self, o: &Outcome) {
        eprintln!(
            "  elapsed {:.3} s, {:.0} tickets/s ({} requests)",
            self.elapsed_s, self.tickets_per_s, self.requests
        );
        match (self.p50_ms, self.p90_ms, self.p99_ms, self.max_ms) {
            (Some(p50), Some(p90), Some(p99), Some(max)) => eprintln!(
                "  latency ms: p50 {p50:.3}  p90 {p90:.3}  p99 {p99:.3}  max {max:.3}  (n={})",
                o.latencies.len()
            ),
            _ => eprintln!("  latency: no request was answered"),
        }
        eprintln!("  stalls: {}", self.stalls);
        if !self.stall_episodes.is_empty() {
            let shown: Vec<String> = self
                .stall_episodes
                .iter()
                .take(MAX_EPISODES_SHOWN)
                .map(|(at, n, ms)| format!("{at:.2} s: {n} req, max {ms:.0} ms"))
                .collect();
            let more = self.stall_episodes.len().saturating_sub(MAX_EPISODES_SHOWN);
            eprintln!(
                "  stall episodes (sent at): {}{}",
                shown.join("; "),
                if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                }
            );
        }
        eprintln!("  mean answer body: {:.1} bytes", self.mean_body_bytes);
        if self.errors.is_empty() {
            eprintln!("  errors: none");
        } else {
            eprintln!("  errors by status: {:?}", self.errors);
            eprintln!("  errors by code:   {:?}", self.error_codes);
        }
        eprintln!("  duplicates: {}", self.duplicates);
        for example in &o.duplicate_examples {
            eprintln!("    {example}");
        }
        if self.idempotency {
            eprintln!(
                "  idempotency: {} replays, {} mismatches",
                self.idempotency_checks, self.idempotency_mismatches
            );
        }
        if self.reconnects > 0 {
            eprintln!(
                "  reconnects: {} (the server closed keep-alive connections)",
                self.reconnects
            );
        }
        if !o.closed_services.is_empty() {
            let ids: Vec<&str> = o.closed_services.iter().map(ServiceId::as_str).collect();
            eprintln!("  services that stopped issuing: {}", ids.join(", "));
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

    fn outcome() -> Outcome {
        let mut o = Outcome {
            issued: 1000,
            requests: 1002,
            elapsed: Duration::from_millis(250),
            ..Outcome::default()
        };
        for ms in 1..=100u64 {
            o.latencies.record(Duration::from_millis(ms));
        }
        o.errors.insert("409".into(), 2);
        o.error_codes.insert("quota_reached".into(), 2);
        o
    }

    #[test]
    fn json_line_has_the_agreed_fields() -> Result<()> {
        let summary = IssueSummary::new(64, true, &outcome());
        let line = serde_json::to_string(&summary)?;
        assert!(!line.contains('\n'), "one line");
        let v: serde_json::Value = serde_json::from_str(&line)?;
        let keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        for key in [
            "mode",
            "total",
            "errors",
            "elapsed_s",
            "tickets_per_s",
            "p50_ms",
            "p90_ms",
            "p99_ms",
            "max_ms",
            "duplicates",
            "idempotency_mismatches",
        ] {
            assert!(keys.contains(&key), "missing {key} in {line}");
        }
        assert_eq!(v["mode"], "issue");
        assert_eq!(v["total"], 1000);
        assert_eq!(v["tickets_per_s"], 4000.0);
        assert_eq!(v["p50_ms"], 50.0);
        assert_eq!(v["p99_ms"], 99.0);
        assert_eq!(v["max_ms"], 100.0);
        assert_eq!(v["errors"]["409"], 2);
        Ok(())
    }

    #[test]
    fn no_answer_means_null_latencies() -> Result<()> {
        let summary = IssueSummary::new(1, false, &Outcome::default());
        let v = serde_json::to_value(&summary)?;
        assert!(v["p99_ms"].is_null());
        assert_eq!(v["tickets_per_s"], 0.0);
        Ok(())
    }

    #[test]
    fn verdict() {
        let ok = IssueSummary::new(64, true, &outcome());
        assert!(ok.passed(), "4xx alone do not fail the run");

        let mut o = outcome();
        o.duplicates = 1;
        assert!(!IssueSummary::new(64, true, &o).passed());

        let mut o = outcome();
        o.errors.insert("503".into(), 1);
        assert!(!IssueSummary::new(64, true, &o).passed());

        let mut o = outcome();
        o.idempotency_mismatches = 1;
        assert!(!IssueSummary::new(64, true, &o).passed());

        let mut o = outcome();
        o.errors.insert("transport".into(), 1);
        assert!(!IssueSummary::new(64, true, &o).passed());
    }
}
