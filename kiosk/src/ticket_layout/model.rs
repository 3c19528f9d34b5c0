//! What the encoder needs to know about a printer: how many columns a line
//! holds on each paper width, and which bytes put it in and out of its
//! Chinese (double-byte GB18030) mode. These differ between models, so they
//! are configuration, not constants.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// `FS &`: select Kanji (here: Chinese, GB18030) character mode.
pub const FS_CHINESE_ON: [u8; 2] = [0x1C, 0x26];
/// `FS .`: cancel Kanji character mode; single bytes print from the code page.
pub const FS_CHINESE_OFF: [u8; 2] = [0x1C, 0x2E];

/// The roll of paper loaded in the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaperWidth {
    /// 80 mm roll: 48 columns of font A (12 × 24 dots) on most printers.
    #[serde(rename = "80")]
    Mm80,
    /// 58 mm roll: 32 columns of font A.
    #[serde(rename = "58")]
    Mm58,
}

impl PaperWidth {
    /// Width in millimetres.
    pub fn mm(self) -> u8 {
        match self {
            PaperWidth::Mm80 => 80,
            PaperWidth::Mm58 => 58,
        }
    }
}

impl fmt::Display for PaperWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} mm", self.mm())
    }
}

/// A paper width that is neither 80 nor 58 mm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown paper width {0:?}: expected 80 or 58 (mm)")]
pub struct UnknownPaperWidth(pub String);

impl FromStr for PaperWidth {
    type Err = UnknownPaperWidth;

    /// Accepts `80`, `58`, `80mm`, `58mm` (and `80 mm`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.trim().trim_end_matches("mm").trim_end();
        match digits {
            "80" => Ok(PaperWidth::Mm80),
            "58" => Ok(PaperWidth::Mm58),
            _ => Err(UnknownPaperWidth(s.to_owned())),
        }
    }
}

/// Per-model printer settings the ticket encoder follows.
///
/// The default suits Epson-compatible printers with Chinese firmware
/// (Epson TM-T82/T88 SC, Xprinter, GP, HPRT and most 80 mm kiosk
/// mechanisms): `FS &` before GB18030 text, `FS .` before code-page text,
/// 48/32 columns of font A. Every field has a default, so a kiosk config
/// only names what differs (`#[serde(default)]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrinterModel {
    /// Name for logs and the maintenance tool.
    pub name: String,
    /// Columns of font A on an 80 mm roll (48 with a 72 mm print area;
    /// 42 on printers with a 64 mm one).
    pub columns_80mm: u8,
    /// Columns of font A on a 58 mm roll.
    pub columns_58mm: u8,
    /// Bytes that switch to Chinese (GB18030 double-byte) mode; empty for
    /// models that are always in it.
    pub chinese_on: Vec<u8>,
    /// Bytes that leave Chinese mode before code-page (ASCII) text; empty
    /// for models that are always in it (ASCII still prints single-byte).
    pub chinese_off: Vec<u8>,
    /// `ESC t n` code page to select once after `ESC @`, for models whose
    /// code-page text needs it; `None` keeps the printer's default.
    pub code_page: Option<u8>,
    /// QR module size in dots (`GS ( k` function 167, 1–16). 6 dots makes a
    /// ticket URL's QR code about 2.5 cm wide at 203 dpi.
    pub qr_module_size: u8,
    /// Lines fed (`ESC d n`) between the last line and the cut, so the
    /// last line clears the cutter.
    pub feed_lines_before_cut: u8,
}

impl Default for PrinterModel {
    fn default() -> Self {
        PrinterModel {
            name: "ESC/POS (FS & Chinese mode)".to_owned(),
            columns_80mm: 48,
            columns_58mm: 32,
            chinese_on: FS_CHINESE_ON.to_vec(),
            chinese_off: FS_CHINESE_OFF.to_vec(),
            code_page: None,
            qr_module_size: 6,
            feed_lines_before_cut: 4,
        }
    }
}

impl PrinterModel {
    /// A model whose firmware is in GB18030 mode from power-on and does not
    /// know `FS &`/`FS .` (it would print them or choke): no mode commands.
    pub fn chinese_by_default() -> Self {
        PrinterModel {
            name: "ESC/POS (always GB18030)".to_owned(),
            chinese_on: Vec::new(),
            chinese_off: Vec::new(),
            ..PrinterModel::default()
        }
    }

    /// Columns of font A at normal size on `paper`.
    pub fn columns(&self, paper: PaperWidth) -> usize {
        let columns = match paper {
            PaperWidth::Mm80 => self.columns_80mm,
            PaperWidth::Mm58 => self.columns_58mm,
        };
        usize::from(columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_width_parses_the_flag_forms() {
        assert_eq!("80".parse(), Ok(PaperWidth::Mm80));
        assert_eq!("58mm".parse(), Ok(PaperWidth::Mm58));
        assert_eq!(" 80 mm".parse(), Ok(PaperWidth::Mm80));
        assert!("76".parse::<PaperWidth>().is_err());
    }

    #[test]
    fn columns_follow_the_model() {
        let model = PrinterModel {
            columns_80mm: 42,
            ..PrinterModel::default()
        };
        assert_eq!(model.columns(PaperWidth::Mm80), 42);
        assert_eq!(model.columns(PaperWidth::Mm58), 32);
    }
}
