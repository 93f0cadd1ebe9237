//! The outbox's workers stay as quick with a long journal and a long queue as with none: the
//! database plans their two look-ups — claiming a tenant's next letters, finding the tenants with
//! letters due — as walks of the index of letters still to send, never sorting a tenant's queue
//! or reading the letters already sent (every letter of the 90 days the journal keeps).

use crate::support::{spawn_app, TestApp};
use pochta::server::db::outbox::{claim_sql, DUE_TENANTS, FINISH};
use pochta::server::db::{now_millis, Backend};
use sqlx::Row;

/// `sent` letters sent and `queued` letters due, all the tenant's, and the statistics brought up
/// to date.
async fn fill(app: &TestApp, tenant: i64, sent: i64, queued: i64) {
    fill_rows(app, tenant, sent, queued).await;
    sqlx::query("ANALYZE").execute(app.inspect()).await.unwrap();
}

async fn fill_rows(app: &TestApp, tenant: i64, sent: i64, queued: i64) {
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
}

/// `sql` with its `$n` written in as the values given (numbers or SQL literals).
fn with_values(sql: &str, values: &[&str]) -> String {
    let mut sql = sql.to_string();
    for (i, value) in values.iter().enumerate().rev() {
        sql = sql.replace(&format!("${}", i + 1), value);
    }
    sql
}

/// The plan of `sql` (its `$n` given as numbers), one line per step.
async fn plan(app: &TestApp, sql: &str, values: &[i64]) -> String {
    let values: Vec<String> = values.iter().map(i64::to_string).collect();
    explain(app, "", &with_values(sql, &values.iter().map(String::as_str).collect::<Vec<_>>())).await
}

/// `EXPLAIN` of `sql` (PostgreSQL's with `options`), one line per step.
async fn explain(app: &TestApp, options: &str, sql: &str) -> String {
    let (explain, column) = match app.backend {
        Backend::Sqlite => ("EXPLAIN QUERY PLAN".to_string(), 3),
        Backend::Postgres => (format!("EXPLAIN {options}"), 0),
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

/// Recording an attempt finds its letter in a few pages however long the tenant's queue, even
/// before the database has statistics of the table (a queue filled since the last ANALYZE): it
/// once walked all the tenant's letters waiting, for every letter sent.
#[tokio::test]
async fn recording_an_attempt_reads_its_letter_alone_however_long_the_queue_without_statistics() {
    let app = spawn_app().await;
    app.first_run("Ромашка", "anna@romashka.test").await;
    if app.backend == Backend::Postgres {
        sqlx::query("ALTER TABLE outbox SET (autovacuum_enabled = false)").execute(app.inspect()).await.unwrap();
    }
    fill_rows(&app, 1, 0, 20_000).await;
    // A claim took the first 50: each being sent, on its first attempt, leased for a minute.
    let lease = now_millis() + 60_000;
    sqlx::query(&format!(
        "UPDATE outbox SET status = 'sending', attempts = 1, next_attempt_at = {lease} WHERE id <= 50"
    ))
    .execute(app.inspect())
    .await
    .unwrap();
    let record = with_values(FINISH, &["1", "25", "1", &lease.to_string(), "'sent'", "NULL", "7", "NULL", "NULL", "0"]);

    let plan = explain(&app, "(ANALYZE, BUFFERS, COSTS OFF)", &record).await;
    match app.backend {
        Backend::Postgres => {
            // The statement's own line counts its steps' pages too (planning's come later).
            let whole = plan.lines().find(|line| line.contains("Buffers:")).unwrap_or_default();
            let pages: i64 = whole
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '=')
                .filter_map(|word| word.strip_prefix("hit=").or_else(|| word.strip_prefix("read=")))
                .map(|n| n.parse::<i64>().unwrap())
                .sum();
            assert!(pages < 60, "{pages} pages read and written to record one letter:\n{plan}");
        }
        Backend::Sqlite => {
            assert!(plan.contains("PRIMARY KEY") || plan.contains("id=?"), "{plan}");
            sqlx::query(&record).execute(app.inspect()).await.unwrap();
        }
    }
    let status: String =
        sqlx::query_scalar("SELECT status FROM outbox WHERE id = 25").fetch_one(app.inspect()).await.unwrap();
    assert_eq!(status, "sent");
}
