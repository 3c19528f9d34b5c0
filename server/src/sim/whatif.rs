//! What-if: the hall as it is and the hall with a director's changes,
//! simulated on the same days (the same seed: the same citizens arrive
//! and each takes the same time at the counter), side by side.
//!
//! [`Changes`] are what a director may try: another configuration
//! (counters added or removed, their services, policies and weights, the
//! rules, the services' expected handle times), other staffed hours per
//! counter, and more or fewer citizens. [`Changes::apply`] turns them
//! into the changed scenario, checked field by field; [`compare`] runs
//! both and [`Comparison`] holds the figures a director compares: per
//! service the mean and 90th-percentile waits, served and not served, per
//! counter the utilisation, and the differences. Nothing here touches the
//! live hall.

use banli_core::config::{ConfigIssue, HallConfig};
use banli_core::ids::{CounterId, ServiceId};
use serde::Serialize;

use super::profile::{CounterPlan, Profile, StaffedPeriod};
use super::report::{CounterRow, Report, Row};
use super::run::{SimError, simulate};

/// Most days one what-if may simulate (for each of the two scenarios).
pub const MAX_DAYS: u32 = 20;
/// Demand may be scaled from −90 % to +300 %.
pub const DEMAND_PERCENT: std::ops::RangeInclusive<i32> = -90..=300;

/// A director's changes to the hall as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// The changed configuration; none: the current one.
    pub config: Option<HallConfig>,
    /// When clerks sit at counters without a plan of their own; none:
    /// as the profile says.
    pub staffed: Option<Vec<StaffedPeriod>>,
    /// Counters staffed otherwise than the profile says (an empty list of
    /// periods: closed all day). They replace the profile's plan for the
    /// same counter.
    pub counters: Vec<CounterPlan>,
    /// More (+) or fewer (−) citizens than the profile, in per cent.
    pub demand_percent: i32,
}

/// Why the changes cannot be simulated; every problem names its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// The changed configuration is invalid (fields as in the hall
    /// configuration: `counters[2].services`).
    #[error("the changed configuration is invalid")]
    Config(Vec<ConfigIssue>),
    /// Staffed hours or demand out of range (fields as in the request:
    /// `counters[0].periods[1]`, `demand_percent`).
    #[error("the changed staffing is invalid")]
    Staffing(Vec<ConfigIssue>),
    /// The profile does not fit the changed configuration (a service it
    /// describes was removed).
    #[error("the profile does not fit the changed configuration")]
    Profile(Vec<ConfigIssue>),
}

impl Changes {
    /// The changed scenario: the configuration and the profile it is
    /// simulated with. Plans for counters the changed configuration no
    /// longer has are dropped (a removed counter has no clerk); counters
    /// it adds are staffed as the profile staffs counters without a plan.
    ///
    /// # Errors
    /// [`ChangeError`] with every problem found.
    pub fn apply(
        &self,
        hall: &HallConfig,
        profile: &Profile,
    ) -> Result<(HallConfig, Profile), ChangeError> {
        let config = self.config.clone().unwrap_or_else(|| hall.clone());
        config.validate().map_err(ChangeError::Config)?;
        let mut issues = Vec::new();
        let mut issue = |field: String, message: &str| {
            issues.push(ConfigIssue {
                field,
                message: message.to_owned(),
            });
        };
        if !DEMAND_PERCENT.contains(&self.demand_percent) {
            issue(
                "demand_percent".into(),
                "must be a change of -90 to +300 per cent",
            );
        }
        for (p, period) in self.staffed.iter().flatten().enumerate() {
            if period.open >= period.close {
                issue(format!("staffed[{p}]"), "opens at or after it closes");
            }
        }
        for (i, plan) in self.counters.iter().enumerate() {
            if config.counter(plan.id).is_none() {
                issue(
                    format!("counters[{i}].id"),
                    "no such counter in the configuration simulated",
                );
            }
            if self.counters[..i].iter().any(|c| c.id == plan.id) {
                issue(format!("counters[{i}].id"), "this counter is planned twice");
            }
            for (p, period) in plan.periods.iter().enumerate() {
                if period.open >= period.close {
                    issue(
                        format!("counters[{i}].periods[{p}]"),
                        "opens at or after it closes",
                    );
                }
            }
        }
        if !issues.is_empty() {
            return Err(ChangeError::Staffing(issues));
        }
        let mut changed = if self.demand_percent == 0 {
            profile.clone()
        } else {
            profile.scaled(1.0 + f64::from(self.demand_percent) / 100.0)
        };
        changed.counters.retain(|c| config.counter(c.id).is_some());
        if let Some(staffed) = &self.staffed {
            changed.staffed = Some(staffed.clone());
        }
        for plan in &self.counters {
            changed.counters.retain(|c| c.id != plan.id);
            changed.counters.push(plan.clone());
        }
        changed.check(&config).map_err(|issues| {
            ChangeError::Profile(
                issues
                    .into_iter()
                    .map(|i| ConfigIssue {
                        field: i.field,
                        message: i.message,
                    })
                    .collect(),
            )
        })?;
        Ok((config, changed))
    }
}

/// Figures of one service (or the whole hall) in one scenario; waits in
/// minutes until the first call.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Tickets issued.
    pub issued: usize,
    /// Served at the service they were issued for.
    pub served: usize,
    /// Not served: no-shows who did not come back, and those still
    /// waiting at the end of the day.
    pub abandoned: usize,
    /// Mean wait.
    pub mean_wait: f64,
    /// 90th-percentile wait.
    pub p90_wait: f64,
    /// Longest wait.
    pub max_wait: f64,
}

