//! Encoding: every packet the platform sends, and uploads for the simulator.
//!
//! [`PacketWriter`] appends one whole frame (`##`, length, segment, CRC, CR LF)
//! to a caller's `Vec<u8>`, so a simulator can reuse one buffer for millions of
//! packets. The length and CRC are filled in by [`PacketWriter::finish`].
//!
//! The answer helpers copy `QN`, `PW` and `MN` of the packet answered and write
//! `ST=91` with the version's answer Flag (4 for 2017), as every answer in the
//! standard's examples does (some real hosts answer with the source ST and
//! Flag=5 instead; we follow the standard). For HJ/T 212-2005 the answered `QN`
//! goes inside CP (`CP=&&QN=…;QnRtn=1&&`) and the Flag field is omitted.
//! All of this comes from [`crate::version::rules`].

use std::io::Write as _;
use std::ops::Range;

use crate::cp::Field;
use crate::crc;
use crate::error::{Error, Result, excerpt};
use crate::packet::Packet;
use crate::time::LocalDateTime;
use crate::version::{self, ANSWER_ST, AnswerKind, ExeRtn, Flag, QnRtn, Version};

/// The header of a packet to encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header<'a> {
    /// `QN`; omitted when `None`.
    pub qn: Option<&'a str>,
    /// `ST`.
    pub st: &'a str,
    /// `CN`.
    pub cn: &'a str,
    /// `PW`; omitted when `None`.
    pub pw: Option<&'a str>,
    /// `MN`.
    pub mn: &'a str,
    /// `Flag`; omitted when `None`.
    pub flag: Option<Flag>,
    /// `(PNUM, PNO)`; omitted when `None`.
    pub subpacket: Option<(u16, u16)>,
}

/// Where the writer is inside CP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CpState {
    /// Nothing written in CP yet.
    Empty,
    /// Inside a group; the next item of the same group is preceded by `,`.
    InGroup,
    /// A group was closed; the next item starts a new group with `;`.
    GroupClosed,
}

/// Builds one frame at the end of a buffer. Errors (text the syntax cannot
/// carry, a non-finite number) are kept and returned by [`PacketWriter::finish`],
/// so calls chain.
///
/// ```
/// use hj212::{encode::{Header, PacketWriter}, Field, Flag};
/// let mut buf = Vec::new();
/// let header = Header { qn: Some("20160801085857223"), st: "32", cn: "2011", pw: Some("123456"),
///     mn: "010000A8900016F000169DC0", flag: Some(Flag(5)), subpacket: None };
/// let mut writer = PacketWriter::begin(&mut buf, &header);
/// writer.plain("DataTime", "20160801085857");
/// writer.param("w01018").number(Field::Rtd, 166.9, 1).text(Field::Flag, "N");
/// let frame = writer.finish().unwrap();
/// let packet = hj212::decode_frame(&buf[frame], &Default::default()).unwrap();
/// assert_eq!(packet.cp.as_str(), "DataTime=20160801085857;w01018-Rtd=166.9,w01018-Flag=N");
/// ```
#[derive(Debug)]
pub struct PacketWriter<'b> {
    buf: &'b mut Vec<u8>,
    frame_start: usize,
    seg_start: usize,
    state: CpState,
    /// The current parameter code, as a range of already-written bytes of `buf`.
    code: Option<Range<usize>>,
    /// Where the current parameter group starts (its separator), and whether it has a field yet.
    code_item_start: usize,
    code_has_field: bool,
    /// Offset of the first byte after `CP=&&`.
    cp_start: usize,
    error: Option<Error>,
}

/// Whether `text` can be carried in a header field, key or value.
fn is_safe(text: &str) -> bool {
    !text.bytes().any(|byte| matches!(byte, b';' | b',' | b'=' | b'&' | b'\r' | b'\n'))
}

