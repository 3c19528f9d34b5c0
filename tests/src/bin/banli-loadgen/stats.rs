//! Latency samples and their percentiles.
//!
//! Samples are kept whole, as microseconds in a `Vec<u64>`, and sorted once
//! at the end: 100,000 tickets or 1,000 subscribers × 200 calls are a few
//! megabytes at most, so a histogram crate would save nothing worth a
//! dependency, and exact values make the maximum exact.

use std::time::Duration;

use serde::Serialize;

/// Latency samples of one kind (issue requests, event deliveries…).
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    /// Microseconds, in arrival order.
    micros: Vec<u64>,
}

impl Latencies {
    /// Room for `n` samples, so that the hot loop does not reallocate.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            micros: Vec::with_capacity(n),
        }
    }

    /// Adds one sample.
    pub fn record(&mut self, latency: Duration) {
        self.micros
            .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
    }

    /// Adds another worker's samples.
    pub fn merge(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.micros.len()
    }

    /// How many samples took longer than each of [`STALL_BUCKETS_MS`]'s
    /// lower bounds and less than the next: the stalls of a run, by size.
    pub fn stalls(&self) -> Stalls {
        let mut buckets = [0u64; STALL_BUCKETS_MS.len()];
        for &us in &self.micros {
            let ms = us / 1000;
            if let Some(i) = STALL_BUCKETS_MS.iter().rposition(|&lo| ms >= lo) {
                buckets[i] += 1;
            }
        }
        Stalls {
            over_50ms: buckets.iter().sum(),
            buckets: STALL_BUCKETS_MS
                .iter()
                .zip(buckets)
                .map(|(&lo, n)| (lo, n))
                .collect(),
        }
    }

    /// Percentiles of the samples, or `None` when there are none. Sorts a
    /// copy, so it can be asked more than once.
    pub fn summary(&self) -> Option<Percentiles> {
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        let sorted = &sorted;
        Some(Percentiles {
            count: sorted.len(),
            p50_ms: micros_to_ms(percentile(sorted, 50.0)?),
            p90_ms: micros_to_ms(percentile(sorted, 90.0)?),
            p99_ms: micros_to_ms(percentile(sorted, 99.0)?),
            max_ms: micros_to_ms(*sorted.last()?),
        })
    }
}

/// Lower bounds (ms) of the stall histogram: a request slower than 50 ms
/// is a stall (the target says none from snapshots, checkpoints or
/// reports).
pub const STALL_BUCKETS_MS: [u64; 5] = [50, 100, 200, 500, 1000];

/// Requests slower than 50 ms, by size.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stalls {
    /// All of them.
    pub over_50ms: u64,
    /// `(lower bound in ms, count)`: 50–100, 100–200, 200–500, 500–1000,
    /// 1000 and more.
    pub buckets: Vec<(u64, u64)>,
}

impl std::fmt::Display for Stalls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} over 50 ms", self.over_50ms)?;
        if self.over_50ms > 0 {
            let parts: Vec<String> = self
                .buckets
                .windows(2)
                .map(|w| format!("{}–{} ms: {}", w[0].0, w[1].0, w[0].1))
                .chain(self.buckets.last().map(|(lo, n)| format!("≥{lo} ms: {n}")))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

/// Slow requests grouped into episodes: requests sent within `gap_s` of the
/// previous slow one belong to the same stall of the server. `slow` is
/// `(sent at, seconds from the start; latency, ms)` in send order; each
/// episode is `(first sent at, requests, longest ms)`.
pub fn episodes(slow: &[(f64, f64)], gap_s: f64) -> Vec<(f64, u64, f64)> {
    let mut out: Vec<(f64, u64, f64)> = Vec::new();
    let mut last_at = f64::NEG_INFINITY;
    for &(at, ms) in slow {
        match out.last_mut() {
            Some(e) if at - last_at <= gap_s => {
                e.1 += 1;
                e.2 = e.2.max(ms);
            }
            _ => out.push((at, 1, ms)),
        }
        last_at = at;
    }
    out
}

/// The figures the performance targets are written in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentiles {
    /// Samples they were computed from.
    pub count: usize,
    /// Median, in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile, in milliseconds.
    pub p90_ms: f64,
    /// 99th percentile, in milliseconds.
    pub p99_ms: f64,
    /// Slowest sample, in milliseconds.
    pub max_ms: f64,
}

