//! The simulated day: a discrete-event simulation whose every decision is
//! the real engine's.
//!
//! Citizens arrive (a Poisson process per service and quarter hour) and
//! take tickets with [`Command::IssueTicket`]; clerks at staffed counters
//! press 「呼叫」 ([`Command::CallNext`]) whenever they are free, and the
//! engine decides whom they call by the hall's rules, exactly as it does in
//! the server. The simulator only plays the people: how long a citizen
//! takes at the counter, who does not come when called (过号) and who comes
//! back, who is sent on to another service, when clerks sit down and
//! leave. So there is no second implementation of the calling rules to
//! drift from the first.
//!
//! When several clerks are free as a citizen takes a ticket, the one free
//! longest calls (then the lower counter number): the clerk looking at an
//! empty queue reacts first. Clerks call the next citizen the moment they
//! finish. A clerk whose staffed period ends serves on until nobody waits
//! for their counter (当日取号当日办结), then pauses (or, after the last
//! period, closes the counter).
//!
//! Time is simulated: nothing here reads a clock, and the same hall,
//! profile and seed give the same day, bit for bit.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use banli_core::config::{ClockTime, HallConfig};
use banli_core::engine::{Command, Engine, Outcome, Rejection, TicketClass};
use banli_core::ids::{CounterId, ServiceId, TicketId};
use banli_core::jiff::civil::Date;
use banli_core::jiff::tz::TimeZone;
use banli_core::jiff::{SignedDuration, Timestamp, ToSpan as _};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};
use rand_distr::Distribution as _;

use super::profile::{Profile, QUARTER_SECS, StaffedPeriod};

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The hall's time zone is unknown.
    #[error("hall.timezone: unknown time zone {0:?}")]
    TimeZone(String),
    /// The engine refused the hall configuration.
    #[error("the hall configuration was refused: {0}")]
    Config(Rejection),
    /// The date range ran out of the calendar.
    #[error("the simulated dates run past the calendar")]
    Dates,
}

/// What happened to one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketOutcome {
    /// The ticket.
    pub id: TicketId,
    /// Its number (A023).
    pub number: String,
    /// The service it was issued for.
    pub service: ServiceId,
    /// A priority ticket (绿色通道).
    pub priority: bool,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// Local hour of issue (9 for 09:00–09:59).
    pub hour: i8,
    /// The wait the engine estimated when it was issued, seconds.
    pub estimate_secs: u32,
    /// When it was first called (for its first service), if ever.
    pub first_called_at: Option<Timestamp>,
    /// Served at its first service (not a no-show who never came back).
    pub served: bool,
}

impl TicketOutcome {
    /// The wait until the first call, seconds, if it was called.
    pub fn wait_secs(&self) -> Option<f64> {
        self.first_called_at
            .map(|c| c.duration_since(self.issued_at).as_secs_f64())
    }
}

/// A counter's day.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterUse {
    /// The counter.
    pub id: CounterId,
    /// Seconds staffed.
    pub staffed_secs: f64,
    /// Seconds with a citizen called (serving, or waiting for a no-show).
    pub busy_secs: f64,
    /// Citizens served.
    pub served: u32,
}

/// One call, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// When.
    pub at: Timestamp,
    /// Which counter.
    pub counter: CounterId,
    /// Which ticket.
    pub ticket: TicketId,
    /// The queue it was called from.
    pub service: ServiceId,
    /// A priority ticket.
    pub priority: bool,
}

/// A simulated day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayResult {
    /// The business day.
    pub date: Date,
    /// Every ticket issued, in order.
    pub tickets: Vec<TicketOutcome>,
    /// Every counter of the hall.
    pub counters: Vec<CounterUse>,
    /// Every call, in order.
    pub calls: Vec<Call>,
    /// Citizens who could not get a ticket (outside hours, quota, closed).
    pub refused: u32,
}

