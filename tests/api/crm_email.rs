//! The «Почта» tab against real Postfix and Dovecot on loopback: test letters that arrive, the
//! save into both places, and every failure a user can run into, each explained and none saving.

use crate::support::forms::{invited_user, mail_tab_form, open_mail_tab, ticked};
use crate::support::mail_servers::{
    app_with_mail, certificate_fingerprint, expired_tls_server, scripted_smtps, server_dropping_during_data,
    silent_server, smtp_without_starttls, spawn_app_with_mail, wait_for_message, wrong_name_tls_server, MailServers,
};
use crate::support::{unique, Browser, TestApp};
use pochta::model::check::{CheckReport, Fix, Reason, Step};
use pochta::model::crm_email::{CrmEmailView, MailTabInput, MailTabOutcome, MailTabView};
use pochta::model::error::AppError;
use pochta::model::{Invalid, Security};
use pochta::server::db::Backend;
use std::time::{Duration, Instant};

async fn submit(browser: &Browser, form: &MailTabInput) -> Result<MailTabOutcome, AppError> {
    browser.submit("crm_email/submit", form).await
}

async fn settings(browser: &Browser) -> CrmEmailView {
    let settings: Option<CrmEmailView> = browser.call("crm_email/settings", &[]).await.unwrap();
    settings.expect("the settings are saved")
}

async fn tenant_with_open_tab(app: &TestApp, organisation: &str) -> Browser {
    let admin = app.first_run(organisation, "anna@romashka.test").await;
    open_mail_tab(&admin).await;
    admin
}

fn report_of(outcome: MailTabOutcome) -> CheckReport {
    match outcome {
        MailTabOutcome::TestLetterSent { report, .. } => report,
        other => panic!("expected a test letter, got {other:?}"),
    }
}

fn version_of(outcome: MailTabOutcome) -> i64 {
    match outcome {
        MailTabOutcome::Saved { version } => version,
        other => panic!("expected a save, got {other:?}"),
    }
}

fn failure_of(error: AppError) -> (Reason, CheckReport) {
    match error {
        AppError::CheckFailed(report) => (report.failure.as_ref().expect("a failure").reason, report),
        other => panic!("expected a failed check, got {other:?}"),
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.inspect()).await.unwrap()
}

async fn nothing_saved(app: &TestApp) {
    assert_eq!(count(app, "SELECT COUNT(*) FROM crm_email_settings").await, 0, "no settings saved");
    assert_eq!(count(app, "SELECT COUNT(*) FROM email_accounts WHERE is_system = 0").await, 0, "no account saved");
}

#[tokio::test]
async fn a_test_letter_over_ssl_arrives_in_the_recipients_mailbox_and_nothing_is_saved() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let organisation = unique("Ромашка");
    let admin = tenant_with_open_tab(&app, &organisation).await;
    let outcome = submit(&admin, &mail_tab_form(&mail, mail.smtps, true)).await.expect("the letter is sent");
    let report = report_of(outcome);
    let steps: Vec<Step> = report.steps.iter().map(|s| s.step).collect();
    assert_eq!(
        steps,
        [
            Step::Resolve,
            Step::Connect,
            Step::Tls,
            Step::Greeting,
            Step::Login,
            Step::Sender,
            Step::Recipient,
            Step::Data
        ]
    );
    assert!(report.steps.iter().all(|s| s.ok));

    let letter = wait_for_message(&mail, "bob", &organisation).await;
    assert_eq!(letter.from, "Магазин «Ромашка» <alice@pochta.test>", "«Имя отправителя» and «Email отправителя»");
    assert_eq!(letter.to, "bob@pochta.test");
    assert_eq!(letter.subject, "Pochta: тестовое письмо");
    nothing_saved(&app).await;
}

