//! Staff accounts, login sessions and device tokens. Only hashes of
//! passwords (argon2) and tokens (SHA-256) are stored.
//!
//! An account may carry a staff number (工号, [`StaffNo`]), what the rating
//! pad shows citizens; it is unique across accounts ignoring ASCII case
//! (a partial unique index on `staff.staff_no`), and
//! [`Store::staff_no_holder`] lets the caller refuse a duplicate by name
//! before the index would.

use banli_core::ids::CounterId;
use banli_core::staff_no::StaffNo;
use banli_core::wire::DeviceStatusReport;
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

/// What a staff account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Hall administrator: configuration, accounts, devices, any counter.
    Admin,
    /// Counter staff: only the counters assigned to them.
    Staff,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Staff => "staff",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "admin" {
            Self::Admin
        } else {
            Self::Staff
        }
    }
}

/// A staff or administrator account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffAccount {
    /// Login name.
    pub username: String,
    /// Name shown on the console: 「张敏」.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Counters a staff member may operate.
    #[schema(value_type = Vec<u32>)]
    pub counters: Vec<CounterId>,
    /// A disabled account cannot log in.
    pub disabled: bool,
    /// Staff number (工号), if the hall gave one: what the rating pad may
    /// show citizens (never the username). 1 to 20 characters, no spaces
    /// or control characters; unique across accounts, ignoring ASCII case.
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 20,
        // banli_core::staff_no::PATTERN (utoipa takes only a literal;
        // server/tests/staff_no.rs checks they agree).
        pattern = r"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]{1,20}$",
        example = "0231")]
    pub staff_no: Option<StaffNo>,
}

/// What a device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// A self-service kiosk: lists services, issues tickets.
    Kiosk,
    /// A display board: reads the hall and its events.
    Board,
    /// A monitoring system: reads metrics.
    Monitor,
    /// A rating pad (评价器) facing the citizen at one counter.
    Pad,
}

impl DeviceKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Board => "board",
            Self::Monitor => "monitor",
            Self::Pad => "pad",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "kiosk" => Self::Kiosk,
            "board" => Self::Board,
            "pad" => Self::Pad,
            _ => Self::Monitor,
        }
    }
}

/// A registered device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Device {
    /// Id.
    pub id: i64,
    /// Name, unique: `kiosk-1F-east`.
    pub name: String,
    /// Kind.
    pub kind: DeviceKind,
    /// Created (ms since epoch).
    pub created_at_ms: i64,
    /// Revoked (ms since epoch), if it was.
    pub revoked_at_ms: Option<i64>,
    /// Last report (ms since epoch).
    pub last_seen_ms: Option<i64>,
    /// What it last reported about itself.
    pub status: Option<DeviceStatusReport>,
    /// The counter a pad is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>)]
    pub counter_id: Option<CounterId>,
}

fn staff_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(StaffAccount, String)> {
    Ok((staff_at(r, 0)?, r.get(4)?))
}

/// An account from the row's columns `STAFF_COLS`, starting at `i`.
fn staff_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<StaffAccount> {
    let counters: String = r.get(i + 3)?;
    Ok(StaffAccount {
        username: r.get(i)?,
        display_name: r.get(i + 1)?,
        role: Role::parse(&r.get::<_, String>(i + 2)?),
        counters: serde_json::from_str(&counters).unwrap_or_default(),
        disabled: r.get(i + 5)?,
        // Only checked numbers are written; one that no longer checks
        // (edited by hand) is shown as none rather than failing the list.
        staff_no: r
            .get::<_, Option<String>>(i + 6)?
            .and_then(|s| StaffNo::parse(&s).ok()),
    })
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    device_at(r, 0)
}

/// A device from the row's columns `DEVICE_COLS`, starting at `i`.
fn device_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Device> {
    let status: String = r.get(i + 6)?;
    Ok(Device {
        id: r.get(i)?,
        name: r.get(i + 1)?,
        kind: DeviceKind::parse(&r.get::<_, String>(i + 2)?),
        created_at_ms: r.get(i + 3)?,
        revoked_at_ms: r.get(i + 4)?,
        last_seen_ms: r.get(i + 5)?,
        // A report that no longer parses (an older format) is shown as none.
        status: serde_json::from_str(&status).ok(),
        counter_id: r.get::<_, Option<u32>>(i + 7)?.map(CounterId),
    })
}

const STAFF_COLS: &str =
    "username, display_name, role, counters, password_hash, disabled, staff_no";
const DEVICE_COLS: &str =
    "id, name, kind, created_at_ms, revoked_at_ms, last_seen_ms, status, counter_id";

