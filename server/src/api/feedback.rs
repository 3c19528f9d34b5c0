//! 好差评 over HTTP: citizens rate a finished ticket's service and file
//! complaints; staff log complaints taken by telephone or in person and
//! work through follow-ups (整改); administrators decide appeals, edit the
//! settings and read the ratings report (JSON, or CSV with the GB/T 39046
//! field names and the level codes of the scheme asked for).
//!
//! # Who may do what
//! - **Rate** (`POST /ratings`): whoever holds the ticket's query code (the
//!   QR progress page on a phone; a kiosk passes on what the citizen typed),
//!   under the same limits on guessing as progress lookups; or the pad bound
//!   to the counter that finished the ticket, without a code. Staff never
//!   rate, and no route changes a rating.
//! - **Complain** (`POST /complaints`): a kiosk; a citizen holding a ticket
//!   and its code; staff recording a telephone or in-person complaint.
//! - **Follow-ups**: administrators see and act on all; a clerk sees and acts
//!   on those of the counters assigned to them (谁办理谁负责), except that
//!   only an administrator decides an appeal.
//! - **Figures**: a clerk reads their own (`/me/ratings`): counts per level,
//!   rates and the reasons given, never which ticket rated what.
//!
//! A rating carries the channel the caller implies (pad, QR page, kiosk),
//! never one the body claims.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use banli_core::engine::{Command, Outcome};
use banli_core::ids::{CounterId, TicketId};
use banli_core::jiff::civil::Date;
use banli_core::rating::{
    Channel, CodeScheme, ComplaintInput, FeedbackRefusal, Level, RatedTicket, RatingInput,
    RatingSettings, Step,
};
use serde::{Deserialize, Serialize};

use super::error::AppError;
use super::extract::{
    AppJson, AppPath, AppQuery, Caller, ClientInfo, MaybeCaller, day_range, query_day,
};
use crate::AppState;
use crate::auth::Principal;
use crate::store::feedback::{FollowUpDetail, FollowUpRow, RatingReport};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ratings", post(ratings_create))
        .route("/ratings/settings", get(ratings_settings))
        .route("/complaints", post(complaints_create))
        .route("/follow-ups", get(follow_ups_list))
        .route("/follow-ups/summary", get(follow_ups_summary))
        .route("/follow-ups/{id}", get(follow_ups_show))
        .route("/follow-ups/{id}/steps", post(follow_ups_step))
        .route("/me/ratings", get(me_ratings))
        .route("/admin/reports/ratings", get(admin_ratings_report))
        .route(
            "/admin/ratings/settings",
            get(admin_rating_settings_show).put(admin_rating_settings_update),
        )
}

/// The HTTP status of a refusal.
pub fn refusal_status(r: &FeedbackRefusal) -> StatusCode {
    match r {
        FeedbackRefusal::WrongCode | FeedbackRefusal::UnknownFollowUp(_) => StatusCode::NOT_FOUND,
        FeedbackRefusal::ReasonRequired
        | FeedbackRefusal::UnknownReason(_)
        | FeedbackRefusal::UnknownCategory(_)
        | FeedbackRefusal::BadText
        | FeedbackRefusal::BadPhone => StatusCode::UNPROCESSABLE_ENTITY,
        FeedbackRefusal::NotFinished
        | FeedbackRefusal::WindowPassed(_)
        | FeedbackRefusal::AlreadyRated
        | FeedbackRefusal::StepNotAllowed(_)
        | FeedbackRefusal::IdempotencyConflict => StatusCode::CONFLICT,
    }
}

fn refused(r: FeedbackRefusal) -> AppError {
    AppError::from(banli_core::engine::Rejection::Feedback(r))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    super::extract::idempotency_key(headers)
}

/// A citizen's rating.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateRequest {
    /// The ticket (its id, as the progress page and the pad know it).
    pub ticket_id: u64,
    /// The ticket's query code; the pad bound to the ticket's counter
    /// leaves it out.
    #[serde(default)]
    pub code: Option<String>,
    /// The level.
    pub level: Level,
    /// Reasons from the hall's list: at least one for 不满意 and 非常不满意.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub reasons: Vec<String>,
    /// Optional text (at most 500 characters).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub text: String,
    /// The service rated, for a ticket that was transferred and so served
    /// for several (each is rated once). Left out: the pad rates what its
    /// counter served; a phone or kiosk the latest service not rated yet.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub service_id: Option<String>,
}

