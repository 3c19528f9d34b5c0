//! The hall's working-day calendar: the 2026 national calendar, deadlines
//! across the Spring Festival and National Day weeks with their make-up
//! days, 补正 pauses, warnings on given dates, the edit rules, the text and
//! serde forms, and properties over random calendars.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use banli_core::calendar::{
    BeyondHorizon, CalendarDay, CalendarEntry, CalendarError, DayKind, Deadline, DueState,
    EntryIssue, EntryProblem, HORIZON_DAYS, Pause, TextError, TextProblem, Warning, WorkCalendar,
};
use banli_core::jiff::civil::{Date, date};

fn cn() -> WorkCalendar {
    WorkCalendar::cn_2026()
}

fn closed(from: Date, to: Date) -> Pause {
    Pause::closed(from, to).expect("resumes after it stopped")
}

fn due(d: Date) -> Deadline {
    Deadline::Due(d)
}

mod national_2026 {
    use super::*;

    #[test]
    fn cn_2026_is_the_notice() {
        let c = cn();
        assert!(c.covers(2026));
        assert!(!c.covers(2025) && !c.covers(2027));
        let holidays = [
            ((1, 1), (1, 3), "元旦"),
            ((2, 15), (2, 23), "春节"),
            ((4, 4), (4, 6), "清明节"),
            ((5, 1), (5, 5), "劳动节"),
            ((6, 19), (6, 21), "端午节"),
            ((9, 25), (9, 27), "中秋节"),
            ((10, 1), (10, 7), "国庆节"),
        ];
        let make_up = [
            ((1, 4), "元旦调休"),
            ((2, 14), "春节调休"),
            ((2, 28), "春节调休"),
            ((5, 9), "劳动节调休"),
            ((9, 20), "国庆节调休"),
            ((10, 10), "国庆节调休"),
        ];
        let mut expected = Vec::new();
        for ((m1, d1), (m2, d2), name) in holidays {
            expected.push(CalendarEntry::holidays(
                date(2026, m1, d1),
                date(2026, m2, d2),
                name,
            ));
        }
        for ((m, d), name) in make_up {
            expected.push(CalendarEntry::make_up_workday(date(2026, m, d), name));
        }
        expected.sort_by_key(|e| e.from);
        assert_eq!(c.entries(2026), expected);
        // 33 days off by the notice, 6 weekend days worked.
        let off = (1..=365)
            .filter_map(|n| date(2026, 1, 1).checked_add(jiff_days(n - 1)).ok())
            .filter(|d| matches!(c.day(*d), CalendarDay::Holiday(_)))
            .count();
        assert_eq!(off, 33);
        // 261 weekdays, 19 of them holidays, plus 6 make-up days.
        assert_eq!(
            c.working_days_between(date(2025, 12, 31), date(2026, 12, 31)),
            248
        );
    }

    #[test]
    fn days_say_what_they_are() {
        let c = cn();
        assert_eq!(c.day(date(2026, 2, 17)), CalendarDay::Holiday("春节"));
        assert_eq!(
            c.day(date(2026, 2, 14)),
            CalendarDay::MakeUpWorkday("春节调休")
        );
        assert_eq!(c.day(date(2026, 3, 7)), CalendarDay::Weekend);
        assert_eq!(c.day(date(2026, 3, 9)), CalendarDay::Weekday);
        assert!(c.is_working_day(date(2026, 2, 14)));
        assert!(!c.is_working_day(date(2026, 2, 16)));
        assert!(!c.is_working_day(date(2026, 2, 21)));
        assert!(c.is_working_day(date(2026, 3, 9)));
        assert!(!c.is_working_day(date(2026, 3, 8)));
        // A year nobody entered: weekends only.
        assert!(c.is_working_day(date(2027, 1, 1)));
        assert!(!c.is_working_day(date(2027, 1, 2)));
        assert_eq!(DayKind::Holiday.mark(), '休');
        assert_eq!(DayKind::MakeUpWorkday.mark(), '班');
    }
}

/// Working days in (a, b], one day at a time.
fn walk_count(c: &WorkCalendar, a: Date, b: Date) -> u32 {
    let mut n = 0;
    let mut d = a;
    while d < b {
        d = d.tomorrow().expect("before b");
        n += u32::from(c.is_working_day(d));
    }
    n
}

fn jiff_days(n: i64) -> banli_core::jiff::Span {
    banli_core::jiff::Span::new().days(n)
}

mod deadlines {
    use super::*;

    #[test]
    fn spring_festival() {
        let c = cn();
        let add = |d, n| c.add_working_days(d, n).expect("within the horizon");
        // Accepted on the Friday: the Saturday is a make-up working day.
        assert_eq!(add(date(2026, 2, 13), 1), date(2026, 2, 14));
        // Then nine days off.
        assert_eq!(add(date(2026, 2, 13), 2), date(2026, 2, 24));
        assert_eq!(add(date(2026, 2, 14), 1), date(2026, 2, 24));
        assert_eq!(add(date(2026, 2, 18), 1), date(2026, 2, 24));
        assert_eq!(add(date(2026, 2, 27), 1), date(2026, 2, 28));
        assert_eq!(add(date(2026, 2, 27), 2), date(2026, 3, 2));
        // 行政许可法 §42: 20 working days, accepted the Tuesday before.
        assert_eq!(add(date(2026, 2, 10), 20), date(2026, 3, 16));
        assert_eq!(c.next_working_day(date(2026, 2, 14)), Ok(date(2026, 2, 24)));
        assert_eq!(
            c.working_days_between(date(2026, 2, 13), date(2026, 2, 28)),
            6
        );
    }

    #[test]
    fn national_day() {
        let c = cn();
        let add = |d, n| c.add_working_days(d, n).expect("within the horizon");
        // The Sunday before 中秋 is worked; the Saturday is not.
        assert_eq!(add(date(2026, 9, 18), 1), date(2026, 9, 20));
        assert_eq!(add(date(2026, 9, 24), 5), date(2026, 10, 9));
        // Accepted the day before the holiday: 8th, 9th, and the Saturday.
        assert_eq!(add(date(2026, 9, 30), 3), date(2026, 10, 10));
        // Across the make-up Saturday 10-10.
        assert_eq!(add(date(2026, 10, 9), 1), date(2026, 10, 10));
        assert_eq!(add(date(2026, 10, 9), 2), date(2026, 10, 12));
        assert_eq!(add(date(2026, 10, 3), 2), date(2026, 10, 9));
        assert_eq!(
            c.working_days_between(date(2026, 9, 30), date(2026, 10, 12)),
            4
        );
    }

    #[test]
    fn the_day_of_acceptance_does_not_count() {
        let c = cn();
        // Friday + 1 is Monday; 0 is the same day (即办), even a Sunday.
        assert_eq!(
            c.add_working_days(date(2026, 3, 6), 1),
            Ok(date(2026, 3, 9))
        );
        assert_eq!(
            c.add_working_days(date(2026, 3, 6), 0),
            Ok(date(2026, 3, 6))
        );
        assert_eq!(
            c.add_working_days(date(2026, 3, 8), 0),
            Ok(date(2026, 3, 8))
        );
        assert_eq!(
            c.deadline(date(2026, 3, 8), 0, &[Pause::open(date(2026, 3, 1))]),
            Ok(due(date(2026, 3, 8)))
        );
        assert_eq!(
            c.working_days_between(date(2026, 3, 9), date(2026, 3, 9)),
            0
        );
        assert_eq!(
            c.working_days_between(date(2026, 3, 10), date(2026, 3, 9)),
            0
        );
        assert_eq!(
            c.working_days_between(date(2026, 3, 8), date(2026, 3, 9)),
            1
        );
    }

