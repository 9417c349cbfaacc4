//! The plan's pages (issue #5), public because the plan requires publishing
//! indicator progress: every indicator of a year with its value, target and
//! status, the assessment report downloads, and one indicator's page with
//! its trend chart (SVG) and drill-down to stations, sections and days.
//!
//! - `GET /plan?year=`: the year's assessment (default: the current Beijing
//!   year within the plan's years).
//! - `GET /plan/indicators/{id}?year=`: facts, trend since the baseline,
//!   drill-down; staff also get the links to the entered values' history.
//!
//! The plan comes from [`crate::WebState::with_plan`]; without one the pages answer 404.

use axum::extract::Path;
use model::account::Role;
use plan::assess::{Assessment, IndicatorYear};
use plan::metric::DrillDown;
use plan::status::{Status, Value};
use serde::Deserialize;

use crate::chart::{self, Series, SeriesPoint, escape};
use crate::export::{Cell, Table};
use crate::form;
use crate::i18n::Lang;
use crate::pages::{Card, Ctx, PageError, PageResult, Section};
use crate::plan::PlanState;

mod entry;

pub(crate) use entry::enter;

/// The query string of the plan pages.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct YearQuery {
    year: Option<String>,
}

/// The plan, or 404 when the server runs without one.
fn plan_of(ctx: &Ctx) -> Result<PlanState, PageError> {
    ctx.state.web.plan.clone().ok_or_else(|| ctx.not_found(ctx.t("plan.not_loaded").to_owned()))
}

/// The year asked for, else the current Beijing year within the plan's years.
fn year_of(ctx: &Ctx, state: &PlanState) -> Result<i32, PageError> {
    let query: YearQuery =
        serde_urlencoded::from_str(ctx.uri.query().unwrap_or("")).unwrap_or_default();
    let first = state.plan.baseline_year + 1;
    let year = match query.year.as_deref().map(str::trim) {
        None | Some("") => {
            model::time::beijing_year(ctx.state.clock.now()).clamp(first, state.plan.target_year)
        }
        Some(text) => text
            .parse()
            .map_err(|_| ctx.bad_request(format!("year={text:?}: {}", ctx.t("plan.bad_year"))))?,
    };
    plan::entry::check_year(&state.plan, year)
        .map_err(|error| ctx.bad_request(format!("year={year}: {error}")))?;
    Ok(year)
}

/// Runs `work` with an assessment context on a blocking thread.
async fn assess<T: Send + 'static>(
    ctx: &Ctx,
    state: PlanState,
    work: impl FnOnce(&plan::Context<'_>) -> plan::Result<T> + Send + 'static,
) -> Result<T, PageError> {
    let outcome = tokio::task::spawn_blocking(move || {
        let sites = state.sites.sites(state.store.as_ref())?;
        let context = plan::Context {
            plan: &state.plan,
            store: state.store.as_ref(),
            sites: &sites,
            emissions: state.emissions.as_ref(),
        };
        work(&context)
    })
    .await
    .map_err(|error| ctx.internal(error))?;
    outcome.map_err(|error| ctx.internal(error))
}

fn text(lang: Lang, text: &plan::file::Text) -> &str {
    match lang {
        Lang::Zh => &text.zh,
        Lang::En => &text.en,
    }
}

/// A status as a coloured badge.
fn status_cell(lang: Lang, status: Status) -> Cell {
    let colour = match status {
        Status::Met => "#00B050",
        Status::OnTrack => "#1E88E5",
        Status::AtRisk => "#FF7E00",
        Status::NotMet => "#d32f2f",
        Status::NoData => "#9E9E9E",
    };
    let label = match lang {
        Lang::Zh => status.zh(),
        Lang::En => status.en(),
    };
    Cell::badge(label, colour, "#FFFFFF")
}

fn value_text(ctx: &Ctx, indicator: &IndicatorYear) -> String {
    match &indicator.provisional {
        Some(provisional) if indicator.value.is_none() => {
            format!("({}) {}", provisional.display(1), ctx.t("plan.provisional"))
        }
        _ => indicator.value_text.clone(),
    }
}

/// How long an assessment is reused by the plan page (the page is public:
/// many readers at once cost one assessment, not one each).
const ASSESSMENT_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// The plan page's latest assessment, by year.
pub(crate) type AssessmentCache = crate::snapshot::Snapshot<i32, Assessment>;

