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
