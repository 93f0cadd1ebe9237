//! «Доверенные сертификаты»: one row per tenant, host and port (model::trusted_certificates).

use super::{now_millis, Tx};
use crate::model::trusted_certificates::{Fingerprint, TrustedCertificate};
use crate::model::{Host, Port, TenantId, UserId};

/// A stored row, with the name of the user who trusted it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TrustedRow {
    pub host: String,
    pub port: i64,
    pub sha256: String,
    pub any_name: i64,
    pub trusted_at: i64,
    pub trusted_by: Option<String>,
}

impl TrustedRow {
    /// The row as the TLS step uses it; a row that no longer parses is skipped (never trusted).
    pub fn certificate(&self) -> Option<TrustedCertificate> {
        Some(TrustedCertificate {
            host: Host::parse(&self.host).ok()?,
            port: Port::new(u32::try_from(self.port).ok()?).ok()?,
            sha256: Fingerprint::parse(&self.sha256).ok()?,
            any_name: self.any_name == 1,
        })
    }
}

pub async fn list(tx: &mut Tx, tenant: TenantId) -> Result<Vec<TrustedRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.host, c.port, c.sha256, c.any_name, c.trusted_at, u.name AS trusted_by \
         FROM trusted_certificates c LEFT JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.trusted_by \
         WHERE c.tenant_id = $1 ORDER BY c.host, c.port",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await
}

/// Trusts `certificate` for its host and port, replacing what was trusted there before.
pub async fn put(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    certificate: &TrustedCertificate,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO trusted_certificates (tenant_id, host, port, sha256, any_name, trusted_by, trusted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (tenant_id, host, port) DO UPDATE SET \
         sha256 = $4, any_name = $5, trusted_by = $6, trusted_at = $7",
    )
    .bind(tenant.0)
    .bind(certificate.host.as_str())
    .bind(i64::from(certificate.port.get()))
    .bind(certificate.sha256.as_str())
    .bind(i64::from(certificate.any_name))
    .bind(user.0)
    .bind(now_millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether there was something to forget.
pub async fn delete(tx: &mut Tx, tenant: TenantId, host: &Host, port: Port) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM trusted_certificates WHERE tenant_id = $1 AND host = $2 AND port = $3")
        .bind(tenant.0)
        .bind(host.as_str())
        .bind(i64::from(port.get()))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}
