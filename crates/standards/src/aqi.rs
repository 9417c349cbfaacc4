//! Ambient air quality index (AQI): HJ 633-2012 and HJ 633-2026.
//!
//! Pure functions from concentrations to IAQI, AQI, level, category, colour,
//! primary and exceeding pollutants, for the daily report (日报) and the
//! real-time report (实时报), under either [`AirEdition`].
//! Concentrations are exact scaled integers ([`Conc`], [`MeanConc`]); the
//! IAQI is computed with exact rational arithmetic and rounded up
//! (HJ 633-2012 6.2, HJ 633-2026 4.2.6).
//!
//! ```
//! use standards::aqi::{daily_aqi, AqiOptions, DailyConcs};
//! use standards::decimal::Conc;
//! use standards::edition::AirEdition;
//!
//! let c = |t: &str| Some(Conc::parse(t).unwrap().into());
//! let day = DailyConcs { pm25_24h: c("75"), pm10_24h: c("100"), ..DailyConcs::default() };
//! let report = daily_aqi(AirEdition::Hj633_2026, &day, &AqiOptions::default());
//! assert_eq!(report.aqi, Some(114));
//! assert_eq!(report.primary.to_string(), "PM2.5");
//! ```

use std::fmt;

use crate::decimal::{Conc, MeanConc, Precision, SCALE, div_ceil};
pub use crate::edition::AirEdition;

// ---------------------------------------------------------------------------
// Pollutants and indicators
// ---------------------------------------------------------------------------

/// The six pollutants of the AQI (HJ 633-2012 table 1, HJ 633-2026 table 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pollutant {
    /// Sulphur dioxide (二氧化硫), µg/m³.
    So2,
    /// Nitrogen dioxide (二氧化氮), µg/m³.
    No2,
    /// Carbon monoxide (一氧化碳), mg/m³.
    Co,
    /// Ozone (臭氧), µg/m³.
    O3,
    /// Particles ≤ 10 µm (PM10, 颗粒物), µg/m³.
    Pm10,
    /// Particles ≤ 2.5 µm (PM2.5, 细颗粒物), µg/m³.
    Pm25,
}

impl Pollutant {
    /// All pollutants, in the order of the enum (the index order of arrays).
    pub const ALL: [Pollutant; 6] = [
        Pollutant::So2,
        Pollutant::No2,
        Pollutant::Co,
        Pollutant::O3,
        Pollutant::Pm10,
        Pollutant::Pm25,
    ];

    /// Position in [`Pollutant::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Name as the CLI and reports write it: `SO2`, `NO2`, `CO`, `O3`, `PM10`, `PM2.5`.
    pub fn name(self) -> &'static str {
        match self {
            Pollutant::So2 => "SO2",
            Pollutant::No2 => "NO2",
            Pollutant::Co => "CO",
            Pollutant::O3 => "O3",
            Pollutant::Pm10 => "PM10",
            Pollutant::Pm25 => "PM2.5",
        }
    }

    /// HJ 212-2017 code (annex B) of the pollutant in ambient air.
    pub fn hj212_code(self) -> &'static str {
        match self {
            Pollutant::So2 => "a21026",
            Pollutant::No2 => "a21004",
            Pollutant::Co => "a21005",
            Pollutant::O3 => "a05024",
            Pollutant::Pm10 => "a34002",
            Pollutant::Pm25 => "a34004",
        }
    }

    /// The pollutant of an HJ 212-2017 code ([`Pollutant::hj212_code`]),
    /// ASCII case-insensitive.
    pub fn from_hj212_code(code: &str) -> Option<Pollutant> {
        Pollutant::ALL.into_iter().find(|p| p.hj212_code().eq_ignore_ascii_case(code.trim()))
    }

    /// Parses the names of [`Pollutant::name`] (case-insensitive; `PM25` too).
    pub fn parse(text: &str) -> Option<Pollutant> {
        match text.trim().to_ascii_uppercase().as_str() {
            "SO2" => Some(Pollutant::So2),
            "NO2" => Some(Pollutant::No2),
            "CO" => Some(Pollutant::Co),
            "O3" => Some(Pollutant::O3),
            "PM10" => Some(Pollutant::Pm10),
            "PM2.5" | "PM25" | "PM2_5" => Some(Pollutant::Pm25),
            _ => None,
        }
    }

    /// Unit of the concentration (HJ 633 table 1): `mg/m³` for CO, `µg/m³` otherwise.
    pub fn unit(self) -> &'static str {
        if self == Pollutant::Co { "mg/m³" } else { "µg/m³" }
    }

    /// Reporting precision (HJ 633-2026 4.2.2): CO one decimal, others integers.
    pub fn precision(self) -> Precision {
        if self == Pollutant::Co { Precision::Tenths } else { Precision::Units }
    }
}

impl fmt::Display for Pollutant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of pollutants (bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PollutantSet(u8);

impl PollutantSet {
    /// The empty set.
    pub const EMPTY: PollutantSet = PollutantSet(0);

    /// Adds a pollutant.
    pub fn with(self, pollutant: Pollutant) -> PollutantSet {
        PollutantSet(self.0 | 1 << pollutant.index())
    }

    /// Whether `pollutant` is in the set.
    pub fn contains(self, pollutant: Pollutant) -> bool {
        self.0 & 1 << pollutant.index() != 0
    }
}

/// An AQI indicator (评价项目): a pollutant with its averaging time, named as
/// the CLI writes it (HJ 633-2012 5.1.2/5.1.3, HJ 633-2026 4.2.2/4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Indicator {
    /// `SO2`.
    So2,
    /// `NO2`.
    No2,
    /// `PM10`.
    Pm10,
    /// `PM2.5`.
    Pm25,
    /// `CO`.
    Co,
    /// `O3_8h`: 8-hour ozone (daily: MDA8; 2012 real-time: 8 h moving average).
    O3_8h,
    /// `O3_1h`: 1-hour ozone (2012 daily: the day's maximum 1 h value;
    /// real-time: the hour's value).
    O3_1h,
}

impl Indicator {
    /// All indicators in output order.
    pub const ALL: [Indicator; 7] = [
        Indicator::So2,
        Indicator::No2,
        Indicator::Pm10,
        Indicator::Pm25,
        Indicator::Co,
        Indicator::O3_8h,
        Indicator::O3_1h,
    ];

    /// Position in [`Indicator::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The daily indicator of a pollutant: its 24 h mean, O3 its MDA8
    /// (HJ 633 daily report).
    pub fn of_daily(pollutant: Pollutant) -> Indicator {
        match pollutant {
            Pollutant::So2 => Indicator::So2,
            Pollutant::No2 => Indicator::No2,
            Pollutant::Co => Indicator::Co,
            Pollutant::O3 => Indicator::O3_8h,
            Pollutant::Pm10 => Indicator::Pm10,
            Pollutant::Pm25 => Indicator::Pm25,
        }
    }

