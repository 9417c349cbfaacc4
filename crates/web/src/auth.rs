//! Accounts on the HTTP side: password hashing, session cookies, API tokens,
//! CSRF tokens, login throttling, and who is asking ([`Principal`]).
//!
//! - Passwords: argon2id (default parameters, 19 MiB, 2 passes), PHC strings.
//! - Sessions: a random 256-bit token in the `qs_session` cookie
//!   (`HttpOnly; SameSite=Lax; Path=/`, plus `Secure` when
//!   [`crate::WebConfig::secure_cookies`] is set); the store keeps only its SHA-256.
//! - CSRF: each session has a synchronizer token that every form carries (field
//!   `csrf`, or header `X-CSRF-Token`) and every state-changing request from a
//!   session is checked against. The login form, before any session exists,
//!   uses a double-submit cookie (`qs_login_csrf`).
//! - API tokens: `Authorization: Bearer <token>`, stored hashed, each with a
//!   role; requests with a token need no CSRF token (no cookie is involved).
//! - Throttling: failed logins are counted in the store per account and per
//!   client address over a sliding window (shared by every web process on
//!   the store, kept across restarts); past the limit logins are refused with
//!   429 and the minutes to wait, and counted in `qingshan_web_logins_total`.

use std::sync::atomic::{AtomicI64, Ordering};

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
    rand_core::RngCore,
};
use axum::http::HeaderMap;
use model::Instant;
use model::account::{Role, User};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};
use store::{ApiToken, LoginFailure, LoginFailureCounts, PointRecord, Store};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "qs_session";
/// Name of the login form's double-submit CSRF cookie.
pub const LOGIN_CSRF_COOKIE: &str = "qs_login_csrf";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "qs_lang";

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2::Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
    })
}

/// A new random 256-bit secret as 64 hex digits (session and API tokens, CSRF tokens).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// SHA-256 of a token as hex: what the store keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Compares two secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Lax; Path=/`, `Secure` if asked.
pub(crate) fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Max-Age={max_age_secs}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// Nobody logged in: the public.
    Anonymous,
    /// A user with a live session (cookie).
    Session {
        /// The user.
        user: User,
        /// The session's CSRF token.
        csrf: String,
        /// The SHA-256 of the session token (for logout).
        token_hash: String,
    },
    /// A machine client with an API token.
    Token(ApiToken),
}

impl Principal {
    /// The role this principal acts with.
    pub fn role(&self) -> Role {
        match self {
            Principal::Anonymous => Role::Public,
            Principal::Session { user, .. } => user.role,
            Principal::Token(token) => token.role,
        }
    }

    /// The enterprise an enterprise principal is bound to.
    pub fn enterprise(&self) -> Option<&str> {
        match self {
            Principal::Anonymous => None,
            Principal::Session { user, .. } => user.enterprise.as_deref(),
            Principal::Token(token) => token.enterprise.as_deref(),
        }
    }

    /// The actor name written to the audit log.
    pub fn actor(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".to_owned(),
            Principal::Session { user, .. } => user.name.to_string(),
            Principal::Token(token) => format!("token:{}", token.id),
        }
    }

    /// The logged-in user's name, for the page header.
    pub fn user_name(&self) -> Option<String> {
        match self {
            Principal::Session { user, .. } => Some(user.name.to_string()),
            _ => None,
        }
    }

    /// The CSRF token forms must carry (sessions only).
    pub fn csrf(&self) -> Option<&str> {
        match self {
            Principal::Session { csrf, .. } => Some(csrf),
            _ => None,
        }
    }

    /// Whether this principal may see `point`'s data: staff see every point,
    /// an enterprise principal only its own enterprise's, the public none
    /// (public data is served by public routes, not per point).
    pub fn can_see(&self, point: &PointRecord) -> bool {
        match self.role() {
            Role::Public => false,
            Role::Enterprise => match (self.enterprise(), point.point.enterprise.as_deref()) {
                (Some(mine), Some(theirs)) => mine == theirs,
                _ => false,
            },
            Role::Inspector | Role::Analyst | Role::Admin => true,
        }
    }
}

/// Labels of `qingshan_web_logins_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct LoginLabels {
    outcome: &'static str,
}

/// Labels of `qingshan_web_refusals_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RefusalLabels {
    reason: &'static str,
}

/// The web side's counters.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    logins: Family<LoginLabels, Counter>,
    refusals: Family<RefusalLabels, Counter>,
    area_results: Family<AreaResultLabels, Counter>,
}

/// Labels of `qingshan_web_area_results_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AreaResultLabels {
    domain: &'static str,
    outcome: &'static str,
}

