//! 好差评: citizens' ratings of a service, complaints, and the follow-ups
//! (整改) a bad rating or a complaint opens.
//!
//! # Decisions
//! - **One named type for the five levels** ([`Level`]). The numeric codes
//!   disagree between interfaces (GB/T 39046-2020 A.8: 1 = 非常满意 …
//!   5 = 非常不满意; some provincial interfaces the reverse), so nothing
//!   inside Banli stores a number: [`Level::code`] converts at export, for
//!   the [`CodeScheme`] the interface names.
//! - **One rating per ticket per service** (现场 一次一评). A ticket that
//!   was transferred is served by several services; each may be rated once.
//!   The engine keeps the `(ticket, service)` pairs rated while they can
//!   still be rated (the window), so uniqueness is decided by the single
//!   writer, not by a race between two database reads.
//! - **The facts about the ticket come from the server's read model**
//!   ([`RatedTicket`]): a finished ticket has left the engine's memory, so
//!   the server looks it up (and checks the citizen's query code) and hands
//!   the engine what it found. The rules that depend only on those facts and
//!   the time ([`check_rating`]) are pure and property-tested.
//! - **The rater is protected.** A rating records no citizen identity at
//!   all (the pad and the QR page have none); reports give clerks counts
//!   and reasons, never which ticket rated what.
//! - **Staff never change a rating.** No command edits or deletes one. An
//!   appeal that an administrator upholds marks the rating *void* (kept,
//!   shown as such, left out of the satisfaction figures): that is how a
//!   malicious rating stops counting, and the record says who decided it.
//! - **Follow-ups** ([`FollowUp`]) go through steps (call back, rectify or
//!   explain, close; appeal and its decision) checked by [`FollowUp::act`].
//!   Deadlines are counted in working days from the hall's
//!   [`WorkCalendar`]: the call-back and the close are due `n` working
//!   days after the day the follow-up opened (that day not counted, as for
//!   every limit in working days; see [`crate::calendar`]).
//! - Open follow-ups stay in the engine's memory (a few per day); a closed
//!   one leaves it, and the server's read model keeps the whole history.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::ids::{CounterId, DepartmentId, ServiceId, TicketId};

/// Longest free text of a rating, a complaint or a follow-up step, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Most reasons one rating may name.
pub const MAX_REASONS: usize = 10;
/// Most reasons (or complaint categories) a hall may list.
pub const MAX_LIST: usize = 20;
/// Longest reason or category name, in characters.
pub const MAX_NAME_CHARS: usize = 30;
/// Longest English name of a reason or category, in characters.
pub const MAX_NAME_EN_CHARS: usize = 60;

/// English names of the default reasons and complaint categories. They are
/// the defaults of [`RatingSettings::reasons_en`] and
/// [`RatingSettings::complaint_categories_en`], and what
/// [`RatingSettings::reason_en`] / [`RatingSettings::category_en`] fall back
/// to for a hall whose settings were saved before English names existed.
const DEFAULT_NAMES_EN: [(&str, &str); 11] = [
    ("等候时间过长", "Waited too long"),
    ("服务态度不好", "Unfriendly service"),
    ("业务不熟练", "Clerk unfamiliar with the business"),
    ("办事指南不清楚", "Unclear service guide"),
    ("材料要求反复", "Asked for materials again and again"),
    ("环境设施不便", "Inconvenient facilities"),
    ("服务态度", "Service attitude"),
    ("办事效率", "Efficiency"),
    ("收费问题", "Fees"),
    ("环境设施", "Facilities"),
    ("其他", "Other"),
];

/// The built-in English name of a default reason or category.
fn default_name_en(zh: &str) -> Option<&'static str> {
    DEFAULT_NAMES_EN
        .iter()
        .find(|(z, _)| *z == zh)
        .map(|(_, en)| *en)
}

/// The built-in English names of those in `list` that have one.
fn default_names_en(list: &[String]) -> BTreeMap<String, String> {
    list.iter()
        .filter_map(|zh| Some((zh.clone(), default_name_en(zh)?.to_owned())))
        .collect()
}

