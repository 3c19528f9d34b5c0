//! 好差评 through the real server (SQLite file, engine task, router):
//! rating by phone with the ticket's code and by the counter's pad, one
//! rating per ticket under a double tap, refusals in Chinese and English,
//! complaints logged by staff, follow-ups with working-day deadlines across
//! a weekend and through a restart, appeals, the report, the clerk's own
//! figures and the GB/T 39046 CSV.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use banli_core::jiff::{SignedDuration, Timestamp};
use common::Hall;
use serde_json::{Value, json};

/// Takes a tax ticket, has counter 8 call and finish it; the ticket.
async fn served(hall: &Hall, staff8: &str) -> Value {
    let t = hall.issue("tax").await;
    let (s, b) = hall
        .post("/api/v1/counters/8/call-next", Some(staff8), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = hall
        .post("/api/v1/counters/8/finish", Some(staff8), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    t
}

async fn rate(
    hall: &Hall,
    token: Option<&str>,
    key: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut b = Request::post("/api/v1/ratings").header("content-type", "application/json");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    hall.send(b.body(Body::from(body.to_string())).expect("request"))
        .await
}

fn rating(t: &Value, level: &str, reasons: &[&str]) -> Value {
    json!({
        "ticket_id": t["id"],
        "code": t["query_code"],
        "level": level,
        "reasons": reasons,
    })
}

async fn staff(hall: &Hall, user: &str) -> String {
    hall.login(user, banli_server::DEMO_STAFF_PASSWORD).await
}

#[tokio::test]
async fn a_phone_rates_a_finished_ticket_once_even_under_a_double_tap() {
    let hall = Hall::demo().await;
    let staff8 = staff(&hall, "staff8").await;
    let t = hall.issue("tax").await;

    // Not served yet: refused, in Chinese and English.
    let (s, b) = rate(&hall, None, Some("k1"), rating(&t, "satisfied", &[])).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["code"], "rating_not_finished");
    assert!(
        b["message_zh"].as_str().unwrap().contains("尚未办结"),
        "{b}"
    );
    assert!(
        b["message"].as_str().unwrap().contains("not been served"),
        "{b}"
    );

    hall.post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
        .await;
    hall.post("/api/v1/counters/8/finish", Some(&staff8), json!({}))
        .await;

    // A wrong code learns nothing.
    let mut wrong = rating(&t, "satisfied", &[]);
    wrong["code"] = json!("000000");
    let (s, b) = rate(&hall, None, Some("k1"), wrong).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("rating_wrong_code"))
    );

    // Staff never rate.
    let (s, _) = rate(
        &hall,
        Some(&staff8),
        None,
        rating(&t, "very_satisfied", &[]),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The citizen taps twice at once: one rating, the same answer twice.
    let body = rating(&t, "satisfied", &[]);
    let (a, b) = tokio::join!(
        rate(&hall, None, Some("tap-1"), body.clone()),
        rate(&hall, None, Some("tap-1"), body.clone()),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CREATED],
        "{a:?} {b:?}"
    );
    assert_eq!(a.1["id"], b.1["id"]);
    assert_eq!(a.1["message_zh"], "感谢您的评价！");
    // Another tap with a new key, or another level: refused.
    let (s, b) = rate(
        &hall,
        None,
        Some("tap-2"),
        rating(&t, "very_satisfied", &[]),
    )
    .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_rated"))
    );
    assert!(b["message_zh"].as_str().unwrap().contains("不可更改"));

    let (s, report) = hall
        .get("/api/v1/admin/reports/ratings", Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["total"]["total"], 1);
    assert_eq!(report["total"]["levels"]["satisfied"], 1);
    assert_eq!(report["total"]["satisfaction_rate"], 1.0);
    let c8 = &report["by_counter"][0];
    assert_eq!((&c8["key"], &c8["total"]), (&json!("8"), &json!(1)));
    assert_eq!(report["by_staff"][0]["key"], "staff8");
    assert_eq!(report["by_department"][0]["key"], "tax");
    assert_eq!(report["by_service"][0]["key"], "tax");
    assert_eq!(report["by_month"][0]["key"], "2026-11");
}

