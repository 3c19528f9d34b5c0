//! Cases (办件): an application for a matter of the service guide,
//! accepted at a counter and decided within a legal (法定) and a committed
//! (承诺) time limit counted in working days on the hall's calendar.
//!
//! # Decisions a next engineer needs
//! - **Pure and in the engine.** Cases go through the same writer, journal
//!   and replay as tickets: [`CaseCommand`] in (wrapped in
//!   [`crate::engine::Command::Case`]), [`CaseEvent`] out. [`transition`]
//!   is the one place that says which step may follow which; the engine
//!   calls it to decide, [`CaseBook::apply`] only applies.
//! - **The matter is copied into the case** ([`Matter`], from a
//!   [`GuideItem`] by [`Matter::from_guide`]) when it is accepted: the guide
//!   lives in the server's store, not in the engine, and a later edit of the
//!   guide must not move the deadline of a case already promised.
//! - **Deadlines are computed, not stored.** A case keeps its acceptance
//!   date and its pauses ([`CasePause`]: 补正 and 特别程序), and
//!   [`CaseRecord::deadline`] asks the calendar each time, so an
//!   administrator's correction of the calendar moves open deadlines at
//!   once. A decision records the date it was due *then* and the working
//!   days it took ([`CaseEvent::Stepped`]), which is what reports judge.
//! - **Memory stays small.** [`CaseBook::open`] holds cases until they end
//!   (取件, 不予受理, 撤回); the server's read model keeps every case and
//!   every step for lookups and reports.
//! - **One named status type.** [`CaseStatus`] is what Banli records; the
//!   GB/T 39046 codes (3 已受理, 6/7 补正, 9/10 特别程序, 11/13 办结, 14
//!   撤回 …) are produced only at export by [`CaseStatus::gb_code`]. The
//!   same for the matter's type ([`MatterKind::gb_code`]: 即办件 1, 承诺件 2).
//! - **Numbers are never reused.** A case number is rendered from the hall's
//!   pattern ([`CaseSettings`]: region code, date, sequence); the highest
//!   sequence per rendered prefix lives in [`CaseBook::sequences`], outside
//!   the pattern, like ticket numbers. A pattern change that renders the
//!   number of a case still open skips it.
//! - **Privacy.** An ID number never reaches the engine: the server salts
//!   and hashes it and masks it ([`mask_id_number`]); the public view masks
//!   the name ([`mask_name`]: 张*). The query password is drawn by the
//!   caller (the engine stays deterministic), as a ticket's query code is.
//! - **One-time notice (一次性告知).** A case gets at most one 补正, listing
//!   every missing material at once (行政许可法 §32); a second is refused.
//! - **即办件** may be decided straight from 受理, in the same visit.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::{BeyondHorizon, Deadline, DueState, Pause, WorkCalendar};
use crate::config::ConfigIssue;
use crate::guide::GuideItem;
use crate::ids::{CounterId, DepartmentId, TicketId};

/// Longest applicant name, note, reason or material name, in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Most materials one 补正 notice may list.
pub const MAX_MATERIALS: usize = 30;
/// Longest special procedure, in working days.
pub const MAX_SPECIAL_DAYS: u32 = 365;

/// The hall's settings for cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseSettings {
    /// The hall's administrative division code (行政区划代码), 6 digits.
    #[serde(default = "default_region")]
    pub region_code: String,
    /// How case numbers are written: `{region}` the region code, `{date}`
    /// the acceptance date as YYYYMMDD, `{year}` its year, `{seq}` or
    /// `{seq:N}` the sequence padded to N digits (required); anything
    /// else is written as it is.
    #[serde(default = "default_pattern")]
    pub number_pattern: String,
}

fn default_region() -> String {
    "000000".into()
}

fn default_pattern() -> String {
    "{region}{date}{seq:4}".into()
}

impl Default for CaseSettings {
    fn default() -> Self {
        Self {
            region_code: default_region(),
            number_pattern: default_pattern(),
        }
    }
}

/// One piece of a number pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Region,
    Date,
    Year,
    Seq(usize),
}

fn parse_pattern(pattern: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = pattern;
    let mut seqs = 0;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_owned()));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err("a { without its }".into());
        };
        let token = &after[..close];
        let piece = match token {
            "region" => Piece::Region,
            "date" => Piece::Date,
            "year" => Piece::Year,
            "seq" => Piece::Seq(1),
            t => match t.strip_prefix("seq:").map(str::parse::<usize>) {
                Some(Ok(n)) if (1..=9).contains(&n) => Piece::Seq(n),
                _ => return Err(format!("unknown field {{{token}}}")),
            },
        };
        if matches!(piece, Piece::Seq(_)) {
            seqs += 1;
        }
        pieces.push(piece);
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        if rest.contains('}') {
            return Err("a } without its {".into());
        }
        pieces.push(Piece::Text(rest.to_owned()));
    }
    if seqs != 1 {
        return Err("needs {seq} exactly once".into());
    }
    Ok(pieces)
}