/// A citizen's satisfaction with one service (满意度), best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 非常满意.
    VerySatisfied,
    /// 满意.
    Satisfied,
    /// 基本满意.
    Basic,
    /// 不满意.
    Dissatisfied,
    /// 非常不满意.
    VeryDissatisfied,
}

/// Which numbering of the five levels an interface uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CodeScheme {
    /// GB/T 39046-2020 A.8: 1 = 非常满意 … 5 = 非常不满意.
    #[default]
    Gbt39046,
    /// Provincial interfaces that count up: 5 = 非常满意 … 1 = 非常不满意.
    Ascending,
}

impl Level {
    /// Every level, best first.
    pub const ALL: [Self; 5] = [
        Self::VerySatisfied,
        Self::Satisfied,
        Self::Basic,
        Self::Dissatisfied,
        Self::VeryDissatisfied,
    ];

    /// A 差评: 不满意 or 非常不满意. It needs a reason and opens a follow-up.
    pub fn is_bad(self) -> bool {
        matches!(self, Self::Dissatisfied | Self::VeryDissatisfied)
    }

    /// Counts towards the satisfaction rate (满意率): 非常满意, 满意, 基本满意.
    pub fn is_satisfied(self) -> bool {
        !self.is_bad()
    }

    /// The level's name in Chinese, as the buttons say it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::VerySatisfied => "非常满意",
            Self::Satisfied => "满意",
            Self::Basic => "基本满意",
            Self::Dissatisfied => "不满意",
            Self::VeryDissatisfied => "非常不满意",
        }
    }

    /// The level's name in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::VerySatisfied => "Very satisfied",
            Self::Satisfied => "Satisfied",
            Self::Basic => "Fairly satisfied",
            Self::Dissatisfied => "Dissatisfied",
            Self::VeryDissatisfied => "Very dissatisfied",
        }
    }

    /// The stable snake_case name used in JSON and URLs.
    pub fn key(self) -> &'static str {
        match self {
            Self::VerySatisfied => "very_satisfied",
            Self::Satisfied => "satisfied",
            Self::Basic => "basic",
            Self::Dissatisfied => "dissatisfied",
            Self::VeryDissatisfied => "very_dissatisfied",
        }
    }

    /// Position from best (0) to worst (4).
    fn rank(self) -> u8 {
        match self {
            Self::VerySatisfied => 0,
            Self::Satisfied => 1,
            Self::Basic => 2,
            Self::Dissatisfied => 3,
            Self::VeryDissatisfied => 4,
        }
    }

    /// The numeric code under `scheme` (1 to 5).
    pub fn code(self, scheme: CodeScheme) -> u8 {
        match scheme {
            CodeScheme::Gbt39046 => self.rank() + 1,
            CodeScheme::Ascending => 5 - self.rank(),
        }
    }

    /// The level a code names under `scheme`, if it is 1 to 5.
    pub fn from_code(code: u8, scheme: CodeScheme) -> Option<Self> {
        let rank = match scheme {
            CodeScheme::Gbt39046 => code.checked_sub(1)?,
            CodeScheme::Ascending => 5u8.checked_sub(code)?,
        };
        Self::ALL.get(usize::from(rank)).copied()
    }
}

/// Where a rating or complaint came from (评价渠道, GB/T 39046 table 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The counter's tablet (评价器), code 4.
    Pad,
    /// The ticket's QR progress page on the citizen's phone, code 3.
    Qr,
    /// The self-service kiosk (other hall terminal), code 5.
    Kiosk,
    /// Taken by staff on the complaint telephone (投诉电话), code 6.
    Telephone,
    /// Taken by staff in person at the hall, code 5.
    InPerson,
}

impl Channel {
    /// The GB/T 39046 channel code.
    pub fn gbt_code(self) -> u8 {
        match self {
            Self::Qr => 3,
            Self::Pad => 4,
            Self::Kiosk | Self::InPerson => 5,
            Self::Telephone => 6,
        }
    }

