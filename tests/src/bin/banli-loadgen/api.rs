//! The few server routes the load generator uses, typed, plus the setup
//! every subcommand shares: log in as the administrator and create the
//! device tokens and the staff account the run needs.
//!
//! Setup calls fail the run on any unexpected answer; the hot paths
//! (issuing, calling) send through [`crate::http::Conn`] themselves so that
//! they can count statuses instead.

use std::hash::{BuildHasher as _, RandomState};

use anyhow::{Context as _, Result, bail};
use banli_core::ids::CounterId;
use banli_core::wire::{CounterActionResponse, CounterView, ServiceView};
use hyper::StatusCode;
use hyper::body::Bytes;
use serde::Deserialize;
use serde_json::json;

use crate::http::{Call, Conn, Reply};

/// `POST`: username and password for a bearer token.
pub const LOGIN: &str = "/api/v1/auth/login";
/// `POST` (admin): issue a device token.
pub const DEVICES: &str = "/api/v1/admin/devices";
/// `GET`: services with their queues.
pub const SERVICES: &str = "/api/v1/services";
/// `POST` (kiosk): take a ticket.
pub const TICKETS: &str = "/api/v1/tickets";
/// WebSocket: snapshot, then events.
pub const EVENTS: &str = "/api/v1/events";

/// The staff account the fan-out test calls with.
pub const STAFF_USER: &str = "loadgen-staff";

/// The answer to a login.
#[derive(Debug, Deserialize)]
struct LoginResponse {
    /// Bearer token.
    token: String,
    /// `admin` or `staff`.
    role: String,
}

/// The answer to a device registration.
#[derive(Debug, Deserialize)]
struct DeviceResponse {
    /// The device's bearer token, shown once.
    token: String,
}

/// A device kind the server knows.
#[derive(Debug, Clone, Copy)]
pub enum DeviceKind {
    /// 取号机: takes tickets.
    Kiosk,
    /// 显示屏: subscribes to events.
    Board,
}

impl DeviceKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Board => "board",
        }
    }
}

/// Logs in; returns the bearer token and the role.
///
/// # Errors
/// On a transport failure or any answer but success.
pub async fn login(conn: &mut Conn, username: &str, password: &str) -> Result<(String, String)> {
    let body = json!({ "username": username, "password": password });
    let reply = conn.send(Call::post(LOGIN, to_bytes(&body))).await?;
    let reply = expect_success(reply, &format!("logging in as {username:?}"))?;
    let login: LoginResponse = reply.json()?;
    Ok((login.token, login.role))
}

/// Logs in as the administrator.
///
/// # Errors
/// When the login fails or the account is not an administrator.
pub async fn admin_login(conn: &mut Conn, username: &str, password: &str) -> Result<String> {
    let (token, role) = login(conn, username, password).await?;
    if role != "admin" {
        bail!("{username:?} logged in with role {role:?}; the load generator needs an admin");
    }
    Ok(token)
}

/// Registers a device named `loadgen-<kind>-<run>` and returns its token.
/// The run tag keeps names distinct in case the server wants them unique.
///
/// # Errors
/// On any answer but success.
pub async fn create_device(
    conn: &mut Conn,
    admin_token: &str,
    kind: DeviceKind,
    run: &str,
) -> Result<String> {
    let name = format!("loadgen-{}-{run}", kind.as_str());
    let body = json!({ "name": name, "kind": kind.as_str() });
    let reply = conn
        .send(Call::post(DEVICES, to_bytes(&body)).bearer(admin_token))
        .await?;
    let reply = expect_success(reply, &format!("registering device {name:?}"))?;
    Ok(reply.json::<DeviceResponse>()?.token)
}

/// Creates or updates the staff account [`STAFF_USER`] for `counters`, with
/// a fresh random password, and logs in as it. `PUT` is idempotent, so
/// repeated runs reuse the one account.
///
/// # Errors
/// When the account cannot be set up or the login fails.
pub async fn staff_login(
    conn: &mut Conn,
    admin_token: &str,
    counters: &[CounterId],
) -> Result<String> {
    let password = format!("lg-{}-{}", random_hex(), random_hex());
    let body = json!({
        "display_name": "压测叫号员 (load generator)",
        "role": "staff",
        "password": password,
        "counters": counters,
    });
    let path = format!("/api/v1/admin/staff/{STAFF_USER}");
    let reply = conn
        .send(Call::put(&path, to_bytes(&body)).bearer(admin_token))
        .await?;
    expect_success(reply, &format!("creating staff account {STAFF_USER:?}"))?;
    let (token, _role) = login(conn, STAFF_USER, &password).await?;
    Ok(token)
}

/// All services with their queues.
///
/// # Errors
/// On any answer but success.
pub async fn services(conn: &mut Conn, token: &str) -> Result<Vec<ServiceView>> {
    let reply = conn.send(Call::get(SERVICES).bearer(token)).await?;
    expect_success(reply, "listing services")?.json()
}

/// `POST /api/v1/counters/{id}/call-next`: the counter after the call, or
/// `None` (204) when nobody waits.
///
/// # Errors
/// On a transport failure or an answer other than 200 or 204.
pub async fn call_next(
    conn: &mut Conn,
    token: &str,
    counter: CounterId,
) -> Result<Option<CounterView>> {
    let path = call_next_path(counter);
    let reply = conn
        .send(Call::post(&path, Bytes::from_static(b"{}")).bearer(token))
        .await?;
    if reply.status == StatusCode::NO_CONTENT {
        return Ok(None);
    }
    let reply = expect_success(
        reply,
        &format!("calling the next ticket at counter {counter}"),
    )?;
    Ok(Some(reply.json::<CounterActionResponse>()?.counter))
}

/// The call-next route of `counter`.
pub fn call_next_path(counter: CounterId) -> String {
    format!("/api/v1/counters/{counter}/call-next")
}

/// `reply` if it is a success, else an error saying what was being done.
///
/// # Errors
/// When the status is not 2xx.
pub fn expect_success(reply: Reply, doing: &str) -> Result<Reply> {
    if reply.status.is_success() {
        Ok(reply)
    } else {
        Err(anyhow::anyhow!("{}", reply.describe())).with_context(|| format!("{doing} failed"))
    }
}

/// Serialises a JSON value once, for a body that can be cloned cheaply.
pub fn to_bytes(value: &serde_json::Value) -> Bytes {
    Bytes::from(value.to_string())
}

/// 16 random hex digits from the standard library's per-process hash keys:
/// unpredictable enough for a load-test password or a run tag, and no
/// dependency on an RNG crate.
pub fn random_hex() -> String {
    format!(
        "{:016x}",
        RandomState::new().hash_one(std::time::SystemTime::now())
    )
}
