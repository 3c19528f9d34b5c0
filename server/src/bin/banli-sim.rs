//! `banli-sim`: simulates hall days on the engine the server runs, from a
//! hall configuration and a demand profile, and prints waits per service
//! and hour, counters' utilisation, and how well the wait estimates held.
//!
//! ```sh
//! banli-sim                                   # the demo hall, a typical weekday
//! banli-sim --hall hall.toml --profile p.toml --days 20 --seed 7
//! banli-sim --json > figures.json
//! banli-sim --hall hall.toml --history /var/lib/banli/banli.db --weekday 1 --month 11 \
//!           --write-profile mondays-in-november.toml
//! banli-sim --staffing --target-p90 15       # counters needed per service and hour
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use banli_core::config::HallConfig;
use banli_server::hall_file;
use banli_server::sim::{self, Profile, Report, history, staffing};
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
    #[arg(long, value_name = "profile.toml", conflicts_with = "history")]
    profile: Option<PathBuf>,
    /// Derive the profile from the hall's recorded days in this database
    /// (the server's banli.db; read only, safe while the server runs).
    #[arg(long, value_name = "banli.db")]
    history: Option<PathBuf>,
    /// With --history: only this day of the week (1 = Monday ... 7).
    #[arg(long, requires = "history", value_parser = clap::value_parser!(u8).range(1..=7))]
    weekday: Option<u8>,
    /// With --history: only this month (1 to 12).
    #[arg(long, requires = "history", value_parser = clap::value_parser!(u8).range(1..=12))]
    month: Option<u8>,
    /// Write the profile used (derived or read) to this TOML file, to edit
    /// and use again with --profile.
    #[arg(long, value_name = "profile.toml")]
    write_profile: Option<PathBuf>,
    /// Days to simulate (consecutive days of the profile's weekdays).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=3660))]
    days: u32,
    /// Seed of the random draws: the same seed gives the same days.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the figures as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Also write the figures as an HTML page with charts to this file.
    #[arg(long, value_name = "report.html")]
    html: Option<PathBuf>,
    /// Also write the chart of waits per service and hour as SVG.
    #[arg(long, value_name = "waits.svg")]
    svg: Option<PathBuf>,
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
    let profile = match (&args.profile, &args.history) {
        (_, Some(db)) => {
            let conn = rusqlite::Connection::open_with_flags(
                db,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .map_err(|e| format!("{}: {e}", db.display()))?;
            let filter = history::DayFilter {
                weekday: args.weekday,
                month: args.month,
                ..history::DayFilter::default()
            };
            let (profile, summary) = history::profile_from_history(&conn, &hall, &filter)
                .map_err(|e| format!("{}: {e}", db.display()))?;
            eprintln!(
                "banli-sim: profile from {} recorded day(s), {} tickets",
                summary.days.len(),
                summary.tickets
            );
            profile
        }
        (Some(path), None) => {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("{name}: cannot read the profile: {e}"))?;
            Profile::parse(&name, &text, &hall).map_err(|e| e.to_string())?
        }
        (None, None) => Profile::parse("demo-profile.toml", sim::DEMO_PROFILE, &hall)
            .map_err(|e| e.to_string())?,
    };
    if let Some(path) = &args.write_profile {
        let text = toml::to_string(&profile).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
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
    let title = if profile.name.is_empty() {
        format!("seed {}, from {}", args.seed, profile.date)
    } else {
        format!(
            "{} · seed {}, from {}",
            profile.name, args.seed, profile.date
        )
    };
    if let Some(path) = &args.html {
        let page = sim::charts::html(&report, &hall, &title).map_err(|e| e.to_string())?;
        std::fs::write(path, page).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &args.svg {
        std::fs::write(path, sim::charts::waits_svg(&report, &hall))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
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
