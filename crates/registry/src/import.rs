//! Import: CSV or XLSX files, one per registry kind, validated row by row
//! and applied in one transaction, or refused with every bad row listed.
//!
//! Rows are upserted by their natural key (code, credit code, permit number,
//! MN); a row whose `status` is `retired` retires its record. References
//! (a section's water body and town, an outlet's enterprise, a limit's permit
//! and outlet, a device's point) must name a record stored already or given
//! earlier in the same import (files are read in dependency order, see
//! [`RegistryKind::ALL`]), and an active row may not refer to a retired record.

use crate::reason::{Reason, reason};
use std::collections::HashMap;
use std::io::Cursor;

use model::Instant;
use model::registry::RecordStatus;
use store::{
    ApplyReport, PointKind, RegistryChange, RegistryEntity, RegistryKind, RegistryRecord, Store,
};

use crate::layout::{RowReader, columns, read_row};
use crate::{Error, Result};

/// The format of an import or export file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, UTF-8 (a byte-order mark is accepted).
    Csv,
    /// An Excel workbook; its first worksheet is read.
    Xlsx,
}

impl Format {
    /// The format of a file named `name`, from its extension.
    pub fn of_file_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".xlsx") {
            Some(Format::Xlsx)
        } else {
            None
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// One file to import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportFile {
    /// Its name, used in problem reports.
    pub name: String,
    /// The kind of record its rows are.
    pub kind: RegistryKind,
    /// CSV or XLSX.
    pub format: Format,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// A bad row (or header) of an import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file's name.
    pub file: String,
    /// The 1-based line (CSV) or row (XLSX); the header is line 1.
    pub line: usize,
    /// The column's English name, when the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong (English).
    pub reason: String,
    /// What is wrong, in Chinese (the same refusal as `reason`).
    pub reason_zh: String,
}

impl Problem {
    /// A problem of `file` at `line` (in `column`) for `reason`.
    pub fn new(file: &str, line: usize, column: Option<String>, reason: Reason) -> Problem {
        Problem { file: file.to_owned(), line, column, reason: reason.en, reason_zh: reason.zh }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, line {}", self.file, self.line)?;
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Data rows read.
    pub n_rows: usize,
    /// What the store did with them.
    pub applied: ApplyReport,
    /// Rows imported as given that need a look, e.g. a grid inspector
    /// without an account (alarms assigned to that login wait unseen).
    pub warnings: Vec<Problem>,
}

/// A file's rows as text.
pub(crate) struct Table {
    /// The header cells.
    pub(crate) headers: Vec<String>,
    /// (line, cells) of each data row.
    pub(crate) rows: Vec<(usize, Vec<String>)>,
}

/// A CSV or XLSX file's rows as text, or why it cannot be read.
fn read_table(format: Format, bytes: &[u8]) -> std::result::Result<Table, String> {
    match format {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes),
    }
}

fn read_csv(bytes: &[u8]) -> std::result::Result<Table, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut headers = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| error.to_string())?;
        let line = record.position().map_or(0, |position| position.line() as usize);
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        if headers.is_none() {
            headers = Some(cells);
        } else {
            rows.push((line, cells));
        }
    }
    Ok(Table { headers: headers.unwrap_or_default(), rows })
}

fn xlsx_cell(cell: &calamine::Data) -> String {
    use calamine::{Data, DataType};
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(value) => value.to_string(),
        Data::Float(value) if value.fract() == 0.0 && value.abs() < 1e15 => {
            format!("{}", *value as i64)
        }
        Data::Float(value) => value.to_string(),
        Data::Bool(value) => if *value { "yes" } else { "no" }.to_owned(),
        Data::DateTime(_) => match cell.as_datetime() {
            Some(time) if time.time() == chrono::NaiveTime::MIN => time.date().to_string(),
            Some(time) => time.to_string(),
            None => String::new(),
        },
        Data::Error(error) => format!("#ERROR {error}"),
    }
}

fn read_xlsx(bytes: &[u8]) -> std::result::Result<Table, String> {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<Cursor<&[u8]>> =
        calamine::open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|error: calamine::XlsxError| error.to_string())?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| "the workbook has no worksheet".to_owned())?
        .map_err(|error| error.to_string())?;
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let first_column = range.start().map_or(0, |(_, column)| column as usize);
    let mut headers = None;
    let mut rows = Vec::new();
    for (index, row) in range.rows().enumerate() {
        // Cells left of the used range are empty: keep columns where they are.
        let mut cells = vec![String::new(); first_column];
        cells.extend(row.iter().map(xlsx_cell));
        if headers.is_none() {
            headers = Some(cells);
        } else {
            rows.push((first_row + index + 1, cells));
        }
    }
    Ok(Table { headers: headers.unwrap_or_default(), rows })
}

