//! The service against a real store: fast path, full pass, late data,
//! re-sent history, day boundaries, escalation, assignment, offline devices.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use model::alarm::{AlarmState, Rule};
use model::{
    BeijingTime, Clock, DataKind, DeviceId, Instant, ParamCode, PointId, Reading, ReadingKey,
    ReadingValues,
};
use serde_json::json;
use store::conformance::fixture::{accepted_packet, point_and_device};
use store::{
    AlarmQuery, AlarmStore, DerivedStore, DeviceSighting, IngestBatch, PointLimit, SqliteStore,
    Store,
};

use super::{AlarmService, FAST_WATERMARK};
use crate::config::{AlarmsConfig, ChannelConfig, ChannelKind};
use crate::site::{SiteContext, SiteTable};

/// A clock tests move by hand.
struct TestClock(Mutex<Instant>);

impl Clock for TestClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

/// Beijing 2026-11-20 00:00 plus `minutes`.
fn t(minutes: i64) -> Instant {
    let midnight = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap().and_hms_opt(0, 0, 0).unwrap();
    BeijingTime(midnight + chrono::Duration::minutes(minutes)).to_instant()
}

struct Fixture {
    store: Arc<SqliteStore>,
    clock: Arc<TestClock>,
    point: PointId,
    device: DeviceId,
    service: AlarmService,
}

impl Fixture {
    fn new(config: AlarmsConfig, sites: SiteTable) -> Fixture {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        let (point, device) = point_and_device(store.as_ref(), "MN-ALARM");
        let clock = Arc::new(TestClock(Mutex::new(t(0))));
        let service = AlarmService::new(store.clone(), clock.clone(), config, Arc::new(sites));
        Fixture { store, clock, point, device, service }
    }

    fn limit(&self, param: &str, bound: f64, averaging: &str) {
        self.store
            .set_point_limit(&PointLimit {
                point: self.point,
                param: param.to_owned(),
                limit: json!({
                    "pollutant": param, "bound": { "max": bound.to_string() }, "unit": "mg/m3",
                    "averaging": averaging, "conversion": "measured",
                }),
            })
            .unwrap();
    }

    fn reading(&self, param: &str, kind: DataKind, minute: i64, value: f64) -> Reading {
        Reading {
            key: ReadingKey {
                point: self.point,
                param: ParamCode::parse(param).unwrap(),
                kind,
                data_time: t(minute),
            },
            values: ReadingValues {
                avg: Some(value),
                flag: Some("N".to_owned()),
                ..ReadingValues::default()
            },
        }
    }

    /// Commits one packet with `readings`, received at the clock's time.
    fn send(&self, readings: Vec<Reading>) {
        let now = self.clock.now();
        let latest = readings.iter().map(|reading| reading.key.data_time).max();
        let mut packet = accepted_packet(self.device, readings, 0);
        packet.raw.received_at = now;
        let sightings = vec![DeviceSighting {
            device: self.device,
            at: now,
            peer: "10.0.0.1:1".to_owned(),
            latest_data_time: latest,
        }];
        self.store
            .commit_batch(&IngestBatch {
                packets: vec![packet],
                sightings,
                ..IngestBatch::default()
            })
            .unwrap();
    }

    fn set_clock(&self, at: Instant) {
        *self.clock.0.lock().unwrap() = at;
    }

    fn alarms(&self, rule: Rule) -> Vec<store::Alarm> {
        self.store.alarms(&AlarmQuery { rule: Some(rule), ..AlarmQuery::default() }).unwrap()
    }
}

#[test]
fn fast_path_opens_one_alarm_per_crossing_and_ignores_resent_history() {
    let fixture = Fixture::new(AlarmsConfig::default(), SiteTable::default());
    fixture.limit("a21026", 35.0, "hour");
    fixture.set_clock(t(2));
    fixture.send(vec![fixture.reading("a21026", DataKind::Minute, 0, 30.0)]);
    assert!(fixture.service.fast_pass().unwrap().opened.is_empty(), "30 is within 35");
    let crossing = vec![fixture.reading("a21026", DataKind::Minute, 1, 50.0)];
    fixture.send(crossing.clone());
    let report = fixture.service.fast_pass().unwrap();
    assert_eq!(report.opened.len(), 1);
    let alarm = fixture.store.alarm(report.opened[0]).unwrap().unwrap();
    assert_eq!((alarm.key.rule, alarm.key.pollutant.as_str()), (Rule::LimitCrossing, "a21026"));
    assert_eq!(alarm.evidence["concentration"], json!("50"));
    assert_eq!(alarm.window_from, t(1));
    assert_eq!(fixture.store.watermark(FAST_WATERMARK).unwrap(), report.watermark);

    fixture.send(vec![fixture.reading("a21026", DataKind::Minute, 2, 60.0)]);
    assert!(fixture.service.fast_pass().unwrap().opened.is_empty());
    // Re-sent history: archived again, but no new reading and no new occurrence.
    fixture.send(crossing);
    fixture.service.fast_pass().unwrap();
    // A restarted service re-reads from the store's watermark and changes nothing either.
    let restarted = AlarmService::new(
        fixture.store.clone(),
        fixture.clock.clone(),
        AlarmsConfig::default(),
        Arc::new(SiteTable::default()),
    );
    restarted.fast_pass().unwrap();
    let alarms = fixture.alarms(Rule::LimitCrossing);
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].n_occurrences, 2);
}

