//! The engine's decisions on cases (办件): acceptance for the ticket a
//! counter is serving, and steps checked by [`crate::case::transition`].
//! The rules themselves live in [`crate::case`]; this file only connects
//! them to the engine's state (counters, the calendar, the time zone).

use jiff::Timestamp;
use jiff::civil::Date;

use crate::case::{
    CaseCommand, CaseEvent, CaseRecord, CaseRejection, Stage, check_applicant, transition,
};
use crate::engine::{Engine, Event, Outcome, Rejection};

impl Engine {
    /// The hall's calendar date at `now` (not the business day, which
    /// rolls at the configured time: a case accepted at 01:00 is accepted
    /// on that date).
    pub fn local_date(&self, now: Timestamp) -> Date {
        self.tz.to_datetime(now).date()
    }

    /// An open case.
    pub fn case(&self, id: u64) -> Option<&CaseRecord> {
        self.state.cases.open.get(&id)
    }

    /// Open cases (until 取件, 不予受理 or 撤回).
    pub fn open_cases(&self) -> impl Iterator<Item = &CaseRecord> {
        self.state.cases.open.values()
    }

    pub(super) fn handle_case(
        &mut self,
        now: Timestamp,
        cmd: CaseCommand,
    ) -> Result<Outcome, Rejection> {
        match cmd {
            CaseCommand::Accept {
                counter_id,
                matter,
                applicant,
                password,
                idempotency_key,
                actor,
            } => {
                let key = idempotency_key.map(|k| format!("{actor}\u{1f}{k}"));
                if let Some(k) = &key
                    && let Some(c) = self
                        .open_cases()
                        .find(|c| c.idempotency_key.as_deref() == Some(k.as_str()))
                {
                    if c.matter.id != matter.id || c.applicant.name != applicant.name {
                        return Err(CaseRejection::IdempotencyConflict.into());
                    }
                    return Ok(Outcome::Case {
                        case_id: c.id,
                        replayed: true,
                    });
                }
                check_applicant(&applicant)?;
                let ticket_id = self.current_ticket(counter_id, None)?;
                let ticket_number = self
                    .ticket(ticket_id)
                    .map(|t| t.number.to_string())
                    .unwrap_or_default();
                let on = self.local_date(now);
                let (case_no, seq_key, seq) =
                    self.state.cases.next_number(&self.state.config.cases, on);
                let id = self.state.cases.next_id.max(1);
                let case = CaseRecord {
                    id,
                    case_no,
                    password,
                    matter,
                    applicant,
                    ticket_id: Some(ticket_id),
                    ticket_number,
                    counter_id,
                    accepted_at: now,
                    accepted_on: on,
                    accepted_by: actor,
                    stage: Stage::Accepted,
                    pauses: Vec::new(),
                    reason: String::new(),
                    closed_on: None,
                    idempotency_key: key,
                };
                // The deadline must be computable before it is promised.
                case.deadline(&self.state.config.calendar).map_err(|_| {
                    CaseRejection::BadField {
                        field: "matter",
                        problem: "its limit does not end within 100 years / 时限过长",
                    }
                })?;
                self.emit(Event::Case(CaseEvent::Accepted {
                    at: now,
                    seq_key,
                    seq,
                    case: Box::new(case),
                }))?;
                Ok(Outcome::Case {
                    case_id: id,
                    replayed: false,
                })
            }
            CaseCommand::Step {
                case_id,
                action,
                result,
                note,
                actor,
            } => {
                let case = self
                    .case(case_id)
                    .ok_or_else(|| CaseRejection::UnknownCase(case_id.to_string()))?;
                let status = transition(case, &action)?;
                if note.chars().count() > crate::case::MAX_TEXT_CHARS {
                    return Err(CaseRejection::BadField {
                        field: "note",
                        problem: "at most 200 characters / 最多200字",
                    }
                    .into());
                }
                let on = self.local_date(now).max(case.accepted_on);
                // The deadline and days used as they stand after the step.
                let mut after = case.clone();
                let case_no = case.case_no.clone();
                let calendar = &self.state.config.calendar;
                crate::case::apply_step(&mut after, &action, now, on);
                let due_on = after.deadline(calendar).ok().and_then(|d| d.due_date());
                let elapsed_days = after.elapsed_days(calendar, on);
                self.emit(Event::Case(CaseEvent::Stepped {
                    at: now,
                    on,
                    case_id,
                    case_no,
                    action,
                    status,
                    result,
                    note,
                    actor,
                    due_on,
                    elapsed_days,
                }))?;
                Ok(Outcome::Case {
                    case_id,
                    replayed: false,
                })
            }
        }
    }
}

impl From<CaseRejection> for Rejection {
    fn from(r: CaseRejection) -> Self {
        Self::Case(r)
    }
}
