//! `banli-board`: the display board binary.
//!
//! `banli-board --config board.toml` runs the board (the default command);
//! `banli-board say A023 5 --out call.wav` renders an announcement to a file
//! (or plays it with `--play`, to check a hall's speakers).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use banli_board::announcer::{self, Lang};
use banli_board::config::BoardConfig;
use banli_board::default_voice_dir;
use banli_board::render::{Pcm, RenderOptions, render};
use banli_board::speaker::{Speaker, SpeakerEvent, SpeakerOptions};
use banli_board::voice::Voice;
use banli_core::ids::CounterId;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "banli-board", version, about = "Banli display board (显示屏)")]
struct Cli {
    /// The board's configuration file.
    #[arg(long, value_name = "FILE", default_value = "board.toml", global = true)]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the board (the default).
    Run,
    /// Render the announcement of a call: 「请 A023 号到 5 号窗口办理」.
    Say(SayArgs),
}

#[derive(Args)]
struct SayArgs {
    /// Ticket number, read digit by digit: A023.
    number: String,
    /// Counter number, read as a number: 12 is 十二号窗口.
    counter: u32,
    /// Write the announcement to this WAV file (16-bit mono).
    #[arg(long, value_name = "FILE", required_unless_present = "play")]
    out: Option<PathBuf>,
    /// Play it on the default audio device.
    #[arg(long)]
    play: bool,
    /// Languages, in speaking order: zh, en or zh,en.
    #[arg(long, value_delimiter = ',', default_value = "zh")]
    lang: Vec<Lang>,
    /// Chinese voice pack folder [default: assets/voice/zh].
    #[arg(long, value_name = "DIR", env = "BANLI_VOICE_ZH")]
    voice_zh: Option<PathBuf>,
    /// English voice pack folder [default: assets/voice/en].
    #[arg(long, value_name = "DIR", env = "BANLI_VOICE_EN")]
    voice_en: Option<PathBuf>,
    /// Volume from 0.0 to 1.0.
    #[arg(long, default_value_t = 1.0, value_parser = parse_volume)]
    volume: f32,
    /// How many times the words are said after the chime.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=5))]
    repeat: u32,
}

fn parse_volume(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a volume from 0.0 to 1.0")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None | Some(Command::Run) => run_board(&cli.config),
        Some(Command::Say(args)) => say(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("banli-board: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_board(path: &Path) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = BoardConfig::load(path)?;
    banli_board::run(config)
}

fn say(args: SayArgs) -> anyhow::Result<()> {
    let langs = &args.lang;
    let mut packs = Vec::new();
    for &lang in langs {
        let dir = match lang {
            Lang::Zh => args.voice_zh.clone(),
            Lang::En => args.voice_en.clone(),
        }
        .unwrap_or_else(|| default_voice_dir(lang));
        if !packs.iter().any(|(l, _)| *l == lang) {
            packs.push((lang, dir));
        }
    }
    let packs: Vec<(Lang, &Path)> = packs.iter().map(|(l, d)| (*l, d.as_path())).collect();
    let voice = Voice::load(&packs)?;
    let plan = announcer::plan(&args.number, CounterId(args.counter), langs);
    let options = RenderOptions {
        volume: args.volume,
        repeat: args.repeat,
        ..RenderOptions::default()
    };
    let pcm = render(&voice, &plan, &options)?;
    if let Some(out) = &args.out {
        pcm.write_wav_file(out)?;
        println!(
            "{}: {:.2} s, {} Hz mono",
            out.display(),
            pcm.duration().as_secs_f64(),
            pcm.sample_rate
        );
    }
    if args.play {
        play(pcm)?;
    }
    Ok(())
}

/// Plays `pcm` on the default device and waits until it is done.
fn play(pcm: Pcm) -> anyhow::Result<()> {
    let bound = pcm.duration() + Duration::from_secs(15);
    let (events, inbox) = mpsc::channel();
    let mut speaker = Speaker::spawn(SpeakerOptions::default(), move |event| {
        let _ = events.send(event);
    })
    .context("cannot start the speaker thread")?;
    let id = speaker.play(pcm);
    loop {
        match inbox.recv_timeout(bound) {
            Ok(SpeakerEvent::Finished(done)) if done == id => return Ok(()),
            Ok(SpeakerEvent::Silent(why)) => bail!("{why}"),
            Ok(_) => {}
            Err(_) => bail!("the announcement did not finish within {bound:?}"),
        }
    }
}
