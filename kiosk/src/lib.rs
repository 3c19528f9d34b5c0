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
//! - [`state`]: pure. [`KioskState`](state::KioskState) is the whole
//!   kiosk's behaviour: taps and server/printer answers go in with `now`,
//!   [`Effect`](state::Effect)s come out. No egui, no I/O.
//! - [`client`]: the HTTP client (ureq on worker threads), answers on a
//!   channel; [`print_worker`]: the [`Printer`](printer::Printer) on its
//!   own thread.
//! - [`app`]: the eframe [`KioskApp`](app::KioskApp): `logic` drains the
//!   workers into the state, `ui` draws through [`ui`] (one file per
//!   screen). Words come from [`text`], colours, sizes and fonts from
//!   [`theme`].
//! - 「评价 / 投诉」 (好差评): its state in `state/feedback.rs`, its screens
//!   and words in [`ui::feedback`].
//! - [`config`]: `kiosk.toml`, validated with errors that name the field.
//! - [`testing`]: fixtures (demo services and guide) for tests.
//!
//! The `banli-kiosk` binary runs the app (`--config kiosk.toml`) and has
//! maintenance commands (`print-test`, `status`).

pub mod app;
pub mod client;
pub mod config;
pub mod print_worker;
pub mod printer;
pub mod state;
pub mod testing;
pub mod text;
pub mod theme;
pub mod ticket_layout;
pub mod ui;
