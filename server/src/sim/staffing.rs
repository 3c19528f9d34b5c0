//! Staffing advice: the fewest counters per service and hour that meet a
//! waiting-time target (say, 90 % of citizens called within 15 minutes),
//! found by simulating the hall's day on the real engine.
//!
//! # Method
//!
//! The advice is for a hall where every service has counters of its own.
//! From the hall configuration (its services, departments and rules) a
//! synthetic hall is built in which each service that citizens come for
//! gets dedicated counters (ordered, calling automatically); the profile's
//! staffed periods (else the hall's default hours) are cut into **slots**
//! at clock hours (09:00–10:00, …, 13:30–14:00 after a lunch break). A
//! staffing is a number of counters per service and slot: counter *k* of a
//! service is staffed in a slot when *k* is less than that slot's number,
//! so its staffed periods are the slots it works, merged.
//!
//! A cell (service, slot) is judged by the tickets of that service issued
//! in the slot: their wait until the first call, pooled over the simulated
//! days. Tickets issued while no slot runs (before opening, at lunch) are
//! judged in the next slot, their wait counted from its opening: no
//! staffing can call them earlier. A ticket never called counts as an
//! endless wait. A cell meets the target when its 90th-percentile wait
//! (and, if asked, its mean wait) is within it, **and no clerk called a
//! citizen in that slot who is not advised for it**. The simulator's
//! clerks finish the queue before leaving (当日取号当日办结); a staffing
//! that drops from three counters to one at 10:00 while people wait would
//! otherwise have the two leaving clerks serve on and hide the shortfall,
//! and the table would advise fewer clerks than the simulation used. With
//! this rule the table is the number of clerks calling in each slot, and
//! the advice holds whether clerks stay on or leave on time. Serving on
//! into a break or past closing, where no slot runs, is allowed. A cell
//! without tickets meets any target.
//!
//! 1. **Start** from a lower estimate: in each cell, the whole number of
//!    counters the expected work of the slot fills (arrivals, and citizens
//!    sent on from other services, times the mean handle time, over the
//!    slot's length), rounded down.
//! 2. **Add** (greedy): simulate; for every service with a cell over the
//!    target, add one counter to its worst cell (the largest ratio of wait
//!    to target; the earlier slot on a tie). Repeat until every cell meets
//!    the target, or the cells still over it are at the bound of counters
//!    per cell (they are reported as not met).
//! 3. **Remove** (prune): try taking one counter from each staffed cell,
//!    the cells with the most room under the target first, and keep every
//!    removal after which every cell still meets the target. Repeat until
//!    no removal is kept.
//!
//! Every simulation uses the same seed and days, and the simulator draws
//! arrivals per day and each citizen's own times per citizen, so two
//! staffings are compared on the same citizens (common random numbers):
//! the differences are the staffing's, not chance's.
//!
//! # What it guarantees, and what not
//!
//! - When [`Advice::unmet`] is empty and [`Advice::complete`] holds, the
//!   advised staffing meets the target in every cell, simulated with these
//!   seed and days (the advice carries the figures of that simulation).
//! - It is **one-minimal**: with one counter fewer in any staffed cell
//!   of a judged service,
//!   some cell misses the target, by its waits or by a clerk staying on
//!   (usually the same service in that slot or the one after it; a
//!   counter taken from a service that sends citizens on can also change
//!   the service they are sent to). The remove phase checks exactly this.
//! - It is **not** proved to be the fewest counters overall: greedy search
//!   can stop in a local optimum, where moving a counter from one hour to
//!   another would save one. Finding the true minimum is a search over
//!   every staffing, far too slow for the console.
//! - Other seeds are other days: a target met with 5 days of one seed can
//!   be missed by a little on another. Simulate more days for a steadier
//!   answer.
//! - Numbers drop from one slot to the next only where the queue lets the
//!   clerks leave (see the stay-on rule above), so the advice is cautious
//!   after a peak: a hall whose clerks leave on the hour while people
//!   wait could do with fewer, at longer waits.
//! - Services citizens reach only by being sent on (no arrivals of their
//!   own) are not judged: the simulator measures waits until a ticket's
//!   first call only. They get the counters their expected work fills,
//!   rounded up (so at least one while citizens are sent to them), and
//!   keep them. They are listed in [`Advice::unjudged`]; their one-minimal
//!   guarantee does not hold.
//! - Shared counters (one counter for two services) are not advised;
//!   try such an arrangement with the what-if instead.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use banli_core::config::{ClockTime, Counter, CounterService, HallConfig, Policy, Service};
use banli_core::ids::{CounterId, ServiceId};
use banli_core::jiff::Timestamp;
use banli_core::jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::profile::{CounterPlan, Profile, QUARTER_SECS, StaffedPeriod};
use super::report::percentile;
use super::run::{DayResult, SimError, simulate};

