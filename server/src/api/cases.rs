//! `/cases…`: cases (办件) from acceptance at the counter to the
//! citizen's phone. The rules are in [`banli_core::case`]; this module
//! checks who may do what, looks the matter up in the guide, hashes the
//! ID number, and shapes what each reader may see:
//! - staff see their departments' cases in full (the ID number masked);
//!   administrators see every department, the supervision view (督办) and
//!   the reports;
//! - a citizen with the case number and the query password sees the
//!   stage, the dates and the missing materials, the name masked (张*),
//!   nothing else personal. Wrong passwords count against the same
//!   address limiter as ticket codes and a per-case one, and get a plain
//!   404 whether the case exists or not.
//!
//! Open cases are read from the committed engine view (no SQLite); ended
//! ones, steps and reports from the read model (`store::cases`).
//! Deadlines are computed with the calendar in force at the time of the
//! request, so a calendar correction shows at once.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use banli_core::calendar::{Deadline, DueState, Warning, WorkCalendar};
use banli_core::case::{
    Applicant, CaseAction, CaseCommand, CaseProgress, CaseRecord, CaseRejection, Matter, PauseKind,
    Stage, StepResult, StepView, mask_id_number, mask_name,
};
use banli_core::engine::{Command, Engine, Outcome, Rejection};
use banli_core::ids::{CounterId, DepartmentId};
use banli_core::jiff::Timestamp;
use banli_core::jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::error::AppError;
use super::extract::{AppJson, AppPath, AppQuery, Caller, ClientInfo, day_range, query_day};
use crate::AppState;
use crate::auth::{Principal, constant_time_eq, new_query_code};
use crate::store::cases::{StoredCase, StoredStep};

/// Longest ID number accepted (18 for a resident ID card; passports and
/// other documents are shorter).
const MAX_ID_NUMBER: usize = 32;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/counters/{id}/cases", post(cases_accept))
        .route("/cases", get(cases_worklist))
        .route("/cases/{case_no}", get(cases_show))
        .route("/cases/{case_no}/steps", post(cases_step))
        .route("/cases/{case_no}/progress", get(cases_progress))
        .route("/admin/cases/supervision", get(admin_cases_supervision))
        .route("/admin/reports/cases", get(admin_cases_report))
        .route("/admin/cases/export", get(admin_cases_export))
}

// ----- Wire shapes ----------------------------------------------------------

/// `POST /counters/{id}/cases`: accept a case for the ticket being served.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptCaseRequest {
    /// The guide item's id.
    pub matter_id: String,
    /// The applicant's name (1-200 characters).
    pub applicant_name: String,
    /// A phone number (5-20 digits), optional.
    #[serde(default)]
    pub phone: Option<String>,
    /// An ID number, optional: stored only as a salted hash, shown masked.
    #[serde(default)]
    pub id_number: Option<String>,
}

/// A step on a case: the action and what the step records.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CaseStepRequest {
    /// What to do, with its details.
    #[serde(flatten)]
    pub action: CaseAction,
    /// 通过 / 退回 / 其他; default 通过.
    #[serde(default)]
    pub result: StepResult,
    /// A note for the record (at most 200 characters).
    #[serde(default)]
    pub note: String,
}

/// The committed deadline as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DueView {
    /// The committed date, unless the clock is stopped.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<Date>,
    /// Working days left when the clock is stopped.
    pub remaining_days: Option<u32>,
    /// For an open case: on_track, due_soon, due_today or overdue; during
    /// a special procedure, against the end of its own limit.
    pub state: Option<String>,
    /// `yellow` (due the next working day or today) or `red` (overdue).
    pub warning: Option<String>,
    /// Whether the date lies in a year the calendar does not cover
    /// (weekends only counted): provisional.
    pub provisional: bool,
}

/// A case as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// Internal id.
    pub id: u64,
    /// 办件编号.
    pub case_no: String,
    /// The matter as accepted.
    pub matter: Matter,
    /// 即办件 / 承诺件.
    pub matter_kind_zh: String,
    /// The department's name.
    pub department_zh: String,
    /// The applicant's name.
    pub applicant_name: String,
    /// The phone, if given.
    pub phone: Option<String>,
    /// The ID number, masked.
    pub id_number_masked: Option<String>,
    /// The ticket it came with (A023).
    pub ticket_number: String,
    /// The accepting counter.
    pub counter_id: CounterId,
    /// When accepted.
    #[schema(value_type = String, format = DateTime)]
    pub accepted_at: Timestamp,
    /// The hall's date of acceptance.
    #[schema(value_type = String, format = Date)]
    pub accepted_on: Date,
    /// Who accepted it.
    pub accepted_by: String,
    /// Where it stands.
    pub stage: Stage,
    /// Its name in Chinese.
    pub stage_zh: String,
    /// Its name in English.
    pub stage_en: String,
    /// `correction` or `special` while the clock stands still.
    pub paused: Option<PauseKind>,
    /// The missing materials of the 补正 (open or past).
    pub missing_materials: Vec<String>,
    /// The special procedure under way, with its own limit's end.
    pub special_procedure: Option<String>,
    /// The end of the special procedure's own limit.
    #[schema(value_type = Option<String>, format = Date)]
    pub special_due_on: Option<Date>,
    /// The committed deadline (承诺办结时间).
    pub due: DueView,
    /// The legal deadline (法定), where the guide gives a legal limit.
    #[schema(value_type = Option<String>, format = Date)]
    pub legal_due_on: Option<Date>,
    /// Working days counted so far (or until 办结).
    pub elapsed_days: u32,
    /// 办结 or end date.
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<Date>,
    /// 不予受理's reason.
    pub reason: String,
    /// Steps, oldest first (detail views only).
    pub steps: Vec<StepView>,
}

