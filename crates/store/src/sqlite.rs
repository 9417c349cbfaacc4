//! The embedded SQLite implementation of [`Store`].
//!
//! **Connections.** One writer connection behind a mutex does every write (the
//! gateway's group commits, registry upserts). A small pool of reader
//! connections serves queries; in WAL mode readers see the last committed
//! state and never wait for the writer, so an HTTP query cannot stall ingest.
//!
//! **Durability.** The file is in WAL mode with `synchronous=FULL`: every commit
//! fsyncs the write-ahead log before [`Store::commit_batch`] returns, so an
//! acknowledged batch survives a power cut. `synchronous=NORMAL` would fsync the
//! log only at checkpoints; the database would stay consistent, but the last
//! commits could vanish after a power cut although the devices were told they
//! were stored, and a device never re-sends acknowledged data.
//!
//! **Schema.** Numbered migrations in `sqlite/migrations/`, recorded in
//! `PRAGMA user_version`; see [`migrate`]. Instants are integer UTC
//! milliseconds (sub-millisecond precision is dropped). Parameter codes are
//! interned in the `param` table (ids cached by the writer once committed).
//! Measurement rows live in the `WITHOUT ROWID` table `reading`, keyed by
//! (point, kind, data time, param): a range query for one point and kind is one
//! contiguous scan in output order, and one packet's readings share a page.
//! `latest_point` keeps the newest data time and values of each parameter, one
//! row per kind and point (`sqlite/latest.rs`).
//!
//! **Commit path.** One immediate transaction per batch: raw packets first (their
//! ids follow the batch order), then readings sorted by key, each with
//! `ON CONFLICT DO NOTHING` (a duplicate key is counted, never an error), then
//! `latest_point`, sightings, audit entries and connection events. Passive WAL
//! checkpoints run on their own thread after commits, so a batch does not wait
//! for pages to be copied into the database file.
//!
//! **Evidence.** `raw_packet` and `audit` are append-only: no method updates or
//! deletes them, and triggers refuse it at the database level. Each row also
//! carries a `chain_hash` (the `evidence` crate's format), computed by the writer
//! from the chain head it keeps in memory, and `chain_head` records each chain's
//! end in the same transaction; [`Store::verify_evidence`] walks the chains.

mod account;
mod alarm;
mod alarm_page;
mod case;
mod corrections;
mod derived;
mod evidence;
mod latest;
mod migrate;
mod plan;
mod registry;
mod supervision;
mod throttle;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use model::{DataKind, DeviceId, Mn, ParamCode, PointId, Reading};
use rusqlite::types::FromSql;
use rusqlite::{Connection, OpenFlags, Row, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::chain::{audit_record, raw_record};
use crate::encoding::{count_from_db, json_text, kind_to_db, limit_to_db, millis};
use crate::rows::{
    DEVICE_COLUMNS, decode_audit, decode_connection_event, decode_device, decode_point,
    decode_raw_packet, decode_reading,
};
use crate::{
    AuditEntry, ChainCheck, CommitReport, ConnectionEvent, DeviceRecord, Error, IngestBatch,
    NewDevice, NewPoint, PacketOutcome, PointRecord, RawPacketRecord, RawQuery, ReadingQuery,
    Result, Store,
};
use model::{Instant, ReadingValues};

/// Settings of the SQLite store (`[store.sqlite]` in the config file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SqliteOptions {
    /// How long a connection waits for a lock held by another process before failing.
    pub busy_timeout_ms: u64,
    /// Reader connections for queries (at least 1 is opened).
    pub n_readers: usize,
    /// Page cache of each connection, in KiB.
    pub cache_size_kib: u64,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions { busy_timeout_ms: 5_000, n_readers: 4, cache_size_kib: 64 * 1024 }
    }
}

/// Pages in the write-ahead log at which a commit checkpoints by itself (about
/// 64 MiB), if the checkpoint thread has fallen that far behind.
const WAL_BACKSTOP_PAGES: i64 = 16_384;

