//! Parameter codes: the registry of 2017 codes in common use, and the mapping
//! from HJ/T 212-2005 codes.
//!
//! Sources: HJ 212-2017 tables B.1 (water), B.2 (air) and B.3 (noise), whose
//! "原编码" (original code) column gives the 2005 code; HJ 524-2009 / HJ 525-2009
//! for ambient-air and surface-water station items (fact sheet §11).

/// What a parameter measures, by monitoring domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// Flue gas at an air pollution source (CEMS).
    AirSource,
    /// Wastewater at a water pollution source.
    WaterSource,
    /// Ambient air quality station.
    AmbientAir,
    /// Surface-water quality station.
    SurfaceWater,
    /// Noise.
    Noise,
    /// Process (工况) monitoring.
    Process,
    /// Treatment facility run state.
    Facility,
    /// Field information (instrument and DAS states, logs).
    Info,
}

impl ParamKind {
    /// A fixed snake_case label.
    pub fn label(self) -> &'static str {
        match self {
            ParamKind::AirSource => "air_source",
            ParamKind::WaterSource => "water_source",
            ParamKind::AmbientAir => "ambient_air",
            ParamKind::SurfaceWater => "surface_water",
            ParamKind::Noise => "noise",
            ParamKind::Process => "process",
            ParamKind::Facility => "facility",
            ParamKind::Info => "info",
        }
    }
}

/// One parameter of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamInfo {
    /// The 2017 code.
    pub code: &'static str,
    /// Chinese name.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Default unit of concentration or quantity (`""` when dimensionless).
    pub unit: &'static str,
    /// Domain.
    pub kind: ParamKind,
}

const fn p(
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    unit: &'static str,
    kind: ParamKind,
) -> ParamInfo {
    ParamInfo { code, name_zh, name_en, unit, kind }
}

use ParamKind::{
    AirSource as AS, AmbientAir as AA, Info as IN, Noise as NO, SurfaceWater as SW,
    WaterSource as WS,
};

