//! The app's forms as tests fill them: the model's own input structs with the values a test
//! starts from, and the few steps many tests share (a tenant with the «Почта» tab open, a user
//! invited by link).

use super::app::TestApp;
use super::browser::Browser;
use super::mail_servers::MailServers;
use super::PASSWORD;
use pochta::model::accounts::{AccountInput, AccountOutcome};
use pochta::model::crm_email::MailTabInput;
use pochta::model::session::FirstRunInput;
use pochta::model::setup::{FirmInput, OutletInput};
use pochta::model::users::{Invitation, NewUserInput};
use pochta::model::{AccountId, FirmId, OutletId};

/// A checkbox as the page sends it: `true` when ticked, nothing otherwise.
pub fn ticked(on: bool) -> String {
    if on {
        "true".into()
    } else {
        String::new()
    }
}

/// «Создать» with automatic setup for `user`'s mailbox on the test servers: shared, sending and
/// receiving, the password remembered.
pub fn automatic_account(mail: &MailServers, user: &str) -> AccountInput {
    AccountInput {
        intent: "create".into(),
        address: mail.address(user),
        password: mail.password.clone(),
        remember_password: ticked(true),
        use_for_sending: ticked(true),
        use_for_receiving: ticked(true),
        for_whom: "all".into(),
        sender_name: "Отдел продаж".into(),
        mode: "auto".into(),
        same_credentials: ticked(true),
        ..AccountInput::default()
    }
}

/// «Создать» with manual setup: SMTP over implicit TLS and IMAP over implicit TLS on the test
/// servers, the full address as login.
pub fn manual_account(mail: &MailServers, user: &str) -> AccountInput {
    AccountInput {
        mode: "manual".into(),
        smtp_host: "localhost".into(),
        smtp_port: mail.smtps.to_string(),
        smtp_security: "ssl".into(),
        smtp_login: mail.address(user),
        incoming_protocol: "imap".into(),
        incoming_host: "localhost".into(),
        incoming_port: mail.imaps.to_string(),
        incoming_security: "ssl".into(),
        incoming_login: mail.address(user),
        ..automatic_account(mail, user)
    }
}

/// The same form for an account that only receives, over `protocol` on `port`.
pub fn receiving_only(form: AccountInput, protocol: &str, port: u16, security: &str) -> AccountInput {
    AccountInput {
        use_for_sending: ticked(false),
        use_for_receiving: ticked(true),
        incoming_protocol: protocol.into(),
        incoming_port: port.to_string(),
        incoming_security: security.into(),
        ..form
    }
}

/// «Сохранить» of the saved account `id`, loaded at `version`, with the password left empty.
pub fn editing(form: AccountInput, id: AccountId, version: i64) -> AccountInput {
    AccountInput {
        intent: "save".into(),
        id: id.to_string(),
        version: version.to_string(),
        password: String::new(),
        ..form
    }
}

/// The id of an account the submit saved (it fails the test if the answer was manual setup).
pub fn saved(outcome: &AccountOutcome) -> AccountId {
    match outcome {
        AccountOutcome::Saved { id, .. } => *id,
        other => panic!("not saved: {other:?}"),
    }
}

impl Browser {
    /// Creates the first organisation and its administrator «Анна Администратор» (signing in
    /// with [`PASSWORD`]) through the first-run form, signing this browser in.
    pub async fn first_run(&self, organisation: &str, email: &str) {
        let form = FirstRunInput {
            organisation: organisation.into(),
            name: "Анна Администратор".into(),
            email: email.into(),
            password: PASSWORD.into(),
            password_again: PASSWORD.into(),
        };
        self.submit::<()>("first_run", &form).await.expect("first run succeeds");
    }

    pub async fn submit_account(&self, form: &AccountInput) -> Result<AccountOutcome, pochta::model::error::AppError> {
        self.submit("accounts/submit", form).await
    }
}

/// The «Почта» tab sending a test letter from alice to bob through «Другой» `localhost:port`.
pub fn mail_tab_form(mail: &MailServers, port: u16, use_ssl: bool) -> MailTabInput {
    MailTabInput {
        intent: "send".into(),
        provider: "other".into(),
        smtp_host: "localhost".into(),
        use_ssl: ticked(use_ssl),
        smtp_port: port.to_string(),
        login: mail.address("alice"),
        password: mail.password.clone(),
        sender_name: "Магазин «Ромашка»".into(),
        sender_email: mail.address("alice"),
        recipient: mail.address("bob"),
        version: "0".into(),
        sign_in: String::new(),
    }
}

pub fn firm_form(name: &str) -> FirmInput {
    FirmInput {
        name: name.into(),
        inn: "7707083893".into(),
        kpp: "773601001".into(),
        address: "Москва".into(),
        phone: "+7 495 000-00-00".into(),
        ..FirmInput::default()
    }
}

pub async fn add_firm(browser: &Browser, name: &str) -> FirmId {
    browser.submit("setup/save_firm", &firm_form(name)).await.expect("firm saved")
}

pub fn outlet_form(firm: FirmId, kind: &str, name: &str) -> OutletInput {
    OutletInput { kind: kind.into(), name: name.into(), firm: firm.to_string(), ..OutletInput::default() }
}

pub async fn add_outlet(browser: &Browser, firm: FirmId, kind: &str, name: &str) -> OutletId {
    browser.submit("setup/save_outlet", &outlet_form(firm, kind, name)).await.expect("outlet saved")
}

/// A tenant whose «Почта» tab is open: a firm and a warehouse exist.
pub async fn open_mail_tab(browser: &Browser) {
    let firm = add_firm(browser, "ООО «Ромашка»").await;
    add_outlet(browser, firm, "warehouse", "Склад №1").await;
}

/// A user added by `admin` with a set-password link, who chose `password` through it; their
/// signed-in browser.
pub async fn invited_user(app: &TestApp, admin: &Browser, email: &str, role: &str, password: &str) -> Browser {
    let form = NewUserInput {
        email: email.into(),
        name: "Пользователь".into(),
        role: role.into(),
        first_password: "link".into(),
    };
    let Invitation::Link { path, .. } = admin.submit("users/add", &form).await.expect("user added") else {
        panic!("a link was asked for")
    };
    let token = path.split("token=").nth(1).expect("a token in the link").to_string();
    let browser = app.browser();
    browser
        .call::<()>("set_password", &[("token", &token), ("password", password), ("password_again", password)])
        .await
        .expect("the password is set through the link");
    browser
}
