//! 「评价 / 投诉」 at the kiosk (好差评, issue 10): rate a finished
//! ticket's service with its 编号 and 查询码, or file a complaint.
//!
//! Design decisions a next engineer needs:
//!
//! - **The server decides.** The kiosk only checks what needs no server (a
//!   差评 has at least one reason, a complaint has a category and text);
//!   unfinished tickets, the rating window, wrong codes and repeat ratings
//!   are the server's refusals, shown as it words them, in Chinese and
//!   English ([`Screen::FeedbackFailed`]).
//! - **One idempotency key per attempt.** Tapping 提交 makes one key; every
//!   retry of that attempt (server down, timeout) reuses it, and a second
//!   tap while it is on its way does nothing, so a double tap records one
//!   rating. A new attempt (after a refusal, say) gets a new key.
//! - **Nothing lost silently.** While the server does not answer the
//!   screen says so and keeps retrying with backoff. If the citizen walks
//!   away, the idle timeout takes the screen home but the attempt keeps
//!   retrying in the background under the same key until the server
//!   answers; only an explicit 取消 (which says it was not sent) drops it.
//! - **No data left for the next citizen.** Going home (any way, including
//!   the idle timeout) forgets the draft: ticket id, code, text, phone.
//! - The hall's reasons and complaint categories come from
//!   `GET /ratings/settings`, fetched when the citizen opens the menu; the
//!   five levels are [`Level::ALL`] with their names from `banli-core`.

use std::time::{Duration, Instant};

use banli_core::ids::TicketId;
use banli_core::rating::{FeedbackRefusal, Level};
use banli_core::wire::ApiError;
use serde::{Deserialize, Serialize};

use super::{ApiFailure, Effect, KeypadPurpose, KioskState, MIN_BACKOFF, Screen};
use crate::text::Lang;

/// After the thank-you, home after this long.
pub const THANKS_SCREEN: Duration = Duration::from_secs(10);

/// While the hall's lists cannot be had, ask again this often.
const SETTINGS_RETRY: Duration = Duration::from_secs(5);

/// Longest text a citizen may write (the server's limit).
pub const MAX_TEXT_CHARS: usize = banli_core::rating::MAX_TEXT_CHARS;

/// `GET /ratings/settings`: what to offer (unknown fields ignored).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct FeedbackSettings {
    /// Reasons a 差评 chooses from.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Complaint categories.
    #[serde(default)]
    pub complaint_categories: Vec<String>,
    /// Days after the service during which it can be rated.
    #[serde(default)]
    pub window_days: u32,
    /// The reasons with their English names (a server before English
    /// names sends none: the Chinese is shown alone).
    #[serde(default)]
    pub reason_names: Vec<EntryName>,
    /// The complaint categories with their English names.
    #[serde(default)]
    pub complaint_category_names: Vec<EntryName>,
}

/// A reason or complaint category and its English name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct EntryName {
    /// Chinese: what is sent and stored.
    pub zh: String,
    /// English, when the hall gave one.
    #[serde(default)]
    pub en: Option<String>,
}

impl FeedbackSettings {
    /// How a reason's button reads: both names, the screen's language first.
    pub fn reason_label(&self, zh: &str, lang: Lang) -> String {
        label(&self.reason_names, zh, lang)
    }

    /// How a complaint category's button reads, as [`Self::reason_label`].
    pub fn category_label(&self, zh: &str, lang: Lang) -> String {
        label(&self.complaint_category_names, zh, lang)
    }
}

/// 「等候时间过长 · Waited too long」, or the English first on an English
/// screen; the Chinese alone when there is no English name.
fn label(names: &[EntryName], zh: &str, lang: Lang) -> String {
    match names
        .iter()
        .find(|n| n.zh == zh)
        .and_then(|n| n.en.as_deref())
    {
        Some(en) if lang == Lang::En => format!("{en} · {zh}"),
        Some(en) => format!("{zh} · {en}"),
        None => zh.to_owned(),
    }
}

