//! 办件查询 at the kiosk, against the real server: a clerk accepts a case
//! and asks for missing materials (over HTTP, as the console does), then a
//! citizen types the case number and password from the receipt on the
//! kiosk's keypad (egui_kittest, by label) and sees the stage, the dates
//! and the missing materials, the name masked; a wrong password is a
//! plain refusal.

use std::sync::Arc;
use std::time::{Duration, Instant};

use banli_kiosk::client::{Client, ClientConfig};
use banli_kiosk::printer::{Printer, TransportConfig};
use banli_kiosk::state::{KioskState, Screen, Settings};
use banli_kiosk::testing::BlockingShell;
use banli_kiosk::text::{EN, ZH};
use egui_kittest::kittest::Queryable as _;
use serde_json::{Value, json};

use crate::harness::{View, build, builder, click, settle};

fn call(method: &str, url: &str, token: &str, body: Option<Value>) -> Value {
    let agent = ureq::Agent::new_with_defaults();
    let auth = format!("Bearer {token}");
    let r = match (method, body) {
        ("POST", Some(b)) => agent.post(url).header("Authorization", &auth).send_json(b),
        ("POST", None) => agent.post(url).header("Authorization", &auth).send_empty(),
        _ => agent.get(url).header("Authorization", &auth).call(),
    };
    let mut resp = r.expect("the server answers");
    resp.body_mut().read_json().expect("json")
}

/// Types `digits` on the keypad, then taps `submit`.
fn type_digits(h: &mut egui_kittest::Harness<'static, View>, digits: &str, submit: &str) {
    for d in digits.chars() {
        click(h, &d.to_string());
    }
    click(h, submit);
}

/// Runs the effects the screens asked for through the real client.
fn run_effects(h: &mut egui_kittest::Harness<'static, View>, shell: &mut BlockingShell) {
    let fx = std::mem::take(&mut h.state_mut().fx);
    let now = h.state().now;
    shell.run(&mut h.state_mut().k, now, fx);
    settle(h);
}

#[test]
fn a_citizen_looks_up_a_case_on_the_keypad_and_sees_the_missing_materials() {
    let data = tempfile::tempdir().expect("data dir");
    let hall = banli_server::loopback::LoopbackDemo::start(data.path()).expect("demo server");
    let api = format!("{}/api/v1", hall.url);
    let login = ureq::Agent::new_with_defaults()
        .post(format!("{api}/auth/login"))
        .send_json(json!({"username": "staff6", "password": banli_server::DEMO_STAFF_PASSWORD}))
        .expect("login")
        .body_mut()
        .read_json::<Value>()
        .expect("json");
    let staff = login["token"].as_str().expect("token").to_owned();
    call(
        "POST",
        &format!("{api}/tickets"),
        &hall.kiosk_token,
        Some(json!({"service_id": "business-setup"})),
    );
    call("POST", &format!("{api}/counters/6/call-next"), &staff, None);
    let accepted = call(
        "POST",
        &format!("{api}/counters/6/cases"),
        &staff,
        Some(
            json!({"matter_id": "food-business-license", "applicant_name": "张三丰", "phone": "13800001111"}),
        ),
    );
    let case_no = accepted["case"]["case_no"]
        .as_str()
        .expect("case no")
        .to_owned();
    let password = accepted["password"].as_str().expect("password").to_owned();
    call(
        "POST",
        &format!("{api}/cases/{case_no}/steps"),
        &staff,
        Some(
            json!({"action": "request_correction", "materials": ["食品安全管理制度", "从业人员健康证明"]}),
        ),
    );

    let (client, _replies) = Client::new(
        ClientConfig {
            server_url: hall.url.clone(),
            device_token: hall.kiosk_token.clone(),
            timeout: Duration::from_secs(5),
        },
        Arc::new(|| {}),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut shell = BlockingShell {
        client,
        printer: Printer::new(TransportConfig::File {
            path: dir.path().join("tickets.bin"),
        }),
        reports: Vec::new(),
    };
    let now = Instant::now();
    let mut k = KioskState::new(
        Settings::new("e2e", &format!("{}/t/{{id}}?code={{code}}", hall.url)),
        format!("cases-{}", std::process::id()),
        now,
    );
    let fx = k.start(now);
    shell.run(&mut k, now, fx);
    // With BANLI_SCREENSHOTS=<dir>, rendered for real and saved there.
    let shots = std::env::var("BANLI_SCREENSHOTS").ok();
    let b = if shots.is_some() {
        builder().wgpu().with_render_cursor(false)
    } else {
        builder()
    };
    let mut h = build(b, k, now);

    // A wrong password: a plain refusal, nothing of the case.
    click(&mut h, ZH.case_query);
    type_digits(&mut h, &case_no, ZH.next);
    let wrong = if password == "000000" {
        "111111"
    } else {
        "000000"
    };
    type_digits(&mut h, wrong, ZH.look_up);
    run_effects(&mut h, &mut shell);
    assert!(
        matches!(h.state().k.screen, Screen::CaseFailed { .. }),
        "{:?}",
        h.state().k.screen
    );
    assert!(
        h.query_by_label_contains("办件编号或查询密码不正确")
            .is_some()
    );
    assert!(h.query_by_label_contains("食品").is_none());

    // The right one: stage, dates, materials, the name masked.
    click(&mut h, ZH.case_query);
    type_digits(&mut h, &case_no, ZH.next);
    type_digits(&mut h, &password, ZH.look_up);
    run_effects(&mut h, &mut shell);
    assert!(
        matches!(h.state().k.screen, Screen::CaseProgress { .. }),
        "{:?}",
        h.state().k.screen
    );
    assert!(h.query_by_label_contains(&case_no).is_some());
    assert!(h.query_by_label_contains("食品经营许可").is_some());
    assert!(h.query_by_label_contains("待补正材料").is_some());
    assert!(h.query_by_label_contains("1. 食品安全管理制度").is_some());
    assert!(h.query_by_label_contains("2. 从业人员健康证明").is_some());
    assert!(h.query_by_label_contains("申请人：张**").is_some());
    assert!(h.query_by_label_contains("张三丰").is_none());
    assert!(h.query_by_label_contains("13800001111").is_none());

    if let Some(dir) = &shots {
        let image = h.render().expect("render");
        image
            .save(std::path::Path::new(dir).join("kiosk-case-progress.png"))
            .expect("save");
    }

    // In English.
    click(&mut h, ZH.switch_language);
    assert!(
        h.query_by_label_contains("Waiting for missing materials")
            .is_some()
    );
    assert!(h.query_by_label_contains(EN.case_bring).is_some());
    click(&mut h, EN.home);
    assert!(matches!(h.state().k.screen, Screen::Home));
}
