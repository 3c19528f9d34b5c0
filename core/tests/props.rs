//! Property tests of the engine's invariants over random days in the hall:
//! numbers are unique per service and day, every ticket ends in exactly one
//! final state, tickets of one class are called first-in first-out, the
//! priority fairness limit holds, and replaying the journal rebuilds the state.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod util;

use std::collections::{HashMap, HashSet};

use banli_core::config::{ClockTime, Hours, Period, PriorityClass, TransferPosition};
use banli_core::engine::{Command, Engine, Event};
use banli_core::ids::{CounterId, ServiceId, TicketId};
use banli_core::jiff::SignedDuration;
use proptest::prelude::*;
use util::{Sim, hall};

const SERVICES: [&str; 3] = ["biz", "tax", "pass"];

#[derive(Debug, Clone)]
enum Op {
    Issue { svc: usize, priority: bool },
    Call(u32),
    Finish(u32),
    NoShow(u32),
    Recall(u32),
    Transfer { counter: u32, svc: usize, pos: u8 },
    Requeue(usize),
    Cancel(usize),
    Pause(u32),
    Resume(u32),
    Advance(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3usize, prop::bool::weighted(0.3)).prop_map(|(svc, priority)| Op::Issue { svc, priority }),
        4 => (1..=4u32).prop_map(Op::Call),
        2 => (1..=4u32).prop_map(Op::Finish),
        1 => (1..=4u32).prop_map(Op::NoShow),
        1 => (1..=4u32).prop_map(Op::Recall),
        1 => (1..=4u32, 0..3usize, 0..3u8).prop_map(|(counter, svc, pos)| Op::Transfer { counter, svc, pos }),
        1 => (0..64usize).prop_map(Op::Requeue),
        1 => (0..64usize).prop_map(Op::Cancel),
        1 => (1..=4u32).prop_map(Op::Pause),
        1 => (1..=4u32).prop_map(Op::Resume),
        2 => prop_oneof![9 => 0..10i64, 1 => 60..900i64].prop_map(Op::Advance),
    ]
}

fn all_day_hall(burst: u32) -> banli_core::config::HallConfig {
    let mut c = hall();
    c.rules.default_hours = Hours {
        weekdays: vec![1, 2, 3, 4, 5, 6, 7],
        periods: vec![Period {
            open: ClockTime::new(0, 0),
            close: ClockTime::new(23, 59),
        }],
    };
    c.rules.stop_issuing_minutes = 0;
    c.rules.priority_burst = burst;
    c
}

struct Checker {
    burst: u32,
    numbers: HashSet<(String, String)>,
    streak: HashMap<ServiceId, u32>,
    impure: HashSet<TicketId>,
    last_called: HashMap<(String, ServiceId, bool), TicketId>,
    finals: HashMap<TicketId, i32>,
    issued: Vec<TicketId>,
}

impl Checker {
    /// Checks the events one command produced, given which services had
    /// normal tickets waiting just before it.
    fn check(
        &mut self,
        engine: &Engine,
        normal_before: &HashMap<ServiceId, bool>,
        events: &[Event],
    ) {
        for e in events {
            match e {
                Event::TicketIssued { ticket, .. } => {
                    let key = (ticket.business_day.to_string(), ticket.number.to_string());
                    assert!(
                        self.numbers.insert(key),
                        "number {} issued twice on one day",
                        ticket.number
                    );
                    self.issued.push(ticket.id);
                    self.finals.insert(ticket.id, 0);
                }
                Event::TicketCalled { ticket_id, .. } => {
                    let t = engine.ticket(*ticket_id).expect("called ticket is today's");
                    let streak = self.streak.entry(t.service_id.clone()).or_default();
                    if t.class.is_priority() && normal_before[&t.service_id] {
                        *streak += 1;
                        assert!(
                            *streak <= self.burst,
                            "{streak} priority calls in a row while normal tickets waited"
                        );
                    } else {
                        *streak = 0;
                    }
                    if !self.impure.contains(ticket_id) {
                        let lane = (
                            t.business_day.to_string(),
                            t.service_id.clone(),
                            t.class.is_priority(),
                        );
                        if let Some(prev) = self.last_called.insert(lane, *ticket_id) {
                            assert!(
                                prev < *ticket_id,
                                "FIFO broken: {prev:?} called before {ticket_id:?}"
                            );
                        }
                    }
                }
                Event::TicketTransferred { ticket_id, .. } => {
                    self.impure.insert(*ticket_id);
                }
                Event::TicketRequeued { ticket_id, .. } => {
                    self.impure.insert(*ticket_id);
                    *self.finals.entry(*ticket_id).or_default() -= 1;
                }
                Event::TicketFinished { ticket_id, .. }
                | Event::TicketNoShow { ticket_id, .. }
                | Event::TicketCancelled { ticket_id, .. } => {
                    *self.finals.entry(*ticket_id).or_default() += 1;
                }
                Event::DayRolled { expired, .. } => {
                    for id in expired {
                        *self.finals.entry(*id).or_default() += 1;
                    }
                    self.streak.clear();
                }
                _ => {}
            }
        }
    }
}

