//! Print jobs through the real serial (pty) and TCP transports into the
//! fake printer, and through the device and plain-file transports.

use std::time::{Duration, Instant};

use banli_kiosk::printer::fake::FakePrinter;
use banli_kiosk::printer::{PrintError, Printer, StatusBytes, Timeouts, TransportConfig};
use banli_kiosk::ticket_layout::PaperWidth;

use crate::{WAIT, sample_bytes};

fn fakes() -> [(&'static str, FakePrinter); 2] {
    [
        (
            "pty",
            FakePrinter::serial().expect("a pty for the fake printer"),
        ),
        (
            "tcp",
            FakePrinter::tcp().expect("a port for the fake printer"),
        ),
    ]
}

/// Short status timeout so a silent printer fails fast.
fn quick() -> Timeouts {
    Timeouts {
        status: Duration::from_millis(300),
        ..Timeouts::default()
    }
}

#[test]
fn a_ticket_arrives_byte_for_byte_after_a_status_check() {
    for (link, fake) in fakes() {
        let bytes = sample_bytes(PaperWidth::Mm80);
        let mut printer = Printer::new(fake.transport());
        let report = printer
            .print(&bytes)
            .unwrap_or_else(|e| panic!("{link}: {e}"));
        assert_eq!(report.bytes_written, bytes.len());
        let status = report.status.expect("serial and TCP read status");
        assert!(status.online && !status.paper_near_end, "{link}");
        assert_eq!(fake.wait_for_printed(bytes.len(), WAIT), bytes, "{link}");
        assert_eq!(fake.status_queries(), [1, 2, 3, 4], "{link}");
        assert_eq!(fake.error(), None, "{link}");
    }
}

#[test]
fn consecutive_tickets_share_the_link() {
    for (link, fake) in fakes() {
        let first = sample_bytes(PaperWidth::Mm80);
        let second = sample_bytes(PaperWidth::Mm58);
        let mut printer = Printer::new(fake.transport());
        printer
            .print(&first)
            .unwrap_or_else(|e| panic!("{link}: {e}"));
        printer
            .print(&second)
            .unwrap_or_else(|e| panic!("{link}: {e}"));
        let both = [first, second].concat();
        assert_eq!(fake.wait_for_printed(both.len(), WAIT), both, "{link}");
        assert_eq!(fake.status_queries(), [1, 2, 3, 4, 1, 2, 3, 4], "{link}");
    }
}

#[test]
fn paper_out_fails_and_sends_no_ticket_bytes() {
    for (link, fake) in fakes() {
        fake.set_status(StatusBytes::PAPER_OUT);
        let mut printer = Printer::new(fake.transport());
        let err = printer
            .print(&sample_bytes(PaperWidth::Mm80))
            .expect_err("no paper, no print");
        assert!(matches!(err, PrintError::PaperOut), "{link}: {err}");
        assert_eq!(err.message_zh(), "打印机缺纸，请告知工作人员。");
        assert_eq!(fake.status_queries(), [1, 2, 3, 4], "{link}");
        assert!(fake.printed().is_empty(), "{link}");

        // A new roll goes in; the same printer prints on the same link.
        fake.set_status(StatusBytes::READY);
        let bytes = sample_bytes(PaperWidth::Mm80);
        printer
            .print(&bytes)
            .unwrap_or_else(|e| panic!("{link}: {e}"));
        assert_eq!(fake.wait_for_printed(bytes.len(), WAIT), bytes, "{link}");
    }
}

#[test]
fn cover_open_and_cutter_error_fail_without_printing() {
    for (link, fake) in fakes() {
        let mut printer = Printer::new(fake.transport());
        fake.set_status(StatusBytes::COVER_OPEN);
        let err = printer.print(b"ticket").expect_err("cover open");
        assert!(matches!(err, PrintError::CoverOpen), "{link}: {err}");
        fake.set_status(StatusBytes::CUTTER_ERROR);
        let err = printer.print(b"ticket").expect_err("cutter jammed");
        assert!(matches!(err, PrintError::Fault), "{link}: {err}");
        assert!(fake.printed().is_empty(), "{link}");
    }
}

#[test]
fn paper_near_end_still_prints_and_says_so() {
    for (link, fake) in fakes() {
        fake.set_status(StatusBytes::PAPER_NEAR_END);
        let mut printer = Printer::new(fake.transport());
        let report = printer
            .print(b"ticket")
            .unwrap_or_else(|e| panic!("{link}: {e}"));
        let status = report.status.expect("status was read");
        assert!(status.paper_near_end && !status.paper_out, "{link}");
        assert_eq!(fake.wait_for_printed(6, WAIT), b"ticket", "{link}");
    }
}

#[test]
fn a_silent_printer_is_offline_within_the_timeout() {
    for (link, fake) in fakes() {
        fake.set_answering(false);
        let mut printer = Printer::new(fake.transport()).with_timeouts(quick());
        let started = Instant::now();
        let err = printer
            .print(&sample_bytes(PaperWidth::Mm80))
            .expect_err("nobody answers");
        let took = started.elapsed();
        assert!(matches!(err, PrintError::Offline { .. }), "{link}: {err}");
        assert!(
            err.to_string()
                .contains("no answer to DLE EOT 1 within 300 ms"),
            "{link}: {err}"
        );
        assert!(took >= Duration::from_millis(300), "{link}: {took:?}");
        assert!(took < Duration::from_secs(3), "{link}: {took:?}");
        // It asked once, heard nothing, and sent no ticket.
        assert_eq!(fake.wait_for_queries(1, WAIT), [1], "{link}");
        assert!(fake.printed().is_empty(), "{link}");
    }
}

#[test]
fn a_network_printer_that_comes_back_is_reconnected() {
    let fake = FakePrinter::tcp().expect("a port for the fake printer");
    let mut printer = Printer::new(fake.transport()).with_timeouts(quick());
    fake.set_answering(false);
    let err = printer.print(b"lost").expect_err("silent");
    assert!(matches!(err, PrintError::Offline { .. }), "{err}");
    // Offline dropped the connection; the next job opens a new one.
    fake.set_answering(true);
    printer.print(b"ticket").expect("the printer is back");
    assert_eq!(fake.wait_for_printed(6, WAIT), b"ticket");
    assert_eq!(fake.status_queries(), [1, 1, 2, 3, 4]);
}

#[test]
fn status_reads_without_printing() {
    let fake = FakePrinter::serial().expect("a pty for the fake printer");
    fake.set_status(StatusBytes::COVER_OPEN);
    let mut printer = Printer::new(fake.transport());
    let status = printer
        .status()
        .expect("the printer answers")
        .expect("serial reads status");
    assert!(status.cover_open && !status.online);
    assert!(fake.printed().is_empty());
}

#[test]
fn a_missing_serial_port_is_a_connect_error() {
    let mut printer = Printer::new(TransportConfig::Serial {
        path: "/dev/banli-no-such-tty".into(),
        baud: 9600,
    });
    let err = printer.print(b"ticket").expect_err("no port");
    assert!(matches!(err, PrintError::Connect { .. }), "{err}");
    assert_eq!(err.message_zh(), "打印机未连接，请告知工作人员。");
}

#[test]
fn a_refused_tcp_connection_is_a_connect_error() {
    // Bind a port, then free it: nothing listens there.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let mut printer = Printer::new(TransportConfig::Tcp {
        addr: addr.to_string(),
    });
    let err = printer.print(b"ticket").expect_err("nothing listens");
    assert!(matches!(err, PrintError::Connect { .. }), "{err}");
}

