//! Delivery against a local test receiver: retries with backoff, dead
//! letters, and the message formats of each channel kind.

use std::sync::{Arc, Mutex};

use model::alarm::{AlarmKey, Rule, Severity};
use model::{Clock, Instant};
use serde_json::{Value, json};
use store::conformance::fixture::{at, point_and_device};
use store::{AlarmPass, AlarmStore, Finding, NotificationStatus, SqliteStore};

use super::{Notifier, dingtalk_sign, format, hmac_sha256};
use crate::config::{ChannelConfig, ChannelKind, NotifyConfig};
use crate::events::Metrics;
use crate::receiver::Receiver;

struct TestClock(Mutex<Instant>);

impl Clock for TestClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

/// A local receiver answering with `statuses` in turn (the last one repeats).
async fn receiver(statuses: Vec<u16>) -> Receiver {
    let clock = Arc::new(TestClock(Mutex::new(at(0))));
    Receiver::start(statuses, clock, None).await.unwrap()
}

fn channel(name: &str, kind: ChannelKind, url: &str) -> ChannelConfig {
    ChannelConfig {
        name: name.to_owned(),
        kind,
        url: url.to_owned(),
        secret: None,
        template: String::new(),
        content_type: "application/json".to_owned(),
    }
}

struct Setup {
    store: Arc<SqliteStore>,
    clock: Arc<TestClock>,
    notifier: Notifier,
    metrics: Metrics,
}

/// A store with one open alarm queued for `channels`, and a notifier.
fn check_setup(channels: Vec<ChannelConfig>, config: NotifyConfig) -> Setup {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let (point, _) = point_and_device(store.as_ref(), "MN-NOTIFY");
    let names: Vec<String> = channels.iter().map(|channel| channel.name.clone()).collect();
    let finding = Finding {
        key: AlarmKey { point, rule: Rule::Exceedance, pollutant: "a21026".to_owned() },
        severity: Severity::Critical,
        window_from: at(0),
        window_to: at(3_600_000),
        evidence: json!({ "concentration": "80", "unit": "mg/m3", "limit": { "max": "35" }, "multiple": "1.285714" }),
        assignee: Some("网格员李四".to_owned()),
    };
    store
        .record_alarm_pass(&AlarmPass {
            at: at(0),
            actor: "system:alarms",
            findings: &[finding],
            cleared: &[],
            channels: &names,
            watermark: None,
        })
        .unwrap();
    let clock = Arc::new(TestClock(Mutex::new(at(0))));
    let metrics = Metrics::default();
    let notifier = Notifier::new(store.clone(), clock.clone(), config, &channels, metrics.clone());
    Setup { store, clock, notifier, metrics }
}

impl Setup {
    fn advance_secs(&self, secs: i64) {
        let mut now = self.clock.0.lock().unwrap();
        *now = crate::rules::plus_ms(*now, secs * 1000);
    }

    fn only(&self) -> store::Notification {
        let all = self.store.notifications(None, 10).unwrap();
        assert_eq!(all.len(), 1);
        all.into_iter().next().unwrap()
    }
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_backoff_until_delivered() {
    let receiver = receiver(vec![500, 502, 200]).await;
    let config = NotifyConfig { first_retry_secs: 10, ..NotifyConfig::default() };
    let url = format!("{}?token=t", receiver.url);
    let setup = check_setup(vec![channel("hook", ChannelKind::Generic, &url)], config);
    assert_eq!(setup.notifier.deliver_due().await.unwrap(), 1);
    let first = setup.only();
    assert_eq!((first.status, first.attempts), (NotificationStatus::Pending, 1));
    assert!(first.last_error.as_deref().unwrap().starts_with("HTTP 500"), "{first:?}");
    assert_eq!(first.next_attempt_at, at(10_000));
    assert_eq!(setup.notifier.deliver_due().await.unwrap(), 0, "not due before its backoff");
    setup.advance_secs(10);
    setup.notifier.deliver_due().await.unwrap();
    assert_eq!(setup.only().next_attempt_at, at(30_000), "the wait doubles");
    setup.advance_secs(20);
    setup.notifier.deliver_due().await.unwrap();
    let delivered = setup.only();
    assert_eq!((delivered.status, delivered.attempts), (NotificationStatus::Delivered, 3));
    assert_eq!(delivered.delivered_at, Some(at(30_000)));
    assert_eq!(
        (setup.metrics.n_deliveries("retry"), setup.metrics.n_deliveries("delivered")),
        (2, 1)
    );
    let requests: Vec<(String, String)> =
        receiver.requests().into_iter().map(|r| (r.path, r.body)).collect();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].0, "/hook?token=t");
    let body: Value = serde_json::from_str(&requests[2].1).unwrap();
    assert_eq!(body["event"], "opened");
    assert_eq!(body["alarm"]["key"]["rule"], "exceedance");
    assert!(body["title_zh"].as_str().unwrap().contains("小时均值超标"), "{body}");
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_leaves_a_dead_letter() {
    let receiver = receiver(vec![503]).await;
    let config = NotifyConfig { max_attempts: 3, first_retry_secs: 1, ..NotifyConfig::default() };
    let setup = check_setup(vec![channel("hook", ChannelKind::Generic, &receiver.url)], config);
    for _ in 0..3 {
        setup.notifier.deliver_due().await.unwrap();
        setup.advance_secs(60);
    }
    let dead = setup.store.notifications(Some(NotificationStatus::Dead), 10).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 3);
    assert!(dead[0].last_error.as_deref().unwrap().starts_with("HTTP 503"));
    assert_eq!(setup.notifier.deliver_due().await.unwrap(), 0, "a dead letter is not retried");
    assert_eq!(setup.metrics.n_deliveries("dead"), 1);
    assert_eq!(receiver.requests().len(), 3);
    let audit = store::Store::audit_entries(setup.store.as_ref(), 1).unwrap();
    assert_eq!(audit[0].action, "notification_dead");
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_not_lost() {
    // A port nobody listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let setup = check_setup(
        vec![channel("hook", ChannelKind::Generic, &format!("http://127.0.0.1:{port}/"))],
        NotifyConfig::default(),
    );
    setup.notifier.deliver_due().await.unwrap();
    let pending = setup.only();
    assert_eq!(pending.status, NotificationStatus::Pending);
    assert!(pending.last_error.unwrap().contains("cannot connect"));
}