#[tokio::test]
async fn a_bad_rating_on_friday_is_due_for_call_back_on_monday_and_survives_a_restart() {
    let hall = Hall::demo().await;
    // Friday 27 November 2026, 16:00 in Shanghai.
    let friday: Timestamp = "2026-11-27T16:00:00+08:00".parse().unwrap();
    hall.clock.set(friday);
    let staff8 = staff(&hall, "staff8").await;
    let t = served(&hall, &staff8).await;

    let (s, b) = rate(&hall, None, Some("k"), rating(&t, "very_dissatisfied", &[])).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("rating_reason_required")
        )
    );
    assert!(b["message_zh"].as_str().unwrap().contains("原因"));
    let (s, b) = rate(
        &hall,
        None,
        Some("k"),
        rating(&t, "very_dissatisfied", &["天气不好"]),
    )
    .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_reason"))
    );
    let (s, b) = rate(
        &hall,
        None,
        Some("k"),
        rating(&t, "very_dissatisfied", &["服务态度不好"]),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let f = b["follow_up_id"].as_u64().expect("a follow-up opened");

    let first_id = b["id"].clone();
    let mut hall = hall.restart().await;
    // The pad's retry after the restart gets the same rating back.
    let (s, again) = rate(
        &hall,
        None,
        Some("k"),
        rating(&t, "very_dissatisfied", &["服务态度不好"]),
    )
    .await;
    assert_eq!(
        (s, &again["id"], &again["replayed"]),
        (StatusCode::OK, &first_id, &json!(true))
    );
    let (s, list) = hall.get("/api/v1/follow-ups", Some(&hall.admin)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let row = &list[0];
    assert_eq!(row["follow_up"]["id"], f);
    assert_eq!(row["follow_up"]["department_id"], "tax");
    assert_eq!(
        row["follow_up"]["callback_due"], "2026-11-30",
        "the Monday after"
    );
    assert_eq!(
        row["follow_up"]["close_due"], "2026-12-18",
        "15 working days"
    );
    assert_eq!(row["about"]["level"], "very_dissatisfied");
    assert_eq!(row["about"]["reasons"], json!(["服务态度不好"]));
    // The rater stays unknown: no ticket, no number.
    assert!(
        !row.to_string().contains(t["number"].as_str().unwrap()),
        "{row}"
    );
    assert_eq!(row["stage"], "open");

    let (_, sum) = hall
        .get("/api/v1/follow-ups/summary", Some(&hall.admin))
        .await;
    assert_eq!((&sum["open"], &sum["overdue"]), (&json!(1), &json!(0)));

    // Nobody acted; the Monday after the close deadline it is overdue.
    hall.clock.set("2026-12-21T09:00:00+08:00".parse().unwrap());
    hall.admin_again().await;
    let (_, sum) = hall
        .get("/api/v1/follow-ups/summary", Some(&hall.admin))
        .await;
    assert_eq!((&sum["open"], &sum["overdue"]), (&json!(1), &json!(1)));
    let (_, list) = hall.get("/api/v1/follow-ups", Some(&hall.admin)).await;
    assert_eq!(list[0]["timeliness"]["close_late"], true);
    let (_, report) = hall
        .get(
            "/api/v1/admin/reports/ratings?from=2026-11-01&to=2026-12-31",
            Some(&hall.admin),
        )
        .await;
    assert_eq!(report["total"]["levels"]["very_dissatisfied"], 1);
    assert_eq!(report["total"]["bad_rate"], 1.0);
    assert_eq!(report["total"]["follow_ups"], 1);
    assert_eq!(report["total"]["follow_ups_late"], 1);
    assert_eq!(
        report["reasons"][0],
        json!({"reason": "服务态度不好", "count": 1})
    );

    // Past the 7-day window nothing can be rated.
    let staff8 = staff(&hall, "staff8").await;
    let old = served(&hall, &staff8).await;
    hall.clock.advance(SignedDuration::from_hours(7 * 24 + 1));
    let (s, b) = rate(&hall, None, None, rating(&old, "satisfied", &[])).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("rating_window_passed"))
    );
    assert!(b["message_zh"].as_str().unwrap().contains("7天"));
}

