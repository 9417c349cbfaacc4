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
    let streams: Vec<TcpStream> =
        (0..25).map(|_| TcpStream::connect(server.gateway).unwrap()).collect();
    // Every stream waits up to 3 s, all at once: one over the limit is closed at
    // accept, an admitted one stays open (its idle timeout is 30 s).
    let started = Instant::now();
    let waits: Vec<_> = streams
        .into_iter()
        .map(|mut stream| {
            std::thread::spawn(move || (is_closed(&mut stream, Duration::from_secs(3)), stream))
        })
        .collect();
    let mut admitted = Vec::new();
    let mut n_closed = 0;
    for wait in waits {
        let (closed, stream) = wait.join().unwrap();
        if closed {
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

/// A device faster than its rate is slowed down (its socket is not read), and
/// nothing it sent is lost.
#[test]
fn a_fast_sender_is_slowed_not_dropped() {
    use std::io::Read;

    let devices = simulator::fleet::fleet(3);
    let device = &devices[2];
    let mut server =
        TestServer::new("max_packets_per_sec = 20\npacket_burst = 5\nclock_correct_secs = 0");
    server.register_fleet(&devices);
    server.start();
    let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    let mut bytes = Vec::new();
    let n_packets = 45;
    for n in 0..n_packets {
        let time = first + chrono::Duration::minutes(n);
        simulator::packet::upload(
            &mut bytes,
            1,
            device,
            model::DataKind::Minute,
            time,
            &format!("20261101000000{n:03}"),
        );
    }
    let mut stream = TcpStream::connect(server.gateway).unwrap();
    let started = Instant::now();
    stream.write_all(&bytes).unwrap();
    let mut deframer = hj212::Deframer::new(hj212::DeframerConfig::default());
    let mut buffer = [0u8; 4096];
    let mut n_answers = 0;
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    while n_answers < n_packets {
        let n_read = stream.read(&mut buffer).unwrap();
        assert!(n_read > 0, "closed after {n_answers} answers");
        deframer.push(&buffer[..n_read]);
        while let Some(event) = deframer.next_event() {
            if let hj212::FrameEvent::Frame(_) = event {
                n_answers += 1;
            }
        }
    }
    // 45 packets, 5 at once, then 20 per second: at least 2 seconds.
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "not slowed: {:?}",
        started.elapsed()
    );
    let store = server.open_store();
    assert_eq!(
        store::Store::count_readings(&store).unwrap(),
        45 * device.params.len() as u64,
        "nothing lost"
    );
}

/// A hostile client streaming garbage costs counted skipped bytes, not memory,
/// and the connection still works afterwards.
#[test]
fn a_garbage_stream_is_skipped_with_bounded_memory() {
    let devices = simulator::fleet::fleet(3);
    let device = &devices[2];
    let mut server = TestServer::new("clock_correct_secs = 0");
    server.register_fleet(&devices);
    server.start();
    let mut stream = TcpStream::connect(server.gateway).unwrap();
    let garbage = vec![b'x'; 64 * 1024];
    for _ in 0..16 {
        stream.write_all(&garbage).unwrap();
    }
    // A frame header promising a long segment that never comes is dropped at the bound.
    stream.write_all(b"##9999").unwrap();
    stream.write_all(&vec![b'y'; 10_000]).unwrap();
    let mut bytes = Vec::new();
    let time = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    simulator::packet::upload(
        &mut bytes,
        1,
        device,
        model::DataKind::Minute,
        time,
        "20261101000000999",
    );
    stream.write_all(&bytes).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut answer = [0u8; 512];
    let n_read = std::io::Read::read(&mut stream, &mut answer).unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..n_read]).contains("CN=9014"),
        "the valid packet after the garbage is answered"
    );
    assert!(server.metric("qingshan_ingest_skipped_bytes_total") >= (16 * 64 * 1024) as f64);
}