impl Metrics {
    /// Creates the counters and registers them in `registry`.
    pub fn register(registry: &mut Registry) -> Metrics {
        let metrics = Metrics::default();
        registry.register(
            "qingshan_web_logins",
            "Login attempts by outcome (success, bad_credentials, throttled_account, throttled_ip, bad_csrf)",
            metrics.logins.clone(),
        );
        registry.register(
            "qingshan_web_refusals",
            "Requests refused by reason (unauthenticated, forbidden_role, forbidden_enterprise, bad_csrf, bad_token)",
            metrics.refusals.clone(),
        );
        registry.register(
            "qingshan_web_area_results",
            "Per-area results by domain (air, water) and outcome (computed, reused)",
            metrics.area_results.clone(),
        );
        metrics
    }

    pub(crate) fn area_result(&self, domain: &'static str, outcome: &'static str) {
        self.area_results.get_or_create(&AreaResultLabels { domain, outcome }).inc();
    }

    pub(crate) fn login(&self, outcome: LoginOutcome) {
        self.logins.get_or_create(&LoginLabels { outcome: outcome.label() }).inc();
    }

    pub(crate) fn refusal(&self, reason: &'static str) {
        self.refusals.get_or_create(&RefusalLabels { reason }).inc();
    }
}

/// How a login attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginOutcome {
    Success,
    BadCredentials,
    ThrottledAccount,
    ThrottledIp,
    BadCsrf,
}

impl LoginOutcome {
    pub(crate) fn label(self) -> &'static str {
        match self {
            LoginOutcome::Success => "success",
            LoginOutcome::BadCredentials => "bad_credentials",
            LoginOutcome::ThrottledAccount => "throttled_account",
            LoginOutcome::ThrottledIp => "throttled_ip",
            LoginOutcome::BadCsrf => "bad_csrf",
        }
    }
}

/// Limits of the login throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Failed logins per account within the window before it is locked.
    pub per_account: u32,
    /// Failed logins per client address within the window before it is locked.
    pub per_ip: u32,
    /// The window, in seconds.
    pub window_secs: i64,
}

impl ThrottleLimits {
    /// The start of the window that ends at `now`: failures strictly after it count.
    pub fn window_start(self, now: Instant) -> Instant {
        Instant(now.0 - chrono::Duration::seconds(self.window_secs.max(0)))
    }
}

/// Why a login is refused by the throttle, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Throttled {
    pub(crate) outcome: LoginOutcome,
    pub(crate) retry_after_secs: i64,
}

/// A login the throttle lets through, with what a success has to clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Allowed {
    /// The account's uncleared failures in the window.
    pub(crate) n_account_failures: u64,
}

/// Whether a login may be tried at `now`, given the failures the store
/// counted in the window ending at `now` ([`ThrottleLimits::window_start`]).
///
/// The account's lock is checked first, then the address's. A key is locked
/// once its failures in the window reach its limit, until the oldest of them
/// leaves the window: that is the wait returned (at least a second).
pub(crate) fn decide(
    limits: ThrottleLimits,
    counts: &LoginFailureCounts,
    now: Instant,
) -> Result<Allowed, Throttled> {
    for (window, limit, outcome) in [
        (counts.account, limits.per_account, LoginOutcome::ThrottledAccount),
        (counts.address, limits.per_ip, LoginOutcome::ThrottledIp),
    ] {
        if let Some(oldest) = window.oldest
            && window.n_failures >= u64::from(limit)
        {
            let elapsed = (now.0 - oldest.0).num_seconds();
            if elapsed < limits.window_secs {
                return Err(Throttled {
                    outcome,
                    retry_after_secs: (limits.window_secs - elapsed).max(1),
                });
            }
        }
    }
    Ok(Allowed { n_account_failures: counts.account.n_failures })
}

/// The login throttle: failed logins per account and per client address over
/// a sliding window, counted in the store ([`store::LoginThrottleStore`]), so
/// every process on one store shares them and a restart forgets no lock. The
/// decision is [`decide`]; this only reads and writes the counts. Calls block:
/// run them on a blocking thread.
#[derive(Debug)]
pub(crate) struct Throttle {
    /// When this process last pruned failures past the window (Unix ms).
    pruned_ms: AtomicI64,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle { pruned_ms: AtomicI64::new(i64::MIN) }
    }
}

impl Throttle {
    /// Whether a login for `name` from `ip` may be tried at `now`: one query.
    pub(crate) fn check(
        &self,
        store: &dyn Store,
        limits: ThrottleLimits,
        name: &str,
        ip: &str,
        now: Instant,
    ) -> store::Result<Result<Allowed, Throttled>> {
        let counts = store.login_failures(name, ip, limits.window_start(now))?;
        Ok(decide(limits, &counts, now))
    }