/// A recorded rating or complaint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    /// The rating's or complaint's id.
    pub id: u64,
    /// The follow-up it opened, if any.
    pub follow_up_id: Option<u64>,
    /// True when this answers a retry of a request already recorded.
    pub replayed: bool,
    /// 「感谢您的评价」 or 「您的投诉已受理」.
    pub message_zh: String,
    /// The same in English.
    pub message: String,
}

/// Rate a finished ticket's service (一次一评).
#[utoipa::path(post, path = "/api/v1/ratings", tag = "ratings", request_body = RateRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retried request with the same key returns the same rating: 1 to 128 visible ASCII characters (a UUID does)",
        pattern = r"^[!-~]{1,128}$", min_length = 1, max_length = 128)),
    responses(
        (status = 201, description = "Recorded", body = Recorded),
        (status = 200, description = "A retry: the rating recorded for this key before", body = Recorded),
        (status = 403, description = "Staff cannot rate; a pad can rate only its own counter's tickets", body = banli_core::wire::ApiError),
        (status = 404, description = "No ticket with this id and code (`rating_wrong_code`)", body = banli_core::wire::ApiError),
        (status = 409, description = "Not finished (`rating_not_finished`), past the window (`rating_window_passed`), or rated already (`already_rated`)", body = banli_core::wire::ApiError),
        (status = 422, description = "A 差评 without a reason (`rating_reason_required`), an unknown reason, text too long", body = banli_core::wire::ApiError),
        (status = 429, description = "Too many wrong codes (`too_many_lookups`)", body = banli_core::wire::ApiError),
    ))]
pub async fn ratings_create(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    client: ClientInfo,
    headers: HeaderMap,
    AppJson(req): AppJson<RateRequest>,
) -> Result<(StatusCode, AppJson<Recorded>), AppError> {
    let key = idempotency_key(&headers)?;
    let id = TicketId(req.ticket_id);
    let pad_counter = match &caller {
        Some(p) if p.is_staff() => {
            return Err(AppError::forbidden(
                "staff cannot rate a service; the citizen rates it",
            ));
        }
        Some(Principal::Device(d)) => crate::api::pad::pad_counter(&state, d).await?,
        _ => None,
    };
    let channel = match (&caller, pad_counter) {
        (_, Some(_)) => Channel::Pad,
        (Some(p), None) if p.is_device(crate::store::accounts::DeviceKind::Kiosk) => Channel::Kiosk,
        _ => Channel::Qr,
    };
    if pad_counter.is_none() {
        super::tickets::check_code(&state, id, req.code.as_deref(), client.ip)
            .await
            .map_err(|e| {
                if e.code == "unknown_ticket" {
                    refused(FeedbackRefusal::WrongCode)
                } else {
                    e
                }
            })?;
    }
    let found = state
        .readers
        .call(move |s| s.ticket_for_rating(id))
        .await?
        .ok_or_else(|| refused(FeedbackRefusal::WrongCode))?;
    let actor = caller
        .as_ref()
        .map_or_else(|| "qr".to_owned(), Principal::actor);
    let mut ticket = choose_visit(
        &state,
        found.visits,
        req.service_id.as_deref(),
        pad_counter,
        &actor,
        key.as_deref(),
    )?;
    ticket.department_id = state.engine.view().read(|engine, _| {
        ticket
            .counter_id
            .and_then(|c| engine.config().counter(c))
            .map(|c| c.department.clone())
    });
    let committed = state
        .engine
        .command(Command::Rate {
            ticket,
            input: RatingInput {
                level: req.level,
                reasons: req.reasons,
                text: req.text,
                channel,
            },
            idempotency_key: key,
            actor,
        })
        .await?;
    recorded(
        committed.outcome,
        "感谢您的评价！",
        "Thank you for your rating!",
    )
}

