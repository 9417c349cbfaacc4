//! Per-area results as JSON (issue #7): air per town and for the district,
//! water per water body and for the district's basin.
//!
//! The areas and their points come from the registry and the results are
//! computed by [`evaluation::area`] from the stored hours, in the
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
//! most [`evaluation::area::MAX_DAYS`] days. Air takes `edition=` (`HJ
//! 633-2012`, `HJ 633-2026`, or `by_date`, the default: each day under the
//! edition in force); water has one edition, GB 3838-2002.
//!
//! A result is computed once and kept while nothing it read changes
//! ([`cache`]): a repeated query costs a registry read and a scan of the
//! packets since, and a new reading of the area's points in the range is
//! seen by the next request.

pub(crate) mod cache;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use standards::edition::{AirEdition, EditionChoice};

use crate::derived::{DateRange, blocking, date_range};
use crate::{ApiError, AppState};
use cache::{AreaKey, Domain};

/// An evaluation error as the API reports it: a bad range is the client's.
fn api_error(error: evaluation::Error) -> ApiError {
    match error {
        evaluation::Error::Range { .. } => ApiError::BadRequest(error.to_string()),
        evaluation::Error::Store(error) => ApiError::from(error),
        other => ApiError::Internal(other.to_string()),
    }
}

type Lister = fn(&dyn store::Store) -> evaluation::Result<Vec<evaluation::area::Area>>;

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

/// The `edition` query parameter of the per-area endpoints.
#[derive(Debug, Deserialize)]
pub(crate) struct EditionQuery {
    /// `by_date` (default), `HJ 633-2012` or `HJ 633-2026` (air); `GB 3838-2002` (water).
    edition: Option<String>,
}

impl EditionQuery {
    fn choice(&self, domain: Domain) -> Result<EditionChoice, ApiError> {
        let Some(text) = self.edition.as_deref().map(str::trim) else {
            return Ok(EditionChoice::ByDate);
        };
        let refuse = || {
            let known = match domain {
                Domain::Air => "by_date, HJ 633-2012, HJ 633-2026",
                Domain::Water => "GB 3838-2002",
            };
            ApiError::BadRequest(format!("unknown edition {text:?}; expected one of {known}"))
        };
        match domain {
            Domain::Air if text == "by_date" => Ok(EditionChoice::ByDate),
            Domain::Air => AirEdition::parse(text).map(EditionChoice::Fixed).ok_or_else(refuse),
            Domain::Water if text.replace(' ', "") == "GB3838-2002" => Ok(EditionChoice::ByDate),
            Domain::Water => Err(refuse()),
        }
    }
}

/// One area's results, kept between requests while its data is unchanged.
async fn one(
    state: AppState,
    code: String,
    range: DateRange,
    edition: EditionQuery,
    domain: Domain,
) -> Result<Response, ApiError> {
    let (from, to) = date_range(&state, &range)?;
    let edition = edition.choice(domain)?;
    let hours = evaluation::area::hours_read(from, to).map_err(api_error)?;
    let store = state.store.clone();
    let wanted = code.clone();
    let found = run(move || {
        let areas = match domain {
            Domain::Air => evaluation::area::air_areas(store.as_ref())?,
            Domain::Water => evaluation::area::water_areas(store.as_ref())?,
        };
        let Some(area) = areas.into_iter().find(|area| area.code == wanted) else {
            return Ok(None);
        };
        let inputs = evaluation::area::inputs(store.as_ref(), &area)?;
        Ok(Some((area, inputs)))
    })
    .await?;
    let (area, inputs) = found.ok_or_else(|| ApiError::NotFound("area".to_owned()))?;
    let request = cache::Request {
        key: AreaKey { domain, code, from, to, edition },
        points: area.points.iter().map(|point| point.point).collect(),
        hours,
        inputs,
    };
    let compute = move |store: &dyn store::Store| {
        let body = match domain {
            Domain::Air => evaluation::area::air_area(store, &area, from, to, edition),
            Domain::Water => evaluation::area::water_area(store, &area, from, to),
        }
        .map_err(api_error)?;
        serde_json::to_vec(&body)
            .map(bytes::Bytes::from)
            .map_err(|error| ApiError::Internal(error.to_string()))
    };
    let (body, outcome) = state.web.areas.get(state.store.clone(), request, compute).await?;
    state.web.metrics.area_result(domain.label(), outcome.label());
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// `GET /api/v1/air/areas`: the district and each town with air stations.
pub(crate) async fn air_areas(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    list(state, evaluation::area::air_areas).await
}

/// `GET /api/v1/water/areas`: the district's basin and each water body with sections.
pub(crate) async fn water_areas(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    list(state, evaluation::area::water_areas).await
}

/// `GET /api/v1/air/areas/{area}?from=YYYY-MM-DD&to=YYYY-MM-DD&edition=…`:
/// the area's daily AQI and period statistics (HJ 633, HJ 663, GB 3095).
pub(crate) async fn air_area(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(range): Query<DateRange>,
    Query(edition): Query<EditionQuery>,
) -> Result<Response, ApiError> {
    one(state, code, range, edition, Domain::Air).await
}

/// `GET /api/v1/water/areas/{area}?from=YYYY-MM-DD&to=YYYY-MM-DD`: the
/// sections' classes and target attainment, and the area's grade by shares
/// (GB 3838-2002, 2011 method).
pub(crate) async fn water_area(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(range): Query<DateRange>,
    Query(edition): Query<EditionQuery>,
) -> Result<Response, ApiError> {
    one(state, code, range, edition, Domain::Water).await
}
