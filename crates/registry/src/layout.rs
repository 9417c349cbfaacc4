//! The file layout of each registry kind: its columns (English and Chinese
//! headers), how a row's cells become a [`RegistryEntity`] and back.
//!
//! Cell rules shared by every kind: surrounding blanks are ignored; an empty
//! optional cell means "none"; booleans are `yes`/`no`, `true`/`false`,
//! `是`/`否`, `1`/`0`; dates are `YYYY-MM-DD`; lists (supervision categories)
//! are separated by `;`, `,`, `、` or `|`; the optional `status` column is
//! `active` (在用, the default) or `retired` (退役).

use crate::reason::{Reason, reason};
use chrono::NaiveDate;
use model::registry::{
    AirStationLevel, Boundary, RecordStatus, SectionLevel, SuperviseCategory, WaterBodyKind,
    WaterTarget,
};
use model::{Mn, ParamCode, Uscc};
use standards::emission::{Averaging, Conversion, LimitBound, PermitLimit};
use standards::water::Decimal;
use store::{
    AirStation, Enterprise, Limit, NoisePoint, Outlet, Permit, PointKind, RegisteredDevice,
    RegistryEntity, RegistryKind, Section, Town, WaterBody,
};

/// One column of a registry file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The English header (also the name used in error reports).
    pub name: &'static str,
    /// The Chinese header, accepted alike.
    pub zh: &'static str,
    /// Whether the column must be present and every row's cell non-empty.
    pub required: bool,
}

pub(crate) const fn required(name: &'static str, zh: &'static str) -> Column {
    Column { name, zh, required: true }
}

const fn optional(name: &'static str, zh: &'static str) -> Column {
    Column { name, zh, required: false }
}

/// Longitude, degrees east (WGS 84).
const LONGITUDE: Column = required("longitude", "经度");
/// Latitude, degrees north (WGS 84).
const LATITUDE: Column = required("latitude", "纬度");

/// The status column every kind has.
pub const STATUS: Column = optional("status", "状态");

/// The columns of `kind`'s file, in the order exports write them (the
/// status column last).
pub fn columns(kind: RegistryKind) -> &'static [Column] {
    match kind {
        RegistryKind::Town => {
            const COLUMNS: &[Column] = &[
                required("code", "代码"),
                required("name", "名称"),
                required("district", "区县"),
                STATUS,
            ];
            COLUMNS
        }
        RegistryKind::WaterBody => {
            const COLUMNS: &[Column] = &[
                required("code", "代码"),
                required("name", "名称"),
                required("kind", "类型"),
                STATUS,
            ];
            COLUMNS
        }
        RegistryKind::Section => {
            const COLUMNS: &[Column] = &[
                required("code", "代码"),
                required("name", "名称"),
                required("water_body", "水体"),
                required("town", "所在镇"),
                required("level", "级别"),
                required("target", "水质目标"),
                LONGITUDE,
                LATITUDE,
                required("drinking_source", "饮用水源"),
                required("boundary", "交界断面"),
                required("order", "上下游顺序"),
                STATUS,
            ];
            COLUMNS
        }
        RegistryKind::AirStation => {
            const COLUMNS: &[Column] = &[
                required("code", "代码"),
                required("name", "名称"),
                required("town", "所在镇"),
                required("level", "级别"),
                LONGITUDE,
                LATITUDE,
                STATUS,
            ];
            COLUMNS
        }
        RegistryKind::NoisePoint => {
            const COLUMNS: &[Column] = &[
                required("code", "代码"),
                required("name", "名称"),
                required("town", "所在镇"),
                required("zone", "声环境功能区"),
                LONGITUDE,
                LATITUDE,
                STATUS,
            ];
            COLUMNS
        }
        RegistryKind::Enterprise => {
            const COLUMNS: &[Column] = &[
                required("uscc", "统一社会信用代码"),
                required("name", "名称"),
                required("industry", "行业"),
                required("town", "所在镇"),
                required("address", "地址"),
                LONGITUDE,
                LATITUDE,
                optional("categories", "重点监管类别"),
                optional("contact", "联系人"),
                optional("phone", "联系电话"),
                STATUS,
            ];
            COLUMNS
        }
        RegistryKind::Outlet => {
            const COLUMNS: &[Column] = &[
                required("code", "代码"),
                required("name", "名称"),
                required("enterprise", "企业信用代码"),
                required("kind", "类型"),
                LONGITUDE,
                LATITUDE,
                optional("reference_o2_pct", "基准氧含量"),
                STATUS,
            ];
            COLUMNS
        }
        RegistryKind::Permit => {
            const COLUMNS: &[Column] = &[
                required("number", "许可证编号"),
                required("enterprise", "企业信用代码"),
                required("valid_from", "有效期起"),
                required("valid_to", "有效期止"),
                STATUS,
            ];
            COLUMNS
        }
        RegistryKind::Limit => {
            const COLUMNS: &[Column] = &[
                required("permit", "许可证编号"),
                required("outlet", "排放口"),
                required("param", "污染物代码"),
                optional("max", "浓度限值"),
                optional("low", "下限"),
                optional("high", "上限"),
                required("unit", "单位"),
                required("averaging", "均值时段"),
                optional("reference_o2_pct", "基准氧含量"),
                optional("annual_total_kg", "年许可排放量kg"),
                STATUS,
            ];
            COLUMNS
        }
        RegistryKind::Device => {
            const COLUMNS: &[Column] = &[
                required("mn", "MN"),
                required("point", "点位"),
                required("protocol", "协议"),
                optional("password", "密码"),
                optional("installed_on", "安装日期"),
                optional("calibrated_on", "校准日期"),
                STATUS,
            ];
            COLUMNS
        }
    }
}

