//! Notifications to clients (issue 14) against real Postfix and Dovecot: the host application
//! queues a letter with its tenant's API key, the workers deliver it through the account the
//! «Почта» tab saved, and the host application reads where it is. Failures: refused input,
//! keys that are missing, revoked or another tenant's, a recipient the server refuses, a server
//! that is down for a while, and two app servers draining one outbox.

use crate::support::forms::{editing, manual_account};
use crate::support::forms::{mail_tab_form, open_mail_tab};
use crate::support::mail_servers::{
    app_with_mail, count_messages, matching_messages, spawn_app_with_mail, wait_for_message, MailServers,
};
use crate::support::{spawn_app_with, unique, Browser, TestApp};
use pochta::model::accounts::{AccountInput, AccountListView};
use pochta::model::error::AppError;
use pochta::model::health::HealthWarning;
use pochta::model::notifications::{ApiKeyView, CreatedApiKey, JournalPage, OutboxStatus};
use pochta::model::{Invalid, Name, TenantId};
use pochta::server::notifications::api_keys;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// A tenant whose «Почта» tab was saved with alice's mailbox on the test Postfix at `port`
/// (implicit TLS), and an API key of that tenant.
pub(crate) async fn tenant_with_notifications(
    app: &TestApp,
    mail: &MailServers,
    organisation: &str,
    port: u16,
) -> (TenantId, String) {
    let (tenant, key, _) = tenant_and_admin(app, mail, organisation, port).await;
    (tenant, key)
}

/// The same, with the administrator's signed-in browser.
pub(crate) async fn tenant_and_admin(
    app: &TestApp,
    mail: &MailServers,
    organisation: &str,
    port: u16,
) -> (TenantId, String, Browser) {
    let tenants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants").fetch_one(app.inspect()).await.unwrap();
    tenant_with_admin(app, mail, organisation, port, &format!("admin{tenants}@romashka.test")).await
}

/// The same, with the administrator's address given.
async fn tenant_with_admin(
    app: &TestApp,
    mail: &MailServers,
    organisation: &str,
    port: u16,
    email: &str,
) -> (TenantId, String, Browser) {
    let tenants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants").fetch_one(app.inspect()).await.unwrap();
    let admin =
        if tenants == 0 { app.first_run(organisation, email).await } else { app.new_tenant(organisation, email).await };
    open_mail_tab(&admin).await;
    let mut form = mail_tab_form(mail, port, true);
    form.intent = "save".into();
    let _: Value = admin.submit("crm_email/submit", &form).await.expect("the «Почта» tab is saved");
    let id: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE name = $1")
        .bind(organisation)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    let name = Name::parse("CRM").unwrap();
    let key = api_keys::create(&app.state.db, TenantId(id), &name, None).await.expect("a key is made");
    (TenantId(id), key.key, admin)
}

