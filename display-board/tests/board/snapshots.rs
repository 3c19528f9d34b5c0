//! Image snapshots of both modes, rendered with wgpu (on a machine without
//! a GPU: Mesa's lavapipe, `mesa-vulkan-drivers`) and compared with the
//! PNGs in `display-board/tests/snapshots/`. The board's clock is frozen,
//! so the clock, the flash and the ticker's position are the same on every
//! run. After a deliberate change to a screen:
//! `UPDATE_SNAPSHOTS=1 cargo test -p banli-board --test board snapshots`,
//! then look at the new PNGs before committing them.

use banli_board::app::BoardApp;
use banli_core::engine::queue::CounterStatus;
use egui_kittest::Harness;

use crate::gui::{counter_app, hall_app};
use crate::util::at;

fn rendered(app: BoardApp, size: (f32, f32)) -> Harness<'static, BoardApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(size.0, size.1))
        .with_context_setup(banli_board::fonts::install_embedded)
        .wgpu()
        .build_ui_state(|ui, app: &mut BoardApp| app.draw(ui), app);
    h.run();
    h
}

#[test]
fn hall_1920x1080() {
    // Ten seconds after the newest call: the flash is over.
    let mut app = hall_app(at(0));
    app.set_mock_time(Some(at(10)));
    rendered(app, (1920.0, 1080.0)).snapshot("hall-1920x1080");
}

#[test]
fn hall_800x480() {
    let mut app = hall_app(at(0));
    app.set_mock_time(Some(at(10)));
    rendered(app, (800.0, 480.0)).snapshot("hall-800x480");
}

#[test]
fn hall_connection_lost() {
    let mut app = hall_app(at(0));
    app.set_mock_time(Some(at(10)));
    app.board_mut()
        .handle_disconnected(at(5), "the server closed the stream".into());
    rendered(app, (1920.0, 1080.0)).snapshot("hall-connection-lost");
}

#[test]
fn counter_800x480() {
    rendered(counter_app(CounterStatus::Open), (800.0, 480.0)).snapshot("counter-800x480");
}

#[test]
fn counter_paused_800x480() {
    let status = CounterStatus::Paused {
        reason: "午休".into(),
    };
    rendered(counter_app(status), (800.0, 480.0)).snapshot("counter-paused-800x480");
}
