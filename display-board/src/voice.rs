//! Voice packs: folders of clips named by a manifest, decoded once at start.
//!
//! A pack is a folder with a `manifest.toml`:
//!
//! ```toml
//! language = "zh"          # which announcer language it speaks
//! sample_rate = 22050      # the rate its files are at (optional)
//! source = "espeak-ng …"   # where the clips come from (optional)
//! licence = "…"            # under which terms (optional)
//!
//! [clips]
//! qing = "qing.wav"        # clip name -> file, relative to the folder
//! ```
//!
//! The default packs under `assets/voice/` are made by
//! `display-board/voice/generate.sh`; a hall can drop in human recordings
//! with the same clip names, in WAV, FLAC, Ogg Vorbis or MP3, at any rate
//! and channel count. Every clip is decoded when the pack loads, mixed down
//! to mono and resampled to the voice's one rate, so announcing a call never
//! reads a file and a bad clip is found at start, not mid-announcement.
//!
//! A pack must hold every clip [`required_clips`] names for its language.
//! Loading checks them all and reports every unusable clip at once, by name
//! and file ([`VoiceError::Clips`]), so that a hall fixing its recordings
//! sees the whole list, not one clip per restart. Extra clips in a manifest
//! are ignored.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io;
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rodio::Source as _;
use rodio::buffer::SamplesBuffer;
use rodio::source::UniformSourceIterator;
use serde::Deserialize;

use crate::announcer::{ClipRef, Lang, required_clips};

/// The rate of the default packs, and of a voice whose manifests name none.
pub const DEFAULT_SAMPLE_RATE: u32 = 22_050;

/// The manifest's file name inside a pack folder.
pub const MANIFEST_FILE: &str = "manifest.toml";

/// Decoded audio: mono samples in `-1.0..=1.0`.
pub type Samples = Arc<[f32]>;

/// A pack's `manifest.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The language the pack speaks.
    pub language: Lang,
    /// The rate its files are recorded at; a voice renders at the highest
    /// rate among its packs, so a 44.1 kHz human pack is not downsampled.
    #[serde(default)]
    pub sample_rate: Option<u32>,
    /// Where the clips come from.
    #[serde(default)]
    pub source: Option<String>,
    /// Under which terms they may be used.
    #[serde(default)]
    pub licence: Option<String>,
    /// Clip name → file, relative to the pack folder.
    pub clips: BTreeMap<String, PathBuf>,
}

impl Manifest {
    /// Reads `dir/manifest.toml`.
    ///
    /// # Errors
    /// [`VoiceError::ReadManifest`] when the file cannot be read,
    /// [`VoiceError::ParseManifest`] when it is not a valid manifest,
    /// [`VoiceError::BadSampleRate`] for a zero or absurd rate.
    pub fn read(dir: &Path) -> Result<Self, VoiceError> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| VoiceError::ReadManifest {
            path: path.clone(),
            source,
        })?;
        let manifest: Manifest =
            toml::from_str(&text).map_err(|source| VoiceError::ParseManifest {
                path: path.clone(),
                source,
            })?;
        if let Some(rate) = manifest.sample_rate
            && !(8_000..=192_000).contains(&rate)
        {
            return Err(VoiceError::BadSampleRate { path, rate });
        }
        Ok(manifest)
    }
}

/// One language's clips, decoded.
#[derive(Debug, Clone)]
pub struct VoicePack {
    /// The folder it was loaded from, for messages.
    dir: PathBuf,
    /// Its manifest, kept for the source and licence notes.
    manifest: Manifest,
    /// Every required clip, mono at the voice's rate.
    clips: HashMap<&'static str, Samples>,
}

impl VoicePack {
    /// Loads the pack in `dir`, which must speak `lang`, decoding every clip
    /// [`required_clips`] names to mono at `sample_rate`.
    ///
    /// # Errors
    /// A manifest error (see [`Manifest::read`]),
    /// [`VoiceError::WrongLanguage`], or [`VoiceError::Clips`] listing every
    /// clip that is missing from the manifest, missing on disk, undecodable
    /// or empty.
    pub fn load(dir: &Path, lang: Lang, sample_rate: u32) -> Result<Self, VoiceError> {
        let manifest = Manifest::read(dir)?;
        Self::from_manifest(dir, manifest, lang, sample_rate)
    }

