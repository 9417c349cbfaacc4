//! The CP data area: `DataTime=…;w01018-Rtd=166.9,w01018-Flag=N;…`.
//!
//! [`Cp`] borrows the text between `CP=&&` and `&&` and parses it lazily:
//! [`Cp::items`] walks the items without allocating. Groups are separated by
//! `;`, items by `,`, and each item is `Key=Value`. Per-parameter keys are
//! `<code>-<Field>` ([`Key::Param`]); the others are plain keys ([`Key::Plain`]).
//! Unknown keys and fields are kept, never dropped.
//!
//! Values stay text until asked for: [`CpItem::value`] gives a [`Value`], which
//! is a number, a text, or [`Value::NonNumeric`] when a field that should be
//! numeric is not: one bad value never fails the whole packet.

use crate::deviation::{Deviation, Deviations};

/// A borrowed CP data area (the text between `CP=&&` and the closing `&&`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cp<'a> {
    text: &'a str,
}

/// One `Key=Value` item of CP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpItem<'a> {
    /// Index of the `;`-separated group the item is in (0-based).
    pub group: usize,
    /// The key, split into code and field when it has a `-`.
    pub key: Key<'a>,
    /// The value text, trimmed of spaces (empty when the item had no `=`).
    pub text: &'a str,
}

/// A CP key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key<'a> {
    /// A key without `-`: `DataTime`, `RtdInterval`, `QnRtn`, unknown vendor keys…
    Plain(&'a str),
    /// `<code>-<field>`: a per-parameter (or per-facility `SBxxx`) value.
    Param {
        /// The parameter code (`w01018`, `a34004`, 2005 `011`, `SB1`, `LA`…).
        code: &'a str,
        /// The field after the `-`.
        field: Field<'a>,
    },
}

impl<'a> Key<'a> {
    /// Parses a trimmed key. The code is what precedes the first `-`.
    pub fn parse(key: &'a str) -> Key<'a> {
        match key.split_once('-') {
            Some((code, field)) => Key::Param { code, field: Field::parse(field) },
            None => Key::Plain(key),
        }
    }

    /// How a value under this key is read.
    pub fn value_kind(self) -> ValueKind {
        match self {
            Key::Plain(name) => plain_key_kind(name),
            Key::Param { field, .. } => field.value_kind(),
        }
    }
}

/// How a value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A number; text that is not one is [`Value::NonNumeric`].
    Number,
    /// Text kept as is (flags, ids, times, information).
    Text,
    /// Unknown key: a number when it reads as one, else text.
    Either,
}

/// The per-parameter field names of STD table 4, plus the 2005 alarm fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field<'a> {
    /// Realtime value (实时值).
    Rtd,
    /// Minimum over the period.
    Min,
    /// Average over the period.
    Avg,
    /// Maximum over the period.
    Max,
    /// Converted realtime value (折算实时值).
    ZsRtd,
    /// Converted minimum.
    ZsMin,
    /// Converted average.
    ZsAvg,
    /// Converted maximum.
    ZsMax,
    /// Cumulative value (累计值).
    Cou,
    /// Data flag (`N`, `F`, `M`, `S`, `D`, `C`, `T`, `B`).
    Flag,
    /// Instrument-defined extended flag.
    EFlag,
    /// Sampling time `YYYYMMDDhhmmss`.
    SampleTime,
    /// Field information (logs, states, parameters), UTF-8.
    Info,
    /// Instrument id (`SN`).
    Sn,
    /// Noise data.
    Data,
    /// Noise daytime data.
    DayData,
    /// Noise night-time data.
    NightData,
    /// Facility run state (`SBxxx-RS`).
    Rs,
    /// Facility run hours per day (`SBxxx-RT`).
    Rt,
    /// 2005 alarm value (`Ala`).
    Ala,
    /// 2005 alarm upper limit (`UpValue`).
    UpValue,
    /// 2005 alarm lower limit (`LowValue`).
    LowValue,
    /// A field this crate does not know, kept by name.
    Other(&'a str),
}

