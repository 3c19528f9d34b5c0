//! The HTTP API driven through the real router, on the demo hall with a
//! real SQLite file: what kiosks, staff and administrators do, what they
//! are refused, and that every refusal is JSON with a stable code.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use banli_core::jiff::SignedDuration;
use common::Hall;
use serde_json::{Value, json};

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_kiosk_lists_services_and_takes_tickets() {
    let hall = Hall::demo().await;
    let (status, services) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    assert_eq!(status, StatusCode::OK);
    let services = services.as_array().expect("list");
    assert!(services.len() >= 6);
    let tax = services.iter().find(|s| s["id"] == "tax").expect("tax");
    assert_eq!(tax["is_open"], true, "{tax}");
    assert_eq!(tax["waiting"], 0);

    let t1 = hall.issue("tax").await;
    let t2 = hall.issue("tax").await;
    assert_eq!(t1["number"], "F001");
    assert_eq!(t2["number"], "F002");
    assert_eq!(t2["ahead"], 1);
    assert!(t2["estimated_wait_minutes"].as_u64().expect("estimate") > 0);
    let code = t1["query_code"].as_str().expect("code");
    assert_eq!(code.len(), 6);

    let (_, services) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    let tax = services
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["id"] == "tax")
        .cloned()
        .expect("tax");
    assert_eq!(tax["waiting"], 2);
}

