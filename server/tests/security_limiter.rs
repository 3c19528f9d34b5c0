//! Login limiting: the limit is taken before argon2 runs, so parallel
//! guesses cannot slip past it; it counts per account and per client
//! address, so one person's typos never lock out anyone else; and the
//! client address comes from `X-Forwarded-For` only when the peer is a
//! configured reverse proxy.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use banli_core::jiff::SignedDuration;
use banli_server::DEMO_STAFF_PASSWORD;
use common::Hall;
use serde_json::{Value, json};

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("")
}

fn peer(ip: &str) -> SocketAddr {
    SocketAddr::new(ip.parse().expect("ip"), 40_000)
}

fn login_request(user: &str, password: &str, forwarded_for: Option<&str>) -> Request<Body> {
    let mut b = Request::post("/api/v1/auth/login").header("content-type", "application/json");
    if let Some(f) = forwarded_for {
        b = b.header("x-forwarded-for", f);
    }
    b.body(Body::from(
        json!({"username": user, "password": password}).to_string(),
    ))
    .expect("request")
}

async fn login_from(
    hall: &Hall,
    from: &str,
    forwarded_for: Option<&str>,
    user: &str,
    password: &str,
) -> (StatusCode, Value) {
    hall.send_from(login_request(user, password, forwarded_for), peer(from))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_reach_argon2_only_as_often_as_the_limit_allows() {
    let hall = Hall::demo().await;
    let checked_before = hall.metric("banli_password_checks_total").await;
    let guesses = (0..40).map(|i| {
        let hall = &hall;
        async move { login_from(hall, "10.0.0.7", None, "staff7", &format!("guess-{i}")).await }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let refused = answers
        .iter()
        .filter(|(s, v)| *s == StatusCode::TOO_MANY_REQUESTS && code(v) == "too_many_attempts")
        .count();
    let wrong = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    let checked = hall.metric("banli_password_checks_total").await - checked_before;
    assert_eq!(
        (wrong, refused, checked),
        (5, 35, 5.0),
        "five guesses per account reach argon2, whatever the concurrency"
    );

    // The right password waits too, from anywhere: the account is locked.
    let (s, v) = login_from(&hall, "10.0.0.99", None, "staff7", DEMO_STAFF_PASSWORD).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
    );
    assert!(
        v["message_zh"].as_str().is_some_and(|m| m.contains("分钟")),
        "{v}"
    );
    // Nobody else is: the same address logs in to another account.
    let (s, v) = login_from(&hall, "10.0.0.7", None, "staff8", DEMO_STAFF_PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The lock wears off.
    hall.clock.advance(SignedDuration::from_mins(10));
    let (s, v) = login_from(&hall, "10.0.0.7", None, "staff7", DEMO_STAFF_PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn the_429_says_when_to_try_again() {
    let hall = Hall::demo().await;
    for _ in 0..5 {
        let (s, _) = login_from(&hall, "10.0.0.7", None, "staff7", "wrong-guess").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let req = login_request("staff7", "wrong-guess", None);
    let mut req = req;
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer("10.0.0.7")));
    let resp = tower::ServiceExt::oneshot(banli_server::app(hall.state.clone()), req)
        .await
        .expect("infallible");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=600).contains(&wait), "{wait}");
}

#[tokio::test]
async fn one_address_spraying_many_accounts_is_stopped_and_no_one_else() {
    let hall = Hall::demo().await;
    let mut first_refusal = None;
    for i in 0..40 {
        let user = format!("staff{}", i % 10 + 1);
        let (s, v) = login_from(&hall, "10.0.0.66", None, &user, "spray-2026").await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(code(&v), "too_many_attempts");
            first_refusal.get_or_insert(i);
        }
    }
    let first = first_refusal.expect("the address is stopped");
    assert!(
        (10..=30).contains(&first),
        "stopped after a bounded number of guesses, not at once: {first}"
    );
    // Its guesses did not lock the accounts for the people they belong to.
    let (s, v) = login_from(&hall, "10.0.0.8", None, "staff3", DEMO_STAFF_PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_counted_on_its_own() {
    let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
    let hall = Hall::demo_behind(vec![proxy]).await;
    // A clerk makes typos: five on their account, then mistypes the name.
    for _ in 0..5 {
        let (s, _) = login_from(&hall, "10.0.0.1", Some("192.168.1.20"), "staff7", "typo").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    for _ in 0..8 {
        let (s, _) = login_from(&hall, "10.0.0.1", Some("192.168.1.20"), "staf7", "typo").await;
        assert_ne!(s, StatusCode::OK);
    }
    // Every other clerk comes through the same proxy and still logs in.
    for (ip, user) in [("192.168.1.21", "staff8"), ("192.168.1.22", "staff9")] {
        let (s, v) = login_from(&hall, "10.0.0.1", Some(ip), user, DEMO_STAFF_PASSWORD).await;
        assert_eq!(s, StatusCode::OK, "{user}: {v}");
    }
    // A chain: the proxy appends the address it saw; what the client
    // wrote before it is not believed.
    let (s, v) = login_from(
        &hall,
        "10.0.0.1",
        Some("203.0.113.9, 192.168.1.23"),
        "staff10",
        DEMO_STAFF_PASSWORD,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn x_forwarded_for_from_anyone_else_is_ignored() {
    let hall = Hall::demo().await;
    // Without a trusted proxy, a new X-Forwarded-For on every guess does
    // not make a new client: the peer's address is counted.
    let mut refused = false;
    for i in 0..40 {
        let fake = format!("198.51.100.{i}");
        let user = format!("staff{}", i % 10 + 1);
        let (s, _) = login_from(&hall, "10.0.0.66", Some(&fake), &user, "spray-2026").await;
        refused |= s == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(refused, "a forged header does not escape the address limit");
}
