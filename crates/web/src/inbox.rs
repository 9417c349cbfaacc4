//! The alarm inbox pages (issue #5): the signed-in inspector's alarms, an
//! alarm's detail with its history, and the forms that acknowledge, assign
//! and close it.
//!
//! - `GET /alarms?scope=&state=&rule=&point=&after=|before=`: by default the
//!   active alarms (open or acknowledged) assigned to me, to my role, or to
//!   nobody yet; `scope=all` lists every alarm; `state` is `active`, `open`,
//!   `acknowledged` or `closed`. Every matching alarm is reachable, 100 a
//!   page, newest opened first (then by id), read without their evidence
//!   through [`store::AlarmPageStore`]: the first/previous/next links carry a
//!   cursor (`after=` or `before=`, an opaque token, `cursor.rs`) rather than
//!   an offset, so a deep page costs what the first does and an alarm opened
//!   meanwhile neither repeats nor hides a row; a token that is not one of
//!   ours is refused (400). The page shows the total (one count per state,
//!   with the same filters). "Mine" and the points the user may see are
//!   filtered in the store's query.
//! - `GET /alarms?…&format=csv|xlsx`: every matching alarm, the table's
//!   columns, streamed in batches through the same cursor (`export.rs`).
//! - `GET /alarms/{id}`: facts, evidence, history, and the forms its state allows.
//! - `POST /alarms/{id}/acknowledge|assign|close`: urlencoded forms (CSRF
//!   checked by the guard); the close form is multipart, with an optional
//!   attachment (a photo, a report) stored with the alarm as the API stores
//!   it (at most 10 MiB). Closing needs a note: without one the page comes
//!   back (422) with the message next to the field, as does a file too large.
//!   The actor recorded in the alarm's history and the audit log is the
//!   signed-in user.
//!
//! Everything goes through [`store::AlarmStore`]; the lifecycle rules are the store's.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use model::alarm::{AlarmId, AlarmState, Rule, Severity};
use model::{Instant, PointId};
use serde::Deserialize;
use store::{Alarm, AlarmError, AlarmEvent, AlarmPageFrom, AlarmQuery, Attachment};

use self::cursor::PageToken;

use crate::chart::escape;
use crate::export::{Cell, Table};
use crate::form::{self, Field, Input};
use crate::i18n::Lang;
use crate::pages::{Ctx, PageResult, Section, points_by_id};

/// Alarms per page of the inbox: rendering every listed alarm on every
/// request (and every two-minute refresh) was what made `/alarms` slow.
const PAGE_SIZE: usize = 100;

/// The inbox's query string.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InboxQuery {
    scope: Option<String>,
    state: Option<String>,
    rule: Option<String>,
    point: Option<String>,
    /// The page after this token's alarm ([`PageToken`]).
    after: Option<String>,
    /// The page before this token's alarm.
    before: Option<String>,
    /// `csv` or `xlsx`: the export of every alarm the filters match.
    format: Option<String>,
}

/// Whose alarms the inbox lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Assigned to me, to my role, or to nobody.
    Mine,
    /// Every alarm.
    All,
}

fn time(lang: Lang, at: Instant) -> String {
    crate::format::date_time(lang, at.to_beijing().0)
}

fn rule_label(lang: Lang, rule: Rule) -> String {
    match lang {
        Lang::Zh => rule.name_zh().to_owned(),
        Lang::En => rule.name_en().to_owned(),
    }
}

fn state_cell(lang: Lang, state: AlarmState) -> Cell {
    let text = match lang {
        Lang::Zh => state.name_zh(),
        Lang::En => state.as_str(),
    };
    let colour = match state {
        AlarmState::Open => "#d32f2f",
        AlarmState::Acknowledged => "#FF7E00",
        AlarmState::Closed => "#607D8B",
    };
    Cell::badge(text, colour, "#FFFFFF")
}

