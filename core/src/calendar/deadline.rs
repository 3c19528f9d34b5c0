//! Deadline arithmetic on the calendar: working days after a date, the
//! deadline of a limit with its pauses, the days used so far and the
//! warning state. The counting rules are in the documentation of
//! [`crate::calendar`]; everything here is a pure function of its arguments.

use std::cmp::Ordering;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{DayKind, WorkCalendar, is_weekend};

/// How far any search looks: 100 years of days after its start. A limit
/// that would end later is refused with [`BeyondHorizon`].
pub const HORIZON_DAYS: u32 = 36_525;

/// A count of working days that does not end within [`HORIZON_DAYS`] of
/// its start (or before the end of year 9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{working_days} working days after {start} do not end within {HORIZON_DAYS} days")]
pub struct BeyondHorizon {
    /// Where the count started.
    pub start: Date,
    /// How many working days were asked for.
    pub working_days: u32,
}

impl BeyondHorizon {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        format!(
            "自{}起{}个工作日超出可计算的范围（100年）",
            self.start, self.working_days
        )
    }
}

/// A span during which a case's clock stands still: 补正 (waiting for
/// missing materials) or 特别程序 (hearing, testing, expert review).
///
/// The days from [`Pause::stopped_on`] through [`Pause::resumed_on`], both
/// included, do not count; counting resumes on the day after
/// `resumed_on`. In half-open terms it is `[stopped_on, resumed_on + 1)`.
/// An open pause (not resumed yet) stops the clock for good, for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PauseRepr")]
pub struct Pause {
    stopped_on: Date,
    resumed_on: Option<Date>,
}

/// A pause that resumes before it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a pause cannot resume ({resumed_on}) before it stopped ({stopped_on})")]
pub struct PauseBackwards {
    /// The day the clock stopped.
    pub stopped_on: Date,
    /// The day given for its resumption.
    pub resumed_on: Date,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PauseRepr {
    stopped_on: Date,
    #[serde(default)]
    resumed_on: Option<Date>,
}

impl TryFrom<PauseRepr> for Pause {
    type Error = PauseBackwards;

    fn try_from(r: PauseRepr) -> Result<Self, PauseBackwards> {
        match r.resumed_on {
            Some(resumed_on) => Self::closed(r.stopped_on, resumed_on),
            None => Ok(Self::open(r.stopped_on)),
        }
    }
}

impl Pause {
    /// A pause that began on `stopped_on` and has not ended.
    pub fn open(stopped_on: Date) -> Self {
        Self {
            stopped_on,
            resumed_on: None,
        }
    }

    /// A pause from `stopped_on` through `resumed_on`; they may be the same
    /// day, which then does not count.
    ///
    /// # Errors
    /// [`PauseBackwards`] if `resumed_on` is before `stopped_on`.
    pub fn closed(stopped_on: Date, resumed_on: Date) -> Result<Self, PauseBackwards> {
        if resumed_on < stopped_on {
            return Err(PauseBackwards {
                stopped_on,
                resumed_on,
            });
        }
        Ok(Self {
            stopped_on,
            resumed_on: Some(resumed_on),
        })
    }

    /// This pause, ended on `resumed_on`.
    ///
    /// # Errors
    /// [`PauseBackwards`] if `resumed_on` is before the day it stopped.
    pub fn resume(self, resumed_on: Date) -> Result<Self, PauseBackwards> {
        Self::closed(self.stopped_on, resumed_on)
    }

    /// The day the clock stopped: the 补正 notice was issued or the
    /// special procedure began. It does not count.
    pub fn stopped_on(self) -> Date {
        self.stopped_on
    }

    /// The day the clock was started again: the materials arrived or the
    /// procedure ended. It does not count either; `None` while open.
    pub fn resumed_on(self) -> Option<Date> {
        self.resumed_on
    }

