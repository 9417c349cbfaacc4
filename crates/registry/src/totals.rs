//! Emission totals (排放量) per outlet, pollutant and Beijing day, month or
//! year, rolled up to enterprise, town, industry and district, and compared
//! with the permits' allowed annual totals. Computed on query from the stored
//! hour readings; feeds plan indicator 11.
//!
//! **Which pollutants.** Those an active limit of an active permit sets a
//! maximum concentration for, in `mg/m3` (flue gas) or `mg/L` (wastewater), at
//! an active flue-gas, VOCs, fume, dust or wastewater outlet. pH and other
//! range limits have no mass.
//!
//! **Method, hour by hour** (HJ 212 hour readings, `Avg` = the hour's mean):
//! - if the pollutant's hour reading carries `Cou` (the device's own emission
//!   amount for the hour), that amount is taken, in kg (HJ 212-2017 tables
//!   B.1/B.2 give pollutant amounts in kg; not verified against the text here);
//! - otherwise amount = measured concentration `Avg` × the hour's volume, where
//!   volume = flow `Avg` × 3600 s: flue gas `a00000` in m³/s gives m³, and
//!   mg/m³ × m³ = mg, / 10⁶ → kg; wastewater `w00000` in L/s gives L, / 1000 →
//!   m³, and mg/L × m³ = g, / 1000 → kg. The measured concentration is used,
//!   never the converted one (折算浓度 is for judging limits, not for mass).
//!
//! **Missing data.** An hour counts only when it has `Cou`, or both the
//! concentration and the flow `Avg`. Missing hours are not estimated: every
//! total carries its coverage, `n_hours` of `n_expected_hours` (the period's
//! hours up to `now`), so a reader sees how complete it is. Flags are not
//! filtered: the total is what the devices reported.
//!
//! **Permitted totals.** Each limit may carry an allowed annual total
//! (`annual_total_kg`); an enterprise's, town's, industry's and the
//! district's permitted total of a pollutant is the sum over its active limits
//! of active permits. For a year the amount compares with it directly; for a
//! day or month, `share_of_permitted` is the amount over the annual total.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use model::registry::RecordStatus;
use model::{BeijingTime, DataKind, Instant, ParamCode, PointId};
use serde::Serialize;
use standards::emission::{LimitBound, PermitLimit};
use store::{PointKind, ReadingQuery, RegistryEntity, RegistryKind, Store};

use crate::Result;

/// A Beijing calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// One Beijing day.
    Day(NaiveDate),
    /// One Beijing month: (year, month 1–12).
    Month(i32, u32),
    /// One Beijing year.
    Year(i32),
}

impl Period {
    /// Parses `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub fn parse(text: &str) -> Option<Period> {
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(Period::Day(date));
        }
        if let Some((year, month)) = text.split_once('-') {
            let year: i32 = year.parse().ok()?;
            let month: u32 = month.parse().ok()?;
            NaiveDate::from_ymd_opt(year, month, 1)?;
            return Some(Period::Month(year, month));
        }
        let year: i32 = text.parse().ok()?;
        NaiveDate::from_ymd_opt(year, 1, 1).map(|_| Period::Year(year))
    }

    /// Its label: `2026-03-02`, `2026-03` or `2026`.
    pub fn label(self) -> String {
        match self {
            Period::Day(date) => date.to_string(),
            Period::Month(year, month) => format!("{year}-{month:02}"),
            Period::Year(year) => year.to_string(),
        }
    }

    /// First and day-after-last Beijing dates.
    fn dates(self) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            Period::Day(date) => Some((date, date.succ_opt()?)),
            Period::Month(year, month) => {
                let first = NaiveDate::from_ymd_opt(year, month, 1)?;
                let next = if month == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)?
                } else {
                    NaiveDate::from_ymd_opt(year, month + 1, 1)?
                };
                Some((first, next))
            }
            Period::Year(year) => Some((
                NaiveDate::from_ymd_opt(year, 1, 1)?,
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
            )),
        }
    }
}

fn beijing_midnight(date: NaiveDate) -> Instant {
    BeijingTime(NaiveDateTime::from(date)).to_instant()
}

/// How a total was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Every counted hour from concentration × flow.
    ConcentrationTimesFlow,
    /// Every counted hour from the device's `Cou`.
    DeviceCou,
    /// Some hours one way, some the other.
    Mixed,
    /// No hour could be counted.
    NoData,
}

/// One outlet's total of one pollutant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointTotal {
    /// The outlet's point.
    pub point: PointId,
    /// The outlet's code.
    pub outlet: String,
    /// The enterprise's credit code.
    pub enterprise: String,
    /// The pollutant's HJ 212 code.
    pub param: String,
    /// The amount, kg.
    pub amount_kg: f64,
    /// Hours counted.
    pub n_hours: u32,
    /// Hours in the period (up to now).
    pub n_expected_hours: u32,
    /// How the counted hours were obtained.
    pub method: Method,
}

