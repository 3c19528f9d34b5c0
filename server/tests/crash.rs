//! The hall never stops (issue 8): a crash campaign against a real
//! `banli-server` process on one data directory.
//!
//! Each of [`ROUNDS`] rounds runs mixed load until a pseudo-random number
//! of acknowledgements, then kills the server with SIGKILL and starts it
//! again:
//! - kiosks issue tickets, some with an `Idempotency-Key`, and send some
//!   of those again; a keyed request cut off by the kill is sent again
//!   after the restart, as a kiosk would;
//! - staff at seven counters call, finish, mark no-shows (and re-queue
//!   some of them when the citizen comes back), recall and transfer to
//!   the cashier;
//! - the administrator changes the configuration while tickets wait:
//!   renames services, moves their prefix to a free letter and back,
//!   raises and lowers first numbers, replaces the whole configuration,
//!   opens, pauses and closes counters, and takes a service out of its
//!   counter, removes it once its queue is empty and adds it back.
//!
//! Some restarts are themselves killed while the journal replays, and
//! every tenth round also stops and starts the server gracefully (which
//! writes a snapshot the later rounds start from).
//!
//! After every restart: `/health` answers 200; every acknowledged ticket
//! is there with its number, and every acknowledged call, finish, no-show
//! and transfer is in its state; a kiosk's retry of a request cut off by
//! the kill gets the ticket that request made, if it made one; the
//! configuration is the acknowledged one (or that plus the one change
//! cut off); no two counters serve the same ticket; no ticket number
//! (prefix and value) is issued twice in a business day, whatever the
//! prefix changes and service removals; and the tickets that exist
//! without an acknowledgement are no more than the requests cut off.
//! At the end, each prefix's numbers run on without a gap except where a
//! first number was raised.
//!
//! The seed is printed; `BANLI_CRASH_SEED=<seed>` replays the same kill
//! points and choices (the interleaving of concurrent requests is the
//! operating system's). `BANLI_CRASH_ROUNDS` runs fewer or more rounds.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod crash_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use banli_core::jiff::Timestamp;
use crash_support::{ADMIN_PASSWORD, Reply, Rng, ServerProcess, http, must};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// Kill/restart rounds (the issue asks for fifty).
const ROUNDS: usize = 50;
/// A round's kill comes after `0..KILL_WINDOW` acknowledged changes.
const KILL_WINDOW: u64 = 240;
/// A round that has not reached its kill point in this long has stalled.
const ROUND_TIMEOUT: Duration = Duration::from_secs(60);
/// Kiosks issuing at once.
const KIOSKS: usize = 3;
/// Counters with a member of staff working them.
const STAFFED: [u32; 7] = [1, 3, 5, 6, 7, 8, 9];
/// Counters nobody works: the administrator opens, pauses and closes them,
/// so their status must be exactly what was acknowledged.
const UNSTAFFED: [u32; 3] = [2, 4, 10];
/// Services kiosks issue for (not real-estate: it has a quota and stops
/// issuing an hour before midnight).
const ISSUED: [&str; 5] = [
    "business-setup",
    "social-insurance",
    "housing-fund",
    "tax",
    "exit-entry",
];
/// Services the administrator renames, re-prefixes and renumbers.
const MANAGED: [&str; 5] = ISSUED;
/// The service taken out of its counter, removed and added back.
const REMOVABLE: &str = "exit-entry";
/// The only counter serving [`REMOVABLE`].
const REMOVABLE_COUNTER: u32 = 9;
/// Where counters transfer tickets; never transfers on.
const CASHIER: &str = "cashier";
/// Never disabled or removed: the ticket issued after each restart to
/// learn the highest ticket id.
const PROBE_SERVICE: &str = "social-insurance";
/// Letters no demo service uses, for prefix moves.
const FREE_LETTERS: [&str; 4] = ["W", "X", "Y", "Z"];
/// Numbers get four digits at the start so that fifty rounds of tickets
/// (and raised first numbers) never exhaust a prefix.
const LAST_NUMBER: u32 = 9999;

// ----- What was acknowledged ------------------------------------------------

/// A ticket number's identity within a business day: day, prefix, value.
/// `F012` and `F0012` are the same number to the citizen holding it.
type NumberKey = (String, String, u32);

fn split_number(number: &str) -> (String, u32) {
    let digits = number
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or_else(|| panic!("ticket number {number:?} has digits"));
    let (prefix, value) = number.split_at(digits);
    (
        prefix.to_owned(),
        value
            .parse()
            .unwrap_or_else(|_| panic!("ticket number {number:?}")),
    )
}

fn millis(v: &Value) -> Option<i64> {
    let ts: Timestamp = v.as_str()?.parse().ok()?;
    // The read model keeps milliseconds; memory keeps nanoseconds.
    Some(ts.as_millisecond())
}

/// An acknowledged call: when, for which service, at which counter.
#[derive(Debug, Clone)]
struct AckedCall {
    at_ms: i64,
    service: String,
    counter: u32,
}

/// What the clients were told about one ticket.
#[derive(Debug, Default)]
struct Acked {
    /// Number and business day, once an issue (or its replay) was answered.
    issued: Option<(String, String)>,
    calls: Vec<AckedCall>,
    finished: bool,
    /// No-shows acknowledged: a second one is final (one re-queue only).
    no_shows: u8,
    requeued: bool,
    /// A re-queue was cut off by the kill: it may have happened.
    requeue_cut_off: bool,
    to_cashier: bool,
}

#[derive(Debug, Default)]
struct Stats {
    issued: usize,
    retries_replayed: usize,
    calls: usize,
    finishes: usize,
    no_shows: usize,
    requeues: usize,
    requeues_refused_removed: usize,
    transfers: usize,
    recalls: usize,
    config_changes: usize,
    refused_config_changes: usize,
    services_removed: usize,
    cut_off_keyed: usize,
    cut_off_keyed_replayed: usize,
    cut_off_unkeyed: usize,
    committed_unacknowledged: usize,
    kills: usize,
    kills_while_starting: usize,
    graceful_restarts: usize,
    starts: Vec<Duration>,
}

/// Every acknowledgement of the campaign, shared by the client tasks.
#[derive(Debug, Default)]
struct Ledger {
    tickets: BTreeMap<u64, Acked>,
    /// Acknowledged numbers: a second ticket with one is a duplicate.
    numbers: HashMap<NumberKey, u64>,
    /// Tickets acknowledged (or acted on) since the last check.
    dirty: BTreeSet<u64>,
    violations: Vec<String>,
    /// Unexpected answers that only a business-day roll-over (03:00 in
    /// the hall, which a run may straddle) would explain: violations
    /// unless the next check finds a new business day.
    suspects: Vec<String>,
    /// Acknowledged changes this round, and the count that triggers the kill.
    acks: usize,
    kill_at: usize,
    stats: Stats,
}

