//! Corrections of readings (#4): `POST /api/v1/points/{point}/readings/correct`
//! (analyst) adds a new version of one reading with the signed-in user, the
//! time and the reason; `GET /api/v1/points/{point}/readings/history` (inspector)
//! lists every version. The reading as received is never changed; the readings
//! API shows the current version with its `corrected` marker.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::response::IntoResponse;
use model::{DataKind, Instant, ParamCode, PointId, ReadingKey};
use serde::Deserialize;
use serde_json::json;
use store::{NewCorrection, Store, patch_values};

use crate::api::{blocking, parse_instant};
use crate::auth::Principal;
use crate::{ApiError, AppState};

/// Which reading: its kind, data time and parameter (the point is in the path).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadingParams {
    /// `realtime`, `minute`, `hour` or `day`.
    kind: String,
    /// The reading's data time, RFC 3339.
    data_time: String,
    /// The parameter code, e.g. `a21026`.
    param: String,
}

/// Body of `POST /api/v1/points/{point}/readings/correct`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CorrectBody {
    #[serde(flatten)]
    reading: ReadingParams,
    /// The fields to change, HJ 212 names (`{"Avg": 12.5, "Flag": "N"}`); `null` removes one.
    values: serde_json::Map<String, serde_json::Value>,
    /// Why (required).
    reason: String,
}

fn reading_key(point: i64, params: &ReadingParams) -> Result<ReadingKey, ApiError> {
    let kind = DataKind::parse(&params.kind).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "kind {:?}: expected realtime, minute, hour or day",
            params.kind
        ))
    })?;
    let param = ParamCode::parse(&params.param)
        .map_err(|error| ApiError::BadRequest(format!("param: {error}")))?;
    let data_time: Instant = parse_instant("data_time", &params.data_time)?;
    Ok(ReadingKey { point: PointId(point), param, kind, data_time })
}

/// Applies `patch` to the current version of `key` and stores the result.
pub(crate) fn correct(
    store: &dyn Store,
    key: ReadingKey,
    patch: &serde_json::Map<String, serde_json::Value>,
    reason: String,
    actor: &str,
    now: Instant,
) -> store::Result<store::ReadingVersion> {
    let history = store.reading_history(&key)?;
    let Some(current) = history.last() else {
        return Err(store::Error::NotFound { entity: "reading", id: describe(&key) });
    };
    let values = patch_values(&current.values, patch)?;
    let base_version = Some(current.version);
    store.correct_reading(&NewCorrection { key, values, reason, base_version }, actor, now)
}

fn describe(key: &ReadingKey) -> String {
    format!("{} {} {} of point {}", key.kind.as_str(), key.param, key.data_time, key.point)
}

pub(crate) async fn correct_reading(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(point): Path<i64>,
    Json(body): Json<CorrectBody>,
) -> Result<impl IntoResponse, ApiError> {
    let key = reading_key(point, &body.reading)?;
    let (store, now, actor) = (state.store.clone(), state.clock.now(), principal.actor());
    let version =
        blocking(move || correct(store.as_ref(), key, &body.values, body.reason, &actor, now))
            .await?;
    Ok(Json(version))
}

pub(crate) async fn history(
    State(state): State<AppState>,
    Path(point): Path<i64>,
    Query(params): Query<ReadingParams>,
) -> Result<impl IntoResponse, ApiError> {
    let key = reading_key(point, &params)?;
    let store = state.store.clone();
    let lookup = key.clone();
    let versions = blocking(move || store.reading_history(&lookup)).await?;
    if versions.is_empty() {
        return Err(ApiError::NotFound(format!("reading {}", describe(&key))));
    }
    Ok(Json(json!({
        "point": point,
        "kind": key.kind.as_str(),
        "param": key.param.as_str(),
        "data_time": key.data_time,
        "data_time_beijing": key.data_time.to_beijing().to_string(),
        "versions": versions,
    })))
}

pub(crate) mod marker;

#[cfg(test)]
mod tests;
