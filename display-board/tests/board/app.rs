//! The app without a window: a headless board connected to a small
//! WebSocket server, rendering its announcements instead of playing them.
//! This is also the shape of an end-to-end test with the real server.

use std::time::{Duration, Instant};

use banli_board::announcer::Lang;
use banli_board::app::BoardApp;
use banli_board::board::Board;
use banli_board::client::ClientConfig;
use banli_board::config::Filter;
use banli_board::render::{Pcm, RenderOptions};
use banli_board::ui::View;
use banli_board::voice::Voice;
use banli_core::wire::CallView;
use futures_util::{SinkExt as _, StreamExt as _};
use jiff::Timestamp;
use tokio_tungstenite::tungstenite::Message;

use crate::util::*;

#[test]
fn a_headless_board_announces_each_call_once_across_a_resync() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind a port");
    let addr = listener.local_addr().expect("local address");
    let now = Timestamp::now();
    runtime.spawn(async move {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
            return;
        };
        let json = |m| serde_json::to_string(&m).expect("json");
        let a1 = call(1, "A001", 1, now);
        let a2 = call(2, "A002", 2, now);
        let a3 = call(3, "A003", 1, now);
        let a4 = call(4, "A004", 2, now);
        for m in [
            snapshot(10, now, vec![]),
            called(11, a1.clone(), 3),
            // 12 is lost: the board must ask for a snapshot.
            called(13, a3.clone(), 1),
        ] {
            let _ = ws.send(Message::text(json(m))).await;
        }
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Text(t) = m
                && t.contains("resync")
            {
                let _ = ws
                    .send(Message::text(json(snapshot(13, now, vec![a3, a2, a1]))))
                    .await;
                // One call more after the snapshot: once the board has
                // announced it, anything it would repeat has come out too.
                let _ = ws.send(Message::text(json(called(14, a4, 0)))).await;
                break;
            }
        }
        while let Some(Ok(_)) = ws.next().await {}
    });

    let board = Board::new(Filter::default(), vec![Lang::Zh], Duration::from_secs(30));
    let mut app = BoardApp::headless(board, View::default());
    let zh = banli_board::default_voice_dir(Lang::Zh);
    let voice = Voice::load(&[(Lang::Zh, zh.as_path())]).expect("the default Chinese pack");
    app.set_voice(voice, RenderOptions::default());
    let (wake, woken) = std::sync::mpsc::channel();
    app.connect(
        ClientConfig {
            server: format!("http://{addr}"),
            token: "t".into(),
        },
        move || {
            let _ = wake.send(());
        },
    )
    .expect("client starts");

    // Poll each time the client wakes the board, until A004 is announced.
    let mut rendered: Vec<(CallView, Pcm)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !rendered.iter().any(|(c, _)| c.number == "A004") {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            woken.recv_timeout(left).is_ok(),
            "announced only {:?}",
            rendered
                .iter()
                .map(|(c, _)| c.number.as_str())
                .collect::<Vec<_>>()
        );
        app.poll();
        rendered.extend(app.take_rendered());
    }
    let numbers: Vec<_> = rendered.iter().map(|(c, _)| c.number.as_str()).collect();
    assert_eq!(numbers, ["A001", "A002", "A003", "A004"]);
    assert!(
        rendered
            .iter()
            .all(|(_, pcm)| pcm.duration() > Duration::from_secs(1))
    );
    assert_eq!(app.board().last_seq(), Some(14));
    let shown: Vec<_> = app
        .board()
        .calls()
        .iter()
        .map(|c| c.number.as_str())
        .collect();
    assert_eq!(shown, ["A004", "A003", "A002", "A001"]);
}
