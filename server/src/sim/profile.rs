//! The demand profile a simulated day is drawn from: who comes when, how
//! long each takes at the counter, and how the counters are staffed.
//!
//! A profile is a TOML file a hall director can read and edit
//! (`assets/demo-profile.toml` is the demo hall's), or derived from the
//! hall's own recorded days ([`super::history`]). Every problem names its
//! field (`services[2].handle.sd_minutes: ...`), and all problems are
//! reported at once.

use std::collections::BTreeMap;
use std::fmt;

use banli_core::config::{ClockTime, HallConfig};
use banli_core::ids::{CounterId, ServiceId};
use banli_core::jiff::civil::Date;
use rand::Rng;
use rand_distr::Distribution as _;
use serde::{Deserialize, Serialize};

/// The demo hall's profile: a typical busy weekday.
pub const DEMO_PROFILE: &str = include_str!("../../../assets/demo-profile.toml");

/// One quarter hour, the unit of arrival rates.
pub const QUARTER_SECS: i64 = 15 * 60;

/// A hall day's demand and staffing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// What this profile describes, for reports ("a typical Tuesday").
    #[serde(default)]
    pub name: String,
    /// The first day simulated.
    pub date: Date,
    /// Days of the week this profile describes (1 = Monday ... 7 =
    /// Sunday): several days simulated are consecutive days of these.
    #[serde(default = "default_weekdays")]
    pub weekdays: Vec<u8>,
    /// How long a clerk waits for a called citizen who does not come
    /// before marking the ticket 过号.
    #[serde(default = "default_no_show_wait")]
    pub no_show_wait_minutes: f64,
    /// Demand per service.
    pub services: Vec<ServiceDemand>,
    /// When clerks sit at the counters not listed in `counters`; by
    /// default the hall's default hours.
    #[serde(default)]
    pub staffed: Option<Vec<StaffedPeriod>>,
    /// Counters staffed differently (fewer hours, closed all day).
    #[serde(default)]
    pub counters: Vec<CounterPlan>,
}

fn default_weekdays() -> Vec<u8> {
    vec![1, 2, 3, 4, 5]
}

fn default_no_show_wait() -> f64 {
    2.0
}

/// Who comes for one service, and what happens to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDemand {
    /// The service (an id of the hall configuration).
    pub service: ServiceId,
    /// Start of the first quarter hour of `arrivals`.
    pub from: ClockTime,
    /// Expected arrivals in each quarter hour from `from` (a Poisson
    /// process with this rate, constant within the quarter).
    pub arrivals: Vec<f64>,
    /// Time at the counter.
    pub handle: HandleTime,
    /// Share of called citizens who do not come (0 to 1).
    #[serde(default)]
    pub no_show: f64,
    /// Share of those who come back later and are re-queued (0 to 1).
    #[serde(default)]
    pub requeue: f64,
    /// How long after their call the returning ones come back.
    #[serde(default = "default_return_after")]
    pub return_after_minutes: f64,
    /// Share of tickets with a priority class (elderly, disabled...).
    #[serde(default)]
    pub priority: f64,
    /// Share of citizens who booked an appointment (预约) for about the
    /// time they come (a slot on the next quarter hour); they check in at
    /// the kiosk and queue as appointments. Only for services that take
    /// appointments.
    #[serde(default)]
    pub appointment: f64,
    /// Where citizens are sent after this service, and how often.
    #[serde(default)]
    pub transfers: Vec<TransferShare>,
}

fn default_return_after() -> f64 {
    10.0
}

/// A share of a service's citizens sent on to another service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferShare {
    /// The next service (受理 → 收费, say).
    pub to: ServiceId,
    /// Share of the citizens served (0 to 1).
    pub share: f64,
}

/// A distribution of handle times, in minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum HandleTime {
    /// Log-normal with this mean and standard deviation: most take about
    /// the mean, a few take much longer (the usual shape of service times).
    LogNormal {
        /// Mean, minutes.
        mean_minutes: f64,
        /// Standard deviation, minutes.
        sd_minutes: f64,
    },
    /// Exponential with this mean.
    Exponential {
        /// Mean, minutes.
        mean_minutes: f64,
    },
    /// Always the same.
    Fixed {
        /// Minutes.
        minutes: f64,
    },
}

