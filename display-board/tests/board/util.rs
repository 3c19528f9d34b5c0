//! A small hall to feed boards with: two zones, three counters, two services.

use banli_core::config::{Notice, Policy};
use banli_core::engine::queue::CounterStatus;
use banli_core::engine::ticket::TicketClass;
use banli_core::ids::{CounterId, ServiceId, TicketId};
use banli_core::wire::{
    CallView, CounterView, HallEvent, HallSnapshot, ServiceView, StreamMessage, WaitingCount,
};
use jiff::Timestamp;

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

pub fn recalled(seq: u64, mut call: CallView, recalls: u32, when: Timestamp) -> StreamMessage {
    call.recalls = recalls;
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
