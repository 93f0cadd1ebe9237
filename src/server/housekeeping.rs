//! Purging what grows with traffic and expires: sessions, set-password links, sign-in failures,
//! rate windows, live-report events, sign-ins abandoned at a mail provider or never saved with an
//! account, and letters done with 90 days ago (the journal's reach). Every instance purges on a
//! timer (two purging at once delete nothing twice); on PostgreSQL the purge may see expired rows
//! of every tenant and nothing alive (see migrations/postgres/0005_housekeeping.sql).

use super::db::{now_millis, Capability, Db};
use super::{oauth, progress, session};
use crate::model::error::AppError;
use std::time::Duration;

/// Rate windows are a minute long; two minutes later nothing reads them.
const RATE_KEEP_MS: i64 = 2 * 60 * 1000;

/// «Журнал отправки» keeps letters done with (sent, failed, cancelled) this long.
pub const OUTBOX_KEEP_MS: i64 = 90 * 24 * 3_600_000;
/// Old letters go in batches of this many, so one purge never holds SQLite's write lock long.
const OUTBOX_BATCH: i64 = 5_000;

/// Deletes every expired row; returns how many.
pub async fn purge(db: &Db) -> Result<u64, AppError> {
    let now = now_millis();
    let steps: [(&str, i64); 7] = [
        ("DELETE FROM sessions WHERE expires_at <= $1", now),
        ("DELETE FROM password_links WHERE expires_at <= $1", now),
        ("DELETE FROM sign_in_throttle WHERE last_failure_at < $1", now - session::THROTTLE_WINDOW_MS),
        ("DELETE FROM mail_rate WHERE window_start < $1", now - RATE_KEEP_MS),
        ("DELETE FROM check_events WHERE at < $1", now - progress::KEEP_MS),
        ("DELETE FROM oauth_sign_ins WHERE status = 'pending' AND started_at <= $1", now - oauth::SIGN_IN_TIME_MS),
        (
            "DELETE FROM oauth_sign_ins WHERE saved = 0 AND status <> 'pending' AND updated_at <= $1",
            now - oauth::UNSAVED_KEEP_MS,
        ),
    ];
    let mut tx = db.lookup(Capability::Purge, "on").await?;
    let mut purged = 0;
    for (sql, before) in steps {
        purged += sqlx::query(sql).bind(before).execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    loop {
        let mut tx = db.lookup(Capability::Purge, "on").await?;
        let batch = sqlx::query(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status IN ('sent', 'failed', 'cancelled') \
             AND created_at <= $1 LIMIT $2)",
        )
        .bind(now - OUTBOX_KEEP_MS)
        .bind(OUTBOX_BATCH)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        purged += batch;
        if batch < OUTBOX_BATCH as u64 {
            return Ok(purged);
        }
    }
}

/// Purges at start and then every `interval`, for as long as the server runs.
pub async fn run(db: Db, interval: Duration) {
    let mut ticks = tokio::time::interval(interval.max(Duration::from_secs(1)));
    loop {
        ticks.tick().await;
        match purge(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "expired rows purged"),
            Err(e) => tracing::warn!(?e, "purging expired rows failed; trying again later"),
        }
    }
}
