//! What the rules need to know about a site beyond its readings: the
//! section's target class, whether it is a drinking-water source, its
//! upstream neighbour on the same river, and who inspects it (the primary
//! and deputy inspectors of its town's grid cell).
//!
//! The registry owns these facts; the binary supplies a [`SiteProvider`]:
//! [`RegistrySites`], which reads them from the store's registry. [`KindsOnly`]
//! knows nothing beyond the points' kinds (for tests and stores without a
//! registry), so the rules needing context stay silent rather than guess.

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
    /// Who new alarms of this point are assigned to: the primary inspector
    /// (网格员) of the grid cell of its town (an outlet's: its enterprise's town).
    pub assignee: Option<String>,
    /// The deputy inspector of that grid cell, for escalation.
    pub deputy: Option<String>,
}

/// Supplies [`SiteContext`]s; implemented by the binary's wiring.
pub trait SiteProvider: Send + Sync {
    /// The context of `point` (the default when nothing is known).
    fn site(&self, point: PointId) -> SiteContext;
}

/// A provider that knows nothing beyond the points' kinds (no registry).
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

/// Contexts read from the registry (issue #3): each active section's target
/// class, drinking-water flag and nearest active upstream section on the same
/// water body (by `order`), and for every active point the inspectors of the
/// active grid cell of its town (`store::SupervisionStore::grid_cells`).
/// Re-read at most every `max_age`, so registry and grid edits reach the
/// rules within that time.
pub struct RegistrySites {
    store: std::sync::Arc<dyn store::Store>,
    max_age: std::time::Duration,
    cached: std::sync::Mutex<Option<(std::time::Instant, SiteTable)>>,
}

impl RegistrySites {
    /// A provider over `store`'s registry, re-read at most every `max_age`.
    pub fn new(store: std::sync::Arc<dyn store::Store>, max_age: std::time::Duration) -> Self {
        RegistrySites { store, max_age, cached: std::sync::Mutex::new(None) }
    }

    /// The contexts of every active point, from the store now.
    pub fn read(store: &dyn store::Store) -> store::Result<SiteTable> {
        use model::registry::{RecordStatus, WaterTarget};
        use store::{RegistryEntity, RegistryKind};
        let grid: std::collections::HashMap<String, model::registry::GridCell> = store
            .grid_cells()?
            .into_iter()
            .filter(|record| record.status == RecordStatus::Active)
            .map(|record| (record.cell.town.clone(), record.cell))
            .collect();
        let mut table = std::collections::HashMap::new();
        for site in store.sites()? {
            if site.status != RecordStatus::Active {
                continue;
            }
            let cell = site.town.as_ref().and_then(|town| grid.get(town));
            let name = |name: Option<&model::account::UserName>| name.map(ToString::to_string);
            let context = SiteContext {
                assignee: name(cell.and_then(model::registry::GridCell::primary)),
                deputy: name(cell.and_then(model::registry::GridCell::deputy)),
                ..SiteContext::default()
            };
            table.insert(site.point, context);
        }
        let mut sections: Vec<(String, u32, PointId, SiteContext)> = Vec::new();
        for record in store.registry_records(RegistryKind::Section)? {
            let (RegistryEntity::Section(section), Some(point), RecordStatus::Active) =
                (record.entity, record.point, record.status)
            else {
                continue;
            };
            let target_class = Some(match section.target {
                WaterTarget::I => WaterClass::I,
                WaterTarget::II => WaterClass::II,
                WaterTarget::III => WaterClass::III,
                WaterTarget::IV => WaterClass::IV,
                WaterTarget::V => WaterClass::V,
            });
            let inspectors = table.get(&point).cloned().unwrap_or_default();
            let context = SiteContext {
                target_class,
                drinking_water_source: section.drinking_source,
                ..inspectors
            };
            sections.push((section.water_body, section.order, point, context));
        }
        sections.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut previous: Option<(&str, PointId)> = None;
        for (water_body, _, point, context) in &sections {
            let upstream = previous
                .filter(|(body, _)| *body == water_body.as_str())
                .map(|(_, upstream)| upstream);
            table.insert(*point, SiteContext { upstream, ..context.clone() });
            previous = Some((water_body.as_str(), *point));
        }
        Ok(SiteTable(table))
    }
}