/// Which service of the ticket a rating is for (see [`RateRequest::service_id`]).
fn choose_visit(
    state: &AppState,
    visits: Vec<RatedTicket>,
    service_id: Option<&str>,
    pad_counter: Option<CounterId>,
    actor: &str,
    key: Option<&str>,
) -> Result<RatedTicket, AppError> {
    let not_ours = || AppError::forbidden("a pad rates only the tickets its counter served");
    if visits.is_empty() {
        return Err(refused(FeedbackRefusal::NotFinished));
    }
    let chosen = match (service_id, pad_counter) {
        (Some(s), _) => visits.iter().find(|v| v.service_id.as_str() == s).cloned(),
        (None, Some(counter)) => visits
            .iter()
            .rev()
            .find(|v| v.counter_id == Some(counter))
            .cloned(),
        (None, None) => state
            .engine
            .view()
            .read(|engine, _| engine.visit_to_rate(&visits, actor, key).cloned()),
    };
    match (chosen, pad_counter) {
        (Some(v), Some(counter)) if v.counter_id != Some(counter) => Err(not_ours()),
        (Some(v), _) => Ok(v),
        (None, Some(_)) if service_id.is_none() => Err(not_ours()),
        // The ticket has not finished that service (yet).
        (None, _) => Err(refused(FeedbackRefusal::NotFinished)),
    }
}

fn recorded(
    outcome: Outcome,
    zh: &str,
    en: &str,
) -> Result<(StatusCode, AppJson<Recorded>), AppError> {
    let Outcome::Feedback {
        id,
        follow_up_id,
        replayed,
    } = outcome
    else {
        return Err(AppError::internal(&"feedback gave no record"));
    };
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        AppJson(Recorded {
            id,
            follow_up_id,
            replayed,
            message_zh: zh.to_owned(),
            message: en.to_owned(),
        }),
    ))
}

/// What the phone's progress page offers about rating a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneOffer {
    /// Not finished (or not found): nothing to rate yet.
    Nothing,
    /// A service finished, within the window, not rated: the form.
    Form,
    /// Every service within the window rated: a thank-you.
    Rated,
    /// Finished too long ago.
    WindowPassed,
}

impl PhoneOffer {
    /// The name the page template uses.
    pub fn key(self) -> &'static str {
        match self {
            Self::Nothing => "",
            Self::Form => "form",
            Self::Rated => "rated",
            Self::WindowPassed => "passed",
        }
    }
}

/// The rating part of a ticket's progress page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneRating {
    /// What to show.
    pub offer: PhoneOffer,
    /// With [`PhoneOffer::Form`]: the service the form rates (a
    /// transferred ticket was served for several; the latest not rated
    /// first), and its names.
    pub service_id: String,
    /// Its Chinese name.
    pub service_zh: String,
    /// Its English name.
    pub service_en: String,
    /// Whether another service of the ticket waits for its rating after this one.
    pub more: bool,
}

/// What the progress page of ticket `id` (whose code was checked) offers.
///
/// # Errors
/// When the read model cannot be read.
pub async fn phone_offer(state: &AppState, id: TicketId) -> Result<PhoneRating, AppError> {
    let mut answer = PhoneRating {
        offer: PhoneOffer::Nothing,
        service_id: String::new(),
        service_zh: String::new(),
        service_en: String::new(),
        more: false,
    };
    let Some(found) = state.readers.call(move |s| s.ticket_for_rating(id)).await? else {
        return Ok(answer);
    };
    let now = state.clock.now();
    Ok(state.engine.view().read(|engine, _| {
        let window = banli_core::jiff::SignedDuration::from_hours(
            i64::from(engine.config().ratings.window_days) * 24,
        );
        let in_window = |v: &&RatedTicket| {
            v.finished_at
                .is_some_and(|f| now.duration_since(f) <= window)
        };
        let open: Vec<&RatedTicket> = found
            .visits
            .iter()
            .rev()
            .filter(in_window)
            .filter(|v| !engine.is_rated(id, &v.service_id))
            .collect();
        answer.offer = match open.first() {
            Some(v) => {
                let service = engine.config().service(&v.service_id);
                answer.service_id = v.service_id.to_string();
                answer.service_zh =
                    service.map_or_else(|| v.service_id.to_string(), |s| s.name_zh.clone());
                answer.service_en =
                    service.map_or_else(|| v.service_id.to_string(), |s| s.name_en.clone());
                answer.more = open.len() > 1;
                PhoneOffer::Form
            }
            None if found
                .visits
                .iter()
                .any(|v| engine.is_rated(id, &v.service_id)) =>
            {
                PhoneOffer::Rated
            }
            None if found.visits.is_empty() => PhoneOffer::Nothing,
            None => PhoneOffer::WindowPassed,
        };
        answer
    }))
}

