//! The hall's calendar of working days (工作日历) and the deadline
//! arithmetic of time limits counted in working days (行政许可法 §82).
//!
//! # Which days are working days
//! Monday to Friday are working days and Saturday and Sunday are not,
//! except where the calendar marks a date: a statutory holiday (法定节假日,
//! 休, [`DayKind::Holiday`]) is a day off whatever its weekday, and a
//! make-up working day (调休上班, 班, [`DayKind::MakeUpWorkday`]) is a
//! Saturday or Sunday that is worked. Every marked date carries a name
//! (春节, 国庆节调休) so that a worklist can say why a day is off.
//!
//! # Years
//! Administrators edit the calendar a year at a time, as the State Council
//! publishes it: [`WorkCalendar::replace_year`] swaps in the whole list of
//! one year's notice, validated as one unit, and nothing changes if any
//! entry is wrong. The rules it enforces:
//! - a date is marked at most once: never twice in one year's list and never
//!   both a holiday and a make-up working day;
//! - a make-up working day falls on a Saturday or Sunday (a weekday is
//!   a working day already); a holiday may fall on any day, because the
//!   notice's ranges run through weekends (春节 2026-02-15..2026-02-23);
//! - the dates of year Y's calendar lie in Y, or in December of Y−1: the
//!   notice for Y sometimes puts 元旦's days there (the 2019 notice,
//!   国办发明电〔2018〕15号: 2018-12-30..2019-01-01 off, 2018-12-29 worked).
//!   A date is owned by one year's calendar only, so the 2018 calendar
//!   cannot also mark 2018-12-29;
//! - names are 1 to [`MAX_NAME_CHARS`] characters, without `#` (it starts
//!   a comment in the text format) or control characters; surrounding
//!   spaces are trimmed.
//!
//! A year nobody entered counts weekends only. The arithmetic does not
//! refuse such dates, since a deadline next January is common before the
//! notice appears in November; callers ask [`WorkCalendar::covers`] and
//! say that the date is provisional.
//!
//! # Counting
//! - A limit of n working days after acceptance on day d ends on the n-th
//!   working day strictly after d: the day of acceptance does not count
//!   (民法典 §201: the day a period starts is not counted), so the deadline
//!   of 1 working day after a Friday is the next Monday. A limit of 0 (即办)
//!   ends on d itself.
//! - A [`Pause`] stops the clock: 补正 (materials missing) and 特别程序
//!   (hearing, testing, expert review; 行政许可法 §45: "所需时间不计算在
//!   期限内"). It runs from the day the clock stopped through the day it
//!   resumed, both included: neither counts. Counting resumes on the day
//!   after, exactly as it starts on the day after acceptance: receiving the
//!   missing materials is treated like receiving a complete application.
//!   The days already used before the pause stay used (继续计算). Where a
//!   rule says the limit restarts (重新计算), the caller passes the
//!   resumption day as the acceptance day instead.
//! - While a pause is open the deadline is not known
//!   ([`Deadline::Paused`]); a deadline reached before the pause began
//!   stays where it was.
//! - Warnings ([`WorkCalendar::due_state`]): yellow from the last working
//!   day before the deadline through the deadline itself, red the day after.
//! - No search runs past [`HORIZON_DAYS`] (100 years) from its start, so a
//!   huge limit or a calendar of nothing but holidays ends in an error
//!   instead of a loop.
//!
//! # Text format
//! What administrators write by hand, keep in a file and read back
//! ([`WorkCalendar::from_text`], [`WorkCalendar::import_text`],
//! [`WorkCalendar::to_text`]):
//!
//! ```text
//! # `#` starts a comment.
//! [2026]
//! 2026-01-01..2026-01-03 休 元旦
//! 2026-01-04             班 元旦调休
//! ```
//!
//! A line `[YYYY]` starts a year's calendar; each line after it, up to the
//! next year line, is one entry of that year: a date or a range of dates
//! (both ends included), the kind, and a name (the rest of the line). The
//! kind is `休` (a holiday; also `假`, `holiday`, `off`) or `班` (a make-up
//! working day; also `workday`, `work`). A range may be written `a..b`,
//! `a~b` or `a至b`, with or without spaces; a date is `2026-02-15` (or
//! `2026-2-15`). Importing replaces each year the text names, as a whole,
//! and nothing at all if any line is wrong: the errors ([`TextErrors`])
//! name every wrong line, in English and Chinese. Exporting writes one line
//! per run of consecutive dates of one kind and name, and reads back to the
//! same calendar.
//!
//! # Stored form
//! With serde (JSON in the journal, TOML in a hall file) a calendar is its
//! entries a year, as ranges; `to` may be left out for a single day and
//! TOML dates may be quoted or not. Reading it back applies the same rules.
//!
//! ```toml
//! [[years]]
//! year = 2026
//! days = [
//!   { from = 2026-02-15, to = 2026-02-23, kind = "holiday", name = "春节" },
//!   { from = 2026-02-14, kind = "make_up_workday", name = "春节调休" },
//! ]
//! ```
//!
//! # Layout
//! - [`WorkCalendar`], its entries ([`CalendarEntry`], [`DayKind`]) and the
//!   edit API, here; validation errors in [`CalendarError`].
//! - The text format, module `text`; its errors in [`TextErrors`].
//! - The arithmetic: [`WorkCalendar::add_working_days`],
//!   [`WorkCalendar::deadline`], [`Pause`], [`DueState`] (module `deadline`).
//! - [`CN_2026`]: the national calendar of 2026, shipped for the demo hall.

