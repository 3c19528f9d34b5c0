//! Inputs to the engine and what it answers when it accepts one.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::{
    Counter, Department, HallConfig, HallInfo, Notice, PriorityClass, Rules, Service,
    TransferPosition,
};
use crate::ids::{CounterId, DepartmentId, ServiceId, TicketId};

/// A request to change the hall. Every command names who asks (`actor`:
/// a staff username or a device name) so the journal says who did what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Take a ticket for a service.
    IssueTicket {
        /// The service to queue for.
        service_id: ServiceId,
        /// A 绿色通道 class, if the citizen asked for one.
        priority: Option<PriorityClass>,
        /// A booking code to check in.
        appointment_code: Option<String>,
        /// The client's retry key: the same key from the same actor returns
        /// the same ticket.
        idempotency_key: Option<String>,
        /// The secret short code for progress queries. The caller draws it
        /// at random, so that the engine stays deterministic.
        query_code: String,
        /// Who takes it.
        actor: String,
    },
    /// A counter calls its next ticket, finishing the one it served.
    CallNext {
        /// The counter.
        counter_id: CounterId,
        /// Who is at the counter.
        actor: String,
    },
    /// Announce the counter's current ticket again.
    Recall {
        /// The counter.
        counter_id: CounterId,
        /// The ticket the staff member sees, to catch a stale screen.
        ticket_id: Option<TicketId>,
        /// Who is at the counter.
        actor: String,
    },
    /// The called citizen did not come (过号).
    NoShow {
        /// The counter.
        counter_id: CounterId,
        /// The ticket the staff member sees.
        ticket_id: Option<TicketId>,
        /// Who is at the counter.
        actor: String,
    },
    /// The counter's current ticket is served.
    Finish {
        /// The counter.
        counter_id: CounterId,
        /// The ticket the staff member sees.
        ticket_id: Option<TicketId>,
        /// Who is at the counter.
        actor: String,
    },
    /// Send the counter's current ticket to another service's queue
    /// (受理 → 收费), keeping its number.
    Transfer {
        /// The counter.
        counter_id: CounterId,
        /// The ticket the staff member sees.
        ticket_id: Option<TicketId>,
        /// The service to queue for next.
        to_service: ServiceId,
        /// Overrides the hall's transfer position rule.
        position: Option<TransferPosition>,
        /// Who is at the counter.
        actor: String,
    },
    /// Stop calling for a while.
    Pause {
        /// The counter.
        counter_id: CounterId,
        /// Shown on the counter's screen.
        reason: String,
        /// Who is at the counter.
        actor: String,
    },
    /// Open a paused or closed counter.
    Resume {
        /// The counter.
        counter_id: CounterId,
        /// Who is at the counter.
        actor: String,
    },
    /// Close a counter (end of shift).
    Close {
        /// The counter.
        counter_id: CounterId,
        /// Who closes it.
        actor: String,
    },
    /// Put a no-show back in its queue, once.
    Requeue {
        /// The ticket.
        ticket_id: TicketId,
        /// Who asks (kiosk or counter).
        actor: String,
    },
    /// Withdraw a waiting ticket.
    Cancel {
        /// The ticket.
        ticket_id: TicketId,
        /// Who asks.
        actor: String,
    },
    /// Record a booking so it can be checked in.
    BookAppointment {
        /// The booking code the citizen holds.
        code: String,
        /// The service booked.
        service_id: ServiceId,
        /// The booked time.
        slot: Timestamp,
        /// Who records it.
        actor: String,
    },
    /// Drop a booking that was not yet checked in.
    CancelAppointment {
        /// The booking code.
        code: String,
        /// Who drops it.
        actor: String,
    },
    /// Add a service or replace the one with the same id.
    UpsertService {
        /// The service.
        service: Service,
        /// The administrator.
        actor: String,
    },
    /// Remove a service that has no open tickets.
    RemoveService {
        /// The service.
        service_id: ServiceId,
        /// The administrator.
        actor: String,
    },
    /// Add a counter or replace the one with the same number.
    UpsertCounter {
        /// The counter.
        counter: Counter,
        /// The administrator.
        actor: String,
    },
    /// Remove a counter that is not serving anyone.
    RemoveCounter {
        /// The counter.
        counter_id: CounterId,
        /// The administrator.
        actor: String,
    },
    /// Add a department or replace the one with the same id.
    UpsertDepartment {
        /// The department.
        department: Department,
        /// The administrator.
        actor: String,
    },
    /// Remove a department no service or counter refers to.
    RemoveDepartment {
        /// The department.
        department_id: DepartmentId,
        /// The administrator.
        actor: String,
    },
    /// Replace the hall-wide queue rules.
    SetRules {
        /// The rules.
        rules: Rules,
        /// The administrator.
        actor: String,
    },
    /// Replace the hall's name, time zone and roll-over time.
    SetHallInfo {
        /// The hall information.
        hall: HallInfo,
        /// The administrator.
        actor: String,
    },
    /// Replace the notices the boards scroll.
    SetNotices {
        /// The notices, in order.
        notices: Vec<Notice>,
        /// The administrator.
        actor: String,
    },
    /// Replace the hall's working-day calendar.
    SetCalendar {
        /// The calendar (checked when it was built: see
        /// [`crate::calendar::WorkCalendar`]).
        calendar: crate::calendar::WorkCalendar,
        /// The administrator.
        actor: String,
    },
    /// Replace the whole configuration (a `hall.toml` being applied).
    ReplaceConfig {
        /// The configuration.
        config: Box<HallConfig>,
        /// Who applies it.
        actor: String,
    },
    /// Record a citizen's rating of a finished ticket's service (好差评).
    Rate {
        /// What the server's read model says about the ticket (it has
        /// left the engine's memory); the server checked the citizen's code.
        ticket: crate::rating::RatedTicket,
        /// The citizen's answer.
        input: crate::rating::RatingInput,
        /// The client's retry key: the same key from the same actor for the
        /// same ticket returns the same rating.
        idempotency_key: Option<String>,
        /// The device or page that sent it (never the citizen's identity).
        actor: String,
    },
    /// Record a complaint (投诉) and open its follow-up.
    FileComplaint {
        /// The complaint.
        input: crate::rating::ComplaintInput,
        /// The client's retry key.
        idempotency_key: Option<String>,
        /// The device or staff member recording it.
        actor: String,
    },
    /// Take one step of a follow-up (整改).
    ActOnFollowUp {
        /// The follow-up.
        follow_up_id: u64,
        /// The step.
        step: crate::rating::Step,
        /// The staff member (an administrator to decide an appeal: the
        /// server checks the role).
        actor: String,
    },
    /// Replace the hall's 好差评 settings.
    SetRatingSettings {
        /// The settings.
        settings: crate::rating::RatingSettings,
        /// The administrator.
        actor: String,
    },
    /// A case (办件): acceptance or a step (see [`crate::case`]). Boxed:
    /// an acceptance carries the matter and the applicant, and every job
    /// in the writer's channel is as large as the largest command.
    Case(Box<crate::case::CaseCommand>),
}