/// `POST /ratings`'s body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RateBody {
    /// The ticket.
    pub ticket_id: u64,
    /// Its query code.
    pub code: String,
    /// The level.
    pub level: Level,
    /// Reasons (at least one for a 差评).
    pub reasons: Vec<String>,
    /// Optional text.
    pub text: String,
}

/// `POST /complaints`'s body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintBody {
    /// A category from the hall's list.
    pub category: String,
    /// What happened.
    pub text: String,
    /// A number to call back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A rating or a complaint on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbackRequest {
    /// `POST /ratings`.
    Rate(RateBody),
    /// `POST /complaints`.
    Complain(ComplaintBody),
}

/// The server's answer to either.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Recorded {
    /// The rating's or complaint's id.
    pub id: u64,
    /// The follow-up it opened.
    #[serde(default)]
    pub follow_up_id: Option<u64>,
    /// A retry of something already recorded.
    #[serde(default)]
    pub replayed: bool,
    /// 「感谢您的评价！」.
    pub message_zh: String,
    /// The same in English.
    pub message: String,
}

/// What the citizen has entered so far; forgotten on the way home.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedbackDraft {
    /// The ticket being rated.
    pub ticket_id: Option<TicketId>,
    /// Its query code.
    pub code: String,
    /// The level chosen.
    pub level: Option<Level>,
    /// Reasons ticked.
    pub reasons: Vec<String>,
    /// The rating's optional text.
    pub rating_text: String,
    /// The complaint's category.
    pub category: Option<String>,
    /// The complaint's text.
    pub complaint_text: String,
    /// The complaint's phone number (digits, may be empty).
    pub phone: String,
    /// Characters a keyboard-wedge scanner has typed so far (until Enter).
    pub scanned: String,
    /// Why the form cannot be sent yet (checked before sending), in
    /// Chinese and English.
    pub problem: Option<(String, String)>,
}

/// One 提交, kept for its retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PendingFeedback {
    idempotency_key: String,
    request: FeedbackRequest,
    in_flight: bool,
    retry_at: Option<Instant>,
    backoff: Duration,
}

fn problem(zh: impl Into<String>, en: impl Into<String>) -> Option<(String, String)> {
    Some((zh.into(), en.into()))
}

impl KioskState {
    /// 「评价 / 投诉」 on the home screen: the menu. The hall's lists are
    /// fetched (fresh for each citizen) by the next [`KioskState::tick`],
    /// so the home screen's tap needs no effect of its own.
    pub fn tap_feedback(&mut self, now: Instant) {
        self.touch(now);
        self.feedback = FeedbackDraft::default();
        self.screen = Screen::FeedbackMenu;
        self.feedback_settings_due = Some(now);
    }

    /// Lists wanted and not on their way: due now.
    fn fetch_feedback_settings(&mut self, now: Instant) -> Vec<Effect> {
        if !self.feedback_settings_in_flight {
            self.feedback_settings_due = Some(now);
        }
        Vec::new()
    }

    /// `GET /ratings/settings` answered. A failure keeps what was known;
    /// the screens say the lists are not available.
    pub fn handle_feedback_settings(
        &mut self,
        now: Instant,
        result: Result<FeedbackSettings, ApiFailure>,
    ) -> Vec<Effect> {
        self.feedback_settings_in_flight = false;
        match result {
            Ok(s) => self.feedback_settings = Some(s),
            // Try again while a citizen is in these screens.
            Err(_) if self.feedback_settings.is_none() && self.in_feedback() => {
                self.feedback_settings_due = Some(now + SETTINGS_RETRY);
            }
            Err(_) => {}
        }
        Vec::new()
    }

    fn in_feedback(&self) -> bool {
        matches!(
            self.screen,
            Screen::FeedbackMenu | Screen::RateReasons | Screen::ComplaintForm
        )
    }

    /// 我要评价: the ticket's 编号 on the keypad.
    pub fn tap_rate(&mut self, now: Instant) {
        self.touch(now);
        self.feedback = FeedbackDraft::default();
        self.open_keypad(KeypadPurpose::RateTicketId);
    }

