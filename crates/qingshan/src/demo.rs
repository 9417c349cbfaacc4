//! `qingshan demo` and `qingshan simulate`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use model::{Clock, DataKind, SystemClock};
use simulator::client::{LoadPlan, LoadReport, run_fleet};
use simulator::fleet::VirtualDevice;
use store::{DeviceLeniency, NewDevice, NewPoint, Store};

use crate::config::Config;
use crate::services::{self, Running};

/// Options of `qingshan demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Number of simulated devices: one per station, section and outlet of the
    /// sample registry, at most this many.
    #[arg(long, default_value_t = 100)]
    devices: usize,
    /// Hours of hourly history each device sends at start.
    #[arg(long, default_value_t = 48)]
    history_hours: usize,
    /// Seed of the simulated values.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Directory of the demo's SQLite file.
    #[arg(long, default_value = "qingshan-data/demo")]
    data_dir: PathBuf,
    /// Store to run on instead of the SQLite file: `postgres://…` (or `sqlite://PATH`).
    #[arg(long)]
    store: Option<String>,
    /// HJ 212 gateway address (falls back to a free port if taken).
    #[arg(long, default_value = "127.0.0.1:9212")]
    gateway: SocketAddr,
    /// HTTP address (falls back to a free port if taken).
    #[arg(long, default_value = "127.0.0.1:8080")]
    web: SocketAddr,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    duration_secs: Option<u64>,
}

/// Loads the sample registry and grid (idempotent) and registers one simulated device
/// for each of its first `n_devices` points the simulator models; returns the fleet.
pub(crate) fn register_sample_fleet(
    store: &dyn Store,
    n_devices: usize,
) -> anyhow::Result<Vec<VirtualDevice>> {
    // The sample registry and its grid cells (inspectors' logins, not accounts: see `registry::sample`).
    registry::grid::import(
        store,
        &registry::sample::files(),
        &registry::sample::grid_files(),
        "demo",
        SystemClock.now(),
        true,
    )
    .context("cannot load the sample registry")?;
    let points: Vec<store::PointRecord> =
        store.points()?.into_iter().filter(|point| point.point.simulated).collect();
    let new_points: Vec<NewPoint> = points.iter().map(|point| point.point.clone()).collect();
    let mut devices = simulator::fleet::for_points(&new_points);
    devices.truncate(n_devices);
    let Some(first) = devices.first() else { return Ok(devices) };
    // Every simulated device shares one password, so one hash serves them all.
    let password_hash =
        ingest::hash_device_password(&first.password).map_err(anyhow::Error::msg)?;
    for device in &devices {
        let Some(point) = points.iter().find(|point| point.point.code == device.point_code) else {
            continue;
        };
        store.upsert_device(&NewDevice {
            mn: model::Mn::parse(&device.mn)?,
            password_hash: password_hash.clone(),
            protocol: "2017".to_owned(),
            point: point.id,
            leniency: DeviceLeniency::default(),
            simulated: true,
        })?;
    }
    Ok(devices)
}

/// Registers the simulated fleet's points and devices (idempotent).
pub(crate) fn register_fleet(store: &dyn Store, devices: &[VirtualDevice]) -> anyhow::Result<()> {
    // Every simulated device shares one password, so one hash serves them all.
    let password_hash = match devices.first() {
        Some(device) => {
            ingest::hash_device_password(&device.password).map_err(anyhow::Error::msg)?
        }
        None => return Ok(()),
    };
    for device in devices {
        let point = store.upsert_point(&NewPoint {
            code: device.point_code.clone(),
            name: device.point_name.clone(),
            kind: device.kind,
            enterprise: device.enterprise.clone(),
            simulated: true,
        })?;
        store.upsert_device(&NewDevice {
            mn: model::Mn::parse(&device.mn)?,
            password_hash: password_hash.clone(),
            protocol: "2017".to_owned(),
            point,
            leniency: DeviceLeniency::default(),
            simulated: true,
        })?;
        for spec in &device.params {
            let Some(limit) = spec.limit else { continue };
            // Fictional permit limits: hourly converted concentrations at 9 % reference
            // O2 for flue gas (GB 13271-2014 style), daily means for wastewater.
            let limit = match device.kind {
                store::PointKind::FlueGas => serde_json::json!({
                    "pollutant": spec.code,
                    "bound": { "max": limit.to_string() },
                    "unit": "mg/m3",
                    "averaging": "hour",
                    "conversion": { "reference_oxygen": { "reference_o2_pct": "9", "air_o2_pct": "21" } },
                }),
                store::PointKind::Wastewater => serde_json::json!({
                    "pollutant": spec.code,
                    "bound": { "max": limit.to_string() },
                    "unit": "mg/L",
                    "averaging": "day",
                    "conversion": "measured",
                }),
                _ => continue,
            };
            store.set_point_limit(&store::PointLimit {
                point,
                param: spec.code.to_owned(),
                limit,
            })?;
        }
    }
    Ok(())
}

