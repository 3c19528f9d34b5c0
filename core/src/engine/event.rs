//! What the engine records: every state change is one [`Event`], and
//! applying the journal of events to an empty engine rebuilds the state.

use compact_str::CompactString;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::config::HallConfig;
use crate::engine::queue::CounterStatus;
use crate::engine::ticket::TicketRecord;
use crate::ids::{CounterId, ServiceId, TicketId};

/// One state change. Events carry every decision the engine made (where a
/// ticket was inserted, the round-robin weights after a call), so applying
/// them never decides anything again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The hall configuration changed.
    ConfigChanged {
        /// When.
        at: Timestamp,
        /// Who changed it.
        actor: String,
        /// What changed, in a few words, for the audit log.
        summary: String,
        /// The whole new configuration.
        config: Box<HallConfig>,
    },
    /// A ticket was issued and joined the back of its lane.
    TicketIssued {
        /// When.
        at: Timestamp,
        /// The new ticket.
        ticket: Box<TicketRecord>,
    },
    /// A counter called a ticket.
    TicketCalled {
        /// When.
        at: Timestamp,
        /// The ticket.
        ticket_id: TicketId,
        /// The counter.
        counter_id: CounterId,
        /// Who called it.
        actor: String,
        /// The counter's round-robin weights after this call, when its
        /// policy is weighted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wrr: Option<Vec<i64>>,
    },
    /// A counter called its current ticket again.
    TicketRecalled {
        /// When.
        at: Timestamp,
        /// The ticket.
        ticket_id: TicketId,
        /// The counter.
        counter_id: CounterId,
        /// Recalls so far, this one included.
        recalls: u32,
    },
    /// The called citizen did not come.
    TicketNoShow {
        /// When.
        at: Timestamp,
        /// The ticket.
        ticket_id: TicketId,
        /// The counter.
        counter_id: CounterId,
    },
    /// A ticket was served. It leaves the engine's memory (the server's
    /// read model keeps it), so the event carries what subscribers show.
    TicketFinished {
        /// When.
        at: Timestamp,
        /// The ticket.
        ticket_id: TicketId,
        /// Its number.
        number: CompactString,
        /// The service it was served for.
        service_id: ServiceId,
        /// The counter.
        counter_id: CounterId,
    },
    /// A ticket moved to another service's queue.
    TicketTransferred {
        /// When.
        at: Timestamp,
        /// The ticket.
        ticket_id: TicketId,
        /// The counter that sent it.
        counter_id: CounterId,
        /// The service it queues for now.
        to_service: ServiceId,
        /// Its index in its lane of the new service.
        index: u32,
    },
    /// A no-show went back into its queue.
    TicketRequeued {
        /// When.
        at: Timestamp,
        /// The ticket.
        ticket_id: TicketId,
        /// Who asked.
        actor: String,
        /// Its index in its lane.
        index: u32,
    },
    /// A waiting ticket was withdrawn. It leaves the engine's memory.
    TicketCancelled {
        /// When.
        at: Timestamp,
        /// The ticket.
        ticket_id: TicketId,
        /// Its number.
        number: CompactString,
        /// The service it waited for.
        service_id: ServiceId,
        /// Who withdrew it.
        actor: String,
    },
    /// A counter opened, paused or closed.
    CounterStatusChanged {
        /// When.
        at: Timestamp,
        /// The counter.
        counter_id: CounterId,
        /// Its new status.
        status: CounterStatus,
        /// Who is at the counter (none when it closes).
        staff: Option<String>,
    },
    /// A booking was recorded.
    AppointmentBooked {
        /// When.
        at: Timestamp,
        /// The booking.
        appointment: Appointment,
        /// Who recorded it.
        actor: String,
    },
    /// A booking was dropped.
    AppointmentCancelled {
        /// When.
        at: Timestamp,
        /// The booking code.
        code: String,
        /// Who dropped it.
        actor: String,
    },
    /// A new business day began: numbers restart and open tickets expired.
    DayRolled {
        /// When.
        at: Timestamp,
        /// The new business day.
        day: Date,
        /// Tickets that were still waiting or called, now expired.
        expired: Vec<TicketId>,
    },
    /// A citizen rated a service (好差评).
    Rated {
        /// When.
        at: Timestamp,
        /// The rating.
        rating: Box<crate::rating::Rating>,
        /// `actor \u{1f} key` of the request, for retries.
        key: Option<String>,
        /// The follow-up a 差评 opened (its own event follows).
        follow_up_id: Option<u64>,
        /// The device or page that sent it.
        actor: String,
    },
    /// A complaint was filed.
    ComplaintFiled {
        /// When.
        at: Timestamp,
        /// The complaint.
        complaint: Box<crate::rating::Complaint>,
        /// `actor \u{1f} key` of the request, for retries.
        key: Option<String>,
    },
    /// A follow-up (整改) opened, with its deadlines.
    FollowUpOpened {
        /// When.
        at: Timestamp,
        /// The follow-up.
        follow_up: Box<crate::rating::FollowUp>,
    },
    /// A step of a follow-up was taken.
    FollowUpStepped {
        /// When.
        at: Timestamp,
        /// The follow-up.
        follow_up_id: u64,
        /// The step.
        step: crate::rating::Step,
        /// Who took it.
        actor: String,
        /// The follow-up after the step.
        after: Box<crate::rating::FollowUp>,
    },
    /// A case (办件) was accepted or stepped (see [`crate::case`]).
    Case(crate::case::CaseEvent),
}