/// The people's side of the simulation, decided as the day goes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Happening {
    /// A citizen takes a ticket (`priority`: with a priority class).
    /// `seed` seeds the citizen's own draws (see [`Day::citizens`]).
    Arrive {
        service: ServiceId,
        priority: bool,
        seed: u64,
        script: Option<Script>,
        appointment: Option<String>,
    },
    /// A clerk sits down at the counter.
    Staff { counter: CounterId },
    /// A clerk's staffed period ends (`last`: for the day).
    Leave { counter: CounterId, last: bool },
    /// The citizen at the counter is done (or sent on).
    Done {
        counter: CounterId,
        ticket: TicketId,
    },
    /// The called citizen did not come; the clerk gives up.
    NoShow {
        counter: CounterId,
        ticket: TicketId,
    },
    /// A no-show comes back and asks to be re-queued.
    Return { ticket: TicketId },
}

/// What a replayed citizen does, as recorded: milliseconds at the counter
/// (or waited for, by a clerk, when they did not come), and whether they
/// came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Script {
    handle_ms: u64,
    no_show: bool,
}

/// A recorded day's arrivals, to replay exactly ([`replay`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The business day.
    pub date: Date,
    /// Every citizen, in order of arrival.
    pub arrivals: Vec<TraceArrival>,
}

/// One citizen of a [`Trace`].
#[derive(Debug, Clone, PartialEq)]
pub struct TraceArrival {
    /// When they took their ticket.
    pub at: Timestamp,
    /// For which service.
    pub service: ServiceId,
    /// With which priority class, if any.
    pub priority: Option<banli_core::config::PriorityClass>,
    /// Seconds at the counter (or, for a no-show, that the clerk waited).
    pub handle_secs: f64,
    /// They did not come when called.
    pub no_show: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Desk {
    /// No clerk.
    Away,
    /// A clerk with nobody to call, since then.
    Idle(Timestamp),
    /// A clerk with a citizen called, since then.
    Busy(Timestamp),
}

struct Day<'a> {
    hall: &'a HallConfig,
    profile: &'a Profile,
    tz: TimeZone,
    engine: &'a mut Engine,
    /// Draws of the day: arrivals.
    rng: StdRng,
    /// Each citizen's own draws (shows up, time at the counter, sent on,
    /// comes back), in the order of their own visit: the same citizen
    /// takes the same time whichever counter serves them and when, so two
    /// configurations compare on the same people (common random numbers).
    citizens: BTreeMap<TicketId, StdRng>,
    /// Replayed citizens' recorded visits, until their first call.
    scripts: BTreeMap<TicketId, Script>,
    /// Tickets of replayed citizens (never sent on, never back).
    scripted: std::collections::BTreeSet<TicketId>,
    queue: BinaryHeap<Reverse<(Timestamp, u64, Happening)>>,
    seq: u64,
    desks: BTreeMap<CounterId, Desk>,
    /// Clerks who leave once the citizen at the counter is done
    /// (`true`: for the day).
    leaving: BTreeMap<CounterId, bool>,
    tickets: BTreeMap<TicketId, TicketOutcome>,
    counters: BTreeMap<CounterId, CounterUse>,
    calls: Vec<Call>,
    refused: u32,
    /// Appointments booked so far (for their codes).
    booked: u64,
}

/// Simulates `days` consecutive days on which the hall opens, from the
/// profile's date, on one engine (so handle-time averages carry over from
/// day to day, as in the server). Deterministic for a seed.
///
/// # Errors
/// [`SimError`] when the hall cannot be simulated at all.
pub fn simulate(
    hall: &HallConfig,
    profile: &Profile,
    seed: u64,
    days: u32,
) -> Result<Vec<DayResult>, SimError> {
    let tz = TimeZone::get(&hall.hall.timezone)
        .map_err(|_| SimError::TimeZone(hall.hall.timezone.clone()))?;
    let mut engine = Engine::genesis();
    let start = local(&tz, profile.date, ClockTime::new(0, 0))?;
    let setup = start - SignedDuration::from_hours(1);
    engine
        .handle(
            setup,
            Command::ReplaceConfig {
                config: Box::new(hall.clone()),
                actor: "banli-sim".into(),
            },
        )
        .map_err(SimError::Config)?;
    while engine.poll_event().is_some() {}
    let mut results = Vec::new();
    let mut date = profile.date;
    // A hall closed every day still ends: a year of looking is enough.
    for _ in 0..(u64::from(days) * 7).max(366) {
        if results.len() >= days as usize {
            break;
        }
        if describes(profile, date) {
            let day_seed = seed
                ^ (u64::from(date.year().unsigned_abs()) << 32)
                ^ u64::from(date.day_of_year().unsigned_abs());
            let day = Day::new(hall, profile, tz.clone(), &mut engine, day_seed);
            results.push(day.run(date, None)?);
        }
        date = date.checked_add(1.day()).map_err(|_| SimError::Dates)?;
    }
    Ok(results)
}

