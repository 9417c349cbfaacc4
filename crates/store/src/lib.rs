//! Qingshan's storage: the [`Store`] interface and its two implementations,
//! the embedded [`SqliteStore`] and [`PgStore`] for deployments on PostgreSQL.
//!
//! Everything the platform keeps goes through [`Store`]: the raw packet archive,
//! measurements ([`model::Reading`]), the devices and points that readings belong
//! to, device connection events and the audit log. The interface is blocking:
//! callers run it on a blocking thread (the ingest gateway has one writer thread
//! doing group commits).
//!
//! **Durability.** [`Store::commit_batch`] returns only after the batch is
//! durable (SQLite WAL with `synchronous=FULL`; PostgreSQL with
//! `synchronous_commit = on`). The raw packets and their readings are written
//! in that one transaction.
//!
//! **Idempotency.** Readings are unique by [`model::ReadingKey`]; a reading whose
//! key is stored already is counted as a duplicate and not written again.
//!
//! Only this crate writes SQL.
//!
//! ```
//! use store::{SqliteStore, Store};
//! let store = SqliteStore::open_in_memory()?;
//! assert_eq!(store.count_readings()?, 0);
//! # Ok::<(), store::Error>(())
//! ```

mod account;
mod account_sync;
mod alarm;
mod alarm_page;
mod alarm_sync;
mod case;
mod chain;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod corrections;
mod derived;
mod encoding;
mod hours;
mod plan;
mod plan_sync;
mod postgres;
mod registry;
mod registry_sync;
mod rows;
mod sqlite;
mod supervision;
mod throttle;
mod transfer;
mod types;

pub use account::*;
pub use alarm::*;
pub use alarm_page::*;
pub use case::*;
pub use chain::ChainCheck;
pub use corrections::*;
pub use derived::*;
pub use hours::{HourGrid, hour_grid};
pub use plan::*;
pub use postgres::{PgOptions, PgStore};
pub use registry::*;
pub use sqlite::{SqliteOptions, SqliteStore};
pub use supervision::*;
pub use throttle::*;
pub use transfer::{
    LATEST_VALUES_CHECK, TableCheck, TransferReport, copied_columns, copy_sqlite_to_postgres,
};
pub use types::*;

/// The storage interface shared by the SQLite and PostgreSQL implementations.
pub trait Store:
    Send
    + Sync
    + DerivedStore
    + RegistryStore
    + PlanStore
    + AlarmStore
    + AlarmPageStore
    + AccountStore
    + CorrectionStore
    + CaseStore
    + SupervisionStore
    + LoginThrottleStore
{
    /// Commits a batch of received packets, their readings, device sightings and
    /// audit entries in one transaction, and returns once it is durable.
    ///
    /// Readings whose [`model::ReadingKey`] is already stored are skipped and
    /// counted in [`PacketOutcome::n_duplicate`].
    fn commit_batch(&self, batch: &IngestBatch) -> Result<CommitReport>;

    /// Walks the hash chains of the evidence tables (`raw_packet`, then `audit`) in
    /// id order, in constant memory, and reports per table the rows found intact
    /// and the first broken link, if any. Read-only.
    fn verify_evidence(&self) -> Result<Vec<ChainCheck>>;

    /// Readings of one point and kind in `[from, to)`, oldest first.
    fn readings(&self, query: &ReadingQuery) -> Result<Vec<model::Reading>>;

    /// The number of stored readings (for the ingest invariant checks).
    fn count_readings(&self) -> Result<u64>;

    /// Calls `on_commit`, from a thread of its own, whenever any process
    /// commits a batch with new readings to this store, until the caller has
    /// dropped its clones of `on_commit`. Returns `false` when the backend has
    /// no such signal: SQLite has one writing process, whose gateway wakes
    /// its services itself.
    fn watch_commits(&self, on_commit: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<bool> {
        let _ = on_commit;
        Ok(false)
    }

    /// Archived raw packets, newest first, filtered by the query.
    fn raw_packets(&self, query: &RawQuery) -> Result<Vec<RawPacketRecord>>;

    /// Creates a point, or updates the one with the same code; returns its id.
    fn upsert_point(&self, point: &NewPoint) -> Result<model::PointId>;

    /// All points.
    fn points(&self) -> Result<Vec<PointRecord>>;

    /// Creates a device, or updates the one with the same MN; returns its id.
    fn upsert_device(&self, device: &NewDevice) -> Result<model::DeviceId>;

    /// The device with this MN, if registered and not retired in the registry.
    fn device_by_mn(&self, mn: &model::Mn) -> Result<Option<DeviceRecord>>;

    /// All devices with their last-seen status.
    fn devices(&self) -> Result<Vec<DeviceRecord>>;

    /// Connection log entries, newest first, optionally for one MN, at most `limit`.
    fn connection_log(&self, mn: Option<&str>, limit: usize) -> Result<Vec<ConnectionEvent>>;

    /// Appends `entries` to the audit log (and its hash chain) in one
    /// transaction; returns once they are durable. For actions that change no
    /// other stored data (a login, an export); a change to stored data records
    /// its audit entry in the change's own transaction instead.
    fn record_audit(&self, entries: &[AuditEntry]) -> Result<()>;

    /// Audit entries, newest first, at most `limit`.
    fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>>;

    /// The latest stored reading of each point and parameter of `kind`, sorted
    /// by point id, then parameter code (for the dashboard).
    ///
    /// The default reads every point's whole history; backends override it with
    /// an indexed query ([`SqliteStore`] does).
    fn latest_readings(&self, kind: model::DataKind) -> Result<Vec<model::Reading>> {
        let mut latest = Vec::new();
        for point in self.points()? {
            let all = self.readings(&ReadingQuery {
                point: point.id,
                kind,
                params: Vec::new(),
                from: model::Instant(chrono::DateTime::<chrono::Utc>::MIN_UTC),
                to: model::Instant(chrono::DateTime::<chrono::Utc>::MAX_UTC),
                limit: usize::MAX,
            })?;
            let mut by_param = std::collections::BTreeMap::new();
            for reading in all {
                // Oldest first, so the last one per parameter wins.
                by_param.insert(reading.key.param.clone(), reading);
            }
            latest.extend(by_param.into_values());
        }
        Ok(latest)
    }
}
