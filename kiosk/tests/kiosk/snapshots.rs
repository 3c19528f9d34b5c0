//! Image snapshots of the kiosk's main screens, rendered with wgpu (on a
//! machine without a GPU: Mesa's lavapipe, `mesa-vulkan-drivers`) and
//! compared with the PNGs in `kiosk/tests/snapshots/`. The clock is the
//! harness's injected `now`, so the ticket screen's countdown reads the
//! same on every run. After a deliberate change to a screen:
//! `UPDATE_SNAPSHOTS=1 cargo test -p banli-kiosk --test kiosk snapshots`,
//! then look at the new PNGs before committing them.

use std::time::Instant;

use banli_core::ids::{DepartmentId, TicketId};
use banli_kiosk::printer::PrintError;
use banli_kiosk::state::{PrintOutcome, outcome_of_error};
use banli_kiosk::testing::{issued, ready_kiosk};
use banli_kiosk::text::ZH;
use egui_kittest::Harness;

use crate::harness::{View, build, builder, click, click_containing, settle};

/// The kiosk's screen rendered for real, without a mouse pointer (it is a
/// touch screen).
fn rendered() -> Harness<'static, View> {
    let now = Instant::now();
    build(
        builder().wgpu().with_render_cursor(false),
        ready_kiosk(now),
        now,
    )
}

/// From home through 确认取号 to B007 on screen; `printed` is what the
/// printer answers.
fn ticket(h: &mut Harness<'static, View>, printed: PrintOutcome) {
    click_containing(h, "出入境证件");
    click(h, ZH.confirm_take);
    let key = match std::mem::take(&mut h.state_mut().fx).as_slice() {
        [
            banli_kiosk::state::Effect::RequestTicket {
                idempotency_key, ..
            },
        ] => idempotency_key.clone(),
        other => panic!("expected one RequestTicket, got {other:?}"),
    };
    let now = h.state().now;
    let k = &mut h.state_mut().k;
    let _ = k.handle_issued(now, &key, Ok(issued(7, "B007", "exit-entry")));
    let _ = k.handle_print(now, Some((TicketId(7), "B007".into())), printed);
    settle(h);
}

#[test]
fn home() {
    let mut h = rendered();
    h.snapshot("home");
}

#[test]
fn home_large_text() {
    let mut h = rendered();
    click(&mut h, ZH.large_text_on);
    h.snapshot("home-large-text");
}

#[test]
fn confirm() {
    let mut h = rendered();
    click_containing(&mut h, "出入境证件");
    h.snapshot("confirm");
}

#[test]
fn ticket_with_qr_code() {
    let mut h = rendered();
    ticket(&mut h, PrintOutcome::ok(banli_core::wire::PrinterState::Ok));
    h.snapshot("ticket");
}

#[test]
fn ticket_when_the_printer_fails() {
    let mut h = rendered();
    ticket(&mut h, outcome_of_error(&PrintError::CoverOpen));
    h.snapshot("ticket-printer-error");
}

#[test]
fn guide_departments_and_item_detail() {
    let mut h = rendered();
    click(&mut h, ZH.guide);
    h.snapshot("guide-departments");
    click_containing(&mut h, "公安分局出入境管理大队");
    let first = h.state().k.guide_items(&DepartmentId("exit-entry".into()))[0]
        .name_zh
        .clone();
    click_containing(&mut h, &first);
    h.snapshot("guide-detail");
}

/// 「评价 / 投诉」's screens, with the demo hall's lists as the server
/// gives them. Also saved to `$BANLI_SCREENSHOTS/kiosk-rate-*.png` when
/// set (for `docs/screenshots`).
mod feedback {
    use banli_kiosk::state::{ApiFailure, Effect, FeedbackSettings, Screen};
    use banli_kiosk::text::ZH;
    use banli_kiosk::ui::feedback::FZH;
    use egui_kittest::Harness;

    use super::rendered;
    use crate::harness::{View, click, settle};

    fn shot(h: &mut Harness<'static, View>, name: &str) {
        h.snapshot(name);
        if let Some(dir) = std::env::var_os("BANLI_SCREENSHOTS") {
            let image = h.render().expect("rendered");
            image
                .save(std::path::Path::new(&dir).join(format!("{name}.png")))
                .expect("saved");
        }
    }