    /// Records a failed login (with its `login_failed` audit entry) and, at
    /// most once a window per process, prunes the failures past the window.
    pub(crate) fn failed(
        &self,
        store: &dyn Store,
        limits: ThrottleLimits,
        name: &str,
        ip: &str,
        now: Instant,
    ) -> store::Result<()> {
        let failure = LoginFailure { account: name.to_owned(), address: ip.to_owned(), at: now };
        store.record_login_failure(&failure)?;
        let now_ms = now.0.timestamp_millis();
        let last_ms = self.pruned_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last_ms) >= limits.window_secs.saturating_mul(1000)
            && self
                .pruned_ms
                .compare_exchange(last_ms, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            store.prune_login_failures(limits.window_start(now), now)?;
        }
        Ok(())
    }

    /// Clears the account's failures after a successful login, if the check
    /// counted any (a login after none costs no write).
    pub(crate) fn succeeded(
        &self,
        store: &dyn Store,
        allowed: Allowed,
        name: &str,
        now: Instant,
    ) -> store::Result<()> {
        if allowed.n_account_failures > 0 {
            store.clear_login_failures(name, now)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("qingshan-2026").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("qingshan-2026", &hash));
        assert!(!verify_password("qingshan-2027", &hash));
        assert!(!verify_password("qingshan-2026", "not a hash"));
    }

    #[test]
    fn tokens_are_256_bit_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b));
    }

    /// Runs the throttle's `check` then, if it lets the login through,
    /// records it as `failed` or `succeeded`; returns the check's answer.
    fn check(
        throttle: &Throttle,
        store: &dyn Store,
        name: &str,
        ip: &str,
        secs: i64,
        succeeds: Option<bool>,
    ) -> Result<Allowed, Throttled> {
        let limits = ThrottleLimits { per_account: 3, per_ip: 5, window_secs: 60 };
        let now = Instant::from_unix_millis(1_795_000_000_000 + secs * 1000).unwrap();
        let answer = throttle.check(store, limits, name, ip, now).unwrap();
        match (answer, succeeds) {
            (Ok(_), Some(false)) => throttle.failed(store, limits, name, ip, now).unwrap(),
            (Ok(allowed), Some(true)) => throttle.succeeded(store, allowed, name, now).unwrap(),
            _ => {}
        }
        answer
    }

    #[test]
    fn throttle_locks_an_account_then_an_address_for_the_window() {
        let store = store::SqliteStore::open_in_memory().unwrap();
        let throttle = Throttle::default();
        for _ in 0..3 {
            assert!(check(&throttle, &store, "a", "1.1.1.1", 0, Some(false)).is_ok());
        }
        let refused = check(&throttle, &store, "a", "2.2.2.2", 10, None).unwrap_err();
        assert_eq!(
            (refused.outcome, refused.retry_after_secs),
            (LoginOutcome::ThrottledAccount, 50)
        );
        assert!(check(&throttle, &store, "a", "2.2.2.2", 60, None).is_ok(), "the window is over");
        check(&throttle, &store, "b", "1.1.1.1", 1, Some(false)).unwrap();
        check(&throttle, &store, "c", "1.1.1.1", 1, Some(false)).unwrap();
        let refused = check(&throttle, &store, "d", "1.1.1.1", 2, None).unwrap_err();
        assert_eq!(refused.outcome, LoginOutcome::ThrottledIp);
        let still = check(&throttle, &store, "a", "3.3.3.3", 3, None).unwrap_err();
        assert_eq!(still.outcome, LoginOutcome::ThrottledAccount, "still locked before a success");
        // A success (e.g. after the account's lock is lifted elsewhere) clears the account only.
        throttle.succeeded(&store, Allowed { n_account_failures: 3 }, "a", at_secs(3)).unwrap();
        assert!(check(&throttle, &store, "a", "3.3.3.3", 3, None).is_ok());
        let refused = check(&throttle, &store, "e", "1.1.1.1", 3, None).unwrap_err();
        assert_eq!(refused.outcome, LoginOutcome::ThrottledIp, "the address keeps its failures");
    }

    fn at_secs(secs: i64) -> Instant {
        Instant::from_unix_millis(1_795_000_000_000 + secs * 1000).unwrap()
    }

    #[test]
    fn throttle_waits_until_the_oldest_failure_leaves_the_window() {
        let limits = ThrottleLimits { per_account: 2, per_ip: 10, window_secs: 900 };
        let counts = |n_failures, oldest_secs| LoginFailureCounts {
            account: store::FailureWindow { n_failures, oldest: Some(at_secs(oldest_secs)) },
            address: store::FailureWindow { n_failures, oldest: Some(at_secs(oldest_secs)) },
        };
        assert_eq!(
            decide(limits, &counts(1, 0), at_secs(5)),
            Ok(Allowed { n_account_failures: 1 })
        );
        let refused = decide(limits, &counts(2, 0), at_secs(5)).unwrap_err();
        assert_eq!(
            (refused.outcome, refused.retry_after_secs),
            (LoginOutcome::ThrottledAccount, 895)
        );
        let refused = decide(limits, &counts(2, 0), at_secs(899)).unwrap_err();
        assert_eq!(refused.retry_after_secs, 1, "at least a second");
        assert!(decide(limits, &LoginFailureCounts::default(), at_secs(0)).is_ok());
    }
}
