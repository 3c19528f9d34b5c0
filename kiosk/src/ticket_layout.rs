//! The paper ticket as ESC/POS bytes: pure, no I/O. [`encode`] turns a
//! [`TicketPrint`] (what goes on paper) into the exact byte stream for a
//! printer of a given [`PrinterModel`] on a given [`PaperWidth`]; the
//! [`printer`](crate::printer) module sends it.
//!
//! # With the `escpos` crate
//!
//! The bytes are produced by the `escpos` crate's `Printer` over a driver
//! that captures them ([`escpos::Builder`]); we keep the layout (what
//! goes where), display-width-aware wrapping and centring, and the
//! Chinese-mode switching, which the crate has no notion of: the model's
//! `FS &`/`FS .` bytes go in with the crate's `custom`. The QR code is the
//! crate's `qrcode_option` with model 2 given explicitly. Three commands
//! are sent with `custom` rather than the crate's own method, each for a
//! concrete reason, so that the golden bytes did not change:
//!
//! - line ends are `LF` (`0A`): the crate's `feed`/`writeln` send `ESC d 1`
//!   instead, which also prints and feeds one line but puts three bytes
//!   after every line and turns a blank line into a command;
//! - the cut is `GS V 0` (function A): the crate's `cut` sends `GS V A 0`
//!   (function B, "feed to the cutting position, then cut"), which feeds
//!   again on top of the model's `feed_lines_before_cut` and so would make
//!   every ticket longer than the setting says;
//! - `ESC t n`: the crate's `page_code` takes its `PageCode` enum, which
//!   does not name every table number a printer model may need.
//!
//! The QR module size is capped at 15 dots, the crate's limit (Epson
//! allows 16; no ticket uses more than 8). The status replies are decoded
//! with the crate's `RealTimeStatusResponse::parse` (see
//! [`printer`](crate::printer)), but the requests and the reading stay
//! ours: see `printer/status.rs` for the crate's defects there.
//!
//! # Byte layout
//!
//! `W` is the model's font-A column count for the paper (48 on 80 mm, 32
//! on 58 mm by default). Text lines are wrapped to `W / scale` columns and
//! centred by left padding with spaces, where ASCII is one column and any
//! other character two (see [`escpos`]); every control character in the
//! input prints as a space. A line containing any non-ASCII character is
//! sent in Chinese mode (GB18030, preceded by the model's `chinese_on`,
//! default `FS &` = `1C 26`) and a pure ASCII line in code-page mode
//! (preceded by `chinese_off`, default `FS .` = `1C 2E`); the switch is
//! sent only when the mode changes, and always for the first line.
//!
//! | bytes | command | what |
//! | --- | --- | --- |
//! | `1B 40` | `ESC @` | initialise |
//! | `1B 74 n` | `ESC t n` | only if the model sets `code_page` |
//! | `1B 45 01`, lines, `1B 45 00` | `ESC E` | hall name, bold, width `W` |
//! | `1D 21 11`, lines, `1D 21 00` | `GS !` | service name (zh) at double size, width `W/2` |
//! | lines | | service name (en), normal size, if English is on |
//! | `0A` | `LF` | blank line |
//! | `1D 21 33`, line, `1D 21 00` | `GS !` | the number at quadruple size, width `W/4` |
//! | `0A` | `LF` | blank line |
//! | lines | | 「前面还有 N 人」 and 「预计等候约 M 分钟」, then the English line if on |
//! | line | | 「取号时间 」 + the issue date and time |
//! | `1B 61 01` … `1B 61 00` | `ESC a` | centre the QR code |
//! | `1D 28 6B 04 00 31 41 32 00` | `GS ( k` fn 165 | QR model 2 |
//! | `1D 28 6B 03 00 31 43 s` | fn 167 | module size `s` dots (model's `qr_module_size`) |
//! | `1D 28 6B 03 00 31 45 31` | fn 169 | error correction M |
//! | `1D 28 6B pL pH 31 50 30 url…` | fn 180 | store the URL; `pL + 256·pH = len + 3` |
//! | `1D 28 6B 03 00 31 51 30` | fn 181 | print it |
//! | lines | | 「扫码查看排队进度」 (+ English) |
//! | lines | | the notice |
//! | `1B 64 n` | `ESC d n` | feed `n` lines (model's `feed_lines_before_cut`) |
//! | `1D 56 00` | `GS V 0` | full cut |
//!
//! A line is: optional mode switch, padding spaces, text bytes, `0A`. An
//! empty field prints no line; an empty or over-long (> 2331 bytes) URL
//! prints no QR code (and no caption). The output never contains a
//! status request `DLE EOT n` (`10 04 n`, n = 1–4), so neither a printer
//! nor the fake printer can mistake ticket data for one: text bytes are
//! GB18030 without control characters (none is below `0x20`), and the
//! one place `10 04` can occur, a QR store length of 1037 + 3 bytes, is
//! followed by `31`.

pub mod escpos;
mod model;

use banli_core::wire::IssuedTicket;
use jiff::tz::TimeZone;

use escpos::Builder;
pub use escpos::EncodeError;
pub use model::{FS_CHINESE_OFF, FS_CHINESE_ON, PaperWidth, PrinterModel, UnknownPaperWidth};