    /// The demo hall's lists as `GET /ratings/settings` gives them.
    fn lists() -> FeedbackSettings {
        let names = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(zh, en)| serde_json::json!({"zh": zh, "en": en}))
                .collect::<Vec<_>>()
        };
        let reasons = [
            ("等候时间过长", "Waited too long"),
            ("服务态度不好", "Unfriendly service"),
            ("业务不熟练", "Clerk unfamiliar with the business"),
            ("办事指南不清楚", "Unclear service guide"),
            ("材料要求反复", "Asked for materials again and again"),
            ("环境设施不便", "Inconvenient facilities"),
        ];
        let categories = [
            ("服务态度", "Service attitude"),
            ("办事效率", "Efficiency"),
            ("收费问题", "Fees"),
            ("环境设施", "Facilities"),
            ("其他", "Other"),
        ];
        serde_json::from_value(serde_json::json!({
            "reasons": reasons.map(|(zh, _)| zh),
            "complaint_categories": categories.map(|(zh, _)| zh),
            "reason_names": names(&reasons),
            "complaint_category_names": names(&categories),
            "window_days": 7,
        }))
        .expect("the server's settings")
    }

    fn menu() -> Harness<'static, View> {
        let mut h = rendered();
        click(&mut h, FZH.home_button);
        let now = h.state().now;
        let _ = h.state_mut().k.handle_feedback_settings(now, Ok(lists()));
        h.state_mut().fx.clear();
        settle(&mut h);
        h
    }

    fn levels() -> Harness<'static, View> {
        let mut h = menu();
        click(&mut h, FZH.rate);
        for d in "1027".chars() {
            click(&mut h, &d.to_string());
        }
        click(&mut h, ZH.next);
        for d in "483920".chars() {
            click(&mut h, &d.to_string());
        }
        click(&mut h, ZH.next);
        h
    }

    #[test]
    fn menu_screen() {
        let mut h = menu();
        shot(&mut h, "kiosk-rate-menu");
    }

    #[test]
    fn rate_screens() {
        let mut h = levels();
        shot(&mut h, "kiosk-rate-levels");
        click(&mut h, "不满意");
        click(&mut h, FZH.submit_rating);
        click(&mut h, "等候时间过长 · Waited too long");
        shot(&mut h, "kiosk-rate-reasons");
        click(&mut h, FZH.submit_rating);
        let key = match std::mem::take(&mut h.state_mut().fx).as_slice() {
            [
                Effect::SendFeedback {
                    idempotency_key, ..
                },
            ] => idempotency_key.clone(),
            other => panic!("{other:?}"),
        };
        let now = h.state().now;
        let _ = h.state_mut().k.handle_feedback(
            now,
            &key,
            Ok(banli_kiosk::state::Recorded {
                id: 1,
                follow_up_id: Some(1),
                replayed: false,
                message_zh: "感谢您的评价！".into(),
                message: "Thank you for your rating!".into(),
            }),
        );
        settle(&mut h);
        shot(&mut h, "kiosk-rate-thanks");
    }

    #[test]
    fn rate_refused_and_server_down() {
        let mut h = levels();
        click(&mut h, "满意");
        let key = match std::mem::take(&mut h.state_mut().fx).as_slice() {
            [
                Effect::SendFeedback {
                    idempotency_key, ..
                },
            ] => idempotency_key.clone(),
            other => panic!("{other:?}"),
        };
        let now = h.state().now;
        let _ = h.state_mut().k.handle_feedback(
            now,
            &key,
            Err(ApiFailure::Unreachable("connection refused".into())),
        );
        settle(&mut h);
        shot(&mut h, "kiosk-rate-offline");
        h.state_mut().k.screen = Screen::FeedbackFailed {
            error: banli_core::wire::ApiError {
                code: "rating_wrong_code".into(),
                message: "no ticket has this number and code; check both and try again".into(),
                message_zh: "号码或查询码不正确，请核对后重试".into(),
                fields: Vec::new(),
            },
        };
        settle(&mut h);
        shot(&mut h, "kiosk-rate-refused");
    }

    #[test]
    fn complaint_form() {
        let mut h = menu();
        click(&mut h, FZH.complain);
        click(&mut h, "办事效率 · Efficiency");
        h.state_mut().k.feedback.complaint_text =
            "等了两个小时，3号窗口一直没有人，也没有人解释。".into();
        h.state_mut().k.feedback.phone = "13800001234".into();
        settle(&mut h);
        shot(&mut h, "kiosk-rate-complaint");
    }
}