mod deadline;
mod error;
mod text;

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

pub use deadline::{
    BeyondHorizon, Deadline, DueState, HORIZON_DAYS, Pause, PauseBackwards, Warning,
};
pub use error::{CalendarError, EntryIssue, EntryProblem};
pub use text::{TextError, TextErrors, TextProblem};

/// The 2026 national calendar in the text format: 国务院办公厅关于2026年
/// 部分节假日安排的通知 (4 November 2025). The file names its sources.
pub const CN_2026: &str = include_str!("../../assets/calendar/cn-2026.txt");

/// The earliest year a calendar keeps.
pub const MIN_YEAR: i16 = 1000;
/// The latest year a calendar keeps.
pub const MAX_YEAR: i16 = 9999;
/// The longest name of a marked day, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// The hall's calendar: which dates are working days.
///
/// Weekends are days off and weekdays are worked unless a year's calendar,
/// entered by the administrators, marks the date otherwise. See the module
/// documentation for the rules. It serializes as the list of each year's
/// entries (the same ranges as the text format) and checks them again
/// when it is read back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CalendarRepr", into = "CalendarRepr")]
pub struct WorkCalendar {
    /// Every marked date. One map for both kinds, so a date cannot be both.
    days: BTreeMap<Date, Marked>,
    /// The years administrators entered, even those with no marked date.
    years: BTreeSet<i16>,
}

/// What the calendar says about one marked date.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Marked {
    kind: DayKind,
    name: String,
    /// The year whose calendar set it: the date's own year, or the next
    /// one for a December date of the next year's 元旦.
    year: i16,
}

/// How a marked date differs from its weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A statutory holiday or a day off of its bridge (放假, 休): not worked,
    /// whatever the weekday.
    #[serde(alias = "休")]
    Holiday,
    /// A Saturday or Sunday worked in exchange for a bridge day (调休上班, 班).
    #[serde(alias = "workday", alias = "班")]
    MakeUpWorkday,
}

impl DayKind {
    /// The one-character mark of the text format: 休 or 班.
    pub fn mark(self) -> char {
        match self {
            Self::Holiday => '休',
            Self::MakeUpWorkday => '班',
        }
    }
}

/// One line of a year's calendar: a date or a range of dates, all of one
/// kind and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "EntryRepr", into = "EntryRepr")]
pub struct CalendarEntry {
    /// The first date.
    pub from: Date,
    /// The last date, included; equal to `from` for a single day.
    pub to: Date,
    /// Day off or day worked.
    pub kind: DayKind,
    /// What the day is called: 春节, 国庆节调休.
    pub name: String,
}

impl CalendarEntry {
    /// Holidays from `from` through `to`.
    pub fn holidays(from: Date, to: Date, name: &str) -> Self {
        Self {
            from,
            to,
            kind: DayKind::Holiday,
            name: name.to_owned(),
        }
    }

    /// One make-up working day.
    pub fn make_up_workday(date: Date, name: &str) -> Self {
        Self {
            from: date,
            to: date,
            kind: DayKind::MakeUpWorkday,
            name: name.to_owned(),
        }
    }

    /// The dates of the entry, in order; none if the range is backwards.
    fn dates(&self) -> impl Iterator<Item = Date> + use<> {
        let to = self.to;
        self.from
            .series(jiff::Span::new().days(1))
            .take_while(move |d| *d <= to)
    }
}

