//! The directory «Учетные записи электронной почты» against real Postfix and Dovecot: automatic
//! and manual setup, the check before saving, «Проверить настройки» over IMAP and POP3, the
//! system account, visibility, and the update notification.

use crate::helpers::{browser_for, Browser, TestApp};
use crate::mail_servers::{
    find_message, silent_server, spawn_app_with_mail, untrusted_tls_server, wait_for_message, MailServers,
};
use pochta::error::AppError;
use pochta::mail_check::{CheckReport, Reason, Side, Step};
use pochta::model::Invalid;
use serde_json::Value;

const PASSWORD: &str = "очень надёжный пароль";

/// The account form, with the fields a test changes.
#[derive(Clone)]
pub struct Account {
    pub intent: &'static str,
    pub id: i64,
    pub version: i64,
    pub address: String,
    pub password: String,
    pub remember: bool,
    pub sending: bool,
    pub receiving: bool,
    pub for_whom: &'static str,
    pub sender_name: String,
    pub mode: &'static str,
    pub initial_load_date: String,
    pub smtp: (String, u16, &'static str, String),
    pub incoming: (&'static str, String, u16, &'static str, String),
    pub same_credentials: bool,
    pub incoming_password: String,
    /// The live report's run id (empty: no live report).
    pub run_id: String,
}

impl Account {
    pub fn automatic(mail: &MailServers, user: &str) -> Self {
        Self {
            intent: "create",
            id: 0,
            version: 0,
            address: mail.address(user),
            password: mail.password.clone(),
            remember: true,
            sending: true,
            receiving: true,
            for_whom: "all",
            sender_name: "Отдел продаж".into(),
            mode: "auto",
            initial_load_date: String::new(),
            smtp: (String::new(), 0, "ssl", String::new()),
            incoming: ("imap", String::new(), 0, "ssl", String::new()),
            same_credentials: true,
            incoming_password: String::new(),
            run_id: String::new(),
        }
    }

    pub fn manual(mail: &MailServers, user: &str) -> Self {
        Self {
            mode: "manual",
            smtp: ("localhost".into(), mail.smtps, "ssl", mail.address(user)),
            incoming: ("imap", "localhost".into(), mail.imaps, "ssl", mail.address(user)),
            ..Self::automatic(mail, user)
        }
    }

    fn receiving_only(mut self, protocol: &'static str, port: u16, security: &'static str) -> Self {
        self.sending = false;
        self.receiving = true;
        self.incoming.0 = protocol;
        self.incoming.2 = port;
        self.incoming.3 = security;
        self
    }