    /// The stable snake_case name.
    pub fn key(self) -> &'static str {
        match self {
            Self::Pad => "pad",
            Self::Qr => "qr",
            Self::Kiosk => "kiosk",
            Self::Telephone => "telephone",
            Self::InPerson => "in_person",
        }
    }

    /// The channel's name in Chinese.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Pad => "评价器",
            Self::Qr => "扫码",
            Self::Kiosk => "自助终端",
            Self::Telephone => "投诉电话",
            Self::InPerson => "现场",
        }
    }
}

/// How the pad names the clerk on duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClerkShown {
    /// The clerk's display name.
    #[default]
    Name,
    /// The clerk's staff number (工号) as 「工号 0231」; the name when the
    /// account has none (never the login name).
    Number,
    /// Both, as 「张敏（工号 0231）」; the name alone when the account has
    /// no staff number.
    Both,
    /// Neither.
    Nothing,
}

/// The hall's 好差评 settings (administrators edit them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct RatingSettings {
    /// Days after a ticket is finished during which it can be rated
    /// (1 to 366).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 366))]
    pub window_days: u32,
    /// Working days after a follow-up opens by which the citizen must be
    /// called back (0 to 60).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 60))]
    pub callback_working_days: u32,
    /// Working days after a follow-up opens by which it must be closed (1
    /// to 120, not before the call-back).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 120))]
    pub close_working_days: u32,
    /// Seconds the pad waits for an answer before it goes back to the
    /// counter view, recording nothing (5 to 600).
    #[cfg_attr(feature = "openapi", schema(minimum = 5, maximum = 600))]
    pub pad_timeout_secs: u32,
    /// How the pad names the clerk on duty.
    pub clerk_shown: ClerkShown,
    /// The reasons a 差评 chooses from (at least one is required).
    pub reasons: Vec<String>,
    /// The categories of a complaint.
    pub complaint_categories: Vec<String>,
    /// English names of the reasons, keyed by the Chinese name (the
    /// Chinese name is what ratings store and reports show; the English is
    /// only shown beside it to citizens). Optional per reason; only listed
    /// reasons, 1 to 60 characters. Missing from settings saved before it
    /// existed: empty then, and the default reasons keep their built-in
    /// English ([`Self::reason_en`]).
    #[serde(default)]
    pub reasons_en: BTreeMap<String, String>,
    /// English names of the complaint categories, keyed by the Chinese
    /// name, as [`Self::reasons_en`].
    #[serde(default)]
    pub complaint_categories_en: BTreeMap<String, String>,
}

impl Default for RatingSettings {
    fn default() -> Self {
        Self {
            window_days: 7,
            callback_working_days: 1,
            close_working_days: 15,
            pad_timeout_secs: 30,
            clerk_shown: ClerkShown::Name,
            reasons: [
                "等候时间过长",
                "服务态度不好",
                "业务不熟练",
                "办事指南不清楚",
                "材料要求反复",
                "环境设施不便",
            ]
            .map(String::from)
            .to_vec(),
            complaint_categories: ["服务态度", "办事效率", "收费问题", "环境设施", "其他"]
                .map(String::from)
                .to_vec(),
            reasons_en: BTreeMap::new(),
            complaint_categories_en: BTreeMap::new(),
        }
        .with_default_names_en()
    }
}

impl RatingSettings {
    /// These settings with the built-in English name of every listed
    /// default reason and category.
    fn with_default_names_en(mut self) -> Self {
        self.reasons_en = default_names_en(&self.reasons);
        self.complaint_categories_en = default_names_en(&self.complaint_categories);
        self
    }

    /// The English name to show beside the reason `zh`: the hall's, else
    /// the built-in one of a default reason.
    pub fn reason_en(&self, zh: &str) -> Option<&str> {
        self.reasons_en
            .get(zh)
            .map(String::as_str)
            .or_else(|| default_name_en(zh))
    }

    /// The English name to show beside the complaint category `zh`, as
    /// [`Self::reason_en`].
    pub fn category_en(&self, zh: &str) -> Option<&str> {
        self.complaint_categories_en
            .get(zh)
            .map(String::as_str)
            .or_else(|| default_name_en(zh))
    }

