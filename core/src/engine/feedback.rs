//! The engine's part of 好差评: ratings, complaints and follow-ups decided
//! by the single writer and recorded as events like tickets.
//!
//! The rules are in [`crate::rating`] (pure functions); this file holds
//! the little state the writer needs to decide them and applies their
//! events:
//! - `rated`: the `(ticket, service)` pairs rated while they can still be
//!   rated (one rating each), with the retry key that recorded the rating
//!   so that a pad's retry after a lost answer gets the same rating back
//!   instead of a refusal. Entries leave at the roll-over once their
//!   ticket's rating window has passed (plus a day, so that lengthening the
//!   window by a day cannot let a ticket be rated twice).
//! - `complaint_keys`: retry keys of today's complaints.
//! - `open`: open follow-ups. A closed one leaves memory; the server's read
//!   model keeps every follow-up and every step.
//!
//! Every event carries its decision (a follow-up's deadlines, the state a
//! step leaves it in), so applying one decides nothing again.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Engine, Event, Outcome, Rejection};
use crate::rating::{
    Complaint, ComplaintInput, FeedbackRefusal, FollowUp, RatedTicket, Rating, RatingInput,
    RatingSettings, Source, Step, check_complaint, check_rating,
};

/// What the engine remembers of ratings, complaints and follow-ups.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedbackState {
    /// Id of the next rating.
    pub next_rating_id: u64,
    /// Id of the next complaint.
    pub next_complaint_id: u64,
    /// Id of the next follow-up.
    pub next_follow_up_id: u64,
    /// `ticket \u{1f} service` to the rating it got (see the module docs).
    pub rated: BTreeMap<String, RatedEntry>,
    /// `actor \u{1f} key` to the complaint it filed, for today.
    pub complaint_keys: BTreeMap<String, u64>,
    /// Open follow-ups by id.
    pub open: BTreeMap<u64, FollowUp>,
}

/// A rated `(ticket, service)` pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatedEntry {
    /// The rating.
    pub rating_id: u64,
    /// `actor \u{1f} key` of the request that recorded it, if it had a key.
    pub key: Option<String>,
    /// When its ticket was finished (for pruning).
    pub finished_at: Timestamp,
    /// The follow-up it opened, if it was a 差评.
    pub follow_up_id: Option<u64>,
}

fn rated_key(t: &RatedTicket) -> String {
    format!("{}\u{1f}{}", t.ticket_id.0, t.service_id)
}

fn retry_key(actor: &str, key: Option<&str>) -> Option<String> {
    key.map(|k| format!("{actor}\u{1f}{k}"))
}

fn refuse(r: FeedbackRefusal) -> Rejection {
    Rejection::Feedback(r)
}

impl FeedbackState {
    /// Applies one of the feedback events.
    pub(super) fn apply(&mut self, event: &Event) {
        match event {
            Event::Rated {
                rating,
                key,
                follow_up_id,
                ..
            } => {
                self.next_rating_id = self.next_rating_id.max(rating.id);
                if let Some(finished_at) = rating.ticket.finished_at {
                    self.rated.insert(
                        rated_key(&rating.ticket),
                        RatedEntry {
                            rating_id: rating.id,
                            key: key.clone(),
                            finished_at,
                            follow_up_id: *follow_up_id,
                        },
                    );
                }
            }
            Event::ComplaintFiled { complaint, key, .. } => {
                self.next_complaint_id = self.next_complaint_id.max(complaint.id);
                if let Some(k) = key {
                    self.complaint_keys.insert(k.clone(), complaint.id);
                }
            }
            Event::FollowUpOpened { follow_up, .. } => {
                self.next_follow_up_id = self.next_follow_up_id.max(follow_up.id);
                self.open.insert(follow_up.id, (**follow_up).clone());
            }
            Event::FollowUpStepped { after, .. } => {
                if after.is_open() {
                    self.open.insert(after.id, (**after).clone());
                } else {
                    self.open.remove(&after.id);
                }
            }
            _ => {}
        }
    }

