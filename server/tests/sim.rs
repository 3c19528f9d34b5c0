//! The hall simulator: deterministic days on the real engine, clear errors
//! for bad profiles, and sanity properties over the benchmark days.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::BTreeMap;

use banli_core::config::HallConfig;
use banli_core::ids::CounterId;
use banli_server::hall_file;
use banli_server::sim::profile::{CounterPlan, ProfileError};
use banli_server::sim::{self, DayResult, Profile, Report};

const BENCH_HALL: &str = include_str!("../../assets/sim/bench-hall.toml");
const BENCH_PROFILE: &str = include_str!("../../assets/sim/bench-profile.toml");

fn bench() -> (HallConfig, Profile) {
    let hall = hall_file::parse_hall("bench-hall.toml", BENCH_HALL).expect("bench hall");
    let profile = Profile::parse("bench-profile.toml", BENCH_PROFILE, &hall).expect("profile");
    (hall, profile)
}

fn demo() -> (HallConfig, Profile) {
    let hall = hall_file::parse_hall("demo-hall.toml", hall_file::DEMO_HALL).expect("demo");
    let profile = Profile::parse("demo-profile.toml", sim::DEMO_PROFILE, &hall).expect("profile");
    (hall, profile)
}

fn mean_wait(days: &[DayResult]) -> f64 {
    Report::of(days).hall.waits.mean
}

#[test]
fn the_same_seed_gives_the_same_day_and_another_seed_another() {
    let (hall, profile) = demo();
    let a = sim::simulate(&hall, &profile, 7, 2).unwrap();
    let b = sim::simulate(&hall, &profile, 7, 2).unwrap();
    let c = sim::simulate(&hall, &profile, 8, 2).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.len(), 2);
    // Consecutive weekdays of the profile: Tuesday 24th, Wednesday 25th.
    assert_eq!(a[0].date.to_string(), "2026-11-24");
    assert_eq!(a[1].date.to_string(), "2026-11-25");
}

#[test]
fn a_demo_day_serves_about_the_expected_citizens_with_every_ticket_accounted_for() {
    let (hall, profile) = demo();
    let days = sim::simulate(&hall, &profile, 1, 1).unwrap();
    let day = &days[0];
    let expected = profile.expected_arrivals();
    let arrived = day.tickets.len() as f64 + f64::from(day.refused);
    // A Poisson day: within four standard deviations of the mean.
    assert!(
        (arrived - expected).abs() < 4.0 * expected.sqrt(),
        "{arrived} arrivals against {expected} expected"
    );
    // Numbers are unique and every called ticket was called after issue.
    let mut numbers: Vec<&str> = day.tickets.iter().map(|t| t.number.as_str()).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), day.tickets.len());
    for t in &day.tickets {
        if let Some(c) = t.first_called_at {
            assert!(c >= t.issued_at, "{}", t.number);
        }
    }
    // Every call is one counter calling a ticket of a service it serves.
    for call in &day.calls {
        let counter = hall.counters.iter().find(|c| c.id == call.counter).unwrap();
        assert!(counter.services.iter().any(|s| s.service == call.service));
    }
    let report = Report::of(&days);
    assert_eq!(report.issued, day.tickets.len());
    assert_eq!(
        report.services.iter().map(|r| r.issued).sum::<usize>(),
        report.issued
    );
    assert!(report.hall.served > report.issued * 9 / 10, "{report:?}");
}

#[test]
fn more_counters_never_lengthen_the_average_wait() {
    let (hall, profile) = bench();
    let base = sim::simulate(&hall, &profile, 3, 5).unwrap();
    // One more counter for each of the busiest services.
    let mut more = hall.clone();
    let next = more.counters.iter().map(|c| c.id.0).max().unwrap();
    for (i, service) in ["tax", "real-estate", "business-setup"].iter().enumerate() {
        let mut c = more
            .counters
            .iter()
            .find(|c| c.services.len() == 1 && c.services[0].service.as_str() == *service)
            .unwrap()
            .clone();
        c.id = CounterId(next + 1 + i as u32);
        more.counters.push(c);
    }
    let with_more = sim::simulate(&more, &profile, 3, 5).unwrap();
    let (before, after) = (mean_wait(&base), mean_wait(&with_more));
    assert!(
        after <= before,
        "{after} min with more counters, {before} before"
    );
    assert!(
        after < before * 0.9,
        "three more counters help: {after} against {before}"
    );
}

