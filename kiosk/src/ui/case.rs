//! 办件查询: a case's progress by its number and query password, from the
//! acceptance receipt: the matter, the stage, the dates, the committed
//! date and, during 补正, the missing materials. The applicant's name is
//! shown masked (张*) and nothing else personal reaches the kiosk.

use std::time::Instant;

use banli_core::case::{CaseProgress, PauseKind};
use banli_core::wire::ApiError;
use egui::RichText;

use super::widgets;
use crate::state::KioskState;
use crate::text::{EN, Lang, ZH};
use crate::theme::THEME;

/// Waiting for the answer.
pub fn loading_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant) {
    let t = k.lang.text();
    ui.spinner();
    if widgets::small_button(ui, t.back, false).clicked() {
        k.tap_home(now);
    }
}

/// The case's progress.
pub fn case_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, view: &CaseProgress) {
    let t = k.lang.text();
    let en = k.lang == Lang::En;
    let heading = egui::TextStyle::Heading;
    ui.vertical_centered(|ui| {
        ui.label(
            RichText::new(format!("{}  {}", t.case_no, view.case_no)).text_style(heading.clone()),
        );
        let matter = if en && !view.matter_en.is_empty() {
            &view.matter_en
        } else {
            &view.matter_zh
        };
        ui.label(RichText::new(matter).text_style(heading.clone()));
        let stage = match view.paused {
            Some(PauseKind::Correction) if en => "Waiting for missing materials".to_owned(),
            Some(PauseKind::Correction) => "待补正材料".to_owned(),
            Some(PauseKind::Special) if en => "Special procedure".to_owned(),
            Some(PauseKind::Special) => "特别程序中".to_owned(),
            None if en => view.stage_en.clone(),
            None => view.stage_zh.clone(),
        };
        ui.label(
            RichText::new(stage)
                .size(56.0)
                .family(egui::FontFamily::Name(crate::theme::BOLD.into()))
                .color(THEME.number),
        );
    });
    ui.add_space(12.0);
    let line = |ui: &mut egui::Ui, label: &str, value: &str| {
        ui.label(RichText::new(format!("{label}：{value}")).text_style(heading.clone()));
    };
    line(ui, t.case_applicant, &view.applicant_masked);
    line(ui, t.case_accepted_on, &view.accepted_on.to_string());
    if let Some(due) = view.committed_due_on {
        line(ui, t.case_due, &due.to_string());
    }
    if let Some(left) = view.remaining_days {
        line(ui, t.case_paused_left, &left.to_string());
    }
    if let Some(closed) = view.closed_on {
        line(ui, t.case_closed_on, &closed.to_string());
    }
    if !view.reason.is_empty() {
        ui.label(RichText::new(&view.reason).text_style(heading.clone()));
    }
    match view.paused {
        Some(PauseKind::Correction) => {
            ui.add_space(8.0);
            // The list is what the citizen came for: as large as the rest.
            egui::Frame::new()
                .fill(THEME.warning_bg)
                .stroke(egui::Stroke::new(2.0, THEME.warning_text))
                .corner_radius(10.0)
                .inner_margin(egui::Margin::same(16))
                .show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(RichText::new(t.case_bring).color(THEME.warning_text));
                    for (i, m) in view.missing_materials.iter().enumerate() {
                        ui.label(
                            RichText::new(format!("{}. {m}", i + 1))
                                .text_style(heading.clone())
                                .color(THEME.warning_text),
                        );
                    }
                });
        }
        Some(PauseKind::Special) => {
            ui.label(RichText::new(t.case_special).color(THEME.warning_text));
        }
        None => {}
    }
    widgets::pin_to_bottom(ui, crate::theme::touch_height(k.large_text) + 24.0);
    if widgets::big_button(ui, t.home).clicked() {
        k.tap_home(now);
    }
}

/// The server said no (wrong number or password, too many tries) or did
/// not answer.
pub fn failed_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, error: &ApiError) {
    let t = k.lang.text();
    widgets::warning_box(
        ui,
        &format!("{} / {}", ZH.case_query, EN.case_query),
        &format!("{}\n{}", error.message_zh, error.message),
    );
    ui.add_space(24.0);
    if widgets::big_button(ui, t.case_query).clicked() {
        k.tap_case_query(now);
    }
    if widgets::big_button(ui, t.home).clicked() {
        k.tap_home(now);
    }
}