impl Ledger {
    /// An answered issue (201), or a replay of one (200).
    fn issued(&mut self, v: &Value, context: &str) {
        let id = v["id"].as_u64().expect("ticket id");
        let number = v["number"].as_str().expect("number").to_owned();
        let day = v["business_day"].as_str().expect("business day").to_owned();
        self.dirty.insert(id);
        let entry = self.tickets.entry(id).or_default();
        match &entry.issued {
            Some(known) if known != &(number.clone(), day.clone()) => {
                let msg = format!(
                    "ticket {id} was acknowledged as {known:?} and now as {number} of {day} ({context})"
                );
                self.violations.push(msg);
            }
            Some(_) => {}
            None => {
                entry.issued = Some((number.clone(), day.clone()));
                let (prefix, value) = split_number(&number);
                if let Some(other) = self.numbers.insert((day.clone(), prefix, value), id)
                    && other != id
                {
                    self.violations.push(format!(
                        "number {number} of {day} was acknowledged for ticket {other} and again for ticket {id} ({context})"
                    ));
                }
            }
        }
    }

    /// A counter's answer: records the call it shows, returns the
    /// counter's current ticket and its service.
    fn counter_answer(&mut self, counter: u32, v: &Value) -> Option<(u64, String)> {
        let call = &v["counter"]["current"];
        let id = call["ticket_id"].as_u64()?;
        let service = call["service_id"].as_str().expect("service").to_owned();
        let at_ms = millis(&call["called_at"]).expect("called_at");
        let acked = self.tickets.entry(id).or_default();
        acked.calls.push(AckedCall {
            at_ms,
            service: service.clone(),
            counter,
        });
        self.dirty.insert(id);
        Some((id, service))
    }

    fn acted(&mut self, id: u64, f: impl FnOnce(&mut Acked)) {
        f(self.tickets.entry(id).or_default());
        self.dirty.insert(id);
    }

    fn max_acked_value(&self, prefix: &str) -> u32 {
        self.numbers
            .keys()
            .filter(|(_, p, _)| p == prefix)
            .map(|(_, _, v)| *v)
            .max()
            .unwrap_or(0)
    }
}

/// What the client tasks of one round share.
#[derive(Clone)]
struct Ctx {
    addr: SocketAddr,
    ledger: Arc<Mutex<Ledger>>,
    kill: Arc<Notify>,
}

impl Ctx {
    /// Records an acknowledged change; the one that reaches the round's
    /// kill point tells the campaign to kill the server.
    fn ack<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> T {
        let mut ledger = self.ledger.lock().unwrap();
        let out = f(&mut ledger);
        ledger.acks += 1;
        if ledger.acks == ledger.kill_at {
            self.kill.notify_one();
        }
        out
    }

    fn note(&self, f: impl FnOnce(&mut Ledger)) {
        f(&mut self.ledger.lock().unwrap());
    }

    fn violation(&self, msg: String) {
        self.note(|l| l.violations.push(msg));
    }

    fn suspect(&self, msg: String) {
        self.note(|l| l.suspects.push(msg));
    }
}

// ----- Kiosks ---------------------------------------------------------------

/// A keyed issue whose answer the kill cut off: the kiosk sends it again
/// after the restart. `ticket` is the ticket the key is known to have
/// issued (when the first send was answered and a resend was cut off).
#[derive(Debug, Clone)]
struct PendingKey {
    key: String,
    body: Value,
    ticket: Option<u64>,
}

#[derive(Debug, Default)]
struct KioskEnd {
    /// An unkeyed issue was cut off (it may have made a ticket).
    lost_unkeyed: bool,
    pending: Option<PendingKey>,
}

async fn kiosk(ctx: Ctx, token: String, name: String, mut rng: Rng) -> KioskEnd {
    for i in 0.. {
        let service = *rng.pick(&ISSUED);
        let mut body = json!({ "service_id": service });
        if service != "business-setup" && rng.chance(10) {
            body["priority"] = json!("elderly");
        }
        let key = rng.chance(30).then(|| format!("{name}-{i}"));
        let reply = http(
            ctx.addr,
            "POST",
            "/api/v1/tickets",
            Some(&token),
            key.as_deref(),
            Some(&body),
        )
        .await;
        let ticket = match reply {
            Reply::Answered(201, v) => {
                ctx.ack(|l| {
                    l.issued(&v, "issued");
                    l.stats.issued += 1;
                });
                v["id"].as_u64()
            }
            // The administrator disables and removes this one.
            Reply::Answered(404 | 409, v) if service == REMOVABLE => {
                let code = v["code"].as_str().unwrap_or_default();
                if !matches!(code, "unknown_service" | "service_closed") {
                    ctx.violation(format!("issuing {body}: {v}"));
                }
                None
            }
            Reply::Answered(status, v) => {
                ctx.violation(format!("issuing {body}: {status} {v}"));
                None
            }
            Reply::Lost => {
                return match key {
                    Some(key) => KioskEnd {
                        lost_unkeyed: false,
                        pending: Some(PendingKey {
                            key,
                            body,
                            ticket: None,
                        }),
                    },
                    None => KioskEnd {
                        lost_unkeyed: true,
                        pending: None,
                    },
                };
            }
            Reply::Refused => return KioskEnd::default(),
        };
        // A kiosk that did not see the answer in time sends it again.
        if let (Some(key), Some(id)) = (key, ticket)
            && rng.chance(50)
        {
            match http(
                ctx.addr,
                "POST",
                "/api/v1/tickets",
                Some(&token),
                Some(&key),
                Some(&body),
            )
            .await
            {
                Reply::Answered(200, v)
                    if v["id"].as_u64() == Some(id) && v["replayed"] == json!(true) =>
                {
                    ctx.note(|l| {
                        l.issued(&v, "resent");
                        l.stats.retries_replayed += 1;
                    });
                }
                // A new day forgets yesterday's keys.
                Reply::Answered(201, v) => {
                    ctx.suspect(format!("resending key {key} (ticket {id}) issued {v}"));
                }
                Reply::Answered(status, v) => {
                    ctx.violation(format!(
                        "resending key {key} (ticket {id}) answered {status} {v}"
                    ));
                }
                Reply::Lost | Reply::Refused => {
                    return KioskEnd {
                        lost_unkeyed: false,
                        pending: Some(PendingKey {
                            key,
                            body,
                            ticket: Some(id),
                        }),
                    };
                }
            }
        }
    }
    unreachable!("a kiosk issues until the server is killed")
}

// ----- Staff ----------------------------------------------------------------

