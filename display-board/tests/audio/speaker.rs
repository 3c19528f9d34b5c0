//! The speaker's queue on a stand-in device: a rodio mixer that the test
//! drains itself, sample by sample, as a sound card would. What comes out
//! proves the order and that nothing overlaps; the events prove the
//! reporting. No sleeps: the test waits on events, with generous bounds.

use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use banli_board::render::Pcm;
use banli_board::speaker::{
    AnnouncementId, DeviceErrors, Opener, Output, Speaker, SpeakerEvent, SpeakerOptions,
};
use rodio::mixer::{MixerSource, mixer};

use crate::util::next;

const RATE: u32 = 8_000;

/// A stand-in device: each open makes a mixer and hands its output end to
/// the test through the returned channel.
fn fake_device() -> (Opener, Receiver<MixerSource>) {
    let (sources, inbox) = mpsc::channel();
    let opener: Opener = Box::new(move |_errors: DeviceErrors| {
        let (mixer, source) = mixer(
            std::num::NonZero::<u16>::MIN,
            std::num::NonZero::new(RATE).expect("non-zero"),
        );
        sources.send(source).map_err(|e| e.to_string())?;
        Ok(Output::from_mixer(mixer))
    });
    (opener, inbox)
}

/// `len` samples at one `level`, so the output tells the announcements apart
/// and any overlap shows up as a sum.
fn tone(level: f32, len: usize) -> Pcm {
    Pcm {
        sample_rate: RATE,
        samples: vec![level; len],
    }
}

fn spawn(opener: Opener, options: SpeakerOptions) -> (Speaker, Receiver<SpeakerEvent>) {
    let (events, inbox) = mpsc::channel();
    let speaker = Speaker::spawn_with(opener, options, move |event| {
        let _ = events.send(event);
    })
    .expect("speaker thread");
    (speaker, inbox)
}

/// Drains `device` until `last` finishes; returns the output as runs of
/// (level in hundredths, length) without the silent runs, and the events.
fn drain_until_finished(
    device: &mut MixerSource,
    events: &Receiver<SpeakerEvent>,
    last: AnnouncementId,
) -> (Vec<(i32, usize)>, Vec<SpeakerEvent>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut runs: Vec<(i32, usize)> = Vec::new();
    let mut seen = Vec::new();
    while !seen.contains(&SpeakerEvent::Finished(last)) {
        assert!(Instant::now() < deadline, "not finished in 20 s: {seen:?}");
        for _ in 0..64 {
            let level = (device.next().unwrap_or(0.0) * 100.0).round() as i32;
            match runs.last_mut() {
                Some((l, n)) if *l == level => *n += 1,
                _ => runs.push((level, 1)),
            }
        }
        seen.extend(events.try_iter());
    }
    runs.retain(|&(level, _)| level != 0);
    (runs, seen)
}

#[test]
fn queued_announcements_play_whole_in_order_without_overlap() {
    let (opener, devices) = fake_device();
    let (mut speaker, events) = spawn(opener, SpeakerOptions::default());
    // Three calls queued at once, before the device has played a sample.
    let a = speaker.play(tone(0.1, 800));
    let b = speaker.play(tone(0.2, 1_200));
    let c = speaker.play(tone(0.4, 400));
    let mut device = devices
        .recv_timeout(Duration::from_secs(20))
        .expect("the device opens");

    let (runs, seen) = drain_until_finished(&mut device, &events, c);

    // Exactly the three, whole, one after the other: an overlap would show
    // as 30, 50, 60 or 70 hundredths, a cut as a short run.
    assert_eq!(runs, [(10, 800), (20, 1_200), (40, 400)]);
    use SpeakerEvent::{Finished, Started};
    assert_eq!(
        seen,
        [
            Started(a),
            Finished(a),
            Started(b),
            Finished(b),
            Started(c),
            Finished(c)
        ]
    );
}

#[test]
fn an_announcement_at_another_rate_is_converted_whole() {
    let (opener, devices) = fake_device();
    let (mut speaker, events) = spawn(opener, SpeakerOptions::default());
    // 0.1 s at twice the device's rate, then 0.1 s at its rate.
    let a = speaker.play(Pcm {
        sample_rate: 2 * RATE,
        samples: vec![0.1; 1_600],
    });
    let b = speaker.play(tone(0.2, 800));
    let mut device = devices
        .recv_timeout(Duration::from_secs(20))
        .expect("the device opens");
    let (runs, _) = drain_until_finished(&mut device, &events, b);
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0].0, 10);
    assert!(runs[0].1.abs_diff(800) <= 1, "{runs:?}");
    assert_eq!(runs[1], (20, 800));
    let _ = a;
}

#[test]
fn an_announcement_queued_while_one_plays_waits_for_it() {
    let (opener, devices) = fake_device();
    let (mut speaker, events) = spawn(opener, SpeakerOptions::default());
    let a = speaker.play(tone(0.1, 4_000));
    let mut device = devices
        .recv_timeout(Duration::from_secs(20))
        .expect("the device opens");
    // Play part of the first, then queue the second mid-announcement.
    let mut played = 0;
    assert_eq!(next_started(&events, &mut device, &mut played), a);
    for _ in 0..1_000 {
        device.next();
    }
    let b = speaker.play(tone(0.2, 500));
    let (runs, seen) = drain_until_finished(&mut device, &events, b);
    // The first goes on to its end (some of it was drained above), then the second.
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0].0, 10);
    assert_eq!(runs[0].1 + played + 1_000, 4_000, "{runs:?}");
    assert_eq!(runs[1], (20, 500));
    assert_eq!(
        seen,
        [
            SpeakerEvent::Finished(a),
            SpeakerEvent::Started(b),
            SpeakerEvent::Finished(b)
        ]
    );
}

