//! The screens, checked through egui's accessibility tree with
//! egui_kittest: every text is a label, so a test finds it by its words.
//! No renderer and no GPU are involved.

use std::time::Duration;

use banli_board::announcer::Lang;
use banli_board::app::BoardApp;
use banli_board::board::Board;
use banli_board::config::{Filter, Mode};
use banli_board::ui::{ANIMATION_FRAME, View, text};
use banli_core::engine::queue::CounterStatus;
use banli_core::ids::CounterId;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use crate::util::*;

fn harness(app: BoardApp, size: (f32, f32)) -> Harness<'static, BoardApp> {
    Harness::builder()
        .with_size(egui::vec2(size.0, size.1))
        .with_context_setup(banli_board::fonts::install_embedded)
        .build_ui_state(|ui, app: &mut BoardApp| app.draw(ui), app)
}

pub fn hall_app(now: jiff::Timestamp) -> BoardApp {
    let mut board = Board::new(Filter::default(), vec![Lang::Zh], Duration::from_secs(30));
    board.handle_message(now, snapshot(1, now, vec![call(1, "A001", 1, at(-60))]));
    board.handle_message(now, called(2, call(2, "A023", 2, now), 11));
    let mut app = BoardApp::headless(board, View::default());
    app.set_mock_time(Some(now));
    app
}

fn has(harness: &Harness<'_, BoardApp>, label: &str) -> bool {
    harness.query_all_by_label(label).next().is_some()
}

#[test]
fn hall_shows_the_newest_call_recent_calls_waiting_and_clock() {
    let mut h = harness(hall_app(at(0)), (1920.0, 1080.0));
    h.run();
    h.get_by_label("A023");
    assert!(has(&h, "2号窗口"), "the newest call's counter");
    h.get_by_label("A001");
    assert!(has(&h, "1号窗口"));
    h.get_by_label("企业开办");
    h.get_by_label("11");
    h.get_by_label("税务办理");
    h.get_by_label("某某市政务服务中心");
    // 09:00:00 in Asia/Shanghai; the clock shows minutes.
    h.get_by_label("09:00");
    h.get_by_label("2026年11月24日 星期二");
    assert!(
        !has(&h, text::CONNECTION_LOST),
        "a live board has no lost mark"
    );
}

/// A board whose own clock runs five minutes fast shows the server's
/// time, learned from the stream.
#[test]
fn the_clock_shows_the_servers_time_not_the_boards() {
    let fast = jiff::SignedDuration::from_mins(5);
    let mut board = Board::new(Filter::default(), vec![Lang::Zh], Duration::from_secs(30));
    // The server's clock reads 09:00; the board's 09:05.
    board.handle_message(at(0) + fast, snapshot(1, at(0), vec![]));
    let mut app = BoardApp::headless(board, View::default());
    app.set_mock_time(Some(at(0) + fast));
    let mut h = harness(app, (1920.0, 1080.0));
    h.run();
    h.get_by_label("09:00");
    assert!(!has(&h, "09:05"), "the board's own clock is not shown");
}

#[test]
fn hall_at_800_by_480_still_shows_the_call() {
    let mut h = harness(hall_app(at(0)), (800.0, 480.0));
    h.run();
    h.get_by_label("A023");
    assert!(has(&h, "2号窗口"));
}

#[test]
fn connection_lost_keeps_the_calls_and_shows_the_mark() {
    let mut app = hall_app(at(0));
    app.board_mut()
        .handle_disconnected(at(1), "the server closed the stream".into());
    let mut h = harness(app, (1920.0, 1080.0));
    h.run();
    h.get_by_label(text::CONNECTION_LOST);
    h.get_by_label(text::CONNECTION_LOST_EN);
    h.get_by_label("A023");
}

#[test]
fn before_the_first_snapshot_it_says_connecting() {
    let board = Board::new(Filter::default(), vec![Lang::Zh], Duration::from_secs(30));
    let mut app = BoardApp::headless(board, View::default());
    app.set_mock_time(Some(at(0)));
    let mut h = harness(app, (1920.0, 1080.0));
    h.run();
    h.get_by_label(text::CONNECTING);
    h.get_by_label(text::NO_CALLS);
}

pub fn counter_app(status: CounterStatus) -> BoardApp {
    let now = at(0);
    let filter = Filter {
        zones: Vec::new(),
        counters: vec![CounterId(2)],
    };
    let mut board = Board::new(filter, vec![Lang::Zh], Duration::from_secs(30));
    board.handle_message(now, snapshot(1, now, vec![]));
    board.handle_message(now, called(2, call(2, "A023", 2, now), 11));
    let mut c = counter(2, "1F", "biz");
    c.status = status;
    c.current = Some(call(2, "A023", 2, now));
    board.handle_message(now, counter_changed(3, c, now));
    let view = View {
        mode: Mode::Counter,
        counter: Some(CounterId(2)),
        ..View::default()
    };
    let mut app = BoardApp::headless(board, view);
    app.set_mock_time(Some(at(30)));
    app
}