impl<'b> PacketWriter<'b> {
    /// Starts a frame at the end of `buf` and writes the header and `CP=&&`.
    pub fn begin(buf: &'b mut Vec<u8>, header: &Header<'_>) -> PacketWriter<'b> {
        let frame_start = buf.len();
        buf.extend_from_slice(b"##0000");
        let seg_start = buf.len();
        let mut writer = PacketWriter {
            buf,
            frame_start,
            seg_start,
            state: CpState::Empty,
            code: None,
            code_item_start: 0,
            code_has_field: false,
            cp_start: 0,
            error: None,
        };
        if let Some(qn) = header.qn {
            writer.header_field("QN", qn);
        }
        writer.header_field("ST", header.st);
        writer.header_field("CN", header.cn);
        if let Some(pw) = header.pw {
            writer.header_field("PW", pw);
        }
        writer.header_field("MN", header.mn);
        if let Some(flag) = header.flag {
            writer.buf.extend_from_slice(b"Flag=");
            writer.write_display(flag.0);
            writer.buf.push(b';');
        }
        if let Some((pnum, pno)) = header.subpacket {
            writer.buf.extend_from_slice(b"PNUM=");
            writer.write_display(pnum);
            writer.buf.extend_from_slice(b";PNO=");
            writer.write_display(pno);
            writer.buf.push(b';');
        }
        writer.buf.extend_from_slice(b"CP=&&");
        writer.cp_start = writer.buf.len();
        writer
    }

    fn fail(&mut self, field: &str, text: &str) {
        if self.error.is_none() {
            self.error = Some(Error::BadEncodeText { field: excerpt(field), found: excerpt(text) });
        }
    }

    fn checked(&mut self, field: &str, text: &str) -> bool {
        if is_safe(text) {
            true
        } else {
            self.fail(field, text);
            false
        }
    }

    fn header_field(&mut self, name: &str, value: &str) {
        if self.checked(name, value) {
            self.buf.extend_from_slice(name.as_bytes());
            self.buf.push(b'=');
            self.buf.extend_from_slice(value.as_bytes());
            self.buf.push(b';');
        }
    }

    fn write_display(&mut self, value: impl std::fmt::Display) {
        // Writing into a Vec<u8> cannot fail.
        let _ = write!(self.buf, "{value}");
    }

    /// Writes the separator before a new item: `;` for a new group, `,` inside one.
    fn separator(&mut self, same_group: bool) {
        match self.state {
            CpState::Empty => {}
            CpState::InGroup if same_group => self.buf.push(b','),
            CpState::InGroup | CpState::GroupClosed => self.buf.push(b';'),
        }
        self.state = CpState::InGroup;
    }

    /// Closes the current group: the next item starts a new `;` group.
    pub fn group(&mut self) -> &mut Self {
        if self.code.take().is_some() && !self.code_has_field {
            // A parameter group without any field: take the code back out.
            self.buf.truncate(self.code_item_start);
            if self.buf.len() == self.cp_start() {
                self.state = CpState::Empty;
            }
        }
        if self.state == CpState::InGroup {
            self.state = CpState::GroupClosed;
        }
        self
    }

    fn cp_start(&self) -> usize {
        self.cp_start
    }

    /// Writes a plain item `key=value` in a group of its own
    /// (`DataTime`, `RtdInterval`, `BeginTime`…).
    pub fn plain(&mut self, key: &str, value: &str) -> &mut Self {
        self.group();
        if self.checked(key, key) && self.checked(key, value) {
            self.separator(false);
            self.buf.extend_from_slice(key.as_bytes());
            self.buf.push(b'=');
            self.buf.extend_from_slice(value.as_bytes());
        }
        self.group()
    }

    /// Writes a plain item with an integer value in a group of its own.
    pub fn plain_int(&mut self, key: &str, value: i64) -> &mut Self {
        self.group();
        if self.checked(key, key) {
            self.separator(false);
            self.buf.extend_from_slice(key.as_bytes());
            self.buf.push(b'=');
            self.write_display(value);
        }
        self.group()
    }

    /// Writes `DataTime=YYYYMMDDhhmmss` in a group of its own.
    pub fn data_time(&mut self, time: &LocalDateTime) -> &mut Self {
        self.plain("DataTime", &time.to_compact())
    }

    /// Starts a new group for parameter `code`; following [`PacketWriter::number`]
    /// and [`PacketWriter::text`] calls write `code-Field=…` items in it.
    /// A group left without fields writes nothing.
    pub fn param(&mut self, code: &str) -> &mut Self {
        self.group();
        if code.is_empty() || code.contains('-') || !is_safe(code) {
            self.fail("parameter code", code);
            return self;
        }
        self.code_item_start = self.buf.len();
        self.separator(false);
        let code_start = self.buf.len();
        self.buf.extend_from_slice(code.as_bytes());
        self.code = Some(code_start..self.buf.len());
        self.code_has_field = false;
        self
    }

    /// Writes `code-field=` for the current parameter; false when there is none.
    fn field_key(&mut self, field: Field<'_>) -> bool {
        let Some(code) = self.code.clone() else {
            self.fail(field.name(), "a field written before any parameter code");
            return false;
        };
        let name = field.name();
        if name.is_empty() || !is_safe(name) {
            self.fail("field name", name);
            return false;
        }
        if self.code_has_field {
            self.buf.push(b',');
            self.buf.extend_from_within(code);
        }
        self.code_has_field = true;
        self.buf.push(b'-');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'=');
        true
    }

    /// Writes `code-field=value` with `decimals` digits after the point.
    /// A non-finite value is an error at [`PacketWriter::finish`].
    pub fn number(&mut self, field: Field<'_>, value: f64, decimals: usize) -> &mut Self {
        if !value.is_finite() {
            self.fail(field.name(), &value.to_string());
            return self;
        }
        if self.field_key(field) {
            let _ = write!(self.buf, "{value:.decimals$}");
        }
        self
    }

    /// Writes `code-field=text` (a flag, a time, an id, information).
    pub fn text(&mut self, field: Field<'_>, text: &str) -> &mut Self {
        if !is_safe(text) {
            self.fail(field.name(), text);
            return self;
        }
        if self.field_key(field) {
            self.buf.extend_from_slice(text.as_bytes());
        }
        self
    }

    /// Closes CP, fills in the length and the CRC, appends CR LF, and returns
    /// the frame's range in the buffer. On error the buffer is restored to its
    /// length before [`PacketWriter::begin`].
    pub fn finish(mut self) -> Result<Range<usize>> {
        self.group();
        if let Some(error) = self.error.take() {
            self.buf.truncate(self.frame_start);
            return Err(error);
        }
        self.buf.extend_from_slice(b"&&");
        let n_bytes = self.buf.len() - self.seg_start;
        if n_bytes > 9999 {
            self.buf.truncate(self.frame_start);
            return Err(Error::SegmentTooLong { n_bytes });
        }
        let checksum = crc::crc16(self.buf.get(self.seg_start..).unwrap_or(&[]));
        let digits = [
            b'0' + (n_bytes / 1000) as u8,
            b'0' + (n_bytes / 100 % 10) as u8,
            b'0' + (n_bytes / 10 % 10) as u8,
            b'0' + (n_bytes % 10) as u8,
        ];
        if let Some(slot) = self.buf.get_mut(self.frame_start + 2..self.seg_start) {
            slot.copy_from_slice(&digits);
        }
        self.buf.extend_from_slice(&crc::crc_text(checksum));
        self.buf.extend_from_slice(b"\r\n");
        Ok(self.frame_start..self.buf.len())
    }
}

