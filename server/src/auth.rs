//! Who is calling: staff and administrators log in with a password and get
//! a session token; kiosks, boards and monitors hold device tokens that an
//! administrator issued. Both are bearer tokens; only their SHA-256 hashes
//! are stored, and a cache in memory answers every request without a
//! database read.
//!
//! The cache is told of every change the database sees, in the same
//! handler: a password reset, a disabled or deleted account ends all of
//! its sessions, a revoked device its token. Each cached token carries a
//! [`CancellationToken`] that is cancelled when the token ends, so event
//! streams opened with it close at once. Sessions end after the hall's
//! [`SessionPolicy`]: a lifetime, and an idle time measured from the last
//! request (kept in memory only: a restart counts as a use).
//!
//! Passwords are hashed with argon2id on the blocking pool. Failed logins
//! are rate-limited per username and per client address ([`crate::limit`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{PoisonError, RwLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use banli_core::config::HallInfo;
use banli_core::ids::CounterId;
use banli_core::jiff::{SignedDuration, Timestamp};
use sha2::{Digest as _, Sha256};
use tokio_util::sync::CancellationToken;

use crate::store::accounts::{Device, DeviceKind, Role, StaffAccount};

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

/// When staff sessions end: the hall's `session_hours` and
/// `session_idle_minutes`, read at each request so that a change applies
/// at once to every session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session ends this long after it was opened.
    pub lifetime: SignedDuration,
    /// A session unused this long ends; none: never for idleness.
    pub idle: Option<SignedDuration>,
}

impl SessionPolicy {
    /// The policy a hall's settings give.
    pub fn of(hall: &HallInfo) -> Self {
        Self {
            lifetime: SignedDuration::from_hours(i64::from(hall.session_hours)),
            idle: (hall.session_idle_minutes > 0)
                .then(|| SignedDuration::from_mins(i64::from(hall.session_idle_minutes))),
        }
    }
}

/// The times of a staff session.
#[derive(Debug)]
struct Session {
    /// When it was opened: the lifetime counts from here.
    created: Timestamp,
    /// When it ends at the latest, as recorded at login.
    expires: Timestamp,
    /// Milliseconds since the epoch of the last request that used it.
    last_used_ms: AtomicI64,
}

impl Session {
    fn is_over(&self, now: Timestamp, policy: SessionPolicy) -> bool {
        let last_used = Timestamp::from_millisecond(self.last_used_ms.load(Ordering::Relaxed))
            .unwrap_or(self.created);
        now >= self.expires
            || now >= self.created + policy.lifetime
            || policy.idle.is_some_and(|idle| now >= last_used + idle)
    }
}

#[derive(Debug)]
struct Cached {
    principal: Principal,
    /// For staff sessions; devices do not expire.
    session: Option<Session>,
    /// Cancelled when the token ends: streams opened with it close.
    closed: CancellationToken,
}

/// Token cache. The database is the truth; this mirrors it for speed and
/// is updated whenever the database changes.
#[derive(Default)]
pub struct Auth {
    tokens: RwLock<HashMap<String, Cached>>,
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
    /// Resolves a bearer token, counting this as a use of its session.
    ///
    /// # Errors
    /// [`TokenError`] for an unknown or expired token.
    pub fn resolve(
        &self,
        token: &str,
        now: Timestamp,
        policy: SessionPolicy,
    ) -> Result<Principal, TokenError> {
        let hash = token_hash(token);
        let tokens = self.tokens.read().unwrap_or_else(PoisonError::into_inner);
        let cached = tokens.get(&hash).ok_or(TokenError::Unknown)?;
        if let Some(session) = &cached.session {
            if session.is_over(now, policy) {
                return Err(TokenError::Expired);
            }
            session
                .last_used_ms
                .fetch_max(now.as_millisecond(), Ordering::Relaxed);
        }
        Ok(cached.principal.clone())
    }

    /// Whether the token with this hash is still valid, without counting
    /// a use (an open event stream checks now and then).
    pub fn is_live(&self, hash: &str, now: Timestamp, policy: SessionPolicy) -> bool {
        self.tokens
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(hash)
            .is_some_and(|c| c.session.as_ref().is_none_or(|s| !s.is_over(now, policy)))
    }

    /// What is cancelled when the token with this hash ends (revoked,
    /// logged out, its account changed); none for an unknown token.
    pub fn closed_signal(&self, hash: &str) -> Option<CancellationToken> {
        self.tokens
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(hash)
            .map(|c| c.closed.clone())
    }

    /// Adds a staff session opened at `created`, ending by `expires`.
    pub fn insert_session(
        &self,
        hash: String,
        account: StaffAccount,
        created: Timestamp,
        expires: Timestamp,
    ) {
        let session = Session {
            created,
            expires,
            last_used_ms: AtomicI64::new(created.as_millisecond()),
        };
        self.insert(hash, Principal::Staff(account), Some(session));
    }

    /// Adds a device token.
    pub fn insert_device(&self, hash: String, device: Device) {
        self.insert(hash, Principal::Device(device), None);
    }

    fn insert(&self, hash: String, principal: Principal, session: Option<Session>) {
        let cached = Cached {
            principal,
            session,
            closed: CancellationToken::new(),
        };
        if let Some(old) = self
            .tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(hash, cached)
        {
            old.closed.cancel();
        }
    }

    /// Ends the staff session with this hash (logout). Device tokens are
    /// left alone: only an administrator revokes those. Returns whether a
    /// session ended.
    pub fn remove_session(&self, hash: &str) -> bool {
        let mut tokens = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        if !tokens.get(hash).is_some_and(|c| c.principal.is_staff()) {
            return false;
        }
        if let Some(c) = tokens.remove(hash) {
            c.closed.cancel();
        }
        true
    }

    /// Ends every session of a user: a new password, a disabled or a
    /// deleted account.
    pub fn end_sessions(&self, username: &str) {
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, c| {
                let theirs = matches!(&c.principal, Principal::Staff(a) if a.username == username);
                if theirs {
                    c.closed.cancel();
                }
                !theirs
            });
    }

    /// Gives a user's sessions their account as it is now (new role,
    /// counters or name), so that the change applies at once.
    pub fn refresh_account(&self, account: &StaffAccount) {
        for c in self
            .tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .values_mut()
        {
            if matches!(&c.principal, Principal::Staff(a) if a.username == account.username) {
                c.principal = Principal::Staff(account.clone());
            }
        }
    }

    /// Ends a device's token (revoked).
    pub fn remove_device(&self, id: i64) {
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, c| {
                let it = matches!(&c.principal, Principal::Device(d) if d.id == id);
                if it {
                    c.closed.cancel();
                }
                !it
            });
    }

    /// Forgets sessions that are over (their streams close) and returns
    /// their hashes, for the database to forget them too.
    pub fn sweep_sessions(&self, now: Timestamp, policy: SessionPolicy) -> Vec<String> {
        let mut over = Vec::new();
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|hash, c| {
                let ended = c.session.as_ref().is_some_and(|s| s.is_over(now, policy));
                if ended {
                    c.closed.cancel();
                    over.push(hash.clone());
                }
                !ended
            });
        over
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
