//! 好差评 in the core: the five levels and their export codes, the rules a
//! rating and a complaint must meet, follow-up steps and their deadlines in
//! working days, and the engine's stories (one rating per ticket and
//! service, a retry gets the same rating, a 差评 opens a follow-up whose
//! deadlines skip the weekend, replay rebuilds the same state). Property
//! tests for the invariants.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod util;

use banli_core::calendar::WorkCalendar;
use banli_core::engine::{Command, Engine, Event, Outcome, Rejection};
use banli_core::ids::{CounterId, TicketId};
use banli_core::jiff::civil::{Date, date};
use banli_core::jiff::{SignedDuration, Timestamp};
use banli_core::rating::{
    AppealState, Channel, CodeScheme, ComplaintInput, FeedbackRefusal, FollowUp, Level,
    RatedTicket, RatingInput, RatingSettings, Resolution, Source, Stage, Step, check_complaint,
    check_rating,
};
use proptest::prelude::*;
use util::{Sim, hall};

fn finished_ticket(at: Timestamp) -> RatedTicket {
    RatedTicket {
        ticket_id: TicketId(7),
        number: "A007".into(),
        service_id: "biz".into(),
        counter_id: Some(CounterId(1)),
        department_id: Some("amr".into()),
        staff: Some("clerk1".into()),
        finished_at: Some(at),
    }
}

fn input(level: Level, reasons: &[&str]) -> RatingInput {
    RatingInput {
        level,
        reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
        text: String::new(),
        channel: Channel::Pad,
    }
}

fn rate(
    sim: &mut Sim,
    t: RatedTicket,
    i: RatingInput,
    key: Option<&str>,
) -> Result<Outcome, Rejection> {
    sim.cmd(Command::Rate {
        ticket: t,
        input: i,
        idempotency_key: key.map(str::to_owned),
        actor: "pad-1".into(),
    })
}

#[test]
fn a_bad_rating_needs_a_reason_from_the_halls_list() {
    let s = RatingSettings::default();
    let now = util::tuesday_9am();
    let t = finished_ticket(now);
    assert_eq!(
        check_rating(&s, &t, &input(Level::VeryDissatisfied, &[]), now),
        Err(FeedbackRefusal::ReasonRequired)
    );
    assert_eq!(
        check_rating(&s, &t, &input(Level::Dissatisfied, &["天气不好"]), now),
        Err(FeedbackRefusal::UnknownReason("天气不好".into()))
    );
    assert_eq!(
        check_rating(&s, &t, &input(Level::Dissatisfied, &["等候时间过长"]), now),
        Ok(())
    );
    assert_eq!(
        check_rating(&s, &t, &input(Level::Satisfied, &[]), now),
        Ok(())
    );
}

#[test]
fn reasons_and_categories_have_english_names_a_hall_can_change() {
    let s = RatingSettings::default();
    assert_eq!(s.reason_en("等候时间过长"), Some("Waited too long"));
    assert_eq!(s.category_en("其他"), Some("Other"));
    assert!(s.issues().is_empty(), "{:?}", s.issues());

    // The hall's own name wins; a reason of its own may have one too.
    let mut s = RatingSettings::default();
    s.reasons.push("叫号不清楚".into());
    s.reasons_en
        .insert("叫号不清楚".into(), "Could not hear the call".into());
    s.reasons_en
        .insert("等候时间过长".into(), "Long wait".into());
    assert!(s.issues().is_empty(), "{:?}", s.issues());
    assert_eq!(s.reason_en("叫号不清楚"), Some("Could not hear the call"));
    assert_eq!(s.reason_en("等候时间过长"), Some("Long wait"));

    // Refused: a name for no listed entry, an empty one, a long one.
    let mut bad = RatingSettings::default();
    bad.reasons_en
        .insert("天气不好".into(), "Bad weather".into());
    bad.complaint_categories_en
        .insert("其他".into(), " ".into());
    bad.reasons_en.insert("服务态度不好".into(), "x".repeat(61));
    let fields: Vec<String> = bad.issues().into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "ratings.reasons_en.天气不好",
            "ratings.reasons_en.服务态度不好",
            "ratings.complaint_categories_en.其他",
        ]
    );
    let mut ok = RatingSettings::default();
    ok.reasons_en.insert("服务态度不好".into(), "x".repeat(60));
    assert!(ok.issues().is_empty());
}

