//! 进度查询: the ticket's status, people ahead, the wait, the counter once
//! called, and 重新排队 for a no-show that may queue again.

use std::time::Instant;

use banli_core::engine::TicketStatus;
use banli_core::wire::{ApiError, TicketView};
use egui::RichText;

use super::widgets;
use crate::state::{Effect, KioskState};
use crate::text::{EN, Text, ZH};
use crate::theme::THEME;

fn status_text(t: &Text, s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::Waiting => t.st_waiting,
        TicketStatus::Called => t.st_called,
        TicketStatus::Finished => t.st_finished,
        TicketStatus::NoShow => t.st_no_show,
        TicketStatus::Cancelled => t.st_cancelled,
        TicketStatus::Expired => t.st_expired,
    }
}

/// Waiting for the answer.
pub fn loading_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant) {
    let t = k.lang.text();
    ui.spinner();
    if widgets::small_button(ui, t.back, false).clicked() {
        k.tap_home(now);
    }
}

/// The answer.
pub fn progress_ui(
    ui: &mut egui::Ui,
    k: &mut KioskState,
    now: Instant,
    view: &TicketView,
    requeued: bool,
    fx: &mut Vec<Effect>,
) {
    let t = k.lang.text();
    ui.vertical_centered(|ui| {
        ui.label(
            RichText::new(&view.number)
                .size(140.0)
                .family(egui::FontFamily::Name(crate::theme::BOLD.into()))
                .color(THEME.number),
        );
        ui.label(
            RichText::new(format!(
                "{}  {}",
                view.service_name_zh, view.service_name_en
            ))
            .text_style(egui::TextStyle::Heading),
        );
        ui.label(
            RichText::new(format!("{}：{}", t.status, status_text(t, view.status)))
                .text_style(egui::TextStyle::Heading)
                .color(THEME.primary),
        );
        if requeued {
            ui.label(RichText::new(t.requeued).color(THEME.green));
        }
        match view.status {
            TicketStatus::Waiting => {
                ui.label(RichText::new(t.ahead(view.ahead)).text_style(egui::TextStyle::Heading));
                ui.label(
                    RichText::new(t.wait(view.estimated_wait_minutes))
                        .text_style(egui::TextStyle::Heading),
                );
            }
            TicketStatus::Called => {
                let counter = view
                    .counter_name_zh
                    .clone()
                    .or_else(|| view.counter_id.map(|c| format!("{c} 号窗口")))
                    .unwrap_or_default();
                ui.label(
                    RichText::new(format!("{} {counter}", t.go_to_counter))
                        .text_style(egui::TextStyle::Heading)
                        .color(THEME.number),
                );
            }
            _ => {}
        }
        ui.add_space(24.0);
        if view.can_requeue && widgets::primary_button(ui, t.requeue, THEME.green).clicked() {
            fx.extend(k.tap_requeue(now));
        }
    });
    widgets::pin_to_bottom(ui, crate::theme::touch_height(k.large_text) + 24.0);
    if widgets::big_button(ui, t.home).clicked() {
        k.tap_home(now);
    }
}

/// The server said no (unknown ticket, wrong code) or did not answer.
pub fn failed_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, error: &ApiError) {
    let t = k.lang.text();
    widgets::warning_box(
        ui,
        &format!("{} / {}", ZH.progress, EN.progress),
        &format!("{}\n{}", error.message_zh, error.message),
    );
    ui.add_space(24.0);
    if widgets::big_button(ui, t.progress).clicked() {
        k.tap_progress(now);
    }
    if widgets::big_button(ui, t.home).clicked() {
        k.tap_home(now);
    }
}
