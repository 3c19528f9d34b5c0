//! `ceiling`: durable issuing against this machine's in-memory HTTP
//! ceiling, measured in the same run with the same load.
//!
//! The target (issue 8, "The hall never stops"): durable issuing reaches at
//! least half of what a plain axum handler answering the same request with
//! the same JSON from memory reaches (`banli-baseline`), with 64
//! connections and this tool on the same two cores. The run issues for
//! `--duration` against the baseline, then the real server, then the
//! baseline again (so that a change in what else the machine is doing
//! shows as a difference between the two baseline figures), with the same
//! [`crate::issuing`] load each time: the same connections, the same body,
//! the same headers (a bearer token and a unique `Idempotency-Key`, never
//! replayed, so that every request has the same shape), closed loop. The
//! ratio is the server's rate over the mean of the two baseline rates.
//!
//! With `--floor-url` (a `banli-baseline --journal FILE`), the durable
//! floor is measured too, between the first baseline and the server: the
//! same handler acknowledging each answer only once it is synced to a file
//! by group commit, the least a durable server must do here. Its ratio is
//! the most the server's could be on this machine with this load.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use crate::api::{self, DeviceKind};
use crate::args::{Common, parse_duration};
use crate::http::Target;
use crate::issue::{IssueSummary, choose_services};
use crate::issuing::{self, Outcome, Plan, Progress};
use crate::stats::round3;

/// The token sent to the baseline, which only checks that there is one.
const BASELINE_TOKEN: &str = "baseline-kiosk";

/// `ceiling` options.
#[derive(Debug, Args)]
pub struct CeilingArgs {
    #[command(flatten)]
    common: Common,
    /// The in-memory baseline's root URL (`banli-baseline`).
    #[arg(long, value_name = "http://HOST:PORT")]
    baseline_url: String,
    /// Concurrent keep-alive connections, each in a closed loop.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    clients: u64,
    /// Length of each of the three runs.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Comma-separated service ids (default: every service open now).
    #[arg(long, value_name = "a,b,c")]
    services: Option<String>,
    /// The durable floor's root URL (`banli-baseline --journal FILE`), to
    /// measure it in the same run.
    #[arg(long, value_name = "http://HOST:PORT")]
    floor_url: Option<String>,
}

/// The JSON line of a `ceiling` run.
#[derive(Debug, Serialize)]
struct CeilingSummary {
    /// Always `"ceiling"`.
    mode: &'static str,
    /// The baseline before and after the server.
    baseline: [IssueSummary; 2],
    /// The real, durable server.
    durable: IssueSummary,
    /// The server's rate over the mean baseline rate.
    ratio: f64,
    /// The durable floor, when measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    floor: Option<FloorSummary>,
}

/// The durable floor's run in the JSON line.
#[derive(Debug, Serialize)]
struct FloorSummary {
    /// Its run.
    run: IssueSummary,
    /// Its rate over the mean baseline rate: the most the server's ratio
    /// could be here.
    ratio: f64,
    /// The server's rate over the floor's.
    server_share: f64,
}

/// Runs `ceiling`.
///
/// # Errors
/// When setup fails or a server cannot be reached.
pub async fn run(args: CeilingArgs) -> Result<ExitCode> {
    let mut s = args.common.session().await?;
    let kiosk =
        api::create_device(&mut s.conn, &s.admin_token, DeviceKind::Kiosk, &s.run_tag).await?;
    let services = choose_services(&mut s.conn, &kiosk, args.services.as_deref()).await?;
    let baseline = Target::parse(&args.baseline_url)?;
    let floor = args.floor_url.as_deref().map(Target::parse).transpose()?;
    let clients = usize::try_from(args.clients)?;
    eprintln!(
        "ceiling: {clients} clients, {:?} each against the baseline,{} the server, the baseline",
        args.duration,
        if floor.is_some() {
            " the durable floor,"
        } else {
            ""
        }
    );

    let plan = |target: &Target, token: &str, tag: &str| Plan {
        target: target.clone(),
        token: token.to_owned(),
        services: services.clone(),
        clients,
        total: None,
        duration: Some(args.duration),
        idempotency: true,
        replay_every: 0,
        keep_codes: false,
        max_errors: 1000,
        run_tag: format!("{}-{tag}", s.run_tag),
    };
    let before = measure(plan(&baseline, BASELINE_TOKEN, "b1")).await?;
    let floor = match &floor {
        Some(target) => Some(measure(plan(target, BASELINE_TOKEN, "floor")).await?),
        None => None,
    };
    let durable = measure(plan(&s.target, &kiosk, "server")).await?;
    let after = measure(plan(&baseline, BASELINE_TOKEN, "b2")).await?;

    let summary = |o: &Outcome| IssueSummary::new(clients, true, o);
    let (b1, d, b2) = (summary(&before), summary(&durable), summary(&after));
    b1.print_titled("in-memory baseline (before)", &before);
    let floor = floor.map(|o| {
        let f = summary(&o);
        f.print_titled("durable floor (bare handler, group-committed file)", &o);
        f
    });
    d.print_titled("durable server", &durable);
    b2.print_titled("in-memory baseline (after)", &after);
    let ceiling = (b1.tickets_per_s + b2.tickets_per_s) / 2.0;
    let ratio = share(d.tickets_per_s, ceiling);
    eprintln!();
    eprintln!(
        "== durable {:.0}/s against the in-memory ceiling {:.0}/s ({:.0} and {:.0}): ratio {ratio:.3} (target ≥ 0.5) ==",
        d.tickets_per_s, ceiling, b1.tickets_per_s, b2.tickets_per_s
    );
    let floor = floor.map(|f| {
        let ratio = share(f.tickets_per_s, ceiling);
        let server_share = share(d.tickets_per_s, f.tickets_per_s);
        eprintln!(
            "== durable floor {:.0}/s: ratio {ratio:.3}; the server reaches {:.0} % of it ==",
            f.tickets_per_s,
            100.0 * server_share
        );
        FloorSummary {
            run: f,
            ratio,
            server_share,
        }
    });
    let passed =
        b1.passed() && d.passed() && b2.passed() && floor.as_ref().is_none_or(|f| f.run.passed());
    if args.common.json {
        let line = CeilingSummary {
            mode: "ceiling",
            baseline: [b1, b2],
            durable: d,
            ratio,
            floor,
        };
        println!("{}", serde_json::to_string(&line)?);
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// `part` over `whole`, to three places; 0 when `whole` is not positive.
fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        round3(part / whole)
    } else {
        0.0
    }
}

/// One closed-loop run with a progress line.
async fn measure(plan: Plan) -> Result<Outcome> {
    let progress = Arc::new(Progress::default());
    let label = plan.target.ws_url("").replace("ws://", "");
    let ticker =
        issuing::spawn_progress_printer(Arc::clone(&progress), move || format!(" ({label})"));
    let outcome = issuing::run(plan, progress).await;
    ticker.abort();
    outcome
}
