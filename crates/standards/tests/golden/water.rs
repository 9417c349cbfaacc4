//! Water golden tables: GB 3838-2002 and the 2011 evaluation method.

use standards::water::{
    AssessedItems, Decimal, DrinkingSourceOptions, NonDetectInMean, PeriodOptions, PriorityRule,
    RiverGrade, RiverOptions, SampleOptions, ShareGap, UnmultipliedRank, WaterBody, WaterClass,
    WaterItem, WaterValue, check_drinking_source, classify_period, classify_sample, classify_value,
    evaluate_river, multiple_vs_iii,
};

use crate::table::{Row, check_all, list, opt};

fn body(text: &str) -> WaterBody {
    match text {
        "river" => WaterBody::River,
        "lake" => WaterBody::LakeReservoir,
        other => panic!("unknown body {other}"),
    }
}

fn value(text: &str) -> WaterValue {
    match text.strip_prefix("ND<") {
        Some(limit) => WaterValue::NotDetected { detection_limit: Decimal::parse(limit).unwrap() },
        None => WaterValue::Measured(Decimal::parse(text).unwrap()),
    }
}

fn show_value(value: WaterValue) -> String {
    match value {
        WaterValue::Measured(v) => v.to_string(),
        WaterValue::NotDetected { detection_limit } => format!("ND<{detection_limit}"),
    }
}

fn values(text: &str) -> Vec<(WaterItem, WaterValue)> {
    text.split_whitespace()
        .map(|pair| {
            let (item, v) = pair.split_once('=').unwrap();
            (WaterItem::parse(item).unwrap(), value(v))
        })
        .collect()
}

fn class(text: &str) -> Option<WaterClass> {
    opt(text).map(|c| WaterClass::parse(c).unwrap())
}

fn show_class(class: Option<WaterClass>) -> String {
    class.map_or("-".to_owned(), |c| c.to_string())
}

fn compare<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want { Ok(()) } else { Err(format!("{what}: got {got:?}, want {want:?}")) }
}

fn sample_options(text: &str) -> SampleOptions {
    let mut options = SampleOptions::default();
    match text {
        "default" => {}
        "all-table-1" => options.items = AssessedItems::AllTable1,
        "priority-off" => options.main_pollutants.priority = PriorityRule::Off,
        "do-before" => options.main_pollutants.unmultiplied = UnmultipliedRank::BeforeMultiplied,
        other => panic!("unknown options {other}"),
    }
    options
}

#[test]
fn item_class() {
    let n = check_all("water_item_class.csv", |row: &Row| {
        let item = WaterItem::parse(row.get("item")).unwrap();
        let got = classify_value(item, value(row.get("value")), body(row.get("body")));
        compare("class", show_class(got), show_class(class(row.get("class"))))
    });
    assert!(n > 150);
}

#[test]
fn multiple() {
    check_all("water_multiple.csv", |row: &Row| {
        let item = WaterItem::parse(row.get("item")).unwrap();
        let got = multiple_vs_iii(item, value(row.get("value")), body(row.get("body")));
        let want = opt(row.get("multiple")).map(|m| Decimal::parse(m).unwrap());
        compare("multiple", got, want)
    });
}

#[test]
fn sample() {
    check_all("water_sample.csv", |row: &Row| {
        let result = classify_sample(
            &values(row.get("values")),
            body(row.get("body")),
            &sample_options(row.get("options")),
        );
        compare("class", show_class(result.class), show_class(class(row.get("class"))))?;
        let deciding: Vec<&str> = result.deciding_items.iter().map(|i| i.short_name()).collect();
        compare("deciding", deciding, list(row.get("deciding")))?;
        let main: Vec<String> = result
            .main_pollutants
            .iter()
            .map(|p| match p.multiple_vs_iii {
                Some(m) => format!("{}({m})", p.item),
                None => p.item.to_string(),
            })
            .collect();
        compare("main pollutants", main.join(" "), list(row.get("main_pollutants")).join(" "))
    });
}

#[test]
fn period() {
    check_all("water_period.csv", |row: &Row| {
        let samples: Vec<Vec<(WaterItem, WaterValue)>> =
            row.get("samples").split('|').map(values).collect();
        let non_detect = match row.get("non_detect") {
            "half" => NonDetectInMean::HalfDetectionLimit,
            "detection-limit" => NonDetectInMean::DetectionLimit,
            "zero" => NonDetectInMean::Zero,
            "excluded" => NonDetectInMean::Excluded,
            other => panic!("unknown non_detect {other}"),
        };
        let options = PeriodOptions { non_detect, ..PeriodOptions::default() };
        let result = classify_period(&samples, body(row.get("body")), &options);
        let means: Vec<String> =
            result.means.iter().map(|m| format!("{}={}", m.item, show_value(m.value))).collect();
        compare("means", means.join(" "), row.get("means").to_owned())?;
        compare("class", show_class(result.class.class), show_class(class(row.get("class"))))
    });
}

#[test]
fn river_grade() {
    check_all("water_river_grade.csv", |row: &Row| {
        let mut sections = Vec::new();
        for (column, class) in
            ["n_i", "n_ii", "n_iii", "n_iv", "n_v", "n_worse"].iter().zip(WaterClass::ALL)
        {
            let n: usize = row.get(column).parse().unwrap();
            sections.extend(std::iter::repeat_n(class, n));
        }
        let gap = match row.get("gap") {
            "severe" => ShareGap::HeavilyPolluted,
            "moderate" => ShareGap::ModeratelyPolluted,
            other => panic!("unknown gap {other}"),
        };
        let result = evaluate_river(&sections, &RiverOptions { gap, ..RiverOptions::default() });
        let got = match result.grade {
            RiverGrade::Graded(status) => status.zh().to_owned(),
            RiverGrade::TooFewSections => "too-few".to_owned(),
        };
        compare("grade", got, row.get("grade").to_owned())
    });
}