/// The `p`th percentile (0 < `p` ≤ 100) of ascending `sorted` by the
/// nearest-rank method: the smallest sample that at least `p` percent of
/// the samples are less than or equal to. It is always a real sample, never
/// an interpolation, so "p99 < 20 ms" means 99 % of requests really took
/// under 20 ms.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() || !(p > 0.0 && p <= 100.0) {
        return None;
    }
    // Rank is 1-based: ceil(p/100 · n), at least 1.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

fn micros_to_ms(micros: u64) -> f64 {
    round3(micros as f64 / 1000.0)
}

/// Rounds to three decimals, so that JSON lines stay short and readable.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_one_to_a_hundred() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 90.0), Some(90));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.1), Some(1));
    }

    #[test]
    fn nearest_rank_rounds_up_between_samples() {
        // 10 samples: p99 needs rank ceil(9.9) = 10, the maximum; p50 rank 5.
        let v: Vec<u64> = (10..20).collect();
        assert_eq!(percentile(&v, 99.0), Some(19));
        assert_eq!(percentile(&v, 50.0), Some(14));
        assert_eq!(percentile(&v, 51.0), Some(15));
    }

    #[test]
    fn percentile_of_nothing_or_nonsense_is_none() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1, 2], 0.0), None);
        assert_eq!(percentile(&[1, 2], 101.0), None);
        assert_eq!(percentile(&[1, 2], f64::NAN), None);
        assert_eq!(percentile(&[7], 99.0), Some(7));
    }

    #[test]
    fn summary_sorts_merges_and_converts_to_ms() {
        let mut a = Latencies::default();
        let mut b = Latencies::with_capacity(4);
        // Out of order and split across two workers.
        for ms in [30u64, 10, 20] {
            a.record(Duration::from_millis(ms));
        }
        for us in [40_500u64, 1_250] {
            b.record(Duration::from_micros(us));
        }
        a.merge(b);
        assert_eq!(a.len(), 5);
        let s = a.summary().expect("five samples");
        assert_eq!(s.count, 5);
        assert_eq!(s.p50_ms, 20.0);
        assert_eq!(s.p90_ms, 40.5);
        assert_eq!(s.p99_ms, 40.5);
        assert_eq!(s.max_ms, 40.5);
        assert!(Latencies::default().summary().is_none());
    }

    #[test]
    fn slow_requests_close_together_are_one_episode() {
        let slow = [(1.0, 60.0), (1.05, 80.0), (1.1, 55.0), (3.0, 120.0)];
        assert_eq!(episodes(&slow, 0.1), [(1.0, 3, 80.0), (3.0, 1, 120.0)]);
        assert!(episodes(&[], 0.1).is_empty());
    }

    #[test]
    fn stalls_are_bucketed_from_50_ms() {
        let mut l = Latencies::default();
        for ms in [1u64, 49, 50, 99, 100, 250, 700, 1500, 60_000] {
            l.record(Duration::from_millis(ms));
        }
        let s = l.stalls();
        assert_eq!(s.over_50ms, 7);
        assert_eq!(
            s.buckets,
            [(50, 2), (100, 1), (200, 1), (500, 1), (1000, 2)]
        );
        assert_eq!(
            s.to_string(),
            "7 over 50 ms (50–100 ms: 2, 100–200 ms: 1, 200–500 ms: 1, 500–1000 ms: 1, ≥1000 ms: 2)"
        );
        assert_eq!(Latencies::default().stalls().to_string(), "0 over 50 ms");
    }
}
