//! Result rows of either driver, read the same way: [`StoredRow`] gives typed
//! access by column index (a wrong type or an unexpected NULL is
//! [`Error::Corrupt`] naming the table and column), and the decoders here turn
//! the rows both backends select into our types. Each backend's queries select
//! the columns in the order the decoder documents.

mod account;
mod alarm;
mod plan;
mod registry;

pub(crate) use account::*;
pub(crate) use alarm::*;
pub(crate) use plan::*;
pub(crate) use registry::*;

use evidence::Hash;
use model::{DeviceId, Instant, PointId, Reading, ReadingKey, ReadingValues};

use crate::chain::{OwnedRecord, hash_from_db};
use crate::encoding::{
    cn_from_db, derived_kind_from_db, instant_from_db, json_from_db, kind_from_db, mn_from_db,
    param_from_db, point_kind_from_db, verdict_from_db,
};
use crate::{
    AuditEntry, ConnectionEvent, DerivedResult, DeviceRecord, Error, NewDevice, NewPoint,
    PointLimit, PointRecord, RawPacket, RawPacketRecord, Result, TouchedReading,
};

/// A result row, read by column index.
pub(crate) trait StoredRow {
    /// An integer column (any integer width).
    fn int(&self, index: usize, table: &'static str, column: &'static str) -> Result<Option<i64>>;
    /// A floating-point column.
    fn real(&self, index: usize, table: &'static str, column: &'static str) -> Result<Option<f64>>;
    /// A text column.
    fn text(
        &self,
        index: usize,
        table: &'static str,
        column: &'static str,
    ) -> Result<Option<String>>;
    /// A binary column.
    fn bytes(
        &self,
        index: usize,
        table: &'static str,
        column: &'static str,
    ) -> Result<Option<Vec<u8>>>;
    /// A boolean column (SQLite: 0 or 1).
    fn boolean(&self, index: usize, table: &'static str, column: &'static str) -> Result<bool>;

    /// A NOT NULL integer column.
    fn required_int(&self, index: usize, table: &'static str, column: &'static str) -> Result<i64> {
        self.int(index, table, column)?.ok_or_else(|| null(table, column))
    }

    /// A NOT NULL text column.
    fn required_text(
        &self,
        index: usize,
        table: &'static str,
        column: &'static str,
    ) -> Result<String> {
        self.text(index, table, column)?.ok_or_else(|| null(table, column))
    }

    /// A NOT NULL instant column (UTC milliseconds).
    fn instant(&self, index: usize, table: &'static str, column: &'static str) -> Result<Instant> {
        instant_from_db(self.required_int(index, table, column)?, table, column)
    }

    /// A nullable instant column (UTC milliseconds).
    fn optional_instant(
        &self,
        index: usize,
        table: &'static str,
        column: &'static str,
    ) -> Result<Option<Instant>> {
        self.int(index, table, column)?.map(|ms| instant_from_db(ms, table, column)).transpose()
    }

    /// A NOT NULL integer column that must fit a `u32` (versions, counts).
    fn required_u32(&self, index: usize, table: &'static str, column: &'static str) -> Result<u32> {
        let value = self.required_int(index, table, column)?;
        u32::try_from(value).map_err(|_| Error::Corrupt {
            table,
            column,
            detail: format!("{value} is not a count"),
        })
    }

    /// A NOT NULL JSON text column.
    fn json<T: serde::de::DeserializeOwned>(
        &self,
        index: usize,
        table: &'static str,
        column: &'static str,
    ) -> Result<T> {
        json_from_db(&self.required_text(index, table, column)?, table, column)
    }
}

fn null(table: &'static str, column: &'static str) -> Error {
    Error::Corrupt { table, column, detail: "NULL in a column that must have a value".to_owned() }
}

/// The getters whose driver call is the same for every type: `$get` with the
/// column index, its error mapped to [`Error::Corrupt`].
macro_rules! plain_getters {
    ($get:ident) => {
        fn real(
            &self,
            index: usize,
            table: &'static str,
            column: &'static str,
        ) -> Result<Option<f64>> {
            self.$get(index).map_err(|error| corrupt(table, column, error))
        }

        fn text(
            &self,
            index: usize,
            table: &'static str,
            column: &'static str,
        ) -> Result<Option<String>> {
            self.$get(index).map_err(|error| corrupt(table, column, error))
        }

        fn bytes(
            &self,
            index: usize,
            table: &'static str,
            column: &'static str,
        ) -> Result<Option<Vec<u8>>> {
            self.$get(index).map_err(|error| corrupt(table, column, error))
        }

        fn boolean(&self, index: usize, table: &'static str, column: &'static str) -> Result<bool> {
            self.$get(index).map_err(|error| corrupt(table, column, error))
        }
    };
}

impl StoredRow for rusqlite::Row<'_> {
    fn int(&self, index: usize, table: &'static str, column: &'static str) -> Result<Option<i64>> {
        self.get(index).map_err(|error| corrupt(table, column, error))
    }

    plain_getters!(get);
}

