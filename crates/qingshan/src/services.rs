//! Wiring: open the store, bind the gateway and the web server, run them together.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use model::{Clock, SystemClock};
use prometheus_client::registry::Registry;
use store::Store;
use tokio::sync::watch;

use crate::config::{Config, StoreUrl};

/// Opens the store the configuration names (`sqlite://PATH`, creating its
/// directory if needed, or `postgres://…`).
pub(crate) fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    match config.store.backend()? {
        StoreUrl::Sqlite(path) => {
            if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let store = store::SqliteStore::open(&path, config.store.sqlite.clone())
                .with_context(|| format!("cannot open the store at {}", path.display()))?;
            Ok(Arc::new(store))
        }
        StoreUrl::Postgres(url) => {
            let store =
                store::PgStore::open(&url, config.store.postgres.clone()).with_context(|| {
                    format!("cannot open the PostgreSQL store at {}", redacted(&url))
                })?;
            Ok(Arc::new(store))
        }
    }
}

/// A database URL without its password, for messages.
pub(crate) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.rsplit_once('@') else { return url.to_owned() };
    let user = credentials.split(':').next().unwrap_or_default();
    format!("{scheme}://{user}@{host}")
}

/// What a `qingshan serve` process runs (`--role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Role {
    /// The HJ 212 gateway (with its /metrics and /healthz on the web listener): several
    /// gateway processes may write to one PostgreSQL database.
    Gateway,
    /// Evaluation (derived results) and the web server.
    Worker,
    /// Everything in one process (the embedded deployment).
    All,
}

/// The gateway and web server, bound and running.
pub(crate) struct Running {
    /// Where devices connect (`None` in the worker role).
    pub(crate) gateway_addr: Option<SocketAddr>,
    /// Where the HTTP server listens.
    pub(crate) web_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    gateway: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    web: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The evaluator's loop (derived results); stops on `shutdown`. `None` in the gateway role.
    evaluation: Option<tokio::task::JoinHandle<()>>,
    /// The alarm service and its notifier; stop on `shutdown`. Empty in the gateway role.
    alarms: Vec<tokio::task::JoinHandle<()>>,
    /// Held while the store announces other processes' commits to the alarm
    /// service (the worker role on PostgreSQL); dropping it ends the watch.
    _commit_watch: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl Running {
    /// Binds the listeners (port 0 picks free ports) and starts everything (role `all`).
    pub(crate) async fn start(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<Running> {
        Running::start_role(config, store, Role::All).await
    }

    /// Binds the listeners `role` needs and starts its services.
    pub(crate) async fn start_role(
        config: &Config,
        store: Arc<dyn Store>,
        role: Role,
    ) -> anyhow::Result<Running> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let mut registry = Registry::default();
        let metrics = ingest::Metrics::register(&mut registry);
        let evaluation_metrics = evaluation::Metrics::register(&mut registry);
        let web_metrics = web::auth::Metrics::register(&mut registry);
        let alarm_metrics = alarms::Metrics::register(&mut registry);
        // Wakes the alarm service after each ingest commit (a wake-up only; data stays in the store).
        // In the worker role no gateway shares the process: the store announces other
        // processes' commits where it can (PostgreSQL), else the timed passes find the data.
        let committed = Arc::new(tokio::sync::Notify::new());
        let commit_watch = if role == Role::Worker {
            let wake = committed.clone();
            let on_commit: Arc<dyn Fn() + Send + Sync> = Arc::new(move || wake.notify_one());
            match store.watch_commits(on_commit.clone()) {
                Ok(true) => Some(on_commit),
                Ok(false) => None,
                Err(error) => {
                    tracing::warn!(%error, "cannot watch other processes' commits; alarms follow the timed passes");
                    None
                }
            }
        } else {
            None
        };
        let gateway = if role == Role::Worker {
            None
        } else {
            Some(
                ingest::Gateway::bind_notifying(
                    config.ingest.clone(),
                    store.clone(),
                    clock.clone(),
                    metrics,
                    Some(committed.clone()),
                )
                .await
                .with_context(|| {
                    format!("cannot bind the HJ 212 gateway on {}", config.ingest.listen)
                })?,
            )
        };
        let gateway_addr = gateway.as_ref().map(ingest::Gateway::local_addr);
        let listener = tokio::net::TcpListener::bind(config.web.listen)
            .await
            .with_context(|| format!("cannot bind the web server on {}", config.web.listen))?;
        let web_addr = listener.local_addr()?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (store_for_evaluation, clock_for_evaluation) = (store.clone(), clock.clone());
        let plan_state = web::plan::PlanState {
            store: store.clone(),
            plan: Arc::new(crate::plan::load_plan(config, None)?),
            sites: Arc::new(plan::RegistrySites),
            emissions: Arc::new(web::RegistryEmissions::new(clock.clone())),
            clock: clock.clone(),
        };
        let (store_for_alarms, clock_for_alarms) = (store.clone(), clock.clone());
        let state = web::AppState {
            store,
            registry: Arc::new(registry),
            clock,
            web: Arc::new(
                web::WebState::new(config.web.clone(), web_metrics).with_plan(plan_state.clone()),
            ),
        };
        // Every route behind the role guard, the plan's included.
        let plan_routes = web::guard_plan_routes(&state, web::plan::routes(plan_state));
        let app = web::router(state).merge(plan_routes);
        let mut web_shutdown = shutdown_rx.clone();
        let web = tokio::spawn(web::serve_router(listener, app, async move {
            let _ = web_shutdown.changed().await;
        }));
        // Evaluation: reads the store behind ingest and writes derived results; restarts from its watermark.
        let evaluator = evaluation::Evaluator::new(
            store_for_evaluation,
            clock_for_evaluation,
            config.evaluation.clone(),
        )
        .with_metrics(evaluation_metrics);
        let evaluation =
            (role != Role::Gateway).then(|| tokio::spawn(evaluator.run(shutdown_rx.clone())));
        // Alarms, like evaluation, run only in the worker and all roles.
        let alarms = if role == Role::Gateway {
            Vec::new()
        } else {
            start_alarms(
                config,
                &store_for_alarms,
                &clock_for_alarms,
                alarm_metrics,
                committed,
                &shutdown_rx,
            )?
        };
        let gateway = gateway.map(|gateway| tokio::spawn(gateway.run(shutdown_rx)));
        Ok(Running {
            gateway_addr,
            web_addr,
            shutdown,
            gateway,
            web,
            evaluation,
            alarms,
            _commit_watch: commit_watch,
        })
    }

    /// Stops accepting, lets in-flight commits finish, and waits for both servers and the evaluator.
    pub(crate) async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        if let Some(gateway) = self.gateway {
            gateway.await.context("gateway task failed")?.context("gateway failed")?;
        }
        self.web.await.context("web task failed")?.context("web server failed")?;
        if let Some(evaluation) = self.evaluation {
            evaluation.await.context("evaluation task failed")?;
        }
        for task in self.alarms {
            task.await.context("alarm task failed")?;
        }
        Ok(())
    }
}

