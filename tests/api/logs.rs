//! What the server writes to its log never holds a password, even with every library's most
//! detailed logging on (async-imap writes each IMAP command it sends at trace level, LOGIN too),
//! and a flood of refused requests does not flood it.

use crate::support::forms::{mail_tab_form, manual_account, open_mail_tab, saved};
use crate::support::mail_servers::MailServers;
use crate::support::process::ServerProcess;
use crate::support::PASSWORD;
use pochta::model::crm_email::MailTabOutcome;
use pochta::model::notifications::CreatedApiKey;
use serde_json::json;

#[tokio::test]
async fn trace_logging_never_shows_a_password() {
    let mail = MailServers::from_env();
    let server = ServerProcess::start(&mail, &[], &[("RUST_LOG", "trace")], true).await;
    let browser = &server.browser;
    browser.first_run("Ромашка", "anna@romashka.test").await;
    // An account that sends and receives (SMTP AUTH, IMAP LOGIN), and a test letter.
    saved(&browser.submit_account(&manual_account(&mail, "alice")).await.unwrap());
    open_mail_tab(browser).await;
    let _: MailTabOutcome = browser.submit("crm_email/submit", &mail_tab_form(&mail, mail.smtps, true)).await.unwrap();
    let log = server.log_text();
    assert!(log.contains("TRACE"), "the log is at trace level");
    let leaks: Vec<&str> = log.lines().filter(|l| l.contains(&mail.password) || l.contains(PASSWORD)).collect();
    assert!(!log.contains(&mail.password), "a mail password in the log: {leaks:#?}");
    assert!(!log.contains(PASSWORD), "a sign-in password in the log");
}

#[tokio::test]
async fn a_host_application_over_its_limit_is_logged_once_a_minute_not_at_every_refusal() {
    let mail = MailServers::from_env();
    let limit = [("POCHTA_NOTIFICATIONS_PER_TENANT_PER_MINUTE", "2")];
    let server = ServerProcess::start(&mail, &[], &limit, true).await;
    let browser = &server.browser;
    browser.first_run("Ромашка", "anna@romashka.test").await;
    open_mail_tab(browser).await;
    let mut form = mail_tab_form(&mail, mail.smtps, true);
    form.intent = "save".into();
    let _: MailTabOutcome = browser.submit("crm_email/submit", &form).await.unwrap();
    let made: CreatedApiKey = browser.call("notifications/create_key", &[("name", "Магазин")]).await.unwrap();

    // A runaway loop in the host application.
    let minute = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 60;
    let first_minute = minute();
    let mut refused = 0;
    for i in 0..12 {
        let letter = json!({"to": [mail.address("bob")], "subject": format!("Цикл {i}"), "text": "Т."});
        let response = reqwest::Client::new()
            .post(browser.url("/api/v1/notifications"))
            .bearer_auth(&made.key)
            .json(&letter)
            .send()
            .await
            .unwrap();
        refused += usize::from(response.status().as_u16() == 429);
    }
    let minutes = minute() - first_minute + 1;
    assert!(refused >= 8, "refused {refused} of 12");
    let logged = server.log_text().lines().filter(|l| l.contains("rate-limited this minute")).count();
    assert!(logged >= 1, "the limit is logged");
    assert!(logged as u64 <= minutes, "{logged} lines for {refused} refusals in {minutes} minute(s)");
}
