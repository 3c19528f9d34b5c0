//! The eframe app: wires the [`Board`] to the client, the speaker and the
//! screen.
//!
//! [`App::logic`](eframe::App::logic) drains the client's and the
//! speaker's channels into the board and carries out the effects it returns
//! (render and queue an announcement, ask for a resync, report a status
//! note); [`App::ui`](eframe::App::ui) only draws. Both workers call
//! `request_repaint` when they deliver, so an idle board does no work
//! beyond the clock and the ticker (see [`crate::ui`]).
//!
//! egui 0.37 split the old `update` into `logic` and `ui`; this follows it.

use std::sync::mpsc::{self, Receiver};

use banli_core::wire::{CallView, DeviceStatusReport};
use jiff::Timestamp;

use crate::board::{Board, Connection, Effect};
use crate::client::{self, ClientConfig, ClientEvent, ClientHandle};
use crate::config::{BoardConfig, Mode};
use crate::render::{Pcm, RenderOptions, render};
use crate::speaker::{Speaker, SpeakerEvent, SpeakerOptions};
use crate::ticker::{Governor, TickerMode, process_cpu_time};
use crate::ui::{self, View};
use crate::voice::Voice;
use crate::{fonts, voice_dirs};

/// The running board.
pub struct BoardApp {
    /// What the board knows and has announced.
    board: Board,
    /// How it draws.
    view: View,
    /// The server link; `None` in tests that feed the board by hand.
    client: Option<ClientHandle>,
    /// Messages from the client.
    client_events: Receiver<ClientEvent>,
    /// Plays announcements; `None` when it could not start, or in tests.
    speaker: Option<Speaker>,
    /// Reports from the speaker.
    speaker_events: Receiver<SpeakerEvent>,
    /// Decoded voice packs; `None` when they failed to load (the board is
    /// then silent and says why).
    voice: Option<Voice>,
    /// Volume and repeat.
    render: RenderOptions,
    /// Fixed time for tests and screenshots.
    mock_time: Option<Timestamp>,
    /// Announcements rendered while there is no speaker (a headless board
    /// with a voice: end-to-end tests), for [`BoardApp::take_rendered`].
    rendered: Vec<(CallView, Pcm)>,
    /// Whether the notices scroll, by what scrolling costs.
    governor: Governor,
}

/// Widest texture (and so glyph atlas) the board lets egui make.
const MAX_ATLAS_SIDE: usize = 2048;

/// Most rendered announcements a headless board keeps untaken.
const RENDERED_KEPT: usize = 64;

impl BoardApp {
    /// A board without network or sound, fed by hand (tests).
    pub fn headless(board: Board, view: View) -> Self {
        let (_, client_events) = mpsc::channel();
        let (_, speaker_events) = mpsc::channel();
        Self {
            board,
            client: None,
            client_events,
            speaker: None,
            speaker_events,
            voice: None,
            render: RenderOptions::default(),
            mock_time: None,
            rendered: Vec::new(),
            governor: Governor::new(TickerMode::Scroll, view.notice_speed),
            view,
        }
    }