/// The serialized shape of an entry: `to` may be left out for one day.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryRepr {
    #[serde(deserialize_with = "date_or_toml_date")]
    from: Date,
    #[serde(
        default,
        deserialize_with = "some_date_or_toml_date",
        skip_serializing_if = "Option::is_none"
    )]
    to: Option<Date>,
    kind: DayKind,
    name: String,
}

/// A date written as a string (`"2026-02-15"`, as JSON and jiff write it)
/// or as a TOML local date (`2026-02-15` unquoted, as an administrator
/// writes it in TOML). The toml crate hands a date over as a map of one
/// entry whose value is the date's text; any such map is read the same way.
fn date_or_toml_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Date;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a date such as 2026-02-15")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
            parse_iso_date(v).map_err(E::custom)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
            let Some((_, text)) = map.next_entry::<serde::de::IgnoredAny, String>()? else {
                return Err(serde::de::Error::invalid_length(0, &self));
            };
            parse_iso_date(&text).map_err(serde::de::Error::custom)
        }
    }
    d.deserialize_any(Visitor)
}

fn parse_iso_date(text: &str) -> Result<Date, String> {
    text.parse()
        .map_err(|e| format!("{text:?} is not a date such as 2026-02-15 ({e})"))
}

fn some_date_or_toml_date<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Date>, D::Error> {
    date_or_toml_date(d).map(Some)
}

impl From<EntryRepr> for CalendarEntry {
    fn from(r: EntryRepr) -> Self {
        Self {
            from: r.from,
            to: r.to.unwrap_or(r.from),
            kind: r.kind,
            name: r.name,
        }
    }
}

impl From<CalendarEntry> for EntryRepr {
    fn from(e: CalendarEntry) -> Self {
        Self {
            from: e.from,
            to: (e.to != e.from).then_some(e.to),
            kind: e.kind,
            name: e.name,
        }
    }
}

/// The serialized shape of a calendar: one list of entries a year.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarRepr {
    #[serde(default)]
    years: Vec<YearRepr>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearRepr {
    year: i16,
    #[serde(default)]
    days: Vec<CalendarEntry>,
}

impl TryFrom<CalendarRepr> for WorkCalendar {
    type Error = CalendarError;

    fn try_from(r: CalendarRepr) -> Result<Self, CalendarError> {
        let mut calendar = Self::new();
        for y in r.years {
            if calendar.covers(y.year) {
                return Err(CalendarError::DuplicateYear(y.year));
            }
            calendar.replace_year(y.year, &y.days)?;
        }
        Ok(calendar)
    }
}

impl From<WorkCalendar> for CalendarRepr {
    fn from(c: WorkCalendar) -> Self {
        Self {
            years: c
                .years()
                .map(|year| YearRepr {
                    year,
                    days: c.entries(year),
                })
                .collect(),
        }
    }
}

/// What the calendar says about a date ([`WorkCalendar::day`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarDay<'a> {
    /// An ordinary Monday to Friday.
    Weekday,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A day off, with its name.
    Holiday(&'a str),
    /// A weekend day worked, with its name.
    MakeUpWorkday(&'a str),
}

impl CalendarDay<'_> {
    /// Whether the hall works that day.
    pub fn is_working_day(self) -> bool {
        matches!(self, Self::Weekday | Self::MakeUpWorkday(_))
    }
}

/// Whether a weekday is Saturday or Sunday.
fn is_weekend(weekday: Weekday) -> bool {
    matches!(weekday, Weekday::Saturday | Weekday::Sunday)
}

/// The dates year `year`'s calendar may mark: December of the year before
/// through the end of the year. `None` for a year out of range.
fn year_window(year: i16) -> Option<(Date, Date)> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return None;
    }
    let first = Date::new(year - 1, 12, 1).ok()?;
    let last = Date::new(year, 12, 31).ok()?;
    Some((first, last))
}

impl WorkCalendar {
    /// A calendar of weekends only, with no year entered.
    pub fn new() -> Self {
        Self::default()
    }

