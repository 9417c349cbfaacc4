//! Centralised drinking-water sources: GB 3838-2002 table 1 plus the table 2
//! supplementary items (GB 3838-2002 §5.3).

use serde::{Deserialize, Serialize};

use super::{
    Decimal, SampleClass, SampleOptions, WaterBody, WaterClass, WaterItem, WaterValue,
    classify_sample,
};

/// Options for [`check_drinking_source`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DrinkingSourceOptions {
    /// The class the source must meet: II for a class-1 protection zone,
    /// III for a class-2 protection zone (GB 3838-2002 §3). Default III.
    pub target: WaterClass,
    /// How table 1 items are classified.
    pub sample: SampleOptions,
}

impl Default for DrinkingSourceOptions {
    fn default() -> Self {
        DrinkingSourceOptions { target: WaterClass::III, sample: SampleOptions::default() }
    }
}

/// One table 2 item against its single limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SupplementaryResult {
    /// The item.
    pub item: WaterItem,
    /// The value as given.
    pub value: WaterValue,
    /// Its limit ([`WaterItem::supplementary_limit`]).
    pub limit: Decimal,
    /// Whether it meets the limit (value ≤ limit; a non-detect meets it when
    /// its detection limit is ≤ the limit, `water-gb3838.md` §5.6); `None` if
    /// it cannot be judged.
    pub meets: Option<bool>,
}

/// The check of a centralised drinking-water source.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct DrinkingSourceCheck {
    /// Table 1 items by the single-factor method.
    pub table_1: SampleClass,
    /// Whether table 1 meets the target class; `None` without a class.
    pub table_1_meets: Option<bool>,
    /// Each table 2 item given, in input order.
    pub supplementary: Vec<SupplementaryResult>,
    /// Table 2 items absent from the input.
    pub missing_supplementary: Vec<WaterItem>,
    /// The overall verdict on the items given: `Some(false)` if any judged
    /// item fails, `Some(true)` if table 1 has a class and every judged item
    /// passes, `None` otherwise. Missing items are listed, not assumed.
    pub meets: Option<bool>,
}

/// Checks a centralised drinking-water source: table 1 against the target
/// class and table 2 items against their single limits (GB 3838-2002 §5.3
/// and table 2). The table 3 specific items chosen by the authority are not
/// covered.
pub fn check_drinking_source(
    values: &[(WaterItem, WaterValue)],
    body: WaterBody,
    options: &DrinkingSourceOptions,
) -> DrinkingSourceCheck {
    let table_1 = classify_sample(values, body, &options.sample);
    let table_1_meets = table_1.meets(options.target);
    let supplementary: Vec<SupplementaryResult> = values
        .iter()
        .filter_map(|&(item, value)| {
            let limit = item.supplementary_limit()?;
            let meets = match value {
                WaterValue::Measured(v) if v.is_negative() => None,
                WaterValue::Measured(v) => Some(v <= limit),
                WaterValue::NotDetected { detection_limit } => {
                    (detection_limit <= limit).then_some(true)
                }
            };
            Some(SupplementaryResult { item, value, limit, meets })
        })
        .collect();
    let missing_supplementary = WaterItem::TABLE_2
        .into_iter()
        .filter(|item| !values.iter().any(|(i, _)| i == item))
        .collect();
    let any_fail =
        table_1_meets == Some(false) || supplementary.iter().any(|s| s.meets == Some(false));
    let all_judged = table_1_meets.is_some() && supplementary.iter().all(|s| s.meets.is_some());
    let meets = if any_fail {
        Some(false)
    } else if all_judged {
        Some(true)
    } else {
        None
    };
    DrinkingSourceCheck { table_1, table_1_meets, supplementary, missing_supplementary, meets }
}
