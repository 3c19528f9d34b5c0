//! Least data: kiosks and boards (device tokens) get no staff names or
//! usernames, in snapshots or events; staff consoles still see who is at
//! each counter.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::Hall;
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A staff account whose username and display name are easy to spot.
const CLERK: &str = "zhangmin";
const CLERK_NAME: &str = "张敏";

async fn connect(addr: std::net::SocketAddr, token: &str) -> Ws {
    let mut req = format!("ws://{addr}/api/v1/events")
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
    );
    tokio_tungstenite::connect_async(req)
        .await
        .expect("connect")
        .0
}

async fn next_text(ws: &mut Ws) -> String {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("frame");
        if let Message::Text(t) = msg {
            return t.as_str().to_owned();
        }
    }
}

/// Reads messages until one mentions a `counter_changed` event.
async fn counter_change(ws: &mut Ws) -> Value {
    loop {
        let text = next_text(ws).await;
        let v: Value = serde_json::from_str(&text).expect("json");
        if v["event"]["type"] == "counter_changed" {
            return v;
        }
    }
}

fn shows_the_clerk(text: &str) -> bool {
    text.contains(CLERK) || text.contains(CLERK_NAME)
}

#[tokio::test]
async fn devices_get_no_staff_names_in_snapshots_or_events() {
    let mut hall = Hall::demo().await;
    let (s, v) = hall
        .put(
            &format!("/api/v1/admin/staff/{CLERK}"),
            Some(&hall.admin),
            json!({"display_name": CLERK_NAME, "role": "staff", "counters": [8], "password": "zhangmin-pw"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let clerk = hall.login(CLERK, "zhangmin-pw").await;
    hall.issue("tax").await;
    let (s, _) = hall
        .post("/api/v1/counters/8/call-next", Some(&clerk), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);

    // The hall snapshot over HTTP.
    for device in [&hall.board, &hall.kiosk] {
        let (s, snapshot) = hall.get("/api/v1/hall", Some(device)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!shows_the_clerk(&snapshot.to_string()), "{snapshot}");
    }
    let (_, snapshot) = hall.get("/api/v1/hall", Some(&clerk)).await;
    let eight = snapshot["counters"]
        .as_array()
        .expect("counters")
        .iter()
        .find(|c| c["id"] == 8)
        .cloned()
        .expect("counter 8");
    assert_eq!(eight["staff"], CLERK, "staff still see who serves");

    // The stream: the first snapshot and a counter change.
    let (addr, stop, join) = hall.serve().await;
    let mut board = connect(addr, &hall.board).await;
    let mut kiosk = connect(addr, &hall.kiosk).await;
    let mut console = connect(addr, &clerk).await;
    for ws in [&mut board, &mut kiosk] {
        let snapshot = next_text(ws).await;
        assert!(!shows_the_clerk(&snapshot), "{snapshot}");
    }
    let snapshot = next_text(&mut console).await;
    assert!(snapshot.contains(CLERK), "{snapshot}");
    let (s, _) = hall
        .post(
            "/api/v1/counters/8/pause",
            Some(&clerk),
            json!({"reason": "午休"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    for ws in [&mut board, &mut kiosk] {
        let change = counter_change(ws).await;
        assert!(!shows_the_clerk(&change.to_string()), "{change}");
        assert_eq!(change["event"]["counter"]["id"], 8);
    }
    let change = counter_change(&mut console).await;
    assert_eq!(change["event"]["counter"]["staff"], CLERK, "{change}");

    // A resync asked for by a board is as lean as its first snapshot.
    futures_util::SinkExt::send(&mut board, Message::text(r#"{"type":"resync"}"#))
        .await
        .expect("send");
    let mut again = next_text(&mut board).await;
    while !again.contains("\"kind\":\"snapshot\"") {
        again = next_text(&mut board).await;
    }
    assert!(!shows_the_clerk(&again), "{again}");

    let _ = stop.send(());
    join.await.expect("server");
}