/// What pads, phones and kiosks need to ask for a rating or a complaint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicSettings {
    /// The five levels, best first, with their names.
    pub levels: Vec<LevelName>,
    /// Reasons a 差评 chooses from.
    pub reasons: Vec<String>,
    /// Complaint categories.
    pub complaint_categories: Vec<String>,
    /// The reasons with their English names, in the order of `reasons`
    /// (send the Chinese name back).
    pub reason_names: Vec<EntryName>,
    /// The complaint categories with their English names, in the order of
    /// `complaint_categories`.
    pub complaint_category_names: Vec<EntryName>,
    /// Days after the service during which it can be rated.
    pub window_days: u32,
    /// Seconds the pad waits for an answer.
    pub pad_timeout_secs: u32,
}

/// A reason or complaint category and its English name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryName {
    /// Chinese: the name ratings and complaints send and store.
    pub zh: String,
    /// English, shown beside it; absent when the hall gave none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

/// A level and its names.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LevelName {
    /// The level.
    pub level: Level,
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
    /// Whether it is a 差评 (needs a reason).
    pub bad: bool,
}

/// The levels, reasons and categories to offer (public: nothing in them is secret).
#[utoipa::path(get, path = "/api/v1/ratings/settings", tag = "ratings",
    responses((status = 200, description = "What to offer", body = PublicSettings)))]
pub async fn ratings_settings(State(state): State<AppState>) -> AppJson<PublicSettings> {
    let s = state
        .engine
        .view()
        .read(|engine, _| engine.config().ratings.clone());
    AppJson(PublicSettings {
        levels: Level::ALL
            .iter()
            .map(|l| LevelName {
                level: *l,
                zh: l.label_zh().into(),
                en: l.label_en().into(),
                bad: l.is_bad(),
            })
            .collect(),
        reason_names: names(&s.reasons, |zh| s.reason_en(zh)),
        complaint_category_names: names(&s.complaint_categories, |zh| s.category_en(zh)),
        reasons: s.reasons.clone(),
        complaint_categories: s.complaint_categories.clone(),
        window_days: s.window_days,
        pad_timeout_secs: s.pad_timeout_secs,
    })
}

/// Each of `list` with its English name.
fn names<'a>(list: &'a [String], en: impl Fn(&'a str) -> Option<&'a str>) -> Vec<EntryName> {
    list.iter()
        .map(|zh| EntryName {
            zh: zh.clone(),
            en: en(zh).map(str::to_owned),
        })
        .collect()
}

/// A complaint.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRequest {
    /// A category from the hall's list.
    pub category: String,
    /// What happened (1 to 500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub text: String,
    /// A number to call back (5 to 20 digits; spaces and dashes are
    /// dropped), if the citizen gives one.
    #[serde(default)]
    #[schema(max_length = 24)]
    pub phone: Option<String>,
    /// The counter concerned, if known.
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub counter_id: Option<CounterId>,
    /// Staff only: `telephone` (投诉电话, the default for staff) or `in_person`.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// A citizen without a device: their ticket…
    #[serde(default)]
    pub ticket_id: Option<u64>,
    /// …and its query code.
    #[serde(default)]
    pub code: Option<String>,
}

/// File a complaint (kiosk, citizen with a ticket code) or log one taken
/// by telephone or in person (staff). Opens a follow-up.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "ratings", request_body = ComplaintRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retried request with the same key returns the same complaint: 1 to 128 visible ASCII characters (a UUID does)",
        pattern = r"^[!-~]{1,128}$", min_length = 1, max_length = 128)),
    responses(
        (status = 201, description = "Recorded", body = Recorded),
        (status = 200, description = "A retry", body = Recorded),
        (status = 401, description = "No device, staff token or ticket code", body = banli_core::wire::ApiError),
        (status = 404, description = "Wrong ticket code, unknown counter", body = banli_core::wire::ApiError),
        (status = 422, description = "Unknown category, empty or long text, bad phone number", body = banli_core::wire::ApiError),
    ))]
