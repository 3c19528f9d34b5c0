//! `banli-server`: reads the command line, opens the hall and serves.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use banli_server::clock::SystemClock;
use banli_server::{HallSource, Server, Settings};
use clap::Parser;

// mimalloc returns freed memory to the system and keeps per-thread heaps
// small; with glibc's malloc the server's RSS after a 100,000-ticket day
// was nearly twice as large (fragmentation across thread arenas), see
// BENCHMARKS.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Banli hall server: queue numbers, counters and live events of a
/// government service hall (政务服务中心).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Directory for the SQLite database (created if missing).
    #[arg(long, default_value = "banli-data", global = true)]
    data: PathBuf,
    /// Address to listen on. Use 0.0.0.0:8080 so kiosks and boards on the
    /// hall network can reach it.
    #[arg(long, default_value = "127.0.0.1:8080", env = "BANLI_LISTEN")]
    listen: String,
    /// Load the demo hall (滨江区政务服务中心) on first start, with demo
    /// staff accounts and device tokens.
    #[arg(long, conflicts_with = "config")]
    demo: bool,
    /// Hall configuration file (TOML), imported into a hall that has no
    /// configuration yet. Later changes are made in the admin console; a
    /// later start with a file that differs logs so and keeps the hall.
    #[arg(long, value_name = "hall.toml")]
    config: Option<PathBuf>,
    /// With --config: replace the hall's configuration by the file at this
    /// start (audited). If it is refused (a removed service still has
    /// tickets waiting), the refusal is logged and the hall starts as it was.
    #[arg(long, requires = "config")]
    replace_config: bool,
    /// Only check a hall configuration file and exit (the same as the
    /// `check-config` subcommand).
    #[arg(long, value_name = "hall.toml", hide = true)]
    check_config: Option<PathBuf>,
    /// Password of the first administrator account, `admin`. Generated and
    /// printed once when unset.
    #[arg(long, env = "BANLI_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// File holding the first administrator's password (its first line),
    /// instead of --admin-password: the Debian package generates one that
    /// only root can read and hands it to the service as a systemd
    /// credential. Read only when the `admin` account is created.
    #[arg(
        long,
        env = "BANLI_ADMIN_PASSWORD_FILE",
        value_name = "FILE",
        conflicts_with = "admin_password"
    )]
    admin_password_file: Option<PathBuf>,
    /// A reverse proxy (nginx, a load balancer) in front of the server, by
    /// IP address; repeat for several. Only from these is `X-Forwarded-For`
    /// (the client's address, which login and lookup limits count) and
    /// `X-Forwarded-Proto` (HTTPS: cookies get `Secure`) believed. Default:
    /// none, every peer is the client itself.
    #[arg(
        long = "trusted-proxy",
        value_name = "IP",
        env = "BANLI_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Serve HTTPS with this certificate chain (PEM), for a hall without
    /// a reverse proxy; with --tls-key.
    #[arg(
        long,
        value_name = "cert.pem",
        env = "BANLI_TLS_CERT",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM); with --tls-cert.
    #[arg(
        long,
        value_name = "key.pem",
        env = "BANLI_TLS_KEY",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

/// Operations on a hall's data instead of serving it.
#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// The audit log (监督): who changed what.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Write a consistent copy of the hall's database to FILE, while the
    /// server keeps serving (never overwrites FILE).
    Backup {
        /// The backup file to create.
        file: PathBuf,
    },
    /// Replace the hall's database by a backup, after checking it. The
    /// server must be stopped; a database already there is kept beside it.
    Restore {
        /// The backup file (made by `banli-server backup`).
        file: PathBuf,
        /// Replace a database that is already in the data directory (it is
        /// kept as banli.db.before-restore-<time>).
        #[arg(long)]
        replace: bool,
    },
    /// Check a hall configuration file without starting: every problem is
    /// named by file, line and field (exit status 2).
    CheckConfig {
        /// The hall file (TOML).
        file: PathBuf,
    },
    /// Write one business day's tickets to standard output, as CSV or JSON.
    /// Read only; safe while the server runs.
    Export {
        /// The business day, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        day: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
    },
}

