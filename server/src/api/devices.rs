//! `/devices/status`: kiosks and boards report how they are (a kiosk's
//! printer, a board without sound), and kiosks report tickets that were
//! issued but could not be printed, so staff see them (audit log,
//! `print_failed`) and nothing is silently dropped.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use banli_core::wire::DeviceStatusReport;

use super::error::AppError;
use super::extract::{AppJson, Caller};
use crate::AppState;
use crate::auth::Principal;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/devices/status", post(devices_report))
}

/// Report this device's state.
#[utoipa::path(post, path = "/api/v1/devices/status", tag = "devices", request_body = DeviceStatusReport,
    responses((status = 204, description = "Recorded"),
        (status = 403, description = "Only devices report", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn devices_report(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppJson(report): AppJson<DeviceStatusReport>,
) -> Result<StatusCode, AppError> {
    let Principal::Device(device) = caller else {
        return Err(AppError::forbidden("only devices report their status"));
    };
    if report.note.chars().count() > 500
        || report
            .printer
            .as_ref()
            .is_some_and(|p| p.message.chars().count() > 500)
    {
        return Err(AppError::invalid(
            "invalid_body",
            "messages are limited to 500 characters",
            "说明文字过长",
        ));
    }
    let now = state.clock.now().as_millisecond();
    state
        .store
        .call(move |s| {
            if let Some(f) = &report.failed_print {
                let detail = format!("ticket {} ({}): {}", f.number, f.ticket_id, f.reason);
                s.audit(
                    now,
                    &format!("device:{}", device.name),
                    "print_failed",
                    &f.number,
                    &detail,
                )?;
            }
            s.device_report(device.id, &report, now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
