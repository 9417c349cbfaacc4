//! The items of GB 3838-2002 tables 1 and 2, their names and limits.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Decimal, WaterBody, WaterClass};
use crate::{Error, Result};

/// A monitored item of GB 3838-2002 table 1 (basic items) or table 2
/// (supplementary items for centralised drinking-water sources).
///
/// Short names (project convention, `water-gb3838.md`) are what CSV, JSON and
/// the APIs use; [`WaterItem::parse`] also accepts the HJ 212-2017 parameter
/// codes (`w21003` …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WaterItem {
    /// Water temperature (水温), table 1 item 1.
    WaterTemperature,
    /// pH (pH 值), table 1 item 2.
    Ph,
    /// Dissolved oxygen (溶解氧), table 1 item 3.
    DissolvedOxygen,
    /// Permanganate index (高锰酸盐指数), table 1 item 4.
    PermanganateIndex,
    /// Chemical oxygen demand (化学需氧量), table 1 item 5.
    Cod,
    /// Five-day biochemical oxygen demand (五日生化需氧量), table 1 item 6.
    Bod5,
    /// Ammonia nitrogen (氨氮), table 1 item 7.
    AmmoniaNitrogen,
    /// Total phosphorus as P (总磷), table 1 item 8.
    TotalPhosphorus,
    /// Total nitrogen as N (总氮), table 1 item 9 (lakes and reservoirs).
    TotalNitrogen,
    /// Copper (铜), table 1 item 10.
    Copper,
    /// Zinc (锌), table 1 item 11.
    Zinc,
    /// Fluoride as F⁻ (氟化物), table 1 item 12.
    Fluoride,
    /// Selenium (硒), table 1 item 13.
    Selenium,
    /// Arsenic (砷), table 1 item 14.
    Arsenic,
    /// Mercury (汞), table 1 item 15.
    Mercury,
    /// Cadmium (镉), table 1 item 16.
    Cadmium,
    /// Chromium (VI) (铬（六价）), table 1 item 17.
    Chromium6,
    /// Lead (铅), table 1 item 18.
    Lead,
    /// Cyanide (氰化物), table 1 item 19.
    Cyanide,
    /// Volatile phenol (挥发酚), table 1 item 20.
    VolatilePhenol,
    /// Petroleum (石油类), table 1 item 21.
    Petroleum,
    /// Anionic surfactant (阴离子表面活性剂), table 1 item 22.
    AnionicSurfactant,
    /// Sulfide (硫化物), table 1 item 23.
    Sulfide,
    /// Fecal coliform (粪大肠菌群), count/L, table 1 item 24.
    FecalColiform,
    /// Sulfate as SO₄²⁻ (硫酸盐), table 2.
    Sulfate,
    /// Chloride as Cl⁻ (氯化物), table 2.
    Chloride,
    /// Nitrate as N (硝酸盐), table 2.
    Nitrate,
    /// Iron (铁), table 2.
    Iron,
    /// Manganese (锰), table 2.
    Manganese,
}

/// The unit of a water item's value (GB 3838-2002 table 1 heading and notes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaterUnit {
    /// mg/L.
    MgPerL,
    /// Dimensionless (pH).
    Dimensionless,
    /// Degrees Celsius (water temperature).
    Celsius,
    /// Count per litre (fecal coliform).
    CountPerL,
}

impl WaterUnit {
    /// The unit as written: `mg/L`, `无量纲`, `℃`, `个/L`.
    pub fn symbol(self) -> &'static str {
        match self {
            WaterUnit::MgPerL => "mg/L",
            WaterUnit::Dimensionless => "无量纲",
            WaterUnit::Celsius => "℃",
            WaterUnit::CountPerL => "个/L",
        }
    }
}

/// How a class limit of GB 3838-2002 table 1 bounds an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// Value ≤ limit meets the class (all items but pH, DO, water temperature).
    Maximum,
    /// Value ≥ limit meets the class (dissolved oxygen).
    Minimum,
    /// 6 ≤ pH ≤ 9 for every class.
    Range,
    /// No class limit on the value itself (water temperature, table 2 items).
    None,
}

struct ItemInfo {
    item: WaterItem,
    short: &'static str,
    hj212: &'static str,
    zh: &'static str,
    en: &'static str,
    unit: WaterUnit,
}

