//! `/admin/whatif` and `/admin/staffing`: the hall director's questions
//! to the simulator, asked from the admin console. What would the waits
//! be with one more counter, another policy, other hours? How many
//! counters does each service need, hour by hour, for a target wait?
//!
//! Both only read the hall's configuration; nothing is applied to the
//! live hall. A simulation keeps a core busy for up to seconds, so it
//! runs on the blocking pool (`spawn_blocking`), never on the async
//! runtime that serves kiosks and counters, and only
//! [`crate::SIMULATIONS_AT_ONCE`] run at a time: one more is answered 429
//! `simulation_busy` with `Retry-After`. The days simulated are bounded
//! (what-if [`whatif::MAX_DAYS`], staffing [`staffing::MAX_DAYS`]), and
//! a staffing search stops at its next simulation when the request is
//! dropped (the request timeout, or the browser gone).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use banli_core::config::{ConfigIssue, HallConfig, Period};
use banli_core::ids::CounterId;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use super::extract::{AppJson, Caller};
use crate::AppState;
use crate::sim::profile::{CounterPlan, ProfileError, StaffedPeriod};
use crate::sim::staffing::{self, Advice, StaffingError, Target};
use crate::sim::whatif::{self, ChangeError, Changes, Comparison};
use crate::sim::{DEMO_PROFILE, Profile, SimError};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/whatif", post(admin_whatif))
        .route("/admin/staffing", post(admin_staffing))
}

/// Which demand profile to simulate: who comes when, how long each takes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum ProfileChoice {
    /// The typical busy weekday shipped with the demo hall
    /// (`assets/demo-profile.toml`); it fits the demo hall's services.
    #[default]
    Demo,
    /// A profile the administrator uploads: the text of a profile TOML
    /// file (see `assets/demo-profile.toml` for the format).
    Toml {
        /// The file's text.
        text: String,
    },
    /// This hall's recorded days (the ticket history), averaged: "a
    /// typical Monday in November" (see `sim::history`).
    History {
        /// Only this day of the week, 1 (Monday) to 7.
        #[schema(minimum = 1, maximum = 7)]
        weekday: Option<u8>,
        /// Only this month, 1 to 12.
        #[schema(minimum = 1, maximum = 12)]
        month: Option<u8>,
    },
}

/// The profile chosen: recorded days are read from the database (off the
/// writer, on a read-only connection); the others are parsed.
async fn resolve_profile(
    state: &AppState,
    choice: &ProfileChoice,
    hall: &HallConfig,
) -> Result<Profile, AppError> {
    let ProfileChoice::History { weekday, month } = *choice else {
        return load_profile(choice, hall);
    };
    let bad = |field: &str, range: &str| {
        let mut e = AppError::invalid(
            "invalid_profile",
            format!("profile.{field} must be {range}"),
            format!(
                "历史记录的{}须为 {range}",
                if field == "weekday" {
                    "星期"
                } else {
                    "月份"
                }
            ),
        );
        e.fields = vec![ConfigIssue {
            field: format!("profile.{field}"),
            message: format!("must be {range}"),
        }];
        e
    };
    if weekday.is_some_and(|w| !(1..=7).contains(&w)) {
        return Err(bad("weekday", "1 to 7"));
    }
    if month.is_some_and(|m| !(1..=12).contains(&m)) {
        return Err(bad("month", "1 to 12"));
    }
    let filter = crate::sim::history::DayFilter {
        weekday,
        month,
        ..Default::default()
    };
    let hall = hall.clone();
    let derived = state
        .readers
        .call(move |s| Ok(s.recorded_profile(&hall, &filter)))
        .await?;
    derived.map(|(profile, _)| profile).map_err(|e| match e {
        // 409: the question is fine, the hall's records cannot answer it.
        crate::sim::history::HistoryError::NoDays => AppError::new(
            StatusCode::CONFLICT,
            "no_recorded_days",
            "no recorded day matches (day of the week, month): nothing to derive a profile from",
            "没有符合条件（星期、月份）的历史记录，无法生成客流画像",
        ),
        e => {
            tracing::error!(error = %e, "cannot derive a profile from the recorded days");
            AppError::unavailable()
        }
    })
}

/// One counter's staffed periods in the changed scenario.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterStaffing {
    /// The counter.
    pub id: CounterId,
    /// When a clerk sits there; empty: closed all day.
    pub periods: Vec<Period>,
}