/// What the validator knows: stored records overlaid with the rows accepted so far.
struct Known {
    records: HashMap<(RegistryKind, String), (RecordStatus, RegistryEntity)>,
    /// Codes of stored points.
    point_codes: std::collections::HashSet<String>,
    /// Stored records that are sample data: they stay sample data when edited.
    sample: std::collections::HashSet<(RegistryKind, String)>,
}

impl Known {
    fn load(store: &dyn Store) -> Result<Known> {
        let mut records = HashMap::new();
        let mut sample = std::collections::HashSet::new();
        for kind in RegistryKind::ALL {
            for RegistryRecord { entity, status, sample: is_sample, .. } in
                store.registry_records(kind)?
            {
                if is_sample {
                    sample.insert((kind, entity.key()));
                }
                records.insert((kind, entity.key()), (status, entity));
            }
        }
        let point_codes = store.points()?.into_iter().map(|point| point.point.code).collect();
        Ok(Known { records, point_codes, sample })
    }

    fn get(&self, kind: RegistryKind, key: &str) -> Option<&(RecordStatus, RegistryEntity)> {
        self.records.get(&(kind, key.to_owned()))
    }

    /// `None` if a row with `status` may refer to record `kind`/`key`, else why not.
    fn refer(&self, kind: RegistryKind, key: &str, status: RecordStatus) -> Option<Reason> {
        let (kind_en, kind_zh) = (kind.as_str(), crate::reason::kind_zh(kind));
        match self.get(kind, key) {
            None => Some(reason!("{kind_zh} {key:?} 不存在", "{kind_en} {key:?} does not exist")),
            Some((RecordStatus::Retired, _)) if status == RecordStatus::Active => {
                Some(reason!("{kind_zh} {key:?} 已停用", "{kind_en} {key:?} is retired"))
            }
            Some(_) => None,
        }
    }

    /// An active record that refers to `entity`, as `<kind> <key>` in English
    /// and in Chinese, if any.
    fn active_user(&self, entity: &RegistryEntity) -> Option<(String, String)> {
        let key = entity.key();
        let kind = entity.kind();
        let refers = |user: &RegistryEntity| -> bool {
            match (kind, user) {
                (RegistryKind::Town, RegistryEntity::Section(section)) => section.town == key,
                (RegistryKind::Town, RegistryEntity::AirStation(station)) => station.town == key,
                (RegistryKind::Town, RegistryEntity::NoisePoint(point)) => point.town == key,
                (RegistryKind::Town, RegistryEntity::Enterprise(enterprise)) => {
                    enterprise.town == key
                }
                (RegistryKind::WaterBody, RegistryEntity::Section(section)) => {
                    section.water_body == key
                }
                (RegistryKind::Enterprise, RegistryEntity::Outlet(outlet)) => {
                    outlet.enterprise.as_str() == key
                }
                (RegistryKind::Enterprise, RegistryEntity::Permit(permit)) => {
                    permit.enterprise.as_str() == key
                }
                (RegistryKind::Permit, RegistryEntity::Limit(limit)) => limit.permit == key,
                (RegistryKind::Outlet, RegistryEntity::Limit(limit)) => limit.outlet == key,
                (_, RegistryEntity::Device(device)) => {
                    entity.point_kind().is_some() && device.point == key
                }
                _ => false,
            }
        };
        let mut users: Vec<(String, String)> = self
            .records
            .iter()
            .filter(|(_, (status, user))| *status == RecordStatus::Active && refers(user))
            .map(|((user_kind, user_key), _)| {
                (
                    format!("{} {user_key:?}", user_kind.as_str()),
                    format!("{} {user_key:?}", crate::reason::kind_zh(*user_kind)),
                )
            })
            .collect();
        users.sort();
        users.into_iter().next()
    }

