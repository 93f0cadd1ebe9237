//! The first run of a new deployment: the organisation and its administrator, once only.

use crate::support::{spawn_app, PASSWORD};
use pochta::model::error::AppError;
use pochta::model::session::{FirstRunInput, SessionInfo};
use pochta::model::{Invalid, Role};

#[tokio::test]
async fn a_new_deployment_sends_visitors_to_the_first_run_page() {
    let app = spawn_app().await;
    let browser = app.browser();
    let page = browser.get_page("/setup/firms").await;
    assert_eq!(page.status(), 302);
    assert_eq!(page.headers()["location"], "/first-run");
    let session: SessionInfo = browser.call("session", &[]).await.unwrap();
    assert!(session.first_run);
}

#[tokio::test]
async fn the_first_run_creates_the_organisation_its_administrator_and_signs_in() {
    let app = spawn_app().await;
    let admin = app.first_run("ООО «Ромашка»", "anna@romashka.test").await;
    let me = admin.call::<SessionInfo>("session", &[]).await.unwrap().me.unwrap();
    assert_eq!((me.tenant_name.as_str(), me.role), ("ООО «Ромашка»", Role::Admin));
    assert_eq!(admin.get_page("/setup/firms").await.status(), 200);

    // The new tenant has its predefined system e-mail account.
    let system_accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM email_accounts WHERE is_system = 1")
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(system_accounts, 1);
}

#[tokio::test]
async fn the_first_run_page_is_gone_once_someone_can_sign_in() {
    let app = spawn_app().await;
    app.first_run("Первая", "first@one.test").await;
    let stranger = app.browser();
    let form = FirstRunInput {
        organisation: "Захватчик".into(),
        name: "X".into(),
        email: "x@evil.test".into(),
        password: PASSWORD.into(),
        password_again: PASSWORD.into(),
    };
    let again = stranger.submit::<()>("first_run", &form).await;
    assert_eq!(again.unwrap_err(), AppError::AlreadySetUp);
    let page = stranger.get_page("/first-run").await;
    assert_eq!(page.status(), 302, "the first-run page redirects away");
    let tenants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants").fetch_one(app.inspect()).await.unwrap();
    assert_eq!(tenants, 1);
}

#[tokio::test]
async fn first_run_input_errors_are_reported_per_field_and_change_nothing() {
    let app = spawn_app().await;
    let browser = app.browser();
    let form = FirstRunInput {
        organisation: "  ".into(),
        name: "Анна".into(),
        email: "not an address".into(),
        password: "short".into(),
        password_again: "short".into(),
    };
    let error = browser.submit::<()>("first_run", &form).await.unwrap_err();
    assert_eq!(error.field_problem("organisation"), Some(Invalid::Required));
    assert_eq!(error.field_problem("email"), Some(Invalid::EmailFormat));
    assert_eq!(error.field_problem("password"), Some(Invalid::PasswordTooShort(8)));
    assert_eq!(error.field_problem("name"), None);
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(app.inspect()).await.unwrap();
    assert_eq!(users, 0);
}
