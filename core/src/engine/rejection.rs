//! Why the engine refused a command. These are expected outcomes of bad
//! or stale requests, not bugs; the server turns each into a 4xx answer.

use crate::config::ConfigIssue;
use crate::engine::ticket::TicketStatus;
use crate::ids::{CounterId, DepartmentId, ServiceId, TicketId};
use crate::wire::ClosedReason;

/// A refused command. Each variant has a stable [`Rejection::code`] and a
/// Chinese message for people at the kiosk or counter
/// ([`Rejection::message_zh`]); `Display` gives the English one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Rejection {
    /// No service has this id.
    #[error("there is no service {0:?}")]
    UnknownService(ServiceId),
    /// The service is not issuing tickets now.
    #[error("{service_id} is not issuing tickets now: {reason}")]
    ServiceClosed {
        /// The service.
        service_id: ServiceId,
        /// Why.
        reason: ClosedReason,
    },
    /// The service does not take this priority class.
    #[error("this service has no priority lane for that class")]
    PriorityNotAllowed,
    /// No booking has this code.
    #[error("no appointment has this code")]
    UnknownAppointment,
    /// The booking was checked in already.
    #[error("this appointment has already been checked in")]
    AppointmentUsed,
    /// The booking is for another day or service.
    #[error("this appointment is not for this service today")]
    AppointmentMismatch,
    /// A booking with this code exists already.
    #[error("an appointment with this code exists already")]
    DuplicateAppointment,
    /// The idempotency key was used for a different request.
    #[error("this idempotency key was already used for a different request")]
    IdempotencyConflict,
    /// No counter has this number.
    #[error("there is no counter {0}")]
    UnknownCounter(CounterId),
    /// The counter has no ticket called.
    #[error("counter {0} is not serving a ticket")]
    NoCurrentTicket(CounterId),
    /// The ticket named is not the counter's current one (a stale screen or
    /// a double click).
    #[error("counter {counter_id} is serving ticket {current}, not {requested}")]
    TicketMismatch {
        /// The counter.
        counter_id: CounterId,
        /// What it serves.
        current: TicketId,
        /// What the request named.
        requested: TicketId,
    },
    /// The ticket was recalled as often as the rules allow.
    #[error("the ticket was recalled {0} times already; mark it a no-show")]
    RecallLimit(u32),
    /// No open ticket of today has this id (finished and cancelled
    /// tickets have left the engine).
    #[error("there is no open ticket {0} today")]
    UnknownTicket(TicketId),
    /// The ticket is not in a state that allows this.
    #[error("the ticket is {status:?}, which does not allow this")]
    WrongState {
        /// Its status.
        status: TicketStatus,
    },
    /// The no-show was re-queued once already.
    #[error("the ticket was already re-queued once")]
    AlreadyRequeued,
    /// The re-queue window after the no-show has passed.
    #[error("a no-show can be re-queued only within {0} minutes")]
    RequeueWindowPassed(u32),
    /// Transfer to the service the ticket is already in.
    #[error("the ticket is already in that service")]
    SameService,
    /// The counter is closed and must be opened first.
    #[error("counter {0} is closed")]
    CounterClosed(CounterId),
    /// The counter must finish its ticket before closing.
    #[error("counter {0} is still serving a ticket")]
    CounterBusy(CounterId),
    /// The service still has open tickets.
    #[error("service {0} still has tickets waiting or being served")]
    ServiceInUse(ServiceId),
    /// A service or counter still refers to the department.
    #[error("department {0} is still used by a service or counter")]
    DepartmentInUse(DepartmentId),
    /// The engine found its own state inconsistent while deciding (a bug,
    /// not bad input). The command is refused and the hall keeps running.
    #[error("internal inconsistency: {0}")]
    Inconsistent(String),
    /// The resulting configuration is not valid.
    #[error("invalid configuration: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidConfig(Vec<ConfigIssue>),
    /// Counters still serve the service to be removed: take it off them
    /// first.
    #[error("service {service} is still served by counter(s) {}", join_counters(.counters))]
    ServiceServed {
        /// The service.
        service: ServiceId,
        /// The counters that serve it.
        counters: Vec<CounterId>,
    },
    /// A rating, complaint or follow-up step was refused (see
    /// [`crate::rating::FeedbackRefusal`]).
    #[error(transparent)]
    Feedback(crate::rating::FeedbackRefusal),
    /// A case command was refused (see [`crate::case::CaseRejection`]).
    #[error(transparent)]
    Case(crate::case::CaseRejection),
}

