//! Every difference between protocol versions, in one place.
//!
//! [`rules`] gives the per-version table ([`VersionRules`]: system codes, command
//! codes, answer codes, data flags, whether answers carry `QN` inside CP, the
//! Flag values the platform writes), and [`CN_TABLE`] says, per version, what
//! each command code is and what answer the standard expects (fact sheet §7).
//! Adding or correcting HJ 212-2025 is a change to this file only.
//!
//! The 2025 entries come from one client library (fact sheet §14) and are
//! **not verified against the text**; [`VersionRules::verified`] says so.

/// The protocol version, from Flag bits V5..V0 (fact sheet §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// HJ/T 212-2005: version bits `000000`, or no Flag at all.
    V2005,
    /// HJ 212-2017: version bits `000001` (Flag 4–7).
    V2017,
    /// HJ 212-2025: version bits `000010` (Flag 8–11). Unverified against the text;
    /// Flag 8 was already seen in a 2021 packet.
    V2025,
    /// Any other version bits (the value of V5..V0).
    Unknown(u8),
}

impl Version {
    /// The version named by Flag bits V5..V0 (`flag >> 2`).
    pub fn from_bits(bits: u8) -> Version {
        match bits {
            0 => Version::V2005,
            1 => Version::V2017,
            2 => Version::V2025,
            other => Version::Unknown(other),
        }
    }

    /// The V5..V0 bits of this version.
    pub fn bits(self) -> u8 {
        match self {
            Version::V2005 => 0,
            Version::V2017 => 1,
            Version::V2025 => 2,
            Version::Unknown(bits) => bits & 0x3F,
        }
    }

    /// The label used in JSON: `"2005"`, `"2017"`, `"2025"`, or `"unknown"`.
    pub fn label(self) -> &'static str {
        match self {
            Version::V2005 => "2005",
            Version::V2017 => "2017",
            Version::V2025 => "2025",
            Version::Unknown(_) => "unknown",
        }
    }

    /// The bit of this version in [`CnInfo::versions`].
    fn mask(self) -> u8 {
        match self {
            Version::V2005 => V05,
            Version::V2017 | Version::Unknown(_) => V17,
            Version::V2025 => V25,
        }
    }
}

/// The header `Flag`: bits `V5 V4 V3 V2 V1 V0 D A` (fact sheet §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flag(pub u8);

impl Flag {
    /// Bit A: the sender wants an answer.
    pub const ACK: u8 = 1;
    /// Bit D: the packet carries `PNUM` and `PNO`.
    pub const SUBPACKETS: u8 = 2;

    /// Builds a Flag from its parts.
    pub fn new(version: Version, ack_needed: bool, has_subpackets: bool) -> Flag {
        let mut value = version.bits() << 2;
        if ack_needed {
            value |= Flag::ACK;
        }
        if has_subpackets {
            value |= Flag::SUBPACKETS;
        }
        Flag(value)
    }

    /// Bit A: the command needs an answer.
    pub fn ack_needed(self) -> bool {
        self.0 & Flag::ACK != 0
    }

    /// Bit D: the packet is one part of a sub-packet set.
    pub fn has_subpackets(self) -> bool {
        self.0 & Flag::SUBPACKETS != 0
    }

    /// The version named by bits V5..V0.
    pub fn version(self) -> Version {
        Version::from_bits(self.0 >> 2)
    }
}

/// What the standard of one version allows, and how the platform writes for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionRules {
    /// The version these rules are for.
    pub version: Version,
    /// Whether the entries come from the standard's text (false for 2025).
    pub verified: bool,
    /// Valid system codes (`ST`).
    pub st_codes: &'static [&'static str],
    /// Valid request-answer codes (`QnRtn`).
    pub qn_rtn: &'static [u16],
    /// Valid execution-result codes (`ExeRtn`).
    pub exe_rtn: &'static [u16],
    /// Data flags (`-Flag`) and their meaning.
    pub data_flags: &'static [(&'static str, &'static str)],
    /// Whether answers carry the answered `QN` inside CP (`CP=&&QN=…;QnRtn=1&&`).
    pub answer_qn_in_cp: bool,
    /// Whether every packet must carry a header `QN` (2005 uploads have none).
    pub qn_required: bool,
    /// The `Flag` the platform writes on answers (9011–9014); `None` omits the field.
    /// 2017: 4, as every answer in the standard's examples.
    pub answer_flag: Option<u8>,
    /// The `Flag` the platform writes on requests that want an answer.
    /// 2017: 5, as the standard's request examples.
    pub request_flag: Option<u8>,
}