#[test]
fn a_plain_file_collects_tickets() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("tickets.bin");
    let mut printer = Printer::new(TransportConfig::File { path: path.clone() });
    let first = printer.print(b"one").expect("file opens");
    assert_eq!(first.status, None);
    printer.print(b"two").expect("file still open");
    // A second printer on the same file appends too.
    Printer::new(TransportConfig::File { path: path.clone() })
        .print(b"three")
        .expect("file opens again");
    assert_eq!(std::fs::read(&path).expect("file exists"), b"onetwothree");
}

#[test]
fn a_device_file_is_written_but_never_created() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let missing = dir.path().join("lp0");
    let err = Printer::new(TransportConfig::Device {
        path: missing.clone(),
    })
    .print(b"ticket")
    .expect_err("unplugged");
    assert!(matches!(err, PrintError::Connect { .. }), "{err}");
    assert!(!missing.exists(), "a missing device must not become a file");

    // A stand-in device node (a plain file) that exists is written to.
    std::fs::write(&missing, b"").expect("stand-in device");
    let report = Printer::new(TransportConfig::Device {
        path: missing.clone(),
    })
    .print(b"ticket")
    .expect("device opens");
    assert_eq!(report.status, None);
    assert_eq!(std::fs::read(&missing).expect("written"), b"ticket");
}
