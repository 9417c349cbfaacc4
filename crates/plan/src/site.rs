//! The monitoring sites a computed indicator reads, and the selectors the
//! plan file uses to pick them.
//!
//! The caller supplies the sites (the binary builds them from the registry);
//! the plan crate never decides by itself which station is the district's.

use model::PointId;
use serde::{Deserialize, Serialize};

/// What a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// An ambient air station of the district (micro-stations are not sites).
    AirStation,
    /// A surface-water section (or a drinking-water source's monitoring point).
    WaterSection,
}

/// A monitoring site as the plan sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// The store's point.
    pub point: PointId,
    /// The point's code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// What it is.
    pub kind: SiteKind,
    /// The river or water body (`岷江`, `茫溪河`), when known.
    pub river: Option<String>,
    /// On the river's main stream (干流).
    pub main_stream: bool,
    /// A centralised drinking-water source (集中式饮用水水源).
    pub drinking_source: bool,
}

impl Site {
    /// Sites from the store's points, until the registry supplies the
    /// attributes: air stations count as the district's stations, surface-water
    /// stations as sections of an unknown river (so river-specific indicators
    /// select none of them and report no data).
    pub fn from_points(points: &[store::PointRecord]) -> Vec<Site> {
        points
            .iter()
            .filter_map(|record| {
                let kind = match record.point.kind {
                    store::PointKind::AirStation => SiteKind::AirStation,
                    store::PointKind::SurfaceWater => SiteKind::WaterSection,
                    _ => return None,
                };
                Some(Site {
                    point: record.id,
                    code: record.point.code.clone(),
                    name: record.point.name.clone(),
                    kind,
                    river: None,
                    main_stream: false,
                    drinking_source: false,
                })
            })
            .collect()
    }
}

/// Which sites an indicator reads: every given condition must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// The kind of site.
    pub kind: SiteKind,
    /// The river, exactly.
    #[serde(default)]
    pub river: Option<String>,
    /// Main stream only (true) or tributaries only (false).
    #[serde(default)]
    pub main_stream: Option<bool>,
    /// Drinking-water sources only (true) or others only (false).
    #[serde(default)]
    pub drinking_source: Option<bool>,
}

impl Selector {
    /// Whether `site` is selected.
    pub fn selects(&self, site: &Site) -> bool {
        site.kind == self.kind
            && self.river.as_ref().is_none_or(|river| site.river.as_ref() == Some(river))
            && self.main_stream.is_none_or(|main| site.main_stream == main)
            && self.drinking_source.is_none_or(|drinking| site.drinking_source == drinking)
    }

    /// The selected sites, in the given order.
    pub fn select<'a>(&self, sites: &'a [Site]) -> Vec<&'a Site> {
        sites.iter().filter(|site| self.selects(site)).collect()
    }
}
