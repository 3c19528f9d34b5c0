//! The event stream over a real WebSocket on loopback: a snapshot first,
//! then every committed event in sequence, and a resync on request.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::time::Duration;

use banli_core::wire::{HallEvent, StreamMessage};
use common::Hall;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_message(ws: &mut Ws) -> StreamMessage {
    loop {
        // A bound, not a wait: a missing event fails the test instead of hanging it.
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message in time");
        match msg.expect("stream open").expect("frame") {
            Message::Text(t) => return serde_json::from_str(t.as_str()).expect("a StreamMessage"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

async fn serve(
    hall: &mut Hall,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = hall.server.take().expect("server");
    let join = tokio::spawn(async move {
        server
            .serve(listener, async move {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
    });
    (addr, stop, join)
}

#[tokio::test]
async fn a_board_gets_a_snapshot_then_every_call_in_order() {
    let mut hall = Hall::demo().await;
    hall.issue("tax").await;
    let (addr, stop, join) = serve(&mut hall).await;

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
    let StreamMessage::Snapshot { snapshot } = next_message(&mut ws).await else {
        panic!("snapshot first")
    };
    assert_eq!(snapshot.hall_name_zh, "滨江区政务服务中心");
    let tax = snapshot
        .services
        .iter()
        .find(|s| s.id.as_str() == "tax")
        .expect("tax");
    assert_eq!(tax.waiting, 1);
    let mut seq = snapshot.seq;
    // The board counts as online while its stream is open.
    let (_, devices) = hall.get("/api/v1/admin/devices", Some(&hall.admin)).await;
    let board = devices
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["name"] == "demo-board")
        .cloned()
        .expect("board");
    assert_eq!(board["online"], true);

    // A booking (nothing to show) still takes its place in the sequence;
    // a ticket and a call made over HTTP reach the board as they commit.
    let (s, _) = hall
        .post(
            "/api/v1/admin/appointments",
            Some(&hall.admin),
            json!({"code": "BK1", "service_id": "exit-entry", "slot": "2026-11-24T11:00:00+08:00"}),
        )
        .await;
    assert_eq!(s, axum::http::StatusCode::CREATED);
    hall.issue("tax").await;
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let (s, _) = hall
        .post("/api/v1/counters/8/call-next", Some(&staff), json!({}))
        .await;
    assert_eq!(s, axum::http::StatusCode::OK);
    let mut saw_call = false;
    while !saw_call {
        let StreamMessage::Event { seq: s, event, .. } = next_message(&mut ws).await else {
            panic!("events after the snapshot")
        };
        assert_eq!(s, seq + 1, "sequence numbers have no gaps");
        seq = s;
        if let HallEvent::TicketCalled { call, waiting, .. } = event {
            assert_eq!(
                (call.number.as_str(), call.counter_id.0, call.zone.as_str()),
                ("F001", 8, "二楼")
            );
            assert_eq!(waiting[0].waiting, 1);
            saw_call = true;
        }
    }

    // A token in the query string works too (browsers), and a resync
    // request gets a fresh snapshot with the same sequence number.
    let (mut ws2, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/api/v1/events?access_token={}",
        hall.board
    ))
    .await
    .expect("connect");
    let StreamMessage::Snapshot { snapshot: s2 } = next_message(&mut ws2).await else {
        panic!("snapshot")
    };
    assert_eq!(s2.seq, seq);
    assert_eq!(s2.recent_calls[0].number, "F001");
    ws2.send(Message::text(r#"{"type":"resync"}"#))
        .await
        .expect("send");
    let StreamMessage::Snapshot { snapshot: s3 } = next_message(&mut ws2).await else {
        panic!("snapshot again")
    };
    assert_eq!(s3.seq, seq);

    // Without a token: refused before the upgrade.
    let err = tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/events"))
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("401"), "{err}");

    // Shutdown closes the streams.
    let _ = stop.send(());
    join.await.expect("server task");
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("closed in time")
        {
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => {}
        }
    }
}
