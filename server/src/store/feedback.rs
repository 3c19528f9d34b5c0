//! The 好差评 read model: ratings, complaints, follow-ups and their steps,
//! kept in step with the journal inside each batch's transaction, and the
//! queries the API and reports read (on read-only connections).
//!
//! - `ratings` has `UNIQUE (ticket_id, service_id)`: the engine already
//!   refuses a second rating, and this makes one impossible to commit even
//!   if it had a bug, as `tickets` does for numbers.
//! - A rating row is never updated except `void` (an upheld appeal), so
//!   "staff cannot change a rating" holds in the data too.
//! - Follow-ups keep their whole state as JSON (`body`, the
//!   [`FollowUp`] after the last step) beside the few columns that lists
//!   and reports filter on; each step is a row of `follow_up_steps`.
//! - Reports count ratings by the hall-local day they were made, and
//!   follow-ups by the day they opened; dates are ISO strings, so they
//!   compare as text.

use banli_core::engine::Event;
use banli_core::ids::TicketId;
use banli_core::rating::{
    AppealState, Channel, FollowUp, Level, RatedTicket, Source, Stage, Step, Timeliness,
};
use rusqlite::{OptionalExtension as _, Transaction, params};
use serde::Serialize;

use super::journal::ms;
use super::{Store, StoreError};

fn json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn level_from(s: &str) -> Option<Level> {
    Level::ALL.into_iter().find(|l| l.key() == s)
}

fn channel_from(s: &str) -> Channel {
    [
        Channel::Pad,
        Channel::Qr,
        Channel::Kiosk,
        Channel::Telephone,
        Channel::InPerson,
    ]
    .into_iter()
    .find(|c| c.key() == s)
    .unwrap_or(Channel::Kiosk)
}