    /// Accepted Monday 2026-09-21 with 5 working days: due 09-29 without a
    /// pause (中秋 takes 09-25..27).
    const ACCEPTED: Date = date(2026, 9, 21);

    #[test]
    fn bu_zheng_stops_the_clock_and_resumes_the_day_after() {
        let c = cn();
        assert_eq!(c.deadline(ACCEPTED, 5, &[]), Ok(due(date(2026, 9, 29))));
        // Notice on Wednesday 09-23 (the 22nd counted): the limit waits.
        let open = Pause::open(date(2026, 9, 23));
        assert!(open.is_open());
        assert_eq!(
            c.deadline(ACCEPTED, 5, &[open]),
            Ok(Deadline::Paused {
                since: date(2026, 9, 23),
                remaining: 4
            })
        );
        assert_eq!(
            c.elapsed_working_days(ACCEPTED, date(2026, 10, 1), &[open]),
            1
        );
        // The materials arrive on Friday 10-09, which does not count either:
        // the make-up Saturday 10-10 is the 2nd day, then 12, 13, 14.
        let resumed = open.resume(date(2026, 10, 9)).expect("after it stopped");
        assert!(!resumed.is_open());
        assert_eq!(resumed.stopped_on(), date(2026, 9, 23));
        assert_eq!(resumed.resumed_on(), Some(date(2026, 10, 9)));
        assert_eq!(
            c.deadline(ACCEPTED, 5, &[resumed]),
            Ok(due(date(2026, 10, 14)))
        );
        assert_eq!(
            c.elapsed_working_days(ACCEPTED, date(2026, 10, 9), &[resumed]),
            1
        );
        assert_eq!(
            c.elapsed_working_days(ACCEPTED, date(2026, 10, 12), &[resumed]),
            3
        );
        assert_eq!(
            c.elapsed_working_days(ACCEPTED, date(2026, 10, 14), &[resumed]),
            5
        );
        // Where a rule restarts the limit (重新计算), the resumption day
        // stands in for the acceptance day.
        assert_eq!(
            c.deadline(date(2026, 10, 9), 5, &[]),
            Ok(due(date(2026, 10, 15)))
        );
    }

    #[test]
    fn a_same_day_pause_takes_that_day() {
        let c = cn();
        let p = closed(date(2026, 9, 23), date(2026, 9, 23));
        assert_eq!(c.deadline(ACCEPTED, 5, &[p]), Ok(due(date(2026, 9, 30))));
        assert_eq!(c.elapsed_working_days(ACCEPTED, date(2026, 9, 30), &[p]), 5);
    }

    #[test]
    fn pauses_on_the_edges() {
        let c = cn();
        // Reached before the pause: stays due, and overdue.
        let late = Pause::open(date(2026, 9, 30));
        assert_eq!(c.deadline(ACCEPTED, 5, &[late]), Ok(due(date(2026, 9, 29))));
        // Stopped on the last day: that day does not count.
        let last = Pause::open(date(2026, 9, 29));
        assert_eq!(
            c.deadline(ACCEPTED, 5, &[last]),
            Ok(Deadline::Paused {
                since: date(2026, 9, 29),
                remaining: 1
            })
        );
        // Before acceptance, or on its day: nothing changes.
        let before = closed(date(2026, 9, 14), date(2026, 9, 21));
        assert_eq!(
            c.deadline(ACCEPTED, 5, &[before]),
            Ok(due(date(2026, 9, 29)))
        );
        assert_eq!(
            c.elapsed_working_days(ACCEPTED, date(2026, 9, 29), &[before]),
            5
        );
        // Over days off only: nothing changes either.
        let weekend = closed(date(2026, 9, 26), date(2026, 9, 27));
        assert_eq!(
            c.deadline(ACCEPTED, 5, &[weekend]),
            Ok(due(date(2026, 9, 29)))
        );
        // Through the acceptance day into the 22nd: that day is lost.
        let across = closed(date(2026, 9, 18), date(2026, 9, 22));
        assert_eq!(
            c.deadline(ACCEPTED, 5, &[across]),
            Ok(due(date(2026, 9, 30)))
        );
        assert_eq!(
            c.elapsed_working_days(ACCEPTED, date(2026, 9, 30), &[across]),
            5
        );
        // Opened before acceptance and still open: no day has counted.
        assert_eq!(
            c.deadline(ACCEPTED, 5, &[Pause::open(date(2026, 9, 1))]),
            Ok(Deadline::Paused {
                since: date(2026, 9, 1),
                remaining: 5
            })
        );
        assert_eq!(
            c.elapsed_working_days(
                ACCEPTED,
                date(2026, 9, 29),
                &[Pause::open(date(2026, 9, 1))]
            ),
            0
        );
        assert_eq!(c.elapsed_working_days(ACCEPTED, date(2026, 9, 1), &[]), 0);
    }

    #[test]
    fn overlapping_pauses_count_once() {
        let c = cn();
        // 补正 09-23..24 and an expert review 09-24..28: 23..28 stopped.
        let a = closed(date(2026, 9, 23), date(2026, 9, 24));
        let b = closed(date(2026, 9, 24), date(2026, 9, 28));
        for pauses in [[a, b], [b, a]] {
            assert_eq!(c.deadline(ACCEPTED, 5, &pauses), Ok(due(date(2026, 10, 9))));
            assert_eq!(
                c.elapsed_working_days(ACCEPTED, date(2026, 10, 9), &pauses),
                5
            );
        }
        // One inside the other: 10-08, 09, 10 (make-up), 12, 13.
        let outer = closed(date(2026, 9, 22), date(2026, 9, 30));
        let inner = closed(date(2026, 9, 23), date(2026, 9, 24));
        for pauses in [[outer, inner], [inner, outer]] {
            assert_eq!(
                c.deadline(ACCEPTED, 5, &pauses),
                Ok(due(date(2026, 10, 13)))
            );
            assert_eq!(
                c.elapsed_working_days(ACCEPTED, date(2026, 10, 13), &pauses),
                5
            );
        }
        // An open one swallows what follows it.
        let open = Pause::open(date(2026, 9, 23));
        let later = closed(date(2026, 9, 28), date(2026, 9, 29));
        assert_eq!(
            c.deadline(ACCEPTED, 5, &[later, open]),
            Ok(Deadline::Paused {
                since: date(2026, 9, 23),
                remaining: 4
            })
        );
        assert_eq!(
            c.elapsed_working_days(ACCEPTED, date(2026, 12, 31), &[later, open]),
            1
        );
        // A closed one ending inside an open one still stops from its start.
        let early = closed(date(2026, 9, 22), date(2026, 9, 24));
        assert_eq!(
            c.deadline(ACCEPTED, 5, &[open, early]),
            Ok(Deadline::Paused {
                since: date(2026, 9, 22),
                remaining: 5
            })
        );
        // Two separate pauses.
        let first = closed(date(2026, 9, 22), date(2026, 9, 22));
        let second = closed(date(2026, 9, 28), date(2026, 9, 28));
        assert_eq!(
            c.deadline(ACCEPTED, 5, &[second, first]),
            Ok(due(date(2026, 10, 8)))
        );
        assert_eq!(
            c.elapsed_working_days(ACCEPTED, date(2026, 10, 8), &[second, first]),
            5
        );
    }

