//! The crate's one error type.
//!
//! Every variant names the input that caused it, and [`Error::reason`] gives a
//! fixed snake_case label for metrics and JSON ([`REASONS`] lists them all).

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Longest excerpt of offending input quoted in an error message, in characters.
const MAX_QUOTED_CHARS: usize = 40;

/// Quotes at most [`MAX_QUOTED_CHARS`] characters of `text`, marking a cut with `…`.
pub(crate) fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    if text.chars().nth(MAX_QUOTED_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Quotes raw bytes, lossily, for an error message.
pub(crate) fn excerpt_bytes(bytes: &[u8]) -> String {
    excerpt(&String::from_utf8_lossy(bytes))
}

/// Why a frame, packet, time or encode request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The frame does not start with `##` followed by a digit.
    #[error("frame does not start with `##` and a length: {found:?}")]
    NoHeader {
        /// The first bytes of the frame.
        found: String,
    },
    /// The frame is too short to hold the header, a length, a CRC.
    #[error("frame of {n_bytes} bytes is truncated: {found:?}")]
    Truncated {
        /// Bytes in the frame.
        n_bytes: usize,
        /// The frame, quoted.
        found: String,
    },
    /// The length field disagrees with the data segment and the packet is not
    /// accepted with [`crate::DecodeOptions::accept_wrong_length`].
    #[error("length field says {declared} bytes but the data segment has {actual}")]
    LengthMismatch {
        /// The length written in the frame.
        declared: usize,
        /// The bytes actually found between the length field and the CRC.
        actual: usize,
    },
    /// The four characters before the trailer are not hexadecimal.
    #[error("CRC field {found:?} is not 4 hexadecimal digits")]
    BadCrcText {
        /// The text found where the CRC should be.
        found: String,
    },
    /// The CRC in the frame does not match the data segment.
    #[error("CRC mismatch: data segment gives {expected:04X}, frame carries {found}")]
    CrcMismatch {
        /// The HJ 212 CRC of the data segment.
        expected: u16,
        /// The CRC text in the frame.
        found: String,
    },
    /// The CRC in the frame is CRC-16/MODBUS, refused unless
    /// [`crate::DecodeOptions::accept_modbus_crc`] is set.
    #[error(
        "CRC {found} is CRC-16/MODBUS, not the HJ 212 CRC {expected:04X} (enable accept_modbus_crc for this device)"
    )]
    ModbusCrc {
        /// The HJ 212 CRC of the data segment.
        expected: u16,
        /// The CRC text in the frame.
        found: String,
    },
    /// The data segment is not UTF-8 (GBK text, binary garbage).
    #[error("data segment is not UTF-8 at byte {offset}, near {found:?}")]
    InvalidUtf8 {
        /// Byte offset of the first invalid byte inside the data segment.
        offset: usize,
        /// The bytes around the offset, quoted lossily.
        found: String,
    },
    /// A required header field is absent or empty.
    #[error("missing or empty field {field}")]
    MissingField {
        /// The field's name as the standard spells it (`MN`, `CN`, `CP`...).
        field: &'static str,
    },
    /// A header field appears twice.
    #[error("field {field} appears twice")]
    DuplicateField {
        /// The field's name.
        field: String,
    },
    /// A header item has no `=`.
    #[error("header item {found:?} has no `=`")]
    BadHeaderItem {
        /// The item as found.
        found: String,
    },
    /// The `Flag` value is not an integer 0–255.
    #[error("Flag {found:?} is not an integer 0-255")]
    BadFlag {
        /// The Flag text.
        found: String,
    },
    /// `PNUM` or `PNO` is not a number 1–9999, or `PNO` exceeds `PNUM`.
    #[error("bad sub-packet numbering {field}={found:?}")]
    BadSubpacket {
        /// `PNUM` or `PNO`.
        field: &'static str,
        /// The value text.
        found: String,
    },
    /// A date-time is not `YYYYMMDDhhmmss` (optionally with `zzz` milliseconds) or is not a real time.
    #[error("bad date-time {found:?}: {why}")]
    BadTime {
        /// The text given.
        found: String,
        /// What is wrong.
        why: &'static str,
    },
    /// Text given to the encoder contains a character the CP syntax cannot carry.
    #[error("cannot encode {field} = {found:?}: it contains one of `;` `,` `=` `&` CR LF")]
    BadEncodeText {
        /// Which field or key.
        field: String,
        /// The offending text.
        found: String,
    },
    /// The encoded data segment is longer than a 4-digit length field can state.
    #[error("encoded data segment has {n_bytes} bytes, more than 9999")]
    SegmentTooLong {
        /// Bytes in the data segment.
        n_bytes: usize,
    },
    /// A JSON packet description given to the encoder is not of the expected shape.
    #[error("bad packet description: {why}")]
    BadDescription {
        /// What is wrong.
        why: String,
    },
}

/// Every label [`Error::reason`] can return, in declaration order.
pub const REASONS: &[&str] = &[
    "no_header",
    "truncated",
    "length_mismatch",
    "bad_crc_text",
    "crc_mismatch",
    "modbus_crc",
    "invalid_utf8",
    "missing_field",
    "duplicate_field",
    "bad_header_item",
    "bad_flag",
    "bad_subpacket",
    "bad_time",
    "bad_encode_text",
    "segment_too_long",
    "bad_description",
];

impl Error {
    /// A fixed snake_case label for this kind of error, one of [`REASONS`].
    pub fn reason(&self) -> &'static str {
        match self {
            Error::NoHeader { .. } => "no_header",
            Error::Truncated { .. } => "truncated",
            Error::LengthMismatch { .. } => "length_mismatch",
            Error::BadCrcText { .. } => "bad_crc_text",
            Error::CrcMismatch { .. } => "crc_mismatch",
            Error::ModbusCrc { .. } => "modbus_crc",
            Error::InvalidUtf8 { .. } => "invalid_utf8",
            Error::MissingField { .. } => "missing_field",
            Error::DuplicateField { .. } => "duplicate_field",
            Error::BadHeaderItem { .. } => "bad_header_item",
            Error::BadFlag { .. } => "bad_flag",
            Error::BadSubpacket { .. } => "bad_subpacket",
            Error::BadTime { .. } => "bad_time",
            Error::BadEncodeText { .. } => "bad_encode_text",
            Error::SegmentTooLong { .. } => "segment_too_long",
            Error::BadDescription { .. } => "bad_description",
        }
    }
}
