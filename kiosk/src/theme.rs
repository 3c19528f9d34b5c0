//! The kiosk's look in one place: colours, sizes and the CJK fonts. No
//! widget has a literal colour or size; they ask [`Theme`].
//!
//! `TODO(kiosk)`: load these from `assets/theme.ron` once the board shares
//! them (STYLE.md §4); for now they are constants here.

use std::path::Path;
use std::sync::Arc;

use egui::{Color32, FontData, FontDefinitions, FontFamily, FontId, TextStyle};

/// Colours and sizes. Government-hall blue on white, high contrast.
#[allow(missing_docs)] // Names say what each is.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub background: Color32,
    pub text: Color32,
    pub muted: Color32,
    pub primary: Color32,
    pub primary_text: Color32,
    pub button: Color32,
    pub button_text: Color32,
    pub green: Color32,
    pub warning_bg: Color32,
    pub warning_text: Color32,
    pub disabled_bg: Color32,
    pub number: Color32,
}

/// The one theme.
pub const THEME: Theme = Theme {
    background: Color32::from_rgb(0xF4, 0xF6, 0xFA),
    text: Color32::from_rgb(0x1A, 0x1F, 0x2B),
    muted: Color32::from_rgb(0x50, 0x58, 0x68),
    primary: Color32::from_rgb(0x0B, 0x5C, 0xAD),
    primary_text: Color32::WHITE,
    button: Color32::WHITE,
    button_text: Color32::from_rgb(0x0B, 0x3C, 0x7D),
    green: Color32::from_rgb(0x1B, 0x7F, 0x3B),
    warning_bg: Color32::from_rgb(0xFF, 0xF1, 0xD6),
    warning_text: Color32::from_rgb(0x9A, 0x2B, 0x00),
    disabled_bg: Color32::from_rgb(0xE2, 0xE5, 0xEA),
    number: Color32::from_rgb(0xC4, 0x1E, 0x1E),
};

/// Family name of the bold face.
pub const BOLD: &str = "bold";

/// Base text size in points; large-text mode multiplies it.
pub fn body_size(large: bool) -> f32 {
    if large { 40.0 } else { 26.0 }
}

/// Minimum touch target height in points.
pub fn touch_height(large: bool) -> f32 {
    if large { 110.0 } else { 80.0 }
}

/// Applies the theme and the text size to `style`.
pub fn apply(style: &mut egui::Style, large: bool) {
    let b = body_size(large);
    style.text_styles = [
        (TextStyle::Small, FontId::proportional(b * 0.75)),
        (TextStyle::Body, FontId::proportional(b)),
        (TextStyle::Button, FontId::proportional(b)),
        (TextStyle::Monospace, FontId::monospace(b)),
        (
            TextStyle::Heading,
            FontId::new(b * 1.4, FontFamily::Name(BOLD.into())),
        ),
    ]
    .into();
    let t = &THEME;
    let v = &mut style.visuals;
    *v = egui::Visuals::light();
    v.panel_fill = t.background;
    v.window_fill = t.background;
    v.override_text_color = Some(t.text);
    v.widgets.inactive.weak_bg_fill = t.button;
    v.widgets.inactive.bg_fill = t.button;
    v.widgets.hovered.weak_bg_fill = t.button;
    v.widgets.active.weak_bg_fill = t.disabled_bg;
    style.spacing.item_spacing = egui::vec2(b * 0.6, b * 0.6);
    style.spacing.button_padding = egui::vec2(b * 0.8, b * 0.5);
    style.interaction.selectable_labels = false;
    // A touch screen has no hover to reveal egui's floating scroll bars:
    // when a list runs past the screen (services in large text, a long
    // guide item), a solid bar and a strong fade show there is more.
    style.spacing.scroll = egui::style::ScrollStyle {
        bar_width: b * 0.45,
        handle_min_length: b * 2.0,
        foreground_color: true,
        fade: egui::style::ScrollFadeStyle {
            strength: 0.9,
            size: b * 2.0,
        },
        ..egui::style::ScrollStyle::solid()
    };
}

