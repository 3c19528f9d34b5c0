//! End-to-end tests of the Banli programs together; see `tests/`.
//!
//! The crate also builds `banli-loadgen` (`src/bin/banli-loadgen/`), the
//! load generator behind the performance targets in DESIGN.md: ticket
//! issuing throughput and latency, call → board event fan-out, and a whole
//! day's traffic for the memory measurement. Its module docs say what each
//! subcommand measures and how.
