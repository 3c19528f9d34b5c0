//! The kiosk's behaviour as a plain struct: [`KioskState`]. No egui, no
//! I/O, no clock: every method takes `now` and returns the [`Effect`]s the
//! shell must carry out (fetch, issue, print, report); the shell feeds the
//! answers back through the `handle_*` methods.
//!
//! Contract for callers (the app, and tests):
//!
//! 1. call [`KioskState::start`] once and run its effects;
//! 2. on a tap, call the matching method (`tap_*`, `confirm`, …) and run
//!    its effects;
//! 3. when a worker answers, call the matching `handle_*` and run its
//!    effects;
//! 4. call [`KioskState::tick`] at [`KioskState::next_deadline`] (and
//!    after any of the above is harmless) for retries, polls and the idle
//!    timeout.
//!
//! The kiosk never invents a number: a ticket is shown only from the
//! server's answer. One `Idempotency-Key` is made per confirm and reused
//! for every retry of that confirm, so a timeout or a double tap never
//! yields two tickets.

use std::time::{Duration, Instant};

use banli_core::config::PriorityClass;
use banli_core::guide::{GuideItem, GuideView};
use banli_core::ids::{DepartmentId, ServiceId, TicketId};
use banli_core::wire::{
    ApiError, DeviceStatusReport, FailedPrint, IssueTicketRequest, IssuedTicket, PrinterReport,
    PrinterState, ServiceView, TicketView,
};

use crate::text::Lang;

mod feedback;
use crate::ticket_layout::{self, PaperWidth, PrinterModel, TicketContext, TicketPrint};
pub use feedback::{
    ComplaintBody, FeedbackDraft, FeedbackRequest, FeedbackSettings, RateBody, Recorded,
    THANKS_SCREEN, parse_scanned, refusal_text,
};

/// Longest booking code or ticket id typed on the keypad.
pub const MAX_KEYPAD_DIGITS: usize = 12;
/// Longest case number (办件编号) typed on the keypad: the default
/// pattern gives 18 digits (region, date, sequence).
pub const MAX_CASE_DIGITS: usize = 30;

/// What the shell must do for the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// `GET /api/v1/services`; answer with [`KioskState::handle_services`].
    FetchServices,
    /// `GET /api/v1/guide`; answer with [`KioskState::handle_guide`].
    FetchGuide,
    /// `POST /api/v1/tickets` with this `Idempotency-Key`; answer with
    /// [`KioskState::handle_issued`].
    RequestTicket {
        /// Same for every retry of one confirm.
        idempotency_key: String,
        /// The body.
        request: IssueTicketRequest,
    },
    /// Send these bytes to the printer; answer with
    /// [`KioskState::handle_print`].
    Print(PrintJob),
    /// Read the printer's status; answer with
    /// [`KioskState::handle_printer_check`].
    CheckPrinter,
    /// `POST /api/v1/devices/status`. Fire and forget: a lost report is
    /// sent again with the next periodic one.
    ReportStatus(DeviceStatusReport),
    /// `GET /api/v1/tickets/{id}?code=`; answer with
    /// [`KioskState::handle_ticket_view`].
    FetchTicket {
        /// Ticket id.
        id: TicketId,
        /// Its query code.
        code: String,
    },
    /// `POST /api/v1/tickets/{id}/requeue?code=`; answer with
    /// [`KioskState::handle_ticket_view`].
    Requeue {
        /// Ticket id.
        id: TicketId,
        /// Its query code.
        code: String,
    },
    /// `GET /api/v1/cases/{case_no}/progress?password=`; answer with
    /// [`KioskState::handle_case`].
    FetchCase {
        /// 办件编号.
        case_no: String,
        /// 查询密码.
        password: String,
    },
    /// `GET /api/v1/ratings/settings`; answer with
    /// [`KioskState::handle_feedback_settings`].
    FetchFeedbackSettings,
    /// `POST /api/v1/ratings` or `/complaints` with this `Idempotency-Key`;
    /// answer with [`KioskState::handle_feedback`].
    SendFeedback {
        /// Same for every retry of one 提交.
        idempotency_key: String,
        /// The rating or complaint.
        request: FeedbackRequest,
    },
}

/// One print job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintJob {
    /// The ticket printed, or `None` for a test ticket.
    pub ticket: Option<(TicketId, String)>,
    /// ESC/POS bytes from [`ticket_layout::encode`].
    pub bytes: Vec<u8>,
}

/// A request that did not get its answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// No answer: connection refused, timeout, a 5xx, garbage. Retried.
    Unreachable(String),
    /// The server answered no (4xx) with its reason in both languages.
    Rejected(ApiError),
}

impl ApiFailure {
    /// Whether the server can be taken as down.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ApiFailure::Unreachable(_))
    }
}

/// How a print job (or status check) went, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintOutcome {
    /// The printer's state afterwards.
    pub state: PrinterState,
    /// For the screen, in Chinese (empty when fine).
    pub message_zh: String,
    /// For the screen, in English (empty when fine).
    pub message_en: String,
    /// For staff and logs: which printer and what was seen.
    pub detail: String,
}

