//! `board.toml`: how one board is set up, read and checked once at start.
//!
//! Unknown keys are refused (a misspelt `volum = 0.5` would otherwise be
//! ignored in silence), and every problem names its field, so whoever
//! installs the board can fix the file without reading code:
//!
//! ```toml
//! server = "http://10.0.0.2:8080"
//! token = "dev_…"               # the board's device token
//! mode = "hall"                 # or "counter"
//! zones = ["1F"]                # hall mode: only these zones (empty: all)
//! counters = [1, 2, 3]          # hall mode: only these counters; counter mode: exactly one
//! languages = ["zh", "en"]
//! repeat = 2
//! volume = 0.8
//! voice_zh = "assets/voice/zh"  # optional
//! voice_en = "assets/voice/en"  # optional
//! notice_speed = 80             # points per second (0: notices change in place)
//! ticker = "auto"               # "scroll", "page", or "auto": page when scrolling is costly
//! max_announce_age_secs = 30
//! font = "/usr/share/fonts/…"   # optional override of the embedded font
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use banli_core::ids::CounterId;
use serde::Deserialize;

use crate::announcer::Lang;
use crate::ticker::TickerMode;

/// What the board shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The hall's big screen: latest calls, waiting counts, notices.
    Hall,
    /// A small screen above one counter: its name and current number.
    Counter,
}

/// Which calls and counters a board shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Zones (floor or area) shown; empty means every zone.
    pub zones: Vec<String>,
    /// Counters shown; empty means every counter.
    pub counters: Vec<CounterId>,
}

impl Filter {
    /// Whether a counter (or a call to it) in `zone` is shown.
    pub fn admits(&self, counter: CounterId, zone: &str) -> bool {
        (self.zones.is_empty() || self.zones.iter().any(|z| z == zone))
            && (self.counters.is_empty() || self.counters.contains(&counter))
    }

    /// True when everything is shown.
    pub fn is_all(&self) -> bool {
        self.zones.is_empty() && self.counters.is_empty()
    }
}

/// The file as written; [`BoardConfig::parse`] checks it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    server: String,
    token: String,
    #[serde(default = "default_mode")]
    mode: Mode,
    #[serde(default)]
    zones: Vec<String>,
    #[serde(default)]
    counters: Vec<u32>,
    #[serde(default = "default_languages")]
    languages: Vec<String>,
    #[serde(default = "default_repeat")]
    repeat: u32,
    #[serde(default = "default_volume")]
    volume: f32,
    #[serde(default)]
    voice_zh: Option<PathBuf>,
    #[serde(default)]
    voice_en: Option<PathBuf>,
    #[serde(default = "default_notice_speed")]
    notice_speed: f32,
    #[serde(default)]
    ticker: TickerMode,
    #[serde(default = "default_max_age")]
    max_announce_age_secs: u64,
    #[serde(default)]
    font: Option<PathBuf>,
    #[serde(default = "default_timezone")]
    timezone: String,
    #[serde(default = "default_fullscreen")]
    fullscreen: bool,
}

fn default_mode() -> Mode {
    Mode::Hall
}
fn default_languages() -> Vec<String> {
    vec!["zh".into()]
}
fn default_repeat() -> u32 {
    2
}
fn default_volume() -> f32 {
    1.0
}
fn default_notice_speed() -> f32 {
    80.0
}
fn default_max_age() -> u64 {
    30
}
fn default_timezone() -> String {
    "Asia/Shanghai".into()
}
fn default_fullscreen() -> bool {
    true
}

/// A checked board configuration.
#[derive(Debug, Clone)]
pub struct BoardConfig {
    /// Base URL of the server: `http://host:port` (plain HTTP; the board
    /// derives `ws://host:port/api/v1/events` from it).
    pub server: String,
    /// The board's device token, sent as `Authorization: Bearer`.
    pub token: String,
    /// Hall or counter screen.
    pub mode: Mode,
    /// Zones and counters shown.
    pub filter: Filter,
    /// Languages spoken, in order.
    pub languages: Vec<Lang>,
    /// How many times the words are said after the chime (1 to 5).
    pub repeat: u32,
    /// Volume, 0.0 to 1.0.
    pub volume: f32,
    /// Chinese voice pack folder, when not the default.
    pub voice_zh: Option<PathBuf>,
    /// English voice pack folder, when not the default.
    pub voice_en: Option<PathBuf>,
    /// Notice ticker speed in points per second.
    pub notice_speed: f32,
    /// Whether notices scroll, page, or choose by cost (see [`crate::ticker`]).
    pub ticker: TickerMode,
    /// Calls older than this when they reach the board are shown, not
    /// spoken; age is by the server's clock (see [`crate::server_clock`]).
    pub max_announce_age: Duration,
    /// A font file that replaces the embedded Noto Sans SC subset.
    pub font: Option<PathBuf>,
    /// The hall's time zone, for the clock.
    pub timezone: jiff::tz::TimeZone,
    /// Whether the window covers the screen.
    pub fullscreen: bool,
}

