//! Water samples: read long or wide CSV into samples, classify each with
//! [`standards::water::classify_sample`], and optionally each section's
//! periods with [`standards::water::classify_period`].
//!
//! See the crate docs for the layouts and columns.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use chrono::Datelike;
pub use standards::water::WaterBody;
use standards::water::{
    Decimal, PeriodOptions, SampleClass, WaterItem, WaterValue, classify_period, classify_sample,
};

use crate::error::{Error, Result, RowError};
use crate::input::{
    CsvInput, LocalTime, ReadOptions, Summary, find_column, format_time, is_no_value,
    parse_time_or_error, require_column, text,
};
use crate::output::{Cell, Format, TableWriter};

/// The periods a section's samples are grouped into for a period class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaterPeriod {
    /// Calendar month, labelled `2025-03`.
    Month,
    /// Calendar quarter, labelled `2025-Q1`.
    Quarter,
    /// Calendar year, labelled `2025`.
    Year,
    /// All of a section's samples, labelled `all`.
    All,
}

impl WaterPeriod {
    /// The `kind` column's value for rows of this period.
    pub fn name(self) -> &'static str {
        match self {
            WaterPeriod::Month => "month",
            WaterPeriod::Quarter => "quarter",
            WaterPeriod::Year => "year",
            WaterPeriod::All => "all",
        }
    }

    fn label(self, time: LocalTime) -> String {
        let date = time.to_naive().date();
        match self {
            WaterPeriod::Month => format!("{:04}-{:02}", date.year(), date.month()),
            WaterPeriod::Quarter => format!("{:04}-Q{}", date.year(), (date.month() - 1) / 3 + 1),
            WaterPeriod::Year => format!("{:04}", date.year()),
            WaterPeriod::All => "all".to_owned(),
        }
    }
}

/// Everything `eval water` needs besides its input and output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaterConfig {
    /// River (default) or lake/reservoir: selects the TP limits and TN.
    pub body: WaterBody,
    /// Also write each section's class per period.
    pub period: Option<WaterPeriod>,
    /// CSV or JSON.
    pub format: Format,
    /// The standards' options for samples and period means.
    pub options: PeriodOptions,
    /// Reading options.
    pub read: ReadOptions,
}

impl Default for WaterConfig {
    fn default() -> WaterConfig {
        WaterConfig {
            body: WaterBody::River,
            period: None,
            format: Format::Csv,
            options: PeriodOptions::default(),
            read: ReadOptions::default(),
        }
    }
}

/// One sample: a section at a time, with its results in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The section as named in the input.
    pub section: String,
    time: LocalTime,
    /// The results, in input order (an item given twice is kept twice; the
    /// worse result counts).
    pub values: Vec<(WaterItem, WaterValue)>,
}

impl Sample {
    /// The sampling time (Beijing) as `YYYY-MM-DD HH:MM[:SS]`.
    pub fn time_text(&self) -> String {
        format_time(self.time)
    }
}

/// The samples of an input, sorted by section, then time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WaterData {
    /// Samples by section, then time.
    pub samples: Vec<Sample>,
}

const WATER_HEADER: &str = "section,time,item,value";
const SECTION_NAMES: &[&str] = &["section", "mn"];
const TIME_NAMES: &[&str] = &["time", "datatime", "date"];
const ITEM_NAMES: &[&str] = &["item", "code"];
const VALUE_NAMES: &[&str] = &["value"];

enum Layout {
    Long { section: usize, time: usize, item: usize, value: usize },
    Wide { section: usize, time: usize, columns: Vec<(usize, WaterItem)> },
}

fn water_layout(header: &[String]) -> Result<Layout> {
    let section = require_column(header, SECTION_NAMES, "section")?;
    let time = require_column(header, TIME_NAMES, "time")?;
    let long = find_column(header, ITEM_NAMES);
    let value = match long {
        Some(_) => Some(require_column(header, VALUE_NAMES, "value")?),
        None => None,
    };
    let mut columns = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if header[..i].iter().any(|h| h.eq_ignore_ascii_case(name)) {
            return Err(Error::DuplicateColumn { column: i + 1, name: name.clone() });
        }
        if i == section || i == time || Some(i) == long || Some(i) == value {
            continue;
        }
        match (long, WaterItem::parse(name)) {
            (None, Ok(item)) => {
                if columns.iter().any(|(_, it)| *it == item) {
                    return Err(Error::DuplicateColumn { column: i + 1, name: name.clone() });
                }
                columns.push((i, item));
            }
            _ => {
                return Err(Error::UnknownColumn {
                    column: i + 1,
                    name: name.clone(),
                    expected: "section,time,item,value (long layout) or section,time and one column per item, named by its short name (pH, DO, CODMn, COD, BOD5, NH3-N, TP, ...) or HJ 212 code (wide layout)",
                });
            }
        }
    }
    Ok(match (long, value) {
        (Some(item), Some(value)) => Layout::Long { section, time, item, value },
        _ => Layout::Wide { section, time, columns },
    })
}

