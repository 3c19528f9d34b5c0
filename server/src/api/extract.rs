//! Extractors that answer in our error format: JSON bodies, paths and
//! queries, and the authenticated caller.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, MissingJsonContentType};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use crate::AppState;
use crate::auth::{Principal, TokenError};

/// A JSON body; bad JSON is answered with [`AppError`].
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        if !json_content_type(req.headers()) {
            return Err(JsonRejection::from(MissingJsonContentType::default()).into());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::from(JsonRejection::from(e)))?;
        parse_json(&bytes).map(AppJson)
    }
}

/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

/// The `Idempotency-Key` header of a request that creates something
/// (a ticket, a rating, a complaint), exactly as the document's pattern
/// says: 1 to 128 visible ASCII characters, no spaces.
///
/// # Errors
/// 400 `invalid_idempotency_key` for any other value.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let k = v.to_str().unwrap_or("");
    if k.is_empty() || k.len() > MAX_IDEMPOTENCY_KEY || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
            "请求标识格式有误",
        ));
    }
    Ok(Some(k.to_owned()))
}

/// Whether the request says its body is JSON (`application/json`, or a
/// `+json` type), as axum's `Json` asks.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(essence) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
    else {
        return false;
    };
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// Reads a JSON document into `T`, answering as the API does: 400 for
/// what is not JSON, 422 naming the field that does not fit.
///
/// A number with no fraction written as a float (`7.0`) is taken where an
/// integer is wanted: JSON Schema's `integer`, which the API document
/// uses, admits it, while serde does not. Only a body that failed is
/// looked at again, so well-formed requests pay nothing.
///
/// # Errors
/// When the bytes are not JSON or do not fit `T`.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    match axum::Json::<T>::from_bytes(bytes) {
        Ok(axum::Json(v)) => Ok(v),
        Err(JsonRejection::JsonDataError(e)) => {
            if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(bytes)
                && integral_floats_to_integers(&mut v)
                && let Ok(t) = serde_json::from_value(v)
            {
                return Ok(t);
            }
            Err(JsonRejection::JsonDataError(e).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Rewrites every float with no fraction that fits a 64-bit integer as
/// that integer; whether it rewrote any.
fn integral_floats_to_integers(v: &mut serde_json::Value) -> bool {
    use serde_json::{Number, Value};
    match v {
        Value::Number(n) if n.is_f64() => {
            let Some(f) = n.as_f64() else { return false };
            // Within ±2^63, exactly representable integers only.
            if f.fract() != 0.0 || f.abs() >= 9_223_372_036_854_775_808.0 {
                return false;
            }
            #[allow(clippy::cast_possible_truncation)]
            let i = f as i64;
            *n = Number::from(i);
            true
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, x| integral_floats_to_integers(x) | any),
        Value::Object(fields) => fields
            .values_mut()
            .fold(false, |any, x| integral_floats_to_integers(x) | any),
        _ => false,
    }
}

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

/// Who the client is, as far as the network can tell: its address, and
/// whether it reached the hall over HTTPS.
///
/// The address is the TCP peer's, unless the peer is one of the server's
/// trusted reverse proxies ([`crate::Settings::trusted_proxies`]): then
/// `X-Forwarded-For` is read from the right (each proxy appends the
/// address it saw) and the first address that is not a trusted proxy is
/// the client. Whatever a client writes into the header itself sits left
/// of that and is never believed, and from any other peer the header is
/// ignored, so it cannot pick the address that login and lookup limits
/// count against. HTTPS likewise comes from a trusted proxy's
/// `X-Forwarded-Proto` only, or from the server serving HTTPS itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address; none when the server was started without
    /// connect info (tests driving the router directly).
    pub ip: Option<IpAddr>,
    /// Whether the client's connection is HTTPS: cookies get `Secure`.
    pub https: bool,
}

impl ClientInfo {
    /// Works out the client of a request that came from `peer`.
    pub fn of(headers: &HeaderMap, peer: Option<IpAddr>, trusted: &[IpAddr]) -> Self {
        let Some(peer) = peer.map(|ip| ip.to_canonical()) else {
            return Self {
                ip: None,
                https: false,
            };
        };
        if !trusted.contains(&peer) {
            return Self {
                ip: Some(peer),
                https: false,
            };
        }
        let mut ip = peer;
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            let Some(hop) = parse_hop(hop) else { break };
            ip = hop;
            if !trusted.contains(&hop) {
                break;
            }
        }
        // The proxy nearest the server has the last word.
        let https = headers
            .get_all("x-forwarded-proto")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
        Self {
            ip: Some(ip),
            https,
        }
    }
}