    /// 我要投诉: the complaint form.
    pub fn tap_complain(&mut self, now: Instant) -> Vec<Effect> {
        self.touch(now);
        self.feedback = FeedbackDraft::default();
        self.screen = Screen::ComplaintForm;
        if self.feedback_settings.is_none() {
            return self.fetch_feedback_settings(now);
        }
        Vec::new()
    }

    /// 下一步 on one of this module's keypads.
    pub(super) fn feedback_keypad_submit(&mut self, purpose: KeypadPurpose, digits: String) {
        match purpose {
            KeypadPurpose::RateTicketId => match digits.parse::<u64>() {
                Ok(id) => {
                    self.feedback.ticket_id = Some(TicketId(id));
                    self.open_keypad(KeypadPurpose::RateCode);
                }
                Err(_) => self.open_keypad(KeypadPurpose::RateTicketId),
            },
            KeypadPurpose::RateCode => {
                if self.feedback.ticket_id.is_none() {
                    self.open_keypad(KeypadPurpose::RateTicketId);
                    return;
                }
                self.feedback.code = digits;
                self.screen = Screen::RateLevel;
            }
            KeypadPurpose::ComplaintPhone => {
                self.feedback.phone = digits;
                self.feedback.problem = None;
                self.screen = Screen::ComplaintForm;
            }
            _ => {}
        }
    }

    /// A scanned ticket (a keyboard-wedge scanner types the QR code's
    /// progress URL, `…/t/{id}?code={code}`) on the 编号 keypad: straight
    /// to the levels. Anything else scanned is ignored.
    pub fn scan_ticket(&mut self, now: Instant, scanned: &str) -> bool {
        self.touch(now);
        if !matches!(
            self.screen,
            Screen::Keypad {
                purpose: KeypadPurpose::RateTicketId | KeypadPurpose::RateCode,
                ..
            }
        ) {
            return false;
        }
        let Some((id, code)) = parse_scanned(scanned) else {
            return false;
        };
        self.feedback.ticket_id = Some(id);
        self.feedback.code = code;
        self.screen = Screen::RateLevel;
        true
    }

    /// One of the five levels. A 好评 is sent at once; a 差评 asks why first.
    pub fn tap_level(&mut self, now: Instant, level: Level) -> Vec<Effect> {
        self.touch(now);
        if self.screen != Screen::RateLevel {
            return Vec::new();
        }
        self.feedback.level = Some(level);
        self.feedback.problem = None;
        if level.is_bad() {
            self.screen = Screen::RateReasons;
            if self.feedback_settings.is_none() {
                return self.fetch_feedback_settings(now);
            }
            return Vec::new();
        }
        self.feedback.reasons.clear();
        self.submit_rating()
    }

    /// 返回 on the reasons screen: back to the five levels.
    pub fn back_to_levels(&mut self, now: Instant) {
        self.touch(now);
        self.feedback.problem = None;
        self.screen = Screen::RateLevel;
    }

    /// A reason ticked or unticked.
    pub fn toggle_reason(&mut self, now: Instant, reason: &str) {
        self.touch(now);
        let reasons = &mut self.feedback.reasons;
        if let Some(i) = reasons.iter().position(|r| r == reason) {
            reasons.remove(i);
        } else if reasons.len() < banli_core::rating::MAX_REASONS {
            reasons.push(reason.to_owned());
            self.feedback.problem = None;
        }
    }

    /// 提交评价 on the reasons screen.
    pub fn submit_reasons(&mut self, now: Instant) -> Vec<Effect> {
        self.touch(now);
        if self.screen != Screen::RateReasons {
            return Vec::new();
        }
        if self.feedback.reasons.is_empty() {
            let r = FeedbackRefusal::ReasonRequired;
            self.feedback.problem = problem(r.message_zh(), capitalised(&r.to_string()));
            return Vec::new();
        }
        if self.feedback.rating_text.chars().count() > MAX_TEXT_CHARS {
            let r = FeedbackRefusal::BadText;
            self.feedback.problem = problem(r.message_zh(), capitalised(&r.to_string()));
            return Vec::new();
        }
        self.submit_rating()
    }

