//! Who a request acts for: database sessions identified by a random token in an `HttpOnly`
//! cookie, the signed-in user they lead to, and the administrator capability.

mod cache;
mod sign_in;

pub use cache::SessionCache;
pub use sign_in::{sign_in, Attempt, SignedIn, THROTTLE_WINDOW_MS};

use super::credentials::{new_token, token_hash};
use super::db::{self, now_millis, Capability, Db};
use crate::model::error::AppError;
use crate::model::session::{Me, SessionInfo};
use crate::model::{Lang, Role, TenantId, UserId};
use std::ops::Deref;

pub const SESSION_COOKIE: &str = "pochta_session";
/// The name behind HTTPS: the `__Host-` prefix makes browsers accept it only from this host,
/// over HTTPS, for the whole site, so a sibling subdomain cannot plant or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-pochta_session";
/// Sessions expire after a week without use.
pub const SESSION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// Extending a session costs a write, so it happens at most about once an hour.
const SESSION_REFRESH_MS: i64 = 3600 * 1000;

/// The signed-in user a request acts for. Every server function starts by getting one.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: UserId,
    pub tenant: TenantId,
    pub role: Role,
    pub email: String,
    pub name: String,
    pub lang: Lang,
    pub token_hash: String,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The administrator capability, if this user has the role.
    pub fn admin(self) -> Result<Admin, AppError> {
        if self.is_admin() {
            Ok(Admin(self))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A signed-in administrator of a tenant. Only [`CurrentUser::admin`] makes one, so a function
/// that takes an `Admin` cannot be reached by anyone else.
#[derive(Clone, Debug)]
pub struct Admin(CurrentUser);

impl Deref for Admin {
    type Target = CurrentUser;

    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

/// Opens a session for a user who just proved who they are (a password, the first run, a
/// set-password link). A fresh token every time: a session id planted earlier is never promoted.
pub async fn start_session(db: &Db, tenant: TenantId, user: UserId) -> Result<String, AppError> {
    let mut tx = db.write(tenant).await?;
    let token = start_session_in(&mut tx, tenant, user).await?;
    tx.commit().await?;
    Ok(token)
}

async fn start_session_in(tx: &mut db::Tx, tenant: TenantId, user: UserId) -> Result<String, AppError> {
    let now = now_millis();
    let token = new_token();
    db::sessions::insert(tx, &token_hash(&token), tenant, user, now, now + SESSION_TTL_MS).await?;
    Ok(token)
}

/// The user a session token belongs to, if the session is valid and the user still active: as
/// remembered for a few seconds, else read (a read, not a write: extending the session is a
/// write of its own, at most about once an hour).
pub async fn session_user(db: &Db, cache: &SessionCache, token: &str) -> Result<Option<CurrentUser>, AppError> {
    let hash = token_hash(token);
    if let Some(user) = cache.get(&hash) {
        return Ok(Some(user));
    }
    let now = now_millis();
    let mut tx = db.lookup_read(Capability::Session, &hash).await?;
    let Some(found) = db::sessions::find(&mut tx, &hash, now).await? else {
        return Ok(None);
    };
    db.enter_tenant(&mut tx, found.tenant).await?;
    let Some(user) = db::users::get(&mut tx, found.tenant, found.user).await? else {
        return Ok(None);
    };
    tx.commit().await?;
    if !user.active {
        return Ok(None);
    }
    if found.expires_at - now < SESSION_TTL_MS - SESSION_REFRESH_MS {
        let mut tx = db.lookup(Capability::Session, &hash).await?;
        db::sessions::extend(&mut tx, &hash, now + SESSION_TTL_MS).await?;
        tx.commit().await?;
    }
    let user = CurrentUser {
        id: user.id,
        tenant: user.tenant,
        role: user.role,
        email: user.email,
        name: user.name,
        lang: user.lang,
        token_hash: hash,
    };
    cache.put(&user);
    Ok(Some(user))
}

/// Who is signed in, as the layout needs it; or whether the deployment awaits its first run.
pub async fn info(db: &Db, user: Option<CurrentUser>) -> Result<SessionInfo, AppError> {
    let Some(user) = user else {
        let first_run = !db::meta::first_run_done(db.pool()).await?;
        return Ok(SessionInfo { me: None, first_run });
    };
    let mut tx = db.read(user.tenant).await?;
    let tenant_name = db::tenants::name(&mut tx, user.tenant).await?.unwrap_or_default();
    tx.commit().await?;
    let me = Me { name: user.name, email: user.email, role: user.role, tenant_name };
    Ok(SessionInfo { me: Some(me), first_run: false })
}

pub async fn end_session(db: &Db, cache: &SessionCache, user: &CurrentUser) -> Result<(), AppError> {
    cache.forget(&user.token_hash);
    let mut tx = db.write(user.tenant).await?;
    db::sessions::delete(&mut tx, &user.token_hash).await?;
    tx.commit().await?;
    Ok(())
}