#[tokio::test]
async fn staff_log_a_telephone_complaint_and_follow_it_up_to_its_close() {
    let hall = Hall::demo().await;
    let staff8 = staff(&hall, "staff8").await;
    let staff1 = staff(&hall, "staff1").await;
    let (s, b) = hall
        .post(
            "/api/v1/complaints",
            Some(&staff8),
            json!({"category": "服务态度", "text": "电话投诉：窗口人员态度生硬", "phone": "138 0013 8000", "counter_id": 8}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let f = b["follow_up_id"].as_u64().unwrap();
    // Bad input changes nothing.
    let (s, b) = hall
        .post(
            "/api/v1/complaints",
            Some(&staff8),
            json!({"category": "乱收费", "text": "x"}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_category"))
    );
    let (s, _) = hall
        .post(
            "/api/v1/complaints",
            None,
            json!({"category": "其他", "text": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Counter 8's clerk sees it, counter 1's does not.
    let (_, mine) = hall.get("/api/v1/follow-ups", Some(&staff8)).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["about"]["phone"], "13800138000");
    assert_eq!(mine[0]["about"]["channel"], "telephone");
    let (_, theirs) = hall.get("/api/v1/follow-ups", Some(&staff1)).await;
    assert_eq!(theirs, json!([]));
    let step = |body: Value| {
        let hall = &hall;
        let token = staff8.clone();
        async move {
            hall.post(&format!("/api/v1/follow-ups/{f}/steps"), Some(&token), body)
                .await
        }
    };
    let (s, b) =
        step(json!({"step": "resolve", "resolution": "rectified", "note": "已批评教育并整改"}))
            .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["stage"], "resolved");
    let (s, b) = step(json!({"step": "close", "note": ""})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("step_not_allowed"))
    );
    assert!(b["message_zh"].as_str().unwrap().contains("回访"), "{b}");
    let (s, b) = step(json!({"step": "appeal", "reason": "恶意投诉"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let (s, b) = step(json!({"step": "callback", "called_at": "2026-11-24T02:30:00Z", "reached": true, "result": "群众表示满意"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["follow_up"]["called_back_on"], "2026-11-24");
    let (s, b) = step(json!({"step": "close", "note": "办结"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["stage"], "closed");
    assert_eq!(b["steps"].as_array().unwrap().len(), 3);
    assert_eq!(b["steps"][0]["actor"], "staff8");
    assert_eq!(
        b["timeliness"],
        json!({"callback_late": false, "close_late": false})
    );
    let (_, sum) = hall
        .get("/api/v1/follow-ups/summary", Some(&hall.admin))
        .await;
    assert_eq!(sum["open"], 0);
}

#[tokio::test]
async fn a_malicious_rating_is_voided_only_by_an_administrator() {
    let hall = Hall::demo().await;
    let staff8 = staff(&hall, "staff8").await;
    let t = served(&hall, &staff8).await;
    let (_, b) = rate(
        &hall,
        None,
        None,
        rating(&t, "dissatisfied", &["等候时间过长"]),
    )
    .await;
    let f = b["follow_up_id"].as_u64().unwrap();
    let path = format!("/api/v1/follow-ups/{f}/steps");
    let (s, b) = hall
        .post(
            &path,
            Some(&staff8),
            json!({"step": "appeal", "reason": "监控显示该群众未办理业务即评价"}),
        )
        .await;
    assert_eq!(
        (s, &b["stage"]),
        (StatusCode::OK, &json!("appealed")),
        "{b}"
    );
    let (s, _) = hall
        .post(
            &path,
            Some(&staff8),
            json!({"step": "decide_appeal", "upheld": true, "note": "自己裁定"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = hall
        .post(
            &path,
            Some(&hall.admin),
            json!({"step": "decide_appeal", "upheld": true, "note": "经核实属恶意差评"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["about"]["void"], true);
    let (_, report) = hall
        .get("/api/v1/admin/reports/ratings", Some(&hall.admin))
        .await;
    assert_eq!(
        (&report["total"]["total"], &report["total"]["void"]),
        (&json!(0), &json!(1))
    );
}

#[tokio::test]
async fn the_pad_rates_its_own_counters_tickets_without_a_code() {
    let hall = Hall::demo().await;
    let (s, pad) = hall
        .post(
            "/api/v1/admin/devices",
            Some(&hall.admin),
            json!({"name": "pad-8", "kind": "pad", "counter_id": 8}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{pad}");
    let pad = pad["token"].as_str().unwrap().to_owned();
    let (s, b) = hall
        .post(
            "/api/v1/admin/devices",
            Some(&hall.admin),
            json!({"name": "pad-x", "kind": "pad"}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_counter"))
    );

    let staff8 = staff(&hall, "staff8").await;
    let t = hall.issue("tax").await;
    hall.post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
        .await;
    let (s, st) = hall.get("/api/v1/pad/state", Some(&pad)).await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["counter_name_zh"], "8号窗口 · 税务");
    assert_eq!(st["serving"], t["number"]);
    assert!(st["clerk"].is_string(), "{st}");
    assert_eq!(st["timeout_secs"], 30);
    let (s, _) = hall
        .post("/api/v1/counters/8/finish", Some(&staff8), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let body = json!({"ticket_id": t["id"], "level": "very_satisfied"});
    let (s, b) = rate(&hall, Some(&pad), Some("pad-1"), body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    // The answer was lost; the pad sends it again: still one rating.
    let (s, b2) = rate(&hall, Some(&pad), Some("pad-1"), body).await;
    assert_eq!((s, &b2["id"]), (StatusCode::OK, &b["id"]));

    // A ticket served at another counter is not the pad's to rate.
    let staff7 = staff(&hall, "staff7").await;
    let t7 = hall.issue("tax").await;
    hall.post("/api/v1/counters/7/call-next", Some(&staff7), json!({}))
        .await;
    hall.post("/api/v1/counters/7/finish", Some(&staff7), json!({}))
        .await;
    let (s, _) = rate(
        &hall,
        Some(&pad),
        None,
        json!({"ticket_id": t7["id"], "level": "satisfied"}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (_, csv) = hall
        .get(
            "/api/v1/admin/reports/ratings?format=csv",
            Some(&hall.admin),
        )
        .await;
    let csv = csv.as_str().unwrap().to_owned();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.contains("评价渠道") && header.contains("满意度") && header.contains("办件编号"),
        "{header}"
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(row[2], "4", "channel 4: the hall's tablet");
    assert_eq!(
        (row[6], row[7]),
        ("1", "非常满意"),
        "GB/T 39046: 1 = 非常满意"
    );
    let (_, csv) = hall
        .get(
            "/api/v1/admin/reports/ratings?format=csv&scheme=ascending",
            Some(&hall.admin),
        )
        .await;
    let row: Vec<String> = csv
        .as_str()
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    assert_eq!(row[6], "5", "ascending: 5 = 非常满意");
}

#[tokio::test]
async fn a_clerk_sees_their_own_figures_and_reasons_never_who_rated() {
    let hall = Hall::demo().await;
    let staff8 = staff(&hall, "staff8").await;
    let a = served(&hall, &staff8).await;
    let b = served(&hall, &staff8).await;
    rate(&hall, None, None, rating(&a, "satisfied", &[])).await;
    rate(
        &hall,
        None,
        None,
        rating(&b, "dissatisfied", &["等候时间过长"]),
    )
    .await;
    let (s, mine) = hall.get("/api/v1/me/ratings", Some(&staff8)).await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine["total"]["total"], 2);
    assert_eq!(mine["total"]["bad_rate"], 0.5);
    assert_eq!(mine["reasons"][0]["reason"], "等候时间过长");
    let text = mine.to_string();
    for t in [&a, &b] {
        assert!(!text.contains(t["number"].as_str().unwrap()), "{text}");
    }
    // Another clerk's figures are their own: none.
    let staff1 = staff(&hall, "staff1").await;
    let (_, theirs) = hall.get("/api/v1/me/ratings", Some(&staff1)).await;
    assert_eq!(theirs["total"]["total"], 0);
    // And only administrators read the hall's report.
    let (s, _) = hall
        .get("/api/v1/admin/reports/ratings", Some(&staff8))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn rating_settings_are_checked_and_every_route_is_documented() {
    let hall = Hall::demo().await;
    let (s, cur) = hall
        .get("/api/v1/admin/ratings/settings", Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut bad = cur.clone();
    bad["window_days"] = json!(0);
    let (s, b) = hall
        .put("/api/v1/admin/ratings/settings", Some(&hall.admin), bad)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("ratings.window_days"), "{b}");
    let mut good = cur;
    good["reasons"] = json!(["等候时间过长", "态度生硬"]);
    // English names go with the list: only for reasons it names.
    good["reasons_en"] = json!({"态度生硬": "Curt manner"});
    good["pad_timeout_secs"] = json!(20);
    let (s, _) = hall
        .put("/api/v1/admin/ratings/settings", Some(&hall.admin), good)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, public) = hall.get("/api/v1/ratings/settings", None).await;
    assert_eq!(public["reasons"], json!(["等候时间过长", "态度生硬"]));
    assert_eq!(public["pad_timeout_secs"], 20);
    assert_eq!(public["levels"][4]["zh"], "非常不满意");

    let (_, doc) = hall.get("/api/openapi.json", None).await;
    for p in [
        "/api/v1/ratings",
        "/api/v1/complaints",
        "/api/v1/follow-ups",
        "/api/v1/follow-ups/{id}/steps",
        "/api/v1/admin/reports/ratings",
        "/api/v1/pad/state",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} is documented");
    }
}

/// A foreign citizen reads each reason and category in English: the public
/// settings carry the hall's English names beside the Chinese ones the
/// clients send back, an administrator edits them, and a bad one is refused
/// and changes nothing.
#[tokio::test]
async fn reasons_and_categories_carry_english_names_the_hall_edits() {
    let hall = Hall::demo().await;
    let (s, public) = hall.get("/api/v1/ratings/settings", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(public["reasons"][0], "等候时间过长");
    assert_eq!(
        public["reason_names"][0],
        json!({"zh": "等候时间过长", "en": "Waited too long"})
    );
    assert_eq!(
        public["complaint_category_names"][4],
        json!({"zh": "其他", "en": "Other"})
    );

    let (_, cur) = hall
        .get("/api/v1/admin/ratings/settings", Some(&hall.admin))
        .await;
    assert_eq!(cur["reasons_en"]["服务态度不好"], "Unfriendly service");
    // Refused, each with its field: a name for a reason not listed, and an
    // empty category name.
    for (field, name, en) in [
        ("reasons_en", "天气不好", json!("Bad weather")),
        ("complaint_categories_en", "其他", json!("")),
        ("reasons_en", "等候时间过长", json!("x".repeat(61))),
    ] {
        let mut bad = cur.clone();
        bad[field][name] = en;
        let (s, b) = hall
            .put("/api/v1/admin/ratings/settings", Some(&hall.admin), bad)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["code"], "invalid_config", "{b}");
        assert!(
            b.to_string().contains(&format!("ratings.{field}.{name}")),
            "{b}"
        );
    }
    let (_, after) = hall.get("/api/v1/ratings/settings", None).await;
    assert_eq!(after, public, "a refused change changes nothing");

    // A hall's own reason, with its English; another without.
    let mut good = cur;
    good["reasons"] = json!(["等候时间过长", "叫号听不清", "其他原因"]);
    good["reasons_en"] =
        json!({"等候时间过长": "Long wait", "叫号听不清": "Could not hear the call"});
    let (s, b) = hall
        .put("/api/v1/admin/ratings/settings", Some(&hall.admin), good)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let hall = hall.restart().await;
    let (_, public) = hall.get("/api/v1/ratings/settings", None).await;
    assert_eq!(
        public["reason_names"],
        json!([
            {"zh": "等候时间过长", "en": "Long wait"},
            {"zh": "叫号听不清", "en": "Could not hear the call"},
            {"zh": "其他原因"},
        ])
    );
    assert_eq!(
        public["reasons"],
        json!(["等候时间过长", "叫号听不清", "其他原因"])
    );
}

/// 受理 → 收费: a ticket transferred on was served for two services, by two
/// counters and two clerks; each is rated once, by its own counter's pad or
/// from the phone, and a retry never lands on the other service.
#[tokio::test]
async fn a_transferred_ticket_is_rated_once_for_each_service_it_was_served_for() {
    let hall = Hall::demo().await;
    let mut pads = Vec::new();
    for counter in [8, 1] {
        let (s, pad) = hall
            .post(
                "/api/v1/admin/devices",
                Some(&hall.admin),
                json!({"name": format!("pad-{counter}"), "kind": "pad", "counter_id": counter}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{pad}");
        pads.push(pad["token"].as_str().unwrap().to_owned());
    }
    let (pad8, pad1) = (&pads[0], &pads[1]);
    let staff8 = staff(&hall, "staff8").await;
    let staff1 = staff(&hall, "staff1").await;
    let t = hall.issue("tax").await;
    hall.post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
        .await;
    let (s, b) = hall
        .post(
            "/api/v1/counters/8/transfer",
            Some(&staff8),
            json!({"to_service": "cashier", "position": "front"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // The cashier has not served it yet: its service cannot be rated.
    let mut cashier = rating(&t, "satisfied", &[]);
    cashier["service_id"] = json!("cashier");
    let (s, b) = rate(&hall, None, Some("early"), cashier.clone()).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("rating_not_finished")),
        "{b}"
    );
    // Counter 8's pad asks at the transfer and rates 8's service (税务).
    let at_pad = json!({"ticket_id": t["id"], "level": "satisfied"});
    let (s, b) = rate(&hall, Some(pad8), Some("pad8-1"), at_pad.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let tax_rating = b["id"].clone();

    hall.post("/api/v1/counters/1/call-next", Some(&staff1), json!({}))
        .await;
    let (s, b) = hall
        .post("/api/v1/counters/1/finish", Some(&staff1), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // The pad of counter 8 cannot rate what counter 1 did, nor again.
    let (s, b) = rate(&hall, Some(pad8), Some("pad8-2"), at_pad.clone()).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_rated"))
    );

    // The phone's page offers the service not rated yet, by name.
    let page = format!("/t/{}?code={}", t["id"], t["query_code"].as_str().unwrap());
    let (s, html) = hall.get(&page, None).await;
    assert_eq!(s, StatusCode::OK);
    let html = html.as_str().unwrap();
    assert!(html.contains("data-service=\"cashier\""), "{html}");
    assert!(html.contains("统一收费"), "{html}");
    assert!(!html.contains("rate-next"), "one service is left: {html}");

    // From the phone, no service named: the one not rated (收费). A retry
    // of the same request is the same rating, never the other service.
    let phone = rating(&t, "basic", &[]);
    let (s, first) = rate(&hall, None, Some("phone-1"), phone.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, again) = rate(&hall, None, Some("phone-1"), phone.clone()).await;
    assert_eq!((s, &again["id"]), (StatusCode::OK, &first["id"]));
    assert_ne!(first["id"], tax_rating);
    for (key, body) in [("phone-2", phone), ("phone-3", cashier)] {
        let (s, b) = rate(&hall, None, Some(key), body).await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::CONFLICT, Some("already_rated")),
            "{b}"
        );
    }
    // Counter 1's pad: its service is rated already.
    let (s, b) = rate(&hall, Some(pad1), Some("pad1-1"), at_pad).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_rated"))
    );

    // Each service, counter and clerk got its own rating, also after a restart.
    let hall = hall.restart().await;
    let (s, html) = hall.get(&page, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.as_str().unwrap().contains("本次服务已评价"));
    let (s, report) = hall
        .get("/api/v1/admin/reports/ratings", Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["total"]["total"], 2);
    let keys = |dim: &str| {
        let mut k: Vec<String> = report[dim]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{}={}", r["key"].as_str().unwrap(), r["total"]))
            .collect();
        k.sort();
        k
    };
    assert_eq!(keys("by_service"), ["cashier=1", "tax=1"]);
    assert_eq!(keys("by_counter"), ["1=1", "8=1"]);
    assert_eq!(keys("by_staff"), ["staff1=1", "staff8=1"]);
}