impl<'a> Field<'a> {
    /// Parses a field name as the standard spells it; unknown names are [`Field::Other`].
    pub fn parse(name: &'a str) -> Field<'a> {
        match name {
            "Rtd" => Field::Rtd,
            "Min" => Field::Min,
            "Avg" => Field::Avg,
            "Max" => Field::Max,
            "ZsRtd" => Field::ZsRtd,
            "ZsMin" => Field::ZsMin,
            "ZsAvg" => Field::ZsAvg,
            "ZsMax" => Field::ZsMax,
            "Cou" => Field::Cou,
            "Flag" => Field::Flag,
            "EFlag" => Field::EFlag,
            "SampleTime" => Field::SampleTime,
            "Info" => Field::Info,
            "SN" => Field::Sn,
            "Data" => Field::Data,
            "DayData" => Field::DayData,
            "NightData" => Field::NightData,
            "RS" => Field::Rs,
            "RT" => Field::Rt,
            "Ala" => Field::Ala,
            "UpValue" => Field::UpValue,
            "LowValue" => Field::LowValue,
            other => Field::Other(other),
        }
    }

    /// The name as the standard spells it.
    pub fn name(self) -> &'a str {
        match self {
            Field::Rtd => "Rtd",
            Field::Min => "Min",
            Field::Avg => "Avg",
            Field::Max => "Max",
            Field::ZsRtd => "ZsRtd",
            Field::ZsMin => "ZsMin",
            Field::ZsAvg => "ZsAvg",
            Field::ZsMax => "ZsMax",
            Field::Cou => "Cou",
            Field::Flag => "Flag",
            Field::EFlag => "EFlag",
            Field::SampleTime => "SampleTime",
            Field::Info => "Info",
            Field::Sn => "SN",
            Field::Data => "Data",
            Field::DayData => "DayData",
            Field::NightData => "NightData",
            Field::Rs => "RS",
            Field::Rt => "RT",
            Field::Ala => "Ala",
            Field::UpValue => "UpValue",
            Field::LowValue => "LowValue",
            Field::Other(name) => name,
        }
    }

    /// How the field's value is read.
    pub fn value_kind(self) -> ValueKind {
        match self {
            Field::Flag | Field::EFlag | Field::SampleTime | Field::Info | Field::Sn => {
                ValueKind::Text
            }
            Field::Other(_) => ValueKind::Either,
            _ => ValueKind::Number,
        }
    }
}

/// How the value of a plain CP key is read (STD table 4 and the 2005 keys).
pub fn plain_key_kind(name: &str) -> ValueKind {
    match name {
        "QnRtn" | "ExeRtn" | "RtdInterval" | "MinInterval" | "OverTime" | "ReCount" | "VaseNo"
        | "Ctime" | "Stime" | "DayStdValue" | "NightStdValue" | "WarnTime" => ValueKind::Number,
        "DataTime" | "SystemTime" | "BeginTime" | "EndTime" | "RestartTime" | "PolId" | "NewPW"
        | "InfoId" | "CstartTime" | "QN" | "AlarmTime" | "AlarmType" | "ReportTarget"
        | "ReportTime" | "Flag" | "NewSK" | "SKCreateTime" => ValueKind::Text,
        _ => ValueKind::Either,
    }
}

/// A read value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// A finite number.
    Number(f64),
    /// Text, for fields that are text (flags, times, ids, information) or unknown keys.
    Text(&'a str),
    /// A field that should be numeric but whose text is not a finite number.
    NonNumeric(&'a str),
}

impl<'a> Value<'a> {
    /// The number, if the value is one.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(number),
            _ => None,
        }
    }
}

impl<'a> CpItem<'a> {
    /// The value read according to the key ([`Key::value_kind`]).
    pub fn value(&self) -> Value<'a> {
        match self.key.value_kind() {
            ValueKind::Text => Value::Text(self.text),
            ValueKind::Number => match parse_number(self.text) {
                Some(number) => Value::Number(number),
                None => Value::NonNumeric(self.text),
            },
            ValueKind::Either => match parse_number(self.text) {
                Some(number) => Value::Number(number),
                None => Value::Text(self.text),
            },
        }
    }

    /// The parameter code, for per-parameter items.
    pub fn code(&self) -> Option<&'a str> {
        match self.key {
            Key::Param { code, .. } => Some(code),
            Key::Plain(_) => None,
        }
    }

    /// The key text as written (`w01018-Rtd`, `DataTime`), without spaces.
    pub fn key_text(&self) -> KeyText<'a> {
        KeyText(self.key)
    }
}

/// Displays a key as written on the wire.
#[derive(Debug, Clone, Copy)]
pub struct KeyText<'a>(Key<'a>);

impl std::fmt::Display for KeyText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Key::Plain(name) => f.write_str(name),
            Key::Param { code, field } => write!(f, "{code}-{}", field.name()),
        }
    }
}