/// The ticket a counter serves and its service, as the counter shows it;
/// `None` when the server is gone.
async fn serving(ctx: &Ctx, token: &str, counter: u32) -> Option<Option<(u64, String)>> {
    let path = format!("/api/v1/counters/{counter}");
    match http(ctx.addr, "GET", &path, Some(token), None, None).await {
        Reply::Answered(200, v) => {
            let call = &v["counter"]["current"];
            Some(
                call["ticket_id"]
                    .as_u64()
                    .map(|id| (id, call["service_id"].as_str().expect("service").to_owned())),
            )
        }
        Reply::Answered(status, v) => panic!("GET {path}: {status} {v}"),
        Reply::Lost | Reply::Refused => None,
    }
}

/// A member of staff at `counter`, working until the server is killed.
async fn staff(ctx: Ctx, token: String, counter: u32, mut rng: Rng) {
    let Some(mut current) = serving(&ctx, &token, counter).await else {
        return;
    };
    // No-shows of this round, which the citizen may come back for.
    let mut missed = Vec::new();
    loop {
        let (op, body) = match &current {
            None => ("call-next", json!({})),
            Some((id, service)) => match rng.below(100) {
                0..55 => ("finish", json!({ "ticket_id": id })),
                55..70 => ("no-show", json!({ "ticket_id": id })),
                70..85 if service != CASHIER => (
                    "transfer",
                    json!({ "ticket_id": id, "to_service": CASHIER }),
                ),
                70..85 => ("finish", json!({ "ticket_id": id })),
                _ => ("recall", json!({ "ticket_id": id })),
            },
        };
        let path = format!("/api/v1/counters/{counter}/{op}");
        let before = current.as_ref().map(|(id, _)| *id);
        let reply = http(ctx.addr, "POST", &path, Some(&token), None, Some(&body)).await;
        let acknowledged = matches!(reply, Reply::Answered(200, _));
        match reply {
            Reply::Answered(200, v) => {
                current = ctx.ack(|l| {
                    match (op, before) {
                        ("finish", Some(id)) => {
                            l.acted(id, |t| t.finished = true);
                            l.stats.finishes += 1;
                        }
                        ("no-show", Some(id)) => {
                            l.acted(id, |t| t.no_shows += 1);
                            l.stats.no_shows += 1;
                        }
                        ("transfer", Some(id)) => {
                            l.acted(id, |t| t.to_cashier = true);
                            l.stats.transfers += 1;
                        }
                        ("recall", _) => l.stats.recalls += 1,
                        _ => {}
                    }
                    // Call-next, or the automatic call after a finish,
                    // no-show or transfer at an auto-call counter.
                    let now = l.counter_answer(counter, &v);
                    if now.is_some() && op != "recall" {
                        l.stats.calls += 1;
                    }
                    now
                });
            }
            Reply::Answered(204, _) if op == "call-next" => {
                current = None;
                // Nobody waiting: a person at the counter would look up
                // before pressing again. Pacing, not synchronisation.
                tokio::time::sleep(Duration::from_millis(2 + rng.below(6))).await;
            }
            Reply::Answered(409, v) if v["code"] == "recall_limit" => {}
            Reply::Answered(status, v) => {
                let message = format!("counter {counter} {op} {body}: {status} {v}");
                // The roll-over expires the ticket being served.
                let stale = matches!(
                    v["code"].as_str(),
                    Some("ticket_mismatch" | "no_current_ticket" | "unknown_ticket")
                );
                if stale {
                    ctx.suspect(message);
                } else {
                    ctx.violation(message);
                }
                let Some(now) = serving(&ctx, &token, counter).await else {
                    return;
                };
                current = now;
            }
            Reply::Lost | Reply::Refused => return,
        }
        if let (true, Some(id)) = (acknowledged && op == "no-show", before) {
            missed.push(id);
        }
        // A citizen who missed the call comes back a while later: staff
        // put the ticket back in its queue (its service may be gone).
        if !missed.is_empty() && rng.chance(8) {
            let id = missed.swap_remove(rng.below(missed.len() as u64) as usize);
            if !requeue(&ctx, &token, id).await {
                return;
            }
        }
    }
}

/// Re-queues a no-show; false when the server is gone.
async fn requeue(ctx: &Ctx, token: &str, id: u64) -> bool {
    let path = format!("/api/v1/tickets/{id}/requeue");
    match http(ctx.addr, "POST", &path, Some(token), None, None).await {
        Reply::Answered(200, _) => ctx.ack(|l| {
            l.acted(id, |t| t.requeued = true);
            l.stats.requeues += 1;
            true
        }),
        // Its service was removed since, or it was re-queued before.
        Reply::Answered(404, v) if v["code"] == "unknown_service" => {
            ctx.note(|l| l.stats.requeues_refused_removed += 1);
            true
        }
        Reply::Answered(409, v) if v["code"] == "already_requeued" => true,
        // The roll-over sends yesterday's no-shows away.
        Reply::Answered(404 | 409, v)
            if matches!(v["code"].as_str(), Some("unknown_ticket" | "wrong_state")) =>
        {
            ctx.suspect(format!("re-queue of {id}: {v}"));
            true
        }
        Reply::Answered(status, v) => {
            ctx.violation(format!("re-queue of {id}: {status} {v}"));
            true
        }
        Reply::Lost => {
            ctx.note(|l| l.acted(id, |t| t.requeue_cut_off = true));
            false
        }
        Reply::Refused => false,
    }
}

// ----- The administrator ----------------------------------------------------

/// The hall as the administrator last had it acknowledged.
#[derive(Debug, Clone)]
struct AdminModel {
    /// `GET /admin/config`, with every acknowledged change applied.
    config: Value,
    /// Status (`open`, `paused`, `closed`) of the unstaffed counters.
    status: BTreeMap<u32, String>,
    /// Each managed service's prefix and Chinese name at the start.
    originals: BTreeMap<String, (String, String)>,
    /// The removed service, to add back.
    parked: Option<Value>,
    /// Every first number ever sent: numbering may jump to these.
    first_numbers: BTreeSet<u32>,
}

impl AdminModel {
    fn service(&self, id: &str) -> Option<&Value> {
        self.config["services"]
            .as_array()
            .expect("services")
            .iter()
            .find(|s| s["id"] == id)
    }

