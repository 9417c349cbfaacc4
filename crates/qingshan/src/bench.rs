//! `qingshan bench ingest`: the end-to-end ingest benchmark.
//!
//! Starts the gateway on loopback with a fresh embedded store, drives it with
//! the simulator (closed loop: each device sends its next packet when the
//! previous one is answered), and prints packets/s, values/s and answer
//! latencies. It then checks that the store gained exactly the readings that
//! were acknowledged. For a same-run baseline, the same fleet first runs
//! against an answer-only server that decodes and answers without storing.
//! With `--store postgres://…` the same load then runs against PostgreSQL with
//! 1 … `--gateways` gateways (devices split between them), and a summary gives
//! each run's rate as a ratio to the SQLite run of the same invocation, since
//! absolute figures on a shared machine vary from run to run.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Subcommand;
use model::DataKind;
use simulator::client::{LoadPlan, LoadReport, run_fleet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::Config;
use crate::demo::{print_report, register_fleet};
use crate::services::{Role, Running};

mod alarms;

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// End-to-end ingest: simulator → gateway → embedded store (and PostgreSQL with --store).
    Ingest {
        /// Concurrent devices.
        #[arg(long, default_value_t = 1000)]
        devices: usize,
        /// Minute packets each device sends.
        #[arg(long, default_value_t = 40)]
        packets_per_device: usize,
        /// Skip the answer-only baseline run.
        #[arg(long)]
        no_baseline: bool,
        /// Also run against this PostgreSQL database (`postgres://…`), after the
        /// embedded store in the same invocation. Use a database for benchmarks:
        /// the runs add their data to it.
        #[arg(long)]
        store: Option<String>,
        /// With --store: run PostgreSQL with 1, 2, … up to this many gateways
        /// (each with its own store connections, as separate processes would have).
        #[arg(long, default_value_t = 1)]
        gateways: usize,
    },
    /// Alarm latency under the ingest load: packet received → alarm stored → webhook received.
    Alarms {
        /// Concurrent devices.
        #[arg(long, default_value_t = 1000)]
        devices: usize,
        /// Minute packets each device sends.
        #[arg(long, default_value_t = 40)]
        packets_per_device: usize,
        /// Every n-th outlet gets a limit each of its values crosses.
        #[arg(long, default_value_t = 10)]
        crossing_every: usize,
    },
}

/// Runs a benchmark subcommand.
pub(crate) fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Ingest { devices, packets_per_device, no_baseline, store, gateways } => {
            crate::init_logging("error");
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let options = IngestBench {
                n_devices: devices,
                packets_per_device,
                baseline: !no_baseline,
                postgres: store,
                max_gateways: gateways.max(1),
            };
            runtime.block_on(bench_ingest(options))
        }
        BenchCommand::Alarms { devices, packets_per_device, crossing_every } => {
            crate::init_logging("error");
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(alarms::bench_alarms(devices, packets_per_device, crossing_every))
        }
    }
}

/// Loopback listeners on free ports, a store in `directory`, no rate limits.
fn bench_config(directory: &std::path::Path) -> Config {
    let mut config = Config::default();
    config.store.url = format!("sqlite://{}", directory.join("bench.sqlite").display());
    loopback(&mut config);
    config
}

/// Loopback listeners on free ports and no rate limits.
fn loopback(config: &mut Config) {
    config.ingest.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.ingest.max_packets_per_sec = 1_000_000;
    config.ingest.packet_burst = 1_000_000;
    config.web.listen = SocketAddr::from(([127, 0, 0, 1], 0));
}

/// `n_devices` flue-gas outlets of the simulator fleet (12 parameters each).
fn flue_gas_devices(n_devices: usize) -> Vec<simulator::fleet::VirtualDevice> {
    // Flue-gas outlets are 13 of every 20 fleet devices.
    simulator::fleet::fleet(n_devices * 2 + 20)
        .into_iter()
        .filter(|device| device.kind == store::PointKind::FlueGas)
        .take(n_devices)
        .collect()
}

/// What `bench ingest` runs.
struct IngestBench {
    n_devices: usize,
    packets_per_device: usize,
    baseline: bool,
    postgres: Option<String>,
    max_gateways: usize,
}