    /// Name as the CLI writes it: `SO2, NO2, PM10, PM2.5, CO, O3_8h, O3_1h`.
    pub fn name(self) -> &'static str {
        match self {
            Indicator::So2 => "SO2",
            Indicator::No2 => "NO2",
            Indicator::Pm10 => "PM10",
            Indicator::Pm25 => "PM2.5",
            Indicator::Co => "CO",
            Indicator::O3_8h => "O3_8h",
            Indicator::O3_1h => "O3_1h",
        }
    }

    /// Parses [`Indicator::name`].
    pub fn parse(text: &str) -> Option<Indicator> {
        Indicator::ALL.iter().copied().find(|i| i.name().eq_ignore_ascii_case(text.trim()))
    }

    /// The pollutant measured.
    pub fn pollutant(self) -> Pollutant {
        match self {
            Indicator::So2 => Pollutant::So2,
            Indicator::No2 => Pollutant::No2,
            Indicator::Pm10 => Pollutant::Pm10,
            Indicator::Pm25 => Pollutant::Pm25,
            Indicator::Co => Pollutant::Co,
            Indicator::O3_8h | Indicator::O3_1h => Pollutant::O3,
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of indicators (bit set); displays as names joined by `|` in
/// [`Indicator::ALL`] order, empty when empty (the CLI's `primary` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IndicatorSet(u8);

impl IndicatorSet {
    /// The empty set.
    pub const EMPTY: IndicatorSet = IndicatorSet(0);

    /// Adds an indicator.
    pub fn with(self, indicator: Indicator) -> IndicatorSet {
        IndicatorSet(self.0 | 1 << indicator.index())
    }

    /// Removes an indicator.
    pub fn without(self, indicator: Indicator) -> IndicatorSet {
        IndicatorSet(self.0 & !(1 << indicator.index()))
    }

    /// Whether `indicator` is in the set.
    pub fn contains(self, indicator: Indicator) -> bool {
        self.0 & 1 << indicator.index() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Number of indicators.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The indicators in [`Indicator::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Indicator> {
        Indicator::ALL.into_iter().filter(move |i| self.contains(*i))
    }

    /// The pollutants of the indicators, each once (O3_8h and O3_1h are both O3).
    pub fn pollutants(self) -> PollutantSet {
        self.iter().fold(PollutantSet::EMPTY, |set, i| set.with(i.pollutant()))
    }

    /// Parses `|`-joined names; `None` on an unknown name.
    pub fn parse(text: &str) -> Option<IndicatorSet> {
        let mut set = IndicatorSet::EMPTY;
        for part in text.split('|').map(str::trim).filter(|p| !p.is_empty()) {
            set = set.with(Indicator::parse(part)?);
        }
        Some(set)
    }
}

impl fmt::Display for IndicatorSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, indicator) in self.iter().enumerate() {
            if n > 0 {
                f.write_str("|")?;
            }
            f.write_str(indicator.name())?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Breakpoint table
// ---------------------------------------------------------------------------

/// A column of the IAQI breakpoint table (HJ 633-2012 table 1, HJ 633-2026
/// table 3).
#[allow(non_camel_case_types, reason = "names mirror the table columns, e.g. CO_24h")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// SO2 24 h mean.
    So2_24h,
    /// SO2 1 h mean (real-time report only).
    So2_1h,
    /// NO2 24 h mean.
    No2_24h,
    /// NO2 1 h mean (real-time report only).
    No2_1h,
    /// PM10 24 h mean.
    Pm10_24h,
    /// CO 24 h mean (mg/m³).
    Co_24h,
    /// CO 1 h mean (mg/m³, real-time report only).
    Co_1h,
    /// O3 1 h mean.
    O3_1h,
    /// O3 8 h mean.
    O3_8h,
    /// PM2.5 24 h mean.
    Pm25_24h,
}

impl Column {
    /// All columns in table order.
    pub const ALL: [Column; 10] = [
        Column::So2_24h,
        Column::So2_1h,
        Column::No2_24h,
        Column::No2_1h,
        Column::Pm10_24h,
        Column::Co_24h,
        Column::Co_1h,
        Column::O3_1h,
        Column::O3_8h,
        Column::Pm25_24h,
    ];

    /// Name used in the golden tables, e.g. `SO2_24h`, `PM2.5_24h`.
    pub fn name(self) -> &'static str {
        match self {
            Column::So2_24h => "SO2_24h",
            Column::So2_1h => "SO2_1h",
            Column::No2_24h => "NO2_24h",
            Column::No2_1h => "NO2_1h",
            Column::Pm10_24h => "PM10_24h",
            Column::Co_24h => "CO_24h",
            Column::Co_1h => "CO_1h",
            Column::O3_1h => "O3_1h",
            Column::O3_8h => "O3_8h",
            Column::Pm25_24h => "PM2.5_24h",
        }
    }

    /// Parses [`Column::name`].
    pub fn parse(text: &str) -> Option<Column> {
        Column::ALL.iter().copied().find(|c| c.name().eq_ignore_ascii_case(text.trim()))
    }

    /// The pollutant of the column.
    pub fn pollutant(self) -> Pollutant {
        match self {
            Column::So2_24h | Column::So2_1h => Pollutant::So2,
            Column::No2_24h | Column::No2_1h => Pollutant::No2,
            Column::Pm10_24h => Pollutant::Pm10,
            Column::Co_24h | Column::Co_1h => Pollutant::Co,
            Column::O3_1h | Column::O3_8h => Pollutant::O3,
            Column::Pm25_24h => Pollutant::Pm25,
        }
    }
}

/// The IAQI rows of the breakpoint table (HJ 633 table 1 / table 3).
pub const IAQI_ROWS: [u32; 8] = [0, 50, 100, 150, 200, 300, 400, 500];

/// Breakpoints of `column` under `edition`, in whole units (µg/m³; mg/m³
/// for CO), paired with [`IAQI_ROWS`] from the first row
/// (HJ 633-2012 table 1; HJ 633-2026 table 3: PM10 and PM2.5 IAQI-100 row
/// 120 and 60 instead of 150 and 75). SO2 1 h ends at 800 (IAQI 200) and
/// O3 8 h at 800 (IAQI 300): see [`iaqi`] for the rule above them.
pub fn breakpoints(edition: AirEdition, column: Column) -> &'static [i64] {
    BREAKPOINT_COLUMNS[column_index(edition, column)]
}

/// Position of the breakpoint column `column` has under `edition` in
/// [`BREAKPOINT_COLUMNS`] and [`IAQI_TABLES`] (only PM10 and PM2.5 differ
/// between the editions).
fn column_index(edition: AirEdition, column: Column) -> usize {
    let y2026 = usize::from(edition == AirEdition::Hj633_2026);
    match column {
        Column::So2_24h => 0,
        Column::So2_1h => 1,
        Column::No2_24h => 2,
        Column::No2_1h => 3,
        Column::Pm10_24h => 4 + y2026,
        Column::Co_24h => 6,
        Column::Co_1h => 7,
        Column::O3_1h => 8,
        Column::O3_8h => 9,
        Column::Pm25_24h => 10 + y2026,
    }
}

/// The breakpoint columns in [`column_index`] order.
static BREAKPOINT_COLUMNS: [&[i64]; 12] = [
    &SO2_24H,
    &SO2_1H,
    &NO2_24H,
    &NO2_1H,
    &PM10_24H_2012,
    &PM10_24H_2026,
    &CO_24H,
    &CO_1H,
    &O3_1H,
    &O3_8H,
    &PM25_24H_2012,
    &PM25_24H_2026,
];

/// [`BREAKPOINT_COLUMNS`] in thousandths, each padded to 8 entries with a
/// value no mean reaches (so that a product with a count below 2^16 stays
/// below 2^63), for the run-time interpolation with a fixed-length search.
static PADDED_MILLI: [[i64; 8]; 12] = {
    let mut table = [[i64::MAX >> 17; 8]; 12];
    let mut c = 0;
    while c < 12 {
        let bps = BREAKPOINT_COLUMNS[c];
        let mut k = 0;
        while k < bps.len() {
            table[c][k] = bps[k] * SCALE;
            k += 1;
        }
        c += 1;
    }
    table
};

/// [`interpolate`] of a mean on the column at [`column_index`] `c`, with
/// the same bounds (0 ≤ num < 2^40, 1 ≤ n < 2^16): the segment is found by
/// eight compares of fixed count, which the compiler unrolls.
#[inline(always)]
fn interpolate_padded(c: usize, num: i64, n: i64) -> Option<u32> {
    let bps = &PADDED_MILLI[c];
    // The number of upper breakpoints below the value, counted without
    // branches, since the value is data; padding is never below it.
    let i: usize = bps[1..].iter().map(|&bp| usize::from(num > bp * n)).sum();
    if i + 1 >= BREAKPOINT_COLUMNS[c].len() {
        return None;
    }
    Some(segment_iaqi(i, bps[i], bps[i + 1], num, n))
}

/// [`interpolate_padded`] of a mean on `column` within its bounds; `None`
/// outside them or above the last breakpoint.
#[inline(always)]
fn interpolate_mean(edition: AirEdition, column: Column, conc: MeanConc) -> Option<u32> {
    if conc.sum_milli() < 1 << 40 && conc.n() < 1 << 16 {
        interpolate_padded(column_index(edition, column), conc.sum_milli(), i64::from(conc.n()))
    } else {
        None
    }
}

// The breakpoint columns (HJ 633-2012 table 1; HJ 633-2026 table 3).
const SO2_24H: [i64; 8] = [0, 50, 150, 475, 800, 1600, 2100, 2620];
const SO2_1H: [i64; 5] = [0, 150, 500, 650, 800];
const NO2_24H: [i64; 8] = [0, 40, 80, 180, 280, 565, 750, 940];
const NO2_1H: [i64; 8] = [0, 100, 200, 700, 1200, 2340, 3090, 3840];
const PM10_24H_2012: [i64; 8] = [0, 50, 150, 250, 350, 420, 500, 600];
const PM10_24H_2026: [i64; 8] = [0, 50, 120, 250, 350, 420, 500, 600];
const CO_24H: [i64; 8] = [0, 2, 4, 14, 24, 36, 48, 60];
const CO_1H: [i64; 8] = [0, 5, 10, 35, 60, 90, 120, 150];
const O3_1H: [i64; 8] = [0, 160, 200, 300, 400, 800, 1000, 1200];
const O3_8H: [i64; 6] = [0, 100, 160, 215, 265, 800];
const PM25_24H_2012: [i64; 8] = [0, 35, 75, 115, 150, 250, 350, 500];
const PM25_24H_2026: [i64; 8] = [0, 35, 60, 115, 150, 250, 350, 500];

/// Linear interpolation of the exact mean `num / n` thousandths on a column
/// given in whole units, rounded up (HJ 633-2012 eq. 1 and 6.2, HJ 633-2026
/// eq. 1 and 4.2.6); `None` above the last breakpoint.
/// Needs 0 ≤ num < 2^40 and 1 ≤ n < 2^16, which keep every product below
/// 2^63 (breakpoints ≤ 3.84e6 thousandths, IAQI steps ≤ 100).
/// A `const fn`, so the same formula fills [`IaqiTable`] at compile time.
const fn interpolate(bps: &[i64], num: i64, n: i64) -> Option<u32> {
    // The segment is the first whose upper breakpoint is ≥ the value: the
    // number of upper breakpoints below it, as the table is ascending.
    // Counted without branches, since the value is data.
    let mut i = 0;
    let mut k = 1;
    while k < bps.len() {
        i += (num > bps[k] * SCALE * n) as usize;
        k += 1;
    }
    if i + 1 >= bps.len() {
        return None;
    }
    Some(segment_iaqi(i, bps[i] * SCALE, bps[i + 1] * SCALE, num, n))
}

/// The IAQI of the mean `num / n` thousandths on segment `i` of a column,
/// between breakpoints `lo` and `hi` (thousandths), rounded up: the formula
/// of [`interpolate`] and [`interpolate_padded`].
const fn segment_iaqi(i: usize, lo: i64, hi: i64, num: i64, n: i64) -> u32 {
    let (i_lo, i_hi) = (IAQI_ROWS[i] as i64, IAQI_ROWS[i + 1] as i64);
    let top = (i_hi - i_lo) * (num - lo * n);
    let den = (hi - lo) * n;
    // 0 ≤ top / den ≤ i_hi - i_lo, so the result is at most 500.
    (i_lo + top / den + (top % den != 0) as i64) as u32
}

/// The IAQI of every concentration on a column that is a whole multiple of
/// the reporting precision (HJ 633-2026 4.2.2: integers, CO one decimal), up
/// to the last breakpoint: what HJ 633-2026 inputs always are, after
/// rounding. Computed at compile time by [`interpolate`], so a lookup is
/// exactly the interpolation, without a division at run time.
struct IaqiTable<const N: usize> {
    iaqi: [u16; N],
}

impl<const N: usize> IaqiTable<N> {
    /// The table of `bps` for steps of `step_milli` thousandths; `N` must be
    /// the last breakpoint in steps, plus one.
    const fn new(bps: &[i64], step_milli: i64) -> IaqiTable<N> {
        let mut iaqi = [0u16; N];
        let mut k = 0;
        while k < N {
            iaqi[k] = match interpolate(bps, k as i64 * step_milli, 1) {
                Some(value) => value as u16,
                None => u16::MAX,
            };
            k += 1;
        }
        IaqiTable { iaqi }
    }
}

/// Table length of a column in whole units.
const fn units_len(bps: &[i64]) -> usize {
    bps[bps.len() - 1] as usize + 1
}

/// Table length of a CO column in tenths.
const fn tenths_len(bps: &[i64]) -> usize {
    bps[bps.len() - 1] as usize * 10 + 1
}

static SO2_24H_TABLE: IaqiTable<{ units_len(&SO2_24H) }> = IaqiTable::new(&SO2_24H, SCALE);
static SO2_1H_TABLE: IaqiTable<{ units_len(&SO2_1H) }> = IaqiTable::new(&SO2_1H, SCALE);
static NO2_24H_TABLE: IaqiTable<{ units_len(&NO2_24H) }> = IaqiTable::new(&NO2_24H, SCALE);
static NO2_1H_TABLE: IaqiTable<{ units_len(&NO2_1H) }> = IaqiTable::new(&NO2_1H, SCALE);
static PM10_24H_2012_TABLE: IaqiTable<{ units_len(&PM10_24H_2012) }> =
    IaqiTable::new(&PM10_24H_2012, SCALE);
static PM10_24H_2026_TABLE: IaqiTable<{ units_len(&PM10_24H_2026) }> =
    IaqiTable::new(&PM10_24H_2026, SCALE);
static CO_24H_TABLE: IaqiTable<{ tenths_len(&CO_24H) }> = IaqiTable::new(&CO_24H, SCALE / 10);
static CO_1H_TABLE: IaqiTable<{ tenths_len(&CO_1H) }> = IaqiTable::new(&CO_1H, SCALE / 10);
static O3_1H_TABLE: IaqiTable<{ units_len(&O3_1H) }> = IaqiTable::new(&O3_1H, SCALE);
static O3_8H_TABLE: IaqiTable<{ units_len(&O3_8H) }> = IaqiTable::new(&O3_8H, SCALE);
static PM25_24H_2012_TABLE: IaqiTable<{ units_len(&PM25_24H_2012) }> =
    IaqiTable::new(&PM25_24H_2012, SCALE);
static PM25_24H_2026_TABLE: IaqiTable<{ units_len(&PM25_24H_2026) }> =
    IaqiTable::new(&PM25_24H_2026, SCALE);

/// The IAQI from `column`'s table when `conc` is a single value at the
/// reporting precision (every HJ 633-2026 input) within the table.
fn table_lookup(table: &[u16], column: Column, conc: MeanConc) -> Option<u32> {
    let value = *table.get(usize::try_from(table_step(column, conc)).ok()?)?;
    (value != u16::MAX).then_some(u32::from(value))
}

/// The index of `conc` in `column`'s IAQI table (one entry per whole unit,
/// CO per tenth) when it is a single value at that precision, else
/// `u64::MAX`.
fn table_step(column: Column, conc: MeanConc) -> u64 {
    if conc.n() != 1 {
        return u64::MAX;
    }
    // A MeanConc's sum is never negative.
    let milli = conc.sum_milli() as u64;
    let (aligned, step) = if matches!(column, Column::Co_24h | Column::Co_1h) {
        (milli.is_multiple_of(100), milli / 100)
    } else {
        (milli.is_multiple_of(1000), milli / 1000)
    };
    if aligned { step } else { u64::MAX }
}

/// The precomputed IAQIs of `column` under `edition`, one per step of the
/// pollutant's reporting precision ([`Pollutant::precision`]).
fn iaqi_table(edition: AirEdition, column: Column) -> &'static [u16] {
    IAQI_TABLES[column_index(edition, column)]
}

/// The IAQI tables in [`column_index`] order.
static IAQI_TABLES: [&[u16]; 12] = [
    &SO2_24H_TABLE.iaqi,
    &SO2_1H_TABLE.iaqi,
    &NO2_24H_TABLE.iaqi,
    &NO2_1H_TABLE.iaqi,
    &PM10_24H_2012_TABLE.iaqi,
    &PM10_24H_2026_TABLE.iaqi,
    &CO_24H_TABLE.iaqi,
    &CO_1H_TABLE.iaqi,
    &O3_1H_TABLE.iaqi,
    &O3_8H_TABLE.iaqi,
    &PM25_24H_2012_TABLE.iaqi,
    &PM25_24H_2026_TABLE.iaqi,
];

/// What to do with a concentration above the last breakpoint of a column
/// that has no special rule (all but SO2 1 h and O3 8 h).
///
/// **Unverified** (air-aqi.md §3): neither standard says; two public
/// implementations cap the IAQI at 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AboveTopBreakpoint {
    /// IAQI = 500 (project convention, default).
    #[default]
    CapAt500,
    /// Continue the last segment's line beyond 500, rounded up.
    ExtrapolateLastSegment,
}

/// Interpolates an exact mean on one column (HJ 633-2012 eq. 1 and 6.2,
/// HJ 633-2026 eq. 1 and 4.2.6): linear between adjacent breakpoints,
/// rounded UP to an integer.
///
/// Returns `None` only for the two 2012 special cases where the column gives
/// no IAQI: SO2 1 h > 800 µg/m³ (use the 24 h value instead) and O3 8 h >
/// 800 µg/m³ (use the 1 h value instead) (HJ 633-2012 table 1 notes 2, 3).
/// Under HJ 633-2026 these give 200 and 300 (table 3 notes b, c).
pub fn iaqi(
    edition: AirEdition,
    column: Column,
    conc: MeanConc,
    above_top: AboveTopBreakpoint,
) -> Option<u32> {
    if conc.n() == 1
        && let Some(value) = table_lookup(iaqi_table(edition, column), column, conc)
    {
        return Some(value);
    }
    // Fast path in 64 bits (the bounds of `interpolate`).
    interpolate_mean(edition, column, conc).or_else(|| iaqi_wide(edition, column, conc, above_top))
}

/// [`iaqi`] inlined for a mean of several values (HJ 633-2012 inputs under
/// [`InputRounding2012::Exact`]), which no table holds.
#[inline(always)]
fn mean_iaqi(
    edition: AirEdition,
    column: Column,
    conc: MeanConc,
    above_top: AboveTopBreakpoint,
) -> Option<u32> {
    if conc.n() != 1
        && let Some(value) = interpolate_mean(edition, column, conc)
    {
        return Some(value);
    }
    iaqi(edition, column, conc, above_top)
}

/// [`iaqi`] in 128 bits, and above the last breakpoint: the rare cases,
/// kept out of line so the common path stays small.
#[cold]
#[inline(never)]
fn iaqi_wide(
    edition: AirEdition,
    column: Column,
    conc: MeanConc,
    above_top: AboveTopBreakpoint,
) -> Option<u32> {
    let bps = breakpoints(edition, column);
    let n = i128::from(conc.n());
    let num = i128::from(conc.sum_milli());
    let scale = i128::from(SCALE);
    for (i, pair) in bps.windows(2).enumerate() {
        let (lo, hi) = (i128::from(pair[0]) * scale, i128::from(pair[1]) * scale);
        if num <= hi * n {
            let (i_lo, i_hi) = (i128::from(IAQI_ROWS[i]), i128::from(IAQI_ROWS[i + 1]));
            let value = i_lo + div_ceil((i_hi - i_lo) * (num - lo * n), (hi - lo) * n);
            return Some(clamp_u32(value));
        }
    }
    // Above the last breakpoint.
    match (column, edition) {
        (Column::So2_1h, AirEdition::Hj633_2012) | (Column::O3_8h, AirEdition::Hj633_2012) => None,
        (Column::So2_1h, AirEdition::Hj633_2026) => Some(200),
        (Column::O3_8h, AirEdition::Hj633_2026) => Some(300),
        _ => match above_top {
            AboveTopBreakpoint::CapAt500 => Some(500),
            AboveTopBreakpoint::ExtrapolateLastSegment => {
                let k = bps.len() - 1;
                let (lo, hi) = (i128::from(bps[k - 1]) * scale, i128::from(bps[k]) * scale);
                let (i_lo, i_hi) = (i128::from(IAQI_ROWS[k - 1]), i128::from(IAQI_ROWS[k]));
                Some(clamp_u32(i_lo + div_ceil((i_hi - i_lo) * (num - lo * n), (hi - lo) * n)))
            }
        },
    }
}

fn clamp_u32(value: i128) -> u32 {
    value.clamp(0, i128::from(u32::MAX)) as u32
}

// ---------------------------------------------------------------------------
// Levels
// ---------------------------------------------------------------------------

/// AQI level (空气质量指数级别), HJ 633-2012 table 2, HJ 633-2026 table 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AqiLevel {
    /// 一级, 优: AQI 0–50 (2012) / 1–50 (2026).
    One = 1,
    /// 二级, 良: 51–100.
    Two = 2,
    /// 三级, 轻度污染: 101–150.
    Three = 3,
    /// 四级, 中度污染: 151–200.
    Four = 4,
    /// 五级, 重度污染: 201–300.
    Five = 5,
    /// 六级, 严重污染: > 300.
    Six = 6,
}

impl AqiLevel {
    /// The level of an AQI value (HJ 633-2012 table 2, HJ 633-2026 table 1).
    /// An AQI of 0 (possible only when every concentration is 0) is level 1
    /// under both editions, although HJ 633-2026 4.1.1 states the range as
    /// 1–500.
    pub fn from_aqi(aqi: u32) -> AqiLevel {
        match aqi {
            0..=50 => AqiLevel::One,
            51..=100 => AqiLevel::Two,
            101..=150 => AqiLevel::Three,
            151..=200 => AqiLevel::Four,
            201..=300 => AqiLevel::Five,
            _ => AqiLevel::Six,
        }
    }

    /// The level as a number 1..=6.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The level's Chinese name: 一级 … 六级.
    pub fn name_zh(self) -> &'static str {
        match self {
            AqiLevel::One => "一级",
            AqiLevel::Two => "二级",
            AqiLevel::Three => "三级",
            AqiLevel::Four => "四级",
            AqiLevel::Five => "五级",
            AqiLevel::Six => "六级",
        }
    }

    /// The category (类别) in Chinese: 优, 良, 轻度污染, 中度污染, 重度污染, 严重污染.
    pub fn category_zh(self) -> &'static str {
        match self {
            AqiLevel::One => "优",
            AqiLevel::Two => "良",
            AqiLevel::Three => "轻度污染",
            AqiLevel::Four => "中度污染",
            AqiLevel::Five => "重度污染",
            AqiLevel::Six => "严重污染",
        }
    }

    /// The category in English (project wording; the standard defines none,
    /// air-aqi.md §5).
    pub fn category_en(self) -> &'static str {
        match self {
            AqiLevel::One => "Excellent",
            AqiLevel::Two => "Good",
            AqiLevel::Three => "Lightly polluted",
            AqiLevel::Four => "Moderately polluted",
            AqiLevel::Five => "Heavily polluted",
            AqiLevel::Six => "Severely polluted",
        }
    }

    /// The colour's Chinese name (HJ 633 annex A): 绿色, 黄色, 橙色, 红色, 紫色, 褐红色.
    pub fn colour_zh(self) -> &'static str {
        match self {
            AqiLevel::One => "绿色",
            AqiLevel::Two => "黄色",
            AqiLevel::Three => "橙色",
            AqiLevel::Four => "红色",
            AqiLevel::Five => "紫色",
            AqiLevel::Six => "褐红色",
        }
    }

    /// The colour's English name.
    pub fn colour_en(self) -> &'static str {
        match self {
            AqiLevel::One => "green",
            AqiLevel::Two => "yellow",
            AqiLevel::Three => "orange",
            AqiLevel::Four => "red",
            AqiLevel::Five => "purple",
            AqiLevel::Six => "maroon",
        }
    }

    /// RGB as the standard gives it (HJ 633-2012 annex A, HJ 633-2026 annex A).
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            AqiLevel::One => (0, 228, 0),
            AqiLevel::Two => (255, 255, 0),
            AqiLevel::Three => (255, 126, 0),
            AqiLevel::Four => (255, 0, 0),
            AqiLevel::Five => (153, 0, 76),
            AqiLevel::Six => (126, 0, 35),
        }
    }

    /// The RGB as `#RRGGBB`.
    pub fn rgb_hex(self) -> String {
        let (r, g, b) = self.rgb();
        format!("#{r:02X}{g:02X}{b:02X}")
    }

    /// CMYK as the standard gives it (HJ 633 annex A).
    pub fn cmyk(self) -> (u8, u8, u8, u8) {
        match self {
            AqiLevel::One => (40, 0, 100, 0),
            AqiLevel::Two => (0, 0, 100, 0),
            AqiLevel::Three => (0, 52, 100, 0),
            AqiLevel::Four => (0, 100, 100, 0),
            AqiLevel::Five => (10, 100, 40, 30),
            AqiLevel::Six => (30, 100, 100, 30),
        }
    }
}

// ---------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------

/// How inputs are rounded before the IAQI under HJ 633-2012.
///
/// **Unverified** (air-aqi.md §2): the 2012 text has no input-rounding rule;
/// CNEMC published integers (CO one decimal). HJ 633-2026 always rounds by
/// GB/T 8170 (4.2.2, 4.2.3); this option does not affect it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InputRounding2012 {
    /// Interpolate on the exact value (default: the text interpolates on C_P).
    #[default]
    Exact,
    /// Round like HJ 633-2026 (integers, CO one decimal; GB/T 8170).
    ReportingPrecision,
}

/// How a tie between O3_8h and O3_1h as the largest IAQI is listed in the
/// 2012 daily report.
///
/// **Unverified** (air-aqi.md §6): "if either is the maximum, O3 is
/// primary"; the display of a tie is not specified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum O3Tie {
    /// List both indicators (`O3_8h|O3_1h`) (default).
    #[default]
    ListBoth,
    /// List only `O3_8h`.
    PreferEightHour,
}

/// Options for the AQI where the standards leave a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AqiOptions {
    /// Above the last breakpoint; default [`AboveTopBreakpoint::CapAt500`].
    pub above_top: AboveTopBreakpoint,
    /// Input rounding under HJ 633-2012; default [`InputRounding2012::Exact`].
    pub input_rounding_2012: InputRounding2012,
    /// O3 tie display; default [`O3Tie::ListBoth`].
    pub o3_tie: O3Tie,
    /// Pollutants not in the monitoring plan whose absence does not block
    /// publication (HJ 633-2026 5.3.2; the caller vouches for the three-year
    /// history condition). Default: none.
    pub not_in_plan: PollutantSet,
}

/// Which report an AQI belongs to (HJ 633-2012 5.1, HJ 633-2026 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// Daily report (日报).
    Daily,
    /// Real-time (hourly) report (实时报).
    Realtime,
}

