//! Accounts: who may use the web interface and the API, and with which role.
//!
//! Roles form one ladder ([`Role`]): each role may do everything the roles
//! below it may. An enterprise user is additionally bound to one enterprise
//! and sees only that enterprise's points. Names are validated newtypes
//! ([`UserName`]); password strength is a pure rule ([`check_password`]).

use serde::{Deserialize, Serialize};

/// A role, lowest first: the order is the permission ladder.
///
/// `Public` is the anonymous visitor; it is never stored for a user, but an
/// API token may carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Anyone, without logging in (公众): the public portal.
    Public,
    /// An enterprise's own staff (企业用户): only that enterprise's points.
    Enterprise,
    /// A grid inspector (网格巡查员): every point, readings, devices, alarms.
    Inspector,
    /// A bureau analyst (分析人员): everything an inspector sees, plus analysis.
    Analyst,
    /// An administrator (管理员): users, tokens and every change.
    Admin,
}

impl Role {
    /// All roles, lowest first.
    pub const ALL: [Role; 5] =
        [Role::Public, Role::Enterprise, Role::Inspector, Role::Analyst, Role::Admin];

    /// Stable name used in storage, the CLI and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Enterprise => "enterprise",
            Role::Inspector => "inspector",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Parses [`Role::as_str`]'s names (`administrator` is accepted for `admin`).
    pub fn parse(text: &str) -> Result<Role, AccountError> {
        match text {
            "administrator" => Ok(Role::Admin),
            _ => Role::ALL
                .into_iter()
                .find(|role| role.as_str() == text)
                .ok_or_else(|| AccountError::UnknownRole { found: text.to_owned() }),
        }
    }

    /// The role's Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Public => "公众",
            Role::Enterprise => "企业用户",
            Role::Inspector => "巡查员",
            Role::Analyst => "分析人员",
            Role::Admin => "管理员",
        }
    }

    /// Whether this role may do what `required` may.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }

    /// Whether this role is bound to one enterprise's data.
    pub fn is_scoped(self) -> bool {
        self == Role::Enterprise
    }
}

/// A login name: 1 to 64 characters, letters (any script), digits and `_.-@`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserName(String);

impl UserName {
    /// Most characters in a name.
    pub const MAX_CHARS: usize = 64;

    /// Validates a name.
    pub fn parse(text: &str) -> Result<UserName, AccountError> {
        let why = if text.is_empty() {
            Some("empty")
        } else if text.chars().count() > Self::MAX_CHARS {
            Some("longer than 64 characters")
        } else if !text.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@')) {
            Some("only letters, digits and _ . - @ are allowed")
        } else {
            None
        };
        match why {
            Some(why) => Err(AccountError::InvalidUserName { found: text.to_owned(), why }),
            None => Ok(UserName(text.to_owned())),
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UserName {
    type Error = AccountError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        UserName::parse(&text)
    }
}

impl From<UserName> for String {
    fn from(name: UserName) -> String {
        name.0
    }
}

/// The id of a stored user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UserId(pub i64);

/// A user as the rest of the platform sees it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The login name.
    pub name: UserName,
    /// The role.
    pub role: Role,
    /// For [`Role::Enterprise`]: the enterprise (its code or name as the points
    /// carry it) whose data this user sees; `None` for every other role.
    pub enterprise: Option<String>,
    /// Retired users cannot log in; they are kept for the audit trail.
    pub retired: bool,
}

/// Fewest characters in a password.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Refuses empty, short and trivially weak passwords: fewer than
/// [`MIN_PASSWORD_CHARS`] characters, one repeated character, fewer than two
/// kinds of character (letters, digits, others), or the user's own name in it.
pub fn check_password(password: &str, name: &UserName) -> Result<(), AccountError> {
    let n_chars = password.chars().count();
    let weak = |why: &'static str| Err(AccountError::WeakPassword { why });
    if n_chars == 0 {
        return weak("the password is empty");
    }
    if n_chars < MIN_PASSWORD_CHARS {
        return weak("the password has fewer than 10 characters");
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return weak("the password repeats one character");
    }
    let has_letter = password.chars().any(char::is_alphabetic);
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    let has_other = password.chars().any(|c| !c.is_alphanumeric());
    if u8::from(has_letter) + u8::from(has_digit) + u8::from(has_other) < 2 {
        return weak("the password needs at least two of: letters, digits, other characters");
    }
    if password.to_lowercase().contains(&name.as_str().to_lowercase()) {
        return weak("the password contains the user name");
    }
    Ok(())
}

