//! Rate limits on guessing: passwords at login, query codes at progress
//! lookups. Each is a keyed GCRA limiter from `governor` (per account, per
//! ticket, per client address) on the server's [`Clock`], so tests drive
//! it with their `ManualClock`.
//!
//! A request *takes* a cell from every limiter that concerns it before
//! the secret is checked, so that parallel guesses cannot all pass a check
//! made before any of them failed; a request that turns out not to be a
//! guess (the right password, the right code) *gives its cells back*. So
//! only failures count: a hall full of phones polling their tickets, or
//! every clerk logging in through one proxy, never trips a limit, while a
//! guesser is cut off after the burst and then allowed one try per
//! interval.
//!
//! Memory is bounded: a key whose state is back to fresh is dropped by
//! [`Limits::sweep`] (the server runs it every minute), and a limiter that
//! still holds [`MAX_KEYS`] keys refuses new ones until they age out.
//!
//! # Layout
//! - [`Limiter`]: one keyed limiter with take / give back.
//! - [`store::RefundableStore`]: its per-key state, a governor state store
//!   that can give a cell back.
//! - [`Limits`]: the server's four limiters and their quotas.

pub mod store;

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock as _;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::{Quota, RateLimiter};

use crate::clock::Clock;
use store::RefundableStore;

/// Most keys one limiter holds. Each costs about a hundred bytes, so this
/// caps a limiter near 10 MB however many addresses or names an attacker
/// makes up; past it, new keys are refused until old ones age out.
pub const MAX_KEYS: usize = 100_000;

/// The server's clock as governor's: nanoseconds since the Unix epoch.
#[derive(Clone)]
pub struct LimiterClock(pub Arc<dyn Clock>);

impl governor::clock::Clock for LimiterClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        Nanos::from(u64::try_from(self.0.now().as_nanosecond()).unwrap_or(0))
    }
}

/// A request that must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied {
    /// Which limiter said no (a metric label).
    pub limiter: &'static str,
    /// Whole seconds until one more try is allowed (at least 1).
    pub retry_after_secs: u64,
}

/// One keyed limiter: a burst of tries, then one more per interval.
pub struct Limiter<K: Hash + Eq + Clone> {
    name: &'static str,
    limiter: RateLimiter<K, RefundableStore<K>, LimiterClock, NoOpMiddleware<Nanos>>,
    store: RefundableStore<K>,
    clock: LimiterClock,
    /// What one cell is worth: the quota's replenish interval.
    cell: Nanos,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// A limiter allowing `burst` tries at once and one more every `every`.
    pub fn new(
        name: &'static str,
        burst: NonZeroU32,
        every: Duration,
        clock: LimiterClock,
    ) -> Self {
        let quota = Quota::with_period(every)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        let store = RefundableStore::default();
        Self {
            name,
            limiter: RateLimiter::new(quota, store.clone(), clock.clone()),
            store,
            clock,
            cell: Nanos::from(quota.replenish_interval()),
        }
    }

    /// Takes one try for `key`.
    ///
    /// # Errors
    /// [`Denied`] when `key` has used its tries (or the limiter is full).
    pub fn take(&self, key: &K) -> Result<(), Denied> {
        if self.limiter.len() >= MAX_KEYS && !self.store.contains(key) {
            self.sweep();
            if self.limiter.len() >= MAX_KEYS {
                return Err(Denied {
                    limiter: self.name,
                    retry_after_secs: 60,
                });
            }
        }
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            Denied {
                limiter: self.name,
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
            .at_least_one()
        })
    }

    /// Gives back a try taken for `key` that turned out not to be a guess.
    pub fn give_back(&self, key: &K) {
        self.store.refund(key, self.cell);
    }

    /// Whether `key` has a state here (a try was taken and not yet swept
    /// away): a key that has none has all its tries.
    pub fn holds(&self, key: &K) -> bool {
        self.store.contains(key)
    }

    /// Drops the keys whose state is back to fresh, and frees their memory.
    pub fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    /// Whether it holds no key.
    pub fn is_empty(&self) -> bool {
        self.limiter.len() == 0
    }
}

impl Denied {
    fn at_least_one(mut self) -> Self {
        self.retry_after_secs = self.retry_after_secs.max(1);
        self
    }
}

/// The key of a client address: IPv4 as it is, IPv6 by its /64 (one
/// household or phone gets a whole /64, so single addresses are free to
/// an attacker).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

/// Longest account name kept as a key: longer ones (no account has one)
/// are cut, so a key is never large.
const MAX_ACCOUNT_KEY: usize = 64;

/// The key of an account name.
pub fn account_key(username: &str) -> String {
    username.chars().take(MAX_ACCOUNT_KEY).collect()
}

/// The server's limiters.
///
/// # The arithmetic
/// Logins: a wrong password costs its account one of 5 tries, then one
/// every 2 minutes (at most 5 + 720 a day per account), and its client
/// address one of 20, then one every 30 seconds. A password of 8 or more
/// characters from even a small dictionary of a million is then out of
/// reach: 725 guesses a day find it with a chance under 0.1% a day.
///
/// Progress lookups: a ticket's query code is 6 random digits (10⁶
/// codes). A wrong code costs the ticket one of 5 tries, then one every
/// 10 minutes: at most 5 + 144 = 149 guesses in the ticket's one-day life,
/// from however many addresses, so a chance of 149 / 10⁶ ≈ 0.015% per
/// ticket. Each client address gets 20 wrong codes, then one a minute
/// (at most 1,460 a day, over any tickets): one address can expect to
/// find a code about once in 700 days. The price of the per-ticket limit:
/// someone who keeps failing on a ticket's id makes its holder's progress
/// page answer 429 for a while (the right code cannot be let through
/// then, or the 429 would tell the guesser which code was right); the
/// board and the hall's calls still tell the holder when it is their turn.
pub struct Limits {
    /// Wrong passwords per account name.
    pub login_account: Limiter<String>,
    /// Wrong passwords per client address (any account).
    pub login_address: Limiter<IpAddr>,
    /// Wrong query codes per ticket.
    pub lookup_ticket: Limiter<u64>,
    /// Wrong query codes (or unknown ids) per client address.
    pub lookup_address: Limiter<IpAddr>,
    /// Wrong query passwords per case (办件), with the same burst and
    /// pace as a ticket's codes.
    pub lookup_case: Limiter<String>,
}

