//! The service guide (办事指南): one row per item, in display order, each a
//! JSON document of [`GuideItem`]. It is small and read whole.

use banli_core::guide::{Guide, GuideItem};
use rusqlite::params;

use super::{Store, StoreError};

impl Store {
    /// The whole guide, in display order.
    ///
    /// # Errors
    /// When SQLite fails or a stored item does not parse.
    pub fn guide(&self) -> Result<Guide, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body FROM guide_items ORDER BY position, id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut items = Vec::new();
        for row in rows {
            let (id, body) = row?;
            items.push(
                serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(format!("guide item {id}: {e}")))?,
            );
        }
        Ok(Guide { items })
    }

    /// Adds an item at the end, or replaces the one with its id in place.
    /// Returns true when it was added.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn guide_put(&mut self, item: &GuideItem) -> Result<bool, StoreError> {
        let body = serde_json::to_string(item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.conn.transaction()?;
        let updated = tx.execute(
            "UPDATE guide_items SET body = ?2 WHERE id = ?1",
            params![item.id, body],
        )?;
        if updated == 0 {
            tx.execute(
                "INSERT INTO guide_items (id, position, body)
                 VALUES (?1, (SELECT COALESCE(MAX(position), 0) + 1 FROM guide_items), ?2)",
                params![item.id, body],
            )?;
        }
        tx.commit()?;
        Ok(updated == 0)
    }

    /// Removes an item. Returns false if there was none.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn guide_delete(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM guide_items WHERE id = ?1", [id])?
            > 0)
    }

    /// Replaces the whole guide, keeping the given order.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn guide_replace(&mut self, guide: &Guide) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM guide_items", [])?;
        for (i, item) in guide.items.iter().enumerate() {
            let body =
                serde_json::to_string(item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.execute(
                "INSERT INTO guide_items (id, position, body) VALUES (?1, ?2, ?3)",
                params![item.id, i as i64, body],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