    #[test]
    fn a_pause_cannot_resume_before_it_stopped() {
        let err = Pause::closed(date(2026, 9, 23), date(2026, 9, 22)).expect_err("backwards");
        assert_eq!(err.stopped_on, date(2026, 9, 23));
        assert_eq!(err.resumed_on, date(2026, 9, 22));
        assert!(err.to_string().contains("2026-09-22"));
        assert!(
            Pause::open(date(2026, 9, 23))
                .resume(date(2026, 9, 22))
                .is_err()
        );
        assert_eq!(
            Pause::closed(date(2026, 9, 23), date(2026, 9, 23)).map(Pause::resumed_on),
            Ok(Some(date(2026, 9, 23)))
        );
    }

    #[test]
    fn deadline_accessor() {
        assert_eq!(due(date(2026, 9, 29)).due_date(), Some(date(2026, 9, 29)));
        let paused = Deadline::Paused {
            since: date(2026, 9, 23),
            remaining: 4,
        };
        assert_eq!(paused.due_date(), None);
    }
}

mod warnings {
    use super::*;

    #[test]
    fn yellow_one_working_day_before_red_after() {
        let c = cn();
        // Due Friday 10-09 after the National Day week.
        let deadline = date(2026, 10, 9);
        let state = |today| c.due_state(today, deadline);
        assert_eq!(state(date(2026, 9, 30)), DueState::OnTrack);
        assert_eq!(state(date(2026, 10, 7)), DueState::OnTrack);
        assert_eq!(state(date(2026, 10, 8)), DueState::DueSoon);
        assert_eq!(state(date(2026, 10, 9)), DueState::DueToday);
        assert_eq!(state(date(2026, 10, 10)), DueState::Overdue);
        assert_eq!(state(date(2027, 1, 1)), DueState::Overdue);
    }

    #[test]
    fn the_reminder_covers_the_days_off_before_the_deadline() {
        let c = cn();
        // Due Tuesday 02-24, after the Spring Festival: the make-up
        // Saturday 02-14 is the last working day before it.
        let deadline = date(2026, 2, 24);
        assert_eq!(c.due_state(date(2026, 2, 13), deadline), DueState::OnTrack);
        assert_eq!(c.due_state(date(2026, 2, 14), deadline), DueState::DueSoon);
        assert_eq!(c.due_state(date(2026, 2, 20), deadline), DueState::DueSoon);
        assert_eq!(c.due_state(date(2026, 2, 23), deadline), DueState::DueSoon);
        // A 即办 deadline on a Sunday: the Friday before is a reminder.
        assert_eq!(
            c.due_state(date(2026, 3, 6), date(2026, 3, 8)),
            DueState::DueSoon
        );
    }

    #[test]
    fn colours() {
        assert_eq!(DueState::OnTrack.warning(), None);
        assert_eq!(DueState::DueSoon.warning(), Some(Warning::Yellow));
        assert_eq!(DueState::DueToday.warning(), Some(Warning::Yellow));
        assert_eq!(DueState::Overdue.warning(), Some(Warning::Red));
    }
}

mod horizon {
    use super::*;

    /// The most working days a count from `start` may ask for, on a
    /// calendar of weekends only.
    fn most(c: &WorkCalendar, start: Date) -> u32 {
        let end = start
            .checked_add(jiff_days(i64::from(HORIZON_DAYS)))
            .expect("in range");
        c.working_days_between(start, end)
    }

    #[test]
    fn counts_end_within_a_hundred_years() {
        let c = WorkCalendar::new();
        let start = date(2026, 3, 6);
        let n = most(&c, start);
        assert!(n > 26_000, "{n}");
        let last = c.add_working_days(start, n).expect("within the horizon");
        assert_eq!(c.working_days_between(start, last), n);
        let beyond = BeyondHorizon {
            start,
            working_days: n + 1,
        };
        assert_eq!(c.add_working_days(start, n + 1), Err(beyond));
        assert_eq!(c.deadline(start, n, &[]), Ok(due(last)));
        assert_eq!(c.deadline(start, n + 1, &[]), Err(beyond));
        assert!(beyond.to_string().contains("2026-03-06"));
        assert!(beyond.message_zh().contains("100年"));
    }

    #[test]
    fn counts_end_within_a_hundred_years_from_a_friday_too() {
        // From a Friday the horizon ends on a working day, so the bound is
        // exact: one day less would not reach it.
        let c = WorkCalendar::new();
        let start = date(2026, 3, 13);
        let n = most(&c, start);
        let end = start
            .checked_add(jiff_days(i64::from(HORIZON_DAYS)))
            .expect("in range");
        assert!(c.is_working_day(end));
        assert_eq!(c.add_working_days(start, n), Ok(end));
        assert_eq!(c.deadline(start, n, &[]), Ok(due(end)));
    }

    #[test]
    fn a_huge_limit_is_refused_quickly() {
        let c = cn();
        let start = date(2026, 3, 6);
        assert!(c.add_working_days(start, u32::MAX).is_err());
        assert!(c.deadline(start, u32::MAX, &[]).is_err());
        let p = closed(date(2026, 3, 9), date(2100, 1, 1));
        assert!(c.deadline(start, 1, &[p]).is_ok());
        let p = closed(date(2026, 3, 9), date(2200, 1, 1));
        assert!(c.deadline(start, 1, &[p]).is_err());
    }

    #[test]
    fn the_end_of_time() {
        let c = WorkCalendar::new();
        let last = date(9999, 12, 31);
        assert!(c.next_working_day(last).is_err());
        assert!(c.add_working_days(date(9999, 12, 28), 5).is_err());
        assert!(c.deadline(date(9999, 12, 28), 5, &[]).is_err());
        assert_eq!(c.add_working_days(last, 0), Ok(last));
        assert_eq!(c.working_days_between(last, last), 0);
        assert_eq!(c.elapsed_working_days(last, last, &[]), 0);
        // 9999-12-31 is a Friday.
        assert_eq!(c.working_days_between(date(9999, 12, 24), last), 5);
        // Far in the past, before the arithmetic's origin (1970-01-05).
        for (a, b) in [
            (date(-9999, 1, 1), date(-9999, 3, 1)),
            (date(1969, 12, 20), date(1970, 1, 20)),
            (date(1, 1, 1), date(1, 1, 9)),
        ] {
            assert_eq!(
                c.working_days_between(a, b),
                walk_count(&c, a, b),
                "{a}..{b}"
            );
        }
    }

