//! The printer's real-time status: `DLE EOT n` requests and the one-byte
//! replies, decoded as the Epson ESC/POS reference defines them.
//!
//! Every reply has the fixed bit pattern `0xx1xx10` (bits 1 and 4 set,
//! bits 0 and 7 clear); bytes that don't match (a late reply, an automatic
//! status block, an XON/XOFF) are skipped while waiting for the answer.
//!
//! | n | request | bits used |
//! | --- | --- | --- |
//! | 1 | printer | 3: offline |
//! | 2 | offline cause | 2: cover open; 5: printing stopped by paper end; 6: error |
//! | 3 | error cause | 2: recoverable; 3: autocutter; 5: unrecoverable; 6: auto-recoverable |
//! | 4 | roll paper sensor | 2–3: near end; 5–6: paper end |
//!
//! The reply bits are decoded by the `escpos` crate
//! ([`RealTimeStatusResponse::parse`], which checks the pattern too). The
//! requests and the reading stay ours, for two concrete defects of the
//! crate (0.20.1):
//! - `Printer::real_time_status` sends `DLE EOT n a` with `a = 0` for
//!   n = 1–4 (`10 04 01 00`): Epson's `DLE EOT` takes the second byte only
//!   for n = 7, 8 and 18, so every request would put a stray `00` into
//!   the printer's input;
//! - the crate has no way to read a reply within a deadline: `Printer`
//!   only writes (`send_status` flushes), and `Driver::read` has no
//!   timeout, so a printer that does not answer (unplugged, off) would
//!   block the print worker instead of being reported offline within
//!   [`Timeouts::status`](super::Timeouts).

use std::time::{Duration, Instant};

use escpos::utils::{RealTimeStatusRequest, RealTimeStatusResponse};

use super::error::PrintError;
use super::transport::Transport;

/// `DLE EOT`: transmit real-time status (followed by `n`).
pub const DLE_EOT: [u8; 2] = [0x10, 0x04];

/// The four status requests a print job asks, in order.
pub const STATUS_REQUESTS: [u8; 4] = [1, 2, 3, 4];

/// Whether `byte` has the fixed pattern of a `DLE EOT` reply (`0xx1xx10`).
pub fn is_status_reply(byte: u8) -> bool {
    byte & 0b1001_0011 == 0b0001_0010
}

/// The raw replies to `DLE EOT 1`, `2`, `3` and `4`. The fake printer
/// answers with these, and [`PrinterStatus`] is decoded from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusBytes {
    /// Reply to `DLE EOT 1` (printer status).
    pub printer: u8,
    /// Reply to `DLE EOT 2` (offline cause).
    pub offline_cause: u8,
    /// Reply to `DLE EOT 3` (error cause).
    pub error_cause: u8,
    /// Reply to `DLE EOT 4` (roll paper sensor).
    pub roll_paper: u8,
}

impl StatusBytes {
    /// Online, cover closed, no error, paper adequate.
    pub const READY: StatusBytes = StatusBytes {
        printer: 0x12,
        offline_cause: 0x12,
        error_cause: 0x12,
        roll_paper: 0x12,
    };
    /// The roll ran out: offline, stopped by paper end, both sensors set.
    pub const PAPER_OUT: StatusBytes = StatusBytes {
        printer: 0x1A,
        offline_cause: 0x32,
        error_cause: 0x12,
        roll_paper: 0x7E,
    };
    /// Still printing, but the near-end sensor sees little paper left.
    pub const PAPER_NEAR_END: StatusBytes = StatusBytes {
        printer: 0x12,
        offline_cause: 0x12,
        error_cause: 0x12,
        roll_paper: 0x1E,
    };
    /// The cover is open, so the printer is offline.
    pub const COVER_OPEN: StatusBytes = StatusBytes {
        printer: 0x1A,
        offline_cause: 0x16,
        error_cause: 0x12,
        roll_paper: 0x12,
    };
    /// The autocutter jammed: offline with an error.
    pub const CUTTER_ERROR: StatusBytes = StatusBytes {
        printer: 0x1A,
        offline_cause: 0x52,
        error_cause: 0x1A,
        roll_paper: 0x12,
    };