impl CaseSettings {
    /// Checks the region code and the pattern. `at` prefixes field paths.
    ///
    /// # Errors
    /// Every problem, each naming its field.
    pub fn validate(&self, at: &str) -> Result<(), Vec<ConfigIssue>> {
        let mut issues = Vec::new();
        if self.region_code.len() != 6 || !self.region_code.bytes().all(|b| b.is_ascii_digit()) {
            issues.push(ConfigIssue {
                field: format!("{at}region_code"),
                message: "use the 6-digit administrative division code".into(),
            });
        }
        let text_ok = self
            .number_pattern
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "{}:-_".contains(c));
        match parse_pattern(&self.number_pattern) {
            Err(e) => issues.push(ConfigIssue {
                field: format!("{at}number_pattern"),
                message: e,
            }),
            Ok(_) if !text_ok || self.number_pattern.len() > 60 => issues.push(ConfigIssue {
                field: format!("{at}number_pattern"),
                message: "use at most 60 of A-Z, a-z, 0-9, - and _ besides the fields".into(),
            }),
            Ok(_) => {}
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }

    /// The case number for sequence `seq` on `date`, and the key its
    /// sequence is counted under (the number with the sequence left out).
    /// A pattern that does not parse (validation keeps them out) falls
    /// back to the default one.
    pub fn render(&self, date: Date, seq: u32) -> (String, String) {
        let pieces = parse_pattern(&self.number_pattern)
            .or_else(|_| parse_pattern(&default_pattern()))
            .unwrap_or_default();
        let mut number = String::new();
        let mut key = String::new();
        for p in pieces {
            let text = match p {
                Piece::Text(t) => t,
                Piece::Region => self.region_code.clone(),
                Piece::Date => format!("{:04}{:02}{:02}", date.year(), date.month(), date.day()),
                Piece::Year => format!("{:04}", date.year()),
                Piece::Seq(width) => {
                    number.push_str(&format!("{seq:0width$}"));
                    key.push_str("{seq}");
                    continue;
                }
            };
            number.push_str(&text);
            key.push_str(&text);
        }
        (number, key)
    }
}

/// 即办件 or 承诺件 (GB/T 39046 A.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatterKind {
    /// 即办件: decided in the same visit.
    OnTheSpot,
    /// 承诺件: decided within the committed limit.
    Committed,
}

impl MatterKind {
    /// The code of GB/T 39046 A.6: 1 即办件, 2 承诺件.
    pub fn gb_code(self) -> u8 {
        match self {
            Self::OnTheSpot => 1,
            Self::Committed => 2,
        }
    }

    /// The name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::OnTheSpot => "即办件",
            Self::Committed => "承诺件",
        }
    }
}

/// What a case is for: the guide item as it stood at acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Matter {
    /// The guide item's id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// The department that decides it.
    pub department: DepartmentId,
    /// 即办件 or 承诺件.
    pub kind: MatterKind,
    /// The legal limit in working days (法定时限), if the guide gives one.
    pub legal_limit_days: Option<u32>,
    /// The committed limit in working days (承诺时限): 0 for a 即办件.
    pub committed_limit_days: u32,
}

impl Matter {
    /// The matter of a guide item: a 即办件 has a committed limit of 0; a
    /// 承诺件 takes the guide's committed limit, or its legal one.
    ///
    /// # Errors
    /// [`CaseRejection::MatterWithoutLimit`] for a 承诺件 whose guide item
    /// gives neither limit: no deadline could be promised.
    pub fn from_guide(item: &GuideItem) -> Result<Self, CaseRejection> {
        let (kind, committed) = if item.on_the_spot {
            (MatterKind::OnTheSpot, 0)
        } else {
            let Some(days) = item.committed_limit_days.or(item.legal_limit_days) else {
                return Err(CaseRejection::MatterWithoutLimit(item.id.clone()));
            };
            (MatterKind::Committed, days)
        };
        Ok(Self {
            id: item.id.clone(),
            name_zh: item.name_zh.clone(),
            name_en: item.name_en.clone(),
            department: item.department.clone(),
            kind,
            legal_limit_days: item.legal_limit_days,
            committed_limit_days: committed,
        })
    }
}

/// Who applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applicant {
    /// Full name, as the clerk entered it (staff see it; citizens see it
    /// masked).
    pub name: String,
    /// Phone, if given.
    #[serde(default)]
    pub phone: Option<String>,
    /// `salt:hex(sha256(salt ‖ id))` of the ID number, if recorded; the
    /// number itself is never stored.
    #[serde(default)]
    pub id_hash: Option<String>,
    /// The ID number masked for display: `110***********1234`.
    #[serde(default)]
    pub id_masked: Option<String>,
}

