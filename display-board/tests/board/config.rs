//! `board.toml`: what is accepted, and errors that name the field.

use banli_board::ticker::TickerMode;
use std::path::Path;

use banli_board::announcer::Lang;
use banli_board::config::{BoardConfig, ConfigError, Mode};
use banli_core::ids::CounterId;

fn parse(text: &str) -> Result<BoardConfig, ConfigError> {
    BoardConfig::parse(text, Path::new("board.toml"))
}

#[test]
fn a_minimal_file_gets_defaults() {
    let c = parse("server = \"http://127.0.0.1:8080/\"\ntoken = \"abc\"\n").expect("valid");
    assert_eq!(c.server, "http://127.0.0.1:8080");
    assert_eq!(c.events_url(), "ws://127.0.0.1:8080/api/v1/events");
    assert_eq!(c.mode, Mode::Hall);
    assert_eq!(c.languages, [Lang::Zh]);
    assert!(c.filter.is_all());
}

#[test]
fn a_full_file() {
    let c = parse(
        r#"
server = "http://10.0.0.2:8080"
token = "dev_x"
mode = "counter"
counters = [5]
languages = ["zh", "en"]
repeat = 3
volume = 0.5
notice_speed = 60
ticker = "page"
max_announce_age_secs = 10
timezone = "Asia/Shanghai"
fullscreen = false
"#,
    )
    .expect("valid");
    assert_eq!(c.mode, Mode::Counter);
    assert_eq!(c.filter.counters, [CounterId(5)]);
    assert_eq!(c.languages, [Lang::Zh, Lang::En]);
    assert_eq!(c.repeat, 3);
    assert_eq!(c.ticker, TickerMode::Page);
}

#[test]
fn the_ticker_defaults_to_auto_and_refuses_other_words() {
    let c = parse("server = \"http://a:1\"\ntoken = \"t\"\n").expect("valid");
    assert_eq!(c.ticker, TickerMode::Auto);
    let e = parse("server = \"http://a:1\"\ntoken = \"t\"\nticker = \"fast\"\n")
        .expect_err("not a mode");
    let e = e.to_string();
    assert!(e.contains("ticker") && e.contains("fast"), "{e}");
}

#[test]
fn unknown_keys_are_refused_by_name() {
    let e =
        parse("server = \"http://a:1\"\ntoken = \"t\"\nvolum = 0.5\n").expect_err("unknown key");
    assert!(e.to_string().contains("volum"), "{e}");
}

#[test]
fn bad_values_name_every_field() {
    let e = parse(
        r#"
server = "https://x"
token = " "
mode = "counter"
languages = ["fr"]
repeat = 9
volume = 2.0
timezone = "Mars/Olympus"
font = "/nonexistent/font.otf"
"#,
    )
    .expect_err("invalid");
    let text = e.to_string();
    for field in [
        "server:",
        "token:",
        "languages:",
        "repeat:",
        "volume:",
        "counters:",
        "timezone:",
        "font:",
    ] {
        assert!(text.contains(field), "{field} missing from: {text}");
    }
}

#[test]
fn the_example_file_is_valid() {
    let text = include_str!("../../board.example.toml");
    parse(text).expect("board.example.toml parses and validates");
}
