//! Server-rendered pages: the public portal (no login), login and logout, the
//! bureau's dashboard and the point pages.
//!
//! Pages are askama templates (`crates/web/templates/`) around content built
//! here: tables ([`Table`], each exportable as CSV/XLSX with
//! `?format=&table=`) and SVG charts ([`crate::chart`]). They work without
//! JavaScript.
//!
//! **Daily publication.** The daily air-quality report for Beijing day D is
//! served from the derived results in the store (kind `air_daily`, written by
//! the evaluation service as hours arrive) once D is over: asking for today
//! or a later day answers 404 "not yet published", and the default is
//! yesterday. So the report "publishes itself" at Beijing midnight, from data
//! that the evaluator keeps current (a late hour re-derives its day).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Extension;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, NaiveDate};
use model::account::UserName;
use model::{BeijingTime, DataKind, Instant, PointId};
use serde::Deserialize;
use serde_json::Value;
use standards::aqi::{AqiOptions, DailyConcs, Indicator};
use standards::decimal::MeanConc;
use standards::edition::AirEdition;
use store::{DerivedKind, DerivedQuery, DerivedResult, NewSession, PointKind, PointRecord};

use crate::auth::{self, LoginOutcome, Principal};
use crate::chart::{self, Bar, Series, SeriesPoint, escape};
use crate::export::{self, Cell, Format, ReadingsExport, Table};
use crate::format;
use crate::i18n::Lang;
use crate::{AppState, api};

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    pub(crate) lang: Lang,
    pub(crate) logged_in: bool,
    pub(crate) user: String,
    pub(crate) csrf: String,
    /// Whether the user is an administrator (the user-management link).
    pub(crate) admin: bool,
    /// Whether the user is staff, inspector or above (the alarm and registry links).
    pub(crate) staff: bool,
    /// The current page in the other language.
    pub(crate) switch_href: String,
    /// Seconds after which the script reloads the page (0: never).
    pub(crate) refresh_secs: u32,
}

impl Chrome {
    fn new(lang: Lang, principal: &Principal, uri: &Uri) -> Chrome {
        let kept: Vec<&str> = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
            .collect();
        let mut query = kept.join("&");
        if !query.is_empty() {
            query.push('&');
        }
        Chrome {
            lang,
            logged_in: principal.user_name().is_some(),
            user: principal.user_name().unwrap_or_default(),
            csrf: principal.csrf().unwrap_or_default().to_owned(),
            admin: principal.role() == model::account::Role::Admin,
            staff: principal.role().allows(model::account::Role::Inspector),
            switch_href: format!("{}?{query}lang={}", uri.path(), lang.other().code()),
            refresh_secs: 0,
        }
    }

    /// The message `key` in this page's language.
    pub(crate) fn t<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        self.lang.messages().t(key)
    }
}

/// A number card on the dashboard.
#[derive(Debug, Clone)]
pub(crate) struct Card {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) style: String,
}

/// A titled block of a page (trusted HTML built here, every text escaped).
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub(crate) id: String,
    pub(crate) heading: String,
    pub(crate) body: String,
}

#[derive(Template)]
#[template(path = "page.html")]
struct PageTemplate {
    chrome: Chrome,
    heading: String,
    notices: Vec<String>,
    form: String,
    cards: Vec<Card>,
    sections: Vec<Section>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    chrome: Chrome,
    error: String,
    csrf: String,
    next: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    chrome: Chrome,
    status: String,
    message: String,
}

pub(crate) fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}

/// An error page in `lang`.
pub(crate) fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let chrome = Chrome::new(lang, &Principal::Anonymous, &Uri::from_static("/"));
    render(
        &ErrorTemplate { chrome, status: status.to_string(), message: message.to_owned() },
        status,
    )
}

/// The login page with a fresh double-submit CSRF cookie.
pub(crate) fn login_page(
    lang: Lang,
    status: StatusCode,
    error: Option<&str>,
    next: &str,
) -> Response {
    let csrf = auth::new_token();
    let chrome = Chrome::new(lang, &Principal::Anonymous, &Uri::from_static("/login"));
    let mut response = render(
        &LoginTemplate {
            chrome,
            error: error.unwrap_or("").to_owned(),
            csrf: csrf.clone(),
            next: safe_next(next).to_owned(),
        },
        status,
    );
    // Not Secure-dependent: the cookie only pairs with the form.
    let cookie =
        format!("{}={csrf}; Path=/login; HttpOnly; SameSite=Strict", auth::LOGIN_CSRF_COOKIE);
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Only local paths are followed after login (no open redirect).
pub(crate) fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/dashboard"
    }
}

/// The query string every page understands.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PageQuery {
    date: Option<String>,
    month: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    table: Option<String>,
    next: Option<String>,
    /// `1`: draw the previous period of the same length too.
    compare: Option<String>,
}

/// A page's failure: bad input (400) or the store (500).
#[derive(Debug)]
pub(crate) struct PageError {
    lang: Lang,
    status: StatusCode,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.lang, self.status, &self.message)
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

/// Everything a page handler starts from.
pub(crate) struct Ctx {
    pub(crate) state: AppState,
    pub(crate) principal: Principal,
    pub(crate) lang: Lang,
    pub(crate) uri: Uri,
    pub(crate) query: PageQuery,
}

impl axum::extract::FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    /// The guard put the principal and the language in the request's extensions.
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Ctx, PageError> {
        let principal =
            parts.extensions.get::<Principal>().cloned().unwrap_or(Principal::Anonymous);
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let raw = parts.uri.query().map(str::to_owned);
        Ctx::new(state.clone(), principal, lang, parts.uri.clone(), raw)
    }
}

