//! The board: its state (pure), its configuration, and its screens
//! (egui_kittest, through the accessibility tree: no GPU needed), and the
//! board against the real server (`live`).

mod app;
mod client;
mod config;
mod gui;
mod live;
mod snapshots;
mod state;
mod util;