pub(crate) async fn post(app: &TestApp, key: &str, lang: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/notifications", app.address))
        .bearer_auth(key)
        .header("Accept-Language", lang)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn get(app: &TestApp, key: &str, id: i64) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/notifications/{id}", app.address))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Asks until the letter has `status` (up to 30 s) and returns its last answer.
pub(crate) async fn wait_for_status(app: &TestApp, key: &str, id: i64, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (code, view) = get(app, key, id).await;
        assert_eq!(code, 200, "{view}");
        if view["status"] == status {
            return view;
        }
        assert!(tokio::time::Instant::now() < deadline, "letter {id} never became {status}: {view}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The retry delay is an operator setting; a short one keeps the tests quick.
pub(crate) async fn app_with_quick_retries(mail: &MailServers, extra_ports: &[u16]) -> TestApp {
    app_with_retry_seconds(mail, extra_ports, 1).await
}

/// The same, with the first retry after about `seconds`.
pub(crate) async fn app_with_retry_seconds(mail: &MailServers, extra_ports: &[u16], seconds: u32) -> TestApp {
    app_with_mail(mail, extra_ports, &["--outbox-retry-seconds", &seconds.to_string()]).await
}

async fn outbox_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(app.inspect()).await.unwrap()
}

#[tokio::test]
async fn a_notification_posted_with_the_tenants_key_arrives_through_the_saved_account_once() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", mail.smtps).await;
    let subject = unique("Заказ готов");
    let letter = json!({
        "to": [mail.address("bob")],
        "subject": subject,
        "text": "Здравствуйте! Ваш заказ №42 готов к выдаче.",
        "html": "<p>Здравствуйте! Ваш заказ <b>№42</b> готов к выдаче.</p>",
        "reply_to": mail.address("alice"),
        "idempotency_key": "order-42-ready",
    });
    let (code, queued) = post(&app, &key, "ru", &letter).await;
    assert_eq!(code, 202, "{queued}");
    let id = queued["id"].as_i64().expect("an id");
    assert!(queued["message_id"].as_str().unwrap().ends_with("@pochta.test>"), "{queued}");

    let received = wait_for_message(&mail, "bob", &subject).await;
    assert_eq!(received.from, "Магазин «Ромашка» <alice@pochta.test>", "the sender of the «Почта» tab");
    assert_eq!(
        received.message_id,
        queued["message_id"].as_str().unwrap(),
        "the Message-ID the host application was told"
    );
    assert!(received.body.contains("заказ №42 готов"), "the plain text comes first: {}", received.body);
    let sent = wait_for_status(&app, &key, id, "sent").await;
    assert_eq!(sent["attempts"], 1);
    assert_eq!(sent["last_error"], Value::Null);

    // The host application asks again with the same key (say, after a time-out): the same letter,
    // not a second one.
    let (code, again) = post(&app, &key, "ru", &letter).await;
    assert_eq!(code, 200, "{again}");
    assert_eq!(again["id"], id);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(count_messages(&mail, "bob", &subject).await, 1, "delivered once");
    assert_eq!(outbox_rows(&app).await, 1);
}

#[tokio::test]
async fn refused_input_names_each_field_and_queues_nothing_and_keys_open_only_their_tenants_letters() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", mail.smtps).await;

    let bad = json!({"to": ["not an address"], "subject": "две\nстроки", "text": ""});
    let (code, refused) = post(&app, &key, "en", &bad).await;
    assert_eq!(code, 400, "{refused}");
    assert_eq!(refused["error"], "invalid");
    assert_eq!(refused["fields"]["to"], "Enter an address like user@mailserver, e.g. ivanov@example.com.");
    assert_eq!(
        refused["fields"]["subject"],
        "The value must be a single line, without line breaks or control characters."
    );
    assert_eq!(refused["fields"]["text"], "Please fill in this field.");
    let (code, refused) = post(&app, &key, "ru", &bad).await;
    assert_eq!((code, refused["fields"]["text"].as_str()), (400, Some("Заполните это поле.")), "Russian by default");

    let huge = json!({"to": [mail.address("bob")], "subject": "Большое", "text": "я".repeat(600_000)});
    let (code, refused) = post(&app, &key, "en", &huge).await;
    assert_eq!(code, 413, "{refused}");
    let (code, _) = post(&app, "pochta_not-a-key", "en", &json!({})).await;
    assert_eq!(code, 401);
    assert_eq!(outbox_rows(&app).await, 0, "nothing was queued");

    // Another tenant's key neither sees this tenant's letters nor can it be told they exist.
    let ok = json!({"to": [mail.address("bob")], "subject": unique("Счёт"), "text": "Счёт во вложении."});
    let (code, queued) = post(&app, &key, "ru", &ok).await;
    assert_eq!(code, 202);
    let id = queued["id"].as_i64().unwrap();
    let (_, other_key) = tenant_with_notifications(&app, &mail, "Василёк", mail.smtps).await;
    assert_eq!(get(&app, &other_key, id).await.0, 404);
    assert_eq!(get(&app, &other_key, id + 1000).await.0, 404);
    assert_eq!(get(&app, &key, id).await.0, 200);

    // A revoked key is refused from then on.
    let key_id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM api_keys").fetch_one(app.inspect()).await.unwrap();
    let tenant: i64 = sqlx::query_scalar("SELECT tenant_id FROM api_keys WHERE id = $1")
        .bind(key_id)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    api_keys::revoke(&app.state.db, TenantId(tenant), key_id, None).await.unwrap();
    let (code, refused) = post(&app, &key, "en", &ok).await;
    assert_eq!(code, 401, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("revoked"), "{refused}");
    let stored: String = sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE id = $1")
        .bind(key_id)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert!(!stored.contains(key.trim_start_matches("pochta_")), "only a hash of the key is stored");
}

