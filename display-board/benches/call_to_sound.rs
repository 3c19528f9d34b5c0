//! Counter call → the board shows it and its announcement starts sounding.
//!
//! ```sh
//! cargo bench -p banli-board --bench call_to_sound            # 50 calls
//! cargo bench -p banli-board --bench call_to_sound -- 200     # more
//! ```
//!
//! The real parts, in one process on loopback: the demo hall's
//! `banli-server` (SQLite, group commit), the board's WebSocket client, its
//! state, an egui frame of the 1920×1080 hall screen (layout and
//! tessellation: the CPU side of a frame; the GPU's raster is not timed),
//! the announcement rendered from the default Chinese and English packs,
//! and the speaker playing it through rodio on ALSA's `null` device (a real
//! ALSA PCM that discards the samples). For each call:
//!
//! - **shown**: from just before the clerk's `POST …/call-next` until the
//!   board's state has the call and a frame showing it has been laid out;
//! - **audio**: until the speaker reports the announcement's first sample
//!   taken by the audio thread. A sound card takes it at its next period
//!   (ALSA's default: some 10–20 ms later); the null device at once.
//!
//! ALSA reads its configuration once per process, so the bench writes an
//! `asound.conf` pointing the default PCM at `null` and runs itself again
//! with `ALSA_CONFIG_PATH` set (setting it in-process needs `unsafe`).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use banli_board::announcer::Lang;
use banli_board::app::BoardApp;
use banli_board::board::{Board, Connection};
use banli_board::client::ClientConfig;
use banli_board::config::Filter;
use banli_board::render::RenderOptions;
use banli_board::speaker::{Speaker, SpeakerEvent, SpeakerOptions};
use banli_board::ui::View;
use banli_board::voice::Voice;
use serde_json::{Value, json};

const CHILD: &str = "BANLI_BENCH_ALSA_NULL";

fn main() -> anyhow::Result<()> {
    let calls: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    if std::env::var_os(CHILD).is_none() {
        let dir = tempfile::tempdir()?;
        let conf = dir.path().join("asound.conf");
        std::fs::write(&conf, "pcm.!default {\n    type null\n}\n")?;
        let status = std::process::Command::new(std::env::current_exe()?)
            .arg(calls.to_string())
            .env("ALSA_CONFIG_PATH", &conf)
            .env(CHILD, "1")
            .status()?;
        std::process::exit(status.code().unwrap_or(1));
    }
    run(calls)
}

/// Wake-ups of the bench loop.
enum Wake {
    /// The board's client delivered something.
    Client,
    /// The speaker said something (its event goes to the app too).
    Speaker(SpeakerEvent, Instant),
}

