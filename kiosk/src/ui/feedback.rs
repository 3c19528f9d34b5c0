//! 「评价 / 投诉」: the menu, the five levels, a 差评's reasons, the
//! complaint form, and the sending, thanks and refusal screens. The
//! words are here ([`FZH`], [`FEN`]) rather than in `text.rs`, so the
//! feature stays in its own files; like `text.rs`, button labels are the
//! tests' contract.

use std::time::Instant;

use banli_core::rating::Level;
use banli_core::wire::ApiError;
use egui::{Button, RichText, Stroke, Vec2};

use super::widgets;
use crate::state::{Effect, KioskState, refusal_text};
use crate::text::Lang;
use crate::theme::{self, THEME};

/// The words of the 评价 / 投诉 screens.
#[allow(missing_docs)] // Field names say what each string is.
#[derive(Debug)]
pub struct FeedbackText {
    pub home_button: &'static str,
    pub menu_title: &'static str,
    pub rate: &'static str,
    pub rate_hint: &'static str,
    pub complain: &'static str,
    pub complain_hint: &'static str,
    pub enter_id: &'static str,
    pub enter_code: &'static str,
    pub enter_phone: &'static str,
    pub phone: &'static str,
    pub scan_hint: &'static str,
    pub level_title: &'static str,
    pub your_rating: &'static str,
    pub reasons_title: &'static str,
    pub reasons_hint: &'static str,
    pub other_text: &'static str,
    pub submit_rating: &'static str,
    pub category_title: &'static str,
    pub complaint_text: &'static str,
    pub add_phone: &'static str,
    pub no_phone: &'static str,
    pub submit_complaint: &'static str,
    pub sending: &'static str,
    pub not_answering: &'static str,
    pub not_sent_yet: &'static str,
    pub cancel_unsent: &'static str,
    pub not_recorded: &'static str,
    pub try_again: &'static str,
    pub lists_unavailable: &'static str,
    pub loading: &'static str,
    pub keyboard_hint: &'static str,
}

/// 中文.
pub static FZH: FeedbackText = FeedbackText {
    home_button: "评价 / 投诉",
    menu_title: "评价 / 投诉",
    rate: "我要评价",
    rate_hint: "为已办结的业务打分，需号票上的编号和查询码",
    complain: "我要投诉",
    complain_hint: "反映服务中的问题，我们会跟进处理",
    enter_id: "请输入号票上的编号（或扫描号票二维码）",
    enter_code: "请输入号票上的查询码",
    enter_phone: "请输入联系电话（可不填）",
    phone: "电话",
    scan_hint: "也可将号票二维码对准扫码口",
    level_title: "请您对本次服务进行评价",
    your_rating: "您的评价：",
    reasons_title: "请选择不满意的原因（可多选）",
    reasons_hint: "至少选择一项",
    other_text: "其他意见（可不填）",
    submit_rating: "提交评价",
    category_title: "投诉类别",
    complaint_text: "投诉内容",
    add_phone: "填写联系电话（可不填）",
    no_phone: "未留电话",
    submit_complaint: "提交投诉",
    sending: "正在提交，请稍候…",
    not_answering: "服务器暂时无法连接",
    not_sent_yet: "尚未提交成功，正在自动重试，请稍候。",
    cancel_unsent: "取消（不提交）",
    not_recorded: "未能提交",
    try_again: "重新填写",
    lists_unavailable: "暂时无法取得选项，请稍后再试或咨询工作人员。",
    loading: "正在加载…",
    keyboard_hint: "点击方框输入文字",
};