/// Answers go out with `ST=91` (system interaction), as in the standard's examples.
pub const ANSWER_ST: &str = "91";

const ST_2017: &[&str] = &[
    "21", "22", "23", "24", "25", "26", "27", "31", "32", "33", "34", "35", "36", "37", "38", "39",
    "41", "51", "52", "91",
];
const ST_2005: &[&str] =
    &["21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "38", "41", "91"];

const FLAGS_2017: &[(&str, &str)] = &[
    ("N", "normal"),
    ("F", "instrument stopped"),
    ("M", "maintenance"),
    ("S", "manually set value"),
    ("D", "instrument fault"),
    ("C", "calibration"),
    ("T", "over upper measuring limit"),
    ("B", "instrument-DAS communication abnormal"),
];
const FLAGS_2005: &[(&str, &str)] = &[
    ("P", "power failure"),
    ("F", "source stopped"),
    ("C", "calibration"),
    ("M", "maintenance"),
    ("T", "over upper limit"),
    ("D", "fault"),
    ("S", "set value"),
    ("N", "normal"),
    ("0", "calibration (ambient station)"),
    ("1", "meteorological (ambient station)"),
    ("2", "abnormal (ambient station)"),
    ("3", "normal (ambient station)"),
];

static RULES_2005: VersionRules = VersionRules {
    version: Version::V2005,
    verified: true,
    st_codes: ST_2005,
    qn_rtn: &[1, 2, 3],
    exe_rtn: &[1, 2, 100],
    data_flags: FLAGS_2005,
    answer_qn_in_cp: true,
    qn_required: false,
    answer_flag: None,
    request_flag: Some(1),
};

static RULES_2017: VersionRules = VersionRules {
    version: Version::V2017,
    verified: true,
    st_codes: ST_2017,
    qn_rtn: &[1, 2, 3, 4, 5, 6, 7, 8, 9, 100],
    exe_rtn: &[1, 2, 3, 4, 5, 6, 100],
    data_flags: FLAGS_2017,
    answer_qn_in_cp: false,
    qn_required: true,
    answer_flag: Some(4),
    request_flag: Some(5),
};

static RULES_2025: VersionRules = VersionRules {
    version: Version::V2025,
    verified: false,
    st_codes: ST_2017,
    qn_rtn: &[1, 2, 3, 4, 5, 6, 7, 8, 9, 100],
    exe_rtn: &[1, 2, 3, 4, 5, 6, 100],
    data_flags: FLAGS_2017,
    answer_qn_in_cp: false,
    qn_required: true,
    answer_flag: Some(8),
    request_flag: Some(9),
};

/// The rules of `version`. An unknown version gets the 2017 rules.
pub fn rules(version: Version) -> &'static VersionRules {
    match version {
        Version::V2005 => &RULES_2005,
        Version::V2017 | Version::Unknown(_) => &RULES_2017,
        Version::V2025 => &RULES_2025,
    }
}

/// Which way a packet travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Field device → platform.
    Uplink,
    /// Platform → field device.
    Downlink,
}

/// The kind of data an upload carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// 2011 realtime data (`-Rtd`).
    Realtime,
    /// 2051 minute data.
    Minute,
    /// 2061 hour data.
    Hour,
    /// 2031 day data.
    Day,
    /// 2021 facility run state (`SBxxx-RS`).
    RunState,
    /// 2041 facility run time per day (`SBxxx-RT`).
    RunTimeDay,
    /// Another data upload (2025: 2013 raw data, 2052 noise, 2062 standard-sample check, 2111 furnace).
    Other,
}

/// The four answer commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerKind {
    /// 9011 request answer (`QnRtn`).
    Request,
    /// 9012 execution result (`ExeRtn`).
    Execution,
    /// 9013 notification answer.
    Notify,
    /// 9014 data answer.
    Data,
}

impl AnswerKind {
    /// The answer's command code.
    pub fn cn(self) -> &'static str {
        match self {
            AnswerKind::Request => "9011",
            AnswerKind::Execution => "9012",
            AnswerKind::Notify => "9013",
            AnswerKind::Data => "9014",
        }
    }
}

