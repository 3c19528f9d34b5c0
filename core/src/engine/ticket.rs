//! The engine's record of one ticket, as it is journaled and snapshotted.

use compact_str::CompactString;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::config::PriorityClass;
use crate::ids::{CounterId, ServiceId, TicketId};

/// Why a ticket goes ahead of normal ones, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketClass {
    /// An ordinary ticket.
    Normal,
    /// 绿色通道: elderly.
    Elderly,
    /// 绿色通道: disabled.
    Disabled,
    /// 绿色通道: military.
    Military,
    /// 预约: an appointment checked in within its window.
    Appointment,
}

impl TicketClass {
    /// Whether the ticket waits in the priority lane.
    pub fn is_priority(self) -> bool {
        self != Self::Normal
    }
}

impl From<PriorityClass> for TicketClass {
    fn from(p: PriorityClass) -> Self {
        match p {
            PriorityClass::Elderly => Self::Elderly,
            PriorityClass::Disabled => Self::Disabled,
            PriorityClass::Military => Self::Military,
        }
    }
}

/// Where a ticket is in its life. `Finished`, `NoShow`, `Cancelled` and
/// `Expired` are final, except that a no-show may be re-queued once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// In a service's queue.
    Waiting,
    /// Called to a counter, and being served there until finished.
    Called,
    /// Served.
    Finished,
    /// Called and did not come (过号).
    NoShow,
    /// Withdrawn by the citizen or staff before being called.
    Cancelled,
    /// Still open when the business day rolled over.
    Expired,
}

impl TicketStatus {
    /// Whether the ticket has left the queue for good (a no-show counts,
    /// though it may still be re-queued once).
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Waiting | Self::Called)
    }
}

/// One ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRecord {
    /// Hall-wide unique id.
    pub id: TicketId,
    /// Printed number, prefix and digits: `A023`. Kept across transfers.
    pub number: CompactString,
    /// The service whose queue it is in now.
    pub service_id: ServiceId,
    /// The service it was issued for.
    pub issued_service_id: ServiceId,
    /// The business day it belongs to.
    pub business_day: Date,
    /// Priority class.
    pub class: TicketClass,
    /// Booking code it was checked in with, if any.
    pub appointment_code: Option<String>,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// Secret short code that lets its holder query progress.
    pub query_code: CompactString,
    /// The device or person that took it.
    pub issued_by: CompactString,
    /// The retry key the client sent, scoped to `issued_by`.
    pub idempotency_key: Option<String>,
    /// Estimated wait, in seconds, when it was issued (accuracy is measured).
    pub estimated_wait_secs: u32,
    /// Where it is in its life.
    pub status: TicketStatus,
    /// The counter that called it last.
    pub counter_id: Option<CounterId>,
    /// The staff member who called it last.
    pub staff: Option<CompactString>,
    /// When it was called last (recalls do not change it).
    pub called_at: Option<Timestamp>,
    /// How many times the current call was repeated.
    pub recalls: u32,
    /// When it reached a final state.
    pub closed_at: Option<Timestamp>,
    /// Whether it was already re-queued after a no-show.
    pub requeued: bool,
    /// How many times it was transferred.
    pub transfers: u32,
    /// Calls and recalls so far, never reset: the `n`-th announcement of
    /// this ticket. Boards announce each `(ticket, call_no)` once, so a
    /// transferred or re-queued ticket's new call is spoken, and a repeated
    /// snapshot is not.
    #[serde(default)]
    pub call_no: u32,
    /// When the latest call or recall was made: the age of the
    /// announcement boards judge.
    #[serde(default)]
    pub announced_at: Option<Timestamp>,
}
