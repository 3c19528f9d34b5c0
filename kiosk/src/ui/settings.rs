//! Staff settings behind the PIN: device status and a test ticket.

use std::time::Instant;

use egui::RichText;

use super::widgets;
use crate::state::{Effect, KioskState, ServerLink};
use crate::theme::THEME;

/// The settings screen.
pub fn settings_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, fx: &mut Vec<Effect>) {
    let t = k.lang.text();
    ui.label(RichText::new(t.settings).text_style(egui::TextStyle::Heading));
    let server = match &k.link {
        ServerLink::Connecting => t.loading.to_owned(),
        ServerLink::Up => t.online.to_owned(),
        ServerLink::Down { reason } => format!("{} ({reason})", t.paused),
    };
    ui.label(format!("{}：{server}", t.server));
    let printer = match &k.printer {
        None => t.unknown.to_owned(),
        Some(p) if p.message_zh.is_empty() => super::printer_state_text(t, p.state).to_owned(),
        Some(p) => format!(
            "{} · {} {}",
            super::printer_state_text(t, p.state),
            p.message_zh,
            p.detail
        ),
    };
    ui.label(format!("{}：{printer}", t.printer));
    ui.label(
        RichText::new(format!(
            "{} · {} mm · {}",
            k.settings.ticket_context.hall_name,
            k.settings.paper.mm(),
            k.settings.version
        ))
        .color(THEME.muted),
    );
    ui.add_space(24.0);
    if widgets::big_button(ui, t.print_test).clicked() {
        let issued_at = jiff::ZonedDateTime::now()
            .strftime("%Y-%m-%d %H:%M")
            .to_string();
        fx.extend(k.tap_print_test(now, &issued_at));
    }
    if widgets::big_button(ui, t.home).clicked() {
        k.tap_home(now);
    }
}