/// The file name (without extension) of `kind` in an export or the sample.
pub fn file_stem(kind: RegistryKind) -> &'static str {
    match kind {
        RegistryKind::Town => "towns",
        RegistryKind::WaterBody => "water_bodies",
        RegistryKind::Section => "sections",
        RegistryKind::AirStation => "air_stations",
        RegistryKind::NoisePoint => "noise_points",
        RegistryKind::Enterprise => "enterprises",
        RegistryKind::Outlet => "outlets",
        RegistryKind::Permit => "permits",
        RegistryKind::Limit => "limits",
        RegistryKind::Device => "devices",
    }
}

/// The kind whose [`file_stem`] or name (`sections`, `section`) `stem` is.
pub fn kind_of_stem(stem: &str) -> Option<RegistryKind> {
    RegistryKind::ALL.into_iter().find(|kind| file_stem(*kind) == stem || kind.as_str() == stem)
}

/// The point kinds an outlet may have.
pub const OUTLET_KINDS: [PointKind; 6] = [
    PointKind::FlueGas,
    PointKind::Wastewater,
    PointKind::Vocs,
    PointKind::Fume,
    PointKind::Dust,
    PointKind::Electricity,
];

/// One data row being read: its cells by column name, and the problems found.
pub(crate) struct RowReader<'a> {
    cells: Vec<(&'static str, &'a str)>,
    /// (column, reason) of every problem found so far.
    pub(crate) problems: Vec<(&'static str, Reason)>,
}

