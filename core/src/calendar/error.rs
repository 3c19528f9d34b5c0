//! Why the calendar refused a year's entries. Each problem has an English
//! `Display` for logs and API clients and a Chinese message
//! (`message_zh`) for the administrator who typed the entries.

use jiff::civil::{Date, Weekday};

use super::{MAX_NAME_CHARS, MAX_YEAR, MIN_YEAR};

/// A refused edit of the calendar ([`super::WorkCalendar::replace_year`]) or
/// a stored calendar that does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The year is outside [`MIN_YEAR`]..=[`MAX_YEAR`].
    #[error("year {0} is outside {MIN_YEAR}..={MAX_YEAR}")]
    YearOutOfRange(i16),
    /// A stored calendar lists the same year twice.
    #[error("the calendar lists year {0} twice")]
    DuplicateYear(i16),
    /// Entries of the year break the rules; every problem is listed.
    #[error("the {year} calendar: {}", .issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Entries {
        /// The year being entered.
        year: i16,
        /// Each problem, with the entry at fault.
        issues: Vec<EntryIssue>,
    },
}

impl CalendarError {
    /// The message in Chinese, for the administrator.
    pub fn message_zh(&self) -> String {
        match self {
            Self::YearOutOfRange(y) => format!("年份{y}超出范围（{MIN_YEAR}至{MAX_YEAR}）"),
            Self::DuplicateYear(y) => format!("{y}年的日历出现了两次"),
            Self::Entries { year, issues } => {
                let list: Vec<String> = issues
                    .iter()
                    .map(|i| format!("第{}条：{}", i.entry + 1, i.problem.message_zh()))
                    .collect();
                format!("{year}年的日历有误：{}", list.join("；"))
            }
        }
    }
}

/// One problem of one entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entries[{entry}]: {problem}")]
pub struct EntryIssue {
    /// Index of the entry at fault in the list given, from 0.
    pub entry: usize,
    /// What is wrong with it.
    pub problem: EntryProblem,
}

/// What is wrong with an entry of a year's calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryProblem {
    /// The name is empty or only spaces.
    #[error("the day needs a name, such as 春节")]
    EmptyName,
    /// The name is longer than [`MAX_NAME_CHARS`].
    #[error("the name is longer than {MAX_NAME_CHARS} characters")]
    NameTooLong,
    /// The name holds `#` or a control character.
    #[error("the name may not contain {0:?}")]
    NameCharacter(char),
    /// The range ends before it starts.
    #[error("the range ends ({to}) before it starts ({from})")]
    BackwardsRange {
        /// Its first date.
        from: Date,
        /// Its last date.
        to: Date,
    },
    /// A date outside the year's window (the year, or December before it).
    #[error(
        "{date} is not part of the {year} calendar, whose dates lie in {year} or, for 元旦, in December {}",
        i32::from(*year) - 1
    )]
    OutsideYear {
        /// The first date outside.
        date: Date,
        /// The year being entered.
        year: i16,
    },
    /// The date is listed twice in the year's entries.
    #[error("{date} is listed more than once")]
    Duplicate {
        /// The date.
        date: Date,
    },
    /// A make-up working day on Monday to Friday, already a working day.
    #[error("{date} is a {:?}, a working day already; make-up working days fall on Saturday or Sunday", .date.weekday())]
    MakeUpOnWeekday {
        /// The date.
        date: Date,
    },
    /// Another year's calendar marks the date already.
    #[error("{date} is already set by the {year} calendar")]
    TakenByYear {
        /// The date.
        date: Date,
        /// The year whose calendar sets it.
        year: i16,
    },
}

impl EntryProblem {
    /// The message in Chinese, for the administrator.
    pub fn message_zh(&self) -> String {
        match self {
            Self::EmptyName => "请填写名称，如“春节”".into(),
            Self::NameTooLong => format!("名称不能超过{MAX_NAME_CHARS}个字"),
            Self::NameCharacter(c) => format!("名称不能包含字符{c:?}"),
            Self::BackwardsRange { from, to } => {
                format!("结束日期（{to}）早于开始日期（{from}）")
            }
            Self::OutsideYear { date, year } => format!(
                "{date}不属于{year}年的日历（应在{year}年内，元旦的安排也可在{}年12月）",
                i32::from(*year) - 1
            ),
            Self::Duplicate { date } => format!("{date}重复出现"),
            Self::MakeUpOnWeekday { date } => format!(
                "{date}是{}，本来就是工作日；调休上班日应为周六或周日",
                weekday_zh(date.weekday())
            ),
            Self::TakenByYear { date, year } => format!("{date}已由{year}年的日历设置"),
        }
    }
}

/// A weekday in Chinese: 周一 … 周日.
pub(super) fn weekday_zh(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "周一",
        Weekday::Tuesday => "周二",
        Weekday::Wednesday => "周三",
        Weekday::Thursday => "周四",
        Weekday::Friday => "周五",
        Weekday::Saturday => "周六",
        Weekday::Sunday => "周日",
    }
}
