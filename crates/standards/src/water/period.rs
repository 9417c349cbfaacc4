//! A section over a period, and a river or basin over its sections
//! (2011 method, `water-gb3838.md` §5.2, §5.4, §5.6).

use serde::{Deserialize, Serialize};

use super::{
    Decimal, SampleClass, SampleOptions, WaterBody, WaterClass, WaterItem, WaterStatus, WaterValue,
    classify_sample,
};

/// How a non-detect enters a period mean (`water-gb3838.md` §5.6: half the
/// detection limit is common practice per the 2020 statistics rules,
/// **unverified**).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonDetectInMean {
    /// Counted as half its detection limit. Default.
    #[default]
    HalfDetectionLimit,
    /// Counted as its detection limit.
    DetectionLimit,
    /// Counted as zero.
    Zero,
    /// Left out of the mean (the mean is over the detected results).
    Excluded,
}

/// Options for [`classify_period`] and [`evaluate_river_by_means`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PeriodOptions {
    /// Non-detects in means. Default [`NonDetectInMean::HalfDetectionLimit`].
    pub non_detect: NonDetectInMean,
    /// How the means are classified.
    pub sample: SampleOptions,
}

/// The period value of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PeriodMean {
    /// The item.
    pub item: WaterItem,
    /// The mean; a non-detect with the largest detection limit when every
    /// result of the period was a non-detect (or, with
    /// [`NonDetectInMean::Excluded`], when no result was detected).
    pub value: WaterValue,
    /// Number of results of the item in the period.
    pub n_values: usize,
    /// How many of them were non-detects.
    pub n_not_detected: usize,
}

/// The period value of each item: the arithmetic mean of the period's
/// results, rounded half away from zero to 6 places (`water-gb3838.md`
/// §5.2, "mean of the period's results", **unverified** beyond practice;
/// non-detects per [`NonDetectInMean`], §5.6). Items come out in table order.
/// The mean is formed for pH too, as the sheet says; results that are not
/// numbers never reach here, so nothing missing is counted as zero.
pub fn period_means<S: AsRef<[(WaterItem, WaterValue)]>>(
    samples: &[S],
    non_detect: NonDetectInMean,
) -> Vec<PeriodMean> {
    let mut means = Vec::new();
    for item in WaterItem::ALL {
        let results: Vec<WaterValue> = samples
            .iter()
            .flat_map(|s| s.as_ref().iter().filter(|(i, _)| *i == item).map(|(_, v)| *v))
            .collect();
        if results.is_empty() {
            continue;
        }
        let n_not_detected =
            results.iter().filter(|v| matches!(v, WaterValue::NotDetected { .. })).count();
        let max_detection_limit = results
            .iter()
            .filter_map(|v| match v {
                WaterValue::NotDetected { detection_limit } => Some(*detection_limit),
                WaterValue::Measured(_) => None,
            })
            .max();
        let numbers: Vec<Decimal> = results
            .iter()
            .filter_map(|v| match (*v, non_detect) {
                (WaterValue::Measured(x), _) => Some(x),
                (WaterValue::NotDetected { .. }, NonDetectInMean::Excluded) => None,
                (WaterValue::NotDetected { .. }, NonDetectInMean::Zero) => Some(Decimal::ZERO),
                (WaterValue::NotDetected { detection_limit }, NonDetectInMean::DetectionLimit) => {
                    Some(detection_limit)
                }
                (
                    WaterValue::NotDetected { detection_limit },
                    NonDetectInMean::HalfDetectionLimit,
                ) => Decimal::from_ratio(
                    i128::from(detection_limit.micros()),
                    2 * i128::from(Decimal::SCALE),
                ),
            })
            .collect();
        let all_not_detected = n_not_detected == results.len();
        let value = match (all_not_detected, Decimal::mean(&numbers), max_detection_limit) {
            (false, Some(mean), _) => WaterValue::Measured(mean),
            (_, _, Some(detection_limit)) => WaterValue::NotDetected { detection_limit },
            // Unreachable: some result exists, so either a mean or a detection limit does.
            (_, None, None) => continue,
            (true, Some(mean), None) => WaterValue::Measured(mean),
        };
        means.push(PeriodMean { item, value, n_values: results.len(), n_not_detected });
    }
    means
}

/// A section's class over an evaluation period.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PeriodClass {
    /// Number of samples given.
    pub n_samples: usize,
    /// The period value of each item.
    pub means: Vec<PeriodMean>,
    /// The single-factor class of the period values.
    pub class: SampleClass,
}

/// A section's class over a period: the period mean of each item
/// ([`period_means`]), then the single-factor class of those means
/// ([`classify_sample`]) (2011 method, `water-gb3838.md` §5.2). GB 3838-2002
/// §5.2 asks for separate evaluations of high-, normal- and low-flow
/// periods: call once per period.
pub fn classify_period<S: AsRef<[(WaterItem, WaterValue)]>>(
    samples: &[S],
    body: WaterBody,
    options: &PeriodOptions,
) -> PeriodClass {
    let means = period_means(samples, options.non_detect);
    let values: Vec<(WaterItem, WaterValue)> = means.iter().map(|m| (m.item, m.value)).collect();
    let class = classify_sample(&values, body, &options.sample);
    PeriodClass { n_samples: samples.len(), means, class }
}

/// What to do with the gap in the share table of the 2011 method
/// (`water-gb3838.md` §5.4): I–III share exactly 60 % with 劣V share exactly
/// 40 % matches no row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareGap {
    /// 重度污染: the 劣V share, which is what separates the three polluted
    /// grades, has reached the severe row's 40 %. Default.
    #[default]
    HeavilyPolluted,
    /// 中度污染: the severe row's I–III condition (< 60 %) is not met.
    ModeratelyPolluted,
}

