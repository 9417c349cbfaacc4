//! Enterprise pages (issue #5): the enterprise file (一企一档) and the public
//! list of key-supervised enterprises.
//!
//! - `GET /enterprises`: staff go to the registry's enterprise list, an
//!   enterprise user to their own file.
//! - `GET /enterprises/{uscc}`: registry data, permits (with the expiry
//!   warning of `registry::expiry`), permit limits, outlets, devices (online
//!   state), this year's emissions against the permitted annual totals
//!   (`registry::totals`), and the outlets' alarms with their handling.
//!   An enterprise user may open only their own enterprise's file (403
//!   otherwise); staff may open every file.
//! - `GET /public/enterprises`: the key-supervised enterprises (重点监管单位
//!   名录) of the registry's active records, with their categories, for the
//!   public (the plan requires publishing it).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use model::account::Role;
use model::registry::RecordStatus;
use registry::expiry::DEFAULT_WARNING_DAYS;
use store::{AlarmQuery, Enterprise, RegistryEntity, RegistryKind, RegistryRecord};

use crate::chart::escape;
use crate::export::{Cell, Table};
use crate::form;
use crate::pages::{Card, Ctx, PageResult, Section};

/// Whether the principal may open the file of `enterprise`: staff always,
/// an enterprise user when bound to it (by name or credit code).
fn may_open(ctx: &Ctx, enterprise: &Enterprise) -> bool {
    match ctx.principal.role() {
        Role::Public => false,
        Role::Enterprise => ctx
            .principal
            .enterprise()
            .is_some_and(|bound| bound == enterprise.name || bound == enterprise.uscc.as_str()),
        Role::Inspector | Role::Analyst | Role::Admin => true,
    }
}

fn enterprises_of(records: Vec<RegistryRecord>) -> Vec<(Enterprise, RecordStatus)> {
    records
        .into_iter()
        .filter_map(|record| match record.entity {
            RegistryEntity::Enterprise(enterprise) => Some((enterprise, record.status)),
            _ => None,
        })
        .collect()
}

/// `GET /enterprises`.
pub(crate) async fn mine(ctx: Ctx) -> PageResult {
    if ctx.principal.role() != Role::Enterprise {
        return Ok(Redirect::to("/registry/enterprises").into_response());
    }
    let records = ctx.read(|store| store.registry_records(RegistryKind::Enterprise)).await?;
    let own =
        enterprises_of(records).into_iter().find(|(enterprise, _)| may_open(&ctx, enterprise));
    match own {
        Some((enterprise, _)) => {
            Ok(Redirect::to(&format!("/enterprises/{}", enterprise.uscc)).into_response())
        }
        None => Err(ctx.not_found(ctx.t("enterprise.not_registered").to_owned())),
    }
}

/// Town names by code.
fn town_names(store: &dyn store::Store) -> Result<HashMap<String, String>, store::Error> {
    Ok(store
        .registry_records(RegistryKind::Town)?
        .into_iter()
        .filter_map(|record| match record.entity {
            RegistryEntity::Town(town) => Some((town.code, town.name)),
            _ => None,
        })
        .collect())
}

/// A town's name, else its code.
fn town_of(towns: &HashMap<String, String>, code: &str) -> String {
    towns.get(code).cloned().unwrap_or_else(|| code.to_owned())
}

fn categories_text(ctx: &Ctx, enterprise: &Enterprise) -> String {
    let names: Vec<&str> = enterprise
        .categories
        .iter()
        .map(|category| match ctx.lang {
            crate::i18n::Lang::Zh => category.label_zh(),
            crate::i18n::Lang::En => category.as_str(),
        })
        .collect();
    if names.is_empty() { "—".to_owned() } else { names.join("、") }
}

