//! The kiosk's screens in an egui_kittest harness: [`View`] holds the
//! state, the effects the screens asked for, and the injected clock (the
//! screens read time only from it, so a flow is the same on every run).

use std::time::Instant;

use banli_kiosk::state::{Effect, KioskState};
use egui_kittest::kittest::Queryable as _;
use egui_kittest::{Harness, HarnessBuilder};

/// The kiosk's portrait screen, in points.
pub const PORTRAIT: egui::Vec2 = egui::vec2(1080.0, 1920.0);

/// The state under test, the effects the screens asked for, and the clock.
pub struct View {
    pub k: KioskState,
    pub fx: Vec<Effect>,
    pub now: Instant,
}

/// egui_kittest draws a test's ui inside an 8-point outer margin.
const HARNESS_MARGIN: f32 = 8.0;

/// A harness builder with the kiosk's screen size and fonts: the kiosk's
/// ui gets exactly [`PORTRAIT`], as in the app.
pub fn builder() -> HarnessBuilder<View> {
    Harness::builder()
        .with_size(PORTRAIT + egui::Vec2::splat(2.0 * HARNESS_MARGIN))
        .with_context_setup(|ctx| {
            let _ = banli_kiosk::theme::install(ctx, None);
        })
}

/// The kiosk's screens around `k`, run as the app runs them each frame:
/// the state's timers, the screens, then the app's repaint schedule.
pub fn build(builder: HarnessBuilder<View>, k: KioskState, now: Instant) -> Harness<'static, View> {
    let mut h = builder.build_ui_state(
        |ui, v: &mut View| {
            // The harness's margin in the kiosk's background, not black,
            // so a snapshot looks like the screen.
            let screen = ui.ctx().viewport_rect();
            ui.ctx()
                .layer_painter(egui::LayerId::background())
                .rect_filled(screen, 0.0, banli_kiosk::theme::THEME.background);
            // As `KioskApp::logic`: the state's timers, then the screens.
            let fx = v.k.tick(v.now);
            v.fx.extend(fx);
            let fx = banli_kiosk::ui::kiosk_ui(ui, &mut v.k, v.now);
            v.fx.extend(fx);
            banli_kiosk::app::schedule_repaint(ui.ctx(), &v.k, v.now);
        },
        View {
            k,
            fx: Vec::new(),
            now,
        },
    );
    settle(&mut h);
    h
}

/// The kiosk's screens around `k`, no renderer (queries only).
pub fn harness(k: KioskState) -> Harness<'static, View> {
    build(builder(), k, Instant::now())
}

/// A few frames; spinners keep asking for more, so never `run()`.
pub fn settle(h: &mut Harness<'static, View>) {
    let _ = h.run_ok();
}

/// Taps the widget labelled exactly `label`.
pub fn click(h: &mut Harness<'static, View>, label: &str) {
    h.get_by_label(label).click();
    settle(h);
}

/// Taps the widget whose label contains `part`.
pub fn click_containing(h: &mut Harness<'static, View>, part: &str) {
    h.get_by_label_contains(part).click();
    settle(h);
}
