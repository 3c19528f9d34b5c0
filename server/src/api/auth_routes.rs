//! `/auth`: staff and administrators log in and out.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use banli_core::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use super::extract::{AppJson, Caller, ClientInfo, request_token};
use crate::AppState;
use crate::auth::{Principal, new_token, token_hash, verify_password};
use crate::store::accounts::{Role, StaffAccount};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(auth_login))
        .route("/auth/logout", post(auth_logout))
        .route("/auth/me", get(auth_me))
        .route("/auth/me/today", get(auth_me_today))
}

/// Login request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A session.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Bearer token for later requests.
    pub token: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Counters the account may operate.
    pub counters: Vec<u32>,
    /// When the session ends.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

/// Log in with a username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Logged in", body = LoginResponse),
        (status = 401, description = "Wrong username or password", body = banli_core::wire::ApiError),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = banli_core::wire::ApiError)))]
pub async fn auth_login(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<AppJson<LoginResponse>, AppError> {
    let (token, account, expires_at) =
        open_session(&state, &req.username, req.password, client.ip).await?;
    Ok(AppJson(session(token, &account, expires_at)))
}

/// Checks a username and password (rate-limited, argon2 on the blocking
/// pool, constant work for unknown users) and opens a session: the token,
/// its account and when it expires. The API and the web consoles share it.
///
/// # Errors
/// 401 `bad_credentials`, 429 `too_many_attempts`, 503 on storage failure.
pub async fn open_session(
    state: &AppState,
    username: &str,
    password: String,
    ip: Option<std::net::IpAddr>,
) -> Result<(String, StaffAccount, Timestamp), AppError> {
    let now = state.clock.now();
    let username = username.trim().to_owned();
    let attempt = LoginAttempt::take(state, &username, ip)?;
    let lookup = username.clone();
    let account = state.readers.call(move |s| s.staff(&lookup)).await?;
    // Verify against a dummy hash when the user does not exist, so that the
    // answer takes as long either way.
    let (account, hash) = match account {
        Some((a, h)) => (Some(a), h),
        None => (None, state.dummy_hash.clone()),
    };
    state.metrics.password_checks.inc();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::internal(&e))?;
    let account = match account {
        Some(a) if ok && !a.disabled => a,
        _ => {
            // A wrong guess: the tries taken stay taken.
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "wrong username or password",
                "用户名或密码错误",
            ));
        }
    };
    attempt.give_back();
    let token = new_token("s_");
    let hash = token_hash(&token);
    let expires_at = now + state.session_policy().lifetime;
    let (h, u) = (hash.clone(), account.username.clone());
    state
        .store
        .call(move |s| s.session_insert(&h, &u, now.as_millisecond(), expires_at.as_millisecond()))
        .await?;
    state
        .auth
        .insert_session(hash, account.clone(), now, expires_at);
    Ok((token, account, expires_at))
}

/// Ends the staff session of this token, in memory and in the database; a
/// device token is left alone (only an administrator revokes one).
///
/// # Errors
/// 403 `not_a_session` for a device token, 503 on storage failure.
pub async fn close_session(state: &AppState, token: &str) -> Result<(), AppError> {
    let hash = token_hash(token);
    if !state.auth.remove_session(&hash) {
        return Err(not_a_session());
    }
    state.store.call(move |s| s.session_delete(&hash)).await?;
    Ok(())
}

/// The tries a login took from the limiters before its password was
/// checked ([`crate::limit`]): taken before argon2 runs, so parallel
/// guesses cannot pass together, and given back only when the password
/// was right. A request dropped half-way (the client hung up while argon2
/// ran) keeps its cost, or hanging up would make guessing free.
struct LoginAttempt<'a> {
    state: &'a AppState,
    account: String,
    address: Option<std::net::IpAddr>,
}