impl PrintOutcome {
    /// A job that printed, with the state read before it.
    pub fn ok(state: PrinterState) -> Self {
        PrintOutcome {
            state,
            message_zh: String::new(),
            message_en: String::new(),
            detail: String::new(),
        }
    }

    /// Whether the ticket came out.
    pub fn printed(&self) -> bool {
        matches!(self.state, PrinterState::Ok | PrinterState::PaperNearEnd)
    }
}

/// Fixed settings, from `kiosk.toml`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Back home (and to Chinese, normal text) after this long untouched.
    pub idle_timeout: Duration,
    /// The ticket screen stays this long after a good print.
    pub ticket_screen: Duration,
    /// … and this long after a failed one, for the photograph.
    pub ticket_screen_failed: Duration,
    /// How often waiting figures are refreshed.
    pub services_poll: Duration,
    /// How often the guide is refreshed.
    pub guide_poll: Duration,
    /// How often the printer is checked and reported.
    pub printer_poll: Duration,
    /// Longest pause between retries when the server is down.
    pub max_backoff: Duration,
    /// Whether English is offered at all.
    pub english: bool,
    /// Staff PIN for the settings screen.
    pub admin_pin: String,
    /// What the paper ticket says beyond the server's answer.
    pub ticket_context: TicketContext,
    /// Paper width.
    pub paper: PaperWidth,
    /// Printer model (Chinese mode commands, QR size).
    pub model: PrinterModel,
    /// Software version, for status reports.
    pub version: String,
}

impl Settings {
    /// Sensible defaults around a progress URL template, for tests and
    /// for `kiosk.toml` to override.
    pub fn new(hall_name: &str, progress_url_template: &str) -> Self {
        Settings {
            idle_timeout: Duration::from_secs(60),
            ticket_screen: Duration::from_secs(10),
            ticket_screen_failed: Duration::from_secs(90),
            services_poll: Duration::from_secs(10),
            guide_poll: Duration::from_secs(600),
            printer_poll: Duration::from_secs(60),
            max_backoff: Duration::from_secs(30),
            english: true,
            admin_pin: "000000".to_owned(),
            ticket_context: TicketContext {
                hall_name: hall_name.to_owned(),
                progress_url_template: progress_url_template.to_owned(),
                time_zone: jiff::tz::TimeZone::get("Asia/Shanghai")
                    .unwrap_or(jiff::tz::TimeZone::UTC),
                notice: "请留意叫号，过号需重新排队。".to_owned(),
                english: true,
            },
            paper: PaperWidth::Mm80,
            model: PrinterModel::default(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// How a ticket is being taken.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Lane {
    /// A normal ticket.
    #[default]
    Normal,
    /// 绿色通道.
    Priority(PriorityClass),
    /// Appointment check-in with its booking code.
    Appointment(String),
}

/// Which keypad entry is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeypadPurpose {
    /// Booking code for appointment check-in.
    BookingCode,
    /// Ticket id for the progress query.
    TicketId,
    /// Query code, after the ticket id.
    QueryCode,
    /// Staff PIN.
    AdminPin,
    /// 办件编号 for the case query.
    CaseNumber,
    /// 查询密码, after the case number.
    CasePassword,
    /// 评价: the ticket's 编号.
    RateTicketId,
    /// 评价: its 查询码.
    RateCode,
    /// 投诉: a phone number to call back (optional).
    ComplaintPhone,
}

/// The paper side of a ticket on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintState {
    /// Sent to the printer.
    Printing,
    /// It came out.
    Printed,
    /// It did not: why, in both languages.
    Failed {
        /// Chinese.
        message_zh: String,
        /// English.
        message_en: String,
    },
}

/// What is on screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Service buttons.
    Home,
    /// Pick a 绿色通道 class.
    PriorityPick,
    /// A numeric keypad.
    Keypad {
        /// What the digits are for.
        purpose: KeypadPurpose,
        /// Digits so far.
        digits: String,
        /// A message under the keypad (wrong PIN).
        wrong: bool,
    },
    /// Confirm a service; shows the materials to bring.
    Confirm {
        /// The chosen service.
        service_id: ServiceId,
    },
    /// Waiting for the server to issue (retrying with backoff).
    Issuing {
        /// The chosen service.
        service_id: ServiceId,
        /// Whether a try has failed for lack of an answer.
        retrying: bool,
    },
    /// The server refused the ticket.
    IssueFailed {
        /// Its reason.
        error: ApiError,
    },
    /// The ticket, large, with its QR code.
    Ticket {
        /// The server's answer.
        issued: Box<IssuedTicket>,
        /// The URL in the QR code (and on paper).
        progress_url: String,
        /// The paper side.
        print: PrintState,
        /// Back home at this time (set once printing ends).
        until: Option<Instant>,
    },
    /// Guide: departments.
    GuideDepartments,
    /// Guide: one department's items.
    GuideItems {
        /// The department.
        department: DepartmentId,
    },
    /// Guide: one item.
    GuideDetail {
        /// Its id.
        item_id: String,
    },
    /// Progress: waiting for the server.
    ProgressLoading,
    /// Progress: the ticket's state.
    Progress {
        /// The answer.
        view: Box<TicketView>,
        /// For a re-queue.
        code: String,
        /// A re-queue was done on this screen.
        requeued: bool,
    },
    /// Progress: the server said no (wrong code, unknown ticket).
    ProgressFailed {
        /// Its reason.
        error: ApiError,
    },
    /// Staff settings, behind the PIN.
    Settings,
    /// 办件查询: waiting for the server.
    CaseLoading,
    /// 办件查询: the case's progress.
    CaseProgress {
        /// The answer (the name masked, nothing else personal).
        view: Box<banli_core::case::CaseProgress>,
    },
    /// 办件查询: the server said no (wrong number or password, too many tries).
    CaseFailed {
        /// Its reason.
        error: ApiError,
    },
    /// 评价 / 投诉: which.
    FeedbackMenu,
    /// 评价: the five levels.
    RateLevel,
    /// 评价: a 差评's reasons and optional text.
    RateReasons,
    /// 投诉: category, text, phone.
    ComplaintForm,
    /// A rating or complaint on its way (retrying while unanswered).
    FeedbackSending {
        /// Whether a try has failed for lack of an answer.
        retrying: bool,
    },
    /// Recorded: the server's thanks.
    FeedbackDone {
        /// Chinese.
        message_zh: String,
        /// English.
        message_en: String,
        /// Home at this time.
        until: Instant,
    },
    /// The server refused the rating or complaint.
    FeedbackFailed {
        /// Its reason.
        error: ApiError,
    },
}