    #[test]
    fn years_not_entered_count_weekends_only() {
        let c = cn();
        assert!(!c.covers(2027));
        // 2027-01-01 is a Friday.
        assert_eq!(
            c.add_working_days(date(2026, 12, 31), 1),
            Ok(date(2027, 1, 1))
        );
        assert_eq!(
            c.add_working_days(date(2026, 12, 31), 2),
            Ok(date(2027, 1, 4))
        );
    }
}

mod editing {
    use super::*;

    fn issues(result: Result<(), CalendarError>) -> Vec<EntryIssue> {
        match result {
            Err(CalendarError::Entries { issues, .. }) => issues,
            other => panic!("expected entry issues, got {other:?}"),
        }
    }

    fn problems(c: &mut WorkCalendar, year: i16, entries: &[CalendarEntry]) -> Vec<EntryProblem> {
        let before = c.clone();
        let found = issues(c.replace_year(year, entries));
        assert_eq!(*c, before, "a refused edit changes nothing");
        found.into_iter().map(|i| i.problem).collect()
    }

    #[test]
    fn replace_year_swaps_the_whole_year() {
        let mut c = cn();
        let entries = [CalendarEntry::holidays(
            date(2026, 1, 1),
            date(2026, 1, 1),
            "元旦",
        )];
        c.replace_year(2026, &entries).expect("valid");
        assert_eq!(c.entries(2026), entries);
        assert!(c.is_working_day(date(2026, 2, 16)));
        // An empty year is entered too.
        c.replace_year(2027, &[]).expect("valid");
        assert!(c.covers(2027));
        assert_eq!(c.years().collect::<Vec<_>>(), [2026, 2027]);
        assert!(c.remove_year(2026));
        assert!(!c.remove_year(2026));
        assert!(!c.covers(2026));
        assert!(c.is_working_day(date(2026, 1, 1)));
        assert_eq!(c.entries(2026), []);
        assert_eq!(c.entries(20_000), []);
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        let mut c = WorkCalendar::new();
        let one = |name: &str| {
            [CalendarEntry::holidays(
                date(2026, 1, 1),
                date(2026, 1, 1),
                name,
            )]
        };
        c.replace_year(2026, &one("  元旦 ")).expect("valid");
        assert_eq!(c.day(date(2026, 1, 1)), CalendarDay::Holiday("元旦"));
        assert_eq!(problems(&mut c, 2026, &one(" ")), [EntryProblem::EmptyName]);
        assert_eq!(
            problems(&mut c, 2026, &one("a#b")),
            [EntryProblem::NameCharacter('#')]
        );
        assert_eq!(
            problems(&mut c, 2026, &one("a\nb")),
            [EntryProblem::NameCharacter('\n')]
        );
        let long = "节".repeat(33);
        assert_eq!(
            problems(&mut c, 2026, &one(&long)),
            [EntryProblem::NameTooLong]
        );
        c.replace_year(2026, &one(&"节".repeat(32)))
            .expect("32 is allowed");
        c.replace_year(2026, &one("国庆节 中秋节"))
            .expect("inner spaces are fine");
    }

    #[test]
    fn every_problem_is_named_with_its_entry() {
        let mut c = WorkCalendar::new();
        let entries = [
            CalendarEntry::holidays(date(2026, 2, 15), date(2026, 2, 23), "春节"),
            // Monday: a working day already.
            CalendarEntry::make_up_workday(date(2026, 2, 16), "春节调休"),
            CalendarEntry::holidays(date(2026, 2, 20), date(2026, 2, 10), "春节"),
            CalendarEntry::holidays(date(2027, 1, 1), date(2027, 1, 1), "元旦"),
            CalendarEntry::holidays(date(2025, 11, 30), date(2025, 12, 1), "x"),
            CalendarEntry::holidays(date(2026, 12, 31), date(2027, 1, 2), "x"),
        ];
        let found = issues(c.replace_year(2026, &entries));
        assert_eq!(
            found,
            [
                EntryIssue {
                    entry: 1,
                    problem: EntryProblem::MakeUpOnWeekday {
                        date: date(2026, 2, 16)
                    }
                },
                EntryIssue {
                    entry: 1,
                    problem: EntryProblem::Duplicate {
                        date: date(2026, 2, 16)
                    }
                },
                EntryIssue {
                    entry: 2,
                    problem: EntryProblem::BackwardsRange {
                        from: date(2026, 2, 20),
                        to: date(2026, 2, 10)
                    }
                },
                EntryIssue {
                    entry: 3,
                    problem: EntryProblem::OutsideYear {
                        date: date(2027, 1, 1),
                        year: 2026
                    }
                },
                EntryIssue {
                    entry: 4,
                    problem: EntryProblem::OutsideYear {
                        date: date(2025, 11, 30),
                        year: 2026
                    }
                },
                EntryIssue {
                    entry: 5,
                    problem: EntryProblem::OutsideYear {
                        date: date(2027, 1, 2),
                        year: 2026
                    }
                },
            ]
        );
        assert_eq!(c, WorkCalendar::new());
        let err = c.replace_year(2026, &entries).expect_err("invalid");
        let en = err.to_string();
        assert!(
            en.starts_with("the 2026 calendar: entries[1]: 2026-02-16 is a Monday"),
            "{en}"
        );
        assert!(
            en.contains("entries[3]: 2027-01-01 is not part of the 2026 calendar"),
            "{en}"
        );
        assert!(en.contains("December 2025"), "{en}");
        let zh = err.message_zh();
        assert!(
            zh.starts_with("2026年的日历有误：第2条：2026-02-16是周一"),
            "{zh}"
        );
        assert!(
            zh.contains("第3条：结束日期（2026-02-10）早于开始日期（2026-02-20）"),
            "{zh}"
        );
        assert!(zh.contains("元旦的安排也可在2025年12月"), "{zh}");
    }