/// The embedded Noto Sans SC subset (OFL, `assets/fonts`).
const REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Regular-subset.otf");
/// Its bold face.
const BOLD_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Bold-subset.otf");

/// Fonts with Chinese first: `override_path` (a configured font) or the
/// embedded subset, then egui's own fonts for anything else.
///
/// # Errors
///
/// The override cannot be read (the embedded fonts are used instead, and
/// the error says why).
pub fn fonts(override_path: Option<&Path>) -> (FontDefinitions, Option<std::io::Error>) {
    let mut defs = FontDefinitions::default();
    let mut error = None;
    let regular = match override_path.map(std::fs::read) {
        Some(Ok(bytes)) => FontData::from_owned(bytes),
        Some(Err(e)) => {
            error = Some(e);
            FontData::from_static(REGULAR)
        }
        None => FontData::from_static(REGULAR),
    };
    defs.font_data.insert("cjk".into(), Arc::new(regular));
    defs.font_data.insert(
        "cjk-bold".into(),
        Arc::new(FontData::from_static(BOLD_FONT)),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        defs.families
            .entry(family)
            .or_default()
            .insert(0, "cjk".into());
    }
    let mut bold = vec!["cjk-bold".to_owned()];
    bold.extend(
        defs.families
            .get(&FontFamily::Proportional)
            .cloned()
            .unwrap_or_default(),
    );
    defs.families.insert(FontFamily::Name(BOLD.into()), bold);
    (defs, error)
}

/// Installs [`fonts`] into `ctx` and the theme's style.
pub fn install(ctx: &egui::Context, override_path: Option<&Path>) -> Option<std::io::Error> {
    let (defs, error) = fonts(override_path);
    ctx.set_fonts(defs);
    ctx.all_styles_mut(|s| apply(s, false));
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every non-ASCII character the kiosk can show from its own sources
    /// (all words in `text.rs`, the marks and brackets in the screens, the
    /// printer messages) and the demo hall's content renders with the
    /// embedded subset, regular and bold: no tofu boxes. When this fails,
    /// add the character to `assets/fonts/make-subset.sh` and rerun it.
    #[test]
    fn the_embedded_fonts_cover_every_word_on_screen() {
        let sources = [
            include_str!("text.rs"),
            include_str!("ui/mod.rs"),
            include_str!("ui/confirm.rs"),
            include_str!("ui/guide.rs"),
            include_str!("ui/home.rs"),
            include_str!("ui/keypad.rs"),
            include_str!("ui/progress.rs"),
            include_str!("ui/settings.rs"),
            include_str!("ui/ticket.rs"),
            include_str!("ui/widgets.rs"),
            include_str!("printer/error.rs"),
            include_str!("../../core/src/wire.rs"),
            include_str!("../../core/src/engine/rejection.rs"),
            include_str!("../../assets/demo-hall.toml"),
            include_str!("../../assets/demo-guide.toml"),
        ];
        let ctx = egui::Context::default();
        let (defs, error) = fonts(None);
        assert!(error.is_none());
        ctx.set_fonts(defs);
        // One pass loads the fonts; nothing draws its textures here.
        ctx.run_ui(egui::RawInput::default(), |_| {})
            .textures_delta
            .clear();
        let mut missing = std::collections::BTreeSet::new();
        ctx.fonts_mut(|f| {
            for family in [FontFamily::Proportional, FontFamily::Name(BOLD.into())] {
                let font = FontId::new(20.0, family);
                for c in sources.iter().flat_map(|s| s.chars()) {
                    if !c.is_ascii() && !f.has_glyph(&font, c) {
                        missing.insert(c);
                    }
                }
            }
        });
        assert!(missing.is_empty(), "no glyph for {missing:?}");
    }
}
