//! The handful of ESC/POS commands a ticket needs, as a byte builder that
//! tracks the printer's text mode and knows how wide text prints.
//!
//! Width rule: in Chinese mode every multi-byte GB18030 character prints as
//! a double-width glyph (24 dots, two font-A columns), and single bytes
//! (ASCII) print half-width. So a character's width is 1 if it is ASCII and
//! 2 otherwise. This follows the printer, not Unicode's East Asian Width
//! (which calls `·` or `é` narrow, though the printer prints them wide).

use std::cell::RefCell;
use std::rc::Rc;

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{
    Encoder, JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption,
};

use super::model::PrinterModel;

/// `ESC @`: initialise the printer (modes, sizes, alignment back to default).
pub const ESC_INIT: [u8; 2] = [0x1B, 0x40];
/// `ESC t`: select a character code table (followed by `n`).
pub const ESC_CODE_PAGE: [u8; 2] = [0x1B, 0x74];
/// `ESC E`: emphasised (bold) on/off (followed by 1/0).
pub const ESC_BOLD: [u8; 2] = [0x1B, 0x45];
/// `ESC a`: justification (followed by 0 left, 1 centre, 2 right).
pub const ESC_ALIGN: [u8; 2] = [0x1B, 0x61];
/// `ESC d`: print and feed `n` lines.
pub const ESC_FEED_LINES: [u8; 2] = [0x1B, 0x64];
/// `GS !`: character size; high nibble width − 1, low nibble height − 1.
pub const GS_SIZE: [u8; 2] = [0x1D, 0x21];
/// `GS V 0`: full cut.
pub const GS_FULL_CUT: [u8; 3] = [0x1D, 0x56, 0x00];
/// `GS ( k`: 2D code command prefix (QR code with `cn` = 49).
pub const GS_2D: [u8; 3] = [0x1D, 0x28, 0x6B];
/// `LF`: print the line buffer and feed one line.
pub const LF: u8 = 0x0A;

/// The most data `GS ( k` can store for a model-2 QR code at error
/// correction level M in byte mode (version 40). Longer data would be
/// rejected by the printer, so the encoder leaves the QR code out instead.
pub const QR_MAX_BYTES_LEVEL_M: usize = 2331;

/// Which character set the printer is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextMode {
    /// Chinese (Kanji) mode: GB18030 double-byte text.
    Chinese,
    /// Code-page mode: single-byte text.
    CodePage,
}

/// Print width of one character in font-A columns (see the module doc).
pub fn char_width(c: char) -> usize {
    if c.is_ascii() { 1 } else { 2 }
}

/// Print width of a string in font-A columns.
pub fn text_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// Text as it may go to the printer: every control character (C0, DEL and
/// C1, including newlines and `ESC`) becomes a space, so a service name or
/// notice can never smuggle in a printer command.
pub fn sanitise(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Wraps `text` into lines at most `width` columns wide: breaks at spaces
/// between ASCII words, anywhere around a wide character, and inside a
/// word only when the word alone is too long. Lines carry no leading or
/// trailing spaces; an empty or all-space text gives no lines.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    // A wide character needs two columns, so never wrap narrower than that.
    let width = width.max(2);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0;
    let mut space_pending = false;

    for token in tokens(text) {
        let Some(token) = token else {
            space_pending = line_width > 0;
            continue;
        };
        let token_width = text_width(token);
        let gap = usize::from(space_pending);
        space_pending = false;
        if line_width + gap + token_width <= width {
            if gap == 1 {
                line.push(' ');
            }
            line.push_str(token);
            line_width += gap + token_width;
            continue;
        }
        if line_width > 0 {
            lines.push(std::mem::take(&mut line));
            line_width = 0;
        }
        // Too long for a line of its own: split it character by character.
        for c in token.chars() {
            let w = char_width(c);
            if line_width + w > width {
                lines.push(std::mem::take(&mut line));
                line_width = 0;
            }
            line.push(c);
            line_width += w;
        }
    }
    if line_width > 0 {
        lines.push(line);
    }
    lines
}

/// Splits text into break units: `Some(word)` for a run of ASCII non-space
/// characters or a single wide character, `None` for a run of spaces.
fn tokens(text: &str) -> impl Iterator<Item = Option<&str>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let end = if first == ' ' {
            rest.find(|c| c != ' ').unwrap_or(rest.len())
        } else if first.is_ascii() {
            rest.find(|c: char| c == ' ' || !c.is_ascii())
                .unwrap_or(rest.len())
        } else {
            first.len_utf8()
        };
        let (token, tail) = rest.split_at(end);
        rest = tail;
        Some((first != ' ').then_some(token))
    })
}

