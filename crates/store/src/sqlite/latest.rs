//! "The latest value of every point" (issue #5: under 50 ms for 10,000
//! points): the table `latest_point` (migration 0010) holds one row per data
//! kind and point, keyed `(kind, point_id)`, whose `vals` blob carries the
//! newest data time and values of each of the point's parameters.
//!
//! The ingest commit merges a batch's newest readings into these rows (read,
//! merge newer-wins per parameter, write back) in the same transaction as the
//! readings, so the table is exactly as current as the histories. Reading every
//! point of a kind is one range scan of the primary key that yields one row per
//! point, already in point order; the blobs decode without SQLite's per-column
//! work. (The per-parameter table `latest_reading` of migrations 0001/0008
//! needed a row, 15 columns and a sort per value: about 60 ms for 10,000
//! points × 6 parameters.)
//!
//! **Blob layout**, little-endian, one entry per parameter, in parameter-id order:
//! `param_id: i64`, `data_ms: i64`, `present: u16` (bits 0–8: `rtd`, `min`,
//! `avg`, `max`, `zs_rtd`, `zs_min`, `zs_avg`, `zs_max`, `cou`; bits 9–11:
//! `flag`, `eflag`, `sample_time`), then each present number as `f64`, then
//! each present text as `len: u16` and its UTF-8 bytes. A blob that does not
//! follow this layout is reported as [`Error::Corrupt`].

use std::collections::{BTreeMap, HashMap};

use model::{DataKind, ParamCode, PointId, Reading, ReadingKey, ReadingValues};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{collect, column, database_error, instant_column, kind_to_db};
use crate::rows::reading_values;
use crate::{Error, Result};

/// One parameter's latest values as stored in a blob.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Entry {
    pub(crate) param_id: i64,
    pub(crate) data_ms: i64,
    pub(crate) values: ReadingValues,
}

fn numbers(values: &ReadingValues) -> [Option<f64>; 9] {
    [
        values.rtd,
        values.min,
        values.avg,
        values.max,
        values.zs_rtd,
        values.zs_min,
        values.zs_avg,
        values.zs_max,
        values.cou,
    ]
}

fn texts(values: &ReadingValues) -> [Option<&str>; 3] {
    [values.flag.as_deref(), values.eflag.as_deref(), values.sample_time.as_deref()]
}

/// Appends `entry` to `blob`.
fn encode(entry: &Entry, blob: &mut Vec<u8>) {
    blob.extend_from_slice(&entry.param_id.to_le_bytes());
    blob.extend_from_slice(&entry.data_ms.to_le_bytes());
    let numbers = numbers(&entry.values);
    let texts = texts(&entry.values);
    let mut present = 0u16;
    for (bit, number) in numbers.iter().enumerate() {
        if number.is_some() {
            present |= 1 << bit;
        }
    }
    for (bit, text) in texts.iter().enumerate() {
        if text.is_some() {
            present |= 1 << (9 + bit);
        }
    }
    blob.extend_from_slice(&present.to_le_bytes());
    for number in numbers.into_iter().flatten() {
        blob.extend_from_slice(&number.to_le_bytes());
    }
    for text in texts.into_iter().flatten() {
        // Texts are short (flags, a time); a longer one is cut at a character boundary.
        let mut end = text.len().min(usize::from(u16::MAX));
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let bytes = &text.as_bytes()[..end];
        blob.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        blob.extend_from_slice(bytes);
    }
}

fn corrupt(detail: String) -> Error {
    Error::Corrupt { table: "latest_point", column: "vals", detail }
}

/// A cursor over a blob.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(corrupt(format!("{} bytes left, {n} needed", self.bytes.len())));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

/// Decodes every entry of `blob`, calling `each` with it.
fn decode(blob: &[u8], mut each: impl FnMut(Entry) -> Result<()>) -> Result<()> {
    let mut cursor = Cursor { bytes: blob };
    while !cursor.bytes.is_empty() {
        let param_id = i64::from_le_bytes(cursor.array()?);
        let data_ms = i64::from_le_bytes(cursor.array()?);
        let present = u16::from_le_bytes(cursor.array()?);
        if present >> 12 != 0 {
            return Err(corrupt(format!("unknown value bits {present:#06x}")));
        }
        let mut number = |bit: u16| -> Result<Option<f64>> {
            if present & (1 << bit) == 0 {
                return Ok(None);
            }
            let value = f64::from_le_bytes(cursor.array()?);
            Ok(Some(value))
        };
        let values = ReadingValues {
            rtd: number(0)?,
            min: number(1)?,
            avg: number(2)?,
            max: number(3)?,
            zs_rtd: number(4)?,
            zs_min: number(5)?,
            zs_avg: number(6)?,
            zs_max: number(7)?,
            cou: number(8)?,
            ..ReadingValues::default()
        };
        let mut text = |bit: u16| -> Result<Option<String>> {
            if present & (1 << bit) == 0 {
                return Ok(None);
            }
            let len = usize::from(u16::from_le_bytes(cursor.array()?));
            let bytes = cursor.take(len)?;
            let text = std::str::from_utf8(bytes)
                .map_err(|error| corrupt(format!("text is not UTF-8: {error}")))?;
            Ok(Some(text.to_owned()))
        };
        let values =
            ReadingValues { flag: text(9)?, eflag: text(10)?, sample_time: text(11)?, ..values };
        each(Entry { param_id, data_ms, values })?;
    }
    Ok(())
}

