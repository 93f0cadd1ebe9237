//! Creating tenants and their users: the first run, the operator's CLI and the users screen all
//! come here, so a tenant always starts with its administrator and its system mail account.

use super::auth;
use super::db::{self, accounts, now_millis, Db};
use super::fail::is_unique_violation;
use crate::error::AppError;
use crate::model::{EmailAddress, Invalid, Lang, Name, NewPassword, Role, TenantId, UserId};

/// Creates a tenant, its system e-mail account and its first administrator, in one transaction.
/// With `only_if_first`, refuses when any user already exists (the first-run page).
pub async fn create_tenant(
    db: &Db,
    tenant_name: &Name,
    admin: NewMember<'_>,
    only_if_first: bool,
) -> Result<(TenantId, UserId), AppError> {
    let hash = match admin.password {
        Some(p) => Some(auth::hash_password(p.expose()).await?),
        None => None,
    };
    // Creating a tenant happens before there is one to be in: the scan capability lets the
    // insert read back its own new row under row-level security.
    let mut tx = db.lookup(db::Capability::TenantScan, "on").await?;
    let marked = db::meta::mark_first_tenant(&mut tx).await?;
    if only_if_first && !marked {
        // Someone created a tenant first (the marker is a unique key, so this holds on any
        // database, also for two first-run forms submitted at once).
        return Err(AppError::AlreadySetUp);
    }
    let tenant = db::tenants::insert(&mut tx, tenant_name.as_str()).await?;
    db.enter_tenant(&mut tx, tenant).await?;
    accounts::insert_system(&mut tx, tenant, now_millis()).await?;
    let user = insert_member(&mut tx, tenant, &admin, Role::Admin, hash.as_deref()).await?;
    db::audit::record(&mut tx, tenant, Some(user), "create", "tenant", tenant_name.as_str()).await?;
    tx.commit().await?;
    tracing::info!(tenant = tenant.0, "tenant created");
    Ok((tenant, user))
}

/// A person being added to a tenant.
pub struct NewMember<'a> {
    pub email: &'a EmailAddress,
    pub name: &'a Name,
    pub lang: Lang,
    /// `None`: the user sets a password through a one-time link.
    pub password: Option<&'a NewPassword>,
    /// The password is a one-time password handed out by an administrator: signing in with it
    /// leads straight to choosing a new one.
    pub temporary_password: bool,
}

async fn insert_member(
    tx: &mut db::Tx,
    tenant: TenantId,
    member: &NewMember<'_>,
    role: Role,
    password_hash: Option<&str>,
) -> Result<UserId, AppError> {
    let inserted = db::users::insert(
        tx,
        tenant,
        db::users::NewUser {
            email: member.email.as_str(),
            email_key: &member.email.normalized(),
            name: member.name.as_str(),
            role,
            password_hash,
            password_is_temporary: member.temporary_password,
            lang: member.lang,
        },
    )
    .await;
    match inserted {
        Ok(id) => Ok(id),
        Err(e) if is_unique_violation(&e) => Err(AppError::field("email", Invalid::AlreadyExists)),
        Err(e) => Err(e.into()),
    }
}

/// Adds a user to an existing tenant.
pub async fn add_member(
    db: &Db,
    tenant: TenantId,
    by: Option<UserId>,
    member: NewMember<'_>,
    role: Role,
) -> Result<UserId, AppError> {
    let hash = match member.password {
        Some(p) => Some(auth::hash_password(p.expose()).await?),
        None => None,
    };
    let mut tx = db.write(tenant).await?;
    let user = insert_member(&mut tx, tenant, &member, role, hash.as_deref()).await?;
    db::audit::record(&mut tx, tenant, by, "create", "user", member.email.as_str()).await?;
    tx.commit().await?;
    Ok(user)
}

/// How long a set-password link stays valid.
pub const PASSWORD_LINK_TTL_MS: i64 = 72 * 3600 * 1000;

/// Creates a one-time set-password link token for a user (shown once, stored hashed).
pub async fn issue_password_link(db: &Db, tenant: TenantId, user: UserId) -> Result<String, AppError> {
    let token = auth::new_token();
    let mut tx = db.write(tenant).await?;
    db::password_links::insert(&mut tx, &auth::token_hash(&token), tenant, user, now_millis() + PASSWORD_LINK_TTL_MS)
        .await?;
    tx.commit().await?;
    Ok(token)
}

/// Sets a password through a link; the link is used up. Signs the user out of other sessions.
pub async fn set_password_by_link(
    db: &Db,
    token: &str,
    password: &NewPassword,
) -> Result<(TenantId, UserId), AppError> {
    let hash = auth::hash_password(password.expose()).await?;
    let token_hash = auth::token_hash(token);
    let mut tx = db.lookup(db::Capability::PasswordLink, &token_hash).await?;
    let (tenant, user) =
        db::password_links::take(&mut tx, &token_hash, now_millis()).await?.ok_or(AppError::LinkExpired)?;
    db.enter_tenant(&mut tx, tenant).await?;
    db::users::set_password_hash(&mut tx, tenant, user, &hash, false).await?;
    db::sessions::delete_for_user(&mut tx, tenant, user).await?;
    db::audit::record(&mut tx, tenant, Some(user), "set_password", "user", "").await?;
    tx.commit().await?;
    Ok((tenant, user))
}

pub async fn password_link_is_valid(db: &Db, token: &str) -> Result<bool, AppError> {
    let token_hash = auth::token_hash(token);
    let mut tx = db.lookup(db::Capability::PasswordLink, &token_hash).await?;
    let valid = db::password_links::is_valid(&mut tx, &token_hash, now_millis()).await?;
    tx.commit().await?;
    Ok(valid)
}
