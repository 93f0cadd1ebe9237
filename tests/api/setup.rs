//! «Наши фирмы», «Торговые точки и склады», and the lock of the «Почта» tab.

use crate::helpers::{spawn_app, Browser};
use pochta::error::AppError;
use pochta::model::Invalid;
use serde_json::Value;

const PASSWORD: &str = "очень надёжный пароль";

pub async fn add_firm(browser: &Browser, name: &str) -> i64 {
    browser
        .call::<i64>(
            "setup/save_firm",
            &[
                ("id", "0"),
                ("version", "0"),
                ("name", name),
                ("inn", "7707083893"),
                ("kpp", "773601001"),
                ("address", "Москва"),
                ("phone", "+7 495 000-00-00"),
                ("email", ""),
            ],
        )
        .await
        .expect("firm saved")
}

pub async fn add_outlet(browser: &Browser, firm: i64, kind: &str, name: &str) -> i64 {
    browser
        .call::<i64>(
            "setup/save_outlet",
            &[
                ("id", "0"),
                ("version", "0"),
                ("kind", kind),
                ("name", name),
                ("firm", &firm.to_string()),
                ("address", ""),
            ],
        )
        .await
        .expect("outlet saved")
}

/// A tenant whose «Почта» tab is open.
pub async fn open_mail_tab(browser: &Browser) {
    let firm = add_firm(browser, "ООО «Ромашка»").await;
    add_outlet(browser, firm, "warehouse", "Склад №1").await;
}

#[tokio::test]
async fn firms_are_checked_field_by_field_and_nothing_is_saved_on_bad_input() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let error = admin
        .call::<i64>(
            "setup/save_firm",
            &[
                ("id", "0"),
                ("version", "0"),
                ("name", ""),
                ("inn", "7707083894"),
                ("kpp", "12"),
                ("address", ""),
                ("phone", "звоните"),
                ("email", "x@"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(error.field_problem("name"), Some(Invalid::Required));
    assert_eq!(error.field_problem("inn"), Some(Invalid::InnChecksum));
    assert_eq!(error.field_problem("kpp"), Some(Invalid::KppFormat));
    assert_eq!(error.field_problem("phone"), Some(Invalid::PhoneFormat));
    assert_eq!(error.field_problem("email"), Some(Invalid::EmailFormat));
    let firms: Vec<Value> = admin.call("setup/firms", &[]).await.unwrap();
    assert!(firms.is_empty());
}

#[tokio::test]
async fn a_firm_is_created_edited_and_a_stale_edit_is_refused() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let id = add_firm(&admin, "ООО «Ромашка»").await.to_string();
    let edit = |version: &'static str, name: &'static str| {
        let id = id.clone();
        let admin = &admin;
        async move {
            admin
                .call::<i64>(
                    "setup/save_firm",
                    &[
                        ("id", &id),
                        ("version", version),
                        ("name", name),
                        ("inn", "500100732259"),
                        ("kpp", ""),
                        ("address", ""),
                        ("phone", ""),
                        ("email", ""),
                    ],
                )
                .await
        }
    };
    edit("1", "ИП Смирнова").await.unwrap();
    assert_eq!(edit("1", "Устаревшее").await.unwrap_err(), AppError::Conflict, "someone saved version 2 already");
    let firms: Vec<Value> = admin.call("setup/firms", &[]).await.unwrap();
    assert_eq!(firms[0]["name"], "ИП Смирнова");
    assert_eq!(firms[0]["inn"], "500100732259");
}

#[tokio::test]
async fn a_firm_in_use_cannot_be_deleted() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let firm = add_firm(&admin, "ООО «Ромашка»").await;
    let outlet = add_outlet(&admin, firm, "outlet", "Магазин на Ленина").await;
    let refused = admin.call::<Value>("setup/delete_firm", &[("id", &firm.to_string())]).await;
    assert_eq!(refused.unwrap_err(), AppError::InUse);
    admin.call::<Value>("setup/delete_outlet", &[("id", &outlet.to_string())]).await.unwrap();
    admin.call::<Value>("setup/delete_firm", &[("id", &firm.to_string())]).await.unwrap();
    let firms: Vec<Value> = admin.call("setup/firms", &[]).await.unwrap();
    assert!(firms.is_empty());
}

#[tokio::test]
async fn the_mail_tab_opens_only_with_a_firm_and_an_outlet_or_warehouse() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let lock: Value = admin.call("setup/mail_tab_lock", &[]).await.unwrap();
    assert_eq!(lock, serde_json::json!({"missing_firm": true, "missing_outlet": true}));
    let locked = AppError::MailTabLocked { missing_firm: true, missing_outlet: true };
    assert_eq!(admin.call::<Value>("mail_tab/load", &[]).await.unwrap_err(), locked);
    // The server refuses the tab's actions too, whatever the browser shows.
    let save = admin
        .call::<Value>(
            "mail_tab/submit",
            &[
                ("intent", "save"),
                ("provider", "google"),
                ("login", "a@gmail.com"),
                ("password", "x"),
                ("sender_name", "A"),
                ("sender_email", "a@gmail.com"),
            ],
        )
        .await;
    assert_eq!(save.unwrap_err(), locked);

    let firm = add_firm(&admin, "ООО «Ромашка»").await;
    let lock: Value = admin.call("setup/mail_tab_lock", &[]).await.unwrap();
    assert_eq!(lock, serde_json::json!({"missing_firm": false, "missing_outlet": true}));
    add_outlet(&admin, firm, "warehouse", "Склад").await;
    let lock: Value = admin.call("setup/mail_tab_lock", &[]).await.unwrap();
    assert_eq!(lock, serde_json::json!({"missing_firm": false, "missing_outlet": false}));
    assert!(admin.call::<Value>("mail_tab/load", &[]).await.is_ok());
}

#[tokio::test]
async fn an_outlet_cannot_belong_to_another_tenants_firm() {
    let app = spawn_app().await;
    let a = app.first_run("А", "a@a.test", PASSWORD).await;
    let a_firm = add_firm(&a, "Фирма А").await;
    let b = app.new_tenant("Б", "b@b.test", PASSWORD).await;
    let refused = b
        .call::<i64>(
            "setup/save_outlet",
            &[
                ("id", "0"),
                ("version", "0"),
                ("kind", "outlet"),
                ("name", "Чужая"),
                ("firm", &a_firm.to_string()),
                ("address", ""),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(refused.field_problem("firm"), Some(Invalid::UnknownChoice));
}
