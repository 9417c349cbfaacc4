//! Noise golden tables: GB 3096-2008.

use chrono::NaiveTime;
use standards::noise::{
    DayNight, NightEvent, NoiseOptions, NoiseZone, Railway4b, day_night, judge_leq, judge_night_max,
};
use standards::water::Decimal;

use crate::table::{Row, check_all, opt};

fn options(text: &str) -> NoiseOptions {
    let mut options = NoiseOptions::default();
    match text {
        "default" => {}
        "older-railway" => options.railway_4b = Railway4b::OlderLineBackground,
        "day-07-23" => {
            options.day_start = NaiveTime::from_hms_opt(7, 0, 0).unwrap();
            options.night_start = NaiveTime::from_hms_opt(23, 0, 0).unwrap();
        }
        other => panic!("unknown options {other}"),
    }
    options
}

fn period(text: &str) -> DayNight {
    match text {
        "day" => DayNight::Day,
        "night" => DayNight::Night,
        other => panic!("unknown period {other}"),
    }
}

#[test]
fn limits_and_exceedance() {
    let n = check_all("noise_limits.csv", |row: &Row| {
        let zone = NoiseZone::parse(row.get("zone")).unwrap();
        let level = Decimal::parse(row.get("level_db")).unwrap();
        let options = options(row.get("options"));
        let judgement = match row.get("kind") {
            "leq" => judge_leq(zone, period(row.get("period")), level, &options),
            "frequent" => judge_night_max(zone, level, NightEvent::Frequent, &options),
            "sudden" => judge_night_max(zone, level, NightEvent::Sudden, &options),
            other => panic!("unknown kind {other}"),
        };
        let want_limit = Decimal::parse(row.get("limit_db")).unwrap();
        let want_exceedance = opt(row.get("exceedance_db")).map(|e| Decimal::parse(e).unwrap());
        if judgement.limit_db != want_limit {
            return Err(format!("limit: got {}, want {want_limit}", judgement.limit_db));
        }
        if judgement.exceedance_db != want_exceedance {
            return Err(format!(
                "exceedance: got {:?}, want {want_exceedance:?}",
                judgement.exceedance_db
            ));
        }
        if judgement.exceeds() != want_exceedance.is_some() {
            return Err("exceeds() disagrees with the exceedance".to_owned());
        }
        Ok(())
    });
    assert!(n >= 24);
}

#[test]
fn day_and_night() {
    check_all("noise_periods.csv", |row: &Row| {
        let time = NaiveTime::parse_from_str(row.get("time"), "%H:%M:%S").unwrap();
        let got = day_night(time, &options(row.get("options")));
        let want = period(row.get("period"));
        if got == want { Ok(()) } else { Err(format!("got {got:?}, want {want:?}")) }
    });
}

#[test]
fn zone_names() {
    for zone in NoiseZone::ALL {
        assert_eq!(NoiseZone::parse(zone.label()), Ok(zone));
    }
    assert_eq!(NoiseZone::parse("4A类"), Ok(NoiseZone::Class4a));
    assert!(NoiseZone::parse("4").is_err());
}
