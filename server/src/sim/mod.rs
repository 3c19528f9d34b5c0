//! The hall simulator (`banli-sim`, and the admin console's what-if): a
//! hall day simulated on the real engine, from a demand profile, with
//! figures of waits, counters' utilisation and the accuracy of the wait
//! estimates.
//!
//! It lives in the server crate, not a crate of its own, because it needs
//! what the server has: the hall file parser (with its located errors), the
//! read model of recorded days (to derive a profile from the hall's own
//! history), and the admin console that runs it; and the server needs it
//! for what-if. The simulation itself is pure: no clock, no I/O, the same
//! result for the same seed.
//!
//! - [`profile`]: the demand profile (TOML), checked field by field.
//! - [`run`]: the discrete-event simulation of one or more days.
//! - [`report`]: waits per service and hour, utilisation, accuracy.
//! - [`charts`]: the figures as an SVG chart and an HTML page.
//! - [`history`]: a profile from the hall's recorded days, and a recorded
//!   day to replay.
//! - [`staffing`]: the fewest counters per service and hour that meet a
//!   waiting-time target.
//! - [`whatif`]: the current configuration and a changed one, simulated
//!   on the same days, side by side.

pub mod charts;
pub mod history;
pub mod profile;
pub mod report;
pub mod run;
pub mod staffing;
pub mod whatif;

pub use profile::{DEMO_PROFILE, Profile, ProfileError};
pub use report::Report;
pub use run::{DayResult, SimError, Trace, TraceArrival, replay, simulate};
