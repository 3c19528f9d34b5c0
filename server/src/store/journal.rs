//! The journal of engine events, the snapshots, and the ticket read model.

use banli_core::engine::{Engine, EngineState, Event, TicketClass, TicketStatus};
use banli_core::ids::TicketId;
use banli_core::jiff::Timestamp;
use rusqlite::{OptionalExtension as _, Transaction, params};

use super::{Store, StoreError};

/// Days the journal is kept once a snapshot covers it.
pub const JOURNAL_RETENTION_DAYS: i64 = 90;

/// Bytes of one part of a snapshot written in parts: a part is written in
/// about a millisecond, so the commits queued behind it wait no longer.
pub const SNAPSHOT_PART_BYTES: usize = 256 * 1024;

/// A snapshot's body serialized straight into parts of
/// [`SNAPSHOT_PART_BYTES`]: no buffer doubles as the body grows (serializing
/// a 5 MB body into one `Vec` touched 15 MB), and each part can be written
/// and freed on its own.
#[derive(Debug, Default)]
pub struct SnapshotParts {
    parts: Vec<Vec<u8>>,
}

impl SnapshotParts {
    /// The parts, in order; a body of no bytes is one empty part.
    pub fn into_parts(mut self) -> Vec<Vec<u8>> {
        if self.parts.is_empty() {
            self.parts.push(Vec::new());
        }
        self.parts
    }

    /// Bytes in all parts.
    pub fn len(&self) -> usize {
        self.parts.iter().map(Vec::len).sum()
    }

    /// Whether no byte was written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::io::Write for SnapshotParts {
    fn write(&mut self, mut buf: &[u8]) -> std::io::Result<usize> {
        let written = buf.len();
        while !buf.is_empty() {
            let part = match self.parts.last_mut() {
                Some(part) if part.len() < SNAPSHOT_PART_BYTES => part,
                _ => {
                    self.parts.push(Vec::with_capacity(SNAPSHOT_PART_BYTES));
                    self.parts
                        .last_mut()
                        .ok_or_else(|| std::io::Error::other("no part"))?
                }
            };
            let room = SNAPSHOT_PART_BYTES.saturating_sub(part.len());
            let (now, rest) = buf.split_at(room.min(buf.len()));
            part.extend_from_slice(now);
            buf = rest;
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Milliseconds since the Unix epoch, as stored.
pub fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// The stored name of a ticket status.
pub fn status_str(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::Waiting => "waiting",
        TicketStatus::Called => "called",
        TicketStatus::Finished => "finished",
        TicketStatus::NoShow => "no_show",
        TicketStatus::Cancelled => "cancelled",
        TicketStatus::Expired => "expired",
    }
}

fn status_from(s: &str) -> TicketStatus {
    match s {
        "waiting" => TicketStatus::Waiting,
        "called" => TicketStatus::Called,
        "finished" => TicketStatus::Finished,
        "no_show" => TicketStatus::NoShow,
        "cancelled" => TicketStatus::Cancelled,
        _ => TicketStatus::Expired,
    }
}

fn class_str(c: TicketClass) -> &'static str {
    match c {
        TicketClass::Normal => "normal",
        TicketClass::Elderly => "elderly",
        TicketClass::Disabled => "disabled",
        TicketClass::Military => "military",
        TicketClass::Appointment => "appointment",
    }
}

fn class_from(s: &str) -> TicketClass {
    match s {
        "elderly" => TicketClass::Elderly,
        "disabled" => TicketClass::Disabled,
        "military" => TicketClass::Military,
        "appointment" => TicketClass::Appointment,
        _ => TicketClass::Normal,
    }
}

/// A ticket as the read model keeps it (any day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTicket {
    /// Id.
    pub id: TicketId,
    /// Business day, `YYYY-MM-DD`.
    pub business_day: String,
    /// Number.
    pub number: String,
    /// Service it was last in.
    pub service_id: String,
    /// Status.
    pub status: TicketStatus,
    /// Priority class.
    pub class: TicketClass,
    /// Query code.
    pub query_code: String,
    /// Issued at (ms).
    pub issued_at_ms: i64,
    /// Called at (ms).
    pub called_at_ms: Option<i64>,
    /// Counter.
    pub counter_id: Option<u32>,
}

