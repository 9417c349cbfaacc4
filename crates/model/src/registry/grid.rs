//! Grid supervision (网格化监管): each town of the district is one grid cell
//! with its inspectors (网格员), named by their login, in order of duty:
//! the first is the primary inspector, who is assigned new alarms of the
//! town's points; the second is the deputy, to whom an alarm left
//! unacknowledged is escalated.

use serde::{Deserialize, Serialize};

use crate::account::UserName;

/// Most inspectors one grid cell lists.
pub const MAX_INSPECTORS: usize = 8;

/// One grid cell: a town and the inspectors who answer for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridCell {
    /// The town's registry code: the natural key (one grid cell per town).
    pub town: String,
    /// The grid's name, e.g. `竹根镇环保网格`.
    pub name: String,
    /// Inspectors' logins in order of duty: primary, deputy, then others.
    /// Never empty; no login twice.
    pub inspectors: Vec<UserName>,
}

impl GridCell {
    /// The primary inspector (第一责任网格员), assigned new alarms.
    pub fn primary(&self) -> Option<&UserName> {
        self.inspectors.first()
    }

    /// The deputy inspector, if the cell names one.
    pub fn deputy(&self) -> Option<&UserName> {
        self.inspectors.get(1)
    }
}

/// Why a list of inspectors is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    /// No inspector is named.
    #[error("a grid cell needs at least one inspector (网格须至少有一名网格员)")]
    NoInspector,
    /// A login is not a valid user name.
    #[error("inspector {found:?} is not a valid login: {why}")]
    InvalidLogin {
        /// The text given.
        found: String,
        /// What is wrong with it.
        why: String,
    },
    /// The same login is listed twice.
    #[error("inspector {found:?} is listed twice")]
    Repeated {
        /// The login.
        found: String,
    },
    /// More than [`MAX_INSPECTORS`] logins.
    #[error("{found} inspectors listed; at most {MAX_INSPECTORS}")]
    TooMany {
        /// How many were listed.
        found: usize,
    },
}

/// Parses an ordered list of inspector logins separated by `;`, `,`, `、`
/// or `|` (blanks around each are ignored): at least one, each a valid
/// [`UserName`], none twice, at most [`MAX_INSPECTORS`].
pub fn parse_inspectors(text: &str) -> Result<Vec<UserName>, GridError> {
    let mut inspectors: Vec<UserName> = Vec::new();
    for part in text.split([';', ',', '、', '|']).map(str::trim).filter(|part| !part.is_empty()) {
        let name = UserName::parse(part).map_err(|error| GridError::InvalidLogin {
            found: part.to_owned(),
            why: error.to_string(),
        })?;
        if inspectors.contains(&name) {
            return Err(GridError::Repeated { found: part.to_owned() });
        }
        inspectors.push(name);
    }
    if inspectors.is_empty() {
        return Err(GridError::NoInspector);
    }
    if inspectors.len() > MAX_INSPECTORS {
        return Err(GridError::TooMany { found: inspectors.len() });
    }
    Ok(inspectors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Vec<String>, GridError> {
        parse_inspectors(text).map(|names| names.iter().map(|name| name.to_string()).collect())
    }

    #[test]
    fn inspectors_keep_their_order_and_refuse_bad_lists() {
        assert_eq!(check(" zg.zhang ; zg.li ").unwrap(), ["zg.zhang", "zg.li"]);
        assert_eq!(check("张三、李四").unwrap(), ["张三", "李四"]);
        assert_eq!(check(" ; "), Err(GridError::NoInspector));
        assert_eq!(check("a;b;a"), Err(GridError::Repeated { found: "a".to_owned() }));
        assert!(matches!(check("a b"), Err(GridError::InvalidLogin { .. })));
        assert_eq!(check("a;b;c;d;e;f;g;h;i"), Err(GridError::TooMany { found: 9 }));
        let cell = GridCell {
            town: "511112100".to_owned(),
            name: "竹根镇网格".to_owned(),
            inspectors: parse_inspectors("zg.zhang;zg.li").unwrap(),
        };
        assert_eq!(cell.primary().map(UserName::as_str), Some("zg.zhang"));
        assert_eq!(cell.deputy().map(UserName::as_str), Some("zg.li"));
    }
}