/// The log file is truncated back to this size after a checkpoint that emptied it.
const JOURNAL_SIZE_LIMIT_BYTES: i64 = 64 * 1024 * 1024;

/// The SQLite store: one file (plus its `-wal` and `-shm`), one writer, a pool of readers.
pub struct SqliteStore {
    writer: Mutex<Writer>,
    /// Empty for an in-memory database, whose only connection is the writer's.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Copies committed pages from the log into the database file off the commit
    /// path; `None` for an in-memory database.
    checkpointer: Option<Checkpointer>,
}

/// A thread with its own connection that runs a passive WAL checkpoint after commits.
///
/// Without it, SQLite checkpoints inside whichever commit crosses
/// `wal_autocheckpoint`, and that batch waits for the copy and an fsync of the
/// database file. The writer keeps a high auto-checkpoint limit as a backstop,
/// so the log stays bounded even if this thread falls behind.
struct Checkpointer {
    wake: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(conn: Connection) -> Result<Checkpointer> {
        // One pending wake-up is enough: a checkpoint copies everything committed so far.
        let (wake, wakes) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("store-checkpoint".to_owned())
            .spawn(move || {
                while wakes.recv().is_ok() {
                    // A failed or partial checkpoint is retried after the next commit,
                    // and the writer's auto-checkpoint bounds the log meanwhile.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|source| Error::Database {
                during: "starting the checkpoint thread",
                source: Box::new(source),
            })?;
        Ok(Checkpointer { wake: Some(wake), thread: Some(thread) })
    }

    fn wake(&self) {
        if let Some(wake) = &self.wake {
            // Full means a checkpoint is pending already.
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Closing the channel ends the loop; wait so the file is closed when the store is.
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("n_readers", &self.readers.len())
            .finish_non_exhaustive()
    }
}

/// The writer connection and what only the writer needs.
struct Writer {
    conn: Connection,
    /// Parameter code → `param.id`, for codes known to be committed.
    param_ids: HashMap<String, i64>,
    /// The committed heads of the evidence hash chains, read once at open.
    chains: evidence::Chains,
}

/// Turns a driver error into [`Error::Database`] labelled with what we were doing.
pub(crate) fn database_error(during: &'static str) -> impl FnOnce(rusqlite::Error) -> Error {
    move |source| Error::Database { during, source: Box::new(source) }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a half-done transaction:
    // rusqlite rolls back an unfinished transaction when it is dropped.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates its schema.
    ///
    /// Fails with [`Error::SchemaTooNew`] if the file was written by a newer
    /// program; the file is not changed then.
    pub fn open(path: &Path, options: SqliteOptions) -> Result<SqliteStore> {
        let mut conn =
            Connection::open(path).map_err(database_error("opening the database file"))?;
        configure(&conn, &options)?;
        // Check the version before the WAL switch so a newer file is left untouched.
        let found = migrate::schema_version(&conn)?;
        if found > migrate::LATEST_VERSION {
            return Err(Error::SchemaTooNew { found, supported: migrate::LATEST_VERSION });
        }
        let journal_mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(database_error("switching to WAL mode"))?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Database {
                during: "switching to WAL mode",
                source: format!("the database stayed in journal mode {journal_mode:?}").into(),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(database_error("setting synchronous=FULL"))?;
        migrate::migrate(&mut conn)?;
        let chains = evidence::open_chains(&mut conn)?;

        let mut readers = Vec::new();
        for _ in 0..options.n_readers.max(1) {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(database_error("opening a reader connection"))?;
            configure(&reader, &options)?;
            reader
                .pragma_update(None, "query_only", true)
                .map_err(database_error("making a reader read-only"))?;
            readers.push(Mutex::new(reader));
        }
        // Checkpoints run on their own thread; this limit (in pages) is the backstop.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_BACKSTOP_PAGES)
            .map_err(database_error("setting the auto-checkpoint limit"))?;
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT_BYTES)
            .map_err(database_error("setting the journal size limit"))?;
        let checkpoint_conn =
            Connection::open(path).map_err(database_error("opening the checkpoint connection"))?;
        configure(&checkpoint_conn, &options)?;
        // The checkpointer fsyncs the database file before it lets the log be reused.
        checkpoint_conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(database_error("setting synchronous=FULL"))?;
        let mut store = SqliteStore::from_parts(conn, chains, readers);
        store.checkpointer = Some(Checkpointer::start(checkpoint_conn)?);
        Ok(store)
    }

    /// Opens a fresh in-memory database with the latest schema, for unit tests.
    ///
    /// Nothing is durable and queries share the writer's connection.
    pub fn open_in_memory() -> Result<SqliteStore> {
        let mut conn = Connection::open_in_memory()
            .map_err(database_error("opening an in-memory database"))?;
        configure(&conn, &SqliteOptions::default())?;
        migrate::migrate(&mut conn)?;
        let chains = evidence::open_chains(&mut conn)?;
        Ok(SqliteStore::from_parts(conn, chains, Vec::new()))
    }

    fn from_parts(
        conn: Connection,
        chains: evidence::Chains,
        readers: Vec<Mutex<Connection>>,
    ) -> SqliteStore {
        SqliteStore {
            writer: Mutex::new(Writer { conn, param_ids: HashMap::new(), chains }),
            readers,
            next_reader: AtomicUsize::new(0),
            checkpointer: None,
        }
    }

    /// Runs `query` on a reader connection: a free one if any, else the next in turn.
    fn read<T>(&self, query: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if self.readers.is_empty() {
            return query(&lock(&self.writer).conn);
        }
        for reader in &self.readers {
            if let Ok(conn) = reader.try_lock() {
                return query(&conn);
            }
        }
        let index = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        query(&lock(&self.readers[index]))
    }

    /// Runs `write` in one immediate transaction on the writer connection and commits it.
    fn write<T>(
        &self,
        during: &'static str,
        write: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut writer = lock(&self.writer);
        let tx = writer
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database_error("starting a write transaction"))?;
        let value = write(&tx)?;
        tx.commit().map_err(database_error(during))?;
        Ok(value)
    }

    /// Runs `write` in one immediate transaction on the writer connection, appends
    /// the audit entries it pushed to the audit hash chain in that same
    /// transaction, and commits: a change and its audit record are durable
    /// together or not at all.
    ///
    /// Every registry, alarm, account or plan change goes through here, so no
    /// change escapes the audit log.
    pub(crate) fn write_audited<T>(
        &self,
        during: &'static str,
        write: impl FnOnce(&Transaction<'_>, &mut Vec<AuditEntry>) -> Result<T>,
    ) -> Result<T> {
        let mut writer = lock(&self.writer);
        let Writer { conn, chains, .. } = &mut *writer;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database_error("starting a write transaction"))?;
        // Another process (the CLI, a second server) may have extended the chains.
        evidence::refresh_chains(&tx, chains)?;
        let mut entries = Vec::new();
        let value = write(&tx, &mut entries)?;
        let mut audit_chain = chains.audit.clone();
        for entry in &entries {
            insert_audit(&tx, &mut audit_chain, entry)?;
        }
        if !entries.is_empty() {
            evidence::write_head(&tx, "audit", &audit_chain.head())?;
        }
        tx.commit().map_err(database_error(during))?;
        // Only now is the new head real: a rolled-back transaction keeps the old one.
        chains.audit = audit_chain;
        Ok(value)
    }

    /// [`Store::latest_readings`]: sorted by point id, then parameter code. One range scan of
    /// `latest_point` (migration 0010), one row and blob per point; see `sqlite/latest.rs`.
    fn query_latest_readings(&self, kind: DataKind) -> Result<Vec<Reading>> {
        self.read(|conn| latest::read(conn, kind))
    }
}

/// Per-connection settings that do not persist in the file.
fn configure(conn: &Connection, options: &SqliteOptions) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_millis(options.busy_timeout_ms))
        .map_err(database_error("setting the busy timeout"))?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(database_error("enabling foreign keys"))?;
    let cache_kib = i64::try_from(options.cache_size_kib).unwrap_or(i64::MAX);
    // A negative cache_size is in KiB.
    conn.pragma_update(None, "cache_size", -cache_kib)
        .map_err(database_error("setting the cache size"))?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(database_error("setting temp_store"))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

