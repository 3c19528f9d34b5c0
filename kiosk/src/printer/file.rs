//! A plain file the ticket bytes are appended to: for tests, for a kiosk
//! without a printer, or to archive what was printed.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use super::transport::Transport;

/// An open file in append mode.
pub struct FileTransport {
    /// Append mode, so tickets accumulate and two jobs never overwrite.
    file: File,
}

impl FileTransport {
    /// Opens `path` for appending, creating it if missing.
    ///
    /// # Errors
    ///
    /// The file cannot be created or opened (missing directory,
    /// permissions).
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().append(true).create(true).open(path)?;
        Ok(FileTransport { file })
    }
}

impl io::Write for FileTransport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    /// Flushes to the operating system; archived tickets need no fsync.
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Transport for FileTransport {}
