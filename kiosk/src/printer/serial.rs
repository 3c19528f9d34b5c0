//! A printer on a serial port, through `serialport`. It hears the printer,
//! so status is read before printing.

use std::io;
use std::path::Path;
use std::time::Duration;

use serialport::{ClearBuffer, SerialPort};

use super::transport::Transport;

/// An open serial port: 8 data bits, no parity, 1 stop bit, no flow
/// control, opened exclusively so two processes cannot interleave tickets.
pub struct SerialTransport {
    /// The port; its timeout is the write timeout except while a status
    /// byte is awaited.
    port: Box<dyn SerialPort>,
    /// Restored after each status read.
    write_timeout: Duration,
}

impl SerialTransport {
    /// Opens `path` at `baud`.
    ///
    /// # Errors
    ///
    /// The port cannot be opened (missing, busy, no permission) or
    /// configured.
    pub fn open(path: &Path, baud: u32, write_timeout: Duration) -> io::Result<Self> {
        let port = serialport::new(path.to_string_lossy(), baud)
            .timeout(write_timeout)
            .open()?;
        Ok(SerialTransport {
            port,
            write_timeout,
        })
    }
}

impl io::Write for SerialTransport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.port.write(buf)
    }

    /// Waits until the bytes have left the port (`tcdrain`).
    fn flush(&mut self) -> io::Result<()> {
        self.port.flush()
    }
}

impl Transport for SerialTransport {
    fn reads_status(&self) -> bool {
        true
    }

    fn discard_input(&mut self) -> io::Result<()> {
        Ok(self.port.clear(ClearBuffer::Input)?)
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        self.port.set_timeout(timeout)?;
        let mut byte = [0u8; 1];
        let read = io::Read::read(&mut self.port, &mut byte);
        self.port.set_timeout(self.write_timeout)?;
        match read {
            Ok(1) => Ok(Some(byte[0])),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(None),
            Err(e) => Err(e),
        }
    }
}