fn severity_cell(lang: Lang, severity: Severity) -> Cell {
    let text = match lang {
        Lang::Zh => severity.name_zh(),
        Lang::En => severity.as_str(),
    };
    let colour = match severity {
        Severity::Critical => "#7E0023",
        Severity::Warning => "#FF7E00",
        Severity::Info => "#607D8B",
    };
    Cell::badge(text, colour, "#FFFFFF")
}

/// The assignee names that put an alarm in the signed-in principal's inbox:
/// the login, the actor name, the role (`inspector` or 巡查员).
fn mine_names(ctx: &Ctx) -> Vec<String> {
    let role = ctx.principal.role();
    let mut names: Vec<String> = ctx.principal.user_name().into_iter().collect();
    names.extend([ctx.principal.actor(), role.as_str().to_owned(), role.name_zh().to_owned()]);
    names.sort();
    names.dedup();
    names
}

/// Whether `alarm` is assigned to nobody yet or to one of `names`.
fn is_mine(names: &[String], alarm: &Alarm) -> bool {
    match alarm.assignee.as_deref().map(str::trim) {
        None | Some("") => true,
        Some(assignee) => names.iter().any(|name| name == assignee),
    }
}

/// A table of alarms, one row each, linked to their detail page.
pub(crate) fn alarm_table(
    ctx: &Ctx,
    id: &'static str,
    alarms: &[Alarm],
    points: &[store::PointRecord],
) -> Table {
    let by_id = points_by_id(points);
    Table {
        id,
        headers: alarm_headers(ctx.lang),
        rows: alarms.iter().map(|alarm| alarm_row(ctx.lang, &by_id, alarm)).collect(),
    }
}

/// The headers of [`alarm_table`] (and of the inbox's export).
fn alarm_headers(lang: Lang) -> Vec<String> {
    [
        "alarm.id",
        "alarm.point",
        "alarm.rule",
        "alarm.pollutant",
        "alarm.severity",
        "alarm.state",
        "alarm.first_at",
        "alarm.last_at",
        "alarm.occurrences",
        "alarm.assignee",
        "alarm.handling",
    ]
    .iter()
    .map(|key| lang.messages().t(key).to_owned())
    .collect()
}

/// One row of [`alarm_table`].
fn alarm_row(
    lang: Lang,
    by_id: &std::collections::HashMap<PointId, &store::PointRecord>,
    alarm: &Alarm,
) -> Vec<Cell> {
    vec![
        Cell::link(format!("#{}", alarm.id.0), format!("/alarms/{}", alarm.id.0)),
        Cell::link(
            crate::pages::point_name(by_id, alarm.key.point),
            format!("/points/{}", alarm.key.point.0),
        ),
        Cell::text(rule_label(lang, alarm.key.rule)),
        Cell::text(alarm.key.pollutant.clone()),
        severity_cell(lang, alarm.severity),
        state_cell(lang, alarm.state),
        Cell::text(time(lang, alarm.first_at)),
        Cell::text(time(lang, alarm.last_at)),
        Cell::num(alarm.n_occurrences.to_string()),
        Cell::text(alarm.assignee.clone().unwrap_or_else(|| "—".to_owned())),
        Cell::text(match (alarm.state, &alarm.closed_by, &alarm.acknowledged_by) {
            (AlarmState::Closed, Some(by), _) => {
                format!("{by}: {}", alarm.close_note.clone().unwrap_or_default())
            }
            (_, _, Some(by)) => by.clone(),
            _ => "—".to_owned(),
        }),
    ]
}

