//! Exact decimal numbers for comparisons against the standards' limits.

use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// An exact decimal number with six fractional digits (a count of millionths).
///
/// The standards' limits are decimals (GB 3838-2002 table 1: TP 0.2 mg/L,
/// mercury 0.00005 mg/L), and a value exactly at a limit meets it
/// (GB 3838-2002 table 1, "≤"). Binary floating point cannot represent 0.2,
/// so every comparison in this crate is made on this type.
///
/// Scale: 6 decimal places, enough for the smallest limit in table 1
/// (mercury, 0.00005 mg/L). Text and `f64` inputs with more digits are
/// **rounded half away from zero** to 6 places, never truncated.
///
/// It lives in [`crate::water`] because that is where it was first needed;
/// [`crate::noise`] and [`crate::emission`] use it too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal {
    micros: i64,
}

impl Decimal {
    /// Number of units in 1 (10⁶).
    pub const SCALE: i64 = 1_000_000;
    /// Zero.
    pub const ZERO: Decimal = Decimal { micros: 0 };

    /// The decimal with the given number of millionths.
    pub const fn from_micros(micros: i64) -> Decimal {
        Decimal { micros }
    }

    /// The decimal equal to the integer `value`.
    pub const fn from_int(value: i32) -> Decimal {
        Decimal { micros: value as i64 * Decimal::SCALE }
    }

    /// The number of millionths.
    pub const fn micros(self) -> i64 {
        self.micros
    }

    /// Converts a floating-point input: the shortest decimal text that reads
    /// back as `value` (Rust's `Display` for `f64`, so `0.2_f64` becomes
    /// exactly 0.2), rounded half away from zero to 6 places.
    /// `None` for NaN, infinities and magnitudes beyond about 9.2 × 10¹².
    pub fn from_f64(value: f64) -> Option<Decimal> {
        if !value.is_finite() {
            return None;
        }
        Decimal::parse(&value.to_string()).ok()
    }

    /// The nearest `f64`, for display and charts only.
    pub fn to_f64(self) -> f64 {
        // Split to keep the integer part exact.
        let whole = self.micros / Decimal::SCALE;
        let frac = self.micros % Decimal::SCALE;
        whole as f64 + frac as f64 / Decimal::SCALE as f64
    }

    /// Parses decimal text such as `0.2`, `-1.50`, `+7`, `.5`: an optional
    /// sign, digits, an optional point and digits (no exponent, no thousands
    /// separators; surrounding whitespace is ignored). More than 6 fractional
    /// digits are rounded half away from zero.
    pub fn parse(text: &str) -> Result<Decimal> {
        let invalid = || Error::InvalidDecimal { text: text.to_owned() };
        let trimmed = text.trim();
        let (negative, body) = match trimmed.as_bytes().first() {
            Some(b'-') => (true, &trimmed[1..]),
            Some(b'+') => (false, &trimmed[1..]),
            _ => (false, trimmed),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((int_part, frac_part)) => (int_part, frac_part),
            None => (body, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !all_digits(int_part)
            || !all_digits(frac_part)
        {
            return Err(invalid());
        }
        let mut micros: i64 = 0;
        for b in int_part.bytes() {
            micros = micros
                .checked_mul(10)
                .and_then(|m| m.checked_add(i64::from(b - b'0')))
                .ok_or_else(invalid)?;
        }
        micros = micros.checked_mul(Decimal::SCALE).ok_or_else(invalid)?;
        let frac = frac_part.as_bytes();
        let mut frac_micros: i64 = 0;
        for i in 0..6 {
            let digit = frac.get(i).map_or(0, |b| i64::from(b - b'0'));
            frac_micros = frac_micros * 10 + digit;
        }
        if frac.get(6).is_some_and(|b| *b >= b'5') {
            frac_micros += 1;
        }
        micros = micros.checked_add(frac_micros).ok_or_else(invalid)?;
        Ok(Decimal { micros: if negative { -micros } else { micros } })
    }

    /// `numerator / denominator` (both in any common unit), rounded half away
    /// from zero to 6 places; `None` if the denominator is zero or the result
    /// does not fit.
    pub(crate) fn from_ratio(numerator: i128, denominator: i128) -> Option<Decimal> {
        if denominator == 0 {
            return None;
        }
        let (numerator, denominator) =
            if denominator < 0 { (-numerator, -denominator) } else { (numerator, denominator) };
        let scaled = numerator.checked_mul(i128::from(Decimal::SCALE))?;
        let quotient = scaled / denominator;
        let remainder = scaled % denominator;
        let rounded =
            if remainder.abs() * 2 >= denominator { quotient + scaled.signum() } else { quotient };
        i64::try_from(rounded).ok().map(Decimal::from_micros)
    }

    /// `self + other`, `None` on overflow.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        self.micros.checked_add(other.micros).map(Decimal::from_micros)
    }

    /// `self − other`, `None` on overflow.
    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        self.micros.checked_sub(other.micros).map(Decimal::from_micros)
    }

