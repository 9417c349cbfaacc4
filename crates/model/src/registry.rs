//! The registry's vocabulary (一企一档): the unified social credit code
//! ([`Uscc`]) and the closed code sets of registry records.
//!
//! Every code set has a stable English name (storage, JSON, CSV) and a
//! Chinese label; [`parse`](RecordStatus::parse) accepts either.

use serde::{Deserialize, Serialize};

/// Declares a closed code set: an enum with `ALL`, `as_str` (the stable
/// English name), `label_zh` (the Chinese label), `parse` (either) and serde
/// through the English name.
macro_rules! code_set {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($english:literal, $chinese:literal $(, $alias:literal)*) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable English name used in storage, JSON and CSV.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $english,)+ }
            }

            /// The Chinese label.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $chinese,)+ }
            }

            /// Parses the English name or the Chinese label (surrounding blanks and
            /// ASCII case are ignored).
            pub fn parse(text: &str) -> Option<$name> {
                let text = text.trim();
                $(
                    if text.eq_ignore_ascii_case($english) || text == $chinese $(|| text.eq_ignore_ascii_case($alias))* {
                        return Some($name::$variant);
                    }
                )+
                None
            }

            /// The accepted English names, for error messages.
            pub fn names() -> String {
                $name::ALL.iter().map(|value| value.as_str()).collect::<Vec<_>>().join("|")
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<$name, String> {
                $name::parse(&text).ok_or_else(|| format!("{text:?} is not one of {}", $name::names()))
            }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> &'static str {
                value.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_set! {
    /// Whether a registry record is in use or retired. Records with data are
    /// never deleted: they are retired (退役) and stay readable.
    RecordStatus {
        /// In use (在用).
        Active = ("active", "在用"),
        /// Retired (退役): kept with its history, no longer in use.
        Retired = ("retired", "退役"),
    }
}

code_set! {
    /// The kind of a water body; GB 3838-2002 judges total phosphorus
    /// differently for lakes and reservoirs than for rivers, and total
    /// nitrogen only for lakes and reservoirs (table 1, notes).
    WaterBodyKind {
        /// River (河流).
        River = ("river", "河流"),
        /// Lake (湖泊).
        Lake = ("lake", "湖泊"),
        /// Reservoir (水库).
        Reservoir = ("reservoir", "水库"),
    }
}

code_set! {
    /// Who a surface-water section is assessed for (考核级别).
    SectionLevel {
        /// National (国控).
        National = ("national", "国控"),
        /// Provincial (省控).
        Provincial = ("provincial", "省控"),
        /// Municipal (市控).
        Municipal = ("municipal", "市控"),
        /// District (区控).
        District = ("district", "区控"),
    }
}

code_set! {
    /// Whether a section lies on the district's boundary (交界断面).
    Boundary {
        /// Not a boundary section.
        No = ("no", "否"),
        /// Where the river enters the district (入境断面).
        Inflow = ("inflow", "入境"),
        /// Where the river leaves the district (出境断面).
        Outflow = ("outflow", "出境"),
    }
}

code_set! {
    /// The water-quality class a section must meet (水质目标), GB 3838-2002 §4.
    WaterTarget {
        /// Class I.
        I = ("I", "Ⅰ"),
        /// Class II.
        II = ("II", "Ⅱ"),
        /// Class III.
        III = ("III", "Ⅲ"),
        /// Class IV.
        IV = ("IV", "Ⅳ"),
        /// Class V.
        V = ("V", "Ⅴ"),
    }
}

code_set! {
    /// The network an ambient air station belongs to.
    AirStationLevel {
        /// National control station (国控站).
        National = ("national", "国控"),
        /// Provincial control station (省控站).
        Provincial = ("provincial", "省控"),
        /// Micro-station (微站).
        Micro = ("micro", "微站"),
    }
}

code_set! {
    /// A key-supervision category of an enterprise (重点监管类别).
    SuperviseCategory {
        /// Key water-pollutant discharger (水环境重点排污单位).
        Water = ("water", "水"),
        /// Key air-pollutant emitter (大气环境重点排污单位).
        Air = ("air", "气"),
        /// Soil-pollution key supervision (土壤污染重点监管单位).
        Soil = ("soil", "土"),
        /// Noise key discharger (噪声重点排污单位).
        Noise = ("noise", "声"),
        /// Environmental-risk key control (环境风险重点管控单位).
        Risk = ("risk", "风险"),
    }
}

/// A unified social credit code (统一社会信用代码), validated per GB 32100-2015.
///
/// 18 characters from the 31-character set `0-9 A-H J-N P-R T-U W-Y` (no I, O,
/// S, V, Z): registration authority (1), organisation type (1), administrative
/// division code (6 digits), organisation code (9, GB 11714) and a check
/// character (GB 32100-2015 §4 and appendix B).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

/// The 31 characters of the code, in value order (GB 32100-2015 table B.1).
const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The weights of positions 1–17 (GB 32100-2015 appendix B: 3^(i−1) mod 31).
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The organisation type codes each registration authority may use
/// (GB 32100-2015 appendix A, table A.1): `(authority, types)`.
const USCC_AUTHORITIES: [(u8, &[u8]); 12] = [
    (b'1', b"1239"),   // 机构编制: 机关, 事业单位, 中央编办直管群众团体, 其他
    (b'2', b"19"),     // 外交
    (b'3', b"123459"), // 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    (b'4', b"19"),     // 文化
    (b'5', b"1239"),   // 民政: 社会团体, 民办非企业单位, 基金会, 其他
    (b'6', b"19"),     // 旅游
    (b'7', b"129"),    // 宗教
    (b'8', b"19"),     // 工会
    (b'9', b"123"),    // 工商: 企业, 个体工商户, 农民专业合作社
    (b'A', b"19"),     // 中央军委改革和编制办公室
    (b'N', b"1239"),   // 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    (b'Y', b"1"),      // 其他
];

/// What is wrong with a text given as a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccFault {
    /// Not 18 characters long.
    #[error("expected 18 characters, found {found}")]
    WrongLength {
        /// Characters found.
        found: usize,
    },
    /// A character outside the code's 31-character set.
    #[error("character {found:?} at position {position} is not in 0-9 A-H J-N P-R T-U W-Y")]
    BadCharacter {
        /// 1-based position.
        position: usize,
        /// The character.
        found: char,
    },
    /// Position 1 is not a registration authority code of GB 32100-2015 table A.1.
    #[error("registration authority code {found:?} (position 1) is unknown")]
    UnknownAuthority {
        /// The character.
        found: char,
    },
    /// Position 2 is not an organisation type of that authority.
    #[error("organisation type {found:?} (position 2) is not defined for authority {authority:?}")]
    UnknownType {
        /// The authority (position 1).
        authority: char,
        /// The character.
        found: char,
    },
    /// Positions 3–8 (the administrative division code) are not all digits.
    #[error("administrative division code {found:?} (positions 3-8) must be 6 digits")]
    BadDivision {
        /// Positions 3–8.
        found: String,
    },
    /// The check character (position 18) does not match positions 1–17.
    #[error("check character is {found:?}, expected {expected:?}")]
    CheckMismatch {
        /// The check character computed from positions 1–17.
        expected: char,
        /// The one given.
        found: char,
    },
}

