//! The `banli-board` binary: `say` writes what the library renders.

use std::path::Path;
use std::process::{Command, Output};

use banli_board::announcer::{self, Lang};
use banli_board::render::{RenderOptions, render};
use banli_core::ids::CounterId;

use crate::util::{default_voice, pack_dir, read_wav};

fn board(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_banli-board"))
        .args(args)
        .env_remove("BANLI_VOICE_ZH")
        .env_remove("BANLI_VOICE_EN")
        .output()
        .expect("run banli-board")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn say_writes_the_rendered_announcement() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("call.wav");
    let path = out.to_str().expect("utf-8 temp path");
    let run = board(&[
        "say", "A023", "5", "--out", path, "--lang", "zh,en", "--volume", "0.8", "--repeat", "2",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        text(&run.stdout).contains("22050 Hz mono"),
        "{}",
        text(&run.stdout)
    );

    let plan = announcer::plan("A023", CounterId(5), &[Lang::Zh, Lang::En]);
    let options = RenderOptions {
        volume: 0.8,
        repeat: 2,
        ..RenderOptions::default()
    };
    let want = render(&default_voice(), &plan, &options).expect("renders");
    let (spec, got) = read_wav(&out);
    assert_eq!((spec.channels, spec.sample_rate), (1, 22_050));
    assert_eq!(got.len(), want.samples.len());
    assert!(
        got.iter()
            .zip(&want.samples)
            .all(|(a, b)| (a - b).abs() <= 1.0 / 16_384.0)
    );
}

#[test]
fn say_defaults_to_chinese_from_the_repo_packs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("call.wav");
    let run = board(&["say", "A023", "12", "--out", out.to_str().expect("utf-8")]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let plan = announcer::plan("A023", CounterId(12), &[Lang::Zh]);
    let want = render(&default_voice(), &plan, &RenderOptions::default()).expect("renders");
    assert_eq!(read_wav(&out).1.len(), want.samples.len());
}

#[test]
fn say_with_an_incomplete_pack_names_the_missing_clip() {
    let pack = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(pack_dir(Lang::Zh)).expect("pack") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), pack.path().join(entry.file_name())).expect("copy");
    }
    std::fs::remove_file(pack.path().join("chuangkou.wav")).expect("remove");
    let out = pack.path().join("call.wav");
    let run = board(&[
        "say",
        "A023",
        "5",
        "--out",
        out.to_str().expect("utf-8"),
        "--voice-zh",
        pack.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("zh clip `chuangkou`"), "{stderr}");
    assert!(stderr.contains("chuangkou.wav"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn say_refuses_a_bad_volume_and_a_bad_language() {
    let run = board(&["say", "A1", "1", "--out", "/dev/null", "--volume", "3"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("not a volume"),
        "{}",
        text(&run.stderr)
    );
    let run = board(&["say", "A1", "1", "--out", "/dev/null", "--lang", "fr"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("unknown language"),
        "{}",
        text(&run.stderr)
    );
}

#[test]
fn say_plays_on_the_alsa_null_device() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = crate::null_device::null_alsa_config(dir.path());
    let run = Command::new(env!("CARGO_BIN_EXE_banli-board"))
        .args(["say", "B07", "20", "--play", "--lang", "zh,en"])
        .env("ALSA_CONFIG_PATH", &config)
        .output()
        .expect("run banli-board");
    assert!(run.status.success(), "{}", text(&run.stderr));
}

#[test]
fn without_a_subcommand_it_runs_the_board_and_checks_its_config_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("board.toml");
    let run = board(&["--config", missing.to_str().expect("a UTF-8 temp path")]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("cannot read"),
        "{}",
        text(&run.stderr)
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "server = \"http://127.0.0.1:1\"\ntoken = \"t\"\nvolume = 7\n",
    )
    .expect("write config");
    let run = board(&["--config", bad.to_str().expect("a UTF-8 temp path")]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("volume:"),
        "{}",
        text(&run.stderr)
    );
    assert!(Path::new(env!("CARGO_BIN_EXE_banli-board")).exists());
}