/// Drains until the first sounding sample comes out, then waits for the
/// `Started` event it causes; counts the sounding samples drained into
/// `played` (one).
fn next_started(
    events: &Receiver<SpeakerEvent>,
    device: &mut MixerSource,
    played: &mut usize,
) -> AnnouncementId {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !device.next().is_some_and(|s| s != 0.0) {
        assert!(Instant::now() < deadline, "nothing sounded in 20 s");
    }
    *played += 1;
    match next(events) {
        SpeakerEvent::Started(id) => id,
        other => panic!("expected Started, got {other:?}"),
    }
}

#[test]
fn without_a_device_it_says_why_once_and_skips_every_announcement() {
    let opens = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&opens);
    let opener: Opener = Box::new(move |_| {
        *counted.lock().expect("not poisoned") += 1;
        Err("no sound card".into())
    });
    let options = SpeakerOptions {
        retry_every: Duration::ZERO,
        ..SpeakerOptions::default()
    };
    let (mut speaker, events) = spawn(opener, options);
    let ids: Vec<_> = (0..3).map(|_| speaker.play(tone(0.1, 100))).collect();

    let SpeakerEvent::Silent(why) = next(&events) else {
        panic!("the first event says the speaker is silent");
    };
    assert!(why.contains("no sound card"), "{why}");
    assert!(why.contains("shown but not spoken"), "{why}");
    for &id in &ids {
        assert_eq!(next(&events), SpeakerEvent::NotPlayed(id));
    }
    drop(speaker);
    // Each announcement tried the device again, and none of the failures
    // was reported a second time.
    assert_eq!(*opens.lock().expect("not poisoned"), 4);
    assert_eq!(events.try_iter().count(), 0);
}

#[test]
fn a_device_that_comes_back_is_used_again() {
    let (mut working, devices) = fake_device();
    let mut first = true;
    let opener: Opener = Box::new(move |errors| {
        if std::mem::take(&mut first) {
            return Err("device busy".into());
        }
        working(errors)
    });
    let options = SpeakerOptions {
        retry_every: Duration::ZERO,
        ..SpeakerOptions::default()
    };
    let (mut speaker, events) = spawn(opener, options);
    assert!(matches!(next(&events), SpeakerEvent::Silent(_)));
    let a = speaker.play(tone(0.3, 200));
    assert_eq!(next(&events), SpeakerEvent::Restored);
    let mut device = devices
        .recv_timeout(Duration::from_secs(20))
        .expect("the device opens");
    let (runs, seen) = drain_until_finished(&mut device, &events, a);
    assert_eq!(runs, [(30, 200)]);
    assert_eq!(seen, [SpeakerEvent::Started(a), SpeakerEvent::Finished(a)]);
}

#[test]
fn a_stalled_device_is_noticed_and_the_queue_moves_on() {
    let (opener, devices) = fake_device();
    let options = SpeakerOptions {
        retry_every: Duration::from_secs(3600),
        stall_margin: Duration::from_millis(50),
    };
    let (mut speaker, events) = spawn(opener, options);
    // Nobody drains this device.
    let _device = devices
        .recv_timeout(Duration::from_secs(20))
        .expect("the device opens");
    let a = speaker.play(tone(0.1, 80));
    let b = speaker.play(tone(0.1, 80));
    let SpeakerEvent::Silent(why) = next(&events) else {
        panic!("the speaker goes silent");
    };
    assert!(
        why.contains("stopped playing during announcement #1"),
        "{why}"
    );
    assert_eq!(next(&events), SpeakerEvent::NotPlayed(a));
    // Not retried before an hour: the next is skipped at once.
    assert_eq!(next(&events), SpeakerEvent::NotPlayed(b));
}

#[test]
fn a_device_error_mid_announcement_silences_the_speaker() {
    let (mut working, devices) = fake_device();
    let handle: Arc<Mutex<Option<DeviceErrors>>> = Arc::default();
    let keep = Arc::clone(&handle);
    let opener: Opener = Box::new(move |errors: DeviceErrors| {
        *keep.lock().expect("not poisoned") = Some(errors.clone());
        working(errors)
    });
    let (mut speaker, events) = spawn(opener, SpeakerOptions::default());
    let mut device = devices
        .recv_timeout(Duration::from_secs(20))
        .expect("the device opens");
    let a = speaker.play(tone(0.1, 8_000));
    let mut played = 0;
    assert_eq!(next_started(&events, &mut device, &mut played), a);
    handle
        .lock()
        .expect("not poisoned")
        .as_ref()
        .expect("opened")
        .report("device unplugged");
    let SpeakerEvent::Silent(why) = next(&events) else {
        panic!("the speaker goes silent");
    };
    assert!(why.contains("device unplugged"), "{why}");
    assert_eq!(next(&events), SpeakerEvent::NotPlayed(a));
}

#[test]
fn dropping_the_speaker_stops_it_promptly() {
    let (opener, devices) = fake_device();
    let (mut speaker, _events) = spawn(opener, SpeakerOptions::default());
    let _device = devices
        .recv_timeout(Duration::from_secs(20))
        .expect("the device opens");
    // A minute of sound that nobody drains: drop must not wait for it.
    speaker.play(tone(0.1, 60 * RATE as usize));
    let start = Instant::now();
    drop(speaker);
    assert!(start.elapsed() < Duration::from_secs(5));
}
