//! What the server writes to its log never holds a password, even with every library's most
//! detailed logging on (async-imap writes each IMAP command it sends at trace level, LOGIN too).

use crate::support::forms::{mail_tab_form, manual_account, open_mail_tab, saved};
use crate::support::mail_servers::MailServers;
use crate::support::process::ServerProcess;
use crate::support::PASSWORD;
use pochta::model::crm_email::MailTabOutcome;

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
