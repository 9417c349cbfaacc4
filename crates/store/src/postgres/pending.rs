//! PgStore's side of the storage traits main added (registry, plan, alarms, accounts):
//! not implemented yet; every call returns [`Error::Unsupported`] naming the operation.

#![allow(unused_variables)]

use super::PgStore;
use crate::*;
use model::alarm::AlarmId;
use model::account::{User, UserId, UserName};
use model::Instant;

impl AccountStore for PgStore {
    fn create_user(&self, user: &NewUser, by: &ChangedBy) -> Result<UserId> {
        Err(not_yet("AccountStore::create_user"))
    }
    fn user_by_name(&self, name: &UserName) -> Result<Option<UserRecord>> {
        Err(not_yet("AccountStore::user_by_name"))
    }
    fn users(&self) -> Result<Vec<User>> {
        Err(not_yet("AccountStore::users"))
    }
    fn set_password(&self, user: UserId, password_hash: &str, by: &ChangedBy) -> Result<()> {
        Err(not_yet("AccountStore::set_password"))
    }
    fn retire_user(&self, user: UserId, by: &ChangedBy) -> Result<()> {
        Err(not_yet("AccountStore::retire_user"))
    }
    fn start_session(&self, session: &NewSession) -> Result<()> {
        Err(not_yet("AccountStore::start_session"))
    }
    fn session(&self, token_hash: &str, now: Instant) -> Result<Option<Session>> {
        Err(not_yet("AccountStore::session"))
    }
    fn end_session(&self, token_hash: &str, at: Instant) -> Result<()> {
        Err(not_yet("AccountStore::end_session"))
    }
    fn create_api_token(&self, token: &NewApiToken, by: &ChangedBy) -> Result<i64> {
        Err(not_yet("AccountStore::create_api_token"))
    }
    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        Err(not_yet("AccountStore::api_token"))
    }
    fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        Err(not_yet("AccountStore::api_tokens"))
    }
    fn revoke_api_token(&self, id: i64, by: &ChangedBy) -> Result<()> {
        Err(not_yet("AccountStore::revoke_api_token"))
    }
}

impl RegistryStore for PgStore {
    fn registry_records(&self, kind: RegistryKind) -> Result<Vec<RegistryRecord>> {
        Err(not_yet("RegistryStore::registry_records"))
    }
    fn registry_record(&self, kind: RegistryKind, key: &str) -> Result<Option<RegistryRecord>> {
        Err(not_yet("RegistryStore::registry_record"))
    }
    fn apply_registry(
        &self,
        changes: &[RegistryChange],
        actor: &str,
        at: Instant,
    ) -> Result<ApplyReport> {
        Err(not_yet("RegistryStore::apply_registry"))
    }
}

impl PlanStore for PgStore {
    fn enter_plan_value(&self, value: &NewPlanValue, actor: &str, at: Instant)
    -> Result<PlanValue> {
        Err(not_yet("PlanStore::enter_plan_value"))
    }
    fn plan_values(&self, plan: &str) -> Result<Vec<PlanValue>> {
        Err(not_yet("PlanStore::plan_values"))
    }
    fn plan_value_history(&self, plan: &str, indicator: &str, year: i32) -> Result<Vec<PlanValue>> {
        Err(not_yet("PlanStore::plan_value_history"))
    }
    fn set_city_target(
        &self,
        target: &NewCityTarget,
        actor: &str,
        at: Instant,
    ) -> Result<CityTarget> {
        Err(not_yet("PlanStore::set_city_target"))
    }
    fn city_targets(&self, plan: &str) -> Result<Vec<CityTarget>> {
        Err(not_yet("PlanStore::city_targets"))
    }
    fn city_target_history(&self, plan: &str, indicator: &str) -> Result<Vec<CityTarget>> {
        Err(not_yet("PlanStore::city_target_history"))
    }
    fn plan_document(&self, id: i64) -> Result<Option<PlanDocument>> {
        Err(not_yet("PlanStore::plan_document"))
    }
}

impl AlarmStore for PgStore {
    fn record_alarm_pass(&self, pass: &AlarmPass<'_>) -> Result<PassOutcome> {
        Err(not_yet("AlarmStore::record_alarm_pass"))
    }
    fn alarms(&self, query: &AlarmQuery) -> Result<Vec<Alarm>> {
        Err(not_yet("AlarmStore::alarms"))
    }
    fn alarm(&self, id: AlarmId) -> Result<Option<Alarm>> {
        Err(not_yet("AlarmStore::alarm"))
    }
    fn alarm_history(&self, id: AlarmId) -> Result<Vec<AlarmEvent>> {
        Err(not_yet("AlarmStore::alarm_history"))
    }
    fn alarm_attachment(&self, id: AlarmId) -> Result<Option<Attachment>> {
        Err(not_yet("AlarmStore::alarm_attachment"))
    }
    fn acknowledge_alarm(&self, id: AlarmId, actor: &str, at: Instant) -> Result<Alarm> {
        Err(not_yet("AlarmStore::acknowledge_alarm"))
    }
    fn close_alarm(
        &self,
        id: AlarmId,
        actor: &str,
        at: Instant,
        note: &str,
        attachment: Option<&Attachment>,
    ) -> Result<Alarm> {
        Err(not_yet("AlarmStore::close_alarm"))
    }
    fn assign_alarm(&self, id: AlarmId, actor: &str, at: Instant, assignee: &str) -> Result<Alarm> {
        Err(not_yet("AlarmStore::assign_alarm"))
    }
    fn escalate_alarms(
        &self,
        opened_before: Instant,
        at: Instant,
        channels: &[String],
    ) -> Result<Vec<AlarmId>> {
        Err(not_yet("AlarmStore::escalate_alarms"))
    }
    fn due_notifications(&self, now: Instant, limit: usize) -> Result<Vec<Notification>> {
        Err(not_yet("AlarmStore::due_notifications"))
    }
    fn next_notification_due(&self) -> Result<Option<Instant>> {
        Err(not_yet("AlarmStore::next_notification_due"))
    }
    fn record_deliveries(&self, at: Instant, deliveries: &[(i64, Delivery)]) -> Result<()> {
        Err(not_yet("AlarmStore::record_deliveries"))
    }
    fn notifications(
        &self,
        status: Option<NotificationStatus>,
        limit: usize,
    ) -> Result<Vec<Notification>> {
        Err(not_yet("AlarmStore::notifications"))
    }
    fn touched_points(&self, after_raw_id: i64, max_packets: u64) -> Result<TouchedPoints> {
        Err(not_yet("AlarmStore::touched_points"))
    }
}

/// The error of an operation the PostgreSQL backend does not implement yet.
fn not_yet(operation: &'static str) -> Error {
    Error::Unsupported { operation }
}
