//! Row-level security on PostgreSQL, the second fence behind the tenant filter of every query.
//! (On SQLite, which has no row-level security, these tests have nothing to check.)

use crate::support::forms::add_firm;
use crate::support::{spawn_app, spawn_app_with, TestApp};
use pochta::model::session::SessionInfo;
use pochta::model::TenantId;
use pochta::server::db::outbox::{record_sent, OutboxRow};
use pochta::server::db::Backend;
use sqlx::Acquire;

#[tokio::test]
async fn every_tenant_table_has_row_level_security_enabled_and_forced() {
    let app = spawn_app().await;
    if app.backend != Backend::Postgres {
        return;
    }
    let tables: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT c.relname::TEXT, c.relrowsecurity::INT::BIGINT, c.relforcerowsecurity::INT::BIGINT FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' \
           AND (EXISTS (SELECT 1 FROM information_schema.columns col \
                        WHERE col.table_schema = 'public' AND col.table_name = c.relname AND col.column_name = 'tenant_id') \
                OR c.relname = 'tenants') \
         ORDER BY 1",
    )
    .fetch_all(app.inspect())
    .await
    .unwrap();
    assert!(tables.len() >= 10, "{tables:?}");
    let unprotected: Vec<_> = tables.iter().filter(|(_, enabled, forced)| *enabled == 0 || *forced == 0).collect();
    assert!(unprotected.is_empty(), "tenant tables without forced row-level security: {unprotected:?}");
}

#[tokio::test]
async fn the_app_connects_as_a_role_that_owns_nothing_and_cannot_bypass_security() {
    let app = spawn_app().await;
    if app.backend != Backend::Postgres {
        return;
    }
    let (user, bypass, superuser): (String, i64, i64) = sqlx::query_as(
        "SELECT current_user::TEXT, rolbypassrls::INT::BIGINT, rolsuper::INT::BIGINT FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    let owner: String = sqlx::query_scalar("SELECT tableowner::TEXT FROM pg_tables WHERE tablename = 'email_accounts'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_ne!(user, owner);
    assert_eq!((bypass, superuser), (0, 0));
}

#[tokio::test]
async fn a_query_that_forgets_its_tenant_filter_still_sees_only_its_tenant() {
    let app = spawn_app().await;
    if app.backend != Backend::Postgres {
        return;
    }
    let a = app.first_run("Тенант А", "a@a.test").await;
    add_firm(&a, "Фирма А").await;
    let b = app.new_tenant("Тенант Б", "b@b.test").await;
    add_firm(&b, "Фирма Б").await;
    let session: SessionInfo = b.call("session", &[]).await.unwrap();
    assert_eq!(session.me.unwrap().tenant_name, "Тенант Б");
    let b_tenant: i64 =
        sqlx::query_scalar("SELECT id FROM tenants WHERE name = 'Тенант Б'").fetch_one(app.inspect()).await.unwrap();

    // As the app: inside B's transaction, queries without any tenant filter.
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(b_tenant.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let firms: Vec<String> = sqlx::query_scalar("SELECT name FROM firms").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(firms, ["Фирма Б"]);
    let users: Vec<String> = sqlx::query_scalar("SELECT email FROM users").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(users, ["b@b.test"]);
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM email_accounts").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(accounts, 1, "only B's system account");
    let tenants: Vec<String> = sqlx::query_scalar("SELECT name FROM tenants").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(tenants, ["Тенант Б"]);
    // Writing a row for another tenant is refused too.
    let a_tenant = b_tenant - 1;
    let smuggled = sqlx::query("INSERT INTO firms (tenant_id, name, inn) VALUES ($1, 'Чужая', '7707083893')")
        .bind(a_tenant)
        .execute(&mut *tx)
        .await;
    assert!(smuggled.is_err(), "a row of tenant A cannot be written in B's transaction");
    tx.rollback().await.unwrap();

    // With no tenant at all, nothing.
    let mut tx = conn.begin().await.unwrap();
    let visible: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM firms) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM email_accounts) + (SELECT COUNT(*) FROM sessions)")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(visible, 0);
    tx.rollback().await.unwrap();
}

