//! Extractors that answer in our error format: JSON bodies, paths and
//! queries, and the authenticated caller.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use crate::AppState;
use crate::auth::{Principal, TokenError};

/// A JSON body; bad JSON is answered with [`AppError`].
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct AppJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Path parameters; a bad one is answered with [`AppError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct AppPath<T>(pub T);

/// Query parameters; a bad one is answered with [`AppError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);

/// The address of the client, when the server was started with connect
/// info (tests driving the router directly have none).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// The cookie that carries a web console session (HttpOnly, SameSite=Strict).
pub const SESSION_COOKIE: &str = "banli_session";

/// Where a request's token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `Authorization: Bearer` or `?access_token=`: sent on purpose, so no
    /// cross-site request can carry it.
    Explicit,
    /// The session cookie, which a browser attaches by itself: state
    /// changes then need the CSRF token too.
    Cookie,
}

/// The token of a request: `Authorization: Bearer …`, `access_token=` in
/// the query (browsers cannot set headers on a WebSocket), or the web
/// console's session cookie.
pub fn request_token(parts: &Parts) -> Option<(String, TokenSource)> {
    if let Some(h) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return h
            .strip_prefix("Bearer ")
            .map(|t| (t.trim().to_owned(), TokenSource::Explicit));
    }
    if let Some(t) = parts
        .uri
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("access_token=")))
    {
        return Some((t.to_owned(), TokenSource::Explicit));
    }
    cookie(parts, SESSION_COOKIE).map(|t| (t, TokenSource::Cookie))
}

/// The bearer token of a request, if it came explicitly.
pub fn bearer_token(parts: &Parts) -> Option<String> {
    request_token(parts).map(|(t, _)| t)
}

/// A cookie's value.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// The CSRF token of a session: derived from the session token, so it
/// needs no storage, and unknowable without it. Pages embed it; scripts
/// send it as `X-CSRF-Token` and forms as `_csrf`.
pub fn csrf_token(session_token: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("banli-csrf:{session_token}").as_bytes());
    hex::encode(&digest[..16])
}

fn csrf_failed() -> AppError {
    AppError::new(
        axum::http::StatusCode::FORBIDDEN,
        "csrf_failed",
        "the request lacks this session's CSRF token; reload the page",
        "页面已过期，请刷新后重试",
    )
}

/// Checks what a cookie-authenticated request must also show: the CSRF
/// token for state changes, and a same-origin `Origin` for WebSockets
/// (a cross-site page could otherwise open the event stream).
fn check_cookie_request(parts: &Parts, token: &str) -> Result<(), AppError> {
    let method = &parts.method;
    let websocket = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if websocket {
        let origin = parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        let same = match (origin, host) {
            (Some(o), Some(h)) => o.split_once("://").is_some_and(|(_, rest)| rest == h),
            _ => false,
        };
        return if same { Ok(()) } else { Err(csrf_failed()) };
    }
    if method == axum::http::Method::GET
        || method == axum::http::Method::HEAD
        || method == axum::http::Method::OPTIONS
    {
        return Ok(());
    }
    let sent = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if crate::auth::constant_time_eq(sent, &csrf_token(token)) {
        Ok(())
    } else {
        Err(csrf_failed())
    }
}

/// An authenticated caller; requests without a valid token get 401.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (token, source) = request_token(parts).ok_or_else(AppError::unauthorized)?;
        let principal = match state.auth.resolve(&token, state.clock.now()) {
            Ok(p) => p,
            Err(TokenError::Expired) => return Err(AppError::expired()),
            Err(TokenError::Unknown) => return Err(AppError::unauthorized()),
        };
        if source == TokenSource::Cookie {
            check_cookie_request(parts, &token)?;
        }
        Ok(Self(principal))
    }
}

/// A caller that may or may not have a token (public routes that do more
/// for staff).
pub struct MaybeCaller(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if bearer_token(parts).is_none() {
            return Ok(Self(None));
        }
        Caller::from_request_parts(parts, state)
            .await
            .map(|c| Self(Some(c.0)))
    }
}

impl Caller {
    /// Passes administrators only.
    ///
    /// # Errors
    /// 403 for anyone else.
    pub fn admin(&self) -> Result<&Principal, AppError> {
        if self.0.is_admin() {
            Ok(&self.0)
        } else {
            Err(AppError::forbidden("administrators only"))
        }
    }
}