/// Applies a feedback event to the read model, inside the batch's transaction.
pub(super) fn apply(tx: &Transaction<'_>, event: &Event) -> Result<(), StoreError> {
    match event {
        Event::Rated {
            rating,
            follow_up_id,
            ..
        } => {
            let t = &rating.ticket;
            tx.prepare_cached(
                "INSERT INTO ratings (id, at_ms, day, ticket_id, number, service_id, counter_id, department_id,
                    staff, level, reasons, text, channel, follow_up_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                i64::try_from(rating.id).unwrap_or(i64::MAX),
                ms(rating.at),
                rating.day.to_string(),
                i64::try_from(t.ticket_id.0).unwrap_or(i64::MAX),
                t.number,
                t.service_id.as_str(),
                t.counter_id.map(|c| c.0),
                t.department_id.as_ref().map(|d| d.0.as_str()),
                t.staff,
                rating.input.level.key(),
                json(&rating.input.reasons)?,
                rating.input.text,
                rating.input.channel.key(),
                follow_up_id.and_then(|f| i64::try_from(f).ok()),
            ])?;
        }
        Event::ComplaintFiled { complaint, .. } => {
            let c = &complaint.input;
            tx.prepare_cached(
                "INSERT INTO complaints (id, at_ms, day, category, text, phone, counter_id, department_id,
                    channel, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                i64::try_from(complaint.id).unwrap_or(i64::MAX),
                ms(complaint.at),
                complaint.day.to_string(),
                c.category,
                c.text,
                c.phone,
                c.counter_id.map(|x| x.0),
                complaint.department_id.as_ref().map(|d| d.0.as_str()),
                c.channel.key(),
                complaint.recorded_by,
            ])?;
        }
        Event::FollowUpOpened { follow_up: f, .. } => {
            let (kind, id) = match f.source {
                Source::Rating(id) => ("rating", id),
                Source::Complaint(id) => ("complaint", id),
            };
            tx.prepare_cached(
                "INSERT INTO follow_ups (id, source_kind, source_id, department_id, counter_id, opened_on,
                    close_due, closed_on, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8)",
            )?
            .execute(params![
                i64::try_from(f.id).unwrap_or(i64::MAX),
                kind,
                i64::try_from(id).unwrap_or(i64::MAX),
                f.department_id.as_ref().map(|d| d.0.as_str()),
                f.counter_id.map(|c| c.0),
                f.opened_on.to_string(),
                f.close_due.to_string(),
                json(&**f)?,
            ])?;
        }
        Event::FollowUpStepped {
            at,
            follow_up_id,
            step,
            actor,
            after,
        } => {
            let id = i64::try_from(*follow_up_id).unwrap_or(i64::MAX);
            tx.prepare_cached(
                "INSERT INTO follow_up_steps (follow_up_id, at_ms, actor, body) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, ms(*at), actor, json(step)?])?;
            tx.prepare_cached("UPDATE follow_ups SET closed_on = ?2, body = ?3 WHERE id = ?1")?
                .execute(params![
                    id,
                    after.closed_on.map(|d| d.to_string()),
                    json(&**after)?
                ])?;
            if matches!(step, Step::DecideAppeal { upheld: true, .. })
                && after.appeal == Some(AppealState::Upheld)
                && let Source::Rating(r) = after.source
            {
                tx.prepare_cached("UPDATE ratings SET void = 1 WHERE id = ?1")?
                    .execute([i64::try_from(r).unwrap_or(i64::MAX)])?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The table of services a ticket left by a transfer (migration 7). A
/// ticket's last service is its `tickets` row; each earlier one is kept here
/// when the ticket is transferred on, with the counter and clerk that
/// served it, so that each service can be rated once (一次一评). Only
/// transfers write here: the common ticket, served once, costs nothing more.
pub const VISITS_MIGRATION: &str = r"
CREATE TABLE ticket_visits (
    ticket_id INTEGER NOT NULL,
    service_id TEXT NOT NULL,
    counter_id INTEGER,
    staff TEXT,
    ended_at_ms INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, service_id)
) WITHOUT ROWID;
";

/// A ticket as rating needs it: what the engine is told, and the code to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketForRating {
    /// Each service the ticket finished or was transferred on from, oldest
    /// first, as the facts for [`banli_core::engine::Command::Rate`]
    /// (department left for the caller, who knows the configuration). Empty
    /// while it has finished no service.
    pub visits: Vec<RatedTicket>,
    /// The ticket's query code.
    pub query_code: String,
}

/// Counts per level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LevelCounts {
    /// 非常满意.
    pub very_satisfied: u64,
    /// 满意.
    pub satisfied: u64,
    /// 基本满意.
    pub basic: u64,
    /// 不满意.
    pub dissatisfied: u64,
    /// 非常不满意.
    pub very_dissatisfied: u64,
}

impl LevelCounts {
    fn add(&mut self, level: Level, n: u64) {
        let slot = match level {
            Level::VerySatisfied => &mut self.very_satisfied,
            Level::Satisfied => &mut self.satisfied,
            Level::Basic => &mut self.basic,
            Level::Dissatisfied => &mut self.dissatisfied,
            Level::VeryDissatisfied => &mut self.very_dissatisfied,
        };
        *slot += n;
    }

    /// All ratings counted.
    pub fn total(&self) -> u64 {
        self.very_satisfied
            + self.satisfied
            + self.basic
            + self.dissatisfied
            + self.very_dissatisfied
    }

    /// 差评: 不满意 and 非常不满意.
    pub fn bad(&self) -> u64 {
        self.dissatisfied + self.very_dissatisfied
    }
}

