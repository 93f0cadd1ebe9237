//! The directory «Учетные записи электронной почты» against real Postfix and Dovecot: automatic
//! and manual setup, the check before saving, «Проверить настройки» over IMAP and POP3, the
//! system account, visibility, and the update notification.

use crate::support::forms::{
    automatic_account, editing, invited_user, mail_tab_form, manual_account, open_mail_tab, receiving_only, saved,
};
use crate::support::mail_servers::{
    find_message, silent_server, spawn_app_with_mail, untrusted_tls_server, wait_for_message, wait_for_subject,
    MailServers,
};
use crate::support::{browser_for, Browser, TestApp};
use pochta::model::accounts::{
    AccountInput, AccountListView, AccountOutcome, AccountView, ConnectionSource, KeptAccount, ServerView,
};
use pochta::model::check::{CheckReport, Method, Reason, Side, Step};
use pochta::model::crm_email::{MailTabInput, MailTabOutcome};
use pochta::model::error::AppError;
use pochta::model::{AccountId, Invalid, Security};

async fn admin_of_new_tenant(app: &TestApp, email: &str) -> Browser {
    app.first_run("Ромашка", email).await
}

fn failed(error: AppError) -> CheckReport {
    match error {
        AppError::CheckFailed(report) => report,
        other => panic!("expected a failed check, got {other:?}"),
    }
}

async fn accounts_named(app: &TestApp, address: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM email_accounts WHERE address_key = $1")
        .bind(address)
        .fetch_one(app.inspect())
        .await
        .unwrap()
}

async fn get(browser: &Browser, id: AccountId) -> Result<AccountView, AppError> {
    browser.call("accounts/get", &[("id", &id.to_string())]).await
}

async fn list(browser: &Browser, args: &[(&str, &str)]) -> AccountListView {
    browser.call("accounts/list", args).await.expect("the list")
}

async fn delete(browser: &Browser, id: AccountId) -> Result<(), AppError> {
    browser.call("accounts/delete", &[("id", &id.to_string())]).await
}

#[tokio::test]
async fn automatic_setup_finds_the_servers_checks_them_and_saves() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let outcome = admin.submit_account(&automatic_account(&mail, "alice")).await.unwrap();
    let AccountOutcome::Saved { id, report } = outcome else { panic!("not saved: {outcome:?}") };
    assert!(
        report.steps.iter().any(|s| s.side == Side::Outgoing && s.step == Step::Data),
        "a sending account sends a message to itself"
    );
    assert!(
        report.steps.iter().any(|s| s.side == Side::Incoming && s.step == Step::Mailbox),
        "a receiving account logs in"
    );
    let letter = wait_for_message(&mail, "alice", "Pochta проверила отправку").await;
    assert_eq!(letter.to, "alice@pochta.test");

    let account = get(&admin, id).await.unwrap();
    assert_eq!(account.connection.provider.as_deref(), Some("pochta-test"));
    assert_eq!(account.connection.smtp.unwrap().port, mail.smtps);
    assert!(account.has_password);
    assert_eq!(account.last_check.ok, Some(true));
    let raw: serde_json::Value = admin.call("accounts/get", &[("id", &id.to_string())]).await.unwrap();
    assert!(!raw.to_string().contains(&mail.password), "the password never leaves the server");
}

#[tokio::test]
async fn an_account_that_fails_its_check_is_not_saved() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let account = AccountInput { password: "не тот".into(), ..manual_account(&mail, "alice") };
    let report = failed(admin.submit_account(&account).await.unwrap_err());
    let failure = report.failure.unwrap();
    assert_eq!((failure.side, failure.reason), (Side::Outgoing, Reason::WrongLoginOrPassword));
    assert_eq!(accounts_named(&app, "alice@pochta.test").await, 0, "the database has no such account");
}

