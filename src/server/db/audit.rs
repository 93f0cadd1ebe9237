//! The audit log: who changed what and when. Callers pass descriptions, never secrets.

use super::{now_millis, Tx};
use crate::model::{TenantId, UserId};

pub async fn record(
    tx: &mut Tx,
    tenant: TenantId,
    user: Option<UserId>,
    action: &str,
    object: &str,
    details: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, user_id, at, action, object, details) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.0)
    .bind(user.map(|u| u.0))
    .bind(now_millis())
    .bind(action)
    .bind(object)
    .bind(details)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub at: i64,
    pub user_id: Option<i64>,
    pub action: String,
    pub object: String,
    pub details: String,
}

pub async fn recent(tx: &mut Tx, tenant: TenantId, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT at, user_id, action, object, details FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(tenant.0)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}
