//! Whether the notices scroll or page, decided by what scrolling costs.
//!
//! A scrolling ticker repaints the whole screen at
//! [`ANIMATION_FRAME`](crate::ui::ANIMATION_FRAME) intervals. With a GPU
//! that costs the board about a percent of one core; without one (Mesa's
//! llvmpipe software renderer, common on the small PCs behind hall TVs)
//! every frame is rasterised by the CPU and the same ticker takes most of
//! a core (measured: 73 % at 1920×1080, see BENCHMARKS.md), which is heat,
//! fan noise and a slower board for nothing. Paging (one notice at a time,
//! [`NOTICE_PAGE`] each) repaints once per page.
//!
//! OpenGL does not say whether it is hardware-backed without `unsafe`
//! calls, so with `ticker = "auto"` the board measures instead: it scrolls,
//! and the [`Governor`] compares the process's CPU time over each
//! [`WINDOW`] of scrolling with [`BUDGET`]. Above it, the board pages from
//! then on and says why once. `ticker = "scroll"` or `"page"` fixes the
//! choice. The governor is pure (times in, decision out); the app feeds it
//! the process CPU clock.

use std::time::{Duration, Instant};

use serde::Deserialize;

/// How long one notice stays when the notices page.
pub const NOTICE_PAGE: Duration = Duration::from_secs(10);

/// Span of CPU time measured before deciding.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Share of one core a scrolling ticker may cost before the board pages
/// instead: ten times what it costs with a GPU, a seventh of what it costs
/// without one, so the two cases are far apart.
pub const BUDGET: f64 = 0.10;

/// How the notices move, from `board.toml`'s `ticker`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TickerMode {
    /// Scroll while it is cheap; page when it is not.
    #[default]
    Auto,
    /// Always scroll.
    Scroll,
    /// Always page.
    Page,
}

/// Decides, from CPU time, whether the notices scroll.
#[derive(Debug, Clone)]
pub struct Governor {
    mode: TickerMode,
    /// Whether they scroll now.
    scrolling: bool,
    /// Start of the current measuring window: wall time and CPU time.
    window_start: Option<(Instant, Duration)>,
}

impl Governor {
    /// A governor for `mode`. With a notice speed of 0 nothing scrolls.
    pub fn new(mode: TickerMode, notice_speed: f32) -> Self {
        let scrolling = notice_speed > 0.0 && mode != TickerMode::Page;
        Self {
            mode,
            scrolling,
            window_start: None,
        }
    }

    /// Whether the notices scroll.
    pub fn scrolling(&self) -> bool {
        self.scrolling
    }

    /// Takes a reading of the process CPU clock `cpu` at `now`. Returns a
    /// note for the log when the board stops scrolling.
    pub fn sample(&mut self, now: Instant, cpu: Duration) -> Option<String> {
        if !self.scrolling || self.mode != TickerMode::Auto {
            return None;
        }
        let Some((wall0, cpu0)) = self.window_start else {
            self.window_start = Some((now, cpu));
            return None;
        };
        let wall = now.saturating_duration_since(wall0);
        if wall < WINDOW {
            return None;
        }
        self.window_start = Some((now, cpu));
        let share = cpu.saturating_sub(cpu0).as_secs_f64() / wall.as_secs_f64();
        if share <= BUDGET {
            return None;
        }
        self.scrolling = false;
        Some(format!(
            "scrolling the notices cost {:.0}% of a core (no GPU?); they now change every {} s \
             instead (set ticker = \"scroll\" in board.toml to keep them scrolling)",
            share * 100.0,
            NOTICE_PAGE.as_secs()
        ))
    }
}

/// CPU time this process has used, all threads (the software renderer's
/// included); `None` where the platform cannot say.
pub fn process_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        let secs = u64::try_from(t.tv_sec).ok()?;
        let nanos = u32::try_from(t.tv_nsec).ok()?;
        Some(Duration::new(secs, nanos))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_cheap_ticker_keeps_scrolling() {
        let t0 = Instant::now();
        let mut g = Governor::new(TickerMode::Auto, 80.0);
        assert!(g.scrolling());
        assert_eq!(g.sample(t0, secs(10)), None);
        // 1.2 s of CPU over a minute: 2 %.
        assert_eq!(
            g.sample(t0 + secs(60), secs(10) + Duration::from_millis(1200)),
            None
        );
        assert!(g.scrolling());
    }

    #[test]
    fn an_expensive_ticker_pages_after_a_minute_and_says_why_once() {
        let t0 = Instant::now();
        let mut g = Governor::new(TickerMode::Auto, 80.0);
        assert_eq!(g.sample(t0, secs(0)), None);
        // Not decided before a whole window.
        assert_eq!(g.sample(t0 + secs(30), secs(25)), None);
        assert!(g.scrolling());
        let note = g.sample(t0 + secs(60), secs(44)).expect("a note");
        assert!(note.contains("73%"), "{note}");
        assert!(!g.scrolling());
        assert_eq!(g.sample(t0 + secs(200), secs(200)), None);
        assert!(!g.scrolling());
    }

    #[test]
    fn fixed_modes_and_still_notices_are_not_measured() {
        let t0 = Instant::now();
        for (mode, speed, scrolls) in [
            (TickerMode::Scroll, 80.0, true),
            (TickerMode::Page, 80.0, false),
            (TickerMode::Auto, 0.0, false),
        ] {
            let mut g = Governor::new(mode, speed);
            assert_eq!(g.sample(t0, secs(0)), None);
            assert_eq!(g.sample(t0 + secs(60), secs(60)), None);
            assert_eq!(g.scrolling(), scrolls, "{mode:?} at {speed}");
        }
    }
}
