//! Figures of simulated (or recorded) days: waits per service and hour,
//! counters' utilisation, and how well the wait estimates held.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use banli_core::config::HallConfig;
use serde::Serialize;

use super::run::DayResult;

/// Minutes from seconds.
fn minutes(secs: f64) -> f64 {
    secs / 60.0
}

/// Summary of a set of waits, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Waits {
    /// How many.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Longest.
    pub max: f64,
}

impl Waits {
    /// Summarises waits given in minutes.
    pub fn of(mut xs: Vec<f64>) -> Self {
        xs.retain(|x| x.is_finite());
        if xs.is_empty() {
            return Self::default();
        }
        xs.sort_by(f64::total_cmp);
        Self {
            n: xs.len(),
            mean: xs.iter().sum::<f64>() / xs.len() as f64,
            p50: percentile(&xs, 0.5),
            p90: percentile(&xs, 0.9),
            max: xs.last().copied().unwrap_or_default(),
        }
    }
}

/// Nearest-rank percentile of sorted values (0 for none).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.clamp(1, sorted.len()) - 1)
        .copied()
        .unwrap_or_default()
}

/// How well estimates matched the waits that followed.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Accuracy {
    /// Tickets compared (issued and later called).
    pub n: usize,
    /// Mean absolute error, minutes.
    pub mae: f64,
    /// 90th percentile of the absolute error, minutes.
    pub p90_abs: f64,
    /// Share of tickets whose wait was within ±5 minutes of the estimate.
    pub within_5: f64,
    /// Mean of estimate − wait, minutes: positive leans long (the citizen
    /// is called sooner than told), negative short.
    pub bias: f64,
    /// Share of tickets that waited more than 5 minutes longer than told.
    pub late_over_5: f64,
}

impl Accuracy {
    /// From (estimate, actual) pairs in seconds.
    pub fn of(pairs: &[(f64, f64)]) -> Self {
        if pairs.is_empty() {
            return Self::default();
        }
        let n = pairs.len() as f64;
        let mut abs: Vec<f64> = pairs.iter().map(|(e, a)| minutes((e - a).abs())).collect();
        abs.sort_by(f64::total_cmp);
        Self {
            n: pairs.len(),
            mae: abs.iter().sum::<f64>() / n,
            p90_abs: percentile(&abs, 0.9),
            within_5: pairs.iter().filter(|(e, a)| (e - a).abs() <= 300.0).count() as f64 / n,
            bias: pairs.iter().map(|(e, a)| minutes(e - a)).sum::<f64>() / n,
            late_over_5: pairs.iter().filter(|(e, a)| a - e > 300.0).count() as f64 / n,
        }
    }
}

/// One row of figures: a service (and an hour, or the whole day).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Service id.
    pub service: String,
    /// Local hour of issue, or none for the whole day.
    pub hour: Option<i8>,
    /// Tickets issued.
    pub issued: usize,
    /// Served at the service they were issued for.
    pub served: usize,
    /// Not served: no-shows who did not come back, and those still
    /// waiting at the end of the day.
    pub abandoned: usize,
    /// Waits until the first call.
    pub waits: Waits,
    /// Estimate accuracy.
    pub accuracy: Accuracy,
}

/// A counter's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CounterRow {
    /// Counter number.
    pub counter: u32,
    /// Share of staffed time with a citizen called (0 to 1).
    pub utilisation: f64,
    /// Citizens served.
    pub served: u32,
    /// Hours staffed.
    pub staffed_hours: f64,
}

/// Everything a simulation run reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Days simulated.
    pub days: usize,
    /// Tickets issued.
    pub issued: usize,
    /// Citizens refused a ticket (outside hours, quota).
    pub refused: u32,
    /// The whole hall.
    pub hall: Row,
    /// Per service, whole days.
    pub services: Vec<Row>,
    /// Per service and hour of issue.
    pub hours: Vec<Row>,
    /// Per counter.
    pub counters: Vec<CounterRow>,
}