#[tokio::test]
async fn robots_and_sms_gateways_get_their_own_formats() {
    let receiver = receiver(vec![200]).await;
    let mut dingtalk = channel("ding", ChannelKind::Dingtalk, &receiver.url);
    dingtalk.secret = Some("SECtest".to_owned());
    let mut sms = channel("sms", ChannelKind::SmsTemplate, &receiver.url);
    sms.template = r#"{"to":"13800000000","text":"{point}{rule}，{summary}，编号{id}"}"#.to_owned();
    let channels =
        vec![channel("wecom", ChannelKind::Wecom, &receiver.url), dingtalk.clone(), sms.clone()];
    let setup = check_setup(channels, NotifyConfig::default());
    assert_eq!(setup.notifier.deliver_due().await.unwrap(), 3);
    let delivered = setup.store.notifications(Some(NotificationStatus::Delivered), 10).unwrap();
    assert_eq!(delivered.len(), 3);
    let requests: Vec<(String, String)> =
        receiver.requests().into_iter().map(|r| (r.path, r.body)).collect();
    let by_path = |pattern: &str| {
        requests
            .iter()
            .find(|(path, body)| path.contains(pattern) || body.contains(pattern))
            .cloned()
            .unwrap()
    };
    let wecom: Value = serde_json::from_str(&by_path("\"content\"").1).unwrap();
    assert_eq!(wecom["msgtype"], "markdown");
    let content = wecom["markdown"]["content"].as_str().unwrap();
    assert!(content.contains("【报警】小时均值超标"), "{content}");
    assert!(content.contains("处理人：网格员李四"), "{content}");
    let (path, body) = by_path("sign=");
    let timestamp = at(0).unix_millis();
    assert!(
        path.ends_with(&format!(
            "?timestamp={timestamp}&sign={}",
            dingtalk_sign("SECtest", timestamp)
        )),
        "{path}"
    );
    let ding: Value = serde_json::from_str(&body).unwrap();
    assert!(ding["markdown"]["title"].as_str().unwrap().contains("小时均值超标"));
    let sms_body: Value = serde_json::from_str(&by_path("13800000000").1).unwrap();
    assert!(sms_body["text"].as_str().unwrap().contains("浓度 80 mg/m3"), "{sms_body}");

    // A template that is not JSON-safe on its own still gets escaped values.
    let notification = setup.store.notifications(None, 1).unwrap().remove(0);
    let alarm: store::Alarm = serde_json::from_value(notification.payload.clone()).unwrap();
    let request = format(&sms, &notification, &alarm, "点位\"A\"", at(0)).unwrap();
    assert!(request.body.contains(r#"点位\"A\""#), "{}", request.body);
}

#[test]
fn hmac_sha256_matches_rfc_4231() {
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    let hex: String = mac.iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    let long_key = [0xaa_u8; 131];
    let mac = hmac_sha256(&long_key, b"Test Using Larger Than Block-Size Key - Hash Key First");
    let hex: String = mac.iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
