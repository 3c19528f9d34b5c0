//! Wire types: what travels between the server and its clients as JSON.
//!
//! They are views built from the engine's state, apart from it so that the
//! two can change alone, and they never carry a ticket's query code except
//! in the answer to the request that issued it.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::config::{Policy, PriorityClass, TransferPosition};
use crate::engine::queue::CounterStatus;
use crate::engine::ticket::{TicketClass, TicketStatus};
use crate::ids::{CounterId, DepartmentId, ServiceId, TicketId};

/// Why a service is not issuing tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClosedReason {
    /// Switched off by an administrator.
    Disabled,
    /// Not a working day for this service.
    ClosedToday,
    /// Outside opening hours.
    OutsideHours,
    /// Too close to closing time to be served today.
    IssuingStopped,
    /// Today's quota is used up.
    QuotaReached,
    /// Every number of today's range is used.
    NumbersExhausted,
}

impl ClosedReason {
    /// The reason in Chinese.
    pub fn message_zh(self) -> &'static str {
        match self {
            Self::Disabled => "业务暂停办理",
            Self::ClosedToday => "今日不办理",
            Self::OutsideHours => "不在办理时间",
            Self::IssuingStopped => "临近下班，今日停止取号",
            Self::QuotaReached => "今日号已取完",
            Self::NumbersExhausted => "今日号已取完",
        }
    }
}

impl fmt::Display for ClosedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Disabled => "the service is suspended",
            Self::ClosedToday => "the service is closed today",
            Self::OutsideHours => "outside opening hours",
            Self::IssuingStopped => "issuing has stopped for today, close to closing time",
            Self::QuotaReached => "today's tickets are all taken",
            Self::NumbersExhausted => "today's numbers are all used",
        })
    }
}

/// A service as kiosks and boards show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceView {
    /// Id.
    pub id: ServiceId,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Ticket prefix.
    pub prefix: String,
    /// Owning department.
    pub department: DepartmentId,
    /// Tickets waiting, priority included.
    pub waiting: u32,
    /// Of which in the priority lane.
    pub priority_waiting: u32,
    /// Estimated wait for a ticket taken now, in minutes.
    pub estimated_wait_minutes: u32,
    /// How long the longest-waiting ticket has waited, in minutes.
    pub longest_wait_minutes: u32,
    /// Whether a ticket can be taken now.
    pub is_open: bool,
    /// Why not, when it cannot.
    pub closed_reason: Option<ClosedReason>,
    /// When issuing starts again, if known within a week.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub opens_at: Option<Timestamp>,
    /// Tickets issued today.
    pub issued_today: u32,
    /// Priority classes accepted.
    pub priority_classes: Vec<PriorityClass>,
    /// Whether appointments can be checked in.
    pub appointments: bool,
}

/// A counter as boards and consoles show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CounterView {
    /// Number.
    pub id: CounterId,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Floor or area.
    pub zone: String,
    /// Staffing department.
    pub department: DepartmentId,
    /// Services served, in order.
    pub services: Vec<ServiceId>,
    /// Calling policy.
    pub policy: Policy,
    /// Open, paused (with reason) or closed.
    pub status: CounterStatus,
    /// Who is at the counter (their username). Staff see it; kiosks and
    /// boards always get none ([`HallSnapshot::without_staff`]).
    pub staff: Option<String>,
    /// The ticket being served.
    pub current: Option<CallView>,
    /// Tickets finished here today.
    pub served_today: u32,
}

/// A ticket called to a counter: what a board shows and announces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallView {
    /// Ticket id.
    pub ticket_id: TicketId,
    /// Ticket number: `A023`.
    pub number: String,
    /// Service it is called for.
    pub service_id: ServiceId,
    /// Counter number.
    pub counter_id: CounterId,
    /// Counter's Chinese name.
    pub counter_name_zh: String,
    /// Counter's English name.
    pub counter_name_en: String,
    /// Counter's zone.
    pub zone: String,
    /// When it was called.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub called_at: Timestamp,
    /// Times it was recalled.
    pub recalls: u32,
    /// Priority class.
    pub class: TicketClass,
    /// Which call of this ticket this is (calls and recalls, from 1, never
    /// reset by a transfer or re-queue): announce each `(ticket_id,
    /// call_no)` once.
    #[serde(default)]
    pub call_no: u32,
    /// When this call or recall was made (server time): its age decides
    /// whether it is still worth announcing.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    #[serde(default = "epoch")]
    pub announced_at: Timestamp,
}

