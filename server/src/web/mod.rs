//! The web consoles, served from assets embedded in the binary (no build
//! step, no CDN: a hall's network may be closed).
//!
//! - `/console`: the counter console for window staff.
//! - `/admin/...`: the admin console for the hall director.
//! - `/login`, `/logout`: a session in an HttpOnly, SameSite=Strict cookie.
//! - `/c/{case_no}`, `/console/cases/{case_no}/receipt`: a case's progress
//!   page for the citizen and its printable receipt ([`cases`]).
//!
//! Pages are thin server-rendered shells (minijinja templates in
//! `server/web/templates`); small dependency-free scripts
//! (`server/web/static`) fill them from the JSON API and keep them live
//! over the event stream. Requests the scripts make carry the session
//! cookie and the page's CSRF token (`X-CSRF-Token`, derived from the
//! session: see [`crate::api::extract::csrf_token`]); forms carry it as
//! `_csrf`. Every page answers with a strict Content-Security-Policy.

mod assets;
mod cases;
mod pages;

use axum::Router;

use crate::AppState;

pub use pages::routes as page_routes;

/// The console routes: pages and static assets.
pub fn routes() -> Router<AppState> {
    page_routes().merge(assets::routes()).merge(cases::routes())
}