    /// Starts the board described by `config`: fonts and theme, the
    /// client, the voice and the speaker.
    pub fn start(ctx: &egui::Context, config: &BoardConfig) -> Self {
        let fonts = fonts::definitions(config.font.as_deref()).unwrap_or_else(|e| {
            tracing::warn!("font {:?}: {e}; using the embedded font", config.font);
            fonts::definitions(None).unwrap_or_default()
        });
        ctx.set_fonts(fonts);
        let view = View {
            mode: config.mode,
            counter: match config.mode {
                Mode::Counter => config.filter.counters.first().copied(),
                Mode::Hall => None,
            },
            notice_speed: config.notice_speed,
            scroll_notices: true,
            timezone: config.timezone.clone(),
            theme: crate::theme::Theme::HALL,
        };
        view.theme.apply(ctx);
        let board = Board::new(
            config.filter.clone(),
            config.languages.clone(),
            config.max_announce_age,
        );
        let mut app = Self::headless(board, view);
        app.governor = Governor::new(config.ticker, config.notice_speed);
        app.render = RenderOptions {
            volume: config.volume,
            repeat: config.repeat,
            ..RenderOptions::default()
        };

        let (tx, rx) = mpsc::channel();
        app.client_events = rx;
        let repaint_ctx = ctx.clone();
        match client::spawn(
            ClientConfig {
                server: config.server.clone(),
                token: config.token.clone(),
            },
            tx,
            move || repaint_ctx.request_repaint(),
        ) {
            Ok(handle) => app.client = Some(handle),
            Err(e) => tracing::error!("cannot start the network thread: {e}"),
        }

        // Counter screens do not speak: the hall board does.
        if config.mode == Mode::Hall && !config.languages.is_empty() {
            let dirs = voice_dirs(config);
            let packs: Vec<_> = dirs.iter().map(|(l, d)| (*l, d.as_path())).collect();
            match Voice::load(&packs) {
                Ok(voice) => app.voice = Some(voice),
                Err(e) => {
                    let effects = app
                        .board
                        .handle_silent(format!("voice pack: {e}; calls are shown but not spoken"));
                    app.run_effects(effects);
                }
            }
            if app.voice.is_some() {
                let (tx, rx) = mpsc::channel();
                app.speaker_events = rx;
                let repaint_ctx = ctx.clone();
                match Speaker::spawn(SpeakerOptions::default(), move |event| {
                    let _ = tx.send(event);
                    repaint_ctx.request_repaint();
                }) {
                    Ok(speaker) => app.speaker = Some(speaker),
                    Err(e) => {
                        let effects = app.board.handle_silent(format!(
                            "cannot start the speaker thread: {e}; calls are shown but not spoken"
                        ));
                        app.run_effects(effects);
                    }
                }
            }
        }
        app
    }

    /// Connects a headless board to the server (end-to-end tests; `start`
    /// does this itself). `repaint` is called after each delivery.
    ///
    /// # Errors
    /// When the network thread cannot start.
    pub fn connect(
        &mut self,
        config: ClientConfig,
        repaint: impl Fn() + Send + Sync + 'static,
    ) -> std::io::Result<()> {
        let (tx, rx) = mpsc::channel();
        self.client = Some(client::spawn(config, tx, repaint)?);
        self.client_events = rx;
        Ok(())
    }

    /// Gives a headless board a voice: announcements are then rendered
    /// and kept for [`BoardApp::take_rendered`] instead of played.
    pub fn set_voice(&mut self, voice: Voice, options: RenderOptions) {
        self.voice = Some(voice);
        self.render = options;
    }

    /// Plays announcements through `speaker`, whose callback sends its
    /// events to `events` (benchmarks and tests: a speaker on a chosen
    /// output; [`BoardApp::start`] makes its own).
    pub fn set_speaker(&mut self, speaker: Speaker, events: Receiver<SpeakerEvent>) {
        self.speaker = Some(speaker);
        self.speaker_events = events;
    }

    /// The announcements rendered since the last call, oldest first, on a
    /// board without a speaker.
    pub fn take_rendered(&mut self) -> Vec<(CallView, Pcm)> {
        std::mem::take(&mut self.rendered)
    }

    /// The board state.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The board state, to feed it by hand.
    pub fn board_mut(&mut self) -> &mut Board {
        &mut self.board
    }

    /// Freezes the clock at `now` (tests, screenshots).
    pub fn set_mock_time(&mut self, now: Option<Timestamp>) {
        self.mock_time = now;
    }

    /// The time the board runs on.
    pub fn now(&self) -> Timestamp {
        self.mock_time.unwrap_or_else(Timestamp::now)
    }