/// The link to the server, as far as the kiosk knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerLink {
    /// Not heard from yet.
    Connecting,
    /// Answering.
    Up,
    /// Not answering: issuing is paused until it does.
    Down {
        /// The last failure, for the screen.
        reason: String,
    },
}

/// One confirm's ticket request, kept for retries.
#[derive(Debug, Clone, PartialEq)]
struct PendingIssue {
    idempotency_key: String,
    request: IssueTicketRequest,
    /// Set while waiting for an answer; cleared on a failed try.
    in_flight: bool,
    attempts: u32,
    retry_at: Option<Instant>,
}

/// The kiosk. See the module docs for the calling contract.
#[derive(Debug, Clone)]
pub struct KioskState {
    /// Fixed settings.
    pub settings: Settings,
    /// Unique per process start, so idempotency keys never repeat across
    /// restarts.
    key_prefix: String,
    key_seq: u64,
    /// What is on screen.
    pub screen: Screen,
    /// Screen language.
    pub lang: Lang,
    /// Large-text mode.
    pub large_text: bool,
    /// How the next ticket is taken.
    pub lane: Lane,
    /// Services and their waiting figures, from the last poll.
    pub services: Vec<ServiceView>,
    /// The guide catalogue and the hall's departments.
    pub guide: GuideView,
    /// The server link.
    pub link: ServerLink,
    /// The printer's last known state and message.
    pub printer: Option<PrintOutcome>,
    /// Digits of a ticket id being looked up (kept while the code is typed).
    progress_id: Option<TicketId>,
    /// A case number being looked up (kept while the password is typed).
    case_no: Option<String>,
    pending: Option<PendingIssue>,
    last_touch: Instant,
    services_due: Option<Instant>,
    services_in_flight: bool,
    backoff: Duration,
    guide_due: Option<Instant>,
    guide_in_flight: bool,
    guide_backoff: Duration,
    printer_due: Option<Instant>,
    /// 评价 / 投诉: what the citizen has entered.
    pub feedback: FeedbackDraft,
    /// The hall's reasons and complaint categories, once fetched.
    pub feedback_settings: Option<FeedbackSettings>,
    feedback_settings_in_flight: bool,
    feedback_settings_due: Option<Instant>,
    feedback_pending: Option<feedback::PendingFeedback>,
}

const MIN_BACKOFF: Duration = Duration::from_secs(1);

impl KioskState {
    /// A kiosk at its home screen. `key_prefix` must differ between
    /// process starts (the app uses the start time and process id).
    pub fn new(settings: Settings, key_prefix: impl Into<String>, now: Instant) -> Self {
        KioskState {
            settings,
            key_prefix: key_prefix.into(),
            key_seq: 0,
            screen: Screen::Home,
            lang: Lang::Zh,
            large_text: false,
            lane: Lane::Normal,
            services: Vec::new(),
            guide: GuideView::default(),
            link: ServerLink::Connecting,
            printer: None,
            progress_id: None,
            case_no: None,
            pending: None,
            last_touch: now,
            services_due: None,
            services_in_flight: false,
            backoff: MIN_BACKOFF,
            guide_due: None,
            guide_in_flight: false,
            guide_backoff: MIN_BACKOFF,
            printer_due: None,
            feedback: FeedbackDraft::default(),
            feedback_settings: None,
            feedback_settings_in_flight: false,
            feedback_settings_due: None,
            feedback_pending: None,
        }
    }

    /// First fetches and the first printer check.
    pub fn start(&mut self, now: Instant) -> Vec<Effect> {
        self.services_in_flight = true;
        self.guide_in_flight = true;
        self.printer_due = Some(now + self.settings.printer_poll);
        vec![
            Effect::FetchServices,
            Effect::FetchGuide,
            Effect::CheckPrinter,
        ]
    }

    // ---- Getters for the screens. ----