impl Store {
    /// Appends a batch of events and updates the read model, in one
    /// transaction: the group commit. Nothing of the batch is visible or
    /// durable unless all of it is.
    ///
    /// The batch must continue the journal: its first sequence number is
    /// one past the last one written (or in a snapshot). The engine task
    /// queues the next batch behind one still being committed; if that one
    /// fails, this check refuses the next instead of leaving a gap.
    ///
    /// # Errors
    /// When SQLite fails, or [`StoreError::OutOfOrder`]; then nothing of
    /// the batch was written.
    pub fn append(&mut self, batch: &[(u64, Event)]) -> Result<(), StoreError> {
        let (Some(&(first, _)), Some(&(last, _))) = (batch.first(), batch.last()) else {
            return Ok(());
        };
        if first != self.journaled + 1 {
            return Err(StoreError::OutOfOrder {
                journaled: self.journaled,
                first,
            });
        }
        let tx = self.conn.transaction()?;
        for (seq, event) in batch {
            let body =
                serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.prepare_cached(
                "INSERT INTO journal (seq, at_ms, kind, body) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                i64::try_from(*seq).unwrap_or(i64::MAX),
                ms(event.at()),
                event.kind(),
                body
            ])?;
            apply_read_model(&tx, event)?;
        }
        tx.commit()?;
        self.journaled = last;
        Ok(())
    }

    /// Stores a snapshot of the engine state at `seq`, in one transaction,
    /// and keeps only the two newest. (At shutdown; while the hall runs the
    /// engine task writes it in parts, [`Self::write_snapshot_part`].)
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn write_snapshot(
        &mut self,
        seq: u64,
        at: Timestamp,
        body: &str,
    ) -> Result<(), StoreError> {
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO snapshots (seq, at_ms, body, parts) VALUES (?1, ?2, ?3, 0)",
            params![seq, ms(at), body],
        )?;
        prune_snapshots(&tx, at)?;
        tx.commit()?;
        Ok(())
    }

    /// Writes one part of a snapshot, in a transaction of its own, so that
    /// a snapshot of many megabytes never holds the commits behind it for
    /// longer than one part. The snapshot counts only once
    /// [`Self::finish_snapshot`] records it; parts of one never finished
    /// (the server stopped, a write failed) are ignored and removed by the
    /// next snapshot.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn write_snapshot_part(
        &mut self,
        seq: u64,
        part: u32,
        body: &[u8],
    ) -> Result<(), StoreError> {
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO snapshot_parts (seq, part, body) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![seq, part, body])?;
        Ok(())
    }

    /// Records a snapshot whose `parts` parts are written, and keeps only
    /// the two newest.
    ///
    /// # Errors
    /// When SQLite fails, or [`StoreError::Corrupt`] when a part is
    /// missing (then nothing is recorded).
    pub fn finish_snapshot(
        &mut self,
        seq: u64,
        at: Timestamp,
        parts: u32,
    ) -> Result<(), StoreError> {
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        let tx = self.conn.transaction()?;
        let written: i64 = tx.query_row(
            "SELECT COUNT(*) FROM snapshot_parts WHERE seq = ?1 AND part < ?2",
            params![seq, parts],
            |r| r.get(0),
        )?;
        if written != i64::from(parts) || parts == 0 {
            return Err(StoreError::Corrupt(format!(
                "snapshot {seq} has {written} of its {parts} parts"
            )));
        }
        tx.execute(
            "INSERT OR REPLACE INTO snapshots (seq, at_ms, body, parts) VALUES (?1, ?2, '', ?3)",
            params![seq, ms(at), parts],
        )?;
        prune_snapshots(&tx, at)?;
        tx.commit()?;
        Ok(())
    }

    /// Rebuilds the engine: the newest snapshot, then every later event.
    /// Returns the engine and the sequence number of the last event.
    ///
    /// A newest snapshot that cannot be read (a part lost, a body that does
    /// not parse) is passed over for the older one kept with it, whose
    /// later journal is kept too (snapshots prune only the journal before
    /// the older one), so the hall still starts, exactly as it was; the
    /// journal's continuity check below makes sure of that.
    ///
    /// # Errors
    /// When the stored data does not parse or does not replay. Without any
    /// readable snapshot it is the newest one's error: never a start from
    /// nothing when the journal before the snapshots may be pruned.
    pub fn load_engine(&self) -> Result<(Engine, u64), StoreError> {
        let snaps: Vec<(i64, String, i64)> = self
            .conn
            .prepare("SELECT seq, body, parts FROM snapshots ORDER BY seq DESC")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut unreadable = None;
        let mut loaded = None;
        for (seq, body, parts) in snaps {
            match self.snapshot_state(seq, body, parts) {
                Ok(state) => {
                    loaded = Some((Engine::from_state(state), seq));
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a snapshot cannot be read; trying the one before it");
                    unreadable.get_or_insert(e);
                }
            }
        }
        let (mut engine, mut seq) = match (loaded, unreadable) {
            (Some(loaded), _) => loaded,
            (None, Some(e)) => return Err(e),
            (None, None) => (Engine::genesis(), 0),
        };
        let mut stmt = self
            .conn
            .prepare("SELECT seq, body FROM journal WHERE seq > ?1 ORDER BY seq")?;
        let mut rows = stmt.query([seq])?;
        while let Some(row) = rows.next()? {
            let s: i64 = row.get(0)?;
            let body: String = row.get(1)?;
            if s != seq + 1 {
                return Err(StoreError::Corrupt(format!(
                    "journal jumps from {seq} to {s}"
                )));
            }
            let event: Event = serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("journal entry {s}: {e}")))?;
            engine
                .replay(&event)
                .map_err(|e| StoreError::Corrupt(format!("journal entry {s}: {e}")))?;
            seq = s;
        }
        Ok((engine, u64::try_from(seq).unwrap_or(0)))
    }

    /// The engine state a snapshot holds.
    fn snapshot_state(
        &self,
        seq: i64,
        body: String,
        parts: i64,
    ) -> Result<EngineState, StoreError> {
        let body = if parts > 0 {
            self.snapshot_in_parts(seq, parts)?
        } else {
            body.into_bytes()
        };
        serde_json::from_slice(&body)
            .map_err(|e| StoreError::Corrupt(format!("snapshot {seq}: {e}")))
    }

    /// The body of a snapshot written in parts, joined in order.
    fn snapshot_in_parts(&self, seq: i64, parts: i64) -> Result<Vec<u8>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT part, body FROM snapshot_parts WHERE seq = ?1 ORDER BY part")?;
        let mut rows = stmt.query([seq])?;
        let mut body = Vec::new();
        let mut next = 0_i64;
        while let Some(row) = rows.next()? {
            let part: i64 = row.get(0)?;
            if part != next {
                break;
            }
            body.extend_from_slice(&row.get::<_, Vec<u8>>(1)?);
            next += 1;
        }
        if next != parts {
            return Err(StoreError::Corrupt(format!(
                "snapshot {seq}: {next} of its {parts} parts are readable"
            )));
        }
        Ok(body)
    }

    /// The sequence number the newest snapshot covers (0 without one).
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn latest_snapshot_seq(&self) -> Result<u64, StoreError> {
        let seq: Option<i64> = self
            .conn
            .query_row("SELECT MAX(seq) FROM snapshots", [], |r| r.get(0))?;
        Ok(u64::try_from(seq.unwrap_or(0)).unwrap_or(0))
    }

    /// The sequence number of the newest journal entry.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn last_seq(&self) -> Result<u64, StoreError> {
        let seq: Option<i64> = self
            .conn
            .query_row("SELECT MAX(seq) FROM journal", [], |r| r.get(0))?;
        Ok(seq.and_then(|s| u64::try_from(s).ok()).unwrap_or(0))
    }

    /// A ticket of any day from the read model.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn ticket(&self, id: TicketId) -> Result<Option<StoredTicket>, StoreError> {
        let id = i64::try_from(id.0).unwrap_or(i64::MAX);
        let t = self
            .conn
            .prepare_cached(
                "SELECT id, business_day, number, service_id, status, query_code, issued_at_ms, called_at_ms, counter_id,
                    class FROM tickets WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok(StoredTicket {
                    id: TicketId(u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0)),
                    business_day: r.get(1)?,
                    number: r.get(2)?,
                    service_id: r.get(3)?,
                    status: status_from(&r.get::<_, String>(4)?),
                    query_code: r.get(5)?,
                    issued_at_ms: r.get(6)?,
                    called_at_ms: r.get(7)?,
                    counter_id: r.get(8)?,
                    class: class_from(&r.get::<_, String>(9)?),
                })
            })
            .optional()?;
        Ok(t)
    }

    /// How many tickets the read model holds for a day, and how many of
    /// their numbers are distinct (equal unless something went very wrong).
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn day_counts(&self, day: &str) -> Result<(u64, u64), StoreError> {
        let (n, d): (i64, i64) = self.conn.query_row(
            "SELECT COUNT(*), COUNT(DISTINCT number) FROM tickets WHERE business_day = ?1",
            [day],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((u64::try_from(n).unwrap_or(0), u64::try_from(d).unwrap_or(0)))
    }
}

