//! A local webhook receiver: a minimal HTTP/1.1 server that records each
//! POST and answers with a scripted status. For tests, the latency
//! benchmark, and trying a channel configuration out.

use std::sync::{Arc, Mutex, PoisonError};

use model::{Clock, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// Largest request accepted, in bytes.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// One request received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// When its body was complete.
    pub at: Instant,
    /// The request path with its query.
    pub path: String,
    /// The body text.
    pub body: String,
}

/// A running receiver.
#[derive(Debug)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
    requests: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Binds loopback port 0 and serves: the n-th request is answered with
    /// `statuses[n]` (the last one repeats) and a robot-style `{"errcode":0}` body.
    /// Each request is also sent to `sink`, if given.
    pub async fn start(
        statuses: Vec<u16>,
        clock: Arc<dyn Clock>,
        sink: Option<mpsc::UnboundedSender<Received>>,
    ) -> std::io::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let requests: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = requests.clone();
        let statuses = if statuses.is_empty() { vec![200] } else { statuses };
        let n_served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, clock, sink) = (seen.clone(), clock.clone(), sink.clone());
                let (statuses, n_served) = (statuses.clone(), n_served.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &statuses, &n_served, &seen, clock.as_ref(), sink).await;
                });
            }
        });
        Ok(Receiver { url, requests, task })
    }

    /// Everything received so far, in arrival order.
    pub fn requests(&self) -> Vec<Received> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Forgets what was received so far.
    pub fn clear(&self) {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: tokio::net::TcpStream,
    statuses: &[u16],
    n_served: &std::sync::atomic::AtomicUsize,
    seen: &Mutex<Vec<Received>>,
    clock: &dyn Clock,
    sink: Option<mpsc::UnboundedSender<Received>>,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let (path, body) = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buffer.len() > MAX_REQUEST_BYTES {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
        let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
        let length = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if buffer.len() >= end + 4 + length {
            let path = head.lines().next().and_then(|line| line.split(' ').nth(1)).unwrap_or("");
            let body = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).into_owned();
            break (path.to_owned(), body);
        }
    };
    let received = Received { at: clock.now(), path, body };
    seen.lock().unwrap_or_else(PoisonError::into_inner).push(received.clone());
    if let Some(sink) = sink {
        let _ = sink.send(received);
    }
    let n = n_served.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let status = statuses[n.min(statuses.len() - 1)];
    let answer = r#"{"errcode":0,"errmsg":"ok"}"#;
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
