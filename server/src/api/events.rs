//! `GET /events`: the live event stream (WebSocket).
//!
//! A subscriber first gets a snapshot of the hall with the sequence number
//! of its last event, then every later event with its sequence number, in
//! order. The subscription to the broadcast is taken *before* the snapshot
//! is requested, and events the snapshot already includes are skipped, so
//! nothing falls between the two. A subscriber too slow to keep up (its
//! buffer overflows) is sent a fresh snapshot instead of the events it
//! missed; a client that sees a gap may send `{"type":"resync"}` to get one.
//!
//! Kiosks and boards get every message without staff names (least data:
//! see [`banli_core::wire::HallSnapshot::without_staff`]); staff consoles
//! get them whole.
//!
//! A stream lasts as long as the token it was opened with: revoking the
//! device, logging out, or a password reset or disabled account closes it
//! at once (the token's cancellation in [`crate::auth::Auth`]), and an
//! expired or idle session is noticed at the next ping.
//!
//! Events that are already waiting when a subscriber wakes are written
//! together and flushed once (at most `MAX_WRITE_BATCH`), not one write
//! each: while kiosks issue at full rate every console and board gets
//! thousands of events a second, and a system call per event per
//! subscriber took the cores issuing needed (BENCHMARKS.md, "Issuing under
//! extra load").

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use banli_core::wire::StreamMessage;
use futures_util::SinkExt as _;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::error::AppError;
use super::extract::StreamCaller;
use crate::AppState;
use crate::auth::Principal;

/// How often an idle connection is pinged, so dead peers are noticed.
const PING_EVERY: Duration = Duration::from_secs(20);
/// Most events written before one flush: enough to make a burst one system
/// call, few enough that the first of them is not held back long.
const MAX_WRITE_BATCH: usize = 64;

/// The read buffer of a stream's socket. tungstenite zeroes the whole
/// free part of it before every read attempt, and the stream's loop polls
/// the socket each time events wake it: with the default 128 KiB that was
/// a 128 KiB memset per wake-up per subscriber, 4 % of the server's
/// processor with 30 consoles beside full-rate issuing (BENCHMARKS.md,
/// "Issuing under extra load"). Subscribers send only small messages
/// (`resync`, pongs); a larger one (up to the 16 KiB limit) still fits, as
/// the buffer grows to a frame's length.
const READ_BUFFER: usize = 4 * 1024;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(events_subscribe))
}

/// Subscribe to the hall's events (WebSocket). Authenticate with a bearer
/// header, the console's session cookie, or `?access_token=` (this
/// handshake only: browsers cannot set headers on a WebSocket).
#[utoipa::path(get, path = "/api/v1/events", tag = "hall",
    params(("access_token" = Option<String>, Query, description = "The token, when the client cannot send an Authorization header (browsers); accepted on this handshake only")),
    responses((status = 101, description = "WebSocket of StreamMessage: a snapshot, then events", body = StreamMessage),
        (status = 400, description = "Not a WebSocket handshake (`not_websocket`): connect with a WebSocket client", body = banli_core::wire::ApiError),
        (status = 401, description = "No valid token", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn events_subscribe(
    State(state): State<AppState>,
    caller: StreamCaller,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    // axum answers a plain GET in text; every answer of the API is JSON.
    let ws = ws.map_err(|r| {
        AppError::new(
            r.status(),
            "not_websocket",
            format!("{}: connect with a WebSocket client", r.body_text()),
            "此接口须以 WebSocket 连接",
        )
    })?;
    let device = match &caller.principal {
        Principal::Device(d) => Some(d.id),
        Principal::Staff(_) => None,
    };
    let closed = state
        .auth
        .closed_signal(&caller.token_hash)
        .ok_or_else(AppError::unauthorized)?;
    let subscriber = Subscriber {
        staff: caller.principal.is_staff(),
        closed,
        token_hash: caller.token_hash,
    };
    Ok(ws
        .max_message_size(16 * 1024)
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| async move {
            set_online(&state, device, 1);
            stream(socket, state.clone(), subscriber).await;
            set_online(&state, device, -1);
        }))
}

/// What a subscriber may send on the stream, as JSON: `{"type":"resync"}`.
#[derive(Debug, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    /// Send a fresh snapshot (the client saw a gap in sequence numbers).
    Resync,
}

