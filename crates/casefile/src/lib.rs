//! Enforcement-case files (执法案卷, #4): everything the platform holds about one
//! monitoring point for a period, in one ZIP an inspector can hand over.
//!
//! [`write_case`] streams the archive (it needs only [`std::io::Write`], so the
//! web server sends it while it is written). The files, in order:
//! - `raw_packets.csv`: every archived packet of the point for the period
//!   ([`store::CaseStore::point_raw_packets`]), with the packet text exactly as
//!   received (and its hex when it is not UTF-8), verdict and deviations;
//! - `readings.csv`: the decoded values with their flags, current version, and
//!   who corrected them, when and why (`version` 1 is as received);
//! - `corrections.json`: every version of each corrected reading;
//! - `alarms.json`: the point's alarms whose window overlaps the period, with
//!   their full history (acknowledgement, assignment, closing note);
//! - `chain.json`: the verification of the evidence hash chains, as
//!   `qingshan verify --json` prints it, at the time of the export;
//! - `case.json`: what was asked, when and by whom, the counts, and the SHA-256
//!   of every file above;
//! - `summary.md`: the same for people, Chinese first, then English.
//!
//! A broken chain does not stop the export: it is reported in `chain.json`,
//! `case.json` and at the top of the summary, because an inspector needs to
//! know. A finished export is audited (`case_exported`, with every file's
//! SHA-256), so a copy of the archive can later be checked against the audit
//! chain. Reads the store and appends that one audit entry; knows no HTTP,
//! files or clock (the caller says when and by whom).
//!
//! ```no_run
//! # fn demo(store: &dyn store::Store, from: model::Instant, to: model::Instant, now: model::Instant) -> casefile::Result<()> {
//! let request = casefile::CaseRequest { point: model::PointId(7), from, to };
//! let file = std::fs::File::create("case.zip").map_err(casefile::Error::Io)?;
//! let report = casefile::write_case(store, &request, &casefile::Generated { at: now, by: "alice".into() }, file)?;
//! assert!(report.chain_intact);
//! # Ok(()) }
//! ```

mod summary;

use std::io::Write;

use model::{DataKind, Instant, PointId, ReadingKey};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use store::{AlarmQuery, MarkedReading, PointRecord, ReadingQuery, Store};
use zip::write::SimpleFileOptions;

/// Raw packets and readings are read this many at a time.
const PAGE: usize = 10_000;

/// What to export: one point and a period `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRequest {
    /// The monitoring point.
    pub point: PointId,
    /// Start (inclusive): data times and reception times from here.
    pub from: Instant,
    /// End (exclusive).
    pub to: Instant,
}

/// Who exports, and when (recorded in the archive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// When.
    pub at: Instant,
    /// Who: a user name or `token:<id>`.
    pub by: String,
}