#[tokio::test]
async fn a_recipient_the_server_refuses_fails_at_once_with_its_explanation_and_no_retry() {
    let mail = MailServers::from_env();
    let app = app_with_quick_retries(&mail, &[]).await;
    let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", mail.smtps).await;
    let letter = json!({"to": [mail.address("nobody-here")], "subject": unique("Никому"), "text": "Текст."});
    let (code, queued) = post(&app, &key, "ru", &letter).await;
    assert_eq!(code, 202);
    let id = queued["id"].as_i64().unwrap();
    let failed = wait_for_status(&app, &key, id, "failed").await;
    assert_eq!(failed["last_error"], "recipient_rejected", "{failed}");
    assert_eq!(failed["explanation"], "Сервер не принял адрес получателя.");
    assert!(failed["server_reply"].as_str().unwrap().starts_with("550"), "{failed}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(get(&app, &key, id).await.1["attempts"], 1, "a lasting refusal is not tried again");
}

/// A port that passes connections on to `target` while `open`, and drops them at once otherwise
/// (a mail server that is down).
async fn switchable_forwarder(target: u16, open: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            if !open.load(Ordering::SeqCst) {
                drop(client);
                continue;
            }
            tokio::spawn(async move {
                if let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn a_server_that_is_down_is_tried_again_and_the_letter_arrives_once_it_is_back() {
    let mail = MailServers::from_env();
    let open = Arc::new(AtomicBool::new(true));
    let port = switchable_forwarder(mail.smtps, open.clone()).await;
    let app = app_with_quick_retries(&mail, &[port]).await;
    let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", port).await;

    open.store(false, Ordering::SeqCst);
    let subject = unique("После сбоя");
    let (code, queued) =
        post(&app, &key, "en", &json!({"to": [mail.address("bob")], "subject": subject, "text": "Текст."})).await;
    assert_eq!(code, 202);
    let id = queued["id"].as_i64().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let waiting = loop {
        let (_, view) = get(&app, &key, id).await;
        if view["attempts"].as_i64().unwrap_or(0) >= 2 {
            break view;
        }
        assert!(tokio::time::Instant::now() < deadline, "not tried again: {view}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(matches!(waiting["status"].as_str(), Some("queued" | "sending")), "{waiting}");
    assert!(waiting["last_error"].is_string(), "the failure is kept for the journal: {waiting}");

    open.store(true, Ordering::SeqCst);
    wait_for_message(&mail, "bob", &subject).await;
    let sent = wait_for_status(&app, &key, id, "sent").await;
    assert!(sent["attempts"].as_i64().unwrap() >= 3, "{sent}");
}

#[tokio::test]
async fn two_app_servers_draining_one_outbox_send_every_letter_exactly_once() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", mail.smtps).await;
    let (second, _) = app.another_instance().await;
    let batch = unique("Партия");
    let mut ids = Vec::new();
    for i in 0..12 {
        let letter = json!({"to": [mail.address("bob")], "subject": format!("{batch} #{i:02}"), "text": "Текст."});
        // Queued on either server: both drain the same outbox.
        let target = if i % 2 == 0 { app.address.clone() } else { second.clone() };
        let response = reqwest::Client::new()
            .post(format!("{target}/api/v1/notifications"))
            .bearer_auth(&key)
            .json(&letter)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 202);
        ids.push(response.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    for id in &ids {
        let sent = wait_for_status(&app, &key, *id, "sent").await;
        assert_eq!(sent["attempts"], 1, "{sent}");
    }
    for i in 0..12 {
        assert_eq!(count_messages(&mail, "bob", &format!("{batch} #{i:02}")).await, 1, "letter {i} exactly once");
    }
}

async fn journal(admin: &Browser, status: &str, before: &str) -> JournalPage {
    in_period(admin, status, before, "", "").await.expect("the journal")
}

async fn in_period(admin: &Browser, status: &str, before: &str, from: &str, to: &str) -> Result<JournalPage, AppError> {
    admin.call("notifications/journal", &[("status", status), ("before", before), ("from", from), ("to", to)]).await
}

#[tokio::test]
async fn the_journal_shows_the_days_asked_for_in_the_tenants_time_zone() {
    use pochta::server::db::outbox::{insert, NewLetter};
    let app = spawn_app_with(&[]).await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let tenant = TenantId(sqlx::query_scalar("SELECT id FROM tenants").fetch_one(app.inspect()).await.unwrap());
    // Queued (Moscow time, UTC+3) on 29.11 at 23:30, on 30.11 at 12:00, on 01.12 at 00:10.
    let moments =
        [("Вечер 29", 1_795_984_200_000_i64), ("Полдень 30", 1_796_029_200_000), ("Ночь 1", 1_796_073_000_000)];
    for (subject, at) in moments {
        let mut tx = app.state.db.write(tenant).await.unwrap();
        let letter = NewLetter {
            via: "crm",
            idempotency_key: None,
            recipients: "client@romashka.test",
            subject,
            text_body: "Текст",
            html_body: None,
            reply_to: None,
            message_id: "<x@romashka.test>",
            now: at,
            give_up_at: at,
        };
        insert(&mut tx, tenant, &letter).await.unwrap();
        tx.commit().await.unwrap();
    }
    let subjects = |from: &'static str, to: &'static str| {
        let admin = admin.clone();
        async move {
            let page = in_period(&admin, "", "", from, to).await.expect("the journal");
            page.entries.into_iter().map(|e| e.subject).collect::<Vec<_>>()
        }
    };
    assert_eq!(subjects("2026-11-30", "2026-11-30").await, ["Полдень 30"]);
    assert_eq!(subjects("2026-11-30", "").await, ["Ночь 1", "Полдень 30"]);
    assert_eq!(subjects("", "2026-11-29").await, ["Вечер 29"]);
    assert_eq!(subjects("2026-12-02", "").await, Vec::<String>::new());
    assert_eq!(subjects("", "").await.len(), 3);

    // In Vladivostok (UTC+10) the same letters fall on other days.
    let _: Value = admin.call("time_zone/set", &[("time_zone", "Asia/Vladivostok")]).await.unwrap();
    assert_eq!(subjects("2026-11-30", "2026-11-30").await, ["Полдень 30", "Вечер 29"]);
    assert_eq!(subjects("2026-12-01", "2026-12-01").await, ["Ночь 1"]);

    let reversed = in_period(&admin, "", "", "2026-12-01", "2026-11-30").await.unwrap_err();
    assert_eq!(reversed.field_problem("to"), Some(Invalid::PeriodReversed));
    let typed = in_period(&admin, "", "", "30.11.2026", "").await.unwrap_err();
    assert_eq!(typed.field_problem("from"), Some(Invalid::DateFormat));
}

#[tokio::test]
async fn the_journal_explains_each_letter_pages_through_them_and_retries_or_cancels_only_its_tenants() {
    let mail = MailServers::from_env();
    let open = Arc::new(AtomicBool::new(true));
    let port = switchable_forwarder(mail.smtps, open.clone()).await;
    let app = app_with_quick_retries(&mail, &[port]).await;
    let (_, _, admin) = tenant_and_admin(&app, &mail, "Ромашка", port).await;

    // The administrator makes a key on the page: shown once, listed by its first characters.
    let made: CreatedApiKey = admin.call("notifications/create_key", &[("name", "Интернет-магазин")]).await.unwrap();
    let keys: Vec<ApiKeyView> = admin.call("notifications/keys", &[]).await.unwrap();
    assert_eq!(keys.len(), 2, "the test's key and this one");
    let listed = keys.iter().find(|k| k.id == made.id).unwrap();
    assert!(made.key.starts_with(&listed.prefix) && listed.prefix.len() < made.key.len() / 2, "{listed:?}");
    let key = made.key;

    // A refused recipient: failed, explained in the administrator's language.
    let (_, refused) =
        post(&app, &key, "en", &json!({"to": [mail.address("nobody-here")], "subject": "Никому", "text": "Т."})).await;
    let refused_id = refused["id"].as_i64().unwrap();
    wait_for_status(&app, &key, refused_id, "failed").await;
    let failed = journal(&admin, "failed", "").await;
    assert_eq!(failed.entries.len(), 1);
    let entry = &failed.entries[0];
    assert_eq!(entry.recipients, [mail.address("nobody-here")]);
    assert_eq!(entry.explanation.as_deref(), Some("Сервер не принял адрес получателя."));
    assert!(entry.server_reply.as_deref().unwrap().starts_with("550"));

    // «Повторить»: queued again and tried again (and refused again).
    let _: () = admin.call("notifications/retry", &[("id", &refused_id.to_string())]).await.unwrap();
    let again = wait_for_status(&app, &key, refused_id, "failed").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while get(&app, &key, refused_id).await.1["attempts"] != 2 {
        assert!(tokio::time::Instant::now() < deadline, "not tried again: {again}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // With the server down, 51 letters wait: the journal pages through them, newest first.
    open.store(false, Ordering::SeqCst);
    let mut ids = Vec::new();
    for i in 0..51 {
        let (code, queued) =
            post(&app, &key, "ru", &json!({"to": [mail.address("bob")], "subject": format!("Ждёт {i}"), "text": "Т."}))
                .await;
        assert_eq!(code, 202);
        ids.push(queued["id"].as_i64().unwrap());
    }
    let first = journal(&admin, "", "").await;
    assert_eq!(first.entries.len(), 50);
    assert_eq!(first.entries[0].subject, "Ждёт 50");
    let older = first.older.expect("a link to earlier letters").to_string();
    let second = journal(&admin, "", &older).await;
    assert_eq!(second.entries.iter().map(|e| e.subject.as_str()).collect::<Vec<_>>(), ["Ждёт 0", "Никому"]);
    assert_eq!(second.older, None);

    // «Отменить» a waiting letter: it is never sent, even once the server is back.
    let waiting = ids[0];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match admin.call::<()>("notifications/cancel", &[("id", &waiting.to_string())]).await {
            Ok(()) => break,
            // Caught in the middle of an attempt: a letter being sent cannot be cancelled.
            Err(AppError::Conflict) => assert!(tokio::time::Instant::now() < deadline, "never cancellable"),
            Err(e) => panic!("{e:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(journal(&admin, "cancelled", "").await.entries.iter().map(|e| e.id).collect::<Vec<_>>(), [waiting]);

    // Another tenant's administrator sees none of it and can change none of it.
    let (_, _, other) = tenant_and_admin(&app, &mail, "Василёк", mail.smtps).await;
    assert!(journal(&other, "", "").await.entries.is_empty());
    let refused = other.call::<()>("notifications/retry", &[("id", &waiting.to_string())]).await.unwrap_err();
    assert_eq!(refused, AppError::NotFound);
    let refused = admin.call::<()>("notifications/retry", &[("id", &ids[1].to_string())]).await.unwrap_err();
    assert_eq!(refused, AppError::Conflict, "a letter still waiting is not queued twice");
    let keys: Vec<ApiKeyView> = other.call("notifications/keys", &[]).await.unwrap();
    assert!(keys.iter().all(|k| k.id != made.id));
    let refused = other.call::<()>("notifications/revoke_key", &[("id", &made.id.to_string())]).await.unwrap_err();
    assert_eq!(refused, AppError::NotFound);

    // «Отозвать»: the host application is refused from then on.
    let _: () = admin.call("notifications/revoke_key", &[("id", &made.id.to_string())]).await.unwrap();
    assert_eq!(post(&app, &key, "ru", &json!({"to": [mail.address("bob")], "subject": "x", "text": "y"})).await.0, 401);
    let cancelled = journal(&admin, "cancelled", "").await;
    assert_eq!(cancelled.entries[0].status, OutboxStatus::Cancelled);
}

#[tokio::test]
async fn without_javascript_a_new_key_is_shown_once_and_the_journal_filters_by_status() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let (_, key, admin) = tenant_and_admin(&app, &mail, "Ромашка", mail.smtps).await;
    let response = admin.submit_plain_form("notifications/create_key", "/notifications", &[("name", "Склад")]).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/notifications");
    let page = admin.get_page("/notifications").await.text().await.unwrap();
    let shown = page.split("<code class=\"secret\">").nth(1).expect("the new key is on the page");
    let new_key = shown.split('<').next().unwrap().to_string();
    assert!(new_key.starts_with("pochta_"), "{new_key}");
    let again = admin.get_page("/notifications").await.text().await.unwrap();
    assert!(!again.contains(&new_key), "shown once only");
    let (code, _) =
        post(&app, &new_key, "ru", &json!({"to": [mail.address("bob")], "subject": unique("Ключ"), "text": "Т."}))
            .await;
    assert_eq!(code, 202, "the key shown works");

    let subject = unique("Никому");
    let (_, queued) =
        post(&app, &key, "ru", &json!({"to": [mail.address("nobody-here")], "subject": subject, "text": "Т."})).await;
    wait_for_status(&app, &key, queued["id"].as_i64().unwrap(), "failed").await;
    let failed = admin.get_page("/notifications?status=failed").await.text().await.unwrap();
    assert!(
        failed.contains(&subject) && failed.contains("Сервер не принял адрес получателя."),
        "the failed letter, explained"
    );
    let sent = admin.get_page("/notifications?status=sent").await.text().await.unwrap();
    assert!(!sent.contains(&subject), "only the status asked for");
}

#[tokio::test]
async fn an_account_sends_no_more_letters_a_minute_than_the_operator_allows_the_rest_wait() {
    let mail = MailServers::from_env();
    let app = app_with_mail(&mail, &[], &["--outbox-per-account-per-minute", "2"]).await;
    let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", mail.smtps).await;
    let batch = unique("Лимит");
    let mut ids = Vec::new();
    for i in 0..3 {
        let letter = json!({"to": [mail.address("bob")], "subject": format!("{batch} #{i}"), "text": "Т."});
        ids.push(post(&app, &key, "ru", &letter).await.1["id"].as_i64().unwrap());
    }
    wait_for_status(&app, &key, ids[0], "sent").await;
    wait_for_status(&app, &key, ids[1], "sent").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Within one minute's window at most two went out; the third waits without counting an
    // attempt (unless the test crossed into the next minute, where it may go).
    let rows: Vec<(String, i64, Option<i64>)> =
        sqlx::query_as("SELECT status, attempts, sent_at FROM outbox ORDER BY id")
            .fetch_all(app.inspect())
            .await
            .unwrap();
    let minute = |at: Option<i64>| at.map(|at| at / 60_000);
    match rows[2].0.as_str() {
        "queued" => assert_eq!(rows[2].1, 0, "waiting for the limit is no attempt"),
        "sent" => assert!(minute(rows[2].2) != minute(rows[0].2) || minute(rows[2].2) != minute(rows[1].2), "{rows:?}"),
        other => panic!("{other}: {rows:?}"),
    }
}

#[tokio::test]
async fn a_tenants_host_application_queues_no_more_letters_a_minute_than_the_operator_allows_and_is_told_when_to_retry()
{
    let mail = MailServers::from_env();
    let limits = ["--notifications-per-tenant-per-minute", "3", "--outbox-tenants-at-once", "0"];
    let app = app_with_mail(&mail, &[], &limits).await;
    let (_, key) = tenant_with_notifications(&app, &mail, "Ромашка", mail.smtps).await;
    let (_, other_key) = tenant_with_notifications(&app, &mail, "Василёк", mail.smtps).await;
    // All four letters within one minute's window: not in its last seconds.
    let into_minute = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() % 60_000;
    if into_minute > 50_000 {
        tokio::time::sleep(Duration::from_millis(60_100 - into_minute as u64)).await;
    }
    let letter = |i: usize| json!({"to": [mail.address("bob")], "subject": format!("Рассылка #{i}"), "text": "Т."});
    for i in 0..3 {
        assert_eq!(post(&app, &key, "ru", &letter(i)).await.0, 202, "letter {i} is within the limit");
    }
    let refused = reqwest::Client::new()
        .post(format!("{}/api/v1/notifications", app.address))
        .bearer_auth(&key)
        .header("Accept-Language", "en")
        .json(&letter(3))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 429);
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(
        body["message"],
        format!("Too many notifications from this organisation this minute. Try again in {retry_after} s.")
    );
    let (code, refused) = post(&app, &key, "ru", &letter(4)).await;
    assert_eq!(code, 429);
    assert!(refused["message"].as_str().unwrap().starts_with("Слишком много уведомлений"), "{refused}");
    assert_eq!(outbox_rows(&app).await, 3, "nothing queued beyond the limit");
    // Another tenant's host application has its own minute.
    assert_eq!(post(&app, &other_key, "ru", &letter(5)).await.0, 202);
}

#[tokio::test]
async fn a_letter_claimed_by_a_server_that_died_is_taken_over_when_its_lease_runs_out_and_sent_once() {
    use pochta::server::db::{now_millis, outbox};
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let (tenant, key) = tenant_with_notifications(&app, &mail, "Ромашка", mail.smtps).await;
    let subject = unique("Брошенное");
    // Another app server queued the letter and claimed it for 3 s, then died (no SIGKILL needed
    // to leave this state: queue and claim in one transaction, never finished).
    let now = now_millis();
    let mut tx = app.state.db.write(tenant).await.unwrap();
    let recipients = mail.address("bob");
    let letter = outbox::NewLetter {
        via: "crm",
        idempotency_key: None,
        recipients: &recipients,
        subject: &subject,
        text_body: "Текст.",
        html_body: None,
        reply_to: None,
        message_id: "<abandoned-claim@pochta.test>",
        now,
        give_up_at: now + 3_600_000,
    };
    let id = outbox::insert(&mut tx, tenant, &letter).await.unwrap().0.id;
    let claimed = outbox::claim(&mut tx, app.state.db.backend(), tenant, (now, now + 3_000), 1).await.unwrap();
    assert_eq!(claimed.iter().map(|l| (l.id, l.attempts)).collect::<Vec<_>>(), [(id, 1)]);
    tx.commit().await.unwrap();

    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (_, view) = get(&app, &key, id).await;
    assert_eq!(
        (view["status"].as_str(), view["attempts"].as_i64()),
        (Some("sending"), Some(1)),
        "the lease is respected"
    );
    assert_eq!(count_messages(&mail, "bob", &subject).await, 0);

    let sent = wait_for_status(&app, &key, id, "sent").await;
    assert_eq!(sent["attempts"], 2, "taken over once");
    let received = wait_for_message(&mail, "bob", &subject).await;
    assert_eq!(received.message_id, "<abandoned-claim@pochta.test>", "the Message-ID it was queued with");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(count_messages(&mail, "bob", &subject).await, 1);
}

/// The system account of the administrator's tenant set to bob's mailbox (password stored), its
/// letters signed `sender_name`.
pub(crate) async fn configure_system_account(admin: &Browser, mail: &MailServers, sender_name: &str) {
    let list: AccountListView = admin.call("accounts/list", &[]).await.expect("the list");
    let account = AccountInput {
        use_for_receiving: String::new(),
        sender_name: sender_name.to_string(),
        password: mail.password.clone(),
        ..editing(manual_account(mail, "bob"), list.system_id.unwrap(), 1)
    };
    admin.submit_account(&account).await.expect("the system account is saved");
}

/// When the certificate in a PEM file expires (Unix ms), read here independently of the app.
fn certificate_expiry(pem_file: &std::path::Path) -> i64 {
    let pem = std::fs::read(pem_file).unwrap();
    let der = rustls_pemfile::certs(&mut pem.as_slice()).next().unwrap().unwrap();
    let (_, certificate) = x509_parser::parse_x509_certificate(&der).unwrap();
    certificate.validity().not_after.timestamp() * 1000
}

#[tokio::test]
async fn a_failing_account_and_an_expiring_certificate_are_shown_and_told_to_the_administrators_once() {
    let mail = MailServers::from_env();
    let open = Arc::new(AtomicBool::new(true));
    let port = switchable_forwarder(mail.smtps, open.clone()).await;
    let app = app_with_quick_retries(&mail, &[port]).await;
    let (_, key, admin) = tenant_with_admin(&app, &mail, "Ромашка", port, &mail.address("frank")).await;
    let sender = unique("Pochta Ромашка");
    configure_system_account(&admin, &mail, &sender).await;
    let (_, _, other_admin) = tenant_and_admin(&app, &mail, "Василёк", mail.smtps).await;
    let warnings = |browser: &Browser| {
        let browser = browser.clone();
        async move { browser.call::<Vec<HealthWarning>>("notifications/health", &[]).await.unwrap() }
    };
    assert_eq!(warnings(&admin).await, vec![], "nothing seen yet");

    // The CRM account's server goes down: the letter is tried again and again.
    open.store(false, Ordering::SeqCst);
    let (_, queued) =
        post(&app, &key, "ru", &json!({"to": [mail.address("bob")], "subject": unique("Заказ"), "text": "Т."})).await;
    let id = queued["id"].as_i64().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while get(&app, &key, id).await.1["attempts"].as_i64().unwrap_or(0) < 4 {
        assert!(tokio::time::Instant::now() < deadline, "not tried four times");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let alice = mail.address("alice");
    let shown = warnings(&admin).await;
    assert!(
        shown.iter().any(|w| matches!(w, HealthWarning::Failing { address, failures, explanation, .. }
            if address == &alice && *failures >= 3 && !explanation.is_empty())),
        "{shown:?}"
    );
    assert_eq!(warnings(&other_admin).await, vec![], "another tenant sees nothing of it");
    // The letters the system account sent frank with this subject (Postfix may file them in any
    // order: the certificate letter it queues once the warning went can come first).
    let told_of = |needle: &'static str| {
        let (mail, sender) = (&mail, &sender);
        async move {
            let letters = matching_messages(mail, "frank", sender).await;
            letters.into_iter().filter(|l| l.subject.contains(needle)).collect::<Vec<_>>()
        }
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let told = loop {
        if let Some(told) = told_of("не отправляет уведомления").await.into_iter().next() {
            break told;
        }
        assert!(tokio::time::Instant::now() < deadline, "the failing account was not told of");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(told.from.contains(&mail.address("bob")), "through the system account: {told:?}");

    // Back: delivered; no longer failing, but its certificate (the test CA's, valid two days)
    // expires within two weeks. Said once for the certificate, which the CRM account and the
    // system account (that sent the warning) both saw on their one server.
    open.store(true, Ordering::SeqCst);
    wait_for_status(&app, &key, id, "sent").await;
    let expires = certificate_expiry(&std::path::Path::new(&mail.ca_file).with_file_name("server.pem"));
    let shown = warnings(&admin).await;
    assert!(!shown.iter().any(|w| matches!(w, HealthWarning::Failing { .. })), "{shown:?}");
    assert!(
        shown.iter().any(|w| matches!(w, HealthWarning::CertificateExpiring { address, expires: at }
            if address == &alice && at.millis == expires)),
        "{shown:?}, expected {expires}"
    );
    let (_, again) =
        post(&app, &key, "ru", &json!({"to": [mail.address("bob")], "subject": unique("Заказ"), "text": "Т."})).await;
    wait_for_status(&app, &key, again["id"].as_i64().unwrap(), "sent").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while told_of("истекает сертификат").await.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the certificate was not told of");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let certificates = told_of("истекает сертификат").await;
    assert_eq!(certificates.len(), 1, "once for both accounts: {certificates:?}");
    assert!(certificates[0].subject.contains("localhost"), "names the server: {certificates:?}");
    let seen: Vec<i64> =
        sqlx::query_scalar("SELECT certificate_told_for FROM account_health WHERE certificate_told_for IS NOT NULL")
            .fetch_all(app.inspect())
            .await
            .unwrap();
    assert_eq!(seen, vec![expires, expires], "both accounts saw it and count it told: {seen:?}");
    assert_eq!(told_of("не отправляет").await.len(), 1, "the failing account was told of once");

    // Saved again (the «Почта» tab): what was seen before no longer counts.
    open_mail_tab(&admin).await;
    let mut form = mail_tab_form(&mail, port, true);
    form.intent = "save".into();
    form.version = "1".into();
    let _: Value = admin.submit("crm_email/submit", &form).await.expect("saved again");
    let shown = warnings(&admin).await;
    let about_alice = |w: &HealthWarning| match w {
        HealthWarning::Failing { address, .. } | HealthWarning::CertificateExpiring { address, .. } => {
            address == &alice
        }
    };
    assert!(!shown.iter().any(about_alice), "after a save the account starts afresh: {shown:?}");
}

/// The operator's command line, on the same database, settings and keys as `app` (the keys in the
/// environment, as an operator would keep them out of the process list).
async fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_pochta"));
    command.args(app.cli_settings()).args(args);
    if let Some(keys) = app.secret_keys() {
        command.env("POCHTA_SECRET_KEYS", keys);
    }
    let output = command.output().await.unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).to_string();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

#[tokio::test]
async fn the_operator_makes_a_key_queues_a_letter_and_revokes_the_key_on_the_command_line() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let (tenant, _) = tenant_with_notifications(&app, &mail, "Ромашка", mail.smtps).await;
    let (other, _) = tenant_with_notifications(&app, &mail, "Василёк", mail.smtps).await;
    let (tenant, other) = (tenant.0.to_string(), other.0.to_string());

    let (ok, out, err) = cli(&app, &["api-key", "create", "--tenant", &tenant, "--name", "Склад"]).await;
    assert!(ok, "{err}");
    let key = out.lines().find(|l| l.starts_with("pochta_")).expect("the key is printed").trim().to_string();
    let key_id = out.split_whitespace().nth(1).expect("its id is printed").to_string();
    let subject = unique("С ключом из командной строки");
    let (code, _) =
        post(&app, &key, "ru", &json!({"to": [mail.address("bob")], "subject": subject, "text": "Т."})).await;
    assert_eq!(code, 202, "the host application uses the key");
    wait_for_message(&mail, "bob", &subject).await;

    // A letter queued by hand, once even when the command is repeated with its key.
    let by_hand = unique("Из командной строки");
    let send = ["notify", "send", "--tenant", &tenant, "--to", &mail.address("bob"), "--subject", &by_hand];
    let idempotency_key = unique("cli");
    let send = [&send[..], &["--text", "Текст.", "--idempotency-key", &idempotency_key]].concat();
    let (ok, out, err) = cli(&app, &send).await;
    assert!(ok && out.contains("queued"), "{out}{err}");
    let (ok, out, _) = cli(&app, &send).await;
    assert!(ok && out.contains("already queued"), "{out}");
    wait_for_message(&mail, "bob", &by_hand).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(count_messages(&mail, "bob", &by_hand).await, 1);

    // Refused input names the field and queues nothing.
    let rows = outbox_rows(&app).await;
    let bad = ["notify", "send", "--tenant", &tenant, "--to", "not an address", "--subject", "x", "--text", "y"];
    let (ok, _, err) = cli(&app, &bad).await;
    assert!(!ok && err.contains("to:"), "{err}");
    assert_eq!(outbox_rows(&app).await, rows);

    // Another tenant's id does not revoke it; its own tenant's does, at once.
    let (ok, _, _) = cli(&app, &["api-key", "revoke", "--tenant", &other, "--id", &key_id]).await;
    assert!(!ok, "another tenant's key is not found");
    assert_eq!(post(&app, &key, "ru", &json!({"to": [mail.address("bob")], "subject": "x", "text": "y"})).await.0, 202);
    let (ok, out, err) = cli(&app, &["api-key", "revoke", "--tenant", &tenant, "--id", &key_id]).await;
    assert!(ok && out.contains("revoked"), "{out}{err}");
    assert_eq!(post(&app, &key, "ru", &json!({"to": [mail.address("bob")], "subject": "x", "text": "y"})).await.0, 401);
}