#[test]
fn settings_saved_before_english_names_still_load() {
    // As a journal, snapshot or hall file written before the field existed
    // holds them: a list of the hall's own, and no English names.
    let old = r#"{"window_days":7,"callback_working_days":1,"close_working_days":15,
        "pad_timeout_secs":30,"clerk_shown":"name",
        "reasons":["等候时间过长","叫号不清楚"],"complaint_categories":["其他"]}"#;
    let s: RatingSettings = serde_json::from_str(old).expect("old settings load");
    assert!(s.reasons_en.is_empty() && s.complaint_categories_en.is_empty());
    assert!(s.issues().is_empty(), "{:?}", s.issues());
    // The default reason keeps its built-in English; the hall's own has none.
    assert_eq!(s.reason_en("等候时间过长"), Some("Waited too long"));
    assert_eq!(s.reason_en("叫号不清楚"), None);
    // And the new field round-trips.
    let d = RatingSettings::default();
    let back: RatingSettings =
        serde_json::from_str(&serde_json::to_string(&d).expect("json")).expect("loads");
    assert_eq!(back, d);
}

#[test]
fn an_unfinished_or_old_ticket_cannot_be_rated() {
    let s = RatingSettings::default();
    let now = util::tuesday_9am();
    let mut t = finished_ticket(now);
    t.finished_at = None;
    assert_eq!(
        check_rating(&s, &t, &input(Level::Satisfied, &[]), now),
        Err(FeedbackRefusal::NotFinished)
    );
    let t = finished_ticket(now);
    let late = now + SignedDuration::from_hours(7 * 24 + 1);
    assert_eq!(
        check_rating(&s, &t, &input(Level::Satisfied, &[]), late),
        Err(FeedbackRefusal::WindowPassed(7))
    );
    let just = now + SignedDuration::from_hours(7 * 24);
    assert_eq!(
        check_rating(&s, &t, &input(Level::Satisfied, &[]), just),
        Ok(())
    );
    // Every refusal says it in Chinese and English.
    let r = FeedbackRefusal::WindowPassed(7);
    assert!(r.message_zh().contains("7天"));
    assert!(r.to_string().contains("7 days"));
}

#[test]
fn complaints_are_checked_and_cleaned() {
    let s = RatingSettings::default();
    let c = |phone: Option<&str>, text: &str, cat: &str| ComplaintInput {
        category: cat.into(),
        text: text.into(),
        phone: phone.map(str::to_owned),
        counter_id: None,
        channel: Channel::Kiosk,
    };
    let ok = check_complaint(&s, c(Some("138 0013-8000"), "  排队太久  ", "办事效率")).unwrap();
    assert_eq!(ok.phone.as_deref(), Some("13800138000"));
    assert_eq!(ok.text, "排队太久");
    assert_eq!(
        check_complaint(&s, c(Some("abc"), "x", "其他")),
        Err(FeedbackRefusal::BadPhone)
    );
    assert_eq!(
        check_complaint(&s, c(None, "   ", "其他")),
        Err(FeedbackRefusal::BadText)
    );
    assert_eq!(
        check_complaint(&s, c(None, "x", "乱收费")),
        Err(FeedbackRefusal::UnknownCategory("乱收费".into()))
    );
}

