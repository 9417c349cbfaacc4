//! Handlers serving derived results (the standards engine's output) as JSON:
//! daily and hourly AQI of air stations, daily and monthly class of
//! surface-water sections, and exceedance of source outlets, per point and
//! per area (the whole district).
//!
//! Field names follow the standards' vocabulary (`aqi`, `level`, `category`,
//! `primary`, `iaqi`, `edition`, `class`); wherever hours appear,
//! `hour_label` says how they are labelled (`period_start` for HJ 212 hours).

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{Datelike, Duration, NaiveDate};
use model::{BeijingTime, Instant, PointId};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{DerivedKind, DerivedQuery, DerivedResult, PointKind, PointRecord};

use crate::{ApiError, AppState};

/// Most results one query returns.
const MAX_RESULTS: usize = 20_000;

/// How HJ 212-derived hours are labelled in every response.
const HOUR_LABEL: &str = "period_start";

pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, store::Error> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?
        .map_err(Into::into)
}

/// Query string of the per-point daily endpoints: Beijing dates, both inclusive.
#[derive(Debug, Deserialize)]
pub(crate) struct DateRange {
    /// First day, `YYYY-MM-DD`; default 30 days before `to`.
    from: Option<String>,
    /// Last day, `YYYY-MM-DD`; default today (Beijing).
    to: Option<String>,
}

/// Query string of the hourly endpoint: RFC 3339 instants on hour starts.
#[derive(Debug, Deserialize)]
pub(crate) struct InstantRange {
    /// Inclusive start; default 24 hours before `to`.
    from: Option<String>,
    /// Exclusive end; default now.
    to: Option<String>,
}

/// Query string of `/api/v1/air/daily`.
#[derive(Debug, Deserialize)]
pub(crate) struct OneDay {
    /// The Beijing day, `YYYY-MM-DD`; default today.
    date: Option<String>,
}

/// Query string of the monthly endpoint.
#[derive(Debug, Deserialize)]
pub(crate) struct OneYear {
    /// The year; default this year (Beijing).
    year: Option<i32>,
}

fn parse_date(name: &str, text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|error| {
        ApiError::BadRequest(format!("{name}={text:?} is not a date YYYY-MM-DD: {error}"))
    })
}

fn parse_instant(name: &str, text: &str) -> Result<Instant, ApiError> {
    chrono::DateTime::parse_from_rfc3339(text).map(|time| Instant(time.to_utc())).map_err(|error| {
        ApiError::BadRequest(format!("{name}={text:?} is not an RFC 3339 time: {error}"))
    })
}

/// Start of a Beijing day as an instant.
fn day_start(date: NaiveDate) -> Result<Instant, ApiError> {
    date.and_hms_opt(0, 0, 0)
        .map(|midnight| BeijingTime(midnight).to_instant())
        .ok_or_else(|| ApiError::BadRequest(format!("{date} has no midnight")))
}

fn today(state: &AppState) -> NaiveDate {
    state.clock.now().to_beijing().date()
}

/// `from..=to` as days, defaulting to the 30 days ending today.
pub(crate) fn date_range(
    state: &AppState,
    range: &DateRange,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let to = match range.to.as_deref() {
        Some(text) => parse_date("to", text)?,
        None => today(state),
    };
    let from = match range.from.as_deref() {
        Some(text) => parse_date("from", text)?,
        None => to - Duration::days(30),
    };
    if to < from {
        return Err(ApiError::BadRequest(format!("from={from} is after to={to}")));
    }
    Ok((from, to))
}

/// The point, if it exists and is of `kind`.
async fn point_of_kind(
    state: &AppState,
    point: i64,
    kind: PointKind,
    what: &str,
) -> Result<PointRecord, ApiError> {
    point_of_kinds(state, point, &[kind], what).await
}

/// The point, if it exists and is of one of `kinds`.
async fn point_of_kinds(
    state: &AppState,
    point: i64,
    kinds: &[PointKind],
    what: &str,
) -> Result<PointRecord, ApiError> {
    let store = state.store.clone();
    let points = blocking(move || store.points()).await?;
    points
        .into_iter()
        .find(|record| record.id == PointId(point) && kinds.contains(&record.point.kind))
        .ok_or_else(|| ApiError::NotFound(format!("{what} {point}")))
}

