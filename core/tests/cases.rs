//! Cases (办件) in the engine: acceptance from the ticket a counter
//! serves, deadlines on the 2026 national calendar across the Spring
//! Festival and National Day weeks, 补正 pausing and resuming the clock,
//! warnings as time passes, steps out of order refused with nothing
//! changed, numbering, replay; and property tests of the transition rules.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod util;

use banli_core::calendar::{Deadline, DueState, WorkCalendar};
use banli_core::case::{
    Applicant, CaseAction, CaseCommand, CaseEvent, CaseRejection, CaseStatus, Matter, MatterKind,
    Stage, StepResult,
};
use banli_core::engine::{Command, Engine, Event, Outcome, Rejection};
use banli_core::ids::CounterId;
use banli_core::jiff::civil::Date;
use banli_core::jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use util::{Sim, hall};

fn d(y: i16, m: i8, day: i8) -> Date {
    Date::new(y, m, day).expect("valid date")
}

/// 09:00 in Shanghai on `date`.
fn nine(date: Date) -> Timestamp {
    format!("{date}T09:00:00+08:00").parse().expect("timestamp")
}

fn matter(kind: MatterKind, committed: u32) -> Matter {
    Matter {
        id: "biz-license".into(),
        name_zh: "个体工商户设立登记".into(),
        name_en: "Sole proprietorship registration".into(),
        department: "amr".into(),
        kind,
        legal_limit_days: Some(20),
        committed_limit_days: committed,
    }
}

fn sim_on(date: Date) -> Sim {
    let mut c = hall();
    c.calendar = WorkCalendar::cn_2026();
    Sim::at(c, nine(date))
}

fn applicant(name: &str) -> Applicant {
    Applicant {
        name: name.into(),
        phone: Some("13800001111".into()),
        id_hash: None,
        id_masked: None,
    }
}

/// Issues a ticket, calls it at counter 1 and accepts a case for it.
fn accept(sim: &mut Sim, kind: MatterKind, committed: u32) -> u64 {
    sim.issue("biz");
    sim.call(1).expect("a ticket is called");
    match sim
        .cmd(Command::Case(Box::new(CaseCommand::Accept {
            counter_id: CounterId(1),
            matter: matter(kind, committed),
            applicant: applicant("张三"),
            password: "123456".into(),
            idempotency_key: None,
            actor: "staff1".into(),
        })))
        .expect("accepted")
    {
        Outcome::Case { case_id, .. } => case_id,
        other => panic!("unexpected {other:?}"),
    }
}

fn step(sim: &mut Sim, case_id: u64, action: CaseAction) -> Result<Outcome, Rejection> {
    sim.cmd(Command::Case(Box::new(CaseCommand::Step {
        case_id,
        action,
        result: StepResult::Pass,
        note: String::new(),
        actor: "staff1".into(),
    })))
}

fn days(sim: &mut Sim, n: i64) {
    sim.advance(SignedDuration::from_hours(24 * n));
}

fn deadline(sim: &Sim, id: u64) -> Deadline {
    sim.engine
        .case(id)
        .expect("open")
        .deadline(&sim.engine.config().calendar)
        .expect("within horizon")
}

#[test]
fn a_case_accepted_before_the_spring_festival_counts_the_make_up_saturday_and_skips_the_week() {
    // Friday 13 February: Saturday 14 is worked (春节调休), 15-23 off.
    let mut sim = sim_on(d(2026, 2, 13));
    let id = accept(&mut sim, MatterKind::Committed, 5);
    // 14 (班) 1, 24 Tue 2, 25 3, 26 4, 27 5.
    assert_eq!(deadline(&sim, id), Deadline::Due(d(2026, 2, 27)));
    let case = sim.engine.case(id).expect("open");
    assert_eq!(case.accepted_on, d(2026, 2, 13));
    assert_eq!(case.case_no, "000000202602130001");
    assert_eq!(case.ticket_number, "A001");
}

#[test]
fn a_case_accepted_before_national_day_is_due_on_the_make_up_saturday() {
    // Wednesday 30 September; 1-7 October off, Saturday 10 October worked.
    let mut sim = sim_on(d(2026, 9, 30));
    let id = accept(&mut sim, MatterKind::Committed, 3);
    assert_eq!(deadline(&sim, id), Deadline::Due(d(2026, 10, 10)));
    // 20 working days: 8, 9, 10 Oct, then 12-16, 19-23, 26-30 (18), 2, 3 Nov.
    let mut sim = sim_on(d(2026, 9, 30));
    let id = accept(&mut sim, MatterKind::Committed, 20);
    assert_eq!(deadline(&sim, id), Deadline::Due(d(2026, 11, 3)));
}