/// `GET /alarms`: the inbox.
pub(crate) async fn inbox(ctx: Ctx) -> PageResult {
    let query: InboxQuery = serde_urlencoded::from_str(ctx.uri.query().unwrap_or(""))
        .map_err(|error| ctx.bad_request(error.to_string()))?;
    let scope = match query.scope.as_deref() {
        None | Some("" | "mine") => Scope::Mine,
        Some("all") => Scope::All,
        Some(other) => {
            return Err(ctx.bad_request(format!("scope={other:?}: {}", ctx.t("alarm.bad_scope"))));
        }
    };
    let states: Vec<AlarmState> = match query.state.as_deref() {
        None | Some("" | "active") => vec![AlarmState::Open, AlarmState::Acknowledged],
        Some(text) => vec![AlarmState::parse(text).ok_or_else(|| {
            ctx.bad_request(format!("state={text:?}: {}", ctx.t("alarm.bad_state")))
        })?],
    };
    let rule = match query.rule.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Rule::parse(text).ok_or_else(|| {
            ctx.bad_request(format!("rule={text:?}: {}", ctx.t("alarm.bad_rule")))
        })?),
    };
    let point = match query.point.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(PointId(text.parse().map_err(|_| {
            ctx.bad_request(format!("point={text:?}: {}", ctx.t("alarm.bad_point")))
        })?)),
    };
    let token = |name: &str, text: &str| {
        PageToken::decode(text).ok_or_else(|| {
            let shown: String = text.chars().take(40).collect();
            ctx.bad_request(format!("{name}={shown:?}: {}", ctx.t("alarm.bad_cursor")))
        })
    };
    let from = match (non_empty(&query.after), non_empty(&query.before)) {
        (None, None) => PageStart::First,
        (Some(text), None) => PageStart::After(token("after", text)?),
        (None, Some(text)) => PageStart::Before(token("before", text)?),
        (Some(_), Some(_)) => return Err(ctx.bad_request(ctx.t("alarm.bad_cursor").to_owned())),
    };
    // "Mine" and the points the principal may see are filtered in the
    // query, so that pages and counts hold only alarms this inbox lists.
    let assignees = (scope == Scope::Mine).then(|| mine_names(&ctx));
    let principal = ctx.principal.clone();
    let names = assignees.clone();
    let (points, visible, filter) = ctx
        .read(move |store| {
            let points = store.points()?;
            let visible: std::collections::HashSet<PointId> =
                points.iter().filter(|p| principal.can_see(p)).map(|p| p.id).collect();
            let restricted =
                (visible.len() < points.len()).then(|| visible.iter().copied().collect());
            let filter = AlarmQuery {
                state: None,
                point,
                rule,
                points: restricted,
                assignees: names,
                // The page size is read_page's; the export reads in batches.
                ..AlarmQuery::default()
            };
            Ok((points, visible, filter))
        })
        .await?;
    let keep = Keep { assignees, visible };
    if let Some(format) = &query.format {
        return export::alarms(&ctx, format, filter, states, points, keep);
    }
    let page_states = states.clone();
    let (counts, page) = ctx
        .read(move |store| {
            let counts = store.alarm_count_in(&filter, &page_states)?;
            let page = read_page(store, &filter, &page_states, from, PAGE_SIZE)?;
            Ok((counts, page))
        })
        .await?;
    let Page { mut alarms, start, has_previous, has_next } = page;
    // The query filtered both already; the same rules in Rust keep the
    // inbox exact where SQL's trim differs from Rust's (tabs, other spaces).
    alarms.retain(|alarm| keep.keeps(alarm));
    let n_listed: u64 = counts.iter().map(|(_, n)| n).sum();
    let n_open: u64 =
        counts.iter().filter(|(state, _)| *state == AlarmState::Open).map(|(_, n)| n).sum();
    let table = alarm_table(&ctx, "alarms", &alarms, &points);
    let links = Links {
        previous: has_previous.then(|| alarms.first().map(|alarm| (alarm, start))).flatten(),
        next: has_next
            .then(|| alarms.last().map(|alarm| (alarm, start + alarms.len() as u64)))
            .flatten(),
        first: has_previous,
    };
    let pager = pager(&ctx, start, alarms.len(), n_listed, &links);
    let option = |value: &str, label: &str, current: Option<&str>| {
        let selected = if current.unwrap_or("") == value { " selected" } else { "" };
        format!(r#"<option value="{}"{selected}>{}</option>"#, escape(value), escape(label))
    };
    let scope_options = option(
        "mine",
        ctx.t("alarm.scope_mine"),
        Some(match scope {
            Scope::Mine => "mine",
            Scope::All => "all",
        }),
    ) + &option("all", ctx.t("alarm.scope_all"), query.scope.as_deref());
    let state_now = query.state.as_deref().filter(|text| !text.is_empty()).or(Some("active"));
    let state_options: String = [
        ("active", ctx.t("alarm.state_active")),
        ("open", ctx.t("alarm.state_open")),
        ("acknowledged", ctx.t("alarm.state_acknowledged")),
        ("closed", ctx.t("alarm.state_closed")),
    ]
    .iter()
    .map(|(value, label)| option(value, label, state_now))
    .collect();
    let rule_options: String =
        std::iter::once(option("", ctx.t("alarm.any_rule"), query.rule.as_deref()))
            .chain(Rule::ALL.iter().map(|rule| {
                option(rule.as_str(), &rule_label(ctx.lang, *rule), query.rule.as_deref())
            }))
            .collect();
    let filters = format!(
        r#"<form class="inline" method="get" id="inbox-filters"><label>{scope}<select name="scope" id="inbox-scope">{scope_options}</select></label><label>{state}<select name="state" id="inbox-state">{state_options}</select></label><label>{rule_label}<select name="rule">{rule_options}</select></label><label>{point_label}<input name="point" size="6" value="{point}"></label><button class="button" type="submit">{show}</button></form>"#,
        scope = escape(ctx.t("alarm.scope")),
        state = escape(ctx.t("alarm.state")),
        rule_label = escape(ctx.t("alarm.rule")),
        point_label = escape(ctx.t("alarm.point_id")),
        point = escape(query.point.as_deref().unwrap_or("")),
        show = escape(ctx.t("form.show")),
    );
    let cards = vec![
        crate::pages::Card {
            value: n_listed.to_string(),
            label: ctx.t("alarm.listed").to_owned(),
            style: String::new(),
        },
        crate::pages::Card {
            value: n_open.to_string(),
            label: ctx.t("alarm.state_open").to_owned(),
            style: if n_open > 0 { "color:#d32f2f".to_owned() } else { String::new() },
        },
    ];
    let mut chrome = ctx.chrome();
    chrome.refresh_secs = 120;
    Ok(ctx.page_with(
        chrome,
        ctx.t("alarm.inbox_title").to_owned(),
        vec![ctx.t("alarm.inbox_note").to_owned()],
        filters,
        cards,
        vec![{
            let mut section = ctx.table_section(ctx.t("alarm.list_heading"), &table);
            section.body.push_str(&pager);
            section
        }],
    ))
}

fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|text| !text.is_empty())
}

/// Where the requested page starts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PageStart {
    /// The newest alarms.
    First,
    /// The alarms after a token's.
    After(PageToken),
    /// The page before a token's.
    Before(PageToken),
}

/// A page of the inbox as read: its alarms (at most [`PAGE_SIZE`]), the
/// place of its first alarm in the list, and whether there are pages before
/// and after it.
pub(crate) struct Page {
    /// The page's alarms, newest first.
    pub(crate) alarms: Vec<Alarm>,
    /// The place of its first alarm in the list (0-based).
    pub(crate) start: u64,
    /// Whether a page comes before it.
    pub(crate) has_previous: bool,
    /// Whether a page comes after it.
    pub(crate) has_next: bool,
}

/// Reads the page of `size` alarms `from` points to (the filter's own limit
/// is not used): one more alarm than a page shows tells whether there is
/// another page in that direction. A previous page with fewer than a page
/// of alarms before it is the first page. The inbox and
/// `GET /api/v1/alarms/page` both read their pages here.
pub(crate) fn read_page(
    store: &dyn store::Store,
    filter: &AlarmQuery,
    states: &[AlarmState],
    from: PageStart,
    size: usize,
) -> Result<Page, store::Error> {
    let filter = &AlarmQuery { limit: size + 1, ..filter.clone() };
    let first_page = |store: &dyn store::Store| -> Result<Page, store::Error> {
        let mut alarms = store.alarm_page_in(filter, states, AlarmPageFrom::First)?;
        let has_next = alarms.len() > size;
        alarms.truncate(size);
        Ok(Page { alarms, start: 0, has_previous: false, has_next })
    };
    match from {
        PageStart::First => first_page(store),
        PageStart::After(token) => {
            let mut alarms =
                store.alarm_page_in(filter, states, AlarmPageFrom::After(token.cursor))?;
            let has_next = alarms.len() > size;
            alarms.truncate(size);
            Ok(Page { alarms, start: token.place, has_previous: true, has_next })
        }
        PageStart::Before(token) => {
            let mut alarms =
                store.alarm_page_in(filter, states, AlarmPageFrom::Before(token.cursor))?;
            if alarms.len() <= size {
                return first_page(store);
            }
            // The newest one read is past the page: a page comes before this one.
            alarms.remove(0);
            let start = token.place.saturating_sub(size as u64);
            Ok(Page { alarms, start, has_previous: true, has_next: true })
        }
    }
}

