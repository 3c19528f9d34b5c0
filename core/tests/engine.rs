//! Engine stories: a hall's day told step by step with a simulated clock.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod util;

use banli_core::config::{Policy, PriorityClass, TransferPosition};
use banli_core::engine::{Command, Engine, Event, Outcome, Rejection, TicketClass, TicketStatus};
use banli_core::ids::{CounterId, TicketId};
use banli_core::jiff::{SignedDuration, Timestamp};
use banli_core::wire::ClosedReason;
use util::{Sim, hall, tuesday_9am};

fn calls(sim: &mut Sim, counter: u32, n: usize) -> Vec<String> {
    (0..n).filter_map(|_| sim.call(counter)).collect()
}

#[test]
fn lifecycle_issue_call_recall_finish() {
    let mut sim = Sim::new(hall());
    let a1 = sim.issue("biz");
    let a2 = sim.issue("biz");
    let b1 = sim.issue("tax");
    assert_eq!(sim.number(a1), "A001");
    assert_eq!(sim.number(a2), "A002");
    assert_eq!(sim.number(b1), "B001");

    // Ticket view: A002 has one person ahead.
    let v = sim.engine.ticket_view(a2, sim.now).expect("view");
    assert_eq!(v.ahead, 1);
    assert_eq!(v.status, TicketStatus::Waiting);

    sim.mins(2);
    assert_eq!(sim.call(1).as_deref(), Some("A001"));
    let v = sim.engine.ticket_view(a1, sim.now).expect("view");
    assert_eq!(v.status, TicketStatus::Called);
    assert_eq!(v.counter_id, Some(CounterId(1)));
    assert_eq!(sim.engine.ticket_view(a2, sim.now).expect("view").ahead, 0);

    // Recall twice (the limit), then a third is refused.
    for n in 1..=2 {
        sim.cmd(Command::Recall {
            counter_id: CounterId(1),
            ticket_id: Some(a1),
            actor: "s".into(),
        })
        .expect("recall");
        assert!(
            matches!(sim.events.last(), Some(Event::TicketRecalled { recalls, .. }) if *recalls == n)
        );
    }
    let r = sim.cmd(Command::Recall {
        counter_id: CounterId(1),
        ticket_id: None,
        actor: "s".into(),
    });
    assert_eq!(r, Err(Rejection::RecallLimit(2)));

    // A stale screen naming another ticket is refused.
    let r = sim.cmd(Command::Finish {
        counter_id: CounterId(1),
        ticket_id: Some(a2),
        actor: "s".into(),
    });
    assert!(matches!(r, Err(Rejection::TicketMismatch { .. })));

    sim.mins(5);
    sim.finish(1).expect("finish");
    assert!(
        matches!(sim.events.last(), Some(Event::TicketFinished { ticket_id, number, .. }) if *ticket_id == a1 && number == "A001")
    );
    assert!(
        sim.engine.ticket(a1).is_none(),
        "a finished ticket leaves memory"
    );
    assert_eq!(
        sim.engine
            .counter_state(CounterId(1))
            .expect("c")
            .served_today,
        1
    );
    // Nothing to finish now.
    assert_eq!(sim.finish(1), Err(Rejection::NoCurrentTicket(CounterId(1))));

    // Calling next finishes the current ticket implicitly.
    assert_eq!(sim.call(1).as_deref(), Some("A002"));
    assert_eq!(sim.call(1).as_deref(), Some("B001"));
    assert!(
        sim.events
            .iter()
            .any(|e| matches!(e, Event::TicketFinished { ticket_id, .. } if *ticket_id == a2)),
        "calling next finished A002"
    );
    // Nobody waits: the counter stays open with nothing called.
    assert_eq!(sim.call(1), None);
}

#[test]
fn numbers_restart_at_rollover_and_waiting_tickets_expire() {
    let mut sim = Sim::new(hall());
    let ids: Vec<TicketId> = (0..3).map(|_| sim.issue("biz")).collect();
    sim.call(1);
    // Tuesday 09:00 → Wednesday 03:00 is 18 hours.
    sim.advance(SignedDuration::from_hours(18));
    let rolled: Vec<_> = sim
        .events
        .iter()
        .filter_map(|e| {
            if let Event::DayRolled { expired, .. } = e {
                Some(expired.clone())
            } else {
                None
            }
        })
        .collect();
    // The first roll opened Tuesday, the second Wednesday.
    assert_eq!(
        rolled,
        vec![vec![], ids.clone()],
        "all three (one called, two waiting) expire"
    );
    assert_eq!(sim.engine.day().expect("day").to_string(), "2026-11-25");
    assert!(
        sim.engine
            .queue(&"biz".into())
            .expect("q")
            .priority
            .is_empty()
    );

    sim.advance(SignedDuration::from_hours(6)); // 09:00 Wednesday
    let t = sim.issue("biz");
    assert_eq!(sim.number(t), "A001", "numbers restart each business day");
    assert!(t > ids[2], "ticket ids are never reused");
}

#[test]
fn a_command_after_a_missed_rollover_rolls_first() {
    let mut sim = Sim::new(hall());
    sim.issue("biz");
    // The server was down overnight: no timeout fired. The next command is
    // at 09:00 Wednesday and must not issue A002 of Tuesday.
    sim.now += SignedDuration::from_hours(24);
    let t = sim.issue("biz");
    assert_eq!(sim.number(t), "A001");
    assert_eq!(
        sim.engine.ticket(t).expect("t").business_day.to_string(),
        "2026-11-25"
    );
}

#[test]
fn priority_goes_first_but_at_most_burst_in_a_row() {
    let mut sim = Sim::new(hall()); // priority_burst = 2
    for _ in 0..3 {
        sim.issue("biz");
    }
    for _ in 0..5 {
        sim.issue_priority("biz");
    }
    let order = calls(&mut sim, 1, 8);
    // Normal A001-A003, priority A004-A008.
    assert_eq!(
        order,
        [
            "A004", "A005", "A001", "A006", "A007", "A002", "A008", "A003"
        ]
    );
}

