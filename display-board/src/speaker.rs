//! The speaker: plays rendered announcements through rodio on its own thread,
//! one at a time, in the order they were queued.
//!
//! **No overlap, no cut-off.** The speaker thread owns a FIFO of
//! announcements and adds one at a time to the device's rodio [`Mixer`], as
//! a source that reports back to the thread when the audio thread takes its
//! first sample ("started") and when it is past its last ("done"). The next
//! announcement is added only after "done" arrives, so the mixer never holds
//! two calls and they can never sound together; and nothing stops a playing
//! announcement except shutting the speaker down or losing the device. A
//! burst of calls simply waits its turn.
//!
//! Why not rodio's `Player`, which queues sources itself? Its queue could
//! not tell the thread which call is sounding, and in rodio 0.23 it plays the
//! first span after it connects at the wrong rate (while this module's tests
//! were written, the first ~500 samples of the first announcement came out
//! resampled as if at 48 kHz). A mixer source is converted from its own
//! rate, exactly.
//!
//! **Without a device the board goes on.** The device is opened when the
//! thread starts. If that fails, the speaker reports once, with the reason,
//! that it is [`SpeakerEvent::Silent`], then answers each announcement with
//! [`SpeakerEvent::NotPlayed`] at once, so the board keeps showing calls and
//! nothing piles up. It tries the device again before an announcement at
//! most every [`SpeakerOptions::retry_every`], and says
//! [`SpeakerEvent::Restored`] when it comes back. A device that errors or
//! stops consuming samples mid-announcement (unplugged, say) is treated the
//! same way: the stall is noticed after the announcement's length plus
//! [`SpeakerOptions::stall_margin`].
//!
//! Events go to a callback the owner passes in, on the speaker thread; the
//! board's callback forwards them to its state and asks egui to repaint.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::num::NonZero;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rodio::buffer::SamplesBuffer;
use rodio::mixer::Mixer;
use rodio::source::SeekError;
use rodio::{ChannelCount, DeviceSinkBuilder, MixerDeviceSink, SampleRate, Source};

use crate::render::Pcm;

/// Identifies a queued announcement in [`SpeakerEvent`]s; assigned in
/// increasing order by [`Speaker::play`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnnouncementId(pub u64);

impl fmt::Display for AnnouncementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What the speaker reports, in the order it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeakerEvent {
    /// The announcement's first sample went to the device.
    Started(AnnouncementId),
    /// Its last sample went to the device.
    Finished(AnnouncementId),
    /// It was not (fully) played: the speaker is silent.
    NotPlayed(AnnouncementId),
    /// The speaker has no working device, and why. Said once per outage.
    Silent(String),
    /// The device works again after [`SpeakerEvent::Silent`].
    Restored,
}

/// Where the speaker sends sound: a rodio [`Mixer`] and whatever keeps it
/// flowing.
pub struct Output {
    /// Announcements are played into this.
    mixer: Mixer,
    /// The open device stream; dropping it stops the sound. `None` when the
    /// owner of the mixer drives it (tests, or rendering elsewhere).
    _device: Option<MixerDeviceSink>,
}

impl Output {
    /// An output into `mixer`, which the caller drains (a test standing in
    /// for a sound card, say).
    pub fn from_mixer(mixer: Mixer) -> Self {
        Self {
            mixer,
            _device: None,
        }
    }

    /// Opens the system's default output device (ALSA `default` on Linux),
    /// falling back to another configuration of it if the default one is
    /// refused. Stream errors later on are passed to `on_error`.
    ///
    /// # Errors
    /// Rodio's reason, as text, when there is no usable device.
    pub fn default_device(
        on_error: impl FnMut(rodio::cpal::Error) + Send + Clone + 'static,
    ) -> Result<Self, String> {
        let mut device = DeviceSinkBuilder::from_default_device()
            .map_err(|e| e.to_string())?
            .with_error_callback(on_error)
            .open_sink_or_fallback()
            .map_err(|e| e.to_string())?;
        // The speaker drops the device on purpose when it goes silent.
        device.log_on_drop(false);
        Ok(Self {
            mixer: device.mixer().clone(),
            _device: Some(device),
        })
    }
}

