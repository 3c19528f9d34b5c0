//! The HTTP API: JSON under `/api/v1`, the event stream, metrics and the
//! OpenAPI document. [`app`] builds the whole router; `main` and the tests
//! both use it.
//!
//! Every error is an [`error::AppError`] answered as JSON
//! `{"code", "message", "message_zh"}`: bad JSON, unknown routes and
//! methods, oversized bodies, overload and panics included.

pub mod admin;
pub mod auth_routes;
pub mod cases;
pub mod counters;
pub mod devices;
pub mod error;
pub mod events;
pub mod extract;
pub mod feedback;
pub mod guide;
pub mod meta;
pub mod pad;
pub mod reports;
pub mod services;
pub mod tickets;
pub mod whatif;

use std::time::{Duration, Instant};

use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{BoxError, Router};
use tower::ServiceBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;
use crate::metrics::HttpLabel;
use error::AppError;

/// Largest request body. Whole hall configurations fit easily; anything
/// bigger is a mistake or an attack.
pub const MAX_BODY: usize = 256 * 1024;
/// A request that takes longer than this is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The hall report's own limit: a year of a busy hall is tens of millions
/// of tickets read (on threads of low priority, beside the hall's work),
/// which takes minutes, not seconds; only an administrator asks for it.
pub const REPORT_TIMEOUT: Duration = Duration::from_secs(600);
/// Requests in flight at once before new ones are shed with 503.
pub const MAX_IN_FLIGHT: usize = 2048;

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Banli hall server API", description = "Queue numbers, counters and live events of a government service hall (政务服务中心)."),
    paths(
        meta::health, meta::metrics,
        auth_routes::auth_login, auth_routes::auth_logout, auth_routes::auth_me, auth_routes::auth_me_today,
        services::services_list, services::hall_show, events::events_subscribe,
        tickets::tickets_create, tickets::tickets_show, tickets::tickets_requeue, tickets::tickets_cancel,
        counters::counters_show, counters::counters_call_next, counters::counters_recall, counters::counters_no_show,
        counters::counters_finish, counters::counters_transfer, counters::counters_pause, counters::counters_resume,
        counters::counters_close,
        admin::admin_config_show, admin::admin_config_replace, admin::admin_hall_show, admin::admin_hall_update,
        admin::admin_rules_show, admin::admin_rules_update,
        admin::admin_services_list, admin::admin_services_put, admin::admin_services_delete,
        admin::admin_counters_list, admin::admin_counters_put, admin::admin_counters_delete,
        admin::admin_departments_list, admin::admin_departments_put, admin::admin_departments_delete,
        admin::admin_staff_list, admin::admin_staff_put, admin::admin_staff_delete,
        admin::admin_devices_list, admin::admin_devices_create, admin::admin_devices_revoke,
        admin::admin_appointments_list, admin::admin_appointments_create, admin::admin_appointments_delete,
        admin::admin_audit_list, admin::admin_notices_show, admin::admin_notices_update,
        admin::admin_calendar_show, admin::admin_calendar_import,
        guide::guide_show, guide::admin_guide_put, guide::admin_guide_replace, guide::admin_guide_delete,
        devices::devices_report, reports::admin_reports, whatif::admin_whatif, whatif::admin_staffing,
        feedback::ratings_create, feedback::ratings_settings, feedback::complaints_create,
        feedback::follow_ups_list, feedback::follow_ups_summary, feedback::follow_ups_show,
        feedback::follow_ups_step, feedback::me_ratings, feedback::admin_ratings_report,
        feedback::admin_rating_settings_show, feedback::admin_rating_settings_update, pad::pad_state,
        cases::cases_accept, cases::cases_worklist, cases::cases_show, cases::cases_step, cases::cases_progress,
        cases::admin_cases_supervision, cases::admin_cases_report, cases::admin_cases_export,
    ),
    components(schemas(banli_core::wire::StreamMessage, banli_core::wire::HallEvent)),
    modifiers(&BearerAuth, &CommonResponses),
    tags(
        (name = "tickets", description = "Taking tickets and following their progress"),
        (name = "counters", description = "What staff do at a counter"),
        (name = "hall", description = "Services, the hall snapshot and the event stream"),
        (name = "auth", description = "Staff login"),
        (name = "admin", description = "Hall configuration, accounts, devices, audit"),
        (name = "meta", description = "Health and metrics"),
        (name = "guide", description = "The service guide (办事指南)"),
        (name = "devices", description = "Kiosks and boards reporting their state"),
        (name = "ratings", description = "好差评: ratings, complaints, follow-ups (整改), the rating pad"),
        (name = "cases", description = "Cases (办件): acceptance, steps, worklists, supervision, citizen lookup, reports"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("opaque")
                    .build(),
            ),
        );
    }
}