/// One line of the ratings report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RatingRow {
    /// What the line is about: a counter number, username, service id,
    /// department id or month (`YYYY-MM`); empty for the whole hall.
    pub key: String,
    /// Valid ratings per level (void ones are not counted).
    pub levels: LevelCounts,
    /// Valid ratings.
    pub total: u64,
    /// 满意率: 非常满意 + 满意 + 基本满意 over all valid ratings.
    pub satisfaction_rate: Option<f64>,
    /// 差评率: 不满意 + 非常不满意 over all valid ratings.
    pub bad_rate: Option<f64>,
    /// Ratings ruled malicious on appeal (void).
    pub void: u64,
    /// Follow-ups opened (差评 and, except per clerk or service, complaints).
    pub follow_ups: u64,
    /// Of those, closed on or before their deadline.
    pub follow_ups_on_time: u64,
    /// Of those, closed after their deadline or still open past it.
    pub follow_ups_late: u64,
    /// On time over (on time + late); none while nothing is due.
    pub on_time_rate: Option<f64>,
}

/// How often a reason was given with a 差评.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReasonCount {
    /// The reason.
    pub reason: String,
    /// How many 差评 named it.
    pub count: u64,
}

/// The ratings report over days `from..=to`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RatingReport {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The clerk the report is limited to, if it is.
    pub staff: Option<String>,
    /// The whole hall (or the clerk).
    pub total: RatingRow,
    /// By counter.
    pub by_counter: Vec<RatingRow>,
    /// By clerk (username).
    pub by_staff: Vec<RatingRow>,
    /// By service.
    pub by_service: Vec<RatingRow>,
    /// By department.
    pub by_department: Vec<RatingRow>,
    /// By month.
    pub by_month: Vec<RatingRow>,
    /// Reasons given with 差评, most frequent first.
    pub reasons: Vec<ReasonCount>,
}

/// What a follow-up is about, as staff handling it see it: never the
/// ticket or who rated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FollowUpAbout {
    /// `rating` or `complaint`.
    pub kind: String,
    /// The level of a 差评.
    pub level: Option<Level>,
    /// The reasons of a 差评.
    pub reasons: Vec<String>,
    /// The category of a complaint.
    pub category: Option<String>,
    /// The citizen's text.
    pub text: String,
    /// A complainant's phone number, to call back.
    pub phone: Option<String>,
    /// The service rated.
    pub service_id: Option<String>,
    /// The clerk who served the rated ticket.
    pub staff: Option<String>,
    /// Where it came from.
    pub channel: Channel,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// Ruled malicious on appeal.
    pub void: bool,
}

/// A follow-up in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FollowUpRow {
    /// The follow-up.
    pub follow_up: FollowUp,
    /// Its stage.
    pub stage: Stage,
    /// Late or not, on the day asked for.
    pub timeliness: Timeliness,
    /// What it is about.
    pub about: FollowUpAbout,
}

/// One recorded step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StepRow {
    /// When it was recorded, ms since the epoch.
    pub at_ms: i64,
    /// Who recorded it.
    pub actor: String,
    /// The step.
    pub step: Step,
}

/// A follow-up with its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FollowUpDetail {
    /// The follow-up.
    #[serde(flatten)]
    pub row: FollowUpRow,
    /// Its steps, oldest first.
    pub steps: Vec<StepRow>,
}

/// A rating as exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    /// Rating id.
    pub id: u64,
    /// When, ms.
    pub at_ms: i64,
    /// Local day.
    pub day: String,
    /// Ticket number.
    pub number: String,
    /// Service id.
    pub service_id: String,
    /// Counter.
    pub counter_id: Option<u32>,
    /// Department.
    pub department_id: Option<String>,
    /// Clerk.
    pub staff: Option<String>,
    /// Level.
    pub level: Level,
    /// Reasons.
    pub reasons: Vec<String>,
    /// Text.
    pub text: String,
    /// Channel.
    pub channel: Channel,
    /// Ruled malicious.
    pub void: bool,
}

