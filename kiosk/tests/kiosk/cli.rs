//! The `banli-kiosk` binary: `print-test` to a file and to the fake
//! printer on a pty, and the not-yet-built GUI mode.

use std::process::{Command, Output};

use banli_kiosk::printer::StatusBytes;
use banli_kiosk::printer::TransportConfig;
use banli_kiosk::printer::fake::FakePrinter;
use banli_kiosk::ticket_layout::PaperWidth;

use crate::{WAIT, sample_bytes};

fn kiosk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_banli-kiosk"))
        .args(args)
        .output()
        .expect("the banli-kiosk binary runs")
}

fn serial_path(fake: &FakePrinter) -> String {
    match fake.transport() {
        TransportConfig::Serial { path, .. } => path.to_string_lossy().into_owned(),
        other => panic!("a serial fake, not {other}"),
    }
}

#[test]
fn without_a_command_it_asks_for_a_config() {
    let out = kiosk(&[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--config"), "{stderr}");
}

#[test]
fn a_bad_config_names_the_field_and_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kiosk.toml");
    std::fs::write(&path, "server_url = \"nope\"\n").expect("write config");
    let out = kiosk(&["--config", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for field in ["server_url:", "device_token:", "admin_pin:", "printer:"] {
        assert!(stderr.contains(field), "{field} not in {stderr}");
    }
}

#[test]
fn print_test_writes_the_sample_ticket_to_a_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("out.bin");
    let out = kiosk(&[
        "print-test",
        "--file",
        path.to_str().expect("temp paths are UTF-8"),
        "--paper",
        "58",
        "--issued-at",
        "2026-05-06 09:41",
    ]);
    assert!(out.status.success(), "{out:?}");
    let written = std::fs::read(&path).expect("print-test wrote the file");
    assert_eq!(written, sample_bytes(PaperWidth::Mm58));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("status not readable"), "{stdout}");
}

#[test]
fn print_test_prints_through_a_serial_port() {
    let fake = FakePrinter::serial().expect("a pty for the fake printer");
    let path = serial_path(&fake);
    let out = kiosk(&[
        "print-test",
        "--serial",
        &path,
        "--baud",
        "19200",
        "--issued-at",
        "2026-05-06 09:41",
    ]);
    assert!(out.status.success(), "{out:?}");
    let expected = sample_bytes(PaperWidth::Mm80);
    assert_eq!(fake.wait_for_printed(expected.len(), WAIT), expected);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("status: online, paper OK"), "{stdout}");
}

#[test]
fn print_test_fails_on_paper_out_with_a_bilingual_message() {
    let fake = FakePrinter::serial().expect("a pty for the fake printer");
    fake.set_status(StatusBytes::PAPER_OUT);
    let out = kiosk(&["print-test", "--serial", &serial_path(&fake)]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("打印机缺纸 / printer is out of paper"),
        "{stderr}"
    );
    assert!(fake.printed().is_empty());
}

#[test]
fn status_reports_the_printer_state() {
    let fake = FakePrinter::serial().expect("a pty for the fake printer");
    fake.set_status(StatusBytes::PAPER_NEAR_END);
    let out = kiosk(&["status", "--serial", &serial_path(&fake)]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("online, paper near end"), "{stdout}");
}

#[test]
fn exactly_one_printer_must_be_named() {
    assert_eq!(kiosk(&["print-test"]).status.code(), Some(2));
    let two = kiosk(&["print-test", "--file", "a", "--tcp", "b:9100"]);
    assert_eq!(two.status.code(), Some(2));
}
