//! Byte-exact tests of the ticket layout.

use banli_core::engine::{TicketClass, TicketStatus};
use banli_core::ids::{ServiceId, TicketId};
use banli_core::wire::{IssuedTicket, TicketView};
use proptest::prelude::*;

use super::*;

const URL: &str = "https://b.example/t/7?code=123456";

fn ticket() -> TicketPrint {
    TicketPrint {
        hall_name: "政务中心".to_owned(),
        service_name_zh: "社保".to_owned(),
        service_name_en: "Social insurance".to_owned(),
        number: "A023".to_owned(),
        ahead: 5,
        estimated_wait_minutes: 12,
        issued_at: "2026-05-06 09:41".to_owned(),
        progress_url: URL.to_owned(),
        notice: "请留意叫号".to_owned(),
        english: true,
    }
}

fn encode_80(t: &TicketPrint) -> Vec<u8> {
    encode(t, PaperWidth::Mm80, &PrinterModel::default()).expect("encodes")
}

/// The bytes of a `.hex` golden file: hex pairs, `#` to end of line is a
/// comment.
fn golden(text: &str) -> Vec<u8> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
        .map(|pair| u8::from_str_radix(pair, 16).expect("golden files hold hex pairs"))
        .collect()
}

/// Index of the first occurrence of `needle`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

fn spaces(n: usize) -> Vec<u8> {
    vec![b' '; n]
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn the_80mm_ticket_matches_the_golden_bytes() {
    let expected = golden(include_str!("golden_80mm.hex"));
    let actual = encode_80(&ticket());
    assert_eq!(
        actual, expected,
        "\nactual:   {actual:02X?}\nexpected: {expected:02X?}"
    );
}

#[test]
fn starts_with_init_then_chinese_mode_for_the_hall_name() {
    let bytes = encode_80(&ticket());
    // ESC @, ESC E 1, FS &, 20 spaces, 政务中心 in GB18030, LF.
    let hall = [0xD5, 0xFE, 0xCE, 0xF1, 0xD6, 0xD0, 0xD0, 0xC4];
    let head = cat(&[
        &[0x1B, 0x40],
        &[0x1B, 0x45, 0x01],
        &[0x1C, 0x26],
        &spaces(20),
        &hall,
        &[0x0A],
    ]);
    assert!(bytes.starts_with(&head), "{bytes:02X?}");
}

#[test]
fn chinese_text_is_gb18030_in_chinese_mode() {
    let bytes = encode_80(&ticket());
    // 「请留意叫号」: 请 = C7 EB, 号 = BA C5; FS & comes first because the
    // line before (the English QR caption) left Chinese mode.
    let notice = cat(&[
        &[0x1C, 0x26],
        &spaces(19),
        &[
            0xC7, 0xEB, 0xC1, 0xF4, 0xD2, 0xE2, 0xBD, 0xD0, 0xBA, 0xC5, 0x0A,
        ],
    ]);
    assert!(contains(&bytes, &notice), "{bytes:02X?}");
    // 「前面还有 5 人」 (13 columns) centred in 48.
    let ahead = cat(&[
        &[0x1C, 0x26],
        &spaces(17),
        &[0xC7, 0xB0, 0xC3, 0xE6, 0xBB, 0xB9, 0xD3, 0xD0],
        b" 5 ",
        &[0xC8, 0xCB, 0x0A],
    ]);
    assert!(contains(&bytes, &ahead), "{bytes:02X?}");
}

#[test]
fn code_page_text_follows_fs_dot() {
    let bytes = encode_80(&ticket());
    let english = cat(&[&[0x1C, 0x2E], &spaces(16), b"Social insurance\n"]);
    assert!(contains(&bytes, &english));
}

#[test]
fn the_number_is_quadruple_size_and_centred() {
    let bytes = encode_80(&ticket());
    // GS ! 0x33; at 4x a line holds 48 / 4 = 12 characters, so "A023" gets
    // (12 - 4) / 2 = 4 padding spaces (each 4 columns wide); then back to
    // GS ! 0x00.
    let number = cat(&[
        &[0x1D, 0x21, 0x33],
        &spaces(4),
        b"A023\n",
        &[0x1D, 0x21, 0x00],
    ]);
    assert!(contains(&bytes, &number), "{bytes:02X?}");
}

#[test]
fn qr_code_uses_gs_paren_k_with_exact_lengths() {
    let bytes = encode_80(&ticket());
    let store_len = URL.len() + 3;
    assert_eq!(store_len, 36);
    let qr = cat(&[
        &[0x1B, 0x61, 0x01],
        // Model 2.
        &[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00],
        // Module size 6.
        &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06],
        // Error correction M.
        &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31],
        // Store: pL = 36, pH = 0, then cn fn m and the URL.
        &[0x1D, 0x28, 0x6B, 36, 0, 0x31, 0x50, 0x30],
        URL.as_bytes(),
        // Print.
        &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30],
        &[0x1B, 0x61, 0x00],
    ]);
    assert!(contains(&bytes, &qr), "{bytes:02X?}");
}