/// English.
pub static FEN: FeedbackText = FeedbackText {
    home_button: "Rate / Complain",
    menu_title: "Rate a service or complain",
    rate: "Rate a service",
    rate_hint: "For a finished service; needs the id and code on your ticket",
    complain: "Make a complaint",
    complain_hint: "Tell us what went wrong; we will follow it up",
    enter_id: "Enter the ticket id on your ticket (or scan its QR code)",
    enter_code: "Enter the query code on your ticket",
    enter_phone: "A phone number to call you back (optional)",
    phone: "Phone",
    scan_hint: "Or hold the ticket's QR code to the scanner",
    level_title: "How satisfied are you with this service?",
    your_rating: "Your rating: ",
    reasons_title: "What went wrong? (choose one or more)",
    reasons_hint: "Choose at least one",
    other_text: "Anything else (optional)",
    submit_rating: "Send rating",
    category_title: "What is it about",
    complaint_text: "What happened",
    add_phone: "Add a phone number (optional)",
    no_phone: "No phone number",
    submit_complaint: "Send complaint",
    sending: "Sending, please wait…",
    not_answering: "The server is not answering",
    not_sent_yet: "Not sent yet; trying again by itself. Please wait.",
    cancel_unsent: "Cancel (do not send)",
    not_recorded: "Not recorded",
    try_again: "Try again",
    lists_unavailable: "The choices are not available now; try later or ask staff.",
    loading: "Loading…",
    keyboard_hint: "Tap the box to write",
};

/// The words in `lang`.
pub fn words(lang: Lang) -> &'static FeedbackText {
    match lang {
        Lang::Zh => &FZH,
        Lang::En => &FEN,
    }
}

/// A level's name in `lang`.
pub fn level_name(level: Level, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => level.label_zh(),
        Lang::En => level.label_en(),
    }
}

fn heading(ui: &mut egui::Ui, text: &str) {
    ui.label(RichText::new(text).text_style(egui::TextStyle::Heading));
}

/// A full-width toggle (a reason, a category): filled when chosen.
fn choice_button(ui: &mut egui::Ui, text: &str, chosen: bool, large: bool) -> egui::Response {
    let h = theme::touch_height(large);
    let (fill, color) = if chosen {
        (THEME.primary, THEME.primary_text)
    } else {
        (THEME.button, THEME.button_text)
    };
    let label = if chosen {
        format!("● {text}")
    } else {
        text.to_owned()
    };
    ui.add(
        Button::new(RichText::new(label).color(color))
            .fill(fill)
            .stroke(Stroke::new(2.0, THEME.primary))
            .corner_radius(12.0)
            .min_size(Vec2::new(ui.available_width(), h)),
    )
}

/// A text box with a visible border: a citizen must see where to tap.
fn boxed(ui: &mut egui::Ui, edit: egui::TextEdit<'_>) -> egui::Response {
    egui::Frame::new()
        .fill(THEME.button)
        .stroke(Stroke::new(2.0, THEME.primary))
        .corner_radius(10.0)
        .inner_margin(egui::Margin::same(8))
        .show(ui, |ui| ui.add(edit.frame(egui::Frame::NONE)))
        .inner
}

fn problem_box(ui: &mut egui::Ui, k: &KioskState) {
    if let Some((zh, en)) = &k.feedback.problem {
        let body = if k.lang == Lang::En { en } else { zh };
        widgets::warning_box(ui, body, "");
    }
}

/// 评价 or 投诉.
pub fn menu_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, fx: &mut Vec<Effect>) {
    let w = words(k.lang);
    heading(ui, w.menu_title);
    ui.add_space(16.0);
    if widgets::action_button(ui, w.rate, THEME.primary).clicked() {
        k.tap_rate(now);
    }
    ui.label(RichText::new(w.rate_hint).color(THEME.muted));
    ui.add_space(24.0);
    if widgets::action_button(ui, w.complain, THEME.warning_text).clicked() {
        fx.extend(k.tap_complain(now));
    }
    ui.label(RichText::new(w.complain_hint).color(THEME.muted));
    back_home(ui, k, now);
}

fn back_home(ui: &mut egui::Ui, k: &mut KioskState, now: Instant) {
    let t = k.lang.text();
    widgets::pin_to_bottom(ui, theme::touch_height(k.large_text) + 24.0);
    if widgets::big_button(ui, t.home).clicked() {
        k.tap_home(now);
    }
}