#[tokio::test]
async fn a_retried_request_with_the_same_key_gets_the_same_ticket() {
    let hall = Hall::demo().await;
    let req = || {
        Request::post("/api/v1/tickets")
            .header("authorization", format!("Bearer {}", hall.kiosk))
            .header("content-type", "application/json")
            .header("idempotency-key", "tap-7f3a")
            .body(Body::from(r#"{"service_id":"tax"}"#))
            .expect("request")
    };
    let (s1, a) = hall.send(req()).await;
    let (s2, b) = hall.send(req()).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(a["id"], b["id"]);
    assert_eq!(b["replayed"], true);
    let (_, services) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    let tax = services
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["id"] == "tax")
        .cloned()
        .expect("tax");
    assert_eq!(tax["waiting"], 1, "a retry issues nothing");

    // Even after the ticket was served (and left the engine's memory), a
    // late retry gets the same ticket back, not a new one.
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    hall.post("/api/v1/counters/8/call-next", Some(&staff), json!({}))
        .await;
    let (s, _) = hall
        .post("/api/v1/counters/8/finish", Some(&staff), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s3, c) = hall.send(req()).await;
    assert_eq!(
        (s3, &c["id"], &c["number"], &c["status"]),
        (StatusCode::OK, &a["id"], &a["number"], &json!("finished"))
    );
    assert_eq!(c["query_code"], a["query_code"]);
}

#[tokio::test]
async fn staff_operate_only_their_own_counter() {
    let hall = Hall::demo().await;
    hall.issue("tax").await;
    hall.issue("tax").await;
    let staff8 = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let (status, body) = hall
        .post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["counter"]["current"]["number"], "F001");
    assert_eq!(body["counter"]["status"]["state"], "open");
    assert_eq!(body["counter"]["staff"], "staff8");

    let (status, body) = hall
        .post("/api/v1/counters/7/call-next", Some(&staff8), json!({}))
        .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, body) = hall
        .post("/api/v1/counters/8/call-next", Some(&hall.kiosk), json!({}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "a kiosk cannot call numbers"
    );
    let (status, body) = hall
        .call("POST", "/api/v1/counters/8/call-next", None, None)
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let (status, body) = hall
        .call(
            "POST",
            "/api/v1/counters/8/call-next",
            Some("s_forged"),
            None,
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    // An administrator may operate any counter.
    let (status, _) = hall
        .call("GET", "/api/v1/counters/7", Some(&hall.admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_counter_works_a_ticket_through_recall_transfer_and_finish() {
    let hall = Hall::demo().await;
    let t = hall.issue("tax").await;
    hall.issue("tax").await;
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let op = |path: &'static str, body: Value| {
        let staff = staff.clone();
        let hall = &hall;
        async move {
            hall.post(&format!("/api/v1/counters/8/{path}"), Some(&staff), body)
                .await
        }
    };
    let (s, _) = op("call-next", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    // The console shows the ticket and who waits next.
    let (s, console) = hall.get("/api/v1/counters/8", Some(&staff)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(console["waiting"][0]["number"], "F002");
    // It says how far into the event stream it is, as the hall does, so
    // that a console can skip the events it already shows.
    let (_, snapshot) = hall.get("/api/v1/hall", Some(&staff)).await;
    assert!(console["seq"].as_u64().is_some_and(|s| s > 0), "{console}");
    assert_eq!(console["seq"], snapshot["seq"]);

    for _ in 0..2 {
        let (s, body) = op("recall", json!({"ticket_id": t["id"]})).await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let (s, body) = op("recall", json!({})).await;
    assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "recall_limit"));
    // A stale screen naming another ticket is refused.
    let (s, body) = op("finish", json!({"ticket_id": 999_999})).await;
    assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "ticket_mismatch"));

    // 受理 → 收费: the ticket keeps its number in the cashier's queue.
    let (s, body) = op(
        "transfer",
        json!({"to_service": "cashier", "position": "front"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // Counter 8 calls automatically: F002 is next.
    assert_eq!(body["counter"]["current"]["number"], "F002");
    let code_q = t["query_code"].as_str().expect("code");
    let (s, view) = hall
        .get(&format!("/api/v1/tickets/{}?code={code_q}", t["id"]), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            view["number"].as_str(),
            view["service_id"].as_str(),
            view["status"].as_str()
        ),
        (Some("F001"), Some("cashier"), Some("waiting"))
    );

    let (s, body) = op("finish", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body["counter"]["current"].is_null(),
        "nobody left to call: {body}"
    );
    let (s, body) = op("finish", json!({})).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::CONFLICT, "no_current_ticket")
    );
    let (s, body) = op("pause", json!({"reason": "午休"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        body["counter"]["status"],
        json!({"state": "paused", "reason": "午休"})
    );
    let (s, body) = op("resume", json!({})).await;
    assert_eq!(
        (s, body["counter"]["status"]["state"].as_str()),
        (StatusCode::OK, Some("open"))
    );
    hall.issue("tax").await;
    let (s, _) = op("call-next", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = op("no-show", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    // Nobody left in tax: 204.
    let (s, body) = op("call-next", json!({})).await;
    assert_eq!((s, body), (StatusCode::NO_CONTENT, Value::Null));
}

#[tokio::test]
async fn progress_needs_the_right_code() {
    let hall = Hall::demo().await;
    let t = hall.issue("housing-fund").await;
    let id = &t["id"];
    let right = t["query_code"].as_str().expect("code");
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (s, v) = hall
        .get(&format!("/api/v1/tickets/{id}?code={right}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["number"], "E001");
    assert_eq!(v["status"], "waiting");
    assert!(
        v.get("query_code").is_none(),
        "progress never shows the code"
    );
    for uri in [
        format!("/api/v1/tickets/{id}?code={wrong}"),
        format!("/api/v1/tickets/{id}"),
        "/api/v1/tickets/424242?code=1".into(),
    ] {
        let (s, body) = hall.get(&uri, None).await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::NOT_FOUND, "unknown_ticket"),
            "{uri}"
        );
        assert!(body["message_zh"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Staff see it without the code.
    let (s, _) = hall
        .get(&format!("/api/v1/tickets/{id}"), Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn bad_input_gets_a_clear_json_error_and_the_server_keeps_serving() {
    let hall = Hall::demo().await;
    let k = format!("Bearer {}", hall.kiosk);
    let raw = |body: &'static str, ct: Option<&str>| {
        let mut b = Request::post("/api/v1/tickets").header("authorization", &k);
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        b.body(Body::from(body)).expect("request")
    };
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            raw("{not json", Some("application/json")),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            raw(r#"{"service_id": 5}"#, Some("application/json")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            raw(
                r#"{"service_id": "tax", "surprise": 1}"#,
                Some("application/json"),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            raw(r#"{"service_id": "tax"}"#, None),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            raw(r#"{"service_id": "no-such"}"#, Some("application/json")),
            StatusCode::NOT_FOUND,
            "unknown_service",
        ),
        (
            raw(
                r#"{"service_id": "tax", "priority": "military"}"#,
                Some("application/json"),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "priority_not_allowed",
        ),
        (
            raw(
                r#"{"service_id": "exit-entry", "appointment_code": "NOPE"}"#,
                Some("application/json"),
            ),
            StatusCode::NOT_FOUND,
            "unknown_appointment",
        ),
    ];
    for (req, status, expected) in cases {
        let (s, body) = hall.send(req).await;
        assert_eq!((s, code(&body)), (status, expected), "{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    let huge = format!(r#"{{"service_id": "{}"}}"#, "x".repeat(400 * 1024));
    let req = Request::post("/api/v1/tickets")
        .header("authorization", &k)
        .header("content-type", "application/json")
        .body(Body::from(huge))
        .expect("request");
    let (s, body) = hall.send(req).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
    let (s, body) = hall.get("/api/v1/nowhere", None).await;
    assert_eq!((s, code(&body)), (StatusCode::NOT_FOUND, "no_route"));
    let (s, body) = hall
        .call("DELETE", "/api/v1/tickets", Some(&hall.kiosk), None)
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let (s, body) = hall.get("/api/v1/tickets/abc", None).await;
    assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_path"));
    let (s, body) = hall
        .post(
            "/api/v1/counters/99/call-next",
            Some(&hall.admin),
            json!({}),
        )
        .await;
    assert_eq!((s, code(&body)), (StatusCode::NOT_FOUND, "unknown_counter"));
    // Still serving.
    assert_eq!(hall.issue("tax").await["number"], "F001");
}

#[tokio::test]
async fn sessions_expire_and_logins_are_rate_limited() {
    let hall = Hall::demo().await;
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let (s, me) = hall.get("/api/v1/auth/me", Some(&staff)).await;
    assert_eq!((s, me["actor"].as_str()), (StatusCode::OK, Some("staff8")));
    hall.clock.advance(SignedDuration::from_hours(13));
    let (s, body) = hall.get("/api/v1/auth/me", Some(&staff)).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNAUTHORIZED, "token_expired")
    );

    for _ in 0..5 {
        let (s, body) = hall
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": "staff7", "password": "wrong-guess"}),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::UNAUTHORIZED, "bad_credentials")
        );
    }
    let req = Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"username": "staff7", "password": banli_server::DEMO_STAFF_PASSWORD})
                .to_string(),
        ))
        .expect("request");
    let resp = tower::ServiceExt::oneshot(banli_server::app(hall.state.clone()), req)
        .await
        .expect("infallible");
    assert_eq!(
        resp.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits out the lockout"
    );
    assert!(resp.headers().contains_key("retry-after"));
    hall.clock.advance(SignedDuration::from_mins(10));
    hall.login("staff7", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    // Logout ends the session.
    let t = hall
        .login("staff6", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let (s, _) = hall
        .call("POST", "/api/v1/auth/logout", Some(&t), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = hall.get("/api/v1/auth/me", Some(&t)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admins_change_the_hall_at_once_with_validation_and_an_audit_trail() {
    let hall = Hall::demo().await;
    let (s, services) = hall.get("/api/v1/admin/services", Some(&hall.admin)).await;
    assert_eq!(s, StatusCode::OK);
    let mut svc = services.as_array().expect("list")[0].clone();
    svc["id"] = json!("notary");
    svc["name_zh"] = json!("公证");
    svc["name_en"] = json!("Notary");
    svc["prefix"] = json!("N");
    let (s, body) = hall
        .put(
            "/api/v1/admin/services/notary",
            Some(&hall.admin),
            svc.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // The kiosk sees it at once and can take a ticket.
    let (_, list) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .any(|s| s["id"] == "notary")
    );
    assert_eq!(hall.issue("notary").await["number"], "N001");

    // A duplicate prefix is refused with the field named.
    let mut dup = svc.clone();
    dup["id"] = json!("notary2");
    let (s, body) = hall
        .put("/api/v1/admin/services/notary2", Some(&hall.admin), dup)
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_config")
    );
    assert!(
        body["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .any(|f| f["field"].as_str().is_some_and(|p| p.ends_with(".prefix"))),
        "{body}"
    );
    // Path and body must agree.
    let (s, body) = hall
        .put("/api/v1/admin/services/other", Some(&hall.admin), svc)
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "id_mismatch")
    );
    // Rules change: validated.
    let (_, mut rules) = hall.get("/api/v1/admin/rules", Some(&hall.admin)).await;
    rules["priority_burst"] = json!(0);
    let (s, body) = hall
        .put("/api/v1/admin/rules", Some(&hall.admin), rules)
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_config")
    );

    // Staff accounts and devices.
    let (s, body) = hall
        .put(
            "/api/v1/admin/staff/wang",
            Some(&hall.admin),
            json!({"display_name": "王芳", "role": "staff", "counters": [8], "password": "short"}),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "weak_password")
    );
    let (s, _) = hall
        .put("/api/v1/admin/staff/wang", Some(&hall.admin), json!({"display_name": "王芳", "role": "staff", "counters": [8], "password": "long-enough-1"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let wang = hall.login("wang", "long-enough-1").await;
    let (s, body) = hall.get("/api/v1/admin/services", Some(&wang)).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "staff cannot reach /admin"
    );
    let (s, body) = hall.get("/api/v1/admin/services", Some(&hall.kiosk)).await;
    assert_eq!((s, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, device) = hall
        .post(
            "/api/v1/admin/devices",
            Some(&hall.admin),
            json!({"name": "kiosk-2F", "kind": "kiosk"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let token = device["token"].as_str().expect("token").to_owned();
    let (s, _) = hall
        .post(
            "/api/v1/tickets",
            Some(&token),
            json!({"service_id": "tax"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = hall
        .post(
            "/api/v1/admin/devices",
            Some(&hall.admin),
            json!({"name": "kiosk-2F", "kind": "kiosk"}),
        )
        .await;
    assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "duplicate_name"));
    let (s, _) = hall
        .call(
            "DELETE",
            &format!("/api/v1/admin/devices/{}", device["id"]),
            Some(&hall.admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = hall
        .post(
            "/api/v1/tickets",
            Some(&token),
            json!({"service_id": "tax"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "a revoked device is refused at once"
    );
    // The last administrator cannot be removed.
    let (s, body) = hall
        .call(
            "DELETE",
            "/api/v1/admin/staff/admin",
            Some(&hall.admin),
            None,
        )
        .await;
    assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "last_admin"));

    let (s, audit) = hall
        .get("/api/v1/admin/audit?limit=50", Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK);
    let actions: Vec<(String, String)> = audit
        .as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or("").to_owned(),
                e["action"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    for expected in [
        "config",
        "staff_created",
        "device_created",
        "device_revoked",
    ] {
        assert!(
            actions.contains(&("admin".to_owned(), expected.to_owned())),
            "{expected} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn appointments_check_in_as_priority_within_their_window() {
    let hall = Hall::demo().await;
    let (s, body) = hall
        .post("/api/v1/admin/appointments", Some(&hall.admin), json!({"code": "YY2026", "service_id": "exit-entry", "slot": "2026-11-24T10:15:00+08:00"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    hall.issue("exit-entry").await;
    let (s, t) = hall
        .post(
            "/api/v1/tickets",
            Some(&hall.kiosk),
            json!({"service_id": "exit-entry", "appointment_code": "YY2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(
        (t["class"].as_str(), t["ahead"].as_u64()),
        (Some("appointment"), Some(0))
    );
    assert_eq!(t["appointment_outside_window"], false);
    let (s, body) = hall
        .post(
            "/api/v1/tickets",
            Some(&hall.kiosk),
            json!({"service_id": "exit-entry", "appointment_code": "YY2026"}),
        )
        .await;
    assert_eq!((s, code(&body)), (StatusCode::CONFLICT, "appointment_used"));
}

#[tokio::test]
async fn the_business_day_rolls_over_and_numbers_restart() {
    let hall = Hall::demo().await;
    let old = hall.issue("tax").await;
    hall.issue("tax").await;
    hall.clock.advance(SignedDuration::from_hours(24));
    let t = hall.issue("tax").await;
    assert_eq!(t["number"], "F001");
    assert_eq!(t["business_day"], "2026-11-25");
    // Yesterday's ticket is still answered, as expired.
    let (s, v) = hall
        .get(
            &format!(
                "/api/v1/tickets/{}?code={}",
                old["id"],
                old["query_code"].as_str().unwrap_or("")
            ),
            None,
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("expired")));
}

#[tokio::test]
async fn everything_acknowledged_survives_a_restart() {
    let hall = Hall::demo().await;
    let a = hall.issue("tax").await;
    hall.issue("tax").await;
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let (s, _) = hall
        .post("/api/v1/counters/8/call-next", Some(&staff), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let hall = hall.restart().await;
    let (s, v) = hall
        .get(&format!("/api/v1/tickets/{}", a["id"]), Some(&hall.admin))
        .await;
    assert_eq!(
        (s, v["status"].as_str(), v["counter_id"].as_u64()),
        (StatusCode::OK, Some("called"), Some(8))
    );
    assert_eq!(
        hall.issue("tax").await["number"],
        "F003",
        "numbers continue, never reused"
    );
    // Sessions survive a restart too.
    let (s, _) = hall.get("/api/v1/counters/8", Some(&staff)).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn openapi_describes_every_route_and_metrics_count() {
    let hall = Hall::demo().await;
    let (s, doc) = hall.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/tickets",
        "/api/v1/tickets/{id}",
        "/api/v1/services",
        "/api/v1/events",
        "/api/v1/counters/{id}/call-next",
        "/api/v1/counters/{id}/transfer",
        "/api/v1/auth/login",
        "/api/v1/admin/services/{id}",
        "/api/v1/admin/devices",
        "/api/v1/admin/audit",
        "/metrics",
    ] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
    // The guide's schema is the type the kiosk reads, departments and all.
    let guide_ref = &doc["paths"]["/api/v1/guide"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(guide_ref, "#/components/schemas/GuideView");
    let props = &doc["components"]["schemas"]["GuideView"]["properties"];
    assert!(
        props["departments"].is_object() && props["items"].is_object(),
        "{props}"
    );
    hall.issue("tax").await;
    let req = Request::get("/metrics")
        .header("authorization", format!("Bearer {}", hall.admin))
        .body(Body::empty())
        .expect("req");
    let resp = tower::ServiceExt::oneshot(banli_server::app(hall.state.clone()), req)
        .await
        .expect("infallible");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = String::from_utf8(
        axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec(),
    )
    .expect("utf8");
    assert!(
        text.contains(r#"banli_tickets_issued_total{service="tax"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"banli_waiting_tickets{service="tax"} 1"#));
    assert!(text.contains("banli_http_request_duration_seconds"));
    let (s, _) = hall.get("/metrics", Some(&hall.kiosk)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// Every status a client can see from any route is in the document: 500
/// and 503 everywhere, 401 and 403 where a token is needed, and the body
/// errors (400, 413, 415, 422) wherever a JSON body is taken.
#[tokio::test]
async fn the_document_lists_the_statuses_every_route_can_give() {
    let hall = Hall::demo().await;
    let (s, doc) = hall.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let has = |code: &str| op["responses"].get(code).is_some();
            let at = format!("{method} {path}");
            assert!(has("500") && has("503"), "{at}");
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                assert!(has("401") && has("403"), "{at}");
            }
            if op.get("requestBody").is_some() {
                for code in ["400", "413", "415", "422"] {
                    assert!(has(code), "{at}: {code}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} operations");
}

/// What schemathesis (scripts/api-contract) found, held here too: the
/// server takes what its document allows and refuses, in JSON, what it
/// does not.
#[tokio::test]
async fn the_server_takes_what_its_document_allows_and_refuses_the_rest() {
    let hall = Hall::demo().await;
    let admin = hall.admin.clone();
    let t = hall.issue("tax").await;
    hall.issue("tax").await;
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let raw = |path: &str, body: &'static str| {
        Request::post(path)
            .header("authorization", format!("Bearer {staff}"))
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("request")
    };
    let (s, _) = hall
        .post("/api/v1/counters/8/call-next", Some(&staff), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    // An optional body may be JSON null.
    let (s, body) = hall.send(raw("/api/v1/counters/8/recall", "null")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // JSON Schema's integer admits 1.0; a fraction is still refused.
    let id = t["id"].as_u64().expect("id");
    let with_float: &'static str = format!("{{\"ticket_id\": {id}.0}}").leak();
    let (s, body) = hall
        .send(raw("/api/v1/counters/8/recall", with_float))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = hall
        .send(raw("/api/v1/counters/8/finish", r#"{"ticket_id": 1.5}"#))
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
    );
    let (s, body) = hall
        .send(raw("/api/v1/counters/8/finish", r#"{"ticket_id": "#))
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );

    // A service still on counters is not removed, and the counters are named.
    let (s, body) = hall
        .call(
            "DELETE",
            "/api/v1/admin/services/exit-entry",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::CONFLICT, "service_served"),
        "{body}"
    );
    assert!(
        body["message_zh"]
            .as_str()
            .is_some_and(|m| m.contains("号窗口")),
        "{body}"
    );

    // The event stream answers a plain GET in JSON.
    let (s, body) = hall.get("/api/v1/events", Some(&admin)).await;
    assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "not_websocket"));

    // Bounds the document gives are the server's.
    let (s, body) = hall.get("/api/v1/admin/audit?before=0", Some(&admin)).await;
    assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, "invalid_query"));
    let (s, rules) = hall.get("/api/v1/admin/rules", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK);
    let mut late = rules.clone();
    late["wait_alert_minutes"] = json!(1441);
    let (s, body) = hall.put("/api/v1/admin/rules", Some(&admin), late).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_config")
    );
    assert_eq!(body["fields"][0]["field"], "rules.wait_alert_minutes");
    let (s, body) = hall
        .post(
            "/api/v1/admin/whatif",
            Some(&admin),
            json!({"seed": 9_223_372_036_854_775_808_u64}),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_seed")
    );
    let (s, body) = hall
        .post(
            "/api/v1/admin/whatif",
            Some(&admin),
            json!({"changes": [null, null]}),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
    );
    let spaced = Request::post("/api/v1/tickets")
        .header("authorization", format!("Bearer {}", hall.kiosk))
        .header("content-type", "application/json")
        .header("idempotency-key", "two words")
        .body(Body::from(r#"{"service_id": "tax"}"#))
        .expect("request");
    let (s, body) = hall.send(spaced).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_idempotency_key")
    );

    // The document: a parameter is where the route reads it, and a route
    // with a path parameter documents 404.
    let (_, doc) = hall.get("/api/openapi.json", None).await;
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let Some(params) = op["parameters"].as_array() else {
                continue;
            };
            for p in params {
                let name = p["name"].as_str().expect("name");
                let in_template = path.contains(&format!("{{{name}}}"));
                assert_eq!(
                    p["in"] == "path",
                    in_template,
                    "{method} {path}: {name} is documented in {}",
                    p["in"]
                );
                if in_template {
                    assert!(op["responses"].get("404").is_some(), "{method} {path}");
                }
                seen += 1;
            }
        }
    }
    assert!(seen > 30, "{seen}");
}