/// Parses one result: a decimal; a non-detect as `<0.01` or `0.01L`
/// (the Chinese report convention); empty or `NA` for none.
pub fn parse_water_value(field: &[u8], item: WaterItem) -> Result<Option<WaterValue>> {
    if is_no_value(field) {
        return Ok(None);
    }
    let t = text(field)?;
    if t.eq_ignore_ascii_case("ND") || t == "未检出" {
        return Err(Error::NonDetectWithoutLimit { text: t.to_owned() });
    }
    let non_detect = t.strip_prefix('<').or_else(|| t.strip_suffix(['L', 'l']));
    if let Some(limit) = non_detect {
        let detection_limit = Decimal::parse(limit)?;
        if detection_limit.is_negative() {
            return Err(Error::NegativeWaterValue { text: t.to_owned(), item: item.short_name() });
        }
        return Ok(Some(WaterValue::NotDetected { detection_limit }));
    }
    let value = Decimal::parse(t)?;
    if value.is_negative() && item != WaterItem::WaterTemperature {
        return Err(Error::NegativeWaterValue { text: t.to_owned(), item: item.short_name() });
    }
    Ok(Some(WaterValue::Measured(value)))
}

/// Reads water samples (long or wide layout, see the crate docs).
///
/// Returns the samples and the summary of refused rows; fails only when the
/// input cannot be read or its header is unusable.
pub fn read_water<R: BufRead>(input: R, options: &ReadOptions) -> Result<(WaterData, Summary)> {
    let mut csv = CsvInput::open(input, WATER_HEADER)?;
    let header = csv.header.clone();
    let layout = water_layout(&header)?;
    let (section_col, time_col) = match &layout {
        Layout::Long { section, time, .. } | Layout::Wide { section, time, .. } => {
            (*section, *time)
        }
    };
    let mut summary = Summary::default();
    let mut samples: BTreeMap<(String, LocalTime), Vec<(WaterItem, WaterValue)>> = BTreeMap::new();
    let mut record = csv::ByteRecord::new();
    let mut row_errors: Vec<RowError> = Vec::new();
    let mut values: Vec<(WaterItem, WaterValue)> = Vec::new();
    let column_error = |line: u64, column: usize, error: Error| RowError {
        line,
        column: column + 1,
        column_name: header[column].clone(),
        error,
    };
    while let Some(line) = csv.next(&mut record)? {
        summary.n_rows += 1;
        row_errors.clear();
        values.clear();
        if record.len() != header.len() {
            summary.n_refused += 1;
            let error = Error::FieldCount { expected: header.len(), found: record.len() };
            summary.push_error(
                RowError { line, column: 0, column_name: String::new(), error },
                options,
            );
            continue;
        }
        let section = match text(&record[section_col]) {
            Ok("") => {
                row_errors.push(column_error(
                    line,
                    section_col,
                    Error::EmptyField { name: "section" },
                ));
                None
            }
            Ok(s) => Some(s.to_owned()),
            Err(error) => {
                row_errors.push(column_error(line, section_col, error));
                None
            }
        };
        let time = if record[time_col].trim_ascii().is_empty() {
            row_errors.push(column_error(line, time_col, Error::EmptyField { name: "time" }));
            None
        } else {
            match parse_time_or_error(&record[time_col], true) {
                Ok(time) => Some(time),
                Err(error) => {
                    row_errors.push(column_error(line, time_col, error));
                    None
                }
            }
        };
        match &layout {
            Layout::Long { item, value, .. } => {
                let parsed =
                    text(&record[*item]).and_then(|t| WaterItem::parse(t).map_err(Error::from));
                match parsed {
                    Ok(item) => match parse_water_value(&record[*value], item) {
                        Ok(Some(v)) => values.push((item, v)),
                        Ok(None) => {}
                        Err(error) => row_errors.push(column_error(line, *value, error)),
                    },
                    Err(error) => row_errors.push(column_error(line, *item, error)),
                }
            }
            Layout::Wide { columns, .. } => {
                for (column, item) in columns {
                    match parse_water_value(&record[*column], *item) {
                        Ok(Some(v)) => values.push((*item, v)),
                        Ok(None) => {}
                        Err(error) => row_errors.push(column_error(line, *column, error)),
                    }
                }
            }
        }
        match (section, time) {
            (Some(section), Some(time)) if row_errors.is_empty() => {
                if values.is_empty() {
                    continue;
                }
                summary.n_values += values.len() as u64;
                samples.entry((section, time)).or_default().extend_from_slice(&values);
            }
            _ => {
                summary.n_refused += 1;
                for error in row_errors.drain(..) {
                    summary.push_error(error, options);
                }
            }
        }
    }
    let samples = samples
        .into_iter()
        .map(|((section, time), values)| Sample { section, time, values })
        .collect();
    Ok((WaterData { samples }, summary))
}

