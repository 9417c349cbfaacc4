//! `qingshan bench alarms`: alarm latency under the ingest benchmark's load.
//!
//! The same flue-gas fleet and closed-loop minute load as `bench ingest`;
//! every `crossing_every`-th outlet gets an SO₂ limit every value crosses,
//! and a generic webhook channel points at a local receiver. Each webhook
//! received closes its alarm, so the next crossing of that outlet opens a new
//! one: samples spread over the whole run. Per alarm it reports packet
//! received → alarm stored (`first_at`) and packet received → webhook
//! received, as p50 / p99 / max.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use model::alarm::{AlarmId, AlarmState, Rule};
use model::{Clock, Instant, SystemClock};
use simulator::client::{FleetControl, LoadPlan, run_fleet};
use store::{AlarmQuery, PointLimit, RawQuery, Store};

use crate::demo::{print_report, register_fleet};
use crate::services::Running;

/// Runs the alarm latency benchmark.
pub(super) async fn bench_alarms(
    n_devices: usize,
    packets_per_device: usize,
    crossing_every: usize,
) -> anyhow::Result<()> {
    let devices = super::flue_gas_devices(n_devices);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (sink, mut received) = tokio::sync::mpsc::unbounded_channel();
    let receiver = alarms::receiver::Receiver::start(vec![200], clock.clone(), Some(sink))
        .await
        .context("cannot start the webhook receiver")?;

    let directory = tempfile::tempdir().context("cannot create a temporary directory")?;
    let mut config = super::bench_config(directory.path());
    config.alarms.channels.push(alarms::ChannelConfig {
        name: "bench".to_owned(),
        kind: alarms::ChannelKind::Generic,
        url: receiver.url.clone(),
        secret: None,
        template: String::new(),
        content_type: "application/json".to_owned(),
    });
    let store = crate::services::open_store(&config)?;
    register_fleet(store.as_ref(), &devices)?;
    let mut n_crossing = 0;
    let mut mn_of_point = HashMap::new();
    for (index, device) in devices.iter().enumerate() {
        let point = store
            .points()?
            .into_iter()
            .find(|record| record.point.code == device.point_code)
            .context("a registered point is missing")?
            .id;
        mn_of_point.insert(point, device.mn.clone());
        if index % crossing_every.max(1) == 0 {
            store.set_point_limit(&PointLimit {
                point,
                param: "a21026".to_owned(),
                limit: serde_json::json!({
                    "pollutant": "SO2", "bound": { "max": "0.001" }, "unit": "mg/m3",
                    "averaging": "hour", "conversion": "measured",
                }),
            })?;
            n_crossing += 1;
        }
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "alarm latency benchmark: {} flue-gas devices × {packets_per_device} minute packets, {n_crossing} outlets crossing their SO2 limit on every packet",
        devices.len()
    )?;
    drop(out);
    let running = Running::start(&config, store.clone()).await?;
    let gateway_addr = running.gateway_addr.context("the bench runs every role")?;
    let warm_up_plan = LoadPlan {
        packets_per_device: 1,
        first_data_time: super::plan(1, 0).first_data_time - chrono::Duration::days(1),
        ..super::plan(1, 0)
    };
    run_fleet(gateway_addr, devices.clone(), warm_up_plan, FleetControl::new()).await;
    // Let the warm-up's alarms be delivered, then close them: the measured run opens new ones.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let closer_store = store.clone();
    let closer_clock = clock.clone();
    tokio::task::spawn_blocking(move || close_all(closer_store.as_ref(), closer_clock.as_ref()))
        .await??;
    while received.try_recv().is_ok() {}
    receiver.clear();

    // Each webhook closes its alarm, so the outlet's next crossing opens a new one.
    let (closer_store, closer_clock) = (store.clone(), clock.clone());
    let closer = tokio::spawn(async move {
        while let Some(request) = received.recv().await {
            let Some(id) = alarm_of(&request.body).map(|alarm| alarm.id) else { continue };
            let (store, clock) = (closer_store.clone(), closer_clock.clone());
            let _ = tokio::task::spawn_blocking(move || {
                store.close_alarm(
                    id,
                    "bench",
                    clock.now(),
                    "bench: closed to measure the next crossing",
                    None,
                )
            })
            .await;
        }
    });
    let report = run_fleet(
        gateway_addr,
        devices.clone(),
        super::plan(packets_per_device, 0),
        FleetControl::new(),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    running.stop().await?;
    closer.abort();
    writeln!(std::io::stdout(), "\n== ingest under the alarm service (SQLite, synchronous=FULL)")?;
    print_report(&report)?;

    let requests = receiver.requests();
    let store_for_samples = store.clone();
    let samples = tokio::task::spawn_blocking(move || {
        samples(store_for_samples.as_ref(), &requests, &mn_of_point)
    })
    .await??;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "\n== alarm latency ({} alarms opened and notified during the measured run)",
        samples.len()
    )?;
    for (label, pick) in
        [("packet received → alarm stored:  ", 0usize), ("packet received → webhook received:", 1)]
    {
        let mut values: Vec<i64> =
            samples.iter().map(|sample| if pick == 0 { sample.0 } else { sample.1 }).collect();
        values.sort_unstable();
        writeln!(
            out,
            "{label} p50 {} ms, p99 {} ms, max {} ms",
            percentile(&values, 50),
            percentile(&values, 99),
            values.last().copied().unwrap_or(0)
        )?;
    }
    let open =
        store.alarms(&AlarmQuery { state: Some(AlarmState::Open), ..AlarmQuery::default() })?;
    writeln!(out, "alarms still open at the end: {}", open.len())?;
    Ok(())
}

