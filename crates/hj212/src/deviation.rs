//! Deviations: departures from the standard that a packet was accepted with.
//!
//! Real devices bend the standard (fact sheet §13). A decoded packet carries
//! the set of deviations it was accepted with instead of being refused, so the
//! gateway can archive, count and answer it. The set is a bit set: no allocation.

/// One way a packet departs from the standard but was still accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Deviation {
    /// The CRC text uses lower-case hex digits.
    LowercaseCrc,
    /// The CRC is CRC-16/MODBUS (accepted by [`crate::DecodeOptions::accept_modbus_crc`]).
    ModbusCrc,
    /// The CRC did not match or was unreadable and was ignored ([`crate::DecodeOptions::skip_crc`]).
    CrcIgnored,
    /// The frame does not end with CR LF (missing, or only one of the two).
    MissingCrlf,
    /// The length field disagrees with the data segment ([`crate::DecodeOptions::accept_wrong_length`]).
    LengthMismatch,
    /// The length field counts UTF-8 characters instead of bytes (C#/Java `string.Length`).
    LengthInChars,
    /// The length field has fewer than 4 digits (`##81`).
    LengthNotPadded,
    /// The data segment is longer than the standard's 1024 bytes.
    SegmentOver1024,
    /// The CP field (from `CP=&&` to `&&`) is longer than the standard's 950 bytes.
    CpOver950,
    /// No `QN`, or an empty one, where the version requires it.
    MissingQn,
    /// `QN` is 13 digits: Unix epoch milliseconds instead of `YYYYMMDDhhmmsszzz`.
    EpochMsQn,
    /// `QN` is neither 17 nor 13 digits.
    MalformedQn,
    /// No `Flag` field (HJ/T 212-2005 style); the version is taken as 2005.
    MissingFlag,
    /// No `PW` field.
    MissingPw,
    /// Flag bit D is set but `PNUM`/`PNO` are absent.
    SubpacketBitWithoutNumbers,
    /// `PNUM`/`PNO` are present but Flag bit D is not set.
    SubpacketNumbersWithoutBit,
    /// A header field outside the standard's list (kept in [`crate::Packet::extra_header`]).
    UnknownHeaderField,
    /// CP does not start with `&&`.
    CpNotOpened,
    /// CP is not closed by `&&`; the rest of the segment was taken as the data area.
    CpNotClosed,
    /// A `;` right before the closing `&&`.
    CpTrailingSemicolon,
    /// Spaces around CP items or keys (the standard's own examples print `CP=&& &&`).
    CpSpaces,
    /// An empty CP item (`;;` or `,,`).
    CpEmptyItem,
    /// A CP item without `=`; kept with an empty value.
    CpItemWithoutEquals,
    /// `DataTime` has 17 digits (with milliseconds) instead of 14.
    DataTimeMillis,
    /// `DataTime` is not 14 or 17 digits.
    MalformedDataTime,
    /// A field that should be numeric is not a number; the packet is kept and
    /// the item reads as [`crate::Value::NonNumeric`].
    NonNumericValue,
    /// Flag version bits name no known version ([`crate::Version::Unknown`]);
    /// the 2017 rules are applied.
    UnknownVersion,
    /// `ST` is not a system code of the packet's version (ST=80 and ST=101 are seen).
    UnknownSystemCode,
}

impl Deviation {
    /// Every deviation, in declaration order.
    pub const ALL: [Deviation; 28] = [
        Deviation::LowercaseCrc,
        Deviation::ModbusCrc,
        Deviation::CrcIgnored,
        Deviation::MissingCrlf,
        Deviation::LengthMismatch,
        Deviation::LengthInChars,
        Deviation::LengthNotPadded,
        Deviation::SegmentOver1024,
        Deviation::CpOver950,
        Deviation::MissingQn,
        Deviation::EpochMsQn,
        Deviation::MalformedQn,
        Deviation::MissingFlag,
        Deviation::MissingPw,
        Deviation::SubpacketBitWithoutNumbers,
        Deviation::SubpacketNumbersWithoutBit,
        Deviation::UnknownHeaderField,
        Deviation::CpNotOpened,
        Deviation::CpNotClosed,
        Deviation::CpTrailingSemicolon,
        Deviation::CpSpaces,
        Deviation::CpEmptyItem,
        Deviation::CpItemWithoutEquals,
        Deviation::DataTimeMillis,
        Deviation::MalformedDataTime,
        Deviation::NonNumericValue,
        Deviation::UnknownVersion,
        Deviation::UnknownSystemCode,
    ];