/// One address of `X-Forwarded-For`: `203.0.113.9`, `2001:db8::1`, or
/// either with a port (`203.0.113.9:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    hop.parse::<SocketAddr>()
        .ok()
        .map(|a| a.ip().to_canonical())
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let mut info = Self::of(&parts.headers, peer, &state.trusted_proxies);
        // The server's own HTTPS: every request came over it.
        info.https |= state.serves_tls;
        Ok(info)
    }
}

/// The cookie that carries a web console session (HttpOnly, SameSite=Strict).
pub const SESSION_COOKIE: &str = crate::cookies::SESSION;

/// Where a request's token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `Authorization: Bearer` (or `?access_token=` on an event-stream
    /// handshake): sent on purpose, so no cross-site request can carry it.
    Explicit,
    /// The session cookie, which a browser attaches by itself: state
    /// changes then need the CSRF token too.
    Cookie,
}

/// The token of a request: `Authorization: Bearer …` or the web
/// console's session cookie. Never the URL: URLs end up in proxy logs,
/// browser history and `Referer` headers. (The event stream's handshake
/// alone also takes `?access_token=`, see [`StreamCaller`].)
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
    crate::cookies::read(&parts.headers, SESSION_COOKIE).map(|t| (t, TokenSource::Cookie))
}

/// `?access_token=` of a WebSocket handshake, where a browser (or a board
/// behind a proxy that strips headers) cannot send `Authorization`. Only
/// [`StreamCaller`] reads it; the server never logs request URIs, so the
/// token does not reach a log from here.
fn handshake_query_token(parts: &Parts) -> Option<String> {
    let upgrade = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return None;
    }
    parts
        .uri
        .query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix("access_token="))
        .filter(|t| !t.is_empty())
        .map(ToOwned::to_owned)
}

/// The bearer token of a request, if it came explicitly.
pub fn bearer_token(parts: &Parts) -> Option<String> {
    request_token(parts).map(|(t, _)| t)
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

/// A business day from a query parameter (`YYYY-MM-DD`), or 422
/// `invalid_date`.
///
/// # Errors
/// When `s` is not such a date.
pub fn query_day(s: &str) -> Result<banli_core::jiff::civil::Date, AppError> {
    s.parse().map_err(|_| {
        AppError::invalid(
            "invalid_date",
            format!("{s:?} is not a date like 2026-11-24"),
            "日期格式应为 2026-11-24",
        )
    })
}

/// The business days `from..=to`, or 422 `invalid_range` when `to` is
/// before `from` or more than `max_days` days after it. Each route keeps
/// its own defaults for a missing `from` or `to`; the checks and their
/// messages are these.
///
/// # Errors
/// When the range is empty or too long.
pub fn day_range(
    from: banli_core::jiff::civil::Date,
    to: banli_core::jiff::civil::Date,
    max_days: i32,
) -> Result<(banli_core::jiff::civil::Date, banli_core::jiff::civil::Date), AppError> {
    if to < from || (to - from).get_days() > max_days {
        return Err(AppError::invalid(
            "invalid_range",
            format!("`to` must not be before `from`, and at most {max_days} days after it"),
            format!("结束日期不能早于开始日期，跨度最多{max_days}天"),
        ));
    }
    Ok((from, to))
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
        authenticate(parts, state, &token, source).map(Self)
    }
}

