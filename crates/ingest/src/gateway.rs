//! The TCP gateway: accepts device connections and runs one task per connection.
//!
//! Per connection: read → deframe → decode → authenticate → submit to the
//! writer → await durability → answer. All frames of one read are submitted
//! before the first answer is awaited, so a device re-sending history gets its
//! packets committed together.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use model::{BeijingTime, Clock, DataKind, Instant, ParamCode, Reading, ReadingKey};
use store::{
    AuditEntry, ConnectionEvent, DeviceRecord, DeviceSighting, IncomingPacket, RawPacket, Store,
    Verdict,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot, watch};

use crate::IngestConfig;
use crate::auth::{DeviceDirectory, Refusal};
use crate::codec::{self, CnClass, Decoded, QnRtn};
use crate::events::{CloseCause, Event, Metrics};
use crate::writer::{CommitResult, WriteRequest, Writer};
use hj212::FrameEvent;

/// Size of one socket read.
const READ_BUFFER_BYTES: usize = 16 * 1024;

struct Shared {
    config: IngestConfig,
    clock: Arc<dyn Clock>,
    metrics: Metrics,
    directory: DeviceDirectory,
    writer: Writer,
    connection_slots: Arc<Semaphore>,
}

/// A bound gateway, ready to [`run`](Gateway::run).
pub struct Gateway {
    listener: TcpListener,
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    writer_thread: std::thread::JoinHandle<()>,
}

impl Gateway {
    /// Binds the listener and starts the writer thread. Port 0 picks a free port;
    /// read it back with [`Gateway::local_addr`].
    pub async fn bind(
        config: IngestConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        metrics: Metrics,
    ) -> std::io::Result<Gateway> {
        Gateway::bind_notifying(config, store, clock, metrics, None).await
    }

