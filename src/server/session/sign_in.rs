//! Signing in with an e-mail and password, and slowing down repeated failures for an e-mail.

use super::super::credentials::{token_hash, Hashing};
use super::super::db::{self, now_millis, Capability, Db};
use super::super::{password_links, rate};
use super::start_session_in;
use crate::model::error::AppError;
use crate::model::Lang;
use std::net::IpAddr;

/// Failures within this window count towards slowing down.
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures allowed before each further attempt must wait.
const THROTTLE_FREE_FAILURES: i64 = 5;
const THROTTLE_FIRST_WAIT_MS: i64 = 30 * 1000;
const THROTTLE_MAX_WAIT_MS: i64 = 15 * 60 * 1000;

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

/// One attempt to sign in, as the request brought it.
pub struct Attempt<'a> {
    pub email_key: &'a str,
    pub password: &'a str,
    /// Where it came from, and how many attempts that address may make a minute.
    pub address: IpAddr,
    pub per_address: i64,
}

/// Checks an e-mail and password and opens a new session. A wrong password, an unknown e-mail
/// and a deactivated user all get [`AppError::BadCredentials`]. Every attempt is counted before
/// its password is checked: after a few failures every attempt for that e-mail must wait, longer
/// each time, and one address gets a limited number of attempts a minute.
pub async fn sign_in(db: &Db, hashing: &Hashing, attempt: &Attempt<'_>) -> Result<SignedIn, AppError> {
    let now = now_millis();
    let key = throttle_key(attempt.email_key);

    let mut tx = db.lookup(Capability::SignIn, attempt.email_key).await?;
    rate::sign_in_attempt(&mut tx, attempt.address, attempt.per_address).await?;
    let before = db::throttle::lock(&mut tx, db.backend(), &key).await?;
    let counted = if before.last_at > now - THROTTLE_WINDOW_MS { before.count } else { 0 };
    let wait_until = before.last_at + wait_after(counted);
    if wait_until > now {
        tx.commit().await?;
        let retry_after_secs = ((wait_until - now) / 1000 + 1) as u64;
        return Err(AppError::TooManyAttempts { retry_after_secs });
    }
    // Counted as a failure until the password proves right.
    db::throttle::set(&mut tx, &key, counted + 1, now).await?;
    let login = db::users::find_login(&mut tx, attempt.email_key).await?;
    // Release the database while argon2 runs.
    tx.commit().await?;

    let (hash, usable) = match &login {
        Some(l) => (l.password_hash.clone(), l.active),
        None => (None, false),
    };
    let password_ok = hashing.verify(hash, attempt.password).await?;
    let login = match login {
        Some(login) if password_ok && usable => login,
        _ => {
            tracing::info!("sign-in refused");
            return Err(AppError::BadCredentials);
        }
    };
    let mut tx = db.lookup(Capability::SignIn, attempt.email_key).await?;
    db::throttle::clear(&mut tx, &key).await?;
    db.enter_tenant(&mut tx, login.tenant).await?;
    let user = db::users::get(&mut tx, login.tenant, login.user).await?.ok_or(AppError::BadCredentials)?;
    if login.password_is_temporary {
        let link_token = password_links::issue_in(&mut tx, login.tenant, login.user).await?;
        tx.commit().await?;
        return Ok(SignedIn::MustChoosePassword { link_token });
    }
    let token = start_session_in(&mut tx, login.tenant, login.user).await?;
    db::audit::record(&mut tx, login.tenant, Some(login.user), "sign_in", "user", "").await?;
    tx.commit().await?;
    Ok(SignedIn::Session { token, lang: user.lang })
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
}
