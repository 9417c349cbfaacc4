//! Per-area results kept between requests, refreshed when their data changes.
//!
//! A year of a district's air or water results is computed from every stored
//! hour of its points (hundreds of thousands of readings), so it is computed
//! once per area, range and edition choice and then reused while nothing it
//! read has changed:
//!
//! - each kept result remembers the newest raw packet id stored before it was
//!   computed ([`store::DerivedStore::newest_raw_id`]) and the registry facts
//!   it was computed from (the area's points and their sites);
//! - a request first scans the hour readings that packets after that id
//!   brought ([`store::DerivedStore::touched_readings`], the evaluator's own
//!   scan, which also reports corrections and late or re-sent history). If
//!   none is of one of the area's points within the hours the query reads
//!   ([`evaluation::area::hours_read`]), and the registry facts are the same,
//!   the kept result is served and its id moves up to the scan's end;
//!   otherwise the result is computed again. So a new reading is seen by the
//!   next request, never a few seconds later, and new data elsewhere costs
//!   one small index scan. A correction counts once the next packet is
//!   archived (it is placed in the archive's order there), as for the evaluator.
//! - Requests for the same key wait for one computation (single flight).
//!   At most [`CAPACITY`] results are kept; the least recently used goes first.
//!
//! `qingshan_web_area_results_total{domain, outcome}` counts results
//! `computed` and `reused`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use standards::edition::EditionChoice;

use crate::ApiError;

/// How many area results are kept at most.
pub(crate) const CAPACITY: usize = 64;

/// The most packets one freshness check scans; more since the result was
/// computed, and it is computed again instead.
const MAX_SCAN_PACKETS: u64 = 20_000;

/// Air or water.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Domain {
    /// `/api/v1/air/areas/{area}`.
    Air,
    /// `/api/v1/water/areas/{area}`.
    Water,
}

impl Domain {
    /// The metric label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Domain::Air => "air",
            Domain::Water => "water",
        }
    }
}

/// What a kept result answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct AreaKey {
    /// Air or water.
    pub(crate) domain: Domain,
    /// The area's code.
    pub(crate) code: String,
    /// First Beijing day.
    pub(crate) from: NaiveDate,
    /// Last Beijing day.
    pub(crate) to: NaiveDate,
    /// The edition choice (air).
    pub(crate) edition: EditionChoice,
}

/// A computed result (its JSON text) and what it was computed from.
struct Kept {
    /// The registry facts it read (area, points, sites), as JSON text.
    inputs: String,
    /// Every packet up to this raw id is reflected in it.
    as_of_raw_id: i64,
    body: bytes::Bytes,
}

#[derive(Default)]
struct Entry {
    /// Held while one request checks or computes this key.
    computing: tokio::sync::Mutex<()>,
    kept: Mutex<Option<Kept>>,
}

/// The entries by key, each with its last use, and the use counter.
#[derive(Default)]
struct Entries {
    /// Counts uses: a larger last use is more recent.
    n_uses: u64,
    by_key: HashMap<AreaKey, (u64, Arc<Entry>)>,
}

/// The kept results, by key.
#[derive(Default)]
pub(crate) struct AreaCache {
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for AreaCache {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("AreaCache").finish_non_exhaustive()
    }
}

/// Whether a result was computed or reused (the metric's `outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Computed from the stored hours.
    Computed,
    /// Served as kept: nothing it read had changed.
    Reused,
}

impl Outcome {
    /// The metric label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Outcome::Computed => "computed",
            Outcome::Reused => "reused",
        }
    }
}

/// What a request asks of the cache: the area's points, the hours the query
/// reads and the registry facts the result depends on.
pub(crate) struct Request {
    /// The key.
    pub(crate) key: AreaKey,
    /// The area's points.
    pub(crate) points: Vec<model::PointId>,
    /// Every hour the computation reads lies in `[from, to)`.
    pub(crate) hours: (model::Instant, model::Instant),
    /// The registry facts the computation reads, as JSON text.
    pub(crate) inputs: String,
}