impl Report {
    /// Figures of the days.
    pub fn of(days: &[DayResult]) -> Self {
        let tickets: Vec<_> = days.iter().flat_map(|d| &d.tickets).collect();
        let row = |service: &str,
                   hour: Option<i8>,
                   pick: &dyn Fn(&&&super::run::TicketOutcome) -> bool| {
            let ts: Vec<_> = tickets.iter().filter(pick).collect();
            let waits: Vec<f64> = ts
                .iter()
                .filter_map(|t| t.wait_secs())
                .map(minutes)
                .collect();
            let pairs: Vec<(f64, f64)> = ts
                .iter()
                .filter_map(|t| Some((f64::from(t.estimate_secs), t.wait_secs()?)))
                .collect();
            Row {
                service: service.to_owned(),
                hour,
                issued: ts.len(),
                served: ts.iter().filter(|t| t.served).count(),
                abandoned: ts.iter().filter(|t| !t.served).count(),
                waits: Waits::of(waits),
                accuracy: Accuracy::of(&pairs),
            }
        };
        let services: Vec<String> = {
            let mut s: Vec<String> = tickets.iter().map(|t| t.service.to_string()).collect();
            s.sort();
            s.dedup();
            s
        };
        let mut hours = Vec::new();
        for s in &services {
            let mut hs: Vec<i8> = tickets
                .iter()
                .filter(|t| t.service.as_str() == s)
                .map(|t| t.hour)
                .collect();
            hs.sort_unstable();
            hs.dedup();
            for h in hs {
                hours.push(row(s, Some(h), &|t| t.service.as_str() == s && t.hour == h));
            }
        }
        let mut counters: BTreeMap<u32, (f64, f64, u32)> = BTreeMap::new();
        for c in days.iter().flat_map(|d| &d.counters) {
            let e = counters.entry(c.id.0).or_default();
            e.0 += c.staffed_secs;
            e.1 += c.busy_secs;
            e.2 += c.served;
        }
        Self {
            days: days.len(),
            issued: tickets.len(),
            refused: days.iter().map(|d| d.refused).sum(),
            hall: row("hall", None, &|_| true),
            services: services
                .iter()
                .map(|s| row(s, None, &|t| t.service.as_str() == s))
                .collect(),
            hours,
            counters: counters
                .into_iter()
                .map(|(counter, (staffed, busy, served))| CounterRow {
                    counter,
                    utilisation: if staffed > 0.0 {
                        (busy / staffed).min(1.0)
                    } else {
                        0.0
                    },
                    served,
                    staffed_hours: staffed / 3600.0,
                })
                .collect(),
        }
    }

    /// The report as text for a terminal: per service, per hour, per
    /// counter, and the estimates' accuracy.
    pub fn to_text(&self, hall: &HallConfig) -> String {
        let name = |id: &str| {
            hall.services
                .iter()
                .find(|s| s.id.as_str() == id)
                .map_or_else(|| id.to_owned(), |s| format!("{} {}", s.prefix, s.name_zh))
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} day(s), {} tickets issued, {} refused (outside hours or quota)\n",
            self.days, self.issued, self.refused
        );
        let header = "                          issued served aband.   mean    p50    p90    max (min)   MAE  p90|e|  ±5min   bias";
        let line = |out: &mut String, label: &str, r: &Row| {
            let _ = writeln!(
                out,
                "{} {:>7} {:>6} {:>6} {:>6.1} {:>6.1} {:>6.1} {:>6.1}       {:>6.1} {:>6.1} {:>5.0}% {:>+6.1}",
                pad(label, 24),
                r.issued,
                r.served,
                r.abandoned,
                r.waits.mean,
                r.waits.p50,
                r.waits.p90,
                r.waits.max,
                r.accuracy.mae,
                r.accuracy.p90_abs,
                r.accuracy.within_5 * 100.0,
                r.accuracy.bias,
            );
        };
        let _ = writeln!(
            out,
            "Per service (waits until the first call; estimate accuracy)\n{header}"
        );
        for r in &self.services {
            line(&mut out, &name(&r.service), r);
        }
        line(&mut out, "whole hall", &self.hall);
        let _ = writeln!(out, "\nPer service and hour of issue\n{header}");
        for r in &self.hours {
            let label = format!(
                "{} {:02}:00",
                pad(&name(&r.service), 18),
                r.hour.unwrap_or(0)
            );
            line(&mut out, &label, r);
        }
        let _ = writeln!(out, "\nCounters\ncounter  staffed h  served  utilisation");
        for c in &self.counters {
            let _ = writeln!(
                out,
                "{:>7}  {:>9.1}  {:>6}  {:>10.0}%",
                c.counter,
                c.staffed_hours,
                c.served,
                c.utilisation * 100.0
            );
        }
        let a = &self.hall.accuracy;
        let _ = writeln!(
            out,
            "\nWait estimates: {} tickets, mean absolute error {:.2} min, p90 {:.2} min, {:.1}% within ±5 min, bias {:+.2} min ({}), {:.1}% waited over 5 min longer than told",
            a.n,
            a.mae,
            a.p90_abs,
            a.within_5 * 100.0,
            a.bias,
            if a.bias >= 0.0 {
                "leans long"
            } else {
                "leans short"
            },
            a.late_over_5 * 100.0
        );
        out
    }
}

/// `s` cut or padded to `width` terminal columns (a Chinese character
/// takes two), so that the columns line up.
fn pad(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar as _;
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push_str(&" ".repeat(width - used));
    out
}
