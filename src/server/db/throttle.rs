//! Counting failed sign-ins, shared by every app instance through the database.

use super::Tx;

pub struct Failures {
    pub count: i64,
    pub last_at: i64,
}

pub async fn get(tx: &mut Tx, key: &str) -> Result<Option<Failures>, sqlx::Error> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT failures, last_failure_at FROM sign_in_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(count, last_at)| Failures { count, last_at }))
}

/// Records one more failure; failures older than `window_start` no longer count.
pub async fn record_failure(tx: &mut Tx, key: &str, now: i64, window_start: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sign_in_throttle (key, failures, last_failure_at) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN sign_in_throttle.last_failure_at < $3 THEN 1 ELSE sign_in_throttle.failures + 1 END, \
           last_failure_at = $2 \
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .bind(window_start)
    .fetch_one(&mut **tx)
    .await
}

pub async fn clear(tx: &mut Tx, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE key = $1").bind(key).execute(&mut **tx).await?;
    Ok(())
}