impl<'a> RowReader<'a> {
    pub(crate) fn new(cells: Vec<(&'static str, &'a str)>) -> RowReader<'a> {
        RowReader { cells, problems: Vec::new() }
    }

    fn cell(&self, column: &'static str) -> &'a str {
        self.cells.iter().find(|(name, _)| *name == column).map_or("", |(_, value)| value.trim())
    }

    fn problem(&mut self, column: &'static str, reason: Reason) {
        self.problems.push((column, reason));
    }

    /// The cell, which must not be empty.
    pub(crate) fn text(&mut self, column: &'static str) -> String {
        let value = self.cell(column);
        if value.is_empty() {
            self.problem(column, reason!("为空", "is empty"));
        }
        value.to_owned()
    }

    /// The cell, `None` if empty.
    pub(crate) fn optional_text(&mut self, column: &'static str) -> Option<String> {
        let value = self.cell(column);
        (!value.is_empty()).then(|| value.to_owned())
    }

    /// The non-empty cell parsed by `parse`, whose error is the reason.
    pub(crate) fn parse<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, Reason>,
    ) -> Option<T> {
        let value = self.cell(column);
        if value.is_empty() {
            self.problem(column, reason!("为空", "is empty"));
            return None;
        }
        match parse(value) {
            Ok(value) => Some(value),
            Err(reason) => {
                self.problem(column, reason);
                None
            }
        }
    }

    /// The cell parsed by `parse` if not empty.
    pub(crate) fn parse_optional<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, Reason>,
    ) -> Option<Option<T>> {
        if self.cell(column).is_empty() {
            return Some(None);
        }
        self.parse(column, parse).map(Some)
    }

    /// The row's status (active when the column is absent or empty).
    pub(crate) fn status(&mut self) -> Option<RecordStatus> {
        self.parse_optional(STATUS.name, |text| {
            let names = RecordStatus::names();
            RecordStatus::parse(text).ok_or_else(|| {
                reason!("{text:?} 不是可选值（{names}）之一", "{text:?} is not one of {names}")
            })
        })
        .map(|status| status.unwrap_or(RecordStatus::Active))
    }
}

fn code_set<T>(
    parse: fn(&str) -> Option<T>,
    names: fn() -> String,
) -> impl Fn(&str) -> Result<T, Reason> {
    move |text| {
        parse(text).ok_or_else(|| {
            let names = names();
            reason!("{text:?} 不是可选值（{names}）之一", "{text:?} is not one of {names}")
        })
    }
}

fn number(text: &str) -> Result<f64, Reason> {
    text.parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
        .ok_or_else(|| reason!("{text:?} 不是数字", "{text:?} is not a number"))
}

fn longitude(text: &str) -> Result<f64, Reason> {
    number(text).and_then(|value| {
        if (-180.0..=180.0).contains(&value) {
            Ok(value)
        } else {
            Err(reason!("经度 {value} 超出 -180..180", "longitude {value} is outside -180..180"))
        }
    })
}

fn latitude(text: &str) -> Result<f64, Reason> {
    number(text).and_then(|value| {
        if (-90.0..=90.0).contains(&value) {
            Ok(value)
        } else {
            Err(reason!("纬度 {value} 超出 -90..90", "latitude {value} is outside -90..90"))
        }
    })
}

fn boolean(text: &str) -> Result<bool, Reason> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "是" | "y" => Ok(true),
        "no" | "false" | "0" | "否" | "n" => Ok(false),
        _ => Err(reason!("{text:?} 应为“是”或“否”", "{text:?} is not yes or no (是/否)")),
    }
}

fn date(text: &str) -> Result<NaiveDate, Reason> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        reason!("{text:?} 不是 YYYY-MM-DD 格式的日期", "{text:?} is not a date YYYY-MM-DD")
    })
}

fn decimal(text: &str) -> Result<Decimal, Reason> {
    Decimal::parse(text).map_err(|error| {
        reason!("{text:?} 不是十进制数（{error}）", "{text:?} is not a decimal number: {error}")
    })
}

fn positive_decimal(text: &str) -> Result<Decimal, Reason> {
    let value = decimal(text)?;
    if value > Decimal::ZERO { Ok(value) } else { Err(above_zero(text)) }
}

/// A number that must be above 0.
fn above_zero(text: &str) -> Reason {
    reason!("{text} 应大于 0", "{text} must be above 0")
}

