//! Hourly air data: read long or wide CSV into per-station hourly columns,
//! evaluate each station with [`standards::air`], write daily AQI rows or
//! annual statistics.
//!
//! See the crate docs for the layouts and columns.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use chrono::{Datelike, NaiveDate};
use standards::air::{
    AirOptions, DayHours, DayResult, HourlySeries, PeriodStats, StatsScratch, evaluate_days_into,
    has_annual_mean, period_statistics_with,
};
use standards::aqi::{Indicator, Pollutant};
use standards::decimal::Conc;
pub use standards::edition::{AirEdition, EditionChoice, HourLabel};

use crate::error::{Error, Result, RowError};
use crate::input::{
    CsvInput, ReadOptions, Summary, date_of_day, find_column, is_no_value, parse_time_or_error,
    require_column, text,
};
use crate::output::{Cell, Format, TableWriter};

/// Which air report to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AirReport {
    /// One row per station and day: the daily AQI (default).
    #[default]
    Daily,
    /// One row per station, calendar year and edition piece: HJ 663
    /// period statistics.
    Annual,
}

/// Everything `eval air` needs besides its input and output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AirConfig {
    /// What the times label: the end of the hour (default, the national
    /// publishing convention) or its start (HJ 212 `DataTime`).
    pub hour_label: HourLabel,
    /// Each day under the edition of its date (default), or a fixed one.
    pub edition: EditionChoice,
    /// Daily or annual rows.
    pub report: AirReport,
    /// CSV or JSON.
    pub format: Format,
    /// The standards' options (defaults as documented in `standards::air`).
    pub options: AirOptions,
    /// Reading options.
    pub read: ReadOptions,
}

impl Default for AirConfig {
    fn default() -> AirConfig {
        AirConfig {
            hour_label: HourLabel::PeriodEnd,
            edition: EditionChoice::ByDate,
            report: AirReport::Daily,
            format: Format::Csv,
            options: AirOptions::default(),
            read: ReadOptions::default(),
        }
    }
}

/// One station's hourly values: one dense column per pollutant
/// ([`Pollutant::index`]), element `i` the hour starting
/// `first_hour_start + i` hours (Beijing), `None` where missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationHours {
    /// The station as named in the input.
    pub station: String,
    /// Hours since 1970-01-01 00:00 (Beijing) of element 0's start; a
    /// multiple of 24 (columns start at midnight).
    first_hour: i64,
    /// Hourly values per pollutant, all of the same length.
    pub columns: [Vec<Option<Conc>>; 6],
}

impl StationHours {
    /// The start (Beijing) of the hour of element 0.
    pub fn first_hour_start_beijing(&self) -> chrono::NaiveDateTime {
        date_of_day(self.first_hour.div_euclid(24)).and_hms_opt(0, 0, 0).unwrap_or_default()
    }

    /// The series for the `standards` evaluators (labels are hour starts).
    pub fn series(&self) -> HourlySeries<'_> {
        let c = &self.columns;
        HourlySeries {
            first_label_beijing: self.first_hour_start_beijing(),
            label: HourLabel::PeriodStart,
            columns: [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]],
        }
    }

    /// The first and last day (Beijing; a day is the hours starting
    /// 00:00..23:00) holding a value; `None` without values.
    pub fn day_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        let first = self.columns.iter().filter_map(|c| c.iter().position(Option::is_some)).min()?;
        let last = self.columns.iter().filter_map(|c| c.iter().rposition(Option::is_some)).max()?;
        let day = |i: usize| date_of_day((self.first_hour + i as i64).div_euclid(24));
        Some((day(first), day(last)))
    }
}

/// The hourly values of an input, one entry per station, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AirData {
    /// Stations in name order.
    pub stations: Vec<StationHours>,
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// The header this module expects in its messages.
const AIR_HEADER: &str = "station,time,pollutant,value";

/// Accepted names of the station, time, pollutant and value columns.
const STATION_NAMES: &[&str] = &["station", "mn"];
const TIME_NAMES: &[&str] = &["time", "datatime"];
const POLLUTANT_NAMES: &[&str] = &["pollutant", "code"];
const VALUE_NAMES: &[&str] = &["value"];