/// `packets_per_device` minute packets from Beijing midnight `day_offset` days after 2026-11-01.
fn plan(packets_per_device: usize, day_offset: i64) -> LoadPlan {
    LoadPlan {
        seed: 1,
        kind: DataKind::Minute,
        first_data_time: chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|date| date.and_hms_opt(0, 0, 0))
            .expect("constant date")
            + chrono::Duration::days(day_offset),
        step: chrono::Duration::minutes(1),
        packets_per_device,
        pace: Duration::ZERO,
        ack_timeout: Duration::from_secs(30),
        bad_packet_ratio: 0.0,
        give_up_after: Duration::from_secs(120),
    }
}

/// The figures of one run, for the summary.
struct Measured {
    label: String,
    n_gateways: usize,
    packets_per_sec: f64,
    values_per_sec: f64,
    p99_ms: f64,
}

async fn bench_ingest(options: IngestBench) -> anyhow::Result<()> {
    let devices = flue_gas_devices(options.n_devices);
    let packets_per_device = options.packets_per_device;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "ingest benchmark: {} flue-gas devices × {packets_per_device} minute packets (12 parameters each)",
        devices.len()
    )?;
    drop(out);

    let baseline_rate = if options.baseline {
        let (addr, server) = answer_only_server().await?;
        let report = run_fleet(
            addr,
            devices.clone(),
            plan(packets_per_device, 0),
            simulator::client::FleetControl::new(),
        )
        .await;
        server.abort();
        writeln!(std::io::stdout(), "\n== baseline: answer-only server (decode + 9014, no store)")?;
        print_report(&report)?;
        Some(report.n_acked() as f64 / report.elapsed.as_secs_f64())
    } else {
        None
    };

    let directory = tempfile::tempdir().context("cannot create a temporary directory")?;
    let sqlite_url = format!("sqlite://{}", directory.path().join("bench.sqlite").display());
    let mut runs = vec![(sqlite_url, "embedded store (SQLite, synchronous=FULL)".to_owned(), 1)];
    if let Some(url) = &options.postgres {
        for n_gateways in 1..=options.max_gateways {
            runs.push((url.clone(), "PostgreSQL (synchronous_commit=on)".to_owned(), n_gateways));
        }
    }
    let mut measured = Vec::new();
    for (index, (url, label, n_gateways)) in runs.into_iter().enumerate() {
        // Each run its own data times, so a run never re-sends what an earlier one stored.
        let day_offset = 10 * index as i64;
        let report = run_store(&url, n_gateways, &devices, packets_per_device, day_offset).await?;
        writeln!(std::io::stdout(), "\n== gateway with the {label}, {n_gateways} gateway(s)")?;
        print_report(&report)?;
        let seconds = report.elapsed.as_secs_f64().max(1e-9);
        let rate = report.n_acked() as f64 / seconds;
        if let Some(baseline_rate) = baseline_rate {
            writeln!(std::io::stdout(), "ratio to baseline:    {:.2}", rate / baseline_rate)?;
        }
        measured.push(Measured {
            label: if url.starts_with("sqlite://") { "sqlite" } else { "postgres" }.to_owned(),
            n_gateways,
            packets_per_sec: rate,
            values_per_sec: report.n_values_acked() as f64 / seconds,
            p99_ms: report.latency_histogram().value_at_quantile(0.99) as f64 / 1000.0,
        });
    }
    if measured.len() > 1 {
        let mut out = std::io::stdout().lock();
        writeln!(out, "\n== summary (ratios to the SQLite run of this invocation)")?;
        writeln!(
            out,
            "{:<9} {:>8} {:>10} {:>10} {:>11} {:>12}",
            "store", "gateways", "packets/s", "values/s", "p99 ack ms", "rate ratio"
        )?;
        let reference = measured[0].packets_per_sec.max(1e-9);
        for run in &measured {
            writeln!(
                out,
                "{:<9} {:>8} {:>10.0} {:>10.0} {:>11.2} {:>12.2}",
                run.label,
                run.n_gateways,
                run.packets_per_sec,
                run.values_per_sec,
                run.p99_ms,
                run.packets_per_sec / reference
            )?;
        }
    }
    Ok(())
}

