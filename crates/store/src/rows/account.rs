//! Decoding `app_user` and `api_token` rows (the same columns on both backends).

use model::account::{Role, User, UserId, UserName};

use super::StoredRow;
use crate::{ApiToken, Error, Result, UserRecord};

/// The user columns [`decode_user`] reads.
pub(crate) const USER_COLUMNS: &str =
    "id, name, role, enterprise, retired_ms, password_hash, created_ms";

/// The API token columns [`decode_token`] reads.
pub(crate) const TOKEN_COLUMNS: &str =
    "id, name, role, enterprise, created_by, created_ms, revoked_ms";

fn role(row: &impl StoredRow, index: usize, table: &'static str) -> Result<Role> {
    let text = row.required_text(index, table, "role")?;
    Role::parse(&text).map_err(|error| Error::Corrupt {
        table,
        column: "role",
        detail: error.to_string(),
    })
}

/// Decodes [`USER_COLUMNS`].
pub(crate) fn decode_user(row: &impl StoredRow) -> Result<UserRecord> {
    const TABLE: &str = "app_user";
    let name = row.required_text(1, TABLE, "name")?;
    let name = UserName::parse(&name).map_err(|error| Error::Corrupt {
        table: TABLE,
        column: "name",
        detail: error.to_string(),
    })?;
    Ok(UserRecord {
        user: User {
            id: UserId(row.required_int(0, TABLE, "id")?),
            name,
            role: role(row, 2, TABLE)?,
            enterprise: row.text(3, TABLE, "enterprise")?,
            retired: row.int(4, TABLE, "retired_ms")?.is_some(),
        },
        password_hash: row.required_text(5, TABLE, "password_hash")?,
        created_at: row.instant(6, TABLE, "created_ms")?,
    })
}

/// Decodes [`TOKEN_COLUMNS`].
pub(crate) fn decode_token(row: &impl StoredRow) -> Result<ApiToken> {
    const TABLE: &str = "api_token";
    Ok(ApiToken {
        id: row.required_int(0, TABLE, "id")?,
        name: row.required_text(1, TABLE, "name")?,
        role: role(row, 2, TABLE)?,
        enterprise: row.text(3, TABLE, "enterprise")?,
        created_by: row.required_text(4, TABLE, "created_by")?,
        created_at: row.instant(5, TABLE, "created_ms")?,
        revoked_at: row.optional_instant(6, TABLE, "revoked_ms")?,
    })
}
