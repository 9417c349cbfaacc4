//! The login throttle is shared through the store: two web routers (two
//! processes' `AppState`s, each with its own counters and throttle) over one
//! store lock an account for both once the failures spread over them reach
//! the limit, and a restarted process (a fresh `AppState`) is still locked.
//! Runs on SQLite always, and on PostgreSQL (two stores on one database, as
//! two processes have) when `QINGSHAN_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use model::account::{Role, UserName};
use model::{Clock, Instant};
use store::{ChangedBy, NewUser, Store};
use tower::ServiceExt;

const PASSWORD: &str = "qingshan-throttle-2026";

/// A clock the test moves.
struct TestClock(Mutex<Instant>);

impl Clock for TestClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

/// One web process: its own counters, registry and throttle, on `store`.
struct Process {
    state: web::AppState,
    registry: Arc<prometheus_client::registry::Registry>,
}

fn process(store: Arc<dyn Store>, clock: Arc<TestClock>) -> Process {
    let mut registry = prometheus_client::registry::Registry::default();
    let metrics = web::auth::Metrics::register(&mut registry);
    let registry = Arc::new(registry);
    let state = web::AppState {
        store,
        registry: registry.clone(),
        clock,
        web: Arc::new(web::WebState::new(web::WebConfig::default(), metrics)),
    };
    Process { state, registry }
}

impl Process {
    /// Posts the login form as `name` from `address`; returns the status.
    async fn log_in(&self, name: &str, password: &str, address: [u8; 4]) -> StatusCode {
        let form = format!("name={name}&password={password}&csrf=tok&next=%2Fdashboard");
        let mut request = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, "qs_login_csrf=tok")
            .body(Body::from(form))
            .unwrap();
        request.extensions_mut().insert(ConnectInfo(SocketAddr::from((address, 40_000))));
        web::router(self.state.clone()).oneshot(request).await.unwrap().status()
    }

    /// The value of `qingshan_web_logins_total{outcome}` in this process.
    fn logins(&self, outcome: &str) -> u64 {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).unwrap();
        let prefix = format!("qingshan_web_logins_total{{outcome=\"{outcome}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .map_or(0, |value| value.trim().parse().unwrap())
    }
}

/// Runs the scenario with `open`, which opens the one shared store (each
/// call a new handle on it, as each process has its own).
async fn check(open: impl Fn() -> Arc<dyn Store>) {
    let start = Instant::from_unix_millis(1_795_000_000_000).unwrap();
    let clock = Arc::new(TestClock(Mutex::new(start)));
    let store = open();
    for name in ["u-zhang", "u-li"] {
        store
            .create_user(
                &NewUser {
                    name: UserName::parse(name).unwrap(),
                    role: Role::Analyst,
                    enterprise: None,
                    password_hash: web::auth::hash_password(PASSWORD).unwrap(),
                },
                &ChangedBy { actor: "tests".into(), at: start },
            )
            .unwrap();
    }
    let first = process(store, clock.clone());
    let second = process(open(), clock.clone());
    let per_account = web::WebConfig::default().login_failures_per_account;
    // Failures alternate between the two processes and come from different
    // addresses, so only the account's count can reach its limit.
    for index in 0..per_account {
        let (process, address) =
            if index % 2 == 0 { (&first, [10, 0, 0, 1]) } else { (&second, [10, 0, 0, 2]) };
        assert_eq!(process.log_in("u-zhang", "wrong", address).await, StatusCode::UNAUTHORIZED);
    }
    assert!(first.logins("bad_credentials") < u64::from(per_account), "each saw fewer");
    assert_eq!(first.logins("bad_credentials") + second.logins("bad_credentials"), 5);
    for process in [&first, &second] {
        let status = process.log_in("u-zhang", PASSWORD, [10, 0, 0, 3]).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "locked in both, even the password");
        assert_eq!(process.logins("throttled_account"), 1);
    }
    let restarted = process(open(), clock.clone());
    let status = restarted.log_in("u-zhang", PASSWORD, [10, 0, 0, 4]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "a restart forgets no lock");
    assert_eq!(second.log_in("u-li", PASSWORD, [10, 0, 0, 1]).await, StatusCode::SEE_OTHER);
    let failures = first.state.store.audit_entries(20).unwrap();
    assert_eq!(failures.iter().filter(|entry| entry.action == "login_failed").count(), 5);

    // Once the window is over the password works, and the success clears the account.
    let window_secs = i64::from(web::WebConfig::default().login_window_secs);
    *clock.0.lock().unwrap() = Instant(start.0 + chrono::Duration::seconds(window_secs));
    assert_eq!(second.log_in("u-zhang", PASSWORD, [10, 0, 0, 3]).await, StatusCode::SEE_OTHER);
    assert_eq!(second.logins("success"), 2);
    // The success found no failures left in the window: nothing to clear.
    let actions: Vec<String> =
        first.state.store.audit_entries(3).unwrap().into_iter().map(|entry| entry.action).collect();
    assert!(!actions.contains(&"login_failures_cleared".to_owned()), "{actions:?}");

    // A failure in one process is cleared by a success in the other.
    assert_eq!(first.log_in("u-li", "wrong", [10, 0, 0, 5]).await, StatusCode::UNAUTHORIZED);
    assert_eq!(second.log_in("u-li", PASSWORD, [10, 0, 0, 5]).await, StatusCode::SEE_OTHER);
    let entries = first.state.store.audit_entries(3).unwrap();
    let actions: Vec<(&str, &str)> =
        entries.iter().map(|entry| (entry.action.as_str(), entry.subject.as_str())).collect();
    assert!(actions.contains(&("login_failures_cleared", "user:u-li")), "{actions:?}");
}

#[tokio::test]
async fn failures_spread_over_two_processes_lock_the_account_in_both_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("throttle.sqlite");
    check(|| {
        Arc::new(store::SqliteStore::open(&path, store::SqliteOptions::default()).unwrap())
            as Arc<dyn Store>
    })
    .await;
}

#[tokio::test]
async fn failures_spread_over_two_processes_lock_the_account_in_both_on_postgres() {
    use store::conformance::postgres::{base_url, fresh_database};
    let Some(base) = base_url("web throttle on PostgreSQL") else { return };
    let url = fresh_database(&base);
    check(|| {
        Arc::new(store::PgStore::open(&url, store::PgOptions::default()).unwrap()) as Arc<dyn Store>
    })
    .await;
}
