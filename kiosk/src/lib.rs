//! Banli kiosk (取号机): the self-service machine where a citizen takes a
//! ticket, reads the guide and checks progress.
//!
//! # Layout
//!
//! - [`ticket_layout`]: pure. [`TicketPrint`](ticket_layout::TicketPrint)
//!   (what goes on the paper) → ESC/POS bytes with
//!   [`encode`](ticket_layout::encode), shaped by a
//!   [`PrinterModel`](ticket_layout::PrinterModel) and a
//!   [`PaperWidth`](ticket_layout::PaperWidth).
//! - [`printer`]: sends those bytes. A [`Printer`](printer::Printer) opens
//!   a [`Transport`](printer::Transport) (serial, TCP 9100, device file,
//!   plain file) from a [`TransportConfig`](printer::TransportConfig),
//!   reads the printer's `DLE EOT` status where the transport can, and
//!   fails with a bilingual [`PrintError`](printer::PrintError) the screen
//!   can show. [`printer::fake`] is a fake printer on a pseudo-terminal or
//!   a TCP port, for tests.
//!
//! The `banli-kiosk` binary has maintenance commands (`print-test`,
//! `status`) on top of these.
//!
//! The touch-screen app (egui) is not built yet; it will sit on top of
//! these modules.

pub mod printer;
pub mod ticket_layout;