#[tokio::test]
async fn a_test_letter_over_starttls_arrives_too() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let organisation = unique("Василёк");
    let admin = tenant_with_open_tab(&app, &organisation).await;
    let outcome = submit(&admin, &mail_tab_form(&mail, mail.smtp_starttls, false)).await.expect("the letter is sent");
    let tls = report_of(outcome).steps.into_iter().find(|s| s.step == Step::Tls).unwrap();
    let detail = tls.detail.unwrap_or_default();
    assert!(
        detail.starts_with("STARTTLS · CN=localhost, issued by CN=Pochta Test CA"),
        "the certificate checked: {detail}"
    );
    wait_for_message(&mail, "bob", &organisation).await;
}

#[tokio::test]
async fn saving_writes_the_crm_settings_and_one_shared_sending_account_with_an_audit_row() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.intent = "save".into();
    assert_eq!(version_of(submit(&admin, &form).await.unwrap()), 1);

    let saved = settings(&admin).await;
    assert_eq!((saved.smtp_host.as_str(), saved.smtp_port, saved.use_ssl), ("localhost", mail.smtps, true));
    assert_eq!(saved.login, "alice@pochta.test");
    assert!(saved.has_password);
    let raw: serde_json::Value = admin.call("crm_email/settings", &[]).await.unwrap();
    assert!(!raw.to_string().contains(&mail.password), "the password never leaves the server");

    let (owner, sending, envelope): (Option<i64>, i64, Option<String>) = sqlx::query_as(
        "SELECT owner_user_id, use_for_sending, password FROM email_accounts WHERE address_key = 'alice@pochta.test'",
    )
    .fetch_one(app.inspect())
    .await
    .unwrap();
    assert_eq!((owner, sending), (None, 1), "«для всех», for sending");
    assert!(envelope.unwrap().starts_with("v1:"), "the password is stored encrypted");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE object = 'crm_email_settings'").await, 1);

    // Saving again (password left empty: unchanged) updates the same account.
    form.password = String::new();
    form.sender_name = "Ромашка, отдел продаж".into();
    form.version = "1".into();
    assert_eq!(version_of(submit(&admin, &form).await.unwrap()), 2);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM email_accounts WHERE address_key = 'alice@pochta.test'").await,
        1,
        "no duplicate"
    );
    let saved = settings(&admin).await;
    assert_eq!(saved.sender_name, "Ромашка, отдел продаж");
    assert!(saved.has_password);

    // The stored password is used for a test letter to the very same server.
    form.intent = "send".into();
    assert!(submit(&admin, &form).await.is_ok(), "the stored password works for the saved server");
}

#[tokio::test]
async fn the_database_holds_no_password_in_clear() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.intent = "save".into();
    // The save checks the login first, so the password is the test servers' real one.
    let password = mail.password.clone();
    submit(&admin, &form).await.unwrap();
    let files: Vec<std::path::PathBuf> = match app.backend {
        Backend::Sqlite => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(app.inspect()).await.unwrap();
            std::fs::read_dir(&app.state.config.data_dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("pochta.db"))
                .collect()
        }
        Backend::Postgres => {
            // Every file of this database, and the write-ahead log, after a checkpoint.
            sqlx::query("CHECKPOINT").execute(app.inspect()).await.unwrap();
            let oid: i64 = sqlx::query_scalar("SELECT oid::BIGINT FROM pg_database WHERE datname = current_database()")
                .fetch_one(app.inspect())
                .await
                .unwrap();
            let data = std::path::PathBuf::from(std::env::var("POCHTA_TEST_PG_DATA").unwrap());
            [data.join("base").join(oid.to_string()), data.join("pg_wal")]
                .iter()
                .flat_map(|dir| std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()))
                .filter(|p| p.is_file())
                .collect()
        }
    };
    let mut raw = Vec::new();
    for path in files {
        raw.extend(std::fs::read(path).unwrap());
    }
    assert!(!raw.is_empty());
    let haystack = String::from_utf8_lossy(&raw);
    assert!(!haystack.contains(&password), "the password must not be in the database file");
}

