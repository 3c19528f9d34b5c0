//! The board: its state (pure), its configuration, and its screens
//! (egui_kittest, through the accessibility tree: no GPU needed).

mod app;
mod client;
mod config;
mod gui;
mod state;
mod util;