#[tokio::test]
async fn failed_automatic_setup_offers_manual_setup_with_what_was_found() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let account = AccountInput { password: "не тот".into(), ..automatic_account(&mail, "alice") };
    let AccountOutcome::Manual { connection, report, .. } = admin.submit_account(&account).await.unwrap() else {
        panic!("manual setup is offered")
    };
    assert_eq!(connection.smtp.unwrap().host, "localhost");
    assert_eq!(connection.incoming.unwrap().port, mail.imaps);
    assert_eq!(report.unwrap().failure.unwrap().reason, Reason::WrongLoginOrPassword);
    assert_eq!(accounts_named(&app, "alice@pochta.test").await, 0);

    // An address nobody knows: manual setup with the recommended parameters.
    let unknown =
        AccountInput { address: "boss@company-nobody-knows.example".into(), ..automatic_account(&mail, "alice") };
    let AccountOutcome::Manual { connection, .. } = admin.submit_account(&unknown).await.unwrap() else {
        panic!("manual setup is offered")
    };
    assert_eq!(connection.source, ConnectionSource::Defaults);
    assert_eq!(
        connection.smtp,
        Some(ServerView {
            host: "smtp.company-nobody-knows.example".into(),
            port: 465,
            security: Security::Ssl,
            login: "boss@company-nobody-knows.example".into()
        })
    );
    let incoming = connection.incoming.unwrap();
    assert_eq!((incoming.host.as_str(), incoming.port), ("imap.company-nobody-knows.example", 993));
}

#[tokio::test]
async fn next_fills_the_recommended_parameters() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let mut account = AccountInput {
        intent: "next".into(),
        address: "ivan@yandex.ru".into(),
        initial_load_date: "2026-01-15".into(),
        ..manual_account(&mail, "alice")
    };
    let AccountOutcome::Manual { connection, .. } = admin.submit_account(&account).await.unwrap() else {
        panic!("«Далее» leads to manual setup")
    };
    assert_eq!(connection.smtp.unwrap().host, "smtp.yandex.ru");
    assert_eq!(connection.source, ConnectionSource::Found(Method::Preset));
    account.initial_load_date = "15.01.2026".into();
    assert_eq!(
        admin.submit_account(&account).await.unwrap_err().field_problem("initial_load_date"),
        Some(Invalid::DateFormat)
    );
}

/// Delivers `n` messages to `user` (sent through the test Postfix as `user` itself).
async fn deliver(mail: &MailServers, user: &str, n: usize, token: &str) {
    for i in 0..n {
        let text = format!("From: {0}\r\nTo: {0}\r\nSubject: {token} {i}\r\n\r\nhello\r\n", mail.address(user));
        let status = std::process::Command::new("curl")
            .args(["-sS", "--cacert", &mail.ca_file, &format!("smtps://localhost:{}", mail.smtps)])
            .args(["--user", &format!("{}:{}", mail.address(user), mail.password)])
            .args(["--mail-from", &mail.address(user), "--mail-rcpt", &mail.address(user), "-T", "-"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(text.as_bytes())?;
                child.wait()
            })
            .unwrap();
        assert!(status.success());
    }
    wait_for_message(mail, user, &format!("{token} {}", n - 1)).await;
}

async fn check(browser: &Browser, id: AccountId, password: &str) -> Result<CheckReport, AppError> {
    browser.call("accounts/check", &[("id", &id.to_string()), ("password", password)]).await
}

#[tokio::test]
async fn checking_settings_over_imap_counts_messages_since_the_initial_load_date() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    deliver(&mail, "carol", 2, "imap-count").await;
    let account = receiving_only(manual_account(&mail, "carol"), "imap", mail.imaps, "ssl");
    let id = saved(&admin.submit_account(&account).await.unwrap());
    let all = check(&admin, id, "").await.unwrap();
    let total = all.messages.unwrap();
    assert!(total >= 2, "{all:?}");
    assert_eq!(all.steps.last().unwrap().step, Step::Mailbox);

    // Messages before the initial load date are not counted.
    let later = AccountInput { initial_load_date: "2999-01-01".into(), ..editing(account.clone(), id, 1) };
    admin.submit_account(&later).await.unwrap();
    assert_eq!(check(&admin, id, "").await.unwrap().messages, Some(0));
    let earlier = AccountInput { initial_load_date: "2001-01-01".into(), ..editing(account, id, 2) };
    admin.submit_account(&earlier).await.unwrap();
    assert_eq!(check(&admin, id, "").await.unwrap().messages, Some(total));
}

