//! Tables that grow with traffic are purged: expired sessions and set-password links, old
//! sign-in failures, old rate windows, old live-report events, letters done with long ago and
//! sign-ins with a provider abandoned at the provider go; everything alive stays.

use crate::support::{spawn_app, TestApp};
use pochta::server::db::now_millis;
use pochta::server::housekeeping;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.inspect()).await.unwrap()
}

async fn exec(app: &TestApp, sql: &str, at: i64) {
    sqlx::query(sql).bind(at).execute(app.inspect()).await.unwrap();
}

#[tokio::test]
async fn expired_rows_are_purged_and_live_ones_kept() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let _ = app.browser().sign_in("anna@romashka.test", "не тот").await;
    let hour = 3_600_000;
    let long_ago = now_millis() - 30 * 24 * hour;
    // A session and a link that expired a month ago, beside the administrator's live session.
    exec(
        &app,
        "INSERT INTO sessions (token_hash, tenant_id, user_id, created_at, expires_at) VALUES ('old', 1, 1, $1, $1)",
        long_ago,
    )
    .await;
    exec(
        &app,
        "INSERT INTO password_links (token_hash, tenant_id, user_id, expires_at) VALUES ('old', 1, 1, $1)",
        long_ago,
    )
    .await;
    exec(&app, "INSERT INTO sign_in_throttle (key, failures, last_failure_at) VALUES ('email:old', 3, $1)", long_ago)
        .await;
    exec(&app, "INSERT INTO mail_rate (key, window_start, count) VALUES ('user:old', $1, 1)", long_ago).await;
    exec(&app, "INSERT INTO check_events (tenant_id, user_id, run_id, seq, at, event) VALUES (1, 1, 'old-run-0001', 0, $1, '{}')", long_ago).await;
    exec(&app, "INSERT INTO check_events (tenant_id, user_id, run_id, seq, at, event) VALUES (1, 1, 'new-run-0001', 0, $1, '{}')", now_millis()).await;

    // Letters: one sent 91 days ago goes; one queued as long ago (still to deliver) and one sent
    // yesterday stay.
    let letter =
        "INSERT INTO outbox (tenant_id, via, recipients, subject, text_body, message_id, status, next_attempt_at, \
                  give_up_at, created_at) VALUES (1, 'crm', 'c@example.com', 's', 't', '<m@example.com>', ";
    let day = 24 * hour;
    exec(&app, &format!("{letter} 'sent', $1, $1, $1)"), now_millis() - 91 * day).await;
    exec(&app, &format!("{letter} 'queued', $1, $1, $1)"), now_millis() - 91 * day).await;
    exec(&app, &format!("{letter} 'sent', $1, $1, $1)"), now_millis() - day).await;

    // Sign-ins with the provider: one the browser never came back from (state long expired), and
    // one finished long ago that no account was ever saved with (its tokens serve nobody), go;
    // one still at the provider, one finished long ago and saved with an account, stay.
    let sign_in = "INSERT INTO oauth_sign_ins (tenant_id, user_id, provider, login_hint, form, started_at, \
                   state_hash, session_hash, status, updated_at) VALUES (1, 1, 'microsoft', 'a@b.c', '{}', $1, ";
    exec(&app, &format!("{sign_in} 'abandoned', 's', 'pending', $1)"), now_millis() - hour).await;
    exec(&app, &format!("{sign_in} 'at-provider', 's', 'pending', $1)"), now_millis() - 60_000).await;
    exec(&app, &format!("{sign_in} NULL, NULL, 'ok', $1)"), long_ago).await;
    exec(&app, &format!("{sign_in} NULL, NULL, 'needs_sign_in', $1)"), long_ago).await;
    exec(&app, "UPDATE oauth_sign_ins SET saved = 1 WHERE status = 'needs_sign_in' AND updated_at = $1", long_ago)
        .await;

    let purged = housekeeping::purge(&app.state.db).await.unwrap();
    assert_eq!(purged, 8, "one expired row of each kind, two sign-ins");
    let sign_ins: Vec<String> =
        sqlx::query_scalar("SELECT status FROM oauth_sign_ins ORDER BY id").fetch_all(app.inspect()).await.unwrap();
    assert_eq!(sign_ins, ["pending", "needs_sign_in"], "the abandoned and the unused sign-in go");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox").await, 2, "the waiting letter and yesterday's stay");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'queued'").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 1, "the live session stays");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM password_links").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sign_in_throttle").await, 1, "today's failure still counts");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mail_rate WHERE key = 'user:old'").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mail_rate").await, 1, "this minute's sign-ins still count");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM check_events").await, 1, "a running report stays");
    let session: pochta::model::session::SessionInfo = admin.call("session", &[]).await.unwrap();
    assert!(session.me.is_some(), "the administrator is still signed in");
}