#[test]
fn priority_class_must_be_allowed_by_the_service() {
    let mut sim = Sim::new(hall());
    assert_eq!(
        sim.try_issue("tax", Some(PriorityClass::Elderly)),
        Err(Rejection::PriorityNotAllowed)
    );
    assert_eq!(
        sim.try_issue("biz", Some(PriorityClass::Military)),
        Err(Rejection::PriorityNotAllowed)
    );
    let t = sim
        .try_issue("biz", Some(PriorityClass::Disabled))
        .expect("allowed");
    assert_eq!(sim.class(t), TicketClass::Disabled);
}

#[test]
fn ordered_counter_takes_its_first_nonempty_service() {
    let mut sim = Sim::new(hall());
    sim.issue("tax");
    sim.issue("biz");
    sim.issue("tax");
    assert_eq!(calls(&mut sim, 1, 3), ["A001", "B001", "B002"]);
}

#[test]
fn weighted_counter_shares_calls_by_weight_smoothly() {
    let mut sim = Sim::new(hall());
    for _ in 0..20 {
        sim.issue("biz");
        sim.issue("tax");
    }
    let order = calls(&mut sim, 2, 8);
    // Smooth weighted round-robin, ties to the earlier service in the
    // counter's list: exactly this order.
    let kinds: String = order.iter().filter_map(|n| n.chars().next()).collect();
    assert_eq!(kinds, "AABAAABA", "{order:?}");
    let a = order.iter().filter(|n| n.starts_with('A')).count();
    assert_eq!(a, 6, "weights 3:1 give six A in eight calls: {order:?}");
    // Smooth round-robin never gives B twice in a row at 3:1.
    assert!(
        order
            .windows(2)
            .all(|w| !(w[0].starts_with('B') && w[1].starts_with('B'))),
        "{order:?}"
    );
    // An empty service is skipped without losing the other's turn.
    let mut sim = Sim::new(hall());
    for _ in 0..3 {
        sim.issue("tax");
    }
    assert_eq!(calls(&mut sim, 2, 3), ["B001", "B002", "B003"]);
}

#[test]
fn oldest_first_counter_takes_the_longest_waiting() {
    let mut sim = Sim::new(hall());
    sim.issue("tax");
    sim.mins(1);
    sim.issue("pass");
    sim.mins(1);
    sim.issue("biz");
    assert_eq!(calls(&mut sim, 3, 3), ["B001", "C001", "A001"]);
}

#[test]
fn appointment_in_window_is_priority_outside_is_normal() {
    let mut sim = Sim::new(hall());
    let slot: Timestamp = "2026-11-24T10:00:00+08:00".parse().expect("ts");
    for code in ["P100", "P200"] {
        sim.cmd(Command::BookAppointment {
            code: code.into(),
            service_id: "pass".into(),
            slot,
            actor: "admin".into(),
        })
        .expect("book");
    }
    let issue = |sim: &mut Sim, code: &str| {
        sim.cmd(Command::IssueTicket {
            service_id: "pass".into(),
            priority: None,
            appointment_code: Some(code.into()),
            idempotency_key: None,
            query_code: "000000".into(),
            actor: "kiosk".into(),
        })
    };
    // 09:00 is an hour early: normal.
    let Ok(Outcome::Issued {
        ticket_id: early, ..
    }) = issue(&mut sim, "P100")
    else {
        panic!("issue")
    };
    assert_eq!(sim.class(early), TicketClass::Normal);
    assert_eq!(issue(&mut sim, "P100"), Err(Rejection::AppointmentUsed));
    assert_eq!(issue(&mut sim, "NOPE"), Err(Rejection::UnknownAppointment));
    // 09:40 is within 30 minutes before: priority.
    sim.mins(40);
    let Ok(Outcome::Issued {
        ticket_id: on_time, ..
    }) = issue(&mut sim, "P200")
    else {
        panic!("issue")
    };
    assert_eq!(sim.class(on_time), TicketClass::Appointment);
    assert_eq!(
        sim.call(4).as_deref(),
        Some("C002"),
        "the appointment goes first"
    );
}

#[test]
fn no_show_can_be_requeued_once_behind_requeue_after() {
    let mut sim = Sim::new(hall()); // requeue_after = 3
    let a1 = sim.issue("biz");
    for _ in 0..5 {
        sim.issue("biz");
    }
    sim.call(1);
    sim.cmd(Command::NoShow {
        counter_id: CounterId(1),
        ticket_id: Some(a1),
        actor: "s".into(),
    })
    .expect("no-show");
    assert_eq!(
        sim.engine.ticket(a1).expect("t").status,
        TicketStatus::NoShow
    );
    sim.mins(10);
    sim.cmd(Command::Requeue {
        ticket_id: a1,
        actor: "kiosk".into(),
    })
    .expect("requeue");
    assert_eq!(sim.engine.ticket_view(a1, sim.now).expect("v").ahead, 3);
    assert_eq!(
        calls(&mut sim, 1, 5),
        ["A002", "A003", "A004", "A001", "A005"]
    );
    sim.cmd(Command::NoShow {
        counter_id: CounterId(1),
        ticket_id: None,
        actor: "s".into(),
    })
    .expect("no-show");
    // A001 was served after its re-queue and left memory: refused.
    assert_eq!(
        sim.cmd(Command::Requeue {
            ticket_id: a1,
            actor: "k".into()
        }),
        Err(Rejection::UnknownTicket(a1))
    );
}

