//! The two migration sets build the same schema: the same tables with the same columns on SQLite
//! and PostgreSQL, numbered alike; and an SQLite database from before the numbers were aligned
//! upgrades.

use pochta::server::db::{Backend, Db};
use std::collections::BTreeMap;

type Schema = BTreeMap<String, Vec<String>>;

async fn sqlite_schema(db: &Db) -> Schema {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let mut schema = Schema::new();
    for table in tables {
        let mut columns: Vec<String> = sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .fetch_all(db.pool())
            .await
            .unwrap();
        columns.sort();
        schema.insert(table, columns);
    }
    schema
}

async fn postgres_schema(db: &Db) -> Schema {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' ORDER BY 1, 2",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let mut schema = Schema::new();
    for (table, column) in rows {
        schema.entry(table).or_default().push(column);
    }
    schema
}

async fn versions(db: &Db) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version")
        .fetch_all(db.pool())
        .await
        .unwrap()
}

async fn fresh_sqlite(dir: &tempfile::TempDir) -> Db {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("schema.db").display());
    let db = Db::connect(&url, Some(2)).await.unwrap();
    db.migrate().await.unwrap();
    db
}

/// A new database on the test PostgreSQL server (scripts/postgres.sh), migrated as its owner.
async fn fresh_postgres() -> Db {
    let env = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name}: start scripts/postgres.sh (make test does)"))
    };
    let name = format!("schema_{}", std::process::id());
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&env("POCHTA_TEST_PG_ADMIN_URL")).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name} OWNER {}", env("POCHTA_TEST_PG_OWNER")))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = format!("postgres://{}@127.0.0.1:{}/{name}", env("POCHTA_TEST_PG_OWNER"), env("POCHTA_TEST_PG_PORT"));
    let db = Db::connect(&url, Some(2)).await.unwrap();
    db.migrate().await.unwrap();
    db
}

#[tokio::test]
async fn both_databases_have_the_same_tables_columns_and_migration_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = fresh_sqlite(&dir).await;
    let postgres = fresh_postgres().await;
    assert_eq!((sqlite.backend(), postgres.backend()), (Backend::Sqlite, Backend::Postgres));
    let (a, b) = (sqlite_schema(&sqlite).await, postgres_schema(&postgres).await);
    assert!(a.contains_key("email_accounts") && a.len() > 10, "{a:?}");
    assert_eq!(a, b, "SQLite (left) and PostgreSQL (right) differ");
    assert_eq!(versions(&sqlite).await, versions(&postgres).await, "the steps are numbered alike");
}

#[tokio::test]
async fn an_sqlite_database_migrated_before_the_numbers_were_aligned_upgrades() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_sqlite(&dir).await;
    let today = versions(&db).await;
    // The record as the earlier numbering left it: no step 3 of its own, check events as step 3.
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 3").execute(db.pool()).await.unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET version = 3 WHERE version = 4").execute(db.pool()).await.unwrap();
    db.migrate().await.expect("the old numbering upgrades");
    assert_eq!(versions(&db).await, today);
    db.migrate().await.expect("and migrating again changes nothing");
    assert_eq!(versions(&db).await, today);
}
