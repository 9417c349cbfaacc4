//! Hourly values of one point as dense columns, the shape the standards
//! engine evaluates: shared by the derived results and the plan indicators.

use chrono::Duration;
use model::{DataKind, Instant, ParamCode, PointId};

use crate::{ReadingQuery, Result, Store};

/// Dense hourly columns of a point: `values[k][i]` is parameter `k`'s
/// representative value (`Avg`, else `Rtd`) for the hour starting
/// `first + i` hours, `None` when absent or flagged unusable
/// ([`model::ReadingValues::is_usable`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HourGrid {
    /// Start of hour 0.
    pub first: Instant,
    /// One column per requested parameter, in request order.
    pub values: Vec<Vec<Option<f64>>>,
    /// Whether any requested parameter was stored for the hour, flagged or not.
    pub present: Vec<bool>,
}

/// Loads the hour readings of `params` for `point` over the `n_hours` hours
/// starting at `first` into an [`HourGrid`].
pub fn hour_grid(
    store: &dyn Store,
    point: PointId,
    params: &[ParamCode],
    first: Instant,
    n_hours: usize,
) -> Result<HourGrid> {
    let to = Instant(first.0 + Duration::hours(i64::try_from(n_hours).unwrap_or(i64::MAX)));
    let readings = store.readings(&ReadingQuery {
        point,
        kind: DataKind::Hour,
        params: params.to_vec(),
        from: first,
        to,
        limit: n_hours.saturating_mul(params.len()).saturating_mul(2),
    })?;
    let mut grid = HourGrid {
        first,
        values: vec![vec![None; n_hours]; params.len()],
        present: vec![false; n_hours],
    };
    for reading in &readings {
        let Some(k) = params.iter().position(|param| *param == reading.key.param) else {
            continue;
        };
        let offset = (reading.key.data_time.0 - first.0).num_hours();
        let Some(index) = usize::try_from(offset).ok().filter(|&index| index < n_hours) else {
            continue;
        };
        grid.present[index] = true;
        if reading.values.is_usable() {
            grid.values[k][index] = reading.values.representative(DataKind::Hour);
        }
    }
    Ok(grid)
}