#[test]
fn requeue_is_refused_after_the_window_or_twice() {
    let mut sim = Sim::new(hall());
    let a1 = sim.issue("biz");
    sim.call(1);
    sim.cmd(Command::NoShow {
        counter_id: CounterId(1),
        ticket_id: None,
        actor: "s".into(),
    })
    .expect("ok");
    sim.mins(61);
    assert_eq!(
        sim.cmd(Command::Requeue {
            ticket_id: a1,
            actor: "k".into()
        }),
        Err(Rejection::RequeueWindowPassed(60))
    );
    // Exactly at the end of the window it is still allowed.
    let edge = sim.issue("biz");
    sim.call(1);
    sim.cmd(Command::NoShow {
        counter_id: CounterId(1),
        ticket_id: None,
        actor: "s".into(),
    })
    .expect("ok");
    sim.mins(60);
    sim.cmd(Command::Requeue {
        ticket_id: edge,
        actor: "k".into(),
    })
    .expect("re-queued on the last minute of the window");
    sim.call(1);
    sim.finish(1).expect("served");

    let a2 = sim.issue("biz");
    sim.call(1);
    sim.cmd(Command::NoShow {
        counter_id: CounterId(1),
        ticket_id: None,
        actor: "s".into(),
    })
    .expect("ok");
    sim.cmd(Command::Requeue {
        ticket_id: a2,
        actor: "k".into(),
    })
    .expect("first requeue");
    sim.call(1);
    sim.cmd(Command::NoShow {
        counter_id: CounterId(1),
        ticket_id: None,
        actor: "s".into(),
    })
    .expect("ok");
    assert_eq!(
        sim.cmd(Command::Requeue {
            ticket_id: a2,
            actor: "k".into()
        }),
        Err(Rejection::AlreadyRequeued)
    );
}

#[test]
fn transfer_keeps_the_number_and_follows_the_position_rule() {
    for (position, expected) in [
        (TransferPosition::Front, ["A001", "B001", "B002", "B003"]),
        (
            TransferPosition::ByIssueTime,
            ["B001", "A001", "B002", "B003"],
        ),
        (TransferPosition::Back, ["B001", "B002", "B003", "A001"]),
    ] {
        let mut sim = Sim::new(hall());
        sim.issue("tax"); // B001 at 09:00
        sim.mins(1);
        let a1 = sim.issue("biz"); // A001 at 09:01
        sim.mins(1);
        sim.issue("tax"); // B002 at 09:02
        sim.issue("tax"); // B003
        assert_eq!(sim.call(1).as_deref(), Some("A001"));
        sim.cmd(Command::Transfer {
            counter_id: CounterId(1),
            ticket_id: Some(a1),
            to_service: "tax".into(),
            position: Some(position),
            actor: "s".into(),
        })
        .expect("transfer");
        assert_eq!(sim.service_of(a1).as_str(), "tax");
        assert_eq!(sim.number(a1), "A001", "a transfer keeps the number");
        assert!(
            sim.engine
                .counter_state(CounterId(1))
                .expect("c")
                .current
                .is_none()
        );
        // Counter 1 serves biz first, which is now empty: all from tax.
        assert_eq!(calls(&mut sim, 1, 4), expected, "{position:?}");
    }
}

#[test]
fn transfer_to_the_same_service_is_refused() {
    let mut sim = Sim::new(hall());
    sim.issue("biz");
    sim.call(1);
    let r = sim.cmd(Command::Transfer {
        counter_id: CounterId(1),
        ticket_id: None,
        to_service: "biz".into(),
        position: None,
        actor: "s".into(),
    });
    assert_eq!(r, Err(Rejection::SameService));
}

#[test]
fn opening_hours_quota_and_stop_before_closing() {
    let mut c = hall();
    c.services[1].daily_quota = Some(2);
    let early: Timestamp = "2026-11-24T08:00:00+08:00".parse().expect("ts");
    let mut sim = Sim::at(c, early);
    let r = sim.try_issue("biz", None);
    assert!(
        matches!(
            r,
            Err(Rejection::ServiceClosed {
                reason: ClosedReason::OutsideHours,
                ..
            })
        ),
        "{r:?}"
    );
    let view = sim
        .engine
        .service_view(&sim.engine.config().services[0].clone(), sim.now);
    assert!(!view.is_open);
    assert_eq!(
        view.opens_at,
        Some("2026-11-24T08:30:00+08:00".parse().expect("ts"))
    );

    sim.mins(30); // 08:30
    sim.issue("tax");
    sim.issue("tax");
    let r = sim.try_issue("tax", None);
    assert_eq!(r.as_ref().map_err(Rejection::code), Err("quota_reached"));

    // 11:40 is within 30 minutes of the 12:00 close.
    sim.mins(190);
    let r = sim.try_issue("biz", None);
    assert!(
        matches!(
            r,
            Err(Rejection::ServiceClosed {
                reason: ClosedReason::IssuingStopped,
                ..
            })
        ),
        "{r:?}"
    );
    sim.mins(80); // 13:00
    sim.issue("biz");
}

#[test]
fn number_range_runs_out() {
    let mut c = hall();
    c.services[0].first_number = 998;
    let mut sim = Sim::new(c);
    let t = sim.issue("biz");
    assert_eq!(sim.number(t), "A998");
    sim.issue("biz");
    let r = sim.try_issue("biz", None);
    assert_eq!(r.map_err(|e| e.code()), Err("numbers_exhausted"));
}

#[test]
fn idempotency_key_returns_the_same_ticket() {
    let mut sim = Sim::new(hall());
    let req = |svc: &str| Command::IssueTicket {
        service_id: svc.into(),
        priority: None,
        appointment_code: None,
        idempotency_key: Some("tap-1".into()),
        query_code: "123456".into(),
        actor: "kiosk-1".into(),
    };
    let first = sim.cmd(req("biz")).expect("issue");
    let n = sim.events.len();
    let again = sim.cmd(req("biz")).expect("retry");
    let (
        Outcome::Issued {
            ticket_id: a,
            replayed: false,
        },
        Outcome::Issued {
            ticket_id: b,
            replayed: true,
        },
    ) = (first, again)
    else {
        panic!("{first:?} {again:?}")
    };
    assert_eq!(a, b);
    assert_eq!(sim.events.len(), n, "a retry records nothing");
    assert_eq!(sim.cmd(req("tax")), Err(Rejection::IdempotencyConflict));
}