    /// Why `entity` (with `status`) may not be applied on top of what is known.
    fn problems(
        &self,
        entity: &RegistryEntity,
        status: RecordStatus,
    ) -> Vec<(&'static str, Reason)> {
        let mut problems = Vec::new();
        let mut refer = |column: &'static str, kind: RegistryKind, key: &str| {
            if let Some(reason) = self.refer(kind, key, status) {
                problems.push((column, reason));
            }
        };
        match entity {
            RegistryEntity::Town(_) | RegistryEntity::WaterBody(_) => {}
            RegistryEntity::Section(section) => {
                refer("water_body", RegistryKind::WaterBody, &section.water_body);
                refer("town", RegistryKind::Town, &section.town);
            }
            RegistryEntity::AirStation(station) => refer("town", RegistryKind::Town, &station.town),
            RegistryEntity::NoisePoint(point) => refer("town", RegistryKind::Town, &point.town),
            RegistryEntity::Enterprise(enterprise) => {
                refer("town", RegistryKind::Town, &enterprise.town);
            }
            RegistryEntity::Outlet(outlet) => {
                refer("enterprise", RegistryKind::Enterprise, outlet.enterprise.as_str());
            }
            RegistryEntity::Permit(permit) => {
                refer("enterprise", RegistryKind::Enterprise, permit.enterprise.as_str());
            }
            RegistryEntity::Limit(limit) => {
                refer("permit", RegistryKind::Permit, &limit.permit);
                refer("outlet", RegistryKind::Outlet, &limit.outlet);
                let permit_owner = match self.get(RegistryKind::Permit, &limit.permit) {
                    Some((_, RegistryEntity::Permit(permit))) => Some(&permit.enterprise),
                    _ => None,
                };
                if let Some((_, RegistryEntity::Outlet(outlet))) =
                    self.get(RegistryKind::Outlet, &limit.outlet)
                {
                    if permit_owner.is_some_and(|owner| *owner != outlet.enterprise) {
                        let (code, owner) = (&limit.outlet, &outlet.enterprise);
                        problems.push((
                            "outlet",
                            reason!(
                                "排放口 {code:?} 属于 {owner}，不属于该许可证的企业",
                                "outlet {code:?} belongs to {owner}, not to the permit's enterprise"
                            ),
                        ));
                    }
                    let converted = limit.concentration["conversion"].is_object();
                    if converted
                        && !matches!(
                            outlet.kind,
                            PointKind::FlueGas | PointKind::Vocs | PointKind::Fume
                        )
                    {
                        let kind_en = outlet.kind.as_str();
                        problems.push((
                            "reference_o2_pct",
                            reason!(
                                "{kind_en} 类排放口没有基准氧含量",
                                "a {kind_en} outlet has no reference oxygen"
                            ),
                        ));
                    }
                }
            }
            RegistryEntity::Device(device) => {
                let linked = RegistryKind::ALL.into_iter().any(|kind| {
                    self.get(kind, &device.point)
                        .is_some_and(|(_, entity)| entity.point_kind().is_some())
                });
                if !linked && !self.point_codes.contains(&device.point) {
                    let point = &device.point;
                    problems.push((
                        "point",
                        reason!("点位 {point:?} 不存在", "point {point:?} does not exist"),
                    ));
                }
            }
        }
        // One code, one point: a section may not take an outlet's code.
        if entity.point_kind().is_some() {
            let key = entity.key();
            for kind in RegistryKind::ALL {
                if kind != entity.kind()
                    && self.get(kind, &key).is_some_and(|(_, other)| other.point_kind().is_some())
                {
                    let (kind_en, kind_zh) = (kind.as_str(), crate::reason::kind_zh(kind));
                    problems.push((
                        "code",
                        reason!(
                            "编码 {key:?} 已被{kind_zh}使用",
                            "code {key:?} is already used by a {kind_en}"
                        ),
                    ));
                }
            }
        }
        problems
    }
}

/// A file's data rows with its headers mapped to a layout's columns.
pub(crate) struct Sheet {
    mapped: Vec<Option<&'static str>>,
    table: Table,
}

impl Sheet {
    /// Reads file `name` and maps its headers to `layout`; a file that cannot
    /// be read, or whose headers are wrong, adds its problems (line 1) and gives `None`.
    pub(crate) fn read(
        name: &str,
        format: Format,
        bytes: &[u8],
        layout: &'static [crate::layout::Column],
        problems: &mut Vec<Problem>,
    ) -> Option<Sheet> {
        let problem =
            |column: Option<String>, reason: Reason| Problem::new(name, 1, column, reason);
        let table = match read_table(format, bytes) {
            Ok(table) => table,
            Err(reason) => {
                problems.push(problem(
                    None,
                    reason!("无法读取文件：{reason}", "cannot read the file: {reason}"),
                ));
                return None;
            }
        };
        match map_headers(layout, &table.headers) {
            Ok(mapped) => Some(Sheet { mapped, table }),
            Err(header_problems) => {
                problems.extend(
                    header_problems.into_iter().map(|(column, reason)| problem(column, reason)),
                );
                None
            }
        }
    }