fn epoch() -> Timestamp {
    Timestamp::UNIX_EPOCH
}

/// A ticket's progress, as its holder sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketView {
    /// Id.
    pub id: TicketId,
    /// Number: `A023`.
    pub number: String,
    /// Service it queues for now.
    pub service_id: ServiceId,
    /// Service's Chinese name.
    pub service_name_zh: String,
    /// Service's English name.
    pub service_name_en: String,
    /// Priority class.
    pub class: TicketClass,
    /// Where it is in its life.
    pub status: TicketStatus,
    /// Business day it belongs to.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub business_day: Date,
    /// When it was issued.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub issued_at: Timestamp,
    /// People ahead in its queue (0 once called).
    pub ahead: u32,
    /// Estimated minutes until it is called (0 once called).
    pub estimated_wait_minutes: u32,
    /// The counter to go to, once called.
    pub counter_id: Option<CounterId>,
    /// That counter's Chinese name.
    pub counter_name_zh: Option<String>,
    /// When it was called.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub called_at: Option<Timestamp>,
    /// Whether it can still be re-queued (a recent no-show, once).
    pub can_requeue: bool,
}

/// The answer to a ticket request: the ticket plus the secret code that
/// lets its holder query progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedTicket {
    /// The ticket.
    #[serde(flatten)]
    pub ticket: TicketView,
    /// Short code for `GET /api/v1/tickets/{id}?code=`.
    pub query_code: String,
    /// True when this answers a retried request with the original ticket.
    pub replayed: bool,
    /// True for an appointment checked in outside its window, which queues
    /// as a normal ticket.
    pub appointment_outside_window: bool,
}

/// Waiting figures of one service after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaitingCount {
    /// The service.
    pub service_id: ServiceId,
    /// Tickets waiting.
    pub waiting: u32,
    /// Estimated wait for a new ticket, in minutes.
    pub estimated_wait_minutes: u32,
}

/// Everything a board or console needs to draw the hall from scratch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HallSnapshot {
    /// The sequence number of the last event it includes.
    pub seq: u64,
    /// When it was taken.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Current business day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub business_day: Date,
    /// Hall's Chinese name.
    pub hall_name_zh: String,
    /// Hall's English name.
    pub hall_name_en: String,
    /// Services with their queues.
    pub services: Vec<ServiceView>,
    /// Counters with their current tickets.
    pub counters: Vec<CounterView>,
    /// The latest calls, newest first.
    pub recent_calls: Vec<CallView>,
    /// Notices to scroll.
    pub notices: Vec<crate::config::Notice>,
}

impl HallSnapshot {
    /// The snapshot as kiosks and boards get it: without who staffs each
    /// counter (least data: a public screen shows counters, not people).
    pub fn without_staff(mut self) -> Self {
        for c in &mut self.counters {
            c.staff = None;
        }
        self
    }
}