/// The stage a case is in. 补正 and 特别程序 are not stages but pauses on
/// top of one ([`CaseRecord::open_pause`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 受理: accepted at the counter.
    Accepted,
    /// 承办: the department is working on it.
    Undertaking,
    /// 审核: under review.
    Reviewing,
    /// 办结（通过）: decided, granted.
    Approved,
    /// 办结（不通过）: decided, refused.
    Disapproved,
    /// 取件: the result was handed over. Final.
    PickedUp,
    /// 不予受理: not accepted, with a reason. Final.
    NotAccepted,
    /// 撤回: withdrawn by the applicant. Final.
    Withdrawn,
}

impl Stage {
    /// Whether the case has been decided (办结) or ended: its clock no
    /// longer runs and no deadline applies.
    pub fn is_closed(self) -> bool {
        !matches!(self, Self::Accepted | Self::Undertaking | Self::Reviewing)
    }

    /// Whether nothing can follow: the case leaves the engine's memory.
    pub fn is_final(self) -> bool {
        matches!(self, Self::PickedUp | Self::NotAccepted | Self::Withdrawn)
    }

    /// The name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Accepted => "已受理",
            Self::Undertaking => "承办中",
            Self::Reviewing => "审核中",
            Self::Approved => "办结（通过）",
            Self::Disapproved => "办结（不通过）",
            Self::PickedUp => "已取件",
            Self::NotAccepted => "不予受理",
            Self::Withdrawn => "已撤回",
        }
    }

    /// The name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Accepted => "Accepted",
            Self::Undertaking => "In progress",
            Self::Reviewing => "Under review",
            Self::Approved => "Decided: approved",
            Self::Disapproved => "Decided: not approved",
            Self::PickedUp => "Collected",
            Self::NotAccepted => "Not accepted",
            Self::Withdrawn => "Withdrawn",
        }
    }
}

/// Why a case's clock stands still.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    /// 补正: waiting for missing materials.
    Correction,
    /// 特别程序: hearing, testing, expert review (行政许可法 §45).
    Special,
}

/// A span when the clock stood or stands still.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CasePause {
    /// 补正 or 特别程序.
    pub kind: PauseKind,
    /// When the clock stopped.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub stopped_at: Timestamp,
    /// The hall's date it stopped (does not count).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub stopped_on: Date,
    /// The hall's date it resumed (does not count either); none while open.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub resumed_on: Option<Date>,
    /// 补正: every missing material (一次性告知).
    #[serde(default)]
    pub materials: Vec<String>,
    /// 特别程序: what it is (听证, 检验检测, 专家评审 …).
    #[serde(default)]
    pub procedure: String,
    /// 特别程序: its own limit in working days.
    #[serde(default)]
    pub limit_days: Option<u32>,
}

impl CasePause {
    /// As the calendar counts it.
    pub fn as_pause(&self) -> Pause {
        match self.resumed_on {
            Some(end) => {
                Pause::closed(self.stopped_on, end).unwrap_or(Pause::open(self.stopped_on))
            }
            None => Pause::open(self.stopped_on),
        }
    }
}

/// A step requested on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CaseAction {
    /// 受理 → 承办.
    Undertake,
    /// 承办 → 审核.
    Review,
    /// 审核 → 办结 (a 即办件 also straight from 受理 or 承办).
    Decide {
        /// 通过 or 不通过.
        approved: bool,
    },
    /// 办结 → 取件.
    PickUp,
    /// 补正: the one-time notice of every missing material; stops the clock.
    RequestCorrection {
        /// The missing materials, each named.
        materials: Vec<String>,
    },
    /// The missing materials arrived: the clock runs again.
    MaterialsReceived,
    /// 特别程序 begins: the clock stops; the procedure has its own limit.
    StartSpecial {
        /// What it is: 听证, 检验检测, 专家评审.
        procedure: String,
        /// Its own limit in working days.
        limit_days: u32,
    },
    /// 特别程序 ends: the clock runs again.
    EndSpecial,
    /// 不予受理, with the reason (before 承办, or during 补正).
    Refuse {
        /// Why, as the applicant is told.
        reason: String,
    },
    /// 撤回: the applicant withdraws the application.
    Withdraw,
}

impl CaseAction {
    /// A short stable name, for logs and errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Undertake => "undertake",
            Self::Review => "review",
            Self::Decide { .. } => "decide",
            Self::PickUp => "pick_up",
            Self::RequestCorrection { .. } => "request_correction",
            Self::MaterialsReceived => "materials_received",
            Self::StartSpecial { .. } => "start_special",
            Self::EndSpecial => "end_special",
            Self::Refuse { .. } => "refuse",
            Self::Withdraw => "withdraw",
        }
    }
}

