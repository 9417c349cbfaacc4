//! The one place where errors become HTTP responses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error a handler returns. Clients get the status and a bilingual message;
/// internal causes go to the log only.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request's parameters are wrong.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with the thing's state (e.g. closing a closed alarm).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The store failed.
    #[error("store error: {0}")]
    Store(store::Error),
    /// A blocking task failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<store::Error> for ApiError {
    /// A missing entity is 404 and a refused alarm change 409 or 400; the rest is internal.
    fn from(error: store::Error) -> ApiError {
        match error {
            store::Error::NotFound { entity, id } => ApiError::NotFound(format!("{entity} {id}")),
            store::Error::Alarm(store::AlarmError::Transition(transition)) => {
                ApiError::Conflict(transition.to_string())
            }
            store::Error::Alarm(other) => ApiError::BadRequest(other.to_string()),
            store::Error::Correction(stale @ store::CorrectionError::Stale { .. }) => {
                ApiError::Conflict(stale.to_string())
            }
            store::Error::Correction(refused) => ApiError::BadRequest(refused.to_string()),
            other => ApiError::Store(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, zh, en) = match &self {
            ApiError::BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                format!("请求参数错误：{detail}"),
                format!("bad request: {detail}"),
            ),
            ApiError::NotFound(detail) => {
                (StatusCode::NOT_FOUND, format!("未找到：{detail}"), format!("not found: {detail}"))
            }
            ApiError::Conflict(detail) => {
                (StatusCode::CONFLICT, format!("状态冲突：{detail}"), format!("conflict: {detail}"))
            }
            ApiError::Store(_) | ApiError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "服务器内部错误".to_owned(),
                    "internal error".to_owned(),
                )
            }
        };
        (status, Json(serde_json::json!({ "error": { "zh": zh, "en": en } }))).into_response()
    }
}
