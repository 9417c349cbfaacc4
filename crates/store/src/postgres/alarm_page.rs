//! [`AlarmPageStore`] for [`PgStore`]: keyset pages and counts over `alarm`,
//! through `alarm_by_state_opened` / `alarm_by_opened` (migration 0005).

use super::alarm::{AlarmFilterParams, alarm_filter};
use super::{database_error, select};
use crate::alarm_page::{keyset, newest_first, page_limit};
use crate::encoding::{count_from_db, limit_to_db};
use crate::rows::{ALARM_LIST_COLUMNS, decode_alarm};
use crate::{Alarm, AlarmPageFrom, AlarmPageStore, AlarmQuery, PgStore, Result};

impl AlarmPageStore for PgStore {
    fn alarm_page(&self, filter: &AlarmQuery, from: AlarmPageFrom) -> Result<Vec<Alarm>> {
        let (comparison, order, cursor_ms, cursor_id) = keyset(from);
        // A row comparison against the index's (first_ms, id): one index range.
        let sql = format!(
            "SELECT {ALARM_LIST_COLUMNS} FROM alarm
             WHERE {} AND (first_ms, id) {comparison} ($6::bigint, $7::bigint)
             ORDER BY first_ms {order}, id {order} LIMIT $8",
            alarm_filter(filter)
        );
        let params = AlarmFilterParams::of(filter);
        let limit = limit_to_db(page_limit(filter.limit));
        let alarms = self.read(|client| {
            let [state, point, rule, points, assignees] = params.params();
            select(
                client,
                "reading a page of alarms",
                &sql,
                &[state, point, rule, points, assignees, &cursor_ms, &cursor_id, &limit],
                decode_alarm,
            )
        })?;
        Ok(newest_first(from, alarms))
    }

    fn alarm_count(&self, filter: &AlarmQuery) -> Result<u64> {
        const DURING: &str = "counting alarms";
        let sql = format!("SELECT count(*) FROM alarm WHERE {}", alarm_filter(filter));
        let params = AlarmFilterParams::of(filter);
        let n: i64 = self.read(|client| {
            client
                .query_one(&sql, &params.params())
                .and_then(|row| row.try_get(0))
                .map_err(database_error(DURING))
        })?;
        count_from_db(n, "alarm")
    }
}