/// The five levels, best first, as large buttons.
pub fn level_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, fx: &mut Vec<Effect>) {
    let w = words(k.lang);
    let t = k.lang.text();
    heading(ui, w.level_title);
    if let Some(id) = k.feedback.ticket_id {
        ui.label(RichText::new(format!("{}：{id}", t.ticket_id)).color(THEME.muted));
    }
    ui.add_space(12.0);
    for level in Level::ALL {
        let fill = match level {
            Level::VerySatisfied | Level::Satisfied => THEME.green,
            Level::Basic => THEME.primary,
            Level::Dissatisfied | Level::VeryDissatisfied => THEME.warning_text,
        };
        if widgets::action_button(ui, level_name(level, k.lang), fill).clicked() {
            fx.extend(k.tap_level(now, level));
        }
        ui.add_space(8.0);
    }
    back_home(ui, k, now);
}

/// A 差评's reasons (at least one) and optional text.
pub fn reasons_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, fx: &mut Vec<Effect>) {
    let w = words(k.lang);
    let t = k.lang.text();
    if let Some(level) = k.feedback.level {
        ui.label(
            RichText::new(format!("{}{}", w.your_rating, level_name(level, k.lang)))
                .text_style(egui::TextStyle::Heading)
                .color(THEME.warning_text),
        );
    }
    heading(ui, w.reasons_title);
    // Each reason with its English name: the Chinese one is what is sent.
    let reasons: Vec<(String, String)> = k
        .feedback_settings
        .as_ref()
        .map(|s| {
            s.reasons
                .iter()
                .map(|r| (r.clone(), s.reason_label(r, k.lang)))
                .collect()
        })
        .unwrap_or_default();
    if reasons.is_empty() {
        ui.label(RichText::new(w.lists_unavailable).color(THEME.warning_text));
    }
    let footer = theme::touch_height(k.large_text) * 2.3 + 40.0;
    egui::ScrollArea::vertical()
        .max_height((ui.available_height() - footer).max(100.0))
        .show(ui, |ui| {
            for (r, label) in &reasons {
                let chosen = k.feedback.reasons.contains(r);
                if choice_button(ui, label, chosen, k.large_text).clicked() {
                    k.toggle_reason(now, r);
                }
                ui.add_space(6.0);
            }
            ui.add_space(12.0);
            ui.label(RichText::new(w.other_text).color(THEME.muted));
            let edit = egui::TextEdit::multiline(&mut k.feedback.rating_text)
                .hint_text(w.keyboard_hint)
                .char_limit(banli_core::rating::MAX_TEXT_CHARS)
                .desired_rows(3)
                .desired_width(f32::INFINITY);
            if boxed(ui, edit).changed() {
                k.touch(now);
            }
            problem_box(ui, k);
        });
    widgets::pin_to_bottom(ui, footer);
    if widgets::primary_button(ui, w.submit_rating, THEME.primary).clicked() {
        fx.extend(k.submit_reasons(now));
    }
    ui.add_space(8.0);
    if widgets::big_button(ui, t.back).clicked() {
        k.back_to_levels(now);
    }
}

