//! The plan's indicators over HTTP, under `/api/v1/plan/…`: the plan, every
//! indicator's value and status in a year, one indicator's drill-down and
//! trend, entered values and city-assigned targets (multipart, with their
//! evidence documents), the documents, and the assessment report (HTML or XLSX).
//!
//! Accounts and roles are not wired yet: changes are recorded with the
//! actor `api` until the web side supplies the signed-in user.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use model::Clock;
use plan::{Plan, SiteSource};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{NewCityTarget, NewPlanDocument, NewPlanValue, Store};

use crate::ApiError;

/// The actor recorded for changes made through the API until accounts exist.
pub const API_ACTOR: &str = "api";

/// What the plan handlers reach.
#[derive(Clone)]
pub struct PlanState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The plan (shipped or loaded from the configured file).
    pub plan: Arc<Plan>,
    /// Where the monitoring sites come from.
    pub sites: Arc<dyn SiteSource>,
    /// Where emission amounts come from (indicator 11; [`crate::RegistryEmissions`]).
    pub emissions: Arc<dyn plan::EmissionSource>,
    /// The clock, for entry times and default years.
    pub clock: Arc<dyn Clock>,
}

/// The plan routes, to merge into the main router.
pub fn routes(state: PlanState) -> Router {
    let upload_limit = DefaultBodyLimit::max(plan::entry::MAX_DOCUMENT_BYTES + 64 * 1024);
    Router::new()
        .route("/api/v1/plan", get(show_plan))
        .route("/api/v1/plan/years/{year}", get(year))
        .route("/api/v1/plan/reports/{year}", get(report))
        .route("/api/v1/plan/indicators/{id}/years/{year}", get(indicator_year))
        .route("/api/v1/plan/indicators/{id}/years/{year}/history", get(value_history))
        .route("/api/v1/plan/indicators/{id}/trend", get(trend))
        .route(
            "/api/v1/plan/indicators/{id}/values",
            axum::routing::post(enter_value).layer(upload_limit),
        )
        .route(
            "/api/v1/plan/indicators/{id}/city-target",
            get(city_target_history).post(set_city_target).layer(upload_limit),
        )
        .route("/api/v1/plan/documents/{document}", get(document))
        .with_state(state)
}

fn plan_error(error: plan::Error) -> ApiError {
    match error {
        plan::Error::Store(error) => ApiError::Store(error),
        plan::Error::UnknownIndicator(_) => ApiError::NotFound(error.to_string()),
        plan::Error::YearOutOfRange(_) | plan::Error::InvalidEntry { .. } => {
            ApiError::BadRequest(error.to_string())
        }
        other => ApiError::Internal(other.to_string()),
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?
}

/// Runs `work` with an assessment context on a blocking thread.
async fn with_context<T: Send + 'static>(
    state: PlanState,
    work: impl FnOnce(&plan::Context<'_>) -> plan::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    blocking(move || {
        let sites = state.sites.sites(state.store.as_ref()).map_err(plan_error)?;
        let context = plan::Context {
            plan: &state.plan,
            store: state.store.as_ref(),
            sites: &sites,
            emissions: state.emissions.as_ref(),
        };
        work(&context).map_err(plan_error)
    })
    .await
}

fn check_year(state: &PlanState, year: i32) -> Result<(), ApiError> {
    plan::entry::check_year(&state.plan, year).map_err(plan_error)
}

async fn show_plan(State(state): State<PlanState>) -> Json<Value> {
    Json(json!({ "plan": state.plan.as_ref() }))
}

async fn year(
    State(state): State<PlanState>,
    Path(year): Path<i32>,
) -> Result<Json<Value>, ApiError> {
    check_year(&state, year)?;
    let assessment = with_context(state, move |context| plan::assess_year(context, year)).await?;
    Ok(Json(json!(assessment)))
}

async fn indicator_year(
    State(state): State<PlanState>,
    Path((id, year)): Path<(String, i32)>,
) -> Result<Json<Value>, ApiError> {
    check_year(&state, year)?;
    let result =
        with_context(state, move |context| plan::assess_indicator(context, &id, year)).await?;
    Ok(Json(json!(result)))
}

/// Query string of the trend endpoint.
#[derive(Debug, Deserialize)]
pub(crate) struct TrendQuery {
    /// Last year of the series; default the current Beijing year, at most
    /// the plan's target year.
    to: Option<i32>,
}

async fn trend(
    State(state): State<PlanState>,
    Path(id): Path<String>,
    Query(query): Query<TrendQuery>,
) -> Result<Json<Value>, ApiError> {
    let this_year = model::time::beijing_year(state.clock.now());
    let to = query.to.unwrap_or(this_year.min(state.plan.target_year));
    check_year(&state, to)?;
    let points = with_context(state, move |context| plan::trend(context, &id, to)).await?;
    Ok(Json(json!({ "to": to, "points": points })))
}