#[test]
fn a_counter_closed_all_day_serves_nobody() {
    let (hall, mut profile) = bench();
    profile.counters.push(CounterPlan {
        id: CounterId(9),
        periods: vec![],
    });
    let days = sim::simulate(&hall, &profile, 1, 2).unwrap();
    for day in &days {
        assert!(day.calls.iter().all(|c| c.counter != CounterId(9)));
        let c9 = day.counters.iter().find(|c| c.id == CounterId(9)).unwrap();
        assert_eq!((c9.served, c9.busy_secs, c9.staffed_secs), (0, 0.0, 0.0));
    }
    let others = days[0]
        .calls
        .iter()
        .filter(|c| c.counter == CounterId(10))
        .count();
    assert!(others > 0, "its twin still serves");
}

/// While normal tickets of a service wait, at most `priority_burst`
/// priority tickets of it are called in a row.
#[test]
fn the_priority_burst_limit_holds() {
    let (hall, mut profile) = bench();
    for s in &mut profile.services {
        s.priority = 0.6;
    }
    let burst = hall.rules.priority_burst as usize;
    let days = sim::simulate(&hall, &profile, 5, 2).unwrap();
    let mut checked = 0;
    for day in &days {
        let mut streak: BTreeMap<&str, usize> = BTreeMap::new();
        for call in &day.calls {
            let s = call.service.as_str();
            let normal_waiting = day.tickets.iter().any(|t| {
                t.service == call.service
                    && !t.priority
                    && t.issued_at < call.at
                    && t.first_called_at.is_none_or(|c| c > call.at)
            });
            // A run counts the priority calls made while a normal
            // ticket waited; any other call ends it.
            let n = streak.entry(s).or_default();
            if call.priority && normal_waiting {
                *n += 1;
                checked += 1;
                assert!(
                    *n <= burst,
                    "{s}: {n} priority calls in a row at {}",
                    call.at
                );
            } else {
                *n = 0;
            }
        }
    }
    assert!(checked > 100, "the limit was tested ({checked} calls)");
}