const fn info(
    item: WaterItem,
    short: &'static str,
    hj212: &'static str,
    zh: &'static str,
    en: &'static str,
    unit: WaterUnit,
) -> ItemInfo {
    ItemInfo { item, short, hj212, zh, en, unit }
}

use WaterItem as W;
use WaterUnit::{Celsius, CountPerL, Dimensionless, MgPerL};

const INFO: [ItemInfo; 29] = [
    info(W::WaterTemperature, "WT", "w01010", "水温", "water temperature", Celsius),
    info(W::Ph, "pH", "w01001", "pH值", "pH", Dimensionless),
    info(W::DissolvedOxygen, "DO", "w01009", "溶解氧", "dissolved oxygen", MgPerL),
    info(W::PermanganateIndex, "CODMn", "w01019", "高锰酸盐指数", "permanganate index", MgPerL),
    info(W::Cod, "COD", "w01018", "化学需氧量", "chemical oxygen demand", MgPerL),
    info(W::Bod5, "BOD5", "w01017", "五日生化需氧量", "five-day biochemical oxygen demand", MgPerL),
    info(W::AmmoniaNitrogen, "NH3-N", "w21003", "氨氮", "ammonia nitrogen", MgPerL),
    info(W::TotalPhosphorus, "TP", "w21011", "总磷", "total phosphorus", MgPerL),
    info(W::TotalNitrogen, "TN", "w21001", "总氮", "total nitrogen", MgPerL),
    info(W::Copper, "Cu", "w20122", "铜", "copper", MgPerL),
    info(W::Zinc, "Zn", "w20123", "锌", "zinc", MgPerL),
    info(W::Fluoride, "F", "w21017", "氟化物", "fluoride", MgPerL),
    info(W::Selenium, "Se", "w20128", "硒", "selenium", MgPerL),
    info(W::Arsenic, "As", "w20141", "砷", "arsenic", MgPerL),
    info(W::Mercury, "Hg", "w20111", "汞", "mercury", MgPerL),
    info(W::Cadmium, "Cd", "w20115", "镉", "cadmium", MgPerL),
    info(W::Chromium6, "Cr6", "w20117", "铬（六价）", "chromium (VI)", MgPerL),
    info(W::Lead, "Pb", "w20120", "铅", "lead", MgPerL),
    info(W::Cyanide, "CN", "w21016", "氰化物", "cyanide", MgPerL),
    info(W::VolatilePhenol, "Phenol", "w23002", "挥发酚", "volatile phenol", MgPerL),
    info(W::Petroleum, "Oil", "w22001", "石油类", "petroleum", MgPerL),
    info(W::AnionicSurfactant, "LAS", "w19002", "阴离子表面活性剂", "anionic surfactant", MgPerL),
    info(W::Sulfide, "S2-", "w21019", "硫化物", "sulfide", MgPerL),
    info(W::FecalColiform, "FC", "w02003", "粪大肠菌群", "fecal coliform", CountPerL),
    info(W::Sulfate, "SO4", "w21038", "硫酸盐", "sulfate", MgPerL),
    info(W::Chloride, "Cl", "w21022", "氯化物", "chloride", MgPerL),
    info(W::Nitrate, "NO3-N", "w21007", "硝酸盐", "nitrate", MgPerL),
    info(W::Iron, "Fe", "w20125", "铁", "iron", MgPerL),
    info(W::Manganese, "Mn", "w20124", "锰", "manganese", MgPerL),
];