#[tokio::test]
async fn a_changed_server_needs_the_password_again() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.intent = "save".into();
    submit(&admin, &form).await.unwrap();
    form.version = "1".into();
    form.password = String::new();
    form.smtp_port = mail.smtp_starttls.to_string();
    form.use_ssl = ticked(false);
    let refused = submit(&admin, &form).await.unwrap_err();
    assert_eq!(refused.field_problem("password"), Some(Invalid::PasswordRequiredAfterServerChange));
    // Nor is the stored password sent to another server by a test letter.
    form.intent = "send".into();
    let refused = submit(&admin, &form).await.unwrap_err();
    assert_eq!(refused.field_problem("password"), Some(Invalid::PasswordRequiredAfterServerChange));
}

#[tokio::test]
async fn the_second_of_two_administrators_saving_at_once_gets_a_conflict() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let first = tenant_with_open_tab(&app, "Ромашка").await;
    let second = invited_user(&app, &first, "vera@romashka.test", "admin", "пароль веры 2026").await;

    // Both loaded the tab while nothing was saved (version 0).
    let mut a = mail_tab_form(&mail, mail.smtps, true);
    a.intent = "save".into();
    let mut b = mail_tab_form(&mail, mail.smtp_starttls, false);
    b.intent = "save".into();
    b.sender_name = "Вера".into();
    submit(&first, &a).await.unwrap();
    assert_eq!(submit(&second, &b).await.unwrap_err(), AppError::Conflict);
    assert_eq!(settings(&first).await.sender_name, "Магазин «Ромашка»", "the first save stands");
}

#[tokio::test]
async fn when_any_write_of_the_save_fails_neither_place_changes() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    // Make the last write of the save (the audit row) fail inside the transaction.
    let triggers: &[&str] = match app.backend {
        Backend::Sqlite => {
            &["CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log WHEN NEW.object = 'crm_email_settings' \
             BEGIN SELECT RAISE(ABORT, 'disk full'); END"]
        }
        Backend::Postgres => &[
            "CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.object = 'crm_email_settings' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_audit()",
        ],
    };
    for sql in triggers {
        sqlx::query(sql).execute(app.inspect()).await.unwrap();
    }
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.intent = "save".into();
    assert_eq!(submit(&admin, &form).await.unwrap_err(), AppError::Internal, "a plain message, not the database's");
    nothing_saved(&app).await;
}

#[tokio::test]
async fn a_service_fills_its_servers_and_the_operator_file_completes_tradesoft() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    // Tradesoft publishes no servers: refused at the field until the operator sets them.
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.provider = "tradesoft".into();
    let refused = submit(&admin, &form).await.unwrap_err();
    assert_eq!(refused.field_problem("provider"), Some(Invalid::PresetNotConfigured));

    drop(app);

    // The operator's presets file gives Tradesoft its servers; no rebuild.
    let dir = tempfile::tempdir().unwrap();
    let presets = dir.path().join("services.json");
    std::fs::write(
        &presets,
        format!(r#"[{{"id":"tradesoft","smtp":{{"host":"localhost","port":{},"security":"Ssl"}}}}]"#, mail.smtps),
    )
    .unwrap();
    let allow = format!("localhost:{}", mail.smtps);
    let app = crate::support::spawn_app_with(&[
        "--egress-allow",
        &allow,
        "--ca-file",
        &mail.ca_file,
        "--presets-file",
        presets.to_str().unwrap(),
    ])
    .await;
    let organisation = unique("Tradesoft");
    let admin = tenant_with_open_tab(&app, &organisation).await;
    let mut form = mail_tab_form(&mail, 1, false);
    form.provider = "tradesoft".into();
    form.smtp_host = String::new();
    assert!(submit(&admin, &form).await.is_ok());
    wait_for_message(&mail, "bob", &organisation).await;

    // A preset's server is what counts, not what the browser sent.
    form.smtp_host = "evil.example".into();
    form.intent = "save".into();
    submit(&admin, &form).await.unwrap();
    let saved = settings(&admin).await;
    assert_eq!((saved.smtp_host.as_str(), saved.smtp_port, saved.use_ssl), ("localhost", mail.smtps, true));
}

