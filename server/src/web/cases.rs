//! Pages of cases (办件): the citizen's progress page (`/c/{case_no}?p=`,
//! where the receipt's QR code leads; public, Chinese and English, the
//! name masked) and the acceptance receipt (受理回执,
//! `/console/cases/{case_no}/receipt`) the counter console prints through
//! the browser's print dialog, on A5 (`?paper=a5`, the default) or 80 mm
//! receipt paper (`?paper=receipt`).
//!
//! The receipt's QR code is an inline SVG drawn on the server from the
//! `qrcode` crate's modules: no script, no image request, and it prints
//! sharp at any size. Its URL is built from the request's `Host`, so it
//! names the server as the counter's browser reached it; a hall whose
//! phones reach the server under another name puts a reverse proxy with
//! that name in front (the same holds for ticket QR codes).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use serde::Deserialize;

use super::pages::{PageSession, hall_name, lang, render};
use crate::AppState;
use crate::api::extract::ClientInfo;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/c/{case_no}", get(case_progress_page))
        .route("/console/cases/{case_no}/receipt", get(case_receipt_page))
}

#[derive(Debug, Deserialize)]
struct PasswordQuery {
    p: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ReceiptQuery {
    paper: Option<String>,
}

/// `url` as an SVG QR code (medium error correction, 4-module quiet
/// zone), or nothing if it does not fit one.
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let size = width + 8;
    let mut path = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % width + 4, i / width + 4);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

fn date_zh(d: banli_core::jiff::civil::Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The citizen's progress page.
async fn case_progress_page(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    Query(q): Query<PasswordQuery>,
) -> Response {
    let (hall_zh, hall_en, _) = hall_name(&state).await;
    let lang = lang(&headers);
    match crate::api::cases::lookup(&state, &case_no, q.p.as_deref(), client.ip).await {
        Ok(p) => {
            let steps: Vec<_> = p
                .steps
                .iter()
                .map(|s| {
                    context! {
                        zh => s.status_zh.clone(), en => s.status_en.clone(),
                        date => s.at.to_zoned_datetime(
                            state.engine.view().read(|e, _| {
                                banli_core::jiff::tz::TimeZone::get(&e.config().hall.timezone)
                                    .unwrap_or(banli_core::jiff::tz::TimeZone::UTC)
                            }),
                        ).strftime("%Y-%m-%d %H:%M").to_string(),
                        detail => s.detail.clone(),
                    }
                })
                .collect();
            let stage = serde_json::to_value(p.stage)
                .ok()
                .and_then(|v| v.as_str().map(ToOwned::to_owned));
            let paused = p.paused.and_then(|k| {
                serde_json::to_value(k)
                    .ok()
                    .and_then(|v| v.as_str().map(ToOwned::to_owned))
            });
            render(
                "case_progress.html",
                context! {
                    lang, hall_zh, hall_en, found => true,
                    case_no => p.case_no, matter_zh => p.matter_zh, matter_en => p.matter_en,
                    kind_zh => p.matter_kind.name_zh(),
                    applicant => p.applicant_masked, stage, stage_zh => p.stage_zh, stage_en => p.stage_en,
                    accepted_on => p.accepted_on.to_string(),
                    due_on => p.committed_due_on.map(|d| d.to_string()),
                    remaining => p.remaining_days, paused,
                    materials => p.missing_materials, closed_on => p.closed_on.map(|d| d.to_string()),
                    reason => p.reason, steps,
                },
            )
        }
        Err(e) => {
            let limited = e.status == StatusCode::TOO_MANY_REQUESTS;
            let mut resp = render(
                "case_progress.html",
                context! { lang, hall_zh, hall_en, found => false, limited },
            );
            *resp.status_mut() = e.status;
            if let Some(secs) = e.retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
    }
}

/// The acceptance receipt (受理回执), for staff of the case's department.
async fn case_receipt_page(
    State(state): State<AppState>,
    session: PageSession,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    Query(q): Query<ReceiptQuery>,
) -> Response {
    let (hall_zh, hall_en, _) = hall_name(&state).await;
    let principal = crate::auth::Principal::Staff(session.account.clone());
    let case = match crate::api::cases::staff_case(&state, &principal, &case_no).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let (view, password) = case;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.serves_tls { "https" } else { "http" };
    let url = format!(
        "{scheme}://{host}{}",
        crate::api::cases::progress_path(&view.case_no, &password)
    );
    let paper = if q.paper.as_deref() == Some("receipt") {
        "receipt"
    } else {
        "a5"
    };
    let due = view.due.due_on.map(date_zh);
    render(
        "case_receipt.html",
        context! {
            lang => lang(&headers), hall_zh, hall_en, paper,
            case_no => view.case_no.clone(), password, url, qr => qr_svg(&url),
            matter_zh => view.matter.name_zh.clone(), matter_en => view.matter.name_en.clone(),
            kind_zh => view.matter_kind_zh.clone(),
            department_zh => view.department_zh.clone(),
            applicant => view.applicant_name.clone(), id_masked => view.id_number_masked.clone(),
            accepted_at => view.accepted_at.to_zoned_datetime(
                banli_core::jiff::tz::TimeZone::get(&hall_name(&state).await.2)
                    .unwrap_or(banli_core::jiff::tz::TimeZone::UTC),
            ).strftime("%Y年%m月%d日 %H:%M").to_string(),
            committed_days => view.matter.committed_limit_days,
            legal_days => view.matter.legal_limit_days,
            due, due_iso => view.due.due_on.map(|d| d.to_string()),
            provisional => view.due.provisional,
            counter => view.counter_id.0, accepted_by => view.accepted_by.clone(),
            on_the_spot => view.matter.kind == banli_core::case::MatterKind::OnTheSpot,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progress_url_becomes_a_qr_svg() {
        let svg = qr_svg("http://127.0.0.1:8080/c/330108202611240001?p=123456").unwrap_or_default();
        assert!(svg.starts_with("<svg") && svg.contains("h1v1h-1z"));
    }
}
