//! The read model of cases (办件): every case ever accepted (`cases`, the
//! whole [`CaseRecord`] as JSON plus the columns reports and lookups
//! filter on) and every step (`case_steps`), kept in step with the journal
//! in the batch's transaction. The engine forgets a case once it ends;
//! this keeps it for the citizen's lookup and for reports.
//!
//! `UNIQUE(case_no)` is the last line of defence of case numbering, as
//! `UNIQUE(business_day, number)` is for tickets: a duplicate number fails
//! the commit and nothing is acknowledged.

use banli_core::case::{CaseAction, CaseEvent, CaseRecord, CaseStatus, StepResult, apply_step};
use banli_core::jiff::Timestamp;
use banli_core::jiff::civil::Date;
use rusqlite::{OptionalExtension as _, Transaction, params};

use super::journal::ms;
use super::{Store, StoreError};

/// The migration that creates the tables (appended to `MIGRATIONS`).
pub const MIGRATION: &str = r"
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    case_no TEXT NOT NULL UNIQUE,
    matter_id TEXT NOT NULL,
    department TEXT NOT NULL,
    accepted_on TEXT NOT NULL,
    stage TEXT NOT NULL,
    decided_on TEXT,
    decided_due_on TEXT,
    decided_elapsed INTEGER,
    body TEXT NOT NULL
);
CREATE INDEX cases_by_accepted ON cases (accepted_on);
CREATE TABLE case_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    result TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL,
    action TEXT NOT NULL
);
CREATE INDEX case_steps_by_case ON case_steps (case_id, id);
";

/// One case as stored, with what the decision recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCase {
    /// The case as it stands (or ended).
    pub record: CaseRecord,
    /// The date of 办结, if decided.
    pub decided_on: Option<Date>,
    /// The committed deadline as it stood at 办结.
    pub decided_due_on: Option<Date>,
    /// Working days counted at 办结.
    pub decided_elapsed: Option<u32>,
}

/// One recorded step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStep {
    /// When.
    pub at: Timestamp,
    /// What it recorded.
    pub status: CaseStatus,
    /// 通过 / 退回 / 其他.
    pub result: StepResult,
    /// Who.
    pub actor: String,
    /// The note.
    pub note: String,
    /// The step asked for, with its details (materials, reason …).
    pub action: Option<CaseAction>,
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn id64(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

fn enum_str<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    Ok(json(v)?.trim_matches('"').to_owned())
}

/// Applies a case event to the read model, inside the journal's transaction.
pub(super) fn apply(tx: &Transaction<'_>, event: &CaseEvent) -> Result<(), StoreError> {
    match event {
        CaseEvent::Accepted { at, case, .. } => {
            tx.prepare_cached(
                "INSERT INTO cases (id, case_no, matter_id, department, accepted_on, stage, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id64(case.id),
                case.case_no,
                case.matter.id,
                case.matter.department.as_str(),
                case.accepted_on.to_string(),
                enum_str(&case.stage)?,
                json(case)?,
            ])?;
            insert_step(
                tx,
                case.id,
                *at,
                CaseStatus::Accepted,
                StepResult::Pass,
                &case.accepted_by,
                "",
                None,
            )?;
        }
        CaseEvent::Stepped {
            at,
            on,
            case_id,
            action,
            status,
            result,
            note,
            actor,
            due_on,
            elapsed_days,
            ..
        } => {
            let body: Option<String> = tx
                .prepare_cached("SELECT body FROM cases WHERE id = ?1")?
                .query_row([id64(*case_id)], |r| r.get(0))
                .optional()?;
            let Some(body) = body else {
                return Err(StoreError::Corrupt(format!("case {case_id} is not stored")));
            };
            let mut case: CaseRecord = serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("case {case_id}: {e}")))?;
            apply_step(&mut case, action, *at, *on);
            let decided = matches!(action, CaseAction::Decide { .. });
            tx.prepare_cached(
                "UPDATE cases SET stage = ?2, body = ?3,
                    decided_on = CASE WHEN ?4 THEN ?5 ELSE decided_on END,
                    decided_due_on = CASE WHEN ?4 THEN ?6 ELSE decided_due_on END,
                    decided_elapsed = CASE WHEN ?4 THEN ?7 ELSE decided_elapsed END
                 WHERE id = ?1",
            )?
            .execute(params![
                id64(*case_id),
                enum_str(&case.stage)?,
                json(&case)?,
                decided,
                on.to_string(),
                due_on.map(|d| d.to_string()),
                elapsed_days,
            ])?;
            insert_step(
                tx,
                *case_id,
                *at,
                *status,
                *result,
                actor,
                note,
                Some(action),
            )?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_step(
    tx: &Transaction<'_>,
    case_id: u64,
    at: Timestamp,
    status: CaseStatus,
    result: StepResult,
    actor: &str,
    note: &str,
    action: Option<&CaseAction>,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO case_steps (case_id, at_ms, status, result, actor, note, action)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id64(case_id),
        ms(at),
        enum_str(&status)?,
        enum_str(&result)?,
        actor,
        note,
        match action {
            Some(a) => json(a)?,
            None => String::new(),
        },
    ])?;
    Ok(())
}