/// Writes an answer of kind `kind` to `answered`, with an optional code
/// (`QnRtn` or `ExeRtn`) in CP.
fn answer(
    buf: &mut Vec<u8>,
    answered: &Packet<'_>,
    kind: AnswerKind,
    code: Option<(&str, u16)>,
) -> Result<Range<usize>> {
    let rules = version::rules(answered.version);
    let header = Header {
        qn: if rules.answer_qn_in_cp { None } else { answered.qn },
        st: ANSWER_ST,
        cn: kind.cn(),
        pw: answered.pw,
        mn: answered.mn,
        flag: rules.answer_flag.map(Flag),
        subpacket: None,
    };
    let mut writer = PacketWriter::begin(buf, &header);
    if let Some(qn) = answered.qn.filter(|_| rules.answer_qn_in_cp) {
        writer.plain("QN", qn);
    }
    if let Some((key, value)) = code {
        writer.plain_int(key, i64::from(value));
    }
    writer.finish()
}

/// Writes the data answer 9014 (`CP=&&&&`) to an upload that asked for one.
pub fn data_answer(buf: &mut Vec<u8>, answered: &Packet<'_>) -> Result<Range<usize>> {
    answer(buf, answered, AnswerKind::Data, None)
}

/// Writes the notification answer 9013 (`CP=&&&&`).
pub fn notify_answer(buf: &mut Vec<u8>, answered: &Packet<'_>) -> Result<Range<usize>> {
    answer(buf, answered, AnswerKind::Notify, None)
}

