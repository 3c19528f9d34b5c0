//! `/tickets`: issuing tickets (kiosks, staff) and following their
//! progress (anyone holding the ticket's query code).

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use banli_core::engine::{Command, Engine, Outcome, TicketClass};
use banli_core::ids::TicketId;
use banli_core::jiff::Timestamp;
use banli_core::wire::{IssueTicketRequest, IssuedTicket, TicketView};
use serde::Deserialize;

use super::error::AppError;
use super::extract::{AppJson, AppPath, AppQuery, Caller, ClientInfo, MaybeCaller};
use crate::AppState;
use crate::auth::{Principal, constant_time_eq, new_query_code};
use crate::store::accounts::DeviceKind;
use crate::store::journal::StoredTicket;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tickets", post(tickets_create))
        .route("/tickets/{id}", get(tickets_show))
        .route("/tickets/{id}/requeue", post(tickets_requeue))
        .route("/tickets/{id}/cancel", post(tickets_cancel))
}

/// `?code=` of the progress routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodeQuery {
    /// The ticket's query code, printed on it. Staff may leave it out.
    pub code: Option<String>,
}

/// Take a ticket.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = IssueTicketRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retried request with the same key returns the same ticket: 1 to 128 visible ASCII characters (a UUID does)",
        pattern = r"^[!-~]{1,128}$", min_length = 1, max_length = 128)),
    responses(
        (status = 201, description = "Issued", body = IssuedTicket),
        (status = 200, description = "A retry: the ticket issued for this key before", body = IssuedTicket),
        (status = 404, description = "Unknown service", body = banli_core::wire::ApiError),
        (status = 409, description = "The service is closed, full, or the appointment is used", body = banli_core::wire::ApiError),
        (status = 422, description = "Priority class not offered", body = banli_core::wire::ApiError),
    ),
    security(("bearer" = [])))]
pub async fn tickets_create(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    AppJson(req): AppJson<IssueTicketRequest>,
) -> Result<(StatusCode, AppJson<IssuedTicket>), AppError> {
    if !(caller.is_device(DeviceKind::Kiosk) || caller.is_staff()) {
        return Err(AppError::forbidden("only kiosks and staff issue tickets"));
    }
    let key = super::extract::idempotency_key(&headers)?;
    if req.appointment_code.as_ref().is_some_and(|c| c.len() > 64) {
        return Err(AppError::invalid(
            "invalid_body",
            "appointment_code is too long",
            "预约码过长",
        ));
    }
    let cmd = Command::IssueTicket {
        service_id: req.service_id,
        priority: req.priority,
        appointment_code: req.appointment_code,
        idempotency_key: key,
        query_code: new_query_code(),
        actor: caller.actor(),
    };
    let committed = state.engine.command(cmd).await?;
    let Outcome::Issued {
        ticket_id,
        replayed,
    } = committed.outcome
    else {
        return Err(AppError::internal(&"issue gave no ticket"));
    };
    // A retry of a ticket that was served since has left the engine:
    // answer it from the read model below.
    let answer = state
        .engine
        .view()
        .read(|engine, _| issued(engine, ticket_id, replayed, committed.at).ok_or(ticket_id));
    let answer = match answer {
        Ok(answer) => answer,
        Err(id) => {
            let stored = state
                .readers
                .call(move |s| s.ticket(id))
                .await?
                .ok_or_else(unknown_ticket)?;
            let query_code = stored.query_code.clone();
            let names = service_names(&state, &stored.service_id);
            IssuedTicket {
                ticket: past_view(stored, names),
                query_code,
                replayed: true,
                appointment_outside_window: false,
            }
        }
    };
    let status = if answer.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, AppJson(answer)))
}

fn issued(engine: &Engine, id: TicketId, replayed: bool, now: Timestamp) -> Option<IssuedTicket> {
    let t = engine.ticket(id)?;
    Some(IssuedTicket {
        ticket: engine.ticket_view(id, now)?,
        query_code: t.query_code.to_string(),
        replayed,
        appointment_outside_window: t.appointment_code.is_some()
            && t.class != TicketClass::Appointment,
    })
}

/// A ticket's progress: status, people ahead, estimated wait, counter.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id"), CodeQuery),
    responses(
        (status = 200, description = "The ticket", body = TicketView),
        (status = 401, description = "No code, and no staff or kiosk token (`unauthorized`)", body = banli_core::wire::ApiError),
        (status = 404, description = "No such ticket, or the code does not match", body = banli_core::wire::ApiError),
        (status = 429, description = "Too many wrong codes for this ticket or from this address (`too_many_lookups`); see Retry-After", body = banli_core::wire::ApiError),
    ))]
pub async fn tickets_show(
    axum::extract::State(state): axum::extract::State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    client: ClientInfo,
    AppPath(id): AppPath<u64>,
    AppQuery(q): AppQuery<CodeQuery>,
) -> Result<AppJson<TicketView>, AppError> {
    let id = TicketId(id);
    if caller.as_ref().is_some_and(Principal::is_staff) {
        return progress(&state, id).await.map(AppJson);
    }
    lookup(&state, id, q.code.as_deref(), client.ip)
        .await
        .map(AppJson)
}

