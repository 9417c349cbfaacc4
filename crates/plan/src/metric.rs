//! Computed indicators: annual statistics of the selected sites from the
//! stored hour readings, through the standards engine, with the drill-down
//! that shows which stations or sections and which days produced them.
//!
//! Air (GB 3095 / HJ 663 via `standards::air`): each station's year is
//! evaluated day by day (`evaluate_station`); the district's series is the
//! hourly mean of its stations (`district_hourly`), evaluated the same way;
//! the district's day counts (`day_counts`) give the good-day and
//! heavy-pollution shares, its period statistics the PM2.5 annual mean,
//! which counts only when GB 3095 table 4 validity is met (324 daily means,
//! 27 per month, February 25).
//!
//! Water (GB 3838 / 2011 method via `standards::water`): each section's year
//! is one evaluation period (`classify_period` over its hour samples); the
//! shares come from `evaluate_river` over the section classes; a river's
//! class from `evaluate_river_by_means` (the items averaged over its
//! sections, then classified).
//!
//! Choices, stated because the plan does not spell them out:
//! - a share counts the selected sections that have a class in the year;
//!   sections without samples are listed in the drill-down but not counted;
//! - drinking-water sources are judged by their class (the indicator reads
//!   "达到或优于Ⅲ类"), not by the GB 3838 table 2 supplementary items;
//! - the district's hourly value is the mean of its stations' valid values
//!   (`standards::air::district_hourly`, a project convention there);
//! - hour readings flagged other than `N` are not used, as in `evaluation`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use model::{BeijingTime, DataKind, Instant, ParamCode, PointId};
use serde::Serialize;
use standards::air::{
    AirOptions, DayResult, HourlySeries, day_counts, district_hourly, evaluate_station,
};
use standards::aqi::Pollutant;
use standards::decimal::Conc;
use standards::edition::{EditionChoice, HourLabel};
use standards::water::{
    PeriodClass, PeriodOptions, RiverOptions, WaterBody, WaterClass, WaterItem, WaterValue,
    classify_period, evaluate_river, evaluate_river_by_means,
};
use store::{ReadingQuery, Store};

use crate::file::Metric;
use crate::site::Site;
use crate::status::{Reason, Value};
use crate::{Error, Result};

/// Most hour readings one water section may have in a year (generously many items).
const MAX_WATER_READINGS: usize = 366 * 24 * 64;

/// What a computed indicator yields for a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricOutcome {
    /// The value, when there is one that counts.
    pub value: Option<Value>,
    /// Why there is no value.
    pub missing: Option<Reason>,
    /// A value computed from data that fail the validity rule (shown, not judged).
    pub provisional: Option<Value>,
    /// Where the value comes from.
    pub drill_down: DrillDown,
}

/// The stations or sections and days behind a computed value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DrillDown {
    /// Air stations and the district series.
    Air {
        /// The district series (hourly mean of the stations), whose value is the indicator's.
        district: Option<AirSiteYear>,
        /// Each selected station.
        stations: Vec<AirSiteYear>,
    },
    /// Water sections.
    Water {
        /// Each selected section.
        sections: Vec<SectionYear>,
    },
    /// Outlets' emission amounts compared with a baseline year ([`crate::emission`]).
    Emissions {
        /// The baseline year.
        baseline_year: i32,
        /// Each pollutant's reduction.
        pollutants: Vec<crate::emission::PollutantReduction>,
        /// Each outlet and pollutant, counted or not (and why).
        outlets: Vec<crate::emission::OutletComparison>,
    },
}

/// One air station's (or the district's) year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AirSiteYear {
    /// The station's point (`None` for the district).
    pub point: Option<PointId>,
    /// Its code (`district` for the district).
    pub code: String,
    /// Its name.
    pub name: String,
    /// Days with a counted daily AQI (HJ 633; incomplete days per the standards' options).
    pub n_counted_days: u32,
    /// Counted days with AQI ≤ 100 (优良).
    pub n_good_days: u32,
    /// Counted days with AQI > 200 (重污染).
    pub n_heavy_days: u32,
    /// 优良天数比例, % (one decimal).
    pub good_days_percent: Option<f64>,
    /// 重污染天数比例, % (one decimal).
    pub heavy_days_percent: Option<f64>,
    /// PM2.5 annual mean, µg/m³.
    pub pm25_mean: Option<f64>,
    /// Valid PM2.5 daily means.
    pub pm25_valid_days: u32,
    /// Daily means the annual mean requires (GB 3095 table 4).
    pub pm25_required_days: u32,
    /// Whether the annual mean meets GB 3095 table 4 validity (year and every month).
    pub pm25_valid: bool,
    /// The days with data.
    pub days: Vec<AirDay>,
}

