//! The audit log (监督) as a hash chain: every entry carries the SHA-256 of
//! the one before it, and its own hash covers that and everything it says.
//! Changing an entry's text, removing an entry or inserting one breaks the
//! chain from there on, and [`verify`] names the first entry where it
//! breaks (`banli-server audit verify`).
//!
//! An entry's hash is SHA-256 over the previous entry's hash and the
//! entry's id, time, actor, action, target and detail, each field written
//! as its length (8 bytes, little-endian) and its UTF-8 bytes, so that no
//! two different entries encode the same. The first entry follows
//! [`GENESIS`]. Entries are only ever appended on the storage thread's one
//! connection (in the journal's group commit for configuration changes,
//! or on their own), so reading the last hash and appending are never
//! interleaved.
//!
//! Entries written before the chain existed (a database from an older
//! Banli) are sealed in id order when the database is upgraded: from then
//! on they cannot change unseen, but what happened to them before cannot
//! be proven.
//!
//! What the chain does not stop: someone with write access to the database
//! file who rewrites the whole chain from an entry on. Export the log (or
//! just the last hash) regularly to the supervisors: an exported hash that
//! is no longer in the chain shows the rewrite.

use rusqlite::{Connection, OptionalExtension as _, params};
use sha2::{Digest as _, Sha256};

use super::StoreError;

/// The "previous hash" of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry given the previous one's.
pub fn entry_hash(
    prev: &str,
    id: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for field in [
        prev.as_bytes(),
        &id.to_le_bytes(),
        &at_ms.to_le_bytes(),
        actor.as_bytes(),
        action.as_bytes(),
        target.as_bytes(),
        detail.as_bytes(),
    ] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field);
    }
    hex::encode(h.finalize())
}

