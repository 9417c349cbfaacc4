//! Surface-water quality: GB 3838-2002 (地表水环境质量标准) and the national
//! evaluation method 《地表水环境质量评价办法（试行）》 (环办〔2011〕22号).
//!
//! - [`classify_item`]: the class of one value (GB 3838-2002 table 1).
//! - [`classify_sample`]: the class of a sample by the single-factor method,
//!   with over-standard multiples against class III and main pollutants
//!   (GB 3838-2002 §5.1; 2011 method).
//! - [`classify_period`]: a section's class over a period from the period
//!   means of its items.
//! - [`evaluate_river`]: a river's or basin's grade by the share of its
//!   sections in each class.
//! - [`check_drinking_source`]: a centralised drinking-water source against
//!   table 1 and the table 2 supplementary items.
//!
//! All comparisons are exact on [`Decimal`]; a value exactly at a class limit
//! meets that class.
//!
//! ```
//! use standards::water::{classify_sample, Decimal, SampleOptions, WaterBody, WaterClass, WaterItem, WaterValue};
//!
//! let d = |s: &str| WaterValue::Measured(Decimal::parse(s).unwrap());
//! let sample = [(WaterItem::TotalPhosphorus, d("0.2")), (WaterItem::Cod, d("21"))];
//! let result = classify_sample(&sample, WaterBody::River, &SampleOptions::default());
//! assert_eq!(result.class, Some(WaterClass::IV));
//! assert_eq!(result.deciding_items, vec![WaterItem::Cod]);
//! ```

mod decimal;
mod drinking;
mod item;
mod period;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use decimal::Decimal;
pub use drinking::{
    DrinkingSourceCheck, DrinkingSourceOptions, SupplementaryResult, check_drinking_source,
};
pub use item::{LimitKind, PH_RANGE, WaterItem, WaterUnit};
pub use period::{
    NonDetectInMean, PeriodClass, PeriodMean, PeriodOptions, RiverEvaluation, RiverGrade,
    RiverOptions, RiverPollutant, ShareGap, classify_period, evaluate_river,
    evaluate_river_by_means, period_means, river_main_pollutants,
};

use crate::{Error, Result};

/// The type of water body, which selects the TP limits and whether TN has
/// limits (GB 3838-2002 table 1, items 8 and 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaterBody {
    /// A river (河流).
    River,
    /// A lake or reservoir (湖、库).
    LakeReservoir,
}

/// A water quality class (GB 3838-2002 §3), ordered from best to worst, so
/// `a > b` means `a` is worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WaterClass {
    /// Class I (Ⅰ类).
    I,
    /// Class II (Ⅱ类).
    II,
    /// Class III (Ⅲ类).
    III,
    /// Class IV (Ⅳ类).
    IV,
    /// Class V (Ⅴ类).
    V,
    /// Worse than class V (劣Ⅴ类), 2011 method.
    WorseThanV,
}

impl WaterClass {
    /// All classes from best to worst.
    pub const ALL: [WaterClass; 6] = [
        WaterClass::I,
        WaterClass::II,
        WaterClass::III,
        WaterClass::IV,
        WaterClass::V,
        WaterClass::WorseThanV,
    ];

