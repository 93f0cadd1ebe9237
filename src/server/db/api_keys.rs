//! The host application's API keys (`api_keys`): only each key's SHA-256 is kept.

use super::{now_millis, Tx};
use crate::model::{TenantId, UserId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    name: &str,
    prefix: &str,
    key_hash: &str,
    by: Option<UserId>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_keys (tenant_id, name, prefix, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(tenant.0)
    .bind(name)
    .bind(prefix)
    .bind(key_hash)
    .bind(by.map(|u| u.0))
    .bind(now_millis())
    .fetch_one(&mut **tx)
    .await
}

/// The key with this hash, revoked or not (in a transaction opened with its capability).
pub async fn find_by_hash(tx: &mut Tx, key_hash: &str) -> Result<Option<ApiKeyRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, tenant_id, name, prefix, created_at, revoked_at FROM api_keys WHERE key_hash = $1")
        .bind(key_hash)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn list(tx: &mut Tx, tenant: TenantId) -> Result<Vec<ApiKeyRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, tenant_id, name, prefix, created_at, revoked_at FROM api_keys WHERE tenant_id = $1 ORDER BY id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await
}

/// Revokes the tenant's key `id`; `false` when there is no such live key.
pub async fn revoke(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<bool, sqlx::Error> {
    let affected =
        sqlx::query("UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL")
            .bind(tenant.0)
            .bind(id)
            .bind(now_millis())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(affected == 1)
}
