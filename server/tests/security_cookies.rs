//! Cookies are written and read by the `cookie` crate: HttpOnly,
//! SameSite=Strict, and `Secure` when the request came over HTTPS (as a
//! trusted reverse proxy says with `X-Forwarded-Proto`); never because an
//! untrusted peer says so.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use banli_server::DEMO_STAFF_PASSWORD;
use common::Hall;
use tower::ServiceExt as _;

fn peer(ip: &str) -> SocketAddr {
    SocketAddr::new(ip.parse().expect("ip"), 40_000)
}

/// Sends `req` from `from` (with `X-Forwarded-Proto: https` when `https`)
/// and returns the status and headers.
async fn send(
    hall: &Hall,
    mut req: Request<Body>,
    from: &str,
    https: bool,
) -> (StatusCode, HeaderMap) {
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer(from)));
    if https {
        req.headers_mut()
            .insert("x-forwarded-proto", "https".parse().expect("value"));
    }
    let resp = banli_server::app(hall.state.clone())
        .oneshot(req)
        .await
        .expect("infallible");
    (resp.status(), resp.headers().clone())
}

/// The `Set-Cookie` header for cookie `name`.
fn set_cookie(headers: &HeaderMap, name: &str) -> String {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {headers:?}"))
        .to_owned()
}

fn attributes(cookie: &str) -> Vec<String> {
    cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

fn assert_strict(cookie: &str, secure: bool) {
    let attrs = attributes(cookie);
    assert!(attrs.contains(&"httponly".to_owned()), "{cookie}");
    assert!(attrs.contains(&"samesite=strict".to_owned()), "{cookie}");
    assert_eq!(attrs.contains(&"secure".to_owned()), secure, "{cookie}");
}

/// Logs in through the form; returns every cookie the answers set.
async fn form_login(hall: &Hall, from: &str, https: bool) -> (String, String) {
    let (_, headers) = send(
        hall,
        Request::get("/login").body(Body::empty()).expect("request"),
        from,
        https,
    )
    .await;
    let form_cookie = set_cookie(&headers, "banli_login");
    let pair = form_cookie.split(';').next().expect("pair").to_owned();
    let nonce = pair.trim_start_matches("banli_login=").to_owned();
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("theme=dark; {pair}; other=1"))
        .body(Body::from(format!(
            "username=staff8&password={DEMO_STAFF_PASSWORD}&_csrf={nonce}"
        )))
        .expect("request");
    let (s, headers) = send(hall, req, from, https).await;
    assert!(s.is_redirection(), "{s}");
    (form_cookie, set_cookie(&headers, "banli_session"))
}

#[tokio::test]
async fn cookies_over_plain_http_are_http_only_and_strict() {
    let hall = Hall::demo().await;
    let (form, session) = form_login(&hall, "10.0.0.5", false).await;
    assert_strict(&form, false);
    assert_strict(&session, false);
    let (_, headers) = send(
        &hall,
        Request::get("/lang/en?next=/console")
            .body(Body::empty())
            .expect("request"),
        "10.0.0.5",
        false,
    )
    .await;
    assert_strict(&set_cookie(&headers, "banli_lang"), false);
}

#[tokio::test]
async fn cookies_are_secure_when_a_trusted_proxy_says_https() {
    let hall = Hall::demo_behind(vec!["10.0.0.1".parse().expect("ip")]).await;
    let (form, session) = form_login(&hall, "10.0.0.1", true).await;
    assert_strict(&form, true);
    assert_strict(&session, true);
    let (_, headers) = send(
        &hall,
        Request::get("/lang/en?next=/console")
            .body(Body::empty())
            .expect("request"),
        "10.0.0.1",
        true,
    )
    .await;
    assert_strict(&set_cookie(&headers, "banli_lang"), true);

    // Signing out clears the session cookie with the same attributes.
    let token = session
        .split(';')
        .next()
        .expect("pair")
        .trim_start_matches("banli_session=")
        .to_owned();
    let csrf = banli_server::api::extract::csrf_token(&token);
    let req = Request::post("/logout")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("banli_session={token}"))
        .body(Body::from(format!("_csrf={csrf}")))
        .expect("request");
    let (s, headers) = send(&hall, req, "10.0.0.1", true).await;
    assert!(s.is_redirection(), "{s}");
    let cleared = set_cookie(&headers, "banli_session");
    assert_strict(&cleared, true);
    assert!(
        attributes(&cleared).contains(&"max-age=0".to_owned()),
        "{cleared}"
    );
}

#[tokio::test]
async fn an_untrusted_peer_cannot_claim_https() {
    let hall = Hall::demo().await;
    let (form, session) = form_login(&hall, "10.0.0.5", true).await;
    assert_strict(&form, false);
    assert_strict(&session, false);
}

#[tokio::test]
async fn the_session_cookie_is_found_among_others_and_by_its_exact_name() {
    let hall = Hall::demo().await;
    let token = hall.login("staff8", DEMO_STAFF_PASSWORD).await;
    let page = |cookies: Vec<String>| {
        let mut b = Request::get("/console");
        for c in cookies {
            b = b.header(header::COOKIE, c);
        }
        b.body(Body::empty()).expect("request")
    };
    // Among other cookies, in two Cookie headers, with the language.
    let (s, _) = send(
        &hall,
        page(vec![
            "theme=dark; banli_lang=en".into(),
            format!("x=1; banli_session={token}"),
        ]),
        "10.0.0.5",
        false,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // A cookie whose name only ends in banli_session is not the session.
    let (s, headers) = send(
        &hall,
        page(vec![format!("xbanli_session={token}")]),
        "10.0.0.5",
        false,
    )
    .await;
    assert!(s.is_redirection(), "{s}");
    assert!(
        headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|l| l.starts_with("/login")),
        "{headers:?}"
    );
}
