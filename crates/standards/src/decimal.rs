//! Exact decimal concentrations as scaled integers.
//!
//! The standards round (HJ 633-2012 6.2 and HJ 633-2026 4.2.6: IAQI rounded
//! up; HJ 633-2026 4.2.2: inputs by GB/T 8170), so every computation that
//! feeds a rounding is done on integers.
//! A [`Conc`] is a concentration in thousandths of its unit (µg/m³, or mg/m³
//! for CO); a [`MeanConc`] is an exact mean, `sum / n` of such values.
//! A binary float would give CO 2.2 mg/m³ an IAQI of 55.000…01, which rounds
//! up to 56 instead of 55.

use std::fmt;
use std::num::NonZeroU32;

use crate::error::{Error, Result};

/// A non-negative concentration in thousandths of its unit (µg/m³ for SO2,
/// NO2, O3, PM10, PM2.5; mg/m³ for CO, HJ 633 table 1 units).
///
/// Build it from thousandths ([`Conc::from_milli`]), from exact decimal text
/// ([`Conc::parse`]) or from a float ([`Conc::from_f64`], which rounds to the
/// nearest thousandth and never truncates).
///
/// Stored as thousandths + 1 in a `NonZeroU32` (range 0 ..= 2 147 483.647),
/// so that `Option<Conc>` takes 4 bytes: a station-year of six pollutants
/// is 210 kB.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Conc(NonZeroU32);

impl fmt::Debug for Conc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Conc({self})")
    }
}

impl Default for Conc {
    fn default() -> Conc {
        Conc::ZERO
    }
}

/// Number of scaled units in one unit of concentration.
pub const SCALE: i64 = 1000;

impl Conc {
    /// Zero.
    pub const ZERO: Conc = Conc(NonZeroU32::MIN);

    /// Builds from thousandths already checked to be in 0..=i32::MAX.
    const fn from_checked(milli: u32) -> Conc {
        match NonZeroU32::new(milli.saturating_add(1)) {
            Some(v) => Conc(v),
            None => Conc::ZERO,
        }
    }

    /// A concentration of `milli` thousandths of the unit.
    pub fn from_milli(milli: i64) -> Result<Conc> {
        if milli < 0 {
            return Err(Error::NegativeConcentration { value: format_milli(milli) });
        }
        i32::try_from(milli)
            .map(|m| Conc::from_checked(m as u32))
            .map_err(|_| Error::ConcentrationOutOfRange { value: format_milli(milli) })
    }

    /// A whole number of units (e.g. 75 µg/m³).
    pub fn from_units(units: i64) -> Result<Conc> {
        Conc::from_milli(units.saturating_mul(SCALE))
    }

    /// Converts a float by rounding to the nearest thousandth (halves away
    /// from zero). NaN, infinities, negative and huge values are refused.
    pub fn from_f64(value: f64) -> Result<Conc> {
        if !value.is_finite() {
            return Err(Error::NonFiniteConcentration { value });
        }
        let scaled = (value * SCALE as f64).round();
        if scaled < 0.0 {
            return Err(Error::NegativeConcentration { value: value.to_string() });
        }
        if scaled > f64::from(i32::MAX) {
            return Err(Error::ConcentrationOutOfRange { value: value.to_string() });
        }
        // The range was checked above, so the cast is exact.
        Ok(Conc::from_checked(scaled as u32))
    }

    /// Parses exact decimal text such as `60.5` or `2.2`.
    /// More than three decimals are rounded half to even (GB/T 8170) on the
    /// exact text.
    pub fn parse(text: &str) -> Result<Conc> {
        let invalid = || Error::InvalidDecimal { text: text.to_owned() };
        let trimmed = text.trim();
        if trimmed.starts_with('-') {
            let rest = trimmed.trim_start_matches('-');
            if rest.chars().all(|c| c == '0' || c == '.') && !rest.is_empty() {
                return Ok(Conc::ZERO);
            }
            return Err(Error::NegativeConcentration { value: trimmed.to_owned() });
        }
        let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if (int_part.is_empty() && frac_part.is_empty())
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let out_of_range = || Error::ConcentrationOutOfRange { value: trimmed.to_owned() };
        let mut milli: i64 = 0;
        for b in int_part.bytes() {
            milli = milli
                .checked_mul(10)
                .and_then(|m| m.checked_add(i64::from(b - b'0')))
                .filter(|m| *m <= i64::from(i32::MAX))
                .ok_or_else(out_of_range)?;
        }
        milli = milli.checked_mul(SCALE).ok_or_else(out_of_range)?;
        let frac = frac_part.as_bytes();
        let mut place = 100;
        for &b in frac.iter().take(3) {
            milli += i64::from(b - b'0') * place;
            place /= 10;
        }
        if frac.len() > 3 {
            let first = frac[3] - b'0';
            let rest_nonzero = frac[4..].iter().any(|&b| b != b'0');
            let round_up = first > 5 || (first == 5 && (rest_nonzero || milli % 2 == 1));
            if round_up {
                milli += 1;
            }
        }
        Conc::from_milli(milli)
    }

