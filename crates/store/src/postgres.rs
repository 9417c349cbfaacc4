//! The PostgreSQL implementation of [`Store`], for deployments that outgrow one
//! machine: several gateway processes and workers share one database.
//!
//! **Connections.** One writer connection behind a mutex does every write of
//! this process, and a small pool of reader connections serves queries. Each is
//! opened lazily and opened again after the server closed it. The `postgres`
//! client blocks on a runtime of its own, which must not run inside a tokio
//! worker, so every call runs on a short-lived thread of its own ([`off_runtime`]);
//! the store is safe to call (and to drop) from anywhere.
//!
//! **Durability.** The writer's session runs with `synchronous_commit = on`: a
//! `COMMIT` returns once the WAL is flushed (and, with synchronous standbys
//! configured on the server, replicated), so [`Store::commit_batch`] returns only
//! when the batch is durable.
//!
//! **Schema.** Numbered migrations in `postgres/migrations/` (see [`migrate`]);
//! the same tables and encodings as the SQLite store. `reading` and `raw_packet`
//! are partitioned by month ([`partitions`]).
//!
//! **Commit path.** The months the batch needs are created first. Then one
//! transaction: the points are checked, the `raw_packet` chain head is locked
//! (`SELECT … FOR UPDATE`) and read, the packets are inserted in one multi-row
//! statement with ids following the head, the readings in one multi-row
//! `INSERT … ON CONFLICT DO NOTHING RETURNING` (the keys not returned were stored
//! already, by this or any other process, and are counted as duplicates), then
//! `latest_reading`, sightings, the audit chain (its head locked the same way),
//! connection events and the new heads.
//!
//! **Several writers.** The head row lock serialises the evidence part of
//! concurrent commits from different processes: the second waits until the
//! first commits, then reads the head the first wrote. So ids are gap-free and
//! committed in increasing order (the evaluator's watermark relies on that), and
//! the chain never forks. Locks are always taken in the same order (raw_packet,
//! then audit, then devices by id), so writers cannot deadlock.
//!
//! **Retention.** With `realtime_retention_days` set, realtime readings older
//! than that (measured from the newest receive time the writer has committed,
//! not the wall clock) are deleted after a commit, at most every ten minutes of
//! receive time. Raw packets are evidence and are never deleted.

mod account;
mod alarm;
mod alarm_page;
mod corrections;
mod derived;
mod migrate;
mod partitions;
mod plan;
mod registry;
mod supervision;
mod throttle;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ::postgres::types::ToSql;
use ::postgres::{Client, GenericClient, IsolationLevel, NoTls, Row, Transaction};
use evidence::{Chain, Hash, Head};
use model::{DataKind, DeviceId, Mn, ParamCode, PointId, Reading, ReadingValues};
use serde::{Deserialize, Serialize};

use crate::chain::{TABLES, audit_record, check_table, head_from_db, raw_record};
use crate::encoding::{count_from_db, json_text, kind_to_db, limit_to_db, millis};
use crate::rows::{
    DEVICE_COLUMNS, StoredRow, decode_audit, decode_connection_event, decode_device,
    decode_evidence, decode_point, decode_raw_packet, decode_reading, evidence_sql,
};
use crate::{
    AuditEntry, ChainCheck, CommitReport, ConnectionEvent, DeviceRecord, Error, IngestBatch,
    NewDevice, NewPoint, PacketOutcome, PointRecord, RawPacketRecord, RawQuery, ReadingQuery,
    Result, Store,
};
pub(crate) use partitions::{Month, create as create_partitions};

/// Settings of the PostgreSQL store (`[store.postgres]` in the config file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PgOptions {
    /// Reader connections for queries (at least 1), besides the one writer connection.
    pub n_readers: usize,
    /// Delete realtime readings (HJ 212 CN 2011) older than this many days; 0 keeps them forever.
    /// Minute, hour and day data and the raw archive are never deleted.
    pub realtime_retention_days: u32,
}

impl Default for PgOptions {
    fn default() -> PgOptions {
        PgOptions { n_readers: 4, realtime_retention_days: 0 }
    }
}

/// Receive time that must pass between two retention runs of the writer.
const RETENTION_INTERVAL_MS: i64 = 10 * 60 * 1000;

/// The PostgreSQL store: a writer connection and a pool of readers on one database.
pub struct PgStore {
    url: String,
    writer: Mutex<Writer>,
    readers: Vec<Mutex<Slot>>,
    next_reader: AtomicUsize,
    options: PgOptions,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("n_readers", &self.readers.len()).finish_non_exhaustive()
    }
}

/// A connection, opened when first needed and again after the server closed it.
struct Slot {
    url: String,
    client: Option<Client>,
}

impl Slot {
    fn new(url: &str) -> Slot {
        Slot { url: url.to_owned(), client: None }
    }

    fn client(&mut self) -> Result<&mut Client> {
        let client = match self.client.take() {
            Some(client) if !client.is_closed() => client,
            _ => connect(&self.url)?,
        };
        Ok(self.client.insert(client))
    }
}

