//! The server's clock as this board sees it: how far the server's time is
//! ahead of the board's own, learnt from the times the stream carries.
//!
//! A board's clock may be minutes off (no NTP on the hall's LAN, a flat
//! RTC battery), so the age of a call is never judged against it. Every
//! snapshot carries the server's time it was taken (`at`) and every event
//! the server's time it was committed (`server_time`); received at the
//! board's `now`, each gives a sample `server_time - now` of the offset.
//!
//! A sample is the true offset minus the time the message spent on its
//! way, so the *largest* recent sample is the best estimate (the quickest
//! message; NTP's minimum-delay filter, in one dimension). A sample well
//! below the estimate is a message that arrived late: it leaves the
//! estimate alone, so a call that sat in a stalled stream for 45 s is
//! judged 45 s old, as it is for the citizen waiting to hear it. The
//! estimate is replaced by a lower sample only when
//! - nothing has confirmed it for [`WINDOW`] of the board's time (the
//!   clocks drift apart slowly; or the board's clock jumped forward, which
//!   ages the estimate at once), or
//! - the sample is lower by more than [`WINDOW`]: no message on a live
//!   stream is that late (the client drops a stream silent for 60 s), so
//!   one of the clocks was set back.
//!
//! The trade-off: in a hall idle for longer than [`WINDOW`] there is no
//! recent sample to compare with, so a message that arrives late then is
//! taken at its word and its call spoken late rather than not at all.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// How long an estimate stands without a sample to confirm it, and the
/// most a message can be late before its sample is taken as a clock that
/// moved. Longer than the client's read timeout (60 s): a stream silent
/// that long is dropped, and the next one starts with a fresh snapshot.
pub const WINDOW: Duration = Duration::from_secs(90);

/// Samples this far below the estimate still confirm it: the jitter of a
/// hall's LAN and of the server writing an event before sending it.
pub const TOLERANCE: SignedDuration = SignedDuration::from_secs(2);

/// The offset between the server's clock and the board's. See the module
/// docs for how it is estimated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerClock {
    /// `None` before the first message with a server time.
    estimate: Option<Estimate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Estimate {
    /// Server time minus board time.
    offset: SignedDuration,
    /// Board time of the last sample that set or confirmed `offset`.
    confirmed: Timestamp,
}

impl ServerClock {
    /// A clock that knows nothing yet: [`ServerClock::server_now`] is the
    /// board's own time until the first sample.
    pub fn new() -> Self {
        Self::default()
    }

    /// How far the server's clock is ahead of the board's (negative: behind),
    /// once known.
    pub fn offset(&self) -> Option<SignedDuration> {
        self.estimate.map(|e| e.offset)
    }

    /// The server's time when the board's clock reads `now`.
    pub fn server_now(&self, now: Timestamp) -> Timestamp {
        match self.offset() {
            // Saturating with a duration cannot fail; `now` is the fallback
            // all the same, as a board's clock is better than none.
            Some(offset) => now.saturating_add(offset).unwrap_or(now),
            None => now,
        }
    }

    /// A message stamped `server_time` by the server arrived at the board's
    /// `now`. A missing stamp (`UNIX_EPOCH`, a server older than the field)
    /// teaches nothing.
    pub fn handle_sample(&mut self, now: Timestamp, server_time: Timestamp) {
        if server_time == Timestamp::UNIX_EPOCH {
            return;
        }
        let sample = server_time.duration_since(now);
        let fresh = Estimate {
            offset: sample,
            confirmed: now,
        };
        let Some(estimate) = &mut self.estimate else {
            self.estimate = Some(fresh);
            return;
        };
        let late = estimate.offset.saturating_sub(sample);
        if late <= TOLERANCE {
            // As quick as the best so far, or quicker.
            estimate.offset = estimate.offset.max(sample);
            estimate.confirmed = now;
        } else if late.unsigned_abs() > WINDOW
            || now.duration_since(estimate.confirmed).unsigned_abs() > WINDOW
        {
            // A clock moved, or the estimate is too old to judge by.
            *estimate = fresh;
        }
        // Otherwise the message was late by `late`: keep the estimate.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH
            + SignedDuration::from_hours(500_000)
            + SignedDuration::from_secs(secs)
    }

    fn offset_secs(clock: &ServerClock) -> Option<i64> {
        clock.offset().map(|o| o.as_secs())
    }

    #[test]
    fn the_first_sample_sets_the_offset_and_quicker_ones_raise_it() {
        let mut clock = ServerClock::new();
        assert_eq!(clock.server_now(t(0)), t(0), "its own clock until told");
        // The board runs five minutes fast.
        clock.handle_sample(t(300), t(0));
        assert_eq!(offset_secs(&clock), Some(-300));
        assert_eq!(clock.server_now(t(310)), t(10));
        // A quicker message (the first one sat a second on the way).
        clock.handle_sample(t(321), t(22));
        assert_eq!(offset_secs(&clock), Some(-299));
    }

    #[test]
    fn a_late_message_leaves_the_offset_alone() {
        let mut clock = ServerClock::new();
        clock.handle_sample(t(0), t(0));
        // Committed at 5, delivered at 50: a stalled stream.
        clock.handle_sample(t(50), t(5));
        assert_eq!(offset_secs(&clock), Some(0));
        assert_eq!(clock.server_now(t(50)), t(50));
    }

    #[test]
    fn a_stale_estimate_or_a_clock_set_back_gives_way() {
        let mut clock = ServerClock::new();
        clock.handle_sample(t(0), t(0));
        // Nothing for two minutes, then a sample 10 s lower: drift.
        clock.handle_sample(t(120), t(110));
        assert_eq!(offset_secs(&clock), Some(-10));
        // The server's clock is set back five minutes: no message is that
        // late on a live stream.
        clock.handle_sample(t(130), t(-180));
        assert_eq!(offset_secs(&clock), Some(-310));
    }

    #[test]
    fn a_missing_server_time_teaches_nothing() {
        let mut clock = ServerClock::new();
        clock.handle_sample(t(0), Timestamp::UNIX_EPOCH);
        assert_eq!(clock.offset(), None);
    }
}