    fn counter(&self, id: u32) -> &Value {
        self.config["counters"]
            .as_array()
            .expect("counters")
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("counter {id} is never removed"))
    }

    fn prefixes(&self) -> BTreeSet<String> {
        self.config["services"]
            .as_array()
            .expect("services")
            .iter()
            .map(|s| s["prefix"].as_str().expect("prefix").to_owned())
            .collect()
    }

    /// The configuration with services and counters keyed by id, so that
    /// a re-added service at the end of the list compares equal.
    fn normalized(config: &Value) -> Value {
        let mut c = config.clone();
        for (list, key) in [("services", "id"), ("counters", "id")] {
            let by_id: serde_json::Map<String, Value> = c[list]
                .as_array()
                .expect("list")
                .iter()
                .map(|x| (x[key].to_string(), x.clone()))
                .collect();
            c[list] = Value::Object(by_id);
        }
        c
    }

    /// Reads the configuration and the unstaffed counters' status.
    async fn read(addr: SocketAddr, admin: &str) -> (Value, BTreeMap<u32, String>) {
        let (status, config) = must(addr, "GET", "/api/v1/admin/config", Some(admin), None).await;
        assert_eq!(status, 200, "{config}");
        let mut states = BTreeMap::new();
        for c in UNSTAFFED {
            let path = format!("/api/v1/counters/{c}");
            let (status, v) = must(addr, "GET", &path, Some(admin), None).await;
            assert_eq!(status, 200, "{v}");
            let state = v["counter"]["status"]["state"].as_str().expect("state");
            states.insert(c, state.to_owned());
        }
        (config, states)
    }

    fn matches(&self, actual: &(Value, BTreeMap<u32, String>)) -> bool {
        Self::normalized(&self.config) == Self::normalized(&actual.0) && self.status == actual.1
    }

    /// What differs from `actual`, for a failure message.
    fn differences(&self, actual: &(Value, BTreeMap<u32, String>)) -> String {
        let (mine, theirs) = (Self::normalized(&self.config), Self::normalized(&actual.0));
        let mut out = Vec::new();
        for (key, value) in mine.as_object().expect("object") {
            if key == "services" || key == "counters" {
                for (id, item) in value.as_object().expect("by id") {
                    if theirs[key].get(id) != Some(item) {
                        out.push(format!(
                            "{key} {id}: acknowledged {item}, stored {}",
                            theirs[key].get(id).unwrap_or(&Value::Null)
                        ));
                    }
                }
                for id in theirs[key].as_object().expect("by id").keys() {
                    if value.get(id).is_none() {
                        out.push(format!("{key} {id}: stored but removed"));
                    }
                }
            } else if theirs.get(key) != Some(value) {
                out.push(format!("{key} differs"));
            }
        }
        if self.status != actual.1 {
            out.push(format!(
                "counter status: acknowledged {:?}, stored {:?}",
                self.status, actual.1
            ));
        }
        out.join("; ")
    }
}

/// One administrator request.
#[derive(Debug, Clone)]
enum Change {
    PutService(Value),
    DeleteService(String),
    PutCounter(Value),
    PutConfig(Value),
    /// `open` (resume), `paused` or `closed`.
    CounterStatus(u32, &'static str),
}

fn upsert(list: &mut Value, item: &Value) {
    let list = list.as_array_mut().expect("list");
    match list.iter_mut().find(|x| x["id"] == item["id"]) {
        Some(x) => *x = item.clone(),
        None => list.push(item.clone()),
    }
}

impl Change {
    fn request(&self) -> (&'static str, String, Option<Value>) {
        match self {
            Self::PutService(s) => (
                "PUT",
                format!("/api/v1/admin/services/{}", s["id"].as_str().expect("id")),
                Some(s.clone()),
            ),
            Self::DeleteService(id) => ("DELETE", format!("/api/v1/admin/services/{id}"), None),
            Self::PutCounter(c) => (
                "PUT",
                format!("/api/v1/admin/counters/{}", c["id"]),
                Some(c.clone()),
            ),
            Self::PutConfig(c) => ("PUT", "/api/v1/admin/config".into(), Some(c.clone())),
            Self::CounterStatus(id, "open") => {
                ("POST", format!("/api/v1/counters/{id}/resume"), None)
            }
            Self::CounterStatus(id, "paused") => (
                "POST",
                format!("/api/v1/counters/{id}/pause"),
                Some(json!({ "reason": "系统维护" })),
            ),
            Self::CounterStatus(id, _) => ("POST", format!("/api/v1/counters/{id}/close"), None),
        }
    }