    pub async fn submit(&self, browser: &Browser) -> Result<Value, AppError> {
        let (id, version) = (self.id.to_string(), self.version.to_string());
        let (smtp_port, incoming_port) = (self.smtp.1.to_string(), self.incoming.2.to_string());
        let mut args = vec![
            ("intent", self.intent),
            ("id", &id),
            ("version", &version),
            ("address", &self.address),
            ("password", &self.password),
            ("for_whom", self.for_whom),
            ("sender_name", &self.sender_name),
            ("mode", self.mode),
            ("initial_load_date", &self.initial_load_date),
            ("smtp_host", &self.smtp.0),
            ("smtp_port", &smtp_port),
            ("smtp_security", self.smtp.2),
            ("smtp_login", &self.smtp.3),
            ("incoming_protocol", self.incoming.0),
            ("incoming_host", &self.incoming.1),
            ("incoming_port", &incoming_port),
            ("incoming_security", self.incoming.3),
            ("incoming_login", &self.incoming.4),
            ("incoming_password", &self.incoming_password),
            ("run_id", &self.run_id),
        ];
        for (flag, name) in [
            (self.remember, "remember_password"),
            (self.sending, "use_for_sending"),
            (self.receiving, "use_for_receiving"),
            (self.same_credentials, "same_credentials"),
        ] {
            if flag {
                args.push((name, "true"));
            }
        }
        browser.call("accounts/submit", &args).await
    }
}

async fn admin_of_new_tenant(app: &TestApp, email: &str) -> Browser {
    app.first_run("Ромашка", email, PASSWORD).await
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

async fn saved_id(outcome: &Value) -> i64 {
    outcome["Saved"]["id"].as_i64().unwrap_or_else(|| panic!("not saved: {outcome}"))
}

#[tokio::test]
async fn automatic_setup_finds_the_servers_checks_them_and_saves() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let outcome = Account::automatic(&mail, "alice").submit(&admin).await.unwrap();
    let id = saved_id(&outcome).await;
    let report: CheckReport = serde_json::from_value(outcome["Saved"]["report"].clone()).unwrap();
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

    let account: Value = admin.call("accounts/get", &[("id", &id.to_string())]).await.unwrap();
    assert_eq!(account["connection"]["provider"], "pochta-test");
    assert_eq!(account["connection"]["smtp"]["port"], mail.smtps);
    assert_eq!(account["has_password"], true);
    assert_eq!(account["last_check_ok"], true);
    assert!(account.get("password").is_none());
}

#[tokio::test]
async fn an_account_that_fails_its_check_is_not_saved() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let mut account = Account::manual(&mail, "alice");
    account.password = "не тот".into();
    let report = failed(account.submit(&admin).await.unwrap_err());
    let failure = report.failure.unwrap();
    assert_eq!((failure.side, failure.reason), (Side::Outgoing, Reason::WrongLoginOrPassword));
    assert_eq!(accounts_named(&app, "alice@pochta.test").await, 0, "the database has no such account");
}

#[tokio::test]
async fn failed_automatic_setup_offers_manual_setup_with_what_was_found() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let mut account = Account::automatic(&mail, "alice");
    account.password = "не тот".into();
    let outcome = account.submit(&admin).await.unwrap();
    let manual = &outcome["Manual"];
    assert_eq!(manual["connection"]["smtp"]["host"], "localhost");
    assert_eq!(manual["connection"]["incoming"]["port"], mail.imaps);
    assert_eq!(manual["report"]["failure"]["reason"], "WrongLoginOrPassword");
    assert_eq!(accounts_named(&app, "alice@pochta.test").await, 0);

    // An address nobody knows: manual setup with the recommended parameters.
    let mut unknown = Account::automatic(&mail, "alice");
    unknown.address = "boss@company-nobody-knows.example".into();
    let outcome = unknown.submit(&admin).await.unwrap();
    let connection = &outcome["Manual"]["connection"];
    assert_eq!(connection["source"], "defaults");
    assert_eq!(
        connection["smtp"],
        serde_json::json!({"host": "smtp.company-nobody-knows.example", "port": 465, "security": "Ssl", "login": "boss@company-nobody-knows.example"})
    );
    assert_eq!(connection["incoming"]["host"], "imap.company-nobody-knows.example");
    assert_eq!(connection["incoming"]["port"], 993);
}

#[tokio::test]
async fn next_fills_the_recommended_parameters() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let mut account = Account::manual(&mail, "alice");
    account.intent = "next";
    account.address = "ivan@yandex.ru".into();
    account.initial_load_date = "2026-01-15".into();
    let outcome = account.submit(&admin).await.unwrap();
    assert_eq!(outcome["Manual"]["connection"]["smtp"]["host"], "smtp.yandex.ru");
    assert_eq!(outcome["Manual"]["connection"]["source"], "preset");
    account.initial_load_date = "15.01.2026".into();
    assert_eq!(account.submit(&admin).await.unwrap_err().field_problem("initial_load_date"), Some(Invalid::DateFormat));
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

async fn check(browser: &Browser, id: i64, password: &str) -> Result<CheckReport, AppError> {
    browser.call("accounts/check", &[("id", &id.to_string()), ("password", password)]).await
}