/// Daily statistics entering the daily AQI (HJ 633-2012 5.1.2; HJ 633-2026
/// 4.2.2). `None` is a missing or invalid value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DailyConcs {
    /// SO2 24 h mean, µg/m³.
    pub so2_24h: Option<MeanConc>,
    /// NO2 24 h mean, µg/m³.
    pub no2_24h: Option<MeanConc>,
    /// PM10 24 h mean, µg/m³.
    pub pm10_24h: Option<MeanConc>,
    /// PM2.5 24 h mean, µg/m³.
    pub pm25_24h: Option<MeanConc>,
    /// CO 24 h mean, mg/m³.
    pub co_24h: Option<MeanConc>,
    /// O3 daily maximum 8 h moving average (MDA8), µg/m³.
    pub o3_mda8: Option<MeanConc>,
    /// O3 daily maximum 1 h value, µg/m³ (HJ 633-2012 only; ignored under 2026).
    pub o3_max_1h: Option<MeanConc>,
}

/// Values entering the real-time (hourly) AQI (HJ 633-2012 5.1.3, table 4;
/// HJ 633-2026 4.2.3). Each edition reads only what it uses:
/// 2012: SO2/NO2/CO/O3 1 h, O3 8 h moving, PM10/PM2.5 24 h moving (and SO2
/// 24 h moving for SO2 1 h > 800); 2026: all six 1 h values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RealtimeConcs {
    /// SO2 1 h, µg/m³.
    pub so2_1h: Option<MeanConc>,
    /// NO2 1 h, µg/m³.
    pub no2_1h: Option<MeanConc>,
    /// CO 1 h, mg/m³.
    pub co_1h: Option<MeanConc>,
    /// O3 1 h, µg/m³.
    pub o3_1h: Option<MeanConc>,
    /// PM10 1 h, µg/m³ (2026).
    pub pm10_1h: Option<MeanConc>,
    /// PM2.5 1 h, µg/m³ (2026).
    pub pm25_1h: Option<MeanConc>,
    /// O3 8 h moving average ending this hour, µg/m³ (2012).
    pub o3_8h_moving: Option<MeanConc>,
    /// PM10 24 h moving average ending this hour, µg/m³ (2012).
    pub pm10_24h_moving: Option<MeanConc>,
    /// PM2.5 24 h moving average ending this hour, µg/m³ (2012).
    pub pm25_24h_moving: Option<MeanConc>,
    /// SO2 24 h moving average ending this hour, µg/m³ (2012, used when SO2
    /// 1 h > 800).
    pub so2_24h_moving: Option<MeanConc>,
}

