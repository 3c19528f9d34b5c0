//! Shared pieces: big touch buttons, the warning box, the QR code.

use egui::{Button, Color32, Response, RichText, Sense, Stroke, Vec2};

use crate::theme::{self, THEME};

fn large(ui: &egui::Ui) -> bool {
    ui.style()
        .text_styles
        .get(&egui::TextStyle::Body)
        .is_some_and(|f| f.size >= theme::body_size(true))
}

/// A wide touch button, white with a blue label.
pub fn big_button(ui: &mut egui::Ui, text: &str) -> Response {
    let h = theme::touch_height(large(ui));
    ui.vertical_centered(|ui| {
        ui.add(
            Button::new(RichText::new(text).color(THEME.button_text))
                .fill(THEME.button)
                .stroke(Stroke::new(2.0, THEME.primary))
                .corner_radius(12.0)
                .min_size(Vec2::new(ui.available_width(), h)),
        )
    })
    .inner
}

/// A service button: the Chinese name large and bold, the English name
/// beside it, the queue (or why it is closed) under them. Its
/// accessibility label is all three, so tests find it by either name.
pub fn service_button(ui: &mut egui::Ui, zh: &str, en: &str, status: &str, open: bool) -> Response {
    use egui::text::{LayoutJob, TextFormat};
    let b = ui
        .style()
        .text_styles
        .get(&egui::TextStyle::Body)
        .map_or(26.0, |f| f.size);
    let mut job = LayoutJob::default();
    let fmt = |size: f32, family: egui::FontFamily, color: Color32| TextFormat {
        font_id: egui::FontId::new(size, family),
        color,
        ..Default::default()
    };
    let bold = egui::FontFamily::Name(theme::BOLD.into());
    job.append(zh, 0.0, fmt(b * 1.35, bold, THEME.button_text));
    job.append(
        en,
        b * 0.6,
        fmt(b * 0.85, egui::FontFamily::Proportional, THEME.muted),
    );
    job.append(
        "\n",
        0.0,
        fmt(b * 0.5, egui::FontFamily::Proportional, THEME.muted),
    );
    let status_color = if open {
        THEME.green
    } else {
        THEME.warning_text
    };
    job.append(
        status,
        0.0,
        fmt(b * 0.95, egui::FontFamily::Proportional, status_color),
    );
    let h = theme::touch_height(large(ui)) * 1.45;
    ui.add(
        Button::new(job)
            .fill(THEME.button)
            .stroke(Stroke::new(2.0, THEME.primary))
            .corner_radius(14.0)
            .min_size(Vec2::new(ui.available_width(), h)),
    )
}

/// A guide department: its Chinese name large and bold, the English name
/// under it (when it has one), then how many items it has. Its
/// accessibility label is all of it, so tests find it by either name.
pub fn department_button(ui: &mut egui::Ui, zh: &str, en: &str, count: &str) -> Response {
    use egui::text::{LayoutJob, TextFormat};
    let b = ui
        .style()
        .text_styles
        .get(&egui::TextStyle::Body)
        .map_or(26.0, |f| f.size);
    let fmt = |size: f32, family: egui::FontFamily, color: Color32| TextFormat {
        font_id: egui::FontId::new(size, family),
        color,
        ..Default::default()
    };
    let bold = egui::FontFamily::Name(theme::BOLD.into());
    let mut job = LayoutJob::default();
    job.append(zh, 0.0, fmt(b * 1.2, bold, THEME.button_text));
    if !en.is_empty() {
        job.append(
            &format!("\n{en}"),
            0.0,
            fmt(b * 0.8, egui::FontFamily::Proportional, THEME.muted),
        );
    }
    job.append(
        &format!("\n{count}"),
        0.0,
        fmt(b * 0.9, egui::FontFamily::Proportional, THEME.primary),
    );
    let h = theme::touch_height(large(ui)) * 1.3;
    ui.add(
        Button::new(job)
            .fill(THEME.button)
            .stroke(Stroke::new(2.0, THEME.primary))
            .corner_radius(14.0)
            .min_size(Vec2::new(ui.available_width(), h)),
    )
}