#[test]
fn late_hours_that_bring_the_daily_mean_below_the_limit_mark_the_alarm() {
    let fixture = Fixture::new(AlarmsConfig::default(), SiteTable::default());
    fixture.limit("w01018", 50.0, "day");
    fixture.set_clock(t(23 * 60 + 30));
    let hours = (0..20)
        .map(|h| fixture.reading("w01018", DataKind::Hour, h * 60, 55.0 + (h % 2) as f64))
        .collect();
    fixture.send(hours);
    let report = fixture.service.full_pass().unwrap();
    let exceedance = fixture.alarms(Rule::Exceedance);
    assert_eq!(exceedance.len(), 1, "{report:?}");
    assert_eq!(exceedance[0].window_from, t(0));
    assert!(exceedance[0].still_holds);
    // Four late hours: (20 × 55.5 + 4 × 5) / 24 ≈ 47.1, within the limit.
    fixture
        .send((20..24).map(|h| fixture.reading("w01018", DataKind::Hour, h * 60, 5.0)).collect());
    fixture.service.full_pass().unwrap();
    let after = fixture.store.alarm(exceedance[0].id).unwrap().unwrap();
    assert!(!after.still_holds);
    assert_eq!(after.state, AlarmState::Open, "kept, not deleted");
    let events: Vec<String> = fixture
        .store
        .alarm_history(after.id)
        .unwrap()
        .into_iter()
        .map(|event| event.event)
        .collect();
    assert_eq!(events, ["opened", "no_longer_holds"]);
}

#[test]
fn hourly_exceedance_across_the_beijing_day_boundary_is_one_alarm_with_two_occurrences() {
    let fixture = Fixture::new(AlarmsConfig::default(), SiteTable::default());
    fixture.limit("a21026", 35.0, "hour");
    fixture.set_clock(t(25 * 60));
    fixture.send(vec![
        fixture.reading("a21026", DataKind::Hour, 22 * 60, 20.0),
        fixture.reading("a21026", DataKind::Hour, 23 * 60, 40.0),
        fixture.reading("a21026", DataKind::Hour, 24 * 60, 45.0),
    ]);
    fixture.service.full_pass().unwrap();
    let alarms = fixture.alarms(Rule::Exceedance);
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].n_occurrences, 2);
    assert_eq!(alarms[0].window_from, t(24 * 60));
    // The same hours again (re-sent history) change nothing.
    fixture.service.full_pass().unwrap();
    assert_eq!(fixture.alarms(Rule::Exceedance)[0].n_occurrences, 2);
}