/// Most days one piece of advice may simulate: each step simulates them
/// all, so the search costs about days × steps simulated days.
pub const MAX_DAYS: u32 = 10;
/// Default bound of counters per service and slot.
pub const DEFAULT_MAX_PER_CELL: u32 = 20;
/// Highest bound of counters per cell one may ask for.
pub const MAX_PER_CELL: u32 = 99;
/// Default bound of simulations one piece of advice may run.
pub const DEFAULT_MAX_SIMULATIONS: u32 = 400;
/// Longest target, minutes: a working day.
pub const MAX_TARGET_MINUTES: f64 = 600.0;

/// What the waits must meet, in every service and slot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// 90 % of citizens are called within this many minutes.
    pub p90_minutes: f64,
    /// And, if given, the mean wait is at most this many minutes.
    #[serde(default)]
    pub mean_minutes: Option<f64>,
}

impl Target {
    /// Whether waits (minutes; `None`: some never called) meet it.
    fn is_met(&self, w: &CellWaits) -> bool {
        self.excess(w) <= 1.0
    }

    /// How far over the target a cell is: wait ÷ target, the larger of
    /// p90 and mean; 0 for a cell without tickets; infinite when a
    /// ticket was never called.
    fn excess(&self, w: &CellWaits) -> f64 {
        // A clerk staying on into a slot they are not advised for misses
        // the target by the least possible: the waits were fine.
        let stayed = if w.stayed_on > 0 { 1.0 + 1e-9 } else { 0.0 };
        if w.tickets == 0 {
            return stayed;
        }
        let p90 = w.p90.map_or(f64::INFINITY, |p| p / self.p90_minutes);
        let mean = match self.mean_minutes {
            Some(m) => w.mean.map_or(f64::INFINITY, |x| x / m),
            None => 0.0,
        };
        p90.max(mean).max(stayed)
    }

    /// Checks the target.
    ///
    /// # Errors
    /// [`StaffingError::Invalid`] naming the field.
    pub fn check(&self) -> Result<(), StaffingError> {
        let ok = |m: f64| m.is_finite() && m > 0.0 && m <= MAX_TARGET_MINUTES;
        if !ok(self.p90_minutes) {
            return Err(StaffingError::invalid(
                "target_p90_minutes",
                format!("must be a number of minutes more than 0 and at most {MAX_TARGET_MINUTES}"),
            ));
        }
        if let Some(m) = self.mean_minutes
            && !ok(m)
        {
            return Err(StaffingError::invalid(
                "target_mean_minutes",
                format!("must be a number of minutes more than 0 and at most {MAX_TARGET_MINUTES}"),
            ));
        }
        Ok(())
    }
}

/// How to search.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of the simulated days (the same for every staffing tried).
    pub seed: u64,
    /// Days simulated for every staffing tried, 1 to [`MAX_DAYS`].
    pub days: u32,
    /// Most counters of one service in one slot.
    pub max_per_cell: u32,
    /// Most simulations before the search stops with what it has
    /// ([`Advice::complete`] is then false).
    pub max_simulations: u32,
    /// Set by whoever asked when they no longer wait for the answer (the
    /// request was dropped): the search stops at the next simulation.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            days: 3,
            max_per_cell: DEFAULT_MAX_PER_CELL,
            max_simulations: DEFAULT_MAX_SIMULATIONS,
            cancel: None,
        }
    }
}

