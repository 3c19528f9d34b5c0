//! What leaves the server for other programs: report CSV files that a
//! spreadsheet cannot be tricked into running (cells starting with `=`,
//! `+`, `-`, `@`, tab or CR are neutralised with a leading `'`), written
//! by the `csv` crate; and event-stream control messages, which are JSON
//! and nothing else.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::Hall;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

#[tokio::test]
async fn report_csv_neutralises_formulas() {
    let hall = Hall::demo().await;
    // A username a spreadsheet would compute: `-1-1` is -2.
    let (s, v) = hall
        .put(
            "/api/v1/admin/staff/-1-1",
            Some(&hall.admin),
            json!({"display_name": "公式", "role": "staff", "counters": [8], "password": "formula-pw"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let clerk = hall.login("-1-1", "formula-pw").await;
    hall.issue("tax").await;
    let (s, _) = hall
        .post("/api/v1/counters/8/call-next", Some(&clerk), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let req = Request::get("/api/v1/admin/reports?from=2026-11-24&format=csv")
        .header("authorization", format!("Bearer {}", hall.admin))
        .body(Body::empty())
        .expect("request");
    let (s, body) = hall.send(req).await;
    assert_eq!(s, StatusCode::OK);
    let csv = body.as_str().expect("text").to_owned();
    let staff_row = csv
        .lines()
        .find(|l| l.starts_with("staff,"))
        .expect("a staff row");
    assert!(
        staff_row.starts_with("staff,'-1-1,"),
        "the cell is text, not a formula: {staff_row}"
    );
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Reads until the pong with `payload`; returns how many snapshots came
/// before it. The server answers messages in the order they come, so the
/// pong closes the count.
async fn snapshots_before_pong(ws: &mut Ws, payload: &'static [u8]) -> usize {
    let mut snapshots = 0;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("frame");
        match msg {
            Message::Pong(p) if p.as_ref() == payload => return snapshots,
            Message::Text(t) if t.as_str().contains("\"kind\":\"snapshot\"") => snapshots += 1,
            _ => {}
        }
    }
}

#[tokio::test]
async fn stream_control_messages_are_json() {
    let mut hall = Hall::demo().await;
    let (addr, stop, join) = hall.serve().await;
    let mut req = format!("ws://{addr}/api/v1/events")
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {}", hall.board)).expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    ws.send(Message::Ping(b"first".to_vec().into()))
        .await
        .expect("ping");
    assert_eq!(snapshots_before_pong(&mut ws, b"first").await, 1);

    // Text that merely mentions resync is not a request for one; neither
    // is a JSON message of another type, nor a bare string.
    for text in [
        "please do not resync",
        r#"{"type":"hello","note":"resync"}"#,
        r#""resync""#,
        r#"{"type":"resync""#,
    ] {
        ws.send(Message::text(text)).await.expect("send");
    }
    ws.send(Message::Ping(b"second".to_vec().into()))
        .await
        .expect("ping");
    assert_eq!(snapshots_before_pong(&mut ws, b"second").await, 0);

    // The real thing, with or without spaces, gets exactly one.
    ws.send(Message::text(r#"{ "type" : "resync" }"#))
        .await
        .expect("send");
    ws.send(Message::Ping(b"third".to_vec().into()))
        .await
        .expect("ping");
    assert_eq!(snapshots_before_pong(&mut ws, b"third").await, 1);

    // The stream is still open and well after all that.
    hall.issue("tax").await;
    let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("an event in time");
    assert!(matches!(msg, Some(Ok(Message::Text(_)))), "{msg:?}");
    let _ = stop.send(());
    join.await.expect("server");
}
