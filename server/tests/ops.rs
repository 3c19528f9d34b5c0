//! The hall's IT staff's operations, run as the real `banli-server`
//! binary against a hall that is serving on loopback: `backup` while
//! tickets are being issued, `restore` (checked, refused while a server
//! runs, never losing the data it replaces), `export --day`, and
//! `check-config`.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_banli-server");

fn run(args: &[&str], data: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("run banli-server")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn export_json(data: &Path, day: &str) -> Vec<Value> {
    let out = run(&["export", "--day", day, "--format", "json"], data);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("a JSON array")
}

/// A backup taken while the hall is serving and issuing tickets is a
/// consistent copy: restored into another data directory, it holds every
/// ticket the backup counted, numbered without gaps, its audit log checks,
/// and a server starts on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_into_a_second_hall_with_its_tickets() {
    let mut hall = common::Hall::demo().await;
    let (addr, stop, join) = hall.serve().await;
    let first = hall.issue("tax").await;
    let day = export_day(&hall);
    let data = hall.dir.path().to_path_buf();

    // Keep issuing tickets while the backup runs.
    let issuing = {
        let state = hall.state.clone();
        let kiosk = hall.kiosk.clone();
        tokio::spawn(async move {
            let mut n = 0;
            for _ in 0..60 {
                let req = axum::http::Request::post("/api/v1/tickets")
                    .header("authorization", format!("Bearer {kiosk}"))
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(
                        r#"{"service_id":"social-insurance"}"#,
                    ))
                    .expect("request");
                let resp = tower::ServiceExt::oneshot(banli_server::api::app(state.clone()), req)
                    .await
                    .expect("infallible");
                if resp.status() == axum::http::StatusCode::CREATED {
                    n += 1;
                }
            }
            n
        })
    };
    let backups = tempfile::tempdir().expect("tempdir");
    let file = backups.path().join("hall-backup.db");
    let out = tokio::task::spawn_blocking({
        let (data, file) = (data.clone(), file.clone());
        move || {
            Command::new(BIN)
                .args(["backup"])
                .arg(&file)
                .arg("--data")
                .arg(&data)
                .output()
                .expect("run")
        }
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.starts_with("backup written to "), "{said}");
    let issued = issuing.await.expect("join");
    assert_eq!(issued, 60, "the hall kept issuing while the backup ran");

    // A backup never overwrites.
    let again = run(&["backup", file.to_str().expect("path")], &data);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    // Restore into a second data directory and find the tickets there.
    let second = tempfile::tempdir().expect("tempdir");
    let out = run(&["restore", file.to_str().expect("path")], second.path());
    assert!(out.status.success(), "{}", text(&out));
    let restored = export_json(second.path(), &day);
    assert!(!restored.is_empty());
    assert_eq!(restored[0]["number"], first["number"], "{:?}", restored[0]);
    assert!(
        restored.iter().all(|t| t.get("query_code").is_none()),
        "the citizen's query code is not exported"
    );
    // Consistent: the tickets of one service are numbered without a gap
    // (a copy torn between two commits could hold a later ticket without
    // an earlier one).
    let social: Vec<u32> = restored
        .iter()
        .filter(|t| t["issued_service_id"] == "social-insurance")
        .map(|t| {
            t["number"].as_str().expect("number")[1..]
                .parse()
                .expect("digits")
        })
        .collect();
    for (i, n) in social.iter().enumerate() {
        assert_eq!(*n as usize, social[0] as usize + i, "{social:?}");
    }
    let live = export_json(&data, &day);
    assert_eq!(live.len(), 61, "the live hall has every ticket");
    assert!(restored.len() <= live.len());
    for (r, l) in restored.iter().zip(&live) {
        assert_eq!(r["number"], l["number"]);
    }
    let verify = run(&["audit", "verify"], second.path());
    assert!(verify.status.success(), "{}", text(&verify));

    // A server opens the restored hall and knows the first ticket.
    drop(hall);
    let _ = stop.send(());
    join.await.expect("stopped");
    let clock = std::sync::Arc::new(banli_server::clock::ManualClock::new(common::tuesday_10am()));
    let restored_hall =
        common::Hall::open(std::sync::Arc::new(second), std::sync::Arc::clone(&clock)).await;
    let id = first["id"].as_u64().expect("id");
    let code = first["query_code"].as_str().expect("query code");
    let (status, body) = restored_hall
        .get(&format!("/api/v1/tickets/{id}?code={code}"), None)
        .await;
    assert_eq!(status, axum::http::StatusCode::OK, "{body}");
    assert_eq!(body["number"], first["number"], "{body}");
    let _ = addr;
}