    /// At the roll-over: forget what can no longer be repeated.
    pub(super) fn day_rolled(&mut self, at: Timestamp, settings: &RatingSettings) {
        let keep = SignedDuration::from_hours((i64::from(settings.window_days) + 1) * 24);
        self.rated
            .retain(|_, e| at.duration_since(e.finished_at) <= keep);
        self.complaint_keys.clear();
    }
}

impl Engine {
    /// Open follow-ups, oldest first.
    pub fn open_follow_ups(&self) -> impl Iterator<Item = &FollowUp> {
        self.state.feedback.open.values()
    }

    /// Whether the ticket was rated for the service (while it can still be
    /// rated; after the window nobody asks).
    pub fn is_rated(
        &self,
        ticket_id: crate::ids::TicketId,
        service_id: &crate::ids::ServiceId,
    ) -> bool {
        self.state
            .feedback
            .rated
            .contains_key(&format!("{}\u{1f}{}", ticket_id.0, service_id))
    }

    /// Which of a ticket's ended visits (each service it finished or was
    /// transferred on from, oldest first) a rating that names no service is
    /// for: the visit this same request already rated (a retry with the same
    /// `actor` and idempotency key must land on the same rating, not on the
    /// next service), else the latest visit not rated yet, else the latest
    /// (which [`Command::Rate`](super::Command::Rate) then refuses as rated).
    /// `None` when the ticket has ended no visit (not finished).
    pub fn visit_to_rate<'a>(
        &self,
        visits: &'a [RatedTicket],
        actor: &str,
        idempotency_key: Option<&str>,
    ) -> Option<&'a RatedTicket> {
        let retry = retry_key(actor, idempotency_key);
        let rated = |v: &RatedTicket| self.state.feedback.rated.get(&rated_key(v));
        visits
            .iter()
            .find(|v| retry.is_some() && rated(v).is_some_and(|e| e.key == retry))
            .or_else(|| visits.iter().rev().find(|v| rated(v).is_none()))
            .or_else(|| visits.last())
    }

    /// How many follow-ups are open.
    pub fn open_follow_ups_count(&self) -> u32 {
        u32::try_from(self.state.feedback.open.len()).unwrap_or(u32::MAX)
    }

    /// An open follow-up.
    pub fn follow_up(&self, id: u64) -> Option<&FollowUp> {
        self.state.feedback.open.get(&id)
    }

    /// Today's date in the hall's time zone.
    pub fn today(&self, now: Timestamp) -> Date {
        self.local_date(now)
    }

    fn open_follow_up(
        &mut self,
        now: Timestamp,
        source: Source,
        department_id: Option<crate::ids::DepartmentId>,
        counter_id: Option<crate::ids::CounterId>,
        contact_known: bool,
    ) -> Result<FollowUp, Rejection> {
        let id = self.state.feedback.next_follow_up_id.saturating_add(1);
        FollowUp::open(
            id,
            source,
            department_id,
            counter_id,
            contact_known,
            now,
            self.local_date(now),
            &self.state.config.calendar,
            &self.state.config.ratings,
        )
        .map_err(|e| Rejection::Inconsistent(e.to_string()))
    }

    pub(super) fn rate(
        &mut self,
        now: Timestamp,
        ticket: RatedTicket,
        input: RatingInput,
        idempotency_key: Option<String>,
        actor: String,
    ) -> Result<Outcome, Rejection> {
        let key = retry_key(&actor, idempotency_key.as_deref());
        if let Some(e) = self.state.feedback.rated.get(&rated_key(&ticket)) {
            if key.is_some() && e.key == key {
                return Ok(Outcome::Feedback {
                    id: e.rating_id,
                    follow_up_id: e.follow_up_id,
                    replayed: true,
                });
            }
            return Err(refuse(FeedbackRefusal::AlreadyRated));
        }
        check_rating(&self.state.config.ratings, &ticket, &input, now).map_err(refuse)?;
        let mut input = input;
        input.text = input.text.trim().to_owned();
        let id = self.state.feedback.next_rating_id.saturating_add(1);
        let follow_up = if input.level.is_bad() {
            Some(self.open_follow_up(
                now,
                Source::Rating(id),
                ticket.department_id.clone(),
                ticket.counter_id,
                false,
            )?)
        } else {
            None
        };
        let follow_up_id = follow_up.as_ref().map(|f| f.id);
        self.emit(Event::Rated {
            at: now,
            rating: Box::new(Rating {
                id,
                ticket,
                input,
                at: now,
                day: self.local_date(now),
            }),
            key,
            follow_up_id,
            actor,
        })?;
        if let Some(f) = follow_up {
            self.emit(Event::FollowUpOpened {
                at: now,
                follow_up: Box::new(f),
            })?;
        }
        Ok(Outcome::Feedback {
            id,
            follow_up_id,
            replayed: false,
        })
    }

    pub(super) fn file_complaint(
        &mut self,
        now: Timestamp,
        input: ComplaintInput,
        idempotency_key: Option<String>,
        actor: String,
    ) -> Result<Outcome, Rejection> {
        let key = retry_key(&actor, idempotency_key.as_deref());
        if let Some(k) = &key
            && let Some(&id) = self.state.feedback.complaint_keys.get(k)
        {
            let follow_up_id = self
                .state
                .feedback
                .open
                .values()
                .find(|f| f.source == Source::Complaint(id))
                .map(|f| f.id);
            return Ok(Outcome::Feedback {
                id,
                follow_up_id,
                replayed: true,
            });
        }
        let input = check_complaint(&self.state.config.ratings, input).map_err(refuse)?;
        let department_id = match input.counter_id {
            Some(c) => Some(
                self.counter_cfg(c)
                    .ok_or(Rejection::UnknownCounter(c))?
                    .department
                    .clone(),
            ),
            None => None,
        };
        let id = self.state.feedback.next_complaint_id.saturating_add(1);
        let follow_up = self.open_follow_up(
            now,
            Source::Complaint(id),
            department_id.clone(),
            input.counter_id,
            input.phone.is_some(),
        )?;
        let follow_up_id = follow_up.id;
        self.emit(Event::ComplaintFiled {
            at: now,
            complaint: Box::new(Complaint {
                id,
                input,
                department_id,
                recorded_by: actor,
                at: now,
                day: self.local_date(now),
            }),
            key,
        })?;
        self.emit(Event::FollowUpOpened {
            at: now,
            follow_up: Box::new(follow_up),
        })?;
        Ok(Outcome::Feedback {
            id,
            follow_up_id: Some(follow_up_id),
            replayed: false,
        })
    }

    pub(super) fn act_on_follow_up(
        &mut self,
        now: Timestamp,
        follow_up_id: u64,
        step: Step,
        actor: String,
    ) -> Result<Outcome, Rejection> {
        let f = self
            .state
            .feedback
            .open
            .get(&follow_up_id)
            .ok_or(refuse(FeedbackRefusal::UnknownFollowUp(follow_up_id)))?;
        // A call-back counts on the day it was made (staff may record it
        // later), never in the future nor before the follow-up opened.
        let opened_at = f.opened_at;
        let clamp = |t: jiff::Timestamp| t.min(now).max(opened_at);
        let on = match &step {
            Step::Callback { called_at, .. } => self.local_date(clamp(*called_at)),
            _ => self.local_date(now),
        };
        let after = f.act(&step, on).map_err(refuse)?;
        let step = match step {
            Step::Callback {
                called_at,
                reached,
                result,
            } => Step::Callback {
                called_at: clamp(called_at),
                reached,
                result: result.trim().to_owned(),
            },
            other => other,
        };
        self.emit(Event::FollowUpStepped {
            at: now,
            follow_up_id,
            step,
            actor,
            after: Box::new(after),
        })?;
        Ok(Outcome::Feedback {
            id: follow_up_id,
            follow_up_id: Some(follow_up_id),
            replayed: false,
        })
    }
}
