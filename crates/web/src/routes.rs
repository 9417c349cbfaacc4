//! The route table: every route with the lowest role that may use it, and the
//! guard in front of each.
//!
//! The guard, in order: works out who is asking ([`Principal`]: an API token
//! from `Authorization: Bearer`, else the session cookie, else anonymous; a
//! bad token is 401), refuses a role below the route's (anonymous: 401 on
//! the API, a redirect to the login page with the return address for pages;
//! 403 otherwise), refuses an enterprise principal a `{point}` of another
//! enterprise (403), checks the CSRF token of a state-changing request made
//! with a session cookie (403), and hands the principal to the handler.
//! Handlers that list points filter them with [`Principal::can_see`].
//!
//! A test generates the role matrix from [`route_table`] and asserts each
//! role is refused every route above it.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, RawPathParams, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use model::PointId;
use model::account::Role;

use crate::auth::{self, Principal, same_secret};
use crate::i18n::{Lang, query_lang};
use crate::{
    ApiError, AppState, alarms, api, areas, assets, case, corrections, derived, enterprise, inbox,
    pages, registry, users,
};

/// One route and the lowest role allowed on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    /// The HTTP method.
    pub method: &'static str,
    /// The path pattern, axum syntax (`/api/v1/points/{point}/readings`).
    pub path: &'static str,
    /// The lowest role allowed.
    pub min_role: Role,
}

