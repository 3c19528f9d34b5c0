//! Tokens travel only in the `Authorization` header or the session cookie,
//! except on the event stream's WebSocket handshake (browsers cannot set
//! headers there), and never reach the logs.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::http::StatusCode;
use common::Hall;
use futures_util::StreamExt as _;
use tokio_tungstenite::tungstenite::Message;

/// Everything logged by this test binary, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(
            &self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_owned()
    }
}

/// Installs a subscriber that records every event and span of the server
/// side at TRACE, with span fields, once for the whole binary.
fn capture() -> Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(
                    // The test's own WebSocket client may log what it
                    // sends; the server's side is what is checked.
                    "trace,tungstenite::handshake::client=off",
                ))
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .init();
            captured
        })
        .clone()
}

#[tokio::test]
async fn tokens_in_the_query_string_open_only_the_event_stream() {
    let mut hall = Hall::demo().await;
    for (uri, token) in [
        ("/api/v1/services", &hall.kiosk),
        ("/api/v1/hall", &hall.board),
        ("/api/v1/auth/me", &hall.admin),
        ("/api/v1/admin/staff", &hall.admin),
        ("/metrics", &hall.admin),
    ] {
        let (s, v) = hall.get(&format!("{uri}?access_token={token}"), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{uri}: {v}");
    }
    // The WebSocket handshake still takes it: a browser cannot do better.
    let (addr, stop, join) = hall.serve().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/api/v1/events?access_token={}",
        hall.board
    ))
    .await
    .expect("the event stream opens");
    let first = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("a snapshot in time");
    assert!(matches!(first, Some(Ok(Message::Text(_)))), "{first:?}");
    drop(ws);
    let _ = stop.send(());
    join.await.expect("server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_never_reach_the_logs() {
    let logs = capture();
    let mut hall = Hall::demo().await;
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let (addr, stop, join) = hall.serve().await;
    // Every way a token can come in, on good and bad requests alike.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/api/v1/events?access_token={}",
        hall.board
    ))
    .await
    .expect("stream");
    let _ = tokio::time::timeout(Duration::from_secs(10), ws.next()).await;
    drop(ws);
    let refused = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/api/v1/events?access_token={}x",
        hall.kiosk
    ))
    .await;
    assert!(refused.is_err());
    for (uri, token) in [
        ("/api/v1/services", hall.kiosk.as_str()),
        ("/api/v1/nope", staff.as_str()),
        ("/api/v1/auth/me", staff.as_str()),
    ] {
        let _ = hall.get(&format!("{uri}?access_token={token}"), None).await;
        let _ = hall.get(uri, Some(token)).await;
    }
    let _ = hall
        .call("POST", "/api/v1/auth/logout", Some(&staff), None)
        .await;
    let _ = hall.get("/api/v1/auth/me", Some(&staff)).await;
    let _ = stop.send(());
    join.await.expect("server");

    let text = logs.text();
    assert!(!text.is_empty(), "the capture works");
    for (who, token) in [
        ("board", &hall.board),
        ("kiosk", &hall.kiosk),
        ("staff", &staff),
        ("admin", &hall.admin),
    ] {
        // The secret part, without its prefix.
        let secret = &token[2..];
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(secret)).collect();
        assert!(
            lines.is_empty(),
            "the {who} token appears in the logs: {lines:#?}"
        );
    }
}
