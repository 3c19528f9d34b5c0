//! End to end against the real server: a `banli-server` on the demo hall in
//! this process, on a loopback port; a headless board connected to it with
//! the demo board's token; a kiosk token takes a ticket and a clerk calls
//! it over HTTP. The board must show the call and queue its announcement
//! (rendered from the default Chinese pack), and speak a recall again, and
//! a ticket transferred to another service once at each counter.
//!
//! Waiting is on the board client's wake-up (the same `request_repaint`
//! callback the window uses), never on a sleep.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use banli_board::announcer::Lang;
use banli_board::app::BoardApp;
use banli_board::board::{Board, Connection};
use banli_board::client::ClientConfig;
use banli_board::config::Filter;
use banli_board::render::{Pcm, RenderOptions};
use banli_board::ui::View;
use banli_board::voice::Voice;
use banli_core::wire::CallView;
use banli_server::loopback::LoopbackDemo;
use serde_json::{Value, json};

/// The demo hall on a loopback port, with the kiosk's and board's device
/// tokens. Dropping it stops the server.
struct Hall {
    demo: LoopbackDemo,
    _data: tempfile::TempDir,
}

impl Hall {
    fn demo() -> Self {
        let data = tempfile::tempdir().expect("data dir");
        let demo = LoopbackDemo::start(data.path()).expect("demo server");
        Self { demo, _data: data }
    }

    fn post(&self, path: &str, token: &str, body: Value) -> Value {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut resp = agent
            .post(&format!("{}{path}", self.demo.url))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Idempotency-Key", &format!("board-e2e-{path}-{body}"))
            .send_json(&body)
            .expect("request");
        let status = resp.status();
        let value: Value = resp.body_mut().read_json().expect("json body");
        assert!(status.is_success(), "{path}: {status} {value}");
        value
    }

    fn login(&self, user: &str) -> String {
        let agent = ureq::Agent::new_with_defaults();
        let mut resp = agent
            .post(&format!("{}/api/v1/auth/login", self.demo.url))
            .send_json(json!({"username": user, "password": banli_server::DEMO_STAFF_PASSWORD}))
            .expect("login");
        let body: Value = resp.body_mut().read_json().expect("json body");
        body["token"].as_str().expect("session token").to_owned()
    }
}

/// A headless board with the default Chinese voice, connected to `hall`,
/// and the receiver its client wakes.
fn board(hall: &Hall) -> (BoardApp, mpsc::Receiver<()>) {
    let board = Board::new(Filter::default(), vec![Lang::Zh], Duration::from_secs(30));
    let mut app = BoardApp::headless(board, View::default());
    let zh = banli_board::default_voice_dir(Lang::Zh);
    let voice = Voice::load(&[(Lang::Zh, zh.as_path())]).expect("the default Chinese pack");
    app.set_voice(voice, RenderOptions::default());
    let (wake, woken) = mpsc::channel();
    app.connect(
        ClientConfig {
            server: hall.demo.url.clone(),
            token: hall.demo.board_token.clone(),
        },
        move || {
            let _ = wake.send(());
        },
    )
    .expect("client starts");
    (app, woken)
}

/// Polls the board each time its client wakes it until `done` holds,
/// collecting the announcements it renders. Panics after 20 s.
fn until(
    app: &mut BoardApp,
    woken: &mpsc::Receiver<()>,
    heard: &mut Vec<(CallView, Pcm)>,
    what: &str,
    done: impl Fn(&BoardApp, &[(CallView, Pcm)]) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        app.poll();
        heard.extend(app.take_rendered());
        if done(app, heard) {
            return;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            woken.recv_timeout(left).is_ok(),
            "the board never got to: {what}"
        );
    }
}

