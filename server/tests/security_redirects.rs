//! Redirects go only to paths of this site: `/lang/{lang}?next=` (reachable
//! without logging in) and the login form's `next`. Anything a browser
//! could read as another host (tab, newline, backslash, `//`, `/\`, the
//! same percent-encoded, absolute and scheme URLs) goes to `/`.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use banli_server::DEMO_STAFF_PASSWORD;
use common::Hall;
use tower::ServiceExt as _;

/// Values of `next` as they arrive in the query or form, percent-encoded
/// once by the browser (so `%09` is a tab once decoded, and `%2509` is the
/// text `%09`).
const UNSAFE: &[&str] = &[
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D/evil.example",
    "%09/evil.example",
    "//evil.example",
    "%2F%2Fevil.example",
    "/%2Fevil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "/%5C/evil.example",
    "/%2509/evil.example",
    "/%252F%252Fevil.example",
    "/%255Cevil.example",
    "%2F%252Fevil.example",
    "https://evil.example/",
    "https%3A%2F%2Fevil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "%20/evil.example",
    "/console%0D%0ASet-Cookie:%20x=1",
    "/%00/evil.example",
    "",
];

/// Same-site paths that stay as they are.
const SAFE: &[&str] = &["/console", "/admin/staff", "/login", "/t/12"];

async fn location(hall: &Hall, req: Request<Body>) -> (StatusCode, String) {
    let resp = banli_server::app(hall.state.clone())
        .oneshot(req)
        .await
        .expect("infallible");
    let loc = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    (resp.status(), loc)
}

#[tokio::test]
async fn the_language_switch_redirects_only_within_the_site() {
    let hall = Hall::demo().await;
    for next in UNSAFE {
        let req = Request::get(format!("/lang/en?next={next}"))
            .body(Body::empty())
            .expect("request");
        let (s, loc) = location(&hall, req).await;
        assert!(s.is_redirection(), "{next:?}: {s}");
        assert_eq!(loc, "/", "next={next:?}");
    }
    for next in SAFE {
        let req = Request::get(format!("/lang/zh?next={next}"))
            .body(Body::empty())
            .expect("request");
        assert_eq!(location(&hall, req).await.1, *next);
    }
}

/// Opens the login form and returns its one-time value and cookie.
async fn login_form(hall: &Hall) -> (String, String) {
    let resp = banli_server::app(hall.state.clone())
        .oneshot(Request::get("/login").body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let cookie = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("banli_login="))
        .expect("the form's cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    let nonce = cookie.trim_start_matches("banli_login=").to_owned();
    (nonce, cookie)
}

#[tokio::test]
async fn the_login_form_redirects_only_within_the_site() {
    let hall = Hall::demo().await;
    for (next, expected) in UNSAFE
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| (*n, "/"))
        .chain(SAFE.iter().map(|n| (*n, *n)))
    {
        let (nonce, cookie) = login_form(&hall).await;
        let body =
            format!("username=staff8&password={DEMO_STAFF_PASSWORD}&_csrf={nonce}&next={next}");
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .expect("request");
        let (s, loc) = location(&hall, req).await;
        assert!(s.is_redirection(), "{next:?}: {s}");
        assert_eq!(loc, expected, "next={next:?}");
    }
}

#[tokio::test]
async fn the_login_page_does_not_carry_an_unsafe_next() {
    let hall = Hall::demo().await;
    for next in UNSAFE.iter().filter(|n| !n.is_empty()) {
        let resp = banli_server::app(hall.state.clone())
            .oneshot(
                Request::get(format!("/login?next={next}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("infallible");
        assert_eq!(resp.status(), StatusCode::OK);
        let html = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        let html = String::from_utf8_lossy(&html);
        assert!(
            !html.contains("name=\"next\""),
            "next={next:?} is not put in the form"
        );
    }
}