    /// 0 for I … 5 for 劣V.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The ASCII label `I`, `II`, `III`, `IV`, `V`, or `劣V` (same as `Display`).
    pub fn label(self) -> &'static str {
        match self {
            WaterClass::I => "I",
            WaterClass::II => "II",
            WaterClass::III => "III",
            WaterClass::IV => "IV",
            WaterClass::V => "V",
            WaterClass::WorseThanV => "劣V",
        }
    }

    /// The label with Unicode Roman numerals, as printed in reports: `Ⅰ` … `Ⅴ`, `劣Ⅴ`.
    pub fn roman(self) -> &'static str {
        match self {
            WaterClass::I => "Ⅰ",
            WaterClass::II => "Ⅱ",
            WaterClass::III => "Ⅲ",
            WaterClass::IV => "Ⅳ",
            WaterClass::V => "Ⅴ",
            WaterClass::WorseThanV => "劣Ⅴ",
        }
    }

    /// The Chinese label `Ⅰ类` … `劣Ⅴ类`.
    pub fn zh_label(self) -> &'static str {
        match self {
            WaterClass::I => "Ⅰ类",
            WaterClass::II => "Ⅱ类",
            WaterClass::III => "Ⅲ类",
            WaterClass::IV => "Ⅳ类",
            WaterClass::V => "Ⅴ类",
            WaterClass::WorseThanV => "劣Ⅴ类",
        }
    }

    /// Parses `I`…`V`, `劣V` (also Unicode Roman numerals `Ⅰ`…`Ⅴ`, `劣Ⅴ`,
    /// an optional trailing `类`, and `1`…`5`, `6` for 劣V).
    pub fn parse(text: &str) -> Result<WaterClass> {
        let trimmed = text.trim();
        let bare = trimmed.strip_suffix('类').unwrap_or(trimmed);
        WaterClass::ALL
            .into_iter()
            .find(|c| {
                c.label().eq_ignore_ascii_case(bare)
                    || c.roman() == bare
                    || (c.index() + 1).to_string() == bare
            })
            .ok_or_else(|| Error::UnknownWaterClass { input: text.to_owned() })
    }

    /// The descriptive status of a section of this class (2011 method; the
    /// per-class mapping is **unverified**, `water-gb3838.md` §5.2):
    /// I–II 优, III 良好, IV 轻度污染, V 中度污染, 劣V 重度污染.
    pub fn status(self) -> WaterStatus {
        match self {
            WaterClass::I | WaterClass::II => WaterStatus::Excellent,
            WaterClass::III => WaterStatus::Good,
            WaterClass::IV => WaterStatus::LightlyPolluted,
            WaterClass::V => WaterStatus::ModeratelyPolluted,
            WaterClass::WorseThanV => WaterStatus::HeavilyPolluted,
        }
    }

    /// Whether this class attains the target class, that is, is the same or
    /// better (GB 3838-2002 §5.1: evaluate against the class the water
    /// function requires).
    pub fn meets(self, target: WaterClass) -> bool {
        self <= target
    }
}

impl fmt::Display for WaterClass {
    /// `I` … `V`, `劣V`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Target attainment: whether `class` is the same as or better than
/// `target` (GB 3838-2002 §5.1).
pub fn meets_target(class: WaterClass, target: WaterClass) -> bool {
    class.meets(target)
}

/// The qualitative status of a section, river or basin (2011 method,
/// `water-gb3838.md` §5.2 and §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaterStatus {
    /// 优 (blue).
    Excellent,
    /// 良好 (green).
    Good,
    /// 轻度污染 (yellow).
    LightlyPolluted,
    /// 中度污染 (orange).
    ModeratelyPolluted,
    /// 重度污染 (red).
    HeavilyPolluted,
}

impl WaterStatus {
    /// The method's word: 优, 良好, 轻度污染, 中度污染, 重度污染.
    pub fn zh(self) -> &'static str {
        match self {
            WaterStatus::Excellent => "优",
            WaterStatus::Good => "良好",
            WaterStatus::LightlyPolluted => "轻度污染",
            WaterStatus::ModeratelyPolluted => "中度污染",
            WaterStatus::HeavilyPolluted => "重度污染",
        }
    }

    /// The colour name of the status (2011 method as remembered,
    /// **unverified**): blue, green, yellow, orange, red.
    pub fn colour(self) -> &'static str {
        match self {
            WaterStatus::Excellent => "blue",
            WaterStatus::Good => "green",
            WaterStatus::LightlyPolluted => "yellow",
            WaterStatus::ModeratelyPolluted => "orange",
            WaterStatus::HeavilyPolluted => "red",
        }
    }
}

impl fmt::Display for WaterStatus {
    /// The Chinese word.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zh())
    }
}

