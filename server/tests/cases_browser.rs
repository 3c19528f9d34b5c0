//! Cases (办件) in a real browser (Chromium headless by default,
//! `BANLI_BROWSER=firefox` for Firefox ESR) against a real server on
//! loopback: a clerk accepts a case for the ticket they called, prints
//! the receipt (checked as HTML and printed to PDF), moves the case
//! through 补正 to 办结 from the worklist with its yellow and red
//! warnings; the citizen follows it on the phone page; the director's
//! supervision page and the report agree with what happened.
//!
//! The browser harness is `common/browser.rs`, shared with `consoles.rs`.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::time::{Duration, Instant};

use banli_core::jiff::SignedDuration;
use common::Hall;
use fantoccini::Locator;
use fantoccini::wd::PrintConfiguration;
use serde_json::json;
#[path = "common/browser.rs"]
mod browser;

use browser::{Browser, PATIENCE, browser, serve};

/// Accepts a case through the API for a fresh ticket at counter 6.
async fn accept_by_api(hall: &Hall, staff: &str, matter: &str, name: &str) -> String {
    hall.issue("business-setup").await;
    let (s, b) = hall
        .post("/api/v1/counters/6/call-next", Some(staff), json!({}))
        .await;
    assert_eq!(s, axum::http::StatusCode::OK, "{b}");
    let (s, b) = hall
        .post(
            "/api/v1/counters/6/cases",
            Some(staff),
            json!({"matter_id": matter, "applicant_name": name}),
        )
        .await;
    assert_eq!(s, axum::http::StatusCode::CREATED, "{b}");
    b["case"]["case_no"].as_str().unwrap().to_owned()
}

impl Browser {
    async fn select(&self, css: &str) {
        let started = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                el.click().await.expect("select");
                return;
            }
            assert!(started.elapsed() < PATIENCE, "{css} never appeared");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The warning colour of a worklist row.
    async fn warning(&self, case: &str) -> String {
        self.client
            .find(Locator::Css(&format!("tr.case-row[data-case='{case}']")))
            .await
            .expect("row")
            .attr("data-warning")
            .await
            .expect("attr")
            .unwrap_or_default()
    }