    #[test]
    fn a_holiday_on_a_weekend_is_fine_a_date_twice_is_not() {
        let mut c = WorkCalendar::new();
        // Saturday and Sunday inside a holiday range: allowed.
        c.replace_year(
            2026,
            &[CalendarEntry::holidays(
                date(2026, 10, 1),
                date(2026, 10, 7),
                "国庆节",
            )],
        )
        .expect("valid");
        assert_eq!(c.day(date(2026, 10, 3)), CalendarDay::Holiday("国庆节"));
        // The same date as a holiday twice, or as both kinds.
        let twice = [
            CalendarEntry::holidays(date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
            CalendarEntry::holidays(date(2026, 10, 7), date(2026, 10, 8), "国庆节"),
            CalendarEntry::make_up_workday(date(2026, 10, 4), "国庆节调休"),
        ];
        assert_eq!(
            problems(&mut c, 2026, &twice),
            [
                EntryProblem::Duplicate {
                    date: date(2026, 10, 7)
                },
                EntryProblem::Duplicate {
                    date: date(2026, 10, 4)
                },
            ]
        );
    }

    #[test]
    fn a_notice_may_reach_into_the_december_before() {
        // 国办发明电〔2018〕15号: 元旦 2018-12-30..2019-01-01 off, 2018-12-29 worked.
        let notice_2019 = [
            CalendarEntry::make_up_workday(date(2018, 12, 29), "元旦调休"),
            CalendarEntry::holidays(date(2018, 12, 30), date(2019, 1, 1), "元旦"),
        ];
        let mut c = WorkCalendar::new();
        c.replace_year(2019, &notice_2019).expect("valid");
        assert!(c.covers(2019) && !c.covers(2018));
        assert!(c.is_working_day(date(2018, 12, 29)));
        assert!(!c.is_working_day(date(2018, 12, 31)));
        assert_eq!(c.entries(2019), notice_2019);
        // The 2018 calendar leaves them to 2019's, and may not mark them.
        c.replace_year(
            2018,
            &[CalendarEntry::holidays(
                date(2018, 1, 1),
                date(2018, 1, 1),
                "元旦",
            )],
        )
        .expect("valid");
        assert_eq!(c.entries(2018).len(), 1);
        assert!(c.is_working_day(date(2018, 12, 29)));
        let clash = [CalendarEntry::holidays(
            date(2018, 12, 31),
            date(2018, 12, 31),
            "x",
        )];
        let err = c.replace_year(2018, &clash).expect_err("taken");
        assert_eq!(
            err,
            CalendarError::Entries {
                year: 2018,
                issues: vec![EntryIssue {
                    entry: 0,
                    problem: EntryProblem::TakenByYear {
                        date: date(2018, 12, 31),
                        year: 2019
                    }
                }]
            }
        );
        assert!(err.to_string().contains("already set by the 2019 calendar"));
        assert!(err.message_zh().contains("已由2019年的日历设置"));
        // Replacing 2019 itself is not a clash with its own old entries.
        c.replace_year(2019, &notice_2019).expect("valid");
        // Once 2019 is gone, 2018 may take the date.
        c.remove_year(2019);
        c.replace_year(2018, &clash).expect("free now");
        assert_eq!(c.day(date(2018, 12, 31)), CalendarDay::Holiday("x"));
        // A plain Saturday again.
        assert!(!c.is_working_day(date(2018, 12, 29)) && !c.covers(2019));
    }

    #[test]
    fn a_year_runs_from_the_december_before_through_its_last_day() {
        let mut c = WorkCalendar::new();
        let edges = [
            CalendarEntry::holidays(date(2025, 12, 1), date(2025, 12, 1), "x"),
            CalendarEntry::holidays(date(2026, 12, 31), date(2026, 12, 31), "y"),
        ];
        c.replace_year(2026, &edges)
            .expect("both ends are in the window");
        assert_eq!(c.entries(2026), edges);
        assert_eq!(
            problems(
                &mut c,
                2026,
                &[CalendarEntry::holidays(
                    date(2025, 11, 30),
                    date(2025, 12, 1),
                    "x"
                )]
            ),
            [EntryProblem::OutsideYear {
                date: date(2025, 11, 30),
                year: 2026
            }]
        );
        // From the first day of the window past its last: the end is named.
        assert_eq!(
            problems(
                &mut c,
                2026,
                &[CalendarEntry::holidays(
                    date(2025, 12, 1),
                    date(2027, 1, 1),
                    "x"
                )]
            ),
            [EntryProblem::OutsideYear {
                date: date(2027, 1, 1),
                year: 2026
            }]
        );
    }

    #[test]
    fn years_out_of_range() {
        let mut c = WorkCalendar::new();
        for year in [999, 10_000, -5] {
            let err = c.replace_year(year, &[]).expect_err("out of range");
            assert_eq!(err, CalendarError::YearOutOfRange(year));
            assert!(err.to_string().contains("1000..=9999"));
            assert!(err.message_zh().contains("超出范围"));
        }
        c.replace_year(1000, &[]).expect("first year");
        c.replace_year(9999, &[]).expect("last year");
    }

    #[test]
    fn every_message_has_both_languages() {
        let d = date(2026, 2, 16);
        let all = [
            EntryProblem::EmptyName,
            EntryProblem::NameTooLong,
            EntryProblem::NameCharacter('#'),
            EntryProblem::BackwardsRange { from: d, to: d },
            EntryProblem::OutsideYear {
                date: d,
                year: 2027,
            },
            EntryProblem::Duplicate { date: d },
            EntryProblem::MakeUpOnWeekday { date: d },
            EntryProblem::TakenByYear {
                date: d,
                year: 2027,
            },
        ];
        let mut seen = std::collections::HashSet::new();
        for p in all {
            let (en, zh) = (p.to_string(), p.message_zh());
            assert!(!en.is_empty() && !zh.is_empty());
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(seen.insert(zh));
        }
        assert_eq!(
            CalendarError::DuplicateYear(2026).message_zh(),
            "2026年的日历出现了两次"
        );
        assert_eq!(
            CalendarError::DuplicateYear(2026).to_string(),
            "the calendar lists year 2026 twice"
        );
        for (i, day) in (16..=22).enumerate() {
            let zh = EntryProblem::MakeUpOnWeekday {
                date: date(2026, 2, day),
            }
            .message_zh();
            let weekday = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][i];
            assert!(zh.contains(weekday), "{zh}");
        }
    }
}

mod text {
    use super::*;

    fn errors(text: &str) -> Vec<TextError> {
        WorkCalendar::from_text(text).expect_err("invalid").0
    }

    #[test]
    fn the_shipped_file_round_trips() {
        let c = cn();
        let exported = c.to_text();
        assert_eq!(WorkCalendar::from_text(&exported), Ok(c.clone()));
        assert_eq!(
            WorkCalendar::from_text(&exported).map(|c| c.to_text()),
            Ok(exported)
        );
    }

