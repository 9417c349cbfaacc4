//! The registry service (一企一档): import and export of registry files,
//! row-by-row validation, the sample registry, permit expiry warnings and
//! emission totals.
//!
//! Main items:
//! - [`import::import`]: CSV or XLSX files (one per [`store::RegistryKind`],
//!   English or Chinese headers, see [`layout::columns`]) validated row by row
//!   against the store; either every row is applied in one audited
//!   transaction, or [`Error::Rejected`] lists every bad row with its line,
//!   column and reason, and nothing is applied.
//! - [`export::export`]: the same layout back, CSV or XLSX.
//! - [`grid`]: the `grid` sheet of grid cells (a town's inspectors, primary
//!   first), imported together with the registry files and exported alike.
//! - [`sample::files`]: the fictional sample registry of the district the
//!   demo loads (every name marked 模拟).
//! - [`expiry::expiring_permits`]: permits that expire within N days.
//! - [`totals::emission_totals`]: emission amounts per outlet, pollutant and
//!   Beijing day, month or year, rolled up to enterprise, town, industry and
//!   district, against the permits' annual totals (method and missing-data
//!   rule in that module).
//!
//! ```
//! use store::{RegistryKind, RegistryStore, SqliteStore};
//! let store = SqliteStore::open_in_memory()?;
//! let at = model::Instant::from_unix_millis(1_795_000_000_000).unwrap();
//! registry::import::import(&store, &registry::sample::files(), "demo", at, true)?;
//! assert!(store.registry_records(RegistryKind::Enterprise)?.len() >= 30);
//! # Ok::<(), registry::Error>(())
//! ```
//!
//! This crate writes nothing itself: the store applies and audits every
//! change. It knows nothing of HTTP, files on disk or HJ 212.

pub mod expiry;
pub mod export;
pub mod grid;
pub mod import;
pub mod layout;
pub mod reason;
pub mod sample;
pub mod totals;

#[cfg(test)]
mod tests;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

pub use expiry::RegistryConfig;
pub use import::{Format, ImportFile, ImportReport, Problem};

/// Errors of the registry service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The import has bad rows; nothing was applied.
    #[error("import refused, nothing applied: {} problem(s); first: {}", problems.len(), problems.first().map(ToString::to_string).unwrap_or_default())]
    Rejected {
        /// Every problem found, in file and line order.
        problems: Vec<Problem>,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// A device password could not be hashed.
    #[error("cannot hash a device password: {0}")]
    Password(String),
    /// An export could not be written.
    #[error("cannot write the export: {0}")]
    Export(String),
}

impl Error {
    /// A fixed label for metrics and JSON.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Rejected { .. } => "rejected",
            Error::Store(_) => "store",
            Error::Password(_) => "password",
            Error::Export(_) => "export",
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Argon2id for device passwords imported with the registry. The gateway
/// verifies any argon2 PHC string (the parameters travel in it); a device's PW
/// crosses the network in clear text in every packet, so light parameters
/// (8 MiB, 1 pass) suffice to protect a copy of the database.
fn device_argon2() -> Result<argon2::Argon2<'static>> {
    let params = argon2::Params::new(8 * 1024, 1, 1, None)
        .map_err(|error| Error::Password(error.to_string()))?;
    Ok(argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params))
}

/// Hashes a device password into a PHC string.
pub fn hash_device_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    device_argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| Error::Password(error.to_string()))
}

/// Whether `password` matches the PHC string `hash`.
fn password_matches(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    device_argon2().is_ok_and(|argon2| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
}
