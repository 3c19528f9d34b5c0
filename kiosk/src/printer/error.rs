//! Why a ticket did not print. Each variant has a short bilingual message
//! for the kiosk screen ([`PrintError::message_zh`],
//! [`PrintError::message_en`]); `Display` adds which printer and what was
//! seen, and the operating system's error is the `source`, for logs and
//! for the report to the server.

use std::io;

/// A print job (or status check) that failed. The server has already
/// issued the ticket, so the kiosk keeps the number and its QR code on
/// screen and reports the failure.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The roll is empty (`DLE EOT 2` bit 5 or `DLE EOT 4` bits 5–6).
    #[error("打印机缺纸 / printer is out of paper")]
    PaperOut,
    /// The cover is open (`DLE EOT 2` bit 2).
    #[error("打印机盖未关好 / printer cover is open")]
    CoverOpen,
    /// The printer reports an error: autocutter jam, head overheating,
    /// or an unrecoverable fault (`DLE EOT 2` bit 6, `DLE EOT 3`).
    #[error("打印机故障 / printer reports an error (cutter or mechanism)")]
    Fault,
    /// The printer does not answer its status request in time, or
    /// reports itself offline for no reason it names.
    #[error("打印机无响应 / printer {target} is offline: {reason}")]
    Offline {
        /// Which printer (`serial /dev/ttyUSB0`).
        target: String,
        /// What was seen, for the log.
        reason: String,
    },
    /// The printer's port, address or device cannot be opened.
    #[error("打印机未连接 / cannot open printer {target}")]
    Connect {
        /// Which printer.
        target: String,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// Sending the ticket failed part-way or entirely.
    #[error("打印失败 / writing to printer {target} failed")]
    Write {
        /// Which printer.
        target: String,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// The printer stopped accepting data (flow control held, buffer full)
    /// for longer than the write timeout.
    #[error("打印超时 / printer {target} stopped accepting data (timed out)")]
    Timeout {
        /// Which printer.
        target: String,
    },
}

impl PrintError {
    /// The message for the kiosk screen, in Chinese.
    pub fn message_zh(&self) -> &'static str {
        match self {
            PrintError::PaperOut => "打印机缺纸，请告知工作人员。",
            PrintError::CoverOpen => "打印机盖未关好，请告知工作人员。",
            PrintError::Fault => "打印机故障，请告知工作人员。",
            PrintError::Offline { .. } => "打印机无响应，请告知工作人员。",
            PrintError::Connect { .. } => "打印机未连接，请告知工作人员。",
            PrintError::Write { .. } => "打印失败，请告知工作人员。",
            PrintError::Timeout { .. } => "打印超时，请告知工作人员。",
        }
    }

    /// The message for the kiosk screen, in English.
    pub fn message_en(&self) -> &'static str {
        match self {
            PrintError::PaperOut => "The printer is out of paper. Please tell a member of staff.",
            PrintError::CoverOpen => "The printer cover is open. Please tell a member of staff.",
            PrintError::Fault => "The printer has a fault. Please tell a member of staff.",
            PrintError::Offline { .. } => {
                "The printer is not responding. Please tell a member of staff."
            }
            PrintError::Connect { .. } => {
                "The printer is not connected. Please tell a member of staff."
            }
            PrintError::Write { .. } => "Printing failed. Please tell a member of staff.",
            PrintError::Timeout { .. } => "The printer timed out. Please tell a member of staff.",
        }
    }

    /// An error from writing to the printer: a timeout becomes
    /// [`PrintError::Timeout`], anything else [`PrintError::Write`].
    pub(crate) fn from_write(target: &str, source: io::Error) -> Self {
        match source.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => PrintError::Timeout {
                target: target.to_owned(),
            },
            _ => PrintError::Write {
                target: target.to_owned(),
                source,
            },
        }
    }

    /// Whether the link itself may be broken, so the next job should
    /// reopen it. A printer that answered (paper out, cover open, fault)
    /// keeps its link.
    pub(crate) fn breaks_link(&self) -> bool {
        !matches!(
            self,
            PrintError::PaperOut | PrintError::CoverOpen | PrintError::Fault
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_bilingual_with_detail() {
        let e = PrintError::Offline {
            target: "serial /dev/ttyUSB0".to_owned(),
            reason: "no answer to DLE EOT 1 within 500 ms".to_owned(),
        };
        assert_eq!(
            e.to_string(),
            "打印机无响应 / printer serial /dev/ttyUSB0 is offline: \
             no answer to DLE EOT 1 within 500 ms"
        );
        assert_eq!(e.message_zh(), "打印机无响应，请告知工作人员。");
        assert!(e.message_en().starts_with("The printer is not responding"));
    }

    #[test]
    fn write_timeouts_are_timeouts() {
        let e = PrintError::from_write("p", io::ErrorKind::TimedOut.into());
        assert!(matches!(e, PrintError::Timeout { .. }));
        let e = PrintError::from_write("p", io::ErrorKind::BrokenPipe.into());
        assert!(matches!(e, PrintError::Write { .. }));
    }
}