/// Opens the output; called on the speaker thread, at start and on retries.
pub type Opener = Box<dyn FnMut(DeviceErrors) -> Result<Output, String> + Send>;

/// Lets an output report a failing device to the speaker thread from the
/// audio thread.
#[derive(Clone)]
pub struct DeviceErrors(Sender<Message>);

impl DeviceErrors {
    /// Reports that the device failed; the speaker goes silent.
    pub fn report(&self, why: impl fmt::Display) {
        // The speaker may be shutting down; then nobody needs to know.
        let _ = self.0.send(Message::DeviceError(why.to_string()));
    }
}

/// Tuning of the speaker's reaction to a missing or failing device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeakerOptions {
    /// While silent, how often an announcement may try the device again.
    /// Opening a missing ALSA device is quick but not free, and a burst of
    /// calls should not each pay for it.
    pub retry_every: Duration,
    /// How much longer than its length an announcement may take before the
    /// device counts as stalled. Generous: audio threads get descheduled.
    pub stall_margin: Duration,
}

impl Default for SpeakerOptions {
    fn default() -> Self {
        Self {
            retry_every: Duration::from_secs(30),
            stall_margin: Duration::from_secs(5),
        }
    }
}

/// Plays announcements one after another on a thread of its own.
///
/// Dropping it stops the sound at once, drops what is still queued, and
/// joins the thread.
pub struct Speaker {
    /// Commands to the speaker thread; the audio thread uses a clone for the
    /// started and done callbacks. Unbounded: each entry is one call's audio,
    /// and calls come at human pace.
    commands: Sender<Message>,
    /// Numbering of announcements.
    next_id: u64,
    /// Joined on drop, so no sound outlives the speaker.
    thread: Option<JoinHandle<()>>,
}

/// What the speaker thread receives.
enum Message {
    Play(AnnouncementId, Pcm),
    Started(AnnouncementId),
    Done(AnnouncementId),
    DeviceError(String),
    Shutdown,
}

impl Speaker {
    /// Starts a speaker on the default audio device, reporting to
    /// `on_event`.
    ///
    /// # Errors
    /// Only when the thread cannot be spawned; a missing device is reported
    /// through `on_event` instead.
    pub fn spawn(
        options: SpeakerOptions,
        on_event: impl FnMut(SpeakerEvent) + Send + 'static,
    ) -> io::Result<Self> {
        let opener: Opener =
            Box::new(|errors: DeviceErrors| Output::default_device(move |e| errors.report(e)));
        Self::spawn_with(opener, options, on_event)
    }

    /// Starts a speaker on the output `open` gives, for tests and for
    /// boards that pick a device themselves.
    ///
    /// # Errors
    /// Only when the thread cannot be spawned.
    pub fn spawn_with(
        open: Opener,
        options: SpeakerOptions,
        on_event: impl FnMut(SpeakerEvent) + Send + 'static,
    ) -> io::Result<Self> {
        let (commands, inbox) = mpsc::channel();
        let worker = Worker {
            inbox,
            outbox: commands.clone(),
            open,
            on_event: Box::new(on_event),
            options,
            queue: VecDeque::new(),
            device: Device::Silent { last_try: None },
            playing: None,
        };
        let thread = std::thread::Builder::new()
            .name("banli-speaker".into())
            .spawn(move || worker.run())?;
        Ok(Self {
            commands,
            next_id: 1,
            thread: Some(thread),
        })
    }