fn oxygen(text: &str) -> Result<String, Reason> {
    let value = decimal(text)?;
    if value >= Decimal::ZERO && value < Decimal::from_int(21) {
        Ok(value.to_string())
    } else {
        Err(reason!(
            "基准氧含量 {text} % 应在 0..21 之内",
            "reference O2 {text} % must be in 0..21"
        ))
    }
}

fn point_code(text: &str) -> Result<String, Reason> {
    if text.len() <= 64
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Ok(text.to_owned())
    } else {
        Err(reason!(
            "编码 {text:?} 应为不超过 64 个 0-9A-Za-z-_. 字符",
            "code {text:?} must be at most 64 characters of 0-9A-Za-z-_."
        ))
    }
}

fn uscc(text: &str) -> Result<Uscc, Reason> {
    Uscc::parse(text).map_err(|error| crate::reason::uscc(&error))
}

fn categories(text: &str) -> Result<Vec<SuperviseCategory>, Reason> {
    let mut categories = Vec::new();
    for part in text.split([';', ',', '、', '|', '；', '，']).map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let category = SuperviseCategory::parse(part).ok_or_else(|| {
            let names = SuperviseCategory::names();
            reason!("{part:?} 不是可选值（{names}）之一", "{part:?} is not one of {names}")
        })?;
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    categories.sort();
    Ok(categories)
}

/// GB 3096-2008 §4 acoustic functional zone classes.
const NOISE_ZONES: [&str; 6] = ["0", "1", "2", "3", "4a", "4b"];