fn keyed(svc: &str, actor: &str, key: &str) -> Command {
    Command::IssueTicket {
        service_id: svc.into(),
        priority: None,
        appointment_code: None,
        idempotency_key: Some(key.into()),
        query_code: "123456".into(),
        actor: actor.into(),
    }
}

fn issued(o: Result<Outcome, Rejection>) -> (TicketId, bool) {
    match o {
        Ok(Outcome::Issued {
            ticket_id,
            replayed,
        }) => (ticket_id, replayed),
        other => panic!("not issued: {other:?}"),
    }
}

#[test]
fn a_retry_key_belongs_to_the_device_that_sent_it() {
    let mut sim = Sim::new(hall());
    let (a, _) = issued(sim.cmd(keyed("biz", "kiosk-1", "0tap")));
    // Another device's same key, and a pair whose text joined together is
    // the same (`kiosk-1` + `0tap`, `kiosk-10` + `tap`), are new tickets.
    let (b, replayed_b) = issued(sim.cmd(keyed("biz", "kiosk-2", "0tap")));
    let (c, replayed_c) = issued(sim.cmd(keyed("biz", "kiosk-10", "tap")));
    assert!(!replayed_b && !replayed_c);
    assert_ne!(a, b);
    assert_ne!(a, c);
    assert_ne!(b, c);
    assert_eq!(issued(sim.cmd(keyed("biz", "kiosk-10", "tap"))), (c, true));
    // A snapshot keeps the keys (as 32 hex digits) and gives them back.
    let json = serde_json::to_string(sim.engine.state()).expect("serialize");
    let back: banli_core::engine::EngineState = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(&back, sim.engine.state());
    assert_eq!(back.idempotency.len(), 3);
}

#[test]
fn a_retry_after_an_upgrade_finds_the_ticket_in_a_snapshot_that_kept_keys_as_text() {
    let mut sim = Sim::new(hall());
    let (first, _) = issued(sim.cmd(keyed("biz", "kiosk-1", "tap-1")));
    issued(sim.cmd(keyed("tax", "kiosk-2", "tap-1")));
    // A snapshot written before keys were digests kept `actor \u{1f} key`.
    let mut json = serde_json::to_value(sim.engine.state()).expect("serialize");
    let Some(keys) = json
        .get_mut("idempotency")
        .and_then(serde_json::Value::as_object_mut)
    else {
        panic!("no idempotency map in {json}")
    };
    let issues: Vec<serde_json::Value> = keys.values().cloned().collect();
    keys.clear();
    for issue in issues {
        let (actor, ticket) = match issue.get("service_id").and_then(|s| s.as_str()) {
            Some("biz") => ("kiosk-1", "tap-1"),
            _ => ("kiosk-2", "tap-1"),
        };
        keys.insert(format!("{actor}\u{1f}{ticket}"), issue);
    }
    let legacy: banli_core::engine::EngineState =
        serde_json::from_value(json.clone()).expect("a snapshot with keys as text loads");
    assert_eq!(&legacy, sim.engine.state(), "the same keys, digested");
    sim.engine = Engine::from_state(legacy);
    assert_eq!(
        issued(sim.cmd(keyed("biz", "kiosk-1", "tap-1"))),
        (first, true)
    );
    assert_eq!(
        sim.cmd(keyed("biz", "kiosk-2", "tap-1")),
        Err(Rejection::IdempotencyConflict)
    );
    // A key that is neither text with a separator nor 32 hex digits is a
    // damaged snapshot, refused rather than read as some other key.
    if let Some(keys) = json
        .get_mut("idempotency")
        .and_then(serde_json::Value::as_object_mut)
    {
        keys.insert(
            "not-a-digest".into(),
            serde_json::json!({"ticket_id": 1, "service_id": "biz"}),
        );
    }
    assert!(serde_json::from_value::<banli_core::engine::EngineState>(json).is_err());
}

#[test]
fn auto_call_on_finish_and_pause_resume_close() {
    let mut c = hall();
    c.counters[0].auto_call = true;
    let mut sim = Sim::new(c);
    sim.issue("biz");
    sim.issue("biz");
    sim.call(1);
    let out = sim.finish(1).expect("finish");
    assert!(
        matches!(out, Outcome::Ticket { next: Some(_), .. }),
        "{out:?}"
    );
    let id = CounterId(1);
    assert_eq!(
        sim.cmd(Command::Close {
            counter_id: id,
            actor: "s".into()
        }),
        Err(Rejection::CounterBusy(id))
    );
    sim.cmd(Command::Pause {
        counter_id: id,
        reason: "午休".into(),
        actor: "s".into(),
    })
    .expect("pause");
    // Finishing while paused does not auto-call.
    sim.issue("biz");
    let out = sim.finish(1).expect("finish");
    assert_eq!(
        out,
        Outcome::Ticket {
            ticket_id: out_ticket(&out),
            next: None
        }
    );
    sim.cmd(Command::Resume {
        counter_id: id,
        actor: "s".into(),
    })
    .expect("resume");
    sim.cmd(Command::Close {
        counter_id: id,
        actor: "s".into(),
    })
    .expect("close");
    let view = sim
        .engine
        .counter_view(&sim.engine.config().counters[0].clone());
    assert_eq!(view.status, banli_core::engine::CounterStatus::Closed);
}

fn out_ticket(o: &Outcome) -> TicketId {
    match o {
        Outcome::Ticket { ticket_id, .. } => *ticket_id,
        _ => panic!("{o:?}"),
    }
}