impl Ctx {
    pub(crate) fn new(
        state: AppState,
        principal: Principal,
        lang: Lang,
        uri: Uri,
        raw: Option<String>,
    ) -> Result<Ctx, PageError> {
        let query: PageQuery =
            serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).map_err(|error| {
                PageError { lang, status: StatusCode::BAD_REQUEST, message: error.to_string() }
            })?;
        Ok(Ctx { state, principal, lang, uri, query })
    }

    /// A table's header cells: each message key translated.
    pub(crate) fn headers(&self, keys: &[&str]) -> Vec<String> {
        keys.iter().map(|key| self.t(key).to_owned()).collect()
    }

    pub(crate) fn t<'a>(&self, key: &'a str) -> &'a str {
        self.lang.messages().t(key)
    }

    pub(crate) fn chrome(&self) -> Chrome {
        Chrome::new(self.lang, &self.principal, &self.uri)
    }

    pub(crate) fn bad_request(&self, message: String) -> PageError {
        PageError { lang: self.lang, status: StatusCode::BAD_REQUEST, message }
    }

    pub(crate) fn not_found(&self, message: String) -> PageError {
        PageError { lang: self.lang, status: StatusCode::NOT_FOUND, message }
    }

    pub(crate) fn internal(&self, error: impl std::fmt::Display) -> PageError {
        tracing::error!(%error, "page failed");
        PageError {
            lang: self.lang,
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: self.t("error.internal").to_owned(),
        }
    }

    pub(crate) async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn store::Store) -> Result<T, store::Error> + Send + 'static,
    ) -> Result<T, PageError> {
        let store = self.state.store.clone();
        api::blocking(move || work(store.as_ref())).await.map_err(|error| self.internal(error))
    }

    pub(crate) fn today(&self) -> NaiveDate {
        self.state.clock.now().to_beijing().date()
    }

    /// The page's query without `format`, `table` and `lang` (for export links).
    pub(crate) fn base_query(&self) -> String {
        self.uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|pair| {
                !pair.is_empty()
                    && !pair.starts_with("format=")
                    && !pair.starts_with("table=")
                    && !pair.starts_with("lang=")
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The export response if the query asks for one of `tables`.
    pub(crate) fn export(
        &self,
        tables: &[&Table],
        name: &str,
    ) -> Option<Result<Response, PageError>> {
        let format = self.query.format.as_deref()?;
        let Some(format) = Format::parse(format) else {
            return Some(Err(self.bad_request(format!("format={format:?}: expected csv or xlsx"))));
        };
        let wanted = self.query.table.as_deref().unwrap_or("");
        let table = tables.iter().find(|table| table.id == wanted).or(tables.first())?;
        Some(Ok(export::table_response(table, format, &format!("{name}-{}", table.id))))
    }

    pub(crate) fn page_with(
        &self,
        chrome: Chrome,
        heading: String,
        notices: Vec<String>,
        form: String,
        cards: Vec<Card>,
        sections: Vec<Section>,
    ) -> Response {
        render(&PageTemplate { chrome, heading, notices, form, cards, sections }, StatusCode::OK)
    }

    pub(crate) fn table_section(&self, heading: &str, table: &Table) -> Section {
        Section {
            id: format!("section-{}", table.id),
            heading: heading.to_owned(),
            body: table.html(self.lang, &self.base_query()),
        }
    }
}

pub(crate) fn parse_date(ctx: &Ctx, name: &str, text: &str) -> Result<NaiveDate, PageError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ctx.bad_request(format!("{name}={text:?}: {}", ctx.t("error.bad_date"))))
}

pub(crate) fn day_start(date: NaiveDate) -> Instant {
    BeijingTime(date.and_time(chrono::NaiveTime::MIN)).to_instant()
}

pub(crate) fn points_by_id(points: &[PointRecord]) -> HashMap<PointId, &PointRecord> {
    points.iter().map(|point| (point.id, point)).collect()
}

pub(crate) fn point_name(points: &HashMap<PointId, &PointRecord>, id: PointId) -> String {
    points.get(&id).map_or_else(|| format!("#{}", id.0), |point| point.point.name.clone())
}

fn aqi_of(detail: &Value) -> Option<u32> {
    detail["aqi"].as_u64().and_then(|aqi| u32::try_from(aqi).ok())
}

fn aqi_cells(ctx: &Ctx, detail: &Value) -> [Cell; 3] {
    match aqi_of(detail) {
        Some(aqi) => {
            let (background, foreground) = format::aqi_colours(aqi);
            let level = detail["level_zh"].as_str().unwrap_or("").to_owned();
            [
                Cell::num(aqi.to_string()),
                Cell::text(if ctx.lang == Lang::Zh {
                    level
                } else {
                    format!("{}", detail["level"])
                }),
                Cell::badge(format::aqi_category(ctx.lang, aqi), &background, foreground),
            ]
        }
        None => [Cell::num("—"), Cell::text("—"), Cell::text(ctx.t("air.no_aqi"))],
    }
}

