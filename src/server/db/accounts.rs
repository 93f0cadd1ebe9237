//! The directory «Учетные записи электронной почты».

use super::Tx;
use crate::model::TenantId;

/// The name the predefined system account is created with (shown translated in the list).
pub const SYSTEM_ACCOUNT_NAME: &str = "Системная учетная запись";

/// Creates the tenant's predefined system account, not yet configured.
pub async fn insert_system(tx: &mut Tx, tenant: TenantId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO email_accounts (tenant_id, name, is_system, use_for_sending, created_at, updated_at) \
         VALUES ($1, $2, 1, 1, $3, $3)",
    )
    .bind(tenant.0)
    .bind(SYSTEM_ACCOUNT_NAME)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