fn last_hash(conn: &Connection) -> Result<String, StoreError> {
    Ok(conn
        .prepare_cached("SELECT hash FROM audit WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| r.get::<_, String>(0))
        .optional()?
        .unwrap_or_else(|| GENESIS.to_owned()))
}

/// Appends an entry to the chain (inside the caller's transaction, if any).
///
/// # Errors
/// When SQLite fails.
pub fn append(
    conn: &Connection,
    at_ms: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), StoreError> {
    let prev = last_hash(conn)?;
    conn.prepare_cached(
        "INSERT INTO audit (at_ms, actor, action, target, detail, prev_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![at_ms, actor, action, target, detail, prev])?;
    let id = conn.last_insert_rowid();
    let hash = entry_hash(&prev, id, at_ms, actor, action, target, detail);
    conn.prepare_cached("UPDATE audit SET hash = ?2 WHERE id = ?1")?
        .execute(params![id, hash])?;
    Ok(())
}

/// Seals entries written before the chain existed, in id order (see the
/// module doc). Run by the migration that adds the chain.
///
/// # Errors
/// When SQLite fails.
pub fn seal_unsealed(conn: &Connection) -> Result<u64, StoreError> {
    let rows: Vec<(i64, i64, String, String, String, String)> = conn
        .prepare("SELECT id, at_ms, actor, action, target, detail FROM audit WHERE hash IS NULL ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<Result<_, _>>()?;
    let mut prev = last_hash(conn)?;
    for (id, at_ms, actor, action, target, detail) in &rows {
        let hash = entry_hash(&prev, *id, *at_ms, actor, action, target, detail);
        conn.execute(
            "UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE id = ?1",
            params![id, prev, hash],
        )?;
        prev = hash;
    }
    Ok(rows.len() as u64)
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The first entry that does not check.
    pub id: i64,
    /// Why, in English.
    pub why: &'static str,
    /// Why, in Chinese.
    pub why_zh: &'static str,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Entries checked.
    pub entries: u64,
    /// The hash of the last entry (to give the supervisors), if any.
    pub last_hash: Option<String>,
    /// The first entry where the chain breaks, if it does.
    pub broken: Option<Broken>,
}

/// Checks the whole chain, oldest entry first, and names the first entry
/// that does not check: its content changed, or it does not follow the
/// entry before it (one was removed, inserted or reordered).
///
/// # Errors
/// When SQLite fails (or the database predates the chain).
pub fn verify(conn: &Connection) -> Result<Verified, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, at_ms, actor, action, target, detail, prev_hash, hash FROM audit ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_owned();
    let mut entries = 0;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let (at_ms, actor, action, target, detail): (i64, String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        let (prev_hash, hash): (Option<String>, Option<String>) = (r.get(6)?, r.get(7)?);
        entries += 1;
        let broken = |why, why_zh| Verified {
            entries,
            last_hash: None,
            broken: Some(Broken { id, why, why_zh }),
        };
        let (Some(prev_hash), Some(hash)) = (prev_hash, hash) else {
            return Ok(broken("the entry is not sealed", "该条目没有校验值"));
        };
        if prev_hash != prev {
            return Ok(broken(
                "it does not follow the entry before it (an entry was removed, inserted or reordered)",
                "与前一条目不衔接（有条目被删除、插入或调换）",
            ));
        }
        if entry_hash(&prev, id, at_ms, &actor, &action, &target, &detail) != hash {
            return Ok(broken(
                "its content was changed after it was written",
                "该条目内容在写入后被改动",
            ));
        }
        prev = hash;
    }
    Ok(Verified {
        entries,
        last_hash: (entries > 0).then_some(prev),
        broken: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().expect("db");
        conn.execute_batch(
            "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, actor TEXT NOT NULL,
             action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT, hash TEXT);",
        )
        .expect("schema");
        conn
    }

    fn fill(conn: &Connection, n: i64) {
        for i in 1..=n {
            append(
                conn,
                1_000 * i,
                "admin",
                "config",
                &format!("change {i}"),
                "",
            )
            .expect("append");
        }
    }

    #[test]
    fn an_untouched_chain_checks_and_each_kind_of_tampering_is_named_at_its_entry() {
        let conn = db();
        assert_eq!(verify(&conn).expect("verify").entries, 0);
        fill(&conn, 5);
        let ok = verify(&conn).expect("verify");
        assert_eq!((ok.entries, ok.broken), (5, None));
        assert_eq!(ok.last_hash.as_deref().map(str::len), Some(64));

        // A changed detail: that entry.
        conn.execute(
            "UPDATE audit SET detail = 'nothing happened' WHERE id = 3",
            [],
        )
        .expect("tamper");
        let v = verify(&conn).expect("verify");
        assert_eq!(v.broken.as_ref().map(|b| b.id), Some(3));
        assert!(v.broken.is_some_and(|b| b.why.contains("changed")));

        // A removed entry: the one after the gap.
        let conn = db();
        fill(&conn, 5);
        conn.execute("DELETE FROM audit WHERE id = 2", [])
            .expect("delete");
        let v = verify(&conn).expect("verify");
        assert_eq!(v.broken.as_ref().map(|b| b.id), Some(3));
        assert!(v.broken.is_some_and(|b| b.why.contains("follow")));

        // A rewritten entry with a recomputed hash of its own still does not
        // chain into the next one.
        let conn = db();
        fill(&conn, 4);
        let prev: String = conn
            .query_row("SELECT prev_hash FROM audit WHERE id = 2", [], |r| r.get(0))
            .expect("prev");
        let forged = entry_hash(&prev, 2, 2_000, "admin", "config", "nothing", "");
        conn.execute(
            "UPDATE audit SET target = 'nothing', hash = ?1 WHERE id = 2",
            [&forged],
        )
        .expect("forge");
        assert_eq!(verify(&conn).expect("verify").broken.map(|b| b.id), Some(3));

        // An entry without its seal.
        let conn = db();
        fill(&conn, 2);
        conn.execute("UPDATE audit SET hash = NULL WHERE id = 1", [])
            .expect("unseal");
        assert_eq!(verify(&conn).expect("verify").broken.map(|b| b.id), Some(1));
    }

    #[test]
    fn entries_from_before_the_chain_are_sealed_in_order_and_then_check() {
        let conn = db();
        for i in 1..=3 {
            conn.execute(
                "INSERT INTO audit (at_ms, actor, action, target, detail) VALUES (?1, 'admin', 'config', 'old', '')",
                [i],
            )
            .expect("old entry");
        }
        assert!(verify(&conn).expect("verify").broken.is_some());
        assert_eq!(seal_unsealed(&conn).expect("seal"), 3);
        fill(&conn, 2);
        let v = verify(&conn).expect("verify");
        assert_eq!((v.entries, v.broken), (5, None));
        assert_eq!(
            seal_unsealed(&conn).expect("seal"),
            0,
            "nothing left to seal"
        );
    }

    /// A database written before the chain (schema 3) is upgraded: its
    /// entries are sealed once, and the chain then checks; a seal removed
    /// later is not quietly restored by the next start.
    #[test]
    fn upgrading_an_older_database_seals_its_log_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("banli.db");
        {
            let conn = Connection::open(&path).expect("db");
            for sql in super::super::MIGRATIONS
                .iter()
                .take(super::super::AUDIT_CHAIN_MIGRATION)
            {
                conn.execute_batch(sql).expect("old schema");
            }
            conn.pragma_update(
                None,
                "user_version",
                super::super::AUDIT_CHAIN_MIGRATION as i64,
            )
            .expect("version");
            conn.execute(
                "INSERT INTO audit (at_ms, actor, action, target, detail) VALUES (1, 'admin', 'config', 'before', '')",
                [],
            )
            .expect("old entry");
        }
        let store = super::super::Store::open(&path).expect("upgrade");
        store
            .audit(2, "admin", "config", "after", "")
            .expect("append");
        let v = verify(&store.conn).expect("verify");
        assert_eq!((v.entries, v.broken), (2, None));
        store
            .conn
            .execute("UPDATE audit SET hash = NULL WHERE id = 1", [])
            .expect("unseal");
        drop(store);
        let store = super::super::Store::open(&path).expect("reopen");
        assert_eq!(
            verify(&store.conn).expect("verify").broken.map(|b| b.id),
            Some(1)
        );
    }

    #[test]
    fn fields_cannot_run_into_each_other() {
        // "ab" + "c" must not hash like "a" + "bc".
        assert_ne!(
            entry_hash(GENESIS, 1, 0, "ab", "c", "", ""),
            entry_hash(GENESIS, 1, 0, "a", "bc", "", "")
        );
    }
}