impl StoredRow for ::postgres::Row {
    fn int(&self, index: usize, table: &'static str, column: &'static str) -> Result<Option<i64>> {
        use ::postgres::types::Type;
        let kind = self.columns().get(index).map(|column| column.type_().clone());
        match kind {
            Some(Type::INT4) => self
                .try_get::<_, Option<i32>>(index)
                .map(|value| value.map(i64::from))
                .map_err(|error| corrupt(table, column, error)),
            Some(Type::INT2) => self
                .try_get::<_, Option<i16>>(index)
                .map(|value| value.map(i64::from))
                .map_err(|error| corrupt(table, column, error)),
            _ => self.try_get(index).map_err(|error| corrupt(table, column, error)),
        }
    }

    plain_getters!(try_get);
}

fn corrupt(table: &'static str, column: &'static str, error: impl std::fmt::Display) -> Error {
    Error::Corrupt { table, column, detail: error.to_string() }
}

/// Decodes `point_id, code, kind, data_ms, rtd, min, avg, max, zs_rtd, zs_min,
/// zs_avg, zs_max, cou, flag, eflag, sample_time` (a reading joined with its `param`).
pub(crate) fn decode_reading(row: &impl StoredRow) -> Result<Reading> {
    const TABLE: &str = "reading";
    Ok(Reading {
        key: ReadingKey {
            point: PointId(row.required_int(0, TABLE, "point_id")?),
            param: param_from_db(&row.required_text(1, "param", "code")?)?,
            kind: kind_from_db(row.required_int(2, TABLE, "kind")?)?,
            data_time: row.instant(3, TABLE, "data_ms")?,
        },
        values: reading_values(row, TABLE)?,
    })
}

/// Decodes columns 4–15 of `table`'s row: `rtd, min, avg, max, zs_rtd, zs_min,
/// zs_avg, zs_max, cou, flag, eflag, sample_time`.
pub(crate) fn reading_values(row: &impl StoredRow, table: &'static str) -> Result<ReadingValues> {
    let value = |index: usize, name: &'static str| row.real(index, table, name);
    let text = |index: usize, name: &'static str| row.text(index, table, name);
    Ok(ReadingValues {
        rtd: value(4, "rtd")?,
        min: value(5, "min")?,
        avg: value(6, "avg")?,
        max: value(7, "max")?,
        zs_rtd: value(8, "zs_rtd")?,
        zs_min: value(9, "zs_min")?,
        zs_avg: value(10, "zs_avg")?,
        zs_max: value(11, "zs_max")?,
        cou: value(12, "cou")?,
        flag: text(13, "flag")?,
        eflag: text(14, "eflag")?,
        sample_time: text(15, "sample_time")?,
    })
}

/// Decodes `id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes`.
pub(crate) fn decode_raw_packet(row: &impl StoredRow) -> Result<RawPacketRecord> {
    const TABLE: &str = "raw_packet";
    let verdict =
        verdict_from_db(&row.required_text(6, TABLE, "verdict")?, row.text(7, TABLE, "reason")?)?;
    Ok(RawPacketRecord {
        id: row.required_int(0, TABLE, "id")?,
        raw: RawPacket {
            bytes: row.bytes(9, TABLE, "bytes")?.ok_or_else(|| null(TABLE, "bytes"))?,
            received_at: row.instant(1, TABLE, "received_ms")?,
            peer: row.required_text(2, TABLE, "peer")?,
            mn: row.text(3, TABLE, "mn")?,
            device: row.int(4, TABLE, "device_id")?.map(DeviceId),
            cn: cn_from_db(row.int(5, TABLE, "cn")?)?,
            verdict,
            deviations: row.json(8, TABLE, "deviations")?,
        },
    })
}

/// Decodes `id, code, name, kind, enterprise, simulated`.
pub(crate) fn decode_point(row: &impl StoredRow) -> Result<PointRecord> {
    const TABLE: &str = "point";
    Ok(PointRecord {
        id: PointId(row.required_int(0, TABLE, "id")?),
        point: NewPoint {
            code: row.required_text(1, TABLE, "code")?,
            name: row.required_text(2, TABLE, "name")?,
            kind: point_kind_from_db(&row.required_text(3, TABLE, "kind")?)?,
            enterprise: row.text(4, TABLE, "enterprise")?,
            simulated: row.boolean(5, TABLE, "simulated")?,
        },
    })
}

/// The columns [`decode_device`] reads, with the table.
pub(crate) const DEVICE_COLUMNS: &str = "id, mn, password_hash, protocol, point_id, leniency, simulated, last_seen_ms, last_peer FROM device";

/// Decodes [`DEVICE_COLUMNS`].
pub(crate) fn decode_device(row: &impl StoredRow) -> Result<DeviceRecord> {
    const TABLE: &str = "device";
    Ok(DeviceRecord {
        id: DeviceId(row.required_int(0, TABLE, "id")?),
        device: NewDevice {
            mn: mn_from_db(&row.required_text(1, TABLE, "mn")?)?,
            password_hash: row.required_text(2, TABLE, "password_hash")?,
            protocol: row.required_text(3, TABLE, "protocol")?,
            point: PointId(row.required_int(4, TABLE, "point_id")?),
            leniency: row.json(5, TABLE, "leniency")?,
            simulated: row.boolean(6, TABLE, "simulated")?,
        },
        last_seen: row
            .int(7, TABLE, "last_seen_ms")?
            .map(|ms| instant_from_db(ms, TABLE, "last_seen_ms"))
            .transpose()?,
        last_peer: row.text(8, TABLE, "last_peer")?,
    })
}