/// What acceptance answers: the case and what the receipt prints.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AcceptedCase {
    /// The case.
    pub case: CaseView,
    /// 查询密码, for the receipt. Only this answer carries it.
    pub password: String,
    /// The path of the citizen's progress page (the receipt's QR code).
    pub progress_path: String,
    /// The path of the printable receipt (受理回执).
    pub receipt_path: String,
    /// True when this is a retry of an earlier acceptance.
    pub replayed: bool,
}

/// The worklist: open cases ordered by deadline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Worklist {
    /// The departments shown.
    pub departments: Vec<DepartmentId>,
    /// The hall's date the warnings are computed for.
    #[schema(value_type = String, format = Date)]
    pub today: Date,
    /// Cases, soonest deadline first; stopped clocks after, decided ones
    /// awaiting 取件 last.
    pub cases: Vec<CaseView>,
}

/// Supervision (督办) of one department.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct DepartmentSupervision {
    /// The department's id.
    pub department: String,
    /// Its name.
    pub name_zh: String,
    /// Open cases (not yet decided).
    pub open: u32,
    /// Of those, with the clock stopped (补正, 特别程序).
    pub paused: u32,
    /// Yellow: due the next working day or today.
    pub due_soon: u32,
    /// Red: overdue.
    pub overdue: u32,
    /// The yellow and red cases, most urgent first.
    pub warned: Vec<CaseView>,
}

/// The hall-wide supervision view and the dashboard's counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Supervision {
    /// The hall's date.
    #[schema(value_type = String, format = Date)]
    pub today: Date,
    /// Open cases in the hall.
    pub open: u32,
    /// Yellow cases in the hall (near due).
    pub due_soon: u32,
    /// Red cases in the hall (overdue).
    pub overdue: u32,
    /// By department, in the hall's order.
    pub departments: Vec<DepartmentSupervision>,
}

/// One row of the case report.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CaseReportRow {
    /// `YYYY-MM` of acceptance.
    pub month: String,
    /// The department's id (`*` for the hall's total).
    pub department: String,
    /// The department's name.
    pub department_zh: String,
    /// The matter's id (`*` for the department's total).
    pub matter_id: String,
    /// The matter's name.
    pub matter_zh: String,
    /// Cases accepted.
    pub accepted: u32,
    /// Of those, decided (办结).
    pub finished: u32,
    /// Decided on the day of acceptance (即办).
    pub on_the_spot: u32,
    /// on_the_spot ÷ finished.
    pub on_the_spot_rate: Option<f64>,
    /// Decided by the committed date.
    pub on_time: u32,
    /// on_time ÷ finished.
    pub on_time_rate: Option<f64>,
    /// Average working days counted to 办结.
    pub avg_working_days: Option<f64>,
    /// The committed limit (the matter's; for a total, the average).
    pub committed_limit_days: Option<f64>,
    /// The legal limit (the matter's; for a total, the average).
    pub legal_limit_days: Option<f64>,
    /// Decided late, or open and overdue today.
    pub overdue: u32,
    /// Not accepted (不予受理) or withdrawn (撤回).
    pub not_accepted_or_withdrawn: u32,
}

/// The case report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseReport {
    /// First acceptance date included.
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    /// Last acceptance date included.
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// By month, department and matter, each department's total after its
    /// matters (`matter_id` `*`), the hall's total last (`department` `*`).
    pub rows: Vec<CaseReportRow>,
}

// ----- Shaping --------------------------------------------------------------

fn warning_str(w: Warning) -> &'static str {
    match w {
        Warning::Yellow => "yellow",
        Warning::Red => "red",
    }
}

fn due_state_str(s: DueState) -> &'static str {
    match s {
        DueState::OnTrack => "on_track",
        DueState::DueSoon => "due_soon",
        DueState::DueToday => "due_today",
        DueState::Overdue => "overdue",
    }
}

fn due_view(case: &CaseRecord, calendar: &WorkCalendar, today: Date) -> DueView {
    let Ok(due) = case.due(calendar, today) else {
        return DueView {
            due_on: None,
            remaining_days: None,
            state: None,
            warning: None,
            provisional: true,
        };
    };
    let (due_on, remaining_days) = match due.deadline {
        Deadline::Due(d) => (Some(d), None),
        Deadline::Paused { remaining, .. } => (None, Some(remaining)),
    };
    DueView {
        due_on,
        remaining_days,
        state: due.state.map(|s| due_state_str(s).to_owned()),
        warning: due
            .state
            .and_then(DueState::warning)
            .map(|w| warning_str(w).to_owned()),
        provisional: due_on.is_some_and(|d| !calendar.covers(d.year())),
    }
}

fn step_detail(action: Option<&CaseAction>) -> String {
    match action {
        Some(CaseAction::RequestCorrection { materials }) => materials.join("；"),
        Some(CaseAction::Refuse { reason }) => reason.clone(),
        Some(CaseAction::StartSpecial {
            procedure,
            limit_days,
        }) => format!("{procedure}（{limit_days}个工作日）"),
        _ => String::new(),
    }
}

