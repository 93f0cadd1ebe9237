//! Fixed-window counters (what a user, a tenant or a client address did this minute), shared by
//! every app instance through the database.

use super::Tx;

/// Counts `events` more for `key` in the window starting at `window_start`; returns the count.
pub async fn bump(tx: &mut Tx, key: &str, window_start: i64, events: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO mail_rate (key, window_start, count) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN mail_rate.window_start = $2 THEN mail_rate.count + $3 ELSE $3 END, \
           window_start = $2 \
         RETURNING count",
    )
    .bind(key)
    .bind(window_start)
    .bind(events)
    .fetch_one(&mut **tx)
    .await
}