    /// The reply to `DLE EOT n`, or `None` for an `n` outside 1–4.
    pub fn reply(&self, n: u8) -> Option<u8> {
        match n {
            1 => Some(self.printer),
            2 => Some(self.offline_cause),
            3 => Some(self.error_cause),
            4 => Some(self.roll_paper),
            _ => None,
        }
    }
}

/// What the printer said about itself before a print job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    /// The printer accepts and prints data (`DLE EOT 1`, bit 3 clear).
    pub online: bool,
    /// No paper: printing stopped by paper end (`DLE EOT 2`, bit 5) or the
    /// paper end sensor (`DLE EOT 4`, bits 5–6).
    pub paper_out: bool,
    /// The roll is nearly used up (`DLE EOT 4`, bits 2–3); still prints.
    pub paper_near_end: bool,
    /// The cover is open (`DLE EOT 2`, bit 2).
    pub cover_open: bool,
    /// An error: the offline-cause error bit (`DLE EOT 2`, bit 6) or any
    /// cause in `DLE EOT 3` (autocutter, unrecoverable, recoverable).
    pub error: bool,
}

impl From<StatusBytes> for PrinterStatus {
    /// Decoded with the `escpos` crate's [`RealTimeStatusResponse::parse`]:
    /// a byte without the reply pattern says nothing (and a printer byte
    /// without it counts as offline).
    fn from(b: StatusBytes) -> Self {
        use RealTimeStatusRequest as Req;
        use RealTimeStatusResponse as Res;
        let flags = |request: Req, byte: u8| {
            let parsed = RealTimeStatusResponse::parse(request, byte).unwrap_or_default();
            move |flag: Res| parsed.get(&flag).copied()
        };
        let printer = flags(Req::Printer, b.printer);
        let offline = flags(Req::OfflineCause, b.offline_cause);
        let error = flags(Req::ErrorCause, b.error_cause);
        let roll = flags(Req::RollPaperSensor, b.roll_paper);
        PrinterStatus {
            online: printer(Res::Online) == Some(true),
            paper_out: offline(Res::PrintingStopsDueToPaperEnd) == Some(true)
                || roll(Res::RollPaperEndSensorPaperPresent) == Some(false),
            paper_near_end: roll(Res::RollPaperNearEndSensorPaperAdequate) == Some(false),
            cover_open: offline(Res::CoverClosed) == Some(false),
            error: offline(Res::ErrorOccurred) == Some(true)
                || [
                    Res::RecoverableErrorOccurred,
                    Res::AutocutterErrorOccurred,
                    Res::UnrecoverableErrorOccurred,
                    Res::AutoRecoverableErrorOccurred,
                ]
                .into_iter()
                .any(|f| error(f) == Some(true)),
        }
    }
}

impl PrinterStatus {
    /// `Ok` if a ticket can be printed now, else the reason, most specific
    /// first: cover open, paper out, error, then plain offline. A nearly
    /// empty roll still prints.
    ///
    /// # Errors
    ///
    /// [`PrintError::CoverOpen`], [`PrintError::PaperOut`],
    /// [`PrintError::Fault`] or [`PrintError::Offline`]; `target` names
    /// the printer in the offline message.
    pub fn ready(&self, target: &str) -> Result<(), PrintError> {
        if self.cover_open {
            Err(PrintError::CoverOpen)
        } else if self.paper_out {
            Err(PrintError::PaperOut)
        } else if self.error {
            Err(PrintError::Fault)
        } else if !self.online {
            Err(PrintError::Offline {
                target: target.to_owned(),
                reason: "the printer reports itself offline".to_owned(),
            })
        } else {
            Ok(())
        }
    }
}

