//! The screens driven through egui_kittest: tap by label (the words in
//! `text.rs`), then assert the state and the effects. No GPU: queries go
//! through the accessibility tree.

use std::time::Instant;

use banli_core::config::PriorityClass;
use banli_core::engine::TicketStatus;
use banli_core::ids::TicketId;
use banli_kiosk::state::{ApiFailure, Effect, Lane, PrintState, Screen, outcome_of_error};
use banli_kiosk::testing::{issued, ready_kiosk};
use banli_kiosk::text::{EN, Lang, ZH};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

use crate::harness::{View, click, click_containing, harness, settle};

fn take_key(h: &mut Harness<'static, View>) -> String {
    let fx = std::mem::take(&mut h.state_mut().fx);
    match fx.as_slice() {
        [
            Effect::RequestTicket {
                idempotency_key, ..
            },
        ] => idempotency_key.clone(),
        other => panic!("expected one RequestTicket, got {other:?}"),
    }
}

#[test]
fn two_taps_to_a_ticket_with_qr_and_printed_message() {
    let mut h = harness(ready_kiosk(Instant::now()));
    assert!(h.query_by_label(ZH.choose_service).is_some());
    // Each button has both names and the queue.
    let label = h
        .get_by_label_contains("出入境证件")
        .accesskit_node()
        .label()
        .unwrap_or_default();
    assert!(
        label.contains("Exit-Entry Documents") && label.contains("等候 1 人"),
        "{label}"
    );
    // A closed service says why.
    let closed = h
        .get_by_label_contains("周六")
        .accesskit_node()
        .label()
        .unwrap_or_default();
    assert!(closed.contains(ZH.closed), "{closed}");

    click_containing(&mut h, "出入境证件");
    assert!(matches!(h.state().k.screen, Screen::Confirm { .. }));
    assert!(h.query_by_label(ZH.bring_materials).is_some());
    click(&mut h, ZH.confirm_take);
    let key = take_key(&mut h);
    let now = h.state().now;
    let fx = h
        .state_mut()
        .k
        .handle_issued(now, &key, Ok(issued(7, "B007", "exit-entry")));
    assert!(matches!(fx.as_slice(), [Effect::Print(_)]));
    settle(&mut h);
    assert!(
        h.query_by_label("B007").is_some(),
        "the number is on screen"
    );
    assert!(
        h.query_by_label("http://hall.test/t/7?code=221332")
            .is_some(),
        "the QR code carries the progress URL"
    );
    assert!(h.query_by_label(ZH.printing).is_some());
    let _ = h.state_mut().k.handle_print(
        now,
        Some((TicketId(7), "B007".into())),
        banli_kiosk::state::PrintOutcome::ok(banli_core::wire::PrinterState::Ok),
    );
    settle(&mut h);
    assert!(h.query_by_label(ZH.printed).is_some());
    click(&mut h, ZH.done);
    assert_eq!(h.state().k.screen, Screen::Home);
}

#[test]
fn printer_error_keeps_the_number_and_says_so_in_both_languages() {
    let mut h = harness(ready_kiosk(Instant::now()));
    click_containing(&mut h, "税务");
    click(&mut h, ZH.confirm_take);
    let key = take_key(&mut h);
    let now = h.state().now;
    let _ = h
        .state_mut()
        .k
        .handle_issued(now, &key, Ok(issued(9, "F009", "tax")));
    let fx = h.state_mut().k.handle_print(
        now,
        Some((TicketId(9), "F009".into())),
        outcome_of_error(&banli_kiosk::printer::PrintError::CoverOpen),
    );
    assert!(matches!(fx.as_slice(), [Effect::ReportStatus(r)] if r.failed_print.is_some()));
    settle(&mut h);
    assert!(h.query_by_label("F009").is_some());
    let warning = format!("{} / {}", ZH.photograph, EN.photograph);
    assert!(h.query_by_label(&warning).is_some(), "photograph prompt");
    assert!(h.query_by_label_contains("打印机盖未关好").is_some());
    assert!(h.query_by_label_contains("printer cover is open").is_some());
    assert!(matches!(
        &h.state().k.screen,
        Screen::Ticket {
            print: PrintState::Failed { .. },
            ..
        }
    ));
}

#[test]
fn language_and_large_text_switch_anywhere() {
    let mut h = harness(ready_kiosk(Instant::now()));
    click(&mut h, ZH.switch_language);
    assert_eq!(h.state().k.lang, Lang::En);
    assert!(h.query_by_label(EN.choose_service).is_some());
    click(&mut h, EN.guide);
    click(&mut h, EN.large_text_on);
    assert!(h.state().k.large_text);
    assert!(h.query_by_label(EN.large_text_off).is_some());
    click(&mut h, EN.switch_language);
    assert_eq!(h.state().k.lang, Lang::Zh);
    assert_eq!(h.state().k.screen, Screen::GuideDepartments);
}

