//! `banli-kiosk`: the kiosk binary. Thin: parses the command line and
//! hands off to [`cli::run`]. Without a subcommand it would start the
//! touch-screen app, which is not built yet, so it says so and exits 2.

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> anyhow::Result<ExitCode> {
    cli::run(cli::Cli::parse())
}
