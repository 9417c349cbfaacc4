//! Identifiers: validated text codes and numeric ids of stored entities.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Longest MN accepted. The 2017 standard fixes 24 characters; field devices
/// send 8–24 and occasionally more, so we allow some slack.
pub const MAX_MN_LEN: usize = 32;

/// Longest parameter code accepted (`a34013`, `B02`, `SB1`, vendor codes).
pub const MAX_PARAM_CODE_LEN: usize = 24;

/// A device id, the HJ 212 `MN` (设备唯一标识). Case is kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mn(String);

impl Mn {
    /// Validates `text` as an MN: 1–32 characters of `0-9A-Za-z_-`.
    pub fn parse(text: &str) -> Result<Mn> {
        let why = if text.is_empty() {
            Some("empty")
        } else if text.len() > MAX_MN_LEN {
            Some("longer than 32 characters")
        } else if !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            Some("characters outside 0-9A-Za-z_-")
        } else {
            None
        };
        match why {
            Some(why) => Err(Error::InvalidMn { found: text.to_owned(), why }),
            None => Ok(Mn(text.to_owned())),
        }
    }

    /// The MN as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Mn {
    type Error = Error;
    fn try_from(text: String) -> Result<Mn> {
        Mn::parse(&text)
    }
}

impl From<Mn> for String {
    fn from(mn: Mn) -> String {
        mn.0
    }
}

impl std::fmt::Display for Mn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A monitored parameter's code (污染物/监测因子编码), e.g. `a34013`, `w01018`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ParamCode(String);

impl ParamCode {
    /// Validates `text`: 1–24 characters of `0-9A-Za-z_.`.
    pub fn parse(text: &str) -> Result<ParamCode> {
        let why = if text.is_empty() {
            Some("empty")
        } else if text.len() > MAX_PARAM_CODE_LEN {
            Some("longer than 24 characters")
        } else if !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
            Some("characters outside 0-9A-Za-z_.")
        } else {
            None
        };
        match why {
            Some(why) => Err(Error::InvalidParamCode { found: text.to_owned(), why }),
            None => Ok(ParamCode(text.to_owned())),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ParamCode {
    type Error = Error;
    fn try_from(text: String) -> Result<ParamCode> {
        ParamCode::parse(&text)
    }
}

impl From<ParamCode> for String {
    fn from(code: ParamCode) -> String {
        code.0
    }
}

impl std::fmt::Display for ParamCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

numeric_id!(
    /// A monitoring point (监测点位): an outlet, an air station or a water section.
    PointId
);
numeric_id!(
    /// A field device (数采仪/监测设备), known to the platform by its MN.
    DeviceId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mn_accepts_field_variants_and_refuses_garbage() {
        for ok in ["010000A8900016F000169DC0", "LD130133000015", "abc_def-1"] {
            assert_eq!(Mn::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "has space", "中文", &"9".repeat(33)] {
            assert!(Mn::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn param_code_validates() {
        assert!(ParamCode::parse("a34013").is_ok());
        assert!(ParamCode::parse("B02").is_ok());
        assert!(ParamCode::parse("a-1").is_err());
        assert_eq!(ParamCode::parse("").unwrap_err().reason(), "invalid_param_code");
    }
}