    #[test]
    fn export_is_one_line_per_run() {
        let mut c = WorkCalendar::new();
        c.replace_year(
            2026,
            &[
                CalendarEntry::holidays(date(2026, 2, 15), date(2026, 2, 17), "春节"),
                CalendarEntry::holidays(date(2026, 2, 18), date(2026, 2, 18), "春节"),
                CalendarEntry::holidays(date(2026, 2, 19), date(2026, 2, 19), "除夕"),
                CalendarEntry::holidays(date(2026, 2, 21), date(2026, 2, 21), "除夕"),
                CalendarEntry::make_up_workday(date(2026, 2, 14), "春节调休"),
            ],
        )
        .expect("valid");
        c.replace_year(2027, &[]).expect("valid");
        let text = c.to_text();
        let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            body,
            [
                "",
                "[2026]",
                "2026-02-14 班 春节调休",
                "2026-02-15..2026-02-18 休 春节",
                "2026-02-19 休 除夕",
                "2026-02-21 休 除夕",
                "",
                "[2027]",
            ]
        );
        assert_eq!(WorkCalendar::from_text(&text), Ok(c));
    }

    #[test]
    fn forgiving_forms() {
        let text = "\
# comment
【2026】   # full-width brackets
2026-2-15 至 2026-2-17   休   春节 假期   # a comment after
2026-02-18~2026-02-18 HOLIDAY 春节
2026-02-19～2026-02-19 off 春节
2026-02-20 .. 2026-02-20 假 春节
\t2026-02-14\u{3000}班\u{3000}春节调休
2026-02-28 Workday 春节调休
2026-03-07 work 补班
";
        let c = WorkCalendar::from_text(text).expect("valid");
        assert_eq!(c.day(date(2026, 2, 15)), CalendarDay::Holiday("春节 假期"));
        for day in 18..=20 {
            assert_eq!(c.day(date(2026, 2, day)), CalendarDay::Holiday("春节"));
        }
        assert_eq!(
            c.day(date(2026, 2, 14)),
            CalendarDay::MakeUpWorkday("春节调休")
        );
        assert_eq!(
            c.day(date(2026, 2, 28)),
            CalendarDay::MakeUpWorkday("春节调休")
        );
        assert_eq!(c.day(date(2026, 3, 7)), CalendarDay::MakeUpWorkday("补班"));
    }

    #[test]
    fn syntax_errors_name_their_lines() {
        let text = "\
2026-01-01 休 元旦
[2026
[20x6]
[]
[999]
[2026]
2026-13-01 休 x
2026-01-01
2026-01-01 元旦
2026-01-01 休
2026-01-01..2026-01-0x 休 元旦
26-01-01 休 元旦
2026-01-01-02 休 元旦
2026-001-01 休 元旦
[2026]
2026-02-30 休 x
2026-01-01 .. 2026-01-0x 休 元旦
元旦 休 x
2026-01-001 休 x
2026-+1-01 休 x
[+2026]
[-5]
";
        let found = errors(text);
        let lines: Vec<(usize, TextProblem)> =
            found.iter().map(|e| (e.line, e.problem.clone())).collect();
        assert_eq!(
            lines,
            [
                (1, TextProblem::EntryBeforeYear),
                (2, TextProblem::BadYearLine("[2026".into())),
                (3, TextProblem::BadYearLine("[20x6]".into())),
                (4, TextProblem::BadYearLine("[]".into())),
                (5, TextProblem::YearOutOfRange(999)),
                (7, TextProblem::BadDate("2026-13-01".into())),
                (8, TextProblem::MissingKind),
                (9, TextProblem::BadKind("元旦".into())),
                (10, TextProblem::MissingName),
                (11, TextProblem::BadDate("2026-01-0x".into())),
                (12, TextProblem::BadDate("26-01-01".into())),
                (13, TextProblem::BadDate("2026-01-01-02".into())),
                (14, TextProblem::BadDate("2026-001-01".into())),
                (15, TextProblem::DuplicateYear(2026)),
                (16, TextProblem::BadDate("2026-02-30".into())),
                (17, TextProblem::BadDate("2026-01-0x".into())),
                (18, TextProblem::BadDate("元旦".into())),
                (19, TextProblem::BadDate("2026-01-001".into())),
                (20, TextProblem::BadDate("2026-+1-01".into())),
                (21, TextProblem::BadYearLine("[+2026]".into())),
                (22, TextProblem::BadYearLine("[-5]".into())),
            ]
        );
        let all = WorkCalendar::from_text(text).expect_err("invalid");
        let en = all.to_string();
        assert!(
            en.starts_with("line 1: a date before any year line"),
            "{en}"
        );
        assert!(
            en.contains("\nline 9: \"元旦\" is neither 休 (holiday) nor 班"),
            "{en}"
        );
        let zh = all.message_zh();
        assert!(zh.starts_with("第1行：日期前缺少年份行"), "{zh}");
        assert!(zh.contains("\n第7行：“2026-13-01”不是有效日期"), "{zh}");
        assert_eq!(zh.lines().count(), 21);
    }

    #[test]
    fn rule_errors_name_their_lines_too() {
        let text = "\
[2026]
2026-02-15..2026-02-23 休 春节
# a comment line
2026-02-16 班 春节调休

[2025]
2026-02-17 休 春节
";
        let found = errors(text);
        assert_eq!(
            found,
            [
                TextError {
                    line: 4,
                    problem: TextProblem::Entry(EntryProblem::MakeUpOnWeekday {
                        date: date(2026, 2, 16)
                    })
                },
                TextError {
                    line: 4,
                    problem: TextProblem::Entry(EntryProblem::Duplicate {
                        date: date(2026, 2, 16)
                    })
                },
                TextError {
                    line: 7,
                    problem: TextProblem::Entry(EntryProblem::OutsideYear {
                        date: date(2026, 2, 17),
                        year: 2025
                    })
                },
            ]
        );
        assert_eq!(
            found[0].message_zh(),
            "第4行：2026-02-16是周一，本来就是工作日；调休上班日应为周六或周日"
        );
        assert!(
            found[2]
                .to_string()
                .starts_with("line 7: 2026-02-17 is not part of")
        );
    }

    #[test]
    fn import_replaces_the_years_named_and_keeps_the_others() {
        let mut c = cn();
        c.replace_year(
            2025,
            &[CalendarEntry::holidays(
                date(2025, 1, 1),
                date(2025, 1, 1),
                "元旦",
            )],
        )
        .expect("valid");
        let years = c
            .import_text("[2026]\n2026-01-01 休 元旦\n[2027]\n")
            .expect("valid");
        assert_eq!(years, [2026, 2027]);
        assert_eq!(c.years().collect::<Vec<_>>(), [2025, 2026, 2027]);
        assert_eq!(c.entries(2026).len(), 1);
        assert_eq!(c.entries(2025).len(), 1);
        // A bad file changes nothing.
        let before = c.clone();
        assert!(c.import_text("[2026]\n2026-01-05 班 x\n").is_err());
        assert_eq!(c, before);
    }

    #[test]
    fn a_date_may_move_between_years_in_one_import() {
        let mut c = WorkCalendar::new();
        c.import_text("[2019]\n2018-12-29 班 元旦调休\n")
            .expect("valid");
        // Both sections at once, in either order: 2018 takes the date over.
        for text in [
            "[2018]\n2018-12-29 班 补班\n[2019]\n2019-01-01 休 元旦\n",
            "[2019]\n2019-01-01 休 元旦\n[2018]\n2018-12-29 班 补班\n",
        ] {
            let mut c = c.clone();
            c.import_text(text).expect("valid");
            assert_eq!(
                c.day(date(2018, 12, 29)),
                CalendarDay::MakeUpWorkday("补班")
            );
        }
        // Two sections of one file claiming one date: the later is named.
        let found = errors("[2018]\n2018-12-29 班 补班\n[2019]\n2018-12-29 班 元旦调休\n");
        assert_eq!(
            found,
            [TextError {
                line: 4,
                problem: TextProblem::Entry(EntryProblem::TakenByYear {
                    date: date(2018, 12, 29),
                    year: 2018
                })
            }]
        );
    }

    #[test]
    fn every_text_message_has_both_languages() {
        let all = [
            TextProblem::BadYearLine("[x".into()),
            TextProblem::YearOutOfRange(999),
            TextProblem::DuplicateYear(2026),
            TextProblem::EntryBeforeYear,
            TextProblem::BadDate("x".into()),
            TextProblem::MissingKind,
            TextProblem::BadKind("x".into()),
            TextProblem::MissingName,
            TextProblem::Entry(EntryProblem::EmptyName),
        ];
        let mut seen = std::collections::HashSet::new();
        for p in all {
            let e = TextError {
                line: 3,
                problem: p,
            };
            assert!(e.to_string().starts_with("line 3: "));
            let zh = e.message_zh();
            assert!(zh.starts_with("第3行："), "{zh}");
            assert!(zh.len() > "第3行：".len());
            assert!(seen.insert(zh));
        }
        assert_eq!(
            TextProblem::Entry(EntryProblem::EmptyName).to_string(),
            EntryProblem::EmptyName.to_string()
        );
    }
}