/// One file of the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    /// Its name in the archive.
    pub name: String,
    /// What it holds (zh / en).
    pub content: &'static str,
    /// Rows or records in it.
    pub n_records: u64,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseReport {
    /// The point.
    pub point: PointRecord,
    /// Archived packets exported.
    pub n_raw_packets: u64,
    /// Readings exported (all kinds).
    pub n_readings: u64,
    /// Readings whose current version is a correction.
    pub n_corrected: u64,
    /// Alarms exported.
    pub n_alarms: u64,
    /// Whether both evidence chains verified intact.
    pub chain_intact: bool,
    /// The data files with their digests (`case.json` and `summary.md` come after them).
    pub files: Vec<FileEntry>,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The point does not exist.
    #[error("point {0} does not exist (点位不存在)")]
    UnknownPoint(PointId),
    /// The period is empty or reversed.
    #[error("the period {from} – {to} is empty (时段为空)")]
    EmptyPeriod {
        /// Start.
        from: Instant,
        /// End.
        to: Instant,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// Writing the archive failed (a client that went away shows up here).
    #[error("writing the archive: {0}")]
    Io(#[from] std::io::Error),
    /// The ZIP writer failed.
    #[error("writing the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// The CSV writer failed.
    #[error("writing a CSV file: {0}")]
    Csv(#[from] csv::Error),
    /// Encoding JSON failed.
    #[error("encoding JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// A fixed label for logs and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::UnknownPoint(_) => "unknown_point",
            Error::EmptyPeriod { .. } => "empty_period",
            Error::Store(_) => "store",
            Error::Io(_) | Error::Zip(_) | Error::Csv(_) | Error::Json(_) => "write",
        }
    }
}

/// This crate's result.
pub type Result<T> = std::result::Result<T, Error>;

/// Writes into the current ZIP entry and hashes what it writes.
struct Hashing<'a, W: Write> {
    inner: &'a mut W,
    sha256: Sha256,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(bytes)?;
        self.sha256.update(&bytes[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The archive being written, with the entries so far.
struct Archive<W: Write> {
    zip: zip::ZipWriter<zip::write::StreamWriter<W>>,
    files: Vec<FileEntry>,
    /// The entries' modification time: the export's, in Beijing time (ZIP
    /// times have no zone); the format's default (1980) when out of its range.
    modified: Option<zip::DateTime>,
}

/// `at` in Beijing time as a ZIP timestamp.
fn zip_time(at: Instant) -> Option<zip::DateTime> {
    use chrono::{Datelike, Timelike};
    let local = at.to_beijing().0;
    let narrow = |value: u32| u8::try_from(value).ok();
    zip::DateTime::from_date_and_time(
        u16::try_from(local.year()).ok()?,
        narrow(local.month())?,
        narrow(local.day())?,
        narrow(local.hour())?,
        narrow(local.minute())?,
        narrow(local.second())?,
    )
    .ok()
}

impl<W: Write> Archive<W> {
    /// Writes one entry with `fill`, which returns its record count.
    fn entry(
        &mut self,
        name: &str,
        content: &'static str,
        fill: impl FnOnce(&mut Hashing<'_, zip::ZipWriter<zip::write::StreamWriter<W>>>) -> Result<u64>,
    ) -> Result<()> {
        let mut options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o644);
        if let Some(modified) = self.modified {
            options = options.last_modified_time(modified);
        }
        self.zip.start_file(name, options)?;
        let mut hashing = Hashing { inner: &mut self.zip, sha256: Sha256::new() };
        let n_records = fill(&mut hashing)?;
        let sha256 = hex(&hashing.sha256.finalize());
        self.files.push(FileEntry { name: name.to_owned(), content, n_records, sha256 });
        Ok(())
    }

    fn json_entry(
        &mut self,
        name: &str,
        content: &'static str,
        value: &serde_json::Value,
        n: u64,
    ) -> Result<()> {
        self.entry(name, content, |out| {
            serde_json::to_writer_pretty(&mut *out, value)?;
            out.write_all(b"\n")?;
            Ok(n)
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn optional_number(value: Option<f64>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

/// Writes the case archive of `request` to `out` (see the crate docs) and
/// returns what it holds. `out` receives the ZIP as it is produced.
pub fn write_case<W: Write>(
    store: &dyn Store,
    request: &CaseRequest,
    generated: &Generated,
    out: W,
) -> Result<CaseReport> {
    if request.from >= request.to {
        return Err(Error::EmptyPeriod { from: request.from, to: request.to });
    }
    let point = store
        .points()?
        .into_iter()
        .find(|record| record.id == request.point)
        .ok_or(Error::UnknownPoint(request.point))?;
    let mut archive = Archive {
        zip: zip::ZipWriter::new_stream(out),
        files: Vec::new(),
        modified: zip_time(generated.at),
    };

    let mut counts = summary::Counts::default();
    archive.entry(
        "raw_packets.csv",
        "原始报文（按接收原样） / raw packets as received",
        |out| write_raw_packets(store, request, out, &mut counts),
    )?;
    let mut corrected_keys: Vec<ReadingKey> = Vec::new();
    let mut corrections: Vec<summary::CorrectionLine> = Vec::new();
    archive.entry(
        "readings.csv",
        "监测数据及标记（当前版本） / values and flags (current version)",
        |out| {
            write_readings(store, request, out, &mut counts, &mut corrected_keys, &mut corrections)
        },
    )?;
    let mut histories = Vec::new();
    for key in &corrected_keys {
        histories.push(json!({
            "point": key.point,
            "kind": key.kind.as_str(),
            "param": key.param.as_str(),
            "data_time": key.data_time,
            "data_time_beijing": key.data_time.to_beijing().to_string(),
            "versions": store.reading_history(key)?,
        }));
    }
    archive.json_entry(
        "corrections.json",
        "数据更正的全部版本 / every version of corrected values",
        &json!(histories),
        histories.len() as u64,
    )?;

    let alarms = store.alarms(&AlarmQuery {
        point: Some(request.point),
        limit: usize::MAX / 2,
        ..AlarmQuery::default()
    })?;
    let mut alarm_lines = Vec::new();
    let mut alarm_values = Vec::new();
    for alarm in alarms.into_iter().rev() {
        // Overlapping the period: opened before its end, last seen after its start.
        if alarm.first_at >= request.to || alarm.last_at < request.from {
            continue;
        }
        let history = store.alarm_history(alarm.id)?;
        alarm_lines.push(summary::AlarmLine::of(&alarm));
        alarm_values.push(json!({ "alarm": alarm, "history": history }));
    }
    counts.n_alarms = alarm_values.len() as u64;
    archive.json_entry(
        "alarms.json",
        "报警及其处置全过程 / alarms and their full handling history",
        &json!(alarm_values),
        counts.n_alarms,
    )?;

    let checks = store.verify_evidence()?;
    let chain_intact = checks.iter().all(|check| check.outcome.is_ok());
    let chain = json!({
        "intact": chain_intact,
        "verified_at": generated.at,
        "tables": checks.iter().map(store::ChainCheck::to_json).collect::<Vec<_>>(),
    });
    archive.json_entry(
        "chain.json",
        "证据链（哈希链）校验结果 / evidence hash-chain verification",
        &chain,
        checks.len() as u64,
    )?;

    let report = CaseReport {
        point,
        n_raw_packets: counts.n_raw_packets,
        n_readings: counts.n_readings,
        n_corrected: counts.n_corrected,
        n_alarms: counts.n_alarms,
        chain_intact,
        files: archive.files.clone(),
    };
    let manifest = json!({
        "format": "qingshan-case/1",
        "point": report.point,
        "from": request.from,
        "to": request.to,
        "from_beijing": request.from.to_beijing().to_string(),
        "to_beijing": request.to.to_beijing().to_string(),
        "generated_at": generated.at,
        "generated_by": generated.by,
        "n_raw_packets": report.n_raw_packets,
        "n_refused_packets": counts.n_refused,
        "n_readings": report.n_readings,
        "n_corrected": report.n_corrected,
        "n_alarms": report.n_alarms,
        "chain_intact": chain_intact,
        "files": report.files,
    });
    archive.json_entry("case.json", "案卷清单 / case manifest", &manifest, 1)?;
    let text = summary::render(&summary::Summary {
        report: &report,
        request,
        generated,
        checks: &checks,
        counts: &counts,
        corrections: &corrections,
        alarms: &alarm_lines,
    });
    archive.entry("summary.md", "案卷摘要 / summary", |out| {
        out.write_all(text.as_bytes())?;
        Ok(1)
    })?;
    archive.zip.finish()?.flush()?;
    // The export and its files' digests join the audit chain: a copy of the
    // archive can be checked against the log later.
    store.record_audit(&[store::AuditEntry {
        at: generated.at,
        actor: generated.by.clone(),
        action: "case_exported".to_owned(),
        subject: format!("point:{}", report.point.point.code),
        detail: json!({
            "from": request.from,
            "to": request.to,
            "chain_intact": chain_intact,
            "files": report.files,
        }),
    }])?;
    Ok(report)
}

fn write_raw_packets<W: Write>(
    store: &dyn Store,
    request: &CaseRequest,
    out: &mut W,
    counts: &mut summary::Counts,
) -> Result<u64> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "id",
        "received_at_utc",
        "received_at_beijing",
        "peer",
        "mn",
        "cn",
        "verdict",
        "reason",
        "deviations",
        "packet",
        "packet_hex_if_not_utf8",
    ])?;
    let mut after_id = 0;
    loop {
        let page =
            store.point_raw_packets(request.point, request.from, request.to, after_id, PAGE)?;
        for record in &page {
            let raw = &record.raw;
            let (text, hex_bytes) = match std::str::from_utf8(&raw.bytes) {
                Ok(text) => (text.to_owned(), String::new()),
                Err(_) => (String::from_utf8_lossy(&raw.bytes).into_owned(), hex(&raw.bytes)),
            };
            if matches!(
                raw.verdict,
                store::Verdict::Refused { .. } | store::Verdict::Malformed { .. }
            ) {
                counts.n_refused += 1;
            }
            csv.write_record([
                record.id.to_string(),
                raw.received_at.to_rfc3339(),
                raw.received_at.to_beijing().to_string(),
                raw.peer.clone(),
                raw.mn.clone().unwrap_or_default(),
                raw.cn.map(|cn| cn.to_string()).unwrap_or_default(),
                raw.verdict.label().to_owned(),
                raw.verdict.reason().unwrap_or_default().to_owned(),
                serde_json::to_string(&raw.deviations)?,
                text,
                hex_bytes,
            ])?;
            counts.n_raw_packets += 1;
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after_id = last.id,
            _ => break,
        }
    }
    csv.flush()?;
    Ok(counts.n_raw_packets)
}

fn write_readings<W: Write>(
    store: &dyn Store,
    request: &CaseRequest,
    out: &mut W,
    counts: &mut summary::Counts,
    corrected_keys: &mut Vec<ReadingKey>,
    corrections: &mut Vec<summary::CorrectionLine>,
) -> Result<u64> {
    let mut csv = csv::Writer::from_writer(out);
    let mut header = vec!["kind", "param", "data_time_utc", "data_time_beijing"];
    header.extend(store::VALUE_FIELDS);
    header.extend(["version", "corrected_by", "corrected_at", "correction_reason"]);
    csv.write_record(&header)?;
    for kind in DataKind::ALL {
        let mut from = request.from;
        loop {
            let query = ReadingQuery {
                point: request.point,
                kind,
                params: Vec::new(),
                from,
                to: request.to,
                limit: PAGE,
            };
            let mut page = store.marked_readings(&query)?;
            let full = page.len() == PAGE;
            if full {
                // Keep whole data times: the last one is read again from its start.
                let last = page.last().map(|marked| marked.reading.key.data_time);
                page.retain(|marked| Some(marked.reading.key.data_time) != last);
                match last {
                    Some(last) if !page.is_empty() => from = last,
                    // One data time with more than a page of parameters cannot happen
                    // (a packet has far fewer); stop rather than loop.
                    _ => break,
                }
            }
            for marked in &page {
                write_reading(&mut csv, marked)?;
                counts.n_readings += 1;
                *counts.per_kind.entry(kind.as_str()).or_default() += 1;
                if let Some(marker) = &marked.corrected {
                    counts.n_corrected += 1;
                    corrected_keys.push(marked.reading.key.clone());
                    corrections.push(summary::CorrectionLine {
                        key: marked.reading.key.clone(),
                        marker: marker.clone(),
                    });
                }
            }
            if !full {
                break;
            }
        }
    }
    csv.flush()?;
    Ok(counts.n_readings)
}

fn write_reading<W: Write>(csv: &mut csv::Writer<W>, marked: &MarkedReading) -> Result<()> {
    let key = &marked.reading.key;
    let values = &marked.reading.values;
    let mut row = vec![
        key.kind.as_str().to_owned(),
        key.param.as_str().to_owned(),
        key.data_time.to_rfc3339(),
        key.data_time.to_beijing().to_string(),
    ];
    row.extend(
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
        .map(optional_number),
    );
    row.extend(
        [&values.flag, &values.eflag, &values.sample_time]
            .map(|text| text.clone().unwrap_or_default()),
    );
    match &marked.corrected {
        Some(marker) => row.extend([
            marker.version.to_string(),
            marker.actor.clone(),
            marker.at.to_rfc3339(),
            marker.reason.clone(),
        ]),
        None => row.extend(["1".to_owned(), String::new(), String::new(), String::new()]),
    }
    csv.write_record(&row)?;
    Ok(())
}
