//! The hall configuration: services, counters, departments and the queue
//! rules that administrators set. It is data only; the engine applies it.
//!
//! Every struct refuses unknown fields, so a typo in `hall.toml` is named
//! instead of silently ignored, and [`HallConfig::validate`] reports every
//! semantic problem at once, each with the path of the field at fault.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{CounterId, DepartmentId, ServiceId};

/// The whole configuration of one hall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HallConfig {
    /// Name, time zone and business-day roll-over.
    pub hall: HallInfo,
    /// Queue rules that apply hall-wide.
    #[serde(default)]
    pub rules: Rules,
    /// Agencies that own services and staff counters.
    #[serde(default)]
    pub departments: Vec<Department>,
    /// Kinds of business citizens queue for.
    #[serde(default)]
    pub services: Vec<Service>,
    /// Service windows.
    #[serde(default)]
    pub counters: Vec<Counter>,
    /// Notices the boards scroll: hours, fee disclosure, complaint hotline.
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// The hall's working days: weekends, statutory holidays and make-up
    /// working days (调休), a year at a time. Deadlines counted in working
    /// days (cases, follow-ups of complaints) use it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub calendar: crate::calendar::WorkCalendar,
    /// 好差评: rating window, reasons, complaint categories, follow-up
    /// deadlines, the pad's timeout.
    #[serde(default)]
    pub ratings: crate::rating::RatingSettings,
    /// Case (办件) numbering: region code and number pattern.
    #[serde(default)]
    pub cases: crate::case::CaseSettings,
}

/// A notice the boards scroll (滚动公告).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Chinese text: 「投诉监督电话：12345」.
    pub text_zh: String,
    /// English text.
    #[serde(default)]
    pub text_en: String,
}

/// Most notices a hall may have at once.
pub const MAX_NOTICES: usize = 20;
/// Longest notice, in characters.
pub const MAX_NOTICE_CHARS: usize = 300;

/// The hall's identity and calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HallInfo {
    /// Chinese name, printed on tickets: 「某某市政务服务中心」.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// IANA time zone of the hall; opening hours and the business day use it.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Local time at which the business day rolls over: numbers restart and
    /// tickets still waiting expire.
    #[serde(default = "default_rollover")]
    pub day_rollover: ClockTime,
    /// How long a staff login lasts, in hours, however busy: a working
    /// day and then some. 1 to [`MAX_SESSION_HOURS`].
    #[serde(default = "default_session_hours")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 72, default = 12))]
    pub session_hours: u32,
    /// A staff login that has not been used for this many minutes ends
    /// (a console left open at an empty counter); 0 turns this off. At
    /// most the session's lifetime.
    #[serde(default = "default_session_idle_minutes")]
    #[cfg_attr(feature = "openapi", schema(default = 30, minimum = 0, maximum = 4320))]
    pub session_idle_minutes: u32,
}

/// Longest staff session an administrator may set, in hours.
pub const MAX_SESSION_HOURS: u32 = 72;

fn default_session_hours() -> u32 {
    12
}

/// Half an hour: the usual automatic sign-out of government systems
/// (等保 asks for one; thirty minutes is the common setting).
fn default_session_idle_minutes() -> u32 {
    30
}

fn default_timezone() -> String {
    "Asia/Shanghai".to_owned()
}

fn default_rollover() -> ClockTime {
    ClockTime::new(3, 0)
}

