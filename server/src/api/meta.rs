//! Health, metrics and the OpenAPI document.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;
use utoipa::OpenApi as _;

use super::error::AppError;
use super::extract::{AppJson, Caller};
use crate::AppState;
use crate::store::accounts::DeviceKind;

/// Routes under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

/// Liveness and version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always "ok" when the server answers.
    pub status: &'static str,
    /// Server version.
    pub version: &'static str,
    /// The current business day.
    pub business_day: Option<String>,
}

/// Liveness and version. Public.
#[utoipa::path(get, path = "/api/v1/health", tag = "meta", responses((status = 200, description = "Alive", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Result<AppJson<Health>, AppError> {
    let day = state
        .engine
        .run(|engine, _| engine.day().map(|d| d.to_string()))
        .await?;
    Ok(AppJson(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        business_day: day,
    }))
}

/// Prometheus metrics (OpenMetrics text): tickets issued, calls, waiting
/// per service, request latency, commit time. Administrators and monitor
/// devices.
#[utoipa::path(get, path = "/metrics", tag = "meta",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text")),
    security(("bearer" = [])))]
pub async fn metrics(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<impl IntoResponse, AppError> {
    if !(caller.is_admin() || caller.is_device(DeviceKind::Monitor)) {
        return Err(AppError::forbidden(
            "metrics are for administrators and monitors",
        ));
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    ))
}

/// The OpenAPI document of every route. Public.
pub async fn openapi() -> impl IntoResponse {
    axum::Json(crate::api::ApiDoc::openapi())
}
