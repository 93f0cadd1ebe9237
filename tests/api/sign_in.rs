//! Signing in and out: one answer for a wrong password and an unknown user, slowing down
//! repeated failures, sessions and the remembered language.

use crate::support::{spawn_app, PASSWORD};
use pochta::model::error::AppError;
use pochta::model::session::SessionInfo;

/// The session cookie a response sets, with its attributes.
fn session_cookie(response: &reqwest::Response) -> String {
    let mut cookies = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string());
    cookies
        .find(|c| c.starts_with("pochta_session=") || c.starts_with("__Host-pochta_session="))
        .expect("a session cookie")
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    app.first_run("Ромашка", "anna@romashka.test").await;
    let browser = app.browser();
    let wrong_password = browser.sign_in("anna@romashka.test", "не тот пароль").await.unwrap_err();
    let unknown_user = browser.sign_in("nobody@romashka.test", PASSWORD).await.unwrap_err();
    assert_eq!(wrong_password, AppError::BadCredentials);
    assert_eq!(unknown_user, AppError::BadCredentials);
}

#[tokio::test]
async fn signing_in_sets_a_protected_session_cookie_and_rotates_it() {
    let app = spawn_app().await;
    app.first_run("Ромашка", "anna@romashka.test").await;
    let browser = app.browser();
    let response = browser
        .client
        .post(browser.url("/api/sign_in"))
        .form(&[("email", "Anna@Romashka.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let session = session_cookie(&response);
    assert!(session.contains("HttpOnly"));
    assert!(session.contains("SameSite=Lax"));
    assert!(!session.contains("Secure"), "plain HTTP on loopback: no Secure flag");
    let first_token = session.split(';').next().unwrap().to_string();

    // Signing in again issues a different session id; the old one still belongs to the old session.
    let again = browser
        .client
        .post(browser.url("/api/sign_in"))
        .form(&[("email", "anna@romashka.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let second = session_cookie(&again);
    assert_ne!(second.split(';').next().unwrap(), first_token);
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure() {
    let app = spawn_app().await;
    app.first_run("Ромашка", "anna@romashka.test").await;
    let browser = app.browser();
    let response = browser
        .client
        .post(browser.url("/api/sign_in"))
        .header("x-forwarded-proto", "https")
        .form(&[("email", "anna@romashka.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let session = session_cookie(&response);
    assert!(session.contains("; Secure"));
}

#[tokio::test]
async fn repeated_failures_are_slowed_down_even_for_the_right_password() {
    let app = spawn_app().await;
    app.first_run("Ромашка", "anna@romashka.test").await;
    let browser = app.browser();
    for _ in 0..5 {
        assert_eq!(browser.sign_in("anna@romashka.test", "угадываю").await.unwrap_err(), AppError::BadCredentials);
    }
    match browser.sign_in("anna@romashka.test", PASSWORD).await.unwrap_err() {
        AppError::TooManyAttempts { retry_after_secs } => assert!((1..=31).contains(&retry_after_secs)),
        other => panic!("expected to wait, got {other:?}"),
    }
    // Another person's e-mail is not affected.
    assert_eq!(browser.sign_in("someone@else.test", "x").await.unwrap_err(), AppError::BadCredentials);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    admin.call::<()>("sign_out", &[]).await.unwrap();
    let session: SessionInfo = admin.call("session", &[]).await.unwrap();
    assert!(session.me.is_none());
    assert_eq!(admin.get_page("/setup/firms").await.headers()["location"], "/sign-in");
}

#[tokio::test]
async fn the_language_choice_is_remembered_for_the_user() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let page = admin.get_page("/setup/firms").await.text().await.unwrap();
    assert!(page.contains("<html lang=\"ru\""));
    assert!(page.contains("Наши фирмы"));
    admin.call::<()>("set_language", &[("lang", "en")]).await.unwrap();
    let page = admin.get_page("/setup/firms").await.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\""));
    assert!(page.contains("Our firms"));

    // A new browser: Russian until the user signs in, then their choice.
    let other = app.browser();
    assert!(other.get_page("/sign-in").await.text().await.unwrap().contains("<html lang=\"ru\""));
    other.sign_in("anna@romashka.test", PASSWORD).await.unwrap();
    assert!(other.get_page("/setup/firms").await.text().await.unwrap().contains("Our firms"));
}