impl AreaCache {
    /// The entry of `key`, created if new; the least recently used entry
    /// goes when more than [`CAPACITY`] are kept.
    fn entry(&self, key: &AreaKey) -> Arc<Entry> {
        let mut guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        guard.n_uses += 1;
        let now = guard.n_uses;
        let entries = &mut guard.by_key;
        if let Some((used, entry)) = entries.get_mut(key) {
            *used = now;
            return entry.clone();
        }
        if entries.len() >= CAPACITY {
            let oldest = entries.iter().min_by_key(|(_, (used, _))| *used).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        let entry = Arc::new(Entry::default());
        entries.insert(key.clone(), (now, entry.clone()));
        entry
    }

    /// The result of `request`: the kept one if nothing it read has changed,
    /// else `compute`d now (on a blocking thread, like the freshness check).
    /// Requests for the same key wait for one another.
    pub(crate) async fn get(
        &self,
        store: Arc<dyn store::Store>,
        request: Request,
        compute: impl FnOnce(&dyn store::Store) -> Result<bytes::Bytes, ApiError> + Send + 'static,
    ) -> Result<(bytes::Bytes, Outcome), ApiError> {
        let entry = self.entry(&request.key);
        let _computing = entry.computing.lock().await;
        let kept = {
            let kept = entry.kept.lock().unwrap_or_else(PoisonError::into_inner);
            kept.as_ref()
                .filter(|kept| kept.inputs == request.inputs)
                .map(|kept| (kept.as_of_raw_id, kept.body.clone()))
        };
        let work = move || -> Result<(Kept, Outcome), ApiError> {
            if let Some((as_of_raw_id, body)) = kept
                && let Some(up_to_raw_id) = still_fresh(store.as_ref(), &request, as_of_raw_id)?
            {
                let kept = Kept { inputs: request.inputs, as_of_raw_id: up_to_raw_id, body };
                return Ok((kept, Outcome::Reused));
            }
            // Read before computing: anything stored later has a higher id
            // and is found by the next request's scan.
            let as_of_raw_id = store.newest_raw_id()?;
            let body = compute(store.as_ref())?;
            Ok((Kept { inputs: request.inputs, as_of_raw_id, body }, Outcome::Computed))
        };
        let (fresh, outcome) = tokio::task::spawn_blocking(work)
            .await
            .map_err(|error| ApiError::Internal(error.to_string()))??;
        let body = fresh.body.clone();
        *entry.kept.lock().unwrap_or_else(PoisonError::into_inner) = Some(fresh);
        Ok((body, outcome))
    }

    /// How many results are kept now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).by_key.len()
    }
}

/// `Some(up_to_raw_id)` when no hour reading that packets after
/// `as_of_raw_id` brought (up to the newest, scanning at most
/// [`MAX_SCAN_PACKETS`]) is of one of the request's points within its hours.
fn still_fresh(
    store: &dyn store::Store,
    request: &Request,
    as_of_raw_id: i64,
) -> store::Result<Option<i64>> {
    let touched = store.touched_readings(as_of_raw_id, MAX_SCAN_PACKETS, model::DataKind::Hour)?;
    let scanned = touched.up_to_raw_id.saturating_sub(as_of_raw_id);
    if scanned >= i64::try_from(MAX_SCAN_PACKETS).unwrap_or(i64::MAX) {
        return Ok(None);
    }
    let (from, to) = request.hours;
    let changed = touched.readings.iter().any(|reading| {
        reading.data_time >= from
            && reading.data_time < to
            && request.points.contains(&reading.point)
    });
    Ok((!changed).then_some(touched.up_to_raw_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: usize) -> AreaKey {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        AreaKey {
            domain: Domain::Air,
            code: code.to_string(),
            from: day,
            to: day,
            edition: EditionChoice::ByDate,
        }
    }

    #[test]
    fn at_most_capacity_results_are_kept_and_the_least_recently_used_goes() {
        let cache = AreaCache::default();
        for code in 0..CAPACITY {
            cache.entry(&key(code));
        }
        let first = cache.entry(&key(0));
        cache.entry(&key(CAPACITY));
        assert_eq!(cache.len(), CAPACITY);
        assert!(Arc::ptr_eq(&first, &cache.entry(&key(0))), "recently used, kept");
        cache.entry(&key(CAPACITY + 1));
        let entries = cache.entries.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(!entries.by_key.contains_key(&key(1)) && !entries.by_key.contains_key(&key(2)));
        assert!(entries.by_key.contains_key(&key(CAPACITY + 1)));
    }
}
