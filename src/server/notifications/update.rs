//! The program's own notifications, sent through each tenant's system e-mail account. After an
//! update — the app starting on a newer version than the database last saw — every tenant's
//! administrators get «обновление завершено». Each (tenant, version) is claimed in the database
//! first, so with several app servers starting at once only one sends it.

use crate::model::{EmailAddress, SenderName, TenantId};
use crate::server::db::accounts::{self, SecretField};
use crate::server::db::{self, meta, now_millis, users};
use crate::server::mail::letters::{self, Sender};
use crate::server::mail::smtp::{self, Errand, Login};
use crate::server::state::AppState;
use crate::server::time_zone;
use crate::server::trusted_certificates;

const VERSION_KEY: &str = "app_version";
const KIND: &str = "update_completed";

/// What happened to one tenant's notification (stored as the outcome).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent(usize),
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
            Outcome::Sent(_) => "sent",
            Outcome::NotConfigured => "not_configured",
            Outcome::NoPassword => "no_password",
            Outcome::NoAdministrators => "no_administrators",
            Outcome::Failed(_) => "failed",
        }
    }

    fn detail(&self) -> String {
        match self {
            Outcome::Sent(n) => format!("{n} recipients"),
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
    let (system, admins, now, trusted) = {
        let mut tx = state.db.read(tenant).await.map_err(|e| format!("{e:?}"))?;
        let system = accounts::system_account(&mut tx, tenant).await.map_err(|e| e.to_string())?;
        let admins = users::active_admins(&mut tx, tenant).await.map_err(|e| e.to_string())?;
        let now = time_zone::now(&mut tx, tenant).await.map_err(|e| format!("{e:?}"))?;
        let trusted = trusted_certificates::of_tenant(&mut tx, tenant).await.map_err(|e| format!("{e:?}"))?;
        tx.commit().await.map_err(|e| e.to_string())?;
        (system, admins, now, trusted)
    };
    let Some(system) = system else { return Ok(Outcome::NotConfigured) };
    let (Some(server), Ok(address)) = (system.smtp.clone(), EmailAddress::parse(&system.address)) else {
        return Ok(Outcome::NotConfigured);
    };
    let Some(password) = state.secrets.open_stored(&system, SecretField::Main).map_err(|e| e.to_string())? else {
        return Ok(Outcome::NoPassword);
    };
    if admins.is_empty() {
        return Ok(Outcome::NoAdministrators);
    }
    let sender_name = SenderName::parse(&system.sender_name).ok();
    let sender = Sender { name: sender_name.as_ref(), address: &address };
    let login_user = system.smtp_login.clone().unwrap_or_else(|| system.address.clone());
    let login = Login { user: &login_user, password: &password };
    let mail = state.mail.for_tenant(tenant).trusting(trusted);
    let mut sent = 0;
    for admin in &admins {
        let Ok(to) = EmailAddress::parse(&admin.email) else { continue };
        let letter = letters::update_completed(admin.lang, &sender, &to, version, now)?;
        let report = smtp::errand(&mail, &server, &login, Errand::Send(&letter), None).await;
        match report.failure {
            None => sent += 1,
            Some(f) => return Err(format!("{}: {}", f.reason.name(), f.server_reply.unwrap_or_default())),
        }
    }
    Ok(Outcome::Sent(sent))
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
