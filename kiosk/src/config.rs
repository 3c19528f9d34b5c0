//! `kiosk.toml` (see `kiosk/kiosk.example.toml`): where the server is, the kiosk's token, its printer and
//! how the screen behaves. [`KioskConfig::load`] parses and validates it at
//! start, and every problem names its field, so whoever sets a kiosk up
//! can fix the file without reading code.
//!
//! ```toml
//! server_url = "http://10.0.0.2:8400"
//! device_token = "d_…"              # from the admin console (设备)
//! hall_name = "滨江区政务服务中心"    # printed at the top of the ticket
//! languages = ["zh", "en"]          # "zh" first; "en" adds the switch
//! idle_timeout_secs = 60            # back home, Chinese, normal text
//! admin_pin = "246810"              # 4–12 digits, for the settings screen
//! # progress_url = "{server}/t/{id}?code={code}"
//! # font_path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
//! # notice = "请留意叫号，过号需重新排队。"
//!
//! [printer]
//! transport = "serial"              # serial | tcp | device | file
//! path = "/dev/ttyUSB0"             # serial, device, file
//! # addr = "10.0.0.9:9100"          # tcp
//! baud = 9600
//! model = "default"                 # default | chinese_by_default
//! paper_mm = 80                     # 80 | 58
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::printer::TransportConfig;
use crate::state::Settings;
use crate::ticket_layout::{PaperWidth, PrinterModel};

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct KioskConfig {
    /// Server base URL, without a trailing slash.
    pub server_url: String,
    /// The kiosk's device token.
    pub device_token: String,
    /// Printed hall name.
    pub hall_name: String,
    /// Whether English is offered.
    pub english: bool,
    /// Idle time before the kiosk resets.
    pub idle_timeout: Duration,
    /// Staff PIN.
    pub admin_pin: String,
    /// Progress URL with `{id}` and `{code}` (and `{server}` resolved).
    pub progress_url: String,
    /// A CJK font to use instead of the embedded subset.
    pub font_path: Option<PathBuf>,
    /// The notice line on the ticket.
    pub notice: String,
    /// The printer's link.
    pub transport: TransportConfig,
    /// The printer's model.
    pub model: PrinterModel,
    /// Paper width.
    pub paper: PaperWidth,
}

/// Everything wrong with a `kiosk.toml`, one line per field.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    /// The file.
    pub path: String,
    /// `field: what is wrong`.
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not valid:", self.path)?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    server_url: Option<String>,
    device_token: Option<String>,
    #[serde(default)]
    hall_name: String,
    languages: Option<Vec<String>>,
    idle_timeout_secs: Option<u64>,
    admin_pin: Option<String>,
    progress_url: Option<String>,
    font_path: Option<PathBuf>,
    notice: Option<String>,
    printer: Option<RawPrinter>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrinter {
    transport: Option<String>,
    path: Option<PathBuf>,
    addr: Option<String>,
    baud: Option<u32>,
    model: Option<String>,
    paper_mm: Option<u32>,
}

impl KioskConfig {
    /// Reads and validates `path`.
    ///
    /// # Errors
    ///
    /// The file cannot be read, is not TOML, or has fields that are
    /// missing or wrong: all of them are listed.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: shown.clone(),
            problems: vec![format!("cannot read it: {e}")],
        })?;
        Self::parse(&shown, &text)
    }

    /// Parses and validates `text` (named `path` in errors).
    ///
    /// # Errors
    ///
    /// As [`KioskConfig::load`].
    pub fn parse(path: &str, text: &str) -> Result<Self, ConfigError> {
        let fail = |problems| ConfigError {
            path: path.to_owned(),
            problems,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| fail(vec![e.to_string()]))?;
        let mut bad = Vec::new();

        let server_url = match raw.server_url {
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                u.trim_end_matches('/').to_owned()
            }
            Some(u) => {
                bad.push(format!(
                    "server_url: {u:?} must start with http:// or https://"
                ));
                String::new()
            }
            None => {
                bad.push("server_url: missing (the server's address, http://host:port)".to_owned());
                String::new()
            }
        };
        let device_token = match raw.device_token {
            Some(t) if !t.trim().is_empty() => t.trim().to_owned(),
            _ => {
                bad.push("device_token: missing (issue one in the admin console)".to_owned());
                String::new()
            }
        };
        let languages = raw
            .languages
            .unwrap_or_else(|| vec!["zh".into(), "en".into()]);
        if languages.first().map(String::as_str) != Some("zh") {
            bad.push("languages: must start with \"zh\" (Chinese first)".to_owned());
        }
        for l in &languages {
            if l != "zh" && l != "en" {
                bad.push(format!("languages: {l:?} is not one of \"zh\", \"en\""));
            }
        }
        let idle = raw.idle_timeout_secs.unwrap_or(60);
        if !(10..=3600).contains(&idle) {
            bad.push(format!("idle_timeout_secs: {idle} is outside 10–3600"));
        }
        let admin_pin = raw.admin_pin.unwrap_or_default();
        if !(4..=12).contains(&admin_pin.len()) || !admin_pin.bytes().all(|b| b.is_ascii_digit()) {
            bad.push("admin_pin: use 4 to 12 digits (typed on the keypad)".to_owned());
        }
        let progress_url = raw
            .progress_url
            .unwrap_or_else(|| "{server}/t/{id}?code={code}".to_owned())
            .replace("{server}", &server_url);
        if !progress_url.contains("{id}") || !progress_url.contains("{code}") {
            bad.push("progress_url: must contain {id} and {code}".to_owned());
        }
        if let Some(f) = &raw.font_path
            && !f.is_file()
        {
            bad.push(format!("font_path: {} is not a readable file", f.display()));
        }

        let (transport, model, paper) = match raw.printer {
            None => {
                bad.push("printer: missing ([printer] with transport = …)".to_owned());
                (None, PrinterModel::default(), PaperWidth::Mm80)
            }
            Some(p) => printer(p, &mut bad),
        };
        match transport {
            Some(transport) if bad.is_empty() => Ok(KioskConfig {
                server_url,
                device_token,
                hall_name: raw.hall_name,
                english: languages.iter().any(|l| l == "en"),
                idle_timeout: Duration::from_secs(idle),
                admin_pin,
                progress_url,
                font_path: raw.font_path,
                notice: raw
                    .notice
                    .unwrap_or_else(|| "请留意叫号，过号需重新排队。".to_owned()),
                transport,
                model,
                paper,
            }),
            _ => Err(fail(bad)),
        }
    }

    /// The state's settings from this file.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::new(&self.hall_name, &self.progress_url);
        s.idle_timeout = self.idle_timeout;
        s.english = self.english;
        s.admin_pin = self.admin_pin.clone();
        s.ticket_context.notice = self.notice.clone();
        s.ticket_context.english = self.english;
        s.paper = self.paper;
        s.model = self.model.clone();
        s
    }
}

