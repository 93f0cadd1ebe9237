//! Fixed-window counters (what a user, a tenant or a client address did this minute), shared by
//! every app instance through the database.

use super::Tx;

/// Counts one more event for `key` in the window starting at `window_start`; returns the count.
pub async fn bump(tx: &mut Tx, key: &str, window_start: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO mail_rate (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN mail_rate.window_start = $2 THEN mail_rate.count + 1 ELSE 1 END, \
           window_start = $2 \
         RETURNING count",
    )
    .bind(key)
    .bind(window_start)
    .fetch_one(&mut **tx)
    .await
}