/// Asks `DLE EOT 1` to `4` over `transport`, waiting at most `timeout`
/// for each reply, and decodes the answers. Input already waiting (late
/// replies from an earlier, timed-out job) is discarded first.
///
/// # Errors
///
/// [`PrintError::Offline`] when a reply does not come in time or the
/// link cannot be read; [`PrintError::Write`] or [`PrintError::Timeout`]
/// when the request cannot be sent.
pub fn query(
    transport: &mut dyn Transport,
    timeout: Duration,
    target: &str,
) -> Result<PrinterStatus, PrintError> {
    let offline = |reason: String| PrintError::Offline {
        target: target.to_owned(),
        reason,
    };
    transport
        .discard_input()
        .map_err(|e| offline(format!("cannot read from the printer: {e}")))?;
    let mut replies = [0u8; 4];
    for (reply, n) in replies.iter_mut().zip(STATUS_REQUESTS) {
        transport
            .write_all(&[DLE_EOT[0], DLE_EOT[1], n])
            .and_then(|()| transport.flush())
            .map_err(|e| PrintError::from_write(target, e))?;
        *reply = read_reply(transport, timeout)
            .map_err(|e| offline(format!("cannot read from the printer: {e}")))?
            .ok_or_else(|| {
                offline(format!(
                    "no answer to DLE EOT {n} within {} ms",
                    timeout.as_millis()
                ))
            })?;
    }
    let [printer, offline_cause, error_cause, roll_paper] = replies;
    Ok(PrinterStatus::from(StatusBytes {
        printer,
        offline_cause,
        error_cause,
        roll_paper,
    }))
}

/// The first byte with the reply pattern that arrives before `timeout`;
/// `Ok(None)` if none does.
fn read_reply(transport: &mut dyn Transport, timeout: Duration) -> std::io::Result<Option<u8>> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        match transport.read_byte(left)? {
            Some(byte) if is_status_reply(byte) => return Ok(Some(byte)),
            Some(_) => continue,
            None => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_printer_is_online_and_fine() {
        let s = PrinterStatus::from(StatusBytes::READY);
        assert_eq!(
            s,
            PrinterStatus {
                online: true,
                ..PrinterStatus::default()
            }
        );
        assert!(s.ready("p").is_ok());
    }

    #[test]
    fn a_byte_without_the_reply_pattern_says_nothing_and_is_not_online() {
        // 0x00 is not `0xx1xx10`: the crate's parser refuses it.
        let s = PrinterStatus::from(StatusBytes {
            printer: 0x00,
            ..StatusBytes::READY
        });
        assert!(!s.online);
        assert!(matches!(s.ready("p"), Err(PrintError::Offline { .. })));
        let s = PrinterStatus::from(StatusBytes {
            roll_paper: 0xFF,
            ..StatusBytes::READY
        });
        assert!(s.online && !s.paper_out && !s.paper_near_end);
    }

    #[test]
    fn decodes_each_condition() {
        let paper_out = PrinterStatus::from(StatusBytes::PAPER_OUT);
        assert!(!paper_out.online && paper_out.paper_out && paper_out.paper_near_end);
        assert!(matches!(paper_out.ready("p"), Err(PrintError::PaperOut)));

        let near = PrinterStatus::from(StatusBytes::PAPER_NEAR_END);
        assert!(near.online && near.paper_near_end && !near.paper_out);
        assert!(near.ready("p").is_ok());

        let cover = PrinterStatus::from(StatusBytes::COVER_OPEN);
        assert!(!cover.online && cover.cover_open);
        assert!(matches!(cover.ready("p"), Err(PrintError::CoverOpen)));

        let cutter = PrinterStatus::from(StatusBytes::CUTTER_ERROR);
        assert!(cutter.error && !cutter.paper_out);
        assert!(matches!(cutter.ready("p"), Err(PrintError::Fault)));

        let offline = PrinterStatus::from(StatusBytes {
            printer: 0x1A,
            ..StatusBytes::READY
        });
        assert!(matches!(
            offline.ready("p"),
            Err(PrintError::Offline { .. })
        ));
    }

    #[test]
    fn paper_end_sensor_alone_means_paper_out() {
        // Some models report the end sensor in DLE EOT 4 before the
        // offline cause catches up.
        let s = PrinterStatus::from(StatusBytes {
            roll_paper: 0x72,
            ..StatusBytes::READY
        });
        assert!(s.paper_out);
    }

    #[test]
    fn the_reply_pattern_is_0xx1xx10() {
        for byte in [0x12, 0x16, 0x1A, 0x1E, 0x32, 0x52, 0x72, 0x7E] {
            assert!(is_status_reply(byte), "{byte:#04X}");
        }
        // XON, XOFF, an ASB header byte, zero.
        for byte in [0x11, 0x13, 0x10, 0x00, 0x92] {
            assert!(!is_status_reply(byte), "{byte:#04X}");
        }
    }
}
