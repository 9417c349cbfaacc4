//! The registry's editing pages (issue #5): every kind's records as a table,
//! and a form per record (create, edit, retire) for analysts.
//!
//! - `GET /registry`: the kinds with their record counts.
//! - `GET /registry/{kind}`: the records of a kind. A device's password is
//!   never shown: its field is always blank, left blank it keeps the stored
//!   password, and a new one is hashed (argon2id) exactly as an imported row's.
//! - `GET /registry/{kind}/edit?key=`: the form, blank without `key`.
//! - `POST /registry/{kind}/edit`: saves one record. The form's fields are
//!   the kind's import columns, and the record is validated exactly like an
//!   imported row (`registry::import::row_file`), so a bad 统一社会信用代码
//!   or a negative limit is refused with the reason next to its field (422),
//!   and nothing changes.
//! - `POST /registry/{kind}/retire?key=`: retires the record (kept, never deleted).
//!
//! Changes are audited by the store with the signed-in user as the actor.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use model::account::Role;
use model::registry::RecordStatus;
use registry::import::Problem;
use registry::layout::{self, Column};
use serde::Deserialize;
use store::{RegistryKind, RegistryRecord};

use crate::chart::escape;
use crate::export::{Cell, Table};
use crate::form::{self, Field, Input};
use crate::i18n::Lang;
use crate::pages::{Ctx, PageResult, Section};

fn kind_of(ctx: &Ctx, text: &str) -> Result<RegistryKind, crate::pages::PageError> {
    layout::kind_of_stem(text)
        .ok_or_else(|| ctx.not_found(format!("{} {text:?}", ctx.t("registry.unknown_kind"))))
}

/// The kind's name in the page's language.
pub(crate) fn kind_label(ctx: &Ctx, kind: RegistryKind) -> &'static str {
    ctx.lang.messages().t(match kind {
        RegistryKind::Town => "registry.kind.towns",
        RegistryKind::WaterBody => "registry.kind.water_bodies",
        RegistryKind::Section => "registry.kind.sections",
        RegistryKind::AirStation => "registry.kind.air_stations",
        RegistryKind::NoisePoint => "registry.kind.noise_points",
        RegistryKind::Enterprise => "registry.kind.enterprises",
        RegistryKind::Outlet => "registry.kind.outlets",
        RegistryKind::Permit => "registry.kind.permits",
        RegistryKind::Limit => "registry.kind.limits",
        RegistryKind::Device => "registry.kind.devices",
    })
}

/// A column's header in the page's language.
fn column_label(lang: Lang, column: &Column) -> String {
    match lang {
        Lang::Zh => column.zh.to_owned(),
        Lang::En => column.name.replace('_', " "),
    }
}

fn status_text(ctx: &Ctx, status: RecordStatus) -> &'static str {
    ctx.lang.messages().t(match status {
        RecordStatus::Active => "registry.active",
        RecordStatus::Retired => "registry.retired",
    })
}

/// Why a row was refused, in the page's language (the registry gives both).
fn reason<'a>(ctx: &Ctx, problem: &'a Problem) -> &'a str {
    match ctx.lang {
        Lang::Zh => &problem.reason_zh,
        Lang::En => &problem.reason,
    }
}

fn is_analyst(ctx: &Ctx) -> bool {
    ctx.principal.role().allows(Role::Analyst)
}

/// `?key=…` for a record's URLs.
fn key_query(key: &str) -> String {
    serde_urlencoded::to_string([("key", key)]).unwrap_or_default()
}