/// A crate error while building a ticket. Unreachable by construction
/// (sizes are clamped to 1–8, text is GB18030, which maps every Unicode
/// scalar value, QR data is at most [`QR_MAX_BYTES_LEVEL_M`] bytes, and the
/// capture driver cannot fail), but the `escpos` API is fallible, so it is
/// reported rather than assumed away: the kiosk shows the number and says
/// the ticket could not be printed.
#[derive(Debug, thiserror::Error)]
#[error("the ticket could not be encoded: {0}")]
pub struct EncodeError(String);

/// The `escpos` driver the ticket is printed into: it keeps the bytes
/// instead of sending them, so the layout stays a pure function and the
/// transports (with their status reads and timeouts) stay ours.
#[derive(Clone, Default)]
struct Capture {
    /// Everything written; shared with the [`Builder`], which takes it out
    /// after `Printer::print` flushed the instructions.
    bytes: Rc<RefCell<Vec<u8>>>,
}

impl Driver for Capture {
    fn name(&self) -> String {
        "capture".to_owned()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.bytes.borrow_mut().extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// Builds the ESC/POS byte stream of one ticket with the `escpos` crate's
/// [`Printer`] over a capturing driver.
///
/// It remembers the text mode it last selected so that it sends `FS &` /
/// `FS .` (or the model's equivalents, with `custom`) only when the mode
/// changes; the mode is unknown after `ESC @` (some models start in
/// Chinese mode), so the first line always selects one.
pub struct Builder<'m> {
    /// The crate's printer; its instructions are flushed into `captured`.
    printer: Printer<Capture>,
    /// The capture driver's buffer.
    captured: Rc<RefCell<Vec<u8>>>,
    /// The first error the crate returned, if any (see [`EncodeError`]).
    error: Option<escpos::errors::PrinterError>,
    /// Mode commands and QR settings come from here.
    model: &'m PrinterModel,
    /// Font-A columns of the paper at normal size.
    columns: usize,
    /// The mode last selected; `None` until the first text line.
    mode: Option<TextMode>,
    /// The character size last set with [`Builder::size`] (1 after init).
    scale: u8,
}

impl<'m> Builder<'m> {
    /// A builder for a printer of `model` with `columns` font-A columns.
    pub fn new(model: &'m PrinterModel, columns: usize) -> Self {
        let capture = Capture::default();
        let captured = Rc::clone(&capture.bytes);
        // No page code in the options: text is encoded by the protocol's
        // encoder, GB18030 (ASCII stays single-byte, so code-page lines
        // are right too).
        let protocol = Protocol::new(Encoder::new(encoding_rs::GB18030));
        Builder {
            printer: Printer::new(capture, protocol, None),
            captured,
            error: None,
            model,
            columns,
            mode: None,
            scale: 1,
        }
    }

    /// Runs one crate call, keeping its first error.
    fn run(
        &mut self,
        f: impl FnOnce(&mut Printer<Capture>) -> escpos::errors::Result<&mut Printer<Capture>>,
    ) {
        if self.error.is_none()
            && let Err(e) = f(&mut self.printer)
        {
            self.error = Some(e);
        }
    }

    /// The finished byte stream.
    ///
    /// # Errors
    /// [`EncodeError`] when a crate call failed (see its doc).
    pub fn finish(mut self) -> Result<Vec<u8>, EncodeError> {
        self.run(Printer::print);
        match self.error {
            Some(e) => Err(EncodeError(e.to_string())),
            None => Ok(self.captured.take()),
        }
    }

    /// `ESC @`, then the model's code page (`ESC t n`) if it names one.
    pub fn init(&mut self) {
        self.run(Printer::init);
        if let Some(n) = self.model.code_page {
            // `custom`: the crate's `page_code` takes its `PageCode` enum,
            // which does not name every table number a model may need.
            self.run(|p| p.custom(&[ESC_CODE_PAGE[0], ESC_CODE_PAGE[1], n]));
        }
        self.mode = None;
        self.scale = 1;
    }

    /// `ESC E 1` / `ESC E 0`.
    pub fn bold(&mut self, on: bool) {
        self.run(|p| p.bold(on));
    }

    /// `GS ! n` with `scale` × width and × height (1–8).
    pub fn size(&mut self, scale: u8) {
        self.scale = scale.clamp(1, 8);
        let s = self.scale;
        self.run(|p| p.size(s, s));
    }