/// One analytical result of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaterValue {
    /// A measured value in the item's unit.
    Measured(Decimal),
    /// Below the detection limit (未检出, "ND"), with that limit.
    NotDetected {
        /// The method's detection limit in the item's unit.
        detection_limit: Decimal,
    },
}

impl WaterValue {
    /// A measured value from an `f64`, rounded to 6 places
    /// ([`Decimal::from_f64`]); `None` for NaN or infinity.
    pub fn from_f64(value: f64) -> Option<WaterValue> {
        Decimal::from_f64(value).map(WaterValue::Measured)
    }
}

impl From<Decimal> for WaterValue {
    fn from(value: Decimal) -> WaterValue {
        WaterValue::Measured(value)
    }
}

/// The class of one measured value of `item` in `body` (GB 3838-2002
/// table 1; the 2011 method's 劣V above V).
///
/// - Maximum items: the best class whose limit is ≥ the value (a value at a
///   limit meets it; where classes share a limit, the better class); above
///   the V limit, 劣V.
/// - Dissolved oxygen: the best class whose limit is ≤ the value (I at
///   7.5 mg/L); below 2 mg/L, 劣V.
/// - pH: 6 ≤ pH ≤ 9 is class I (pH has no gradation), outside is 劣V.
///
/// `None` when table 1 gives the item no classes (water temperature, TN in
/// rivers, table 2 items) or for a negative value, which cannot be a result.
pub fn classify_item(item: WaterItem, value: Decimal, body: WaterBody) -> Option<WaterClass> {
    classify_value(item, WaterValue::Measured(value), body)
}

/// The class of one result, which may be below the detection limit
/// (GB 3838-2002 table 1; `water-gb3838.md` §5.6).
///
/// A non-detect meets every class whose limit is at or above its detection
/// limit, so its class is the best such class; if the detection limit is
/// above the class V limit the result cannot be judged (`None`). For DO, a
/// non-detect means DO below the detection limit: 劣V when that limit is at
/// or below 2 mg/L, otherwise `None`. A pH non-detect is `None`.
pub fn classify_value(item: WaterItem, value: WaterValue, body: WaterBody) -> Option<WaterClass> {
    let limit = |class: WaterClass| item.class_limit(class, body);
    let graded = &WaterClass::ALL[..5];
    match (item.limit_kind(), value) {
        (_, WaterValue::Measured(v)) if v.is_negative() => None,
        (_, WaterValue::NotDetected { detection_limit }) if detection_limit.is_negative() => None,
        (LimitKind::Range, WaterValue::Measured(v)) => {
            Some(if v >= PH_RANGE.0 && v <= PH_RANGE.1 {
                WaterClass::I
            } else {
                WaterClass::WorseThanV
            })
        }
        (LimitKind::Range, WaterValue::NotDetected { .. }) => None,
        (LimitKind::Maximum, WaterValue::Measured(v)) => {
            limit(WaterClass::V)?;
            Some(
                graded
                    .iter()
                    .copied()
                    .find(|c| limit(*c).is_some_and(|l| v <= l))
                    .unwrap_or(WaterClass::WorseThanV),
            )
        }
        (LimitKind::Maximum, WaterValue::NotDetected { detection_limit }) => {
            graded.iter().copied().find(|c| limit(*c).is_some_and(|l| detection_limit <= l))
        }
        (LimitKind::Minimum, WaterValue::Measured(v)) => Some(
            graded
                .iter()
                .copied()
                .find(|c| limit(*c).is_some_and(|l| v >= l))
                .unwrap_or(WaterClass::WorseThanV),
        ),
        (LimitKind::Minimum, WaterValue::NotDetected { detection_limit }) => {
            let v_limit = limit(WaterClass::V)?;
            (detection_limit <= v_limit).then_some(WaterClass::WorseThanV)
        }
        (LimitKind::None, _) => None,
    }
}

