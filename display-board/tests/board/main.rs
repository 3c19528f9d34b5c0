//! The board: its state (pure), which calls it speaks (`announce`), its
//! configuration, and its screens (egui_kittest, through the accessibility
//! tree: no GPU needed), and the board against the real server (`live`).

mod announce;
mod app;
mod client;
mod config;
mod gui;
mod live;
mod snapshots;
mod state;
mod util;
