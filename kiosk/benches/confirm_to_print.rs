//! Tap 确认取号 → the last byte of the ticket at the printer, with the
//! server on loopback (DESIGN.md's target: under 150 ms).
//!
//! Everything on the path is the real thing: an in-process `banli-server`
//! on the demo hall (SQLite, fsync per commit) on a loopback port; the
//! kiosk's [`KioskState`] driven as `KioskApp` drives it, its effects run
//! by the app's own [`Workers`] (the HTTP client's worker thread, the
//! print worker thread); the printer is the fake ESC/POS printer on a
//! pseudo-terminal (the serial transport, with its `DLE EOT` status reads
//! before each ticket) and then on TCP (port-9100 style). The clock
//! starts just before `confirm` (the tap) and stops when the fake printer
//! has received the ticket's last byte.
//!
//! Not included: the UI frame between the server's answer and the print
//! job (the app drains the answer in its next frame, at most one vsync
//! after the wake), and the physical link's speed (a pty and loopback TCP
//! have none; see BENCHMARKS.md for a 9600-baud serial line).
//!
//! `cargo bench -p banli-kiosk --bench confirm_to_print` (200 tickets per
//! link after 10 unmeasured; `BANLI_BENCH_TICKETS=n` to change).

#![allow(clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use banli_core::ids::ServiceId;
use banli_kiosk::app::{Effects as _, Workers};
use banli_kiosk::config::KioskConfig;
use banli_kiosk::printer::TransportConfig;
use banli_kiosk::printer::fake::FakePrinter;
use banli_kiosk::state::{Effect, KioskState, PrintState, Screen};
use banli_kiosk::ticket_layout::{PaperWidth, PrinterModel};

const WARM_UP: usize = 10;
/// Longest wait for any one step; a healthy run never gets near it.
const PATIENCE: Duration = Duration::from_secs(10);

/// The kiosk as `KioskApp` runs it, minus the window: the state, the
/// app's workers, and the wake-ups they send instead of repaints.
struct Kiosk {
    state: KioskState,
    workers: Workers,
    woken: Receiver<()>,
}

impl Kiosk {
    fn start(url: &str, token: &str, transport: TransportConfig, name: &str) -> Self {
        let config = KioskConfig {
            server_url: url.to_owned(),
            device_token: token.to_owned(),
            hall_name: "滨江区政务服务中心".into(),
            english: true,
            idle_timeout: Duration::from_secs(60),
            admin_pin: "246810".into(),
            progress_url: format!("{url}/t/{{id}}?code={{code}}"),
            font_path: None,
            notice: "请留意叫号，过号需重新排队。".into(),
            transport,
            model: PrinterModel::default(),
            paper: PaperWidth::Mm80,
        };
        let (wake, woken) = channel();
        let wake = std::sync::Mutex::new(wake);
        let mut workers = Workers::start(
            &config,
            Arc::new(move || {
                let _ = wake.lock().map(|w| w.send(()));
            }),
        )
        .expect("workers start");
        let now = Instant::now();
        let mut state = KioskState::new(
            config.settings(),
            // Distinct per kiosk: the same keys would replay tickets.
            format!("bench-{name}-{}", std::process::id()),
            now,
        );
        for e in state.start(now) {
            workers.run(e);
        }
        let mut kiosk = Kiosk {
            state,
            workers,
            woken,
        };
        kiosk.run_until(|k| k.is_issuing() && k.printer.is_some());
        kiosk
    }

    /// What the app's `logic` does on each wake-up: drain the workers into
    /// the state and run the effects. Returns the bytes of any print job.
    fn logic(&mut self) -> Option<usize> {
        let now = Instant::now();
        let mut fx = self.workers.drain(&mut self.state, now);
        fx.extend(self.state.tick(now));
        let mut printing = None;
        for e in fx {
            if let Effect::Print(job) = &e {
                printing = Some(job.bytes.len());
            }
            self.workers.run(e);
        }
        printing
    }

    fn run_until(&mut self, done: impl Fn(&KioskState) -> bool) -> Option<usize> {
        let started = Instant::now();
        let mut printing = None;
        while !done(&self.state) {
            assert!(
                started.elapsed() < PATIENCE,
                "stuck at {:?}",
                self.state.screen
            );
            let _ = self.woken.recv_timeout(Duration::from_millis(100));
            printing = self.logic().or(printing);
        }
        printing
    }

    /// One ticket: tap the service, tap confirm, wait for the last byte at
    /// `printer`; returns (tap → answer on screen, tap → last byte).
    fn take_ticket(
        &mut self,
        service: &ServiceId,
        printer: &FakePrinter,
        printed_so_far: &mut usize,
    ) -> (Duration, Duration) {
        let now = Instant::now();
        self.state.tap_home(now);
        self.state.tap_service(now, service);
        assert!(matches!(self.state.screen, Screen::Confirm { .. }));
        let tapped = Instant::now();
        for e in self.state.confirm(tapped) {
            self.workers.run(e);
        }
        let len = self
            .run_until(|k| matches!(k.screen, Screen::Ticket { .. }))
            .expect("a print job");
        let answered = tapped.elapsed();
        *printed_so_far += len;
        let got = printer.wait_for_printed(*printed_so_far, PATIENCE).len();
        let printed = tapped.elapsed();
        assert_eq!(got, *printed_so_far, "the whole ticket arrived");
        // Let the print worker's answer reach the state, as the app would.
        self.run_until(
            |k| matches!(&k.screen, Screen::Ticket { print, .. } if *print != PrintState::Printing),
        );
        (answered, printed)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(what: &str, mut v: Vec<Duration>) {
    v.sort();
    println!(
        "  {what:<24} p50 {:6.2} ms  p90 {:6.2} ms  p99 {:6.2} ms  max {:6.2} ms  (n={})",
        ms(percentile(&v, 50.0)),
        ms(percentile(&v, 90.0)),
        ms(percentile(&v, 99.0)),
        ms(percentile(&v, 100.0)),
        v.len()
    );
}

fn main() {
    let tickets: usize = std::env::var("BANLI_BENCH_TICKETS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let data = tempfile::tempdir().expect("data dir");
    let hall = banli_server::loopback::LoopbackDemo::start(data.path()).expect("demo server");
    let (url, token) = (hall.url.clone(), hall.kiosk_token.clone());
    let service = ServiceId::from("exit-entry");
    for (name, link, printer) in [
        (
            "pty",
            "pty (serial transport)",
            FakePrinter::serial().expect("a pty"),
        ),
        (
            "tcp",
            "tcp (port 9100 style)",
            FakePrinter::tcp().expect("a port"),
        ),
    ] {
        let mut kiosk = Kiosk::start(&url, &token, printer.transport(), name);
        let mut printed_so_far = 0;
        let mut answered = Vec::new();
        let mut printed = Vec::new();
        for i in 0..WARM_UP + tickets {
            let (a, p) = kiosk.take_ticket(&service, &printer, &mut printed_so_far);
            if i >= WARM_UP {
                answered.push(a);
                printed.push(p);
            }
        }
        println!(
            "== confirm → printed, {link}: {tickets} tickets ({} bytes each) ==",
            printed_so_far / (WARM_UP + tickets)
        );
        report("tap → ticket on screen", answered);
        report("tap → last byte printed", printed);
    }
}
