//! The board's state as a pure story: snapshot, events, effects.

use banli_board::board::{Connection, Effect};
use banli_board::config::Filter;
use banli_core::ids::{CounterId, ServiceId};

use crate::util::*;

#[test]
fn snapshot_then_calls_are_shown_newest_first_and_announced() {
    let mut b = board(Filter::default());
    let effects = b.handle_message(
        at(0),
        snapshot(10, at(0), vec![call(1, "A001", 1, at(-60))]),
    );
    assert!(
        announced(&effects).is_empty(),
        "the first snapshot is history"
    );
    assert_eq!(numbers(&b), ["A001"]);
    assert_eq!(b.connection(), &Connection::Live);

    let effects = b.handle_message(at(5), called(11, call(2, "A002", 2, at(5)), 11));
    assert_eq!(announced(&effects), ["A002"]);
    let effects = b.handle_message(at(6), called(12, call(3, "B001", 3, at(6)), 4));
    assert_eq!(announced(&effects), ["B001"]);
    assert_eq!(numbers(&b), ["B001", "A002", "A001"]);
    assert_eq!(b.last_seq(), Some(12));

    let waiting: Vec<_> = b.services().map(|s| (s.id.clone(), s.waiting)).collect();
    assert_eq!(
        waiting,
        [(ServiceId::from("biz"), 11), (ServiceId::from("tax"), 4)]
    );
    let current = b.counter(CounterId(3)).and_then(|c| c.current.as_ref());
    assert_eq!(current.map(|c| c.number.as_str()), Some("B001"));
    assert_eq!(b.flash(banli_core::ids::TicketId(3), at(6)), Some(true));
    assert_eq!(
        b.flash(banli_core::ids::TicketId(3), at(60)),
        None,
        "the flash ends"
    );
}

#[test]
fn events_before_the_first_snapshot_and_duplicates_are_ignored() {
    let mut b = board(Filter::default());
    assert!(
        b.handle_message(at(0), called(5, call(1, "A001", 1, at(0)), 3))
            .is_empty()
    );
    assert!(b.calls().is_empty());
    b.handle_message(at(0), snapshot(10, at(0), vec![]));
    assert!(
        b.handle_message(at(1), called(10, call(1, "A001", 1, at(0)), 3))
            .is_empty()
    );
    assert!(b.calls().is_empty(), "seq 10 is in the snapshot already");
}

#[test]
fn zone_filter_shows_and_announces_only_its_counters() {
    let mut b = board(Filter {
        zones: vec!["2F".into()],
        counters: Vec::new(),
    });
    b.handle_message(
        at(0),
        snapshot(
            1,
            at(0),
            vec![call(1, "A001", 1, at(-5)), call(2, "B001", 3, at(-4))],
        ),
    );
    assert_eq!(numbers(&b), ["B001"]);
    let effects = b.handle_message(at(1), called(2, call(3, "A002", 2, at(1)), 3));
    assert!(announced(&effects).is_empty());
    let effects = b.handle_message(at(2), called(3, call(4, "B002", 3, at(2)), 3));
    assert_eq!(announced(&effects), ["B002"]);
    assert_eq!(numbers(&b), ["B002", "B001"]);
    let services: Vec<_> = b.services().map(|s| s.id.to_string()).collect();
    assert_eq!(services, ["tax"], "only services the zone's counters serve");
    let counters: Vec<_> = b.counters().map(|c| c.id.0).collect();
    assert_eq!(counters, [3]);
}

#[test]
fn counter_filter() {
    let mut b = board(Filter {
        zones: Vec::new(),
        counters: vec![CounterId(2)],
    });
    b.handle_message(at(0), snapshot(1, at(0), vec![]));
    assert!(
        announced(&b.handle_message(at(1), called(2, call(1, "A001", 1, at(1)), 3))).is_empty()
    );
    assert_eq!(
        announced(&b.handle_message(at(2), called(3, call(2, "A002", 2, at(2)), 2))),
        ["A002"]
    );
}

#[test]
fn a_gap_asks_for_one_resync_and_waits_for_the_snapshot() {
    let mut b = board(Filter::default());
    b.handle_message(at(0), snapshot(10, at(0), vec![]));
    let effects = b.handle_message(at(1), called(12, call(1, "A001", 1, at(1)), 3));
    assert_eq!(effects, [Effect::Resync]);
    assert!(b.calls().is_empty(), "an event after a gap is not applied");
    assert!(
        b.handle_message(at(1), called(13, call(2, "A002", 1, at(1)), 3))
            .is_empty(),
        "one resync per gap"
    );
    // Still no snapshot 5 s later: ask again (the request may have been lost).
    assert_eq!(
        b.handle_message(at(7), called(14, call(9, "A009", 1, at(7)), 3)),
        [Effect::Resync]
    );
    // The fresh snapshot has both calls; they are fresh, so they are spoken, oldest first.
    let effects = b.handle_message(
        at(2),
        snapshot(
            13,
            at(2),
            vec![call(2, "A002", 1, at(1)), call(1, "A001", 2, at(1))],
        ),
    );
    assert_eq!(announced(&effects), ["A001", "A002"]);
    assert_eq!(numbers(&b), ["A002", "A001"]);
    let effects = b.handle_message(at(3), called(14, call(3, "A003", 2, at(3)), 1));
    assert_eq!(announced(&effects), ["A003"]);
}