#[test]
fn escalation_assignment_and_offline_devices() {
    let mut config = AlarmsConfig { escalate_after_mins: 60, ..AlarmsConfig::default() };
    config.channels.push(ChannelConfig {
        name: "wecom".to_owned(),
        kind: ChannelKind::Wecom,
        url: "http://127.0.0.1:9/".to_owned(),
        secret: None,
        template: String::new(),
        content_type: "application/json".to_owned(),
    });
    let store_point = PointId(1);
    let mut sites = SiteTable::default();
    sites.0.insert(
        store_point,
        SiteContext { assignee: Some("金山镇网格员".to_owned()), ..SiteContext::default() },
    );
    let fixture = Fixture::new(config, sites);
    assert_eq!(fixture.point, store_point);
    fixture.set_clock(t(10));
    // One minute two days ago (so the point is known to send minutes), then nothing until today.
    fixture.send(vec![fixture.reading("a21026", DataKind::Minute, -2 * 24 * 60, 1.0)]);
    fixture.send(vec![fixture.reading("a21026", DataKind::Minute, 9, 1.0)]);
    fixture.service.full_pass().unwrap();
    assert!(fixture.alarms(Rule::DeviceOffline).is_empty());

    fixture.set_clock(t(45));
    fixture.service.full_pass().unwrap();
    let offline = fixture.alarms(Rule::DeviceOffline);
    assert_eq!(offline.len(), 1, "silent for 35 minutes");
    assert_eq!(offline[0].assignee.as_deref(), Some("金山镇网格员"));
    assert_eq!(offline[0].key.pollutant, "MN-ALARM");
    let of_offline = |at| -> Vec<String> {
        let due = fixture.store.due_notifications(at, 100).unwrap();
        due.into_iter().filter(|n| n.alarm == offline[0].id).map(|n| n.event).collect()
    };
    assert_eq!(of_offline(t(45)), ["opened"]);
    // Yesterday had no minute at all (the sweep); hours were never sent, so they are not judged.
    let missing = fixture.alarms(Rule::DataMissing);
    let windows: Vec<(String, Instant)> =
        missing.iter().map(|alarm| (alarm.key.pollutant.clone(), alarm.window_from)).collect();
    assert_eq!(windows, [("minute".to_owned(), t(-24 * 60))]);
    assert_eq!(missing[0].evidence["n_present"], 0);

    fixture.set_clock(t(45 + 61));
    fixture.service.full_pass().unwrap();
    let escalated = fixture.store.alarm(offline[0].id).unwrap().unwrap();
    assert_eq!(escalated.escalated_at, Some(t(106)));
    assert_eq!(of_offline(t(106)), ["opened", "escalated"]);
    assert_eq!(
        fixture.alarms(Rule::DeviceOffline)[0].n_occurrences,
        1,
        "one outage, one occurrence"
    );

    // The device is back: the alarm stays, marked as no longer holding.
    fixture.send(vec![fixture.reading("a21026", DataKind::Minute, 106, 1.0)]);
    fixture.service.full_pass().unwrap();
    assert!(!fixture.store.alarm(offline[0].id).unwrap().unwrap().still_holds);
}

#[test]
fn under_load_the_fast_path_judges_newest_values_and_the_full_pass_catches_up() {
    let fixture = Fixture::new(AlarmsConfig::default(), SiteTable::default());
    fixture.set_clock(t(5));
    // More touched points than the per-point mode takes: the bulk mode reads newest values.
    let mut points = vec![(fixture.point, fixture.device)];
    for n in 0..super::FAST_PER_POINT_MAX {
        points.push(point_and_device(fixture.store.as_ref(), &format!("MN-LOAD-{n}")));
    }
    let reading = |point: PointId, minute: i64, value: f64| Reading {
        key: ReadingKey {
            point,
            param: ParamCode::parse("a21026").unwrap(),
            kind: DataKind::Minute,
            data_time: t(minute),
        },
        values: ReadingValues {
            avg: Some(value),
            flag: Some("N".to_owned()),
            ..ReadingValues::default()
        },
    };
    let mut batch = IngestBatch::default();
    for (index, &(point, device)) in points.iter().enumerate() {
        fixture
            .store
            .set_point_limit(&PointLimit {
                point,
                param: "a21026".to_owned(),
                limit: json!({ "pollutant": "SO2", "bound": { "max": "35" }, "unit": "mg/m3", "averaging": "hour", "conversion": "measured" }),
            })
            .unwrap();
        // The first outlet crosses at minute 1 and is back within the limit at minute 2, in the same pass.
        let values: Vec<Reading> = if index == 0 {
            vec![reading(point, 1, 50.0), reading(point, 2, 20.0)]
        } else {
            vec![reading(point, 2, 40.0)]
        };
        for value in values {
            let latest = Some(value.key.data_time);
            let mut packet = accepted_packet(device, vec![value], 0);
            packet.raw.received_at = t(5);
            batch.packets.push(packet);
            batch.sightings.push(DeviceSighting {
                device,
                at: t(5),
                peer: "p".to_owned(),
                latest_data_time: latest,
            });
        }
    }
    fixture.store.commit_batch(&batch).unwrap();
    let report = fixture.service.fast_pass().unwrap();
    assert_eq!(
        report.opened.len(),
        super::FAST_PER_POINT_MAX,
        "every outlet whose newest value crosses"
    );
    assert!(
        fixture.alarms(Rule::LimitCrossing).iter().all(|alarm| alarm.key.point != fixture.point)
    );
    fixture.service.full_pass().unwrap();
    let caught: Vec<_> = fixture
        .alarms(Rule::LimitCrossing)
        .into_iter()
        .filter(|alarm| alarm.key.point == fixture.point)
        .collect();
    assert_eq!(caught.len(), 1, "the full pass judges every minute of the touched day");
    assert_eq!(caught[0].window_from, t(1));
}