/// Every route with its handler.
fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Role::{Admin, Analyst, Enterprise, Inspector, Public};
    let route = |method: &'static str, path: &'static str, min_role: Role, handler| {
        (RouteSpec { method, path, min_role }, handler)
    };
    vec![
        // Operations.
        route("GET", "/healthz", Public, get(api::healthz)),
        // Operational counters only, no data: scraped without an account.
        route("GET", "/metrics", Public, get(api::metrics)),
        route("GET", "/static/{file}", Public, get(assets::asset)),
        // The public portal and login.
        route("GET", "/", Public, get(pages::home)),
        route("GET", "/public/air/daily", Public, get(pages::air_daily_report)),
        route("GET", "/public/air/hourly", Public, get(pages::air_hourly)),
        route("GET", "/public/water/monthly", Public, get(pages::water_monthly)),
        route("GET", "/login", Public, get(pages::login_form)),
        route("POST", "/login", Public, post(pages::login)),
        route("POST", "/logout", Enterprise, post(pages::logout)),
        // Staff and enterprise pages (enterprise users see their own points).
        route("GET", "/dashboard", Enterprise, get(pages::dashboard)),
        route("GET", "/points/{point}", Enterprise, get(pages::point_page)),
        route("GET", "/points/{point}/export", Enterprise, get(pages::point_export)),
        // JSON API: raw data and devices for staff; public results for all.
        route("GET", "/api/v1/points", Enterprise, get(api::points)),
        route("GET", "/api/v1/latest", Enterprise, get(api::latest)),
        route("GET", "/api/v1/devices", Inspector, get(api::devices)),
        route("GET", "/api/v1/points/{point}/readings", Enterprise, get(api::readings)),
        route("GET", "/api/v1/raw", Inspector, get(api::raw_packets)),
        route("GET", "/api/v1/air/stations/{point}/daily", Public, get(derived::air_station_daily)),
        route(
            "GET",
            "/api/v1/air/stations/{point}/hourly",
            Public,
            get(derived::air_station_hourly),
        ),
        route("GET", "/api/v1/air/daily", Public, get(derived::air_area_daily)),
        route("GET", "/api/v1/water/daily", Public, get(derived::water_area_daily)),
        // Per-area results (issue #7): public like the station and section results.
        route("GET", "/api/v1/air/areas", Public, get(areas::air_areas)),
        route("GET", "/api/v1/air/areas/{area}", Public, get(areas::air_area)),
        route("GET", "/api/v1/water/areas", Public, get(areas::water_areas)),
        route("GET", "/api/v1/water/areas/{area}", Public, get(areas::water_area)),
        route(
            "GET",
            "/api/v1/water/sections/{point}/daily",
            Public,
            get(derived::water_section_daily),
        ),
        route(
            "GET",
            "/api/v1/water/sections/{point}/monthly",
            Public,
            get(derived::water_section_monthly),
        ),
        route(
            "GET",
            "/api/v1/outlets/exceedance/daily",
            Inspector,
            get(derived::outlet_area_daily),
        ),
        route(
            "GET",
            "/api/v1/outlets/{point}/exceedance/daily",
            Enterprise,
            get(derived::outlet_daily),
        ),
        route(
            "GET",
            "/api/v1/outlets/{point}/exceedance/hourly",
            Enterprise,
            get(derived::outlet_hourly),
        ),
        // The registry (issue #3): staff read it, analysts change it.
        route("POST", "/api/v1/registry/import", Analyst, post(registry::import)),
        route("GET", "/api/v1/registry/export/{file}", Inspector, get(registry::export)),
        route(
            "GET",
            "/api/v1/registry/expiring-permits",
            Inspector,
            get(registry::expiring_permits),
        ),
        route("GET", "/api/v1/registry/sites", Inspector, get(registry::sites)),
        route("GET", "/api/v1/registry/emissions", Inspector, get(registry::emissions)),
        route("GET", "/api/v1/registry/{kind}", Inspector, get(registry::list)),
        route("POST", "/api/v1/registry/{kind}", Analyst, post(registry::upsert)),
        route("POST", "/api/v1/registry/{kind}/retire", Analyst, post(registry::retire)),
        route("GET", "/api/v1/registry/{kind}/{*key}", Inspector, get(registry::get_one)),
        // Alarms (issue #4): inspectors follow them to closure.
        route("GET", "/api/v1/alarms", Inspector, get(alarms::list)),
        route("GET", "/api/v1/alarms/page", Inspector, get(alarms::page)),
        route("GET", "/api/v1/alarms/notifications", Analyst, get(alarms::notifications)),
        route("GET", "/api/v1/alarms/{id}", Inspector, get(alarms::detail)),
        route("GET", "/api/v1/alarms/{id}/attachment", Inspector, get(alarms::attachment)),
        route("POST", "/api/v1/alarms/{id}/acknowledge", Inspector, post(alarms::acknowledge)),
        route("POST", "/api/v1/alarms/{id}/close", Inspector, post(alarms::close)),
        route("POST", "/api/v1/alarms/{id}/assign", Inspector, post(alarms::assign)),
        // Corrections as versions and the enforcement-case export (issue #4).
        route(
            "POST",
            "/api/v1/points/{point}/readings/correct",
            Analyst,
            post(corrections::correct_reading),
        ),
        route(
            "GET",
            "/api/v1/points/{point}/readings/history",
            Inspector,
            get(corrections::history),
        ),
        route("GET", "/api/v1/points/{point}/case.zip", Analyst, get(case::export)),
        // The alarm inbox pages (issue #5): inspectors handle alarms as themselves.
        route("GET", "/alarms", Inspector, get(inbox::inbox)),
        route("GET", "/alarms/{id}", Inspector, get(inbox::detail)),
        route("POST", "/alarms/{id}/acknowledge", Inspector, post(inbox::acknowledge)),
        route("POST", "/alarms/{id}/assign", Inspector, post(inbox::assign)),
        route(
            "POST",
            "/alarms/{id}/close",
            Inspector,
            post(inbox::close).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        ),
        // Registry pages (issue #5): staff read, analysts edit (audited as themselves).
        route("GET", "/registry", Inspector, get(registry::pages::index)),
        route("GET", "/registry/{kind}", Inspector, get(registry::pages::list)),
        route("GET", "/registry/{kind}/edit", Analyst, get(registry::pages::edit_form)),
        route("POST", "/registry/{kind}/edit", Analyst, post(registry::pages::save)),
        route("POST", "/registry/{kind}/retire", Analyst, post(registry::pages::retire)),
        // The enterprise file (一企一档): enterprise users open only their own.
        route("GET", "/enterprises", Enterprise, get(enterprise::mine)),
        route("GET", "/enterprises/{uscc}", Enterprise, get(enterprise::file)),
        route("GET", "/public/enterprises", Public, get(enterprise::key_supervised)),
        // The plan's pages: indicator progress is published (issue #5).
        route("GET", "/plan", Public, get(crate::plan::pages::overview)),
        route("GET", "/plan/indicators/{id}", Public, get(crate::plan::pages::indicator)),
        // Entering an indicator's value with its evidence: analysts, as themselves.
        route(
            "POST",
            "/plan/indicators/{id}",
            Analyst,
            post(crate::plan::pages::enter)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        ),
        // User management: administrators only.
        route("GET", "/admin/users", Admin, get(users::list)),
        route("POST", "/admin/users", Admin, post(users::add)),
        route("POST", "/admin/users/{name}/password", Admin, post(users::reset_password)),
        route("POST", "/admin/users/{name}/retire", Admin, post(users::retire)),
    ]
}

