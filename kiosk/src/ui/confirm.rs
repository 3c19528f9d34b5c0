//! Confirm: the chosen service, what to bring, and 确认取号.

use std::time::Instant;

use banli_core::ids::ServiceId;
use egui::RichText;

use super::widgets;
use crate::state::{Effect, KioskState};
use crate::text::Lang;
use crate::theme::THEME;

/// The confirm screen.
pub fn confirm_ui(
    ui: &mut egui::Ui,
    k: &mut KioskState,
    now: Instant,
    service_id: &ServiceId,
    fx: &mut Vec<Effect>,
) {
    let t = k.lang.text();
    ui.label(RichText::new(t.confirm_title).color(THEME.muted));
    if let Some(s) = k.service(service_id) {
        ui.label(
            RichText::new(format!("{}  {}", s.name_zh, s.name_en))
                .text_style(egui::TextStyle::Heading)
                .color(THEME.primary),
        );
        ui.label(format!(
            "{} · {}",
            t.ahead(s.waiting),
            t.wait(s.estimated_wait_minutes)
        ));
    }
    ui.separator();
    widgets::section(ui, t.bring_materials);
    let materials: Vec<String> = k
        .guide_item_for(service_id)
        .map(|item| {
            item.materials
                .iter()
                .map(|m| {
                    let name = match k.lang {
                        Lang::En if !m.name_en.is_empty() => &m.name_en,
                        _ => &m.name_zh,
                    };
                    let mut counts = Vec::new();
                    if m.originals > 0 {
                        counts.push(format!("{} {}", t.originals, m.originals));
                    }
                    if m.copies > 0 {
                        counts.push(format!("{} {}", t.copies, m.copies));
                    }
                    if counts.is_empty() {
                        format!("• {name}")
                    } else {
                        format!("• {name}（{}）", counts.join(" · "))
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let footer = crate::theme::touch_height(k.large_text) * 2.2
        + crate::theme::body_size(k.large_text) * 1.2
        + 24.0;
    egui::ScrollArea::vertical()
        .max_height((ui.available_height() - footer).max(100.0))
        .show(ui, |ui| {
            if materials.is_empty() {
                ui.label(RichText::new(t.no_materials_listed).color(THEME.muted));
            }
            for m in &materials {
                ui.label(m);
            }
        });
    widgets::pin_to_bottom(ui, footer);
    let issuing = k.is_issuing();
    if ui
        .add_enabled_ui(issuing, |ui| {
            widgets::primary_button(ui, t.confirm_take, THEME.primary)
        })
        .inner
        .clicked()
    {
        fx.extend(k.confirm(now));
    }
    if widgets::big_button(ui, t.back).clicked() {
        k.tap_back_to_services(now);
    }
}
