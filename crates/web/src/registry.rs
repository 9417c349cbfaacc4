//! The registry API (一企一档), under `/api/v1/registry/…`.
//!
//! - `GET  /api/v1/registry/{kind}`: the records of a kind (`towns`,
//!   `water_bodies`, `sections`, `air_stations`, `noise_points`, `enterprises`,
//!   `outlets`, `permits`, `limits`, `devices`; the singular works too),
//!   optionally `?status=active|retired`.
//! - `GET  /api/v1/registry/{kind}/{key}`: one record (a limit's key is
//!   `permit/outlet/param`).
//! - `POST /api/v1/registry/{kind}`: create or update one record, given as a
//!   JSON object of cells by column (the import layout; `"status": "retired"`
//!   retires), validated exactly like an imported row.
//! - `POST /api/v1/registry/{kind}/retire?key=…`: retire a record.
//! - `POST /api/v1/registry/import?kind=…&format=csv|xlsx`: the request body
//!   is one file; all or nothing.
//! - `GET  /api/v1/registry/export/{kind}.{csv|xlsx}`: download.
//! - `GET  /api/v1/registry/expiring-permits?days=N` (default 60).
//! - `GET  /api/v1/registry/sites`: town and water body of each linked point.
//! - The grid sheet (grid cells: a town's inspectors, primary first) goes
//!   through the same endpoints with the kind `grid`: `GET
//!   /api/v1/registry/grid`, `POST /api/v1/registry/import?kind=grid`,
//!   `GET /api/v1/registry/export/grid.csv` (issue #4).
//! - `GET  /api/v1/registry/emissions?period=YYYY[-MM[-DD]]`: emission totals
//!   per outlet, enterprise, town, industry and district (default: this year).
//!
//! A refused write answers 422 with every problem (line, column, reason).
//! Every change is audited with the signed-in user or API token as the actor.
//! Device passwords are never shown: a device's hash is left out.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::registry::RecordStatus;
use registry::{Format, ImportFile};
use serde::Deserialize;
use store::{RegistryEntity, RegistryKind, RegistryRecord};

use crate::auth::Principal;
use crate::{ApiError, AppState};

pub(crate) mod pages;

fn kind_of(text: &str) -> Result<RegistryKind, ApiError> {
    registry::layout::kind_of_stem(text).ok_or_else(|| {
        let stems: Vec<&str> =
            RegistryKind::ALL.iter().map(|kind| registry::layout::file_stem(*kind)).collect();
        ApiError::NotFound(format!("registry kind {text:?}; expected one of {}", stems.join(", ")))
    })
}

/// Runs registry work on a blocking thread; a refused import becomes 422
/// with every problem, a missing record 404.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, registry::Error> + Send + 'static,
) -> Result<Result<T, Response>, ApiError> {
    let outcome = tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    match outcome {
        Ok(value) => Ok(Ok(value)),
        Err(registry::Error::Rejected { problems }) => {
            let body = serde_json::json!({
                "error": {
                    "zh": format!("校验未通过，未做任何修改：{} 处问题", problems.len()),
                    "en": format!("refused, nothing changed: {} problem(s)", problems.len()),
                },
                "problems": problems,
            });
            Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()))
        }
        Err(registry::Error::Store(store::Error::NotFound { entity, id })) => {
            Err(ApiError::NotFound(format!("{entity} {id}")))
        }
        Err(registry::Error::Store(error)) => Err(ApiError::Store(error)),
        Err(error) => Err(ApiError::Internal(error.to_string())),
    }
}

/// The JSON of a successful outcome, or the refusal response.
fn json_or_refusal<T: serde::Serialize>(outcome: Result<T, Response>) -> Response {
    match outcome {
        Ok(value) => Json(value).into_response(),
        Err(response) => response,
    }
}

/// A record as the API shows it: a device without its password hash.
fn view(mut record: RegistryRecord) -> RegistryRecord {
    if let RegistryEntity::Device(device) = &mut record.entity {
        device.password_hash = String::new();
    }
    record
}

/// Query string of the list endpoint.
#[derive(Debug, Deserialize)]
pub(crate) struct ListParams {
    /// `active` or `retired`; default both.
    status: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    if kind == registry::grid::STEM {
        let store = state.store.clone();
        let cells = match blocking(move || Ok(store.grid_cells()?)).await? {
            Ok(cells) => cells,
            Err(response) => return Ok(response),
        };
        return Ok(Json(cells).into_response());
    }
    let kind = kind_of(&kind)?;
    let status = match &params.status {
        Some(text) => Some(RecordStatus::parse(text).ok_or_else(|| {
            ApiError::BadRequest(format!("status={text:?}: expected active or retired"))
        })?),
        None => None,
    };
    let store = state.store.clone();
    let records = match blocking(move || Ok(store.registry_records(kind)?)).await? {
        Ok(records) => records,
        Err(response) => return Ok(response),
    };
    let records: Vec<RegistryRecord> = records
        .into_iter()
        .filter(|record| status.is_none_or(|status| record.status == status))
        .map(view)
        .collect();
    Ok(Json(records).into_response())
}

pub(crate) async fn get_one(
    State(state): State<AppState>,
    Path((kind, key)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&kind)?;
    let store = state.store.clone();
    let lookup = key.clone();
    let record = match blocking(move || Ok(store.registry_record(kind, &lookup)?)).await? {
        Ok(record) => record,
        Err(response) => return Ok(response),
    };
    match record {
        Some(record) => Ok(Json(view(record)).into_response()),
        None => Err(ApiError::NotFound(format!("{} {key}", kind.as_str()))),
    }
}

