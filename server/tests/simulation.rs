//! A deterministic whole-hall simulation: many simulated days of random
//! kiosk, counter and administrator actions sent to the real engine task
//! (typed commands, as the handlers send them), over a real SQLite file
//! whose commits fail now and then and, for a while, not at all (a fault
//! trigger added from a second connection), with restarts and day
//! roll-overs. After every step the invariants are checked:
//!
//! - a command is either acknowledged and recorded, or refused and not
//!   recorded at all (its number is not consumed);
//! - no number is acknowledged twice in a business day;
//! - the committed view equals what a restart rebuilds from the database
//!   (exact replay: memory is never ahead of the journal);
//! - `/health` tells the truth and issuing recovers by itself once the
//!   faults stop.
//!
//! The seed is printed; `BANLI_SIM_SEED=n` replays a run, `BANLI_SIM_DAYS`
//! makes it longer.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use axum::http::StatusCode;
use banli_core::config::HallConfig;
use banli_core::engine::{Command, Outcome};
use banli_core::ids::{CounterId, ServiceId, TicketId};
use banli_core::jiff::SignedDuration;
use banli_server::engine_task::CommandError;
use common::Hall;

/// SplitMix64: small, seedable, good enough to pick actions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(usize::try_from(self.below(items.len() as u64)).unwrap_or(0))
    }
}

/// The fault in force in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// About one journal insert in eight fails.
    Sometimes,
    /// Every journal insert fails (as on a full disk).
    Always,
}

fn set_fault(db: &std::path::Path, fault: Fault) {
    let conn = rusqlite::Connection::open(db).expect("second connection");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    conn.execute_batch("DROP TRIGGER IF EXISTS sim_fault")
        .expect("drop");
    let when = match fault {
        Fault::None => return,
        Fault::Sometimes => "WHEN (NEW.seq * 2654435761) % 8 = 3",
        Fault::Always => "",
    };
    conn.execute_batch(&format!(
        "CREATE TRIGGER sim_fault BEFORE INSERT ON journal {when} \
         BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
    ))
    .expect("trigger");
}

struct World {
    morning: HallConfig,
    rng: Rng,
    fault: Fault,
    /// (business day, number) of every acknowledged issue.
    numbers: HashSet<(String, String)>,
    /// Every acknowledged ticket id.
    issued: BTreeSet<TicketId>,
    /// Ticket ids of refused issues that must not exist.
    refused: usize,
    acknowledged: usize,
}

impl World {
    fn ids(&self) -> Vec<ServiceId> {
        self.morning.services.iter().map(|s| s.id.clone()).collect()
    }