/// What a step recorded: Banli's one status type. Converted to the codes
/// of GB/T 39046 only at export ([`CaseStatus::gb_code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 已受理.
    Accepted,
    /// 部门开始办理 (承办).
    Undertaking,
    /// 审核.
    Reviewing,
    /// 补正 begins.
    CorrectionStarted,
    /// 补正 ends: materials received.
    CorrectionEnded,
    /// 特别程序 begins.
    SpecialStarted,
    /// 特别程序 ends.
    SpecialEnded,
    /// 办结（通过）.
    Approved,
    /// 办结（不通过）.
    Disapproved,
    /// 取件.
    PickedUp,
    /// 不予受理.
    NotAccepted,
    /// 撤回.
    Withdrawn,
}

impl CaseStatus {
    /// The status code of GB/T 39046: 3 已受理, 5 不予受理, 6/7 补正
    /// start/end, 8 部门开始办理, 9/10 特别程序 start/end, 11 办结(通过),
    /// 13 办结(不通过), 14 撤回. 审核 and 取件 have no code of their own:
    /// 审核 is still 8 (the department handling it), 取件 follows 办结 and
    /// reports none.
    pub fn gb_code(self) -> Option<u8> {
        match self {
            Self::Accepted => Some(3),
            Self::NotAccepted => Some(5),
            Self::CorrectionStarted => Some(6),
            Self::CorrectionEnded => Some(7),
            Self::Undertaking | Self::Reviewing => Some(8),
            Self::SpecialStarted => Some(9),
            Self::SpecialEnded => Some(10),
            Self::Approved => Some(11),
            Self::Disapproved => Some(13),
            Self::Withdrawn => Some(14),
            Self::PickedUp => None,
        }
    }

    /// The name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Accepted => "受理",
            Self::Undertaking => "承办",
            Self::Reviewing => "审核",
            Self::CorrectionStarted => "补正告知",
            Self::CorrectionEnded => "补正材料已收",
            Self::SpecialStarted => "特别程序开始",
            Self::SpecialEnded => "特别程序结束",
            Self::Approved => "办结（通过）",
            Self::Disapproved => "办结（不通过）",
            Self::PickedUp => "取件",
            Self::NotAccepted => "不予受理",
            Self::Withdrawn => "撤回",
        }
    }

    /// The name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Accepted => "Accepted",
            Self::Undertaking => "Handling started",
            Self::Reviewing => "Review",
            Self::CorrectionStarted => "Missing materials requested",
            Self::CorrectionEnded => "Missing materials received",
            Self::SpecialStarted => "Special procedure started",
            Self::SpecialEnded => "Special procedure ended",
            Self::Approved => "Decided: approved",
            Self::Disapproved => "Decided: not approved",
            Self::PickedUp => "Collected",
            Self::NotAccepted => "Not accepted",
            Self::Withdrawn => "Withdrawn",
        }
    }
}

/// A step's result (GB/T 39046: 通过 / 退回 / 其他).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepResult {
    /// 通过.
    #[default]
    Pass,
    /// 退回.
    Return,
    /// 其他.
    Other,
}

impl StepResult {
    /// The code of GB/T 39046: 1 通过, 2 退回, 9 其他.
    pub fn gb_code(self) -> u8 {
        match self {
            Self::Pass => 1,
            Self::Return => 2,
            Self::Other => 9,
        }
    }
}

/// One step as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepView {
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// What it recorded.
    pub status: CaseStatus,
    /// Its name in Chinese.
    pub status_zh: String,
    /// Its name in English.
    pub status_en: String,
    /// The code of GB/T 39046, where it has one.
    pub gb_code: Option<u8>,
    /// 通过 / 退回 / 其他.
    pub result: StepResult,
    /// Who (staff only; empty for citizens).
    pub actor: String,
    /// The note (staff only).
    pub note: String,
    /// Materials of a 补正, reason of a 不予受理, procedure of a 特别程序.
    pub detail: String,
}

/// A case as the citizen sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseProgress {
    /// 办件编号.
    pub case_no: String,
    /// The matter's name in Chinese.
    pub matter_zh: String,
    /// The matter's name in English.
    pub matter_en: String,
    /// 即办件 / 承诺件.
    pub matter_kind: MatterKind,
    /// The applicant's name, masked (张*).
    pub applicant_masked: String,
    /// Where it stands.
    pub stage: Stage,
    /// Its name in Chinese.
    pub stage_zh: String,
    /// Its name in English.
    pub stage_en: String,
    /// Date of acceptance.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub accepted_on: Date,
    /// The committed date (none while the clock is stopped or once decided).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub committed_due_on: Option<Date>,
    /// Working days left while the clock is stopped.
    pub remaining_days: Option<u32>,
    /// `correction` or `special` while the clock stands still.
    pub paused: Option<PauseKind>,
    /// During 补正: what to bring.
    pub missing_materials: Vec<String>,
    /// 办结 or end date.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub closed_on: Option<Date>,
    /// 不予受理's reason.
    pub reason: String,
    /// The steps (status and time only).
    pub steps: Vec<StepView>,
}

