//! Reports over the ticket read model: a day or a range of business days,
//! by service, counter and staff member, and by hour of issue; and one
//! staff member's figures for one day, which the counter console shows.

use std::collections::BTreeMap;
use std::sync::Arc;

use banli_core::jiff::Timestamp;
use banli_core::jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

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
    /// 90th percentile of that wait, seconds: exact to the second below
    /// 1,024 s, otherwise within 1/128 (0.8 %) below it ([`WaitHist`]).
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

/// The version of [`DaySummary`]'s stored form (`report_days.version`).
/// A summary of another version is not read: its day is summed again from
/// its tickets and stored anew. Raise it whenever the summary's meaning or
/// layout changes.
pub const SUMMARY_VERSION: i64 = 1;

/// Waits below this many seconds have a bucket each in [`WaitHist`].
const LINEAR_SECS: u64 = 1024;
/// Above [`LINEAR_SECS`], each power of two is cut into 2^this buckets.
const SUB_BITS: u32 = 7;
/// Buckets for waits up to `u32::MAX` seconds (136 years).
const MAX_BUCKETS: usize = 1024 + (32 - 10) * (1 << SUB_BITS);

/// How many waits fell in each bucket: every second below 17 minutes
/// ([`LINEAR_SECS`]), then 128 buckets for each power of two, so that a
/// wait is kept to within 1/128 (0.8 %) of itself. Unlike the waits
/// themselves, histograms add up: a day's is stored once the day is over
/// (see [`Store::report`]) and a year's 90th percentile is that of the sum
/// of its days'. Serialized as (bucket, count) pairs of the buckets in use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaitHist(Vec<u32>);

/// The bucket of a wait of `secs` seconds.
fn bucket(secs: u64) -> usize {
    let secs = secs.min(u64::from(u32::MAX));
    if secs < LINEAR_SECS {
        return secs as usize;
    }
    // 10 ≤ e ≤ 31 here, so the shift and the index are in range.
    let e = 63 - secs.leading_zeros();
    let sub = (secs >> (e - SUB_BITS)) & ((1 << SUB_BITS) - 1);
    LINEAR_SECS as usize + ((e - 10) as usize) * (1 << SUB_BITS) + sub as usize
}

/// The shortest wait, in seconds, that falls in bucket `i`: what a
/// percentile in that bucket is reported as.
fn bucket_floor(i: usize) -> u64 {
    if i < LINEAR_SECS as usize {
        return i as u64;
    }
    let k = i - LINEAR_SECS as usize;
    let e = 10 + (k >> SUB_BITS) as u32;
    let sub = (k & ((1 << SUB_BITS) - 1)) as u64;
    ((1 << SUB_BITS) + sub) << (e - SUB_BITS)
}

impl WaitHist {
    fn add(&mut self, secs: u64) {
        let i = bucket(secs);
        if self.0.len() <= i {
            self.0.resize(i + 1, 0);
        }
        if let Some(n) = self.0.get_mut(i) {
            *n = n.saturating_add(1);
        }
    }

    fn merge(&mut self, other: &Self) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a = a.saturating_add(*b);
        }
    }

    /// The nearest-rank percentile `p` (0 < p ≤ 1), in seconds: the floor
    /// of the bucket that holds it.
    fn percentile(&self, p: f64) -> Option<f64> {
        let n: u64 = self.0.iter().map(|&c| u64::from(c)).sum();
        if n == 0 {
            return None;
        }
        let rank = ((p * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (i, &c) in self.0.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return Some(bucket_floor(i) as f64);
            }
        }
        None
    }
}

