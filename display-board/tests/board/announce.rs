//! Which calls the board speaks: each call once (a transfer's or a
//! re-queue's new call too, never a repeated one), and only while fresh by
//! the server's clock, whatever the board's own clock says.

use banli_board::config::Filter;
use banli_core::engine::ticket::TicketStatus;
use banli_core::ids::CounterId;
use banli_core::wire::{HallEvent, StreamMessage};
use jiff::{SignedDuration, Timestamp};

use crate::util::*;

/// The number of the ticket on `counter`, as the board has it.
fn on_counter(b: &banli_board::board::Board, counter: u32) -> Option<&str> {
    b.counter(CounterId(counter))
        .and_then(|c| c.current.as_ref())
        .map(|c| c.number.as_str())
}

#[test]
fn a_transferred_ticket_is_announced_at_each_counter() {
    let mut b = board(Filter::default());
    b.handle_message(at(0), snapshot(1, at(0), vec![]));

    // 受理 at counter 1 (call 1)...
    let first = call(1, "A001", 1, at(1));
    assert_eq!(
        announced(&b.handle_message(at(1), called(2, first.clone(), 3))),
        ["A001"]
    );
    // ...sent on to 收费 (served at counter 3) and called there: call 2,
    // its recalls back at 0, as they were for the first call.
    let effects = b.handle_message(
        at(60),
        left(3, &first, TicketStatus::Waiting, Some(1), "tax", at(60)),
    );
    assert!(announced(&effects).is_empty());
    assert_eq!(on_counter(&b, 1), None, "it left counter 1");
    let second = called_again(&first, 3, "tax", at(90));
    assert_eq!((second.call_no, second.recalls), (2, 0));
    assert_eq!(
        announced(&b.handle_message(at(90), called(4, second, 2))),
        ["A001"],
        "the second counter's call is spoken too"
    );
    assert_eq!(on_counter(&b, 3), Some("A001"));
    assert_eq!(numbers(&b), ["A001"], "one row, at its new counter");
    assert_eq!(b.calls()[0].counter_id, CounterId(3));
}

#[test]
fn a_requeued_no_show_is_announced_again() {
    let mut b = board(Filter::default());
    b.handle_message(at(0), snapshot(1, at(0), vec![]));
    let first = call(1, "A001", 1, at(1));
    assert_eq!(
        announced(&b.handle_message(at(1), called(2, first.clone(), 3))),
        ["A001"]
    );
    // Recalled once (call 2), then 过号.
    assert_eq!(
        announced(&b.handle_message(at(31), recalled(3, first.clone(), 1, at(31)))),
        ["A001"]
    );
    let recall = b.calls()[0].clone();
    assert_eq!(recall.call_no, 2);
    b.handle_message(
        at(90),
        left(4, &recall, TicketStatus::NoShow, Some(1), "biz", at(90)),
    );
    // The citizen comes back; the ticket is re-queued and called: call 3.
    b.handle_message(
        at(300),
        left(5, &recall, TicketStatus::Waiting, None, "biz", at(300)),
    );
    let again = called_again(&recall, 2, "biz", at(400));
    assert_eq!((again.call_no, again.recalls), (3, 0));
    assert_eq!(
        announced(&b.handle_message(at(400), called(6, again, 1))),
        ["A001"]
    );
    assert_eq!(on_counter(&b, 2), Some("A001"));
}

