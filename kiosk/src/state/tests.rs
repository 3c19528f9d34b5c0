//! `KioskState` stories: taps and answers in, effects out, time simulated.

use std::time::{Duration, Instant};

use banli_core::config::PriorityClass;
use banli_core::ids::{ServiceId, TicketId};
use banli_core::wire::{ApiError, PrinterState};

use super::*;
use crate::testing::{issued, ready_kiosk};

fn sid(s: &str) -> ServiceId {
    ServiceId::from(s)
}

fn key_of(fx: &[Effect]) -> String {
    match fx {
        [
            Effect::RequestTicket {
                idempotency_key, ..
            },
        ] => idempotency_key.clone(),
        other => panic!("expected one RequestTicket, got {other:?}"),
    }
}

fn paper_out() -> PrintOutcome {
    outcome_of_error(&crate::printer::PrintError::PaperOut)
}

#[test]
fn tap_service_confirm_issues_then_prints() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    k.tap_service(t0, &sid("exit-entry"));
    assert_eq!(
        k.screen,
        Screen::Confirm {
            service_id: sid("exit-entry")
        }
    );
    // The confirm screen has the guide item's materials to remind of.
    assert!(
        !k.guide_item_for(&sid("exit-entry"))
            .map(|i| i.materials.clone())
            .unwrap_or_default()
            .is_empty()
    );
    let fx = k.confirm(t0);
    let key = key_of(&fx);
    let Effect::RequestTicket { request, .. } = &fx[0] else {
        unreachable!()
    };
    assert_eq!(request.service_id, sid("exit-entry"));
    assert_eq!(request.priority, None);
    assert!(matches!(k.screen, Screen::Issuing { .. }));
    // A double tap does nothing.
    assert!(k.confirm(t0).is_empty());

    let fx = k.handle_issued(t0, &key, Ok(issued(7, "B007", "exit-entry")));
    let [Effect::Print(job)] = fx.as_slice() else {
        panic!("expected a print, got {fx:?}")
    };
    assert_eq!(job.ticket, Some((TicketId(7), "B007".to_owned())));
    assert!(job.bytes.starts_with(&[0x1B, 0x40]));
    let Screen::Ticket {
        progress_url,
        print,
        ..
    } = &k.screen
    else {
        panic!("ticket screen expected")
    };
    assert_eq!(progress_url, "http://hall.test/t/7?code=221332");
    assert_eq!(*print, PrintState::Printing);

    // Printed: the screen goes home by itself a few seconds later.
    let fx = k.handle_print(t0, job.ticket.clone(), PrintOutcome::ok(PrinterState::Ok));
    assert!(fx.iter().all(|e| matches!(e, Effect::ReportStatus(_))));
    let t1 = t0 + k.settings.ticket_screen + Duration::from_millis(1);
    assert!(k.next_deadline().is_some_and(|d| d <= t1));
    let _ = k.tick(t1);
    assert_eq!(k.screen, Screen::Home);
}

#[test]
fn closed_service_and_paused_server_take_no_tap() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    k.tap_service(t0, &sid("saturday"));
    assert_eq!(k.screen, Screen::Home);
    let _ = k.handle_services(t0, Err(ApiFailure::Unreachable("refused".into())));
    k.tap_service(t0, &sid("exit-entry"));
    assert_eq!(k.screen, Screen::Home);
}

#[test]
fn idempotency_key_is_reused_on_retry_and_new_per_confirm() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    k.tap_service(t0, &sid("tax"));
    let key = key_of(&k.confirm(t0));
    // Timeout: no answer. Paused, and the same request is retried later.
    let fx = k.handle_issued(t0, &key, Err(ApiFailure::Unreachable("timed out".into())));
    assert!(fx.is_empty());
    assert!(matches!(k.link, ServerLink::Down { .. }));
    assert!(matches!(k.screen, Screen::Issuing { retrying: true, .. }));
    let retry = k.next_deadline().expect("a retry is due");
    let fx = k.tick(retry);
    let retried: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::RequestTicket {
                idempotency_key, ..
            } => Some(idempotency_key.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(retried, vec![key.clone()]);
    // A second failure backs off longer.
    let _ = k.handle_issued(retry, &key, Err(ApiFailure::Unreachable("x".into())));
    let second = k.next_deadline().expect("another retry");
    assert!(second - retry > Duration::from_secs(1));
    let fx = k.tick(second);
    assert!(fx.iter().any(
        |e| matches!(e, Effect::RequestTicket { idempotency_key, .. } if *idempotency_key == key)
    ));
    let _ = k.handle_issued(second, &key, Ok(issued(9, "F009", "tax")));
    assert!(matches!(k.screen, Screen::Ticket { .. }));
    assert_eq!(k.link, ServerLink::Up);

    // The next citizen's confirm gets a new key.
    k.tap_home(second);
    k.tap_service(second, &sid("tax"));
    let key2 = key_of(&k.confirm(second));
    assert_ne!(key, key2);
    // An answer for the old key is ignored.
    assert!(
        k.handle_issued(second, &key, Ok(issued(9, "F009", "tax")))
            .is_empty()
    );
    assert!(matches!(k.screen, Screen::Issuing { .. }));
}

