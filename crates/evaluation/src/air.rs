//! Air stations: daily AQI per Beijing day and hourly (real-time) AQI per
//! Beijing hour, from stored HJ 212 hour data.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use model::{BeijingTime, Instant, ParamCode, PointId};
use serde_json::{Map, Value, json};
use standards::air::{
    AirOptions, DailyValue, DayResult, HourResult, HourlySeries, concentration_columns,
    evaluate_station, hourly_aqi_series,
};
use standards::aqi::{AqiReport, Indicator, IndicatorSet, Pollutant};
use standards::decimal::{Conc, MeanConc};
use standards::edition::{EditionChoice, HourLabel};
use store::{DerivedKind, DerivedResult, Store};

use crate::Result;

/// Hours loaded: the day before (for 24-hour moving means and O3 8-hour
/// windows reaching back) and the day itself.
const N_HOURS: usize = 48;

/// The value of the `hour_label` field wherever hours appear.
pub(crate) const HOUR_LABEL: &str = "period_start";

/// A station's hour columns from stored HJ 212 hour data, index 0 being the
/// hour starting at the loader's first hour (Beijing).
pub(crate) struct StationHours {
    /// One column per pollutant ([`Pollutant::index`]); `None` where the hour
    /// is missing, flagged or not a concentration.
    pub(crate) columns: [Vec<Option<Conc>>; 6],
    /// Whether any of the six pollutants was stored for the hour (flagged or not).
    pub(crate) present: Vec<bool>,
}

impl StationHours {
    /// The columns as a series labelled by hour start.
    pub(crate) fn series(&self, first_hour: NaiveDateTime) -> HourlySeries<'_> {
        let c = &self.columns;
        HourlySeries {
            first_label_beijing: first_hour,
            label: HourLabel::PeriodStart,
            columns: [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]],
        }
    }
}

/// Loads `n_hours` hours of one station starting at `first_hour` (Beijing).
/// A flagged hour ([`model::ReadingValues::is_usable`]) or a value that is
/// not a concentration is missing, never zero.
pub(crate) fn load_hours(
    store: &dyn Store,
    point: PointId,
    first_hour: NaiveDateTime,
    n_hours: usize,
) -> Result<StationHours> {
    let params = Pollutant::ALL.map(|p| ParamCode::parse(p.hj212_code())).into_iter().flatten();
    let grid = store::hour_grid(
        store,
        point,
        &params.collect::<Vec<_>>(),
        BeijingTime(first_hour).to_instant(),
        n_hours,
    )?;
    Ok(StationHours { columns: concentration_columns(&grid.values), present: grid.present })
}

/// Recomputes the daily AQI of `date` and the hourly AQI of its hours for one
/// station. Returns nothing when the station has no hour data that day.
pub(crate) fn derive_day(
    store: &dyn Store,
    point: PointId,
    date: NaiveDate,
    now: Instant,
) -> Result<Vec<DerivedResult>> {
    let Some(first_hour) = date.pred_opt().and_then(|day| day.and_hms_opt(0, 0, 0)) else {
        return Ok(Vec::new());
    };
    let from = BeijingTime(first_hour).to_instant();
    let station_hours = load_hours(store, point, first_hour, N_HOURS)?;
    let present = &station_hours.present;
    if !present[24..].iter().any(|&hour| hour) {
        return Ok(Vec::new());
    }
    let series = station_hours.series(first_hour);
    let options = AirOptions::default();
    let days = evaluate_station(&series, date, date, EditionChoice::ByDate, &options)?.days;
    let hours = hourly_aqi_series(&series, EditionChoice::ByDate, &options)?;

    let mut results = Vec::with_capacity(25);
    let day_start = Instant(from.0 + Duration::hours(24));
    for day in &days {
        let n_hours = present[24..].iter().filter(|&&hour| hour).count();
        let mut detail = day_json(day);
        detail.insert("n_hours".to_owned(), json!(n_hours));
        detail.insert("hour_label".to_owned(), json!(HOUR_LABEL));
        results.push(DerivedResult {
            kind: DerivedKind::AirDaily,
            point,
            start: day_start,
            period: day.date.to_string(),
            edition: day.aqi.edition.to_string(),
            detail: Value::Object(detail),
            computed_at: now,
        });
    }
    for (index, hour) in hours.iter().enumerate().skip(24) {
        if present[index] {
            results.push(hour_result(point, hour, now));
        }
    }
    Ok(results)
}