    /// Whether the pause has not ended.
    pub fn is_open(self) -> bool {
        self.resumed_on.is_none()
    }
}

/// The pauses sorted, overlapping ones joined, everything after an open
/// one swallowed by it: disjoint spans in order.
fn merged(pauses: &[Pause]) -> Vec<Pause> {
    let mut sorted = pauses.to_vec();
    sorted.sort_by_key(|p| p.stopped_on);
    let mut out: Vec<Pause> = Vec::with_capacity(sorted.len());
    for p in sorted {
        if let Some(last) = out.last_mut() {
            match last.resumed_on {
                None => continue,
                Some(end) if p.stopped_on <= end => {
                    last.resumed_on = p.resumed_on.map(|e| e.max(end));
                    continue;
                }
                Some(_) => {}
            }
        }
        out.push(p);
    }
    out
}

/// When a limit runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    /// The last day of the limit: the case must be decided by the end of it.
    Due(Date),
    /// An open pause stops the clock, so there is no date yet.
    Paused {
        /// The day the clock stopped.
        since: Date,
        /// Working days of the limit still unused.
        remaining: u32,
    },
}

impl Deadline {
    /// The date, unless paused.
    pub fn due_date(self) -> Option<Date> {
        match self {
            Self::Due(date) => Some(date),
            Self::Paused { .. } => None,
        }
    }
}

/// How close a case is to its deadline, for worklists and the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueState {
    /// More than one working day left.
    OnTrack,
    /// The deadline is the next working day: today is the last working day
    /// before it, or a day off after that one (a reminder, 预警).
    DueSoon,
    /// Today is the deadline.
    DueToday,
    /// The deadline has passed (超期).
    Overdue,
}

/// The colour a worklist gives a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// 黄牌: due on the next working day or today.
    Yellow,
    /// 红牌: overdue, a matter of accountability.
    Red,
}

impl DueState {
    /// The warning it raises: yellow from one working day before the
    /// deadline through the deadline, red after it.
    pub fn warning(self) -> Option<Warning> {
        match self {
            Self::OnTrack => None,
            Self::DueSoon | Self::DueToday => Some(Warning::Yellow),
            Self::Overdue => Some(Warning::Red),
        }
    }
}

/// A Monday, the origin of [`day_number`].
const MONDAY: Date = Date::constant(1970, 1, 5);
const SECONDS_PER_DAY: i64 = 86_400;

/// Days since [`MONDAY`], negative before it.
fn day_number(date: Date) -> i64 {
    date.duration_since(MONDAY)
        .as_secs()
        .div_euclid(SECONDS_PER_DAY)
}

/// Monday-to-Friday days from [`MONDAY`] up to day number `n`, excluded;
/// negative for `n` before it, so that differences count any span.
fn weekdays_before(n: i64) -> i64 {
    5 * n.div_euclid(7) + n.rem_euclid(7).min(5)
}

impl WorkCalendar {
    /// The first working day strictly after `date`.
    ///
    /// # Errors
    /// [`BeyondHorizon`] if there is none within [`HORIZON_DAYS`].
    pub fn next_working_day(&self, date: Date) -> Result<Date, BeyondHorizon> {
        self.add_working_days(date, 1)
    }

