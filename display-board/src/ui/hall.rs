//! The hall screen: the newest call large, recent calls, waiting counts,
//! the notices ticker, the date and the clock.
//!
//! Readable from 10 m on a 1920×1080 screen: the newest number is 200
//! design points high (about 19 cm on a 55-inch screen), recent calls 80.

use egui::{Align2, Rect, Ui, pos2, vec2};
use jiff::Timestamp;

use super::{
    ANIMATION_FRAME, Scale, View, bold, clock_texts, connection_ui, regular, text, text_at,
    until_next,
};
use crate::board::Board;
use crate::ticker::NOTICE_PAGE;
use banli_core::wire::CallView;

/// Draws the hall screen in `rect`.
pub fn hall_ui(ui: &mut Ui, rect: Rect, s: Scale, board: &Board, view: &View, now: Timestamp) {
    let t = &view.theme;
    let pad = s.px(24.0);
    let inner = rect.shrink(pad);

    // Top bar: hall name, date and clock.
    let top = Rect::from_min_size(inner.min, vec2(inner.width(), s.px(110.0)));
    let name = if board.hall_name_zh().is_empty() {
        "政务服务中心"
    } else {
        board.hall_name_zh()
    };
    let (left, right) = split_x(top, 0.62);
    let (name_zh, name_en) = split_y(left, 0.66);
    text_at(
        ui,
        name_zh,
        Align2::LEFT_CENTER,
        bold(s, name, 56.0, t.text),
    );
    text_at(
        ui,
        name_en,
        Align2::LEFT_CENTER,
        regular(s, board.hall_name_en(), 26.0, t.text_dim),
    );
    let (time, date) = clock_texts(board.server_clock().server_now(now), &view.timezone);
    let (time_r, date_r) = split_y(right, 0.66);
    text_at(
        ui,
        time_r,
        Align2::RIGHT_CENTER,
        bold(s, time, 64.0, t.text),
    );
    text_at(
        ui,
        date_r,
        Align2::RIGHT_CENTER,
        regular(s, date, 28.0, t.text_dim),
    );
    let mut y = top.bottom() + s.px(12.0);

    // The connection-lost band.
    if !matches!(board.connection(), crate::board::Connection::Live) {
        let band = Rect::from_min_size(pos2(inner.left(), y), vec2(inner.width(), s.px(80.0)));
        connection_ui(ui, band, s, board, t);
        y = band.bottom() + s.px(12.0);
    }

    // The notices ticker at the bottom.
    let mut bottom = inner.bottom();
    if !board.notices().is_empty() {
        let band = Rect::from_min_max(
            pos2(inner.left(), bottom - s.px(80.0)),
            pos2(inner.right(), bottom),
        );
        ticker_ui(ui, band, s, board, view, now);
        bottom = band.top() - s.px(16.0);
    }

    let main = Rect::from_min_max(pos2(inner.left(), y), pos2(inner.right(), bottom));
    let gap = s.px(24.0);
    let calls = Rect::from_min_max(
        main.min,
        pos2(main.left() + main.width() * 0.63 - gap / 2.0, main.bottom()),
    );
    let waiting = Rect::from_min_max(pos2(calls.right() + gap, main.top()), main.max);
    calls_ui(ui, calls, s, board, view, now);
    waiting_ui(ui, waiting, s, board, view);
}

