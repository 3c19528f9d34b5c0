//! `banli-baseline`: this machine's in-memory HTTP ceiling for issuing, the
//! reference the durable server is compared with (BENCHMARKS.md, "Durable
//! issuing against the in-memory ceiling").
//!
//! It answers `POST /api/v1/tickets` the way `banli-server` does on the
//! wire, with no engine and no journal: the same axum and tokio (the
//! workspace's versions, the multi-threaded runtime of `#[tokio::main]`),
//! the same request (the JSON body is parsed into
//! [`IssueTicketRequest`], the bearer token and `Idempotency-Key` headers
//! read) and the same answer: an [`IssuedTicket`] of the benchmark hall
//! serialised per request with the same types, so its JSON has the real
//! one's shape and, within a byte or two of the ticket number, its size
//! (the load generator prints the mean body size of both runs). Each answer
//! has its own id and number, so the load generator's duplicate check
//! passes as it does against the real server.
//!
//! `--layers server` adds the tower layers the real router has around every
//! route (body limit, panic catcher, load shedding, global concurrency
//! limit, request timeout); `plain` (the default) is a bare handler and
//! the higher ceiling. Neither has the real server's per-request metrics
//! middleware or its token lookup: those are part of what the server costs.
//!
//! `--journal FILE` makes it the **durable floor** instead: each answer is
//! written to `FILE` (a preallocated ring, see [`Journal::open`]) and sent
//! only once an `fdatasync` has made it durable, by one writer thread that
//! takes every answer waiting and syncs them together (group commit, the
//! next group gathering while the disk syncs the last). That is the least any server must do to acknowledge a
//! ticket durably on this machine (no engine, no SQLite, no index, no
//! authentication), so its rate bounds what the real server could reach
//! with the same load (BENCHMARKS.md, "The durable floor").

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result};
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use banli_core::engine::{TicketClass, TicketStatus};
use banli_core::ids::TicketId;
use banli_core::jiff::Timestamp;
use banli_core::wire::{IssueTicketRequest, IssuedTicket, TicketView};
use clap::{Parser, ValueEnum};
use tower::ServiceBuilder;

/// The real router's limits (`banli_server::api`), copied rather than
/// imported so that this crate stays a client of the server, not a user of
/// its library.
const MAX_BODY: usize = 256 * 1024;
/// As `banli_server::api::REQUEST_TIMEOUT`.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// As `banli_server::api::MAX_IN_FLIGHT`.
const MAX_IN_FLIGHT: usize = 2048;

/// In-memory stand-in for `POST /api/v1/tickets`.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:18198")]
    listen: SocketAddr,
    /// Which middleware wraps the handler.
    #[arg(long, value_enum, default_value_t = Layers::Plain)]
    layers: Layers,
    /// Acknowledge each ticket only once it is written to this file and
    /// synced (the durable floor); by default answers come from memory.
    #[arg(long)]
    journal: Option<PathBuf>,
}

/// Middleware around the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Layers {
    /// None: a bare axum handler.
    Plain,
    /// The real router's tower layers (not its metrics middleware).
    Server,
}

/// The state: the next ticket id, and the journal if answers wait for one.
struct Hall {
    next_id: AtomicU64,
    journal: Option<Journal>,
}

/// Size of the `--journal` file, written over in turn.
const JOURNAL_RING: usize = 64 << 20;

/// An answer to make durable, and where to say it is.
type Record = (Vec<u8>, tokio::sync::oneshot::Sender<std::io::Result<()>>);

/// The group-commit writer of `--journal`.
struct Journal {
    tx: std::sync::mpsc::Sender<Record>,
}

