//! «Наши фирмы», «Торговые точки и склады», and the lock of the «Почта» tab.

use crate::support::forms::{add_firm, add_outlet, firm_form, outlet_form};
use crate::support::spawn_app;
use pochta::model::crm_email::{MailTabInput, MailTabOutcome, MailTabView};
use pochta::model::error::AppError;
use pochta::model::setup::{FirmInput, FirmView, MailTabLock};
use pochta::model::{FirmId, Invalid};

#[tokio::test]
async fn firms_are_checked_field_by_field_and_nothing_is_saved_on_bad_input() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let form = FirmInput {
        name: String::new(),
        inn: "7707083894".into(),
        kpp: "12".into(),
        phone: "звоните".into(),
        email: "x@".into(),
        ..firm_form("")
    };
    let error = admin.submit::<FirmId>("setup/save_firm", &form).await.unwrap_err();
    assert_eq!(error.field_problem("name"), Some(Invalid::Required));
    assert_eq!(error.field_problem("inn"), Some(Invalid::InnChecksum));
    assert_eq!(error.field_problem("kpp"), Some(Invalid::KppFormat));
    assert_eq!(error.field_problem("phone"), Some(Invalid::PhoneFormat));
    assert_eq!(error.field_problem("email"), Some(Invalid::EmailFormat));
    let firms: Vec<FirmView> = admin.call("setup/firms", &[]).await.unwrap();
    assert!(firms.is_empty());
}

#[tokio::test]
async fn a_firm_is_created_edited_and_a_stale_edit_is_refused() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let id = add_firm(&admin, "ООО «Ромашка»").await;
    let edit = |version: &str, name: &str| FirmInput {
        id: id.to_string(),
        version: version.into(),
        name: name.into(),
        inn: "500100732259".into(),
        ..FirmInput::default()
    };
    admin.submit::<FirmId>("setup/save_firm", &edit("1", "ИП Смирнова")).await.unwrap();
    let stale = admin.submit::<FirmId>("setup/save_firm", &edit("1", "Устаревшее")).await;
    assert_eq!(stale.unwrap_err(), AppError::Conflict, "someone saved version 2 already");
    let firms: Vec<FirmView> = admin.call("setup/firms", &[]).await.unwrap();
    assert_eq!((firms[0].name.as_str(), firms[0].inn.as_str()), ("ИП Смирнова", "500100732259"));
}

#[tokio::test]
async fn a_firm_in_use_cannot_be_deleted() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let firm = add_firm(&admin, "ООО «Ромашка»").await;
    let outlet = add_outlet(&admin, firm, "outlet", "Магазин на Ленина").await;
    let refused = admin.call::<()>("setup/delete_firm", &[("id", &firm.to_string())]).await;
    assert_eq!(refused.unwrap_err(), AppError::InUse);
    admin.call::<()>("setup/delete_outlet", &[("id", &outlet.to_string())]).await.unwrap();
    admin.call::<()>("setup/delete_firm", &[("id", &firm.to_string())]).await.unwrap();
    let firms: Vec<FirmView> = admin.call("setup/firms", &[]).await.unwrap();
    assert!(firms.is_empty());
}

#[tokio::test]
async fn the_mail_tab_opens_only_with_a_firm_and_an_outlet_or_warehouse() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let lock: MailTabLock = admin.call("setup/mail_tab_lock", &[]).await.unwrap();
    assert_eq!(lock, MailTabLock { missing_firm: true, missing_outlet: true });
    let locked = AppError::MailTabLocked { missing_firm: true, missing_outlet: true };
    assert_eq!(admin.call::<MailTabView>("crm_email/mail_tab", &[]).await.unwrap_err(), locked);
    // The server refuses the tab's actions too, whatever the browser shows.
    let save = MailTabInput {
        intent: "save".into(),
        provider: "google".into(),
        login: "a@gmail.com".into(),
        password: "x".into(),
        sender_name: "A".into(),
        sender_email: "a@gmail.com".into(),
        ..MailTabInput::default()
    };
    assert_eq!(admin.submit::<MailTabOutcome>("crm_email/submit", &save).await.unwrap_err(), locked);
    // Even a form it would refuse: the lock is what the user must hear about.
    let bad = MailTabInput { login: "not an address".into(), ..save };
    assert_eq!(admin.submit::<MailTabOutcome>("crm_email/submit", &bad).await.unwrap_err(), locked);

    let firm = add_firm(&admin, "ООО «Ромашка»").await;
    let lock: MailTabLock = admin.call("setup/mail_tab_lock", &[]).await.unwrap();
    assert_eq!(lock, MailTabLock { missing_firm: false, missing_outlet: true });
    add_outlet(&admin, firm, "warehouse", "Склад").await;
    let lock: MailTabLock = admin.call("setup/mail_tab_lock", &[]).await.unwrap();
    assert!(lock.is_open());
    assert!(admin.call::<MailTabView>("crm_email/mail_tab", &[]).await.is_ok());
}

#[tokio::test]
async fn an_outlet_cannot_belong_to_another_tenants_firm() {
    let app = spawn_app().await;
    let a = app.first_run("А", "a@a.test").await;
    let a_firm = add_firm(&a, "Фирма А").await;
    let b = app.new_tenant("Б", "b@b.test").await;
    let refused = b.submit::<FirmId>("setup/save_outlet", &outlet_form(a_firm, "outlet", "Чужая")).await.unwrap_err();
    assert_eq!(refused.field_problem("firm"), Some(Invalid::UnknownChoice));
}