#[test]
fn a_counter_calls_and_the_board_shows_and_announces_it() {
    let hall = Hall::demo();
    let (mut app, woken) = board(&hall);
    let mut heard = Vec::new();
    until(
        &mut app,
        &woken,
        &mut heard,
        "the hall's snapshot",
        |app, _| app.board().has_state() && app.board().connection() == &Connection::Live,
    );
    assert!(
        app.board().services().any(|s| s.name_zh == "公积金业务"),
        "the demo hall's services are on the board"
    );

    // A citizen takes a housing-fund ticket; counter 5 calls it.
    let ticket = hall.post(
        "/api/v1/tickets",
        &hall.demo.kiosk_token,
        json!({"service_id": "housing-fund"}),
    );
    let number = ticket["number"].as_str().expect("number").to_owned();
    let clerk = hall.login("staff5");
    hall.post("/api/v1/counters/5/call-next", &clerk, json!({}));

    until(
        &mut app,
        &woken,
        &mut heard,
        "show and announce the call",
        |app, heard| {
            app.board().calls().first().map(|c| c.number.as_str()) == Some(number.as_str())
                && !heard.is_empty()
        },
    );
    let shown = &app.board().calls()[0];
    assert_eq!(shown.counter_id.0, 5);
    assert!(shown.counter_name_zh.starts_with("5号窗口"));
    let (call, pcm) = &heard[0];
    assert_eq!(call.number, number);
    assert_eq!(call.counter_id.0, 5);
    // A chime, then 「请 E001 号到 5 号窗口办理」: seconds of sound.
    assert!(
        pcm.duration() > Duration::from_secs(2),
        "{:?}",
        pcm.duration()
    );
    assert!(pcm.samples.iter().any(|s| s.abs() > 0.1), "not silence");

    // A recall is announced again; the board still shows one call.
    hall.post("/api/v1/counters/5/recall", &clerk, json!({}));
    until(
        &mut app,
        &woken,
        &mut heard,
        "announce the recall",
        |_, heard| heard.len() >= 2,
    );
    assert_eq!(heard[1].0.number, number);
    assert_eq!(
        app.board()
            .calls()
            .iter()
            .filter(|c| c.number == number)
            .count(),
        1
    );

    // Finishing and calling nobody says nothing more: the next event the
    // board sees (a new ticket) comes with no announcement.
    hall.post("/api/v1/counters/5/finish", &clerk, json!({}));
    let next = hall.post(
        "/api/v1/tickets",
        &hall.demo.kiosk_token,
        json!({"service_id": "social-insurance"}),
    );
    let service = next["service_id"].as_str().expect("service").to_owned();
    let waiting_before = app
        .board()
        .services()
        .find(|s| s.id.as_str() == service)
        .map(|s| s.waiting)
        .expect("service on the board");
    until(
        &mut app,
        &woken,
        &mut heard,
        "count the new ticket",
        |app, _| {
            app.board()
                .services()
                .any(|s| s.id.as_str() == service && s.waiting > waiting_before)
        },
    );
    assert_eq!(
        heard.len(),
        2,
        "nothing announced but the call and its recall"
    );
}

#[test]
fn a_transferred_ticket_is_announced_at_both_counters() {
    let hall = Hall::demo();
    let (mut app, woken) = board(&hall);
    let mut heard = Vec::new();
    until(
        &mut app,
        &woken,
        &mut heard,
        "the hall's snapshot",
        |app, _| app.board().has_state() && app.board().connection() == &Connection::Live,
    );

    // 受理 at counter 5 (housing fund)...
    let ticket = hall.post(
        "/api/v1/tickets",
        &hall.demo.kiosk_token,
        json!({"service_id": "housing-fund"}),
    );
    let number = ticket["number"].as_str().expect("number").to_owned();
    let clerk5 = hall.login("staff5");
    hall.post("/api/v1/counters/5/call-next", &clerk5, json!({}));
    until(
        &mut app,
        &woken,
        &mut heard,
        "announce the call at counter 5",
        |_, heard| !heard.is_empty(),
    );

    // ...then to the cashier (收费), whom counter 1 serves, keeping its
    // number; counter 1 calls it.
    hall.post(
        "/api/v1/counters/5/transfer",
        &clerk5,
        json!({"to_service": "cashier"}),
    );
    let clerk1 = hall.login("staff1");
    hall.post("/api/v1/counters/1/call-next", &clerk1, json!({}));
    until(
        &mut app,
        &woken,
        &mut heard,
        "announce the call at counter 1",
        |_, heard| heard.len() >= 2,
    );

    let calls: Vec<_> = heard
        .iter()
        .map(|(call, _)| (call.number.as_str(), call.counter_id.0, call.call_no))
        .collect();
    assert_eq!(
        calls,
        [(number.as_str(), 5, 1), (number.as_str(), 1, 2)],
        "one announcement per counter"
    );
    assert!(heard[1].1.duration() > Duration::from_secs(2), "spoken");
    let shown = &app.board().calls()[0];
    assert_eq!(
        (shown.number.as_str(), shown.counter_id.0),
        (number.as_str(), 1)
    );
    assert_eq!(
        app.board()
            .counter(banli_core::ids::CounterId(5))
            .and_then(|c| c.current.as_ref()),
        None,
        "the ticket left counter 5"
    );
}
