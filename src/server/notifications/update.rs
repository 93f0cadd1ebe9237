//! The program's own notifications, sent through each tenant's system e-mail account. After an
//! update — the app starting on a newer version than the database last saw — every tenant's
//! administrators get «обновление завершено», queued in the outbox (so it is retried and shows in
//! «Журнал отправки»), one letter per administrator in their language. Each (tenant, version) is
//! claimed in the database first, so with several app servers starting at once only one queues
//! it; the idempotency key per administrator and version would stop a second one anyway.

use super::outbox::{self, Via};
use crate::model::notifications::{IdempotencyKey, Notification};
use crate::model::{EmailAddress, TenantId};
use crate::server::db::accounts::{self, SecretField};
use crate::server::db::{self, meta, now_millis, users};
use crate::server::mail::letters;
use crate::server::state::AppState;
use crate::server::time_zone;

const VERSION_KEY: &str = "app_version";
const KIND: &str = "update_completed";

/// What happened to one tenant's notification (stored as the outcome).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Queued for this many administrators.
    Queued(usize),
    /// The system account has no SMTP server yet.
    NotConfigured,
    /// The system account does not store its password, so it cannot send on its own.
    NoPassword,
    NoAdministrators,
    Failed(String),
}

impl Outcome {
    fn code(&self) -> &'static str {
        match self {
            Outcome::Queued(_) => "queued",
            Outcome::NotConfigured => "not_configured",
            Outcome::NoPassword => "no_password",
            Outcome::NoAdministrators => "no_administrators",
            Outcome::Failed(_) => "failed",
        }
    }

    fn detail(&self) -> String {
        match self {
            Outcome::Queued(n) => format!("{n} recipients"),
            Outcome::Failed(reason) => reason.clone(),
            _ => String::new(),
        }
    }
}

/// `a.b.c` compared numerically; anything unparsable counts as older.
fn newer(version: &str, than: &str) -> bool {
    let parts = |v: &str| v.split('.').map(|p| p.parse::<u64>().unwrap_or(0)).collect::<Vec<_>>();
    parts(version) > parts(than)
}

/// Runs after migrations at start. On a database that never saw a version (a new deployment) it
/// only records the version.
pub async fn after_start(state: &AppState, version: &str) -> Result<Vec<(TenantId, Outcome)>, sqlx::Error> {
    let pool = state.db.pool();
    let seen = meta::get(pool, VERSION_KEY).await?;
    let mut outcomes = Vec::new();
    if let Some(seen) = seen.as_deref().filter(|seen| newer(version, seen)) {
        tracing::info!(from = seen, to = version, "the program was updated; notifying administrators");
        for tenant in state.db.tenant_ids().await.map_err(|_| sqlx::Error::PoolTimedOut)? {
            if !claim(state, tenant, version).await? {
                continue;
            }
            let outcome = notify_tenant(state, tenant, version).await;
            record(state, tenant, version, &outcome).await?;
            outcomes.push((tenant, outcome));
        }
    }
    if seen.as_deref().is_none_or(|seen| newer(version, seen)) {
        meta::set(pool, VERSION_KEY, version).await?;
    }
    Ok(outcomes)
}

/// Takes the (tenant, version) notification for this instance; `false` if another took it.
async fn claim(state: &AppState, tenant: TenantId, version: &str) -> Result<bool, sqlx::Error> {
    let mut tx = state.db.write(tenant).await.map_err(|_| sqlx::Error::PoolTimedOut)?;
    let claimed = sqlx::query(
        "INSERT INTO notifications (tenant_id, kind, app_version, created_at, outcome) VALUES ($1, $2, $3, $4, 'sending') \
         ON CONFLICT (tenant_id, kind, app_version) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(KIND)
    .bind(version)
    .bind(now_millis())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    tx.commit().await?;
    Ok(claimed)
}

async fn record(state: &AppState, tenant: TenantId, version: &str, outcome: &Outcome) -> Result<(), sqlx::Error> {
    let mut tx = state.db.write(tenant).await.map_err(|_| sqlx::Error::PoolTimedOut)?;
    sqlx::query(
        "UPDATE notifications SET outcome = $4, detail = $5 WHERE tenant_id = $1 AND kind = $2 AND app_version = $3",
    )
    .bind(tenant.0)
    .bind(KIND)
    .bind(version)
    .bind(outcome.code())
    .bind(outcome.detail())
    .execute(&mut *tx)
    .await?;
    db::audit::record(&mut tx, tenant, None, "notify", KIND, &format!("{version}: {}", outcome.code())).await?;
    tx.commit().await
}

async fn notify_tenant(state: &AppState, tenant: TenantId, version: &str) -> Outcome {
    match try_notify(state, tenant, version).await {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Failed(e),
    }
}

async fn try_notify(state: &AppState, tenant: TenantId, version: &str) -> Result<Outcome, String> {
    let (system, admins, now) = {
        let mut tx = state.db.read(tenant).await.map_err(|e| format!("{e:?}"))?;
        let system = accounts::system_account(&mut tx, tenant).await.map_err(|e| e.to_string())?;
        let admins = users::active_admins(&mut tx, tenant).await.map_err(|e| e.to_string())?;
        let now = time_zone::now(&mut tx, tenant).await.map_err(|e| format!("{e:?}"))?;
        tx.commit().await.map_err(|e| e.to_string())?;
        (system, admins, now)
    };
    let Some(system) = system.filter(|s| s.smtp.is_some()) else { return Ok(Outcome::NotConfigured) };
    // Said at once rather than queued to fail: the system account cannot send on its own.
    if state.secrets.open_stored(&system, SecretField::Main).map_err(|e| e.to_string())?.is_none() {
        return Ok(Outcome::NoPassword);
    }
    if admins.is_empty() {
        return Ok(Outcome::NoAdministrators);
    }
    let mut queued = 0;
    for admin in &admins {
        let Ok(to) = EmailAddress::parse(&admin.email) else { continue };
        let (subject, text) = letters::update_completed(admin.lang, version, now);
        let key =
            IdempotencyKey::parse(&format!("update-{version}-user-{}", admin.id.0)).map_err(|e| format!("{e:?}"))?;
        let letter =
            Notification { to: vec![to], subject, text, html: None, reply_to: None, idempotency_key: Some(key) };
        outbox::enqueue(state, tenant, Via::System, &letter).await.map_err(|e| format!("{e:?}"))?;
        queued += 1;
    }
    Ok(Outcome::Queued(queued))
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_compare_numerically() {
        assert!(super::newer("0.10.0", "0.9.3"));
        assert!(super::newer("1.0.0", "0.99.99"));
        assert!(!super::newer("0.1.0", "0.1.0"));
        assert!(!super::newer("0.1.0", "0.2.0"));
    }
}
