//! Virtual devices on the wire: connect, send uploads, wait for the 9014
//! answer, re-send on timeout or reconnect, like a real data logger (数采仪).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::NaiveDateTime;
use hdrhistogram::Histogram;
use model::{Clock, DataKind, SystemClock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::fleet::VirtualDevice;
use crate::packet;

/// What a fleet sends.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// Seed of the simulated values.
    pub seed: u64,
    /// Realtime, minute, hour or day packets.
    pub kind: DataKind,
    /// Data time (Beijing) of each device's first packet.
    pub first_data_time: NaiveDateTime,
    /// Data-time step between a device's packets.
    pub step: chrono::Duration,
    /// Packets each device sends.
    pub packets_per_device: usize,
    /// Wall-clock pause between a device's packets; zero sends the next as soon as
    /// the previous one is answered (closed loop, for benchmarks).
    pub pace: Duration,
    /// How long to wait for an answer before sending again.
    pub ack_timeout: Duration,
    /// Fraction of packets preceded by a deliberately corrupted copy (bad CRC).
    pub bad_packet_ratio: f64,
    /// Give up on a device after this long without progress.
    pub give_up_after: Duration,
}

impl LoadPlan {
    /// Data time of packet `n` of a device.
    pub fn data_time(&self, n: usize) -> NaiveDateTime {
        self.first_data_time + self.step * i32::try_from(n).unwrap_or(i32::MAX)
    }
}

/// Shared between a running fleet and whoever watches it.
#[derive(Debug, Default)]
pub struct FleetControl {
    /// Set to stop every device after its current packet.
    pub stop: AtomicBool,
    /// Packets acknowledged so far, across the fleet.
    pub n_acked: AtomicUsize,
}

impl FleetControl {
    /// A new control, shareable.
    pub fn new() -> Arc<FleetControl> {
        Arc::new(FleetControl::default())
    }

    /// Asks every device to stop.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What one device achieved.
#[derive(Debug, Clone, Default)]
pub struct DeviceOutcome {
    /// Packets answered with 9014: the gateway says they are stored.
    pub n_acked: usize,
    /// Readings (parameters) in the acknowledged packets.
    pub n_values_acked: usize,
    /// Packets sent again after a timeout or a reconnect.
    pub n_resent: usize,
    /// Deliberately bad packets sent.
    pub n_bad_sent: usize,
    /// Connections opened.
    pub n_connections: usize,
    /// Answer latencies in microseconds.
    pub latencies_us: Vec<u64>,
}

/// What a whole fleet achieved.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Per device, in fleet order.
    pub devices: Vec<DeviceOutcome>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

impl LoadReport {
    /// Acknowledged packets in total.
    pub fn n_acked(&self) -> usize {
        self.devices.iter().map(|device| device.n_acked).sum()
    }

    /// Acknowledged readings in total.
    pub fn n_values_acked(&self) -> usize {
        self.devices.iter().map(|device| device.n_values_acked).sum()
    }

    /// A latency histogram (microseconds) over every answer.
    pub fn latency_histogram(&self) -> Histogram<u64> {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)
            .expect("constant bounds are valid");
        for value in self.devices.iter().flat_map(|device| device.latencies_us.iter()) {
            let _ = histogram.record((*value).max(1));
        }
        histogram
    }
}

/// Runs every device of `devices` concurrently against `target` until each has
/// had all its packets acknowledged, or `stop` is set, or it gives up.
pub async fn run_fleet(
    target: SocketAddr,
    devices: Vec<VirtualDevice>,
    plan: LoadPlan,
    control: Arc<FleetControl>,
) -> LoadReport {
    let started = std::time::Instant::now();
    let plan = Arc::new(plan);
    let mut tasks = tokio::task::JoinSet::new();
    for (position, device) in devices.into_iter().enumerate() {
        let plan = plan.clone();
        let control = control.clone();
        tasks.spawn(async move { (position, run_device(target, device, &plan, &control).await) });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(outcome) = joined {
            outcomes.push(outcome);
        }
    }
    outcomes.sort_by_key(|(position, _)| *position);
    LoadReport {
        devices: outcomes.into_iter().map(|(_, outcome)| outcome).collect(),
        elapsed: started.elapsed(),
    }
}

