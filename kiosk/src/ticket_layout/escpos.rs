//! The handful of ESC/POS commands a ticket needs, as a byte builder that
//! tracks the printer's text mode and knows how wide text prints.
//!
//! Width rule: in Chinese mode every multi-byte GB18030 character prints as
//! a double-width glyph (24 dots, two font-A columns), and single bytes
//! (ASCII) print half-width. So a character's width is 1 if it is ASCII and
//! 2 otherwise. This follows the printer, not Unicode's East Asian Width
//! (which calls `·` or `é` narrow, though the printer prints them wide).

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

/// Builds the ESC/POS byte stream of one ticket.
///
/// It remembers the text mode it last selected so that it sends `FS &` /
/// `FS .` (or the model's equivalents) only when the mode changes; the
/// mode is unknown after `ESC @` (some models start in Chinese mode), so
/// the first line always selects one.
pub struct Builder<'m> {
    /// The bytes so far.
    out: Vec<u8>,
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
        Builder {
            out: Vec::with_capacity(512),
            model,
            columns,
            mode: None,
            scale: 1,
        }
    }

    /// The finished byte stream.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    /// `ESC @`, then the model's code page (`ESC t n`) if it names one.
    pub fn init(&mut self) {
        self.out.extend_from_slice(&ESC_INIT);
        if let Some(n) = self.model.code_page {
            self.out.extend_from_slice(&ESC_CODE_PAGE);
            self.out.push(n);
        }
        self.mode = None;
        self.scale = 1;
    }

    /// `ESC E 1` / `ESC E 0`.
    pub fn bold(&mut self, on: bool) {
        self.out.extend_from_slice(&ESC_BOLD);
        self.out.push(u8::from(on));
    }

    /// `GS ! n` with `scale` × width and × height (1–8).
    pub fn size(&mut self, scale: u8) {
        self.scale = scale.clamp(1, 8);
        let s = self.scale - 1;
        self.out.extend_from_slice(&GS_SIZE);
        self.out.push((s << 4) | s);
    }

    /// `ESC a 1` (centre) or `ESC a 0` (left).
    pub fn centre(&mut self, on: bool) {
        self.out.extend_from_slice(&ESC_ALIGN);
        self.out.push(u8::from(on));
    }

    /// `LF` with nothing else: an empty line.
    pub fn blank_line(&mut self) {
        self.out.push(LF);
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
            self.out.extend(std::iter::repeat_n(b' ', pad));
            self.encode_text(&line);
            self.out.push(LF);
        }
    }

    /// The QR code of `data`, centred, with the printer's own `GS ( k`
    /// functions: model 2, the model's module size, error correction M,
    /// store, print. Returns false, having sent nothing, when the data is
    /// empty or longer than the printer can store.
    pub fn qr(&mut self, data: &[u8]) -> bool {
        if data.is_empty() || data.len() > QR_MAX_BYTES_LEVEL_M {
            return false;
        }
        self.centre(true);
        // Function 165: select model 2.
        self.gs_2d(&[0x31, 0x41, 0x32, 0x00]);
        // Function 167: module size in dots.
        self.gs_2d(&[0x31, 0x43, self.model.qr_module_size.clamp(1, 16)]);
        // Function 169: error correction level M (about 15 % recoverable).
        self.gs_2d(&[0x31, 0x45, 0x31]);
        // Function 180: store the data in the symbol storage area.
        let mut store = Vec::with_capacity(data.len() + 3);
        store.extend_from_slice(&[0x31, 0x50, 0x30]);
        store.extend_from_slice(data);
        self.gs_2d(&store);
        // Function 181: print the stored symbol.
        self.gs_2d(&[0x31, 0x51, 0x30]);
        self.centre(false);
        true
    }

    /// `ESC d n` then `GS V 0`: feed past the cutter and cut fully.
    pub fn feed_and_cut(&mut self) {
        self.out.extend_from_slice(&ESC_FEED_LINES);
        self.out.push(self.model.feed_lines_before_cut);
        self.out.extend_from_slice(&GS_FULL_CUT);
    }

    /// `GS ( k pL pH` + `body`, where `pL + 256 pH` is the body's length.
    fn gs_2d(&mut self, body: &[u8]) {
        // The callers keep bodies under QR_MAX_BYTES_LEVEL_M + 3 bytes.
        let len = u16::try_from(body.len()).unwrap_or(u16::MAX);
        self.out.extend_from_slice(&GS_2D);
        self.out.extend_from_slice(&len.to_le_bytes());
        self.out.extend_from_slice(body);
    }

    /// Selects Chinese mode for a line with any non-ASCII character and
    /// code-page mode for a pure ASCII line, sending the model's command
    /// only when the mode changes.
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
            TextMode::Chinese => &self.model.chinese_on,
            TextMode::CodePage => &self.model.chinese_off,
        };
        self.out.extend_from_slice(command);
        self.mode = Some(wanted);
    }

    /// Appends text as GB18030 bytes (ASCII stays single-byte, so this is
    /// also right for code-page lines). GB18030 covers every Unicode
    /// scalar value, so nothing is ever unmappable.
    fn encode_text(&mut self, text: &str) {
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        self.out.extend_from_slice(&bytes);
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
