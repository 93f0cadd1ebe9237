//! Signing in and out: argon2id password hashes, database sessions identified by a random token
//! in an `HttpOnly` cookie, and slowing down repeated failures.

use super::db::{self, now_millis, Capability, Db};
use crate::error::AppError;
use crate::model::{Lang, Role, TenantId, UserId};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub const SESSION_COOKIE: &str = "pochta_session";
/// Sessions expire after a week without use.
pub const SESSION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// Extending a session costs a write, so it happens at most about once an hour.
const SESSION_REFRESH_MS: i64 = 3600 * 1000;

/// Failures within this window count towards slowing down.
const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures allowed before each further attempt must wait.
const THROTTLE_FREE_FAILURES: i64 = 5;
const THROTTLE_FIRST_WAIT_MS: i64 = 30 * 1000;
const THROTTLE_MAX_WAIT_MS: i64 = 15 * 60 * 1000;

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

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password off the async threads (it takes tens of milliseconds by design).
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = zeroize::Zeroizing::new(password.to_string());
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| super::fail::internal("hashing task failed", e))?
    .map_err(|e| super::fail::internal("hashing failed", e))
}

/// A hash of nothing anyone knows, verified when the user does not exist so that an unknown
/// e-mail takes as long to refuse as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2().hash_password(b"no user has this password", &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

async fn verify_password(hash: Option<String>, password: &str) -> bool {
    let password = zeroize::Zeroizing::new(password.to_string());
    let known = hash.is_some();
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
        let Ok(parsed) = PasswordHash::new(&hash) else { return false };
        argon2().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

/// A new random token (256 bits), for sessions and one-time links.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores instead of a token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn throttle_key(email_key: &str) -> String {
    format!("email:{}", token_hash(email_key))
}

fn wait_after(failures: i64) -> i64 {
    if failures < THROTTLE_FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - THROTTLE_FREE_FAILURES).min(10) as u32;
    (THROTTLE_FIRST_WAIT_MS << doublings).min(THROTTLE_MAX_WAIT_MS)
}

/// What a correct e-mail and password lead to.
pub enum SignedIn {
    /// A new session (its token goes into the cookie).
    Session { token: String, lang: Lang },
    /// The password was a one-time password: the user must choose their own first, through the
    /// set-password link whose token this is.
    MustChoosePassword { link_token: String },
}

/// Checks an e-mail and password and opens a new session. A wrong password, an unknown e-mail
/// and a deactivated user all get [`AppError::BadCredentials`]; after a few failures every
/// attempt for that e-mail must wait, longer each time.
pub async fn sign_in(db: &Db, email_key: &str, password: &str) -> Result<SignedIn, AppError> {
    let now = now_millis();
    let key = throttle_key(email_key);

    let mut tx = db.lookup(Capability::SignIn, email_key).await?;
    if let Some(f) = db::throttle::get(&mut tx, &key).await? {
        let wait_until = f.last_at + wait_after(f.count);
        if f.last_at > now - THROTTLE_WINDOW_MS && wait_until > now {
            let retry_after_secs = ((wait_until - now) / 1000 + 1) as u64;
            return Err(AppError::TooManyAttempts { retry_after_secs });
        }
    }
    let login = db::users::find_login(&mut tx, email_key).await?;
    // Release the database while argon2 runs.
    tx.commit().await?;

    let (hash, usable) = match &login {
        Some(l) => (l.password_hash.clone(), l.active),
        None => (None, false),
    };
    let password_ok = verify_password(hash, password).await;

    let mut tx = db.lookup(Capability::SignIn, email_key).await?;
    let login = match login {
        Some(login) if password_ok && usable => login,
        _ => {
            db::throttle::record_failure(&mut tx, &key, now, now - THROTTLE_WINDOW_MS).await?;
            tx.commit().await?;
            tracing::info!("sign-in refused");
            return Err(AppError::BadCredentials);
        }
    };
    db::throttle::clear(&mut tx, &key).await?;
    db.enter_tenant(&mut tx, login.tenant).await?;
    let user = db::users::get(&mut tx, login.tenant, login.user).await?.ok_or(AppError::BadCredentials)?;
    let token = new_token();
    if login.password_is_temporary {
        let expires = now + super::tenancy::PASSWORD_LINK_TTL_MS;
        db::password_links::insert(&mut tx, &token_hash(&token), login.tenant, login.user, expires).await?;
        tx.commit().await?;
        return Ok(SignedIn::MustChoosePassword { link_token: token });
    }
    // A fresh token at every sign-in: a session id planted before sign-in is never promoted.
    db::sessions::insert(&mut tx, &token_hash(&token), login.tenant, login.user, now, now + SESSION_TTL_MS).await?;
    db::audit::record(&mut tx, login.tenant, Some(login.user), "sign_in", "user", "").await?;
    tx.commit().await?;
    Ok(SignedIn::Session { token, lang: user.lang })
}

/// Opens a session for a user who just proved who they are another way (first run, a
/// set-password link).
pub async fn start_session(db: &Db, tenant: TenantId, user: UserId) -> Result<String, AppError> {
    let now = now_millis();
    let token = new_token();
    let mut tx = db.write(tenant).await?;
    db::sessions::insert(&mut tx, &token_hash(&token), tenant, user, now, now + SESSION_TTL_MS).await?;
    tx.commit().await?;
    Ok(token)
}

/// The user a session token belongs to, if the session is valid and the user still active.
pub async fn session_user(db: &Db, token: &str) -> Result<Option<CurrentUser>, AppError> {
    let now = now_millis();
    let hash = token_hash(token);
    let mut tx = db.lookup(Capability::Session, &hash).await?;
    let Some(found) = db::sessions::find(&mut tx, &hash, now).await? else {
        return Ok(None);
    };
    db.enter_tenant(&mut tx, found.tenant).await?;
    let Some(user) = db::users::get(&mut tx, found.tenant, found.user).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    if found.expires_at - now < SESSION_TTL_MS - SESSION_REFRESH_MS {
        db::sessions::extend(&mut tx, &hash, now + SESSION_TTL_MS).await?;
    }
    tx.commit().await?;
    Ok(Some(CurrentUser {
        id: user.id,
        tenant: user.tenant,
        role: user.role,
        email: user.email,
        name: user.name,
        lang: user.lang,
        token_hash: hash,
    }))
}

pub async fn end_session(db: &Db, user: &CurrentUser) -> Result<(), AppError> {
    let mut tx = db.write(user.tenant).await?;
    db::sessions::delete(&mut tx, &user.token_hash).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_starts_after_five_failures_and_doubles() {
        assert_eq!(wait_after(4), 0);
        assert_eq!(wait_after(5), 30_000);
        assert_eq!(wait_after(6), 60_000);
        assert_eq!(wait_after(9), 480_000);
        assert_eq!(wait_after(50), THROTTLE_MAX_WAIT_MS);
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let hash = hash_password("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(Some(hash.clone()), "correct horse").await);
        assert!(!verify_password(Some(hash), "wrong horse").await);
        assert!(!verify_password(None, "no user has this password").await);
    }
}