#[test]
fn counter_screen_shows_its_number() {
    let mut h = harness(counter_app(CounterStatus::Open), (800.0, 480.0));
    h.run();
    h.get_by_label("2号窗口 综合受理2");
    h.get_by_label("A023");
    h.get_by_label(text::SERVING);
    assert!(!has(&h, text::PAUSED));
}

#[test]
fn counter_screen_shows_paused_with_the_reason() {
    let status = CounterStatus::Paused {
        reason: "午休".into(),
    };
    let mut h = harness(counter_app(status), (800.0, 480.0));
    h.run();
    h.get_by_label(text::PAUSED);
    h.get_by_label(text::PAUSED_EN);
    h.get_by_label("午休");
    assert!(!has(&h, "A023"), "a paused counter shows no number");
}

#[test]
fn counter_screen_connection_lost() {
    let mut app = counter_app(CounterStatus::Open);
    app.board_mut().handle_disconnected(at(31), "gone".into());
    let mut h = harness(app, (800.0, 480.0));
    h.run();
    h.get_by_label(text::CONNECTION_LOST);
    h.get_by_label("A023");
}

#[test]
fn counter_names_lose_the_number_the_board_shows_already() {
    assert_eq!(
        text::counter_name_rest("8号窗口 · 税务", CounterId(8)),
        "税务"
    );
    assert_eq!(
        text::counter_name_rest("Counter 8 · Tax Services", CounterId(8)),
        "Tax Services"
    );
    assert_eq!(
        text::counter_name_rest("综合受理", CounterId(8)),
        "综合受理"
    );
    assert_eq!(text::counter_name_rest("8号窗口", CounterId(8)), "");
}

#[test]
fn paged_notices_show_one_notice_in_one_language_at_a_time_every_ten_seconds() {
    let pages = [
        "投诉监督电话：12345",
        "Complaints: 12345",
        "办公时间：周一至周五 9:00—17:00",
        "Open Mon–Fri 9:00–17:00",
    ];
    let mut board = Board::new(Filter::default(), vec![Lang::Zh], Duration::from_secs(30));
    board.handle_message(at(0), snapshot(1, at(0), vec![]));
    let view = View {
        scroll_notices: false,
        ..View::default()
    };
    let mut app = BoardApp::headless(board, view);
    app.set_mock_time(Some(at(0)));
    let mut h = harness(app, (1920.0, 1080.0));
    let mut shown = Vec::new();
    for step in 0..5 {
        h.state_mut().set_mock_time(Some(at(10 * step)));
        h.run();
        let now: Vec<_> = pages.iter().filter(|p| has(&h, p)).collect();
        assert_eq!(now.len(), 1, "one page at a time: {now:?}");
        shown.push(*now[0]);
    }
    // In order, round and round: the page after each is the next one.
    let first = pages.iter().position(|p| *p == shown[0]).expect("a page");
    let expected: Vec<_> = (0..5).map(|i| pages[(first + i) % pages.len()]).collect();
    assert_eq!(shown, expected);
}

/// The shortest repaint delay the board asks for in one frame, after the
/// screen has settled.
fn shortest_repaint_request(h: &mut Harness<'static, BoardApp>) -> Duration {
    h.run();
    let shortest = std::sync::Arc::new(std::sync::Mutex::new(Duration::MAX));
    let seen = shortest.clone();
    h.ctx.set_repaint_observer(move |info| {
        if let Ok(mut s) = seen.lock() {
            *s = (*s).min(info.delay);
        }
    });
    h.step();
    *shortest.lock().expect("not poisoned")
}

#[test]
fn an_idle_board_repaints_only_for_the_clock_and_the_next_notice() {
    // Ten minutes after the last call: nothing flashes.
    let view = View {
        scroll_notices: false,
        ..View::default()
    };
    let mut app = BoardApp::headless(hall_app(at(0)).board().clone(), view);
    app.set_mock_time(Some(at(603)));
    let mut h = harness(app, (1920.0, 1080.0));
    // The next page of notices is 7 s away; the clock's minute further.
    assert_eq!(shortest_repaint_request(&mut h), Duration::from_secs(7));

    // While the newest call flashes, and while notices scroll, it animates.
    let mut h = harness(hall_app(at(0)), (1920.0, 1080.0));
    h.state_mut().set_mock_time(Some(at(1)));
    assert_eq!(shortest_repaint_request(&mut h), ANIMATION_FRAME);
    let mut h = harness(hall_app(at(0)), (1920.0, 1080.0));
    h.state_mut().set_mock_time(Some(at(600)));
    assert_eq!(shortest_repaint_request(&mut h), ANIMATION_FRAME);
}