/// The declared routes (for the role-matrix test and documentation).
pub fn route_table() -> Vec<RouteSpec> {
    table().into_iter().map(|(spec, _)| spec).collect()
}

/// The router: each route behind the guard with its role; the language switch around all.
pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (spec, handler) in table() {
        let guarded = handler
            .route_layer(middleware::from_fn_with_state((state.clone(), spec.min_role), guard));
        router = router.route(spec.path, guarded);
    }
    router.fallback(not_found).layer(middleware::from_fn(remember_language)).with_state(state)
}

async fn not_found(request: Request) -> Response {
    let lang = Lang::of_request(request.uri().query(), request.headers());
    if is_api(request.uri().path()) {
        return ApiError::NotFound(request.uri().path().to_owned()).into_response();
    }
    pages::error_page(lang, StatusCode::NOT_FOUND, lang.messages().t("error.not_found"))
}

/// Sets the language cookie when a page is asked for with `?lang=`.
async fn remember_language(request: Request, next: Next) -> Response {
    let chosen = query_lang(request.uri().query());
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{}={}; Max-Age=31536000; Path=/; SameSite=Lax",
            auth::LANG_COOKIE,
            lang.code()
        );
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// The client's address (the direct peer; a reverse proxy's own address behind one).
pub(crate) fn peer(request: &Request) -> String {
    request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string())
}

/// Why the guard refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Unauthenticated,
    BadToken,
    ForbiddenRole,
    ForbiddenEnterprise,
    BadCsrf,
}

impl Refusal {
    fn reason(self) -> &'static str {
        match self {
            Refusal::Unauthenticated => "unauthenticated",
            Refusal::BadToken => "bad_token",
            Refusal::ForbiddenRole => "forbidden_role",
            Refusal::ForbiddenEnterprise => "forbidden_enterprise",
            Refusal::BadCsrf => "bad_csrf",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Refusal::Unauthenticated | Refusal::BadToken => StatusCode::UNAUTHORIZED,
            _ => StatusCode::FORBIDDEN,
        }
    }

    fn message_key(self) -> &'static str {
        match self {
            Refusal::Unauthenticated => "error.unauthenticated",
            Refusal::BadToken => "error.bad_token",
            Refusal::ForbiddenRole => "error.forbidden_role",
            Refusal::ForbiddenEnterprise => "error.forbidden_enterprise",
            Refusal::BadCsrf => "error.bad_csrf",
        }
    }
}

fn refuse(state: &AppState, request: &Request, refusal: Refusal) -> Response {
    state.web.metrics.refusal(refusal.reason());
    tracing::info!(path = %request.uri().path(), reason = refusal.reason(), "request refused");
    let lang = Lang::of_request(request.uri().query(), request.headers());
    let status = refusal.status();
    if is_api(request.uri().path()) {
        let (zh, en) = (
            Lang::Zh.messages().t(refusal.message_key()),
            Lang::En.messages().t(refusal.message_key()),
        );
        let body =
            serde_json::json!({ "error": { "zh": zh, "en": en, "reason": refusal.reason() } });
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        return response;
    }
    if refusal == Refusal::Unauthenticated {
        // A browser goes to the login page, which comes back here after the login.
        return login_redirect(request);
    }
    pages::error_page(lang, status, lang.messages().t(refusal.message_key()))
}

