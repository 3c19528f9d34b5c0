//! Reports over the ticket read model: a day or a range of business days,
//! by service, counter and staff member, and by hour of issue; and one
//! staff member's figures for one day, which the counter console shows.

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
    /// How well the wait shown at issue held (tickets later called):
    /// mean absolute error, seconds.
    pub estimate_mae_secs: Option<f64>,
    /// Share of those whose wait was within ±5 minutes of the estimate.
    pub estimate_within_5min: Option<f64>,
    /// Mean of estimate − wait, seconds: positive leans long (citizens
    /// called sooner than told), negative short.
    pub estimate_bias_secs: Option<f64>,
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

/// One line's figures, gathered row by row. Everything but the 90th
/// percentile is a running sum, added in the order the rows come (so the
/// figures are exactly those of summing the rows' values); only the waits
/// are kept, as whole milliseconds (4 bytes each), for the percentile. A
/// year-long report of a busy hall is millions of rows in four lines each:
/// keeping every wait, estimate and handle time as floats was about 380 MB
/// a report of fresh memory the kernel had to zero, a fifth of the
/// server's processor beside issuing (BENCHMARKS.md, "Issuing under extra
/// load").
#[derive(Default)]
struct Acc {
    tickets: u64,
    served: u64,
    no_shows: u64,
    cancelled: u64,
    expired: u64,
    /// Waits from issue to first call, milliseconds (a negative one, a
    /// clock that went back, counts as 0).
    waits_ms: Vec<u32>,
    wait_sum: f64,
    handle_sum: f64,
    handles: u64,
    /// Over tickets that were called: Σ |estimate − wait|, the count
    /// within ±5 minutes, Σ (estimate − wait), seconds.
    estimate_abs_sum: f64,
    estimate_within: u64,
    estimate_bias_sum: f64,
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
        if let Some(ms) = t.wait_ms() {
            let w = ms as f64 / 1000.0;
            self.waits_ms
                .push(u32::try_from(ms.max(0)).unwrap_or(u32::MAX));
            self.wait_sum += w;
            let e = f64::from(t.estimated_wait_secs);
            self.estimate_abs_sum += (e - w).abs();
            self.estimate_within += u64::from((e - w).abs() <= 300.0);
            self.estimate_bias_sum += e - w;
        }
        if let Some(h) = t.handle() {
            self.handle_sum += h;
            self.handles += 1;
        }
    }

    fn row(mut self, key: String) -> ReportRow {
        let called = self.served + self.no_shows;
        let waits = self.waits_ms.len() as f64;
        let some = !self.waits_ms.is_empty();
        let per_wait = |sum: f64| some.then(|| sum / waits);
        ReportRow {
            key,
            tickets: self.tickets,
            served: self.served,
            no_shows: self.no_shows,
            cancelled: self.cancelled,
            expired: self.expired,
            avg_wait_secs: per_wait(self.wait_sum),
            p90_wait_secs: percentile_ms(&mut self.waits_ms, 0.9),
            avg_handle_secs: (self.handles > 0).then(|| self.handle_sum / self.handles as f64),
            no_show_rate: (called > 0).then(|| self.no_shows as f64 / called as f64),
            estimate_mae_secs: per_wait(self.estimate_abs_sum),
            estimate_within_5min: per_wait(self.estimate_within as f64),
            estimate_bias_secs: per_wait(self.estimate_bias_sum),
        }
    }
}

