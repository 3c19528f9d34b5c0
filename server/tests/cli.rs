//! The `banli-server` binary as an administrator uses it: a bad hall file
//! is refused with file, line and field; SIGTERM finishes cleanly and
//! keeps everything.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::process::Stdio;

mod common;

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_banli-server");

#[tokio::test]
async fn a_bad_hall_file_is_refused_with_file_line_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hall = dir.path().join("hall.toml");
    let demo = banli_server::hall_file::DEMO_HALL;
    // A typo'd key in the third service.
    let bad = demo.replacen("prefix = \"C\"", "prefx = \"C\"", 1);
    std::fs::write(&hall, &bad).expect("write");
    let line = bad
        .lines()
        .position(|l| l.starts_with("prefx"))
        .expect("typo")
        + 1;

    for args in [
        vec!["--check-config", hall.to_str().expect("path")],
        vec![
            "--config",
            hall.to_str().expect("path"),
            "--data",
            dir.path().join("data").to_str().expect("path"),
        ],
    ] {
        let out = Command::new(BIN)
            .args(&args)
            .env("BANLI_ADMIN_PASSWORD", "admin-password")
            .output()
            .await
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("hall.toml:{line}:")),
            "names the file and line: {err}"
        );
        assert!(err.contains("prefx"), "names the field: {err}");
    }

    // A semantic error: a counter serving a service that does not exist.
    let bad = demo.replacen("{ service = \"tax\" }", "{ service = \"taxes\" }", 1);
    std::fs::write(&hall, &bad).expect("write");
    let out = Command::new(BIN)
        .args(["--check-config", hall.to_str().expect("path")])
        .output()
        .await
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".service: no service \"taxes\""), "{err}");

    // The demo itself is fine.
    std::fs::write(&hall, demo).expect("write");
    let out = Command::new(BIN)
        .args(["--check-config", hall.to_str().expect("path")])
        .output()
        .await
        .expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK"));
}

#[tokio::test]
async fn sigterm_shuts_down_cleanly_and_keeps_the_hall() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("path").to_owned();
    let mut child = Command::new(BIN)
        .args(["--data", &data, "--demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut admin_password = None;
    let addr = loop {
        let line = lines
            .next_line()
            .await
            .expect("read")
            .expect("a listening line");
        if let Some(rest) = line.strip_prefix("Created the administrator account: admin / ") {
            admin_password = Some(rest.trim().to_owned());
        }
        if let Some(rest) = line.strip_prefix("Banli server listening on http://") {
            break rest.split_whitespace().next().expect("addr").to_owned();
        }
    };
    let password = admin_password.expect("the generated admin password is printed once");
    assert!(password.len() >= 12);

    let pid = child.id().expect("pid").to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().await.expect("exit");
    assert!(exit.success(), "SIGTERM is a clean shutdown: {exit:?}");
    let _ = addr;

    // A second start keeps the hall and the account, and prints no new password.
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        let mut child = Command::new(BIN)
            .args(["--data", &data, "--demo", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut seen = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            let done = line.starts_with("Banli server listening");
            seen.push(line);
            if done {
                break;
            }
        }
        let _ = child.start_kill();
        seen
    })
    .await
    .expect("second start");
    assert!(
        out.iter().all(|l| !l.contains("Created the administrator")),
        "{out:?}"
    );
    assert!(
        out.iter().all(|l| !l.contains("Demo device")),
        "demo devices are made once: {out:?}"
    );
}

/// The audit log is a hash chain: `banli-server audit verify` checks it
/// (while the server runs) and names the first entry that was changed;
/// `audit export` writes it with its hashes for the supervisors.
#[tokio::test]
async fn audit_verify_names_the_first_changed_entry_and_export_carries_the_hashes() {
    use serde_json::json;
    let hall = common::Hall::demo().await;
    // Administrators' changes: each is an audit entry.
    for (i, text) in [
        "请保管好随身物品",
        "投诉监督电话：12345",
        "今日出入境业务下午暂停",
    ]
    .iter()
    .enumerate()
    {
        let notices: Vec<_> = (0..=i).map(|_| json!({"text_zh": text})).collect();
        let (s, v) = hall
            .put("/api/v1/admin/notices", Some(&hall.admin), json!(notices))
            .await;
        assert_eq!(s, axum::http::StatusCode::OK, "{v}");
    }
    let data = hall.dir.path();
    let verify = || {
        std::process::Command::new(BIN)
            .args(["audit", "verify", "--data"])
            .arg(data)
            .output()
            .expect("run")
    };
    // Read only, while the server runs.
    let out = verify();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with("audit log OK: "), "{text}");
    let export = std::process::Command::new(BIN)
        .args(["audit", "export", "--data"])
        .arg(data)
        .output()
        .expect("run");
    let csv = String::from_utf8(export.stdout).expect("utf8");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,at_ms,actor,action,target,detail,prev_hash,hash")
    );
    let entries: Vec<&str> = lines.collect();
    assert!(entries.len() >= 3, "{csv}");
    assert!(
        entries.iter().all(|l| l.len() > 64 * 2),
        "each line carries its hashes"
    );
    // Someone edits an entry in the database file: verify names it.
    let victim: i64 = {
        let conn = rusqlite::Connection::open(data.join("banli.db")).expect("db");
        let id = conn
            .query_row(
                "SELECT id FROM audit WHERE action = 'config' ORDER BY id LIMIT 1 OFFSET 1",
                [],
                |r| r.get(0),
            )
            .expect("entry");
        conn.execute("UPDATE audit SET actor = 'nobody' WHERE id = ?1", [id])
            .expect("tamper");
        id
    };
    let out = verify();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("BROKEN at entry {victim}:")),
        "{text}"
    );
    assert!(text.contains("被改动"), "{text}");
}
