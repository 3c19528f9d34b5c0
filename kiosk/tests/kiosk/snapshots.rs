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