    /// The `n`-th working day strictly after `start`: the deadline of a
    /// limit of `n` working days for a case accepted on `start`, whose own
    /// day does not count. `start` itself for `n = 0` (即办), whatever day
    /// it is.
    ///
    /// # Errors
    /// [`BeyondHorizon`] if the count does not end within [`HORIZON_DAYS`]
    /// of `start`.
    pub fn add_working_days(&self, start: Date, n: u32) -> Result<Date, BeyondHorizon> {
        let beyond = BeyondHorizon {
            start,
            working_days: n,
        };
        let mut left = n;
        let mut day = start;
        let mut walked = 0;
        while left > 0 {
            if walked == HORIZON_DAYS {
                return Err(beyond);
            }
            day = day.tomorrow().map_err(|_| beyond)?;
            walked += 1;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// The working days strictly after `a` up to and including `b`; 0 if
    /// `b` is not after `a`. The inverse of [`Self::add_working_days`]:
    /// `working_days_between(d, add_working_days(d, n)) == n`.
    pub fn working_days_between(&self, a: Date, b: Date) -> u32 {
        // No day after the last date of all: nothing to count.
        a.tomorrow()
            .map_or(0, |first| self.working_days_in(first, b))
    }

    /// The working days from `first` through `last`, both included (0 if
    /// `last` is before `first`). Counted without walking the days: the
    /// weekdays of the span, less the holidays on weekdays, plus the
    /// make-up working days (all on weekends).
    fn working_days_in(&self, first: Date, last: Date) -> u32 {
        if last < first {
            return 0;
        }
        let weekdays = weekdays_before(day_number(last) + 1) - weekdays_before(day_number(first));
        let marked: i64 = self
            .days
            .range(first..=last)
            .map(|(date, m)| match (m.kind, is_weekend(date.weekday())) {
                (DayKind::Holiday, false) => -1,
                (DayKind::MakeUpWorkday, true) => 1,
                _ => 0,
            })
            .sum();
        u32::try_from(weekdays + marked).unwrap_or(0)
    }

    /// When a limit of `limit` working days runs out for a case accepted on
    /// `accepted`, with the clock stopped by `pauses` (in any order, may
    /// overlap). The deadline is the working day on which the `limit`-th
    /// counted day falls, a counted day being a working day after
    /// `accepted` outside every pause. A pause that begins after that day
    /// changes nothing; an open pause reached before it leaves the deadline
    /// [`Deadline::Paused`]. A limit of 0 is due on `accepted`.
    ///
    /// # Errors
    /// [`BeyondHorizon`] if the count does not end within [`HORIZON_DAYS`]
    /// of `accepted` (the days of closed pauses included).
    pub fn deadline(
        &self,
        accepted: Date,
        limit: u32,
        pauses: &[Pause],
    ) -> Result<Deadline, BeyondHorizon> {
        let beyond = BeyondHorizon {
            start: accepted,
            working_days: limit,
        };
        if limit == 0 {
            return Ok(Deadline::Due(accepted));
        }
        let pauses = merged(pauses);
        let mut pauses = pauses.iter().peekable();
        let mut remaining = limit;
        let mut day = accepted;
        for _ in 0..HORIZON_DAYS {
            day = day.tomorrow().map_err(|_| beyond)?;
            while pauses
                .next_if(|p| p.resumed_on.is_some_and(|end| end < day))
                .is_some()
            {}
            if let Some(p) = pauses.peek()
                && p.stopped_on <= day
            {
                if p.resumed_on.is_none() {
                    return Ok(Deadline::Paused {
                        since: p.stopped_on,
                        remaining,
                    });
                }
                continue;
            }
            if self.is_working_day(day) {
                remaining -= 1;
                if remaining == 0 {
                    return Ok(Deadline::Due(day));
                }
            }
        }
        Err(beyond)
    }

    /// The counted days of a case accepted on `accepted` as of `today`
    /// included: working days after `accepted` up to `today`, less those
    /// inside `pauses`. On the deadline it equals the limit.
    pub fn elapsed_working_days(&self, accepted: Date, today: Date, pauses: &[Pause]) -> u32 {
        let mut elapsed = self.working_days_between(accepted, today);
        for p in merged(pauses) {
            let first = p.stopped_on.max(accepted.tomorrow().unwrap_or(accepted));
            let last = p.resumed_on.map_or(today, |end| end.min(today));
            elapsed = elapsed.saturating_sub(self.working_days_in(first, last));
        }
        elapsed
    }

    /// How `today` stands against `deadline`: [`DueState::Overdue`] after
    /// it, [`DueState::DueToday`] on it, [`DueState::DueSoon`] when it is the
    /// next working day (so on a Friday before a Monday deadline, and over
    /// that weekend), else [`DueState::OnTrack`].
    pub fn due_state(&self, today: Date, deadline: Date) -> DueState {
        match today.cmp(&deadline) {
            Ordering::Greater => DueState::Overdue,
            Ordering::Equal => DueState::DueToday,
            Ordering::Less if self.working_days_between(today, deadline) <= 1 => DueState::DueSoon,
            Ordering::Less => DueState::OnTrack,
        }
    }
}