fn step_view(s: &StoredStep, staff: bool) -> StepView {
    StepView {
        at: s.at,
        status: s.status,
        status_zh: s.status.name_zh().into(),
        status_en: s.status.name_en().into(),
        gb_code: s.status.gb_code(),
        result: s.result,
        actor: if staff {
            s.actor.clone()
        } else {
            String::new()
        },
        note: if staff { s.note.clone() } else { String::new() },
        // A citizen sees the materials, the reason and the procedure too.
        detail: step_detail(s.action.as_ref()),
    }
}

fn case_view(engine: &Engine, case: &CaseRecord, today: Date) -> CaseView {
    let calendar = &engine.config().calendar;
    let mut due = due_view(case, calendar, today);
    let department_zh = engine
        .config()
        .departments
        .iter()
        .find(|d| d.id == case.matter.department)
        .map_or_else(|| case.matter.department.to_string(), |d| d.name_zh.clone());
    let special = case.open_pause().filter(|p| p.kind == PauseKind::Special);
    let special_due_on = special.and_then(|p| {
        calendar
            .add_working_days(p.stopped_on, p.limit_days.unwrap_or(0))
            .ok()
    });
    // While a special procedure stops the clock, its own limit is what
    // can run late: the warning follows it (the committed date is unknown).
    if let Some(end) = special_due_on {
        let state = calendar.due_state(today, end);
        due.state = Some(due_state_str(state).to_owned());
        due.warning = state.warning().map(|w| warning_str(w).to_owned());
    }
    let legal_due_on = case.matter.legal_limit_days.and_then(|days| {
        calendar
            .deadline(case.accepted_on, days, &case.calendar_pauses())
            .ok()
            .and_then(Deadline::due_date)
    });
    CaseView {
        id: case.id,
        case_no: case.case_no.clone(),
        matter: case.matter.clone(),
        matter_kind_zh: case.matter.kind.name_zh().into(),
        department_zh,
        applicant_name: case.applicant.name.clone(),
        phone: case.applicant.phone.clone(),
        id_number_masked: case.applicant.id_masked.clone(),
        ticket_number: case.ticket_number.clone(),
        counter_id: case.counter_id,
        accepted_at: case.accepted_at,
        accepted_on: case.accepted_on,
        accepted_by: case.accepted_by.clone(),
        stage: case.stage,
        stage_zh: case.stage.name_zh().into(),
        stage_en: case.stage.name_en().into(),
        paused: case.open_pause().map(|p| p.kind),
        missing_materials: case
            .pauses
            .iter()
            .filter(|p| p.kind == PauseKind::Correction)
            .flat_map(|p| p.materials.clone())
            .collect(),
        special_procedure: special.map(|p| p.procedure.clone()),
        special_due_on,
        due,
        legal_due_on,
        elapsed_days: case.elapsed_days(calendar, today),
        closed_on: case.closed_on,
        reason: case.reason.clone(),
        steps: Vec::new(),
    }
}

fn progress_view(case: &CaseRecord, calendar: &WorkCalendar, steps: &[StoredStep]) -> CaseProgress {
    let open = case.open_pause();
    let (committed_due_on, remaining_days) = match case.deadline(calendar) {
        Ok(Deadline::Due(d)) if !case.stage.is_closed() => (Some(d), None),
        Ok(Deadline::Paused { remaining, .. }) if !case.stage.is_closed() => {
            (None, Some(remaining))
        }
        _ => (None, None),
    };
    CaseProgress {
        case_no: case.case_no.clone(),
        matter_zh: case.matter.name_zh.clone(),
        matter_en: case.matter.name_en.clone(),
        matter_kind: case.matter.kind,
        applicant_masked: mask_name(&case.applicant.name),
        stage: case.stage,
        stage_zh: case.stage.name_zh().into(),
        stage_en: case.stage.name_en().into(),
        accepted_on: case.accepted_on,
        committed_due_on,
        remaining_days,
        paused: open.map(|p| p.kind),
        missing_materials: open
            .filter(|p| p.kind == PauseKind::Correction)
            .map(|p| p.materials.clone())
            .unwrap_or_default(),
        closed_on: case.closed_on,
        reason: case.reason.clone(),
        steps: steps.iter().map(|s| step_view(s, false)).collect(),
    }
}

/// Sort key of the worklist: dated deadlines first by date, then stopped
/// clocks, then decided cases awaiting 取件.
fn urgency(v: &CaseView) -> (u8, Option<Date>, u64) {
    let group = if v.stage.is_closed() {
        2
    } else if v.due.due_on.is_none() {
        1
    } else {
        0
    };
    (group, v.due.due_on, v.id)
}

// ----- Helpers --------------------------------------------------------------

fn today(state: &AppState) -> Date {
    let now = state.clock.now();
    state.engine.view().read(|e, _| e.local_date(now))
}

/// The departments a staff member works for: those of their counters.
fn staff_departments(engine: &Engine, caller: &Principal) -> Vec<DepartmentId> {
    let Principal::Staff(a) = caller else {
        return Vec::new();
    };
    let mut out: Vec<DepartmentId> = Vec::new();
    for c in &a.counters {
        if let Some(counter) = engine.config().counter(*c)
            && !out.contains(&counter.department)
        {
            out.push(counter.department.clone());
        }
    }
    out
}

