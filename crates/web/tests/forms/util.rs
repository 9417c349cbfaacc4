//! What the form tests share: a store with the shipped plan, signed-in
//! browsers, and requests as a browser sends them.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use model::Instant;
use model::account::Role;
use store::{AlarmStore, SqliteStore, Store};
use tower::ServiceExt;

/// The tests' clock: 2026-01-10 08:00 Beijing time.
pub(crate) fn now() -> Instant {
    model::BeijingTime::parse_hj212("20260110080000").unwrap().to_instant()
}

/// The router over an empty in-memory store with the shipped plan.
pub(crate) fn state() -> web::AppState {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
    state_on(store)
}

/// The router over `store` with the shipped plan.
pub(crate) fn state_on(store: Arc<dyn Store>) -> web::AppState {
    let clock = Arc::new(model::time::FixedClock(now()));
    let plan = web::plan::PlanState {
        store: store.clone(),
        plan: Arc::new(plan::Plan::shipped().unwrap()),
        sites: Arc::new(plan::PointSites),
        emissions: Arc::new(web::RegistryEmissions::new(clock.clone())),
        clock: clock.clone(),
    };
    web::AppState {
        store,
        registry: Arc::default(),
        clock,
        web: Arc::new(web::WebState::default().with_plan(plan)),
    }
}

/// A signed-in browser: its `Cookie` header and the session's CSRF token.
#[derive(Debug, Clone)]
pub(crate) struct Browser {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

/// Creates user `name` with `role` and a live session.
pub(crate) fn sign_in(state: &web::AppState, name: &str, role: Role) -> Browser {
    let by = store::ChangedBy { actor: "tests".into(), at: now() };
    let user = state
        .store
        .create_user(
            &store::NewUser {
                name: model::account::UserName::parse(name).unwrap(),
                role,
                enterprise: None,
                password_hash: "not-used".into(),
            },
            &by,
        )
        .unwrap();
    let token = format!("session-of-{name}");
    let csrf = format!("csrf-of-{name}");
    state
        .store
        .start_session(&store::NewSession {
            token_hash: web::auth::token_hash(&token),
            user,
            csrf_token: csrf.clone(),
            created_at: now(),
            expires_at: Instant(now().0 + chrono::Duration::hours(1)),
            peer: "tests".into(),
        })
        .unwrap();
    Browser { cookie: format!("{}={token}", web::auth::SESSION_COOKIE), csrf }
}

/// Sends `request` through the router; returns the status, the `Location` header and the body.
pub(crate) async fn send(
    state: &web::AppState,
    request: Request<Body>,
) -> (StatusCode, String, String) {
    let response = web::router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, location, String::from_utf8_lossy(&bytes).into_owned())
}

/// A GET, signed in as `browser` (anonymous when `None`).
pub(crate) fn get(uri: &str, browser: Option<&Browser>) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(browser) = browser {
        request = request.header(header::COOKIE, &browser.cookie);
    }
    request.body(Body::empty()).unwrap()
}

/// A urlencoded form POST from `browser`, with its CSRF token first.
pub(crate) fn post_form(uri: &str, browser: &Browser, fields: &[(&str, &str)]) -> Request<Body> {
    let mut pairs = vec![("csrf", browser.csrf.as_str())];
    pairs.extend_from_slice(fields);
    Request::post(uri)
        .header(header::COOKIE, &browser.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(serde_urlencoded::to_string(pairs).unwrap()))
        .unwrap()
}

const BOUNDARY: &str = "----qingshan-form-boundary";

/// A file a browser sends: (field, file name, media type, bytes).
pub(crate) type File<'a> = (&'a str, &'a str, &'a str, &'a [u8]);

/// A multipart form POST from `browser` as a browser sends it: the `csrf`
/// field first (with `csrf`, e.g. a wrong one), the text fields, then the
/// files (a file field left empty is a part with no name and no bytes).
pub(crate) fn post_upload(
    uri: &str,
    browser: &Browser,
    csrf: &str,
    fields: &[(&str, &str)],
    files: &[File<'_>],
) -> Request<Body> {
    let mut body = Vec::new();
    for (name, value) in std::iter::once(&("csrf", csrf)).chain(fields) {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, media_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {media_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    Request::post(uri)
        .header(header::COOKIE, &browser.cookie)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(body))
        .unwrap()
}

/// The text of the element with `id` up to its closing tag `</tag>`, or "" (for precise asserts).
pub(crate) fn element<'a>(page: &'a str, tag: &str, id: &str) -> &'a str {
    let Some(start) = page.find(&format!(r#"id="{id}""#)) else { return "" };
    let start = page[..start].rfind('<').unwrap_or(start);
    let end = page[start..].find(&format!("</{tag}>")).map_or(page.len(), |end| start + end);
    &page[start..end]
}

/// The sample registry (its outlets are points devices can report for) and a signed-in analyst `ana`.
pub(crate) fn sample_registry() -> (web::AppState, Browser) {
    let store = SqliteStore::open_in_memory().unwrap();
    registry::import::import(&store, &registry::sample::files(), "tests", now(), true).unwrap();
    let state = state_on(Arc::new(store));
    let analyst = sign_in(&state, "ana", Role::Analyst);
    (state, analyst)
}

/// Flue-gas outlet `P1` (一号排口).
pub(crate) fn outlet(store: &dyn Store) -> model::PointId {
    store
        .upsert_point(&store::NewPoint {
            code: "P1".into(),
            name: "一号排口".into(),
            kind: store::PointKind::FlueGas,
            enterprise: None,
            simulated: true,
        })
        .unwrap()
}

/// `n` open exceedance alarms (ids 1 to `n`, unassigned) on outlet `P1`, and a signed-in inspector `insp`.
pub(crate) fn inbox(n: usize) -> (web::AppState, Browser) {
    inbox_assigned(&vec![None; n])
}

/// One open exceedance alarm per entry of `assignees` (ids from 1, with that
/// assignee) on outlet `P1`, and a signed-in inspector `insp`.
pub(crate) fn inbox_assigned(assignees: &[Option<&str>]) -> (web::AppState, Browser) {
    use model::alarm::{AlarmKey, Rule, Severity};
    let store = SqliteStore::open_in_memory().unwrap();
    let point = outlet(&store);
    let findings: Vec<store::Finding> = (0..assignees.len())
        .map(|index| store::Finding {
            key: AlarmKey { point, rule: Rule::Exceedance, pollutant: format!("p{index:03}") },
            severity: Severity::Warning,
            window_from: now(),
            window_to: now(),
            evidence: serde_json::json!({ "index": index }),
            assignee: assignees[index].map(str::to_owned),
        })
        .collect();
    store
        .record_alarm_pass(&store::AlarmPass {
            at: now(),
            actor: "system:alarms",
            findings: &findings,
            cleared: &[],
            channels: &[],
            watermark: None,
        })
        .unwrap();
    let state = state_on(Arc::new(store));
    let inspector = sign_in(&state, "insp", Role::Inspector);
    (state, inspector)
}
