//! How values look on a page: Chinese date and number conventions, the
//! standards' category colours, and the AQI health advice text.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use standards::aqi::AqiLevel;

use crate::i18n::Lang;

/// A Beijing date: `2026年3月2日` in Chinese, `2026-03-02` in English.
pub fn date(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Lang::En => date.format("%Y-%m-%d").to_string(),
    }
}

/// A Beijing month: `2026年3月` or `2026-03`.
pub fn month(lang: Lang, year: i32, month: u32) -> String {
    match lang {
        Lang::Zh => format!("{year}年{month}月"),
        Lang::En => format!("{year}-{month:02}"),
    }
}

/// A Beijing date and time to the minute: `2026年3月2日 08:00` or `2026-03-02 08:00`.
pub fn date_time(lang: Lang, time: NaiveDateTime) -> String {
    format!("{} {:02}:{:02}", date(lang, time.date()), time.hour(), time.minute())
}

/// A number with `decimals` places and thousands grouped by commas (as
/// Chinese statistical publications do): `12,345.6`.
pub fn number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "—".to_owned();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) =
        text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign =
        if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A share as a percentage with one decimal: `87.5%`.
pub fn percent(numerator: usize, denominator: usize) -> String {
    if denominator == 0 {
        return "—".to_owned();
    }
    format!("{}%", number(numerator as f64 * 100.0 / denominator as f64, 1))
}

/// Background and text colour of an AQI value (HJ 633 annex A colours).
pub fn aqi_colours(aqi: u32) -> (String, &'static str) {
    let level = AqiLevel::from_aqi(aqi);
    let text = match level {
        AqiLevel::One | AqiLevel::Two | AqiLevel::Three => "#000000",
        _ => "#FFFFFF",
    };
    (level.rgb_hex(), text)
}

/// The AQI category's name in `lang`.
pub fn aqi_category(lang: Lang, aqi: u32) -> &'static str {
    let level = AqiLevel::from_aqi(aqi);
    match lang {
        Lang::Zh => level.category_zh(),
        Lang::En => level.category_en(),
    }
}

/// Health effects and advised measures of an AQI level: HJ 633-2012 Table 2
/// verbatim in Chinese (the 2026 edition's wording of sensitive groups for
/// level 3 is "青少年儿童、老年人及心血管系统疾病、呼吸系统疾病患者"), and the
/// project's English paraphrase.
pub fn health_advice(lang: Lang, aqi: u32) -> (&'static str, &'static str) {
    let level = AqiLevel::from_aqi(aqi);
    match (lang, level) {
        (Lang::Zh, AqiLevel::One) => ("空气质量令人满意，基本无空气污染", "各类人群可正常活动"),
        (Lang::Zh, AqiLevel::Two) => (
            "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响",
            "极少数异常敏感人群应减少户外活动",
        ),
        (Lang::Zh, AqiLevel::Three) => (
            "易感人群症状有轻度加剧，健康人群出现刺激症状",
            "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
        ),
        (Lang::Zh, AqiLevel::Four) => (
            "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
            "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动",
        ),
        (Lang::Zh, AqiLevel::Five) => (
            "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
            "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
        ),
        (Lang::Zh, AqiLevel::Six) => (
            "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
            "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
        ),
        (Lang::En, AqiLevel::One) => {
            ("Satisfactory; essentially no air pollution.", "Everyone can be active outdoors.")
        }
        (Lang::En, AqiLevel::Two) => (
            "Acceptable; some pollutants may slightly affect a very few unusually sensitive people.",
            "Unusually sensitive people should reduce outdoor activity.",
        ),
        (Lang::En, AqiLevel::Three) => (
            "Sensitive people's symptoms worsen mildly; healthy people show irritation.",
            "Children, the elderly and people with heart or respiratory disease should reduce long or intense outdoor exercise.",
        ),
        (Lang::En, AqiLevel::Four) => (
            "Sensitive people's symptoms worsen further; healthy people's heart and lungs may be affected.",
            "Children, the elderly and heart or respiratory patients should avoid long or intense outdoor exercise; everyone should reduce it.",
        ),
        (Lang::En, AqiLevel::Five) => (
            "Heart and lung patients' symptoms worsen markedly, exercise tolerance drops; healthy people commonly show symptoms.",
            "Children, the elderly and heart or lung patients should stay indoors and stop outdoor exercise; everyone should reduce outdoor exercise.",
        ),
        (Lang::En, AqiLevel::Six) => (
            "Healthy people's exercise tolerance drops, with strong symptoms; some diseases appear early.",
            "Children, the elderly and patients should stay indoors and avoid exertion; everyone should avoid outdoor activity.",
        ),
    }
}