/// Replays a recorded day: its citizens arrive when they did and take the
/// time they took; clerks are staffed as the profile says and call as in
/// [`simulate`]. The engine decides whom each counter calls, so a day
/// recorded by the server replays into the same calls (a test checks it).
///
/// # Errors
/// [`SimError`] when the hall cannot be simulated.
pub fn replay(hall: &HallConfig, profile: &Profile, trace: &Trace) -> Result<DayResult, SimError> {
    let tz = TimeZone::get(&hall.hall.timezone)
        .map_err(|_| SimError::TimeZone(hall.hall.timezone.clone()))?;
    let mut engine = Engine::genesis();
    let start = local(&tz, trace.date, ClockTime::new(0, 0))?;
    engine
        .handle(
            start - SignedDuration::from_hours(1),
            Command::ReplaceConfig {
                config: Box::new(hall.clone()),
                actor: "banli-sim".into(),
            },
        )
        .map_err(SimError::Config)?;
    while engine.poll_event().is_some() {}
    Day::new(hall, profile, tz, &mut engine, 0).run(trace.date, Some(trace))
}

/// The ticket a counter called automatically after a finish, transfer or
/// no-show.
fn next_of(outcome: &Result<Outcome, Rejection>) -> Option<TicketId> {
    match outcome {
        Ok(Outcome::Ticket { next, .. }) => *next,
        _ => None,
    }
}

/// Whether the profile describes this day of the week.
fn describes(profile: &Profile, date: Date) -> bool {
    let weekday = u8::try_from(date.weekday().to_monday_one_offset()).unwrap_or(0);
    profile.weekdays.contains(&weekday)
}

fn local(tz: &TimeZone, date: Date, at: ClockTime) -> Result<Timestamp, SimError> {
    let midnight = date
        .at(0, 0, 0, 0)
        .to_zoned_datetime(tz.clone())
        .map_err(|_| SimError::Dates)?
        .timestamp();
    Ok(midnight + SignedDuration::from_mins(i64::from(at.minutes())))
}

impl<'a> Day<'a> {
    fn new(
        hall: &'a HallConfig,
        profile: &'a Profile,
        tz: TimeZone,
        engine: &'a mut Engine,
        seed: u64,
    ) -> Self {
        Self {
            hall,
            profile,
            tz,
            engine,
            rng: StdRng::seed_from_u64(seed),
            citizens: BTreeMap::new(),
            scripts: BTreeMap::new(),
            scripted: std::collections::BTreeSet::new(),
            queue: BinaryHeap::new(),
            seq: 0,
            desks: hall.counters.iter().map(|c| (c.id, Desk::Away)).collect(),
            leaving: BTreeMap::new(),
            tickets: BTreeMap::new(),
            counters: hall
                .counters
                .iter()
                .map(|c| {
                    (
                        c.id,
                        CounterUse {
                            id: c.id,
                            staffed_secs: 0.0,
                            busy_secs: 0.0,
                            served: 0,
                        },
                    )
                })
                .collect(),
            calls: Vec::new(),
            refused: 0,
            booked: 0,
        }
    }

    fn at(&mut self, when: Timestamp, what: Happening) {
        self.seq += 1;
        self.queue.push(Reverse((when, self.seq, what)));
    }