    /// Whether tickets can be taken now (the server answers).
    pub fn is_issuing(&self) -> bool {
        self.link == ServerLink::Up
    }

    /// A service by id.
    pub fn service(&self, id: &ServiceId) -> Option<&ServiceView> {
        self.services.iter().find(|s| &s.id == id)
    }

    /// Services offered in the current lane: all of them normally; those
    /// accepting the class in the 绿色通道; those taking appointments for
    /// a check-in.
    pub fn lane_services(&self) -> Vec<&ServiceView> {
        self.services
            .iter()
            .filter(|s| match &self.lane {
                Lane::Normal => true,
                Lane::Priority(class) => s.priority_classes.contains(class),
                Lane::Appointment(_) => s.appointments,
            })
            .collect()
    }

    /// The guide item for a service (its materials for the confirm screen).
    pub fn guide_item_for(&self, service: &ServiceId) -> Option<&GuideItem> {
        self.guide
            .items
            .iter()
            .find(|i| i.service_id.as_ref() == Some(service))
    }

    /// A guide item by id.
    pub fn guide_item(&self, id: &str) -> Option<&GuideItem> {
        self.guide.items.iter().find(|i| i.id == id)
    }

    /// The guide's first level: the hall's departments that have items,
    /// in hall order, then any department an item names that the hall no
    /// longer lists (removed since the item was written), so no item is
    /// out of reach.
    pub fn guide_departments(&self) -> Vec<DepartmentId> {
        let mut out: Vec<DepartmentId> = self
            .guide
            .departments
            .iter()
            .filter(|d| self.guide.items.iter().any(|i| i.department == d.id))
            .map(|d| d.id.clone())
            .collect();
        for item in &self.guide.items {
            if !out.contains(&item.department) {
                out.push(item.department.clone());
            }
        }
        out
    }

    /// A department's name in `lang` (Chinese when it has no English
    /// name): the hall's name for it, else (a department the hall no
    /// longer lists) its services' names, else its id.
    pub fn department_name(&self, department: &DepartmentId, lang: Lang) -> String {
        if let Some(d) = self.guide.departments.iter().find(|d| &d.id == department) {
            return match lang {
                Lang::En if !d.name_en.is_empty() => d.name_en.clone(),
                _ => d.name_zh.clone(),
            };
        }
        let names: Vec<&str> = self
            .services
            .iter()
            .filter(|s| &s.department == department)
            .map(|s| match lang {
                Lang::En if !s.name_en.is_empty() => s.name_en.as_str(),
                _ => s.name_zh.as_str(),
            })
            .collect();
        if names.is_empty() {
            department.to_string()
        } else {
            names.join(if lang == Lang::Zh { "、" } else { ", " })
        }
    }

    /// A department's guide items.
    pub fn guide_items(&self, department: &DepartmentId) -> Vec<&GuideItem> {
        self.guide
            .items
            .iter()
            .filter(|i| &i.department == department)
            .collect()
    }

    /// The progress URL for a ticket.
    pub fn progress_url(&self, issued: &IssuedTicket) -> String {
        self.settings
            .ticket_context
            .progress_url_template
            .replace("{id}", &issued.ticket.id.to_string())
            .replace("{code}", &issued.query_code)
    }