#[tokio::test]
async fn imap_and_pop3_work_with_implicit_tls_and_starttls() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    deliver(&mail, "dave", 1, "pop-count").await;
    for (protocol, port, security) in
        [("imap", mail.imap, "starttls"), ("pop3", mail.pop3s, "ssl"), ("pop3", mail.pop3, "starttls")]
    {
        let account = receiving_only(manual_account(&mail, "dave"), protocol, port, security);
        let account = AccountInput { for_whom: "me".into(), ..account };
        let outcome = admin.submit_account(&account).await.unwrap_or_else(|e| panic!("{protocol} {security}: {e:?}"));
        let id = saved(&outcome);
        let report = check(&admin, id, "").await.unwrap();
        assert!(report.messages.unwrap() >= 1, "{protocol} {security}: {report:?}");
        delete(&admin, id).await.unwrap();
    }
}

#[tokio::test]
async fn incoming_failures_are_explained_and_nothing_is_saved() {
    let silent = silent_server().await;
    let mail = MailServers::from_env();
    let untrusted = untrusted_tls_server(&mail).await;
    let (app, mail) = spawn_app_with_mail(&[silent, untrusted]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let cases = [
        ("imap", mail.imaps, "ssl", "wrong", Reason::WrongLoginOrPassword),
        ("pop3", mail.pop3s, "ssl", "wrong", Reason::WrongLoginOrPassword),
        ("imap", mail.imap, "ssl", "", Reason::SslOnStartTlsPort),
        ("pop3", mail.pop3, "ssl", "", Reason::SslOnStartTlsPort),
        ("imap", mail.imaps, "starttls", "", Reason::StartTlsOnSslPort),
        ("pop3", mail.pop3s, "starttls", "", Reason::StartTlsOnSslPort),
        ("imap", untrusted, "ssl", "", Reason::CertificateUntrusted),
        ("imap", silent, "ssl", "", Reason::Timeout),
        ("pop3", mail.closed, "ssl", "", Reason::Unreachable),
    ];
    for (protocol, port, security, password, expected) in cases {
        let mut account = receiving_only(manual_account(&mail, "erin"), protocol, port, security);
        if !password.is_empty() {
            account.password = password.into();
        }
        let report = failed(admin.submit_account(&account).await.unwrap_err());
        let failure = report.failure.unwrap();
        assert_eq!((failure.side, failure.reason), (Side::Incoming, expected), "{protocol} on {port} with {security}");
    }
    assert_eq!(accounts_named(&app, "erin@pochta.test").await, 0);
}

#[tokio::test]
async fn a_password_that_is_not_stored_is_asked_for_and_forgotten() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let account = AccountInput { remember_password: String::new(), ..manual_account(&mail, "frank") };
    let id = saved(&admin.submit_account(&account).await.unwrap());
    let stored: Option<String> = sqlx::query_scalar("SELECT password FROM email_accounts WHERE id = $1")
        .bind(id.0)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(stored, None, "«Запомнить пароль» off: nothing stored");

    assert_eq!(check(&admin, id, "").await.unwrap_err().field_problem("password"), Some(Invalid::PasswordForCheck));
    let report = check(&admin, id, &mail.password).await.unwrap();
    assert!(report.passed());
    let stored: Option<String> = sqlx::query_scalar("SELECT password FROM email_accounts WHERE id = $1")
        .bind(id.0)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(stored, None, "the typed password was forgotten");
    let checked: Option<i64> = sqlx::query_scalar("SELECT last_check_ok FROM email_accounts WHERE id = $1")
        .bind(id.0)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(checked, Some(1));

    // A failing check is recorded with its reason.
    let _ = check(&admin, id, "не тот").await.unwrap_err();
    let (ok, reason): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT last_check_ok, last_check_reason FROM email_accounts WHERE id = $1")
            .bind(id.0)
            .fetch_one(app.inspect())
            .await
            .unwrap();
    assert_eq!((ok, reason.as_deref()), (Some(0), Some("wrong_login_or_password")));
}

