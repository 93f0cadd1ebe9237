//! The outbox's workers stay as quick with a long journal and a long queue as with none: the
//! database plans their two look-ups — claiming a tenant's next letters, finding the tenants with
//! letters due — as walks of the index of letters still to send, never sorting a tenant's queue
//! or reading the letters already sent (every letter of the 90 days the journal keeps).

use crate::support::{spawn_app, TestApp};
use pochta::server::db::outbox::{claim_sql, DUE_TENANTS};
use pochta::server::db::{now_millis, Backend};
use sqlx::Row;

/// `sent` letters sent and `queued` letters due, all the tenant's.
async fn fill(app: &TestApp, tenant: i64, sent: i64, queued: i64) {
    let now = now_millis();
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {total}) \
         INSERT INTO outbox (tenant_id, via, recipients, subject, text_body, message_id, status, attempts, \
           next_attempt_at, give_up_at, created_at, sent_at) \
         SELECT {tenant}, 'crm', 'c@example.com', 's', 't', '<m' || i || '@example.com>', \
           CASE WHEN i <= {sent} THEN 'sent' ELSE 'queued' END, CASE WHEN i <= {sent} THEN 1 ELSE 0 END, \
           {now} - {total} + i, {now} + 3600000, {now} - {total} + i, CASE WHEN i <= {sent} THEN {now} ELSE NULL END \
         FROM n",
        total = sent + queued,
    ))
    .execute(app.inspect())
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(app.inspect()).await.unwrap();
}

/// The plan of `sql` (its `$n` given as numbers), one line per step.
async fn plan(app: &TestApp, sql: &str, values: &[i64]) -> String {
    let mut sql = sql.to_string();
    for (i, value) in values.iter().enumerate().rev() {
        sql = sql.replace(&format!("${}", i + 1), &value.to_string());
    }
    let (explain, column) = match app.backend {
        Backend::Sqlite => ("EXPLAIN QUERY PLAN", 3),
        Backend::Postgres => ("EXPLAIN", 0),
    };
    let rows = sqlx::query(&format!("{explain} {sql}")).fetch_all(app.inspect()).await.unwrap();
    rows.iter().map(|row| row.get::<String, _>(column)).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn claiming_a_letter_and_finding_tenants_due_walk_only_the_letters_still_to_send() {
    let app = spawn_app().await;
    app.first_run("Ромашка", "anna@romashka.test").await;
    fill(&app, 1, 20_000, 2_000).await;
    let now = now_millis();

    let claim = plan(&app, &claim_sql(app.backend), &[1, now, now + 60_000, 10]).await;
    assert!(claim.contains("outbox_due"), "the claim walks the index of letters still to send:\n{claim}");
    for sorting in ["TEMP B-TREE", "Sort"] {
        assert!(!claim.contains(sorting), "the claim does not sort the tenant's queue:\n{claim}");
    }

    let due = plan(&app, DUE_TENANTS, &[now, 64]).await;
    assert!(due.contains("outbox_due"), "only letters still to send are read:\n{due}");
    for reading_all in ["SCAN outbox\n", "Seq Scan on outbox", "outbox_journal"] {
        assert!(!format!("{due}\n").contains(reading_all), "sent letters are not read:\n{due}");
    }
}