#[test]
fn guide_departments_items_detail() {
    let mut h = harness(ready_kiosk(Instant::now()));
    click(&mut h, ZH.guide);
    // Departments by the hall's names, in both languages, with their
    // item counts.
    let exit_entry = banli_core::ids::DepartmentId("exit-entry".into());
    let count = h.state().k.guide_items(&exit_entry).len();
    assert!(count >= 2, "the demo guide has several exit-entry items");
    let label = h
        .get_by_label_contains("公安分局出入境管理大队")
        .accesskit_node()
        .label()
        .unwrap_or_default();
    assert!(
        label.contains("Public Security Exit-Entry Administration")
            && label.contains(&ZH.guide_item_count(count)),
        "{label}"
    );
    assert!(
        h.query_by_label_contains("国家税务总局滨江区税务局")
            .is_some()
    );
    click_containing(&mut h, "公安分局出入境管理大队");
    assert_eq!(
        h.state().k.screen,
        Screen::GuideItems {
            department: exit_entry.clone()
        }
    );
    let first = h.state().k.guide_items(&exit_entry)[0].name_zh.clone();
    click_containing(&mut h, &first);
    assert!(matches!(h.state().k.screen, Screen::GuideDetail { .. }));
    for label in [ZH.fee, ZH.materials] {
        assert!(h.query_by_label(label).is_some(), "{label}");
    }
    assert!(h.query_by_label_contains(ZH.legal_limit).is_some());
    assert!(h.query_by_label_contains(ZH.committed_limit).is_some());
    click(&mut h, ZH.back);
    assert!(matches!(h.state().k.screen, Screen::GuideItems { .. }));
    click(&mut h, ZH.back);
    assert_eq!(h.state().k.screen, Screen::GuideDepartments);
    click(&mut h, ZH.home);
    assert_eq!(h.state().k.screen, Screen::Home);
}

#[test]
fn progress_query_on_the_keypad_and_requeue() {
    let mut h = harness(ready_kiosk(Instant::now()));
    click(&mut h, ZH.progress);
    click(&mut h, "7");
    click(&mut h, ZH.next);
    for d in ["2", "2", "1", "3", "3", "2"] {
        click(&mut h, d);
    }
    click(&mut h, ZH.look_up);
    let fx = std::mem::take(&mut h.state_mut().fx);
    assert_eq!(
        fx,
        vec![Effect::FetchTicket {
            id: TicketId(7),
            code: "221332".into()
        }]
    );
    let mut view = issued(7, "B007", "exit-entry").ticket;
    view.status = TicketStatus::NoShow;
    view.can_requeue = true;
    let now = h.state().now;
    let _ = h
        .state_mut()
        .k
        .handle_ticket_view(now, "221332", false, Ok(view));
    settle(&mut h);
    assert!(h.query_by_label_contains(ZH.st_no_show).is_some());
    click(&mut h, ZH.requeue);
    let fx = std::mem::take(&mut h.state_mut().fx);
    assert_eq!(
        fx,
        vec![Effect::Requeue {
            id: TicketId(7),
            code: "221332".into()
        }]
    );
}

#[test]
fn green_channel_and_appointment() {
    let mut h = harness(ready_kiosk(Instant::now()));
    click(&mut h, ZH.green_channel);
    click(&mut h, ZH.military);
    assert_eq!(h.state().k.lane, Lane::Priority(PriorityClass::Military));
    assert!(
        h.query_by_label_contains("房产").is_none(),
        "不动产 takes no military lane"
    );
    click_containing(&mut h, "企业开办");
    click(&mut h, ZH.confirm_take);
    let fx = std::mem::take(&mut h.state_mut().fx);
    assert!(
        matches!(fx.as_slice(), [Effect::RequestTicket { request, .. }] if request.priority == Some(PriorityClass::Military))
    );

    h.state_mut().k.tap_home(Instant::now());
    settle(&mut h);
    click(&mut h, ZH.appointment);
    for d in ["4", "2"] {
        click(&mut h, d);
    }
    click(&mut h, ZH.delete);
    click(&mut h, "7");
    click(&mut h, ZH.next);
    assert_eq!(h.state().k.lane, Lane::Appointment("47".into()));
}

#[test]
fn server_down_shows_paused_in_both_languages() {
    let mut h = harness(ready_kiosk(Instant::now()));
    let now = h.state().now;
    let _ = h.state_mut().k.handle_services(
        now,
        Err(ApiFailure::Unreachable("connection refused".into())),
    );
    settle(&mut h);
    let banner = format!("{} / {}", ZH.paused, EN.paused);
    assert!(h.query_by_label(&banner).is_some());
    assert!(h.query_by_label_contains("connection refused").is_some());
    click_containing(&mut h, "出入境证件");
    assert_eq!(h.state().k.screen, Screen::Home, "no ticket while paused");
}