fn staff_only(caller: &Principal) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden("staff only"))
    }
}

fn may_see(engine: &Engine, caller: &Principal, department: &DepartmentId) -> bool {
    caller.is_admin() || staff_departments(engine, caller).contains(department)
}

fn case_rejection(r: CaseRejection) -> AppError {
    AppError::from(Rejection::Case(r))
}

/// `salt:sha256(salt ‖ number)`, with a fresh random salt: the number
/// cannot be read back, only matched by someone who holds it.
fn hash_id_number(number: &str) -> String {
    let salt = hex::encode(rand::random::<[u8; 16]>());
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(number.as_bytes());
    format!("{salt}:{}", hex::encode(h.finalize()))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    super::extract::idempotency_key(headers)
}

/// The paths printed on the receipt.
pub fn progress_path(case_no: &str, password: &str) -> String {
    format!("/c/{case_no}?p={password}")
}

// ----- Handlers -------------------------------------------------------------

/// Accept a case (受理) for the ticket the counter is serving.
#[utoipa::path(post, path = "/api/v1/counters/{id}/cases", tag = "cases", request_body = AcceptCaseRequest,
    params(("id" = u32, Path, description = "Counter number"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retried request with the same key returns the same case: 1 to 128 visible ASCII characters (a UUID does)",
            pattern = r"^[!-~]{1,128}$", min_length = 1, max_length = 128)),
    responses(
        (status = 201, description = "Accepted", body = AcceptedCase),
        (status = 200, description = "A retry: the case accepted for this key before", body = AcceptedCase),
        (status = 404, description = "Unknown matter (`unknown_matter`) or counter", body = banli_core::wire::ApiError),
        (status = 409, description = "The counter serves no ticket (`no_current_ticket`)", body = banli_core::wire::ApiError),
        (status = 422, description = "A field is wrong (`invalid_case_field`), or the matter has no time limit", body = banli_core::wire::ApiError),
    ),
    security(("bearer" = [])))]
pub async fn cases_accept(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    AppPath(id): AppPath<u32>,
    AppJson(req): AppJson<AcceptCaseRequest>,
) -> Result<(StatusCode, AppJson<AcceptedCase>), AppError> {
    let counter_id = CounterId(id);
    if !caller.may_operate(counter_id) {
        return Err(AppError::forbidden("this counter is not assigned to you"));
    }
    let key = idempotency_key(&headers)?;
    let matter_id = req.matter_id.clone();
    let item = state
        .readers
        .call(move |s| s.guide())
        .await?
        .items
        .into_iter()
        .find(|i| i.id == matter_id)
        .ok_or_else(|| case_rejection(CaseRejection::UnknownMatter(req.matter_id.clone())))?;
    let matter = Matter::from_guide(&item).map_err(case_rejection)?;
    let id_number = req
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(n) = id_number
        && (n.len() > MAX_ID_NUMBER || !n.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(case_rejection(CaseRejection::BadField {
            field: "id_number",
            problem: "letters and digits, at most 32 / 证件号码格式有误",
        }));
    }
    let applicant = Applicant {
        name: req.applicant_name.trim().to_owned(),
        phone: req
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        id_hash: id_number.map(hash_id_number),
        id_masked: id_number.map(mask_id_number),
    };
    let committed = state
        .engine
        .command(Command::Case(Box::new(CaseCommand::Accept {
            counter_id,
            matter,
            applicant,
            password: new_query_code(),
            idempotency_key: key,
            actor: caller.actor(),
        })))
        .await?;
    let Outcome::Case { case_id, replayed } = committed.outcome else {
        return Err(AppError::internal(&"acceptance answered without a case"));
    };
    let today = today(&state);
    let accepted = state.engine.view().read(|engine, _| {
        let case = engine.case(case_id)?;
        Some(AcceptedCase {
            case: case_view(engine, case, today),
            password: case.password.clone(),
            progress_path: progress_path(&case.case_no, &case.password),
            receipt_path: format!("/console/cases/{}/receipt", case.case_no),
            replayed,
        })
    });
    let accepted = match accepted {
        Some(a) => a,
        // Decided and collected in the same batch: read it back.
        None => return Err(AppError::internal(&"the accepted case left memory at once")),
    };
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, AppJson(accepted)))
}

/// Where the case is: in the engine while open, else in the read model.
async fn find_case(state: &AppState, case_no: &str) -> Result<(CaseRecord, bool), AppError> {
    let open = state
        .engine
        .view()
        .read(|e, _| e.state().cases.by_number(case_no).cloned());
    if let Some(c) = open {
        return Ok((c, true));
    }
    let no = case_no.to_owned();
    let stored: Option<StoredCase> = state.readers.call(move |s| s.case_by_no(&no)).await?;
    stored
        .map(|s| (s.record, false))
        .ok_or_else(|| case_rejection(CaseRejection::UnknownCase(case_no.to_owned())))
}

async fn detail(state: &AppState, case: &CaseRecord) -> Result<CaseView, AppError> {
    let id = case.id;
    let steps = state.readers.call(move |s| s.case_steps(id)).await?;
    let today = today(state);
    let mut view = state
        .engine
        .view()
        .read(|engine, _| case_view(engine, case, today));
    view.steps = steps.iter().map(|s| step_view(s, true)).collect();
    Ok(view)
}

