//! Where the plan's emission indicator (11) gets its amounts: the registry's
//! emission totals ([`registry::totals`]). The plan and registry services do
//! not depend on each other; they meet here, in the crate that serves both,
//! and the binary hands [`RegistryEmissions`] to the plan routes and CLI.

use std::sync::Arc;

use model::Clock;
use plan::{EmissionSource, OutletEmission};
use registry::totals::{Period, emission_totals};
use store::Store;

/// [`EmissionSource`] over [`registry::totals::emission_totals`]: every
/// active outlet with a limit on the pollutant, with its amount and hours
/// (an outlet that sent nothing is listed with no hours).
#[derive(Clone)]
pub struct RegistryEmissions {
    clock: Arc<dyn Clock>,
}

impl RegistryEmissions {
    /// Totals up to the current hour of `clock` (the current year is partial).
    pub fn new(clock: Arc<dyn Clock>) -> RegistryEmissions {
        RegistryEmissions { clock }
    }
}

impl EmissionSource for RegistryEmissions {
    fn annual_emissions(&self, store: &dyn Store, year: i32) -> plan::Result<Vec<OutletEmission>> {
        let totals =
            emission_totals(store, Period::Year(year), self.clock.now()).map_err(|error| {
                match error {
                    registry::Error::Store(error) => plan::Error::Store(error),
                    other => plan::Error::Emissions(other.to_string()),
                }
            })?;
        Ok(totals
            .outlets
            .into_iter()
            .map(|total| OutletEmission {
                point: total.point,
                outlet: total.outlet,
                enterprise: total.enterprise,
                pollutant: total.param,
                amount_kg: total.amount_kg,
                n_hours: total.n_hours,
                n_expected_hours: total.n_expected_hours,
            })
            .collect())
    }
}
