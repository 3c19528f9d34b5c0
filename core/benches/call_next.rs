//! Engine call-next with 100,000 waiting tickets over 50 services and 500
//! counters (target: under 2 µs median). Each call also finishes the
//! counter's previous ticket and drains the events, as the server does.
//!
//! `cargo bench -p banli-core --bench call_next`

#![allow(clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use banli_core::config::{
    ClockTime, Counter, CounterService, Department, HallConfig, Hours, Period, Policy,
    PriorityClass, Service,
};
use banli_core::engine::{Command, Engine};
use banli_core::ids::CounterId;
use banli_core::jiff::{SignedDuration, Timestamp};
use criterion::{Criterion, criterion_group, criterion_main};

const SERVICES: usize = 50;
const COUNTERS: u32 = 500;
const TICKETS: usize = 100_000;

fn big_hall() -> HallConfig {
    let mut c = HallConfig::empty("基准大厅");
    c.rules.default_hours = Hours {
        weekdays: vec![1, 2, 3, 4, 5, 6, 7],
        periods: vec![Period {
            open: ClockTime::new(0, 0),
            close: ClockTime::new(23, 59),
        }],
    };
    c.rules.stop_issuing_minutes = 0;
    c.departments.push(Department {
        id: "d".into(),
        name_zh: "部门".into(),
        name_en: String::new(),
    });
    for i in 0..SERVICES {
        let prefix: String = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8]
            .iter()
            .map(|&b| b as char)
            .collect();
        c.services.push(Service {
            id: format!("s{i}").as_str().into(),
            name_zh: format!("业务{i}"),
            name_en: String::new(),
            prefix,
            department: "d".into(),
            number_width: 4,
            first_number: 1,
            last_number: 9999,
            daily_quota: None,
            hours: None,
            stop_issuing_minutes: None,
            priority_classes: vec![PriorityClass::Elderly],
            appointments: false,
            expected_handle_minutes: None,
            enabled: true,
        });
    }
    for n in 0..COUNTERS {
        let policy = [Policy::Ordered, Policy::Weighted, Policy::OldestFirst][n as usize % 3];
        let services = (0..5)
            .map(|k| CounterService {
                service: format!("s{}", (n as usize * 7 + k * 11) % SERVICES)
                    .as_str()
                    .into(),
                weight: k as u32 + 1,
            })
            .collect();
        c.counters.push(Counter {
            id: CounterId(n + 1),
            name_zh: format!("{}号窗口", n + 1),
            name_en: String::new(),
            zone: String::new(),
            department: "d".into(),
            services,
            policy,
            auto_call: false,
        });
    }
    c
}

fn loaded_engine() -> (Engine, Timestamp) {
    let mut now: Timestamp = "2026-11-24T09:00:00+08:00".parse().expect("timestamp");
    let mut e = Engine::genesis();
    e.handle(
        now,
        Command::ReplaceConfig {
            config: Box::new(big_hall()),
            actor: "bench".into(),
        },
    )
    .expect("config");
    for i in 0..TICKETS {
        now += SignedDuration::from_millis(10);
        e.handle(
            now,
            Command::IssueTicket {
                service_id: format!("s{}", i % SERVICES).as_str().into(),
                priority: (i % 10 == 0).then_some(PriorityClass::Elderly),
                appointment_code: None,
                idempotency_key: None,
                query_code: "000000".into(),
                actor: "bench".into(),
            },
        )
        .expect("issue");
    }
    while e.poll_event().is_some() {}
    (e, now)
}

fn call_next(c: &mut Criterion) {
    let (base, now) = loaded_engine();
    let mut g = c.benchmark_group("engine");
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("call_next_100k_waiting_50_services_500_counters", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut e = base.clone();
            let mut used = 0u64;
            for i in 0..iters {
                // Refill well before the queues thin out, outside the timing.
                if used == 20_000 {
                    e = base.clone();
                    used = 0;
                }
                let counter_id = CounterId((i % u64::from(COUNTERS)) as u32 + 1);
                let start = Instant::now();
                let out = e.handle(
                    now,
                    Command::CallNext {
                        counter_id,
                        actor: "s".into(),
                    },
                );
                while let Some(ev) = e.poll_event() {
                    black_box(ev);
                }
                total += start.elapsed();
                black_box(out.expect("call"));
                used += 1;
            }
            total
        });
    });
    g.finish();
}

criterion_group!(benches, call_next);
criterion_main!(benches);