/// Counts a device's open streams (a board with one is online).
fn set_online(state: &AppState, device: Option<i64>, delta: isize) {
    let Some(id) = device else { return };
    let mut online = state
        .online
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let n = online.entry(id).or_default();
    *n = n.saturating_add_signed(delta);
    if *n == 0 {
        online.remove(&id);
    }
}

/// Who a stream serves.
struct Subscriber {
    /// Staff get staff names; devices do not.
    staff: bool,
    /// Cancelled when the token the stream was opened with ends.
    closed: tokio_util::sync::CancellationToken,
    /// That token's hash, to notice an expired or idle session.
    token_hash: String,
}

async fn snapshot_message(state: &AppState, staff: bool) -> Option<(u64, Utf8Bytes)> {
    // Subscribers subscribe to the broadcast before they take the
    // snapshot: an event committed meanwhile is then both in the view and
    // on the channel, and its sequence number tells the stream to skip it.
    let mut snapshot = state.engine.view().snapshot(state.clock.now());
    if !staff {
        snapshot = snapshot.without_staff();
    }
    let seq = snapshot.seq;
    let text = serde_json::to_string(&StreamMessage::Snapshot {
        snapshot: Box::new(snapshot),
    })
    .ok()?;
    Some((seq, text.into()))
}

async fn stream(mut socket: WebSocket, state: AppState, subscriber: Subscriber) {
    let Subscriber {
        staff,
        closed,
        token_hash,
    } = subscriber;
    let mut rx = state.events.subscribe();
    state.metrics.subscribers.inc();
    let Some((mut last, snap)) = snapshot_message(&state, staff).await else {
        state.metrics.subscribers.dec();
        return;
    };
    let mut ok = socket.send(Message::Text(snap)).await.is_ok();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    while ok {
        tokio::select! {
            () = state.shutdown.cancelled() => {
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
            () = closed.cancelled() => {
                // The token ended: revoked, logged out, account changed.
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
            msg = rx.recv() => match msg {
                Ok((seq, text)) => {
                    let mut batch = Vec::new();
                    if seq > last {
                        last = seq;
                        batch.push(text.for_staff(staff).clone());
                    }
                    let mut lagged = false;
                    while batch.len() < MAX_WRITE_BATCH {
                        match rx.try_recv() {
                            Ok((seq, text)) => {
                                if seq > last {
                                    last = seq;
                                    batch.push(text.for_staff(staff).clone());
                                }
                            }
                            Err(TryRecvError::Lagged(_)) => {
                                lagged = true;
                                break;
                            }
                            Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                        }
                    }
                    ok = write_all(&mut socket, batch).await;
                    if ok && lagged {
                        // As for a lag seen by `recv` below.
                        rx = rx.resubscribe();
                        match snapshot_message(&state, staff).await {
                            Some((seq, snap)) => {
                                last = seq;
                                ok = socket.send(Message::Text(snap)).await.is_ok();
                            }
                            None => break,
                        }
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    rx = rx.resubscribe();
                    match snapshot_message(&state, staff).await {
                        Some((seq, snap)) => {
                            last = seq;
                            ok = socket.send(Message::Text(snap)).await.is_ok();
                        }
                        None => break,
                    }
                }
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(t))) => match serde_json::from_str::<ClientMessage>(t.as_str()) {
                    Ok(ClientMessage::Resync) => match snapshot_message(&state, staff).await {
                        Some((seq, snap)) => {
                            last = seq;
                            ok = socket.send(Message::Text(snap)).await.is_ok();
                        }
                        None => break,
                    },
                    // Not ours to answer: an unknown or malformed message
                    // changes nothing (a newer client may send more).
                    Err(e) => tracing::debug!(error = %e, "ignored a message on the event stream"),
                },
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if !state.auth.is_live(&token_hash, state.clock.now(), state.session_policy()) {
                    // The session expired or went idle.
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
                ok = socket.send(Message::Ping(Default::default())).await.is_ok();
            }
        }
    }
    state.metrics.subscribers.dec();
}

/// Writes the messages and flushes once. Returns whether the socket took
/// them.
async fn write_all(socket: &mut WebSocket, batch: Vec<Utf8Bytes>) -> bool {
    if batch.is_empty() {
        return true;
    }
    for text in batch {
        if socket.feed(Message::Text(text)).await.is_err() {
            return false;
        }
    }
    socket.flush().await.is_ok()
}
