//! The server link: the WebSocket event stream and status reports, on a
//! background tokio runtime so the UI thread never waits on the network.
//!
//! [`spawn`] starts a thread with a single-threaded runtime that connects to
//! `GET /api/v1/events` with the board's device token as a bearer header,
//! and delivers every [`StreamMessage`] as a [`ClientEvent`] over a std
//! channel, calling `repaint` after each so egui wakes up. When the stream
//! fails or closes it says [`ClientEvent::Disconnected`] and reconnects with
//! backoff (0.5 s doubling to 10 s); the server starts every connection with
//! a snapshot, so the board resyncs by itself. [`ClientHandle::resync`] asks
//! for a snapshot on the open stream (after a gap), and
//! [`ClientHandle::report_status`] posts a [`DeviceStatusReport`], retrying
//! until the server takes it; only the latest report is kept.
//!
//! Plain `ws://` and `http://` only: no TLS crate is built in, as halls run
//! the server on their own LAN.

use std::io;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use banli_core::wire::{DeviceStatusReport, StreamMessage};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::{mpsc as tmpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// First wait before reconnecting; doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(500);
/// Longest wait between reconnects: a hall notices a board that is gone
/// longer than this, so there is no point waiting more.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// The server pings every 20 s; a stream silent for this long is dead
/// (a pulled cable does not close a TCP connection).
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the board's server is.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `http://host:port`.
    pub server: String,
    /// Device token.
    pub token: String,
}

impl ClientConfig {
    fn authority(&self) -> &str {
        self.server
            .trim_start_matches("http://")
            .trim_end_matches('/')
    }

    fn events_url(&self) -> String {
        format!("ws://{}/api/v1/events", self.authority())
    }
}

/// What the client tells the board.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // One per event, at human pace; boxing buys nothing.
pub enum ClientEvent {
    /// The stream is open; its snapshot follows.
    Connected,
    /// A message from the stream.
    Message(StreamMessage),
    /// The stream failed or closed, and why; the client is reconnecting.
    Disconnected(String),
}

/// A running client. Dropping it closes the stream and joins the thread.
pub struct ClientHandle {
    /// Requests to the stream task. Unbounded: only resyncs go here, at
    /// most one per gap.
    commands: tmpsc::UnboundedSender<Command>,
    /// The latest status report, posted by its own task.
    report: watch::Sender<Option<DeviceStatusReport>>,
    /// Joined on drop.
    thread: Option<JoinHandle<()>>,
}

enum Command {
    Resync,
    Shutdown,
}

impl ClientHandle {
    /// Asks the server for a fresh snapshot on the open stream; without
    /// one, the next connection starts with a snapshot anyway.
    pub fn resync(&self) {
        let _ = self.commands.send(Command::Resync);
    }

    /// Posts `report` to `/api/v1/devices/status`, replacing one not yet
    /// delivered.
    pub fn report_status(&self, report: DeviceStatusReport) {
        self.report.send_replace(Some(report));
    }
}

impl Drop for ClientHandle {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the client: connects to `config.server`, sends what it hears to
/// `events`, and calls `repaint` after each event.
///
/// # Errors
/// When the thread or its runtime cannot be started.
pub fn spawn(
    config: ClientConfig,
    events: mpsc::Sender<ClientEvent>,
    repaint: impl Fn() + Send + Sync + 'static,
) -> io::Result<ClientHandle> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (commands, inbox) = tmpsc::unbounded_channel();
    let (report, reports) = watch::channel(None);
    let thread = std::thread::Builder::new()
        .name("banli-board-client".into())
        .spawn(move || {
            runtime.block_on(async move {
                let reporter = tokio::spawn(report_loop(config.clone(), reports));
                stream_loop(config, events, inbox, repaint).await;
                reporter.abort();
            });
        })?;
    Ok(ClientHandle {
        commands,
        report,
        thread: Some(thread),
    })
}