impl Serialize for WaitHist {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let used = self.0.iter().filter(|&&c| c > 0).count();
        let mut seq = s.serialize_seq(Some(used))?;
        for (i, &c) in self.0.iter().enumerate() {
            if c > 0 {
                seq.serialize_element(&(i as u32, c))?;
            }
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for WaitHist {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(u32, u32)>::deserialize(d)?;
        let mut hist = Self::default();
        for (i, c) in pairs {
            let i = i as usize;
            if i >= MAX_BUCKETS {
                return Err(serde::de::Error::custom(format!(
                    "wait bucket {i} out of range"
                )));
            }
            if hist.0.len() <= i {
                hist.0.resize(i + 1, 0);
            }
            if let Some(n) = hist.0.get_mut(i) {
                *n = n.saturating_add(c);
            }
        }
        Ok(hist)
    }
}

/// One line's figures, gathered row by row: counts, sums in whole
/// milliseconds and the waits' [`WaitHist`]. Every part adds up, so two
/// lines merge into the line of both (a range of days is the merge of its
/// days), and the figures do not depend on the order rows come in. A
/// year-long report of a busy hall is millions of rows in four lines each;
/// keeping every wait, as this once did, was hundreds of megabytes a
/// report (BENCHMARKS.md, "Issuing under extra load").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Acc {
    tickets: u64,
    served: u64,
    no_shows: u64,
    cancelled: u64,
    expired: u64,
    /// Tickets with a wait from issue to first call, and Σ of those waits
    /// (a negative one, a clock that went back, counts as it is here and
    /// as 0 in the histogram).
    waits: u64,
    wait_ms: i64,
    hist: WaitHist,
    /// Finished tickets with a handle time, and Σ of it.
    handles: u64,
    handle_ms: i64,
    /// Over tickets with a wait: Σ |estimate − wait|, the count within
    /// ±5 minutes, Σ (estimate − wait).
    estimate_abs_ms: i64,
    estimate_within: u64,
    estimate_bias_ms: i64,
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
            self.waits += 1;
            self.wait_ms = self.wait_ms.saturating_add(ms);
            self.hist.add(u64::try_from(ms.max(0)).unwrap_or(0) / 1000);
            let off = i64::from(t.estimated_wait_secs) * 1000 - ms;
            self.estimate_abs_ms = self.estimate_abs_ms.saturating_add(off.abs());
            self.estimate_within += u64::from(off.abs() <= 300_000);
            self.estimate_bias_ms = self.estimate_bias_ms.saturating_add(off);
        }
        if let Some(ms) = t.handle_ms() {
            self.handles += 1;
            self.handle_ms = self.handle_ms.saturating_add(ms);
        }
    }

    fn merge(&mut self, o: &Self) {
        self.tickets += o.tickets;
        self.served += o.served;
        self.no_shows += o.no_shows;
        self.cancelled += o.cancelled;
        self.expired += o.expired;
        self.waits += o.waits;
        self.wait_ms = self.wait_ms.saturating_add(o.wait_ms);
        self.hist.merge(&o.hist);
        self.handles += o.handles;
        self.handle_ms = self.handle_ms.saturating_add(o.handle_ms);
        self.estimate_abs_ms = self.estimate_abs_ms.saturating_add(o.estimate_abs_ms);
        self.estimate_within += o.estimate_within;
        self.estimate_bias_ms = self.estimate_bias_ms.saturating_add(o.estimate_bias_ms);
    }

    fn row(&self, key: String) -> ReportRow {
        let called = self.served + self.no_shows;
        let waits = self.waits as f64;
        let per_wait = |ms: i64| (self.waits > 0).then(|| ms as f64 / 1000.0 / waits);
        ReportRow {
            key,
            tickets: self.tickets,
            served: self.served,
            no_shows: self.no_shows,
            cancelled: self.cancelled,
            expired: self.expired,
            avg_wait_secs: per_wait(self.wait_ms),
            p90_wait_secs: self.hist.percentile(0.9),
            avg_handle_secs: (self.handles > 0)
                .then(|| self.handle_ms as f64 / 1000.0 / self.handles as f64),
            no_show_rate: (called > 0).then(|| self.no_shows as f64 / called as f64),
            estimate_mae_secs: per_wait(self.estimate_abs_ms),
            estimate_within_5min: (self.waits > 0).then(|| self.estimate_within as f64 / waits),
            estimate_bias_secs: per_wait(self.estimate_bias_ms),
        }
    }
}

/// Arrivals in one local hour of issue, and their waits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct HourAcc {
    arrivals: u64,
    waits: u64,
    wait_ms: i64,
}

/// Everything a report needs of a set of tickets (one business day, or
/// the merge of several), keyed as the report's lines are. Stored for
/// each past day in `report_days` (see [`Store::report`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaySummary {
    total: Acc,
    services: BTreeMap<String, Acc>,
    counters: BTreeMap<u32, Acc>,
    staff: BTreeMap<String, Acc>,
    hours: [HourAcc; 24],
}

