//! Fonts: the embedded Noto Sans SC subset (OFL, GB2312 hanzi), or a font
//! file the hall configures, installed in egui for every family.
//!
//! egui's own fonts have no hanzi; without this every Chinese character
//! would be a box. The embedded font goes first in both the proportional
//! and monospace families, egui's defaults stay behind it for symbols, and
//! the bold cut is the family [`BOLD`].

use std::path::Path;
use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

/// Noto Sans SC Regular, subset to GB2312 (see `assets/fonts/README.md`).
pub static REGULAR: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/fonts/NotoSansSC-Regular-subset.otf"
));
/// Noto Sans SC Bold, same subset.
pub static BOLD_FONT: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/fonts/NotoSansSC-Bold-subset.otf"
));

/// The family name of the bold cut: `FontFamily::Name(BOLD.into())`.
pub const BOLD: &str = "bold";

/// The bold family.
pub fn bold() -> FontFamily {
    FontFamily::Name(BOLD.into())
}

/// Font definitions with the CJK font first. `override_path` (the
/// configured `font`) replaces the regular cut when it can be read.
///
/// # Errors
/// When `override_path` cannot be read.
pub fn definitions(override_path: Option<&Path>) -> std::io::Result<FontDefinitions> {
    let mut fonts = FontDefinitions::default();
    let regular = match override_path {
        Some(path) => FontData::from_owned(std::fs::read(path)?),
        None => FontData::from_static(REGULAR),
    };
    fonts
        .font_data
        .insert("banli-regular".into(), Arc::new(regular));
    fonts.font_data.insert(
        "banli-bold".into(),
        Arc::new(FontData::from_static(BOLD_FONT)),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .insert(0, "banli-regular".into());
    }
    let mut bold = vec!["banli-bold".to_owned(), "banli-regular".to_owned()];
    bold.extend(
        fonts
            .families
            .get(&FontFamily::Proportional)
            .into_iter()
            .flatten()
            .skip(1)
            .cloned(),
    );
    fonts.families.insert(self::bold(), bold);
    Ok(fonts)
}

/// Installs the embedded fonts in `ctx` (tests, and the fallback when a
/// configured font fails).
pub fn install_embedded(ctx: &egui::Context) {
    // The embedded font needs no file, so this cannot fail.
    if let Ok(fonts) = definitions(None) {
        ctx.set_fonts(fonts);
    }
}
