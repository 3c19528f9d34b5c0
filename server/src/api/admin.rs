//! `/admin/…`: administrators configure the hall (services, counters,
//! departments, rules), manage staff accounts and device tokens, record
//! appointments and read the audit log.
//!
//! Hall configuration changes are engine commands: they are validated by
//! the engine, journaled (with who and what, which also fills the audit
//! log) and take effect at once; subscribers get a `config_changed` event.
//! Account and device changes are written to their tables with an audit
//! entry. Every route here requires an administrator.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use banli_core::config::{Counter, Department, HallConfig, HallInfo, Notice, Rules, Service};
use banli_core::engine::{Appointment, Command};
use banli_core::ids::{CounterId, DepartmentId, ServiceId};
use banli_core::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use super::extract::{AppJson, AppPath, AppQuery, Caller};
use crate::AppState;
use crate::auth::{MIN_PASSWORD_LEN, hash_password, new_token, token_hash};
use crate::store::AuditEntry;
use crate::store::accounts::{Device, DeviceKind, Role, StaffAccount};
use banli_core::staff_no::{MAX_CHARS as MAX_STAFF_NO, StaffNo, StaffNoError};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/config",
            get(admin_config_show).put(admin_config_replace),
        )
        .route("/admin/hall", get(admin_hall_show).put(admin_hall_update))
        .route(
            "/admin/rules",
            get(admin_rules_show).put(admin_rules_update),
        )
        .route("/admin/services", get(admin_services_list))
        .route(
            "/admin/services/{id}",
            put(admin_services_put).delete(admin_services_delete),
        )
        .route("/admin/counters", get(admin_counters_list))
        .route(
            "/admin/counters/{id}",
            put(admin_counters_put).delete(admin_counters_delete),
        )
        .route("/admin/departments", get(admin_departments_list))
        .route(
            "/admin/departments/{id}",
            put(admin_departments_put).delete(admin_departments_delete),
        )
        .route("/admin/staff", get(admin_staff_list))
        .route(
            "/admin/staff/{username}",
            put(admin_staff_put).delete(admin_staff_delete),
        )
        .route(
            "/admin/devices",
            get(admin_devices_list).post(admin_devices_create),
        )
        .route(
            "/admin/devices/{id}",
            axum::routing::delete(admin_devices_revoke),
        )
        .route(
            "/admin/appointments",
            get(admin_appointments_list).post(admin_appointments_create),
        )
        .route(
            "/admin/appointments/{code}",
            axum::routing::delete(admin_appointments_delete),
        )
        .route("/admin/audit", get(admin_audit_list))
        .route(
            "/admin/notices",
            get(admin_notices_show).put(admin_notices_update),
        )
        .route(
            "/admin/calendar",
            get(admin_calendar_show).put(admin_calendar_import),
        )
}

/// The hall's working-day calendar: its years, and the same as text.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CalendarView {
    /// Years with a calendar, oldest first.
    pub years: Vec<i16>,
    /// The whole calendar in its text form (one line per run of days:
    /// `2026-02-15..2026-02-23 休 春节`), to read or edit and import back.
    pub text: String,
}

/// Text to import into the calendar.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarImport {
    /// Calendar text: `[2027]` lines start a year, then one line per date or
    /// range with 休 (holiday) or 班 (make-up working day) and a name. Each
    /// year named replaces that year's calendar as a whole; other years
    /// stay.
    #[schema(max_length = 100_000)]
    pub text: String,
}

fn calendar_view(calendar: &banli_core::calendar::WorkCalendar) -> CalendarView {
    CalendarView {
        years: calendar.years().collect(),
        text: calendar.to_text(),
    }
}

/// The hall's working-day calendar (holidays and make-up working days).
#[utoipa::path(get, path = "/api/v1/admin/calendar", tag = "admin",
    responses((status = 200, description = "The calendar", body = CalendarView)), security(("bearer" = [])))]
pub async fn admin_calendar_show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<CalendarView>, AppError> {
    Ok(AppJson(calendar_view(
        &read_config(&state, &caller).await?.calendar,
    )))
}