#[test]
fn cancel_only_waiting_tickets() {
    let mut sim = Sim::new(hall());
    let a1 = sim.issue("biz");
    let a2 = sim.issue("biz");
    sim.cmd(Command::Cancel {
        ticket_id: a2,
        actor: "citizen".into(),
    })
    .expect("cancel");
    assert_eq!(sim.engine.queue(&"biz".into()).expect("q").waiting(), 1);
    sim.call(1);
    assert_eq!(
        sim.cmd(Command::Cancel {
            ticket_id: a1,
            actor: "c".into()
        }),
        Err(Rejection::WrongState {
            status: TicketStatus::Called
        })
    );
    assert_eq!(
        sim.cmd(Command::Cancel {
            ticket_id: TicketId(999),
            actor: "c".into()
        }),
        Err(Rejection::UnknownTicket(TicketId(999)))
    );
}

#[test]
fn config_changes_are_validated_and_guarded() {
    let mut sim = Sim::new(hall());
    sim.issue("tax");
    let r = sim.cmd(Command::RemoveService {
        service_id: "tax".into(),
        actor: "admin".into(),
    });
    assert!(matches!(r, Err(Rejection::ServiceInUse(_))), "{r:?}");
    // Once its tickets are done, the counters that serve it are named.
    let t = sim
        .engine
        .state()
        .tickets
        .keys()
        .copied()
        .next()
        .expect("ticket");
    sim.cmd(Command::Cancel {
        ticket_id: t,
        actor: "k".into(),
    })
    .expect("cancel");
    let serving: Vec<CounterId> = sim
        .engine
        .config()
        .counters
        .iter()
        .filter(|c| c.services.iter().any(|cs| cs.service.as_str() == "tax"))
        .map(|c| c.id)
        .collect();
    assert!(!serving.is_empty());
    let before = sim.engine.config().clone();
    let r = sim.cmd(Command::RemoveService {
        service_id: "tax".into(),
        actor: "admin".into(),
    });
    assert_eq!(
        r,
        Err(Rejection::ServiceServed {
            service: "tax".into(),
            counters: serving,
        })
    );
    assert_eq!(sim.engine.config(), &before, "nothing changed");
    let mut s = sim.engine.config().services[0].clone();
    s.prefix = "B".into();
    let r = sim.cmd(Command::UpsertService {
        service: s,
        actor: "admin".into(),
    });
    let Err(Rejection::InvalidConfig(issues)) = r else {
        panic!("{r:?}")
    };
    assert_eq!(issues[0].field, "services[1].prefix");
    // A new service works at once.
    let mut s = util::service("fund", "F", "tax");
    s.name_zh = "公积金".into();
    sim.cmd(Command::UpsertService {
        service: s,
        actor: "admin".into(),
    })
    .expect("add");
    let t = sim.issue("fund");
    assert_eq!(sim.number(t), "F001");
    assert!(matches!(
        sim.events.iter().rev().nth(1),
        Some(Event::ConfigChanged { .. })
    ));
}

#[test]
fn replaying_the_journal_rebuilds_the_same_state() {
    let mut sim = Sim::new(hall());
    for i in 0..30 {
        sim.issue(["biz", "tax", "pass"][i % 3]);
        if i % 4 == 0 {
            sim.issue_priority("biz");
        }
        sim.mins(1);
        if i % 2 == 0 {
            sim.call((i % 4) as u32 + 1);
        }
    }
    sim.cmd(Command::NoShow {
        counter_id: CounterId(1),
        ticket_id: None,
        actor: "s".into(),
    })
    .ok();
    sim.advance(SignedDuration::from_hours(24));
    sim.issue("biz");
    let mut replayed = Engine::genesis();
    for e in &sim.events {
        replayed.replay(e).expect("replay");
    }
    assert_eq!(replayed.state(), sim.engine.state());
    // And a snapshot round-trips through JSON.
    let json = serde_json::to_string(sim.engine.state()).expect("serialize");
    let back: banli_core::engine::EngineState = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(&back, sim.engine.state());
}

/// The estimate a new normal ticket of `svc` would be shown now, minutes.
fn shown(sim: &Sim, svc: &str) -> u32 {
    sim.engine
        .waiting_count(&svc.into(), sim.now)
        .expect("service")
        .estimated_wait_minutes
}

/// A hall where tax (10 min) is served by counter 1 (ordered: biz, then
/// tax), counter 2 (weighted: biz 3, tax 1) and counter 3 (oldest first:
/// biz, tax, pass).
fn estimating() -> Sim {
    let mut c = hall();
    c.services[0].expected_handle_minutes = Some(10);
    c.services[1].expected_handle_minutes = Some(10);
    Sim::new(c)
}

#[test]
fn estimates_follow_the_people_ahead_and_the_open_counters() {
    let mut sim = estimating();
    for _ in 0..4 {
        sim.issue("tax");
    }
    // Nobody is staffed yet: the three counters configured for tax count,
    // each all for tax (nothing else waits): the fifth in line waits for
    // the fifth turn, 5 × 10 / 3 = 16.7 minutes, shown rounded up.
    assert_eq!(shown(&sim, "tax"), 17);
    // Counter 1 opens by calling the first; only it counts now, and it is
    // busy: the fourth in line waits (3 + 1) × 10.
    sim.call(1);
    let v = sim
        .engine
        .waiting_count(&"tax".into(), sim.now)
        .expect("wc");
    assert_eq!(v.waiting, 3);
    assert_eq!(v.estimated_wait_minutes, 40);
    // Counter 2 opens too, with nobody to call yet (paused then resumed:
    // open and free). A free counter calls the first in line at once, so
    // only the 3 ahead minus that one wait for turns, at two counters.
    sim.cmd(Command::Resume {
        counter_id: CounterId(2),
        actor: "staff2".into(),
    })
    .expect("resume");
    assert_eq!(shown(&sim, "tax"), 15, "(3 − 1 + 1) × 10 / 2");
    // Someone waits at a free counter's own service: none wait now.
    let mut quiet = estimating();
    quiet
        .cmd(Command::Resume {
            counter_id: CounterId(3),
            actor: "staff3".into(),
        })
        .expect("resume");
    assert_eq!(shown(&quiet, "tax"), 0, "a free counter calls at once");
}