/// Writes the request answer 9011 with `QnRtn`.
pub fn request_answer(
    buf: &mut Vec<u8>,
    answered: &Packet<'_>,
    qn_rtn: QnRtn,
) -> Result<Range<usize>> {
    answer(buf, answered, AnswerKind::Request, Some(("QnRtn", qn_rtn.code())))
}

/// Writes the execution result 9012 with `ExeRtn`.
pub fn execution_result(
    buf: &mut Vec<u8>,
    answered: &Packet<'_>,
    exe_rtn: ExeRtn,
) -> Result<Range<usize>> {
    answer(buf, answered, AnswerKind::Execution, Some(("ExeRtn", exe_rtn.code())))
}

/// The device a downlink command goes to, and the command's `QN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// The command's `QN` (`YYYYMMDDhhmmsszzz`, see [`LocalDateTime::to_qn`]);
    /// the device's answers will carry it.
    pub qn: &'a str,
    /// The device's system code.
    pub st: &'a str,
    /// The device's password.
    pub pw: &'a str,
    /// The device id.
    pub mn: &'a str,
    /// The device's protocol version (sets the Flag).
    pub version: Version,
}

fn command<'w>(buf: &'w mut Vec<u8>, target: &Target<'_>, cn: &str) -> PacketWriter<'w> {
    let rules = version::rules(target.version);
    let header = Header {
        qn: Some(target.qn),
        st: target.st,
        cn,
        pw: Some(target.pw),
        mn: target.mn,
        flag: rules.request_flag.map(Flag),
        subpacket: None,
    };
    PacketWriter::begin(buf, &header)
}

/// 1011: get the field device's time (of instrument `pol_id`, else of the DAS).
pub fn get_system_time(
    buf: &mut Vec<u8>,
    target: &Target<'_>,
    pol_id: Option<&str>,
) -> Result<Range<usize>> {
    let mut writer = command(buf, target, "1011");
    if let Some(pol_id) = pol_id {
        writer.plain("PolId", pol_id);
    }
    writer.finish()
}

/// 1012: set the field device's time (of instrument `pol_id`, else of the DAS).
pub fn set_system_time(
    buf: &mut Vec<u8>,
    target: &Target<'_>,
    pol_id: Option<&str>,
    system_time: &LocalDateTime,
) -> Result<Range<usize>> {
    let mut writer = command(buf, target, "1012");
    if let Some(pol_id) = pol_id {
        writer.plain("PolId", pol_id);
    }
    writer.plain("SystemTime", &system_time.to_compact());
    writer.finish()
}

/// 1062: set the realtime-data interval (`RtdInterval`, 30–3600 s per the standard;
/// not checked here).
pub fn set_realtime_interval(
    buf: &mut Vec<u8>,
    target: &Target<'_>,
    interval_secs: u32,
) -> Result<Range<usize>> {
    let mut writer = command(buf, target, "1062");
    writer.plain_int("RtdInterval", i64::from(interval_secs));
    writer.finish()
}

/// Which history a 2051/2061/2031 request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HistoryKind {
    /// 2051 minute data.
    Minute,
    /// 2061 hour data.
    Hour,
    /// 2031 day data.
    Day,
}

impl HistoryKind {
    /// The request's command code.
    pub fn cn(self) -> &'static str {
        match self {
            HistoryKind::Minute => "2051",
            HistoryKind::Hour => "2061",
            HistoryKind::Day => "2031",
        }
    }
}