impl Command {
    /// A short stable name of the kind of command, for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::IssueTicket { .. } => "issue_ticket",
            Self::CallNext { .. } => "call_next",
            Self::Recall { .. } => "recall",
            Self::NoShow { .. } => "no_show",
            Self::Finish { .. } => "finish",
            Self::Transfer { .. } => "transfer",
            Self::Pause { .. } => "pause",
            Self::Resume { .. } => "resume",
            Self::Close { .. } => "close",
            Self::Requeue { .. } => "requeue",
            Self::Cancel { .. } => "cancel",
            Self::BookAppointment { .. } => "book_appointment",
            Self::CancelAppointment { .. } => "cancel_appointment",
            Self::UpsertService { .. } => "upsert_service",
            Self::RemoveService { .. } => "remove_service",
            Self::UpsertCounter { .. } => "upsert_counter",
            Self::RemoveCounter { .. } => "remove_counter",
            Self::UpsertDepartment { .. } => "upsert_department",
            Self::RemoveDepartment { .. } => "remove_department",
            Self::SetRules { .. } => "set_rules",
            Self::SetHallInfo { .. } => "set_hall_info",
            Self::SetNotices { .. } => "set_notices",
            Self::SetCalendar { .. } => "set_calendar",
            Self::ReplaceConfig { .. } => "replace_config",
            Self::Rate { .. } => "rate",
            Self::FileComplaint { .. } => "file_complaint",
            Self::ActOnFollowUp { .. } => "act_on_follow_up",
            Self::SetRatingSettings { .. } => "set_rating_settings",
            Self::Case(c) => match **c {
                crate::case::CaseCommand::Accept { .. } => "case_accept",
                crate::case::CaseCommand::Step { .. } => "case_step",
            },
        }
    }
}

/// What the engine did with an accepted command. The details travel as
/// events; this tells the caller which ticket to answer about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A ticket was issued, or (`replayed`) an earlier ticket with the same
    /// idempotency key was found and nothing changed.
    Issued {
        /// The ticket.
        ticket_id: TicketId,
        /// True when this is a retry of an earlier request.
        replayed: bool,
    },
    /// A counter called a ticket, or found nobody waiting.
    Called {
        /// The ticket called, if anyone was waiting.
        ticket_id: Option<TicketId>,
    },
    /// A ticket operation succeeded.
    Ticket {
        /// The ticket acted on.
        ticket_id: TicketId,
        /// A ticket the counter called automatically afterwards, if any.
        next: Option<TicketId>,
    },
    /// A counter or configuration change succeeded.
    Done,
    /// A rating or complaint was recorded or a follow-up step taken, or
    /// (`replayed`) a retry found the earlier one and nothing changed.
    Feedback {
        /// The rating, complaint or follow-up.
        id: u64,
        /// The follow-up it opened or acted on.
        follow_up_id: Option<u64>,
        /// True when this is a retry of an earlier request.
        replayed: bool,
    },
    /// A case was accepted or stepped, or (`replayed`) an earlier
    /// acceptance with the same idempotency key was found.
    Case {
        /// The case's id.
        case_id: u64,
        /// True when this is a retry of an earlier acceptance.
        replayed: bool,
    },
}
