//! What the crash campaign (`tests/crash.rs`) needs around the server: a
//! real `banli-server` process that can be killed (SIGKILL), stopped
//! (SIGTERM) and started again on the same data directory; a minimal
//! HTTP/1.1 client that tells a complete answer from a request cut off
//! by the kill; and a small seeded random generator, so that a failing
//! campaign can be run again with the same choices.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// Password of the `admin` account (`BANLI_ADMIN_PASSWORD`).
pub const ADMIN_PASSWORD: &str = "crash-test-admin";

/// A live server answers every request of the campaign in milliseconds;
/// one that has not answered in this long hangs, which is a failure, not
/// something to wait out.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);
/// Bound on a start: opening the database and replaying the journal since
/// the last snapshot (a few thousand events in this campaign).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Bound on a graceful stop: finishing requests and writing a snapshot.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// What became of one request.
#[derive(Debug)]
pub enum Reply {
    /// A complete answer: status and JSON body (`Null` when empty).
    Answered(u16, Value),
    /// Connected, but no complete answer came: the server died with the
    /// request in flight. It may or may not have been recorded.
    Lost,
    /// No connection: the server was already gone, so it never saw it.
    Refused,
}

/// One HTTP/1.1 request on its own connection (`Connection: close`, so a
/// kill affects only the requests in flight at that moment).
///
/// An answer counts only when it is complete: a status line, and a body
/// of exactly its `Content-Length` (or none at all) that parses.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    idempotency_key: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let exchange = async {
        let Ok(mut stream) = TcpStream::connect(addr).await else {
            return Reply::Refused;
        };
        let body = body.map(Value::to_string).unwrap_or_default();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let key = idempotency_key
            .map(|k| format!("Idempotency-Key: {k}\r\n"))
            .unwrap_or_default();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}{key}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(req.as_bytes()).await.is_err() {
            return Reply::Lost;
        }
        let mut raw = Vec::new();
        if stream.read_to_end(&mut raw).await.is_err() {
            return Reply::Lost;
        }
        parse_answer(&raw).map_or(Reply::Lost, |(status, value)| {
            Reply::Answered(status, value)
        })
    };
    tokio::time::timeout(ANSWER_TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| {
            panic!("{method} {path}: no answer within {ANSWER_TIMEOUT:?}: the server hangs")
        })
}

/// Status and body of a complete HTTP/1.1 answer; `None` if cut off.
fn parse_answer(raw: &[u8]) -> Option<(u16, Value)> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let body = &raw[split + 4..];
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    let length = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    match length {
        Some(n) if n != body.len() => return None,
        None if !body.is_empty() => return None,
        _ => {}
    }
    let value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(body).ok()?
    };
    Some((status, value))
}

/// A request the caller knows must be answered (the server is up and
/// nobody kills it meanwhile).
pub async fn must(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    match http(addr, method, path, token, None, body).await {
        Reply::Answered(status, value) => (status, value),
        other => panic!("{method} {path}: {other:?} from a server nobody killed"),
    }
}

/// A running `banli-server` process.
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

fn command(data: &Path, demo: bool) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_banli-server"));
    cmd.args([
        "--data",
        data.to_str().expect("utf-8 path"),
        "--listen",
        "127.0.0.1:0",
    ]);
    if demo {
        cmd.arg("--demo");
    }
    cmd.env("BANLI_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    cmd
}

impl ServerProcess {
    /// Starts the server on `data` (with the demo hall on the first start)
    /// and returns once it says where it listens.
    pub async fn start(data: &Path, demo: bool) -> Self {
        let mut child = command(data, demo)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start banli-server");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let listening = async {
            loop {
                let line = lines
                    .next_line()
                    .await
                    .expect("read the server's stdout")
                    .expect("banli-server exited before listening (its stderr is above)");
                if let Some(rest) = line.strip_prefix("Banli server listening on http://") {
                    break rest
                        .split_whitespace()
                        .next()
                        .expect("address")
                        .parse::<SocketAddr>()
                        .expect("socket address");
                }
            }
        };
        let addr = tokio::time::timeout(START_TIMEOUT, listening)
            .await
            .unwrap_or_else(|_| panic!("banli-server did not listen within {START_TIMEOUT:?}"));
        // Keep draining stdout (warnings are logged there) so that the
        // server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { child, addr }
    }

    /// Starts the server and kills it after `after`, while it is probably
    /// still opening the database and replaying the journal.
    pub async fn kill_while_starting(data: &Path, after: Duration) {
        let mut child = command(data, false)
            .stdout(Stdio::null())
            .spawn()
            .expect("start banli-server");
        // The kill moment is the point of this pause; nothing waits on it.
        tokio::time::sleep(after).await;
        child.start_kill().expect("kill -9");
        child.wait().await.expect("reaped");
    }

    /// SIGKILL: no chance to flush, close or say goodbye.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("kill -9");
        self.child.wait().await.expect("reaped");
    }

    /// SIGTERM: a graceful stop (finish requests, flush, snapshot).
    pub async fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().expect("the server is running");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("run kill(1)");
        assert!(sent.success(), "kill -TERM {pid}");
        tokio::time::timeout(STOP_TIMEOUT, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("banli-server did not stop within {STOP_TIMEOUT:?}"))
            .expect("reaped")
    }
}

/// SplitMix64: tiny, fast and good enough to choose actions. Written out
/// here rather than taken from `rand` so that a seed printed today still
/// replays the same choices after a `rand` upgrade.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An independent generator for one task, drawn from this one.
    pub fn fork(&mut self) -> Self {
        Self(self.next_u64())
    }
}

/// The campaign's seed: `BANLI_CRASH_SEED` to replay one, else the clock.
pub fn seed() -> u64 {
    match std::env::var("BANLI_CRASH_SEED") {
        Ok(s) => s.trim().parse().expect("BANLI_CRASH_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_nanos() as u64,
    }
}