    /// [`Gateway::bind`], waking `committed` after every successful group
    /// commit (a wake-up for services that follow the store, e.g. alarms;
    /// `notify_one` never blocks the writer).
    pub async fn bind_notifying(
        config: IngestConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        metrics: Metrics,
        committed: Option<Arc<tokio::sync::Notify>>,
    ) -> std::io::Result<Gateway> {
        let listener = TcpListener::bind(config.listen).await?;
        let local_addr = listener.local_addr()?;
        let (writer, writer_thread) =
            Writer::spawn(store.clone(), metrics.clone(), config.batch_max_packets, committed)?;
        let shared = Arc::new(Shared {
            connection_slots: Arc::new(Semaphore::new(config.max_connections)),
            directory: DeviceDirectory::new(store),
            config,
            clock,
            metrics,
            writer,
        });
        Ok(Gateway { listener, local_addr, shared, writer_thread })
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Accepts connections until `shutdown` becomes true, then waits for open
    /// connections to finish their in-flight commits and stops the writer.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> std::io::Result<()> {
        let Gateway { listener, shared, writer_thread, .. } = self;
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(error) => {
                            tracing::warn!(error = %error, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let peer = peer.to_string();
                    let Ok(permit) = shared.connection_slots.clone().try_acquire_owned() else {
                        shared.metrics.record(Event::ConnectionLimit { peer: &peer });
                        drop(stream);
                        continue;
                    };
                    let shared = shared.clone();
                    let shutdown = shutdown.clone();
                    connections.spawn(async move {
                        serve_connection(&shared, stream, peer, shutdown).await;
                        drop(permit);
                    });
                }
                _ = shutdown.changed() => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        while connections.join_next().await.is_some() {}
        drop(shared);
        tokio::task::spawn_blocking(move || writer_thread.join())
            .await
            .map_err(std::io::Error::other)?
            .map_err(|_| std::io::Error::other("writer thread panicked"))?;
        Ok(())
    }
}

/// What a connection knows about its device.
struct Session {
    peer: String,
    device: Option<DeviceRecord>,
    consecutive_refusals: u32,
    tokens: f64,
    refilled: tokio::time::Instant,
    clock_corrected: Option<tokio::time::Instant>,
    subpacket_data_time: Option<BeijingTime>,
}

/// An answer to write once its packet is durable.
struct Pending {
    outcome: Option<oneshot::Receiver<CommitResult>>,
    /// The MN of an accepted data packet, for the `accepted` event once stored.
    accepted_mn: Option<String>,
    answers: Vec<(&'static str, Vec<u8>)>,
}

async fn serve_connection(
    shared: &Shared,
    mut stream: TcpStream,
    peer: String,
    mut shutdown: watch::Receiver<bool>,
) {
    shared.metrics.record(Event::Connected { peer: &peer });
    let _ = stream.set_nodelay(true);
    log_connection(shared, &peer, None, "connected", "").await;
    let mut deframer = hj212::Deframer::new(hj212::DeframerConfig {
        max_segment_bytes: shared.config.max_segment_bytes,
    });
    let mut buffer = vec![0u8; READ_BUFFER_BYTES];
    let mut session = Session {
        peer: peer.clone(),
        device: None,
        consecutive_refusals: 0,
        tokens: f64::from(shared.config.packet_burst),
        refilled: tokio::time::Instant::now(),
        clock_corrected: None,
        subpacket_data_time: None,
    };
    let idle = Duration::from_secs(shared.config.idle_timeout_secs.max(1));
    let cause =
        loop {
            let read = tokio::select! {
                read = tokio::time::timeout(idle, stream.read(&mut buffer)) => read,
                _ = shutdown.changed() => break CloseCause::Shutdown,
            };
            let n_read = match read {
                Err(_) => break CloseCause::IdleTimeout,
                Ok(Err(_)) => break CloseCause::IoError,
                Ok(Ok(0)) => break CloseCause::PeerClosed,
                Ok(Ok(n_read)) => n_read,
            };
            deframer.push(&buffer[..n_read]);
            let mut pending = Vec::new();
            while let Some(event) = deframer.next_event() {
                match event {
                    FrameEvent::Skipped { n_bytes } => {
                        shared.metrics.record(Event::Skipped { peer: &peer, n_bytes })
                    }
                    FrameEvent::Dropped { n_bytes, reason } => shared
                        .metrics
                        .record(Event::Dropped { peer: &peer, n_bytes, reason: reason.label() }),
                    FrameEvent::Frame(frame) => {
                        if !take_token(shared, &mut session) {
                            // Over the rate: answer what is done, then wait for a token.
                            if write_answers(shared, &mut stream, std::mem::take(&mut pending))
                                .await
                                .is_err()
                            {
                                break;
                            }
                            wait_for_token(shared, &mut session).await;
                        }
                        pending.push(handle_frame(shared, &mut session, frame).await);
                    }
                }
            }
            if write_answers(shared, &mut stream, pending).await.is_err() {
                break CloseCause::IoError;
            }
            if session.consecutive_refusals >= shared.config.max_consecutive_refusals.max(1) {
                break CloseCause::TooManyRefusals;
            }
        };
    let mn = session.device.as_ref().map(|device| device.device.mn.to_string());
    shared.metrics.record(Event::Closed { peer: &peer, mn: mn.as_deref(), cause });
    log_connection(shared, &peer, mn, "closed", cause.label()).await;
}

/// Token bucket, one token per packet: a connection that sends faster than
/// `max_packets_per_sec` beyond its `packet_burst` is not read from (its packets
/// wait in the socket) until it is back within the rate, so TCP slows it down
/// and nothing is dropped. Returns whether a token was taken.
fn take_token(shared: &Shared, session: &mut Session) -> bool {
    let rate = f64::from(shared.config.max_packets_per_sec.max(1));
    let burst = f64::from(shared.config.packet_burst.max(1));
    let now = tokio::time::Instant::now();
    session.tokens =
        (session.tokens + now.duration_since(session.refilled).as_secs_f64() * rate).min(burst);
    session.refilled = now;
    if session.tokens >= 1.0 {
        session.tokens -= 1.0;
        true
    } else {
        false
    }
}

/// Sleeps until the bucket holds a token, then takes it.
async fn wait_for_token(shared: &Shared, session: &mut Session) {
    let rate = f64::from(shared.config.max_packets_per_sec.max(1));
    while !take_token(shared, session) {
        tokio::time::sleep(Duration::from_secs_f64((1.0 - session.tokens) / rate)).await;
    }
}

async fn write_answers(
    shared: &Shared,
    stream: &mut TcpStream,
    pending: Vec<Pending>,
) -> std::io::Result<()> {
    let mut out = Vec::new();
    for item in pending {
        if let Some(outcome) = item.outcome {
            match outcome.await {
                Ok(Ok(stored)) => {
                    if let Some(mn) = item.accepted_mn.as_deref() {
                        shared.metrics.record(Event::Accepted {
                            mn,
                            n_inserted: stored.n_inserted,
                            n_duplicate: stored.n_duplicate,
                        });
                    }
                }
                // Not durable: no answer, so the device keeps the data and sends it again.
                _ => continue,
            }
        }
        for (cn, bytes) in item.answers {
            shared.metrics.record(Event::Answered { cn });
            out.extend_from_slice(&bytes);
        }
    }
    if !out.is_empty() {
        stream.write_all(&out).await?;
    }
    Ok(())
}

async fn log_connection(
    shared: &Shared,
    peer: &str,
    mn: Option<String>,
    event: &str,
    detail: &str,
) {
    let at = shared.clock.now();
    let connection = ConnectionEvent {
        at,
        peer: peer.to_owned(),
        mn,
        event: event.to_owned(),
        detail: detail.to_owned(),
    };
    shared
        .writer
        .log(WriteRequest { connections: vec![connection], ..WriteRequest::default() })
        .await;
}

fn raw_packet(
    session: &Session,
    frame: Vec<u8>,
    received_at: Instant,
    verdict: Verdict,
) -> RawPacket {
    RawPacket {
        bytes: frame,
        received_at,
        peer: session.peer.clone(),
        mn: None,
        device: None,
        cn: None,
        verdict,
        deviations: Vec::new(),
    }
}

async fn handle_frame(shared: &Shared, session: &mut Session, frame: Vec<u8>) -> Pending {
    let received_at = shared.clock.now();
    let leniency =
        session.device.as_ref().map(|device| device.device.leniency.clone()).unwrap_or_default();
    let mut decoded = match codec::decode(frame, &leniency) {
        Ok(decoded) => decoded,
        Err((frame, failure)) => {
            // A device with relaxed checks may not be known on this connection yet.
            let leniency = match (&session.device, failure.mn.as_deref()) {
                (None, Some(mn)) if failure.relaxable => shared
                    .directory
                    .leniency(mn)
                    .await
                    .filter(|leniency| *leniency != store::DeviceLeniency::default()),
                _ => None,
            };
            let retried = match leniency {
                Some(leniency) => codec::decode(frame, &leniency),
                None => Err((frame, failure)),
            };
            match retried {
                Ok(decoded) => decoded,
                Err((frame, failure)) => {
                    shared.metrics.record(Event::Malformed {
                        peer: &session.peer,
                        reason: failure.reason,
                        error: &failure.message,
                    });
                    let mut raw = raw_packet(
                        session,
                        frame,
                        received_at,
                        Verdict::Malformed { reason: failure.reason.to_owned() },
                    );
                    raw.mn = failure.mn.clone();
                    raw.cn = failure.cn;
                    return submit_log_only(shared, raw, Vec::new()).await;
                }
            }
        }
    };
    let device = match authenticate(shared, &decoded).await {
        Ok(device) => device,
        Err(refusal) => return refuse(shared, session, received_at, decoded, refusal).await,
    };
    session.consecutive_refusals = 0;
    for deviation in &decoded.deviations {
        shared.metrics.record(Event::Deviation { mn: Some(&decoded.mn), deviation });
    }
    let mut answers = Vec::new();
    if let Some(command) = clock_check(shared, session, &decoded, received_at) {
        answers.push(("1012", command));
    }
    let class = decoded.class();
    let frame = std::mem::take(&mut decoded.frame);
    let mut raw = raw_packet(session, frame, received_at, Verdict::Archived);
    raw.mn = Some(decoded.mn.clone());
    raw.device = Some(device.id);
    raw.cn = decoded.cn;
    raw.deviations = decoded.deviations.iter().map(|label| (*label).to_owned()).collect();
    let mut readings = Vec::new();
    let mut latest_data_time = None;
    if let CnClass::Data(kind) = class {
        match readings_of(
            shared,
            session,
            &decoded,
            &device,
            kind,
            received_at,
            &mut raw.deviations,
        ) {
            Ok(built) => {
                raw.verdict = Verdict::Accepted;
                latest_data_time = built.first().map(|reading| reading.key.data_time);
                readings = built;
            }
            Err(reason) => {
                shared.metrics.record(Event::Malformed {
                    peer: &session.peer,
                    reason,
                    error: reason,
                });
                raw.verdict = Verdict::Malformed { reason: reason.to_owned() };
                return submit_log_only(shared, raw, Vec::new()).await;
            }
        }
    } else {
        shared.metrics.record(Event::Archived { mn: &decoded.mn, cn: decoded.cn.unwrap_or(0) });
    }
    let answer_to_time_request = decoded.kind == hj212::CnKind::Notify && decoded.cn == Some(1013);
    answers.extend(decoded.answer.clone());
    if answer_to_time_request && let Some(command) = codec::set_time_command(&decoded, received_at)
    {
        // 1013 time calibration request: answer 9013, then send the time (STD §7).
        answers.push(("1012", command));
    }
    let accepted_mn = (raw.verdict == Verdict::Accepted).then(|| decoded.mn.clone());
    let sighting = DeviceSighting {
        device: device.id,
        at: received_at,
        peer: session.peer.clone(),
        latest_data_time,
    };
    session.device = Some(device);
    let request = WriteRequest {
        packet: Some(IncomingPacket { raw, readings }),
        sighting: Some(sighting),
        ..WriteRequest::default()
    };
    match shared.writer.submit(request).await {
        Ok(outcome) => Pending { outcome: Some(outcome), accepted_mn, answers },
        Err(_) => Pending { outcome: None, accepted_mn: None, answers: Vec::new() },
    }
}

async fn submit_log_only(shared: &Shared, raw: RawPacket, audit: Vec<AuditEntry>) -> Pending {
    let request = WriteRequest {
        packet: Some(IncomingPacket { raw, readings: Vec::new() }),
        audit,
        ..Default::default()
    };
    // The outcome is awaited so that nothing written after it can overtake it; no answer depends on it.
    match shared.writer.submit(request).await {
        Ok(outcome) => Pending { outcome: Some(outcome), accepted_mn: None, answers: Vec::new() },
        Err(_) => Pending { outcome: None, accepted_mn: None, answers: Vec::new() },
    }
}

async fn authenticate(shared: &Shared, decoded: &Decoded) -> Result<DeviceRecord, Refusal> {
    let password = decoded.pw.as_deref().unwrap_or("");
    shared.directory.authenticate(&decoded.mn, password).await
}

async fn refuse(
    shared: &Shared,
    session: &mut Session,
    received_at: Instant,
    mut decoded: Decoded,
    refusal: Refusal,
) -> Pending {
    let reason = refusal.reason();
    let qn_rtn = match refusal {
        Refusal::WrongPassword => Some(QnRtn::WrongPassword),
        Refusal::UnknownMn | Refusal::MissingMn => Some(QnRtn::WrongMn),
        Refusal::StoreUnavailable => None,
    };
    // Encoded before the frame moves into the archive.
    let answer = qn_rtn
        .filter(|_| decoded.wants_answer)
        .and_then(|qn_rtn| codec::request_answer(&decoded, qn_rtn));
    let frame = std::mem::take(&mut decoded.frame);
    session.consecutive_refusals += 1;
    shared.metrics.record(Event::Refused { peer: &session.peer, mn: Some(&decoded.mn), reason });
    let mut raw =
        raw_packet(session, frame, received_at, Verdict::Refused { reason: reason.to_owned() });
    raw.mn = Some(decoded.mn.clone());
    raw.cn = decoded.cn;
    let actor = format!("device:{}", decoded.mn);
    let audit = vec![AuditEntry {
        at: received_at,
        actor: actor.clone(),
        action: "device_refused".to_owned(),
        subject: actor,
        detail: serde_json::json!({ "reason": reason, "peer": session.peer, "cn": decoded.cn }),
    }];
    let mut pending = submit_log_only(shared, raw, audit).await;
    pending.answers.extend(answer.map(|answer| ("9011", answer)));
    pending
}

/// Sends a set-time command when the device's clock (its QN) is off by more than
/// `clock_correct_secs`, at most once an hour per connection.
fn clock_check(
    shared: &Shared,
    session: &mut Session,
    decoded: &Decoded,
    now: Instant,
) -> Option<Vec<u8>> {
    let limit = i64::try_from(shared.config.clock_correct_secs).ok().filter(|limit| *limit > 0)?;
    let device_time = decoded.qn_time?.to_instant();
    let drift_secs = (device_time.0 - now.0).num_seconds();
    if drift_secs.abs() <= limit {
        return None;
    }
    if session.clock_corrected.is_some_and(|at| at.elapsed() < Duration::from_secs(3600)) {
        return None;
    }
    session.clock_corrected = Some(tokio::time::Instant::now());
    shared.metrics.record(Event::ClockCorrected { mn: &decoded.mn, drift_secs });
    codec::set_time_command(decoded, now)
}

fn readings_of(
    shared: &Shared,
    session: &mut Session,
    decoded: &Decoded,
    device: &DeviceRecord,
    kind: DataKind,
    received_at: Instant,
    deviations: &mut Vec<String>,
) -> Result<Vec<Reading>, &'static str> {
    let local_time = match (decoded.data_time, decoded.pno) {
        (Some(time), Some(_)) => {
            session.subpacket_data_time = Some(time);
            time
        }
        (Some(time), None) => time,
        (None, Some(_)) => session.subpacket_data_time.ok_or("missing_data_time")?,
        (None, None) => return Err("missing_data_time"),
    };
    let data_time = local_time.to_instant();
    let tolerance = chrono::Duration::seconds(
        i64::try_from(shared.config.future_tolerance_secs).unwrap_or(i64::MAX),
    );
    if data_time.0 > received_at.0 + tolerance {
        deviations.push("data_time_in_future".to_owned());
        shared
            .metrics
            .record(Event::Deviation { mn: Some(&decoded.mn), deviation: "data_time_in_future" });
    }
    let mut readings = Vec::with_capacity(decoded.params.len());
    for (code, values) in &decoded.params {
        let Ok(param) = ParamCode::parse(code) else {
            deviations.push("invalid_param_code".to_owned());
            continue;
        };
        readings.push(Reading {
            key: ReadingKey { point: device.device.point, param, kind, data_time },
            values: values.clone(),
        });
    }
    Ok(readings)
}
