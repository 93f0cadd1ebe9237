//! Stored mail passwords (and the tokens of sign-ins with the provider): encrypted at rest, and
//! re-encrypted by `pochta keys rotate`.

use crate::support::forms::{mail_tab_form, open_mail_tab};
use crate::support::mail_servers::{app_with_mail, spawn_app_with_mail, MailServers};
use pochta::model::crm_email::{MailTabInput, MailTabOutcome};
use pochta::model::{AccountId, TenantId};
use pochta::server::db::accounts::SecretField;
use pochta::server::db::oauth::{self, Pending, SignInSecret};
use pochta::server::secrets::{Binding, Secrets, SignInBinding};
use secrecy::{ExposeSecret, SecretString};
use std::process::Command;

async fn stored_envelope(app: &crate::support::TestApp) -> (i64, i64, String) {
    sqlx::query_as("SELECT tenant_id, id, password FROM email_accounts WHERE password IS NOT NULL")
        .fetch_one(app.inspect())
        .await
        .unwrap()
}

#[tokio::test]
async fn rotating_keys_re_encrypts_every_stored_password_and_keeps_it_readable() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    open_mail_tab(&admin).await;
    let form = MailTabInput {
        intent: "save".into(),
        // The save checks the login first: the test servers' password.
        password: mail.password.clone(),
        recipient: String::new(),
        ..mail_tab_form(&mail, mail.smtps, true)
    };
    let _: MailTabOutcome = admin.submit("crm_email/submit", &form).await.unwrap();
    let (tenant, account, before) = stored_envelope(&app).await;
    let old_key = Secrets::key_of(&before).unwrap().to_string();
    // A sign-in with the provider, its refresh token sealed under the same key.
    let sign_in_refresh = SecretString::from("refresh-token-of-the-provider");
    let sign_in = {
        let mut tx = app.state.db.write(TenantId(tenant)).await.unwrap();
        let pending = Pending {
            user: pochta::model::UserId(1),
            provider: pochta::model::oauth::Provider::Microsoft,
            login_hint: "anna@romashka.test",
            form: "{}",
            state_hash: "state",
            session_hash: "session",
        };
        let id = oauth::start(&mut tx, TenantId(tenant), &pending).await.unwrap();
        let bound = SignInBinding { tenant: TenantId(tenant), sign_in: id, field: SignInSecret::RefreshToken };
        let sealed = app.state.secrets.encrypt(&sign_in_refresh, &bound);
        oauth::set_secret(&mut tx, TenantId(tenant), id, SignInSecret::RefreshToken, &sealed).await.unwrap();
        tx.commit().await.unwrap();
        bound
    };

    // With a key file (the SQLite default) rotation adds the key itself; with keys given in the
    // environment (PostgreSQL) the operator puts the new key first and rotation re-encrypts.
    let mut command = Command::new(env!("CARGO_BIN_EXE_pochta"));
    command.args(app.cli_settings());
    let file = match app.backend {
        pochta::server::db::Backend::Sqlite => None,
        pochta::server::db::Backend::Postgres => {
            let keys = format!("{}\n{}", Secrets::generate_line(), app.secret_keys().unwrap().replacen(':', " ", 1));
            command.env("POCHTA_SECRET_KEYS", keys.replace('\n', ",").replace(' ', ":"));
            Some(keys)
        }
    };
    let output = command.args(["keys", "rotate"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("2 stored passwords re-encrypted"));

    let (_, _, after) = stored_envelope(&app).await;
    let new_key = Secrets::key_of(&after).unwrap().to_string();
    assert_ne!(new_key, old_key, "encrypted under the new key");
    let file = file.unwrap_or_else(|| std::fs::read_to_string(app.state.config.data_dir.join("secret-keys")).unwrap());
    let keys = Secrets::parse(&file).unwrap();
    assert_eq!(keys.key_ids(), [new_key.as_str(), old_key.as_str()], "the new key first, the old one kept");
    let binding = Binding { tenant: TenantId(tenant), account: AccountId(account), field: SecretField::Main };
    assert_eq!(keys.decrypt(&after, &binding).unwrap().expose_secret(), mail.password);

    // Once rotated, the old key is no longer needed for anything stored.
    let only_new = file.lines().filter(|l| !l.starts_with(&old_key)).collect::<Vec<_>>().join("\n");
    assert_eq!(Secrets::parse(&only_new).unwrap().decrypt(&after, &binding).unwrap().expose_secret(), mail.password);
    let token: String = sqlx::query_scalar("SELECT refresh_token FROM oauth_sign_ins WHERE id = $1")
        .bind(sign_in.sign_in)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(Secrets::key_of(&token), Some(new_key.as_str()));
    let opened = Secrets::parse(&only_new).unwrap().decrypt(&token, &sign_in).unwrap();
    assert_eq!(opened.expose_secret(), sign_in_refresh.expose_secret());
}

