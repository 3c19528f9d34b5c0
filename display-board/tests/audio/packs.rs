//! Loading voice packs a hall made: every unusable clip is named with its
//! file, and human recordings in other formats are converted.

use std::fs;
use std::path::Path;

use banli_board::announcer::{Lang, required_clips};
use banli_board::voice::{ClipProblemKind, Voice, VoiceError, VoicePack};

use crate::util::pack_dir;

/// A copy of the default pack of `lang` in a temporary folder.
fn copy_pack(lang: Lang) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in fs::read_dir(pack_dir(lang)).expect("pack folder") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    dir
}

fn edit_manifest(dir: &Path, edit: impl FnOnce(String) -> String) {
    let path = dir.join("manifest.toml");
    let text = fs::read_to_string(&path).expect("manifest");
    fs::write(&path, edit(text)).expect("write manifest");
}

#[test]
fn the_committed_packs_hold_every_required_clip() {
    for lang in [Lang::Zh, Lang::En] {
        let pack = VoicePack::load(&pack_dir(lang), lang, 22_050).expect("loads");
        assert_eq!(pack.lang(), lang);
        for name in required_clips(lang) {
            assert!(
                pack.clip(name).is_some_and(|c| !c.is_empty()),
                "{lang} {name}"
            );
        }
        let manifest = pack.manifest();
        assert_eq!(manifest.sample_rate, Some(22_050));
        assert!(
            manifest
                .source
                .as_deref()
                .is_some_and(|s| s.contains("espeak-ng"))
        );
        assert!(manifest.licence.is_some());
    }
}

#[test]
fn an_incomplete_pack_names_every_unusable_clip_and_its_file() {
    let pack = copy_pack(Lang::Zh);
    let dir = pack.path();
    // 请 left out of the manifest, 号's file deleted, 到 not audio, 办理 empty.
    edit_manifest(dir, |m| m.replace("qing = \"qing.wav\"\n", ""));
    fs::remove_file(dir.join("hao.wav")).expect("remove");
    fs::write(dir.join("dao.wav"), "this is not a recording").expect("write");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22_050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    hound::WavWriter::create(dir.join("banli.wav"), spec)
        .expect("create")
        .finalize()
        .expect("finish");

    let en = pack_dir(Lang::En);
    let err = Voice::load(&[(Lang::Zh, dir), (Lang::En, &en)]).expect_err("incomplete");
    let VoiceError::Clips { problems } = &err else {
        panic!("expected a clip list, got {err}");
    };
    let found: Vec<(&str, Option<String>, &ClipProblemKind)> = problems
        .iter()
        .map(|p| {
            let file = p
                .file
                .as_ref()
                .and_then(|f| f.file_name())
                .map(|f| f.to_string_lossy().into_owned());
            (p.name, file, &p.kind)
        })
        .collect();
    assert_eq!(found.len(), 4, "{err}");
    assert_eq!(found[0], ("qing", None, &ClipProblemKind::NotInManifest));
    assert_eq!(
        found[1],
        (
            "hao",
            Some("hao.wav".into()),
            &ClipProblemKind::FileNotFound
        )
    );
    assert_eq!(found[2].0, "dao");
    assert!(
        matches!(found[2].2, ClipProblemKind::Undecodable(_)),
        "{err}"
    );
    assert_eq!(
        found[3],
        ("banli", Some("banli.wav".into()), &ClipProblemKind::Empty)
    );
    assert!(problems.iter().all(|p| p.lang == Lang::Zh));

    // The message a hall sees: a headline, then one line per clip with its file.
    let message = err.to_string();
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(
        lines[0], "voice pack incomplete: 4 clips unusable",
        "{message}"
    );
    assert!(lines[1].contains("zh clip `qing`") && lines[1].contains("not in the manifest"));
    assert!(
        lines[2].contains("zh clip `hao`")
            && lines[2].contains("hao.wav")
            && lines[2].contains("file not found")
    );
    assert!(
        lines[3].contains("zh clip `dao`")
            && lines[3].contains("dao.wav")
            && lines[3].contains("cannot decode")
    );
    assert!(lines[4].contains("zh clip `banli`") && lines[4].contains("no audio"));
}

#[test]
fn problems_of_both_packs_are_reported_together() {
    let zh = copy_pack(Lang::Zh);
    let en = copy_pack(Lang::En);
    fs::remove_file(zh.path().join("letter_w.wav")).expect("remove");
    fs::remove_file(en.path().join("n_70.wav")).expect("remove");
    let err = Voice::load(&[(Lang::Zh, zh.path()), (Lang::En, en.path())]).expect_err("incomplete");
    let message = err.to_string();
    assert!(message.contains("zh clip `letter_w`"), "{message}");
    assert!(message.contains("en clip `n_70`"), "{message}");
    assert!(
        message.starts_with("voice pack incomplete: 2 clips"),
        "{message}"
    );
}

#[test]
fn a_pack_for_the_wrong_language_is_refused() {
    let en = pack_dir(Lang::En);
    let err = Voice::load(&[(Lang::Zh, &en)]).expect_err("en given as zh");
    assert!(matches!(
        err,
        VoiceError::WrongLanguage {
            expected: Lang::Zh,
            found: Lang::En,
            ..
        }
    ));
    assert!(err.to_string().contains("speaks en, not zh"), "{err}");
}

#[test]
fn a_human_recording_in_stereo_at_44k_replaces_a_clip() {
    let pack = copy_pack(Lang::Zh);
    let dir = pack.path();
    // A "recording" of 请: half a second of a 440 Hz tone, stereo, 44.1 kHz.
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(dir.join("qing-recorded.wav"), spec).expect("create");
    for i in 0..22_050 {
        let s = (f32::sin(i as f32 * 440.0 * std::f32::consts::TAU / 44_100.0) * 8000.0) as i16;
        writer.write_sample(s).expect("left");
        writer.write_sample(s).expect("right");
    }
    writer.finalize().expect("finish");
    edit_manifest(dir, |m| {
        m.replace("qing = \"qing.wav\"", "qing = \"qing-recorded.wav\"")
    });

    let voice = Voice::load(&[(Lang::Zh, dir)]).expect("loads");
    assert_eq!(voice.sample_rate(), 22_050);
    let qing = voice.packs()[0].clip("qing").expect("qing");
    // Half a second at the voice's rate, at the recording's level.
    assert!((11_000..=11_050).contains(&qing.len()), "{}", qing.len());
    let peak = qing.iter().fold(0.0_f32, |m, s| m.max(s.abs()));
    assert!((peak - 8000.0 / 32768.0).abs() < 0.01, "{peak}");
}

#[test]
fn the_voice_renders_at_the_highest_declared_rate() {
    let pack = copy_pack(Lang::En);
    edit_manifest(pack.path(), |m| {
        m.replace("sample_rate = 22050", "sample_rate = 44100")
    });
    let zh = pack_dir(Lang::Zh);
    let voice = Voice::load(&[(Lang::Zh, &zh), (Lang::En, pack.path())]).expect("loads");
    assert_eq!(voice.sample_rate(), 44_100);
    // The 22 050 Hz files were upsampled: twice as many samples.
    let chime = voice.packs()[0].clip("chime").expect("chime").len();
    assert!((37_000..=37_100).contains(&chime), "{chime}");
}
