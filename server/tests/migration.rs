//! Upgrading keeps the data: every database written by an earlier release
//! (`server/tests/fixtures/schema-N/`, one per release, never edited) is
//! opened by the current code, migrated forward to the current schema, and
//! still holds its tickets (each found by its progress link, with its
//! status), staff accounts (their passwords still sign in; they have no
//! staff number and can be given one), audit log (the chain still checks,
//! no entry lost), and hall (the day's numbering goes on where it stopped).
//!
//! # Making the next fixture, at each release
//! Before tagging a release whose schema (`MIGRATIONS.len()`) is newer
//! than the newest fixture here, run on the release's commit:
//!
//! ```sh
//! BANLI_WRITE_FIXTURE=1 cargo test -p banli-server --test migration -- --ignored write_fixture
//! ```
//!
//! It writes `server/tests/fixtures/schema-<N>/` (the database, the demo
//! device tokens, and `expected.json`, what the test looks for). Commit it
//! as it is. Later branches that append migrations leave these files
//! alone; the test then proves their migrations carry every older release's
//! data forward.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::http::StatusCode;
use banli_server::clock::{Clock as _, ManualClock};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_banli-server");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every committed release fixture opens with the current code and keeps
/// everything it had.
#[tokio::test]
async fn every_earlier_releases_database_opens_migrated_with_everything_in_it() {
    let mut found = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures())
        .expect("server/tests/fixtures")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("banli.db").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        found += 1;
        check_fixture(&dir).await;
    }
    assert!(found >= 1, "no release fixture in {}", fixtures().display());
}