    /// A complaint category chosen.
    pub fn pick_category(&mut self, now: Instant, category: &str) {
        self.touch(now);
        self.feedback.category = Some(category.to_owned());
        self.feedback.problem = None;
    }

    /// 留电话: the phone number on the keypad.
    pub fn tap_phone(&mut self, now: Instant) {
        self.touch(now);
        self.screen = Screen::Keypad {
            purpose: KeypadPurpose::ComplaintPhone,
            digits: self.feedback.phone.clone(),
            wrong: false,
        };
    }

    /// 返回 on the phone keypad: back to the form, the number unchanged.
    pub fn back_to_complaint(&mut self, now: Instant) {
        self.touch(now);
        self.screen = Screen::ComplaintForm;
    }

    /// 提交投诉.
    pub fn submit_complaint(&mut self, now: Instant) -> Vec<Effect> {
        self.touch(now);
        if self.screen != Screen::ComplaintForm {
            return Vec::new();
        }
        let Some(category) = self.feedback.category.clone() else {
            self.feedback.problem = problem("请选择投诉类别", "Please choose what it is about");
            return Vec::new();
        };
        let text = self.feedback.complaint_text.trim().to_owned();
        if text.is_empty() {
            self.feedback.problem = problem("请写下您要投诉的内容", "Please write what happened");
            return Vec::new();
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            let r = FeedbackRefusal::BadText;
            self.feedback.problem = problem(r.message_zh(), capitalised(&r.to_string()));
            return Vec::new();
        }
        let phone = Some(self.feedback.phone.clone()).filter(|p| !p.is_empty());
        self.send_feedback(FeedbackRequest::Complain(ComplaintBody {
            category,
            text,
            phone,
        }))
    }

    fn submit_rating(&mut self) -> Vec<Effect> {
        let (Some(id), Some(level)) = (self.feedback.ticket_id, self.feedback.level) else {
            self.open_keypad(KeypadPurpose::RateTicketId);
            return Vec::new();
        };
        let reasons = if level.is_bad() {
            self.feedback.reasons.clone()
        } else {
            Vec::new()
        };
        self.send_feedback(FeedbackRequest::Rate(RateBody {
            ticket_id: id.0,
            code: self.feedback.code.clone(),
            level,
            reasons,
            text: self.feedback.rating_text.trim().to_owned(),
        }))
    }

    /// One attempt, one key. A tap while an attempt is on its way (the
    /// screen has changed to 提交中, but a double tap can land in the same
    /// frame) does nothing.
    fn send_feedback(&mut self, request: FeedbackRequest) -> Vec<Effect> {
        if matches!(self.screen, Screen::FeedbackSending { .. }) {
            return Vec::new();
        }
        self.key_seq += 1;
        let idempotency_key = format!("{}-fb{}", self.key_prefix, self.key_seq);
        self.feedback_pending = Some(PendingFeedback {
            idempotency_key: idempotency_key.clone(),
            request: request.clone(),
            in_flight: true,
            retry_at: None,
            backoff: MIN_BACKOFF,
        });
        self.screen = Screen::FeedbackSending { retrying: false };
        vec![Effect::SendFeedback {
            idempotency_key,
            request,
        }]
    }

    /// 取消 while retrying: the attempt is dropped, and the screen said it
    /// was not sent.
    pub fn cancel_feedback(&mut self, now: Instant) {
        self.feedback_pending = None;
        self.tap_home(now);
    }

