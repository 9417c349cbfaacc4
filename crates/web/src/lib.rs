//! Qingshan's HTTP side (axum): the JSON API, the server-rendered pages (the
//! public portal and the bureau's dashboard), accounts and roles, SVG charts,
//! CSV/XLSX exports and the embedded static assets.
//!
//! Main items: [`WebConfig`], [`AppState`] and [`router`]. Every route is
//! declared once in `routes.rs` with the lowest [`model::account::Role`] that
//! may use it; one guard resolves who is asking (session cookie or API
//! token), refuses the others (401 anonymous, 403 too low a role or another
//! enterprise's point), and checks the CSRF token of state-changing requests.
//! Handlers read through [`store::Store`] on blocking threads; errors are
//! mapped to HTTP in one place (`error.rs`). Pages are askama templates
//! (`crates/web/templates/`), in Chinese by default with an English switch
//! (`i18n.rs`). This crate is the only one that speaks HTTP; it knows nothing
//! of HJ 212.

mod alarms;
mod api;
mod areas;
mod assets;
pub mod auth;
mod case;
pub mod chart;
mod corrections;
mod derived;
mod emissions;
mod enterprise;
mod error;
mod export;
mod form;
pub mod format;
pub mod i18n;
mod inbox;
mod pages;
pub mod plan;
mod registry;
mod routes;
mod snapshot;
mod users;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use prometheus_client::registry::Registry;
use serde::{Deserialize, Serialize};

pub use emissions::RegistryEmissions;
pub use error::ApiError;
pub use routes::{RouteSpec, guard_plan_routes, plan_route_role, route_table};

/// Settings of the HTTP server, `[web]` in the configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// Address the HTTP server binds. Loopback by default: put the bureau's
    /// reverse proxy (with HTTPS) in front of it.
    pub listen: SocketAddr,
    /// Mark cookies `Secure` (set it when the site is served over HTTPS).
    pub secure_cookies: bool,
    /// How long a login session lasts, in hours.
    pub session_hours: u32,
    /// Failed logins per account within `login_window_secs` before its logins are refused.
    pub login_failures_per_account: u32,
    /// Failed logins per client address within `login_window_secs` before its logins are refused.
    pub login_failures_per_ip: u32,
    /// The throttle's sliding window, in seconds: failed logins older than
    /// this no longer count (they are counted in the store, shared by every
    /// process on it, and pruned once past the window).
    pub login_window_secs: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: false,
            session_hours: 12,
            login_failures_per_account: 5,
            login_failures_per_ip: 20,
            login_window_secs: 900,
        }
    }
}

/// The web side's own state: its settings, counters and login throttle.
#[derive(Debug, Default)]
pub struct WebState {
    /// The settings.
    pub config: WebConfig,
    /// Counters (`qingshan_web_*`).
    pub metrics: auth::Metrics,
    throttle: auth::Throttle,
    /// The dashboard's store snapshot, shared for a few seconds.
    dashboard: snapshot::Snapshot<(), pages::DashboardData>,
    /// The plan the plan pages show (none: those pages answer 404).
    plan: Option<plan::PlanState>,
    /// The plan page's latest assessment (year, when taken), shared for a few seconds.
    plan_assessment: plan::pages::AssessmentCache,
    /// This year's emission totals, shared by the enterprise files for a minute.
    emission_totals: enterprise::TotalsCache,
    /// Per-area results, kept while their data is unchanged.
    areas: areas::cache::AreaCache,
}

impl WebState {
    /// State with these settings and counters.
    pub fn new(config: WebConfig, metrics: auth::Metrics) -> WebState {
        WebState { config, metrics, ..WebState::default() }
    }

    /// The same state, with the plan its plan pages (`/plan…`) show.
    pub fn with_plan(self, plan: plan::PlanState) -> WebState {
        WebState { plan: Some(plan), ..self }
    }