/// Hall-wide queue rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// At most this many priority tickets are called in a row from one
    /// service while normal tickets of that service wait.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub priority_burst: u32,
    /// How many times a counter may recall a ticket before it must be
    /// marked a no-show.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 20))]
    pub max_recalls: u32,
    /// A re-queued no-show goes in after this many waiting tickets.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1000))]
    pub requeue_after: u32,
    /// A no-show may be re-queued only within this many minutes.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1440))]
    pub requeue_window_minutes: u32,
    /// Where a transferred ticket goes in its new service's queue.
    pub transfer_position: TransferPosition,
    /// An appointment checked in this many minutes before its slot is priority.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1440))]
    pub appointment_early_minutes: u32,
    /// An appointment checked in up to this many minutes after its slot is
    /// still priority; later it queues as a normal ticket.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1440))]
    pub appointment_late_minutes: u32,
    /// Opening hours for services that set none of their own.
    pub default_hours: Hours,
    /// Minutes before closing when kiosks stop issuing tickets, for services
    /// that set none of their own.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1440))]
    pub stop_issuing_minutes: u32,
    /// Handle time assumed for estimates until real calls give an average.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 480))]
    pub default_handle_minutes: u32,
    /// The admin dashboard raises an alert when a ticket has waited this
    /// many minutes.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1440))]
    pub wait_alert_minutes: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            priority_burst: 2,
            max_recalls: 2,
            requeue_after: 3,
            requeue_window_minutes: 60,
            transfer_position: TransferPosition::ByIssueTime,
            appointment_early_minutes: 30,
            appointment_late_minutes: 15,
            default_hours: Hours::default(),
            stop_issuing_minutes: 30,
            default_handle_minutes: 6,
            wait_alert_minutes: 30,
        }
    }
}

/// Where a transferred ticket is placed in its new queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferPosition {
    /// Ahead of everyone in its lane: the citizen already waited once.
    Front,
    /// Among the waiting tickets by its original issue time.
    ByIssueTime,
    /// At the back, like a new ticket.
    Back,
}

/// Weekly opening hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Hours {
    /// ISO weekdays the hall is open: 1 is Monday, 7 is Sunday.
    #[cfg_attr(feature = "openapi", schema(inline, value_type = Vec<WeekdayNumber>))]
    pub weekdays: Vec<u8>,
    /// Open periods of each such day, in order, e.g. morning and afternoon.
    pub periods: Vec<Period>,
}

/// An ISO weekday number (1 Monday … 7 Sunday), for the API document.
#[cfg(feature = "openapi")]
struct WeekdayNumber;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for WeekdayNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .description(Some("ISO weekday: 1 is Monday, 7 is Sunday"))
            .minimum(Some(1))
            .maximum(Some(7))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for WeekdayNumber {}

impl Default for Hours {
    fn default() -> Self {
        Self {
            weekdays: vec![1, 2, 3, 4, 5],
            periods: vec![
                Period {
                    open: ClockTime::new(9, 0),
                    close: ClockTime::new(12, 0),
                },
                Period {
                    open: ClockTime::new(13, 30),
                    close: ClockTime::new(17, 0),
                },
            ],
        }
    }
}

/// One open period of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Local opening time.
    pub open: ClockTime,
    /// Local closing time.
    pub close: ClockTime,
}

/// A local wall-clock time of day, written `"08:30"`; `"24:00"` is allowed
/// as a closing time, so a period can run to midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime {
    minutes: u16,
}

impl ClockTime {
    /// The end of the day, `"24:00"`: a closing time only.
    pub const END_OF_DAY: Self = Self { minutes: 24 * 60 };

    /// A time from hours and minutes; out-of-range values are clamped to
    /// 24:00 (the end of the day, allowed as a closing time).
    pub const fn new(hour: u8, minute: u8) -> Self {
        let minutes = hour as u16 * 60 + minute as u16;
        Self {
            minutes: if minutes > 24 * 60 { 24 * 60 } else { minutes },
        }
    }

    /// Minutes since local midnight.
    pub const fn minutes(self) -> u16 {
        self.minutes
    }

    /// Hour of day, 0 to 23.
    pub const fn hour(self) -> u8 {
        (self.minutes / 60) as u8
    }

