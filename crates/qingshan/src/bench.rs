//! `qingshan bench ingest`: the end-to-end ingest benchmark.
//!
//! Starts the gateway on loopback with a fresh embedded store, drives it with
//! the simulator (closed loop: each device sends its next packet when the
//! previous one is answered), and prints packets/s, values/s and answer
//! latencies. It then checks that the store holds exactly the readings that
//! were acknowledged. For a same-run baseline, the same fleet first runs
//! against an answer-only server that decodes and answers without storing.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Subcommand;
use model::DataKind;
use simulator::client::{LoadPlan, run_fleet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::Config;
use crate::demo::{print_report, register_fleet};
use crate::services::Running;

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// End-to-end ingest: simulator → gateway → embedded store.
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
    },
}

/// Runs a benchmark subcommand.
pub(crate) fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Ingest { devices, packets_per_device, no_baseline } => {
            crate::init_logging("error");
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(bench_ingest(devices, packets_per_device, !no_baseline))
        }
    }
}

fn plan(packets_per_device: usize) -> LoadPlan {
    LoadPlan {
        seed: 1,
        kind: DataKind::Minute,
        first_data_time: chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|date| date.and_hms_opt(0, 0, 0))
            .expect("constant date"),
        step: chrono::Duration::minutes(1),
        packets_per_device,
        pace: Duration::ZERO,
        ack_timeout: Duration::from_secs(30),
        bad_packet_ratio: 0.0,
        give_up_after: Duration::from_secs(120),
    }
}

async fn bench_ingest(
    n_devices: usize,
    packets_per_device: usize,
    baseline: bool,
) -> anyhow::Result<()> {
    // Flue-gas outlets (12 parameters) are 13 of every 20 fleet devices.
    let devices = simulator::fleet::fleet(n_devices * 2 + 20)
        .into_iter()
        .filter(|device| device.kind == store::PointKind::FlueGas)
        .take(n_devices)
        .collect::<Vec<_>>();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "ingest benchmark: {} flue-gas devices × {packets_per_device} minute packets (12 parameters each)",
        devices.len()
    )?;
    drop(out);

    let baseline_rate = if baseline {
        let (addr, server) = answer_only_server().await?;
        let report = run_fleet(
            addr,
            devices.clone(),
            plan(packets_per_device),
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
    let mut config = Config::default();
    config.store.url = format!("sqlite://{}", directory.path().join("bench.sqlite").display());
    config.ingest.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.ingest.max_packets_per_sec = 1_000_000;
    config.ingest.packet_burst = 1_000_000;
    config.web.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let store = crate::services::open_store(&config)?;
    register_fleet(store.as_ref(), &devices)?;
    let running = Running::start(&config, store.clone()).await?;
    // Warm-up: every device connects and sends one minute packet (dated a day
    // before the measured ones), paying each device's one-time argon2 password
    // check. Minute data leaves the evaluator nothing to derive.
    let warm_up_plan = LoadPlan {
        packets_per_device: 1,
        first_data_time: plan(1).first_data_time - chrono::Duration::days(1),
        ..plan(1)
    };
    let warm_up = run_fleet(
        running.gateway_addr.context("the gateway runs in role all")?,
        devices.clone(),
        warm_up_plan,
        simulator::client::FleetControl::new(),
    )
    .await;
    writeln!(
        std::io::stdout(),
        "\nwarm-up (connect + first packet, one argon2 check per device): {:.3} s",
        warm_up.elapsed.as_secs_f64()
    )?;
    let report = run_fleet(
        running.gateway_addr.context("the gateway runs in role all")?,
        devices.clone(),
        plan(packets_per_device),
        simulator::client::FleetControl::new(),
    )
    .await;
    running.stop().await?;
    writeln!(std::io::stdout(), "\n== gateway with the embedded store (SQLite, synchronous=FULL)")?;
    print_report(&report)?;
    let rate = report.n_acked() as f64 / report.elapsed.as_secs_f64();
    if let Some(baseline_rate) = baseline_rate {
        writeln!(std::io::stdout(), "ratio to baseline:    {:.2}", rate / baseline_rate)?;
    }
    let n_stored = store.count_readings()?;
    let n_acked = (report.n_values_acked() + warm_up.n_values_acked()) as u64;
    writeln!(std::io::stdout(), "readings in store:    {n_stored} (acknowledged: {n_acked})")?;
    if n_stored != n_acked {
        bail!("store holds {n_stored} readings but {n_acked} were acknowledged");
    }
    Ok(())
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
