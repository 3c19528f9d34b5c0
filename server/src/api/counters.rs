//! `/counters/{id}/…`: what staff do at their counter. Each operation is
//! one engine command; staff may operate only the counters assigned to
//! them, administrators any.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use banli_core::engine::{Command, Engine, Outcome};
use banli_core::ids::CounterId;
use banli_core::wire::{
    CounterActionResponse, CounterTicketRequest, CounterView, PauseRequest, TicketView,
    TransferRequest,
};
use serde::Serialize;

use super::error::AppError;
use super::extract::{AppJson, AppPath, Caller};
use crate::AppState;
use crate::auth::Principal;

/// How many waiting tickets the console shows.
const CONSOLE_WAITING: usize = 10;
/// Longest pause reason.
const MAX_REASON: usize = 100;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/counters/{id}", get(counters_show))
        .route("/counters/{id}/call-next", post(counters_call_next))
        .route("/counters/{id}/recall", post(counters_recall))
        .route("/counters/{id}/no-show", post(counters_no_show))
        .route("/counters/{id}/finish", post(counters_finish))
        .route("/counters/{id}/transfer", post(counters_transfer))
        .route("/counters/{id}/pause", post(counters_pause))
        .route("/counters/{id}/resume", post(counters_resume))
        .route("/counters/{id}/close", post(counters_close))
}

/// A counter with the next tickets waiting for it: what the console shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CounterConsoleView {
    /// The counter.
    pub counter: CounterView,
    /// The next tickets across its services.
    pub waiting: Vec<TicketView>,
    /// The sequence number of the last event this view includes: a console
    /// that gets an event it already shows (its own action's, say) need
    /// not ask again.
    pub seq: u64,
}

fn check(caller: &Principal, id: CounterId) -> Result<(), AppError> {
    if caller.may_operate(id) {
        Ok(())
    } else {
        Err(AppError::forbidden("this counter is not assigned to you"))
    }
}

fn counter_view(engine: &Engine, id: CounterId) -> Result<CounterView, AppError> {
    engine
        .config()
        .counter(id)
        .map(|c| engine.counter_view(c))
        .ok_or_else(|| AppError::from(banli_core::engine::Rejection::UnknownCounter(id)))
}

/// Parses an optional JSON body: empty means the default.
fn optional_body<T: serde::de::DeserializeOwned + Default>(body: &Bytes) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    // JSON `null` is "no body" too: the document says the body is optional.
    super::extract::parse_json::<Option<T>>(body).map(Option::unwrap_or_default)
}

/// Runs one command at a counter and answers with the counter afterwards.
async fn operate(
    state: &AppState,
    caller: &Principal,
    id: CounterId,
    make: impl FnOnce(String) -> Command + Send + 'static,
) -> Result<(Outcome, CounterView), AppError> {
    check(caller, id)?;
    let committed = state.engine.command(make(caller.actor())).await?;
    let view = state
        .engine
        .view()
        .read(|engine, _| counter_view(engine, id))?;
    Ok((committed.outcome, view))
}

fn answer(view: CounterView) -> Response {
    AppJson(CounterActionResponse { counter: view }).into_response()
}