/// 2051/2061/2031: request minute/hour/day history from `begin` to `end` (local times).
pub fn history_request(
    buf: &mut Vec<u8>,
    target: &Target<'_>,
    kind: HistoryKind,
    begin: &LocalDateTime,
    end: &LocalDateTime,
) -> Result<Range<usize>> {
    let mut writer = command(buf, target, kind.cn());
    writer.plain("BeginTime", &begin.to_compact());
    writer.plain("EndTime", &end.to_compact());
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{DecodeOptions, decode_frame};

    #[test]
    fn standard_example_round_trip() {
        let mut buf = Vec::new();
        let target = Target {
            qn: "20160801085857223",
            st: "32",
            pw: "100000",
            mn: "010000A8900016F000169DC0",
            version: Version::V2017,
        };
        let range = set_realtime_interval(&mut buf, &target, 30).unwrap();
        assert_eq!(
            &buf[range],
            b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
        );
    }

    #[test]
    fn answers() {
        let upload = b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n";
        let packet = decode_frame(upload, &DecodeOptions::default()).unwrap();
        let mut buf = Vec::new();
        let range = data_answer(&mut buf, &packet).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[range]).unwrap(),
            "##0087QN=20160801085857223;ST=91;CN=9014;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&71C0\r\n"
        );
        buf.clear();
        let range = request_answer(&mut buf, &packet, QnRtn::Ready).unwrap();
        let answer = decode_frame(&buf[range], &DecodeOptions::default()).unwrap();
        assert_eq!(answer.cp.get("QnRtn"), Some("1"));
        assert_eq!(answer.st, "91");
    }

    #[test]
    fn hjt212_2005_answers_carry_qn_in_cp() {
        let request = b"QN=20160801085857223;ST=32;CN=1012;PW=123456;MN=LD130133000015;Flag=1;CP=&&SystemTime=20160801085857&&";
        let packet = crate::decode_segment(std::str::from_utf8(request).unwrap()).unwrap();
        assert_eq!(packet.version, Version::V2005);
        let mut buf = Vec::new();
        let range = request_answer(&mut buf, &packet, QnRtn::Ready).unwrap();
        let answer = decode_frame(&buf[range], &DecodeOptions::default()).unwrap();
        assert_eq!(
            answer.segment,
            "ST=91;CN=9011;PW=123456;MN=LD130133000015;CP=&&QN=20160801085857223;QnRtn=1&&"
        );
    }

    #[test]
    fn downlink_commands() {
        let target = Target {
            qn: "20160801085857223",
            st: "32",
            pw: "100000",
            mn: "010000A8900016F000169DC0",
            version: Version::V2017,
        };
        let time = LocalDateTime::parse("20160801085857").unwrap();
        let begin = LocalDateTime::parse("20160801000000").unwrap();
        let mut buf = Vec::new();
        let mut segments = Vec::new();
        for build in [
            get_system_time(&mut buf, &target, None),
            set_system_time(&mut buf, &target, Some("w01018"), &time),
            history_request(&mut buf, &target, HistoryKind::Hour, &begin, &time),
        ] {
            let range = build.unwrap();
            let packet = decode_frame(&buf[range], &DecodeOptions::default()).unwrap();
            assert!(packet.deviations.is_empty());
            segments.push(packet.segment.to_owned());
        }
        let prefix = "QN=20160801085857223;ST=32;CN=";
        let device = "PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&";
        assert_eq!(segments[0], format!("{prefix}1011;{device}&&"));
        assert_eq!(
            segments[1],
            format!("{prefix}1012;{device}PolId=w01018;SystemTime=20160801085857&&")
        );
        assert_eq!(
            segments[2],
            format!("{prefix}2061;{device}BeginTime=20160801000000;EndTime=20160801085857&&")
        );
    }

    #[test]
    fn writer_groups_and_errors() {
        let mut buf = b"keep".to_vec();
        let header = Header { st: "32", cn: "2011", mn: "M", ..Header::default() };
        let mut writer = PacketWriter::begin(&mut buf, &header);
        writer.param("w00000");
        writer.param("w01018").number(Field::Rtd, 1.25, 2).text(Field::Flag, "N");
        writer.param("SB1").number(Field::Rs, 1.0, 0);
        let range = writer.finish().unwrap();
        let frame = std::str::from_utf8(&buf[range]).unwrap();
        assert!(frame.contains("CP=&&w01018-Rtd=1.25,w01018-Flag=N;SB1-RS=1&&"), "{frame}");
        let mut writer = PacketWriter::begin(&mut buf, &header);
        writer.param("w01018").text(Field::Info, "a;b");
        assert_eq!(writer.finish().unwrap_err().reason(), "bad_encode_text");
        assert!(buf.starts_with(b"keep##"));
    }
}