    /// The stored form of an optional concentration: thousandths + 1, or 0
    /// when missing (the niche of `Option<Conc>`, so this is a plain load).
    /// A sum of stored forms minus the number of non-zero ones is the exact
    /// sum of the thousandths, which lets hot loops add without branches.
    pub(crate) fn stored(value: Option<Conc>) -> u32 {
        value.map_or(0, |conc| conc.0.get())
    }

    /// The concentration of a stored form (see [`Conc::stored`]); `None`
    /// for 0.
    pub(crate) fn from_stored(stored: u32) -> Option<Conc> {
        NonZeroU32::new(stored).map(Conc)
    }

    /// The value in thousandths of the unit.
    pub fn milli(self) -> i64 {
        i64::from(self.0.get() - 1)
    }

    /// The value as a float, for display and charts only.
    pub fn to_f64(self) -> f64 {
        self.milli() as f64 / SCALE as f64
    }

    /// Rounds to `precision` by GB/T 8170 (round half to even).
    pub fn round(self, precision: Precision) -> Conc {
        MeanConc::from(self).round(precision)
    }
}

impl fmt::Display for Conc {
    /// Shortest exact decimal: `60`, `60.5`, `2.25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_milli(self.milli()))
    }
}

/// Formats thousandths as the shortest exact decimal text.
fn format_milli(milli: i64) -> String {
    let sign = if milli < 0 { "-" } else { "" };
    let abs = milli.unsigned_abs();
    let int = abs / 1000;
    let frac = abs % 1000;
    if frac == 0 {
        format!("{sign}{int}")
    } else {
        let text = format!("{frac:03}");
        format!("{sign}{int}.{}", text.trim_end_matches('0'))
    }
}

/// Reporting precision of a concentration (HJ 633-2026 4.2.2; GB/T 8170).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precision {
    /// Whole units: SO2, NO2, O3, PM10, PM2.5 in µg/m³.
    Units,
    /// One decimal: CO in mg/m³.
    Tenths,
    /// Three decimals, the scale of [`Conc`].
    Milli,
}

impl Precision {
    /// The rounding step in thousandths.
    pub fn step_milli(self) -> i64 {
        match self {
            Precision::Units => 1000,
            Precision::Tenths => 100,
            Precision::Milli => 1,
        }
    }
}

/// An exact mean concentration `sum_milli / n` (thousandths of the unit),
/// with `sum_milli ≥ 0` and `n ≥ 1`.
///
/// Means of hourly values (GB 3095 3.7–3.13) are kept exact so that the
/// IAQI's round-up and GB/T 8170 see the true value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeanConc {
    sum_milli: i64,
    n: NonZeroU32,
}

impl From<Conc> for MeanConc {
    fn from(conc: Conc) -> MeanConc {
        MeanConc { sum_milli: conc.milli(), n: NonZeroU32::MIN }
    }
}

impl MeanConc {
    /// The mean of `n` values summing to `sum_milli` thousandths; `None`
    /// when `n` is 0 or the sum is negative.
    pub fn new(sum_milli: i64, n: u32) -> Option<MeanConc> {
        let n = NonZeroU32::new(n)?;
        (sum_milli >= 0).then_some(MeanConc { sum_milli, n })
    }

    /// Sum of the values, in thousandths.
    pub fn sum_milli(self) -> i64 {
        self.sum_milli
    }

    /// Number of values (at least 1).
    pub fn n(self) -> u32 {
        self.n.get()
    }

    /// [`MeanConc::round`], also returning the rounded value as a number of
    /// `precision` steps (whole units, or tenths for CO): the index of the
    /// value in a table with one entry per step.
    pub fn round_steps(self, precision: Precision) -> (Conc, u64) {
        let step = precision.step_milli() as u64;
        // All in 64 bits: the sum is non-negative (an invariant of the
        // type), n < 2^32 and the step ≤ 1000, so the divisor fits.
        let (sum, den) = (self.sum_milli as u64, u64::from(self.n()) * step);
        let (q, r) = (sum / den, sum % den);
        // Half to even, branch-free (the remainder is data): up when twice
        // the remainder exceeds the divisor, or equals it and q is odd.
        let steps = q + u64::from(2 * r + (q & 1) > den);
        // At most i32::MAX after `min`.
        (Conc::from_checked(steps.saturating_mul(step).min(i32::MAX as u64) as u32), steps)
    }