    /// A random command, built from the hall as it is now.
    fn command(&mut self, hall: &Hall) -> Command {
        let config = hall
            .state
            .engine
            .view()
            .read(|engine, _| engine.config().clone());
        let services = self.ids();
        let counters: Vec<CounterId> = self.morning.counters.iter().map(|c| c.id).collect();
        let svc = self.rng.pick(&services).cloned().unwrap_or_default();
        let counter_id = self.rng.pick(&counters).copied().unwrap_or(CounterId(1));
        let actor = format!("staff{}", counter_id.0);
        let any_ticket = || {
            let ids: Vec<TicketId> = self.issued.iter().rev().take(40).copied().collect();
            ids
        };
        match self.rng.below(100) {
            0..=39 => Command::IssueTicket {
                service_id: svc,
                priority: None,
                appointment_code: None,
                idempotency_key: (self.rng.below(4) == 0)
                    .then(|| format!("key-{}", self.rng.below(20))),
                query_code: format!("{:06}", self.rng.below(1_000_000)),
                actor: "kiosk-sim".into(),
            },
            40..=59 => Command::CallNext { counter_id, actor },
            60..=66 => Command::Finish {
                counter_id,
                ticket_id: None,
                actor,
            },
            67..=70 => Command::NoShow {
                counter_id,
                ticket_id: None,
                actor,
            },
            71..=72 => Command::Recall {
                counter_id,
                ticket_id: None,
                actor,
            },
            73..=76 => Command::Transfer {
                counter_id,
                ticket_id: None,
                to_service: svc,
                position: None,
                actor,
            },
            77..=78 => Command::Pause {
                counter_id,
                reason: "午休".into(),
                actor,
            },
            79..=80 => Command::Resume { counter_id, actor },
            81..=83 => {
                let ids = any_ticket();
                let ticket_id = self.rng.pick(&ids).copied().unwrap_or(TicketId(1));
                if self.rng.below(2) == 0 {
                    Command::Requeue {
                        ticket_id,
                        actor: "kiosk-sim".into(),
                    }
                } else {
                    Command::Cancel {
                        ticket_id,
                        actor: "kiosk-sim".into(),
                    }
                }
            }
            84..=87 => {
                // Remove a service (and its place on every counter).
                let mut c = config;
                c.services.retain(|s| s.id != svc);
                for x in &mut c.counters {
                    x.services.retain(|s| s.service != svc);
                }
                c.counters.retain(|x| !x.services.is_empty());
                Command::ReplaceConfig {
                    config: Box::new(c),
                    actor: "admin".into(),
                }
            }
            88..=90 => Command::ReplaceConfig {
                config: Box::new(self.morning.clone()),
                actor: "admin".into(),
            },
            91..=94 => {
                let mut s = config
                    .service(&svc)
                    .cloned()
                    .or_else(|| self.morning.service(&svc).cloned())
                    .expect("a morning service");
                let letters = ["A", "B", "C", "D", "E", "F", "G", "H", "X", "Y"];
                s.prefix = (*self.rng.pick(&letters).unwrap_or(&"X")).into();
                Command::UpsertService {
                    service: s,
                    actor: "admin".into(),
                }
            }
            _ => {
                let mut s = config
                    .service(&svc)
                    .cloned()
                    .or_else(|| self.morning.service(&svc).cloned())
                    .expect("a morning service");
                s.first_number = u32::try_from(self.rng.below(3)).unwrap_or(1);
                Command::UpsertService {
                    service: s,
                    actor: "admin".into(),
                }
            }
        }
    }
}

/// What the database rebuilds equals the committed view.
fn check_replay(hall: &Hall) {
    let db = hall.dir.path().join("banli.db");
    let store = banli_server::store::Store::open(&db).expect("second store");
    let (rebuilt, seq) = store.load_engine().expect("the journal loads");
    let (view, view_seq) = hall
        .state
        .engine
        .view()
        .read(|engine, seq| (engine.state().clone(), seq));
    assert_eq!(seq, view_seq, "the view has exactly the journal's events");
    assert_eq!(
        rebuilt.state(),
        &view,
        "the view equals what a restart rebuilds"
    );
}

async fn health(hall: &Hall) -> StatusCode {
    hall.get("/api/v1/health", None).await.0
}

