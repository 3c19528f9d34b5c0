//! Fixtures for tests (this crate's, and end-to-end tests that drive
//! [`KioskState`](crate::state::KioskState) without a server): the demo
//! hall's services as the server lists them, and the demo guide.

use std::time::Instant;

use banli_core::config::Department;
use banli_core::guide::{Guide, GuideView};
use banli_core::wire::ServiceView;

use crate::state::{KioskState, Settings};

/// `GET /api/v1/services` of the demo hall (`--demo`), all open but
/// 「周六专窗」.
///
/// # Panics
///
/// Never: the fixture is checked in and parsed by the crate's tests.
pub fn demo_services() -> Vec<ServiceView> {
    #[allow(clippy::expect_used)]
    serde_json::from_str(include_str!("state/services.json")).expect("fixture parses")
}

/// `GET /api/v1/guide` of the demo hall: the guide
/// (`assets/demo-guide.toml`) with the hall's departments
/// (`assets/demo-hall.toml`).
///
/// # Panics
///
/// Never: the assets are parsed by the server's tests too.
pub fn demo_guide() -> GuideView {
    /// Just the departments of the hall file; serde skips the rest.
    #[derive(serde::Deserialize)]
    struct Hall {
        departments: Vec<Department>,
    }
    #[allow(clippy::expect_used)]
    let hall: Hall =
        toml::from_str(include_str!("../../assets/demo-hall.toml")).expect("demo hall parses");
    #[allow(clippy::expect_used)]
    let guide: Guide =
        toml::from_str(include_str!("../../assets/demo-guide.toml")).expect("demo guide parses");
    GuideView {
        departments: hall.departments,
        items: guide.items,
    }
}

/// A kiosk that has heard from the server: demo services and guide loaded.
pub fn ready_kiosk(now: Instant) -> KioskState {
    let mut k = KioskState::new(
        Settings::new("滨江区政务服务中心", "http://hall.test/t/{id}?code={code}"),
        "test",
        now,
    );
    let _ = k.start(now);
    let _ = k.handle_services(now, Ok(demo_services()));
    let _ = k.handle_guide(now, Ok(demo_guide()));
    k
}

/// A ticket as the server issues it.
pub fn issued(id: u64, number: &str, service_id: &str) -> banli_core::wire::IssuedTicket {
    #[allow(clippy::expect_used)]
    serde_json::from_value(serde_json::json!({
        "id": id, "number": number, "service_id": service_id,
        "service_name_zh": "出入境证件", "service_name_en": "Exit-Entry Documents",
        "class": "normal", "status": "waiting", "business_day": "2026-11-24",
        "issued_at": "2026-11-24T08:34:36Z", "ahead": 3, "estimated_wait_minutes": 12,
        "counter_id": null, "counter_name_zh": null, "called_at": null,
        "can_requeue": false, "query_code": "221332", "replayed": false,
        "appointment_outside_window": false
    }))
    .expect("fixture parses")
}

/// Runs effects synchronously, feeding each answer straight back into the
/// state: the kiosk without threads or a window, for end-to-end tests
/// against a real server (and a real or fake printer).
pub struct BlockingShell {
    /// The HTTP client (its blocking calls are used).
    pub client: crate::client::Client,
    /// The printer.
    pub printer: crate::printer::Printer,
    /// Every status report sent, in order.
    pub reports: Vec<banli_core::wire::DeviceStatusReport>,
}

impl BlockingShell {
    /// Runs `effects` and everything they lead to.
    pub fn run(&mut self, k: &mut KioskState, now: Instant, effects: Vec<crate::state::Effect>) {
        use crate::state::{Effect, outcome_of_error, outcome_of_status};
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            let more = match effect {
                Effect::FetchServices => k.handle_services(now, self.client.get_services()),
                Effect::FetchGuide => k.handle_guide(now, self.client.get_guide()),
                Effect::RequestTicket {
                    idempotency_key,
                    request,
                } => {
                    let r = self.client.post_ticket(&idempotency_key, &request);
                    k.handle_issued(now, &idempotency_key, r)
                }
                Effect::Print(job) => {
                    let outcome = match self.printer.print(&job.bytes) {
                        Ok(report) => outcome_of_status(report.status),
                        Err(e) => outcome_of_error(&e),
                    };
                    k.handle_print(now, job.ticket, outcome)
                }
                Effect::CheckPrinter => Vec::new(),
                Effect::ReportStatus(report) => {
                    let _ = self.client.post_status(&report);
                    self.reports.push(report);
                    Vec::new()
                }
                Effect::FetchTicket { id, code } => {
                    let r = self.client.get_ticket(id, &code);
                    k.handle_ticket_view(now, &code, false, r)
                }
                Effect::Requeue { id, code } => {
                    let r = self.client.post_requeue(id, &code);
                    k.handle_ticket_view(now, &code, true, r)
                }
                Effect::FetchCase { case_no, password } => {
                    let r = self.client.get_case(&case_no, &password);
                    k.handle_case(now, r)
                }
                Effect::FetchFeedbackSettings => {
                    k.handle_feedback_settings(now, self.client.get_feedback_settings())
                }
                Effect::SendFeedback {
                    idempotency_key,
                    request,
                } => {
                    let r = self.client.post_feedback(&idempotency_key, &request);
                    k.handle_feedback(now, &idempotency_key, r)
                }
            };
            queue.extend(more);
        }
    }
}