    fn run(mut self, date: Date, trace: Option<&Trace>) -> Result<DayResult, SimError> {
        let midnight = local(&self.tz, date, ClockTime::new(0, 0))?;
        self.fire_timeouts(midnight);
        match trace {
            Some(trace) => {
                for (i, a) in trace.arrivals.iter().enumerate() {
                    let script = Script {
                        handle_ms: (a.handle_secs.max(0.0) * 1000.0).round() as u64,
                        no_show: a.no_show,
                    };
                    self.at(
                        a.at,
                        Happening::Arrive {
                            service: a.service.clone(),
                            priority: a.priority.is_some(),
                            seed: i as u64,
                            script: Some(script),
                            appointment: None,
                        },
                    );
                }
            }
            None => self.plan_arrivals(date)?,
        }
        self.plan_staffing(date)?;
        while let Some(Reverse((now, _, what))) = self.queue.pop() {
            self.fire_timeouts(now);
            self.happen(now, what);
        }
        // Whoever still waits at the end of the day is not served.
        let next = date.checked_add(1.day()).map_err(|_| SimError::Dates)?;
        let next_midnight = local(&self.tz, next, ClockTime::new(0, 0))?;
        self.fire_timeouts(next_midnight);
        Ok(DayResult {
            date,
            tickets: self.tickets.into_values().collect(),
            counters: self.counters.into_values().collect(),
            calls: self.calls,
            refused: self.refused,
        })
    }

    /// What the engine does by itself up to `now` (the roll-over).
    fn fire_timeouts(&mut self, now: Timestamp) {
        while let Some(t) = self.engine.poll_timeout().filter(|&t| t <= now) {
            self.engine.handle_timeout(t);
            while self.engine.poll_event().is_some() {}
        }
    }

    /// Books an appointment, made before the day, for the quarter hour
    /// after `arrive` (the citizen comes up to a quarter early, inside the
    /// check-in window). Returns its code, or `None` if the engine refused.
    fn book(
        &mut self,
        before: Timestamp,
        service: &ServiceId,
        arrive: Timestamp,
    ) -> Option<String> {
        let secs = arrive.as_second();
        let slot_secs = (secs / QUARTER_SECS + 1) * QUARTER_SECS;
        let slot = Timestamp::from_second(slot_secs).ok()?;
        self.booked += 1;
        let code = format!("SIM{}", self.booked);
        let booked = self.engine.handle(
            before,
            Command::BookAppointment {
                code: code.clone(),
                service_id: service.clone(),
                slot,
                actor: "sim-booking".into(),
            },
        );
        self.drain();
        booked.ok().map(|_| code)
    }