/// What goes on one paper ticket, already in the words and local time the
/// citizen reads. Build it with [`TicketPrint::from_issued`] from the
/// server's answer, or fill it in directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketPrint {
    /// The hall's name, first line of the ticket.
    pub hall_name: String,
    /// Service name in Chinese, printed at double size.
    pub service_name_zh: String,
    /// Service name in English, printed under it when `english` is on.
    pub service_name_en: String,
    /// The ticket number, `A023`, printed at quadruple size.
    pub number: String,
    /// People ahead when the ticket was issued.
    pub ahead: u32,
    /// Estimated minutes until it is called.
    pub estimated_wait_minutes: u32,
    /// Issue date and time in the hall's local time, `2026-05-06 09:41`.
    pub issued_at: String,
    /// Where the citizen follows the ticket's progress; printed as a QR code.
    pub progress_url: String,
    /// A last line from the hall, 「请留意叫号，过号需重新取号」 say.
    pub notice: String,
    /// Whether to add the English lines (service name, wait, QR caption).
    pub english: bool,
}

/// Hall-side facts a [`TicketPrint`] needs beyond the server's ticket.
#[derive(Debug, Clone)]
pub struct TicketContext {
    /// The hall's name as printed.
    pub hall_name: String,
    /// Progress page URL with `{id}` and `{code}` placeholders, e.g.
    /// `https://hall.example/t/{id}?code={code}`.
    pub progress_url_template: String,
    /// The hall's time zone, for the printed issue time.
    pub time_zone: TimeZone,
    /// The notice line.
    pub notice: String,
    /// Whether tickets carry English lines.
    pub english: bool,
}

impl TicketPrint {
    /// The ticket the server issued, as printed in this hall.
    pub fn from_issued(issued: &IssuedTicket, context: &TicketContext) -> Self {
        let ticket = &issued.ticket;
        let progress_url = context
            .progress_url_template
            .replace("{id}", &ticket.id.to_string())
            .replace("{code}", &issued.query_code);
        TicketPrint {
            hall_name: context.hall_name.clone(),
            service_name_zh: ticket.service_name_zh.clone(),
            service_name_en: ticket.service_name_en.clone(),
            number: ticket.number.clone(),
            ahead: ticket.ahead,
            estimated_wait_minutes: ticket.estimated_wait_minutes,
            issued_at: ticket
                .issued_at
                .to_zoned_datetime(context.time_zone.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string(),
            progress_url,
            notice: context.notice.clone(),
            english: context.english,
        }
    }

    /// A made-up ticket for printer tests (`banli-kiosk print-test`).
    pub fn sample(issued_at: &str) -> Self {
        TicketPrint {
            hall_name: "办理市政务服务中心".to_owned(),
            service_name_zh: "不动产登记".to_owned(),
            service_name_en: "Real estate registration".to_owned(),
            number: "A023".to_owned(),
            ahead: 5,
            estimated_wait_minutes: 12,
            issued_at: issued_at.to_owned(),
            progress_url: "https://banli.example/t/1?code=123456".to_owned(),
            notice: "打印测试 / Printer test. 请留意叫号，过号需重新取号。".to_owned(),
            english: true,
        }
    }
}

/// The ESC/POS bytes of `ticket` for a `model` printer on `paper`; the
/// module doc gives the layout byte by byte.
///
/// # Errors
/// [`EncodeError`] if the `escpos` crate refused a command (unreachable by
/// construction; see its doc).
pub fn encode(
    ticket: &TicketPrint,
    paper: PaperWidth,
    model: &PrinterModel,
) -> Result<Vec<u8>, EncodeError> {
    let mut b = Builder::new(model, model.columns(paper));
    b.init();

    b.bold(true);
    b.centred(&ticket.hall_name);
    b.bold(false);

    b.size(2);
    b.centred(&ticket.service_name_zh);
    b.size(1);
    if ticket.english {
        b.centred(&ticket.service_name_en);
    }
    b.blank_line();

    b.size(4);
    b.centred(&ticket.number);
    b.size(1);
    b.blank_line();

    b.centred(&ahead_zh(ticket.ahead));
    b.centred(&wait_zh(ticket.estimated_wait_minutes));
    if ticket.english {
        let en = format!(
            "{}, {}",
            ahead_en(ticket.ahead),
            wait_en(ticket.estimated_wait_minutes)
        );
        b.centred(&en);
    }
    if !ticket.issued_at.trim().is_empty() {
        b.centred(&format!("取号时间 {}", ticket.issued_at));
    }

    let url = escpos::sanitise(&ticket.progress_url);
    if b.qr(url.trim()) {
        b.centred("扫码查看排队进度");
        if ticket.english {
            b.centred("Scan to follow your place in the queue");
        }
    }

    b.centred(&ticket.notice);
    b.feed_and_cut();
    b.finish()
}

fn ahead_zh(ahead: u32) -> String {
    match ahead {
        0 => "前面无人等候".to_owned(),
        n => format!("前面还有 {n} 人"),
    }
}

fn wait_zh(minutes: u32) -> String {
    match minutes {
        0 => "即将叫号".to_owned(),
        m => format!("预计等候约 {m} 分钟"),
    }
}

fn ahead_en(ahead: u32) -> String {
    match ahead {
        0 => "No one ahead".to_owned(),
        1 => "1 person ahead".to_owned(),
        n => format!("{n} people ahead"),
    }
}

fn wait_en(minutes: u32) -> String {
    match minutes {
        0 => "called soon".to_owned(),
        m => format!("about {m} min wait"),
    }
}

#[cfg(test)]
mod tests;
