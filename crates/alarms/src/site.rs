//! What the rules need to know about a site beyond its readings: the
//! section's target class, whether it is a drinking-water source, its
//! upstream neighbour on the same river, and who inspects it.
//!
//! The registry owns these facts; the binary supplies a [`SiteProvider`].
//! Until the registry lands it supplies [`KindsOnly`], which knows nothing, so
//! the rules needing context stay silent rather than guess.

use model::PointId;
use standards::water::WaterClass;

/// Facts about one point that some rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteContext {
    /// A surface-water section's target class (水质目标), if set.
    pub target_class: Option<WaterClass>,
    /// Whether the section is a drinking-water source (饮用水水源地): worse than class III alarms.
    pub drinking_water_source: bool,
    /// The nearest section upstream on the same river, if known.
    pub upstream: Option<PointId>,
    /// Who new alarms of this point are assigned to, e.g. the grid inspector (网格员) of the enterprise's town.
    pub assignee: Option<String>,
}

/// Supplies [`SiteContext`]s; implemented by the binary's wiring.
pub trait SiteProvider: Send + Sync {
    /// The context of `point` (the default when nothing is known).
    fn site(&self, point: PointId) -> SiteContext;
}

/// A provider that knows nothing beyond the points' kinds (until the registry lands).
#[derive(Debug, Clone, Copy, Default)]
pub struct KindsOnly;

impl SiteProvider for KindsOnly {
    fn site(&self, _point: PointId) -> SiteContext {
        SiteContext::default()
    }
}

/// A fixed table of contexts, for tests and small deployments.
#[derive(Debug, Clone, Default)]
pub struct SiteTable(pub std::collections::HashMap<PointId, SiteContext>);

impl SiteProvider for SiteTable {
    fn site(&self, point: PointId) -> SiteContext {
        self.0.get(&point).cloned().unwrap_or_default()
    }
}