#[test]
fn one_rating_per_ticket_and_service_and_a_retry_gets_the_same_one() {
    let mut sim = Sim::new(hall());
    let t = finished_ticket(sim.now);
    let first = rate(
        &mut sim,
        t.clone(),
        input(Level::Satisfied, &[]),
        Some("k1"),
    )
    .unwrap();
    let Outcome::Feedback {
        id,
        replayed: false,
        follow_up_id: None,
    } = first
    else {
        panic!("{first:?}");
    };
    // The pad lost the answer and sends the same request again.
    assert_eq!(
        rate(
            &mut sim,
            t.clone(),
            input(Level::Satisfied, &[]),
            Some("k1")
        ),
        Ok(Outcome::Feedback {
            id,
            follow_up_id: None,
            replayed: true
        })
    );
    // Another tap, another key, or another level: refused, nothing changes.
    assert_eq!(
        rate(
            &mut sim,
            t.clone(),
            input(Level::VerySatisfied, &[]),
            Some("k2")
        ),
        Err(Rejection::Feedback(FeedbackRefusal::AlreadyRated))
    );
    assert_eq!(
        rate(&mut sim, t.clone(), input(Level::VerySatisfied, &[]), None),
        Err(Rejection::Feedback(FeedbackRefusal::AlreadyRated))
    );
    let rated = sim
        .events
        .iter()
        .filter(|e| matches!(e, Event::Rated { .. }))
        .count();
    assert_eq!(rated, 1);
    // The same ticket served for another service (a transfer) is rated apart.
    let mut other = t;
    other.service_id = "tax".into();
    assert!(rate(&mut sim, other, input(Level::Basic, &[]), Some("k3")).is_ok());
}

#[test]
fn a_transferred_ticket_is_rated_service_by_service_and_a_retry_stays_on_its_service() {
    let mut sim = Sim::new(hall());
    // 受理 at counter 1, then transferred to 收费 at counter 2.
    let first = finished_ticket(sim.now);
    let mut second = first.clone();
    second.service_id = "tax".into();
    second.counter_id = Some(CounterId(2));
    let visits = vec![first.clone(), second.clone()];
    let chosen = |sim: &Sim, key: Option<&str>| {
        sim.engine
            .visit_to_rate(&visits, "qr", key)
            .map(|v| v.service_id.clone())
    };
    assert_eq!(sim.engine.visit_to_rate(&[], "qr", Some("k")), None);
    // Nothing rated: the latest service first.
    assert_eq!(chosen(&sim, Some("k1")), Some("tax".into()));
    let rate_as = |sim: &mut Sim, t: RatedTicket, key: &str| {
        sim.cmd(Command::Rate {
            ticket: t,
            input: input(Level::Satisfied, &[]),
            idempotency_key: Some(key.to_owned()),
            actor: "qr".into(),
        })
    };
    assert!(rate_as(&mut sim, second.clone(), "k1").is_ok());
    // The same request again lands on the same service (a replay), never
    // on the next one; a new request goes to the one not rated yet.
    assert_eq!(chosen(&sim, Some("k1")), Some("tax".into()));
    assert_eq!(chosen(&sim, Some("k2")), Some("biz".into()));
    assert_eq!(chosen(&sim, None), Some("biz".into()));
    assert!(rate_as(&mut sim, first, "k2").is_ok());
    assert_eq!(chosen(&sim, Some("k2")), Some("biz".into()));
    // Both rated, a new request: the latest, which the engine refuses.
    assert_eq!(chosen(&sim, Some("k3")), Some("tax".into()));
    assert_eq!(
        rate_as(&mut sim, second, "k3"),
        Err(Rejection::Feedback(FeedbackRefusal::AlreadyRated))
    );
    // Another actor's key is not this request's.
    assert_eq!(
        sim.engine
            .visit_to_rate(&visits, "kiosk-1", Some("k2"))
            .map(|v| v.service_id.clone()),
        Some("tax".into())
    );
}