    /// Each data row that is not blank: its line and a reader of its cells by column.
    pub(crate) fn rows(&self) -> impl Iterator<Item = (usize, RowReader<'_>)> {
        self.table
            .rows
            .iter()
            .filter(|(_, cells)| cells.iter().any(|cell| !cell.trim().is_empty()))
            .map(|(line, cells)| {
                let named: Vec<(&'static str, &str)> = self
                    .mapped
                    .iter()
                    .zip(cells)
                    .filter_map(|(column, cell)| Some(((*column)?, cell.as_str())))
                    .collect();
                (*line, RowReader::new(named))
            })
    }
}

/// A header problem: (column, reason).
type HeaderProblem = (Option<String>, Reason);

/// Maps each header cell to its column of `layout`; problems for unknown, repeated or missing columns.
fn map_headers(
    layout: &'static [crate::layout::Column],
    headers: &[String],
) -> std::result::Result<Vec<Option<&'static str>>, Vec<HeaderProblem>> {
    let mut problems = Vec::new();
    let mut mapped = Vec::new();
    for header in headers {
        let header = header.trim();
        if header.is_empty() {
            mapped.push(None);
            continue;
        }
        let column = layout
            .iter()
            .find(|column| column.name.eq_ignore_ascii_case(header) || column.zh == header);
        match column {
            Some(column) if mapped.contains(&Some(column.name)) => {
                problems
                    .push((Some(column.name.to_owned()), reason!("列重复", "column given twice")));
            }
            Some(column) => mapped.push(Some(column.name)),
            None => {
                let names: Vec<&str> = layout.iter().map(|column| column.name).collect();
                let names = names.join(", ");
                problems.push((
                    Some(header.to_owned()),
                    reason!("未知的列；应为 {names}", "unknown column; expected {names}"),
                ));
                mapped.push(None);
            }
        }
    }
    for column in layout.iter().filter(|column| column.required) {
        if !mapped.contains(&Some(column.name)) {
            let (name, zh) = (column.name, column.zh);
            problems.push((
                Some(column.name.to_owned()),
                reason!(
                    "缺少必需的列（表头 {zh:?} 或 {name:?}）",
                    "required column missing (header {name:?} or {zh:?})"
                ),
            ));
        }
    }
    if problems.is_empty() { Ok(mapped) } else { Err(problems) }
}

/// A validated row waiting for its device password to be hashed.
struct Planned {
    /// Where the row is: (file name, line).
    place: (String, usize),
    change: RegistryChange,
    password: Option<String>,
    /// The stored hash of a device, kept if `password` still matches it.
    stored_hash: Option<String>,
}

/// Validates `files` against the store and returns the changes they make
/// (marked `sample`, as are changes to records that are sample data already),
/// in dependency order; or [`Error::Rejected`] with every problem found.
pub fn plan(store: &dyn Store, files: &[ImportFile], sample: bool) -> Result<Vec<RegistryChange>> {
    Ok(plan_rows(store, files, sample)?.1)
}

