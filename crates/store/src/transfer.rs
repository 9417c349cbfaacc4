//! Moving an embedded deployment to PostgreSQL: [`copy_sqlite_to_postgres`]
//! copies every table of a SQLite file into an empty PostgreSQL database,
//! row for row with the same ids, hashes and JSON text, in one transaction,
//! then checks the copy: per table the row counts and a SHA-256 digest over
//! every copied value in key order on both sides ([`TableCheck`]), and the
//! evidence chains walked on the target. Every table of the schema is copied:
//! registry and grid cells, plan entries and their documents, alarms with their history and
//! notification outbox, users, sessions and API tokens, the login throttle's
//! failed logins, corrections of readings, and the audit log.
//!
//! The latest values are not copied but rebuilt: each backend keeps that
//! cache in its own shape (SQLite: one blob per point in `latest_point`;
//! PostgreSQL: one row per parameter in `latest_reading`), so the target's is
//! rebuilt from the copied readings and their newest corrections, and checked
//! against the source's by comparing every kind's latest values
//! ([`LATEST_VALUES_CHECK`]).
//!
//! Nothing is re-encoded on the way: both schemas store instants as UTC
//! milliseconds and JSON as the text the program wrote, which is what the
//! evidence hashes cover, so the chains verify unchanged on the target.

use std::path::Path;

use ::postgres::types::ToSql;
use ::postgres::{Client, NoTls, Transaction};
use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

use crate::{ChainCheck, Error, PgOptions, PgStore, Result, SqliteOptions, SqliteStore, Store};

/// How many rows go to PostgreSQL in one multi-row insert.
const CHUNK_ROWS: usize = 5_000;

/// A column's PostgreSQL type (the SQLite side is read by value).
#[derive(Debug, Clone, Copy)]
enum Type {
    Int8,
    Int4,
    Bool,
    Float8,
    Text,
    Bytea,
}

/// One table to copy: its columns in order, the order to read them in, and
/// what to do about rows the new database has already.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Type)],
    order_by: &'static str,
    /// An extra target column and the SQL expression (over `u.*`) that fills it.
    derived: Option<(&'static str, &'static str)>,
    /// `ON CONFLICT …` for rows the migrations created (`chain_head`'s genesis rows).
    on_conflict: &'static str,
    /// Tables whose `id` is an identity column: its sequence continues after the copy.
    identity: bool,
}

use Type::{Bool, Bytea, Float8, Int4, Int8, Text};

