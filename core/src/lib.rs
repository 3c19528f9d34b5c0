//! Banli core: the domain types, the wire types and the pure queue engine
//! of a government service hall's queue system (办理).
//!
//! This crate has no runtime, no clock and no I/O; its dependency list is
//! what keeps it so. The server, the simulator and the tests all drive the
//! one [`engine::Engine`].
//!
//! # Layout
//! - [`calendar`]: the hall's calendar of working days
//!   ([`calendar::WorkCalendar`]: weekends, statutory holidays, make-up
//!   working days) and deadlines counted in working days, with pauses.
//! - [`case`]: cases (办件): matters, stages, the transition function,
//!   case numbers, and deadlines on the calendar ([`case::CaseRecord`]).
//! - [`ids`]: id newtypes ([`ids::ServiceId`], [`ids::CounterId`], [`ids::TicketId`]).
//! - [`config`]: the hall configuration administrators set ([`config::HallConfig`]),
//!   with validation that names every bad field.
//! - [`engine`]: the queue engine ([`engine::Engine`]): commands in, events out,
//!   time always an argument.
//! - [`guide`]: the service guide (办事指南) kiosks show.
//! - [`rating`]: 好差评: the five levels ([`rating::Level`]), ratings,
//!   complaints and follow-ups (整改) with working-day deadlines.
//! - [`staff_no`]: the clerk's staff number (工号) ([`staff_no::StaffNo`]),
//!   what it may contain, and the pattern that documents it.
//! - [`wire`]: what travels as JSON: views, the event stream, request bodies
//!   and [`wire::ApiError`].

pub mod calendar;
pub mod case;
pub mod config;
pub mod engine;
pub mod guide;
pub mod ids;
pub mod rating;
pub mod staff_no;
pub mod wire;

pub use jiff;
