//! `history`: past business days written straight into the ticket read
//! model (`tickets`) of a stopped server's database, so that a year-long
//! report has something to read without issuing millions of tickets
//! through the API first.
//!
//! The rows are what the server's read model would hold after such days
//! (the columns `store::journal` writes; the journal itself is not needed,
//! reports and past progress read only this table): `--tickets-per-day`
//! tickets a day over the benchmark hall's eight services, issued from
//! 08:30 to 17:30 in the hall's time zone, 85 % finished, 8 % no-shows,
//! 4 % cancelled and 3 % expired, 10 % in the elderly lane, with waits up
//! to an hour and handle times of one to fifteen minutes at `--counters`
//! counters. Ids start at [`HISTORY_ID_BASE`], far above anything the
//! engine issues, and each ticket's query code is [`query_code`] of its
//! id, so the load generator can look past tickets up without a list.
//! Everything is drawn from a fixed seed: the same options give the same
//! rows.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use banli_core::jiff::civil::Date;
use banli_core::jiff::{Span, Timestamp};
use clap::Args;
use rusqlite::{Connection, params};

/// The first id of a generated ticket. The engine numbers tickets from 1;
/// a hall would need a million tickets a day for three thousand years to
/// reach this.
pub const HISTORY_ID_BASE: u64 = 1_000_000_000_000;

/// The benchmark hall's services and their number prefixes
/// (`scripts/bench-hall.toml`).
const SERVICES: [(&str, char); 8] = [
    ("sa", 'A'),
    ("sb", 'B'),
    ("sc", 'C'),
    ("sd", 'D'),
    ("se", 'E'),
    ("sf", 'F'),
    ("sg", 'G'),
    ("sh", 'H'),
];

/// The hall's time zone (the benchmark hall keeps the default).
const TIME_ZONE: &str = "Asia/Shanghai";

/// `history` options.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The database file of a stopped server (`DATA/banli.db`), created by
    /// starting the server once.
    #[arg(long)]
    db: PathBuf,
    /// Business days to write, ending with --last-day.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3660))]
    days: u32,
    /// Tickets each day.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..=999_999))]
    tickets_per_day: u32,
    /// The last day written (default: the business day before the current one).
    #[arg(long)]
    last_day: Option<Date>,
    /// Counters tickets were called at (1 to this).
    #[arg(long, default_value_t = 30)]
    counters: u32,
}

/// The query code of a generated ticket.
pub fn query_code(id: u64) -> String {
    format!("{:06}", splitmix64(id) % 1_000_000)
}

/// SplitMix64: a tiny, good-enough generator for test data, so that this
/// tool needs no RNG crate and its output is reproducible.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The business day before the hall's current one: yesterday in the
/// hall's time zone, counting days from the hall's roll-over at 03:00 (the
/// default the benchmark hall keeps). Between midnight and 03:00 the
/// hall's day is still the calendar's yesterday, and a "past" day written
/// or reported on then would be the server's live day.
///
/// # Errors
/// When the time zone is unknown (it is bundled).
pub fn yesterday() -> Result<Date> {
    let tz = banli_core::jiff::tz::TimeZone::get(TIME_ZONE)?;
    let business_now = Timestamp::now() - banli_core::jiff::SignedDuration::from_hours(3);
    Ok(business_now.to_zoned_datetime(tz).date().yesterday()?)
}

