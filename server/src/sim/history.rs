//! Demand from the hall's own recorded days: a profile derived from the
//! ticket read model (`tickets` in the server's database), so that a
//! director simulates their own hall ("a typical Monday in November"), not
//! a made-up one; and a recorded day as a [`Trace`] to replay exactly.
//!
//! What the read model keeps, and so what a derived profile has:
//! - arrivals per service (the service a ticket was issued for) and
//!   quarter hour of issue, averaged over the matching days;
//! - handle times per service from its finished tickets (last call to
//!   finish), as a log-normal of the same mean and spread;
//! - the share of priority tickets, of tickets that ended as no-shows, and
//!   of tickets transferred on to each other service.
//!
//! What it does not keep: a ticket re-queued after a no-show and then
//! served ends as finished, so returns are not counted (a derived profile
//! has `requeue = 0` and its `no_show` is the share that never came back);
//! and a transferred ticket's time at its first service is not recorded,
//! so that service's handle time comes from its tickets that finished
//! there. Staffing comes from the hall's hours; edit the profile's
//! `staffed` and `counters` to match the rota.

use std::collections::BTreeMap;

use banli_core::config::{ClockTime, HallConfig, PriorityClass};
use banli_core::ids::ServiceId;
use banli_core::jiff::Timestamp;
use banli_core::jiff::civil::Date;
use banli_core::jiff::tz::TimeZone;
use rusqlite::{Connection, params};

use super::profile::{HandleTime, Profile, QUARTER_SECS, ServiceDemand, TransferShare};
use super::run::{Trace, TraceArrival};

/// Which recorded days make the profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayFilter {
    /// Only this day of the week (1 = Monday ... 7 = Sunday).
    pub weekday: Option<u8>,
    /// Only this month (1 to 12).
    pub month: Option<u8>,
    /// Only days from this one.
    pub from: Option<Date>,
    /// Only days up to this one.
    pub to: Option<Date>,
}

impl DayFilter {
    fn accepts(&self, day: Date) -> bool {
        let weekday = u8::try_from(day.weekday().to_monday_one_offset()).unwrap_or(0);
        self.weekday.is_none_or(|w| w == weekday)
            && self
                .month
                .is_none_or(|m| i8::try_from(m).is_ok_and(|m| m == day.month()))
            && self.from.is_none_or(|f| day >= f)
            && self.to.is_none_or(|t| day <= t)
    }
}

/// Why no profile could be derived.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The database could not be read.
    #[error("cannot read the recorded days: {0}")]
    Database(#[from] rusqlite::Error),
    /// No recorded day matches.
    #[error("no recorded day matches (weekday, month, dates); nothing to derive a profile from")]
    NoDays,
    /// The hall's time zone is unknown.
    #[error("hall.timezone: unknown time zone {0:?}")]
    TimeZone(String),
}

/// One recorded ticket, as the read model has it.
#[derive(Debug, Clone)]
struct Row {
    day: Date,
    issued_service: String,
    service: String,
    class: String,
    status: String,
    issued_at: Timestamp,
    called_at: Option<Timestamp>,
    closed_at: Option<Timestamp>,
}

fn timestamp(ms: Option<i64>) -> Option<Timestamp> {
    ms.and_then(|ms| Timestamp::from_millisecond(ms).ok())
}

fn rows(conn: &Connection, filter: &DayFilter) -> Result<Vec<Row>, HistoryError> {
    let mut stmt = conn.prepare(
        "SELECT business_day, issued_service_id, service_id, class, status, issued_at_ms, \
                called_at_ms, closed_at_ms \
         FROM tickets ORDER BY business_day, issued_at_ms, id",
    )?;
    let mapped = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, Option<i64>>(6)?,
            r.get::<_, Option<i64>>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in mapped {
        let (day, issued_service, service, class, status, issued, called, closed) = row?;
        // A row this build cannot read (a future format) is skipped, not fatal.
        let (Ok(day), Some(issued_at)) = (day.parse::<Date>(), timestamp(Some(issued))) else {
            continue;
        };
        if !filter.accepts(day) {
            continue;
        }
        out.push(Row {
            day,
            issued_service,
            service,
            class,
            status,
            issued_at,
            called_at: timestamp(called),
            closed_at: timestamp(closed),
        });
    }
    Ok(out)
}

