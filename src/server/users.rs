//! The users screen's service: an administrator managing the users of their own tenant, and a
//! user choosing a password through a link.

use super::credentials::Hashing;
use super::db::{self, Db};
use super::password_links;
use super::session::{start_session, Admin, CurrentUser, SessionCache};
use super::tenants::{self, NewMember};
use crate::model::error::AppError;
use crate::model::users::{FirstPassword, Invitation, NewUserDraft, UserView};
use crate::model::{Lang, NewPassword, Role, UserId};
use rand::Rng;

pub async fn list(db: &Db, admin: &Admin) -> Result<Vec<UserView>, AppError> {
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

pub async fn add(db: &Db, hashing: &Hashing, admin: &Admin, draft: &NewUserDraft) -> Result<Invitation, AppError> {
    let one_time = (draft.first_password == FirstPassword::OneTime).then(generate_one_time_password);
    let parsed = match &one_time {
        Some(p) => Some(NewPassword::parse(p).map_err(|_| AppError::Internal)?),
        None => None,
    };
    let member = NewMember {
        email: &draft.email,
        name: &draft.name,
        lang: admin.lang,
        password: parsed.as_ref(),
        temporary_password: one_time.is_some(),
    };
    let user = tenants::add_member(db, hashing, admin.tenant, Some(admin.id), member, draft.role).await?;
    match one_time {
        Some(password) => Ok(Invitation::OneTimePassword { user, password }),
        None => {
            let token = password_links::issue(db, admin.tenant, user).await?;
            Ok(Invitation::Link { user, path: password_links::path(&token) })
        }
    }
}

/// A fresh set-password link for an existing user (forgotten password), shown once.
pub async fn new_link(db: &Db, admin: &Admin, user: UserId) -> Result<Invitation, AppError> {
    let mut tx = db.write(admin.tenant).await?;
    db::users::get(&mut tx, admin.tenant, user).await?.ok_or(AppError::NotFound)?;
    let token = password_links::issue_in(&mut tx, admin.tenant, user).await?;
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), "password_link", "user", &user.to_string()).await?;
    tx.commit().await?;
    Ok(Invitation::Link { user, path: password_links::path(&token) })
}

pub async fn change_role(
    db: &Db,
    sessions: &SessionCache,
    admin: &Admin,
    user: UserId,
    role: Role,
) -> Result<(), AppError> {
    let mut tx = db.write(admin.tenant).await?;
    let target = db::users::get(&mut tx, admin.tenant, user).await?.ok_or(AppError::NotFound)?;
    if target.role == Role::Admin && role != Role::Admin && target.active {
        keep_one_admin(db, &mut tx, admin).await?;
    }
    db::users::set_role(&mut tx, admin.tenant, user, role).await?;
    let details = format!("{user}: {}", role.as_str());
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), "change_role", "user", &details).await?;
    tx.commit().await?;
    sessions.forget_user(admin.tenant, user);
    Ok(())
}

/// Deactivating signs the user out everywhere; reactivating lets them sign in again.
/// Deactivation reaches this instance at once and the others within the session cache's bound.
pub async fn set_active(
    db: &Db,
    sessions: &SessionCache,
    admin: &Admin,
    user: UserId,
    active: bool,
) -> Result<(), AppError> {
    if user == admin.id && !active {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.write(admin.tenant).await?;
    let target = db::users::get(&mut tx, admin.tenant, user).await?.ok_or(AppError::NotFound)?;
    if target.role == Role::Admin && target.active && !active {
        keep_one_admin(db, &mut tx, admin).await?;
    }
    db::users::set_active(&mut tx, admin.tenant, user, active).await?;
    if !active {
        db::sessions::delete_for_user(&mut tx, admin.tenant, user).await?;
    }
    let action = if active { "activate" } else { "deactivate" };
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), action, "user", &user.to_string()).await?;
    tx.commit().await?;
    sessions.forget_user(admin.tenant, user);
    Ok(())
}

/// A tenant never loses its last active administrator.
async fn keep_one_admin(db: &Db, tx: &mut db::Tx, admin: &Admin) -> Result<(), AppError> {
    if db::users::lock_active_admins(tx, db.backend(), admin.tenant).await? <= 1 {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

pub async fn set_lang(db: &Db, user: &CurrentUser, lang: Lang) -> Result<(), AppError> {
    let mut tx = db.write(user.tenant).await?;
    db::users::set_lang(&mut tx, user.tenant, user.id, lang).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a password through a one-time link (the link is used up), signs the user out of their
/// other sessions, and signs them in here. Returns the new session's token.
pub async fn set_password_by_link(
    db: &Db,
    hashing: &Hashing,
    sessions: &SessionCache,
    token: &str,
    password: &NewPassword,
) -> Result<String, AppError> {
    let hash = hashing.hash(password.expose()).await?;
    let (mut tx, tenant, user) = password_links::take(db, token).await?;
    db::users::set_password_hash(&mut tx, tenant, user, &hash, false).await?;
    db::sessions::delete_for_user(&mut tx, tenant, user).await?;
    db::audit::record(&mut tx, tenant, Some(user), "set_password", "user", "").await?;
    tx.commit().await?;
    sessions.forget_user(tenant, user);
    start_session(db, tenant, user).await
}

/// Twelve characters from an alphabet without look-alikes (no 0/O, 1/l/I): easy to read aloud.
fn generate_one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..12).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
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