#[test]
fn shared_counters_give_each_service_its_part_of_their_time() {
    let mut sim = estimating();
    for n in 1..=3 {
        sim.cmd(Command::Resume {
            counter_id: CounterId(n),
            actor: format!("staff{n}"),
        })
        .expect("resume");
    }
    // Busy counters: each calls someone of biz (nothing else waits).
    for _ in 0..3 {
        sim.issue("biz");
    }
    for n in 1..=3 {
        sim.call(n);
    }
    // With nothing else waiting, each counter is all tax's: 1 × 10 / 3.
    assert_eq!(shown(&sim, "tax"), 4);
    // biz waits now: counter 1 (ordered, biz first) gives tax nothing,
    // counter 2 (weighted 3:1) a quarter, counter 3 (oldest first) its
    // part of the waiting, 1 tax (the new one) of 1 + 2: 1/3.
    sim.issue("biz");
    sim.issue("biz");
    let capacity: f64 = 0.0 + 0.25 + 1.0 / 3.0;
    let expected = (600.0 / capacity / 60.0_f64).ceil() as u32;
    assert_eq!(shown(&sim, "tax"), expected);
    assert_eq!(expected, 18);
    // A counter closed for the day gives nothing: counter 2 and 3 close
    // (after finishing), only counter 1 (behind biz) is left, which the
    // floor of a quarter counter keeps finite: 1 × 10 / 0.25 = 40.
    for n in [2, 3] {
        sim.finish(n).expect("finish");
        sim.cmd(Command::Close {
            counter_id: CounterId(n),
            actor: format!("staff{n}"),
        })
        .expect("close");
    }
    assert_eq!(shown(&sim, "tax"), 40);
}

#[test]
fn a_normal_ticket_is_told_about_the_priority_tickets_that_will_overtake_it() {
    let mut sim = estimating();
    sim.call(1); // nobody waits: counter 1 opens, free
    sim.issue("biz");
    sim.call(1); // busy with biz
    for _ in 0..2 {
        sim.issue("biz");
    }
    // Priority share today: 0 of 3 issued, taken over at least 20.
    let normal = shown(&sim, "biz");
    assert_eq!(normal, 30, "(2 + 1) × 10 / 1");
    for _ in 0..10 {
        sim.issue_priority("biz");
    }
    // 10 of 13 issued were priority, taken over 20: a share of 0.5 (the
    // most it is taken to be), so a normal ticket's wait doubles; a
    // priority ticket is overtaken by nobody.
    let t = sim.issue("biz");
    let ahead = 12.0;
    let view = sim.engine.ticket_view(t, sim.now).expect("view");
    assert_eq!(
        view.estimated_wait_minutes,
        ((ahead + 1.0) * 10.0 / (1.0 - 0.5)) as u32
    );
    let p = sim.issue_priority("biz");
    let view = sim.engine.ticket_view(p, sim.now).expect("view");
    assert_eq!(
        view.estimated_wait_minutes,
        (10 + 1) * 10,
        "10 priority ahead"
    );
}

#[test]
fn a_counter_that_serves_only_this_service_counts_whole_and_one_busy_elsewhere_not_at_all() {
    let mut sim = estimating();
    // Counter 4 serves passports only; counter 3 (shared) is closed.
    sim.issue("pass");
    sim.issue("pass");
    sim.issue("biz");
    sim.call(4);
    // 1 passport ahead at counter 4, busy: (1 + 1) × 6 (the default
    // handle time).
    assert_eq!(shown(&sim, "pass"), 12);
    // A free counter whose first service has someone waiting will call
    // them, not a tax ticket: counter 1 (ordered: biz, then tax) opens
    // free while biz waits; tax still has no counter time but the floor.
    let mut sim = estimating();
    sim.cmd(Command::Resume {
        counter_id: CounterId(1),
        actor: "staff1".into(),
    })
    .expect("resume");
    sim.issue("biz");
    assert_eq!(shown(&sim, "tax"), 40, "1 × 10 / 0.25, not 0");
}

#[test]
fn a_modest_share_of_priority_tickets_lengthens_a_normal_wait_in_proportion() {
    let mut sim = estimating();
    sim.call(1);
    sim.issue("biz");
    sim.call(1);
    for _ in 0..15 {
        sim.issue("biz");
    }
    for _ in 0..4 {
        sim.issue_priority("biz");
    }
    // 4 of 20 issued were priority: a share of 0.2 lengthens a normal
    // wait by 1 / 0.8. 19 ahead of a new normal ticket, one busy counter.
    let expected = ((19.0 + 1.0) * 600.0 / 0.8 / 60.0_f64).ceil() as u32;
    assert_eq!(shown(&sim, "biz"), expected);
    assert_eq!(expected, 250);
}

#[test]
fn a_ticket_waiting_over_lunch_is_told_the_wait_after_the_hall_reopens() {
    // The test hall serves 08:30-12:00 and 13:00-17:30.
    let mut sim = estimating();
    sim.mins(140); // 11:20 (issuing stops at 11:30)
    sim.call(1);
    for _ in 0..2 {
        sim.issue("tax");
    }
    let t = sim.issue("tax");
    // Open now: 2 ahead, and counter 1 is free (it found nobody when it
    // opened), so it takes the first at once: (2 − 1 + 1) × 10.
    let view = sim.engine.ticket_view(t, sim.now).expect("view");
    assert_eq!(view.estimated_wait_minutes, 20);
    // At 12:10 the hall is closed: 50 minutes until it reopens, then the
    // same 20.
    sim.mins(50);
    let view = sim.engine.ticket_view(t, sim.now).expect("view");
    assert_eq!(view.estimated_wait_minutes, 50 + 20);
    // At 12:00 sharp it has closed: an hour until it reopens.
    sim.advance(SignedDuration::from_mins(-10));
    let view = sim.engine.ticket_view(t, sim.now).expect("view");
    assert_eq!(view.estimated_wait_minutes, 60 + 20);
}