/// Background and text colour of a surface-water class label (`I` … `V`,
/// `劣V`). The colour mapping (I–II blue, III green, IV yellow, V orange,
/// worse than V red) is the bureau's convention as recorded in
/// `shared/standards/water-gb3838.md`, marked unverified there.
pub fn water_colours(class: &str) -> (&'static str, &'static str) {
    match class {
        "I" | "II" => ("#1E90FF", "#FFFFFF"),
        "III" => ("#00B050", "#FFFFFF"),
        "IV" => ("#FFFF00", "#000000"),
        "V" => ("#FF7E00", "#000000"),
        "劣V" | "worse_than_V" | ">V" => ("#FF0000", "#FFFFFF"),
        _ => ("#D0D0D0", "#000000"),
    }
}

/// A water class label as shown: Roman numerals, `劣Ⅴ` in Chinese.
pub fn water_class(lang: Lang, class: &str) -> String {
    let roman = |label: &str| match label {
        "I" => "Ⅰ",
        "II" => "Ⅱ",
        "III" => "Ⅲ",
        "IV" => "Ⅳ",
        "V" => "Ⅴ",
        _ => "",
    };
    match (lang, class) {
        (Lang::Zh, "劣V") => "劣Ⅴ类".to_owned(),
        (Lang::Zh, label) if !roman(label).is_empty() => format!("{}类", roman(label)),
        (Lang::En, "劣V") => "Worse than V".to_owned(),
        (Lang::En, label) => format!("Class {label}"),
        (_, other) => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_conventions() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(date(Lang::Zh, day), "2026年3月2日");
        assert_eq!(date(Lang::En, day), "2026-03-02");
        assert_eq!(date_time(Lang::Zh, day.and_hms_opt(8, 5, 0).unwrap()), "2026年3月2日 08:05");
        assert_eq!(month(Lang::Zh, 2026, 3), "2026年3月");
        assert_eq!(number(1_234_567.891, 1), "1,234,567.9");
        assert_eq!(number(-1234.0, 0), "-1,234");
        assert_eq!(number(-0.01, 1), "0.0");
        assert_eq!(number(12.0, 2), "12.00");
        assert_eq!(number(f64::NAN, 1), "—");
        assert_eq!(percent(7, 8), "87.5%");
        assert_eq!(percent(1, 0), "—");
    }

    #[test]
    fn standard_colours_and_texts() {
        assert_eq!(aqi_colours(50).0, "#00E400");
        assert_eq!(aqi_colours(51).0, "#FFFF00");
        assert_eq!(aqi_colours(301), ("#7E0023".to_owned(), "#FFFFFF"));
        assert_eq!(aqi_category(Lang::Zh, 120), "轻度污染");
        assert_eq!(health_advice(Lang::Zh, 40).1, "各类人群可正常活动");
        assert_eq!(water_class(Lang::Zh, "III"), "Ⅲ类");
        assert_eq!(water_class(Lang::Zh, "劣V"), "劣Ⅴ类");
        assert_eq!(water_colours("IV").0, "#FFFF00");
    }
}