/// Source outlets judged against permit limits.
const OUTLETS: [PointKind; 2] = [PointKind::FlueGas, PointKind::Wastewater];

async fn query(state: &AppState, query: DerivedQuery) -> Result<Vec<DerivedResult>, ApiError> {
    let store = state.store.clone();
    blocking(move || store.derived(&query)).await
}

/// One result as the API shows it: its detail plus the point and `computed_at`.
fn view(result: DerivedResult, point: Option<&PointRecord>) -> Value {
    let mut detail = match result.detail {
        Value::Object(map) => map,
        other => {
            let mut map = serde_json::Map::new();
            map.insert("detail".to_owned(), other);
            map
        }
    };
    detail.insert("point".to_owned(), json!(result.point));
    if let Some(point) = point {
        detail.insert("code".to_owned(), json!(point.point.code));
        detail.insert("name".to_owned(), json!(point.point.name));
    }
    detail.entry("edition").or_insert(json!(result.edition));
    detail.insert("period_start".to_owned(), json!(result.start));
    detail.insert("computed_at".to_owned(), json!(result.computed_at));
    Value::Object(detail)
}

fn point_json(point: &PointRecord) -> Value {
    json!({
        "id": point.id,
        "code": point.point.code,
        "name": point.point.name,
        "kind": point.point.kind.as_str(),
    })
}

/// `GET /api/v1/air/stations/{point}/daily?from=YYYY-MM-DD&to=YYYY-MM-DD`:
/// the daily AQI of one station (HJ 633), one entry per evaluated day.
pub(crate) async fn air_station_daily(
    State(state): State<AppState>,
    Path(point): Path<i64>,
    Query(range): Query<DateRange>,
) -> Result<Json<Value>, ApiError> {
    point_days(
        &state,
        point,
        &range,
        &[PointKind::AirStation],
        "air station",
        DerivedKind::AirDaily,
    )
    .await
}

/// `GET /api/v1/air/stations/{point}/hourly?from=RFC3339&to=RFC3339`: the
/// hourly (real-time) AQI of one station; `from..to` bounds the hour starts.
pub(crate) async fn air_station_hourly(
    State(state): State<AppState>,
    Path(point): Path<i64>,
    Query(range): Query<InstantRange>,
) -> Result<Json<Value>, ApiError> {
    point_hours(
        &state,
        point,
        &range,
        &[PointKind::AirStation],
        "air station",
        DerivedKind::AirHourly,
    )
    .await
}

/// `GET /api/v1/air/daily?date=YYYY-MM-DD`: every station's daily AQI on one
/// day (the area is the whole district for now).
pub(crate) async fn air_area_daily(
    State(state): State<AppState>,
    Query(day): Query<OneDay>,
) -> Result<Json<Value>, ApiError> {
    area_daily(&state, &day, DerivedKind::AirDaily, "stations").await
}

/// `GET /api/v1/water/daily?date=YYYY-MM-DD`: every section's daily class on one day.
pub(crate) async fn water_area_daily(
    State(state): State<AppState>,
    Query(day): Query<OneDay>,
) -> Result<Json<Value>, ApiError> {
    area_daily(&state, &day, DerivedKind::WaterDaily, "sections").await
}

/// `GET /api/v1/outlets/exceedance/daily?date=YYYY-MM-DD`: every outlet's
/// daily exceedance summary on one day.
pub(crate) async fn outlet_area_daily(
    State(state): State<AppState>,
    Query(day): Query<OneDay>,
) -> Result<Json<Value>, ApiError> {
    area_daily(&state, &day, DerivedKind::OutletDaily, "outlets").await
}

