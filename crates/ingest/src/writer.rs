//! The group-commit writer: one thread owns all writes to the store.
//!
//! Connections send [`WriteRequest`]s over a channel. The writer takes the
//! first waiting request, then everything else queued behind it (up to
//! `batch_max_packets`), commits them in one transaction, and only then answers
//! each request. Under load, batches grow by themselves while a commit is in
//! progress; under light load a packet is committed alone without waiting.

use std::collections::HashMap;
use std::sync::Arc;

use store::{
    AuditEntry, ConnectionEvent, DeviceSighting, IncomingPacket, IngestBatch, PacketOutcome, Store,
};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::events::{Event, Metrics};

/// The store's answer for one packet: its outcome once durable, or the error text.
pub(crate) type CommitResult = Result<PacketOutcome, String>;

/// One unit of work for the writer.
#[derive(Debug, Default)]
pub(crate) struct WriteRequest {
    /// A packet to archive (with its readings), if any.
    pub(crate) packet: Option<IncomingPacket>,
    /// The device seen.
    pub(crate) sighting: Option<DeviceSighting>,
    /// Audit entries.
    pub(crate) audit: Vec<AuditEntry>,
    /// Connection log events.
    pub(crate) connections: Vec<ConnectionEvent>,
    /// Where to send the outcome once durable (packets only).
    pub(crate) reply: Option<oneshot::Sender<CommitResult>>,
}

/// Handle for submitting work to the writer thread.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    sender: mpsc::Sender<WriteRequest>,
}

impl Writer {
    /// Starts the writer thread. It stops when every [`Writer`] handle is dropped.
    /// After each successful commit it wakes `committed`, if given (never blocks).
    pub(crate) fn spawn(
        store: Arc<dyn Store>,
        metrics: Metrics,
        batch_max_packets: usize,
        committed: Option<Arc<Notify>>,
    ) -> std::io::Result<(Writer, std::thread::JoinHandle<()>)> {
        let (sender, receiver) = mpsc::channel(batch_max_packets.max(1) * 4);
        let handle = std::thread::Builder::new()
            .name("qingshan-writer".into())
            .spawn(move || run(store, metrics, batch_max_packets.max(1), receiver, committed))?;
        Ok((Writer { sender }, handle))
    }

    /// Submits a packet; the returned receiver yields its outcome once it is durable.
    pub(crate) async fn submit(
        &self,
        mut request: WriteRequest,
    ) -> Result<oneshot::Receiver<CommitResult>, &'static str> {
        let (reply, outcome) = oneshot::channel();
        request.reply = Some(reply);
        self.sender.send(request).await.map_err(|_| "writer stopped")?;
        Ok(outcome)
    }

    /// Submits log-only work (connection events, audit) without waiting.
    pub(crate) async fn log(&self, request: WriteRequest) {
        // If the writer is gone the gateway is shutting down; the log entry is lost with it.
        let _ = self.sender.send(request).await;
    }
}

fn run(
    store: Arc<dyn Store>,
    metrics: Metrics,
    batch_max_packets: usize,
    mut receiver: mpsc::Receiver<WriteRequest>,
    committed: Option<Arc<Notify>>,
) {
    let mut requests: Vec<WriteRequest> = Vec::with_capacity(batch_max_packets);
    while let Some(first) = receiver.blocking_recv() {
        requests.push(first);
        while requests.len() < batch_max_packets {
            match receiver.try_recv() {
                Ok(request) => requests.push(request),
                Err(_) => break,
            }
        }
        let stored = commit_requests(store.as_ref(), &metrics, &mut requests);
        if let Some(committed) = committed.as_ref().filter(|_| stored) {
            // A wake-up only: the woken service reads what changed from the store.
            committed.notify_one();
        }
    }
}

/// Commits the requests as one batch; returns whether the commit succeeded.
fn commit_requests(store: &dyn Store, metrics: &Metrics, requests: &mut Vec<WriteRequest>) -> bool {
    let mut batch = IngestBatch::default();
    let mut replies = Vec::with_capacity(requests.len());
    let mut latest_sighting: HashMap<model::DeviceId, DeviceSighting> = HashMap::new();
    for request in requests.drain(..) {
        if let Some(packet) = request.packet {
            batch.packets.push(packet);
            replies.push(request.reply);
        }
        if let Some(sighting) = request.sighting {
            merge_sighting(&mut latest_sighting, sighting);
        }
        batch.audit.extend(request.audit);
        batch.connections.extend(request.connections);
    }
    batch.sightings = latest_sighting.into_values().collect();
    let n_packets = batch.packets.len();
    let started = std::time::Instant::now();
    match store.commit_batch(&batch) {
        Ok(report) => {
            metrics
                .record(Event::Committed { n_packets, seconds: started.elapsed().as_secs_f64() });
            for (reply, outcome) in replies.into_iter().zip(report.packets) {
                if let Some(reply) = reply {
                    // The connection may have gone; its data is stored all the same.
                    let _ = reply.send(Ok(outcome));
                }
            }
            true
        }
        Err(error) => {
            let error = error.to_string();
            metrics.record(Event::CommitFailed { n_packets, error: &error });
            for reply in replies.into_iter().flatten() {
                let _ = reply.send(Err(error.clone()));
            }
            false
        }
    }
}

fn merge_sighting(latest: &mut HashMap<model::DeviceId, DeviceSighting>, sighting: DeviceSighting) {
    match latest.get_mut(&sighting.device) {
        Some(existing) => {
            if sighting.at >= existing.at {
                existing.at = sighting.at;
                existing.peer = sighting.peer;
            }
            existing.latest_data_time = existing.latest_data_time.max(sighting.latest_data_time);
        }
        None => {
            latest.insert(sighting.device, sighting);
        }
    }
}