fn invalid(text: &str) -> Vec<String> {
    let (hall, _) = demo();
    match Profile::parse("p.toml", text, &hall) {
        Err(ProfileError::Invalid { issues, .. }) => {
            issues.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn bad_profiles_get_errors_naming_the_field() {
    let issues = invalid(
        r#"
date = "2026-11-24"
weekdays = [0]
[[services]]
service = "no-such-service"
from = "09:00"
arrivals = [1.0, -2.0]
handle = { distribution = "log_normal", mean_minutes = 0.0, sd_minutes = 1.0 }
no_show = 1.5
transfers = [{ to = "cashier", share = 0.7 }, { to = "tax", share = 0.6 }]
[[services]]
service = "tax"
from = "09:00"
arrivals = [1.0]
handle = { distribution = "exponential", mean_minutes = -1.0 }
[[counters]]
id = 99
periods = [{ open = "12:00", close = "09:00" }]
"#,
    );
    for want in [
        "weekdays: ",
        "services[0].service: no such service",
        "services[0].arrivals[1]: ",
        "services[0].handle.mean_minutes: ",
        "services[0].no_show: ",
        "services[0].transfers: the shares add up to more than 1",
        "services[1].handle.mean_minutes: ",
        "counters[0].id: no such counter",
        "counters[0].periods[0]: opens at or after it closes",
    ] {
        assert!(
            issues.iter().any(|i| i.starts_with(want)),
            "{want:?} not in {issues:#?}"
        );
    }
    // Not TOML, or the wrong shape: the parser's message with its place.
    let (hall, _) = demo();
    let err = Profile::parse("p.toml", "date = \"2026-11-24\"\nservices = 3\n", &hall).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("p.toml: ") && text.contains("line 2"),
        "{text}"
    );
    let err = Profile::parse(
        "p.toml",
        "date = \"2026-11-24\"\n[[services]]\nservice = \"tax\"\nfrom = \"09:00\"\narrivals = []\nhandle = { distribution = \"gamma\", mean_minutes = 1.0 }\n",
        &hall,
    )
    .unwrap_err();
    assert!(err.to_string().contains("gamma"), "{err}");
}

#[test]
fn a_lognormal_handle_time_has_the_mean_and_spread_asked_for() {
    use banli_server::sim::profile::HandleTime;
    use rand::SeedableRng as _;
    let h = HandleTime::LogNormal {
        mean_minutes: 8.0,
        sd_minutes: 4.0,
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let xs: Vec<f64> = (0..20_000).map(|_| h.sample(&mut rng) / 60.0).collect();
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64).sqrt();
    assert!((mean - 8.0).abs() < 0.15, "mean {mean}");
    assert!((sd - 4.0).abs() < 0.25, "sd {sd}");
    assert!(xs.iter().all(|&x| x >= 1.0 / 60.0));
}

#[test]
fn accuracy_figures_are_computed_as_documented() {
    use banli_server::sim::report::Accuracy;
    // (estimate, actual) seconds: told 10 min, waited 10; told 10, waited
    // 20; told 20, waited 10; told 0, waited 3.
    let a = Accuracy::of(&[
        (600.0, 600.0),
        (600.0, 1200.0),
        (1200.0, 600.0),
        (0.0, 180.0),
    ]);
    assert_eq!(a.n, 4);
    assert!((a.mae - (0.0 + 10.0 + 10.0 + 3.0) / 4.0).abs() < 1e-9);
    assert!((a.within_5 - 0.5).abs() < 1e-9);
    assert!((a.bias - (0.0 - 10.0 + 10.0 - 3.0) / 4.0).abs() < 1e-9);
    assert!((a.late_over_5 - 0.25).abs() < 1e-9);
    assert!((a.p90_abs - 10.0).abs() < 1e-9);
    assert_eq!(Accuracy::of(&[]), Accuracy::default());
}

/// A recorded day replayed through the simulator, with its real arrivals
/// and handle times, reproduces the recorded calls: the simulator runs the
/// same engine as the server, not a second implementation of the rules.
///
/// The day is recorded by the real server (HTTP on loopback, SQLite),
/// driven by clerks who behave as the simulator's do: at 10:00 four clerks
/// (counters 3, 4, 7, 8: social insurance and tax, two of them shared
/// with other services, two calling automatically) sit down; a citizen
/// who takes a ticket is called by the clerk free longest; a clerk who
/// finishes calls the next (or is given one by the automatic call).
#[tokio::test]
async fn a_recorded_day_replays_into_the_same_calls() {
    use banli_core::jiff::{SignedDuration, Timestamp};
    use banli_server::sim::history;
    use serde_json::json;

    let hall = common::Hall::demo().await;
    let start: Timestamp = "2026-11-24T10:00:00+08:00".parse().unwrap();
    hall.clock.set(start);
    let counters = [3u32, 4, 7, 8];
    let mut staff = BTreeMap::new();
    for c in counters {
        let token = hall
            .login(&format!("staff{c}"), banli_server::DEMO_STAFF_PASSWORD)
            .await;
        staff.insert(c, token);
    }
    // Thirty citizens over the hour, each with a handle time (a simple
    // deterministic generator: no randomness in the test).
    let mut arrivals = Vec::new();
    let mut x: u64 = 12345;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    let mut at = start;
    for i in 0..30 {
        at += SignedDuration::from_millis(30_000 + (next() % 150_000) as i64);
        let service = if i % 3 == 0 {
            "tax"
        } else {
            "social-insurance"
        };
        let handle = SignedDuration::from_millis(180_000 + (next() % 540_000) as i64);
        arrivals.push((at, service, handle));
    }
    // The clerks' day, event by event.
    #[derive(Clone, Copy)]
    enum Desk {
        Idle(Timestamp),
        Busy,
    }
    let mut desks: BTreeMap<u32, Desk> = BTreeMap::new();
    let mut handle_of: BTreeMap<String, SignedDuration> = BTreeMap::new();
    let mut done: Vec<(Timestamp, u32)> = Vec::new();
    let called = |body: &serde_json::Value| -> Option<String> {
        body["counter"]["current"]["number"]
            .as_str()
            .map(str::to_owned)
    };
    async fn call(hall: &common::Hall, c: u32, token: &str) -> Option<serde_json::Value> {
        let (s, body) = hall
            .post(
                &format!("/api/v1/counters/{c}/call-next"),
                Some(token),
                json!({}),
            )
            .await;
        (s == axum::http::StatusCode::OK).then_some(body)
    }
    for c in counters {
        assert!(
            call(&hall, c, &staff[&c]).await.is_none(),
            "nobody waits yet"
        );
        desks.insert(c, Desk::Idle(start));
    }
    let serves = |c: u32, service: &str| -> bool {
        let demo = hall_file::parse_hall("demo", hall_file::DEMO_HALL).unwrap();
        demo.counters
            .iter()
            .any(|k| k.id.0 == c && k.services.iter().any(|s| s.service.as_str() == service))
    };
    let mut arrivals = arrivals.into_iter().peekable();
    loop {
        let next_done = done.iter().copied().min();
        let next_arrival = arrivals.peek().map(|a| a.0);
        match (next_arrival, next_done) {
            (Some(a), d) if d.is_none_or(|(d, _)| a < d) => {
                let (at, service, handle) = arrivals.next().unwrap();
                hall.clock.set(at);
                let ticket = hall.issue(service).await;
                handle_of.insert(ticket["number"].as_str().unwrap().to_owned(), handle);
                let mut idle: Vec<(Timestamp, u32)> = desks
                    .iter()
                    .filter_map(|(&c, d)| match d {
                        Desk::Idle(since) if serves(c, service) => Some((*since, c)),
                        _ => None,
                    })
                    .collect();
                idle.sort();
                for (_, c) in idle {
                    if let Some(body) = call(&hall, c, &staff[&c]).await {
                        let number = called(&body).unwrap();
                        desks.insert(c, Desk::Busy);
                        done.push((at + handle_of[&number], c));
                        break;
                    }
                }
            }
            (_, Some((at, c))) => {
                done.retain(|&(t, k)| (t, k) != (at, c));
                hall.clock.set(at);
                let (s, body) = hall
                    .post(
                        &format!("/api/v1/counters/{c}/finish"),
                        Some(&staff[&c]),
                        json!({}),
                    )
                    .await;
                assert_eq!(s, axum::http::StatusCode::OK, "{body}");
                // A counter that calls automatically has its next already.
                let next = match called(&body) {
                    Some(n) => Some(n),
                    None => call(&hall, c, &staff[&c]).await.and_then(|b| called(&b)),
                };
                match next {
                    Some(number) => done.push((at + handle_of[&number], c)),
                    None => {
                        desks.insert(c, Desk::Idle(at));
                    }
                }
            }
            (None, None) => break,
            (Some(_), None) => unreachable!(),
        }
    }
    // The day as the server recorded it.
    let db = rusqlite::Connection::open(hall.dir.path().join("banli.db")).unwrap();
    let day: banli_core::jiff::civil::Date = "2026-11-24".parse().unwrap();
    let (trace, mut recorded) = history::recorded_day(&db, day).unwrap();
    assert_eq!(trace.arrivals.len(), 30);
    assert_eq!(recorded.len(), 30);
    // Replayed: the same four clerks from 10:00, nobody else.
    let demo = hall_file::parse_hall("demo", hall_file::DEMO_HALL).unwrap();
    let mut profile = Profile::parse("demo-profile.toml", sim::DEMO_PROFILE, &demo).unwrap();
    profile.staffed = Some(vec![banli_server::sim::profile::StaffedPeriod {
        open: "10:00".parse().unwrap(),
        close: "17:00".parse().unwrap(),
    }]);
    profile.counters = demo
        .counters
        .iter()
        .filter(|c| !counters.contains(&c.id.0))
        .map(|c| CounterPlan {
            id: c.id,
            periods: vec![],
        })
        .collect();
    let replayed = sim::replay(&demo, &profile, &trace).unwrap();
    let mut simulated: Vec<history::RecordedCall> = replayed
        .calls
        .iter()
        .map(|c| history::RecordedCall {
            number: replayed
                .tickets
                .iter()
                .find(|t| t.id == c.ticket)
                .map(|t| t.number.clone())
                .unwrap(),
            counter: c.counter.0,
            at: c.at,
        })
        .collect();
    recorded.sort();
    simulated.sort();
    // Times to the millisecond: the read model stores milliseconds.
    for c in &mut simulated {
        c.at = Timestamp::from_millisecond(c.at.as_millisecond()).unwrap();
    }
    assert_eq!(simulated, recorded);
    // And the calls are spread over all four counters, shared ones too.
    for c in counters {
        assert!(
            recorded.iter().any(|r| r.counter == c),
            "counter {c} called"
        );
    }
}

/// The command line: figures as text, JSON, HTML and SVG; a bad profile is
/// a clear message naming the field and exit status 2, nothing written.
#[test]
fn the_command_line_writes_its_figures_and_refuses_bad_profiles() {
    let sim = env!("CARGO_BIN_EXE_banli-sim");
    let dir = tempfile::tempdir().unwrap();
    let (html, svg, csv) = (
        dir.path().join("r.html"),
        dir.path().join("w.svg"),
        dir.path().join("t.csv"),
    );
    let out = std::process::Command::new(sim)
        .args(["--days", "2", "--seed", "4", "--html"])
        .arg(&html)
        .arg("--svg")
        .arg(&svg)
        .arg("--tickets")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("2 day(s)") && text.contains("Wait estimates:"),
        "{text}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg") && page.contains("社保业务") && page.contains("窗口利用率"));
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.ends_with("</svg>"));
    assert!(
        chart.matches("<rect").count() > 20,
        "bars per service and hour"
    );
    let rows = std::fs::read_to_string(&csv).unwrap();
    let (_, demo) = demo();
    let days = sim::simulate(&demo_hall(), &demo, 4, 2).unwrap();
    let issued: usize = days.iter().map(|d| d.tickets.len()).sum();
    assert_eq!(
        rows.lines().count(),
        issued + 1,
        "a header and a line per ticket"
    );
    // JSON: the same figures as the library's report.
    let out = std::process::Command::new(sim)
        .args(["--days", "2", "--seed", "4", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["issued"], issued);
    // A bad profile: the field is named, the status is 2.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "date = \"2026-11-24\"\n[[services]]\nservice = \"tax\"\nfrom = \"09:00\"\narrivals = [1.0]\nhandle = { distribution = \"fixed\", minutes = -3.0 }\n",
    )
    .unwrap();
    let out = std::process::Command::new(sim)
        .arg("--profile")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("services[0].handle.minutes"), "{err}");
}

