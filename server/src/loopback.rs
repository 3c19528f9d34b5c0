//! The demo hall served on a free loopback port, on a runtime of its own:
//! what the kiosk's and the board's end-to-end tests and benchmarks run
//! against (they are synchronous programs and bring no runtime).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use crate::{HallSource, Server, Settings, clock::SystemClock};

/// A running demo hall. Dropping it stops the server.
pub struct LoopbackDemo {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The `demo-kiosk` device token.
    pub kiosk_token: String,
    /// The `demo-board` device token.
    pub board_token: String,
    /// Runs the server; dropping it ends it.
    _runtime: tokio::runtime::Runtime,
}

impl LoopbackDemo {
    /// Opens the demo hall with its SQLite file in `data_dir` (a fresh
    /// folder: the device tokens are made on the first start) and serves it.
    ///
    /// # Errors
    /// When the runtime, the database or the port cannot be had.
    pub fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Runtime::new().context("a tokio runtime")?;
        let (url, kiosk_token, board_token) = runtime.block_on(async {
            let settings = Settings {
                data_dir: data_dir.to_owned(),
                hall: HallSource::Demo,
                admin_password: Some("loopback-demo-admin".into()),
                trusted_proxies: Vec::new(),
                tls: None,
            };
            let server = Server::open(settings, Arc::new(SystemClock)).await?;
            let token = |name: &str| {
                server
                    .bootstrap
                    .demo_devices
                    .iter()
                    .find(|d| d.device.name == name)
                    .map(|d| d.token.clone())
                    .with_context(|| {
                        format!("no {name} token: was {} used before?", data_dir.display())
                    })
            };
            let (kiosk, board) = (token("demo-kiosk")?, token("demo-board")?);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}", listener.local_addr()?);
            tokio::spawn(server.serve(listener, std::future::pending()));
            anyhow::Ok((url, kiosk, board))
        })?;
        Ok(Self {
            url,
            kiosk_token,
            board_token,
            _runtime: runtime,
        })
    }
}
