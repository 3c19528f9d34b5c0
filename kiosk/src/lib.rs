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
//!
//! The touch-screen app (egui) is not built yet; it will sit on top of
//! these modules.

pub mod ticket_layout;
