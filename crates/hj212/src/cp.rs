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
        match name.as_bytes() {
            [b'R', b't', b'd'] => Field::Rtd,
            [b'M', b'i', b'n'] => Field::Min,
            [b'A', b'v', b'g'] => Field::Avg,
            [b'M', b'a', b'x'] => Field::Max,
            [b'C', b'o', b'u'] => Field::Cou,
            [b'F', b'l', b'a', b'g'] => Field::Flag,
            [b'Z', b's', rest @ ..] => match rest {
                [b'R', b't', b'd'] => Field::ZsRtd,
                [b'M', b'i', b'n'] => Field::ZsMin,
                [b'A', b'v', b'g'] => Field::ZsAvg,
                [b'M', b'a', b'x'] => Field::ZsMax,
                _ => Field::Other(name),
            },
            [b'S', b'N'] => Field::Sn,
            [b'R', b'S'] => Field::Rs,
            [b'R', b'T'] => Field::Rt,
            _ => match name {
                "EFlag" => Field::EFlag,
                "SampleTime" => Field::SampleTime,
                "Info" => Field::Info,
                "Data" => Field::Data,
                "DayData" => Field::DayData,
                "NightData" => Field::NightData,
                "Ala" => Field::Ala,
                "UpValue" => Field::UpValue,
                "LowValue" => Field::LowValue,
                _ => Field::Other(name),
            },
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
        CpItems { text: self.text, pos: 0, group: 0, done: self.text.is_empty() }
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

    /// `DataTime` as a local time (14 digits, or 17 with milliseconds); `None`
    /// when absent, an error when present but not a valid time.
    pub fn data_time_local(&self) -> Option<crate::error::Result<crate::time::LocalDateTime>> {
        self.data_time().map(crate::time::LocalDateTime::parse)
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
    /// trailing `;`, items without `=`, non-numeric values of numeric fields,
    /// the shape of `DataTime`. One pass over the bytes, no allocation.
    pub(crate) fn scan(&self) -> Deviations {
        let mut deviations = Deviations::new();
        let text = self.text;
        if text.is_empty() {
            return deviations;
        }
        let bytes = text.as_bytes();
        let mut end = bytes.len();
        while end > 0 && bytes.get(end - 1) == Some(&b' ') {
            end -= 1;
        }
        if end < bytes.len() {
            deviations.insert(Deviation::CpSpaces);
        }
        if end == 0 {
            return deviations;
        }
        if bytes.get(end - 1) == Some(&b';') {
            deviations.insert(Deviation::CpTrailingSemicolon);
            end -= 1;
        }
        let body = bytes.get(..end).unwrap_or(&[]);
        let mut pos = 0;
        loop {
            let (raw, next) = next_raw(body, pos);
            check_item(text, body, &raw, &mut deviations);
            match next {
                Some(next) => pos = next,
                None => break,
            }
        }
        deviations
    }
}

/// One raw item: byte offsets in the data area.
#[derive(Debug, Clone, Copy)]
struct RawItem {
    start: usize,
    end: usize,
    /// Offset of the first `=`, or `end` when there is none.
    eq: usize,
    /// Offset of the first `-` before `=`, or `eq` when there is none.
    dash: usize,
    /// The separator that ended the item (`;`, `,`), if any.
    separator: Option<u8>,
}

/// Byte classes for the tokenizer: 0 for ordinary bytes.
const CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b';' as usize] = 1;
    table[b',' as usize] = 1;
    table[b'=' as usize] = 2;
    table[b'-' as usize] = 3;
    table
};

/// Finds the item starting at `pos`; returns it and where the next one starts.
#[inline]
fn next_raw(bytes: &[u8], mut pos: usize) -> (RawItem, Option<usize>) {
    let start = pos;
    let mut eq = usize::MAX;
    let mut dash = usize::MAX;
    while let Some(&byte) = bytes.get(pos) {
        match CLASS[usize::from(byte)] {
            0 => {}
            1 => {
                let eq = eq.min(pos);
                let raw =
                    RawItem { start, end: pos, eq, dash: dash.min(eq), separator: Some(byte) };
                return (raw, Some(pos + 1));
            }
            2 => eq = eq.min(pos),
            _ => {
                if eq == usize::MAX && dash == usize::MAX {
                    dash = pos;
                }
            }
        }
        pos += 1;
    }
    let eq = eq.min(pos);
    (RawItem { start, end: pos, eq, dash: dash.min(eq), separator: None }, None)
}