impl DaySummary {
    fn add(&mut self, t: &Row, tz: &TimeZone) {
        self.total.add(t);
        match self.services.get_mut(&t.service_id) {
            Some(a) => a.add(t),
            None => self
                .services
                .entry(t.service_id.clone())
                .or_default()
                .add(t),
        }
        if let Some(c) = t.counter_id {
            self.counters.entry(c).or_default().add(t);
        }
        if let Some(s) = &t.staff {
            match self.staff.get_mut(s) {
                Some(a) => a.add(t),
                None => self.staff.entry(s.clone()).or_default().add(t),
            }
        }
        let hour = Timestamp::from_millisecond(t.issued_at_ms)
            .map_or(0, |ts| ts.to_zoned_datetime(tz.clone()).hour())
            .clamp(0, 23) as usize;
        if let Some(h) = self.hours.get_mut(hour) {
            h.arrivals += 1;
            if let Some(ms) = t.wait_ms() {
                h.waits += 1;
                h.wait_ms = h.wait_ms.saturating_add(ms);
            }
        }
    }

    fn merge(&mut self, o: &Self) {
        self.total.merge(&o.total);
        for (k, a) in &o.services {
            self.services.entry(k.clone()).or_default().merge(a);
        }
        for (k, a) in &o.counters {
            self.counters.entry(*k).or_default().merge(a);
        }
        for (k, a) in &o.staff {
            self.staff.entry(k.clone()).or_default().merge(a);
        }
        for (h, o) in self.hours.iter_mut().zip(&o.hours) {
            h.arrivals += o.arrivals;
            h.waits += o.waits;
            h.wait_ms = h.wait_ms.saturating_add(o.wait_ms);
        }
    }

    fn report(&self, from: &str, to: &str) -> Report {
        Report {
            from: from.to_owned(),
            to: to.to_owned(),
            total: self.total.row("total".into()),
            by_service: self
                .services
                .iter()
                .map(|(k, a)| a.row(k.clone()))
                .collect(),
            by_counter: self
                .counters
                .iter()
                .map(|(k, a)| a.row(k.to_string()))
                .collect(),
            by_staff: self.staff.iter().map(|(k, a)| a.row(k.clone())).collect(),
            by_hour: self
                .hours
                .iter()
                .enumerate()
                .map(|(h, a)| HourRow {
                    hour: h as u8,
                    arrivals: a.arrivals,
                    avg_wait_secs: (a.waits > 0)
                        .then(|| a.wait_ms as f64 / 1000.0 / a.waits as f64),
                })
                .collect(),
        }
    }

    /// The stored form: postcard (serde, with varints), a few kilobytes for
    /// a day of a real hall.
    fn encode(&self) -> Result<Vec<u8>, StoreError> {
        postcard::to_allocvec(self).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    fn decode(bytes: &[u8]) -> Result<Self, postcard::Error> {
        postcard::from_bytes(bytes)
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

    fn handle_ms(&self) -> Option<i64> {
        match (self.status.as_str(), self.called_at_ms, self.closed_at_ms) {
            ("finished", Some(a), Some(b)) => Some(b - a),
            _ => None,
        }
    }
}

/// The merged summaries of the past days of the last few reports, by
/// range and time zone. Days that are over never change, so neither does
/// their merge: an administrator who opens the year's report again, or a
/// dashboard that refreshes it, gets the past part from memory and only
/// today summed. Merging 366 kept summaries of days of 100,000 tickets
/// reads about 65 MB and took 0.3 to 0.6 s of a core each time
/// (BENCHMARKS.md, "Issuing under extra load"). Each entry is one merged
/// [`DaySummary`], a few hundred kilobytes at most.
#[derive(Default)]
pub struct PastRanges(std::sync::Mutex<std::collections::VecDeque<(PastKey, Arc<DaySummary>)>>);

/// The past days `from..=to` (`YYYY-MM-DD`) in the time zone `tz`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PastKey {
    from: String,
    to: String,
    tz: String,
}

/// Ranges [`PastRanges`] keeps, the most recently used first.
const PAST_RANGES: usize = 8;

impl PastRanges {
    fn get(&self, key: &PastKey) -> Option<Arc<DaySummary>> {
        let mut ranges = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let i = ranges.iter().position(|(k, _)| k == key)?;
        let entry = ranges.remove(i)?;
        let found = Arc::clone(&entry.1);
        ranges.push_front(entry);
        Some(found)
    }