    fn apply(&self, m: &mut AdminModel) {
        match self {
            Self::PutService(s) => upsert(&mut m.config["services"], s),
            Self::DeleteService(id) => m.config["services"]
                .as_array_mut()
                .expect("services")
                .retain(|s| s["id"] != id.as_str()),
            Self::PutCounter(c) => upsert(&mut m.config["counters"], c),
            Self::PutConfig(c) => m.config = c.clone(),
            Self::CounterStatus(id, state) => {
                m.status.insert(*id, (*state).to_owned());
            }
        }
    }
}

fn with_field(v: &Value, field: &str, value: Value) -> Value {
    let mut v = v.clone();
    v[field] = value;
    v
}

/// Counter 9 serving only `service`.
fn counter_serving(counter: &Value, service: &str) -> Value {
    with_field(
        counter,
        "services",
        json!([{ "service": service, "weight": 1 }]),
    )
}

/// Waiting tickets of a service, from the public service list.
async fn waiting(addr: SocketAddr, token: &str, service: &str) -> Option<u64> {
    match http(addr, "GET", "/api/v1/services", Some(token), None, None).await {
        Reply::Answered(200, v) => Some(
            v.as_array()
                .expect("services")
                .iter()
                .find(|s| s["id"] == service)
                .map_or(0, |s| s["waiting"].as_u64().expect("waiting")),
        ),
        Reply::Answered(status, v) => panic!("GET /services: {status} {v}"),
        Reply::Lost | Reply::Refused => None,
    }
}

/// The next step of the removal cycle, or a random change when none is
/// under way. `None` when the server is gone.
async fn next_change(ctx: &Ctx, token: &str, m: &mut AdminModel, rng: &mut Rng) -> Option<Change> {
    let removable = m.service(REMOVABLE).cloned();
    let counter = m.counter(REMOVABLE_COUNTER).clone();
    let served = counter["services"]
        .as_array()
        .expect("services")
        .iter()
        .any(|s| s["service"] == REMOVABLE);
    let enabled = removable.as_ref().map(|s| s["enabled"] != false);
    Some(match (enabled, served) {
        // Removed: add it back, on a free prefix if its own was taken,
        // sometimes with a lower first number.
        (None, _) => {
            let mut s = m.parked.clone().expect("the removed service was parked");
            s["enabled"] = json!(true);
            let prefixes = m.prefixes();
            if prefixes.contains(s["prefix"].as_str().expect("prefix")) {
                let own = m.originals[REMOVABLE].0.as_str();
                let free: Vec<&str> = FREE_LETTERS
                    .into_iter()
                    .chain([own])
                    .filter(|l| !prefixes.contains(*l))
                    .collect();
                s["prefix"] = json!(*rng.pick(&free));
            }
            if rng.chance(50) {
                s["first_number"] = json!(1);
                m.first_numbers.insert(1);
            }
            Change::PutService(s)
        }
        // Back on its counter.
        (Some(true), false) => Change::PutCounter(counter_serving(&counter, REMOVABLE)),
        // Disabled and off its counter: remove it (refused while a ticket
        // of it is still being served; counter 9's staff will finish it).
        (Some(false), false) => {
            // A no-show re-queued meanwhile: back on its counter to drain.
            if waiting(ctx.addr, token, REMOVABLE).await? > 0 {
                Change::PutCounter(counter_serving(&counter, REMOVABLE))
            } else {
                m.parked = removable;
                Change::DeleteService(REMOVABLE.into())
            }
        }
        // Disabled: once its queue is empty, take it off its counter.
        (Some(false), true) => {
            if waiting(ctx.addr, token, REMOVABLE).await? == 0 {
                Change::PutCounter(counter_serving(&counter, CASHIER))
            } else {
                random_change(ctx, m, rng, false)
            }
        }
        (Some(true), true) => random_change(ctx, m, rng, true),
    })
}

fn random_change(ctx: &Ctx, m: &mut AdminModel, rng: &mut Rng, may_remove: bool) -> Change {
    let present: Vec<Value> = MANAGED
        .iter()
        .filter_map(|id| m.service(id).cloned())
        .collect();
    let s = rng.pick(&present).clone();
    let id = s["id"].as_str().expect("id").to_owned();
    let (original_prefix, original_name) = m.originals[&id].clone();
    let rename = |rng: &mut Rng| {
        let name = if s["name_zh"] == original_name.as_str() {
            format!("{original_name}（{}）", rng.below(1000))
        } else {
            original_name.clone()
        };
        Change::PutService(with_field(&s, "name_zh", json!(name)))
    };
    match rng.below(100) {
        0..20 => rename(rng),
        // A free letter, or back to its own when that is free.
        20..40 => {
            let prefixes = m.prefixes();
            let prefix = if s["prefix"] != original_prefix.as_str()
                && !prefixes.contains(&original_prefix)
            {
                original_prefix
            } else {
                let free: Vec<_> = FREE_LETTERS
                    .iter()
                    .filter(|l| !prefixes.contains(**l))
                    .collect();
                if free.is_empty() {
                    return rename(rng);
                }
                (**rng.pick(&free)).to_owned()
            };
            Change::PutService(with_field(&s, "prefix", json!(prefix)))
        }
        // Raise the first number past what was issued (a jump), or lower
        // it back to 1 (numbering must continue, not restart).
        40..55 => {
            let first = if s["first_number"].as_u64() == Some(1) {
                let prefix = s["prefix"].as_str().expect("prefix");
                let top = ctx.ledger.lock().unwrap().max_acked_value(prefix);
                (top + 2 + rng.below(20) as u32).min(LAST_NUMBER - 500)
            } else {
                1
            };
            m.first_numbers.insert(first);
            Change::PutService(with_field(&s, "first_number", json!(first)))
        }
        55..75 => {
            let c = *rng.pick(&UNSTAFFED);
            let to = match m.status[&c].as_str() {
                "closed" => "open",
                "open" => *rng.pick(&["paused", "closed"]),
                _ => *rng.pick(&["open", "closed"]),
            };
            Change::CounterStatus(c, to)
        }
        75..85 => {
            let mut config = m.config.clone();
            let name = config["hall"]["name_en"].as_str().expect("name").to_owned();
            config["hall"]["name_en"] = json!(match name.strip_suffix(" (crash test)") {
                Some(plain) => plain.to_owned(),
                None => format!("{name} (crash test)"),
            });
            Change::PutConfig(config)
        }
        _ if may_remove => {
            let s = m.service(REMOVABLE).expect("present").clone();
            Change::PutService(with_field(&s, "enabled", json!(false)))
        }
        _ => rename(rng),
    }
}

#[derive(Debug)]
struct AdminEnd {
    model: AdminModel,
    /// The change whose answer the kill cut off.
    pending: Option<Change>,
}

async fn admin(ctx: Ctx, token: String, mut model: AdminModel, mut rng: Rng) -> AdminEnd {
    loop {
        let Some(change) = next_change(&ctx, &token, &mut model, &mut rng).await else {
            return AdminEnd {
                model,
                pending: None,
            };
        };
        let (method, path, body) = change.request();
        match http(ctx.addr, method, &path, Some(&token), None, body.as_ref()).await {
            Reply::Answered(200..300, answer) => {
                // The model keeps what the server says it saved.
                let saved = match &change {
                    Change::PutService(_) => Change::PutService(answer),
                    Change::PutCounter(_) => Change::PutCounter(answer),
                    Change::PutConfig(_) => Change::PutConfig(answer),
                    other => other.clone(),
                };
                saved.apply(&mut model);
                ctx.ack(|l| {
                    l.stats.config_changes += 1;
                    if matches!(change, Change::DeleteService(_)) {
                        l.stats.services_removed += 1;
                    }
                });
            }
            Reply::Answered(409, v)
                if matches!(change, Change::DeleteService(_)) && v["code"] == "service_in_use" =>
            {
                ctx.note(|l| l.stats.refused_config_changes += 1);
            }
            Reply::Answered(status, v) => {
                ctx.violation(format!("admin {method} {path} {body:?}: {status} {v}"));
            }
            Reply::Lost => {
                return AdminEnd {
                    model,
                    pending: Some(change),
                };
            }
            Reply::Refused => {
                return AdminEnd {
                    model,
                    pending: None,
                };
            }
        }
        // An administrator clicks, reads, clicks again. Pacing only.
        tokio::time::sleep(Duration::from_millis(5 + rng.below(20))).await;
    }
}

// ----- The campaign ---------------------------------------------------------

async fn login(addr: SocketAddr, user: &str, password: &str) -> String {
    let body = json!({ "username": user, "password": password });
    let (status, v) = must(addr, "POST", "/api/v1/auth/login", None, Some(&body)).await;
    assert_eq!(status, 200, "login {user}: {v}");
    v["token"].as_str().expect("token").to_owned()
}

/// What the campaign keeps between rounds.
struct Campaign {
    seed: u64,
    rng: Rng,
    data: tempfile::TempDir,
    kiosk: String,
    admin: String,
    staff: Vec<(u32, String)>,
    ledger: Arc<Mutex<Ledger>>,
    model: AdminModel,
    /// Keyed issues cut off by the last kill.
    pending_keys: Vec<PendingKey>,
    /// Unkeyed issues cut off by the last kill.
    lost_unkeyed: usize,
    /// The administrator's change cut off by the last kill.
    pending_change: Option<Change>,
    /// Every ticket in the database by number, and the ids looked at.
    stored_numbers: HashMap<NumberKey, u64>,
    scanned_to: u64,
    /// Ids below the highest one that no ticket has.
    holes: Vec<u64>,
    /// The business day at the last check.
    day: String,
    round: usize,
    rounds: usize,
}

impl Campaign {
    fn fail_if_violated(&self, when: &str) {
        let ledger = self.ledger.lock().unwrap();
        assert!(
            ledger.violations.is_empty(),
            "crash campaign (seed {}, round {}), {when}:\n  {}",
            self.seed,
            self.round,
            ledger.violations.join("\n  ")
        );
    }

