//! Reports over the ticket read model: a day or a range of business days,
//! by service, counter and staff member, and by hour of issue.

use banli_core::jiff::Timestamp;
use banli_core::jiff::tz::TimeZone;
use serde::Serialize;

use super::{Store, StoreError};

/// One line of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// What the line is about: a service id, counter number or username.
    pub key: String,
    /// Tickets issued (for a counter or staff member: tickets called there).
    pub tickets: u64,
    /// Served to the end.
    pub served: u64,
    /// Called and did not come.
    pub no_shows: u64,
    /// Withdrawn.
    pub cancelled: u64,
    /// Still open at the roll-over.
    pub expired: u64,
    /// Average wait from issue to first call, seconds.
    pub avg_wait_secs: Option<f64>,
    /// 90th percentile of that wait, seconds.
    pub p90_wait_secs: Option<f64>,
    /// Average handle time (last call to finish), seconds.
    pub avg_handle_secs: Option<f64>,
    /// No-shows among tickets that were called.
    pub no_show_rate: Option<f64>,
}

/// Arrivals and waits in one hour of the day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HourRow {
    /// Local hour, 0-23.
    pub hour: u8,
    /// Tickets issued in that hour.
    pub arrivals: u64,
    /// Average wait of those tickets, seconds.
    pub avg_wait_secs: Option<f64>,
}

/// A report over business days `from..=to`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// First business day, `YYYY-MM-DD`.
    pub from: String,
    /// Last business day.
    pub to: String,
    /// The whole hall.
    pub total: ReportRow,
    /// By service.
    pub by_service: Vec<ReportRow>,
    /// By counter (of the last call).
    pub by_counter: Vec<ReportRow>,
    /// By staff member (of the last call).
    pub by_staff: Vec<ReportRow>,
    /// By local hour of issue.
    pub by_hour: Vec<HourRow>,
}

#[derive(Default)]
struct Acc {
    tickets: u64,
    served: u64,
    no_shows: u64,
    cancelled: u64,
    expired: u64,
    waits: Vec<f64>,
    handles: Vec<f64>,
}

impl Acc {
    fn add(&mut self, t: &Row) {
        self.tickets += 1;
        match t.status.as_str() {
            "finished" => self.served += 1,
            "no_show" => self.no_shows += 1,
            "cancelled" => self.cancelled += 1,
            "expired" => self.expired += 1,
            _ => {}
        }
        if let Some(w) = t.wait() {
            self.waits.push(w);
        }
        if let Some(h) = t.handle() {
            self.handles.push(h);
        }
    }

    fn row(mut self, key: String) -> ReportRow {
        self.waits.sort_by(f64::total_cmp);
        let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        let called = self.served + self.no_shows;
        ReportRow {
            key,
            tickets: self.tickets,
            served: self.served,
            no_shows: self.no_shows,
            cancelled: self.cancelled,
            expired: self.expired,
            avg_wait_secs: mean(&self.waits),
            p90_wait_secs: percentile(&self.waits, 0.9),
            avg_handle_secs: mean(&self.handles),
            no_show_rate: (called > 0).then(|| self.no_shows as f64 / called as f64),
        }
    }
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

struct Row {
    service_id: String,
    status: String,
    issued_at_ms: i64,
    first_called_at_ms: Option<i64>,
    called_at_ms: Option<i64>,
    closed_at_ms: Option<i64>,
    counter_id: Option<u32>,
    staff: Option<String>,
}

impl Row {
    fn wait(&self) -> Option<f64> {
        self.first_called_at_ms
            .map(|c| (c - self.issued_at_ms) as f64 / 1000.0)
    }

    fn handle(&self) -> Option<f64> {
        match (self.status.as_str(), self.called_at_ms, self.closed_at_ms) {
            ("finished", Some(a), Some(b)) => Some((b - a) as f64 / 1000.0),
            _ => None,
        }
    }
}

impl Store {
    /// A report over business days `from..=to` (`YYYY-MM-DD`), with hours
    /// in the hall's time zone.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn report(&self, from: &str, to: &str, tz: &TimeZone) -> Result<Report, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT service_id, status, issued_at_ms, first_called_at_ms, called_at_ms, closed_at_ms, counter_id, staff
             FROM tickets WHERE business_day BETWEEN ?1 AND ?2",
        )?;
        let rows = stmt.query_map([from, to], |r| {
            Ok(Row {
                service_id: r.get(0)?,
                status: r.get(1)?,
                issued_at_ms: r.get(2)?,
                first_called_at_ms: r.get(3)?,
                called_at_ms: r.get(4)?,
                closed_at_ms: r.get(5)?,
                counter_id: r.get(6)?,
                staff: r.get(7)?,
            })
        })?;
        let mut total = Acc::default();
        let mut services: std::collections::BTreeMap<String, Acc> = Default::default();
        let mut counters: std::collections::BTreeMap<u32, Acc> = Default::default();
        let mut staff: std::collections::BTreeMap<String, Acc> = Default::default();
        let mut hours: [(u64, Vec<f64>); 24] = Default::default();
        for row in rows {
            let t = row?;
            total.add(&t);
            services.entry(t.service_id.clone()).or_default().add(&t);
            if let Some(c) = t.counter_id {
                counters.entry(c).or_default().add(&t);
            }
            if let Some(s) = &t.staff {
                staff.entry(s.clone()).or_default().add(&t);
            }
            let hour = Timestamp::from_millisecond(t.issued_at_ms)
                .map_or(0, |ts| ts.to_zoned_datetime(tz.clone()).hour())
                .clamp(0, 23) as usize;
            hours[hour].0 += 1;
            if let Some(w) = t.wait() {
                hours[hour].1.push(w);
            }
        }
        Ok(Report {
            from: from.to_owned(),
            to: to.to_owned(),
            total: total.row("total".into()),
            by_service: services.into_iter().map(|(k, a)| a.row(k)).collect(),
            by_counter: counters
                .into_iter()
                .map(|(k, a)| a.row(k.to_string()))
                .collect(),
            by_staff: staff.into_iter().map(|(k, a)| a.row(k)).collect(),
            by_hour: hours
                .into_iter()
                .enumerate()
                .map(|(h, (arrivals, waits))| HourRow {
                    hour: h as u8,
                    arrivals,
                    avg_wait_secs: (!waits.is_empty())
                        .then(|| waits.iter().sum::<f64>() / waits.len() as f64),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentile() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.9), Some(9.0));
        assert_eq!(percentile(&v, 1.0), Some(10.0));
        assert_eq!(percentile(&[5.0], 0.9), Some(5.0));
        assert_eq!(percentile(&[], 0.9), None);
    }
}