/// Class limits I..V in millionths of the item's unit (GB 3838-2002 table 1).
fn class_limits_micros(item: WaterItem, body: WaterBody) -> Option<[i64; 5]> {
    const M: i64 = 1_000_000;
    let limits = match item {
        W::DissolvedOxygen => [7_500_000, 6 * M, 5 * M, 3 * M, 2 * M],
        W::PermanganateIndex => [2 * M, 4 * M, 6 * M, 10 * M, 15 * M],
        W::Cod => [15 * M, 15 * M, 20 * M, 30 * M, 40 * M],
        W::Bod5 => [3 * M, 3 * M, 4 * M, 6 * M, 10 * M],
        W::AmmoniaNitrogen => [150_000, 500_000, M, 1_500_000, 2 * M],
        W::TotalPhosphorus => match body {
            WaterBody::River => [20_000, 100_000, 200_000, 300_000, 400_000],
            WaterBody::LakeReservoir => [10_000, 25_000, 50_000, 100_000, 200_000],
        },
        W::TotalNitrogen => match body {
            WaterBody::River => return None,
            WaterBody::LakeReservoir => [200_000, 500_000, M, 1_500_000, 2 * M],
        },
        W::Copper => [10_000, M, M, M, M],
        W::Zinc => [50_000, M, M, 2 * M, 2 * M],
        W::Fluoride => [M, M, M, 1_500_000, 1_500_000],
        W::Selenium => [10_000, 10_000, 10_000, 20_000, 20_000],
        W::Arsenic => [50_000, 50_000, 50_000, 100_000, 100_000],
        W::Mercury => [50, 50, 100, 1_000, 1_000],
        W::Cadmium => [1_000, 5_000, 5_000, 5_000, 10_000],
        W::Chromium6 => [10_000, 50_000, 50_000, 50_000, 100_000],
        W::Lead => [10_000, 10_000, 50_000, 50_000, 100_000],
        W::Cyanide => [5_000, 50_000, 200_000, 200_000, 200_000],
        W::VolatilePhenol => [2_000, 2_000, 5_000, 10_000, 100_000],
        W::Petroleum => [50_000, 50_000, 50_000, 500_000, M],
        W::AnionicSurfactant => [200_000, 200_000, 200_000, 300_000, 300_000],
        W::Sulfide => [50_000, 100_000, 200_000, 500_000, M],
        W::FecalColiform => [200 * M, 2_000 * M, 10_000 * M, 20_000 * M, 40_000 * M],
        W::WaterTemperature
        | W::Ph
        | W::Sulfate
        | W::Chloride
        | W::Nitrate
        | W::Iron
        | W::Manganese => return None,
    };
    Some(limits)
}

impl WaterItem {
    /// All items: table 1 in table order, then table 2.
    pub const ALL: [WaterItem; 29] = [
        W::WaterTemperature,
        W::Ph,
        W::DissolvedOxygen,
        W::PermanganateIndex,
        W::Cod,
        W::Bod5,
        W::AmmoniaNitrogen,
        W::TotalPhosphorus,
        W::TotalNitrogen,
        W::Copper,
        W::Zinc,
        W::Fluoride,
        W::Selenium,
        W::Arsenic,
        W::Mercury,
        W::Cadmium,
        W::Chromium6,
        W::Lead,
        W::Cyanide,
        W::VolatilePhenol,
        W::Petroleum,
        W::AnionicSurfactant,
        W::Sulfide,
        W::FecalColiform,
        W::Sulfate,
        W::Chloride,
        W::Nitrate,
        W::Iron,
        W::Manganese,
    ];

    /// The 21 items the class is assessed on by the 2011 evaluation method
    /// (环办〔2011〕22号): table 1 without water temperature, total nitrogen
    /// and fecal coliform (`water-gb3838.md` §5.1).
    pub const METHOD_2011: [WaterItem; 21] = [
        W::Ph,
        W::DissolvedOxygen,
        W::PermanganateIndex,
        W::Cod,
        W::Bod5,
        W::AmmoniaNitrogen,
        W::TotalPhosphorus,
        W::Copper,
        W::Zinc,
        W::Fluoride,
        W::Selenium,
        W::Arsenic,
        W::Mercury,
        W::Cadmium,
        W::Chromium6,
        W::Lead,
        W::Cyanide,
        W::VolatilePhenol,
        W::Petroleum,
        W::AnionicSurfactant,
        W::Sulfide,
    ];

    /// The supplementary items of GB 3838-2002 table 2.
    pub const TABLE_2: [WaterItem; 5] =
        [W::Sulfate, W::Chloride, W::Nitrate, W::Iron, W::Manganese];

