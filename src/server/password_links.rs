//! One-time links for choosing a password (a new user, a forgotten password, or right after
//! signing in with a one-time password). The token is shown once; only its hash is stored.

use super::credentials::{new_token, token_hash};
use super::db::{self, now_millis, Capability, Db, Tx};
use crate::model::error::AppError;
use crate::model::{TenantId, UserId};

/// How long a set-password link stays valid.
pub const TTL_MS: i64 = 72 * 3600 * 1000;

/// A new link for `user`, written in `tx` (it replaces the user's earlier link). Returns the
/// token for the link's address.
pub async fn issue_in(tx: &mut Tx, tenant: TenantId, user: UserId) -> Result<String, AppError> {
    let token = new_token();
    db::password_links::insert(tx, &token_hash(&token), tenant, user, now_millis() + TTL_MS).await?;
    Ok(token)
}

/// A new link for `user`, in its own transaction.
pub async fn issue(db: &Db, tenant: TenantId, user: UserId) -> Result<String, AppError> {
    let mut tx = db.write(tenant).await?;
    let token = issue_in(&mut tx, tenant, user).await?;
    tx.commit().await?;
    Ok(token)
}

/// The site path of a link.
pub fn path(token: &str) -> String {
    format!("/set-password?token={token}")
}

/// Whether a link can still be used (the page shows the form or explains).
pub async fn is_valid(db: &Db, token: &str) -> Result<bool, AppError> {
    let hash = token_hash(token);
    let mut tx = db.lookup(Capability::PasswordLink, &hash).await?;
    let valid = db::password_links::is_valid(&mut tx, &hash, now_millis()).await?;
    tx.commit().await?;
    Ok(valid)
}

/// Uses a link up: the transaction that changes the password, already inside the link's
/// tenant, and whose link it was. Unknown, used and expired links are all [`AppError::LinkExpired`].
pub async fn take(db: &Db, token: &str) -> Result<(Tx, TenantId, UserId), AppError> {
    let hash = token_hash(token);
    let mut tx = db.lookup(Capability::PasswordLink, &hash).await?;
    let (tenant, user) = db::password_links::take(&mut tx, &hash, now_millis()).await?.ok_or(AppError::LinkExpired)?;
    db.enter_tenant(&mut tx, tenant).await?;
    Ok((tx, tenant, user))
}