/// Keeps the two newest snapshots and the parts of those only, and drops
/// the journal no restart needs that is older than the retention.
fn prune_snapshots(tx: &Transaction<'_>, at: Timestamp) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT 2)",
        [],
    )?;
    // Snapshots are written one at a time, so parts of no snapshot
    // recorded in parts belong to one that was never finished, or to one
    // that a whole snapshot of the same state replaced (a stop with no
    // event since).
    tx.execute(
        "DELETE FROM snapshot_parts WHERE seq NOT IN (SELECT seq FROM snapshots WHERE parts > 0)",
        [],
    )?;
    // The journal before the older kept snapshot is needed by no restart;
    // keep it for JOURNAL_RETENTION_DAYS as a record of operations (the
    // ticket read model and the audit log keep the rest for good).
    let cutoff = ms(at) - JOURNAL_RETENTION_DAYS * 24 * 3600 * 1000;
    tx.execute(
        "DELETE FROM journal WHERE at_ms < ?1 AND seq <= (SELECT MIN(seq) FROM snapshots)",
        [cutoff],
    )?;
    Ok(())
}

fn tid(id: TicketId) -> i64 {
    i64::try_from(id.0).unwrap_or(i64::MAX)
}

/// Keeps the `tickets` table (and the audit log, for configuration events)
/// in step with the journal, inside the batch's transaction.
fn apply_read_model(tx: &Transaction<'_>, event: &Event) -> Result<(), StoreError> {
    match event {
        Event::TicketIssued { ticket, .. } => {
            tx.prepare_cached(
                "INSERT INTO tickets (id, business_day, number, service_id, issued_service_id, class, status,
                    query_code, issued_by, issued_at_ms, estimated_wait_secs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'waiting', ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                tid(ticket.id),
                ticket.business_day.to_string(),
                ticket.number.as_str(),
                ticket.service_id.as_str(),
                ticket.issued_service_id.as_str(),
                class_str(ticket.class),
                ticket.query_code.as_str(),
                ticket.issued_by.as_str(),
                ms(ticket.issued_at),
                ticket.estimated_wait_secs,
            ])?;
        }
        Event::TicketCalled {
            at,
            ticket_id,
            counter_id,
            actor,
            ..
        } => {
            tx.prepare_cached(
                "UPDATE tickets SET status = 'called', called_at_ms = ?2, counter_id = ?3, staff = ?4, recalls = 0,
                    first_called_at_ms = COALESCE(first_called_at_ms, ?2) WHERE id = ?1",
            )?
            .execute(params![tid(*ticket_id), ms(*at), counter_id.0, actor])?;
        }
        Event::TicketRecalled {
            ticket_id, recalls, ..
        } => {
            tx.prepare_cached("UPDATE tickets SET recalls = ?2 WHERE id = ?1")?
                .execute(params![tid(*ticket_id), recalls])?;
        }
        Event::TicketNoShow { at, ticket_id, .. } => {
            close(tx, *ticket_id, TicketStatus::NoShow, *at)?
        }
        Event::TicketFinished { at, ticket_id, .. } => {
            close(tx, *ticket_id, TicketStatus::Finished, *at)?
        }
        Event::TicketCancelled { at, ticket_id, .. } => {
            close(tx, *ticket_id, TicketStatus::Cancelled, *at)?
        }
        Event::TicketTransferred {
            at,
            ticket_id,
            to_service,
            ..
        } => {
            // The service it leaves was served: keep who served it, so the
            // citizen can rate it too (好差评: one rating per service).
            tx.prepare_cached(
                "INSERT OR REPLACE INTO ticket_visits (ticket_id, service_id, counter_id, staff, ended_at_ms)
                 SELECT id, service_id, counter_id, staff, ?2 FROM tickets WHERE id = ?1",
            )?
            .execute(params![tid(*ticket_id), ms(*at)])?;
            tx.prepare_cached(
                "UPDATE tickets SET status = 'waiting', service_id = ?2, transfers = transfers + 1 WHERE id = ?1",
            )?
            .execute(params![tid(*ticket_id), to_service.as_str()])?;
        }
        Event::TicketRequeued { ticket_id, .. } => {
            tx.prepare_cached(
                "UPDATE tickets SET status = 'waiting', closed_at_ms = NULL WHERE id = ?1",
            )?
            .execute(params![tid(*ticket_id)])?;
        }
        Event::DayRolled { at, expired, .. } => {
            for id in expired {
                close(tx, *id, TicketStatus::Expired, *at)?;
            }
        }
        Event::ConfigChanged {
            at, actor, summary, ..
        } => {
            super::audit::append(tx, ms(*at), actor, "config", summary, "")?;
        }
        Event::AppointmentBooked {
            at,
            appointment,
            actor,
        } => {
            let detail = format!("{} at {}", appointment.service_id, appointment.slot);
            super::audit::append(
                tx,
                ms(*at),
                actor,
                "appointment_booked",
                &appointment.code,
                &detail,
            )?;
        }
        Event::AppointmentCancelled { at, code, actor } => {
            super::audit::append(tx, ms(*at), actor, "appointment_cancelled", code, "")?;
        }
        Event::CounterStatusChanged { .. } => {}
        Event::Rated { .. }
        | Event::ComplaintFiled { .. }
        | Event::FollowUpOpened { .. }
        | Event::FollowUpStepped { .. } => super::feedback::apply(tx, event)?,
        Event::Case(e) => super::cases::apply(tx, e)?,
    }
    Ok(())
}