fn demo_config(args: &DemoArgs, data_dir: &Path) -> Config {
    let mut config = Config::default();
    config.store.url = args
        .store
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("demo.sqlite").display()));
    config.ingest.listen = args.gateway;
    config.web.listen = args.web;
    config.log.filter = "warn".to_owned();
    config
}

async fn start_with_fallback(
    config: &mut Config,
    store: Arc<dyn Store>,
) -> anyhow::Result<Running> {
    match Running::start(config, store.clone()).await {
        Ok(running) => Ok(running),
        Err(error) => {
            tracing::warn!(error = %error, "default ports taken; using free ports");
            config.ingest.listen.set_port(0);
            config.web.listen.set_port(0);
            Running::start(config, store).await
        }
    }
}

fn now_beijing_minute() -> chrono::NaiveDateTime {
    let now = SystemClock.now().to_beijing().0;
    now - chrono::Duration::seconds(i64::from(chrono::Timelike::second(&now)))
        - chrono::Duration::nanoseconds(i64::from(chrono::Timelike::nanosecond(&now)))
}

fn floor_hour(time: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    time - chrono::Duration::minutes(i64::from(chrono::Timelike::minute(&time)))
}

/// Runs the demo until Ctrl-C (or `--duration-secs`).
pub(crate) async fn run_demo(args: DemoArgs) -> anyhow::Result<()> {
    crate::init_logging("warn");
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    let mut config = demo_config(&args, &args.data_dir);
    let store = services::open_store(&config)?;
    let devices = register_sample_fleet(store.as_ref(), args.devices)?;
    // The first air station of the sample registry, for the hint below.
    let air_station = store
        .points()?
        .into_iter()
        .find(|point| point.point.kind == store::PointKind::AirStation)
        .map_or(1, |point| point.id.0);
    let (password, token) = crate::user::demo_accounts(store.as_ref())?;
    let running = start_with_fallback(&mut config, store.clone()).await?;
    let web = running.web_addr;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "青山 Qingshan demo — simulated devices, sample registry (all data is SIMULATED / 模拟数据)"
    )?;
    writeln!(stdout, "  store:          {}", services::redacted(&config.store.url))?;
    writeln!(
        stdout,
        "  HJ 212 gateway: {}",
        running.gateway_addr.context("the gateway runs in role all")?
    )?;
    writeln!(stdout, "  HTTP:           http://{web}/")?;
    writeln!(stdout, "  web login:      demo-admin / {password}   (random, this run only)")?;
    writeln!(stdout, "  API token:      {token}   (analyst)")?;
    writeln!(
        stdout,
        "  try:            curl -H 'Authorization: Bearer {token}' http://{web}/api/v1/points"
    )?;
    writeln!(
        stdout,
        "                  curl -H 'Authorization: Bearer {token}' 'http://{web}/api/v1/points/1/readings?kind=hour'"
    )?;
    writeln!(
        stdout,
        "                  curl http://{web}/api/v1/air/stations/{air_station}/daily       # daily AQI (derived)"
    )?;
    writeln!(
        stdout,
        "                  curl -H 'Authorization: Bearer {token}' http://{web}/api/v1/outlets/exceedance/daily"
    )?;
    writeln!(
        stdout,
        "                  curl -H 'Authorization: Bearer {token}' http://{web}/api/v1/registry/enterprises   # sample registry (模拟)"
    )?;
    writeln!(
        stdout,
        "                  curl -H 'Authorization: Bearer {token}' 'http://{web}/api/v1/alarms?state=open'"
    )?;
    writeln!(stdout, "                  curl http://{web}/metrics")?;
    writeln!(
        stdout,
        "  {} devices: sending {} h of hourly history, then live minute and realtime data. Ctrl-C stops.",
        devices.len(),
        args.history_hours
    )?;
    drop(stdout);

    let control = simulator::client::FleetControl::new();
    let now = now_beijing_minute();
    let base = LoadPlan {
        seed: args.seed,
        kind: DataKind::Hour,
        first_data_time: floor_hour(now) - chrono::Duration::hours(args.history_hours as i64),
        step: chrono::Duration::hours(1),
        packets_per_device: args.history_hours,
        pace: Duration::ZERO,
        ack_timeout: Duration::from_secs(10),
        bad_packet_ratio: 0.0,
        give_up_after: Duration::from_secs(3600 * 24 * 365),
    };
    let live_minutes = LoadPlan {
        kind: DataKind::Minute,
        first_data_time: now,
        step: chrono::Duration::minutes(1),
        packets_per_device: usize::MAX,
        pace: Duration::from_secs(60),
        bad_packet_ratio: 0.01,
        ..base.clone()
    };
    let live_realtime = LoadPlan {
        kind: DataKind::Realtime,
        first_data_time: now,
        step: chrono::Duration::seconds(30),
        packets_per_device: usize::MAX,
        pace: Duration::from_secs(30),
        ..base.clone()
    };
    let target = running.gateway_addr.context("the gateway runs in role all")?;
    let fleets = [base, live_minutes, live_realtime].map(|plan| {
        let devices = devices.clone();
        let control = control.clone();
        tokio::spawn(async move { run_fleet(target, devices, plan, control).await })
    });
    let reporter = {
        let store = store.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(30)).await;
                let store = store.clone();
                if let Ok(Ok(n_readings)) =
                    tokio::task::spawn_blocking(move || store.count_readings()).await
                {
                    let _ = writeln!(std::io::stdout(), "  … {n_readings} readings stored");
                }
            }
        })
    };
    match args.duration_secs {
        Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
        None => services::interrupted().await,
    }
    control.stop();
    reporter.abort();
    for fleet in fleets {
        let _ = tokio::time::timeout(Duration::from_secs(15), fleet).await;
    }
    running.stop().await?;
    let n_readings = store.count_readings()?;
    writeln!(std::io::stdout(), "demo stopped; {n_readings} readings in {}", config.store.url)?;
    Ok(())
}