/// One case, as the engine keeps it while it is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// Internal id, never reused.
    pub id: u64,
    /// 办件编号.
    pub case_no: String,
    /// 查询密码.
    pub password: String,
    /// What for.
    pub matter: Matter,
    /// Who applied.
    pub applicant: Applicant,
    /// The ticket that brought the citizen to the counter.
    pub ticket_id: Option<TicketId>,
    /// Its number (A023).
    #[serde(default)]
    pub ticket_number: String,
    /// The counter that accepted it.
    pub counter_id: CounterId,
    /// When it was accepted.
    pub accepted_at: Timestamp,
    /// The hall's date of acceptance; the clock starts the working day after.
    pub accepted_on: Date,
    /// Who accepted it.
    pub accepted_by: String,
    /// Where it stands.
    pub stage: Stage,
    /// 补正 and 特别程序, in order.
    #[serde(default)]
    pub pauses: Vec<CasePause>,
    /// 不予受理's reason.
    #[serde(default)]
    pub reason: String,
    /// When it was decided (办结) or ended.
    #[serde(default)]
    pub closed_on: Option<Date>,
    /// The acceptance request's retry key, with who sent it.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// How a case stands against its committed deadline today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseDue {
    /// The deadline, or paused.
    pub deadline: Deadline,
    /// Warning state, when the deadline is known and the case still open.
    pub state: Option<DueState>,
}

impl CaseRecord {
    /// The open pause, if the clock stands still.
    pub fn open_pause(&self) -> Option<&CasePause> {
        self.pauses.iter().rev().find(|p| p.resumed_on.is_none())
    }

    /// The pauses as the calendar counts them.
    pub fn calendar_pauses(&self) -> Vec<Pause> {
        self.pauses.iter().map(CasePause::as_pause).collect()
    }

    /// The committed deadline on `calendar`.
    ///
    /// # Errors
    /// [`BeyondHorizon`] for a limit that does not end within 100 years.
    pub fn deadline(&self, calendar: &WorkCalendar) -> Result<Deadline, BeyondHorizon> {
        calendar.deadline(
            self.accepted_on,
            self.matter.committed_limit_days,
            &self.calendar_pauses(),
        )
    }

    /// The committed deadline and, for an open case, its warning on `today`.
    ///
    /// # Errors
    /// As [`Self::deadline`].
    pub fn due(&self, calendar: &WorkCalendar, today: Date) -> Result<CaseDue, BeyondHorizon> {
        let deadline = self.deadline(calendar)?;
        let state = match (deadline, self.stage.is_closed()) {
            (Deadline::Due(date), false) => Some(calendar.due_state(today, date)),
            _ => None,
        };
        Ok(CaseDue { deadline, state })
    }

    /// Working days counted so far (or until the decision).
    pub fn elapsed_days(&self, calendar: &WorkCalendar, today: Date) -> u32 {
        let end = self.closed_on.unwrap_or(today);
        calendar.elapsed_working_days(self.accepted_on, end, &self.calendar_pauses())
    }
}

/// Case commands, carried by [`crate::engine::Command::Case`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum CaseCommand {
    /// 受理 for the ticket a counter is serving.
    Accept {
        /// The counter; the case is attached to its current ticket.
        counter_id: CounterId,
        /// The matter, from the guide (the server looks it up).
        matter: Matter,
        /// The applicant (ID number already hashed and masked).
        applicant: Applicant,
        /// 查询密码, drawn at random by the caller.
        password: String,
        /// A retry returns the same case.
        idempotency_key: Option<String>,
        /// Who accepts.
        actor: String,
    },
    /// A step on an open case.
    Step {
        /// The case.
        case_id: u64,
        /// What to do.
        action: CaseAction,
        /// 通过 / 退回 / 其他.
        result: StepResult,
        /// A note for the record.
        note: String,
        /// Who.
        actor: String,
    },
}

/// Case events, carried by [`crate::engine::Event::Case`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "case_event", rename_all = "snake_case")]
pub enum CaseEvent {
    /// A case was accepted (受理).
    Accepted {
        /// When.
        at: Timestamp,
        /// The sequence key and number used (see [`CaseBook::sequences`]).
        seq_key: String,
        /// The sequence.
        seq: u32,
        /// The new case.
        case: Box<CaseRecord>,
    },
    /// A step was taken.
    Stepped {
        /// When.
        at: Timestamp,
        /// The hall's date of the step.
        on: Date,
        /// The case.
        case_id: u64,
        /// Its number, for the read model.
        case_no: String,
        /// What was done.
        action: CaseAction,
        /// What it records.
        status: CaseStatus,
        /// 通过 / 退回 / 其他.
        result: StepResult,
        /// The note.
        note: String,
        /// Who.
        actor: String,
        /// The committed deadline after the step, when known on the
        /// calendar of the time (reports judge 办结 on time by it).
        due_on: Option<Date>,
        /// Working days counted up to the step.
        elapsed_days: u32,
    },
}