/// A day's AQI report, daily values and MDA8 in the standard's vocabulary.
pub(crate) fn day_json(day: &DayResult) -> Map<String, Value> {
    let mut pollutants = Map::new();
    for pollutant in [Pollutant::So2, Pollutant::No2, Pollutant::Pm10, Pollutant::Pm25] {
        pollutants.insert(
            pollutant.name().to_owned(),
            daily_json(&day.daily[pollutant.index()], pollutant),
        );
    }
    pollutants.insert(
        Pollutant::Co.name().to_owned(),
        daily_json(&day.daily[Pollutant::Co.index()], Pollutant::Co),
    );
    pollutants.insert(
        Indicator::O3_8h.name().to_owned(),
        json!({
            "value": day.o3_mda8.value.map(MeanConc::to_f64),
            "unit": Pollutant::O3.unit(),
            "valid": day.o3_mda8.value.is_some(),
            "valid_by_exceedance": day.o3_mda8.valid_by_exceedance,
            "validity": validity_json(day.o3_mda8.validity),
        }),
    );
    pollutants
        .insert(Indicator::O3_1h.name().to_owned(), daily_json(&day.o3_max_1h, Pollutant::O3));
    let mut detail = report_json(&day.aqi);
    detail.insert("date".to_owned(), json!(day.date.to_string()));
    detail.insert("limits".to_owned(), json!(day.limits.name()));
    detail.insert("valid".to_owned(), json!(day.aqi.missing.is_empty()));
    detail.insert("pollutants".to_owned(), Value::Object(pollutants));
    detail
}

fn hour_result(point: PointId, hour: &HourResult, now: Instant) -> DerivedResult {
    let start = hour.end_label_beijing - Duration::hours(1);
    let label = |time: chrono::NaiveDateTime| time.format("%Y-%m-%dT%H:%M").to_string();
    let mut detail = report_json(&hour.aqi);
    detail.insert("hour_label".to_owned(), json!(HOUR_LABEL));
    detail.insert("hour".to_owned(), json!(label(start)));
    detail.insert("hour_end".to_owned(), json!(label(hour.end_label_beijing)));
    DerivedResult {
        kind: DerivedKind::AirHourly,
        point,
        start: BeijingTime(start).to_instant(),
        period: label(start),
        edition: hour.aqi.edition.to_string(),
        detail: Value::Object(detail),
        computed_at: now,
    }
}

/// The AQI report in the standard's vocabulary.
fn report_json(report: &AqiReport) -> Map<String, Value> {
    let level = report.level();
    let mut iaqi = Map::new();
    let mut conc = Map::new();
    for indicator in Indicator::ALL {
        iaqi.insert(indicator.name().to_owned(), json!(report.iaqi_of(indicator)));
        conc.insert(
            indicator.name().to_owned(),
            json!(report.conc[indicator.index()].map(MeanConc::to_f64)),
        );
    }
    let mut out = Map::new();
    out.insert("aqi".to_owned(), json!(report.aqi));
    out.insert("level".to_owned(), json!(level.map(|level| level.number())));
    out.insert("level_zh".to_owned(), json!(level.map(|level| level.name_zh())));
    out.insert(
        "category".to_owned(),
        match level {
            Some(level) => json!({ "zh": level.category_zh(), "en": level.category_en() }),
            None => Value::Null,
        },
    );
    out.insert("primary".to_owned(), json!(names(report.primary)));
    out.insert("iaqi".to_owned(), Value::Object(iaqi));
    out.insert("conc".to_owned(), Value::Object(conc));
    out.insert("missing".to_owned(), json!(names(report.missing)));
    out.insert("publishable".to_owned(), json!(report.publishable));
    out.insert("edition".to_owned(), json!(report.edition.to_string()));
    out
}

fn names(set: IndicatorSet) -> Vec<&'static str> {
    set.iter().map(Indicator::name).collect()
}

fn daily_json(value: &DailyValue, pollutant: Pollutant) -> Value {
    json!({
        "value": value.value.map(MeanConc::to_f64),
        "unit": pollutant.unit(),
        "valid": value.value.is_some(),
        "validity": validity_json(value.validity),
    })
}

pub(crate) fn validity_json(validity: standards::air::Validity) -> Value {
    json!({
        "n_valid": validity.n_valid,
        "n_required": validity.n_required,
        "n_possible": validity.n_possible,
    })
}