#[tokio::test]
async fn saving_checks_the_login_first_and_a_refused_login_saves_nothing() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.intent = "save".into();
    form.password = "неверный пароль".into();
    let (reason, report) = failure_of(submit(&admin, &form).await.unwrap_err());
    assert_eq!(reason, Reason::WrongLoginOrPassword);
    let failure = report.failure.as_ref().unwrap();
    assert_eq!(failure.reason.field(failure.side), Some("password"), "explained at the password field");
    assert!(failure.server_reply.as_deref().unwrap_or_default().contains("535"), "{report:?}");
    nothing_saved(&app).await;

    // A port that does not match the security is caught before saving too, with its fix.
    form.password = mail.password.clone();
    form.smtp_port = mail.smtp_starttls.to_string();
    let (reason, report) = failure_of(submit(&admin, &form).await.unwrap_err());
    assert_eq!(reason, Reason::SslOnStartTlsPort);
    assert_eq!(report.failure.unwrap().fix, Some(Fix { port: mail.smtp_starttls, security: Security::StartTls }));
    nothing_saved(&app).await;

    // The right settings are saved, and the directory account carries the passed check.
    form.smtp_port = mail.smtps.to_string();
    assert_eq!(version_of(submit(&admin, &form).await.unwrap()), 1);
    let (ok, at): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT CAST(last_check_ok AS BIGINT), last_check_at FROM email_accounts WHERE address_key = 'alice@pochta.test'",
    )
    .fetch_one(app.inspect())
    .await
    .unwrap();
    assert_eq!(ok, Some(1), "the check passed");
    assert!(at.is_some(), "and when");
}

/// One failure a user can cause, and what the tab must tell them.
async fn fails_with(form: MailTabInput, expected: Reason, app: &TestApp, admin: &Browser) -> CheckReport {
    let started = Instant::now();
    let error = submit(admin, &form).await.unwrap_err();
    let (reason, report) = failure_of(error);
    assert_eq!(reason, expected, "{report:?}");
    assert!(started.elapsed() < Duration::from_secs(20), "the answer came within the time limit");
    nothing_saved(app).await;
    report
}

#[tokio::test]
async fn wrong_password_is_explained_with_the_servers_reply() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.password = "неверный".into();
    let report = fails_with(form, Reason::WrongLoginOrPassword, &app, &admin).await;
    let reply = report.failure.unwrap().server_reply.unwrap();
    assert!(reply.starts_with("535"), "the server's own reply is kept: {reply}");
    assert_eq!(report.steps.last().unwrap().step, Step::Login);
}

#[tokio::test]
async fn a_sender_the_login_does_not_own_is_refused_by_the_server_and_explained() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let mut form = mail_tab_form(&mail, mail.smtp_starttls, false);
    form.sender_email = mail.address("carol");
    let report = fails_with(form, Reason::SenderNotOwned, &app, &admin).await;
    assert!(report.failure.unwrap().server_reply.unwrap().contains("not owned by user"));
    // A sender address the login does own passes.
    let mut form = mail_tab_form(&mail, mail.smtp_starttls, false);
    form.sender_email = mail.address("info");
    assert!(submit(&admin, &form).await.is_ok());
}