/// A citizen's progress lookup: [`check_code`], then [`progress`], with
/// one read of the ticket instead of two (a phone polls its ticket every
/// 20 s; a hall's phones make thousands of these a second): today's
/// ticket is read from the view once, code and view together; an earlier
/// day's from SQLite once.
///
/// # Errors
/// As [`check_code`] and [`progress`].
pub async fn lookup(
    state: &AppState,
    id: TicketId,
    code: Option<&str>,
    client: Option<std::net::IpAddr>,
) -> Result<TicketView, AppError> {
    let now = state.clock.now();
    let today = state.engine.view().read(|engine, _| {
        engine
            .ticket(id)
            .map(|t| (t.query_code.to_string(), engine.ticket_view(id, now)))
    });
    match today {
        Some((expected, Some(view))) => {
            check_tries(state, id, Some(&expected), code, client)?;
            Ok(view)
        }
        Some((expected, None)) => {
            check_tries(state, id, Some(&expected), code, client)?;
            progress(state, id).await
        }
        None => {
            let stored = state.readers.call(move |s| s.ticket(id)).await?;
            check_tries(
                state,
                id,
                stored.as_ref().map(|t| t.query_code.as_str()),
                code,
                client,
            )?;
            let stored = stored.ok_or_else(unknown_ticket)?;
            let names = service_names(state, &stored.service_id);
            Ok(past_view(stored, names))
        }
    }
}

/// Checks a ticket's query code for someone who is not staff, within the
/// limits on guessing ([`crate::limit::Limits`], where the arithmetic
/// is): a try is taken from the client's address (unknown ids included)
/// and from the ticket before the code is compared, and both are given
/// back when it matches, so the holder polling their ticket is never
/// counted. A wrong code answers as an unknown ticket, so ids cannot be
/// probed. The JSON route, the citizen's progress page and a kiosk's
/// re-queue and cancel share it.
///
/// # Errors
/// 404 `unknown_ticket`, 429 `too_many_lookups`, 503 on storage failure.
pub async fn check_code(
    state: &AppState,
    id: TicketId,
    code: Option<&str>,
    client: Option<std::net::IpAddr>,
) -> Result<(), AppError> {
    let expected = match state
        .engine
        .view()
        .read(|engine, _| engine.ticket(id).map(|t| t.query_code.to_string()))
    {
        Some(code) => Some(code),
        // Not in today's memory: served, cancelled, or an earlier day's.
        None => state
            .readers
            .call(move |s| s.ticket(id))
            .await?
            .map(|t| t.query_code),
    };
    check_tries(state, id, expected.as_deref(), code, client)
}

/// The tries and the comparison of [`check_code`], for a ticket whose
/// code is `expected` (none: no such ticket). Nothing in it waits: the
/// tries are taken, the code compared and the tries given back in one go.
fn check_tries(
    state: &AppState,
    id: TicketId,
    expected: Option<&str>,
    code: Option<&str>,
    client: Option<std::net::IpAddr>,
) -> Result<(), AppError> {
    let limits = &state.limits;
    let address = client.map(crate::limit::address_key);
    // The holder polling their ticket, when nobody has guessed wrong on it
    // or from their address: nothing to count, and no key is made. (A key
    // made and given back for every ticket looked up filled the limiter's
    // 100,000 keys when phones polled a busy day's tickets, and a full
    // limiter refuses: BENCHMARKS.md, "Issuing under extra load".) A key
    // exists once a wrong code was tried, and then the tries are taken
    // and compared as below, so a locked ticket stays locked even to the
    // right code.
    let right = expected.is_some_and(|e| code.is_some_and(|c| constant_time_eq(c, e)));
    if right
        && !limits.lookup_ticket.holds(&id.0)
        && address
            .as_ref()
            .is_none_or(|a| !limits.lookup_address.holds(a))
    {
        return Ok(());
    }
    if let Some(a) = &address {
        limits
            .lookup_address
            .take(a)
            .map_err(|d| too_many_lookups(state, d))?;
    }
    let Some(expected) = expected else {
        return Err(unknown_ticket());
    };
    if let Err(d) = limits.lookup_ticket.take(&id.0) {
        if let Some(a) = &address {
            limits.lookup_address.give_back(a);
        }
        return Err(too_many_lookups(state, d));
    }
    if !code.is_some_and(|c| constant_time_eq(c, expected)) {
        return Err(unknown_ticket());
    }
    limits.lookup_ticket.give_back(&id.0);
    if let Some(a) = &address {
        limits.lookup_address.give_back(a);
    }
    Ok(())
}

fn too_many_lookups(state: &AppState, d: crate::limit::Denied) -> AppError {
    AppError::rate_limited(
        state,
        d,
        "too_many_lookups",
        "too many wrong query codes",
        "查询码错误次数过多",
    )
}