    /// `ESC a 1` (centre) or `ESC a 0` (left).
    pub fn centre(&mut self, on: bool) {
        let mode = if on {
            JustifyMode::CENTER
        } else {
            JustifyMode::LEFT
        };
        self.run(|p| p.justify(mode));
    }

    /// `LF` with nothing else: an empty line. (`LF`, not the crate's
    /// `feed`, which is `ESC d 1`: see the module doc.)
    pub fn blank_line(&mut self) {
        self.run(|p| p.custom(&[LF]));
    }

    /// Prints `text` wrapped and centred, each line padded with spaces on
    /// the left, at the size last set with [`Builder::size`]: at size 2 a
    /// line holds half as many characters, and each padding space is two
    /// columns wide too.
    pub fn centred(&mut self, text: &str) {
        let width = self.columns / usize::from(self.scale);
        for line in wrap(&sanitise(text), width) {
            self.select_mode_for(&line);
            let pad = width.saturating_sub(text_width(&line)) / 2;
            let padded = format!("{}{line}", " ".repeat(pad));
            self.run(|p| p.write(&padded)?.custom(&[LF]));
        }
    }

    /// The QR code of `data`, centred, with the crate's `qrcode_option`:
    /// model 2 given explicitly, the model's module size, error correction
    /// M; it sends `GS ( k` functions 165, 167, 169, 180 (store) and 181
    /// (print). Returns false, having sent nothing, when the data is empty
    /// or longer than the printer can store.
    pub fn qr(&mut self, data: &str) -> bool {
        if data.is_empty() || data.len() > QR_MAX_BYTES_LEVEL_M {
            return false;
        }
        // The crate caps the module size at 15 (Epson allows 16).
        let option = QRCodeOption::new(
            QRCodeModel::Model2,
            self.model.qr_module_size.clamp(1, 15),
            QRCodeCorrectionLevel::M,
        );
        self.centre(true);
        self.run(|p| p.qrcode_option(data, option));
        self.centre(false);
        true
    }

    /// `ESC d n` then `GS V 0`: feed past the cutter and cut fully.
    pub fn feed_and_cut(&mut self) {
        let n = self.model.feed_lines_before_cut;
        // `GS V 0` with `custom`: the crate's `cut` sends `GS V A 0`
        // (function B), which feeds to the cutting position by itself, on
        // top of the model's `feed_lines_before_cut` (see the module doc).
        self.run(|p| p.feeds(n)?.custom(&GS_FULL_CUT));
    }

    /// Selects Chinese mode for a line with any non-ASCII character and
    /// code-page mode for a pure ASCII line, sending the model's command
    /// (with the crate's `custom`) only when the mode changes.
    fn select_mode_for(&mut self, line: &str) {
        let wanted = if line.is_ascii() {
            TextMode::CodePage
        } else {
            TextMode::Chinese
        };
        if self.mode == Some(wanted) {
            return;
        }
        let command = match wanted {
            TextMode::Chinese => self.model.chinese_on.clone(),
            TextMode::CodePage => self.model.chinese_off.clone(),
        };
        if !command.is_empty() {
            self.run(|p| p.custom(&command));
        }
        self.mode = Some(wanted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_one_column_everything_else_two() {
        assert_eq!(text_width("A023"), 4);
        assert_eq!(text_width("请到5号窗口"), 11);
        assert_eq!(text_width("·"), 2);
    }

    #[test]
    fn wraps_words_at_spaces_and_cjk_anywhere() {
        assert_eq!(
            wrap("Real estate registration", 12),
            ["Real estate", "registration"]
        );
        assert_eq!(wrap("不动产登记中心", 8), ["不动产登", "记中心"]);
        assert_eq!(wrap("请 take 号 ticket", 8), ["请 take", "号", "ticket"]);
    }

    #[test]
    fn never_splits_a_wide_character_over_the_edge() {
        // Width 5: two wide characters (4 columns) then the next one moves
        // down rather than sticking out by a column.
        assert_eq!(wrap("一二三四五", 5), ["一二", "三四", "五"]);
    }

    #[test]
    fn breaks_an_overlong_word() {
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("ab abcdefghij", 4), ["ab", "abcd", "efgh", "ij"]);
    }

    #[test]
    fn empty_and_blank_text_give_no_lines() {
        assert!(wrap("", 10).is_empty());
        assert!(wrap("   ", 10).is_empty());
        assert_eq!(wrap("  a  b  ", 10), ["a b"]);
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(sanitise("A\x1B@\n\x10\x04\u{85}B"), "A @    B");
    }
}