    /// A fixed snake_case label for metrics and JSON.
    pub fn label(self) -> &'static str {
        match self {
            Deviation::LowercaseCrc => "lowercase_crc",
            Deviation::ModbusCrc => "modbus_crc",
            Deviation::CrcIgnored => "crc_ignored",
            Deviation::MissingCrlf => "missing_crlf",
            Deviation::LengthMismatch => "length_mismatch",
            Deviation::LengthInChars => "length_in_chars",
            Deviation::LengthNotPadded => "length_not_padded",
            Deviation::SegmentOver1024 => "segment_over_1024",
            Deviation::CpOver950 => "cp_over_950",
            Deviation::MissingQn => "missing_qn",
            Deviation::EpochMsQn => "epoch_ms_qn",
            Deviation::MalformedQn => "malformed_qn",
            Deviation::MissingFlag => "missing_flag",
            Deviation::MissingPw => "missing_pw",
            Deviation::SubpacketBitWithoutNumbers => "subpacket_bit_without_numbers",
            Deviation::SubpacketNumbersWithoutBit => "subpacket_numbers_without_bit",
            Deviation::UnknownHeaderField => "unknown_header_field",
            Deviation::CpNotOpened => "cp_not_opened",
            Deviation::CpNotClosed => "cp_not_closed",
            Deviation::CpTrailingSemicolon => "cp_trailing_semicolon",
            Deviation::CpSpaces => "cp_spaces",
            Deviation::CpEmptyItem => "cp_empty_item",
            Deviation::CpItemWithoutEquals => "cp_item_without_equals",
            Deviation::DataTimeMillis => "data_time_millis",
            Deviation::MalformedDataTime => "malformed_data_time",
            Deviation::NonNumericValue => "non_numeric_value",
            Deviation::UnknownVersion => "unknown_version",
            Deviation::UnknownSystemCode => "unknown_system_code",
        }
    }

    fn bit(self) -> u32 {
        1u32 << (self as u8)
    }
}

/// A set of [`Deviation`]s (a bit set; `Copy`, no allocation).
/// `Debug` prints the labels.
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Deviations(u32);

impl std::fmt::Debug for Deviations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.labels()).finish()
    }
}

impl Deviations {
    /// The empty set.
    pub const fn new() -> Deviations {
        Deviations(0)
    }

    /// Adds a deviation.
    pub fn insert(&mut self, deviation: Deviation) {
        self.0 |= deviation.bit();
    }

    /// Whether the set holds `deviation`.
    pub fn contains(self, deviation: Deviation) -> bool {
        self.0 & deviation.bit() != 0
    }

    /// Whether the set is empty (a strictly standard packet).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Number of deviations in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Adds every deviation of `other`.
    pub fn extend(&mut self, other: Deviations) {
        self.0 |= other.0;
    }

    /// The deviations, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Deviation> {
        Deviation::ALL.into_iter().filter(move |deviation| self.contains(*deviation))
    }

    /// The labels, in declaration order.
    pub fn labels(self) -> impl Iterator<Item = &'static str> {
        self.iter().map(Deviation::label)
    }
}

impl FromIterator<Deviation> for Deviations {
    fn from_iter<I: IntoIterator<Item = Deviation>>(iter: I) -> Deviations {
        let mut set = Deviations::new();
        for deviation in iter {
            set.insert(deviation);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_distinct_and_bits_fit() {
        let mut labels: Vec<_> = Deviation::ALL.iter().map(|d| d.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Deviation::ALL.len());
        for (i, deviation) in Deviation::ALL.iter().enumerate() {
            assert_eq!(*deviation as usize, i);
        }
        let all: Deviations = Deviation::ALL.into_iter().collect();
        assert_eq!(all.len(), Deviation::ALL.len());
        assert_eq!(all.iter().count(), Deviation::ALL.len());
        let two: Deviations = [Deviation::MissingQn, Deviation::LowercaseCrc].into_iter().collect();
        assert_eq!(format!("{two:?}"), r#"["lowercase_crc", "missing_qn"]"#);
    }
}
