//! Banli hall server: the single source of truth of a government service
//! hall's queue. It issues tickets, decides which ticket each counter calls
//! next by the administrators' rules, keeps everything durable in SQLite,
//! and streams every change to boards and consoles as it happens.
//!
//! # Layout
//! - [`Server`]: opens the database, rebuilds the engine, bootstraps the
//!   first administrator (and the demo hall), and serves until shutdown.
//! - [`engine_task`]: the single writer: one task owns the engine, takes
//!   typed commands, commits each batch in one SQLite transaction (group
//!   commit) before anyone hears of it, and publishes the committed state
//!   to the [`engine_task::HallView`] that every read is served from.
//! - [`store`]: the SQLite file: journal, snapshots, ticket read model,
//!   accounts, devices, audit log, on its own thread.
//! - [`api`]: the axum router ([`api::app`]): JSON API, WebSocket events,
//!   metrics, OpenAPI.
//! - [`auth`]: tokens, passwords, roles, sessions.
//! - [`limit`]: rate limits on guessing passwords and query codes.
//! - [`hall_file`]: `hall.toml` loading with file/line/field errors, and the
//!   embedded demo hall.
//! - [`web`]: the counter and admin consoles (server-rendered shells,
//!   small scripts over the API).
//! - [`cookies`]: the consoles' cookies, with their attributes.
//! - [`ops`]: backup, restore and export from the command line, and the
//!   data directory's lock.
//! - [`clock`], [`metrics`].

pub mod api;
pub mod auth;
pub mod clock;
pub mod cookies;
pub mod engine_task;
pub mod hall_file;
pub mod limit;
pub mod loopback;
pub mod metrics;
pub mod ops;
pub mod sim;
pub mod store;
pub mod tls;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use banli_core::config::HallConfig;
use banli_core::engine::Command;
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::api::admin::{DeviceCreated, create_device};
use crate::auth::{Auth, hash_password, new_password};
use crate::clock::Clock;
use crate::engine_task::{BROADCAST_CAPACITY, CommandError, EngineHandle, EngineTask};
use crate::metrics::Metrics;
use crate::store::Store;
use crate::store::accounts::{DeviceKind, Role, StaffAccount};
use crate::store::worker::StoreHandle;

pub use api::app;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The contents of [`AppState`].
pub struct Shared {
    /// The engine task.
    pub engine: EngineHandle,
    /// The storage thread: every write (journal, accounts, devices, audit).
    pub store: StoreHandle,
    /// Read-only connections: reports, past tickets, account lookups.
    pub readers: store::readers::Readers,
    /// Token cache.
    pub auth: Auth,
    /// Rate limits on guessing passwords and query codes.
    pub limits: limit::Limits,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// Committed public events, for WebSocket subscribers.
    pub events: broadcast::Sender<(u64, engine_task::EventText)>,
    /// Cancelled when the server shuts down: event streams close.
    pub shutdown: CancellationToken,
    /// An argon2 hash checked when a login names an unknown user, so that
    /// such answers take as long as real ones.
    pub dummy_hash: String,
    /// Event streams open per device id: a board with a stream is online.
    pub online: std::sync::Mutex<std::collections::HashMap<i64, usize>>,
    /// See [`Settings::trusted_proxies`].
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The server serves HTTPS itself: every request came over it.
    pub serves_tls: bool,
    /// Permits to run a simulation (what-if, staffing advice): see
    /// [`SIMULATIONS_AT_ONCE`].
    pub simulations: Arc<tokio::sync::Semaphore>,
}

/// Simulations (what-if, staffing advice) the server runs at once; more
/// are answered 429. A simulation keeps a core busy for up to seconds, and
/// a hall server may have two: one at a time leaves the other to issue
/// and call tickets, which matter more than a director's question.
pub const SIMULATIONS_AT_ONCE: usize = 1;

