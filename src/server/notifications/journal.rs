//! The «Уведомления» page's services, for administrators: «Журнал отправки» (letters newest
//! first, by status, «Повторить» and «Отменить») and the host application's keys (list, make,
//! revoke). Bodies never leave the server here: the journal shows who, what and how it went.

use super::api_keys;
use super::outbox::{explanation, give_up_at};
use crate::model::error::AppError;
use crate::model::notifications::{
    ApiKeyView, CreatedApiKey, JournalEntry, JournalPage, JournalPeriod, NewApiKeyInput, OutboxStatus, RowInput,
};
use crate::model::Name;
use crate::server::db::{self, now_millis, outbox::OutboxRow};
use crate::server::session::Admin;
use crate::server::state::AppState;
use crate::server::time_zone::{self, moment};

/// Letters per page of the journal.
pub const PAGE: i64 = 50;

/// A page of the journal: only `status` if given, older than letter `before` if given, queued
/// within `period` (days in the tenant's time zone).
pub async fn list(
    state: &AppState,
    admin: &Admin,
    status: Option<OutboxStatus>,
    before: Option<i64>,
    period: JournalPeriod,
) -> Result<JournalPage, AppError> {
    let mut tx = state.db.read(admin.tenant).await?;
    let zone = time_zone::of_tenant(&mut tx, admin.tenant).await?;
    let from = period.from.map(|day| time_zone::day_start(zone, day));
    let to = period.to.map(|day| time_zone::day_start(zone, day.next()));
    let status = status.map(OutboxStatus::name);
    let mut rows = db::outbox::journal(&mut tx, admin.tenant, status, before, (from, to), PAGE + 1).await?;
    tx.commit().await?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let older = if more { rows.last().map(|r| r.id) } else { None };
    let entry = |r: OutboxRow| JournalEntry {
        id: r.id,
        created_at: moment(zone, r.created_at),
        sent_at: r.sent_at.map(|at| moment(zone, at)),
        recipients: r.recipients.lines().map(crate::model::unicode_address).collect(),
        subject: r.subject,
        status: OutboxStatus::from_name(&r.status).unwrap_or(OutboxStatus::Queued),
        attempts: r.attempts,
        explanation: r.last_reason.as_deref().map(|reason| explanation(admin.lang, reason)),
        server_reply: r.last_reply,
    };
    Ok(JournalPage { entries: rows.into_iter().map(entry).collect(), older })
}

/// «Повторить» a failed or cancelled letter; «Отменить» one still waiting.
pub async fn retry(state: &AppState, admin: &Admin, input: RowInput) -> Result<(), AppError> {
    let id = input.parse().map_err(|p| AppError::field("id", p))?;
    let now = now_millis();
    let mut tx = state.db.write(admin.tenant).await?;
    let changed = db::outbox::retry(&mut tx, admin.tenant, id, now, give_up_at(state, now)).await?;
    record_change(tx, admin, changed, "retry", id).await?;
    state.outbox_queued.notify_one();
    Ok(())
}

pub async fn cancel(state: &AppState, admin: &Admin, input: RowInput) -> Result<(), AppError> {
    let id = input.parse().map_err(|p| AppError::field("id", p))?;
    let mut tx = state.db.write(admin.tenant).await?;
    let changed = db::outbox::cancel(&mut tx, admin.tenant, id).await?;
    record_change(tx, admin, changed, "cancel", id).await
}

/// A row's change with its audit record. A letter no longer in a state the change applies to
/// (sent meanwhile, say) is a conflict; another tenant's is not found, like one that never was.
async fn record_change(mut tx: db::Tx, admin: &Admin, changed: bool, action: &str, id: i64) -> Result<(), AppError> {
    if !changed {
        let exists = db::outbox::get(&mut tx, admin.tenant, id).await?.is_some();
        return Err(if exists { AppError::Conflict } else { AppError::NotFound });
    }
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), action, "outbox", &id.to_string()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn keys(state: &AppState, admin: &Admin) -> Result<Vec<ApiKeyView>, AppError> {
    let mut tx = state.db.read(admin.tenant).await?;
    let zone = time_zone::of_tenant(&mut tx, admin.tenant).await?;
    let rows = db::api_keys::list(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    let view = |r: db::api_keys::ApiKeyRow| ApiKeyView {
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        created_at: moment(zone, r.created_at),
        revoked: r.revoked_at.is_some(),
    };
    Ok(rows.into_iter().map(view).collect())
}

pub async fn create_key(state: &AppState, admin: &Admin, input: NewApiKeyInput) -> Result<CreatedApiKey, AppError> {
    let name = Name::parse(&input.name).map_err(|p| AppError::field("name", p))?;
    let made = api_keys::create(&state.db, admin.tenant, &name, Some(admin.id)).await?;
    Ok(CreatedApiKey { id: made.id, name: name.as_str().to_string(), key: made.key })
}

pub async fn revoke_key(state: &AppState, admin: &Admin, input: RowInput) -> Result<(), AppError> {
    let id = input.parse().map_err(|p| AppError::field("id", p))?;
    api_keys::revoke(&state.db, admin.tenant, id, Some(admin.id)).await
}
