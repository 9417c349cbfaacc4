//! Plan indicators' entered data: values users enter for a year (with the
//! evidence document), and the figures the city assigns to "meet the city's
//! target" indicators (with the document that assigned them).
//!
//! Nothing here is ever updated or deleted: a correction is a new version of
//! the same (plan, indicator, year) value, or of the (plan, indicator) city
//! target, and the newest version is the current one. Every new version is
//! audited in its own transaction (`plan_value_entered`,
//! `plan_city_target_set`), with the previous version as `before`.
//! Evidence documents are stored in the database with their SHA-256, so the
//! published figure and its proof travel together.

use model::Instant;
use serde::{Deserialize, Serialize};

use crate::Result;

/// A document to store: the evidence of a value or the city's assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPlanDocument {
    /// The file name the user gave, e.g. `2022年统计公报.pdf`.
    pub file_name: String,
    /// Its media type, e.g. `application/pdf`.
    pub media_type: String,
    /// Its bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// A stored document's description (its bytes come from [`PlanStore::plan_document`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDocumentInfo {
    /// Its id.
    pub id: i64,
    /// The file name the user gave.
    pub file_name: String,
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub n_bytes: u64,
    /// SHA-256 of the bytes, lower-case hex, computed by the store.
    pub sha256: String,
}

/// A stored document with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDocument {
    /// Its description.
    pub info: PlanDocumentInfo,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A value a user enters for one indicator and year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPlanValue {
    /// The plan's id, e.g. `wutongqiao-2021-2025`.
    pub plan: String,
    /// The indicator's id in the plan, e.g. `9` or `16a`.
    pub indicator: String,
    /// The year the value is for.
    pub year: i32,
    /// The value in the indicator's unit.
    pub value: f64,
    /// The user's note (source, method); may be empty.
    pub note: String,
    /// The evidence document, if any.
    pub document: Option<NewPlanDocument>,
}

/// A stored version of an entered value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanValue {
    /// The plan's id.
    pub plan: String,
    /// The indicator's id.
    pub indicator: String,
    /// The year.
    pub year: i32,
    /// 1 for the first entry, then one more per correction.
    pub version: u32,
    /// The value.
    pub value: f64,
    /// The note.
    pub note: String,
    /// The evidence document, if any.
    pub document: Option<PlanDocumentInfo>,
    /// Who entered it.
    pub actor: String,
    /// When it was entered.
    pub at: Instant,
}

/// The figure the city assigned to a "meet the city's target" indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCityTarget {
    /// The plan's id.
    pub plan: String,
    /// The indicator's id.
    pub indicator: String,
    /// The assigned figure in the indicator's unit.
    pub value: f64,
    /// The user's note (e.g. the document's number).
    pub note: String,
    /// The document that assigned the figure (required).
    pub document: NewPlanDocument,
}

/// A stored version of a city-assigned target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityTarget {
    /// The plan's id.
    pub plan: String,
    /// The indicator's id.
    pub indicator: String,
    /// 1 for the first, then one more per correction.
    pub version: u32,
    /// The figure.
    pub value: f64,
    /// The note.
    pub note: String,
    /// The assigning document.
    pub document: PlanDocumentInfo,
    /// Who set it.
    pub actor: String,
    /// When it was set.
    pub at: Instant,
}

/// Storage of the plan's entered data; a supertrait of [`crate::Store`].
pub trait PlanStore {
    /// Stores a new version of the value of (plan, indicator, year), with
    /// its document, and its audit entry (`plan_value_entered`, actor
    /// `actor`), in one transaction; returns the stored version once durable.
    fn enter_plan_value(&self, value: &NewPlanValue, actor: &str, at: Instant)
    -> Result<PlanValue>;

    /// The current (newest) version of every entered value of `plan`,
    /// ordered by indicator, then year.
    fn plan_values(&self, plan: &str) -> Result<Vec<PlanValue>>;

    /// Every version of the value of (plan, indicator, year), oldest first.
    fn plan_value_history(&self, plan: &str, indicator: &str, year: i32) -> Result<Vec<PlanValue>>;

    /// Stores a new version of the city-assigned target of (plan,
    /// indicator), with its document, and its audit entry
    /// (`plan_city_target_set`) in one transaction; returns it once durable.
    fn set_city_target(
        &self,
        target: &NewCityTarget,
        actor: &str,
        at: Instant,
    ) -> Result<CityTarget>;

    /// The current version of every city-assigned target of `plan`, by indicator.
    fn city_targets(&self, plan: &str) -> Result<Vec<CityTarget>>;

    /// Every version of the city-assigned target of (plan, indicator), oldest first.
    fn city_target_history(&self, plan: &str, indicator: &str) -> Result<Vec<CityTarget>>;

    /// A stored document with its bytes, if it exists.
    fn plan_document(&self, id: i64) -> Result<Option<PlanDocument>>;
}