    fn limits(&self) -> auth::ThrottleLimits {
        auth::ThrottleLimits {
            per_account: self.config.login_failures_per_account,
            per_ip: self.config.login_failures_per_ip,
            window_secs: i64::from(self.config.login_window_secs),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn store::Store>,
    /// Prometheus registry rendered at `/metrics`.
    pub registry: Arc<Registry>,
    /// The clock, for default query ranges.
    pub clock: Arc<dyn model::Clock>,
    /// Settings, counters and the login throttle.
    pub web: Arc<WebState>,
}

/// Serves [`router`] on `listener` until `shutdown` completes, then finishes
/// in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(state), shutdown).await
}

/// Serves `app` (e.g. [`router`] merged with [`plan::routes`]) on `listener`
/// until `shutdown` completes, then finishes in-flight requests.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// All routes, each behind the role guard (see `routes.rs`).
pub fn router(state: AppState) -> Router {
    routes::router(state)
}

/// What the in-process tests of several modules share.
#[cfg(test)]
pub(crate) mod testing {
    /// The bearer token [`grant_analyst`] creates.
    pub(crate) const ANALYST_TOKEN: &str = "analyst-token-for-in-process-tests";

    /// Creates an analyst's API token [`ANALYST_TOKEN`] in `store`, so tests act as a staff machine client.
    #[allow(clippy::unwrap_used)]
    pub(crate) fn grant_analyst(store: &dyn store::Store, at: model::Instant) {
        store
            .create_api_token(
                &store::NewApiToken {
                    name: "tests".into(),
                    token_hash: crate::auth::token_hash(ANALYST_TOKEN),
                    role: model::account::Role::Analyst,
                    enterprise: None,
                },
                &store::ChangedBy { actor: "tests".into(), at },
            )
            .unwrap();
    }

    /// A signed-in browser: creates user `name` with `role` (bound to
    /// `enterprise`) and a live session; returns the `Cookie` header value and
    /// the session's CSRF token.
    #[allow(clippy::unwrap_used)]
    pub(crate) fn session(
        store: &dyn store::Store,
        name: &str,
        role: model::account::Role,
        enterprise: Option<&str>,
        at: model::Instant,
    ) -> (String, String) {
        let by = store::ChangedBy { actor: "tests".into(), at };
        let user = store
            .create_user(
                &store::NewUser {
                    name: model::account::UserName::parse(name).unwrap(),
                    role,
                    enterprise: enterprise.map(str::to_owned),
                    password_hash: "not-used".into(),
                },
                &by,
            )
            .unwrap();
        let token = format!("session-of-{name}");
        let csrf = format!("csrf-of-{name}");
        store
            .start_session(&store::NewSession {
                token_hash: crate::auth::token_hash(&token),
                user,
                csrf_token: csrf.clone(),
                created_at: at,
                expires_at: model::Instant(at.0 + chrono::Duration::hours(1)),
                peer: "tests".into(),
            })
            .unwrap();
        (format!("{}={token}", crate::auth::SESSION_COOKIE), csrf)
    }

    /// Sends `request` through the router; returns the status, the `Location` header and the body.
    #[allow(clippy::unwrap_used)]
    pub(crate) async fn send(
        state: &crate::AppState,
        request: axum::http::Request<axum::body::Body>,
    ) -> (axum::http::StatusCode, String, String) {
        use tower::ServiceExt;
        let response = crate::router(state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(axum::http::header::LOCATION)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, location, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// A urlencoded POST of `body` with the session `cookie`.
    #[allow(clippy::unwrap_used)]
    pub(crate) fn post_form(
        uri: &str,
        cookie: &str,
        body: &str,
    ) -> axum::http::Request<axum::body::Body> {
        axum::http::Request::post(uri)
            .header(axum::http::header::COOKIE, cookie)
            .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap()
    }

    /// A GET with the session `cookie`.
    #[allow(clippy::unwrap_used)]
    pub(crate) fn get_page(uri: &str, cookie: &str) -> axum::http::Request<axum::body::Body> {
        axum::http::Request::get(uri)
            .header(axum::http::header::COOKIE, cookie)
            .body(axum::body::Body::empty())
            .unwrap()
    }
}
