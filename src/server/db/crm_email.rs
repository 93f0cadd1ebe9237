//! The program setting group «CRM ► Уведомления ► Электронная почта» (one per tenant): the
//! «Почта» tab writes it, «Настройки программы» shows it.

use super::{flag, now_millis, Tx};
use crate::model::{AccountId, TenantId, UserId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CrmEmailRow {
    pub account_id: i64,
    pub provider: String,
    pub smtp_host: String,
    pub smtp_port: i64,
    pub use_ssl: i64,
    pub login: String,
    pub sender_name: String,
    pub sender_email: String,
    pub test_recipient: Option<String>,
    pub updated_at: i64,
    pub updated_by: Option<i64>,
    pub version: i64,
}

pub struct CrmEmailData<'a> {
    pub account: AccountId,
    pub provider: &'a str,
    pub smtp_host: &'a str,
    pub smtp_port: u16,
    pub use_ssl: bool,
    pub login: &'a str,
    pub sender_name: &'a str,
    pub sender_email: &'a str,
    pub test_recipient: Option<&'a str>,
}

pub async fn get(tx: &mut Tx, tenant: TenantId) -> Result<Option<CrmEmailRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, provider, smtp_host, smtp_port, use_ssl, login, sender_name, sender_email, test_recipient, \
         updated_at, updated_by, version FROM crm_email_settings WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_optional(&mut **tx)
    .await
}

/// Writes the group if it is still at `version` (0: not written yet). Returns the new version,
/// or `None` when someone else saved first.
pub async fn save(
    tx: &mut Tx,
    tenant: TenantId,
    by: UserId,
    version: i64,
    d: &CrmEmailData<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    let now = now_millis();
    let query = if version == 0 {
        sqlx::query(
            "INSERT INTO crm_email_settings (tenant_id, account_id, provider, smtp_host, smtp_port, use_ssl, login, sender_name, \
             sender_email, test_recipient, updated_at, updated_by, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1) ON CONFLICT (tenant_id) DO NOTHING",
        )
        .bind(tenant.0)
    } else {
        sqlx::query(
            "UPDATE crm_email_settings SET account_id = $3, provider = $4, smtp_host = $5, smtp_port = $6, use_ssl = $7, login = $8, \
             sender_name = $9, sender_email = $10, test_recipient = $11, updated_at = $12, updated_by = $13, version = version + 1 \
             WHERE tenant_id = $1 AND version = $2",
        )
        .bind(tenant.0)
        .bind(version)
    };
    // Both statements list the same columns after their keys, in the same order.
    let affected = query
        .bind(d.account.0)
        .bind(d.provider)
        .bind(d.smtp_host)
        .bind(i64::from(d.smtp_port))
        .bind(flag(d.use_ssl))
        .bind(d.login)
        .bind(d.sender_name)
        .bind(d.sender_email)
        .bind(d.test_recipient)
        .bind(now)
        .bind(by.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok((affected == 1).then_some(version + 1))
}
