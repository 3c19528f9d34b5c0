//! The eframe app: [`KioskApp`] owns the [`KioskState`], the HTTP
//! [`Client`] and the [`PrintWorker`]. `logic` drains their channels into
//! the state and runs the effects that come out; `ui` draws and runs the
//! effects of taps. Repaints are scheduled for the state's next deadline
//! only: an idle kiosk does not redraw.

use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use crate::client::{Client, ClientConfig, Reply};
use crate::config::KioskConfig;
use crate::print_worker::{PrintWorker, PrinterReply};
use crate::printer::Printer;
use crate::state::{Effect, KioskState};

/// Runs effects: the side-effecting half of the kiosk, kept apart so
/// tests can record effects instead.
pub trait Effects {
    /// Carries out one effect.
    fn run(&mut self, effect: Effect);
}

/// The real shell: HTTP and printer workers.
pub struct Workers {
    client: Client,
    replies: Receiver<Reply>,
    printer: PrintWorker,
    printed: Receiver<PrinterReply>,
}

impl Workers {
    /// Starts the workers; `wake` is called when either has an answer.
    ///
    /// # Errors
    ///
    /// The printer thread cannot be started.
    pub fn start(config: &KioskConfig, wake: Arc<dyn Fn() + Send + Sync>) -> std::io::Result<Self> {
        let (client, replies) = Client::new(
            ClientConfig {
                server_url: config.server_url.clone(),
                device_token: config.device_token.clone(),
                timeout: Duration::from_secs(5),
            },
            Arc::clone(&wake),
        );
        let (printer, printed) = PrintWorker::spawn(Printer::new(config.transport.clone()), wake)?;
        Ok(Workers {
            client,
            replies,
            printer,
            printed,
        })
    }

    /// Feeds every waiting answer to `state`; returns the effects.
    pub fn drain(&self, state: &mut KioskState, now: Instant) -> Vec<Effect> {
        let mut fx = Vec::new();
        while let Ok(reply) = self.replies.try_recv() {
            fx.extend(match reply {
                Reply::Services(r) => state.handle_services(now, r),
                Reply::Guide(r) => state.handle_guide(now, r),
                Reply::Issued {
                    idempotency_key,
                    result,
                } => state.handle_issued(now, &idempotency_key, result),
                Reply::Ticket {
                    code,
                    requeue,
                    result,
                } => state.handle_ticket_view(now, &code, requeue, result),
                Reply::Reported(_) => Vec::new(),
                Reply::Case(r) => state.handle_case(now, r),
                Reply::FeedbackSettings(r) => state.handle_feedback_settings(now, r),
                Reply::Feedback {
                    idempotency_key,
                    result,
                } => state.handle_feedback(now, &idempotency_key, result),
            });
        }
        while let Ok(reply) = self.printed.try_recv() {
            fx.extend(match reply {
                PrinterReply::Printed { ticket, outcome } => {
                    state.handle_print(now, ticket, outcome)
                }
                PrinterReply::Checked(outcome) => state.handle_printer_check(now, outcome),
            });
        }
        fx
    }
}

impl Effects for Workers {
    fn run(&mut self, effect: Effect) {
        match effect {
            Effect::FetchServices => self.client.fetch_services(),
            Effect::FetchGuide => self.client.fetch_guide(),
            Effect::RequestTicket {
                idempotency_key,
                request,
            } => self.client.issue(idempotency_key, request),
            Effect::Print(job) => self.printer.print(job),
            Effect::CheckPrinter => self.printer.check(),
            Effect::ReportStatus(report) => self.client.report(report),
            Effect::FetchTicket { id, code } => self.client.fetch_ticket(id, code),
            Effect::Requeue { id, code } => self.client.requeue(id, code),
            Effect::FetchCase { case_no, password } => self.client.fetch_case(case_no, password),
            Effect::FetchFeedbackSettings => self.client.fetch_feedback_settings(),
            Effect::SendFeedback {
                idempotency_key,
                request,
            } => self.client.send_feedback(idempotency_key, request),
        }
    }
}

/// The kiosk app.
pub struct KioskApp {
    /// Behaviour.
    pub state: KioskState,
    workers: Workers,
    /// Set by [`RunOptions::exit_after_first_frame`] until the first frame
    /// is drawn.
    first_frame_probe: bool,
    /// A window size asked for with `--size`, until the window has been
    /// checked against it ([`KioskApp::fit_window`]).
    fit_to: Option<egui::Vec2>,
}

/// How [`run`] opens the window.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Take the whole screen (a kiosk); otherwise a window.
    pub fullscreen: bool,
    /// Window size in points, e.g. 1080x1920.
    pub size: Option<(f32, f32)>,
    /// For the cold-start benchmark (`scripts/bench-kiosk`): when the
    /// first frame is drawn, print `first_frame_unix_ns=…` (wall clock, so
    /// the script can subtract its own launch time) and close.
    pub exit_after_first_frame: bool,
}