#[test]
fn correction_stops_the_clock_and_receipt_restarts_it_the_day_after() {
    // Monday 2 November 2026, 5 working days: due Monday 9 November.
    let mut sim = sim_on(d(2026, 11, 2));
    let id = accept(&mut sim, MatterKind::Committed, 5);
    assert_eq!(deadline(&sim, id), Deadline::Due(d(2026, 11, 9)));
    step(&mut sim, id, CaseAction::Undertake).expect("承办");
    days(&mut sim, 2); // Wednesday 4th: the 3rd counted (1 day used).
    step(
        &mut sim,
        id,
        CaseAction::RequestCorrection {
            materials: vec!["营业场所证明".into(), "负责人身份证复印件".into()],
        },
    )
    .expect("补正");
    assert_eq!(
        deadline(&sim, id),
        Deadline::Paused {
            since: d(2026, 11, 4),
            remaining: 4
        }
    );
    // Steps other than the receipt of materials wait.
    assert_eq!(
        step(&mut sim, id, CaseAction::Review),
        Err(Rejection::Case(CaseRejection::Paused(
            banli_core::case::PauseKind::Correction
        )))
    );
    days(&mut sim, 5); // Monday 9th: materials arrive; counting resumes on the 10th.
    step(&mut sim, id, CaseAction::MaterialsReceived).expect("补正 ends");
    // 10, 11, 12, 13: 4 more days.
    assert_eq!(deadline(&sim, id), Deadline::Due(d(2026, 11, 13)));
    // A second one-time notice is refused.
    assert_eq!(
        step(
            &mut sim,
            id,
            CaseAction::RequestCorrection {
                materials: vec!["x".into()]
            }
        ),
        Err(Rejection::Case(CaseRejection::CorrectionAlreadyRequested))
    );
    step(&mut sim, id, CaseAction::Review).expect("审核");
    days(&mut sim, 3); // Thursday 12th.
    step(&mut sim, id, CaseAction::Decide { approved: true }).expect("办结");
    let stepped: Vec<_> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Case(CaseEvent::Stepped {
                status,
                due_on,
                elapsed_days,
                ..
            }) => Some((*status, *due_on, *elapsed_days)),
            _ => None,
        })
        .collect();
    // Decided on the 12th with the 13th due: 1 + 3 = 4 working days used.
    assert_eq!(
        stepped.last(),
        Some(&(CaseStatus::Approved, Some(d(2026, 11, 13)), 4))
    );
}

#[test]
fn warnings_turn_yellow_a_working_day_before_and_red_after() {
    // Friday 6 November, 2 working days: due Tuesday 10th.
    let mut sim = sim_on(d(2026, 11, 6));
    let id = accept(&mut sim, MatterKind::Committed, 2);
    let state = |sim: &Sim| {
        let today = sim.engine.local_date(sim.now);
        sim.engine
            .case(id)
            .expect("open")
            .due(&sim.engine.config().calendar, today)
            .expect("due")
            .state
    };
    assert_eq!(state(&sim), Some(DueState::OnTrack));
    days(&mut sim, 1); // Saturday: Monday is the last day before.
    assert_eq!(state(&sim), Some(DueState::OnTrack));
    days(&mut sim, 2); // Monday 9th: due the next working day.
    assert_eq!(state(&sim), Some(DueState::DueSoon));
    assert_eq!(
        state(&sim).and_then(DueState::warning),
        Some(banli_core::calendar::Warning::Yellow)
    );
    days(&mut sim, 1);
    assert_eq!(state(&sim), Some(DueState::DueToday));
    days(&mut sim, 1);
    assert_eq!(state(&sim), Some(DueState::Overdue));
    assert_eq!(
        state(&sim).and_then(DueState::warning),
        Some(banli_core::calendar::Warning::Red)
    );
    // Decided: no warning any more.
    step(&mut sim, id, CaseAction::Undertake).expect("承办");
    step(&mut sim, id, CaseAction::Review).expect("审核");
    step(&mut sim, id, CaseAction::Decide { approved: false }).expect("办结");
    assert_eq!(state(&sim), None);
}

