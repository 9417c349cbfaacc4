//! The alarm API under `/api/v1/alarms`: list (filters `state`, `point`,
//! `rule`), every matching alarm a page at a time (`/api/v1/alarms/page`,
//! keyset paging with a `next` token), detail with history, acknowledge, close (note required, optional
//! base64 attachment), assign, the attachment itself, and the notification
//! outbox (`status=dead` lists the dead letters).
//!
//! The actor recorded on changes is `api` until accounts land; the store
//! takes it as a parameter, so only this file changes then.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use base64::Engine as _;
use model::PointId;
use model::alarm::{AlarmId, AlarmState, Rule};
use serde::Deserialize;
use serde_json::json;
use store::{AlarmCursor, AlarmQuery, Attachment, NotificationStatus};

use crate::api::blocking;
use crate::auth::Principal;
use crate::inbox::cursor::PageToken;
use crate::inbox::{PageStart, read_page};
use crate::{ApiError, AppState};

/// Largest attachment accepted, in bytes (decoded).
pub(crate) const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// Query string of `GET /api/v1/alarms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    /// `open`, `acknowledged` or `closed`.
    state: Option<String>,
    /// A point id.
    point: Option<i64>,
    /// A rule name, e.g. `exceedance`.
    rule: Option<String>,
    /// At most this many (default 100, at most 1000).
    limit: Option<usize>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<impl IntoResponse, ApiError> {
    let (alarm_state, rule) = parse_filters(params.state.as_deref(), params.rule.as_deref())?;
    let query = AlarmQuery {
        state: alarm_state,
        point: params.point.map(PointId),
        rule,
        limit: params.limit.unwrap_or(100).clamp(1, 1000),
        ..AlarmQuery::default()
    };
    let store = state.store.clone();
    Ok(Json(blocking(move || store.alarms(&query)).await?))
}

/// The `state` and `rule` filters of a query string.
fn parse_filters(
    state: Option<&str>,
    rule: Option<&str>,
) -> Result<(Option<AlarmState>, Option<Rule>), ApiError> {
    let state = state
        .map(|text| {
            AlarmState::parse(text).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "state {text:?}: expected open, acknowledged or closed"
                ))
            })
        })
        .transpose()?;
    let rule = rule
        .map(|text| {
            Rule::parse(text).ok_or_else(|| ApiError::BadRequest(format!("unknown rule {text:?}")))
        })
        .transpose()?;
    Ok((state, rule))
}

/// Query string of `GET /api/v1/alarms/page`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageParams {
    /// `open`, `acknowledged` or `closed`; every state when absent.
    state: Option<String>,
    /// A point id.
    point: Option<i64>,
    /// A rule name, e.g. `exceedance`.
    rule: Option<String>,
    /// At most this many a page (default 100, at most 1000).
    limit: Option<usize>,
    /// The `next` token of the page before; the first page without it.
    after: Option<String>,
}

/// `GET /api/v1/alarms/page`: every alarm matching the filters, a page at a
/// time, newest opened first (the inbox's keyset order, `store::alarm_page`),
/// as `{"alarms": [...], "next": token or null, "total": n}`. Following
/// `next` reaches the oldest alarm however many there are; an alarm opened
/// meanwhile does not repeat or hide a row. The alarms come without their
/// evidence (`null`; the detail has it). A token this API did not write is
/// refused (400).
pub(crate) async fn page(
    State(state): State<AppState>,
    Query(params): Query<PageParams>,
) -> Result<impl IntoResponse, ApiError> {
    let (alarm_state, rule) = parse_filters(params.state.as_deref(), params.rule.as_deref())?;
    let token = params
        .after
        .as_deref()
        .map(|text| {
            PageToken::decode(text).ok_or_else(|| {
                ApiError::BadRequest(format!("after {text:?}: not a `next` token of this API"))
            })
        })
        .transpose()?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let query = AlarmQuery { point: params.point.map(PointId), rule, ..AlarmQuery::default() };
    let states: Vec<AlarmState> = alarm_state.into_iter().collect();
    let from = token.map_or(PageStart::First, PageStart::After);
    let store = state.store.clone();
    let (page, counts) = blocking(move || {
        let page = read_page(store.as_ref(), &query, &states, from, limit)?;
        Ok((page, store.alarm_count_in(&query, &states)?))
    })
    .await?;
    let place = page.start + page.alarms.len() as u64;
    let next = page
        .alarms
        .last()
        .filter(|_| page.has_next)
        .map(|last| PageToken { cursor: AlarmCursor::of(last), place }.encode());
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let alarms = page.alarms;
    Ok(Json(json!({ "alarms": alarms, "next": next, "total": total })))
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let store = state.store.clone();
    let id = AlarmId(id);
    let (alarm, history) =
        blocking(move || Ok((store.alarm(id)?, store.alarm_history(id)?))).await?;
    let alarm = alarm.ok_or_else(|| ApiError::NotFound(format!("alarm {id}")))?;
    Ok(Json(json!({
        "alarm": alarm,
        "rule_zh": alarm.key.rule.name_zh(),
        "state_zh": alarm.state.name_zh(),
        "severity_zh": alarm.severity.name_zh(),
        "history": history,
    })))
}