/// Powers of ten exactly representable as f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a decimal number (`166.9`, `-0.25`, `12`, `1.5E-3`) to a finite f64.
///
/// The common form (optional sign, at most 15 significant digits, optional
/// fraction) takes an exact fast path (mantissa and power of ten both exact, so
/// one division rounds correctly); anything else falls back to `str::parse`.
/// `inf`, `NaN` and empty text are not numbers.
pub fn parse_number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let mut mantissa: u64 = 0;
    let mut n_digits = 0usize;
    let mut n_fraction_digits = 0usize;
    let mut seen_dot = false;
    for &byte in digits {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(byte - b'0');
                n_digits += 1;
                if seen_dot {
                    n_fraction_digits += 1;
                }
                if n_digits > 15 {
                    return parse_number_slow(text);
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return parse_number_slow(text),
        }
    }
    if n_digits == 0 {
        return None;
    }
    let power = POW10.get(n_fraction_digits).copied()?;
    let magnitude = mantissa as f64 / power;
    Some(if negative { -magnitude } else { magnitude })
}

fn parse_number_slow(text: &str) -> Option<f64> {
    let looks_numeric = text
        .bytes()
        .all(|byte| byte.is_ascii_digit() || matches!(byte, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !looks_numeric {
        return None;
    }
    text.parse::<f64>().ok().filter(|number| number.is_finite())
}

impl<'a> Cp<'a> {
    /// Wraps a data-area text (without `CP=&&` and the closing `&&`).
    pub fn new(text: &'a str) -> Cp<'a> {
        Cp { text }
    }

    /// The data-area text.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// Whether the data area has no item (`CP=&&&&`, `CP=&& &&`).
    pub fn is_empty(&self) -> bool {
        self.items().next().is_none()
    }

    /// The items in order. Empty items (`;;`, a trailing `;`) are skipped.
    pub fn items(&self) -> CpItems<'a> {
        CpItems { rest: self.text, group: 0, done: self.text.is_empty() }
    }

    /// The value text of the first plain key `name`.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.items().find(|item| item.key == Key::Plain(name)).map(|item| item.text)
    }

    /// The value text of `code-field`.
    pub fn param_field(&self, code: &str, field: Field<'_>) -> Option<&'a str> {
        self.items()
            .find(|item| matches!(item.key, Key::Param { code: c, field: f } if c == code && f == field))
            .map(|item| item.text)
    }

    /// The `DataTime` text, if any.
    pub fn data_time(&self) -> Option<&'a str> {
        self.get("DataTime")
    }

    /// The per-parameter values grouped by code, in order of first appearance.
    /// Allocates; the gateway's hot path can walk [`Cp::items`] instead.
    pub fn params(&self) -> Vec<Param<'a>> {
        let mut params: Vec<Param<'a>> = Vec::new();
        for item in self.items() {
            let Key::Param { code, field } = item.key else { continue };
            let index = match params.iter().position(|param| param.code == code) {
                Some(index) => index,
                None => {
                    params.push(Param { code, fields: Vec::new() });
                    params.len() - 1
                }
            };
            if let Some(param) = params.get_mut(index) {
                param.fields.push((field, item.value()));
            }
        }
        params
    }

    /// Checks the syntax once, for the deviations list: spaces, empty items,
    /// trailing `;`, items without `=`, the shape of `DataTime`.
    pub(crate) fn scan(&self) -> Deviations {
        let mut deviations = Deviations::new();
        let text = self.text;
        if text.is_empty() {
            return deviations;
        }
        if text.trim().is_empty() {
            deviations.insert(Deviation::CpSpaces);
            return deviations;
        }
        let trimmed_end = text.trim_end_matches(' ');
        if trimmed_end.ends_with(';') {
            deviations.insert(Deviation::CpTrailingSemicolon);
        }
        let body = trimmed_end.strip_suffix(';').unwrap_or(trimmed_end);
        for group in body.split(';') {
            for raw in group.split(',') {
                let item = raw.trim_matches(' ');
                if item.len() != raw.len() {
                    deviations.insert(Deviation::CpSpaces);
                }
                if item.is_empty() {
                    deviations.insert(Deviation::CpEmptyItem);
                    continue;
                }
                let Some((key, value)) = item.split_once('=') else {
                    deviations.insert(Deviation::CpItemWithoutEquals);
                    continue;
                };
                let key_trimmed = key.trim_end_matches(' ');
                if key_trimmed.len() != key.len() || value.starts_with(' ') {
                    deviations.insert(Deviation::CpSpaces);
                }
                if Key::parse(key_trimmed).value_kind() == ValueKind::Number
                    && parse_number(value.trim_matches(' ')).is_none()
                {
                    deviations.insert(Deviation::NonNumericValue);
                }
                if key_trimmed == "DataTime" {
                    let value = value.trim_matches(' ');
                    if !value.bytes().all(|byte| byte.is_ascii_digit()) {
                        deviations.insert(Deviation::MalformedDataTime);
                    } else if value.len() == 17 {
                        deviations.insert(Deviation::DataTimeMillis);
                    } else if value.len() != 14 {
                        deviations.insert(Deviation::MalformedDataTime);
                    }
                }
            }
        }
        deviations
    }
}