/// The blob of `entries` (sorted by parameter id).
fn blob_of(entries: &BTreeMap<i64, Entry>) -> Vec<u8> {
    let mut blob = Vec::with_capacity(entries.len() * 64);
    for entry in entries.values() {
        encode(entry, &mut blob);
    }
    blob
}

/// A batch's newest values: `(point, kind, param) → (data_ms, values)`.
pub(crate) type Newest<'a> = BTreeMap<(i64, i64, i64), (i64, &'a ReadingValues)>;

/// Merges the batch's newest values into `latest_point`: per parameter, a newer data time wins.
pub(crate) fn record(tx: &Transaction<'_>, latest: Newest<'_>) -> Result<()> {
    const DURING: &str = "recording the latest values";
    // Keyed (point, kind, param): each point and kind's parameters are consecutive.
    let newest: Vec<_> = latest.into_iter().collect();
    let mut select = tx
        .prepare_cached("SELECT vals FROM latest_point WHERE kind = ?1 AND point_id = ?2")
        .map_err(database_error(DURING))?;
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO latest_point (kind, point_id, vals) VALUES (?1, ?2, ?3)
             ON CONFLICT (kind, point_id) DO UPDATE SET vals = excluded.vals",
        )
        .map_err(database_error(DURING))?;
    for group in newest.chunk_by(|a, b| (a.0.0, a.0.1) == (b.0.0, b.0.1)) {
        let (point, kind) = (group[0].0.0, group[0].0.1);
        let stored: Option<Vec<u8>> = select
            .query_row(params![kind, point], |row| row.get(0))
            .optional()
            .map_err(database_error(DURING))?;
        let mut entries: BTreeMap<i64, Entry> = BTreeMap::new();
        if let Some(blob) = stored {
            decode(&blob, |entry| {
                entries.insert(entry.param_id, entry);
                Ok(())
            })?;
        }
        let mut changed = false;
        for &((_, _, param_id), (data_ms, values)) in group {
            let newer = entries.get(&param_id).is_none_or(|known| data_ms > known.data_ms);
            if newer {
                entries.insert(param_id, Entry { param_id, data_ms, values: values.clone() });
                changed = true;
            }
        }
        if changed {
            upsert
                .execute(params![kind, point, blob_of(&entries)])
                .map_err(database_error(DURING))?;
        }
    }
    Ok(())
}

/// Follows a correction: if the corrected reading (`point`, `kind`, `param_id`
/// at `data_ms`) is its parameter's latest, its values become `values`.
pub(crate) fn correct(
    tx: &Transaction<'_>,
    (point, kind, param_id): (i64, i64, i64),
    data_ms: i64,
    values: &ReadingValues,
) -> Result<()> {
    const DURING: &str = "refreshing the latest values";
    let stored: Option<Vec<u8>> = tx
        .prepare_cached("SELECT vals FROM latest_point WHERE kind = ?1 AND point_id = ?2")
        .and_then(|mut select| select.query_row(params![kind, point], |row| row.get(0)).optional())
        .map_err(database_error(DURING))?;
    let Some(blob) = stored else { return Ok(()) };
    let mut entries: BTreeMap<i64, Entry> = BTreeMap::new();
    decode(&blob, |entry| {
        entries.insert(entry.param_id, entry);
        Ok(())
    })?;
    match entries.get_mut(&param_id) {
        Some(entry) if entry.data_ms == data_ms => entry.values = values.clone(),
        _ => return Ok(()),
    }
    tx.prepare_cached("UPDATE latest_point SET vals = ?3 WHERE kind = ?1 AND point_id = ?2")
        .and_then(|mut update| update.execute(params![kind, point, blob_of(&entries)]))
        .map_err(database_error(DURING))?;
    Ok(())
}