#[test]
fn a_long_url_sets_ph() {
    let mut t = ticket();
    t.progress_url = format!("https://b.example/{}", "x".repeat(300));
    let bytes = encode_80(&t);
    let n = t.progress_url.len() + 3;
    let store = cat(&[
        &[0x1D, 0x28, 0x6B],
        &[(n % 256) as u8, (n / 256) as u8],
        &[0x31, 0x50, 0x30],
        t.progress_url.as_bytes(),
    ]);
    assert_eq!(n / 256, 1);
    assert!(contains(&bytes, &store));
}

/// Whether `bytes` hold `DLE EOT n` with n = 1–4.
fn has_status_request(bytes: &[u8]) -> bool {
    bytes
        .windows(3)
        .any(|w| w[0] == 0x10 && w[1] == 0x04 && (1..=4).contains(&w[2]))
}

#[test]
fn a_1037_byte_url_puts_10_04_in_the_length_but_no_status_request() {
    let mut t = ticket();
    t.progress_url = "x".repeat(1037);
    let bytes = encode_80(&t);
    assert!(contains(
        &bytes,
        &[0x1D, 0x28, 0x6B, 0x10, 0x04, 0x31, 0x50]
    ));
    assert!(!has_status_request(&bytes));
}

#[test]
fn ends_with_feed_and_full_cut() {
    let bytes = encode_80(&ticket());
    assert!(bytes.ends_with(&[0x1B, 0x64, 0x04, 0x1D, 0x56, 0x00]));
}

#[test]
fn the_58mm_ticket_centres_in_32_columns() {
    let t = ticket();
    let narrow = encode(&t, PaperWidth::Mm58, &PrinterModel::default()).expect("encodes");
    let wide = encode_80(&t);
    let hall = [0xD5, 0xFE, 0xCE, 0xF1, 0xD6, 0xD0, 0xD0, 0xC4, 0x0A];
    // 政务中心 is 8 columns: (32 - 8) / 2 = 12 spaces, (48 - 8) / 2 = 20.
    assert!(contains(
        &narrow,
        &cat(&[&[0x1C, 0x26], &spaces(12), &hall])
    ));
    assert!(contains(&wide, &cat(&[&[0x1C, 0x26], &spaces(20), &hall])));
    // The number: 32 / 4 = 8 per line, (8 - 4) / 2 = 2 spaces; 80 mm: 4.
    assert!(contains(
        &narrow,
        &cat(&[&[0x1D, 0x21, 0x33], &spaces(2), b"A023\n"])
    ));
    assert!(contains(
        &wide,
        &cat(&[&[0x1D, 0x21, 0x33], &spaces(4), b"A023\n"])
    ));
    // 社保 at double size: 16 per line, (16 - 4) / 2 = 6; 80 mm: 10.
    let shebao = [0xC9, 0xE7, 0xB1, 0xA3, 0x0A];
    assert!(contains(
        &narrow,
        &cat(&[&[0x1D, 0x21, 0x11], &spaces(6), &shebao])
    ));
    assert!(contains(
        &wide,
        &cat(&[&[0x1D, 0x21, 0x11], &spaces(10), &shebao])
    ));
    // The 33-character English wait line does not fit 32 columns: it
    // wraps at a space into two centred lines.
    assert!(contains(
        &narrow,
        &cat(&[&[0x1C, 0x2E], &spaces(2), b"5 people ahead, about 12 min\n"])
    ));
    assert!(contains(&narrow, &cat(&[&spaces(14), b"wait\n"])));
}

#[test]
fn long_chinese_names_wrap_with_wide_characters_as_two_columns() {
    let mut t = ticket();
    // 20 characters, 40 columns: one line on 80 mm, two on 58 mm (16 + 4).
    t.hall_name = "一二三四五六七八九十一二三四五六七八九十".to_owned();
    let narrow = encode(&t, PaperWidth::Mm58, &PrinterModel::default()).expect("encodes");
    let gb = |s: &str| encoding_rs::GB18030.encode(s).0.into_owned();
    let first = cat(&[
        &[0x1C, 0x26],
        &gb("一二三四五六七八九十一二三四五六"),
        b"\n",
    ]);
    let second = cat(&[&spaces(12), &gb("七八九十"), b"\n"]);
    assert!(contains(&narrow, &cat(&[&first, &second])), "{narrow:02X?}");
}

#[test]
fn english_off_leaves_out_the_english_lines() {
    let mut t = ticket();
    t.english = false;
    let bytes = encode_80(&t);
    assert!(!contains(&bytes, b"Social insurance"));
    assert!(!contains(&bytes, b"people ahead"));
    assert!(!contains(&bytes, b"Scan to"));
    // The number is still code-page text: FS . comes right before it.
    assert!(contains(
        &bytes,
        &cat(&[&[0x1D, 0x21, 0x33, 0x1C, 0x2E], &spaces(4), b"A023\n"])
    ));
}

