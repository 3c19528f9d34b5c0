//! A fake ESC/POS printer for tests, on the far end of a real link: a
//! pseudo-terminal (so the kiosk's real serial transport opens a real tty
//! by path) or a TCP port on 127.0.0.1. Like a real printer it answers
//! `DLE EOT n` (n = 1–4) at once with its status byte, wherever the
//! request appears in the stream; everything else is recorded as printed.
//! Its status is set by the test ([`FakePrinter::set_status`]), and it
//! can be struck dumb ([`FakePrinter::set_answering`]) to look dead.
//!
//! # Why `serialport::TTYPort::pair` for the pty
//!
//! `serialport` (already our serial dependency) opens a pty pair with
//! `posix_openpt`/`grantpt`/`unlockpt`/`ptsname_r` behind a safe API and
//! puts the slave in raw mode. That needs no `unsafe` (forbidden in this
//! workspace), no direct `nix` dependency (serialport already uses nix
//! 0.26 for these calls), and no `socat` process to spawn, parse and reap,
//! nor an apt package for it in CI.
//!
//! The fake keeps its own handle on the slave open all its life, so the
//! master never sees a hang-up between the kiosk's opens. One difference
//! from a real port follows: the kiosk opens the port exclusively
//! (`TIOCEXCL`), and with the fake's handle still open the flag outlives
//! the kiosk's close, so a non-root test cannot reopen the same fake's
//! port after closing it. Tests keep one [`Printer`](super::Printer) per
//! fake (the kiosk keeps its port open too).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serialport::{SerialPort as _, TTYPort};

use super::status::StatusBytes;
use super::transport::TransportConfig;

/// How often the fake's reader wakes to check whether it should stop.
const POLL: Duration = Duration::from_millis(20);

/// A fake printer serving one link on a thread of its own; stopped and
/// joined on drop.
pub struct FakePrinter {
    /// How the kiosk reaches it.
    config: TransportConfig,
    /// What it records and how it answers, shared with its thread.
    shared: Arc<Shared>,
    /// The reader thread.
    worker: Option<JoinHandle<()>>,
    /// For a pty: the fake's own handle on the slave, held so the master
    /// never reads a hang-up while the kiosk has the port closed.
    _slave: Option<TTYPort>,
    /// For TCP: where to connect to wake a blocked `accept` on drop.
    tcp_addr: Option<SocketAddr>,
}

/// State shared between the test and the fake's thread.
struct Shared {
    /// Everything recorded, behind one lock.
    state: Mutex<State>,
    /// Signalled whenever bytes arrive.
    arrived: Condvar,
    /// Set on drop to end the thread.
    stop: AtomicBool,
}

/// What the fake has seen and how it answers.
struct State {
    /// Replies to `DLE EOT 1`–`4`.
    status: StatusBytes,
    /// Whether it answers status requests at all.
    answering: bool,
    /// Every byte received that was not a status request.
    printed: Vec<u8>,
    /// The `n` of every `DLE EOT n` received, in order.
    queries: Vec<u8>,
    /// Where the parser is inside a possible `DLE EOT n`.
    parser: Parser,
    /// The error that ended the link, if any.
    error: Option<String>,
}

impl FakePrinter {
    /// A fake printer on a new pseudo-terminal; the kiosk opens the slave
    /// side by path ([`FakePrinter::transport`]).
    ///
    /// # Errors
    ///
    /// No pty can be allocated, or the thread cannot be spawned.
    pub fn serial() -> io::Result<Self> {
        let (mut master, slave) = TTYPort::pair()?;
        let path = slave
            .name()
            .map(PathBuf::from)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the pty slave has no path"))?;
        master.set_timeout(POLL)?;
        let shared = Shared::new();
        let worker = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("fake-printer-pty".to_owned())
                .spawn(move || {
                    let result = serve(&mut master, &shared);
                    shared.finish(result);
                })?
        };
        Ok(FakePrinter {
            config: TransportConfig::Serial { path, baud: 9600 },
            shared,
            worker: Some(worker),
            _slave: Some(slave),
            tcp_addr: None,
        })
    }

    /// A fake network printer listening on `127.0.0.1` at a free port. It
    /// serves one connection at a time, as printers on port 9100 do.
    ///
    /// # Errors
    ///
    /// The listener cannot be bound or the thread cannot be spawned.
    pub fn tcp() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Shared::new();
        let worker = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("fake-printer-tcp".to_owned())
                .spawn(move || {
                    let result = accept_loop(&listener, &shared);
                    shared.finish(result);
                })?
        };
        Ok(FakePrinter {
            config: TransportConfig::Tcp {
                addr: addr.to_string(),
            },
            shared,
            worker: Some(worker),
            _slave: None,
            tcp_addr: Some(addr),
        })
    }

    /// How the kiosk reaches this printer.
    pub fn transport(&self) -> TransportConfig {
        self.config.clone()
    }

    /// Sets the replies to `DLE EOT 1`–`4` (see [`StatusBytes`]' presets).
    pub fn set_status(&self, status: StatusBytes) {
        self.shared.lock().status = status;
    }

    /// Whether to answer status requests; a printer that doesn't looks
    /// dead to the kiosk.
    pub fn set_answering(&self, answering: bool) {
        self.shared.lock().answering = answering;
    }

    /// Everything received so far except status requests.
    pub fn printed(&self) -> Vec<u8> {
        self.shared.lock().printed.clone()
    }

    /// The `n` of each `DLE EOT n` received so far.
    pub fn status_queries(&self) -> Vec<u8> {
        self.shared.lock().queries.clone()
    }

    /// Waits until at least `len` printed bytes have arrived or `timeout`
    /// passes, and returns what was printed by then.
    pub fn wait_for_printed(&self, len: usize, timeout: Duration) -> Vec<u8> {
        self.shared
            .wait_until(timeout, |s| s.printed.len() >= len)
            .printed
            .clone()
    }

    /// Waits until at least `count` status requests have arrived or
    /// `timeout` passes, and returns their `n`s by then.
    pub fn wait_for_queries(&self, count: usize, timeout: Duration) -> Vec<u8> {
        self.shared
            .wait_until(timeout, |s| s.queries.len() >= count)
            .queries
            .clone()
    }

    /// The error that ended the fake's link, if one did.
    pub fn error(&self) -> Option<String> {
        self.shared.lock().error.clone()
    }
}