/// `GET /registry`.
pub(crate) async fn index(ctx: Ctx) -> PageResult {
    let counts = ctx
        .read(|store| {
            let mut counts = Vec::new();
            for kind in RegistryKind::ALL {
                let records = store.registry_records(kind)?;
                let n_active =
                    records.iter().filter(|record| record.status == RecordStatus::Active).count();
                counts.push((kind, n_active, records.len() - n_active));
            }
            Ok(counts)
        })
        .await?;
    let rows = counts
        .iter()
        .map(|(kind, n_active, n_retired)| {
            vec![
                Cell::link(
                    kind_label(&ctx, *kind),
                    format!("/registry/{}", layout::file_stem(*kind)),
                ),
                Cell::num(n_active.to_string()),
                Cell::num(n_retired.to_string()),
            ]
        })
        .collect();
    let table = Table {
        id: "kinds",
        headers: ctx.headers(&["registry.kind", "registry.active", "registry.retired"]),
        rows,
    };
    if let Some(export) = ctx.export(&[&table], "registry") {
        return export;
    }
    Ok(ctx.page_with(
        ctx.chrome(),
        ctx.t("registry.title").to_owned(),
        vec![ctx.t("registry.note").to_owned()],
        String::new(),
        Vec::new(),
        vec![ctx.table_section(ctx.t("registry.kinds"), &table)],
    ))
}

/// The list page's query string.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    saved: Option<String>,
}

/// `GET /registry/{kind}`.
pub(crate) async fn list(ctx: Ctx, Path(kind): Path<String>) -> PageResult {
    let kind = kind_of(&ctx, &kind)?;
    let query: ListQuery =
        serde_urlencoded::from_str(ctx.uri.query().unwrap_or("")).unwrap_or_default();
    list_page(
        &ctx,
        kind,
        query.saved.map(|key| format!("{} {key}", ctx.t("registry.saved"))),
        StatusCode::OK,
    )
    .await
}

async fn list_page(
    ctx: &Ctx,
    kind: RegistryKind,
    notice: Option<String>,
    status: StatusCode,
) -> PageResult {
    let records = ctx.read(move |store| store.registry_records(kind)).await?;
    let stem = layout::file_stem(kind);
    let analyst = is_analyst(ctx);
    let rows = records
        .iter()
        .map(|record| {
            let key = record.entity.key();
            let key_cell = if kind == RegistryKind::Enterprise {
                Cell::link(key.clone(), format!("/enterprises/{key}"))
            } else {
                Cell::text(key.clone())
            };
            let mut row = vec![
                key_cell,
                Cell::text(record.entity.name().unwrap_or("—")),
                Cell::text(status_text(ctx, record.status)),
                Cell::text(if record.sample { ctx.t("registry.sample") } else { "" }),
                Cell::text(crate::format::date_time(ctx.lang, record.updated_at.to_beijing().0)),
            ];
            if analyst {
                row.push(Cell::link(
                    ctx.t("registry.edit"),
                    format!("/registry/{stem}/edit?{}", key_query(&key)),
                ));
            }
            row
        })
        .collect();
    let mut headers = vec![
        "registry.key",
        "registry.name",
        "registry.status",
        "registry.sample_header",
        "registry.updated_at",
    ];
    if analyst {
        headers.push("registry.edit");
    }
    let table = Table { id: "records", headers: ctx.headers(&headers), rows };
    if let Some(export) = ctx.export(&[&table], stem) {
        return export;
    }
    let mut links = format!(
        r#"<p><a href="/registry">{}</a> · <a href="/api/v1/registry/export/{stem}.xlsx">{}</a>"#,
        escape(ctx.t("registry.all_kinds")),
        escape(ctx.t("registry.download_file")),
    );
    if analyst {
        links.push_str(&format!(
            r#" · <a href="/registry/{stem}/edit" id="registry-new">{}</a>"#,
            escape(ctx.t("registry.new"))
        ));
    }
    links.push_str("</p>");
    let mut response = ctx.page_with(
        ctx.chrome(),
        format!("{} · {}", ctx.t("registry.title"), kind_label(ctx, kind)),
        notice.into_iter().collect(),
        links,
        Vec::new(),
        vec![ctx.table_section(kind_label(ctx, kind), &table)],
    );
    *response.status_mut() = status;
    Ok(response)
}

/// The edit form's query string.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EditQuery {
    key: Option<String>,
}

