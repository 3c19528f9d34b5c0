//! The clerk's staff number (工号) through the real server (SQLite file,
//! engine task, router): administrators set it on an account, a duplicate
//! is refused by name and changes nothing, it survives a restart, it is in
//! the audit log, and the rating pad names the clerk with it in each of the
//! hall's modes, falling back to the clerk's name (never the username)
//! when the account has none.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::StatusCode;
use common::Hall;
use serde_json::{Value, json};

/// Registers a pad for counter 8; its device token.
async fn pad8(hall: &Hall) -> String {
    let (s, pad) = hall
        .post(
            "/api/v1/admin/devices",
            Some(&hall.admin),
            json!({"name": "pad-8", "kind": "pad", "counter_id": 8}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{pad}");
    pad["token"].as_str().unwrap().to_owned()
}

/// Sets how the pad names the clerk (`name`, `number`, `both`, `nothing`).
async fn show(hall: &Hall, mode: &str) {
    let (s, mut settings) = hall
        .get("/api/v1/admin/ratings/settings", Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{settings}");
    settings["clerk_shown"] = json!(mode);
    let (s, b) = hall
        .put(
            "/api/v1/admin/ratings/settings",
            Some(&hall.admin),
            settings,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// What the pad shows as the clerk in each mode, in the order name,
/// number, both, nothing.
async fn clerk_in_every_mode(hall: &Hall, pad: &str) -> Vec<Value> {
    let mut shown = Vec::new();
    for mode in ["name", "number", "both", "nothing"] {
        show(hall, mode).await;
        let (s, st) = hall.get("/api/v1/pad/state", Some(pad)).await;
        assert_eq!(s, StatusCode::OK, "{st}");
        shown.push(st["clerk"].clone());
    }
    shown
}

async fn put_staff(hall: &Hall, username: &str, body: Value) -> (StatusCode, Value) {
    hall.put(
        &format!("/api/v1/admin/staff/{username}"),
        Some(&hall.admin),
        body,
    )
    .await
}

async fn account(hall: &Hall, username: &str) -> Option<Value> {
    let (s, list) = hall.get("/api/v1/admin/staff", Some(&hall.admin)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .cloned()
}

#[tokio::test]
async fn the_pad_names_the_clerk_by_staff_number_and_never_by_username() {
    let hall = Hall::demo().await;
    let pad = pad8(&hall).await;
    let staff8 = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    hall.issue("tax").await;
    let (s, b) = hall
        .post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = put_staff(
        &hall,
        "staff8",
        json!({"display_name": "张敏", "role": "staff", "counters": [8]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["staff_no"], Value::Null, "{b}");

    // No staff number: every mode that names the clerk names them by name.
    assert_eq!(
        clerk_in_every_mode(&hall, &pad).await,
        [json!("张敏"), json!("张敏"), json!("张敏"), Value::Null],
        "without a 工号 the pad shows the name, never 「工号 staff8」"
    );

    let (s, b) = put_staff(
        &hall,
        "staff8",
        json!({"display_name": "张敏", "role": "staff", "counters": [8], "staff_no": "0231"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["staff_no"], "0231");
    assert_eq!(
        clerk_in_every_mode(&hall, &pad).await,
        [
            json!("张敏"),
            json!("工号 0231"),
            json!("张敏（工号 0231）"),
            Value::Null
        ]
    );
    // The clerk sees their own number (the session carries the change).
    let (s, me) = hall.get("/api/v1/auth/me", Some(&staff8)).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["account"]["staff_no"], "0231", "{me}");

    // The pad never shows the username, in any mode.
    for mode in ["name", "number", "both"] {
        show(&hall, mode).await;
        let (_, st) = hall.get("/api/v1/pad/state", Some(&pad)).await;
        assert!(!st.to_string().contains("staff8"), "{mode}: {st}");
    }

    // After a restart: the number is kept and the pad still shows it.
    show(&hall, "number").await;
    let hall = hall.restart().await;
    assert_eq!(account(&hall, "staff8").await.unwrap()["staff_no"], "0231");
    let (s, st) = hall.get("/api/v1/pad/state", Some(&pad)).await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["clerk"], "工号 0231", "{st}");

    // Taken away again (absent = none): the pad falls back to the name.
    let (s, b) = put_staff(
        &hall,
        "staff8",
        json!({"display_name": "张敏", "role": "staff", "counters": [8]}),
    )
    .await;
    assert_eq!((s, &b["staff_no"]), (StatusCode::OK, &Value::Null), "{b}");
    let (_, st) = hall.get("/api/v1/pad/state", Some(&pad)).await;
    assert_eq!(st["clerk"], "张敏", "{st}");
}

#[tokio::test]
async fn a_taken_or_malformed_staff_number_is_refused_and_changes_nothing() {
    let hall = Hall::demo().await;
    let (s, b) = put_staff(
        &hall,
        "staff8",
        json!({"display_name": "张敏", "role": "staff", "counters": [8], "staff_no": "SW-08"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let staff7_before = account(&hall, "staff7").await.unwrap();

    // Another account asks for it, in another case: refused, naming staff8.
    for asked in ["SW-08", "sw-08"] {
        let (s, b) = put_staff(
            &hall,
            "staff7",
            json!({"display_name": "李强", "role": "staff", "counters": [7, 8], "staff_no": asked}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{asked}: {b}");
        assert_eq!(b["code"], "staff_no_taken", "{b}");
        let zh = b["message_zh"].as_str().unwrap();
        let en = b["message"].as_str().unwrap();
        assert!(
            zh.contains("工号") && zh.contains("staff8") && zh.contains("张敏"),
            "{zh}"
        );
        assert!(en.contains("staff8") && en.contains("张敏"), "{en}");
        assert_eq!(
            account(&hall, "staff7").await.unwrap(),
            staff7_before,
            "{asked}: the refused request changed nothing"
        );
    }
    // A new account with a taken number is not created.
    let (s, b) = put_staff(
        &hall,
        "wang",
        json!({"display_name": "王芳", "role": "staff", "counters": [8],
            "password": "long-enough-1", "staff_no": "SW-08"}),
    )
    .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("staff_no_taken"))
    );
    assert_eq!(account(&hall, "wang").await, None, "not created");

    // Malformed numbers: 422, a message in both languages, nothing changed.
    for bad in [
        json!(""),
        json!("A 01"),
        json!("A\u{3000}01"),
        json!("123456789012345678901"),
        json!(231),
    ] {
        let (s, b) = put_staff(
            &hall,
            "staff7",
            json!({"display_name": "李强", "role": "staff", "counters": [7], "staff_no": bad}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {b}");
        if bad.is_string() {
            assert_eq!(b["code"], "invalid_staff_no", "{b}");
            assert!(b["message_zh"].as_str().unwrap().contains("工号"), "{b}");
        }
        assert_eq!(
            account(&hall, "staff7").await.unwrap(),
            staff7_before,
            "{bad}"
        );
    }
    // Twenty characters of any script are fine; an account keeps its own
    // number when saved again.
    let (s, b) = put_staff(
        &hall,
        "staff7",
        json!({"display_name": "李强", "role": "staff", "counters": [7], "staff_no": "税务窗口一二三四五六七八九十百千万亿兆京"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = put_staff(
        &hall,
        "staff8",
        json!({"display_name": "张敏", "role": "staff", "counters": [8], "staff_no": "sw-08"}),
    )
    .await;
    assert_eq!(
        (s, &b["staff_no"]),
        (StatusCode::OK, &json!("sw-08")),
        "{b}"
    );

    // The audit log records each change of the number.
    let (s, audit) = hall
        .get("/api/v1/admin/audit?limit=50", Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK);
    let details: Vec<String> = audit
        .as_array()
        .expect("list")
        .iter()
        .filter(|e| e["action"] == "staff_updated" && e["target"] == "staff8")
        .map(|e| e["detail"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        details.iter().any(|d| d.contains(r#""staff_no":"SW-08""#))
            && details.iter().any(|d| d.contains(r#""staff_no":"sw-08""#)),
        "{details:?}"
    );

    // The unique index holds across a restart too.
    let hall = hall.restart().await;
    let (s, b) = put_staff(
        &hall,
        "staff3",
        json!({"display_name": "3号窗口", "role": "staff", "counters": [3], "staff_no": "SW-08"}),
    )
    .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("staff_no_taken")),
        "{b}"
    );
}

/// The documented schema is what the server enforces: the request's and
/// the account's `staff_no` carry `banli_core::staff_no::PATTERN` and its
/// bounds (utoipa takes the pattern only as a literal).
#[tokio::test]
async fn the_documented_staff_number_is_the_checked_one() {
    let hall = Hall::demo().await;
    let (_, doc) = hall.get("/api/openapi.json", None).await;
    for schema in ["StaffUpsert", "StaffAccount"] {
        let prop = &doc["components"]["schemas"][schema]["properties"]["staff_no"];
        let text = prop.to_string();
        assert!(prop.is_object(), "{schema}: {doc}");
        assert_eq!(
            find(prop, "pattern"),
            Some(json!(banli_core::staff_no::PATTERN)),
            "{schema}: {text}"
        );
        assert_eq!(find(prop, "maxLength"), Some(json!(20)), "{schema}: {text}");
        assert_eq!(find(prop, "minLength"), Some(json!(1)), "{schema}: {text}");
    }
    let put = &doc["paths"]["/api/v1/admin/staff/{username}"]["put"]["responses"]["409"];
    assert!(put.to_string().contains("staff_no_taken"), "{put}");
}

/// The first value of `key` anywhere inside `v`.
fn find(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Object(m) => m
            .get(key)
            .cloned()
            .or_else(|| m.values().find_map(|x| find(x, key))),
        Value::Array(a) => a.iter().find_map(|x| find(x, key)),
        _ => None,
    }
}