/// Options of `qingshan simulate`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// Gateway address.
    #[arg(long, default_value = "127.0.0.1:9212")]
    target: SocketAddr,
    /// Number of devices (fleet indices 0..N; register them first, e.g. with `device add`).
    #[arg(long, default_value_t = 10)]
    devices: usize,
    /// Be the demo's devices instead: one per point of the sample registry
    /// (the first `--devices`), as `qingshan demo` registers them.
    #[arg(long)]
    sample_registry: bool,
    /// Data kind: realtime, minute, hour or day.
    #[arg(long, default_value = "minute")]
    kind: String,
    /// Packets per device.
    #[arg(long, default_value_t = 60)]
    packets: usize,
    /// Milliseconds between a device's packets (0: as fast as answered).
    #[arg(long, default_value_t = 0)]
    pace_ms: u64,
    /// Fraction of packets preceded by a corrupted copy.
    #[arg(long, default_value_t = 0.0)]
    bad_ratio: f64,
    /// Seed of the simulated values.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Data time of the first packet, Beijing `YYYYMMDDhhmmss` (default: now minus the run's span).
    #[arg(long)]
    start: Option<String>,
}

/// Runs `qingshan simulate`.
pub(crate) async fn run_simulate(args: SimulateArgs) -> anyhow::Result<()> {
    let kind =
        DataKind::parse(&args.kind).with_context(|| format!("unknown kind {:?}", args.kind))?;
    let step = match kind {
        DataKind::Realtime => chrono::Duration::seconds(30),
        DataKind::Minute => chrono::Duration::minutes(1),
        DataKind::Hour => chrono::Duration::hours(1),
        DataKind::Day => chrono::Duration::days(1),
    };
    let first_data_time = match &args.start {
        Some(text) => model::BeijingTime::parse_hj212(text)?.0,
        None => {
            floor_hour(now_beijing_minute())
                - step * i32::try_from(args.packets).unwrap_or(i32::MAX)
        }
    };
    let plan = LoadPlan {
        seed: args.seed,
        kind,
        first_data_time,
        step,
        packets_per_device: args.packets,
        pace: Duration::from_millis(args.pace_ms),
        ack_timeout: Duration::from_secs(10),
        bad_packet_ratio: args.bad_ratio,
        give_up_after: Duration::from_secs(60),
    };
    let devices = if args.sample_registry {
        // The same points in the same order as a demo store gets them.
        let scratch = store::SqliteStore::open_in_memory()?;
        register_sample_fleet(&scratch, args.devices)?
    } else {
        simulator::fleet::fleet(args.devices)
    };
    let report =
        run_fleet(args.target, devices, plan, simulator::client::FleetControl::new()).await;
    print_report(&report)?;
    Ok(())
}

/// Prints a load report: packets, values, rates and answer latencies.
pub(crate) fn print_report(report: &LoadReport) -> anyhow::Result<()> {
    let seconds = report.elapsed.as_secs_f64().max(1e-9);
    let histogram = report.latency_histogram();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "packets acknowledged: {}", report.n_acked())?;
    writeln!(stdout, "values acknowledged:  {}", report.n_values_acked())?;
    writeln!(stdout, "elapsed:              {seconds:.3} s")?;
    writeln!(stdout, "packets/s:            {:.0}", report.n_acked() as f64 / seconds)?;
    writeln!(stdout, "values/s:             {:.0}", report.n_values_acked() as f64 / seconds)?;
    writeln!(
        stdout,
        "ack latency:          p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        histogram.value_at_quantile(0.50) as f64 / 1000.0,
        histogram.value_at_quantile(0.99) as f64 / 1000.0,
        histogram.max() as f64 / 1000.0
    )?;
    let n_resent: usize = report.devices.iter().map(|device| device.n_resent).sum();
    let n_bad: usize = report.devices.iter().map(|device| device.n_bad_sent).sum();
    writeln!(stdout, "re-sent: {n_resent}, deliberately bad: {n_bad}")?;
    Ok(())
}
