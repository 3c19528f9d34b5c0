//! Prometheus metrics, served as text at `GET /metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A per-service label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServiceLabel {
    /// Service id.
    pub service: String,
}

/// Labels of an HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabel {
    /// Method.
    pub method: String,
    /// Route pattern (not the raw path, to bound cardinality).
    pub route: String,
    /// Status code.
    pub status: u16,
}

/// Which rate limiter refused a request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimiterLabel {
    /// `login_account`, `login_address`, `lookup_ticket` or `lookup_address`.
    pub limiter: &'static str,
}

/// Labels of a command the engine task handled.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CommandLabel {
    /// The kind of command (`issue_ticket`, `call_next`, …).
    pub kind: &'static str,
    /// `recorded`, `rejected`, `storage_failed` or `engine_fault`.
    pub result: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.25 ms to ~8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// Every metric the server keeps.
pub struct Metrics {
    registry: Registry,
    /// Tickets issued, by service.
    pub tickets_issued: Family<ServiceLabel, Counter>,
    /// Calls made (recalls included), by service.
    pub calls: Family<ServiceLabel, Counter>,
    /// Tickets waiting now, by service.
    pub waiting: Family<ServiceLabel, Gauge>,
    /// HTTP request latency, by method, route and status.
    pub http: HistogramFamily<HttpLabel>,
    /// Time to commit one batch to SQLite.
    pub commit_seconds: Histogram,
    /// Commands per committed batch.
    pub batch_size: Histogram,
    /// Connected event-stream subscribers.
    pub subscribers: Gauge,
    /// Commands the engine task handled, by kind and result.
    pub commands: Family<CommandLabel, Counter>,
    /// |actual − estimated| wait of each ticket when first called, seconds.
    pub estimate_error_seconds: Histogram,
    /// Passwords checked with argon2 (logins that got past the limiter):
    /// what an attacker's guesses actually cost the hall.
    pub password_checks: Counter,
    /// Requests refused by a rate limiter, by limiter.
    pub rate_limited: Family<LimiterLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("banli");
        let tickets_issued = Family::<ServiceLabel, Counter>::default();
        let calls = Family::<ServiceLabel, Counter>::default();
        let waiting = Family::<ServiceLabel, Gauge>::default();
        let http: HistogramFamily<HttpLabel> = Family::new_with_constructor(latency_histogram);
        let commit_seconds = latency_histogram();
        let batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        let subscribers = Gauge::default();
        let commands = Family::<CommandLabel, Counter>::default();
        registry.register(
            "commands",
            "Commands handled by the engine task, by kind and result",
            commands.clone(),
        );
        let estimate_error_seconds = Histogram::new(exponential_buckets(30.0, 2.0, 10));
        registry.register("tickets_issued", "Tickets issued", tickets_issued.clone());
        registry.register(
            "calls",
            "Tickets called at counters, recalls included",
            calls.clone(),
        );
        registry.register("waiting_tickets", "Tickets waiting now", waiting.clone());
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            http.clone(),
        );
        registry.register(
            "commit_duration_seconds",
            "Time to commit one batch durably",
            commit_seconds.clone(),
        );
        registry.register(
            "commit_batch_commands",
            "Commands per committed batch",
            batch_size.clone(),
        );
        registry.register(
            "event_subscribers",
            "Connected event-stream subscribers",
            subscribers.clone(),
        );
        registry.register(
            "wait_estimate_error_seconds",
            "Absolute error of the wait estimated at issue, measured when the ticket is first called",
            estimate_error_seconds.clone(),
        );
        let password_checks = Counter::default();
        registry.register(
            "password_checks",
            "Passwords checked with argon2 (logins past the rate limiter)",
            password_checks.clone(),
        );
        let rate_limited = Family::<LimiterLabel, Counter>::default();
        registry.register(
            "rate_limited",
            "Requests refused by a rate limiter, by limiter",
            rate_limited.clone(),
        );
        Self {
            registry,
            tickets_issued,
            calls,
            waiting,
            http,
            commit_seconds,
            batch_size,
            subscribers,
            commands,
            estimate_error_seconds,
            password_checks,
            rate_limited,
        }
    }

    /// The metrics in the OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// A service's label.
    pub fn service(id: &str) -> ServiceLabel {
        ServiceLabel {
            service: id.to_owned(),
        }
    }
}
