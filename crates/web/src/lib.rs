//! Qingshan's HTTP side (axum): `/healthz`, `/metrics` and the JSON API.
//!
//! Main items: [`WebConfig`], [`AppState`] and [`router`]. Handlers read through
//! [`store::Store`] on blocking threads; errors are mapped to HTTP in one place
//! (`error.rs`). This crate is the only one that speaks HTTP; it knows nothing
//! of HJ 212.

mod alarms;
mod api;
mod derived;
mod error;
pub mod plan;
mod registry;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use prometheus_client::registry::Registry;
use serde::{Deserialize, Serialize};

pub use error::ApiError;

/// Settings of the HTTP server, `[web]` in the configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// Address the HTTP server binds. Loopback by default: the API has no
    /// login yet, so expose it only behind the bureau's own reverse proxy.
    pub listen: SocketAddr,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { listen: SocketAddr::from(([127, 0, 0, 1], 8080)) }
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
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// All routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/api/v1/points", get(api::points))
        .route("/api/v1/devices", get(api::devices))
        .route("/api/v1/points/{point}/readings", get(api::readings))
        .route("/api/v1/raw", get(api::raw_packets))
        .route("/api/v1/air/stations/{point}/daily", get(derived::air_station_daily))
        .route("/api/v1/air/stations/{point}/hourly", get(derived::air_station_hourly))
        .route("/api/v1/air/daily", get(derived::air_area_daily))
        .route("/api/v1/water/daily", get(derived::water_area_daily))
        .route("/api/v1/water/sections/{point}/daily", get(derived::water_section_daily))
        .route("/api/v1/water/sections/{point}/monthly", get(derived::water_section_monthly))
        .route("/api/v1/outlets/exceedance/daily", get(derived::outlet_area_daily))
        .route("/api/v1/outlets/{point}/exceedance/daily", get(derived::outlet_daily))
        .route("/api/v1/outlets/{point}/exceedance/hourly", get(derived::outlet_hourly))
        .route("/api/v1/registry/import", axum::routing::post(registry::import))
        .route("/api/v1/registry/export/{file}", get(registry::export))
        .route("/api/v1/registry/expiring-permits", get(registry::expiring_permits))
        .route("/api/v1/registry/sites", get(registry::sites))
        .route("/api/v1/registry/emissions", get(registry::emissions))
        .route("/api/v1/registry/{kind}", get(registry::list).post(registry::upsert))
        .route("/api/v1/registry/{kind}/retire", axum::routing::post(registry::retire))
        .route("/api/v1/registry/{kind}/{*key}", get(registry::get_one))
        .merge(alarms::routes())
        .with_state(state)
}
