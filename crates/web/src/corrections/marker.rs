//! The corrected-value marker of the HTML pages (follow-up of issue #4): a
//! reading whose current values are a correction shows a 已修正 / corrected
//! badge with its version, linked for staff to the reading's history (every
//! version, who, when and why), as the JSON API marks it `corrected`.

use model::Reading;
use model::account::Role;
use store::CorrectionMarker;

use crate::export::Cell;
use crate::pages::Ctx;

/// The address of `reading`'s history (`GET …/readings/history`, inspector).
pub(crate) fn history_link(reading: &Reading) -> String {
    let query = serde_urlencoded::to_string([
        ("kind", reading.key.kind.as_str().to_owned()),
        ("data_time", reading.key.data_time.to_rfc3339()),
        ("param", reading.key.param.to_string()),
    ])
    .unwrap_or_default();
    format!("/api/v1/points/{}/readings/history?{query}", reading.key.point.0)
}

/// The marker's cell: empty for a reading as received; a badge "已修正 vN"
/// (with who, when and why in the text), linked to the history for staff.
pub(crate) fn cell(ctx: &Ctx, reading: &Reading, marker: Option<&CorrectionMarker>) -> Cell {
    let Some(marker) = marker else { return Cell::text("") };
    let when = crate::format::date_time(ctx.lang, marker.at.to_beijing().0);
    let mut cell = Cell::badge(
        format!(
            "{} v{} · {} · {when} · {}",
            ctx.t("point.corrected"),
            marker.version,
            marker.actor,
            marker.reason
        ),
        "#6A1B9A",
        "#FFFFFF",
    );
    if ctx.principal.role().allows(Role::Inspector) {
        cell.href = Some(history_link(reading));
    }
    cell
}