#[test]
fn steps_out_of_order_and_on_closed_cases_are_refused_and_change_nothing() {
    let mut sim = sim_on(d(2026, 11, 2));
    let id = accept(&mut sim, MatterKind::Committed, 5);
    let before = sim.engine.state().clone();
    let n = sim.events.len();
    for action in [
        CaseAction::Review,
        CaseAction::Decide { approved: true },
        CaseAction::PickUp,
        CaseAction::MaterialsReceived,
        CaseAction::EndSpecial,
        CaseAction::RequestCorrection { materials: vec![] },
        CaseAction::Refuse { reason: " ".into() },
        CaseAction::StartSpecial {
            procedure: "听证".into(),
            limit_days: 0,
        },
    ] {
        assert!(step(&mut sim, id, action.clone()).is_err(), "{action:?}");
    }
    assert!(step(&mut sim, 999, CaseAction::Undertake).is_err());
    assert_eq!(sim.engine.state(), &before);
    assert_eq!(sim.events.len(), n);

    step(&mut sim, id, CaseAction::Undertake).expect("承办");
    step(&mut sim, id, CaseAction::Review).expect("审核");
    step(&mut sim, id, CaseAction::Decide { approved: true }).expect("办结");
    // A deadline on a closed case: no special procedure, no 补正.
    let closed = step(
        &mut sim,
        id,
        CaseAction::StartSpecial {
            procedure: "专家评审".into(),
            limit_days: 10,
        },
    );
    assert_eq!(
        closed.map_err(|r| r.code()),
        Err("case_closed"),
        "special procedure after 办结"
    );
    step(&mut sim, id, CaseAction::PickUp).expect("取件");
    assert!(
        sim.engine.case(id).is_none(),
        "a picked-up case leaves memory"
    );
    assert_eq!(
        step(&mut sim, id, CaseAction::Undertake).map_err(|r| r.code()),
        Err("unknown_case")
    );
}

#[test]
fn an_on_the_spot_case_is_decided_in_the_same_visit_a_committed_one_is_not() {
    let mut sim = sim_on(d(2026, 11, 2));
    let spot = accept(&mut sim, MatterKind::OnTheSpot, 0);
    assert_eq!(deadline(&sim, spot), Deadline::Due(d(2026, 11, 2)));
    step(&mut sim, spot, CaseAction::Decide { approved: true }).expect("即办");
    let promised = accept(&mut sim, MatterKind::Committed, 5);
    assert_eq!(
        step(&mut sim, promised, CaseAction::Decide { approved: true }).map_err(|r| r.code()),
        Err("stage_out_of_order")
    );
    // 不予受理 with a reason, and 撤回.
    step(
        &mut sim,
        promised,
        CaseAction::Refuse {
            reason: "不属于本部门职权范围".into(),
        },
    )
    .expect("不予受理");
    assert!(sim.engine.case(promised).is_none());
}

#[test]
fn acceptance_needs_a_served_ticket_and_a_retry_returns_the_same_case() {
    let mut sim = sim_on(d(2026, 11, 2));
    let cmd = |key: &str, name: &str| {
        Command::Case(Box::new(CaseCommand::Accept {
            counter_id: CounterId(1),
            matter: matter(MatterKind::Committed, 5),
            applicant: applicant(name),
            password: "654321".into(),
            idempotency_key: Some(key.into()),
            actor: "staff1".into(),
        }))
    };
    assert_eq!(
        sim.cmd(cmd("k1", "李四")).map_err(|r| r.code()),
        Err("no_current_ticket")
    );
    sim.issue("biz");
    sim.call(1);
    let first = sim.cmd(cmd("k1", "李四")).expect("accepted");
    let again = sim.cmd(cmd("k1", "李四")).expect("replayed");
    let (
        Outcome::Case { case_id: a, .. },
        Outcome::Case {
            case_id: b,
            replayed,
        },
    ) = (first, again)
    else {
        panic!("case outcomes");
    };
    assert_eq!((a, replayed), (b, true));
    assert_eq!(sim.engine.open_cases().count(), 1);
    assert_eq!(
        sim.cmd(cmd("k1", "王五")).map_err(|r| r.code()),
        Err("idempotency_conflict")
    );
    assert_eq!(
        sim.cmd(cmd("k2", "")).map_err(|r| r.code()),
        Err("invalid_case_field")
    );
}

#[test]
fn case_numbers_run_per_day_and_survive_replay() {
    let mut sim = sim_on(d(2026, 11, 2));
    let a = accept(&mut sim, MatterKind::Committed, 5);
    let b = accept(&mut sim, MatterKind::Committed, 5);
    days(&mut sim, 1);
    let c = accept(&mut sim, MatterKind::Committed, 5);
    let no = |sim: &Sim, id| sim.engine.case(id).expect("open").case_no.clone();
    assert_eq!(no(&sim, a), "000000202611020001");
    assert_eq!(no(&sim, b), "000000202611020002");
    assert_eq!(no(&sim, c), "000000202611030001");

    let mut replayed = Engine::genesis();
    for e in &sim.events {
        replayed.replay(e).expect("replays");
    }
    assert_eq!(replayed.state(), sim.engine.state());
    // The snapshot form reads back too.
    let json = serde_json::to_string(sim.engine.state()).expect("serialises");
    let back: banli_core::engine::EngineState = serde_json::from_str(&json).expect("reads");
    assert_eq!(&back, sim.engine.state());
}