/// What a command code means in one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CnKind {
    /// A measurement upload (device → platform).
    DataUpload(DataKind),
    /// An upload of settings or field information (1011 time, 1061 interval, 2081 restart, 3019 SN, 3020 info…).
    InfoUpload,
    /// A notification (1013 time calibration request; 2012/2022 stop commands).
    Notify,
    /// A request (platform → device, three-step flow).
    Request,
    /// An answer (9011–9014).
    Answer(AnswerKind),
    /// 9015 heartbeat (HJ 212-2025, unverified).
    Heartbeat,
    /// 9021/9022 vendor login, outside the standard.
    Login,
    /// A code this table does not know, or not meaningful in this direction.
    Unknown,
}

impl CnKind {
    /// A fixed snake_case label for metrics and JSON.
    pub fn label(self) -> &'static str {
        match self {
            CnKind::DataUpload(DataKind::Realtime) => "realtime_data",
            CnKind::DataUpload(DataKind::Minute) => "minute_data",
            CnKind::DataUpload(DataKind::Hour) => "hour_data",
            CnKind::DataUpload(DataKind::Day) => "day_data",
            CnKind::DataUpload(DataKind::RunState) => "run_state_data",
            CnKind::DataUpload(DataKind::RunTimeDay) => "run_time_data",
            CnKind::DataUpload(DataKind::Other) => "other_data",
            CnKind::InfoUpload => "info_upload",
            CnKind::Notify => "notify",
            CnKind::Request => "request",
            CnKind::Answer(AnswerKind::Request) => "request_answer",
            CnKind::Answer(AnswerKind::Execution) => "execution_result",
            CnKind::Answer(AnswerKind::Notify) => "notify_answer",
            CnKind::Answer(AnswerKind::Data) => "data_answer",
            CnKind::Heartbeat => "heartbeat",
            CnKind::Login => "login",
            CnKind::Unknown => "unknown",
        }
    }
}

const V05: u8 = 1;
const V17: u8 = 2;
const V25: u8 = 4;
const ALL: u8 = V05 | V17 | V25;
const V17_25: u8 = V17 | V25;

/// One row of the command table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CnInfo {
    /// The command code.
    pub cn: &'static str,
    /// Versions the row applies to (bit set: 1 = 2005, 2 = 2017, 4 = 2025).
    pub versions: u8,
    /// Short English name.
    pub name: &'static str,
    /// Meaning when sent by a device.
    pub uplink: CnKind,
    /// Meaning when sent by the platform.
    pub downlink: CnKind,
}

const fn row(
    cn: &'static str,
    versions: u8,
    name: &'static str,
    uplink: CnKind,
    downlink: CnKind,
) -> CnInfo {
    CnInfo { cn, versions, name, uplink, downlink }
}

use CnKind::{DataUpload as Data, InfoUpload as Info, Notify, Request as Req, Unknown as No};