    /// Minute of the hour.
    pub const fn minute(self) -> u8 {
        (self.minutes % 60) as u8
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ClockTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("Local time of day, HH:MM"))
            .pattern(Some("^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$"))
            .examples(["08:30"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ClockTime {}

/// Why a string is not a `HH:MM` time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a time like \"08:30\", got {0:?}")]
pub struct ClockTimeError(String);

impl FromStr for ClockTime {
    type Err = ClockTimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ClockTimeError(s.to_owned());
        let (h, m) = s.split_once(':').ok_or_else(err)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(err());
        }
        let h: u8 = h.parse().map_err(|_| err())?;
        let m: u8 = m.parse().map_err(|_| err())?;
        if (h > 23 || m > 59) && !(h == 24 && m == 0) {
            return Err(err());
        }
        Ok(Self::new(h, m))
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An agency that owns services and staffs counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Stable id.
    pub id: DepartmentId,
    /// Chinese name: 「市场监督管理局」.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
}

/// Priority classes a service may accept (绿色通道).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PriorityClass {
    /// 老年人.
    Elderly,
    /// 残疾人.
    Disabled,
    /// 军人 and their families.
    Military,
}

/// A kind of business citizens queue for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Stable id.
    pub id: ServiceId,
    /// Chinese name: 「企业开办」.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// Ticket prefix, one or two capital letters: `A` gives `A001`.
    pub prefix: String,
    /// The department that owns the service.
    pub department: DepartmentId,
    /// Digits in the ticket number after the prefix.
    #[serde(default = "default_width")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 6))]
    pub number_width: u8,
    /// First number issued each business day.
    #[serde(default = "default_first")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 999_999))]
    pub first_number: u32,
    /// Last number that may be issued in a business day.
    #[serde(default = "default_last")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 999_999))]
    pub last_number: u32,
    /// Most tickets issued in one business day; none means no quota.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 999_999))]
    pub daily_quota: Option<u32>,
    /// Opening hours; none means the hall's default hours.
    #[serde(default)]
    pub hours: Option<Hours>,
    /// Minutes before closing when issuing stops; none means the hall rule.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1440))]
    pub stop_issuing_minutes: Option<u32>,
    /// Priority classes this service accepts.
    #[serde(default)]
    pub priority_classes: Vec<PriorityClass>,
    /// Whether booked appointments can be checked in for this service.
    #[serde(default)]
    pub appointments: bool,
    /// Handle time assumed for estimates until real calls give an average.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 480))]
    pub expected_handle_minutes: Option<u32>,
    /// A disabled service is kept (with its history) but issues no tickets.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_width() -> u8 {
    3
}
fn default_first() -> u32 {
    1
}
fn default_last() -> u32 {
    999
}
fn default_true() -> bool {
    true
}

/// How a counter picks among its services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// The first service in the counter's list that has someone waiting.
    #[default]
    Ordered,
    /// Smooth weighted round-robin among the non-empty services.
    Weighted,
    /// The longest-waiting ticket across the counter's services.
    OldestFirst,
}

/// One service a counter serves, with its weight for [`Policy::Weighted`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CounterService {
    /// The service.
    pub service: ServiceId,
    /// Relative share of calls under the weighted policy (1 to 1000).
    #[serde(default = "default_weight")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub weight: u32,
}

fn default_weight() -> u32 {
    1
}

/// A service window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Counter {
    /// The number painted above the window.
    pub id: CounterId,
    /// Chinese name: 「5号窗口 · 企业开办」.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// Floor or area, so a board can show only its own zone.
    #[serde(default)]
    pub zone: String,
    /// The department staffing it.
    pub department: DepartmentId,
    /// Services in order of preference.
    pub services: Vec<CounterService>,
    /// How the next ticket is chosen among the services.
    #[serde(default)]
    pub policy: Policy,
    /// Call the next ticket automatically when the current one is finished.
    #[serde(default)]
    pub auto_call: bool,
}