#[tokio::test]
async fn many_days_of_random_actions_with_faults_keep_every_invariant() {
    let seed = std::env::var("BANLI_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_130_u64);
    let days: u32 = std::env::var("BANLI_SIM_DAYS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    eprintln!("simulation seed {seed}, {days} days (BANLI_SIM_SEED, BANLI_SIM_DAYS)");
    let mut hall = Hall::demo().await;
    let db = hall.dir.path().join("banli.db");
    let morning = hall
        .state
        .engine
        .view()
        .read(|engine, _| engine.config().clone());
    let mut world = World {
        morning,
        rng: Rng(seed),
        fault: Fault::None,
        numbers: HashSet::new(),
        issued: BTreeSet::new(),
        refused: 0,
        acknowledged: 0,
    };
    let mut storage_refusals: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut refused_before_fault = 0;
    for day in 0..days {
        for step in 0..400u32 {
            // Faults come and go.
            match world.rng.below(200) {
                0..=2 if world.fault == Fault::None => {
                    world.fault = Fault::Sometimes;
                    set_fault(&db, world.fault);
                }
                3 if world.fault == Fault::None => {
                    refused_before_fault = world.refused;
                    world.fault = Fault::Always;
                    set_fault(&db, world.fault);
                }
                4..=9 if world.fault != Fault::None => {
                    world.fault = Fault::None;
                    set_fault(&db, world.fault);
                    // Recovery needs nobody: the next command that records
                    // something commits. (Putting the morning's
                    // configuration back is always allowed: it removes
                    // nothing.)
                    let cmd = Command::ReplaceConfig {
                        config: Box::new(world.morning.clone()),
                        actor: "admin".into(),
                    };
                    if let Err(e) = hall.state.engine.command(cmd).await {
                        panic!("day {day} step {step}: no recovery: {e}");
                    }
                    assert_eq!(health(&hall).await, StatusCode::OK, "health recovers");
                }
                _ => {}
            }
            let cmd = world.command(&hall);
            let kind = cmd.kind();
            let before = hall.state.engine.view().read(|_, seq| seq);
            match hall.state.engine.command(cmd).await {
                Ok(committed) => {
                    world.acknowledged += 1;
                    if let Outcome::Issued {
                        ticket_id,
                        replayed: false,
                    } = committed.outcome
                    {
                        record_issue(&hall, &mut world, ticket_id);
                    }
                }
                Err(CommandError::Rejected(_)) => {}
                Err(CommandError::Storage(_)) => {
                    assert_ne!(world.fault, Fault::None, "{kind} refused with no fault");
                    world.refused += 1;
                    *storage_refusals.entry(kind).or_default() += 1;
                    let after = hall.state.engine.view().read(|_, seq| seq);
                    assert_eq!(before, after, "a refused {kind} recorded nothing");
                }
                Err(e) => panic!("day {day} step {step}: {kind}: {e}"),
            }
            // Once a commit has failed under a fault that lets nothing
            // through, /health says so.
            if world.fault == Fault::Always && world.refused > refused_before_fault {
                assert_eq!(
                    health(&hall).await,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "/health tells the truth while nothing commits"
                );
            }
            if step % 50 == 0 {
                check_replay(&hall);
            }
            // Time passes: mostly seconds, sometimes an hour.
            let mins = if world.rng.below(40) == 0 { 60 } else { 1 };
            hall.clock.advance(SignedDuration::from_mins(mins));
            // Now and then the server restarts (after a clean stop).
            if world.rng.below(150) == 0 {
                set_fault(&db, Fault::None);
                world.fault = Fault::None;
                hall = hall.restart().await;
                check_replay(&hall);
            }
        }
        // Next morning: the day rolls over.
        set_fault(&db, Fault::None);
        world.fault = Fault::None;
        hall.clock.advance(SignedDuration::from_hours(14));
        hall.state.engine.tick().await.expect("tick");
        check_replay(&hall);
    }
    // Every acknowledged ticket is in the read model; no refused one is.
    let store = banli_server::store::Store::open(&db).expect("second store");
    for id in &world.issued {
        assert!(
            store.ticket(*id).expect("read").is_some(),
            "acknowledged ticket {id:?} is recorded"
        );
    }
    eprintln!(
        "{} commands acknowledged, {} tickets issued, {} refused by injected faults {:?}",
        world.acknowledged,
        world.issued.len(),
        world.refused,
        storage_refusals
    );
    assert!(world.refused > 0, "the faults were exercised");
    assert!(world.issued.len() > 100, "the hall was busy");
    assert_eq!(health(&hall).await, StatusCode::OK);
}

fn record_issue(hall: &Hall, world: &mut World, ticket_id: TicketId) {
    let (day, number) = hall
        .state
        .engine
        .view()
        .read(|engine, _| {
            engine
                .ticket(ticket_id)
                .map(|t| (t.business_day.to_string(), t.number.to_string()))
        })
        .expect("a ticket just issued is in the view");
    assert!(
        world.numbers.insert((day.clone(), number.clone())),
        "{number} issued twice on {day}"
    );
    world.issued.insert(ticket_id);
}