#[tokio::test]
async fn changing_the_server_requires_the_password_again() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let account = manual_account(&mail, "alice");
    let id = saved(&admin.submit_account(&account).await.unwrap());
    let renamed = AccountInput { sender_name: "Продажи".into(), ..editing(account, id, 1) };
    admin.submit_account(&renamed).await.expect("unchanged servers: the stored password is used");
    let mut moved = AccountInput {
        smtp_port: mail.smtp_starttls.to_string(),
        smtp_security: "starttls".into(),
        ..editing(renamed, id, 2)
    };
    assert_eq!(
        admin.submit_account(&moved).await.unwrap_err().field_problem("password"),
        Some(Invalid::PasswordRequiredAfterServerChange)
    );
    moved.password = mail.password.clone();
    admin.submit_account(&moved).await.unwrap();
    // A stale form is a conflict, not a silent overwrite.
    assert_eq!(admin.submit_account(&moved).await.unwrap_err(), AppError::Conflict);
}

#[tokio::test]
async fn the_system_account_exists_for_every_tenant_cannot_be_deleted_and_keeps_its_password() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let other = app.new_tenant("Василёк", "vera@vasilek.test").await;
    for browser in [&admin, &other] {
        let list = list(browser, &[]).await;
        assert!(list.rows[0].is_system, "listed first");
        assert_eq!(list.system_id, Some(list.rows[0].id));
    }
    let system = list(&admin, &[]).await.system_id.unwrap();
    // A search that finds nothing still offers the system account's settings.
    let nothing = list(&admin, &[("q", "нет такой записи")]).await;
    assert!(nothing.rows.is_empty());
    assert_eq!(nothing.system_id, Some(system));
    assert_eq!(delete(&admin, system).await.unwrap_err(), AppError::Forbidden);

    let mut account = AccountInput {
        use_for_receiving: String::new(),
        remember_password: String::new(),
        password: mail.password.clone(),
        ..editing(manual_account(&mail, "alice"), system, 1)
    };
    assert_eq!(
        admin.submit_account(&account).await.unwrap_err().field_problem("remember_password"),
        Some(Invalid::PasswordRequiredForAutomaticUse)
    );
    account.remember_password = "true".into();
    admin.submit_account(&account).await.unwrap();
    let saved = get(&admin, system).await.unwrap();
    assert_eq!((saved.is_system, saved.address.as_str()), (true, "alice@pochta.test"));
}

#[tokio::test]
async fn after_an_update_the_administrators_are_told_through_the_system_account() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, &mail.address("bob")).await;
    let system = list(&admin, &[]).await.system_id.unwrap();
    let account = AccountInput {
        use_for_receiving: String::new(),
        sender_name: format!("Pochta {}", std::process::id()),
        password: mail.password.clone(),
        ..editing(manual_account(&mail, "alice"), system, 1)
    };
    admin.submit_account(&account).await.unwrap();

    // The database last saw an older version; the app starts again on this one.
    sqlx::query("UPDATE app_meta SET value = '0.0.1' WHERE key = 'app_version'").execute(app.inspect()).await.unwrap();
    app.another_instance().await;
    let version = env!("CARGO_PKG_VERSION");
    // By its subject too: the delivery may be followed by the test certificate's expiry warning
    // (valid for two days) from the same sender, and either may be delivered first.
    let letter = wait_for_subject(&mail, "bob", &account.sender_name, "обновление завершено").await;
    assert!(letter.from.contains("alice@pochta.test"), "sent by the system account: {letter:?}");
    assert!(letter.subject.contains(version), "{letter:?}");
    assert_eq!(notification_outcome(&app).await, "queued");
    // Through the outbox: in «Журнал отправки» as sent, so a failure would be retried and shown.
    let mut status = String::new();
    for _ in 0..100 {
        status = sqlx::query_scalar("SELECT status FROM outbox WHERE via = 'system'")
            .fetch_one(app.inspect())
            .await
            .unwrap();
        if status == "sent" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "sent");

    // Started again on the same version: nobody is told twice.
    let (third_address, _) = app.another_instance().await;
    drop(browser_for(&third_address));
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications").fetch_one(app.inspect()).await.unwrap();
    assert_eq!(count, 1);
}