/// Every table, parents before children.
const TABLES: &[Table] = &[
    Table {
        name: "point",
        columns: &[
            ("id", Int8),
            ("code", Text),
            ("name", Text),
            ("kind", Text),
            ("enterprise", Text),
            ("simulated", Bool),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "device",
        columns: &[
            ("id", Int8),
            ("mn", Text),
            ("password_hash", Text),
            ("protocol", Text),
            ("point_id", Int8),
            ("leniency", Text),
            ("simulated", Bool),
            ("last_seen_ms", Int8),
            ("last_peer", Text),
            ("last_data_ms", Int8),
            ("retired", Bool),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "param",
        columns: &[("id", Int8), ("code", Text)],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "raw_packet",
        columns: &[
            ("id", Int8),
            ("received_ms", Int8),
            ("peer", Text),
            ("mn", Text),
            ("device_id", Int8),
            ("cn", Int4),
            ("verdict", Text),
            ("reason", Text),
            ("deviations", Text),
            ("bytes", Bytea),
            ("chain_hash", Bytea),
        ],
        order_by: "id",
        derived: Some((
            "point_id",
            "coalesce((SELECT d.point_id FROM device d WHERE d.id = u.device_id), 0)",
        )),
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "reading",
        columns: &[
            ("point_id", Int8),
            ("kind", Int4),
            ("data_ms", Int8),
            ("param_id", Int8),
            ("raw_id", Int8),
            ("rtd", Float8),
            ("min", Float8),
            ("avg", Float8),
            ("max", Float8),
            ("zs_rtd", Float8),
            ("zs_min", Float8),
            ("zs_avg", Float8),
            ("zs_max", Float8),
            ("cou", Float8),
            ("flag", Text),
            ("eflag", Text),
            ("sample_time", Text),
        ],
        order_by: "point_id, kind, data_ms, param_id",
        derived: None,
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "audit",
        columns: &[
            ("id", Int8),
            ("at_ms", Int8),
            ("actor", Text),
            ("action", Text),
            ("subject", Text),
            ("detail", Text),
            ("chain_hash", Bytea),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "chain_head",
        columns: &[("name", Text), ("n_records", Int8), ("last_id", Int8), ("last_hash", Bytea)],
        order_by: "name",
        derived: None,
        on_conflict: "ON CONFLICT (name) DO UPDATE SET n_records = excluded.n_records,
                      last_id = excluded.last_id, last_hash = excluded.last_hash",
        identity: false,
    },
    Table {
        name: "connection_event",
        columns: &[
            ("id", Int8),
            ("at_ms", Int8),
            ("peer", Text),
            ("mn", Text),
            ("event", Text),
            ("detail", Text),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "watermark",
        columns: &[("name", Text), ("raw_id", Int8)],
        order_by: "name",
        derived: None,
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "derived_result",
        columns: &[
            ("kind", Text),
            ("point_id", Int8),
            ("start_ms", Int8),
            ("period", Text),
            ("edition", Text),
            ("detail", Text),
            ("computed_ms", Int8),
        ],
        order_by: "kind, point_id, start_ms",
        derived: None,
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "point_limit",
        columns: &[("point_id", Int8), ("param", Text), ("limit_json", Text)],
        order_by: "point_id, param",
        derived: None,
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "reading_correction",
        columns: &[
            ("id", Int8),
            ("point_id", Int8),
            ("kind", Int4),
            ("data_ms", Int8),
            ("param_id", Int8),
            ("version", Int8),
            ("rtd", Float8),
            ("min", Float8),
            ("avg", Float8),
            ("max", Float8),
            ("zs_rtd", Float8),
            ("zs_min", Float8),
            ("zs_avg", Float8),
            ("zs_max", Float8),
            ("cou", Float8),
            ("flag", Text),
            ("eflag", Text),
            ("sample_time", Text),
            ("actor", Text),
            ("at_ms", Int8),
            ("reason", Text),
            ("arrival_raw_id", Int8),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "registry_record",
        columns: &[
            ("kind", Text),
            ("key", Text),
            ("status", Text),
            ("sample", Bool),
            ("point_id", Int8),
            ("data", Text),
            ("updated_ms", Int8),
        ],
        order_by: "kind, key",
        derived: None,
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "grid_cell",
        columns: &[
            ("town", Text),
            ("name", Text),
            ("inspectors", Text),
            ("status", Text),
            ("sample", Bool),
            ("updated_ms", Int8),
        ],
        order_by: "town",
        derived: None,
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "login_failure",
        columns: &[
            ("id", Int8),
            ("account", Text),
            ("address", Text),
            ("at_ms", Int8),
            ("cleared_ms", Int8),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "plan_document",
        columns: &[
            ("id", Int8),
            ("file_name", Text),
            ("media_type", Text),
            ("sha256", Text),
            ("n_bytes", Int8),
            ("bytes", Bytea),
            ("stored_ms", Int8),
            ("actor", Text),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "plan_value",
        columns: &[
            ("plan", Text),
            ("indicator", Text),
            ("year", Int4),
            ("version", Int8),
            ("value", Float8),
            ("note", Text),
            ("document_id", Int8),
            ("actor", Text),
            ("at_ms", Int8),
        ],
        order_by: "plan, indicator, year, version",
        derived: None,
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "plan_city_target",
        columns: &[
            ("plan", Text),
            ("indicator", Text),
            ("version", Int8),
            ("value", Float8),
            ("note", Text),
            ("document_id", Int8),
            ("actor", Text),
            ("at_ms", Int8),
        ],
        order_by: "plan, indicator, version",
        derived: None,
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "alarm",
        columns: &[
            ("id", Int8),
            ("point_id", Int8),
            ("rule", Text),
            ("pollutant", Text),
            ("state", Text),
            ("severity", Text),
            ("first_ms", Int8),
            ("last_ms", Int8),
            ("window_from_ms", Int8),
            ("window_to_ms", Int8),
            ("n_occurrences", Int8),
            ("evidence", Text),
            ("still_holds", Bool),
            ("assignee", Text),
            ("escalated_ms", Int8),
            ("acknowledged_by", Text),
            ("acknowledged_ms", Int8),
            ("closed_by", Text),
            ("closed_ms", Int8),
            ("close_note", Text),
            ("attachment_name", Text),
            ("attachment_type", Text),
            ("attachment", Bytea),
            ("attachment_sha256", Text),
            ("escalation_level", Int4),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "alarm_event",
        columns: &[
            ("id", Int8),
            ("alarm_id", Int8),
            ("at_ms", Int8),
            ("actor", Text),
            ("event", Text),
            ("window_ms", Int8),
            ("detail", Text),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "notification",
        columns: &[
            ("id", Int8),
            ("alarm_id", Int8),
            ("channel", Text),
            ("event", Text),
            ("payload", Text),
            ("created_ms", Int8),
            ("attempts", Int8),
            ("next_attempt_ms", Int8),
            ("status", Text),
            ("last_error", Text),
            ("delivered_ms", Int8),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "app_user",
        columns: &[
            ("id", Int8),
            ("name", Text),
            ("role", Text),
            ("enterprise", Text),
            ("password_hash", Text),
            ("created_ms", Int8),
            ("retired_ms", Int8),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
    Table {
        name: "user_session",
        columns: &[
            ("token_hash", Text),
            ("user_id", Int8),
            ("csrf_token", Text),
            ("created_ms", Int8),
            ("expires_ms", Int8),
            ("ended_ms", Int8),
        ],
        order_by: "token_hash",
        derived: None,
        on_conflict: "",
        identity: false,
    },
    Table {
        name: "api_token",
        columns: &[
            ("id", Int8),
            ("name", Text),
            ("token_hash", Text),
            ("role", Text),
            ("enterprise", Text),
            ("created_by", Text),
            ("created_ms", Int8),
            ("revoked_ms", Int8),
        ],
        order_by: "id",
        derived: None,
        on_conflict: "",
        identity: true,
    },
];

/// SQLite tables that are not copied but rebuilt on the target (see the module doc).
const REBUILT: &[&str] = &["latest_point"];

/// The name of the [`TableCheck`] comparing the latest values of both stores.
pub const LATEST_VALUES_CHECK: &str = "latest values (latest_point → latest_reading)";

/// Rebuilds PostgreSQL's `latest_reading` from the copied readings: per point,
/// kind and parameter the newest reading, with its newest correction's values.
const REBUILD_LATEST_SQL: &str = "
    INSERT INTO latest_reading (point_id, kind, param_id, data_ms, rtd, min, avg, max,
        zs_rtd, zs_min, zs_avg, zs_max, cou, flag, eflag, sample_time)
    SELECT r.point_id, r.kind, r.param_id, r.data_ms,
        CASE WHEN c.version IS NULL THEN r.rtd ELSE c.rtd END,
        CASE WHEN c.version IS NULL THEN r.min ELSE c.min END,
        CASE WHEN c.version IS NULL THEN r.avg ELSE c.avg END,
        CASE WHEN c.version IS NULL THEN r.max ELSE c.max END,
        CASE WHEN c.version IS NULL THEN r.zs_rtd ELSE c.zs_rtd END,
        CASE WHEN c.version IS NULL THEN r.zs_min ELSE c.zs_min END,
        CASE WHEN c.version IS NULL THEN r.zs_avg ELSE c.zs_avg END,
        CASE WHEN c.version IS NULL THEN r.zs_max ELSE c.zs_max END,
        CASE WHEN c.version IS NULL THEN r.cou ELSE c.cou END,
        CASE WHEN c.version IS NULL THEN r.flag ELSE c.flag END,
        CASE WHEN c.version IS NULL THEN r.eflag ELSE c.eflag END,
        CASE WHEN c.version IS NULL THEN r.sample_time ELSE c.sample_time END
    FROM (SELECT DISTINCT ON (point_id, kind, param_id) *
          FROM reading ORDER BY point_id, kind, param_id, data_ms DESC) r
    LEFT JOIN LATERAL (
        SELECT * FROM reading_correction c
        WHERE c.point_id = r.point_id AND c.kind = r.kind AND c.data_ms = r.data_ms
          AND c.param_id = r.param_id
        ORDER BY c.version DESC LIMIT 1) c ON true";

/// One table compared after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    /// The table.
    pub name: &'static str,
    /// Its rows in the source and in the target.
    pub rows: (u64, u64),
    /// SHA-256 (hex) over every copied column of every row, in key order, in
    /// the source and in the target (each value typed and length-prefixed, so
    /// a changed, missing or extra value or row changes it).
    pub sha256: (String, String),
}

impl TableCheck {
    /// True when the counts and the digests agree.
    pub fn matches(&self) -> bool {
        self.rows.0 == self.rows.1 && self.sha256.0 == self.sha256.1
    }
}

/// What [`copy_sqlite_to_postgres`] copied and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferReport {
    /// Every table, parents before children.
    pub tables: Vec<TableCheck>,
    /// The evidence chains walked on the target.
    pub target_chains: Vec<ChainCheck>,
}

impl TransferReport {
    /// True when every table's counts and digests agree and both chains verify on the target.
    pub fn is_complete(&self) -> bool {
        self.tables.iter().all(TableCheck::matches)
            && self.target_chains.iter().all(|check| check.outcome.is_ok())
    }
}

fn sqlite_error(during: &'static str) -> impl FnOnce(rusqlite::Error) -> Error {
    crate::sqlite::database_error(during)
}

fn pg_error(during: &'static str) -> impl FnOnce(::postgres::Error) -> Error {
    crate::postgres::database_error(during)
}

/// Copies the SQLite store at `from` into the empty PostgreSQL database at `to`
/// (migrating both schemas first), then checks the copy; see [`TransferReport`].
///
/// Refuses a target that holds any point, device, packet, reading or audit entry.
/// The copy is one transaction: if it fails, the target stays empty.
pub fn copy_sqlite_to_postgres(from: &Path, to: &str) -> Result<TransferReport> {
    // Opening migrates the file to the latest schema and hashes rows that predate the chain.
    drop(SqliteStore::open(from, SqliteOptions::default())?);
    let target = PgStore::open(to, PgOptions { n_readers: 1, ..PgOptions::default() })?;
    let source = rusqlite::Connection::open_with_flags(
        from,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(sqlite_error("opening the source for reading"))?;
    refuse_uncopied_columns(&source)?;
    let to = to.to_owned();
    let tables = crate::postgres::off_runtime(move || {
        let mut client =
            Client::connect(&to, NoTls).map_err(pg_error("connecting to the target"))?;
        copy_all(&source, &mut client)?;
        let mut tables = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            tables.push(TableCheck {
                name: table.name,
                rows: (sqlite_count(&source, table.name)?, pg_count(&mut client, table.name)?),
                sha256: (sqlite_digest(&source, table)?, pg_digest(&mut client, table)?),
            });
        }
        Ok::<_, Error>(tables)
    })?;
    let mut tables = tables;
    tables.push(latest_values_check(from, &target)?);
    let target_chains = target.verify_evidence()?;
    Ok(TransferReport { tables, target_chains })
}

/// Compares every kind's latest values in the source and the target (count and
/// SHA-256 over their JSON, in the order both stores return them).
fn latest_values_check(from: &Path, target: &PgStore) -> Result<TableCheck> {
    let source = SqliteStore::open(from, SqliteOptions::default())?;
    let summary = |store: &dyn Store| -> Result<(u64, String)> {
        let mut hasher = Sha256::new();
        let mut n = 0_u64;
        for kind in [
            model::DataKind::Realtime,
            model::DataKind::Minute,
            model::DataKind::Hour,
            model::DataKind::Day,
        ] {
            for reading in store.latest_readings(kind)? {
                n += 1;
                let json = crate::encoding::json_text(&reading, "encoding a latest value")?;
                hasher.update((json.len() as u64).to_le_bytes());
                hasher.update(json.as_bytes());
            }
        }
        Ok((n, evidence::to_hex(&hasher.finalize().into())))
    };
    let (source_rows, source_sha) = summary(&source)?;
    let (target_rows, target_sha) = summary(target)?;
    Ok(TableCheck {
        name: LATEST_VALUES_CHECK,
        rows: (source_rows, target_rows),
        sha256: (source_sha, target_sha),
    })
}

/// Refuses a source with a table or column this program does not copy (a
/// SQLite migration newer than its PostgreSQL mirror): the copy would lose it.
fn refuse_uncopied_columns(source: &rusqlite::Connection) -> Result<()> {
    const DURING: &str = "listing the source's tables";
    let mut statement = source
        .prepare(
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid",
        )
        .map_err(sqlite_error(DURING))?;
    let mut rows = statement.query([]).map_err(sqlite_error(DURING))?;
    let mut uncopied = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_error(DURING))? {
        let table: String = row.get(0).map_err(sqlite_error(DURING))?;
        let column: String = row.get(1).map_err(sqlite_error(DURING))?;
        let copied = REBUILT.contains(&table.as_str())
            || TABLES.iter().any(|copied| {
                copied.name == table && copied.columns.iter().any(|(name, _)| *name == column)
            });
        if !copied {
            uncopied.push(format!("{table}.{column}"));
        }
    }
    if uncopied.is_empty() {
        return Ok(());
    }
    Err(Error::Database {
        during: "checking that every source column has a place in PostgreSQL",
        source: format!(
            "this program cannot copy {} to PostgreSQL yet; nothing was copied",
            uncopied.join(", ")
        )
        .into(),
    })
}

/// The tables and columns the copy moves, by table (for the schema checks of the tests).
pub fn copied_columns() -> Vec<(&'static str, Vec<&'static str>)> {
    TABLES
        .iter()
        .map(|table| (table.name, table.columns.iter().map(|(name, _)| *name).collect()))
        .collect()
}

fn copy_all(source: &rusqlite::Connection, client: &mut Client) -> Result<()> {
    let mut tx = client.transaction().map_err(pg_error("starting the copy"))?;
    for table in [
        "point",
        "device",
        "raw_packet",
        "reading",
        "audit",
        "connection_event",
        "registry_record",
        "plan_value",
        "alarm",
        "app_user",
    ] {
        if pg_count(&mut tx, table)? > 0 {
            return Err(Error::Database {
                during: "checking that the target is empty",
                source: format!("the target database already has rows in {table}").into(),
            });
        }
    }
    // One read transaction on the source: a consistent snapshot of every table.
    let read = source.unchecked_transaction().map_err(sqlite_error("reading the source"))?;
    for table in TABLES {
        copy_table(&read, &mut tx, table)?;
    }
    read.finish().map_err(sqlite_error("reading the source"))?;
    tx.execute(REBUILD_LATEST_SQL, &[]).map_err(pg_error("rebuilding the latest values"))?;
    for table in TABLES.iter().filter(|table| table.identity) {
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), coalesce(max(id), 0) + 1, false) FROM {0}",
                table.name
            ),
            &[],
        )
        .map_err(pg_error("continuing an id sequence after the copy"))?;
    }
    tx.commit().map_err(pg_error("committing the copy"))
}

/// The rows of one column on their way to PostgreSQL.
enum Column {
    Int8(Vec<Option<i64>>),
    Int4(Vec<Option<i32>>),
    Bool(Vec<Option<bool>>),
    Float8(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Bytea(Vec<Option<Vec<u8>>>),
}

impl Column {
    fn new(kind: Type) -> Column {
        match kind {
            Int8 => Column::Int8(Vec::new()),
            Int4 => Column::Int4(Vec::new()),
            Bool => Column::Bool(Vec::new()),
            Float8 => Column::Float8(Vec::new()),
            Text => Column::Text(Vec::new()),
            Bytea => Column::Bytea(Vec::new()),
        }
    }

    fn sql_type(&self) -> &'static str {
        match self {
            Column::Int8(_) => "bigint[]",
            Column::Int4(_) => "int[]",
            Column::Bool(_) => "boolean[]",
            Column::Float8(_) => "float8[]",
            Column::Text(_) => "text[]",
            Column::Bytea(_) => "bytea[]",
        }
    }

    fn as_param(&self) -> &(dyn ToSql + Sync) {
        match self {
            Column::Int8(values) => values,
            Column::Int4(values) => values,
            Column::Bool(values) => values,
            Column::Float8(values) => values,
            Column::Text(values) => values,
            Column::Bytea(values) => values,
        }
    }

    fn clear(&mut self) {
        match self {
            Column::Int8(values) => values.clear(),
            Column::Int4(values) => values.clear(),
            Column::Bool(values) => values.clear(),
            Column::Float8(values) => values.clear(),
            Column::Text(values) => values.clear(),
            Column::Bytea(values) => values.clear(),
        }
    }

    /// Appends a SQLite value, checked against the column's type.
    fn push(
        &mut self,
        value: ValueRef<'_>,
        table: &'static str,
        column: &'static str,
    ) -> Result<()> {
        let expected = self.sql_type().trim_end_matches("[]");
        let wrong = |found: &str| Error::Corrupt {
            table,
            column,
            detail: format!("{found} where {expected} was expected"),
        };
        match (self, value) {
            (Column::Int8(values), ValueRef::Null) => values.push(None),
            (Column::Int8(values), ValueRef::Integer(number)) => values.push(Some(number)),
            (Column::Int4(values), ValueRef::Null) => values.push(None),
            (Column::Int4(values), ValueRef::Integer(number)) => {
                values.push(Some(i32::try_from(number).map_err(|_| Error::Corrupt {
                    table,
                    column,
                    detail: format!("{number} does not fit a 32-bit integer"),
                })?))
            }
            (Column::Bool(values), ValueRef::Null) => values.push(None),
            (Column::Bool(values), ValueRef::Integer(number)) => values.push(Some(number != 0)),
            (Column::Float8(values), ValueRef::Null) => values.push(None),
            (Column::Float8(values), ValueRef::Real(number)) => values.push(Some(number)),
            (Column::Float8(values), ValueRef::Integer(number)) => values.push(Some(number as f64)),
            (Column::Text(values), ValueRef::Null) => values.push(None),
            (Column::Text(values), ValueRef::Text(text)) => {
                values.push(Some(String::from_utf8(text.to_vec()).map_err(|_| Error::Corrupt {
                    table,
                    column,
                    detail: "text that is not UTF-8".to_owned(),
                })?))
            }
            (Column::Bytea(values), ValueRef::Null) => values.push(None),
            (Column::Bytea(values), ValueRef::Blob(bytes)) => values.push(Some(bytes.to_vec())),
            (_, other) => return Err(wrong(&format!("{:?}", other.data_type()))),
        }
        Ok(())
    }
}

fn copy_table(
    source: &rusqlite::Transaction<'_>,
    target: &mut Transaction<'_>,
    table: &Table,
) -> Result<()> {
    const DURING: &str = "reading a source table";
    let names: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
    let mut statement = source
        .prepare(&format!(
            "SELECT {} FROM {} ORDER BY {}",
            names.join(", "),
            table.name,
            table.order_by
        ))
        .map_err(sqlite_error(DURING))?;
    let mut rows = statement.query([]).map_err(sqlite_error(DURING))?;
    let mut columns: Vec<Column> =
        table.columns.iter().map(|(_, kind)| Column::new(*kind)).collect();
    let mut n_buffered = 0;
    let mut months = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_error(DURING))? {
        for (index, ((name, _), column)) in table.columns.iter().zip(columns.iter_mut()).enumerate()
        {
            let value = row.get_ref(index).map_err(sqlite_error(DURING))?;
            column.push(value, table.name, name)?;
        }
        n_buffered += 1;
        if n_buffered == CHUNK_ROWS {
            flush(target, table, &mut columns, &mut months)?;
            n_buffered = 0;
        }
    }
    if n_buffered > 0 {
        flush(target, table, &mut columns, &mut months)?;
    }
    Ok(())
}

/// Inserts the buffered rows (creating the monthly partitions they need) and clears the buffers.
fn flush(
    target: &mut Transaction<'_>,
    table: &Table,
    columns: &mut [Column],
    months: &mut Vec<crate::postgres::Month>,
) -> Result<()> {
    let time_column = match table.name {
        "reading" => Some("data_ms"),
        "raw_packet" => Some("received_ms"),
        _ => None,
    };
    if let Some(time_column) = time_column {
        let index = table.columns.iter().position(|(name, _)| *name == time_column);
        if let Some(Column::Int8(times)) = index.and_then(|index| columns.get(index)) {
            let mut needed = Vec::new();
            for ms in times.iter().flatten() {
                let month = crate::postgres::Month::containing(*ms)?;
                if !months.contains(&month) && !needed.contains(&month) {
                    needed.push(month);
                }
            }
            crate::postgres::create_partitions(target, table.name, &needed)?;
            months.extend(needed);
        }
    }
    let names: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
    let arrays: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| format!("${}::{}", index + 1, column.sql_type()))
        .collect();
    let (extra_column, extra_value) = match table.derived {
        Some((column, expression)) => (format!(", {column}"), format!(", {expression}")),
        None => (String::new(), String::new()),
    };
    let sql = format!(
        "INSERT INTO {table} ({columns}{extra_column}) SELECT u.*{extra_value} FROM unnest({arrays}) AS u ({columns}) {conflict}",
        table = table.name,
        columns = names.join(", "),
        arrays = arrays.join(", "),
        conflict = table.on_conflict,
    );
    let params: Vec<&(dyn ToSql + Sync)> = columns.iter().map(Column::as_param).collect();
    target.execute(&sql, &params).map_err(pg_error("copying rows into the target"))?;
    columns.iter_mut().for_each(Column::clear);
    Ok(())
}

fn sqlite_count(source: &rusqlite::Connection, table: &str) -> Result<u64> {
    let n: i64 = source
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0))
        .map_err(sqlite_error("counting source rows"))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn pg_count(client: &mut impl ::postgres::GenericClient, table: &str) -> Result<u64> {
    let row = client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .map_err(pg_error("counting target rows"))?;
    let n: i64 = row.try_get(0).map_err(pg_error("counting target rows"))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Feeds one value into a digest: a type tag, then integers and floats as 8
/// bytes, text and bytes length-prefixed.
fn digest_value(digest: &mut Sha256, value: DigestValue<'_>) {
    match value {
        DigestValue::Null => digest.update([0]),
        DigestValue::Int(number) => {
            digest.update([1]);
            digest.update(number.to_be_bytes());
        }
        DigestValue::Float(number) => {
            digest.update([2]);
            digest.update(number.to_bits().to_be_bytes());
        }
        DigestValue::Text(bytes) => {
            digest.update([3]);
            digest.update((bytes.len() as u64).to_be_bytes());
            digest.update(bytes);
        }
        DigestValue::Bytes(bytes) => {
            digest.update([4]);
            digest.update((bytes.len() as u64).to_be_bytes());
            digest.update(bytes);
        }
    }
}

/// A value as the digest sees it, the same from either database.
enum DigestValue<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a [u8]),
    Bytes(&'a [u8]),
}

/// The query that reads `table`'s copied columns in key order; text keys
/// compare byte-wise on both sides.
fn digest_sql(table: &Table) -> String {
    let names: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
    let order: Vec<String> = table
        .order_by
        .split(", ")
        .map(|key| match table.columns.iter().find(|(name, _)| *name == key) {
            Some((_, Text)) => format!("{key} COLLATE \"C\""),
            _ => key.to_owned(),
        })
        .collect();
    format!("SELECT {} FROM {} ORDER BY {}", names.join(", "), table.name, order.join(", "))
}

fn sqlite_digest(source: &rusqlite::Connection, table: &Table) -> Result<String> {
    const DURING: &str = "hashing the source";
    // SQLite's BINARY collation is byte-wise already; it has no collation "C".
    let sql = digest_sql(table).replace(" COLLATE \"C\"", "");
    let mut digest = Sha256::new();
    let mut statement = source.prepare(&sql).map_err(sqlite_error(DURING))?;
    let mut rows = statement.query([]).map_err(sqlite_error(DURING))?;
    while let Some(row) = rows.next().map_err(sqlite_error(DURING))? {
        for (index, (column, kind)) in table.columns.iter().enumerate() {
            let value = match (kind, row.get_ref(index).map_err(sqlite_error(DURING))?) {
                (_, ValueRef::Null) => DigestValue::Null,
                (Float8, ValueRef::Integer(number)) => DigestValue::Float(number as f64),
                (Float8, ValueRef::Real(number)) => DigestValue::Float(number),
                (Int8 | Int4 | Bool, ValueRef::Integer(number)) => DigestValue::Int(number),
                (Text, ValueRef::Text(text)) => DigestValue::Text(text),
                (Bytea, ValueRef::Blob(bytes)) => DigestValue::Bytes(bytes),
                (_, other) => {
                    return Err(Error::Corrupt {
                        table: table.name,
                        column,
                        detail: format!("unexpected {:?} while hashing", other.data_type()),
                    });
                }
            };
            digest_value(&mut digest, value);
        }
    }
    Ok(evidence::to_hex(&digest.finalize().into()))
}

fn pg_digest(client: &mut Client, table: &Table) -> Result<String> {
    const DURING: &str = "hashing the target";
    let mut digest = Sha256::new();
    let rows = client
        .query_raw(&digest_sql(table), std::iter::empty::<&(dyn ToSql + Sync)>())
        .map_err(pg_error(DURING))?;
    for row in ::postgres::fallible_iterator::FallibleIterator::iterator(rows) {
        let row = row.map_err(pg_error(DURING))?;
        for (index, (_, kind)) in table.columns.iter().enumerate() {
            let get = pg_error(DURING);
            match kind {
                Int8 => match row.try_get::<_, Option<i64>>(index).map_err(get)? {
                    Some(number) => digest_value(&mut digest, DigestValue::Int(number)),
                    None => digest_value(&mut digest, DigestValue::Null),
                },
                Int4 => match row.try_get::<_, Option<i32>>(index).map_err(get)? {
                    Some(number) => digest_value(&mut digest, DigestValue::Int(i64::from(number))),
                    None => digest_value(&mut digest, DigestValue::Null),
                },
                Bool => match row.try_get::<_, Option<bool>>(index).map_err(get)? {
                    Some(flag) => digest_value(&mut digest, DigestValue::Int(i64::from(flag))),
                    None => digest_value(&mut digest, DigestValue::Null),
                },
                Float8 => match row.try_get::<_, Option<f64>>(index).map_err(get)? {
                    Some(number) => digest_value(&mut digest, DigestValue::Float(number)),
                    None => digest_value(&mut digest, DigestValue::Null),
                },
                Text => match row.try_get::<_, Option<&str>>(index).map_err(get)? {
                    Some(text) => digest_value(&mut digest, DigestValue::Text(text.as_bytes())),
                    None => digest_value(&mut digest, DigestValue::Null),
                },
                Bytea => match row.try_get::<_, Option<&[u8]>>(index).map_err(get)? {
                    Some(bytes) => digest_value(&mut digest, DigestValue::Bytes(bytes)),
                    None => digest_value(&mut digest, DigestValue::Null),
                },
            }
        }
    }
    Ok(evidence::to_hex(&digest.finalize().into()))
}
