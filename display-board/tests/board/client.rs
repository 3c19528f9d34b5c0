//! The client against a small WebSocket server in the test: the bearer
//! token, snapshot delivery, a resync on request, and reconnecting after
//! the server drops the stream.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use banli_board::client::{self, ClientConfig, ClientEvent};
use banli_core::wire::StreamMessage;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

use crate::util::*;

const WAIT: Duration = Duration::from_secs(10);

fn next(rx: &mpsc::Receiver<ClientEvent>) -> ClientEvent {
    rx.recv_timeout(WAIT)
        .expect("the client reports within 10 s")
}

fn next_message(rx: &mpsc::Receiver<ClientEvent>) -> StreamMessage {
    match next(rx) {
        ClientEvent::Message(m) => m,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn streams_resyncs_and_reconnects() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind a port");
    let addr = listener.local_addr().expect("local address");
    let auth: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&auth);
    runtime.spawn(async move {
        for round in 0..2u64 {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let seen = Arc::clone(&seen);
            // The callback's type is tungstenite's, large error variant and all.
            #[allow(clippy::result_large_err)]
            let callback = move |req: &Request, res: Response| {
                let header = req
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                seen.lock().expect("not poisoned").push(header);
                Ok(res)
            };
            let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
                return;
            };
            let snap = |seq| serde_json::to_string(&snapshot(seq, at(0), vec![])).expect("json");
            let _ = ws.send(Message::text(snap(10 + round * 10))).await;
            let event =
                serde_json::to_string(&called(11 + round * 10, call(1, "A001", 1, at(0)), 2))
                    .expect("json");
            let _ = ws.send(Message::text(event)).await;
            if round == 0 {
                // Answer one resync with a snapshot, then drop the stream.
                while let Some(Ok(m)) = ws.next().await {
                    if let Message::Text(t) = m
                        && t.contains("resync")
                    {
                        let _ = ws.send(Message::text(snap(15))).await;
                        break;
                    }
                }
                let _ = ws.close(None).await;
            } else {
                while let Some(Ok(_)) = ws.next().await {}
            }
        }
    });

    let (tx, rx) = mpsc::channel();
    let repaints = Arc::new(Mutex::new(0u32));
    let counted = Arc::clone(&repaints);
    let handle = client::spawn(
        ClientConfig {
            server: format!("http://{addr}"),
            token: "board-token".into(),
        },
        tx,
        move || *counted.lock().expect("not poisoned") += 1,
    )
    .expect("client starts");

    assert_eq!(next(&rx), ClientEvent::Connected);
    assert!(
        matches!(next_message(&rx), StreamMessage::Snapshot { snapshot } if snapshot.seq == 10)
    );
    assert!(matches!(
        next_message(&rx),
        StreamMessage::Event { seq: 11, .. }
    ));
    handle.resync();
    assert!(
        matches!(next_message(&rx), StreamMessage::Snapshot { snapshot } if snapshot.seq == 15)
    );
    assert!(matches!(next(&rx), ClientEvent::Disconnected(_)));
    // Backoff starts at half a second; then a new stream with its snapshot.
    assert_eq!(next(&rx), ClientEvent::Connected);
    assert!(
        matches!(next_message(&rx), StreamMessage::Snapshot { snapshot } if snapshot.seq == 20)
    );
    assert!(*repaints.lock().expect("not poisoned") >= 4);
    assert_eq!(
        *auth.lock().expect("not poisoned"),
        ["Bearer board-token", "Bearer board-token"]
    );
    drop(handle);
}