    /// Drains the workers' channels into the board and carries out what it
    /// asks.
    pub fn poll(&mut self) {
        while let Ok(event) = self.client_events.try_recv() {
            let now = self.now();
            match event {
                ClientEvent::Connected => {
                    tracing::info!("connected to the server");
                    self.board.handle_connected();
                    // Say how the board is on every connection, so a note
                    // left by an earlier run (no sound) does not linger.
                    let note = self.board.silent().unwrap_or_default().to_owned();
                    self.report(note);
                }
                ClientEvent::Message(message) => {
                    let effects = self.board.handle_message(now, message);
                    self.run_effects(effects);
                }
                ClientEvent::Disconnected(why) => {
                    if !matches!(self.board.connection(), Connection::Lost { .. }) {
                        tracing::warn!("connection lost: {why}; reconnecting");
                    }
                    self.board.handle_disconnected(now, why);
                }
            }
        }
        while let Ok(event) = self.speaker_events.try_recv() {
            let effects = match event {
                SpeakerEvent::Silent(why) => self.board.handle_silent(why),
                SpeakerEvent::Restored => {
                    tracing::info!("audio output is back");
                    self.board.handle_restored()
                }
                _ => Vec::new(),
            };
            self.run_effects(effects);
        }
    }

    fn run_effects(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Announce { call, plan } => {
                    let Some(voice) = &self.voice else {
                        continue;
                    };
                    match (render(voice, &plan, &self.render), &mut self.speaker) {
                        (Ok(pcm), Some(speaker)) => {
                            // Queued even when silent: the speaker retries the
                            // device on an announcement now and then.
                            let id = speaker.play(pcm);
                            if self.board.silent().is_none() {
                                tracing::info!(
                                    "announcing {} to counter {} ({id})",
                                    call.number,
                                    call.counter_id
                                );
                            }
                        }
                        (Ok(pcm), None) => {
                            if self.rendered.len() < RENDERED_KEPT {
                                self.rendered.push((*call, pcm));
                            }
                        }
                        (Err(e), _) => {
                            tracing::warn!("cannot render the call of {}: {e}", call.number);
                        }
                    }
                }
                Effect::Resync => {
                    tracing::info!("asking the server for a fresh snapshot");
                    if let Some(client) = &self.client {
                        client.resync();
                    }
                }
                Effect::ReportStatus(note) => {
                    if note.is_empty() {
                        tracing::info!("board is speaking again");
                    } else {
                        tracing::warn!("board is silent: {note}");
                    }
                    self.report(note);
                }
            }
        }
    }

    /// Sends the board's status note (empty: all well) to the server.
    fn report(&self, note: String) {
        if let Some(client) = &self.client {
            client.report_status(DeviceStatusReport {
                version: env!("CARGO_PKG_VERSION").into(),
                // The server takes up to 500 characters.
                note: note.chars().take(500).collect(),
                ..DeviceStatusReport::default()
            });
        }
    }

    /// Draws the screen.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let now = self.now();
        ui::board_ui(ui, &self.board, &self.view, now);
    }
}

impl eframe::App for BoardApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll();
        if let Some(cpu) = process_cpu_time()
            && let Some(note) = self.governor.sample(std::time::Instant::now(), cpu)
        {
            tracing::warn!("{note}");
        }
        self.view.scroll_notices = self.governor.scrolling();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        // egui's glyph atlas is as wide as the largest texture the GPU
        // takes (16384 with Mesa's software renderer) and grows in height
        // by whole rows, so a row of 200-point numbers cost 13 MB of RAM
        // twice (egui's copy and the texture). 2048 wide holds the same
        // glyphs: measured steady RSS fell from 148 MB (see BENCHMARKS.md).
        raw_input.max_texture_side = Some(
            raw_input
                .max_texture_side
                .map_or(MAX_ATLAS_SIDE, |m| m.min(MAX_ATLAS_SIDE)),
        );
    }
}