/// Everything the file shows, read in one go.
struct FileData {
    enterprise: Option<(Enterprise, RecordStatus)>,
    permits: Vec<(store::Permit, RecordStatus)>,
    limits: Vec<RegistryRecord>,
    outlets: Vec<RegistryRecord>,
    devices: Vec<store::DeviceRecord>,
    alarms: Vec<store::Alarm>,
    points: Vec<store::PointRecord>,
    totals: Option<Arc<registry::totals::EmissionTotals>>,
    towns: HashMap<String, String>,
}

/// How long the district's emission totals are reused by the enterprise files.
const TOTALS_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The district's emission totals of this year (by period label), shared by every enterprise file.
pub(crate) type TotalsCache = crate::snapshot::Snapshot<String, registry::totals::EmissionTotals>;

/// This year's emission totals (every outlet's hours of the year, rolled up):
/// the shared ones if younger than [`TOTALS_TTL`] (see [`crate::snapshot`]). A
/// failure leaves the file's emissions section empty (logged).
async fn emission_totals(ctx: &Ctx) -> Option<Arc<registry::totals::EmissionTotals>> {
    let now = ctx.state.clock.now();
    let period = registry::totals::current_year(now);
    let store = ctx.state.store.clone();
    let computed = ctx
        .state
        .web
        .emission_totals
        .get(period.label(), TOTALS_TTL, || async move {
            match tokio::task::spawn_blocking(move || {
                registry::totals::emission_totals(store.as_ref(), period, now)
            })
            .await
            {
                Ok(Ok(totals)) => Ok(totals),
                Ok(Err(error)) => Err(error.to_string()),
                Err(error) => Err(format!("the emission totals task failed: {error}")),
            }
        })
        .await;
    computed.inspect_err(|error| tracing::error!(%error, "cannot compute the emission totals")).ok()
}