/// A case in full with its steps, and its query password, for staff of
/// its department and administrators (the receipt page).
///
/// # Errors
/// 404 `unknown_case`, 403 for another department, 503 on storage failure.
pub async fn staff_case(
    state: &AppState,
    caller: &Principal,
    case_no: &str,
) -> Result<(CaseView, String), AppError> {
    staff_only(caller)?;
    let (case, _) = find_case(state, case_no).await?;
    if !state
        .engine
        .view()
        .read(|e, _| may_see(e, caller, &case.matter.department))
    {
        return Err(AppError::forbidden("another department's case"));
    }
    let view = detail(state, &case).await?;
    Ok((view, case.password))
}

/// A case in full, with its steps (staff of its department, administrators).
#[utoipa::path(get, path = "/api/v1/cases/{case_no}", tag = "cases",
    params(("case_no" = String, Path, description = "办件编号")),
    responses((status = 200, description = "The case", body = CaseView),
        (status = 404, description = "No such case (`unknown_case`)", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn cases_show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppPath(case_no): AppPath<String>,
) -> Result<AppJson<CaseView>, AppError> {
    staff_only(&caller)?;
    let (case, _) = find_case(&state, &case_no).await?;
    if !state
        .engine
        .view()
        .read(|e, _| may_see(e, &caller, &case.matter.department))
    {
        return Err(AppError::forbidden("another department's case"));
    }
    detail(&state, &case).await.map(AppJson)
}

/// Take a step on a case: 承办, 审核, 办结, 取件, 补正 and its receipt,
/// 特别程序 and its end, 不予受理, 撤回. Out of order, on a closed case, or
/// while the clock is stopped, it is refused and nothing changes.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/steps", tag = "cases", request_body = CaseStepRequest,
    params(("case_no" = String, Path, description = "办件编号")),
    responses((status = 200, description = "Done: the case afterwards", body = CaseView),
        (status = 404, description = "No such case", body = banli_core::wire::ApiError),
        (status = 409, description = "Out of order (`stage_out_of_order`), closed (`case_closed`), paused (`case_paused`), not paused, or a second 补正", body = banli_core::wire::ApiError),
        (status = 422, description = "A field is wrong (`invalid_case_field`)", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn cases_step(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppPath(case_no): AppPath<String>,
    AppJson(req): AppJson<CaseStepRequest>,
) -> Result<AppJson<CaseView>, AppError> {
    staff_only(&caller)?;
    let (case, open) = find_case(&state, &case_no).await?;
    if !state
        .engine
        .view()
        .read(|e, _| may_see(e, &caller, &case.matter.department))
    {
        return Err(AppError::forbidden("another department's case"));
    }
    if !open {
        return Err(case_rejection(CaseRejection::Closed(case.stage)));
    }
    state
        .engine
        .command(Command::Case(Box::new(CaseCommand::Step {
            case_id: case.id,
            action: req.action,
            result: req.result,
            note: req.note,
            actor: caller.actor(),
        })))
        .await?;
    let (case, _) = find_case(&state, &case_no).await?;
    detail(&state, &case).await.map(AppJson)
}

/// `?department=` of the worklist.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorklistQuery {
    /// A department id; default the caller's departments (administrators:
    /// every department).
    pub department: Option<String>,
}

/// The worklist: open cases of the clerk's departments (or the one asked
/// for), soonest deadline first, with yellow and red warnings.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(WorklistQuery),
    responses((status = 200, description = "The worklist", body = Worklist),
        (status = 403, description = "Another department", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn cases_worklist(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppQuery(q): AppQuery<WorklistQuery>,
) -> Result<AppJson<Worklist>, AppError> {
    staff_only(&caller)?;
    let today = today(&state);
    let list = state.engine.view().read(|engine, _| {
        let departments: Vec<DepartmentId> = match &q.department {
            Some(d) => {
                let d = DepartmentId::from(d.as_str());
                if !may_see(engine, &caller, &d) {
                    return Err(AppError::forbidden("another department's cases"));
                }
                vec![d]
            }
            None if caller.is_admin() => engine
                .config()
                .departments
                .iter()
                .map(|d| d.id.clone())
                .collect(),
            None => staff_departments(engine, &caller),
        };
        let mut cases: Vec<CaseView> = engine
            .open_cases()
            .filter(|c| departments.contains(&c.matter.department))
            .map(|c| case_view(engine, c, today))
            .collect();
        cases.sort_by_key(urgency);
        Ok(Worklist {
            departments,
            today,
            cases,
        })
    })?;
    Ok(AppJson(list))
}

/// The supervision view (督办): per department, open cases, stopped
/// clocks, yellow and red, with the warned cases; the hall's totals are
/// the dashboard's counts.
#[utoipa::path(get, path = "/api/v1/admin/cases/supervision", tag = "cases",
    responses((status = 200, description = "Supervision by department", body = Supervision)),
    security(("bearer" = [])))]
pub async fn admin_cases_supervision(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<Supervision>, AppError> {
    caller.admin()?;
    let today = today(&state);
    let view = state
        .engine
        .view()
        .read(|engine, _| supervision(engine, today));
    Ok(AppJson(view))
}

/// The supervision view of `engine`'s open cases on `today`.
pub fn supervision(engine: &Engine, today: Date) -> Supervision {
    let mut by: BTreeMap<DepartmentId, DepartmentSupervision> = BTreeMap::new();
    for c in engine.open_cases() {
        if c.stage.is_closed() {
            continue;
        }
        let v = case_view(engine, c, today);
        let d = by.entry(c.matter.department.clone()).or_default();
        d.department = c.matter.department.to_string();
        d.name_zh.clone_from(&v.department_zh);
        d.open += 1;
        if v.paused.is_some() {
            d.paused += 1;
        }
        match v.due.warning.as_deref() {
            Some("yellow") => d.due_soon += 1,
            Some("red") => d.overdue += 1,
            _ => {}
        }
        if v.due.warning.is_some() {
            d.warned.push(v);
        }
    }
    let mut departments = Vec::new();
    for dep in &engine.config().departments {
        let mut d = by.remove(&dep.id).unwrap_or_default();
        d.department = dep.id.to_string();
        d.name_zh.clone_from(&dep.name_zh);
        departments.push(d);
    }
    departments.extend(by.into_values());
    for d in &mut departments {
        d.warned.sort_by_key(urgency);
    }
    Supervision {
        today,
        open: departments.iter().map(|d| d.open).sum(),
        due_soon: departments.iter().map(|d| d.due_soon).sum(),
        overdue: departments.iter().map(|d| d.overdue).sum(),
        departments,
    }
}

/// `?password=` of the citizen's lookup.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PasswordQuery {
    /// The query password (查询密码) printed on the receipt.
    pub password: Option<String>,
}

fn unknown_case() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "unknown_case",
        "no case has this number and password",
        "办件编号或查询密码不正确",
    )
}

