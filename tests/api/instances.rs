//! Several app servers on one database, as behind a load balancer: sessions, sign-in throttling
//! and the once-per-version notification hold across instances; an instance may only serve
//! while others send the outbox's letters.

use crate::accounts::notification_outcome;
use crate::notifications::{get, post, tenant_with_notifications, wait_for_status};
use crate::support::browser_for;
use crate::support::forms::{editing, manual_account};
use crate::support::mail_servers::{app_with_mail, spawn_app_with_mail, wait_for_message, MailServers};
use crate::support::{unique, PASSWORD};
use pochta::model::accounts::{AccountInput, AccountListView};
use pochta::model::error::AppError;
use pochta::model::session::SessionInfo;

#[tokio::test]
async fn a_session_opened_on_one_instance_works_on_another_and_ends_on_both() {
    let (app, _) = spawn_app_with_mail(&[]).await;
    let (second, _) = app.another_instance().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let elsewhere = admin.at(&second);
    let session: SessionInfo = elsewhere.call("session", &[]).await.unwrap();
    assert_eq!(session.me.unwrap().email, "anna@romashka.test");
    elsewhere.call::<()>("sign_out", &[]).await.unwrap();
    let session: SessionInfo = admin.call("session", &[]).await.unwrap();
    assert!(session.me.is_none(), "signed out on every instance");
}

#[tokio::test]
async fn failed_sign_ins_count_across_instances() {
    let (app, _) = spawn_app_with_mail(&[]).await;
    let (second, _) = app.another_instance().await;
    app.first_run("Ромашка", "anna@romashka.test").await;
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
    let admin = app.first_run("Ромашка", &mail.address("frank")).await;
    let list: AccountListView = admin.call("accounts/list", &[]).await.unwrap();
    let account = AccountInput {
        use_for_receiving: String::new(),
        sender_name: format!("Pochta once {}", std::process::id()),
        password: mail.password.clone(),
        ..editing(manual_account(&mail, "alice"), list.system_id.unwrap(), 1)
    };
    admin.submit_account(&account).await.unwrap();

    sqlx::query("UPDATE app_meta SET value = '0.0.1' WHERE key = 'app_version'").execute(app.inspect()).await.unwrap();
    let (a, b) = tokio::join!(app.another_instance(), app.another_instance());
    drop((a, b));
    assert_eq!(notification_outcome(&app).await, "queued");
    wait_for_message(&mail, "frank", &account.sender_name).await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications").fetch_one(app.inspect()).await.unwrap();
    assert_eq!(rows, 1, "one claim per tenant and version");
    // Give a second letter, were there one, time to arrive; then count. Only the update's: the
    // system account also tells frank that its server's certificate (the test CA's, valid two
    // days) expires soon, a letter of its own.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let letters = crate::support::mail_servers::matching_messages(&mail, "frank", &account.sender_name).await;
    let updates: Vec<_> = letters.iter().filter(|l| l.subject.contains("обновление завершено")).collect();
    assert_eq!(
        updates.len(),
        1,
        "exactly one update letter: {:?}",
        letters.iter().map(|l| &l.subject).collect::<Vec<_>>()
    );
}

/// Whether `browser` is signed in, asking its app server.
async fn signed_in(browser: &crate::support::Browser) -> bool {
    browser.call::<SessionInfo>("session", &[]).await.unwrap().me.is_some()
}

/// Asks until `browser` is signed out; returns how long that took.
async fn until_signed_out(browser: &crate::support::Browser) -> std::time::Duration {
    let started = std::time::Instant::now();
    while signed_in(browser).await {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "still signed in after 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn signing_out_or_deactivation_on_one_instance_reaches_another_within_the_session_bound() {
    let app = crate::support::spawn_app_with(&["--session-cache-seconds", "2"]).await;
    let (second, _) = app.another_instance().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let user = crate::support::forms::invited_user(&app, &admin, "boris@romashka.test", "user", "пароль бориса").await;

    // Both instances have just answered for both sessions (and so remember them).
    let (admin_there, user_there) = (admin.at(&second), user.at(&second));
    for browser in [&admin, &user, &admin_there, &user_there] {
        assert!(signed_in(browser).await);
    }
    // Signed out on the second instance: refused there at once, on the first within the bound.
    admin_there.call::<()>("sign_out", &[]).await.unwrap();
    assert!(!signed_in(&admin_there).await, "at once where it happened");
    let took = until_signed_out(&admin).await;
    assert!(took < std::time::Duration::from_millis(2_500), "the first instance followed after {took:?}");

    // Deactivated on the first instance (signed in again there): the second follows too.
    let anna = app.browser();
    anna.sign_in("anna@romashka.test", PASSWORD).await.unwrap();
    let users: Vec<pochta::model::users::UserView> = anna.call("users/list", &[]).await.unwrap();
    let boris = users.iter().find(|u| u.email == "boris@romashka.test").unwrap().id.to_string();
    assert!(signed_in(&user_there).await);
    anna.call::<()>("users/set_active", &[("user", &boris), ("active", "false")]).await.unwrap();
    assert!(!signed_in(&user).await, "at once where it happened");
    let took = until_signed_out(&user_there).await;
    assert!(took < std::time::Duration::from_millis(2_500), "the second instance followed after {took:?}");
}

#[tokio::test]
async fn an_instance_that_only_serves_queues_letters_and_another_sends_them() {
    let mail = MailServers::from_env();
    let app = app_with_mail(&mail, &[], &["--outbox-tenants-at-once", "0"]).await;
    let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", mail.smtps).await;
    let subject = unique("Через другой сервер");
    let letter = serde_json::json!({"to": [mail.address("bob")], "subject": subject, "text": "Текст."});
    let (code, queued) = post(&app, &key, "ru", &letter).await;
    assert_eq!(code, 202, "{queued}");
    let id = queued["id"].as_i64().unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let waiting = get(&app, &key, id).await.1;
    assert_eq!((waiting["status"].as_str(), waiting["attempts"].as_i64()), (Some("queued"), Some(0)), "{waiting}");

    let _sender = app.another_instance_with(&["--outbox-tenants-at-once", "2"]).await;
    wait_for_message(&mail, "bob", &subject).await;
    assert_eq!(wait_for_status(&app, &key, id, "sent").await["attempts"], 1);
}
