//! Decoding a frame into a [`Packet`] that borrows from the input.
//!
//! [`decode_frame`] checks the frame (`##`, length, CRC, trailer) and then
//! [`decode_segment`] splits the data segment into the header fields and CP.
//! Nothing is allocated on the success path unless the packet has header
//! fields outside the standard's list.

use crate::cp::Cp;
use crate::crc;
use crate::deviation::{Deviation, Deviations};
use crate::error::{Error, Result, excerpt, excerpt_bytes};
use crate::version::{self, AnswerKind, CnKind, Direction, Flag, Version};

/// Per-device leniency. Each relaxation, when used, adds a [`Deviation`] to the packet.
///
/// Always accepted (with a deviation): lower-case CRC hex, missing or partial
/// CR LF, a length field that counts UTF-8 characters instead of bytes, a
/// length field with fewer than 4 digits, segments over 1024 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecodeOptions {
    /// Accept a CRC-16/MODBUS CRC (either byte order) instead of the HJ 212 CRC.
    pub accept_modbus_crc: bool,
    /// Accept a wrong or unreadable CRC.
    pub skip_crc: bool,
    /// Accept a length field that disagrees with the data segment.
    pub accept_wrong_length: bool,
}

/// A decoded packet, borrowing its text from the frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet<'a> {
    /// The whole data segment (CRC input).
    pub segment: &'a str,
    /// `QN`, request id `YYYYMMDDhhmmsszzz` (absent in most 2005 uploads).
    pub qn: Option<&'a str>,
    /// `ST`, system code.
    pub st: &'a str,
    /// `CN`, command code (kept as text: an unknown code is not an error).
    pub cn: &'a str,
    /// `PW`, access password.
    pub pw: Option<&'a str>,
    /// `MN`, device id.
    pub mn: &'a str,
    /// `Flag`, absent in 2005-style packets.
    pub flag: Option<Flag>,
    /// `PNUM`, number of sub-packets.
    pub pnum: Option<u16>,
    /// `PNO`, this sub-packet's number (1-based).
    pub pno: Option<u16>,
    /// Protocol version: from Flag bits V5..V0; 2005 when there is no Flag.
    pub version: Version,
    /// The CP data area.
    pub cp: Cp<'a>,
    /// Header fields outside the standard's list, kept in order.
    pub extra_header: Vec<(&'a str, &'a str)>,
    /// The deviations the packet was accepted with.
    pub deviations: Deviations,
}

impl<'a> Packet<'a> {
    /// What the command code means when this packet travels in `direction`.
    pub fn cn_kind(&self, direction: Direction) -> CnKind {
        version::classify_cn(self.cn, self.version, direction)
    }

    /// The answer the receiver owes (fact sheet §7), see [`version::expected_answer`].
    pub fn expected_answer(&self, direction: Direction) -> Option<AnswerKind> {
        version::expected_answer(self.cn_kind(direction), self.flag)
    }

    /// Whether Flag bit A asks for an answer.
    pub fn ack_needed(&self) -> bool {
        self.flag.is_some_and(Flag::ack_needed)
    }

    /// `(PNUM, PNO)` when the packet is one part of a sub-packet set.
    pub fn subpacket(&self) -> Option<(u16, u16)> {
        self.pnum.zip(self.pno)
    }
}

/// A frame split into its parts.
struct FrameParts<'a> {
    /// The length field's value.
    declared: usize,
    /// Digits in the length field (4 unless a device does not pad).
    n_length_digits: usize,
    /// The data segment (between the length field and the CRC).
    segment: &'a [u8],
    /// The 4 bytes before the trailer.
    crc_text: &'a [u8],
    /// Whether the frame ends with CR LF.
    has_crlf: bool,
}