/// A case's progress for the citizen: the number and the password.
/// A wrong password and an unknown number get the same plain 404.
///
/// # Errors
/// 404 `unknown_case`, 429 `too_many_lookups`, 503 on storage failure.
pub async fn lookup(
    state: &AppState,
    case_no: &str,
    password: Option<&str>,
    client: Option<std::net::IpAddr>,
) -> Result<CaseProgress, AppError> {
    let limits = &state.limits;
    let address = client.map(crate::limit::address_key);
    if let Some(a) = &address {
        limits
            .lookup_address
            .take(a)
            .map_err(|d| too_many_lookups(state, d))?;
    }
    let found = match find_case(state, case_no).await {
        Ok((c, _)) => Some(c),
        Err(e) if e.code == "unknown_case" => None,
        Err(e) => return Err(e),
    };
    let Some(case) = found else {
        return Err(unknown_case());
    };
    if let Err(d) = limits.lookup_case.take(&case.case_no) {
        if let Some(a) = &address {
            limits.lookup_address.give_back(a);
        }
        return Err(too_many_lookups(state, d));
    }
    if !password.is_some_and(|p| constant_time_eq(p.trim(), &case.password)) {
        return Err(unknown_case());
    }
    limits.lookup_case.give_back(&case.case_no);
    if let Some(a) = &address {
        limits.lookup_address.give_back(a);
    }
    let id = case.id;
    let steps = state.readers.call(move |s| s.case_steps(id)).await?;
    Ok(state
        .engine
        .view()
        .read(|e, _| progress_view(&case, &e.config().calendar, &steps)))
}

fn too_many_lookups(state: &AppState, d: crate::limit::Denied) -> AppError {
    AppError::rate_limited(
        state,
        d,
        "too_many_lookups",
        "too many wrong query passwords",
        "查询密码错误次数过多",
    )
}

/// A case's progress for the citizen (the kiosk's 「办件查询」 and the
/// phone page): stage, dates, committed date, missing materials during
/// 补正, the applicant's name masked.
#[utoipa::path(get, path = "/api/v1/cases/{case_no}/progress", tag = "cases",
    params(("case_no" = String, Path, description = "办件编号"), PasswordQuery),
    responses((status = 200, description = "The case's progress", body = CaseProgress),
        (status = 404, description = "No such case, or the password does not match (`unknown_case`)", body = banli_core::wire::ApiError),
        (status = 429, description = "Too many wrong passwords (`too_many_lookups`); see Retry-After", body = banli_core::wire::ApiError)))]
pub async fn cases_progress(
    State(state): State<AppState>,
    client: ClientInfo,
    AppPath(case_no): AppPath<String>,
    AppQuery(q): AppQuery<PasswordQuery>,
) -> Result<AppJson<CaseProgress>, AppError> {
    lookup(&state, &case_no, q.password.as_deref(), client.ip)
        .await
        .map(AppJson)
}

/// Which acceptance dates, and in which format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseReportQuery {
    /// First acceptance date, `YYYY-MM-DD`; default the first of this month.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last acceptance date; default today.
    #[param(format = Date)]
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

#[derive(Default)]
struct Tally {
    row: CaseReportRow,
    days_sum: u64,
    committed_sum: u64,
    legal_sum: u64,
    legal_n: u64,
}