/// How one counter is staffed, when it is not "open whenever the hall is".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterPlan {
    /// The counter.
    pub id: CounterId,
    /// Staffed periods; none: closed all day.
    pub periods: Vec<StaffedPeriod>,
}

/// A period a clerk is at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffedPeriod {
    /// From.
    pub open: ClockTime,
    /// Until (the clerk finishes the citizen at the counter, then leaves).
    pub close: ClockTime,
}

/// One problem in a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileIssue {
    /// Path of the field, e.g. `services[2].handle.sd_minutes`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ProfileIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a profile cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Not TOML, or not the profile's shape.
    #[error("{file}: {message}")]
    Malformed {
        /// The file as named to the user.
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// Parsed, but wrong for the hall or impossible to sample.
    #[error("{file}:\n{}", .issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file as named to the user.
        file: String,
        /// Every problem.
        issues: Vec<ProfileIssue>,
    },
}

impl Profile {
    /// Parses a profile and checks it against the hall.
    ///
    /// # Errors
    /// [`ProfileError`] naming the file and each field at fault.
    pub fn parse(file: &str, text: &str, hall: &HallConfig) -> Result<Self, ProfileError> {
        let profile: Self = toml::from_str(text).map_err(|e| ProfileError::Malformed {
            file: file.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        profile
            .check(hall)
            .map_err(|issues| ProfileError::Invalid {
                file: file.to_owned(),
                issues,
            })?;
        Ok(profile)
    }

    /// Checks the profile against the hall: every problem, each naming its
    /// field.
    ///
    /// # Errors
    /// The problems found.
    pub fn check(&self, hall: &HallConfig) -> Result<(), Vec<ProfileIssue>> {
        let mut issues = Vec::new();
        let mut issue = |field: String, message: &str| {
            issues.push(ProfileIssue {
                field,
                message: message.to_owned(),
            });
        };
        if !(self.no_show_wait_minutes.is_finite() && self.no_show_wait_minutes >= 0.0) {
            issue(
                "no_show_wait_minutes".into(),
                "must be a number of minutes, 0 or more",
            );
        }
        if self.weekdays.is_empty() || self.weekdays.iter().any(|d| !(1..=7).contains(d)) {
            issue(
                "weekdays".into(),
                "must list days of the week, 1 (Monday) to 7 (Sunday)",
            );
        }
        let mut seen = BTreeMap::new();
        for (i, s) in self.services.iter().enumerate() {
            let at = |f: &str| format!("services[{i}].{f}");
            if !hall.services.iter().any(|h| h.id == s.service) {
                issue(at("service"), "no such service in the hall configuration");
            }
            if seen.insert(s.service.clone(), i).is_some() {
                issue(at("service"), "this service is already described above");
            }
            for (q, rate) in s.arrivals.iter().enumerate() {
                if !(rate.is_finite() && *rate >= 0.0) {
                    issue(
                        format!("services[{i}].arrivals[{q}]"),
                        "must be an expected number of arrivals, 0 or more",
                    );
                }
            }
            if let Err(m) = s.handle.check() {
                issue(at(&format!("handle.{}", m.0)), m.1);
            }
            for (name, share) in [
                ("no_show", s.no_show),
                ("requeue", s.requeue),
                ("priority", s.priority),
                ("appointment", s.appointment),
            ] {
                if !(0.0..=1.0).contains(&share) {
                    issue(at(name), "must be a share between 0 and 1");
                }
            }
            if s.priority + s.appointment > 1.0 + 1e-9 {
                issue(
                    at("appointment"),
                    "priority and appointment shares add up to more than 1",
                );
            }
            if s.appointment > 0.0
                && hall
                    .services
                    .iter()
                    .any(|h| h.id == s.service && !h.appointments)
            {
                issue(
                    at("appointment"),
                    "this service takes no appointments (appointments = false)",
                );
            }
            if !(s.return_after_minutes.is_finite() && s.return_after_minutes >= 0.0) {
                issue(
                    at("return_after_minutes"),
                    "must be a number of minutes, 0 or more",
                );
            }
            let mut total = 0.0;
            for (t, tr) in s.transfers.iter().enumerate() {
                if !hall.services.iter().any(|h| h.id == tr.to) {
                    issue(
                        format!("services[{i}].transfers[{t}].to"),
                        "no such service in the hall configuration",
                    );
                }
                if !(0.0..=1.0).contains(&tr.share) {
                    issue(
                        format!("services[{i}].transfers[{t}].share"),
                        "must be a share between 0 and 1",
                    );
                }
                total += tr.share;
            }
            if total > 1.0 + 1e-9 {
                issue(at("transfers"), "the shares add up to more than 1");
            }
        }
        for (p, period) in self.staffed.iter().flatten().enumerate() {
            if period.open >= period.close {
                issue(format!("staffed[{p}]"), "opens at or after it closes");
            }
        }
        for (i, c) in self.counters.iter().enumerate() {
            if !hall.counters.iter().any(|h| h.id == c.id) {
                issue(
                    format!("counters[{i}].id"),
                    "no such counter in the hall configuration",
                );
            }
            for (p, period) in c.periods.iter().enumerate() {
                if period.open >= period.close {
                    issue(
                        format!("counters[{i}].periods[{p}]"),
                        "opens at or after it closes",
                    );
                }
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }

    /// The demand for a service, if the profile has one.
    pub fn service(&self, id: &ServiceId) -> Option<&ServiceDemand> {
        self.services.iter().find(|s| &s.service == id)
    }

    /// Expected arrivals in a day, all services.
    pub fn expected_arrivals(&self) -> f64 {
        self.services.iter().flat_map(|s| &s.arrivals).sum()
    }

    /// The same profile with every arrival rate multiplied by `factor`
    /// (a busier or quieter day).
    #[must_use]
    pub fn scaled(&self, factor: f64) -> Self {
        let mut p = self.clone();
        for s in &mut p.services {
            for r in &mut s.arrivals {
                *r *= factor;
            }
        }
        p
    }
}

impl HandleTime {
    /// The mean, seconds.
    pub fn mean_secs(&self) -> f64 {
        60.0 * match *self {
            Self::LogNormal { mean_minutes, .. }
            | Self::Exponential { mean_minutes }
            | Self::Fixed {
                minutes: mean_minutes,
            } => mean_minutes,
        }
    }

    fn check(&self) -> Result<(), (&'static str, &'static str)> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        match *self {
            Self::LogNormal {
                mean_minutes,
                sd_minutes,
            } => {
                if !positive(mean_minutes) {
                    return Err(("mean_minutes", "must be more than 0 minutes"));
                }
                if !(sd_minutes.is_finite() && sd_minutes >= 0.0) {
                    return Err(("sd_minutes", "must be 0 minutes or more"));
                }
            }
            Self::Exponential { mean_minutes } if !positive(mean_minutes) => {
                return Err(("mean_minutes", "must be more than 0 minutes"));
            }
            Self::Fixed { minutes } if !positive(minutes) => {
                return Err(("minutes", "must be more than 0 minutes"));
            }
            _ => {}
        }
        Ok(())
    }

    /// Draws a handle time in seconds (at least one second). A
    /// distribution that [`Profile::check`] accepted always samples; one
    /// that did not gives its mean (or one second).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let secs = match *self {
            Self::LogNormal {
                mean_minutes,
                sd_minutes,
            } => {
                // The log-normal's own parameters from its mean m and
                // standard deviation s: σ² = ln(1 + s²/m²), μ = ln m − σ²/2.
                let (m, s) = (mean_minutes * 60.0, sd_minutes * 60.0);
                let sigma2 = (1.0 + (s * s) / (m * m)).ln();
                rand_distr::LogNormal::new(m.ln() - sigma2 / 2.0, sigma2.sqrt())
                    .map_or(m, |d| d.sample(rng))
            }
            Self::Exponential { mean_minutes } => rand_distr::Exp::new(1.0 / (mean_minutes * 60.0))
                .map_or(mean_minutes * 60.0, |d| d.sample(rng)),
            Self::Fixed { minutes } => minutes * 60.0,
        };
        if secs.is_finite() { secs.max(1.0) } else { 1.0 }
    }
}