/// Reads one row of `kind` into its entity and status; `None` when the row
/// has problems (left in `row.problems`). A device row's password is
/// returned as given (`None` when empty), for the caller to hash.
pub(crate) fn read_row(
    kind: RegistryKind,
    row: &mut RowReader<'_>,
) -> Option<(RegistryEntity, RecordStatus, Option<String>)> {
    let status = row.status();
    let mut password = None;
    let entity = match kind {
        RegistryKind::Town => {
            let code = row.parse("code", |text| {
                if text.len() == 9 && text.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(text.to_owned())
                } else {
                    Err(reason!(
                        "乡镇代码 {text:?} 应为 9 位数字（GB/T 10114）",
                        "town code {text:?} must be 9 digits (GB/T 10114)"
                    ))
                }
            });
            let name = row.text("name");
            let district = row.text("district");
            code.map(|code| RegistryEntity::Town(Town { code, name, district }))
        }
        RegistryKind::WaterBody => {
            let code = row.parse("code", point_code);
            let name = row.text("name");
            let body_kind = row.parse("kind", code_set(WaterBodyKind::parse, WaterBodyKind::names));
            match (code, body_kind) {
                (Some(code), Some(kind)) => {
                    Some(RegistryEntity::WaterBody(WaterBody { code, name, kind }))
                }
                _ => None,
            }
        }
        RegistryKind::Section => {
            let code = row.parse("code", point_code);
            let name = row.text("name");
            let water_body = row.text("water_body");
            let town = row.text("town");
            let level = row.parse("level", code_set(SectionLevel::parse, SectionLevel::names));
            let target = row.parse("target", code_set(WaterTarget::parse, WaterTarget::names));
            let longitude = row.parse("longitude", longitude);
            let latitude = row.parse("latitude", latitude);
            let drinking_source = row.parse("drinking_source", boolean);
            let boundary = row.parse("boundary", code_set(Boundary::parse, Boundary::names));
            let order = row.parse("order", |text| {
                text.parse::<u32>().ok().filter(|order| *order > 0).ok_or_else(|| {
                    reason!("{text:?} 不是次序号 1、2……", "{text:?} is not a position 1, 2, …")
                })
            });
            Some(RegistryEntity::Section(Section {
                code: code?,
                name,
                water_body,
                town,
                level: level?,
                target: target?,
                longitude: longitude?,
                latitude: latitude?,
                drinking_source: drinking_source?,
                boundary: boundary?,
                order: order?,
            }))
        }
        RegistryKind::AirStation => {
            let code = row.parse("code", point_code);
            let name = row.text("name");
            let town = row.text("town");
            let level =
                row.parse("level", code_set(AirStationLevel::parse, AirStationLevel::names));
            let longitude = row.parse("longitude", longitude);
            let latitude = row.parse("latitude", latitude);
            Some(RegistryEntity::AirStation(AirStation {
                code: code?,
                name,
                town,
                level: level?,
                longitude: longitude?,
                latitude: latitude?,
            }))
        }
        RegistryKind::NoisePoint => {
            let code = row.parse("code", point_code);
            let name = row.text("name");
            let town = row.text("town");
            let zone = row.parse("zone", |text| {
                let zone = text.to_ascii_lowercase();
                if NOISE_ZONES.contains(&zone.as_str()) {
                    Ok(zone)
                } else {
                    Err(reason!(
                        "{text:?} 不是 GB 3096 声环境功能区类别 0|1|2|3|4a|4b",
                        "{text:?} is not a GB 3096 zone class 0|1|2|3|4a|4b"
                    ))
                }
            });
            let longitude = row.parse("longitude", longitude);
            let latitude = row.parse("latitude", latitude);
            Some(RegistryEntity::NoisePoint(NoisePoint {
                code: code?,
                name,
                town,
                zone: zone?,
                longitude: longitude?,
                latitude: latitude?,
            }))
        }
        RegistryKind::Enterprise => {
            let uscc = row.parse("uscc", uscc);
            let name = row.text("name");
            let industry = row.text("industry");
            let town = row.text("town");
            let address = row.text("address");
            let longitude = row.parse("longitude", longitude);
            let latitude = row.parse("latitude", latitude);
            let categories = row.parse_optional("categories", categories);
            let contact = row.optional_text("contact").unwrap_or_default();
            let phone = row.optional_text("phone").unwrap_or_default();
            Some(RegistryEntity::Enterprise(Enterprise {
                uscc: uscc?,
                name,
                industry,
                town,
                address,
                longitude: longitude?,
                latitude: latitude?,
                categories: categories?.unwrap_or_default(),
                contact,
                phone,
            }))
        }
        RegistryKind::Outlet => {
            let code = row.parse("code", point_code);
            let name = row.text("name");
            let enterprise = row.parse("enterprise", uscc);
            let outlet_kind = row.parse("kind", |text| {
                PointKind::parse(text).filter(|kind| OUTLET_KINDS.contains(kind)).ok_or_else(|| {
                    let names: Vec<&str> = OUTLET_KINDS.iter().map(|kind| kind.as_str()).collect();
                    let names = names.join("|");
                    reason!("{text:?} 不是可选值（{names}）之一", "{text:?} is not one of {names}")
                })
            });
            let longitude = row.parse("longitude", longitude);
            let latitude = row.parse("latitude", latitude);
            let reference_o2_pct = row.parse_optional("reference_o2_pct", oxygen);
            Some(RegistryEntity::Outlet(Outlet {
                code: code?,
                name,
                enterprise: enterprise?,
                kind: outlet_kind?,
                longitude: longitude?,
                latitude: latitude?,
                reference_o2_pct: reference_o2_pct?,
            }))
        }
        RegistryKind::Permit => {
            let number = row.text("number");
            let enterprise = row.parse("enterprise", uscc);
            let valid_from = row.parse("valid_from", date);
            let valid_to = row.parse("valid_to", date);
            if let (Some(from), Some(to)) = (valid_from, valid_to)
                && to < from
            {
                row.problem(
                    "valid_to",
                    reason!(
                        "有效期止 {to} 早于有效期起 {from}",
                        "{to} is before valid_from {from}"
                    ),
                );
                return None;
            }
            Some(RegistryEntity::Permit(Permit {
                number,
                enterprise: enterprise?,
                valid_from: valid_from?,
                valid_to: valid_to?,
            }))
        }
        RegistryKind::Limit => read_limit(row),
        RegistryKind::Device => {
            let mn = row.parse("mn", |text| Mn::parse(text).map_err(|e| crate::reason::model(&e)));
            let point = row.parse("point", point_code);
            let protocol = row.parse("protocol", |text| match text {
                "2005" | "2017" | "2025" => Ok(text.to_owned()),
                _ => Err(reason!(
                    "{text:?} 不是可选值（2005|2017|2025）之一",
                    "{text:?} is not one of 2005|2017|2025"
                )),
            });
            password = row.optional_text("password");
            let installed_on = row.parse_optional("installed_on", date);
            let calibrated_on = row.parse_optional("calibrated_on", date);
            Some(RegistryEntity::Device(RegisteredDevice {
                mn: mn?,
                point: point?,
                protocol: protocol?,
                // Filled in by the importer (hash of `password`, or the stored hash).
                password_hash: String::new(),
                installed_on: installed_on?,
                calibrated_on: calibrated_on?,
            }))
        }
    };
    if !row.problems.is_empty() {
        return None;
    }
    Some((entity?, status?, password))
}