    /// Queues `pcm` to play after everything queued before it.
    pub fn play(&mut self, pcm: Pcm) -> AnnouncementId {
        let id = AnnouncementId(self.next_id);
        self.next_id += 1;
        // The thread only ends on shutdown (or a panic, a bug it has
        // already reported); then there is nobody left to hear it.
        let _ = self.commands.send(Message::Play(id, pcm));
        id
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        let _ = self.commands.send(Message::Shutdown);
        if let Some(thread) = self.thread.take() {
            // A panic on the speaker thread is a bug; it was printed there.
            let _ = thread.join();
        }
    }
}

/// The device, as the speaker thread sees it.
enum Device {
    /// Playing into this output, held so the device stays open.
    Open(Output),
    /// No device. `last_try` paces the retries; `None` before the first
    /// try, when the owner has not been told anything yet.
    Silent { last_try: Option<Instant> },
}

/// The state of the speaker thread.
struct Worker {
    inbox: Receiver<Message>,
    /// Cloned into the sources, which report from the audio thread.
    outbox: Sender<Message>,
    open: Opener,
    on_event: Box<dyn FnMut(SpeakerEvent) + Send>,
    options: SpeakerOptions,
    /// Announcements waiting for their turn.
    queue: VecDeque<(AnnouncementId, Pcm)>,
    device: Device,
    /// The announcement in the mixer, if any: at most one, by construction.
    playing: Option<Playing>,
}

/// The announcement in the mixer.
struct Playing {
    id: AnnouncementId,
    /// When a device that has not finished it counts as stalled.
    deadline: Instant,
    /// Set to make its source end early (device lost, shutdown).
    cancel: Arc<AtomicBool>,
}

