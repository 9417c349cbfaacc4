//! Keyset paging through alarms (the alarm inbox and its export): every
//! alarm matching a filter, a page at a time, however many there are.
//!
//! **Order.** Newest first by the time the alarm was opened
//! ([`crate::Alarm::first_at`], which never changes), then by id (newest
//! first) between alarms opened in the same pass. Both backends index it
//! (`alarm_by_state_opened (state, first_ms, id)`, `alarm_by_opened
//! (first_ms, id)`: SQLite migration 0012, PostgreSQL 0005).
//!
//! **Cursor, not offset.** A page starts strictly after (or before) an
//! [`AlarmCursor`], the position of an alarm in that order, so page 30 reads
//! the same index range as page 1, and an alarm opened between two requests
//! (it sorts before every older page) neither repeats nor hides a row of the
//! pages after it. A state change does not move an alarm either: the order
//! never looks at the state, the last occurrence or the assignee.

use model::Instant;
use model::alarm::{AlarmId, AlarmState};

use crate::{Alarm, AlarmQuery, Result};

/// An alarm's position in the paging order: when it was opened, and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlarmCursor {
    /// The alarm's [`crate::Alarm::first_at`].
    pub opened_at: Instant,
    /// The alarm's id.
    pub id: AlarmId,
}

impl AlarmCursor {
    /// The position of `alarm`.
    pub fn of(alarm: &Alarm) -> AlarmCursor {
        AlarmCursor { opened_at: alarm.first_at, id: alarm.id }
    }
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlarmPageFrom {
    /// The newest alarms.
    #[default]
    First,
    /// The alarms older than the cursor (the next page).
    After(AlarmCursor),
    /// The alarms newer than the cursor, the ones nearest to it (the previous page).
    Before(AlarmCursor),
}

/// Keyset paging through alarms, in the order described in the module doc.
pub trait AlarmPageStore: Send + Sync {
    /// At most `filter.limit` (0 means 100) alarms matching `filter` (its
    /// state, point, rule, points and assignees) from `from`, newest first,
    /// without their evidence (each is JSON `null`, as [`crate::AlarmStore::alarm_list`]).
    /// With a state, it reads that state's index range only.
    fn alarm_page(&self, filter: &AlarmQuery, from: AlarmPageFrom) -> Result<Vec<Alarm>>;

    /// How many alarms match `filter` (its limit is ignored); one `COUNT` query.
    fn alarm_count(&self, filter: &AlarmQuery) -> Result<u64>;

    /// [`AlarmPageStore::alarm_page`] over several states (every state when
    /// `states` is empty): one page per state, merged in the paging order,
    /// so each state still reads only its own index range.
    fn alarm_page_in(
        &self,
        filter: &AlarmQuery,
        states: &[AlarmState],
        from: AlarmPageFrom,
    ) -> Result<Vec<Alarm>> {
        let limit = page_limit(filter.limit);
        let mut alarms = Vec::new();
        for state in states_or_all(states) {
            let query = AlarmQuery { state: Some(*state), limit, ..filter.clone() };
            alarms.extend(self.alarm_page(&query, from)?);
        }
        alarms.sort_by(|a, b| AlarmCursor::of(b).cmp(&AlarmCursor::of(a)));
        alarms.dedup_by_key(|alarm| alarm.id);
        // Each state gave the `limit` nearest the cursor: keep the `limit` nearest of all.
        match from {
            AlarmPageFrom::Before(_) => {
                let n_extra = alarms.len().saturating_sub(limit);
                alarms.drain(..n_extra);
            }
            AlarmPageFrom::First | AlarmPageFrom::After(_) => alarms.truncate(limit),
        }
        Ok(alarms)
    }

    /// [`AlarmPageStore::alarm_count`] per state of `states` (every state
    /// when empty), with the same filter otherwise.
    fn alarm_count_in(
        &self,
        filter: &AlarmQuery,
        states: &[AlarmState],
    ) -> Result<Vec<(AlarmState, u64)>> {
        states_or_all(states)
            .iter()
            .map(|state| {
                let query = AlarmQuery { state: Some(*state), ..filter.clone() };
                Ok((*state, self.alarm_count(&query)?))
            })
            .collect()
    }
}

/// The page size a limit means (0 means 100).
pub(crate) fn page_limit(limit: usize) -> usize {
    if limit == 0 { 100 } else { limit }
}

fn states_or_all(states: &[AlarmState]) -> &[AlarmState] {
    if states.is_empty() { &AlarmState::ALL } else { states }
}

/// A page read in the order of [`keyset`], newest first.
pub(crate) fn newest_first(from: AlarmPageFrom, mut alarms: Vec<Alarm>) -> Vec<Alarm> {
    if matches!(from, AlarmPageFrom::Before(_)) {
        alarms.reverse();
    }
    alarms
}

/// The keyset bound of a page as (comparison, order, cursor millis, cursor
/// id): the SQL is `(first_ms, id) {comparison} (ms, id) ORDER BY first_ms
/// {order}, id {order}`; the first page is "after" a cursor past every alarm.
/// A page read in ascending order (before a cursor) is reversed by [`newest_first`].
pub(crate) fn keyset(from: AlarmPageFrom) -> (&'static str, &'static str, i64, i64) {
    match from {
        AlarmPageFrom::First => ("<", "DESC", i64::MAX, i64::MAX),
        AlarmPageFrom::After(cursor) => ("<", "DESC", cursor.opened_at.unix_millis(), cursor.id.0),
        AlarmPageFrom::Before(cursor) => (">", "ASC", cursor.opened_at.unix_millis(), cursor.id.0),
    }
}