/// The nearest-rank percentile of milliseconds, in seconds: the same
/// figure as [`percentile`] of them sorted, found without sorting them
/// all (the slice is left in another order).
fn percentile_ms(values: &mut [u32], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let rank = (p * values.len() as f64).ceil() as usize;
    let (_, nth, _) = values.select_nth_unstable(rank.clamp(1, values.len()) - 1);
    Some(f64::from(*nth) / 1000.0)
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The rows of business days `?1..=?2`, read as one range of the table by
/// id (see [`Store::report`]).
const DAYS_BY_ID: &str =
    "WHERE id BETWEEN (SELECT MIN(id) FROM tickets WHERE business_day BETWEEN ?1 AND ?2)
    AND (SELECT MAX(id) FROM tickets WHERE business_day BETWEEN ?1 AND ?2)
    AND +business_day BETWEEN ?1 AND ?2";

/// The columns [`Row::from_sql`] reads, in its order.
const ROW_COLUMNS: &str = "service_id, status, issued_at_ms, first_called_at_ms, called_at_ms, closed_at_ms, counter_id, staff, estimated_wait_secs";

struct Row {
    service_id: String,
    status: String,
    issued_at_ms: i64,
    first_called_at_ms: Option<i64>,
    called_at_ms: Option<i64>,
    closed_at_ms: Option<i64>,
    counter_id: Option<u32>,
    staff: Option<String>,
    estimated_wait_secs: u32,
}

impl Row {
    fn from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            service_id: r.get(0)?,
            status: r.get(1)?,
            issued_at_ms: r.get(2)?,
            first_called_at_ms: r.get(3)?,
            called_at_ms: r.get(4)?,
            closed_at_ms: r.get(5)?,
            counter_id: r.get(6)?,
            staff: r.get(7)?,
            estimated_wait_secs: r.get(8)?,
        })
    }

    fn wait_ms(&self) -> Option<i64> {
        self.first_called_at_ms.map(|c| c - self.issued_at_ms)
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
    ///
    /// The range is read one business day at a time, each day in a read
    /// transaction of its own, not in one: a read transaction keeps the
    /// WAL from being checkpointed past its start, and a year-long report
    /// reading for seconds let the log grow by every ticket issued
    /// meanwhile, then cost the commit after it a long checkpoint (issue 8;
    /// BENCHMARKS.md, "Issuing under extra load"). A past day no longer
    /// changes, so reading day by day gives the same figures.
    pub fn report(&self, from: &str, to: &str, tz: &TimeZone) -> Result<Report, StoreError> {
        // A day's tickets have consecutive ids (ids only grow, and a day
        // ends before the next begins), so its rows are read as one range
        // of the table in id order: the day's first and last id from the
        // index, then the table itself, instead of a seek from the index
        // into the table for every row (about 40 % less processor for the
        // same rows). The `+business_day` test keeps the answer exact
        // whatever the ids are; the `+` keeps SQLite from choosing the
        // index for it.
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM tickets {DAYS_BY_ID}"))?;
        let days: Vec<(String, String)> = match (
            from.parse::<banli_core::jiff::civil::Date>(),
            to.parse::<banli_core::jiff::civil::Date>(),
        ) {
            (Ok(a), Ok(b)) if a <= b => a
                .series(banli_core::jiff::Span::new().days(1))
                .take_while(|d| *d <= b)
                .map(|d| (d.to_string(), d.to_string()))
                .collect(),
            _ => vec![(from.to_owned(), to.to_owned())],
        };
        let mut total = Acc::default();
        let mut services: std::collections::BTreeMap<String, Acc> = Default::default();
        let mut counters: std::collections::BTreeMap<u32, Acc> = Default::default();
        let mut staff: std::collections::BTreeMap<String, Acc> = Default::default();
        // Per hour: arrivals, and the sum and count of their waits.
        let mut hours: [(u64, f64, u64); 24] = Default::default();
        for (a, b) in &days {
            for row in stmt.query_map([a, b], Row::from_sql)? {
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
                if let Some(ms) = t.wait_ms() {
                    hours[hour].1 += ms as f64 / 1000.0;
                    hours[hour].2 += 1;
                }
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
                .map(|(h, (arrivals, sum, n))| HourRow {
                    hour: h as u8,
                    arrivals,
                    avg_wait_secs: (n > 0).then(|| sum / n as f64),
                })
                .collect(),
        })
    }

    /// One staff member's figures for one business day (`YYYY-MM-DD`): the
    /// row [`Store::report`] has for them in `by_staff`, keyed by
    /// `username`, but read from that day's tickets of theirs only (the
    /// `UNIQUE (business_day, number)` index finds the day), so that the
    /// counter console can ask for it after every ticket it closes. Someone
    /// with no tickets that day gets a row of zeros.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn staff_day(&self, username: &str, day: &str) -> Result<ReportRow, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM tickets WHERE business_day = ?1 AND staff = ?2"
        ))?;
        let mut acc = Acc::default();
        for row in stmt.query_map([day, username], Row::from_sql)? {
            acc.add(&row?);
        }
        Ok(acc.row(username.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use banli_core::engine::{Command, Engine};
    use banli_core::ids::CounterId;
    use banli_core::jiff::tz::TimeZone;
    use banli_core::jiff::{SignedDuration, Timestamp};

    use super::{ReportRow, percentile};
    use crate::store::Store;

    /// A real database file with the demo hall, written the way the engine
    /// task writes it: commands decided by the engine, their events
    /// appended (read model included) in one transaction per call.
    struct Journaled {
        _dir: tempfile::TempDir,
        store: Store,
        engine: Engine,
        seq: u64,
        now: Timestamp,
    }

    impl Journaled {
        fn demo(now: Timestamp) -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = Store::open(&dir.path().join("banli.db")).expect("open");
            let config =
                crate::hall_file::parse_hall("demo-hall.toml", crate::hall_file::DEMO_HALL)
                    .expect("demo hall");
            let mut j = Self {
                _dir: dir,
                store,
                engine: Engine::genesis(),
                seq: 0,
                now,
            };
            j.run(vec![Command::ReplaceConfig {
                config: Box::new(config),
                actor: "test".into(),
            }]);
            j
        }

        /// Moves the clock on, through whatever the engine does by itself
        /// (a new business day).
        fn advance(&mut self, d: SignedDuration) {
            self.now += d;
            let mut batch = Vec::new();
            while let Some(t) = self.engine.poll_timeout().filter(|&t| t <= self.now) {
                self.engine.handle_timeout(t);
                self.drain_into(&mut batch);
            }
            self.store.append(&batch).expect("append");
        }

        fn run(&mut self, cmds: Vec<Command>) {
            let mut batch = Vec::new();
            for c in cmds {
                self.engine.handle(self.now, c).expect("accepted");
                self.drain_into(&mut batch);
            }
            self.store.append(&batch).expect("append");
        }

        fn drain_into(&mut self, batch: &mut Vec<(u64, banli_core::engine::Event)>) {
            while let Some(e) = self.engine.poll_event() {
                self.seq += 1;
                batch.push((self.seq, e));
            }
        }

        fn day(&self) -> String {
            self.engine
                .day()
                .expect("a business day has begun")
                .to_string()
        }
    }

    fn issue(service: &str) -> Command {
        Command::IssueTicket {
            service_id: service.into(),
            priority: None,
            appointment_code: None,
            idempotency_key: None,
            query_code: "123456".into(),
            actor: "kiosk".into(),
        }
    }

    fn call_next(counter: u32, actor: &str) -> Command {
        Command::CallNext {
            counter_id: CounterId(counter),
            actor: actor.into(),
        }
    }

    #[test]
    fn a_staff_members_day_matches_their_row_of_the_full_report() {
        let monday: Timestamp = "2026-11-23T10:00:00+08:00".parse().expect("ts");
        let mut j = Journaled::demo(monday);
        // Monday: staff8 serves one ticket, which must not count on Tuesday.
        j.run(vec![issue("tax"), issue("tax"), call_next(8, "staff8")]);
        j.advance(SignedDuration::from_mins(4));
        j.run(vec![call_next(8, "staff8")]);
        let monday_day = j.day();

        // Tuesday: staff8 at counter 8 finishes one (after 5 minutes),
        // marks one a no-show, transfers one and is serving a fourth;
        // staff7 at counter 7 serves another.
        j.advance(SignedDuration::from_hours(24));
        j.run((0..6).map(|_| issue("tax")).collect());
        j.advance(SignedDuration::from_mins(3));
        j.run(vec![call_next(8, "staff8"), call_next(7, "staff7")]);
        j.advance(SignedDuration::from_mins(5));
        j.run(vec![call_next(8, "staff8")]); // Finishes the first; calls the next.
        j.advance(SignedDuration::from_mins(2));
        // Counter 8 calls the next ticket by itself after these.
        j.run(vec![Command::NoShow {
            counter_id: CounterId(8),
            ticket_id: None,
            actor: "staff8".into(),
        }]);
        j.advance(SignedDuration::from_mins(1));
        j.run(vec![
            Command::Transfer {
                counter_id: CounterId(8),
                ticket_id: None,
                to_service: "cashier".into(),
                position: None,
                actor: "staff8".into(),
            },
            Command::Finish {
                counter_id: CounterId(7),
                ticket_id: None,
                actor: "staff7".into(),
            },
        ]);
        let tuesday = j.day();
        assert_ne!(tuesday, monday_day, "the business day rolled over");

        let report = j
            .store
            .report(&tuesday, &tuesday, &TimeZone::UTC)
            .expect("report");
        let row_of = |who: &str| {
            report
                .by_staff
                .iter()
                .find(|r| r.key == who)
                .cloned()
                .expect("a row in the report")
        };
        let staff8 = j.store.staff_day("staff8", &tuesday).expect("staff8");
        assert_eq!(staff8, row_of("staff8"));
        assert_eq!((staff8.tickets, staff8.served, staff8.no_shows), (4, 1, 1));
        assert_eq!(staff8.avg_handle_secs, Some(300.0));
        assert_eq!(
            j.store.staff_day("staff7", &tuesday).expect("staff7"),
            row_of("staff7")
        );

        // Monday's figures are Monday's; someone who served nobody gets zeros.
        let monday_report = j
            .store
            .report(&monday_day, &monday_day, &TimeZone::UTC)
            .expect("report");
        let monday8 = j.store.staff_day("staff8", &monday_day).expect("monday");
        assert_eq!(
            Some(&monday8),
            monday_report.by_staff.iter().find(|r| r.key == "staff8")
        );
        assert_eq!((monday8.tickets, monday8.served), (2, 1));
        assert_eq!(
            j.store.staff_day("staff3", &tuesday).expect("staff3"),
            ReportRow {
                key: "staff3".into(),
                ..ReportRow::default()
            }
        );

        // Both days together, read one day at a time: the sum of the two,
        // and the hall's p90 over both days' waits together.
        let both = j
            .store
            .report(&monday_day, &tuesday, &TimeZone::UTC)
            .expect("report");
        assert_eq!(
            both.total.tickets,
            monday_report.total.tickets + report.total.tickets
        );
        assert_eq!(both.total.tickets, 8);
        let both8 = both
            .by_staff
            .iter()
            .find(|r| r.key == "staff8")
            .expect("staff8");
        assert_eq!(
            (both8.tickets, both8.served),
            (
                monday8.tickets + staff8.tickets,
                monday8.served + staff8.served
            )
        );
        assert_eq!(
            both.by_hour.iter().map(|h| h.arrivals).sum::<u64>(),
            both.total.tickets
        );
        let reversed = j
            .store
            .report(&tuesday, &monday_day, &TimeZone::UTC)
            .expect("report");
        assert_eq!(reversed.total.tickets, 0, "an empty range");

        // The report reads a day as a range of the table by id, found
        // through the index, never the whole table.
        let plans: Vec<String> = j
            .store
            .conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT {} FROM tickets {}",
                super::ROW_COLUMNS,
                super::DAYS_BY_ID
            ))
            .expect("plan")
            .query_map([&tuesday, &tuesday], |r| r.get(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("plan");
        assert!(
            plans
                .first()
                .is_some_and(|p| p.contains("USING INTEGER PRIMARY KEY")),
            "{plans:?}"
        );
        assert!(!plans.iter().any(|p| p.starts_with("SCAN")), "{plans:?}");

        // It reads one day through the index, not the whole table.
        let plan: String = j
            .store
            .conn
            .query_row(
                &format!(
                    "EXPLAIN QUERY PLAN SELECT {} FROM tickets WHERE business_day = ?1 AND staff = ?2",
                    super::ROW_COLUMNS
                ),
                [&tuesday, "staff8"],
                |r| r.get(3),
            )
            .expect("plan");
        assert!(plan.starts_with("SEARCH tickets USING INDEX"), "{plan}");
    }

    #[test]
    fn nearest_rank_percentile() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.9), Some(9.0));
        assert_eq!(percentile(&v, 1.0), Some(10.0));
        assert_eq!(percentile(&[5.0], 0.9), Some(5.0));
        assert_eq!(percentile(&[], 0.9), None);
        // Unsorted milliseconds: the same ranks, in seconds.
        let mut ms: Vec<u32> = vec![7000, 1000, 10000, 3000, 9000, 2000, 8000, 4000, 6000, 5000];
        assert_eq!(super::percentile_ms(&mut ms, 0.9), Some(9.0));
        assert_eq!(super::percentile_ms(&mut ms, 1.0), Some(10.0));
        assert_eq!(super::percentile_ms(&mut ms, 0.1), Some(1.0));
        assert_eq!(super::percentile_ms(&mut [5000], 0.9), Some(5.0));
        assert_eq!(super::percentile_ms(&mut [], 0.9), None);
    }
}