/// `GET /enterprises/{uscc}`: the enterprise file (一企一档).
pub(crate) async fn file(ctx: Ctx, Path(uscc): Path<String>) -> PageResult {
    let now = ctx.state.clock.now();
    let wanted = uscc.clone();
    let data = ctx
        .read(move |store| {
            let enterprise = enterprises_of(store.registry_records(RegistryKind::Enterprise)?)
                .into_iter()
                .find(|(enterprise, _)| enterprise.uscc.as_str() == wanted);
            let Some((found, _)) = &enterprise else {
                return Ok(FileData {
                    enterprise: None,
                    permits: Vec::new(),
                    limits: Vec::new(),
                    outlets: Vec::new(),
                    devices: Vec::new(),
                    alarms: Vec::new(),
                    points: Vec::new(),
                    totals: None,
                    towns: HashMap::new(),
                });
            };
            let permits: Vec<(store::Permit, RecordStatus)> = store
                .registry_records(RegistryKind::Permit)?
                .into_iter()
                .filter_map(|record| match record.entity {
                    RegistryEntity::Permit(permit) if permit.enterprise == found.uscc => {
                        Some((permit, record.status))
                    }
                    _ => None,
                })
                .collect();
            let outlets: Vec<RegistryRecord> = store
                .registry_records(RegistryKind::Outlet)?
                .into_iter()
                .filter(|record| {
                    matches!(&record.entity, RegistryEntity::Outlet(outlet) if outlet.enterprise == found.uscc)
                })
                .collect();
            let numbers: Vec<&str> = permits.iter().map(|(permit, _)| permit.number.as_str()).collect();
            let limits: Vec<RegistryRecord> = store
                .registry_records(RegistryKind::Limit)?
                .into_iter()
                .filter(|record| {
                    matches!(&record.entity, RegistryEntity::Limit(limit) if numbers.contains(&limit.permit.as_str()))
                })
                .collect();
            let outlet_points: Vec<model::PointId> =
                outlets.iter().filter_map(|record| record.point).collect();
            let devices = store
                .devices()?
                .into_iter()
                .filter(|device| outlet_points.contains(&device.device.point))
                .collect();
            let mut alarms = Vec::new();
            for point in &outlet_points {
                alarms.extend(store.alarms(&AlarmQuery {
                    point: Some(*point),
                    limit: 200,
                    ..AlarmQuery::default()
                })?);
            }
            alarms.sort_by_key(|alarm: &store::Alarm| std::cmp::Reverse(alarm.last_at));
            let totals = None; // Filled below from the shared totals.
            Ok(FileData {
                enterprise,
                permits,
                limits,
                outlets,
                devices,
                alarms,
                points: store.points()?,
                totals,
                towns: town_names(store)?,
            })
        })
        .await?;
    let mut data = data;
    if data.enterprise.is_some() {
        data.totals = emission_totals(&ctx).await;
    }
    let Some((enterprise, status)) = &data.enterprise else {
        return Err(ctx.not_found(format!("{} {uscc}", ctx.t("enterprise.unknown"))));
    };
    if !may_open(&ctx, enterprise) {
        let mut response = crate::pages::error_page(
            ctx.lang,
            StatusCode::FORBIDDEN,
            ctx.t("error.forbidden_enterprise"),
        );
        *response.status_mut() = StatusCode::FORBIDDEN;
        return Ok(response);
    }
    let t = |key| ctx.t(key).to_owned();
    let today = ctx.today();

    // Permits with their expiry.
    let mut n_expiring = 0;
    let permit_rows: Vec<Vec<Cell>> = data
        .permits
        .iter()
        .map(|(permit, status)| {
            let days_left = (permit.valid_to - today).num_days();
            let badge = if *status == RecordStatus::Retired {
                Cell::text(ctx.t("registry.retired"))
            } else if days_left < 0 {
                n_expiring += 1;
                Cell::badge(ctx.t("enterprise.permit_expired"), "#7E0023", "#FFFFFF")
            } else if days_left <= i64::from(DEFAULT_WARNING_DAYS) {
                n_expiring += 1;
                Cell::badge(
                    format!(
                        "{} {days_left} {}",
                        ctx.t("enterprise.permit_expires_in"),
                        ctx.t("enterprise.days")
                    ),
                    "#FF7E00",
                    "#FFFFFF",
                )
            } else {
                Cell::badge(ctx.t("enterprise.permit_valid"), "#00B050", "#FFFFFF")
            };
            vec![
                Cell::text(permit.number.clone()),
                Cell::text(permit.valid_from.to_string()),
                Cell::text(permit.valid_to.to_string()),
                Cell::num(days_left.to_string()),
                badge,
            ]
        })
        .collect();
    let permits = Table {
        id: "permits",
        headers: ctx.headers(&[
            "enterprise.permit_number",
            "enterprise.valid_from",
            "enterprise.valid_to",
            "enterprise.days_left",
            "enterprise.permit_state",
        ]),
        rows: permit_rows,
    };

    // Limits, as the registry writes them.
    let limit_rows: Vec<Vec<Cell>> = data
        .limits
        .iter()
        .map(|record| {
            let cells = registry::layout::write_row(&record.entity, record.status);
            let cell = |index: usize| cells.get(index).cloned().unwrap_or_default();
            let bound =
                if cell(3).is_empty() { format!("{}–{}", cell(4), cell(5)) } else { cell(3) };
            vec![
                Cell::text(cell(0)),
                Cell::text(cell(1)),
                Cell::text(cell(2)),
                Cell::num(bound),
                Cell::text(cell(6)),
                Cell::text(cell(7)),
                Cell::num(cell(9)),
            ]
        })
        .collect();
    let limits = Table {
        id: "limits",
        headers: ctx.headers(&[
            "enterprise.permit_number",
            "enterprise.outlet",
            "enterprise.param",
            "enterprise.limit",
            "enterprise.unit",
            "enterprise.averaging",
            "enterprise.annual_kg",
        ]),
        rows: limit_rows,
    };

    // Outlets and devices.
    let outlet_rows: Vec<Vec<Cell>> = data
        .outlets
        .iter()
        .filter_map(|record| match &record.entity {
            RegistryEntity::Outlet(outlet) => Some((record, outlet)),
            _ => None,
        })
        .map(|(record, outlet)| {
            let name = match record.point {
                Some(point) => Cell::link(outlet.name.clone(), format!("/points/{}", point.0)),
                None => Cell::text(outlet.name.clone()),
            };
            vec![
                Cell::text(outlet.code.clone()),
                name,
                Cell::text(outlet.kind.as_str()),
                Cell::text(if record.status == RecordStatus::Active {
                    ctx.t("registry.active")
                } else {
                    ctx.t("registry.retired")
                }),
            ]
        })
        .collect();
    let outlets = Table {
        id: "outlets",
        headers: ctx.headers(&["point.code", "point.name", "point.kind", "registry.status"]),
        rows: outlet_rows,
    };
    let by_id = crate::pages::points_by_id(&data.points);
    let device_refs: Vec<&store::DeviceRecord> = data.devices.iter().collect();
    let (devices, n_online) = crate::pages::device_table(&ctx, &device_refs, &by_id, now);

    // Emissions this year against the permitted annual totals.
    let emission_rows: Vec<Vec<Cell>> = data
        .totals
        .iter()
        .flat_map(|totals| totals.enterprises.iter())
        .filter(|group| group.group == enterprise.uscc.as_str())
        .map(|group| {
            let share = group.share_of_permitted.map_or_else(
                || Cell::text("—"),
                |share| {
                    let text = format!("{}%", crate::format::number(share * 100.0, 1));
                    if share > 1.0 {
                        Cell::badge(text, "#d32f2f", "#FFFFFF")
                    } else {
                        Cell::num(text)
                    }
                },
            );
            vec![
                Cell::text(group.param.clone()),
                Cell::num(crate::format::number(group.amount_kg, 2)),
                Cell::num(
                    group
                        .permitted_annual_kg
                        .map_or("—".to_owned(), |kg| crate::format::number(kg, 2)),
                ),
                share,
                Cell::num(format!("{}/{}", group.n_hours, group.n_expected_hours)),
            ]
        })
        .collect();
    let emissions = Table {
        id: "emissions",
        headers: ctx.headers(&[
            "enterprise.param",
            "enterprise.amount_kg",
            "enterprise.permitted_kg",
            "enterprise.share",
            "enterprise.coverage",
        ]),
        rows: emission_rows,
    };
    let alarms = crate::inbox::alarm_table(&ctx, "alarms", &data.alarms, &data.points);
    let tables = [&permits, &limits, &outlets, &devices, &emissions, &alarms];
    if let Some(export) = ctx.export(&tables, &format!("enterprise-{}", enterprise.uscc)) {
        return export;
    }

    let facts = vec![
        (t("enterprise.uscc"), enterprise.uscc.to_string()),
        (t("registry.name"), enterprise.name.clone()),
        (t("enterprise.industry"), enterprise.industry.clone()),
        (t("enterprise.town"), town_of(&data.towns, &enterprise.town)),
        (t("enterprise.address"), enterprise.address.clone()),
        (
            t("enterprise.location"),
            format!("{:.5}°E, {:.5}°N", enterprise.longitude, enterprise.latitude),
        ),
        (t("enterprise.categories"), categories_text(&ctx, enterprise)),
        (t("enterprise.contact"), format!("{} {}", enterprise.contact, enterprise.phone)),
        (
            t("registry.status"),
            t(if *status == RecordStatus::Active { "registry.active" } else { "registry.retired" }),
        ),
    ];
    let mut notices = Vec::new();
    if n_expiring > 0 {
        notices.push(format!("{} ({n_expiring})", ctx.t("enterprise.expiry_warning")));
    }
    let n_active_alarms = data.alarms.iter().filter(|alarm| alarm.state.is_active()).count();
    let cards = vec![
        Card {
            value: outlets.rows.len().to_string(),
            label: t("enterprise.outlets"),
            style: String::new(),
        },
        Card {
            value: crate::format::percent(n_online, data.devices.len()),
            label: format!("{} ({n_online}/{})", ctx.t("card.devices_online"), data.devices.len()),
            style: String::new(),
        },
        Card {
            value: n_active_alarms.to_string(),
            label: t("enterprise.active_alarms"),
            style: if n_active_alarms > 0 { "color:#d32f2f".into() } else { String::new() },
        },
        Card {
            value: n_expiring.to_string(),
            label: t("enterprise.permits_expiring"),
            style: if n_expiring > 0 { "color:#FF7E00".into() } else { String::new() },
        },
    ];
    let period = data.totals.as_ref().map(|totals| totals.period.clone()).unwrap_or_default();
    let sections = vec![
        Section {
            id: "facts".into(),
            heading: t("enterprise.facts"),
            body: form::facts("enterprise-facts", &facts),
        },
        ctx.table_section(ctx.t("enterprise.permits"), &permits),
        ctx.table_section(ctx.t("enterprise.limits"), &limits),
        ctx.table_section(ctx.t("enterprise.outlets"), &outlets),
        ctx.table_section(ctx.t("enterprise.devices"), &devices),
        ctx.table_section(&format!("{} {period}", ctx.t("enterprise.emissions")), &emissions),
        ctx.table_section(ctx.t("enterprise.alarms"), &alarms),
    ];
    let heading = format!("{} · {}", ctx.t("enterprise.file_title"), enterprise.name);
    let links = if ctx.principal.role().allows(Role::Analyst) {
        format!(
            r#"<p><a href="/registry/enterprises/edit?key={}">{}</a></p>"#,
            escape(enterprise.uscc.as_str()),
            escape(ctx.t("registry.edit"))
        )
    } else {
        String::new()
    };
    Ok(ctx.page_with(ctx.chrome(), heading, notices, links, cards, sections))
}