fn demo_hall() -> HallConfig {
    demo().0
}

/// Citizens with appointments book ahead, check in when they come and
/// queue as appointments; a share for a service that takes none is refused.
#[test]
fn appointment_shares_book_and_check_in_and_are_refused_where_none_are_taken() {
    let (hall, mut profile) = demo();
    let exit_entry = profile
        .services
        .iter_mut()
        .find(|s| s.service.as_str() == "exit-entry")
        .unwrap();
    exit_entry.priority = 0.0;
    exit_entry.appointment = 0.5;
    let days = sim::simulate(&hall, &profile, 2, 3).unwrap();
    let tickets: Vec<_> = days
        .iter()
        .flat_map(|d| &d.tickets)
        .filter(|t| t.service.as_str() == "exit-entry")
        .collect();
    let booked = tickets.iter().filter(|t| t.priority).count() as f64 / tickets.len() as f64;
    assert!(
        (0.3..0.7).contains(&booked),
        "{booked} of exit-entry tickets were appointments"
    );
    assert!(tickets.len() > 30);
    let mut bad = profile.clone();
    bad.services
        .iter_mut()
        .find(|s| s.service.as_str() == "tax")
        .unwrap()
        .appointment = 0.2;
    let issues = bad.check(&hall).unwrap_err();
    assert!(
        issues
            .iter()
            .any(|i| i.field.ends_with(".appointment") && i.message.contains("no appointments")),
        "{issues:?}"
    );
}
