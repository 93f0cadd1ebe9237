//! Tenants: the companies sharing one deployment.

use super::{now_millis, Tx};
use crate::model::TenantId;

pub async fn insert(tx: &mut Tx, name: &str) -> Result<TenantId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar("INSERT INTO tenants (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(now_millis())
        .fetch_one(&mut **tx)
        .await?;
    Ok(TenantId(id))
}

pub async fn name(tx: &mut Tx, tenant: TenantId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1").bind(tenant.0).fetch_optional(&mut **tx).await
}

/// Every tenant, for jobs that visit each one (the update notification).
pub async fn all_ids(pool: &sqlx::AnyPool) -> Result<Vec<TenantId>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tenants ORDER BY id").fetch_all(pool).await?;
    Ok(ids.into_iter().map(TenantId).collect())
}