/// The values of one parameter code, from [`Cp::params`].
#[derive(Debug, Clone, PartialEq)]
pub struct Param<'a> {
    /// The parameter code.
    pub code: &'a str,
    /// Each field with its value, in order.
    pub fields: Vec<(Field<'a>, Value<'a>)>,
}

impl<'a> Param<'a> {
    /// The value of `field`, if present.
    pub fn get(&self, field: Field<'_>) -> Option<Value<'a>> {
        self.fields.iter().find(|(f, _)| *f == field).map(|(_, value)| *value)
    }
}

/// Iterator over the items of a [`Cp`].
#[derive(Debug, Clone)]
pub struct CpItems<'a> {
    rest: &'a str,
    group: usize,
    done: bool,
}

impl<'a> Iterator for CpItems<'a> {
    type Item = CpItem<'a>;

    fn next(&mut self) -> Option<CpItem<'a>> {
        loop {
            if self.done {
                return None;
            }
            let bytes = self.rest.as_bytes();
            let end = bytes.iter().position(|&byte| byte == b';' || byte == b',');
            let (raw, separator) = match end {
                Some(index) => (self.rest.get(..index).unwrap_or(""), bytes.get(index).copied()),
                None => (self.rest, None),
            };
            let group = self.group;
            match end {
                Some(index) => self.rest = self.rest.get(index + 1..).unwrap_or(""),
                None => self.done = true,
            }
            if separator == Some(b';') {
                self.group += 1;
            }
            let item = raw.trim_matches(' ');
            if item.is_empty() {
                continue;
            }
            let (key, text) = match item.split_once('=') {
                Some((key, value)) => (key.trim_end_matches(' '), value.trim_start_matches(' ')),
                None => (item, ""),
            };
            return Some(CpItem { group, key: Key::parse(key), text });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("166.9"), Some(166.9));
        assert_eq!(parse_number("-0.25"), Some(-0.25));
        assert_eq!(parse_number("12"), Some(12.0));
        assert_eq!(parse_number("0.000"), Some(0.0));
        assert_eq!(parse_number("1.5E-3"), Some(0.0015));
        assert_eq!(parse_number("12345678901234567890.5"), "12345678901234567890.5".parse().ok());
        for bad in ["", "-", ".", "abc", "1.2.3", "inf", "NaN", "1,2", " 1"] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
        for text in ["0.1", "3.14159", "99999.999", "-7.05", "1024.0001", "0.30000000000000004"] {
            assert_eq!(parse_number(text), text.parse::<f64>().ok(), "{text}");
        }
    }

    #[test]
    fn items_and_groups() {
        let cp = Cp::new("DataTime=20160801084000;w01018-Rtd=166.9,w01018-Flag=N; SB1-RS=1;;x;");
        let items: Vec<_> = cp.items().collect();
        assert_eq!(items.len(), 5);
        assert_eq!(items[1].key, Key::Param { code: "w01018", field: Field::Rtd });
        assert_eq!(items[1].value(), Value::Number(166.9));
        assert_eq!(items[2].value(), Value::Text("N"));
        assert_eq!(items[2].group, 1);
        assert_eq!(items[3].group, 2);
        assert_eq!(items[3].key, Key::Param { code: "SB1", field: Field::Rs });
        assert_eq!(items[4].key, Key::Plain("x"));
        assert_eq!(cp.data_time(), Some("20160801084000"));
        let deviations = cp.scan();
        assert!(deviations.contains(Deviation::CpSpaces));
        assert!(deviations.contains(Deviation::CpEmptyItem));
        assert!(deviations.contains(Deviation::CpItemWithoutEquals));
        assert!(deviations.contains(Deviation::CpTrailingSemicolon));
        assert!(Cp::new("").is_empty());
        assert!(Cp::new(" ").is_empty());
        assert_eq!(Cp::new("w01018-Rtd=x").items().next().unwrap().value(), Value::NonNumeric("x"));
    }
}