impl Shared {
    /// When staff sessions end, from the hall's settings now.
    pub fn session_policy(&self) -> auth::SessionPolicy {
        self.engine
            .view()
            .read(|engine, _| auth::SessionPolicy::of(&engine.config().hall))
    }
}

/// How often expired sessions and stale rate-limit keys are forgotten.
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Starts the task that, every [`HOUSEKEEPING_EVERY`], forgets sessions
/// that are over, in memory and in the database (an idle session would
/// otherwise come back at the next restart), and rate-limit keys that are
/// back to fresh. It holds the state weakly and stops with the server.
fn spawn_housekeeping(state: &AppState) {
    let weak = Arc::downgrade(&state.0);
    let stop = state.shutdown.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = every.tick() => {}
            }
            let Some(shared) = weak.upgrade() else { return };
            shared.limits.sweep();
            let over = shared
                .auth
                .sweep_sessions(shared.clock.now(), shared.session_policy());
            if !over.is_empty()
                && let Err(e) = shared.store.call(move |s| s.sessions_delete(&over)).await
            {
                tracing::warn!(error = %e, "ended sessions could not be deleted from the database");
            }
        }
    });
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Where the hall configuration comes from at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HallSource {
    /// Whatever the database has (an empty hall on first start).
    Database,
    /// The embedded demo hall, if the database has no hall yet; also
    /// creates demo staff accounts and device tokens.
    Demo,
    /// A `hall.toml`. It is imported into a hall that has no configuration
    /// yet (the first start). Afterwards the hall's configuration is what
    /// administrators make it in the console; a later start with a file
    /// that differs says so in the log and keeps the hall as it is, unless
    /// `replace` asks for the file to replace it.
    File {
        /// The file.
        path: PathBuf,
        /// Replace the hall's configuration with the file at this start
        /// (an audited admin change). If the engine refuses it (a removed
        /// service still has tickets waiting, say), the refusal is logged
        /// naming the service and the server starts with the configuration
        /// it had.
        replace: bool,
    },
}