    /// The 2026 national calendar ([`CN_2026`]).
    pub fn cn_2026() -> Self {
        #[expect(
            clippy::expect_used,
            reason = "the shipped file is fixed at build time and the test `cn_2026_is_the_notice` reads it"
        )]
        Self::from_text(CN_2026).expect("the shipped 2026 calendar is valid")
    }

    /// What the calendar says about `date`.
    pub fn day(&self, date: Date) -> CalendarDay<'_> {
        match self.days.get(&date) {
            Some(m) => match m.kind {
                DayKind::Holiday => CalendarDay::Holiday(&m.name),
                DayKind::MakeUpWorkday => CalendarDay::MakeUpWorkday(&m.name),
            },
            None if is_weekend(date.weekday()) => CalendarDay::Weekend,
            None => CalendarDay::Weekday,
        }
    }

    /// Whether the hall works on `date`.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.day(date).is_working_day()
    }

    /// Whether administrators entered `year`'s calendar. Dates of other
    /// years count weekends only, and a deadline in them is provisional.
    pub fn covers(&self, year: i16) -> bool {
        self.years.contains(&year)
    }

    /// The years entered, in order.
    pub fn years(&self) -> impl Iterator<Item = i16> + '_ {
        self.years.iter().copied()
    }

    /// The entries of `year`'s calendar, in date order, consecutive dates
    /// of the same kind and name joined into one range. Empty if the year
    /// was not entered.
    pub fn entries(&self, year: i16) -> Vec<CalendarEntry> {
        let Some((first, last)) = year_window(year) else {
            return Vec::new();
        };
        let mut entries: Vec<CalendarEntry> = Vec::new();
        for (&date, m) in self.days.range(first..=last) {
            if m.year != year {
                continue;
            }
            if let Some(prev) = entries.last_mut()
                && prev.kind == m.kind
                && prev.name == m.name
                && prev.to.tomorrow().is_ok_and(|next| next == date)
            {
                prev.to = date;
            } else {
                entries.push(CalendarEntry {
                    from: date,
                    to: date,
                    kind: m.kind,
                    name: m.name.clone(),
                });
            }
        }
        entries
    }

    /// Replaces `year`'s calendar by `entries`, the whole list of that
    /// year. Afterwards the year counts as entered, even with no entry.
    ///
    /// # Errors
    /// [`CalendarError::YearOutOfRange`] for a year outside
    /// [`MIN_YEAR`]..=[`MAX_YEAR`], and [`CalendarError::Entries`] listing
    /// every entry that breaks a rule of the module documentation. On an
    /// error the calendar is unchanged.
    pub fn replace_year(
        &mut self,
        year: i16,
        entries: &[CalendarEntry],
    ) -> Result<(), CalendarError> {
        let marked = self.check_year(year, entries)?;
        self.remove_year(year);
        self.days.extend(marked);
        self.years.insert(year);
        Ok(())
    }

    /// Forgets `year`'s calendar; its dates count weekends only again.
    /// Returns whether the year had been entered.
    pub fn remove_year(&mut self, year: i16) -> bool {
        self.days.retain(|_, m| m.year != year);
        self.years.remove(&year)
    }

    /// Checks one year's entries against the rules and the other years,
    /// and returns the dates they mark.
    fn check_year(
        &self,
        year: i16,
        entries: &[CalendarEntry],
    ) -> Result<BTreeMap<Date, Marked>, CalendarError> {
        let (first, last) = year_window(year).ok_or(CalendarError::YearOutOfRange(year))?;
        let mut marked = BTreeMap::new();
        let mut issues = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let mut bad = |problem| {
                issues.push(EntryIssue {
                    entry: index,
                    problem,
                })
            };
            let name = entry.name.trim();
            if name.is_empty() {
                bad(EntryProblem::EmptyName);
            } else if name.chars().count() > MAX_NAME_CHARS {
                bad(EntryProblem::NameTooLong);
            } else if let Some(c) = name.chars().find(|&c| c == '#' || c.is_control()) {
                bad(EntryProblem::NameCharacter(c));
            }
            if entry.to < entry.from {
                bad(EntryProblem::BackwardsRange {
                    from: entry.from,
                    to: entry.to,
                });
                continue;
            }
            if entry.from < first || entry.to > last {
                let date = if entry.from < first {
                    entry.from
                } else {
                    entry.to
                };
                bad(EntryProblem::OutsideYear { date, year });
                continue;
            }
            for date in entry.dates() {
                if entry.kind == DayKind::MakeUpWorkday && !is_weekend(date.weekday()) {
                    bad(EntryProblem::MakeUpOnWeekday { date });
                }
                if let Some(other) = self.days.get(&date).filter(|m| m.year != year) {
                    bad(EntryProblem::TakenByYear {
                        date,
                        year: other.year,
                    });
                }
                let m = Marked {
                    kind: entry.kind,
                    name: name.to_owned(),
                    year,
                };
                if marked.insert(date, m).is_some() {
                    bad(EntryProblem::Duplicate { date });
                }
            }
        }
        if issues.is_empty() {
            Ok(marked)
        } else {
            Err(CalendarError::Entries { year, issues })
        }
    }
}