/// The newest call large, then as many recent calls as fit.
fn calls_ui(ui: &mut Ui, rect: Rect, s: Scale, board: &Board, view: &View, now: Timestamp) {
    let t = &view.theme;
    let radius = s.px(12.0);
    let hero_h = (s.px(400.0)).min(rect.height() * 0.6);
    let hero = Rect::from_min_size(rect.min, vec2(rect.width(), hero_h));
    let calls = board.calls();
    let Some(newest) = calls.first() else {
        ui.painter().rect_filled(hero, radius, t.panel);
        text_at(
            ui,
            hero,
            Align2::CENTER_CENTER,
            bold(s, text::NO_CALLS, 72.0, t.text_dim),
        );
        return;
    };
    let flash = board.flash(newest.ticket_id, now);
    let fill = if flash == Some(true) {
        t.highlight
    } else {
        t.panel
    };
    ui.painter().rect_filled(hero, radius, fill);
    if flash.is_some() {
        // A frame for the whole flash, so the new call stands out in both phases.
        let stroke = egui::Stroke::new(s.px(8.0), t.number);
        ui.painter()
            .rect_stroke(hero, radius, stroke, egui::StrokeKind::Inside);
    }
    let inner = hero.shrink(s.px(20.0));
    let heading = Rect::from_min_size(inner.min, vec2(inner.width(), s.px(50.0)));
    heading_ui(ui, heading, s, text::NOW_CALLING, text::NOW_CALLING_EN, t);
    let body = Rect::from_min_max(pos2(inner.left(), heading.bottom()), inner.max);
    let (big, names) = split_y(body, 0.78);
    let (num_r, counter_r) = split_x(big, 0.5);
    text_at(
        ui,
        num_r,
        Align2::LEFT_CENTER,
        bold(s, &newest.number, 200.0, t.number),
    );
    text_at(
        ui,
        counter_r,
        Align2::RIGHT_CENTER,
        bold(s, text::counter_zh(newest.counter_id), 120.0, t.counter),
    );
    text_at(
        ui,
        names,
        Align2::RIGHT_CENTER,
        regular(s, counter_names(newest), 34.0, t.text),
    );

    // Recent calls below.
    let list = Rect::from_min_max(pos2(rect.left(), hero.bottom() + s.px(20.0)), rect.max);
    ui.painter().rect_filled(list, radius, t.panel);
    let inner = list.shrink(s.px(20.0));
    let heading = Rect::from_min_size(inner.min, vec2(inner.width(), s.px(50.0)));
    heading_ui(ui, heading, s, text::RECENT, text::RECENT_EN, t);
    // Two columns when the list is wide enough: six calls on a hall screen.
    let columns = if inner.width() > s.px(900.0) { 2 } else { 1 };
    let col_w = inner.width() / columns as f32;
    let row_h = s.px(92.0);
    let rows = (((inner.bottom() - heading.bottom()) / row_h).floor() as usize).max(1);
    for (i, call) in calls.iter().skip(1).take(rows * columns).enumerate() {
        let (col, row) = (i / rows, i % rows);
        let cell = Rect::from_min_size(
            pos2(
                inner.left() + col as f32 * col_w,
                heading.bottom() + row as f32 * row_h,
            ),
            vec2(col_w - s.px(24.0), row_h),
        );
        let (num_r, counter_r) = split_x(cell, 0.45);
        text_at(
            ui,
            num_r,
            Align2::LEFT_CENTER,
            bold(s, &call.number, 76.0, t.number),
        );
        text_at(
            ui,
            counter_r,
            Align2::RIGHT_CENTER,
            bold(s, text::counter_zh(call.counter_id), 64.0, t.counter),
        );
    }
}

/// Waiting counts per service.
fn waiting_ui(ui: &mut Ui, rect: Rect, s: Scale, board: &Board, view: &View) {
    let t = &view.theme;
    ui.painter().rect_filled(rect, s.px(12.0), t.panel);
    let inner = rect.shrink(s.px(20.0));
    let heading = Rect::from_min_size(inner.min, vec2(inner.width(), s.px(50.0)));
    heading_ui(ui, heading, s, text::WAITING, text::WAITING_EN, t);
    let services: Vec<_> = board.services().collect();
    if services.is_empty() {
        return;
    }
    let avail = inner.bottom() - heading.bottom();
    // Shrink rows (and their text) to fit every service rather than hide one.
    let row_h = (avail / services.len() as f32).min(s.px(104.0));
    let k = row_h / s.px(104.0);
    let mut y = heading.bottom();
    for service in services {
        let row = Rect::from_min_size(pos2(inner.left(), y), vec2(inner.width(), row_h));
        let (names, count) = split_x(row, 0.7);
        let (zh, en) = split_y(names, 0.68);
        text_at(
            ui,
            zh,
            Align2::LEFT_CENTER,
            bold(s, &service.name_zh, 42.0 * k, t.text),
        );
        text_at(
            ui,
            en,
            Align2::LEFT_TOP,
            regular(s, &service.name_en, 22.0 * k, t.text_dim),
        );
        if let (false, Some(reason)) = (service.is_open, service.closed_reason) {
            // A closed service says why rather than show a misleading 0.
            text_at(
                ui,
                count,
                Align2::RIGHT_CENTER,
                regular(s, reason.message_zh(), 30.0 * k, t.text_dim),
            );
        } else {
            let (n, unit) = split_x(count, 0.78);
            text_at(
                ui,
                n,
                Align2::RIGHT_CENTER,
                bold(s, service.waiting.to_string(), 70.0 * k, t.waiting),
            );
            text_at(
                ui,
                unit,
                Align2::RIGHT_CENTER,
                regular(s, text::PEOPLE, 32.0 * k, t.text_dim),
            );
        }
        y += row_h;
    }
}

