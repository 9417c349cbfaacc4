//! Delivery of the notification outbox: each pending notification due is
//! formatted for its channel (generic JSON, WeCom or DingTalk group robot,
//! SMS gateway template) and POSTed; a failure is retried with exponential
//! backoff, and after the last attempt the notification is kept as a dead
//! letter. Every attempt's result is recorded (and audited) in the store.
//!
//! The notifier runs on its own task: a slow or dead receiver delays only
//! other notifications, never detection or ingest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use model::alarm::Rule;
use model::{Clock, Instant, PointId};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::{Alarm, Delivery, Notification, Store};
use tokio::sync::{Notify, watch};

use crate::config::{ChannelConfig, ChannelKind, NotifyConfig};
use crate::events::{Event, Metrics};
use crate::http::{Target, post};
use crate::{Error, Result};

/// Most notifications read per round.
const BATCH: usize = 100;

/// Pause while the previous round's results are being recorded.
const IN_FLIGHT_POLL: Duration = Duration::from_millis(10);

/// Longest sleep between rounds when nothing is due (a backstop for missed wake-ups).
const IDLE_POLL: Duration = Duration::from_secs(5);

/// Delivers the outbox; cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: NotifyConfig,
    channels: Arc<HashMap<String, ChannelConfig>>,
    metrics: Metrics,
    point_names: Arc<Mutex<HashMap<PointId, String>>>,
    /// Notifications sent whose result is not recorded yet (never sent twice meanwhile).
    in_flight: Arc<Mutex<std::collections::HashSet<i64>>>,
}

/// One round of deliveries: the attempts are made; their results are being recorded.
#[derive(Debug)]
pub struct Round {
    /// Notifications attempted.
    pub n_attempted: usize,
    /// Completes once the results are durable in the store.
    pub recorded: tokio::task::JoinHandle<Result<()>>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").field("config", &self.config).finish_non_exhaustive()
    }
}

/// A formatted request for one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Where.
    pub target: Target,
    /// The content type.
    pub content_type: String,
    /// The body.
    pub body: String,
}

