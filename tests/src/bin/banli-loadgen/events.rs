//! The WebSocket event stream (`GET /api/v1/events`) from a subscriber's
//! side: connect with a token, read the snapshot, then read events, each
//! stamped with the instant it came off the socket.
//!
//! The instant is taken before the JSON is parsed, so parsing cost on the
//! load generator is not billed to the server's delivery latency.

use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use banli_core::wire::{HallSnapshot, StreamMessage};
use futures_util::StreamExt as _;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::api::EVENTS;
use crate::http::Target;

/// An open event stream.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects to the event stream, sending the token in the `Authorization`
/// header or, with `token_in_query`, as `?access_token=` (the way a browser
/// has to, since it cannot set headers on a WebSocket).
///
/// # Errors
/// When the connection or the upgrade fails.
pub async fn connect(target: &Target, token: &str, token_in_query: bool) -> Result<Socket> {
    let url = if token_in_query {
        target.ws_url(&format!("{EVENTS}?access_token={}", percent_encode(token)))
    } else {
        target.ws_url(EVENTS)
    };
    let mut req = url.as_str().into_client_request()?;
    if !token_in_query {
        req.headers_mut().insert(
            "Authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
        );
    }
    // tungstenite zeroes the free part of its read buffer before every
    // read attempt; at the default 128 KiB, 30 consoles reading thousands
    // of events a second spent a core of the load generator (which shares
    // the server's two) on memset. A batch of events fits in 16 KiB; a
    // larger message still arrives whole, as the buffer grows to a frame.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(16 * 1024);
    let (ws, _resp) = tokio_tungstenite::connect_async_with_config(req, Some(config), false)
        .await
        .with_context(|| format!("cannot open the event stream at {url}"))?;
    Ok(ws)
}

/// The next stream message and the instant it arrived; `None` when the
/// server closed the stream. Pings, pongs and other frames are skipped
/// (tungstenite answers pings itself).
///
/// # Errors
/// On a broken connection or a message that is not a [`StreamMessage`].
pub async fn next_message(ws: &mut Socket) -> Result<Option<(Instant, StreamMessage)>> {
    while let Some(frame) = ws.next().await {
        let at = Instant::now();
        let text = match frame.context("event stream broke")? {
            Message::Text(text) => text,
            Message::Close(_) => return Ok(None),
            _ => continue,
        };
        let msg = serde_json::from_str(text.as_str())
            .with_context(|| format!("unexpected event stream message: {}", text.as_str()))?;
        return Ok(Some((at, msg)));
    }
    Ok(None)
}

/// Reads the snapshot every stream starts with.
///
/// # Errors
/// When the stream ends or starts with anything else.
pub async fn first_snapshot(ws: &mut Socket) -> Result<Box<HallSnapshot>> {
    match next_message(ws).await? {
        Some((_, StreamMessage::Snapshot { snapshot })) => Ok(snapshot),
        Some((_, StreamMessage::Event { seq, .. })) => {
            bail!("the event stream began with event {seq}, not a snapshot")
        }
        None => bail!("the event stream closed before its snapshot"),
    }
}

/// Connects, reads the snapshot and closes: the quickest way to learn the
/// hall's counters, which no other route in the contract lists.
///
/// # Errors
/// As [`connect`] and [`first_snapshot`].
pub async fn snapshot(target: &Target, token: &str) -> Result<Box<HallSnapshot>> {
    let mut ws = connect(target, token, false).await?;
    let snapshot = first_snapshot(&mut ws).await?;
    // The snapshot is what we came for; a failed close changes nothing.
    let _ = ws.close(None).await;
    Ok(snapshot)
}

/// Percent-encodes everything but RFC 3986 unreserved characters, for a
/// token in a query string.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_query_safe() {
        assert_eq!(percent_encode("abc-DEF_1.2~"), "abc-DEF_1.2~");
        assert_eq!(percent_encode("a+b/c="), "a%2Bb%2Fc%3D");
    }

    #[test]
    fn stream_messages_parse_with_the_core_types() -> Result<()> {
        let called = r#"{"kind":"event","seq":8,"event":{"type":"ticket_called",
            "at":"2025-03-03T01:00:00Z",
            "call":{"ticket_id":41,"number":"A001","service_id":"biz-license",
                    "counter_id":1,"counter_name_zh":"1号窗口","counter_name_en":"Counter 1",
                    "zone":"1F","called_at":"2025-03-03T01:00:00Z","recalls":0,"class":"normal"},
            "waiting":[{"service_id":"biz-license","waiting":3,"estimated_wait_minutes":12}]}}"#;
        match serde_json::from_str::<StreamMessage>(called)? {
            StreamMessage::Event {
                seq,
                event: banli_core::wire::HallEvent::TicketCalled { call, .. },
                ..
            } => {
                assert_eq!(seq, 8);
                assert_eq!(call.ticket_id.0, 41);
                assert_eq!(call.counter_id.0, 1);
            }
            other => panic!("parsed as {other:?}"),
        }
        Ok(())
    }
}