/// What a derived profile was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySummary {
    /// The days used.
    pub days: Vec<Date>,
    /// Tickets on them.
    pub tickets: usize,
}

/// Derives a demand profile from the recorded days that match `filter`.
/// The profile's date is the first matching day.
///
/// # Errors
/// [`HistoryError`] when the database cannot be read or no day matches.
pub fn profile_from_history(
    conn: &Connection,
    hall: &HallConfig,
    filter: &DayFilter,
) -> Result<(Profile, HistorySummary), HistoryError> {
    let tz = TimeZone::get(&hall.hall.timezone)
        .map_err(|_| HistoryError::TimeZone(hall.hall.timezone.clone()))?;
    let rows = rows(conn, filter)?;
    let mut days: Vec<Date> = rows.iter().map(|r| r.day).collect();
    days.dedup();
    let Some(&first) = days.first() else {
        return Err(HistoryError::NoDays);
    };
    let n_days = days.len() as f64;
    // Arrivals per service and quarter hour of the local day.
    let mut arrivals: BTreeMap<&str, BTreeMap<i64, f64>> = BTreeMap::new();
    let mut issued: BTreeMap<&str, f64> = BTreeMap::new();
    let mut priority: BTreeMap<&str, f64> = BTreeMap::new();
    let mut appointment: BTreeMap<&str, f64> = BTreeMap::new();
    let mut no_show: BTreeMap<&str, f64> = BTreeMap::new();
    let mut transfers: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
    let mut handle: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for r in &rows {
        let z = r.issued_at.to_zoned_datetime(tz.clone());
        let quarter = (i64::from(z.hour()) * 3600 + i64::from(z.minute()) * 60) / QUARTER_SECS;
        let s = r.issued_service.as_str();
        *arrivals.entry(s).or_default().entry(quarter).or_default() += 1.0;
        *issued.entry(s).or_default() += 1.0;
        match r.class.as_str() {
            "normal" => {}
            "appointment" => *appointment.entry(s).or_default() += 1.0,
            _ => *priority.entry(s).or_default() += 1.0,
        }
        if r.status == "no_show" {
            *no_show.entry(s).or_default() += 1.0;
        }
        if r.service != r.issued_service {
            *transfers
                .entry(s)
                .or_default()
                .entry(r.service.as_str())
                .or_default() += 1.0;
        }
        if r.status == "finished"
            && let (Some(called), Some(closed)) = (r.called_at, r.closed_at)
        {
            let secs = closed.duration_since(called).as_secs_f64();
            if secs > 0.0 {
                handle.entry(r.service.as_str()).or_default().push(secs);
            }
        }
    }
    let mut services = Vec::new();
    for svc in &hall.services {
        let id = svc.id.as_str();
        let Some(per_quarter) = arrivals.get(id) else {
            continue;
        };
        let (Some(&lo), Some(&hi)) = (per_quarter.keys().next(), per_quarter.keys().last()) else {
            continue;
        };
        let total = issued.get(id).copied().unwrap_or(0.0).max(1.0);
        let fallback = f64::from(
            svc.expected_handle_minutes
                .unwrap_or(hall.rules.default_handle_minutes),
        );
        let handle = handle.get(id).map_or(
            HandleTime::LogNormal {
                mean_minutes: fallback,
                sd_minutes: fallback / 2.0,
            },
            |xs| {
                let mean = xs.iter().sum::<f64>() / xs.len() as f64;
                let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
                HandleTime::LogNormal {
                    mean_minutes: round2(mean / 60.0),
                    sd_minutes: round2(var.sqrt() / 60.0),
                }
            },
        );
        let minutes = u16::try_from(lo * 15).unwrap_or(0);
        services.push(ServiceDemand {
            service: svc.id.clone(),
            from: ClockTime::new(
                u8::try_from(minutes / 60).unwrap_or(0),
                u8::try_from(minutes % 60).unwrap_or(0),
            ),
            arrivals: (lo..=hi)
                .map(|q| round2(per_quarter.get(&q).copied().unwrap_or(0.0) / n_days))
                .collect(),
            handle,
            no_show: round2(no_show.get(id).copied().unwrap_or(0.0) / total),
            requeue: 0.0,
            return_after_minutes: 10.0,
            priority: round2(priority.get(id).copied().unwrap_or(0.0) / total),
            appointment: round2(appointment.get(id).copied().unwrap_or(0.0) / total),
            transfers: transfers
                .get(id)
                .map(|t| {
                    t.iter()
                        .filter(|(to, _)| hall.services.iter().any(|s| s.id.as_str() == **to))
                        .map(|(to, n)| TransferShare {
                            to: ServiceId::from(*to),
                            share: round2(n / total),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    let weekdays = match filter.weekday {
        Some(w) => vec![w],
        None => vec![1, 2, 3, 4, 5],
    };
    let profile = Profile {
        name: format!(
            "recorded: {} day(s) from {} to {}",
            days.len(),
            first,
            days.last().copied().unwrap_or(first)
        ),
        date: first,
        weekdays,
        no_show_wait_minutes: 2.0,
        services,
        staffed: None,
        counters: Vec::new(),
    };
    Ok((
        profile,
        HistorySummary {
            days,
            tickets: rows.len(),
        },
    ))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One recorded day as it happened, to replay: every ticket with its
/// arrival, and how long it then took at the counter (or that its citizen
/// did not come). Tickets that were transferred, cancelled, or still open
/// are left out of the trace (what they did is not in the read model).
///
/// # Errors
/// [`HistoryError`] when the database cannot be read or has no such day.
pub fn recorded_day(
    conn: &Connection,
    day: Date,
) -> Result<(Trace, Vec<RecordedCall>), HistoryError> {
    let mut stmt = conn.prepare(
        "SELECT number, service_id, issued_service_id, class, status, issued_at_ms, \
                first_called_at_ms, called_at_ms, closed_at_ms, counter_id, transfers \
         FROM tickets WHERE business_day = ?1 ORDER BY issued_at_ms, id",
    )?;
    let mapped = stmt.query_map(params![day.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, Option<i64>>(6)?,
            r.get::<_, Option<i64>>(7)?,
            r.get::<_, Option<i64>>(8)?,
            r.get::<_, Option<i64>>(9)?,
            r.get::<_, i64>(10)?,
        ))
    })?;
    let mut arrivals = Vec::new();
    let mut calls = Vec::new();
    for row in mapped {
        let (
            number,
            service,
            issued_service,
            class,
            status,
            issued,
            first,
            called,
            closed,
            counter,
            transfers,
        ) = row?;
        let Some(at) = timestamp(Some(issued)) else {
            continue;
        };
        if transfers > 0 || service != issued_service {
            continue;
        }
        let (handle_secs, no_show) = match (status.as_str(), timestamp(called), timestamp(closed)) {
            ("finished", Some(c), Some(d)) => (d.duration_since(c).as_secs_f64(), false),
            ("no_show", Some(c), Some(d)) => (d.duration_since(c).as_secs_f64(), true),
            _ => continue,
        };
        arrivals.push(TraceArrival {
            at,
            service: ServiceId::from(service.as_str()),
            priority: priority_class(&class),
            handle_secs,
            no_show,
        });
        if let (Some(first), Some(counter)) = (timestamp(first), counter) {
            calls.push(RecordedCall {
                number,
                counter: u32::try_from(counter).unwrap_or(0),
                at: first,
            });
        }
    }
    if arrivals.is_empty() {
        return Err(HistoryError::NoDays);
    }
    Ok((
        Trace {
            date: day,
            arrivals,
        },
        calls,
    ))
}

/// A ticket's first call, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordedCall {
    /// Ticket number.
    pub number: String,
    /// The counter that called it.
    pub counter: u32,
    /// When.
    pub at: Timestamp,
}

fn priority_class(class: &str) -> Option<PriorityClass> {
    match class {
        "elderly" => Some(PriorityClass::Elderly),
        "disabled" => Some(PriorityClass::Disabled),
        "military" => Some(PriorityClass::Military),
        _ => None,
    }
}

/// The business days in the database, newest last.
///
/// # Errors
/// When the database cannot be read.
pub fn recorded_days(conn: &Connection) -> Result<Vec<Date>, HistoryError> {
    let mut stmt =
        conn.prepare("SELECT DISTINCT business_day FROM tickets ORDER BY business_day")?;
    let days = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .filter_map(|d| d.ok().and_then(|d| d.parse().ok()))
        .collect();
    Ok(days)
}