/// Splits a frame into its length digits, data segment and CRC text.
fn split_frame(frame: &[u8]) -> Result<FrameParts<'_>> {
    let Some(after_hashes) = frame.strip_prefix(b"##") else {
        return Err(Error::NoHeader { found: excerpt_bytes(frame.get(..12).unwrap_or(frame)) });
    };
    let n_length_digits =
        after_hashes.iter().take(4).take_while(|byte| byte.is_ascii_digit()).count();
    if n_length_digits == 0 {
        return Err(Error::NoHeader { found: excerpt_bytes(frame.get(..12).unwrap_or(frame)) });
    }
    let declared = after_hashes
        .iter()
        .take(n_length_digits)
        .fold(0usize, |acc, byte| acc * 10 + usize::from(byte - b'0'));
    let seg_start = 2 + n_length_digits;
    let (body_end, has_crlf) = if frame.ends_with(b"\r\n") {
        (frame.len() - 2, true)
    } else if frame.ends_with(b"\r") || frame.ends_with(b"\n") {
        (frame.len() - 1, false)
    } else {
        (frame.len(), false)
    };
    let truncated = || Error::Truncated { n_bytes: frame.len(), found: excerpt_bytes(frame) };
    if body_end < seg_start + 4 {
        return Err(truncated());
    }
    let segment = frame.get(seg_start..body_end - 4).ok_or_else(truncated)?;
    let crc_text = frame.get(body_end - 4..body_end).ok_or_else(truncated)?;
    Ok(FrameParts { declared, n_length_digits, segment, crc_text, has_crlf })
}

/// Decodes one whole frame (`##` … CRC CR LF), as yielded by [`crate::Deframer`].
///
/// Checks, in order: header and length digits, length against the segment,
/// CRC, UTF-8, then the data segment ([`decode_segment`]).
pub fn decode_frame<'a>(frame: &'a [u8], options: &DecodeOptions) -> Result<Packet<'a>> {
    let parts = split_frame(frame)?;
    let mut deviations = Deviations::new();
    if !parts.has_crlf {
        deviations.insert(Deviation::MissingCrlf);
    }
    if parts.n_length_digits < 4 {
        deviations.insert(Deviation::LengthNotPadded);
    }
    let segment = parts.segment;
    if parts.declared != segment.len() {
        let n_chars = segment.iter().filter(|&&byte| byte & 0xC0 != 0x80).count();
        if parts.declared == n_chars {
            deviations.insert(Deviation::LengthInChars);
        } else if options.accept_wrong_length {
            deviations.insert(Deviation::LengthMismatch);
        } else if parts.declared > segment.len() && !parts.has_crlf {
            return Err(Error::Truncated { n_bytes: frame.len(), found: excerpt_bytes(frame) });
        } else {
            return Err(Error::LengthMismatch { declared: parts.declared, actual: segment.len() });
        }
    }
    check_crc(segment, parts.crc_text, options, &mut deviations)?;
    if segment.len() > 1024 {
        deviations.insert(Deviation::SegmentOver1024);
    }
    let text = std::str::from_utf8(segment).map_err(|error| {
        let offset = error.valid_up_to();
        let around = segment.get(offset.saturating_sub(16)..).unwrap_or(segment);
        Error::InvalidUtf8 { offset, found: excerpt_bytes(around) }
    })?;
    let mut packet = decode_segment(text)?;
    packet.deviations.extend(deviations);
    Ok(packet)
}

fn check_crc(
    segment: &[u8],
    crc_text: &[u8],
    options: &DecodeOptions,
    deviations: &mut Deviations,
) -> Result<()> {
    let found_text = || String::from_utf8_lossy(crc_text).into_owned();
    let Some(found) = crc::parse_crc_text(crc_text) else {
        if options.skip_crc {
            deviations.insert(Deviation::CrcIgnored);
            return Ok(());
        }
        return Err(Error::BadCrcText { found: found_text() });
    };
    if found.lower_case {
        deviations.insert(Deviation::LowercaseCrc);
    }
    let expected = crc::crc16(segment);
    if found.value == expected {
        return Ok(());
    }
    if crc::modbus_wire_values(segment).contains(&found.value) {
        if options.accept_modbus_crc {
            deviations.insert(Deviation::ModbusCrc);
            return Ok(());
        }
        if !options.skip_crc {
            return Err(Error::ModbusCrc { expected, found: found_text() });
        }
    }
    if options.skip_crc {
        deviations.insert(Deviation::CrcIgnored);
        return Ok(());
    }
    Err(Error::CrcMismatch { expected, found: found_text() })
}

