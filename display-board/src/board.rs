//! The board's state: what the hall looks like from this board, and what it
//! has announced.
//!
//! [`Board`] is a plain struct with no egui, no clock and no I/O. Messages
//! from the event stream and the speaker go in through `handle_*` methods
//! together with the current time; what the board must *do* comes out as
//! [`Effect`]s (announce a call, ask the server for a snapshot, report a
//! status note), which [`crate::app`] carries out. Drawing only reads it.
//!
//! Rules it keeps:
//! - **Sequence.** A snapshot sets the sequence number; each event must be
//!   the next one. An event already seen is dropped; a gap gives one
//!   [`Effect::Resync`], and events are ignored until the fresh snapshot.
//! - **Every call is announced once.** The key is `(ticket, call_no)`:
//!   the server numbers each call and recall of a ticket from 1 and never
//!   starts again, so a recall, and the new call of a ticket transferred
//!   to another service (受理 → 收费) or re-queued after a no-show, each
//!   have a key of their own and are spoken; the same call in a repeated
//!   snapshot (a reconnect, a resync) or a duplicated event has the key
//!   already seen and is not. (The recall count is no key: it starts again
//!   at 0 on every call, so a transferred ticket's second call looked like
//!   its first and was never spoken.)
//! - **Old calls are shown, not spoken, by the server's clock.** A call
//!   more than `max_announce_age` old when it reaches the board (after a
//!   reconnect, or held up in a stalled stream) is shown but not
//!   announced. Its age is the server's time now, as [`ServerClock`]
//!   estimates it from the times the stream carries, minus the server's
//!   time of the call or recall (`announced_at`): never the board's own
//!   clock, which may be minutes off and would silence every call (fast)
//!   or speak stale ones (slow). The first snapshot after start announces
//!   nothing: those calls were made before the board was there.
//! - **Filter.** A board limited to zones or counters shows and announces
//!   only calls to those counters.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use banli_core::config::Notice;
use banli_core::engine::queue::CounterStatus;
use banli_core::engine::ticket::TicketStatus;
use banli_core::ids::{CounterId, TicketId};
use banli_core::wire::{
    CallView, CounterView, HallEvent, HallSnapshot, ServiceView, StreamMessage, WaitingCount,
};
use jiff::Timestamp;

use crate::announcer::{self, Lang, Plan};
use crate::config::Filter;
use crate::server_clock::ServerClock;

/// How many recent calls the board keeps (the hall screen shows fewer).
pub const RECENT_CALLS: usize = 20;

/// How long the newest call flashes after it arrives.
pub const FLASH_FOR: Duration = Duration::from_secs(6);

/// While waiting for a snapshot it asked for, the board asks again this
/// often as events keep coming (a resync lost on the way would otherwise
/// leave it stale for good, with a live-looking link).
pub const RESYNC_RETRY: Duration = Duration::from_secs(5);

/// How many announced `(ticket, call_no)` keys are remembered: far more
/// than a snapshot's recent calls, so a reconnect never repeats one.
const ANNOUNCED_MEMORY: usize = 4096;

/// What makes a call itself: the ticket and which of its calls and recalls
/// this is (see the module docs).
type CallKey = (TicketId, u32);

fn key(call: &CallView) -> CallKey {
    (call.ticket_id, call.call_no)
}

/// What the board asks its owner to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Speak this call: render `plan` and queue it on the speaker.
    Announce {
        /// The call, for logs.
        call: Box<CallView>,
        /// What to say.
        plan: Plan,
    },
    /// Ask the server for a fresh snapshot (`{"type":"resync"}`).
    Resync,
    /// Report `note` to `POST /api/v1/devices/status` (empty: all well).
    ReportStatus(String),
}

/// The link to the server, as the board shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// Not connected yet since start.
    Connecting,
    /// Receiving events.
    Live,
    /// Lost since `since`; the last state stays on screen.
    Lost {
        /// When it went.
        since: Timestamp,
        /// Why, for the log and the small print.
        why: String,
    },
}