/// The counter, with the next tickets waiting for it.
#[utoipa::path(get, path = "/api/v1/counters/{id}", tag = "counters",
    params(("id" = u32, Path, description = "Counter number")),
    responses((status = 200, description = "The counter", body = CounterConsoleView),
        (status = 403, description = "Not your counter", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn counters_show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppPath(id): AppPath<u32>,
) -> Result<AppJson<CounterConsoleView>, AppError> {
    let id = CounterId(id);
    check(&caller, id)?;
    let now = state.clock.now();
    let view = state
        .engine
        .view()
        .read(|engine, seq| -> Result<_, AppError> {
            Ok(CounterConsoleView {
                counter: counter_view(engine, id)?,
                waiting: engine.waiting_for_counter(id, CONSOLE_WAITING, now),
                seq,
            })
        })?;
    Ok(AppJson(view))
}

/// Call the next ticket by the counter's rules (finishing the current one).
#[utoipa::path(post, path = "/api/v1/counters/{id}/call-next", tag = "counters",
    params(("id" = u32, Path, description = "Counter number")),
    responses((status = 200, description = "Called", body = CounterActionResponse),
        (status = 204, description = "Nobody is waiting"),
        (status = 403, description = "Not your counter", body = banli_core::wire::ApiError),
        (status = 404, description = "No such counter", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn counters_call_next(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppPath(id): AppPath<u32>,
) -> Result<Response, AppError> {
    let id = CounterId(id);
    let (outcome, view) = operate(&state, &caller, id, move |actor| Command::CallNext {
        counter_id: id,
        actor,
    })
    .await?;
    Ok(match outcome {
        Outcome::Called { ticket_id: None } => StatusCode::NO_CONTENT.into_response(),
        _ => answer(view),
    })
}

macro_rules! ticket_op {
    ($(#[$doc:meta])* $name:ident, $path:literal, $variant:ident) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "counters",
            params(("id" = u32, Path, description = "Counter number")),
            request_body(content = Option<CounterTicketRequest>, description = "The ticket the staff member sees (optional)"),
            responses((status = 200, description = "Done", body = CounterActionResponse),
                (status = 409, description = "No current ticket, another ticket, or not allowed now", body = banli_core::wire::ApiError),
                (status = 403, description = "Not your counter", body = banli_core::wire::ApiError)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            Caller(caller): Caller,
            AppPath(id): AppPath<u32>,
            body: Bytes,
        ) -> Result<Response, AppError> {
            let id = CounterId(id);
            let req: CounterTicketRequest = optional_body(&body)?;
            let (_, view) = operate(&state, &caller, id, move |actor| Command::$variant {
                counter_id: id,
                ticket_id: req.ticket_id,
                actor,
            })
            .await?;
            Ok(answer(view))
        }
    };
}

ticket_op!(
    /// Announce the current ticket again (up to the recall limit).
    counters_recall, "/api/v1/counters/{id}/recall", Recall
);
ticket_op!(
    /// The called citizen did not come (过号).
    counters_no_show, "/api/v1/counters/{id}/no-show", NoShow
);
ticket_op!(
    /// The current ticket is served.
    counters_finish, "/api/v1/counters/{id}/finish", Finish
);

/// Send the current ticket to another service's queue, keeping its number.
#[utoipa::path(post, path = "/api/v1/counters/{id}/transfer", tag = "counters",
    params(("id" = u32, Path, description = "Counter number")),
    request_body = TransferRequest,
    responses((status = 200, description = "Transferred", body = CounterActionResponse),
        (status = 409, description = "No current ticket, or the same service", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn counters_transfer(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppPath(id): AppPath<u32>,
    AppJson(req): AppJson<TransferRequest>,
) -> Result<Response, AppError> {
    let id = CounterId(id);
    let (_, view) = operate(&state, &caller, id, move |actor| Command::Transfer {
        counter_id: id,
        ticket_id: req.ticket_id,
        to_service: req.to_service,
        position: req.position,
        actor,
    })
    .await?;
    Ok(answer(view))
}

/// Stop calling for a while (暂停服务), with a reason shown on the counter's screen.
#[utoipa::path(post, path = "/api/v1/counters/{id}/pause", tag = "counters",
    params(("id" = u32, Path, description = "Counter number")),
    request_body = PauseRequest,
    responses((status = 200, description = "Paused", body = CounterActionResponse),
        (status = 409, description = "The counter is closed", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn counters_pause(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppPath(id): AppPath<u32>,
    AppJson(req): AppJson<PauseRequest>,
) -> Result<Response, AppError> {
    let id = CounterId(id);
    let reason = req.reason.trim().to_owned();
    if reason.chars().count() > MAX_REASON {
        return Err(AppError::invalid(
            "invalid_body",
            format!("the reason is longer than {MAX_REASON} characters"),
            "暂停原因过长",
        ));
    }
    let reason = if reason.is_empty() {
        "暂停服务".to_owned()
    } else {
        reason
    };
    let (_, view) = operate(&state, &caller, id, move |actor| Command::Pause {
        counter_id: id,
        reason,
        actor,
    })
    .await?;
    Ok(answer(view))
}

macro_rules! counter_op {
    ($(#[$doc:meta])* $name:ident, $path:literal, $variant:ident) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "counters",
            params(("id" = u32, Path, description = "Counter number")),
            responses((status = 200, description = "Done", body = CounterActionResponse),
                (status = 409, description = "Not allowed now", body = banli_core::wire::ApiError)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            Caller(caller): Caller,
            AppPath(id): AppPath<u32>,
        ) -> Result<Response, AppError> {
            let id = CounterId(id);
            let (_, view) = operate(&state, &caller, id, move |actor| Command::$variant { counter_id: id, actor }).await?;
            Ok(answer(view))
        }
    };
}

counter_op!(
    /// Open the counter again after a pause, or open a closed one.
    counters_resume, "/api/v1/counters/{id}/resume", Resume
);
counter_op!(
    /// Close the counter (end of shift); it must not be serving anyone.
    counters_close, "/api/v1/counters/{id}/close", Close
);