#[tokio::test]
async fn checking_settings_over_imap_counts_messages_since_the_initial_load_date() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    deliver(&mail, "carol", 2, "imap-count").await;
    let mut account = Account::manual(&mail, "carol").receiving_only("imap", mail.imaps, "ssl");
    let id = saved_id(&account.submit(&admin).await.unwrap()).await;
    let all = check(&admin, id, "").await.unwrap();
    let total = all.messages.unwrap();
    assert!(total >= 2, "{all:?}");
    assert_eq!(all.steps.last().unwrap().step, Step::Mailbox);

    // Messages before the initial load date are not counted.
    account.intent = "save";
    account.id = id;
    account.version = 1;
    account.password = String::new();
    account.initial_load_date = "2999-01-01".into();
    account.submit(&admin).await.unwrap();
    assert_eq!(check(&admin, id, "").await.unwrap().messages, Some(0));
    account.version = 2;
    account.initial_load_date = "2001-01-01".into();
    account.submit(&admin).await.unwrap();
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
        let mut account = Account::manual(&mail, "dave").receiving_only(protocol, port, security);
        account.for_whom = "me";
        let outcome = account.submit(&admin).await.unwrap_or_else(|e| panic!("{protocol} {security}: {e:?}"));
        let id = saved_id(&outcome).await;
        let report = check(&admin, id, "").await.unwrap();
        assert!(report.messages.unwrap() >= 1, "{protocol} {security}: {report:?}");
        admin.call::<Value>("accounts/delete", &[("id", &id.to_string())]).await.unwrap();
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
        let mut account = Account::manual(&mail, "erin").receiving_only(protocol, port, security);
        if !password.is_empty() {
            account.password = password.into();
        }
        let report = failed(account.submit(&admin).await.unwrap_err());
        let failure = report.failure.unwrap();
        assert_eq!((failure.side, failure.reason), (Side::Incoming, expected), "{protocol} on {port} with {security}");
    }
    assert_eq!(accounts_named(&app, "erin@pochta.test").await, 0);
}

#[tokio::test]
async fn a_password_that_is_not_stored_is_asked_for_and_forgotten() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let mut account = Account::manual(&mail, "frank");
    account.remember = false;
    let id = saved_id(&account.submit(&admin).await.unwrap()).await;
    let stored: Option<String> = sqlx::query_scalar("SELECT password FROM email_accounts WHERE id = $1")
        .bind(id)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(stored, None, "«Запомнить пароль» off: nothing stored");

    assert_eq!(check(&admin, id, "").await.unwrap_err().field_problem("password"), Some(Invalid::PasswordForCheck));
    let report = check(&admin, id, &mail.password).await.unwrap();
    assert!(report.passed());
    let stored: Option<String> = sqlx::query_scalar("SELECT password FROM email_accounts WHERE id = $1")
        .bind(id)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(stored, None, "the typed password was forgotten");
    let checked: Option<i64> = sqlx::query_scalar("SELECT last_check_ok FROM email_accounts WHERE id = $1")
        .bind(id)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(checked, Some(1));

    // A failing check is recorded with its reason.
    let _ = check(&admin, id, "не тот").await.unwrap_err();
    let (ok, reason): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT last_check_ok, last_check_reason FROM email_accounts WHERE id = $1")
            .bind(id)
            .fetch_one(app.inspect())
            .await
            .unwrap();
    assert_eq!((ok, reason.as_deref()), (Some(0), Some("wrong_login_or_password")));
}

#[tokio::test]
async fn changing_the_server_requires_the_password_again() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let mut account = Account::manual(&mail, "alice");
    let id = saved_id(&account.submit(&admin).await.unwrap()).await;
    account.intent = "save";
    account.id = id;
    account.version = 1;
    account.password = String::new();
    account.sender_name = "Продажи".into();
    account.submit(&admin).await.expect("unchanged servers: the stored password is used");
    account.version = 2;
    account.smtp.1 = mail.smtp_starttls;
    account.smtp.2 = "starttls";
    assert_eq!(
        account.submit(&admin).await.unwrap_err().field_problem("password"),
        Some(Invalid::PasswordRequiredAfterServerChange)
    );
    account.password = mail.password.clone();
    account.submit(&admin).await.unwrap();
    // A stale form is a conflict, not a silent overwrite.
    account.version = 2;
    assert_eq!(account.submit(&admin).await.unwrap_err(), AppError::Conflict);
}

