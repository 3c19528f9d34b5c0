//! Playback through a real ALSA device: the `null` plugin, which takes
//! samples and throws them away, so the test runs on machines without a
//! sound card (CI).
//!
//! ALSA reads its configuration once per process, from the files in
//! `ALSA_CONFIG_PATH`, so the test writes its own `asound.conf`
//! (`pcm.!default { type null }`) to a temporary folder and runs itself again
//! as a child process with `ALSA_CONFIG_PATH` pointing at it: the child is
//! the `#[ignore]`d test below, which only plays when it finds that setup.
//! Setting the variable in this process instead would race with other tests
//! (and needs `unsafe`, which the workspace forbids).

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use banli_board::announcer::{self, Lang};
use banli_board::render::{RenderOptions, render};
use banli_board::speaker::{Speaker, SpeakerEvent, SpeakerOptions};
use banli_core::ids::CounterId;

use crate::util::{default_voice, next};

/// Set in the child, so that it knows ALSA was pointed at the null device.
const CHILD_MARK: &str = "BANLI_TEST_ALSA_NULL";

/// Writes an ALSA configuration whose default PCM is the null device.
pub fn null_alsa_config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("asound.conf");
    std::fs::write(&path, "pcm.!default {\n    type null\n}\n").expect("write asound.conf");
    path
}

#[test]
fn queued_announcements_play_in_order_on_the_alsa_null_device() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = null_alsa_config(dir.path());
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = Command::new(exe)
        .args([
            "null_device::child_plays_a_queue_on_the_default_device",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ALSA_CONFIG_PATH", &config)
        .env(CHILD_MARK, "1")
        .output()
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("played 3 announcements"), "{stdout}");
}

#[test]
#[ignore = "run by queued_announcements_play_in_order_on_the_alsa_null_device, with ALSA on the null device"]
fn child_plays_a_queue_on_the_default_device() {
    if std::env::var_os(CHILD_MARK).is_none() {
        eprintln!("not run: this is the child half of the null-device test");
        return;
    }
    let voice = default_voice();
    let (events, inbox) = mpsc::channel();
    let mut speaker = Speaker::spawn(SpeakerOptions::default(), move |event| {
        let _ = events.send(event);
    })
    .expect("speaker thread");
    let calls = [("A023", 5), ("B104", 12), ("GA007", 105)];
    let ids: Vec<_> = calls
        .iter()
        .map(|&(number, counter)| {
            let plan = announcer::plan(number, CounterId(counter), &[Lang::Zh, Lang::En]);
            let pcm = render(&voice, &plan, &RenderOptions::default()).expect("renders");
            assert!(pcm.duration() > Duration::from_secs(3));
            speaker.play(pcm)
        })
        .collect();
    let mut seen = Vec::new();
    for _ in 0..ids.len() * 2 {
        let event = next(&inbox);
        if let SpeakerEvent::Silent(why) = &event {
            panic!("the null device did not open: {why}");
        }
        seen.push(event);
    }
    let expected: Vec<_> = ids
        .iter()
        .flat_map(|&id| [SpeakerEvent::Started(id), SpeakerEvent::Finished(id)])
        .collect();
    assert_eq!(seen, expected);
    println!("played {} announcements", ids.len());
}
