//! Drawing: one file per screen. Each `*_ui` reads the [`KioskState`],
//! calls its tap methods on clicks and pushes the returned [`Effect`]s for
//! the app to run; nothing here does I/O.

mod case;
mod confirm;
pub mod feedback;
mod guide;
mod home;
mod keypad;
mod progress;
mod settings;
mod ticket;
pub mod widgets;

use std::time::Instant;

use banli_core::wire::PrinterState;
use egui::RichText;

use crate::state::{Effect, KioskState, Screen, ServerLink};
use crate::text::{EN, ZH};
use crate::theme::{self, THEME};

/// Draws the whole kiosk for one frame and returns what it asks for.
pub fn kiosk_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant) -> Vec<Effect> {
    theme::apply(ui.style_mut(), k.large_text);
    // Any touch, on a button or not (scrolling the guide, reading), keeps
    // the citizen's session alive.
    if ui.input(|i| i.pointer.any_pressed() || i.pointer.any_down()) {
        k.touch(now);
    }
    let mut fx = Vec::new();
    let frame = egui::Frame::new()
        .fill(THEME.background)
        .inner_margin(egui::Margin::same(24));
    frame.show(ui, |ui| {
        ui.set_min_size(ui.available_size());
        top_bar_ui(ui, k, now);
        if let ServerLink::Down { reason } = &k.link {
            widgets::warning_box(
                ui,
                &format!("{} / {}", ZH.paused, EN.paused),
                &format!("{}（{reason}）", ZH.retrying),
            );
        }
        ui.add_space(8.0);
        match k.screen.clone() {
            Screen::Home => home::home_ui(ui, k, now),
            Screen::PriorityPick => home::priority_pick_ui(ui, k, now),
            Screen::Keypad {
                purpose,
                digits,
                wrong,
            } => keypad::keypad_ui(ui, k, now, purpose, &digits, wrong, &mut fx),
            Screen::Confirm { service_id } => confirm::confirm_ui(ui, k, now, &service_id, &mut fx),
            Screen::Issuing { retrying, .. } => ticket::issuing_ui(ui, k, now, retrying),
            Screen::IssueFailed { error } => ticket::issue_failed_ui(ui, k, now, &error),
            Screen::Ticket {
                issued,
                progress_url,
                print,
                until,
            } => {
                let left = until.map(|t| t.saturating_duration_since(now).as_secs());
                ticket::ticket_ui(ui, k, now, &issued, &progress_url, &print, left);
            }
            Screen::GuideDepartments => guide::departments_ui(ui, k, now),
            Screen::GuideItems { department } => guide::items_ui(ui, k, now, &department),
            Screen::GuideDetail { item_id } => guide::detail_ui(ui, k, now, &item_id),
            Screen::ProgressLoading => progress::loading_ui(ui, k, now),
            Screen::Progress { view, requeued, .. } => {
                progress::progress_ui(ui, k, now, &view, requeued, &mut fx)
            }
            Screen::ProgressFailed { error } => progress::failed_ui(ui, k, now, &error),
            Screen::CaseLoading => case::loading_ui(ui, k, now),
            Screen::CaseProgress { view } => case::case_ui(ui, k, now, &view),
            Screen::CaseFailed { error } => case::failed_ui(ui, k, now, &error),
            Screen::Settings => settings::settings_ui(ui, k, now, &mut fx),
            Screen::FeedbackMenu => feedback::menu_ui(ui, k, now, &mut fx),
            Screen::RateLevel => feedback::level_ui(ui, k, now, &mut fx),
            Screen::RateReasons => feedback::reasons_ui(ui, k, now, &mut fx),
            Screen::ComplaintForm => feedback::complaint_ui(ui, k, now, &mut fx),
            Screen::FeedbackSending { retrying } => feedback::sending_ui(ui, k, now, retrying),
            Screen::FeedbackDone {
                message_zh,
                message_en,
                until,
            } => {
                let left = until.saturating_duration_since(now).as_secs();
                feedback::done_ui(ui, k, now, &message_zh, &message_en, left);
            }
            Screen::FeedbackFailed { error } => feedback::failed_ui(ui, k, now, &error),
        }
    });
    fx
}

/// A printer state in words.
pub fn printer_state_text(t: &crate::text::Text, state: PrinterState) -> &'static str {
    match state {
        PrinterState::Ok => t.online,
        PrinterState::PaperNearEnd => t.pr_paper_near_end,
        PrinterState::PaperOut => t.pr_paper_out,
        PrinterState::CoverOpen => t.pr_cover_open,
        PrinterState::Offline => t.pr_offline,
        PrinterState::Error => t.pr_error,
    }
}

/// Title, language switch and text size: on every screen.
fn top_bar_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant) {
    let t = k.lang.text();
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(t.title)
                .text_style(egui::TextStyle::Heading)
                .color(THEME.primary),
        );
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let size = t.large_text_on;
            let size = if k.large_text { t.large_text_off } else { size };
            if widgets::small_button(ui, size, k.large_text).clicked() {
                k.toggle_large_text(now);
            }
            if k.settings.english && widgets::small_button(ui, t.switch_language, false).clicked() {
                k.toggle_language(now);
            }
        });
    });
    ui.separator();
}