#[test]
fn an_old_call_is_shown_but_not_spoken() {
    let mut b = board(Filter::default());
    b.handle_message(at(0), snapshot(1, at(0), vec![]));
    // Delivered 45 s after it was made (the limit is 30 s): the stream
    // stalled, as the snapshot's time shows.
    let effects = b.handle_message(at(50), called(2, call(1, "A001", 1, at(5)), 3));
    assert!(announced(&effects).is_empty());
    assert_eq!(numbers(&b), ["A001"]);
}

#[test]
fn a_recall_is_announced_again_and_only_once() {
    let mut b = board(Filter::default());
    b.handle_message(at(0), snapshot(1, at(0), vec![]));
    let first = call(1, "A001", 1, at(1));
    assert_eq!(
        announced(&b.handle_message(at(1), called(2, first.clone(), 3))),
        ["A001"]
    );
    assert_eq!(
        announced(&b.handle_message(at(20), recalled(3, first.clone(), 1, at(20)))),
        ["A001"]
    );
    // A recall long after the call counts from the recall.
    assert_eq!(
        announced(&b.handle_message(at(200), recalled(4, first.clone(), 2, at(200)))),
        ["A001"]
    );
    assert_eq!(numbers(&b), ["A001"], "a recall does not add a row");
    assert_eq!(b.calls()[0].recalls, 2);
}

#[test]
fn reconnecting_with_a_fresh_snapshot_announces_nothing_twice() {
    let mut b = board(Filter::default());
    b.handle_message(at(0), snapshot(1, at(0), vec![]));
    let a1 = call(1, "A001", 1, at(1));
    assert_eq!(
        announced(&b.handle_message(at(1), called(2, a1.clone(), 3))),
        ["A001"]
    );

    b.handle_disconnected(at(2), "the server closed the stream".into());
    assert!(matches!(b.connection(), Connection::Lost { .. }));
    assert_eq!(numbers(&b), ["A001"], "the last state stays on screen");
    // Events that straggle in before the new snapshot are ignored.
    assert!(
        b.handle_message(at(3), called(3, call(2, "A002", 2, at(3)), 2))
            .is_empty()
    );

    // While away, A002 was called (fresh) and B001 long ago (stale).
    b.handle_connected();
    let effects = b.handle_message(
        at(10),
        snapshot(
            4,
            at(10),
            vec![
                call(2, "A002", 2, at(3)),
                call(3, "B001", 3, at(-100)),
                a1.clone(),
            ],
        ),
    );
    assert_eq!(
        announced(&effects),
        ["A002"],
        "A001 was said; B001 is too old"
    );
    assert_eq!(b.connection(), &Connection::Live);
    assert_eq!(numbers(&b), ["A002", "B001", "A001"]);

    // The same snapshot again (a second reconnect) says nothing.
    b.handle_disconnected(at(11), "again".into());
    let effects = b.handle_message(
        at(12),
        snapshot(4, at(12), vec![call(2, "A002", 2, at(3)), a1]),
    );
    assert!(announced(&effects).is_empty());
}

#[test]
fn config_change_and_day_roll_ask_for_a_snapshot() {
    use banli_core::wire::{HallEvent, StreamMessage};
    let mut b = board(Filter::default());
    b.handle_message(at(0), snapshot(1, at(0), vec![call(1, "A001", 1, at(0))]));
    let effects = b.handle_message(
        at(1),
        StreamMessage::Event {
            seq: 2,
            server_time: at(1),
            event: HallEvent::ConfigChanged { at: at(1) },
        },
    );
    assert_eq!(effects, [Effect::Resync]);
    b.handle_message(at(1), snapshot(2, at(1), vec![call(1, "A001", 1, at(0))]));
    let effects = b.handle_message(
        at(2),
        StreamMessage::Event {
            seq: 3,
            server_time: at(2),
            event: HallEvent::DayRolled {
                at: at(2),
                business_day: "2026-11-25".parse().expect("a valid date literal"),
                expired: 4,
            },
        },
    );
    assert_eq!(effects, [Effect::Resync]);
    assert!(b.calls().is_empty());
}

#[test]
fn silence_is_reported_once_and_its_end_too() {
    let mut b = board(Filter::default());
    let why = "no audio output: no device".to_owned();
    assert_eq!(
        b.handle_silent(why.clone()),
        [Effect::ReportStatus(why.clone())]
    );
    assert!(b.handle_silent(why.clone()).is_empty());
    assert_eq!(b.silent(), Some(why.as_str()));
    assert_eq!(b.handle_restored(), [Effect::ReportStatus(String::new())]);
    assert!(b.handle_restored().is_empty());
}
