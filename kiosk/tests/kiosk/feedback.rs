//! 「评价 / 投诉」 end to end: the kiosk's screens in egui_kittest, tapped
//! by label, their effects run by the real HTTP client against a real
//! `banli-server` (demo hall, SQLite file) on a loopback port. A clerk
//! calls and finishes tickets over HTTP; what the server recorded is read
//! back from the administrator's ratings report and follow-up list.

use std::sync::Arc;
use std::time::{Duration, Instant};

use banli_core::ids::ServiceId;
use banli_core::wire::{IssueTicketRequest, IssuedTicket};
use banli_kiosk::client::{Client, ClientConfig};
use banli_kiosk::printer::{Printer, TransportConfig};
use banli_kiosk::state::{ApiFailure, Effect, FeedbackRequest, KioskState, Screen, Settings};
use banli_kiosk::testing::{BlockingShell, ready_kiosk};
use banli_kiosk::text::ZH;
use banli_kiosk::ui::feedback::{FEN, FZH};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use serde_json::{Value, json};

use crate::harness::{View, build, builder, click, click_containing, settle};

/// The demo server, the kiosk's shell on it, and an administrator and a
/// clerk signed in over HTTP.
struct Live {
    hall: banli_server::loopback::LoopbackDemo,
    shell: BlockingShell,
    agent: ureq::Agent,
    admin: String,
    staff8: String,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Live {
    fn start() -> Self {
        let data = tempfile::tempdir().expect("data dir");
        let hall = banli_server::loopback::LoopbackDemo::start(data.path()).expect("demo server");
        let paper = tempfile::tempdir().expect("paper dir");
        let (client, _replies) = Client::new(
            ClientConfig {
                server_url: hall.url.clone(),
                device_token: hall.kiosk_token.clone(),
                timeout: Duration::from_secs(5),
            },
            Arc::new(|| {}),
        );
        let shell = BlockingShell {
            client,
            printer: Printer::new(TransportConfig::File {
                path: paper.path().join("tickets.bin"),
            }),
            reports: Vec::new(),
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let mut live = Live {
            hall,
            shell,
            agent,
            admin: String::new(),
            staff8: String::new(),
            _dirs: (data, paper),
        };
        live.admin = live.login("admin", "loopback-demo-admin");
        live.staff8 = live.login("staff8", banli_server::DEMO_STAFF_PASSWORD);
        live
    }

    fn login(&self, user: &str, password: &str) -> String {
        let (status, body) = self.post(
            "/api/v1/auth/login",
            None,
            &json!({"username": user, "password": password}),
        );
        assert_eq!(status, 200, "login {user}: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut req = self.agent.post(format!("{}{path}", self.hall.url));
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req.send_json(body).expect("answer");
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_json().unwrap_or(Value::Null))
    }

    fn get(&self, path: &str, token: &str) -> Value {
        let mut resp = self
            .agent
            .get(format!("{}{path}", self.hall.url))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .expect("answer");
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        resp.body_mut().read_json().expect("json")
    }

    /// A tax ticket taken at the kiosk's API.
    fn take(&self, key: &str) -> IssuedTicket {
        self.shell
            .client
            .post_ticket(
                key,
                &IssueTicketRequest {
                    service_id: ServiceId::from("tax"),
                    priority: None,
                    appointment_code: None,
                },
            )
            .expect("ticket")
    }

    /// A tax ticket that counter 8 called and finished.
    fn served(&self, key: &str) -> IssuedTicket {
        let t = self.take(key);
        for step in ["call-next", "finish"] {
            let (s, b) = self.post(
                &format!("/api/v1/counters/8/{step}"),
                Some(&self.staff8),
                &json!({}),
            );
            assert_eq!(s, 200, "{step}: {b}");
        }
        t
    }

    /// The hall's ratings report (today).
    fn report(&self) -> Value {
        self.get("/api/v1/admin/reports/ratings", &self.admin)["total"].clone()
    }

    /// Open follow-ups.
    fn follow_ups(&self) -> Vec<Value> {
        let v = self.get("/api/v1/follow-ups", &self.admin);
        v.as_array()
            .cloned()
            .or_else(|| v["follow_ups"].as_array().cloned())
            .expect("a list")
    }

    /// The kiosk on this hall, its first fetches done, on its home screen.
    fn kiosk(&mut self) -> Harness<'static, View> {
        let now = Instant::now();
        let mut k = KioskState::new(
            Settings::new("e2e", &format!("{}/t/{{id}}?code={{code}}", self.hall.url)),
            format!("fb-{}", std::process::id()),
            now,
        );
        let fx = k.start(now);
        self.shell.run(&mut k, now, fx);
        assert!(k.is_issuing(), "{:?}", k.link);
        build(builder(), k, now)
    }

    /// Runs what the screens asked for against the server, until they
    /// ask for nothing more.
    fn pump(&mut self, h: &mut Harness<'static, View>) {
        loop {
            let fx = std::mem::take(&mut h.state_mut().fx);
            if fx.is_empty() {
                break;
            }
            let now = h.state().now;
            self.shell.run(&mut h.state_mut().k, now, fx);
            settle(h);
        }
    }
}

/// Taps `digits` on the keypad, then 下一步.
fn keypad(h: &mut Harness<'static, View>, digits: &str) {
    for d in digits.chars() {
        click(h, &d.to_string());
    }
    click(h, ZH.next);
}

/// Home → 评价 / 投诉 → 我要评价 → 编号 → 查询码: the five levels.
fn to_levels(live: &mut Live, h: &mut Harness<'static, View>, id: u64, code: &str) {
    click(h, FZH.home_button);
    live.pump(h);
    assert_eq!(h.state().k.screen, Screen::FeedbackMenu);
    click(h, FZH.rate);
    keypad(h, &id.to_string());
    keypad(h, code);
    assert_eq!(h.state().k.screen, Screen::RateLevel);
    for level in banli_core::rating::Level::ALL {
        assert!(h.query_by_label(level.label_zh()).is_some(), "{level:?}");
    }
}

fn shown(h: &Harness<'static, View>, part: &str) -> bool {
    h.query_by_label_contains(part).is_some()
}

#[test]
fn rate_a_finished_ticket_once_even_after_a_double_tap() {
    let mut live = Live::start();
    let t = live.served("rate-1");
    let mut h = live.kiosk();
    to_levels(&mut live, &mut h, t.ticket.id.0, &t.query_code);

    // A double tap: both taps land before the answer.
    let button = h.get_by_label("非常满意");
    button.click();
    button.click();
    settle(&mut h);
    let sent: Vec<Effect> = h.state().fx.clone();
    let [
        Effect::SendFeedback {
            idempotency_key,
            request: FeedbackRequest::Rate(body),
        },
    ] = sent.as_slice()
    else {
        panic!("one rating sent, got {sent:?}")
    };
    assert_eq!(body.ticket_id, t.ticket.id.0);
    assert!(body.reasons.is_empty());
    // Tapped again on the 提交中 screen: nothing more.
    let now = h.state().now;
    let again = h
        .state_mut()
        .k
        .tap_level(now, banli_core::rating::Level::Satisfied);
    assert!(again.is_empty());
    live.pump(&mut h);
    assert!(
        matches!(h.state().k.screen, Screen::FeedbackDone { .. }),
        "{:?}",
        h.state().k.screen
    );
    assert!(shown(&h, "感谢您的评价"));
    assert!(shown(&h, "Thank you for your rating"));

    // The answer lost and the request sent again with its key: the same
    // rating comes back.
    let replay = live
        .shell
        .client
        .post_feedback(idempotency_key, &FeedbackRequest::Rate(body.clone()))
        .expect("replayed");
    assert!(replay.replayed);

    let total = live.report();
    assert_eq!(total["total"], 1, "{total}");
    assert_eq!(total["levels"]["very_satisfied"], 1, "{total}");

    // A second attempt on the same ticket is refused, and says why.
    click(&mut h, ZH.home);
    to_levels(&mut live, &mut h, t.ticket.id.0, &t.query_code);
    click(&mut h, "满意");
    live.pump(&mut h);
    assert!(matches!(h.state().k.screen, Screen::FeedbackFailed { .. }));
    assert!(shown(&h, "本次服务已评价"), "Chinese");
    assert!(shown(&h, "This service was rated already"), "English");
    assert_eq!(live.report()["total"], 1);

    // The thanks go home by themselves; nothing of the citizen's is left.
    click(&mut h, ZH.home);
    assert_eq!(h.state().k.screen, Screen::Home);
    assert_eq!(h.state().k.feedback, Default::default());
}

#[test]
fn a_bad_rating_without_a_reason_is_refused_then_accepted_with_one() {
    let mut live = Live::start();
    let t = live.served("rate-2");
    let mut h = live.kiosk();
    to_levels(&mut live, &mut h, t.ticket.id.0, &t.query_code);
    click(&mut h, "非常不满意");
    live.pump(&mut h);
    assert_eq!(h.state().k.screen, Screen::RateReasons);
    // The hall's reasons, from the server, each with its English name.
    assert!(shown(&h, "等候时间过长 · Waited too long"));
    assert!(shown(&h, "服务态度不好 · Unfriendly service"));

    click(&mut h, FZH.submit_rating);
    assert!(h.state().fx.is_empty(), "nothing sent without a reason");
    assert!(shown(&h, "请至少选择一项不满意的原因"));
    assert_eq!(h.state().k.screen, Screen::RateReasons);
    assert_eq!(live.report()["total"], 0);

    click_containing(&mut h, "等候时间过长");
    click(&mut h, FZH.submit_rating);
    live.pump(&mut h);
    assert!(matches!(h.state().k.screen, Screen::FeedbackDone { .. }));
    let total = live.report();
    assert_eq!(total["total"], 1, "{total}");
    assert_eq!(total["levels"]["very_dissatisfied"], 1, "{total}");
    // The 差评 opened a follow-up with the reason, from the kiosk.
    let rows = live.follow_ups();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let about = &rows[0]["about"];
    assert_eq!(about["kind"], "rating");
    assert_eq!(about["reasons"], json!(["等候时间过长"]));
    assert_eq!(about["channel"], "kiosk");
}

#[test]
fn a_wrong_code_or_an_unfinished_ticket_is_refused_in_both_languages() {
    let mut live = Live::start();
    let t = live.served("rate-3");
    let mut h = live.kiosk();
    // The code with its first digit changed.
    let wrong: String = t
        .query_code
        .char_indices()
        .map(|(i, c)| match (i, c) {
            (0, '9') => '0',
            (0, c) => char::from(c as u8 + 1),
            (_, c) => c,
        })
        .collect();
    to_levels(&mut live, &mut h, t.ticket.id.0, &wrong);
    click(&mut h, "满意");
    live.pump(&mut h);
    assert!(matches!(h.state().k.screen, Screen::FeedbackFailed { .. }));
    assert!(shown(&h, "号码或查询码不正确"), "Chinese");
    assert!(shown(&h, "No ticket has this number and code"), "English");
    assert_eq!(live.report()["total"], 0);

    // 重新填写 starts again from the 编号, with nothing kept.
    click(&mut h, FZH.try_again);
    assert!(matches!(
        h.state().k.screen,
        Screen::Keypad {
            purpose: banli_kiosk::state::KeypadPurpose::RateTicketId,
            ..
        }
    ));
    assert_eq!(h.state().k.feedback, Default::default());
    click(&mut h, ZH.back);

    // A ticket still waiting cannot be rated yet.
    let waiting = live.take("rate-3-waiting");
    to_levels(&mut live, &mut h, waiting.ticket.id.0, &waiting.query_code);
    click(&mut h, "基本满意");
    live.pump(&mut h);
    assert!(shown(&h, "该号尚未办结"), "Chinese");
    assert!(shown(&h, "This ticket has not been served yet"), "English");
    assert_eq!(live.report()["total"], 0);
}

#[test]
fn a_complaint_is_filed_with_its_category_text_and_phone() {
    let mut live = Live::start();
    let mut h = live.kiosk();
    click(&mut h, FZH.home_button);
    live.pump(&mut h);
    click(&mut h, FZH.complain);
    live.pump(&mut h);
    assert_eq!(h.state().k.screen, Screen::ComplaintForm);
    assert!(
        shown(&h, "收费问题 · Fees"),
        "the hall's categories, in both languages"
    );

    // Not without a category and text.
    click(&mut h, FZH.submit_complaint);
    assert!(h.state().fx.is_empty());
    assert!(shown(&h, "请选择投诉类别"));
    click_containing(&mut h, "办事效率");
    click(&mut h, FZH.submit_complaint);
    assert!(h.state().fx.is_empty());
    assert!(shown(&h, "请写下您要投诉的内容"));

    let text = "等了两个小时窗口一直没人";
    let edit = h.get_by_role(egui::accesskit::Role::MultilineTextInput);
    edit.focus();
    edit.type_text(text);
    settle(&mut h);
    assert_eq!(h.state().k.feedback.complaint_text, text);

    click(&mut h, FZH.add_phone);
    for d in "13800001234".chars() {
        click(&mut h, &d.to_string());
    }
    click(&mut h, ZH.done);
    assert_eq!(h.state().k.screen, Screen::ComplaintForm);
    assert!(shown(&h, "13800001234"));

    click(&mut h, FZH.submit_complaint);
    live.pump(&mut h);
    assert!(matches!(h.state().k.screen, Screen::FeedbackDone { .. }));
    assert!(shown(&h, "您的投诉已受理"));

    let rows = live.follow_ups();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let about = &rows[0]["about"];
    assert_eq!(about["kind"], "complaint");
    assert_eq!(about["category"], "办事效率");
    assert_eq!(about["text"], text);
    assert_eq!(about["phone"], "13800001234");
    assert_eq!(about["channel"], "kiosk");
}

/// No server: the screen says the rating is not sent yet and keeps
/// retrying with the same key; walking away does not drop it; 取消 does,
/// and says so.
#[test]
fn an_unreachable_server_is_said_plainly_and_the_rating_retried_with_its_key() {
    let now = Instant::now();
    let mut h = build(builder(), ready_kiosk(now), now);
    click(&mut h, FZH.home_button);
    assert_eq!(
        std::mem::take(&mut h.state_mut().fx),
        vec![Effect::FetchFeedbackSettings]
    );
    click(&mut h, FZH.rate);
    keypad(&mut h, "42");
    keypad(&mut h, "123456");
    click(&mut h, "满意");
    let key = match std::mem::take(&mut h.state_mut().fx).as_slice() {
        [
            Effect::SendFeedback {
                idempotency_key, ..
            },
        ] => idempotency_key.clone(),
        other => panic!("{other:?}"),
    };
    let _ =
        h.state_mut()
            .k
            .handle_feedback(now, &key, Err(ApiFailure::Unreachable("refused".into())));
    settle(&mut h);
    assert!(shown(&h, FZH.not_answering));
    assert!(shown(&h, FZH.not_sent_yet));
    assert!(h.query_by_label(FZH.cancel_unsent).is_some());

    // The retry is due, with the same key.
    h.state_mut().now = now + Duration::from_secs(2);
    settle(&mut h);
    let retried = std::mem::take(&mut h.state_mut().fx);
    assert!(
        matches!(retried.as_slice(), [Effect::SendFeedback { idempotency_key, .. }] if *idempotency_key == key),
        "{retried:?}"
    );
    // The citizen walks away: home after the idle timeout, the draft
    // forgotten, the attempt still retried.
    let later = now + Duration::from_secs(120);
    let _ = h.state_mut().k.handle_feedback(
        later,
        &key,
        Err(ApiFailure::Unreachable("refused".into())),
    );
    h.state_mut().now = later;
    settle(&mut h);
    assert_eq!(h.state().k.screen, Screen::Home);
    assert_eq!(h.state().k.feedback, Default::default());
    assert!(h.state().k.feedback_pending());
    h.state_mut().now = later + Duration::from_secs(60);
    settle(&mut h);
    let fx = std::mem::take(&mut h.state_mut().fx);
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::SendFeedback { idempotency_key, .. } if *idempotency_key == key)
        ),
        "{fx:?}"
    );
}