/// The registry. A code measured both at sources and at quality stations
/// (SO₂, NO₂, CO, temperature, pH…) has a source row first and a station row
/// after it, because the units differ (SO₂: mg/m³ at a stack, µg/m³ in ambient
/// air); [`lookup_for_system`] picks by `ST`.
///
/// Table B.2 prints ng/m³ for PM2.5/PM10; stations report µg/m³, which is what
/// we record.
///
/// Process codes (`e1xxxx`…, `g1xxxx`…) and facility codes (`SBxxx`) are
/// numbered per site; they are not listed here, and [`ParamKind::Process`] /
/// [`ParamKind::Facility`] classify them by prefix in [`kind_of`].
pub static PARAMS: &[ParamInfo] = &[
    // Air pollution source (table B.2).
    p("a00000", "废气", "flue-gas flow", "m³/s", AS),
    p("a01011", "烟气流速", "flue-gas velocity", "m/s", AS),
    p("a01012", "烟气温度", "flue-gas temperature", "℃", AS),
    p("a01013", "烟气压力", "flue-gas pressure", "kPa", AS),
    p("a01014", "烟气湿度", "flue-gas humidity", "%", AS),
    p("a01015", "制冷温度", "cooling temperature", "℃", AS),
    p("a01016", "烟道截面积", "duct cross-section area", "m²", AS),
    p("a01017", "烟气动压", "flue-gas dynamic pressure", "kPa", AS),
    p("a19001", "氧气含量", "oxygen", "%", AS),
    p("a34013", "烟尘", "smoke dust", "mg/m³", AS),
    p("a21026", "二氧化硫", "sulfur dioxide", "mg/m³", AS),
    p("a21002", "氮氧化物", "nitrogen oxides", "mg/m³", AS),
    p("a21003", "一氧化氮", "nitric oxide", "mg/m³", AS),
    p("a21004", "二氧化氮", "nitrogen dioxide", "mg/m³", AS),
    p("a21005", "一氧化碳", "carbon monoxide", "mg/m³", AS),
    p("a21028", "硫化氢", "hydrogen sulfide", "mg/m³", AS),
    p("a21018", "氟化物", "fluoride", "mg/m³", AS),
    p("a21024", "氯化氢", "hydrogen chloride", "mg/m³", AS),
    p("a21001", "氨", "ammonia", "mg/m³", AS),
    p("a24087", "碳氢化合物", "hydrocarbons", "mg/m³", AS),
    p("a24088", "非甲烷总烃", "non-methane hydrocarbons", "mg/m³", AS),
    p("a25002", "苯", "benzene", "mg/m³", AS),
    p("a25003", "甲苯", "toluene", "mg/m³", AS),
    p("a25005", "二甲苯", "xylene", "mg/m³", AS),
    p("a05001", "二氧化碳", "carbon dioxide", "%", AS),
    p("a01901", "垃圾焚烧炉膛内焦点温度", "incinerator furnace focal temperature", "℃", AS),
    p("a01902", "垃圾焚烧炉膛上部温度", "incinerator furnace upper temperature", "℃", AS),
    // Ambient air quality (HJ 524-2009 codes as devices send them).
    p("a34004", "细颗粒物", "PM2.5", "µg/m³", AA),
    p("a34002", "可吸入颗粒物", "PM10", "µg/m³", AA),
    p("a34001", "总悬浮颗粒物", "TSP", "µg/m³", AA),
    p("a34005", "PM1.0", "PM1.0", "µg/m³", AA),
    p("a21026", "二氧化硫", "sulfur dioxide", "µg/m³", AA),
    p("a21004", "二氧化氮", "nitrogen dioxide", "µg/m³", AA),
    p("a21005", "一氧化碳", "carbon monoxide", "mg/m³", AA),
    p("a05024", "臭氧", "ozone", "µg/m³", AA),
    p("a01001", "温度", "air temperature", "℃", AA),
    p("a01002", "湿度", "relative humidity", "%", AA),
    p("a01006", "气压", "air pressure", "kPa", AA),
    p("a01007", "风速", "wind speed", "m/s", AA),
    p("a01008", "风向", "wind direction", "°", AA),
    // Water pollution source (table B.1).
    p("w00000", "污水", "wastewater flow", "L/s", WS),
    p("w01001", "pH值", "pH", "", WS),
    p("w01018", "化学需氧量", "COD", "mg/L", WS),
    p("w21003", "氨氮", "ammonia nitrogen", "mg/L", WS),
    p("w21011", "总磷", "total phosphorus", "mg/L", WS),
    p("w21001", "总氮", "total nitrogen", "mg/L", WS),
    p("w01012", "悬浮物", "suspended solids", "mg/L", WS),
    p("w01017", "五日生化需氧量", "BOD5", "mg/L", WS),
    p("w01020", "总有机碳", "total organic carbon", "mg/L", WS),
    p("w22001", "石油类", "petroleum oil", "mg/L", WS),
    p("w23002", "挥发酚", "volatile phenol", "mg/L", WS),
    p("w21016", "氰化物", "cyanide", "mg/L", WS),
    p("w20111", "总汞", "mercury", "mg/L", WS),
    p("w20115", "总镉", "cadmium", "mg/L", WS),
    p("w20116", "总铬", "total chromium", "mg/L", WS),
    p("w20117", "六价铬", "hexavalent chromium", "mg/L", WS),
    p("w20119", "总砷", "arsenic", "mg/L", WS),
    p("w20120", "总铅", "lead", "mg/L", WS),
    p("w20121", "总镍", "nickel", "mg/L", WS),
    p("w20122", "总铜", "copper", "mg/L", WS),
    p("w20123", "总锌", "zinc", "mg/L", WS),
    // Surface-water quality station items.
    p("w01001", "pH值", "pH", "", SW),
    p("w01009", "溶解氧", "dissolved oxygen", "mg/L", SW),
    p("w01019", "高锰酸盐指数", "permanganate index (CODMn)", "mg/L", SW),
    p("w21003", "氨氮", "ammonia nitrogen", "mg/L", SW),
    p("w21011", "总磷", "total phosphorus", "mg/L", SW),
    p("w21001", "总氮", "total nitrogen", "mg/L", SW),
    p("w01014", "电导率", "conductivity", "µS/cm", SW),
    p("w01003", "浊度", "turbidity", "NTU", SW),
    p("w01010", "水温", "water temperature", "℃", SW),
    // Noise (table B.3).
    p("LA", "A权声级", "A-weighted sound level", "dB(A)", NO),
    p("L5", "累积百分声级L5", "percentile level L5", "dB(A)", NO),
    p("L10", "累积百分声级L10", "percentile level L10", "dB(A)", NO),
    p("L50", "累积百分声级L50", "percentile level L50", "dB(A)", NO),
    p("L90", "累积百分声级L90", "percentile level L90", "dB(A)", NO),
    p("L95", "累积百分声级L95", "percentile level L95", "dB(A)", NO),
    p("Leq", "等效声级", "equivalent continuous level", "dB(A)", NO),
    p("Ldn", "昼夜等效声级", "day-night level", "dB(A)", NO),
    p("Ld", "昼间等效声级", "daytime level", "dB(A)", NO),
    p("Ln", "夜间等效声级", "night-time level", "dB(A)", NO),
    p("LMx", "最大瞬时声级", "maximum level", "dB(A)", NO),
    p("LMn", "最小瞬时声级", "minimum level", "dB(A)", NO),
    // Field information examples (i1xxxx instrument, i2xxxx DAS, i3xxxx parameters).
    p("i12001", "工作状态", "instrument working state", "", IN),
    p("i22001", "数采仪运行状态", "DAS running state", "", IN),
    p("i33001", "CEMS伴热管温度", "CEMS heat-trace temperature", "℃", IN),
];

