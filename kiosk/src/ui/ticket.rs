//! Issuing, a refusal, and the ticket itself: the number very large, the
//! people ahead, the wait and the QR code, and what the printer did. When
//! printing fails the message is in both languages and asks for a photo.

use std::time::Instant;

use banli_core::wire::{ApiError, IssuedTicket};
use egui::RichText;

use super::widgets;
use crate::state::{KioskState, PrintState};
use crate::text::{EN, ZH};
use crate::theme::THEME;

/// Waiting for the server.
pub fn issuing_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, retrying: bool) {
    let t = k.lang.text();
    ui.vertical_centered(|ui| {
        ui.add_space(80.0);
        ui.label(RichText::new(t.issuing).text_style(egui::TextStyle::Heading));
        ui.spinner();
        if retrying {
            ui.label(
                RichText::new(format!("{} / {}", ZH.retrying, EN.retrying))
                    .color(THEME.warning_text),
            );
            ui.add_space(24.0);
            if widgets::small_button(ui, t.cancel, false).clicked() {
                k.cancel_issue(now);
            }
        }
    });
}

/// The server said no (closed, unknown booking code…): both languages.
pub fn issue_failed_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, error: &ApiError) {
    let t = k.lang.text();
    widgets::warning_box(
        ui,
        &format!("{} / {}", ZH.error_title, EN.error_title),
        &format!("{}\n{}", error.message_zh, error.message),
    );
    ui.add_space(24.0);
    if widgets::big_button(ui, t.home).clicked() {
        k.tap_home(now);
    }
}

/// The ticket.
pub fn ticket_ui(
    ui: &mut egui::Ui,
    k: &mut KioskState,
    now: Instant,
    issued: &IssuedTicket,
    progress_url: &str,
    print: &PrintState,
    seconds_left: Option<u64>,
) {
    let t = k.lang.text();
    let ticket = &issued.ticket;
    if let PrintState::Failed {
        message_zh,
        message_en,
    } = print
    {
        widgets::warning_box(
            ui,
            &format!("{} / {}", ZH.photograph, EN.photograph),
            &format!(
                "{message_zh}{}\n{message_en} {}",
                ZH.ticket_valid, EN.ticket_valid
            ),
        );
    }
    let landscape = ui.available_width() > ui.available_height();
    let large = k.large_text;
    let number_block = |ui: &mut egui::Ui| {
        ui.vertical_centered(|ui| {
            ui.label(RichText::new(t.your_number).color(THEME.muted));
            let size = if large { 300.0 } else { 260.0 };
            ui.label(
                RichText::new(&ticket.number)
                    .size(size)
                    .family(egui::FontFamily::Name(crate::theme::BOLD.into()))
                    .color(THEME.number),
            );
            ui.label(
                RichText::new(format!(
                    "{}  {}",
                    ticket.service_name_zh, ticket.service_name_en
                ))
                .text_style(egui::TextStyle::Heading),
            );
            if ticket.class.is_priority() {
                ui.label(RichText::new(t.priority_ticket).color(THEME.green).strong());
            }
            if issued.appointment_outside_window {
                ui.label(RichText::new(t.appointment_outside).color(THEME.warning_text));
            }
            ui.label(format!(
                "{} · {}",
                t.ahead(ticket.ahead),
                t.wait(ticket.estimated_wait_minutes)
            ));
            match print {
                PrintState::Printing => {
                    ui.label(t.printing);
                }
                PrintState::Printed => {
                    ui.label(
                        RichText::new(t.printed)
                            .text_style(egui::TextStyle::Heading)
                            .color(THEME.green),
                    );
                }
                PrintState::Failed { .. } => {}
            }
        });
    };
    let qr_block = |ui: &mut egui::Ui| {
        ui.vertical_centered(|ui| {
            widgets::qr_code(ui, progress_url, 340.0);
            ui.label(RichText::new(t.scan_progress).color(THEME.muted));
            ui.label(
                RichText::new(format!(
                    "{} {}  {} {}",
                    t.ticket_id, ticket.id, t.query_code, issued.query_code
                ))
                .color(THEME.muted),
            );
        });
    };
    // Portrait: number over QR code. Landscape: side by side.
    if landscape {
        ui.columns(2, |cols| {
            number_block(&mut cols[0]);
            cols[1].add_space(40.0);
            qr_block(&mut cols[1]);
        });
    } else {
        number_block(ui);
        ui.add_space(12.0);
        qr_block(ui);
    }
    widgets::pin_to_bottom(
        ui,
        crate::theme::touch_height(k.large_text)
            + crate::theme::body_size(k.large_text) * 1.8
            + 24.0,
    );
    ui.vertical_centered(|ui| {
        if let Some(secs) = seconds_left {
            ui.label(RichText::new(t.back_home_in(secs)).color(THEME.muted));
        } else {
            ui.label("");
        }
    });
    if widgets::big_button(ui, t.done).clicked() {
        k.tap_home(now);
    }
}
