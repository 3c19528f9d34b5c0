//! The tamper-evident audit log (监督): each entry carries the hash of the
//! one before, `banli-server audit verify` checks the chain while the hall
//! serves and names the first entry that was changed, and `audit export`
//! gives supervisors the log with its hashes.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_banli-server");

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
