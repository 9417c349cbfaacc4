//! Alarms: detection rules, the alarm lifecycle and notifications.
//!
//! - [`rules`]: pure functions from readings (or derived results), thresholds
//!   ([`config::RuleConfig`], per point kind) and `now` to findings.
//! - [`service::AlarmService`]: follows the raw archive with two watermarks.
//!   The fast path runs after every ingest commit (a wake-up from the
//!   gateway's writer) and judges the newest realtime and minute values
//!   against the point limits; the full pass runs on a timer and re-evaluates
//!   every family over the affected Beijing days, so late data and re-sent
//!   history re-evaluate their periods. Findings, cleared windows and the
//!   watermark are committed together (`store::AlarmStore::record_alarm_pass`).
//! - [`notifier::Notifier`]: delivers the outbox (generic JSON, WeCom,
//!   DingTalk, SMS template) with exponential backoff, then dead letters.
//!
//! **Boundaries.** Channels carry wake-ups; the store carries data. The
//! service reads through the store's reader pool on blocking threads and
//! never slows ingest; delivery runs on its own task, so a slow receiver
//! never delays detection. Site facts (target class, drinking source,
//! upstream section, assignee) come from a [`site::SiteProvider`] the binary supplies.
//!
//! ```no_run
//! # use std::sync::Arc;
//! let store: Arc<dyn store::Store> = Arc::new(store::SqliteStore::open_in_memory()?);
//! let service = alarms::service::AlarmService::new(
//!     store,
//!     Arc::new(model::SystemClock),
//!     alarms::AlarmsConfig::default(),
//!     Arc::new(alarms::site::KindsOnly),
//! );
//! let report = service.full_pass()?;
//! assert!(report.opened.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod config;
mod error;
mod events;
pub mod http;
pub mod notifier;
pub mod receiver;
pub mod rules;
pub mod service;
pub mod site;

pub use config::{AlarmsConfig, ChannelConfig, ChannelKind, NotifyConfig, RuleConfig};
pub use error::{Error, Result};
pub use events::{DeliveryLabels, Event, Metrics, PassLabels};
