//! The entry form of an indicator's page (follow-up of issue #5): an analyst
//! enters an entered indicator's value for a year, with a note on its source
//! and an optional evidence document, exactly as `POST
//! /api/v1/plan/indicators/{id}/values` does (the same [`plan::entry::enter_value`]
//! checks, stored as a new version by the signed-in user and audited by the
//! store). A refusal shows the page again (422) with the message next to its
//! field; a saved value sends the browser back to the page (303), where the
//! value and its versions appear. Staff see the year's versions; the public
//! sees neither the form nor the versions.

use axum::extract::Path;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use model::account::Role;
use plan::file::Source;
use store::{NewPlanDocument, NewPlanValue, PlanValue};

use crate::export::{Cell, Table};
use crate::form::{self, Field, Input};
use crate::i18n::Lang;
use crate::pages::{Ctx, PageResult, Section};
use crate::plan::PlanState;

/// What an entry form sent, shown again with the messages when refused.
#[derive(Debug, Default)]
pub(super) struct Entry {
    year: String,
    value: String,
    note: String,
    /// (field name, message) of each refused field.
    errors: Vec<(&'static str, String)>,
    /// A refusal that belongs to no field.
    pub(super) notice: Option<String>,
}

impl Entry {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(name, _)| *name == field).map(|(_, message)| message.clone())
    }
}

/// Whether the signed-in principal gets the form on indicator `id`'s page:
/// an analyst's session, on an indicator whose values are entered.
fn offers_form(ctx: &Ctx, state: &PlanState, id: &str) -> bool {
    ctx.principal.role().allows(Role::Analyst)
        && ctx.principal.csrf().is_some()
        && state.plan.indicator(id).is_some_and(|found| matches!(found.source, Source::Entered))
}