#[test]
fn drinking_source() {
    check_all("water_drinking.csv", |row: &Row| {
        let options = DrinkingSourceOptions {
            target: WaterClass::parse(row.get("target")).unwrap(),
            ..DrinkingSourceOptions::default()
        };
        let result = check_drinking_source(&values(row.get("values")), WaterBody::River, &options);
        compare(
            "table 1 class",
            show_class(result.table_1.class),
            show_class(class(row.get("table_1_class"))),
        )?;
        let meets = match result.meets {
            Some(true) => "yes",
            Some(false) => "no",
            None => "-",
        };
        compare("meets", meets, row.get("meets"))?;
        let failing: Vec<&str> = result
            .supplementary
            .iter()
            .filter(|s| s.meets == Some(false))
            .map(|s| s.item.short_name())
            .collect();
        compare("failing", failing, list(row.get("failing")))
    });
}

#[test]
fn names_round_trip() {
    for item in WaterItem::ALL {
        assert_eq!(WaterItem::parse(item.short_name()), Ok(item));
        assert_eq!(WaterItem::parse(item.hj212_code()), Ok(item));
        assert_eq!(WaterItem::parse(&item.hj212_code().to_uppercase()), Ok(item));
    }
    assert_eq!(WaterItem::parse("nh3-n"), Ok(WaterItem::AmmoniaNitrogen));
    assert!(WaterItem::parse("ammonia").is_err());
    for class in WaterClass::ALL {
        assert_eq!(WaterClass::parse(class.label()), Ok(class));
        assert_eq!(WaterClass::parse(class.roman()), Ok(class));
        assert_eq!(WaterClass::parse(class.zh_label()), Ok(class));
    }
    assert_eq!(WaterClass::WorseThanV.to_string(), "劣V");
    assert_eq!(WaterClass::III.zh_label(), "Ⅲ类");
}

#[test]
fn main_pollutant_label() {
    // 2011 method §5.3: written with the multiple, e.g. 高锰酸盐指数(1.2).
    let sample = values("CODMn=13.2 DO=2.5");
    let result = classify_sample(&sample, WaterBody::River, &SampleOptions::default());
    let labels: Vec<String> = result.main_pollutants.iter().map(|p| p.zh_label(1)).collect();
    assert_eq!(labels, ["高锰酸盐指数(1.2)", "溶解氧"]);
}

#[test]
fn f64_inputs_round_to_the_limit() {
    // 0.1 + 0.1 is not 0.2 in binary, yet TP 0.2 must meet class III exactly.
    let tp = WaterValue::from_f64(0.1 + 0.1).unwrap();
    assert_eq!(
        classify_value(WaterItem::TotalPhosphorus, tp, WaterBody::River),
        Some(WaterClass::III)
    );
    assert_eq!(WaterValue::from_f64(f64::NAN), None);
}

#[test]
fn missing_items_are_reported() {
    let result = classify_sample(&values("COD=10"), WaterBody::River, &SampleOptions::default());
    assert_eq!(result.missing_items.len(), 20);
    assert!(!result.missing_items.contains(&WaterItem::Cod));
    assert!(!result.missing_items.contains(&WaterItem::TotalNitrogen));
}

#[test]
fn river_main_pollutants_by_exceedance_rate() {
    // 2011 method §5.4 (unverified): rank items by the share of sections
    // worse than class III; ties in table order; top three.
    use standards::water::river_main_pollutants;
    let sections: Vec<_> = [
        "COD=25 NH3-N=1.6 TP=0.1",
        "COD=25 NH3-N=1.2 TP=0.35",
        "COD=15 NH3-N=1.7 TP=0.1 Pb=0.06",
        "COD=35 NH3-N=0.5 TP=0.1",
        "COD=15 NH3-N=0.5 TP=0.1 TN=9",
    ]
    .iter()
    .map(|s| classify_sample(&values(s), WaterBody::River, &SampleOptions::default()))
    .collect();
    let ranked: Vec<(String, usize, usize)> = river_main_pollutants(&sections, 3)
        .iter()
        .map(|p| (p.item.to_string(), p.n_exceeding, p.n_sections))
        .collect();
    assert_eq!(
        ranked,
        [("COD".to_owned(), 3, 5), ("NH3-N".to_owned(), 3, 5), ("TP".to_owned(), 1, 5)],
        "TN is not assessed; Pb ties TP and comes after it in table order"
    );
}

#[test]
fn small_river_by_item_means() {
    // 2011 method §5.4 (unverified): fewer than 5 sections: average each
    // item over the sections, then classify like one section.
    use standards::water::{RiverOptions, evaluate_river_by_means};
    let sections = [values("COD=18 TP=0.25"), values("COD=22 TP=0.15")];
    let classes: Vec<WaterClass> = sections
        .iter()
        .filter_map(|s| classify_sample(s, WaterBody::River, &SampleOptions::default()).class)
        .collect();
    assert_eq!(classes, [WaterClass::IV, WaterClass::IV]);
    assert_eq!(
        evaluate_river(&classes, &RiverOptions::default()).grade,
        RiverGrade::TooFewSections
    );
    let result = evaluate_river_by_means(&sections, WaterBody::River, &PeriodOptions::default());
    assert_eq!(result.class.class, Some(WaterClass::III), "COD 20 and TP 0.2 are both exactly III");
    assert_eq!(result.class.class.map(|c| c.status().zh()), Some("良好"));
}