/// The board's state. See the module docs for its rules.
#[derive(Debug, Clone)]
pub struct Board {
    /// Which counters this board is about.
    filter: Filter,
    /// Languages to announce in.
    langs: Vec<Lang>,
    /// Older calls are not spoken.
    max_announce_age: Duration,
    /// The server's time, as learnt from the stream: a call's age is judged
    /// by it.
    server_clock: ServerClock,
    /// From the last snapshot: the hall's names.
    hall_name_zh: String,
    hall_name_en: String,
    /// Services with their waiting counts.
    services: Vec<ServiceView>,
    /// Every counter of the hall (the filter applies when reading).
    counters: Vec<CounterView>,
    /// Recent calls this board shows, newest first.
    calls: Vec<CallView>,
    /// The hall's scrolling notices.
    notices: Vec<Notice>,
    /// Sequence number of the last event applied; `None` before the first
    /// snapshot.
    last_seq: Option<u64>,
    /// Events are ignored until the next snapshot (after a gap, a
    /// reconnect or a configuration change).
    awaiting_snapshot: bool,
    /// When the board last asked for a resync, while it waits for it.
    resync_asked: Option<Timestamp>,
    /// Calls already announced (or deliberately not), by ticket and call
    /// number; `announced_order` bounds its size.
    announced: HashSet<CallKey>,
    announced_order: VecDeque<CallKey>,
    /// The newest call and when it arrived here, for the flash.
    highlight: Option<(TicketId, Timestamp)>,
    /// Server link.
    connection: Connection,
    /// Why the board cannot speak, when it cannot.
    silent: Option<String>,
}

impl Board {
    /// A board showing what `filter` admits and announcing in `langs`.
    pub fn new(filter: Filter, langs: Vec<Lang>, max_announce_age: Duration) -> Self {
        Self {
            filter,
            langs,
            max_announce_age,
            server_clock: ServerClock::new(),
            hall_name_zh: String::new(),
            hall_name_en: String::new(),
            services: Vec::new(),
            counters: Vec::new(),
            calls: Vec::new(),
            notices: Vec::new(),
            last_seq: None,
            awaiting_snapshot: true,
            resync_asked: None,
            announced: HashSet::new(),
            announced_order: VecDeque::new(),
            highlight: None,
            connection: Connection::Connecting,
            silent: None,
        }
    }

    // Getters.

    /// The hall's Chinese name (empty before the first snapshot).
    pub fn hall_name_zh(&self) -> &str {
        &self.hall_name_zh
    }

    /// The hall's English name.
    pub fn hall_name_en(&self) -> &str {
        &self.hall_name_en
    }

    /// True once a snapshot arrived: there is something to show.
    pub fn has_state(&self) -> bool {
        self.last_seq.is_some()
    }

    /// Sequence number of the last event applied.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// Recent calls to the counters shown, newest first.
    pub fn calls(&self) -> &[CallView] {
        &self.calls
    }

    /// Counters this board shows, in the hall's order.
    pub fn counters(&self) -> impl Iterator<Item = &CounterView> {
        self.counters
            .iter()
            .filter(|c| self.filter.admits(c.id, &c.zone))
    }

    /// One counter, whether or not the filter shows it.
    pub fn counter(&self, id: CounterId) -> Option<&CounterView> {
        self.counters.iter().find(|c| c.id == id)
    }

    /// Services the shown counters serve (every service without a filter).
    pub fn services(&self) -> impl Iterator<Item = &ServiceView> {
        self.services
            .iter()
            .filter(|s| self.filter.is_all() || self.counters().any(|c| c.services.contains(&s.id)))
    }

    /// The hall's notices.
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// The server link.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Why the board is silent, if it is.
    pub fn silent(&self) -> Option<&str> {
        self.silent.as_deref()
    }

    /// The server's clock as this board sees it.
    pub fn server_clock(&self) -> &ServerClock {
        &self.server_clock
    }

    /// Whether the call to `ticket` is the newest and still flashing at
    /// `now`, and if so whether it is in its bright phase.
    pub fn flash(&self, ticket: TicketId, now: Timestamp) -> Option<bool> {
        let (id, since) = self.highlight?;
        let elapsed = now.duration_since(since).unsigned_abs();
        (id == ticket && elapsed < FLASH_FOR)
            .then_some((elapsed.as_millis() / 500).is_multiple_of(2))
    }

    /// How long until the flash ends, while it lasts: the UI repaints at a
    /// modest rate until then.
    pub fn flash_remaining(&self, now: Timestamp) -> Option<Duration> {
        let (_, since) = self.highlight?;
        FLASH_FOR.checked_sub(now.duration_since(since).unsigned_abs())
    }