/// Resolves a request's token, and checks what a cookie needs besides.
fn authenticate(
    parts: &Parts,
    state: &AppState,
    token: &str,
    source: TokenSource,
) -> Result<Principal, AppError> {
    let principal = match state
        .auth
        .resolve(token, state.clock.now(), state.session_policy())
    {
        Ok(p) => p,
        Err(TokenError::Expired) => return Err(AppError::expired()),
        Err(TokenError::Unknown) => return Err(AppError::unauthorized()),
    };
    if source == TokenSource::Cookie {
        check_cookie_request(parts, token)?;
    }
    Ok(principal)
}

/// The caller of an event-stream handshake, with the hash of the token it
/// used: the stream closes when that token ends.
pub struct StreamCaller {
    /// Who.
    pub principal: Principal,
    /// The hash of the token it came with.
    pub token_hash: String,
}

impl FromRequestParts<AppState> for StreamCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (token, source) = request_token(parts)
            .or_else(|| handshake_query_token(parts).map(|t| (t, TokenSource::Explicit)))
            .ok_or_else(AppError::unauthorized)?;
        let principal = authenticate(parts, state, &token, source)?;
        Ok(Self {
            principal,
            token_hash: crate::auth::token_hash(&token),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_range_is_checked_with_one_message_for_every_route() {
        let day = |s: &str| query_day(s).expect("a date");
        assert_eq!(
            query_day("2026-13-01").map_err(|e| e.code).err(),
            Some("invalid_date")
        );
        assert_eq!(
            query_day("yesterday").map_err(|e| e.code).err(),
            Some("invalid_date")
        );
        let (a, b) = (day("2025-11-30"), day("2026-11-30"));
        assert_eq!(day_range(a, b, 366).ok(), Some((a, b)), "365 days apart");
        assert_eq!(day_range(b, b, 0).ok(), Some((b, b)), "one day");
        assert_eq!(
            day_range(a, b, 364).map_err(|e| e.code).err(),
            Some("invalid_range")
        );
        assert_eq!(
            day_range(b, a, 366).map_err(|e| e.code).err(),
            Some("invalid_range")
        );
    }

    fn info(xff: &[&str], proto: Option<&str>, peer: &str, trusted: &[&str]) -> ClientInfo {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().expect("value"));
        }
        if let Some(p) = proto {
            h.insert("x-forwarded-proto", p.parse().expect("value"));
        }
        let trusted: Vec<IpAddr> = trusted.iter().map(|t| t.parse().expect("ip")).collect();
        ClientInfo::of(&h, Some(peer.parse().expect("ip")), &trusted)
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        // No trusted proxy: the peer, whatever the headers say.
        let i = info(&["198.51.100.1"], Some("https"), "10.0.0.5", &[]);
        assert_eq!((i.ip, i.https), (ip("10.0.0.5"), false));
        // A trusted proxy: the address it appended, and its scheme.
        let i = info(&["192.168.1.20"], Some("https"), "10.0.0.1", &["10.0.0.1"]);
        assert_eq!((i.ip, i.https), (ip("192.168.1.20"), true));
        // What the client wrote left of it is not believed.
        let i = info(&["6.6.6.6, 192.168.1.20"], None, "10.0.0.1", &["10.0.0.1"]);
        assert_eq!(i.ip, ip("192.168.1.20"));
        // Two proxies, headers split over lines, ports and IPv6.
        let i = info(
            &["6.6.6.6", "[2001:db8::7]:4711, 10.0.0.2"],
            None,
            "10.0.0.1",
            &["10.0.0.1", "10.0.0.2"],
        );
        assert_eq!(i.ip, ip("2001:db8::7"));
        // Garbage stops the walk at the last trusted hop.
        let i = info(&["1.2.3.4, nonsense"], None, "10.0.0.1", &["10.0.0.1"]);
        assert_eq!(i.ip, ip("10.0.0.1"));
        // IPv4-mapped IPv6 peers are their IPv4 address.
        let i = info(&["192.168.1.20"], None, "::ffff:10.0.0.1", &["10.0.0.1"]);
        assert_eq!(i.ip, ip("192.168.1.20"));
    }
}
