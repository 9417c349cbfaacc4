//! The alarm service: follows the raw archive with two watermarks and
//! records what the rules find.
//!
//! - **Fast path** ([`AlarmService::fast_pass`], watermark [`FAST_WATERMARK`]),
//!   woken after every ingest commit: for the points new packets came from
//!   and that have permit limits, judges the realtime and minute values of
//!   the last minutes of data time against the limits ([`Rule::LimitCrossing`]).
//! - **Full pass** ([`AlarmService::full_pass`], watermark [`FULL_WATERMARK`]),
//!   on a timer: re-evaluates every family over the Beijing days that new
//!   readings touched (so late data and re-sent history re-evaluate their
//!   periods; windows that no longer hold are marked, not deleted), checks
//!   derived air and water results, device availability, and escalates
//!   alarms not acknowledged in time.
//!
//! Both commit findings and the watermark together, and can restart from the store at any time.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::NaiveDate;
use model::alarm::{AlarmId, AlarmKey, AlarmState, Rule};
use model::{BeijingTime, Clock, DataKind, Instant, ParamCode, PointId, Reading};
use standards::emission::PermitLimit;
use store::{
    AlarmPass, AlarmQuery, Cleared, DerivedKind, DerivedQuery, Finding, PointKind, ReadingQuery,
    Store,
};
use tokio::sync::{Notify, watch};

use crate::config::AlarmsConfig;
use crate::events::{Event, Metrics};
use crate::rules::exceedance::{Limit, OXYGEN_CODE, oxygen_by_time};
use crate::rules::{Judged, ambient, availability, exceedance, plus_ms, suspicious};
use crate::site::SiteProvider;
use crate::{Error, Result};

/// The fast path's watermark name in the store.
pub const FAST_WATERMARK: &str = "alarms.fast";
/// The full pass's watermark name in the store.
pub const FULL_WATERMARK: &str = "alarms.full";
/// The actor recorded on the service's changes.
pub const ACTOR: &str = "system:alarms";

/// The fast path writes its watermark at least this often when it finds nothing
/// (a restart re-judges at most this much; findings are idempotent).
const FAST_WATERMARK_EVERY: Duration = Duration::from_secs(5);

/// Above this many touched points, the fast path reads every point's newest
/// values in one query instead of each point's last minutes.
const FAST_PER_POINT_MAX: usize = 32;

/// Most readings one query loads.
const MAX_READINGS: usize = 1_000_000;

/// (key, window start ms) recently recorded unchanged, so the fast path does not re-submit them.
const RECENT_CAPACITY: usize = 100_000;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Findings submitted.
    pub n_findings: usize,
    /// Cleared windows submitted.
    pub n_cleared: usize,
    /// Alarms opened.
    pub opened: Vec<AlarmId>,
    /// The watermark reached.
    pub watermark: i64,
    /// Whether more packets wait after this pass's bound.
    pub more: bool,
}

/// The detection service; cheap to clone.
#[derive(Clone)]
pub struct AlarmService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: Arc<AlarmsConfig>,
    sites: Arc<dyn SiteProvider>,
    metrics: Metrics,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for AlarmService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlarmService").finish_non_exhaustive()
    }
}

/// What the service keeps in memory between passes (all of it can be rebuilt from the store).
#[derive(Default)]
struct State {
    /// Point kinds, loaded on demand.
    kinds: HashMap<PointId, PointKind>,
    /// Point limits, refreshed by every full pass.
    limits: HashMap<PointId, Vec<Limit>>,
    limits_loaded: bool,
    /// The fast path's position, and when it was last written to the store.
    fast_from: Option<i64>,
    fast_written: Option<std::time::Instant>,
    /// Crossing windows recorded (see [`RECENT_CAPACITY`]).
    recent: HashSet<(AlarmKey, i64)>,
    /// The last Beijing day whose completeness was checked for every point.
    completeness_checked: Option<NaiveDate>,
}