/// A change in the hall, as subscribers of `GET /api/v1/events` see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HallEvent {
    /// A ticket was issued.
    TicketIssued {
        /// When.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// Ticket id.
        ticket_id: TicketId,
        /// Number.
        number: String,
        /// Service.
        service_id: ServiceId,
        /// Priority class.
        class: TicketClass,
        /// New waiting figures.
        waiting: Vec<WaitingCount>,
    },
    /// A counter called a ticket: show it and announce it.
    TicketCalled {
        /// When.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// The call.
        call: CallView,
        /// New waiting figures.
        waiting: Vec<WaitingCount>,
    },
    /// A counter called its ticket again: announce it again.
    TicketRecalled {
        /// When.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// The call.
        call: CallView,
    },
    /// A ticket left a counter or a queue: served, no-show, cancelled,
    /// transferred or re-queued.
    TicketChanged {
        /// When.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// Ticket id.
        ticket_id: TicketId,
        /// Number.
        number: String,
        /// Its new status.
        status: TicketStatus,
        /// The service it is in now.
        service_id: ServiceId,
        /// The counter it left, if any.
        counter_id: Option<CounterId>,
        /// New waiting figures.
        waiting: Vec<WaitingCount>,
    },
    /// A counter opened, paused or closed.
    CounterChanged {
        /// When.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// The counter now.
        counter: CounterView,
    },
    /// Services, counters or rules changed: fetch a new snapshot.
    ConfigChanged {
        /// When.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// A change with nothing to show (an appointment booked, say). It is
    /// sent so that sequence numbers on the stream never have gaps.
    Other {
        /// When.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// A new business day began.
    DayRolled {
        /// When.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// The new day.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        business_day: Date,
        /// Tickets that expired.
        expired: u32,
    },
    /// A rating, complaint or follow-up step was recorded: dashboards
    /// fetch their 好差评 figures again. It names no rater and no level.
    FeedbackChanged {
        /// When.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// The counter concerned, if any.
        counter_id: Option<CounterId>,
        /// Follow-ups open now.
        open_follow_ups: u32,
    },
}

impl HallEvent {
    /// The event as kiosks and boards get it, when that differs from what
    /// staff get: without who staffs a counter.
    pub fn without_staff(&self) -> Option<Self> {
        match self {
            Self::CounterChanged { at, counter } if counter.staff.is_some() => {
                let mut counter = counter.clone();
                counter.staff = None;
                Some(Self::CounterChanged { at: *at, counter })
            }
            _ => None,
        }
    }
}

/// A message on the event stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // Short-lived; boxing the event buys nothing.
pub enum StreamMessage {
    /// The whole hall; later events have greater sequence numbers.
    Snapshot {
        /// The hall.
        snapshot: Box<HallSnapshot>,
    },
    /// One change. Sequence numbers increase by one; a client that sees a
    /// gap reconnects for a new snapshot.
    Event {
        /// Sequence number.
        seq: u64,
        /// The server's time when the change was committed. Clients judge
        /// the age of a call against it, never against their own clock,
        /// which may be minutes off.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        #[serde(default = "epoch")]
        server_time: Timestamp,
        /// The change.
        event: HallEvent,
    },
}

/// `POST /api/v1/tickets` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueTicketRequest {
    /// The service to queue for.
    pub service_id: ServiceId,
    /// A 绿色通道 class.
    #[serde(default)]
    pub priority: Option<PriorityClass>,
    /// A booking code to check in.
    #[serde(default)]
    pub appointment_code: Option<String>,
}

/// Body of counter operations on the current ticket. The ticket id, when
/// given, must match the counter's current ticket, so that a stale screen
/// or a double click cannot act on the wrong citizen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CounterTicketRequest {
    /// The ticket the staff member sees.
    #[serde(default)]
    pub ticket_id: Option<TicketId>,
}

/// `POST /api/v1/counters/{id}/transfer` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The ticket the staff member sees.
    #[serde(default)]
    pub ticket_id: Option<TicketId>,
    /// The service to send it to.
    pub to_service: ServiceId,
    /// Overrides the hall's rule.
    #[serde(default)]
    pub position: Option<TransferPosition>,
}

/// `POST /api/v1/counters/{id}/pause` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// Shown on the counter's screen: 「午休」.
    pub reason: String,
}

/// The answer to a counter operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CounterActionResponse {
    /// The counter after the operation.
    pub counter: CounterView,
}

/// Every API error: a stable code, an English message and a Chinese one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable machine-readable code, e.g. `unknown_service`.
    pub code: String,
    /// Human message in English.
    pub message: String,
    /// Human message in Chinese.
    pub message_zh: String,
    /// Per-field problems, for invalid configuration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<crate::config::ConfigIssue>,
}

/// A kiosk's printer, as it reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    /// Ready.
    Ok,
    /// Paper is running low.
    PaperNearEnd,
    /// No paper.
    PaperOut,
    /// The cover is open.
    CoverOpen,
    /// The printer does not answer.
    Offline,
    /// Any other fault.
    Error,
}

/// A kiosk's printer state with a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PrinterReport {
    /// State.
    pub state: PrinterState,
    /// What the kiosk showed, for staff.
    #[serde(default)]
    pub message: String,
}

/// A ticket that was issued but could not be printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FailedPrint {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number.
    pub number: String,
    /// Why it did not print.
    pub reason: String,
}

/// `POST /api/v1/devices/status`: what a device reports about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceStatusReport {
    /// The printer, for kiosks.
    #[serde(default)]
    pub printer: Option<PrinterReport>,
    /// A ticket that failed to print, reported once.
    #[serde(default)]
    pub failed_print: Option<FailedPrint>,
    /// Software version.
    #[serde(default)]
    pub version: String,
    /// Anything else worth showing staff: 「无音频设备」.
    #[serde(default)]
    pub note: String,
}
