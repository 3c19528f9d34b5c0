//! The counter screen: a small display above one counter with its name,
//! the number it serves, or 「暂停服务」 with the reason when paused.

use banli_core::engine::queue::CounterStatus;
use egui::{Align2, Rect, Ui, pos2, vec2};
use jiff::Timestamp;

use super::hall::{split_x, split_y};
use super::{Scale, View, bold, clock_texts, connection_ui, regular, text, text_at};
use crate::board::{Board, Connection};

/// Draws the counter screen in `rect`.
pub fn counter_ui(ui: &mut Ui, rect: Rect, s: Scale, board: &Board, view: &View, now: Timestamp) {
    let t = &view.theme;
    let pad = s.px(30.0);
    let inner = rect.shrink(pad);
    let Some(id) = view.counter else {
        text_at(
            ui,
            inner,
            Align2::CENTER_CENTER,
            bold(s, text::UNKNOWN_COUNTER, 90.0, t.alert),
        );
        return;
    };

    // Top: 「5号窗口」 and its name; the clock on the right.
    let top = Rect::from_min_size(inner.min, vec2(inner.width(), s.px(200.0)));
    let (names, clock) = split_x(top, 0.72);
    let (zh, en) = split_y(names, 0.62);
    let counter = board.counter(id);
    let title = match counter {
        Some(c) if !text::counter_name_rest(&c.name_zh, id).is_empty() => {
            format!(
                "{} {}",
                text::counter_zh(id),
                text::counter_name_rest(&c.name_zh, id)
            )
        }
        _ => text::counter_zh(id),
    };
    text_at(
        ui,
        zh,
        Align2::LEFT_CENTER,
        bold(s, title, 100.0, t.counter),
    );
    let en_name = counter.map_or("", |c| text::counter_name_rest(&c.name_en, id));
    text_at(
        ui,
        en,
        Align2::LEFT_CENTER,
        regular(
            s,
            format!("{} {en_name}", text::counter_en(id)),
            48.0,
            t.text_dim,
        ),
    );
    let (time, _) = clock_texts(board.server_clock().server_now(now), &view.timezone);
    text_at(
        ui,
        clock,
        Align2::RIGHT_CENTER,
        bold(s, time, 70.0, t.text_dim),
    );

    let mut y = top.bottom() + s.px(20.0);
    if !matches!(board.connection(), Connection::Live) {
        let band = Rect::from_min_size(pos2(inner.left(), y), vec2(inner.width(), s.px(120.0)));
        connection_ui(ui, band, s, board, t);
        y = band.bottom() + s.px(20.0);
    }
    let body = Rect::from_min_max(pos2(inner.left(), y), inner.max);
    ui.painter().rect_filled(body, s.px(16.0), t.panel);
    let body = body.shrink(s.px(24.0));
    let (label, big) = split_y(body, 0.22);
    let Some(counter) = counter else {
        if board.has_state() {
            text_at(
                ui,
                body,
                Align2::CENTER_CENTER,
                bold(s, text::UNKNOWN_COUNTER, 120.0, t.alert),
            );
        }
        return;
    };
    match (&counter.status, &counter.current) {
        (CounterStatus::Paused { reason }, _) => {
            let (zh, why) = split_y(big, 0.62);
            text_at(
                ui,
                label,
                Align2::CENTER_CENTER,
                bold(s, text::PAUSED_EN, 56.0, t.text_dim),
            );
            text_at(
                ui,
                zh,
                Align2::CENTER_CENTER,
                bold(s, text::PAUSED, 220.0, t.alert),
            );
            text_at(
                ui,
                why,
                Align2::CENTER_CENTER,
                regular(s, reason.as_str(), 72.0, t.text),
            );
        }
        (CounterStatus::Closed, _) => {
            text_at(
                ui,
                label,
                Align2::CENTER_CENTER,
                bold(s, text::CLOSED_EN, 56.0, t.text_dim),
            );
            text_at(
                ui,
                big,
                Align2::CENTER_CENTER,
                bold(s, text::CLOSED, 160.0, t.text_dim),
            );
        }
        (CounterStatus::Open, Some(call)) => {
            let (zh, en) = split_x(label, 0.5);
            text_at(
                ui,
                zh,
                Align2::LEFT_CENTER,
                bold(s, text::SERVING, 64.0, t.text),
            );
            text_at(
                ui,
                en,
                Align2::RIGHT_CENTER,
                regular(s, text::SERVING_EN, 48.0, t.text_dim),
            );
            let color = if board.flash(call.ticket_id, now) == Some(false) {
                t.text
            } else {
                t.number
            };
            text_at(
                ui,
                big,
                Align2::CENTER_CENTER,
                bold(s, &call.number, 400.0, color),
            );
        }
        (CounterStatus::Open, None) => {
            text_at(
                ui,
                label,
                Align2::CENTER_CENTER,
                regular(s, text::IDLE_EN, 56.0, t.text_dim),
            );
            text_at(
                ui,
                big,
                Align2::CENTER_CENTER,
                bold(s, text::IDLE, 180.0, t.text),
            );
        }
    }
}