// ----- Properties ---------------------------------------------------------

fn any_action() -> impl Strategy<Value = CaseAction> {
    prop_oneof![
        Just(CaseAction::Undertake),
        Just(CaseAction::Review),
        any::<bool>().prop_map(|approved| CaseAction::Decide { approved }),
        Just(CaseAction::PickUp),
        prop::collection::vec("[a-c]{0,2}", 0..3)
            .prop_map(|materials| CaseAction::RequestCorrection { materials }),
        Just(CaseAction::MaterialsReceived),
        (0u32..5).prop_map(|limit_days| CaseAction::StartSpecial {
            procedure: "检验检测".into(),
            limit_days
        }),
        Just(CaseAction::EndSpecial),
        "[a-c ]{0,2}".prop_map(|reason| CaseAction::Refuse { reason }),
        Just(CaseAction::Withdraw),
    ]
}

fn rank(s: Stage) -> u8 {
    match s {
        Stage::Accepted => 0,
        Stage::Undertaking => 1,
        Stage::Reviewing => 2,
        Stage::Approved | Stage::Disapproved => 3,
        Stage::PickedUp | Stage::NotAccepted | Stage::Withdrawn => 4,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever clerks try, in whatever order and on whatever days:
    /// stages only move forward, refusals change nothing, at most one 补正
    /// and one open pause, the deadline falls on a working day and pauses
    /// only ever push it later, and replaying the journal rebuilds the
    /// same state.
    #[test]
    fn random_steps_keep_the_case_rules(
        start in 0i64..330,
        committed in 1u32..25,
        spot in any::<bool>(),
        plan in prop::collection::vec((any_action(), 0i64..4), 1..25),
    ) {
        let first = d(2026, 1, 1) + SignedDuration::from_hours(24 * start);
        let mut sim = sim_on(first);
        let kind = if spot { MatterKind::OnTheSpot } else { MatterKind::Committed };
        let id = accept(&mut sim, kind, if spot { 0 } else { committed });
        let calendar = sim.engine.config().calendar.clone();
        let unpaused = sim.engine.case(id).expect("open").deadline(&calendar).expect("due");
        let mut last_rank = 0;
        for (action, wait) in plan {
            days(&mut sim, wait);
            let before = sim.engine.state().clone();
            let n = sim.events.len();
            match step(&mut sim, id, action) {
                Err(_) => {
                    prop_assert_eq!(sim.engine.state(), &before);
                    prop_assert_eq!(sim.events.len(), n);
                }
                Ok(_) => prop_assert_eq!(sim.events.len(), n + 1),
            }
            let Some(case) = sim.engine.case(id) else { break };
            prop_assert!(rank(case.stage) >= last_rank);
            last_rank = rank(case.stage);
            let corrections = case
                .pauses
                .iter()
                .filter(|p| p.kind == banli_core::case::PauseKind::Correction)
                .count();
            prop_assert!(corrections <= 1);
            prop_assert!(case.pauses.iter().filter(|p| p.resumed_on.is_none()).count() <= 1);
            if let (Deadline::Due(now_due), Deadline::Due(plain)) =
                (case.deadline(&calendar).expect("due"), unpaused)
            {
                prop_assert!(now_due >= plain);
                if !spot {
                    prop_assert!(calendar.is_working_day(now_due));
                }
            }
        }
        let mut replayed = Engine::genesis();
        for e in &sim.events {
            replayed.replay(e).expect("replays");
        }
        prop_assert_eq!(replayed.state(), sim.engine.state());
    }

    /// Case numbers are never repeated, however many cases a day brings.
    #[test]
    fn case_numbers_are_unique(per_day in prop::collection::vec(1usize..5, 1..5)) {
        let mut sim = sim_on(d(2026, 11, 2));
        let mut seen = std::collections::HashSet::new();
        for n in per_day {
            for _ in 0..n {
                let id = accept(&mut sim, MatterKind::Committed, 5);
                let no = sim.engine.case(id).expect("open").case_no.clone();
                prop_assert!(seen.insert(no));
            }
            days(&mut sim, 1);
        }
    }
}