    /// When [`KioskState::tick`] next has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        // A fetch already on its way is not due again until it answers; a
        // past deadline here would make the app repaint without pause.
        let mut deadlines = vec![
            self.services_due.filter(|_| !self.services_in_flight),
            self.guide_due.filter(|_| !self.guide_in_flight),
            self.printer_due,
        ];
        // The ticket screen has its own timer (longer after a failed print,
        // for the photograph); the idle timeout does not cut it short.
        let on_ticket = matches!(self.screen, Screen::Ticket { .. });
        if !on_ticket && (self.screen != Screen::Home || self.lang != Lang::Zh || self.large_text) {
            deadlines.push(Some(self.last_touch + self.settings.idle_timeout));
        }
        if let Screen::Ticket { until, .. } = &self.screen {
            deadlines.push(*until);
        }
        if let Some(p) = &self.pending
            && !p.in_flight
        {
            deadlines.push(p.retry_at);
        }
        deadlines.push(self.feedback_deadline());
        deadlines.into_iter().flatten().min()
    }

    // ---- Time. ----

    /// Retries, polls, the ticket screen's timer and the idle timeout.
    pub fn tick(&mut self, now: Instant) -> Vec<Effect> {
        let mut fx = Vec::new();
        if self.services_due.is_some_and(|t| now >= t) && !self.services_in_flight {
            self.services_due = None;
            self.services_in_flight = true;
            fx.push(Effect::FetchServices);
        }
        if self.guide_due.is_some_and(|t| now >= t) && !self.guide_in_flight {
            self.guide_due = None;
            self.guide_in_flight = true;
            fx.push(Effect::FetchGuide);
        }
        if self.printer_due.is_some_and(|t| now >= t) {
            self.printer_due = Some(now + self.settings.printer_poll);
            fx.push(Effect::CheckPrinter);
        }
        if let Some(p) = &mut self.pending
            && !p.in_flight
            && p.retry_at.is_some_and(|t| now >= t)
        {
            p.in_flight = true;
            p.retry_at = None;
            p.attempts += 1;
            fx.push(Effect::RequestTicket {
                idempotency_key: p.idempotency_key.clone(),
                request: p.request.clone(),
            });
        }
        if let Screen::Ticket { until: Some(t), .. } = &self.screen
            && now >= *t
        {
            // The citizen has gone with the number: reset for the next one.
            self.go_home();
            self.lang = Lang::Zh;
            self.large_text = false;
        }
        self.feedback_tick(now, &mut fx);
        if now.saturating_duration_since(self.last_touch) >= self.settings.idle_timeout {
            self.reset_idle();
        }
        fx
    }

    /// Back home in Chinese at normal size, as the next citizen expects.
    fn reset_idle(&mut self) {
        if matches!(self.screen, Screen::Ticket { .. }) {
            // Its own timer ends it (set when printing ends).
            return;
        }
        self.go_home();
        self.lang = Lang::Zh;
        self.large_text = false;
    }

    fn go_home(&mut self) {
        self.screen = Screen::Home;
        self.lane = Lane::Normal;
        self.pending = None;
        self.progress_id = None;
        self.case_no = None;
        // The next citizen sees nothing of this one's 评价 / 投诉 (an
        // attempt on its way keeps retrying: see `feedback`).
        self.feedback = FeedbackDraft::default();
    }

    // ---- Taps. ----

    /// Any touch: restarts the idle timer.
    pub fn touch(&mut self, now: Instant) {
        self.last_touch = now;
    }

    /// 中文/English.
    pub fn toggle_language(&mut self, now: Instant) {
        self.touch(now);
        self.lang = match self.lang {
            Lang::Zh if self.settings.english => Lang::En,
            _ => Lang::Zh,
        };
    }

    /// Large-text mode on/off.
    pub fn toggle_large_text(&mut self, now: Instant) {
        self.touch(now);
        self.large_text = !self.large_text;
    }

    /// The home button, or 返回 on the first screen of a flow.
    pub fn tap_home(&mut self, now: Instant) {
        self.touch(now);
        self.go_home();
    }

    /// A service button: on to the confirm screen, if it can issue.
    pub fn tap_service(&mut self, now: Instant, id: &ServiceId) {
        self.touch(now);
        if self.is_issuing() && self.service(id).is_some_and(|s| s.is_open) {
            self.screen = Screen::Confirm {
                service_id: id.clone(),
            };
        }
    }

    /// 返回 on the confirm screen: back to the service list, same lane.
    pub fn tap_back_to_services(&mut self, now: Instant) {
        self.touch(now);
        self.screen = Screen::Home;
    }

    /// 确认取号: one new idempotency key, one request. A second tap while
    /// the first is on its way does nothing.
    pub fn confirm(&mut self, now: Instant) -> Vec<Effect> {
        self.touch(now);
        let Screen::Confirm { service_id } = &self.screen else {
            return Vec::new();
        };
        if !self.is_issuing() {
            return Vec::new();
        }
        let service_id = service_id.clone();
        self.key_seq += 1;
        let idempotency_key = format!("{}-{}", self.key_prefix, self.key_seq);
        let (priority, appointment_code) = match &self.lane {
            Lane::Normal => (None, None),
            Lane::Priority(class) => (Some(*class), None),
            Lane::Appointment(code) => (None, Some(code.clone())),
        };
        let request = IssueTicketRequest {
            service_id: service_id.clone(),
            priority,
            appointment_code,
        };
        self.pending = Some(PendingIssue {
            idempotency_key: idempotency_key.clone(),
            request: request.clone(),
            in_flight: true,
            attempts: 1,
            retry_at: None,
        });
        self.screen = Screen::Issuing {
            service_id,
            retrying: false,
        };
        vec![Effect::RequestTicket {
            idempotency_key,
            request,
        }]
    }

    /// 取消 while issuing is retrying: give up and go home. A ticket the
    /// server issued without the kiosk hearing stays unclaimed and expires.
    pub fn cancel_issue(&mut self, now: Instant) {
        self.touch(now);
        self.go_home();
    }

    /// 绿色通道 on the home screen.
    pub fn tap_green_channel(&mut self, now: Instant) {
        self.touch(now);
        self.screen = Screen::PriorityPick;
    }

    /// A 绿色通道 class: back to the services that accept it.
    pub fn pick_priority(&mut self, now: Instant, class: PriorityClass) {
        self.touch(now);
        self.lane = Lane::Priority(class);
        self.screen = Screen::Home;
    }

    /// 预约签到 on the home screen.
    pub fn tap_appointment(&mut self, now: Instant) {
        self.touch(now);
        self.open_keypad(KeypadPurpose::BookingCode);
    }

    /// 进度查询 on the home screen.
    pub fn tap_progress(&mut self, now: Instant) {
        self.touch(now);
        self.progress_id = None;
        self.open_keypad(KeypadPurpose::TicketId);
    }

    /// 办件查询: the case number, then the password.
    pub fn tap_case_query(&mut self, now: Instant) {
        self.touch(now);
        self.case_no = None;
        self.open_keypad(KeypadPurpose::CaseNumber);
    }

    /// 管理 on the home screen.
    pub fn tap_staff(&mut self, now: Instant) {
        self.touch(now);
        self.open_keypad(KeypadPurpose::AdminPin);
    }

    fn open_keypad(&mut self, purpose: KeypadPurpose) {
        self.screen = Screen::Keypad {
            purpose,
            digits: String::new(),
            wrong: false,
        };
    }

    /// A digit on the keypad.
    pub fn keypad_digit(&mut self, now: Instant, digit: char) {
        self.touch(now);
        if let Screen::Keypad {
            digits,
            wrong,
            purpose,
        } = &mut self.screen
            && digit.is_ascii_digit()
            && digits.len()
                < if *purpose == KeypadPurpose::CaseNumber {
                    MAX_CASE_DIGITS
                } else {
                    MAX_KEYPAD_DIGITS
                }
        {
            digits.push(digit);
            *wrong = false;
        }
    }

    /// 删除 on the keypad.
    pub fn keypad_delete(&mut self, now: Instant) {
        self.touch(now);
        if let Screen::Keypad { digits, .. } = &mut self.screen {
            digits.pop();
        }
    }

    /// 清空 on the keypad.
    pub fn keypad_clear(&mut self, now: Instant) {
        self.touch(now);
        if let Screen::Keypad { digits, .. } = &mut self.screen {
            digits.clear();
        }
    }

    /// 下一步/查询 on the keypad.
    pub fn keypad_submit(&mut self, now: Instant) -> Vec<Effect> {
        self.touch(now);
        let Screen::Keypad {
            purpose, digits, ..
        } = &self.screen
        else {
            return Vec::new();
        };
        // An empty phone number is one: the citizen takes it back.
        if digits.is_empty() && *purpose != KeypadPurpose::ComplaintPhone {
            return Vec::new();
        }
        let digits = digits.clone();
        match purpose {
            KeypadPurpose::BookingCode => {
                self.lane = Lane::Appointment(digits);
                self.screen = Screen::Home;
                Vec::new()
            }
            KeypadPurpose::TicketId => {
                match digits.parse::<u64>() {
                    Ok(id) => {
                        self.progress_id = Some(TicketId(id));
                        self.open_keypad(KeypadPurpose::QueryCode);
                    }
                    Err(_) => self.open_keypad(KeypadPurpose::TicketId),
                }
                Vec::new()
            }
            KeypadPurpose::QueryCode => {
                let Some(id) = self.progress_id else {
                    self.open_keypad(KeypadPurpose::TicketId);
                    return Vec::new();
                };
                self.screen = Screen::ProgressLoading;
                vec![Effect::FetchTicket { id, code: digits }]
            }
            KeypadPurpose::CaseNumber => {
                self.case_no = Some(digits);
                self.open_keypad(KeypadPurpose::CasePassword);
                Vec::new()
            }
            KeypadPurpose::CasePassword => {
                let Some(case_no) = self.case_no.clone() else {
                    self.open_keypad(KeypadPurpose::CaseNumber);
                    return Vec::new();
                };
                self.screen = Screen::CaseLoading;
                vec![Effect::FetchCase {
                    case_no,
                    password: digits,
                }]
            }
            KeypadPurpose::AdminPin => {
                if digits == self.settings.admin_pin {
                    self.screen = Screen::Settings;
                } else {
                    self.screen = Screen::Keypad {
                        purpose: KeypadPurpose::AdminPin,
                        digits: String::new(),
                        wrong: true,
                    };
                }
                Vec::new()
            }
            KeypadPurpose::RateTicketId
            | KeypadPurpose::RateCode
            | KeypadPurpose::ComplaintPhone => {
                self.feedback_keypad_submit(*purpose, digits);
                Vec::new()
            }
        }
    }

    /// 办事指南.
    pub fn tap_guide(&mut self, now: Instant) {
        self.touch(now);
        self.screen = Screen::GuideDepartments;
    }

    /// A department in the guide.
    pub fn tap_guide_department(&mut self, now: Instant, department: &DepartmentId) {
        self.touch(now);
        self.screen = Screen::GuideItems {
            department: department.clone(),
        };
    }

    /// An item in the guide.
    pub fn tap_guide_item(&mut self, now: Instant, item_id: &str) {
        self.touch(now);
        self.screen = Screen::GuideDetail {
            item_id: item_id.to_owned(),
        };
    }

    /// 返回 inside the guide: one level up.
    pub fn guide_back(&mut self, now: Instant) {
        self.touch(now);
        self.screen = match &self.screen {
            Screen::GuideDetail { item_id } => match self.guide_item(item_id) {
                Some(item) => Screen::GuideItems {
                    department: item.department.clone(),
                },
                None => Screen::GuideDepartments,
            },
            Screen::GuideItems { .. } => Screen::GuideDepartments,
            _ => Screen::Home,
        };
    }

    /// 为此事项取号 on a guide item with a service.
    pub fn take_from_guide(&mut self, now: Instant, service: &ServiceId) {
        self.lane = Lane::Normal;
        self.tap_service(now, service);
    }

    /// 重新排队 on the progress screen.
    pub fn tap_requeue(&mut self, now: Instant) -> Vec<Effect> {
        self.touch(now);
        match &self.screen {
            Screen::Progress { view, code, .. } if view.can_requeue => {
                let fx = vec![Effect::Requeue {
                    id: view.id,
                    code: code.clone(),
                }];
                self.screen = Screen::ProgressLoading;
                fx
            }
            _ => Vec::new(),
        }
    }

    /// 打印测试票 on the settings screen.
    pub fn tap_print_test(&mut self, now: Instant, issued_at: &str) -> Vec<Effect> {
        self.touch(now);
        if self.screen != Screen::Settings {
            return Vec::new();
        }
        // Unreachable failure (see `EncodeError`): nothing to print.
        ticket_layout::encode(
            &TicketPrint::sample(issued_at),
            self.settings.paper,
            &self.settings.model,
        )
        .map(|bytes| {
            vec![Effect::Print(PrintJob {
                ticket: None,
                bytes,
            })]
        })
        .unwrap_or_default()
    }

    // ---- Answers. ----

    fn server_answered(&mut self) {
        self.link = ServerLink::Up;
        self.backoff = MIN_BACKOFF;
    }

    fn server_down(&mut self, now: Instant, reason: &str) {
        self.link = ServerLink::Down {
            reason: reason.to_owned(),
        };
        // Come back sooner than the normal poll, backing off.
        self.services_due = Some(now + self.backoff);
        self.backoff = (self.backoff * 2).min(self.settings.max_backoff);
    }

    /// `GET /services` answered.
    pub fn handle_services(
        &mut self,
        now: Instant,
        result: Result<Vec<ServiceView>, ApiFailure>,
    ) -> Vec<Effect> {
        self.services_in_flight = false;
        match result {
            Ok(services) => {
                self.server_answered();
                self.services = services;
                self.services_due = Some(now + self.settings.services_poll);
            }
            Err(ApiFailure::Unreachable(reason)) => self.server_down(now, &reason),
            Err(ApiFailure::Rejected(e)) => {
                // A wrong token, say: the server is there but won't serve us.
                self.server_down(now, &format!("{} / {}", e.message_zh, e.message));
            }
        }
        Vec::new()
    }

    /// `GET /guide` answered.
    pub fn handle_guide(
        &mut self,
        now: Instant,
        result: Result<GuideView, ApiFailure>,
    ) -> Vec<Effect> {
        self.guide_in_flight = false;
        match result {
            Ok(guide) => {
                self.guide = guide;
                self.guide_backoff = MIN_BACKOFF;
                self.guide_due = Some(now + self.settings.guide_poll);
            }
            Err(_) => {
                self.guide_due = Some(now + self.guide_backoff);
                self.guide_backoff = (self.guide_backoff * 2).min(self.settings.max_backoff);
            }
        }
        Vec::new()
    }

    /// `POST /tickets` answered. Answers for another key (a cancelled
    /// confirm) are dropped.
    pub fn handle_issued(
        &mut self,
        now: Instant,
        idempotency_key: &str,
        result: Result<IssuedTicket, ApiFailure>,
    ) -> Vec<Effect> {
        let Some(pending) = &mut self.pending else {
            return Vec::new();
        };
        if pending.idempotency_key != idempotency_key {
            return Vec::new();
        }
        pending.in_flight = false;
        match result {
            Ok(issued) => {
                self.pending = None;
                self.server_answered();
                // Waiting figures changed: refresh soon.
                self.services_due = Some(now);
                let progress_url = self.progress_url(&issued);
                let mut context = self.settings.ticket_context.clone();
                context.notice = format!(
                    "{} 编号 {} 查询码 {}",
                    context.notice, issued.ticket.id, issued.query_code
                )
                .trim()
                .to_owned();
                let print = TicketPrint::from_issued(&issued, &context);
                let encoded =
                    ticket_layout::encode(&print, self.settings.paper, &self.settings.model);
                let ticket = Some((issued.ticket.id, issued.ticket.number.clone()));
                self.screen = Screen::Ticket {
                    issued: Box::new(issued),
                    progress_url,
                    print: PrintState::Printing,
                    until: None,
                };
                self.lane = Lane::Normal;
                match encoded {
                    Ok(bytes) => vec![Effect::Print(PrintJob { ticket, bytes })],
                    // Unreachable (see `EncodeError`); if it happens the
                    // citizen keeps the number on screen, as for a printer
                    // fault.
                    Err(e) => self.handle_print(
                        now,
                        ticket,
                        PrintOutcome {
                            state: PrinterState::Error,
                            message_zh: "票据未能打印，请记下屏幕上的号码".to_owned(),
                            message_en:
                                "The ticket could not be printed; please note the number on screen"
                                    .to_owned(),
                            detail: e.to_string(),
                        },
                    ),
                }
            }
            Err(ApiFailure::Unreachable(reason)) => {
                let wait = self.backoff;
                self.server_down(now, &reason);
                if let Some(p) = &mut self.pending {
                    p.retry_at = Some(now + wait);
                }
                if let Screen::Issuing { retrying, .. } = &mut self.screen {
                    *retrying = true;
                }
                Vec::new()
            }
            Err(ApiFailure::Rejected(error)) => {
                self.pending = None;
                self.server_answered();
                self.screen = Screen::IssueFailed { error };
                Vec::new()
            }
        }
    }

    /// A print job finished. A failure keeps the number on screen (with its
    /// QR code) and reports the printer state and the failed ticket.
    pub fn handle_print(
        &mut self,
        now: Instant,
        ticket: Option<(TicketId, String)>,
        outcome: PrintOutcome,
    ) -> Vec<Effect> {
        let printed = outcome.printed();
        let changed = self.printer.as_ref().map(|p| p.state) != Some(outcome.state);
        self.printer = Some(outcome.clone());
        let mut fx = Vec::new();
        if let Screen::Ticket {
            issued,
            print,
            until,
            ..
        } = &mut self.screen
            && ticket
                .as_ref()
                .is_some_and(|(id, _)| *id == issued.ticket.id)
        {
            if printed {
                *print = PrintState::Printed;
                *until = Some(now + self.settings.ticket_screen);
            } else {
                *print = PrintState::Failed {
                    message_zh: outcome.message_zh.clone(),
                    message_en: outcome.message_en.clone(),
                };
                *until = Some(now + self.settings.ticket_screen_failed);
            }
            // The citizen reads the number now: restart the idle timer.
            self.last_touch = now;
        }
        if !printed {
            fx.push(Effect::ReportStatus(self.report(ticket.map(
                |(ticket_id, number)| FailedPrint {
                    ticket_id,
                    number,
                    reason: if outcome.detail.is_empty() {
                        outcome.message_en.clone()
                    } else {
                        outcome.detail.clone()
                    },
                },
            ))));
        } else if changed {
            fx.push(Effect::ReportStatus(self.report(None)));
        }
        fx
    }

    /// A periodic printer check finished: report it.
    pub fn handle_printer_check(&mut self, _now: Instant, outcome: PrintOutcome) -> Vec<Effect> {
        self.printer = Some(outcome);
        vec![Effect::ReportStatus(self.report(None))]
    }

    /// The status report for the server.
    fn report(&self, failed_print: Option<FailedPrint>) -> DeviceStatusReport {
        DeviceStatusReport {
            printer: self.printer.as_ref().map(|p| PrinterReport {
                state: p.state,
                message: if p.message_zh.is_empty() {
                    String::new()
                } else {
                    format!("{} / {}", p.message_zh, p.message_en)
                },
            }),
            failed_print,
            version: self.settings.version.clone(),
            note: String::new(),
        }
    }

    /// `GET /tickets/{id}` or a re-queue answered.
    pub fn handle_ticket_view(
        &mut self,
        _now: Instant,
        code: &str,
        requeue: bool,
        result: Result<TicketView, ApiFailure>,
    ) -> Vec<Effect> {
        if self.screen != Screen::ProgressLoading {
            return Vec::new();
        }
        self.screen = match result {
            Ok(view) => Screen::Progress {
                view: Box::new(view),
                code: code.to_owned(),
                requeued: requeue,
            },
            Err(ApiFailure::Rejected(error)) => Screen::ProgressFailed { error },
            Err(ApiFailure::Unreachable(reason)) => Screen::ProgressFailed {
                error: ApiError {
                    code: "unreachable".to_owned(),
                    message: format!("The server does not answer ({reason})."),
                    message_zh: "服务器无响应，请稍后再试。".to_owned(),
                    fields: Vec::new(),
                },
            },
        };
        Vec::new()
    }
}

