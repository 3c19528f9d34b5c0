//! The web consoles in a real browser: Debian's Chromium, headless, driven
//! over WebDriver (chromedriver) against a real server on loopback; with
//! `BANLI_BROWSER=firefox`, Firefox ESR through geckodriver.
//!
//! Needs `chromium` and `chromium-driver` (`.ci/run` installs them). The
//! test fails, loudly, if they are missing: a skipped browser test checks
//! nothing.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::time::Duration;

use common::Hall;
use fantoccini::Locator;
use serde_json::json;

#[path = "common/browser.rs"]
mod browser;

use browser::{browser, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_calls_finishes_and_transfers_from_the_counter_console() {
    let mut hall = Hall::demo().await;
    hall.issue("tax").await;
    hall.issue("tax").await;
    let addr = serve(&mut hall).await;
    let b = browser(addr).await;
    b.login("staff8", banli_server::DEMO_STAFF_PASSWORD).await;
    assert!(
        b.client
            .current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/console")
    );
    b.text_until("#conn", |t| t.contains("实时")).await;

    b.click("btn-call").await;
    b.text_until("#current-number", |t| t == "F001").await;
    b.text_until("#waiting tbody", |t| t.contains("F002")).await;
    b.text_until("#counter-status", |t| t.contains("服务中"))
        .await;

    // A new ticket at a kiosk shows up without a reload.
    hall.issue("tax").await;
    b.text_until("#waiting tbody", |t| t.contains("F003")).await;
    b.screenshot("counter-console").await;

    // Counter 8 calls the next ticket by itself when one is finished.
    b.click("btn-finish").await;
    b.text_until("#current-number", |t| t == "F002").await;
    b.text_until("#my-served", |t| t == "1").await;

    // 受理 → 收费: F002 goes to the cashier's queue and keeps its number.
    b.text_until("#transfer-to", |t| t.contains("统一收费"))
        .await;
    b.client
        .find(Locator::Css("#transfer-to option[value='cashier']"))
        .await
        .expect("cashier option")
        .click()
        .await
        .expect("select");
    b.click("btn-transfer").await;
    b.text_until("#current-number", |t| t == "F003").await;
    let (_, cashier) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    let cashier = cashier
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["id"] == "cashier")
        .cloned()
        .expect("cashier");
    assert_eq!(cashier["waiting"], 1);

    // Keyboard: F4 finishes.
    b.client
        .find(Locator::Css("body"))
        .await
        .expect("body")
        .send_keys("\u{E034}")
        .await
        .expect("F4");
    b.text_until("#current-number", |t| t == "—").await;

    // Pause with a reason, then resume.
    b.client
        .find(Locator::Id("pause-reason"))
        .await
        .expect("reason")
        .send_keys("午休")
        .await
        .expect("type");
    b.click("btn-pause").await;
    b.text_until("#counter-status", |t| t.contains("午休"))
        .await;
    b.screenshot("counter-console-paused").await;
    b.click("btn-resume").await;
    b.text_until("#counter-status", |t| t.contains("服务中"))
        .await;
    b.client.close().await.expect("close");
}

/// How many times the server has answered each GET the counter console
/// makes, by its request metrics (counted by route, every counter's
/// together; the test itself makes none of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ConsoleGets {
    hall: u64,
    counter: u64,
    ticket: u64,
    figures: u64,
}

impl ConsoleGets {
    async fn now(hall: &Hall) -> Self {
        let (status, body) = hall.get("/metrics", Some(&hall.admin)).await;
        assert_eq!(status, 200, "{body}");
        let text = body.as_str().expect("metrics text");
        let count = |route: &str| -> u64 {
            let route = format!("route=\"{route}\"");
            text.lines()
                .filter(|l| l.starts_with("banli_http_request_duration_seconds_count{"))
                .filter(|l| l.contains("method=\"GET\"") && l.contains(&route))
                .map(|l| {
                    l.rsplit(' ')
                        .next()
                        .and_then(|n| n.parse::<u64>().ok())
                        .expect("a count")
                })
                .sum()
        };
        Self {
            hall: count("/api/v1/hall"),
            counter: count("/api/v1/counters/{id}"),
            ticket: count("/api/v1/tickets/{id}"),
            figures: count("/api/v1/auth/me/today"),
        }
    }

