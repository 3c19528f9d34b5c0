//! The queue engine: a pure, deterministic state machine (sans-IO).
//!
//! # Contract
//! - Time is always an argument. The engine never reads a clock, a file or
//!   a socket, so the server, the simulator and the tests drive the same code
//!   and a test can run a whole day in microseconds.
//! - [`Engine::handle`] decides: it checks a [`Command`] against the state
//!   and the rules and either refuses it with a [`Rejection`] (changing
//!   nothing) or records one or more [`Event`]s. Recording an event applies
//!   it at once; callers then drain [`Engine::poll_event`] *after every
//!   mutation* and persist the events in order before acknowledging.
//! - Applying an event never decides anything: every choice (which ticket a
//!   counter gets, where a transfer is inserted, the round-robin weights) is
//!   in the event. [`Engine::replay`] applies journaled events to rebuild the
//!   state after a restart, producing no output.
//! - [`Engine::poll_timeout`] says when [`Engine::handle_timeout`] must be
//!   called next (the business-day roll-over). Every command also rolls the
//!   day first if it is due, so a server that slept through the roll-over
//!   cannot issue numbers on the wrong day.
//!
//! # Layout
//! - [`command`]: [`Command`] in, [`Outcome`] back.
//! - [`event`]: [`Event`], the journal's unit.
//! - [`rejection`]: [`Rejection`], why a command was refused.
//! - [`ticket`]: [`TicketRecord`] and its status and class.
//! - [`queue`]: a service's two lanes and a counter's runtime state.
//! - This file: [`Engine`], the decisions, the application of events, and
//!   the views the API serves.

mod cases;
pub mod command;
pub mod event;
pub mod feedback;
pub mod queue;
pub mod rejection;
pub mod ticket;

use std::collections::{BTreeMap, HashMap, VecDeque};

use compact_str::CompactString;
use imbl::OrdMap;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

pub use command::{Command, Outcome};
pub use event::{Appointment, Event};
pub use queue::{CounterState, CounterStatus, ServiceQueue};
pub use rejection::Rejection;
pub use ticket::{TicketClass, TicketRecord, TicketStatus};

use crate::config::{ClockTime, Counter, HallConfig, Hours, Policy, Service, TransferPosition};
use crate::ids::{CounterId, ServiceId, TicketId};
use crate::wire::{
    CallView, ClosedReason, CounterView, HallEvent, HallSnapshot, ServiceView, TicketView,
    WaitingCount,
};

/// How many recent calls a snapshot carries for the boards.
const RECENT_CALLS: usize = 20;
/// Weight of the newest handle time in the rolling average. Small, because
/// handle times vary a lot (a spread of half the mean is usual): at 0.2 the
/// average itself wandered by a fifth, and every estimate with it; measured
/// on the simulator's benchmark days, 0.05 cut the mean absolute error of
/// the estimates from 2.5 to 2.1 minutes (BENCHMARKS.md). It still follows
/// a real change within a few dozen citizens.
const HANDLE_EWMA_ALPHA: f64 = 0.05;
/// Handle times outside this range (seconds) are clamped before averaging,
/// so a ticket left open over lunch does not wreck the estimates.
const HANDLE_CLAMP_SECS: (f64, f64) = (30.0, 2.0 * 3600.0);
/// Counters' worth of time a service is assumed to get at least, so that a
/// service whose only counter is busy with another still gets a finite
/// (long) estimate.
const MIN_CAPACITY: f64 = 0.25;
/// Below this many tickets issued today, the priority share is taken over
/// this many (a first priority ticket of the day is not a 100 % share).
const PRIORITY_SHARE_MIN_SAMPLE: u32 = 20;
/// The most the priority share is taken to be (the burst limit keeps
/// normal tickets moving whatever the share).
const MAX_PRIORITY_SHARE: f64 = 0.5;
/// Estimates are lengthened by this factor (see `estimate_secs`). The
/// model already leans long on the benchmark days (by 0.6 minutes on
/// average, with 4 % of citizens waiting over 5 minutes longer than told),
/// so it is 1: kept as the one place to change if a hall's figures lean
/// short.
const LEAN_LONG: f64 = 1.0;

/// Everything the engine knows; what a snapshot stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineState {
    /// The hall configuration in force.
    pub config: HallConfig,
    /// The current business day; none before the first command.
    pub day: Option<Date>,
    /// The id the next ticket gets. Never reset.
    pub next_ticket_id: u64,
    /// Today's open tickets: waiting, called, and no-shows that may still be
    /// re-queued. A ticket leaves memory when it is finished or cancelled,
    /// a no-show when its re-queue window has passed, everything at the
    /// roll-over; the server's read model keeps them all. Memory thus grows
    /// with the people in the hall, not with the tickets of the day.
    ///
    /// A B-tree, not a hash map: a hash map doubles its table when it
    /// fills, moving every record at once, and with 100,000 tickets in
    /// memory that one insert took 100 to 330 ms (the records are a few
    /// hundred bytes; the new table's memory is first touched then), in
    /// the server's writer and again in its committed view: every request
    /// in the hall waited. A B-tree grows a node at a time, and ids are
    /// issued in order, so inserts append at its right edge.
    ///
    /// The standard B-tree, not a persistent one like `idempotency`: the
    /// server copies the state for each snapshot, and the open tickets of
    /// a running hall are few (copied in about a millisecond at the end of
    /// a 100,000-ticket day), while `imbl::OrdMap` here made call-next 15 %
    /// slower (issue 8, BENCHMARKS.md).
    pub tickets: BTreeMap<TicketId, TicketRecord>,
    /// One queue per configured service, and the queues of services
    /// removed today (empty, kept until the roll-over so that a service
    /// re-added the same day keeps its count for the daily quota).
    pub queues: BTreeMap<ServiceId, ServiceQueue>,
    /// The highest number issued today per ticket prefix. Numbering lives
    /// here, outside the services' configuration, so that no change of
    /// configuration (removing and re-adding a service, renaming its id,
    /// changing its prefix, lowering its first number, replacing the whole
    /// configuration) can bring back a number already issued today: the
    /// next number of a prefix is always above the highest one issued.
    #[serde(default)]
    pub numbers: BTreeMap<CompactString, u32>,
    /// One runtime state per configured counter.
    pub counters: BTreeMap<CounterId, CounterState>,
    /// A kiosk's retry key to the ticket it issued, for today. It holds
    /// one entry per ticket a kiosk issued today (most of a snapshot's
    /// bytes) and must not stop the hall to grow: a B-tree, as `tickets`.
    ///
    /// A persistent one ([`imbl::OrdMap`]): a clone shares every node, and
    /// a later insert copies only the path it touches. The server clones
    /// the state for each snapshot and serializes the copy off its writer;
    /// serializing on the writer stopped the hall 41 to 78 ms on a busy
    /// machine, and a deep copy of the day's keys cost milliseconds and 13
    /// MB of peak memory (issue 8). Keyed by a fixed-size digest, not the
    /// key's text (see [`IssueKey`]).
    pub idempotency: OrdMap<IssueKey, IdempotentIssue>,
    /// Booked appointments by code.
    pub appointments: HashMap<String, Appointment>,
    /// The latest calls, newest first.
    pub recent_calls: VecDeque<RecentCall>,
    /// No-shows in the order they happened, to let them leave memory when
    /// their re-queue window has passed.
    pub no_shows: VecDeque<(Timestamp, TicketId)>,
    /// Ratings, complaints and open follow-ups (see [`feedback`]).
    #[serde(default)]
    pub feedback: feedback::FeedbackState,
    /// Open cases (办件) and case numbering; see [`crate::case`].
    #[serde(default)]
    pub cases: crate::case::CaseBook,
}

/// A retry key as the engine keeps it: the first 16 bytes of the SHA-256
/// of the actor and the key the client sent, in a snapshot as 32 hex
/// digits.
///
/// A day's 100,000 keys kept as text (`actor \u{1f} key`, a heap string
/// each) took 14 MB in each of the server's two engines, and the
/// persistent map that snapshots need added a fifth; as digests, with no
/// heap string, both engines' maps together take 14 MB (issue 8,
/// BENCHMARKS.md). A cryptographic digest, so that one device cannot
/// choose a key that lands on another's ticket.
///
/// Held as one 128-bit integer, so that the map compares keys in one
/// instruction rather than a call to `memcmp` (2.7 % of the server's
/// processor while issuing at full rate, as bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IssueKey(u128);

impl IssueKey {
    /// The key of `key` sent by `actor`. Lengths go into the digest, so no
    /// two different pairs share their input.
    pub fn of(actor: &str, key: &str) -> Self {
        use sha2::{Digest as _, Sha256};
        let digest = Sha256::new()
            .chain_update((actor.len() as u64).to_le_bytes())
            .chain_update(actor.as_bytes())
            .chain_update((key.len() as u64).to_le_bytes())
            .chain_update(key.as_bytes())
            .finalize();
        let mut out = [0; 16];
        if let Some(head) = digest.first_chunk::<16>() {
            out = *head;
        }
        Self(u128::from_be_bytes(out))
    }
}

impl Serialize for IssueKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:032x}", self.0))
    }
}

