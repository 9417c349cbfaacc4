//! `TestServer`: a real `qingshan serve` process on free ports with a temporary
//! store: a SQLite file, or a fresh PostgreSQL database (see [`postgres_store`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use store::{
    DeviceLeniency, NewDevice, NewPoint, PgOptions, PgStore, SqliteOptions, SqliteStore, Store,
};

/// The URL of a fresh PostgreSQL database for `test`, or `None` (and a loud
/// SKIPPED) without `QINGSHAN_TEST_POSTGRES_URL`; under `CI=true` that fails instead.
pub(crate) fn postgres_store(test: &str) -> Option<String> {
    let base = store::conformance::postgres::base_url(test)?;
    Some(store::conformance::postgres::fresh_database(&base))
}

/// A closed-loop load of `packets_per_device` packets of `kind` per device,
/// `step` apart from Beijing midnight of `first_day` (`YYYY-MM-DD`), answered within 2 s.
pub(crate) fn load_plan(
    kind: model::DataKind,
    first_day: &str,
    step: chrono::Duration,
    packets_per_device: usize,
) -> simulator::client::LoadPlan {
    simulator::client::LoadPlan {
        seed: 21,
        kind,
        first_data_time: chrono::NaiveDate::parse_from_str(first_day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
        step,
        packets_per_device,
        pace: Duration::ZERO,
        ack_timeout: Duration::from_secs(2),
        bad_packet_ratio: 0.0,
        give_up_after: Duration::from_secs(60),
    }
}

/// A free loopback port (bound, then released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A temp directory with a config file and a store, and a server process using them.
pub(crate) struct TestServer {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) config_path: PathBuf,
    pub(crate) gateway: SocketAddr,
    pub(crate) web: SocketAddr,
    /// `sqlite://` (in `dir`) or `postgres://`.
    pub(crate) store_url: String,
    /// `--role` for `qingshan serve`.
    role: &'static str,
    child: Option<Child>,
}

impl TestServer {
    /// Writes a config with fixed free ports (so a restart reuses them) plus
    /// `extra_ingest` lines, with a SQLite store in the temp dir.
    pub(crate) fn new(extra_ingest: &str) -> TestServer {
        TestServer::with_store(extra_ingest, None)
    }

    /// Like [`TestServer::new`], with the store at `store_url` (a SQLite file in the temp dir if `None`).
    pub(crate) fn with_store(extra_ingest: &str, store_url: Option<&str>) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let gateway = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let web = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let config_path = dir.path().join("qingshan.toml");
        let store_url = match store_url {
            Some(url) => url.to_owned(),
            None => format!("sqlite://{}", dir.path().join("store.sqlite").display()),
        };
        let text = format!(
            "[store]\nurl = \"{store_url}\"\n[ingest]\nlisten = \"{gateway}\"\n{extra_ingest}\n[web]\nlisten = \"{web}\"\n[log]\nfilter = \"error\"\n"
        );
        std::fs::write(&config_path, text).unwrap();
        TestServer { dir, config_path, gateway, web, store_url, role: "all", child: None }
    }

    /// Runs `qingshan serve --role ROLE` instead of the default `all`.
    pub(crate) fn role(mut self, role: &'static str) -> TestServer {
        self.role = role;
        self
    }

    pub(crate) fn store_path(&self) -> PathBuf {
        self.dir.path().join("store.sqlite")
    }

    /// Opens the SQLite store file directly (the server may be running: SQLite WAL allows it).
    pub(crate) fn open_store(&self) -> SqliteStore {
        SqliteStore::open(&self.store_path(), SqliteOptions::default()).unwrap()
    }

    /// Opens the store directly, whichever backend it is (the server may be running).
    pub(crate) fn open_any_store(&self) -> Box<dyn Store> {
        match self.store_url.strip_prefix("sqlite://") {
            Some(path) => {
                Box::new(SqliteStore::open(Path::new(path), SqliteOptions::default()).unwrap())
            }
            None => Box::new(PgStore::open(&self.store_url, PgOptions::default()).unwrap()),
        }
    }

    /// Registers simulator fleet devices `0..n` (all with password `123456`).
    pub(crate) fn register_fleet(&self, devices: &[simulator::fleet::VirtualDevice]) {
        let store = self.open_any_store();
        register(store.as_ref(), devices);
    }

    /// Starts `qingshan serve` and waits until it prints its addresses.
    pub(crate) fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut child = Command::new(env!("CARGO_BIN_EXE_qingshan"))
            .args(["serve", "--role", self.role, "--config"])
            .arg(&self.config_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = Vec::new();
        while let Some(Ok(line)) = lines.next() {
            let ready = line.starts_with("HTTP:");
            seen.push(line);
            if ready {
                break;
            }
        }
        assert!(
            seen.iter().any(|line| line.starts_with("HTTP:")),
            "server did not start: {seen:?}"
        );
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        self.child = Some(child);
    }

    /// SIGKILL: no shutdown code runs.
    pub(crate) fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Graceful stop (SIGTERM) and wait.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    /// GET a path from the web server; returns the body.
    pub(crate) fn http_get(&self, path: &str) -> String {
        let mut stream = TcpStream::connect(self.web).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "GET {path}: {head}");
        body.to_owned()
    }

    /// GET a path with `Authorization: Bearer <token>` (or none); returns the
    /// status code and the body.
    pub(crate) fn http_get_as(&self, path: &str, token: Option<&str>) -> (u16, String) {
        let mut stream = TcpStream::connect(self.web).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let authorization =
            token.map(|token| format!("Authorization: Bearer {token}\r\n")).unwrap_or_default();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: test\r\n{authorization}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        let status = head.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        (status, body.to_owned())
    }

    /// The value of one metric line (exact name with labels), 0 when absent.
    pub(crate) fn metric(&self, name_with_labels: &str) -> f64 {
        let text = self.http_get("/metrics");
        text.lines()
            .find_map(|line| {
                line.strip_prefix(name_with_labels).and_then(|rest| rest.trim().parse().ok())
            })
            .unwrap_or(0.0)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Registers fleet devices in `store`.
pub(crate) fn register(store: &dyn Store, devices: &[simulator::fleet::VirtualDevice]) {
    let password_hash = ingest::hash_device_password("123456").unwrap();
    for device in devices {
        let point = store
            .upsert_point(&NewPoint {
                code: device.point_code.clone(),
                name: device.point_name.clone(),
                kind: device.kind,
                enterprise: device.enterprise.clone(),
                simulated: true,
            })
            .unwrap();
        store
            .upsert_device(&NewDevice {
                mn: model::Mn::parse(&device.mn).unwrap(),
                password_hash: password_hash.clone(),
                protocol: "2017".to_owned(),
                point,
                leniency: DeviceLeniency::default(),
                simulated: true,
            })
            .unwrap();
    }
}
