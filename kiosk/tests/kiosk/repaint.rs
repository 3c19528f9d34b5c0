//! No continuous repaint when idle: the screens, drawn as the app draws
//! them (with its repaint schedule), ask egui for no next frame until the
//! state has something to do. A kiosk stands idle most of the day; a
//! frame every vsync would keep a core busy for nothing.

use std::time::{Duration, Instant};

use banli_kiosk::testing::ready_kiosk;
use banli_kiosk::text::ZH;
use egui::ViewportId;
use egui_kittest::Harness;

use crate::harness::{View, build, builder, click};

/// How long the last frame told eframe to wait before the next one
/// (`Duration::ZERO`: draw again at once).
fn next_frame_in(h: &Harness<'static, View>) -> Duration {
    h.output().viewport_output[&ViewportId::ROOT].repaint_delay
}

/// Runs `frames` more frames with nothing happening; returns how many of
/// them asked for another frame at once.
fn immediate_repaints(h: &mut Harness<'static, View>, frames: usize) -> usize {
    (0..frames)
        .filter(|_| {
            h.step();
            next_frame_in(h) == Duration::ZERO
        })
        .count()
}

#[test]
fn an_idle_home_screen_asks_for_no_frames_until_its_next_poll() {
    let now = Instant::now();
    let mut h = build(builder(), ready_kiosk(now), now);
    assert_eq!(h.try_run().ok(), Some(1), "one frame and it is settled");
    assert_eq!(immediate_repaints(&mut h, 100), 0);
    // The next frame is due when the state has work: the services poll.
    let due = h.state().k.next_deadline().expect("a poll is due");
    assert_eq!(due - now, h.state().k.settings.services_poll);
    assert_eq!(next_frame_in(&h), due - now);
}

#[test]
fn other_screens_wake_only_for_their_timers() {
    let now = Instant::now();
    let mut h = build(builder(), ready_kiosk(now), now);
    click(&mut h, ZH.guide);
    assert_eq!(immediate_repaints(&mut h, 50), 0);
    assert!(next_frame_in(&h) >= Duration::from_secs(1));

    // The ticket screen counts down once a second, no faster.
    h.state_mut().k.tap_home(now);
    h.step();
    crate::harness::click_containing(&mut h, "出入境证件");
    let fx = h.state_mut().k.confirm(now);
    let key = match fx.as_slice() {
        [
            banli_kiosk::state::Effect::RequestTicket {
                idempotency_key, ..
            },
        ] => idempotency_key.clone(),
        other => panic!("expected one RequestTicket, got {other:?}"),
    };
    let k = &mut h.state_mut().k;
    let _ = k.handle_issued(
        now,
        &key,
        Ok(banli_kiosk::testing::issued(7, "B007", "exit-entry")),
    );
    let _ = k.handle_print(
        now,
        Some((banli_core::ids::TicketId(7), "B007".into())),
        banli_kiosk::state::PrintOutcome::ok(banli_core::wire::PrinterState::Ok),
    );
    // A new screen takes a frame or two to lay out, then rests.
    let steps = h.try_run().expect("the ticket screen settles");
    assert!(steps <= 3, "{steps} frames to settle");
    assert_eq!(immediate_repaints(&mut h, 50), 0);
    assert_eq!(next_frame_in(&h), Duration::from_secs(1));
}