/// Pollutant names accepted in the pollutant column and as wide-layout
/// headers, ASCII case-insensitive, besides the HJ 212 codes
/// ([`Pollutant::from_hj212_code`]).
const POLLUTANT_SPELLINGS: [(&[u8], Pollutant); 8] = [
    (b"SO2", Pollutant::So2),
    (b"NO2", Pollutant::No2),
    (b"CO", Pollutant::Co),
    (b"O3", Pollutant::O3),
    (b"PM10", Pollutant::Pm10),
    (b"PM2.5", Pollutant::Pm25),
    (b"PM25", Pollutant::Pm25),
    (b"PM2_5", Pollutant::Pm25),
];

/// Parses a pollutant name or HJ 212 code (HJ 212-2017 annex B).
pub fn parse_pollutant(text: &[u8]) -> Option<Pollutant> {
    let text = text.trim_ascii();
    POLLUTANT_SPELLINGS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, p)| *p)
        .or_else(|| std::str::from_utf8(text).ok().and_then(Pollutant::from_hj212_code))
}

#[derive(Debug, Clone)]
enum Layout {
    /// `station,time,pollutant,value`.
    Long { station: usize, time: usize, pollutant: usize, value: usize },
    /// `station,time,<pollutant>...`.
    Wide { station: usize, time: usize, columns: Vec<(usize, Pollutant)> },
}

fn air_layout(header: &[String]) -> Result<Layout> {
    let station = require_column(header, STATION_NAMES, "station")?;
    let time = require_column(header, TIME_NAMES, "time")?;
    if let Some(pollutant) = find_column(header, POLLUTANT_NAMES) {
        let value = require_column(header, VALUE_NAMES, "value")?;
        let known = [station, time, pollutant, value];
        check_header(header, &known, |_| false)?;
        return Ok(Layout::Long { station, time, pollutant, value });
    }
    check_header(header, &[station, time], |name| parse_pollutant(name.as_bytes()).is_some())?;
    let mut columns: Vec<(usize, Pollutant)> = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if i == station || i == time {
            continue;
        }
        let Some(pollutant) = parse_pollutant(name.as_bytes()) else { continue };
        if columns.iter().any(|(_, p)| *p == pollutant) {
            return Err(Error::DuplicateColumn { column: i + 1, name: name.clone() });
        }
        columns.push((i, pollutant));
    }
    Ok(Layout::Wide { station, time, columns })
}

/// Refuses unknown and repeated header names.
fn check_header(header: &[String], known: &[usize], extra: impl Fn(&str) -> bool) -> Result<()> {
    for (i, name) in header.iter().enumerate() {
        if header[..i].iter().any(|h| h.eq_ignore_ascii_case(name)) {
            return Err(Error::DuplicateColumn { column: i + 1, name: name.clone() });
        }
        if !known.contains(&i) && !extra(name) {
            return Err(Error::UnknownColumn {
                column: i + 1,
                name: name.clone(),
                expected: "station,time,pollutant,value (long layout) or station,time and one column per pollutant: SO2, NO2, CO, O3, PM10, PM2.5 or their HJ 212 codes (wide layout)",
            });
        }
    }
    Ok(())
}

/// Line stored for a slot withdrawn by conflicting rows.
const WITHDRAWN: u32 = u32::MAX;

/// A station's columns while reading, with the line of each value.
struct StationBuild {
    station: String,
    /// Hours since 1970-01-01 of element 0's start, a multiple of 24.
    first_hour: i64,
    values: [Vec<Option<Conc>>; 6],
    /// Line of each value; 0 for none, [`WITHDRAWN`] after a conflict.
    lines: [Vec<u32>; 6],
}

impl StationBuild {
    fn len(&self) -> usize {
        self.values[0].len()
    }

    /// Makes room for `hour` and returns its index.
    fn slot(&mut self, hour: i64) -> usize {
        if self.len() == 0 {
            self.first_hour = hour.div_euclid(24) * 24;
        }
        if hour < self.first_hour {
            // Grow at the front by at least the current length (amortised).
            let wanted = hour.div_euclid(24) * 24;
            let doubled = self.first_hour - (self.len() as i64).div_euclid(24) * 24;
            let new_first = wanted.min(doubled);
            let shift = (self.first_hour - new_first) as usize;
            for column in &mut self.values {
                column.splice(0..0, std::iter::repeat_n(None, shift));
            }
            for column in &mut self.lines {
                column.splice(0..0, std::iter::repeat_n(0, shift));
            }
            self.first_hour = new_first;
        }
        let index = (hour - self.first_hour) as usize;
        if index >= self.len() {
            let new_len = (index / 24 + 1) * 24;
            for column in &mut self.values {
                column.resize(new_len, None);
            }
            for column in &mut self.lines {
                column.resize(new_len, 0);
            }
        }
        index
    }