#[test]
fn printer_error_keeps_number_and_reports() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    k.tap_service(t0, &sid("exit-entry"));
    let key = key_of(&k.confirm(t0));
    let _ = k.handle_issued(t0, &key, Ok(issued(7, "B007", "exit-entry")));
    let fx = k.handle_print(t0, Some((TicketId(7), "B007".into())), paper_out());
    let [Effect::ReportStatus(report)] = fx.as_slice() else {
        panic!("expected a report, got {fx:?}")
    };
    assert_eq!(
        report.printer.as_ref().map(|p| p.state),
        Some(PrinterState::PaperOut)
    );
    let failed = report.failed_print.as_ref().expect("failed print reported");
    assert_eq!(
        (failed.ticket_id, failed.number.as_str()),
        (TicketId(7), "B007")
    );
    let Screen::Ticket { issued, print, .. } = &k.screen else {
        panic!("the number stays on screen")
    };
    assert_eq!(issued.ticket.number, "B007");
    assert!(
        matches!(print, PrintState::Failed { message_zh, message_en } if message_zh.contains("缺纸") && message_en.contains("out of paper"))
    );
    // It stays longer than after a good print, for the photograph, and
    // longer than the idle timeout too.
    let _ = k.tick(t0 + k.settings.ticket_screen + Duration::from_secs(1));
    assert!(matches!(k.screen, Screen::Ticket { .. }));
    assert!(k.settings.ticket_screen_failed > k.settings.idle_timeout);
    let _ = k.tick(t0 + k.settings.idle_timeout + Duration::from_secs(1));
    assert!(matches!(k.screen, Screen::Ticket { .. }));
    let _ = k.tick(t0 + k.settings.ticket_screen_failed);
    assert_eq!(k.screen, Screen::Home);
}

#[test]
fn idle_goes_home_and_resets_language_and_text_size() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    k.toggle_language(t0);
    k.toggle_large_text(t0);
    k.tap_guide(t0);
    assert_eq!(k.lang, Lang::En);
    let half = t0 + k.settings.idle_timeout / 2;
    k.tap_guide_department(half, &k.guide_departments()[0]);
    let _ = k.tick(half + k.settings.idle_timeout / 2);
    assert!(
        matches!(k.screen, Screen::GuideItems { .. }),
        "a touch restarts the timer"
    );
    let deadline = k.next_deadline().expect("idle deadline");
    let _ = k.tick(deadline.max(half + k.settings.idle_timeout));
    assert_eq!(k.screen, Screen::Home);
    assert_eq!(k.lang, Lang::Zh);
    assert!(!k.large_text);
}

#[test]
fn server_down_pauses_and_recovers_with_backoff() {
    let t0 = Instant::now();
    let mut settings = Settings::new("h", "u");
    // Only the services poll in this story.
    settings.printer_poll = Duration::from_secs(3600);
    let mut k = KioskState::new(settings, "p", t0);
    let fx = k.start(t0);
    let _ = k.handle_guide(t0, Ok(crate::testing::demo_guide()));
    assert!(fx.contains(&Effect::FetchServices));
    assert!(!k.is_issuing());
    let _ = k.handle_services(
        t0,
        Err(ApiFailure::Unreachable("connection refused".into())),
    );
    assert_eq!(
        k.link,
        ServerLink::Down {
            reason: "connection refused".into()
        }
    );
    let mut now = t0;
    let mut gaps = Vec::new();
    for _ in 0..7 {
        let due = k.next_deadline().expect("retry due");
        gaps.push(due - now);
        now = due;
        let fx = k.tick(now);
        if fx.contains(&Effect::FetchServices) {
            let _ = k.handle_services(now, Err(ApiFailure::Unreachable("refused".into())));
        }
    }
    assert!(gaps.windows(2).all(|w| w[1] >= w[0]), "backs off: {gaps:?}");
    assert!(gaps.iter().all(|g| *g <= k.settings.max_backoff));
    let _ = k.handle_services(now, Ok(crate::testing::demo_services()));
    assert!(k.is_issuing());
    // Back to the normal poll.
    assert_eq!(
        k.next_deadline().map(|d| d - now),
        Some(k.settings.services_poll)
    );
}