impl CaseEvent {
    /// When.
    pub fn at(&self) -> Timestamp {
        match self {
            Self::Accepted { at, .. } | Self::Stepped { at, .. } => *at,
        }
    }
}

/// Why a case command was refused. Each has a stable code and a Chinese
/// message; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseRejection {
    /// No guide item has this id.
    #[error("there is no matter {0:?} in the service guide")]
    UnknownMatter(String),
    /// A 承诺件 without any time limit in the guide.
    #[error("the guide gives matter {0:?} no time limit; set its committed limit first")]
    MatterWithoutLimit(String),
    /// No open case has this id or number.
    #[error("there is no open case {0}")]
    UnknownCase(String),
    /// The step does not follow the case's stage.
    #[error("a case that is {stage:?} cannot {action}")]
    OutOfOrder {
        /// Where it stands.
        stage: Stage,
        /// What was asked.
        action: &'static str,
    },
    /// The case is decided or ended; no deadline or step applies any more.
    #[error("the case is closed ({0:?})")]
    Closed(Stage),
    /// The clock is stopped; end the 补正 or special procedure first.
    #[error("the case is paused ({0:?}); end that first")]
    Paused(PauseKind),
    /// No 补正 or special procedure of that kind is open.
    #[error("no {0:?} is open on this case")]
    NotPaused(PauseKind),
    /// The one-time notice (一次性告知) was given already.
    #[error("missing materials were requested once already; the notice is one-time")]
    CorrectionAlreadyRequested,
    /// A field is empty or too long.
    #[error("{field}: {problem}")]
    BadField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// The same retry key was used for another acceptance.
    #[error("this idempotency key was already used for a different case")]
    IdempotencyConflict,
}

impl CaseRejection {
    /// A stable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownMatter(_) => "unknown_matter",
            Self::MatterWithoutLimit(_) => "matter_without_limit",
            Self::UnknownCase(_) => "unknown_case",
            Self::OutOfOrder { .. } => "stage_out_of_order",
            Self::Closed(_) => "case_closed",
            Self::Paused(_) => "case_paused",
            Self::NotPaused(_) => "case_not_paused",
            Self::CorrectionAlreadyRequested => "correction_already_requested",
            Self::BadField { .. } => "invalid_case_field",
            Self::IdempotencyConflict => "idempotency_conflict",
        }
    }

    /// The message in Chinese, for the clerk.
    pub fn message_zh(&self) -> String {
        match self {
            Self::UnknownMatter(_) => "办事指南中没有这个事项".into(),
            Self::MatterWithoutLimit(_) => "该事项在办事指南中没有时限，请先设置承诺时限".into(),
            Self::UnknownCase(_) => "没有这个在办的办件".into(),
            Self::OutOfOrder { stage, .. } => {
                format!("办件当前为「{}」，不能进行此环节", stage.name_zh())
            }
            Self::Closed(stage) => format!("办件已{}，不能再变更", stage.name_zh()),
            Self::Paused(PauseKind::Correction) => "办件正在补正中，请先登记补正材料已收".into(),
            Self::Paused(PauseKind::Special) => "办件正在特别程序中，请先结束特别程序".into(),
            Self::NotPaused(PauseKind::Correction) => "办件没有在补正中".into(),
            Self::NotPaused(PauseKind::Special) => "办件没有在特别程序中".into(),
            Self::CorrectionAlreadyRequested => "已一次性告知过补正材料，不能再次要求补正".into(),
            Self::BadField { field, problem } => format!("{field}：{problem}"),
            Self::IdempotencyConflict => "重复的请求标识".into(),
        }
    }
}

fn check_text(field: &'static str, text: &str, required: bool) -> Result<(), CaseRejection> {
    if required && text.trim().is_empty() {
        return Err(CaseRejection::BadField {
            field,
            problem: "must not be empty / 不能为空",
        });
    }
    if text.chars().count() > MAX_TEXT_CHARS || text.chars().any(char::is_control) {
        return Err(CaseRejection::BadField {
            field,
            problem: "at most 200 characters, no control characters / 最多200字，不含控制字符",
        });
    }
    Ok(())
}

/// Checks the applicant as the clerk entered it.
///
/// # Errors
/// [`CaseRejection::BadField`] naming the field.
pub fn check_applicant(a: &Applicant) -> Result<(), CaseRejection> {
    check_text("applicant.name", &a.name, true)?;
    if let Some(phone) = &a.phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let ok = phone
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == ' ');
        if !ok || !(5..=20).contains(&digits) {
            return Err(CaseRejection::BadField {
                field: "applicant.phone",
                problem: "use 5-20 digits / 请填写正确的电话号码",
            });
        }
    }
    Ok(())
}

