//! How accounts fare when the outbox sends through them (`account_health`), counted for the
//! account's version: a failure or success seen for an older version starts the count afresh.

use super::Tx;
use crate::model::{AccountId, TenantId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HealthRow {
    pub account_id: i64,
    pub account_version: i64,
    pub consecutive_failures: i64,
    pub failing_since: Option<i64>,
    pub last_failure_at: Option<i64>,
    pub last_reason: Option<String>,
    pub last_success_at: Option<i64>,
    pub certificate_expires_at: Option<i64>,
}

/// A failure through version `version` of the account at `now`: the failures in a row so far
/// (this one included) and since when.
pub async fn failed(
    tx: &mut Tx,
    tenant: TenantId,
    account: AccountId,
    version: i64,
    now: i64,
    reason: &str,
) -> Result<(i64, i64), sqlx::Error> {
    let (count, since): (i64, Option<i64>) = sqlx::query_as(
        "INSERT INTO account_health (tenant_id, account_id, account_version, consecutive_failures, failing_since, \
         last_failure_at, last_reason) VALUES ($1, $2, $3, 1, $4, $4, $5) \
         ON CONFLICT (tenant_id, account_id) DO UPDATE SET \
         consecutive_failures = CASE WHEN account_health.account_version = excluded.account_version \
             THEN account_health.consecutive_failures + 1 ELSE 1 END, \
         failing_since = CASE WHEN account_health.account_version = excluded.account_version \
             AND account_health.consecutive_failures > 0 THEN account_health.failing_since ELSE excluded.failing_since END, \
         certificate_expires_at = CASE WHEN account_health.account_version = excluded.account_version \
             THEN account_health.certificate_expires_at END, \
         account_version = excluded.account_version, last_failure_at = excluded.last_failure_at, \
         last_reason = excluded.last_reason \
         RETURNING consecutive_failures, failing_since",
    )
    .bind(tenant.0)
    .bind(account.0)
    .bind(version)
    .bind(now)
    .bind(reason)
    .fetch_one(&mut **tx)
    .await?;
    Ok((count, since.unwrap_or(now)))
}

/// A delivery through the account ends a run of failures: `true` when there was one (the letters
/// held behind it may go). Writes nothing when the account was not failing.
pub async fn recovered(tx: &mut Tx, tenant: TenantId, account: AccountId) -> Result<bool, sqlx::Error> {
    let affected = sqlx::query(
        "UPDATE account_health SET consecutive_failures = 0, failing_since = NULL \
         WHERE tenant_id = $1 AND account_id = $2 AND consecutive_failures > 0",
    )
    .bind(tenant.0)
    .bind(account.0)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(affected == 1)
}

/// A letter delivered through version `version` of the account at `now`, the server's
/// certificate valid until `certificate_expires_at` (if the connection used TLS). Gives the
/// expiry the administrators were last told about.
pub async fn succeeded(
    tx: &mut Tx,
    tenant: TenantId,
    account: AccountId,
    version: i64,
    now: i64,
    certificate_expires_at: Option<i64>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO account_health (tenant_id, account_id, account_version, consecutive_failures, last_success_at, \
         certificate_expires_at) VALUES ($1, $2, $3, 0, $4, $5) \
         ON CONFLICT (tenant_id, account_id) DO UPDATE SET account_version = excluded.account_version, \
         consecutive_failures = 0, failing_since = NULL, last_success_at = excluded.last_success_at, \
         certificate_expires_at = excluded.certificate_expires_at \
         RETURNING certificate_told_for",
    )
    .bind(tenant.0)
    .bind(account.0)
    .bind(version)
    .bind(now)
    .bind(certificate_expires_at)
    .fetch_one(&mut **tx)
    .await
}

/// Notes that the administrators were told the certificate expires at `expires_at`.
pub async fn certificate_told(
    tx: &mut Tx,
    tenant: TenantId,
    account: AccountId,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE account_health SET certificate_told_for = $3 WHERE tenant_id = $1 AND account_id = $2")
        .bind(tenant.0)
        .bind(account.0)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, tenant: TenantId, account: AccountId) -> Result<Option<HealthRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, account_version, consecutive_failures, failing_since, last_failure_at, last_reason, \
         last_success_at, certificate_expires_at FROM account_health WHERE tenant_id = $1 AND account_id = $2",
    )
    .bind(tenant.0)
    .bind(account.0)
    .fetch_optional(&mut **tx)
    .await
}