impl Figures {
    fn of(row: Option<&Row>) -> Self {
        row.map_or_else(Self::default, |r| Self {
            issued: r.issued,
            served: r.served,
            abandoned: r.abandoned,
            mean_wait: r.waits.mean,
            p90_wait: r.waits.p90,
            max_wait: r.waits.max,
        })
    }

    fn minus(&self, before: &Self) -> Difference {
        Difference {
            mean_wait: self.mean_wait - before.mean_wait,
            p90_wait: self.p90_wait - before.p90_wait,
            served: count(self.served) - count(before.served),
            abandoned: count(self.abandoned) - count(before.abandoned),
        }
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Changed minus current: negative waits are shorter with the changes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, utoipa::ToSchema)]
pub struct Difference {
    /// Mean wait, minutes.
    pub mean_wait: f64,
    /// 90th-percentile wait, minutes.
    pub p90_wait: f64,
    /// Served.
    pub served: i64,
    /// Not served.
    pub abandoned: i64,
}

/// One service, both scenarios.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ServiceComparison {
    /// The service.
    pub service: ServiceId,
    /// Its ticket prefix (from the changed configuration, else the
    /// current).
    pub prefix: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// As the hall is.
    pub current: Figures,
    /// With the changes.
    pub changed: Figures,
    /// Changed minus current.
    pub difference: Difference,
}

/// A counter's figures in one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CounterFigures {
    /// Share of staffed time with a citizen called (0 to 1).
    pub utilisation: f64,
    /// Citizens served, all days.
    pub served: u32,
    /// Hours staffed a day.
    pub staffed_hours: f64,
}

impl CounterFigures {
    fn of(row: &CounterRow, days: usize) -> Self {
        Self {
            utilisation: row.utilisation,
            served: row.served,
            staffed_hours: row.staffed_hours / days.max(1) as f64,
        }
    }
}

/// One counter, both scenarios (none where the scenario has no such
/// counter).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CounterComparison {
    /// The counter number.
    pub counter: CounterId,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// As the hall is.
    pub current: Option<CounterFigures>,
    /// With the changes.
    pub changed: Option<CounterFigures>,
}

/// Both scenarios' figures, side by side.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// Days simulated (each scenario).
    pub days: u32,
    /// Seed of the days.
    pub seed: u64,
    /// The whole hall.
    pub hall: ServiceComparison,
    /// Per service: the current configuration's order, then services only
    /// the changed one has.
    pub services: Vec<ServiceComparison>,
    /// Per counter, by number.
    pub counters: Vec<CounterComparison>,
    /// Citizens refused a ticket (outside hours, quota), current.
    pub refused_current: u32,
    /// And with the changes.
    pub refused_changed: u32,
}

/// Simulates both scenarios on the same seed and days and compares them.
///
/// # Errors
/// [`SimError`] when either cannot be simulated.
pub fn compare(
    current: (&HallConfig, &Profile),
    changed: (&HallConfig, &Profile),
    seed: u64,
    days: u32,
) -> Result<Comparison, SimError> {
    let before = Report::of(&simulate(current.0, current.1, seed, days)?);
    let after = Report::of(&simulate(changed.0, changed.1, seed, days)?);
    let (hall_now, hall_then) = (current.0, changed.0);
    let mut ids: Vec<&ServiceId> = hall_now.services.iter().map(|s| &s.id).collect();
    for s in &hall_then.services {
        if !ids.contains(&&s.id) {
            ids.push(&s.id);
        }
    }
    let row = |r: &Report, id: &ServiceId| {
        Figures::of(r.services.iter().find(|row| row.service == id.as_str()))
    };
    let services = ids
        .into_iter()
        .filter_map(|id| {
            let s = hall_then.service(id).or_else(|| hall_now.service(id))?;
            let (c, n) = (row(&before, id), row(&after, id));
            // A service nobody came for in either scenario says nothing.
            (c.issued + n.issued > 0).then(|| ServiceComparison {
                service: id.clone(),
                prefix: s.prefix.clone(),
                name_zh: s.name_zh.clone(),
                name_en: s.name_en.clone(),
                current: c,
                changed: n,
                difference: n.minus(&c),
            })
        })
        .collect();
    let (c, n) = (
        Figures::of(Some(&before.hall)),
        Figures::of(Some(&after.hall)),
    );
    let hall = ServiceComparison {
        service: ServiceId::from("hall"),
        prefix: String::new(),
        name_zh: "全厅".into(),
        name_en: "Whole hall".into(),
        current: c,
        changed: n,
        difference: n.minus(&c),
    };
    let mut numbers: Vec<CounterId> = hall_now
        .counters
        .iter()
        .chain(&hall_then.counters)
        .map(|c| c.id)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let figures = |r: &Report, id: CounterId| {
        r.counters
            .iter()
            .find(|c| c.counter == id.0)
            .map(|c| CounterFigures::of(c, r.days))
    };
    let counters = numbers
        .into_iter()
        .filter_map(|id| {
            let c = hall_then.counter(id).or_else(|| hall_now.counter(id))?;
            Some(CounterComparison {
                counter: id,
                name_zh: c.name_zh.clone(),
                name_en: c.name_en.clone(),
                current: hall_now.counter(id).and_then(|_| figures(&before, id)),
                changed: hall_then.counter(id).and_then(|_| figures(&after, id)),
            })
        })
        .collect();
    Ok(Comparison {
        days,
        seed,
        hall,
        services,
        counters,
        refused_current: before.refused,
        refused_changed: after.refused,
    })
}