/// A filled, centred action button (绿色通道, 办事指南 …).
pub fn action_button(ui: &mut egui::Ui, text: &str, fill: Color32) -> Response {
    filled_button(ui, text, fill, 1.3, 14.0)
}

/// A filled primary action (确认取号).
pub fn primary_button(ui: &mut egui::Ui, text: &str, fill: Color32) -> Response {
    filled_button(ui, text, fill, 1.2, 12.0)
}

/// A full-width filled button `height` touch heights tall.
fn filled_button(
    ui: &mut egui::Ui,
    text: &str,
    fill: Color32,
    height: f32,
    corner_radius: f32,
) -> Response {
    let h = theme::touch_height(large(ui)) * height;
    ui.vertical_centered(|ui| {
        ui.add(
            Button::new(
                RichText::new(text)
                    .color(THEME.primary_text)
                    .text_style(egui::TextStyle::Heading),
            )
            .fill(fill)
            .corner_radius(corner_radius)
            .min_size(Vec2::new(ui.available_width(), h)),
        )
    })
    .inner
}

/// A button of its own width (top bar, 返回).
pub fn small_button(ui: &mut egui::Ui, text: &str, selected: bool) -> Response {
    let h = theme::touch_height(large(ui)) * 0.8;
    let (fill, color) = if selected {
        (THEME.primary, THEME.primary_text)
    } else {
        (THEME.button, THEME.button_text)
    };
    ui.add(
        Button::new(RichText::new(text).color(color))
            .fill(fill)
            .stroke(Stroke::new(2.0, THEME.primary))
            .corner_radius(10.0)
            .min_size(Vec2::new(h * 1.6, h)),
    )
}

/// A section heading inside a screen (收费公示, 申请材料): bold, primary.
pub fn section(ui: &mut egui::Ui, text: &str) {
    ui.add_space(6.0);
    ui.label(
        RichText::new(text)
            .family(egui::FontFamily::Name(theme::BOLD.into()))
            .color(THEME.primary),
    );
}

/// Skips down so that `footer` points of buttons end at the bottom.
pub fn pin_to_bottom(ui: &mut egui::Ui, footer: f32) {
    let gap = (ui.max_rect().bottom() - footer - ui.cursor().top()).floor();
    if gap > 0.0 {
        ui.add_space(gap);
    }
}

/// An amber box with a bold first line.
pub fn warning_box(ui: &mut egui::Ui, title: &str, body: &str) {
    egui::Frame::new()
        .fill(THEME.warning_bg)
        .stroke(Stroke::new(2.0, THEME.warning_text))
        .corner_radius(10.0)
        .inner_margin(egui::Margin::same(16))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(title)
                    .text_style(egui::TextStyle::Heading)
                    .color(THEME.warning_text),
            );
            if !body.is_empty() {
                ui.label(RichText::new(body).color(THEME.warning_text));
            }
        });
}

/// The QR code of `data`, `side` points square, black on white with a
/// quiet zone. Draws nothing (and says so) if the data does not fit.
pub fn qr_code(ui: &mut egui::Ui, data: &str, side: f32) -> Response {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), Sense::hover());
    let Ok(code) = qrcode::QrCode::new(data.as_bytes()) else {
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "QR ×",
            egui::FontId::proportional(side / 6.0),
            THEME.muted,
        );
        return response;
    };
    let width = code.width();
    let quiet = 4;
    let cells = width + 2 * quiet;
    let cell = side / cells as f32;
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, Color32::WHITE);
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let x = (i % width + quiet) as f32 * cell;
            let y = (i / width + quiet) as f32 * cell;
            let r = egui::Rect::from_min_size(rect.min + Vec2::new(x, y), Vec2::splat(cell + 0.3));
            painter.rect_filled(r, 0.0, Color32::BLACK);
        }
    }
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, data));
    response
}
