//! Indicator 11 from emission amounts: a year that meets, one that misses,
//! one that lacks data, and the drill-down naming the outlets counted and why
//! others are not.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use model::PointId;
use plan::emission::OutletComparison;
use plan::metric::DrillDown;
use plan::status::Reason;
use plan::{Context, EmissionSource, OutletEmission, Plan, Status, Value};
use store::{NewCityTarget, NewPlanDocument, PlanStore, SqliteStore, Store};

const COD: &str = "w01018";
const NH3N: &str = "w21003";
const NOX: &str = "a21002";

/// Amounts by year, as the registry's totals would give them.
#[derive(Default)]
struct Table(BTreeMap<i32, Vec<OutletEmission>>);

impl EmissionSource for Table {
    fn annual_emissions(&self, _store: &dyn Store, year: i32) -> plan::Result<Vec<OutletEmission>> {
        Ok(self.0.get(&year).cloned().unwrap_or_default())
    }
}

fn hours(year: i32) -> u32 {
    if year % 4 == 0 { 8784 } else { 8760 }
}

impl Table {
    /// Outlet `point` emitted `amount_kg` of `pollutant` in `year` over `coverage` of its hours.
    fn add(&mut self, year: i32, point: i64, pollutant: &str, amount_kg: f64, coverage: f64) {
        let n_expected_hours = hours(year);
        self.0.entry(year).or_default().push(OutletEmission {
            point: PointId(point),
            outlet: format!("WTQ-E{point:02}-DW1"),
            enterprise: format!("9151111200000000{point:02}"),
            pollutant: pollutant.to_owned(),
            amount_kg,
            n_hours: (f64::from(n_expected_hours) * coverage).round() as u32,
            n_expected_hours,
        });
    }
}

/// 2020 baseline: outlets 1 (COD 1000 kg), 2 (NOx 2000 kg), 3 (NH3-N 75 kg
/// over 75 % of the hours), 4 (COD, closed after 2020). Outlet 5 (NOx) starts
/// in 2022.
fn table() -> Table {
    let mut table = Table::default();
    table.add(2020, 1, COD, 1000.0, 1.0);
    table.add(2020, 2, NOX, 2000.0, 1.0);
    table.add(2020, 3, NH3N, 75.0, 0.75); // 100 kg annualised.
    table.add(2020, 4, COD, 500.0, 1.0);
    // 2022 meets: COD −15 %, NOx −20 %, NH3-N −12 %.
    table.add(2022, 1, COD, 850.0, 1.0);
    table.add(2022, 2, NOX, 1600.0, 1.0);
    table.add(2022, 3, NH3N, 88.0, 1.0);
    table.add(2022, 5, NOX, 900.0, 1.0);
    // 2024 lacks data: NOx only half the year.
    table.add(2024, 1, COD, 800.0, 1.0);
    table.add(2024, 2, NOX, 700.0, 0.5);
    table.add(2024, 3, NH3N, 80.0, 1.0);
    // 2025 misses: COD −5 %.
    table.add(2025, 1, COD, 950.0, 1.0);
    table.add(2025, 2, NOX, 1500.0, 1.0);
    table.add(2025, 3, NH3N, 70.0, 1.0);
    table
}

/// Indicator 11 in `year`, with the city's figure set to `city_figure` first when given.
fn check(store: &SqliteStore, city_figure: Option<f64>, year: i32) -> plan::IndicatorYear {
    let plan = Plan::shipped().unwrap();
    if let Some(value) = city_figure {
        store
            .set_city_target(
                &NewCityTarget {
                    plan: plan.id.clone(),
                    indicator: "11".to_owned(),
                    value,
                    note: "市下达减排目标".to_owned(),
                    document: NewPlanDocument {
                        file_name: "减排目标.pdf".to_owned(),
                        media_type: "application/pdf".to_owned(),
                        bytes: b"%PDF".to_vec(),
                    },
                },
                "tester",
                model::Instant::from_unix_millis(1_700_000_000_000).unwrap(),
            )
            .unwrap();
    }
    let emissions = table();
    let context = Context { plan: &plan, store, sites: &[], emissions: &emissions };
    plan::assess_indicator(&context, "11", year).unwrap()
}

