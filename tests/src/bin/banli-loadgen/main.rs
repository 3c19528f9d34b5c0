//! `banli-loadgen`: the load generator behind the performance targets in
//! DESIGN.md ("Performance targets"). It talks to a running Banli server
//! over its public HTTP and WebSocket API only, creating the devices and
//! the staff account it needs through the admin API, and measures:
//!
//! - `issue`: tickets per second and request latency (p50/p90/p99/max) with
//!   N concurrent keep-alive kiosk connections in a closed loop, and the
//!   numbering contract under that load: no ticket id and no (business day,
//!   number) twice, and, with `--idempotency`, a retried request gets the
//!   original ticket back. Target: ≥ 10,000/s, p99 < 20 ms, 0 duplicates.
//! - `fanout`: the time from a counter's call-next request to the
//!   `ticket_called` event at each of N WebSocket subscribers, plus missed
//!   events and sequence gaps. Target: p99 < 50 ms at 1,000 subscribers.
//! - `day`: a whole day's traffic (100,000 tickets, counters calling) so
//!   that the script around it can read the server's RSS. Target: < 100 MB.
//! - `ceiling`: issuing against `banli-baseline` (the same request answered
//!   from memory by a bare axum handler) and the real server in turn, and
//!   the ratio. Target: ≥ 0.5, p99 < 10 ms, no stall over 50 ms.
//! - `mixed`: issuing alone, then beside a 366-day report in a loop, 30
//!   counter consoles and 20,000 progress lookups a second. Target: issuing
//!   p99 < 20 ms with that load.
//! - `history`: not a measurement: writes past days of tickets into a
//!   stopped server's database for `mixed`.
//!
//! Progress and a human summary go to stderr; `--json` adds one JSON line
//! on stdout for scripts. The exit status is 0 when the run passed its
//! correctness checks, 2 when it ran but found a problem (duplicates, 5xx,
//! missed events…), 1 when it could not run at all. Latency targets are
//! reported, not enforced: the figures depend on the machine.
//!
//! # Layout
//! - `args`: the options every subcommand shares; the admin [`args::Session`].
//! - `http`: one keep-alive HTTP/1.1 connection ([`http::Conn`]) on hyper.
//! - `api`: the routes used, typed, and the setup calls.
//! - `events`: the WebSocket event stream, as a subscriber.
//! - `issuing`: the closed-loop issuer shared by `issue` and `day`.
//! - `stats`, `dupes`: percentiles and duplicate detection (pure, tested).
//! - `issue`, `fanout`, `day`, `ceiling`, `mixed`, `history`: one file
//!   per subcommand.

mod api;
mod args;
mod ceiling;
mod day;
mod dupes;
mod events;
mod fanout;
mod history;
mod http;
mod issue;
mod issuing;
mod mixed;
mod stats;

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};

/// Load generator for the Banli queue server.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Runtime worker threads (default: one per core). The server usually
    /// shares the machine, so fewer threads can leave it more room.
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Issue tickets from many kiosk connections: throughput, latency,
    /// duplicates, idempotency.
    Issue(issue::IssueArgs),
    /// Call tickets at one counter with many boards subscribed: call → event
    /// latency, missed events, sequence gaps.
    Fanout(fanout::FanoutArgs),
    /// Play a whole busy day (issuing and calling) for a memory measurement.
    Day(day::DayArgs),
    /// Issue against an in-memory baseline and the real server in turn:
    /// durable issuing as a share of the machine's HTTP ceiling.
    Ceiling(ceiling::CeilingArgs),
    /// Issue alone, then beside year-long reports, counter consoles and
    /// progress lookups: issuing latency with and without that load.
    Mixed(mixed::MixedArgs),
    /// Write past days of tickets into a stopped server's database, for
    /// `mixed`'s reports and past-ticket lookups.
    History(history::HistoryArgs),
}

// The server's allocator (see tests/Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("banli-loadgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = cli.threads {
        runtime.worker_threads(threads.max(1));
    }
    let runtime = runtime
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    runtime.block_on(async {
        match cli.command {
            Command::Issue(args) => issue::run(args).await,
            Command::Fanout(args) => fanout::run(args).await,
            Command::Day(args) => day::run(args).await,
            Command::Ceiling(args) => ceiling::run(args).await,
            Command::Mixed(args) => mixed::run(args).await,
            Command::History(args) => history::run(args),
        }
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn documented_command_lines_parse() {
        for line in [
            "banli-loadgen issue --url http://127.0.0.1:8080 --admin-password pw --clients 64 --total 100000 --idempotency --json",
            "banli-loadgen issue --url http://127.0.0.1:8080 --admin-password pw --duration 30s --services a,b",
            "banli-loadgen fanout --url http://127.0.0.1:8080 --admin-password pw --subscribers 1000 --calls 200 --counter 1",
            "banli-loadgen --threads 1 day --url http://127.0.0.1:8080 --admin-password pw --tickets 100000",
            "banli-loadgen ceiling --url http://127.0.0.1:8080 --admin-password pw --baseline-url http://127.0.0.1:8081 --duration 10s",
            "banli-loadgen issue --url http://127.0.0.1:8081 --token t --services sa,sb --duration 5s --idempotency --replay-every 0",
            "banli-loadgen mixed --url http://127.0.0.1:8080 --admin-password pw --duration 15s --lookups-per-s 20000 --consoles 30 --history-tickets 3000000",
            "banli-loadgen history --db /tmp/data/banli.db --days 30 --tickets-per-day 100000",
        ] {
            let parsed = Cli::try_parse_from(line.split_whitespace());
            assert!(parsed.is_ok(), "{line}: {parsed:?}");
        }
        assert!(
            Cli::try_parse_from(["banli-loadgen", "issue", "--admin-password", "pw"]).is_err(),
            "--url is required"
        );
    }
}