    /// What is wrong with the settings, as `(field, message)` pairs (empty
    /// when they are valid). Field paths start at `ratings.`.
    pub fn issues(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !(1..=366).contains(&self.window_days) {
            out.push(("ratings.window_days".into(), "must be 1 to 366 days".into()));
        }
        if self.callback_working_days > 60 {
            out.push((
                "ratings.callback_working_days".into(),
                "must be 0 to 60 working days".into(),
            ));
        }
        if !(1..=120).contains(&self.close_working_days)
            || self.close_working_days < self.callback_working_days
        {
            out.push((
                "ratings.close_working_days".into(),
                "must be 1 to 120 working days and not before the call-back".into(),
            ));
        }
        if !(5..=600).contains(&self.pad_timeout_secs) {
            out.push((
                "ratings.pad_timeout_secs".into(),
                "must be 5 to 600 seconds".into(),
            ));
        }
        for (name, list) in [
            ("reasons", &self.reasons),
            ("complaint_categories", &self.complaint_categories),
        ] {
            if list.is_empty() || list.len() > MAX_LIST {
                out.push((
                    format!("ratings.{name}"),
                    format!("must list 1 to {MAX_LIST} entries"),
                ));
            }
            for (i, r) in list.iter().enumerate() {
                let n = r.chars().count();
                if r.trim() != r || n == 0 || n > MAX_NAME_CHARS || r.chars().any(char::is_control)
                {
                    out.push((
                        format!("ratings.{name}[{i}]"),
                        format!(
                            "must be 1 to {MAX_NAME_CHARS} characters, without surrounding spaces"
                        ),
                    ));
                }
                if list[..i].contains(r) {
                    out.push((format!("ratings.{name}[{i}]"), "is listed twice".into()));
                }
            }
        }
        for (name, list, names_en) in [
            ("reasons", &self.reasons, &self.reasons_en),
            (
                "complaint_categories",
                &self.complaint_categories,
                &self.complaint_categories_en,
            ),
        ] {
            for (zh, en) in names_en {
                let field = format!("ratings.{name}_en.{zh}");
                if !list.contains(zh) {
                    out.push((field, format!("names no entry of ratings.{name}")));
                    continue;
                }
                let n = en.chars().count();
                if en.trim() != en
                    || n == 0
                    || n > MAX_NAME_EN_CHARS
                    || en.chars().any(char::is_control)
                {
                    out.push((
                        field,
                        format!(
                            "must be 1 to {MAX_NAME_EN_CHARS} characters, without surrounding spaces"
                        ),
                    ));
                }
            }
        }
        out
    }
}

/// Why a rating, complaint or follow-up step was refused. Each has a
/// stable [`code`](Self::code), a Chinese message
/// ([`message_zh`](Self::message_zh)), and an English one (`Display`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackRefusal {
    /// No ticket has this id, or the code does not match (the two are
    /// not told apart, so that a guess learns nothing).
    #[error("no ticket has this number and code; check both and try again")]
    WrongCode,
    /// The ticket is not finished (still waiting, being served, or it
    /// ended without being served).
    #[error("this ticket has not been served yet, so it cannot be rated")]
    NotFinished,
    /// The rating window has passed.
    #[error("ratings are accepted for {0} days after the service; this one has passed")]
    WindowPassed(u32),
    /// The ticket was rated for this service already.
    #[error("this service was rated already; a rating cannot be changed")]
    AlreadyRated,
    /// A 差评 without a reason.
    #[error("please choose at least one reason for a dissatisfied rating")]
    ReasonRequired,
    /// A reason that is not in the hall's list.
    #[error("{0:?} is not one of this hall's reasons")]
    UnknownReason(String),
    /// A complaint category that is not in the hall's list.
    #[error("{0:?} is not one of this hall's complaint categories")]
    UnknownCategory(String),
    /// Text too long (or, for a complaint, empty).
    #[error("the text must be 1 to {MAX_TEXT_CHARS} characters")]
    BadText,
    /// A phone number that is not one.
    #[error("the phone number must be 5 to 20 digits")]
    BadPhone,
    /// No follow-up has this id, or it is closed.
    #[error("there is no open follow-up {0}")]
    UnknownFollowUp(u64),
    /// The step does not fit the follow-up's state.
    #[error("this step is not possible now: {0}")]
    StepNotAllowed(&'static str),
    /// The retry key was used for a different request.
    #[error("this idempotency key was already used for a different request")]
    IdempotencyConflict,
}

