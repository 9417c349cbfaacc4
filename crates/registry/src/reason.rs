//! Why a registry row is refused, in Chinese first and in English: every
//! refusal of an import or a form has both texts, built together where the
//! refusal is found ([`reason!`]), so a reader never gets English after a
//! Chinese prefix. The English text stays the `reason` of [`crate::import::Problem`]
//! (unchanged for API clients); the Chinese one is `reason_zh`.

use model::registry::{InvalidUscc, UsccFault};
use store::RegistryKind;

/// A refusal's text in Chinese (zh-CN) and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// A [`Reason`] from a Chinese and an English format string (inline
/// arguments, e.g. `reason!("{text:?} 不是数字", "{text:?} is not a number")`).
macro_rules! reason {
    ($zh:literal, $en:literal $(,)?) => {
        $crate::reason::Reason { zh: format!($zh), en: format!($en) }
    };
}
pub(crate) use reason;

/// A registry kind's name in Chinese, for reasons naming another record.
pub fn kind_zh(kind: RegistryKind) -> &'static str {
    match kind {
        RegistryKind::Town => "乡镇",
        RegistryKind::WaterBody => "水体",
        RegistryKind::Section => "断面",
        RegistryKind::AirStation => "空气站",
        RegistryKind::NoisePoint => "噪声点",
        RegistryKind::Enterprise => "企业",
        RegistryKind::Outlet => "排放口",
        RegistryKind::Permit => "排污许可证",
        RegistryKind::Limit => "许可限值",
        RegistryKind::Device => "设备",
    }
}

/// An invalid unified social credit code (GB 32100-2015).
pub(crate) fn uscc(error: &InvalidUscc) -> Reason {
    let found = &error.found;
    let zh = match &error.fault {
        UsccFault::WrongLength { found: n } => format!("应为 18 位，实为 {n} 位"),
        UsccFault::BadCharacter { position, found } => {
            format!("第 {position} 位 {found:?} 不在 0-9 A-H J-N P-R T-U W-Y 之内")
        }
        UsccFault::UnknownAuthority { found } => {
            format!("第 1 位登记管理部门代码 {found:?} 不存在")
        }
        UsccFault::UnknownType { authority, found } => {
            format!("第 2 位机构类别 {found:?} 不属于登记管理部门 {authority:?}")
        }
        UsccFault::BadDivision { found } => {
            format!("第 3–8 位行政区划码 {found:?} 应为 6 位数字")
        }
        UsccFault::CheckMismatch { expected, found } => {
            format!("校验码（第 18 位）为 {found:?}，应为 {expected:?}")
        }
    };
    Reason {
        zh: format!("统一社会信用代码 {found:?} 不正确：{zh}"), en: error.to_string()
    }
}

/// An invalid MN or parameter code (`model::Error`).
pub(crate) fn model(error: &model::Error) -> Reason {
    let why_zh = |why: &str| match why {
        "empty" => "为空".to_owned(),
        "longer than 32 characters" => "超过 32 个字符".to_owned(),
        "longer than 24 characters" => "超过 24 个字符".to_owned(),
        "characters outside 0-9A-Za-z_-" => "含有 0-9A-Za-z_- 以外的字符".to_owned(),
        "characters outside 0-9A-Za-z_." => "含有 0-9A-Za-z_. 以外的字符".to_owned(),
        other => other.to_owned(),
    };
    let zh = match error {
        model::Error::InvalidMn { found, why } => {
            format!("设备编码（MN）{found:?} {}", why_zh(why))
        }
        model::Error::InvalidParamCode { found, why } => {
            format!("污染物编码 {found:?} {}", why_zh(why))
        }
        other => format!("不正确：{other}"),
    };
    Reason { zh, en: error.to_string() }
}

/// An invalid list of grid inspectors.
pub(crate) fn grid(error: &model::registry::GridError) -> Reason {
    use model::registry::GridError;
    let zh = match error {
        GridError::NoInspector => "网格须至少有一名网格员".to_owned(),
        GridError::InvalidLogin { found, why } => {
            format!("网格员 {found:?} 不是有效的登录名：{why}")
        }
        GridError::Repeated { found } => format!("网格员 {found:?} 重复列出"),
        GridError::TooMany { found } => {
            format!("列出了 {found} 名网格员，最多 {}", model::registry::MAX_INSPECTORS)
        }
    };
    Reason { zh, en: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_model_refusal_has_chinese_text_and_keeps_its_english() {
        let bad_check = model::registry::Uscc::parse("91511112MA65J0DT80").unwrap_err();
        let reason = uscc(&bad_check);
        assert!(reason.zh.contains("校验码（第 18 位）为 '0'，应为 '5'"), "{reason:?}");
        assert_eq!(reason.en, bad_check.to_string());
        let mn = model::Mn::parse("bad mn!").unwrap_err();
        assert_eq!(model(&mn).zh, "设备编码（MN）\"bad mn!\" 含有 0-9A-Za-z_- 以外的字符");
        let param = model::ParamCode::parse("").unwrap_err();
        assert_eq!(model(&param).zh, "污染物编码 \"\" 为空");
        let empty = model::registry::parse_inspectors("").unwrap_err();
        assert_eq!(grid(&empty).zh, "网格须至少有一名网格员");
    }
}