#[test]
fn a_bad_rating_on_friday_must_be_called_back_by_monday_and_closed_in_15_working_days() {
    // Friday 2026-11-27, 16:00 in Shanghai.
    let friday: Timestamp = "2026-11-27T16:00:00+08:00".parse().unwrap();
    let mut config = hall();
    config.calendar = WorkCalendar::cn_2026();
    let mut sim = Sim::at(config, friday);
    let out = rate(
        &mut sim,
        finished_ticket(friday),
        input(Level::VeryDissatisfied, &["服务态度不好"]),
        Some("k"),
    )
    .unwrap();
    let Outcome::Feedback {
        follow_up_id: Some(f),
        ..
    } = out
    else {
        panic!("{out:?}");
    };
    let fu = sim.engine.follow_up(f).unwrap().clone();
    assert_eq!(fu.opened_on, date(2026, 11, 27));
    assert_eq!(fu.callback_due, date(2026, 11, 30), "the Monday after");
    // 15 working days from Monday 30 Nov: 30 Nov - 18 Dec.
    assert_eq!(fu.close_due, date(2026, 12, 18));
    assert_eq!(fu.department_id.as_ref().map(|d| d.0.as_str()), Some("amr"));
    // An anonymous rater has nobody to call back: never late for that.
    assert!(!fu.timeliness(date(2026, 12, 1)).callback_late);
    assert!(!fu.timeliness(date(2026, 12, 18)).close_late);
    assert!(fu.timeliness(date(2026, 12, 19)).close_late);

    // Staff resolve and close it on Monday; it leaves the engine's memory.
    sim.advance(SignedDuration::from_hours(3 * 24));
    let act = |sim: &mut Sim, step: Step| {
        sim.cmd(Command::ActOnFollowUp {
            follow_up_id: f,
            step,
            actor: "lead".into(),
        })
    };
    assert_eq!(
        act(
            &mut sim,
            Step::Close {
                note: String::new()
            }
        ),
        Err(Rejection::Feedback(FeedbackRefusal::StepNotAllowed(
            "not resolved"
        )))
    );
    act(
        &mut sim,
        Step::Resolve {
            resolution: Resolution::Explained,
            note: "向群众解释了材料要求".into(),
        },
    )
    .unwrap();
    act(
        &mut sim,
        Step::Close {
            note: "已办结".into(),
        },
    )
    .unwrap();
    assert!(sim.engine.follow_up(f).is_none());
    assert_eq!(
        act(
            &mut sim,
            Step::Close {
                note: String::new()
            }
        ),
        Err(Rejection::Feedback(FeedbackRefusal::UnknownFollowUp(f)))
    );
    // Replaying the journal rebuilds the same state.
    let mut replayed = Engine::genesis();
    for e in &sim.events {
        replayed.replay(e).unwrap();
    }
    assert_eq!(replayed.state(), sim.engine.state());
}

#[test]
fn a_complaint_with_a_phone_cannot_close_without_a_call_back() {
    let mut sim = Sim::new(hall());
    let out = sim
        .cmd(Command::FileComplaint {
            input: ComplaintInput {
                category: "服务态度".into(),
                text: "窗口人员态度生硬".into(),
                phone: Some("13800138000".into()),
                counter_id: Some(CounterId(2)),
                channel: Channel::Telephone,
            },
            idempotency_key: Some("c1".into()),
            actor: "clerk1".into(),
        })
        .unwrap();
    let Outcome::Feedback {
        follow_up_id: Some(f),
        ..
    } = out
    else {
        panic!("{out:?}");
    };
    let step = |s: Step| Command::ActOnFollowUp {
        follow_up_id: f,
        step: s,
        actor: "lead".into(),
    };
    sim.cmd(step(Step::Resolve {
        resolution: Resolution::Rectified,
        note: "已批评教育".into(),
    }))
    .unwrap();
    assert_eq!(
        sim.cmd(step(Step::Close {
            note: String::new()
        })),
        Err(Rejection::Feedback(FeedbackRefusal::StepNotAllowed(
            "callback missing"
        )))
    );
    // A complaint cannot be appealed as a malicious rating.
    assert_eq!(
        sim.cmd(step(Step::Appeal {
            reason: "恶意".into()
        })),
        Err(Rejection::Feedback(FeedbackRefusal::StepNotAllowed(
            "appeal only for ratings"
        )))
    );
    sim.cmd(step(Step::Callback {
        called_at: sim.now,
        reached: true,
        result: "群众表示认可".into(),
    }))
    .unwrap();
    sim.cmd(step(Step::Close {
        note: String::new(),
    }))
    .unwrap();
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<bool>().prop_map(|reached| Step::Callback {
            called_at: Timestamp::UNIX_EPOCH,
            reached,
            result: "回访".into()
        }),
        any::<bool>().prop_map(|r| Step::Resolve {
            resolution: if r {
                Resolution::Rectified
            } else {
                Resolution::Explained
            },
            note: "处理".into()
        }),
        Just(Step::Close {
            note: String::new()
        }),
        Just(Step::Appeal {
            reason: "恶意差评".into()
        }),
        any::<bool>().prop_map(|upheld| Step::DecideAppeal {
            upheld,
            note: "裁定".into()
        }),
    ]
}