    /// `POST /ratings` or `/complaints` answered.
    pub fn handle_feedback(
        &mut self,
        now: Instant,
        idempotency_key: &str,
        result: Result<Recorded, ApiFailure>,
    ) -> Vec<Effect> {
        let Some(pending) = &mut self.feedback_pending else {
            return Vec::new();
        };
        if pending.idempotency_key != idempotency_key {
            return Vec::new();
        }
        pending.in_flight = false;
        let on_screen = matches!(self.screen, Screen::FeedbackSending { .. });
        match result {
            Err(ApiFailure::Unreachable(_)) => {
                pending.retry_at = Some(now + pending.backoff);
                pending.backoff = (pending.backoff * 2).min(self.settings.max_backoff);
                if on_screen {
                    self.screen = Screen::FeedbackSending { retrying: true };
                }
            }
            Ok(recorded) => {
                self.feedback_pending = None;
                if on_screen {
                    self.feedback = FeedbackDraft::default();
                    self.screen = Screen::FeedbackDone {
                        message_zh: recorded.message_zh,
                        message_en: recorded.message,
                        until: now + THANKS_SCREEN,
                    };
                    // The citizen reads the thanks now.
                    self.touch(now);
                }
            }
            Err(ApiFailure::Rejected(error)) => {
                self.feedback_pending = None;
                if on_screen {
                    self.screen = Screen::FeedbackFailed { error };
                }
            }
        }
        Vec::new()
    }

    /// 重新填写 after a refusal: a rating goes back to the step the
    /// refusal is about (the levels for a reason problem, the 编号
    /// otherwise); a complaint back to its form, as filled in.
    pub fn feedback_try_again(&mut self, now: Instant) {
        self.touch(now);
        let Screen::FeedbackFailed { error } = &self.screen else {
            return;
        };
        let code = error.code.as_str();
        if matches!(code, "unknown_category" | "bad_phone") || self.feedback.category.is_some() {
            self.screen = Screen::ComplaintForm;
        } else if matches!(
            code,
            "rating_reason_required" | "unknown_reason" | "bad_text"
        ) {
            self.screen = Screen::RateReasons;
        } else {
            self.feedback = FeedbackDraft::default();
            self.open_keypad(KeypadPurpose::RateTicketId);
        }
    }

    /// Retries due now; the thank-you's end.
    pub(super) fn feedback_tick(&mut self, now: Instant, fx: &mut Vec<Effect>) {
        if self.feedback_settings_due.is_some_and(|t| now >= t) && !self.feedback_settings_in_flight
        {
            self.feedback_settings_due = None;
            self.feedback_settings_in_flight = true;
            fx.push(Effect::FetchFeedbackSettings);
        }
        if let Some(p) = &mut self.feedback_pending
            && !p.in_flight
            && p.retry_at.is_some_and(|t| now >= t)
        {
            p.in_flight = true;
            p.retry_at = None;
            fx.push(Effect::SendFeedback {
                idempotency_key: p.idempotency_key.clone(),
                request: p.request.clone(),
            });
        }
        if let Screen::FeedbackDone { until, .. } = &self.screen
            && now >= *until
        {
            self.tap_home(now);
        }
    }

    /// This module's deadlines, for [`KioskState::next_deadline`].
    pub(super) fn feedback_deadline(&self) -> Option<Instant> {
        let retry = self
            .feedback_pending
            .as_ref()
            .filter(|p| !p.in_flight)
            .and_then(|p| p.retry_at);
        let done = match &self.screen {
            Screen::FeedbackDone { until, .. } => Some(*until),
            _ => None,
        };
        let settings = self
            .feedback_settings_due
            .filter(|_| !self.feedback_settings_in_flight);
        retry.into_iter().chain(done).chain(settings).min()
    }

    /// Whether an attempt is still waiting for the server.
    pub fn feedback_pending(&self) -> bool {
        self.feedback_pending.is_some()
    }
}

/// Longest scan kept: a progress URL is far shorter.
const MAX_SCAN: usize = 512;

impl KioskState {
    /// Characters typed on the 编号 / 查询码 keypads by a scanner (a
    /// keyboard wedge types the ticket's QR code, then Enter).
    pub fn scanner_text(&mut self, now: Instant, text: &str) {
        self.touch(now);
        if self.feedback.scanned.len() + text.len() <= MAX_SCAN {
            self.feedback.scanned.push_str(text);
        }
    }

    /// Enter from a scanner: reads what it typed. Returns whether a
    /// ticket was read (then the levels are on screen).
    pub fn scanner_enter(&mut self, now: Instant) -> bool {
        let scanned = std::mem::take(&mut self.feedback.scanned);
        self.scan_ticket(now, &scanned)
    }
}