/// `GET /public/enterprises`: the key-supervised enterprise list.
pub(crate) async fn key_supervised(ctx: Ctx) -> PageResult {
    let (records, towns) = ctx
        .read(|store| Ok((store.registry_records(RegistryKind::Enterprise)?, town_names(store)?)))
        .await?;
    let mut listed: Vec<Enterprise> = enterprises_of(records)
        .into_iter()
        .filter(|(enterprise, status)| {
            *status == RecordStatus::Active && !enterprise.categories.is_empty()
        })
        .map(|(enterprise, _)| enterprise)
        .collect();
    listed.sort_by(|a, b| a.town.cmp(&b.town).then(a.name.cmp(&b.name)));
    let rows = listed
        .iter()
        .map(|enterprise| {
            vec![
                Cell::text(enterprise.name.clone()),
                Cell::text(enterprise.uscc.to_string()),
                Cell::text(enterprise.industry.clone()),
                Cell::text(town_of(&towns, &enterprise.town)),
                Cell::text(categories_text(&ctx, enterprise)),
            ]
        })
        .collect();
    let table = Table {
        id: "key-supervised",
        headers: ctx.headers(&[
            "registry.name",
            "enterprise.uscc",
            "enterprise.industry",
            "enterprise.town",
            "enterprise.categories",
        ]),
        rows,
    };
    if let Some(export) = ctx.export(&[&table], "key-supervised-enterprises") {
        return export;
    }
    Ok(ctx.page_with(
        ctx.chrome(),
        ctx.t("enterprise.key_title").to_owned(),
        vec![ctx.t("enterprise.key_note").to_owned()],
        String::new(),
        vec![Card {
            value: listed.len().to_string(),
            label: ctx.t("enterprise.key_count").to_owned(),
            style: String::new(),
        }],
        vec![ctx.table_section(ctx.t("enterprise.key_heading"), &table)],
    ))
}

#[cfg(test)]
mod tests;
