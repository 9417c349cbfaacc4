//! Per-area results as JSON (issue #7): air per town and for the district,
//! water per water body and for the district's basin.
//!
//! The areas and their points come from the registry and the results are
//! computed on request by [`evaluation::area`] from the stored hours, in the
//! standards' vocabulary (`aqi`, `level`, `category`, `primary`, `edition`,
//! `class`, `shares`, `status`); `hour_label` says how hours are labelled.
//!
//! - `GET /api/v1/air/areas`, `GET /api/v1/water/areas`: the areas with their points;
//! - `GET /api/v1/air/areas/{area}?from=YYYY-MM-DD&to=YYYY-MM-DD`: the area's
//!   daily AQI (from the hourly mean of its stations) and period statistics,
//!   and each station's period statistics;
//! - `GET /api/v1/water/areas/{area}?from=…&to=…`: each section's class over
//!   the range and the area's grade by the share of sections in each class.
//!
//! `{area}` is `district`, a town code (air) or a water body code (water).
//! The range defaults to the 30 days ending today (Beijing) and may hold at
//! most [`evaluation::area::MAX_DAYS`] days.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};

use crate::derived::{DateRange, blocking, date_range};
use crate::{ApiError, AppState};

/// An evaluation error as the API reports it: a bad range is the client's.
fn api_error(error: evaluation::Error) -> ApiError {
    match error {
        evaluation::Error::Range { .. } => ApiError::BadRequest(error.to_string()),
        evaluation::Error::Store(error) => ApiError::from(error),
        other => ApiError::Internal(other.to_string()),
    }
}

type Lister = fn(&dyn store::Store) -> evaluation::Result<Vec<evaluation::area::Area>>;
type Evaluate = fn(
    &dyn store::Store,
    &evaluation::area::Area,
    chrono::NaiveDate,
    chrono::NaiveDate,
) -> evaluation::Result<Value>;

/// Runs `work` on a blocking thread with evaluation errors mapped.
async fn run<T: Send + 'static>(
    work: impl FnOnce() -> evaluation::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    blocking(move || Ok(work())).await?.map_err(api_error)
}

async fn list(state: AppState, areas: Lister) -> Result<Json<Value>, ApiError> {
    let store = state.store.clone();
    let areas = run(move || areas(store.as_ref())).await?;
    let areas: Vec<Value> = areas.iter().map(evaluation::area::Area::summary_json).collect();
    Ok(Json(json!({ "areas": areas })))
}

async fn one(
    state: AppState,
    code: String,
    range: DateRange,
    areas: Lister,
    evaluate: Evaluate,
) -> Result<Json<Value>, ApiError> {
    let (from, to) = date_range(&state, &range)?;
    let store = state.store.clone();
    let body = run(move || {
        let found = areas(store.as_ref())?.into_iter().find(|area| area.code == code);
        found.map(|area| evaluate(store.as_ref(), &area, from, to)).transpose()
    })
    .await?;
    body.map(Json).ok_or_else(|| ApiError::NotFound("area".to_owned()))
}

/// `GET /api/v1/air/areas`: the district and each town with air stations.
pub(crate) async fn air_areas(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    list(state, evaluation::area::air_areas).await
}

/// `GET /api/v1/water/areas`: the district's basin and each water body with sections.
pub(crate) async fn water_areas(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    list(state, evaluation::area::water_areas).await
}

/// `GET /api/v1/air/areas/{area}?from=YYYY-MM-DD&to=YYYY-MM-DD`: the area's
/// daily AQI and period statistics (HJ 633, HJ 663, GB 3095).
pub(crate) async fn air_area(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(range): Query<DateRange>,
) -> Result<Json<Value>, ApiError> {
    one(state, code, range, evaluation::area::air_areas, evaluation::area::air_area).await
}

/// `GET /api/v1/water/areas/{area}?from=YYYY-MM-DD&to=YYYY-MM-DD`: the
/// sections' classes and the area's grade by shares (GB 3838-2002, 2011 method).
pub(crate) async fn water_area(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(range): Query<DateRange>,
) -> Result<Json<Value>, ApiError> {
    one(state, code, range, evaluation::area::water_areas, evaluation::area::water_area).await
}