fn outlets(result: &plan::IndicatorYear) -> &[OutletComparison] {
    let Some(DrillDown::Emissions { outlets, .. }) = &result.drill_down else {
        panic!("{:?}", result.drill_down)
    };
    outlets
}

#[test]
fn emission_reduction_meets_misses_and_lacks_data() {
    let store = SqliteStore::open_in_memory().unwrap();
    let before = check(&store, None, 2022);
    assert_eq!((before.status, before.reason), (Status::NoData, Reason::TargetNotSet));
    assert!(before.value.is_some(), "the value is shown before the figure is set");

    let met = check(&store, Some(10.0), 2022);
    assert_eq!(met.status, Status::Met, "{met:#?}");
    let Some(Value::Number(value)) = met.value else { panic!("{met:#?}") };
    assert!((value - 12.0).abs() < 1e-9, "the smallest reduction (NH3-N): {value}");
    assert!(met.evidence_text.zh.contains("与 2020 年比较"), "{}", met.evidence_text.zh);

    let missed = check(&store, None, 2025);
    assert_eq!(missed.status, Status::NotMet, "{missed:#?}");
    let Some(Value::Number(value)) = missed.value else { panic!() };
    assert!((value - 5.0).abs() < 1e-9, "COD −5 %: {value}");

    let lacking = check(&store, None, 2024);
    assert_eq!((lacking.status, lacking.reason), (Status::NoData, Reason::InsufficientData));
    assert!(lacking.provisional.is_some(), "COD and NH3-N still shown: {lacking:#?}");

    let empty = check(&store, None, 2023);
    assert_eq!((empty.status, empty.reason), (Status::NoData, Reason::NoValue));
}

#[test]
fn emission_drill_down_names_the_outlets_counted_and_why_others_are_not() {
    let store = SqliteStore::open_in_memory().unwrap();
    let result = check(&store, Some(10.0), 2022);
    let Some(DrillDown::Emissions { baseline_year, pollutants, .. }) = &result.drill_down else {
        panic!()
    };
    assert_eq!(*baseline_year, 2020);
    let by_code: BTreeMap<&str, _> = pollutants.iter().map(|p| (p.code.as_str(), p)).collect();
    assert_eq!(by_code["a24088"].n_outlets, 0, "VOCs: no outlet reports online");
    assert_eq!(by_code["a24088"].reduction_percent, None);
    assert_eq!((by_code[COD].n_outlets, by_code[COD].n_outlets_counted), (2, 1));
    assert!((by_code[NOX].reduction_percent.unwrap() - 20.0).abs() < 1e-9);
    assert!((by_code[NH3N].baseline_kg - 100.0).abs() < 1e-9, "annualised from 75 % of the hours");

    let listed: Vec<(i64, &str, bool)> =
        outlets(&result).iter().map(|o| (o.point.0, o.pollutant.as_str(), o.counted)).collect();
    assert_eq!(
        listed,
        [(2, NOX, true), (5, NOX, false), (1, COD, true), (4, COD, false), (3, NH3N, true)]
    );
    let closed = outlets(&result).iter().find(|o| o.point.0 == 4).unwrap();
    assert_eq!(closed.excluded_because.as_ref().unwrap().en, "no monitored amount in the year");
    assert_eq!(closed.outlet, "WTQ-E04-DW1");
    let new = outlets(&result).iter().find(|o| o.point.0 == 5).unwrap();
    assert!(new.excluded_because.as_ref().unwrap().zh.contains("基准年"));

    let sparse = check(&store, None, 2024);
    let half = outlets(&sparse).iter().find(|o| o.point.0 == 2).unwrap();
    assert!(!half.counted);
    assert_eq!(half.year.as_ref().unwrap().coverage_percent, 50.0);
    assert!(half.excluded_because.as_ref().unwrap().en.contains("less than 75%"));
}
