//! Permit expiry warnings.

use chrono::NaiveDate;
use model::registry::RecordStatus;
use serde::Serialize;
use store::{RegistryEntity, RegistryKind, Store};

use crate::Result;

/// Days ahead a permit's expiry is warned about, unless configured otherwise.
pub const DEFAULT_WARNING_DAYS: u32 = 60;

/// An active permit that expires soon, or has expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiringPermit {
    /// The permit number.
    pub number: String,
    /// The enterprise's credit code.
    pub enterprise: String,
    /// The enterprise's name, if it is registered.
    pub enterprise_name: Option<String>,
    /// Last day of validity.
    pub valid_to: NaiveDate,
    /// Days from `today` to `valid_to` (negative once expired).
    pub days_left: i64,
}

/// Active permits whose last valid day is at most `within_days` after
/// `today` (a Beijing date), expired ones included, soonest first.
pub fn expiring_permits(
    store: &dyn Store,
    today: NaiveDate,
    within_days: u32,
) -> Result<Vec<ExpiringPermit>> {
    let names: std::collections::HashMap<String, String> = store
        .registry_records(RegistryKind::Enterprise)?
        .into_iter()
        .filter_map(|record| match record.entity {
            RegistryEntity::Enterprise(enterprise) => {
                Some((enterprise.uscc.to_string(), enterprise.name))
            }
            _ => None,
        })
        .collect();
    let mut expiring: Vec<ExpiringPermit> = store
        .registry_records(RegistryKind::Permit)?
        .into_iter()
        .filter(|record| record.status == RecordStatus::Active)
        .filter_map(|record| match record.entity {
            RegistryEntity::Permit(permit) => Some(permit),
            _ => None,
        })
        .map(|permit| ExpiringPermit {
            days_left: (permit.valid_to - today).num_days(),
            enterprise_name: names.get(permit.enterprise.as_str()).cloned(),
            enterprise: permit.enterprise.to_string(),
            number: permit.number,
            valid_to: permit.valid_to,
        })
        .filter(|permit| permit.days_left <= i64::from(within_days))
        .collect();
    expiring.sort_by(|a, b| (a.valid_to, &a.number).cmp(&(b.valid_to, &b.number)));
    Ok(expiring)
}

/// Settings of the registry, `[registry]` in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryConfig {
    /// Warn about permits that expire within this many days (and expired ones).
    pub permit_warning_days: u32,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig { permit_warning_days: DEFAULT_WARNING_DAYS }
    }
}