    // Inputs.

    /// Applies a message from the event stream received at `now`, the
    /// board's own time: the server's time the message carries tells how
    /// far off that is (see [`ServerClock`]).
    pub fn handle_message(&mut self, now: Timestamp, message: StreamMessage) -> Vec<Effect> {
        let mut effects = Vec::new();
        match message {
            StreamMessage::Snapshot { snapshot } => {
                self.server_clock.handle_sample(now, snapshot.at);
                self.apply_snapshot(now, *snapshot, &mut effects)
            }
            StreamMessage::Event {
                seq,
                server_time,
                event,
            } => {
                // Even an event not applied tells the server's time.
                self.server_clock.handle_sample(now, server_time);
                let Some(last) = self.last_seq else {
                    return effects;
                };
                if self.awaiting_snapshot {
                    if self.resync_asked.is_some_and(|asked| {
                        now.duration_since(asked).unsigned_abs() >= RESYNC_RETRY
                    }) {
                        self.resync_asked = Some(now);
                        effects.push(Effect::Resync);
                    }
                    return effects;
                }
                if seq <= last {
                    return effects;
                }
                if seq != last + 1 {
                    self.ask_resync(now, &mut effects);
                    return effects;
                }
                self.last_seq = Some(seq);
                self.apply_event(now, event, &mut effects);
            }
        }
        effects
    }

    /// The stream is open (before its snapshot arrives).
    pub fn handle_connected(&mut self) {
        self.awaiting_snapshot = true;
        // A new stream starts with a snapshot; no need to ask.
        self.resync_asked = None;
    }

    /// The stream closed or failed at `now`: keep the state, mark it stale,
    /// and wait for a snapshot after the reconnect.
    pub fn handle_disconnected(&mut self, now: Timestamp, why: String) {
        self.awaiting_snapshot = true;
        if !matches!(self.connection, Connection::Lost { .. }) {
            self.connection = Connection::Lost { since: now, why };
        }
    }

    /// The speaker has no device: the board shows calls without speaking,
    /// and reports why once.
    pub fn handle_silent(&mut self, why: String) -> Vec<Effect> {
        if self.silent.as_deref() == Some(why.as_str()) {
            return Vec::new();
        }
        self.silent = Some(why.clone());
        vec![Effect::ReportStatus(why)]
    }

    /// The speaker works again.
    pub fn handle_restored(&mut self) -> Vec<Effect> {
        if self.silent.take().is_some() {
            vec![Effect::ReportStatus(String::new())]
        } else {
            Vec::new()
        }
    }

    // Internals.

    fn apply_snapshot(
        &mut self,
        now: Timestamp,
        snapshot: HallSnapshot,
        effects: &mut Vec<Effect>,
    ) {
        let first = self.last_seq.is_none();
        self.last_seq = Some(snapshot.seq);
        self.awaiting_snapshot = false;
        self.resync_asked = None;
        self.connection = Connection::Live;
        self.hall_name_zh = snapshot.hall_name_zh;
        self.hall_name_en = snapshot.hall_name_en;
        self.services = snapshot.services;
        self.counters = snapshot.counters;
        self.notices = snapshot.notices;
        let mut calls: Vec<CallView> = snapshot
            .recent_calls
            .into_iter()
            .filter(|c| self.filter.admits(c.counter_id, &c.zone))
            .collect();
        calls.truncate(RECENT_CALLS);
        // Oldest first, so that calls missed while away queue in order.
        for call in calls.iter().rev() {
            if first {
                self.remember(key(call));
            } else {
                self.announce(now, call, None, effects);
            }
        }
        if let Some(newest) = calls.first()
            && self.calls.first().map(key) != Some(key(newest))
            && !first
        {
            self.highlight = Some((newest.ticket_id, now));
        }
        self.calls = calls;
    }