#[tokio::test]
async fn the_key_file_is_created_on_first_start_and_readable_only_by_its_owner() {
    let (app, _) = spawn_app_with_mail(&[]).await;
    if app.backend == pochta::server::db::Backend::Postgres {
        // With PostgreSQL keys must be given (shared by every app server): no file is made.
        assert!(!app.state.config.data_dir.join("secret-keys").exists());
        return;
    }
    let path = app.state.config.data_dir.join("secret-keys");
    assert!(Secrets::parse(&std::fs::read_to_string(&path).unwrap()).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[tokio::test]
async fn keys_rotated_while_the_app_runs_leave_its_stored_passwords_readable() {
    let mail = MailServers::from_env();
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("secret-keys");
    std::fs::write(&key_file, format!("{}\n", Secrets::generate_line())).unwrap();
    let key_file = key_file.display().to_string();
    let app = app_with_mail(&mail, &[], &["--secret-keys-file", &key_file]).await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    open_mail_tab(&admin).await;
    let save = MailTabInput { intent: "save".into(), ..mail_tab_form(&mail, mail.smtps, true) };
    let _: MailTabOutcome = admin.submit("crm_email/submit", &save).await.unwrap();

    // The operator rotates the keys while this app server keeps running.
    let output =
        Command::new(env!("CARGO_BIN_EXE_pochta")).args(app.cli_settings()).args(["keys", "rotate"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 stored passwords re-encrypted"));

    // The running server still sends with the stored password, now under the new key…
    let send = MailTabInput { password: String::new(), version: "1".into(), ..mail_tab_form(&mail, mail.smtps, true) };
    let sent: Result<MailTabOutcome, _> = admin.submit("crm_email/submit", &send).await;
    assert!(sent.is_ok(), "the running server reads what rotation wrote: {sent:?}");
    // …and what it encrypts from now on is under the new key too.
    let resave = MailTabInput { intent: "save".into(), version: "1".into(), ..mail_tab_form(&mail, mail.smtps, true) };
    let _: MailTabOutcome = admin.submit("crm_email/submit", &resave).await.unwrap();
    let (_, _, envelope) = stored_envelope(&app).await;
    let file = std::fs::read_to_string(&key_file).unwrap();
    let current = file.lines().find(|l| !l.starts_with('#')).unwrap().split(' ').next().unwrap();
    assert_eq!(Secrets::key_of(&envelope), Some(current));
}

#[test]
fn the_key_file_is_replaced_whole_and_kept_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret-keys");
    let (first, created) = pochta::server::secrets::key_file::load_or_create(&path).unwrap();
    assert!(created);
    let (again, created) = pochta::server::secrets::key_file::load_or_create(&path).unwrap();
    assert!(!created, "an existing file is never replaced");
    assert_eq!(first.key_ids(), again.key_ids());
    let new = pochta::server::secrets::key_file::add_key_first(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&new) && text.contains(first.key_ids()[0]));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind: {leftovers:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