    /// Whether the number is below zero.
    pub fn is_negative(self) -> bool {
        self.micros < 0
    }

    /// The arithmetic mean of `values`, rounded half away from zero to 6
    /// places; `None` for an empty slice.
    pub fn mean(values: &[Decimal]) -> Option<Decimal> {
        let sum: i128 = values.iter().map(|v| i128::from(v.micros)).sum();
        let n = i128::try_from(values.len()).ok()?;
        Decimal::from_ratio(sum, n.checked_mul(i128::from(Decimal::SCALE))?)
    }
}

impl fmt::Display for Decimal {
    /// Plain decimal text without trailing zeros: `0.2`, `15`, `-0.00005`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.micros < 0 { "-" } else { "" };
        let abs = self.micros.unsigned_abs();
        let whole = abs / 1_000_000;
        let frac = abs % 1_000_000;
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let digits = format!("{frac:06}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl FromStr for Decimal {
    type Err = Error;

    fn from_str(text: &str) -> Result<Decimal> {
        Decimal::parse(text)
    }
}

impl serde::Serialize for Decimal {
    /// As a JSON string such as `"0.2"`, so that no reader turns it into
    /// binary floating point.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Decimal {
    /// From decimal text ([`Decimal::parse`]), an integer, or a float
    /// ([`Decimal::from_f64`]).
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Decimal, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Int(i64),
            Float(f64),
            Text(String),
        }
        let invalid =
            |shown: String| serde::de::Error::custom(Error::InvalidDecimal { text: shown });
        match Repr::deserialize(deserializer)? {
            Repr::Text(text) => Decimal::parse(&text).map_err(serde::de::Error::custom),
            Repr::Int(value) => value
                .checked_mul(Decimal::SCALE)
                .map(Decimal::from_micros)
                .ok_or_else(|| invalid(value.to_string())),
            Repr::Float(value) => {
                Decimal::from_f64(value).ok_or_else(|| invalid(value.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Decimal;

    #[test]
    fn parse_and_display() {
        for (text, micros, shown) in [
            ("0.2", 200_000, "0.2"),
            ("0.00005", 50, "0.00005"),
            ("-1.50", -1_500_000, "-1.5"),
            ("+7", 7_000_000, "7"),
            (".5", 500_000, "0.5"),
            ("3.", 3_000_000, "3"),
            ("0.0000005", 1, "0.000001"),
            ("0.00000049", 0, "0"),
            ("-0.0000005", -1, "-0.000001"),
        ] {
            let d = Decimal::parse(text).unwrap();
            assert_eq!(d.micros(), micros, "{text}");
            assert_eq!(d.to_string(), shown, "{text}");
        }
        for bad in ["", "-", ".", "1e5", "1,5", "abc", "--1", "99999999999999999999"] {
            assert!(Decimal::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn from_f64_rounds_not_truncates() {
        assert_eq!(Decimal::from_f64(0.2), Decimal::parse("0.2").ok());
        assert_eq!(Decimal::from_f64(0.1 + 0.2), Decimal::parse("0.3").ok());
        assert_eq!(Decimal::from_f64(0.0000005), Some(Decimal::from_micros(1)));
        assert_eq!(Decimal::from_f64(f64::NAN), None);
        assert_eq!(Decimal::from_f64(1e300), None);
    }

    #[test]
    fn ratio_and_mean() {
        assert_eq!(Decimal::from_ratio(1, 3), Some(Decimal::from_micros(333_333)));
        assert_eq!(Decimal::from_ratio(2, 3), Some(Decimal::from_micros(666_667)));
        assert_eq!(Decimal::from_ratio(-2, 3), Some(Decimal::from_micros(-666_667)));
        assert_eq!(Decimal::from_ratio(1, 0), None);
        let values = [Decimal::from_int(1), Decimal::from_int(2)];
        assert_eq!(Decimal::mean(&values), Decimal::parse("1.5").ok());
        assert_eq!(Decimal::mean(&[]), None);
    }
}