fn read_limit(row: &mut RowReader<'_>) -> Option<RegistryEntity> {
    let permit = row.text("permit");
    let outlet = row.parse("outlet", point_code);
    let param =
        row.parse("param", |text| ParamCode::parse(text).map_err(|e| crate::reason::model(&e)));
    let max = row.parse_optional("max", positive_decimal);
    let low = row.parse_optional("low", decimal);
    let high = row.parse_optional("high", decimal);
    let unit = row.text("unit");
    let averaging = row.parse("averaging", |text| match text {
        "hour" | "小时" | "1h" => Ok(Averaging::Hour),
        "day" | "日" | "24h" => Ok(Averaging::Day),
        _ => Err(reason!("{text:?} 应为“小时”或“日”", "{text:?} is not hour or day (小时/日)")),
    });
    let reference_o2 = row.parse_optional("reference_o2_pct", |text| {
        decimal(text).and_then(|o2| oxygen(text).map(|_| o2))
    });
    let annual_total_kg = row.parse_optional("annual_total_kg", |text| {
        number(text).and_then(|value| if value > 0.0 { Ok(value) } else { Err(above_zero(text)) })
    });
    let bound = match (max?, low?, high?) {
        (Some(max), None, None) => LimitBound::Max(max),
        (None, Some(low), Some(high)) if low <= high => LimitBound::Range { low, high },
        (None, Some(low), Some(high)) => {
            row.problem("high", reason!("上限 {high} 低于下限 {low}", "{high} is below low {low}"));
            return None;
        }
        _ => {
            row.problem(
                "max",
                reason!(
                    "应填写最大值，或同时填写下限和上限（如 pH 6-9）",
                    "give either max, or low and high (e.g. pH 6-9)"
                ),
            );
            return None;
        }
    };
    let param = param?;
    let conversion = match reference_o2? {
        Some(reference_o2_pct) => {
            Conversion::ReferenceOxygen { reference_o2_pct, air_o2_pct: Decimal::from_int(21) }
        }
        None => Conversion::Measured,
    };
    let concentration = PermitLimit {
        pollutant: param.to_string(),
        bound,
        unit,
        averaging: averaging?,
        conversion,
    };
    let concentration = match serde_json::to_value(&concentration) {
        Ok(value) => value,
        Err(error) => {
            row.problem(
                "max",
                reason!("无法保存该限值：{error}", "cannot encode the limit: {error}"),
            );
            return None;
        }
    };
    Some(RegistryEntity::Limit(Limit {
        permit,
        outlet: outlet?,
        param,
        concentration,
        annual_total_kg: annual_total_kg?,
    }))
}

fn date_text(date: Option<NaiveDate>) -> String {
    date.map(|date| date.to_string()).unwrap_or_default()
}

