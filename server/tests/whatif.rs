//! `/admin/whatif` and `/admin/staffing`: both scenarios on the same days,
//! changes that show, errors by name, one simulation at a time, and the
//! live hall never touched.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use axum::http::StatusCode;
use common::Hall;
use serde_json::{Value, json};

const WHATIF: &str = "/api/v1/admin/whatif";
const STAFFING: &str = "/api/v1/admin/staffing";

fn service<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["service"] == id)
        .unwrap_or_else(|| panic!("no {id} in {answer}"))
}

fn counter(answer: &Value, id: u64) -> &Value {
    answer["counters"]
        .as_array()
        .expect("counters")
        .iter()
        .find(|c| c["counter"] == id)
        .unwrap_or_else(|| panic!("no counter {id} in {answer}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The current configuration with one more social-insurance counter.
async fn one_more_social_insurance_counter(hall: &Hall) -> Value {
    let (status, mut config) = hall.get("/api/v1/admin/config", Some(&hall.admin)).await;
    assert_eq!(status, StatusCode::OK);
    let counters = config["counters"].as_array_mut().expect("counters");
    counters.push(json!({
        "id": 11, "name_zh": "11号窗口 · 社保", "name_en": "Counter 11 · Social Insurance",
        "department": "hrss", "services": [{"service": "social-insurance"}],
        "policy": "ordered", "auto_call": true
    }));
    config
}

#[tokio::test]
async fn one_more_counter_shortens_its_services_waits_and_changes_nothing_in_the_hall() {
    let hall = Hall::demo().await;
    let (_, before) = hall.get("/api/v1/admin/config", Some(&hall.admin)).await;
    let config = one_more_social_insurance_counter(&hall).await;
    let (status, answer) = hall
        .post(
            WHATIF,
            Some(&hall.admin),
            json!({"changes": {"config": config}, "days": 3, "seed": 7}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["days"], 3);
    assert_eq!(answer["seed"], 7);
    assert!(
        answer["profile_name"]
            .as_str()
            .unwrap()
            .contains("普通工作日")
    );

    let si = service(&answer, "social-insurance");
    assert_eq!(si["name_zh"], "社保业务");
    // The same citizens came in both scenarios.
    assert_eq!(si["current"]["issued"], si["changed"]["issued"]);
    let (now, then) = (f(&si["current"]["p90_wait"]), f(&si["changed"]["p90_wait"]));
    assert!(then < now, "p90 {then} with the counter, {now} without");
    assert!(f(&si["changed"]["mean_wait"]) < f(&si["current"]["mean_wait"]));
    let diff = f(&si["difference"]["p90_wait"]);
    assert!((diff - (then - now)).abs() < 1e-9, "{diff}");
    assert!(f(&answer["hall"]["difference"]["mean_wait"]) < 0.0);

    // The new counter works only in the changed scenario.
    let c11 = counter(&answer, 11);
    assert!(c11["current"].is_null(), "{c11}");
    assert!(f(&c11["changed"]["utilisation"]) > 0.2, "{c11}");
    assert!(c11["changed"]["served"].as_u64().unwrap() > 0);
    let c3 = counter(&answer, 3);
    assert!(f(&c3["changed"]["utilisation"]) < f(&c3["current"]["utilisation"]));
    // Six and a half hours a day, as the demo profile staffs its clerks.
    assert!(
        (f(&c3["current"]["staffed_hours"]) - 6.5).abs() < 1e-9,
        "{c3}"
    );

    // Nothing was applied to the live hall.
    let (_, after) = hall.get("/api/v1/admin/config", Some(&hall.admin)).await;
    assert_eq!(before, after);
    let (_, audit) = hall
        .get("/api/v1/admin/audit?limit=100", Some(&hall.admin))
        .await;
    assert!(
        !audit.to_string().contains("11号窗口"),
        "a what-if is not a configuration change: {audit}"
    );
}

#[tokio::test]
async fn without_changes_both_columns_are_the_same_and_the_seed_decides() {
    let hall = Hall::demo().await;
    let ask = |seed: u64| {
        let hall = &hall;
        async move {
            let (status, answer) = hall
                .post(WHATIF, Some(&hall.admin), json!({"days": 1, "seed": seed}))
                .await;
            assert_eq!(status, StatusCode::OK, "{answer}");
            answer
        }
    };
    let a = ask(1).await;
    for s in a["services"].as_array().unwrap() {
        assert_eq!(s["current"], s["changed"], "{s}");
        assert_eq!(f(&s["difference"]["p90_wait"]), 0.0);
    }
    let mut b = ask(1).await;
    let mut a2 = a.clone();
    a2["elapsed_ms"] = json!(0);
    b["elapsed_ms"] = json!(0);
    assert_eq!(a2, b, "the same seed gives the same answer");
    let c = ask(2).await;
    assert_ne!(a["hall"]["current"], c["hall"]["current"]);

    // An uploaded profile: the demo profile's own text gives the same.
    let (status, mut uploaded) = hall
        .post(
            WHATIF,
            Some(&hall.admin),
            json!({"days": 1, "seed": 1, "profile": {"source": "toml", "text": banli_server::sim::DEMO_PROFILE}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
    uploaded["elapsed_ms"] = json!(0);
    assert_eq!(uploaded, a2);
}

#[tokio::test]
async fn staffing_hours_and_demand_change_the_changed_column_only() {
    let hall = Hall::demo().await;
    // Counter 3 closed all day and counter 4 in the afternoon only: the
    // social-insurance queue has half its clerks.
    let (status, answer) = hall
        .post(
            WHATIF,
            Some(&hall.admin),
            json!({"days": 2, "changes": {"counters": [
                {"id": 3, "periods": []},
                {"id": 4, "periods": [{"open": "13:30", "close": "17:00"}]}
            ]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let si = service(&answer, "social-insurance");
    assert!(
        f(&si["changed"]["mean_wait"]) > f(&si["current"]["mean_wait"]) + 5.0,
        "{si}"
    );
    let c3 = counter(&answer, 3);
    assert_eq!(c3["changed"]["served"], 0);
    assert_eq!(f(&c3["changed"]["staffed_hours"]), 0.0);
    assert!((f(&counter(&answer, 4)["changed"]["staffed_hours"]) - 3.5).abs() < 1e-9);
    // Tax is not touched: its column is the same.
    let tax = service(&answer, "tax");
    assert_eq!(tax["current"], tax["changed"]);

    // Half again as many citizens: more tickets, longer waits.
    let (status, answer) = hall
        .post(
            WHATIF,
            Some(&hall.admin),
            json!({"days": 2, "changes": {"demand_percent": 50}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let h = &answer["hall"];
    let (now, then) = (
        h["current"]["issued"].as_f64().unwrap(),
        h["changed"]["issued"].as_f64().unwrap(),
    );
    assert!(then > now * 1.3 && then < now * 1.7, "{now} → {then}");
    assert!(f(&h["difference"]["mean_wait"]) > 0.0);
}

#[tokio::test]
async fn bad_requests_get_errors_naming_their_fields() {
    let hall = Hall::demo().await;
    let err = |body: Value| {
        let hall = &hall;
        async move {
            let (status, answer) = hall.post(WHATIF, Some(&hall.admin), body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
            assert!(!answer["message"].as_str().unwrap().is_empty());
            assert!(!answer["message_zh"].as_str().unwrap().is_empty());
            answer
        }
    };
    for days in [0, 21] {
        let e = err(json!({ "days": days })).await;
        assert_eq!(e["code"], "invalid_days");
        assert_eq!(e["fields"][0]["field"], "days");
    }

    // A counter serving a service that does not exist.
    let mut config = one_more_social_insurance_counter(&hall).await;
    config["counters"][10]["services"] = json!([{"service": "no-such"}]);
    let e = err(json!({"changes": {"config": config}})).await;
    assert_eq!(e["code"], "invalid_config");
    assert!(
        e["fields"].as_array().unwrap().iter().any(|f| f["field"]
            .as_str()
            .unwrap()
            .starts_with("changes.config.counters[10]")),
        "{e}"
    );

    // Staffed hours that end before they begin, a counter that is not
    // there, demand out of range.
    let e = err(json!({"changes": {
        "counters": [{"id": 3, "periods": [{"open": "12:00", "close": "09:00"}]}, {"id": 99, "periods": []}],
        "demand_percent": -100
    }}))
    .await;
    assert_eq!(e["code"], "invalid_changes");
    let fields: Vec<&str> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "changes.demand_percent",
            "changes.counters[0].periods[0]",
            "changes.counters[1].id"
        ]
    );

    // A profile that is not TOML, and one naming a service the hall lacks.
    let e = err(json!({"profile": {"source": "toml", "text": "date = ["}})).await;
    assert_eq!(e["code"], "invalid_profile");
    let text = banli_server::sim::DEMO_PROFILE
        .replacen("service = \"tax\"", "service = \"taxes\"", 1)
        .replacen("mean_minutes = 15", "mean_minutes = -1", 1);
    let e = err(json!({"profile": {"source": "toml", "text": text}})).await;
    assert_eq!(e["code"], "invalid_profile");
    let fields: Vec<&str> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "profile.services[0].handle.mean_minutes",
            "profile.services[5].service"
        ]
    );

    // Unknown fields and wrong types are refused in our format.
    let (status, e) = hall
        .post(WHATIF, Some(&hall.admin), json!({"dayz": 3}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["code"], "invalid_body");
}

#[tokio::test]
async fn only_administrators_ask() {
    let hall = Hall::demo().await;
    let staff = hall
        .login("staff3", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    for (uri, body) in [
        (WHATIF, json!({"days": 1})),
        (STAFFING, json!({"target_p90_minutes": 15})),
    ] {
        let (status, e) = hall.post(uri, Some(&staff), body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
        let (status, _) = hall.post(uri, Some(&hall.kiosk), body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = hall.post(uri, None, body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_second_simulation_at_once_is_told_to_wait() {
    let hall = Hall::demo().await;
    // A simulation holds the only permit.
    let permit = hall
        .state
        .simulations
        .clone()
        .try_acquire_owned()
        .expect("the permit is free");
    for (uri, body) in [
        (WHATIF, json!({"days": 1})),
        (STAFFING, json!({"target_p90_minutes": 15})),
    ] {
        let req = axum::http::Request::post(uri)
            .header("authorization", format!("Bearer {}", hall.admin))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        let resp = tower::ServiceExt::oneshot(banli_server::app(hall.state.clone()), req)
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()["retry-after"], "5");
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let e: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(e["code"], "simulation_busy");
        assert!(e["message_zh"].as_str().unwrap().contains("模拟"));
    }
    // Done: the next one runs.
    drop(permit);
    let (status, answer) = hall
        .post(WHATIF, Some(&hall.admin), json!({"days": 1}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(hall.state.simulations.available_permits(), 1);
}

#[tokio::test]
async fn staffing_advice_meets_its_target_and_bad_targets_are_named() {
    let hall = Hall::demo().await;
    let (status, advice) = hall
        .post(
            STAFFING,
            Some(&hall.admin),
            json!({"target_p90_minutes": 15, "days": 1, "seed": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{advice}");
    assert_eq!(
        advice["slots"][0],
        json!({"open": "09:00", "close": "10:00"})
    );
    assert_eq!(advice["slots"].as_array().unwrap().len(), 7);
    assert_eq!(advice["unmet"], json!([]));
    assert_eq!(advice["complete"], true);
    let si = service(&advice, "social-insurance");
    assert_eq!(si["counters"].as_array().unwrap().len(), 7);
    assert!(
        si["counters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n.as_u64().unwrap() >= 1),
        "{si}"
    );
    for w in si["waits"].as_array().unwrap() {
        assert_eq!(w["met"], true, "{w}");
        assert_eq!(w["stayed_on"], 0);
        if w["tickets"].as_u64().unwrap() > 0 {
            assert!(f(&w["p90"]) <= 15.0);
        }
    }
    assert!(f(&advice["counter_hours"]) > 20.0);

    for (body, field) in [
        (json!({"target_p90_minutes": 0}), "target_p90_minutes"),
        (json!({"target_p90_minutes": -3}), "target_p90_minutes"),
        (json!({"target_p90_minutes": 900}), "target_p90_minutes"),
        (
            json!({"target_p90_minutes": 15, "target_mean_minutes": 0}),
            "target_mean_minutes",
        ),
    ] {
        let (status, e) = hall.post(STAFFING, Some(&hall.admin), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["code"], "invalid_target");
        assert_eq!(e["fields"][0]["field"], field);
        assert!(e["message_zh"].as_str().unwrap().contains("目标等候时间"));
    }
    let (status, e) = hall
        .post(
            STAFFING,
            Some(&hall.admin),
            json!({"target_p90_minutes": 15, "days": 11}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["code"], "invalid_days");
    // No target at all: the body is refused in our format.
    let (status, e) = hall.post(STAFFING, Some(&hall.admin), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["code"], "invalid_body");
}

#[tokio::test]
async fn the_openapi_document_describes_both_routes() {
    let hall = Hall::demo().await;
    let (status, doc) = hall.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    for path in [WHATIF, STAFFING] {
        let op = &doc["paths"][path]["post"];
        assert!(op.is_object(), "{path} is missing");
        assert!(op["responses"]["429"].is_object(), "{path}");
        assert!(op["responses"]["422"].is_object(), "{path}");
    }
    let schemas = &doc["components"]["schemas"];
    for name in [
        "WhatifRequest",
        "WhatifResponse",
        "StaffingRequest",
        "StaffingResponse",
    ] {
        assert!(schemas[name].is_object(), "{name}");
    }
}

/// The day simulated can be this hall's own recorded days: a profile is
/// derived from the ticket history (by day of the week and month), and a
/// filter no day matches, or a bad one, is a clear refusal.
#[tokio::test]
async fn a_what_if_on_the_halls_recorded_days() {
    use banli_core::jiff::SignedDuration;
    let mut hall = Hall::demo().await; // Tuesday 2026-11-24, 10:00
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    for _ in 0..12 {
        hall.issue("tax").await;
        hall.issue("social-insurance").await;
    }
    for _ in 0..6 {
        hall.clock.advance(SignedDuration::from_mins(7));
        let (s, _) = hall
            .post("/api/v1/counters/8/call-next", Some(&staff), json!({}))
            .await;
        assert!(s.is_success());
    }
    // Idle for over half an hour, the administrator signs in again.
    hall.admin_again().await;
    let run = |profile: Value| {
        hall.post(
            "/api/v1/admin/whatif",
            Some(&hall.admin),
            json!({"profile": profile, "days": 1}),
        )
    };
    let (s, v) = run(json!({"source": "history", "weekday": 2, "month": 11})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["profile_name"]
            .as_str()
            .unwrap()
            .starts_with("recorded: 1 day"),
        "{v}"
    );
    let tax = service(&v, "tax");
    assert!(f(&tax["current"]["issued"]) > 0.0, "{v}");
    // No recorded Monday.
    let (s, v) = run(json!({"source": "history", "weekday": 1})).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("no_recorded_days")),
        "{v}"
    );
    assert!(
        v["message_zh"]
            .as_str()
            .is_some_and(|m| m.contains("历史记录"))
    );
    // Out of range.
    let (s, v) = run(json!({"source": "history", "month": 13})).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_profile")),
        "{v}"
    );
    assert_eq!(v["fields"][0]["field"], "profile.month");
}
