//! Per-service and per-counter runtime state: the two lanes of a service's
//! queue and a counter's status, current ticket and round-robin weights.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::ids::TicketId;

/// A service's queue for the current business day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceQueue {
    /// Priority tickets (绿色通道, appointments), first to be called first.
    pub priority: VecDeque<TicketId>,
    /// Normal tickets, first to be called first.
    pub normal: VecDeque<TicketId>,
    /// Numbers issued so far today; the next number is `first_number + issued`.
    pub issued: u32,
    /// Of those, tickets with a priority class (the share of citizens who
    /// will overtake a normal ticket, for wait estimates).
    #[serde(default)]
    pub issued_priority: u32,
    /// Priority tickets called in a row while normal tickets waited; the
    /// fairness limit caps it at `priority_burst`.
    pub priority_streak: u32,
    /// Rolling average handle time in seconds (exponentially weighted);
    /// `None` until the first ticket of this service is finished.
    pub avg_handle_secs: Option<f64>,
}

impl ServiceQueue {
    /// Tickets waiting in both lanes.
    pub fn waiting(&self) -> usize {
        self.priority.len() + self.normal.len()
    }

    /// The lane a ticket of this class waits in.
    pub fn lane_mut(&mut self, priority: bool) -> &mut VecDeque<TicketId> {
        if priority {
            &mut self.priority
        } else {
            &mut self.normal
        }
    }

    /// The ticket this service would give a counter now, honouring the
    /// fairness limit: priority first, but not more than `burst` in a row
    /// while normal tickets wait.
    pub fn head(&self, burst: u32) -> Option<TicketId> {
        match (self.priority.front(), self.normal.front()) {
            (Some(&p), Some(&n)) => Some(if self.priority_streak < burst { p } else { n }),
            (Some(&p), None) => Some(p),
            (None, Some(&n)) => Some(n),
            (None, None) => None,
        }
    }

    /// Removes a ticket from whichever lane holds it. The head is the common
    /// case and costs O(1); a lane is nearly in id order (issue order), so a
    /// binary search finds most others (a hit is exact: a ticket is in its
    /// lane once), and a linear scan the rest.
    pub fn remove(&mut self, id: TicketId) -> bool {
        for lane in [&mut self.priority, &mut self.normal] {
            if lane.front() == Some(&id) {
                lane.pop_front();
                return true;
            }
            if let Some(i) = lane
                .binary_search(&id)
                .ok()
                .or_else(|| lane.iter().position(|&t| t == id))
            {
                lane.remove(i);
                return true;
            }
        }
        false
    }
}

/// Whether a counter is taking tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CounterStatus {
    /// Staffed and calling.
    Open,
    /// Staffed but not calling for a while (暂停服务).
    Paused {
        /// Why, shown on the counter's own screen: 「午休」, 「系统维护」.
        reason: String,
    },
    /// Not staffed.
    Closed,
}

/// A counter's runtime state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterState {
    /// Open, paused or closed.
    pub status: CounterStatus,
    /// The ticket it called and is serving.
    pub current: Option<TicketId>,
    /// Who is working the counter.
    pub staff: Option<String>,
    /// Smooth weighted round-robin state, one entry per configured service.
    pub wrr: Vec<i64>,
    /// Tickets finished at this counter today.
    pub served_today: u32,
}

impl CounterState {
    /// A closed, unstaffed counter with `services` services.
    pub fn new(services: usize) -> Self {
        Self {
            status: CounterStatus::Closed,
            current: None,
            staff: None,
            wrr: vec![0; services],
            served_today: 0,
        }
    }
}