impl KioskState {
    /// `GET /cases/{case_no}/progress` answered. A wrong number and a
    /// wrong password get the same plain refusal from the server.
    pub fn handle_case(
        &mut self,
        _now: Instant,
        result: Result<banli_core::case::CaseProgress, ApiFailure>,
    ) -> Vec<Effect> {
        if self.screen != Screen::CaseLoading {
            return Vec::new();
        }
        self.screen = match result {
            Ok(view) => Screen::CaseProgress {
                view: Box::new(view),
            },
            Err(ApiFailure::Rejected(error)) => Screen::CaseFailed { error },
            Err(ApiFailure::Unreachable(reason)) => Screen::CaseFailed {
                error: ApiError {
                    code: "unreachable".to_owned(),
                    message: format!("The server does not answer ({reason})."),
                    message_zh: "服务器无响应，请稍后再试。".to_owned(),
                    fields: Vec::new(),
                },
            },
        };
        Vec::new()
    }
}

/// A printer error as plain data for [`KioskState::handle_print`].
pub fn outcome_of_error(error: &crate::printer::PrintError) -> PrintOutcome {
    use crate::printer::PrintError as E;
    let state = match error {
        E::PaperOut => PrinterState::PaperOut,
        E::CoverOpen => PrinterState::CoverOpen,
        E::Offline { .. } | E::Connect { .. } | E::Timeout { .. } => PrinterState::Offline,
        E::Fault | E::Write { .. } => PrinterState::Error,
    };
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    PrintOutcome {
        state,
        message_zh: error.message_zh().to_owned(),
        message_en: error.message_en().to_owned(),
        detail,
    }
}

/// A good print's state from the status read before it.
pub fn outcome_of_status(status: Option<crate::printer::PrinterStatus>) -> PrintOutcome {
    PrintOutcome::ok(match status {
        Some(s) if s.paper_near_end => PrinterState::PaperNearEnd,
        _ => PrinterState::Ok,
    })
}

#[cfg(test)]
mod tests;
