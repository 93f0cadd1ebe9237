//! Several app servers on one database, as behind a load balancer: sessions, sign-in throttling
//! and the once-per-version notification hold across instances.

use crate::accounts::{notification_outcome, Account};
use crate::helpers::browser_for;
use crate::mail_servers::{spawn_app_with_mail, wait_for_message};
use pochta::error::AppError;
use serde_json::Value;

const PASSWORD: &str = "очень надёжный пароль";

#[tokio::test]
async fn a_session_opened_on_one_instance_works_on_another_and_ends_on_both() {
    let (app, _) = spawn_app_with_mail(&[]).await;
    let (second, _) = app.another_instance().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let elsewhere = admin.at(&second);
    let session: Value = elsewhere.call("session", &[]).await.unwrap();
    assert_eq!(session["me"]["email"], "anna@romashka.test");
    elsewhere.call::<Value>("sign_out", &[]).await.unwrap();
    let session: Value = admin.call("session", &[]).await.unwrap();
    assert!(session["me"].is_null(), "signed out on every instance");
}

#[tokio::test]
async fn failed_sign_ins_count_across_instances() {
    let (app, _) = spawn_app_with_mail(&[]).await;
    let (second, _) = app.another_instance().await;
    app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let (first, other) = (app.browser(), browser_for(&second));
    for i in 0..5 {
        let browser = if i % 2 == 0 { &first } else { &other };
        assert_eq!(browser.sign_in("anna@romashka.test", "угадываю").await.unwrap_err(), AppError::BadCredentials);
    }
    assert!(matches!(other.sign_in("anna@romashka.test", PASSWORD).await, Err(AppError::TooManyAttempts { .. })));
    assert!(matches!(first.sign_in("anna@romashka.test", PASSWORD).await, Err(AppError::TooManyAttempts { .. })));
}

#[tokio::test]
async fn two_instances_starting_after_an_update_notify_once() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = app.first_run("Ромашка", &mail.address("frank"), PASSWORD).await;
    let list: Value = admin.call("accounts/list", &[]).await.unwrap();
    let mut account = Account::manual(&mail, "alice");
    account.intent = "save";
    account.id = list["system_id"].as_i64().unwrap();
    account.version = 1;
    account.receiving = false;
    account.sender_name = format!("Pochta once {}", std::process::id());
    account.submit(&admin).await.unwrap();

    sqlx::query("UPDATE app_meta SET value = '0.0.1' WHERE key = 'app_version'").execute(app.inspect()).await.unwrap();
    let (a, b) = tokio::join!(app.another_instance(), app.another_instance());
    drop((a, b));
    assert_eq!(notification_outcome(&app).await, "sent");
    wait_for_message(&mail, "frank", &account.sender_name).await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications").fetch_one(app.inspect()).await.unwrap();
    assert_eq!(rows, 1, "one claim per tenant and version");
    // Give a second letter, were there one, time to arrive; then count.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        crate::mail_servers::count_messages(&mail, "frank", &account.sender_name).await,
        1,
        "exactly one letter"
    );
}