/// A `board.toml` that cannot be used, with every problem found.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not TOML, a missing or unknown key, or a value of the wrong type;
    /// the message names the key and line.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The TOML parser's message.
        message: String,
    },
    /// Values that parse but make no sense, one line per field.
    #[error("{path}: invalid configuration:\n{}", .problems.join("\n"))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// `field: what is wrong`, one per problem.
        problems: Vec<String>,
    },
}

impl BoardConfig {
    /// Reads and checks `path`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and each bad field.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Checks the TOML `text`; `path` is only used in messages.
    ///
    /// # Errors
    /// [`ConfigError::Syntax`] or [`ConfigError::Invalid`].
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let mut problems = Vec::new();
        let server = raw.server.trim().trim_end_matches('/').to_owned();
        if !server.starts_with("http://") || server.len() <= "http://".len() {
            problems.push(format!(
                "server: {:?} is not an http:// URL such as \"http://10.0.0.2:8080\" \
                 (https is not supported by the board yet)",
                raw.server
            ));
        }
        if raw.token.trim().is_empty() {
            problems.push("token: empty; use the board token an administrator issued".into());
        }
        let mut languages = Vec::new();
        for l in &raw.languages {
            match l.parse::<Lang>() {
                Ok(lang) => languages.push(lang),
                Err(e) => problems.push(format!("languages: {e}")),
            }
        }
        if !(1..=5).contains(&raw.repeat) {
            problems.push(format!("repeat: {} is not from 1 to 5", raw.repeat));
        }
        if !(0.0..=1.0).contains(&raw.volume) {
            problems.push(format!("volume: {} is not from 0.0 to 1.0", raw.volume));
        }
        if !(raw.notice_speed.is_finite() && (0.0..=1000.0).contains(&raw.notice_speed)) {
            problems.push(format!(
                "notice_speed: {} is not from 0 to 1000 points per second",
                raw.notice_speed
            ));
        }
        if raw.max_announce_age_secs > 24 * 3600 {
            problems.push(format!(
                "max_announce_age_secs: {} is more than a day",
                raw.max_announce_age_secs
            ));
        }
        if raw.zones.iter().any(|z| z.trim().is_empty()) {
            problems.push("zones: contains an empty name".into());
        }
        if raw.mode == Mode::Counter && raw.counters.len() != 1 {
            problems.push(format!(
                "counters: counter mode shows exactly one counter, {} given",
                raw.counters.len()
            ));
        }
        for (field, dir) in [("voice_zh", &raw.voice_zh), ("voice_en", &raw.voice_en)] {
            if let Some(dir) = dir
                && !dir.is_dir()
            {
                problems.push(format!("{field}: {} is not a folder", dir.display()));
            }
        }
        if let Some(font) = &raw.font
            && !font.is_file()
        {
            problems.push(format!("font: {} is not a file", font.display()));
        }
        let timezone = match jiff::tz::TimeZone::get(&raw.timezone) {
            Ok(tz) => tz,
            Err(e) => {
                problems.push(format!("timezone: {:?}: {e}", raw.timezone));
                jiff::tz::TimeZone::UTC
            }
        };
        if !problems.is_empty() {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                problems,
            });
        }
        Ok(Self {
            server,
            token: raw.token.trim().to_owned(),
            mode: raw.mode,
            filter: Filter {
                zones: raw.zones,
                counters: raw.counters.into_iter().map(CounterId).collect(),
            },
            languages,
            repeat: raw.repeat,
            volume: raw.volume,
            voice_zh: raw.voice_zh,
            voice_en: raw.voice_en,
            notice_speed: raw.notice_speed,
            ticker: raw.ticker,
            max_announce_age: Duration::from_secs(raw.max_announce_age_secs),
            font: raw.font,
            timezone,
            fullscreen: raw.fullscreen,
        })
    }

    /// `ws://host:port/api/v1/events`.
    pub fn events_url(&self) -> String {
        format!(
            "ws://{}/api/v1/events",
            self.server.trim_start_matches("http://")
        )
    }
}
