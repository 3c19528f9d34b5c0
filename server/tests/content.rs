//! The hall's content around the queue: the service guide (public),
//! notices on the boards, and devices reporting their state.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::StatusCode;
use common::Hall;
use serde_json::{Value, json};

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn the_guide_is_public_and_admins_edit_it_with_validation() {
    let hall = Hall::demo().await;
    let (s, guide) = hall.get("/api/v1/guide", None).await;
    assert_eq!(s, StatusCode::OK, "the guide needs no token");
    let items = guide["items"].as_array().expect("items");
    assert!(items.len() >= 15, "the demo hall has a realistic guide");
    assert!(
        items.iter().any(|i| i["on_the_spot"] == true),
        "some items are 即办"
    );
    assert!(
        items
            .iter()
            .all(|i| i["fee_zh"].as_str().is_some_and(|f| !f.is_empty())),
        "every item discloses its fee"
    );
    // The hall's departments come with it, in hall order, named in both
    // languages, so a kiosk browses departments → items → detail.
    let departments = guide["departments"].as_array().expect("departments");
    let ids: Vec<&str> = departments
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "center",
            "amr",
            "exit-entry",
            "real-estate",
            "hrss",
            "housing-fund",
            "tax"
        ]
    );
    assert_eq!(departments[6]["name_zh"], "国家税务总局滨江区税务局");
    assert!(
        departments
            .iter()
            .all(|d| d["name_en"].as_str().is_some_and(|n| !n.is_empty())),
        "{departments:?}"
    );
    assert!(
        items
            .iter()
            .all(|i| ids.contains(&i["department"].as_str().unwrap_or(""))),
        "every item belongs to a listed department"
    );
    // A department added by an administrator is listed at once.
    let (s, _) = hall
        .put(
            "/api/v1/admin/departments/notary",
            Some(&hall.admin),
            json!({"id": "notary", "name_zh": "公证处", "name_en": "Notary Office"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, guide) = hall.get("/api/v1/guide", None).await;
    assert_eq!(guide["departments"][7]["name_en"], "Notary Office");
    // The body is exactly the shared wire type the kiosk reads.
    let typed: banli_core::guide::GuideView =
        serde_json::from_value(guide).expect("GET /guide is a GuideView");
    assert_eq!(typed.departments.len(), 8);

    let item = json!({
        "id": "notary-copy",
        "department": "center",
        "name_zh": "公证书副本",
        "name_en": "Copy of a notarial certificate",
        "materials": [{"name_zh": "居民身份证", "originals": 1}],
        "fee_zh": "每份 20 元",
        "legal_limit_days": 15,
        "committed_limit_days": 3,
    });
    let (s, _) = hall
        .put(
            "/api/v1/admin/guide/notary-copy",
            Some(&hall.admin),
            item.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, guide) = hall.get("/api/v1/guide", None).await;
    assert_eq!(
        guide["items"]
            .as_array()
            .expect("items")
            .last()
            .expect("last")["id"],
        "notary-copy"
    );

    let mut bad = item.clone();
    bad["department"] = json!("nowhere");
    bad["committed_limit_days"] = json!(30);
    let (s, body) = hall
        .put("/api/v1/admin/guide/notary-copy", Some(&hall.admin), bad)
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_guide")
    );
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"items[0].department")
            && fields.contains(&"items[0].committed_limit_days"),
        "{fields:?}"
    );

    let staff = hall
        .login("staff1", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let (s, _) = hall
        .put("/api/v1/admin/guide/notary-copy", Some(&staff), item)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = hall
        .call(
            "DELETE",
            "/api/v1/admin/guide/notary-copy",
            Some(&hall.admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = hall
        .call(
            "DELETE",
            "/api/v1/admin/guide/notary-copy",
            Some(&hall.admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notices_reach_the_boards_snapshot_at_once() {
    let hall = Hall::demo().await;
    let (_, snap) = hall.get("/api/v1/hall", Some(&hall.board)).await;
    assert!(
        snap["notices"].as_array().expect("notices").len() >= 3,
        "the demo hall has notices"
    );
    let notices = json!([{"text_zh": "今日下午 16:00 起系统维护，请提前取号。", "text_en": "Maintenance from 16:00 today."}]);
    let (s, _) = hall
        .put("/api/v1/admin/notices", Some(&hall.admin), notices)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, snap) = hall.get("/api/v1/hall", Some(&hall.board)).await;
    assert_eq!(
        snap["notices"][0]["text_zh"],
        "今日下午 16:00 起系统维护，请提前取号。"
    );
    let (s, body) = hall
        .put(
            "/api/v1/admin/notices",
            Some(&hall.admin),
            json!([{"text_zh": "  "}]),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_config")
    );
}

#[tokio::test]
async fn a_kiosk_reports_its_printer_and_failed_prints_reach_staff() {
    let hall = Hall::demo().await;
    let t = hall.issue("tax").await;
    let report = json!({
        "printer": {"state": "paper_out", "message": "打印机缺纸 / Printer out of paper"},
        "failed_print": {"ticket_id": t["id"], "number": t["number"], "reason": "paper out"},
        "version": "0.1.0",
    });
    let (s, _) = hall
        .post("/api/v1/devices/status", Some(&hall.kiosk), report)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, devices) = hall.get("/api/v1/admin/devices", Some(&hall.admin)).await;
    let kiosk = devices
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["name"] == "demo-kiosk")
        .cloned()
        .expect("kiosk");
    assert_eq!(kiosk["status"]["printer"]["state"], "paper_out");
    assert!(kiosk["last_seen_ms"].as_i64().is_some());
    assert_eq!(kiosk["online"], false, "no event stream open");
    let (_, audit) = hall.get("/api/v1/admin/audit", Some(&hall.admin)).await;
    assert!(
        audit
            .as_array()
            .expect("list")
            .iter()
            .any(|e| e["action"] == "print_failed" && e["target"] == "F001"),
        "the failed print is on record for staff: {audit}"
    );
    // Staff cannot pose as a device; the ticket is still valid.
    let (s, _) = hall
        .post("/api/v1/devices/status", Some(&hall.admin), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = hall
        .get(&format!("/api/v1/tickets/{}", t["id"]), Some(&hall.admin))
        .await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("waiting")));
}

#[tokio::test]
async fn a_report_matches_the_tickets_made() {
    use banli_core::jiff::SignedDuration;
    let mut hall = Hall::demo().await; // Tuesday 10:00
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let mins = |m| hall.clock.advance(SignedDuration::from_mins(m));
    // Four tax tickets at 10:00; calls after 5, 10, 20 and 30 minutes.
    for _ in 0..4 {
        hall.issue("tax").await;
    }
    let call = || hall.post("/api/v1/counters/8/call-next", Some(&staff), json!({}));
    mins(5);
    call().await; // F001 waited 5 min
    mins(5);
    call().await; // F001 finished after 5 min; F002 waited 10
    mins(10);
    let (s, _) = hall
        .post("/api/v1/counters/8/no-show", Some(&staff), json!({}))
        .await; // F002 no-show
    assert_eq!(s, StatusCode::OK);
    // Counter 8 auto-calls F003 on the no-show (waited 20); finish at +4.
    mins(4);
    hall.post("/api/v1/counters/8/finish", Some(&staff), json!({}))
        .await; // auto-calls F004 (waited 24)
    mins(60); // 11:24: one more arrival in the 11 o'clock hour
    hall.issue("housing-fund").await;
    // Idle for over half an hour, the administrator signs in again.
    hall.admin_again().await;

    let (s, r) = hall
        .get("/api/v1/admin/reports?from=2026-11-24", Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (
            r["total"]["tickets"].as_u64(),
            r["total"]["served"].as_u64(),
            r["total"]["no_shows"].as_u64()
        ),
        (Some(5), Some(2), Some(1))
    );
    let tax = r["by_service"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|x| x["key"] == "tax")
        .cloned()
        .expect("tax");
    // Waits 5, 10, 20, 24 minutes: average 14.75 min, p90 24 min.
    assert_eq!(tax["avg_wait_secs"].as_f64(), Some(885.0));
    assert_eq!(tax["p90_wait_secs"].as_f64(), Some(1440.0));
    // Handle times 5 and 4 minutes.
    assert_eq!(tax["avg_handle_secs"].as_f64(), Some(270.0));
    assert!((tax["no_show_rate"].as_f64().expect("rate") - 1.0 / 3.0).abs() < 1e-9);
    // The live accuracy of the waits shown at issue: nobody was staffed at
    // 10:00, so the two counters configured for tax counted, 8 minutes a
    // citizen: F001..F004 were told 4, 8, 12 and 16 minutes and waited 5,
    // 10, 20 and 24. Errors 1, 2, 8, 8 minutes: a mean of 4.75 min (285 s),
    // half within ±5 min, leaning short by 4.75 min.
    assert_eq!(tax["estimate_mae_secs"].as_f64(), Some(285.0));
    assert_eq!(tax["estimate_within_5min"].as_f64(), Some(0.5));
    assert_eq!(tax["estimate_bias_secs"].as_f64(), Some(-285.0));
    let staff_row = r["by_staff"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|x| x["key"] == "staff8")
        .cloned()
        .expect("staff8");
    assert_eq!(staff_row["served"], 2);
    let hours = r["by_hour"].as_array().expect("hours");
    assert_eq!(
        (
            hours[10]["arrivals"].as_u64(),
            hours[11]["arrivals"].as_u64()
        ),
        (Some(4), Some(1)),
        "local hours"
    );

    let (s, csv) = hall
        .get(
            "/api/v1/admin/reports?from=2026-11-24&to=2026-11-24&format=csv",
            Some(&hall.admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let csv = csv.as_str().expect("csv text");
    assert!(
        csv.contains("service,tax,4,2,1,0,0,885.0,1440.0,270.0,0.333"),
        "{csv}"
    );
    let (s, body) = hall
        .get(
            "/api/v1/admin/reports?from=2026-11-30&to=2026-11-24",
            Some(&hall.admin),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_range")
    );
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let (s, _) = hall.get("/api/v1/admin/reports", Some(&staff)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The next morning Tuesday is over: a report over both days sums
    // Tuesday from its tickets once and keeps its figures; Wednesday is
    // summed live. The figures are the same whichever way they are read,
    // after a restart too.
    let tuesday = r;
    hall.clock.advance(SignedDuration::from_hours(22)); // Wednesday 09:24
    hall.issue("tax").await;
    hall.admin_again().await;
    let both = "/api/v1/admin/reports?from=2026-11-24&to=2026-11-25";
    let (s, first) = hall.get(both, Some(&hall.admin)).await;
    assert_eq!(s, StatusCode::OK);
    let db = rusqlite::Connection::open(hall.dir.path().join("banli.db")).expect("db");
    let kept: Vec<String> = db
        .prepare("SELECT business_day FROM report_days")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        kept,
        vec!["2026-11-24".to_owned()],
        "Tuesday kept, today not"
    );
    assert_eq!(first["total"]["tickets"], 6);
    assert_eq!(
        first["by_service"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|x| x["key"] == "tax")
            .map(|x| (x["tickets"].clone(), x["p90_wait_secs"].clone())),
        Some((json!(5), json!(1440.0)))
    );
    // Tuesday read back from its summary: the roll-over expired the two
    // tickets still open, the rest is as it was.
    let (s, kept_tuesday) = hall
        .get("/api/v1/admin/reports?from=2026-11-24", Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(kept_tuesday["total"]["expired"], 2);
    assert_eq!(kept_tuesday["total"]["served"], tuesday["total"]["served"]);
    assert_eq!(kept_tuesday["by_hour"], tuesday["by_hour"]);
    // The summaries are derived data: without them, the same figures.
    db.execute("DELETE FROM report_days", []).expect("delete");
    let (s, summed) = hall
        .get("/api/v1/admin/reports?from=2026-11-24", Some(&hall.admin))
        .await;
    assert_eq!((s, &summed), (StatusCode::OK, &kept_tuesday));
    let mut hall = hall.restart().await;
    hall.admin_again().await;
    let (s, after) = hall.get(both, Some(&hall.admin)).await;
    assert_eq!((s, &after), (StatusCode::OK, &first));
}

#[tokio::test]
async fn the_ticket_qr_code_leads_to_a_public_progress_page() {
    let hall = Hall::demo().await;
    hall.issue("tax").await;
    let t = hall.issue("tax").await;
    let page = |uri: String| {
        let state = hall.state.clone();
        async move {
            let req = axum::http::Request::get(uri)
                .body(axum::body::Body::empty())
                .expect("request");
            let resp = tower::ServiceExt::oneshot(banli_server::app(state), req)
                .await
                .expect("infallible");
            let status = resp.status();
            let csp = resp.headers().get("content-security-policy").is_some();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .expect("body");
            (status, csp, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let (s, csp, html) = page(format!(
        "/t/{}?code={}",
        t["id"],
        t["query_code"].as_str().unwrap_or("")
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(csp, "pages carry a Content-Security-Policy");
    assert!(
        html.contains("F002") && html.contains("前面还有 1 人") && html.contains("1 ahead of you"),
        "{html}"
    );
    let (s, _, html) = page(format!("/t/{}?code=000000x", t["id"])).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("查无此号"));
}
