//! Limits on what makes Pochta open connections to hosts users type (test letters, checks,
//! detection) per user and per tenant, and on sign-in attempts per client address: per minute,
//! counted in the database so every app instance sees the same count.

use super::db::{now_millis, rates, Db, Tx};
use crate::model::error::AppError;
use crate::model::{TenantId, UserId};
use std::net::IpAddr;

const WINDOW_MS: i64 = 60_000;

/// How many mail operations a user, and a tenant's users together, may start per minute
/// (`--mail-operations-per-user`, `--mail-operations-per-tenant`).
#[derive(Clone, Copy, Debug)]
pub struct MailLimits {
    pub per_user: i64,
    pub per_tenant: i64,
}

/// The start of the current window, and the seconds until the next one.
fn window() -> (i64, u64) {
    let now = now_millis();
    let start = now - now.rem_euclid(WINDOW_MS);
    (start, ((start + WINDOW_MS - now) / 1000 + 1) as u64)
}

/// Counts one mail operation of `user` in `tenant`; refuses when the user or the tenant has had
/// enough this minute.
pub async fn mail_operation(db: &Db, limits: MailLimits, tenant: TenantId, user: UserId) -> Result<(), AppError> {
    let (start, retry_after_secs) = window();
    let mut tx = db.write_global().await?;
    let mut over = false;
    for (key, limit) in [(format!("user:{user}"), limits.per_user), (format!("tenant:{tenant}"), limits.per_tenant)] {
        over |= rates::bump(&mut tx, &key, start, 1).await? > limit;
    }
    tx.commit().await?;
    if over {
        tracing::warn!(tenant = tenant.0, user = user.0, "mail operations rate-limited");
        return Err(AppError::RateLimited { retry_after_secs });
    }
    Ok(())
}

/// Counts `letters` the outbox is about to send through a tenant's account (`via`), in the
/// transaction that claims them: how many of them may go this minute, and when the rest may (a
/// provider's own limit would refuse them, or worse, lock the account).
pub async fn outbox_send(
    tx: &mut Tx,
    tenant: TenantId,
    via: &str,
    letters: i64,
    limit: i64,
) -> Result<(i64, i64), sqlx::Error> {
    let (start, _) = window();
    let count = rates::bump(tx, &format!("send:{tenant}:{via}"), start, letters).await?;
    Ok(((limit - (count - letters)).clamp(0, letters), start + WINDOW_MS))
}

/// Counts one letter a tenant's host application hands in (`POST /api/v1/notifications`);
/// refuses beyond `limit` this minute, so one tenant's runaway loop cannot fill the database that
/// every tenant shares. Counted in its own short transaction before the letter's: the tenant's
/// counter row is then locked only for the count, and the letters of one tenant are queued side
/// by side. Refusals are counted too, and only a minute's first one is logged, so the loop cannot
/// flood the log either.
pub async fn notification(db: &Db, tenant: TenantId, limit: i64) -> Result<(), AppError> {
    let (start, retry_after_secs) = window();
    let mut tx = db.write_counters().await?;
    let count = rates::bump(&mut tx, &format!("notify:{tenant}"), start, 1).await?;
    tx.commit().await?;
    if count > limit {
        if count == limit + 1 {
            tracing::warn!(
                tenant = tenant.0,
                limit,
                "notifications from the host application rate-limited this minute"
            );
        }
        return Err(AppError::RateLimited { retry_after_secs });
    }
    Ok(())
}

/// Counts one sign-in attempt from `address` in `tx`; refuses beyond `limit` this minute.
pub async fn sign_in_attempt(tx: &mut Tx, address: IpAddr, limit: i64) -> Result<(), AppError> {
    let (start, retry_after_secs) = window();
    if rates::bump(tx, &format!("sign_in:{address}"), start, 1).await? > limit {
        tracing::warn!(%address, "sign-in attempts from one address rate-limited");
        return Err(AppError::TooManyAttempts { retry_after_secs });
    }
    Ok(())
}
