//! The setup page's small directories: «Наши фирмы» and «Торговые точки и склады».

use super::Tx;
use crate::model::{FirmId, OutletId, TenantId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FirmRow {
    pub id: i64,
    pub name: String,
    pub inn: String,
    pub kpp: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub version: i64,
}

/// The values a firm is saved with.
pub struct FirmData<'a> {
    pub name: &'a str,
    pub inn: &'a str,
    pub kpp: Option<&'a str>,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
}

pub async fn list_firms(tx: &mut Tx, tenant: TenantId) -> Result<Vec<FirmRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, inn, kpp, address, phone, email, version FROM firms WHERE tenant_id = $1 ORDER BY name, id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await
}

pub async fn insert_firm(tx: &mut Tx, tenant: TenantId, firm: &FirmData<'_>) -> Result<FirmId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO firms (tenant_id, name, inn, kpp, address, phone, email) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(tenant.0)
    .bind(firm.name)
    .bind(firm.inn)
    .bind(firm.kpp)
    .bind(firm.address)
    .bind(firm.phone)
    .bind(firm.email)
    .fetch_one(&mut **tx)
    .await?;
    Ok(FirmId(id))
}

/// Updates a firm if it still has `version`; `false` when it changed meanwhile or is gone.
pub async fn update_firm(
    tx: &mut Tx,
    tenant: TenantId,
    id: FirmId,
    version: i64,
    firm: &FirmData<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE firms SET name = $4, inn = $5, kpp = $6, address = $7, phone = $8, email = $9, version = version + 1 \
         WHERE tenant_id = $1 AND id = $2 AND version = $3",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(version)
    .bind(firm.name)
    .bind(firm.inn)
    .bind(firm.kpp)
    .bind(firm.address)
    .bind(firm.phone)
    .bind(firm.email)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutletRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub firm_id: i64,
    pub firm_name: String,
    pub address: Option<String>,
    pub version: i64,
}

pub struct OutletData<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub firm: FirmId,
    pub address: Option<&'a str>,
}

pub async fn list_outlets(tx: &mut Tx, tenant: TenantId) -> Result<Vec<OutletRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.kind, o.name, o.firm_id, f.name AS firm_name, o.address, o.version \
         FROM outlets o JOIN firms f ON f.tenant_id = o.tenant_id AND f.id = o.firm_id \
         WHERE o.tenant_id = $1 ORDER BY o.name, o.id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await
}

pub async fn insert_outlet(tx: &mut Tx, tenant: TenantId, outlet: &OutletData<'_>) -> Result<OutletId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outlets (tenant_id, kind, name, firm_id, address) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(tenant.0)
    .bind(outlet.kind)
    .bind(outlet.name)
    .bind(outlet.firm.0)
    .bind(outlet.address)
    .fetch_one(&mut **tx)
    .await?;
    Ok(OutletId(id))
}

pub async fn update_outlet(
    tx: &mut Tx,
    tenant: TenantId,
    id: OutletId,
    version: i64,
    outlet: &OutletData<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outlets SET kind = $4, name = $5, firm_id = $6, address = $7, version = version + 1 \
         WHERE tenant_id = $1 AND id = $2 AND version = $3",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(version)
    .bind(outlet.kind)
    .bind(outlet.name)
    .bind(outlet.firm.0)
    .bind(outlet.address)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One of the two directories, for what both do alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Directory {
    Firms,
    Outlets,
}

impl Directory {
    fn table(self) -> &'static str {
        match self {
            Directory::Firms => "firms",
            Directory::Outlets => "outlets",
        }
    }
}

pub async fn exists(tx: &mut Tx, tenant: TenantId, directory: Directory, id: i64) -> Result<bool, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) FROM {} WHERE tenant_id = $1 AND id = $2", directory.table());
    let n: i64 = sqlx::query_scalar(&sql).bind(tenant.0).bind(id).fetch_one(&mut **tx).await?;
    Ok(n > 0)
}

/// Deletes a row; a foreign key refuses it while something refers to it.
pub async fn delete(tx: &mut Tx, tenant: TenantId, directory: Directory, id: i64) -> Result<bool, sqlx::Error> {
    let sql = format!("DELETE FROM {} WHERE tenant_id = $1 AND id = $2", directory.table());
    let done = sqlx::query(&sql).bind(tenant.0).bind(id).execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
}

/// What the «Почта» tab waits for: (firms, outlets and warehouses).
pub async fn counts(tx: &mut Tx, tenant: TenantId) -> Result<(i64, i64), sqlx::Error> {
    let firms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM firms WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_one(&mut **tx)
        .await?;
    let outlets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outlets WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_one(&mut **tx)
        .await?;
    Ok((firms, outlets))
}