/// Runs a history query of a known indicator on a blocking thread.
async fn history<T: serde::Serialize + Send + 'static>(
    state: PlanState,
    id: String,
    query: impl FnOnce(&dyn Store, &str, &str) -> Result<Vec<T>, store::Error> + Send + 'static,
) -> Result<Json<Value>, ApiError> {
    if state.plan.indicator(&id).is_none() {
        return Err(ApiError::NotFound(format!("indicator {id:?}")));
    }
    let versions = blocking(move || Ok(query(state.store.as_ref(), &state.plan.id, &id)?)).await?;
    Ok(Json(json!({ "versions": versions })))
}

async fn value_history(
    State(state): State<PlanState>,
    Path((id, year)): Path<(String, i32)>,
) -> Result<Json<Value>, ApiError> {
    history(state, id, move |store, plan, id| store.plan_value_history(plan, id, year)).await
}

async fn city_target_history(
    State(state): State<PlanState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    history(state, id, |store, plan, id| store.city_target_history(plan, id)).await
}

/// The fields of an entry form.
#[derive(Default)]
struct Form {
    year: Option<String>,
    value: Option<String>,
    note: String,
    document: Option<NewPlanDocument>,
}

async fn read_form(mut multipart: Multipart, file_field: &str) -> Result<Form, ApiError> {
    let bad = |error: axum::extract::multipart::MultipartError| {
        ApiError::BadRequest(format!("multipart body: {error}"))
    };
    let mut form = Form::default();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == file_field {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let media_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
            let bytes = field.bytes().await.map_err(bad)?.to_vec();
            form.document = Some(NewPlanDocument { file_name, media_type, bytes });
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        match name.as_str() {
            "year" => form.year = Some(text),
            "value" => form.value = Some(text),
            "note" => form.note = text,
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown field {other:?} (expected year, value, note, {file_field})"
                )));
            }
        }
    }
    Ok(form)
}

fn required<T: std::str::FromStr>(name: &str, text: Option<String>) -> Result<T, ApiError> {
    let text = text.ok_or_else(|| ApiError::BadRequest(format!("field {name} is missing")))?;
    text.trim()
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("field {name}={text:?} is not a number")))
}

async fn enter_value(
    State(state): State<PlanState>,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Json<Value>, ApiError> {
    let form = read_form(multipart, "evidence").await?;
    let entry = NewPlanValue {
        plan: state.plan.id.clone(),
        indicator: id,
        year: required("year", form.year)?,
        value: required("value", form.value)?,
        note: form.note,
        document: form.document,
    };
    let at = state.clock.now();
    let stored = blocking(move || {
        plan::entry::enter_value(state.store.as_ref(), &state.plan, &entry, API_ACTOR, at)
            .map_err(plan_error)
    })
    .await?;
    Ok(Json(json!({ "stored": stored })))
}

async fn set_city_target(
    State(state): State<PlanState>,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Json<Value>, ApiError> {
    let form = read_form(multipart, "document").await?;
    let document = form.document.ok_or_else(|| {
        ApiError::BadRequest("field document (the assigning document) is missing".to_owned())
    })?;
    let target = NewCityTarget {
        plan: state.plan.id.clone(),
        indicator: id,
        value: required("value", form.value)?,
        note: form.note,
        document,
    };
    let at = state.clock.now();
    let stored = blocking(move || {
        plan::entry::set_city_target(state.store.as_ref(), &state.plan, &target, API_ACTOR, at)
            .map_err(plan_error)
    })
    .await?;
    Ok(Json(json!({ "stored": stored })))
}

async fn document(
    State(state): State<PlanState>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let store = state.store.clone();
    let document = blocking(move || Ok(store.plan_document(id)?))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("document {id}")))?;
    let disposition = format!(
        "attachment; filename=\"document-{id}\"; filename*=UTF-8''{}",
        percent_encode(&document.info.file_name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, document.info.media_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        document.bytes,
    )
        .into_response())
}

/// RFC 5987 percent-encoding of a file name.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Query string of the report endpoint.
#[derive(Debug, Deserialize)]
pub(crate) struct ReportQuery {
    /// `html` (default) or `xlsx`.
    format: Option<String>,
}

async fn report(
    State(state): State<PlanState>,
    Path(year): Path<i32>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    check_year(&state, year)?;
    let format = query.format.unwrap_or_else(|| "html".to_owned());
    let name = format!("{}-{year}", state.plan.id);
    match format.as_str() {
        "html" => {
            let page = with_context(state, move |context| {
                plan::report::html(&plan::assess_year(context, year)?)
            })
            .await?;
            Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned())], page)
                .into_response())
        }
        "xlsx" => {
            let bytes = with_context(state, move |context| {
                plan::report::xlsx(&plan::assess_year(context, year)?)
            })
            .await?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.xlsx\"")),
                ],
                bytes,
            )
                .into_response())
        }
        other => Err(ApiError::BadRequest(format!("format={other:?}: expected html or xlsx"))),
    }
}
