//! Handlers of the JSON API.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use chrono::DateTime;
use model::{DataKind, Instant, ParamCode, PointId, Reading};
use serde::{Deserialize, Serialize};
use store::{RawQuery, ReadingQuery};

use crate::auth::Principal;
use crate::{ApiError, AppState};

/// Most readings one query returns.
const MAX_READINGS: usize = 100_000;

pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, store::Error> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?
        .map_err(Into::into)
}

pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

pub(crate) async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &state.registry)
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok((
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        text,
    ))
}

/// `GET /api/v1/points`: the points the principal may see (an enterprise
/// user: its own enterprise's).
pub(crate) async fn points(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<impl IntoResponse, ApiError> {
    let store = state.store.clone();
    let points = blocking(move || store.points()).await?;
    let visible: Vec<_> = points.into_iter().filter(|point| principal.can_see(point)).collect();
    Ok(Json(visible))
}

/// Query string of `/api/v1/latest`.
#[derive(Debug, Deserialize)]
pub(crate) struct LatestParams {
    /// `realtime`, `minute`, `hour` or `day`; default `minute`.
    kind: Option<String>,
}

/// `GET /api/v1/latest?kind=minute`: the latest value of every parameter of
/// every point the principal may see, in one store query (what a live
/// overview or a map needs).
pub(crate) async fn latest(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<LatestParams>,
) -> Result<impl IntoResponse, ApiError> {
    let kind = parse_kind(params.kind.as_deref())?;
    let store = state.store.clone();
    let (points, readings) =
        blocking(move || Ok((store.points()?, store.latest_readings(kind)?))).await?;
    let visible: std::collections::HashSet<PointId> =
        points.iter().filter(|point| principal.can_see(point)).map(|point| point.id).collect();
    let views: Vec<serde_json::Value> = readings
        .into_iter()
        .filter(|reading| visible.contains(&reading.key.point))
        .map(|reading| {
            let point = reading.key.point;
            let mut view = serde_json::to_value(reading_view(reading)).unwrap_or_default();
            view["point"] = serde_json::json!(point);
            view
        })
        .collect();
    Ok(Json(serde_json::json!({ "kind": kind.as_str(), "count": views.len(), "latest": views })))
}

/// Parses `kind=` (default minute).
pub(crate) fn parse_kind(text: Option<&str>) -> Result<DataKind, ApiError> {
    match text {
        None | Some("") => Ok(DataKind::Minute),
        Some(text) => DataKind::parse(text).ok_or_else(|| {
            ApiError::BadRequest(format!("kind={text:?}: expected realtime, minute, hour or day"))
        }),
    }
}

/// A device as the API shows it: never its password hash.
#[derive(Debug, Serialize)]
struct DeviceView {
    id: model::DeviceId,
    mn: String,
    protocol: String,
    point: PointId,
    simulated: bool,
    last_seen: Option<Instant>,
    last_peer: Option<String>,
}

pub(crate) async fn devices(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let store = state.store.clone();
    let devices = blocking(move || store.devices()).await?;
    let views: Vec<DeviceView> = devices
        .into_iter()
        .map(|record| DeviceView {
            id: record.id,
            mn: record.device.mn.to_string(),
            protocol: record.device.protocol,
            point: record.device.point,
            simulated: record.device.simulated,
            last_seen: record.last_seen,
            last_peer: record.last_peer,
        })
        .collect();
    Ok(Json(views))
}

/// Query string of `/api/v1/points/{point}/readings`.
#[derive(Debug, Deserialize)]
pub(crate) struct ReadingParams {
    /// `realtime`, `minute`, `hour` or `day`; default `minute`.
    kind: Option<String>,
    /// RFC 3339 start (inclusive); default 24 hours before `to`.
    from: Option<String>,
    /// RFC 3339 end (exclusive); default now.
    to: Option<String>,
    /// Comma-separated parameter codes; default all.
    param: Option<String>,
    /// Most readings; default 10,000.
    limit: Option<usize>,
}

/// One reading in the API's shape: HJ 212 field names, times in UTC and Beijing.
#[derive(Debug, Serialize)]
pub(crate) struct ReadingView {
    param: String,
    data_time: Instant,
    data_time_beijing: String,
    #[serde(flatten)]
    values: BTreeMap<&'static str, serde_json::Value>,
    /// Who corrected the current version, when and why; absent when as received.
    #[serde(skip_serializing_if = "Option::is_none")]
    corrected: Option<store::CorrectionMarker>,
}

pub(crate) fn reading_view(reading: Reading) -> ReadingView {
    let values = reading.values;
    let mut fields = BTreeMap::new();
    let numbers = [
        ("Rtd", values.rtd),
        ("Min", values.min),
        ("Avg", values.avg),
        ("Max", values.max),
        ("ZsRtd", values.zs_rtd),
        ("ZsMin", values.zs_min),
        ("ZsAvg", values.zs_avg),
        ("ZsMax", values.zs_max),
        ("Cou", values.cou),
    ];
    for (name, value) in numbers {
        if let Some(value) = value {
            fields.insert(name, serde_json::json!(value));
        }
    }
    for (name, value) in
        [("Flag", values.flag), ("EFlag", values.eflag), ("SampleTime", values.sample_time)]
    {
        if let Some(value) = value {
            fields.insert(name, serde_json::Value::String(value));
        }
    }
    ReadingView {
        param: reading.key.param.to_string(),
        data_time: reading.key.data_time,
        data_time_beijing: reading.key.data_time.to_beijing().to_string(),
        values: fields,
        corrected: None,
    }
}

pub(crate) fn parse_instant(name: &str, text: &str) -> Result<Instant, ApiError> {
    DateTime::parse_from_rfc3339(text).map(|time| Instant(time.to_utc())).map_err(|error| {
        ApiError::BadRequest(format!("{name}={text:?} is not an RFC 3339 time: {error}"))
    })
}

pub(crate) async fn readings(
    State(state): State<AppState>,
    Path(point): Path<i64>,
    Query(params): Query<ReadingParams>,
) -> Result<impl IntoResponse, ApiError> {
    let kind = parse_kind(params.kind.as_deref())?;
    let to = match params.to.as_deref() {
        Some(text) => parse_instant("to", text)?,
        None => state.clock.now(),
    };
    let from = match params.from.as_deref() {
        Some(text) => parse_instant("from", text)?,
        None => Instant(to.0 - chrono::Duration::hours(24)),
    };
    let mut codes = Vec::new();
    for code in params.param.as_deref().unwrap_or("").split(',').filter(|code| !code.is_empty()) {
        codes
            .push(ParamCode::parse(code).map_err(|error| ApiError::BadRequest(error.to_string()))?);
    }
    let query = ReadingQuery {
        point: PointId(point),
        kind,
        params: codes,
        from,
        to,
        limit: params.limit.unwrap_or(10_000).min(MAX_READINGS),
    };
    let store = state.store.clone();
    let readings = blocking(move || store.marked_readings(&query)).await?;
    let n_readings = readings.len();
    let views: Vec<ReadingView> = readings
        .into_iter()
        .map(|marked| ReadingView { corrected: marked.corrected, ..reading_view(marked.reading) })
        .collect();
    Ok(Json(serde_json::json!({
        "point": point,
        "kind": kind.as_str(),
        "from": from,
        "to": to,
        "count": n_readings,
        "readings": views,
    })))
}

/// Query string of `/api/v1/raw`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawParams {
    mn: Option<String>,
    verdict: Option<String>,
    limit: Option<usize>,
}

pub(crate) async fn raw_packets(
    State(state): State<AppState>,
    Query(params): Query<RawParams>,
) -> Result<impl IntoResponse, ApiError> {
    let query = RawQuery {
        mn: params.mn,
        verdict: params.verdict,
        limit: params.limit.unwrap_or(100).min(10_000),
    };
    let store = state.store.clone();
    let records = blocking(move || store.raw_packets(&query)).await?;
    let views: Vec<serde_json::Value> = records
        .into_iter()
        .map(|record| {
            serde_json::json!({
                "id": record.id,
                "received_at": record.raw.received_at,
                "peer": record.raw.peer,
                "mn": record.raw.mn,
                "cn": record.raw.cn,
                "verdict": record.raw.verdict.label(),
                "reason": record.raw.verdict.reason(),
                "deviations": record.raw.deviations,
                "packet": String::from_utf8_lossy(&record.raw.bytes),
            })
        })
        .collect();
    Ok(Json(views))
}