#[tokio::test]
async fn the_system_account_exists_for_every_tenant_cannot_be_deleted_and_keeps_its_password() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    let other = app.new_tenant("Василёк", "vera@vasilek.test", PASSWORD).await;
    for browser in [&admin, &other] {
        let list: Value = browser.call("accounts/list", &[]).await.unwrap();
        assert_eq!(list["rows"][0]["is_system"], true, "listed first");
        assert_eq!(list["system_id"], list["rows"][0]["id"]);
    }
    let list: Value = admin.call("accounts/list", &[]).await.unwrap();
    let system = list["system_id"].as_i64().unwrap();
    assert_eq!(
        admin.call::<Value>("accounts/delete", &[("id", &system.to_string())]).await.unwrap_err(),
        AppError::Forbidden
    );

    let mut account = Account::manual(&mail, "alice");
    account.intent = "save";
    account.id = system;
    account.version = 1;
    account.receiving = false;
    account.remember = false;
    assert_eq!(
        account.submit(&admin).await.unwrap_err().field_problem("remember_password"),
        Some(Invalid::PasswordRequiredForAutomaticUse)
    );
    account.remember = true;
    account.submit(&admin).await.unwrap();
    let saved: Value = admin.call("accounts/get", &[("id", &system.to_string())]).await.unwrap();
    assert_eq!((saved["is_system"].as_bool(), saved["address"].as_str()), (Some(true), Some("alice@pochta.test")));
}