fn any_date() -> impl Strategy<Value = Date> {
    (0i32..900).prop_map(|d| {
        date(2025, 6, 1)
            .checked_add(SignedDuration::from_hours(i64::from(d) * 24))
            .unwrap()
    })
}

proptest! {
    /// The two schemes are each a bijection on 1..=5 and each other's reverse.
    #[test]
    fn export_codes_round_trip(code in 0u8..8) {
        for scheme in [CodeScheme::Gbt39046, CodeScheme::Ascending] {
            match Level::from_code(code, scheme) {
                Some(l) => prop_assert_eq!(l.code(scheme), code),
                None => prop_assert!(!(1..=5).contains(&code)),
            }
        }
        if let Some(l) = Level::from_code(code, CodeScheme::Gbt39046) {
            prop_assert_eq!(l.code(CodeScheme::Ascending), 6 - code);
        }
    }

    /// Deadlines fall on working days, the call-back no later than the
    /// close, exactly n working days after the opening day.
    #[test]
    fn deadlines_are_working_days_counted_from_the_day_after(
        opened in any_date(),
        cb in 0u32..5,
        extra in 0u32..20,
    ) {
        let cal = WorkCalendar::cn_2026();
        let settings = RatingSettings {
            callback_working_days: cb,
            close_working_days: cb + extra.max(1),
            ..RatingSettings::default()
        };
        let f = FollowUp::open(1, Source::Rating(1), None, None, true, Timestamp::UNIX_EPOCH, opened, &cal, &settings).unwrap();
        prop_assert!(f.callback_due <= f.close_due);
        prop_assert!(f.close_due > opened);
        prop_assert!(cal.is_working_day(f.close_due));
        prop_assert_eq!(cal.working_days_between(opened, f.close_due), settings.close_working_days);
        if cb > 0 {
            prop_assert!(cal.is_working_day(f.callback_due));
            prop_assert_eq!(cal.working_days_between(opened, f.callback_due), cb);
        }
    }

    /// Whatever steps staff try, in whatever order: a closed follow-up takes
    /// no step; it closes only once resolved and called back (when there is
    /// someone to call) or by an upheld appeal; an appeal is made at most once.
    #[test]
    fn follow_up_steps_keep_their_order(
        steps in proptest::collection::vec(any_step(), 0..12),
        contact in any::<bool>(),
        rating in any::<bool>(),
    ) {
        let cal = WorkCalendar::default();
        let source = if rating { Source::Rating(1) } else { Source::Complaint(1) };
        let on = date(2026, 11, 24);
        let mut f = FollowUp::open(1, source, None, None, contact, Timestamp::UNIX_EPOCH, on, &cal, &RatingSettings::default()).unwrap();
        let mut appeals = 0;
        for step in &steps {
            let before = f.clone();
            if let Ok(next) = before.act(step, on) {
                prop_assert_ne!(before.stage(), Stage::Closed);
                if matches!(step, Step::Appeal { .. }) {
                    appeals += 1;
                    prop_assert!(rating);
                }
                if next.stage() == Stage::Closed {
                    let by_appeal = next.appeal == Some(AppealState::Upheld);
                    prop_assert!(by_appeal || (next.resolution.is_some() && (!contact || next.called_back_on.is_some())));
                }
                f = next;
            }
        }
        prop_assert!(appeals <= 1);
    }

    /// A 差评 without a reason is refused whatever else it says; any
    /// rating after the window is refused.
    #[test]
    fn bad_ratings_need_reasons_and_the_window_holds(
        level in proptest::sample::select(Level::ALL.to_vec()),
        hours in 0i64..400,
        window in 1u32..15,
    ) {
        let settings = RatingSettings { window_days: window, ..RatingSettings::default() };
        let finished = util::tuesday_9am();
        let t = finished_ticket(finished);
        let now = finished + SignedDuration::from_hours(hours);
        let r = check_rating(&settings, &t, &input(level, &[]), now);
        if hours > i64::from(window) * 24 {
            prop_assert_eq!(r, Err(FeedbackRefusal::WindowPassed(window)));
        } else if level.is_bad() {
            prop_assert_eq!(r, Err(FeedbackRefusal::ReasonRequired));
        } else {
            prop_assert_eq!(r, Ok(()));
        }
    }
}

