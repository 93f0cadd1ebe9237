use crate::helpers::spawn_app;
use pochta::error::AppError;
use serde_json::Value;

#[tokio::test]
async fn a_new_deployment_sends_visitors_to_the_first_run_page() {
    let app = spawn_app().await;
    let browser = app.browser();
    let page = browser.get_page("/setup/firms").await;
    assert_eq!(page.status(), 302);
    assert_eq!(page.headers()["location"], "/first-run");
    let session: Value = browser.call("session", &[]).await.unwrap();
    assert_eq!(session["first_run"], true);
}

#[tokio::test]
async fn the_first_run_creates_the_organisation_its_administrator_and_signs_in() {
    let app = spawn_app().await;
    let admin = app.first_run("ООО «Ромашка»", "anna@romashka.test", "очень надёжный пароль").await;
    let session: Value = admin.call("session", &[]).await.unwrap();
    assert_eq!(session["me"]["tenant_name"], "ООО «Ромашка»");
    assert_eq!(session["me"]["role"], "Admin");
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
    app.first_run("Первая", "first@one.test", "очень надёжный пароль").await;
    let stranger = app.browser();
    let again = stranger
        .call::<Value>(
            "first_run",
            &[
                ("organisation", "Захватчик"),
                ("name", "X"),
                ("email", "x@evil.test"),
                ("password", "очень надёжный пароль"),
                ("password_again", "очень надёжный пароль"),
            ],
        )
        .await;
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
    let error = browser
        .call::<Value>(
            "first_run",
            &[
                ("organisation", "  "),
                ("name", "Анна"),
                ("email", "not an address"),
                ("password", "short"),
                ("password_again", "short"),
            ],
        )
        .await
        .unwrap_err();
    use pochta::model::Invalid;
    assert_eq!(error.field_problem("organisation"), Some(Invalid::Required));
    assert_eq!(error.field_problem("email"), Some(Invalid::EmailFormat));
    assert_eq!(error.field_problem("password"), Some(Invalid::PasswordTooShort(8)));
    assert_eq!(error.field_problem("name"), None);
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(app.inspect()).await.unwrap();
    assert_eq!(users, 0);
}