impl<'de> Deserialize<'de> for IssueKey {
    /// 32 hex digits, or a key as snapshots before digests kept it
    /// (`actor \u{1f} key`), digested as it would be issued today.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        if let Some((actor, key)) = text.split_once('\u{1f}') {
            return Ok(Self::of(actor, key));
        }
        let mut out = [0; 16];
        hex::decode_to_slice(text.as_bytes(), &mut out).map_err(serde::de::Error::custom)?;
        Ok(Self(u128::from_be_bytes(out)))
    }
}

/// What an idempotency key issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotentIssue {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The service it was issued for (a retry must name the same one).
    pub service_id: ServiceId,
}

/// A recent call as boards list it; kept by value because the ticket may
/// have left memory since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentCall {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number.
    pub number: CompactString,
    /// The service it was called for.
    pub service_id: ServiceId,
    /// The counter.
    pub counter_id: CounterId,
    /// When it was called.
    pub called_at: Timestamp,
    /// Times recalled.
    pub recalls: u32,
    /// Priority class.
    pub class: TicketClass,
    /// Which call of the ticket this is (see [`TicketRecord::call_no`]).
    #[serde(default)]
    pub call_no: u32,
    /// When this call or recall was made.
    #[serde(default = "epoch")]
    pub announced_at: Timestamp,
}

fn epoch() -> Timestamp {
    Timestamp::UNIX_EPOCH
}

/// The queue engine. See the [module documentation](self) for the contract.
#[derive(Debug, Clone)]
pub struct Engine {
    state: EngineState,
    /// The hall's time zone, resolved from `config.hall.timezone`.
    tz: TimeZone,
    /// Events recorded and not yet drained by [`Engine::poll_event`].
    out: VecDeque<Event>,
    /// Lookups derived from the state, rebuilt when the configuration or
    /// the day changes: a hall has hundreds of counters, and call-next must
    /// not scan them.
    index: Index,
}

#[derive(Debug, Clone, Default)]
struct Index {
    counters: HashMap<CounterId, usize>,
    services: HashMap<ServiceId, usize>,
    /// When the current business day ends; commands before it need no
    /// time-zone arithmetic to know the day is current.
    next_rollover: Option<Timestamp>,
}

fn tz_of(config: &HallConfig) -> TimeZone {
    // Configurations are validated before they are accepted, so the zone
    // resolves; UTC is only a fallback for a journal written by a build
    // whose time zone database knew a zone this one does not.
    TimeZone::get(&config.hall.timezone).unwrap_or(TimeZone::UTC)
}

impl Default for Engine {
    fn default() -> Self {
        Self::genesis()
    }
}

impl Engine {
    /// An engine for a hall with no services and no counters yet, as the
    /// journal starts. Configure it with a [`Command::ReplaceConfig`].
    pub fn genesis() -> Self {
        Self::from_state(EngineState {
            config: HallConfig::empty("政务服务中心"),
            day: None,
            next_ticket_id: 1,
            tickets: BTreeMap::new(),
            queues: BTreeMap::new(),
            numbers: BTreeMap::new(),
            counters: BTreeMap::new(),
            idempotency: OrdMap::new(),
            appointments: HashMap::new(),
            recent_calls: VecDeque::new(),
            no_shows: VecDeque::new(),
            feedback: feedback::FeedbackState::default(),
            cases: crate::case::CaseBook::default(),
        })
    }

    /// An engine resumed from a snapshot.
    pub fn from_state(mut state: EngineState) -> Self {
        // A snapshot written before numbering moved out of the services'
        // queues has no `numbers`: derive them from what each queue issued.
        if state.numbers.is_empty() {
            for svc in &state.config.services {
                if let Some(q) = state.queues.get(&svc.id)
                    && q.issued > 0
                {
                    let last = svc.first_number.saturating_add(q.issued - 1);
                    let e = state.numbers.entry(svc.prefix.as_str().into()).or_insert(0);
                    *e = (*e).max(last);
                }
            }
        }
        let tz = tz_of(&state.config);
        let mut engine = Self {
            state,
            tz,
            out: VecDeque::new(),
            index: Index::default(),
        };
        engine.reindex();
        engine
    }