fn run(calls: usize) -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let hall = banli_server::loopback::LoopbackDemo::start(data.path())?;
    let (url, kiosk, board_token) = (
        hall.url.clone(),
        hall.kiosk_token.clone(),
        hall.board_token.clone(),
    );
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let post = |path: &str, token: &str, key: &str, body: Value| -> anyhow::Result<Value> {
        let mut resp = http
            .post(&format!("{url}{path}"))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Idempotency-Key", key)
            .send_json(&body)?;
        let status = resp.status();
        let value: Value = resp.body_mut().read_json()?;
        anyhow::ensure!(status.is_success(), "{path}: {status} {value}");
        Ok(value)
    };
    let login = post(
        "/api/v1/auth/login",
        "",
        "login",
        json!({"username": "staff5", "password": banli_server::DEMO_STAFF_PASSWORD}),
    )?;
    let clerk = login["token"].as_str().unwrap_or_default().to_owned();

    // The board: hall mode, Chinese then English, as the demo runs it.
    let languages = vec![Lang::Zh, Lang::En];
    let board = Board::new(
        Filter::default(),
        languages.clone(),
        Duration::from_secs(30),
    );
    let mut app = BoardApp::headless(board, View::default());
    let packs: Vec<_> = languages
        .iter()
        .map(|&l| (l, banli_board::default_voice_dir(l)))
        .collect();
    let packs: Vec<_> = packs.iter().map(|(l, d)| (*l, d.as_path())).collect();
    app.set_voice(Voice::load(&packs)?, RenderOptions::default());
    let (wake, woken) = mpsc::channel();
    let (to_app, speaker_events) = mpsc::channel();
    let speaker_wake = wake.clone();
    let speaker = Speaker::spawn(SpeakerOptions::default(), move |event: SpeakerEvent| {
        let _ = to_app.send(event.clone());
        let _ = speaker_wake.send(Wake::Speaker(event, Instant::now()));
    })?;
    app.set_speaker(speaker, speaker_events);
    app.connect(
        ClientConfig {
            server: url.clone(),
            token: board_token,
        },
        move || {
            let _ = wake.send(Wake::Client);
        },
    )?;
    let ctx = egui::Context::default();
    banli_board::fonts::install_embedded(&ctx);
    let frame = |app: &mut BoardApp| {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1920.0, 1080.0),
            )),
            ..egui::RawInput::default()
        };
        let out = ctx.run_ui(input, |ui| app.draw(ui));
        ctx.tessellate(out.shapes, out.pixels_per_point).len()
    };
    let next = |what: &str| -> anyhow::Result<Wake> {
        woken
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| anyhow::anyhow!("timed out waiting for {what}"))
    };

    while !(app.board().has_state() && app.board().connection() == &Connection::Live) {
        next("the snapshot")?;
        app.poll();
    }
    frame(&mut app);

    let mut shown = Vec::with_capacity(calls);
    let mut audio = Vec::with_capacity(calls);
    let mut frames = Vec::with_capacity(calls);
    for i in 0..calls {
        let ticket = post(
            "/api/v1/tickets",
            &kiosk,
            &format!("bench-{i}"),
            json!({"service_id": "housing-fund"}),
        )?;
        let number = ticket["number"].as_str().unwrap_or_default().to_owned();
        // Let the board take in the new ticket first: only the call is timed.
        app.poll();

        let t0 = Instant::now();
        post(
            "/api/v1/counters/5/call-next",
            &clerk,
            &format!("call-{i}"),
            json!({}),
        )?;
        let mut shown_at = None;
        let mut started_at = None;
        while shown_at.is_none() || started_at.is_none() {
            match next("the call")? {
                Wake::Client => {}
                Wake::Speaker(SpeakerEvent::Started(_), at) => started_at = Some(at),
                Wake::Speaker(SpeakerEvent::Silent(why), _) => {
                    anyhow::bail!("the speaker is silent: {why}")
                }
                Wake::Speaker(..) => {}
            }
            app.poll();
            if shown_at.is_none()
                && app.board().calls().first().map(|c| c.number.as_str()) == Some(number.as_str())
            {
                let f0 = Instant::now();
                frame(&mut app);
                let now = Instant::now();
                frames.push(now - f0);
                shown_at = Some(now);
            }
        }
        let (shown_at, started_at) = (shown_at.unwrap_or(t0), started_at.unwrap_or(t0));
        shown.push(shown_at - t0);
        audio.push(started_at - t0);
        // Wait for the announcement to end, so the next call does not queue
        // behind it (the null device plays faster than real time).
        loop {
            if let Wake::Speaker(SpeakerEvent::Finished(_), _) =
                next("the end of the announcement")?
            {
                app.poll();
                break;
            }
            app.poll();
        }
    }
    report("call → board shows it (state + frame laid out)", &mut shown);
    report("call → announcement's first sample played", &mut audio);
    report("  of which one 1920×1080 frame (CPU side)", &mut frames);
    Ok(())
}

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).copied().unwrap_or_default()
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: n={} median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        samples.len(),
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(0.99)),
        ms(at(1.0)),
    );
}
