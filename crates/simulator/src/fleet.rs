//! The catalogue of virtual devices: what each one measures and how.
//!
//! [`fleet`] invents points for tests and benchmarks; [`for_points`] gives one
//! device per registry point (the demo's fleet, on the sample registry).
//! Every point and enterprise here is fictional and marked as simulated
//! (名称带“（模拟）”), so demo data can never be mistaken for real monitoring.

use store::{NewPoint, PointKind};

/// How one parameter of a virtual device behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// The 2017 parameter code.
    pub code: &'static str,
    /// Typical value, in the code's default unit.
    pub base: f64,
    /// Relative amplitude of the daily cycle (0.3 = ±30 %).
    pub daily_amplitude: f64,
    /// Hour of day (Beijing) of the daily peak.
    pub peak_hour: f64,
    /// Relative standard deviation of the noise.
    pub noise: f64,
    /// Emission limit, if the parameter is permitted; exceedances go above it.
    pub limit: Option<f64>,
    /// Decimals sent.
    pub decimals: usize,
    /// Whether converted (折算, `Zs*`) values are sent too.
    pub converted: bool,
    /// Whether a cumulative amount (`Cou`) is sent (flows).
    pub cumulative: bool,
}

const fn spec(
    code: &'static str,
    base: f64,
    daily_amplitude: f64,
    peak_hour: f64,
    noise: f64,
) -> ParamSpec {
    ParamSpec {
        code,
        base,
        daily_amplitude,
        peak_hour,
        noise,
        limit: None,
        decimals: 2,
        converted: false,
        cumulative: false,
    }
}

const fn pollutant(code: &'static str, base: f64, limit: f64) -> ParamSpec {
    ParamSpec {
        code,
        base,
        daily_amplitude: 0.25,
        peak_hour: 14.0,
        noise: 0.08,
        limit: Some(limit),
        decimals: 2,
        converted: true,
        cumulative: false,
    }
}

/// Parameters of a flue-gas CEMS outlet (12 parameters, system code 31).
pub fn flue_gas_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec { cumulative: true, ..spec("a00000", 42.0, 0.15, 11.0, 0.03) },
        spec("a01011", 12.5, 0.1, 11.0, 0.03),
        spec("a01012", 68.0, 0.05, 13.0, 0.02),
        spec("a01013", 0.12, 0.05, 13.0, 0.05),
        spec("a01014", 8.5, 0.1, 5.0, 0.04),
        spec("a19001", 9.8, 0.05, 3.0, 0.02),
        pollutant("a34013", 6.0, 10.0),
        pollutant("a21026", 22.0, 35.0),
        pollutant("a21002", 32.0, 50.0),
        spec("a21003", 18.0, 0.2, 14.0, 0.08),
        spec("a21004", 4.0, 0.2, 14.0, 0.08),
        spec("a21005", 12.0, 0.2, 14.0, 0.1),
    ]
}

/// Parameters of a wastewater outlet (system code 32).
pub fn wastewater_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec { cumulative: true, ..spec("w00000", 8.0, 0.3, 10.0, 0.05) },
        ParamSpec { decimals: 2, ..spec("w01001", 7.4, 0.02, 12.0, 0.01) },
        ParamSpec { converted: false, ..pollutant("w01018", 32.0, 50.0) },
        ParamSpec { converted: false, ..pollutant("w21003", 2.1, 5.0) },
        ParamSpec { converted: false, decimals: 3, ..pollutant("w21011", 0.21, 0.5) },
        ParamSpec { converted: false, ..pollutant("w21001", 8.0, 15.0) },
    ]
}

/// Parameters of an ambient air station (system code 22); concentrations in
/// µg/m³ except CO in mg/m³.
pub fn air_station_params() -> Vec<ParamSpec> {
    vec![
        ParamSpec { decimals: 0, ..spec("a21026", 9.0, 0.3, 11.0, 0.15) },
        ParamSpec { decimals: 0, ..spec("a21004", 24.0, 0.35, 20.0, 0.15) },
        ParamSpec { decimals: 1, ..spec("a21005", 0.8, 0.25, 8.0, 0.1) },
        ParamSpec { decimals: 0, ..spec("a05024", 70.0, 0.6, 15.0, 0.12) },
        ParamSpec { decimals: 0, ..spec("a34002", 58.0, 0.25, 9.0, 0.15) },
        ParamSpec { decimals: 0, ..spec("a34004", 36.0, 0.25, 9.0, 0.15) },
        ParamSpec { decimals: 1, ..spec("a01001", 17.0, 0.25, 15.0, 0.03) },
        ParamSpec { decimals: 1, ..spec("a01002", 75.0, 0.15, 5.0, 0.05) },
        ParamSpec { decimals: 1, ..spec("a01006", 96.5, 0.005, 10.0, 0.001) },
        ParamSpec { decimals: 1, ..spec("a01007", 1.6, 0.4, 15.0, 0.3) },
        ParamSpec { decimals: 0, ..spec("a01008", 180.0, 0.5, 12.0, 0.3) },
    ]
}

