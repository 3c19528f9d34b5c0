//! The `banli-server` binary as an administrator uses it: a bad hall file
//! is refused with file, line and field; SIGTERM finishes cleanly and
//! keeps everything. (The audit commands: security_audit.rs.)

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