/// A random mix of ratings (some retried, some doubled, some for other
/// services), complaints and steps, with day roll-overs between them.
#[derive(Debug, Clone)]
enum Op {
    Rate {
        ticket: u64,
        service: bool,
        level: usize,
        key: Option<u8>,
        reason: bool,
    },
    Complain {
        phone: bool,
    },
    Step {
        follow_up: u64,
        step: Step,
    },
    Hours(i64),
}

fn any_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u64..6, any::<bool>(), 0usize..5, proptest::option::of(0u8..3), any::<bool>())
            .prop_map(|(ticket, service, level, key, reason)| Op::Rate { ticket, service, level, key, reason }),
        1 => any::<bool>().prop_map(|phone| Op::Complain { phone }),
        2 => (1u64..6, any_step()).prop_map(|(follow_up, step)| Op::Step { follow_up, step }),
        1 => (1i64..72).prop_map(Op::Hours),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever arrives in whatever order: at most one rating per ticket and
    /// service; every 差评 and complaint opens exactly one follow-up; a
    /// refused command records nothing; and replaying the journal gives
    /// the same state.
    #[test]
    fn one_rating_per_ticket_and_service_and_replay_agrees(ops in proptest::collection::vec(any_op(), 1..40)) {
        let start = util::tuesday_9am();
        let mut sim = Sim::at(hall(), start);
        for op in ops {
            let before = sim.events.len();
            let result = match op {
                Op::Rate { ticket, service, level, key, reason } => {
                    let mut t = finished_ticket(start);
                    t.ticket_id = TicketId(ticket);
                    if service { t.service_id = "tax".into(); }
                    let reasons: &[&str] = if reason { &["等候时间过长"] } else { &[] };
                    rate(&mut sim, t, input(Level::ALL[level], reasons), key.map(|k| format!("k{k}")).as_deref())
                }
                Op::Complain { phone } => sim.cmd(Command::FileComplaint {
                    input: ComplaintInput {
                        category: "其他".into(),
                        text: "意见".into(),
                        phone: phone.then(|| "13800138000".into()),
                        counter_id: None,
                        channel: Channel::Kiosk,
                    },
                    idempotency_key: None,
                    actor: "kiosk".into(),
                }),
                Op::Step { follow_up, step } => sim.cmd(Command::ActOnFollowUp { follow_up_id: follow_up, step, actor: "lead".into() }),
                Op::Hours(h) => { sim.advance(SignedDuration::from_hours(h)); Ok(Outcome::Done) }
            };
            sim.drain();
            if result.is_err() {
                // Only a roll-over may have happened before the refusal.
                let only_rolls = sim.events[before..].iter().all(|e| matches!(e, Event::DayRolled { .. }));
                prop_assert!(only_rolls, "a refused command recorded something");
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut bad_or_complaint = 0;
        let mut opened = 0;
        for e in &sim.events {
            match e {
                Event::Rated { rating, .. } => {
                    prop_assert!(seen.insert((rating.ticket.ticket_id, rating.ticket.service_id.clone())), "rated twice");
                    bad_or_complaint += usize::from(rating.input.level.is_bad());
                }
                Event::ComplaintFiled { .. } => bad_or_complaint += 1,
                Event::FollowUpOpened { .. } => opened += 1,
                _ => {}
            }
        }
        prop_assert_eq!(bad_or_complaint, opened);
        let mut replayed = Engine::genesis();
        for e in &sim.events {
            replayed.replay(e).unwrap();
        }
        prop_assert_eq!(replayed.state(), sim.engine.state());
    }
}