#[tokio::test]
async fn network_and_tls_failures_are_explained() {
    let silent = silent_server().await;
    let servers = MailServers::from_env();
    let expired = expired_tls_server(&servers).await;
    let wrong_name = wrong_name_tls_server(&servers).await;
    let (app, mail) = spawn_app_with_mail(&[silent, expired, wrong_name]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;

    let mut form = mail_tab_form(&mail, 465, true);
    form.smtp_host = "no-such-host.invalid".into();
    fails_with(form, Reason::HostNotFound, &app, &admin).await;

    fails_with(mail_tab_form(&mail, mail.closed, true), Reason::Unreachable, &app, &admin).await;
    // The wrong security mode for the port: explained, with the one-click fix the server showed.
    let report =
        fails_with(mail_tab_form(&mail, mail.smtp_starttls, true), Reason::SslOnStartTlsPort, &app, &admin).await;
    assert_eq!(report.failure.unwrap().fix, Some(Fix { port: mail.smtp_starttls, security: Security::StartTls }));
    let report = fails_with(mail_tab_form(&mail, mail.smtps, false), Reason::StartTlsOnSslPort, &app, &admin).await;
    assert_eq!(report.failure.unwrap().fix, Some(Fix { port: mail.smtps, security: Security::Ssl }));
    // Following the fix works.
    assert!(submit(&admin, &mail_tab_form(&mail, mail.smtps, true)).await.is_ok());

    let report = fails_with(mail_tab_form(&mail, expired, true), Reason::CertificateExpired, &app, &admin).await;
    let tls = report.steps.last().unwrap();
    assert_eq!(tls.step, Step::Tls);
    let shown = format!("{:?} {:?}", tls.detail, report.failure.as_ref().unwrap().server_reply);
    assert!(
        shown.contains("CN=localhost") && shown.contains("2020"),
        "the certificate's subject and dates are shown: {shown}"
    );
    fails_with(mail_tab_form(&mail, wrong_name, true), Reason::CertificateWrongHost, &app, &admin).await;
    let report =
        fails_with(mail_tab_form(&mail, mail.smtps_untrusted, true), Reason::CertificateUntrusted, &app, &admin).await;
    let failure = report.failure.unwrap();
    let why = failure.server_reply.unwrap();
    assert!(why.to_lowercase().contains("unknown"), "why the certificate failed: {why}");
    // The report shows the certificate, its fingerprint the one of the file the server uses.
    let shown = failure.certificate.expect("the certificate is shown");
    let pem = std::path::Path::new(&mail.ca_file).with_file_name("untrusted.pem");
    assert_eq!(shown.sha256, certificate_fingerprint(&pem));
    assert!(shown.issuer.contains("Unknown Company CA"), "{shown:?}");
    assert!(shown.subject.contains("localhost"), "{shown:?}");
    fails_with(mail_tab_form(&mail, silent, true), Reason::Timeout, &app, &admin).await;

    // A host the operator did not allow, on a private address, reads like any unreachable host.
    let mut form = mail_tab_form(&mail, 465, true);
    form.smtp_host = "127.0.0.1".into();
    fails_with(form, Reason::Unreachable, &app, &admin).await;
}

#[tokio::test]
async fn provider_answers_are_explained_with_their_own_words() {
    let servers = MailServers::from_env();
    let no_starttls = smtp_without_starttls().await;
    let google = scripted_smtps(
        &servers,
        "534-5.7.9 Application-specific password required. For more information, go to\r\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor",
        "250 ok",
    )
    .await;
    let microsoft = scripted_smtps(
        &servers,
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
        "250 ok",
    )
    .await;
    let too_large = scripted_smtps(&servers, "235 2.7.0 ok", "552 5.3.4 Message size exceeds fixed limit").await;
    let (app, mail) = spawn_app_with_mail(&[no_starttls, google, microsoft, too_large]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;

    let report = fails_with(mail_tab_form(&mail, no_starttls, false), Reason::StartTlsNotOffered, &app, &admin).await;
    assert_eq!(report.steps.last().unwrap().step, Step::Tls, "no password was sent in the clear");
    let report = fails_with(mail_tab_form(&mail, google, true), Reason::AppPasswordRequired, &app, &admin).await;
    assert!(report.failure.unwrap().server_reply.unwrap().contains("5.7.9"));
    fails_with(mail_tab_form(&mail, microsoft, true), Reason::PasswordLoginDisabled, &app, &admin).await;
    let report = fails_with(mail_tab_form(&mail, too_large, true), Reason::MessageTooLarge, &app, &admin).await;
    assert_eq!(report.steps.last().unwrap().step, Step::Data);
}

#[tokio::test]
async fn a_connection_dropped_during_data_is_explained() {
    let mail = MailServers::from_env();
    let dropping = server_dropping_during_data(&mail).await;
    let (app, mail) = spawn_app_with_mail(&[dropping]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let report = fails_with(mail_tab_form(&mail, dropping, true), Reason::ConnectionDropped, &app, &admin).await;
    assert_eq!(report.steps.last().unwrap().step, Step::Data);
}

#[tokio::test]
async fn bad_input_is_refused_at_its_field_before_any_connection() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.sender_name = "Ромашка\r\nBcc: victim@example.com".into();
    form.recipient = "not an address".into();
    form.login = "alice".into();
    let error = submit(&admin, &form).await.unwrap_err();
    assert_eq!(error.field_problem("sender_name"), Some(Invalid::LineBreak));
    assert_eq!(error.field_problem("recipient"), Some(Invalid::EmailFormat));
    assert_eq!(error.field_problem("login"), Some(Invalid::EmailFormat));

    // A port and security that contradict each other are explained, not guessed.
    let mut form = mail_tab_form(&mail, 587, true);
    form.smtp_host = "smtp.example.com".into();
    assert_eq!(
        submit(&admin, &form).await.unwrap_err().field_problem("smtp_security"),
        Some(Invalid::SslOnStartTlsPort(587))
    );
    let mut form = mail_tab_form(&mail, 465, false);
    form.smtp_host = "smtp.example.com".into();
    assert_eq!(
        submit(&admin, &form).await.unwrap_err().field_problem("smtp_security"),
        Some(Invalid::StartTlsOnSslPort(465))
    );

    // Sending needs a recipient and a password.
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.recipient = String::new();
    form.password = String::new();
    let error = submit(&admin, &form).await.unwrap_err();
    assert_eq!(error.field_problem("recipient"), Some(Invalid::Required));
    nothing_saved(&app).await;
}

#[tokio::test]
async fn a_server_the_operator_allowed_for_one_tenant_is_unreachable_for_another() {
    let servers = MailServers::from_env();
    let mut args = crate::support::mail_servers::mail_args(&servers, &[]);
    let allow = args.iter().position(|a| a == "--egress-allow").unwrap() + 1;
    // The first tenant (id 1) has its company server on an internal address; nobody else may reach it.
    args[allow] = format!("localhost:{}@1", servers.smtps);
    let app = crate::support::spawn_app_with(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let first = tenant_with_open_tab(&app, "Ромашка").await;
    assert!(submit(&first, &mail_tab_form(&servers, servers.smtps, true)).await.is_ok());
    let other = app.new_tenant("Василёк", "vera@vasilek.test").await;
    open_mail_tab(&other).await;
    let (reason, _) = failure_of(submit(&other, &mail_tab_form(&servers, servers.smtps, true)).await.unwrap_err());
    assert_eq!(reason, Reason::Unreachable);
}

#[tokio::test]
async fn a_cyrillic_server_name_reaches_its_server_through_its_ascii_form_and_is_shown_in_cyrillic() {
    let mail = MailServers::from_env();
    // The operator may write the name either way; DNS, the allow-list and TLS see punycode.
    let allow = format!("smtp.почта.рф:{}", mail.smtps);
    let mut args = crate::support::mail_servers::mail_args(&mail, &[]);
    let at = args.iter().position(|a| a == "--egress-allow").unwrap() + 1;
    args[at] = format!("{},{allow}", args[at]);
    let app = crate::support::spawn_app_with(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let organisation = unique("Почта-РФ");
    let admin = tenant_with_open_tab(&app, &organisation).await;
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.smtp_host = "SMTP.ПОЧТА.РФ".into();
    let report = report_of(submit(&admin, &form).await.expect("the letter is sent"));
    assert!(report.passed(), "{report:?}");
    wait_for_message(&mail, "bob", &organisation).await;

    form.intent = "save".into();
    submit(&admin, &form).await.unwrap();
    let stored: String =
        sqlx::query_scalar("SELECT smtp_host FROM crm_email_settings").fetch_one(app.inspect()).await.unwrap();
    assert_eq!(stored, "smtp.xn--80a1acny.xn--p1ai", "stored as DNS knows it");
    assert_eq!(settings(&admin).await.smtp_host, "smtp.почта.рф", "shown as people write it");
}

#[tokio::test]
async fn a_look_alike_address_is_refused_at_its_field() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    // A Cyrillic «а» in a Latin name, and a Latin «o» in a Cyrillic one.
    form.recipient = "boss@pаypal.com".into();
    form.smtp_host = "smtp.пoчта.рф".into();
    let refused = submit(&admin, &form).await.unwrap_err();
    assert_eq!(refused.field_problem("recipient"), Some(Invalid::MixedScripts));
    assert_eq!(refused.field_problem("smtp_host"), Some(Invalid::MixedScripts));
    nothing_saved(&app).await;
}

#[tokio::test]
async fn without_javascript_the_tab_shows_what_the_test_letter_and_the_save_did() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let form = mail_tab_form(&mail, mail.smtps, true);
    let plain = |intent: &'static str| {
        vec![
            ("intent", intent.to_string()),
            ("provider", form.provider.clone()),
            ("smtp_host", form.smtp_host.clone()),
            ("smtp_port", form.smtp_port.clone()),
            ("use_ssl", form.use_ssl.clone()),
            ("login", form.login.clone()),
            ("password", form.password.clone()),
            ("sender_name", form.sender_name.clone()),
            ("sender_email", form.sender_email.clone()),
            ("recipient", form.recipient.clone()),
            ("version", "0".to_string()),
        ]
    };
    let post = |intent| {
        let args = plain(intent);
        let admin = &admin;
        async move {
            let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = admin.submit_plain_form("crm_email/submit", "/setup/mail", &pairs).await;
            assert!(response.status().is_redirection(), "{}", response.status());
            response.headers()["location"].to_str().unwrap().to_string()
        }
    };

    // «Отправить»: back to the tab, which shows the letter's report.
    let location = post("send").await;
    let run = location.strip_prefix("/setup/mail?run=").unwrap_or_else(|| panic!("back to the tab: {location}"));
    let view: MailTabView = admin.call("crm_email/mail_tab", &[("run", run)]).await.unwrap();
    let kept = view.kept.expect("kept");
    assert!(matches!(kept.outcome, Ok(MailTabOutcome::TestLetterSent { .. })), "{kept:?}");
    assert_eq!(kept.typed, None, "what was typed is kept only when refused");
    let page = admin.get_page(&location).await.text().await.unwrap();
    assert!(page.contains("Тестовое письмо отправлено на bob@pochta.test"), "the page says it");
    assert!(page.contains("class=\"report\""), "with its steps");

    // Nobody else sees a run's outcome, not even another administrator of the tenant.
    let vera = invited_user(&app, &admin, "vera@romashka.test", "admin", "пароль веры 2026").await;
    let theirs: MailTabView = vera.call("crm_email/mail_tab", &[("run", run)]).await.unwrap();
    assert_eq!(theirs.kept, None);

    // «Сохранить»: «Сохранено» on the page it returns to.
    let location = post("save").await;
    let page = admin.get_page(&location).await.text().await.unwrap();
    assert!(page.contains("id=\"mail-saved\""), "the save is confirmed: {location}");
}

#[tokio::test]
async fn without_javascript_a_refused_test_letter_keeps_what_was_typed_except_the_password() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;
    let port = mail.smtps.to_string();
    let typed = [
        ("intent", "send"),
        ("provider", "other"),
        ("smtp_host", "localhost"),
        ("smtp_port", port.as_str()),
        ("use_ssl", "true"),
        ("login", "alice@pochta.test"),
        ("password", "неверный-пароль-42"),
        ("sender_name", "Набрано без JavaScript"),
        ("sender_email", "alice@pochta.test"),
        ("recipient", "bob@pochta.test"),
        ("version", "0"),
    ];
    // Coming from a page that still shows an earlier form's error in its address.
    let response = admin.submit_plain_form("crm_email/submit", "/setup/mail?__err=e30&__path=x", &typed).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let run = location.strip_prefix("/setup/mail?run=").unwrap_or_else(|| panic!("back to the tab: {location}"));

    let view: MailTabView = admin.call("crm_email/mail_tab", &[("run", run)]).await.unwrap();
    let kept = view.kept.expect("kept");
    assert!(
        matches!(&kept.outcome, Err(AppError::CheckFailed(r)) if r.failure.as_ref().unwrap().reason == Reason::WrongLoginOrPassword),
        "{kept:?}"
    );
    let typed_back = kept.typed.expect("what was typed");
    assert_eq!((typed_back.sender_name.as_str(), typed_back.password.as_str()), ("Набрано без JavaScript", ""));

    let page = admin.get_page(&location).await.text().await.unwrap();
    assert!(page.contains("value=\"Набрано без JavaScript\""), "the typed sender name is in the form again");
    assert!(page.contains("Сервер не принял логин или пароль."), "with the refusal");
    assert!(!page.contains("неверный-пароль-42"), "never the password");
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT event FROM check_events").fetch_all(app.inspect()).await.unwrap();
    assert!(stored.iter().all(|e| !e.contains("неверный-пароль-42")), "the password is not kept anywhere");
    nothing_saved(&app).await;
}