fn normal_waiting(engine: &Engine) -> HashMap<ServiceId, bool> {
    SERVICES
        .iter()
        .map(|s| {
            let id = ServiceId::from(*s);
            let has = engine.queue(&id).is_some_and(|q| !q.normal.is_empty());
            (id, has)
        })
        .collect()
}

fn run(ops: Vec<Op>, burst: u32) {
    let mut sim = Sim::new(all_day_hall(burst));
    let mut ck = Checker {
        burst,
        numbers: HashSet::new(),
        streak: HashMap::new(),
        impure: HashSet::new(),
        last_called: HashMap::new(),
        finals: HashMap::new(),
        issued: Vec::new(),
    };
    let start = sim.events.len();
    ck.check(
        &sim.engine,
        &normal_waiting(&sim.engine),
        &sim.events[..start],
    );
    for op in ops {
        let before = normal_waiting(&sim.engine);
        let n = sim.events.len();
        let actor = "staff".to_owned();
        let pick = |ck: &Checker, i: usize| ck.issued.get(i % ck.issued.len().max(1)).copied();
        let cmd = match op {
            Op::Issue { svc, priority } => {
                let prio = (priority && svc == 0).then_some(PriorityClass::Elderly);
                sim.try_issue(SERVICES[svc], prio).ok();
                None
            }
            Op::Call(c) => Some(Command::CallNext {
                counter_id: CounterId(c),
                actor,
            }),
            Op::Finish(c) => Some(Command::Finish {
                counter_id: CounterId(c),
                ticket_id: None,
                actor,
            }),
            Op::NoShow(c) => Some(Command::NoShow {
                counter_id: CounterId(c),
                ticket_id: None,
                actor,
            }),
            Op::Recall(c) => Some(Command::Recall {
                counter_id: CounterId(c),
                ticket_id: None,
                actor,
            }),
            Op::Transfer { counter, svc, pos } => Some(Command::Transfer {
                counter_id: CounterId(counter),
                ticket_id: None,
                to_service: SERVICES[svc].into(),
                position: Some(
                    [
                        TransferPosition::Front,
                        TransferPosition::ByIssueTime,
                        TransferPosition::Back,
                    ][pos as usize],
                ),
                actor,
            }),
            Op::Requeue(i) => pick(&ck, i).map(|ticket_id| Command::Requeue { ticket_id, actor }),
            Op::Cancel(i) => pick(&ck, i).map(|ticket_id| Command::Cancel { ticket_id, actor }),
            Op::Pause(c) => Some(Command::Pause {
                counter_id: CounterId(c),
                reason: "break".into(),
                actor,
            }),
            Op::Resume(c) => Some(Command::Resume {
                counter_id: CounterId(c),
                actor,
            }),
            Op::Advance(m) => {
                sim.mins(m);
                None
            }
        };
        if let Some(cmd) = cmd {
            // Rejections are fine: random operations are often not allowed.
            let _ = sim.cmd(cmd);
        }
        let new = sim.events[n..].to_vec();
        ck.check(&sim.engine, &before, &new);
    }
    // Close the day: everything still open expires.
    let n = sim.events.len();
    sim.advance(SignedDuration::from_hours(25));
    let new = sim.events[n..].to_vec();
    ck.check(&sim.engine, &normal_waiting(&sim.engine), &new);
    for id in &ck.issued {
        assert_eq!(
            ck.finals[id], 1,
            "ticket {id:?} must end in exactly one final state"
        );
    }
    let mut replayed = Engine::genesis();
    for e in &sim.events {
        replayed.replay(e).expect("the journal replays");
    }
    assert_eq!(
        replayed.state(),
        sim.engine.state(),
        "replay rebuilds the same state"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_over_random_days(ops in prop::collection::vec(op(), 1..300), burst in 1..4u32) {
        run(ops, burst);
    }
}