async fn check_fixture(fixture: &Path) {
    let name = fixture.display().to_string();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture.join("expected.json")).expect("expected.json"),
    )
    .expect("expected.json parses");
    let tmp = Arc::new(tempfile::tempdir().expect("tempdir"));
    for f in ["banli.db", "demo-devices.toml"] {
        std::fs::copy(fixture.join(f), tmp.path().join(f)).expect("copy fixture");
    }
    let old_schema = expected["schema"].as_i64().expect("schema");
    let before: i64 = rusqlite::Connection::open(tmp.path().join("banli.db"))
        .and_then(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
        .expect("user_version");
    assert_eq!(before, old_schema, "{name}: the fixture is as written");

    let at = expected["clock_ms"].as_i64().expect("clock_ms");
    let clock = Arc::new(ManualClock::new(
        banli_core::jiff::Timestamp::from_millisecond(at).expect("time"),
    ));
    // Opens, migrates and signs the administrator in with the old password.
    let hall = common::Hall::open(Arc::clone(&tmp), clock).await;
    let after: i64 = rusqlite::Connection::open(tmp.path().join("banli.db"))
        .and_then(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
        .expect("user_version");
    assert_eq!(
        after,
        banli_server::store::schema_version(),
        "{name}: migrated to the current schema"
    );

    // Every ticket: found by its progress link, with its number and status.
    let tickets = expected["tickets"].as_array().expect("tickets");
    assert!(tickets.len() >= 5, "{name}");
    for t in tickets {
        let (s, body) = hall
            .get(
                &format!(
                    "/api/v1/tickets/{}?code={}",
                    t["id"],
                    t["query_code"].as_str().expect("code")
                ),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: ticket {t}: {body}");
        assert_eq!(body["number"], t["number"], "{name}: {body}");
        assert_eq!(body["status"], t["status"], "{name}: {body}");
    }
    // Staff accounts sign in with their old passwords.
    for a in expected["accounts"].as_array().expect("accounts") {
        hall.login(
            a["username"].as_str().expect("user"),
            a["password"].as_str().expect("password"),
        )
        .await;
    }
    // Accounts from before staff numbers (工号) have none, and can be given
    // one (the new column and its unique index are in place).
    let (s, list) = hall.get("/api/v1/admin/staff", Some(&hall.admin)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let list = list.as_array().expect("accounts");
    assert!(!list.is_empty(), "{name}");
    for a in list {
        assert!(a["staff_no"].is_null(), "{name}: {a}");
    }
    let first = list[0]["username"].as_str().expect("username");
    let mut edit = json!({"display_name": list[0]["display_name"], "role": list[0]["role"],
        "counters": list[0]["counters"], "disabled": list[0]["disabled"], "staff_no": "M-001"});
    let (s, body) = hall
        .put(
            &format!("/api/v1/admin/staff/{first}"),
            Some(&hall.admin),
            edit.clone(),
        )
        .await;
    assert_eq!(
        (s, &body["staff_no"]),
        (StatusCode::OK, &json!("M-001")),
        "{name}: {body}"
    );
    if let Some(second) = list.get(1) {
        edit["display_name"] = second["display_name"].clone();
        edit["role"] = second["role"].clone();
        edit["counters"] = second["counters"].clone();
        edit["disabled"] = second["disabled"].clone();
        let (s, body) = hall
            .put(
                &format!(
                    "/api/v1/admin/staff/{}",
                    second["username"].as_str().expect("username")
                ),
                Some(&hall.admin),
                edit,
            )
            .await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("staff_no_taken")),
            "{name}: {body}"
        );
    }
    // The audit log: no entry lost, the chain checks.
    let (s, body) = hall
        .get("/api/v1/admin/audit?limit=500", Some(&hall.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let entries = body
        .as_array()
        .or_else(|| body["entries"].as_array())
        .expect("entries");
    for action in expected["audit_actions"].as_array().expect("audit") {
        assert!(
            entries.iter().any(|e| &e["action"] == action),
            "{name}: audit entry {action} kept: {body}"
        );
    }
    assert!(
        entries.len() as u64 >= expected["audit_entries"].as_u64().expect("n"),
        "{name}: {} audit entries, fewer than the release had",
        entries.len()
    );
    let verify = std::process::Command::new(BIN)
        .args(["audit", "verify", "--data"])
        .arg(tmp.path())
        .output()
        .expect("run");
    assert!(
        verify.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&verify.stdout)
    );
    // The hall goes on: the next tax ticket follows the last one issued.
    let next = hall.issue("tax").await;
    assert_eq!(
        next["number"], expected["next_tax_number"],
        "{name}: numbering continues"
    );
}

/// Writes the fixture of the current schema (see the module docs). Not
/// run by `cargo test`; the files it writes are committed at a release.
#[tokio::test]
#[ignore = "writes server/tests/fixtures/schema-N at a release"]
async fn write_fixture() {
    if std::env::var_os("BANLI_WRITE_FIXTURE").is_none() {
        eprintln!("set BANLI_WRITE_FIXTURE=1 to write the fixture");
        return;
    }
    let hall = common::Hall::demo().await;
    let mut tickets = Vec::new();
    for service in ["tax", "tax", "exit-entry", "tax", "social-insurance", "tax"] {
        tickets.push(hall.issue(service).await);
    }
    let staff8 = hall
        .login("staff8", banli_server::DEMO_STAFF_PASSWORD)
        .await;
    for path in ["call-next", "finish", "call-next", "no-show", "call-next"] {
        let (s, body) = hall
            .post(
                &format!("/api/v1/counters/8/{path}"),
                Some(&staff8),
                json!({}),
            )
            .await;
        assert!(s.is_success(), "{path}: {body}");
    }
    let (s, body) = hall
        .put(
            "/api/v1/admin/staff/wang",
            Some(&hall.admin),
            json!({"display_name": "王芳", "role": "staff", "counters": [8], "password": "fixture-pass-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = hall
        .put(
            "/api/v1/admin/notices",
            Some(&hall.admin),
            json!([{"text_zh": "请保管好随身物品"}]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let mut expected_tickets = Vec::new();
    for t in &tickets {
        let (s, body) = hall
            .get(
                &format!(
                    "/api/v1/tickets/{}?code={}",
                    t["id"],
                    t["query_code"].as_str().expect("code")
                ),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        expected_tickets.push(json!({
            "id": t["id"], "query_code": t["query_code"],
            "number": body["number"], "status": body["status"],
        }));
    }
    let (_, audit) = hall
        .get("/api/v1/admin/audit?limit=500", Some(&hall.admin))
        .await;
    let entries = audit
        .as_array()
        .or_else(|| audit["entries"].as_array())
        .cloned()
        .expect("entries");
    let mut actions: Vec<Value> = entries.iter().map(|e| e["action"].clone()).collect();
    actions.sort_by_key(|a| a.to_string());
    actions.dedup();
    let schema = banli_server::store::schema_version();
    let out = fixtures().join(format!("schema-{schema}"));
    std::fs::create_dir_all(&out).expect("mkdir");
    // A compact, WAL-free copy of exactly what the server committed.
    let clock_ms = hall.clock.now().as_millisecond();
    let db = hall.dir.path().join("banli.db");
    let dir = Arc::clone(&hall.dir);
    let mut hall = hall;
    if let Some(server) = hall.server.take() {
        server.shutdown().await;
    }
    let target = out.join("banli.db");
    let _ = std::fs::remove_file(&target);
    rusqlite::Connection::open(&db)
        .and_then(|c| c.execute("VACUUM INTO ?1", [target.to_str().expect("utf8")]))
        .expect("vacuum into");
    std::fs::copy(
        dir.path().join("demo-devices.toml"),
        out.join("demo-devices.toml"),
    )
    .expect("devices");
    // The number the next tax ticket must get, asked of the hall itself
    // after the fixture was written (a copy, so the fixture is untouched).
    let probe = Arc::new(tempfile::tempdir().expect("tempdir"));
    for f in ["banli.db", "demo-devices.toml"] {
        std::fs::copy(out.join(f), probe.path().join(f)).expect("copy");
    }
    let clock = Arc::new(ManualClock::new(
        banli_core::jiff::Timestamp::from_millisecond(clock_ms).expect("time"),
    ));
    let probe_hall = common::Hall::open(probe, clock).await;
    let next = probe_hall.issue("tax").await;
    let expected = json!({
        "schema": schema,
        "clock_ms": clock_ms,
        "tickets": expected_tickets,
        "accounts": [
            {"username": "wang", "password": "fixture-pass-1"},
            {"username": "staff8", "password": banli_server::DEMO_STAFF_PASSWORD},
        ],
        "audit_entries": entries.len(),
        "audit_actions": actions,
        "next_tax_number": next["number"],
    });
    std::fs::write(
        out.join("expected.json"),
        serde_json::to_string_pretty(&expected).expect("json") + "\n",
    )
    .expect("write expected.json");
    eprintln!("wrote {}", out.display());
}