impl SiteProvider for RegistrySites {
    fn site(&self, point: PointId) -> SiteContext {
        let mut cached = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let fresh = cached.as_ref().is_some_and(|(at, _)| at.elapsed() < self.max_age);
        if !fresh {
            match RegistrySites::read(self.store.as_ref()) {
                Ok(table) => *cached = Some((std::time::Instant::now(), table)),
                // Keep the last good table (or none) and try again on the next call.
                Err(error) => tracing::warn!(%error, "cannot read the registry's sites"),
            }
        }
        cached.as_ref().map(|(_, table)| table.site(point)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use store::{RegistryKind, Store};

    use super::*;

    /// The point linked to the registry record `kind`/`code`.
    fn point_of(store: &dyn Store, kind: RegistryKind, code: &str) -> PointId {
        store
            .registry_records(kind)
            .unwrap()
            .into_iter()
            .find(|record| record.entity.key() == code)
            .and_then(|record| record.point)
            .unwrap()
    }

    /// The sample registry's sections: target class, drinking-water flag, and
    /// the upstream neighbour on the same water body only.
    #[test]
    fn registry_sites_give_target_drinking_water_and_upstream() {
        let store: std::sync::Arc<dyn Store> =
            std::sync::Arc::new(store::SqliteStore::open_in_memory().unwrap());
        let now = model::Instant::from_unix_millis(1_796_000_000_000).unwrap();
        registry::import::import(store.as_ref(), &registry::sample::files(), "tests", now, true)
            .unwrap();
        let point_of = |code: &str| point_of(store.as_ref(), RegistryKind::Section, code);
        let provider = RegistrySites::new(store.clone(), std::time::Duration::from_secs(60));
        let source = provider.site(point_of("WTQ-MJ-02"));
        assert_eq!(source.target_class, Some(WaterClass::II));
        assert!(source.drinking_water_source);
        assert_eq!(source.upstream, Some(point_of("WTQ-MJ-01")));
        assert_eq!(provider.site(point_of("WTQ-MJ-01")).upstream, None, "first on its river");
        let mangxi = provider.site(point_of("WTQ-MX-01"));
        assert_eq!(mangxi.upstream, None, "never a section of another river");
        assert!(!mangxi.drinking_water_source);
        assert_eq!(mangxi.target_class, Some(WaterClass::III));
        assert_eq!(provider.site(PointId(999_999)), SiteContext::default());
    }

    /// Grid supervision (issue #4): every point's alarms go to the primary
    /// inspector of its town's grid cell (an outlet's: its enterprise's
    /// town; an ambient site's: its own town), the deputy for escalation.
    #[test]
    fn registry_sites_give_the_grid_inspectors_of_the_points_town() {
        let store: std::sync::Arc<dyn Store> =
            std::sync::Arc::new(store::SqliteStore::open_in_memory().unwrap());
        let now = model::Instant::from_unix_millis(1_796_000_000_000).unwrap();
        let files = registry::sample::files();
        registry::grid::import(
            store.as_ref(),
            &files,
            &registry::sample::grid_files(),
            "tests",
            now,
            true,
        )
        .unwrap();
        let point_of = |kind, code: &str| point_of(store.as_ref(), kind, code);
        let provider = RegistrySites::new(store.clone(), std::time::Duration::from_secs(60));
        // WTQ-E01-FG1 belongs to an enterprise of 牛华镇 (511112101).
        let outlet = provider.site(point_of(RegistryKind::Outlet, "WTQ-E01-FG1"));
        assert_eq!(outlet.assignee.as_deref(), Some("wg.niuhua.1"));
        assert_eq!(outlet.deputy.as_deref(), Some("wg.niuhua.2"));
        // The drinking-water section lies in 竹根镇 (511112100); its water facts stay.
        let section = provider.site(point_of(RegistryKind::Section, "WTQ-MJ-02"));
        assert_eq!(section.assignee.as_deref(), Some("wg.zhugen.1"));
        assert!(section.drinking_water_source);
        let station = provider.site(point_of(RegistryKind::AirStation, "WTQ-AIR-02"));
        assert_eq!(station.assignee.as_deref(), Some("wg.niuhua.1"));

        // A retired grid cell assigns no one (after the provider re-reads).
        let mut cell = store.grid_cells().unwrap().remove(1).cell;
        cell.name.push_str("（已撤销）");
        let change = store::GridChange {
            cell,
            status: model::registry::RecordStatus::Retired,
            sample: true,
        };
        store.apply_grid(&[change], "tests", now).unwrap();
        let fresh = RegistrySites::new(store.clone(), std::time::Duration::from_secs(60));
        assert_eq!(fresh.site(point_of(RegistryKind::Outlet, "WTQ-E01-FG1")).assignee, None);
    }
}