/// One problem found by [`HallConfig::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigIssue {
    /// Path of the field at fault, e.g. `services[2].prefix`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl HallConfig {
    /// A hall with a name and nothing else, as a fresh database starts.
    pub fn empty(name_zh: &str) -> Self {
        Self {
            hall: HallInfo {
                name_zh: name_zh.to_owned(),
                name_en: String::new(),
                timezone: default_timezone(),
                day_rollover: default_rollover(),
                session_hours: default_session_hours(),
                session_idle_minutes: default_session_idle_minutes(),
            },
            rules: Rules::default(),
            departments: Vec::new(),
            services: Vec::new(),
            counters: Vec::new(),
            notices: Vec::new(),
            calendar: crate::calendar::WorkCalendar::default(),
            ratings: crate::rating::RatingSettings::default(),
            cases: crate::case::CaseSettings::default(),
        }
    }

    /// The service with this id.
    pub fn service(&self, id: &ServiceId) -> Option<&Service> {
        self.services.iter().find(|s| &s.id == id)
    }

    /// The counter with this number.
    pub fn counter(&self, id: CounterId) -> Option<&Counter> {
        self.counters.iter().find(|c| c.id == id)
    }

    /// Checks everything serde cannot: references, uniqueness, ranges.
    ///
    /// # Errors
    /// Every problem found, each naming its field.
    pub fn validate(&self) -> Result<(), Vec<ConfigIssue>> {
        let mut issues = Vec::new();
        let mut bad = |field: String, message: String| issues.push(ConfigIssue { field, message });

        if self.hall.name_zh.trim().is_empty() {
            bad(
                "hall.name_zh".into(),
                "the hall needs a Chinese name".into(),
            );
        }
        if self.hall.day_rollover == ClockTime::END_OF_DAY {
            bad("hall.day_rollover".into(), "use 00:00 for midnight".into());
        }
        if jiff::tz::TimeZone::get(&self.hall.timezone).is_err() {
            bad(
                "hall.timezone".into(),
                format!("unknown time zone {:?}", self.hall.timezone),
            );
        }
        if !(1..=MAX_SESSION_HOURS).contains(&self.hall.session_hours) {
            bad(
                "hall.session_hours".into(),
                format!("must be 1 to {MAX_SESSION_HOURS} hours"),
            );
        }
        if self.hall.session_idle_minutes > self.hall.session_hours.saturating_mul(60) {
            bad(
                "hall.session_idle_minutes".into(),
                "must be at most the session's lifetime (0 turns idle expiry off)".into(),
            );
        }
        let r = &self.rules;
        // The same bounds as the OpenAPI document gives each field.
        for (field, value, range) in [
            ("priority_burst", r.priority_burst, 1..=100),
            ("max_recalls", r.max_recalls, 0..=20),
            ("requeue_after", r.requeue_after, 0..=1000),
            ("requeue_window_minutes", r.requeue_window_minutes, 0..=1440),
            (
                "appointment_early_minutes",
                r.appointment_early_minutes,
                0..=1440,
            ),
            (
                "appointment_late_minutes",
                r.appointment_late_minutes,
                0..=1440,
            ),
            ("stop_issuing_minutes", r.stop_issuing_minutes, 0..=1440),
            ("default_handle_minutes", r.default_handle_minutes, 1..=480),
            ("wait_alert_minutes", r.wait_alert_minutes, 0..=1440),
        ] {
            if !range.contains(&value) {
                bad(
                    format!("rules.{field}"),
                    format!("must be {} to {}", range.start(), range.end()),
                );
            }
        }
        check_hours(&r.default_hours, "rules.default_hours", &mut bad);

        let mut dept_ids = HashSet::new();
        for (i, d) in self.departments.iter().enumerate() {
            let at = format!("departments[{i}]");
            if !valid_id(d.id.as_str()) {
                bad(
                    format!("{at}.id"),
                    format!("{:?} is not an id: use 1-32 of a-z, 0-9 and -", d.id.0),
                );
            }
            if !dept_ids.insert(&d.id) {
                bad(
                    format!("{at}.id"),
                    format!("department {:?} is defined twice", d.id.0),
                );
            }
            if d.name_zh.trim().is_empty() {
                bad(format!("{at}.name_zh"), "must not be empty".into());
            }
        }

        let mut service_ids = HashSet::new();
        let mut prefixes = HashSet::new();
        for (i, s) in self.services.iter().enumerate() {
            let at = format!("services[{i}]");
            if !valid_id(s.id.as_str()) {
                bad(
                    format!("{at}.id"),
                    format!("{:?} is not an id: use 1-32 of a-z, 0-9 and -", s.id.0),
                );
            }
            if !service_ids.insert(&s.id) {
                bad(
                    format!("{at}.id"),
                    format!("service {:?} is defined twice", s.id.0),
                );
            }
            if s.name_zh.trim().is_empty() {
                bad(format!("{at}.name_zh"), "must not be empty".into());
            }
            if s.prefix.is_empty()
                || s.prefix.len() > 2
                || !s.prefix.bytes().all(|b| b.is_ascii_uppercase())
            {
                bad(
                    format!("{at}.prefix"),
                    format!("{:?} is not one or two capital letters", s.prefix),
                );
            } else if !prefixes.insert(&s.prefix) {
                bad(
                    format!("{at}.prefix"),
                    format!("prefix {:?} is already used by another service", s.prefix),
                );
            }
            if !dept_ids.contains(&s.department) {
                bad(
                    format!("{at}.department"),
                    format!("no department {:?}", s.department.0),
                );
            }
            if !(1..=6).contains(&s.number_width) {
                bad(format!("{at}.number_width"), "must be 1 to 6 digits".into());
            } else {
                let max = 10u32.pow(u32::from(s.number_width)) - 1;
                if s.last_number > max {
                    bad(
                        format!("{at}.last_number"),
                        format!(
                            "{} does not fit in {} digits",
                            s.last_number, s.number_width
                        ),
                    );
                }
            }
            if s.first_number > s.last_number {
                bad(
                    format!("{at}.first_number"),
                    "must not be greater than last_number".into(),
                );
            }
            if s.daily_quota.is_some_and(|q| !(1..=999_999).contains(&q)) {
                bad(
                    format!("{at}.daily_quota"),
                    "must be 1 to 999999 (leave it out for no quota)".into(),
                );
            }
            if s.expected_handle_minutes
                .is_some_and(|m| !(1..=480).contains(&m))
            {
                bad(
                    format!("{at}.expected_handle_minutes"),
                    "must be 1 to 480".into(),
                );
            }
            if s.stop_issuing_minutes.is_some_and(|m| m > 1440) {
                bad(
                    format!("{at}.stop_issuing_minutes"),
                    "must be 0 to 1440".into(),
                );
            }
            if let Some(h) = &s.hours {
                check_hours(h, &format!("{at}.hours"), &mut bad);
            }
        }

        let mut counter_ids = HashSet::new();
        for (i, c) in self.counters.iter().enumerate() {
            let at = format!("counters[{i}]");
            if c.id.0 == 0 || c.id.0 > 9999 {
                bad(
                    format!("{at}.id"),
                    "counter numbers run from 1 to 9999".into(),
                );
            }
            if !counter_ids.insert(c.id) {
                bad(
                    format!("{at}.id"),
                    format!("counter {} is defined twice", c.id),
                );
            }
            if c.name_zh.trim().is_empty() {
                bad(format!("{at}.name_zh"), "must not be empty".into());
            }
            if !dept_ids.contains(&c.department) {
                bad(
                    format!("{at}.department"),
                    format!("no department {:?}", c.department.0),
                );
            }
            if c.services.is_empty() {
                bad(
                    format!("{at}.services"),
                    "a counter must serve at least one service".into(),
                );
            }
            let mut seen = HashSet::new();
            for (j, cs) in c.services.iter().enumerate() {
                if !service_ids.contains(&cs.service) {
                    bad(
                        format!("{at}.services[{j}].service"),
                        format!("no service {:?}", cs.service.0),
                    );
                }
                if !seen.insert(&cs.service) {
                    bad(
                        format!("{at}.services[{j}].service"),
                        format!("service {:?} is listed twice", cs.service.0),
                    );
                }
                if cs.weight == 0 || cs.weight > 1000 {
                    bad(
                        format!("{at}.services[{j}].weight"),
                        "must be 1 to 1000".into(),
                    );
                }
            }
        }

        if self.notices.len() > MAX_NOTICES {
            bad("notices".into(), format!("at most {MAX_NOTICES} notices"));
        }
        for (i, n) in self.notices.iter().enumerate() {
            if n.text_zh.trim().is_empty() {
                bad(format!("notices[{i}].text_zh"), "must not be empty".into());
            }
            for (field, text) in [("text_zh", &n.text_zh), ("text_en", &n.text_en)] {
                if text.chars().count() > MAX_NOTICE_CHARS {
                    bad(
                        format!("notices[{i}].{field}"),
                        format!("longer than {MAX_NOTICE_CHARS} characters"),
                    );
                }
            }
        }
        for (field, message) in self.ratings.issues() {
            bad(field, message);
        }
        if let Err(mut e) = self.cases.validate("cases.") {
            issues.append(&mut e);
        }

        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }
}