/// The step `action` on `case`, if allowed: the status it records. The
/// one place that says which step may follow which.
///
/// # Errors
/// A [`CaseRejection`] saying why not.
pub fn transition(case: &CaseRecord, action: &CaseAction) -> Result<CaseStatus, CaseRejection> {
    use CaseAction as A;
    use Stage as S;
    let stage = case.stage;
    let out_of_order = || CaseRejection::OutOfOrder {
        stage,
        action: action.kind(),
    };
    if stage.is_final() {
        return Err(CaseRejection::Closed(stage));
    }
    let pause = case.open_pause().map(|p| p.kind);
    // While paused, only ending the pause, refusing during 补正 and
    // withdrawing are possible.
    match (pause, action) {
        (Some(PauseKind::Correction), A::MaterialsReceived | A::Refuse { .. } | A::Withdraw)
        | (Some(PauseKind::Special), A::EndSpecial | A::Withdraw) => {}
        (Some(kind), _) => return Err(CaseRejection::Paused(kind)),
        (None, A::MaterialsReceived) => {
            return Err(CaseRejection::NotPaused(PauseKind::Correction));
        }
        (None, A::EndSpecial) => return Err(CaseRejection::NotPaused(PauseKind::Special)),
        (None, _) => {}
    }
    let on_the_spot = case.matter.kind == MatterKind::OnTheSpot;
    match action {
        A::Undertake if stage == S::Accepted => Ok(CaseStatus::Undertaking),
        A::Review if stage == S::Undertaking => Ok(CaseStatus::Reviewing),
        A::Decide { approved } => {
            let allowed = stage == S::Reviewing
                || (on_the_spot && matches!(stage, S::Accepted | S::Undertaking));
            if !allowed {
                return Err(if stage.is_closed() {
                    CaseRejection::Closed(stage)
                } else {
                    out_of_order()
                });
            }
            Ok(if *approved {
                CaseStatus::Approved
            } else {
                CaseStatus::Disapproved
            })
        }
        A::PickUp if matches!(stage, S::Approved | S::Disapproved) => Ok(CaseStatus::PickedUp),
        A::RequestCorrection { materials } => {
            if stage.is_closed() {
                return Err(CaseRejection::Closed(stage));
            }
            if case.pauses.iter().any(|p| p.kind == PauseKind::Correction) {
                return Err(CaseRejection::CorrectionAlreadyRequested);
            }
            if materials.is_empty() || materials.len() > MAX_MATERIALS {
                return Err(CaseRejection::BadField {
                    field: "materials",
                    problem: "list 1-30 missing materials / 请列出1至30项补正材料",
                });
            }
            for m in materials {
                check_text("materials", m, true)?;
            }
            Ok(CaseStatus::CorrectionStarted)
        }
        A::MaterialsReceived => Ok(CaseStatus::CorrectionEnded),
        A::StartSpecial {
            procedure,
            limit_days,
        } => {
            if stage.is_closed() {
                return Err(CaseRejection::Closed(stage));
            }
            check_text("procedure", procedure, true)?;
            if !(1..=MAX_SPECIAL_DAYS).contains(limit_days) {
                return Err(CaseRejection::BadField {
                    field: "limit_days",
                    problem: "1-365 working days / 时限为1至365个工作日",
                });
            }
            Ok(CaseStatus::SpecialStarted)
        }
        A::EndSpecial => Ok(CaseStatus::SpecialEnded),
        A::Refuse { reason } if stage == S::Accepted => {
            check_text("reason", reason, true)?;
            Ok(CaseStatus::NotAccepted)
        }
        A::Withdraw if !stage.is_closed() => Ok(CaseStatus::Withdrawn),
        _ if stage.is_closed() && !matches!(action, A::PickUp) => Err(CaseRejection::Closed(stage)),
        _ => Err(out_of_order()),
    }
}

/// Applies a step already allowed by [`transition`]: pure bookkeeping
/// (the engine and the server's read model both use it).
pub fn apply_step(case: &mut CaseRecord, action: &CaseAction, at: Timestamp, on: Date) {
    let close_pause = |case: &mut CaseRecord, kind: PauseKind| {
        if let Some(p) = case
            .pauses
            .iter_mut()
            .rev()
            .find(|p| p.kind == kind && p.resumed_on.is_none())
        {
            p.resumed_on = Some(on.max(p.stopped_on));
        }
    };
    match action {
        CaseAction::Undertake => case.stage = Stage::Undertaking,
        CaseAction::Review => case.stage = Stage::Reviewing,
        CaseAction::Decide { approved } => {
            case.stage = if *approved {
                Stage::Approved
            } else {
                Stage::Disapproved
            };
            case.closed_on = Some(on);
        }
        CaseAction::PickUp => case.stage = Stage::PickedUp,
        CaseAction::RequestCorrection { materials } => case.pauses.push(CasePause {
            kind: PauseKind::Correction,
            stopped_at: at,
            stopped_on: on,
            resumed_on: None,
            materials: materials.clone(),
            procedure: String::new(),
            limit_days: None,
        }),
        CaseAction::MaterialsReceived => close_pause(case, PauseKind::Correction),
        CaseAction::StartSpecial {
            procedure,
            limit_days,
        } => case.pauses.push(CasePause {
            kind: PauseKind::Special,
            stopped_at: at,
            stopped_on: on,
            resumed_on: None,
            materials: Vec::new(),
            procedure: procedure.clone(),
            limit_days: Some(*limit_days),
        }),
        CaseAction::EndSpecial => close_pause(case, PauseKind::Special),
        CaseAction::Refuse { reason } => {
            close_pause(case, PauseKind::Correction);
            case.stage = Stage::NotAccepted;
            case.reason = reason.clone();
            case.closed_on = Some(on);
        }
        CaseAction::Withdraw => {
            close_pause(case, PauseKind::Correction);
            close_pause(case, PauseKind::Special);
            case.stage = Stage::Withdrawn;
            case.closed_on = Some(on);
        }
    }
}

