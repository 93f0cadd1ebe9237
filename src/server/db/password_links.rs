//! One-time links for setting a password. Only the SHA-256 of the token is stored.

use super::Tx;
use crate::model::{TenantId, UserId};

pub async fn insert(
    tx: &mut Tx,
    token_hash: &str,
    tenant: TenantId,
    user: UserId,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    // A new link replaces any earlier one of the same user.
    sqlx::query("DELETE FROM password_links WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant.0)
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO password_links (token_hash, tenant_id, user_id, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(tenant.0)
        .bind(user.0)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Consumes a link: returns whose it was if it existed and had not expired, and deletes it.
pub async fn take(tx: &mut Tx, token_hash: &str, now: i64) -> Result<Option<(TenantId, UserId)>, sqlx::Error> {
    let row: Option<(i64, i64, i64)> =
        sqlx::query_as("SELECT tenant_id, user_id, expires_at FROM password_links WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut **tx)
            .await?;
    let Some((tenant, user, expires_at)) = row else { return Ok(None) };
    sqlx::query("DELETE FROM password_links WHERE token_hash = $1").bind(token_hash).execute(&mut **tx).await?;
    Ok((expires_at > now).then_some((TenantId(tenant), UserId(user))))
}

/// Whether a link is still usable, without consuming it (to show the form).
pub async fn is_valid(tx: &mut Tx, token_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_links WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}
