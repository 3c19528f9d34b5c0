//! [`RefundableStore`]: the per-key state of a [`super::Limiter`].

use std::hash::Hash;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::ShrinkableKeyedStateStore;

/// Per-key GCRA state, as governor's own `DashMapStateStore` keeps it
/// (each key's theoretical arrival time, in nanoseconds since the limiter
/// started; 0 for none), plus what governor has no call for: giving one
/// cell back. A handle: clones share the map, so the limiter that decides
/// and the code that refunds see the same state.
pub struct RefundableStore<K: Hash + Eq>(Arc<DashMap<K, AtomicU64>>);

impl<K: Hash + Eq> Clone for RefundableStore<K> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<K: Hash + Eq> Default for RefundableStore<K> {
    fn default() -> Self {
        Self(Arc::new(DashMap::new()))
    }
}

/// Runs governor's decision `f` on one key's state and stores its result
/// with a compare-and-swap, retrying if another thread got there first
/// (as governor's in-memory state does).
fn measure_and_replace_one<T, E>(
    state: &AtomicU64,
    f: impl Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
) -> Result<T, E> {
    let mut prev = state.load(Ordering::Acquire);
    loop {
        let (result, next) = f(NonZeroU64::new(prev).map(|n| Nanos::from(n.get())))?;
        match state.compare_exchange_weak(prev, next.as_u64(), Ordering::Release, Ordering::Relaxed)
        {
            Ok(_) => return Ok(result),
            Err(actual) => prev = actual,
        }
    }
}

impl<K: Hash + Eq + Clone> StateStore for RefundableStore<K> {
    type Key = K;

    fn measure_and_replace<T, F, E>(&self, key: &Self::Key, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        if let Some(state) = self.0.get(key) {
            return measure_and_replace_one(&state, f);
        }
        let state = self.0.entry(key.clone()).or_default();
        measure_and_replace_one(&state, f)
    }
}

impl<K: Hash + Eq + Clone> ShrinkableKeyedStateStore<K> for RefundableStore<K> {
    fn retain_recent(&self, drop_below: Nanos) {
        let below = drop_below.as_u64();
        self.0
            .retain(|_, state| state.load(Ordering::Relaxed) > below);
    }

    fn shrink_to_fit(&self) {
        self.0.shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Hash + Eq + Clone> RefundableStore<K> {
    /// Gives back one cell of `key`: a conforming request moved its
    /// theoretical arrival time on by exactly `cell`, so moving it back
    /// undoes that request and nothing else (requests made meanwhile keep
    /// their cost).
    pub fn refund(&self, key: &K, cell: Nanos) {
        if let Some(state) = self.0.get(key) {
            let _ = state.fetch_update(Ordering::AcqRel, Ordering::Acquire, |tat| {
                Some(tat.saturating_sub(cell.as_u64()))
            });
        }
    }

    /// Whether `key` has state.
    pub fn contains(&self, key: &K) -> bool {
        self.0.contains_key(key)
    }
}