/// Restore checks the file before it changes anything, refuses while a
/// server is running on the data directory, and keeps the database it
/// replaces.
#[tokio::test]
async fn restore_refuses_a_running_hall_and_bad_files_and_keeps_what_it_replaces() {
    use tokio::io::AsyncBufReadExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut child = tokio::process::Command::new(BIN)
        .args(["--demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .env("BANLI_ADMIN_PASSWORD", "admin-password-1")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    while let Some(line) = lines.next_line().await.expect("read") {
        if line.starts_with("Banli server listening") {
            break;
        }
    }
    let backup = dir.path().join("b.db");
    let out = run(&["backup", backup.to_str().expect("path")], &data);
    assert!(out.status.success(), "{}", text(&out));

    // A second server on the same data directory is refused.
    let out = run(&["--listen", "127.0.0.1:0"], &data);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("another banli-server"),
        "{}",
        text(&out)
    );

    // While it runs, restore is refused, even with --replace.
    let before = std::fs::read(data.join("banli.db")).expect("db");
    let out = run(
        &["restore", backup.to_str().expect("path"), "--replace"],
        &data,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("systemctl stop"), "{}", text(&out));
    child.start_kill().expect("kill");
    child.wait().await.expect("exit");

    // Not a database, a damaged one, not Banli's: refused, nothing changed.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "this is not a database").expect("write");
    let mut damaged = std::fs::read(&backup).expect("backup");
    let middle = damaged.len() / 2;
    damaged[middle..middle + 4096].fill(0xA5);
    let damaged_file = dir.path().join("damaged.db");
    std::fs::write(&damaged_file, &damaged).expect("write");
    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .and_then(|c| c.execute_batch("CREATE TABLE t (x); PRAGMA user_version = 1;"))
        .expect("foreign");
    for (file, why) in [
        (&junk, "not an SQLite database"),
        (&damaged_file, "damaged"),
        (&foreign, "not a Banli database"),
    ] {
        let out = run(
            &["restore", file.to_str().expect("path"), "--replace"],
            &data,
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains(why), "{why}: {}", text(&out));
    }
    assert_eq!(
        std::fs::read(data.join("banli.db")).expect("db").len(),
        before.len()
    );

    // Stopped: without --replace the hall's database is not replaced.
    let out = run(&["restore", backup.to_str().expect("path")], &data);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--replace"), "{}", text(&out));
    // With it, the old database is kept beside the restored one.
    let out = run(
        &["restore", backup.to_str().expect("path"), "--replace"],
        &data,
    );
    assert!(out.status.success(), "{}", text(&out));
    let kept: Vec<_> = std::fs::read_dir(&data)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with("banli.db.before-restore-")
                && !n.ends_with("-wal")
                && !n.ends_with("-shm")
        })
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(text(&out).contains(&kept[0]), "{}", text(&out));
}

/// `export --day` gives the day's tickets as CSV (formulas neutralised, no
/// query codes) and refuses a day that is not a date; `check-config` is a
/// subcommand too.
#[tokio::test]
async fn export_gives_the_days_tickets_as_csv_and_check_config_names_the_line() {
    let hall = common::Hall::demo().await;
    let a = hall.issue("tax").await;
    let b = hall.issue("social-insurance").await;
    let day = export_day(&hall);
    let data = hall.dir.path();
    let out = run(&["export", "--day", &day], data);
    assert!(out.status.success(), "{}", text(&out));
    let csv = String::from_utf8(out.stdout).expect("utf8");
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    assert!(
        header.starts_with("id,business_day,number,service_id"),
        "{header}"
    );
    assert!(!header.contains("query_code"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows[0].contains(a["number"].as_str().expect("n")), "{csv}");
    assert!(rows[1].contains(b["number"].as_str().expect("n")), "{csv}");
    assert!(
        !csv.contains(a["query_code"].as_str().expect("code")),
        "{csv}"
    );
    // Another day: empty; not a date: refused in both languages.
    let out = run(&["export", "--day", "2001-01-01"], data);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let out = run(&["export", "--day", "yesterday"], data);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("日期格式"), "{}", text(&out));

    let file = hall.dir.path().join("hall.toml");
    let bad = banli_server::hall_file::DEMO_HALL.replacen("prefix = \"C\"", "prefx = \"C\"", 1);
    std::fs::write(&file, &bad).expect("write");
    let line = bad
        .lines()
        .position(|l| l.starts_with("prefx"))
        .expect("typo")
        + 1;
    let out = Command::new(BIN)
        .args(["check-config"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains(&format!("hall.toml:{line}:")) && text(&out).contains("prefx"),
        "{}",
        text(&out)
    );
}

fn export_day(hall: &common::Hall) -> String {
    hall.state
        .engine
        .view()
        .read(|engine, _| engine.day().map(|d| d.to_string()))
        .expect("a business day")
}