/// How to start the server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Directory of the SQLite file (`banli.db`) and demo credentials.
    pub data_dir: PathBuf,
    /// Hall configuration source.
    pub hall: HallSource,
    /// Password for the first administrator; generated when absent.
    pub admin_password: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto`
    /// are believed (see [`api::extract::ClientInfo`]). Empty by default:
    /// a header anyone can send must not choose the address that login and
    /// lookup limits count against.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Serve HTTPS with this certificate and key (see [`tls`]); plain
    /// HTTP when `None` (behind a reverse proxy that terminates HTTPS, or
    /// on a closed hall network).
    pub tls: Option<tls::TlsFiles>,
}

/// What the first start created, to tell the operator once.
#[derive(Debug, Default)]
pub struct Bootstrap {
    /// The generated password of the `admin` account, when one was made.
    pub admin_password: Option<String>,
    /// Demo device tokens created now.
    pub demo_devices: Vec<DeviceCreated>,
    /// Demo staff accounts created now, with their password.
    pub demo_staff: Vec<(String, String)>,
}

/// Read-only database connections for reports and lookups: enough for a
/// few reports and many small lookups at once on a small server.
const READERS: usize = 4;

/// Password of the demo hall's staff accounts (demo only; documented).
pub const DEMO_STAFF_PASSWORD: &str = "banli-demo";

/// A running server, before it listens.
pub struct Server {
    /// Shared state.
    pub state: AppState,
    /// What the first start created.
    pub bootstrap: Bootstrap,
    engine_join: tokio::task::JoinHandle<()>,
    engine_stop: CancellationToken,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
}

impl Server {
    /// Ends the engine task as a bug that escaped its panic handling
    /// would, so that tests can check the server does not limp on: the
    /// health check answers 503 and [`Server::serve`] returns an error (the
    /// process exits and its supervisor restarts it). Not for production
    /// use.
    #[doc(hidden)]
    pub fn kill_engine_for_test(&self) {
        self.engine_join.abort();
    }
}

impl Server {
    /// Opens the database, rebuilds the engine from snapshot and journal,
    /// starts the engine task, and bootstraps accounts and the hall.
    ///
    /// # Errors
    /// When the data directory or database cannot be used, or the hall file
    /// is invalid.
    pub async fn open(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                settings.data_dir.display()
            )
        })?;
        let hall_file = match &settings.hall {
            HallSource::File { path, .. } => Some(hall_file::load_hall(path)?),
            _ => None,
        };
        let db = settings.data_dir.join("banli.db");
        let store = Store::open(&db)
            .with_context(|| format!("cannot open the database {}", db.display()))?;
        let (engine, seq) = store
            .load_engine()
            .with_context(|| format!("cannot load the hall from {}", db.display()))?;
        let since_snapshot = seq.saturating_sub(store.latest_snapshot_seq()?);
        let now_ms = clock.now().as_millisecond();
        let sessions = store.sessions_active(now_ms)?;
        let devices = store.devices_active()?;
        // HTTPS: a certificate that cannot be used stops the start here,
        // before anything is served.
        let tls = match &settings.tls {
            Some(files) => Some(tls::load(files).context("cannot serve HTTPS")?),
            None => None,
        };
        let store = StoreHandle::spawn(store).context("cannot start the storage thread")?;
        let readers = store::readers::Readers::open(&db, READERS)
            .with_context(|| format!("cannot open {} for reading", db.display()))?;

        let auth = Auth::default();
        // A restart counts as a use: idle times start again from now.
        let started = clock.now();
        for (hash, account, created, expires) in sessions {
            let at = |ms| banli_core::jiff::Timestamp::from_millisecond(ms).unwrap_or(started);
            auth.insert_session(hash, account, at(created).min(started), at(expires));
        }
        for (hash, device) in devices {
            auth.insert_device(hash, device);
        }
        let metrics = Arc::new(Metrics::new());
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        let engine_stop = CancellationToken::new();
        let (engine, engine_join) = EngineTask {
            engine,
            seq,
            since_snapshot,
            store: store.clone(),
            clock: Arc::clone(&clock),
            events: events.clone(),
            metrics: Arc::clone(&metrics),
            shutdown: engine_stop.clone(),
        }
        .spawn();
        let dummy_hash = tokio::task::spawn_blocking(|| hash_password("not a real password"))
            .await?
            .map_err(anyhow::Error::msg)?;
        let state = AppState(Arc::new(Shared {
            engine,
            store,
            readers,
            auth,
            limits: limit::Limits::new(Arc::clone(&clock)),
            metrics,
            clock,
            events,
            shutdown: CancellationToken::new(),
            dummy_hash,
            online: std::sync::Mutex::default(),
            trusted_proxies: settings.trusted_proxies.clone(),
            serves_tls: tls.is_some(),
            simulations: Arc::new(tokio::sync::Semaphore::new(SIMULATIONS_AT_ONCE)),
        }));
        let mut server = Self {
            state,
            tls,
            bootstrap: Bootstrap::default(),
            engine_join,
            engine_stop,
        };
        server.bootstrap_admin(settings.admin_password).await?;
        match settings.hall {
            HallSource::Database => {}
            HallSource::Demo => server.bootstrap_demo(&settings.data_dir).await?,
            HallSource::File { path, replace } => {
                let config = hall_file.context("hall file was loaded above")?;
                server.import_hall(config, &path, replace).await?;
            }
        }
        // Roll the business day now if the server slept through it.
        server.state.engine.tick().await?;
        spawn_housekeeping(&server.state);
        Ok(server)
    }

    async fn bootstrap_admin(&mut self, password: Option<String>) -> anyhow::Result<()> {
        let store = &self.state.store;
        if store.call(|s| s.admin_count()).await? > 0 {
            return Ok(());
        }
        let generated = password.is_none();
        let password = password.unwrap_or_else(new_password);
        anyhow::ensure!(
            password.chars().count() >= auth::MIN_PASSWORD_LEN,
            "BANLI_ADMIN_PASSWORD must have at least {} characters",
            auth::MIN_PASSWORD_LEN
        );
        let pw = password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await?
            .map_err(anyhow::Error::msg)?;
        let now = self.state.clock.now().as_millisecond();
        let admin = StaffAccount {
            username: "admin".into(),
            display_name: "管理员".into(),
            role: Role::Admin,
            counters: Vec::new(),
            disabled: false,
            staff_no: None,
        };
        store
            .call(move |s| {
                s.staff_upsert(&admin, Some(&hash), now)?;
                s.audit(
                    now,
                    "system",
                    "staff_created",
                    "admin",
                    "first administrator",
                )
            })
            .await?;
        if generated {
            self.bootstrap.admin_password = Some(password);
        }
        Ok(())
    }

    /// The hall has no configuration yet (no services, no counters).
    fn hall_is_empty(&self) -> bool {
        self.state.engine.view().read(|engine, _| {
            engine.config().services.is_empty() && engine.config().counters.is_empty()
        })
    }

    async fn apply_hall(&self, config: HallConfig, actor: &str) -> Result<(), CommandError> {
        if self
            .state
            .engine
            .view()
            .read(|engine, _| engine.config() == &config)
        {
            return Ok(());
        }
        self.state
            .engine
            .command(Command::ReplaceConfig {
                config: Box::new(config),
                actor: actor.to_owned(),
            })
            .await
            .map(|_| ())
    }

    /// `--config FILE`: see [`HallSource::File`].
    async fn import_hall(
        &self,
        config: HallConfig,
        path: &std::path::Path,
        replace: bool,
    ) -> anyhow::Result<()> {
        let actor = format!("config-file:{}", path.display());
        if !self.hall_is_empty() && !replace {
            let same = self
                .state
                .engine
                .view()
                .read(|engine, _| engine.config() == &config);
            if !same {
                tracing::warn!(
                    file = %path.display(),
                    "the hall file differs from the hall's configuration (changed in the console since it was imported); \
                     the hall keeps its configuration. Start with --replace-config to make the file replace it"
                );
            }
            return Ok(());
        }
        match self.apply_hall(config, &actor).await {
            Ok(()) => Ok(()),
            Err(CommandError::Rejected(r)) if replace => {
                tracing::error!(
                    file = %path.display(),
                    refusal = %r,
                    "the hall file cannot replace the hall's configuration now; starting with the configuration the hall had"
                );
                Ok(())
            }
            Err(e) => Err(anyhow::anyhow!(
                "the hall configuration in {} cannot be applied: {e}",
                path.display()
            )),
        }
    }

    async fn bootstrap_demo(&mut self, data_dir: &std::path::Path) -> anyhow::Result<()> {
        if !self.hall_is_empty() {
            return Ok(());
        }
        let config = hall_file::parse_hall("demo-hall.toml", hall_file::DEMO_HALL)?;
        let guide = hall_file::parse_guide("demo-guide.toml", hall_file::DEMO_GUIDE)?;
        let counters: Vec<_> = config.counters.iter().map(|c| c.id).collect();
        self.apply_hall(config, "demo")
            .await
            .map_err(|e| anyhow::anyhow!("the demo hall cannot be applied: {e}"))?;
        api::guide::replace_guide(&self.state, "demo", guide)
            .await
            .map_err(|e| anyhow::anyhow!("the demo guide cannot be stored: {}", e.message))?;
        let hash = tokio::task::spawn_blocking(|| hash_password(DEMO_STAFF_PASSWORD))
            .await?
            .map_err(anyhow::Error::msg)?;
        let now = self.state.clock.now().as_millisecond();
        for c in counters {
            let account = StaffAccount {
                username: format!("staff{}", c.0),
                display_name: format!("{}号窗口", c.0),
                role: Role::Staff,
                counters: vec![c],
                disabled: false,
                staff_no: None,
            };
            let (a, h) = (account.clone(), hash.clone());
            let created = self
                .state
                .store
                .call(move |s| s.staff_upsert(&a, Some(&h), now))
                .await?;
            if created {
                self.bootstrap
                    .demo_staff
                    .push((account.username, DEMO_STAFF_PASSWORD.to_owned()));
            }
        }
        let mut lines = String::from(
            "# Device tokens of the demo hall, made at its first start. Keep private.\n",
        );
        for (name, kind) in [
            ("demo-kiosk", DeviceKind::Kiosk),
            ("demo-board", DeviceKind::Board),
        ] {
            match create_device(&self.state, "demo", name, kind).await {
                Ok(d) => {
                    lines.push_str(&format!(
                        "{}_token = \"{}\"\n",
                        name.trim_start_matches("demo-"),
                        d.token
                    ));
                    self.bootstrap.demo_devices.push(d);
                }
                Err(e) => {
                    tracing::warn!(device = name, error = %e.message, "demo device not created")
                }
            }
        }
        if !self.bootstrap.demo_devices.is_empty() {
            let path = data_dir.join("demo-devices.toml");
            std::fs::write(&path, lines)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }

    /// Stops without serving: flushes the journal and stops the engine task
    /// (tests, and tools that only bootstrap).
    pub async fn shutdown(self) {
        self.state.shutdown.cancel();
        self.engine_stop.cancel();
        drop(self.state);
        let _ = self.engine_join.await;
    }

    /// Serves on `listener` until `shutdown` completes, then lets in-flight
    /// requests finish, closes event streams, and flushes the journal (a
    /// final snapshot) before returning.
    ///
    /// # Errors
    /// When serving fails.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let streams = self.state.shutdown.clone();
        let router = app(self.state.clone());
        // If the engine task ends while the server is meant to run (a bug
        // the engine did not catch), the hall cannot work: stop serving and
        // return an error, so the process exits and its supervisor starts
        // it again from the journal. /health answers 503 meanwhile.
        let (engine_died_tx, engine_died) = tokio::sync::oneshot::channel::<()>();
        let mut engine_join = self.engine_join;
        let watch_stop = self.engine_stop.clone();
        let watcher = tokio::spawn(async move {
            tokio::select! {
                _ = &mut engine_join => {
                    if !watch_stop.is_cancelled() {
                        tracing::error!("the engine task stopped unexpectedly; shutting down so the supervisor restarts the server");
                        let _ = engine_died_tx.send(());
                    }
                    return;
                }
                () = watch_stop.cancelled() => {}
            }
            // Shutting down: wait until the engine has flushed the journal.
            let _ = engine_join.await;
        });
        let died = Arc::new(AtomicBool::new(false));
        let died_flag = Arc::clone(&died);
        let stop = async move {
            tokio::select! {
                () = shutdown => {}
                Ok(()) = engine_died => died_flag.store(true, Ordering::SeqCst),
            }
            streams.cancel();
        };
        let result = match self.tls.clone() {
            Some(config) => match tls::TlsListener::new(listener, config) {
                Ok(listener) => serve_on(listener, router, stop).await,
                Err(e) => Err(e),
            },
            None => serve_on(listener, router, stop).await,
        };
        self.state.shutdown.cancel();
        self.engine_stop.cancel();
        drop(self.state);
        let _ = watcher.await;
        if died.load(Ordering::SeqCst) {
            anyhow::bail!("the hall engine stopped unexpectedly");
        }
        result.context("the HTTP server failed")
    }
}

/// Serves `router` on `listener` until `stop` resolves. Generic over plain
/// TCP and [`tls::TlsListener`]; `tap_io` is what gives both the
/// `ConnectInfo<SocketAddr>` the handlers read the client's address from.
async fn serve_on<L>(
    listener: L,
    router: axum::Router,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    use axum::serve::ListenerExt as _;
    axum::serve(
        listener.tap_io(|_| {}),
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await
}