impl FeedbackRefusal {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongCode => "rating_wrong_code",
            Self::NotFinished => "rating_not_finished",
            Self::WindowPassed(_) => "rating_window_passed",
            Self::AlreadyRated => "already_rated",
            Self::ReasonRequired => "rating_reason_required",
            Self::UnknownReason(_) => "unknown_reason",
            Self::UnknownCategory(_) => "unknown_category",
            Self::BadText => "bad_text",
            Self::BadPhone => "bad_phone",
            Self::UnknownFollowUp(_) => "unknown_follow_up",
            Self::StepNotAllowed(_) => "step_not_allowed",
            Self::IdempotencyConflict => "idempotency_conflict",
        }
    }

    /// The message in Chinese, for the citizen or clerk who reads it.
    pub fn message_zh(&self) -> String {
        match self {
            Self::WrongCode => "号码或查询码不正确，请核对后重试".into(),
            Self::NotFinished => "该号尚未办结，办结后才能评价".into(),
            Self::WindowPassed(d) => format!("办结{d}天内可以评价，已超过评价期限"),
            Self::AlreadyRated => "本次服务已评价，评价不可更改".into(),
            Self::ReasonRequired => "请至少选择一项不满意的原因".into(),
            Self::UnknownReason(r) => format!("「{r}」不是本大厅的评价原因"),
            Self::UnknownCategory(c) => format!("「{c}」不是本大厅的投诉类别"),
            Self::BadText => format!("内容须为1至{MAX_TEXT_CHARS}个字"),
            Self::BadPhone => "电话号码须为5至20位数字".into(),
            Self::UnknownFollowUp(id) => format!("没有未办结的整改单{id}"),
            Self::StepNotAllowed(why) => format!("当前不能进行此操作：{}", step_reason_zh(why)),
            Self::IdempotencyConflict => "重复的请求标识".into(),
        }
    }
}

fn step_reason_zh(why: &str) -> &'static str {
    match why {
        "closed" => "整改单已办结",
        "appeal pending" => "申诉待裁定",
        "not resolved" => "请先记录整改或说明",
        "callback missing" => "请先记录回访",
        "appeal only for ratings" => "只有差评可以申诉",
        "already appealed" => "已申诉过",
        "no appeal pending" => "没有待裁定的申诉",
        _ => "状态不符",
    }
}

/// What the server's read model says about the ticket being rated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatedTicket {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number (for follow-up lists; never shown to clerks with the level).
    pub number: String,
    /// The service it was served for.
    pub service_id: ServiceId,
    /// The counter that served it.
    pub counter_id: Option<CounterId>,
    /// The counter's department (the follow-up goes there).
    pub department_id: Option<DepartmentId>,
    /// The clerk who served it.
    pub staff: Option<String>,
    /// When it was finished; none if it was not.
    pub finished_at: Option<Timestamp>,
}

/// A rating as the citizen gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingInput {
    /// The level.
    pub level: Level,
    /// Reasons from the hall's list (required for a 差评).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Optional text.
    #[serde(default)]
    pub text: String,
    /// Where it came from.
    pub channel: Channel,
}

/// A recorded rating. Never changed except to be voided by an upheld appeal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// Increasing id.
    pub id: u64,
    /// What was rated.
    pub ticket: RatedTicket,
    /// The citizen's answer.
    pub input: RatingInput,
    /// When.
    pub at: Timestamp,
    /// The hall-local date (reports count by it).
    pub day: Date,
}