/// What the store's query filtered, checked again in Rust: "mine" (when the
/// scope is mine) and the points the principal may see.
struct Keep {
    assignees: Option<Vec<String>>,
    visible: std::collections::HashSet<PointId>,
}

impl Keep {
    fn keeps(&self, alarm: &Alarm) -> bool {
        self.assignees.as_deref().is_none_or(|names| is_mine(names, alarm))
            && self.visible.contains(&alarm.key.point)
    }
}

/// The pager's links: the alarm (and its place) the previous page ends
/// before, the one the next page starts after, and whether to link the first page.
struct Links<'a> {
    previous: Option<(&'a Alarm, u64)>,
    next: Option<(&'a Alarm, u64)>,
    first: bool,
}

/// The inbox's page links (the same filters, another cursor) and which alarms are shown.
fn pager(ctx: &Ctx, start: u64, n_shown: usize, n_listed: u64, links: &Links<'_>) -> String {
    let (first, last) = if n_shown == 0 { (0, 0) } else { (start + 1, start + n_shown as u64) };
    let mut html = format!(
        r#"<nav class="pager" id="inbox-pager"><span>{} {first}–{last} / {n_listed}</span>"#,
        escape(ctx.t("alarm.shown")),
    );
    let base = ctx.base_query();
    let filters = base
        .split('&')
        .filter(|pair| {
            !pair.is_empty()
                && !pair.starts_with("page=")
                && !pair.starts_with("after=")
                && !pair.starts_with("before=")
        })
        .collect::<Vec<_>>()
        .join("&");
    let link = |cursor: Option<(&str, String)>, id: &str, label: &str| {
        let mut query = filters.clone();
        if let Some((name, token)) = cursor {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("{name}={token}"));
        }
        let sep = if query.is_empty() { "" } else { "?" };
        format!(r#" <a href="/alarms{sep}{}" id="{id}">{}</a>"#, escape(&query), escape(label))
    };
    let token = |(alarm, place): (&Alarm, u64)| {
        PageToken { cursor: store::AlarmCursor::of(alarm), place }.encode()
    };
    if links.first {
        html.push_str(&link(None, "inbox-first", ctx.t("alarm.first_page")));
    }
    if let Some(previous) = links.previous {
        html.push_str(&link(
            Some(("before", token(previous))),
            "inbox-previous",
            ctx.t("alarm.previous_page"),
        ));
    }
    if let Some(next) = links.next {
        html.push_str(&link(Some(("after", token(next))), "inbox-next", ctx.t("alarm.next_page")));
    }
    html.push_str("</nav>");
    html
}

/// What a form sent that the detail page shows again: the close note and its message.
#[derive(Debug, Default)]
struct Refused {
    note: String,
    note_error: Option<String>,
    attachment_error: Option<String>,
    notice: Option<String>,
}

/// `GET /alarms/{id}`.
pub(crate) async fn detail(ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    detail_page(&ctx, AlarmId(id), Refused::default()).await
}

async fn detail_page(ctx: &Ctx, id: AlarmId, refused: Refused) -> PageResult {
    let (alarm, history, points) = ctx
        .read(move |store| Ok((store.alarm(id)?, store.alarm_history(id)?, store.points()?)))
        .await?;
    let Some(alarm) = alarm else {
        return Err(ctx.not_found(format!("{} #{}", ctx.t("alarm.unknown"), id.0)));
    };
    if !points.iter().any(|p| p.id == alarm.key.point && ctx.principal.can_see(p)) {
        return Err(ctx.not_found(format!("{} #{}", ctx.t("alarm.unknown"), id.0)));
    }
    let by_id = points_by_id(&points);
    let t = |key| ctx.t(key).to_owned();
    let state_text = match ctx.lang {
        Lang::Zh => alarm.state.name_zh(),
        Lang::En => alarm.state.as_str(),
    };
    let severity_text = match ctx.lang {
        Lang::Zh => alarm.severity.name_zh(),
        Lang::En => alarm.severity.as_str(),
    };
    let mut facts = vec![
        (t("alarm.point"), crate::pages::point_name(&by_id, alarm.key.point)),
        (t("alarm.rule"), rule_label(ctx.lang, alarm.key.rule)),
        (t("alarm.pollutant"), alarm.key.pollutant.clone()),
        (t("alarm.severity"), severity_text.to_owned()),
        (t("alarm.state"), state_text.to_owned()),
        (t("alarm.first_at"), time(ctx.lang, alarm.first_at)),
        (t("alarm.last_at"), time(ctx.lang, alarm.last_at)),
        (
            t("alarm.window"),
            format!("{} – {}", time(ctx.lang, alarm.window_from), time(ctx.lang, alarm.window_to)),
        ),
        (t("alarm.occurrences"), alarm.n_occurrences.to_string()),
        (
            t("alarm.still_holds"),
            t(if alarm.still_holds { "alarm.yes" } else { "alarm.no_longer_holds" }),
        ),
        (t("alarm.assignee"), alarm.assignee.clone().unwrap_or_else(|| "—".to_owned())),
    ];
    if let (Some(by), Some(at)) = (&alarm.acknowledged_by, alarm.acknowledged_at) {
        facts.push((t("alarm.acknowledged_by"), format!("{by} · {}", time(ctx.lang, at))));
    }
    if let (Some(by), Some(at)) = (&alarm.closed_by, alarm.closed_at) {
        facts.push((t("alarm.closed_by"), format!("{by} · {}", time(ctx.lang, at))));
        facts.push((t("alarm.close_note"), alarm.close_note.clone().unwrap_or_default()));
    }
    let mut download = String::new();
    if let Some(file) = &alarm.attachment {
        facts.push((
            t("alarm.attachment"),
            format!("{} ({} B, SHA-256 {})", file.name, file.n_bytes, file.sha256),
        ));
        download = format!(
            r#"<p><a href="/api/v1/alarms/{}/attachment" id="alarm-attachment">{} {}</a></p>"#,
            alarm.id.0,
            escape(ctx.t("alarm.download_attachment")),
            escape(&file.name)
        );
    }
    let evidence = serde_json::to_string_pretty(&alarm.evidence).unwrap_or_default();
    let mut sections = vec![Section {
        id: "alarm-facts".into(),
        heading: t("alarm.facts"),
        body: format!(
            r#"{}{download}<h3>{}</h3><pre class="evidence">{}</pre>"#,
            form::facts("alarm-facts-list", &facts),
            escape(ctx.t("alarm.evidence")),
            escape(&evidence)
        ),
    }];
    let csrf = ctx.principal.csrf().unwrap_or_default();
    let base = format!("/alarms/{}", alarm.id.0);
    if alarm.state.is_active() && !csrf.is_empty() {
        let mut actions = String::new();
        if alarm.state == AlarmState::Open {
            actions.push_str(&form::button_form(
                "acknowledge-form",
                &format!("{base}/acknowledge"),
                csrf,
                ctx.t("alarm.acknowledge"),
            ));
        }
        let assignee = Field::text(
            "assignee",
            ctx.t("alarm.assignee"),
            &ctx.principal.user_name().unwrap_or_default(),
        );
        actions.push_str(&form::post_form(
            "assign-form",
            &format!("{base}/assign"),
            csrf,
            &[assignee],
            ctx.t("alarm.assign"),
        ));
        let note = Field {
            name: "note".into(),
            label: t("alarm.close_note"),
            value: refused.note.clone(),
            error: refused.note_error.clone(),
            required: true,
            input: Input::Textarea,
        };
        let attachment = Field {
            name: "attachment".into(),
            label: t("alarm.close_attachment"),
            value: String::new(),
            error: refused.attachment_error.clone(),
            required: false,
            input: Input::File,
        };
        actions.push_str(&form::upload_form(
            "close-form",
            &format!("{base}/close"),
            csrf,
            &[note, attachment],
            ctx.t("alarm.close"),
        ));
        sections.push(Section {
            id: "alarm-actions".into(),
            heading: t("alarm.actions"),
            body: format!(r#"<div class="actions">{actions}</div>"#),
        });
    }
    let history_table = history_table(ctx, &history);
    if let Some(export) = ctx.export(&[&history_table], &format!("alarm-{}", alarm.id.0)) {
        return export;
    }
    sections.push(ctx.table_section(ctx.t("alarm.history"), &history_table));
    let heading = format!(
        "{} #{} · {}",
        ctx.t("alarm.title"),
        alarm.id.0,
        rule_label(ctx.lang, alarm.key.rule)
    );
    let notices: Vec<String> = refused.notice.into_iter().collect();
    let back = format!(
        r#"<p><a href="/alarms" id="back-to-inbox">{}</a></p>"#,
        escape(ctx.t("alarm.back"))
    );
    let mut response = ctx.page_with(ctx.chrome(), heading, notices, back, Vec::new(), sections);
    if refused.note_error.is_some() || refused.attachment_error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

fn history_table(ctx: &Ctx, history: &[AlarmEvent]) -> Table {
    let rows = history
        .iter()
        .map(|event| {
            let detail = if event.detail.is_null() || event.detail == serde_json::json!({}) {
                String::new()
            } else {
                event.detail.to_string()
            };
            vec![
                Cell::text(time(ctx.lang, event.at)),
                Cell::text(event.actor.clone()),
                Cell::text(ctx.t(&format!("alarm.event.{}", event.event)).to_owned()),
                Cell::text(detail),
            ]
        })
        .collect();
    Table {
        id: "history",
        headers: ctx.headers(&["alarm.at", "alarm.actor", "alarm.event", "alarm.detail"]),
        rows,
    }
}

/// Which form was sent.
#[derive(Debug, Clone, Copy)]
enum Action {
    Acknowledge,
    Assign,
    Close,
}

/// Applies a form's action as the signed-in user, then back to the alarm's
/// page (303); a refusal shows the page again with the reason.
async fn act(
    ctx: Ctx,
    id: i64,
    pairs: Vec<(String, String)>,
    attachment: Option<Attachment>,
    action: Action,
) -> PageResult {
    let id = AlarmId(id);
    let actor = ctx.principal.actor();
    let at = ctx.state.clock.now();
    let note = form::value(&pairs, "note").to_owned();
    let assignee = form::value(&pairs, "assignee").trim().to_owned();
    // Only an alarm the principal may see can be changed.
    let visible = ctx.read(move |store| Ok((store.alarm(id)?, store.points()?))).await?;
    let allowed = match &visible.0 {
        Some(alarm) => {
            visible.1.iter().any(|p| p.id == alarm.key.point && ctx.principal.can_see(p))
        }
        None => false,
    };
    if !allowed {
        return Err(ctx.not_found(format!("{} #{}", ctx.t("alarm.unknown"), id.0)));
    }
    if let Some(file) = &attachment
        && file.bytes.len() > crate::alarms::MAX_ATTACHMENT_BYTES
    {
        let refused = Refused {
            note,
            attachment_error: Some(format!(
                "{} ({} B > {} B)",
                ctx.t("alarm.attachment_too_large"),
                file.bytes.len(),
                crate::alarms::MAX_ATTACHMENT_BYTES
            )),
            ..Refused::default()
        };
        return detail_page(&ctx, id, refused).await;
    }
    let work_note = note.clone();
    let outcome = ctx
        .read(move |store| {
            Ok(match action {
                Action::Acknowledge => store.acknowledge_alarm(id, &actor, at),
                Action::Assign => store.assign_alarm(id, &actor, at, &assignee),
                Action::Close => store.close_alarm(id, &actor, at, &work_note, attachment.as_ref()),
            })
        })
        .await?;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/alarms/{}", id.0)).into_response()),
        Err(store::Error::Alarm(AlarmError::NoteRequired)) => {
            let refused = Refused {
                note,
                note_error: Some(ctx.t("alarm.note_required").to_owned()),
                ..Refused::default()
            };
            detail_page(&ctx, id, refused).await
        }
        Err(store::Error::Alarm(error)) => {
            let refused = Refused {
                notice: Some(format!("{}: {error}", ctx.t("alarm.refused"))),
                ..Refused::default()
            };
            let mut response = detail_page(&ctx, id, refused).await?;
            *response.status_mut() = StatusCode::CONFLICT;
            Ok(response)
        }
        Err(store::Error::NotFound { .. }) => {
            Err(ctx.not_found(format!("{} #{}", ctx.t("alarm.unknown"), id.0)))
        }
        Err(error) => Err(ctx.internal(error)),
    }
}

/// `POST /alarms/{id}/acknowledge`.
pub(crate) async fn acknowledge(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    act(ctx, id, form::fields(&body), None, Action::Acknowledge).await.into_response()
}

/// `POST /alarms/{id}/assign` (field `assignee`).
pub(crate) async fn assign(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    act(ctx, id, form::fields(&body), None, Action::Assign).await.into_response()
}

/// `POST /alarms/{id}/close`: field `note` (required) and, when the form is
/// multipart (the page's form), an optional file `attachment`.
pub(crate) async fn close(ctx: Ctx, Path(id): Path<i64>, request: Request) -> Response {
    let is_upload = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    let (pairs, attachment) = if is_upload {
        let multipart = Multipart::from_request(request, &()).await;
        match form::upload(multipart).await {
            Ok(mut upload) => {
                let attachment = upload.take_file("attachment").map(|file| Attachment {
                    name: file.file_name,
                    media_type: file.media_type,
                    bytes: file.bytes,
                });
                (upload.fields, attachment)
            }
            Err(error) => return ctx.bad_request(error).into_response(),
        }
    } else {
        match Bytes::from_request(request, &()).await {
            Ok(body) => (form::fields(&body), None),
            Err(rejection) => return ctx.bad_request(rejection.body_text()).into_response(),
        }
    };
    act(ctx, id, pairs, attachment, Action::Close).await.into_response()
}

pub(crate) mod cursor;
mod export;
#[cfg(test)]
mod tests;
