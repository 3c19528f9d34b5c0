//! `/services` and `/hall`: what kiosks, boards and consoles read.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use banli_core::wire::{HallSnapshot, ServiceView};

use super::error::AppError;
use super::extract::{AppJson, Caller};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services", get(services_list))
        .route("/hall", get(hall_show))
}

/// Services with their waiting counts, estimated waits, and whether (and
/// why not) a ticket can be taken now.
#[utoipa::path(get, path = "/api/v1/services", tag = "hall",
    responses((status = 200, description = "Services", body = Vec<ServiceView>),
        (status = 401, description = "No valid token", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn services_list(
    State(state): State<AppState>,
    Caller(_): Caller,
) -> Result<AppJson<Vec<ServiceView>>, AppError> {
    let now = state.clock.now();
    Ok(AppJson(
        state
            .engine
            .view()
            .read(|engine, _| engine.services_view(now)),
    ))
}

/// The whole hall: services, counters and the latest calls, with the
/// sequence number of the last event included. Kiosks and boards get it
/// without who staffs each counter.
#[utoipa::path(get, path = "/api/v1/hall", tag = "hall",
    responses((status = 200, description = "The hall", body = HallSnapshot)),
    security(("bearer" = [])))]
pub async fn hall_show(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<AppJson<HallSnapshot>, AppError> {
    let snapshot = state.engine.view().snapshot(state.clock.now());
    Ok(AppJson(if caller.is_staff() {
        snapshot
    } else {
        snapshot.without_staff()
    }))
}