/// The writer connection and what only the writer needs.
struct Writer {
    slot: Slot,
    /// Parameter code → `param.id`, for codes known to be committed.
    param_ids: HashMap<String, i64>,
    /// Partitions known to exist, as (table, month start).
    months: HashSet<(&'static str, i64)>,
    /// The receive time (ms) of the last retention run.
    retention_ran_ms: i64,
}

fn connect(url: &str) -> Result<Client> {
    let mut client =
        Client::connect(url, NoTls).map_err(database_error("connecting to PostgreSQL"))?;
    client
        .batch_execute("SET synchronous_commit = on; SET TIME ZONE 'UTC'")
        .map_err(database_error("configuring a PostgreSQL session"))?;
    Ok(client)
}

/// The channel every batch commit with new readings is announced on
/// (`NOTIFY`), for [`Store::watch_commits`].
const COMMIT_CHANNEL: &str = "qingshan_commit";

/// A connection listening on [`COMMIT_CHANNEL`].
fn listen_for_commits(url: &str) -> Result<Client> {
    let mut client = connect(url)?;
    client
        .batch_execute(&format!("LISTEN {COMMIT_CHANNEL}"))
        .map_err(database_error("listening for batch commits"))?;
    Ok(client)
}

/// [`Store::watch_commits`]' thread: calls `on_commit` for every
/// announcement until `on_commit` is held by nobody else. A lost connection
/// is opened again (once a second) and `on_commit` called once more, since
/// commits may have gone unannounced meanwhile.
fn watch_commits(url: &str, mut client: Client, on_commit: &Arc<dyn Fn() + Send + Sync>) {
    use ::postgres::fallible_iterator::FallibleIterator;
    let wanted = || Arc::strong_count(on_commit) > 1;
    while wanted() {
        let lost = {
            let mut notifications = client.notifications();
            let mut announced = notifications.timeout_iter(std::time::Duration::from_secs(1));
            loop {
                match announced.next() {
                    Ok(Some(_)) if wanted() => on_commit(),
                    Ok(Some(_) | None) => break false,
                    Err(_) => break true,
                }
            }
        };
        if lost || client.is_closed() {
            client = loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
                if !wanted() {
                    return;
                }
                if let Ok(client) = listen_for_commits(url) {
                    break client;
                }
            };
            on_commit();
        }
    }
}

/// Turns a driver error into [`Error::Database`] labelled with what we were doing.
pub(crate) fn database_error(during: &'static str) -> impl FnOnce(::postgres::Error) -> Error {
    move |source| Error::Database { during, source: Box::new(source) }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a half-done transaction: an
    // unfinished `postgres::Transaction` rolls back when dropped.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A read-only transaction on one snapshot (repeatable read), for reads that must agree.
fn snapshot<'a>(client: &'a mut Client, during: &'static str) -> Result<Transaction<'a>> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(database_error(during))
}