/// The over-standard multiple (超标倍数) of a value against the class III
/// limit: (C − S_III) / S_III, rounded half away from zero to 6 places
/// (2011 method, `water-gb3838.md` §5.3).
///
/// `Some` only when the value exceeds the class III limit. `None` for water
/// temperature, pH and DO (no multiple by the method), for items without a
/// class III limit in `body`, and for non-detects (a non-detect never
/// exceeds a limit at or above its detection limit, and cannot be judged
/// otherwise).
pub fn multiple_vs_iii(item: WaterItem, value: WaterValue, body: WaterBody) -> Option<Decimal> {
    if item.limit_kind() != LimitKind::Maximum {
        return None;
    }
    let WaterValue::Measured(v) = value else { return None };
    let limit = item.class_limit(WaterClass::III, body)?;
    if v <= limit {
        return None;
    }
    Decimal::from_ratio(
        i128::from(v.micros()) - i128::from(limit.micros()),
        i128::from(limit.micros()),
    )
}

/// Which items decide a sample's class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessedItems {
    /// The 21 items of the 2011 method: table 1 without water temperature,
    /// TN and fecal coliform, for rivers and lakes alike (`water-gb3838.md`
    /// §5.1). TN and fecal coliform are still classified, as reference
    /// items. Default.
    #[default]
    Method2011,
    /// Every table 1 item that has classes in the water body (GB 3838-2002
    /// §5.1 read alone): adds fecal coliform, and TN for lakes and
    /// reservoirs.
    AllTable1,
}

impl AssessedItems {
    /// Whether `item` decides the class in `body` under this rule.
    pub fn includes(self, item: WaterItem, body: WaterBody) -> bool {
        match self {
            AssessedItems::Method2011 => WaterItem::METHOD_2011.contains(&item),
            AssessedItems::AllTable1 => item.is_table_1() && item.has_classes(body),
        }
    }
}

/// Where items without an over-standard multiple (DO, pH) rank among
/// main-pollutant candidates of the same class. The 2011 method leaves this
/// open (`water-gb3838.md` §5.3), so it is an option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmultipliedRank {
    /// After the same-class items that have a multiple (the multiple is the
    /// stated tie-break key; an item without it sorts last). Default.
    #[default]
    AfterMultiplied,
    /// Before the same-class items that have a multiple.
    BeforeMultiplied,
}

/// How the priority items (cyanide, lead, chromium and other heavy metals)
/// rank when they exceed class III (2011 method as remembered,
/// **unverified**, `water-gb3838.md` §5.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityRule {
    /// Exceeding priority items come before all other candidates, whatever
    /// their class; among themselves they follow the usual order. Default.
    #[default]
    Ahead,
    /// No priority: class, then multiple, only.
    Off,
}

/// Options for choosing a section's main pollutants (主要污染指标), 2011
/// method (**unverified**, `water-gb3838.md` §5.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MainPollutantOptions {
    /// How many to report. Default 3.
    pub max_count: usize,
    /// Priority of heavy metals and cyanide. Default [`PriorityRule::Ahead`].
    pub priority: PriorityRule,
    /// The items that count as "cyanide, lead, chromium and other heavy
    /// metals". Default: cyanide, mercury, cadmium, chromium (VI), lead,
    /// arsenic (the text names cyanide, lead and chromium; mercury, cadmium
    /// and arsenic are our reading of "other heavy metals").
    pub priority_items: Vec<WaterItem>,
    /// Rank of DO and pH within a class. Default
    /// [`UnmultipliedRank::AfterMultiplied`].
    pub unmultiplied: UnmultipliedRank,
}

impl Default for MainPollutantOptions {
    fn default() -> Self {
        MainPollutantOptions {
            max_count: 3,
            priority: PriorityRule::Ahead,
            priority_items: vec![
                WaterItem::Cyanide,
                WaterItem::Mercury,
                WaterItem::Cadmium,
                WaterItem::Chromium6,
                WaterItem::Lead,
                WaterItem::Arsenic,
            ],
            unmultiplied: UnmultipliedRank::AfterMultiplied,
        }
    }
}