#[tokio::test]
async fn an_address_in_cyrillic_before_the_at_goes_only_to_a_server_offering_smtputf8() {
    let servers = MailServers::from_env();
    let without_smtputf8 = scripted_smtps(&servers, "235 2.7.0 ok", "250 ok").await;
    let (app, mail) = spawn_app_with_mail(&[without_smtputf8]).await;
    let admin = tenant_with_open_tab(&app, "Ромашка").await;

    // The test Postfix offers SMTPUTF8 and accepts such a recipient only when MAIL FROM asked for
    // it. (Dovecot 2.3's LMTP cannot deliver it, so the letter is not read back.)
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.recipient = mail.address("иван");
    let outcome = submit(&admin, &form).await.expect("sent with SMTPUTF8");
    assert!(matches!(outcome, MailTabOutcome::TestLetterSent { ref recipient, .. } if recipient == "иван@pochta.test"));

    // A server without it is never sent the address, and the user is told why.
    let mut form = mail_tab_form(&mail, without_smtputf8, true);
    form.recipient = mail.address("иван");
    let report = fails_with(form, Reason::SmtpUtf8NotOffered, &app, &admin).await;
    let last = report.steps.last().unwrap();
    assert_eq!((last.step, last.ok), (Step::Sender, false), "stopped before MAIL FROM: {report:?}");
}