/// Options for [`evaluate_river`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiverOptions {
    /// The fewest sections graded by shares; below it the method averages
    /// the items over all sections instead ([`evaluate_river_by_means`]).
    /// Default 5 (**unverified**, `water-gb3838.md` §5.4).
    pub min_sections_for_shares: usize,
    /// The gap rule. Default [`ShareGap::HeavilyPolluted`].
    pub gap: ShareGap,
}

impl Default for RiverOptions {
    fn default() -> Self {
        RiverOptions { min_sections_for_shares: 5, gap: ShareGap::HeavilyPolluted }
    }
}

/// The outcome of grading a river or basin by shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiverGrade {
    /// Graded by the share table.
    Graded(WaterStatus),
    /// Fewer sections than [`RiverOptions::min_sections_for_shares`]: use
    /// [`evaluate_river_by_means`].
    TooFewSections,
}

/// A river's or basin's evaluation by section shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct RiverEvaluation {
    /// Number of sections with a class.
    pub n_sections: usize,
    /// Sections per class, index 0 = I … 5 = 劣V.
    pub n_by_class: [usize; 6],
    /// The grade.
    pub grade: RiverGrade,
}

impl RiverEvaluation {
    /// Sections of class I–III.
    pub fn n_i_to_iii(&self) -> usize {
        self.n_by_class[..3].iter().sum()
    }

    /// Sections of class 劣V.
    pub fn n_worse_than_v(&self) -> usize {
        self.n_by_class[5]
    }
}

/// Grades a river or basin by the shares of its sections' classes (2011
/// method, `water-gb3838.md` §5.4, table of shares): I–III ≥ 90 % 优;
/// 75 % ≤ I–III < 90 % 良好; I–III < 75 % and 劣V < 20 % 轻度污染;
/// I–III < 75 % and 20 % ≤ 劣V < 40 % 中度污染; I–III < 60 % and
/// 劣V ≥ 40 % 重度污染; the one gap (60 % and 40 %) per [`ShareGap`].
/// Shares are compared exactly as integer ratios. Sections without a class
/// are left out by the caller. With fewer sections than
/// [`RiverOptions::min_sections_for_shares`] the grade is
/// [`RiverGrade::TooFewSections`].
pub fn evaluate_river(section_classes: &[WaterClass], options: &RiverOptions) -> RiverEvaluation {
    let mut n_by_class = [0_usize; 6];
    for class in section_classes {
        n_by_class[class.index()] += 1;
    }
    let n = section_classes.len();
    let good: usize = n_by_class[..3].iter().sum();
    let bad = n_by_class[5];
    // share ≥ p % ⇔ 100 · count ≥ p · n, in u128 so nothing overflows.
    let at_least = |count: usize, percent: u128| 100 * count as u128 >= percent * n as u128;
    let grade = if n == 0 || n < options.min_sections_for_shares {
        RiverGrade::TooFewSections
    } else if at_least(good, 90) {
        RiverGrade::Graded(WaterStatus::Excellent)
    } else if at_least(good, 75) {
        RiverGrade::Graded(WaterStatus::Good)
    } else if !at_least(bad, 20) {
        RiverGrade::Graded(WaterStatus::LightlyPolluted)
    } else if !at_least(bad, 40) {
        RiverGrade::Graded(WaterStatus::ModeratelyPolluted)
    } else if !at_least(good, 60) {
        RiverGrade::Graded(WaterStatus::HeavilyPolluted)
    } else {
        RiverGrade::Graded(match options.gap {
            ShareGap::HeavilyPolluted => WaterStatus::HeavilyPolluted,
            ShareGap::ModeratelyPolluted => WaterStatus::ModeratelyPolluted,
        })
    };
    RiverEvaluation { n_sections: n, n_by_class, grade }
}

/// A river with fewer than 5 sections: average each item over all its
/// sections' period values, then classify the averages like one section;
/// the status is that class's [`WaterClass::status`] (2011 method,
/// **unverified**, `water-gb3838.md` §5.4). Each element of `sections` is
/// one section's period values.
pub fn evaluate_river_by_means<S: AsRef<[(WaterItem, WaterValue)]>>(
    sections: &[S],
    body: WaterBody,
    options: &PeriodOptions,
) -> PeriodClass {
    super::classify_period(sections, body, options)
}

/// An item's exceedance rate over a river's sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct RiverPollutant {
    /// The item.
    pub item: WaterItem,
    /// Sections where the item's class is worse than III.
    pub n_exceeding: usize,
    /// Sections given.
    pub n_sections: usize,
}

/// A river's main pollutants: items ranked by section exceedance rate
/// (sections where the item is worse than class III ÷ all sections), the top
/// `max_count` with a rate above zero; ties in table order (2011 method,
/// **unverified**, `water-gb3838.md` §5.4). Only assessed items count.
pub fn river_main_pollutants(sections: &[SampleClass], max_count: usize) -> Vec<RiverPollutant> {
    let mut ranked: Vec<RiverPollutant> = WaterItem::ALL
        .into_iter()
        .map(|item| RiverPollutant {
            item,
            n_exceeding: sections
                .iter()
                .filter(|s| {
                    s.items.iter().any(|r| {
                        r.item == item && r.assessed && r.class.is_some_and(|c| c > WaterClass::III)
                    })
                })
                .count(),
            n_sections: sections.len(),
        })
        .filter(|p| p.n_exceeding > 0)
        .collect();
    ranked.sort_by(|a, b| b.n_exceeding.cmp(&a.n_exceeding).then(a.item.cmp(&b.item)));
    ranked.truncate(max_count);
    ranked
}