/// One day of an air station (or the district).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AirDay {
    /// The Beijing date.
    pub date: NaiveDate,
    /// The daily AQI, if any.
    pub aqi: Option<u32>,
    /// Whether the day is counted in the day shares.
    pub counted: bool,
    /// Counted and AQI ≤ 100.
    pub good: bool,
    /// Counted and AQI > 200.
    pub heavy: bool,
    /// PM2.5 24 h mean, µg/m³, when valid.
    pub pm25: Option<f64>,
}

/// One water section's year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionYear {
    /// The section's point.
    pub point: PointId,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its river, when known.
    pub river: Option<String>,
    /// The year's class (single factor over the year's means).
    pub class: Option<WaterClass>,
    /// Whether the section counts towards the indicator's share (e.g. is
    /// class III or better), `None` without a class.
    pub counted: Option<bool>,
    /// Items deciding the class.
    pub deciding_items: Vec<String>,
    /// Samples (stored hours) in the year.
    pub n_samples: usize,
    /// The Beijing days with samples.
    pub sample_days: Vec<NaiveDate>,
}

/// The Beijing calendar year `year` as instants `[from, to)`, and its days.
fn year_bounds(year: i32) -> Result<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(Error::YearOutOfRange(year))?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(Error::YearOutOfRange(year))?;
    Ok((first, last))
}

fn beijing_midnight(date: NaiveDate) -> Instant {
    BeijingTime(date.and_time(chrono::NaiveTime::MIN)).to_instant()
}

/// Computes `metric` over `sites` for `year`.
pub fn compute(
    store: &dyn Store,
    metric: Metric,
    sites: &[&Site],
    year: i32,
) -> Result<MetricOutcome> {
    compute_with(store, metric, sites, year, &mut Cache::default())
}

/// Per-site yearly results already computed, so that indicators over the
/// same sites (good days, heavy days and PM2.5 read the same stations) load
/// and evaluate them once per assessment.
#[derive(Debug, Default)]
pub struct Cache {
    /// Air: the district and stations of one set of points in one year.
    air: BTreeMap<(Vec<PointId>, i32), AirYear>,
    /// Water: one section's period class and sample days in one year.
    water: BTreeMap<(PointId, i32), (PeriodClass, Vec<NaiveDate>)>,
}

/// [`compute`] reusing `cache`.
pub fn compute_with(
    store: &dyn Store,
    metric: Metric,
    sites: &[&Site],
    year: i32,
    cache: &mut Cache,
) -> Result<MetricOutcome> {
    if !metric.is_air() {
        return water(store, metric, sites, year, cache);
    }
    let key = (sites.iter().map(|site| site.point).collect::<Vec<_>>(), year);
    let computed = match cache.air.get(&key) {
        Some(computed) => computed.clone(),
        None => {
            let computed = air_year_of(store, sites, year)?;
            cache.air.insert(key, computed.clone());
            computed
        }
    };
    Ok(air_outcome(metric, computed))
}

/// A station's hour columns for the year, from the day before 1 January
/// (for 8-hour windows reaching back), labelled by period start (HJ 212).
struct AirColumns {
    first_hour: chrono::NaiveDateTime,
    columns: [Vec<Option<Conc>>; 6],
}

impl AirColumns {
    fn series(&self) -> HourlySeries<'_> {
        HourlySeries {
            first_label_beijing: self.first_hour,
            label: HourLabel::PeriodStart,
            columns: [
                &self.columns[0],
                &self.columns[1],
                &self.columns[2],
                &self.columns[3],
                &self.columns[4],
                &self.columns[5],
            ],
        }
    }
}