fn printer(
    p: RawPrinter,
    bad: &mut Vec<String>,
) -> (Option<TransportConfig>, PrinterModel, PaperWidth) {
    let need_path = |bad: &mut Vec<String>, kind: &str| match &p.path {
        Some(path) => Some(path.clone()),
        None => {
            bad.push(format!("printer.path: needed for transport = \"{kind}\""));
            None
        }
    };
    let transport = match p.transport.as_deref() {
        Some("serial") => need_path(bad, "serial").map(|path| TransportConfig::Serial {
            path,
            baud: p.baud.unwrap_or(9600),
        }),
        Some("tcp") => match &p.addr {
            Some(a) if a.contains(':') => Some(TransportConfig::Tcp { addr: a.clone() }),
            Some(a) => Some(TransportConfig::Tcp {
                addr: format!("{a}:9100"),
            }),
            None => {
                bad.push("printer.addr: needed for transport = \"tcp\" (host:port)".to_owned());
                None
            }
        },
        Some("device") => need_path(bad, "device").map(|path| TransportConfig::Device { path }),
        Some("file") => need_path(bad, "file").map(|path| TransportConfig::File { path }),
        Some(other) => {
            bad.push(format!(
                "printer.transport: {other:?} is not one of serial, tcp, device, file"
            ));
            None
        }
        None => {
            bad.push("printer.transport: missing (serial, tcp, device or file)".to_owned());
            None
        }
    };
    let model = match p.model.as_deref() {
        None | Some("default") => PrinterModel::default(),
        Some("chinese_by_default") => PrinterModel::chinese_by_default(),
        Some(other) => {
            bad.push(format!(
                "printer.model: {other:?} is not one of default, chinese_by_default"
            ));
            PrinterModel::default()
        }
    };
    let paper = match p.paper_mm {
        None | Some(80) => PaperWidth::Mm80,
        Some(58) => PaperWidth::Mm58,
        Some(other) => {
            bad.push(format!("printer.paper_mm: {other} is not 80 or 58"));
            PaperWidth::Mm80
        }
    };
    (transport, model, paper)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
server_url = "http://127.0.0.1:8400/"
device_token = "d_abc"
admin_pin = "2468"
[printer]
transport = "file"
path = "/tmp/ticket.bin"
"#;

    #[test]
    fn good_file_parses_with_defaults() {
        let c = KioskConfig::parse("k.toml", GOOD).expect("valid");
        assert_eq!(c.server_url, "http://127.0.0.1:8400");
        assert_eq!(c.progress_url, "http://127.0.0.1:8400/t/{id}?code={code}");
        assert!(c.english);
        assert_eq!(c.idle_timeout, Duration::from_secs(60));
        assert_eq!(c.paper, PaperWidth::Mm80);
    }

    #[test]
    fn every_problem_names_its_field() {
        let e = KioskConfig::parse(
            "k.toml",
            r#"
server_url = "10.0.0.2"
admin_pin = "12ab"
languages = ["en", "fr"]
idle_timeout_secs = 2
[printer]
transport = "usb"
paper_mm = 76
"#,
        )
        .expect_err("invalid");
        let text = e.to_string();
        for field in [
            "server_url:",
            "device_token:",
            "admin_pin:",
            "languages:",
            "idle_timeout_secs:",
            "printer.transport:",
            "printer.paper_mm:",
        ] {
            assert!(text.contains(field), "{field} missing in {text}");
        }
    }

    #[test]
    fn the_example_file_is_valid() {
        let c = KioskConfig::parse("kiosk.example.toml", include_str!("../kiosk.example.toml"))
            .expect("the example parses");
        assert!(matches!(
            c.transport,
            TransportConfig::Serial { baud: 115200, .. }
        ));
    }

    #[test]
    fn unknown_field_is_an_error() {
        let e = KioskConfig::parse("k.toml", &format!("colour = 1\n{GOOD}")).expect_err("bad");
        assert!(e.to_string().contains("colour"), "{e}");
    }
}