    fn reindex(&mut self) {
        let c = &self.state.config;
        self.index.counters = c
            .counters
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id, i))
            .collect();
        self.index.services = c
            .services
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.clone(), i))
            .collect();
        self.index.next_rollover = self
            .state
            .day
            .and_then(|d| d.tomorrow().ok())
            .map(|d| self.rollover_instant(d));
    }

    /// A configured counter, by number, without scanning.
    fn counter_cfg(&self, id: CounterId) -> Option<&Counter> {
        self.index
            .counters
            .get(&id)
            .and_then(|&i| self.state.config.counters.get(i))
    }

    /// A configured service, by id, without scanning.
    fn service_cfg(&self, id: &ServiceId) -> Option<&Service> {
        self.index
            .services
            .get(id)
            .and_then(|&i| self.state.config.services.get(i))
    }

    /// The whole state, for snapshots.
    pub fn state(&self) -> &EngineState {
        &self.state
    }

    /// The configuration in force.
    pub fn config(&self) -> &HallConfig {
        &self.state.config
    }

    /// The current business day.
    pub fn day(&self) -> Option<Date> {
        self.state.day
    }

    /// A ticket of today.
    pub fn ticket(&self, id: TicketId) -> Option<&TicketRecord> {
        self.state.tickets.get(&id)
    }

    /// A service's queue.
    pub fn queue(&self, id: &ServiceId) -> Option<&ServiceQueue> {
        self.state.queues.get(id)
    }

    /// A counter's runtime state.
    pub fn counter_state(&self, id: CounterId) -> Option<&CounterState> {
        self.state.counters.get(&id)
    }

    /// Tickets in the engine's memory (today's).
    pub fn tickets(&self) -> impl Iterator<Item = &TicketRecord> {
        self.state.tickets.values()
    }

    // ----- Inputs -----------------------------------------------------------

    /// Decides a command at time `now`.
    ///
    /// # Errors
    /// A [`Rejection`] when the command is not allowed; nothing changed then
    /// (except that a due day roll-over happened first).
    pub fn handle(&mut self, now: Timestamp, cmd: Command) -> Result<Outcome, Rejection> {
        self.roll_if_due(now);
        match cmd {
            Command::IssueTicket {
                service_id,
                priority,
                appointment_code,
                idempotency_key,
                query_code,
                actor,
            } => self.issue(
                now,
                service_id,
                priority,
                appointment_code,
                idempotency_key,
                query_code,
                actor,
            ),
            Command::CallNext { counter_id, actor } => self.call_next(now, counter_id, actor),
            Command::Recall {
                counter_id,
                ticket_id,
                actor: _,
            } => {
                let id = self.current_ticket(counter_id, ticket_id)?;
                let t = self.open_ticket(id)?;
                let max = self.state.config.rules.max_recalls;
                if t.recalls >= max {
                    return Err(Rejection::RecallLimit(t.recalls));
                }
                let recalls = t.recalls + 1;
                self.emit(Event::TicketRecalled {
                    at: now,
                    ticket_id: id,
                    counter_id,
                    recalls,
                })?;
                Ok(Outcome::Ticket {
                    ticket_id: id,
                    next: None,
                })
            }
            Command::NoShow {
                counter_id,
                ticket_id,
                actor,
            } => {
                let id = self.current_ticket(counter_id, ticket_id)?;
                self.emit(Event::TicketNoShow {
                    at: now,
                    ticket_id: id,
                    counter_id,
                })?;
                let next = self.auto_call(now, counter_id, actor)?;
                Ok(Outcome::Ticket {
                    ticket_id: id,
                    next,
                })
            }
            Command::Finish {
                counter_id,
                ticket_id,
                actor,
            } => {
                let id = self.current_ticket(counter_id, ticket_id)?;
                self.emit(self.finished(now, id, counter_id))?;
                let next = self.auto_call(now, counter_id, actor)?;
                Ok(Outcome::Ticket {
                    ticket_id: id,
                    next,
                })
            }
            Command::Transfer {
                counter_id,
                ticket_id,
                to_service,
                position,
                actor,
            } => self.transfer(now, counter_id, ticket_id, to_service, position, actor),
            Command::Pause {
                counter_id,
                reason,
                actor,
            } => {
                let cs = self.counter(counter_id)?;
                if cs.status == CounterStatus::Closed {
                    return Err(Rejection::CounterClosed(counter_id));
                }
                let status = CounterStatus::Paused { reason };
                if cs.status != status {
                    self.emit(Event::CounterStatusChanged {
                        at: now,
                        counter_id,
                        status,
                        staff: Some(actor),
                    })?;
                }
                Ok(Outcome::Done)
            }
            Command::Resume { counter_id, actor } => {
                let cs = self.counter(counter_id)?;
                if cs.status != CounterStatus::Open || cs.staff.as_deref() != Some(actor.as_str()) {
                    self.emit(Event::CounterStatusChanged {
                        at: now,
                        counter_id,
                        status: CounterStatus::Open,
                        staff: Some(actor),
                    })?;
                }
                Ok(Outcome::Done)
            }
            Command::Close {
                counter_id,
                actor: _,
            } => {
                let cs = self.counter(counter_id)?;
                if cs.current.is_some() {
                    return Err(Rejection::CounterBusy(counter_id));
                }
                if cs.status != CounterStatus::Closed {
                    self.emit(Event::CounterStatusChanged {
                        at: now,
                        counter_id,
                        status: CounterStatus::Closed,
                        staff: None,
                    })?;
                }
                Ok(Outcome::Done)
            }
            Command::Requeue { ticket_id, actor } => self.requeue(now, ticket_id, actor),
            Command::Cancel { ticket_id, actor } => {
                let t = self
                    .state
                    .tickets
                    .get(&ticket_id)
                    .ok_or(Rejection::UnknownTicket(ticket_id))?;
                if t.status != TicketStatus::Waiting {
                    return Err(Rejection::WrongState { status: t.status });
                }
                let (number, service_id) = (t.number.clone(), t.service_id.clone());
                self.emit(Event::TicketCancelled {
                    at: now,
                    ticket_id,
                    number,
                    service_id,
                    actor,
                })?;
                Ok(Outcome::Ticket {
                    ticket_id,
                    next: None,
                })
            }
            Command::BookAppointment {
                code,
                service_id,
                slot,
                actor,
            } => {
                let code = code.trim().to_owned();
                if code.is_empty() || self.state.appointments.contains_key(&code) {
                    return Err(Rejection::DuplicateAppointment);
                }
                let svc = self.service(&service_id)?;
                if !svc.appointments {
                    return Err(Rejection::AppointmentMismatch);
                }
                let appointment = Appointment {
                    code,
                    service_id,
                    slot,
                    ticket_id: None,
                };
                self.emit(Event::AppointmentBooked {
                    at: now,
                    appointment,
                    actor,
                })?;
                Ok(Outcome::Done)
            }
            Command::CancelAppointment { code, actor } => {
                let a = self
                    .state
                    .appointments
                    .get(&code)
                    .ok_or(Rejection::UnknownAppointment)?;
                if a.ticket_id.is_some() {
                    return Err(Rejection::AppointmentUsed);
                }
                self.emit(Event::AppointmentCancelled {
                    at: now,
                    code,
                    actor,
                })?;
                Ok(Outcome::Done)
            }
            Command::UpsertService { service, actor } => {
                let mut c = self.state.config.clone();
                let id = service.id.clone();
                let verb = upsert(&mut c.services, service, |s| s.id == id);
                self.change_config(now, c, actor, format!("{verb} service {id}"))
            }
            Command::RemoveService { service_id, actor } => {
                let mut c = self.state.config.clone();
                self.service(&service_id)?;
                // Citizens first: while they wait, that is the reason to
                // give; then the counters to take it off.
                if self.service_has_open_tickets(&service_id) {
                    return Err(Rejection::ServiceInUse(service_id));
                }
                let counters: Vec<CounterId> = c
                    .counters
                    .iter()
                    .filter(|x| x.services.iter().any(|cs| cs.service == service_id))
                    .map(|x| x.id)
                    .collect();
                if !counters.is_empty() {
                    return Err(Rejection::ServiceServed {
                        service: service_id,
                        counters,
                    });
                }
                c.services.retain(|s| s.id != service_id);
                self.change_config(now, c, actor, format!("removed service {service_id}"))
            }
            Command::UpsertCounter { counter, actor } => {
                let mut c = self.state.config.clone();
                let id = counter.id;
                let verb = upsert(&mut c.counters, counter, |x| x.id == id);
                c.counters.sort_by_key(|x| x.id);
                self.change_config(now, c, actor, format!("{verb} counter {id}"))
            }
            Command::RemoveCounter { counter_id, actor } => {
                self.counter(counter_id)?;
                let mut c = self.state.config.clone();
                c.counters.retain(|x| x.id != counter_id);
                self.change_config(now, c, actor, format!("removed counter {counter_id}"))
            }
            Command::UpsertDepartment { department, actor } => {
                let mut c = self.state.config.clone();
                let id = department.id.clone();
                let verb = upsert(&mut c.departments, department, |d| d.id == id);
                self.change_config(now, c, actor, format!("{verb} department {id}"))
            }
            Command::RemoveDepartment {
                department_id,
                actor,
            } => {
                let c = &self.state.config;
                if c.services.iter().any(|s| s.department == department_id)
                    || c.counters.iter().any(|x| x.department == department_id)
                {
                    return Err(Rejection::DepartmentInUse(department_id));
                }
                let mut c = c.clone();
                c.departments.retain(|d| d.id != department_id);
                self.change_config(now, c, actor, format!("removed department {department_id}"))
            }
            Command::SetRules { rules, actor } => {
                let mut c = self.state.config.clone();
                c.rules = rules;
                self.change_config(now, c, actor, "changed queue rules".into())
            }
            Command::SetHallInfo { hall, actor } => {
                let mut c = self.state.config.clone();
                c.hall = hall;
                self.change_config(now, c, actor, "changed hall information".into())
            }
            Command::SetNotices { notices, actor } => {
                let mut c = self.state.config.clone();
                c.notices = notices;
                self.change_config(now, c, actor, "changed hall notices".into())
            }
            Command::SetCalendar { calendar, actor } => {
                let mut c = self.state.config.clone();
                c.calendar = calendar;
                self.change_config(now, c, actor, "changed the working-day calendar".into())
            }
            Command::ReplaceConfig { config, actor } => self.change_config(
                now,
                *config,
                actor,
                "replaced the hall configuration".into(),
            ),
            Command::Rate {
                ticket,
                input,
                idempotency_key,
                actor,
            } => self.rate(now, ticket, input, idempotency_key, actor),
            Command::FileComplaint {
                input,
                idempotency_key,
                actor,
            } => self.file_complaint(now, input, idempotency_key, actor),
            Command::ActOnFollowUp {
                follow_up_id,
                step,
                actor,
            } => self.act_on_follow_up(now, follow_up_id, step, actor),
            Command::SetRatingSettings { settings, actor } => {
                let mut c = self.state.config.clone();
                c.ratings = settings;
                self.change_config(now, c, actor, "changed the rating settings".into())
            }
            Command::Case(cmd) => self.handle_case(now, *cmd),
        }
    }

    /// Does what is due at `now`: the business-day roll-over.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        self.roll_if_due(now);
    }

    /// When [`Engine::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let day = self.state.day?;
        Some(self.rollover_instant(day.tomorrow().ok()?))
    }

    /// The next recorded event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.out.pop_front()
    }

    /// Applies a journaled event while rebuilding the state; produces no output.
    ///
    /// # Errors
    /// When the event does not fit the state (a journal from another hall,
    /// or events out of order).
    pub fn replay(&mut self, event: &Event) -> Result<(), String> {
        self.apply(event)
    }

    // ----- Decisions --------------------------------------------------------

    /// Records a decided event: applies it and queues it for
    /// [`Engine::poll_event`].
    ///
    /// The event was just decided against this very state, so it applies;
    /// if it does not, that is a bug in the engine, and the command is
    /// refused with [`Rejection::Inconsistent`] instead of stopping the
    /// hall. Events an earlier step of the same command recorded stay
    /// recorded (they were applied, so memory and the journal agree).
    fn emit(&mut self, event: Event) -> Result<(), Rejection> {
        self.apply(&event).map_err(Rejection::Inconsistent)?;
        self.out.push_back(event);
        Ok(())
    }

    /// An open ticket of today, or the refusal a request naming it gets.
    fn open_ticket(&self, id: TicketId) -> Result<&TicketRecord, Rejection> {
        self.state
            .tickets
            .get(&id)
            .ok_or(Rejection::UnknownTicket(id))
    }

    /// The queue of a configured service.
    fn service_queue(&self, id: &ServiceId) -> Result<&ServiceQueue, Rejection> {
        self.state
            .queues
            .get(id)
            .ok_or_else(|| Rejection::UnknownService(id.clone()))
    }

    /// The number the service's next ticket gets: above every number of its
    /// prefix issued today, and not below its first number.
    pub fn next_number(&self, svc: &Service) -> u32 {
        let floor = self
            .state
            .numbers
            .get(svc.prefix.as_str())
            .map_or(0, |n| n.saturating_add(1));
        svc.first_number.max(floor)
    }

    /// The event of a counter finishing its ticket.
    fn finished(&self, at: Timestamp, ticket_id: TicketId, counter_id: CounterId) -> Event {
        let (number, service_id) = self
            .state
            .tickets
            .get(&ticket_id)
            .map(|t| (t.number.clone(), t.service_id.clone()))
            .unwrap_or_default();
        Event::TicketFinished {
            at,
            ticket_id,
            number,
            service_id,
            counter_id,
        }
    }

    fn service(&self, id: &ServiceId) -> Result<&Service, Rejection> {
        self.service_cfg(id)
            .ok_or_else(|| Rejection::UnknownService(id.clone()))
    }

    fn counter(&self, id: CounterId) -> Result<&CounterState, Rejection> {
        self.state
            .counters
            .get(&id)
            .ok_or(Rejection::UnknownCounter(id))
    }

    fn business_day(&self, now: Timestamp) -> Date {
        let rollover = i64::from(self.state.config.hall.day_rollover.minutes());
        let local = now.to_zoned_datetime(self.tz.clone()).datetime();
        local
            .checked_sub(SignedDuration::from_mins(rollover))
            .map_or(local.date(), |dt| dt.date())
    }

    fn rollover_instant(&self, day: Date) -> Timestamp {
        let r = self.state.config.hall.day_rollover;
        let dt = day.at(r.hour() as i8, r.minute() as i8, 0, 0);
        dt.to_zoned_datetime(self.tz.clone())
            .map_or(Timestamp::MAX, |z| z.timestamp())
    }

    fn roll_if_due(&mut self, now: Timestamp) {
        if self.index.next_rollover.is_some_and(|next| now < next) {
            return;
        }
        let today = self.business_day(now);
        if self.state.day.is_some_and(|d| d >= today) {
            return;
        }
        let mut expired: Vec<TicketId> = self
            .state
            .tickets
            .values()
            .filter(|t| !t.status.is_final())
            .map(|t| t.id)
            .collect();
        expired.sort();
        // A roll-over that cannot be applied is an engine bug; the day stays
        // as it was and the next command tries again.
        if let Err(e) = self.emit(Event::DayRolled {
            at: now,
            day: today,
            expired,
        }) {
            debug_assert!(false, "roll-over failed: {e}");
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn issue(
        &mut self,
        now: Timestamp,
        service_id: ServiceId,
        priority: Option<crate::config::PriorityClass>,
        appointment_code: Option<String>,
        idempotency_key: Option<String>,
        query_code: String,
        actor: String,
    ) -> Result<Outcome, Rejection> {
        if let Some(key) = &idempotency_key
            && let Some(earlier) = self.state.idempotency.get(&IssueKey::of(&actor, key))
        {
            if earlier.service_id != service_id {
                return Err(Rejection::IdempotencyConflict);
            }
            return Ok(Outcome::Issued {
                ticket_id: earlier.ticket_id,
                replayed: true,
            });
        }
        let svc = self.service(&service_id)?;
        let rules = &self.state.config.rules;
        let mut class = TicketClass::Normal;
        if let Some(code) = &appointment_code {
            let a = self
                .state
                .appointments
                .get(code)
                .ok_or(Rejection::UnknownAppointment)?;
            if a.ticket_id.is_some() {
                return Err(Rejection::AppointmentUsed);
            }
            if a.service_id != service_id
                || !svc.appointments
                || self.business_day(a.slot) != self.business_day(now)
            {
                return Err(Rejection::AppointmentMismatch);
            }
            let early =
                a.slot - SignedDuration::from_mins(i64::from(rules.appointment_early_minutes));
            let late =
                a.slot + SignedDuration::from_mins(i64::from(rules.appointment_late_minutes));
            if early <= now && now <= late {
                class = TicketClass::Appointment;
            }
        } else if let Some(p) = priority {
            if !svc.priority_classes.contains(&p) {
                return Err(Rejection::PriorityNotAllowed);
            }
            class = p.into();
        }
        if let Some(reason) = self.closed_reason(svc, now) {
            return Err(Rejection::ServiceClosed { service_id, reason });
        }
        let q = self.service_queue(&service_id)?;
        let n = self.next_number(svc);
        let number = format!(
            "{}{:0width$}",
            svc.prefix,
            n,
            width = usize::from(svc.number_width)
        );
        let ahead = if class.is_priority() {
            q.priority.len()
        } else {
            q.waiting()
        };
        let estimated_wait_secs = self.estimate_secs(svc, ahead, class.is_priority(), now);
        let id = TicketId(self.state.next_ticket_id);
        let ticket = TicketRecord {
            id,
            number: number.into(),
            service_id: service_id.clone(),
            issued_service_id: service_id,
            business_day: self.state.day.unwrap_or_else(|| self.business_day(now)),
            class,
            appointment_code,
            issued_at: now,
            query_code: query_code.into(),
            issued_by: actor.into(),
            idempotency_key,
            estimated_wait_secs,
            status: TicketStatus::Waiting,
            counter_id: None,
            staff: None,
            called_at: None,
            recalls: 0,
            closed_at: None,
            requeued: false,
            transfers: 0,
            call_no: 0,
            announced_at: None,
        };
        self.emit(Event::TicketIssued {
            at: now,
            ticket: Box::new(ticket),
        })?;
        Ok(Outcome::Issued {
            ticket_id: id,
            replayed: false,
        })
    }

    /// The counter's current ticket, checked against the one the request names.
    fn current_ticket(
        &self,
        counter_id: CounterId,
        named: Option<TicketId>,
    ) -> Result<TicketId, Rejection> {
        let current = self
            .counter(counter_id)?
            .current
            .ok_or(Rejection::NoCurrentTicket(counter_id))?;
        match named {
            Some(requested) if requested != current => Err(Rejection::TicketMismatch {
                counter_id,
                current,
                requested,
            }),
            _ => Ok(current),
        }
    }

    fn call_next(
        &mut self,
        now: Timestamp,
        counter_id: CounterId,
        actor: String,
    ) -> Result<Outcome, Rejection> {
        let cs = self.counter(counter_id)?;
        if cs.status != CounterStatus::Open || cs.staff.as_deref() != Some(actor.as_str()) {
            self.emit(Event::CounterStatusChanged {
                at: now,
                counter_id,
                status: CounterStatus::Open,
                staff: Some(actor.clone()),
            })?;
        }
        if let Some(current) = self.counter(counter_id)?.current {
            // Calling the next citizen means the current one is done.
            self.emit(self.finished(now, current, counter_id))?;
        }
        Ok(Outcome::Called {
            ticket_id: self.call_pick(now, counter_id, actor)?,
        })
    }

    /// After finishing, a no-show or a transfer: call the next ticket if the
    /// counter is set to and is open.
    fn auto_call(
        &mut self,
        now: Timestamp,
        counter_id: CounterId,
        actor: String,
    ) -> Result<Option<TicketId>, Rejection> {
        let auto = self.counter_cfg(counter_id).is_some_and(|c| c.auto_call);
        let open = self
            .state
            .counters
            .get(&counter_id)
            .is_some_and(|c| c.status == CounterStatus::Open);
        if auto && open {
            self.call_pick(now, counter_id, actor)
        } else {
            Ok(None)
        }
    }

    fn call_pick(
        &mut self,
        now: Timestamp,
        counter_id: CounterId,
        actor: String,
    ) -> Result<Option<TicketId>, Rejection> {
        let Some((ticket_id, wrr)) = self.pick(counter_id) else {
            return Ok(None);
        };
        self.emit(Event::TicketCalled {
            at: now,
            ticket_id,
            counter_id,
            actor,
            wrr,
        })?;
        Ok(Some(ticket_id))
    }

    /// Which ticket the counter gets now under its policy, and its new
    /// round-robin weights when the policy is weighted.
    pub fn pick(&self, counter_id: CounterId) -> Option<(TicketId, Option<Vec<i64>>)> {
        let counter = self.counter_cfg(counter_id)?;
        let cs = self.state.counters.get(&counter_id)?;
        let burst = self.state.config.rules.priority_burst;
        // The head of each of the counter's services, with its place in the
        // counter's list and its weight.
        let heads = counter.services.iter().enumerate().filter_map(|(i, s)| {
            let head = self.state.queues.get(&s.service)?.head(burst)?;
            Some((i, head, i64::from(s.weight)))
        });
        match counter.policy {
            Policy::Ordered => heads.map(|(_, t, _)| (t, None)).next(),
            Policy::OldestFirst => heads
                .filter_map(|(_, t, _)| Some((self.state.tickets.get(&t)?.issued_at, t)))
                .min()
                .map(|(_, t)| (t, None)),
            Policy::Weighted => {
                // Smooth weighted round-robin (nginx's): every non-empty
                // service gains its weight, the largest wins and pays back
                // the total. Ties go to the earlier service in the list.
                let heads: Vec<(usize, TicketId, i64)> = heads.collect();
                let mut wrr = cs.wrr.clone();
                wrr.resize(counter.services.len(), 0);
                let mut total = 0i64;
                let mut best: Option<(usize, TicketId, i64)> = None;
                for &(i, t, w) in &heads {
                    let Some(current) = wrr.get_mut(i) else {
                        continue;
                    };
                    *current += w;
                    total += w;
                    if best.is_none_or(|(_, _, b)| *current > b) {
                        best = Some((i, t, *current));
                    }
                }
                let (i, t, _) = best?;
                if let Some(current) = wrr.get_mut(i) {
                    *current -= total;
                }
                Some((t, Some(wrr)))
            }
        }
    }

    fn transfer(
        &mut self,
        now: Timestamp,
        counter_id: CounterId,
        named: Option<TicketId>,
        to_service: ServiceId,
        position: Option<TransferPosition>,
        actor: String,
    ) -> Result<Outcome, Rejection> {
        let id = self.current_ticket(counter_id, named)?;
        let to = self.service(&to_service)?;
        if !to.enabled {
            return Err(Rejection::ServiceClosed {
                service_id: to_service,
                reason: ClosedReason::Disabled,
            });
        }
        let t = self.open_ticket(id)?;
        if t.service_id == to_service {
            return Err(Rejection::SameService);
        }
        let q = self.service_queue(&to_service)?;
        let lane = if t.class.is_priority() {
            &q.priority
        } else {
            &q.normal
        };
        let index = match position.unwrap_or(self.state.config.rules.transfer_position) {
            TransferPosition::Front => 0,
            TransferPosition::Back => lane.len(),
            TransferPosition::ByIssueTime => lane
                .iter()
                .position(|o| {
                    self.state
                        .tickets
                        .get(o)
                        .is_some_and(|o| o.issued_at > t.issued_at)
                })
                .unwrap_or(lane.len()),
        };
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        self.emit(Event::TicketTransferred {
            at: now,
            ticket_id: id,
            counter_id,
            to_service,
            index,
        })?;
        let next = self.auto_call(now, counter_id, actor)?;
        Ok(Outcome::Ticket {
            ticket_id: id,
            next,
        })
    }

    fn requeue(
        &mut self,
        now: Timestamp,
        ticket_id: TicketId,
        actor: String,
    ) -> Result<Outcome, Rejection> {
        let t = self
            .state
            .tickets
            .get(&ticket_id)
            .ok_or(Rejection::UnknownTicket(ticket_id))?;
        if t.status != TicketStatus::NoShow {
            return Err(Rejection::WrongState { status: t.status });
        }
        if t.requeued {
            return Err(Rejection::AlreadyRequeued);
        }
        let rules = &self.state.config.rules;
        let window = SignedDuration::from_mins(i64::from(rules.requeue_window_minutes));
        if t.closed_at.is_some_and(|c| now.duration_since(c) > window) {
            return Err(Rejection::RequeueWindowPassed(rules.requeue_window_minutes));
        }
        // The service may have been removed since the no-show.
        self.service(&t.service_id)?;
        let q = self.service_queue(&t.service_id)?;
        let lane = if t.class.is_priority() {
            &q.priority
        } else {
            &q.normal
        };
        let index = (rules.requeue_after as usize).min(lane.len());
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        self.emit(Event::TicketRequeued {
            at: now,
            ticket_id,
            actor,
            index,
        })?;
        Ok(Outcome::Ticket {
            ticket_id,
            next: None,
        })
    }

    /// Whether a service has tickets waiting or being served.
    fn service_has_open_tickets(&self, id: &ServiceId) -> bool {
        let waiting = self.state.queues.get(id).is_some_and(|q| q.waiting() > 0);
        waiting
            || self
                .state
                .tickets
                .values()
                .any(|t| &t.service_id == id && t.status == TicketStatus::Called)
    }

    fn change_config(
        &mut self,
        now: Timestamp,
        config: HallConfig,
        actor: String,
        summary: String,
    ) -> Result<Outcome, Rejection> {
        // Numbering needs no check here: it is kept per prefix outside the
        // configuration (see `EngineState::numbers`). What must not be
        // orphaned is a ticket still waiting or being served.
        let old = &self.state.config;
        for s in &old.services {
            if config.service(&s.id).is_none() && self.service_has_open_tickets(&s.id) {
                return Err(Rejection::ServiceInUse(s.id.clone()));
            }
        }
        for c in &old.counters {
            let busy = self
                .state
                .counters
                .get(&c.id)
                .is_some_and(|cs| cs.current.is_some());
            if config.counter(c.id).is_none() && busy {
                return Err(Rejection::CounterBusy(c.id));
            }
        }
        config.validate().map_err(Rejection::InvalidConfig)?;
        self.emit(Event::ConfigChanged {
            at: now,
            actor,
            summary,
            config: Box::new(config),
        })?;
        Ok(Outcome::Done)
    }

    // ----- Application of events --------------------------------------------

    fn apply(&mut self, event: &Event) -> Result<(), String> {
        self.apply_state(event)?;
        if matches!(event, Event::ConfigChanged { .. } | Event::DayRolled { .. }) {
            self.reindex();
        }
        Ok(())
    }

    fn apply_state(&mut self, event: &Event) -> Result<(), String> {
        let st = &mut self.state;
        match event {
            Event::ConfigChanged { config, .. } => {
                let config = (**config).clone();
                // Queues of removed services stay (empty) until the
                // roll-over; see `EngineState::queues`.
                for s in &config.services {
                    st.queues.entry(s.id.clone()).or_default();
                }
                st.counters.retain(|id, _| config.counter(*id).is_some());
                for c in &config.counters {
                    let changed = st
                        .config
                        .counter(c.id)
                        .is_none_or(|old| old.services != c.services);
                    let cs = st
                        .counters
                        .entry(c.id)
                        .or_insert_with(|| CounterState::new(c.services.len()));
                    if changed {
                        cs.wrr = vec![0; c.services.len()];
                    }
                }
                self.tz = tz_of(&config);
                st.config = config;
            }
            Event::TicketIssued { ticket, .. } => {
                let q = st
                    .queues
                    .get_mut(&ticket.service_id)
                    .ok_or("ticket for an unknown service")?;
                q.issued += 1;
                if ticket.class.is_priority() {
                    q.issued_priority += 1;
                }
                q.lane_mut(ticket.class.is_priority()).push_back(ticket.id);
                if let Some((prefix, n)) = split_number(&ticket.number) {
                    let last = st.numbers.entry(prefix.into()).or_insert(0);
                    *last = (*last).max(n);
                }
                if let Some(key) = &ticket.idempotency_key {
                    st.idempotency.insert(
                        IssueKey::of(&ticket.issued_by, key),
                        IdempotentIssue {
                            ticket_id: ticket.id,
                            service_id: ticket.issued_service_id.clone(),
                        },
                    );
                }
                if let Some(code) = &ticket.appointment_code
                    && let Some(a) = st.appointments.get_mut(code)
                {
                    a.ticket_id = Some(ticket.id);
                }
                st.next_ticket_id = st.next_ticket_id.max(ticket.id.0 + 1);
                st.tickets.insert(ticket.id, (**ticket).clone());
            }
            Event::TicketCalled {
                at,
                ticket_id,
                counter_id,
                actor,
                wrr,
            } => {
                let t = st
                    .tickets
                    .get_mut(ticket_id)
                    .ok_or("call of an unknown ticket")?;
                let q = st
                    .queues
                    .get_mut(&t.service_id)
                    .ok_or("ticket of an unknown service")?;
                q.remove(*ticket_id);
                if t.class.is_priority() && !q.normal.is_empty() {
                    q.priority_streak += 1;
                } else {
                    q.priority_streak = 0;
                }
                t.status = TicketStatus::Called;
                t.counter_id = Some(*counter_id);
                t.staff = Some(actor.as_str().into());
                t.called_at = Some(*at);
                t.recalls = 0;
                t.call_no += 1;
                t.announced_at = Some(*at);
                let cs = st
                    .counters
                    .get_mut(counter_id)
                    .ok_or("call at an unknown counter")?;
                cs.current = Some(*ticket_id);
                cs.staff = Some(actor.clone());
                if let Some(w) = wrr {
                    cs.wrr.clone_from(w);
                }
                let recent = RecentCall {
                    ticket_id: *ticket_id,
                    number: t.number.clone(),
                    service_id: t.service_id.clone(),
                    counter_id: *counter_id,
                    called_at: *at,
                    recalls: 0,
                    class: t.class,
                    call_no: t.call_no,
                    announced_at: *at,
                };
                st.recent_calls.retain(|x| x.ticket_id != *ticket_id);
                st.recent_calls.push_front(recent);
                st.recent_calls.truncate(RECENT_CALLS);
            }
            Event::TicketRecalled {
                at,
                ticket_id,
                recalls,
                ..
            } => {
                let t = st
                    .tickets
                    .get_mut(ticket_id)
                    .ok_or("recall of an unknown ticket")?;
                t.recalls = *recalls;
                t.call_no += 1;
                t.announced_at = Some(*at);
                if let Some(i) = st
                    .recent_calls
                    .iter()
                    .position(|x| x.ticket_id == *ticket_id)
                    && let Some(mut recent) = st.recent_calls.remove(i)
                {
                    recent.recalls = *recalls;
                    recent.call_no = t.call_no;
                    recent.announced_at = *at;
                    st.recent_calls.push_front(recent);
                }
            }
            Event::TicketNoShow {
                at,
                ticket_id,
                counter_id,
            } => {
                let t = st
                    .tickets
                    .get_mut(ticket_id)
                    .ok_or("no-show of an unknown ticket")?;
                t.status = TicketStatus::NoShow;
                t.closed_at = Some(*at);
                let cs = st
                    .counters
                    .get_mut(counter_id)
                    .ok_or("no-show at an unknown counter")?;
                cs.current = None;
                // No-shows whose re-queue window has passed leave memory.
                let window =
                    SignedDuration::from_mins(i64::from(st.config.rules.requeue_window_minutes));
                while let Some(&(when, id)) = st.no_shows.front() {
                    if at.duration_since(when) <= window {
                        break;
                    }
                    st.no_shows.pop_front();
                    if st
                        .tickets
                        .get(&id)
                        .is_some_and(|t| t.status == TicketStatus::NoShow)
                    {
                        st.tickets.remove(&id);
                    }
                }
                st.no_shows.push_back((*at, *ticket_id));
            }
            Event::TicketFinished {
                at,
                ticket_id,
                counter_id,
                ..
            } => {
                // A finished ticket leaves memory; the read model keeps it.
                let t = st
                    .tickets
                    .remove(ticket_id)
                    .ok_or("finish of an unknown ticket")?;
                if let Some(called) = t.called_at {
                    let secs = at
                        .duration_since(called)
                        .as_secs_f64()
                        .clamp(HANDLE_CLAMP_SECS.0, HANDLE_CLAMP_SECS.1);
                    if let Some(q) = st.queues.get_mut(&t.service_id) {
                        q.avg_handle_secs = Some(match q.avg_handle_secs {
                            Some(avg) => avg + HANDLE_EWMA_ALPHA * (secs - avg),
                            None => secs,
                        });
                    }
                }
                let cs = st
                    .counters
                    .get_mut(counter_id)
                    .ok_or("finish at an unknown counter")?;
                cs.current = None;
                cs.served_today += 1;
            }
            Event::TicketTransferred {
                ticket_id,
                counter_id,
                to_service,
                index,
                ..
            } => {
                let t = st
                    .tickets
                    .get_mut(ticket_id)
                    .ok_or("transfer of an unknown ticket")?;
                t.service_id = to_service.clone();
                t.status = TicketStatus::Waiting;
                t.transfers += 1;
                t.recalls = 0;
                let q = st
                    .queues
                    .get_mut(to_service)
                    .ok_or("transfer to an unknown service")?;
                let lane = q.lane_mut(t.class.is_priority());
                lane.insert((*index as usize).min(lane.len()), *ticket_id);
                let cs = st
                    .counters
                    .get_mut(counter_id)
                    .ok_or("transfer at an unknown counter")?;
                cs.current = None;
                cs.served_today += 1;
            }
            Event::TicketRequeued {
                ticket_id, index, ..
            } => {
                let t = st
                    .tickets
                    .get_mut(ticket_id)
                    .ok_or("re-queue of an unknown ticket")?;
                t.status = TicketStatus::Waiting;
                t.requeued = true;
                t.closed_at = None;
                t.recalls = 0;
                let q = st
                    .queues
                    .get_mut(&t.service_id)
                    .ok_or("re-queue in an unknown service")?;
                let lane = q.lane_mut(t.class.is_priority());
                lane.insert((*index as usize).min(lane.len()), *ticket_id);
            }
            Event::TicketCancelled { ticket_id, .. } => {
                // A cancelled ticket leaves memory; the read model keeps it.
                let t = st
                    .tickets
                    .remove(ticket_id)
                    .ok_or("cancel of an unknown ticket")?;
                if let Some(q) = st.queues.get_mut(&t.service_id) {
                    q.remove(*ticket_id);
                }
            }
            Event::CounterStatusChanged {
                counter_id,
                status,
                staff,
                ..
            } => {
                let cs = st
                    .counters
                    .get_mut(counter_id)
                    .ok_or("status of an unknown counter")?;
                cs.status = status.clone();
                cs.staff.clone_from(staff);
            }
            Event::AppointmentBooked { appointment, .. } => {
                st.appointments
                    .insert(appointment.code.clone(), appointment.clone());
            }
            Event::AppointmentCancelled { code, .. } => {
                st.appointments.remove(code);
            }
            Event::DayRolled { at, day, .. } => {
                // Open tickets expire; all of the old day's tickets leave
                // memory (the server's read model keeps them).
                st.tickets.clear();
                st.numbers.clear();
                let config = &st.config;
                st.queues.retain(|id, _| config.service(id).is_some());
                for q in st.queues.values_mut() {
                    q.priority.clear();
                    q.normal.clear();
                    q.issued = 0;
                    q.issued_priority = 0;
                    q.priority_streak = 0;
                }
                for (id, cs) in &mut st.counters {
                    let n = st.config.counter(*id).map_or(0, |c| c.services.len());
                    *cs = CounterState::new(n);
                }
                st.idempotency.clear();
                st.recent_calls.clear();
                st.no_shows.clear();
                let stale = *at - SignedDuration::from_hours(24);
                st.appointments
                    .retain(|_, a| a.ticket_id.is_none() && a.slot > stale);
                st.day = Some(*day);
                st.feedback.day_rolled(*at, &st.config.ratings);
            }
            Event::Rated { .. }
            | Event::ComplaintFiled { .. }
            | Event::FollowUpOpened { .. }
            | Event::FollowUpStepped { .. } => st.feedback.apply(event),
            Event::Case(e) => st.cases.apply(e)?,
        }
        Ok(())
    }

    // ----- Views ------------------------------------------------------------

    /// Why the service cannot issue a ticket at `now`, if it cannot.
    pub fn closed_reason(&self, svc: &Service, now: Timestamp) -> Option<ClosedReason> {
        if !svc.enabled {
            return Some(ClosedReason::Disabled);
        }
        let q = self.state.queues.get(&svc.id)?;
        if svc.daily_quota.is_some_and(|quota| q.issued >= quota) {
            return Some(ClosedReason::QuotaReached);
        }
        if self.next_number(svc) > svc.last_number {
            return Some(ClosedReason::NumbersExhausted);
        }
        let rules = &self.state.config.rules;
        let hours = svc.hours.as_ref().unwrap_or(&rules.default_hours);
        let stop = svc
            .stop_issuing_minutes
            .unwrap_or(rules.stop_issuing_minutes);
        let z = now.to_zoned_datetime(self.tz.clone());
        let weekday = z.weekday().to_monday_one_offset() as u8;
        if !hours.weekdays.contains(&weekday) {
            return Some(ClosedReason::ClosedToday);
        }
        let t = u32::from(ClockTime::new(z.hour() as u8, z.minute() as u8).minutes());
        for p in &hours.periods {
            let (open, close) = (u32::from(p.open.minutes()), u32::from(p.close.minutes()));
            if open <= t && t < close {
                return if t + stop >= close {
                    Some(ClosedReason::IssuingStopped)
                } else {
                    None
                };
            }
        }
        Some(ClosedReason::OutsideHours)
    }

    /// When issuing next opens after `now` by the opening hours, within a week.
    fn opens_at(&self, hours: &Hours, now: Timestamp) -> Option<Timestamp> {
        let z = now.to_zoned_datetime(self.tz.clone());
        let mut date = z.date();
        for _ in 0..8 {
            let weekday = date.weekday().to_monday_one_offset() as u8;
            if hours.weekdays.contains(&weekday) {
                for p in &hours.periods {
                    let at = date.at(p.open.hour() as i8, p.open.minute() as i8, 0, 0);
                    if let Ok(zt) = at.to_zoned_datetime(self.tz.clone())
                        && zt.timestamp() > now
                    {
                        return Some(zt.timestamp());
                    }
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    fn avg_handle_secs(&self, svc: &Service) -> f64 {
        let fallback = svc
            .expected_handle_minutes
            .unwrap_or(self.state.config.rules.default_handle_minutes);
        self.state
            .queues
            .get(&svc.id)
            .and_then(|q| q.avg_handle_secs)
            .unwrap_or(f64::from(fallback) * 60.0)
    }

    /// How many counters' worth of time this service gets now, and how
    /// many of its counters are free to call at once.
    ///
    /// A counter shared between services gives each a share of its time
    /// by its policy and what waits: `weighted`, its weight among the
    /// services with tickets waiting; `oldest_first`, its part of the
    /// tickets waiting; `ordered`, all of it unless a service listed
    /// before has tickets waiting, then none. Counters with a clerk (open
    /// or paused) count; before anyone is staffed, every counter
    /// configured for the service does.
    fn capacity(&self, id: &ServiceId) -> (f64, f64) {
        let waiting = |s: &ServiceId| self.state.queues.get(s).map_or(0, ServiceQueue::waiting);
        let share = |c: &Counter| -> f64 {
            let Some(mine) = c.services.iter().position(|s| &s.service == id) else {
                return 0.0;
            };
            match c.policy {
                Policy::Ordered => {
                    let before = c.services.iter().take(mine);
                    if before.into_iter().any(|s| waiting(&s.service) > 0) {
                        0.0
                    } else {
                        1.0
                    }
                }
                Policy::Weighted => {
                    let w = |s: &crate::config::CounterService| f64::from(s.weight.max(1));
                    let total: f64 = c
                        .services
                        .iter()
                        .filter(|s| &s.service == id || waiting(&s.service) > 0)
                        .map(w)
                        .sum();
                    c.services.get(mine).map_or(0.0, w) / total.max(1.0)
                }
                Policy::OldestFirst => {
                    let own = waiting(id).max(1) as f64;
                    let total: f64 = c
                        .services
                        .iter()
                        .filter(|s| &s.service != id)
                        .map(|s| waiting(&s.service) as f64)
                        .sum();
                    own / (own + total)
                }
            }
        };
        let configured = self
            .state
            .config
            .counters
            .iter()
            .filter(|c| c.services.iter().any(|s| &s.service == id));
        let (mut capacity, mut idle, mut staffed) = (0.0, 0.0, false);
        for c in configured.clone() {
            let Some(cs) = self.state.counters.get(&c.id) else {
                continue;
            };
            if cs.status == CounterStatus::Closed {
                continue;
            }
            staffed = true;
            let share = share(c);
            capacity += share;
            if cs.status == CounterStatus::Open && cs.current.is_none() && share > 0.0 {
                idle += 1.0;
            }
        }
        if !staffed {
            // Nobody staffed yet: every counter configured for it.
            capacity = configured.map(share).sum();
        }
        (capacity.max(MIN_CAPACITY), idle)
    }

    /// Estimated seconds until a ticket with `ahead` people ahead of it is
    /// called (`priority`: a priority ticket, which nobody overtakes).
    ///
    /// Free counters call the first in line at once. Behind them, counters
    /// free up at `capacity / handle` a second (see [`Self::capacity`]),
    /// so the n-th to wait for one is called after about
    /// `n × handle / capacity`. A normal ticket is also overtaken by the
    /// priority tickets that arrive meanwhile: today's share of them
    /// lengthens its wait by `1 / (1 − share)`. Measured against
    /// simulated days (`banli-sim`, BENCHMARKS.md), then leaned long by
    /// [`LEAN_LONG`]: a citizen told 10 minutes who waits 15 is angrier
    /// than one told 15 who waits 10. A ticket taken while the service is
    /// closed (before opening, at lunch) first waits for it to open; once
    /// open, clerks serve whoever holds a ticket before they leave.
    fn estimate_secs(&self, svc: &Service, ahead: usize, priority: bool, now: Timestamp) -> u32 {
        let (capacity, idle) = self.capacity(&svc.id);
        let to_wait = ahead as f64 - idle;
        if to_wait < 0.0 {
            return 0;
        }
        let mut secs = (to_wait + 1.0) * self.avg_handle_secs(svc) / capacity;
        if !priority && let Some(q) = self.state.queues.get(&svc.id) {
            let share =
                f64::from(q.issued_priority) / f64::from(q.issued.max(PRIORITY_SHARE_MIN_SAMPLE));
            secs /= 1.0 - share.min(MAX_PRIORITY_SHARE);
        }
        let hours = svc
            .hours
            .as_ref()
            .unwrap_or(&self.state.config.rules.default_hours);
        let until_open = self
            .opens_at_or_now(hours, now)
            .map_or(0.0, |at| at.duration_since(now).as_secs_f64().max(0.0));
        (until_open + secs * LEAN_LONG)
            .round()
            .min(f64::from(u32::MAX)) as u32
    }

    /// `now` when one of the service's periods is open now, else when the
    /// next one opens (within a week).
    fn opens_at_or_now(&self, hours: &Hours, now: Timestamp) -> Option<Timestamp> {
        let z = now.to_zoned_datetime(self.tz.clone());
        let weekday = z.weekday().to_monday_one_offset() as u8;
        let t = u32::from(ClockTime::new(z.hour() as u8, z.minute() as u8).minutes());
        let open_now = hours.weekdays.contains(&weekday)
            && hours
                .periods
                .iter()
                .any(|p| u32::from(p.open.minutes()) <= t && t < u32::from(p.close.minutes()));
        if open_now {
            Some(now)
        } else {
            self.opens_at(hours, now)
        }
    }

    /// People ahead of a waiting ticket: its place in its lane, plus the
    /// whole priority lane for a normal ticket.
    fn ahead(&self, t: &TicketRecord) -> usize {
        let Some(q) = self.state.queues.get(&t.service_id) else {
            return 0;
        };
        if t.status != TicketStatus::Waiting {
            return 0;
        }
        if t.class.is_priority() {
            place_in_lane(&q.priority, t.id)
        } else {
            q.priority.len() + place_in_lane(&q.normal, t.id)
        }
    }

    /// Waiting figures of a service.
    pub fn waiting_count(&self, id: &ServiceId, now: Timestamp) -> Option<WaitingCount> {
        let svc = self.service_cfg(id)?;
        let waiting = self.state.queues.get(id).map_or(0, ServiceQueue::waiting);
        Some(WaitingCount {
            service_id: id.clone(),
            waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
            estimated_wait_minutes: minutes(self.estimate_secs(svc, waiting, false, now)),
        })
    }

    /// A service as kiosks show it.
    pub fn service_view(&self, svc: &Service, now: Timestamp) -> ServiceView {
        let q = self.state.queues.get(&svc.id);
        let waiting = q.map_or(0, ServiceQueue::waiting);
        let closed_reason = self.closed_reason(svc, now);
        let opens_at = match closed_reason {
            Some(
                ClosedReason::ClosedToday
                | ClosedReason::OutsideHours
                | ClosedReason::IssuingStopped,
            ) => {
                let hours = svc
                    .hours
                    .as_ref()
                    .unwrap_or(&self.state.config.rules.default_hours);
                self.opens_at(hours, now)
            }
            _ => None,
        };
        ServiceView {
            id: svc.id.clone(),
            name_zh: svc.name_zh.clone(),
            name_en: svc.name_en.clone(),
            prefix: svc.prefix.clone(),
            department: svc.department.clone(),
            waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
            priority_waiting: q.map_or(0, |q| u32::try_from(q.priority.len()).unwrap_or(u32::MAX)),
            estimated_wait_minutes: minutes(self.estimate_secs(svc, waiting, false, now)),
            longest_wait_minutes: q
                .into_iter()
                .flat_map(|q| q.priority.front().into_iter().chain(q.normal.front()))
                .filter_map(|t| self.state.tickets.get(t))
                .map(|t| now.duration_since(t.issued_at).as_secs().max(0) as u32 / 60)
                .max()
                .unwrap_or(0),
            is_open: closed_reason.is_none(),
            closed_reason,
            opens_at,
            issued_today: q.map_or(0, |q| q.issued),
            priority_classes: svc.priority_classes.clone(),
            appointments: svc.appointments,
        }
    }

    /// All services as kiosks show them.
    pub fn services_view(&self, now: Timestamp) -> Vec<ServiceView> {
        self.state
            .config
            .services
            .iter()
            .map(|s| self.service_view(s, now))
            .collect()
    }

    /// A call as boards show it.
    pub fn call_view(&self, ticket_id: TicketId) -> Option<CallView> {
        let t = self.state.tickets.get(&ticket_id)?;
        let counter_id = t.counter_id?;
        let c = self.counter_cfg(counter_id);
        Some(CallView {
            ticket_id,
            number: t.number.to_string(),
            service_id: t.service_id.clone(),
            counter_id,
            counter_name_zh: c.map(|c| c.name_zh.clone()).unwrap_or_default(),
            counter_name_en: c.map(|c| c.name_en.clone()).unwrap_or_default(),
            zone: c.map(|c| c.zone.clone()).unwrap_or_default(),
            called_at: t.called_at?,
            recalls: t.recalls,
            class: t.class,
            call_no: t.call_no,
            announced_at: t.announced_at.or(t.called_at)?,
        })
    }

    /// A recent call as boards list it.
    fn recent_call_view(&self, r: &RecentCall) -> CallView {
        let c = self.counter_cfg(r.counter_id);
        CallView {
            ticket_id: r.ticket_id,
            number: r.number.to_string(),
            service_id: r.service_id.clone(),
            counter_id: r.counter_id,
            counter_name_zh: c.map(|c| c.name_zh.clone()).unwrap_or_default(),
            counter_name_en: c.map(|c| c.name_en.clone()).unwrap_or_default(),
            zone: c.map(|c| c.zone.clone()).unwrap_or_default(),
            called_at: r.called_at,
            recalls: r.recalls,
            class: r.class,
            call_no: r.call_no,
            announced_at: r.announced_at,
        }
    }

    /// A counter as boards and consoles show it.
    pub fn counter_view(&self, counter: &Counter) -> CounterView {
        let cs = self.state.counters.get(&counter.id);
        CounterView {
            id: counter.id,
            name_zh: counter.name_zh.clone(),
            name_en: counter.name_en.clone(),
            zone: counter.zone.clone(),
            department: counter.department.clone(),
            services: counter.services.iter().map(|s| s.service.clone()).collect(),
            policy: counter.policy,
            status: cs.map_or(CounterStatus::Closed, |c| c.status.clone()),
            staff: cs.and_then(|c| c.staff.clone()),
            current: cs.and_then(|c| c.current).and_then(|t| self.call_view(t)),
            served_today: cs.map_or(0, |c| c.served_today),
        }
    }

    /// A ticket's progress.
    pub fn ticket_view(&self, id: TicketId, now: Timestamp) -> Option<TicketView> {
        let t = self.state.tickets.get(&id)?;
        let svc = self.service_cfg(&t.service_id);
        let ahead = self.ahead(t);
        let called = t.status == TicketStatus::Called;
        let counter = if called {
            t.counter_id.and_then(|c| self.counter_cfg(c))
        } else {
            None
        };
        let window =
            SignedDuration::from_mins(i64::from(self.state.config.rules.requeue_window_minutes));
        Some(TicketView {
            id,
            number: t.number.to_string(),
            service_id: t.service_id.clone(),
            service_name_zh: svc.map(|s| s.name_zh.clone()).unwrap_or_default(),
            service_name_en: svc.map(|s| s.name_en.clone()).unwrap_or_default(),
            class: t.class,
            status: t.status,
            business_day: t.business_day,
            issued_at: t.issued_at,
            ahead: u32::try_from(ahead).unwrap_or(u32::MAX),
            estimated_wait_minutes: match (svc, t.status) {
                (Some(s), TicketStatus::Waiting) => {
                    minutes(self.estimate_secs(s, ahead, t.class.is_priority(), now))
                }
                _ => 0,
            },
            counter_id: counter.map(|c| c.id),
            counter_name_zh: counter.map(|c| c.name_zh.clone()),
            called_at: t.called_at,
            can_requeue: t.status == TicketStatus::NoShow
                && !t.requeued
                && t.closed_at.is_some_and(|c| now.duration_since(c) <= window),
        })
    }

    /// The next `limit` tickets a counter would see across its services, in
    /// each service's lane order (priority lane first).
    pub fn waiting_for_counter(
        &self,
        counter_id: CounterId,
        limit: usize,
        now: Timestamp,
    ) -> Vec<TicketView> {
        let Some(counter) = self.counter_cfg(counter_id) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for cs in &counter.services {
            if let Some(q) = self.state.queues.get(&cs.service) {
                out.extend(
                    q.priority
                        .iter()
                        .chain(q.normal.iter())
                        .take(limit)
                        .filter_map(|&t| self.ticket_view(t, now)),
                );
            }
        }
        out.sort_by_key(|t| (!t.class.is_priority(), t.issued_at));
        out.truncate(limit);
        out
    }

    /// The whole hall, for a subscriber's first message.
    pub fn snapshot(&self, seq: u64, now: Timestamp) -> HallSnapshot {
        let c = &self.state.config;
        HallSnapshot {
            seq,
            at: now,
            business_day: self.state.day.unwrap_or_else(|| self.business_day(now)),
            hall_name_zh: c.hall.name_zh.clone(),
            hall_name_en: c.hall.name_en.clone(),
            services: self.services_view(now),
            counters: c.counters.iter().map(|x| self.counter_view(x)).collect(),
            notices: c.notices.clone(),
            recent_calls: self
                .state
                .recent_calls
                .iter()
                .map(|r| self.recent_call_view(r))
                .collect(),
        }
    }

    /// What subscribers see of an event, given the state right after it.
    /// Every event has a public form, so that sequence numbers on the
    /// stream have no gaps; those with nothing to show (an appointment
    /// booked) are [`HallEvent::Other`].
    pub fn public_event(&self, event: &Event) -> HallEvent {
        let waiting = |ids: &[&ServiceId]| {
            ids.iter()
                .filter_map(|id| self.waiting_count(id, event.at()))
                .collect::<Vec<_>>()
        };
        let changed = |at: Timestamp,
                       ticket_id: TicketId,
                       counter_id: Option<CounterId>,
                       gone: Option<(&str, &ServiceId, TicketStatus)>| {
            let (number, service_id, status) = match (self.state.tickets.get(&ticket_id), gone) {
                (Some(t), _) => (t.number.to_string(), t.service_id.clone(), t.status),
                (None, Some((n, s, st))) => (n.to_string(), s.clone(), st),
                // Left memory in the same batch (a no-show past its window).
                (None, None) => return HallEvent::Other { at },
            };
            let waiting = waiting(&[&service_id]);
            HallEvent::TicketChanged {
                at,
                ticket_id,
                number,
                status,
                service_id,
                counter_id,
                waiting,
            }
        };
        match event {
            Event::ConfigChanged { at, .. } => HallEvent::ConfigChanged { at: *at },
            Event::TicketIssued { at, ticket } => HallEvent::TicketIssued {
                at: *at,
                ticket_id: ticket.id,
                number: ticket.number.to_string(),
                service_id: ticket.service_id.clone(),
                class: ticket.class,
                waiting: waiting(&[&ticket.service_id]),
            },
            Event::TicketCalled { at, ticket_id, .. } => match self.call_view(*ticket_id) {
                Some(call) => {
                    let waiting = waiting(&[&call.service_id]);
                    HallEvent::TicketCalled {
                        at: *at,
                        call,
                        waiting,
                    }
                }
                None => HallEvent::Other { at: *at },
            },
            Event::TicketRecalled { at, ticket_id, .. } => match self.call_view(*ticket_id) {
                Some(call) => HallEvent::TicketRecalled { at: *at, call },
                None => HallEvent::Other { at: *at },
            },
            Event::TicketNoShow {
                at,
                ticket_id,
                counter_id,
            }
            | Event::TicketTransferred {
                at,
                ticket_id,
                counter_id,
                ..
            } => changed(*at, *ticket_id, Some(*counter_id), None),
            Event::TicketFinished {
                at,
                ticket_id,
                counter_id,
                number,
                service_id,
            } => changed(
                *at,
                *ticket_id,
                Some(*counter_id),
                Some((number, service_id, TicketStatus::Finished)),
            ),
            Event::TicketCancelled {
                at,
                ticket_id,
                number,
                service_id,
                ..
            } => changed(
                *at,
                *ticket_id,
                None,
                Some((number, service_id, TicketStatus::Cancelled)),
            ),
            Event::TicketRequeued { at, ticket_id, .. } => changed(*at, *ticket_id, None, None),
            Event::CounterStatusChanged { at, counter_id, .. } => {
                match self.counter_cfg(*counter_id) {
                    Some(c) => HallEvent::CounterChanged {
                        at: *at,
                        counter: self.counter_view(c),
                    },
                    None => HallEvent::Other { at: *at },
                }
            }
            Event::AppointmentBooked { at, .. } | Event::AppointmentCancelled { at, .. } => {
                HallEvent::Other { at: *at }
            }
            Event::DayRolled { at, day, expired } => HallEvent::DayRolled {
                at: *at,
                business_day: *day,
                expired: u32::try_from(expired.len()).unwrap_or(u32::MAX),
            },
            Event::Rated { at, rating, .. } => HallEvent::FeedbackChanged {
                at: *at,
                counter_id: rating.ticket.counter_id,
                open_follow_ups: self.open_follow_ups_count(),
            },
            Event::ComplaintFiled { at, complaint, .. } => HallEvent::FeedbackChanged {
                at: *at,
                counter_id: complaint.input.counter_id,
                open_follow_ups: self.open_follow_ups_count(),
            },
            Event::FollowUpOpened { at, follow_up } => HallEvent::FeedbackChanged {
                at: *at,
                counter_id: follow_up.counter_id,
                open_follow_ups: self.open_follow_ups_count(),
            },
            Event::FollowUpStepped { at, after, .. } => HallEvent::FeedbackChanged {
                at: *at,
                counter_id: after.counter_id,
                open_follow_ups: self.open_follow_ups_count(),
            },
            // Cases carry personal data: the stream says only that something
            // happened; consoles ask the API for what they may see.
            Event::Case(e) => HallEvent::Other { at: e.at() },
        }
    }
}

/// Replaces the item `same` picks, or appends it; says which it did.
fn upsert<T>(list: &mut Vec<T>, item: T, same: impl Fn(&T) -> bool) -> &'static str {
    match list.iter_mut().find(|x| same(x)) {
        Some(x) => {
            *x = item;
            "updated"
        }
        None => {
            list.push(item);
            "added"
        }
    }
}

/// A ticket number's prefix and value: `A023` is `("A", 23)`.
pub fn split_number(number: &str) -> Option<(&str, u32)> {
    let digits = number.len()
        - number
            .trim_start_matches(|c: char| !c.is_ascii_digit())
            .len();
    let (prefix, value) = number.split_at_checked(digits)?;
    Some((prefix, value.parse().ok()?))
}

fn minutes(secs: u32) -> u32 {
    secs.div_ceil(60)
}

/// A ticket's place in its lane (0 = next), searched from both ends at
/// once. A lane is in calling order but not sorted by id (transfers and
/// re-queues insert), so this is a scan; from both ends it costs the
/// distance to the nearer end, and the two commonest askers are at the
/// ends: the answer to an issue (the newest ticket, at the back) and a
/// ticket about to be called (at the front). Scanning from the front only
/// cost a whole lane per issue: with 100,000 tickets waiting it was the
/// largest single item of the server's profile while issuing.
fn place_in_lane(lane: &VecDeque<TicketId>, id: TicketId) -> usize {
    // A lane is in issue order, so in id order, but for the tickets a
    // transfer or a re-queue put in later. A binary search finds almost
    // every ticket in O(log n) (a progress lookup on a lane of 30,000 was a
    // scan of thousands); a hit is exact whatever the order, because a
    // ticket is in its lane once; a miss falls back to the scan.
    if let Ok(i) = lane.binary_search(&id) {
        return i;
    }
    let n = lane.len();
    for i in 0..n.div_ceil(2) {
        if lane[i] == id {
            return i;
        }
        let back = n - 1 - i;
        if lane[back] == id {
            return back;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_in_lane_agrees_with_a_scan_from_the_front() {
        for n in 0..7u64 {
            let lane: VecDeque<TicketId> = (0..n).map(|i| TicketId(100 - i * 7)).collect();
            for (i, &id) in lane.iter().enumerate() {
                assert_eq!(place_in_lane(&lane, id), i, "lane of {n}");
            }
            assert_eq!(place_in_lane(&lane, TicketId(1)), 0, "absent");
        }
    }

    proptest::proptest! {
        /// Lanes in id order with tickets put back out of order (transfers,
        /// re-queues): every ticket's place is its index.
        #[test]
        fn place_in_lane_is_the_index_in_any_lane(
            n in 0u64..200,
            moves in proptest::collection::vec((0usize..200, 0usize..200), 0..6),
        ) {
            let mut lane: VecDeque<TicketId> = (0..n).map(|i| TicketId(10 + i * 3)).collect();
            for (from, to) in moves {
                if let Some(id) = lane.remove(from.min(lane.len().saturating_sub(1))) {
                    lane.insert(to.min(lane.len()), id);
                }
            }
            for (i, &id) in lane.iter().enumerate() {
                proptest::prop_assert_eq!(place_in_lane(&lane, id), i);
            }
            proptest::prop_assert_eq!(place_in_lane(&lane, TicketId(11)), 0);
        }
    }
}
