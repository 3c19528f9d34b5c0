//! 办事指南: departments → items → one item's materials, fee (收费公示),
//! legal and committed time limits and whether it is 即办.

use std::time::Instant;

use banli_core::ids::{DepartmentId, ServiceId};
use egui::RichText;

use super::widgets;
use crate::state::KioskState;
use crate::text::Lang;
use crate::theme::THEME;

fn back_row(ui: &mut egui::Ui, k: &mut KioskState, now: Instant) {
    let t = k.lang.text();
    widgets::pin_to_bottom(ui, crate::theme::touch_height(k.large_text) + 24.0);
    ui.columns(2, |cols| {
        if widgets::big_button(&mut cols[0], t.back).clicked() {
            k.guide_back(now);
        }
        if widgets::big_button(&mut cols[1], t.home).clicked() {
            k.tap_home(now);
        }
    });
}

/// Departments, in hall order, each with its names and how many items it
/// has.
pub fn departments_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant) {
    let t = k.lang.text();
    ui.label(
        RichText::new(format!("{} · {}", t.guide, t.guide_departments))
            .text_style(egui::TextStyle::Heading),
    );
    if k.guide.items.is_empty() {
        ui.label(RichText::new(t.loading).color(THEME.muted));
    }
    let departments: Vec<(DepartmentId, String, String, String)> = k
        .guide_departments()
        .into_iter()
        .map(|d| {
            let zh = k.department_name(&d, Lang::Zh);
            let en = k.department_name(&d, Lang::En);
            // No English name: show the Chinese one once.
            let en = if en == zh { String::new() } else { en };
            let count = t.guide_item_count(k.guide_items(&d).len());
            (d, zh, en, count)
        })
        .collect();
    let mut tapped = None;
    let footer = crate::theme::touch_height(k.large_text) * 1.2;
    egui::ScrollArea::vertical()
        .max_height((ui.available_height() - footer).max(100.0))
        .show(ui, |ui| {
            for (d, zh, en, count) in &departments {
                if widgets::department_button(ui, zh, en, count).clicked() {
                    tapped = Some(d.clone());
                }
            }
        });
    if let Some(d) = tapped {
        k.tap_guide_department(now, &d);
    }
    back_row(ui, k, now);
}

/// A department's items.
pub fn items_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, department: &DepartmentId) {
    ui.label(
        RichText::new(k.department_name(department, k.lang)).text_style(egui::TextStyle::Heading),
    );
    let items: Vec<(String, String)> = k
        .guide_items(department)
        .iter()
        .map(|i| {
            let mut name = match k.lang {
                Lang::En if !i.name_en.is_empty() => format!("{}\n{}", i.name_en, i.name_zh),
                _ => i.name_zh.clone(),
            };
            if i.on_the_spot {
                name.push_str(&format!(" · {}", k.lang.text().on_the_spot_short));
            }
            (i.id.clone(), name)
        })
        .collect();
    let mut tapped = None;
    let footer = crate::theme::touch_height(k.large_text) * 1.2;
    egui::ScrollArea::vertical()
        .max_height((ui.available_height() - footer).max(100.0))
        .show(ui, |ui| {
            for (id, name) in &items {
                if widgets::big_button(ui, name).clicked() {
                    tapped = Some(id.clone());
                }
            }
        });
    if let Some(id) = tapped {
        k.tap_guide_item(now, &id);
    }
    back_row(ui, k, now);
}

/// One item.
pub fn detail_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, item_id: &str) {
    let t = k.lang.text();
    let en = k.lang == Lang::En;
    let Some(item) = k.guide_item(item_id).cloned() else {
        back_row(ui, k, now);
        return;
    };
    let title = if en && !item.name_en.is_empty() {
        format!("{}\n{}", item.name_en, item.name_zh)
    } else {
        item.name_zh.clone()
    };
    ui.label(
        RichText::new(title)
            .text_style(egui::TextStyle::Heading)
            .color(THEME.primary),
    );
    ui.label(RichText::new(k.department_name(&item.department, k.lang)).color(THEME.muted));
    let service: Option<ServiceId> = item
        .service_id
        .clone()
        .filter(|s| k.service(s).is_some_and(|s| s.is_open) && k.is_issuing());
    let footer =
        crate::theme::touch_height(k.large_text) * if service.is_some() { 2.4 } else { 1.2 };
    egui::ScrollArea::vertical()
        .max_height((ui.available_height() - footer).max(100.0))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(if item.on_the_spot {
                    t.on_the_spot
                } else {
                    t.not_on_the_spot
                })
                .strong()
                .color(if item.on_the_spot {
                    THEME.green
                } else {
                    THEME.muted
                }),
            );
            let limit = |days: Option<u32>| days.map_or_else(|| "—".to_owned(), |d| t.days(d));
            ui.label(format!(
                "{}：{}",
                t.legal_limit,
                limit(item.legal_limit_days)
            ));
            ui.label(format!(
                "{}：{}",
                t.committed_limit,
                limit(item.committed_limit_days)
            ));
            let fee = if en && !item.fee_en.is_empty() {
                &item.fee_en
            } else {
                &item.fee_zh
            };
            widgets::section(ui, t.fee);
            ui.label(fee);
            widgets::section(ui, t.materials);
            for (i, m) in item.materials.iter().enumerate() {
                let name = if en && !m.name_en.is_empty() {
                    &m.name_en
                } else {
                    &m.name_zh
                };
                let mut line = format!("{}. {name}", i + 1);
                if m.originals > 0 {
                    line.push_str(&format!(" · {} {}", t.originals, m.originals));
                }
                if m.copies > 0 {
                    line.push_str(&format!(" · {} {}", t.copies, m.copies));
                }
                ui.label(line);
                if !m.note_zh.is_empty() {
                    ui.label(
                        RichText::new(format!("    {}", m.note_zh))
                            .small()
                            .color(THEME.muted),
                    );
                }
            }
            let notes = if en && !item.notes_en.is_empty() {
                &item.notes_en
            } else {
                &item.notes_zh
            };
            if !notes.is_empty() {
                ui.label(RichText::new(notes).color(THEME.muted));
            }
        });
    if let Some(s) = service {
        // Beside 返回/首页, under the citizen's hand, as on the confirm
        // screen.
        let touch = crate::theme::touch_height(k.large_text);
        widgets::pin_to_bottom(ui, touch * 1.2 + ui.spacing().item_spacing.y + touch + 24.0);
        if widgets::primary_button(ui, t.take_ticket_for_this, THEME.primary).clicked() {
            k.take_from_guide(now, &s);
        }
    }
    back_row(ui, k, now);
}
