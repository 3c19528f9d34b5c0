//! Home: the service buttons (two taps to a ticket), the lane banner, and
//! the ways to 绿色通道, appointments, the guide, progress and staff.

use std::time::Instant;

use banli_core::config::PriorityClass;
use banli_core::ids::ServiceId;
use banli_core::wire::ServiceView;
use egui::RichText;

use super::widgets;
use crate::state::{KioskState, Lane, ServerLink};
use crate::text::{EN, Lang, Text, ZH};
use crate::theme::THEME;

/// The status line of a service button: the queue, or why it is closed.
pub fn service_status(s: &ServiceView, lang: Lang) -> String {
    let t = lang.text();
    if s.is_open {
        if s.waiting == 0 {
            t.no_wait.to_owned()
        } else {
            format!(
                "{} · {}",
                t.waiting_count(s.waiting),
                t.wait(s.estimated_wait_minutes)
            )
        }
    } else {
        let why = s.closed_reason.map(|r| match lang {
            Lang::Zh => r.message_zh().to_owned(),
            Lang::En => r.to_string(),
        });
        match why {
            Some(why) => format!("{} · {why}", t.closed),
            None => t.closed.to_owned(),
        }
    }
}

/// The lane's banner text.
pub fn class_name(t: &Text, class: PriorityClass) -> &'static str {
    match class {
        PriorityClass::Elderly => t.elderly,
        PriorityClass::Disabled => t.disabled,
        PriorityClass::Military => t.military,
    }
}

/// The home screen.
pub fn home_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant) {
    let t = k.lang.text();
    let lane_title = match &k.lane {
        Lane::Normal => None,
        Lane::Priority(class) => Some(format!("{}{}", t.green_channel_for, class_name(t, *class))),
        Lane::Appointment(code) => Some(format!("{} ({code})", t.appointment_for)),
    };
    if let Some(title) = lane_title {
        ui.horizontal(|ui| {
            ui.label(RichText::new(title).color(THEME.green).strong());
            if widgets::small_button(ui, t.leave_green_channel, false).clicked() {
                k.tap_home(now);
            }
        });
    } else {
        ui.label(RichText::new(t.choose_service).text_style(egui::TextStyle::Heading));
    }
    // Warn before the tap, not after: the number will be on screen only.
    if let Some(p) = k.printer.as_ref().filter(|p| !p.printed()) {
        widgets::warning_box(
            ui,
            &format!("{} / {}", ZH.printer_down, EN.printer_down),
            &format!("{}\n{}", p.message_zh, p.message_en),
        );
    }
    if k.link == ServerLink::Connecting {
        ui.label(RichText::new(t.loading).color(THEME.muted));
    }
    let issuing = k.is_issuing();
    let services: Vec<(ServiceId, [String; 3], bool)> = k
        .lane_services()
        .iter()
        .map(|s| {
            let label = [
                s.name_zh.clone(),
                s.name_en.clone(),
                service_status(s, k.lang),
            ];
            (s.id.clone(), label, s.is_open)
        })
        .collect();
    if services.is_empty() && k.link == ServerLink::Up {
        ui.label(t.no_services);
    }
    // Three rows of ways in under the services: 绿色通道/预约签到,
    // 办事指南/进度查询, 办件查询/评价·投诉; then the staff link.
    let footer = crate::theme::touch_height(k.large_text) * 3.9
        + crate::theme::body_size(k.large_text) * 2.6
        + 16.0;
    let mut tapped = None;
    egui::ScrollArea::vertical()
        .max_height((ui.available_height() - footer).max(100.0))
        .show(ui, |ui| {
            // Landscape screens get two columns, so all services fit.
            let columns = if ui.available_width() >= 1400.0 { 2 } else { 1 };
            ui.columns(columns, |cols| {
                for (i, (id, label, open)) in services.iter().enumerate() {
                    let ui = &mut cols[i % columns];
                    let [zh, en, status] = label;
                    let r = ui.add_enabled_ui(issuing && *open, |ui| {
                        widgets::service_button(ui, zh, en, status, *open)
                    });
                    if r.inner.clicked() {
                        tapped = Some(id.clone());
                    }
                }
            });
        });
    if let Some(id) = tapped {
        k.tap_service(now, &id);
    }
    // The other ways in sit at the bottom, under the citizen's hand.
    widgets::pin_to_bottom(ui, footer);
    ui.columns(2, |cols| {
        if k.lane == Lane::Normal {
            if widgets::action_button(&mut cols[0], t.green_channel, THEME.green).clicked() {
                k.tap_green_channel(now);
            }
            if widgets::action_button(&mut cols[1], t.appointment, THEME.primary).clicked() {
                k.tap_appointment(now);
            }
        }
        if widgets::action_button(&mut cols[0], t.guide, THEME.primary).clicked() {
            k.tap_guide(now);
        }
        if widgets::action_button(&mut cols[1], t.progress, THEME.primary).clicked() {
            k.tap_progress(now);
        }
        if widgets::action_button(&mut cols[0], t.case_query, THEME.primary).clicked() {
            k.tap_case_query(now);
        }
        let feedback = super::feedback::words(k.lang).home_button;
        if widgets::action_button(&mut cols[1], feedback, THEME.primary).clicked() {
            k.tap_feedback(now);
        }
    });
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
        if ui
            .add(egui::Button::new(RichText::new(t.staff).small().color(THEME.muted)).frame(false))
            .clicked()
        {
            k.tap_staff(now);
        }
    });
}

/// 绿色通道: who is it for.
pub fn priority_pick_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant) {
    let t = k.lang.text();
    ui.label(RichText::new(t.green_channel_pick).text_style(egui::TextStyle::Heading));
    for class in [
        PriorityClass::Elderly,
        PriorityClass::Disabled,
        PriorityClass::Military,
    ] {
        if widgets::big_button(ui, class_name(t, class)).clicked() {
            k.pick_priority(now, class);
        }
    }
    ui.add_space(24.0);
    if widgets::small_button(ui, t.back, false).clicked() {
        k.tap_home(now);
    }
}
