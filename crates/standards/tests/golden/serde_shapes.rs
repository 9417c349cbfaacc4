//! JSON shapes: options load with defaults and refuse unknown fields;
//! decimals stay exact text.

use standards::emission::{DataFlag, JudgeOptions};
use standards::noise::{NoiseOptions, NoiseZone};
use standards::water::{
    Decimal, NonDetectInMean, PeriodOptions, RiverOptions, SampleOptions, ShareGap, WaterBody,
    WaterClass, WaterItem, WaterValue, classify_sample,
};

#[test]
fn options_load_with_defaults() {
    let period: PeriodOptions = serde_json::from_str(r#"{"non_detect": "zero"}"#).unwrap();
    assert_eq!(period.non_detect, NonDetectInMean::Zero);
    assert_eq!(period.sample, SampleOptions::default());
    let river: RiverOptions = serde_json::from_str(r#"{"gap": "moderately_polluted"}"#).unwrap();
    assert_eq!((river.gap, river.min_sections_for_shares), (ShareGap::ModeratelyPolluted, 5));
    assert!(serde_json::from_str::<PeriodOptions>(r#"{"nondetect": "zero"}"#).is_err());
    let noise: NoiseOptions = serde_json::from_str(r#"{"day_start": "07:00:00"}"#).unwrap();
    assert_eq!(noise.night_start, NoiseOptions::default().night_start);
    let judge: JudgeOptions =
        serde_json::from_str(r#"{"flags": {"valid_flags": ["N", "T"]}}"#).unwrap();
    assert!(judge.flags.is_valid(&DataFlag::T));
}

#[test]
fn values_are_exact_text() {
    let d: Decimal = serde_json::from_str(r#""0.2""#).unwrap();
    assert_eq!(d, Decimal::parse("0.2").unwrap());
    assert_eq!(serde_json::from_str::<Decimal>("0.2").unwrap(), d);
    assert_eq!(serde_json::from_str::<Decimal>("3").unwrap(), Decimal::from_int(3));
    assert_eq!(serde_json::to_string(&d).unwrap(), r#""0.2""#);
    assert_eq!(serde_json::to_string(&WaterClass::WorseThanV).unwrap(), r#""劣V""#);
    assert_eq!(
        serde_json::from_str::<WaterItem>(r#""w21003""#).unwrap(),
        WaterItem::AmmoniaNitrogen
    );
    assert_eq!(serde_json::to_string(&NoiseZone::Class4a).unwrap(), r#""4a""#);
    let sample = [(WaterItem::Cod, WaterValue::Measured(Decimal::from_int(25)))];
    let result = classify_sample(&sample, WaterBody::River, &SampleOptions::default());
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["class"], "IV");
    assert_eq!(json["main_pollutants"][0]["item"], "COD");
    assert_eq!(json["main_pollutants"][0]["multiple_vs_iii"], "0.25");
}
