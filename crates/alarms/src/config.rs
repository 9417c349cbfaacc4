//! `[alarms]`: the service's timing, the rule thresholds per point kind, and
//! the notification channels. Every threshold has a documented default.

use std::collections::BTreeMap;

use model::alarm::Rule;
use serde::{Deserialize, Serialize};
use store::PointKind;

/// Settings of the alarm service, `[alarms]` in the configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlarmsConfig {
    /// Whether the service runs at all.
    pub enabled: bool,
    /// Seconds between the full passes (pattern rules, hourly exceedance,
    /// ambient, availability, escalation). Limit crossings are judged on
    /// every ingest commit, not on this timer.
    pub interval_secs: u64,
    /// Most archived packets one pass covers.
    pub max_packets_per_pass: u64,
    /// Minutes of data time before a point's newest data that the fast path
    /// judges against the limits after each commit.
    pub crossing_lookback_mins: u64,
    /// Escalate an alarm not acknowledged within this many minutes (0: never).
    pub escalate_after_mins: u64,
    /// Hours of derived air results re-checked on every full pass (late data re-derives them).
    pub ambient_lookback_hours: u64,
    /// Days of derived water results re-checked on every full pass.
    pub water_lookback_days: u64,
    /// Thresholds for every point kind without its own table.
    pub rules: RuleConfig,
    /// Per point kind thresholds (`[alarms.by_kind.wastewater]`), replacing `rules`
    /// for that kind; missing keys take the defaults of [`RuleConfig`].
    pub by_kind: BTreeMap<String, RuleConfig>,
    /// Delivery of notifications.
    pub notify: NotifyConfig,
    /// Where notifications go (`[[alarms.channels]]`); none by default.
    pub channels: Vec<ChannelConfig>,
}

impl Default for AlarmsConfig {
    fn default() -> Self {
        AlarmsConfig {
            enabled: true,
            interval_secs: 30,
            max_packets_per_pass: 5_000,
            crossing_lookback_mins: 10,
            escalate_after_mins: 60,
            ambient_lookback_hours: 48,
            water_lookback_days: 7,
            rules: RuleConfig::default(),
            by_kind: default_by_kind(),
            notify: NotifyConfig::default(),
            channels: Vec::new(),
        }
    }
}

/// Surface-water automatic stations report every 4 hours (HJ 915-2017 practice), 6 values a day.
fn default_by_kind() -> BTreeMap<String, RuleConfig> {
    let water = RuleConfig {
        expected_hours_per_day: 6,
        expected_minutes_per_day: 0,
        offline_after_mins: 300,
        constant_min_mins: 24 * 60,
        ..RuleConfig::default()
    };
    BTreeMap::from([(PointKind::SurfaceWater.as_str().to_owned(), water)])
}

impl AlarmsConfig {
    /// The thresholds for points of `kind`.
    pub fn rules_for(&self, kind: PointKind) -> &RuleConfig {
        self.by_kind.get(kind.as_str()).unwrap_or(&self.rules)
    }