impl Worker {
    fn run(mut self) {
        self.open_device();
        loop {
            if self.playing.is_none() {
                self.start_next();
            }
            let message = match &self.playing {
                None => match self.inbox.recv() {
                    Ok(message) => message,
                    // Unreachable while `outbox` lives; stop anyway.
                    Err(_) => return,
                },
                Some(p) => {
                    let wait = p.deadline.saturating_duration_since(Instant::now());
                    match self.inbox.recv_timeout(wait) {
                        Ok(message) => message,
                        Err(RecvTimeoutError::Timeout) => {
                            let why = format!(
                                "the audio device stopped playing during announcement {}",
                                p.id
                            );
                            self.go_silent(why);
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            };
            match message {
                Message::Play(id, pcm) => self.queue.push_back((id, pcm)),
                Message::Started(id) => {
                    if self.is_playing(id) {
                        self.emit(SpeakerEvent::Started(id));
                    }
                }
                Message::Done(id) => {
                    // A late "done" from an announcement given up on is stale.
                    if self.is_playing(id) {
                        self.playing = None;
                        self.emit(SpeakerEvent::Finished(id));
                    }
                }
                Message::DeviceError(why) => {
                    if matches!(self.device, Device::Open(_)) {
                        self.go_silent(format!("the audio device failed: {why}"));
                    }
                }
                Message::Shutdown => {
                    if let Some(p) = self.playing.take() {
                        p.cancel.store(true, Ordering::Relaxed);
                    }
                    return;
                }
            }
        }
    }

    fn is_playing(&self, id: AnnouncementId) -> bool {
        self.playing.as_ref().is_some_and(|p| p.id == id)
    }

    fn emit(&mut self, event: SpeakerEvent) {
        (self.on_event)(event);
    }

    /// Tries the device; on failure stays or goes silent, telling the owner
    /// only if it had not been told already.
    fn open_device(&mut self) {
        let told = matches!(self.device, Device::Silent { last_try: Some(_) });
        match (self.open)(DeviceErrors(self.outbox.clone())) {
            Ok(output) => {
                self.device = Device::Open(output);
                if told {
                    self.emit(SpeakerEvent::Restored);
                }
            }
            Err(why) => {
                self.device = Device::Silent {
                    last_try: Some(Instant::now()),
                };
                if !told {
                    self.emit(SpeakerEvent::Silent(format!(
                        "no audio output: {why}; calls are shown but not spoken"
                    )));
                }
            }
        }
    }

    /// Drops the device after it failed or stalled: says why, and gives up
    /// on the announcement it was playing.
    fn go_silent(&mut self, why: String) {
        self.device = Device::Silent {
            last_try: Some(Instant::now()),
        };
        self.emit(SpeakerEvent::Silent(format!(
            "{why}; calls are shown but not spoken"
        )));
        if let Some(p) = self.playing.take() {
            p.cancel.store(true, Ordering::Relaxed);
            self.emit(SpeakerEvent::NotPlayed(p.id));
        }
    }

    /// Adds the next queued announcement to the mixer, answering
    /// [`SpeakerEvent::NotPlayed`] for those that meet a silent speaker.
    fn start_next(&mut self) {
        while let Some((id, pcm)) = self.queue.pop_front() {
            if let Device::Silent {
                last_try: Some(last_try),
            } = self.device
                && last_try.elapsed() >= self.options.retry_every
            {
                self.open_device();
            }
            let Device::Open(output) = &self.device else {
                self.emit(SpeakerEvent::NotPlayed(id));
                continue;
            };
            let Some(rate) = NonZero::new(pcm.sample_rate) else {
                // A rendering at rate 0 has nothing to play.
                self.emit(SpeakerEvent::Started(id));
                self.emit(SpeakerEvent::Finished(id));
                continue;
            };
            let cancel = Arc::new(AtomicBool::new(false));
            let deadline = Instant::now() + pcm.duration() + self.options.stall_margin;
            output.mixer.add(Tracked {
                inner: SamplesBuffer::new(NonZero::<u16>::MIN, rate, pcm.samples),
                id,
                outbox: Some(self.outbox.clone()),
                started: false,
                cancel: Arc::clone(&cancel),
            });
            self.playing = Some(Playing {
                id,
                deadline,
                cancel,
            });
            return;
        }
    }
}

/// An announcement's samples that tell the speaker thread when the audio
/// thread reaches their first sample and when it is past their last.
///
/// It keeps the samples' own span, rate and length, so the mixer converts
/// it exactly.
struct Tracked {
    inner: SamplesBuffer,
    id: AnnouncementId,
    /// Taken when "done" is sent, so it is sent once.
    outbox: Option<Sender<Message>>,
    started: bool,
    /// Set by the speaker thread to end it early.
    cancel: Arc<AtomicBool>,
}

impl Tracked {
    fn finish(&mut self) {
        if let Some(outbox) = self.outbox.take() {
            // The speaker may be shutting down; then nobody listens.
            let _ = outbox.send(Message::Done(self.id));
        }
    }
}

impl Iterator for Tracked {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if !self.started {
            self.started = true;
            if let Some(outbox) = &self.outbox {
                let _ = outbox.send(Message::Started(self.id));
            }
        }
        let sample = if self.cancel.load(Ordering::Relaxed) {
            None
        } else {
            self.inner.next()
        };
        if sample.is_none() {
            self.finish();
        }
        sample
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl Source for Tracked {
    fn current_span_len(&self) -> Option<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            return Some(0);
        }
        self.inner.current_span_len()
    }

    fn channels(&self) -> ChannelCount {
        self.inner.channels()
    }

    fn sample_rate(&self) -> SampleRate {
        self.inner.sample_rate()
    }

    fn total_duration(&self) -> Option<Duration> {
        self.inner.total_duration()
    }

    fn try_seek(&mut self, _: Duration) -> Result<(), SeekError> {
        Err(SeekError::NotSupported {
            underlying_source: "banli_board::speaker::Tracked",
        })
    }
}

impl Drop for Tracked {
    /// The mixer may drop a source it sees exhausted without asking it for
    /// one more sample; "done" is then sent here.
    fn drop(&mut self) {
        self.finish();
    }
}
