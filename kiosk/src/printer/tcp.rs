//! A network printer's raw port (usually 9100). Epson-compatible network
//! interfaces answer `DLE EOT` on the same connection, so status is read.

use std::io::{self, Read as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::time::Duration;

use super::transport::{Timeouts, Transport};

/// An open TCP connection to the printer.
pub struct TcpTransport {
    /// The connection, with the write timeout set; the read timeout is
    /// set per status read.
    stream: TcpStream,
}

impl TcpTransport {
    /// Connects to `addr` (`host:port`), trying each address it resolves
    /// to within the connect timeout.
    ///
    /// # Errors
    ///
    /// The address does not resolve or no address accepts the connection.
    pub fn connect(addr: &str, timeouts: &Timeouts) -> io::Result<Self> {
        let mut last = io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{addr} resolves to no address"),
        );
        for sock_addr in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&sock_addr, timeouts.connect) {
                Ok(stream) => {
                    stream.set_write_timeout(Some(timeouts.write))?;
                    // A ticket goes out in a few writes; don't let Nagle
                    // hold back a status request.
                    stream.set_nodelay(true)?;
                    return Ok(TcpTransport { stream });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

impl io::Write for TcpTransport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl Transport for TcpTransport {
    fn reads_status(&self) -> bool {
        true
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.stream.set_nonblocking(true)?;
        let mut buf = [0u8; 256];
        let drained = loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    break Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the printer closed the connection",
                    ));
                }
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(e),
            }
        };
        self.stream.set_nonblocking(false)?;
        drained
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        // A zero timeout would mean "block forever" to the socket.
        self.stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Ok(1) => Ok(Some(byte[0])),
            Ok(_) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the printer closed the connection",
            )),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
