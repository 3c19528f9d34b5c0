//! Drawing: reads a [`Board`] and paints the hall or counter screen.
//!
//! Nothing here changes the board or does I/O; the only thing it asks of
//! egui beyond painting is when to paint again: at the next minute for the
//! clock (it shows hours and minutes: a seconds hand would cost a frame a
//! second), at the next page of notices, every 50 ms while notices scroll
//! or the newest call flashes, and otherwise only when an event arrives
//! (the client asks for that).
//!
//! Sizes are in "design points" of a 1080-point-high screen, scaled by
//! [`Scale`], so the layout holds from 800×480 to 4K.

pub mod counter;
pub mod hall;
pub mod text;

use std::time::Duration;

use banli_core::ids::CounterId;
use egui::{Align, Align2, Layout, Rect, Response, RichText, Ui, UiBuilder};
use jiff::Timestamp;

use crate::board::{Board, Connection};
use crate::config::Mode;
use crate::fonts;
use crate::theme::Theme;

/// How often the ticker and the flash repaint: 20 frames a second reads
/// as smooth motion for text and keeps an idle board's CPU low.
pub const ANIMATION_FRAME: Duration = Duration::from_millis(50);

/// What the board draws, besides the board state.
#[derive(Debug, Clone)]
pub struct View {
    /// Hall or counter screen.
    pub mode: Mode,
    /// The counter of a counter screen.
    pub counter: Option<CounterId>,
    /// Notice ticker speed, points per second (design points).
    pub notice_speed: f32,
    /// Whether the notices scroll (else they page); see [`crate::ticker`].
    pub scroll_notices: bool,
    /// The hall's time zone, for the clock.
    pub timezone: jiff::tz::TimeZone,
    /// Colours.
    pub theme: Theme,
}

impl Default for View {
    fn default() -> Self {
        Self {
            mode: Mode::Hall,
            counter: None,
            notice_speed: 80.0,
            scroll_notices: true,
            timezone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC),
            theme: Theme::HALL,
        }
    }
}

/// Draws the whole screen for `board` at `now`.
pub fn board_ui(ui: &mut Ui, board: &Board, view: &View, now: Timestamp) {
    let rect = ui.max_rect();
    ui.painter().rect_filled(rect, 0.0, view.theme.background);
    let s = Scale::for_rect(rect);
    match view.mode {
        Mode::Hall => hall::hall_ui(ui, rect, s, board, view, now),
        Mode::Counter => counter::counter_ui(ui, rect, s, board, view, now),
    }
    // The clock shows the server's time (a board's own clock may be
    // minutes off): repaint at its next whole minute.
    let server_now = board.server_clock().server_now(now);
    ui.ctx()
        .request_repaint_after(until_next(server_now, Duration::from_secs(60)));
    if board.flash_remaining(now).is_some() {
        ui.ctx().request_repaint_after(ANIMATION_FRAME);
    }
}

/// Time from `now` to the next whole multiple of `period` (Unix time),
/// never zero.
pub fn until_next(now: Timestamp, period: Duration) -> Duration {
    let period_ms = i64::try_from(period.as_millis()).unwrap_or(i64::MAX).max(1);
    let into = now.as_millisecond().rem_euclid(period_ms);
    Duration::from_millis(u64::try_from(period_ms - into).unwrap_or(1))
}

/// Converts design points (1080 high) to screen points.
#[derive(Debug, Clone, Copy)]
pub struct Scale(f32);

impl Scale {
    /// The scale for a screen area; wide screens scale by height, narrow
    /// ones by width, so nothing runs off the side.
    pub fn for_rect(rect: Rect) -> Self {
        let by_height = rect.height() / 1080.0;
        let by_width = rect.width() / 1920.0;
        Self(by_height.min(by_width * 1.2).max(0.2))
    }

    /// `design` points on this screen.
    pub fn px(self, design: f32) -> f32 {
        design * self.0
    }
}

/// Regular text of `size` design points.
pub fn regular(s: Scale, text: impl Into<String>, size: f32, color: egui::Color32) -> RichText {
    RichText::new(text).size(s.px(size)).color(color)
}

/// Bold text of `size` design points.
pub fn bold(s: Scale, text: impl Into<String>, size: f32, color: egui::Color32) -> RichText {
    regular(s, text, size, color).family(fonts::bold())
}

/// A label placed in `rect`, aligned as `align` says, cut with … if too
/// long. Labels (not painted text) so screen readers and tests see them.
pub fn text_at(ui: &mut Ui, rect: Rect, align: Align2, text: RichText) -> Response {
    let layout = match align.x() {
        Align::Min => Layout::left_to_right(align.y()),
        Align::Center => Layout::top_down(Align::Center).with_main_align(align.y()),
        Align::Max => Layout::right_to_left(align.y()),
    };
    ui.scope_builder(UiBuilder::new().max_rect(rect).layout(layout), |ui| {
        ui.add(egui::Label::new(text).truncate())
    })
    .inner
}

/// The date and clock in the hall's time zone: 「14:05」 and
/// 「2026年11月24日 星期二」.
pub fn clock_texts(now: Timestamp, tz: &jiff::tz::TimeZone) -> (String, String) {
    let z = tz.to_datetime(now);
    let time = format!("{:02}:{:02}", z.hour(), z.minute());
    let date = format!(
        "{}年{}月{}日 {}",
        z.year(),
        z.month(),
        z.day(),
        text::weekday_zh(z.weekday())
    );
    (time, date)
}

/// The red 「连接中断」 band across `rect`, when the link is down.
pub fn connection_ui(ui: &mut Ui, rect: Rect, s: Scale, board: &Board, theme: &Theme) {
    let (zh, en) = match board.connection() {
        Connection::Live => return,
        Connection::Connecting if !board.has_state() => (text::CONNECTING, text::CONNECTING_EN),
        Connection::Connecting | Connection::Lost { .. } => {
            (text::CONNECTION_LOST, text::CONNECTION_LOST_EN)
        }
    };
    ui.painter().rect_filled(rect, s.px(8.0), theme.alert);
    let pad = s.px(24.0);
    let zh_w = rect.width() * 0.3;
    text_at(
        ui,
        Rect::from_min_max(
            rect.min + egui::vec2(pad, 0.0),
            egui::pos2(rect.left() + zh_w, rect.bottom()),
        ),
        Align2::LEFT_CENTER,
        bold(s, zh, rect.height() / s.px(1.0) * 0.6, theme.alert_text),
    );
    text_at(
        ui,
        Rect::from_min_max(
            egui::pos2(rect.left() + zh_w, rect.top()),
            rect.max - egui::vec2(pad, 0.0),
        ),
        Align2::RIGHT_CENTER,
        regular(s, en, rect.height() / s.px(1.0) * 0.35, theme.alert_text),
    );
}
