//! The sample registry of 五通桥区 that the demo loads: real town and river
//! names, FICTIONAL enterprises, outlets, permits and limits (every name
//! carries 模拟; credit codes have valid check characters but belong to no one).
//!
//! The files are in `crates/registry/sample/`, in the import layout.

use store::RegistryKind;

use crate::import::{Format, ImportFile};
use crate::layout::file_stem;

/// The sample files, one per kind (no devices: the demo derives its simulated
/// devices from the sample's points).
pub fn files() -> Vec<ImportFile> {
    let contents: [(RegistryKind, &str); 9] = [
        (RegistryKind::Town, include_str!("../sample/towns.csv")),
        (RegistryKind::WaterBody, include_str!("../sample/water_bodies.csv")),
        (RegistryKind::Section, include_str!("../sample/sections.csv")),
        (RegistryKind::AirStation, include_str!("../sample/air_stations.csv")),
        (RegistryKind::NoisePoint, include_str!("../sample/noise_points.csv")),
        (RegistryKind::Enterprise, include_str!("../sample/enterprises.csv")),
        (RegistryKind::Outlet, include_str!("../sample/outlets.csv")),
        (RegistryKind::Permit, include_str!("../sample/permits.csv")),
        (RegistryKind::Limit, include_str!("../sample/limits.csv")),
    ];
    contents
        .into_iter()
        .map(|(kind, text)| ImportFile {
            name: format!("sample/{}.csv", file_stem(kind)),
            kind,
            format: Format::Csv,
            bytes: text.as_bytes().to_vec(),
        })
        .collect()
}
