//! Property tests: monotonicity of the single-factor class, and no panic on
//! any input.

use chrono::{NaiveDate, TimeDelta};
use proptest::prelude::*;
use standards::emission::{
    Averaging, Conversion, DataFlag, FlagPolicy, JudgeOptions, LimitBound, PermitLimit, Reading,
    ValidityRule, aggregate, judge,
};
use standards::water::{
    Decimal, LimitKind, PeriodOptions, RiverOptions, SampleOptions, WaterBody, WaterClass,
    WaterItem, WaterValue, classify_period, classify_sample, evaluate_river,
};

fn body() -> impl Strategy<Value = WaterBody> {
    prop_oneof![Just(WaterBody::River), Just(WaterBody::LakeReservoir)]
}

fn item() -> impl Strategy<Value = WaterItem> {
    proptest::sample::select(WaterItem::ALL.to_vec())
}

/// A plausible measured value: up to 50 000 in the item's unit (fecal
/// coliform needs the range), with six decimals.
fn sample() -> impl Strategy<Value = Vec<(WaterItem, WaterValue)>> {
    proptest::collection::vec(
        (item(), 0_i64..50_000_000_000)
            .prop_map(|(i, m)| (i, WaterValue::Measured(Decimal::from_micros(m)))),
        1..12,
    )
}

/// `value` made worse by `delta` millionths: higher for maximum items, lower
/// (not below zero) for DO, further from the 6–9 range's centre for pH.
fn worsen(item: WaterItem, value: Decimal, delta: i64) -> Decimal {
    let m = value.micros();
    let worse = match item.limit_kind() {
        LimitKind::Minimum => (m - delta).max(0),
        LimitKind::Range if m < 7_500_000 => (m - delta).max(0),
        _ => m + delta,
    };
    Decimal::from_micros(worse)
}

proptest! {
    /// A sample's class never improves when one item gets worse.
    #[test]
    fn class_never_improves_when_an_item_worsens(
        values in sample(),
        body in body(),
        index in any::<prop::sample::Index>(),
        delta in 1_i64..5_000_000_000,
    ) {
        let options = SampleOptions::default();
        let before = classify_sample(&values, body, &options).class;
        let mut worse = values.clone();
        let at = index.index(worse.len());
        let (item, WaterValue::Measured(v)) = worse[at] else { unreachable!() };
        worse[at].1 = WaterValue::Measured(worsen(item, v, delta));
        let after = classify_sample(&worse, body, &options).class;
        // None (no assessed item) stays None: the item set is unchanged.
        prop_assert_eq!(before.is_some(), after.is_some());
        prop_assert!(after >= before, "{:?} -> {:?} after worsening {:?}", before, after, item);
    }

    /// Any numbers, non-detects included, classify without a panic.
    #[test]
    fn water_never_panics(
        raw in proptest::collection::vec((item(), any::<i64>(), any::<bool>()), 0..20),
        body in body(),
        classes in proptest::collection::vec(proptest::sample::select(WaterClass::ALL.to_vec()), 0..30),
    ) {
        let values: Vec<(WaterItem, WaterValue)> = raw
            .iter()
            .map(|&(i, m, nd)| {
                let d = Decimal::from_micros(m);
                (i, if nd { WaterValue::NotDetected { detection_limit: d } } else { WaterValue::Measured(d) })
            })
            .collect();
        let _ = classify_sample(&values, body, &SampleOptions::default());
        let _ = classify_period(&[values.clone(), values], body, &PeriodOptions::default());
        let _ = evaluate_river(&classes, &RiverOptions::default());
    }

    /// Any text parses or errs without a panic.
    #[test]
    fn parsing_never_panics(text in ".{0,40}") {
        let _ = Decimal::parse(&text);
        let _ = WaterItem::parse(&text);
        let _ = standards::noise::NoiseZone::parse(&text);
        let _ = DataFlag::parse(&text);
    }

    /// Any readings and limits judge and aggregate without a panic.
    #[test]
    fn emission_never_panics(
        raw in proptest::collection::vec(
            (0_i64..10_000, proptest::option::of(any::<i64>()), proptest::option::of(any::<i64>()), "[NFMDSCTB]?"),
            0..30,
        ),
        limit in any::<i64>(),
        reference in any::<i64>(),
        air in any::<i64>(),
        n_expected in 0_usize..100,
    ) {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let readings: Vec<Reading> = raw
            .iter()
            .map(|(hour, value, o2, flag)| Reading {
                start_beijing: start + TimeDelta::hours(*hour),
                value: value.map(Decimal::from_micros),
                o2_pct: o2.map(Decimal::from_micros),
                flag: DataFlag::parse(flag),
            })
            .collect();
        for conversion in [
            Conversion::Measured,
            Conversion::ReferenceOxygen {
                reference_o2_pct: Decimal::from_micros(reference),
                air_o2_pct: Decimal::from_micros(air),
            },
        ] {
            let limit = PermitLimit {
                pollutant: "x".to_owned(),
                bound: LimitBound::Max(Decimal::from_micros(limit)),
                unit: "mg/m3".to_owned(),
                averaging: Averaging::Hour,
                conversion,
            };
            let _ = judge(&readings, &limit, &JudgeOptions::default());
        }
        let _ = aggregate(&readings, n_expected, ValidityRule::FLUE_GAS, &FlagPolicy::default());
    }
}
