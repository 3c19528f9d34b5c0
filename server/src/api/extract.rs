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

/// The token of a request: `Authorization: Bearer …`, or `access_token=`
/// in the query (browsers cannot set headers on a WebSocket).
pub fn bearer_token(parts: &Parts) -> Option<String> {
    if let Some(h) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return h.strip_prefix("Bearer ").map(|t| t.trim().to_owned());
    }
    let query = parts.uri.query()?;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("access_token="))
        .map(ToOwned::to_owned)
}

/// An authenticated caller; requests without a valid token get 401.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or_else(AppError::unauthorized)?;
        match state.auth.resolve(&token, state.clock.now()) {
            Ok(p) => Ok(Self(p)),
            Err(TokenError::Expired) => Err(AppError::expired()),
            Err(TokenError::Unknown) => Err(AppError::unauthorized()),
        }
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