/// Imports calendar text: each year it names replaces that year, as a whole.
/// Nothing changes if any line is wrong; every wrong line is named.
#[utoipa::path(put, path = "/api/v1/admin/calendar", tag = "admin", request_body = CalendarImport,
    responses((status = 200, description = "Imported", body = CalendarView),
        (status = 422, description = "Wrong lines; `fields` names each (`line 3`)", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_calendar_import(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(import): AppJson<CalendarImport>,
) -> Result<AppJson<CalendarView>, AppError> {
    let mut calendar = read_config(&state, &caller).await?.calendar;
    if let Err(errors) = calendar.import_text(&import.text) {
        let mut e = AppError::invalid(
            "invalid_calendar",
            format!(
                "the calendar text has {} wrong line(s); nothing was changed",
                errors.0.len()
            ),
            format!("工作日历有 {} 行有误，未作任何更改", errors.0.len()),
        );
        e.fields = errors
            .0
            .iter()
            .map(|l| banli_core::config::ConfigIssue {
                field: format!("line {}", l.line),
                message: format!("{} / {}", l.problem, l.message_zh()),
            })
            .collect();
        return Err(e);
    }
    let config = configure(&state, &caller, move |actor| Command::SetCalendar {
        calendar,
        actor,
    })
    .await?;
    Ok(AppJson(calendar_view(&config.calendar)))
}

/// Runs a configuration command and answers with the configuration after it.
async fn configure(
    state: &AppState,
    caller: &Caller,
    make: impl FnOnce(String) -> Command + Send + 'static,
) -> Result<HallConfig, AppError> {
    let actor = caller.admin()?.actor();
    let command = make(actor);
    guide_keeps_its_departments(state, &command).await?;
    state.engine.command(command).await?;
    Ok(state
        .engine
        .view()
        .read(|engine, _| engine.config().clone()))
}

/// Refuses a change that would leave service-guide items under a
/// department that no longer exists (the kiosk browses the guide by
/// department, so such items could no longer be found). Items linked to a
/// removed service need no refusal: the guide is served without the link.
async fn guide_keeps_its_departments(state: &AppState, command: &Command) -> Result<(), AppError> {
    let gone: Vec<DepartmentId> = match command {
        Command::RemoveDepartment { department_id, .. } => vec![department_id.clone()],
        Command::ReplaceConfig { config, .. } => state.engine.view().read(|engine, _| {
            engine
                .config()
                .departments
                .iter()
                .filter(|d| !config.departments.iter().any(|n| n.id == d.id))
                .map(|d| d.id.clone())
                .collect()
        }),
        _ => return Ok(()),
    };
    if gone.is_empty() {
        return Ok(());
    }
    let guide = state.readers.call(|s| s.guide()).await?;
    let orphans: Vec<&str> = guide
        .items
        .iter()
        .filter(|i| gone.contains(&i.department))
        .map(|i| i.name_zh.as_str())
        .collect();
    if orphans.is_empty() {
        return Ok(());
    }
    let list = orphans.join("、");
    Err(AppError::new(
        StatusCode::CONFLICT,
        "department_in_use",
        format!(
            "the service guide still has {} item(s) under this department: {list}; move or delete them first",
            orphans.len()
        ),
        format!(
            "办事指南中仍有{}个事项属于该部门：{list}。请先移动或删除这些事项",
            orphans.len()
        ),
    ))
}

async fn read_config(state: &AppState, caller: &Caller) -> Result<HallConfig, AppError> {
    caller.admin()?;
    Ok(state
        .engine
        .view()
        .read(|engine, _| engine.config().clone()))
}

fn id_mismatch(path: &str, body: &str) -> AppError {
    AppError::invalid(
        "id_mismatch",
        format!("the path names {path:?} but the body has id {body:?}"),
        "地址与内容中的编号不一致",
    )
}

/// The whole hall configuration.
#[utoipa::path(get, path = "/api/v1/admin/config", tag = "admin",
    responses((status = 200, description = "Configuration", body = HallConfig)), security(("bearer" = [])))]
pub async fn admin_config_show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<HallConfig>, AppError> {
    Ok(AppJson(read_config(&state, &caller).await?))
}

