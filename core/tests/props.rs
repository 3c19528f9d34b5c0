//! Property tests of the engine's invariants over random days in the hall,
//! with the administrators' changes in the middle of them (remove, re-add,
//! rename a service, change its prefix, lower its first number, replace the
//! whole configuration), day roll-overs and restarts (from a JSON snapshot,
//! as the server does). After every step: numbers are unique per business
//! day, every ticket ends in exactly one final state, tickets of one class
//! are called first-in first-out, the priority fairness limit holds; at the
//! end, replaying the journal rebuilds exactly the same state.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod util;

use std::collections::{HashMap, HashSet};

use banli_core::config::{
    ClockTime, HallConfig, Hours, Period, PriorityClass, Service, TransferPosition,
};
use banli_core::engine::{Command, Engine, Event};
use banli_core::ids::{CounterId, ServiceId, TicketId};
use banli_core::jiff::SignedDuration;
use proptest::prelude::*;
use util::{Sim, hall};

const SERVICES: [&str; 3] = ["biz", "tax", "pass"];

#[derive(Debug, Clone)]
enum Op {
    Issue {
        svc: usize,
        priority: bool,
    },
    Call(u32),
    Finish(u32),
    NoShow(u32),
    Recall(u32),
    Transfer {
        counter: u32,
        svc: usize,
        pos: u8,
    },
    Requeue(usize),
    Cancel(usize),
    Pause(u32),
    Resume(u32),
    Advance(i64),
    /// Remove a service (and its place on every counter).
    RemoveService(usize),
    /// Put a removed service back as it was configured in the morning.
    ReAddService(usize),
    /// Give a service another id (remove and add under the new id).
    RenameService(usize),
    /// Change a service's prefix to one of a few letters.
    ChangePrefix {
        svc: usize,
        prefix: usize,
    },
    /// Lower (or raise) a service's first number.
    FirstNumber {
        svc: usize,
        first: u32,
    },
    /// Replace the whole configuration with the morning's.
    ReplaceWithMorning,
    /// Stop the server and start it again from a snapshot of the state.
    Restart,
    /// Jump to the same time tomorrow (the day rolls over).
    NextDay,
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
        1 => (0..3usize).prop_map(Op::RemoveService),
        1 => (0..3usize).prop_map(Op::ReAddService),
        1 => (0..3usize).prop_map(Op::RenameService),
        1 => (0..3usize, 0..5usize).prop_map(|(svc, prefix)| Op::ChangePrefix { svc, prefix }),
        1 => (0..3usize, prop_oneof![Just(0u32), Just(1), Just(2), Just(5)]).prop_map(|(svc, first)| Op::FirstNumber { svc, first }),
        1 => Just(Op::ReplaceWithMorning),
        1 => Just(Op::Restart),
        1 => Just(Op::NextDay),
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
    engine
        .state()
        .queues
        .iter()
        .map(|(id, q)| (id.clone(), !q.normal.is_empty()))
        .collect()
}

/// The configuration with `svc` added, placed on the counters that served
/// `morning_id` in the morning (or replacing the service of the same id).
fn with(config: &HallConfig, morning: &HallConfig, morning_id: &str, svc: Service) -> HallConfig {
    let mut c = config.clone();
    c.services.retain(|s| s.id != svc.id);
    for m in &morning.counters {
        if !m.services.iter().any(|s| s.service.as_str() == morning_id) {
            continue;
        }
        let place = banli_core::config::CounterService {
            service: svc.id.clone(),
            weight: 1,
        };
        match c.counters.iter_mut().find(|x| x.id == m.id) {
            Some(x) if !x.services.iter().any(|s| s.service == svc.id) => x.services.push(place),
            Some(_) => {}
            None => {
                let mut x = m.clone();
                x.services = vec![place];
                c.counters.push(x);
                c.counters.sort_by_key(|x| x.id);
            }
        }
    }
    c.services.push(svc);
    c
}

fn run(ops: Vec<Op>, burst: u32) {
    let morning = all_day_hall(burst);
    let mut sim = Sim::new(morning.clone());
    // The current id of each of the morning's three services (renames
    // toggle a suffix).
    let mut ids: Vec<String> = SERVICES.iter().map(|s| (*s).to_owned()).collect();
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
                sim.try_issue(&ids[svc], prio).ok();
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
                to_service: ids[svc].as_str().into(),
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
            Op::RemoveService(i) => Some(Command::ReplaceConfig {
                config: Box::new(util::without(sim.engine.config(), &ids[i])),
                actor,
            }),
            Op::ReAddService(i) => {
                let mut svc = morning.services[i].clone();
                svc.id = ids[i].as_str().into();
                let c = with(sim.engine.config(), &morning, SERVICES[i], svc);
                Some(Command::ReplaceConfig {
                    config: Box::new(c),
                    actor,
                })
            }
            Op::RenameService(i) => {
                let old: ServiceId = ids[i].as_str().into();
                let new_id = if ids[i].ends_with("_r") {
                    SERVICES[i].to_owned()
                } else {
                    format!("{}_r", SERVICES[i])
                };
                let mut svc = sim
                    .engine
                    .config()
                    .service(&old)
                    .cloned()
                    .unwrap_or_else(|| morning.services[i].clone());
                svc.id = new_id.as_str().into();
                let c = with(
                    &util::without(sim.engine.config(), old.as_str()),
                    &morning,
                    SERVICES[i],
                    svc,
                );
                let r = sim.cmd(Command::ReplaceConfig {
                    config: Box::new(c),
                    actor,
                });
                if r.is_ok() {
                    ids[i] = new_id;
                }
                None
            }
            Op::ChangePrefix { svc, prefix } => sim
                .engine
                .config()
                .service(&ids[svc].as_str().into())
                .cloned()
                .map(|mut s| {
                    s.prefix = ["A", "B", "C", "D", "E"][prefix].into();
                    Command::UpsertService { service: s, actor }
                }),
            Op::FirstNumber { svc, first } => sim
                .engine
                .config()
                .service(&ids[svc].as_str().into())
                .cloned()
                .map(|mut s| {
                    s.first_number = first;
                    Command::UpsertService { service: s, actor }
                }),
            Op::ReplaceWithMorning => {
                let r = sim.cmd(Command::ReplaceConfig {
                    config: Box::new(morning.clone()),
                    actor,
                });
                if r.is_ok() {
                    ids = SERVICES.iter().map(|s| (*s).to_owned()).collect();
                }
                None
            }
            Op::Restart => {
                let json = serde_json::to_string(sim.engine.state()).expect("state serializes");
                let state = serde_json::from_str(&json).expect("snapshot loads");
                let restarted = Engine::from_state(state);
                assert_eq!(
                    restarted.state(),
                    sim.engine.state(),
                    "a restart loses nothing"
                );
                sim.engine = restarted;
                None
            }
            Op::NextDay => {
                sim.advance(SignedDuration::from_hours(24));
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