/// The notices: one line scrolling right to left, all of them, Chinese
/// then English; or, when they do not scroll (see [`crate::ticker`]), one
/// notice in one language at a time for [`NOTICE_PAGE`] each. Paging repaints once a page,
/// so it is the low-CPU choice for boards without a GPU: scrolling
/// repaints the screen 20 times a second.
fn ticker_ui(ui: &mut Ui, band: Rect, s: Scale, board: &Board, view: &View, now: Timestamp) {
    let t = &view.theme;
    ui.painter().rect_filled(band, s.px(8.0), t.ticker);
    let both = |n: &banli_core::config::Notice| {
        if n.text_en.is_empty() {
            n.text_zh.clone()
        } else {
            format!("{}  {}", n.text_zh, n.text_en)
        }
    };
    let notices = board.notices();
    let font = egui::FontId::new(s.px(40.0), egui::FontFamily::Proportional);
    if view.notice_speed <= 0.0 || !view.scroll_notices {
        // Each language of each notice is a page of its own: both on one
        // line would not fit a 1920-wide band.
        let pages: Vec<&str> = notices
            .iter()
            .flat_map(|n| [n.text_zh.as_str(), n.text_en.as_str()])
            .filter(|p| !p.trim().is_empty())
            .collect();
        if pages.len() > 1 {
            ui.ctx().request_repaint_after(until_next(now, NOTICE_PAGE));
        }
        let page_secs = i64::try_from(NOTICE_PAGE.as_secs()).unwrap_or(10).max(1);
        let page = usize::try_from(now.as_second().div_euclid(page_secs)).unwrap_or(0);
        if let Some(text) = pages.get(page % pages.len().max(1)) {
            let inner = band.shrink2(vec2(s.px(16.0), 0.0));
            // A long notice shrinks to fit rather than lose its end, down
            // to a size still read from the seats.
            let width = ui
                .painter()
                .layout_no_wrap((*text).to_owned(), font, t.text)
                .size()
                .x;
            let size = if width > inner.width() {
                (40.0 * inner.width() / width).max(28.0)
            } else {
                40.0
            };
            text_at(
                ui,
                inner,
                Align2::LEFT_CENTER,
                regular(s, *text, size, t.text),
            );
        }
        return;
    }
    let line = notices
        .iter()
        .map(both)
        .collect::<Vec<_>>()
        .join("      ◆      ");
    let galley = ui.painter().layout_no_wrap(line, font, t.text);
    let y = band.center().y - galley.size().y / 2.0;
    // Position follows the clock, so the ticker needs no state: the line
    // enters at the right edge and leaves at the left.
    let travel = galley.size().x + band.width();
    let secs = now.as_millisecond() as f64 / 1000.0;
    let offset = (secs * f64::from(s.px(view.notice_speed))).rem_euclid(f64::from(travel));
    ui.ctx().request_repaint_after(ANIMATION_FRAME);
    let x = band.right() - offset as f32;
    ui.painter_at(band.shrink(s.px(4.0)))
        .galley(pos2(x, y), galley, t.text);
}

fn heading_ui(ui: &mut Ui, rect: Rect, s: Scale, zh: &str, en: &str, t: &crate::theme::Theme) {
    let (a, b) = split_x(rect, 0.5);
    text_at(ui, a, Align2::LEFT_CENTER, bold(s, zh, 34.0, t.text_dim));
    text_at(
        ui,
        b,
        Align2::RIGHT_CENTER,
        regular(s, en, 26.0, t.text_dim),
    );
}

/// 「出入境 · Exit-Entry Documents」: the counter's names without its number.
fn counter_names(call: &CallView) -> String {
    let zh = text::counter_name_rest(&call.counter_name_zh, call.counter_id);
    let en = text::counter_name_rest(&call.counter_name_en, call.counter_id);
    [zh, en]
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Splits `rect` at `frac` of its width.
pub(crate) fn split_x(rect: Rect, frac: f32) -> (Rect, Rect) {
    let x = rect.left() + rect.width() * frac;
    (
        Rect::from_min_max(rect.min, pos2(x, rect.bottom())),
        Rect::from_min_max(pos2(x, rect.top()), rect.max),
    )
}

/// Splits `rect` at `frac` of its height.
pub(crate) fn split_y(rect: Rect, frac: f32) -> (Rect, Rect) {
    let y = rect.top() + rect.height() * frac;
    (
        Rect::from_min_max(rect.min, pos2(rect.right(), y)),
        Rect::from_min_max(pos2(rect.left(), y), rect.max),
    )
}
