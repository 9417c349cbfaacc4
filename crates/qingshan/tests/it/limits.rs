//! Connection floods and idle floods are bounded by the configured limits.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::util::TestServer;

fn is_closed(stream: &mut TcpStream, limit: Duration) -> bool {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut byte = [0u8; 64];
    match stream.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => {
            !matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
        }
    }
}

#[test]
fn connections_beyond_max_connections_are_closed_at_once() {
    let mut server = TestServer::new("max_connections = 5\nidle_timeout_secs = 30");
    server.start();
    let mut streams: Vec<TcpStream> =
        (0..25).map(|_| TcpStream::connect(server.gateway).unwrap()).collect();
    let started = Instant::now();
    let mut admitted = Vec::new();
    let mut n_closed = 0;
    for mut stream in streams.drain(..) {
        if is_closed(&mut stream, Duration::from_millis(300)) {
            n_closed += 1;
        } else {
            admitted.push(stream);
        }
    }
    assert_eq!(n_closed, 20, "exactly the 20 connections over the limit of 5 are closed");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(server.metric("qingshan_ingest_connections_total{kind=\"limit_exceeded\"}"), 20.0);
    assert_eq!(server.metric("qingshan_ingest_connected_devices"), 5.0);
    // The 5 admitted connections are still open and writable.
    assert_eq!(admitted.len(), 5);
    for stream in &mut admitted {
        stream.write_all(b"##").unwrap();
    }
}

#[test]
fn idle_connections_are_closed_after_the_idle_timeout() {
    let mut server = TestServer::new("idle_timeout_secs = 1");
    server.start();
    let mut streams: Vec<TcpStream> =
        (0..30).map(|_| TcpStream::connect(server.gateway).unwrap()).collect();
    for stream in &mut streams {
        assert!(is_closed(stream, Duration::from_secs(10)), "idle connection was not closed");
    }
    assert_eq!(server.metric("qingshan_ingest_connections_total{kind=\"idle_timeout\"}"), 30.0);
    assert_eq!(server.metric("qingshan_ingest_connected_devices"), 0.0);
}