/// Why no advice could be given.
#[derive(Debug, thiserror::Error)]
pub enum StaffingError {
    /// A target or option out of range.
    #[error("{field}: {message}")]
    Invalid {
        /// The field at fault (`target_p90_minutes`).
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The profile's staffed periods (or the hall's default hours) have
    /// no time in them.
    #[error("staffed: the profile staffs no hours, so there is nothing to advise")]
    NoHours,
    /// The day could not be simulated.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// The caller stopped waiting.
    #[error("the staffing search was stopped")]
    Cancelled,
}

impl StaffingError {
    fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}

/// One slot of the day: part of a staffed period within one clock hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Slot {
    /// From.
    pub open: ClockTime,
    /// Until.
    pub close: ClockTime,
}

impl Slot {
    fn minutes(self) -> f64 {
        f64::from(self.close.minutes().saturating_sub(self.open.minutes()))
    }
}

/// Waits of one service's tickets judged in one slot, minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CellWaits {
    /// Tickets judged here, over all days.
    pub tickets: usize,
    /// Of them never called.
    pub uncalled: usize,
    /// Mean wait; none when a ticket was never called.
    pub mean: Option<f64>,
    /// 90th-percentile wait; none when more than a tenth were never
    /// called.
    pub p90: Option<f64>,
    /// Calls made in this slot by clerks not advised for it, over all
    /// days: clerks of the slot before, finishing the queue before they
    /// leave. A cell with any does not meet the target (see the module's
    /// documentation).
    pub stayed_on: u32,
    /// Whether the cell meets the target.
    pub met: bool,
}

/// The advice for one service.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ServiceAdvice {
    /// The service.
    pub service: ServiceId,
    /// Counters needed in each slot (as [`Advice::slots`]).
    pub counters: Vec<u32>,
    /// The waits that staffing gives, per slot.
    pub waits: Vec<CellWaits>,
    /// Whether its waits were judged (see [`Advice::unjudged`]).
    pub judged: bool,
}

/// A cell that could not meet the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Unmet {
    /// The service.
    pub service: ServiceId,
    /// Index of the slot in [`Advice::slots`].
    pub slot: usize,
}

/// Staffing advice: counters per service and slot, and the waits they
/// give.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Advice {
    /// The target.
    pub target: Target,
    /// Seed of the simulated days.
    pub seed: u64,
    /// Days simulated for each staffing tried.
    pub days: u32,
    /// The slots of the day, in order.
    pub slots: Vec<Slot>,
    /// Per service (in the hall's order), the counters and waits.
    pub services: Vec<ServiceAdvice>,
    /// Cells over the target even at the bound of counters per cell.
    pub unmet: Vec<Unmet>,
    /// Services staffed but not judged: citizens reach them only by being
    /// sent on from another service.
    pub unjudged: Vec<ServiceId>,
    /// Counter-hours of the advice, one day.
    pub counter_hours: f64,
    /// Simulations run (each of `days` days).
    pub simulations: u32,
    /// The bound of counters per service and slot searched.
    pub max_per_cell: u32,
    /// False when the bound of simulations stopped the search early: the
    /// advice then may be more than needed, or miss the target.
    pub complete: bool,
}

/// Counters per service (rows, as the searched services) and slot.
type Staffing = Vec<Vec<u32>>;

/// The search's fixed inputs.
struct Search<'a> {
    hall: &'a HallConfig,
    profile: &'a Profile,
    target: Target,
    opts: &'a Options,
    tz: TimeZone,
    slots: Vec<Slot>,
    /// The services staffed, in the hall's order.
    services: Vec<&'a Service>,
    /// Whether each has arrivals of its own (and so is judged).
    judged: Vec<bool>,
    simulations: u32,
}