async fn stream_loop(
    config: ClientConfig,
    events: mpsc::Sender<ClientEvent>,
    mut inbox: tmpsc::UnboundedReceiver<Command>,
    repaint: impl Fn(),
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        let why = match connect_and_read(&config, &events, &mut inbox, &repaint, &mut backoff).await
        {
            Ok(()) => return,
            Err(why) => why,
        };
        if events.send(ClientEvent::Disconnected(why)).is_err() {
            return;
        }
        repaint();
        let sleep = tokio::time::sleep(backoff);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                cmd = inbox.recv() => match cmd {
                    // A resync is moot: the next connection starts with a snapshot.
                    Some(Command::Resync) => {}
                    Some(Command::Shutdown) | None => return,
                },
            }
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection. `Ok` means shut down; `Err` says why the stream ended.
async fn connect_and_read(
    config: &ClientConfig,
    events: &mpsc::Sender<ClientEvent>,
    inbox: &mut tmpsc::UnboundedReceiver<Command>,
    repaint: &impl Fn(),
    backoff: &mut Duration,
) -> Result<(), String> {
    let mut request = config
        .events_url()
        .into_client_request()
        .map_err(|e| format!("bad server URL: {e}"))?;
    let bearer = HeaderValue::from_str(&format!("Bearer {}", config.token))
        .map_err(|_| "the token has characters a header cannot carry".to_owned())?;
    request.headers_mut().insert("authorization", bearer);
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", config.events_url()))?;
    if events.send(ClientEvent::Connected).is_err() {
        return Ok(());
    }
    loop {
        tokio::select! {
            incoming = tokio::time::timeout(READ_TIMEOUT, ws.next()) => {
                let message = match incoming {
                    Err(_) => return Err(format!("nothing from the server for {READ_TIMEOUT:?}")),
                    Ok(None) => return Err("the server closed the stream".into()),
                    Ok(Some(Err(e))) => return Err(format!("stream error: {e}")),
                    Ok(Some(Ok(m))) => m,
                };
                match message {
                    Message::Text(text) => match serde_json::from_str::<StreamMessage>(&text) {
                        Ok(m) => {
                            *backoff = MIN_BACKOFF;
                            if events.send(ClientEvent::Message(m)).is_err() {
                                return Ok(());
                            }
                            repaint();
                        }
                        // A newer server may send kinds this board does not know;
                        // resync rather than guess.
                        Err(e) => {
                            tracing::warn!("unreadable stream message ({e}); asking for a snapshot");
                            ws.send(Message::text(r#"{"type":"resync"}"#))
                                .await
                                .map_err(|e| format!("stream error: {e}"))?;
                        }
                    },
                    Message::Close(_) => return Err("the server closed the stream".into()),
                    _ => {}
                }
            }
            cmd = inbox.recv() => match cmd {
                Some(Command::Resync) => {
                    ws.send(Message::text(r#"{"type":"resync"}"#))
                        .await
                        .map_err(|e| format!("stream error: {e}"))?;
                }
                Some(Command::Shutdown) | None => {
                    let _ = ws.close(None).await;
                    return Ok(());
                }
            },
        }
    }
}

/// Posts the latest status report until the server accepts it.
async fn report_loop(
    config: ClientConfig,
    mut reports: watch::Receiver<Option<DeviceStatusReport>>,
) {
    while reports.changed().await.is_ok() {
        let mut backoff = MIN_BACKOFF;
        loop {
            let Some(report) = reports.borrow_and_update().clone() else {
                break;
            };
            match post_status(&config, &report).await {
                Ok(()) => break,
                Err(why) => {
                    tracing::debug!("status report not delivered yet: {why}");
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        changed = reports.changed() => if changed.is_err() { return },
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}

/// `POST /api/v1/devices/status` over HTTP/1.1.
async fn post_status(config: &ClientConfig, report: &DeviceStatusReport) -> Result<(), String> {
    use http_body_util::Full;
    use hyper::body::Bytes;

    let authority = config.authority();
    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let body = serde_json::to_vec(report).map_err(|e| e.to_string())?;
    let request = hyper::Request::post("/api/v1/devices/status")
        .header("host", authority)
        .header("authorization", format!("Bearer {}", config.token))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the server answered {}", response.status()))
    }
}