#[test]
fn the_counter_policy_is_visible_in_views() {
    let sim = Sim::new(hall());
    let snap = sim.engine.snapshot(7, sim.now);
    assert_eq!(snap.seq, 7);
    assert_eq!(snap.counters[1].policy, Policy::Weighted);
    assert_eq!(snap.services.len(), 3);
    assert_eq!(snap.business_day.to_string(), "2026-11-24");
    assert_eq!(tuesday_9am(), sim.now);
}

/// The story from the field: 税务 is removed once its tickets are done
/// (its counters first) and added back the same afternoon. The next tax
/// ticket continues the day's numbers; it is never B001 again.
#[test]
fn a_service_removed_and_re_added_the_same_day_continues_its_numbers() {
    let mut sim = Sim::new(hall());
    let t1 = sim.issue("tax");
    let t2 = sim.issue("tax");
    assert_eq!(
        (sim.number(t1), sim.number(t2)),
        ("B001".into(), "B002".into())
    );
    sim.call(1);
    sim.call(1);
    sim.finish(1).expect("finish");
    let tax = sim
        .engine
        .config()
        .service(&"tax".into())
        .expect("tax")
        .clone();
    let counters = sim.engine.config().counters.clone();
    for c in &counters {
        let mut c = c.clone();
        c.services.retain(|s| s.service.as_str() != "tax");
        if c.services.is_empty() {
            sim.cmd(Command::RemoveCounter {
                counter_id: c.id,
                actor: "admin".into(),
            })
            .expect("remove counter");
        } else {
            sim.cmd(Command::UpsertCounter {
                counter: c,
                actor: "admin".into(),
            })
            .expect("counter without tax");
        }
    }
    sim.cmd(Command::RemoveService {
        service_id: "tax".into(),
        actor: "admin".into(),
    })
    .expect("tax removed once its tickets are done");
    sim.mins(240);
    sim.cmd(Command::UpsertService {
        service: tax,
        actor: "admin".into(),
    })
    .expect("tax back");
    let t3 = sim.issue("tax");
    assert_eq!(sim.number(t3), "B003");
    // The next day starts again at B001.
    sim.mins(24 * 60);
    let t4 = sim.issue("tax");
    assert_eq!(sim.number(t4), "B001");
}

/// Renaming a service's id, changing its prefix and back, lowering its
/// first number, and replacing the whole configuration never bring back a
/// number of today.
#[test]
fn numbering_survives_rename_prefix_change_lower_first_number_and_replace() {
    let mut sim = Sim::new(hall());
    let a1 = sim.issue("biz");
    assert_eq!(sim.number(a1), "A001");
    // Rename: the id changes, the prefix stays.
    let mut cfg = sim.engine.config().clone();
    for s in &mut cfg.services {
        if s.id.as_str() == "biz" {
            s.id = "business".into();
        }
    }
    for c in &mut cfg.counters {
        for s in &mut c.services {
            if s.service.as_str() == "biz" {
                s.service = "business".into();
            }
        }
    }
    // The one waiting ticket must be served before biz can go.
    sim.call(1);
    sim.finish(1).expect("finish");
    sim.cmd(Command::ReplaceConfig {
        config: Box::new(cfg.clone()),
        actor: "admin".into(),
    })
    .expect("renamed");
    let a2 = sim.issue("business");
    assert_eq!(sim.number(a2), "A002");
    // Prefix A → D → A: D starts at its first number, A continues.
    let mut s = sim
        .engine
        .config()
        .service(&"tax".into())
        .expect("tax")
        .clone();
    let b1 = sim.issue("tax");
    assert_eq!(sim.number(b1), "B001");
    s.prefix = "D".into();
    sim.cmd(Command::UpsertService {
        service: s.clone(),
        actor: "admin".into(),
    })
    .expect("prefix D");
    let d1 = sim.issue("tax");
    assert_eq!(sim.number(d1), "D001");
    s.prefix = "B".into();
    sim.cmd(Command::UpsertService {
        service: s.clone(),
        actor: "admin".into(),
    })
    .expect("prefix B again");
    let b2 = sim.issue("tax");
    assert_eq!(sim.number(b2), "B002");
    // A lower first number does not go back; a higher one jumps ahead.
    s.first_number = 0;
    sim.cmd(Command::UpsertService {
        service: s.clone(),
        actor: "admin".into(),
    })
    .expect("first number 0");
    let t = sim.issue("tax");
    assert_eq!(sim.number(t), "B003");
    s.first_number = 500;
    sim.cmd(Command::UpsertService {
        service: s.clone(),
        actor: "admin".into(),
    })
    .expect("first number 500");
    let t = sim.issue("tax");
    assert_eq!(sim.number(t), "B500");
    // A service that takes over a retired prefix continues its numbers.
    let mut fresh = util::service("fund", "A", "tax");
    fresh.name_zh = "公积金".into();
    let mut cfg = util::without(sim.engine.config(), "business");
    cfg.services.push(fresh);
    // business still has A002 waiting: the replacement is refused by name.
    let r = sim.cmd(Command::ReplaceConfig {
        config: Box::new(cfg.clone()),
        actor: "admin".into(),
    });
    assert_eq!(r, Err(Rejection::ServiceInUse("business".into())));
    sim.cmd(Command::Cancel {
        ticket_id: a2,
        actor: "admin".into(),
    })
    .expect("cancel A002");
    sim.cmd(Command::ReplaceConfig {
        config: Box::new(cfg),
        actor: "admin".into(),
    })
    .expect("replaced");
    let t = sim.issue("fund");
    assert_eq!(sim.number(t), "A003");
}

