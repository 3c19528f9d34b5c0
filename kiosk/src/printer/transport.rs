//! The one small trait every printer link implements, and the config that
//! says which link to open.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::PrintError;
use super::{file, serial, tcp};

/// A byte link to a printer. Writing is `std::io::Write`; links that can
/// hear the printer (serial, TCP) also read status replies.
pub trait Transport: io::Write + Send {
    /// Whether [`read_byte`](Transport::read_byte) works on this link.
    /// Device and plain files are write-only: no status.
    fn reads_status(&self) -> bool {
        false
    }

    /// Drops bytes the printer sent that nobody read yet.
    ///
    /// # Errors
    ///
    /// The link's read error.
    fn discard_input(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// One byte from the printer, waiting at most `timeout`; `Ok(None)`
    /// when nothing came in time.
    ///
    /// # Errors
    ///
    /// The link's read error; `Unsupported` on a write-only link.
    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        let _ = timeout;
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// How long to wait for a printer before calling it dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening a TCP connection.
    pub connect: Duration,
    /// Each status reply. A live printer answers `DLE EOT` within a few
    /// milliseconds even while printing; 500 ms leaves room for a slow
    /// USB-serial adapter and still lets the screen say "offline" at once.
    pub status: Duration,
    /// Each write call, while the printer holds us off (flow control, full
    /// buffer). A ticket is about 0.5 KB: under a second at 9600 baud.
    pub write: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            status: Duration::from_millis(500),
            write: Duration::from_secs(10),
        }
    }
}

/// Which printer to talk to and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TransportConfig {
    /// A serial port (RS-232 or USB-serial): 8N1, no flow control.
    Serial {
        /// `/dev/ttyUSB0`, `/dev/ttyS0`.
        path: PathBuf,
        /// 9600, 19200, 38400 or 115200, as set on the printer.
        baud: u32,
    },
    /// A network printer's raw port, `host:9100`.
    Tcp {
        /// `192.168.1.50:9100`.
        addr: String,
    },
    /// A printer device file such as `/dev/usb/lp0`: write-only, so no
    /// status, and writes block as long as the kernel driver blocks them.
    Device {
        /// `/dev/usb/lp0`.
        path: PathBuf,
    },
    /// A plain file the bytes are appended to (tests, archiving).
    File {
        /// Created if missing.
        path: PathBuf,
    },
}

impl TransportConfig {
    /// Opens the link.
    ///
    /// # Errors
    ///
    /// [`PrintError::Connect`] when the port, address, device or file
    /// cannot be opened.
    pub fn open(&self, timeouts: &Timeouts) -> Result<Box<dyn Transport>, PrintError> {
        let opened: io::Result<Box<dyn Transport>> = match self {
            TransportConfig::Serial { path, baud } => {
                serial::SerialTransport::open(path, *baud, timeouts.write)
                    .map(|t| Box::new(t) as Box<dyn Transport>)
            }
            TransportConfig::Tcp { addr } => tcp::TcpTransport::connect(addr, timeouts)
                .map(|t| Box::new(t) as Box<dyn Transport>),
            TransportConfig::Device { path } => {
                file::FileTransport::device(path).map(|t| Box::new(t) as Box<dyn Transport>)
            }
            TransportConfig::File { path } => {
                file::FileTransport::append(path).map(|t| Box::new(t) as Box<dyn Transport>)
            }
        };
        opened.map_err(|source| PrintError::Connect {
            target: self.to_string(),
            source,
        })
    }
}

impl fmt::Display for TransportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportConfig::Serial { path, baud } => {
                write!(f, "serial {} at {baud} baud", path.display())
            }
            TransportConfig::Tcp { addr } => write!(f, "tcp {addr}"),
            TransportConfig::Device { path } => write!(f, "device {}", path.display()),
            TransportConfig::File { path } => write!(f, "file {}", path.display()),
        }
    }
}