/// `303 See Other` to `/login?next=<this page>` (a GET's own address; for a
/// form, the page it came from is not known, so the dashboard).
fn login_redirect(request: &Request) -> Response {
    let next = if *request.method() == Method::GET {
        request.uri().path_and_query().map_or("/dashboard", |pq| pq.as_str())
    } else {
        "/dashboard"
    };
    let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    axum::response::Redirect::to(&format!("/login?{query}")).into_response()
}

/// Who is asking: a bearer token, else a live session cookie, else nobody.
/// `Err` for a bearer token that matches no live token.
pub(crate) async fn principal_of(state: &AppState, headers: &HeaderMap) -> Result<Principal, ()> {
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()) {
        let token = value.strip_prefix("Bearer ").ok_or(())?.trim();
        let hash = auth::token_hash(token);
        let store = state.store.clone();
        let found = tokio::task::spawn_blocking(move || store.api_token(&hash)).await;
        return match found {
            Ok(Ok(Some(token))) => Ok(Principal::Token(token)),
            _ => Err(()),
        };
    }
    if let Some(token) = auth::cookie(headers, auth::SESSION_COOKIE) {
        let hash = auth::token_hash(token);
        let (store, now) = (state.store.clone(), state.clock.now());
        let lookup = hash.clone();
        let found = tokio::task::spawn_blocking(move || store.session(&lookup, now)).await;
        if let Ok(Ok(Some(session))) = found {
            return Ok(Principal::Session {
                user: session.user,
                csrf: session.csrf_token,
                token_hash: hash,
            });
        }
    }
    Ok(Principal::Anonymous)
}

/// Most bytes of a form body the guard reads to check its CSRF token.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Most bytes of a page's upload form (multipart: an evidence document or
/// an alarm's attachment with the form's fields) the guard reads to check
/// its CSRF token: the largest upload a handler accepts, plus the fields.
pub(crate) const MAX_UPLOAD_BYTES: usize = plan::entry::MAX_DOCUMENT_BYTES + 64 * 1024;

async fn guard(
    State((state, min_role)): State<(AppState, Role)>,
    request: Request,
    next: Next,
) -> Response {
    check_request(state, min_role, request, next).await
}

/// The role the plan's routes (`web::plan`, merged beside [`router`]) need:
/// reading the plan, its assessments, trends and reports is public (the plan
/// requires publishing indicator progress); the history of entered values,
/// city targets and evidence documents are for staff; entering values and
/// city targets is for analysts.
pub fn plan_route_role(method: &Method, path: &str) -> Role {
    if !matches!(*method, Method::GET | Method::HEAD) {
        Role::Analyst
    } else if path.starts_with("/api/v1/plan/documents/")
        || path.ends_with("/city-target")
        || path.ends_with("/history")
    {
        Role::Inspector
    } else {
        Role::Public
    }
}

/// Puts the plan's routes behind the same guard as every other route, with
/// the roles of [`plan_route_role`].
pub fn guard_plan_routes(state: &AppState, plan: Router) -> Router {
    plan.layer(middleware::from_fn_with_state(state.clone(), plan_guard))
}

async fn plan_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let min_role = plan_route_role(request.method(), request.uri().path());
    check_request(state, min_role, request, next).await
}

