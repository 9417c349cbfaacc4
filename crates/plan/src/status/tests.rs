use standards::water::WaterClass;

use super::*;
use crate::file::Text;

/// Judges `value` in `year` against `target` (target year 2025) and returns
/// the status and reason.
fn check(
    target: Target,
    baseline: Option<Baseline>,
    year: i32,
    value: Option<Value>,
    extra: (Option<f64>, Option<f64>),
) -> (Status, Reason) {
    let (city_figure, previous) = extra;
    let judgement = judge(&JudgeInput {
        target: &target,
        city_figure,
        baseline: baseline.as_ref(),
        target_year: 2025,
        year,
        value,
        previous,
        decimals: 1,
    });
    (judgement.status, judgement.reason)
}

fn number(value: f64) -> Option<Value> {
    Some(Value::Number(value))
}

fn base(value: f64) -> Option<Baseline> {
    Some(Baseline { year: 2020, value: Some(value), class: None })
}

const NONE: (Option<f64>, Option<f64>) = (None, None);

#[test]
fn at_least_with_baseline_interpolates_before_the_target_year() {
    let good_days = || Target::AtLeast { value: 89.4 };
    // Expected in 2022: 88.8 + 0.6 · 2/5 = 89.04.
    assert_eq!(
        check(good_days(), base(88.8), 2022, number(90.0), NONE),
        (Status::Met, Reason::TargetReached)
    );
    assert_eq!(
        check(good_days(), base(88.8), 2022, number(89.4), NONE),
        (Status::Met, Reason::TargetReached)
    );
    assert_eq!(
        check(good_days(), base(88.8), 2022, number(89.1), NONE),
        (Status::OnTrack, Reason::AheadOfTrajectory)
    );
    assert_eq!(
        check(good_days(), base(88.8), 2022, number(88.9), NONE),
        (Status::AtRisk, Reason::BehindTrajectory)
    );
    assert_eq!(
        check(good_days(), base(88.8), 2025, number(89.3), NONE),
        (Status::NotMet, Reason::MissedInTargetYear)
    );
    assert_eq!(check(good_days(), base(88.8), 2022, None, NONE), (Status::NoData, Reason::NoValue));
}

#[test]
fn interpolation_reports_the_expected_value() {
    let target = Target::AtMost { value: 34.4 };
    let baseline = base(37.4);
    let judgement = judge(&JudgeInput {
        target: &target,
        city_figure: None,
        baseline: baseline.as_ref(),
        target_year: 2025,
        year: 2022,
        value: number(36.4),
        previous: None,
        decimals: 1,
    });
    assert_eq!(judgement.status, Status::AtRisk);
    let expected = judgement.expected.unwrap();
    assert!((expected - 36.2).abs() < 1e-9, "{expected}");
}

#[test]
fn without_baseline_a_miss_before_the_target_year_is_at_risk() {
    let protected = || Target::AtLeast { value: 95.0 };
    assert_eq!(
        check(protected(), None, 2022, number(94.0), NONE),
        (Status::AtRisk, Reason::MissesTarget)
    );
    assert_eq!(
        check(protected(), None, 2026, number(94.0), NONE),
        (Status::NotMet, Reason::MissedInTargetYear)
    );
}

#[test]
fn values_are_compared_at_the_indicators_decimals() {
    // 89.35 rounds (half away from zero) to 89.4: met.
    assert_eq!(
        check(Target::AtLeast { value: 89.4 }, base(88.8), 2025, number(89.35), NONE).0,
        Status::Met
    );
    assert_eq!(
        check(Target::AtLeast { value: 89.4 }, base(88.8), 2025, number(89.34), NONE).0,
        Status::NotMet
    );
}