impl Journal {
    /// Creates `path` as a ring of [`JOURNAL_RING`] bytes, written and
    /// synced once, and starts the writer thread. Records are written over
    /// it in turn, so a sync never has to record a new file size or
    /// allocate blocks: the cheapest sync a journal can have (SQLite's WAL
    /// gets the same once it is reused after a checkpoint). Appending to a
    /// growing file made each sync about twice as slow on this machine.
    fn open(path: &std::path::Path) -> Result<Self> {
        use std::os::unix::fs::FileExt as _;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..JOURNAL_RING / zeros.len() {
            file.write_all(&zeros)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        file.sync_all()
            .with_context(|| format!("cannot sync {}", path.display()))?;
        let (tx, rx) = std::sync::mpsc::channel::<Record>();
        std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || {
                let mut bytes = Vec::new();
                let mut replies = Vec::new();
                let mut offset = 0usize;
                // One group per pass: everything that arrived while the
                // last one was written and synced.
                while let Ok(first) = rx.recv() {
                    for (record, reply) in std::iter::once(first).chain(rx.try_iter()) {
                        bytes.extend_from_slice(&record);
                        bytes.push(b'\n');
                        replies.push(reply);
                    }
                    if offset + bytes.len() > JOURNAL_RING {
                        offset = 0;
                    }
                    let written = file
                        .write_all_at(&bytes, offset as u64)
                        .and_then(|()| file.sync_data());
                    offset += bytes.len();
                    for reply in replies.drain(..) {
                        let _ = reply.send(match &written {
                            Ok(()) => Ok(()),
                            Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                        });
                    }
                    bytes.clear();
                }
            })
            .context("cannot start the journal thread")?;
        Ok(Self { tx })
    }

    /// Writes `record` and waits until it is durable.
    async fn append(&self, record: Vec<u8>) -> std::io::Result<()> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.tx
            .send((record, reply))
            .map_err(|_| std::io::Error::other("the journal thread stopped"))?;
        rx.await
            .map_err(|_| std::io::Error::other("the journal thread stopped"))?
    }
}

// The server's allocator (see tests/Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let journal = args.journal.as_deref().map(Journal::open).transpose()?;
    let durable = journal.is_some();
    let hall = Arc::new(Hall {
        next_id: AtomicU64::new(1),
        journal,
    });
    let mut app = Router::new()
        .route("/api/v1/tickets", post(tickets_create))
        .route("/api/v1/health", get(|| async { "ok" }))
        .with_state(hall);
    if args.layers == Layers::Server {
        app = app.layer(DefaultBodyLimit::max(MAX_BODY)).layer(
            ServiceBuilder::new()
                .layer(tower_http::catch_panic::CatchPanicLayer::new())
                .layer(HandleErrorLayer::new(|_: BoxError| async {
                    StatusCode::SERVICE_UNAVAILABLE
                }))
                .load_shed()
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    MAX_IN_FLIGHT,
                ))
                .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    REQUEST_TIMEOUT,
                )),
        );
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    println!(
        "banli-baseline ({:?} layers{}) listening on http://{}",
        args.layers,
        if durable { ", durable journal" } else { "" },
        listener.local_addr()?
    );
    axum::serve(listener, app).await.context("serving")
}

/// Answers like `banli_server::api::tickets::tickets_create`, from memory.
async fn tickets_create(
    State(hall): State<Arc<Hall>>,
    headers: HeaderMap,
    Json(req): Json<IssueTicketRequest>,
) -> Result<(StatusCode, Json<IssuedTicket>), StatusCode> {
    if !headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "))
    {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let _key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let n = hall.next_id.fetch_add(1, Ordering::Relaxed);
    let prefix = req
        .service_id
        .as_str()
        .chars()
        .nth(1)
        .map_or('A', |c| c.to_ascii_uppercase());
    let now = Timestamp::now();
    let ticket = IssuedTicket {
        ticket: TicketView {
            id: TicketId(n),
            number: format!("{prefix}{:06}", n % 1_000_000),
            service_id: req.service_id,
            service_name_zh: "企业开办".to_owned(),
            service_name_en: String::new(),
            class: TicketClass::Normal,
            status: TicketStatus::Waiting,
            business_day: now
                .to_zoned_datetime(banli_core::jiff::tz::TimeZone::UTC)
                .date(),
            issued_at: now,
            ahead: u32::try_from(n % 10_000).unwrap_or(0),
            estimated_wait_minutes: 0,
            counter_id: None,
            counter_name_zh: None,
            called_at: None,
            can_requeue: false,
        },
        query_code: format!("{:06}", (n * 7919) % 1_000_000),
        replayed: false,
        appointment_outside_window: false,
    };
    if let Some(journal) = &hall.journal {
        let record = serde_json::to_vec(&ticket).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        journal
            .append(record)
            .await
            .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    }
    Ok((StatusCode::CREATED, Json(ticket)))
}