/// The guard's work for a route needing `min_role` (see the module docs).
async fn check_request(state: AppState, min_role: Role, request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let Ok(principal) = principal_of(&state, &headers).await else {
        return refuse(&state, &request, Refusal::BadToken);
    };
    if !principal.role().allows(min_role) {
        let refusal = if principal == Principal::Anonymous {
            Refusal::Unauthenticated
        } else {
            Refusal::ForbiddenRole
        };
        return refuse(&state, &request, refusal);
    }
    let (mut parts, body) = request.into_parts();
    if principal.role().is_scoped() {
        let params = {
            use axum::RequestPartsExt;
            parts.extract::<RawPathParams>().await.ok()
        };
        let point = params.as_ref().and_then(|params| {
            params.iter().find(|(name, _)| *name == "point").map(|(_, v)| v.to_owned())
        });
        if let Some(point) = point
            && !enterprise_owns(&state, &principal, &point).await
        {
            return refuse(&state, &Request::from_parts(parts, body), Refusal::ForbiddenEnterprise);
        }
    }
    let mut request = Request::from_parts(parts, body);
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state {
        let login_cookie =
            auth::cookie(request.headers(), auth::LOGIN_CSRF_COOKIE).unwrap_or("").to_owned();
        let is_login = request.uri().path() == "/login";
        let expected = match &principal {
            // Bearer tokens are not sent by browsers on their own: no CSRF.
            Principal::Token(_) => None,
            // The login form (before a session, or to change user): the
            // double-submit cookie set with the form.
            _ if is_login => Some(login_cookie),
            Principal::Session { csrf, .. } => Some(csrf.clone()),
            Principal::Anonymous => Some(login_cookie),
        };
        if let Some(expected) = expected {
            let (parts, body) = request.into_parts();
            let from_header =
                parts.headers.get("x-csrf-token").and_then(|value| value.to_str().ok());
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let is_form = content_type.starts_with("application/x-www-form-urlencoded");
            let is_upload = content_type.starts_with("multipart/form-data");
            // A form's body is read here for its `csrf` field: a small
            // urlencoded form, or a page's upload form (multipart, up to
            // `MAX_UPLOAD_BYTES`); other bodies carry the token in the header.
            let (given, body) = match (from_header, is_form, is_upload) {
                (Some(token), _, _) => (token.to_owned(), body),
                (None, true, _) => {
                    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
                        return refuse(
                            &state,
                            &Request::from_parts(parts, Body::empty()),
                            Refusal::BadCsrf,
                        );
                    };
                    (form_field(&bytes, "csrf").unwrap_or_default(), Body::from(bytes))
                }
                (None, false, true) if !expected.is_empty() => {
                    let Ok(bytes) = axum::body::to_bytes(body, MAX_UPLOAD_BYTES).await else {
                        return refuse(
                            &state,
                            &Request::from_parts(parts, Body::empty()),
                            Refusal::BadCsrf,
                        );
                    };
                    let given = upload_field(&content_type, bytes.clone(), "csrf").await;
                    (given.unwrap_or_default(), Body::from(bytes))
                }
                _ => (String::new(), body),
            };
            request = Request::from_parts(parts, body);
            if expected.is_empty() || !same_secret(&given, &expected) {
                if request.uri().path() == "/login" {
                    state.web.metrics.login(auth::LoginOutcome::BadCsrf);
                }
                return refuse(&state, &request, Refusal::BadCsrf);
            }
        }
    }
    let lang = Lang::of_request(request.uri().query(), request.headers());
    request.extensions_mut().insert(principal);
    request.extensions_mut().insert(lang);
    next.run(request).await
}

/// The value of `name` in an `application/x-www-form-urlencoded` body.
pub(crate) fn form_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    pairs.into_iter().find(|(key, _)| key == name).map(|(_, value)| value)
}

/// The text of field `name` in a `multipart/form-data` body of
/// `content_type` (RFC 7578): the first part named `name` that is not a
/// file. The body is already buffered (up to the route's limit), so it is
/// parsed with `multer` directly: axum's `Multipart` extractor would stop at
/// its default body limit here.
async fn upload_field(content_type: &str, body: Bytes, name: &str) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream =
        futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) && field.file_name().is_none() {
            return field.text().await.ok();
        }
    }
    None
}

/// Whether the enterprise principal owns point `point` (text from the path).
async fn enterprise_owns(state: &AppState, principal: &Principal, point: &str) -> bool {
    let Ok(id) = point.parse::<i64>() else { return false };
    let store = state.store.clone();
    let points = tokio::task::spawn_blocking(move || store.points()).await;
    match points {
        Ok(Ok(points)) => points
            .iter()
            .find(|record| record.id == PointId(id))
            .is_some_and(|record| principal.can_see(record)),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