/// What to change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatifChanges {
    /// The changed configuration (the current one with edits: counters,
    /// their services, policies and weights, rules, services' expected
    /// handle times). Left out: the current configuration.
    #[serde(default)]
    pub config: Option<HallConfig>,
    /// When clerks sit at counters without periods of their own. Left
    /// out: as the profile says.
    #[serde(default)]
    pub staffed: Option<Vec<Period>>,
    /// Counters staffed otherwise than the profile says.
    #[serde(default)]
    pub counters: Vec<CounterStaffing>,
    /// More (+) or fewer (−) citizens than the profile, in per cent
    /// (−90 to +300), in the changed scenario.
    #[serde(default)]
    #[schema(minimum = -90, maximum = 300)]
    pub demand_percent: i32,
}

/// A what-if question.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatifRequest {
    /// The demand profile; the demo hall's by default.
    #[serde(default)]
    pub profile: ProfileChoice,
    /// The changes to try.
    #[serde(default, deserialize_with = "object_only")]
    pub changes: WhatifChanges,
    /// Days to simulate, 1 to 20 (each scenario).
    #[serde(default = "default_days")]
    #[schema(minimum = 1, maximum = 20, default = 5)]
    pub days: u32,
    /// Seed of the simulated days: the same seed gives the same answer
    /// (0 to 2^63 − 1).
    #[serde(default = "default_seed")]
    #[schema(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    pub seed: u64,
}

/// Takes a JSON object only: serde's derive would also take a struct
/// written as an array of its fields, which the document does not allow.
fn object_only<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::de::Error as _;
    let v = serde_json::Value::deserialize(d)?;
    if !v.is_object() {
        return Err(D::Error::custom("expected an object"));
    }
    T::deserialize(v).map_err(D::Error::custom)
}

fn default_days() -> u32 {
    5
}

fn default_seed() -> u64 {
    1
}

fn default_staffing_days() -> u32 {
    3
}

/// The answer to a what-if: both scenarios side by side.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WhatifResponse {
    /// The profile simulated.
    pub profile_name: String,
    /// The figures.
    #[serde(flatten)]
    pub comparison: Comparison,
    /// How long the simulation took, milliseconds.
    pub elapsed_ms: u64,
}

/// A staffing question.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffingRequest {
    /// 90 % of citizens are called within this many minutes (more than 0,
    /// at most 600).
    #[schema(exclusive_minimum = 0, maximum = 600)]
    pub target_p90_minutes: f64,
    /// And, if given, the mean wait is at most this many minutes (more
    /// than 0, at most 600).
    #[serde(default)]
    #[schema(exclusive_minimum = 0, maximum = 600)]
    pub target_mean_minutes: Option<f64>,
    /// The demand profile; the demo hall's by default.
    #[serde(default)]
    pub profile: ProfileChoice,
    /// The configuration whose services and rules to staff; left out:
    /// the current one.
    #[serde(default)]
    pub config: Option<HallConfig>,
    /// More (+) or fewer (−) citizens than the profile, in per cent
    /// (−90 to +300).
    #[serde(default)]
    #[schema(minimum = -90, maximum = 300)]
    pub demand_percent: i32,
    /// Days simulated for every staffing tried, 1 to 10.
    #[serde(default = "default_staffing_days")]
    #[schema(minimum = 1, maximum = 10, default = 3)]
    pub days: u32,
    /// Seed of the simulated days (0 to 2^63 − 1).
    #[serde(default = "default_seed")]
    #[schema(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    pub seed: u64,
}

/// Staffing advice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffingResponse {
    /// The profile simulated.
    pub profile_name: String,
    /// The advice.
    #[serde(flatten)]
    pub advice: Advice,
    /// How long the search took, milliseconds.
    pub elapsed_ms: u64,
}