fn close(
    tx: &Transaction<'_>,
    id: TicketId,
    status: TicketStatus,
    at: Timestamp,
) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE tickets SET status = ?2, closed_at_ms = ?3 WHERE id = ?1")?
        .execute(params![tid(id), status_str(status), ms(at)])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use banli_core::engine::{Command, Engine};
    use banli_core::jiff::{SignedDuration, Timestamp};

    use super::*;

    fn demo() -> banli_core::config::HallConfig {
        crate::hall_file::parse_hall("demo-hall.toml", crate::hall_file::DEMO_HALL).expect("demo")
    }

    /// Writes `engine`'s state as a whole snapshot at `seq`, as a stop does.
    fn whole_snapshot(store: &mut Store, engine: &Engine, seq: u64, at: Timestamp) {
        let body = serde_json::to_string(engine.state()).expect("json");
        store
            .write_snapshot(seq, at, &body)
            .expect("whole snapshot");
    }

    /// A store on a fresh file, the demo hall configured at `at`, then
    /// `cmds`; with the engine and sequence number that go with it.
    fn demo_hall(
        dir: &tempfile::TempDir,
        at: Timestamp,
        cmds: Vec<Command>,
    ) -> (Store, Engine, u64) {
        let mut store = Store::open(&dir.path().join("banli.db")).expect("open");
        let (mut engine, mut seq) = (Engine::genesis(), 0);
        let config = Command::ReplaceConfig {
            config: Box::new(demo()),
            actor: "test".into(),
        };
        let mut all = vec![config];
        all.extend(cmds);
        run(&mut store, &mut engine, &mut seq, at, all);
        (store, engine, seq)
    }

    /// Runs commands on an engine and appends what they record.
    fn run(
        store: &mut Store,
        engine: &mut Engine,
        seq: &mut u64,
        at: Timestamp,
        cmds: Vec<Command>,
    ) {
        let mut batch = Vec::new();
        for c in cmds {
            engine.handle(at, c).expect("accepted");
            while let Some(e) = engine.poll_event() {
                *seq += 1;
                batch.push((*seq, e));
            }
        }
        store.append(&batch).expect("append");
    }

    fn issue(service: &str) -> Command {
        Command::IssueTicket {
            service_id: service.into(),
            priority: None,
            appointment_code: None,
            idempotency_key: None,
            query_code: "123456".into(),
            actor: "kiosk".into(),
        }
    }

    /// A batch that does not continue the journal (the one before it was
    /// not committed) is refused whole, and so is one that repeats it; the
    /// next batch that does continue it is written. The same holds after
    /// reopening, where the journal's end comes from the file.
    #[test]
    fn a_batch_that_leaves_a_gap_or_overlaps_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("banli.db");
        let mut store = Store::open(&path).expect("open");
        let (mut engine, mut seq) = (Engine::genesis(), 0);
        let at: Timestamp = "2026-06-02T10:00:00+08:00".parse().expect("ts");
        let config = Command::ReplaceConfig {
            config: Box::new(demo()),
            actor: "test".into(),
        };
        run(&mut store, &mut engine, &mut seq, at, vec![config]);
        engine.handle(at, issue("tax")).expect("issue");
        let event = engine.poll_event().expect("event");
        for wrong in [seq + 2, seq] {
            let refused = store.append(&[(wrong, event.clone())]);
            assert!(
                matches!(refused, Err(StoreError::OutOfOrder { journaled, first }) if journaled == seq && first == wrong),
                "{refused:?}"
            );
        }
        assert_eq!(store.last_seq().expect("seq"), seq, "nothing written");
        drop(store);
        let mut store = Store::open(&path).expect("reopen");
        assert!(store.append(&[(seq + 2, event.clone())]).is_err());
        store.append(&[(seq + 1, event)]).expect("the next batch");
        assert_eq!(store.last_seq().expect("seq"), seq + 1);
        assert_eq!(
            store.append(&[]).ok(),
            Some(()),
            "an empty batch is a no-op"
        );
    }

    #[test]
    fn restart_replays_from_the_snapshot_and_old_journal_is_pruned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old: Timestamp = "2026-06-01T10:00:00+08:00".parse().expect("ts");
        let (mut store, mut engine, mut seq) =
            demo_hall(&dir, old, vec![issue("tax"), issue("tax")]);
        whole_snapshot(&mut store, &engine, seq, old);

        // Six months later, a busy morning and two more snapshots.
        let now = old + SignedDuration::from_hours(24 * 180);
        run(
            &mut store,
            &mut engine,
            &mut seq,
            now,
            vec![issue("tax"), issue("cashier")],
        );
        whole_snapshot(&mut store, &engine, seq, now);
        run(&mut store, &mut engine, &mut seq, now, vec![issue("tax")]);
        whole_snapshot(&mut store, &engine, seq, now);
        run(&mut store, &mut engine, &mut seq, now, vec![issue("tax")]);

        let (loaded, loaded_seq) = store.load_engine().expect("load");
        assert_eq!(loaded_seq, seq);
        assert_eq!(loaded.state(), engine.state());
        let oldest: i64 = store
            .conn
            .query_row("SELECT MIN(seq) FROM journal", [], |r| r.get(0))
            .expect("min");
        assert!(
            oldest > 3,
            "June's journal entries are gone once snapshots cover them (oldest is {oldest})"
        );
        // The read model keeps every ticket, June's included.
        assert_eq!(store.day_counts("2026-06-01").expect("counts"), (2, 2));
        let kept: i64 = store
            .conn
            .query_row("SELECT COUNT(*) FROM snapshots", [], |r| r.get(0))
            .expect("count");
        assert_eq!(kept, 2);
    }

    /// Writes `engine`'s state as a snapshot in parts of `size` bytes;
    /// returns how many.
    fn snapshot_in_parts(store: &mut Store, engine: &Engine, seq: u64, size: usize) -> u32 {
        let body = serde_json::to_vec(engine.state()).expect("json");
        let mut parts = 0;
        for (i, chunk) in body.chunks(size).enumerate() {
            let part = u32::try_from(i).expect("parts");
            store.write_snapshot_part(seq, part, chunk).expect("part");
            parts = part + 1;
        }
        parts
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store.conn.query_row(sql, [], |r| r.get(0)).expect("count")
    }

    /// A snapshot written in parts (cut anywhere, even inside a character)
    /// restores the same engine; one never finished (the server stopped
    /// mid-way) is not used, and the next snapshot clears its parts; one
    /// with a part missing is refused and not recorded.
    #[test]
    fn a_snapshot_serialized_into_parts_is_cut_at_the_part_size_and_stored_as_one_body() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at: Timestamp = "2026-11-30T10:00:00+08:00".parse().expect("ts");
        let services = [
            "business-setup",
            "exit-entry",
            "social-insurance",
            "housing-fund",
            "tax",
            "cashier",
        ];
        let cmds = services
            .iter()
            .flat_map(|s| (0..400).map(|_| issue(s)))
            .collect();
        let (mut store, engine, seq) = demo_hall(&dir, at, cmds);
        let mut parts = SnapshotParts::default();
        assert!(parts.is_empty());
        serde_json::to_writer(&mut parts, engine.state()).expect("serialize");
        let whole = serde_json::to_vec(engine.state()).expect("json");
        assert_eq!(parts.len(), whole.len());
        let parts = parts.into_parts();
        assert!(
            parts.len() >= 2,
            "{} parts of {} bytes",
            parts.len(),
            whole.len()
        );
        let (last, full) = parts.split_last().expect("parts");
        assert!(full.iter().all(|p| p.len() == SNAPSHOT_PART_BYTES));
        assert!(!last.is_empty() && last.len() <= SNAPSHOT_PART_BYTES);
        assert_eq!(parts.concat(), whole);
        for (part, body) in (0_u32..).zip(&parts) {
            store.write_snapshot_part(seq, part, body).expect("part");
        }
        let count = u32::try_from(parts.len()).expect("count");
        store.finish_snapshot(seq, at, count).expect("finish");
        let (loaded, loaded_seq) = store.load_engine().expect("load");
        assert_eq!((loaded.state(), loaded_seq), (engine.state(), seq));
        // Nothing written is one empty part, not none.
        assert_eq!(
            SnapshotParts::default().into_parts(),
            vec![Vec::<u8>::new()]
        );
    }

    #[test]
    fn a_snapshot_in_parts_restores_the_engine_and_an_unfinished_one_is_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at: Timestamp = "2026-11-30T10:00:00+08:00".parse().expect("ts");
        let (mut store, mut engine, mut seq) =
            demo_hall(&dir, at, vec![issue("tax"), issue("cashier")]);
        // Odd sizes cut the JSON inside the demo hall's Chinese names.
        let parts = snapshot_in_parts(&mut store, &engine, seq, 7);
        assert!(parts > 100, "{parts} parts");
        store.finish_snapshot(seq, at, parts).expect("finish");
        let (loaded, loaded_seq) = store.load_engine().expect("load");
        assert_eq!((loaded.state(), loaded_seq), (engine.state(), seq));

        // The next snapshot stops half-way: the finished one and the
        // journal after it still give the same engine.
        run(&mut store, &mut engine, &mut seq, at, vec![issue("tax")]);
        let body = serde_json::to_vec(engine.state()).expect("json");
        let half = body.len() / 2;
        store
            .write_snapshot_part(seq, 0, body.get(..half).expect("half"))
            .expect("part");
        let (loaded, loaded_seq) = store.load_engine().expect("load");
        assert_eq!((loaded.state(), loaded_seq), (engine.state(), seq));
        assert_eq!(store.latest_snapshot_seq().expect("latest"), seq - 1);

        // Recording it with its second part missing is refused.
        let refused = store.finish_snapshot(seq, at, 2);
        assert!(
            matches!(refused, Err(StoreError::Corrupt(_))),
            "{refused:?}"
        );
        assert_eq!(store.latest_snapshot_seq().expect("latest"), seq - 1);

        // Two more snapshots, one in parts and one whole: the two newest
        // are kept, and only their parts.
        run(&mut store, &mut engine, &mut seq, at, vec![issue("tax")]);
        let parts = snapshot_in_parts(&mut store, &engine, seq, 1000);
        store.finish_snapshot(seq, at, parts).expect("finish");
        run(
            &mut store,
            &mut engine,
            &mut seq,
            at,
            vec![issue("cashier")],
        );
        whole_snapshot(&mut store, &engine, seq, at);
        let (loaded, loaded_seq) = store.load_engine().expect("load");
        assert_eq!((loaded.state(), loaded_seq), (engine.state(), seq));
        assert_eq!(count(&store, "SELECT COUNT(*) FROM snapshots"), 2);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM snapshot_parts"),
            i64::from(parts),
            "the unfinished snapshot's part and the oldest snapshot's parts are gone"
        );
        assert_eq!(
            count(&store, "SELECT COUNT(DISTINCT seq) FROM snapshot_parts"),
            1
        );
        // A stop with no event since writes the same state whole: the
        // parts it replaces go.
        run(&mut store, &mut engine, &mut seq, at, vec![issue("tax")]);
        let parts = snapshot_in_parts(&mut store, &engine, seq, 1000);
        store.finish_snapshot(seq, at, parts).expect("finish");
        whole_snapshot(&mut store, &engine, seq, at);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM snapshot_parts"), 0);
        let (loaded, loaded_seq) = store.load_engine().expect("load");
        assert_eq!((loaded.state(), loaded_seq), (engine.state(), seq));
        // A part lost from the newest snapshot in parts is a clear error.
        run(&mut store, &mut engine, &mut seq, at, vec![issue("tax")]);
        let parts = snapshot_in_parts(&mut store, &engine, seq, 1000);
        store.finish_snapshot(seq, at, parts).expect("finish");
        store
            .conn
            .execute(
                "DELETE FROM snapshot_parts WHERE seq = ?1 AND part = 1",
                [seq as i64],
            )
            .expect("lose a part");
        // The hall starts from the snapshot before it and the journal.
        let (loaded, loaded_seq) = store.load_engine().expect("the older snapshot");
        assert_eq!((loaded.state(), loaded_seq), (engine.state(), seq));
        // With that one unreadable too, the start is refused with the
        // newest one's error, never made from nothing.
        store
            .conn
            .execute("UPDATE snapshots SET body = '{' WHERE parts = 0", [])
            .expect("break the whole one");
        let broken = store.load_engine();
        assert!(
            matches!(&broken, Err(StoreError::Corrupt(m)) if m.contains("parts")),
            "{:?}",
            broken.err()
        );
    }

    #[test]
    fn a_duplicate_number_cannot_be_committed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at: Timestamp = "2026-11-24T10:00:00+08:00".parse().expect("ts");
        let (mut store, _, seq) = demo_hall(&dir, at, vec![issue("tax")]);
        // Replaying the same issue event under a new sequence number (as a
        // buggy engine might) is refused by the read model, atomically.
        let (mut fork, _) = store.load_engine().expect("load");
        fork.handle(at, issue("tax")).expect("issue");
        let mut events: Vec<(u64, Event)> = Vec::new();
        while let Some(e) = fork.poll_event() {
            events.push((seq + 1 + events.len() as u64, e));
        }
        if let Some((_, Event::TicketIssued { ticket, .. })) = events.first_mut() {
            ticket.number = "F001".into();
            ticket.id = TicketId(9_999);
        }
        assert!(
            store.append(&events).is_err(),
            "UNIQUE(business_day, number) holds"
        );
        assert_eq!(
            store.last_seq().expect("seq"),
            seq,
            "nothing of the failed batch was written"
        );
    }
}
