//! 好差评 in a real browser. The rating pad (`/pad`) (headless Chromium over
//! WebDriver, as `consoles.rs`; `BANLI_BROWSER=firefox` for Firefox ESR)
//! against a real server on loopback, at the size of the 1280×800 tablet:
//! the clerk calls and finishes, the pad asks, 非常不满意 without a reason
//! is refused and then given with one, the follow-up opens and the report
//! counts it; with no answer the pad goes back and records nothing; a pad
//! that loses the server says so, keeps the rating, and records it once
//! when the server is back.
//!
//! The phone's progress page rates a finished ticket; the director sees
//! the follow-up on the dashboard, works it through on the follow-up
//! pages, and reads the ratings report.
//!
//! `BANLI_SCREENSHOTS=docs/screenshots` saves the screenshots.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Hall;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

const PATIENCE: Duration = Duration::from_secs(20);

struct Browser {
    client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn browser(addr: SocketAddr, width: u32, height: u32) -> Browser {
    let port = free_port();
    let firefox = std::env::var("BANLI_BROWSER").is_ok_and(|b| b == "firefox");
    let driver = if firefox {
        "geckodriver"
    } else {
        "chromedriver"
    };
    let driver = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver (or geckodriver) must be installed; .ci/run installs them");
    let profile = tempfile::tempdir().expect("profile dir");
    let caps = if firefox {
        json!({"moz:firefoxOptions": {
            "binary": "/usr/bin/firefox-esr",
            "args": ["-headless", format!("-width={width}"), format!("-height={height}")],
            "prefs": {"intl.accept_languages": "zh-CN,en"}
        }})
    } else {
        json!({"goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }})
    };
    let caps = caps.as_object().cloned().expect("object");
    let url = format!("http://127.0.0.1:{port}");
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let started = Instant::now();
    let client = loop {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => break c,
            Err(_) if started.elapsed() < PATIENCE => {
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
    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    async fn click(&self, id: &str) {
        let started = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Id(id)).await
                && el.is_displayed().await.unwrap_or(false)
                && el.is_enabled().await.unwrap_or(false)
            {
                el.click().await.expect("click");
                return;
            }
            assert!(started.elapsed() < PATIENCE, "#{id} never appeared");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("BANLI_SCREENSHOTS") {
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::create_dir_all(&dir).expect("screenshot dir");
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png)
                .expect("write screenshot");
        }
    }

    /// Waits until the visible element's text satisfies `ok`.
    async fn text_until(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && el.is_displayed().await.unwrap_or(false)
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

    async fn login(&self, user: &str, password: &str) {
        self.goto("/login").await;
        for (id, text) in [("username", user), ("password", password)] {
            self.client
                .find(Locator::Id(id))
                .await
                .expect("field")
                .send_keys(text)
                .await
                .expect("type");
        }
        self.click("login-submit").await;
        let started = Instant::now();
        while self
            .client
            .current_url()
            .await
            .expect("url")
            .path()
            .starts_with("/login")
        {
            assert!(started.elapsed() < PATIENCE, "login never finished");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types into an input, once the page's script has made it.
    async fn type_into(&self, id: &str, text: &str) {
        let started = Instant::now();
        let el = loop {
            if let Ok(el) = self.client.find(Locator::Id(id)).await {
                break el;
            }
            assert!(started.elapsed() < PATIENCE, "#{id} never appeared");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    /// Makes the page's viewport (not the window) `w`×`h`, as the tablet's screen.
    async fn fit_viewport(&self, w: u32, h: u32) {
        let inner = self
            .client
            .execute("return [window.innerWidth, window.innerHeight]", vec![])
            .await
            .expect("viewport");
        let (iw, ih) = (
            inner[0].as_u64().unwrap_or(0),
            inner[1].as_u64().unwrap_or(0),
        );
        let (_, _, ow, oh) = self.client.get_window_rect().await.expect("rect");
        let ow = ow + u64::from(w) - iw;
        let oh = oh + u64::from(h) - ih;
        self.client
            .set_window_size(ow as u32, oh as u32)
            .await
            .expect("resize");
    }

    async fn visible(&self, id: &str) -> bool {
        match self.client.find(Locator::Id(id)).await {
            Ok(el) => el.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }
}

/// Serves the hall on `addr` (port 0 for any) until `stop` fires.
async fn serve_on(
    hall: &mut Hall,
    addr: SocketAddr,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = hall.server.take().expect("server");
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

async fn report(hall: &Hall) -> Value {
    let (s, r) = hall
        .get("/api/v1/admin/reports/ratings", Some(&hall.admin))
        .await;
    assert_eq!(s, axum::http::StatusCode::OK, "{r}");
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pad_asks_after_the_clerk_finishes_and_a_bad_rating_needs_a_reason() {
    let mut hall = Hall::demo().await;
    let (_, pad) = hall
        .post(
            "/api/v1/admin/devices",
            Some(&hall.admin),
            json!({"name": "pad-8", "kind": "pad", "counter_id": 8}),
        )
        .await;
    let token = pad["token"].as_str().expect("token").to_owned();
    let staff8 = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    // The hall shows the clerk's name and staff number (工号).
    let (s, b) = hall
        .put(
            "/api/v1/admin/staff/staff8",
            Some(&hall.admin),
            json!({"display_name": "张敏", "role": "staff", "counters": [8], "staff_no": "0231"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let (_, mut settings) = hall
        .get("/api/v1/admin/ratings/settings", Some(&hall.admin))
        .await;
    settings["clerk_shown"] = json!("both");
    let (s, b) = hall
        .put(
            "/api/v1/admin/ratings/settings",
            Some(&hall.admin),
            settings,
        )
        .await;
    assert!(s.is_success(), "{b}");
    let first = hall.issue("tax").await;
    let (addr, _stop, _join) = serve_on(&mut hall, "127.0.0.1:0".parse().unwrap()).await;
    let b = browser(addr, 1280, 800).await;
    b.fit_viewport(1280, 800).await;
    b.goto(&format!("/pad#token={token}")).await;
    b.text_until("#pad-counter", |t| t.contains("8号窗口"))
        .await;
    // The token left the address bar.
    let url = b.client.current_url().await.expect("url");
    assert!(!url.as_str().contains(&token), "{url}");

    hall.post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
        .await;
    let number = first["number"].as_str().unwrap();
    b.text_until("#pad-serving", |t| t == number).await;
    b.text_until("#pad-clerk", |t| {
        t.contains("工作人员") && t.contains("张敏（工号 0231）")
    })
    .await;
    b.screenshot("pad-counter").await;

    hall.post("/api/v1/counters/8/finish", Some(&staff8), json!({}))
        .await;
    b.text_until(".pad-ask", |t| t.contains("请您对本次服务进行评价"))
        .await;
    b.screenshot("pad-ask").await;

    // 非常不满意 without a reason: the server refuses, the pad says why.
    b.click("pad-level-very_dissatisfied").await;
    b.text_until("#pad-reasons-box h2", |t| t.contains("原因"))
        .await;
    b.click("pad-submit").await;
    b.text_until("#pad-error", |t| t.contains("请至少选择一项"))
        .await;
    b.screenshot("pad-reason-refused").await;
    assert_eq!(report(&hall).await["total"]["total"], 0);

    // A foreign citizen reads each reason in English beneath the Chinese.
    b.text_until("#pad-reason-1", |t| {
        t.contains("服务态度不好") && t.contains("Unfriendly service")
    })
    .await;
    // With a reason it is recorded, once (the Chinese name, not the English).
    b.click("pad-reason-1").await;
    b.click("pad-submit").await;
    b.text_until(".pad-thanks", |t| t.contains("感谢")).await;
    b.screenshot("pad-thanks").await;
    let r = report(&hall).await;
    assert_eq!(r["total"]["levels"]["very_dissatisfied"], 1);
    assert_eq!(r["by_counter"][0]["key"], "8");
    assert_eq!(r["reasons"][0]["reason"], "服务态度不好");
    let (_, sum) = hall
        .get("/api/v1/follow-ups/summary", Some(&hall.admin))
        .await;
    assert_eq!(sum["open"], 1, "the 差评 opened a follow-up");
    // And back to the counter view.
    b.text_until("#pad-counter", |t| t.contains("8号窗口"))
        .await;

    // No answer: after the hall's timeout the pad goes back, recording nothing.
    let (_, mut settings) = hall
        .get("/api/v1/admin/ratings/settings", Some(&hall.admin))
        .await;
    settings["pad_timeout_secs"] = json!(5);
    hall.put(
        "/api/v1/admin/ratings/settings",
        Some(&hall.admin),
        settings,
    )
    .await;
    hall.issue("tax").await;
    hall.post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
        .await;
    hall.post("/api/v1/counters/8/finish", Some(&staff8), json!({}))
        .await;
    b.text_until(".pad-ask", |t| t.contains("请您对本次服务进行评价"))
        .await;
    b.text_until("#pad-timeout", |t| t.contains("5 秒")).await;
    let started = Instant::now();
    while b.visible("view-ask").await {
        assert!(started.elapsed() < PATIENCE, "the pad never went back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(b.visible("view-counter").await);
    assert_eq!(report(&hall).await["total"]["total"], 1, "nothing recorded");

    // 受理 → 收费: the clerk transfers the ticket on; what counter 8 did is
    // done, so its pad asks, and the rating is for 8's service.
    hall.issue("tax").await;
    hall.post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
        .await;
    let (s, body) = hall
        .post(
            "/api/v1/counters/8/transfer",
            Some(&staff8),
            json!({"to_service": "cashier", "position": "back"}),
        )
        .await;
    assert_eq!(s, axum::http::StatusCode::OK, "{body}");
    b.text_until(".pad-ask", |t| t.contains("请您对本次服务进行评价"))
        .await;
    b.click("pad-level-satisfied").await;
    b.text_until(".pad-thanks", |t| t.contains("感谢")).await;
    let r = report(&hall).await;
    assert_eq!(r["total"]["total"], 2);
    assert_eq!(r["total"]["levels"]["satisfied"], 1);
    assert_eq!(r["by_service"][0]["key"], "tax", "{r}");
    b.client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pad_that_loses_the_server_says_so_and_records_the_rating_once_when_it_is_back() {
    let mut hall = Hall::demo().await;
    let (_, pad) = hall
        .post(
            "/api/v1/admin/devices",
            Some(&hall.admin),
            json!({"name": "pad-8", "kind": "pad", "counter_id": 8}),
        )
        .await;
    let token = pad["token"].as_str().expect("token").to_owned();
    let staff8 = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    hall.issue("tax").await;
    let (addr, stop, join) = serve_on(&mut hall, "127.0.0.1:0".parse().unwrap()).await;
    let b = browser(addr, 1280, 800).await;
    b.fit_viewport(1280, 800).await;
    b.goto(&format!("/pad#token={token}")).await;
    b.text_until("#pad-counter", |t| t.contains("8号窗口"))
        .await;
    hall.post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
        .await;
    hall.post("/api/v1/counters/8/finish", Some(&staff8), json!({}))
        .await;
    b.text_until(".pad-ask", |t| t.contains("请您对本次服务进行评价"))
        .await;

    // The server goes away while the citizen is deciding.
    let _ = stop.send(());
    join.await.expect("server stopped");
    b.text_until("#pad-conn", |t| t.contains("连接已断开"))
        .await;
    b.screenshot("pad-offline").await;
    b.click("pad-level-satisfied").await;
    b.text_until(".pad-thanks", |t| t.contains("感谢")).await;
    b.text_until("#pad-saving", |t| t.contains("网络恢复后"))
        .await;

    // It comes back on the same address (from the same database).
    let dir = Arc::clone(&hall.dir);
    let clock = Arc::clone(&hall.clock);
    drop(hall);
    let mut hall = Hall::open(dir, clock).await;
    let (_addr, _stop, _join) = serve_on(&mut hall, addr).await;
    let started = Instant::now();
    loop {
        if report(&hall).await["total"]["total"] == 1 {
            break;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the kept rating was never sent"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let started = Instant::now();
    while b.visible("pad-conn").await {
        assert!(
            started.elapsed() < PATIENCE,
            "the pad never said it is back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let it retry a few more times if it would: still one rating.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let r = report(&hall).await;
    assert_eq!(r["total"]["total"], 1);
    assert_eq!(r["total"]["levels"]["satisfied"], 1);
    b.client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_rates_a_finished_ticket_from_its_progress_page() {
    let mut hall = Hall::demo().await;
    let staff8 = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let t = hall.issue("tax").await;
    let page = format!("/t/{}?code={}", t["id"], t["query_code"].as_str().unwrap());
    let (addr, _stop, _join) = serve_on(&mut hall, "127.0.0.1:0".parse().unwrap()).await;
    let b = browser(addr, 390, 844).await;
    b.fit_viewport(390, 844).await;
    // Waiting: nothing to rate yet.
    b.goto(&page).await;
    b.text_until("#progress-status", |t| t.contains("前面"))
        .await;
    assert!(!b.visible("rate").await);

    hall.post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
        .await;
    hall.post("/api/v1/counters/8/finish", Some(&staff8), json!({}))
        .await;
    b.goto(&page).await;
    b.text_until("#rate h2", |t| t.contains("请您对本次服务进行评价"))
        .await;
    b.click("rate-level-dissatisfied").await;
    b.click("rate-submit").await;
    b.text_until("#rate-error", |t| t.contains("原因")).await;
    b.text_until("#rate-reason-0", |t| {
        t.contains("等候时间过长") && t.contains("Waited too long")
    })
    .await;
    b.click("rate-reason-0").await;
    b.screenshot("phone-rating").await;
    b.click("rate-submit").await;
    b.text_until("#rate-done", |t| t.contains("感谢")).await;
    b.screenshot("phone-rated").await;
    let r = report(&hall).await;
    assert_eq!(r["total"]["levels"]["dissatisfied"], 1);
    assert_eq!(r["reasons"][0]["reason"], "等候时间过长");

    // Coming back later: rated, no form.
    b.goto(&page).await;
    b.text_until("#rate-done", |t| t.contains("已评价")).await;
    assert!(!b.visible("rate").await);
    b.client.close().await.expect("close");
}

/// Takes a tax ticket, has counter 8 call and finish it, and rates it
/// 非常不满意 from the phone.
async fn bad_rating(hall: &Hall, staff8: &str) {
    let t = hall.issue("tax").await;
    hall.post("/api/v1/counters/8/call-next", Some(staff8), json!({}))
        .await;
    hall.post("/api/v1/counters/8/finish", Some(staff8), json!({}))
        .await;
    let (s, b) = hall
        .post(
            "/api/v1/ratings",
            None,
            json!({"ticket_id": t["id"], "code": t["query_code"], "level": "very_dissatisfied",
                   "reasons": ["等候时间过长"], "text": "等了一个多小时"}),
        )
        .await;
    assert_eq!(s, axum::http::StatusCode::CREATED, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_director_sees_the_follow_up_on_the_dashboard_and_works_it_through() {
    let mut hall = Hall::demo().await;
    // Friday afternoon.
    hall.clock.set("2026-11-27T16:00:00+08:00".parse().unwrap());
    hall.admin_again().await;
    let staff8 = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    bad_rating(&hall, &staff8).await;
    let (addr, _stop, _join) = serve_on(&mut hall, "127.0.0.1:0".parse().unwrap()).await;
    let b = browser(addr, 1366, 900).await;
    b.login("admin", common::ADMIN_PASSWORD).await;
    b.goto("/admin/dashboard").await;
    b.text_until("#dash-followups", |t| t == "1").await;
    b.text_until("#dash-followups-sub", |t| t.contains("无逾期"))
        .await;

    // Another 差评 comes in: the dashboard counts it without a reload.
    bad_rating(&hall, &staff8).await;
    b.text_until("#dash-followups", |t| t == "2").await;
    b.screenshot("admin-dashboard-followups").await;

    // Three weeks on nobody has closed them: overdue, in red.
    hall.clock.set("2026-12-21T09:00:00+08:00".parse().unwrap());
    b.login("admin", common::ADMIN_PASSWORD).await;
    b.goto("/admin/dashboard").await;
    b.text_until("#dash-followups-sub", |t| t.contains("逾期 2"))
        .await;
    b.goto("/admin/followups").await;
    b.text_until("#fu-table tbody", |t| t.contains("逾期"))
        .await;
    b.screenshot("admin-followups").await;

    // The director works the first one through.
    b.click("fu-open-1").await;
    b.text_until("#fu-title", |t| t.contains("#1")).await;
    b.type_into("s-res-note", "已调整午间窗口排班，向群众致歉")
        .await;
    b.click("s-res").await;
    b.text_until("#fu-steps", |t| t.contains("已调整午间窗口排班"))
        .await;
    b.click("s-close").await;
    b.text_until("#fu-title", |t| t.contains("已办结")).await;
    b.screenshot("admin-followup-detail").await;
    hall.admin_again().await;
    let (_, sum) = hall
        .get("/api/v1/follow-ups/summary", Some(&hall.admin))
        .await;
    assert_eq!((&sum["open"], &sum["overdue"]), (&json!(1), &json!(1)));

    // A complaint taken by telephone.
    b.goto("/admin/followups").await;
    b.type_into("c-text", "来电反映8号窗口下班前提前停止叫号")
        .await;
    b.type_into("c-phone", "13800138000").await;
    b.click("c-submit").await;
    b.text_until("#banner", |t| t.contains("投诉已登记")).await;
    let (_, sum) = hall
        .get("/api/v1/follow-ups/summary", Some(&hall.admin))
        .await;
    assert_eq!(sum["open"], 2, "the complaint opened a follow-up");

    // The report counts both ratings, and one follow-up closed late.
    b.goto("/admin/ratings").await;
    b.text_until("#rr-total", |t| t != "—").await;
    b.client
        .execute(
            "document.getElementById('rr-from').value = '2026-11-01'",
            vec![],
        )
        .await
        .expect("set the date");
    b.click("rr-go").await;
    b.text_until("#rr-total", |t| t == "2").await;
    b.text_until("#rr-bad", |t| t == "100.0%").await;
    b.text_until("#rr-reasons", |t| t.contains("等候时间过长"))
        .await;
    b.screenshot("admin-ratings").await;

    // The settings show each reason with its English name, one a line,
    // and the director adds the hall's own reason with its English.
    let reasons = b
        .client
        .execute("return document.getElementById('rs-reasons').value", vec![])
        .await
        .expect("read the reasons");
    let reasons = reasons.as_str().unwrap_or_default();
    assert!(
        reasons.contains("等候时间过长 | Waited too long"),
        "{reasons}"
    );
    b.client
        .execute(
            "const r = document.getElementById('rs-reasons'); \
             r.value = r.value + '\\n叫号听不清 | Could not hear the call';",
            vec![],
        )
        .await
        .expect("add a reason");
    b.click("rs-save").await;
    b.text_until("#banner", |t| t.contains("设置已保存")).await;
    b.client
        .execute(
            "document.getElementById('rs-reasons').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll to the settings");
    b.screenshot("admin-ratings-settings").await;
    let (_, public) = hall.get("/api/v1/ratings/settings", None).await;
    let names = public["reason_names"].as_array().expect("names");
    assert_eq!(
        names.last(),
        Some(&json!({"zh": "叫号听不清", "en": "Could not hear the call"})),
        "{public}"
    );
    assert_eq!(
        names[0],
        json!({"zh": "等候时间过长", "en": "Waited too long"})
    );

    // A pad is registered for counter 3 from the devices page; its link is shown once.
    b.goto("/admin/devices").await;
    b.type_into("dev-name", "pad-3").await;
    for css in [
        "#dev-kind option[value='pad']",
        "#dev-counter option[value='3']",
    ] {
        let started = Instant::now();
        loop {
            if let Ok(el) = b.client.find(Locator::Css(css)).await {
                el.click().await.expect("select");
                break;
            }
            assert!(started.elapsed() < PATIENCE, "{css} never appeared");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    b.click("dev-register").await;
    b.text_until("#dev-pad-link", |t| t.contains("/pad#token=d_"))
        .await;
    let (_, devices) = hall.get("/api/v1/admin/devices", Some(&hall.admin)).await;
    let pad = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "pad-3")
        .cloned()
        .expect("registered");
    assert_eq!(
        (&pad["kind"], &pad["counter_id"]),
        (&json!("pad"), &json!(3))
    );
    b.client.close().await.expect("close");
}
