//! Rendering: a [`Plan`] and a [`Voice`] become one buffer of samples.
//!
//! The same buffer is written to a WAV file (`banli-board say --out`) or
//! handed to the [`Speaker`](crate::speaker::Speaker), so what a hall hears is
//! exactly what `say` writes. Rendering is pure arithmetic over clips the
//! voice decoded at start: no file is read, only a few hundred thousand
//! samples copied, far inside the 300 ms the board has from event to sound.
//!
//! Layout of a rendering: the chime once, a pause, then the speech `repeat`
//! times with a longer gap between repetitions. Inside the speech, clips are
//! joined by a short word gap, and a [`Cue::Pause`] stands for a phrase break.
//! Volume is applied last, and samples are clamped to full scale.

use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::announcer::{ClipRef, Cue, Plan};
use crate::voice::Voice;

/// How an announcement is rendered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    /// Gain applied to every sample, from 0.0 (mute) to 1.0 (as recorded).
    pub volume: f32,
    /// How many times the speech is said after the one chime; 0 counts as 1.
    pub repeat: u32,
    /// Silence between two clips of a phrase. The default packs are trimmed
    /// to the sound, so this is the whole space between words.
    pub word_gap: Duration,
    /// Silence for a [`Cue::Pause`] and after the chime.
    pub pause: Duration,
    /// Silence between two repetitions of the speech.
    pub repeat_gap: Duration,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            volume: 1.0,
            repeat: 1,
            word_gap: Duration::from_millis(60),
            pause: Duration::from_millis(300),
            repeat_gap: Duration::from_millis(800),
        }
    }
}

/// Mono audio at one rate: a rendered announcement.
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    /// Samples per second.
    pub sample_rate: u32,
    /// Mono samples in `-1.0..=1.0`.
    pub samples: Vec<f32>,
}

impl Pcm {
    /// How long it plays.
    pub fn duration(&self) -> Duration {
        if self.sample_rate == 0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(self.samples.len() as f64 / f64::from(self.sample_rate))
    }

    /// Writes it as a 16-bit PCM mono WAV file, the format every player and
    /// PA system reads.
    ///
    /// # Errors
    /// [`RenderError::Write`] naming the file.
    pub fn write_wav_file(&self, path: &Path) -> Result<(), RenderError> {
        let write_error = |source| RenderError::Write {
            path: path.to_owned(),
            source,
        };
        let mut writer = hound::WavWriter::create(path, self.wav_spec()).map_err(write_error)?;
        self.write_samples(&mut writer).map_err(write_error)?;
        writer.finalize().map_err(write_error)
    }

    /// Writes it as a 16-bit PCM mono WAV stream into `out`.
    ///
    /// # Errors
    /// The writer's error, as [`hound::Error`].
    pub fn write_wav<W: Write + Seek>(&self, out: W) -> Result<(), hound::Error> {
        let mut writer = hound::WavWriter::new(out, self.wav_spec())?;
        self.write_samples(&mut writer)?;
        writer.finalize()
    }

    fn wav_spec(&self) -> hound::WavSpec {
        hound::WavSpec {
            channels: 1,
            sample_rate: self.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        }
    }

    fn write_samples<W: Write + Seek>(
        &self,
        writer: &mut hound::WavWriter<W>,
    ) -> Result<(), hound::Error> {
        let mut writer = writer.get_i16_writer(self.samples.len() as u32);
        for &s in &self.samples {
            // `as` saturates; the clamp keeps -1.0 from landing one past i16::MIN.
            writer.write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16);
        }
        writer.flush()
    }
}

/// Why an announcement cannot be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The plan names a clip the voice lacks: a pack for a language the
    /// plan speaks was not loaded.
    #[error("the voice has no clip {0} (is the {lang} pack loaded?)", lang = .0.lang)]
    UnknownClip(ClipRef),
    /// The volume is negative or not a number.
    #[error("volume {0} is not a number from 0.0 up")]
    BadVolume(f32),
    /// The WAV file cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: hound::Error,
    },
}

/// Renders `plan` with `voice`'s clips, laid out as the module doc says.
///
/// # Errors
/// [`RenderError::UnknownClip`] when the plan speaks a language the voice
/// has no pack for; [`RenderError::BadVolume`] for a negative or NaN volume.
pub fn render(voice: &Voice, plan: &Plan, options: &RenderOptions) -> Result<Pcm, RenderError> {
    let volume = options.volume;
    if !(volume.is_finite() && volume >= 0.0) {
        return Err(RenderError::BadVolume(volume));
    }
    let rate = voice.sample_rate();
    let silence = |d: Duration| (d.as_secs_f64() * f64::from(rate)).round() as usize;
    let clip = |c: ClipRef| voice.clip(c).ok_or(RenderError::UnknownClip(c));

    let mut out = Vec::new();
    if let Some(chime) = plan.chime {
        out.extend_from_slice(clip(chime)?);
        if !plan.speech.is_empty() {
            out.resize(out.len() + silence(options.pause), 0.0);
        }
    }
    for round in 0..options.repeat.max(1) {
        if plan.speech.is_empty() {
            break;
        }
        if round > 0 {
            out.resize(out.len() + silence(options.repeat_gap), 0.0);
        }
        let mut after_clip = false;
        for cue in &plan.speech {
            match *cue {
                Cue::Clip(c) => {
                    if after_clip {
                        out.resize(out.len() + silence(options.word_gap), 0.0);
                    }
                    out.extend_from_slice(clip(c)?);
                    after_clip = true;
                }
                Cue::Pause => {
                    out.resize(out.len() + silence(options.pause), 0.0);
                    after_clip = false;
                }
            }
        }
    }
    if volume != 1.0 {
        for s in &mut out {
            *s = (*s * volume).clamp(-1.0, 1.0);
        }
    }
    Ok(Pcm {
        sample_rate: rate,
        samples: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_round_trips_at_16_bits() {
        let pcm = Pcm {
            sample_rate: 8000,
            samples: vec![0.0, 0.5, -0.5, 1.0, -1.0, 2.0],
        };
        let mut bytes = std::io::Cursor::new(Vec::new());
        pcm.write_wav(&mut bytes).expect("write to memory");
        bytes.set_position(0);
        let mut reader = hound::WavReader::new(bytes).expect("valid wav");
        assert_eq!(reader.spec().channels, 1);
        assert_eq!(reader.spec().sample_rate, 8000);
        let read: Vec<i16> = reader
            .samples::<i16>()
            .collect::<Result<_, _>>()
            .expect("samples");
        assert_eq!(read, [0, 16384, -16384, 32767, -32767, 32767]);
    }

    #[test]
    fn duration_counts_samples() {
        let pcm = Pcm {
            sample_rate: 22_050,
            samples: vec![0.0; 11_025],
        };
        assert_eq!(pcm.duration(), Duration::from_millis(500));
    }
}