fn parse_subpacket_number(field: &'static str, text: &str) -> Result<u16> {
    let bad = || Error::BadSubpacket { field, found: excerpt(text) };
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad()),
        Ok(number) => Ok(number),
    }
}

/// Decodes a data segment (the CRC input: `QN=…;ST=…;…;CP=&&…&&`).
///
/// Required: `ST`, `CN`, `MN` and `CP`. Everything else that departs from the
/// standard but is unambiguous is accepted with a [`Deviation`]: no `QN` (a
/// deviation only where the version requires it), no `Flag` (the version is
/// then 2005), no `PW`, unknown header fields (kept), CP not closed by `&&`
/// (the rest of the segment is the data area — safe because the CRC covers it),
/// spaces, empty items and a trailing `;` in CP.
pub fn decode_segment(segment: &str) -> Result<Packet<'_>> {
    let (header, cp_field) = if let Some(rest) = segment.strip_prefix("CP=") {
        ("", rest)
    } else {
        match segment.find(";CP=") {
            Some(index) => {
                (segment.get(..index).unwrap_or(""), segment.get(index + 4..).unwrap_or(""))
            }
            None => return Err(Error::MissingField { field: "CP" }),
        }
    };
    let mut deviations = Deviations::new();
    let mut qn = None;
    let mut st = None;
    let mut cn = None;
    let mut pw = None;
    let mut mn = None;
    let mut flag_text = None;
    let mut pnum_text = None;
    let mut pno_text = None;
    let mut extra_header = Vec::new();
    let mut rest = header;
    while !rest.is_empty() {
        // One `;`-separated item; `=` and `;` are ASCII, so the slices stay on char boundaries.
        let item_end = rest.bytes().position(|byte| byte == b';').unwrap_or(rest.len());
        let raw = rest.get(..item_end).unwrap_or("");
        rest = rest.get(item_end + 1..).unwrap_or("");
        let item = raw.trim_matches(' ');
        if item.is_empty() {
            continue;
        }
        let Some(eq) = item.bytes().position(|byte| byte == b'=') else {
            return Err(Error::BadHeaderItem { found: excerpt(item) });
        };
        let key = item.get(..eq).unwrap_or("").trim_end_matches(' ');
        let value = item.get(eq + 1..).unwrap_or("").trim_start_matches(' ');
        let slot = match key.as_bytes() {
            [b'Q', b'N'] => &mut qn,
            [b'S', b'T'] => &mut st,
            [b'C', b'N'] => &mut cn,
            [b'P', b'W'] => &mut pw,
            [b'M', b'N'] => &mut mn,
            [b'F', b'l', b'a', b'g'] => &mut flag_text,
            [b'P', b'N', b'U', b'M'] => &mut pnum_text,
            [b'P', b'N', b'O'] => &mut pno_text,
            _ => {
                deviations.insert(Deviation::UnknownHeaderField);
                extra_header.push((key, value));
                continue;
            }
        };
        if slot.is_some() {
            return Err(Error::DuplicateField { field: key.to_owned() });
        }
        *slot = Some(value);
    }
    let required = |value: Option<&'_ str>, field: &'static str| match value {
        Some(text) if !text.is_empty() => Ok(()),
        _ => Err(Error::MissingField { field }),
    };
    required(st, "ST")?;
    required(cn, "CN")?;
    required(mn, "MN")?;
    let flag = match flag_text {
        None => {
            deviations.insert(Deviation::MissingFlag);
            None
        }
        Some(text) => match text.parse::<u8>() {
            Ok(value) if !text.starts_with('+') => Some(Flag(value)),
            _ => return Err(Error::BadFlag { found: excerpt(text) }),
        },
    };
    let version = flag.map_or(Version::V2005, Flag::version);
    if matches!(version, Version::Unknown(_)) {
        deviations.insert(Deviation::UnknownVersion);
    }
    let st_text = st.unwrap_or_default();
    if !version::rules(version).st_codes.contains(&st_text) {
        deviations.insert(Deviation::UnknownSystemCode);
    }
    let qn = qn.filter(|text| !text.is_empty());
    match qn {
        None if version::rules(version).qn_required => deviations.insert(Deviation::MissingQn),
        None => {}
        Some(text) => {
            let all_digits = text.bytes().all(|byte| byte.is_ascii_digit());
            if all_digits && text.len() == 13 {
                deviations.insert(Deviation::EpochMsQn);
            } else if !(all_digits && text.len() == 17) {
                deviations.insert(Deviation::MalformedQn);
            }
        }
    }
    if pw.is_none() {
        deviations.insert(Deviation::MissingPw);
    }
    let pnum = pnum_text.map(|text| parse_subpacket_number("PNUM", text)).transpose()?;
    let pno = pno_text.map(|text| parse_subpacket_number("PNO", text)).transpose()?;
    match (pnum, pno) {
        (Some(total), Some(number)) if number > total => {
            return Err(Error::BadSubpacket { field: "PNO", found: number.to_string() });
        }
        (Some(_), Some(_)) => {
            if !flag.is_some_and(Flag::has_subpackets) {
                deviations.insert(Deviation::SubpacketNumbersWithoutBit);
            }
        }
        (None, None) => {
            if flag.is_some_and(Flag::has_subpackets) {
                deviations.insert(Deviation::SubpacketBitWithoutNumbers);
            }
        }
        (Some(_), None) => return Err(Error::MissingField { field: "PNO" }),
        (None, Some(_)) => return Err(Error::MissingField { field: "PNUM" }),
    }
    // CP: `&&` + data area + `&&`.
    if cp_field.len() + 3 > 950 {
        deviations.insert(Deviation::CpOver950);
    }
    let opened = cp_field.strip_prefix("&&");
    if opened.is_none() {
        deviations.insert(Deviation::CpNotOpened);
    }
    let opened = opened.unwrap_or(cp_field);
    let area = match opened.strip_suffix("&&") {
        Some(area) => area,
        None => {
            deviations.insert(Deviation::CpNotClosed);
            opened
        }
    };
    let cp = Cp::new(area);
    deviations.extend(cp.scan());
    Ok(Packet {
        segment,
        qn,
        st: st.unwrap_or_default(),
        cn: cn.unwrap_or_default(),
        pw,
        mn: mn.unwrap_or_default(),
        flag,
        pnum,
        pno,
        version,
        cp,
        extra_header,
        deviations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STD_EXAMPLE: &[u8] = b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n";

    #[test]
    fn standard_example() {
        let packet = decode_frame(STD_EXAMPLE, &DecodeOptions::default()).unwrap();
        assert_eq!(packet.qn, Some("20160801085857223"));
        assert_eq!(packet.cn, "1062");
        assert_eq!(packet.flag, Some(Flag(5)));
        assert_eq!(packet.version, Version::V2017);
        assert_eq!(packet.cp.get("RtdInterval"), Some("30"));
        assert!(packet.deviations.is_empty(), "{:?}", packet.deviations);
        assert_eq!(packet.cn_kind(Direction::Downlink), CnKind::Request);
    }

    #[test]
    fn refusals_name_their_reason() {
        let options = DecodeOptions::default();
        let mut bad_crc = STD_EXAMPLE.to_vec();
        bad_crc[110] = b'1';
        assert_eq!(decode_frame(&bad_crc, &options).unwrap_err().reason(), "crc_mismatch");
        let modbus = String::from_utf8(STD_EXAMPLE.to_vec()).unwrap().replace("1C80", "5907");
        let error = decode_frame(modbus.as_bytes(), &options).unwrap_err();
        assert_eq!(error.reason(), "modbus_crc");
        let accepted =
            decode_frame(modbus.as_bytes(), &DecodeOptions { accept_modbus_crc: true, ..options })
                .unwrap();
        assert!(accepted.deviations.contains(Deviation::ModbusCrc));
        assert_eq!(decode_frame(b"##", &options).unwrap_err().reason(), "no_header");
        assert_eq!(decode_frame(b"##01", &options).unwrap_err().reason(), "truncated");
        assert_eq!(decode_frame(b"", &options).unwrap_err().reason(), "no_header");
    }
}