impl Store {
    /// An account and its password hash.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn staff(&self, username: &str) -> Result<Option<(StaffAccount, String)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {STAFF_COLS} FROM staff WHERE username = ?1"
            ))?
            .query_row([username], staff_row)
            .optional()?)
    }

    /// Every account, by username.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn staff_list(&self) -> Result<Vec<StaffAccount>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {STAFF_COLS} FROM staff ORDER BY username"))?;
        let rows = stmt.query_map([], staff_row)?;
        Ok(rows.map(|r| r.map(|(a, _)| a)).collect::<Result<_, _>>()?)
    }

    /// Creates or updates an account; a `None` hash keeps the password.
    /// Returns true when it was created.
    ///
    /// # Errors
    /// When SQLite fails, or a new account has no password.
    pub fn staff_upsert(
        &mut self,
        a: &StaffAccount,
        hash: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let counters =
            serde_json::to_string(&a.counters).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let staff_no = a.staff_no.as_ref().map(StaffNo::as_str);
        let tx = self.conn.transaction()?;
        let exists: bool = tx.query_row(
            "SELECT COUNT(*) FROM staff WHERE username = ?1",
            [&a.username],
            |r| r.get::<_, i64>(0),
        )? > 0;
        if exists {
            tx.execute(
                "UPDATE staff SET display_name = ?2, role = ?3, counters = ?4, disabled = ?5, updated_at_ms = ?6,
                    password_hash = COALESCE(?7, password_hash), staff_no = ?8 WHERE username = ?1",
                params![a.username, a.display_name, a.role.as_str(), counters, a.disabled, now_ms, hash, staff_no],
            )?;
            if a.disabled || hash.is_some() {
                // A new password or a disabled account ends every session.
                tx.execute("DELETE FROM sessions WHERE username = ?1", [&a.username])?;
            }
        } else {
            let hash =
                hash.ok_or_else(|| StoreError::Corrupt("a new account needs a password".into()))?;
            tx.execute(
                "INSERT INTO staff (username, display_name, role, counters, password_hash, disabled, created_at_ms, updated_at_ms, staff_no)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
                params![a.username, a.display_name, a.role.as_str(), counters, hash, a.disabled, now_ms, staff_no],
            )?;
        }
        tx.commit()?;
        Ok(!exists)
    }

    /// The account other than `username` that holds `staff_no` (ignoring
    /// ASCII case, as the unique index does), if any.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn staff_no_holder(
        &self,
        staff_no: &StaffNo,
        username: &str,
    ) -> Result<Option<StaffAccount>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {STAFF_COLS} FROM staff WHERE staff_no = ?1 COLLATE NOCASE AND username <> ?2"
            ))?
            .query_row(params![staff_no.as_str(), username], staff_row)
            .optional()?
            .map(|(a, _)| a))
    }

    /// Deletes an account and its sessions. Returns false if there was none.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn staff_delete(&mut self, username: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM staff WHERE username = ?1", [username])?
            > 0)
    }

    /// Enabled administrator accounts.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn admin_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM staff WHERE role = 'admin' AND disabled = 0",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Records a login session.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn session_insert(
        &self,
        token_hash: &str,
        username: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("INSERT INTO sessions (token_hash, username, created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![token_hash, username, now_ms, expires_ms])?;
        Ok(())
    }

    /// Ends a session.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn session_delete(&self, token_hash: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
            .execute([token_hash])?;
        Ok(())
    }

    /// Ends sessions (expired, or idle for too long).
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn sessions_delete(&mut self, token_hashes: &[String]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?;
            for h in token_hashes {
                stmt.execute([h])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Sessions not yet expired, with their accounts: `(hash, account,
    /// created_ms, expires_ms)`. Expired ones are deleted on the way.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn sessions_active(
        &self,
        now_ms: i64,
    ) -> Result<Vec<(String, StaffAccount, i64, i64)>, StoreError> {
        self.conn
            .execute("DELETE FROM sessions WHERE expires_at_ms <= ?1", [now_ms])?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT s.token_hash, s.expires_at_ms, {}, s.created_at_ms FROM sessions s JOIN staff ON staff.username = s.username
             WHERE staff.disabled = 0",
            STAFF_COLS.split(", ").map(|c| format!("staff.{c}")).collect::<Vec<_>>().join(", ")
        ))?;
        let rows = stmt.query_map([], |r| {
            let hash: String = r.get(0)?;
            let expires: i64 = r.get(1)?;
            Ok((hash, staff_at(r, 2)?, r.get(9)?, expires))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Registers a device with the hash of its token.
    ///
    /// # Errors
    /// When SQLite fails (a duplicate name among them).
    pub fn device_insert(
        &self,
        name: &str,
        kind: DeviceKind,
        counter_id: Option<CounterId>,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Device, StoreError> {
        self.conn.execute(
            "INSERT INTO devices (name, kind, token_hash, created_at_ms, counter_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, kind.as_str(), token_hash, now_ms, counter_id.map(|c| c.0)],
        )?;
        let id = self.conn.last_insert_rowid();
        Ok(Device {
            id,
            name: name.to_owned(),
            kind,
            created_at_ms: now_ms,
            revoked_at_ms: None,
            last_seen_ms: None,
            status: None,
            counter_id,
        })
    }

    /// Whether a device of this name exists.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn device_by_name(&self, name: &str) -> Result<Option<Device>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM devices WHERE name = ?1"
            ))?
            .query_row([name], device_row)
            .optional()?)
    }

    /// Revokes a device's token. Returns the device, or none if unknown.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn device_revoke(&self, id: i64, now_ms: i64) -> Result<Option<Device>, StoreError> {
        self.conn.execute(
            "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, ?2) WHERE id = ?1",
            params![id, now_ms],
        )?;
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"))?
            .query_row([id], device_row)
            .optional()?)
    }

    /// Every device, newest first.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn devices(&self) -> Result<Vec<Device>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {DEVICE_COLS} FROM devices ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map([], device_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Devices whose tokens are valid, with their token hashes.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn devices_active(&self) -> Result<Vec<(String, Device)>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT token_hash, {DEVICE_COLS} FROM devices WHERE revoked_at_ms IS NULL"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, device_at(r, 1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records what a device reported about itself, and when.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn device_report(
        &self,
        id: i64,
        report: &DeviceStatusReport,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let status =
            serde_json::to_string(report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn
            .prepare_cached("UPDATE devices SET status = ?2, last_seen_ms = ?3 WHERE id = ?1")?
            .execute(params![id, status, now_ms])?;
        Ok(())
    }
}