/// Category, text, optional phone.
pub fn complaint_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, fx: &mut Vec<Effect>) {
    let w = words(k.lang);
    let t = k.lang.text();
    heading(ui, w.category_title);
    let categories: Vec<(String, String)> = k
        .feedback_settings
        .as_ref()
        .map(|s| {
            s.complaint_categories
                .iter()
                .map(|c| (c.clone(), s.category_label(c, k.lang)))
                .collect()
        })
        .unwrap_or_default();
    if categories.is_empty() {
        ui.label(RichText::new(w.lists_unavailable).color(THEME.warning_text));
    }
    let footer = theme::touch_height(k.large_text) * 2.3 + 40.0;
    egui::ScrollArea::vertical()
        .max_height((ui.available_height() - footer).max(100.0))
        .show(ui, |ui| {
            for (c, label) in &categories {
                let chosen = k.feedback.category.as_ref() == Some(c);
                if choice_button(ui, label, chosen, k.large_text).clicked() {
                    k.pick_category(now, c);
                }
                ui.add_space(6.0);
            }
            ui.add_space(12.0);
            widgets::section(ui, w.complaint_text);
            let edit = egui::TextEdit::multiline(&mut k.feedback.complaint_text)
                .hint_text(w.keyboard_hint)
                .char_limit(banli_core::rating::MAX_TEXT_CHARS)
                .desired_rows(4)
                .desired_width(f32::INFINITY);
            if boxed(ui, edit).changed() {
                k.touch(now);
                k.feedback.problem = None;
            }
            ui.add_space(12.0);
            let phone = if k.feedback.phone.is_empty() {
                w.no_phone.to_owned()
            } else {
                k.feedback.phone.clone()
            };
            ui.label(RichText::new(format!("{}：{phone}", w.phone)).color(THEME.muted));
            if widgets::big_button(ui, w.add_phone).clicked() {
                k.tap_phone(now);
            }
            problem_box(ui, k);
        });
    widgets::pin_to_bottom(ui, footer);
    if widgets::primary_button(ui, w.submit_complaint, THEME.primary).clicked() {
        fx.extend(k.submit_complaint(now));
    }
    ui.add_space(8.0);
    if widgets::big_button(ui, t.back).clicked() {
        k.tap_home(now);
    }
}

/// On its way; says so plainly when the server does not answer.
pub fn sending_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, retrying: bool) {
    let w = words(k.lang);
    if retrying {
        // Both languages, as for a refusal: the citizen must not think it
        // was recorded.
        widgets::warning_box(
            ui,
            &format!("{} / {}", FZH.not_answering, FEN.not_answering),
            &format!("{}\n{}", FZH.not_sent_yet, FEN.not_sent_yet),
        );
    } else {
        heading(ui, w.sending);
    }
    ui.add_space(48.0);
    ui.vertical_centered(|ui| ui.add(egui::Spinner::new().size(96.0)));
    if retrying {
        widgets::pin_to_bottom(ui, theme::touch_height(k.large_text) + 24.0);
        if widgets::big_button(ui, w.cancel_unsent).clicked() {
            k.cancel_feedback(now);
        }
    }
}

/// The server's thanks, then home.
pub fn done_ui(
    ui: &mut egui::Ui,
    k: &mut KioskState,
    now: Instant,
    message_zh: &str,
    message_en: &str,
    left: u64,
) {
    let t = k.lang.text();
    ui.add_space(120.0);
    ui.vertical_centered(|ui| {
        ui.label(
            RichText::new(message_zh)
                .size(theme::body_size(k.large_text) * 2.2)
                .family(egui::FontFamily::Name(theme::BOLD.into()))
                .color(THEME.green),
        );
        ui.add_space(12.0);
        ui.label(
            RichText::new(message_en)
                .text_style(egui::TextStyle::Heading)
                .color(THEME.green),
        );
        ui.add_space(24.0);
        ui.label(RichText::new(t.back_home_in(left)).color(THEME.muted));
    });
    back_home(ui, k, now);
}

/// A refusal, in both languages, and what to do next.
pub fn failed_ui(ui: &mut egui::Ui, k: &mut KioskState, now: Instant, error: &ApiError) {
    let (zh, en) = refusal_text(error);
    widgets::warning_box(
        ui,
        &format!("{} / {}", FZH.not_recorded, FEN.not_recorded),
        &format!("{zh}\n{en}"),
    );
    ui.add_space(24.0);
    let w = words(k.lang);
    if widgets::big_button(ui, w.try_again).clicked() {
        k.feedback_try_again(now);
    }
    back_home(ui, k, now);
}