/// An AQI result (HJ 633-2012 4–6; HJ 633-2026 4–5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AqiReport {
    /// The edition that produced it.
    pub edition: AirEdition,
    /// Daily or real-time.
    pub kind: ReportKind,
    /// Concentration used per indicator (after the edition's input rounding),
    /// indexed by [`Indicator::index`].
    pub conc: [Option<MeanConc>; 7],
    /// IAQI per indicator, indexed by [`Indicator::index`]; `None` when the
    /// indicator is missing, not part of this edition's report, or replaced
    /// by a special rule.
    pub iaqi: [Option<u32>; 7],
    /// AQI = max IAQI (eq. 2), `None` when no indicator is present.
    pub aqi: Option<u32>,
    /// Indicators with the largest IAQI when AQI > 50 (3.3), ties all listed.
    pub primary: IndicatorSet,
    /// Indicators with IAQI > 100 (HJ 633-2012 3.4); `None` under HJ 633-2026,
    /// which deleted the definition.
    pub exceeding: Option<IndicatorSet>,
    /// Indicators this edition's report needs but which were missing
    /// (pollutants in [`AqiOptions::not_in_plan`] are not counted).
    pub missing: IndicatorSet,
    /// Whether AQI, primary pollutant, level and category may be published:
    /// always under HJ 633-2012 (missing shown as NA, 5.1.1); under
    /// HJ 633-2026 5.3.1 only if nothing is missing or AQI > 100.
    pub publishable: bool,
}