/// Options for [`classify_sample`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SampleOptions {
    /// Which items decide the class. Default [`AssessedItems::Method2011`].
    pub items: AssessedItems,
    /// How main pollutants are chosen.
    pub main_pollutants: MainPollutantOptions,
}

/// The judgment of one item of a sample.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ItemResult {
    /// The item.
    pub item: WaterItem,
    /// Its value as given.
    pub value: WaterValue,
    /// Its class ([`classify_value`]); `None` if it has no classes or cannot
    /// be judged.
    pub class: Option<WaterClass>,
    /// Whether it takes part in the sample's class ([`AssessedItems`]).
    pub assessed: bool,
    /// Over-standard multiple against class III ([`multiple_vs_iii`]).
    pub multiple_vs_iii: Option<Decimal>,
}

/// A main pollutant of a section (2011 method).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct MainPollutant {
    /// The item.
    pub item: WaterItem,
    /// Its class.
    pub class: WaterClass,
    /// Its over-standard multiple against class III (`None` for DO and pH).
    pub multiple_vs_iii: Option<Decimal>,
}

impl MainPollutant {
    /// The method's written form, e.g. `高锰酸盐指数(1.2)`; the multiple
    /// rounded half away from zero to `decimals` places (at most 6); DO and
    /// pH without a multiple are written by name alone.
    pub fn zh_label(&self, decimals: u32) -> String {
        match self.multiple_vs_iii {
            Some(m) => format!("{}({})", self.item.zh_name(), round_to(m, decimals)),
            None => self.item.zh_name().to_owned(),
        }
    }
}

/// `value` rounded half away from zero to `decimals` places, as text with
/// exactly that many places.
fn round_to(value: Decimal, decimals: u32) -> String {
    let decimals = decimals.min(6);
    let step = 10_i128.pow(6 - decimals);
    let micros = i128::from(value.micros());
    let units = (micros.abs() + step / 2) / step * micros.signum();
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let denominator = 10_u128.pow(decimals);
    if decimals == 0 {
        format!("{sign}{abs}")
    } else {
        format!(
            "{sign}{}.{:0width$}",
            abs / denominator,
            abs % denominator,
            width = decimals as usize
        )
    }
}

/// The class of a sample by the single-factor method, and what set it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SampleClass {
    /// The worst class among the assessed items that could be judged; `None`
    /// if none could.
    pub class: Option<WaterClass>,
    /// The assessed items whose class equals [`SampleClass::class`], in input
    /// order.
    pub deciding_items: Vec<WaterItem>,
    /// Every given item in input order, assessed or not.
    pub items: Vec<ItemResult>,
    /// Main pollutants, only when the class is worse than III.
    pub main_pollutants: Vec<MainPollutant>,
    /// Assessed items (of the 21 of the 2011 method, or of table 1) absent
    /// from the sample. Missing data is reported, never treated as zero.
    pub missing_items: Vec<WaterItem>,
    /// Assessed items present but not judgeable (non-detect above the
    /// class V limit, negative value).
    pub unjudged_items: Vec<WaterItem>,
}

impl SampleClass {
    /// Whether the sample's class attains `target`; `None` without a class.
    pub fn meets(&self, target: WaterClass) -> Option<bool> {
        self.class.map(|c| c.meets(target))
    }
}

