//! Creating tenants and their users: the first run, the operator's CLI and the users screen all
//! come here, so a tenant always starts with its administrator and its system mail account.

use super::credentials::Hashing;
use super::db::{self, accounts, now_millis, Db};
use super::fail::on_unique;
use super::session::start_session;
use crate::model::error::AppError;
use crate::model::session::FirstRunDraft;
use crate::model::{EmailAddress, Lang, Name, NewPassword, Role, TenantId, UserId};

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

/// Creates a tenant, its system e-mail account and its first administrator, in one transaction.
/// With `only_if_first`, refuses when any user already exists (the first-run page).
pub async fn create_tenant(
    db: &Db,
    hashing: &Hashing,
    tenant_name: &Name,
    admin: NewMember<'_>,
    only_if_first: bool,
) -> Result<(TenantId, UserId), AppError> {
    let hash = hash_of(hashing, &admin).await?;
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

/// Adds a user to an existing tenant.
pub async fn add_member(
    db: &Db,
    hashing: &Hashing,
    tenant: TenantId,
    by: Option<UserId>,
    member: NewMember<'_>,
    role: Role,
) -> Result<UserId, AppError> {
    let hash = hash_of(hashing, &member).await?;
    let mut tx = db.write(tenant).await?;
    let user = insert_member(&mut tx, tenant, &member, role, hash.as_deref()).await?;
    db::audit::record(&mut tx, tenant, by, "create", "user", member.email.as_str()).await?;
    tx.commit().await?;
    Ok(user)
}

async fn hash_of(hashing: &Hashing, member: &NewMember<'_>) -> Result<Option<String>, AppError> {
    match member.password {
        Some(p) => Ok(Some(hashing.hash(p.expose()).await?)),
        None => Ok(None),
    }
}

async fn insert_member(
    tx: &mut db::Tx,
    tenant: TenantId,
    member: &NewMember<'_>,
    role: Role,
    password_hash: Option<&str>,
) -> Result<UserId, AppError> {
    let user = db::users::NewUser {
        email: member.email.as_str(),
        email_key: &member.email.normalized(),
        name: member.name.as_str(),
        role,
        password_hash,
        password_is_temporary: member.temporary_password,
        lang: member.lang,
    };
    db::users::insert(tx, tenant, user).await.map_err(on_unique("email"))
}

/// The first-run page: the organisation and its administrator, while no user exists yet. Signs
/// the administrator in; returns the session's token.
pub async fn first_run(db: &Db, hashing: &Hashing, draft: &FirstRunDraft, lang: Lang) -> Result<String, AppError> {
    let admin = NewMember {
        email: &draft.email,
        name: &draft.name,
        lang,
        password: Some(&draft.password),
        temporary_password: false,
    };
    let (tenant, user) = create_tenant(db, hashing, &draft.organisation, admin, true).await?;
    start_session(db, tenant, user).await
}
