//! `qingshan serve` on PostgreSQL runs the whole service, as on SQLite: the
//! same end-to-end cases (alarms raised, notified and closed through the API
//! with a CLI-made token; the plan API) against a fresh PostgreSQL database.
//! Skipped (visibly) without `QINGSHAN_TEST_POSTGRES_URL`, failed under `CI=true`.

use crate::util::postgres_store;

#[test]
fn alarms_are_raised_notified_and_closed_on_postgres() {
    let Some(url) = postgres_store("alarms_are_raised_notified_and_closed_on_postgres") else {
        return;
    };
    crate::alarms::check_limit_crossing(Some(&url));
}

#[test]
fn the_plan_api_is_served_on_postgres() {
    let Some(url) = postgres_store("the_plan_api_is_served_on_postgres") else { return };
    crate::plan::check_plan_api(Some(&url));
}