fn cell_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Bool(value) => if *value { "yes" } else { "no" }.to_owned(),
        serde_json::Value::Array(items) => {
            items.iter().map(cell_text).collect::<Vec<_>>().join(";")
        }
        other => other.to_string(),
    }
}

pub(crate) async fn upsert(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(kind): Path<String>,
    Json(cells): Json<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&kind)?;
    let cells: Vec<(String, String)> =
        cells.iter().map(|(column, value)| (column.clone(), cell_text(value))).collect();
    let store = state.store.clone();
    let at = state.clock.now();
    let actor = principal.actor();
    let outcome = blocking(move || {
        let file = registry::import::row_file("request", kind, &cells)?;
        registry::import::import(store.as_ref(), &[file], &actor, at, false)
    })
    .await?;
    Ok(json_or_refusal(outcome))
}

/// Query string of the retire endpoint.
#[derive(Debug, Deserialize)]
pub(crate) struct RetireParams {
    /// The record's key.
    key: String,
}

pub(crate) async fn retire(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(kind): Path<String>,
    Query(params): Query<RetireParams>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&kind)?;
    let store = state.store.clone();
    let at = state.clock.now();
    let actor = principal.actor();
    let outcome =
        blocking(move || registry::import::retire(store.as_ref(), kind, &params.key, &actor, at))
            .await?;
    Ok(json_or_refusal(outcome))
}

/// Query string of the import endpoint.
#[derive(Debug, Deserialize)]
pub(crate) struct ImportParams {
    /// The kind of the file's rows.
    kind: String,
    /// `csv` (default) or `xlsx`.
    format: Option<String>,
}

fn format_of(text: &str) -> Result<Format, ApiError> {
    match text {
        "csv" => Ok(Format::Csv),
        "xlsx" => Ok(Format::Xlsx),
        _ => Err(ApiError::BadRequest(format!("format {text:?}: expected csv or xlsx"))),
    }
}

pub(crate) async fn import(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<ImportParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let format = format_of(params.format.as_deref().unwrap_or("csv"))?;
    let store = state.store.clone();
    let at = state.clock.now();
    let actor = principal.actor();
    if params.kind == registry::grid::STEM {
        let name = format!("{}.{}", registry::grid::STEM, format.extension());
        let file = registry::grid::GridFile { name, format, bytes: body.to_vec() };
        let outcome = blocking(move || {
            registry::grid::import(store.as_ref(), &[], &[file], &actor, at, false)
                .map(|(_, grid)| grid)
        })
        .await?;
        return Ok(json_or_refusal(outcome));
    }
    let kind = kind_of(&params.kind)?;
    let file = ImportFile {
        name: format!("{}.{}", registry::layout::file_stem(kind), format.extension()),
        kind,
        format,
        bytes: body.to_vec(),
    };
    let outcome =
        blocking(move || registry::import::import(store.as_ref(), &[file], &actor, at, false))
            .await?;
    Ok(json_or_refusal(outcome))
}

pub(crate) async fn export(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let (stem, extension) = file
        .rsplit_once('.')
        .ok_or_else(|| ApiError::NotFound(format!("{file}: expected <kind>.csv or <kind>.xlsx")))?;
    let format = format_of(extension)?;
    let store = state.store.clone();
    let (stem, export) = if stem == registry::grid::STEM {
        (stem.to_owned(), blocking(move || registry::grid::export(store.as_ref(), format)).await?)
    } else {
        let kind = kind_of(stem)?;
        let stem = registry::layout::file_stem(kind).to_owned();
        (stem, blocking(move || registry::export::export(store.as_ref(), kind, format)).await?)
    };
    let bytes = match export {
        Ok(bytes) => bytes,
        Err(response) => return Ok(response),
    };
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    let disposition = format!("attachment; filename=\"{stem}.{}\"", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// Query string of the expiring-permits endpoint.
#[derive(Debug, Deserialize)]
pub(crate) struct ExpiringParams {
    /// Days ahead; default [`registry::expiry::DEFAULT_WARNING_DAYS`].
    days: Option<u32>,
}

pub(crate) async fn expiring_permits(
    State(state): State<AppState>,
    Query(params): Query<ExpiringParams>,
) -> Result<Response, ApiError> {
    let days = params.days.unwrap_or(registry::expiry::DEFAULT_WARNING_DAYS);
    let today = state.clock.now().to_beijing().date();
    let store = state.store.clone();
    let outcome =
        blocking(move || registry::expiry::expiring_permits(store.as_ref(), today, days)).await?;
    Ok(json_or_refusal(outcome))
}

pub(crate) async fn sites(State(state): State<AppState>) -> Result<Response, ApiError> {
    let store = state.store.clone();
    Ok(json_or_refusal(blocking(move || Ok(store.sites()?)).await?))
}

/// Query string of the emissions endpoint.
#[derive(Debug, Deserialize)]
pub(crate) struct EmissionParams {
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (Beijing); default the current year.
    period: Option<String>,
}

pub(crate) async fn emissions(
    State(state): State<AppState>,
    Query(params): Query<EmissionParams>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let period = match &params.period {
        Some(text) => registry::totals::Period::parse(text).ok_or_else(|| {
            ApiError::BadRequest(format!("period={text:?}: expected YYYY-MM-DD, YYYY-MM or YYYY"))
        })?,
        None => registry::totals::current_year(now),
    };
    let store = state.store.clone();
    let outcome =
        blocking(move || registry::totals::emission_totals(store.as_ref(), period, now)).await?;
    Ok(json_or_refusal(outcome))
}

#[cfg(test)]
mod tests;