impl AqiReport {
    /// A report overwritten before use (see `air::evaluate_days_into`).
    pub(crate) const PLACEHOLDER: AqiReport = AqiReport {
        edition: AirEdition::Hj633_2012,
        kind: ReportKind::Daily,
        conc: [None; 7],
        iaqi: [None; 7],
        aqi: None,
        primary: IndicatorSet::EMPTY,
        exceeding: None,
        missing: IndicatorSet::EMPTY,
        publishable: false,
    };

    /// IAQI of one indicator.
    pub fn iaqi_of(&self, indicator: Indicator) -> Option<u32> {
        self.iaqi[indicator.index()]
    }

    /// The level of the AQI.
    pub fn level(&self) -> Option<AqiLevel> {
        self.aqi.map(AqiLevel::from_aqi)
    }
}

/// The precision the edition rounds a concentration to before the IAQI, and
/// a daily statistic to (HJ 633-2026 4.2.2; HJ 633-2012 per
/// [`InputRounding2012`]); `None` when it is kept exact.
pub(crate) fn input_precision(
    edition: AirEdition,
    pollutant: Pollutant,
    options: &AqiOptions,
) -> Option<Precision> {
    match (edition, options.input_rounding_2012) {
        (AirEdition::Hj633_2026, _)
        | (AirEdition::Hj633_2012, InputRounding2012::ReportingPrecision) => {
            Some(pollutant.precision())
        }
        (AirEdition::Hj633_2012, InputRounding2012::Exact) => None,
    }
}

