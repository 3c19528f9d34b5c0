//! Command-line pieces every subcommand shares, and the small parsers clap
//! uses for them.

use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::api;
use crate::http::{Conn, Target};

/// Where the server is and how to get in as its administrator.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// The server's root URL.
    #[arg(long, value_name = "http://HOST:PORT")]
    pub url: String,
    /// An administrator account: the run registers its own kiosk and board
    /// devices and its staff account through the admin API.
    #[arg(long, default_value = "admin")]
    pub admin_user: String,
    /// That account's password (not needed by `issue --token`).
    #[arg(long, env = "BANLI_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Also print the result as one JSON line on stdout (the human summary
    /// goes to stderr either way).
    #[arg(long)]
    pub json: bool,
}

/// A connection to the server with an administrator logged in.
pub struct Session {
    /// The server.
    pub target: Target,
    /// A connection for setup and sequential calls.
    pub conn: Conn,
    /// The administrator's bearer token.
    pub admin_token: String,
    /// Names this run's devices and idempotency keys.
    pub run_tag: String,
}

impl Common {
    /// Connects and logs in as the administrator.
    ///
    /// # Errors
    /// When the server is unreachable or the login fails.
    pub async fn session(&self) -> Result<Session> {
        let password = self.admin_password.as_deref().context(
            "no administrator password: pass --admin-password or set BANLI_ADMIN_PASSWORD",
        )?;
        let target = Target::parse(&self.url)?;
        let mut conn = Conn::connect(&target).await?;
        let admin_token = api::admin_login(&mut conn, &self.admin_user, password).await?;
        let run_tag = api::random_hex()[..8].to_owned();
        Ok(Session {
            target,
            conn,
            admin_token,
            run_tag,
        })
    }
}

/// Parses `500ms`, `30s`, `1.5s`, `2m`, `1h` or a bare number of seconds.
///
/// # Errors
/// When the text is none of those.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 500ms, 30s, 2m or 1h"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {s:?}; use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{s:?}: {e}"))
}

/// Splits `a,b, c` into its non-empty, trimmed items.
pub fn parse_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 days").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn lists() {
        assert_eq!(parse_list("a, b,,c "), ["a", "b", "c"]);
        assert!(parse_list("").is_empty());
    }
}