    fn violation(&self, msg: String) {
        self.ledger.lock().unwrap().violations.push(msg);
    }

    async fn setup(seed: u64) -> (Self, ServerProcess) {
        let data = tempfile::tempdir().expect("tempdir");
        let server = ServerProcess::start(data.path(), true).await;
        let addr = server.addr;
        let devices =
            std::fs::read_to_string(data.path().join("demo-devices.toml")).expect("demo tokens");
        let kiosk = devices
            .lines()
            .find_map(|l| {
                l.strip_prefix("kiosk_token = \"")
                    .map(|r| r.trim_end_matches('"').to_owned())
            })
            .expect("kiosk token");
        let admin = login(addr, "admin", ADMIN_PASSWORD).await;
        let mut staff = Vec::new();
        for c in STAFFED {
            let token = login(
                addr,
                &format!("staff{c}"),
                banli_server::DEMO_STAFF_PASSWORD,
            )
            .await;
            staff.push((c, token));
        }
        let (config, status) = AdminModel::read(addr, &admin).await;
        let mut model = AdminModel {
            config,
            status,
            originals: BTreeMap::new(),
            parked: None,
            first_numbers: BTreeSet::from([1]),
        };
        for id in MANAGED {
            let s = model.service(id).expect("demo service").clone();
            model.originals.insert(
                id.to_owned(),
                (
                    s["prefix"].as_str().expect("prefix").to_owned(),
                    s["name_zh"].as_str().expect("name").to_owned(),
                ),
            );
            let wide = with_field(
                &with_field(&s, "number_width", json!(4)),
                "last_number",
                json!(LAST_NUMBER),
            );
            let change = Change::PutService(wide);
            let (method, path, body) = change.request();
            let (status, v) = must(addr, method, &path, Some(&admin), body.as_ref()).await;
            assert_eq!(status, 200, "{v}");
            change.apply(&mut model);
        }
        let campaign = Self {
            seed,
            rng: Rng::new(seed),
            data,
            kiosk,
            admin,
            staff,
            ledger: Arc::default(),
            model,
            pending_keys: Vec::new(),
            lost_unkeyed: 0,
            pending_change: None,
            stored_numbers: HashMap::new(),
            scanned_to: 0,
            holes: Vec::new(),
            day: String::new(),
            round: 0,
            rounds: 0,
        };
        (campaign, server)
    }

    /// Mixed load until the round's kill point, then SIGKILL.
    async fn load_and_kill(&mut self, server: ServerProcess) {
        let ctx = Ctx {
            addr: server.addr,
            ledger: Arc::clone(&self.ledger),
            kill: Arc::new(Notify::new()),
        };
        let kill_at = self.rng.below(KILL_WINDOW) as usize;
        {
            let mut l = self.ledger.lock().unwrap();
            l.acks = 0;
            l.kill_at = kill_at;
        }
        let mut kiosks = Vec::new();
        for k in 0..KIOSKS {
            let name = format!("r{}-k{k}", self.round);
            kiosks.push(tokio::spawn(kiosk(
                ctx.clone(),
                self.kiosk.clone(),
                name,
                self.rng.fork(),
            )));
        }
        let mut staff_tasks = Vec::new();
        for (counter, token) in &self.staff {
            staff_tasks.push(tokio::spawn(staff(
                ctx.clone(),
                token.clone(),
                *counter,
                self.rng.fork(),
            )));
        }
        let admin_task = tokio::spawn(admin(
            ctx.clone(),
            self.admin.clone(),
            self.model.clone(),
            self.rng.fork(),
        ));
        if kill_at > 0 {
            let reached = tokio::time::timeout(ROUND_TIMEOUT, ctx.kill.notified()).await;
            if reached.is_err() {
                let acks = self.ledger.lock().unwrap().acks;
                panic!(
                    "crash campaign (seed {}, round {}): {acks} of {kill_at} acknowledgements in {ROUND_TIMEOUT:?}: the hall stalled",
                    self.seed, self.round
                );
            }
        }
        server.kill().await;
        self.ledger.lock().unwrap().stats.kills += 1;

        self.pending_keys.clear();
        self.lost_unkeyed = 0;
        for k in kiosks {
            let end = k.await.expect("kiosk task");
            self.lost_unkeyed += usize::from(end.lost_unkeyed);
            self.pending_keys.extend(end.pending);
        }
        for s in staff_tasks {
            s.await.expect("staff task");
        }
        let end = admin_task.await.expect("admin task");
        self.model = end.model;
        self.pending_change = end.pending;
        let mut l = self.ledger.lock().unwrap();
        l.stats.cut_off_unkeyed += self.lost_unkeyed;
        l.stats.cut_off_keyed += self.pending_keys.len();
    }

    /// Starts the server again (sometimes killing a first attempt while it
    /// replays the journal) and checks everything acknowledged.
    async fn restart(&mut self) -> ServerProcess {
        if self.rng.chance(15) {
            let after = Duration::from_millis(self.rng.below(60));
            ServerProcess::kill_while_starting(self.data.path(), after).await;
            self.ledger.lock().unwrap().stats.kills_while_starting += 1;
        }
        let started = Instant::now();
        let server = ServerProcess::start(self.data.path(), false).await;
        self.ledger
            .lock()
            .unwrap()
            .stats
            .starts
            .push(started.elapsed());
        let everything = self.round.is_multiple_of(10) || self.round == self.rounds;
        self.check(server.addr, everything).await;
        server
    }

    /// Everything a restart must keep; `everything` re-reads every ticket
    /// ever acknowledged, not only those acknowledged since the last check.
    async fn check(&mut self, addr: SocketAddr, everything: bool) {
        healthy(addr).await;
        self.check_configuration(addr).await;
        self.retry_cut_off_keys(addr).await;
        let (today, newest) = self.probe(addr).await;
        let new_day = !self.day.is_empty() && today != self.day;
        self.day.clone_from(&today);
        {
            let mut l = self.ledger.lock().unwrap();
            let suspects = std::mem::take(&mut l.suspects);
            if !new_day {
                l.violations.extend(suspects);
            }
        }
        let stored = self.scan(addr, newest, new_day).await;
        self.check_acknowledged(addr, &today, stored, everything)
            .await;
        self.check_counters(addr).await;
        self.fail_if_violated("after a restart");
    }