/// One device's life: connect, send its packets in order, each until answered.
pub async fn run_device(
    target: SocketAddr,
    device: VirtualDevice,
    plan: &LoadPlan,
    control: &FleetControl,
) -> DeviceOutcome {
    let mut outcome = DeviceOutcome::default();
    let mut connection: Option<Connection> = None;
    let mut next = 0usize;
    let mut last_progress = std::time::Instant::now();
    let mut resending = false;
    let mut qn: Option<String> = None;
    let mut buffer = Vec::with_capacity(1024);
    while next < plan.packets_per_device && !control.stop.load(Ordering::Relaxed) {
        if last_progress.elapsed() > plan.give_up_after {
            break;
        }
        let Some(open) = connection.as_mut() else {
            match TcpStream::connect(target).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    outcome.n_connections += 1;
                    connection = Some(Connection::new(stream));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
            continue;
        };
        let data_time = plan.data_time(next);
        // The QN is the device's clock when the packet is first sent; a re-send keeps it.
        let packet_qn =
            qn.get_or_insert_with(|| packet::qn_at(SystemClock.now().to_beijing().0)).clone();
        buffer.clear();
        if packet::corrupt_this(plan.seed, &device, next, plan.bad_packet_ratio) && !resending {
            packet::upload(&mut buffer, plan.seed, &device, plan.kind, data_time, &packet_qn);
            packet::corrupt(&mut buffer);
            outcome.n_bad_sent += 1;
        }
        packet::upload(&mut buffer, plan.seed, &device, plan.kind, data_time, &packet_qn);
        let sent_at = std::time::Instant::now();
        if open.stream.write_all(&buffer).await.is_err() {
            connection = None;
            resending = true;
            outcome.n_resent += 1;
            continue;
        }
        match open.await_answer(&packet_qn, plan.ack_timeout).await {
            Answer::Acked => {
                outcome.latencies_us.push(sent_at.elapsed().as_micros() as u64);
                outcome.n_acked += 1;
                control.n_acked.fetch_add(1, Ordering::Relaxed);
                outcome.n_values_acked += device.params.len();
                next += 1;
                resending = false;
                qn = None;
                last_progress = std::time::Instant::now();
                pause(plan.pace, control).await;
            }
            Answer::TimedOut => {
                resending = true;
                outcome.n_resent += 1;
            }
            Answer::Closed => {
                connection = None;
                resending = true;
                outcome.n_resent += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    outcome
}

/// Waits `pace` between packets, waking early when the fleet is asked to stop.
async fn pause(pace: Duration, control: &FleetControl) {
    let deadline = tokio::time::Instant::now() + pace;
    while !control.stop.load(Ordering::Relaxed) {
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return;
        }
        tokio::time::sleep((deadline - now).min(Duration::from_millis(200))).await;
    }
}

enum Answer {
    Acked,
    TimedOut,
    Closed,
}

struct Connection {
    stream: TcpStream,
    deframer: hj212::Deframer,
    read_buffer: Vec<u8>,
}

impl Connection {
    fn new(stream: TcpStream) -> Connection {
        Connection {
            stream,
            deframer: hj212::Deframer::new(hj212::DeframerConfig::default()),
            read_buffer: vec![0; 4096],
        }
    }

    /// Reads until the 9014 answering `qn` arrives; answers set-time commands on the way.
    async fn await_answer(&mut self, qn: &str, timeout: Duration) -> Answer {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            while let Some(frame) = packet::next_frame(&mut self.deframer) {
                match packet::classify_answer(&frame, qn) {
                    packet::Incoming::AckFor => return Answer::Acked,
                    packet::Incoming::Command(reply) => {
                        if self.stream.write_all(&reply).await.is_err() {
                            return Answer::Closed;
                        }
                    }
                    packet::Incoming::Other => {}
                }
            }
            match tokio::time::timeout_at(deadline, self.stream.read(&mut self.read_buffer)).await {
                Err(_) => return Answer::TimedOut,
                Ok(Ok(0)) | Ok(Err(_)) => return Answer::Closed,
                Ok(Ok(n_read)) => self.deframer.push(&self.read_buffer[..n_read]),
            }
        }
    }
}