/// `GET /registry/{kind}/edit?key=`.
pub(crate) async fn edit_form(ctx: Ctx, Path(kind): Path<String>) -> PageResult {
    let kind = kind_of(&ctx, &kind)?;
    let query: EditQuery =
        serde_urlencoded::from_str(ctx.uri.query().unwrap_or("")).unwrap_or_default();
    let key = query.key.filter(|key| !key.is_empty());
    let record = match key.clone() {
        Some(key) => {
            let lookup = key.clone();
            let record = ctx.read(move |store| store.registry_record(kind, &lookup)).await?;
            Some(record.ok_or_else(|| {
                ctx.not_found(format!("{} {key}", ctx.t("registry.unknown_record")))
            })?)
        }
        None => None,
    };
    let values: Vec<(String, String)> = match &record {
        Some(record) => cells_of(kind, record),
        None => Vec::new(),
    };
    Ok(form_page(&ctx, kind, record.as_ref(), &values, &[], StatusCode::OK))
}

/// A stored record as the form's cells (the import layout).
fn cells_of(kind: RegistryKind, record: &RegistryRecord) -> Vec<(String, String)> {
    layout::columns(kind)
        .iter()
        .map(|column| column.name.to_owned())
        .zip(layout::write_row(&record.entity, record.status))
        .collect()
}

/// The form page: `values` by column, `problems` next to their fields (or above the form).
fn form_page(
    ctx: &Ctx,
    kind: RegistryKind,
    record: Option<&RegistryRecord>,
    values: &[(String, String)],
    problems: &[Problem],
    status: StatusCode,
) -> Response {
    let stem = layout::file_stem(kind);
    let fields: Vec<Field> = layout::columns(kind)
        .iter()
        .map(|column| {
            let errors: Vec<&str> = problems
                .iter()
                .filter(|problem| problem.column.as_deref() == Some(column.name))
                .map(|problem| reason(ctx, problem))
                .collect();
            let value = form::value(values, column.name).to_owned();
            let input = if column.name == layout::STATUS.name {
                Input::Select(vec![
                    ("active".to_owned(), status_text(ctx, RecordStatus::Active).to_owned()),
                    ("retired".to_owned(), status_text(ctx, RecordStatus::Retired).to_owned()),
                ])
            } else if is_secret(kind, column) {
                // Never echoed back: not the stored hash, not what was typed.
                Input::Password
            } else {
                Input::Text
            };
            Field {
                name: column.name.to_owned(),
                label: column_label(ctx.lang, column),
                value,
                error: (!errors.is_empty())
                    .then(|| format!("{}{}", ctx.t("registry.field_refused"), errors.join("; "))),
                required: column.required,
                input,
            }
        })
        .collect();
    let csrf = ctx.principal.csrf().unwrap_or_default();
    let mut body = form::post_form(
        "registry-form",
        &format!("/registry/{stem}/edit"),
        csrf,
        &fields,
        ctx.t("registry.save"),
    );
    if let Some(record) = record.filter(|record| record.status == RecordStatus::Active) {
        body.push_str(&form::button_form(
            "retire-form",
            &format!("/registry/{stem}/retire?{}", key_query(&record.entity.key())),
            csrf,
            ctx.t("registry.retire"),
        ));
    }
    let mut notices = Vec::new();
    if kind == RegistryKind::Device {
        notices.push(ctx.t("registry.device_password").to_owned());
    }
    if !problems.is_empty() {
        notices.push(format!("{} {}", ctx.t("registry.refused"), problems.len()));
    }
    // Problems of no one field (a row-level reason) are listed above the form.
    notices.extend(
        problems
            .iter()
            .filter(|problem| {
                problem.column.as_deref().is_none_or(|column| {
                    !layout::columns(kind).iter().any(|known| known.name == column)
                })
            })
            .map(|problem| reason(ctx, problem).to_owned()),
    );
    let heading = match record {
        Some(record) => format!("{} · {}", kind_label(ctx, kind), record.entity.key()),
        None => format!("{} · {}", kind_label(ctx, kind), ctx.t("registry.new")),
    };
    let back =
        format!(r#"<p><a href="/registry/{stem}">{}</a></p>"#, escape(ctx.t("registry.back")));
    let mut response = ctx.page_with(
        ctx.chrome(),
        heading,
        notices,
        back,
        Vec::new(),
        vec![Section { id: "record".into(), heading: ctx.t("registry.record").into(), body }],
    );
    *response.status_mut() = status;
    response
}

/// Whether `column` of `kind` is a secret (a device's password).
fn is_secret(kind: RegistryKind, column: &Column) -> bool {
    kind == RegistryKind::Device && column.name == "password"
}

/// `POST /registry/{kind}/edit`: validates and saves one record as the signed-in user.
pub(crate) async fn save(ctx: Ctx, Path(kind): Path<String>, body: Bytes) -> Response {
    let outcome = async {
        let kind = kind_of(&ctx, &kind)?;
        let pairs = form::fields(&body);
        let cells: Vec<(String, String)> = layout::columns(kind)
            .iter()
            .map(|column| {
                (column.name.to_owned(), form::value(&pairs, column.name).trim().to_owned())
            })
            .collect();
        let (store, actor, at) =
            (ctx.state.store.clone(), ctx.principal.actor(), ctx.state.clock.now());
        let work_cells = cells.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let file = registry::import::row_file("form", kind, &work_cells)?;
            registry::import::import(store.as_ref(), &[file], &actor, at, false)
        })
        .await
        .map_err(|error| ctx.internal(error))?;
        match outcome {
            Ok(_) => {
                let key = key_of(kind, &cells);
                Ok(Redirect::to(&format!(
                    "/registry/{}?{}",
                    layout::file_stem(kind),
                    serde_urlencoded::to_string([("saved", key)]).unwrap_or_default()
                ))
                .into_response())
            }
            Err(registry::Error::Rejected { problems }) => {
                let lookup = key_of(kind, &cells);
                let record = ctx.read(move |store| store.registry_record(kind, &lookup)).await?;
                Ok(form_page(
                    &ctx,
                    kind,
                    record.as_ref(),
                    &cells,
                    &problems,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))
            }
            Err(error) => Err(ctx.internal(error)),
        }
    };
    outcome.await.into_response()
}