/// A ticket's progress (the caller is staff or showed its code): today's
/// from the engine, earlier days' from the read model.
///
/// # Errors
/// 404 `unknown_ticket`, 503 on storage failure.
pub async fn progress(state: &AppState, id: TicketId) -> Result<TicketView, AppError> {
    let now = state.clock.now();
    if let Some(view) = state
        .engine
        .view()
        .read(|engine, _| engine.ticket_view(id, now))
    {
        return Ok(view);
    }
    let stored = state
        .readers
        .call(move |s| s.ticket(id))
        .await?
        .ok_or_else(unknown_ticket)?;
    let names = service_names(state, &stored.service_id);
    Ok(past_view(stored, names))
}

fn service_names(state: &AppState, service_id: &str) -> (String, String) {
    let id = banli_core::ids::ServiceId::from(service_id);
    state
        .engine
        .view()
        .read(|engine, _| {
            engine
                .config()
                .service(&id)
                .map(|s| (s.name_zh.clone(), s.name_en.clone()))
        })
        .unwrap_or_default()
}

/// The progress view of an earlier day's ticket: final, nobody ahead.
fn past_view(t: StoredTicket, (name_zh, name_en): (String, String)) -> TicketView {
    let ts = |ms: i64| Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH);
    TicketView {
        id: t.id,
        number: t.number,
        service_id: t.service_id.as_str().into(),
        service_name_zh: name_zh,
        service_name_en: name_en,
        class: t.class,
        status: t.status,
        business_day: t.business_day.parse().unwrap_or_default(),
        issued_at: ts(t.issued_at_ms),
        ahead: 0,
        estimated_wait_minutes: 0,
        counter_id: None,
        counter_name_zh: None,
        called_at: t.called_at_ms.map(ts),
        can_requeue: false,
    }
}

fn unknown_ticket() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "unknown_ticket",
        "no ticket of today has this id and code",
        "查无此号，请核对号票上的查询码",
    )
}

async fn ticket_op(
    state: &AppState,
    caller: &Principal,
    client: ClientInfo,
    id: TicketId,
    code: Option<String>,
    make: impl FnOnce(String) -> Command + Send + 'static,
) -> Result<AppJson<TicketView>, AppError> {
    let staff = caller.is_staff();
    if !(staff || caller.is_device(DeviceKind::Kiosk)) {
        return Err(AppError::forbidden("only kiosks and staff change tickets"));
    }
    if !staff && code.is_none() {
        return Err(AppError::invalid(
            "code_required",
            "a kiosk must give the ticket's query code",
            "请输入号票上的查询码",
        ));
    }
    // The code is checked against the committed view: a ticket's code
    // never changes, and the engine refuses the command itself if the
    // ticket changed meanwhile. A kiosk is a public terminal: its code
    // checks count against the same limits as anyone's.
    if !staff {
        check_code(state, id, code.as_deref(), client.ip).await?;
    }
    state.engine.command(make(caller.actor())).await?;
    // A cancelled ticket has left today's memory: its progress now comes
    // from the read model, like a finished one's.
    progress(state, id).await.map(AppJson)
}

/// Put a no-show back in its queue (once, within the re-queue window).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/requeue", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id"), CodeQuery),
    responses(
        (status = 200, description = "Re-queued", body = TicketView),
        (status = 409, description = "Not a no-show, already re-queued, or too late", body = banli_core::wire::ApiError),
        (status = 429, description = "Too many wrong codes (`too_many_lookups`); see Retry-After", body = banli_core::wire::ApiError),
    ),
    security(("bearer" = [])))]
pub async fn tickets_requeue(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(caller): Caller,
    client: ClientInfo,
    AppPath(id): AppPath<u64>,
    AppQuery(q): AppQuery<CodeQuery>,
) -> Result<AppJson<TicketView>, AppError> {
    let id = TicketId(id);
    ticket_op(&state, &caller, client, id, q.code, move |actor| {
        Command::Requeue {
            ticket_id: id,
            actor,
        }
    })
    .await
}

/// Withdraw a waiting ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/cancel", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id"), CodeQuery),
    responses(
        (status = 200, description = "Cancelled", body = TicketView),
        (status = 409, description = "Not waiting", body = banli_core::wire::ApiError),
        (status = 429, description = "Too many wrong codes (`too_many_lookups`); see Retry-After", body = banli_core::wire::ApiError),
    ),
    security(("bearer" = [])))]
pub async fn tickets_cancel(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(caller): Caller,
    client: ClientInfo,
    AppPath(id): AppPath<u64>,
    AppQuery(q): AppQuery<CodeQuery>,
) -> Result<AppJson<TicketView>, AppError> {
    let id = TicketId(id);
    ticket_op(&state, &caller, client, id, q.code, move |actor| {
        Command::Cancel {
            ticket_id: id,
            actor,
        }
    })
    .await
}
