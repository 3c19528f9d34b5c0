//! The plain text format of the calendar: reading it line by line with
//! every error named by its line, and writing it back. The format itself is
//! described in the documentation of [`crate::calendar`].

use std::fmt;

use jiff::civil::Date;

use super::{
    CalendarEntry, CalendarError, DayKind, EntryProblem, MAX_YEAR, MIN_YEAR, WorkCalendar,
};

/// A problem on one line of a calendar text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct TextError {
    /// The line at fault, from 1.
    pub line: usize,
    /// What is wrong there.
    pub problem: TextProblem,
}

impl TextError {
    /// The message in Chinese: 「第3行：…」.
    pub fn message_zh(&self) -> String {
        format!("第{}行：{}", self.line, self.problem.message_zh())
    }
}

/// What is wrong with a line of a calendar text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    /// A line starting with `[` that is not a year line.
    #[error("expected a year line such as [2026], found {0:?}")]
    BadYearLine(String),
    /// A year outside the range a calendar keeps.
    #[error("year {0} is outside {MIN_YEAR}..={MAX_YEAR}")]
    YearOutOfRange(i16),
    /// The same year line twice.
    #[error("[{0}] appears twice; put all of a year's dates under one [{0}]")]
    DuplicateYear(i16),
    /// A date before any year line.
    #[error("a date before any year line; start with a line such as [2026]")]
    EntryBeforeYear,
    /// Not a date.
    #[error("{0:?} is not a date such as 2026-02-15")]
    BadDate(String),
    /// A date with nothing after it.
    #[error("after the date, write 休 (holiday) or 班 (make-up working day) and a name")]
    MissingKind,
    /// Something other than a kind after the date.
    #[error("{0:?} is neither 休 (holiday) nor 班 (make-up working day)")]
    BadKind(String),
    /// A kind with no name after it.
    #[error("the day needs a name after 休 or 班, such as 春节")]
    MissingName,
    /// A well-formed entry that breaks a rule of the calendar.
    #[error("{0}")]
    Entry(EntryProblem),
}

impl TextProblem {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Self::BadYearLine(s) => format!("年份行应形如 [2026]，这里是“{s}”"),
            Self::YearOutOfRange(y) => format!("年份{y}超出范围（{MIN_YEAR}至{MAX_YEAR}）"),
            Self::DuplicateYear(y) => format!("[{y}]出现了两次，同一年的日期请写在一处"),
            Self::EntryBeforeYear => "日期前缺少年份行，请先写一行 [2026]".into(),
            Self::BadDate(s) => format!("“{s}”不是有效日期，应形如 2026-02-15"),
            Self::MissingKind => "日期后请写“休”（放假）或“班”（调休上班）及名称".into(),
            Self::BadKind(s) => format!("“{s}”既不是“休”（放假）也不是“班”（调休上班）"),
            Self::MissingName => "请在“休”或“班”后写名称，如“春节”".into(),
            Self::Entry(p) => p.message_zh(),
        }
    }
}

/// Every problem of a calendar text, in line order within each stage
/// (the lines' syntax first; the calendar's rules once every line reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextErrors(pub Vec<TextError>);

impl TextErrors {
    /// The messages in Chinese, one a line.
    pub fn message_zh(&self) -> String {
        let lines: Vec<String> = self.0.iter().map(TextError::message_zh).collect();
        lines.join("\n")
    }
}

impl fmt::Display for TextErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for TextErrors {}

/// One `[YYYY]` section of a text, with the line of each entry.
struct Section {
    year: i16,
    /// The line of the year itself.
    line: usize,
    entries: Vec<CalendarEntry>,
    lines: Vec<usize>,
}

/// The text above every export.
const EXPORT_HEADER: &str = "\
# Banli working-day calendar (工作日历).
# [YYYY] starts a year. Each line below it: a date or a range of dates,
# then 休 (statutory holiday, 放假) or 班 (make-up working day, 调休上班),
# then a name. Saturdays and Sundays not listed are days off.
";

impl WorkCalendar {
    /// A calendar read from the text format (see [`crate::calendar`]).
    ///
    /// # Errors
    /// [`TextErrors`] naming every wrong line.
    pub fn from_text(text: &str) -> Result<Self, TextErrors> {
        let mut calendar = Self::new();
        calendar.import_text(text)?;
        Ok(calendar)
    }

