//! Test harness: a real server (real SQLite file in a temporary directory,
//! real engine task) on the demo hall, with an injected clock, driven
//! through the same router `main` serves.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use banli_core::jiff::Timestamp;
use banli_server::clock::ManualClock;
use banli_server::{AppState, HallSource, Server, Settings, app};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt as _;

pub const ADMIN_PASSWORD: &str = "admin-secret-1";

/// Tuesday 2026-11-24 10:00 in Shanghai.
pub fn tuesday_10am() -> Timestamp {
    "2026-11-24T10:00:00+08:00".parse().expect("timestamp")
}

pub struct Hall {
    pub server: Option<Server>,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub dir: Arc<TempDir>,
    pub admin: String,
    pub kiosk: String,
    pub board: String,
}

impl Hall {
    /// The demo hall on a fresh database, at Tuesday 10:00.
    pub async fn demo() -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        let clock = Arc::new(ManualClock::new(tuesday_10am()));
        Self::open(dir, clock).await
    }

    /// The demo hall on a fresh database behind the reverse proxies
    /// `trusted_proxies`, at Tuesday 10:00.
    pub async fn demo_behind(trusted_proxies: Vec<std::net::IpAddr>) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        let clock = Arc::new(ManualClock::new(tuesday_10am()));
        Self::open_with(dir, clock, trusted_proxies).await
    }

    /// The demo hall on the database in `dir` (fresh or not).
    pub async fn open(dir: Arc<TempDir>, clock: Arc<ManualClock>) -> Self {
        Self::open_with(dir, clock, Vec::new()).await
    }

    /// The demo hall on the database in `dir`, behind `trusted_proxies`.
    pub async fn open_with(
        dir: Arc<TempDir>,
        clock: Arc<ManualClock>,
        trusted_proxies: Vec<std::net::IpAddr>,
    ) -> Self {
        let settings = Settings {
            data_dir: dir.path().to_owned(),
            hall: HallSource::Demo,
            admin_password: Some(ADMIN_PASSWORD.into()),
            trusted_proxies,
            tls: None,
        };
        let server = Server::open(
            settings,
            Arc::clone(&clock) as Arc<dyn banli_server::clock::Clock>,
        )
        .await
        .expect("server opens");
        let saved =
            std::fs::read_to_string(dir.path().join("demo-devices.toml")).unwrap_or_default();
        let token = |key: &str| {
            saved
                .lines()
                .find_map(|l| {
                    l.strip_prefix(&format!("{key}_token = \""))
                        .map(|r| r.trim_end_matches('"').to_owned())
                })
                .unwrap_or_default()
        };
        let (kiosk, board) = (token("kiosk"), token("board"));
        let state = server.state.clone();
        let mut hall = Self {
            server: Some(server),
            state,
            clock,
            dir,
            admin: String::new(),
            kiosk,
            board,
        };
        hall.admin = hall.login("admin", ADMIN_PASSWORD).await;
        hall
    }

    /// Stops the server (journal flushed) and opens a new one on the same
    /// database, as a restart does.
    pub async fn restart(mut self) -> Self {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
        Self::open(Arc::clone(&self.dir), Arc::clone(&self.clock)).await
    }

    /// The administrator signs in again (after idling longer than the
    /// hall's idle expiry).
    pub async fn admin_again(&mut self) {
        self.admin = self.login("admin", ADMIN_PASSWORD).await;
    }

    pub async fn login(&self, user: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": user, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {user}: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Sends a request as if it came over TCP from `peer`.
    pub async fn send_from(
        &self,
        mut req: Request<Body>,
        peer: std::net::SocketAddr,
    ) -> (StatusCode, Value) {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        self.send(req).await
    }

    /// The value of a counter or gauge on `/metrics` (summed over labels).
    pub async fn metric(&self, name: &str) -> f64 {
        let req = Request::get("/metrics")
            .header("authorization", format!("Bearer {}", self.admin))
            .body(Body::empty())
            .expect("request");
        let (status, body) = self.send(req).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let text = body.as_str().expect("metrics text").to_owned();
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| {
                l.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with([' ', '{']))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// Serves the hall on a loopback port (the server moves into the
    /// task); send on the returned sender to stop it.
    pub async fn serve(
        &mut self,
    ) -> (
        std::net::SocketAddr,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    ) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = self.server.take().expect("server");
        let join = tokio::spawn(async move {
            server
                .serve(listener, async move {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
        });
        (addr, stop, join)
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let resp = app(self.state.clone())
            .oneshot(req)
            .await
            .expect("infallible");
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, value)
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.expect("request")).await
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call("GET", uri, token, None).await
    }

    pub async fn post(&self, uri: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call("POST", uri, token, Some(body)).await
    }

    pub async fn put(&self, uri: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call("PUT", uri, token, Some(body)).await
    }

    /// Takes a ticket at the demo kiosk.
    pub async fn issue(&self, service: &str) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/tickets",
                Some(&self.kiosk),
                json!({"service_id": service}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }
}