fn check_hours(h: &Hours, at: &str, bad: &mut impl FnMut(String, String)) {
    for (i, d) in h.weekdays.iter().enumerate() {
        if !(1..=7).contains(d) {
            bad(
                format!("{at}.weekdays[{i}]"),
                format!("{d} is not a weekday: use 1 (Monday) to 7 (Sunday)"),
            );
        }
    }
    let mut last_close: Option<ClockTime> = None;
    for (i, p) in h.periods.iter().enumerate() {
        if p.open == ClockTime::END_OF_DAY {
            bad(
                format!("{at}.periods[{i}].open"),
                "24:00 is a closing time; use 00:00".into(),
            );
        }
        if p.open >= p.close {
            bad(
                format!("{at}.periods[{i}]"),
                format!("opens at {} but closes at {}", p.open, p.close),
            );
        }
        if let Some(lc) = last_close
            && p.open < lc
        {
            bad(
                format!("{at}.periods[{i}].open"),
                format!(
                    "{} overlaps the previous period, which closes at {lc}",
                    p.open
                ),
            );
        }
        last_close = Some(p.close);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_time_round_trips() {
        let t: ClockTime = "08:30".parse().expect("valid");
        assert_eq!(t.minutes(), 510);
        assert_eq!(t.to_string(), "08:30");
        assert!("8:3".parse::<ClockTime>().is_err());
        assert_eq!(
            "24:00".parse::<ClockTime>().map(ClockTime::minutes),
            Ok(1440)
        );
        assert!("24:01".parse::<ClockTime>().is_err());
        assert!("ab:cd".parse::<ClockTime>().is_err());
    }

    #[test]
    fn validate_names_each_bad_field() {
        let mut c = HallConfig::empty("测试大厅");
        c.departments.push(Department {
            id: "amr".into(),
            name_zh: "市场监管".into(),
            name_en: String::new(),
        });
        let svc = Service {
            id: "biz".into(),
            name_zh: "企业开办".into(),
            name_en: String::new(),
            prefix: "A".into(),
            department: "amr".into(),
            number_width: 3,
            first_number: 1,
            last_number: 999,
            daily_quota: None,
            hours: None,
            stop_issuing_minutes: None,
            priority_classes: vec![],
            appointments: false,
            expected_handle_minutes: None,
            enabled: true,
        };
        c.services.push(svc.clone());
        c.services.push(Service {
            id: "biz2".into(),
            last_number: 1000,
            department: "nope".into(),
            ..svc
        });
        c.counters.push(Counter {
            id: CounterId(1),
            name_zh: "1号窗口".into(),
            name_en: String::new(),
            zone: "1F".into(),
            department: "amr".into(),
            services: vec![CounterService {
                service: "ghost".into(),
                weight: 1,
            }],
            policy: Policy::Ordered,
            auto_call: false,
        });
        let issues = c.validate().expect_err("invalid");
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert!(fields.contains(&"services[1].prefix"), "{fields:?}");
        assert!(fields.contains(&"services[1].department"), "{fields:?}");
        assert!(fields.contains(&"services[1].last_number"), "{fields:?}");
        assert!(
            fields.contains(&"counters[0].services[0].service"),
            "{fields:?}"
        );
    }

    /// Each number an administrator sets is bounded as the API document
    /// says: the edge is accepted, one past it is refused naming the field.
    #[test]
    fn numbers_are_bounded_at_both_edges() {
        type Set = fn(&mut HallConfig, u32);
        let ok = || {
            let mut c = HallConfig::empty("测试大厅");
            c.departments.push(Department {
                id: "amr".into(),
                name_zh: "市场监管".into(),
                name_en: String::new(),
            });
            c.services.push(Service {
                id: "biz".into(),
                name_zh: "企业开办".into(),
                name_en: String::new(),
                prefix: "A".into(),
                department: "amr".into(),
                number_width: 3,
                first_number: 1,
                last_number: 999,
                daily_quota: None,
                hours: None,
                stop_issuing_minutes: None,
                priority_classes: vec![],
                appointments: false,
                expected_handle_minutes: None,
                enabled: true,
            });
            c
        };
        let cases: [(&str, Set, u32, u32); 12] = [
            (
                "rules.priority_burst",
                |c, v| c.rules.priority_burst = v,
                1,
                100,
            ),
            ("rules.max_recalls", |c, v| c.rules.max_recalls = v, 0, 20),
            (
                "rules.requeue_after",
                |c, v| c.rules.requeue_after = v,
                0,
                1000,
            ),
            (
                "rules.requeue_window_minutes",
                |c, v| c.rules.requeue_window_minutes = v,
                0,
                1440,
            ),
            (
                "rules.appointment_early_minutes",
                |c, v| c.rules.appointment_early_minutes = v,
                0,
                1440,
            ),
            (
                "rules.appointment_late_minutes",
                |c, v| c.rules.appointment_late_minutes = v,
                0,
                1440,
            ),
            (
                "rules.stop_issuing_minutes",
                |c, v| c.rules.stop_issuing_minutes = v,
                0,
                1440,
            ),
            (
                "rules.default_handle_minutes",
                |c, v| c.rules.default_handle_minutes = v,
                1,
                480,
            ),
            (
                "rules.wait_alert_minutes",
                |c, v| c.rules.wait_alert_minutes = v,
                0,
                1440,
            ),
            (
                "services[0].daily_quota",
                |c, v| {
                    if let Some(s) = c.services.first_mut() {
                        s.daily_quota = Some(v);
                    }
                },
                1,
                999_999,
            ),
            (
                "services[0].expected_handle_minutes",
                |c, v| {
                    if let Some(s) = c.services.first_mut() {
                        s.expected_handle_minutes = Some(v);
                    }
                },
                1,
                480,
            ),
            (
                "services[0].stop_issuing_minutes",
                |c, v| {
                    if let Some(s) = c.services.first_mut() {
                        s.stop_issuing_minutes = Some(v);
                    }
                },
                0,
                1440,
            ),
        ];
        let fails = |set: Set, v: u32| {
            let mut c = ok();
            set(&mut c, v);
            c.validate()
                .err()
                .map(|issues| issues.into_iter().map(|i| i.field).collect::<Vec<_>>())
        };
        assert_eq!(ok().validate(), Ok(()));
        for (field, set, lo, hi) in cases {
            assert_eq!(fails(set, lo), None, "{field} = {lo}");
            assert_eq!(fails(set, hi), None, "{field} = {hi}");
            assert_eq!(
                fails(set, hi + 1),
                Some(vec![field.to_owned()]),
                "{field} = {}",
                hi + 1
            );
            if lo > 0 {
                assert_eq!(
                    fails(set, lo - 1),
                    Some(vec![field.to_owned()]),
                    "{field} = {}",
                    lo - 1
                );
            }
        }
    }
}
