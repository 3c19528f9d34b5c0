//! `banli-sim`: simulates hall days on the engine the server runs, from a
//! hall configuration and a demand profile, and prints waits per service
//! and hour, counters' utilisation, and how well the wait estimates held.
//!
//! ```sh
//! banli-sim                                   # the demo hall, a typical weekday
//! banli-sim --hall hall.toml --profile p.toml --days 20 --seed 7
//! banli-sim --json > figures.json
//! banli-sim --staffing --target-p90 15       # counters needed per service and hour
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use banli_core::config::HallConfig;
use banli_server::hall_file;
use banli_server::sim::{self, Profile, Report, staffing};
use clap::Parser;

/// Simulate hall days on Banli's engine: waits, utilisation and the
/// accuracy of the wait estimates, deterministic for a seed.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Hall configuration file (TOML); the demo hall when left out.
    #[arg(long, value_name = "hall.toml")]
    hall: Option<PathBuf>,
    /// Demand profile (TOML); the demo hall's when left out.
    #[arg(long, value_name = "profile.toml")]
    profile: Option<PathBuf>,
    /// Days to simulate (consecutive days of the profile's weekdays).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3660))]
    days: u32,
    /// Seed of the random draws: the same seed gives the same days.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the figures as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Also write every ticket (issue time, estimate shown, wait that
    /// followed) to this CSV file, for a closer look at the estimates.
    #[arg(long, value_name = "tickets.csv")]
    tickets: Option<PathBuf>,
    /// Advise the fewest counters per service and hour that meet a target
    /// wait (`--target-p90`, optionally `--target-mean`), instead of
    /// simulating the hall as configured. `--days` days (at most 10) are
    /// simulated for every staffing tried.
    #[arg(long)]
    staffing: bool,
    /// With --staffing: 90% of citizens called within this many minutes.
    #[arg(long, value_name = "MINUTES", default_value_t = 15.0)]
    target_p90: f64,
    /// With --staffing: and a mean wait of at most this many minutes.
    #[arg(long, value_name = "MINUTES")]
    target_mean: Option<f64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(out) => {
            // A closed pipe (`banli-sim | head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout().lock(), "{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("banli-sim: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<String, String> {
    let hall = match &args.hall {
        Some(path) => hall_file::load_hall(path).map_err(|e| e.to_string())?,
        None => hall_file::parse_hall("demo-hall.toml", hall_file::DEMO_HALL)
            .map_err(|e| e.to_string())?,
    };
    let profile = match &args.profile {
        Some(path) => {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("{name}: cannot read the profile: {e}"))?;
            Profile::parse(&name, &text, &hall).map_err(|e| e.to_string())?
        }
        None => Profile::parse("demo-profile.toml", sim::DEMO_PROFILE, &hall)
            .map_err(|e| e.to_string())?,
    };
    if args.staffing {
        return staffing(args, &hall, &profile);
    }
    let days = sim::simulate(&hall, &profile, args.seed, args.days).map_err(|e| e.to_string())?;
    if let Some(path) = &args.tickets {
        let mut csv = String::from(
            "date,number,service,priority,issued_at,estimate_minutes,wait_minutes,served\n",
        );
        for day in &days {
            for t in &day.tickets {
                // Ids, numbers and times only: nothing needs quoting.
                let _ = writeln!(
                    csv,
                    "{},{},{},{},{},{:.2},{},{}",
                    day.date,
                    t.number,
                    t.service,
                    t.priority,
                    t.issued_at,
                    f64::from(t.estimate_secs) / 60.0,
                    t.wait_secs()
                        .map_or_else(String::new, |w| format!("{:.2}", w / 60.0)),
                    t.served
                );
            }
        }
        std::fs::write(path, csv).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let report = Report::of(&days);
    if args.json {
        return serde_json::to_string_pretty(&report).map_err(|e| e.to_string());
    }
    let mut out = String::new();
    if !profile.name.is_empty() {
        let _ = writeln!(out, "{}", profile.name);
    }
    let _ = writeln!(out, "seed {}, from {}", args.seed, profile.date);
    out.push_str(&report.to_text(&hall));
    Ok(out)
}

/// `--staffing`: the advice as a table (or JSON).
fn staffing(args: &Args, hall: &HallConfig, profile: &Profile) -> Result<String, String> {
    let target = staffing::Target {
        p90_minutes: args.target_p90,
        mean_minutes: args.target_mean,
    };
    let opts = staffing::Options {
        seed: args.seed,
        days: args.days,
        ..staffing::Options::default()
    };
    let started = std::time::Instant::now();
    let advice = staffing::advise(hall, profile, target, &opts).map_err(|e| e.to_string())?;
    if args.json {
        return serde_json::to_string_pretty(&advice).map_err(|e| e.to_string());
    }
    let mut out = String::new();
    if !profile.name.is_empty() {
        let _ = writeln!(out, "{}", profile.name);
    }
    out.push_str(&advice.to_text(hall));
    let _ = write!(out, "searched in {:.2} s", started.elapsed().as_secs_f64());
    Ok(out)
}
