//! A deterministic harness for engine stories: a simulated clock, the
//! engine, and every event it recorded, in the manner of quinn-proto's
//! `tests/util.rs`.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, missing_docs)]

use banli_core::config::{
    ClockTime, Counter, CounterService, Department, HallConfig, Hours, Period, Policy,
    PriorityClass, Service,
};
use banli_core::engine::{Command, Engine, Event, Outcome, Rejection, TicketClass};
use banli_core::ids::{CounterId, ServiceId, TicketId};
use banli_core::jiff::{SignedDuration, Timestamp};

/// Tuesday 2026-11-24, 09:00 in Shanghai.
pub fn tuesday_9am() -> Timestamp {
    "2026-11-24T09:00:00+08:00"
        .parse()
        .expect("valid timestamp")
}

pub fn service(id: &str, prefix: &str, dept: &str) -> Service {
    Service {
        id: id.into(),
        name_zh: format!("业务{prefix}"),
        name_en: format!("Service {prefix}"),
        prefix: prefix.into(),
        department: dept.into(),
        number_width: 3,
        first_number: 1,
        last_number: 999,
        daily_quota: None,
        hours: None,
        stop_issuing_minutes: None,
        priority_classes: vec![],
        appointments: false,
        expected_handle_minutes: None,
        enabled: true,
    }
}

pub fn counter(id: u32, policy: Policy, services: &[(&str, u32)]) -> Counter {
    Counter {
        id: CounterId(id),
        name_zh: format!("{id}号窗口"),
        name_en: format!("Counter {id}"),
        zone: if id <= 4 { "1F".into() } else { "2F".into() },
        department: "amr".into(),
        services: services
            .iter()
            .map(|&(s, w)| CounterService {
                service: s.into(),
                weight: w,
            })
            .collect(),
        policy,
        auto_call: false,
    }
}

/// A small hall: business licences (A, priority allowed), tax (B) and
/// passports (C, appointments), open 08:30-12:00 and 13:00-17:30 every day.
pub fn hall() -> HallConfig {
    let mut c = HallConfig::empty("测试政务服务中心");
    c.rules.default_hours = Hours {
        weekdays: vec![1, 2, 3, 4, 5, 6, 7],
        periods: vec![
            Period {
                open: ClockTime::new(8, 30),
                close: ClockTime::new(12, 0),
            },
            Period {
                open: ClockTime::new(13, 0),
                close: ClockTime::new(17, 30),
            },
        ],
    };
    c.departments = vec![
        Department {
            id: "amr".into(),
            name_zh: "市场监管局".into(),
            name_en: "Market Regulation".into(),
        },
        Department {
            id: "tax".into(),
            name_zh: "税务局".into(),
            name_en: "Taxation".into(),
        },
    ];
    let mut a = service("biz", "A", "amr");
    a.priority_classes = vec![PriorityClass::Elderly, PriorityClass::Disabled];
    let b = service("tax", "B", "tax");
    let mut p = service("pass", "C", "amr");
    p.appointments = true;
    c.services = vec![a, b, p];
    c.counters = vec![
        counter(1, Policy::Ordered, &[("biz", 1), ("tax", 1)]),
        counter(2, Policy::Weighted, &[("biz", 3), ("tax", 1)]),
        counter(
            3,
            Policy::OldestFirst,
            &[("biz", 1), ("tax", 1), ("pass", 1)],
        ),
        counter(4, Policy::Ordered, &[("pass", 1)]),
    ];
    c
}

/// The configuration without service `id`, on the counters too (a
/// counter left with no service goes), as an administrator removes one.
pub fn without(config: &HallConfig, id: &str) -> HallConfig {
    let mut c = config.clone();
    c.services.retain(|s| s.id.as_str() != id);
    for counter in &mut c.counters {
        counter.services.retain(|s| s.service.as_str() != id);
    }
    c.counters.retain(|x| !x.services.is_empty());
    c
}

pub struct Sim {
    pub engine: Engine,
    pub now: Timestamp,
    pub events: Vec<Event>,
    codes: u32,
}

impl Sim {
    pub fn new(config: HallConfig) -> Self {
        Self::at(config, tuesday_9am())
    }

    pub fn at(config: HallConfig, now: Timestamp) -> Self {
        let mut sim = Self {
            engine: Engine::genesis(),
            now,
            events: Vec::new(),
            codes: 0,
        };
        sim.cmd(Command::ReplaceConfig {
            config: Box::new(config),
            actor: "test".into(),
        })
        .expect("valid config");
        sim
    }

    /// Moves the clock on, firing the engine's timeout when it is due.
    pub fn advance(&mut self, d: SignedDuration) {
        let target = self.now + d;
        while let Some(t) = self.engine.poll_timeout() {
            if t > target {
                break;
            }
            self.now = t;
            self.engine.handle_timeout(t);
            self.drain();
        }
        self.now = target;
    }

    pub fn mins(&mut self, m: i64) {
        self.advance(SignedDuration::from_mins(m));
    }

    pub fn drain(&mut self) -> Vec<Event> {
        let mut new = Vec::new();
        while let Some(e) = self.engine.poll_event() {
            new.push(e);
        }
        self.events.extend(new.iter().cloned());
        new
    }

    pub fn cmd(&mut self, c: Command) -> Result<Outcome, Rejection> {
        let r = self.engine.handle(self.now, c);
        self.drain();
        r
    }

    pub fn try_issue(
        &mut self,
        svc: &str,
        priority: Option<PriorityClass>,
    ) -> Result<TicketId, Rejection> {
        self.codes += 1;
        match self.cmd(Command::IssueTicket {
            service_id: svc.into(),
            priority,
            appointment_code: None,
            idempotency_key: None,
            query_code: format!("{:06}", self.codes),
            actor: "kiosk-1".into(),
        })? {
            Outcome::Issued { ticket_id, .. } => Ok(ticket_id),
            other => panic!("unexpected outcome {other:?}"),
        }
    }

    pub fn issue(&mut self, svc: &str) -> TicketId {
        self.try_issue(svc, None).expect("issue")
    }

    pub fn issue_priority(&mut self, svc: &str) -> TicketId {
        self.try_issue(svc, Some(PriorityClass::Elderly))
            .expect("issue")
    }

    /// Calls the next ticket at a counter and returns its number.
    pub fn call(&mut self, counter: u32) -> Option<String> {
        match self.cmd(Command::CallNext {
            counter_id: CounterId(counter),
            actor: format!("staff{counter}"),
        }) {
            Ok(Outcome::Called { ticket_id }) => ticket_id.map(|t| self.number(t)),
            other => panic!("call failed: {other:?}"),
        }
    }

    pub fn finish(&mut self, counter: u32) -> Result<Outcome, Rejection> {
        self.cmd(Command::Finish {
            counter_id: CounterId(counter),
            ticket_id: None,
            actor: format!("staff{counter}"),
        })
    }

    pub fn number(&self, t: TicketId) -> String {
        self.engine
            .ticket(t)
            .expect("ticket of today")
            .number
            .to_string()
    }

    pub fn class(&self, t: TicketId) -> TicketClass {
        self.engine.ticket(t).expect("ticket of today").class
    }

    pub fn service_of(&self, t: TicketId) -> ServiceId {
        self.engine
            .ticket(t)
            .expect("ticket of today")
            .service_id
            .clone()
    }
}