pub async fn complaints_create(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    client: ClientInfo,
    headers: HeaderMap,
    AppJson(req): AppJson<ComplaintRequest>,
) -> Result<(StatusCode, AppJson<Recorded>), AppError> {
    let key = idempotency_key(&headers)?;
    let channel = match &caller {
        Some(p) if p.is_staff() => match req.channel {
            None | Some(Channel::Telephone) => Channel::Telephone,
            Some(Channel::InPerson) => Channel::InPerson,
            Some(_) => {
                return Err(AppError::invalid(
                    "invalid_channel",
                    "staff log complaints taken by telephone or in person",
                    "工作人员登记的投诉渠道应为投诉电话或现场",
                ));
            }
        },
        Some(p) if p.is_device(crate::store::accounts::DeviceKind::Kiosk) => Channel::Kiosk,
        _ => {
            let Some(id) = req.ticket_id else {
                return Err(AppError::unauthorized());
            };
            super::tickets::check_code(&state, TicketId(id), req.code.as_deref(), client.ip)
                .await
                .map_err(|e| {
                    if e.code == "unknown_ticket" {
                        refused(FeedbackRefusal::WrongCode)
                    } else {
                        e
                    }
                })?;
            Channel::Qr
        }
    };
    let actor = caller
        .as_ref()
        .map_or_else(|| "qr".to_owned(), Principal::actor);
    let committed = state
        .engine
        .command(Command::FileComplaint {
            input: ComplaintInput {
                category: req.category,
                text: req.text,
                phone: req.phone,
                counter_id: req.counter_id,
                channel,
            },
            idempotency_key: key,
            actor,
        })
        .await?;
    recorded(
        committed.outcome,
        "您的投诉已受理，我们会尽快处理。",
        "Your complaint has been received; we will follow it up.",
    )
}

/// Which follow-ups.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpQuery {
    /// `open` (default): every open follow-up; `all`: those opened on days
    /// `from..=to`.
    #[param(pattern = "^(open|all)$")]
    pub status: Option<String>,
    /// First day, `YYYY-MM-DD` (default: 30 days ago).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day (default: today).
    #[param(format = Date)]
    pub to: Option<String>,
}

fn staff_may_see(p: &Principal, counter: Option<CounterId>) -> bool {
    match p {
        Principal::Staff(a) => p.is_admin() || counter.is_some_and(|c| a.counters.contains(&c)),
        Principal::Device(_) => false,
    }
}

fn today(state: &AppState) -> Date {
    let now = state.clock.now();
    state.engine.view().read(|engine, _| engine.today(now))
}

fn range(
    from: Option<&str>,
    to: Option<&str>,
    today: Date,
    default_days: i64,
) -> Result<(Date, Date), AppError> {
    let to = match to {
        Some(s) => query_day(s)?,
        None => today,
    };
    let from = match from {
        Some(s) => query_day(s)?,
        None => to
            .checked_sub(banli_core::jiff::Span::new().days(default_days))
            .unwrap_or(to),
    };
    day_range(from, to, super::reports::MAX_RANGE_DAYS)
}

/// Follow-ups (整改): administrators see all, a clerk those of their counters.
#[utoipa::path(get, path = "/api/v1/follow-ups", tag = "ratings", params(FollowUpQuery),
    responses((status = 200, description = "Newest first, at most 1,000", body = Vec<FollowUpRow>),
        (status = 422, description = "Bad status or dates", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn follow_ups_list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppQuery(q): AppQuery<FollowUpQuery>,
) -> Result<AppJson<Vec<FollowUpRow>>, AppError> {
    if !caller.is_staff() {
        return Err(AppError::forbidden("staff only"));
    }
    let open_only = match q.status.as_deref() {
        None | Some("open") => true,
        Some("all") => false,
        Some(other) => {
            return Err(AppError::invalid(
                "invalid_status",
                format!("unknown status {other:?}: use open or all"),
                "状态应为 open 或 all",
            ));
        }
    };
    let today = today(&state);
    let (from, to) = range(q.from.as_deref(), q.to.as_deref(), today, 30)?;
    let (f, t) = (from.to_string(), to.to_string());
    let rows = state
        .readers
        .call(move |s| s.follow_ups(open_only, &f, &t, today))
        .await?;
    Ok(AppJson(
        rows.into_iter()
            .filter(|r| staff_may_see(&caller, r.follow_up.counter_id))
            .collect(),
    ))
}

/// Open and overdue follow-ups, for the dashboard.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FollowUpSummary {
    /// Open.
    pub open: u32,
    /// Open and past their close deadline.
    pub overdue: u32,
    /// Open with a call-back due and not made in time.
    pub callback_overdue: u32,
    /// Waiting for an administrator's decision on an appeal.
    pub appeals_pending: u32,
}

