//! Sessions end when they must: a password reset, a disabled or deleted
//! account ends every session of that account at once (memory and
//! database alike); logout ends only the caller's own session and never a
//! device token; revoking a device closes its open event streams; session
//! lifetime and idle expiry are hall settings.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use banli_core::jiff::SignedDuration;
use banli_server::DEMO_STAFF_PASSWORD;
use common::Hall;
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("")
}

async fn me(hall: &Hall, token: &str) -> StatusCode {
    hall.get("/api/v1/auth/me", Some(token)).await.0
}

fn staff8(password: Option<&str>, disabled: bool) -> Value {
    let mut body =
        json!({"display_name": "8号窗口", "role": "staff", "counters": [8], "disabled": disabled});
    if let Some(p) = password {
        body["password"] = json!(p);
    }
    body
}

#[tokio::test]
async fn a_password_reset_ends_every_session_of_the_account() {
    let hall = Hall::demo().await;
    let a = hall.login("staff8", DEMO_STAFF_PASSWORD).await;
    let b = hall.login("staff8", DEMO_STAFF_PASSWORD).await;
    let other = hall.login("staff7", DEMO_STAFF_PASSWORD).await;
    let (s, v) = hall
        .put(
            "/api/v1/admin/staff/staff8",
            Some(&hall.admin),
            staff8(Some("a-new-password-8"), false),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        me(&hall, &a).await,
        StatusCode::UNAUTHORIZED,
        "old session A"
    );
    assert_eq!(
        me(&hall, &b).await,
        StatusCode::UNAUTHORIZED,
        "old session B"
    );
    assert_eq!(
        me(&hall, &other).await,
        StatusCode::OK,
        "other accounts keep theirs"
    );
    let fresh = hall.login("staff8", "a-new-password-8").await;

    // A change that keeps the password (new counters) keeps the session
    // and gives it the new counters at once.
    let mut body = staff8(None, false);
    body["counters"] = json!([8, 9]);
    let (s, v) = hall
        .put("/api/v1/admin/staff/staff8", Some(&hall.admin), body)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = hall.get("/api/v1/counters/9", Some(&fresh)).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The database agrees with memory: a restart does not bring them back.
    let hall = hall.restart().await;
    assert_eq!(me(&hall, &a).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&hall, &fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn disabling_or_deleting_an_account_ends_its_sessions() {
    let hall = Hall::demo().await;
    let eight = hall.login("staff8", DEMO_STAFF_PASSWORD).await;
    let (s, _) = hall
        .put(
            "/api/v1/admin/staff/staff8",
            Some(&hall.admin),
            staff8(None, true),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me(&hall, &eight).await, StatusCode::UNAUTHORIZED);
    // Enabling the account again does not revive the old session.
    let (s, _) = hall
        .put(
            "/api/v1/admin/staff/staff8",
            Some(&hall.admin),
            staff8(None, false),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me(&hall, &eight).await, StatusCode::UNAUTHORIZED);

    let six = hall.login("staff6", DEMO_STAFF_PASSWORD).await;
    let (s, _) = hall
        .call(
            "DELETE",
            "/api/v1/admin/staff/staff6",
            Some(&hall.admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(me(&hall, &six).await, StatusCode::UNAUTHORIZED);
    // A new account of the same name is a new person: the old session
    // stays dead, now and after a restart.
    let (s, _) = hall
        .put(
            "/api/v1/admin/staff/staff6",
            Some(&hall.admin),
            json!({"display_name": "新同事", "role": "staff", "counters": [6], "password": "newcomer-6"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me(&hall, &six).await, StatusCode::UNAUTHORIZED);
    let hall = hall.restart().await;
    assert_eq!(me(&hall, &six).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&hall, &eight).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_ends_only_the_callers_session_and_never_a_device_token() {
    let hall = Hall::demo().await;
    let a = hall.login("staff8", DEMO_STAFF_PASSWORD).await;
    let b = hall.login("staff8", DEMO_STAFF_PASSWORD).await;
    let (s, _) = hall
        .call("POST", "/api/v1/auth/logout", Some(&a), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(me(&hall, &a).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&hall, &b).await,
        StatusCode::OK,
        "the other session lives"
    );

    // A kiosk that calls logout is told no, and keeps working.
    let (s, v) = hall
        .call("POST", "/api/v1/auth/logout", Some(&hall.kiosk), None)
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::FORBIDDEN, "not_a_session"),
        "{v}"
    );
    assert!(v["message_zh"].as_str().is_some_and(|m| !m.is_empty()));
    let (s, _) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    assert_eq!(s, StatusCode::OK, "the kiosk is not locked out");
    let hall = hall.restart().await;
    let (s, _) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    assert_eq!(s, StatusCode::OK, "nor after a restart");

    // Logging out with no or an unknown token says so.
    let (s, _) = hall.call("POST", "/api/v1/auth/logout", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn connect(addr: std::net::SocketAddr, token: &str) -> Ws {
    let mut req = format!("ws://{addr}/api/v1/events")
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    // The snapshot comes first.
    let first = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("a snapshot in time")
        .expect("open")
        .expect("frame");
    assert!(matches!(first, Message::Text(_)), "{first:?}");
    ws
}

/// Waits (at most `within`) for the server to close the stream.
async fn closed_within(ws: &mut Ws, within: Duration) -> bool {
    tokio::time::timeout(within, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn revoking_a_device_or_ending_a_session_closes_its_event_streams_at_once() {
    let mut hall = Hall::demo().await;
    let staff = hall.login("staff8", DEMO_STAFF_PASSWORD).await;
    let (addr, stop, join) = hall.serve().await;
    let mut board = connect(addr, &hall.board).await;
    let mut console = connect(addr, &staff).await;
    let mut kiosk = connect(addr, &hall.kiosk).await;

    let (_, devices) = hall.get("/api/v1/admin/devices", Some(&hall.admin)).await;
    let board_id = devices
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["name"] == "demo-board")
        .map(|d| d["id"].clone())
        .expect("board");
    let (s, _) = hall
        .call(
            "DELETE",
            &format!("/api/v1/admin/devices/{board_id}"),
            Some(&hall.admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(
        closed_within(&mut board, Duration::from_secs(1)).await,
        "the revoked board's stream closes within a second"
    );

    let (s, _) = hall
        .put(
            "/api/v1/admin/staff/staff8",
            Some(&hall.admin),
            staff8(Some("a-new-password-8"), false),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        closed_within(&mut console, Duration::from_secs(1)).await,
        "a password reset closes the clerk's console stream"
    );

    // The kiosk's stream was not touched: it still gets events.
    hall.issue("tax").await;
    let got = tokio::time::timeout(Duration::from_secs(10), kiosk.next())
        .await
        .expect("the kiosk still hears the hall");
    assert!(matches!(got, Some(Ok(Message::Text(_)))), "{got:?}");

    let _ = stop.send(());
    join.await.expect("server task");
}

#[tokio::test]
async fn session_lifetime_and_idle_expiry_are_hall_settings() {
    let hall = Hall::demo().await;
    let (s, info) = hall.get("/api/v1/admin/hall", Some(&hall.admin)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(info["session_hours"], 12, "{info}");
    assert_eq!(info["session_idle_minutes"], 30, "{info}");

    // Idle expiry: each use keeps the session alive; 30 idle minutes end it.
    let staff = hall.login("staff8", DEMO_STAFF_PASSWORD).await;
    for _ in 0..3 {
        hall.clock.advance(SignedDuration::from_mins(29));
        assert_eq!(me(&hall, &staff).await, StatusCode::OK);
    }
    hall.clock.advance(SignedDuration::from_mins(31));
    let (s, v) = hall.get("/api/v1/auth/me", Some(&staff)).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "token_expired"));

    // Administrators change both; devices never expire.
    let admin = hall.login("admin", common::ADMIN_PASSWORD).await;
    let mut changed = info.clone();
    changed["session_hours"] = json!(2);
    changed["session_idle_minutes"] = json!(0);
    let (s, v) = hall.put("/api/v1/admin/hall", Some(&admin), changed).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let staff = hall.login("staff8", DEMO_STAFF_PASSWORD).await;
    hall.clock.advance(SignedDuration::from_mins(110));
    assert_eq!(me(&hall, &staff).await, StatusCode::OK, "no idle expiry");
    hall.clock.advance(SignedDuration::from_mins(11));
    let (s, v) = hall.get("/api/v1/auth/me", Some(&staff)).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNAUTHORIZED, "token_expired"),
        "two hours is the lifetime now"
    );
    let (s, _) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    assert_eq!(s, StatusCode::OK);

    // A lifetime of zero hours is refused, naming the field.
    let admin = hall.login("admin", common::ADMIN_PASSWORD).await;
    let mut bad = info.clone();
    bad["session_hours"] = json!(0);
    let (s, v) = hall.put("/api/v1/admin/hall", Some(&admin), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("hall.session_hours"), "{v}");
}