/// Each check, test letter and automatic setup opens connections to a host a user typed: a user,
/// and a tenant's users together, may start only so many a minute (operator settings), counted
/// before anything is opened; another tenant is not held back by it.
#[tokio::test]
async fn mail_operations_are_limited_per_user_and_per_tenant_as_the_operator_set() {
    let mail = MailServers::from_env();
    let settings = ["--mail-operations-per-user", "2", "--mail-operations-per-tenant", "3"];
    let app = app_with_mail(&mail, &[], &settings).await;
    let anna = tenant_with_open_tab(&app, &unique("Ромашка")).await;
    let boris = invited_user(&app, &anna, "boris@romashka.test", "admin", "пароль Бориса 1").await;
    // A server that refuses the connection: quick, and counted all the same.
    let letter = mail_tab_form(&mail, mail.closed, true);
    let limited = |result: Result<MailTabOutcome, AppError>| matches!(result, Err(AppError::RateLimited { .. }));
    // The counts start afresh each minute of the clock: not a moment before one turns.
    let into_minute = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 60;
    if into_minute >= 55 {
        tokio::time::sleep(Duration::from_secs(61 - into_minute)).await;
    }

    for _ in 0..2 {
        assert!(!limited(submit(&anna, &letter).await), "within anna's two");
    }
    assert!(!limited(submit(&boris, &letter).await), "boris's first: the tenant's third");
    assert!(limited(submit(&boris, &letter).await), "boris's second: within his two, but the tenant's fourth");
    assert!(limited(submit(&anna, &letter).await), "anna's third this minute");

    let other = app.new_tenant(&unique("Лютик"), "vera@lutik.test").await;
    open_mail_tab(&other).await;
    assert!(!limited(submit(&other, &letter).await), "another tenant has its own count");
}