/// The assessment of `year`: the shared one if younger than [`ASSESSMENT_TTL`] (see [`crate::snapshot`]).
async fn assessment(
    ctx: &Ctx,
    state: PlanState,
    year: i32,
) -> Result<std::sync::Arc<Assessment>, PageError> {
    ctx.state
        .web
        .plan_assessment
        .get(year, ASSESSMENT_TTL, || {
            assess(ctx, state, move |context| plan::assess_year(context, year))
        })
        .await
}

/// `GET /plan`.
pub(crate) async fn overview(ctx: Ctx) -> PageResult {
    let state = plan_of(&ctx)?;
    let year = year_of(&ctx, &state)?;
    let assessment = assessment(&ctx, state.clone(), year).await?;
    let rows = assessment
        .indicators
        .iter()
        .map(|indicator| {
            vec![
                Cell::link(
                    indicator.id.clone(),
                    format!("/plan/indicators/{}?year={year}", indicator.id),
                ),
                Cell::text(text(ctx.lang, &indicator.category)),
                Cell::link(
                    text(ctx.lang, &indicator.name),
                    format!("/plan/indicators/{}?year={year}", indicator.id),
                ),
                Cell::text(indicator.unit.clone()),
                Cell::text(indicator.baseline_text.clone()),
                Cell::text(text(ctx.lang, &indicator.target)),
                Cell::num(value_text(&ctx, indicator)),
                status_cell(ctx.lang, indicator.status),
                Cell::text(text(ctx.lang, &indicator.attribute_text)),
            ]
        })
        .collect();
    let table = Table {
        id: "indicators",
        headers: ctx.headers(&[
            "plan.id",
            "plan.category",
            "plan.indicator",
            "plan.unit",
            "plan.baseline",
            "plan.target",
            "plan.value",
            "plan.status",
            "plan.attribute",
        ]),
        rows,
    };
    if let Some(export) = ctx.export(&[&table], &format!("plan-{year}")) {
        return export;
    }
    let cards = assessment
        .n_by_status
        .iter()
        .map(|(status, count)| {
            let cell = status_cell(ctx.lang, *status);
            Card {
                value: count.to_string(),
                label: cell.text,
                style: cell
                    .colours
                    .map(|(colour, _)| format!("color:{colour}"))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let years: String = (state.plan.baseline_year + 1..=state.plan.target_year)
        .map(|option| {
            let selected = if option == year { " selected" } else { "" };
            format!(r#"<option value="{option}"{selected}>{option}</option>"#)
        })
        .collect();
    let form = format!(
        r#"<form class="inline" method="get" id="plan-year"><label>{year_label}<select name="year">{years}</select></label><button class="button" type="submit">{show}</button></form><p class="exports">{report}: <a href="/api/v1/plan/reports/{year}" id="plan-report-html">HTML</a> <a href="/api/v1/plan/reports/{year}?format=xlsx" id="plan-report-xlsx">XLSX</a></p>"#,
        year_label = escape(ctx.t("plan.year")),
        show = escape(ctx.t("form.show")),
        report = escape(ctx.t("plan.report")),
    );
    let heading = format!(
        "{} · {year} {}",
        text(ctx.lang, &assessment.plan_name),
        text(ctx.lang, &assessment.kind_text)
    );
    let mut notices = vec![ctx.t("plan.note").to_owned()];
    if !assessment.issued_by.is_empty() {
        notices.push(format!("{} {}", ctx.t("plan.issued_by"), assessment.issued_by));
    }
    Ok(ctx.page_with(
        ctx.chrome(),
        heading,
        notices,
        form,
        cards,
        vec![ctx.table_section(ctx.t("plan.indicators"), &table)],
    ))
}

/// `GET /plan/indicators/{id}`.
pub(crate) async fn indicator(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let state = plan_of(&ctx)?;
    if state.plan.indicator(&id).is_none() {
        return Err(ctx.not_found(format!("{} {id:?}", ctx.t("plan.unknown_indicator"))));
    }
    let year = year_of(&ctx, &state)?;
    indicator_page(&ctx, state, id, year, entry::Entry::default()).await
}

/// Indicator `id`'s page for `year`, with the entry form showing `entry`.
async fn indicator_page(
    ctx: &Ctx,
    state: PlanState,
    id: String,
    year: i32,
    entry: entry::Entry,
) -> PageResult {
    let wanted = id.clone();
    let (indicator, trend) = assess(ctx, state.clone(), move |context| {
        Ok((plan::assess_indicator(context, &wanted, year)?, plan::trend(context, &wanted, year)?))
    })
    .await?;
    let versions = if ctx.principal.role().allows(Role::Inspector) {
        let (plan_id, wanted) = (state.plan.id.clone(), id.clone());
        ctx.read(move |store| store.plan_value_history(&plan_id, &wanted, year)).await?
    } else {
        Vec::new()
    };
    let t = |key| ctx.t(key).to_owned();
    let status = status_cell(ctx.lang, indicator.status).text;
    let mut facts = vec![
        (t("plan.category"), text(ctx.lang, &indicator.category).to_owned()),
        (t("plan.unit"), indicator.unit.clone()),
        (t("plan.attribute"), text(ctx.lang, &indicator.attribute_text).to_owned()),
        (t("plan.department"), text(ctx.lang, &indicator.department).to_owned()),
        (t("plan.baseline"), indicator.baseline_text.clone()),
        (t("plan.target"), text(ctx.lang, &indicator.target).to_owned()),
        (format!("{} {year}", ctx.t("plan.value")), value_text(ctx, &indicator)),
        (t("plan.status"), format!("{status} · {}", text(ctx.lang, &indicator.reason_text))),
        (t("plan.evidence"), text(ctx.lang, &indicator.evidence_text).to_owned()),
    ];
    if let Some(expected) = indicator.expected {
        facts.push((t("plan.expected"), crate::format::number(expected, 1)));
    }
    if let Some(change) = indicator.since_baseline {
        facts.push((t("plan.since_baseline"), crate::format::number(change.delta, 1)));
    }
    let decimals = state.plan.indicator(&id).map_or(1, |found| found.decimals);
    let points: Vec<SeriesPoint> = trend
        .iter()
        .filter_map(|point| {
            let number = match point.value? {
                Value::Number(number) => number,
                Value::Class(class) => plan::status::class_number(class),
            };
            Some(SeriesPoint {
                x: i64::from(point.year),
                label: format!(
                    "{} {}",
                    point.year,
                    point.value.map(|v| v.display(decimals)).unwrap_or_default()
                ),
                value: number,
                flag: None,
            })
        })
        .collect();
    let title = if indicator.unit.is_empty() {
        text(ctx.lang, &indicator.name).to_owned()
    } else {
        format!("{} ({})", text(ctx.lang, &indicator.name), indicator.unit)
    };
    let chart =
        chart::time_series(&Series { title, points, limit: None, previous: Vec::new() }, ctx.lang);
    let trend_rows = trend
        .iter()
        .map(|point| {
            vec![
                Cell::text(point.year.to_string()),
                Cell::num(point.value.map_or("—".to_owned(), |value| value.display(decimals))),
                point.status.map_or_else(
                    || Cell::text(ctx.t("plan.baseline")),
                    |status| status_cell(ctx.lang, status),
                ),
            ]
        })
        .collect();
    let trend_table = Table {
        id: "trend",
        headers: ctx.headers(&["plan.year", "plan.value", "plan.status"]),
        rows: trend_rows,
    };
    let drill = drill_table(ctx, indicator.drill_down.as_ref());
    let versions = entry::versions_table(ctx, &versions, usize::try_from(decimals).unwrap_or(1));
    let mut tables = vec![&trend_table];
    if let Some(drill) = &drill {
        tables.push(drill);
    }
    if let Some(versions) = &versions {
        tables.push(versions);
    }
    if let Some(export) = ctx.export(&tables, &format!("plan-{id}-{year}")) {
        return export;
    }
    let mut sections = vec![
        Section {
            id: "facts".into(),
            heading: t("plan.facts"),
            body: form::facts("indicator-facts", &facts),
        },
        Section { id: "trend-chart".into(), heading: t("plan.trend"), body: chart },
        ctx.table_section(ctx.t("plan.trend"), &trend_table),
    ];
    if let Some(drill) = &drill {
        sections.push(ctx.table_section(ctx.t("plan.drill_down"), drill));
    }
    if let Some(versions) = &versions {
        sections.push(ctx.table_section(ctx.t("plan.entry.versions"), versions));
    }
    if let Some(form) = entry::form_section(ctx, &state, &id, year, &entry) {
        sections.push(form);
    }
    let mut links = format!(
        r#"<p><a href="/plan?year={year}" id="back-to-plan">{}</a>"#,
        escape(ctx.t("plan.back"))
    );
    if ctx.principal.role().allows(Role::Inspector) {
        links.push_str(&format!(
            r#" · <a href="/api/v1/plan/indicators/{id}/years/{year}/history">{}</a>"#,
            escape(ctx.t("plan.history"))
        ));
    }
    links.push_str("</p>");
    let heading = format!(
        "{} {} · {}",
        ctx.t("plan.indicator"),
        indicator.id,
        text(ctx.lang, &indicator.name)
    );
    let notices: Vec<String> = entry.notice.iter().cloned().collect();
    Ok(ctx.page_with(ctx.chrome(), heading, notices, links, Vec::new(), sections))
}

/// The stations or sections behind a computed value.
fn drill_table(ctx: &Ctx, drill: Option<&DrillDown>) -> Option<Table> {
    let percent = |value: Option<f64>| {
        value.map_or("—".to_owned(), |value| crate::format::number(value, 1))
    };
    match drill? {
        DrillDown::Air { district, stations } => {
            let rows = district
                .iter()
                .chain(stations.iter())
                .map(|site| {
                    let name = match site.point {
                        Some(point) => {
                            Cell::link(site.name.clone(), format!("/points/{}", point.0))
                        }
                        None => Cell::text(ctx.t("air.district")),
                    };
                    vec![
                        name,
                        Cell::num(site.n_counted_days.to_string()),
                        Cell::num(site.n_good_days.to_string()),
                        Cell::num(percent(site.good_days_percent)),
                        Cell::num(percent(site.heavy_days_percent)),
                        Cell::num(percent(site.pm25_mean)),
                        Cell::num(format!("{}/{}", site.pm25_valid_days, site.pm25_required_days)),
                    ]
                })
                .collect();
            Some(Table {
                id: "drill-down",
                headers: ctx.headers(&[
                    "air.station",
                    "plan.counted_days",
                    "plan.good_days",
                    "plan.good_percent",
                    "plan.heavy_percent",
                    "plan.pm25_mean",
                    "plan.pm25_valid_days",
                ]),
                rows,
            })
        }
        DrillDown::Water { sections } => {
            let rows = sections
                .iter()
                .map(|section| {
                    vec![
                        Cell::link(section.name.clone(), format!("/points/{}", section.point.0)),
                        Cell::text(section.river.clone().unwrap_or_default()),
                        Cell::text(
                            section
                                .class
                                .map_or("—".to_owned(), |class| class.zh_label().to_owned()),
                        ),
                        Cell::text(match section.counted {
                            Some(true) => ctx.t("alarm.yes"),
                            Some(false) => ctx.t("plan.not_counted"),
                            None => "—",
                        }),
                        Cell::text(section.deciding_items.join("、")),
                        Cell::num(section.n_samples.to_string()),
                    ]
                })
                .collect();
            Some(Table {
                id: "drill-down",
                headers: ctx.headers(&[
                    "water.section",
                    "plan.river",
                    "water.class",
                    "plan.counted",
                    "plan.deciding_items",
                    "plan.samples",
                ]),
                rows,
            })
        }
        DrillDown::Emissions { baseline_year, outlets, .. } => {
            let amount = |year: Option<&plan::emission::OutletYear>| {
                year.and_then(|year| year.annualised_kg)
                    .map_or("—".to_owned(), |kg| crate::format::number(kg, 1))
            };
            let coverage = |year: Option<&plan::emission::OutletYear>| {
                year.map_or("—".to_owned(), |year| {
                    crate::format::number(year.coverage_percent, 1)
                })
            };
            let rows = outlets
                .iter()
                .map(|outlet| {
                    vec![
                        Cell::link(outlet.outlet.clone(), format!("/points/{}", outlet.point.0)),
                        Cell::link(
                            outlet.enterprise.clone(),
                            format!("/enterprises/{}", outlet.enterprise),
                        ),
                        Cell::text(outlet.pollutant.clone()),
                        Cell::num(amount(outlet.baseline.as_ref())),
                        Cell::num(coverage(outlet.baseline.as_ref())),
                        Cell::num(amount(outlet.year.as_ref())),
                        Cell::num(coverage(outlet.year.as_ref())),
                        Cell::text(match &outlet.excluded_because {
                            None => ctx.t("alarm.yes").to_owned(),
                            Some(reason) => text(ctx.lang, reason).to_owned(),
                        }),
                    ]
                })
                .collect();
            let mut headers = ctx.headers(&[
                "plan.outlet",
                "plan.enterprise",
                "plan.pollutant",
                "plan.baseline_kg",
                "plan.coverage",
                "plan.year_kg",
                "plan.coverage",
                "plan.counted",
            ]);
            if let Some(header) = headers.get_mut(3) {
                *header = format!("{header} ({baseline_year})");
            }
            Some(Table { id: "drill-down", headers, rows })
        }
    }
}

#[cfg(test)]
mod tests;
