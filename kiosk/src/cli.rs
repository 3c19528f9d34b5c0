//! The `banli-kiosk` command line: `--config kiosk.toml` runs the kiosk;
//! the maintenance commands (`print-test`, `status`) take the printer from
//! flags, so they work before a config file exists.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use banli_kiosk::app;
use banli_kiosk::config::KioskConfig;
use banli_kiosk::printer::{Printer, PrinterStatus, TransportConfig};
use banli_kiosk::ticket_layout::{self, PaperWidth, PrinterModel, TicketPrint};
use clap::{Args, Parser, Subcommand};

/// Banli kiosk (取号机).
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// A maintenance command; without one, the kiosk app starts.
    #[command(subcommand)]
    command: Option<Command>,
    /// The kiosk's configuration (server, token, printer, screen).
    #[arg(long, value_name = "PATH", env = "BANLI_KIOSK_CONFIG")]
    config: Option<PathBuf>,
    /// Open a window instead of taking the whole screen.
    #[arg(long)]
    windowed: bool,
    /// Window size, e.g. 1080x1920 (with --windowed).
    #[arg(long, value_name = "WxH")]
    size: Option<String>,
    /// Print `first_frame_unix_ns=…` when the first frame is drawn, then
    /// exit (the cold-start benchmark, scripts/bench-kiosk).
    #[arg(long, hide = true)]
    exit_after_first_frame: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a sample ticket (打印测试票), checking the printer's status first.
    PrintTest {
        #[command(flatten)]
        printer: PrinterArgs,
        /// Paper width in mm: 80 or 58.
        #[arg(long, default_value = "80")]
        paper: PaperWidth,
        /// Issue time printed on the sample (default: now, local time).
        #[arg(long, value_name = "TEXT")]
        issued_at: Option<String>,
    },
    /// Read and show the printer's status (DLE EOT) without printing.
    Status {
        #[command(flatten)]
        printer: PrinterArgs,
    },
}

/// Which printer, and how it takes Chinese text.
#[derive(Debug, Args)]
struct PrinterArgs {
    #[command(flatten)]
    target: Target,
    /// Baud rate of the serial port.
    #[arg(long, default_value_t = 9600)]
    baud: u32,
    /// The printer is in GB18030 mode from power-on and must not get
    /// `FS &`/`FS .`.
    #[arg(long)]
    chinese_by_default: bool,
}

/// Exactly one link to the printer.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct Target {
    /// Serial port, e.g. /dev/ttyUSB0.
    #[arg(long, value_name = "PATH")]
    serial: Option<PathBuf>,
    /// Network printer, host:port (port 9100 if left out).
    #[arg(long, value_name = "HOST:PORT")]
    tcp: Option<String>,
    /// Printer device file, e.g. /dev/usb/lp0 (no status).
    #[arg(long, value_name = "PATH")]
    device: Option<PathBuf>,
    /// Append the bytes to a file instead (no status).
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
}

impl PrinterArgs {
    fn transport(&self) -> anyhow::Result<TransportConfig> {
        let t = &self.target;
        if let Some(path) = &t.serial {
            Ok(TransportConfig::Serial {
                path: path.clone(),
                baud: self.baud,
            })
        } else if let Some(addr) = &t.tcp {
            let addr = if addr.contains(':') {
                addr.clone()
            } else {
                format!("{addr}:9100")
            };
            Ok(TransportConfig::Tcp { addr })
        } else if let Some(path) = &t.device {
            Ok(TransportConfig::Device { path: path.clone() })
        } else if let Some(path) = &t.file {
            Ok(TransportConfig::File { path: path.clone() })
        } else {
            anyhow::bail!("name a printer: --serial, --tcp, --device or --file")
        }
    }

    fn model(&self) -> PrinterModel {
        if self.chinese_by_default {
            PrinterModel::chinese_by_default()
        } else {
            PrinterModel::default()
        }
    }
}

/// Runs the command line.
///
/// # Errors
///
/// The printer cannot be reached or refuses the job.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => {
            let Some(path) = cli.config else {
                eprintln!(
                    "banli-kiosk: name the kiosk's configuration with --config kiosk.toml \
                     (or see `banli-kiosk print-test --help`)"
                );
                return Ok(ExitCode::from(2));
            };
            let config = match KioskConfig::load(&path) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("banli-kiosk: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let size = match cli.size.as_deref().map(parse_size).transpose() {
                Ok(size) => size,
                Err(e) => {
                    eprintln!("banli-kiosk: --size: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            app::run(
                config,
                app::RunOptions {
                    fullscreen: !cli.windowed,
                    size,
                    exit_after_first_frame: cli.exit_after_first_frame,
                },
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::PrintTest {
            printer,
            paper,
            issued_at,
        }) => {
            let issued_at = issued_at.unwrap_or_else(|| {
                jiff::ZonedDateTime::now()
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            });
            let bytes =
                ticket_layout::encode(&TicketPrint::sample(&issued_at), paper, &printer.model())?;
            let mut p = Printer::new(printer.transport()?);
            let report = p.print(&bytes).context("printing a test ticket")?;
            println!(
                "printed {} bytes ({paper} paper) on {}; {}",
                report.bytes_written,
                p.config(),
                describe(report.status)
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Status { printer }) => {
            let mut p = Printer::new(printer.transport()?);
            let status = p.status().context("reading the printer's status")?;
            println!("{}: {}", p.config(), describe(status));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `1080x1920` → (1080, 1920).
fn parse_size(s: &str) -> Result<(f32, f32), String> {
    let (w, h) = s.split_once('x').ok_or("write it as WIDTHxHEIGHT")?;
    let w: f32 = w
        .trim()
        .parse()
        .map_err(|_| format!("{w:?} is not a number"))?;
    let h: f32 = h
        .trim()
        .parse()
        .map_err(|_| format!("{h:?} is not a number"))?;
    Ok((w, h))
}

/// One line about a status, for people.
fn describe(status: Option<PrinterStatus>) -> String {
    let Some(s) = status else {
        return "status not readable on this link".to_owned();
    };
    let mut parts = vec![if s.online { "online" } else { "offline" }];
    if s.cover_open {
        parts.push("cover open");
    }
    if s.paper_out {
        parts.push("paper out");
    } else if s.paper_near_end {
        parts.push("paper near end");
    } else {
        parts.push("paper OK");
    }
    if s.error {
        parts.push("error");
    }
    format!("status: {}", parts.join(", "))
}