/// The form's section, or none for a principal who may not enter values.
pub(super) fn form_section(
    ctx: &Ctx,
    state: &PlanState,
    id: &str,
    year: i32,
    entry: &Entry,
) -> Option<Section> {
    if !offers_form(ctx, state, id) {
        return None;
    }
    let chosen = if entry.year.is_empty() { year.to_string() } else { entry.year.clone() };
    let years = (state.plan.baseline_year..=state.plan.target_year + 10)
        .map(|option| (option.to_string(), option.to_string()))
        .collect();
    let field = |name: &str, label: &str, value: &str, input: Input, required: bool| Field {
        name: name.to_owned(),
        label: ctx.t(label).to_owned(),
        value: value.to_owned(),
        error: entry.error(name),
        required,
        input,
    };
    let fields = [
        field("year", "plan.year", &chosen, Input::Select(years), true),
        field("value", "plan.entry.value", &entry.value, Input::Text, true),
        field("note", "plan.entry.note", &entry.note, Input::Textarea, false),
        field("evidence", "plan.entry.evidence", "", Input::File, false),
    ];
    let html = form::upload_form(
        "plan-entry-form",
        &format!("/plan/indicators/{id}"),
        ctx.principal.csrf().unwrap_or_default(),
        &fields,
        ctx.t("plan.entry.save"),
    );
    Some(Section {
        id: "plan-entry".into(),
        heading: ctx.t("plan.entry.heading").to_owned(),
        body: format!(r#"<p class="note">{}</p>{html}"#, ctx.t("plan.entry.help")),
    })
}

/// The versions of `year`'s entered value, for staff (none for the public or
/// an indicator without entered values).
pub(super) fn versions_table(ctx: &Ctx, versions: &[PlanValue], decimals: usize) -> Option<Table> {
    if !ctx.principal.role().allows(Role::Inspector) || versions.is_empty() {
        return None;
    }
    let rows = versions
        .iter()
        .rev()
        .map(|version| {
            let document = version.document.as_ref().map_or_else(
                || Cell::text("—"),
                |document| {
                    Cell::link(
                        format!("{} ({} B)", document.file_name, document.n_bytes),
                        format!("/api/v1/plan/documents/{}", document.id),
                    )
                },
            );
            vec![
                Cell::num(version.version.to_string()),
                Cell::num(crate::format::number(version.value, decimals)),
                Cell::text(version.note.clone()),
                document,
                Cell::text(version.actor.clone()),
                Cell::text(crate::format::date_time(ctx.lang, version.at.to_beijing().0)),
            ]
        })
        .collect();
    Some(Table {
        id: "entered-values",
        headers: ctx.headers(&[
            "plan.entry.version",
            "plan.entry.value",
            "plan.entry.note",
            "plan.entry.evidence",
            "plan.entry.actor",
            "plan.entry.at",
        ]),
        rows,
    })
}

/// The message of a refusal by [`plan::entry::enter_value`] in the page's
/// language (the plan crate gives each refusal in Chinese and English).
fn refusal(ctx: &Ctx, message: String, message_zh: String) -> String {
    match ctx.lang {
        Lang::Zh => message_zh,
        Lang::En => message,
    }
}

/// `POST /plan/indicators/{id}` (multipart: `year`, `value`, `note`, `evidence`).
pub(crate) async fn enter(
    ctx: Ctx,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let state = super::plan_of(&ctx)?;
    if state.plan.indicator(&id).is_none() {
        return Err(ctx.not_found(format!("{} {id:?}", ctx.t("plan.unknown_indicator"))));
    }
    let mut upload = form::upload(multipart).await.map_err(|error| ctx.bad_request(error))?;
    let text = |name| form::value(&upload.fields, name).trim().to_owned();
    let mut entry = Entry {
        year: text("year"),
        value: text("value"),
        note: form::value(&upload.fields, "note").to_owned(),
        ..Entry::default()
    };
    let year = entry.year.parse::<i32>().ok();
    if year.is_none() {
        entry.errors.push(("year", ctx.t("plan.entry.bad_year").to_owned()));
    }
    let value = entry.value.parse::<f64>().ok();
    if value.is_none() {
        entry.errors.push(("value", ctx.t("plan.entry.bad_value").to_owned()));
    }
    let page_year =
        year.filter(|year| plan::entry::check_year(&state.plan, *year).is_ok()).unwrap_or_else(
            || state.plan.target_year.min(model::time::beijing_year(ctx.state.clock.now())),
        );
    let (Some(year), Some(value)) = (year, value) else {
        return refused(&ctx, state, id, page_year, entry).await;
    };
    let document = upload.take_file("evidence").map(|file| NewPlanDocument {
        file_name: file.file_name,
        media_type: file.media_type,
        bytes: file.bytes,
    });
    let new = NewPlanValue {
        plan: state.plan.id.clone(),
        indicator: id.clone(),
        year,
        value,
        note: entry.note.clone(),
        document,
    };
    let (actor, at) = (ctx.principal.actor(), ctx.state.clock.now());
    let work_state = state.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        plan::entry::enter_value(work_state.store.as_ref(), &work_state.plan, &new, &actor, at)
    })
    .await
    .map_err(|error| ctx.internal(error))?;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/plan/indicators/{id}?year={year}")).into_response()),
        Err(plan::Error::YearOutOfRange(_)) => {
            entry.errors.push((
                "year",
                format!(
                    "{} {}–{}",
                    ctx.t("plan.entry.year_out_of_range"),
                    state.plan.baseline_year,
                    state.plan.target_year + 10
                ),
            ));
            refused(&ctx, state, id, page_year, entry).await
        }
        Err(plan::Error::InvalidEntry { field, message, message_zh, .. }) => {
            let message = refusal(&ctx, message, message_zh);
            match field {
                _ if !offers_form(&ctx, &state, &id) => entry.notice = Some(message),
                "value" => entry.errors.push(("value", message)),
                "document" => entry.errors.push(("evidence", message)),
                _ => entry.notice = Some(message),
            }
            refused(&ctx, state, id, page_year, entry).await
        }
        Err(plan::Error::UnknownIndicator(_)) => {
            Err(ctx.not_found(format!("{} {id:?}", ctx.t("plan.unknown_indicator"))))
        }
        Err(error) => Err(ctx.internal(error)),
    }
}

/// The page again with the refused entry (422).
async fn refused(ctx: &Ctx, state: PlanState, id: String, year: i32, entry: Entry) -> PageResult {
    let mut response = super::indicator_page(ctx, state, id, year, entry).await?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}