mod serde_forms {
    use super::*;

    #[test]
    fn json_round_trips_and_reads_as_ranges() {
        let c = cn();
        let json = serde_json::to_string(&c).expect("serializes");
        assert!(json.starts_with(
            r#"{"years":[{"year":2026,"days":[{"from":"2026-01-01","to":"2026-01-03","kind":"holiday","name":"元旦"},{"from":"2026-01-04","kind":"make_up_workday","name":"元旦调休"}"#
        ), "{json}");
        assert_eq!(
            serde_json::from_str::<WorkCalendar>(&json).expect("reads"),
            c
        );
        assert_eq!(
            serde_json::from_str::<WorkCalendar>("{}").expect("reads"),
            WorkCalendar::new()
        );
    }

    #[test]
    fn toml_as_an_administrator_writes_it() {
        let toml_text = r#"
[[years]]
year = 2026
days = [
  { from = 2026-02-15, to = 2026-02-23, kind = "holiday", name = "春节" },
  { from = "2026-02-14", kind = "班", name = "春节调休" },
  { from = 2026-02-28, kind = "workday", name = "春节调休" },
  { from = 2026-01-01, to = "2026-01-01", kind = "休", name = "元旦" },
]

[[years]]
year = 2027
"#;
        let c: WorkCalendar = toml::from_str(toml_text).expect("reads");
        assert_eq!(c.day(date(2026, 2, 20)), CalendarDay::Holiday("春节"));
        assert_eq!(
            c.day(date(2026, 2, 14)),
            CalendarDay::MakeUpWorkday("春节调休")
        );
        assert_eq!(
            c.day(date(2026, 2, 28)),
            CalendarDay::MakeUpWorkday("春节调休")
        );
        assert_eq!(c.day(date(2026, 1, 1)), CalendarDay::Holiday("元旦"));
        assert!(c.covers(2027));
        let back = toml::to_string(&c).expect("serializes");
        assert_eq!(toml::from_str::<WorkCalendar>(&back).expect("reads"), c);
    }