#[test]
fn class_targets_compare_classes_and_interpolate_class_numbers() {
    let target = || Target::ClassAtLeast { class: WaterClass::III };
    let baseline = || Some(Baseline { year: 2020, value: None, class: Some(WaterClass::IV) });
    let class = |c| Some(Value::Class(c));
    assert_eq!(check(target(), baseline(), 2022, class(WaterClass::II), NONE).0, Status::Met);
    assert_eq!(check(target(), baseline(), 2022, class(WaterClass::III), NONE).0, Status::Met);
    // Expected class number in 2022: 4 − 2/5 = 3.6; IV (4) is behind.
    assert_eq!(
        check(target(), baseline(), 2022, class(WaterClass::IV), NONE),
        (Status::AtRisk, Reason::BehindTrajectory)
    );
    assert_eq!(check(target(), baseline(), 2025, class(WaterClass::IV), NONE).0, Status::NotMet);
    assert_eq!(check(target(), baseline(), 2025, None, NONE).0, Status::NoData);
}

#[test]
fn basically_eliminated_is_at_most_the_threshold() {
    let target = || Target::BasicallyEliminated { max_value: 1.0 };
    assert_eq!(check(target(), None, 2022, number(0.0), NONE).0, Status::Met);
    assert_eq!(check(target(), None, 2022, number(1.0), NONE).0, Status::Met);
    assert_eq!(
        check(target(), None, 2022, number(1.4), NONE),
        (Status::AtRisk, Reason::MissesTarget)
    );
    assert_eq!(check(target(), None, 2025, number(1.4), NONE).0, Status::NotMet);
}

#[test]
fn city_targets_are_judged_only_once_set() {
    let target = || Target::CityAssigned { direction: Direction::AtLeast, hint: None };
    assert_eq!(
        check(target(), None, 2022, number(14.0), NONE),
        (Status::NoData, Reason::TargetNotSet)
    );
    assert_eq!(check(target(), None, 2022, number(14.0), (Some(13.5), None)).0, Status::Met);
    assert_eq!(check(target(), None, 2025, number(13.0), (Some(13.5), None)).0, Status::NotMet);
    let at_most = Target::CityAssigned { direction: Direction::AtMost, hint: None };
    assert_eq!(check(at_most, None, 2025, number(13.0), (Some(13.5), None)).0, Status::Met);
}

#[test]
fn stable_or_improving_compares_with_the_previous_year() {
    let target = || Target::StableOrImproving { higher_is_better: true };
    assert_eq!(
        check(target(), None, 2022, number(0.61), NONE),
        (Status::NoData, Reason::NoEarlierValue)
    );
    assert_eq!(check(target(), None, 2022, number(0.6), (None, Some(0.6))).0, Status::Met);
    assert_eq!(check(target(), None, 2022, number(0.7), (None, Some(0.6))).0, Status::Met);
    assert_eq!(check(target(), None, 2022, number(0.5), (None, Some(0.6))).0, Status::AtRisk);
    assert_eq!(check(target(), None, 2025, number(0.5), (None, Some(0.6))).0, Status::NotMet);
}

#[test]
fn qualitative_targets_take_one_for_achieved() {
    let target =
        || Target::Qualitative { description: Text { zh: "完成".into(), en: "done".into() } };
    assert_eq!(check(target(), None, 2025, number(1.0), NONE).0, Status::Met);
    assert_eq!(check(target(), None, 2025, number(0.0), NONE).0, Status::NotMet);
}

#[test]
fn change_since_baseline_follows_the_targets_direction() {
    let pm = Target::AtMost { value: 34.4 };
    assert_eq!(
        change(&pm, Value::Number(37.4), Value::Number(35.0), 1),
        Some((-2.4, Movement::Improved))
    );
    let days = Target::AtLeast { value: 89.4 };
    assert_eq!(
        change(&days, Value::Number(88.8), Value::Number(88.0), 1),
        Some((-0.8, Movement::Worsened))
    );
    let class = Target::ClassAtLeast { class: WaterClass::III };
    assert_eq!(
        change(&class, Value::Class(WaterClass::IV), Value::Class(WaterClass::III), 1),
        Some((-1.0, Movement::Improved))
    );
}