/// Every point's daily result of `kind` on one day, under the key `plural`.
async fn area_daily(
    state: &AppState,
    day: &OneDay,
    kind: DerivedKind,
    plural: &str,
) -> Result<Json<Value>, ApiError> {
    let date = match day.date.as_deref() {
        Some(text) => parse_date("date", text)?,
        None => today(state),
    };
    let store = state.store.clone();
    let points = blocking(move || store.points()).await?;
    let results = query(
        state,
        DerivedQuery {
            kind,
            point: None,
            from: day_start(date)?,
            to: day_start(date + Duration::days(1))?,
            limit: MAX_RESULTS,
        },
    )
    .await?;
    let views: Vec<Value> = results
        .into_iter()
        .map(|result| {
            let point = points.iter().find(|record| record.id == result.point);
            view(result, point)
        })
        .collect();
    let mut body = serde_json::Map::new();
    body.insert("date".to_owned(), json!(date.to_string()));
    body.insert("area".to_owned(), json!("district"));
    body.insert("hour_label".to_owned(), json!(HOUR_LABEL));
    body.insert(plural.to_owned(), Value::Array(views));
    Ok(Json(Value::Object(body)))
}

/// `GET /api/v1/water/sections/{point}/daily?from=YYYY-MM-DD&to=YYYY-MM-DD`:
/// the daily class of one section (GB 3838-2002).
pub(crate) async fn water_section_daily(
    State(state): State<AppState>,
    Path(point): Path<i64>,
    Query(range): Query<DateRange>,
) -> Result<Json<Value>, ApiError> {
    point_days(
        &state,
        point,
        &range,
        &[PointKind::SurfaceWater],
        "water section",
        DerivedKind::WaterDaily,
    )
    .await
}

/// `GET /api/v1/water/sections/{point}/monthly?year=YYYY`: the monthly class
/// of one section (GB 3838-2002, means of the month's samples).
pub(crate) async fn water_section_monthly(
    State(state): State<AppState>,
    Path(point): Path<i64>,
    Query(year): Query<OneYear>,
) -> Result<Json<Value>, ApiError> {
    let section = point_of_kind(&state, point, PointKind::SurfaceWater, "water section").await?;
    let year = year.year.unwrap_or_else(|| today(&state).year());
    let first = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| ApiError::BadRequest(format!("year={year} is out of range")))?;
    let next = NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .ok_or_else(|| ApiError::BadRequest(format!("year={year} is out of range")))?;
    let results = query(
        &state,
        DerivedQuery {
            kind: DerivedKind::WaterMonthly,
            point: Some(section.id),
            from: day_start(first)?,
            to: day_start(next)?,
            limit: MAX_RESULTS,
        },
    )
    .await?;
    let months: Vec<Value> = results.into_iter().map(|result| view(result, None)).collect();
    Ok(Json(json!({
        "point": point_json(&section),
        "year": year,
        "hour_label": HOUR_LABEL,
        "months": months,
    })))
}

/// `GET /api/v1/outlets/{point}/exceedance/daily?from=YYYY-MM-DD&to=YYYY-MM-DD`:
/// one outlet's daily exceedance summary against its permit limits.
pub(crate) async fn outlet_daily(
    State(state): State<AppState>,
    Path(point): Path<i64>,
    Query(range): Query<DateRange>,
) -> Result<Json<Value>, ApiError> {
    point_days(&state, point, &range, &OUTLETS, "outlet", DerivedKind::OutletDaily).await
}

/// `GET /api/v1/outlets/{point}/exceedance/hourly?from=RFC3339&to=RFC3339`:
/// one outlet's hour-by-hour judgement against its hourly permit limits.
pub(crate) async fn outlet_hourly(
    State(state): State<AppState>,
    Path(point): Path<i64>,
    Query(range): Query<InstantRange>,
) -> Result<Json<Value>, ApiError> {
    point_hours(&state, point, &range, &OUTLETS, "outlet", DerivedKind::OutletHourly).await
}