/// `n` as a burst size.
const fn burst(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

/// Wrong passwords an account may have at once.
pub const LOGIN_ACCOUNT_BURST: NonZeroU32 = burst(5);
/// Then one more every this long.
pub const LOGIN_ACCOUNT_EVERY: Duration = Duration::from_secs(120);
/// Wrong passwords a client address may have at once.
pub const LOGIN_ADDRESS_BURST: NonZeroU32 = burst(20);
/// Then one more every this long.
pub const LOGIN_ADDRESS_EVERY: Duration = Duration::from_secs(30);
/// Wrong codes a ticket may have at once.
pub const LOOKUP_TICKET_BURST: NonZeroU32 = burst(5);
/// Then one more every this long.
pub const LOOKUP_TICKET_EVERY: Duration = Duration::from_secs(600);
/// Wrong codes a client address may have at once.
pub const LOOKUP_ADDRESS_BURST: NonZeroU32 = burst(20);
/// Then one more every this long.
pub const LOOKUP_ADDRESS_EVERY: Duration = Duration::from_secs(60);

impl Limits {
    /// The limiters, on `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        let clock = LimiterClock(clock);
        Self {
            login_account: Limiter::new(
                "login_account",
                LOGIN_ACCOUNT_BURST,
                LOGIN_ACCOUNT_EVERY,
                clock.clone(),
            ),
            login_address: Limiter::new(
                "login_address",
                LOGIN_ADDRESS_BURST,
                LOGIN_ADDRESS_EVERY,
                clock.clone(),
            ),
            lookup_ticket: Limiter::new(
                "lookup_ticket",
                LOOKUP_TICKET_BURST,
                LOOKUP_TICKET_EVERY,
                clock.clone(),
            ),
            lookup_address: Limiter::new(
                "lookup_address",
                LOOKUP_ADDRESS_BURST,
                LOOKUP_ADDRESS_EVERY,
                clock.clone(),
            ),
            lookup_case: Limiter::new(
                "lookup_case",
                LOOKUP_TICKET_BURST,
                LOOKUP_TICKET_EVERY,
                clock,
            ),
        }
    }

    /// Forgets keys that are back to fresh in every limiter.
    pub fn sweep(&self) {
        self.login_account.sweep();
        self.login_address.sweep();
        self.lookup_ticket.sweep();
        self.lookup_address.sweep();
        self.lookup_case.sweep();
    }
}

#[cfg(test)]
mod tests {
    use banli_core::jiff::{SignedDuration, Timestamp};

    use super::*;
    use crate::clock::ManualClock;

    fn at() -> (Arc<ManualClock>, LimiterClock) {
        let t: Timestamp = "2026-11-24T01:00:00Z".parse().expect("ts");
        let clock = Arc::new(ManualClock::new(t));
        (Arc::clone(&clock), LimiterClock(clock))
    }

    #[test]
    fn a_burst_then_one_per_interval() {
        let (clock, c) = at();
        let l: Limiter<&str> = Limiter::new("t", burst(5), Duration::from_secs(120), c);
        for _ in 0..5 {
            assert!(l.take(&"zhang").is_ok());
        }
        let denied = l.take(&"zhang").expect_err("sixth");
        assert_eq!(denied.retry_after_secs, 120);
        assert!(l.take(&"li").is_ok(), "other keys are not affected");
        clock.advance(SignedDuration::from_secs(120));
        assert!(l.take(&"zhang").is_ok());
        assert!(l.take(&"zhang").is_err());
        clock.advance(SignedDuration::from_mins(10));
        for _ in 0..5 {
            assert!(l.take(&"zhang").is_ok(), "the whole burst is back");
        }
    }

    #[test]
    fn a_try_given_back_does_not_count() {
        let (_, c) = at();
        let l: Limiter<&str> = Limiter::new("t", burst(3), Duration::from_secs(60), c);
        for _ in 0..100 {
            assert!(l.take(&"holder").is_ok());
            l.give_back(&"holder");
        }
        // Failures made in between still count.
        assert!(l.take(&"holder").is_ok());
        for _ in 0..10 {
            assert!(l.take(&"holder").is_ok());
            l.give_back(&"holder");
        }
        assert!(l.take(&"holder").is_ok());
        assert!(l.take(&"holder").is_ok());
        assert!(l.take(&"holder").is_err());
    }

    #[test]
    fn fresh_keys_are_forgotten() {
        let (clock, c) = at();
        let l: Limiter<u64> = Limiter::new("t", burst(5), Duration::from_secs(60), c);
        for k in 0..1000 {
            assert!(l.take(&k).is_ok());
        }
        assert_eq!(l.len(), 1000);
        l.sweep();
        assert_eq!(l.len(), 1000, "recent keys stay");
        clock.advance(SignedDuration::from_mins(5));
        l.sweep();
        assert!(l.is_empty(), "{} keys left", l.len());
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let v4: IpAddr = "10.0.0.7".parse().expect("ip");
        assert_eq!(address_key(v4), v4);
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().expect("ip");
        assert_eq!(address_key(mapped), v4);
    }
}
