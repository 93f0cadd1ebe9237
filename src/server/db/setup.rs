//! The setup page's small directories: «Наши фирмы» and «Торговые точки и склады».

use super::{AnyQuery, Tx};
use crate::model::{FirmId, TenantId};
use sqlx::Row;

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

/// The values an outlet or warehouse is saved with.
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

/// The values a save writes into a row of one of the directories.
pub trait DirectoryRow {
    const DIRECTORY: Directory;
    /// The columns after `tenant_id`, in the order [`DirectoryRow::bind`] adds their values.
    const COLUMNS: &'static [&'static str];
    fn bind<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q>;
}

impl DirectoryRow for FirmData<'_> {
    const DIRECTORY: Directory = Directory::Firms;
    const COLUMNS: &'static [&'static str] = &["name", "inn", "kpp", "address", "phone", "email"];

    fn bind<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query.bind(self.name).bind(self.inn).bind(self.kpp).bind(self.address).bind(self.phone).bind(self.email)
    }
}

impl DirectoryRow for OutletData<'_> {
    const DIRECTORY: Directory = Directory::Outlets;
    const COLUMNS: &'static [&'static str] = &["kind", "name", "firm_id", "address"];

    fn bind<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query.bind(self.kind).bind(self.name).bind(self.firm.0).bind(self.address)
    }
}

/// Adds a row; returns its id.
pub async fn insert<R: DirectoryRow>(tx: &mut Tx, tenant: TenantId, row: &R) -> Result<i64, sqlx::Error> {
    let placeholders: Vec<String> = (2..R::COLUMNS.len() + 2).map(|n| format!("${n}")).collect();
    let sql = format!(
        "INSERT INTO {} (tenant_id, {}) VALUES ($1, {}) RETURNING id",
        R::DIRECTORY.table(),
        R::COLUMNS.join(", "),
        placeholders.join(", ")
    );
    let inserted = row.bind(sqlx::query(&sql).bind(tenant.0)).fetch_one(&mut **tx).await?;
    inserted.try_get(0)
}

/// Updates a row if it still has `version`; `false` when it changed meanwhile or is gone.
pub async fn update<R: DirectoryRow>(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    version: i64,
    row: &R,
) -> Result<bool, sqlx::Error> {
    let set: Vec<String> = R::COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 4)).collect();
    let sql = format!(
        "UPDATE {} SET {}, version = version + 1 WHERE tenant_id = $1 AND id = $2 AND version = $3",
        R::DIRECTORY.table(),
        set.join(", ")
    );
    let done = row.bind(sqlx::query(&sql).bind(tenant.0).bind(id).bind(version)).execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
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

/// What the «Почта» tab waits for: whether a firm, and an outlet or warehouse, exist (one
/// statement: every «Почта» request asks, some twice).
pub async fn present(tx: &mut Tx, tenant: TenantId) -> Result<(bool, bool), sqlx::Error> {
    let (firm, outlet): (i64, i64) = sqlx::query_as(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM firms WHERE tenant_id = $1) THEN 1 ELSE 0 END, \
                CASE WHEN EXISTS (SELECT 1 FROM outlets WHERE tenant_id = $1) THEN 1 ELSE 0 END",
    )
    .bind(tenant.0)
    .fetch_one(&mut **tx)
    .await?;
    Ok((firm != 0, outlet != 0))
}