    fn apply_event(&mut self, now: Timestamp, event: HallEvent, effects: &mut Vec<Effect>) {
        match event {
            HallEvent::TicketIssued { waiting, .. } => self.set_waiting(&waiting),
            HallEvent::TicketCalled { call, waiting, .. } => {
                self.set_waiting(&waiting);
                self.show_call(now, call, effects, None);
            }
            HallEvent::TicketRecalled { at, call } => self.show_call(now, call, effects, Some(at)),
            HallEvent::TicketChanged {
                ticket_id,
                status,
                counter_id,
                waiting,
                ..
            } => {
                self.set_waiting(&waiting);
                if status != TicketStatus::Called
                    && let Some(counter) = counter_id.and_then(|id| self.counter_mut(id))
                    && counter
                        .current
                        .as_ref()
                        .is_some_and(|c| c.ticket_id == ticket_id)
                {
                    counter.current = None;
                }
            }
            HallEvent::CounterChanged { counter, .. } => {
                match self.counters.iter_mut().find(|c| c.id == counter.id) {
                    Some(slot) => *slot = counter,
                    None => self.counters.push(counter),
                }
            }
            HallEvent::ConfigChanged { .. } => self.ask_resync(now, effects),
            HallEvent::DayRolled { .. } => {
                self.calls.clear();
                self.highlight = None;
                self.ask_resync(now, effects);
            }
            // Ratings are not the board's business.
            HallEvent::Other { .. } | HallEvent::FeedbackChanged { .. } => {}
        }
    }

    /// A call or recall: on the counter, at the top of the list, flashing,
    /// and announced unless too old or already said. `recalled_at` is the
    /// recall event's time (see [`Board::announce`]).
    fn show_call(
        &mut self,
        now: Timestamp,
        call: CallView,
        effects: &mut Vec<Effect>,
        recalled_at: Option<Timestamp>,
    ) {
        if let Some(counter) = self.counter_mut(call.counter_id) {
            counter.current = Some(call.clone());
            if counter.status == CounterStatus::Closed {
                counter.status = CounterStatus::Open;
            }
        }
        if !self.filter.admits(call.counter_id, &call.zone) {
            return;
        }
        self.announce(now, &call, recalled_at, effects);
        self.highlight = Some((call.ticket_id, now));
        self.calls.retain(|c| c.ticket_id != call.ticket_id);
        self.calls.insert(0, call);
        self.calls.truncate(RECENT_CALLS);
    }

    /// Announces `call` unless its key was seen or it is too old by the
    /// server's clock. Its time is its `announced_at` (the server's time of
    /// this call or recall); the later of that, its `called_at` (a call the
    /// server restored from a state saved before it had `announced_at`) and
    /// `recalled_at` (a recall of a ticket gone from the server's recent
    /// calls carries its first call's time as `announced_at`).
    fn announce(
        &mut self,
        now: Timestamp,
        call: &CallView,
        recalled_at: Option<Timestamp>,
        effects: &mut Vec<Effect>,
    ) {
        if !self.remember(key(call)) {
            return;
        }
        let made = call.announced_at.max(call.called_at);
        let made = recalled_at.map_or(made, |at| made.max(at));
        let age = self.server_clock.server_now(now).duration_since(made);
        // A call stamped in the future (a clock set back since) is fresh.
        if age.is_negative() || age.unsigned_abs() <= self.max_announce_age {
            effects.push(Effect::Announce {
                call: Box::new(call.clone()),
                plan: announcer::clips_for(call, &self.langs),
            });
        }
    }

    /// Ignores events until a snapshot, and asks for one.
    fn ask_resync(&mut self, now: Timestamp, effects: &mut Vec<Effect>) {
        self.awaiting_snapshot = true;
        self.resync_asked = Some(now);
        effects.push(Effect::Resync);
    }

    /// Records `key` as announced; false when it already was.
    fn remember(&mut self, key: CallKey) -> bool {
        if !self.announced.insert(key) {
            return false;
        }
        self.announced_order.push_back(key);
        if self.announced_order.len() > ANNOUNCED_MEMORY
            && let Some(old) = self.announced_order.pop_front()
        {
            self.announced.remove(&old);
        }
        true
    }

    fn set_waiting(&mut self, waiting: &[WaitingCount]) {
        for w in waiting {
            if let Some(s) = self.services.iter_mut().find(|s| s.id == w.service_id) {
                s.waiting = w.waiting;
                s.estimated_wait_minutes = w.estimated_wait_minutes;
            }
        }
    }

    fn counter_mut(&mut self, id: CounterId) -> Option<&mut CounterView> {
        self.counters.iter_mut().find(|c| c.id == id)
    }
}