    fn put(&self, key: PastKey, sum: Arc<DaySummary>) {
        let mut ranges = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        ranges.retain(|(k, _)| *k != key);
        ranges.push_front((key, sum));
        ranges.truncate(PAST_RANGES);
    }
}

/// A past day's summary, computed by a report, for the storage thread to
/// keep ([`Store::save_day_summaries`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewSummary {
    /// The business day, `YYYY-MM-DD`.
    pub day: String,
    /// Its [`DaySummary`], encoded.
    pub body: Vec<u8>,
}

impl Store {
    /// A report over business days `from..=to` (`YYYY-MM-DD`), with hours
    /// in the hall's time zone `tz` (named `tz_name`), and the summaries
    /// of past days it had to compute, for the caller to have the storage
    /// thread keep ([`Store::save_day_summaries`]). `today` is the
    /// engine's business day: every day before it is over. The merge of
    /// the range's past days is kept in `past` for the next report over
    /// the same range.
    ///
    /// # Errors
    /// When SQLite fails.
    ///
    /// A day that is over never changes again (its open tickets expired at
    /// the roll-over, in the same commit as the new day), so its figures
    /// are summed from its tickets once, kept in `report_days` as a
    /// [`DaySummary`] per time zone, and a report over a range merges the
    /// summaries of its days: a year is 366 small reads, not every ticket
    /// of the year (reading 36 million rows took most of a core for
    /// minutes beside a busy hall: BENCHMARKS.md, "Issuing under extra
    /// load"). Today, and any day without a usable summary (none yet, an
    /// older [`SUMMARY_VERSION`], or one that does not decode), is summed
    /// from its rows.
    ///
    /// The rows are read one business day at a time, each day in a read
    /// transaction of its own, not in one: a read transaction keeps the
    /// WAL from being checkpointed past its start, and a year-long report
    /// reading for seconds let the log grow by every ticket issued
    /// meanwhile, then cost the commit after it a long checkpoint.
    pub fn report(
        &self,
        from: &str,
        to: &str,
        tz: &TimeZone,
        tz_name: &str,
        today: &str,
        past: &PastRanges,
    ) -> Result<(Report, Vec<NewSummary>), StoreError> {
        let days: Vec<String> = match (
            from.parse::<banli_core::jiff::civil::Date>(),
            to.parse::<banli_core::jiff::civil::Date>(),
        ) {
            (Ok(a), Ok(b)) if a <= b => a
                .series(banli_core::jiff::Span::new().days(1))
                .take_while(|d| *d <= b)
                .map(|d| d.to_string())
                .collect(),
            (Ok(_), Ok(_)) => Vec::new(),
            // Not dates: whatever rows lie between, never kept.
            _ => {
                let mut all = DaySummary::default();
                self.sum_rows(from, to, tz, &mut all)?;
                return Ok((all.report(from, to), Vec::new()));
            }
        };
        let (over, live): (Vec<String>, Vec<String>) =
            days.into_iter().partition(|d| d.as_str() < today);
        let key = match (over.first(), over.last()) {
            (Some(a), Some(b)) => Some(PastKey {
                from: a.clone(),
                to: b.clone(),
                tz: tz_name.to_owned(),
            }),
            _ => None,
        };
        let mut new = Vec::new();
        let mut all = match key.as_ref().and_then(|k| past.get(k)) {
            Some(sum) => (*sum).clone(),
            None => {
                let sum = self.past_days(&over, tz, tz_name, &mut new)?;
                if let Some(k) = key {
                    past.put(k, Arc::new(sum.clone()));
                }
                sum
            }
        };
        for day in &live {
            self.sum_rows(day, day, tz, &mut all)?;
        }
        Ok((all.report(from, to), new))
    }