#[test]
fn a_chinese_by_default_model_gets_no_mode_commands() {
    let bytes = encode(
        &ticket(),
        PaperWidth::Mm80,
        &PrinterModel::chinese_by_default(),
    )
    .expect("encodes");
    assert!(!contains(&bytes, &FS_CHINESE_ON));
    assert!(!contains(&bytes, &FS_CHINESE_OFF));
    assert!(contains(&bytes, &[0xC7, 0xEB]));
}

#[test]
fn a_model_code_page_is_selected_after_init() {
    let model = PrinterModel {
        code_page: Some(0),
        ..PrinterModel::default()
    };
    let bytes = encode(&ticket(), PaperWidth::Mm80, &model).expect("encodes");
    assert!(bytes.starts_with(&[0x1B, 0x40, 0x1B, 0x74, 0x00, 0x1B, 0x45, 0x01]));
}

#[test]
fn no_qr_code_for_an_empty_or_oversized_url() {
    for url in [String::new(), "x".repeat(escpos::QR_MAX_BYTES_LEVEL_M + 1)] {
        let mut t = ticket();
        t.progress_url = url;
        let bytes = encode_80(&t);
        assert!(!contains(&bytes, &escpos::GS_2D));
        assert!(!contains(&bytes, b"Scan to"));
    }
}

#[test]
fn zero_ahead_and_zero_wait_read_naturally() {
    let mut t = ticket();
    t.ahead = 0;
    t.estimated_wait_minutes = 0;
    let bytes = encode_80(&t);
    let gb = |s: &str| encoding_rs::GB18030.encode(s).0.into_owned();
    assert!(contains(&bytes, &gb("前面无人等候")));
    assert!(contains(&bytes, &gb("即将叫号")));
    assert!(contains(&bytes, b"No one ahead, called soon"));
}

#[test]
fn from_issued_formats_local_time_and_the_progress_url() {
    let issued = IssuedTicket {
        ticket: TicketView {
            id: TicketId(7),
            number: "A023".to_owned(),
            service_id: ServiceId("social".into()),
            service_name_zh: "社保".to_owned(),
            service_name_en: "Social insurance".to_owned(),
            class: TicketClass::Normal,
            status: TicketStatus::Waiting,
            business_day: jiff::civil::date(2026, 5, 6),
            issued_at: "2026-05-06T01:41:30Z"
                .parse()
                .expect("a valid RFC 3339 literal"),
            ahead: 5,
            estimated_wait_minutes: 12,
            counter_id: None,
            counter_name_zh: None,
            called_at: None,
            can_requeue: false,
        },
        query_code: "123456".to_owned(),
        replayed: false,
        appointment_outside_window: false,
    };
    let context = TicketContext {
        hall_name: "政务中心".to_owned(),
        progress_url_template: "https://b.example/t/{id}?code={code}".to_owned(),
        time_zone: TimeZone::get("Asia/Shanghai").expect("bundled tzdb has Shanghai"),
        notice: "请留意叫号".to_owned(),
        english: true,
    };
    assert_eq!(TicketPrint::from_issued(&issued, &context), ticket());
}

proptest! {
    /// Whatever the hall, service or notice text says, the output holds no
    /// status request and no `ESC` beyond the layout's own six: text can
    /// never become a command.
    #[test]
    fn text_never_turns_into_commands(
        hall in any::<String>(),
        service in any::<String>(),
        en in any::<String>(),
        number in any::<String>(),
        notice in any::<String>(),
        wide in any::<bool>(),
    ) {
        let t = TicketPrint {
            hall_name: hall,
            service_name_zh: service,
            service_name_en: en,
            number,
            notice,
            ..ticket()
        };
        let paper = if wide { PaperWidth::Mm80 } else { PaperWidth::Mm58 };
        let bytes = encode(&t, paper, &PrinterModel::default()).expect("encodes");
        prop_assert!(!has_status_request(&bytes));
        prop_assert_eq!(bytes.iter().filter(|&&b| b == 0x1B).count(), 6);
        prop_assert!(bytes.ends_with(&[0x1D, 0x56, 0x00]));
    }

    /// Nor does any URL, whatever its length (so whatever `pL pH`).
    #[test]
    fn no_url_turns_into_a_status_request(
        url in "[ -~]{0,2400}",
        padding in 0usize..1100,
    ) {
        let t = TicketPrint {
            progress_url: format!("{}{url}", "x".repeat(padding)),
            ..ticket()
        };
        prop_assert!(!has_status_request(&encode_80(&t)));
    }

    /// Every wrapped line fits its width, and wrapping loses no
    /// non-space character.
    #[test]
    fn wrapped_lines_fit(text in "[a-z 一-龥]{0,80}", width in 2usize..50) {
        let lines = escpos::wrap(&text, width);
        for line in &lines {
            prop_assert!(escpos::text_width(line) <= width);
        }
        let kept: String = lines.concat().chars().filter(|c| *c != ' ').collect();
        let given: String = text.chars().filter(|c| *c != ' ').collect();
        prop_assert_eq!(kept, given);
    }
}
