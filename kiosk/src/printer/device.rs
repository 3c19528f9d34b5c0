//! A printer device file such as `/dev/usb/lp0` (the kernel's `usblp`
//! driver). Write-only: the kiosk cannot read status through it, so a
//! paper-out printer is only noticed by staff. Prefer serial or TCP where
//! the printer offers them.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use super::transport::Transport;

/// An open printer device.
pub struct DeviceTransport {
    /// Opened write-only; never created (a missing `/dev/usb/lp0` means
    /// the printer is unplugged, not that a file should appear there).
    device: File,
}

impl DeviceTransport {
    /// Opens `path` for writing.
    ///
    /// # Errors
    ///
    /// The device is missing (printer unplugged or off), busy, or not
    /// writable by this user (add it to the `lp` group).
    pub fn open(path: &Path) -> io::Result<Self> {
        let device = OpenOptions::new().write(true).open(path)?;
        Ok(DeviceTransport { device })
    }
}

impl io::Write for DeviceTransport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.device.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.device.flush()
    }
}

impl Transport for DeviceTransport {}
