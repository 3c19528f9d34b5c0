//! Cases (办件) through the real server: acceptance from a called ticket,
//! steps through 补正 and 办结, the citizen's lookup (masked, limited),
//! restart safety, bad input changing nothing, warnings with injected
//! time, supervision and the report's figures.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::StatusCode;
use banli_core::jiff::SignedDuration;
use common::Hall;
use serde_json::{Value, json};

/// Staff at counter 6 (市场监管局, amr) with a ticket called.
async fn at_counter_6(hall: &Hall) -> String {
    let staff = hall.login("staff6", "banli-demo").await;
    hall.issue("business-setup").await;
    let (status, body) = hall
        .post("/api/v1/counters/6/call-next", Some(&staff), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    staff
}

async fn accept(hall: &Hall, staff: &str, matter: &str) -> Value {
    let (status, body) = hall
        .post(
            "/api/v1/counters/6/cases",
            Some(staff),
            json!({"matter_id": matter, "applicant_name": "张三丰", "phone": "13800001111",
                   "id_number": "330108199003071234"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn step(hall: &Hall, staff: &str, no: &str, body: Value) -> (StatusCode, Value) {
    hall.post(&format!("/api/v1/cases/{no}/steps"), Some(staff), body)
        .await
}

async fn progress(hall: &Hall, no: &str, password: &str) -> (StatusCode, Value) {
    hall.get(
        &format!("/api/v1/cases/{no}/progress?password={password}"),
        None,
    )
    .await
}

#[tokio::test]
async fn a_case_goes_from_the_counter_through_correction_to_collection_across_a_restart() {
    let hall = Hall::demo().await;
    let staff = at_counter_6(&hall).await;
    // Tuesday 24 November 2026; LLC registration: committed 1 working day.
    let accepted = accept(&hall, &staff, "llc-registration").await;
    let no = accepted["case"]["case_no"].as_str().unwrap().to_owned();
    let password = accepted["password"].as_str().unwrap().to_owned();
    assert_eq!(no, "330108202611240001");
    assert_eq!(password.len(), 6);
    assert_eq!(accepted["case"]["due"]["due_on"], "2026-11-25");
    assert_eq!(accepted["case"]["legal_due_on"], "2026-11-27");
    assert_eq!(accepted["case"]["ticket_number"], "A001");
    assert_eq!(accepted["case"]["id_number_masked"], "330***********1234");
    assert_eq!(
        accepted["progress_path"],
        format!("/c/{no}?p={password}").as_str()
    );
    // The ID number is nowhere in the database in clear.
    let db = std::fs::read(hall.dir.path().join("banli.db")).unwrap_or_default();
    let wal = std::fs::read(hall.dir.path().join("banli.db-wal")).unwrap_or_default();
    let needle = b"330108199003071234";
    assert!(!db.windows(needle.len()).any(|w| w == needle));
    assert!(!wal.windows(needle.len()).any(|w| w == needle));

    let (s, b) = step(&hall, &staff, &no, json!({"action": "undertake"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = step(
        &hall,
        &staff,
        &no,
        json!({"action": "request_correction", "materials": ["股东会决议", "住所使用证明"],
               "note": "一次性告知"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["paused"], "correction");
    assert_eq!(b["due"]["remaining_days"], 1);

    // The citizen sees the missing materials and a masked name, nothing else personal.
    let (s, p) = progress(&hall, &no, &password).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["applicant_masked"], "张**");
    assert_eq!(
        p["missing_materials"],
        json!(["股东会决议", "住所使用证明"])
    );
    let text = p.to_string();
    for secret in ["13800001111", "张三丰", "1234", "staff6", "一次性告知"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    let (s, wrong) = progress(&hall, &no, "000000").await;
    assert_eq!(
        (s, wrong["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_case"))
    );
    let (s, unknown) = progress(&hall, "330108209901010001", &password).await;
    assert_eq!((s, &unknown), (StatusCode::NOT_FOUND, &wrong));

    // Thursday: the materials arrive after a restart; the clock restarts Friday.
    hall.clock.advance(SignedDuration::from_hours(48));
    let hall = hall.restart().await;
    let staff = hall.login("staff6", "banli-demo").await;
    let (s, b) = step(&hall, &staff, &no, json!({"action": "materials_received"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["due"]["due_on"], "2026-11-27");
    step(&hall, &staff, &no, json!({"action": "review"})).await;
    let (s, b) = step(
        &hall,
        &staff,
        &no,
        json!({"action": "decide", "approved": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["stage"], "approved");
    let (s, b) = step(&hall, &staff, &no, json!({"action": "pick_up"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["stage"], "picked_up");
    let statuses: Vec<_> = b["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["gb_code"].clone())
        .collect();
    assert_eq!(
        statuses,
        vec![
            json!(3),
            json!(8),
            json!(6),
            json!(7),
            json!(8),
            json!(11),
            Value::Null
        ]
    );
    // Ended: still found by the citizen, and closed to further steps.
    let (s, p) = progress(&hall, &no, &password).await;
    assert_eq!(
        (s, p["stage_zh"].as_str()),
        (StatusCode::OK, Some("已取件"))
    );
    let (s, b) = step(&hall, &staff, &no, json!({"action": "undertake"})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("case_closed"))
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let hall = Hall::demo().await;
    let staff = hall.login("staff6", "banli-demo").await;
    // No ticket served at the counter yet.
    let (s, b) = hall
        .post(
            "/api/v1/counters/6/cases",
            Some(&staff),
            json!({"matter_id": "llc-registration", "applicant_name": "李四"}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("no_current_ticket"))
    );
    assert!(b["message_zh"].as_str().is_some_and(|m| !m.is_empty()));
    let staff = at_counter_6(&hall).await;
    for (body, status, code) in [
        (
            json!({"matter_id": "no-such-matter", "applicant_name": "李四"}),
            StatusCode::NOT_FOUND,
            "unknown_matter",
        ),
        (
            json!({"matter_id": "llc-registration", "applicant_name": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_case_field",
        ),
        (
            json!({"matter_id": "llc-registration", "applicant_name": "李四", "phone": "call me"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_case_field",
        ),
    ] {
        let (s, b) = hall
            .post("/api/v1/counters/6/cases", Some(&staff), body)
            .await;
        assert_eq!((s, b["code"].as_str()), (status, Some(code)), "{b}");
    }
    let (_, list) = hall.get("/api/v1/cases", Some(&staff)).await;
    assert_eq!(list["cases"], json!([]), "nothing was accepted");

    let no = accept(&hall, &staff, "llc-registration").await["case"]["case_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, before) = hall.get(&format!("/api/v1/cases/{no}"), Some(&staff)).await;
    for (body, code) in [
        (json!({"action": "review"}), "stage_out_of_order"),
        (
            json!({"action": "decide", "approved": true}),
            "stage_out_of_order",
        ),
        (json!({"action": "materials_received"}), "case_not_paused"),
        (json!({"action": "pick_up"}), "stage_out_of_order"),
    ] {
        let (s, b) = step(&hall, &staff, &no, body).await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::CONFLICT, Some(code)),
            "{b}"
        );
    }
    let (s, b) = step(
        &hall,
        &staff,
        &no,
        json!({"action": "start_special", "procedure": "", "limit_days": 5}),
    )
    .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_case_field"))
    );
    let (_, after) = hall.get(&format!("/api/v1/cases/{no}"), Some(&staff)).await;
    assert_eq!(before, after, "refused steps changed nothing");

    // Another department's clerk neither sees nor moves it.
    let tax = hall.login("staff7", "banli-demo").await;
    let (s, _) = hall.get(&format!("/api/v1/cases/{no}"), Some(&tax)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = step(&hall, &tax, &no, json!({"action": "undertake"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, list) = hall.get("/api/v1/cases", Some(&tax)).await;
    assert_eq!(list["cases"], json!([]));
    // A deadline on a closed case: decided, then a special procedure.
    step(&hall, &staff, &no, json!({"action": "undertake"})).await;
    step(&hall, &staff, &no, json!({"action": "review"})).await;
    step(
        &hall,
        &staff,
        &no,
        json!({"action": "decide", "approved": false}),
    )
    .await;
    let (s, b) = step(
        &hall,
        &staff,
        &no,
        json!({"action": "start_special", "procedure": "专家评审", "limit_days": 5}),
    )
    .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("case_closed"))
    );
}

#[tokio::test]
async fn a_retried_acceptance_returns_the_same_case() {
    let hall = Hall::demo().await;
    let staff = at_counter_6(&hall).await;
    let send = || async {
        let req = axum::http::Request::post("/api/v1/counters/6/cases")
            .header("authorization", format!("Bearer {staff}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "tap-1")
            .body(axum::body::Body::from(
                json!({"matter_id": "llc-registration", "applicant_name": "王五"}).to_string(),
            ))
            .unwrap();
        hall.send(req).await
    };
    let (s1, a) = send().await;
    let (s2, b) = send().await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(a["case"]["case_no"], b["case"]["case_no"]);
    assert_eq!(b["replayed"], true);
    let (_, list) = hall.get("/api/v1/cases", Some(&staff)).await;
    assert_eq!(list["cases"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn warnings_follow_the_injected_clock_in_the_worklist_and_supervision() {
    let mut hall = Hall::demo().await;
    let staff = at_counter_6(&hall).await;
    // Tuesday 24th: one due Wednesday (committed 1 day), one stopped by 补正.
    let a = accept(&hall, &staff, "llc-registration").await;
    let b = accept(&hall, &staff, "business-license-change").await;
    let a_no = a["case"]["case_no"].as_str().unwrap().to_owned();
    let b_no = b["case"]["case_no"].as_str().unwrap().to_owned();
    step(
        &hall,
        &staff,
        &b_no,
        json!({"action": "request_correction", "materials": ["章程修正案"]}),
    )
    .await;
    let (_, list) = hall.get("/api/v1/cases", Some(&staff)).await;
    let order: Vec<_> = list["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_no"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        order,
        vec![a_no.clone(), b_no.clone()],
        "dated first, paused after"
    );
    // Due tomorrow: yellow already.
    assert_eq!(list["cases"][0]["due"]["warning"], "yellow");
    assert_eq!(list["cases"][0]["due"]["state"], "due_soon");
    let (_, sup) = hall
        .get("/api/v1/admin/cases/supervision", Some(&hall.admin))
        .await;
    assert_eq!(
        (
            sup["open"].as_u64(),
            sup["due_soon"].as_u64(),
            sup["overdue"].as_u64()
        ),
        (Some(2), Some(1), Some(0))
    );
    // Thursday: overdue, red.
    hall.clock.advance(SignedDuration::from_hours(48));
    let staff = hall.login("staff6", "banli-demo").await;
    hall.admin_again().await;
    let (_, list) = hall.get("/api/v1/cases", Some(&staff)).await;
    assert_eq!(list["cases"][0]["due"]["warning"], "red");
    let (_, sup) = hall
        .get("/api/v1/admin/cases/supervision", Some(&hall.admin))
        .await;
    assert_eq!(sup["overdue"], 1);
    let amr = sup["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department"] == "amr")
        .unwrap();
    assert_eq!(
        (
            amr["open"].as_u64(),
            amr["paused"].as_u64(),
            amr["overdue"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(amr["warned"][0]["case_no"], a_no.as_str());
    // Staff do not see supervision.
    let (s, _) = hall
        .get("/api/v1/admin/cases/supervision", Some(&staff))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_report_counts_on_the_spot_on_time_and_overdue() {
    let mut hall = Hall::demo().await;
    let staff = at_counter_6(&hall).await;
    // 1. 即办: decided at once.
    let spot = accept(&hall, &staff, "individual-business-registration").await;
    let spot_no = spot["case"]["case_no"].as_str().unwrap().to_owned();
    let (s, b) = step(
        &hall,
        &staff,
        &spot_no,
        json!({"action": "decide", "approved": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // 2. Committed 1 day, decided Wednesday: on time, 1 working day.
    let on_time = accept(&hall, &staff, "llc-registration").await;
    // 3. Committed 1 day, decided Friday: late, 3 working days.
    let late = accept(&hall, &staff, "business-license-change").await;
    // 4. Withdrawn.
    let gone = accept(&hall, &staff, "llc-registration").await;
    let no = |v: &Value| v["case"]["case_no"].as_str().unwrap().to_owned();
    step(&hall, &staff, &no(&gone), json!({"action": "withdraw"})).await;
    hall.clock.advance(SignedDuration::from_hours(24));
    let staff = hall.login("staff6", "banli-demo").await;
    for c in [&on_time] {
        for body in [
            json!({"action": "undertake"}),
            json!({"action": "review"}),
            json!({"action": "decide", "approved": true}),
        ] {
            let (s, b) = step(&hall, &staff, &no(c), body).await;
            assert_eq!(s, StatusCode::OK, "{b}");
        }
    }
    hall.clock.advance(SignedDuration::from_hours(48));
    let staff = hall.login("staff6", "banli-demo").await;
    hall.admin_again().await;
    for body in [
        json!({"action": "undertake"}),
        json!({"action": "review"}),
        json!({"action": "decide", "approved": true}),
    ] {
        let (s, b) = step(&hall, &staff, &no(&late), body).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let (s, r) = hall
        .get(
            "/api/v1/admin/reports/cases?from=2026-11-01&to=2026-11-30",
            Some(&hall.admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let rows = r["rows"].as_array().unwrap();
    let total = rows
        .iter()
        .find(|r| r["department"] == "amr" && r["matter_id"] == "*")
        .unwrap();
    assert_eq!(total["month"], "2026-11");
    assert_eq!(total["accepted"], 4);
    assert_eq!(total["finished"], 3);
    assert_eq!(total["on_the_spot"], 1);
    assert_eq!(total["on_time"], 2);
    assert_eq!(total["overdue"], 1);
    assert_eq!(total["not_accepted_or_withdrawn"], 1);
    // (0 + 1 + 3) / 3 working days.
    let avg = total["avg_working_days"].as_f64().unwrap();
    assert!((avg - 4.0 / 3.0).abs() < 1e-9, "{avg}");
    let llc = rows
        .iter()
        .find(|r| r["matter_id"] == "llc-registration")
        .unwrap();
    assert_eq!(
        (
            llc["accepted"].as_u64(),
            llc["finished"].as_u64(),
            llc["committed_limit_days"].as_f64(),
            llc["legal_limit_days"].as_f64()
        ),
        (Some(2), Some(1), Some(1.0), Some(3.0))
    );
    let hall_total = rows.last().unwrap();
    assert_eq!(hall_total["department"], "*");
    assert_eq!(hall_total["accepted"], 4);
    // CSV: the same figures.
    let req = axum::http::Request::get(
        "/api/v1/admin/reports/cases?from=2026-11-01&to=2026-11-30&format=csv",
    )
    .header("authorization", format!("Bearer {}", hall.admin))
    .body(axum::body::Body::empty())
    .unwrap();
    let (s, csv) = hall.send(req).await;
    assert_eq!(s, StatusCode::OK);
    let csv = csv.as_str().unwrap().to_owned();
    assert!(
        csv.starts_with(
            "\u{feff}month,department,department_zh,matter_id,matter,accepted,finished,on_the_spot"
        ),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("2026-11,amr,区市场监督管理局,*,合计,4,3,1,0.33,2,0.67,1.33,")),
        "{csv}"
    );
}

#[tokio::test]
async fn wrong_passwords_are_limited_per_case() {
    let hall = Hall::demo().await;
    let staff = at_counter_6(&hall).await;
    let a = accept(&hall, &staff, "llc-registration").await;
    let no = a["case"]["case_no"].as_str().unwrap().to_owned();
    let password = a["password"].as_str().unwrap().to_owned();
    let wrong = if password == "111111" {
        "222222"
    } else {
        "111111"
    };
    for _ in 0..5 {
        let (s, _) = progress(&hall, &no, wrong).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, b) = progress(&hall, &no, &password).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_lookups"))
    );
    // Ten minutes later one more try is allowed.
    hall.clock.advance(SignedDuration::from_mins(11));
    let (s, _) = progress(&hall, &no, &password).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn the_case_routes_are_in_the_openapi_document() {
    let hall = Hall::demo().await;
    let (_, doc) = hall.get("/api/openapi.json", None).await;
    for path in [
        "/api/v1/counters/{id}/cases",
        "/api/v1/cases",
        "/api/v1/cases/{case_no}",
        "/api/v1/cases/{case_no}/steps",
        "/api/v1/cases/{case_no}/progress",
        "/api/v1/admin/cases/supervision",
        "/api/v1/admin/reports/cases",
        "/api/v1/admin/cases/export",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
}

async fn page(hall: &Hall, uri: &str, session: Option<&str>) -> (StatusCode, String) {
    let mut b = axum::http::Request::get(uri).header("host", "hall.example:8080");
    if let Some(token) = session {
        b = b.header("cookie", format!("banli_session={token}"));
    }
    let (status, body) = hall.send(b.body(axum::body::Body::empty()).unwrap()).await;
    (
        status,
        body.as_str()
            .map(ToOwned::to_owned)
            .unwrap_or_else(|| body.to_string()),
    )
}

#[tokio::test]
async fn the_receipt_and_the_phone_page_show_what_each_reader_may_see() {
    let hall = Hall::demo().await;
    let staff = at_counter_6(&hall).await;
    let a = accept(&hall, &staff, "llc-registration").await;
    let no = a["case"]["case_no"].as_str().unwrap().to_owned();
    let password = a["password"].as_str().unwrap().to_owned();

    // The receipt: number, password, matter, committed date, QR of the progress URL.
    let (s, html) = page(
        &hall,
        &format!("/console/cases/{no}/receipt?paper=receipt"),
        Some(&staff),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    for needle in [
        no.as_str(),
        password.as_str(),
        "有限责任公司设立登记",
        "2026年11月25日",
        "承诺 1 个工作日",
        "<svg",
        "paper-receipt",
        "330***********1234",
    ] {
        assert!(html.contains(needle), "{needle} missing from the receipt");
    }
    assert!(!html.contains("330108199003071234"));
    // Without a session the receipt is not shown.
    let (s, _) = page(&hall, &format!("/console/cases/{no}/receipt"), None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, css) = page(&hall, "/static/cases.css", None).await;
    assert!(css.contains("@page a5") && css.contains("size: A5"));

    step(
        &hall,
        &staff,
        &no,
        json!({"action": "request_correction", "materials": ["股东会决议"]}),
    )
    .await;
    let (s, html) = page(&hall, &format!("/c/{no}?p={password}"), None).await;
    assert_eq!(s, StatusCode::OK);
    for needle in [
        "张**",
        "股东会决议",
        "待补正材料",
        "Waiting for missing materials",
        no.as_str(),
    ] {
        assert!(
            html.contains(needle),
            "{needle} missing from the progress page"
        );
    }
    for secret in ["张三丰", "13800001111", "1234", "staff6"] {
        assert!(!html.contains(secret), "{secret} leaked");
    }
    let (s, html) = page(&hall, &format!("/c/{no}?p=999999"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("未查到办件") && !html.contains("张"));
}

#[tokio::test]
async fn a_special_procedure_warns_against_its_own_limit() {
    let mut hall = Hall::demo().await;
    let staff = at_counter_6(&hall).await;
    let no = accept(&hall, &staff, "food-business-license").await["case"]["case_no"]
        .as_str()
        .unwrap()
        .to_owned();
    step(&hall, &staff, &no, json!({"action": "undertake"})).await;
    // Tuesday 24th, 3 working days of expert review: ends Friday 27th.
    let (s, b) = step(
        &hall,
        &staff,
        &no,
        json!({"action": "start_special", "procedure": "专家评审", "limit_days": 3}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["paused"], "special");
    assert_eq!(b["special_due_on"], "2026-11-27");
    assert_eq!(b["due"]["due_on"], Value::Null);
    assert_eq!(b["due"]["warning"], Value::Null);
    // Monday 30th: the review ran past its own limit.
    hall.clock.advance(SignedDuration::from_hours(24 * 6));
    let staff = hall.login("staff6", "banli-demo").await;
    hall.admin_again().await;
    let (_, list) = hall.get("/api/v1/cases", Some(&staff)).await;
    assert_eq!(list["cases"][0]["due"]["warning"], "red");
    let (_, sup) = hall
        .get("/api/v1/admin/cases/supervision", Some(&hall.admin))
        .await;
    assert_eq!(sup["overdue"], 1);
    // It ends: the committed clock runs again with all 5 days (the review
    // began on the day of acceptance, before any day counted), from
    // Tuesday 1 December: 1, 2, 3, 4, 7.
    let (s, b) = step(&hall, &staff, &no, json!({"action": "end_special"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["due"]["due_on"], "2026-12-07");
    assert_eq!(b["due"]["warning"], Value::Null);
}

#[tokio::test]
async fn the_export_carries_the_national_codes() {
    let hall = Hall::demo().await;
    let staff = at_counter_6(&hall).await;
    let spot = accept(&hall, &staff, "individual-business-registration").await;
    let spot_no = spot["case"]["case_no"].as_str().unwrap().to_owned();
    step(
        &hall,
        &staff,
        &spot_no,
        json!({"action": "decide", "approved": true}),
    )
    .await;
    let promised = accept(&hall, &staff, "llc-registration").await;
    let no = promised["case"]["case_no"].as_str().unwrap().to_owned();
    step(
        &hall,
        &staff,
        &no,
        json!({"action": "request_correction", "materials": ["章程"], "result": "return"}),
    )
    .await;
    let req = axum::http::Request::get("/api/v1/admin/cases/export?from=2026-11-01&to=2026-11-30")
        .header("authorization", format!("Bearer {}", hall.admin))
        .body(axum::body::Body::empty())
        .unwrap();
    let (s, csv) = hall.send(req).await;
    assert_eq!(s, StatusCode::OK);
    let csv = csv.as_str().unwrap().to_owned();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].contains("region_code,case_no,matter_id,matter_name,matter_type_code"),
        "{csv}"
    );
    // 即办件 (1): accepted (3), decided approved (11).
    let spot_lines: Vec<_> = lines.iter().filter(|l| l.contains(&spot_no)).collect();
    assert_eq!(spot_lines.len(), 2, "{csv}");
    assert!(
        spot_lines[0].starts_with("330108,")
            && spot_lines[0].contains(",个体工商户设立登记,1,amr,"),
        "{csv}"
    );
    assert!(spot_lines[0].contains(",3,受理,1,staff6"), "{csv}");
    assert!(spot_lines[1].contains(",11,办结（通过）,1,staff6"), "{csv}");
    // 承诺件 (2): 补正 starts (6) with the result 退回 (2).
    let promised_lines: Vec<_> = lines.iter().filter(|l| l.contains(&no)).collect();
    assert!(promised_lines[0].contains(",2,amr,"), "{csv}");
    assert!(promised_lines[1].contains(",6,补正告知,2,staff6"), "{csv}");
    let (s, _) = hall.get("/api/v1/admin/cases/export", Some(&staff)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