#[test]
fn a_repeated_snapshot_or_event_says_nothing_twice() {
    let mut b = board(Filter::default());
    b.handle_message(at(0), snapshot(1, at(0), vec![]));
    let a1 = call(1, "A001", 1, at(1));
    assert_eq!(
        announced(&b.handle_message(at(1), called(2, a1.clone(), 3))),
        ["A001"]
    );
    let recall = recalled(3, a1.clone(), 1, at(5));
    assert_eq!(
        announced(&b.handle_message(at(5), recall.clone())),
        ["A001"]
    );
    // The same event again (a duplicate on the wire).
    assert!(announced(&b.handle_message(at(6), recall)).is_empty());
    let a1_recalled = b.calls()[0].clone();

    // A resync snapshot with what was said, and with what the board missed
    // in a gap (a recall of B001, the call of A002): only those are new.
    let b1 = call(2, "B001", 3, at(2));
    assert_eq!(
        announced(&b.handle_message(at(7), called(4, b1.clone(), 1))),
        ["B001"]
    );
    let a2 = call(3, "A002", 2, at(12));
    let effects = b.handle_message(at(12), called(6, a2.clone(), 0));
    assert_eq!(effects, [banli_board::board::Effect::Resync]);
    let mut b1_recalled = b1.clone();
    b1_recalled.recalls = 1;
    b1_recalled.call_no = 2;
    b1_recalled.announced_at = at(11);
    let resync = snapshot(6, at(13), vec![a2, b1_recalled, a1_recalled]);
    assert_eq!(
        announced(&b.handle_message(at(13), resync)),
        ["B001", "A002"],
        "oldest first"
    );

    // Reconnecting gives the same snapshot again, and then once more.
    for (i, when) in [20, 25].into_iter().enumerate() {
        b.handle_disconnected(at(when), "the server restarted".into());
        b.handle_connected();
        let again = snapshot(6, at(when + 1), b.calls().to_vec());
        assert!(
            announced(&b.handle_message(at(when + 1), again)).is_empty(),
            "reconnect {i} repeats nothing"
        );
    }
    assert_eq!(numbers(&b), ["A002", "B001", "A001"]);
}

/// A board whose clock reads the server's time plus `skew`.
fn skewed(skew: SignedDuration) -> impl Fn(i64) -> Timestamp {
    move |secs| at(secs) + skew
}

#[test]
fn a_board_five_minutes_fast_or_slow_judges_age_by_the_servers_clock() {
    for minutes in [5, -5] {
        let skew = SignedDuration::from_mins(minutes);
        let local = skewed(skew);
        let mut b = board(Filter::default());
        b.handle_message(local(0), snapshot(1, at(0), vec![]));
        assert_eq!(
            b.server_clock().offset(),
            Some(-skew),
            "the server is {minutes} min off the board"
        );

        // A fresh call is spoken, and so is its recall.
        let a1 = call(1, "A001", 1, at(10));
        assert_eq!(
            announced(&b.handle_message(local(10), called(2, a1.clone(), 3))),
            ["A001"],
            "{minutes:+} min: a fresh call"
        );
        assert_eq!(
            announced(&b.handle_message(local(15), recalled(3, a1.clone(), 1, at(15)))),
            ["A001"],
            "{minutes:+} min: a fresh recall"
        );
        // A call held up 45 s in a stalled stream is too old.
        let late = call(2, "A002", 2, at(20));
        assert!(
            announced(&b.handle_message(local(65), called(4, late, 2))).is_empty(),
            "{minutes:+} min: a call 45 s late"
        );

        // Away for a while; the snapshot after the reconnect has a call
        // made 5 s before it (spoken) and one 100 s before it (shown only).
        b.handle_disconnected(local(70), "cable pulled".into());
        b.handle_connected();
        let mut recent = vec![call(3, "A003", 1, at(195)), call(4, "B001", 3, at(100))];
        recent.extend(b.calls().iter().cloned());
        let effects = b.handle_message(local(200), snapshot(6, at(200), recent));
        assert_eq!(
            announced(&effects),
            ["A003"],
            "{minutes:+} min: after a reconnect"
        );
        assert_eq!(numbers(&b), ["A003", "B001", "A002", "A001"]);
    }
}

#[test]
fn a_recall_counts_from_the_recall_even_when_its_call_says_otherwise() {
    // The server fills `announced_at` from its recent calls; a ticket gone
    // from them (20 newer calls in a busy hall) carries its first call's
    // time. The recall event's own time is the recall's.
    let mut b = board(Filter::default());
    b.handle_message(at(0), snapshot(1, at(0), vec![]));
    let a1 = call(1, "A001", 1, at(1));
    b.handle_message(at(1), called(2, a1.clone(), 3));
    let mut recall = recalled(3, a1, 1, at(200));
    let StreamMessage::Event {
        event: HallEvent::TicketRecalled { call, .. },
        ..
    } = &mut recall
    else {
        panic!("recalled() makes a recall event");
    };
    call.announced_at = call.called_at;
    assert_eq!(announced(&b.handle_message(at(200), recall)), ["A001"]);
}
