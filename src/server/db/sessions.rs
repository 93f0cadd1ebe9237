//! Sessions live in the database so any app instance can serve any request.

use super::Tx;
use crate::model::{TenantId, UserId};

pub async fn insert(
    tx: &mut Tx,
    token_hash: &str,
    tenant: TenantId,
    user: UserId,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, tenant_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(tenant.0)
    .bind(user.0)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct Found {
    pub tenant: TenantId,
    pub user: UserId,
    pub expires_at: i64,
}

pub async fn find(tx: &mut Tx, token_hash: &str, now: i64) -> Result<Option<Found>, sqlx::Error> {
    let row: Option<(i64, i64, i64)> =
        sqlx::query_as("SELECT tenant_id, user_id, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(tenant, user, expires_at)| Found { tenant: TenantId(tenant), user: UserId(user), expires_at }))
}

pub async fn extend(tx: &mut Tx, token_hash: &str, expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET expires_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut **tx).await?;
    Ok(())
}

/// Signs a user out everywhere (deactivation, role change, password change).
pub async fn delete_for_user(tx: &mut Tx, tenant: TenantId, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant.0)
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn delete_expired(pool: &sqlx::AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await?.rows_affected())
}