/// A total of one pollutant over a group of outlets (an enterprise, a town, an
/// industry, the district), compared with what its permits allow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTotal {
    /// The group: a credit code, a town code, an industry, or `district`.
    pub group: String,
    /// Its display name, where it has one.
    pub name: Option<String>,
    /// The pollutant's HJ 212 code.
    pub param: String,
    /// The amount, kg.
    pub amount_kg: f64,
    /// Hours counted, summed over its outlets.
    pub n_hours: u32,
    /// Hours expected, summed over its outlets.
    pub n_expected_hours: u32,
    /// The allowed annual total of its active permits, kg (none if no limit sets one).
    pub permitted_annual_kg: Option<f64>,
    /// `amount_kg / permitted_annual_kg`.
    pub share_of_permitted: Option<f64>,
}

/// Emission totals of a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmissionTotals {
    /// The period's label.
    pub period: String,
    /// UTC start.
    pub start: Instant,
    /// UTC end (exclusive).
    pub end: Instant,
    /// Per outlet and pollutant.
    pub outlets: Vec<PointTotal>,
    /// Per enterprise and pollutant.
    pub enterprises: Vec<GroupTotal>,
    /// Per town and pollutant.
    pub towns: Vec<GroupTotal>,
    /// Per industry and pollutant.
    pub industries: Vec<GroupTotal>,
    /// The district, per pollutant.
    pub district: Vec<GroupTotal>,
}

/// The flow parameter of an outlet kind and the factor turning
/// concentration × flow `Avg` × 3600 into kg.
fn flow_of(kind: PointKind) -> Option<(&'static str, f64)> {
    match kind {
        // mg/m³ × (m³/s × 3600 s) = mg; / 10⁶ → kg.
        PointKind::FlueGas | PointKind::Vocs | PointKind::Fume | PointKind::Dust => {
            Some(("a00000", 3600.0 / 1e6))
        }
        // mg/L × (L/s × 3600 s) = mg; / 10⁶ → kg.
        PointKind::Wastewater => Some(("w00000", 3600.0 / 1e6)),
        _ => None,
    }
}

/// Maps an enterprise's credit code to its group (key and display name).
type GroupOf<'a> = dyn Fn(&str) -> Option<(String, Option<String>)> + 'a;

/// One outlet's identity for roll-ups.
struct OutletInfo {
    point: PointId,
    code: String,
    kind: PointKind,
    enterprise: String,
}