    #[test]
    fn invalid_stored_calendars_do_not_load() {
        let bad = [
            (
                r#"{"years":[{"year":2026,"days":[{"from":"2026-02-16","kind":"make_up_workday","name":"x"}]}]}"#,
                "is a Monday",
            ),
            (
                r#"{"years":[{"year":2026},{"year":2026}]}"#,
                "lists year 2026 twice",
            ),
            (r#"{"years":[{"year":99}]}"#, "outside"),
            (r#"{"years":[],"extra":1}"#, "unknown field"),
            (
                r#"{"years":[{"year":2026,"days":[{"from":"2026-02-16","kind":"holiday","name":"x","to2":"x"}]}]}"#,
                "unknown field",
            ),
            (
                r#"{"years":[{"year":2026,"days":[{"from":"2026-2-16","kind":"holiday","name":"x"}]}]}"#,
                "2026-2-16",
            ),
            (
                r#"{"years":[{"year":2026,"days":[{"from":{},"kind":"holiday","name":"x"}]}]}"#,
                "a date such as 2026-02-15",
            ),
            (
                r#"{"years":[{"year":2026,"days":[{"from":{"a":"x"},"kind":"holiday","name":"x"}]}]}"#,
                "",
            ),
            (
                r#"{"years":[{"year":2026,"days":[{"from":"2026-01-01","kind":"leave","name":"x"}]}]}"#,
                "leave",
            ),
        ];
        for (json, expected) in bad {
            let err = serde_json::from_str::<WorkCalendar>(json).expect_err(json);
            assert!(err.to_string().contains(expected), "{json}: {err}");
        }
    }

    #[test]
    fn pauses_and_states_serialize() {
        let p = closed(date(2026, 9, 23), date(2026, 10, 9));
        let json = serde_json::to_string(&p).expect("serializes");
        assert_eq!(
            json,
            r#"{"stopped_on":"2026-09-23","resumed_on":"2026-10-09"}"#
        );
        assert_eq!(serde_json::from_str::<Pause>(&json).expect("reads"), p);
        let open: Pause = serde_json::from_str(r#"{"stopped_on":"2026-09-23"}"#).expect("reads");
        assert_eq!(open, Pause::open(date(2026, 9, 23)));
        let err = serde_json::from_str::<Pause>(
            r#"{"stopped_on":"2026-09-23","resumed_on":"2026-09-22"}"#,
        )
        .expect_err("backwards");
        assert!(err.to_string().contains("cannot resume"), "{err}");
        assert_eq!(
            serde_json::to_string(&DueState::DueSoon).expect("serializes"),
            r#""due_soon""#
        );
        assert_eq!(
            serde_json::to_string(&Deadline::Paused {
                since: date(2026, 9, 23),
                remaining: 4
            })
            .expect("serializes"),
            r#"{"paused":{"since":"2026-09-23","remaining":4}}"#
        );
    }
}

/// Properties over random calendars of 2026 and 2027 (weekday holidays,
/// weekend holidays, make-up weekends, December dates of the next year's
/// calendar), random dates from late 2025 into 2028 (so also through years
/// not entered) and random pauses.
mod props {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    const NAMES: [&str; 3] = ["春节", "国庆节", "调休"];

    fn day(offset: i64) -> Date {
        date(2025, 12, 1)
            .checked_add(jiff_days(offset))
            .expect("in range")
    }

    /// A valid calendar: marks on 2025-12-01..2027-12-31; a make-up mark
    /// on a weekday becomes a holiday; a December 2026 date goes to 2027's
    /// calendar when `next_year` says so.
    fn calendars() -> impl Strategy<Value = WorkCalendar> {
        prop::collection::btree_map(0i64..761, (any::<bool>(), 0usize..3, any::<bool>()), 0..80)
            .prop_map(|marks| {
                let mut years: BTreeMap<i16, Vec<CalendarEntry>> =
                    BTreeMap::from([(2026, Vec::new()), (2027, Vec::new())]);
                for (offset, (work, name, next_year)) in marks {
                    let d = day(offset);
                    let weekend = d.weekday().to_monday_one_offset() > 5;
                    let name = NAMES[name];
                    let entry = if work && weekend {
                        CalendarEntry::make_up_workday(d, name)
                    } else {
                        CalendarEntry::holidays(d, d, name)
                    };
                    let year = if d.year() == 2025 || (d.month() == 12 && next_year) {
                        d.year() + 1
                    } else {
                        d.year()
                    };
                    years.entry(year).or_default().push(entry);
                }
                let mut c = WorkCalendar::new();
                for (year, entries) in years {
                    if year <= 2027 {
                        c.replace_year(year, &entries)
                            .expect("valid by construction");
                    }
                }
                c
            })
    }

    /// A date from 2025-11-01 to early 2028.
    fn dates() -> impl Strategy<Value = Date> {
        (-30i64..800).prop_map(day)
    }

    /// Pauses around an acceptance date, as offsets from it: some before
    /// it, some open.
    fn pauses() -> impl Strategy<Value = Vec<(i64, Option<i64>)>> {
        prop::collection::vec((-10i64..90, prop::option::weighted(0.8, 0i64..30)), 0..4)
    }

    fn to_pauses(accepted: Date, spans: &[(i64, Option<i64>)]) -> Vec<Pause> {
        spans
            .iter()
            .map(|&(start, len)| {
                let stopped = accepted.checked_add(jiff_days(start)).expect("in range");
                match len {
                    Some(len) => closed(
                        stopped,
                        stopped.checked_add(jiff_days(len)).expect("in range"),
                    ),
                    None => Pause::open(stopped),
                }
            })
            .collect()
    }

    /// Counted days in (accepted, today], one day at a time.
    fn walk_elapsed(c: &WorkCalendar, accepted: Date, today: Date, pauses: &[Pause]) -> u32 {
        let paused = |d: Date| {
            pauses
                .iter()
                .any(|p| p.stopped_on() <= d && p.resumed_on().is_none_or(|end| d <= end))
        };
        let mut n = 0;
        let mut d = accepted;
        while d < today {
            d = d.tomorrow().expect("in range");
            n += u32::from(c.is_working_day(d) && !paused(d));
        }
        n
    }

    /// Orders deadlines: any date before paused.
    fn later_or_same(a: Deadline, b: Deadline) -> bool {
        match (a, b) {
            (Deadline::Due(x), Deadline::Due(y)) => y >= x,
            (_, Deadline::Paused { .. }) => true,
            (Deadline::Paused { .. }, Deadline::Due(_)) => false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn a_deadline_is_a_working_day(c in calendars(), d in dates(), n in 1u32..300) {
            let due = c.add_working_days(d, n).expect("within the horizon");
            prop_assert!(c.is_working_day(due));
            prop_assert!(due > d);
        }

        #[test]
        fn adding_is_monotone_in_n(c in calendars(), d in dates(), n in 0u32..300, k in 1u32..40) {
            let a = c.add_working_days(d, n).expect("within the horizon");
            let b = c.add_working_days(d, n + k).expect("within the horizon");
            prop_assert!(a < b);
        }

        #[test]
        fn adding_is_monotone_in_the_start(
            c in calendars(), d1 in dates(), d2 in dates(), n in 0u32..300,
        ) {
            let (early, late) = if d1 <= d2 { (d1, d2) } else { (d2, d1) };
            let a = c.add_working_days(early, n).expect("within the horizon");
            let b = c.add_working_days(late, n).expect("within the horizon");
            prop_assert!(a <= b);
        }

        #[test]
        fn between_inverts_adding(c in calendars(), d in dates(), n in 0u32..300) {
            let due = c.add_working_days(d, n).expect("within the horizon");
            prop_assert_eq!(c.working_days_between(d, due), n);
            if n > 0 {
                let eve = due.yesterday().expect("in range");
                prop_assert_eq!(c.working_days_between(d, eve), n - 1);
                prop_assert_eq!(c.next_working_day(eve), Ok(due));
            }
        }

        #[test]
        fn between_counts_the_days(c in calendars(), a in dates(), b in dates()) {
            prop_assert_eq!(c.working_days_between(a, b), walk_count(&c, a, b));
        }

        #[test]
        fn without_pauses_the_deadline_is_the_sum(c in calendars(), d in dates(), n in 0u32..300) {
            let due = c.add_working_days(d, n).expect("within the horizon");
            prop_assert_eq!(c.deadline(d, n, &[]), Ok(Deadline::Due(due)));
        }

        #[test]
        fn pauses_only_push_a_deadline_later(
            c in calendars(), d in dates(), n in 0u32..120,
            spans in pauses(), extra in pauses(),
        ) {
            let some = to_pauses(d, &spans);
            let mut more = some.clone();
            more.extend(to_pauses(d, &extra));
            let none = c.deadline(d, n, &[]).expect("within the horizon");
            let with_some = c.deadline(d, n, &some).expect("within the horizon");
            let with_more = c.deadline(d, n, &more).expect("within the horizon");
            prop_assert!(later_or_same(none, with_some), "{:?} then {:?}", none, with_some);
            prop_assert!(later_or_same(with_some, with_more), "{:?} then {:?}", with_some, with_more);
            // The order pauses come in does not matter.
            let mut reversed = more.clone();
            reversed.reverse();
            prop_assert_eq!(c.deadline(d, n, &reversed), Ok(with_more));
        }

        #[test]
        fn elapsed_days_meet_the_deadline(
            c in calendars(), d in dates(), n in 1u32..120, spans in pauses(),
        ) {
            let pauses = to_pauses(d, &spans);
            match c.deadline(d, n, &pauses).expect("within the horizon") {
                Deadline::Due(due) => {
                    prop_assert!(c.is_working_day(due));
                    prop_assert_eq!(c.elapsed_working_days(d, due, &pauses), n);
                    let eve = due.yesterday().expect("in range");
                    prop_assert_eq!(c.elapsed_working_days(d, eve, &pauses), n - 1);
                }
                Deadline::Paused { since, remaining } => {
                    prop_assert!(remaining >= 1 && remaining <= n);
                    let later = since.checked_add(jiff_days(400)).expect("in range");
                    prop_assert_eq!(c.elapsed_working_days(d, later, &pauses), n - remaining);
                    prop_assert!(pauses.iter().any(|p| p.stopped_on() == since));
                    prop_assert!(pauses.iter().any(|p| p.is_open()));
                }
            }
        }

        #[test]
        fn elapsed_days_count_the_days(
            c in calendars(), d in dates(), today in dates(), spans in pauses(),
        ) {
            let pauses = to_pauses(d, &spans);
            prop_assert_eq!(
                c.elapsed_working_days(d, today, &pauses),
                walk_elapsed(&c, d, today, &pauses)
            );
        }

        #[test]
        fn due_states_follow_the_dates(c in calendars(), today in dates(), deadline in dates()) {
            let state = c.due_state(today, deadline);
            let expected = if today > deadline {
                DueState::Overdue
            } else if today == deadline {
                DueState::DueToday
            } else if walk_count(&c, today, deadline) <= 1 {
                DueState::DueSoon
            } else {
                DueState::OnTrack
            };
            prop_assert_eq!(state, expected);
        }

        #[test]
        fn text_round_trips(c in calendars()) {
            let text = c.to_text();
            let back = WorkCalendar::from_text(&text).expect("reads its own export");
            prop_assert_eq!(&back, &c);
            prop_assert_eq!(back.to_text(), text);
        }

        #[test]
        fn entries_rebuild_the_calendar(c in calendars()) {
            let mut again = WorkCalendar::new();
            for year in c.years() {
                again.replace_year(year, &c.entries(year)).expect("valid");
            }
            prop_assert_eq!(again, c);
        }

        #[test]
        fn serde_round_trips(c in calendars()) {
            let json = serde_json::to_string(&c).expect("serializes");
            prop_assert_eq!(&serde_json::from_str::<WorkCalendar>(&json).expect("reads"), &c);
            let toml_text = toml::to_string(&c).expect("serializes");
            prop_assert_eq!(toml::from_str::<WorkCalendar>(&toml_text).expect("reads"), c);
        }
    }
}
