//! Kiosk integration tests: the screens driven by label and rendered to
//! image snapshots, tickets printed through the real transports into a
//! fake printer on a pseudo-terminal or a TCP port, the real server end to
//! end, and the `banli-kiosk` binary's maintenance commands.

mod cases;
mod cli;
mod client;
mod feedback;
mod harness;
mod live;
mod printing;
mod repaint;
mod screens;
mod snapshots;

use std::time::Duration;

use banli_kiosk::ticket_layout::{PaperWidth, PrinterModel, TicketPrint, encode};

/// Long enough for a loaded CI machine; a passing test never waits it out.
pub const WAIT: Duration = Duration::from_secs(10);

/// The sample ticket's bytes, as the kiosk would send them.
pub fn sample_bytes(paper: PaperWidth) -> Vec<u8> {
    encode(
        &TicketPrint::sample("2026-05-06 09:41"),
        paper,
        &PrinterModel::default(),
    )
    .expect("encodes")
}