/// The items present anywhere in the data, in table order.
fn items_present(data: &WaterData) -> Vec<WaterItem> {
    WaterItem::ALL
        .into_iter()
        .filter(|item| data.samples.iter().any(|s| s.values.iter().any(|(i, _)| i == item)))
        .collect()
}

/// The water report's columns for the given items, in order.
pub fn water_header(items: &[WaterItem]) -> Vec<String> {
    let mut header: Vec<String> = [
        "section",
        "kind",
        "time",
        "n_samples",
        "class",
        "deciding",
        "main_pollutants",
        "missing",
        "unjudged",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for item in items {
        header.push(item.short_name().to_owned());
        header.push(format!("{}_class", item.short_name()));
    }
    header
}

fn value_text(value: WaterValue) -> String {
    match value {
        WaterValue::Measured(v) => v.to_string(),
        WaterValue::NotDetected { detection_limit } => format!("<{detection_limit}"),
    }
}

fn names(items: impl IntoIterator<Item = WaterItem>) -> Cell {
    let names: Vec<&str> = items.into_iter().map(WaterItem::short_name).collect();
    Cell::text_or_empty(names.join("|"))
}

/// One output row; `value_of` gives an item's value for the item columns.
fn water_cells(
    section: &str,
    kind: &str,
    time: String,
    n_samples: usize,
    class: &SampleClass,
    items: &[WaterItem],
    value_of: impl Fn(WaterItem) -> Option<WaterValue>,
) -> Vec<Cell> {
    let mut cells = vec![
        Cell::Text(section.to_owned()),
        Cell::Text(kind.to_owned()),
        Cell::Text(time),
        Cell::Int(n_samples as i64),
        class.class.map_or(Cell::Empty, |c| Cell::Text(c.label().to_owned())),
        names(class.deciding_items.iter().copied()),
        names(class.main_pollutants.iter().map(|m| m.item)),
        names(class.missing_items.iter().copied()),
        names(class.unjudged_items.iter().copied()),
    ];
    for item in items {
        // The worst result of the item sets its class (classify_sample).
        let worst = class.items.iter().filter(|r| r.item == *item).max_by_key(|r| r.class);
        cells.push(Cell::number(value_of(*item).map(value_text)));
        cells.push(
            worst.and_then(|r| r.class).map_or(Cell::Empty, |c| Cell::Text(c.label().to_owned())),
        );
    }
    cells
}

/// Writes one row per sample (kind `sample`), and with a period one row
/// per section and period after the section's samples (kind `month`,
/// `quarter`, `year` or `all`).
pub fn write_water<W: Write>(data: &WaterData, out: W, config: &WaterConfig) -> Result<u64> {
    let items = items_present(data);
    let mut table = TableWriter::new(out, config.format, water_header(&items))?;
    let sample_options = &config.options.sample;
    let mut start = 0;
    while start < data.samples.len() {
        let section = &data.samples[start].section;
        let end =
            start + data.samples[start..].iter().take_while(|s| &s.section == section).count();
        let samples = &data.samples[start..end];
        for sample in samples {
            let class = classify_sample(&sample.values, config.body, sample_options);
            let value_of = |item: WaterItem| {
                class
                    .items
                    .iter()
                    .filter(|r| r.item == item)
                    .max_by_key(|r| r.class)
                    .map(|r| r.value)
            };
            table.row(&water_cells(
                section,
                "sample",
                sample.time_text(),
                1,
                &class,
                &items,
                value_of,
            ))?;
        }
        if let Some(period) = config.period {
            let mut group_start = 0;
            while group_start < samples.len() {
                let label = period.label(samples[group_start].time);
                let group_end = group_start
                    + samples[group_start..]
                        .iter()
                        .take_while(|s| period.label(s.time) == label)
                        .count();
                let group: Vec<&[(WaterItem, WaterValue)]> =
                    samples[group_start..group_end].iter().map(|s| s.values.as_slice()).collect();
                let result = classify_period(&group, config.body, &config.options);
                let value_of =
                    |item: WaterItem| result.means.iter().find(|m| m.item == item).map(|m| m.value);
                table.row(&water_cells(
                    section,
                    period.name(),
                    label,
                    result.n_samples,
                    &result.class,
                    &items,
                    value_of,
                ))?;
                group_start = group_end;
            }
        }
        start = end;
    }
    table.finish()
}

/// The whole `eval water` pipeline: read, classify, write.
pub fn eval_water<R: BufRead, W: Write>(input: R, out: W, config: &WaterConfig) -> Result<Summary> {
    let (data, mut summary) = read_water(input, &config.read)?;
    summary.n_output_rows = write_water(&data, out, config)?;
    Ok(summary)
}
