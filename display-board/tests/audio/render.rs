//! Rendering the committed packs: the output is exactly the planned clips,
//! in order, with the documented gaps.

use std::time::Duration;

use banli_board::announcer::{self, Cue, Lang, Plan};
use banli_board::render::{Pcm, RenderError, RenderOptions, render};
use banli_core::ids::CounterId;

use crate::util::{clip_file, default_voice, read_wav, rms};

/// What `render` should give for `plan`, built from the clip files read
/// with hound: the module doc's layout, written out again.
fn expected(plan: &Plan, options: &RenderOptions, rate: u32) -> Vec<f32> {
    let gap = |d: Duration| vec![0.0; (d.as_secs_f64() * f64::from(rate)).round() as usize];
    let clip = |lang: Lang, name: &str| read_wav(&clip_file(lang, name)).1;
    let mut out = Vec::new();
    if let Some(chime) = plan.chime {
        out.extend(clip(chime.lang, chime.name));
        out.extend(gap(options.pause));
    }
    for round in 0..options.repeat {
        if round > 0 {
            out.extend(gap(options.repeat_gap));
        }
        let mut after_clip = false;
        for cue in &plan.speech {
            match cue {
                Cue::Clip(c) => {
                    if after_clip {
                        out.extend(gap(options.word_gap));
                    }
                    out.extend(clip(c.lang, c.name));
                    after_clip = true;
                }
                Cue::Pause => {
                    out.extend(gap(options.pause));
                    after_clip = false;
                }
            }
        }
    }
    out.iter().map(|s| s * options.volume).collect()
}

fn assert_same(got: &Pcm, want: &[f32]) {
    assert_eq!(got.samples.len(), want.len(), "length in samples");
    let worst = got
        .samples
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0_f32, f32::max);
    assert!(worst < 1e-6, "largest difference {worst}");
}

#[test]
fn a_zh_call_is_its_clips_in_plan_order() {
    let voice = default_voice();
    let options = RenderOptions::default();
    let plan = announcer::plan("A023", CounterId(5), &[Lang::Zh]);
    let pcm = render(&voice, &plan, &options).expect("renders");
    assert_eq!(pcm.sample_rate, 22_050);
    assert_same(&pcm, &expected(&plan, &options, pcm.sample_rate));
}

#[test]
fn a_zh_and_en_call_is_its_clips_in_plan_order() {
    let voice = default_voice();
    let options = RenderOptions::default();
    for (number, counter) in [("A023", 5), ("GA107", 12), ("B001", 20), ("Z999", 105)] {
        let plan = announcer::plan(number, CounterId(counter), &[Lang::Zh, Lang::En]);
        let pcm = render(&voice, &plan, &options).expect("renders");
        assert_same(&pcm, &expected(&plan, &options, pcm.sample_rate));
    }
}

#[test]
fn duration_is_the_clips_plus_the_gaps_and_every_clip_sounds() {
    let voice = default_voice();
    let options = RenderOptions::default();
    let plan = announcer::plan("A023", CounterId(12), &[Lang::Zh]);
    let pcm = render(&voice, &plan, &options).expect("renders");
    let clips: Vec<Vec<f32>> = plan
        .clips()
        .map(|c| read_wav(&clip_file(c.lang, c.name)).1)
        .collect();
    let clip_seconds: f64 = clips.iter().map(|c| c.len() as f64 / 22_050.0).sum();
    // Chime, pause, then 12 words (请 A 零 二 三 号 到 十 二 号 窗口 办理) with 11 gaps.
    assert_eq!(clips.len(), 13);
    let gaps = options.pause.as_secs_f64() + 11.0 * options.word_gap.as_secs_f64();
    let seconds = pcm.duration().as_secs_f64();
    assert!(
        (seconds - (clip_seconds + gaps)).abs() < 0.01,
        "{seconds} s rendered, {clip_seconds} s of clips + {gaps} s of gaps"
    );
    assert!(
        (3.0..8.0).contains(&seconds),
        "{seconds} s is not a call's length"
    );
    // Not silence: the clips were normalised to -20 dBFS RMS (0.1), and every
    // one of them is audible on its own.
    assert!(rms(&pcm.samples) > 0.05, "rms {}", rms(&pcm.samples));
    for (clip, name) in clips.iter().zip(plan.clips()) {
        assert!(rms(clip) > 0.05, "{name} is near silent");
    }
}

#[test]
fn volume_scales_and_repeat_says_the_words_again_after_one_chime() {
    let voice = default_voice();
    let plan = announcer::plan("C7", CounterId(3), &[Lang::Zh, Lang::En]);
    let options = RenderOptions {
        volume: 0.5,
        repeat: 2,
        ..RenderOptions::default()
    };
    let pcm = render(&voice, &plan, &options).expect("renders");
    assert_same(&pcm, &expected(&plan, &options, pcm.sample_rate));

    let once = render(&voice, &plan, &RenderOptions::default()).expect("renders");
    let chime = read_wav(&clip_file(Lang::Zh, "chime")).1.len();
    let pause = (options.pause.as_secs_f64() * 22_050.0).round() as usize;
    let speech = once.samples.len() - chime - pause;
    let repeat_gap = (options.repeat_gap.as_secs_f64() * 22_050.0).round() as usize;
    assert_eq!(
        pcm.samples.len(),
        chime + pause + speech + repeat_gap + speech
    );
}

#[test]
fn a_language_without_a_pack_is_an_error_not_a_panic() {
    let zh = crate::util::pack_dir(Lang::Zh);
    let voice = banli_board::voice::Voice::load(&[(Lang::Zh, &zh)]).expect("zh loads");
    let plan = announcer::plan("A1", CounterId(1), &[Lang::Zh, Lang::En]);
    let err = render(&voice, &plan, &RenderOptions::default()).expect_err("no en pack");
    assert!(
        matches!(err, RenderError::UnknownClip(c) if c.lang == Lang::En),
        "{err}"
    );
    assert!(err.to_string().contains("en pack"), "{err}");

    let bad = RenderOptions {
        volume: f32::NAN,
        ..RenderOptions::default()
    };
    let plan = announcer::plan("A1", CounterId(1), &[Lang::Zh]);
    assert!(matches!(
        render(&voice, &plan, &bad),
        Err(RenderError::BadVolume(_))
    ));
}

#[test]
fn the_written_wav_is_the_rendering_at_16_bits() {
    let voice = default_voice();
    let plan = announcer::plan("A023", CounterId(5), &[Lang::Zh, Lang::En]);
    let pcm = render(&voice, &plan, &RenderOptions::default()).expect("renders");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("call.wav");
    pcm.write_wav_file(&path).expect("writes");
    let (spec, samples) = read_wav(&path);
    assert_eq!((spec.channels, spec.sample_rate), (1, 22_050));
    assert_eq!(samples.len(), pcm.samples.len());
    for (i, (a, b)) in samples.iter().zip(&pcm.samples).enumerate() {
        assert!((a - b).abs() <= 1.0 / 16_384.0, "sample {i}: {a} vs {b}");
    }
}

#[test]
fn writing_into_a_missing_folder_names_the_file() {
    let pcm = Pcm {
        sample_rate: 8000,
        samples: vec![0.0; 10],
    };
    let err = pcm
        .write_wav_file(std::path::Path::new("/nonexistent/dir/call.wav"))
        .expect_err("no such folder");
    assert!(
        err.to_string().contains("/nonexistent/dir/call.wav"),
        "{err}"
    );
}