/// Applies the edition's input rounding to a concentration (HJ 633-2026
/// 4.2.2/4.2.3: GB/T 8170 to integers, CO to one decimal; HJ 633-2012: per
/// [`InputRounding2012`]).
pub fn round_input(
    edition: AirEdition,
    pollutant: Pollutant,
    conc: MeanConc,
    options: &AqiOptions,
) -> MeanConc {
    match input_precision(edition, pollutant, options) {
        Some(precision) => conc.round(precision).into(),
        None => conc,
    }
}

/// The daily AQI (日报) from the day's statistics (HJ 633-2012 5.1.2: seven
/// indicators incl. O3 max 1 h; HJ 633-2026 4.2.2: six indicators, O3 MDA8
/// only).
#[inline(always)]
pub fn daily_aqi(edition: AirEdition, day: &DailyConcs, options: &AqiOptions) -> AqiReport {
    let raw = [
        day.so2_24h,
        day.no2_24h,
        day.pm10_24h,
        day.pm25_24h,
        day.co_24h,
        day.o3_mda8,
        day.o3_max_1h,
    ];
    let inputs = std::array::from_fn(|k| {
        let precision = input_precision(edition, Indicator::ALL[k].pollutant(), options);
        raw[k].map(|raw| DailyInput::rounded(raw, precision))
    });
    let mut report = AqiReport::PLACEHOLDER;
    daily_report_into(edition, &inputs, options, &mut report);
    report
}