#[tokio::test]
async fn after_an_update_the_administrators_are_told_through_the_system_account() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, &mail.address("bob")).await;
    let list: Value = admin.call("accounts/list", &[]).await.unwrap();
    let system = list["system_id"].as_i64().unwrap();
    let mut account = Account::manual(&mail, "alice");
    account.intent = "save";
    account.id = system;
    account.version = 1;
    account.receiving = false;
    account.sender_name = format!("Pochta {}", std::process::id());
    account.submit(&admin).await.unwrap();

    // The database last saw an older version; the app starts again on this one.
    sqlx::query("UPDATE app_meta SET value = '0.0.1' WHERE key = 'app_version'").execute(app.inspect()).await.unwrap();
    app.another_instance().await;
    let version = env!("CARGO_PKG_VERSION");
    let letter = wait_for_message(&mail, "bob", &account.sender_name).await;
    assert!(letter.from.contains("alice@pochta.test"), "sent by the system account: {letter:?}");
    assert!(letter.subject.contains("обновление завершено"), "{letter:?}");
    assert!(letter.subject.contains(version), "{letter:?}");
    assert_eq!(notification_outcome(&app).await, "sent");

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
        let invitation: Value = admin
            .call(
                "users/add",
                &[("email", email), ("name", "Пользователь"), ("role", "user"), ("first_password", "link")],
            )
            .await
            .unwrap();
        let token = invitation["Link"]["path"].as_str().unwrap().split("token=").nth(1).unwrap().to_string();
        let browser = app.browser();
        browser
            .call::<Value>(
                "set_password",
                &[("token", &token), ("password", "пароль пользователя"), ("password_again", "пароль пользователя")],
            )
            .await
            .unwrap();
        users.push(browser);
    }
    let (first, second) = (&users[0], &users[1]);

    let mut shared = Account::manual(&mail, "bob");
    shared.for_whom = "all";
    assert_eq!(
        shared.submit(first).await.unwrap_err().field_problem("for_whom"),
        Some(Invalid::SharedAccountsAdminOnly)
    );
    let mut personal = Account::manual(&mail, "bob");
    personal.for_whom = "me";
    let id = saved_id(&personal.submit(first).await.unwrap()).await.to_string();

    let rows = |list: Value| {
        list["rows"].as_array().unwrap().iter().map(|r| r["address"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert!(rows(first.call("accounts/list", &[]).await.unwrap()).contains(&"bob@pochta.test".to_string()));
    for other in [second, &admin] {
        assert!(!rows(other.call("accounts/list", &[]).await.unwrap()).contains(&"bob@pochta.test".to_string()));
        assert_eq!(other.call::<Value>("accounts/get", &[("id", &id)]).await.unwrap_err(), AppError::NotFound);
        assert_eq!(other.call::<Value>("accounts/check", &[("id", &id)]).await.unwrap_err(), AppError::NotFound);
        assert_eq!(other.call::<Value>("accounts/delete", &[("id", &id)]).await.unwrap_err(), AppError::NotFound);
    }
    // A shared account is visible to users but only administrators change it.
    let shared_id = saved_id(&shared.submit(&admin).await.unwrap()).await;
    let seen: Value = second.call("accounts/get", &[("id", &shared_id.to_string())]).await.unwrap();
    assert_eq!(seen["can_edit"], false);
    let mut edit = shared.clone();
    edit.intent = "save";
    edit.id = shared_id;
    edit.version = 1;
    edit.for_whom = "me";
    assert_eq!(edit.submit(second).await.unwrap_err(), AppError::Forbidden);
    assert_eq!(
        second.call::<Value>("accounts/delete", &[("id", &shared_id.to_string())]).await.unwrap_err(),
        AppError::Forbidden
    );
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
    let page: Value = admin.call("accounts/list", &[]).await.unwrap();
    assert_eq!(page["rows"].as_array().unwrap().len(), 50);
    assert_eq!(page["has_more"], true);
    assert_eq!(page["rows"][0]["is_system"], true);
    let last: Value = admin.call("accounts/list", &[("page", "2")]).await.unwrap();
    assert_eq!(last["rows"].as_array().unwrap().len(), 21);
    assert_eq!(last["has_more"], false);

    let found: Value = admin.call("accounts/list", &[("q", "BOX11")]).await.unwrap();
    let addresses: Vec<_> = found["rows"].as_array().unwrap().iter().map(|r| r["address"].as_str().unwrap()).collect();
    assert_eq!(addresses.len(), 10, "box110…box119: {addresses:?}");
    assert!(addresses.iter().all(|a| a.contains("box11")), "case-insensitive: {addresses:?}");
    let percent: Value = admin.call("accounts/list", &[("q", "%")]).await.unwrap();
    assert_eq!(percent["rows"].as_array().unwrap().len(), 0, "search text is literal, not a pattern");

    let by_sender: Value = admin.call("accounts/list", &[("sort", "sender")]).await.unwrap();
    assert_eq!(by_sender["rows"][1]["sender_name"], "Нечётный");
}

#[tokio::test]
async fn an_account_used_by_the_crm_settings_cannot_be_deleted() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = admin_of_new_tenant(&app, "anna@romashka.test").await;
    crate::setup::open_mail_tab(&admin).await;
    let port = mail.smtps.to_string();
    admin
        .call::<Value>(
            "mail_tab/submit",
            &[
                ("intent", "save"),
                ("provider", "other"),
                ("smtp_host", "localhost"),
                ("smtp_port", &port),
                ("use_ssl", "true"),
                ("login", "alice@pochta.test"),
                ("password", &mail.password),
                ("sender_name", "Ромашка"),
                ("sender_email", "alice@pochta.test"),
            ],
        )
        .await
        .unwrap();
    let list: Value = admin.call("accounts/list", &[("q", "alice")]).await.unwrap();
    let id = list["rows"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(admin.call::<Value>("accounts/delete", &[("id", &id)]).await.unwrap_err(), AppError::InUse);
}
