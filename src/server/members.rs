//! An administrator managing the users of their own tenant. Every function takes the acting
//! administrator and works only inside that administrator's tenant.

use super::auth::{self, CurrentUser};
use super::db::{self, Db};
use super::tenancy::{self, NewMember};
use crate::api::users::{Invitation, UserView};
use crate::error::AppError;
use crate::model::{EmailAddress, Lang, Name, NewPassword, Role, UserId};
use rand::Rng;

pub async fn list(db: &Db, admin: &CurrentUser) -> Result<Vec<UserView>, AppError> {
    admin.require_admin()?;
    let mut tx = db.read(admin.tenant).await?;
    let rows = db::users::list(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|u| UserView {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            active: u.active,
            has_password: u.has_password,
            is_me: u.id == admin.id,
        })
        .collect())
}

/// How a new user gets their first password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstPassword {
    /// A generated password, shown once; signing in with it leads to choosing a new one.
    OneTime,
    /// A set-password link, shown once.
    Link,
}

pub async fn add(
    db: &Db,
    admin: &CurrentUser,
    email: &EmailAddress,
    name: &Name,
    role: Role,
    first: FirstPassword,
) -> Result<Invitation, AppError> {
    admin.require_admin()?;
    let one_time = (first == FirstPassword::OneTime).then(generate_one_time_password);
    let parsed = match &one_time {
        Some(p) => Some(NewPassword::parse(p).map_err(|_| AppError::Internal)?),
        None => None,
    };
    let member =
        NewMember { email, name, lang: admin.lang, password: parsed.as_ref(), temporary_password: one_time.is_some() };
    let user = tenancy::add_member(db, admin.tenant, Some(admin.id), member, role).await?;
    match one_time {
        Some(password) => Ok(Invitation::OneTimePassword { user, password }),
        None => {
            let token = tenancy::issue_password_link(db, admin.tenant, user).await?;
            Ok(Invitation::Link { user, path: format!("/set-password?token={token}") })
        }
    }
}

/// A fresh set-password link for an existing user (forgotten password), shown once.
pub async fn new_link(db: &Db, admin: &CurrentUser, user: UserId) -> Result<Invitation, AppError> {
    admin.require_admin()?;
    ensure_member(db, admin, user).await?;
    let token = tenancy::issue_password_link(db, admin.tenant, user).await?;
    let mut tx = db.write(admin.tenant).await?;
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), "password_link", "user", &user.to_string()).await?;
    tx.commit().await?;
    Ok(Invitation::Link { user, path: format!("/set-password?token={token}") })
}

pub async fn change_role(db: &Db, admin: &CurrentUser, user: UserId, role: Role) -> Result<(), AppError> {
    admin.require_admin()?;
    let mut tx = db.write(admin.tenant).await?;
    let target = db::users::get(&mut tx, admin.tenant, user).await?.ok_or(AppError::NotFound)?;
    if target.role == Role::Admin && role != Role::Admin && target.active {
        keep_one_admin(&mut tx, admin).await?;
    }
    db::users::set_role(&mut tx, admin.tenant, user, role).await?;
    db::audit::record(
        &mut tx,
        admin.tenant,
        Some(admin.id),
        "change_role",
        "user",
        &format!("{user}: {}", role.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deactivating signs the user out everywhere; reactivating lets them sign in again.
pub async fn set_active(db: &Db, admin: &CurrentUser, user: UserId, active: bool) -> Result<(), AppError> {
    admin.require_admin()?;
    if user == admin.id && !active {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write(admin.tenant).await?;
    let target = db::users::get(&mut tx, admin.tenant, user).await?.ok_or(AppError::NotFound)?;
    if target.role == Role::Admin && target.active && !active {
        keep_one_admin(&mut tx, admin).await?;
    }
    db::users::set_active(&mut tx, admin.tenant, user, active).await?;
    if !active {
        db::sessions::delete_for_user(&mut tx, admin.tenant, user).await?;
    }
    let action = if active { "activate" } else { "deactivate" };
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), action, "user", &user.to_string()).await?;
    tx.commit().await?;
    Ok(())
}

/// A tenant never loses its last active administrator.
async fn keep_one_admin(tx: &mut db::Tx, admin: &CurrentUser) -> Result<(), AppError> {
    if db::users::count_active_admins(tx, admin.tenant).await? <= 1 {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

async fn ensure_member(db: &Db, admin: &CurrentUser, user: UserId) -> Result<(), AppError> {
    let mut tx = db.read(admin.tenant).await?;
    let found = db::users::get(&mut tx, admin.tenant, user).await?;
    tx.commit().await?;
    found.map(|_| ()).ok_or(AppError::NotFound)
}

pub async fn set_lang(db: &Db, user: &CurrentUser, lang: Lang) -> Result<(), AppError> {
    let mut tx = db.write(user.tenant).await?;
    db::users::set_lang(&mut tx, user.tenant, user.id, lang).await?;
    tx.commit().await?;
    Ok(())
}

/// Twelve characters from an alphabet without look-alikes (no 0/O, 1/l/I): easy to read aloud.
fn generate_one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..12).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// Signs in with a password just set through a link.
pub async fn session_after_link(db: &Db, token: &str, password: &NewPassword) -> Result<String, AppError> {
    let (tenant, user) = tenancy::set_password_by_link(db, token, password).await?;
    auth::start_session(db, tenant, user).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_time_passwords_are_long_and_readable() {
        let p = super::generate_one_time_password();
        assert_eq!(p.len(), 12);
        assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
        assert_ne!(p, super::generate_one_time_password());
    }
}