/// The daily columns in [`Indicator::ALL`] order; O3_1h is a 2012 indicator only.
const DAILY_COLUMNS: [Column; 7] = [
    Column::So2_24h,
    Column::No2_24h,
    Column::Pm10_24h,
    Column::Pm25_24h,
    Column::Co_24h,
    Column::O3_8h,
    Column::O3_1h,
];

/// One indicator of the daily AQI, already at the edition's input
/// precision ([`round_input`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DailyInput {
    /// The value the IAQI is computed from.
    pub(crate) conc: MeanConc,
    /// The value's index in its column's IAQI table (whole units, CO
    /// tenths) when it is a whole number of steps, else `u64::MAX`.
    pub(crate) step: u64,
}

impl DailyInput {
    /// `mean` rounded once to `precision` by GB/T 8170 (kept exact when
    /// `None`), with its table index.
    #[inline(always)]
    pub(crate) fn rounded(mean: MeanConc, precision: Option<Precision>) -> DailyInput {
        match precision {
            Some(p) => {
                let (conc, step) = mean.round_steps(p);
                DailyInput { conc: conc.into(), step }
            }
            None => DailyInput { conc: mean, step: u64::MAX },
        }
    }
}

/// [`daily_aqi`] from inputs already rounded, in [`Indicator::ALL`] order
/// (O3_1h is read under HJ 633-2012 only): the air evaluation's day loop
/// rounds each daily statistic once and passes its table index along.
/// Writes every field of `out` in place (no copy of the report).
#[inline(always)]
pub(crate) fn daily_report_into(
    edition: AirEdition,
    inputs: &[Option<DailyInput>; 7],
    options: &AqiOptions,
    out: &mut AqiReport,
) {
    let n_expected = if edition == AirEdition::Hj633_2012 { 7 } else { 6 };
    // The columns' tables, chosen once per day rather than per indicator.
    let tables = DAILY_COLUMNS.map(|column| iaqi_table(edition, column));
    out.conc = [None; 7];
    out.iaqi = [None; 7];
    let mut missing = IndicatorSet::EMPTY;
    for k in 0..n_expected {
        let indicator = Indicator::ALL[k];
        match inputs[k] {
            Some(input) => {
                out.conc[k] = Some(input.conc);
                let from_table = usize::try_from(input.step).ok().and_then(|i| tables[k].get(i));
                // None only for O3 8 h > 800 under 2012 (table 1 note 3): the
                // O3 IAQI then comes from O3_1h, its own indicator.
                out.iaqi[k] = match from_table {
                    Some(&value) if value != u16::MAX => Some(u32::from(value)),
                    _ => mean_iaqi(edition, DAILY_COLUMNS[k], input.conc, options.above_top),
                };
            }
            None if !options.not_in_plan.contains(indicator.pollutant()) => {
                missing = missing.with(indicator);
            }
            None => {}
        }
    }
    finish_report_into(edition, ReportKind::Daily, missing, options, out);
}

/// The real-time (hourly) AQI (实时报) (HJ 633-2012 5.1.3 and table 4: PM
/// from 24 h moving averages on the daily columns, O3 1 h and 8 h moving;
/// HJ 633-2026 4.2.3: six 1 h values, PM 1 h interpolated on the daily PM
/// columns, no O3 8 h).
pub fn hourly_aqi(edition: AirEdition, hour: &RealtimeConcs, options: &AqiOptions) -> AqiReport {
    let mut values: [Option<(Column, MeanConc)>; 7] = [None; 7];
    values[Indicator::So2.index()] = hour.so2_1h.map(|c| (Column::So2_1h, c));
    values[Indicator::No2.index()] = hour.no2_1h.map(|c| (Column::No2_1h, c));
    values[Indicator::Co.index()] = hour.co_1h.map(|c| (Column::Co_1h, c));
    values[Indicator::O3_1h.index()] = hour.o3_1h.map(|c| (Column::O3_1h, c));
    let mut expected = IndicatorSet(0b0111_1111);
    let so2_fallback;
    match edition {
        AirEdition::Hj633_2012 => {
            values[Indicator::Pm10.index()] = hour.pm10_24h_moving.map(|c| (Column::Pm10_24h, c));
            values[Indicator::Pm25.index()] = hour.pm25_24h_moving.map(|c| (Column::Pm25_24h, c));
            values[Indicator::O3_8h.index()] = hour.o3_8h_moving.map(|c| (Column::O3_8h, c));
            so2_fallback = hour.so2_24h_moving;
        }
        AirEdition::Hj633_2026 => {
            values[Indicator::Pm10.index()] = hour.pm10_1h.map(|c| (Column::Pm10_24h, c));
            values[Indicator::Pm25.index()] = hour.pm25_1h.map(|c| (Column::Pm25_24h, c));
            expected = expected.without(Indicator::O3_8h);
            so2_fallback = None;
        }
    }
    build_report(edition, ReportKind::Realtime, values, expected, so2_fallback, options)
}

