//! Who is calling: staff and administrators log in with a password and get
//! a session token; kiosks, boards and monitors hold device tokens that an
//! administrator issued. Both are bearer tokens; only their SHA-256 hashes
//! are stored, and a cache in memory answers every request without a
//! database read.
//!
//! Passwords are hashed with argon2id on the blocking pool. Failed logins
//! are rate-limited per username and per client address.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError, RwLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use banli_core::ids::CounterId;
use banli_core::jiff::{SignedDuration, Timestamp};
use sha2::{Digest as _, Sha256};

use crate::store::accounts::{Device, DeviceKind, Role, StaffAccount};

/// How long a login session lasts: a working day and then some.
pub const SESSION_TTL: SignedDuration = SignedDuration::from_hours(12);
/// Failed logins allowed per username or address within [`LOGIN_WINDOW`].
pub const LOGIN_MAX_FAILURES: usize = 5;
/// The window over which failed logins are counted, and the lockout.
pub const LOGIN_WINDOW: SignedDuration = SignedDuration::from_mins(10);
/// Shortest password an administrator may set.
pub const MIN_PASSWORD_LEN: usize = 8;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A logged-in staff member or administrator.
    Staff(StaffAccount),
    /// A device.
    Device(Device),
}

impl Principal {
    /// The name recorded in the journal and the audit log.
    pub fn actor(&self) -> String {
        match self {
            Self::Staff(a) => a.username.clone(),
            Self::Device(d) => format!("device:{}", d.name),
        }
    }

    /// Whether this is an administrator.
    pub fn is_admin(&self) -> bool {
        matches!(self, Self::Staff(a) if a.role == Role::Admin)
    }

    /// Whether this is staff or an administrator.
    pub fn is_staff(&self) -> bool {
        matches!(self, Self::Staff(_))
    }

    /// Whether this is a device of the kind.
    pub fn is_device(&self, kind: DeviceKind) -> bool {
        matches!(self, Self::Device(d) if d.kind == kind)
    }

    /// Whether the caller may operate the counter: administrators any,
    /// staff those assigned to them.
    pub fn may_operate(&self, counter: CounterId) -> bool {
        match self {
            Self::Staff(a) => a.role == Role::Admin || a.counters.contains(&counter),
            Self::Device(_) => false,
        }
    }
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// No such token (or revoked).
    Unknown,
    /// The session has expired: log in again.
    Expired,
}

#[derive(Debug, Clone)]
struct Cached {
    principal: Principal,
    expires: Option<Timestamp>,
}

/// Token cache and login limiter. The database is the truth; this mirrors
/// it for speed and is updated whenever the database changes.
#[derive(Default)]
pub struct Auth {
    tokens: RwLock<HashMap<String, Cached>>,
    failures: Mutex<HashMap<String, VecDeque<Timestamp>>>,
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token: 32 bytes from the OS-seeded generator, in hex,
/// with a prefix that says what it is (`s_` session, `d_` device).
pub fn new_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// A random 6-digit code for ticket progress queries.
pub fn new_query_code() -> String {
    format!("{:06}", rand::random_range(0..1_000_000u32))
}

/// A random password for the first administrator.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..16)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Hashes a password with argon2id. CPU-heavy: call from `spawn_blocking`.
///
/// # Errors
/// When argon2 fails (it does not for ordinary input).
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against its hash. CPU-heavy: call from `spawn_blocking`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Compares two secrets (CSRF tokens, query codes) in time independent of
/// where they differ, with `subtle`. Lengths are not secret: every token
/// and code of a kind has the same length.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

impl Auth {
    /// Resolves a bearer token.
    ///
    /// # Errors
    /// [`TokenError`] for an unknown or expired token.
    pub fn resolve(&self, token: &str, now: Timestamp) -> Result<Principal, TokenError> {
        let hash = token_hash(token);
        let tokens = self.tokens.read().unwrap_or_else(PoisonError::into_inner);
        let cached = tokens.get(&hash).ok_or(TokenError::Unknown)?;
        if cached.expires.is_some_and(|e| e <= now) {
            return Err(TokenError::Expired);
        }
        Ok(cached.principal.clone())
    }

    /// Adds a session or device token.
    pub fn insert(&self, hash: String, principal: Principal, expires: Option<Timestamp>) {
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(hash, Cached { principal, expires });
    }

    /// Removes a token.
    pub fn remove(&self, hash: &str) {
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(hash);
    }

    /// Removes every session of a user (password changed, account disabled
    /// or deleted), or refreshes the account they carry.
    pub fn update_user(&self, username: &str, account: Option<&StaffAccount>) {
        let mut tokens = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        tokens.retain(|_, c| {
            !matches!(&c.principal, Principal::Staff(a) if a.username == username)
                || account.is_some()
        });
        if let Some(account) = account {
            for c in tokens.values_mut() {
                if matches!(&c.principal, Principal::Staff(a) if a.username == username) {
                    c.principal = Principal::Staff(account.clone());
                }
            }
        }
    }

    /// Removes a device's token.
    pub fn remove_device(&self, id: i64) {
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, c| !matches!(&c.principal, Principal::Device(d) if d.id == id));
    }

    /// Whether logins for this user or from this address are locked out now;
    /// returns the seconds until they may try again.
    pub fn login_locked(&self, username: &str, ip: Option<IpAddr>, now: Timestamp) -> Option<u64> {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let mut wait = None;
        for key in login_keys(username, ip) {
            if let Some(list) = failures.get_mut(&key) {
                while list
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= LOGIN_WINDOW)
                {
                    list.pop_front();
                }
                if list.len() >= LOGIN_MAX_FAILURES
                    && let Some(oldest) = list.front()
                {
                    let left = LOGIN_WINDOW - now.duration_since(*oldest);
                    let secs = u64::try_from(left.as_secs()).unwrap_or(0).max(1);
                    wait = Some(wait.map_or(secs, |w: u64| w.max(secs)));
                }
            }
        }
        wait
    }

    /// Records a failed login.
    pub fn login_failed(&self, username: &str, ip: Option<IpAddr>, now: Timestamp) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        for key in login_keys(username, ip) {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// Forgets failures for a user after a successful login.
    pub fn login_succeeded(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&format!("user:{username}"));
    }
}

fn login_keys(username: &str, ip: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("user:{username}")];
    // Loopback is shared by every local test and tool; only count remote addresses.
    if let Some(ip) = ip.filter(|ip| !ip.is_loopback()) {
        keys.push(format!("ip:{ip}"));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_lockout_after_five_failures_then_expires() {
        let auth = Auth::default();
        let t0: Timestamp = "2026-11-24T01:00:00Z".parse().expect("ts");
        for i in 0..5 {
            assert_eq!(auth.login_locked("zhang", None, t0), None, "attempt {i}");
            auth.login_failed("zhang", None, t0);
        }
        assert_eq!(auth.login_locked("zhang", None, t0), Some(600));
        assert_eq!(
            auth.login_locked("li", None, t0),
            None,
            "other users are not affected"
        );
        assert_eq!(
            auth.login_locked("zhang", None, t0 + SignedDuration::from_mins(10)),
            None
        );
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_prefixed() {
        let a = new_token("s_");
        assert_eq!(a.len(), 66);
        assert_ne!(a, new_token("s_"));
        assert_eq!(new_query_code().len(), 6);
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
    }
}