/// A text that is not a valid unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid unified social credit code {found:?}: {fault}")]
pub struct InvalidUscc {
    /// The text given.
    pub found: String,
    /// What is wrong.
    pub fault: UsccFault,
}

impl InvalidUscc {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self.fault {
            UsccFault::WrongLength { .. } => "uscc_length",
            UsccFault::BadCharacter { .. } => "uscc_character",
            UsccFault::UnknownAuthority { .. } => "uscc_authority",
            UsccFault::UnknownType { .. } => "uscc_type",
            UsccFault::BadDivision { .. } => "uscc_division",
            UsccFault::CheckMismatch { .. } => "uscc_check",
        }
    }
}

/// The value of a code character, if it is in the set.
fn uscc_value(byte: u8) -> Option<u32> {
    USCC_CHARSET.iter().position(|&c| c == byte).map(|index| index as u32)
}

impl Uscc {
    /// Validates `text` (surrounding blanks ignored, lower case accepted and
    /// upper-cased) as a unified social credit code.
    pub fn parse(text: &str) -> Result<Uscc, InvalidUscc> {
        let code = text.trim().to_ascii_uppercase();
        Uscc::check(&code)
            .map(|()| Uscc(code))
            .map_err(|fault| InvalidUscc { found: text.to_owned(), fault })
    }