/// Replace the whole hall configuration (what `--config hall.toml` does).
#[utoipa::path(put, path = "/api/v1/admin/config", tag = "admin", request_body = HallConfig,
    responses((status = 200, description = "Applied", body = HallConfig),
        (status = 422, description = "Invalid; `fields` names each problem", body = banli_core::wire::ApiError),
        (status = 409, description = "Would remove a service or counter in use", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_config_replace(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(config): AppJson<HallConfig>,
) -> Result<AppJson<HallConfig>, AppError> {
    Ok(AppJson(
        configure(&state, &caller, move |actor| Command::ReplaceConfig {
            config: Box::new(config),
            actor,
        })
        .await?,
    ))
}

/// The hall's name, time zone and roll-over time.
#[utoipa::path(get, path = "/api/v1/admin/hall", tag = "admin",
    responses((status = 200, description = "Hall", body = HallInfo)), security(("bearer" = [])))]
pub async fn admin_hall_show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<HallInfo>, AppError> {
    Ok(AppJson(read_config(&state, &caller).await?.hall))
}

/// Change the hall's name, time zone or roll-over time.
#[utoipa::path(put, path = "/api/v1/admin/hall", tag = "admin", request_body = HallInfo,
    responses((status = 200, description = "Applied", body = HallInfo),
        (status = 422, description = "Invalid", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_hall_update(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(hall): AppJson<HallInfo>,
) -> Result<AppJson<HallInfo>, AppError> {
    Ok(AppJson(
        configure(&state, &caller, move |actor| Command::SetHallInfo {
            hall,
            actor,
        })
        .await?
        .hall,
    ))
}

/// The queue rules.
#[utoipa::path(get, path = "/api/v1/admin/rules", tag = "admin",
    responses((status = 200, description = "Rules", body = Rules)), security(("bearer" = [])))]
pub async fn admin_rules_show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<Rules>, AppError> {
    Ok(AppJson(read_config(&state, &caller).await?.rules))
}

/// Change the queue rules (fairness burst, recall limit, re-queue, transfer
/// position, appointment window, default hours).
#[utoipa::path(put, path = "/api/v1/admin/rules", tag = "admin", request_body = Rules,
    responses((status = 200, description = "Applied", body = Rules),
        (status = 422, description = "Invalid", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_rules_update(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(rules): AppJson<Rules>,
) -> Result<AppJson<Rules>, AppError> {
    Ok(AppJson(
        configure(&state, &caller, move |actor| Command::SetRules {
            rules,
            actor,
        })
        .await?
        .rules,
    ))
}

/// The notices the boards scroll.
#[utoipa::path(get, path = "/api/v1/admin/notices", tag = "admin",
    responses((status = 200, description = "Notices", body = Vec<Notice>)), security(("bearer" = [])))]
pub async fn admin_notices_show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<Vec<Notice>>, AppError> {
    Ok(AppJson(read_config(&state, &caller).await?.notices))
}

/// Replace the notices the boards scroll; boards show them at once.
#[utoipa::path(put, path = "/api/v1/admin/notices", tag = "admin", request_body = Vec<Notice>,
    responses((status = 200, description = "Applied", body = Vec<Notice>),
        (status = 422, description = "Invalid", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_notices_update(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(notices): AppJson<Vec<Notice>>,
) -> Result<AppJson<Vec<Notice>>, AppError> {
    Ok(AppJson(
        configure(&state, &caller, move |actor| Command::SetNotices {
            notices,
            actor,
        })
        .await?
        .notices,
    ))
}

/// Every service.
#[utoipa::path(get, path = "/api/v1/admin/services", tag = "admin",
    responses((status = 200, description = "Services", body = Vec<Service>)), security(("bearer" = [])))]
pub async fn admin_services_list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<Vec<Service>>, AppError> {
    Ok(AppJson(read_config(&state, &caller).await?.services))
}