fn primary_text(ctx: &Ctx, detail: &Value) -> String {
    let names: Vec<&str> =
        detail["primary"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    if names.is_empty() { ctx.t("air.no_primary").to_owned() } else { names.join("、") }
}

// ---- Public portal ----

/// `GET /`: the portal's front page: latest hourly AQI and the day's report link.
pub(crate) async fn home(ctx: Ctx) -> PageResult {
    let yesterday = ctx.today() - Duration::days(1);
    let links = format!(
        r#"<ul><li><a href="/public/air/daily?date={yesterday}" id="link-daily">{}</a></li><li><a href="/public/water/monthly">{}</a></li></ul>"#,
        escape(&format!("{} {}", ctx.t("nav.air_daily"), format::date(ctx.lang, yesterday))),
        escape(ctx.t("nav.water_monthly")),
    );
    let reports =
        Section { id: "reports".into(), heading: ctx.t("home.reports").into(), body: links };
    hourly_page(&ctx, "home.title", "home.intro", Some(reports)).await
}

/// `GET /public/air/hourly`: real-time hourly AQI per station.
pub(crate) async fn air_hourly(ctx: Ctx) -> PageResult {
    hourly_page(&ctx, "nav.air_hourly", "air.hourly_note", None).await
}

/// A page of the latest hourly AQI per station (reloading every 10 minutes),
/// with an optional last section.
async fn hourly_page(ctx: &Ctx, heading: &str, intro: &str, last: Option<Section>) -> PageResult {
    let (table, bars) = latest_hourly_table(ctx).await?;
    if let Some(export) = ctx.export(&[&table], "aqi-hourly") {
        return export;
    }
    let mut chrome = ctx.chrome();
    chrome.refresh_secs = 600;
    let mut sections = vec![
        ctx.table_section(ctx.t("air.hourly_heading"), &table),
        Section { id: "levels".into(), heading: ctx.t("air.level_counts").into(), body: bars },
    ];
    sections.extend(last);
    Ok(ctx.page_with(
        chrome,
        ctx.t(heading).to_owned(),
        vec![ctx.t(intro).to_owned()],
        String::new(),
        Vec::new(),
        sections,
    ))
}

/// The latest hourly AQI of every air station within the last 24 hours, and
/// the bars of stations per AQI level.
async fn latest_hourly_table(ctx: &Ctx) -> Result<(Table, String), PageError> {
    let now = ctx.state.clock.now();
    let query = DerivedQuery {
        kind: DerivedKind::AirHourly,
        point: None,
        from: Instant(now.0 - Duration::hours(24)),
        to: Instant(now.0 + Duration::hours(1)),
        limit: 100_000,
    };
    let (points, results) =
        ctx.read(move |store| Ok((store.points()?, store.derived(&query)?))).await?;
    let by_id = points_by_id(&points);
    let mut latest: BTreeMap<PointId, DerivedResult> = BTreeMap::new();
    for result in results {
        latest.insert(result.point, result); // ordered by start: the last wins
    }
    let mut rows = Vec::new();
    let mut counts = [0usize; 6];
    for (point, result) in &latest {
        if let Some(aqi) = aqi_of(&result.detail) {
            counts[usize::from(standards::aqi::AqiLevel::from_aqi(aqi).number() - 1)] += 1;
        }
        let hour = result.start.to_beijing().0;
        let mut row = vec![
            Cell::text(point_name(&by_id, *point)),
            Cell::text(format::date_time(ctx.lang, hour)),
        ];
        row.extend(aqi_cells(ctx, &result.detail));
        row.push(Cell::text(primary_text(ctx, &result.detail)));
        rows.push(row);
    }
    let table = Table {
        id: "hourly",
        headers: ctx.headers(&[
            "air.station",
            "air.hour",
            "air.aqi",
            "air.level",
            "air.category",
            "air.primary",
        ]),
        rows,
    };
    let bars: Vec<Bar> = [35, 75, 125, 175, 250, 350]
        .iter()
        .enumerate()
        .map(|(index, aqi)| Bar {
            label: format::aqi_category(ctx.lang, *aqi).to_owned(),
            count: counts[index],
            colour: format::aqi_colours(*aqi).0,
        })
        .collect();
    Ok((table, chart::category_bars(ctx.t("air.level_counts"), &bars)))
}

/// `GET /public/air/daily?date=YYYY-MM-DD`: the daily report of a finished
/// Beijing day (default yesterday): per station and for the district.
pub(crate) async fn air_daily_report(ctx: Ctx) -> PageResult {
    let today = ctx.today();
    let date = match ctx.query.date.as_deref() {
        Some(text) => parse_date(&ctx, "date", text)?,
        None => today - Duration::days(1),
    };
    if date >= today {
        return Err(ctx.not_found(format!(
            "{} {}",
            format::date(ctx.lang, date),
            ctx.t("air.not_published")
        )));
    }
    let query = DerivedQuery {
        kind: DerivedKind::AirDaily,
        point: None,
        from: day_start(date),
        to: day_start(date + Duration::days(1)),
        limit: 10_000,
    };
    let (points, results) =
        ctx.read(move |store| Ok((store.points()?, store.derived(&query)?))).await?;
    let by_id = points_by_id(&points);
    let mut rows = Vec::new();
    let advice_cells = |aqi: Option<u32>| match aqi {
        Some(aqi) => {
            let (effect, advice) = format::health_advice(ctx.lang, aqi);
            [Cell::text(effect), Cell::text(advice)]
        }
        None => [Cell::text("—"), Cell::text("—")],
    };
    for result in &results {
        let mut row = vec![Cell::text(point_name(&by_id, result.point))];
        row.extend(aqi_cells(&ctx, &result.detail));
        row.push(Cell::text(primary_text(&ctx, &result.detail)));
        row.extend(advice_cells(aqi_of(&result.detail)));
        rows.push(row);
    }
    if let Some(district) = district_daily(&results) {
        let mut row = vec![Cell::text(ctx.t("air.district"))];
        row.extend(aqi_cells(&ctx, &district));
        row.push(Cell::text(primary_text(&ctx, &district)));
        row.extend(advice_cells(aqi_of(&district)));
        rows.insert(0, row);
    }
    let table = Table {
        id: "daily",
        headers: ctx.headers(&[
            "air.station",
            "air.aqi",
            "air.level",
            "air.category",
            "air.primary",
            "air.effect",
            "air.advice",
        ]),
        rows,
    };
    if let Some(export) = ctx.export(&[&table], &format!("aqi-daily-{date}")) {
        return export;
    }
    let prev = date - Duration::days(1);
    let nav = format!(
        r#"<form class="inline" method="get"><label>{}<input type="date" name="date" value="{date}" max="{max}"></label><button class="button" type="submit">{}</button> <a href="?date={prev}">{}</a></form>"#,
        escape(ctx.t("form.date")),
        escape(ctx.t("form.show")),
        escape(ctx.t("form.previous_day")),
        max = today - Duration::days(1),
    );
    let heading = format!("{} {}", ctx.t("air.daily_title"), format::date(ctx.lang, date));
    let notices = vec![ctx.t("air.daily_note").to_owned()];
    let sections = vec![ctx.table_section(ctx.t("air.daily_heading"), &table)];
    Ok(ctx.page_with(ctx.chrome(), heading, notices, nav, Vec::new(), sections))
}

/// The district's daily AQI: the mean of the stations' daily concentrations
/// per indicator, then HJ 633's daily AQI (the district as a city is
/// evaluated by HJ 663 from its stations' means).
fn district_daily(results: &[DerivedResult]) -> Option<Value> {
    let edition = results
        .iter()
        .find_map(|result| result.detail["edition"].as_str().and_then(AirEdition::parse))?;
    let mean = |indicator: Indicator| -> Option<MeanConc> {
        let values: Vec<f64> = results
            .iter()
            .filter_map(|result| result.detail["conc"][indicator.name()].as_f64())
            .collect();
        // Stored concentrations are already rounded to the standard's precision (≤ 3 places).
        let sum_milli: i64 = values.iter().map(|value| (value * 1000.0).round() as i64).sum();
        MeanConc::new(sum_milli, u32::try_from(values.len()).ok()?)
    };
    let day = DailyConcs {
        so2_24h: mean(Indicator::So2),
        no2_24h: mean(Indicator::No2),
        pm10_24h: mean(Indicator::Pm10),
        pm25_24h: mean(Indicator::Pm25),
        co_24h: mean(Indicator::Co),
        o3_mda8: mean(Indicator::O3_8h),
        o3_max_1h: mean(Indicator::O3_1h),
    };
    let report = standards::aqi::daily_aqi(edition, &day, &AqiOptions::default());
    let level = report.aqi.map(standards::aqi::AqiLevel::from_aqi);
    let primary: Vec<&str> = report.primary.iter().map(Indicator::name).collect();
    Some(serde_json::json!({
        "aqi": report.aqi,
        "level": level.map(|level| level.number()),
        "level_zh": level.map(|level| level.name_zh()),
        "primary": primary,
    }))
}

/// `GET /public/water/monthly?month=YYYY-MM`: each section's class in a month
/// (default: last month).
pub(crate) async fn water_monthly(ctx: Ctx) -> PageResult {
    let today = ctx.today();
    let this_month = today.with_day(1).unwrap_or(today);
    let first = match ctx.query.month.as_deref() {
        Some(text) => parse_date(&ctx, "month", &format!("{text}-01"))?,
        None => (this_month - Duration::days(1)).with_day(1).unwrap_or(this_month),
    };
    let next = (first + Duration::days(32)).with_day(1).unwrap_or(first);
    let query = DerivedQuery {
        kind: DerivedKind::WaterMonthly,
        point: None,
        from: day_start(first),
        to: day_start(next),
        limit: 10_000,
    };
    let (points, results) =
        ctx.read(move |store| Ok((store.points()?, store.derived(&query)?))).await?;
    let by_id = points_by_id(&points);
    let classes = ["I", "II", "III", "IV", "V", "劣V"];
    let mut counts = [0usize; 6];
    let rows: Vec<Vec<Cell>> = results
        .iter()
        .map(|result| {
            let class = result.detail["class"].as_str().unwrap_or("");
            if let Some(index) = classes.iter().position(|c| *c == class) {
                counts[index] += 1;
            }
            let (background, foreground) = format::water_colours(class);
            let mains: Vec<String> = result.detail["main_pollutants"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|main| main["item"].as_str().map(str::to_owned))
                .collect();
            vec![
                Cell::text(point_name(&by_id, result.point)),
                if class.is_empty() {
                    Cell::text("—")
                } else {
                    Cell::badge(format::water_class(ctx.lang, class), background, foreground)
                },
                Cell::text(if ctx.lang == Lang::Zh {
                    result.detail["status_zh"].as_str().unwrap_or("—").to_owned()
                } else {
                    class.to_owned()
                }),
                Cell::text(if mains.is_empty() { "—".to_owned() } else { mains.join("、") }),
                Cell::text(match ctx.lang {
                    Lang::Zh => result.detail["target_zh"].as_str().unwrap_or("—"),
                    Lang::En => result.detail["target"].as_str().unwrap_or("—"),
                }),
                Cell::text(match result.detail["meets_target"].as_bool() {
                    Some(true) => ctx.t("water.meets"),
                    Some(false) => ctx.t("water.misses"),
                    None => "—",
                }),
            ]
        })
        .collect();
    let table = Table {
        id: "sections",
        headers: ctx.headers(&[
            "water.section",
            "water.class",
            "water.status",
            "water.main_pollutants",
            "water.target",
            "water.attainment",
        ]),
        rows,
    };
    if let Some(export) = ctx.export(&[&table], &format!("water-{}", first.format("%Y-%m"))) {
        return export;
    }
    let bars: Vec<Bar> = classes
        .iter()
        .enumerate()
        .map(|(index, class)| Bar {
            label: format::water_class(ctx.lang, class),
            count: counts[index],
            colour: format::water_colours(class).0.to_owned(),
        })
        .collect();
    let nav = format!(
        r#"<form class="inline" method="get"><label>{}<input type="month" name="month" value="{}"></label><button class="button" type="submit">{}</button></form>"#,
        escape(ctx.t("form.month")),
        first.format("%Y-%m"),
        escape(ctx.t("form.show")),
    );
    let heading = format!(
        "{} {}",
        ctx.t("water.monthly_title"),
        format::month(ctx.lang, first.year(), first.month())
    );
    let sections = vec![
        ctx.table_section(ctx.t("water.sections_heading"), &table),
        Section {
            id: "classes".into(),
            heading: ctx.t("water.class_counts").into(),
            body: chart::category_bars(ctx.t("water.class_counts"), &bars),
        },
    ];
    Ok(ctx.page_with(
        ctx.chrome(),
        heading,
        vec![ctx.t("water.note").to_owned()],
        nav,
        Vec::new(),
        sections,
    ))
}

// ---- Login and logout ----

/// `GET /login`.
pub(crate) async fn login_form(
    Extension(lang): Extension<Lang>,
    RawQuery(raw): RawQuery,
) -> Response {
    let query: PageQuery =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    login_page(lang, StatusCode::OK, None, query.next.as_deref().unwrap_or("/dashboard"))
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`: checks the throttle, the password, starts a session.
pub(crate) async fn login(State(state): State<AppState>, request: Request) -> Response {
    let lang = Lang::of_request(request.uri().query(), request.headers());
    let peer = crate::routes::peer(&request);
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), 64 * 1024).await else {
        return login_page(
            lang,
            StatusCode::BAD_REQUEST,
            Some(lang.messages().t("login.bad_form")),
            "/dashboard",
        );
    };
    let Ok(form) = serde_urlencoded::from_bytes::<LoginForm>(&bytes) else {
        return login_page(
            lang,
            StatusCode::BAD_REQUEST,
            Some(lang.messages().t("login.bad_form")),
            "/dashboard",
        );
    };
    let next = form.next.clone().unwrap_or_else(|| "/dashboard".to_owned());
    let t = lang.messages();
    let now = state.clock.now();
    let limits = state.web.limits();
    let checked = {
        let (store, web, name, peer) =
            (state.store.clone(), state.web.clone(), form.name.clone(), peer.clone());
        api::blocking(move || web.throttle.check(store.as_ref(), limits, &name, &peer, now)).await
    };
    let allowed = match checked {
        Ok(Ok(allowed)) => allowed,
        Err(error) => {
            // Without the counts no login is tried: the throttle fails closed.
            tracing::error!(%error, "cannot read the login throttle");
            return error_page(lang, StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal"));
        }
        Ok(Err(throttled)) => {
            state.web.metrics.login(throttled.outcome);
            let minutes = (throttled.retry_after_secs + 59) / 60;
            let which = if throttled.outcome == LoginOutcome::ThrottledAccount {
                t.t("login.throttled_account")
            } else {
                t.t("login.throttled_ip")
            };
            let message = format!("{which} {minutes} {}", t.t("login.minutes"));
            let mut response =
                login_page(lang, StatusCode::TOO_MANY_REQUESTS, Some(&message), &next);
            if let Ok(value) = throttled.retry_after_secs.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
    };
    let user = match UserName::parse(form.name.trim()) {
        Ok(name) => {
            let store = state.store.clone();
            api::blocking(move || store.user_by_name(&name)).await.ok().flatten()
        }
        Err(_) => None,
    };
    // Verify even for an unknown user, so timing does not tell which names exist.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| auth::hash_password("no such user").unwrap_or_default());
    let password = form.password.clone();
    let hash = user.as_ref().map_or(dummy.to_owned(), |user| user.password_hash.clone());
    let verified = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let Some(user) = user.filter(|user| verified && !user.user.retired) else {
        state.web.metrics.login(LoginOutcome::BadCredentials);
        // Counted by the throttle and audited as `login_failed`, in one transaction.
        let (store, web, name) = (state.store.clone(), state.web.clone(), form.name.clone());
        let recorded =
            api::blocking(move || web.throttle.failed(store.as_ref(), limits, &name, &peer, now))
                .await;
        if let Err(error) = recorded {
            tracing::error!(%error, "cannot record a failed login");
        }
        return login_page(lang, StatusCode::UNAUTHORIZED, Some(t.t("login.failed")), &next);
    };
    // Clears the account's failures; no write when the check counted none.
    let (store, web, name) = (state.store.clone(), state.web.clone(), form.name.clone());
    let cleared =
        api::blocking(move || web.throttle.succeeded(store.as_ref(), allowed, &name, now)).await;
    if let Err(error) = cleared {
        tracing::error!(%error, "cannot clear the account's failed logins");
    }
    let token = auth::new_token();
    let hours = i64::from(state.web.config.session_hours.max(1));
    let session = NewSession {
        token_hash: auth::token_hash(&token),
        user: user.user.id,
        csrf_token: auth::new_token(),
        created_at: now,
        expires_at: Instant(now.0 + Duration::hours(hours)),
        peer,
    };
    let store = state.store.clone();
    if let Err(error) = api::blocking(move || store.start_session(&session)).await {
        tracing::error!(%error, "cannot start a session");
        return error_page(lang, StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal"));
    }
    state.web.metrics.login(LoginOutcome::Success);
    let cookie = auth::set_cookie(
        auth::SESSION_COOKIE,
        &token,
        hours * 3600,
        state.web.config.secure_cookies,
    );
    let mut response = Redirect::to(safe_next(&next)).into_response();
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `POST /logout`: ends the session (audited) and clears the cookie.
pub(crate) async fn logout(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Response {
    if let Principal::Session { token_hash, .. } = principal {
        let (store, now) = (state.store.clone(), state.clock.now());
        if let Err(error) = api::blocking(move || store.end_session(&token_hash, now)).await {
            tracing::error!(%error, "cannot end a session");
        }
    }
    let mut response = Redirect::to("/").into_response();
    let cookie = auth::set_cookie(auth::SESSION_COOKIE, "", 0, state.web.config.secure_cookies);
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

// ---- Dashboard and points ----

/// What the dashboard reads from the store. Shared by all requests for
/// [`DASHBOARD_TTL`] (each request filters it for its principal), so 50
/// clients refreshing the dashboard cost one set of queries, not fifty.
#[derive(Debug)]
pub(crate) struct DashboardData {
    points: Vec<PointRecord>,
    devices: Vec<store::DeviceRecord>,
    /// Air stations' hourly AQI of the last 24 hours.
    hourly: Vec<DerivedResult>,
    /// Water sections' daily class of the last 7 days.
    water: Vec<DerivedResult>,
    /// Outlets' hourly judgements of the last 24 hours.
    outlets: Vec<DerivedResult>,
    /// Air stations' daily AQI of the last 60 days (today's included).
    calendar: Vec<DerivedResult>,
}

/// How long a dashboard snapshot is reused.
const DASHBOARD_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// The dashboard's data: the shared snapshot if younger than [`DASHBOARD_TTL`] (see [`crate::snapshot`]).
async fn dashboard_data(ctx: &Ctx) -> Result<std::sync::Arc<DashboardData>, PageError> {
    ctx.state.web.dashboard.get((), DASHBOARD_TTL, || read_dashboard_data(ctx)).await
}

/// The dashboard's data, fresh from the store.
async fn read_dashboard_data(ctx: &Ctx) -> Result<DashboardData, PageError> {
    let now = ctx.state.clock.now();
    let today = ctx.today();
    let since = Instant(now.0 - Duration::hours(24));
    let query = |kind, from| DerivedQuery {
        kind,
        point: None,
        from,
        to: Instant(now.0 + Duration::days(1)),
        limit: 200_000,
    };
    let (hourly_q, water_q, outlet_q, calendar_q) = (
        query(DerivedKind::AirHourly, since),
        query(DerivedKind::WaterDaily, day_start(today - Duration::days(7))),
        query(DerivedKind::OutletHourly, since),
        query(DerivedKind::AirDaily, day_start(today - Duration::days(59))),
    );
    ctx.read(move |store| {
        Ok(DashboardData {
            points: store.points()?,
            devices: store.devices()?,
            hourly: store.derived(&hourly_q)?,
            water: store.derived(&water_q)?,
            outlets: store.derived(&outlet_q)?,
            calendar: store.derived(&calendar_q)?,
        })
    })
    .await
}

/// A device is online if it was seen within this many minutes.
pub(crate) const ONLINE_MINUTES: i64 = 10;

/// `GET /dashboard`: today's AQI, water classes, outlets in exceedance,
/// devices online, for the points the principal may see.
pub(crate) async fn dashboard(ctx: Ctx) -> PageResult {
    let now = ctx.state.clock.now();
    let today = ctx.today();
    let calendar_from = today - Duration::days(59);
    let data = dashboard_data(&ctx).await?;
    let DashboardData { points, devices, hourly, water, outlets, calendar } = data.as_ref();
    let today_start = day_start(today);
    let daily: Vec<&DerivedResult> =
        calendar.iter().filter(|result| result.start >= today_start).collect();
    let visible: Vec<&PointRecord> =
        points.iter().filter(|point| ctx.principal.can_see(point)).collect();
    let by_id: HashMap<PointId, &PointRecord> =
        visible.iter().map(|point| (point.id, *point)).collect();
    let link = |id: PointId| format!("/points/{}", id.0);

    // Air: the latest hour and today's daily value so far, per station.
    let mut latest_hour: BTreeMap<PointId, &DerivedResult> = BTreeMap::new();
    for result in hourly.iter().filter(|result| by_id.contains_key(&result.point)) {
        latest_hour.insert(result.point, result);
    }
    let daily_by: HashMap<PointId, &DerivedResult> =
        daily.iter().map(|result| (result.point, *result)).collect();
    let mut air_rows = Vec::new();
    for point in visible.iter().filter(|point| point.point.kind == PointKind::AirStation) {
        let mut row = vec![Cell::link(point.point.name.clone(), link(point.id))];
        match latest_hour.get(&point.id) {
            Some(result) => {
                row.push(Cell::text(format::date_time(ctx.lang, result.start.to_beijing().0)));
                row.extend(aqi_cells(&ctx, &result.detail));
            }
            None => row.extend([Cell::text("—"), Cell::num("—"), Cell::text("—"), Cell::text("—")]),
        }
        row.push(match daily_by.get(&point.id).and_then(|result| aqi_of(&result.detail)) {
            Some(aqi) => Cell::num(aqi.to_string()),
            None => Cell::num("—"),
        });
        air_rows.push(row);
    }
    let air = Table {
        id: "air",
        headers: ctx.headers(&[
            "air.station",
            "air.hour",
            "air.aqi",
            "air.level",
            "air.category",
            "air.today_daily",
        ]),
        rows: air_rows,
    };

    // Water: the latest daily class per section.
    let mut latest_water: BTreeMap<PointId, &DerivedResult> = BTreeMap::new();
    for result in water.iter().filter(|result| by_id.contains_key(&result.point)) {
        latest_water.insert(result.point, result);
    }
    let water_rows: Vec<Vec<Cell>> = visible
        .iter()
        .filter(|point| point.point.kind == PointKind::SurfaceWater)
        .map(|point| match latest_water.get(&point.id) {
            Some(result) => {
                let class = result.detail["class"].as_str().unwrap_or("");
                let (background, foreground) = format::water_colours(class);
                vec![
                    Cell::link(point.point.name.clone(), link(point.id)),
                    Cell::text(result.period.clone()),
                    Cell::badge(format::water_class(ctx.lang, class), background, foreground),
                ]
            }
            None => vec![
                Cell::link(point.point.name.clone(), link(point.id)),
                Cell::text("—"),
                Cell::text("—"),
            ],
        })
        .collect();
    let water_table = Table {
        id: "water",
        headers: ctx.headers(&["water.section", "water.day", "water.class"]),
        rows: water_rows,
    };

    // Outlets: hours in exceedance in the last 24 hours.
    let mut exceeding: BTreeMap<PointId, (usize, String)> = BTreeMap::new();
    for result in outlets.iter().filter(|result| by_id.contains_key(&result.point)) {
        let params: Vec<String> = result.detail["params"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, outcome)| outcome["exceeds"] == true)
            .map(|(param, _)| param.clone())
            .collect();
        if !params.is_empty() {
            let entry = exceeding.entry(result.point).or_insert((0, String::new()));
            entry.0 += 1;
            entry.1 = format!(
                "{} ({})",
                format::date_time(ctx.lang, result.start.to_beijing().0),
                params.join(", ")
            );
        }
    }
    let outlet_rows: Vec<Vec<Cell>> = exceeding
        .iter()
        .map(|(point, (n_hours, last))| {
            vec![
                Cell::link(point_name(&by_id, *point), link(*point)),
                Cell::text(
                    by_id.get(point).and_then(|p| p.point.enterprise.clone()).unwrap_or_default(),
                ),
                Cell::num(n_hours.to_string()),
                Cell::text(last.clone()),
            ]
        })
        .collect();
    let outlet_table = Table {
        id: "outlets",
        headers: ctx.headers(&["outlet.name", "outlet.enterprise", "outlet.hours", "outlet.last"]),
        rows: outlet_rows,
    };

    // Devices.
    let visible_devices: Vec<&store::DeviceRecord> =
        devices.iter().filter(|device| by_id.contains_key(&device.device.point)).collect();
    let (device_table, n_online) = device_table(&ctx, &visible_devices, &by_id, now);
    let point_rows: Vec<Vec<Cell>> = visible
        .iter()
        .map(|point| {
            vec![
                Cell::text(point.point.code.clone()),
                Cell::link(point.point.name.clone(), link(point.id)),
                Cell::text(point.point.kind.as_str()),
                Cell::text(point.point.enterprise.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let point_table = Table {
        id: "points",
        headers: ctx.headers(&["point.code", "point.name", "point.kind", "outlet.enterprise"]),
        rows: point_rows,
    };
    let tables = [&air, &water_table, &outlet_table, &device_table, &point_table];
    if let Some(export) = ctx.export(&tables, "dashboard") {
        return export;
    }

    // The district's AQI calendar: the highest station AQI per day (a quick look;
    // the published district value is on the daily report).
    let mut by_day: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for result in calendar.iter().filter(|result| by_id.contains_key(&result.point)) {
        if let Some(aqi) = aqi_of(&result.detail) {
            let day = result.start.to_beijing().date();
            let entry = by_day.entry(day).or_insert(0);
            *entry = (*entry).max(aqi);
        }
    }
    let days: Vec<(NaiveDate, Option<u32>)> = (0..60)
        .map(|offset| calendar_from + Duration::days(offset))
        .map(|day| (day, by_day.get(&day).copied()))
        .collect();

    let cards = vec![
        Card {
            value: air.rows.len().to_string(),
            label: ctx.t("card.stations").into(),
            style: String::new(),
        },
        Card {
            value: water_table.rows.len().to_string(),
            label: ctx.t("card.sections").into(),
            style: String::new(),
        },
        Card {
            value: outlet_table.rows.len().to_string(),
            label: ctx.t("card.outlets_exceeding").into(),
            style: if outlet_table.rows.is_empty() {
                String::new()
            } else {
                "color:#d32f2f".into()
            },
        },
        Card {
            value: format::percent(n_online, visible_devices.len()),
            label: format!(
                "{} ({n_online}/{})",
                ctx.t("card.devices_online"),
                visible_devices.len()
            ),
            style: String::new(),
        },
    ];
    let mut sections = vec![
        ctx.table_section(ctx.t("dash.air"), &air),
        Section {
            id: "calendar".into(),
            heading: ctx.t("dash.calendar").into(),
            body: chart::aqi_calendar(&days, ctx.lang),
        },
        ctx.table_section(ctx.t("dash.water"), &water_table),
        ctx.table_section(ctx.t("dash.outlets"), &outlet_table),
        ctx.table_section(ctx.t("dash.devices"), &device_table),
        ctx.table_section(ctx.t("dash.points"), &point_table),
    ];
    if ctx.principal.role().is_scoped() {
        sections.retain(|section| section.id != "calendar");
    }
    let mut chrome = ctx.chrome();
    chrome.refresh_secs = 300;
    let heading = format!("{} · {}", ctx.t("dash.title"), format::date(ctx.lang, today));
    Ok(ctx.page_with(chrome, heading, Vec::new(), String::new(), cards, sections))
}

/// The devices' table (MN, point linked to its page, last seen, online badge)
/// and how many are online (seen within [`ONLINE_MINUTES`] of `now`).
pub(crate) fn device_table(
    ctx: &Ctx,
    devices: &[&store::DeviceRecord],
    by_id: &HashMap<PointId, &PointRecord>,
    now: Instant,
) -> (Table, usize) {
    let online = |device: &store::DeviceRecord| {
        device.last_seen.is_some_and(|seen| (now.0 - seen.0).num_minutes() < ONLINE_MINUTES)
    };
    let n_online = devices.iter().filter(|device| online(device)).count();
    let rows = devices
        .iter()
        .map(|device| {
            vec![
                Cell::text(device.device.mn.to_string()),
                Cell::link(
                    point_name(by_id, device.device.point),
                    format!("/points/{}", device.device.point.0),
                ),
                Cell::text(device.last_seen.map_or("—".to_owned(), |seen| {
                    format::date_time(ctx.lang, seen.to_beijing().0)
                })),
                if online(device) {
                    Cell::badge(ctx.t("device.online"), "#00B050", "#FFFFFF")
                } else {
                    Cell::badge(ctx.t("device.offline"), "#9E9E9E", "#FFFFFF")
                },
            ]
        })
        .collect();
    let table = Table {
        id: "devices",
        headers: ctx.headers(&["device.mn", "device.point", "device.last_seen", "device.status"]),
        rows,
    };
    (table, n_online)
}

/// The reading range of a point page or export: kind (default hour) and
/// Beijing dates `from..=to` (default: the last day for realtime and minute
/// data, 7 days for hours, 60 for days).
fn reading_range(ctx: &Ctx) -> Result<(DataKind, NaiveDate, NaiveDate), PageError> {
    let kind = match ctx.query.kind.as_deref() {
        None | Some("") => DataKind::Hour,
        Some(text) => DataKind::parse(text).ok_or_else(|| {
            ctx.bad_request(format!("kind={text:?}: {}", ctx.t("error.bad_kind")))
        })?,
    };
    let to = match ctx.query.to.as_deref() {
        Some(text) if !text.is_empty() => parse_date(ctx, "to", text)?,
        _ => ctx.today(),
    };
    let default_days = match kind {
        DataKind::Realtime | DataKind::Minute => 0,
        DataKind::Hour => 6,
        DataKind::Day => 59,
    };
    let from = match ctx.query.from.as_deref() {
        Some(text) if !text.is_empty() => parse_date(ctx, "from", text)?,
        _ => to - Duration::days(default_days),
    };
    if from > to {
        return Err(ctx.bad_request(format!("from={from} > to={to}")));
    }
    Ok((kind, from, to))
}

/// Most readings a point page draws (the export has no such bound).
const PAGE_READINGS: usize = 20_000;

/// `GET /points/{point}`: a point's readings as charts (flags, limit line) and
/// a table, with a realtime/minute/hour/day choice and a date range.
pub(crate) async fn point_page(ctx: Ctx, Path(point): Path<i64>) -> PageResult {
    let (kind, from, to) = reading_range(&ctx)?;
    let id = PointId(point);
    let query = store::ReadingQuery {
        point: id,
        kind,
        params: Vec::new(),
        from: day_start(from),
        to: day_start(to + Duration::days(1)),
        limit: PAGE_READINGS,
    };
    let results_from = day_start(from);
    let results_to = day_start(to + Duration::days(1));
    // Comparing periods: the same length of time just before `from`.
    let span = to - from + Duration::days(1);
    let compare = ctx.query.compare.as_deref() == Some("1");
    let previous_query = compare.then(|| store::ReadingQuery {
        from: day_start(from - span),
        to: day_start(from),
        ..query.clone()
    });
    let (points, readings, limits, results, previous) = ctx
        .read(move |store| {
            let points = store.points()?;
            // The standards' verdicts on this point over the range.
            let kind = points.iter().find(|record| record.id == id).and_then(|record| match record
                .point
                .kind
            {
                PointKind::AirStation => Some(DerivedKind::AirDaily),
                PointKind::SurfaceWater => Some(DerivedKind::WaterDaily),
                PointKind::FlueGas | PointKind::Wastewater => Some(DerivedKind::OutletHourly),
                _ => None,
            });
            let results = match kind {
                Some(kind) => store.derived(&DerivedQuery {
                    kind,
                    point: Some(id),
                    from: results_from,
                    to: results_to,
                    limit: 10_000,
                })?,
                None => Vec::new(),
            };
            let previous = match previous_query {
                Some(query) => store.readings(&query)?,
                None => Vec::new(),
            };
            Ok((points, store.marked_readings(&query)?, store.point_limits(id)?, results, previous))
        })
        .await?;
    // The current values, and who corrected which (#4: marked like the JSON API).
    let (readings, markers): (Vec<model::Reading>, Vec<Option<store::CorrectionMarker>>) =
        readings.into_iter().map(|marked| (marked.reading, marked.corrected)).unzip();
    let Some(record) = points.iter().find(|record| record.id == id) else {
        return Err(ctx.not_found(format!("{} {point}", ctx.t("point.unknown"))));
    };
    // Charts: one per parameter; where a limit judges converted
    // concentrations (折算浓度), the converted values are drawn.
    let converted: std::collections::HashSet<&str> = limits
        .iter()
        .filter(|limit| limit.limit["conversion"] != "measured")
        .map(|limit| limit.param.as_str())
        .collect();
    let mut by_param: BTreeMap<String, Vec<SeriesPoint>> = BTreeMap::new();
    let pick = |reading: &model::Reading| {
        let values = &reading.values;
        let measured = values.avg.or(values.rtd);
        let zs = values.zs_avg.or(values.zs_rtd);
        if converted.contains(reading.key.param.as_str()) {
            zs.or(measured)
        } else {
            measured.or(zs)
        }
    };
    for reading in &readings {
        let values = &reading.values;
        let Some(value) = pick(reading) else {
            continue;
        };
        by_param.entry(reading.key.param.to_string()).or_default().push(SeriesPoint {
            x: reading.key.data_time.unix_millis(),
            label: format::date_time(ctx.lang, reading.key.data_time.to_beijing().0),
            value,
            flag: values.flag.clone(),
        });
    }
    let shift_ms = span.num_milliseconds();
    let mut previous_by_param: BTreeMap<String, Vec<SeriesPoint>> = BTreeMap::new();
    for reading in &previous {
        let values = &reading.values;
        let Some(value) = pick(reading) else {
            continue;
        };
        previous_by_param.entry(reading.key.param.to_string()).or_default().push(SeriesPoint {
            x: reading.key.data_time.unix_millis() + shift_ms,
            label: format::date_time(ctx.lang, reading.key.data_time.to_beijing().0),
            value,
            flag: values.flag.clone(),
        });
    }
    let mut charts = String::new();
    for (param, series_points) in by_param {
        let limit = limits.iter().find(|limit| limit.param == param).and_then(|limit| {
            let max = limit.limit["bound"]["max"].as_str()?.parse::<f64>().ok()?;
            let unit = limit.limit["unit"].as_str().unwrap_or("");
            Some((max, format!("{} {} {unit}", ctx.t("point.limit"), format::number(max, 2))))
        });
        let previous = previous_by_param.remove(&param).unwrap_or_default();
        let series = Series { title: param, points: series_points, limit, previous };
        charts.push_str(&chart::time_series(&series, ctx.lang));
    }
    if charts.is_empty() {
        charts = format!(r#"<p class="muted">{}</p>"#, escape(ctx.t("chart.no_data")));
    }
    // The table: newest first, at most 500 rows on the page (the export has all).
    let rows: Vec<Vec<Cell>> = readings
        .iter()
        .zip(&markers)
        .rev()
        .take(500)
        .map(|(reading, marker)| {
            let values = &reading.values;
            let number = |value: Option<f64>| {
                value.map_or("—".to_owned(), |value| format::number(value, 3))
            };
            let flag = values.flag.clone().unwrap_or_default();
            vec![
                Cell::text(format::date_time(ctx.lang, reading.key.data_time.to_beijing().0)),
                Cell::text(reading.key.param.to_string()),
                Cell::num(number(values.rtd.or(values.avg))),
                Cell::num(number(values.min)),
                Cell::num(number(values.max)),
                Cell::num(number(values.zs_rtd.or(values.zs_avg))),
                if flag.is_empty() || flag == "N" {
                    Cell::text(flag)
                } else {
                    Cell::badge(flag, "#d32f2f", "#FFFFFF")
                },
                crate::corrections::marker::cell(&ctx, reading, marker.as_ref()),
            ]
        })
        .collect();
    let table = Table {
        id: "readings",
        headers: ctx.headers(&[
            "point.time",
            "point.param",
            "point.value",
            "point.min",
            "point.max",
            "point.converted",
            "point.flag",
            "point.correction",
        ]),
        rows,
    };
    if let Some(export) =
        ctx.export(&[&table, &verdict_table(&ctx, &results)], &format!("point-{point}"))
    {
        return export;
    }
    let kinds = [DataKind::Realtime, DataKind::Minute, DataKind::Hour, DataKind::Day];
    let options: String = kinds
        .iter()
        .map(|option| {
            format!(
                r#"<option value="{0}"{1}>{2}</option>"#,
                option.as_str(),
                if *option == kind { " selected" } else { "" },
                escape(ctx.t(&kind_key(*option))),
            )
        })
        .collect();
    let export_query = format!("kind={}&amp;from={from}&amp;to={to}", kind.as_str());
    let form = format!(
        r#"<form class="inline" method="get" id="range-form"><label>{kind_label}<select name="kind" id="kind-select">{options}</select></label><label>{from_label}<input type="date" name="from" value="{from}"></label><label>{to_label}<input type="date" name="to" value="{to}"></label><label><span>{compare_label}</span><input type="checkbox" name="compare" value="1"{checked}></label><button class="button" type="submit">{show}</button></form><p class="exports">{all}: <a href="/points/{point}/export?{export_query}&amp;format=csv">CSV</a> <a href="/points/{point}/export?{export_query}&amp;format=xlsx" id="export-all-xlsx">XLSX</a></p>"#,
        kind_label = escape(ctx.t("form.kind")),
        from_label = escape(ctx.t("form.from")),
        to_label = escape(ctx.t("form.to")),
        show = escape(ctx.t("form.show")),
        all = escape(ctx.t("point.export_all")),
        compare_label = escape(ctx.t("form.compare")),
        checked = if compare { " checked" } else { "" },
    );
    let mut notices = Vec::new();
    if readings.len() == PAGE_READINGS {
        notices.push(ctx.t("point.truncated").to_owned());
    }
    let n_corrected = markers.iter().filter(|marker| marker.is_some()).count();
    if n_corrected > 0 {
        notices.push(format!("{} {n_corrected}", ctx.t("point.n_corrected")));
    }
    let heading =
        format!("{} · {} ({})", record.point.name, record.point.code, record.point.kind.as_str());
    let verdicts = verdict_table(&ctx, &results);
    let sections = vec![
        Section { id: "charts".into(), heading: ctx.t("point.charts").into(), body: charts },
        ctx.table_section(ctx.t("point.verdicts"), &verdicts),
        ctx.table_section(ctx.t("point.readings"), &table),
    ];
    Ok(ctx.page_with(ctx.chrome(), heading, notices, form, Vec::new(), sections))
}

/// The derived results of a point as a table: daily AQI, daily water class,
/// or the outlet's hours with the parameters in exceedance.
fn verdict_table(ctx: &Ctx, results: &[DerivedResult]) -> Table {
    let rows = results
        .iter()
        .map(|result| {
            let detail = &result.detail;
            let verdict = match result.kind {
                DerivedKind::AirDaily | DerivedKind::AirHourly => match aqi_of(detail) {
                    Some(aqi) => {
                        let (background, foreground) = format::aqi_colours(aqi);
                        Cell::badge(
                            format!("AQI {aqi} {}", format::aqi_category(ctx.lang, aqi)),
                            &background,
                            foreground,
                        )
                    }
                    None => Cell::text(ctx.t("air.no_aqi")),
                },
                DerivedKind::WaterDaily | DerivedKind::WaterMonthly => {
                    let class = detail["class"].as_str().unwrap_or("");
                    let (background, foreground) = format::water_colours(class);
                    Cell::badge(format::water_class(ctx.lang, class), background, foreground)
                }
                DerivedKind::OutletHourly | DerivedKind::OutletDaily => {
                    let exceeding: Vec<String> = detail["params"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(_, outcome)| outcome["exceeds"] == true)
                        .map(|(param, _)| param.clone())
                        .collect();
                    if exceeding.is_empty() {
                        Cell::badge(ctx.t("point.within_limits"), "#00B050", "#FFFFFF")
                    } else {
                        Cell::badge(
                            format!("{} {}", ctx.t("point.exceeds"), exceeding.join(", ")),
                            "#d32f2f",
                            "#FFFFFF",
                        )
                    }
                }
            };
            vec![Cell::text(result.period.clone()), verdict, Cell::text(result.edition.clone())]
        })
        .collect();
    Table {
        id: "verdicts",
        headers: ctx.headers(&["point.period", "point.verdict", "point.edition"]),
        rows,
    }
}

fn kind_key(kind: DataKind) -> String {
    format!("kind.{}", kind.as_str())
}

/// `GET /points/{point}/export?kind=&from=&to=&format=csv|xlsx`: every reading
/// of the range, streamed.
pub(crate) async fn point_export(ctx: Ctx, Path(point): Path<i64>) -> PageResult {
    let (kind, from, to) = reading_range(&ctx)?;
    let format = match ctx.query.format.as_deref() {
        None => Format::Csv,
        Some(text) => Format::parse(text)
            .ok_or_else(|| ctx.bad_request(format!("format={text:?}: expected csv or xlsx")))?,
    };
    let id = PointId(point);
    let points = ctx.read(|store| store.points()).await?;
    let Some(record) = points.iter().find(|record| record.id == id) else {
        return Err(ctx.not_found(format!("{} {point}", ctx.t("point.unknown"))));
    };
    let entry = store::AuditEntry {
        at: ctx.state.clock.now(),
        actor: ctx.principal.actor(),
        action: "export".to_owned(),
        subject: format!("point:{}", record.point.code),
        detail: serde_json::json!({"kind": kind.as_str(), "from": from.to_string(), "to": to.to_string(), "format": format!("{format:?}")}),
    };
    ctx.read(move |store| store.record_audit(&[entry])).await?;
    let export = ReadingsExport {
        point: id,
        kind,
        from: day_start(from),
        to: day_start(to + Duration::days(1)),
    };
    let name = format!("{}-{}-{from}-{to}", record.point.code, kind.as_str());
    Ok(export::readings_export(ctx.state.store.clone(), export, format, &name))
}