    /// Rounds the exact mean to `precision` by GB/T 8170 (half to even).
    pub fn round(self, precision: Precision) -> Conc {
        // Constant divisors per arm, so no hardware division here.
        let aligned = || match precision {
            Precision::Units => self.sum_milli % 1000 == 0,
            Precision::Tenths => self.sum_milli % 100 == 0,
            Precision::Milli => true,
        };
        if self.n() == 1 && aligned() {
            // Already at the precision (e.g. a single reading, or a rounded mean).
            return Conc::from_checked(self.sum_milli.clamp(0, i64::from(i32::MAX)) as u32);
        }
        self.round_steps(precision).0
    }

    /// The mean to the nearest thousandth (half to even): the [`Conc`] scale.
    pub fn to_conc(self) -> Conc {
        self.round(Precision::Milli)
    }

    /// Compares with a whole-thousandths threshold exactly: `self > milli`.
    pub fn exceeds_milli(self, milli: i64) -> bool {
        match milli.checked_mul(i64::from(self.n())) {
            Some(threshold) => self.sum_milli > threshold,
            None => i128::from(self.sum_milli) > i128::from(milli) * i128::from(self.n()),
        }
    }

    /// The value as a float, for display and charts only.
    pub fn to_f64(self) -> f64 {
        self.sum_milli as f64 / f64::from(self.n()) / SCALE as f64
    }
}

/// `num / den` rounded half to even; `den` must be positive.
pub(crate) fn div_round_half_even(num: i128, den: i128) -> i128 {
    if den <= 0 {
        return 0;
    }
    // Fast path: 64-bit division is several times cheaper than 128-bit.
    if let (Ok(n), Ok(d)) = (i64::try_from(num), i64::try_from(den))
        && n >= 0
        && d < i64::MAX / 2
    {
        let (q, r) = (n / d, n % d);
        // Branch-free: the remainder is data, so a branch on it mispredicts.
        let up = 2 * r + (q & 1) > d;
        return i128::from(q + i64::from(up));
    }
    let q = num.div_euclid(den);
    let r = num.rem_euclid(den);
    match (2 * r).cmp(&den) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

/// `num / den` rounded up (towards +∞); `den` must be positive.
pub(crate) fn div_ceil(num: i128, den: i128) -> i128 {
    if den <= 0 {
        return 0;
    }
    if let (Ok(n), Ok(d)) = (i64::try_from(num), i64::try_from(den))
        && n >= 0
    {
        return i128::from(n / d + i64::from(n % d != 0));
    }
    let q = num.div_euclid(den);
    if num.rem_euclid(den) == 0 { q } else { q + 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_compact() {
        assert_eq!(std::mem::size_of::<Option<Conc>>(), 4);
        assert_eq!(std::mem::size_of::<Option<MeanConc>>(), 16);
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(Conc::parse("2.2").unwrap().milli(), 2200);
        assert_eq!(Conc::parse("60.5").unwrap().to_string(), "60.5");
        assert_eq!(Conc::parse("1.00050").unwrap().milli(), 1000);
        assert_eq!(Conc::parse("1.00150").unwrap().milli(), 1002);
        assert_eq!(Conc::parse(".5").unwrap().milli(), 500);
        assert!(Conc::parse("-1").is_err());
        assert!(Conc::parse("abc").is_err());
        assert!(Conc::parse("").is_err());
        assert!(Conc::parse("99999999999").is_err());
    }

    #[test]
    fn from_f64_rounds_not_truncates() {
        assert_eq!(Conc::from_f64(2.2).unwrap().milli(), 2200);
        assert_eq!(Conc::from_f64(0.0029999).unwrap().milli(), 3);
        assert!(Conc::from_f64(f64::NAN).is_err());
        assert!(Conc::from_f64(-1.0).is_err());
        assert!(Conc::from_f64(1e12).is_err());
    }

    #[test]
    fn gb_t_8170_half_even() {
        let r = |t: &str, p| Conc::parse(t).unwrap().round(p).to_string();
        assert_eq!(r("34.5", Precision::Units), "34");
        assert_eq!(r("35.5", Precision::Units), "36");
        assert_eq!(r("1.25", Precision::Tenths), "1.2");
        assert_eq!(r("1.35", Precision::Tenths), "1.4");
        assert_eq!(r("60.4", Precision::Units), "60");
    }
}