fn build_report(
    edition: AirEdition,
    kind: ReportKind,
    values: [Option<(Column, MeanConc)>; 7],
    expected: IndicatorSet,
    so2_24h_fallback: Option<MeanConc>,
    options: &AqiOptions,
) -> AqiReport {
    let mut conc = [None; 7];
    let mut iaqis = [None; 7];
    let mut missing = IndicatorSet::EMPTY;
    for indicator in Indicator::ALL {
        if !expected.contains(indicator) {
            continue;
        }
        let pollutant = indicator.pollutant();
        let Some((column, raw)) = values[indicator.index()] else {
            if !options.not_in_plan.contains(pollutant) {
                missing = missing.with(indicator);
            }
            continue;
        };
        let used = round_input(edition, pollutant, raw, options);
        conc[indicator.index()] = Some(used);
        match iaqi(edition, column, used, options.above_top) {
            Some(value) => iaqis[indicator.index()] = Some(value),
            None if column == Column::So2_1h => {
                // HJ 633-2012 table 1 note 2: SO2 1 h > 800 → IAQI from the 24 h value.
                match so2_24h_fallback.map(|c| round_input(edition, pollutant, c, options)) {
                    Some(c24) => {
                        conc[indicator.index()] = Some(c24);
                        iaqis[indicator.index()] =
                            iaqi(edition, Column::So2_24h, c24, options.above_top);
                    }
                    None => {
                        if !options.not_in_plan.contains(pollutant) {
                            missing = missing.with(indicator);
                        }
                    }
                }
            }
            // HJ 633-2012 table 1 note 3: O3 8 h > 800 → the O3 IAQI comes
            // from the 1 h value, which is its own indicator.
            None => {}
        }
    }
    finish_report(edition, kind, conc, iaqis, missing, options)
}

/// AQI, primary and exceeding indicators and publication from the IAQIs
/// (HJ 633-2012 3.3, 3.4, 5.1.1; HJ 633-2026 3.3, 5.3.1).
#[inline(always)]
fn finish_report(
    edition: AirEdition,
    kind: ReportKind,
    conc: [Option<MeanConc>; 7],
    iaqis: [Option<u32>; 7],
    missing: IndicatorSet,
    options: &AqiOptions,
) -> AqiReport {
    let mut report = AqiReport { conc, iaqi: iaqis, ..AqiReport::PLACEHOLDER };
    finish_report_into(edition, kind, missing, options, &mut report);
    report
}

/// Completes a report whose `conc` and `iaqi` are set: the AQI, primary and
/// exceeding pollutants, missing indicators and whether it is publishable.
#[inline(always)]
fn finish_report_into(
    edition: AirEdition,
    kind: ReportKind,
    missing: IndicatorSet,
    options: &AqiOptions,
    out: &mut AqiReport,
) {
    // Each IAQI plus one, 0 when missing: the AQI is then a plain maximum,
    // and the bit sets are built without branches (the IAQIs are data).
    let plus_one = out.iaqi.map(|value| value.map_or(0, |v| u64::from(v) + 1));
    let top = plus_one.iter().copied().max().unwrap_or(0);
    let aqi = top.checked_sub(1).map(|a| a as u32);
    let (mut primary_bits, mut exceeding_bits) = (0u8, 0u8);
    for (k, &value) in plus_one.iter().enumerate() {
        primary_bits |= u8::from((top > 51) & (value == top)) << k;
        exceeding_bits |= u8::from(value > 101) << k;
    }
    let mut primary = IndicatorSet(primary_bits);
    let exceeding = IndicatorSet(exceeding_bits);
    if options.o3_tie == O3Tie::PreferEightHour
        && primary.contains(Indicator::O3_8h)
        && primary.contains(Indicator::O3_1h)
    {
        primary = primary.without(Indicator::O3_1h);
    }
    let publishable = match edition {
        AirEdition::Hj633_2012 => aqi.is_some(),
        AirEdition::Hj633_2026 => aqi.is_some_and(|a| missing.is_empty() || a > 100),
    };
    out.edition = edition;
    out.kind = kind;
    out.aqi = aqi;
    out.primary = primary;
    out.exceeding = (edition == AirEdition::Hj633_2012).then_some(exceeding);
    out.missing = missing;
    out.publishable = publishable;
}

/// Convenience: the IAQI of a single [`Conc`] on `column`, with the
/// edition's input rounding (HJ 633-2026 4.2.2) applied first.
pub fn iaqi_of_conc(
    edition: AirEdition,
    column: Column,
    conc: Conc,
    options: &AqiOptions,
) -> Option<u32> {
    let used = round_input(edition, column.pollutant(), conc.into(), options);
    iaqi(edition, column, used, options.above_top)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry of every compile-time IAQI table equals the run-time
    /// interpolation of the same mean taken as two values (n = 2 skips the
    /// table), and the lookup is used exactly up to the last breakpoint.
    #[test]
    fn iaqi_tables_equal_the_interpolation() {
        for edition in crate::edition::AIR_EDITIONS {
            for column in Column::ALL {
                let table = iaqi_table(edition, column);
                let step = if column.pollutant() == Pollutant::Co { 100 } else { 1000 };
                let last = *breakpoints(edition, column).last().unwrap() * SCALE;
                assert_eq!((table.len() as i64 - 1) * step, last, "{column:?}");
                for (k, &value) in table.iter().enumerate() {
                    let milli = k as i64 * step;
                    let as_two = MeanConc::new(2 * milli, 2).unwrap();
                    let expected = iaqi(edition, column, as_two, AboveTopBreakpoint::CapAt500);
                    assert_eq!(Some(u32::from(value)), expected, "{edition} {column:?} {milli}");
                    let single = MeanConc::new(milli, 1).unwrap();
                    assert_eq!(table_lookup(table, column, single), expected);
                }
                let above = MeanConc::new(last + step, 1).unwrap();
                assert_eq!(table_lookup(table, column, above), None);
                let between = MeanConc::new(step / 2, 1).unwrap();
                assert_eq!(table_lookup(table, column, between), None);
            }
        }
    }
}