    /// The slot of `hour`, if inside the columns.
    fn existing(&self, hour: i64) -> Option<usize> {
        let index = hour - self.first_hour;
        (index >= 0 && (index as usize) < self.len()).then_some(index as usize)
    }
}

/// One parsed value of a row.
#[derive(Debug, Clone, Copy)]
struct Cellv {
    column: usize,
    pollutant: Pollutant,
    value: Conc,
    duplicate: bool,
}

/// Reads hourly air data (long or wide layout, see the crate docs).
///
/// Returns the data and the summary of refused rows; fails only when the
/// input cannot be read or its header is unusable.
pub fn read_air<R: BufRead>(
    input: R,
    hour_label: HourLabel,
    options: &ReadOptions,
) -> Result<(AirData, Summary)> {
    let mut csv = CsvInput::open(input, AIR_HEADER)?;
    let header = csv.header.clone();
    let layout = air_layout(&header)?;
    let (station_col, time_col) = match &layout {
        Layout::Long { station, time, .. } | Layout::Wide { station, time, .. } => {
            (*station, *time)
        }
    };
    let shift = match hour_label {
        HourLabel::PeriodStart => 0,
        HourLabel::PeriodEnd => 1,
    };
    let mut summary = Summary::default();
    let mut stations: Vec<StationBuild> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut last_station: Vec<u8> = Vec::new();
    let mut last_station_index: Option<usize> = None;
    let mut last_time: Vec<u8> = Vec::new();
    let mut last_hour: Option<i64> = None;
    let mut record = csv::ByteRecord::new();
    let mut cells: Vec<Cellv> = Vec::new();
    let mut row_errors: Vec<RowError> = Vec::new();
    let column_error = |line: u64, column: usize, error: Error| RowError {
        line,
        column: column + 1,
        column_name: header[column].clone(),
        error,
    };

    while let Some(line) = csv.next(&mut record)? {
        summary.n_rows += 1;
        cells.clear();
        row_errors.clear();
        if record.len() != header.len() {
            row_errors.push(RowError {
                line,
                column: 0,
                column_name: String::new(),
                error: Error::FieldCount { expected: header.len(), found: record.len() },
            });
            refuse(&mut summary, &mut row_errors, options);
            continue;
        }
        // Station.
        let station_field = record[station_col].trim_ascii();
        if station_field.is_empty() {
            row_errors.push(column_error(line, station_col, Error::EmptyField { name: "station" }));
        } else if std::str::from_utf8(station_field).is_err() {
            row_errors.push(column_error(line, station_col, Error::NotUtf8));
        }
        // Time, as the start hour.
        let time_field = record[time_col].trim_ascii();
        let hour = if last_hour.is_some() && time_field == last_time.as_slice() {
            last_hour
        } else if time_field.is_empty() {
            row_errors.push(column_error(line, time_col, Error::EmptyField { name: "time" }));
            None
        } else {
            match parse_time_or_error(time_field, false) {
                Ok(time) => match time.whole_hour() {
                    Some(label_hour) => {
                        last_time.clear();
                        last_time.extend_from_slice(time_field);
                        last_hour = Some(label_hour - shift);
                        last_hour
                    }
                    None => {
                        let text = String::from_utf8_lossy(time_field).into_owned();
                        row_errors.push(column_error(line, time_col, Error::NotWholeHour { text }));
                        None
                    }
                },
                Err(error) => {
                    row_errors.push(column_error(line, time_col, error));
                    None
                }
            }
        };
        // Values.
        match &layout {
            Layout::Long { pollutant, value, .. } => {
                let p = parse_pollutant(&record[*pollutant]);
                if p.is_none() {
                    let text =
                        String::from_utf8_lossy(record[*pollutant].trim_ascii()).into_owned();
                    row_errors.push(column_error(
                        line,
                        *pollutant,
                        Error::UnknownPollutant { text },
                    ));
                }
                push_value(&record[*value], *value, p, &mut cells, &mut row_errors, |c, e| {
                    column_error(line, c, e)
                });
            }
            Layout::Wide { columns, .. } => {
                for (column, p) in columns {
                    push_value(
                        &record[*column],
                        *column,
                        Some(*p),
                        &mut cells,
                        &mut row_errors,
                        |c, e| column_error(line, c, e),
                    );
                }
            }
        }
        let Some(hour) = hour else {
            refuse(&mut summary, &mut row_errors, options);
            continue;
        };
        if !row_errors.is_empty() {
            refuse(&mut summary, &mut row_errors, options);
            continue;
        }
        if cells.is_empty() {
            continue;
        }
        // The station's index, from the one-entry cache or the map.
        let station_index =
            if last_station_index.is_some() && station_field == last_station.as_slice() {
                last_station_index
            } else {
                let found = index.get(station_field).copied();
                if found.is_some() {
                    last_station.clear();
                    last_station.extend_from_slice(station_field);
                    last_station_index = found;
                }
                found
            };
        // Check every value against what is stored before storing any.
        if let Some(s) = station_index {
            let build = &mut stations[s];
            if let Some(slot) = build.existing(hour) {
                for cell in &mut cells {
                    let p = cell.pollutant.index();
                    let earlier_line = build.lines[p][slot];
                    if earlier_line == 0 {
                        continue;
                    }
                    let station = || String::from_utf8_lossy(station_field).into_owned();
                    let time = || String::from_utf8_lossy(time_field).into_owned();
                    if earlier_line == WITHDRAWN {
                        row_errors.push(column_error(
                            line,
                            cell.column,
                            Error::WithdrawnHour {
                                pollutant: cell.pollutant.name(),
                                station: station(),
                                time: time(),
                            },
                        ));
                    } else if build.values[p][slot] == Some(cell.value) {
                        cell.duplicate = true;
                    } else {
                        let other =
                            build.values[p][slot].map(|v| v.to_string()).unwrap_or_default();
                        row_errors.push(column_error(
                            line,
                            cell.column,
                            Error::ConflictingDuplicate {
                                pollutant: cell.pollutant.name(),
                                station: station(),
                                time: time(),
                                value: cell.value.to_string(),
                                other_value: other,
                                other_line: u64::from(earlier_line),
                            },
                        ));
                        build.values[p][slot] = None;
                        build.lines[p][slot] = WITHDRAWN;
                        summary.n_withdrawn += 1;
                        summary.n_values -= 1;
                    }
                }
            }
        }
        if !row_errors.is_empty() {
            refuse(&mut summary, &mut row_errors, options);
            continue;
        }
        let s = match station_index {
            Some(s) => s,
            None => {
                let s = stations.len();
                stations.push(StationBuild {
                    station: String::from_utf8_lossy(station_field).into_owned(),
                    first_hour: 0,
                    values: Default::default(),
                    lines: Default::default(),
                });
                index.insert(station_field.to_vec(), s);
                last_station.clear();
                last_station.extend_from_slice(station_field);
                last_station_index = Some(s);
                s
            }
        };
        let build = &mut stations[s];
        let slot = build.slot(hour);
        let line32 = u32::try_from(line).unwrap_or(WITHDRAWN - 1).min(WITHDRAWN - 1);
        for cell in &cells {
            if cell.duplicate {
                summary.n_identical_duplicates += 1;
                continue;
            }
            let p = cell.pollutant.index();
            build.values[p][slot] = Some(cell.value);
            build.lines[p][slot] = line32;
            summary.n_values += 1;
        }
    }
    let mut data: Vec<StationHours> = stations
        .into_iter()
        .map(|b| StationHours { station: b.station, first_hour: b.first_hour, columns: b.values })
        .collect();
    data.sort_by(|a, b| a.station.cmp(&b.station));
    Ok((AirData { stations: data }, summary))
}

