//! Kill -9 under load: a real `banli-server` process takes tickets and
//! calls from concurrent clients and is killed without warning after a
//! few hundred acknowledgements. After a restart on the same database,
//! every acknowledged ticket and call is there, and ticket numbers are
//! neither duplicated nor skipped.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, Notify};

const ADMIN_PASSWORD: &str = "crash-test-admin";
const KILL_AFTER_ACKS: usize = 400;

/// One HTTP/1.1 request on its own connection; `None` when the server is gone.
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    if !head.to_ascii_lowercase().contains("content-length") && !body.is_empty() {
        return None; // Cut off mid-answer: not acknowledged.
    }
    let value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).ok()?
    };
    Some((status, value))
}

struct Running {
    child: Child,
    addr: SocketAddr,
}

async fn start(data: &Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_banli-server"))
        .args([
            "--data",
            data.to_str().expect("utf-8 path"),
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ])
        .env("BANLI_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start banli-server");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = loop {
        let line = lines
            .next_line()
            .await
            .expect("read stdout")
            .expect("the server says where it listens");
        if let Some(rest) = line.strip_prefix("Banli server listening on http://") {
            break rest
                .split_whitespace()
                .next()
                .expect("address")
                .parse()
                .expect("socket address");
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Running { child, addr }
}

async fn login(addr: SocketAddr, user: &str, password: &str) -> String {
    let (status, body) = http(
        addr,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&json!({"username": user, "password": password})),
    )
    .await
    .expect("login answered");
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

#[derive(Default)]
struct Acked {
    /// Ticket id → (service, number).
    tickets: BTreeMap<u64, (String, String)>,
    /// Ticket ids a counter was told it called.
    calls: HashSet<u64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path()).await;
    let addr = server.addr;
    let devices =
        std::fs::read_to_string(dir.path().join("demo-devices.toml")).expect("demo tokens");
    let kiosk = devices
        .lines()
        .find_map(|l| {
            l.strip_prefix("kiosk_token = \"")
                .map(|r| r.trim_end_matches('"').to_owned())
        })
        .expect("kiosk token");
    let staff = [
        login(addr, "staff8", banli_server::DEMO_STAFF_PASSWORD).await,
        login(addr, "staff6", banli_server::DEMO_STAFF_PASSWORD).await,
    ];

    let acked = Arc::new(Mutex::new(Acked::default()));
    let count = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (acked, count, enough, kiosk) =
            (acked.clone(), count.clone(), enough.clone(), kiosk.clone());
        tasks.push(tokio::spawn(async move {
            let services = ["tax", "business-setup", "social-insurance", "housing-fund"];
            for i in 0.. {
                let service = services[(worker + i) % services.len()];
                let Some((status, body)) = http(
                    addr,
                    "POST",
                    "/api/v1/tickets",
                    Some(&kiosk),
                    Some(&json!({"service_id": service})),
                )
                .await
                else {
                    return;
                };
                assert_eq!(status, 201, "{body}");
                let id = body["id"].as_u64().expect("id");
                acked.lock().await.tickets.insert(
                    id,
                    (
                        service.to_owned(),
                        body["number"].as_str().expect("number").to_owned(),
                    ),
                );
                if count.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER_ACKS {
                    enough.notify_one();
                }
            }
        }));
    }
    for (counter, token) in [(8, staff[0].clone()), (6, staff[1].clone())] {
        let acked = acked.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let path = format!("/api/v1/counters/{counter}/call-next");
                let Some((status, body)) =
                    http(addr, "POST", &path, Some(&token), Some(&json!({}))).await
                else {
                    return;
                };
                if status == 200 {
                    let id = body["counter"]["current"]["ticket_id"]
                        .as_u64()
                        .expect("called ticket");
                    acked.lock().await.calls.insert(id);
                } else {
                    assert_eq!(status, 204, "{body}");
                }
            }
        }));
    }
    enough.notified().await;
    let mut child = server.child;
    child.start_kill().expect("kill -9");
    child.wait().await.expect("reaped");
    for t in tasks {
        t.await.expect("client task");
    }
    let acked = Arc::try_unwrap(acked)
        .ok()
        .expect("tasks done")
        .into_inner();
    assert!(acked.tickets.len() >= KILL_AFTER_ACKS);
    assert!(!acked.calls.is_empty(), "calls were made under load");

    // Restart on the same database.
    let server = start(dir.path()).await;
    let addr = server.addr;
    let admin = login(addr, "admin", ADMIN_PASSWORD).await;
    for (id, (service, number)) in &acked.tickets {
        let (status, v) = http(
            addr,
            "GET",
            &format!("/api/v1/tickets/{id}"),
            Some(&admin),
            None,
        )
        .await
        .expect("answered");
        assert_eq!(status, 200, "acknowledged ticket {id} ({number}) is there");
        assert_eq!(
            (v["number"].as_str(), v["service_id"].as_str().is_some()),
            (Some(number.as_str()), true),
            "{service}"
        );
    }
    for id in &acked.calls {
        let (_, v) = http(
            addr,
            "GET",
            &format!("/api/v1/tickets/{id}"),
            Some(&admin),
            None,
        )
        .await
        .expect("answered");
        assert!(
            matches!(v["status"].as_str(), Some("called" | "finished")),
            "acknowledged call of {id} survived: {v}"
        );
    }

    // Every ticket the database holds (acknowledged or not), plus new ones:
    // per service, the numbers run 1, 2, 3… with no duplicate and no gap.
    for service in ["tax", "business-setup"] {
        let (status, _) = http(
            addr,
            "POST",
            "/api/v1/tickets",
            Some(&kiosk),
            Some(&json!({"service_id": service})),
        )
        .await
        .expect("answered");
        assert_eq!(status, 201);
    }
    let max_id = acked.tickets.keys().max().copied().unwrap_or(0) + 64;
    let mut numbers: HashMap<String, Vec<u32>> = HashMap::new();
    for id in 1..=max_id {
        let Some((200, v)) = http(
            addr,
            "GET",
            &format!("/api/v1/tickets/{id}"),
            Some(&admin),
            None,
        )
        .await
        else {
            continue;
        };
        let number = v["number"].as_str().expect("number");
        let prefix: String = number
            .chars()
            .take_while(char::is_ascii_uppercase)
            .collect();
        numbers
            .entry(prefix)
            .or_default()
            .push(number[1..].parse().expect("digits"));
    }
    for (prefix, mut list) in numbers {
        list.sort_unstable();
        let expected: Vec<u32> = (1..=list.len() as u32).collect();
        assert_eq!(
            list, expected,
            "numbers of {prefix} are unique and contiguous"
        );
    }
    drop(server);
}