/// The recorded outcome of the update notification, once the sending instance has finished.
pub async fn notification_outcome(app: &TestApp) -> String {
    for _ in 0..100 {
        let outcome: Option<String> =
            sqlx::query_scalar("SELECT outcome FROM notifications").fetch_optional(app.inspect()).await.unwrap();
        match outcome {
            Some(o) if o != "sending" => return o,
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    panic!("the notification was not finished within 10 s");
}

#[tokio::test]
async fn without_a_stored_password_the_system_account_cannot_notify_and_says_so() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    admin_of_new_tenant(&app, &mail.address("carol")).await;
    sqlx::query("UPDATE app_meta SET value = '0.0.1' WHERE key = 'app_version'").execute(app.inspect()).await.unwrap();
    app.another_instance().await;
    assert_eq!(notification_outcome(&app).await, "not_configured");
    assert!(find_message(&mail, "carol", "обновление завершено").await.is_none());
}

#[tokio::test]
async fn personal_accounts_are_invisible_to_other_users_and_only_administrators_share() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let mut users = Vec::new();
    for email in ["user1@romashka.test", "user2@romashka.test"] {
        users.push(invited_user(&app, &admin, email, "user", "пароль пользователя").await);
    }
    let (first, second) = (&users[0], &users[1]);

    let shared = AccountInput { for_whom: "all".into(), ..manual_account(&mail, "bob") };
    assert_eq!(
        first.submit_account(&shared).await.unwrap_err().field_problem("for_whom"),
        Some(Invalid::SharedAccountsAdminOnly)
    );
    let personal = AccountInput { for_whom: "me".into(), ..manual_account(&mail, "bob") };
    let id = saved(&first.submit_account(&personal).await.unwrap());

    let addresses = |list: AccountListView| list.rows.into_iter().map(|r| r.address).collect::<Vec<_>>();
    assert!(addresses(list(first, &[]).await).contains(&"bob@pochta.test".to_string()));
    for other in [second, &admin] {
        assert!(!addresses(list(other, &[]).await).contains(&"bob@pochta.test".to_string()));
        assert_eq!(get(other, id).await.unwrap_err(), AppError::NotFound);
        assert_eq!(check(other, id, "").await.unwrap_err(), AppError::NotFound);
        assert_eq!(delete(other, id).await.unwrap_err(), AppError::NotFound);
    }
    // A shared account is visible to users but only administrators change it.
    let shared_id = saved(&admin.submit_account(&shared).await.unwrap());
    assert!(!get(second, shared_id).await.unwrap().can_edit);
    let edit = AccountInput { for_whom: "me".into(), ..editing(shared, shared_id, 1) };
    assert_eq!(second.submit_account(&edit).await.unwrap_err(), AppError::Forbidden);
    assert_eq!(delete(second, shared_id).await.unwrap_err(), AppError::Forbidden);
}

#[tokio::test]
async fn the_list_is_searchable_sorted_and_paged() {
    let (app, _mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    // Many accounts at once, written directly: each would otherwise need a mail check.
    let tenant: i64 = sqlx::query_scalar("SELECT id FROM tenants").fetch_one(app.inspect()).await.unwrap();
    for i in 0..120 {
        sqlx::query(
            "INSERT INTO email_accounts (tenant_id, name, address, address_key, sender_name, use_for_sending, created_at, updated_at) \
             VALUES ($1, $2, $3, $3, $4, 1, 0, 0)",
        )
        .bind(tenant)
        .bind(format!("Ящик {i:03}"))
        .bind(format!("box{i:03}@example.com"))
        .bind(if i % 2 == 0 { "Чётный" } else { "Нечётный" })
        .execute(app.inspect())
        .await
        .unwrap();
    }
    let page = list(&admin, &[]).await;
    assert_eq!(page.rows.len(), 50);
    assert!(page.has_more);
    assert!(page.rows[0].is_system);
    let last = list(&admin, &[("page", "2")]).await;
    assert_eq!(last.rows.len(), 21);
    assert!(!last.has_more);

    let found = list(&admin, &[("q", "BOX11")]).await;
    let addresses: Vec<_> = found.rows.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(addresses.len(), 10, "box110…box119: {addresses:?}");
    assert!(addresses.iter().all(|a| a.contains("box11")), "case-insensitive: {addresses:?}");
    assert_eq!(list(&admin, &[("q", "%")]).await.rows.len(), 0, "search text is literal, not a pattern");

    let by_sender = list(&admin, &[("sort", "sender")]).await;
    assert_eq!(by_sender.rows[1].sender_name, "Нечётный");
}

#[tokio::test]
async fn an_account_used_by_the_crm_settings_cannot_be_deleted() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    open_mail_tab(&admin).await;
    let form =
        MailTabInput { intent: "save".into(), recipient: String::new(), ..mail_tab_form(&mail, mail.smtps, true) };
    let _: MailTabOutcome = admin.submit("crm_email/submit", &form).await.unwrap();
    let id = list(&admin, &[("q", "alice")]).await.rows[0].id;
    assert_eq!(delete(&admin, id).await.unwrap_err(), AppError::InUse);
}

