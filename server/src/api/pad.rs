//! The rating pad (评价器): a tablet facing the citizen at one counter,
//! authenticated by a device token of kind `pad` bound to that counter.
//!
//! `GET /pad/state` gives the pad what it shows: the counter's name, the
//! clerk on duty as the hall chooses to name them (name, staff number
//! (工号), both, or neither; an account without a staff number is named
//! by its name, never by its username), the number being served, and the
//! ticket the counter finished last (only its id, to rate it, and its number, which the
//! citizen just saw called). Nothing about the citizen. The page follows
//! the event stream and asks this again when its counter changes.
//!
//! A pad rates only the tickets its own counter served, without their
//! query code (the citizen is standing at the counter); see
//! [`super::feedback`].

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use banli_core::engine::CounterStatus;
use banli_core::ids::CounterId;
use banli_core::rating::ClerkShown;
use serde::Serialize;

use super::error::AppError;
use super::extract::{AppJson, Caller};
use crate::AppState;
use crate::auth::Principal;
use crate::store::accounts::{Device, DeviceKind, StaffAccount};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/pad/state", get(pad_state))
}

/// Refuses a pad without a counter that exists, or a counter on another kind.
///
/// # Errors
/// 422 `invalid_counter`.
pub fn check_binding(
    state: &AppState,
    kind: DeviceKind,
    counter_id: Option<CounterId>,
) -> Result<(), AppError> {
    match (kind, counter_id) {
        (DeviceKind::Pad, Some(c)) => {
            let exists = state
                .engine
                .view()
                .read(|engine, _| engine.config().counter(c).is_some());
            if exists {
                Ok(())
            } else {
                Err(AppError::invalid(
                    "invalid_counter",
                    format!("there is no counter {c}"),
                    format!("没有{c}号窗口"),
                ))
            }
        }
        (DeviceKind::Pad, None) => Err(AppError::invalid(
            "invalid_counter",
            "a pad must be bound to a counter (counter_id)",
            "评价器须绑定一个窗口",
        )),
        (_, Some(_)) => Err(AppError::invalid(
            "invalid_counter",
            "only a pad is bound to a counter",
            "只有评价器绑定窗口",
        )),
        (_, None) => Ok(()),
    }
}

/// The counter a pad is bound to; none for any other device.
///
/// # Errors
/// 403 for a pad whose binding is missing (it cannot rate anything).
pub async fn pad_counter(_state: &AppState, d: &Device) -> Result<Option<CounterId>, AppError> {
    if d.kind != DeviceKind::Pad {
        return Ok(None);
    }
    d.counter_id
        .map(Some)
        .ok_or_else(|| AppError::forbidden("this pad is bound to no counter"))
}

/// How the pad names a clerk: 「工号 0231」, 「张敏（工号 0231）」 or 「张敏」.
/// An account without a staff number is named by its display name in
/// every mode: the username is a login name, not for citizens' eyes.
fn clerk_shown(shown: ClerkShown, a: &StaffAccount) -> String {
    match (shown, &a.staff_no) {
        (ClerkShown::Number, Some(no)) => format!("工号 {no}"),
        (ClerkShown::Both, Some(no)) => format!("{}（工号 {no}）", a.display_name),
        _ => a.display_name.clone(),
    }
}

/// What the pad shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PadState {
    /// The counter.
    #[schema(value_type = u32)]
    pub counter_id: CounterId,
    /// Its name in Chinese: 「3号窗口」.
    pub counter_name_zh: String,
    /// In English.
    pub counter_name_en: String,
    /// `open`, `paused` or `closed`.
    pub status: String,
    /// The clerk on duty as the hall chooses to name them; none when
    /// nobody is, or the hall shows no name.
    pub clerk: Option<String>,
    /// The number being served.
    pub serving: Option<String>,
    /// Seconds to wait for an answer before going back.
    pub timeout_secs: u32,
}

/// The pad's counter view (pad devices only).
#[utoipa::path(get, path = "/api/v1/pad/state", tag = "ratings",
    responses((status = 200, description = "What the pad shows", body = PadState),
        (status = 403, description = "Not a pad", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn pad_state(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<AppJson<PadState>, AppError> {
    let Principal::Device(d) = &caller else {
        return Err(AppError::forbidden("pads only"));
    };
    let Some(counter_id) = pad_counter(&state, d).await? else {
        return Err(AppError::forbidden("pads only"));
    };
    let view = state.engine.view().read(|engine, _| {
        let c = engine.config().counter(counter_id)?;
        let v = engine.counter_view(c);
        Some((v, engine.config().ratings.clone()))
    });
    let Some((v, settings)) = view else {
        return Err(AppError::not_found("counter"));
    };
    let clerk = match (&v.staff, settings.clerk_shown) {
        (None, _) | (_, ClerkShown::Nothing) => None,
        (Some(u), shown) => {
            let username = u.clone();
            state
                .readers
                .call(move |s| s.staff(&username))
                .await?
                .map(|(a, _)| clerk_shown(shown, &a))
        }
    };
    let status = match v.status {
        CounterStatus::Open => "open",
        CounterStatus::Paused { .. } => "paused",
        CounterStatus::Closed => "closed",
    };
    Ok(AppJson(PadState {
        counter_id,
        counter_name_zh: v.name_zh,
        counter_name_en: v.name_en,
        status: status.into(),
        clerk,
        serving: v.current.map(|c| c.number),
        timeout_secs: settings.pad_timeout_secs,
    }))
}