    /// The merge of past `days` (in order): each from its kept summary, or
    /// summed from its rows, when its summary is pushed to `new`.
    fn past_days(
        &self,
        days: &[String],
        tz: &TimeZone,
        tz_name: &str,
        new: &mut Vec<NewSummary>,
    ) -> Result<DaySummary, StoreError> {
        let (Some(from), Some(to)) = (days.first(), days.last()) else {
            return Ok(DaySummary::default());
        };
        let mut stored: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT business_day, body FROM report_days
                 WHERE business_day BETWEEN ?1 AND ?2 AND time_zone = ?3 AND version = ?4",
            )?;
            let rows = stmt
                .query_map(rusqlite::params![from, to, tz_name, SUMMARY_VERSION], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
                })?;
            for row in rows {
                let (day, body) = row?;
                stored.insert(day, body);
            }
        }
        let mut all = DaySummary::default();
        for day in days {
            if let Some(body) = stored.get(day) {
                match DaySummary::decode(body) {
                    Ok(summary) => {
                        all.merge(&summary);
                        continue;
                    }
                    Err(e) => tracing::warn!(
                        %day, error = %e,
                        "a stored report summary does not decode; summing the day again"
                    ),
                }
            }
            let mut one = DaySummary::default();
            self.sum_rows(day, day, tz, &mut one)?;
            new.push(NewSummary {
                day: day.clone(),
                body: one.encode()?,
            });
            all.merge(&one);
        }
        Ok(all)
    }

    /// Adds the tickets of business days `from..=to` to `sum`. A day's
    /// tickets have consecutive ids (ids only grow, and a day ends before
    /// the next begins), so its rows are read as one range of the table in
    /// id order: the day's first and last id from the index, then the
    /// table itself, instead of a seek from the index into the table for
    /// every row (about 40 % less processor for the same rows). The
    /// `+business_day` test keeps the answer exact whatever the ids are;
    /// the `+` keeps SQLite from choosing the index for it.
    fn sum_rows(
        &self,
        from: &str,
        to: &str,
        tz: &TimeZone,
        sum: &mut DaySummary,
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM tickets {DAYS_BY_ID}"))?;
        for row in stmt.query_map([from, to], Row::from_sql)? {
            sum.add(&row?, tz);
        }
        Ok(())
    }

    /// Keeps the summaries of past days a report computed, for the time
    /// zone `tz_name` (replacing older ones of the same day), in one
    /// transaction.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn save_day_summaries(
        &mut self,
        tz_name: &str,
        days: &[NewSummary],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO report_days (business_day, time_zone, version, body)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for d in days {
                stmt.execute(rusqlite::params![d.day, tz_name, SUMMARY_VERSION, d.body])?;
            }
        }
        tx.commit()?;
        Ok(())
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

    use super::{PastRanges, Report, ReportRow, percentile};
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

    /// A report in UTC with every day counted as over (and nothing
    /// remembered from an earlier one).
    fn utc_report(store: &Store, from: &str, to: &str) -> Report {
        store
            .report(
                from,
                to,
                &TimeZone::UTC,
                "UTC",
                "9999-12-31",
                &PastRanges::default(),
            )
            .expect("report")
            .0
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

        let report = utc_report(&j.store, &tuesday, &tuesday);
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
        let monday_report = utc_report(&j.store, &monday_day, &monday_day);
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
        let both = utc_report(&j.store, &monday_day, &tuesday);
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
        let reversed = utc_report(&j.store, &tuesday, &monday_day);
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
        // The histogram's: the same ranks, in whole seconds.
        let mut h = super::WaitHist::default();
        for secs in [7, 1, 10, 3, 9, 2, 8, 4, 6, 5] {
            h.add(secs);
        }
        assert_eq!(h.percentile(0.9), Some(9.0));
        assert_eq!(h.percentile(1.0), Some(10.0));
        assert_eq!(h.percentile(0.1), Some(1.0));
        assert_eq!(super::WaitHist::default().percentile(0.9), None);
    }

    #[test]
    fn every_bucket_floor_falls_in_its_own_bucket_in_order() {
        let mut last = None;
        for i in 0..super::MAX_BUCKETS {
            let floor = super::bucket_floor(i);
            assert_eq!(super::bucket(floor), i, "bucket {i}, floor {floor}");
            assert!(last.is_none_or(|l| l < floor), "floors grow: {i}");
            last = Some(floor);
        }
        assert_eq!(super::bucket(u64::MAX), super::MAX_BUCKETS - 1);
        // Every second below 1024 has its own bucket.
        assert_eq!(super::bucket(1023), 1023);
        assert_eq!(super::bucket_floor(super::bucket(1440)), 1440);
    }

    proptest::proptest! {
        /// A wait is kept to within 1/128 of itself, never above it.
        #[test]
        fn a_wait_is_reported_within_a_128th_below(secs in 0u64..=u64::from(u32::MAX)) {
            let floor = super::bucket_floor(super::bucket(secs));
            proptest::prop_assert!(floor <= secs);
            proptest::prop_assert!(secs - floor <= secs / 128, "{secs} -> {floor}");
        }

        /// A report over past days, summed from their rows, then read
        /// from the summaries the first one stored, is the same report;
        /// and either is the figures of the rows themselves.
        #[test]
        fn a_report_from_stored_day_summaries_is_the_report_from_the_rows(
            tickets in proptest::collection::vec(
                (0usize..3, 0usize..4, 0u8..5, 0i64..200_000_000, 0u32..7200, 0u32..3, 0i64..2_000_000),
                0..120,
            ),
        ) {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut store = Store::open(&dir.path().join("banli.db")).expect("open");
            let days = ["2026-11-23", "2026-11-24", "2026-11-25"];
            let mut waits: Vec<u64> = Vec::new();
            let mut wait_sum = 0i64;
            let mut served = 0u64;
            {
                let tx = store.conn.transaction().expect("tx");
                // Ids in day order, as the engine issues them.
                let mut sorted = tickets.clone();
                sorted.sort_by_key(|t| t.0);
                for (n, (day, service, status, wait_ms, estimate, counter, handle_ms)) in sorted.iter().enumerate() {
                    let day = days.get(*day).copied().unwrap_or("2026-11-23");
                    let issued = 1_795_000_000_000 + (n as i64) * 1000;
                    let status = ["finished", "no_show", "cancelled", "expired", "waiting"].get(usize::from(*status)).copied().unwrap_or("waiting");
                    let called = matches!(status, "finished" | "no_show").then_some(issued + wait_ms);
                    let closed = called.map(|c| c + handle_ms);
                    if let Some(c) = called {
                        waits.push(u64::try_from(c - issued).unwrap_or(0) / 1000);
                        wait_sum += c - issued;
                    }
                    served += u64::from(status == "finished");
                    tx.execute(
                        "INSERT INTO tickets (id, business_day, number, service_id, issued_service_id, class, status,
                            query_code, issued_by, issued_at_ms, estimated_wait_secs, first_called_at_ms, called_at_ms,
                            closed_at_ms, counter_id, staff)
                         VALUES (?1, ?2, ?3, ?4, ?4, 'normal', ?5, '000000', 'test', ?6, ?7, ?8, ?8, ?9, ?10, ?11)",
                        rusqlite::params![
                            n as i64 + 1, day, format!("A{n:04}"), format!("s{service}"), status, issued,
                            estimate, called, closed,
                            called.map(|_| counter + 1), called.map(|_| format!("staff{counter}")),
                        ],
                    ).expect("insert");
                }
                tx.commit().expect("commit");
            }
            let tz = TimeZone::get("Asia/Shanghai").expect("tz");
            let report = |store: &Store, today: &str, past: &PastRanges| {
                store.report("2026-11-23", "2026-11-25", &tz, "Asia/Shanghai", today, past).expect("report")
            };
            // Today is the 25th: the 23rd and the 24th are over and summed
            // for keeping; today is not.
            let memory = PastRanges::default();
            let (from_rows, new) = report(&store, "2026-11-25", &memory);
            proptest::prop_assert_eq!(
                new.iter().map(|n| n.day.as_str()).collect::<Vec<_>>(),
                vec!["2026-11-23", "2026-11-24"]
            );
            store.save_day_summaries("Asia/Shanghai", &new).expect("save");
            // Read from the kept summaries (a server restarted: nothing in
            // memory), then from memory.
            let (from_summaries, again) = report(&store, "2026-11-25", &PastRanges::default());
            proptest::prop_assert!(again.is_empty(), "kept summaries are read, not summed again");
            proptest::prop_assert_eq!(&from_summaries, &from_rows);
            store.conn.execute("DELETE FROM report_days", []).expect("delete");
            let (from_memory, again) = report(&store, "2026-11-25", &memory);
            proptest::prop_assert!(again.is_empty(), "the past days' merge is kept in memory");
            proptest::prop_assert_eq!(&from_memory, &from_rows);

            // The figures are the rows' own.
            proptest::prop_assert_eq!(from_rows.total.tickets, tickets.len() as u64);
            proptest::prop_assert_eq!(from_rows.total.served, served);
            waits.sort_unstable();
            let p90 = (!waits.is_empty()).then(|| {
                let rank = ((0.9 * waits.len() as f64).ceil() as usize).clamp(1, waits.len());
                let w = waits.get(rank - 1).copied().unwrap_or(0);
                super::bucket_floor(super::bucket(w)) as f64
            });
            proptest::prop_assert_eq!(from_rows.total.p90_wait_secs, p90);
            let avg = (!waits.is_empty()).then(|| wait_sum as f64 / 1000.0 / waits.len() as f64);
            proptest::prop_assert_eq!(from_rows.total.avg_wait_secs, avg);
            proptest::prop_assert_eq!(
                from_rows.by_hour.iter().map(|h| h.arrivals).sum::<u64>(),
                tickets.len() as u64
            );
        }
    }

    /// A kept summary is used only for its time zone and its version; one
    /// that does not decode is summed again from the rows and replaced.
    #[test]
    fn summaries_of_another_time_zone_or_version_or_broken_ones_are_not_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("banli.db")).expect("open");
        store
            .conn
            .execute(
                "INSERT INTO tickets (id, business_day, number, service_id, issued_service_id, class, status,
                    query_code, issued_by, issued_at_ms, estimated_wait_secs, first_called_at_ms, called_at_ms,
                    closed_at_ms, counter_id, staff)
                 VALUES (1, '2026-11-23', 'A001', 'tax', 'tax', 'normal', 'finished', '000000', 'test',
                    1795399200000, 600, 1795399500000, 1795399500000, 1795399800000, 8, 'staff8')",
                [],
            )
            .expect("insert");
        let shanghai = TimeZone::get("Asia/Shanghai").expect("tz");
        let day = "2026-11-23";
        let today = "2026-11-24";
        let in_shanghai = |store: &Store, today: &str| {
            store
                .report(
                    day,
                    day,
                    &shanghai,
                    "Asia/Shanghai",
                    today,
                    &PastRanges::default(),
                )
                .expect("report")
        };
        let (report, new) = in_shanghai(&store, today);
        assert_eq!(report.total.served, 1);
        assert_eq!(report.total.p90_wait_secs, Some(300.0));
        assert_eq!(report.total.avg_handle_secs, Some(300.0));
        store
            .save_day_summaries("Asia/Shanghai", &new)
            .expect("save");

        // Another time zone: another hour of issue, so not the same figures.
        let (utc, new_utc) = store
            .report(
                day,
                day,
                &TimeZone::UTC,
                "UTC",
                today,
                &PastRanges::default(),
            )
            .expect("report");
        assert_eq!(new_utc.len(), 1, "summed for UTC");
        let hour_of = |r: &Report| r.by_hour.iter().position(|h| h.arrivals > 0);
        assert_eq!(hour_of(&report), Some(10));
        assert_eq!(hour_of(&utc), Some(2));

        // Broken, then of an older version: summed again, the same figures.
        store
            .conn
            .execute("UPDATE report_days SET body = x'ffffffff'", [])
            .expect("break");
        let (broken, resummed) = in_shanghai(&store, today);
        assert_eq!(broken, report);
        assert_eq!(resummed.len(), 1);
        store
            .save_day_summaries("Asia/Shanghai", &resummed)
            .expect("save");
        store
            .conn
            .execute("UPDATE report_days SET version = version - 1", [])
            .expect("age");
        let (old, resummed) = in_shanghai(&store, today);
        assert_eq!(old, report);
        assert_eq!(resummed.len(), 1);

        // The day itself, while it is today: summed, never kept.
        let (live, none) = in_shanghai(&store, day);
        assert_eq!(live, report);
        assert!(none.is_empty());
    }
}