#[tokio::test]
async fn a_search_too_long_to_be_a_name_is_refused_at_the_field() {
    let (app, _mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let long = "%_".repeat(50_000);
    let refused = admin.call::<AccountListView>("accounts/list", &[("q", &long)]).await.unwrap_err();
    assert_eq!(refused.field_problem("q"), Some(Invalid::TooLong(200)));
}

#[tokio::test]
async fn a_user_who_may_not_change_a_shared_account_leaves_its_last_check_alone() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let shared = saved(&admin.submit_account(&manual_account(&mail, "bob")).await.unwrap());
    let user = invited_user(&app, &admin, "user@romashka.test", "user", "пароль пользователя").await;
    // The user may check it with a password of their own (a wrong one here)…
    let report = failed(check(&user, shared, "не тот").await.unwrap_err());
    assert_eq!(report.failure.unwrap().reason, Reason::WrongLoginOrPassword);
    // …but the directory still shows the administrator's passed check.
    assert_eq!(get(&admin, shared).await.unwrap().last_check.ok, Some(true));
}

#[tokio::test]
async fn without_javascript_an_automatic_setup_that_failed_returns_to_the_editor_with_what_was_found_and_typed() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let address = mail.address("dave");
    let typed = [
        ("intent", "create"),
        ("address", address.as_str()),
        ("password", "неверный-пароль-42"),
        ("remember_password", "true"),
        ("use_for_sending", "true"),
        ("use_for_receiving", "true"),
        ("for_whom", "all"),
        ("sender_name", "Ящик Дэйва"),
        ("mode", "auto"),
        ("same_credentials", "true"),
    ];
    let response =
        admin.submit_plain_form("accounts/submit", "/directories/email-accounts/new?__err=e30", &typed).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let run = location
        .strip_prefix("/directories/email-accounts/new?run=")
        .unwrap_or_else(|| panic!("back to the editor: {location}"));

    let kept: Option<KeptAccount> = admin.call("accounts/kept", &[("run", run)]).await.unwrap();
    let kept = kept.expect("kept");
    let Ok(AccountOutcome::Manual { connection, report: Some(report), .. }) = &kept.outcome else {
        panic!("manual setup with the failed check: {kept:?}")
    };
    assert_eq!(report.failure.as_ref().unwrap().reason, Reason::WrongLoginOrPassword);
    assert_eq!(connection.smtp.as_ref().unwrap().port, mail.smtps);
    assert_eq!((kept.typed.sender_name.as_str(), kept.typed.password.as_str()), ("Ящик Дэйва", ""));

    let page = admin.get_page(&location).await.text().await.unwrap();
    assert!(page.contains("id=\"automatic-stopped\""), "why automatic setup stopped");
    assert!(page.contains(&format!("value=\"{address}\"")), "the address as typed");
    assert!(page.contains("value=\"Ящик Дэйва\""), "the sender name as typed");
    assert!(page.contains(&format!("value=\"{}\"", mail.smtps)), "the servers found");
    assert!(!page.contains("неверный-пароль-42"), "never the password");
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event FROM check_events").fetch_all(app.inspect()).await.unwrap();
    assert!(events.iter().all(|e| !e.contains("неверный-пароль-42")), "the password is kept nowhere");
    assert_eq!(accounts_named(&app, &address).await, 0, "nothing saved");

    // Another user of the tenant does not see it.
    let vera = invited_user(&app, &admin, "vera@romashka.test", "admin", "пароль веры 2026").await;
    let theirs: Option<KeptAccount> = vera.call("accounts/kept", &[("run", run)]).await.unwrap();
    assert_eq!(theirs, None);
}