    fn info(self) -> &'static ItemInfo {
        // `INFO` is in the same order as the enum; the fallback is never taken.
        INFO.iter().find(|i| i.item == self).unwrap_or(&INFO[0])
    }

    /// The project's short name (`water-gb3838.md`, "Short item names"),
    /// e.g. `NH3-N`.
    pub fn short_name(self) -> &'static str {
        self.info().short
    }

    /// The HJ 212-2017 parameter code, e.g. `w21003`.
    pub fn hj212_code(self) -> &'static str {
        self.info().hj212
    }

    /// The Chinese name used by GB 3838-2002, e.g. 氨氮.
    pub fn zh_name(self) -> &'static str {
        self.info().zh
    }

    /// The English name, e.g. "ammonia nitrogen".
    pub fn en_name(self) -> &'static str {
        self.info().en
    }

    /// The unit of the item's value (GB 3838-2002 table 1 heading).
    pub fn unit(self) -> WaterUnit {
        self.info().unit
    }

    /// Parses a short name (exact spelling, or the same ignoring ASCII case)
    /// or an HJ 212-2017 parameter code (any case), after trimming spaces.
    pub fn parse(text: &str) -> Result<WaterItem> {
        let trimmed = text.trim();
        INFO.iter()
            .find(|i| i.short == trimmed)
            .or_else(|| INFO.iter().find(|i| i.short.eq_ignore_ascii_case(trimmed)))
            .or_else(|| INFO.iter().find(|i| i.hj212.eq_ignore_ascii_case(trimmed)))
            .map(|i| i.item)
            .ok_or_else(|| Error::UnknownWaterItem { input: text.to_owned() })
    }

    /// Whether the item is in GB 3838-2002 table 1 (basic items).
    pub fn is_table_1(self) -> bool {
        !WaterItem::TABLE_2.contains(&self)
    }

    /// How the class limits bound the item (GB 3838-2002 table 1: DO "≥",
    /// pH 6–9, the rest "≤").
    pub fn limit_kind(self) -> LimitKind {
        match self {
            W::Ph => LimitKind::Range,
            W::DissolvedOxygen => LimitKind::Minimum,
            W::WaterTemperature
            | W::Sulfate
            | W::Chloride
            | W::Nitrate
            | W::Iron
            | W::Manganese => LimitKind::None,
            _ => LimitKind::Maximum,
        }
    }

    /// The limit of `class` for this item in `body` (GB 3838-2002 table 1;
    /// TP differs for lakes and reservoirs; TN has limits for lakes and
    /// reservoirs only). `None` for pH (a 6–9 range for every class, see
    /// [`PH_RANGE`]), water temperature, table 2 items and 劣V.
    ///
    /// Dissolved oxygen class I is 7.5 mg/L (table 1 gives "90 % saturation
    /// (or 7.5)"; the saturation form is not implemented).
    pub fn class_limit(self, class: WaterClass, body: WaterBody) -> Option<Decimal> {
        let index = class.index();
        if index >= 5 {
            return None;
        }
        class_limits_micros(self, body).map(|limits| Decimal::from_micros(limits[index]))
    }

    /// The single limit of a GB 3838-2002 table 2 supplementary item
    /// (centralised drinking-water sources), e.g. sulfate 250 mg/L.
    /// Typed from the standard's scan; a second source is unverified
    /// (`water-gb3838.md` §3).
    pub fn supplementary_limit(self) -> Option<Decimal> {
        match self {
            W::Sulfate | W::Chloride => Some(Decimal::from_int(250)),
            W::Nitrate => Some(Decimal::from_int(10)),
            W::Iron => Some(Decimal::from_micros(300_000)),
            W::Manganese => Some(Decimal::from_micros(100_000)),
            _ => None,
        }
    }

    /// Whether the item's class is graded against limits at all in `body`:
    /// every table 1 item except water temperature, and TN in rivers.
    pub(crate) fn has_classes(self, body: WaterBody) -> bool {
        self == W::Ph || class_limits_micros(self, body).is_some()
    }
}

/// The pH range 6–9 of GB 3838-2002 table 1, the same for every class.
pub const PH_RANGE: (Decimal, Decimal) = (Decimal::from_int(6), Decimal::from_int(9));

impl fmt::Display for WaterItem {
    /// The short name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

impl Serialize for WaterItem {
    /// As the short name, e.g. `NH3-N`; read back with [`WaterItem::parse`].
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.short_name())
    }
}

impl<'de> Deserialize<'de> for WaterItem {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<WaterItem, D::Error> {
        let text = String::deserialize(deserializer)?;
        WaterItem::parse(&text).map_err(serde::de::Error::custom)
    }
}