fn parse_date(s: Option<String>) -> Option<Date> {
    s.and_then(|s| s.parse().ok())
}

/// A `cases` row: body, decided_on, decided_due_on, decided_elapsed.
type CaseRow = (String, Option<String>, Option<String>, Option<u32>);

fn row_case(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaseRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn stored(
    (body, decided_on, decided_due_on, decided_elapsed): CaseRow,
) -> Result<StoredCase, StoreError> {
    Ok(StoredCase {
        record: serde_json::from_str(&body)
            .map_err(|e| StoreError::Corrupt(format!("case: {e}")))?,
        decided_on: parse_date(decided_on),
        decided_due_on: parse_date(decided_due_on),
        decided_elapsed,
    })
}

impl Store {
    /// A case by its number, ended or not.
    ///
    /// # Errors
    /// When SQLite fails or the stored case does not parse.
    pub fn case_by_no(&self, case_no: &str) -> Result<Option<StoredCase>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT body, decided_on, decided_due_on, decided_elapsed FROM cases WHERE case_no = ?1",
            )?
            .query_row([case_no], row_case)
            .optional()?;
        row.map(stored).transpose()
    }

    /// The steps of a case, oldest first.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn case_steps(&self, case_id: u64) -> Result<Vec<StoredStep>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at_ms, status, result, actor, note, action FROM case_steps
             WHERE case_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id64(case_id)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (at, status, result, actor, note, action) = row?;
            let parse = |s: &str| format!("\"{s}\"");
            out.push(StoredStep {
                at: Timestamp::from_millisecond(at).unwrap_or(Timestamp::UNIX_EPOCH),
                status: serde_json::from_str(&parse(&status))
                    .map_err(|e| StoreError::Corrupt(format!("step status: {e}")))?,
                result: serde_json::from_str(&parse(&result)).unwrap_or_default(),
                actor,
                note,
                action: serde_json::from_str(&action).ok(),
            });
        }
        Ok(out)
    }

    /// The steps of every case accepted from `from` through `to`, by
    /// case id, oldest first: one query for a whole export.
    ///
    /// # Errors
    /// When SQLite fails or a stored status does not parse.
    pub fn case_steps_accepted(
        &self,
        from: Date,
        to: Date,
    ) -> Result<Vec<(u64, StoredStep)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT case_id, at_ms, status, result, actor, note, action FROM case_steps
             WHERE case_id IN (SELECT id FROM cases WHERE accepted_on BETWEEN ?1 AND ?2)
             ORDER BY case_id, id",
        )?;
        let rows = stmt.query_map(params![from.to_string(), to.to_string()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (case_id, at, status, result, actor, note, action) = row?;
            let parse = |s: &str| format!("\"{s}\"");
            out.push((
                u64::try_from(case_id).unwrap_or(0),
                StoredStep {
                    at: Timestamp::from_millisecond(at).unwrap_or(Timestamp::UNIX_EPOCH),
                    status: serde_json::from_str(&parse(&status))
                        .map_err(|e| StoreError::Corrupt(format!("step status: {e}")))?,
                    result: serde_json::from_str(&parse(&result)).unwrap_or_default(),
                    actor,
                    note,
                    action: serde_json::from_str(&action).ok(),
                },
            ));
        }
        Ok(out)
    }

    /// Every case accepted from `from` through `to` (hall dates).
    ///
    /// # Errors
    /// When SQLite fails or a stored case does not parse.
    pub fn cases_accepted(&self, from: Date, to: Date) -> Result<Vec<StoredCase>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body, decided_on, decided_due_on, decided_elapsed FROM cases
             WHERE accepted_on BETWEEN ?1 AND ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![from.to_string(), to.to_string()], row_case)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(stored(row?)?);
        }
        Ok(out)
    }
}
