//! Users of a tenant.

use super::{flag, now_millis, Backend, Tx};
use crate::model::{Lang, Role, TenantId, UserId};

#[derive(Clone, Debug)]
pub struct UserRow {
    pub id: UserId,
    pub tenant: TenantId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub lang: Lang,
    pub has_password: bool,
}

#[derive(sqlx::FromRow)]
struct RawUser {
    id: i64,
    tenant_id: i64,
    email: String,
    name: String,
    role: String,
    active: i64,
    lang: String,
    has_password: i64,
}

impl From<RawUser> for UserRow {
    fn from(r: RawUser) -> Self {
        Self {
            id: UserId(r.id),
            tenant: TenantId(r.tenant_id),
            email: r.email,
            name: r.name,
            // The column has a CHECK constraint; anything else cannot be read back.
            role: Role::parse(&r.role).unwrap_or(Role::User),
            active: r.active != 0,
            lang: Lang::from_code(&r.lang),
            has_password: r.has_password != 0,
        }
    }
}

const COLUMNS: &str = "id, tenant_id, email, name, role, active, lang, \
     CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END AS has_password";

/// What signing in needs, found by e-mail across tenants.
pub struct Login {
    pub user: UserId,
    pub tenant: TenantId,
    pub password_hash: Option<String>,
    pub password_is_temporary: bool,
    pub active: bool,
}

pub async fn find_login(tx: &mut Tx, email_key: &str) -> Result<Option<Login>, sqlx::Error> {
    let row: Option<(i64, i64, Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT id, tenant_id, password_hash, password_is_temporary, active FROM users WHERE email_key = $1",
    )
    .bind(email_key)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(id, tenant, password_hash, temporary, active)| Login {
        user: UserId(id),
        tenant: TenantId(tenant),
        password_hash,
        password_is_temporary: temporary != 0,
        active: active != 0,
    }))
}

pub async fn get(tx: &mut Tx, tenant: TenantId, id: UserId) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2");
    let row: Option<RawUser> = sqlx::query_as(&sql).bind(tenant.0).bind(id.0).fetch_optional(&mut **tx).await?;
    Ok(row.map(UserRow::from))
}

pub async fn list(tx: &mut Tx, tenant: TenantId) -> Result<Vec<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY name, id");
    let rows: Vec<RawUser> = sqlx::query_as(&sql).bind(tenant.0).fetch_all(&mut **tx).await?;
    Ok(rows.into_iter().map(UserRow::from).collect())
}

/// Active administrators of a tenant, who receive the program's own notifications.
pub async fn active_admins(tx: &mut Tx, tenant: TenantId) -> Result<Vec<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND role = 'admin' AND active = 1 ORDER BY id");
    let rows: Vec<RawUser> = sqlx::query_as(&sql).bind(tenant.0).fetch_all(&mut **tx).await?;
    Ok(rows.into_iter().map(UserRow::from).collect())
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub email_key: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub password_is_temporary: bool,
    pub lang: Lang,
}

pub async fn insert(tx: &mut Tx, tenant: TenantId, user: NewUser<'_>) -> Result<UserId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (tenant_id, email, email_key, name, role, password_hash, password_is_temporary, lang, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(tenant.0)
    .bind(user.email)
    .bind(user.email_key)
    .bind(user.name)
    .bind(user.role.as_str())
    .bind(user.password_hash)
    .bind(flag(user.password_is_temporary))
    .bind(user.lang.code())
    .bind(now_millis())
    .fetch_one(&mut **tx)
    .await?;
    Ok(UserId(id))
}

pub async fn set_role(tx: &mut Tx, tenant: TenantId, id: UserId, role: Role) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET role = $3, version = version + 1 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id.0)
        .bind(role.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_active(tx: &mut Tx, tenant: TenantId, id: UserId, active: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET active = $3, version = version + 1 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id.0)
        .bind(flag(active))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a password the user chose (`temporary: false`) or a one-time one an administrator hands out.
pub async fn set_password_hash(
    tx: &mut Tx,
    tenant: TenantId,
    id: UserId,
    hash: &str,
    temporary: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = $3, password_is_temporary = $4, version = version + 1 \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(hash)
    .bind(flag(temporary))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_lang(tx: &mut Tx, tenant: TenantId, id: UserId, lang: Lang) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET lang = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id.0)
        .bind(lang.code())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The tenant's active administrators, locked until the transaction ends, so two administrators
/// demoting each other at once are decided one after the other (on SQLite the write transaction
/// itself is the lock).
pub async fn lock_active_admins(tx: &mut Tx, backend: Backend, tenant: TenantId) -> Result<i64, sqlx::Error> {
    let sql = match backend {
        Backend::Postgres => "SELECT id FROM users WHERE tenant_id = $1 AND role = 'admin' AND active = 1 FOR UPDATE",
        Backend::Sqlite => "SELECT id FROM users WHERE tenant_id = $1 AND role = 'admin' AND active = 1",
    };
    let ids: Vec<i64> = sqlx::query_scalar(sql).bind(tenant.0).fetch_all(&mut **tx).await?;
    Ok(ids.len() as i64)
}