/// One measured run: `n_gateways` gateways (role gateway, each with its own
/// store), the devices split between them, a warm-up, then the measured load.
/// Fails unless the store gained exactly the readings acknowledged.
async fn run_store(
    url: &str,
    n_gateways: usize,
    devices: &[simulator::fleet::VirtualDevice],
    packets_per_device: usize,
    day_offset: i64,
) -> anyhow::Result<LoadReport> {
    let mut config = Config::default();
    config.store.url = url.to_owned();
    loopback(&mut config);
    let mut stores = Vec::with_capacity(n_gateways);
    for _ in 0..n_gateways {
        stores.push(crate::services::open_store(&config)?);
    }
    let first = stores[0].clone();
    register_fleet(first.as_ref(), devices)?;
    let n_before = first.count_readings()?;
    let mut running = Vec::with_capacity(n_gateways);
    let mut targets = Vec::with_capacity(n_gateways);
    for store in stores {
        let gateway = Running::start_role(&config, store, Role::Gateway).await?;
        targets.push(gateway.gateway_addr.context("a gateway has a gateway address")?);
        running.push(gateway);
    }
    // Device i talks to gateway i mod n.
    let shares: Vec<Vec<simulator::fleet::VirtualDevice>> = (0..n_gateways)
        .map(|gateway| {
            devices.iter().skip(gateway).step_by(n_gateways).cloned().collect::<Vec<_>>()
        })
        .collect();
    // Warm-up: every device connects and sends one minute packet (dated a day
    // before the measured ones), paying each device's one-time argon2 password
    // check. Minute data leaves the evaluator nothing to derive.
    let measured_plan = plan(packets_per_device, day_offset);
    let warm_up_plan = LoadPlan {
        packets_per_device: 1,
        first_data_time: measured_plan.first_data_time - chrono::Duration::days(1),
        ..measured_plan.clone()
    };
    let warm_up = run_shares(&targets, &shares, &warm_up_plan).await?;
    writeln!(
        std::io::stdout(),
        "\nwarm-up (connect + first packet, one argon2 check per device): {:.3} s",
        warm_up.elapsed.as_secs_f64()
    )?;
    let report = run_shares(&targets, &shares, &measured_plan).await?;
    for gateway in running {
        gateway.stop().await?;
    }
    let n_stored = first.count_readings()? - n_before;
    let n_acked = (report.n_values_acked() + warm_up.n_values_acked()) as u64;
    writeln!(std::io::stdout(), "readings stored now:  {n_stored} (acknowledged: {n_acked})")?;
    if n_stored != n_acked {
        bail!("store gained {n_stored} readings but {n_acked} were acknowledged");
    }
    Ok(report)
}

/// Runs each share of the devices against its gateway at once; one report over all.
async fn run_shares(
    targets: &[SocketAddr],
    shares: &[Vec<simulator::fleet::VirtualDevice>],
    plan: &LoadPlan,
) -> anyhow::Result<LoadReport> {
    let tasks: Vec<_> = targets
        .iter()
        .zip(shares)
        .map(|(target, share)| {
            tokio::spawn(run_fleet(
                *target,
                share.clone(),
                plan.clone(),
                simulator::client::FleetControl::new(),
            ))
        })
        .collect();
    let mut combined = LoadReport { devices: Vec::new(), elapsed: Duration::ZERO };
    for task in tasks {
        let report = task.await.context("a simulated fleet failed")?;
        combined.devices.extend(report.devices);
        combined.elapsed = combined.elapsed.max(report.elapsed);
    }
    Ok(combined)
}

/// A server that decodes each packet and answers 9014 at once, storing nothing.
async fn answer_only_server() -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = stream.set_nodelay(true);
                let mut deframer = hj212::Deframer::new(hj212::DeframerConfig::default());
                let mut buffer = vec![0u8; 16 * 1024];
                loop {
                    let n_read = match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n_read) => n_read,
                    };
                    deframer.push(&buffer[..n_read]);
                    let mut out = Vec::new();
                    while let Some(frame) = simulator::packet::next_frame(&mut deframer) {
                        if let Some(answer) = simulator::packet::answer_9014(&frame) {
                            out.extend_from_slice(&answer);
                        }
                    }
                    if stream.write_all(&out).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok((addr, handle))
}
