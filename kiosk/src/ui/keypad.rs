//! The on-screen numeric keypad: booking codes, ticket ids and query
//! codes, and the staff PIN (shown as dots).

use std::time::Instant;

use egui::RichText;

use super::widgets;
use crate::state::{Effect, KeypadPurpose, KioskState};
use crate::theme::{self, THEME};

/// The keypad screen.
#[allow(clippy::too_many_arguments)]
pub fn keypad_ui(
    ui: &mut egui::Ui,
    k: &mut KioskState,
    now: Instant,
    purpose: KeypadPurpose,
    digits: &str,
    wrong: bool,
    fx: &mut Vec<Effect>,
) {
    let t = k.lang.text();
    let (prompt, field, submit) = match purpose {
        KeypadPurpose::BookingCode => (t.enter_booking_code, t.booking_code, t.next),
        KeypadPurpose::TicketId => (t.progress_enter_id, t.ticket_id, t.next),
        KeypadPurpose::QueryCode => (t.progress_enter_code, t.query_code, t.look_up),
        KeypadPurpose::AdminPin => (t.enter_pin, t.staff, t.next),
        KeypadPurpose::CaseNumber => (t.case_enter_no, t.case_no, t.next),
        KeypadPurpose::CasePassword => (t.case_enter_password, t.case_password, t.look_up),
        KeypadPurpose::RateTicketId => {
            (super::feedback::words(k.lang).enter_id, t.ticket_id, t.next)
        }
        KeypadPurpose::RateCode => (
            super::feedback::words(k.lang).enter_code,
            t.query_code,
            t.next,
        ),
        KeypadPurpose::ComplaintPhone => (
            super::feedback::words(k.lang).enter_phone,
            super::feedback::words(k.lang).phone,
            t.done,
        ),
    };
    ui.label(RichText::new(prompt).text_style(egui::TextStyle::Heading));
    if matches!(
        purpose,
        KeypadPurpose::RateTicketId | KeypadPurpose::RateCode
    ) {
        // A scanner is a keyboard: it types the QR code's URL and Enter
        // (or pastes it).
        let events = ui.input(|i| i.events.clone());
        for e in events {
            let read = match e {
                egui::Event::Text(t) => {
                    k.scanner_text(now, &t);
                    false
                }
                egui::Event::Paste(t) => k.scan_ticket(now, &t),
                egui::Event::Key {
                    key: egui::Key::Enter,
                    pressed: true,
                    ..
                } => k.scanner_enter(now),
                _ => false,
            };
            if read {
                return;
            }
        }
        ui.label(RichText::new(super::feedback::words(k.lang).scan_hint).color(THEME.muted));
    }
    let shown = if purpose == KeypadPurpose::AdminPin {
        "●".repeat(digits.chars().count())
    } else {
        digits.to_owned()
    };
    // One label, so the digits shown never clash with a key's label.
    ui.label(
        RichText::new(format!(
            "{field}：{}",
            if shown.is_empty() { "—" } else { &shown }
        ))
        .size(theme::body_size(k.large_text) * 1.8)
        .color(THEME.primary),
    );
    if wrong {
        ui.label(RichText::new(t.wrong_pin).color(THEME.warning_text));
    }
    let h = theme::touch_height(k.large_text);
    // Three keys fill the width: big targets for any finger.
    let kw = ((ui.available_width() - 32.0) / 3.0).floor();
    let kh = (h * 1.5).floor();
    let mut pressed: Option<char> = None;
    let mut delete = false;
    let mut clear = false;
    egui::Grid::new("keypad")
        .spacing(egui::vec2(16.0, 16.0))
        .show(ui, |ui| {
            let key = |ui: &mut egui::Ui, label: &str| {
                ui.add(
                    egui::Button::new(RichText::new(label).size(h * 0.5).color(THEME.button_text))
                        .fill(THEME.button)
                        .stroke(egui::Stroke::new(2.0, THEME.primary))
                        .corner_radius(12.0)
                        .min_size(egui::vec2(kw, kh)),
                )
            };
            for row in [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]] {
                for d in row {
                    if key(ui, d).clicked() {
                        pressed = d.chars().next();
                    }
                }
                ui.end_row();
            }
            if key(ui, t.clear).clicked() {
                clear = true;
            }
            if key(ui, "0").clicked() {
                pressed = Some('0');
            }
            if key(ui, t.delete).clicked() {
                delete = true;
            }
            ui.end_row();
        });
    if let Some(d) = pressed {
        k.keypad_digit(now, d);
    }
    if delete {
        k.keypad_delete(now);
    }
    if clear {
        k.keypad_clear(now);
    }
    widgets::pin_to_bottom(ui, h * 2.2 + theme::body_size(k.large_text) * 1.2 + 24.0);
    if ui
        .add_enabled_ui(
            !digits.is_empty() || purpose == KeypadPurpose::ComplaintPhone,
            |ui| widgets::primary_button(ui, submit, THEME.primary),
        )
        .inner
        .clicked()
    {
        fx.extend(k.keypad_submit(now));
    }
    if widgets::big_button(ui, t.back).clicked() {
        if purpose == KeypadPurpose::ComplaintPhone {
            k.back_to_complaint(now);
        } else {
            k.tap_home(now);
        }
    }
}