/// The rules a rating must meet, given what the read model says about its
/// ticket. Uniqueness is the engine's (it needs the state).
///
/// # Errors
/// [`FeedbackRefusal::NotFinished`], [`FeedbackRefusal::WindowPassed`],
/// or a reason or text refusal.
pub fn check_rating(
    settings: &RatingSettings,
    ticket: &RatedTicket,
    input: &RatingInput,
    now: Timestamp,
) -> Result<(), FeedbackRefusal> {
    let finished = ticket.finished_at.ok_or(FeedbackRefusal::NotFinished)?;
    let window = jiff::SignedDuration::from_hours(i64::from(settings.window_days) * 24);
    if now.duration_since(finished) > window {
        return Err(FeedbackRefusal::WindowPassed(settings.window_days));
    }
    if input.reasons.len() > MAX_REASONS {
        return Err(FeedbackRefusal::BadText);
    }
    for r in &input.reasons {
        if !settings.reasons.contains(r) {
            return Err(FeedbackRefusal::UnknownReason(r.clone()));
        }
    }
    if input.level.is_bad() && input.reasons.is_empty() {
        return Err(FeedbackRefusal::ReasonRequired);
    }
    if input.text.chars().count() > MAX_TEXT_CHARS {
        return Err(FeedbackRefusal::BadText);
    }
    Ok(())
}

/// A complaint as filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintInput {
    /// A category from the hall's list.
    pub category: String,
    /// What happened.
    pub text: String,
    /// A number to call back, if the citizen gives one.
    #[serde(default)]
    pub phone: Option<String>,
    /// The counter concerned, if known.
    #[serde(default)]
    pub counter_id: Option<CounterId>,
    /// How it came in.
    pub channel: Channel,
}

/// A recorded complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// Increasing id.
    pub id: u64,
    /// What was filed (text trimmed).
    pub input: ComplaintInput,
    /// The department it goes to (the counter's), if known.
    pub department_id: Option<DepartmentId>,
    /// Who recorded it (a device or a staff member).
    pub recorded_by: String,
    /// When.
    pub at: Timestamp,
    /// The hall-local date.
    pub day: Date,
}

/// Checks a complaint against the hall's settings and returns it cleaned
/// (text trimmed, phone without spaces or dashes).
///
/// # Errors
/// A category, text or phone refusal.
pub fn check_complaint(
    settings: &RatingSettings,
    mut input: ComplaintInput,
) -> Result<ComplaintInput, FeedbackRefusal> {
    if !settings.complaint_categories.contains(&input.category) {
        return Err(FeedbackRefusal::UnknownCategory(input.category));
    }
    input.text = input.text.trim().to_owned();
    let n = input.text.chars().count();
    if n == 0 || n > MAX_TEXT_CHARS {
        return Err(FeedbackRefusal::BadText);
    }
    input.phone = match input.phone.take() {
        None => None,
        Some(p) => {
            let p: String = p.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
            if p.is_empty() {
                None
            } else if (5..=20).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()) {
                Some(p)
            } else {
                return Err(FeedbackRefusal::BadPhone);
            }
        }
    };
    Ok(input)
}

/// What opened a follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Source {
    /// A 差评, by rating id.
    Rating(u64),
    /// A complaint, by complaint id.
    Complaint(u64),
}

/// How a follow-up was resolved before it closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The problem was fixed (整改).
    Rectified,
    /// It was explained to the citizen (解释说明).
    Explained,
}

/// One step of a follow-up, as staff record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// The citizen was called back (回访).
    Callback {
        /// When the call was made.
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        called_at: Timestamp,
        /// Whether the citizen was reached.
        reached: bool,
        /// What came of it.
        result: String,
    },
    /// The problem was fixed or explained.
    Resolve {
        /// Fixed or explained.
        resolution: Resolution,
        /// What was done.
        note: String,
    },
    /// The follow-up is done.
    Close {
        /// A closing note.
        note: String,
    },
    /// The clerk's department asks for the rating to be ruled malicious.
    Appeal {
        /// Why.
        reason: String,
    },
    /// An administrator decides an appeal.
    DecideAppeal {
        /// True: the rating is void and the follow-up closes.
        upheld: bool,
        /// Why.
        note: String,
    },
}