/// The answers every route can give whatever it does, added to each
/// operation that does not document them itself, so that the document
/// lists every status a client can see (issue 9: an outside fuzzer,
/// schemathesis, found them undocumented). Each is an [`ApiError`]:
/// - 500 `engine_fault` and 503 (storage failure, shutting down, load
///   shed, a request over the time limit): any route;
/// - 401 and 403: a route that needs a token;
/// - 400, 413, 415, 422: a route that takes a JSON body (malformed JSON,
///   too large, not JSON, fields that do not fit);
/// - 400: a route with path or query parameters (one that does not parse);
/// - 404: a route with a path parameter (it names no counter, ticket,
///   service… `unknown_counter`, `unknown_ticket`, …).
///
/// [`ApiError`]: banli_core::wire::ApiError
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{Parameter, ParameterIn};
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let in_path = |ps: Option<&Vec<RefOr<Parameter>>>| {
            ps.is_some_and(|ps| {
                ps.iter()
                    .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path))
            })
        };
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ApiError")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            let path_params = item.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let names_something = in_path(item.parameters.as_ref());
            for op in [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                let mut add = |code: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| error(description));
                };
                add(
                    "500",
                    "The hall engine failed on this request (engine_fault)",
                );
                add(
                    "503",
                    "Not recorded: storage failure, shutting down, or the server is overloaded",
                );
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add("401", "No valid token (unauthorized, token_expired)");
                    add("403", "The token may not do this (forbidden)");
                }
                if op.request_body.is_some() {
                    add("400", "The body is not valid JSON (malformed_json)");
                    add("413", "The body is too large (body_too_large)");
                    add("415", "The body is not JSON (unsupported_media_type)");
                    add("422", "The body's fields do not fit (invalid_body)");
                }
                if path_params || op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                    add("400", "A path or query parameter does not parse");
                }
                if names_something || in_path(op.parameters.as_ref()) {
                    add(
                        "404",
                        "The path names nothing that exists (unknown_counter, unknown_ticket, …)",
                    );
                }
            }
        }
    }
}

/// The whole router: API, event stream, metrics, OpenAPI, with limits,
/// timeouts, panic catching and request metrics.
pub fn app(state: AppState) -> Router {
    let v1 = Router::new()
        .merge(meta::routes())
        .merge(auth_routes::routes())
        .merge(services::routes())
        .merge(events::routes())
        .merge(tickets::routes())
        .merge(counters::routes())
        .merge(guide::routes())
        .merge(devices::routes())
        .merge(whatif::routes())
        .merge(admin::routes())
        .merge(feedback::routes())
        .merge(pad::routes())
        .merge(cases::routes())
        .layer(timeout!(REQUEST_TIMEOUT));
    let v1 = v1.merge(reports::routes().layer(timeout!(REPORT_TIMEOUT)));
    Router::new()
        .nest("/api/v1", v1)
        .merge(
            Router::new()
                .route("/api/openapi.json", get(meta::openapi))
                .route("/metrics", get(meta::metrics))
                .merge(crate::web::routes())
                .layer(timeout!(REQUEST_TIMEOUT)),
        )
        .fallback(|| async {
            AppError::new(
                StatusCode::NOT_FOUND,
                "no_route",
                "no such route",
                "没有这个接口",
            )
        })
        .method_not_allowed_fallback(|| async {
            AppError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
                "请求方法不正确",
            )
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_request,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(
            ServiceBuilder::new()
                .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                    |_: Box<dyn std::any::Any + Send>| {
                        tracing::error!("a request handler panicked");
                        AppError::new(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "internal",
                            "internal server error",
                            "系统内部错误",
                        )
                        .into_response()
                    },
                ))
                .layer(HandleErrorLayer::new(overloaded))
                .load_shed()
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    MAX_IN_FLIGHT,
                )),
        )
        .with_state(state)
}

/// The time limit of a group of routes ([`REQUEST_TIMEOUT`], the
/// report's [`REPORT_TIMEOUT`]). tower's, not tower-http's: its error
/// reaches [`timed_out`], which answers in JSON like every other error
/// (tower-http answers with an empty body). The fallbacks have none: they
/// answer at once.
macro_rules! timeout {
    ($limit:expr) => {
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(|err: BoxError| async move {
                timed_out(&err, $limit)
            }))
            .layer(tower::timeout::TimeoutLayer::new($limit))
    };
}
use timeout;

fn timed_out(err: &BoxError, limit: Duration) -> AppError {
    if err.is::<tower::timeout::error::Elapsed>() {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "the request took longer than {} s and was stopped; try again",
                limit.as_secs()
            ),
            "请求处理超时，请稍后再试",
        )
    } else {
        AppError::internal(err)
    }
}

async fn overloaded(err: BoxError) -> AppError {
    if err.is::<tower::load_shed::error::Overloaded>() {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is busy; try again",
            "系统繁忙，请稍后再试",
        )
    } else {
        timed_out(&err, REQUEST_TIMEOUT)
    }
}

/// Records each request's latency by route pattern and status.
async fn record_request(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let resp = next.run(req).await;
    let label = HttpLabel {
        method,
        route,
        status: resp.status().as_u16(),
    };
    state
        .metrics
        .http
        .get_or_create(&label)
        .observe(started.elapsed().as_secs_f64());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request stopped by the time limit is answered like any other
    /// error: JSON with a stable code (tower-http's layer sent nothing).
    #[tokio::test]
    async fn a_request_over_the_time_limit_gets_a_json_503() {
        let resp = overloaded(Box::new(tower::timeout::error::Elapsed::new()))
            .await
            .into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(resp.into_body(), 4096)
            .await
            .unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(v["code"], "timeout", "{v}");
        assert!(v["message_zh"].as_str().is_some_and(|m| !m.is_empty()));
        // The report's limit is its own, and the message says which.
        let e: BoxError = Box::new(tower::timeout::error::Elapsed::new());
        let report = timed_out(&e, REPORT_TIMEOUT);
        assert_eq!(report.code, "timeout");
        assert!(report.message.contains("600 s"), "{}", report.message);
    }
}
