//! Public progress lookups (ticket id + query code) are limited per ticket
//! and per client address, so that guessing codes is hopeless; the code's
//! holder, polling with the right code, is never counted.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use banli_core::jiff::SignedDuration;
use common::Hall;
use serde_json::Value;

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("")
}

/// A code that is not the ticket's.
fn wrong(right: &str, i: u32) -> String {
    let n: u32 = right.parse().expect("digits");
    format!("{:06}", (n + 1 + i) % 1_000_000)
}

async fn lookup(hall: &Hall, from: &str, id: &Value, code: &str) -> (StatusCode, Value) {
    let req = Request::get(format!("/api/v1/tickets/{id}?code={code}"))
        .body(Body::empty())
        .expect("request");
    hall.send_from(req, SocketAddr::new(from.parse().expect("ip"), 50_000))
        .await
}

async fn page(hall: &Hall, from: &str, id: &Value, code: &str) -> StatusCode {
    let req = Request::get(format!("/t/{id}?code={code}"))
        .body(Body::empty())
        .expect("request");
    hall.send_from(req, SocketAddr::new(from.parse().expect("ip"), 50_000))
        .await
        .0
}

#[tokio::test]
async fn guessing_one_tickets_code_is_cut_off_per_ticket() {
    let hall = Hall::demo().await;
    let t = hall.issue("tax").await;
    let (id, right) = (&t["id"], t["query_code"].as_str().expect("code"));
    // Five wrong codes from five addresses...
    for i in 0..5 {
        let (s, v) = lookup(&hall, &format!("10.1.0.{i}"), id, &wrong(right, i)).await;
        assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_ticket"));
    }
    // ...and the ticket takes no more guesses, from anywhere, on the API
    // or the progress page, the right code included (or a 429 would tell
    // a guesser which code was right).
    let (s, v) = lookup(&hall, "10.1.0.9", id, &wrong(right, 9)).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_lookups"),
        "{v}"
    );
    assert!(v["message_zh"].as_str().is_some_and(|m| !m.is_empty()));
    let (s, _) = lookup(&hall, "10.1.0.10", id, right).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        page(&hall, "10.1.0.11", id, right).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Other tickets are not affected.
    let other = hall.issue("tax").await;
    let (s, _) = lookup(
        &hall,
        "10.1.0.12",
        &other["id"],
        other["query_code"].as_str().expect("code"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // Staff look tickets up without a code and without a limit.
    let (s, _) = hall
        .get(&format!("/api/v1/tickets/{id}"), Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK);
    // One more guess is allowed every ten minutes.
    hall.clock.advance(SignedDuration::from_mins(10));
    let (s, _) = lookup(&hall, "10.1.0.13", id, right).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn one_address_guessing_many_tickets_is_cut_off() {
    let hall = Hall::demo().await;
    let mut tickets = Vec::new();
    for _ in 0..25 {
        tickets.push(hall.issue("tax").await);
    }
    // One wrong code each (no ticket reaches its own limit), then the
    // address is stopped, unknown ids included.
    let mut first_refusal = None;
    for (i, t) in tickets.iter().enumerate() {
        let right = t["query_code"].as_str().expect("code");
        let (s, v) = lookup(&hall, "10.2.0.66", &t["id"], &wrong(right, 0)).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(code(&v), "too_many_lookups");
            first_refusal.get_or_insert(i);
        }
    }
    assert_eq!(first_refusal, Some(20), "twenty wrong codes per address");
    let (s, _) = lookup(&hall, "10.2.0.66", &Value::from(999_999u64), "000000").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let first = &tickets[0];
    let right = first["query_code"].as_str().expect("code");
    let (s, _) = lookup(&hall, "10.2.0.66", &first["id"], right).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "the address is stopped");
    let (s, _) = lookup(&hall, "10.2.0.67", &first["id"], right).await;
    assert_eq!(s, StatusCode::OK, "other addresses are not");
}

#[tokio::test]
async fn the_holder_polling_with_the_right_code_is_never_counted() {
    let hall = Hall::demo().await;
    let t = hall.issue("tax").await;
    let (id, right) = (&t["id"], t["query_code"].as_str().expect("code"));
    // A whole hall behind one address, refreshing all day.
    for _ in 0..300 {
        let (s, _) = lookup(&hall, "10.3.0.1", id, right).await;
        assert_eq!(s, StatusCode::OK);
    }
    for _ in 0..30 {
        assert_eq!(page(&hall, "10.3.0.1", id, right).await, StatusCode::OK);
    }
    // Phones polling many tickets with their right codes leave nothing in
    // the limiters (which hold at most 100,000 keys, and refuse when full).
    for _ in 0..20 {
        let other = hall.issue("tax").await;
        let code = other["query_code"].as_str().expect("code");
        let (s, _) = lookup(&hall, "10.3.0.2", &other["id"], code).await;
        assert_eq!(s, StatusCode::OK);
    }
    assert_eq!(
        (
            hall.state.limits.lookup_ticket.len(),
            hall.state.limits.lookup_address.len()
        ),
        (0, 0)
    );
    // A holder's one typo is forgiven as the budget allows.
    let (s, _) = lookup(&hall, "10.3.0.1", id, &wrong(right, 0)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = lookup(&hall, "10.3.0.1", id, right).await;
    assert_eq!(s, StatusCode::OK);
}