    async fn type_in(&self, id: &str, text: &str) {
        let el = self.find(id).await;
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_accepts_prints_corrects_and_decides_a_case_and_the_citizen_follows_it() {
    let mut hall = Hall::demo().await;
    let staff = hall.login("staff6", "banli-demo").await;
    // Tuesday 24 November: a case due Wednesday, overdue by Thursday.
    let late = accept_by_api(&hall, &staff, "llc-registration", "王芳").await;
    hall.clock.advance(SignedDuration::from_hours(48));
    let staff = hall.login("staff6", "banli-demo").await;
    hall.admin_again().await;
    // Thursday 26th: one due Friday (yellow today).
    let soon = accept_by_api(&hall, &staff, "business-license-change", "李明").await;
    let (s, _) = hall
        .post("/api/v1/counters/6/finish", Some(&staff), json!({}))
        .await;
    assert_eq!(s, axum::http::StatusCode::OK);
    hall.issue("business-setup").await;
    let addr = serve(&mut hall).await;
    let b = browser(addr).await;
    b.client.set_window_size(1366, 1200).await.expect("size");
    b.login("staff6", banli_server::DEMO_STAFF_PASSWORD).await;
    b.text_until("#conn", |t| t.contains("实时")).await;

    // The clerk calls the citizen and accepts the food business licence.
    b.click("btn-call").await;
    b.text_until("#current-number", |t| t.starts_with('A'))
        .await;
    b.text_until("#case-for", |t| t.contains("受理")).await;
    b.select("#case-matter option[value='food-business-license']")
        .await;
    b.text_until("#case-matter-info", |t| t.contains("承诺 5 个工作日"))
        .await;
    b.type_in("case-name", "张三丰").await;
    b.type_in("case-phone", "13800001111").await;
    b.type_in("case-id", "330108199003071234").await;
    b.screenshot("case-accept-form").await;
    b.click("btn-accept").await;
    let no = b.text_until("#accepted-no", |t| t.len() == 18).await;
    let password = b.text_until("#accepted-password", |t| t.len() == 6).await;
    // Thursday 26th + 5 working days: Thursday 3 December.
    b.text_until("#accepted-due", |t| t.contains("2026-12-03"))
        .await;

    // The worklist: soonest first, red then yellow then on track.
    let rows = b
        .text_until("#case-worklist tbody", |t| t.contains(&no))
        .await;
    let (i_late, i_soon, i_new) = (
        rows.find(&late).unwrap(),
        rows.find(&soon).unwrap(),
        rows.find(&no).unwrap(),
    );
    assert!(i_late < i_soon && i_soon < i_new, "{rows}");
    assert_eq!(b.warning(&late).await, "red");
    assert_eq!(b.warning(&soon).await, "yellow");
    assert_eq!(b.warning(&no).await, "");
    b.screenshot("case-worklist").await;

    // The receipt: as HTML, then printed to PDF.
    b.goto(&format!("/console/cases/{no}/receipt?paper=a5"))
        .await;
    b.text_until("#receipt-case-no", |t| t == no).await;
    b.text_until("#receipt-password", |t| t == password).await;
    b.text_until("#receipt-matter", |t| t.contains("食品经营许可"))
        .await;
    b.text_until("#receipt-due", |t| t.contains("2026年12月3日"))
        .await;
    let qr = b.find("receipt-qr").await.html(false).await.expect("qr");
    assert!(qr.contains("<svg"), "{qr}");
    b.screenshot("case-receipt").await;
    let pdf = b
        .client
        .print(PrintConfiguration::default())
        .await
        .expect("print to PDF");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let pages = pdf
        .windows(b"/Type /Page\n".len())
        .filter(|w| *w == b"/Type /Page\n")
        .count()
        + pdf
            .windows(b"/Type/Page/".len())
            .filter(|w| *w == b"/Type/Page/")
            .count();
    assert!(pages <= 1, "the receipt prints on one page ({pages})");
    if let Ok(dir) = std::env::var("BANLI_SCREENSHOTS") {
        std::fs::write(std::path::Path::new(&dir).join("case-receipt.pdf"), &pdf).expect("pdf");
    }

    // 承办, then 补正: the one-time notice of the missing materials.
    b.goto("/console").await;
    b.select(&format!("button.case-open[data-case='{no}']"))
        .await;
    b.text_until("#detail-title", |t| t.contains(&no)).await;
    b.click("case-undertake").await;
    b.text_until("#detail-title", |t| t.contains("承办中"))
        .await;
    b.type_in("case-text", "食品安全管理制度\n从业人员健康证明")
        .await;
    b.click("case-request_correction").await;
    b.text_until("#case-worklist tbody", |t| t.contains("补正中"))
        .await;

    // The citizen's phone: the missing materials, the name masked.
    b.client.set_window_size(430, 932).await.expect("size");
    b.goto(&format!("/c/{no}?p={password}")).await;
    b.text_until("#case-materials", |t| {
        t.contains("食品安全管理制度") && t.contains("从业人员健康证明")
    })
    .await;
    b.text_until("#case-applicant", |t| t == "张**").await;
    let page = b.client.source().await.expect("source");
    for secret in ["张三丰", "13800001111", "330108199003071234"] {
        assert!(!page.contains(secret), "{secret} on the phone page");
    }
    b.screenshot("case-progress-phone").await;

    // The materials arrive; review; 办结 (通过).
    b.client.set_window_size(1366, 1200).await.expect("size");
    b.goto("/console").await;
    b.select(&format!("button.case-open[data-case='{no}']"))
        .await;
    b.click("case-materials_received").await;
    b.text_until("#detail-title", |t| t.contains("承办中"))
        .await;
    b.click("case-review").await;
    b.text_until("#detail-title", |t| t.contains("审核中"))
        .await;
    b.click("case-approve").await;
    b.text_until("#detail-title", |t| t.contains("办结（通过）"))
        .await;

    b.goto(&format!("/c/{no}?p={password}")).await;
    b.text_until("#case-stage", |t| t.contains("办结（通过）"))
        .await;
    b.text_until("#case-steps", |t| {
        t.contains("补正告知") && t.contains("补正材料已收") && t.contains("办结（通过）")
    })
    .await;

    // The director: supervision and the report agree.
    b.client.delete_all_cookies().await.expect("sign out");
    b.login("admin", common::ADMIN_PASSWORD).await;
    b.goto("/admin/cases").await;
    b.text_until("#sup-red", |t| t == "1").await;
    b.text_until("#sup-warned tbody", |t| {
        t.contains(&late) && t.contains(&soon)
    })
    .await;
    b.text_until("#rep-cases tbody", |t| t.contains("全厅"))
        .await;
    b.screenshot("admin-cases-supervision").await;
    let (_, sup) = hall
        .get("/api/v1/admin/cases/supervision", Some(&hall.admin))
        .await;
    assert_eq!(
        (sup["overdue"].as_u64(), sup["due_soon"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, rep) = hall
        .get(
            "/api/v1/admin/reports/cases?from=2026-11-01&to=2026-11-30",
            Some(&hall.admin),
        )
        .await;
    let amr = rep["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department"] == "amr" && r["matter_id"] == "*")
        .cloned()
        .unwrap();
    assert_eq!(
        (
            amr["accepted"].as_u64(),
            amr["finished"].as_u64(),
            amr["on_time"].as_u64(),
            amr["overdue"].as_u64()
        ),
        (Some(3), Some(1), Some(1), Some(1))
    );
    b.client.close().await.expect("close");
}
