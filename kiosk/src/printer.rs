//! Sending ticket bytes to the printer: transports behind one small trait,
//! the printer's status, and a print job that refuses to print into a
//! printer that says it can't.
//!
//! A [`Printer`] holds a [`TransportConfig`] and opens the link on first
//! use, keeping it open between tickets (a kiosk prints all day). A job is:
//!
//! 1. open the link if it is not open ([`PrintError::Connect`]);
//! 2. where the link can hear the printer (serial, TCP): discard stale
//!    input, ask `DLE EOT 1` to `4`, each within [`Timeouts::status`]
//!    ([`PrintError::Offline`] when a reply does not come), and refuse to
//!    print on cover open, paper out, error or offline;
//! 3. write the bytes and flush ([`PrintError::Write`],
//!    [`PrintError::Timeout`]).
//!
//! An error that may mean a broken link (offline, write, timeout) closes
//! the link, so the next job reopens it: a USB-serial adapter that was
//! unplugged and plugged back, or a network printer that restarted, comes
//! back without restarting the kiosk. Device and plain files cannot be
//! read, so a job there skips step 2 and [`PrintReport::status`] is
//! `None`.
//!
//! Everything here blocks (bounded by [`Timeouts`]); the GUI runs jobs on
//! a worker thread.

mod error;
pub mod fake;
mod file;
mod serial;
mod status;
mod tcp;
mod transport;

pub use error::PrintError;
pub use file::FileTransport;
pub use serial::SerialTransport;
pub use status::{DLE_EOT, PrinterStatus, STATUS_REQUESTS, StatusBytes, is_status_reply, query};
pub use tcp::TcpTransport;
pub use transport::{Timeouts, Transport, TransportConfig};

/// What a successful job learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintReport {
    /// The status read before printing; `None` on write-only links. The
    /// kiosk reports `paper_near_end` to the server so staff bring a roll.
    pub status: Option<PrinterStatus>,
    /// Bytes written.
    pub bytes_written: usize,
}

/// One configured printer, with its link opened on demand.
pub struct Printer {
    /// Where the printer is.
    config: TransportConfig,
    /// How long to wait for it.
    timeouts: Timeouts,
    /// The open link, or `None` before the first job and after an error
    /// that may have broken it.
    link: Option<Box<dyn Transport>>,
}

impl Printer {
    /// A printer reached through `config`, with default timeouts. Nothing
    /// is opened until the first job.
    pub fn new(config: TransportConfig) -> Self {
        Printer {
            config,
            timeouts: Timeouts::default(),
            link: None,
        }
    }

    /// The same printer with other timeouts.
    #[must_use]
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Where the printer is.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    /// Reads the printer's status without printing; `Ok(None)` on a link
    /// that cannot be read (device or plain file).
    ///
    /// # Errors
    ///
    /// [`PrintError::Connect`] when the link cannot be opened,
    /// [`PrintError::Offline`] when the printer does not answer.
    pub fn status(&mut self) -> Result<Option<PrinterStatus>, PrintError> {
        self.run(|link, timeouts, target| {
            if link.reads_status() {
                query(link, timeouts.status, target).map(Some)
            } else {
                Ok(None)
            }
        })
    }

    /// Prints `bytes` (one ticket from
    /// [`ticket_layout::encode`](crate::ticket_layout::encode)) after
    /// checking the printer's status where the link allows. Nothing is
    /// written unless the printer is ready.
    ///
    /// # Errors
    ///
    /// Every [`PrintError`]: the link cannot be opened, the printer is
    /// offline, out of paper, has its cover open or reports an error, or
    /// the write fails or times out.
    pub fn print(&mut self, bytes: &[u8]) -> Result<PrintReport, PrintError> {
        self.run(|link, timeouts, target| {
            let status = if link.reads_status() {
                let status = query(link, timeouts.status, target)?;
                status.ready(target)?;
                Some(status)
            } else {
                None
            };
            link.write_all(bytes)
                .and_then(|()| link.flush())
                .map_err(|e| PrintError::from_write(target, e))?;
            Ok(PrintReport {
                status,
                bytes_written: bytes.len(),
            })
        })
    }

    /// Runs `job` on the link, opening it first if needed and closing it
    /// after an error that may have broken it.
    fn run<T>(
        &mut self,
        job: impl FnOnce(&mut dyn Transport, &Timeouts, &str) -> Result<T, PrintError>,
    ) -> Result<T, PrintError> {
        let target = self.config.to_string();
        let link = match &mut self.link {
            Some(link) => link,
            None => self.link.insert(self.config.open(&self.timeouts)?),
        };
        let result = job(link.as_mut(), &self.timeouts, &target);
        if result.as_ref().is_err_and(PrintError::breaks_link) {
            self.link = None;
        }
        result
    }
}
