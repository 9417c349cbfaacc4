//! [`AlarmPageStore`] for [`SqliteStore`]: keyset pages and counts over
//! `alarm`, through `alarm_by_state_opened` / `alarm_by_opened` (migration
//! `0012_alarm_paging.sql`).

use rusqlite::params;

use super::alarm::{alarm_filter, alarm_filter_params};
use super::{collect, database_error};
use crate::alarm_page::{keyset, newest_first, page_limit};
use crate::encoding::{count_from_db, limit_to_db};
use crate::rows::{ALARM_LIST_COLUMNS, decode_alarm};
use crate::{Alarm, AlarmPageFrom, AlarmPageStore, AlarmQuery, Result, SqliteStore};

impl AlarmPageStore for SqliteStore {
    fn alarm_page(&self, filter: &AlarmQuery, from: AlarmPageFrom) -> Result<Vec<Alarm>> {
        const DURING: &str = "reading a page of alarms";
        let (comparison, order, cursor_ms, cursor_id) = keyset(from);
        // A row value against the index's (first_ms, id): one range of the index.
        let sql = format!(
            "SELECT {ALARM_LIST_COLUMNS} FROM alarm
             WHERE {} AND (first_ms, id) {comparison} (?6, ?7)
             ORDER BY first_ms {order}, id {order} LIMIT ?8",
            alarm_filter(filter)
        );
        let alarms = self.read(|conn| {
            let mut statement = conn.prepare_cached(&sql).map_err(database_error(DURING))?;
            let [state, point, rule, points, assignees] = alarm_filter_params(filter);
            let rows = statement
                .query(params![
                    state,
                    point,
                    rule,
                    points,
                    assignees,
                    cursor_ms,
                    cursor_id,
                    limit_to_db(page_limit(filter.limit))
                ])
                .map_err(database_error(DURING))?;
            collect(rows, DURING, |row| decode_alarm(row))
        })?;
        Ok(newest_first(from, alarms))
    }

    fn alarm_count(&self, filter: &AlarmQuery) -> Result<u64> {
        const DURING: &str = "counting alarms";
        let sql = format!("SELECT count(*) FROM alarm WHERE {}", alarm_filter(filter));
        let n: i64 = self.read(|conn| {
            let mut statement = conn.prepare_cached(&sql).map_err(database_error(DURING))?;
            let [state, point, rule, points, assignees] = alarm_filter_params(filter);
            statement
                .query_row(params![state, point, rule, points, assignees], |row| row.get(0))
                .map_err(database_error(DURING))
        })?;
        count_from_db(n, "alarm")
    }
}