#[test]
fn english_labels_and_the_idle_timeout() {
    let now = Instant::now();
    let mut h = build(builder(), ready_kiosk(now), now);
    click(&mut h, ZH.switch_language);
    click(&mut h, FEN.home_button);
    click(&mut h, FEN.rate);
    keypad_en(&mut h, "7");
    keypad_en(&mut h, "654321");
    assert!(h.query_by_label("Very satisfied").is_some());
    assert!(h.query_by_label("Very dissatisfied").is_some());
    // Left on the levels with a ticket typed in: home, in Chinese, and
    // the id and code gone.
    h.state_mut().now = now + Duration::from_secs(61);
    settle(&mut h);
    assert_eq!(h.state().k.screen, Screen::Home);
    assert_eq!(h.state().k.lang, banli_kiosk::text::Lang::Zh);
    assert_eq!(h.state().k.feedback, Default::default());
}

fn keypad_en(h: &mut Harness<'static, View>, digits: &str) {
    for d in digits.chars() {
        click(h, &d.to_string());
    }
    click(h, banli_kiosk::text::EN.next);
}

/// A keyboard-wedge scanner reads the ticket's QR code (its progress URL)
/// on the 编号 keypad: straight to the levels, and the rating is recorded.
#[test]
fn a_scanned_ticket_is_rated() {
    let mut live = Live::start();
    let t = live.served("rate-scan");
    let mut h = live.kiosk();
    click(&mut h, FZH.home_button);
    live.pump(&mut h);
    click(&mut h, FZH.rate);
    let url = format!("{}/t/{}?code={}", live.hall.url, t.ticket.id, t.query_code);
    h.event(egui::Event::Text(url));
    h.event(egui::Event::Key {
        key: egui::Key::Enter,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    });
    settle(&mut h);
    assert_eq!(h.state().k.screen, Screen::RateLevel);
    click(&mut h, "满意");
    live.pump(&mut h);
    assert!(matches!(h.state().k.screen, Screen::FeedbackDone { .. }));
    assert_eq!(live.report()["levels"]["satisfied"], 1);
}