/// The latest reading of every parameter of every point of `kind`, sorted by
/// point id, then parameter code: one range scan of `latest_point`.
pub(crate) fn read(conn: &Connection, kind: DataKind) -> Result<Vec<Reading>> {
    const DURING: &str = "querying latest readings";
    let mut codes =
        conn.prepare_cached("SELECT id, code FROM param").map_err(database_error(DURING))?;
    let rows = codes.query([]).map_err(database_error(DURING))?;
    let codes: HashMap<i64, ParamCode> = collect(rows, DURING, |row| {
        let code: String = column(row, 1, "param", "code")?;
        let code = ParamCode::parse(&code).map_err(|error| Error::Corrupt {
            table: "param",
            column: "code",
            detail: error.to_string(),
        })?;
        Ok((column(row, 0, "param", "id")?, code))
    })?
    .into_iter()
    .collect();
    let mut statement = conn
        .prepare_cached("SELECT point_id, vals FROM latest_point WHERE kind = ?1 ORDER BY point_id")
        .map_err(database_error("preparing the latest-readings query"))?;
    let mut rows = statement.query(params![kind_to_db(kind)]).map_err(database_error(DURING))?;
    let mut latest = Vec::new();
    while let Some(row) = rows.next().map_err(database_error(DURING))? {
        let point = PointId(column(row, 0, "latest_point", "point_id")?);
        let blob = row
            .get_ref(1)
            .and_then(|value| value.as_blob().map_err(Into::into))
            .map_err(|error| corrupt(error.to_string()))?;
        let first = latest.len();
        decode(blob, |entry| {
            let param = codes
                .get(&entry.param_id)
                .cloned()
                .ok_or_else(|| corrupt(format!("no parameter {}", entry.param_id)))?;
            let data_time = instant_of(entry.data_ms)?;
            latest.push(Reading {
                key: ReadingKey { point, param, kind, data_time },
                values: entry.values,
            });
            Ok(())
        })?;
        // Entries are in parameter-id order; the contract is code order within a point.
        latest[first..].sort_unstable_by(|a, b| a.key.param.as_str().cmp(b.key.param.as_str()));
    }
    Ok(latest)
}

fn instant_of(ms: i64) -> Result<model::Instant> {
    model::Instant::from_unix_millis(ms).ok_or_else(|| corrupt(format!("{ms} ms is out of range")))
}

/// Migration 0010's data step: fills `latest_point` from the per-parameter
/// `latest_reading` rows, then drops that table (nothing reads it any more).
pub(crate) fn backfill(tx: &Transaction<'_>) -> Result<()> {
    const DURING: &str = "moving latest values into latest_point";
    let mut by_point: BTreeMap<(i64, i64), BTreeMap<i64, Entry>> = BTreeMap::new();
    {
        let mut statement = tx
            .prepare(
                "SELECT point_id, kind, param_id, data_ms, rtd, min, avg, max, zs_rtd, zs_min,
                        zs_avg, zs_max, cou, flag, eflag, sample_time
                 FROM latest_reading",
            )
            .map_err(database_error(DURING))?;
        let rows = statement.query([]).map_err(database_error(DURING))?;
        let table = "latest_reading";
        let entries = collect(rows, DURING, |row| {
            let point: i64 = column(row, 0, table, "point_id")?;
            let kind: i64 = column(row, 1, table, "kind")?;
            // Checked like every stored instant.
            let data_ms = instant_column(row, 3, table, "data_ms")?.unix_millis();
            let param_id = column(row, 2, table, "param_id")?;
            let entry = Entry { param_id, data_ms, values: reading_values(row, table)? };
            Ok(((kind, point), entry))
        })?;
        for (key, entry) in entries {
            by_point.entry(key).or_default().insert(entry.param_id, entry);
        }
    }
    let mut insert = tx
        .prepare("INSERT INTO latest_point (kind, point_id, vals) VALUES (?1, ?2, ?3)")
        .map_err(database_error(DURING))?;
    for ((kind, point), entries) in &by_point {
        insert.execute(params![kind, point, blob_of(entries)]).map_err(database_error(DURING))?;
    }
    tx.execute_batch("DROP TABLE latest_reading").map_err(database_error(DURING))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_the_blob_layout() {
        let entries: BTreeMap<i64, Entry> = [
            Entry { param_id: 3, data_ms: 1_000, values: ReadingValues::default() },
            Entry {
                param_id: 7,
                data_ms: -5,
                values: ReadingValues {
                    rtd: Some(1.5),
                    cou: Some(-0.0),
                    zs_max: Some(f64::MAX),
                    flag: Some("N".into()),
                    sample_time: Some("20261101000000".into()),
                    ..ReadingValues::default()
                },
            },
        ]
        .into_iter()
        .map(|entry| (entry.param_id, entry))
        .collect();
        let blob = blob_of(&entries);
        let mut decoded = Vec::new();
        decode(&blob, |entry| {
            decoded.push(entry);
            Ok(())
        })
        .unwrap();
        assert_eq!(decoded, entries.into_values().collect::<Vec<_>>());
        // Every cut inside an entry is refused (18 bytes is the end of the first entry).
        for cut in (1..blob.len()).filter(|cut| *cut != 18) {
            let error = decode(&blob[..cut], |_| Ok(())).unwrap_err();
            assert!(matches!(error, Error::Corrupt { table: "latest_point", .. }), "cut at {cut}");
        }
    }
}
