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

/// Whether the hall can work, and its version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// "ok" when tickets can be issued and recorded; "unavailable" when the
    /// engine has stopped or the last commit failed (a full disk, say).
    pub status: &'static str,
    /// Whether the engine task runs.
    pub engine: bool,
    /// Whether the last commit to the database succeeded.
    pub storage: bool,
    /// Server version.
    pub version: &'static str,
    /// The current business day.
    pub business_day: Option<String>,
}

/// Whether the hall can work, and its version. Public. Answers 503 while
/// the engine is stopped or commits fail, so a supervisor or load balancer
/// sees the truth; issuing resumes by itself when storage recovers.
#[utoipa::path(get, path = "/api/v1/health", tag = "meta", responses(
    (status = 200, description = "Working", body = Health),
    (status = 503, description = "The engine has stopped or storage is failing", body = Health)))]
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    use std::sync::atomic::Ordering;
    let h = state.engine.health();
    let engine = h.engine_running.load(Ordering::SeqCst);
    let storage = h.storage_ok.load(Ordering::SeqCst);
    let day = state
        .engine
        .view()
        .read(|engine, _| engine.day().map(|d| d.to_string()));
    let ok = engine && storage;
    let status = if ok {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        AppJson(Health {
            status: if ok { "ok" } else { "unavailable" },
            engine,
            storage,
            version: env!("CARGO_PKG_VERSION"),
            business_day: day,
        }),
    )
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
