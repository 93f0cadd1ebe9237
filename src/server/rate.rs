//! Limits on what makes Pochta open connections to hosts users type (test letters, checks,
//! detection): per user and per tenant, per minute, counted in the database so every app
//! instance sees the same count.

use super::db::{now_millis, Db};
use super::session::CurrentUser;
use crate::model::error::AppError;

const WINDOW_MS: i64 = 60_000;
pub const PER_USER: i64 = 20;
pub const PER_TENANT: i64 = 60;

/// Counts one mail operation of `user`; refuses when the user or the tenant has had enough this minute.
pub async fn mail_operation(db: &Db, user: &CurrentUser) -> Result<(), AppError> {
    let now = now_millis();
    let window = now - now.rem_euclid(WINDOW_MS);
    let mut tx = db.write_global().await?;
    let mut over = false;
    for (key, limit) in [(format!("user:{}", user.id), PER_USER), (format!("tenant:{}", user.tenant), PER_TENANT)] {
        let count: i64 = sqlx::query_scalar(
            "INSERT INTO mail_rate (key, window_start, count) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN mail_rate.window_start = $2 THEN mail_rate.count + 1 ELSE 1 END, \
               window_start = $2 \
             RETURNING count",
        )
        .bind(&key)
        .bind(window)
        .fetch_one(&mut *tx)
        .await?;
        over |= count > limit;
    }
    tx.commit().await?;
    if over {
        let retry_after_secs = ((window + WINDOW_MS - now) / 1000 + 1) as u64;
        tracing::warn!(tenant = user.tenant.0, user = user.id.0, "mail operations rate-limited");
        return Err(AppError::RateLimited { retry_after_secs });
    }
    Ok(())
}
