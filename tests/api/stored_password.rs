//! A stored password goes only to the server it was saved for: an administrator who points an
//! account's incoming server at a server they run, then flips a setting, must not receive the
//! account's stored password there. A recording IMAP server shows what arrives.

use crate::support::forms::{editing, manual_account, saved, ticked};
use crate::support::mail_servers::{recording_imaps, spawn_app_with_mail, Heard, MailServers};
use pochta::model::accounts::{AccountInput, AccountOutcome};
use pochta::model::check::CheckReport;
use pochta::model::Invalid;

const ITS_OWN_PASSWORD: &str = "incoming-only-secret";

fn logins(heard: &Heard) -> Vec<String> {
    heard.lock().unwrap().iter().filter(|l| l.to_ascii_uppercase().contains(" LOGIN ")).cloned().collect()
}

#[tokio::test]
async fn flipping_a_setting_never_sends_the_stored_password_to_another_server() {
    let servers = MailServers::from_env();
    let (evil, heard) = recording_imaps(&servers).await;
    let (app, mail) = spawn_app_with_mail(&[evil]).await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;

    // Sending through the real server with the mailbox's password (stored), receiving from the
    // attacker's server with a password of its own: the check passes and the account saves.
    let account = AccountInput {
        incoming_port: evil.to_string(),
        same_credentials: ticked(false),
        incoming_password: ITS_OWN_PASSWORD.into(),
        ..manual_account(&mail, "alice")
    };
    let id = saved(&admin.submit_account(&account).await.unwrap());
    let first = logins(&heard);
    assert!(first.len() == 1 && first[0].contains(ITS_OWN_PASSWORD), "the incoming server got its own: {first:?}");
    heard.lock().unwrap().clear();

    let same_credentials = AccountInput { same_credentials: ticked(true), ..editing(account.clone(), id, 1) };
    let not_sending = AccountInput { use_for_sending: ticked(false), ..editing(account.clone(), id, 1) };
    for (change, form) in [("«Те же логин и пароль» on", same_credentials), ("«Для отправки писем» off", not_sending)]
    {
        let refused = admin.submit_account(&form).await.expect_err(change);
        assert_eq!(refused.field_problem("password"), Some(Invalid::PasswordRequiredAfterServerChange), "{change}");
        let heard_now = heard.lock().unwrap().clone();
        assert!(!heard_now.iter().any(|l| l.contains(&mail.password)), "{change}: the stored password leaked");
        assert!(logins(&heard).is_empty(), "{change}: nothing was even tried: {heard_now:?}");
    }

    // Typed again, the user's choice stands: the password goes where the user now sends it.
    let typed = AccountInput { password: mail.password.clone(), ..editing(account.clone(), id, 1) };
    let typed = AccountInput { same_credentials: ticked(true), ..typed };
    let outcome: AccountOutcome = admin.submit_account(&typed).await.unwrap();
    assert_eq!(saved(&outcome), id);

    // «Проверить настройки» of the saved account uses what it was saved with, nothing else.
    heard.lock().unwrap().clear();
    let report: CheckReport = admin.call("accounts/check", &[("id", &id.to_string())]).await.unwrap();
    assert!(report.passed());
    assert_eq!(logins(&heard).len(), 1, "one login, with the password saved for this server");
}