/// Parameters of a surface-water automatic station (system code 21).
pub fn surface_water_params() -> Vec<ParamSpec> {
    vec![
        spec("w01001", 7.8, 0.02, 15.0, 0.01),
        spec("w01009", 8.2, 0.1, 15.0, 0.04),
        spec("w01019", 2.9, 0.1, 12.0, 0.06),
        ParamSpec { decimals: 3, ..spec("w21003", 0.32, 0.1, 12.0, 0.08) },
        ParamSpec { decimals: 3, ..spec("w21011", 0.11, 0.1, 12.0, 0.08) },
        spec("w21001", 1.6, 0.1, 12.0, 0.06),
        ParamSpec { decimals: 1, ..spec("w01010", 17.5, 0.05, 16.0, 0.02) },
        ParamSpec { decimals: 0, ..spec("w01014", 380.0, 0.05, 12.0, 0.03) },
        ParamSpec { decimals: 1, ..spec("w01003", 18.0, 0.2, 12.0, 0.15) },
    ]
}

/// The HJ 212 system code (ST) of a point kind.
pub fn system_code(kind: PointKind) -> &'static str {
    match kind {
        PointKind::FlueGas | PointKind::Vocs | PointKind::Fume => "31",
        PointKind::Wastewater => "32",
        PointKind::AirStation | PointKind::MicroStation => "22",
        PointKind::SurfaceWater => "21",
        PointKind::Dust => "39",
        PointKind::Noise => "23",
        PointKind::Electricity => "31",
    }
}

/// Parameters for a point kind the simulator models.
pub fn params_for(kind: PointKind) -> Vec<ParamSpec> {
    match kind {
        PointKind::Wastewater => wastewater_params(),
        PointKind::AirStation | PointKind::MicroStation => air_station_params(),
        PointKind::SurfaceWater => surface_water_params(),
        _ => flue_gas_params(),
    }
}

/// A virtual device and the point it reports for.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualDevice {
    /// Index in the fleet; seeds its randomness.
    pub index: usize,
    /// The MN it sends (24 hex characters, as the 2017 standard asks).
    pub mn: String,
    /// The PW it sends.
    pub password: String,
    /// The kind of point.
    pub kind: PointKind,
    /// The point's code.
    pub point_code: String,
    /// The point's display name (Chinese, marked simulated).
    pub point_name: String,
    /// The owning (fictional) enterprise, for source outlets.
    pub enterprise: Option<String>,
    /// What it measures.
    pub params: Vec<ParamSpec>,
}

/// Fictional enterprises in industries the plan names (salt and phosphorus chemicals,
/// polysilicon, paper, building materials, food).
const ENTERPRISES: [&str; 12] = [
    "青山盐化有限公司（模拟）",
    "竹溪磷化工有限公司（模拟）",
    "岷峰新能源硅材料有限公司（模拟）",
    "茫溪纸业有限公司（模拟）",
    "桥湾建材有限公司（模拟）",
    "西坝食品有限公司（模拟）",
    "金粟化工有限公司（模拟）",
    "涌斯精细化工有限公司（模拟）",
    "沫溪热电有限公司（模拟）",
    "牛华氯碱有限公司（模拟）",
    "冠英生物科技有限公司（模拟）",
    "辉山医药化工有限公司（模拟）",
];

const AIR_STATIONS: [&str; 4] =
    ["竹根站（模拟）", "牛华站（模拟）", "金山站（模拟）", "西坝站（模拟）"];

const WATER_SECTIONS: [&str; 4] = [
    "岷江·五通桥上游断面（模拟）",
    "岷江·出境断面（模拟）",
    "茫溪河·河口断面（模拟）",
    "沫溪河·入岷江口断面（模拟）",
];