#[test]
fn rejected_ticket_shows_the_reason() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    k.tap_appointment(t0);
    for d in "123456".chars() {
        k.keypad_digit(t0, d);
    }
    let _ = k.keypad_submit(t0);
    assert_eq!(k.lane, Lane::Appointment("123456".into()));
    // Only services taking appointments are offered.
    assert!(k.lane_services().iter().all(|s| s.appointments));
    k.tap_service(t0, &sid("exit-entry"));
    let fx = k.confirm(t0);
    let Effect::RequestTicket {
        request,
        idempotency_key,
    } = &fx[0]
    else {
        panic!()
    };
    assert_eq!(request.appointment_code.as_deref(), Some("123456"));
    let err = ApiError {
        code: "unknown_appointment".into(),
        message: "no appointment has this code".into(),
        message_zh: "预约码不存在，请核对后重试".into(),
        fields: Vec::new(),
    };
    let _ = k.handle_issued(t0, idempotency_key, Err(ApiFailure::Rejected(err.clone())));
    assert_eq!(k.screen, Screen::IssueFailed { error: err });
    assert!(k.is_issuing(), "a refusal is an answer: the server is up");
}

#[test]
fn green_channel_sends_priority() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    k.tap_green_channel(t0);
    k.pick_priority(t0, PriorityClass::Military);
    assert!(
        k.lane_services()
            .iter()
            .all(|s| s.priority_classes.contains(&PriorityClass::Military))
    );
    k.tap_service(t0, &sid("business-setup"));
    let fx = k.confirm(t0);
    let Effect::RequestTicket { request, .. } = &fx[0] else {
        panic!()
    };
    assert_eq!(request.priority, Some(PriorityClass::Military));
}

#[test]
fn progress_lookup_and_requeue() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    k.tap_progress(t0);
    k.keypad_digit(t0, '7');
    assert!(k.keypad_submit(t0).is_empty());
    for d in "221332".chars() {
        k.keypad_digit(t0, d);
    }
    let fx = k.keypad_submit(t0);
    assert_eq!(
        fx,
        vec![Effect::FetchTicket {
            id: TicketId(7),
            code: "221332".into()
        }]
    );
    let mut view = issued(7, "B007", "exit-entry").ticket;
    view.status = banli_core::engine::TicketStatus::NoShow;
    view.can_requeue = true;
    let _ = k.handle_ticket_view(t0, "221332", false, Ok(view));
    let fx = k.tap_requeue(t0);
    assert_eq!(
        fx,
        vec![Effect::Requeue {
            id: TicketId(7),
            code: "221332".into()
        }]
    );
}

#[test]
fn admin_pin_guards_settings() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    k.tap_staff(t0);
    k.keypad_digit(t0, '1');
    let _ = k.keypad_submit(t0);
    assert!(matches!(k.screen, Screen::Keypad { wrong: true, .. }));
    for d in k.settings.admin_pin.clone().chars() {
        k.keypad_digit(t0, d);
    }
    let _ = k.keypad_submit(t0);
    assert_eq!(k.screen, Screen::Settings);
    let fx = k.tap_print_test(t0, "2026-11-24 09:00");
    assert!(matches!(
        fx.as_slice(),
        [Effect::Print(PrintJob { ticket: None, .. })]
    ));
}

#[test]
fn no_deadline_in_the_past_while_fetches_are_on_their_way() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    // A poll goes out; while it is on its way a ticket asks for a refresh.
    let t1 = k.next_deadline().expect("poll due");
    assert!(k.tick(t1).contains(&Effect::FetchServices));
    k.tap_service(t1, &sid("tax"));
    let key = key_of(&k.confirm(t1));
    let _ = k.handle_issued(t1, &key, Ok(issued(9, "F009", "tax")));
    let later = t1 + Duration::from_millis(500);
    let _ = k.tick(later);
    assert!(
        k.next_deadline().is_none_or(|d| d > later),
        "a past deadline means repainting without pause"
    );
}

#[test]
fn guide_departments_come_from_the_hall_in_hall_order() {
    let t0 = Instant::now();
    let mut k = ready_kiosk(t0);
    let ids: Vec<String> = k
        .guide_departments()
        .iter()
        .map(ToString::to_string)
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
    let tax = DepartmentId("tax".into());
    assert_eq!(
        k.department_name(&tax, Lang::Zh),
        "国家税务总局滨江区税务局"
    );
    assert!(
        k.department_name(&tax, Lang::En)
            .starts_with("Binjiang District Tax Bureau")
    );
    // A department with no items is not offered; one the hall no longer
    // lists still is (after the others), named by its services.
    let mut guide = crate::testing::demo_guide();
    guide.departments.push(banli_core::config::Department {
        id: DepartmentId("notary".into()),
        name_zh: "公证处".into(),
        name_en: String::new(),
    });
    guide.departments.retain(|d| d.id != tax);
    let _ = k.handle_guide(t0, Ok(guide));
    let ids = k.guide_departments();
    assert!(!ids.contains(&DepartmentId("notary".into())));
    assert_eq!(ids.last(), Some(&tax));
    assert_eq!(k.department_name(&tax, Lang::Zh), "税务办理");
}
