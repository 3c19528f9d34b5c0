//! A small hall to feed boards with: two zones, three counters, two services.

use std::time::Duration;

use banli_board::announcer::Lang;
use banli_board::board::{Board, Effect};
use banli_board::config::Filter;
use banli_core::config::{Notice, Policy};
use banli_core::engine::queue::CounterStatus;
use banli_core::engine::ticket::{TicketClass, TicketStatus};
use banli_core::ids::{CounterId, ServiceId, TicketId};
use banli_core::wire::{
    CallView, CounterView, HallEvent, HallSnapshot, ServiceView, StreamMessage, WaitingCount,
};
use jiff::Timestamp;

/// The longest a call may be old and still be spoken, on test boards.
pub const MAX_AGE: Duration = Duration::from_secs(30);

/// A board announcing in Chinese calls up to [`MAX_AGE`] old.
pub fn board(filter: Filter) -> Board {
    Board::new(filter, vec![Lang::Zh], MAX_AGE)
}

/// The numbers of the calls announced by `effects`.
pub fn announced(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Announce { call, plan } => {
                assert!(!plan.is_empty(), "an announcement has something to say");
                Some(call.number.clone())
            }
            _ => None,
        })
        .collect()
}

/// The numbers the board lists, newest first.
pub fn numbers(board: &Board) -> Vec<&str> {
    board.calls().iter().map(|c| c.number.as_str()).collect()
}

/// 2026-11-24 09:00:00 +08:00.
pub fn t0() -> Timestamp {
    "2026-11-24T01:00:00Z"
        .parse()
        .expect("a valid timestamp literal")
}

/// `t0` plus `secs` seconds.
pub fn at(secs: i64) -> Timestamp {
    t0() + jiff::SignedDuration::from_secs(secs)
}

pub fn service(id: &str, name_zh: &str, prefix: &str, waiting: u32) -> ServiceView {
    ServiceView {
        id: ServiceId::from(id),
        name_zh: name_zh.into(),
        name_en: format!("{id} service"),
        prefix: prefix.into(),
        department: "dept".into(),
        waiting,
        priority_waiting: 0,
        estimated_wait_minutes: waiting * 3,
        longest_wait_minutes: 0,
        is_open: true,
        closed_reason: None,
        opens_at: None,
        issued_today: waiting,
        priority_classes: Vec::new(),
        appointments: false,
    }
}

pub fn counter(id: u32, zone: &str, service: &str) -> CounterView {
    CounterView {
        id: CounterId(id),
        name_zh: format!("综合受理{id}"),
        name_en: format!("General {id}"),
        zone: zone.into(),
        department: "dept".into(),
        services: vec![ServiceId::from(service)],
        policy: Policy::Ordered,
        status: CounterStatus::Open,
        staff: None,
        current: None,
        served_today: 0,
    }
}

/// Ticket `number` (id `ticket`) called to counter `counter` at `called_at`.
pub fn call(ticket: u64, number: &str, counter: u32, called_at: Timestamp) -> CallView {
    CallView {
        ticket_id: TicketId(ticket),
        number: number.into(),
        service_id: ServiceId::from(if number.starts_with('A') {
            "biz"
        } else {
            "tax"
        }),
        counter_id: CounterId(counter),
        counter_name_zh: format!("综合受理{counter}"),
        counter_name_en: format!("General {counter}"),
        zone: if counter <= 2 { "1F" } else { "2F" }.into(),
        called_at,
        recalls: 0,
        class: TicketClass::Normal,
        call_no: 1,
        announced_at: called_at,
    }
}

/// The next call of `prev`'s ticket, as the server makes it after a
/// transfer or a re-queue: to `counter` for `service` at `when`, its
/// `call_no` one more, its recalls back to 0.
pub fn called_again(prev: &CallView, counter: u32, service: &str, when: Timestamp) -> CallView {
    let mut next = call(prev.ticket_id.0, &prev.number, counter, when);
    next.service_id = ServiceId::from(service);
    next.call_no = prev.call_no + 1;
    next
}

/// Counters 1 and 2 on 1F (service biz), 3 on 2F (service tax).
pub fn snapshot(seq: u64, taken: Timestamp, recent: Vec<CallView>) -> StreamMessage {
    StreamMessage::Snapshot {
        snapshot: Box::new(HallSnapshot {
            seq,
            at: taken,
            business_day: "2026-11-24".parse().expect("a valid date literal"),
            hall_name_zh: "某某市政务服务中心".into(),
            hall_name_en: "City Government Service Center".into(),
            services: vec![
                service("biz", "企业开办", "A", 12),
                service("tax", "税务办理", "B", 5),
            ],
            counters: vec![
                counter(1, "1F", "biz"),
                counter(2, "1F", "biz"),
                counter(3, "2F", "tax"),
            ],
            recent_calls: recent,
            notices: vec![
                Notice {
                    text_zh: "投诉监督电话：12345".into(),
                    text_en: "Complaints: 12345".into(),
                },
                Notice {
                    text_zh: "办公时间：周一至周五 9:00—17:00".into(),
                    text_en: "Open Mon–Fri 9:00–17:00".into(),
                },
            ],
        }),
    }
}

pub fn called(seq: u64, call: CallView, waiting: u32) -> StreamMessage {
    let service_id = call.service_id.clone();
    StreamMessage::Event {
        seq,
        server_time: call.called_at,
        event: HallEvent::TicketCalled {
            at: call.called_at,
            call,
            waiting: vec![WaitingCount {
                service_id,
                waiting,
                estimated_wait_minutes: waiting * 3,
            }],
        },
    }
}

/// The `recalls`-th recall of `call` (its first call, `recalls` 0) at
/// `when`, numbered as the server numbers it.
pub fn recalled(seq: u64, mut call: CallView, recalls: u32, when: Timestamp) -> StreamMessage {
    call.call_no += recalls;
    call.recalls = recalls;
    call.announced_at = when;
    StreamMessage::Event {
        seq,
        server_time: when,
        event: HallEvent::TicketRecalled { at: when, call },
    }
}

pub fn counter_changed(seq: u64, counter: CounterView, when: Timestamp) -> StreamMessage {
    StreamMessage::Event {
        seq,
        server_time: when,
        event: HallEvent::CounterChanged { at: when, counter },
    }
}

/// `call`'s ticket left its counter (`status` `NoShow`, or `Waiting` in
/// `service` after a transfer), or, with no `counter`, was re-queued.
pub fn left(
    seq: u64,
    call: &CallView,
    status: TicketStatus,
    counter: Option<u32>,
    service: &str,
    when: Timestamp,
) -> StreamMessage {
    StreamMessage::Event {
        seq,
        server_time: when,
        event: HallEvent::TicketChanged {
            at: when,
            ticket_id: call.ticket_id,
            number: call.number.clone(),
            status,
            service_id: ServiceId::from(service),
            counter_id: counter.map(CounterId),
            waiting: Vec::new(),
        },
    }
}