/// The record key the cells name (a limit's is `permit/outlet/param`).
fn key_of(kind: RegistryKind, cells: &[(String, String)]) -> String {
    match kind {
        RegistryKind::Limit => ["permit", "outlet", "param"]
            .iter()
            .map(|name| form::value(cells, name))
            .collect::<Vec<_>>()
            .join("/"),
        _ => cells.first().map(|(_, value)| value.clone()).unwrap_or_default(),
    }
}

/// `POST /registry/{kind}/retire?key=`.
pub(crate) async fn retire(ctx: Ctx, Path(kind): Path<String>) -> Response {
    let outcome = async {
        let kind = kind_of(&ctx, &kind)?;
        let query: EditQuery =
            serde_urlencoded::from_str(ctx.uri.query().unwrap_or("")).unwrap_or_default();
        let key = query.key.unwrap_or_default();
        let (store, actor, at) =
            (ctx.state.store.clone(), ctx.principal.actor(), ctx.state.clock.now());
        let work_key = key.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            registry::import::retire(store.as_ref(), kind, &work_key, &actor, at)
        })
        .await
        .map_err(|error| ctx.internal(error))?;
        match outcome {
            Ok(_) => {
                Ok(Redirect::to(&format!("/registry/{}", layout::file_stem(kind))).into_response())
            }
            Err(registry::Error::Rejected { problems }) => {
                let reasons: Vec<String> =
                    problems.iter().map(|problem| reason(&ctx, problem).to_owned()).collect();
                let notice =
                    format!("{} {key}: {}", ctx.t("registry.retire_refused"), reasons.join("; "));
                list_page(&ctx, kind, Some(notice), StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(registry::Error::Store(store::Error::NotFound { .. })) => {
                Err(ctx.not_found(format!("{} {key}", ctx.t("registry.unknown_record"))))
            }
            Err(error) => Err(ctx.internal(error)),
        }
    };
    outcome.await.into_response()
}

#[cfg(test)]
mod tests;