    fn from_manifest(
        dir: &Path,
        manifest: Manifest,
        lang: Lang,
        sample_rate: u32,
    ) -> Result<Self, VoiceError> {
        if manifest.language != lang {
            return Err(VoiceError::WrongLanguage {
                path: dir.join(MANIFEST_FILE),
                expected: lang,
                found: manifest.language,
            });
        }
        let rate = NonZero::new(sample_rate).ok_or(VoiceError::BadSampleRate {
            path: dir.join(MANIFEST_FILE),
            rate: sample_rate,
        })?;
        let mut clips = HashMap::new();
        let mut problems = Vec::new();
        for name in required_clips(lang) {
            let problem = |file: Option<PathBuf>, kind| ClipProblem {
                lang,
                name,
                file,
                kind,
            };
            let Some(file) = manifest.clips.get(name) else {
                problems.push(problem(None, ClipProblemKind::NotInManifest));
                continue;
            };
            let path = dir.join(file);
            match decode(&path, rate) {
                Ok(samples) if samples.is_empty() => {
                    problems.push(problem(Some(path), ClipProblemKind::Empty));
                }
                Ok(samples) => {
                    clips.insert(name, samples);
                }
                Err(kind) => problems.push(problem(Some(path), kind)),
            }
        }
        if !problems.is_empty() {
            return Err(VoiceError::Clips { problems });
        }
        Ok(Self {
            dir: dir.to_owned(),
            manifest,
            clips,
        })
    }

    /// The language it speaks.
    pub fn lang(&self) -> Lang {
        self.manifest.language
    }

    /// The folder it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its manifest (source and licence notes included).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// A decoded clip by name; `None` for a name no plan uses.
    pub fn clip(&self, name: &str) -> Option<&Samples> {
        self.clips.get(name)
    }
}

/// Decodes `path` to mono at `rate`: channels are averaged, then resampled.
fn decode(path: &Path, rate: NonZero<u32>) -> Result<Samples, ClipProblemKind> {
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ClipProblemKind::FileNotFound,
        _ => ClipProblemKind::Unreadable(e.to_string()),
    })?;
    let decoder =
        rodio::Decoder::try_from(file).map_err(|e| ClipProblemKind::Undecodable(e.to_string()))?;
    let channels = decoder.channels();
    let from_rate = decoder.sample_rate();
    let interleaved: Vec<f32> = decoder.collect();
    let width = usize::from(channels.get());
    let mono: Vec<f32> = interleaved
        .chunks_exact(width)
        .map(|frame| frame.iter().sum::<f32>() / f32::from(channels.get()))
        .collect();
    if from_rate == rate {
        return Ok(mono.into());
    }
    let mono_channel = NonZero::<u16>::MIN;
    let source = SamplesBuffer::new(mono_channel, from_rate, mono);
    Ok(UniformSourceIterator::new(source, mono_channel, rate)
        .collect::<Vec<f32>>()
        .into())
}

/// The packs a board speaks with, all decoded at one rate.
#[derive(Debug, Clone)]
pub struct Voice {
    /// Rate of every decoded clip, and so of every rendering.
    sample_rate: u32,
    /// One pack per language, in the order given.
    packs: Vec<VoicePack>,
}

impl Voice {
    /// Loads one pack per `(language, folder)`. The voice's rate is the
    /// highest `sample_rate` their manifests declare ([`DEFAULT_SAMPLE_RATE`]
    /// when none does); every clip is converted to it.
    ///
    /// # Errors
    /// The first manifest error, else [`VoiceError::Clips`] listing every
    /// unusable clip of every pack.
    pub fn load(packs: &[(Lang, &Path)]) -> Result<Self, VoiceError> {
        let manifests = packs
            .iter()
            .map(|&(_, dir)| Manifest::read(dir))
            .collect::<Result<Vec<_>, _>>()?;
        let sample_rate = manifests
            .iter()
            .filter_map(|m| m.sample_rate)
            .max()
            .unwrap_or(DEFAULT_SAMPLE_RATE);
        let mut loaded = Vec::new();
        let mut problems = Vec::new();
        for (&(lang, dir), manifest) in packs.iter().zip(manifests) {
            match VoicePack::from_manifest(dir, manifest, lang, sample_rate) {
                Ok(pack) => loaded.push(pack),
                Err(VoiceError::Clips { problems: more }) => problems.extend(more),
                Err(other) => return Err(other),
            }
        }
        if !problems.is_empty() {
            return Err(VoiceError::Clips { problems });
        }
        Ok(Self {
            sample_rate,
            packs: loaded,
        })
    }

    /// The rate of every clip.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The loaded packs.
    pub fn packs(&self) -> &[VoicePack] {
        &self.packs
    }

    /// The languages it can speak, in load order.
    pub fn langs(&self) -> Vec<Lang> {
        self.packs.iter().map(VoicePack::lang).collect()
    }

    /// A decoded clip, from the first pack of its language.
    pub fn clip(&self, clip: ClipRef) -> Option<&Samples> {
        self.packs
            .iter()
            .find(|p| p.lang() == clip.lang)
            .and_then(|p| p.clip(clip.name))
    }
}