/// Decodes `at_ms, peer, mn, event, detail`.
pub(crate) fn decode_connection_event(row: &impl StoredRow) -> Result<ConnectionEvent> {
    const TABLE: &str = "connection_event";
    Ok(ConnectionEvent {
        at: row.instant(0, TABLE, "at_ms")?,
        peer: row.required_text(1, TABLE, "peer")?,
        mn: row.text(2, TABLE, "mn")?,
        event: row.required_text(3, TABLE, "event")?,
        detail: row.required_text(4, TABLE, "detail")?,
    })
}

/// Decodes `at_ms, actor, action, subject, detail`.
pub(crate) fn decode_audit(row: &impl StoredRow) -> Result<AuditEntry> {
    const TABLE: &str = "audit";
    Ok(AuditEntry {
        at: row.instant(0, TABLE, "at_ms")?,
        actor: row.required_text(1, TABLE, "actor")?,
        action: row.required_text(2, TABLE, "action")?,
        subject: row.required_text(3, TABLE, "subject")?,
        detail: row.json(4, TABLE, "detail")?,
    })
}

/// Decodes `kind, point_id, start_ms, period, edition, detail, computed_ms`.
pub(crate) fn decode_derived(row: &impl StoredRow) -> Result<DerivedResult> {
    const TABLE: &str = "derived_result";
    Ok(DerivedResult {
        kind: derived_kind_from_db(&row.required_text(0, TABLE, "kind")?)?,
        point: PointId(row.required_int(1, TABLE, "point_id")?),
        start: row.instant(2, TABLE, "start_ms")?,
        period: row.required_text(3, TABLE, "period")?,
        edition: row.required_text(4, TABLE, "edition")?,
        detail: row.json(5, TABLE, "detail")?,
        computed_at: row.instant(6, TABLE, "computed_ms")?,
    })
}

/// Decodes `point_id, param, limit_json`.
pub(crate) fn decode_point_limit(row: &impl StoredRow) -> Result<PointLimit> {
    const TABLE: &str = "point_limit";
    Ok(PointLimit {
        point: PointId(row.required_int(0, TABLE, "point_id")?),
        param: row.required_text(1, TABLE, "param")?,
        limit: row.json(2, TABLE, "limit_json")?,
    })
}

/// Decodes `point_id, data_ms` of a reading.
pub(crate) fn decode_touched(row: &impl StoredRow) -> Result<TouchedReading> {
    Ok(TouchedReading {
        point: PointId(row.required_int(0, "reading", "point_id")?),
        data_time: row.instant(1, "reading", "data_ms")?,
    })
}

/// The verification query of each evidence table: the columns in
/// `evidence::Record` order, then `chain_hash`, in id order.
pub(crate) fn evidence_sql(table: &str) -> &'static str {
    if table == "raw_packet" {
        "SELECT id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes, chain_hash
         FROM raw_packet ORDER BY id"
    } else {
        "SELECT id, at_ms, actor, action, subject, detail, chain_hash FROM audit ORDER BY id"
    }
}

/// Decodes a row of [`evidence_sql`] into its record and stored hash (`None` if
/// NULL or not 32 bytes long, which verification reports as a missing hash).
pub(crate) fn decode_evidence(
    table: &'static str,
    row: &impl StoredRow,
) -> Result<(OwnedRecord, Option<Hash>)> {
    if table == "raw_packet" {
        let record = OwnedRecord::Raw {
            id: row.required_int(0, table, "id")?,
            received_ms: row.required_int(1, table, "received_ms")?,
            peer: row.required_text(2, table, "peer")?,
            mn: row.text(3, table, "mn")?,
            device_id: row.int(4, table, "device_id")?,
            cn: row.int(5, table, "cn")?,
            verdict: row.required_text(6, table, "verdict")?,
            reason: row.text(7, table, "reason")?,
            deviations: row.required_text(8, table, "deviations")?,
            bytes: row.bytes(9, table, "bytes")?.ok_or_else(|| null(table, "bytes"))?,
        };
        Ok((record, hash_from_db(row.bytes(10, table, "chain_hash")?)))
    } else {
        let record = OwnedRecord::Audit {
            id: row.required_int(0, table, "id")?,
            at_ms: row.required_int(1, table, "at_ms")?,
            actor: row.required_text(2, table, "actor")?,
            action: row.required_text(3, table, "action")?,
            subject: row.required_text(4, table, "subject")?,
            detail: row.required_text(5, table, "detail")?,
        };
        Ok((record, hash_from_db(row.bytes(6, table, "chain_hash")?)))
    }
}