/// Classifies a sample by the single-factor method: the sample's class is
/// the worst class of its assessed items; above V it is 劣V (GB 3838-2002
/// §5.1; 2011 method, `water-gb3838.md` §5.1–5.3).
///
/// Also gives each item's class and over-standard multiple against class
/// III, and, when the class is worse than III, the main pollutants
/// ([`MainPollutantOptions`]). If an item occurs twice, both results are
/// judged and the worse one counts. Absent assessed items are listed in
/// [`SampleClass::missing_items`]; the class is then that of the items
/// present.
pub fn classify_sample(
    values: &[(WaterItem, WaterValue)],
    body: WaterBody,
    options: &SampleOptions,
) -> SampleClass {
    let items: Vec<ItemResult> = values
        .iter()
        .map(|&(item, value)| ItemResult {
            item,
            value,
            class: classify_value(item, value, body),
            assessed: options.items.includes(item, body),
            multiple_vs_iii: multiple_vs_iii(item, value, body),
        })
        .collect();
    let class = items.iter().filter(|r| r.assessed).filter_map(|r| r.class).max();
    let deciding_items = match class {
        Some(worst) => {
            items.iter().filter(|r| r.assessed && r.class == Some(worst)).map(|r| r.item).collect()
        }
        None => Vec::new(),
    };
    let assessed_set: Vec<WaterItem> =
        WaterItem::ALL.into_iter().filter(|item| options.items.includes(*item, body)).collect();
    let missing_items =
        assessed_set.into_iter().filter(|item| !values.iter().any(|(i, _)| i == item)).collect();
    let mut unjudged_items: Vec<WaterItem> =
        items.iter().filter(|r| r.assessed && r.class.is_none()).map(|r| r.item).collect();
    unjudged_items.dedup();
    let main_pollutants = match class {
        Some(c) if c > WaterClass::III => main_pollutants(&items, &options.main_pollutants),
        _ => Vec::new(),
    };
    SampleClass { class, deciding_items, items, main_pollutants, missing_items, unjudged_items }
}

/// Main pollutants of a section worse than class III (2011 method as
/// remembered, **unverified**, `water-gb3838.md` §5.3): the assessed items
/// worse than class III, ordered by the priority rule, then worst class
/// first, then larger multiple first (DO and pH placed per
/// [`UnmultipliedRank`]), then table 1 order; each item once; the first
/// `max_count`.
fn main_pollutants(items: &[ItemResult], options: &MainPollutantOptions) -> Vec<MainPollutant> {
    let mut candidates: Vec<MainPollutant> = Vec::new();
    for r in items.iter().filter(|r| r.assessed) {
        let Some(class) = r.class.filter(|c| *c > WaterClass::III) else { continue };
        let candidate = MainPollutant { item: r.item, class, multiple_vs_iii: r.multiple_vs_iii };
        match candidates.iter_mut().find(|c| c.item == r.item) {
            Some(existing) => {
                if (candidate.class, candidate.multiple_vs_iii)
                    > (existing.class, existing.multiple_vs_iii)
                {
                    *existing = candidate;
                }
            }
            None => candidates.push(candidate),
        }
    }
    let priority = |c: &MainPollutant| {
        options.priority == PriorityRule::Ahead && options.priority_items.contains(&c.item)
    };
    // Sort key, smaller first: priority, worse class, multiple, table order.
    candidates.sort_by(|a, b| {
        priority(b)
            .cmp(&priority(a))
            .then(b.class.cmp(&a.class))
            .then_with(|| match (a.multiple_vs_iii, b.multiple_vs_iii) {
                (Some(x), Some(y)) => y.cmp(&x),
                (None, None) => std::cmp::Ordering::Equal,
                (Some(_), None) => match options.unmultiplied {
                    UnmultipliedRank::AfterMultiplied => std::cmp::Ordering::Less,
                    UnmultipliedRank::BeforeMultiplied => std::cmp::Ordering::Greater,
                },
                (None, Some(_)) => match options.unmultiplied {
                    UnmultipliedRank::AfterMultiplied => std::cmp::Ordering::Greater,
                    UnmultipliedRank::BeforeMultiplied => std::cmp::Ordering::Less,
                },
            })
            .then(a.item.cmp(&b.item))
    });
    candidates.truncate(options.max_count);
    candidates
}

impl Serialize for WaterClass {
    /// As the label `I` … `V`, `劣V`; read back with [`WaterClass::parse`].
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

impl<'de> Deserialize<'de> for WaterClass {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<WaterClass, D::Error> {
        let text = String::deserialize(deserializer)?;
        WaterClass::parse(&text).map_err(serde::de::Error::custom)
    }
}