    /// Checks what serde cannot: channel URLs, unique names, known kinds.
    pub fn validate(&self) -> Result<(), String> {
        for kind in self.by_kind.keys() {
            if PointKind::parse(kind).is_none() {
                return Err(format!("[alarms.by_kind.{kind}]: unknown point kind"));
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for channel in &self.channels {
            if !names.insert(channel.name.as_str()) {
                return Err(format!("[[alarms.channels]] name {:?} is used twice", channel.name));
            }
            crate::http::Target::parse(&channel.url)
                .map_err(|error| format!("[[alarms.channels]] {:?}: {error}", channel.name))?;
            if channel.kind == ChannelKind::SmsTemplate && channel.template.is_empty() {
                return Err(format!(
                    "[[alarms.channels]] {:?}: kind sms_template needs a template",
                    channel.name
                ));
            }
        }
        Ok(())
    }
}

/// Rule thresholds for one point kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleConfig {
    /// Rules that never fire for this kind.
    pub disabled: Vec<Rule>,
    /// Exceedance and limit crossing become critical at this multiple
    /// ((C − limit) / limit, so 1.0 means twice the limit).
    pub critical_multiple: f64,
    /// AQI above these three values raises info, warning and critical (HJ 633 levels 3, 5, 6 start above 100, 200, 300).
    pub aqi_thresholds: [u32; 3],
    /// Downstream mean above upstream mean times this raises a rise alarm.
    pub rise_ratio: f64,
    /// A device with no packet for this many minutes is offline.
    pub offline_after_mins: u64,
    /// A Beijing day with less than this share of the expected minute or hour periods is incomplete.
    pub min_completeness_percent: u32,
    /// Expected minute periods per day (1440 for a device sending every minute; 0: not checked).
    pub expected_minutes_per_day: u32,
    /// Expected hour periods per day (24; 0: not checked).
    pub expected_hours_per_day: u32,
    /// Clock drift: a realtime data time further than this from its receive time.
    pub max_clock_drift_secs: u64,
    /// Flags that may not last long (HJ 212-2017 table 3: F stopped, M maintenance, D fault, C calibration, B communication).
    pub abnormal_flags: Vec<String>,
    /// Longest allowed stretch of an abnormal flag, in minutes.
    pub abnormal_flag_max_mins: u64,
    /// Values identical for at least this many minutes are suspicious.
    pub constant_min_mins: u64,
    /// "Just below the limit": at least this share of the limit (and at most the limit).
    pub near_limit_low_percent: u32,
    /// …for at least this many minutes.
    pub near_limit_min_mins: u64,
    /// A value at most this share of the mean of the values before it is a "drop to near zero"…
    pub drop_to_percent: u32,
    /// …if that mean was at least this high…
    pub drop_min_baseline: f64,
    /// …and the flow at that time is at least this share of its own mean before it.
    pub drop_flow_min_percent: u32,
    /// Values before a reading that form its baseline.
    pub drop_baseline_count: usize,
    /// Consecutive zero or negative values of a limited pollutant that raise an alarm.
    pub zero_min_count: usize,
    /// Converted concentration further than this from the one computed from measured concentration and O₂, in percent.
    pub conversion_tolerance_percent: u32,
    /// Hour average further than this from the mean of its minute averages, in percent…
    pub hour_minute_tolerance_percent: u32,
    /// …when at least this many minute values were sent for the hour.
    pub hour_minute_min_minutes: usize,
    /// Parameters whose `Cou` is a running total that must never go backwards (e.g. a totaliser).
    pub cumulative_params: Vec<String>,
    /// Flow parameter codes (flue gas a00000, wastewater w00000) for the drop rule.
    pub flow_params: Vec<String>,
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig {
            disabled: Vec::new(),
            critical_multiple: 1.0,
            aqi_thresholds: [100, 200, 300],
            rise_ratio: 1.5,
            offline_after_mins: 30,
            min_completeness_percent: 90,
            expected_minutes_per_day: 1440,
            expected_hours_per_day: 24,
            max_clock_drift_secs: 600,
            abnormal_flags: ["F", "M", "D", "C", "B"].map(str::to_owned).to_vec(),
            abnormal_flag_max_mins: 240,
            constant_min_mins: 120,
            near_limit_low_percent: 90,
            near_limit_min_mins: 240,
            drop_to_percent: 10,
            drop_min_baseline: 1.0,
            drop_flow_min_percent: 50,
            drop_baseline_count: 10,
            zero_min_count: 3,
            conversion_tolerance_percent: 5,
            hour_minute_tolerance_percent: 10,
            hour_minute_min_minutes: 45,
            cumulative_params: Vec::new(),
            flow_params: vec!["a00000".to_owned(), "w00000".to_owned()],
        }
    }
}

impl RuleConfig {
    /// Whether `rule` may fire.
    pub fn enabled(&self, rule: Rule) -> bool {
        !self.disabled.contains(&rule)
    }
}

/// Delivery of notifications, `[alarms.notify]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// Attempts before a notification becomes a dead letter.
    pub max_attempts: u32,
    /// Wait before the first retry; doubled after each failure.
    pub first_retry_secs: u64,
    /// Longest wait between retries.
    pub max_retry_secs: u64,
    /// Give up an attempt after this long.
    pub timeout_ms: u64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            max_attempts: 6,
            first_retry_secs: 5,
            max_retry_secs: 600,
            timeout_ms: 5_000,
        }
    }
}

/// The message format a channel speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Our own JSON: the alarm as the API shows it, plus the event.
    Generic,
    /// A WeCom (企业微信) group robot: `{"msgtype":"markdown", …}`.
    Wecom,
    /// A DingTalk (钉钉) group robot: `{"msgtype":"markdown", …}`, signed if a secret is set.
    Dingtalk,
    /// An SMS gateway driven by an HTTP body template with `{placeholders}`.
    SmsTemplate,
}

/// One notification channel, `[[alarms.channels]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// A unique name, recorded on each queued notification.
    pub name: String,
    /// The message format.
    pub kind: ChannelKind,
    /// Where to POST, `http://host:port/path` (https needs a TLS-terminating relay in this build).
    pub url: String,
    /// DingTalk robot secret (`SEC…`) for the `timestamp`/`sign` parameters.
    #[serde(default)]
    pub secret: Option<String>,
    /// SMS body template; placeholders `{point}`, `{rule}`, `{pollutant}`,
    /// `{severity}`, `{event}`, `{time}`, `{summary}`, `{id}` (values JSON-escaped).
    #[serde(default)]
    pub template: String,
    /// The SMS template's content type.
    #[serde(default = "default_content_type")]
    pub content_type: String,
}

fn default_content_type() -> String {
    "application/json".to_owned()
}
