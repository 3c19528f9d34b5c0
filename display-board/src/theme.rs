//! The board's colours and type sizes, in one place: widgets never hold a
//! literal colour.
//!
//! A hall board is read from across the room, often under bright ceiling
//! lights, so the palette is a dark background with a few strong,
//! high-contrast colours: amber numbers (what citizens look for), white
//! counters, red only for trouble. Sizes are given for a 1080-point-high
//! screen and scaled to the real one, so the same layout works on a
//! 1920×1080 hall screen and an 800×480 counter screen.

use egui::Color32;

/// Colours of the board.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    /// Screen background.
    pub background: Color32,
    /// Panels (the call list, waiting counts) on the background.
    pub panel: Color32,
    /// Background of the newest call while it flashes.
    pub highlight: Color32,
    /// Ordinary text.
    pub text: Color32,
    /// Secondary text: English lines, headings.
    pub text_dim: Color32,
    /// Ticket numbers.
    pub number: Color32,
    /// Counter names and numbers in a call.
    pub counter: Color32,
    /// Waiting counts.
    pub waiting: Color32,
    /// The connection-lost mark and a paused counter.
    pub alert: Color32,
    /// Text on [`Theme::alert`].
    pub alert_text: Color32,
    /// The notice ticker's band.
    pub ticker: Color32,
}

impl Theme {
    /// The default hall theme.
    pub const HALL: Theme = Theme {
        background: Color32::from_rgb(0x08, 0x14, 0x26),
        panel: Color32::from_rgb(0x12, 0x24, 0x3d),
        highlight: Color32::from_rgb(0x8a, 0x1c, 0x1c),
        text: Color32::from_rgb(0xf2, 0xf5, 0xfa),
        text_dim: Color32::from_rgb(0xa9, 0xb8, 0xcc),
        number: Color32::from_rgb(0xff, 0xc8, 0x3d),
        counter: Color32::from_rgb(0x7c, 0xe0, 0x8a),
        waiting: Color32::from_rgb(0x6c, 0xc4, 0xff),
        alert: Color32::from_rgb(0xd3, 0x2f, 0x2f),
        alert_text: Color32::WHITE,
        ticker: Color32::from_rgb(0x0f, 0x3b, 0x6b),
    };

    /// Applies the background and text colours to egui's visuals.
    pub fn apply(&self, ctx: &egui::Context) {
        let mut visuals = egui::Visuals::dark();
        visuals.panel_fill = self.background;
        visuals.window_fill = self.background;
        visuals.override_text_color = Some(self.text);
        ctx.set_visuals(visuals);
    }
}

impl Default for Theme {
    fn default() -> Self {
        Self::HALL
    }
}