/// A delivery's record is written in one round trip on PostgreSQL, by a function that sets the
/// tenant for itself: it marks only the attempt claimed, once, and leaves the caller's tenant
/// (or none) as it was, so nothing written after it lands under the letter's tenant.
#[tokio::test]
async fn a_delivery_record_marks_its_claimed_attempt_once_and_leaves_the_callers_tenant_as_it_was() {
    let app = spawn_app().await;
    app.first_run("Тенант А", "a@a.test").await;
    app.new_tenant("Тенант Б", "b@b.test").await;
    let (a, b) = (tenant_named(&app, "Тенант А").await, tenant_named(&app, "Тенант Б").await);
    let claimed: OutboxRow = sqlx::query_as(
        "INSERT INTO outbox (tenant_id, via, recipients, subject, text_body, message_id, status, attempts, \
           next_attempt_at, give_up_at, created_at) \
         VALUES ($1, 'crm', 'c@example.com', 's', 't', '<m@example.com>', 'sending', 2, 60000, 0, 0) RETURNING *",
    )
    .bind(a.0)
    .fetch_one(app.inspect())
    .await
    .unwrap();
    let letter = claimed.id;
    let db = &app.state.db;

    let earlier = OutboxRow { attempts: 1, ..claimed.clone() };
    let other_lease = OutboxRow { next_attempt_at: 30_000, ..claimed.clone() };
    assert!(!record_sent(db, b, &claimed, 7).await.unwrap(), "another tenant's letter is not marked");
    assert!(!record_sent(db, a, &earlier, 7).await.unwrap(), "an earlier attempt is not marked");
    assert!(!record_sent(db, a, &other_lease, 7).await.unwrap(), "another claim's lease is not this one");
    assert!(record_sent(db, a, &claimed, 7).await.unwrap());
    assert!(!record_sent(db, a, &claimed, 8).await.unwrap(), "marked once");
    let (status, sent_at): (String, Option<i64>) = sqlx::query_as("SELECT status, sent_at FROM outbox WHERE id = $1")
        .bind(letter)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!((status.as_str(), sent_at), ("sent", Some(7)));
    if app.backend != Backend::Postgres {
        return;
    }

    // Called inside tenant B's transaction for A's letter: B's again afterwards, seeing only B's.
    sqlx::query("UPDATE outbox SET status = 'sending' WHERE id = $1")
        .bind(letter)
        .execute(app.inspect())
        .await
        .unwrap();
    let mut tx = db.write(b).await.unwrap();
    let marked: bool = sqlx::query_scalar("SELECT pochta_outbox_sent($1, $2, 2, 60000, 9)")
        .bind(a.0)
        .bind(letter)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert!(marked);
    let (current, visible): (String, i64) =
        sqlx::query_as("SELECT current_setting('app.tenant_id'), (SELECT COUNT(*) FROM outbox)")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!((current, visible), (b.0.to_string(), 0));
    tx.commit().await.unwrap();

    // Called with no tenant around it: none after it on the same connection.
    let mut conn = db.pool().acquire().await.unwrap();
    sqlx::query("SELECT pochta_outbox_sent($1, $2, 2, 60000, 9)")
        .bind(a.0)
        .bind(letter)
        .execute(&mut *conn)
        .await
        .unwrap();
    let visible: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(visible, 0, "the letter's tenant did not stay on the connection");
}

#[tokio::test]
async fn a_read_cannot_write_and_its_end_leaves_the_connection_to_the_next_transaction() {
    // One connection: the transaction after a read gets the very connection the read had.
    let app = spawn_app_with(&["--db-connections", "1"]).await;
    app.first_run("Тенант А", "a@a.test").await;
    app.new_tenant("Тенант Б", "b@b.test").await;
    let (a, b) = (tenant_named(&app, "Тенант А").await, tenant_named(&app, "Тенант Б").await);
    let db = &app.state.db;
    let rename = |tenant: TenantId, name: &'static str| {
        sqlx::query("UPDATE tenants SET name = $2 WHERE id = $1").bind(tenant.0).bind(name)
    };

    let mut read = db.read(a).await.unwrap();
    let written = rename(a, "Изменено при чтении").execute(&mut *read).await;
    if app.backend == Backend::Postgres {
        assert!(written.is_err(), "a read is READ ONLY on PostgreSQL");
    }
    drop(read);

    let mut read = db.read(a).await.unwrap();
    let name: String =
        sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1").bind(a.0).fetch_one(&mut *read).await.unwrap();
    read.commit().await.unwrap();
    assert_eq!(name, "Тенант А");

    // The next transaction on that connection is a fresh one, for its own tenant, and it commits.
    let mut tx = db.write(b).await.unwrap();
    if app.backend == Backend::Postgres {
        let tenant: String =
            sqlx::query_scalar("SELECT current_setting('app.tenant_id')").fetch_one(&mut *tx).await.unwrap();
        assert_eq!(tenant, b.0.to_string());
    }
    rename(b, "Тенант Б2").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(tenant_named(&app, "Тенант Б2").await, b);
}

async fn tenant_named(app: &TestApp, name: &str) -> TenantId {
    TenantId(
        sqlx::query_scalar("SELECT id FROM tenants WHERE name = $1").bind(name).fetch_one(app.inspect()).await.unwrap(),
    )
}