/// The engine's part of cases: the open ones and the numbering.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseBook {
    /// The id the next case gets. Never reset.
    #[serde(default)]
    pub next_id: u64,
    /// Open cases by id (until 取件, 不予受理 or 撤回).
    #[serde(default)]
    pub open: BTreeMap<u64, CaseRecord>,
    /// The highest sequence used per rendered number prefix (the number
    /// with `{seq}` left in): never lowered, so a number is never repeated.
    #[serde(default)]
    pub sequences: BTreeMap<String, u32>,
}

impl CaseBook {
    /// An open case by its number.
    pub fn by_number(&self, case_no: &str) -> Option<&CaseRecord> {
        self.open.values().find(|c| c.case_no == case_no)
    }

    /// The next case number on `date` and its sequence key and sequence,
    /// skipping any number an open case holds.
    pub fn next_number(&self, settings: &CaseSettings, date: Date) -> (String, String, u32) {
        let (_, key) = settings.render(date, 0);
        let mut seq = self.sequences.get(&key).copied().unwrap_or(0);
        loop {
            seq = seq.saturating_add(1);
            let (number, _) = settings.render(date, seq);
            if self.by_number(&number).is_none() || seq == u32::MAX {
                return (number, key, seq);
            }
        }
    }

    /// Applies an event.
    ///
    /// # Errors
    /// When it does not fit (a step on a case that is not open).
    pub fn apply(&mut self, event: &CaseEvent) -> Result<(), String> {
        match event {
            CaseEvent::Accepted {
                seq_key, seq, case, ..
            } => {
                let e = self.sequences.entry(seq_key.clone()).or_insert(0);
                *e = (*e).max(*seq);
                self.next_id = self.next_id.max(case.id.saturating_add(1));
                self.open.insert(case.id, (**case).clone());
            }
            CaseEvent::Stepped {
                at,
                on,
                case_id,
                action,
                ..
            } => {
                let Some(case) = self.open.get_mut(case_id) else {
                    return Err(format!("case {case_id} is not open"));
                };
                apply_step(case, action, *at, *on);
                if case.stage.is_final() {
                    self.open.remove(case_id);
                }
            }
        }
        Ok(())
    }
}

/// A name as the public sees it: the first character, then `*` for each
/// of the others (张三 → 张*, 欧阳娜娜 → 欧***). A one-character name
/// is shown as `*`.
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    let count = name.chars().count();
    match name.chars().next() {
        Some(first) if count > 1 => {
            let mut out = String::from(first);
            out.extend(std::iter::repeat_n('*', count - 1));
            out
        }
        _ => "*".into(),
    }
}

/// An ID number for display: its first 3 and last 4 characters kept,
/// the rest `*` (at least 4 characters hidden).
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    let n = chars.len();
    if n < 11 {
        return "*".repeat(n.max(4));
    }
    let mut out: String = chars.iter().take(3).collect();
    out.extend(std::iter::repeat_n('*', n - 7));
    out.extend(chars.iter().skip(n - 4));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_are_masked() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("李"), "*");
        assert_eq!(mask_id_number("110101199003071234"), "110***********1234");
    }

    #[test]
    fn patterns_render_and_bad_ones_are_named() {
        let s = CaseSettings::default();
        let d = Date::constant(2026, 11, 30);
        assert_eq!(s.render(d, 7).0, "000000202611300007");
        let bad = CaseSettings {
            region_code: "33".into(),
            number_pattern: "{region}{date}".into(),
        };
        let issues = bad.validate("cases.").expect_err("two problems");
        assert_eq!(issues.len(), 2);
        let odd = CaseSettings {
            number_pattern: "BJ-{year}-{seq:6}".into(),
            ..CaseSettings::default()
        };
        assert!(odd.validate("").is_ok());
        assert_eq!(odd.render(d, 12).0, "BJ-2026-000012");
    }
}