/// The command codes of all versions (STD table 9 and tables C.1–C.50; HJ/T 212-2005
/// from DEC/HCU; 2025 from CAO, unverified; vendor 9021/9022).
pub static CN_TABLE: &[CnInfo] = &[
    row("1000", ALL, "set timeout and retries", No, Req),
    row("1001", V05, "set over-limit alarm duration", No, Req),
    row("1001", V25, "upload DAS hardware serial", Info, No),
    row("1002", V25, "set DAS MN", No, Req),
    row("1011", ALL, "get/upload field time", Info, Req),
    row("1012", ALL, "set field time", No, Req),
    row("1013", V17_25, "time calibration request", Notify, No),
    row("1014", V25, "secret key request/issue", Info, Req),
    row("1021", V05, "get alarm limits", Info, Req),
    row("1022", V05, "set alarm limits", No, Req),
    row("1031", V05, "get host address", Info, Req),
    row("1032", V05, "set host address", No, Req),
    row("1041", V05, "get day-data report time", Info, Req),
    row("1042", V05, "set day-data report time", No, Req),
    row("1061", ALL, "get/upload realtime interval", Info, Req),
    row("1062", ALL, "set realtime interval", No, Req),
    row("1063", V17_25, "get/upload minute interval", Info, Req),
    row("1064", V17_25, "set minute interval", No, Req),
    row("1072", ALL, "set password", No, Req),
    row("2011", ALL, "realtime data", Data(DataKind::Realtime), Req),
    row("2012", ALL, "stop realtime data", No, Notify),
    row("2013", V25, "raw monitoring data", Data(DataKind::Other), No),
    row("2021", ALL, "facility run state", Data(DataKind::RunState), Req),
    row("2022", ALL, "stop facility run state", No, Notify),
    row("2031", ALL, "day data", Data(DataKind::Day), Req),
    row("2041", ALL, "facility run time (day)", Data(DataKind::RunTimeDay), Req),
    row("2051", ALL, "minute data", Data(DataKind::Minute), Req),
    row("2052", V25, "noise single measurement", Data(DataKind::Other), No),
    row("2061", ALL, "hour data", Data(DataKind::Hour), Req),
    row("2062", V25, "standard-sample check data", Data(DataKind::Other), No),
    row("2071", V05, "alarm records", Info, Req),
    row("2072", V05, "alarm event", Info, No),
    row("2081", V17_25, "DAS power-on time", Info, No),
    row("2111", V25, "furnace temperature 5-minute mean", Data(DataKind::Other), No),
    row("3011", ALL, "zero/span calibration", No, Req),
    row("3012", ALL, "immediate sampling", No, Req),
    row("3013", ALL, "cleaning/blowback or device operation", No, Req),
    row("3014", ALL, "comparison sampling (2005: sampling period)", No, Req),
    row("3015", V17_25, "over-limit sample keeping", Info, Req),
    row("3016", V17_25, "set sampling period", No, Req),
    row("3017", V17_25, "get sampling period", Info, Req),
    row("3018", V17_25, "get sample-out time", Info, Req),
    row("3019", V17_25, "instrument id", Info, Req),
    row("3020", V17_25, "field information", Info, Req),
    row("3021", V17_25, "set field parameter", No, Req),
    row("3022", V25, "immediate sample-keeping task", No, Req),
    row("3024", V25, "start standard-sample check", No, Req),
    row(
        "9011",
        ALL,
        "request answer",
        CnKind::Answer(AnswerKind::Request),
        CnKind::Answer(AnswerKind::Request),
    ),
    row(
        "9012",
        ALL,
        "execution result",
        CnKind::Answer(AnswerKind::Execution),
        CnKind::Answer(AnswerKind::Execution),
    ),
    row(
        "9013",
        ALL,
        "notify answer",
        CnKind::Answer(AnswerKind::Notify),
        CnKind::Answer(AnswerKind::Notify),
    ),
    row(
        "9014",
        ALL,
        "data answer",
        CnKind::Answer(AnswerKind::Data),
        CnKind::Answer(AnswerKind::Data),
    ),
    row("9015", V25, "heartbeat", CnKind::Heartbeat, No),
    row("9021", ALL, "vendor login", CnKind::Login, No),
    row("9022", ALL, "vendor login answer", No, CnKind::Login),
];

/// The table row for `cn` under `version`: the row for that version if any,
/// else a row of another version (a device mixing versions still gets a meaning).
pub fn cn_info(cn: &str, version: Version) -> Option<&'static CnInfo> {
    let mask = version.mask();
    CN_TABLE
        .iter()
        .find(|info| info.cn == cn && info.versions & mask != 0)
        .or_else(|| CN_TABLE.iter().find(|info| info.cn == cn))
}

/// What `cn` means when it travels in `direction` under `version`.
/// An unknown code is [`CnKind::Unknown`], never an error.
pub fn classify_cn(cn: &str, version: Version, direction: Direction) -> CnKind {
    match cn_info(cn, version) {
        Some(info) => match direction {
            Direction::Uplink => info.uplink,
            Direction::Downlink => info.downlink,
        },
        None => CnKind::Unknown,
    }
}

/// The answer the receiver owes for a packet of kind `kind` with Flag `flag`
/// (fact sheet §7). The first answer only: a request is answered 9011, then,
/// after execution, 9012.
///
/// * uploads (data or information) and the 2025 heartbeat: 9014 when Flag bit A is set;
/// * notifications: 9013 always;
/// * requests: 9011 always;
/// * answers and vendor login: none;
/// * an unknown code: 9014 when Flag bit A is set — our choice, so a device
///   waiting for an answer does not retry forever.
pub fn expected_answer(kind: CnKind, flag: Option<Flag>) -> Option<AnswerKind> {
    let ack_needed = flag.is_some_and(Flag::ack_needed);
    match kind {
        CnKind::DataUpload(_) | CnKind::InfoUpload | CnKind::Heartbeat | CnKind::Unknown => {
            ack_needed.then_some(AnswerKind::Data)
        }
        CnKind::Notify => Some(AnswerKind::Notify),
        CnKind::Request => Some(AnswerKind::Request),
        CnKind::Answer(_) | CnKind::Login => None,
    }
}