fn refuse(summary: &mut Summary, row_errors: &mut Vec<RowError>, options: &ReadOptions) {
    summary.n_refused += 1;
    for error in row_errors.drain(..) {
        summary.push_error(error, options);
    }
}

fn push_value(
    field: &[u8],
    column: usize,
    pollutant: Option<Pollutant>,
    cells: &mut Vec<Cellv>,
    row_errors: &mut Vec<RowError>,
    column_error: impl Fn(usize, Error) -> RowError,
) {
    if is_no_value(field) {
        return;
    }
    let parsed = text(field).and_then(|t| Conc::parse(t).map_err(Error::from));
    match (parsed, pollutant) {
        (Ok(value), Some(pollutant)) => {
            cells.push(Cellv { column, pollutant, value, duplicate: false })
        }
        (Ok(_), None) => {}
        (Err(error), _) => row_errors.push(column_error(column, error)),
    }
}

// ---------------------------------------------------------------------------
// Daily report
// ---------------------------------------------------------------------------

/// The daily report's columns, in order.
pub fn daily_header() -> Vec<String> {
    let mut header: Vec<String> = [
        "station",
        "date",
        "edition",
        "aqi",
        "level",
        "category",
        "primary",
        "missing",
        "publishable",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for indicator in Indicator::ALL {
        header.push(indicator.name().to_owned());
        header.push(format!("{}_iaqi", indicator.name()));
    }
    for pollutant in Pollutant::ALL {
        header.push(format!("{}_hours", pollutant.name()));
    }
    header.push("O3_8h_windows".to_owned());
    header
}

fn daily_cells(station: &str, day: &DayResult) -> Vec<Cell> {
    let report = &day.aqi;
    let published = report.publishable;
    let aqi = report.aqi.filter(|_| published);
    let mut cells = vec![
        Cell::Text(station.to_owned()),
        Cell::Text(day.date.to_string()),
        Cell::Text(day.edition.to_string()),
        Cell::int(aqi),
        Cell::int(report.level().filter(|_| published).map(|l| l.number())),
        report
            .level()
            .filter(|_| published)
            .map_or(Cell::Empty, |l| Cell::Text(l.category_zh().to_owned())),
        if published { Cell::text_or_empty(report.primary.to_string()) } else { Cell::Empty },
        Cell::text_or_empty(report.missing.to_string()),
        Cell::Bool(published),
    ];
    for indicator in Indicator::ALL {
        cells.push(Cell::number(report.conc[indicator.index()].map(|m| m.to_conc())));
        cells.push(Cell::int(report.iaqi[indicator.index()]));
    }
    for pollutant in Pollutant::ALL {
        cells.push(Cell::Int(i64::from(day.daily[pollutant.index()].validity.n_valid)));
    }
    cells.push(Cell::Int(i64::from(day.o3_mda8.validity.n_valid)));
    cells
}

/// Writes the daily report: for each station (by name) every day from its
/// first to its last day with a value.
pub fn write_daily<W: Write>(data: &AirData, out: W, config: &AirConfig) -> Result<u64> {
    let mut table = TableWriter::new(out, config.format, daily_header())?;
    let mut scratch = DayHours::default();
    let mut days = Vec::new();
    for station in &data.stations {
        let Some((from, to)) = station.day_range() else { continue };
        evaluate_days_into(
            &station.series(),
            from,
            to,
            config.edition,
            &config.options,
            &mut scratch,
            &mut days,
        )?;
        for day in &days {
            table.row(&daily_cells(&station.station, day))?;
        }
    }
    table.finish()
}

// ---------------------------------------------------------------------------
// Annual report
// ---------------------------------------------------------------------------

/// The column prefix of a pollutant's period statistics: its name, `O3_8h`
/// for O3 (whose statistic is the MDA8).
fn stat_prefix(pollutant: Pollutant) -> &'static str {
    if pollutant == Pollutant::O3 { "O3_8h" } else { pollutant.name() }
}

