//! The hall never stops: administrators' changes in the middle of a day,
//! commits that fail, a disk that fills up, a restart with the hall file.
//! Each test runs the real server (real SQLite file, real engine task) on
//! the demo hall with an injected clock.
//!
//! Faults are injected in the real database, not by a mock: a trigger
//! added from a second connection makes SQLite refuse some journal
//! inserts, and the disk-full test puts the database on a tiny tmpfs.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use banli_server::{HallSource, Server, Settings};
use common::{ADMIN_PASSWORD, Hall};
use serde_json::{Value, json};

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

async fn config(hall: &Hall) -> Value {
    let (s, c) = hall.get("/api/v1/admin/config", Some(&hall.admin)).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    c
}

async fn try_issue(hall: &Hall, service: &str) -> (StatusCode, Value) {
    hall.post(
        "/api/v1/tickets",
        Some(&hall.kiosk),
        json!({"service_id": service}),
    )
    .await
}

#[tokio::test]
async fn cancelling_a_ticket_answers_with_the_cancelled_ticket() {
    let hall = Hall::demo().await;
    let t = hall.issue("tax").await;
    let (s, v) = hall
        .post(
            &format!(
                "/api/v1/tickets/{}/cancel?code={}",
                t["id"],
                t["query_code"].as_str().unwrap()
            ),
            Some(&hall.kiosk),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "cancelled");
    assert_eq!(v["number"], "F001");
    // Cancelling again is refused plainly.
    let (s, v) = hall
        .post(
            &format!("/api/v1/tickets/{}/cancel", t["id"]),
            Some(&hall.admin),
            json!({}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_ticket"));
}

/// The story from the field, over HTTP: 税务 is removed once its tickets
/// are finished (its counters first) and added back the same afternoon,
/// with a restart in between. The next tax ticket continues the day's
/// numbers.
#[tokio::test]
async fn a_service_removed_and_re_added_keeps_its_numbers_across_a_restart() {
    let hall = Hall::demo().await;
    for _ in 0..3 {
        hall.issue("tax").await;
    }
    let staff8 = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    // Counter 8 calls on finish (auto_call): three calls serve all three.
    for _ in 0..3 {
        let (s, v) = hall
            .post("/api/v1/counters/8/call-next", Some(&staff8), json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = hall
        .post("/api/v1/counters/8/finish", Some(&staff8), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let before = config(&hall).await;
    let tax = before["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "tax")
        .unwrap()
        .clone();
    let c7 = before["counters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == 7)
        .unwrap()
        .clone();
    let mut c7_without = c7.clone();
    c7_without["services"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["service"] != "tax");
    let (s, v) = hall
        .put("/api/v1/admin/counters/7", Some(&hall.admin), c7_without)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c8 = before["counters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == 8)
        .unwrap()
        .clone();
    let (s, v) = hall
        .call(
            "DELETE",
            "/api/v1/admin/counters/8",
            Some(&hall.admin),
            None,
        )
        .await;
    assert!(s.is_success(), "{s} {v}");
    let (s, v) = hall
        .call(
            "DELETE",
            "/api/v1/admin/services/tax",
            Some(&hall.admin),
            None,
        )
        .await;
    assert!(s.is_success(), "{s} {v}");
    let (s, v) = try_issue(&hall, "tax").await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "unknown_service"));
    // The guide no longer links its tax items to a service that is gone.
    let (s, guide) = hall.get("/api/v1/guide", None).await;
    assert_eq!(s, StatusCode::OK);
    let tax_items: Vec<&Value> = guide["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["department"] == "tax")
        .collect();
    assert!(!tax_items.is_empty());
    assert!(
        tax_items.iter().all(|i| i["service_id"].is_null()),
        "{tax_items:?}"
    );
    // The department cannot go while guide items belong to it.
    let (s, v) = hall
        .call(
            "DELETE",
            "/api/v1/admin/departments/tax",
            Some(&hall.admin),
            None,
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::CONFLICT, "department_in_use"),
        "{v}"
    );
    assert!(
        v["message_zh"].as_str().unwrap().contains("办事指南"),
        "{v}"
    );

    let mut hall = hall.restart().await;
    hall.clock
        .advance(banli_core::jiff::SignedDuration::from_hours(3));
    // Idle for three hours, the administrator signs in again.
    hall.admin_again().await;
    let (s, v) = hall
        .put("/api/v1/admin/services/tax", Some(&hall.admin), tax)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for c in [c7, c8] {
        let (s, v) = hall
            .put(
                &format!("/api/v1/admin/counters/{}", c["id"]),
                Some(&hall.admin),
                c,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    assert_eq!(hall.issue("tax").await["number"], "F004");
    // A new prefix starts its own series; going back continues F.
    let mut cfg = config(&hall).await;
    for s in cfg["services"].as_array_mut().unwrap() {
        if s["id"] == "tax" {
            s["prefix"] = json!("T");
        }
    }
    let (s, v) = hall
        .put("/api/v1/admin/config", Some(&hall.admin), cfg.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(hall.issue("tax").await["number"], "T001");
    for s in cfg["services"].as_array_mut().unwrap() {
        if s["id"] == "tax" {
            s["prefix"] = json!("F");
            s["first_number"] = json!(1);
        }
    }
    let (s, v) = hall
        .put("/api/v1/admin/config", Some(&hall.admin), cfg)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(hall.issue("tax").await["number"], "F005");
}

/// A clerk marks a cashier ticket 过号, the administrator removes the
/// cashier service, the kiosk re-queues the no-show: a plain refusal, and
/// the hall goes on (this used to panic the engine task, after which every
/// route answered 503).
#[tokio::test]
async fn re_queueing_a_no_show_of_a_removed_service_is_refused_and_the_hall_goes_on() {
    let hall = Hall::demo().await;
    let t = hall.issue("cashier").await;
    let staff1 = hall
        .login("staff1", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    let (s, v) = hall
        .post("/api/v1/counters/1/call-next", Some(&staff1), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["counter"]["current"]["number"], "G001", "{v}");
    let (s, v) = hall
        .post("/api/v1/counters/1/no-show", Some(&staff1), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut cfg = config(&hall).await;
    cfg["services"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["id"] != "cashier");
    for c in cfg["counters"].as_array_mut().unwrap() {
        c["services"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["service"] != "cashier");
    }
    cfg["counters"]
        .as_array_mut()
        .unwrap()
        .retain(|c| !c["services"].as_array().unwrap().is_empty());
    let (s, v) = hall
        .put("/api/v1/admin/config", Some(&hall.admin), cfg)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = hall
        .post(
            &format!(
                "/api/v1/tickets/{}/requeue?code={}",
                t["id"],
                t["query_code"].as_str().unwrap()
            ),
            Some(&hall.kiosk),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::NOT_FOUND, "unknown_service"),
        "{v}"
    );
    assert!(v["message_zh"].as_str().is_some_and(|m| !m.is_empty()));
    let (s, _) = hall.get("/api/v1/health", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(hall.issue("tax").await["number"], "F001");
}

/// Takes a ticket through the router of `state` (a server the test opened
/// itself, or a request sent from a spawned task).
async fn issue_on(
    state: banli_server::AppState,
    kiosk: &str,
    service: &str,
) -> (StatusCode, Value) {
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/tickets")
        .header("authorization", format!("Bearer {kiosk}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"service_id": service}).to_string(),
        ))
        .unwrap();
    let resp = tower::ServiceExt::oneshot(banli_server::app(state), req)
        .await
        .unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice::<Value>(&body).unwrap())
}

/// Adds a trigger, from a second connection, that makes SQLite refuse to
/// journal the issue of a ticket for `service`.
fn fail_issues_of(db: &std::path::Path, service: &str) {
    let conn = rusqlite::Connection::open(db).expect("second connection");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    conn.execute_batch(&format!(
        "CREATE TRIGGER inject_fault BEFORE INSERT ON journal \
         WHEN NEW.kind = 'ticket_issued' AND NEW.body LIKE '%\"service_id\":\"{service}\"%' \
         BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
    ))
    .expect("trigger");
}

fn heal(db: &std::path::Path) {
    let conn = rusqlite::Connection::open(db).expect("second connection");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    conn.execute_batch("DROP TRIGGER inject_fault")
        .expect("drop trigger");
}

/// A commit that fails refuses only the command that cannot be recorded:
/// the rest of its batch is recorded, the refused issue takes no number,
/// /health tells the truth meanwhile, and issuing resumes by itself.
#[tokio::test]
async fn a_failed_commit_refuses_only_its_own_command() {
    let hall = Hall::demo().await;
    hall.issue("tax").await;
    let db = hall.dir.path().join("banli.db");
    fail_issues_of(&db, "tax");
    // Twenty requests at once, so that they share batches.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (state, kiosk) = (hall.state.clone(), hall.kiosk.clone());
        let service = if i % 2 == 0 { "tax" } else { "exit-entry" };
        tasks.push(tokio::spawn(async move {
            let (status, body) = issue_on(state, &kiosk, service).await;
            (service, status, body)
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        let (service, status, body) = t.await.unwrap();
        if service == "tax" {
            assert_eq!(
                (status, code(&body)),
                (StatusCode::SERVICE_UNAVAILABLE, "storage_failed"),
                "{body}"
            );
            assert!(body["message_zh"].as_str().is_some_and(|m| !m.is_empty()));
        } else {
            assert_eq!(status, StatusCode::CREATED, "{body}");
            numbers.push(body["number"].as_str().unwrap().to_owned());
        }
    }
    numbers.sort();
    let expected: Vec<String> = (1..=10).map(|n| format!("B{n:03}")).collect();
    assert_eq!(numbers, expected, "the rest of each batch was recorded");
    // Every command is counted by kind and result.
    let (s, metrics) = hall.get("/metrics", Some(&hall.admin)).await;
    assert_eq!(s, StatusCode::OK);
    let metrics = metrics.as_str().unwrap_or_default();
    assert!(
        metrics.contains(r#"banli_commands_total{kind="issue_ticket",result="storage_failed"} 10"#),
        "{metrics}"
    );
    // The hall as a whole works (other commits succeed), so /health says
    // so; a full disk, where no commit succeeds, answers 503 (below).
    let (s, v) = hall.get("/api/v1/health", None).await;
    assert_eq!((s, &v["storage"]), (StatusCode::OK, &json!(true)), "{v}");
    heal(&db);
    assert_eq!(
        hall.issue("tax").await["number"],
        "F002",
        "a refused issue took no number"
    );
    let (s, v) = hall.get("/api/v1/health", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Memory was never ahead of the journal: a restart has the same hall.
    let waiting = |v: &Value, id: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .map(|s| s["waiting"].clone())
    };
    let (_, before) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    let hall = hall.restart().await;
    let (_, after) = hall.get("/api/v1/services", Some(&hall.kiosk)).await;
    for id in ["tax", "exit-entry"] {
        assert_eq!(waiting(&before, id), waiting(&after, id), "{id}");
    }
    assert_eq!(waiting(&after, "tax"), Some(json!(2)));
    assert_eq!(waiting(&after, "exit-entry"), Some(json!(10)));
}

/// A tmpfs of a few megabytes, unmounted when dropped.
struct TinyDisk {
    dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount(megabytes: u32) -> Option<Self> {
        let dir = tempfile::tempdir().expect("mount point");
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Self { dir })
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// The disk fills up in the middle of the day: issuing is refused with a
/// clear message (never a panic, never a lost or repeated number), /health
/// says so, and issuing resumes by itself when space returns.
#[tokio::test]
async fn a_full_disk_gives_clear_refusals_and_issuing_resumes_by_itself() {
    // Needs root to mount a tmpfs (CI runs as root).
    let Some(disk) = TinyDisk::mount(8) else {
        assert!(
            !nix_is_root(),
            "root could not mount a tmpfs: the disk-full test cannot run"
        );
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let data = disk.dir.path().join("data");
    let clock = Arc::new(banli_server::clock::ManualClock::new(common::tuesday_10am()));
    let server = Server::open(
        Settings {
            data_dir: data.clone(),
            hall: HallSource::Demo,
            admin_password: Some(ADMIN_PASSWORD.into()),
            trusted_proxies: Vec::new(),
            tls: None,
        },
        Arc::clone(&clock) as Arc<dyn banli_server::clock::Clock>,
    )
    .await
    .expect("server opens");
    let state = server.state.clone();
    let saved = std::fs::read_to_string(data.join("demo-devices.toml")).unwrap();
    let kiosk = saved
        .lines()
        .find_map(|l| l.strip_prefix("kiosk_token = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_owned();
    let issue = |state: banli_server::AppState, kiosk: String| async move {
        issue_on(state, &kiosk, "tax").await
    };
    // Fill the disk.
    let filler = disk.dir.path().join("filler");
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    for _ in 0..20_000 {
        let (status, body) = issue(state.clone(), kiosk.clone()).await;
        match status {
            StatusCode::CREATED => acknowledged.push(body["number"].as_str().unwrap().to_owned()),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(code(&body), "storage_full", "{body}");
                assert!(
                    body["message_zh"]
                        .as_str()
                        .unwrap()
                        .contains("存储空间已满")
                );
                refused += 1;
                if refused >= 5 {
                    break;
                }
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(refused >= 5, "the disk never filled");
    let health = |state: banli_server::AppState| async move {
        let req = axum::http::Request::builder()
            .uri("/api/v1/health")
            .body(axum::body::Body::empty())
            .unwrap();
        tower::ServiceExt::oneshot(banli_server::app(state), req)
            .await
            .unwrap()
            .status()
    };
    assert_eq!(health(state.clone()).await, StatusCode::SERVICE_UNAVAILABLE);
    // Space returns: issuing resumes with no one restarting anything.
    std::fs::remove_file(&filler).unwrap();
    let (status, body) = issue(state.clone(), kiosk.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    acknowledged.push(body["number"].as_str().unwrap().to_owned());
    assert_eq!(health(state.clone()).await, StatusCode::OK);
    let expected: Vec<String> = (1..=acknowledged.len())
        .map(|n| format!("F{n:03}"))
        .collect();
    assert_eq!(acknowledged, expected, "no number lost or repeated");
    // And all of it is durable.
    server.shutdown().await;
    let server = Server::open(
        Settings {
            data_dir: data,
            hall: HallSource::Demo,
            admin_password: Some(ADMIN_PASSWORD.into()),
            trusted_proxies: Vec::new(),
            tls: None,
        },
        clock as Arc<dyn banli_server::clock::Clock>,
    )
    .await
    .expect("server reopens");
    let waiting = server.state.engine.view().read(|engine, _| {
        engine
            .queue(&"tax".into())
            .map(banli_core::engine::ServiceQueue::waiting)
    });
    assert_eq!(waiting, Some(acknowledged.len()));
    server.shutdown().await;
}

fn nix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// The hall file is imported into an empty hall; a restart with the same
/// file keeps what administrators changed in the console; a file that
/// would drop a service with tickets waiting never stops the server from
/// starting.
#[tokio::test]
async fn the_hall_file_is_imported_once_and_never_undoes_the_console() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let file = dir.path().join("hall.toml");
    std::fs::write(&file, banli_server::hall_file::DEMO_HALL).unwrap();
    let clock = Arc::new(banli_server::clock::ManualClock::new(common::tuesday_10am()));
    let open = |replace: bool| {
        let (dir, file, clock) = (Arc::clone(&dir), file.clone(), Arc::clone(&clock));
        async move {
            Server::open(
                Settings {
                    data_dir: dir.path().to_owned(),
                    hall: HallSource::File {
                        path: file,
                        replace,
                    },
                    admin_password: Some(ADMIN_PASSWORD.into()),
                    trusted_proxies: Vec::new(),
                    tls: None,
                },
                clock as Arc<dyn banli_server::clock::Clock>,
            )
            .await
        }
    };
    let tax_name = |server: &Server| {
        server.state.engine.view().read(|engine, _| {
            engine
                .config()
                .service(&"tax".into())
                .map(|s| s.name_zh.clone())
        })
    };
    let server = open(false).await.expect("first start imports the file");
    assert_eq!(tax_name(&server).as_deref(), Some("税务办理"));
    // An administrator renames the service in the console, and a ticket waits.
    let mut tax = server
        .state
        .engine
        .view()
        .read(|engine, _| engine.config().service(&"tax".into()).cloned())
        .unwrap();
    tax.name_zh = "税务综合".into();
    server
        .state
        .engine
        .command(banli_core::engine::Command::UpsertService {
            service: tax,
            actor: "admin".into(),
        })
        .await
        .unwrap();
    server
        .state
        .engine
        .command(banli_core::engine::Command::IssueTicket {
            service_id: "tax".into(),
            priority: None,
            appointment_code: None,
            idempotency_key: None,
            query_code: "123456".into(),
            actor: "kiosk".into(),
        })
        .await
        .unwrap();
    server.shutdown().await;
    // A restart with the same file keeps the console's change.
    let server = open(false).await.expect("restart");
    assert_eq!(tax_name(&server).as_deref(), Some("税务综合"));
    server.shutdown().await;
    // A file without the tax service, forced with --replace-config while a
    // tax ticket waits: refused (logged), and the server starts as it was.
    let without_tax = banli_server::hall_file::DEMO_HALL
        .replace("{ service = \"tax\", weight = 3 },", "")
        .replace(
            "services = [\n  { service = \"tax\" },\n]",
            "services = [\n  { service = \"exit-entry\" },\n]",
        );
    let start = without_tax
        .find("[[services]]\nid = \"tax\"")
        .expect("tax block");
    let end = start
        + without_tax[start..]
            .find("\n[[services]]\nid = \"cashier\"")
            .expect("next block");
    let without_tax = format!("{}{}", &without_tax[..start], &without_tax[end + 1..]);
    std::fs::write(&file, without_tax).unwrap();
    banli_server::hall_file::load_hall(&file).expect("the edited file is valid");
    let server = open(true)
        .await
        .expect("a refused replacement never stops the start");
    assert_eq!(tax_name(&server).as_deref(), Some("税务综合"));
    server.shutdown().await;
}

/// If the engine task ends anyway (a bug its panic handling did not
/// catch), the server does not limp: /health answers 503 and `serve`
/// returns an error, so the process exits and its supervisor restarts it
/// from the journal.
#[tokio::test]
async fn a_dead_engine_task_makes_health_fail_and_the_server_exit() {
    let hall = Hall::demo().await;
    let mut hall = hall;
    let server = hall.server.take().expect("server");
    let state = hall.state.clone();
    server.kill_engine_for_test();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let served = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        server.serve(listener, std::future::pending()),
    )
    .await
    .expect("serve returns by itself once the engine is gone");
    let err = served.expect_err("serve reports the dead engine");
    assert!(err.to_string().contains("engine"), "{err}");
    let req = axum::http::Request::builder()
        .uri("/api/v1/health")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(banli_server::app(state), req)
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
}

/// How many batches the engine task has decided (its batch-size histogram's
/// count): a decided batch is already queued on the storage thread.
async fn batches_decided(hall: &Hall) -> u64 {
    let (s, metrics) = hall.get("/metrics", Some(&hall.admin)).await;
    assert_eq!(s, StatusCode::OK);
    metrics
        .as_str()
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("banli_commit_batch_commands_count "))
        .and_then(|n| n.trim().parse().ok())
        .expect("batch count in /metrics")
}

async fn wait_for_batches(hall: &Hall, at_least: u64) {
    // Waits on a condition the server reports, not on time: each decided
    // batch is counted before its commit is queued.
    for _ in 0..10_000 {
        if batches_decided(hall).await >= at_least {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the engine did not decide {at_least} batches");
}

/// The engine decides the next batch the moment the one before it is
/// committed. A commit that fails while more requests wait for the disk
/// refuses only its own command: the waiting requests form the next batches
/// on the committed state, are all recorded, numbered without a hole, and
/// survive a restart (the journal has no gap).
#[tokio::test]
async fn a_failed_commit_while_more_requests_wait_for_the_disk() {
    let hall = Hall::demo().await;
    let db = hall.dir.path().join("banli.db");
    fail_issues_of(&db, "tax");
    // Hold SQLite's write lock from another connection: the storage thread
    // waits on it (busy timeout) with the first batch.
    let blocker = rusqlite::Connection::open(&db).expect("second connection");
    blocker
        .execute_batch("BEGIN IMMEDIATE")
        .expect("write lock");
    let before = batches_decided(&hall).await;
    let tax = {
        let (state, kiosk) = (hall.state.clone(), hall.kiosk.clone());
        tokio::spawn(async move { issue_on(state, &kiosk, "tax").await })
    };
    wait_for_batches(&hall, before + 1).await;
    let mut others = Vec::new();
    for _ in 0..5 {
        let (state, kiosk) = (hall.state.clone(), hall.kiosk.clone());
        others.push(tokio::spawn(async move {
            issue_on(state, &kiosk, "exit-entry").await
        }));
    }
    // They wait while the first batch holds the disk; let it go (and fail).
    blocker.execute_batch("ROLLBACK").expect("release");
    let (status, body) = tax.await.unwrap();
    assert_eq!(
        (status, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "storage_failed"),
        "{body}"
    );
    let mut numbers = Vec::new();
    for t in others {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        numbers.push(body["number"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=5).map(|n| format!("B{n:03}")).collect();
    assert_eq!(numbers, expected);
    heal(&db);
    assert_eq!(hall.issue("tax").await["number"], "F001");
    // The journal has no gap: a restart replays it into the same hall.
    let hall = hall.restart().await;
    assert_eq!(hall.issue("exit-entry").await["number"], "B006");
    assert_eq!(hall.issue("tax").await["number"], "F002");
}

/// The working-day calendar is part of the hall's configuration: the demo
/// hall ships the 2026 national calendar; administrators import a year as
/// text; a wrong line is named and changes nothing; the change is
/// journaled and survives a restart; staff and devices cannot change it.
#[tokio::test]
async fn the_working_day_calendar_is_imported_a_year_at_a_time_and_kept() {
    let hall = Hall::demo().await;
    let demo = banli_server::hall_file::parse_hall("demo", banli_server::hall_file::DEMO_HALL)
        .expect("demo");
    assert_eq!(demo.calendar, banli_core::calendar::WorkCalendar::cn_2026());
    let (s, v) = hall.get("/api/v1/admin/calendar", Some(&hall.admin)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["years"], json!([2026]));
    assert!(
        v["text"]
            .as_str()
            .unwrap()
            .contains("2026-02-15..2026-02-23 休 春节"),
        "{v}"
    );
    // A wrong line: named, in both languages, and nothing changes.
    let (s, e) = hall
        .put(
            "/api/v1/admin/calendar",
            Some(&hall.admin),
            json!({"text": "[2027]\n2027-01-01..2027-01-03 休 元旦\n2027-01-06 班 不是周末\n"}),
        )
        .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_calendar"),
        "{e}"
    );
    assert_eq!(e["fields"][0]["field"], "line 3", "{e}");
    assert!(
        e["message_zh"]
            .as_str()
            .is_some_and(|m| m.contains("未作任何更改"))
    );
    let (_, v) = hall.get("/api/v1/admin/calendar", Some(&hall.admin)).await;
    assert_eq!(v["years"], json!([2026]));
    // Next year's notice, imported: 2026 stays.
    let (s, v) = hall
        .put(
            "/api/v1/admin/calendar",
            Some(&hall.admin),
            json!({"text": "[2027]\n2027-01-01..2027-01-03 休 元旦\n2027-01-09 班 元旦调休\n"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["years"], json!([2026, 2027]));
    // Staff and kiosks may not.
    let staff = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    for token in [&staff, &hall.kiosk] {
        let (s, _) = hall
            .put(
                "/api/v1/admin/calendar",
                Some(token),
                json!({"text": "[2028]\n"}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    // Journaled with the configuration: a restart keeps it.
    let hall = hall.restart().await;
    let config = config(&hall).await;
    let calendar: banli_core::calendar::WorkCalendar =
        serde_json::from_value(config["calendar"].clone()).expect("calendar");
    assert!(calendar.covers(2027));
    let d = |s: &str| s.parse::<banli_core::jiff::civil::Date>().expect("date");
    assert!(!calendar.is_working_day(d("2027-01-02")));
    assert!(
        calendar.is_working_day(d("2027-01-09")),
        "a make-up Saturday"
    );
    assert!(!calendar.is_working_day(d("2026-10-05")));
}

/// While the hall runs, a snapshot is written in parts beside the commits
/// (a whole one held every commit behind it: BENCHMARKS.md). 21,000 events
/// that add nothing to memory (a counter paused for ever new reasons) make
/// one due; a stop waits for it and writes a whole one; and a restart from
/// the snapshot in parts alone gives the same hall.
#[tokio::test]
async fn a_snapshot_is_written_in_parts_while_the_hall_runs_and_restores_the_hall() {
    use banli_core::engine::{Command, Outcome};
    use banli_core::ids::CounterId;

    let hall = Hall::demo().await;
    let engine = hall.state.engine.clone();
    let counter = CounterId(1);
    // Kiosks' tickets with retry keys, kept in the snapshot as digests.
    let keyed = |i: u32| Command::IssueTicket {
        service_id: "tax".into(),
        priority: None,
        appointment_code: None,
        idempotency_key: Some(format!("tap-{i}")),
        query_code: format!("{i:06}"),
        actor: "kiosk-3".into(),
    };
    let mut issued = Vec::new();
    for i in 0..50 {
        match engine.command(keyed(i)).await.expect("issued").outcome {
            Outcome::Issued { ticket_id, .. } => issued.push(ticket_id),
            other => panic!("{other:?}"),
        }
    }
    engine
        .command(Command::Resume {
            counter_id: counter,
            actor: "clerk".into(),
        })
        .await
        .expect("open");
    for round in 0..21 {
        let mut pausing = tokio::task::JoinSet::new();
        for i in 0..1000 {
            let engine = engine.clone();
            pausing.spawn(async move {
                engine
                    .command(Command::Pause {
                        counter_id: counter,
                        reason: format!("break {round}-{i}"),
                        actor: "clerk".into(),
                    })
                    .await
            });
        }
        while let Some(paused) = pausing.join_next().await {
            paused.expect("task").expect("paused");
        }
    }
    let (before, seq) = engine
        .view()
        .read(|engine, seq| (engine.state().clone(), seq));
    assert!(seq >= 21_000, "{seq} events");
    let hall = hall.restart().await;

    let db = hall.dir.path().join("banli.db");
    let conn = rusqlite::Connection::open(&db).expect("second connection");
    let snapshots: Vec<(i64, i64)> = conn
        .prepare("SELECT seq, parts FROM snapshots ORDER BY seq")
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("snapshots");
    let [(in_parts, parts), (whole, 0)] = snapshots[..] else {
        panic!("one snapshot in parts while running, one whole at the stop: {snapshots:?}")
    };
    assert!(parts >= 1 && in_parts >= 20_000, "{snapshots:?}");
    assert_eq!(whole, i64::try_from(seq).expect("seq"));
    // Without the stop's snapshot, the one in parts and the journal after
    // it rebuild the same hall.
    conn.execute("DELETE FROM snapshots WHERE parts = 0", [])
        .expect("drop the whole snapshot");
    let store = banli_server::store::Store::open(&db).expect("store");
    let (mut rebuilt, rebuilt_seq) = store.load_engine().expect("loads");
    assert_eq!(rebuilt_seq, seq);
    assert_eq!(rebuilt.state(), &before);
    assert_eq!(before.idempotency.len(), 50);
    // A kiosk retrying gets its ticket from the rebuilt hall.
    let now = banli_server::clock::Clock::now(&*hall.clock);
    let retried = rebuilt.handle(now, keyed(7));
    assert_eq!(
        retried,
        Ok(Outcome::Issued {
            ticket_id: issued[7],
            replayed: true
        })
    );
    let (after, _) = hall
        .state
        .engine
        .view()
        .read(|engine, seq| (engine.state().clone(), seq));
    assert_eq!(after, before, "the restarted hall is the hall");
}