impl<'a> LoginAttempt<'a> {
    /// Takes a try for the account, then for the client's address (so an
    /// account already locked costs its address nothing).
    fn take(
        state: &'a AppState,
        username: &str,
        ip: Option<std::net::IpAddr>,
    ) -> Result<Self, AppError> {
        let limits = &state.limits;
        let account = crate::limit::account_key(username);
        limits
            .login_account
            .take(&account)
            .map_err(|d| too_many_attempts(state, d))?;
        let address = ip.map(crate::limit::address_key);
        if let Some(a) = &address
            && let Err(d) = limits.login_address.take(a)
        {
            limits.login_account.give_back(&account);
            return Err(too_many_attempts(state, d));
        }
        Ok(Self {
            state,
            account,
            address,
        })
    }

    /// The password was right: this was no guess, and costs nothing.
    fn give_back(self) {
        let limits = &self.state.limits;
        limits.login_account.give_back(&self.account);
        if let Some(a) = &self.address {
            limits.login_address.give_back(a);
        }
    }
}

fn too_many_attempts(state: &AppState, d: crate::limit::Denied) -> AppError {
    AppError::rate_limited(
        state,
        d,
        "too_many_attempts",
        "too many failed logins",
        "登录失败次数过多",
    )
}

fn not_a_session() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "not_a_session",
        "only a staff session logs out; a device token stays valid until an administrator revokes it",
        "设备凭证无需注销，如需停用请由管理员吊销",
    )
}

fn session(token: String, a: &StaffAccount, expires_at: Timestamp) -> LoginResponse {
    LoginResponse {
        token,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role,
        counters: a.counters.iter().map(|c| c.0).collect(),
        expires_at,
    }
}

/// End the caller's own session (and only it: the same account's other
/// sessions go on). Devices do not log out.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out"),
        (status = 401, description = "No valid session", body = banli_core::wire::ApiError),
        (status = 403, description = "A device token (`not_a_session`): devices are revoked by an administrator, not logged out", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn auth_logout(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> Result<StatusCode, AppError> {
    use axum::extract::FromRequestParts as _;
    let (mut parts, _) = req.into_parts();
    // Authenticates the request as any other (a cookie needs its CSRF token).
    let Caller(caller) = Caller::from_request_parts(&mut parts, &state).await?;
    if !caller.is_staff() {
        return Err(not_a_session());
    }
    let (token, _) = request_token(&parts).ok_or_else(AppError::unauthorized)?;
    close_session(&state, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own figures for today (staff): tickets served, average
/// handle time, no-shows. The same row as theirs in today's report, read
/// from their own tickets of the day only: every counter console asks for
/// it after each ticket its counter closes.
#[utoipa::path(get, path = "/api/v1/auth/me/today", tag = "auth",
    responses((status = 200, description = "Today's figures", body = crate::store::reports::ReportRow)),
    security(("bearer" = [])))]
pub async fn auth_me_today(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<AppJson<crate::store::reports::ReportRow>, AppError> {
    let Principal::Staff(account) = caller else {
        return Err(AppError::forbidden("staff only"));
    };
    let now = state.clock.now();
    let day = state.engine.view().read(|engine, _| {
        engine.day().unwrap_or_else(|| {
            let tz = banli_core::jiff::tz::TimeZone::get(&engine.config().hall.timezone)
                .unwrap_or(banli_core::jiff::tz::TimeZone::UTC);
            now.to_zoned_datetime(tz).date()
        })
    });
    let row = state
        .readers
        .call(move |s| s.staff_day(&account.username, &day.to_string()))
        .await?;
    Ok(AppJson(row))
}

/// Who am I.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// Name in the journal.
    pub actor: String,
    /// Staff account, for staff and administrators.
    pub account: Option<StaffAccount>,
    /// Device, for devices.
    pub device: Option<crate::store::accounts::Device>,
}

/// The caller's identity.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, description = "The caller", body = Me)), security(("bearer" = [])))]
pub async fn auth_me(Caller(caller): Caller) -> AppJson<Me> {
    let actor = caller.actor();
    AppJson(match caller {
        Principal::Staff(a) => Me {
            actor,
            account: Some(a),
            device: None,
        },
        Principal::Device(d) => Me {
            actor,
            account: None,
            device: Some(d),
        },
    })
}
