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

/// The tenant's «Часовой пояс» as stored (an IANA name).
pub async fn time_zone(tx: &mut Tx, tenant: TenantId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT time_zone FROM tenants WHERE id = $1").bind(tenant.0).fetch_optional(&mut **tx).await
}

pub async fn set_time_zone(tx: &mut Tx, tenant: TenantId, zone: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tenants SET time_zone = $2 WHERE id = $1").bind(tenant.0).bind(zone).execute(&mut **tx).await?;
    Ok(())
}
