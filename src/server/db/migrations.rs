//! Applying the migrations of `migrations/sqlite` or `migrations/postgres`, numbered alike. SQLite
//! databases made before the numbers were aligned (check events as step 3 instead of 4) have
//! their migration record renumbered first, so they upgrade like any other.

use super::Backend;
use sqlx::AnyPool;

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub async fn run(pool: &AnyPool, backend: Backend) -> Result<(), sqlx::migrate::MigrateError> {
    match backend {
        Backend::Sqlite => {
            renumber_old_sqlite(pool).await?;
            SQLITE.run(pool).await
        }
        Backend::Postgres => POSTGRES.run(pool).await,
    }
}

/// The SQLite record of an old database says step 3 was "check events"; today that step is 4 and
/// step 3 is the (empty) row-level security step. Rewrites the record to match, in one
/// transaction; anything else is left to the migrator.
async fn renumber_old_sqlite(pool: &AnyPool) -> Result<(), sqlx::Error> {
    let table: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_optional(pool)
            .await?;
    if table.is_none() {
        return Ok(());
    }
    let third: Option<String> =
        sqlx::query_scalar("SELECT description FROM _sqlx_migrations WHERE version = 3").fetch_optional(pool).await?;
    if third.as_deref() != Some("check events") {
        return Ok(());
    }
    let Some(rls) = SQLITE.iter().find(|m| m.version == 3) else { return Ok(()) };
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE _sqlx_migrations SET version = 4 WHERE version = 3").execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (3, $1, TRUE, $2, 0)",
    )
    .bind(rls.description.to_string())
    .bind(rls.checksum.to_vec())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!("migration record renumbered: check events is step 4 now, as on PostgreSQL");
    Ok(())
}