    /// The configuration is the acknowledged one, or that plus the one
    /// change whose answer was cut off.
    async fn check_configuration(&mut self, addr: SocketAddr) {
        let actual = AdminModel::read(addr, &self.admin).await;
        if !self.model.matches(&actual) {
            let with_pending = self.pending_change.as_ref().map(|c| {
                let mut m = self.model.clone();
                c.apply(&mut m);
                m
            });
            if !with_pending.as_ref().is_some_and(|m| m.matches(&actual)) {
                self.violation(format!(
                    "the configuration is not what was acknowledged (cut off: {:?}): {}",
                    self.pending_change,
                    self.model.differences(&actual)
                ));
            }
        }
        self.model.config = actual.0;
        self.model.status = actual.1;
        self.pending_change = None;
    }

    /// A kiosk sends again each keyed request the kill cut off: it gets
    /// the ticket that request made, or a new one if it made none.
    async fn retry_cut_off_keys(&mut self, addr: SocketAddr) {
        for p in std::mem::take(&mut self.pending_keys) {
            let reply = http(
                addr,
                "POST",
                "/api/v1/tickets",
                Some(&self.kiosk),
                Some(&p.key),
                Some(&p.body),
            )
            .await;
            let mut l = self.ledger.lock().unwrap();
            match (reply, p.ticket) {
                (Reply::Answered(200, v), known) if v["replayed"] == json!(true) => {
                    if known.is_some_and(|id| v["id"].as_u64() != Some(id)) {
                        l.violations.push(format!(
                            "key {} issued ticket {known:?} but its retry answers {v}",
                            p.key
                        ));
                    }
                    l.issued(&v, "retry after restart");
                    l.stats.cut_off_keyed_replayed += 1;
                }
                (Reply::Answered(201, v), None) => l.issued(&v, "retry after restart"),
                (Reply::Answered(201, v), Some(id)) => {
                    l.issued(&v, "retry after restart");
                    l.suspects.push(format!(
                        "key {} issued ticket {id}, and its retry after the restart a new one: {v}",
                        p.key
                    ));
                }
                (Reply::Answered(404 | 409, _), None) if p.body["service_id"] == REMOVABLE => {}
                (reply, known) => l.violations.push(format!(
                    "retry of key {} (known ticket {known:?}) after the restart: {reply:?}",
                    p.key
                )),
            }
        }
    }

    /// Issues one ticket: every ticket the database holds has a lower id.
    async fn probe(&mut self, addr: SocketAddr) -> (String, u64) {
        let body = json!({ "service_id": PROBE_SERVICE });
        let (status, v) = must(
            addr,
            "POST",
            "/api/v1/tickets",
            Some(&self.kiosk),
            Some(&body),
        )
        .await;
        assert_eq!(status, 201, "probe ticket: {v}");
        self.ledger.lock().unwrap().issued(&v, "probe");
        (
            v["business_day"].as_str().expect("day").to_owned(),
            v["id"].as_u64().expect("id"),
        )
    }

    /// Reads every ticket id not read yet up to `newest`: no number twice
    /// in a day, and no more unacknowledged tickets than requests cut off.
    async fn scan(&mut self, addr: SocketAddr, newest: u64, new_day: bool) -> HashMap<u64, Value> {
        let mut stored = HashMap::new();
        let mut unacknowledged = Vec::new();
        for id in self.scanned_to + 1..=newest {
            let (status, v) = ticket(addr, &self.admin, id).await;
            if status == 404 {
                self.holes.push(id);
                continue;
            }
            assert_eq!(status, 200, "ticket {id}: {v}");
            let number = v["number"].as_str().expect("number");
            let day = v["business_day"].as_str().expect("day").to_owned();
            let (prefix, value) = split_number(number);
            if let Some(other) = self.stored_numbers.insert((day.clone(), prefix, value), id) {
                self.violation(format!(
                    "number {number} of {day} was issued twice: tickets {other} and {id}"
                ));
            }
            let acked = self
                .ledger
                .lock()
                .unwrap()
                .tickets
                .get(&id)
                .is_some_and(|t| t.issued.is_some());
            if !acked {
                unacknowledged.push(format!("{id} ({number})"));
            }
            stored.insert(id, v);
        }
        self.scanned_to = newest;
        // Committed, but the kill cut the answer off: allowed, once per
        // cut-off request. A keyed request's retry claimed its ticket
        // (unless a new day made the server forget the key).
        if unacknowledged.len() > self.lost_unkeyed && !new_day {
            self.violation(format!(
                "{} tickets exist that no answer acknowledged ({}), but only {} unkeyed issue requests were cut off",
                unacknowledged.len(),
                unacknowledged.join(", "),
                self.lost_unkeyed
            ));
        }
        self.ledger.lock().unwrap().stats.committed_unacknowledged += unacknowledged.len();
        stored
    }

    /// Every acknowledged ticket and operation (since the last check, or
    /// all of them) is in the database.
    async fn check_acknowledged(
        &mut self,
        addr: SocketAddr,
        today: &str,
        mut stored: HashMap<u64, Value>,
        everything: bool,
    ) {
        let ids: Vec<u64> = {
            let mut l = self.ledger.lock().unwrap();
            let dirty = std::mem::take(&mut l.dirty);
            if everything {
                l.tickets.keys().copied().collect()
            } else {
                dirty.into_iter().collect()
            }
        };
        for id in ids {
            let v = match stored.remove(&id) {
                Some(v) => v,
                None => {
                    let (status, v) = ticket(addr, &self.admin, id).await;
                    if status != 200 {
                        self.violation(format!("acknowledged ticket {id} is gone: {status} {v}"));
                        continue;
                    }
                    v
                }
            };
            let problems = {
                let l = self.ledger.lock().unwrap();
                ticket_problems(id, &l.tickets[&id], &v, today)
            };
            for p in problems {
                self.violation(p);
            }
        }
    }