/// The cells of an entity in [`columns`] order (the password column of a
/// device is left empty: passwords are never exported).
pub fn write_row(entity: &RegistryEntity, status: RecordStatus) -> Vec<String> {
    let mut cells = match entity {
        RegistryEntity::Town(town) => {
            vec![town.code.clone(), town.name.clone(), town.district.clone()]
        }
        RegistryEntity::WaterBody(body) => {
            vec![body.code.clone(), body.name.clone(), body.kind.to_string()]
        }
        RegistryEntity::Section(section) => vec![
            section.code.clone(),
            section.name.clone(),
            section.water_body.clone(),
            section.town.clone(),
            section.level.to_string(),
            section.target.to_string(),
            section.longitude.to_string(),
            section.latitude.to_string(),
            if section.drinking_source { "yes" } else { "no" }.to_owned(),
            section.boundary.to_string(),
            section.order.to_string(),
        ],
        RegistryEntity::AirStation(station) => vec![
            station.code.clone(),
            station.name.clone(),
            station.town.clone(),
            station.level.to_string(),
            station.longitude.to_string(),
            station.latitude.to_string(),
        ],
        RegistryEntity::NoisePoint(point) => vec![
            point.code.clone(),
            point.name.clone(),
            point.town.clone(),
            point.zone.clone(),
            point.longitude.to_string(),
            point.latitude.to_string(),
        ],
        RegistryEntity::Enterprise(enterprise) => vec![
            enterprise.uscc.to_string(),
            enterprise.name.clone(),
            enterprise.industry.clone(),
            enterprise.town.clone(),
            enterprise.address.clone(),
            enterprise.longitude.to_string(),
            enterprise.latitude.to_string(),
            enterprise.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(";"),
            enterprise.contact.clone(),
            enterprise.phone.clone(),
        ],
        RegistryEntity::Outlet(outlet) => vec![
            outlet.code.clone(),
            outlet.name.clone(),
            outlet.enterprise.to_string(),
            outlet.kind.as_str().to_owned(),
            outlet.longitude.to_string(),
            outlet.latitude.to_string(),
            outlet.reference_o2_pct.clone().unwrap_or_default(),
        ],
        RegistryEntity::Permit(permit) => vec![
            permit.number.clone(),
            permit.enterprise.to_string(),
            permit.valid_from.to_string(),
            permit.valid_to.to_string(),
        ],
        RegistryEntity::Limit(limit) => {
            let parsed: Option<PermitLimit> =
                serde_json::from_value(limit.concentration.clone()).ok();
            let (max, low, high) = match parsed.as_ref().map(|limit| limit.bound) {
                Some(LimitBound::Max(max)) => (max.to_string(), String::new(), String::new()),
                Some(LimitBound::Range { low, high }) => {
                    (String::new(), low.to_string(), high.to_string())
                }
                None => Default::default(),
            };
            let averaging = match parsed.as_ref().map(|limit| limit.averaging) {
                Some(Averaging::Hour) => "hour",
                Some(Averaging::Day) => "day",
                None => "",
            };
            let reference_o2 = match parsed.as_ref().map(|limit| limit.conversion) {
                Some(Conversion::ReferenceOxygen { reference_o2_pct, .. }) => {
                    reference_o2_pct.to_string()
                }
                _ => String::new(),
            };
            vec![
                limit.permit.clone(),
                limit.outlet.clone(),
                limit.param.to_string(),
                max,
                low,
                high,
                parsed.map(|limit| limit.unit).unwrap_or_default(),
                averaging.to_owned(),
                reference_o2,
                limit.annual_total_kg.map(|total| total.to_string()).unwrap_or_default(),
            ]
        }
        RegistryEntity::Device(device) => vec![
            device.mn.to_string(),
            device.point.clone(),
            device.protocol.clone(),
            String::new(),
            date_text(device.installed_on),
            date_text(device.calibrated_on),
        ],
    };
    cells.push(status.to_string());
    cells
}