impl Drop for FakePrinter {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(addr) = self.tcp_addr {
            // Wake the thread if it is blocked in accept; it sees `stop`.
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Shared {
    fn new() -> Arc<Self> {
        Arc::new(Shared {
            state: Mutex::new(State {
                status: StatusBytes::READY,
                answering: true,
                printed: Vec::new(),
                queries: Vec::new(),
                parser: Parser::default(),
                error: None,
            }),
            arrived: Condvar::new(),
            stop: AtomicBool::new(false),
        })
    }

    /// The state; a panicked test thread leaves it usable.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state once `done` holds for it, the link has failed, or
    /// `timeout` has passed, whichever comes first.
    fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&State) -> bool,
    ) -> MutexGuard<'_, State> {
        let (guard, _) = self
            .arrived
            .wait_timeout_while(self.lock(), timeout, |s| !done(s) && s.error.is_none())
            .unwrap_or_else(PoisonError::into_inner);
        guard
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Records how the thread ended and wakes any waiter.
    fn finish(&self, result: io::Result<()>) {
        if let Err(e) = result {
            self.lock().error = Some(e.to_string());
        }
        self.arrived.notify_all();
    }

    /// Takes in received bytes; returns the status replies to send.
    fn receive(&self, bytes: &[u8]) -> Vec<u8> {
        let mut state = self.lock();
        let State {
            status,
            answering,
            printed,
            queries,
            parser,
            ..
        } = &mut *state;
        let mut replies = Vec::new();
        for &byte in bytes {
            if let Some(n) = parser.feed(byte, printed) {
                queries.push(n);
                if *answering {
                    replies.extend(status.reply(n));
                }
            }
        }
        drop(state);
        self.arrived.notify_all();
        replies
    }
}

/// Finds `DLE EOT n` (n = 1–4) in the byte stream, across reads.
#[derive(Debug, Default)]
struct Parser {
    /// Bytes of a request seen so far: 0, 1 (`DLE`) or 2 (`DLE EOT`).
    seen: u8,
}

impl Parser {
    /// Takes one byte: a status request's `n` when this byte completes
    /// one, else `None`, with data bytes appended to `printed`.
    fn feed(&mut self, byte: u8, printed: &mut Vec<u8>) -> Option<u8> {
        match (self.seen, byte) {
            (0, 0x10) | (1, 0x04) => {
                self.seen += 1;
                None
            }
            (2, 1..=4) => {
                self.seen = 0;
                Some(byte)
            }
            (0, _) => {
                printed.push(byte);
                None
            }
            (seen, _) => {
                // Not a request after all: what looked like its start was data.
                printed.extend_from_slice(&[0x10, 0x04][..usize::from(seen)]);
                self.seen = 0;
                self.feed(byte, printed)
            }
        }
    }
}

/// Reads from the link until it closes or the fake stops, answering status
/// requests as they come.
fn serve(link: &mut (impl Read + Write), shared: &Shared) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    while !shared.stopping() {
        match link.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                let replies = shared.receive(&buf[..n]);
                if !replies.is_empty() {
                    link.write_all(&replies)?;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Serves TCP connections one after another until the fake stops.
///
/// # Errors
///
/// `accept` fails.
fn accept_loop(listener: &TcpListener, shared: &Shared) -> io::Result<()> {
    loop {
        let (mut stream, _) = listener.accept()?;
        if shared.stopping() {
            return Ok(());
        }
        stream.set_read_timeout(Some(POLL))?;
        // A connection that breaks is the kiosk's business; note it and
        // wait for the next one, as a printer would.
        if let Err(e) = serve(&mut stream, shared) {
            shared.lock().error = Some(e.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut parser = Parser::default();
        let mut printed = Vec::new();
        let queries = bytes
            .iter()
            .filter_map(|&b| parser.feed(b, &mut printed))
            .collect();
        (printed, queries)
    }

    #[test]
    fn finds_status_requests_anywhere() {
        let (printed, queries) = parse(&[0x10, 0x04, 0x01, b'A', 0x10, 0x04, 0x04, b'B']);
        assert_eq!(printed, b"AB");
        assert_eq!(queries, [1, 4]);
    }

    #[test]
    fn a_lone_dle_or_dle_eot_is_data() {
        let (printed, queries) = parse(&[0x10, b'A', 0x10, 0x04, 0x09, 0x10, 0x10, 0x04, 0x02]);
        assert_eq!(printed, [0x10, b'A', 0x10, 0x04, 0x09, 0x10]);
        assert_eq!(queries, [2]);
    }
}