/// Simulate the hall as it is and with changes, on the same days.
#[utoipa::path(post, path = "/api/v1/admin/whatif", tag = "admin", request_body = WhatifRequest,
    responses((status = 200, description = "Both scenarios side by side; nothing is applied to the hall", body = WhatifResponse),
        (status = 422, description = "Invalid days, changes or profile; `fields` names each problem \
            (`changes.config.counters[2].services`, `changes.counters[0].periods[1]`, `profile.services[1].arrivals[3]`)", body = banli_core::wire::ApiError),
        (status = 409, description = "The hall has no recorded day matching `profile` (`no_recorded_days`)", body = banli_core::wire::ApiError),
        (status = 429, description = "Another simulation is running (`simulation_busy`); see Retry-After", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_whatif(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(req): AppJson<WhatifRequest>,
) -> Result<AppJson<WhatifResponse>, AppError> {
    caller.admin()?;
    if !(1..=whatif::MAX_DAYS).contains(&req.days) {
        return Err(bad_days(whatif::MAX_DAYS));
    }
    check_seed(req.seed)?;
    let current = state
        .engine
        .view()
        .read(|engine, _| engine.config().clone());
    let started = Instant::now();
    let profile = resolve_profile(&state, &req.profile, &current).await?;
    off_runtime(&state, move |_| {
        let c = req.changes;
        let changes = Changes {
            config: c.config,
            staffed: c.staffed.map(|ps| ps.iter().map(staffed).collect()),
            counters: c
                .counters
                .iter()
                .map(|p| CounterPlan {
                    id: p.id,
                    periods: p.periods.iter().map(staffed).collect(),
                })
                .collect(),
            demand_percent: c.demand_percent,
        };
        let (hall, changed) = changes.apply(&current, &profile).map_err(change_error)?;
        let comparison =
            whatif::compare((&current, &profile), (&hall, &changed), req.seed, req.days)
                .map_err(sim_error)?;
        Ok(WhatifResponse {
            profile_name: profile.name,
            comparison,
            elapsed_ms: elapsed_ms(started),
        })
    })
    .await
    .map(AppJson)
}

/// Advise the fewest counters per service and hour that meet a target
/// wait.
#[utoipa::path(post, path = "/api/v1/admin/staffing", tag = "admin", request_body = StaffingRequest,
    responses((status = 200, description = "Counters per service and hour and the waits they give; nothing is applied to the hall", body = StaffingResponse),
        (status = 422, description = "Invalid target (`invalid_target`), days, configuration or profile; `fields` names each problem", body = banli_core::wire::ApiError),
        (status = 409, description = "The hall has no recorded day matching `profile` (`no_recorded_days`)", body = banli_core::wire::ApiError),
        (status = 429, description = "Another simulation is running (`simulation_busy`); see Retry-After", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_staffing(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(req): AppJson<StaffingRequest>,
) -> Result<AppJson<StaffingResponse>, AppError> {
    caller.admin()?;
    let target = Target {
        p90_minutes: req.target_p90_minutes,
        mean_minutes: req.target_mean_minutes,
    };
    target.check().map_err(staffing_error)?;
    if !(1..=staffing::MAX_DAYS).contains(&req.days) {
        return Err(bad_days(staffing::MAX_DAYS));
    }
    check_seed(req.seed)?;
    let current = state
        .engine
        .view()
        .read(|engine, _| engine.config().clone());
    let started = Instant::now();
    let profile = resolve_profile(&state, &req.profile, &current).await?;
    off_runtime(&state, move |cancel| {
        let changes = Changes {
            config: req.config,
            demand_percent: req.demand_percent,
            ..Changes::default()
        };
        let (hall, profile) = changes.apply(&current, &profile).map_err(change_error)?;
        let opts = staffing::Options {
            seed: req.seed,
            days: req.days,
            cancel: Some(cancel),
            ..staffing::Options::default()
        };
        let advice = staffing::advise(&hall, &profile, target, &opts).map_err(staffing_error)?;
        Ok(StaffingResponse {
            profile_name: profile.name,
            advice,
            elapsed_ms: elapsed_ms(started),
        })
    })
    .await
    .map(AppJson)
}

/// Runs a simulation job on the blocking pool under a simulation permit.
/// The job gets a flag that is set when the request is dropped, so that a
/// long search can stop early; the permit is held until the job ends
/// either way, so an abandoned job still counts against the limit.
async fn off_runtime<T: Send + 'static>(
    state: &AppState,
    job: impl FnOnce(Arc<AtomicBool>) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let permit = Arc::clone(&state.simulations)
        .try_acquire_owned()
        .map_err(|_| busy())?;
    let cancel = Arc::new(AtomicBool::new(false));
    let _guard = CancelOnDrop(Arc::clone(&cancel));
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        job(cancel)
    })
    .await
    .map_err(|e| AppError::internal(&e))?
}

/// Sets its flag when dropped: the request that waited is gone.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn staffed(p: &Period) -> StaffedPeriod {
    StaffedPeriod {
        open: p.open,
        close: p.close,
    }
}

fn busy() -> AppError {
    let mut e = AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "simulation_busy",
        "another simulation is running; try again in a few seconds",
        "另一个模拟正在运行，请几秒后再试",
    );
    e.retry_after = Some(5);
    e
}

/// A seed fits a signed 64-bit integer, as the document says: clients
/// that read JSON numbers as `i64` (or JavaScript's, which lose precision
/// beyond 2^53) must be able to repeat a question exactly.
fn check_seed(seed: u64) -> Result<(), AppError> {
    if i64::try_from(seed).is_ok() {
        return Ok(());
    }
    let mut e = AppError::invalid(
        "invalid_seed",
        "seed must be 0 to 2^63 − 1",
        "随机种子须为 0 到 2^63 − 1",
    );
    e.fields = vec![ConfigIssue {
        field: "seed".into(),
        message: "must be 0 to 2^63 − 1".into(),
    }];
    Err(e)
}