impl Step {
    /// The stable name of the kind of step.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Callback { .. } => "callback",
            Self::Resolve { .. } => "resolve",
            Self::Close { .. } => "close",
            Self::Appeal { .. } => "appeal",
            Self::DecideAppeal { .. } => "decide_appeal",
        }
    }

    fn text(&self) -> &str {
        match self {
            Self::Callback { result, .. } => result,
            Self::Resolve { note, .. } | Self::Close { note } | Self::DecideAppeal { note, .. } => {
                note
            }
            Self::Appeal { reason } => reason,
        }
    }
}

/// Where an appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppealState {
    /// Waiting for an administrator.
    Pending,
    /// Ruled malicious: the rating is void.
    Upheld,
    /// Refused: the follow-up goes on.
    Rejected,
}

/// A follow-up's stage, derived from its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Nothing done yet.
    Open,
    /// The citizen was called back.
    CalledBack,
    /// Fixed or explained; waiting to be closed.
    Resolved,
    /// An appeal waits for an administrator.
    Appealed,
    /// Done.
    Closed,
}

impl Stage {
    /// The stable snake_case name.
    pub fn key(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::CalledBack => "called_back",
            Self::Resolved => "resolved",
            Self::Appealed => "appealed",
            Self::Closed => "closed",
        }
    }
}

/// The work a 差评 or complaint opens (整改).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    /// Increasing id.
    pub id: u64,
    /// What opened it.
    pub source: Source,
    /// The department responsible (谁办理谁负责), if known.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub department_id: Option<DepartmentId>,
    /// The counter concerned, if known.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>))]
    pub counter_id: Option<CounterId>,
    /// Whether there is anyone to call back (a complaint with a phone
    /// number). An anonymous 差评 has nobody to call, so closing it does
    /// not wait for a call-back.
    pub contact_known: bool,
    /// When it opened.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub opened_at: Timestamp,
    /// The hall's local date it opened.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub opened_on: Date,
    /// The last day to call back.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub callback_due: Date,
    /// The last day to close.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub close_due: Date,
    /// The first call-back's local date, once made.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub called_back_on: Option<Date>,
    /// Fixed or explained, once it is.
    pub resolution: Option<Resolution>,
    /// The appeal, if one was made.
    pub appeal: Option<AppealState>,
    /// The local date it closed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub closed_on: Option<Date>,
}

/// How a follow-up stands against its deadlines on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeliness {
    /// The call-back is late (not made and its day has passed, or made after it).
    pub callback_late: bool,
    /// The close is late (still open after its day, or closed after it).
    pub close_late: bool,
}