/// `QnRtn` values (STD table 7). 2005 knows only 1–3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QnRtn {
    /// 1: ready to execute.
    Ready,
    /// 2: rejected.
    Rejected,
    /// 3: PW wrong.
    PwWrong,
    /// 4: MN wrong.
    MnWrong,
    /// 5: ST wrong.
    StWrong,
    /// 6: Flag wrong.
    FlagWrong,
    /// 7: QN wrong.
    QnWrong,
    /// 8: CN wrong.
    CnWrong,
    /// 9: CRC wrong.
    CrcWrong,
    /// 100: unknown error.
    UnknownError,
}

impl QnRtn {
    /// The wire code.
    pub fn code(self) -> u16 {
        match self {
            QnRtn::Ready => 1,
            QnRtn::Rejected => 2,
            QnRtn::PwWrong => 3,
            QnRtn::MnWrong => 4,
            QnRtn::StWrong => 5,
            QnRtn::FlagWrong => 6,
            QnRtn::QnWrong => 7,
            QnRtn::CnWrong => 8,
            QnRtn::CrcWrong => 9,
            QnRtn::UnknownError => 100,
        }
    }
}

/// `ExeRtn` values (STD table 6). 2005 knows only 1, 2, 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExeRtn {
    /// 1: success.
    Success,
    /// 2: failed, reason unknown.
    Failed,
    /// 3: request condition error.
    ConditionError,
    /// 4: communication timeout.
    Timeout,
    /// 5: busy.
    Busy,
    /// 6: system fault.
    SystemFault,
    /// 100: no data.
    NoData,
}

impl ExeRtn {
    /// The wire code.
    pub fn code(self) -> u16 {
        match self {
            ExeRtn::Success => 1,
            ExeRtn::Failed => 2,
            ExeRtn::ConditionError => 3,
            ExeRtn::Timeout => 4,
            ExeRtn::Busy => 5,
            ExeRtn::SystemFault => 6,
            ExeRtn::NoData => 100,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_bits() {
        assert_eq!(Flag(5).version(), Version::V2017);
        assert!(Flag(5).ack_needed());
        assert!(!Flag(5).has_subpackets());
        assert_eq!(Flag(3).version(), Version::V2005);
        assert_eq!(Flag(9).version(), Version::V2025);
        assert_eq!(Flag(0x20).version(), Version::Unknown(8));
        assert_eq!(Flag::new(Version::V2017, true, true), Flag(7));
    }

    #[test]
    fn classification() {
        assert_eq!(
            classify_cn("2051", Version::V2017, Direction::Uplink),
            CnKind::DataUpload(DataKind::Minute)
        );
        assert_eq!(classify_cn("2051", Version::V2017, Direction::Downlink), CnKind::Request);
        assert_eq!(classify_cn("1001", Version::V2025, Direction::Uplink), CnKind::InfoUpload);
        assert_eq!(classify_cn("1001", Version::V2005, Direction::Downlink), CnKind::Request);
        assert_eq!(classify_cn("9015", Version::V2017, Direction::Uplink), CnKind::Heartbeat);
        assert_eq!(classify_cn("4242", Version::V2017, Direction::Uplink), CnKind::Unknown);
        assert_eq!(expected_answer(CnKind::Unknown, Some(Flag(5))), Some(AnswerKind::Data));
        assert_eq!(expected_answer(CnKind::Unknown, Some(Flag(4))), None);
        assert_eq!(expected_answer(CnKind::Notify, None), Some(AnswerKind::Notify));
    }

    #[test]
    fn table_rows_are_unique_per_version() {
        for (i, a) in CN_TABLE.iter().enumerate() {
            for b in &CN_TABLE[i + 1..] {
                assert!(a.cn != b.cn || a.versions & b.versions == 0, "{} twice", a.cn);
            }
        }
    }
}