/// Advises the fewest counters per service and slot that meet `target`
/// (see the module's documentation for the method and what it
/// guarantees).
///
/// # Errors
/// [`StaffingError`]: a bad target or option, no staffed hours, a hall
/// that cannot be simulated, or a cancelled search.
pub fn advise(
    hall: &HallConfig,
    profile: &Profile,
    target: Target,
    opts: &Options,
) -> Result<Advice, StaffingError> {
    target.check()?;
    if !(1..=MAX_DAYS).contains(&opts.days) {
        return Err(StaffingError::invalid(
            "days",
            format!("must be 1 to {MAX_DAYS}"),
        ));
    }
    if !(1..=MAX_PER_CELL).contains(&opts.max_per_cell) {
        return Err(StaffingError::invalid(
            "max_per_cell",
            format!("must be 1 to {MAX_PER_CELL}"),
        ));
    }
    let tz = TimeZone::get(&hall.hall.timezone)
        .map_err(|_| SimError::TimeZone(hall.hall.timezone.clone()))?;
    let slots = slots_of(&staffed_periods(hall, profile));
    if slots.is_empty() {
        return Err(StaffingError::NoHours);
    }
    let has_arrivals = |id: &ServiceId| {
        profile
            .service(id)
            .is_some_and(|d| d.arrivals.iter().any(|r| r.is_finite() && *r > 0.0))
    };
    let sent_on = |id: &ServiceId| {
        profile.services.iter().any(|d| {
            has_arrivals(&d.service) && d.transfers.iter().any(|t| &t.to == id && t.share > 0.0)
        })
    };
    let services: Vec<&Service> = hall
        .services
        .iter()
        .filter(|s| has_arrivals(&s.id) || sent_on(&s.id))
        .collect();
    // Counter numbers are service index × bound + k + 1, at most 9999.
    if services.len() * opts.max_per_cell as usize > 9999 {
        return Err(StaffingError::invalid(
            "max_per_cell",
            "too many counters for one hall: lower the bound of counters per slot",
        ));
    }
    let judged = services.iter().map(|s| has_arrivals(&s.id)).collect();
    let mut search = Search {
        hall,
        profile,
        target,
        opts,
        tz,
        slots,
        services,
        judged,
        simulations: 0,
    };
    search.run()
}

/// The periods clerks are at the counters: the profile's, else the
/// hall's default hours (as the simulator staffs counters).
fn staffed_periods(hall: &HallConfig, profile: &Profile) -> Vec<StaffedPeriod> {
    let mut periods = profile.staffed.clone().unwrap_or_else(|| {
        hall.rules
            .default_hours
            .periods
            .iter()
            .map(|p| StaffedPeriod {
                open: p.open,
                close: p.close,
            })
            .collect()
    });
    periods.sort_by_key(|p| (p.open, p.close));
    periods
}

/// The periods cut at clock hours; overlapping periods are merged first.
fn slots_of(periods: &[StaffedPeriod]) -> Vec<Slot> {
    let mut merged: Vec<(u16, u16)> = Vec::new();
    for p in periods {
        let (o, c) = (p.open.minutes(), p.close.minutes());
        if o >= c {
            continue;
        }
        match merged.last_mut() {
            Some(last) if o <= last.1 => last.1 = last.1.max(c),
            _ => merged.push((o, c)),
        }
    }
    let at = |m: u16| ClockTime::new(u8::try_from(m / 60).unwrap_or(24), (m % 60) as u8);
    let mut slots = Vec::new();
    for (o, c) in merged {
        let mut from = o;
        while from < c {
            let to = ((from / 60 + 1) * 60).min(c);
            slots.push(Slot {
                open: at(from),
                close: at(to),
            });
            from = to;
        }
    }
    slots
}