    /// What the console asked for since `before`.
    async fn since(hall: &Hall, before: Self) -> Self {
        let now = Self::now(hall).await;
        Self {
            hall: now.hall - before.hall,
            counter: now.counter - before.counter,
            ticket: now.ticket - before.ticket,
            figures: now.figures - before.figures,
        }
    }
}

/// Lets the console's burst window (`BURST_MS`, 120 ms, in console.js)
/// pass many times over. A request that is *not* made can only be seen by
/// waiting for longer than the console would wait before making it.
async fn quiet() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

const NONE: ConsoleGets = ConsoleGets {
    hall: 0,
    counter: 0,
    ticket: 0,
    figures: 0,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_asks_only_for_what_its_own_counters_events_change() {
    let mut hall = Hall::demo().await;
    hall.issue("tax").await;
    let staff3 = hall
        .login("staff3", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let addr = serve(&mut hall).await;
    let b = browser(addr).await;
    b.login("staff8", banli_server::DEMO_STAFF_PASSWORD).await;
    b.text_until("#conn", |t| t.contains("实时")).await;
    b.text_until("#waiting tbody", |t| t.contains("F001")).await;
    b.text_until("#waiting-count", |t| t.contains("共 1 人"))
        .await;
    quiet().await;
    let opened = ConsoleGets::now(&hall).await;
    assert!(
        opened.counter >= 1 && opened.figures >= 1,
        "the console opened with its counter and figures: {opened:?}"
    );

    // A busy hall elsewhere: twenty social-insurance tickets (counter 8
    // serves tax only) and a call at counter 3. The console shows the call
    // from the event and asks the server for nothing.
    for _ in 0..20 {
        hall.issue("social-insurance").await;
    }
    let (status, called) = hall
        .post("/api/v1/counters/3/call-next", Some(&staff3), json!({}))
        .await;
    assert_eq!(status, 200, "{called}");
    let number = called["counter"]["current"]["number"]
        .as_str()
        .expect("a called number")
        .to_owned();
    b.text_until("#hall-calls", |t| {
        t.contains(&number) && t.contains("3号窗口")
    })
    .await;
    quiet().await;
    assert_eq!(
        ConsoleGets::since(&hall, opened).await,
        NONE,
        "events of other counters' services cost no request"
    );
    b.text_until("#waiting-count", |t| t.contains("共 1 人"))
        .await;

    // A ticket for tax is in counter 8's queue: one look at the counter.
    let before = ConsoleGets::now(&hall).await;
    hall.issue("tax").await;
    b.text_until("#waiting tbody", |t| t.contains("F002")).await;
    b.text_until("#waiting-count", |t| t.contains("共 2 人"))
        .await;
    quiet().await;
    assert_eq!(
        ConsoleGets::since(&hall, before).await,
        ConsoleGets { counter: 1, ..NONE }
    );

    // The clerk's own call: the counter and the ticket called, once each;
    // the events it causes arrive already seen.
    let before = ConsoleGets::now(&hall).await;
    b.click("btn-call").await;
    b.text_until("#current-number", |t| t == "F001").await;
    quiet().await;
    assert_eq!(
        ConsoleGets::since(&hall, before).await,
        ConsoleGets {
            counter: 1,
            ticket: 1,
            ..NONE
        }
    );

    // Finishing changes the clerk's figures too (and counter 8 calls the
    // next ticket by itself).
    let before = ConsoleGets::now(&hall).await;
    b.click("btn-finish").await;
    b.text_until("#current-number", |t| t == "F002").await;
    b.text_until("#my-served", |t| t == "1").await;
    quiet().await;
    assert_eq!(
        ConsoleGets::since(&hall, before).await,
        ConsoleGets {
            counter: 1,
            ticket: 1,
            figures: 1,
            ..NONE
        }
    );
    b.client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_cannot_open_admin_pages_and_sign_out_ends_the_session() {
    let mut hall = Hall::demo().await;
    let addr = serve(&mut hall).await;
    let b = browser(addr).await;
    b.login("staff3", banli_server::DEMO_STAFF_PASSWORD).await;
    b.goto("/admin/services").await;
    b.text_until("#forbidden", |t| t.contains("无权访问")).await;
    b.goto("/console").await;
    b.click("logout").await;
    b.path_until(|p| p == "/login").await;
    b.goto("/console").await;
    b.path_until(|p| p == "/login").await;
    // A wrong password is refused with a message.
    b.goto("/login").await;
    b.client
        .find(Locator::Id("username"))
        .await
        .expect("u")
        .send_keys("staff3")
        .await
        .expect("type");
    b.client
        .find(Locator::Id("password"))
        .await
        .expect("p")
        .send_keys("wrong-password")
        .await
        .expect("type");
    b.client
        .find(Locator::Id("login-submit"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    b.text_until("#login-error", |t| t.contains("用户名或密码错误"))
        .await;
    b.screenshot("login-error").await;
    b.client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_adds_a_service_that_kiosks_see_and_reads_a_report_that_matches() {
    let mut hall = Hall::demo().await;
    // Today so far: three tax tickets, one served by counter 8.
    for _ in 0..3 {
        hall.issue("tax").await;
    }
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    hall.post("/api/v1/counters/8/call-next", Some(&staff), json!({}))
        .await;
    hall.post("/api/v1/counters/8/call-next", Some(&staff), json!({}))
        .await;
    let addr = serve(&mut hall).await;
    let b = browser(addr).await;
    b.login("admin", common::ADMIN_PASSWORD).await;
    assert!(
        b.client
            .current_url()
            .await
            .expect("url")
            .path()
            .starts_with("/admin")
    );
    b.text_until("#dash-tickets", |t| t.trim() == "3").await;
    b.screenshot("admin-dashboard-live").await;

    // A new service, with a validation error first.
    b.goto("/admin/services").await;
    b.click("svc-new").await;
    let fill = |id: &'static str, text: &'static str| {
        let b = &b;
        async move {
            let el = b.find(id).await;
            el.clear().await.expect("clear");
            el.send_keys(text).await.expect("type");
        }
    };
    fill("svc-id", "notary").await;
    fill("svc-name_zh", "公证").await;
    fill("svc-name_en", "Notary").await;
    fill("svc-prefix", "A").await; // already used by 企业开办
    b.click("svc-save").await;
    b.text_until("#svc-form", |t| {
        t.contains("already used") || t.contains("已被")
    })
    .await;
    fill("svc-prefix", "N").await;
    b.click("svc-save").await;
    b.text_until("#svc-table", |t| t.contains("公证")).await;
    let (_, services) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    let notary = services
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["id"] == "notary")
        .cloned();
    assert_eq!(
        notary.map(|s| s["prefix"].clone()),
        Some(json!("N")),
        "a kiosk sees the new service at once"
    );

    // The report's figures are the tickets made above.
    b.goto("/admin/reports").await;
    b.text_until("#report-total-tickets", |t| t.trim() == "3")
        .await;
    b.text_until("#report-total-served", |t| t.trim() == "1")
        .await;
    b.text_until("#report-staff", |t| t.contains("staff8"))
        .await;
    b.screenshot("admin-reports-live").await;
    b.client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_says_when_the_connection_drops_and_recovers() {
    let hall = Hall::demo().await;
    let dir = std::sync::Arc::clone(&hall.dir);
    let clock = std::sync::Arc::clone(&hall.clock);
    let mut hall = hall;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = hall.server.take().expect("server");
    let running = tokio::spawn(async move {
        server
            .serve(listener, async move {
                let _ = stopped.await;
            })
            .await
    });
    let b = browser(addr).await;
    b.login("staff8", banli_server::DEMO_STAFF_PASSWORD).await;
    b.text_until("#conn", |t| t.contains("实时")).await;

    // The server stops: the page says so and keeps what it showed.
    let _ = stop.send(());
    running.await.expect("server task").expect("served");
    drop(hall);
    b.text_until("#conn", |t| t.contains("连接中断")).await;
    b.screenshot("counter-console-connection-lost").await;

    // It comes back on the same address: the page reconnects by itself.
    let mut hall = Hall::open(dir, clock).await;
    hall.issue("tax").await;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("the same port again");
    let server = hall.server.take().expect("server");
    tokio::spawn(async move { server.serve(listener, std::future::pending()).await });
    b.text_until("#conn", |t| t.contains("实时")).await;
    b.text_until("#waiting tbody", |t| t.contains("F001")).await;
    b.click("btn-call").await;
    b.text_until("#current-number", |t| t == "F001").await;
    b.client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_edits_a_guide_item_that_kiosks_read_by_department() {
    let mut hall = Hall::demo().await;
    let addr = serve(&mut hall).await;
    let b = browser(addr).await;
    b.login("admin", common::ADMIN_PASSWORD).await;
    // The editor lists the demo guide with each item's department named.
    b.goto("/admin/guide").await;
    b.text_until("#guide-table", |t| {
        t.contains("个体工商户设立登记") && t.contains("区市场监督管理局")
    })
    .await;
    b.click("guide-edit-individual-business-registration").await;
    let name = b.find("guide-name_zh").await;
    name.clear().await.expect("clear");
    name.send_keys("个体工商户设立登记（经营者本人）")
        .await
        .expect("type");
    b.click("guide-save").await;
    b.text_until("#guide-table", |t| t.contains("经营者本人"))
        .await;
    // What kiosks read: the edited item, and the hall's departments.
    let (_, guide) = hall.get("/api/v1/guide", None).await;
    let item = guide["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == "individual-business-registration")
        .cloned()
        .expect("the item");
    assert_eq!(item["name_zh"], "个体工商户设立登记（经营者本人）");
    assert_eq!(item["department"], "amr");
    assert!(
        guide["departments"]
            .as_array()
            .expect("departments")
            .iter()
            .any(|d| d["id"] == "amr" && d["name_zh"] == "区市场监督管理局")
    );
    b.client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_tries_one_more_social_insurance_counter_in_the_what_if() {
    let mut hall = Hall::demo().await;
    let addr = serve(&mut hall).await;
    let b = browser(addr).await;
    b.login("admin", common::ADMIN_PASSWORD).await;
    b.goto("/admin/whatif").await;
    b.text_until("#wi-note", |t| t.contains("不会改动")).await;
    b.text_until("#wi-counters tbody", |t| t.contains("10号窗口"))
        .await;
    let days = b.find("wi-days").await;
    days.clear().await.expect("clear");
    days.send_keys("2").await.expect("type");

    // One more counter, for social insurance.
    b.click("wi-add-counter").await;
    b.text_until("#wi-counters tbody", |t| t.contains("11号窗口"))
        .await;
    b.client
        .find(Locator::Css("#wi-c10-s0 option[value='social-insurance']"))
        .await
        .expect("social-insurance option")
        .click()
        .await
        .expect("select");
    b.text_until("#wi-changed-count", |t| t.contains("1")).await;
    // A rule too: at most one priority call in a row (the hall has 2).
    let burst = b.find("wi-burst").await;
    assert_eq!(
        burst.prop("value").await.expect("value").as_deref(),
        Some("2")
    );
    burst.clear().await.expect("clear");
    burst.send_keys("1").await.expect("type");
    b.click("wi-seed").await; // leaving the field fires its change
    b.text_until("#wi-changed-count", |t| t.contains("2")).await;
    b.screenshot("admin-whatif-changes").await;
    b.click("wi-run").await;

    // Both columns, the social-insurance wait shorter with the counter.
    let table = b
        .text_until("#wi-table", |t| {
            t.contains("社保业务") && t.contains("全厅")
        })
        .await;
    assert!(table.contains("现在") && table.contains("改后"), "{table}");
    b.text_until(
        "#wi-table tr[data-service='social-insurance'] td.delta.better",
        |t| t.contains('▼'),
    )
    .await;
    b.text_until("#wi-util", |t| t.contains("11号窗口") && t.contains("新增"))
        .await;
    b.screenshot("admin-whatif").await;

    // Staffing advice for 90% within 15 minutes.
    b.click("wi-advise").await;
    b.text_until("#wi-advice-table", |t| {
        t.contains("社保业务") && t.contains("09:00")
    })
    .await;
    b.screenshot("admin-staffing").await;

    // The live hall still has its ten counters.
    let (_, counters) = hall.get("/api/v1/admin/counters", Some(&hall.admin)).await;
    assert_eq!(counters.as_array().expect("counters").len(), 10);
    b.client.close().await.expect("close");
}

/// The working-day calendar page: the demo hall's 2026 calendar is shown
/// as text; a wrong line is named in the banner and nothing changes; next
/// year's notice imports, and the years shown follow.
#[tokio::test]
async fn an_admin_imports_next_years_calendar() {
    let mut hall = Hall::demo().await;
    let addr = serve(&mut hall).await;
    let b = browser(addr).await;
    b.login("admin", common::ADMIN_PASSWORD).await;
    b.goto("/admin/calendar").await;
    b.text_until("#cal-years", |t| t.contains("2026")).await;
    let text = b.find("cal-text").await;
    let shown = text.prop("value").await.expect("value").unwrap_or_default();
    assert!(
        shown.contains("2026-10-01..2026-10-07 休 国庆节"),
        "{shown}"
    );
    text.clear().await.expect("clear");
    text.send_keys("[2027]\n2027-01-01..2027-01-03 休 元旦\n2027-01-06 班 不是周末\n")
        .await
        .expect("type");
    b.click("cal-import").await;
    b.text_until("#banner", |t| t.contains("第3行") || t.contains("line 3"))
        .await;
    let (_, cal) = hall.get("/api/v1/admin/calendar", Some(&hall.admin)).await;
    assert_eq!(cal["years"], serde_json::json!([2026]), "nothing changed");
    let text = b.find("cal-text").await;
    text.clear().await.expect("clear");
    text.send_keys("[2027]\n2027-01-01..2027-01-03 休 元旦\n2027-01-09 班 元旦调休\n")
        .await
        .expect("type");
    b.click("cal-import").await;
    b.text_until("#cal-years", |t| t.contains("2027")).await;
    b.screenshot("admin-calendar").await;
    let (_, cal) = hall.get("/api/v1/admin/calendar", Some(&hall.admin)).await;
    assert_eq!(cal["years"], serde_json::json!([2026, 2027]));
    b.client.close().await.expect("close");
}

/// An administrator gives a clerk a staff number (工号) on the staff page:
/// the list shows it, another clerk cannot have the same one (the field
/// says whose it is and nothing is saved), and the clerk's own console
/// shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_gives_a_clerk_a_staff_number_that_no_one_else_can_have() {
    let mut hall = Hall::demo().await;
    let addr = serve(&mut hall).await;
    let b = browser(addr).await;
    b.login("admin", common::ADMIN_PASSWORD).await;
    b.goto("/admin/staff").await;
    b.text_until("#staff-table", |t| t.contains("staff8")).await;
    b.click("staff-edit-staff8").await;
    let name = b.find("staff-display_name").await;
    name.clear().await.expect("clear");
    name.send_keys("张敏").await.expect("type");
    b.find("staff-staff_no")
        .await
        .send_keys("0231")
        .await
        .expect("type");
    b.screenshot("admin-staff-form").await;
    b.click("staff-save").await;
    b.text_until("tr[data-username='staff8']", |t| {
        t.contains("张敏") && t.contains("0231")
    })
    .await;
    let (_, list) = hall.get("/api/v1/admin/staff", Some(&hall.admin)).await;
    let staff8 = list
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["username"] == "staff8")
        .cloned()
        .expect("staff8");
    assert_eq!(staff8["staff_no"], "0231", "{staff8}");

    // staff7 asks for the same number: refused at the field, naming staff8.
    b.click("staff-edit-staff7").await;
    b.find("staff-staff_no")
        .await
        .send_keys("0231")
        .await
        .expect("type");
    b.click("staff-save").await;
    let said = b
        .text_until("#staff-staff_no-error", |t| t.contains("staff8"))
        .await;
    assert!(said.contains("张敏"), "{said}");
    b.text_until("#banner", |t| t.contains("0231")).await;
    b.screenshot("admin-staff-no-taken").await;
    let (_, list) = hall.get("/api/v1/admin/staff", Some(&hall.admin)).await;
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .any(|a| a["username"] == "staff7" && a["staff_no"].is_null()),
        "nothing saved: {list}"
    );
    b.click("staff-cancel").await;
    b.text_until("#staff-table", |t| t.contains("0231")).await;
    b.screenshot("admin-staff").await;

    // The clerk sees their own number on their console.
    b.click("logout").await;
    b.login("staff8", banli_server::DEMO_STAFF_PASSWORD).await;
    b.text_until("#my-staff-no", |t| t.contains("工号 0231"))
        .await;
    b.screenshot("console-staff-no").await;
    b.client.close().await.expect("close");
}
