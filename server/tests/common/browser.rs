//! The browser harness of the console tests (`consoles.rs`,
//! `cases_browser.rs`): Debian's Chromium, headless, over WebDriver
//! (chromedriver); with `BANLI_BROWSER=firefox`, Firefox ESR through
//! geckodriver. Included by path (`#[path = "common/browser.rs"]`) so that
//! only the browser tests compile it.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::process::{Child, Command};

use super::common::Hall;

/// How long a page may take to show what the test waits for.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct Browser {
    pub client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
    pub base: String,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Chromium by default; `BANLI_BROWSER=firefox` runs the same tests in
/// Firefox ESR through geckodriver.
pub async fn browser(addr: SocketAddr) -> Browser {
    let port = free_port();
    let firefox = std::env::var("BANLI_BROWSER").is_ok_and(|b| b == "firefox");
    let (driver, hint) = if firefox {
        (
            "geckodriver",
            "geckodriver must be installed (cargo install geckodriver) with firefox-esr",
        )
    } else {
        (
            "chromedriver",
            "chromedriver must be installed (apt-get install chromium chromium-driver; .ci/run does)",
        )
    };
    let driver = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect(hint);
    let profile = tempfile::tempdir().expect("profile dir");
    let caps = if firefox {
        json!({
            "moz:firefoxOptions": {
                "binary": "/usr/bin/firefox-esr",
                "args": ["-headless", "-width=1366", "-height=900"],
                "prefs": {
                    "network.captive-portal-service.enabled": false,
                    "browser.safebrowsing.malware.enabled": false,
                    "app.update.enabled": false,
                    "datareporting.policy.dataSubmissionEnabled": false,
                    "intl.accept_languages": "zh-CN,en"
                }
            }
        })
    } else {
        json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-quic", "--no-first-run", "--window-size=1366,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        })
    };
    let caps = caps.as_object().cloned().expect("object");
    let url = format!("http://127.0.0.1:{port}");
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let started = Instant::now();
    // chromedriver takes a moment to listen; retry the session until it does.
    let client = loop {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => break c,
            Err(e) if started.elapsed() < PATIENCE => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("cannot start the browser through its WebDriver: {e}"),
        }
    };
    Browser {
        client,
        _driver: driver,
        _profile: profile,
        base: format!("http://{addr}"),
    }
}

impl Browser {
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    pub async fn login(&self, user: &str, password: &str) {
        self.goto("/login").await;
        self.client
            .find(Locator::Id("username"))
            .await
            .expect("username")
            .send_keys(user)
            .await
            .expect("type");
        self.client
            .find(Locator::Id("password"))
            .await
            .expect("password")
            .send_keys(password)
            .await
            .expect("type");
        self.client
            .find(Locator::Id("login-submit"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("click");
        self.path_until(|p| !p.starts_with("/login")).await;
    }

    pub async fn click(&self, id: &str) {
        let started = Instant::now();
        loop {
            // Pages build their controls with script: wait for it to exist
            // and be enabled.
            if let Ok(el) = self.client.find(Locator::Id(id)).await
                && el.is_enabled().await.unwrap_or(false)
            {
                el.click().await.expect("click");
                return;
            }
            assert!(started.elapsed() < PATIENCE, "#{id} never appeared enabled");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a screenshot when `BANLI_SCREENSHOTS` names a directory
    /// (`BANLI_SCREENSHOTS=docs/screenshots cargo test --test consoles`).
    pub async fn screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("BANLI_SCREENSHOTS") {
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::create_dir_all(&dir).expect("screenshot dir");
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png)
                .expect("write screenshot");
        }
    }

    /// The element with this id, once the page's script has made it.
    pub async fn find(&self, id: &str) -> fantoccini::elements::Element {
        let started = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Id(id)).await {
                return el;
            }
            assert!(started.elapsed() < PATIENCE, "#{id} never appeared");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's path satisfies `ok`.
    pub async fn path_until(&self, ok: impl Fn(&str) -> bool) {
        let started = Instant::now();
        loop {
            let url = self.client.current_url().await.expect("url");
            if ok(url.path()) {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "stuck at {url}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the element's text satisfies `ok`, and returns it.
    pub async fn text_until(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = el.text().await
                && ok(&text)
            {
                return text;
            }
            if started.elapsed() > PATIENCE {
                let last = match self.client.find(Locator::Css(css)).await {
                    Ok(el) => el.text().await.unwrap_or_default(),
                    Err(_) => "(missing)".into(),
                };
                panic!("{css} never matched; it shows {last:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub async fn serve(hall: &mut Hall) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = hall.server.take().expect("server");
    tokio::spawn(async move { server.serve(listener, std::future::pending()).await });
    addr
}