impl Search<'_> {
    fn run(&mut self) -> Result<Advice, StaffingError> {
        let max = self.opts.max_per_cell;
        let mut staffing = self.lower_estimate();
        let mut waits = self.evaluate(&staffing)?;
        let mut complete = true;

        // Add: one counter per service over the target, at its worst cell.
        loop {
            let mut added = false;
            for (i, row) in staffing.iter_mut().enumerate() {
                if !self.judged.get(i).copied().unwrap_or(false) {
                    continue;
                }
                let worst = waits
                    .get(i)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .filter(|&(j, w)| {
                        !self.target.is_met(w) && row.get(j).is_some_and(|&n| n < max)
                    })
                    .map(|(j, w)| (j, self.target.excess(w)))
                    // The largest excess; the earlier slot on a tie.
                    .fold(None::<(usize, f64)>, |best, (j, e)| match best {
                        Some((_, b)) if b >= e => best,
                        _ => Some((j, e)),
                    });
                if let Some((j, _)) = worst
                    && let Some(n) = row.get_mut(j)
                {
                    *n += 1;
                    added = true;
                }
            }
            if !added {
                break;
            }
            if self.out_of_simulations() {
                complete = false;
                break;
            }
            waits = self.evaluate(&staffing)?;
        }

        // Remove: one counter at a time, most room first, while every cell
        // still meets the target. Only when the add phase met it all.
        let all_met = |w: &Vec<Vec<CellWaits>>| w.iter().flatten().all(|c| c.met);
        while complete && all_met(&waits) {
            let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
            for (i, row) in staffing.iter().enumerate() {
                if !self.judged.get(i).copied().unwrap_or(false) {
                    continue;
                }
                for (j, &n) in row.iter().enumerate() {
                    if n > 0 {
                        let room = waits
                            .get(i)
                            .and_then(|r| r.get(j))
                            .map_or(1.0, |w| self.target.excess(w));
                        candidates.push((room, i, j));
                    }
                }
            }
            candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then((a.1, a.2).cmp(&(b.1, b.2))));
            let mut removed = false;
            for (_, i, j) in candidates {
                if self.out_of_simulations() {
                    complete = false;
                    break;
                }
                let mut fewer = staffing.clone();
                if let Some(n) = fewer.get_mut(i).and_then(|r| r.get_mut(j)) {
                    *n -= 1;
                }
                let w = self.evaluate(&fewer)?;
                if all_met(&w) {
                    staffing = fewer;
                    waits = w;
                    removed = true;
                }
            }
            if !removed {
                break;
            }
        }

        let mut unmet = Vec::new();
        for (i, row) in waits.iter().enumerate() {
            for (j, w) in row.iter().enumerate() {
                if !w.met
                    && let Some(s) = self.services.get(i)
                {
                    unmet.push(Unmet {
                        service: s.id.clone(),
                        slot: j,
                    });
                }
            }
        }
        let counter_hours = staffing
            .iter()
            .flat_map(|row| row.iter().zip(&self.slots))
            .map(|(&n, slot)| f64::from(n) * slot.minutes() / 60.0)
            .sum();
        Ok(Advice {
            target: self.target,
            seed: self.opts.seed,
            days: self.opts.days,
            slots: self.slots.clone(),
            services: self
                .services
                .iter()
                .zip(staffing)
                .zip(waits)
                .zip(&self.judged)
                .map(|(((s, counters), waits), &judged)| ServiceAdvice {
                    service: s.id.clone(),
                    counters,
                    waits,
                    judged,
                })
                .collect(),
            unmet,
            unjudged: self
                .services
                .iter()
                .zip(&self.judged)
                .filter(|(_, j)| !**j)
                .map(|(s, _)| s.id.clone())
                .collect(),
            counter_hours,
            simulations: self.simulations,
            max_per_cell: self.opts.max_per_cell,
            complete,
        })
    }

    fn out_of_simulations(&self) -> bool {
        self.simulations >= self.opts.max_simulations
    }

    /// Counters the expected work of each slot fills, rounded down.
    /// Services not judged get the work rounded up instead (at least one
    /// counter while citizens are sent to them), and keep it.
    fn lower_estimate(&self) -> Staffing {
        self.services
            .iter()
            .zip(&self.judged)
            .map(|(s, &judged)| {
                let handle_minutes = self.profile.service(&s.id).map_or_else(
                    || {
                        f64::from(
                            s.expected_handle_minutes
                                .unwrap_or(self.hall.rules.default_handle_minutes),
                        )
                    },
                    |d| d.handle.mean_secs() / 60.0,
                );
                self.slots
                    .iter()
                    .map(|&slot| {
                        let mut arrivals = self.expected_arrivals(&s.id, slot);
                        for d in &self.profile.services {
                            for t in d.transfers.iter().filter(|t| t.to == s.id) {
                                arrivals += self.expected_arrivals(&d.service, slot)
                                    * t.share.clamp(0.0, 1.0);
                            }
                        }
                        let load = arrivals * handle_minutes / slot.minutes().max(1.0);
                        let counters = if judged { load.floor() } else { load.ceil() };
                        if counters.is_finite() && counters > 0.0 {
                            (counters as u32).min(self.opts.max_per_cell)
                        } else {
                            0
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Expected arrivals of a service within a slot, from the profile.
    fn expected_arrivals(&self, service: &ServiceId, slot: Slot) -> f64 {
        let Some(d) = self.profile.service(service) else {
            return 0.0;
        };
        let quarter = QUARTER_SECS as f64 / 60.0;
        let (o, c) = (
            f64::from(slot.open.minutes()),
            f64::from(slot.close.minutes()),
        );
        d.arrivals
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_finite() && **r > 0.0)
            .map(|(q, r)| {
                let from = f64::from(d.from.minutes()) + quarter * q as f64;
                let overlap = (c.min(from + quarter) - o.max(from)).max(0.0);
                r * overlap / quarter
            })
            .sum()
    }

    /// Simulates a staffing and judges every cell.
    fn evaluate(&mut self, staffing: &Staffing) -> Result<Vec<Vec<CellWaits>>, StaffingError> {
        if self
            .opts
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            return Err(StaffingError::Cancelled);
        }
        let (hall, profile) = build(
            self.hall,
            self.profile,
            &self.services,
            &self.slots,
            staffing,
            self.opts.max_per_cell,
        );
        let days = simulate(&hall, &profile, self.opts.seed, self.opts.days)?;
        self.simulations += 1;
        Ok(self.judge(&days, staffing))
    }

    /// Minutes since local midnight.
    fn local_minute(&self, at: Timestamp) -> f64 {
        let local = at.to_zoned_datetime(self.tz.clone());
        f64::from(local.hour()) * 60.0
            + f64::from(local.minute())
            + f64::from(local.second()) / 60.0
    }

    /// Waits per searched service and slot, and clerks staying on.
    fn judge(&self, days: &[DayResult], staffing: &Staffing) -> Vec<Vec<CellWaits>> {
        let index: BTreeMap<&ServiceId, usize> = self
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (&s.id, i))
            .collect();
        let mut waits: Vec<Vec<Vec<f64>>> =
            vec![vec![Vec::new(); self.slots.len()]; self.services.len()];
        for t in days.iter().flat_map(|d| &d.tickets) {
            let Some(&i) = index.get(&t.service) else {
                continue;
            };
            let minute = self.local_minute(t.issued_at);
            // The slot it was issued in, else the next one to open.
            let Some((j, slot)) = self
                .slots
                .iter()
                .enumerate()
                .find(|(_, s)| minute < f64::from(s.close.minutes()))
            else {
                continue;
            };
            let not_before = (f64::from(slot.open.minutes()) - minute).max(0.0);
            let wait = t
                .wait_secs()
                .map_or(f64::INFINITY, |w| (w / 60.0 - not_before).max(0.0));
            if let Some(cell) = waits.get_mut(i).and_then(|r| r.get_mut(j)) {
                cell.push(wait);
            }
        }
        // Calls by clerks outside the slots they are advised for.
        let per = self.opts.max_per_cell.max(1);
        let mut stayed = vec![vec![0_u32; self.slots.len()]; self.services.len()];
        for call in days.iter().flat_map(|d| &d.calls) {
            let index = call.counter.0.saturating_sub(1);
            let (i, k) = ((index / per) as usize, index % per);
            let minute = self.local_minute(call.at);
            let Some(j) = self.slots.iter().position(|s| {
                f64::from(s.open.minutes()) <= minute && minute < f64::from(s.close.minutes())
            }) else {
                continue;
            };
            let advised = staffing.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
            if k >= advised
                && let Some(n) = stayed.get_mut(i).and_then(|r| r.get_mut(j))
            {
                *n += 1;
            }
        }
        waits
            .into_iter()
            .zip(stayed)
            .zip(&self.judged)
            .map(|((row, stayed), &judged)| {
                row.into_iter()
                    .zip(stayed)
                    .map(|(mut xs, stayed_on)| {
                        xs.sort_by(f64::total_cmp);
                        let n = xs.len();
                        let uncalled = xs.iter().filter(|x| x.is_infinite()).count();
                        let finite = |x: f64| x.is_finite().then_some(x);
                        let mut w = CellWaits {
                            tickets: n,
                            uncalled,
                            mean: if n == 0 {
                                Some(0.0)
                            } else {
                                finite(xs.iter().sum::<f64>() / n as f64)
                            },
                            p90: finite(percentile(&xs, 0.9)),
                            stayed_on,
                            met: false,
                        };
                        // A service not judged holds up nothing.
                        w.met = !judged || self.target.is_met(&w);
                        w
                    })
                    .collect()
            })
            .collect()
    }
}

/// The synthetic hall and profile for a staffing: `staffing[i][j]`
/// dedicated counters for `services[i]` in `slots[j]`, numbered from
/// `i × per + 1`.
fn build(
    hall: &HallConfig,
    profile: &Profile,
    services: &[&Service],
    slots: &[Slot],
    staffing: &Staffing,
    per: u32,
) -> (HallConfig, Profile) {
    let mut hall = hall.clone();
    let mut profile = profile.clone();
    hall.counters.clear();
    profile.counters.clear();
    profile.staffed = Some(Vec::new());
    for (i, (s, row)) in services.iter().zip(staffing).enumerate() {
        let most = row.iter().copied().max().unwrap_or(0);
        for k in 0..most {
            let id = CounterId(
                u32::try_from(i)
                    .unwrap_or(u32::MAX)
                    .saturating_mul(per)
                    .saturating_add(k + 1),
            );
            hall.counters.push(Counter {
                id,
                name_zh: format!("{} {}", s.name_zh, k + 1),
                name_en: format!("{} {}", s.name_en, k + 1),
                zone: String::new(),
                department: s.department.clone(),
                services: vec![CounterService {
                    service: s.id.clone(),
                    weight: 1,
                }],
                policy: Policy::Ordered,
                auto_call: true,
            });
            let mut periods: Vec<StaffedPeriod> = Vec::new();
            for (slot, &n) in slots.iter().zip(row) {
                if k >= n {
                    continue;
                }
                match periods.last_mut() {
                    Some(last) if last.close == slot.open => last.close = slot.close,
                    _ => periods.push(StaffedPeriod {
                        open: slot.open,
                        close: slot.close,
                    }),
                }
            }
            profile.counters.push(CounterPlan { id, periods });
        }
    }
    (hall, profile)
}

impl Advice {
    /// The hall the advice was simulated on: `hall` with its counters
    /// replaced by each service's dedicated counters, and `profile` with
    /// their staffed periods (the slots each counter works, merged). Edit
    /// [`ServiceAdvice::counters`] first to simulate another staffing on
    /// the same slots.
    pub fn scenario(&self, hall: &HallConfig, profile: &Profile) -> (HallConfig, Profile) {
        let services: Vec<&Service> = self
            .services
            .iter()
            .filter_map(|s| hall.service(&s.service))
            .collect();
        let staffing: Staffing = self
            .services
            .iter()
            .filter(|s| hall.service(&s.service).is_some())
            .map(|s| s.counters.clone())
            .collect();
        build(
            hall,
            profile,
            &services,
            &self.slots,
            &staffing,
            self.max_per_cell,
        )
    }

    /// The advice as text for a terminal: counters per service and slot,
    /// then the 90th-percentile waits they give.
    pub fn to_text(&self, hall: &HallConfig) -> String {
        use std::fmt::Write as _;
        let name = |id: &ServiceId| {
            hall.service(id)
                .map_or_else(|| id.to_string(), |s| format!("{} {}", s.prefix, s.name_zh))
        };
        let mut out = String::new();
        let _ = write!(
            out,
            "Staffing advice: 90% called within {} min",
            fmt_minutes(self.target.p90_minutes)
        );
        if let Some(m) = self.target.mean_minutes {
            let _ = write!(out, ", mean wait at most {} min", fmt_minutes(m));
        }
        let _ = writeln!(
            out,
            "\n{} day(s) simulated per staffing, seed {}, {} simulations; dedicated counters per service\n",
            self.days, self.seed, self.simulations
        );
        let header: String = self
            .slots
            .iter()
            .map(|s| format!(" {:>5}", s.open.to_string()))
            .collect();
        let _ = writeln!(out, "Counters needed\n{}{header}", pad(&"service", 22));
        for s in &self.services {
            let cells: String = s.counters.iter().map(|n| format!(" {n:>5}")).collect();
            let mark = if s.judged {
                ""
            } else {
                "  (not judged: sent-on only)"
            };
            let _ = writeln!(out, "{}{cells}{mark}", pad(&name(&s.service), 22));
        }
        let _ = writeln!(
            out,
            "\n90th-percentile wait, minutes (tickets judged; * over the target)\n{}{header}",
            pad(&"service", 22)
        );
        for s in &self.services {
            let cells: String = s
                .waits
                .iter()
                .map(|w| {
                    if w.tickets == 0 {
                        format!(" {:>5}", "-")
                    } else {
                        let v = w
                            .p90
                            .map_or_else(|| "never".to_owned(), |p| format!("{p:.1}"));
                        format!(" {:>5}", format!("{v}{}", if w.met { "" } else { "*" }))
                    }
                })
                .collect();
            let _ = writeln!(out, "{}{cells}", pad(&name(&s.service), 22));
        }
        let _ = writeln!(out, "\n{:.1} counter-hours a day", self.counter_hours);
        if !self.complete {
            let _ = writeln!(
                out,
                "The search stopped at its bound of simulations: the advice may be more than needed."
            );
        }
        if self.unmet.is_empty() {
            let _ = writeln!(out, "Every service meets the target in every hour.");
        } else {
            let _ = writeln!(out, "Not met even at the bound of counters per hour:");
            for u in &self.unmet {
                let slot = self.slots.get(u.slot);
                let _ = writeln!(
                    out,
                    "  {} {}",
                    name(&u.service),
                    slot.map_or_else(String::new, |s| format!("{}-{}", s.open, s.close))
                );
            }
        }
        out
    }
}

fn fmt_minutes(m: f64) -> String {
    if m.fract() == 0.0 {
        format!("{m:.0}")
    } else {
        format!("{m}")
    }
}

/// `s` padded to `width` terminal columns (a Chinese character takes two).
fn pad(s: &dyn std::fmt::Display, width: usize) -> String {
    use unicode_width::UnicodeWidthStr as _;
    let s = s.to_string();
    let w = s.width();
    if w >= width {
        format!("{s} ")
    } else {
        format!("{s}{}", " ".repeat(width - w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(open: &str, close: &str) -> StaffedPeriod {
        StaffedPeriod {
            open: open.parse().expect("time"),
            close: close.parse().expect("time"),
        }
    }

    #[test]
    fn periods_are_cut_at_clock_hours() {
        let slots = slots_of(&[p("09:00", "12:00"), p("13:30", "15:15")]);
        let shown: Vec<String> = slots
            .iter()
            .map(|s| format!("{}-{}", s.open, s.close))
            .collect();
        assert_eq!(
            shown,
            [
                "09:00-10:00",
                "10:00-11:00",
                "11:00-12:00",
                "13:30-14:00",
                "14:00-15:00",
                "15:00-15:15"
            ]
        );
        // Overlapping periods are one; a whole day is 24 slots.
        assert_eq!(
            slots_of(&[p("09:00", "11:00"), p("10:00", "12:00")]).len(),
            3
        );
        assert_eq!(slots_of(&[p("00:00", "24:00")]).len(), 24);
        assert!(slots_of(&[p("12:00", "12:00")]).is_empty());
    }
}