/// Why a voice cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// The manifest file could not be read (no such folder, say).
    #[error("cannot read voice manifest {}: {source}", path.display())]
    ReadManifest {
        /// The manifest's path.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The manifest is not valid TOML or lacks a field.
    #[error("invalid voice manifest {}: {source}", path.display())]
    ParseManifest {
        /// The manifest's path.
        path: PathBuf,
        /// Where and why.
        source: toml::de::Error,
    },
    /// The pack speaks another language than the one it was loaded for
    /// (`--voice-zh` pointing at the English pack, say).
    #[error("voice pack {} speaks {found}, not {expected}", path.display())]
    WrongLanguage {
        /// The manifest's path.
        path: PathBuf,
        /// The language asked for.
        expected: Lang,
        /// The manifest's `language`.
        found: Lang,
    },
    /// The manifest's `sample_rate` is outside 8 000 to 192 000 Hz.
    #[error("voice manifest {} has sample_rate {rate}; expected 8000 to 192000", path.display())]
    BadSampleRate {
        /// The manifest's path.
        path: PathBuf,
        /// The rate it declares.
        rate: u32,
    },
    /// Clips a plan needs that cannot be used, every one of them.
    #[error("{}", ClipList(problems))]
    Clips {
        /// One entry per unusable clip, in pack and then manifest order.
        problems: Vec<ClipProblem>,
    },
}

/// One clip a pack cannot provide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipProblem {
    /// The pack's language.
    pub lang: Lang,
    /// The clip's name.
    pub name: &'static str,
    /// The file the manifest names, if it names one.
    pub file: Option<PathBuf>,
    /// What is wrong with it.
    pub kind: ClipProblemKind,
}

/// What is wrong with a clip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClipProblemKind {
    /// The manifest has no line for it.
    NotInManifest,
    /// The manifest names a file that does not exist.
    FileNotFound,
    /// The file exists but cannot be read.
    Unreadable(String),
    /// The file is not audio the board can decode.
    Undecodable(String),
    /// The file decodes to no samples at all.
    Empty,
}

impl fmt::Display for ClipProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} clip `{}`", self.lang, self.name)?;
        if let Some(file) = &self.file {
            write!(f, " ({})", file.display())?;
        }
        match &self.kind {
            ClipProblemKind::NotInManifest => {
                write!(
                    f,
                    ": not in the manifest (add `{} = \"FILE\"` under [clips])",
                    self.name
                )
            }
            ClipProblemKind::FileNotFound => f.write_str(": file not found"),
            ClipProblemKind::Unreadable(why) => write!(f, ": cannot read: {why}"),
            ClipProblemKind::Undecodable(why) => write!(f, ": cannot decode: {why}"),
            ClipProblemKind::Empty => f.write_str(": no audio in the file"),
        }
    }
}

/// Displays problems as a headline and one line each.
struct ClipList<'a>(&'a [ClipProblem]);

impl fmt::Display for ClipList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "voice pack incomplete: {n} clip{} unusable",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in self.0 {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_with_an_unknown_field_is_refused_with_its_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join(MANIFEST_FILE),
            "language = \"zh\"\nlanguge = \"en\"\n[clips]\n",
        )
        .expect("write manifest");
        let err = Manifest::read(dir.path()).expect_err("unknown field");
        assert!(matches!(err, VoiceError::ParseManifest { .. }), "{err}");
        assert!(err.to_string().contains("manifest.toml"), "{err}");
    }

    #[test]
    fn a_missing_folder_names_the_manifest() {
        let err = Manifest::read(Path::new("/nonexistent/voice")).expect_err("no folder");
        assert!(
            err.to_string().contains("/nonexistent/voice/manifest.toml"),
            "{err}"
        );
    }

    #[test]
    fn an_absurd_sample_rate_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join(MANIFEST_FILE),
            "language = \"en\"\nsample_rate = 0\n[clips]\n",
        )
        .expect("write manifest");
        let err = Manifest::read(dir.path()).expect_err("rate 0");
        assert!(
            matches!(err, VoiceError::BadSampleRate { rate: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn stereo_at_another_rate_becomes_mono_at_the_voice_rate() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("tone.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44_100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).expect("create wav");
        for _ in 0..44_100 {
            writer.write_sample(8192_i16).expect("left");
            writer.write_sample(0_i16).expect("right");
        }
        writer.finalize().expect("finish wav");
        let rate = NonZero::new(22_050).expect("non-zero");
        let samples = decode(&path, rate).expect("decodes");
        // One second at 22 050 Hz, give or take the resampler's edge.
        assert!(
            (22_000..=22_100).contains(&samples.len()),
            "{}",
            samples.len()
        );
        // Left at 0.25, right silent: the mono mix is their mean.
        let mid = samples[samples.len() / 2];
        assert!((mid - 0.125).abs() < 1e-3, "{mid}");
    }

    #[test]
    fn garbage_is_reported_as_undecodable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("qing.wav");
        std::fs::write(&path, b"not audio at all").expect("write");
        let rate = NonZero::new(22_050).expect("non-zero");
        assert!(matches!(
            decode(&path, rate),
            Err(ClipProblemKind::Undecodable(_))
        ));
    }
}