impl AlarmService {
    /// A service over `store`; its metrics are not registered (see [`AlarmService::with_metrics`]).
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: AlarmsConfig,
        sites: Arc<dyn SiteProvider>,
    ) -> AlarmService {
        AlarmService {
            store,
            clock,
            config: Arc::new(config),
            sites,
            metrics: Metrics::default(),
            state: Arc::default(),
        }
    }

    /// The same service counting into `metrics`.
    pub fn with_metrics(self, metrics: Metrics) -> AlarmService {
        AlarmService { metrics, ..self }
    }

    /// Its metrics (shared with the notifier).
    pub fn metrics(&self) -> Metrics {
        self.metrics.clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn channel_names(&self) -> Vec<String> {
        self.config.channels.iter().map(|channel| channel.name.clone()).collect()
    }

    fn kind_of(&self, point: PointId) -> Result<Option<PointKind>> {
        if let Some(kind) = self.state().kinds.get(&point) {
            return Ok(Some(*kind));
        }
        let points = self.store.points()?;
        let mut state = self.state();
        for record in points {
            state.kinds.insert(record.id, record.point.kind);
        }
        Ok(state.kinds.get(&point).copied())
    }

    fn load_limits(&self) -> Result<()> {
        let mut limits = HashMap::new();
        for record in self.store.points()? {
            let parsed: Vec<Limit> = self
                .store
                .point_limits(record.id)?
                .into_iter()
                .filter_map(|stored| {
                    let limit = serde_json::from_value::<PermitLimit>(stored.limit).ok()?;
                    Some(Limit { param: stored.param, limit })
                })
                .collect();
            if !parsed.is_empty() {
                limits.insert(record.id, parsed);
            }
        }
        let mut state = self.state();
        state.limits = limits;
        state.limits_loaded = true;
        Ok(())
    }

    fn limits_of(&self, point: PointId) -> Result<Vec<Limit>> {
        if !self.state().limits_loaded {
            self.load_limits()?;
        }
        Ok(self.state().limits.get(&point).cloned().unwrap_or_default())
    }

    /// Assigns new findings to the site's inspector.
    fn assign(&self, findings: &mut [Finding]) {
        let mut sites = HashMap::new();
        for finding in findings {
            let point = finding.key.point;
            let site = sites.entry(point).or_insert_with(|| self.sites.site(point));
            finding.assignee.clone_from(&site.assignee);
        }
    }

    /// The fast path (blocking): judges the newest values of points with
    /// limits that packets after the fast watermark came from.
    pub fn fast_pass(&self) -> Result<PassReport> {
        let outcome = self.fast_pass_unrecorded();
        match &outcome {
            Ok(report) => self.metrics.record(Event::Pass { path: "fast", report }),
            Err(error) => self.metrics.record(Event::PassFailed { path: "fast", error }),
        }
        outcome
    }

    fn fast_pass_unrecorded(&self) -> Result<PassReport> {
        let from = match self.state().fast_from {
            Some(from) => from,
            None => self.store.watermark(FAST_WATERMARK)?,
        };
        let touched = self.store.touched_points(from, self.config.max_packets_per_pass.max(1))?;
        let mut report = PassReport { watermark: touched.up_to_raw_id, ..PassReport::default() };
        report.more = touched.up_to_raw_id
            >= from.saturating_add(
                i64::try_from(self.config.max_packets_per_pass).unwrap_or(i64::MAX),
            );
        if touched.up_to_raw_id == from {
            return Ok(report);
        }
        let lookback_ms = i64::try_from(self.config.crossing_lookback_mins.saturating_mul(60_000))
            .unwrap_or(i64::MAX);
        // Under load (many points at once) one query of every point's newest
        // values replaces a query per point; the full pass judges every value
        // of the touched days, so nothing is missed, only judged later.
        let bulk = touched.points.len() > FAST_PER_POINT_MAX;
        let mut latest: HashMap<(PointId, DataKind), Vec<Reading>> = HashMap::new();
        if bulk {
            for data_kind in [DataKind::Realtime, DataKind::Minute] {
                if touched.points.iter().any(|point| point.kinds.contains(&data_kind)) {
                    for reading in self.store.latest_readings(data_kind)? {
                        latest.entry((reading.key.point, data_kind)).or_default().push(reading);
                    }
                }
            }
        }
        let mut judged = Judged::default();
        for point in &touched.points {
            let Some(last) = point.last_data_time else { continue };
            let limits = self.limits_of(point.point)?;
            if limits.is_empty() {
                continue;
            }
            let Some(kind) = self.kind_of(point.point)? else { continue };
            let rules = self.config.rules_for(kind);
            if !rules.enabled(Rule::LimitCrossing) {
                continue;
            }
            let mut params: Vec<ParamCode> =
                limits.iter().filter_map(|limit| ParamCode::parse(&limit.param).ok()).collect();
            params.extend(ParamCode::parse(OXYGEN_CODE).ok());
            // Only the kinds the new packets carried.
            for &data_kind in point
                .kinds
                .iter()
                .filter(|kind| matches!(kind, DataKind::Realtime | DataKind::Minute))
            {
                let readings = if bulk {
                    latest.remove(&(point.point, data_kind)).unwrap_or_default()
                } else {
                    self.store.readings(&ReadingQuery {
                        point: point.point,
                        kind: data_kind,
                        params: params.clone(),
                        from: plus_ms(last, -lookback_ms),
                        to: plus_ms(last, 1),
                        limit: MAX_READINGS,
                    })?
                };
                for limit in &limits {
                    judged.extend(exceedance::limit_crossing(point.point, limit, &readings, rules));
                }
            }
        }
        // A minute's value never changes, so a crossing window recorded once is final.
        let mut findings: Vec<Finding> = {
            let state = self.state();
            judged
                .findings
                .into_iter()
                .filter(|finding| {
                    !state
                        .recent
                        .contains(&(finding.key.clone(), finding.window_from.unix_millis()))
                })
                .collect()
        };
        self.assign(&mut findings);
        let write_watermark = !findings.is_empty()
            || self.state().fast_written.is_none_or(|at| at.elapsed() >= FAST_WATERMARK_EVERY);
        if write_watermark {
            let channels = self.channel_names();
            let outcome = self.store.record_alarm_pass(&AlarmPass {
                at: self.clock.now(),
                actor: ACTOR,
                findings: &findings,
                cleared: &[],
                channels: &channels,
                watermark: Some((FAST_WATERMARK, touched.up_to_raw_id)),
            })?;
            report.opened = outcome.opened;
        }
        let mut state = self.state();
        if write_watermark {
            state.fast_written = Some(std::time::Instant::now());
        }
        state.fast_from = Some(touched.up_to_raw_id);
        if state.recent.len() + findings.len() > RECENT_CAPACITY {
            state.recent.clear();
        }
        for finding in &findings {
            state.recent.insert((finding.key.clone(), finding.window_from.unix_millis()));
        }
        report.n_findings = findings.len();
        Ok(report)
    }

    /// The full pass (blocking): every rule family over what changed since
    /// the full watermark, plus ambient results, availability and escalation.
    pub fn full_pass(&self) -> Result<PassReport> {
        let outcome = self.full_pass_unrecorded();
        match &outcome {
            Ok(report) => self.metrics.record(Event::Pass { path: "full", report }),
            Err(error) => self.metrics.record(Event::PassFailed { path: "full", error }),
        }
        outcome
    }

    fn full_pass_unrecorded(&self) -> Result<PassReport> {
        let now = self.clock.now();
        self.load_limits()?;
        self.state().kinds.clear();
        let from = self.store.watermark(FULL_WATERMARK)?;
        let max = self.config.max_packets_per_pass.max(1);
        let touched = self.store.touched_points(from, max)?;
        let bound = u64::try_from(touched.up_to_raw_id - from).unwrap_or(0);
        let hours = if bound > 0 {
            self.store.touched_readings(from, bound, DataKind::Hour)?.readings
        } else {
            Vec::new()
        };
        let mut days: BTreeSet<(PointId, NaiveDate)> = BTreeSet::new();
        for hour in &hours {
            days.insert((hour.point, hour.data_time.to_beijing().date()));
        }
        for point in &touched.points {
            if let Some(last) = point.last_data_time {
                days.insert((point.point, last.to_beijing().date()));
            }
        }
        let mut judged = Judged::default();
        for &(point, date) in &days {
            judged.extend(self.evaluate_day(point, date, now)?);
        }
        for point in &touched.points {
            judged.extend(self.clock_drift(point.point, point.last_received)?);
        }
        judged.extend(self.sweep(now)?);

        let mut active: HashSet<AlarmKey> = HashSet::new();
        for state in [AlarmState::Open, AlarmState::Acknowledged] {
            let query =
                AlarmQuery { state: Some(state), limit: usize::MAX / 2, ..AlarmQuery::default() };
            active.extend(self.store.alarms(&query)?.into_iter().map(|alarm| alarm.key));
        }
        // Cleared windows matter only where an alarm is active; a minute's
        // value never changes, so crossings are never cleared.
        let cleared: Vec<Cleared> = judged
            .cleared
            .into_iter()
            .filter(|cleared| {
                cleared.key.rule != Rule::LimitCrossing && active.contains(&cleared.key)
            })
            .collect();
        let mut findings = judged.findings;
        self.assign(&mut findings);
        let channels = self.channel_names();
        let outcome = self.store.record_alarm_pass(&AlarmPass {
            at: now,
            actor: ACTOR,
            findings: &findings,
            cleared: &cleared,
            channels: &channels,
            watermark: Some((FULL_WATERMARK, touched.up_to_raw_id)),
        })?;
        if self.config.escalate_after_mins > 0 {
            let overdue_ms = i64::try_from(self.config.escalate_after_mins.saturating_mul(60_000))
                .unwrap_or(i64::MAX);
            let escalated =
                self.store.escalate_alarms(plus_ms(now, -overdue_ms), now, &channels)?;
            if !escalated.is_empty() {
                self.metrics.record(Event::Escalated { n_alarms: escalated.len() });
            }
        }
        Ok(PassReport {
            n_findings: findings.len(),
            n_cleared: outcome.n_cleared,
            opened: outcome.opened,
            watermark: touched.up_to_raw_id,
            more: touched.up_to_raw_id
                >= from.saturating_add(i64::try_from(max).unwrap_or(i64::MAX)),
        })
    }

    /// Every reading-based rule over one point's Beijing day.
    fn evaluate_day(&self, point: PointId, date: NaiveDate, now: Instant) -> Result<Judged> {
        let mut judged = Judged::default();
        let Some(kind) = self.kind_of(point)? else { return Ok(judged) };
        let rules = self.config.rules_for(kind);
        let Some(midnight) = date.and_hms_opt(0, 0, 0) else { return Ok(judged) };
        let day_start = BeijingTime(midnight).to_instant();
        let day = (day_start, plus_ms(day_start, 86_400_000));
        let query = |data_kind| ReadingQuery {
            point,
            kind: data_kind,
            params: Vec::new(),
            from: day.0,
            to: day.1,
            limit: MAX_READINGS,
        };
        let hours = self.store.readings(&query(DataKind::Hour))?;
        let minutes = self.store.readings(&query(DataKind::Minute))?;
        let limits = self.limits_of(point)?;
        let by_param = |readings: &[Reading]| -> BTreeMap<String, Vec<Reading>> {
            let mut map: BTreeMap<String, Vec<Reading>> = BTreeMap::new();
            for reading in readings {
                map.entry(reading.key.param.to_string()).or_default().push(reading.clone());
            }
            for series in map.values_mut() {
                series.sort_by_key(|reading| reading.key.data_time);
            }
            map
        };
        let hour_series = by_param(&hours);
        let minute_series = by_param(&minutes);

        if rules.enabled(Rule::Exceedance) {
            for limit in &limits {
                judged.extend(exceedance::exceedance_day(point, limit, day_start, &hours, rules));
            }
        }
        if rules.enabled(Rule::DataMissing) {
            // A kind the point sent nothing of that day is not judged here (a
            // device may send hours only); the daily sweep catches silent days.
            for (data_kind, readings) in [(DataKind::Minute, &minutes), (DataKind::Hour, &hours)] {
                if !readings.is_empty() {
                    judged.extend(availability::data_missing(
                        point, data_kind, day_start, readings, now, rules,
                    ));
                }
            }
        }
        if rules.enabled(Rule::HourMinuteMismatch) {
            for (param, series) in &hour_series {
                let Some(minute_values) = minute_series.get(param) else { continue };
                for hour in series {
                    let end = plus_ms(hour.key.data_time, 3_600_000);
                    let of_hour: Vec<Reading> = minute_values
                        .iter()
                        .filter(|minute| {
                            minute.key.data_time >= hour.key.data_time && minute.key.data_time < end
                        })
                        .cloned()
                        .collect();
                    judged.extend(suspicious::hour_minute_mismatch(point, hour, &of_hour, rules));
                }
            }
        }
        // Pattern rules use the finest series the point sends.
        let series = if minute_series.is_empty() { &hour_series } else { &minute_series };
        let oxygen =
            series.get(OXYGEN_CODE).map(|readings| oxygen_by_time(readings)).unwrap_or_default();
        let limited: HashSet<&str> = limits.iter().map(|limit| limit.param.as_str()).collect();
        let flow = rules.flow_params.iter().find_map(|code| series.get(code));
        for (param, readings) in series {
            if rules.enabled(Rule::AbnormalFlag) {
                judged.extend(availability::abnormal_flag(point, param, readings, day, rules));
            }
            if rules.enabled(Rule::ConstantValue) {
                judged.extend(suspicious::constant_value(point, param, readings, day, rules));
            }
            if rules.enabled(Rule::CumulativeBackwards) && rules.cumulative_params.contains(param) {
                judged.extend(suspicious::cumulative_backwards(point, param, readings, day));
            }
            let is_pollutant = limited.contains(param.as_str())
                || (kind == PointKind::AirStation && AIR_POLLUTANTS.contains(&param.as_str()));
            if is_pollutant && rules.enabled(Rule::ZeroOrNegative) {
                judged.extend(suspicious::zero_or_negative(point, param, readings, day, rules));
            }
            if let (Some(flow), true) =
                (flow, limited.contains(param.as_str()) && rules.enabled(Rule::DropWithFlow))
            {
                judged.extend(suspicious::drop_with_flow(point, param, readings, flow, day, rules));
            }
        }
        if rules.enabled(Rule::LimitCrossing) && !minutes.is_empty() {
            // Catch-up: every minute of the day, including re-sent history the fast path skips.
            for limit in &limits {
                judged.extend(exceedance::limit_crossing(point, limit, &minutes, rules));
            }
        }
        for limit in &limits {
            let Some(readings) = series.get(&limit.param) else { continue };
            if rules.enabled(Rule::NearLimit) {
                judged.extend(suspicious::near_limit(point, limit, readings, day, rules));
            }
            if rules.enabled(Rule::ConversionMismatch) {
                judged.extend(suspicious::conversion_mismatch(
                    point, limit, readings, &oxygen, day, rules,
                ));
            }
        }
        Ok(judged)
    }

    fn clock_drift(&self, point: PointId, received: Instant) -> Result<Judged> {
        let Some(kind) = self.kind_of(point)? else { return Ok(Judged::default()) };
        let rules = self.config.rules_for(kind);
        if !rules.enabled(Rule::ClockDrift) {
            return Ok(Judged::default());
        }
        let span_ms = i64::try_from(rules.max_clock_drift_secs.saturating_mul(1000))
            .unwrap_or(i64::MAX)
            .saturating_add(86_400_000);
        let readings = self.store.readings(&ReadingQuery {
            point,
            kind: DataKind::Realtime,
            params: Vec::new(),
            from: plus_ms(received, -span_ms),
            to: plus_ms(received, span_ms),
            limit: MAX_READINGS,
        })?;
        let newest = readings.iter().map(|reading| reading.key.data_time).max();
        Ok(availability::clock_drift(point, newest, received, rules))
    }

    /// Rules that need no new readings: offline devices, ambient results, daily completeness.
    fn sweep(&self, now: Instant) -> Result<Judged> {
        let mut judged = Judged::default();
        for device in self.store.devices()? {
            let point = device.device.point;
            let Some(kind) = self.kind_of(point)? else { continue };
            let rules = self.config.rules_for(kind);
            if rules.enabled(Rule::DeviceOffline) {
                judged.extend(availability::device_offline(
                    point,
                    device.device.mn.as_str(),
                    device.last_seen,
                    now,
                    rules,
                ));
            }
        }
        let hours = self.config.ambient_lookback_hours;
        let air =
            self.recent_derived(DerivedKind::AirHourly, hours.saturating_mul(3_600_000), now)?;
        for result in &air {
            let Some(kind) = self.kind_of(result.point)? else { continue };
            let rules = self.config.rules_for(kind);
            if rules.enabled(Rule::AqiHigh) {
                judged.extend(ambient::aqi_high(result, rules));
            }
        }
        let days = self.config.water_lookback_days;
        let water =
            self.recent_derived(DerivedKind::WaterDaily, days.saturating_mul(86_400_000), now)?;
        for result in &water {
            let Some(kind) = self.kind_of(result.point)? else { continue };
            let rules = self.config.rules_for(kind);
            let site = self.sites.site(result.point);
            let mut found = ambient::water_targets(result, &site);
            found.findings.retain(|finding| rules.enabled(finding.key.rule));
            judged.extend(found);
            let upstream = site
                .upstream
                .filter(|_| rules.enabled(Rule::UpstreamDownstreamRise))
                .and_then(|upstream| {
                    water.iter().find(|up| up.point == upstream && up.start == result.start)
                });
            if let Some(up) = upstream {
                judged.extend(ambient::upstream_downstream(result, up, up.point, rules));
            }
        }
        judged.extend(self.daily_completeness(now)?);
        Ok(judged)
    }

    /// Derived results of `kind` of every point whose period started in the last `lookback_ms`.
    fn recent_derived(
        &self,
        kind: DerivedKind,
        lookback_ms: u64,
        now: Instant,
    ) -> Result<Vec<store::DerivedResult>> {
        let lookback_ms = i64::try_from(lookback_ms).unwrap_or(i64::MAX);
        Ok(self.store.derived(&DerivedQuery {
            kind,
            point: None,
            from: plus_ms(now, -lookback_ms),
            to: plus_ms(now, 1),
            limit: MAX_READINGS,
        })?)
    }

    /// Once per Beijing day: yesterday's completeness for every point with a
    /// device (a device silent all day brings no readings to re-evaluate).
    fn daily_completeness(&self, now: Instant) -> Result<Judged> {
        let mut judged = Judged::default();
        let Some(yesterday) = now.to_beijing().date().pred_opt() else { return Ok(judged) };
        if self.state().completeness_checked == Some(yesterday) {
            return Ok(judged);
        }
        let points: BTreeSet<PointId> =
            self.store.devices()?.into_iter().map(|device| device.device.point).collect();
        for point in points {
            let Some(kind) = self.kind_of(point)? else { continue };
            let rules = self.config.rules_for(kind);
            if !rules.enabled(Rule::DataMissing) {
                continue;
            }
            let Some(midnight) = yesterday.and_hms_opt(0, 0, 0) else { continue };
            let day_start = BeijingTime(midnight).to_instant();
            for data_kind in [DataKind::Minute, DataKind::Hour] {
                // Only kinds the point sent in the week before: a new device, or
                // one that sends hours only, is not missing minutes.
                let sent_before = self.store.readings(&ReadingQuery {
                    point,
                    kind: data_kind,
                    params: Vec::new(),
                    from: plus_ms(day_start, -7 * 86_400_000),
                    to: plus_ms(day_start, 86_400_000),
                    limit: 1,
                })?;
                if sent_before.is_empty() {
                    continue;
                }
                let readings = self.store.readings(&ReadingQuery {
                    point,
                    kind: data_kind,
                    params: Vec::new(),
                    from: day_start,
                    to: plus_ms(day_start, 86_400_000),
                    limit: MAX_READINGS,
                })?;
                judged.extend(availability::data_missing(
                    point, data_kind, day_start, &readings, now, rules,
                ));
            }
        }
        self.state().completeness_checked = Some(yesterday);
        Ok(judged)
    }

    /// Runs both paths until `shutdown`: the fast path whenever `committed`
    /// fires (after each ingest commit), the full pass every
    /// [`AlarmsConfig::interval_secs`]; `opened` is woken when alarms open
    /// (the notifier). Each pass runs on a blocking thread.
    pub async fn run(
        self,
        committed: Arc<Notify>,
        opened: Arc<Notify>,
        shutdown: watch::Receiver<bool>,
    ) {
        let fast = tokio::spawn(self.clone().run_fast(committed, opened.clone(), shutdown.clone()));
        self.run_full(opened, shutdown).await;
        let _ = fast.await;
    }

    async fn run_fast(
        self,
        committed: Arc<Notify>,
        opened: Arc<Notify>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            let service = self.clone();
            let more = match tokio::task::spawn_blocking(move || service.fast_pass()).await {
                Ok(Ok(report)) => {
                    if !report.opened.is_empty() {
                        opened.notify_one();
                    }
                    report.more
                }
                Ok(Err(_)) => false,
                Err(error) => {
                    self.metrics.record(Event::PassFailed {
                        path: "fast",
                        error: &Error::Task(error.to_string()),
                    });
                    false
                }
            };
            if more {
                continue;
            }
            tokio::select! {
                changed = shutdown.changed() => if changed.is_err() { break },
                _ = committed.notified() => {}
                // A backstop for commits made by other processes.
                _ = tokio::time::sleep(Duration::from_secs(self.config.interval_secs.max(1))) => {}
            }
        }
    }

    async fn run_full(self, opened: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        let interval = Duration::from_secs(self.config.interval_secs.max(1));
        loop {
            if *shutdown.borrow() {
                break;
            }
            let service = self.clone();
            let more = match tokio::task::spawn_blocking(move || service.full_pass()).await {
                Ok(Ok(report)) => {
                    // Escalations queue notifications too; a wake-up is cheap.
                    opened.notify_one();
                    report.more
                }
                Ok(Err(_)) => false,
                Err(error) => {
                    self.metrics.record(Event::PassFailed {
                        path: "full",
                        error: &Error::Task(error.to_string()),
                    });
                    false
                }
            };
            let pause = if more { Duration::from_millis(50) } else { interval };
            tokio::select! {
                changed = shutdown.changed() => if changed.is_err() { break },
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }
}

/// HJ 212 codes of the six AQI pollutants (zero or negative is suspicious there).
const AIR_POLLUTANTS: [&str; 6] = ["a21026", "a21004", "a21005", "a05024", "a34002", "a34004"];

#[cfg(test)]
mod tests;
