//! A bare HTTP/1.1 keep-alive client: one [`Conn`] is one TCP connection,
//! owned by one load worker, with requests sent one after another.
//!
//! hyper's low-level `client::conn::http1` is used rather than a pooled
//! client so that "64 clients" means exactly 64 connections, each reused
//! for every request (the way a kiosk talks to the server), and so that the
//! time measured is one request on a warm connection, with no pool
//! checkout in it. A connection the server closed is reopened before the
//! next request and counted in [`Conn::reconnects`].

use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use banli_core::wire::ApiError;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;

/// How long one request may take before the connection is given up. Long
/// enough never to cut a slow-but-working server short in a benchmark,
/// short enough that a hung one ends the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the server is: parsed once from `--url`.
#[derive(Debug, Clone)]
pub struct Target {
    /// Host name or address to connect to.
    host: String,
    /// TCP port.
    port: u16,
    /// `host:port`, for the `Host` header and WebSocket URLs.
    authority: String,
}

impl Target {
    /// Parses `http://host[:port][/]`. Only plain HTTP: the load generator
    /// talks to a server on the same machine or LAN.
    ///
    /// # Errors
    /// When the URL is not `http://` or has a path.
    pub fn parse(url: &str) -> Result<Self> {
        let uri: Uri = url.parse().with_context(|| format!("bad --url {url:?}"))?;
        if uri.scheme_str() != Some("http") {
            bail!("--url must start with http:// (got {url:?}); TLS is not supported");
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            bail!("--url must be the server root, like http://127.0.0.1:8080 (got {url:?})");
        }
        let host = uri
            .host()
            .with_context(|| format!("--url {url:?} has no host"))?
            .to_owned();
        let port = uri.port_u16().unwrap_or(80);
        // Keep IPv6 brackets in the authority, drop them for connecting.
        let connect_host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        Ok(Self {
            authority: format!("{host}:{port}"),
            host: connect_host,
            port,
        })
    }

    /// The WebSocket URL of `path` (which starts with `/`).
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.authority)
    }
}

/// One request, built up with the methods below.
#[derive(Debug)]
pub struct Call<'a> {
    /// HTTP method.
    method: Method,
    /// Path and query, starting with `/`.
    path: &'a str,
    /// Bearer token, if any.
    token: Option<&'a str>,
    /// `Idempotency-Key` header, if any.
    idempotency_key: Option<&'a str>,
    /// JSON body, if any.
    body: Option<Bytes>,
}

impl<'a> Call<'a> {
    /// A `GET`.
    pub fn get(path: &'a str) -> Self {
        Self::new(Method::GET, path, None)
    }

    /// A `POST` with a JSON body.
    pub fn post(path: &'a str, json: Bytes) -> Self {
        Self::new(Method::POST, path, Some(json))
    }

    /// A `PUT` with a JSON body.
    pub fn put(path: &'a str, json: Bytes) -> Self {
        Self::new(Method::PUT, path, Some(json))
    }

    fn new(method: Method, path: &'a str, body: Option<Bytes>) -> Self {
        Self {
            method,
            path,
            token: None,
            idempotency_key: None,
            body,
        }
    }

    /// Sends `Authorization: Bearer <token>`.
    pub fn bearer(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }

    /// Sends `Idempotency-Key: <key>`.
    pub fn idempotency_key(mut self, key: &'a str) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

/// A whole response: status and body.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: StatusCode,
    /// Body, read to the end.
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON.
    ///
    /// # Errors
    /// When it does not parse as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "unexpected {} body: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The server's error code (`quota_reached`…), if the body is an
    /// [`ApiError`].
    pub fn error_code(&self) -> Option<String> {
        serde_json::from_slice::<ApiError>(&self.body)
            .ok()
            .map(|e| e.code)
    }

    /// `status code: message` for error reports.
    pub fn describe(&self) -> String {
        match serde_json::from_slice::<ApiError>(&self.body) {
            Ok(e) => format!(
                "{} {}: {} ({})",
                self.status, e.code, e.message, e.message_zh
            ),
            Err(_) => format!("{} {}", self.status, String::from_utf8_lossy(&self.body)),
        }
    }
}

/// One keep-alive HTTP/1.1 connection to the server.
pub struct Conn {
    /// Where to reconnect to.
    target: Target,
    /// The open connection's request handle; `None` after a failure, so the
    /// next request reconnects.
    sender: Option<SendRequest<Full<Bytes>>>,
    /// Times the connection had to be reopened: non-zero means the server
    /// closed keep-alive connections or a request failed.
    pub reconnects: u64,
}

impl Conn {
    /// Opens a connection.
    ///
    /// # Errors
    /// When the server cannot be reached.
    pub async fn connect(target: &Target) -> Result<Self> {
        let sender = open(target).await?;
        Ok(Self {
            target: target.clone(),
            sender: Some(sender),
            reconnects: 0,
        })
    }

    /// Sends `call` and reads the whole response.
    ///
    /// # Errors
    /// Transport failures only (connect, reset, timeout); any HTTP status is
    /// an `Ok` reply. After a failure the connection is dropped and the
    /// next call opens a new one.
    pub async fn send(&mut self, call: Call<'_>) -> Result<Reply> {
        let mut req = Request::builder()
            .method(call.method)
            .uri(call.path)
            .header(HOST, self.target.authority.as_str());
        if let Some(token) = call.token {
            req = req.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(key) = call.idempotency_key {
            req = req.header("idempotency-key", key);
        }
        let body = match call.body {
            Some(json) => {
                req = req.header(CONTENT_TYPE, "application/json");
                json
            }
            None => Bytes::new(),
        };
        let req = req.body(Full::new(body)).context("building a request")?;
        let path = req.uri().clone();

        let sender = self.ready().await?;
        let exchange = async {
            let resp = sender.send_request(req).await?;
            let status = resp.status();
            let body = resp.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>(Reply { status, body })
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => {
                self.sender = None;
                Err(e).with_context(|| format!("request to {path} failed"))
            }
            Err(_) => {
                self.sender = None;
                bail!("request to {path} timed out after {REQUEST_TIMEOUT:?}")
            }
        }
    }

    /// The request handle, reconnecting first if the connection is gone.
    async fn ready(&mut self) -> Result<&mut SendRequest<Full<Bytes>>> {
        let alive = match self.sender.as_mut() {
            Some(sender) => sender.ready().await.is_ok(),
            None => false,
        };
        if !alive {
            self.sender = None;
            self.reconnects += 1;
            self.sender = Some(open(&self.target).await?);
        }
        // Written as a second step because returning the borrow from the
        // `alive` branch directly trips the borrow checker (NLL problem
        // case 3); the sender was set just above.
        self.sender.as_mut().context("no connection")
    }
}

/// Connects and hands the connection to a task that drives it; its errors
/// surface through the next `send_request`, so the task drops them.
async fn open(target: &Target) -> Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .with_context(|| format!("cannot connect to {}", target.authority))?;
    // Requests are small and latency is what is measured: no Nagle delay.
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .context("HTTP/1.1 handshake")?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_server_urls() -> Result<()> {
        let t = Target::parse("http://127.0.0.1:8080")?;
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 8080));
        assert_eq!(
            t.ws_url("/api/v1/events"),
            "ws://127.0.0.1:8080/api/v1/events"
        );
        let t = Target::parse("http://localhost/")?;
        assert_eq!((t.host.as_str(), t.port), ("localhost", 80));
        let t = Target::parse("http://[::1]:9000")?;
        assert_eq!(
            (t.host.as_str(), t.authority.as_str()),
            ("::1", "[::1]:9000")
        );
        assert!(Target::parse("https://example.org").is_err());
        assert!(Target::parse("http://127.0.0.1:8080/api").is_err());
        assert!(Target::parse("127.0.0.1:8080").is_err());
        Ok(())
    }
}