impl Tally {
    fn add(&mut self, c: &StoredCase, calendar: &WorkCalendar, today: Date) {
        let r = &mut self.row;
        r.accepted += 1;
        self.committed_sum += u64::from(c.record.matter.committed_limit_days);
        if let Some(l) = c.record.matter.legal_limit_days {
            self.legal_sum += u64::from(l);
            self.legal_n += 1;
        }
        if let Some(decided) = c.decided_on {
            r.finished += 1;
            if decided == c.record.accepted_on {
                r.on_the_spot += 1;
            }
            match c.decided_due_on {
                Some(due) if decided <= due => r.on_time += 1,
                Some(_) => r.overdue += 1,
                None => {}
            }
            self.days_sum += u64::from(c.decided_elapsed.unwrap_or(0));
        } else if matches!(c.record.stage, Stage::NotAccepted | Stage::Withdrawn) {
            r.not_accepted_or_withdrawn += 1;
        } else if let Ok(Deadline::Due(due)) = c.record.deadline(calendar)
            && today > due
        {
            r.overdue += 1;
        }
    }

    fn finish(mut self) -> CaseReportRow {
        let r = &mut self.row;
        let rate = |n: u32, of: u32| (of > 0).then(|| f64::from(n) / f64::from(of));
        r.on_the_spot_rate = rate(r.on_the_spot, r.finished);
        r.on_time_rate = rate(r.on_time, r.finished);
        #[allow(clippy::cast_precision_loss)]
        {
            r.avg_working_days =
                (r.finished > 0).then(|| self.days_sum as f64 / f64::from(r.finished));
            r.committed_limit_days =
                (r.accepted > 0).then(|| self.committed_sum as f64 / f64::from(r.accepted));
            r.legal_limit_days =
                (self.legal_n > 0).then(|| self.legal_sum as f64 / self.legal_n as f64);
        }
        self.row
    }
}

/// The report over cases accepted `from` through `to`.
pub fn case_report(
    cases: &[StoredCase],
    calendar: &WorkCalendar,
    today: Date,
    from: Date,
    to: Date,
) -> CaseReport {
    type Key = (String, String, String);
    let mut by_matter: BTreeMap<Key, Tally> = BTreeMap::new();
    let mut by_dept: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut by_month: BTreeMap<String, Tally> = BTreeMap::new();
    for c in cases {
        let month = format!(
            "{:04}-{:02}",
            c.record.accepted_on.year(),
            c.record.accepted_on.month()
        );
        let dept = c.record.matter.department.to_string();
        let t = by_matter
            .entry((month.clone(), dept.clone(), c.record.matter.id.clone()))
            .or_default();
        t.row.matter_zh.clone_from(&c.record.matter.name_zh);
        t.add(c, calendar, today);
        by_dept
            .entry((month.clone(), dept))
            .or_default()
            .add(c, calendar, today);
        by_month.entry(month).or_default().add(c, calendar, today);
    }
    let mut rows = Vec::new();
    for ((month, dept), total) in by_dept {
        for ((m, d, matter), t) in by_matter.range(
            (month.clone(), dept.clone(), String::new())
                ..=(month.clone(), dept.clone(), "\u{10ffff}".into()),
        ) {
            let _ = t;
            let mut row = by_matter_finish(t);
            row.month.clone_from(m);
            row.department.clone_from(d);
            row.matter_id.clone_from(matter);
            rows.push(row);
        }
        let mut row = total.finish();
        row.month = month;
        row.department = dept;
        row.matter_id = "*".into();
        row.matter_zh = "合计".into();
        rows.push(row);
    }
    for (month, t) in by_month {
        let mut row = t.finish();
        row.month = month;
        row.department = "*".into();
        row.matter_id = "*".into();
        row.matter_zh = "全厅合计".into();
        rows.push(row);
    }
    CaseReport { from, to, rows }
}

fn by_matter_finish(t: &Tally) -> CaseReportRow {
    Tally {
        row: t.row.clone(),
        days_sum: t.days_sum,
        committed_sum: t.committed_sum,
        legal_sum: t.legal_sum,
        legal_n: t.legal_n,
    }
    .finish()
}

/// The report as CSV (UTF-8 with a BOM, text cells neutralised).
pub fn case_report_csv(r: &CaseReport) -> String {
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.2}")).unwrap_or_default();
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "month",
        "department",
        "department_zh",
        "matter_id",
        "matter",
        "accepted",
        "finished",
        "on_the_spot",
        "on_the_spot_rate",
        "on_time",
        "on_time_rate",
        "avg_working_days",
        "committed_limit_days",
        "legal_limit_days",
        "overdue",
        "not_accepted_or_withdrawn",
    ];
    let _ = w.write_record(header);
    for row in &r.rows {
        let n = super::reports::neutralise;
        let _ = w.write_record([
            n(&row.month),
            n(&row.department),
            n(&row.department_zh),
            n(&row.matter_id),
            n(&row.matter_zh),
            row.accepted.to_string(),
            row.finished.to_string(),
            row.on_the_spot.to_string(),
            opt(row.on_the_spot_rate),
            row.on_time.to_string(),
            opt(row.on_time_rate),
            opt(row.avg_working_days),
            opt(row.committed_limit_days),
            opt(row.legal_limit_days),
            row.overdue.to_string(),
            row.not_accepted_or_withdrawn.to_string(),
        ]);
    }
    let body = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&body))
}