/// `…/t/{id}?code={code}` (the ticket's QR code) → id and code.
pub fn parse_scanned(scanned: &str) -> Option<(TicketId, String)> {
    let s = scanned.trim();
    let (path, query) = s.split_once('?')?;
    let id = path.rsplit('/').next()?.parse::<u64>().ok()?;
    let code = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("code="))?
        .trim();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((TicketId(id), code.to_owned()))
}

/// The core's English messages start in lower case (they follow a colon
/// in logs); on screen they start a sentence.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

/// An [`ApiError`] as the screen shows it, its English starting a sentence.
pub fn refusal_text(error: &ApiError) -> (String, String) {
    let en = if error.message.ends_with('.') {
        error.message.clone()
    } else {
        capitalised(&error.message)
    };
    (error.message_zh.clone(), en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scanned_ticket_gives_its_id_and_code() {
        assert_eq!(
            parse_scanned("http://hall.example/t/42?code=123456\n"),
            Some((TicketId(42), "123456".to_owned()))
        );
        assert_eq!(parse_scanned("http://hall.example/t/42"), None);
        assert_eq!(parse_scanned("http://hall.example/t/x?code=1"), None);
        assert_eq!(parse_scanned("http://h/t/4?code=<script>"), None);
    }

    #[test]
    fn a_phone_number_can_be_taken_back_and_a_draft_is_forgotten_at_home() {
        let now = Instant::now();
        let mut k = crate::testing::ready_kiosk(now);
        k.tap_feedback(now);
        let _ = k.tap_complain(now);
        k.tap_phone(now);
        for d in "13800001234".chars() {
            k.keypad_digit(now, d);
        }
        let _ = k.keypad_submit(now);
        assert_eq!(k.screen, Screen::ComplaintForm);
        assert_eq!(k.feedback.phone, "13800001234");
        k.tap_phone(now);
        k.keypad_clear(now);
        let _ = k.keypad_submit(now);
        assert_eq!(k.screen, Screen::ComplaintForm);
        assert_eq!(k.feedback.phone, "");
        k.pick_category(now, "其他");
        k.feedback.complaint_text = "x".into();
        k.tap_home(now);
        assert_eq!(k.feedback, FeedbackDraft::default());
    }

    #[test]
    fn a_double_tap_sends_one_request_and_a_new_attempt_gets_a_new_key() {
        let now = Instant::now();
        let mut k = crate::testing::ready_kiosk(now);
        k.tap_feedback(now);
        k.tap_rate(now);
        for d in "42".chars() {
            k.keypad_digit(now, d);
        }
        let _ = k.keypad_submit(now);
        for d in "123456".chars() {
            k.keypad_digit(now, d);
        }
        let _ = k.keypad_submit(now);
        let first = k.tap_level(now, Level::Satisfied);
        assert_eq!(first.len(), 1);
        assert!(k.tap_level(now, Level::Satisfied).is_empty());
        let Some(Effect::SendFeedback {
            idempotency_key, ..
        }) = first.first()
        else {
            panic!("{first:?}")
        };
        let refusal = ApiError {
            code: "rating_not_finished".into(),
            message: "this ticket has not been served yet, so it cannot be rated".into(),
            message_zh: "该号尚未办结，办结后才能评价".into(),
            fields: Vec::new(),
        };
        let _ = k.handle_feedback(now, idempotency_key, Err(ApiFailure::Rejected(refusal)));
        assert!(matches!(k.screen, Screen::FeedbackFailed { .. }));
        assert!(!k.feedback_pending());
        k.feedback_try_again(now);
        k.scan_ticket(now, "http://h/t/42?code=123456");
        let second = k.tap_level(now, Level::Satisfied);
        let Some(Effect::SendFeedback {
            idempotency_key: again,
            ..
        }) = second.first()
        else {
            panic!("{second:?}")
        };
        assert_ne!(again, idempotency_key);
    }

    #[test]
    fn english_messages_read_as_sentences() {
        assert_eq!(capitalised("no ticket"), "No ticket.");
        assert_eq!(capitalised(""), "");
    }
}