/// One point's daily results of `kind` over a date range (both ends included).
async fn point_days(
    state: &AppState,
    point: i64,
    range: &DateRange,
    kinds: &[PointKind],
    what: &str,
    kind: DerivedKind,
) -> Result<Json<Value>, ApiError> {
    let record = point_of_kinds(state, point, kinds, what).await?;
    let (from, to) = date_range(state, range)?;
    let query_days = DerivedQuery {
        kind,
        point: Some(record.id),
        from: day_start(from)?,
        to: day_start(to + Duration::days(1))?,
        limit: MAX_RESULTS,
    };
    let results = query(state, query_days).await?;
    let days: Vec<Value> = results.into_iter().map(|result| view(result, None)).collect();
    Ok(Json(json!({
        "point": point_json(&record),
        "from": from.to_string(),
        "to": to.to_string(),
        "hour_label": HOUR_LABEL,
        "days": days,
    })))
}

/// One point's hourly results of `kind` whose hour starts fall in `from..to`
/// (default: the last 24 hours).
async fn point_hours(
    state: &AppState,
    point: i64,
    range: &InstantRange,
    kinds: &[PointKind],
    what: &str,
    kind: DerivedKind,
) -> Result<Json<Value>, ApiError> {
    let record = point_of_kinds(state, point, kinds, what).await?;
    let to = match range.to.as_deref() {
        Some(text) => parse_instant("to", text)?,
        None => state.clock.now(),
    };
    let from = match range.from.as_deref() {
        Some(text) => parse_instant("from", text)?,
        None => Instant(to.0 - Duration::hours(24)),
    };
    let query_hours = DerivedQuery { kind, point: Some(record.id), from, to, limit: MAX_RESULTS };
    let results = query(state, query_hours).await?;
    let hours: Vec<Value> = results.into_iter().map(|result| view(result, None)).collect();
    Ok(Json(json!({
        "point": point_json(&record),
        "from": from,
        "to": to,
        "hour_label": HOUR_LABEL,
        "hours": hours,
    })))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use model::time::FixedClock;
    use store::{AccountStore, DerivedStore, NewPoint, SqliteStore, Store};
    use tower::ServiceExt;

    use super::*;

    fn state() -> (AppState, PointId, PointId) {
        let store = SqliteStore::open_in_memory().unwrap();
        let add = |code: &str, kind| {
            store
                .upsert_point(&NewPoint {
                    code: code.into(),
                    name: code.into(),
                    kind,
                    enterprise: None,
                    simulated: true,
                })
                .unwrap()
        };
        let station = add("AIR-1", PointKind::AirStation);
        let section = add("WATER-1", PointKind::SurfaceWater);
        let outlet = add("FG-1", PointKind::FlueGas);
        let at = |day: &str| day_start(parse_date("d", day).unwrap()).unwrap();
        let now = at("2026-03-10");
        let result = |kind, point, start, period: &str, detail| DerivedResult {
            kind,
            point,
            start,
            period: period.into(),
            edition: "E".into(),
            detail,
            computed_at: now,
        };
        store
            .commit_derived(
                &[
                    result(
                        DerivedKind::AirDaily,
                        station,
                        at("2026-03-02"),
                        "2026-03-02",
                        json!({"aqi": 114, "primary": ["PM2.5"], "edition": "HJ 633-2026"}),
                    ),
                    result(
                        DerivedKind::AirDaily,
                        station,
                        at("2026-03-03"),
                        "2026-03-03",
                        json!({"aqi": 50}),
                    ),
                    result(
                        DerivedKind::AirHourly,
                        station,
                        at("2026-03-02"),
                        "2026-03-02T00:00",
                        json!({"aqi": 114}),
                    ),
                    result(
                        DerivedKind::WaterDaily,
                        section,
                        at("2026-03-02"),
                        "2026-03-02",
                        json!({"class": "III"}),
                    ),
                    result(
                        DerivedKind::WaterMonthly,
                        section,
                        at("2026-03-01"),
                        "2026-03",
                        json!({"class": "III"}),
                    ),
                    result(
                        DerivedKind::OutletDaily,
                        outlet,
                        at("2026-03-02"),
                        "2026-03-02",
                        json!({"exceeds": true}),
                    ),
                    result(
                        DerivedKind::OutletHourly,
                        outlet,
                        at("2026-03-02"),
                        "2026-03-02T00:00",
                        json!({"exceeds": false}),
                    ),
                ],
                "test",
                1,
            )
            .unwrap();
        // Outlets' results need a role: the tests act as an inspector's machine client.
        store
            .create_api_token(
                &store::NewApiToken {
                    name: "tests".into(),
                    token_hash: crate::auth::token_hash(TOKEN),
                    role: model::account::Role::Inspector,
                    enterprise: None,
                },
                &store::ChangedBy { actor: "tests".into(), at: now },
            )
            .unwrap();
        let state = AppState {
            store: Arc::new(store),
            registry: Arc::new(prometheus_client::registry::Registry::default()),
            clock: Arc::new(FixedClock(now)),
            web: Arc::default(),
        };
        (state, station, section)
    }

    const TOKEN: &str = "token-of-the-derived-tests";

    /// GETs `uri` as an inspector and returns the status and the JSON body.
    async fn check(uri: &str) -> (StatusCode, Value) {
        let (state, _, _) = state();
        let response = crate::router(state)
            .oneshot(
                Request::get(uri)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn station_daily_serves_the_range() {
        let (status, body) =
            check("/api/v1/air/stations/1/daily?from=2026-03-02&to=2026-03-02").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["hour_label"], "period_start");
        assert_eq!(body["days"].as_array().unwrap().len(), 1);
        assert_eq!(body["days"][0]["aqi"], 114);
        assert_eq!(body["days"][0]["edition"], "HJ 633-2026");
        assert_eq!(body["days"][0]["point"], 1);
        let (_, body) = check("/api/v1/air/stations/1/daily").await;
        assert_eq!(body["days"].as_array().unwrap().len(), 2, "default: last 30 days");
    }

    #[tokio::test]
    async fn station_hourly_and_area_daily() {
        let (status, body) = check(
            "/api/v1/air/stations/1/hourly?from=2026-03-01T16:00:00Z&to=2026-03-02T16:00:00Z",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["hours"][0]["aqi"], 114);
        let (_, body) = check("/api/v1/air/daily?date=2026-03-03").await;
        assert_eq!(body["stations"].as_array().unwrap().len(), 1);
        assert_eq!(body["stations"][0]["code"], "AIR-1");
        assert_eq!(body["stations"][0]["aqi"], 50);
    }

    #[tokio::test]
    async fn water_daily_and_monthly() {
        let (_, body) = check("/api/v1/water/sections/2/daily?from=2026-03-01&to=2026-03-31").await;
        assert_eq!(body["days"][0]["class"], "III");
        let (_, body) = check("/api/v1/water/sections/2/monthly?year=2026").await;
        assert_eq!(body["months"][0]["class"], "III");
        let (_, body) = check("/api/v1/water/daily?date=2026-03-02").await;
        assert_eq!(body["sections"][0]["code"], "WATER-1");
        assert_eq!(body["sections"][0]["class"], "III");
    }

    #[tokio::test]
    async fn outlet_daily_and_hourly() {
        let (status, body) =
            check("/api/v1/outlets/3/exceedance/daily?from=2026-03-02&to=2026-03-02").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["days"][0]["exceeds"], true, "{body}");
        let (_, body) = check(
            "/api/v1/outlets/3/exceedance/hourly?from=2026-03-01T16:00:00Z&to=2026-03-02T16:00:00Z",
        )
        .await;
        assert_eq!(body["hours"][0]["exceeds"], false);
        let (_, body) = check("/api/v1/outlets/exceedance/daily?date=2026-03-02").await;
        assert_eq!(body["outlets"][0]["code"], "FG-1");
        let (status, _) = check("/api/v1/outlets/1/exceedance/daily").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "an air station is not an outlet");
    }

    #[tokio::test]
    async fn wrong_points_and_dates_are_refused() {
        let (status, _) = check("/api/v1/air/stations/2/daily").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a water section is not an air station");
        let (status, _) = check("/api/v1/water/sections/99/monthly").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = check("/api/v1/air/stations/1/daily?from=2026-3-x").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = check("/api/v1/air/daily?date=2026-03-03&x=1").await;
        assert_eq!(status, StatusCode::OK);
    }
}