fn bad_days(max: u32) -> AppError {
    let mut e = AppError::invalid(
        "invalid_days",
        format!("days must be 1 to {max}"),
        format!("模拟天数须为 1 到 {max} 天"),
    );
    e.fields = vec![ConfigIssue {
        field: "days".into(),
        message: format!("must be 1 to {max}"),
    }];
    e
}

/// The profile chosen, checked against the current hall.
fn load_profile(choice: &ProfileChoice, hall: &HallConfig) -> Result<Profile, AppError> {
    let (file, text) = match choice {
        ProfileChoice::Toml { text } => ("profile.toml", text.as_str()),
        // Recorded days are resolved by `resolve_profile`.
        ProfileChoice::Demo | ProfileChoice::History { .. } => ("demo-profile.toml", DEMO_PROFILE),
    };
    Profile::parse(file, text, hall).map_err(|e| profile_error(e, choice))
}

fn profile_error(e: ProfileError, choice: &ProfileChoice) -> AppError {
    let demo = matches!(choice, ProfileChoice::Demo);
    match e {
        ProfileError::Malformed { message, .. } => AppError::invalid(
            "invalid_profile",
            format!("the profile is not a valid profile file: {message}"),
            format!("需求画像文件格式有误：{message}"),
        ),
        ProfileError::Invalid { issues, .. } => {
            let list = issues
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            let (en, zh) = if demo {
                (
                    format!(
                        "the demo profile does not fit this hall's services: {list}; upload a profile of this hall"
                    ),
                    format!("演示需求画像与本大厅的业务不符：{list}。请上传本大厅的需求画像"),
                )
            } else {
                (
                    format!("the profile has problems: {list}"),
                    format!("需求画像有误：{list}"),
                )
            };
            let mut err = AppError::invalid("invalid_profile", en, zh);
            err.fields = issues
                .into_iter()
                .map(|i| ConfigIssue {
                    field: format!("profile.{}", i.field),
                    message: i.message,
                })
                .collect();
            err
        }
    }
}

fn prefixed(prefix: &str, issues: Vec<ConfigIssue>) -> Vec<ConfigIssue> {
    issues
        .into_iter()
        .map(|i| ConfigIssue {
            field: format!("{prefix}{}", i.field),
            message: i.message,
        })
        .collect()
}

fn change_error(e: ChangeError) -> AppError {
    let (code, en, zh, fields) = match e {
        ChangeError::Config(issues) => (
            "invalid_config",
            "the changed configuration is invalid",
            "修改后的配置有误",
            prefixed("changes.config.", issues),
        ),
        ChangeError::Staffing(issues) => (
            "invalid_changes",
            "the changed staffing or demand is invalid",
            "修改后的在岗时间或客流有误",
            prefixed("changes.", issues),
        ),
        ChangeError::Profile(issues) => (
            "invalid_profile",
            "the profile does not fit the changed configuration",
            "需求画像与修改后的配置不符",
            prefixed("profile.", issues),
        ),
    };
    let list = fields
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let mut err = AppError::invalid(code, format!("{en}: {list}"), format!("{zh}：{list}"));
    err.fields = fields;
    err
}

fn sim_error(e: SimError) -> AppError {
    match e {
        SimError::Config(r) => r.into(),
        SimError::TimeZone(_) => {
            AppError::invalid("invalid_config", e.to_string(), "大厅时区无效，无法模拟")
        }
        SimError::Dates => {
            AppError::invalid("invalid_profile", e.to_string(), "模拟日期超出日历范围")
        }
    }
}

fn staffing_error(e: StaffingError) -> AppError {
    match e {
        StaffingError::Invalid { field, message } => {
            let code = if field.starts_with("target") {
                "invalid_target"
            } else {
                "invalid_staffing"
            };
            let mut err = AppError::invalid(
                code,
                format!("{field}: {message}"),
                if code == "invalid_target" {
                    format!(
                        "目标等候时间有误：须大于 0 分钟且不超过 {} 分钟",
                        staffing::MAX_TARGET_MINUTES
                    )
                } else {
                    format!("{field}：{message}")
                },
            );
            err.fields = vec![ConfigIssue {
                field: field.to_owned(),
                message,
            }];
            err
        }
        StaffingError::NoHours => AppError::invalid(
            "invalid_profile",
            e.to_string(),
            "需求画像没有在岗时间，无法给出人员建议",
        ),
        StaffingError::Sim(e) => sim_error(e),
        // Nobody waits for this answer any more.
        StaffingError::Cancelled => AppError::unavailable(),
    }
}