/// A clerk marks a cashier ticket 过号, the administrator removes the
/// service, the kiosk re-queues the no-show: a refusal, and the engine
/// goes on serving.
#[test]
fn re_queueing_a_no_show_of_a_removed_service_is_refused_and_nothing_stops() {
    let mut sim = Sim::new(hall());
    let t = sim.issue("pass");
    sim.call(4);
    sim.cmd(Command::NoShow {
        counter_id: CounterId(4),
        ticket_id: None,
        actor: "staff4".into(),
    })
    .expect("no-show");
    let cfg = util::without(sim.engine.config(), "pass");
    sim.cmd(Command::ReplaceConfig {
        config: Box::new(cfg),
        actor: "admin".into(),
    })
    .expect("pass removed");
    let r = sim.cmd(Command::Requeue {
        ticket_id: t,
        actor: "kiosk".into(),
    });
    assert_eq!(r, Err(Rejection::UnknownService("pass".into())));
    let next = sim.issue("biz");
    assert_eq!(sim.number(next), "A001");
}

/// Boards announce each call once, keyed on the ticket's call number, and
/// judge its age by the time of the latest call or recall, also for a
/// ticket that has left the hall's list of recent calls.
#[test]
fn every_call_and_recall_has_its_own_number_and_time() {
    let mut sim = Sim::new(hall());
    let p = sim.issue("pass");
    sim.call(4);
    for _ in 0..25 {
        sim.issue("biz");
        sim.call(1);
    }
    sim.mins(3);
    sim.cmd(Command::Recall {
        counter_id: CounterId(4),
        ticket_id: None,
        actor: "staff4".into(),
    })
    .expect("recall");
    let call = sim.engine.call_view(p).expect("called");
    assert_eq!((call.call_no, call.recalls), (2, 1));
    assert_eq!(call.announced_at, sim.now);
    // Transferred and called again elsewhere: a third call, recalls anew.
    sim.cmd(Command::Transfer {
        counter_id: CounterId(4),
        ticket_id: None,
        to_service: "biz".into(),
        position: Some(banli_core::config::TransferPosition::Front),
        actor: "staff4".into(),
    })
    .expect("transfer");
    sim.mins(1);
    sim.call(2);
    let call = sim.engine.call_view(p).expect("called again");
    assert_eq!(
        (call.call_no, call.recalls, call.counter_id),
        (3, 0, CounterId(2))
    );
    assert_eq!(call.announced_at, sim.now);
}

/// A snapshot written before numbering moved out of the services' queues
/// (no `numbers` in it) resumes the day's numbers from what each queue
/// issued.
#[test]
fn a_snapshot_from_before_per_prefix_numbering_continues_the_numbers() {
    let mut sim = Sim::new(hall());
    for _ in 0..3 {
        sim.issue("tax");
    }
    sim.issue("biz");
    let mut json = serde_json::to_value(sim.engine.state()).expect("serializes");
    json.as_object_mut().expect("an object").remove("numbers");
    let old: banli_core::engine::EngineState = serde_json::from_value(json).expect("old snapshot");
    assert!(old.numbers.is_empty());
    sim.engine = banli_core::engine::Engine::from_state(old);
    let t = sim.issue("tax");
    assert_eq!(sim.number(t), "B004");
    let t = sim.issue("biz");
    assert_eq!(sim.number(t), "A002");
    let t = sim.issue("pass");
    assert_eq!(sim.number(t), "C001");
}

/// A ticket number splits into its prefix and value, for one- and
/// two-letter prefixes and any width.
#[test]
fn ticket_numbers_split_into_prefix_and_value() {
    use banli_core::engine::split_number;
    assert_eq!(split_number("A023"), Some(("A", 23)));
    assert_eq!(split_number("AB0012"), Some(("AB", 12)));
    assert_eq!(split_number("F1"), Some(("F", 1)));
    assert_eq!(split_number("AB"), None);
}

/// A service whose ticket is being served cannot be removed; another
/// service can, while that ticket is served.
#[test]
fn a_service_with_a_ticket_at_a_counter_cannot_be_removed() {
    let mut sim = Sim::new(hall());
    sim.issue("pass");
    sim.call(4);
    use util::without;
    // Nobody waits for pass, but A001 is at counter 4.
    let c = without(sim.engine.config(), "pass");
    assert_eq!(
        sim.cmd(Command::ReplaceConfig {
            config: Box::new(c),
            actor: "admin".into()
        }),
        Err(Rejection::ServiceInUse("pass".into()))
    );
    let c = without(sim.engine.config(), "tax");
    sim.cmd(Command::ReplaceConfig {
        config: Box::new(c),
        actor: "admin".into(),
    })
    .expect("tax has nobody waiting or served");
}

/// A ticket transferred by issue time behind tickets issued at the same
/// instant goes after them (issue order).
#[test]
fn a_transfer_by_issue_time_keeps_issue_order_among_equal_times() {
    let mut config = hall();
    config.counters.push(util::counter(
        5,
        banli_core::config::Policy::Ordered,
        &[("tax", 1)],
    ));
    let mut sim = Sim::new(config);
    let a1 = sim.issue("biz");
    let a2 = sim.issue("biz");
    let b1 = sim.issue("tax");
    sim.call(5);
    sim.cmd(Command::Transfer {
        counter_id: CounterId(5),
        ticket_id: None,
        to_service: "biz".into(),
        position: Some(banli_core::config::TransferPosition::ByIssueTime),
        actor: "staff5".into(),
    })
    .expect("transfer");
    let lane: Vec<TicketId> = sim
        .engine
        .queue(&"biz".into())
        .expect("biz")
        .normal
        .iter()
        .copied()
        .collect();
    assert_eq!(lane, [a1, a2, b1]);
}