// ---- Decoding stored values ----

/// Column `index` of `row`, or [`Error::Corrupt`] naming `table.column`.
fn column<T: FromSql>(
    row: &Row<'_>,
    index: usize,
    table: &'static str,
    column: &'static str,
) -> Result<T> {
    row.get(index).map_err(|error| Error::Corrupt { table, column, detail: error.to_string() })
}

fn instant_column(
    row: &Row<'_>,
    index: usize,
    table: &'static str,
    name: &'static str,
) -> Result<Instant> {
    let ms: i64 = column(row, index, table, name)?;
    Instant::from_unix_millis(ms).ok_or_else(|| Error::Corrupt {
        table,
        column: name,
        detail: format!("{ms} ms is out of range"),
    })
}

fn optional_instant_column(
    row: &Row<'_>,
    index: usize,
    table: &'static str,
    name: &'static str,
) -> Result<Option<Instant>> {
    let ms: Option<i64> = column(row, index, table, name)?;
    ms.map(|ms| {
        Instant::from_unix_millis(ms).ok_or_else(|| Error::Corrupt {
            table,
            column: name,
            detail: format!("{ms} ms is out of range"),
        })
    })
    .transpose()
}

/// Decodes every row with `decode`.
fn collect<T>(
    mut rows: rusqlite::Rows<'_>,
    during: &'static str,
    decode: impl Fn(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(database_error(during))? {
        out.push(decode(row)?);
    }
    Ok(out)
}

// ---- Writing ----

fn point_exists(tx: &Transaction<'_>, point: PointId) -> Result<bool> {
    tx.prepare_cached("SELECT 1 FROM point WHERE id = ?1")
        .and_then(|mut statement| statement.exists(params![point.0]))
        .map_err(database_error("checking that a point exists"))
}

/// The `param.id` of `code`, interning it if new. New ids go to `new_ids` until the commit.
fn param_id(
    tx: &Transaction<'_>,
    known: &HashMap<String, i64>,
    new_ids: &mut HashMap<String, i64>,
    code: &ParamCode,
) -> Result<i64> {
    if let Some(&id) = known.get(code.as_str()).or_else(|| new_ids.get(code.as_str())) {
        return Ok(id);
    }
    let id = tx
        .prepare_cached(
            "INSERT INTO param (code) VALUES (?1)
             ON CONFLICT (code) DO UPDATE SET code = excluded.code
             RETURNING id",
        )
        .and_then(|mut statement| statement.query_row(params![code.as_str()], |row| row.get(0)))
        .map_err(database_error("interning a parameter code"))?;
    new_ids.insert(code.as_str().to_owned(), id);
    Ok(id)
}

/// Creates the point with `point.code` or updates it, inside `tx`; returns its id.
fn upsert_point_in(tx: &Transaction<'_>, point: &NewPoint) -> Result<PointId> {
    tx.prepare_cached(
        "INSERT INTO point (code, name, kind, enterprise, simulated) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
             enterprise = excluded.enterprise, simulated = excluded.simulated
         RETURNING id",
    )
    .and_then(|mut statement| {
        statement.query_row(
            params![point.code, point.name, point.kind.as_str(), point.enterprise, point.simulated],
            |row| row.get(0),
        )
    })
    .map(PointId)
    .map_err(database_error("upserting a point"))
}

/// Creates the device with `device.mn` or updates it, inside `tx`; `leniency`
/// is its leniency as JSON. Fails with [`Error::NotFound`] if its point does not exist.
fn upsert_device_in(tx: &Transaction<'_>, device: &NewDevice, leniency: &str) -> Result<DeviceId> {
    if !point_exists(tx, device.point)? {
        return Err(Error::NotFound { entity: "point", id: device.point.to_string() });
    }
    tx.prepare_cached(
        "INSERT INTO device (mn, password_hash, protocol, point_id, leniency, simulated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (mn) DO UPDATE SET password_hash = excluded.password_hash,
             protocol = excluded.protocol, point_id = excluded.point_id,
             leniency = excluded.leniency, simulated = excluded.simulated
         RETURNING id",
    )
    .and_then(|mut statement| {
        statement.query_row(
            params![
                device.mn.as_str(),
                device.password_hash,
                device.protocol,
                device.point.0,
                leniency,
                device.simulated
            ],
            |row| row.get(0),
        )
    })
    .map(DeviceId)
    .map_err(database_error("upserting a device"))
}

fn commit_batch(writer: &mut Writer, batch: &IngestBatch) -> Result<CommitReport> {
    let Writer { conn, param_ids, chains } = writer;
    // Extended as rows are inserted; kept only if the transaction commits.
    let mut new_chains = chains.clone();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(database_error("starting the batch transaction"))?;
    // Another process (the CLI adding a user while `serve` runs) may have extended a chain.
    evidence::refresh_chains(&tx, &mut new_chains)?;
    let mut new_param_ids = HashMap::new();
    // (point, kind, param) → newest data time and values among the readings inserted
    // now, in key order (merged into latest_point per point).
    let mut latest: BTreeMap<(i64, i64, i64), (i64, &ReadingValues)> = BTreeMap::new();
    let mut report = CommitReport { packets: Vec::with_capacity(batch.packets.len()) };

    // Refuse readings of unknown points with a clear error; the foreign key is the backstop.
    let points: HashSet<PointId> = batch
        .packets
        .iter()
        .flat_map(|packet| packet.readings.iter().map(|reading| reading.key.point))
        .collect();
    for point in points {
        if !point_exists(&tx, point)? {
            return Err(Error::NotFound { entity: "point", id: point.to_string() });
        }
    }

    {
        let mut insert_raw = tx
            .prepare_cached(
                "INSERT INTO raw_packet (id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes,
                                         chain_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(database_error("preparing the raw packet insert"))?;
        let mut insert_reading = tx
            .prepare_cached(
                "INSERT INTO reading (point_id, kind, data_ms, param_id, raw_id, rtd, min, avg, max,
                                      zs_rtd, zs_min, zs_avg, zs_max, cou, flag, eflag, sample_time)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                 ON CONFLICT (point_id, kind, data_ms, param_id) DO NOTHING",
            )
            .map_err(database_error("preparing the reading insert"))?;
        // Archive the packets first, in order, so their ids follow the batch.
        for packet in &batch.packets {
            let raw = &packet.raw;
            // Ids follow the chain head: the table only ever grows through it.
            let raw_id = new_chains.raw_packet.head().last_id + 1;
            let deviations = json_text(&raw.deviations, "encoding deviations")?;
            let chain_hash = new_chains.raw_packet.append(&raw_record(raw_id, raw, &deviations));
            insert_raw
                .execute(params![
                    raw_id,
                    millis(raw.received_at),
                    raw.peer,
                    raw.mn,
                    raw.device.map(|device| device.0),
                    raw.cn,
                    raw.verdict.label(),
                    raw.verdict.reason(),
                    deviations,
                    raw.bytes,
                    chain_hash.as_slice(),
                ])
                .map_err(database_error("archiving a raw packet"))?;
            report.packets.push(PacketOutcome { raw_id, n_inserted: 0, n_duplicate: 0 });
        }

        // Then the readings in primary-key order, so consecutive inserts land on
        // the same or neighbouring pages. The sort is stable: of two readings with
        // one key, the earlier packet's is inserted and the later one is the duplicate.
        let mut pending =
            Vec::with_capacity(batch.packets.iter().map(|packet| packet.readings.len()).sum());
        for (index, packet) in batch.packets.iter().enumerate() {
            for reading in &packet.readings {
                let key = &reading.key;
                let param = param_id(&tx, param_ids, &mut new_param_ids, &key.param)?;
                pending.push((
                    (key.point.0, kind_to_db(key.kind), millis(key.data_time), param),
                    index,
                    reading,
                ));
            }
        }
        pending.sort_by_key(|&(key, _, _)| key);
        for ((point, kind, data_ms, param), index, reading) in pending {
            let values = &reading.values;
            let outcome = &mut report.packets[index];
            let n_new = insert_reading
                .execute(params![
                    point,
                    kind,
                    data_ms,
                    param,
                    outcome.raw_id,
                    values.rtd,
                    values.min,
                    values.avg,
                    values.max,
                    values.zs_rtd,
                    values.zs_min,
                    values.zs_avg,
                    values.zs_max,
                    values.cou,
                    values.flag,
                    values.eflag,
                    values.sample_time,
                ])
                .map_err(database_error("inserting a reading"))?;
            if n_new > 0 {
                outcome.n_inserted += 1;
                let newest = latest.entry((point, kind, param)).or_insert((data_ms, values));
                if data_ms > newest.0 {
                    *newest = (data_ms, values);
                }
            } else {
                outcome.n_duplicate += 1;
            }
        }
    }

    latest::record(&tx, latest)?;

    for sighting in &batch.sightings {
        // Monotonic: an older sighting never moves last_seen (or last_data) backwards.
        let n_matched = tx
            .prepare_cached(
                "UPDATE device SET
                     last_peer = CASE WHEN last_seen_ms IS NULL OR last_seen_ms <= ?2 THEN ?3 ELSE last_peer END,
                     last_seen_ms = max(coalesce(last_seen_ms, ?2), ?2),
                     last_data_ms = CASE WHEN ?4 IS NULL THEN last_data_ms
                                         ELSE max(coalesce(last_data_ms, ?4), ?4) END
                 WHERE id = ?1",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    sighting.device.0,
                    millis(sighting.at),
                    sighting.peer,
                    sighting.latest_data_time.map(millis)
                ])
            })
            .map_err(database_error("recording a device sighting"))?;
        if n_matched == 0 {
            return Err(Error::NotFound { entity: "device", id: sighting.device.to_string() });
        }
    }

    for entry in &batch.audit {
        insert_audit(&tx, &mut new_chains.audit, entry)?;
    }
    if !batch.packets.is_empty() {
        evidence::write_head(&tx, "raw_packet", &new_chains.raw_packet.head())?;
    }
    if !batch.audit.is_empty() {
        evidence::write_head(&tx, "audit", &new_chains.audit.head())?;
    }

    for event in &batch.connections {
        tx.prepare_cached(
            "INSERT INTO connection_event (at_ms, peer, mn, event, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut statement| {
            statement.execute(params![millis(event.at), event.peer, event.mn, event.event, event.detail])
        })
        .map_err(database_error("logging a connection event"))?;
    }

    tx.commit().map_err(database_error("committing a batch"))?;
    // Only now are the new parameter ids real: a rolled-back batch must not leave them cached.
    param_ids.extend(new_param_ids);
    *chains = new_chains;
    Ok(report)
}