impl FollowUp {
    /// Opens a follow-up on the hall-local date `opened_on`, with deadlines
    /// from the hall's calendar and settings.
    ///
    /// # Errors
    /// When a deadline lies beyond the calendar's horizon (a calendar of
    /// nothing but holidays); the caller refuses the command.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        id: u64,
        source: Source,
        department_id: Option<DepartmentId>,
        counter_id: Option<CounterId>,
        contact_known: bool,
        opened_at: Timestamp,
        opened_on: Date,
        calendar: &WorkCalendar,
        settings: &RatingSettings,
    ) -> Result<Self, crate::calendar::BeyondHorizon> {
        let callback_due = calendar.add_working_days(opened_on, settings.callback_working_days)?;
        let close_due = calendar.add_working_days(opened_on, settings.close_working_days)?;
        Ok(Self {
            id,
            source,
            department_id,
            counter_id,
            contact_known,
            opened_at,
            opened_on,
            callback_due,
            close_due,
            called_back_on: None,
            resolution: None,
            appeal: None,
            closed_on: None,
        })
    }

    /// The stage its steps put it in.
    pub fn stage(&self) -> Stage {
        if self.closed_on.is_some() {
            Stage::Closed
        } else if self.appeal == Some(AppealState::Pending) {
            Stage::Appealed
        } else if self.resolution.is_some() {
            Stage::Resolved
        } else if self.called_back_on.is_some() {
            Stage::CalledBack
        } else {
            Stage::Open
        }
    }

    /// Whether it is still open.
    pub fn is_open(&self) -> bool {
        self.closed_on.is_none()
    }

    /// How it stands against its deadlines on `today` (the hall's local date).
    pub fn timeliness(&self, today: Date) -> Timeliness {
        let callback_late = self.contact_known
            && match self.called_back_on {
                Some(d) => d > self.callback_due,
                None => self.closed_on.is_none() && today > self.callback_due,
            };
        let close_late = match self.closed_on {
            Some(d) => d > self.close_due,
            None => today > self.close_due,
        };
        Timeliness {
            callback_late,
            close_late,
        }
    }

    /// Checks `step`, taken on the hall-local date `on`, and returns the
    /// follow-up after it. Only an administrator may decide an appeal
    /// (`by_admin`); the server checks the role, the engine the state.
    ///
    /// # Errors
    /// [`FeedbackRefusal::StepNotAllowed`] when the step does not fit the
    /// stage; [`FeedbackRefusal::BadText`] for a note too long (or, for a
    /// step that needs one, empty).
    pub fn act(&self, step: &Step, on: Date) -> Result<Self, FeedbackRefusal> {
        let text = step.text().trim();
        let needs_text = !matches!(step, Step::Close { .. });
        if text.chars().count() > MAX_TEXT_CHARS || (needs_text && text.is_empty()) {
            return Err(FeedbackRefusal::BadText);
        }
        let stage = self.stage();
        if stage == Stage::Closed {
            return Err(FeedbackRefusal::StepNotAllowed("closed"));
        }
        let mut next = self.clone();
        match step {
            Step::Callback { called_at: _, .. } => {
                if stage == Stage::Appealed {
                    return Err(FeedbackRefusal::StepNotAllowed("appeal pending"));
                }
                next.called_back_on.get_or_insert(on);
            }
            Step::Resolve { resolution, .. } => {
                if stage == Stage::Appealed {
                    return Err(FeedbackRefusal::StepNotAllowed("appeal pending"));
                }
                next.resolution = Some(*resolution);
            }
            Step::Close { .. } => {
                if stage == Stage::Appealed {
                    return Err(FeedbackRefusal::StepNotAllowed("appeal pending"));
                }
                if self.resolution.is_none() {
                    return Err(FeedbackRefusal::StepNotAllowed("not resolved"));
                }
                if self.contact_known && self.called_back_on.is_none() {
                    return Err(FeedbackRefusal::StepNotAllowed("callback missing"));
                }
                next.closed_on = Some(on);
            }
            Step::Appeal { .. } => {
                if !matches!(self.source, Source::Rating(_)) {
                    return Err(FeedbackRefusal::StepNotAllowed("appeal only for ratings"));
                }
                if self.appeal.is_some() {
                    return Err(FeedbackRefusal::StepNotAllowed("already appealed"));
                }
                next.appeal = Some(AppealState::Pending);
            }
            Step::DecideAppeal { upheld, .. } => {
                if self.appeal != Some(AppealState::Pending) {
                    return Err(FeedbackRefusal::StepNotAllowed("no appeal pending"));
                }
                if *upheld {
                    next.appeal = Some(AppealState::Upheld);
                    next.closed_on = Some(on);
                } else {
                    next.appeal = Some(AppealState::Rejected);
                }
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_scheme() {
        assert_eq!(Level::VerySatisfied.code(CodeScheme::Gbt39046), 1);
        assert_eq!(Level::VeryDissatisfied.code(CodeScheme::Gbt39046), 5);
        assert_eq!(Level::VerySatisfied.code(CodeScheme::Ascending), 5);
        assert_eq!(Level::from_code(0, CodeScheme::Gbt39046), None);
        assert_eq!(Level::from_code(6, CodeScheme::Ascending), None);
    }

    #[test]
    fn default_settings_are_valid() {
        assert_eq!(RatingSettings::default().issues(), Vec::new());
    }
}