/// Why account data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// A role name that is not one of [`Role::ALL`].
    #[error("unknown role {found:?}: expected public, enterprise, inspector, analyst or admin")]
    UnknownRole {
        /// The text that was given.
        found: String,
    },
    /// A user name that [`UserName::parse`] refuses.
    #[error("invalid user name {found:?}: {why}")]
    InvalidUserName {
        /// The text that was given.
        found: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A password that [`check_password`] refuses.
    #[error("weak password: {why}")]
    WeakPassword {
        /// What is wrong with it.
        why: &'static str,
    },
    /// An enterprise user without an enterprise, or another role with one.
    #[error("role {role} {why}")]
    EnterpriseBinding {
        /// The role given.
        role: &'static str,
        /// What is wrong.
        why: &'static str,
    },
}

impl AccountError {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            AccountError::UnknownRole { .. } => "unknown_role",
            AccountError::InvalidUserName { .. } => "invalid_user_name",
            AccountError::WeakPassword { .. } => "weak_password",
            AccountError::EnterpriseBinding { .. } => "enterprise_binding",
        }
    }
}

/// Checks that `enterprise` is given exactly when `role` is [`Role::Enterprise`].
pub fn check_binding(role: Role, enterprise: Option<&str>) -> Result<(), AccountError> {
    match (role.is_scoped(), enterprise.is_some_and(|text| !text.trim().is_empty())) {
        (true, false) => Err(AccountError::EnterpriseBinding {
            role: role.as_str(),
            why: "must be bound to an enterprise",
        }),
        (false, true) => Err(AccountError::EnterpriseBinding {
            role: role.as_str(),
            why: "cannot be bound to an enterprise",
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_form_a_ladder_and_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            assert!(role.allows(Role::Public));
            assert!(role.allows(role));
        }
        assert!(!Role::Enterprise.allows(Role::Inspector));
        assert!(Role::Admin.allows(Role::Analyst));
        assert_eq!(Role::parse("administrator"), Ok(Role::Admin));
        assert_eq!(Role::parse("root").unwrap_err().reason(), "unknown_role");
    }

    #[test]
    fn names_are_validated() {
        assert!(UserName::parse("王敏").is_ok());
        assert!(UserName::parse("ops.admin@bureau").is_ok());
        for bad in ["", "a b", "a;drop", &"x".repeat(65)] {
            assert_eq!(UserName::parse(bad).unwrap_err().reason(), "invalid_user_name", "{bad:?}");
        }
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let name = UserName::parse("wangmin").unwrap();
        let check = |password: &str| check_password(password, &name).map_err(|e| e.to_string());
        assert_eq!(check(""), Err("weak password: the password is empty".into()));
        assert!(check("short1!").unwrap_err().contains("fewer than 10"));
        assert!(check("aaaaaaaaaaaa").unwrap_err().contains("repeats"));
        assert!(check("abcdefghijkl").unwrap_err().contains("two of"));
        assert!(check("WangMin-2026!").unwrap_err().contains("user name"));
        assert_eq!(check("qingshan-2026"), Ok(()));
    }

    #[test]
    fn only_enterprise_users_are_bound() {
        assert!(check_binding(Role::Enterprise, Some("E1")).is_ok());
        assert!(check_binding(Role::Enterprise, None).is_err());
        assert!(check_binding(Role::Enterprise, Some(" ")).is_err());
        assert!(check_binding(Role::Admin, Some("E1")).is_err());
        assert!(check_binding(Role::Admin, None).is_ok());
    }
}