/// Appends an audit entry with its chain hash, extending `chain` (the caller
/// keeps the new head only if the transaction commits).
fn insert_audit(
    tx: &Transaction<'_>,
    chain: &mut ::evidence::Chain,
    entry: &AuditEntry,
) -> Result<()> {
    let detail = json_text(&entry.detail, "encoding audit detail")?;
    let id = chain.head().last_id + 1;
    let chain_hash = chain.append(&audit_record(id, entry, &detail));
    tx.prepare_cached(
        "INSERT INTO audit (id, at_ms, actor, action, subject, detail, chain_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            id,
            millis(entry.at),
            entry.actor,
            entry.action,
            entry.subject,
            detail,
            chain_hash.as_slice()
        ])
    })
    .map_err(database_error("appending an audit entry"))?;
    Ok(())
}

impl Store for SqliteStore {
    fn verify_evidence(&self) -> Result<Vec<ChainCheck>> {
        self.read(evidence::verify)
    }

    fn commit_batch(&self, batch: &IngestBatch) -> Result<CommitReport> {
        let report = commit_batch(&mut lock(&self.writer), batch)?;
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.wake();
        }
        Ok(report)
    }

    fn readings(&self, query: &ReadingQuery) -> Result<Vec<Reading>> {
        // The primary key (point, kind, data time, param) makes this one contiguous
        // range scan in data-time order, so the limit stops it early; only rows of
        // equal data time are sorted by parameter code.
        const ALL_PARAMS: &str =
            "SELECT r.point_id, q.code, r.kind, r.data_ms, r.rtd, r.min, r.avg, r.max,
                r.zs_rtd, r.zs_min, r.zs_avg, r.zs_max, r.cou, r.flag, r.eflag, r.sample_time
            FROM reading r JOIN param q ON q.id = r.param_id
            WHERE r.point_id = ?1 AND r.kind = ?2 AND r.data_ms >= ?3 AND r.data_ms < ?4
            ORDER BY r.data_ms, q.code
            LIMIT ?5";
        const SOME_PARAMS: &str =
            "SELECT r.point_id, q.code, r.kind, r.data_ms, r.rtd, r.min, r.avg, r.max,
                r.zs_rtd, r.zs_min, r.zs_avg, r.zs_max, r.cou, r.flag, r.eflag, r.sample_time
            FROM reading r JOIN param q ON q.id = r.param_id
            WHERE r.point_id = ?1 AND r.kind = ?2 AND r.data_ms >= ?3 AND r.data_ms < ?4
              AND q.code IN (SELECT value FROM json_each(?6))
            ORDER BY r.data_ms, q.code
            LIMIT ?5";
        const DURING: &str = "querying readings";
        let codes: Vec<&str> = query.params.iter().map(ParamCode::as_str).collect();
        self.read(|conn| {
            // Corrected readings show their current version (migration 0009).
            if corrections::any_corrected(conn, query.point, query.kind)? {
                let marked = corrections::current_readings(conn, query)?;
                return Ok(marked.into_iter().map(|marked| marked.reading).collect());
            }
            let bounds = params![
                query.point.0,
                kind_to_db(query.kind),
                millis(query.from),
                millis(query.to),
                limit_to_db(query.limit)
            ];
            if codes.is_empty() {
                let mut statement =
                    conn.prepare_cached(ALL_PARAMS).map_err(database_error(DURING))?;
                let rows = statement.query(bounds).map_err(database_error(DURING))?;
                collect(rows, DURING, |row| decode_reading(row))
            } else {
                let codes = json_text(&codes, "encoding the parameter filter")?;
                let mut statement =
                    conn.prepare_cached(SOME_PARAMS).map_err(database_error(DURING))?;
                let rows = statement
                    .query(params![
                        query.point.0,
                        kind_to_db(query.kind),
                        millis(query.from),
                        millis(query.to),
                        limit_to_db(query.limit),
                        codes
                    ])
                    .map_err(database_error(DURING))?;
                collect(rows, DURING, |row| decode_reading(row))
            }
        })
    }

    fn count_readings(&self) -> Result<u64> {
        self.read(|conn| {
            let n: i64 = conn
                .query_row("SELECT count(*) FROM reading", [], |row| row.get(0))
                .map_err(database_error("counting readings"))?;
            count_from_db(n, "reading")
        })
    }

    fn raw_packets(&self, query: &RawQuery) -> Result<Vec<RawPacketRecord>> {
        const COLUMNS: &str = "SELECT id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes FROM raw_packet";
        const DURING: &str = "querying raw packets";
        // One statement per filter combination, so each can use its index.
        let (filter, args): (&str, Vec<&dyn rusqlite::ToSql>) = match (&query.mn, &query.verdict) {
            (None, None) => ("", vec![]),
            (Some(mn), None) => ("WHERE mn = ?2", vec![mn]),
            (None, Some(verdict)) => ("WHERE verdict = ?2", vec![verdict]),
            (Some(mn), Some(verdict)) => ("WHERE mn = ?2 AND verdict = ?3", vec![mn, verdict]),
        };
        let sql = format!("{COLUMNS} {filter} ORDER BY id DESC LIMIT ?1");
        let limit = limit_to_db(query.limit);
        let mut all_args: Vec<&dyn rusqlite::ToSql> = vec![&limit];
        all_args.extend(args);
        self.read(|conn| {
            let mut statement = conn.prepare_cached(&sql).map_err(database_error(DURING))?;
            let rows = statement.query(all_args.as_slice()).map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_raw_packet(row))
        })
    }

    fn upsert_point(&self, point: &NewPoint) -> Result<PointId> {
        self.write("committing a point", |tx| upsert_point_in(tx, point))
    }

    fn points(&self) -> Result<Vec<PointRecord>> {
        const DURING: &str = "querying points";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT id, code, name, kind, enterprise, simulated FROM point ORDER BY id",
                )
                .map_err(database_error(DURING))?;
            let rows = statement.query([]).map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_point(row))
        })
    }

    fn upsert_device(&self, device: &NewDevice) -> Result<DeviceId> {
        let leniency = json_text(&device.leniency, "encoding device leniency")?;
        self.write("committing a device", |tx| upsert_device_in(tx, device, &leniency))
    }

    fn device_by_mn(&self, mn: &Mn) -> Result<Option<DeviceRecord>> {
        const DURING: &str = "looking up a device by MN";
        self.read(|conn| {
            let mut statement = conn
                // A device retired in the registry is no longer known to the gateway.
                .prepare_cached(&format!("SELECT {DEVICE_COLUMNS} WHERE mn = ?1 AND retired = 0"))
                .map_err(database_error(DURING))?;
            let mut rows = statement.query(params![mn.as_str()]).map_err(database_error(DURING))?;
            rows.next().map_err(database_error(DURING))?.map(decode_device).transpose()
        })
    }

    fn devices(&self) -> Result<Vec<DeviceRecord>> {
        const DURING: &str = "querying devices";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(&format!("SELECT {DEVICE_COLUMNS} ORDER BY id"))
                .map_err(database_error(DURING))?;
            let rows = statement.query([]).map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_device(row))
        })
    }

    fn connection_log(&self, mn: Option<&str>, limit: usize) -> Result<Vec<ConnectionEvent>> {
        const DURING: &str = "querying the connection log";
        const COLUMNS: &str = "SELECT at_ms, peer, mn, event, detail FROM connection_event";
        self.read(|conn| match mn {
            None => {
                let mut statement = conn
                    .prepare_cached(&format!("{COLUMNS} ORDER BY at_ms DESC, id DESC LIMIT ?1"))
                    .map_err(database_error(DURING))?;
                let rows =
                    statement.query(params![limit_to_db(limit)]).map_err(database_error(DURING))?;
                collect(rows, DURING, |row| decode_connection_event(row))
            }
            Some(mn) => {
                let mut statement = conn
                    .prepare_cached(&format!(
                        "{COLUMNS} WHERE mn = ?2 ORDER BY at_ms DESC, id DESC LIMIT ?1"
                    ))
                    .map_err(database_error(DURING))?;
                let rows = statement
                    .query(params![limit_to_db(limit), mn])
                    .map_err(database_error(DURING))?;
                collect(rows, DURING, |row| decode_connection_event(row))
            }
        })
    }

    fn record_audit(&self, entries: &[AuditEntry]) -> Result<()> {
        self.write_audited("appending audit entries", |_, audit| {
            audit.extend_from_slice(entries);
            Ok(())
        })
    }

    fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        const DURING: &str = "querying audit entries";
        self.read(|conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT at_ms, actor, action, subject, detail FROM audit ORDER BY at_ms DESC, id DESC LIMIT ?1",
                )
                .map_err(database_error(DURING))?;
            let rows = statement.query(params![limit_to_db(limit)]).map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_audit(row))
        })
    }

    fn latest_readings(&self, kind: DataKind) -> Result<Vec<Reading>> {
        self.query_latest_readings(kind)
    }
}