/// Builds a fleet of `n_devices`: roughly 60 % flue-gas and 25 % wastewater
/// outlets, the rest air stations and water stations. The same `n_devices`
/// always gives the same fleet.
pub fn fleet(n_devices: usize) -> Vec<VirtualDevice> {
    (0..n_devices).map(virtual_device).collect()
}

/// The device at `index` of every fleet.
pub fn virtual_device(index: usize) -> VirtualDevice {
    let kind = match index % 20 {
        0 => PointKind::AirStation,
        10 => PointKind::SurfaceWater,
        1 | 5 | 9 | 13 | 17 => PointKind::Wastewater,
        _ => PointKind::FlueGas,
    };
    let enterprise = ENTERPRISES[index % ENTERPRISES.len()];
    let (point_code, point_name, enterprise) = match kind {
        PointKind::AirStation => {
            let station = AIR_STATIONS[(index / 20) % AIR_STATIONS.len()];
            (format!("SIM-AIR-{index:05}"), format!("{station}#{index}"), None)
        }
        PointKind::SurfaceWater => {
            let section = WATER_SECTIONS[(index / 20) % WATER_SECTIONS.len()];
            (format!("SIM-WATER-{index:05}"), format!("{section}#{index}"), None)
        }
        PointKind::Wastewater => (
            format!("SIM-WW-{index:05}"),
            format!("{enterprise}废水总排口#{index}"),
            Some(enterprise.to_owned()),
        ),
        _ => (
            format!("SIM-FG-{index:05}"),
            format!("{enterprise}1号烟囱#{index}"),
            Some(enterprise.to_owned()),
        ),
    };
    VirtualDevice {
        index,
        mn: format!("5A54513{index:017X}"),
        password: "123456".to_owned(),
        kind,
        point_code,
        point_name,
        enterprise,
        params: params_for(kind),
    }
}

/// Whether the simulator models readings of this point kind (flue gas,
/// wastewater, air and surface-water stations).
pub fn simulates(kind: PointKind) -> bool {
    matches!(
        kind,
        PointKind::FlueGas
            | PointKind::Wastewater
            | PointKind::AirStation
            | PointKind::MicroStation
            | PointKind::SurfaceWater
    )
}

/// One virtual device for each given point of a kind the simulator models
/// ([`simulates`]), in the given order: the demo's fleet reports for the
/// sample registry's stations, sections and outlets. Their MNs (prefix
/// `5A54514`) never collide with those of [`fleet`] (prefix `5A54513`).
pub fn for_points(points: &[NewPoint]) -> Vec<VirtualDevice> {
    points
        .iter()
        .filter(|point| simulates(point.kind))
        .enumerate()
        .map(|(index, point)| VirtualDevice {
            index,
            mn: format!("5A54514{index:017X}"),
            password: "123456".to_owned(),
            kind: point.kind,
            point_code: point.code.clone(),
            point_name: point.name.clone(),
            enterprise: point.enterprise.clone(),
            params: params_for(point.kind),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_is_deterministic_and_mns_are_unique_24_chars() {
        let devices = fleet(1000);
        assert_eq!(devices, fleet(1000));
        let mut mns: Vec<&str> = devices.iter().map(|device| device.mn.as_str()).collect();
        assert!(mns.iter().all(|mn| mn.len() == 24 && model::Mn::parse(mn).is_ok()));
        mns.sort_unstable();
        mns.dedup();
        assert_eq!(mns.len(), 1000);
        assert_eq!(flue_gas_params().len(), 12);
    }

    #[test]
    fn registry_points_get_one_device_each_of_the_modelled_kinds() {
        let point = |code: &str, kind| NewPoint {
            code: code.to_owned(),
            name: format!("{code}（模拟）"),
            kind,
            enterprise: None,
            simulated: true,
        };
        let points = [
            point("S-1", PointKind::SurfaceWater),
            point("N-1", PointKind::Noise),
            point("FG-1", PointKind::FlueGas),
        ];
        let devices = for_points(&points);
        let codes: Vec<&str> = devices.iter().map(|device| device.point_code.as_str()).collect();
        assert_eq!(codes, ["S-1", "FG-1"], "no device for a kind the simulator does not model");
        assert_eq!(devices[1].mn, "5A5451400000000000000001");
        assert_eq!(devices[1].params, flue_gas_params());
        assert!(fleet(2).iter().all(|device| !devices.iter().any(|other| other.mn == device.mn)));
    }

    #[test]
    fn every_simulated_name_says_so() {
        for device in fleet(40) {
            assert!(device.point_name.contains("模拟"), "{}", device.point_name);
        }
    }
}