/// How many follow-ups are open and overdue (the dashboard's figures).
#[utoipa::path(get, path = "/api/v1/follow-ups/summary", tag = "ratings",
    responses((status = 200, description = "Counts", body = FollowUpSummary)),
    security(("bearer" = [])))]
pub async fn follow_ups_summary(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<AppJson<FollowUpSummary>, AppError> {
    if !caller.is_staff() {
        return Err(AppError::forbidden("staff only"));
    }
    let now = state.clock.now();
    let summary = state.engine.view().read(|engine, _| {
        let today = engine.today(now);
        let mut s = FollowUpSummary {
            open: 0,
            overdue: 0,
            callback_overdue: 0,
            appeals_pending: 0,
        };
        for f in engine
            .open_follow_ups()
            .filter(|f| staff_may_see(&caller, f.counter_id))
        {
            let t = f.timeliness(today);
            s.open += 1;
            s.overdue += u32::from(t.close_late);
            s.callback_overdue += u32::from(t.callback_late);
            s.appeals_pending += u32::from(f.stage() == banli_core::rating::Stage::Appealed);
        }
        s
    });
    Ok(AppJson(summary))
}

/// One follow-up with its steps.
#[utoipa::path(get, path = "/api/v1/follow-ups/{id}", tag = "ratings",
    params(("id" = u64, Path, description = "Follow-up id")),
    responses((status = 200, description = "The follow-up", body = FollowUpDetail),
        (status = 404, description = "No such follow-up (`unknown_follow_up`)", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn follow_ups_show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppPath(id): AppPath<u64>,
) -> Result<AppJson<FollowUpDetail>, AppError> {
    if !caller.is_staff() {
        return Err(AppError::forbidden("staff only"));
    }
    let today = today(&state);
    let detail = state
        .readers
        .call(move |s| s.follow_up_detail(id, today))
        .await?
        .filter(|d| staff_may_see(&caller, d.row.follow_up.counter_id))
        .ok_or_else(|| refused(FeedbackRefusal::UnknownFollowUp(id)))?;
    Ok(AppJson(detail))
}

/// Take a step of a follow-up: call back, resolve (rectified or explained),
/// close, appeal a rating as malicious; an administrator decides an appeal.
#[utoipa::path(post, path = "/api/v1/follow-ups/{id}/steps", tag = "ratings",
    params(("id" = u64, Path, description = "Follow-up id")),
    request_body = Step,
    responses((status = 200, description = "The follow-up after the step", body = FollowUpDetail),
        (status = 403, description = "Not this clerk's counter, or a clerk deciding an appeal", body = banli_core::wire::ApiError),
        (status = 404, description = "No open follow-up with this id (`unknown_follow_up`)", body = banli_core::wire::ApiError),
        (status = 409, description = "The step does not fit its stage (`step_not_allowed`)", body = banli_core::wire::ApiError),
        (status = 422, description = "A note is missing or too long (`bad_text`)", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn follow_ups_step(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppPath(id): AppPath<u64>,
    AppJson(step): AppJson<Step>,
) -> Result<AppJson<FollowUpDetail>, AppError> {
    if !caller.is_staff() {
        return Err(AppError::forbidden("staff only"));
    }
    if matches!(step, Step::DecideAppeal { .. }) && !caller.is_admin() {
        return Err(AppError::forbidden(
            "only an administrator decides an appeal",
        ));
    }
    let counter = state
        .engine
        .view()
        .read(|engine, _| engine.follow_up(id).map(|f| f.counter_id));
    match counter {
        None => return Err(refused(FeedbackRefusal::UnknownFollowUp(id))),
        Some(c) if !staff_may_see(&caller, c) => {
            return Err(refused(FeedbackRefusal::UnknownFollowUp(id)));
        }
        Some(_) => {}
    }
    state
        .engine
        .command(Command::ActOnFollowUp {
            follow_up_id: id,
            step,
            actor: caller.actor(),
        })
        .await?;
    let today = today(&state);
    let detail = state
        .readers
        .call(move |s| s.follow_up_detail(id, today))
        .await?
        .ok_or_else(|| refused(FeedbackRefusal::UnknownFollowUp(id)))?;
    Ok(AppJson(detail))
}

/// Which days.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatingReportQuery {
    /// First day, `YYYY-MM-DD` (default: the first of this month).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day (default: today).
    #[param(format = Date)]
    pub to: Option<String>,
    /// `json` (default) or `csv` (every rating, GB/T 39046 field names).
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
    /// Level codes in the CSV: `gbt39046` (default: 1 = 非常满意) or
    /// `ascending` (5 = 非常满意, as some provincial interfaces).
    #[param(inline)]
    pub scheme: Option<CodeScheme>,
}

fn report_range(state: &AppState, q: &RatingReportQuery) -> Result<(Date, Date, Date), AppError> {
    let today = today(state);
    let to = match &q.to {
        Some(s) => query_day(s)?,
        None => today,
    };
    let first = to.first_of_month();
    let (from, to) = range(
        q.from.as_deref().or(Some(&first.to_string())),
        Some(&to.to_string()),
        today,
        0,
    )?;
    Ok((from, to, today))
}

/// Which days of one's own figures (JSON only).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OwnRatingsQuery {
    /// First day, `YYYY-MM-DD` (default: the first of this month).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day (default: today).
    #[param(format = Date)]
    pub to: Option<String>,
}

/// A clerk's own 好差评 figures and the reasons given: never who rated.
#[utoipa::path(get, path = "/api/v1/me/ratings", tag = "ratings", params(OwnRatingsQuery),
    responses((status = 200, description = "The clerk's figures", body = RatingReport),
        (status = 422, description = "Bad dates or range (`invalid_date`, `invalid_range`)", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn me_ratings(
    State(state): State<AppState>,
    Caller(caller): Caller,
    AppQuery(q): AppQuery<OwnRatingsQuery>,
) -> Result<AppJson<RatingReport>, AppError> {
    let Principal::Staff(account) = &caller else {
        return Err(AppError::forbidden("staff only"));
    };
    let q = RatingReportQuery {
        from: q.from,
        to: q.to,
        format: None,
        scheme: None,
    };
    let (from, to, today) = report_range(&state, &q)?;
    let me = account.username.clone();
    let (f, t, d) = (from.to_string(), to.to_string(), today.to_string());
    let mut report = state
        .readers
        .call_report(move |s| s.rating_report(&f, &t, Some(&me), &d))
        .await?;
    // One's own figures: the per-clerk table would be a one-line copy.
    report.by_staff.clear();
    Ok(AppJson(report))
}

/// The ratings report by counter, clerk, service, department and month.
#[utoipa::path(get, path = "/api/v1/admin/reports/ratings", tag = "admin", params(RatingReportQuery),
    responses((status = 200, description = "The report (JSON), or every rating as CSV with format=csv",
            content((RatingReport = "application/json"), (String = "text/csv"))),
        (status = 422, description = "Bad dates or format", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_ratings_report(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<RatingReportQuery>,
) -> Result<Response, AppError> {
    caller.admin()?;
    let (from, to, today) = report_range(&state, &q)?;
    let (f, t, d) = (from.to_string(), to.to_string(), today.to_string());
    match q.format.as_deref() {
        None | Some("json") => {
            let report = state
                .readers
                .call_report(move |s| s.rating_report(&f, &t, None, &d))
                .await?;
            Ok(AppJson(report).into_response())
        }
        Some("csv") => {
            let rows = state
                .readers
                .call_report(move |s| s.ratings_export(&f, &t))
                .await?;
            let config = state
                .engine
                .view()
                .read(|engine, _| engine.config().clone());
            let csv = export_csv(&rows, &config, q.scheme.unwrap_or_default());
            let name = format!("attachment; filename=\"banli-ratings-{from}-{to}.csv\"");
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, name),
                ],
                csv,
            )
                .into_response())
        }
        Some(other) => Err(AppError::invalid(
            "invalid_format",
            format!("unknown format {other:?}: use json or csv"),
            "导出格式应为 json 或 csv",
        )),
    }
}

/// The CSV header: GB/T 39046-2020 evaluation fields (with the provincial
/// additions halls upload), in Chinese as the platforms name them.
pub const EXPORT_HEADER: [&str; 14] = [
    "评价编号",
    "办件编号",
    "评价渠道",
    "评价人类型",
    "评价时间",
    "评价次数",
    "满意度",
    "满意度名称",
    "评价文字",
    "事项名称",
    "受理部门",
    "经办人",
    "窗口",
    "匿名",
];

fn export_csv(
    rows: &[crate::store::feedback::ExportRow],
    config: &banli_core::config::HallConfig,
    scheme: CodeScheme,
) -> String {
    use super::reports::neutralise;
    let tz = banli_core::jiff::tz::TimeZone::get(&config.hall.timezone)
        .unwrap_or(banli_core::jiff::tz::TimeZone::UTC);
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut write = |row: Vec<String>| {
        if let Err(e) = w.write_record(&row) {
            tracing::error!(error = %e, "a rating row could not be written as CSV");
        }
    };
    write(EXPORT_HEADER.iter().map(|s| (*s).to_owned()).collect());
    for r in rows.iter().filter(|r| !r.void) {
        let at = banli_core::jiff::Timestamp::from_millisecond(r.at_ms)
            .map(|t| {
                t.to_zoned_datetime(tz.clone())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default();
        let service = config
            .service(&r.service_id.clone().into())
            .map_or_else(|| r.service_id.clone(), |s| s.name_zh.clone());
        let department = r
            .department_id
            .as_ref()
            .and_then(|d| config.departments.iter().find(|x| &x.id.0 == d))
            .map_or_else(
                || r.department_id.clone().unwrap_or_default(),
                |d| d.name_zh.clone(),
            );
        let mut text = r.reasons.join("；");
        if !r.text.is_empty() {
            if !text.is_empty() {
                text.push('；');
            }
            text.push_str(&r.text);
        }
        write(vec![
            r.id.to_string(),
            neutralise(&format!("{}-{}", r.day.replace('-', ""), r.number)),
            r.channel.gbt_code().to_string(),
            "1".into(),
            at,
            "1".into(),
            r.level.code(scheme).to_string(),
            r.level.label_zh().into(),
            neutralise(&text),
            neutralise(&service),
            neutralise(&department),
            neutralise(r.staff.as_deref().unwrap_or("")),
            r.counter_id.map(|c| c.to_string()).unwrap_or_default(),
            "1".into(),
        ]);
    }
    let bytes = match w.into_inner() {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e.error(), "ratings could not be written as CSV");
            Vec::new()
        }
    };
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}

/// The hall's 好差评 settings.
#[utoipa::path(get, path = "/api/v1/admin/ratings/settings", tag = "admin",
    responses((status = 200, description = "The settings", body = RatingSettings)),
    security(("bearer" = [])))]
pub async fn admin_rating_settings_show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<AppJson<RatingSettings>, AppError> {
    caller.admin()?;
    Ok(AppJson(
        state
            .engine
            .view()
            .read(|engine, _| engine.config().ratings.clone()),
    ))
}

/// Replace the hall's 好差评 settings: reasons, complaint categories, the
/// rating window, follow-up deadlines (working days), the pad's timeout.
#[utoipa::path(put, path = "/api/v1/admin/ratings/settings", tag = "admin",
    request_body = RatingSettings,
    responses((status = 200, description = "The settings now", body = RatingSettings),
        (status = 422, description = "Invalid settings (`invalid_config`, with the fields)", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_rating_settings_update(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(settings): AppJson<RatingSettings>,
) -> Result<AppJson<RatingSettings>, AppError> {
    let actor = caller.admin()?.actor();
    state
        .engine
        .command(Command::SetRatingSettings {
            settings: settings.clone(),
            actor,
        })
        .await?;
    Ok(AppJson(settings))
}