/// The domain of a code: from the registry, else by prefix (`e`/`g` process,
/// `SB` facility, `i` field information, `w` water source, `a` air source).
pub fn kind_of(code: &str) -> Option<ParamKind> {
    if let Some(info) = lookup(code) {
        return Some(info.kind);
    }
    match code.as_bytes() {
        [b'S', b'B', ..] => Some(ParamKind::Facility),
        [b'e' | b'g', ..] => Some(ParamKind::Process),
        [b'i', ..] => Some(ParamKind::Info),
        [b'w', ..] => Some(ParamKind::WaterSource),
        [b'a', ..] => Some(ParamKind::AirSource),
        _ => None,
    }
}

/// The first registry row for `code` (the source row when a code has two).
pub fn lookup(code: &str) -> Option<&'static ParamInfo> {
    PARAMS.iter().find(|info| info.code == code)
}

/// Whether `st` is an environment-quality system (ST 21–27): ambient air,
/// surface water, noise, groundwater, soil, seawater, VOC stations.
fn is_quality_system(st: &str) -> bool {
    matches!(st, "21" | "22" | "23" | "24" | "25" | "26" | "27")
}

/// The registry row for `code` as measured under system `st`: a station row
/// for environment-quality systems (ST 21–27), else the source row.
pub fn lookup_for_system(code: &str, st: &str) -> Option<&'static ParamInfo> {
    let station = is_quality_system(st);
    PARAMS
        .iter()
        .find(|info| {
            info.code == code
                && matches!(info.kind, ParamKind::AmbientAir | ParamKind::SurfaceWater) == station
        })
        .or_else(|| lookup(code))
}

/// HJ/T 212-2005 air codes and their 2017 codes (table B.2 "原编码" column).
pub static AIR_2005: &[(&str, &str)] = &[
    ("B02", "a00000"),
    ("S01", "a19001"),
    ("S02", "a01011"),
    ("S03", "a01012"),
    ("S04", "a01017"),
    ("S05", "a01014"),
    ("S06", "a01015"),
    ("S07", "a01016"),
    ("S08", "a01013"),
    ("01", "a34013"),
    ("02", "a21026"),
    ("03", "a21002"),
    ("04", "a21005"),
    ("05", "a21028"),
    ("06", "a21018"),
    ("08", "a21024"),
    ("10", "a21001"),
    ("17", "a25003"),
    ("18", "a25005"),
    ("25", "a24087"),
    ("30", "a05001"),
];