fn load_air(
    store: &dyn Store,
    point: PointId,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<AirColumns> {
    let start_day = first.pred_opt().ok_or(Error::YearOutOfRange(0))?;
    let first_hour = start_day.and_time(chrono::NaiveTime::MIN);
    let from = BeijingTime(first_hour).to_instant();
    let n_hours = usize::try_from((last - start_day).num_days() + 1).unwrap_or(0) * 24;
    let params = Pollutant::ALL.map(|p| ParamCode::parse(p.hj212_code())).into_iter().flatten();
    let grid = store::hour_grid(store, point, &params.collect::<Vec<_>>(), from, n_hours)?;
    let columns = standards::air::concentration_columns(&grid.values);
    Ok(AirColumns { first_hour, columns })
}

fn permille_to_percent(permille: Option<i64>) -> Option<f64> {
    permille.map(|permille| permille as f64 / 10.0)
}

fn air_year(
    point: Option<PointId>,
    code: &str,
    name: &str,
    days: &[DayResult],
    options: &AirOptions,
) -> AirSiteYear {
    let counts = day_counts(days, options);
    let period = standards::air::period_statistics(days, options);
    // A plan year before 2026-03 is one piece; a year spanning an edition
    // change has several, and its annual mean is not one number.
    let pm25 = match period.pieces.as_slice() {
        [piece] => piece.pollutants.iter().find(|stats| stats.pollutant == Pollutant::Pm25),
        _ => None,
    };
    let days = days
        .iter()
        .filter(|day| day.aqi.aqi.is_some() || day.daily[Pollutant::Pm25.index()].value.is_some())
        .map(|day| {
            let one = day_counts(std::slice::from_ref(day), options);
            AirDay {
                date: day.date,
                aqi: day.aqi.aqi,
                counted: one.n_aqi_days == 1,
                good: one.n_good == 1,
                heavy: one.n_heavy == 1,
                pm25: day.daily[Pollutant::Pm25.index()].value.map(|mean| mean.to_f64()),
            }
        })
        .collect();
    AirSiteYear {
        point,
        code: code.to_owned(),
        name: name.to_owned(),
        n_counted_days: counts.n_aqi_days,
        n_good_days: counts.n_good,
        n_heavy_days: counts.n_heavy,
        good_days_percent: permille_to_percent(counts.good_ratio_permille()),
        heavy_days_percent: permille_to_percent(counts.heavy_ratio_permille()),
        pm25_mean: pm25.and_then(|stats| stats.mean).map(Conc::to_f64),
        pm25_valid_days: pm25.map_or(0, |stats| stats.validity.n_valid),
        pm25_required_days: pm25.map_or(0, |stats| stats.validity.n_required),
        pm25_valid: pm25.is_some_and(|stats| stats.validity.is_met() && stats.every_month_met),
        days,
    }
}

/// The district and stations of one year.
#[derive(Debug, Clone)]
struct AirYear {
    district: Option<AirSiteYear>,
    stations: Vec<AirSiteYear>,
}

fn air_year_of(store: &dyn Store, sites: &[&Site], year: i32) -> Result<AirYear> {
    let (first, last) = year_bounds(year)?;
    let options = AirOptions::default();
    let mut loaded = Vec::with_capacity(sites.len());
    let mut stations = Vec::with_capacity(sites.len());
    for site in sites {
        let columns = load_air(store, site.point, first, last)?;
        let days =
            evaluate_station(&columns.series(), first, last, EditionChoice::ByDate, &options)?.days;
        stations.push(air_year(Some(site.point), &site.code, &site.name, &days, &options));
        loaded.push(columns);
    }
    if sites.is_empty() {
        return Ok(AirYear { district: None, stations });
    }
    let series: Vec<HourlySeries<'_>> = loaded.iter().map(AirColumns::series).collect();
    let district_series = district_hourly(&series, &options)?;
    let days = evaluate_station(
        &district_series.as_series(),
        first,
        last,
        EditionChoice::ByDate,
        &options,
    )?
    .days;
    let district = air_year(None, "district", "全区（各站小时均值）", &days, &options);
    Ok(AirYear { district: Some(district), stations })
}

fn air_outcome(metric: Metric, computed: AirYear) -> MetricOutcome {
    let AirYear { district, stations } = computed;
    let Some(district) = district else {
        return MetricOutcome {
            value: None,
            missing: Some(Reason::NoSites),
            provisional: None,
            drill_down: DrillDown::Air { district: None, stations },
        };
    };
    let (value, missing, provisional) = match metric {
        Metric::GoodDaysRatio => {
            let value = district.good_days_percent.map(Value::Number);
            (value, value.is_none().then_some(Reason::NoValue), None)
        }
        Metric::HeavyDaysRatio => {
            let value = district.heavy_days_percent.map(Value::Number);
            (value, value.is_none().then_some(Reason::NoValue), None)
        }
        _ => match district.pm25_mean.map(Value::Number) {
            None => (None, Some(Reason::NoValue), None),
            Some(mean) if district.pm25_valid => (Some(mean), None, None),
            Some(mean) => (None, Some(Reason::InsufficientData), Some(mean)),
        },
    };
    MetricOutcome {
        value,
        missing,
        provisional,
        drill_down: DrillDown::Air { district: Some(district), stations },
    }
}

/// One section's year: its period class and the days it was sampled.
fn section_year(
    store: &dyn Store,
    site: &Site,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<(PeriodClass, Vec<NaiveDate>)> {
    let from = beijing_midnight(first);
    let to = beijing_midnight(last.succ_opt().ok_or(Error::YearOutOfRange(0))?);
    let readings = store.readings(&ReadingQuery {
        point: site.point,
        kind: DataKind::Hour,
        params: Vec::new(),
        from,
        to,
        limit: MAX_WATER_READINGS,
    })?;
    let mut samples: BTreeMap<Instant, Vec<(WaterItem, WaterValue)>> = BTreeMap::new();
    for reading in &readings {
        let Ok(item) = WaterItem::parse(reading.key.param.as_str()) else { continue };
        if !reading.values.is_usable() {
            continue;
        }
        if let Some(value) =
            reading.values.representative(DataKind::Hour).and_then(WaterValue::from_f64)
        {
            samples.entry(reading.key.data_time).or_default().push((item, value));
        }
    }
    let days: BTreeSet<NaiveDate> = samples.keys().map(|at| at.to_beijing().date()).collect();
    let samples: Vec<Vec<(WaterItem, WaterValue)>> = samples.into_values().collect();
    let class = classify_period(&samples, WaterBody::River, &PeriodOptions::default());
    Ok((class, days.into_iter().collect()))
}

fn water(
    store: &dyn Store,
    metric: Metric,
    sites: &[&Site],
    year: i32,
    cache: &mut Cache,
) -> Result<MetricOutcome> {
    let (first, last) = year_bounds(year)?;
    let mut sections = Vec::with_capacity(sites.len());
    let mut classes = Vec::new();
    let mut means = Vec::new();
    for site in sites {
        let key = (site.point, year);
        let (period, sample_days) = match cache.water.get(&key) {
            Some(computed) => computed.clone(),
            None => {
                let computed = section_year(store, site, first, last)?;
                cache.water.insert(key, computed.clone());
                computed
            }
        };
        let class = if period.n_samples == 0 { None } else { period.class.class };
        let counted = class.map(|class| match metric {
            Metric::ShareWorseThanV => class == WaterClass::WorseThanV,
            _ => class.meets(WaterClass::III),
        });
        if let Some(class) = class {
            classes.push(class);
            means.push(period.means.iter().map(|mean| (mean.item, mean.value)).collect::<Vec<_>>());
        }
        sections.push(SectionYear {
            point: site.point,
            code: site.code.clone(),
            name: site.name.clone(),
            river: site.river.clone(),
            class,
            counted,
            deciding_items: period
                .class
                .deciding_items
                .iter()
                .map(|item| item.short_name().to_owned())
                .collect(),
            n_samples: period.n_samples,
            sample_days,
        });
    }
    let drill_down = DrillDown::Water { sections };
    let missing = if sites.is_empty() {
        Some(Reason::NoSites)
    } else if classes.is_empty() {
        Some(Reason::NoValue)
    } else {
        None
    };
    if let Some(reason) = missing {
        return Ok(MetricOutcome {
            value: None,
            missing: Some(reason),
            provisional: None,
            drill_down,
        });
    }
    let river = evaluate_river(&classes, &RiverOptions::default());
    let share = |count: usize| {
        Value::Number(crate::status::round(100.0 * count as f64 / river.n_sections as f64, 1))
    };
    let value = match metric {
        Metric::ShareClassIiiOrBetter => Some(share(river.n_i_to_iii())),
        Metric::ShareWorseThanV => Some(share(river.n_worse_than_v())),
        _ => evaluate_river_by_means(&means, WaterBody::River, &PeriodOptions::default())
            .class
            .class
            .map(Value::Class),
    };
    Ok(MetricOutcome {
        missing: value.is_none().then_some(Reason::NoValue),
        value,
        provisional: None,
        drill_down,
    })
}
