//! Facts about the deployment kept in the database (not tenant data).

pub async fn get(pool: &sqlx::AnyPool, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM app_meta WHERE key = $1").bind(key).fetch_optional(pool).await
}

pub async fn set(pool: &sqlx::AnyPool, key: &str, value: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO app_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
        .bind(key)
        .bind(value)
        .execute(pool)
        .await?;
    Ok(())
}

/// The marker that a tenant exists (so the first-run page is gone): set by whoever creates the
/// first tenant. Returns whether this call set it.
pub async fn mark_first_tenant(tx: &mut super::Tx) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("INSERT INTO app_meta (key, value) VALUES ('first_run_done', '1') ON CONFLICT (key) DO NOTHING")
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether any tenant exists yet; read without a tenant, from the marker rather than from the
/// tenants' own tables (which row-level security keeps to each tenant).
pub async fn first_run_done(pool: &sqlx::AnyPool) -> Result<bool, sqlx::Error> {
    Ok(get(pool, "first_run_done").await?.is_some())
}