/// Runs `history`.
///
/// # Errors
/// When the database cannot be opened or written, or has no `tickets`
/// table (the server was never started on it).
pub fn run(args: HistoryArgs) -> Result<ExitCode> {
    let last = match args.last_day {
        Some(d) => d,
        None => yesterday()?,
    };
    let first = last.checked_sub(Span::new().days(i64::from(args.days) - 1))?;
    let conn =
        Connection::open(&args.db).with_context(|| format!("cannot open {}", args.db.display()))?;
    let has_table: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'tickets'",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        bail!(
            "{} has no tickets table: start the server on it once first",
            args.db.display()
        );
    }
    // Test data: losing it to a crash costs a rerun, so no fsync per day.
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "cache_size", -262_144)?;

    let started = Instant::now();
    let per_day = u64::from(args.tickets_per_day);
    let mut day = first;
    let mut id = HISTORY_ID_BASE;
    for n in 0..args.days {
        write_day(&conn, day, per_day, id, args.counters.max(1))?;
        id += per_day;
        if n + 1 < args.days {
            day = day.tomorrow()?;
        }
        if (n + 1) % 10 == 0 {
            eprintln!(
                "  history: {} of {} days, {:.0} s",
                n + 1,
                args.days,
                started.elapsed().as_secs_f64()
            );
        }
    }
    // Now make it durable once: a database left with hundreds of megabytes
    // of unsynced pages makes the server's first fsync wait for all of
    // them (a 280 ms first commit in `mixed`), which is this tool's cost,
    // not the server's.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let rows = u64::from(args.days) * per_day;
    let secs = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(&args.db).map_or(0, |m| m.len());
    eprintln!(
        "== history: {rows} tickets over {} days ({first} to {last}), ids from {HISTORY_ID_BASE}, in {secs:.1} s; database {:.0} MB ==",
        args.days,
        size as f64 / 1e6
    );
    Ok(ExitCode::SUCCESS)
}

/// One business day's tickets, in one transaction.
fn write_day(
    conn: &Connection,
    day: Date,
    per_day: u64,
    first_id: u64,
    counters: u32,
) -> Result<()> {
    let opening = day
        .at(8, 30, 0, 0)
        .in_tz(TIME_ZONE)?
        .timestamp()
        .as_millisecond();
    let closing = day
        .at(17, 30, 0, 0)
        .in_tz(TIME_ZONE)?
        .timestamp()
        .as_millisecond();
    let span_ms = (closing - opening).max(1) as u64;
    let day_str = day.to_string();
    let tx = conn.unchecked_transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO tickets (id, business_day, number, service_id, issued_service_id, class, status,
                query_code, issued_by, issued_at_ms, estimated_wait_secs, first_called_at_ms, called_at_ms,
                closed_at_ms, counter_id, staff, recalls, transfers)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, 'device:loadgen-history', ?8, ?9, ?10, ?10, ?11, ?12, ?13, 0, 0)",
        )?;
        for k in 0..per_day {
            let id = first_id + k;
            let r = splitmix64(id ^ 0x5EED);
            let (service, prefix) = SERVICES[(k % SERVICES.len() as u64) as usize];
            let number = format!("{prefix}{:06}", k / SERVICES.len() as u64 + 1);
            let issued = opening + (k * span_ms / per_day) as i64;
            let wait_ms = ((r >> 8) % 3_600_000) as i64;
            let handle_ms = 60_000 + ((r >> 32) % 840_000) as i64;
            let class = if r.is_multiple_of(10) {
                "elderly"
            } else {
                "normal"
            };
            let counter = 1 + ((r >> 40) % u64::from(counters)) as i64;
            let (status, called, closed, counter, staff) = match (r >> 16) % 100 {
                0..85 => (
                    "finished",
                    Some(issued + wait_ms),
                    Some(issued + wait_ms + handle_ms),
                    Some(counter),
                    Some(format!("staff{counter}")),
                ),
                85..93 => (
                    "no_show",
                    Some(issued + wait_ms),
                    Some(issued + wait_ms + 180_000),
                    Some(counter),
                    Some(format!("staff{counter}")),
                ),
                93..97 => ("cancelled", None, Some(issued + wait_ms / 2), None, None),
                _ => ("expired", None, Some(closing), None, None),
            };
            insert.execute(params![
                i64::try_from(id)?,
                day_str,
                number,
                service,
                class,
                status,
                query_code(id),
                issued,
                wait_ms / 1000 + 60,
                called,
                closed,
                counter,
                staff,
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_reproducible() {
        let a = query_code(HISTORY_ID_BASE + 7);
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(a, query_code(HISTORY_ID_BASE + 7));
        assert_ne!(query_code(HISTORY_ID_BASE), query_code(HISTORY_ID_BASE + 1));
    }
}