/// Add a service or replace the one with this id.
#[utoipa::path(put, path = "/api/v1/admin/services/{id}", tag = "admin", request_body = Service,
    params(("id" = String, Path, description = "Service id")),
    responses((status = 200, description = "Saved", body = Service),
        (status = 422, description = "Invalid; `fields` names each problem", body = banli_core::wire::ApiError),
        (status = 409, description = "Prefix change on a day with tickets", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_services_put(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
    AppJson(service): AppJson<Service>,
) -> Result<AppJson<Service>, AppError> {
    if service.id.as_str() != id {
        return Err(id_mismatch(&id, service.id.as_str()));
    }
    let config = configure(&state, &caller, move |actor| Command::UpsertService {
        service,
        actor,
    })
    .await?;
    config
        .service(&ServiceId::from(id))
        .cloned()
        .map(AppJson)
        .ok_or_else(|| AppError::not_found("service"))
}

/// Remove a service that has no open tickets and no counter serving it.
#[utoipa::path(delete, path = "/api/v1/admin/services/{id}", tag = "admin",
    params(("id" = String, Path, description = "Service id")),
    responses((status = 204, description = "Removed"),
        (status = 409, description = "Still in use", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_services_delete(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, AppError> {
    configure(&state, &caller, move |actor| Command::RemoveService {
        service_id: ServiceId::from(id),
        actor,
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every counter.
#[utoipa::path(get, path = "/api/v1/admin/counters", tag = "admin",
    responses((status = 200, description = "Counters", body = Vec<Counter>)), security(("bearer" = [])))]
pub async fn admin_counters_list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<Vec<Counter>>, AppError> {
    Ok(AppJson(read_config(&state, &caller).await?.counters))
}

/// Add a counter or replace the one with this number.
#[utoipa::path(put, path = "/api/v1/admin/counters/{id}", tag = "admin", request_body = Counter,
    params(("id" = u32, Path, description = "Counter number")),
    responses((status = 200, description = "Saved", body = Counter),
        (status = 422, description = "Invalid; `fields` names each problem", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_counters_put(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<u32>,
    AppJson(counter): AppJson<Counter>,
) -> Result<AppJson<Counter>, AppError> {
    if counter.id.0 != id {
        return Err(id_mismatch(&id.to_string(), &counter.id.to_string()));
    }
    let config = configure(&state, &caller, move |actor| Command::UpsertCounter {
        counter,
        actor,
    })
    .await?;
    config
        .counter(CounterId(id))
        .cloned()
        .map(AppJson)
        .ok_or_else(|| AppError::not_found("counter"))
}

/// Remove a counter that is not serving anyone.
#[utoipa::path(delete, path = "/api/v1/admin/counters/{id}", tag = "admin",
    params(("id" = u32, Path, description = "Counter number")),
    responses((status = 204, description = "Removed"),
        (status = 409, description = "Serving a ticket", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_counters_delete(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<u32>,
) -> Result<StatusCode, AppError> {
    configure(&state, &caller, move |actor| Command::RemoveCounter {
        counter_id: CounterId(id),
        actor,
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every department.
#[utoipa::path(get, path = "/api/v1/admin/departments", tag = "admin",
    responses((status = 200, description = "Departments", body = Vec<Department>)), security(("bearer" = [])))]
pub async fn admin_departments_list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<Vec<Department>>, AppError> {
    Ok(AppJson(read_config(&state, &caller).await?.departments))
}

/// Add a department or replace the one with this id.
#[utoipa::path(put, path = "/api/v1/admin/departments/{id}", tag = "admin", request_body = Department,
    params(("id" = String, Path, description = "Department id")),
    responses((status = 200, description = "Saved", body = Department),
        (status = 422, description = "Invalid", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_departments_put(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
    AppJson(department): AppJson<Department>,
) -> Result<AppJson<Department>, AppError> {
    if department.id.as_str() != id {
        return Err(id_mismatch(&id, department.id.as_str()));
    }
    let config = configure(&state, &caller, move |actor| Command::UpsertDepartment {
        department,
        actor,
    })
    .await?;
    config
        .departments
        .into_iter()
        .find(|d| d.id.as_str() == id)
        .map(AppJson)
        .ok_or_else(|| AppError::not_found("department"))
}

/// Remove a department no service or counter belongs to.
#[utoipa::path(delete, path = "/api/v1/admin/departments/{id}", tag = "admin",
    params(("id" = String, Path, description = "Department id")),
    responses((status = 204, description = "Removed"),
        (status = 409, description = "Still in use", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_departments_delete(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, AppError> {
    configure(&state, &caller, move |actor| Command::RemoveDepartment {
        department_id: DepartmentId(id),
        actor,
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- Staff accounts ---------------------------------------------------------

/// Create or update a staff account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffUpsert {
    /// Name shown on the console: 1 to 32 characters, not only spaces.
    #[schema(min_length = 1, max_length = 32, pattern = r"\S")]
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Counters a staff member may operate.
    #[serde(default)]
    pub counters: Vec<u32>,
    /// New password (8 to 256 characters); required for a new account,
    /// optional otherwise.
    #[serde(default)]
    #[schema(min_length = 8, max_length = 256)]
    pub password: Option<String>,
    /// Disable the account (ends its sessions).
    #[serde(default)]
    pub disabled: bool,
    /// Staff number (工号) the rating pad may show citizens: 1 to 20
    /// characters, no spaces or control characters, unique across accounts
    /// ignoring ASCII case (409 `staff_no_taken` names the account that has
    /// it). Absent or null: the account has none (this replaces the
    /// account as a whole, like every field here).
    #[serde(default)]
    // The pattern is banli_core::staff_no::PATTERN (utoipa takes only a
    // literal; server/tests/staff_no.rs checks they agree).
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = r"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]{1,20}$",
        example = "0231"
    )]
    pub staff_no: Option<String>,
}

/// Longest password: argon2 runs on every login, so its input is bounded.
const MAX_PASSWORD_LEN: usize = 256;

fn valid_username(s: &str) -> bool {
    (2..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// Every staff account.
#[utoipa::path(get, path = "/api/v1/admin/staff", tag = "admin",
    responses((status = 200, description = "Accounts", body = Vec<StaffAccount>)), security(("bearer" = [])))]
pub async fn admin_staff_list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<Vec<StaffAccount>>, AppError> {
    caller.admin()?;
    Ok(AppJson(state.readers.call(|s| s.staff_list()).await?))
}

/// Create a staff account, or update one (a new password or disabling it
/// ends its sessions).
#[utoipa::path(put, path = "/api/v1/admin/staff/{username}", tag = "admin", request_body = StaffUpsert,
    params(("username" = String, Path, description = "Login name: 2 to 32 of a-z, A-Z, 0-9, _ . -",
        pattern = r"^[A-Za-z0-9_.-]{2,32}$")),
    responses((status = 200, description = "Saved", body = StaffAccount),
        (status = 422, description = "Invalid", body = banli_core::wire::ApiError),
        (status = 409, description = "Would leave the hall without an administrator (`last_admin`), or the staff number is another account's (`staff_no_taken`)", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_staff_put(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(username): AppPath<String>,
    AppJson(req): AppJson<StaffUpsert>,
) -> Result<AppJson<StaffAccount>, AppError> {
    let actor = caller.admin()?.actor();
    if !valid_username(&username) {
        return Err(AppError::invalid(
            "invalid_username",
            "use 2-32 of a-z, A-Z, 0-9, _ . -",
            "用户名须为2-32位字母、数字或 _ . -",
        ));
    }
    if req.display_name.trim().is_empty() || req.display_name.chars().count() > 32 {
        return Err(AppError::invalid(
            "invalid_display_name",
            "display_name must be 1-32 characters",
            "姓名须为1-32个字",
        ));
    }
    if let Some(p) = &req.password
        && !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&p.chars().count())
    {
        return Err(AppError::invalid(
            "weak_password",
            format!("passwords need {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters"),
            format!("密码须为{MIN_PASSWORD_LEN}-{MAX_PASSWORD_LEN}位"),
        ));
    }
    let staff_no = req
        .staff_no
        .as_deref()
        .map(StaffNo::parse)
        .transpose()
        .map_err(|e| match e {
            StaffNoError::Length => AppError::invalid(
                "invalid_staff_no",
                format!("a staff number has 1 to {MAX_STAFF_NO} characters"),
                format!("工号须为1-{MAX_STAFF_NO}个字符"),
            ),
            StaffNoError::Character => AppError::invalid(
                "invalid_staff_no",
                "a staff number has no spaces or control characters",
                "工号不能含空格或控制字符",
            ),
        })?;
    let counters: Vec<CounterId> = req.counters.iter().copied().map(CounterId).collect();
    let check = counters.clone();
    let unknown = state.engine.view().read(move |engine, _| {
        check
            .into_iter()
            .find(|c| engine.config().counter(*c).is_none())
    });
    if let Some(c) = unknown {
        return Err(AppError::invalid(
            "unknown_counter",
            format!("there is no counter {c}"),
            format!("没有{c}号窗口"),
        ));
    }
    let account = StaffAccount {
        username: username.clone(),
        display_name: req.display_name.trim().to_owned(),
        role: req.role,
        counters,
        disabled: req.disabled,
        staff_no,
    };
    let password_changed = req.password.is_some();
    let hash = match req.password {
        Some(p) => Some(
            tokio::task::spawn_blocking(move || hash_password(&p))
                .await
                .map_err(|e| AppError::internal(&e))?
                .map_err(|e| AppError::internal(&e))?,
        ),
        None => None,
    };
    let now = state.clock.now().as_millisecond();
    let a = account.clone();
    let demotes_admin = a.role != Role::Admin || a.disabled;
    let result = state
        .store
        .call(move |s| -> Result<Result<bool, AppError>, crate::store::StoreError> {
            let existing = s.staff(&a.username)?;
            if existing.is_none() && hash.is_none() {
                return Ok(Err(AppError::invalid("password_required", "a new account needs a password", "新账号需要设置密码")));
            }
            let was_admin = existing.as_ref().is_some_and(|(e, _)| e.role == Role::Admin && !e.disabled);
            if was_admin && demotes_admin && s.admin_count()? <= 1 {
                return Ok(Err(last_admin()));
            }
            if let Some(no) = &a.staff_no
                && let Some(holder) = s.staff_no_holder(no, &a.username)?
            {
                return Ok(Err(staff_no_taken(no, &holder)));
            }
            let created = s.staff_upsert(&a, hash.as_deref(), now)?;
            let detail = serde_json::json!({"role": a.role, "counters": a.counters, "disabled": a.disabled,
                "staff_no": a.staff_no, "password_changed": hash.is_some()}).to_string();
            s.audit(now, &actor, if created { "staff_created" } else { "staff_updated" }, &a.username, &detail)?;
            Ok(Ok(created))
        })
        .await??;
    let _created = result;
    // A new password or a disabled account ends every session (the store
    // deleted them above; streams close); otherwise the sessions carry
    // the new role and counters at once.
    if password_changed || account.disabled {
        state.auth.end_sessions(&username);
    } else {
        state.auth.refresh_account(&account);
    }
    Ok(AppJson(account))
}

/// 409 `staff_no_taken`, naming the account that has the number.
fn staff_no_taken(no: &StaffNo, holder: &StaffAccount) -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        "staff_no_taken",
        format!(
            "staff number {no} is already {}'s ({})",
            holder.username, holder.display_name
        ),
        format!(
            "工号 {no} 已由账号 {}（{}）使用",
            holder.username, holder.display_name
        ),
    )
}

fn last_admin() -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        "last_admin",
        "the hall must keep at least one enabled administrator",
        "至少须保留一个管理员账号",
    )
}

/// Delete a staff account (its sessions end).
#[utoipa::path(delete, path = "/api/v1/admin/staff/{username}", tag = "admin",
    params(("username" = String, Path, description = "Login name")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such account", body = banli_core::wire::ApiError),
        (status = 409, description = "The last administrator", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_staff_delete(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(username): AppPath<String>,
) -> Result<StatusCode, AppError> {
    let actor = caller.admin()?.actor();
    let now = state.clock.now().as_millisecond();
    let u = username.clone();
    state
        .store
        .call(
            move |s| -> Result<Result<(), AppError>, crate::store::StoreError> {
                let Some((a, _)) = s.staff(&u)? else {
                    return Ok(Err(AppError::not_found("account")));
                };
                if a.role == Role::Admin && !a.disabled && s.admin_count()? <= 1 {
                    return Ok(Err(last_admin()));
                }
                s.staff_delete(&u)?;
                s.audit(now, &actor, "staff_deleted", &u, "")?;
                Ok(Ok(()))
            },
        )
        .await??;
    state.auth.end_sessions(&username);
    Ok(StatusCode::NO_CONTENT)
}

// ----- Devices ----------------------------------------------------------------

/// Register a device.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceCreate {
    /// Unique name: `kiosk-1F-east`; 1 to 64 characters, not only
    /// spaces (spaces around it are dropped).
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub name: String,
    /// Kind.
    pub kind: DeviceKind,
    /// The counter a pad faces (required for a pad, refused for others).
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub counter_id: Option<banli_core::ids::CounterId>,
}

/// A registered device with its token, shown this once.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeviceCreated {
    /// The device.
    #[serde(flatten)]
    pub device: Device,
    /// Its bearer token. Only its hash is kept: copy it now.
    pub token: String,
}

/// A device with whether it is connected now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceListed {
    /// The device.
    #[serde(flatten)]
    pub device: Device,
    /// Whether it holds an open event stream now (boards, kiosks).
    pub online: bool,
}

/// Every device, revoked ones included, with its last report and whether
/// it is connected.
#[utoipa::path(get, path = "/api/v1/admin/devices", tag = "admin",
    responses((status = 200, description = "Devices", body = Vec<DeviceListed>)), security(("bearer" = [])))]
pub async fn admin_devices_list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<Vec<DeviceListed>>, AppError> {
    caller.admin()?;
    let devices = state.readers.call(|s| s.devices()).await?;
    let online = state
        .online
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    Ok(AppJson(
        devices
            .into_iter()
            .map(|device| DeviceListed {
                online: online.contains_key(&device.id),
                device,
            })
            .collect(),
    ))
}

/// Register a kiosk, board or monitor and issue its token.
#[utoipa::path(post, path = "/api/v1/admin/devices", tag = "admin", request_body = DeviceCreate,
    responses((status = 201, description = "Registered; the token is shown only now", body = DeviceCreated),
        (status = 409, description = "The name is taken", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_devices_create(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(req): AppJson<DeviceCreate>,
) -> Result<(StatusCode, AppJson<DeviceCreated>), AppError> {
    let actor = caller.admin()?.actor();
    if req.name.chars().count() > 64 {
        return Err(bad_device_name());
    }
    let created =
        create_device_for(&state, &actor, req.name.trim(), req.kind, req.counter_id).await?;
    Ok((StatusCode::CREATED, AppJson(created)))
}

fn bad_device_name() -> AppError {
    AppError::invalid(
        "invalid_name",
        "a device name has 1-64 characters",
        "设备名称须为1-64个字",
    )
}

/// Registers a device and caches its token (also used by the demo hall).
///
/// # Errors
/// 422 for a bad name, 409 for a taken one.
pub async fn create_device(
    state: &AppState,
    actor: &str,
    name: &str,
    kind: DeviceKind,
) -> Result<DeviceCreated, AppError> {
    create_device_for(state, actor, name, kind, None).await
}

/// Registers a device, bound to a counter if it is a pad.
///
/// # Errors
/// 422 for a bad name or a pad without an existing counter (or another
/// device with one), 409 for a taken name.
pub async fn create_device_for(
    state: &AppState,
    actor: &str,
    name: &str,
    kind: DeviceKind,
    counter_id: Option<banli_core::ids::CounterId>,
) -> Result<DeviceCreated, AppError> {
    crate::api::pad::check_binding(state, kind, counter_id)?;
    if name.is_empty() || name.chars().count() > 64 {
        return Err(bad_device_name());
    }
    let token = new_token("d_");
    let hash = token_hash(&token);
    let now = state.clock.now().as_millisecond();
    let (n, h, a) = (name.to_owned(), hash.clone(), actor.to_owned());
    let device = state
        .store
        .call(
            move |s| -> Result<Option<Device>, crate::store::StoreError> {
                if s.device_by_name(&n)?.is_some() {
                    return Ok(None);
                }
                let d = s.device_insert(&n, kind, counter_id, &h, now)?;
                s.audit(now, &a, "device_created", &n, &format!("{kind:?}"))?;
                Ok(Some(d))
            },
        )
        .await?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::CONFLICT,
                "duplicate_name",
                "a device has this name already",
                "设备名称已存在",
            )
        })?;
    state.auth.insert_device(hash, device.clone());
    Ok(DeviceCreated { device, token })
}

/// Revoke a device's token.
#[utoipa::path(delete, path = "/api/v1/admin/devices/{id}", tag = "admin",
    params(("id" = i64, Path, description = "Device id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such device", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_devices_revoke(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, AppError> {
    let actor = caller.admin()?.actor();
    let now = state.clock.now().as_millisecond();
    let device = state
        .store
        .call(move |s| {
            let d = s.device_revoke(id, now)?;
            if let Some(d) = &d {
                s.audit(now, &actor, "device_revoked", &d.name, "")?;
            }
            Ok(d)
        })
        .await?;
    if device.is_none() {
        return Err(AppError::not_found("device"));
    }
    state.auth.remove_device(id);
    Ok(StatusCode::NO_CONTENT)
}

// ----- Appointments -------------------------------------------------------------

/// Record a booking.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentCreate {
    /// The code the citizen holds: 1 to 64 characters, not only spaces.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub code: String,
    /// The service booked.
    #[schema(value_type = String)]
    pub service_id: ServiceId,
    /// The booked time.
    #[schema(value_type = String, format = DateTime)]
    pub slot: Timestamp,
}

/// Bookings not yet past.
#[utoipa::path(get, path = "/api/v1/admin/appointments", tag = "admin",
    responses((status = 200, description = "Bookings", body = Vec<Appointment>)), security(("bearer" = [])))]
pub async fn admin_appointments_list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<Vec<Appointment>>, AppError> {
    caller.admin()?;
    let mut list = state.engine.view().read(|engine, _| {
        engine
            .state()
            .appointments
            .values()
            .cloned()
            .collect::<Vec<_>>()
    });
    list.sort_by(|a, b| a.slot.cmp(&b.slot).then_with(|| a.code.cmp(&b.code)));
    Ok(AppJson(list))
}

/// Record a booking so that it can be checked in at a kiosk.
#[utoipa::path(post, path = "/api/v1/admin/appointments", tag = "admin", request_body = AppointmentCreate,
    responses((status = 201, description = "Recorded"),
        (status = 404, description = "No such service (`unknown_service`)", body = banli_core::wire::ApiError),
        (status = 409, description = "The code exists, or the service takes no appointments", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_appointments_create(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(req): AppJson<AppointmentCreate>,
) -> Result<StatusCode, AppError> {
    if req.code.trim().is_empty() || req.code.chars().count() > 64 {
        return Err(AppError::invalid(
            "invalid_body",
            "an appointment code has 1-64 characters",
            "预约码须为1-64位",
        ));
    }
    configure(&state, &caller, move |actor| Command::BookAppointment {
        code: req.code,
        service_id: req.service_id,
        slot: req.slot,
        actor,
    })
    .await?;
    Ok(StatusCode::CREATED)
}

/// Drop a booking that was not checked in.
#[utoipa::path(delete, path = "/api/v1/admin/appointments/{code}", tag = "admin",
    params(("code" = String, Path, description = "Booking code")),
    responses((status = 204, description = "Dropped"), (status = 404, description = "No such booking", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_appointments_delete(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(code): AppPath<String>,
) -> Result<StatusCode, AppError> {
    configure(&state, &caller, move |actor| Command::CancelAppointment {
        code,
        actor,
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- Audit log ----------------------------------------------------------------

/// Paging of the audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// At most this many entries, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Only entries with a smaller id (the next page).
    #[param(minimum = 1, maximum = 9_007_199_254_740_991_i64)]
    pub before: Option<i64>,
}

/// Who changed what, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, description = "Entries", body = Vec<AuditEntry>)), security(("bearer" = [])))]
pub async fn admin_audit_list(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<AuditQuery>,
) -> Result<AppJson<Vec<AuditEntry>>, AppError> {
    caller.admin()?;
    // Ids a JavaScript number holds exactly, as the document says.
    if q.before
        .is_some_and(|b| !(1..=9_007_199_254_740_991).contains(&b))
    {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "before must be 1 to 2^53 − 1",
            "查询参数 before 有误",
        ));
    }
    if q.limit.is_some_and(|l| !(1..=1000).contains(&l)) {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "limit must be 1 to 1000",
            "查询参数 limit 须为 1 到 1000",
        ));
    }
    let limit = q.limit.unwrap_or(100);
    Ok(AppJson(
        state
            .readers
            .call(move |s| s.audit_log(limit, q.before))
            .await?,
    ))
}
