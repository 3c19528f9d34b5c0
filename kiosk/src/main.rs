//! `banli-kiosk`: the kiosk binary. Thin: parses the command line and
//! hands off to [`cli::run`]. Without a subcommand it starts the
//! touch-screen app from `--config kiosk.toml`.

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> anyhow::Result<ExitCode> {
    cli::run(cli::Cli::parse())
}