pub(crate) async fn attachment(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let store = state.store.clone();
    let file = blocking(move || store.alarm_attachment(AlarmId(id)))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("attachment of alarm {id}")))?;
    Ok(([(header::CONTENT_TYPE, file.media_type)], file.bytes))
}

pub(crate) async fn acknowledge(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let (store, now, actor) = (state.store.clone(), state.clock.now(), principal.actor());
    Ok(Json(blocking(move || store.acknowledge_alarm(AlarmId(id), &actor, now)).await?))
}

/// Body of `POST /api/v1/alarms/{id}/close`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CloseBody {
    /// What was done (required, not blank).
    note: String,
    /// An optional file.
    attachment: Option<AttachmentBody>,
}

/// An attachment in a close request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttachmentBody {
    /// File name.
    name: String,
    /// Media type, e.g. `image/jpeg`.
    media_type: String,
    /// The bytes, standard base64.
    base64: String,
}

pub(crate) async fn close(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
    Json(body): Json<CloseBody>,
) -> Result<impl IntoResponse, ApiError> {
    let attachment = body
        .attachment
        .map(|file| {
            let bytes =
                base64::engine::general_purpose::STANDARD.decode(file.base64.as_bytes()).map_err(
                    |error| ApiError::BadRequest(format!("attachment is not base64: {error}")),
                )?;
            if bytes.len() > MAX_ATTACHMENT_BYTES {
                return Err(ApiError::BadRequest(format!(
                    "attachment of {} bytes is larger than {MAX_ATTACHMENT_BYTES}",
                    bytes.len()
                )));
            }
            Ok(Attachment { name: file.name, media_type: file.media_type, bytes })
        })
        .transpose()?;
    let (store, now, actor) = (state.store.clone(), state.clock.now(), principal.actor());
    Ok(Json(
        blocking(move || {
            store.close_alarm(AlarmId(id), &actor, now, &body.note, attachment.as_ref())
        })
        .await?,
    ))
}

/// Body of `POST /api/v1/alarms/{id}/assign`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignBody {
    /// Who handles it.
    assignee: String,
}

pub(crate) async fn assign(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
    Json(body): Json<AssignBody>,
) -> Result<impl IntoResponse, ApiError> {
    let (store, now, actor) = (state.store.clone(), state.clock.now(), principal.actor());
    Ok(Json(blocking(move || store.assign_alarm(AlarmId(id), &actor, now, &body.assignee)).await?))
}

/// Query string of `GET /api/v1/alarms/notifications`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotificationParams {
    /// `pending`, `delivered` or `dead`.
    status: Option<String>,
    /// At most this many (default 100, at most 1000).
    limit: Option<usize>,
}

pub(crate) async fn notifications(
    State(state): State<AppState>,
    Query(params): Query<NotificationParams>,
) -> Result<impl IntoResponse, ApiError> {
    let status = params
        .status
        .as_deref()
        .map(|text| {
            NotificationStatus::parse(text).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "status {text:?}: expected pending, delivered or dead"
                ))
            })
        })
        .transpose()?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let store = state.store.clone();
    Ok(Json(blocking(move || store.notifications(status, limit)).await?))
}

#[cfg(test)]
mod tests;