/// Emission totals of `period`, from hour readings stored up to `now`.
pub fn emission_totals(store: &dyn Store, period: Period, now: Instant) -> Result<EmissionTotals> {
    let (first, next) = period.dates().ok_or_else(|| {
        crate::Error::Store(store::Error::NotFound { entity: "period", id: period.label() })
    })?;
    let start = beijing_midnight(first);
    let end = beijing_midnight(next);
    let until = model::time::beijing_hour_start(now).max(start).min(end);
    let n_expected_hours =
        u32::try_from((until.unix_millis() - start.unix_millis()) / 3_600_000).unwrap_or(0);

    // Registry: enterprises, active outlets, permits and their limits.
    let mut enterprises = BTreeMap::new();
    for record in store.registry_records(RegistryKind::Enterprise)? {
        if let RegistryEntity::Enterprise(enterprise) = record.entity {
            enterprises.insert(enterprise.uscc.to_string(), enterprise);
        }
    }
    let mut outlets = BTreeMap::new();
    for record in store.registry_records(RegistryKind::Outlet)? {
        let (RegistryEntity::Outlet(outlet), Some(point)) = (record.entity, record.point) else {
            continue;
        };
        if record.status == RecordStatus::Active && flow_of(outlet.kind).is_some() {
            outlets.insert(
                outlet.code.clone(),
                OutletInfo {
                    point,
                    code: outlet.code,
                    kind: outlet.kind,
                    enterprise: outlet.enterprise.to_string(),
                },
            );
        }
    }
    let active_permits: std::collections::HashSet<String> = store
        .registry_records(RegistryKind::Permit)?
        .into_iter()
        .filter(|record| record.status == RecordStatus::Active)
        .map(|record| record.entity.key())
        .collect();
    // (outlet code, param) → allowed annual kg (summed over permits).
    let mut pollutants: BTreeMap<(String, String), Option<f64>> = BTreeMap::new();
    for record in store.registry_records(RegistryKind::Limit)? {
        let RegistryEntity::Limit(limit) = record.entity else { continue };
        if record.status != RecordStatus::Active
            || !active_permits.contains(&limit.permit)
            || !outlets.contains_key(&limit.outlet)
        {
            continue;
        }
        let Ok(parsed) = serde_json::from_value::<PermitLimit>(limit.concentration) else {
            continue;
        };
        if !matches!(parsed.bound, LimitBound::Max(_))
            || !matches!(parsed.unit.as_str(), "mg/m3" | "mg/L")
        {
            continue;
        }
        let entry =
            pollutants.entry((limit.outlet.clone(), limit.param.to_string())).or_insert(None);
        if let Some(total) = limit.annual_total_kg {
            *entry = Some(entry.unwrap_or(0.0) + total);
        }
    }

    let mut point_totals = Vec::new();
    let mut permitted: BTreeMap<(String, String), Option<f64>> = BTreeMap::new();
    let mut by_outlet: BTreeMap<&str, Vec<(&String, Option<f64>)>> = BTreeMap::new();
    for ((outlet, param), allowed) in &pollutants {
        by_outlet.entry(outlet.as_str()).or_default().push((param, *allowed));
    }
    for (code, params) in by_outlet {
        let Some(info) = outlets.get(code) else { continue };
        let Some((flow_param, factor)) = flow_of(info.kind) else { continue };
        let mut wanted: Vec<ParamCode> = Vec::new();
        for code in params.iter().map(|(param, _)| param.as_str()).chain([flow_param]) {
            if let Ok(param) = ParamCode::parse(code) {
                wanted.push(param);
            }
        }
        let readings = store.readings(&ReadingQuery {
            point: info.point,
            kind: DataKind::Hour,
            params: wanted,
            from: start,
            to: until,
            limit: usize::MAX,
        })?;
        let flows: BTreeMap<Instant, f64> = readings
            .iter()
            .filter(|reading| reading.key.param.as_str() == flow_param)
            .filter_map(|reading| Some((reading.key.data_time, reading.values.avg?)))
            .collect();
        for (param, allowed) in params {
            let (mut amount_kg, mut n_flow, mut n_cou) = (0.0, 0_u32, 0_u32);
            for reading in readings.iter().filter(|reading| reading.key.param.as_str() == param) {
                if let Some(cou) = reading.values.cou {
                    amount_kg += cou;
                    n_cou += 1;
                } else if let (Some(concentration), Some(flow)) =
                    (reading.values.avg, flows.get(&reading.key.data_time))
                {
                    amount_kg += concentration * flow * factor;
                    n_flow += 1;
                }
            }
            let method = match (n_flow, n_cou) {
                (0, 0) => Method::NoData,
                (_, 0) => Method::ConcentrationTimesFlow,
                (0, _) => Method::DeviceCou,
                _ => Method::Mixed,
            };
            let allowed_entry =
                permitted.entry((info.enterprise.clone(), param.clone())).or_insert(None);
            if let Some(allowed) = allowed {
                *allowed_entry = Some(allowed_entry.unwrap_or(0.0) + allowed);
            }
            point_totals.push(PointTotal {
                point: info.point,
                outlet: info.code.clone(),
                enterprise: info.enterprise.clone(),
                param: param.clone(),
                amount_kg,
                n_hours: n_flow + n_cou,
                n_expected_hours,
                method,
            });
        }
    }

    // Roll-ups: each outlet total goes to its enterprise, town, industry and the district.
    let roll_up = |group_of: &GroupOf<'_>| -> Vec<GroupTotal> {
        let mut groups: BTreeMap<(String, String), GroupTotal> = BTreeMap::new();
        let mut permitted_seen = std::collections::HashSet::new();
        for total in &point_totals {
            let Some((group, name)) = group_of(&total.enterprise) else { continue };
            let entry = groups.entry((group.clone(), total.param.clone())).or_insert(GroupTotal {
                group,
                name,
                param: total.param.clone(),
                amount_kg: 0.0,
                n_hours: 0,
                n_expected_hours: 0,
                permitted_annual_kg: None,
                share_of_permitted: None,
            });
            entry.amount_kg += total.amount_kg;
            entry.n_hours += total.n_hours;
            entry.n_expected_hours += total.n_expected_hours;
            // An enterprise's permitted total counts once per group.
            if permitted_seen.insert((
                entry.group.clone(),
                total.enterprise.clone(),
                total.param.clone(),
            )) && let Some(Some(allowed)) =
                permitted.get(&(total.enterprise.clone(), total.param.clone()))
            {
                entry.permitted_annual_kg =
                    Some(entry.permitted_annual_kg.unwrap_or(0.0) + allowed);
            }
        }
        groups
            .into_values()
            .map(|mut group| {
                group.share_of_permitted = group
                    .permitted_annual_kg
                    .filter(|allowed| *allowed > 0.0)
                    .map(|allowed| group.amount_kg / allowed);
                group
            })
            .collect()
    };
    let by_enterprise = roll_up(&|uscc: &str| {
        Some((uscc.to_owned(), enterprises.get(uscc).map(|enterprise| enterprise.name.clone())))
    });
    let by_town = roll_up(&|uscc: &str| {
        enterprises.get(uscc).map(|enterprise| (enterprise.town.clone(), None))
    });
    let by_industry = roll_up(&|uscc: &str| {
        enterprises.get(uscc).map(|enterprise| (enterprise.industry.clone(), None))
    });
    let district = roll_up(&|_: &str| Some(("district".to_owned(), None)));
    Ok(EmissionTotals {
        period: period.label(),
        start,
        end,
        outlets: point_totals,
        enterprises: by_enterprise,
        towns: by_town,
        industries: by_industry,
        district,
    })
}

/// The Beijing year of `now`, as a period.
pub fn current_year(now: Instant) -> Period {
    Period::Year(now.to_beijing().date().year())
}