/// Cases by month, department and matter: accepted, finished, on-the-spot
/// rate, on-time rate, average working days against the committed and
/// legal limits, overdue. JSON or CSV.
#[utoipa::path(get, path = "/api/v1/admin/reports/cases", tag = "cases", params(CaseReportQuery),
    responses((status = 200, description = "The report (JSON, or CSV with format=csv)",
            content((CaseReport = "application/json"), (String = "text/csv"))),
        (status = 422, description = "Bad dates or format", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_cases_report(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<CaseReportQuery>,
) -> Result<Response, AppError> {
    caller.admin()?;
    let today = today(&state);
    let from: Date = match &q.from {
        Some(s) => query_day(s)?,
        None => today.first_of_month(),
    };
    let to: Date = match &q.to {
        Some(s) => query_day(s)?,
        None => today,
    };
    let (from, to) = day_range(from, to, 3 * 366)?;
    if !matches!(q.format.as_deref(), None | Some("json" | "csv")) {
        return Err(AppError::invalid(
            "invalid_format",
            "use json or csv",
            "导出格式应为 json 或 csv",
        ));
    }
    let cases = state
        .readers
        .call_report(move |s| s.cases_accepted(from, to))
        .await?;
    let calendar = state.engine.view().read(|e, _| e.config().calendar.clone());
    let mut report = case_report(&cases, &calendar, today, from, to);
    let names: BTreeMap<String, String> = state.engine.view().read(|e, _| {
        e.config()
            .departments
            .iter()
            .map(|d| (d.id.to_string(), d.name_zh.clone()))
            .collect()
    });
    for row in &mut report.rows {
        row.department_zh = match names.get(&row.department) {
            Some(n) => n.clone(),
            None if row.department == "*" => "全厅".into(),
            None => row.department.clone(),
        };
    }
    if q.format.as_deref() == Some("csv") {
        let name = format!("attachment; filename=\"banli-cases-{from}-{to}.csv\"");
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, name),
            ],
            case_report_csv(&report),
        )
            .into_response());
    }
    Ok(AppJson(report).into_response())
}

/// Which acceptance dates to export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// First acceptance date, `YYYY-MM-DD`; default the first of this month.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last acceptance date; default today.
    #[param(format = Date)]
    pub to: Option<String>,
}

/// Every step of the cases accepted in a period as CSV, one line a step,
/// with the national codes of GB/T 39046: the matter's type (1 即办件,
/// 2 承诺件), the status (3 已受理 … 14 撤回; 取件 has none) and the result
/// (1 通过, 2 退回, 9 其他). Banli's own names stay beside them. This is
/// the one place the codes are produced; inside Banli the named types are
/// used ([`banli_core::case::CaseStatus`]).
#[utoipa::path(get, path = "/api/v1/admin/cases/export", tag = "cases", params(ExportQuery),
    responses((status = 200, description = "CSV, one line per step, with GB/T 39046 codes", content_type = "text/csv"),
        (status = 422, description = "Bad dates", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_cases_export(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<ExportQuery>,
) -> Result<Response, AppError> {
    caller.admin()?;
    let today = today(&state);
    let from: Date = match &q.from {
        Some(s) => query_day(s)?,
        None => today.first_of_month(),
    };
    let to: Date = match &q.to {
        Some(s) => query_day(s)?,
        None => today,
    };
    let (from, to) = day_range(from, to, 3 * 366)?;
    let (cases, steps) = state
        .readers
        .call_report(move |s| {
            Ok((
                s.cases_accepted(from, to)?,
                s.case_steps_accepted(from, to)?,
            ))
        })
        .await?;
    let (calendar, region, tz) = state.engine.view().read(|e, _| {
        (
            e.config().calendar.clone(),
            e.config().cases.region_code.clone(),
            banli_core::jiff::tz::TimeZone::get(&e.config().hall.timezone)
                .unwrap_or(banli_core::jiff::tz::TimeZone::UTC),
        )
    });
    let by_id: BTreeMap<u64, &StoredCase> = cases.iter().map(|c| (c.record.id, c)).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "region_code",
        "case_no",
        "matter_id",
        "matter_name",
        "matter_type_code",
        "department",
        "accepted_at",
        "committed_due_on",
        "step_at",
        "status_code",
        "status",
        "result_code",
        "handler",
    ]);
    let n = super::reports::neutralise;
    for (case_id, step) in &steps {
        let Some(c) = by_id.get(case_id) else {
            continue;
        };
        let r = &c.record;
        let due = c.decided_due_on.or_else(|| {
            r.deadline(&calendar)
                .ok()
                .and_then(banli_core::calendar::Deadline::due_date)
        });
        let time = |t: Timestamp| {
            t.to_zoned_datetime(tz.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        };
        let _ = w.write_record([
            n(&region),
            n(&r.case_no),
            n(&r.matter.id),
            n(&r.matter.name_zh),
            r.matter.kind.gb_code().to_string(),
            n(r.matter.department.as_str()),
            time(r.accepted_at),
            due.map(|d| d.to_string()).unwrap_or_default(),
            time(step.at),
            step.status
                .gb_code()
                .map(|c| c.to_string())
                .unwrap_or_default(),
            step.status.name_zh().to_owned(),
            step.result.gb_code().to_string(),
            n(&step.actor),
        ]);
    }
    let body = w.into_inner().unwrap_or_default();
    let name = format!("attachment; filename=\"banli-cases-gbt39046-{from}-{to}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        format!("\u{feff}{}", String::from_utf8_lossy(&body)),
    )
        .into_response())
}
