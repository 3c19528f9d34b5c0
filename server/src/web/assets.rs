//! Static assets (CSS, scripts, fonts), embedded at build time.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

#[derive(rust_embed::Embed)]
#[folder = "web/static"]
struct Static;

/// Templates, embedded likewise.
#[derive(rust_embed::Embed)]
#[folder = "web/templates"]
pub struct Templates;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(static_file))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

async fn static_file(Path(path): Path<String>) -> Response {
    match Static::get(&path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, content_type(&path)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            file.data.into_owned(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