fn join_counters(counters: &[CounterId]) -> String {
    counters
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Rejection {
    /// A stable, machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownService(_) => "unknown_service",
            Self::ServiceClosed { reason, .. } => match reason {
                ClosedReason::QuotaReached => "quota_reached",
                ClosedReason::NumbersExhausted => "numbers_exhausted",
                _ => "service_closed",
            },
            Self::PriorityNotAllowed => "priority_not_allowed",
            Self::UnknownAppointment => "unknown_appointment",
            Self::AppointmentUsed => "appointment_used",
            Self::AppointmentMismatch => "appointment_mismatch",
            Self::DuplicateAppointment => "duplicate_appointment",
            Self::IdempotencyConflict => "idempotency_conflict",
            Self::UnknownCounter(_) => "unknown_counter",
            Self::NoCurrentTicket(_) => "no_current_ticket",
            Self::TicketMismatch { .. } => "ticket_mismatch",
            Self::RecallLimit(_) => "recall_limit",
            Self::UnknownTicket(_) => "unknown_ticket",
            Self::WrongState { .. } => "wrong_state",
            Self::AlreadyRequeued => "already_requeued",
            Self::RequeueWindowPassed(_) => "requeue_window_passed",
            Self::SameService => "same_service",
            Self::CounterClosed(_) => "counter_closed",
            Self::CounterBusy(_) => "counter_busy",
            Self::ServiceInUse(_) => "service_in_use",
            Self::DepartmentInUse(_) => "department_in_use",
            Self::Inconsistent(_) => "engine_inconsistent",
            Self::InvalidConfig(_) => "invalid_config",
            Self::ServiceServed { .. } => "service_served",
            Self::Feedback(r) => r.code(),
            Self::Case(r) => r.code(),
        }
    }

    /// The message in Chinese, for the people who read it at a kiosk or counter.
    pub fn message_zh(&self) -> String {
        match self {
            Self::UnknownService(_) => "没有这项业务".into(),
            Self::ServiceClosed { reason, .. } => {
                format!("该业务暂停取号：{}", reason.message_zh())
            }
            Self::PriorityNotAllowed => "该业务不提供此类绿色通道".into(),
            Self::UnknownAppointment => "预约码不存在，请核对后重试".into(),
            Self::AppointmentUsed => "该预约已签到取号".into(),
            Self::AppointmentMismatch => "该预约不是今天的这项业务".into(),
            Self::DuplicateAppointment => "该预约码已存在".into(),
            Self::IdempotencyConflict => "重复的请求标识".into(),
            Self::UnknownCounter(c) => format!("没有{c}号窗口"),
            Self::NoCurrentTicket(c) => format!("{c}号窗口当前没有正在办理的号"),
            Self::TicketMismatch { current, .. } => {
                format!("窗口当前办理的是另一张号票（{current}），请刷新")
            }
            Self::RecallLimit(n) => format!("已重呼{n}次，请按过号处理"),
            Self::UnknownTicket(_) => "查无此号，或该号已办结".into(),
            Self::WrongState { status } => {
                format!("该号当前状态（{}）不允许此操作", status_zh(*status))
            }
            Self::AlreadyRequeued => "过号已重新排队过一次".into(),
            Self::RequeueWindowPassed(m) => format!("过号超过{m}分钟，请重新取号"),
            Self::SameService => "该号已在此业务队列中".into(),
            Self::CounterClosed(c) => format!("{c}号窗口未开放"),
            Self::CounterBusy(c) => format!("{c}号窗口仍在办理业务，请先办结"),
            Self::ServiceInUse(_) => "该业务仍有排队或办理中的号".into(),
            Self::DepartmentInUse(_) => "仍有业务或窗口属于该部门".into(),
            Self::Inconsistent(_) => "系统内部错误，请稍后重试或联系管理员".into(),
            Self::InvalidConfig(_) => "配置有误".into(),
            Self::ServiceServed { counters, .. } => format!(
                "仍有窗口办理该业务（{}号窗口），请先在窗口设置中去掉该业务",
                counters
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            Self::Feedback(r) => r.message_zh(),
            Self::Case(r) => r.message_zh(),
        }
    }
}

/// A ticket status in Chinese.
pub fn status_zh(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::Waiting => "等候中",
        TicketStatus::Called => "已叫号",
        TicketStatus::Finished => "已办结",
        TicketStatus::NoShow => "已过号",
        TicketStatus::Cancelled => "已取消",
        TicketStatus::Expired => "已失效",
    }
}