/// How `export` writes the tickets.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    /// A header line, then one ticket a line.
    Csv,
    /// One JSON array of tickets.
    Json,
}

#[derive(Debug, clap::Subcommand)]
enum AuditAction {
    /// Check the audit log's hash chain and name the first entry that does
    /// not check (exit status 1). Read only; safe while the server runs.
    Verify,
    /// Write the whole audit log, with its hashes, as CSV (or JSON lines)
    /// to standard output, for the supervisors.
    Export {
        /// JSON lines instead of CSV.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an audit subcommand on the database in `data`.
/// Returns whether the log checked (always, for an export).
fn audit(data: &std::path::Path, action: &AuditAction) -> anyhow::Result<bool> {
    use std::io::Write as _;
    let db = data.join("banli.db");
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("cannot open {}", db.display()))?;
    match action {
        AuditAction::Verify => {
            let v = banli_server::store::audit::verify(&conn)
                .with_context(|| format!("cannot read the audit log of {}", db.display()))?;
            match v.broken {
                None => {
                    println!(
                        "audit log OK: {} entries, last hash {}",
                        v.entries,
                        v.last_hash.as_deref().unwrap_or("(none)")
                    );
                    Ok(true)
                }
                Some(b) => {
                    println!(
                        "audit log BROKEN at entry {}: {} / 第 {} 条：{}",
                        b.id, b.why, b.id, b.why_zh
                    );
                    Ok(false)
                }
            }
        }
        AuditAction::Export { json } => {
            use banli_server::store::AuditEntry;
            let mut stmt = conn.prepare(&format!(
                "SELECT {} FROM audit ORDER BY id",
                AuditEntry::COLUMNS
            ))?;
            let rows = stmt.query_map([], AuditEntry::from_row)?;
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            if *json {
                for row in rows {
                    writeln!(out, "{}", serde_json::to_string(&row?)?)?;
                }
            } else {
                let mut w = csv::Writer::from_writer(out);
                w.write_record([
                    "id",
                    "at_ms",
                    "actor",
                    "action",
                    "target",
                    "detail",
                    "prev_hash",
                    "hash",
                ])?;
                for row in rows {
                    let e = row?;
                    w.write_record([
                        e.id.to_string(),
                        e.at_ms.to_string(),
                        banli_server::api::reports::neutralise(&e.actor),
                        banli_server::api::reports::neutralise(&e.action),
                        banli_server::api::reports::neutralise(&e.target),
                        banli_server::api::reports::neutralise(&e.detail),
                        e.prev_hash.unwrap_or_default(),
                        e.hash.unwrap_or_default(),
                    ])?;
                }
                w.flush()?;
            }
            Ok(true)
        }
    }
}

/// `check-config`: checks the hall file and exits (0 when it is good, 2
/// with the problem named by file, line and field).
fn check_config(path: &std::path::Path) -> ! {
    match banli_server::hall_file::load_hall(path) {
        Ok(c) => {
            println!(
                "{}: OK ({} services, {} counters)",
                path.display(),
                c.services.len(),
                c.counters.len()
            );
            std::process::exit(0);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}

/// Runs `backup`, `restore` or `export` on the data directory.
fn operate(data: &std::path::Path, cmd: &Cmd) -> anyhow::Result<()> {
    use banli_server::ops;
    match cmd {
        Cmd::Backup { file } => {
            let s = ops::backup(data, file)?;
            println!("backup written to {}: {s}", file.display());
        }
        Cmd::Restore { file, replace } => {
            let now = banli_core::jiff::Timestamp::now()
                .strftime("%Y%m%dT%H%M%SZ")
                .to_string();
            let r = ops::restore(data, file, *replace, &now)?;
            println!(
                "restored {} into {}: {}",
                file.display(),
                data.join(ops::DB_FILE).display(),
                r.summary
            );
            if let Some(kept) = r.kept {
                println!("the database it replaced is kept as {}", kept.display());
            }
        }
        Cmd::Export { day, format } => {
            let tickets = ops::day_tickets(data, day)?;
            let stdout = std::io::stdout();
            match format {
                ExportFormat::Csv => ops::write_csv(&tickets, stdout.lock())?,
                ExportFormat::Json => {
                    use std::io::Write as _;
                    let mut out = stdout.lock();
                    serde_json::to_writer_pretty(&mut out, &tickets)?;
                    writeln!(out)?;
                }
            }
        }
        Cmd::Audit { .. } | Cmd::CheckConfig { .. } => {}
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let args = Args::parse();
    if let Some(Cmd::Audit { action }) = &args.command {
        match audit(&args.data, action) {
            Ok(checked) => std::process::exit(if checked { 0 } else { 1 }),
            Err(e) => {
                eprintln!("banli-server: {e:#}");
                std::process::exit(2);
            }
        }
    }
    match &args.command {
        None | Some(Cmd::Audit { .. }) => {}
        Some(Cmd::CheckConfig { file }) => check_config(file),
        Some(cmd) => match operate(&args.data, cmd) {
            Ok(()) => return Ok(()),
            Err(e) => {
                eprintln!("banli-server: {e:#}");
                std::process::exit(2);
            }
        },
    }
    if let Some(path) = &args.check_config {
        check_config(path);
    }
    // One server per data directory; `restore` takes the same lock.
    let _lock = match banli_server::ops::DataLock::acquire(&args.data) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("banli-server: {e:#}");
            std::process::exit(2);
        }
    };
    let hall = match (args.demo, args.config) {
        (true, _) => HallSource::Demo,
        (false, Some(path)) => HallSource::File {
            path,
            replace: args.replace_config,
        },
        (false, None) => HallSource::Database,
    };
    let admin_password = match (args.admin_password, &args.admin_password_file) {
        (Some(pw), _) => Some(pw),
        (None, Some(file)) => match std::fs::read_to_string(file) {
            Ok(text) => text
                .lines()
                .next()
                .map(str::trim)
                .filter(|pw| !pw.is_empty())
                .map(str::to_owned),
            // The password is needed only on the first start; a missing
            // file later (removed after the first login) is fine.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                eprintln!("banli-server: cannot read {}: {e}", file.display());
                std::process::exit(2);
            }
        },
        (None, None) => None,
    };
    let settings = Settings {
        data_dir: args.data.clone(),
        hall,
        admin_password,
        trusted_proxies: args.trusted_proxies,
        tls: match (args.tls_cert, args.tls_key) {
            (Some(cert), Some(key)) => Some(banli_server::tls::TlsFiles { cert, key }),
            _ => None,
        },
    };
    let scheme = if settings.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let server = match Server::open(settings, Arc::new(SystemClock)).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("banli-server: {e:#}");
            std::process::exit(2);
        }
    };
    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let b = &server.bootstrap;
    if let Some(pw) = &b.admin_password {
        println!("Created the administrator account: admin / {pw}");
        println!("  (shown only now; set BANLI_ADMIN_PASSWORD to choose it)");
    }
    for (user, pw) in &b.demo_staff {
        println!("Demo counter staff: {user} / {pw}");
    }
    for d in &b.demo_devices {
        println!(
            "Demo device {} ({:?}) token: {}",
            d.device.name, d.device.kind, d.token
        );
    }
    if !b.demo_devices.is_empty() {
        println!(
            "  (device tokens saved to {})",
            args.data.join("demo-devices.toml").display()
        );
    }
    println!(
        "Banli server listening on {scheme}://{addr}  (data: {})",
        args.data.display()
    );
    server.serve(listener, shutdown).await
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT). The handlers are installed
/// here, synchronously, before the server says it is listening: a service
/// manager may send SIGTERM at any moment after that, and a signal that
/// arrives before its handler exists would kill the process outright.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("shutting down: finishing requests and flushing the journal");
    })
}
