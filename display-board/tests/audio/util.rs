//! Shared helpers: the repo's voice packs and independent WAV decoding.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use banli_board::announcer::Lang;
use banli_board::voice::Voice;

/// The default pack of `lang`, as committed under `assets/voice`.
pub fn pack_dir(lang: Lang) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("assets")
        .join("voice")
        .join(lang.code())
}

/// Both default packs, Chinese first.
pub fn default_voice() -> Voice {
    let zh = pack_dir(Lang::Zh);
    let en = pack_dir(Lang::En);
    Voice::load(&[(Lang::Zh, &zh), (Lang::En, &en)]).expect("the committed packs load")
}

/// A 16-bit mono WAV read with hound, not rodio, as floats: a second opinion
/// on what the board decoded.
pub fn read_wav(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let mut reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("{} is a WAV file: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(spec.bits_per_sample, 16, "{}", path.display());
    let samples = reader
        .samples::<i16>()
        .map(|s| f32::from(s.expect("a sample")) / 32768.0)
        .collect();
    (spec, samples)
}

/// The clip file a default pack's manifest names.
pub fn clip_file(lang: Lang, name: &str) -> PathBuf {
    pack_dir(lang).join(format!("{name}.wav"))
}

/// Root mean square of `samples`.
pub fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
}

/// Waits for the next event, failing the test after a generous bound.
pub fn next<T>(events: &Receiver<T>) -> T {
    events
        .recv_timeout(Duration::from_secs(20))
        .expect("an event within 20 s")
}
