//! `GET /api/v1/points/{point}/case.zip?from=…&to=…` (analyst): the
//! enforcement-case archive of one point and period (#4, [`casefile`]),
//! streamed while it is written; the finished export is audited by
//! [`casefile::write_case`] with the signed-in user.

use axum::body::Body;
use axum::extract::{Extension, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use model::PointId;
use serde::Deserialize;

use crate::api::{blocking, parse_instant};
use crate::auth::Principal;
use crate::export::{ChunkWriter, Sender};
use crate::{ApiError, AppState};

/// Query string of the case export.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseParams {
    /// RFC 3339 start (inclusive).
    from: String,
    /// RFC 3339 end (exclusive).
    to: String,
}

pub(crate) async fn export(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(point): Path<i64>,
    Query(params): Query<CaseParams>,
) -> Result<Response, ApiError> {
    let request = casefile::CaseRequest {
        point: PointId(point),
        from: parse_instant("from", &params.from)?,
        to: parse_instant("to", &params.to)?,
    };
    if request.from >= request.to {
        return Err(ApiError::BadRequest(format!(
            "from={} is not before to={}",
            params.from, params.to
        )));
    }
    // Refuse an unknown point before the first byte goes out.
    let store = state.store.clone();
    let points = blocking(move || store.points()).await?;
    if !points.iter().any(|record| record.id == request.point) {
        return Err(ApiError::NotFound(format!("point {point}")));
    }
    let generated = casefile::Generated { at: state.clock.now(), by: principal.actor() };
    let name = format!(
        "case-{point}-{}-{}.zip",
        request.from.to_beijing().date(),
        request.to.to_beijing().date()
    );
    let store = state.store.clone();
    // A few chunks in flight: a slow client slows the export, not memory.
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let sender: Sender = sender;
        if let Err(error) =
            casefile::write_case(store.as_ref(), &request, &generated, ChunkWriter::new(&sender))
        {
            tracing::error!(%error, reason = error.reason(), "case export failed");
            let _ = sender.blocking_send(Err(std::io::Error::other(error.to_string())));
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