impl KioskApp {
    /// Builds the app inside eframe: fonts, workers, first fetches.
    ///
    /// # Errors
    ///
    /// The printer thread cannot be started.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        config: &KioskConfig,
        options: RunOptions,
    ) -> std::io::Result<Self> {
        if let Some(e) = crate::theme::install(&cc.egui_ctx, config.font_path.as_deref()) {
            eprintln!("banli-kiosk: font_path unreadable, using the embedded font: {e}");
        }
        let ctx = cc.egui_ctx.clone();
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || ctx.request_repaint());
        let mut workers = Workers::start(config, wake)?;
        let now = Instant::now();
        let key_prefix = format!(
            "kiosk-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_millisecond()
        );
        let mut state = KioskState::new(config.settings(), key_prefix, now);
        for e in state.start(now) {
            workers.run(e);
        }
        Ok(KioskApp {
            state,
            workers,
            first_frame_probe: options.exit_after_first_frame,
            fit_to: options
                .size
                .filter(|_| !options.fullscreen)
                .map(|(w, h)| egui::vec2(w, h)),
        })
    }

    /// A window asked for with `--size` that the screen cannot hold (a
    /// 1080x1920 portrait kiosk on a 1920x1080 desktop, as `scripts/run-demo`
    /// opens it) gets clamped by eframe and would show a cut-down layout.
    /// Instead the whole requested layout is scaled down to fit (egui's
    /// zoom) and the window resized to match, so the demo looks like the
    /// kiosk, only smaller. A tenth of the screen is left for the window
    /// manager's title bar and panels, and the window goes to the right
    /// edge of the screen, where it leaves the call panel of a board
    /// started beside it in view.
    fn fit_window(&mut self, ctx: &egui::Context) {
        let Some(wanted) = self.fit_to else {
            return;
        };
        let (inner, monitor) = ctx.input(|i| {
            let v = i.viewport();
            (v.inner_rect.map(|r| r.size()), v.monitor_size)
        });
        let Some(mut room) = inner else {
            // Not known before the window exists: try next frame.
            return;
        };
        self.fit_to = None;
        if let Some(monitor) = monitor
            && (wanted.x > monitor.x || wanted.y > monitor.y)
        {
            room = room.min(monitor * 0.9);
        }
        let zoom = (room.x / wanted.x).min(room.y / wanted.y);
        if zoom < 0.99 {
            let size = wanted * zoom;
            ctx.set_zoom_factor(zoom);
            ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
            if let Some(monitor) = monitor {
                let x = (monitor.x - size.x).max(0.0);
                ctx.send_viewport_cmd(egui::ViewportCommand::OuterPosition(egui::pos2(x, 0.0)));
            }
        }
    }
}

/// Asks egui for the next frame only when the state has something to do:
/// at its next deadline (a poll, a retry, the idle timeout, the ticket
/// screen's end), and once a second while the ticket screen counts down.
/// Nothing else: an idle kiosk draws no frames. The app calls it after
/// every `logic` and `ui`; tests call it after drawing the screens.
pub fn schedule_repaint(ctx: &egui::Context, state: &KioskState, now: Instant) {
    if let Some(deadline) = state.next_deadline() {
        ctx.request_repaint_after(deadline.saturating_duration_since(now));
    }
    // The ticket screen and the 评价/投诉 thanks count down to home.
    if matches!(
        state.screen,
        crate::state::Screen::Ticket { until: Some(_), .. }
            | crate::state::Screen::FeedbackDone { .. }
    ) {
        ctx.request_repaint_after(Duration::from_secs(1));
    }
}

/// Widest texture egui may make: its font atlas is as wide as this and
/// doubles in height as glyphs arrive. Left to the GPU's limit (16384 on
/// Mesa) one row of the ticket screen's 260-point number made a 16384×512
/// RGBA atlas, 32 MB in the app and again in the driver; 2048 (egui's own
/// portable default) holds every glyph the screens use in a few MB.
pub const MAX_TEXTURE_SIDE: usize = 2048;

impl eframe::App for KioskApp {
    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        raw_input.max_texture_side = Some(
            raw_input
                .max_texture_side
                .map_or(MAX_TEXTURE_SIDE, |side| side.min(MAX_TEXTURE_SIDE)),
        );
    }

    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.fit_window(ctx);
        let now = Instant::now();
        let mut fx = self.workers.drain(&mut self.state, now);
        fx.extend(self.state.tick(now));
        for e in fx {
            self.workers.run(e);
        }
        schedule_repaint(ctx, &self.state, now);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let now = Instant::now();
        for e in crate::ui::kiosk_ui(ui, &mut self.state, now) {
            self.workers.run(e);
        }
        schedule_repaint(ui.ctx(), &self.state, now);
        if std::mem::take(&mut self.first_frame_probe) {
            println!(
                "first_frame_unix_ns={}",
                jiff::Timestamp::now().as_nanosecond()
            );
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }
}

/// Opens the kiosk window and runs until it closes.
///
/// # Errors
///
/// No display, no GPU adapter, or the printer thread cannot start.
pub fn run(config: KioskConfig, options: RunOptions) -> anyhow::Result<()> {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Banli 取号机")
        .with_fullscreen(options.fullscreen);
    if let Some((w, h)) = options.size {
        viewport = viewport.with_inner_size([w, h]);
    }
    let native = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    eframe::run_native(
        "banli-kiosk",
        native,
        Box::new(move |cc| Ok(Box::new(KioskApp::new(cc, &config, options)?))),
    )
    .map_err(|e| anyhow::anyhow!("the kiosk window failed: {e}"))
}