/// The annual report's columns, in order.
pub fn annual_header() -> Vec<String> {
    let mut header: Vec<String> = [
        "station",
        "year",
        "from",
        "to",
        "edition",
        "limits",
        "days",
        "aqi_days",
        "good_days",
        "good_percent",
        "over_days",
        "heavy_days",
        "severe_days",
        "level_1_days",
        "level_2_days",
        "level_3_days",
        "level_4_days",
        "level_5_days",
        "level_6_days",
        "exceedance_class2_days",
        "composite_index",
        "composite_main",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for pollutant in Pollutant::ALL {
        let prefix = stat_prefix(pollutant);
        header.push(format!("{prefix}_valid_days"));
        if has_annual_mean(pollutant) {
            header.push(format!("{prefix}_mean"));
        }
        header.push(format!("{prefix}_p{}", standards::air::percentile_of(pollutant)));
        header.push(format!("{prefix}_over_class2_days"));
        header.push(format!("{prefix}_class2_ok"));
    }
    header
}

/// Thousandths as exact decimal text.
fn milli_text(milli: i64) -> String {
    let (int, frac) = (milli.div_euclid(1000), milli.rem_euclid(1000));
    if frac == 0 {
        format!("{int}")
    } else {
        format!("{int}.{}", format!("{frac:03}").trim_end_matches('0'))
    }
}

fn annual_cells(station: &str, year: i32, piece: &PeriodStats) -> Vec<Cell> {
    let d = &piece.days;
    let mut cells = vec![
        Cell::Text(station.to_owned()),
        Cell::Int(i64::from(year)),
        Cell::Text(piece.from.to_string()),
        Cell::Text(piece.to.to_string()),
        Cell::Text(piece.edition.to_string()),
        Cell::Text(piece.limits.to_string()),
        Cell::Int(i64::from(d.n_days)),
        Cell::Int(i64::from(d.n_aqi_days)),
        Cell::Int(i64::from(d.n_good)),
        Cell::number(d.good_ratio_permille().map(|p| milli_text(p * 100))),
        Cell::Int(i64::from(d.n_over)),
        Cell::Int(i64::from(d.n_heavy)),
        Cell::Int(i64::from(d.n_severe)),
    ];
    for n in d.by_level {
        cells.push(Cell::Int(i64::from(n)));
    }
    cells.push(Cell::Int(i64::from(d.n_exceedance_class2)));
    cells.push(Cell::number(piece.composite.total_milli.map(milli_text)));
    let main: Vec<&str> = Pollutant::ALL
        .iter()
        .filter(|p| piece.composite.main.contains(**p))
        .map(|p| p.name())
        .collect();
    cells.push(Cell::text_or_empty(main.join("|")));
    for stats in &piece.pollutants {
        cells.push(Cell::Int(i64::from(stats.validity.n_valid)));
        if has_annual_mean(stats.pollutant) {
            cells.push(Cell::number(stats.mean));
        }
        cells.push(Cell::number(stats.percentile));
        cells.push(Cell::Int(i64::from(stats.days_over_class2)));
        cells.push(stats.class2.complies.map_or(Cell::Empty, Cell::Bool));
    }
    cells
}

/// Writes the annual report: for each station (by name) and each calendar
/// year holding a value, the HJ 663 statistics of the whole year (1 January
/// to 31 December; days without data count as missing), one row per piece
/// of the year under one edition and limit set.
pub fn write_annual<W: Write>(data: &AirData, out: W, config: &AirConfig) -> Result<u64> {
    let mut table = TableWriter::new(out, config.format, annual_header())?;
    let mut scratch = DayHours::default();
    let mut stats_scratch = StatsScratch::default();
    let mut days = Vec::new();
    for station in &data.stations {
        let Some((first, last)) = station.day_range() else { continue };
        for year in first.year()..=last.year() {
            let (Some(from), Some(to)) =
                (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
            else {
                continue;
            };
            evaluate_days_into(
                &station.series(),
                from,
                to,
                config.edition,
                &config.options,
                &mut scratch,
                &mut days,
            )?;
            let period = period_statistics_with(&days, &config.options, &mut stats_scratch);
            for piece in &period.pieces {
                table.row(&annual_cells(&station.station, year, piece))?;
            }
        }
    }
    table.finish()
}

/// The whole `eval air` pipeline: read, evaluate, write the chosen report.
pub fn eval_air<R: BufRead, W: Write>(input: R, out: W, config: &AirConfig) -> Result<Summary> {
    let (data, mut summary) = read_air(input, config.hour_label, &config.read)?;
    summary.n_output_rows = match config.report {
        AirReport::Daily => write_daily(&data, out, config)?,
        AirReport::Annual => write_annual(&data, out, config)?,
    };
    Ok(summary)
}