/// Runs `work` on a thread of its own and waits for it: the blocking client
/// must not run on a tokio worker thread, and this store does not know where it is called from.
pub(crate) fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| match scope.spawn(work).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`),
    /// migrates its schema and creates the current and next months' partitions.
    ///
    /// Fails with [`Error::SchemaTooNew`] if the database was written by a newer program.
    pub fn open(url: &str, options: PgOptions) -> Result<PgStore> {
        let mut writer = Slot::new(url);
        let months = off_runtime(|| -> Result<HashSet<(&'static str, i64)>> {
            let client = writer.client()?;
            migrate::migrate(client)?;
            let now = model::Clock::now(&model::SystemClock);
            let this_month = Month::containing(millis(now))?;
            let ahead = [this_month, this_month.next()?];
            let mut months = HashSet::new();
            for table in partitions::TABLES {
                partitions::create(client, table, &ahead)?;
                months.extend(ahead.iter().map(|month| (table, month.start_ms())));
            }
            Ok(months)
        })?;
        let readers = (0..options.n_readers.max(1)).map(|_| Mutex::new(Slot::new(url))).collect();
        Ok(PgStore {
            url: url.to_owned(),
            writer: Mutex::new(Writer {
                slot: writer,
                param_ids: HashMap::new(),
                months,
                retention_ran_ms: i64::MIN,
            }),
            readers,
            next_reader: AtomicUsize::new(0),
            options,
        })
    }

    /// Runs `query` on a reader connection: a free one if any, else the next in turn.
    fn read<T: Send>(&self, query: impl FnOnce(&mut Client) -> Result<T> + Send) -> Result<T> {
        off_runtime(|| {
            for reader in &self.readers {
                if let Ok(mut slot) = reader.try_lock() {
                    return query(slot.client()?);
                }
            }
            let index = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
            query(lock(&self.readers[index]).client()?)
        })
    }

    /// Runs `write` in one transaction on the writer connection and commits it.
    fn write<T: Send>(
        &self,
        during: &'static str,
        write: impl FnOnce(&mut Transaction<'_>) -> Result<T> + Send,
    ) -> Result<T> {
        off_runtime(|| {
            let mut writer = lock(&self.writer);
            let mut tx = writer.slot.client()?.transaction().map_err(database_error(during))?;
            let value = write(&mut tx)?;
            tx.commit().map_err(database_error(during))?;
            Ok(value)
        })
    }

    /// Runs `write` in one transaction on the writer connection, appends the
    /// audit entries it pushed to the audit chain in that same transaction (the
    /// chain head row locked `FOR UPDATE`, last, as in [`Store::commit_batch`]),
    /// and commits: a change and its audit record are durable together or not at all.
    ///
    /// Every registry, alarm, account or plan change goes through here.
    fn write_audited<T: Send>(
        &self,
        during: &'static str,
        write: impl FnOnce(&mut Transaction<'_>, &mut Vec<AuditEntry>) -> Result<T> + Send,
    ) -> Result<T> {
        self.write(during, |tx| {
            let mut entries = Vec::new();
            let value = write(tx, &mut entries)?;
            append_audit(tx, &entries)?;
            Ok(value)
        })
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Closing a client blocks on its runtime: do it off any tokio worker too.
        let writer = lock(&self.writer).slot.client.take();
        let readers: Vec<Option<Client>> =
            self.readers.iter().map(|reader| lock(reader).client.take()).collect();
        off_runtime(move || drop((writer, readers)));
    }
}

// ---- Decoding rows ----

/// Column `index` of `row`, or [`Error::Corrupt`] naming `table.column`.
fn column<'a, T: ::postgres::types::FromSql<'a>>(
    row: &'a Row,
    index: usize,
    table: &'static str,
    column: &'static str,
) -> Result<T> {
    row.try_get(index).map_err(|error| Error::Corrupt { table, column, detail: error.to_string() })
}

/// Decodes every row with `decode`.
fn decode_all<T>(rows: Vec<Row>, decode: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(decode).collect()
}

/// Runs `sql` and decodes every row it returns with `decode`.
fn select<T>(
    client: &mut impl GenericClient,
    during: &'static str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    decode: impl Fn(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    decode_all(client.query(sql, params).map_err(database_error(during))?, decode)
}

/// Runs `sql` and decodes the row it returns, if any.
fn select_opt<T>(
    client: &mut impl GenericClient,
    during: &'static str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    decode: impl Fn(&Row) -> Result<T>,
) -> Result<Option<T>> {
    client.query_opt(sql, params).map_err(database_error(during))?.as_ref().map(decode).transpose()
}

const READING_COLUMNS: &str =
    "r.point_id, q.code, r.kind, r.data_ms, r.rtd, r.min, r.avg, r.max, r.zs_rtd, r.zs_min,
     r.zs_avg, r.zs_max, r.cou, r.flag, r.eflag, r.sample_time";

const RAW_COLUMNS: &str =
    "id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes";

// ---- Writing ----

fn point_exists(tx: &mut Transaction<'_>, point: PointId) -> Result<bool> {
    tx.query_opt("SELECT 1 FROM point WHERE id = $1", &[&point.0])
        .map(|row| row.is_some())
        .map_err(database_error("checking that a point exists"))
}

/// Creates the point with `point.code` or updates it, inside `tx`; returns its id.
fn upsert_point_in(tx: &mut Transaction<'_>, point: &NewPoint) -> Result<PointId> {
    let row = tx
        .query_one(
            "INSERT INTO point (code, name, kind, enterprise, simulated) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                 enterprise = excluded.enterprise, simulated = excluded.simulated
             RETURNING id",
            &[&point.code, &point.name, &point.kind.as_str(), &point.enterprise, &point.simulated],
        )
        .map_err(database_error("upserting a point"))?;
    Ok(PointId(column(&row, 0, "point", "id")?))
}

/// Creates the device with `device.mn` or updates it, inside `tx`; `leniency`
/// is its leniency as JSON. Fails with [`Error::NotFound`] if its point does not exist.
fn upsert_device_in(
    tx: &mut Transaction<'_>,
    device: &NewDevice,
    leniency: &str,
) -> Result<DeviceId> {
    if !point_exists(tx, device.point)? {
        return Err(Error::NotFound { entity: "point", id: device.point.to_string() });
    }
    let row = tx
        .query_one(
            "INSERT INTO device (mn, password_hash, protocol, point_id, leniency, simulated)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (mn) DO UPDATE SET password_hash = excluded.password_hash,
                 protocol = excluded.protocol, point_id = excluded.point_id,
                 leniency = excluded.leniency, simulated = excluded.simulated
             RETURNING id",
            &[
                &device.mn.as_str(),
                &device.password_hash,
                &device.protocol,
                &device.point.0,
                &leniency,
                &device.simulated,
            ],
        )
        .map_err(database_error("upserting a device"))?;
    Ok(DeviceId(column(&row, 0, "device", "id")?))
}

/// Locks the chain head of `table` until the transaction ends and reads it.
fn lock_head(tx: &mut Transaction<'_>, table: &'static str) -> Result<Chain> {
    const DURING: &str = "locking the evidence chain head";
    let row = tx
        .query_one(
            "SELECT n_records, last_id, last_hash FROM chain_head WHERE name = $1 FOR UPDATE",
            &[&table],
        )
        .map_err(database_error(DURING))?;
    let head = head_from_db(
        table,
        column(&row, 0, "chain_head", "n_records")?,
        column(&row, 1, "chain_head", "last_id")?,
        column(&row, 2, "chain_head", "last_hash")?,
    )?;
    Ok(Chain::from_head(head))
}

/// Records the head of `table`'s chain, in the caller's transaction.
fn write_head(tx: &mut Transaction<'_>, table: &str, head: &Head) -> Result<()> {
    let n_records = i64::try_from(head.n_records).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE chain_head SET n_records = $2, last_id = $3, last_hash = $4 WHERE name = $1",
        &[&table, &n_records, &head.last_id, &head.last_hash.as_slice()],
    )
    .map_err(database_error("recording the evidence chain head"))?;
    Ok(())
}

/// The ids of `codes`, interning new ones; new ids go to `new_ids` until the commit.
fn param_ids(
    tx: &mut Transaction<'_>,
    known: &HashMap<String, i64>,
    new_ids: &mut HashMap<String, i64>,
    codes: &[&ParamCode],
) -> Result<()> {
    const DURING: &str = "interning parameter codes";
    let mut missing: Vec<&str> =
        codes.iter().map(|code| code.as_str()).filter(|code| !known.contains_key(*code)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    // Sorted, so two writers interning the same new codes lock them in one order.
    missing.sort_unstable();
    missing.dedup();
    tx.execute(
        "INSERT INTO param (code) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT (code) DO NOTHING",
        &[&missing],
    )
    .map_err(database_error(DURING))?;
    for row in tx
        .query("SELECT code, id FROM param WHERE code = ANY($1)", &[&missing])
        .map_err(database_error(DURING))?
    {
        new_ids.insert(column(&row, 0, "param", "code")?, column(&row, 1, "param", "id")?);
    }
    Ok(())
}

/// The months of `table` that `times` fall in and that are not known to exist yet.
fn missing_months(
    known: &HashSet<(&'static str, i64)>,
    table: &'static str,
    times: impl Iterator<Item = i64>,
) -> Result<Vec<Month>> {
    let mut months: Vec<Month> = Vec::new();
    for ms in times {
        let month = Month::containing(ms)?;
        if !known.contains(&(table, month.start_ms())) && !months.contains(&month) {
            months.push(month);
        }
    }
    Ok(months)
}

/// Creates the partitions the batch needs (in transactions of their own).
fn ensure_partitions(writer: &mut Writer, batch: &IngestBatch) -> Result<()> {
    let readings = missing_months(
        &writer.months,
        "reading",
        batch
            .packets
            .iter()
            .flat_map(|packet| packet.readings.iter().map(|r| millis(r.key.data_time))),
    )?;
    let raw = missing_months(
        &writer.months,
        "raw_packet",
        batch.packets.iter().map(|packet| millis(packet.raw.received_at)),
    )?;
    for (table, months) in [("reading", readings), ("raw_packet", raw)] {
        if months.is_empty() {
            continue;
        }
        partitions::create(writer.slot.client()?, table, &months)?;
        writer.months.extend(months.iter().map(|month| (table, month.start_ms())));
    }
    Ok(())
}

/// The per-column arrays of a multi-row insert of readings.
#[derive(Default)]
struct ReadingColumns<'a> {
    point: Vec<i64>,
    kind: Vec<i32>,
    data_ms: Vec<i64>,
    param: Vec<i64>,
    raw_id: Vec<i64>,
    values: [Vec<Option<f64>>; 9],
    texts: [Vec<Option<&'a str>>; 3],
}

impl<'a> ReadingColumns<'a> {
    fn push(&mut self, key: (i64, i64, i64, i64), raw_id: i64, values: &'a ReadingValues) {
        let (point, kind, data_ms, param) = key;
        self.point.push(point);
        self.kind.push(i32::try_from(kind).unwrap_or(i32::MAX));
        self.data_ms.push(data_ms);
        self.param.push(param);
        self.raw_id.push(raw_id);
        let numbers = [
            values.rtd,
            values.min,
            values.avg,
            values.max,
            values.zs_rtd,
            values.zs_min,
            values.zs_avg,
            values.zs_max,
            values.cou,
        ];
        for (column, value) in self.values.iter_mut().zip(numbers) {
            column.push(value);
        }
        let texts =
            [values.flag.as_deref(), values.eflag.as_deref(), values.sample_time.as_deref()];
        for (column, value) in self.texts.iter_mut().zip(texts) {
            column.push(value);
        }
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        let mut params: Vec<&(dyn ToSql + Sync)> =
            vec![&self.point, &self.kind, &self.data_ms, &self.param, &self.raw_id];
        params.extend(self.values.iter().map(|column| column as &(dyn ToSql + Sync)));
        params.extend(self.texts.iter().map(|column| column as &(dyn ToSql + Sync)));
        params
    }
}

fn commit_batch(writer: &mut Writer, batch: &IngestBatch) -> Result<CommitReport> {
    ensure_partitions(writer, batch)?;
    let Writer { slot, param_ids: known_params, .. } = writer;
    let mut tx =
        slot.client()?.transaction().map_err(database_error("starting the batch transaction"))?;
    let mut new_param_ids = HashMap::new();
    let mut report = CommitReport { packets: Vec::with_capacity(batch.packets.len()) };

    // Refuse readings of unknown points with a clear error (there is no foreign key).
    let mut points: Vec<i64> = batch
        .packets
        .iter()
        .flat_map(|packet| packet.readings.iter().map(|reading| reading.key.point.0))
        .collect();
    points.sort_unstable();
    points.dedup();
    if !points.is_empty() {
        let found: HashSet<i64> = tx
            .query("SELECT id FROM point WHERE id = ANY($1)", &[&points])
            .map_err(database_error("checking that points exist"))?
            .iter()
            .map(|row| column(row, 0, "point", "id"))
            .collect::<Result<_>>()?;
        if let Some(missing) = points.iter().find(|point| !found.contains(point)) {
            return Err(Error::NotFound { entity: "point", id: PointId(*missing).to_string() });
        }
    }

    if !batch.packets.is_empty() {
        // The lock that makes several writer processes safe: held until commit.
        let mut chain = lock_head(&mut tx, "raw_packet")?;
        let mut ids = Vec::with_capacity(batch.packets.len());
        let mut received = Vec::with_capacity(batch.packets.len());
        let mut peers = Vec::with_capacity(batch.packets.len());
        let mut mns = Vec::with_capacity(batch.packets.len());
        let mut devices = Vec::with_capacity(batch.packets.len());
        let mut cns = Vec::with_capacity(batch.packets.len());
        let mut verdicts = Vec::with_capacity(batch.packets.len());
        let mut reasons = Vec::with_capacity(batch.packets.len());
        let mut deviations = Vec::with_capacity(batch.packets.len());
        let mut bytes = Vec::with_capacity(batch.packets.len());
        let mut hashes = Vec::with_capacity(batch.packets.len());
        for packet in &batch.packets {
            let raw = &packet.raw;
            let raw_id = chain.head().last_id + 1;
            let deviation_text = json_text(&raw.deviations, "encoding deviations")?;
            let hash: Hash = chain.append(&raw_record(raw_id, raw, &deviation_text));
            ids.push(raw_id);
            received.push(millis(raw.received_at));
            peers.push(raw.peer.as_str());
            mns.push(raw.mn.as_deref());
            devices.push(raw.device.map(|device| device.0));
            cns.push(raw.cn.map(i32::from));
            verdicts.push(raw.verdict.label());
            reasons.push(raw.verdict.reason());
            deviations.push(deviation_text);
            bytes.push(raw.bytes.as_slice());
            hashes.push(hash.to_vec());
            report.packets.push(PacketOutcome { raw_id, n_inserted: 0, n_duplicate: 0 });
        }
        tx.execute(
            "INSERT INTO raw_packet (id, received_ms, point_id, peer, mn, device_id, cn, verdict, reason,
                                     deviations, bytes, chain_hash)
             SELECT u.id, u.received_ms, coalesce(d.point_id, 0), u.peer, u.mn, u.device_id, u.cn,
                    u.verdict, u.reason, u.deviations, u.bytes, u.chain_hash
             FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::int[],
                         $7::text[], $8::text[], $9::text[], $10::bytea[], $11::bytea[])
                  AS u (id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes, chain_hash)
             LEFT JOIN device d ON d.id = u.device_id",
            &[&ids, &received, &peers, &mns, &devices, &cns, &verdicts, &reasons, &deviations, &bytes, &hashes],
        )
        .map_err(database_error("archiving raw packets"))?;
        write_head(&mut tx, "raw_packet", &chain.head())?;
    }

    // The readings: the first of equal keys in the batch is the candidate, the
    // others are duplicates at once; candidates already stored come back missing
    // from RETURNING and are duplicates too.
    let codes: Vec<&ParamCode> = batch
        .packets
        .iter()
        .flat_map(|packet| packet.readings.iter().map(|reading| &reading.key.param))
        .collect();
    param_ids(&mut tx, known_params, &mut new_param_ids, &codes)?;
    let mut candidates: BTreeMap<(i64, i64, i64, i64), (usize, &Reading)> = BTreeMap::new();
    for (index, packet) in batch.packets.iter().enumerate() {
        for reading in &packet.readings {
            let key = &reading.key;
            let param = known_params
                .get(key.param.as_str())
                .or_else(|| new_param_ids.get(key.param.as_str()))
                .copied()
                .ok_or_else(|| Error::NotFound {
                    entity: "param",
                    id: key.param.as_str().to_owned(),
                })?;
            let db_key = (key.point.0, kind_to_db(key.kind), millis(key.data_time), param);
            match candidates.entry(db_key) {
                std::collections::btree_map::Entry::Occupied(_) => {
                    report.packets[index].n_duplicate += 1;
                }
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert((index, reading));
                }
            }
        }
    }
    if !candidates.is_empty() {
        let mut columns = ReadingColumns::default();
        for (key, (index, reading)) in &candidates {
            columns.push(*key, report.packets[*index].raw_id, &reading.values);
        }
        let inserted = tx
            .query(
                "INSERT INTO reading (point_id, kind, data_ms, param_id, raw_id, rtd, min, avg, max,
                                      zs_rtd, zs_min, zs_avg, zs_max, cou, flag, eflag, sample_time)
                 SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[],
                                      $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[],
                                      $11::float8[], $12::float8[], $13::float8[], $14::float8[],
                                      $15::text[], $16::text[], $17::text[])
                 ON CONFLICT DO NOTHING
                 RETURNING point_id, kind, data_ms, param_id",
                &columns.params(),
            )
            .map_err(database_error("inserting readings"))?;
        let mut inserted_keys = HashSet::with_capacity(inserted.len());
        for row in &inserted {
            let kind: i32 = column(row, 1, "reading", "kind")?;
            inserted_keys.insert((
                column::<i64>(row, 0, "reading", "point_id")?,
                i64::from(kind),
                column::<i64>(row, 2, "reading", "data_ms")?,
                column::<i64>(row, 3, "reading", "param_id")?,
            ));
        }
        // (point, kind, param) → the newest of the readings inserted now (time, values).
        let mut latest: BTreeMap<(i64, i64, i64), (i64, &ReadingValues)> = BTreeMap::new();
        for (key, (index, reading)) in &candidates {
            let outcome = &mut report.packets[*index];
            if inserted_keys.contains(key) {
                outcome.n_inserted += 1;
                let (point, kind, data_ms, param) = *key;
                let newest =
                    latest.entry((point, kind, param)).or_insert((data_ms, &reading.values));
                if data_ms > newest.0 {
                    *newest = (data_ms, &reading.values);
                }
            } else {
                outcome.n_duplicate += 1;
            }
        }
        if !latest.is_empty() {
            let mut columns = ReadingColumns::default();
            for ((point, kind, param), (data_ms, values)) in latest {
                columns.push((point, kind, data_ms, param), 0, values);
            }
            tx.execute(
                "INSERT INTO latest_reading (point_id, kind, data_ms, param_id, rtd, min, avg, max,
                                             zs_rtd, zs_min, zs_avg, zs_max, cou, flag, eflag, sample_time)
                 SELECT u.point_id, u.kind, u.data_ms, u.param_id, u.rtd, u.min, u.avg, u.max, u.zs_rtd,
                        u.zs_min, u.zs_avg, u.zs_max, u.cou, u.flag, u.eflag, u.sample_time
                 FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[],
                             $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[],
                             $11::float8[], $12::float8[], $13::float8[], $14::float8[],
                             $15::text[], $16::text[], $17::text[])
                      AS u (point_id, kind, data_ms, param_id, raw_id, rtd, min, avg, max, zs_rtd,
                            zs_min, zs_avg, zs_max, cou, flag, eflag, sample_time)
                 ON CONFLICT (point_id, kind, param_id) DO UPDATE SET data_ms = excluded.data_ms,
                     rtd = excluded.rtd, min = excluded.min, avg = excluded.avg, max = excluded.max,
                     zs_rtd = excluded.zs_rtd, zs_min = excluded.zs_min, zs_avg = excluded.zs_avg,
                     zs_max = excluded.zs_max, cou = excluded.cou, flag = excluded.flag,
                     eflag = excluded.eflag, sample_time = excluded.sample_time
                 WHERE excluded.data_ms > latest_reading.data_ms",
                &columns.params(),
            )
            .map_err(database_error("recording the latest readings"))?;
        }
    }

    record_sightings(&mut tx, &batch.sightings)?;

    append_audit(&mut tx, &batch.audit)?;

    if !batch.connections.is_empty() {
        let at: Vec<i64> = batch.connections.iter().map(|event| millis(event.at)).collect();
        let peers: Vec<&str> = batch.connections.iter().map(|event| event.peer.as_str()).collect();
        let mns: Vec<Option<&str>> =
            batch.connections.iter().map(|event| event.mn.as_deref()).collect();
        let events: Vec<&str> =
            batch.connections.iter().map(|event| event.event.as_str()).collect();
        let details: Vec<&str> =
            batch.connections.iter().map(|event| event.detail.as_str()).collect();
        tx.execute(
            "INSERT INTO connection_event (at_ms, peer, mn, event, detail)
             SELECT u.at_ms, u.peer, u.mn, u.event, u.detail
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
                  WITH ORDINALITY AS u (at_ms, peer, mn, event, detail, n)
             ORDER BY n",
            &[&at, &peers, &mns, &events, &details],
        )
        .map_err(database_error("logging connection events"))?;
    }

    if report.packets.iter().any(|outcome| outcome.n_inserted > 0) {
        // Delivered to every listening process when the transaction commits
        // (several in one transaction are delivered once): workers without a
        // gateway of their own wake their alarm fast path on it.
        tx.batch_execute(&format!("NOTIFY {COMMIT_CHANNEL}"))
            .map_err(database_error("announcing a batch"))?;
    }
    tx.commit().map_err(database_error("committing a batch"))?;
    // Only now are the new parameter ids real: a rolled-back batch must not leave them cached.
    known_params.extend(new_param_ids);
    Ok(report)
}

/// Appends `entries` to the audit log and its hash chain inside `tx`: the
/// chain head is locked until the transaction ends, so writers in several
/// processes extend one chain. Nothing happens for no entries.
fn append_audit(tx: &mut Transaction<'_>, entries: &[AuditEntry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut chain = lock_head(tx, "audit")?;
    for entry in entries {
        let detail = json_text(&entry.detail, "encoding audit detail")?;
        let id = chain.head().last_id + 1;
        let hash = chain.append(&audit_record(id, entry, &detail));
        tx.execute(
            "INSERT INTO audit (id, at_ms, actor, action, subject, detail, chain_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &id,
                &millis(entry.at),
                &entry.actor,
                &entry.action,
                &entry.subject,
                &detail,
                &hash.as_slice(),
            ],
        )
        .map_err(database_error("appending an audit entry"))?;
    }
    write_head(tx, "audit", &chain.head())
}

/// Records the batch's device sightings in one statement. Monotonic: an older
/// sighting never moves last_seen (or last_data) backwards; within the batch
/// the newest sighting of a device wins (the later one of equal times).
fn record_sightings(tx: &mut Transaction<'_>, sightings: &[crate::DeviceSighting]) -> Result<()> {
    if sightings.is_empty() {
        return Ok(());
    }
    // Device → (seen ms, peer, newest data ms), in id order so concurrent writers
    // lock the rows in one order.
    let mut newest: BTreeMap<i64, (i64, &str, Option<i64>)> = BTreeMap::new();
    for sighting in sightings {
        let (at, data) = (millis(sighting.at), sighting.latest_data_time.map(millis));
        let entry = newest.entry(sighting.device.0).or_insert((at, &sighting.peer, data));
        if at >= entry.0 {
            (entry.0, entry.1) = (at, &sighting.peer);
        }
        entry.2 = entry.2.max(data);
    }
    let devices: Vec<i64> = newest.keys().copied().collect();
    let seen: Vec<i64> = newest.values().map(|value| value.0).collect();
    let peers: Vec<&str> = newest.values().map(|value| value.1).collect();
    let data: Vec<Option<i64>> = newest.values().map(|value| value.2).collect();
    let updated = tx
        .query(
            "UPDATE device d SET
                 last_peer = CASE WHEN d.last_seen_ms IS NULL OR d.last_seen_ms <= u.seen_ms
                                  THEN u.peer ELSE d.last_peer END,
                 last_seen_ms = greatest(coalesce(d.last_seen_ms, u.seen_ms), u.seen_ms),
                 last_data_ms = CASE WHEN u.data_ms IS NULL THEN d.last_data_ms
                                     ELSE greatest(coalesce(d.last_data_ms, u.data_ms), u.data_ms) END
             FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[]) AS u (id, seen_ms, peer, data_ms)
             WHERE d.id = u.id
             RETURNING d.id",
            &[&devices, &seen, &peers, &data],
        )
        .map_err(database_error("recording device sightings"))?;
    if updated.len() < devices.len() {
        let found: HashSet<i64> =
            updated.iter().map(|row| row.required_int(0, "device", "id")).collect::<Result<_>>()?;
        if let Some(missing) = devices.iter().find(|device| !found.contains(device)) {
            return Err(Error::NotFound { entity: "device", id: DeviceId(*missing).to_string() });
        }
    }
    Ok(())
}

/// Deletes realtime readings older than the retention, at most every
/// [`RETENTION_INTERVAL_MS`] of receive time.
fn apply_retention(writer: &mut Writer, retention_days: u32, batch: &IngestBatch) -> Result<()> {
    let Some(newest_ms) = batch.packets.iter().map(|packet| millis(packet.raw.received_at)).max()
    else {
        return Ok(());
    };
    if retention_days == 0
        || newest_ms.saturating_sub(writer.retention_ran_ms) < RETENTION_INTERVAL_MS
    {
        return Ok(());
    }
    let cutoff_ms = newest_ms.saturating_sub(i64::from(retention_days) * 86_400_000);
    writer
        .slot
        .client()?
        .execute("DELETE FROM reading WHERE kind = 0 AND data_ms < $1", &[&cutoff_ms])
        .map_err(database_error("deleting realtime readings past their retention"))?;
    writer.retention_ran_ms = newest_ms;
    Ok(())
}

impl Store for PgStore {
    fn commit_batch(&self, batch: &IngestBatch) -> Result<CommitReport> {
        let retention_days = self.options.realtime_retention_days;
        off_runtime(|| {
            let mut writer = lock(&self.writer);
            let report = commit_batch(&mut writer, batch)?;
            // The batch is committed whatever happens now; a failed clean-up is
            // retried after the next batch.
            let _ = apply_retention(&mut writer, retention_days, batch);
            Ok(report)
        })
    }

    fn watch_commits(&self, on_commit: Arc<dyn Fn() + Send + Sync>) -> Result<bool> {
        // Listening starts before this returns, so no later commit is missed.
        let client = off_runtime(|| listen_for_commits(&self.url))?;
        let url = self.url.clone();
        std::thread::Builder::new()
            .name("qingshan-commit-watch".to_owned())
            .spawn(move || watch_commits(&url, client, &on_commit))
            .map_err(|error| Error::Database {
                during: "starting the commit watcher",
                source: Box::new(error),
            })?;
        Ok(true)
    }

    fn verify_evidence(&self) -> Result<Vec<ChainCheck>> {
        const DURING: &str = "verifying the evidence chains";
        self.read(|client| {
            let mut tx = snapshot(client, DURING)?;
            let mut checks = Vec::with_capacity(TABLES.len());
            for table in TABLES {
                let sql = evidence_sql(table);
                let head = read_head(&mut tx, table)?;
                let rows = tx
                    .query_raw(sql, std::iter::empty::<&(dyn ToSql + Sync)>())
                    .map_err(database_error(DURING))?;
                let records = ::postgres::fallible_iterator::FallibleIterator::iterator(rows)
                    .map(|row| decode_evidence(table, &row.map_err(database_error(DURING))?));
                checks.push(check_table(table, records, || Ok(head))?);
            }
            tx.commit().map_err(database_error(DURING))?;
            Ok(checks)
        })
    }

    fn readings(&self, query: &ReadingQuery) -> Result<Vec<Reading>> {
        const DURING: &str = "querying readings";
        let codes: Vec<&str> = query.params.iter().map(ParamCode::as_str).collect();
        let kind = i32::try_from(kind_to_db(query.kind)).unwrap_or(i32::MAX);
        let (from, to, limit) = (millis(query.from), millis(query.to), limit_to_db(query.limit));
        self.read(|client| {
            // Corrected readings show their current version (migration 0003).
            if corrections::any_corrected(client, query.point, query.kind)? {
                let marked = corrections::current_readings(client, query)?;
                return Ok(marked.into_iter().map(|marked| marked.reading).collect());
            }
            let filter = if codes.is_empty() { "" } else { "AND q.code = ANY($6)" };
            let sql = format!(
                "SELECT {READING_COLUMNS} FROM reading r JOIN param q ON q.id = r.param_id
                 WHERE r.point_id = $1 AND r.kind = $2 AND r.data_ms >= $3 AND r.data_ms < $4 {filter}
                 ORDER BY r.data_ms, q.code LIMIT $5"
            );
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&query.point.0, &kind, &from, &to, &limit];
            if !codes.is_empty() {
                params.push(&codes);
            }
            let rows = client.query(&sql, &params).map_err(database_error(DURING))?;
            decode_all(rows, decode_reading)
        })
    }

    fn count_readings(&self) -> Result<u64> {
        self.read(|client| {
            let row = client
                .query_one("SELECT count(*) FROM reading", &[])
                .map_err(database_error("counting readings"))?;
            count_from_db(column(&row, 0, "reading", "count(*)")?, "reading")
        })
    }

    fn raw_packets(&self, query: &RawQuery) -> Result<Vec<RawPacketRecord>> {
        const DURING: &str = "querying raw packets";
        let limit = limit_to_db(query.limit);
        self.read(|client| {
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&limit];
            let mut conditions = Vec::new();
            if let Some(mn) = &query.mn {
                params.push(mn);
                conditions.push(format!("mn = ${}", params.len()));
            }
            if let Some(verdict) = &query.verdict {
                params.push(verdict);
                conditions.push(format!("verdict = ${}", params.len()));
            }
            let filter = if conditions.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", conditions.join(" AND "))
            };
            let sql =
                format!("SELECT {RAW_COLUMNS} FROM raw_packet {filter} ORDER BY id DESC LIMIT $1");
            let rows = client.query(&sql, &params).map_err(database_error(DURING))?;
            decode_all(rows, decode_raw_packet)
        })
    }

    fn upsert_point(&self, point: &NewPoint) -> Result<PointId> {
        self.write("committing a point", |tx| upsert_point_in(tx, point))
    }

    fn points(&self) -> Result<Vec<PointRecord>> {
        self.read(|client| {
            let rows = client
                .query(
                    "SELECT id, code, name, kind, enterprise, simulated FROM point ORDER BY id",
                    &[],
                )
                .map_err(database_error("querying points"))?;
            decode_all(rows, decode_point)
        })
    }

    fn upsert_device(&self, device: &NewDevice) -> Result<DeviceId> {
        let leniency = json_text(&device.leniency, "encoding device leniency")?;
        self.write("committing a device", |tx| upsert_device_in(tx, device, &leniency))
    }

    fn device_by_mn(&self, mn: &Mn) -> Result<Option<DeviceRecord>> {
        self.read(|client| {
            client
                .query_opt(
                    &format!("SELECT {DEVICE_COLUMNS} WHERE mn = $1 AND NOT retired"),
                    &[&mn.as_str()],
                )
                .map_err(database_error("looking up a device by MN"))?
                .as_ref()
                .map(decode_device)
                .transpose()
        })
    }

    fn devices(&self) -> Result<Vec<DeviceRecord>> {
        self.read(|client| {
            let rows = client
                .query(&format!("SELECT {DEVICE_COLUMNS} ORDER BY id"), &[])
                .map_err(database_error("querying devices"))?;
            decode_all(rows, decode_device)
        })
    }

    fn connection_log(&self, mn: Option<&str>, limit: usize) -> Result<Vec<ConnectionEvent>> {
        const DURING: &str = "querying the connection log";
        const COLUMNS: &str = "SELECT at_ms, peer, mn, event, detail FROM connection_event";
        let limit = limit_to_db(limit);
        self.read(|client| {
            let rows = match mn {
                None => client
                    .query(&format!("{COLUMNS} ORDER BY at_ms DESC, id DESC LIMIT $1"), &[&limit]),
                Some(mn) => client.query(
                    &format!("{COLUMNS} WHERE mn = $2 ORDER BY at_ms DESC, id DESC LIMIT $1"),
                    &[&limit, &mn],
                ),
            }
            .map_err(database_error(DURING))?;
            decode_all(rows, decode_connection_event)
        })
    }

    fn record_audit(&self, entries: &[AuditEntry]) -> Result<()> {
        self.write("recording audit entries", |tx| append_audit(tx, entries))
    }

    fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let limit = limit_to_db(limit);
        self.read(|client| {
            let rows = client
                .query(
                    "SELECT at_ms, actor, action, subject, detail FROM audit ORDER BY at_ms DESC, id DESC LIMIT $1",
                    &[&limit],
                )
                .map_err(database_error("querying audit entries"))?;
            decode_all(rows, decode_audit)
        })
    }

    fn latest_readings(&self, kind: DataKind) -> Result<Vec<Reading>> {
        let kind = i32::try_from(kind_to_db(kind)).unwrap_or(i32::MAX);
        self.read(|client| {
            let rows = client
                .query(
                    "SELECT l.point_id, q.code, l.kind, l.data_ms, l.rtd, l.min, l.avg, l.max,
                            l.zs_rtd, l.zs_min, l.zs_avg, l.zs_max, l.cou, l.flag, l.eflag, l.sample_time
                     FROM latest_reading l JOIN param q ON q.id = l.param_id
                     WHERE l.kind = $1
                     ORDER BY l.point_id, q.code",
                    &[&kind],
                )
                .map_err(database_error("querying latest readings"))?;
            decode_all(rows, decode_reading)
        })
    }
}

fn read_head(tx: &mut Transaction<'_>, table: &'static str) -> Result<Option<Head>> {
    let row = tx
        .query_opt(
            "SELECT n_records, last_id, last_hash FROM chain_head WHERE name = $1",
            &[&table],
        )
        .map_err(database_error("reading the evidence chain head"))?;
    row.map(|row| {
        head_from_db(
            table,
            column(&row, 0, "chain_head", "n_records")?,
            column(&row, 1, "chain_head", "last_id")?,
            column(&row, 2, "chain_head", "last_hash")?,
        )
    })
    .transpose()
}