/// Dimensions of the report: name, expression over `ratings r`, and over
/// `follow_ups f LEFT JOIN ratings r`.
const DIMENSIONS: [(&str, &str, &str); 6] = [
    ("total", "''", "''"),
    (
        "counter",
        "COALESCE(CAST(r.counter_id AS TEXT), '')",
        "COALESCE(CAST(f.counter_id AS TEXT), '')",
    ),
    ("staff", "COALESCE(r.staff, '')", "COALESCE(r.staff, '')"),
    ("service", "r.service_id", "COALESCE(r.service_id, '')"),
    (
        "department",
        "COALESCE(r.department_id, '')",
        "COALESCE(f.department_id, '')",
    ),
    ("month", "substr(r.day, 1, 7)", "substr(f.opened_on, 1, 7)"),
];

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl Store {
    /// A ticket of any day, as rating needs it.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn ticket_for_rating(&self, id: TicketId) -> Result<Option<TicketForRating>, StoreError> {
        let ts = |ms: i64| banli_core::jiff::Timestamp::from_millisecond(ms).ok();
        let row = self
            .conn
            .prepare_cached(
                "SELECT number, service_id, status, query_code, closed_at_ms, counter_id, staff
                 FROM tickets WHERE id = ?1",
            )?
            .query_row([tid(id)], |r| {
                let status: String = r.get(2)?;
                let closed: Option<i64> = r.get(4)?;
                Ok((
                    RatedTicket {
                        ticket_id: id,
                        number: r.get(0)?,
                        service_id: r.get::<_, String>(1)?.into(),
                        counter_id: r.get::<_, Option<u32>>(5)?.map(banli_core::ids::CounterId),
                        department_id: None,
                        staff: r.get(6)?,
                        finished_at: (status == "finished")
                            .then_some(closed)
                            .flatten()
                            .and_then(ts),
                    },
                    r.get::<_, String>(3)?,
                ))
            })
            .optional()?;
        let Some((last, query_code)) = row else {
            return Ok(None);
        };
        let mut visits = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT service_id, counter_id, staff, ended_at_ms FROM ticket_visits
             WHERE ticket_id = ?1 ORDER BY ended_at_ms, service_id",
        )?;
        let mut q = stmt.query([tid(id)])?;
        while let Some(r) = q.next()? {
            let service_id: banli_core::ids::ServiceId = r.get::<_, String>(0)?.into();
            // Sent back to a service and finished there: the last visit
            // (the ticket's row) is the one that counts.
            if last.finished_at.is_some() && service_id == last.service_id {
                continue;
            }
            visits.push(RatedTicket {
                service_id,
                counter_id: r.get::<_, Option<u32>>(1)?.map(banli_core::ids::CounterId),
                staff: r.get(2)?,
                finished_at: ts(r.get(3)?),
                ..last.clone()
            });
        }
        if last.finished_at.is_some() {
            visits.push(last);
        }
        Ok(Some(TicketForRating { visits, query_code }))
    }

    /// The ratings report over days `from..=to` (`YYYY-MM-DD`), limited to
    /// one clerk's ratings if `staff` is given; follow-ups are judged late
    /// against `today`.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn rating_report(
        &self,
        from: &str,
        to: &str,
        staff: Option<&str>,
        today: &str,
    ) -> Result<RatingReport, StoreError> {
        let mut report = RatingReport {
            from: from.to_owned(),
            to: to.to_owned(),
            staff: staff.map(str::to_owned),
            ..RatingReport::default()
        };
        for (name, rexpr, fexpr) in DIMENSIONS {
            // A complaint names no clerk or service: it counts for the
            // hall, its counter, department and month only.
            let only_ratings = if matches!(name, "staff" | "service") {
                " AND f.source_kind = 'rating'"
            } else {
                ""
            };
            let mut rows: std::collections::BTreeMap<String, RatingRow> = Default::default();
            let sql = format!(
                "SELECT {rexpr}, r.level, r.void, COUNT(*) FROM ratings r
                 WHERE r.day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR r.staff = ?3) GROUP BY 1, 2, 3"
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut q = stmt.query(params![from, to, staff])?;
            while let Some(r) = q.next()? {
                let key: String = r.get(0)?;
                let level: String = r.get(1)?;
                let void: bool = r.get(2)?;
                let n = u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0);
                let row = rows.entry(key.clone()).or_insert_with(|| RatingRow {
                    key,
                    ..RatingRow::default()
                });
                match (void, level_from(&level)) {
                    (true, _) => row.void += n,
                    (false, Some(l)) => row.levels.add(l, n),
                    (false, None) => {}
                }
            }
            let sql = format!(
                "SELECT {fexpr}, f.close_due, f.closed_on FROM follow_ups f
                 LEFT JOIN ratings r ON f.source_kind = 'rating' AND r.id = f.source_id
                 WHERE f.opened_on BETWEEN ?1 AND ?2 AND (?3 IS NULL OR r.staff = ?3){only_ratings}"
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mut q = stmt.query(params![from, to, staff])?;
            while let Some(r) = q.next()? {
                let key: String = r.get(0)?;
                let due: String = r.get(1)?;
                let closed: Option<String> = r.get(2)?;
                let row = rows.entry(key.clone()).or_insert_with(|| RatingRow {
                    key,
                    ..RatingRow::default()
                });
                row.follow_ups += 1;
                match closed {
                    Some(c) if c <= due => row.follow_ups_on_time += 1,
                    Some(_) => row.follow_ups_late += 1,
                    None if today > due.as_str() => row.follow_ups_late += 1,
                    None => {}
                }
            }
            let mut rows: Vec<RatingRow> = rows
                .into_values()
                .map(|mut row| {
                    row.total = row.levels.total();
                    row.satisfaction_rate = rate(row.total - row.levels.bad(), row.total);
                    row.bad_rate = rate(row.levels.bad(), row.total);
                    row.on_time_rate = rate(
                        row.follow_ups_on_time,
                        row.follow_ups_on_time + row.follow_ups_late,
                    );
                    row
                })
                .collect();
            match name {
                "total" => report.total = rows.pop().unwrap_or_default(),
                "counter" => {
                    rows.sort_by_key(|r| r.key.parse::<u32>().unwrap_or(u32::MAX));
                    report.by_counter = rows;
                }
                "staff" => report.by_staff = rows,
                "service" => report.by_service = rows,
                "department" => report.by_department = rows,
                _ => report.by_month = rows,
            }
        }
        let mut reasons: std::collections::BTreeMap<String, u64> = Default::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT reasons FROM ratings WHERE day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR staff = ?3)
                AND void = 0 AND level IN ('dissatisfied', 'very_dissatisfied')",
        )?;
        let mut q = stmt.query(params![from, to, staff])?;
        while let Some(r) = q.next()? {
            let list: Vec<String> = serde_json::from_str(&r.get::<_, String>(0)?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            for reason in list {
                *reasons.entry(reason).or_default() += 1;
            }
        }
        let mut reasons: Vec<ReasonCount> = reasons
            .into_iter()
            .map(|(reason, count)| ReasonCount { reason, count })
            .collect();
        reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
        report.reasons = reasons;
        Ok(report)
    }

    /// Follow-ups, newest first: open ones only, or all opened on days
    /// `from..=to`; judged late against `today`.
    ///
    /// # Errors
    /// When SQLite fails or a stored follow-up does not parse.
    pub fn follow_ups(
        &self,
        open_only: bool,
        from: &str,
        to: &str,
        today: banli_core::jiff::civil::Date,
    ) -> Result<Vec<FollowUpRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM follow_ups
             WHERE (?1 AND closed_on IS NULL) OR (NOT ?1 AND opened_on BETWEEN ?2 AND ?3)
             ORDER BY id DESC LIMIT 1000",
        )?;
        let bodies: Vec<String> = stmt
            .query_map(params![open_only, from, to], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        bodies
            .iter()
            .map(|b| {
                let f: FollowUp =
                    serde_json::from_str(b).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                self.follow_up_row(f, today)
            })
            .collect()
    }

    fn follow_up_row(
        &self,
        f: FollowUp,
        today: banli_core::jiff::civil::Date,
    ) -> Result<FollowUpRow, StoreError> {
        let about = match f.source {
            Source::Rating(id) => self
                .conn
                .prepare_cached(
                    "SELECT level, reasons, text, service_id, staff, channel, at_ms, void
                     FROM ratings WHERE id = ?1",
                )?
                .query_row([i64::try_from(id).unwrap_or(i64::MAX)], |r| {
                    Ok(FollowUpAbout {
                        kind: "rating".into(),
                        level: level_from(&r.get::<_, String>(0)?),
                        reasons: serde_json::from_str(&r.get::<_, String>(1)?).unwrap_or_default(),
                        category: None,
                        text: r.get(2)?,
                        phone: None,
                        service_id: r.get(3)?,
                        staff: r.get(4)?,
                        channel: channel_from(&r.get::<_, String>(5)?),
                        at_ms: r.get(6)?,
                        void: r.get(7)?,
                    })
                })?,
            Source::Complaint(id) => self
                .conn
                .prepare_cached(
                    "SELECT category, text, phone, channel, at_ms FROM complaints WHERE id = ?1",
                )?
                .query_row([i64::try_from(id).unwrap_or(i64::MAX)], |r| {
                    Ok(FollowUpAbout {
                        kind: "complaint".into(),
                        level: None,
                        reasons: Vec::new(),
                        category: r.get(0)?,
                        text: r.get(1)?,
                        phone: r.get(2)?,
                        service_id: None,
                        staff: None,
                        channel: channel_from(&r.get::<_, String>(3)?),
                        at_ms: r.get(4)?,
                        void: false,
                    })
                })?,
        };
        Ok(FollowUpRow {
            stage: f.stage(),
            timeliness: f.timeliness(today),
            follow_up: f,
            about,
        })
    }

    /// One follow-up with its steps.
    ///
    /// # Errors
    /// When SQLite fails or a stored follow-up does not parse.
    pub fn follow_up_detail(
        &self,
        id: u64,
        today: banli_core::jiff::civil::Date,
    ) -> Result<Option<FollowUpDetail>, StoreError> {
        let id = i64::try_from(id).unwrap_or(i64::MAX);
        let body: Option<String> = self
            .conn
            .prepare_cached("SELECT body FROM follow_ups WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        let Some(body) = body else { return Ok(None) };
        let f: FollowUp =
            serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let row = self.follow_up_row(f, today)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT at_ms, actor, body FROM follow_up_steps WHERE follow_up_id = ?1 ORDER BY id",
        )?;
        let raw: Vec<(i64, String, String)> = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let steps = raw
            .into_iter()
            .map(|(at_ms, actor, body)| {
                Ok(StepRow {
                    at_ms,
                    actor,
                    step: serde_json::from_str(&body)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(FollowUpDetail { row, steps }))
    }

    /// Every rating made on days `from..=to`, oldest first, for export.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn ratings_export(&self, from: &str, to: &str) -> Result<Vec<ExportRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at_ms, day, number, service_id, counter_id, department_id, staff, level,
                reasons, text, channel, void
             FROM ratings WHERE day BETWEEN ?1 AND ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![from, to], |r| {
            Ok(ExportRow {
                id: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                at_ms: r.get(1)?,
                day: r.get(2)?,
                number: r.get(3)?,
                service_id: r.get(4)?,
                counter_id: r.get(5)?,
                department_id: r.get(6)?,
                staff: r.get(7)?,
                level: level_from(&r.get::<_, String>(8)?).unwrap_or(Level::Basic),
                reasons: serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or_default(),
                text: r.get(10)?,
                channel: channel_from(&r.get::<_, String>(11)?),
                void: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn tid(id: TicketId) -> i64 {
    i64::try_from(id.0).unwrap_or(i64::MAX)
}