    /// The check character for the first 17 characters of a code, if they
    /// are all from the code's character set (GB 32100-2015 appendix B:
    /// `31 − (Σ value × weight mod 31)`, where 31 becomes 0).
    pub fn check_character(first_17: &str) -> Option<char> {
        let bytes = first_17.as_bytes();
        if bytes.len() != 17 {
            return None;
        }
        let mut sum = 0;
        for (&byte, weight) in bytes.iter().zip(USCC_WEIGHTS) {
            sum += uscc_value(byte)? * weight;
        }
        let check = (31 - sum % 31) % 31;
        Some(char::from(USCC_CHARSET[check as usize]))
    }

    fn check(code: &str) -> Result<(), UsccFault> {
        let n_chars = code.chars().count();
        if n_chars != 18 {
            return Err(UsccFault::WrongLength { found: n_chars });
        }
        if let Some((index, found)) =
            code.chars().enumerate().find(|(_, c)| !c.is_ascii() || uscc_value(*c as u8).is_none())
        {
            return Err(UsccFault::BadCharacter { position: index + 1, found });
        }
        // All 18 characters are ASCII from here on.
        let bytes = code.as_bytes();
        let authority = bytes[0];
        let Some((_, types)) = USCC_AUTHORITIES.iter().find(|(code, _)| *code == authority) else {
            return Err(UsccFault::UnknownAuthority { found: char::from(authority) });
        };
        if !types.contains(&bytes[1]) {
            return Err(UsccFault::UnknownType {
                authority: char::from(authority),
                found: char::from(bytes[1]),
            });
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(UsccFault::BadDivision { found: code[2..8].to_owned() });
        }
        let expected =
            Uscc::check_character(&code[..17]).ok_or(UsccFault::WrongLength { found: n_chars })?;
        let found = char::from(bytes[17]);
        if expected != found {
            return Err(UsccFault::CheckMismatch { expected, found });
        }
        Ok(())
    }

    /// The code as text (18 upper-case characters).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The administrative division code of the registering authority (positions 3–8).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

impl TryFrom<String> for Uscc {
    type Error = InvalidUscc;
    fn try_from(text: String) -> Result<Uscc, InvalidUscc> {
        Uscc::parse(&text)
    }
}

impl From<Uscc> for String {
    fn from(code: Uscc) -> String {
        code.0
    }
}

impl std::fmt::Display for Uscc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A code from its first 17 characters and the computed check character.
    fn complete(first_17: &str) -> String {
        format!("{first_17}{}", Uscc::check_character(first_17).unwrap())
    }

    fn check(text: &str, expected: Result<&str, UsccFault>) {
        let parsed = Uscc::parse(text);
        match expected {
            Ok(code) => assert_eq!(parsed.map(|uscc| uscc.0), Ok(code.to_owned()), "{text}"),
            Err(fault) => assert_eq!(parsed, Err(InvalidUscc { found: text.to_owned(), fault })),
        }
    }