/// HJ/T 212-2005 water codes and their 2017 codes (table B.1 "原编码" column).
pub static WATER_2005: &[(&str, &str)] = &[
    ("B01", "w00000"),
    ("001", "w01001"),
    ("003", "w01012"),
    ("010", "w01017"),
    ("011", "w01018"),
    ("015", "w01020"),
    ("020", "w20111"),
    ("022", "w20115"),
    ("023", "w20116"),
    ("024", "w20117"),
    ("026", "w20119"),
    ("027", "w20120"),
    ("028", "w20121"),
    ("029", "w20122"),
    ("030", "w20123"),
    ("060", "w21003"),
    ("065", "w21001"),
    ("070", "w21016"),
    ("080", "w22001"),
    ("101", "w21011"),
    ("110", "w23002"),
];

/// Whether `st` is a water system (surface water, groundwater, seawater,
/// water sources, wastewater process).
fn is_water_system(st: &str) -> bool {
    matches!(st, "21" | "24" | "26" | "32" | "33" | "34" | "52")
}

/// Whether `st` is an air system (ambient air, VOC, air source, dust, flue-gas process).
fn is_air_system(st: &str) -> bool {
    matches!(st, "22" | "27" | "31" | "39" | "51")
}

/// Maps a HJ/T 212-2005 parameter code to its 2017 code.
///
/// Source: HJ 212-2017 tables B.1/B.2, "原编码" column. The 2005 air and water
/// code lists overlap in shape (air `01`, `02`, `10` vs water `001`, `010`…), so
/// the system code decides which table applies: air systems (ST 22, 27, 31,
/// 39, 51) use the air table, water systems (ST 21, 24, 26, 32, 33, 34, 52) the
/// water table. Under any other ST, a code is mapped only when exactly one
/// table knows it.
///
/// ```
/// assert_eq!(hj212::codes::code_2005_to_2017("011", "32"), Some("w01018"));
/// assert_eq!(hj212::codes::code_2005_to_2017("02", "31"), Some("a21026"));
/// assert_eq!(hj212::codes::code_2005_to_2017("02", "32"), None);
/// ```
pub fn code_2005_to_2017(code: &str, st: &str) -> Option<&'static str> {
    let find = |table: &'static [(&'static str, &'static str)]| {
        table.iter().find(|(old, _)| *old == code).map(|(_, new)| *new)
    };
    if is_air_system(st) {
        find(AIR_2005)
    } else if is_water_system(st) {
        find(WATER_2005)
    } else {
        match (find(AIR_2005), find(WATER_2005)) {
            (Some(new), None) | (None, Some(new)) => Some(new),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_sheet_mappings() {
        for (old, st, new) in [
            ("B02", "31", "a00000"),
            ("011", "32", "w01018"),
            ("S01", "31", "a19001"),
            ("01", "31", "a34013"),
            ("02", "31", "a21026"),
            ("03", "31", "a21002"),
            ("060", "32", "w21003"),
            ("B01", "91", "w00000"),
        ] {
            assert_eq!(code_2005_to_2017(old, st), Some(new), "{old} under ST {st}");
        }
        assert_eq!(code_2005_to_2017("01", "32"), None);
    }

    #[test]
    fn registry() {
        assert_eq!(lookup("w01018").unwrap().unit, "mg/L");
        assert_eq!(lookup_for_system("a21026", "22").unwrap().unit, "µg/m³");
        assert_eq!(lookup_for_system("a21026", "31").unwrap().unit, "mg/m³");
        assert_eq!(lookup_for_system("w21003", "21").unwrap().kind, ParamKind::SurfaceWater);
        assert_eq!(lookup_for_system("a34004", "31").unwrap().kind, ParamKind::AmbientAir);
        assert_eq!(kind_of("SB1"), Some(ParamKind::Facility));
        assert_eq!(kind_of("e10101"), Some(ParamKind::Process));
        assert_eq!(kind_of("B01"), None);
        for (_, new) in AIR_2005.iter().chain(WATER_2005) {
            assert!(lookup(new).is_some(), "{new} mapped but not in the registry");
        }
    }
}
