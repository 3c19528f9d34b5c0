//! Write-only printer links that are files: a printer device file such as
//! `/dev/usb/lp0` (the kernel's `usblp` driver), or a plain file the
//! ticket bytes are appended to (tests, a kiosk without a printer,
//! archiving what was printed). Neither can be read, so no status: a
//! paper-out printer on `/dev/usb/lp0` is only noticed by staff. Prefer
//! serial or TCP where the printer offers them.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use super::transport::Transport;

/// An open device or plain file.
pub struct FileTransport {
    /// Opened write-only (a device) or for appending (a plain file).
    file: File,
}

impl FileTransport {
    /// Opens the printer device at `path` for writing. It is never
    /// created: a missing `/dev/usb/lp0` means the printer is unplugged or
    /// off, not that a file should appear there.
    ///
    /// # Errors
    ///
    /// The device is missing, busy, or not writable by this user (add it
    /// to the `lp` group).
    pub fn device(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().write(true).open(path)?;
        Ok(FileTransport { file })
    }

    /// Opens the plain file at `path` for appending, creating it if
    /// missing, so tickets accumulate and two jobs never overwrite.
    ///
    /// # Errors
    ///
    /// The file cannot be created or opened (missing directory,
    /// permissions).
    pub fn append(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().append(true).create(true).open(path)?;
        Ok(FileTransport { file })
    }
}

impl io::Write for FileTransport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    /// Hands the bytes to the operating system; archived tickets need no
    /// fsync.
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Transport for FileTransport {}