fn alarm_of(body: &str) -> Option<store::Alarm> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    serde_json::from_value(value.get("alarm")?.clone()).ok()
}

fn close_all(store: &dyn Store, clock: &dyn Clock) -> anyhow::Result<()> {
    for alarm in store.alarms(&AlarmQuery {
        state: Some(AlarmState::Open),
        limit: 100_000,
        ..AlarmQuery::default()
    })? {
        store.close_alarm(alarm.id, "bench", clock.now(), "bench: warm-up", None)?;
    }
    Ok(())
}

/// (stored − received, webhook − received) in milliseconds per limit-crossing alarm.
fn samples(
    store: &dyn Store,
    requests: &[alarms::receiver::Received],
    mn_of_point: &HashMap<model::PointId, String>,
) -> anyhow::Result<Vec<(i64, i64)>> {
    let mut received_at: HashMap<(String, String), Instant> = HashMap::new();
    let mut loaded = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut seen: std::collections::HashSet<AlarmId> = std::collections::HashSet::new();
    for request in requests {
        let Some(alarm) = alarm_of(&request.body) else { continue };
        if alarm.key.rule != Rule::LimitCrossing || !seen.insert(alarm.id) {
            continue;
        }
        let Some(mn) = mn_of_point.get(&alarm.key.point) else { continue };
        if loaded.insert(mn.clone()) {
            let query = RawQuery { mn: Some(mn.clone()), limit: 1_000_000, ..RawQuery::default() };
            for packet in store.raw_packets(&query)? {
                let text = String::from_utf8_lossy(&packet.raw.bytes);
                if let Some(position) = text.find("DataTime=") {
                    let data_time = text[position + 9..].chars().take(14).collect::<String>();
                    // Re-sent packets: the first receipt counts.
                    let entry = received_at
                        .entry((mn.clone(), data_time))
                        .or_insert(packet.raw.received_at);
                    *entry = (*entry).min(packet.raw.received_at);
                }
            }
        }
        let data_time = alarm.window_from.to_beijing().to_hj212();
        let Some(packet_at) = received_at.get(&(mn.clone(), data_time)) else { continue };
        let ms = |at: Instant| (at.0 - packet_at.0).num_milliseconds();
        out.push((ms(alarm.first_at), ms(request.at)));
    }
    Ok(out)
}

fn percentile(sorted: &[i64], percent: usize) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}