/// Starts the alarm service (fast path woken by `committed`, full passes on a
/// timer) and the notifier; nothing if `[alarms] enabled = false`.
///
/// Site context comes from the registry ([`alarms::site::RegistrySites`],
/// re-read at most every minute): sections' target classes, drinking-water
/// sources and upstream sections, and the grid cells' inspectors, so new
/// alarms are assigned to the primary inspector of their town and escalate to
/// the deputy. `[alarms.notify] ca_file`, if set, is read here: https://
/// channels then also trust its CA certificates.
fn start_alarms(
    config: &Config,
    store: &Arc<dyn Store>,
    clock: &Arc<dyn Clock>,
    metrics: alarms::Metrics,
    committed: Arc<tokio::sync::Notify>,
    shutdown: &watch::Receiver<bool>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    if !config.alarms.enabled {
        return Ok(Vec::new());
    }
    let opened = Arc::new(tokio::sync::Notify::new());
    let service = alarms::service::AlarmService::new(
        store.clone(),
        clock.clone(),
        config.alarms.clone(),
        Arc::new(alarms::site::RegistrySites::new(
            store.clone(),
            std::time::Duration::from_secs(60),
        )),
    )
    .with_metrics(metrics.clone());
    let notifier = alarms::notifier::Notifier::new(
        store.clone(),
        clock.clone(),
        config.alarms.notify.clone(),
        &config.alarms.channels,
        metrics,
    );
    let notifier = match &config.alarms.notify.ca_file {
        Some(path) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("reading [alarms.notify] ca_file {}", path.display()))?;
            notifier.trusting(&pem).map_err(|error| {
                anyhow::anyhow!("[alarms.notify] ca_file {}: {error}", path.display())
            })?
        }
        None => notifier,
    };
    Ok(vec![
        tokio::spawn(service.run(committed, opened.clone(), shutdown.clone())),
        tokio::spawn(notifier.run(opened, shutdown.clone())),
    ])
}

/// Waits for Ctrl-C (or SIGTERM on Unix).
pub(crate) async fn interrupted() {
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
