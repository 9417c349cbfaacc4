//! A value computed from the store and shared by concurrent requests for a
//! few seconds (the dashboard's data, the plan's assessment, the district's
//! emission totals): many readers at once cost one computation, not one each.
//!
//! When the value grows old, one request computes the next while the others
//! keep getting the previous one for the same key, so a refresh never makes
//! every waiting request compute at once (which on a busy public page turned
//! one 50 ms computation into fifty in parallel and a p99 of several hundred
//! milliseconds). Only when there is no value yet for the key do requests wait
//! for the one computing it.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A shared value of type `T` for a key `K`, reused while younger than a TTL.
pub(crate) struct Snapshot<K, T> {
    slot: Mutex<Option<(Instant, K, Arc<T>)>>,
    refreshing: tokio::sync::Mutex<()>,
}

impl<K, T> Default for Snapshot<K, T> {
    fn default() -> Self {
        Snapshot { slot: Mutex::new(None), refreshing: tokio::sync::Mutex::new(()) }
    }
}

impl<K, T> std::fmt::Debug for Snapshot<K, T> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Snapshot").finish_non_exhaustive()
    }
}

impl<K: PartialEq, T> Snapshot<K, T> {
    /// The value of `key` if there is one (younger than `ttl` when given).
    fn current(&self, key: &K, ttl: Option<Duration>) -> Option<Arc<T>> {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let (taken, stored_key, value) = slot.as_ref()?;
        let young = ttl.is_none_or(|ttl| taken.elapsed() < ttl);
        (stored_key == key && young).then(|| value.clone())
    }

    async fn refresh<E, F: Future<Output = Result<T, E>>>(
        &self,
        key: K,
        compute: impl FnOnce() -> F,
    ) -> Result<Arc<T>, E> {
        let value = Arc::new(compute().await?);
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), key, value.clone()));
        Ok(value)
    }

    /// The value of `key`: the shared one if younger than `ttl`; else one
    /// request computes it with `compute` while the others get the previous
    /// value of the same key (or wait when there is none).
    pub(crate) async fn get<E, F: Future<Output = Result<T, E>>>(
        &self,
        key: K,
        ttl: Duration,
        compute: impl FnOnce() -> F,
    ) -> Result<Arc<T>, E> {
        if let Some(value) = self.current(&key, Some(ttl)) {
            return Ok(value);
        }
        let _refreshing = match self.refreshing.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                if let Some(previous) = self.current(&key, None) {
                    return Ok(previous);
                }
                self.refreshing.lock().await
            }
        };
        // Another request may have refreshed it while this one waited.
        if let Some(value) = self.current(&key, Some(ttl)) {
            return Ok(value);
        }
        self.refresh(key, compute).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    async fn counted(computed: &AtomicUsize, value: u32) -> Result<u32, ()> {
        computed.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(value)
    }

    #[tokio::test]
    async fn concurrent_requests_compute_once_and_stale_values_are_served_during_a_refresh() {
        let snapshot: Arc<Snapshot<i32, u32>> = Arc::default();
        let computed = Arc::new(AtomicUsize::new(0));
        let ttl = Duration::from_millis(100);
        // Cold: fifty requests at once, one computation, all get its value.
        let requests: Vec<_> = (0..50)
            .map(|_| {
                let (snapshot, computed) = (snapshot.clone(), computed.clone());
                tokio::spawn(async move { snapshot.get(2026, ttl, || counted(&computed, 1)).await })
            })
            .collect();
        for request in requests {
            assert_eq!(*request.await.unwrap().unwrap(), 1);
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);
        // Old: one request refreshes; the others meanwhile get the previous value.
        tokio::time::sleep(ttl).await;
        let requests: Vec<_> = (0..50)
            .map(|_| {
                let (snapshot, computed) = (snapshot.clone(), computed.clone());
                tokio::spawn(async move { snapshot.get(2026, ttl, || counted(&computed, 2)).await })
            })
            .collect();
        let mut seen = Vec::new();
        for request in requests {
            seen.push(*request.await.unwrap().unwrap());
        }
        assert_eq!(computed.load(Ordering::SeqCst), 2, "one refresh");
        assert!(seen.contains(&2) && seen.contains(&1), "{seen:?}");
        assert_eq!(*snapshot.get(2026, ttl, || counted(&computed, 3)).await.unwrap(), 2);
        // Another key is never answered with this key's value.
        assert_eq!(*snapshot.get(2025, ttl, || counted(&computed, 4)).await.unwrap(), 4);
    }

    #[tokio::test]
    async fn a_failed_computation_keeps_the_previous_value_and_is_reported() {
        let snapshot: Snapshot<(), u32> = Snapshot::default();
        assert_eq!(
            *snapshot.get((), Duration::ZERO, || async { Ok::<_, ()>(7) }).await.unwrap(),
            7
        );
        assert!(
            snapshot
                .get((), Duration::ZERO, || async { Err::<u32, _>("store down") })
                .await
                .is_err()
        );
        assert_eq!(snapshot.current(&(), None).as_deref(), Some(&7));
    }
}