#[test]
fn staff_pin_opens_settings_and_prints_a_test_ticket() {
    let mut h = harness(ready_kiosk(Instant::now()));
    click(&mut h, ZH.staff);
    let pin = h.state().k.settings.admin_pin.clone();
    for d in pin.chars() {
        click(&mut h, &d.to_string());
    }
    click(&mut h, ZH.next);
    assert_eq!(h.state().k.screen, Screen::Settings);
    click(&mut h, ZH.print_test);
    let fx = std::mem::take(&mut h.state_mut().fx);
    assert!(matches!(fx.as_slice(), [Effect::Print(job)] if job.ticket.is_none()));
}

#[test]
fn a_dead_printer_is_announced_on_home_before_the_tap() {
    let mut h = harness(ready_kiosk(Instant::now()));
    let now = h.state().now;
    let fx = h.state_mut().k.handle_printer_check(
        now,
        outcome_of_error(&banli_kiosk::printer::PrintError::PaperOut),
    );
    assert!(
        matches!(fx.as_slice(), [Effect::ReportStatus(r)] if r.printer.as_ref().is_some_and(|p| p.state == banli_core::wire::PrinterState::PaperOut))
    );
    settle(&mut h);
    let title = format!("{} / {}", ZH.printer_down, EN.printer_down);
    assert!(h.query_by_label(&title).is_some());
    // Tickets can still be taken: the number is shown on screen.
    click_containing(&mut h, "出入境证件");
    assert!(matches!(h.state().k.screen, Screen::Confirm { .. }));
}

#[test]
fn a_lost_answer_retries_with_the_same_key_and_can_be_cancelled() {
    let mut h = harness(ready_kiosk(Instant::now()));
    click_containing(&mut h, "税务");
    click(&mut h, ZH.confirm_take);
    let key = take_key(&mut h);
    let now = h.state().now;
    let _ =
        h.state_mut()
            .k
            .handle_issued(now, &key, Err(ApiFailure::Unreachable("timed out".into())));
    settle(&mut h);
    let retrying = format!("{} / {}", ZH.retrying, EN.retrying);
    assert!(h.query_by_label(&retrying).is_some());
    let due = h.state().k.next_deadline().expect("retry due");
    let fx = h.state_mut().k.tick(due);
    assert!(fx.iter().any(
        |e| matches!(e, Effect::RequestTicket { idempotency_key, .. } if *idempotency_key == key)
    ));
    click(&mut h, ZH.cancel);
    assert_eq!(h.state().k.screen, Screen::Home);
}

#[test]
fn a_refused_ticket_says_why_in_both_languages() {
    let mut h = harness(ready_kiosk(Instant::now()));
    click_containing(&mut h, "税务");
    click(&mut h, ZH.confirm_take);
    let key = take_key(&mut h);
    let now = h.state().now;
    let _ = h.state_mut().k.handle_issued(
        now,
        &key,
        Err(ApiFailure::Rejected(banli_core::wire::ApiError {
            code: "quota_reached".into(),
            message: "today's quota is used up".into(),
            message_zh: "今日号已取完".into(),
            fields: Vec::new(),
        })),
    );
    settle(&mut h);
    assert!(h.query_by_label_contains("今日号已取完").is_some());
    assert!(h.query_by_label_contains("quota is used up").is_some());
    click(&mut h, ZH.home);
    assert_eq!(h.state().k.screen, Screen::Home);
}

#[test]
fn a_called_ticket_shows_its_counter() {
    let mut h = harness(ready_kiosk(Instant::now()));
    h.state_mut().k.tap_progress(Instant::now());
    h.state_mut().k.keypad_digit(Instant::now(), '7');
    let _ = h.state_mut().k.keypad_submit(Instant::now());
    h.state_mut().k.keypad_digit(Instant::now(), '1');
    let _ = h.state_mut().k.keypad_submit(Instant::now());
    let mut view = issued(7, "B007", "exit-entry").ticket;
    view.status = TicketStatus::Called;
    view.counter_id = Some(banli_core::ids::CounterId(5));
    view.counter_name_zh = Some("5 号窗口".into());
    let now = h.state().now;
    let _ = h
        .state_mut()
        .k
        .handle_ticket_view(now, "1", false, Ok(view));
    settle(&mut h);
    assert!(h.query_by_label_contains("请到 5 号窗口").is_some());
    assert!(
        h.query_by_label(ZH.requeue).is_none(),
        "only a no-show may queue again"
    );
}

#[test]
fn a_touch_anywhere_restarts_the_idle_timer() {
    let t0 = Instant::now();
    let mut h = harness(ready_kiosk(t0));
    click(&mut h, ZH.guide);
    let later = t0 + h.state().k.settings.idle_timeout / 2;
    h.state_mut().now = later;
    // Press on empty space (bottom right of the heading line).
    h.event(egui::Event::PointerButton {
        pos: egui::pos2(1000.0, 130.0),
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    settle(&mut h);
    let idle = h.state().k.settings.idle_timeout;
    let _ = h.state_mut().k.tick(t0 + idle);
    assert_eq!(
        h.state().k.screen,
        Screen::GuideDepartments,
        "still reading"
    );
    let _ = h.state_mut().k.tick(later + idle);
    assert_eq!(h.state().k.screen, Screen::Home);
}