/// [`plan`], also returning the number of data rows read.
pub(crate) fn plan_rows(
    store: &dyn Store,
    files: &[ImportFile],
    sample: bool,
) -> Result<(usize, Vec<RegistryChange>)> {
    let mut known = Known::load(store)?;
    let mut ordered: Vec<&ImportFile> = files.iter().collect();
    ordered.sort_by_key(|file| RegistryKind::ALL.iter().position(|kind| *kind == file.kind));
    let mut problems = Vec::new();
    let mut planned = Vec::new();
    let mut n_rows = 0;
    for file in &ordered {
        let problem = |line: usize, column: Option<String>, reason: Reason| {
            Problem::new(&file.name, line, column, reason)
        };
        let Some(sheet) =
            Sheet::read(&file.name, file.format, &file.bytes, columns(file.kind), &mut problems)
        else {
            continue;
        };
        let mut lines_by_key: HashMap<String, usize> = HashMap::new();
        for (line, mut row) in sheet.rows() {
            n_rows += 1;
            let read = read_row(file.kind, &mut row);
            problems.extend(
                row.problems
                    .drain(..)
                    .map(|(column, reason)| problem(line, Some(column.to_owned()), reason)),
            );
            let Some((mut entity, status, password)) = read else { continue };
            let key = entity.key();
            if let Some(first) = lines_by_key.insert(key.clone(), line) {
                let column = columns(file.kind)[0].name.to_owned();
                problems.push(problem(
                    line,
                    Some(column),
                    reason!("与第 {first} 行重复", "duplicate of line {first}"),
                ));
                continue;
            }
            let reference_problems = known.problems(&entity, status);
            if !reference_problems.is_empty() {
                problems.extend(
                    reference_problems
                        .into_iter()
                        .map(|(column, reason)| problem(line, Some(column.to_owned()), reason)),
                );
                continue;
            }
            let stored_hash = match known.get(RegistryKind::Device, &key) {
                Some((_, RegistryEntity::Device(stored))) => Some(stored.password_hash.clone()),
                _ => None,
            };
            if let RegistryEntity::Device(device) = &mut entity
                && password.is_none()
            {
                match &stored_hash {
                    Some(stored_hash) => device.password_hash = stored_hash.clone(),
                    None => {
                        problems.push(problem(
                            line,
                            Some("password".to_owned()),
                            reason!("新设备必须填写密码", "a new device needs a password"),
                        ));
                        continue;
                    }
                }
            }
            let sample = sample || known.sample.contains(&(file.kind, key.clone()));
            known.records.insert((file.kind, key), (status, entity.clone()));
            planned.push(Planned {
                place: (file.name.clone(), line),
                change: RegistryChange { entity, status, sample },
                password,
                stored_hash,
            });
        }
    }
    // A record may be retired only once nothing active refers to it any more
    // (rows later in the import count: retire an outlet's limits with it).
    for Planned { place, change, .. } in &planned {
        if change.status != RecordStatus::Retired {
            continue;
        }
        if let Some((user, user_zh)) = known.active_user(&change.entity) {
            problems.push(Problem::new(
                &place.0,
                place.1,
                Some("status".to_owned()),
                reason!(
                    "仍被在用的{user_zh}使用；请先停用它，或在同一次导入中一并停用",
                    "still used by active {user}; retire that first or in the same import"
                ),
            ));
        }
    }
    if !problems.is_empty() {
        // In the order the files were read (dependency order), then by line.
        let file_order: Vec<&str> = ordered.iter().map(|file| file.name.as_str()).collect();
        problems.sort_by_key(|problem| {
            (file_order.iter().position(|name| *name == problem.file), problem.line)
        });
        return Err(Error::Rejected { problems });
    }
    let mut changes = Vec::with_capacity(planned.len());
    for Planned { mut change, password, stored_hash, .. } in planned {
        if let (RegistryEntity::Device(device), Some(password)) = (&mut change.entity, password) {
            device.password_hash = match stored_hash {
                // The same password again: keep the hash, so nothing changes.
                Some(stored) if crate::password_matches(&password, &stored) => stored,
                _ => crate::hash_device_password(&password)?,
            };
        }
        changes.push(change);
    }
    Ok((n_rows, changes))
}

/// Validates `files` and applies them in one audited transaction (by `actor`,
/// at `at`); returns once committed. Nothing is applied if any row is bad:
/// [`Error::Rejected`] lists every problem.
pub fn import(
    store: &dyn Store,
    files: &[ImportFile],
    actor: &str,
    at: Instant,
    sample: bool,
) -> Result<ImportReport> {
    let (n_rows, changes) = plan_rows(store, files, sample)?;
    let applied = store.apply_registry(&changes, actor, at)?;
    Ok(ImportReport { n_rows, applied, warnings: Vec::new() })
}

/// One record given as cells by column name (a JSON form, an API body), as a
/// one-row CSV file named `name`, so it is validated exactly like a file row.
pub fn row_file(name: &str, kind: RegistryKind, cells: &[(String, String)]) -> Result<ImportFile> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |error: csv::Error| Error::Export(error.to_string());
    writer.write_record(cells.iter().map(|(column, _)| column)).map_err(csv_error)?;
    writer.write_record(cells.iter().map(|(_, value)| value)).map_err(csv_error)?;
    let bytes = writer.into_inner().map_err(|error| Error::Export(error.to_string()))?;
    Ok(ImportFile { name: name.to_owned(), kind, format: Format::Csv, bytes })
}

/// Retires the record `kind`/`key` (keeping its content), audited as `actor`
/// at `at`; returns once committed. The record goes through the same
/// validation as an imported row with status `retired`, so a record that an
/// active record still uses is refused ([`Error::Rejected`]). Retiring a
/// retired record changes nothing.
pub fn retire(
    store: &dyn Store,
    kind: RegistryKind,
    key: &str,
    actor: &str,
    at: Instant,
) -> Result<ApplyReport> {
    let record = store.registry_record(kind, key)?.ok_or_else(|| {
        Error::Store(store::Error::NotFound { entity: kind.as_str(), id: key.to_owned() })
    })?;
    let cells: Vec<(String, String)> = columns(kind)
        .iter()
        .map(|column| column.name.to_owned())
        .zip(crate::layout::write_row(&record.entity, RecordStatus::Retired))
        .collect();
    let file = row_file("request", kind, &cells)?;
    Ok(import(store, &[file], actor, at, record.sample)?.applied)
}