impl Notifier {
    /// A notifier over `store` for `channels`.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: NotifyConfig,
        channels: &[ChannelConfig],
        metrics: Metrics,
    ) -> Notifier {
        let channels =
            channels.iter().map(|channel| (channel.name.clone(), channel.clone())).collect();
        Notifier {
            store,
            clock,
            config,
            channels: Arc::new(channels),
            metrics,
            point_names: Arc::default(),
            in_flight: Arc::default(),
        }
    }

    /// Attempts every notification due now once and records the results;
    /// returns how many were attempted once the results are durable.
    pub async fn deliver_due(&self) -> Result<usize> {
        let round = self.send_due().await?;
        round.recorded.await.map_err(|error| Error::Task(error.to_string()))??;
        Ok(round.n_attempted)
    }

    /// Attempts every notification due now (and not in flight) once,
    /// concurrently; the results are recorded in one transaction on a task
    /// of their own, so the next round does not wait for the store's writer.
    pub async fn send_due(&self) -> Result<Round> {
        let this = self.clone();
        let due =
            blocking(move || Ok(this.store.due_notifications(this.clock.now(), BATCH)?)).await?;
        let due: Vec<Notification> = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
            due.into_iter().filter(|notification| in_flight.insert(notification.id)).collect()
        };
        let mut attempts = Vec::with_capacity(due.len());
        for notification in &due {
            attempts.push(self.attempt(notification));
        }
        // Channels are independent: attempts run concurrently, each with its own deadline.
        let results = futures_join(attempts).await;
        let n_attempted = results.len();
        let mut deliveries = Vec::with_capacity(n_attempted);
        for (notification, result) in due.into_iter().zip(results) {
            let delivery = self.delivery_after(&notification, result);
            let outcome = match &delivery {
                Delivery::Delivered => "delivered",
                Delivery::Retry { .. } => "retry",
                Delivery::Dead { .. } => "dead",
            };
            let error = match &delivery {
                Delivery::Retry { error, .. } | Delivery::Dead { error } => Some(error.clone()),
                Delivery::Delivered => None,
            };
            self.metrics.record(Event::Delivery {
                channel: &notification.channel,
                outcome,
                error: error.as_deref(),
            });
            deliveries.push((notification.id, delivery));
        }
        let this = self.clone();
        let recorded = tokio::spawn(async move {
            if deliveries.is_empty() {
                return Ok(());
            }
            let ids: Vec<i64> = deliveries.iter().map(|(id, _)| *id).collect();
            let store = this.clone();
            // One transaction for the round, so a burst of alarms does not queue behind ingest commits one by one.
            let outcome = blocking(move || {
                Ok(store.store.record_deliveries(store.clock.now(), &deliveries)?)
            })
            .await;
            let mut in_flight = this.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
            for id in ids {
                in_flight.remove(&id);
            }
            outcome
        });
        Ok(Round { n_attempted, recorded })
    }

    /// What to record after an attempt: delivered, retry later, or dead.
    fn delivery_after(
        &self,
        notification: &Notification,
        result: std::result::Result<(), String>,
    ) -> Delivery {
        let Err(error) = result else { return Delivery::Delivered };
        let attempts = notification.attempts + 1;
        if attempts >= self.config.max_attempts.max(1) {
            return Delivery::Dead { error };
        }
        let factor = 1u64 << attempts.saturating_sub(1).min(20);
        let wait_secs =
            self.config.first_retry_secs.saturating_mul(factor).min(self.config.max_retry_secs);
        let wait_ms = i64::try_from(wait_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let next_attempt_at = crate::rules::plus_ms(self.clock.now(), wait_ms);
        Delivery::Retry { error, next_attempt_at }
    }

    async fn attempt(&self, notification: &Notification) -> std::result::Result<(), String> {
        let Some(channel) = self.channels.get(&notification.channel) else {
            return Err(format!("channel {:?} is not configured", notification.channel));
        };
        let alarm: Alarm = serde_json::from_value(notification.payload.clone())
            .map_err(|error| format!("unreadable payload: {error}"))?;
        let point_name = self.point_name(alarm.key.point).await;
        let request = format(channel, notification, &alarm, &point_name, self.clock.now())?;
        let timeout = Duration::from_millis(self.config.timeout_ms.max(1));
        let response =
            post(&request.target, &request.content_type, request.body.as_bytes(), timeout).await?;
        if !(200..300).contains(&response.status) {
            return Err(format!("HTTP {}: {}", response.status, truncate(&response.body, 200)));
        }
        // The robots answer 200 with an error code in the body.
        if matches!(channel.kind, ChannelKind::Wecom | ChannelKind::Dingtalk) {
            let answer: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
            if answer["errcode"].as_i64().is_some_and(|code| code != 0) {
                return Err(format!("robot refused: {}", truncate(&response.body, 200)));
            }
        }
        Ok(())
    }

    async fn point_name(&self, point: PointId) -> String {
        let cached =
            self.point_names.lock().unwrap_or_else(PoisonError::into_inner).get(&point).cloned();
        if let Some(name) = cached {
            return name;
        }
        let store = self.store.clone();
        if let Ok(Ok(points)) = tokio::task::spawn_blocking(move || store.points()).await {
            let mut names = self.point_names.lock().unwrap_or_else(PoisonError::into_inner);
            for record in points {
                names.insert(record.id, format!("{}（{}）", record.point.name, record.point.code));
            }
        }
        let names = self.point_names.lock().unwrap_or_else(PoisonError::into_inner);
        names.get(&point).cloned().unwrap_or_else(|| format!("点位 {point}"))
    }

    /// Delivers until `shutdown`: a round whenever `wake` fires (a new alarm)
    /// or the next retry is due, and at least every few seconds.
    pub async fn run(self, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            let round = match self.send_due().await {
                Ok(round) => round,
                Err(error) => {
                    tracing::warn!(error = %error, "notification round failed");
                    // The store failed: back off instead of retrying at once.
                    tokio::select! {
                        changed = shutdown.changed() => if changed.is_err() { break },
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                    continue;
                }
            };
            let recording = tokio::spawn(async move {
                if let Ok(Err(error)) = round.recorded.await {
                    tracing::warn!(error = %error, "recording notification results failed");
                }
            });
            drop(recording);
            let store = self.store.clone();
            let next = tokio::task::spawn_blocking(move || store.next_notification_due())
                .await
                .ok()
                .and_then(std::result::Result::ok)
                .flatten();
            let now = self.clock.now();
            let sleep = next.map_or(IDLE_POLL, |due| {
                Duration::from_millis(
                    u64::try_from((due.0 - now.0).num_milliseconds()).unwrap_or(0),
                )
                .min(IDLE_POLL)
            });
            let waiting_for_results =
                !self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).is_empty();
            // Due rows still in flight are not due again: look back shortly.
            let sleep = if waiting_for_results { sleep.max(IN_FLIGHT_POLL) } else { sleep };
            if sleep.is_zero() {
                continue;
            }
            tokio::select! {
                changed = shutdown.changed() => if changed.is_err() { break },
                _ = wake.notified() => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|error| Error::Task(error.to_string()))?
}

async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut out = Vec::with_capacity(futures.len());
    // Sequential awaits of already-created futures would not overlap; pin them into a set.
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|context| {
        let mut pending = false;
        for (index, future) in pinned.iter_mut().enumerate() {
            if results[index].is_some() {
                continue;
            }
            match future.as_mut().poll(context) {
                std::task::Poll::Ready(output) => results[index] = Some(output),
                std::task::Poll::Pending => pending = true,
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    out.extend(results.into_iter().flatten());
    out
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// The Chinese message of a notification: title and lines.
pub fn message_zh(
    notification: &Notification,
    alarm: &Alarm,
    point_name: &str,
) -> (String, Vec<String>) {
    let rule = alarm.key.rule;
    let title = match notification.event.as_str() {
        "escalated" => format!("【报警升级】{}：{}", rule.name_zh(), point_name),
        _ => format!("【{}】{}：{}", alarm.severity.name_zh(), rule.name_zh(), point_name),
    };
    let mut lines = vec![
        format!("点位：{point_name}"),
        format!("规则：{}（{}）", rule.name_zh(), rule.as_str()),
    ];
    if !alarm.key.pollutant.is_empty() {
        lines.push(format!("因子：{}", alarm.key.pollutant));
    }
    lines.push(format!("级别：{}", alarm.severity.name_zh()));
    lines.push(format!(
        "时段：{} 至 {}（北京时间）",
        alarm.window_from.to_beijing().0.format("%Y-%m-%d %H:%M"),
        alarm.window_to.to_beijing().0.format("%Y-%m-%d %H:%M")
    ));
    lines.push(format!("详情：{}", summary(rule, &alarm.evidence)));
    lines.push(format!("累计次数：{}", alarm.n_occurrences));
    if let Some(assignee) = &alarm.assignee {
        lines.push(format!("处理人：{assignee}"));
    }
    if notification.event == "escalated" {
        lines.push("该报警超时未确认，已升级。".to_owned());
    }
    lines.push(format!("报警编号：{}", alarm.id));
    (title, lines)
}

/// A one-line summary of the evidence in Chinese.
pub fn summary(rule: Rule, evidence: &Value) -> String {
    let get = |name: &str| match &evidence[name] {
        Value::Null => "—".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    match rule {
        Rule::LimitCrossing | Rule::Exceedance => format!(
            "浓度 {} {}，限值 {}，超标倍数 {}",
            get("concentration"),
            get("unit"),
            get("limit"),
            get("multiple")
        ),
        Rule::AqiHigh => format!("AQI {}", get("aqi")),
        Rule::DeviceOffline => format!("已 {} 分钟无数据", get("silent_minutes")),
        _ => evidence.to_string(),
    }
}

/// Formats `notification` for `channel`; DingTalk requests are signed at `now`.
pub fn format(
    channel: &ChannelConfig,
    notification: &Notification,
    alarm: &Alarm,
    point_name: &str,
    now: Instant,
) -> std::result::Result<Request, String> {
    let target = Target::parse(&channel.url)?;
    let (title, lines) = message_zh(notification, alarm, point_name);
    let json_request = |target: Target, body: Value| Request {
        target,
        content_type: "application/json".to_owned(),
        body: body.to_string(),
    };
    Ok(match channel.kind {
        ChannelKind::Generic => json_request(
            target,
            json!({
                "event": notification.event,
                "notification_id": notification.id,
                "title_zh": title,
                "text_zh": lines.join("\n"),
                "alarm": notification.payload,
            }),
        ),
        ChannelKind::Wecom => json_request(
            target,
            json!({
                "msgtype": "markdown",
                "markdown": { "content": format!("**{title}**\n> {}", lines.join("\n> ")) },
            }),
        ),
        ChannelKind::Dingtalk => {
            let target = match &channel.secret {
                Some(secret) => {
                    let timestamp = now.unix_millis();
                    target.with_query(&format!(
                        "timestamp={timestamp}&sign={}",
                        dingtalk_sign(secret, timestamp)
                    ))
                }
                None => target,
            };
            json_request(
                target,
                json!({
                    "msgtype": "markdown",
                    "markdown": { "title": title, "text": format!("### {title}\n\n{}", lines.join("\n\n")) },
                }),
            )
        }
        ChannelKind::SmsTemplate => {
            let escape = |text: &str| {
                let quoted = Value::String(text.to_owned()).to_string();
                quoted[1..quoted.len() - 1].to_owned()
            };
            let time = alarm.window_from.to_beijing().0.format("%Y-%m-%d %H:%M").to_string();
            let body = channel
                .template
                .replace("{point}", &escape(point_name))
                .replace("{rule}", &escape(alarm.key.rule.name_zh()))
                .replace("{pollutant}", &escape(&alarm.key.pollutant))
                .replace("{severity}", &escape(alarm.severity.name_zh()))
                .replace("{event}", &escape(&notification.event))
                .replace("{time}", &escape(&time))
                .replace("{summary}", &escape(&summary(alarm.key.rule, &alarm.evidence)))
                .replace("{id}", &alarm.id.to_string());
            Request { target, content_type: channel.content_type.clone(), body }
        }
    })
}

/// The DingTalk robot signature: Base64(HMAC-SHA256(secret, "timestamp\nsecret")), URL-encoded.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let message = format!("{timestamp_ms}\n{secret}");
    let mac = hmac_sha256(secret.as_bytes(), message.as_bytes());
    let encoded = base64::engine::general_purpose::STANDARD.encode(mac);
    encoded.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
}

/// HMAC-SHA256 (RFC 2104) over the `sha2` crate.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|byte| byte ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|byte| byte ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

#[cfg(test)]
mod tests;