    /// No two counters serve the same ticket, and each serves a called one.
    async fn check_counters(&mut self, addr: SocketAddr) {
        let (status, hall) = must(addr, "GET", "/api/v1/hall", Some(&self.admin), None).await;
        assert_eq!(status, 200, "{hall}");
        let mut serving = BTreeMap::new();
        for c in hall["counters"].as_array().expect("counters") {
            if let Some(id) = c["current"]["ticket_id"].as_u64() {
                if let Some(other) = serving.insert(id, c["id"].clone()) {
                    self.violation(format!(
                        "ticket {id} is served at counters {other} and {}",
                        c["id"]
                    ));
                }
                let (_, v) = ticket(addr, &self.admin, id).await;
                if v["status"] != "called" {
                    self.violation(format!("counter {} serves ticket {v}", c["id"]));
                }
            }
        }
    }

    /// SIGTERM, then a start: nothing changes, and the snapshot written on
    /// the way out is what the next rounds' kills restart from.
    async fn graceful_restart(&mut self, server: ServerProcess) -> ServerProcess {
        let status = server.terminate().await;
        assert!(status.success(), "graceful stop: {status}");
        self.ledger.lock().unwrap().stats.graceful_restarts += 1;
        let server = ServerProcess::start(self.data.path(), false).await;
        self.check(server.addr, false).await;
        server
    }

    /// Each prefix's numbers of a day run on by one, except up to a first
    /// number an administrator set.
    fn check_numbering(&self) {
        let mut by_prefix: BTreeMap<(&str, &str), Vec<u32>> = BTreeMap::new();
        for (day, prefix, value) in self.stored_numbers.keys() {
            by_prefix.entry((day, prefix)).or_default().push(*value);
        }
        for ((day, prefix), mut values) in by_prefix {
            values.sort_unstable();
            let mut last = 0;
            for v in values {
                if v != last + 1 && !self.model.first_numbers.contains(&v) {
                    self.violation(format!(
                        "{day} {prefix}: number {v} follows {last}, and no first number was set to {v}"
                    ));
                }
                last = v;
            }
        }
    }
}

async fn ticket(addr: SocketAddr, token: &str, id: u64) -> (u16, Value) {
    must(
        addr,
        "GET",
        &format!("/api/v1/tickets/{id}"),
        Some(token),
        None,
    )
    .await
}

/// `/health` answers 200 (polled, with a bound).
async fn healthy(addr: SocketAddr) {
    for _ in 0..500 {
        if let Reply::Answered(200, _) = http(addr, "GET", "/api/v1/health", None, None, None).await
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("/health did not answer 200 within 5 s of the restart");
}

/// What is wrong with the stored ticket `v` given what was acknowledged.
fn ticket_problems(id: u64, acked: &Acked, v: &Value, today: &str) -> Vec<String> {
    let mut out = Vec::new();
    let status = v["status"].as_str().expect("status");
    let service = v["service_id"].as_str().expect("service");
    let day = v["business_day"].as_str().expect("day");
    if let Some((number, acked_day)) = &acked.issued
        && (v["number"] != number.as_str() || day != acked_day)
    {
        out.push(format!(
            "ticket {id} was acknowledged as {number} of {acked_day}, stored as {v}"
        ));
    }
    // A ticket still open at a roll-over expires; that is not a loss.
    if status == "expired" && day != today {
        return out;
    }
    if acked.finished && status != "finished" {
        out.push(format!("ticket {id}: acknowledged finished, stored {v}"));
    }
    let may_be_back = acked.requeued || acked.requeue_cut_off;
    if (acked.no_shows > 1 || (acked.no_shows == 1 && !may_be_back)) && status != "no_show" {
        out.push(format!("ticket {id}: acknowledged no-show, stored {v}"));
    }
    if acked.to_cashier && service != CASHIER {
        out.push(format!(
            "ticket {id}: acknowledged transfer to {CASHIER}, stored {v}"
        ));
    }
    if let Some(call) = acked.calls.iter().max_by_key(|c| c.at_ms) {
        let called = millis(&v["called_at"]);
        if called.is_none_or(|at| at < call.at_ms) {
            out.push(format!(
                "ticket {id}: call at counter {} ({} ms) acknowledged, stored {v}",
                call.counter, call.at_ms
            ));
        }
        if status == "waiting" && service == call.service && !may_be_back {
            out.push(format!(
                "ticket {id}: called at counter {} but waiting again in {service}: {v}",
                call.counter
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hall_survives_fifty_kills_under_mixed_load() {
    let seed = crash_support::seed();
    let rounds = std::env::var("BANLI_CRASH_ROUNDS")
        .ok()
        .map_or(ROUNDS, |r| r.parse().expect("BANLI_CRASH_ROUNDS"));
    println!("crash campaign: seed {seed} (replay with BANLI_CRASH_SEED={seed}), {rounds} rounds");
    let started = Instant::now();
    let (mut campaign, mut server) = Campaign::setup(seed).await;
    campaign.rounds = rounds;
    healthy(server.addr).await;
    for round in 1..=rounds {
        campaign.round = round;
        campaign.load_and_kill(server).await;
        server = campaign.restart().await;
        if round % 10 == 5 {
            server = campaign.graceful_restart(server).await;
        }
    }
    // The last restart checked everything acknowledged; now the numbers.
    campaign.check_numbering();
    campaign.fail_if_violated("at the end");
    let (_, hall) = must(
        server.addr,
        "GET",
        "/api/v1/hall",
        Some(&campaign.admin),
        None,
    )
    .await;
    server.kill().await;

    let ledger = campaign.ledger.lock().unwrap();
    let s = &ledger.stats;
    let slowest = s.starts.iter().max().copied().unwrap_or_default();
    let mean = s.starts.iter().sum::<Duration>() / s.starts.len().max(1) as u32;
    println!(
        "crash campaign: seed {seed}, {rounds} rounds in {:.1?}\n  kills: {} under load, {} while starting; {} graceful restarts; start {mean:.0?} mean, {slowest:.0?} slowest\n  acknowledged: {} tickets ({} issues, {} resends replayed), {} calls, {} finishes, {} no-shows, {} re-queues ({} refused: service removed), {} transfers, {} recalls, {} admin changes ({} service removals; {} removals refused while in use)\n  cut off by kills: {} keyed issues ({} had made their ticket), {} unkeyed; {} tickets committed without an answer\n  ids without a ticket: {:?}; {} events journaled",
        started.elapsed(),
        s.kills,
        s.kills_while_starting,
        s.graceful_restarts,
        ledger
            .tickets
            .values()
            .filter(|t| t.issued.is_some())
            .count(),
        s.issued,
        s.retries_replayed,
        s.calls,
        s.finishes,
        s.no_shows,
        s.requeues,
        s.requeues_refused_removed,
        s.transfers,
        s.recalls,
        s.config_changes,
        s.services_removed,
        s.refused_config_changes,
        s.cut_off_keyed,
        s.cut_off_keyed_replayed,
        s.cut_off_unkeyed,
        s.committed_unacknowledged,
        campaign.holes,
        hall["seq"],
    );
}