    #[test]
    fn real_format_codes_are_accepted() {
        // Σ value × weight of the first 17 = 1640 = 52 × 31 + 28; 31 − 28 = 3
        // (computed independently of this code).
        check("91350100M000100Y43", Ok("91350100M000100Y43"));
        // Codes of the shape enterprises in Leshan (division 5111xx) receive.
        for first_17 in ["91511112MA62XK7Q2", "92511112L32001845", "12511100451601237"] {
            let code = complete(first_17);
            check(&code, Ok(&code));
            check(&code.to_lowercase(), Ok(&code));
        }
        assert_eq!(Uscc::check_character("91511112MA62XK7Q2"), Some('5'));
        assert_eq!(Uscc::parse(" 91350100M000100Y43 ").unwrap().division(), "350100");
    }

    #[test]
    fn mutated_codes_fail_with_the_precise_fault() {
        let valid = "91350100M000100Y43";
        // One character changed: the check character catches it.
        check("91350100M000100Y44", Err(UsccFault::CheckMismatch { expected: '3', found: '4' }));
        check("91350101M000100Y43", Err(UsccFault::CheckMismatch { expected: 'H', found: '3' }));
        // Two characters swapped.
        check("91351000M000100Y43", Err(UsccFault::CheckMismatch { expected: 'A', found: '3' }));
        check(&valid[..17], Err(UsccFault::WrongLength { found: 17 }));
        check(&format!("{valid}0"), Err(UsccFault::WrongLength { found: 19 }));
        check("91350100MO00100Y43", Err(UsccFault::BadCharacter { position: 10, found: 'O' }));
        check("91350100M000100Y4I", Err(UsccFault::BadCharacter { position: 18, found: 'I' }));
        check("91350100M000100S43", Err(UsccFault::BadCharacter { position: 16, found: 'S' }));
        check("913501０0M000100Y43", Err(UsccFault::BadCharacter { position: 7, found: '０' }));
        check(&complete("B1350100M000100Y4"), Err(UsccFault::UnknownAuthority { found: 'B' }));
        check(
            &complete("94350100M000100Y4"),
            Err(UsccFault::UnknownType { authority: '9', found: '4' }),
        );
        check(
            &complete("Y2350100M000100Y4"),
            Err(UsccFault::UnknownType { authority: 'Y', found: '2' }),
        );
        check(
            &complete("9135A100M000100Y4"),
            Err(UsccFault::BadDivision { found: "35A100".to_owned() }),
        );
        let error = Uscc::parse("91350100M000100Y44").unwrap_err();
        assert_eq!(error.reason(), "uscc_check");
        assert_eq!(
            error.to_string(),
            "invalid unified social credit code \"91350100M000100Y44\": check character is '4', expected '3'"
        );
    }

    #[test]
    fn every_single_character_change_is_detected() {
        let valid = "91350100M000100Y43";
        let mut n_tried = 0;
        for position in 0..18 {
            for &replacement in USCC_CHARSET {
                let mut bytes = valid.as_bytes().to_vec();
                if bytes[position] == replacement {
                    continue;
                }
                bytes[position] = replacement;
                let text = String::from_utf8(bytes).unwrap();
                assert!(Uscc::parse(&text).is_err(), "{text} accepted");
                n_tried += 1;
            }
        }
        assert_eq!(n_tried, 18 * 30);
    }

    #[test]
    fn code_sets_parse_english_and_chinese() {
        assert_eq!(WaterTarget::parse("Ⅲ"), Some(WaterTarget::III));
        assert_eq!(WaterTarget::parse("iii"), Some(WaterTarget::III));
        assert_eq!(SectionLevel::parse("省控"), Some(SectionLevel::Provincial));
        assert_eq!(RecordStatus::parse(" Retired "), Some(RecordStatus::Retired));
        assert_eq!(Boundary::parse("出境"), Some(Boundary::Outflow));
        assert_eq!(SuperviseCategory::parse("soil"), Some(SuperviseCategory::Soil));
        assert_eq!(WaterBodyKind::parse("sea"), None);
        let json = serde_json::to_string(&AirStationLevel::Micro).unwrap();
        assert_eq!(json, "\"micro\"");
        assert_eq!(
            serde_json::from_str::<AirStationLevel>("\"微站\"").unwrap(),
            AirStationLevel::Micro
        );
    }
}
