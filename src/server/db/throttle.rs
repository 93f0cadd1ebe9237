//! Counting sign-in attempts per e-mail, shared by every app instance through the database. An
//! attempt is counted before its password is checked, under a row lock, so parallel guesses are
//! counted one after another.

use super::{Backend, Tx};

pub struct Failures {
    pub count: i64,
    pub last_at: i64,
}

/// The attempts counted for `key`, locked until the transaction ends (a row is made if there is
/// none). On SQLite the write transaction itself is the lock.
pub async fn lock(tx: &mut Tx, backend: Backend, key: &str) -> Result<Failures, sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (key, failures, last_failure_at) VALUES ($1, 0, 0) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .execute(&mut **tx)
    .await?;
    let sql = match backend {
        Backend::Postgres => "SELECT failures, last_failure_at FROM sign_in_throttle WHERE key = $1 FOR UPDATE",
        Backend::Sqlite => "SELECT failures, last_failure_at FROM sign_in_throttle WHERE key = $1",
    };
    let (count, last_at): (i64, i64) = sqlx::query_as(sql).bind(key).fetch_one(&mut **tx).await?;
    Ok(Failures { count, last_at })
}

pub async fn set(tx: &mut Tx, key: &str, count: i64, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sign_in_throttle SET failures = $2, last_failure_at = $3 WHERE key = $1")
        .bind(key)
        .bind(count)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn clear(tx: &mut Tx, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE key = $1").bind(key).execute(&mut **tx).await?;
    Ok(())
}