    /// Replaces every year the text names by its entries there and returns
    /// those years in the text's order. Other years are kept.
    ///
    /// # Errors
    /// [`TextErrors`] naming every wrong line; the calendar is then
    /// unchanged.
    pub fn import_text(&mut self, text: &str) -> Result<Vec<i16>, TextErrors> {
        let sections = parse(text)?;
        let mut next = self.clone();
        // Remove them all first, so that a date moving from one year's
        // calendar to the other's does not depend on the order of sections.
        for s in &sections {
            next.remove_year(s.year);
        }
        let mut errors = Vec::new();
        for s in &sections {
            let Err(e) = next.replace_year(s.year, &s.entries) else {
                continue;
            };
            let at = |line, problem| TextError { line, problem };
            match e {
                CalendarError::Entries { issues, .. } => {
                    errors.extend(issues.into_iter().map(|i| {
                        let line = s.lines.get(i.entry).copied().unwrap_or(s.line);
                        at(line, TextProblem::Entry(i.problem))
                    }))
                }
                // Not reached: `parse` checks both already.
                CalendarError::YearOutOfRange(y) => {
                    errors.push(at(s.line, TextProblem::YearOutOfRange(y)))
                }
                CalendarError::DuplicateYear(y) => {
                    errors.push(at(s.line, TextProblem::DuplicateYear(y)))
                }
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(TextErrors(errors));
        }
        *self = next;
        Ok(sections.iter().map(|s| s.year).collect())
    }

    /// The calendar in the text format, every year entered, in order.
    pub fn to_text(&self) -> String {
        let mut out = String::from(EXPORT_HEADER);
        for year in self.years() {
            out.push_str(&format!("\n[{year}]\n"));
            for e in self.entries(year) {
                let dates = if e.from == e.to {
                    e.from.to_string()
                } else {
                    format!("{}..{}", e.from, e.to)
                };
                out.push_str(&format!("{dates} {} {}\n", e.kind.mark(), e.name));
            }
        }
        out
    }
}

/// Reads every line; all syntax errors at once.
fn parse(text: &str) -> Result<Vec<Section>, TextErrors> {
    let mut sections: Vec<Section> = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
        if content.is_empty() {
            continue;
        }
        let read = if let Some(rest) = content.strip_prefix(['[', '【']) {
            parse_year(content, rest).and_then(|year| {
                if sections.iter().any(|s| s.year == year) {
                    return Err(TextProblem::DuplicateYear(year));
                }
                sections.push(Section {
                    year,
                    line,
                    entries: Vec::new(),
                    lines: Vec::new(),
                });
                Ok(())
            })
        } else {
            parse_entry(content).and_then(|entry| {
                let section = sections.last_mut().ok_or(TextProblem::EntryBeforeYear)?;
                section.entries.push(entry);
                section.lines.push(line);
                Ok(())
            })
        };
        if let Err(problem) = read {
            errors.push(TextError { line, problem });
        }
    }
    if errors.is_empty() {
        Ok(sections)
    } else {
        Err(TextErrors(errors))
    }
}

/// `[2026]`, given the whole line and what follows its `[`.
fn parse_year(line: &str, rest: &str) -> Result<i16, TextProblem> {
    let bad = || TextProblem::BadYearLine(line.to_owned());
    let inner = rest.strip_suffix([']', '】']).ok_or_else(bad)?.trim();
    // Digits only: `parse` alone would take `+2026` and `-5`.
    if !inner.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let year: i16 = inner.parse().map_err(|_| bad())?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(TextProblem::YearOutOfRange(year));
    }
    Ok(year)
}

/// What may stand between the two dates of a range.
const RANGE_SEPARATORS: [&str; 4] = ["..", "~", "～", "至"];

/// The characters a date or a range of dates is written with.
fn is_date_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '-' | '.' | '~' | '～' | '至')
}

/// The kind a word names, if it names one.
fn parse_kind(word: &str) -> Option<DayKind> {
    match word.to_ascii_lowercase().as_str() {
        "休" | "假" | "holiday" | "off" => Some(DayKind::Holiday),
        "班" | "workday" | "work" => Some(DayKind::MakeUpWorkday),
        _ => None,
    }
}

/// The first word of `s` and what follows it.
fn first_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    s.split_once(char::is_whitespace).unwrap_or((s, ""))
}

/// `2026-02-15..2026-02-23 休 春节`.
fn parse_entry(content: &str) -> Result<CalendarEntry, TextProblem> {
    // The dates may be spread over several words (`2026-02-15 至 2026-02-23`):
    // gather words until the kind. The first word is always a date, and so
    // is a word after a range separator; another word that is not written
    // in date characters is a misspelt kind.
    let (first, mut rest) = first_word(content);
    let mut dates = first.to_owned();
    let kind = loop {
        let (word, after) = first_word(rest);
        if word.is_empty() {
            return Err(TextProblem::MissingKind);
        }
        rest = after;
        if let Some(kind) = parse_kind(word) {
            break kind;
        }
        let after_separator = RANGE_SEPARATORS.iter().any(|sep| dates.ends_with(sep));
        if !after_separator && !word.chars().all(is_date_char) {
            return Err(TextProblem::BadKind(word.to_owned()));
        }
        dates.push_str(word);
    };
    let (from, to) = parse_dates(&dates)?;
    let name = rest.trim();
    if name.is_empty() {
        return Err(TextProblem::MissingName);
    }
    Ok(CalendarEntry {
        from,
        to,
        kind,
        name: name.to_owned(),
    })
}

/// `2026-02-15` or `2026-02-15..2026-02-23` (also `~`, `～`, `至`).
fn parse_dates(s: &str) -> Result<(Date, Date), TextProblem> {
    let range = RANGE_SEPARATORS.iter().find_map(|sep| s.split_once(sep));
    match range {
        Some((from, to)) => Ok((parse_date(from)?, parse_date(to)?)),
        None => {
            let date = parse_date(s)?;
            Ok((date, date))
        }
    }
}

/// `2026-02-15` or `2026-2-15`.
fn parse_date(s: &str) -> Result<Date, TextProblem> {
    let bad = || TextProblem::BadDate(s.to_owned());
    let mut parts = s.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let digits = |p: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, 4..=4) || !digits(m, 1..=2) || !digits(d, 1..=2) {
        return Err(bad());
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) else {
        return Err(bad());
    };
    Date::new(y, m, d).map_err(|_| bad())
}