/// Whether `bytes` is a plain decimal: optional sign, digits, at most one point,
/// at least one digit. Anything else goes through [`parse_number`].
#[inline]
fn is_plain_decimal(bytes: &[u8]) -> bool {
    let digits = match bytes.split_first() {
        Some((b'-' | b'+', rest)) => rest,
        _ => bytes,
    };
    let mut n_digits = 0usize;
    let mut seen_dot = false;
    for &byte in digits {
        match byte {
            b'0'..=b'9' => n_digits += 1,
            b'.' if !seen_dot => seen_dot = true,
            _ => return false,
        }
    }
    n_digits > 0
}

/// Trims spaces from both ends of `bytes[start..end]`.
#[inline]
fn trim_spaces(bytes: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && bytes.get(start) == Some(&b' ') {
        start += 1;
    }
    while end > start && bytes.get(end - 1) == Some(&b' ') {
        end -= 1;
    }
    (start, end)
}

/// The key at `text[start..end]`, whose first `-` (if before `end`) is at `dash`.
#[inline]
fn key_at(text: &str, start: usize, end: usize, dash: usize) -> Key<'_> {
    if dash < end {
        let code = text.get(start..dash).unwrap_or("");
        let field = text.get(dash + 1..end).unwrap_or("");
        Key::Param { code, field: Field::parse(field) }
    } else {
        Key::Plain(text.get(start..end).unwrap_or(""))
    }
}

fn check_item(text: &str, bytes: &[u8], raw: &RawItem, deviations: &mut Deviations) {
    let (start, end) = trim_spaces(bytes, raw.start, raw.end);
    if (start, end) != (raw.start, raw.end) {
        deviations.insert(Deviation::CpSpaces);
    }
    if start == end {
        deviations.insert(Deviation::CpEmptyItem);
        return;
    }
    if raw.eq >= end {
        deviations.insert(Deviation::CpItemWithoutEquals);
        return;
    }
    let (key_start, key_end) = trim_spaces(bytes, start, raw.eq);
    let (value_start, value_end) = trim_spaces(bytes, raw.eq + 1, end);
    if key_end != raw.eq || value_start != raw.eq + 1 {
        deviations.insert(Deviation::CpSpaces);
    }
    let value = bytes.get(value_start..value_end).unwrap_or(&[]);
    let key_bytes = bytes.get(key_start..key_end).unwrap_or(&[]);
    if key_bytes.first() == Some(&b'D') && key_bytes == b"DataTime" {
        if !value.iter().all(u8::is_ascii_digit) {
            deviations.insert(Deviation::MalformedDataTime);
        } else if value.len() == 17 {
            deviations.insert(Deviation::DataTimeMillis);
        } else if value.len() != 14 {
            deviations.insert(Deviation::MalformedDataTime);
        }
        return;
    }
    if is_plain_decimal(value) {
        return;
    }
    let key = key_at(text, key_start, key_end, raw.dash);
    if key.value_kind() == ValueKind::Number
        && text.get(value_start..value_end).and_then(parse_number).is_none()
    {
        deviations.insert(Deviation::NonNumericValue);
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
    text: &'a str,
    pos: usize,
    group: usize,
    done: bool,
}

impl<'a> Iterator for CpItems<'a> {
    type Item = CpItem<'a>;

    fn next(&mut self) -> Option<CpItem<'a>> {
        let bytes = self.text.as_bytes();
        loop {
            if self.done {
                return None;
            }
            let (raw, next) = next_raw(bytes, self.pos);
            let group = self.group;
            match next {
                Some(next) => self.pos = next,
                None => self.done = true,
            }
            if raw.separator == Some(b';') {
                self.group += 1;
            }
            let (start, end) = trim_spaces(bytes, raw.start, raw.end);
            if start == end {
                continue;
            }
            let (key_start, key_end) = trim_spaces(bytes, start, raw.eq.min(end));
            let text = if raw.eq < end {
                let (value_start, value_end) = trim_spaces(bytes, raw.eq + 1, end);
                self.text.get(value_start..value_end).unwrap_or("")
            } else {
                ""
            };
            let key = key_at(self.text, key_start, key_end, raw.dash);
            return Some(CpItem { group, key, text });
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