impl Event {
    /// When the event happened.
    pub fn at(&self) -> Timestamp {
        match self {
            Self::ConfigChanged { at, .. }
            | Self::TicketIssued { at, .. }
            | Self::TicketCalled { at, .. }
            | Self::TicketRecalled { at, .. }
            | Self::TicketNoShow { at, .. }
            | Self::TicketFinished { at, .. }
            | Self::TicketTransferred { at, .. }
            | Self::TicketRequeued { at, .. }
            | Self::TicketCancelled { at, .. }
            | Self::CounterStatusChanged { at, .. }
            | Self::AppointmentBooked { at, .. }
            | Self::AppointmentCancelled { at, .. }
            | Self::DayRolled { at, .. }
            | Self::Rated { at, .. }
            | Self::ComplaintFiled { at, .. }
            | Self::FollowUpOpened { at, .. }
            | Self::FollowUpStepped { at, .. } => *at,
            Self::Case(e) => e.at(),
        }
    }

    /// A short stable name of the kind of event, for logs and the journal.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ConfigChanged { .. } => "config_changed",
            Self::TicketIssued { .. } => "ticket_issued",
            Self::TicketCalled { .. } => "ticket_called",
            Self::TicketRecalled { .. } => "ticket_recalled",
            Self::TicketNoShow { .. } => "ticket_no_show",
            Self::TicketFinished { .. } => "ticket_finished",
            Self::TicketTransferred { .. } => "ticket_transferred",
            Self::TicketRequeued { .. } => "ticket_requeued",
            Self::TicketCancelled { .. } => "ticket_cancelled",
            Self::CounterStatusChanged { .. } => "counter_status_changed",
            Self::AppointmentBooked { .. } => "appointment_booked",
            Self::AppointmentCancelled { .. } => "appointment_cancelled",
            Self::DayRolled { .. } => "day_rolled",
            Self::Rated { .. } => "rated",
            Self::ComplaintFiled { .. } => "complaint_filed",
            Self::FollowUpOpened { .. } => "follow_up_opened",
            Self::FollowUpStepped { .. } => "follow_up_stepped",
            Self::Case(crate::case::CaseEvent::Accepted { .. }) => "case_accepted",
            Self::Case(crate::case::CaseEvent::Stepped { .. }) => "case_stepped",
        }
    }

    /// The ticket the event is about, if it is about one.
    pub fn ticket_id(&self) -> Option<TicketId> {
        match self {
            Self::TicketIssued { ticket, .. } => Some(ticket.id),
            Self::TicketCalled { ticket_id, .. }
            | Self::TicketRecalled { ticket_id, .. }
            | Self::TicketNoShow { ticket_id, .. }
            | Self::TicketFinished { ticket_id, .. }
            | Self::TicketTransferred { ticket_id, .. }
            | Self::TicketRequeued { ticket_id, .. }
            | Self::TicketCancelled { ticket_id, .. } => Some(*ticket_id),
            _ => None,
        }
    }
}

/// A booked appointment (预约).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appointment {
    /// The code the citizen holds.
    pub code: String,
    /// The service booked.
    pub service_id: ServiceId,
    /// The booked time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub slot: Timestamp,
    /// The ticket it was checked in as, once it is.
    pub ticket_id: Option<TicketId>,
}