    fn plan_arrivals(&mut self, date: Date) -> Result<(), SimError> {
        let profile = self.profile;
        let midnight = local(&self.tz, date, ClockTime::new(0, 0))?;
        for demand in &profile.services {
            let from = local(&self.tz, date, demand.from)?;
            for (q, &rate) in demand.arrivals.iter().enumerate() {
                if !(rate.is_finite() && rate > 0.0) {
                    continue;
                }
                let quarter_start = from + SignedDuration::from_secs(QUARTER_SECS * q as i64);
                let Ok(gap) = rand_distr::Exp::new(rate / QUARTER_SECS as f64) else {
                    continue;
                };
                let mut t = 0.0;
                loop {
                    t += gap.sample(&mut self.rng);
                    if t >= QUARTER_SECS as f64 {
                        break;
                    }
                    // One draw decides the class: priority, appointment or
                    // neither, in that order of the shares.
                    let class: f64 = self.rng.random();
                    let priority = class < demand.priority;
                    let booked = !priority && class < demand.priority + demand.appointment;
                    let seed = self.rng.random();
                    let arrive = quarter_start + SignedDuration::from_secs_f64(t);
                    let appointment = if booked {
                        self.book(midnight, &demand.service, arrive)
                    } else {
                        None
                    };
                    self.at(
                        arrive,
                        Happening::Arrive {
                            service: demand.service.clone(),
                            priority,
                            seed,
                            script: None,
                            appointment,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    fn plan_staffing(&mut self, date: Date) -> Result<(), SimError> {
        let default: Vec<StaffedPeriod> = self.profile.staffed.clone().unwrap_or_else(|| {
            self.hall
                .rules
                .default_hours
                .periods
                .iter()
                .map(|p| StaffedPeriod {
                    open: p.open,
                    close: p.close,
                })
                .collect()
        });
        let ids: Vec<CounterId> = self.hall.counters.iter().map(|c| c.id).collect();
        for id in ids {
            let periods = self
                .profile
                .counters
                .iter()
                .find(|c| c.id == id)
                .map_or_else(|| default.clone(), |c| c.periods.clone());
            let count = periods.len();
            for (i, p) in periods.iter().enumerate() {
                let (open, close) = (
                    local(&self.tz, date, p.open)?,
                    local(&self.tz, date, p.close)?,
                );
                if let Some(c) = self.counters.get_mut(&id) {
                    c.staffed_secs += close.duration_since(open).as_secs_f64().max(0.0);
                }
                self.at(open, Happening::Staff { counter: id });
                self.at(
                    close,
                    Happening::Leave {
                        counter: id,
                        last: i + 1 == count,
                    },
                );
            }
        }
        Ok(())
    }

    fn actor(counter: CounterId) -> String {
        format!("sim-clerk-{}", counter.0)
    }

    fn happen(&mut self, now: Timestamp, what: Happening) {
        match what {
            Happening::Arrive {
                service,
                priority,
                seed,
                script,
                appointment,
            } => self.arrive(now, service, priority, seed, script, appointment),
            Happening::Staff { counter } => {
                self.leaving.remove(&counter);
                // A clerk still finishing the last citizen of the period
                // before simply stays.
                if let Some(Desk::Away) = self.desks.get(&counter) {
                    self.desks.insert(counter, Desk::Idle(now));
                    self.call(now, counter);
                }
            }
            Happening::Leave { counter, last } => match self.desks.get(&counter) {
                Some(Desk::Busy(_)) => {
                    self.leaving.insert(counter, last);
                }
                Some(Desk::Idle(_)) => self.leave(now, counter, last),
                _ => {}
            },
            Happening::Done { counter, ticket } => self.done(now, counter, ticket),
            Happening::NoShow { counter, ticket } => {
                let marked = self.engine.handle(
                    now,
                    Command::NoShow {
                        counter_id: counter,
                        ticket_id: Some(ticket),
                        actor: Self::actor(counter),
                    },
                );
                self.drain();
                let next = next_of(&marked);
                let demand = self
                    .tickets
                    .get(&ticket)
                    .and_then(|t| self.profile.service(&t.service));
                let requeue = if self.scripted.contains(&ticket) {
                    0.0
                } else {
                    demand.map_or(0.0, |d| d.requeue.clamp(0.0, 1.0))
                };
                if let Some(d) = demand
                    && self.citizen(ticket).random_bool(requeue)
                {
                    let back = now + SignedDuration::from_secs_f64(d.return_after_minutes * 60.0);
                    self.at(back, Happening::Return { ticket });
                }
                self.free(now, counter, next);
            }
            Happening::Return { ticket } => {
                let requeued = self.engine.handle(
                    now,
                    Command::Requeue {
                        ticket_id: ticket,
                        actor: "sim-kiosk".into(),
                    },
                );
                self.drain();
                if requeued.is_ok()
                    && let Some(service) = self.engine.ticket(ticket).map(|t| t.service_id.clone())
                {
                    self.wake(now, &service);
                }
            }
        }
    }

    fn drain(&mut self) {
        while self.engine.poll_event().is_some() {}
    }

    /// The citizen's own draws.
    fn citizen(&mut self, ticket: TicketId) -> &mut StdRng {
        self.citizens
            .entry(ticket)
            .or_insert_with(|| StdRng::seed_from_u64(ticket.0))
    }

    fn arrive(
        &mut self,
        now: Timestamp,
        service: ServiceId,
        priority: bool,
        seed: u64,
        script: Option<Script>,
        appointment: Option<String>,
    ) {
        let class = if priority {
            self.hall
                .services
                .iter()
                .find(|s| s.id == service)
                .and_then(|s| s.priority_classes.first().copied())
        } else {
            None
        };
        let issued = self.engine.handle(
            now,
            Command::IssueTicket {
                service_id: service.clone(),
                priority: class,
                appointment_code: appointment,
                idempotency_key: None,
                query_code: "000000".into(),
                actor: "sim-kiosk".into(),
            },
        );
        self.drain();
        let Ok(Outcome::Issued { ticket_id, .. }) = issued else {
            self.refused += 1;
            return;
        };
        self.citizens.insert(ticket_id, StdRng::seed_from_u64(seed));
        if let Some(script) = script {
            self.scripts.insert(ticket_id, script);
            self.scripted.insert(ticket_id);
        }
        if let Some(t) = self.engine.ticket(ticket_id) {
            let hour = t.issued_at.to_zoned_datetime(self.tz.clone()).hour();
            self.tickets.insert(
                ticket_id,
                TicketOutcome {
                    id: ticket_id,
                    number: t.number.to_string(),
                    service: service.clone(),
                    // Priority classes and appointments checked in on time
                    // both queue in the priority lane.
                    priority: t.class != TicketClass::Normal,
                    issued_at: t.issued_at,
                    hour,
                    estimate_secs: t.estimated_wait_secs,
                    first_called_at: None,
                    served: false,
                },
            );
        }
        self.wake(now, &service);
    }

    /// A ticket of `service` is waiting: the clerk free longest among
    /// those who serve it calls.
    fn wake(&mut self, now: Timestamp, service: &ServiceId) {
        let mut idle: Vec<(Timestamp, CounterId)> = self
            .hall
            .counters
            .iter()
            .filter(|c| c.services.iter().any(|s| &s.service == service))
            .filter_map(|c| match self.desks.get(&c.id) {
                Some(Desk::Idle(since)) => Some((*since, c.id)),
                _ => None,
            })
            .collect();
        idle.sort();
        for (_, counter) in idle {
            if self.call(now, counter) {
                return;
            }
        }
    }

    /// The clerk presses 呼叫. Returns whether someone was called.
    fn call(&mut self, now: Timestamp, counter: CounterId) -> bool {
        let called = self.engine.handle(
            now,
            Command::CallNext {
                counter_id: counter,
                actor: Self::actor(counter),
            },
        );
        self.drain();
        let Ok(Outcome::Called {
            ticket_id: Some(ticket),
        }) = called
        else {
            if !matches!(self.desks.get(&counter), Some(Desk::Idle(_))) {
                self.desks.insert(counter, Desk::Idle(now));
            }
            return false;
        };
        self.called(now, counter, ticket);
        true
    }

    /// `counter` called `ticket` (by 呼叫, or automatically after the
    /// citizen before): the citizen comes, or not.
    fn called(&mut self, now: Timestamp, counter: CounterId, ticket: TicketId) {
        self.desks.insert(counter, Desk::Busy(now));
        let Some(record) = self.engine.ticket(ticket) else {
            return;
        };
        let service = record.service_id.clone();
        let first = record.transfers == 0 && !record.requeued;
        let priority = record.class != TicketClass::Normal;
        self.calls.push(Call {
            at: now,
            counter,
            ticket,
            service: service.clone(),
            priority,
        });
        if first
            && let Some(t) = self.tickets.get_mut(&ticket)
            && t.first_called_at.is_none()
        {
            t.first_called_at = Some(now);
        }
        if let Some(script) = self.scripts.remove(&ticket) {
            let after =
                SignedDuration::from_millis(i64::try_from(script.handle_ms).unwrap_or(i64::MAX));
            let what = if script.no_show {
                Happening::NoShow { counter, ticket }
            } else {
                Happening::Done { counter, ticket }
            };
            self.at(now + after, what);
            return;
        }
        let demand = self.profile.service(&service);
        let no_show_share = demand.map_or(0.0, |d| d.no_show.clamp(0.0, 1.0));
        let no_show = self.citizen(ticket).random_bool(no_show_share);
        if no_show {
            let wait = SignedDuration::from_secs_f64(self.profile.no_show_wait_minutes * 60.0);
            self.at(now + wait, Happening::NoShow { counter, ticket });
        } else {
            let secs = demand.map_or_else(
                || {
                    let minutes = self
                        .hall
                        .services
                        .iter()
                        .find(|s| s.id == service)
                        .and_then(|s| s.expected_handle_minutes)
                        .unwrap_or(self.hall.rules.default_handle_minutes);
                    f64::from(minutes) * 60.0
                },
                |d| d.handle.sample(self.citizen(ticket)),
            );
            self.at(
                now + SignedDuration::from_secs_f64(secs),
                Happening::Done { counter, ticket },
            );
        }
    }

    fn done(&mut self, now: Timestamp, counter: CounterId, ticket: TicketId) {
        let service = self.engine.ticket(ticket).map(|t| t.service_id.clone());
        let scripted = self.scripted.contains(&ticket);
        let transfer = service.as_ref().filter(|_| !scripted).and_then(|s| {
            let demand = self.profile.service(s)?;
            let draw: f64 = self.citizen(ticket).random();
            let mut acc = 0.0;
            demand.transfers.iter().find_map(|t| {
                acc += t.share;
                (draw < acc).then(|| t.to.clone())
            })
        });
        if let Some(t) = self.tickets.get_mut(&ticket)
            && Some(&t.service) == service.as_ref()
        {
            t.served = true;
        }
        let actor = Self::actor(counter);
        let moved = transfer.as_ref().and_then(|to| {
            self.engine
                .handle(
                    now,
                    Command::Transfer {
                        counter_id: counter,
                        ticket_id: Some(ticket),
                        to_service: to.clone(),
                        position: None,
                        actor: actor.clone(),
                    },
                )
                .ok()
        });
        let finished = match moved {
            Some(outcome) => Ok(outcome),
            None => self.engine.handle(
                now,
                Command::Finish {
                    counter_id: counter,
                    ticket_id: Some(ticket),
                    actor,
                },
            ),
        };
        let moved = moved.is_some();
        self.drain();
        if let Some(c) = self.counters.get_mut(&counter) {
            c.served += 1;
        }
        self.free(now, counter, next_of(&finished));
        if moved && let Some(to) = transfer {
            self.wake(now, &to);
        }
    }

    /// The clerk is free: the engine may have called the next citizen
    /// already (a counter set to call automatically); otherwise they call
    /// the next. A clerk whose period is over still serves whoever holds a
    /// ticket for their counter (当日取号当日办结: the hall stops issuing
    /// before closing so that the queue can be cleared) and leaves once
    /// nobody waits.
    fn free(&mut self, now: Timestamp, counter: CounterId, next: Option<TicketId>) {
        if let Some(Desk::Busy(since)) = self.desks.get(&counter).copied()
            && let Some(c) = self.counters.get_mut(&counter)
        {
            c.busy_secs += now.duration_since(since).as_secs_f64();
        }
        self.desks.insert(counter, Desk::Idle(now));
        if let Some(next) = next {
            self.called(now, counter, next);
        } else if !self.call(now, counter)
            && let Some(last) = self.leaving.remove(&counter)
        {
            self.leave(now, counter, last);
        }
    }

    fn leave(&mut self, now: Timestamp, counter: CounterId, last: bool) {
        let actor = Self::actor(counter);
        let command = if last {
            Command::Close {
                counter_id: counter,
                actor,
            }
        } else {
            Command::Pause {
                counter_id: counter,
                reason: "sim: staffed period over".into(),
                actor,
            }
        };
        let _ = self.engine.handle(now, command);
        self.drain();
        self.desks.insert(counter, Desk::Away);
    }
}
