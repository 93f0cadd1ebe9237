//! The users screen: adding users with a one-time password or a link, roles, deactivation, and
//! what only administrators may do.

use crate::support::{spawn_app, Browser};
use pochta::model::error::AppError;
use pochta::model::session::{AfterSignIn, SessionInfo};
use pochta::model::users::{Invitation, NewUserInput, UserView};
use pochta::model::{Invalid, Role, UserId};

fn new_user(email: &str, name: &str, role: &str, first_password: &str) -> NewUserInput {
    NewUserInput { email: email.into(), name: name.into(), role: role.into(), first_password: first_password.into() }
}

async fn add(admin: &Browser, user: &NewUserInput) -> Result<Invitation, AppError> {
    admin.submit("users/add", user).await
}

/// The user an invitation is for, and the secret it hands over (a password or a link's path).
fn secret_of(invitation: Invitation) -> (UserId, String) {
    match invitation {
        Invitation::OneTimePassword { user, password } => (user, password),
        Invitation::Link { user, path } => (user, path),
    }
}

fn token_of(path: &str) -> &str {
    path.split("token=").nth(1).expect("a token in the link")
}

async fn set_password(browser: &Browser, token: &str, password: &str) -> Result<(), AppError> {
    browser.call("set_password", &[("token", token), ("password", password), ("password_again", password)]).await
}

async fn session(browser: &Browser) -> SessionInfo {
    browser.call("session", &[]).await.unwrap()
}

#[tokio::test]
async fn a_user_added_with_a_one_time_password_chooses_their_own_at_first_sign_in() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let invitation = add(&admin, &new_user("boris@romashka.test", "Борис", "user", "one_time")).await.unwrap();
    let (_, one_time) = secret_of(invitation);

    let boris = app.browser();
    let after: AfterSignIn =
        boris.call("sign_in", &[("email", "boris@romashka.test"), ("password", &one_time)]).await.unwrap();
    let AfterSignIn::ChoosePassword(path) = after else { panic!("must choose a password first") };
    assert!(session(&boris).await.me.is_none(), "a one-time password opens no session");

    let token = token_of(&path);
    set_password(&boris, token, "моя собственная фраза").await.unwrap();
    let me = session(&boris).await.me.unwrap();
    assert_eq!((me.email.as_str(), me.role), ("boris@romashka.test", Role::User));

    // The one-time password is used up; the link too.
    assert_eq!(app.browser().sign_in("boris@romashka.test", &one_time).await.unwrap_err(), AppError::BadCredentials);
    let reuse = set_password(&app.browser(), token, "ещё одна фраза").await;
    assert_eq!(reuse.unwrap_err(), AppError::LinkExpired);
    assert!(app.browser().sign_in("boris@romashka.test", "моя собственная фраза").await.is_ok());
}

#[tokio::test]
async fn a_user_added_with_a_link_sets_a_password_through_it() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let (_, path) = secret_of(add(&admin, &new_user("vera@romashka.test", "Вера", "admin", "link")).await.unwrap());
    assert!(path.starts_with("/set-password?token="));
    let vera = app.browser();
    assert_eq!(vera.get_page(&path).await.status(), 200);
    set_password(&vera, token_of(&path), "верин пароль 123").await.unwrap();
    let users: Vec<UserView> = vera.call("users/list", &[]).await.unwrap();
    assert_eq!(users.len(), 2, "Vera is an administrator and sees the users");
}

#[tokio::test]
async fn only_administrators_manage_users() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    add(&admin, &new_user("boris@romashka.test", "Борис", "user", "link")).await.unwrap();
    let users: Vec<UserView> = admin.call("users/list", &[]).await.unwrap();
    let boris_id = users.iter().find(|u| u.email == "boris@romashka.test").unwrap().id;
    let link: Invitation = admin.call("users/password_link", &[("user", &boris_id.to_string())]).await.unwrap();
    let (_, path) = secret_of(link);
    let boris = app.browser();
    set_password(&boris, token_of(&path), "пароль бориса").await.unwrap();

    assert_eq!(boris.call::<Vec<UserView>>("users/list", &[]).await.unwrap_err(), AppError::Forbidden);
    let promote = boris.call::<()>("users/change_role", &[("user", &boris_id.to_string()), ("role", "admin")]).await;
    assert_eq!(promote.unwrap_err(), AppError::Forbidden);
    let anonymous = app.browser().call::<Vec<UserView>>("users/list", &[]).await;
    assert_eq!(anonymous.unwrap_err(), AppError::NotSignedIn);
}

#[tokio::test]
async fn a_deactivated_user_is_signed_out_and_cannot_sign_in() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let (id, path) = secret_of(add(&admin, &new_user("boris@romashka.test", "Борис", "user", "link")).await.unwrap());
    let boris = app.browser();
    set_password(&boris, token_of(&path), "пароль бориса").await.unwrap();

    admin.call::<()>("users/set_active", &[("user", &id.to_string()), ("active", "false")]).await.unwrap();
    assert!(session(&boris).await.me.is_none());
    assert_eq!(
        app.browser().sign_in("boris@romashka.test", "пароль бориса").await.unwrap_err(),
        AppError::BadCredentials
    );

    admin.call::<()>("users/set_active", &[("user", &id.to_string()), ("active", "true")]).await.unwrap();
    assert!(app.browser().sign_in("boris@romashka.test", "пароль бориса").await.is_ok());
}

#[tokio::test]
async fn a_tenant_keeps_at_least_one_administrator() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let users: Vec<UserView> = admin.call("users/list", &[]).await.unwrap();
    let me = users[0].id.to_string();
    assert_eq!(
        admin.call::<()>("users/change_role", &[("user", &me), ("role", "user")]).await.unwrap_err(),
        AppError::Forbidden
    );
    assert_eq!(
        admin.call::<()>("users/set_active", &[("user", &me), ("active", "false")]).await.unwrap_err(),
        AppError::Forbidden
    );
}

#[tokio::test]
async fn an_e_mail_can_belong_to_one_user_only() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    let again = add(&admin, &new_user("ANNA@romashka.test", "Анна 2", "user", "link")).await.unwrap_err();
    assert_eq!(again.field_problem("email"), Some(Invalid::AlreadyExists));
}

#[tokio::test]
async fn two_administrators_demoting_each_other_at_once_leave_one() {
    let app = spawn_app().await;
    let anna = app.first_run("Ромашка", "anna@romashka.test").await;
    let (vera_id, path) =
        secret_of(add(&anna, &new_user("vera@romashka.test", "Вера", "admin", "link")).await.unwrap());
    let vera = app.browser();
    set_password(&vera, token_of(&path), "верин пароль 123").await.unwrap();
    let users: Vec<UserView> = anna.call("users/list", &[]).await.unwrap();
    let anna_id = users.iter().find(|u| u.email == "anna@romashka.test").unwrap().id;
    let (vera_id, anna_id) = (vera_id.to_string(), anna_id.to_string());
    for _ in 0..10 {
        let (demote_vera, demote_anna) =
            ([("user", vera_id.as_str()), ("role", "user")], [("user", anna_id.as_str()), ("role", "user")]);
        let (a, b) = tokio::join!(
            anna.call::<()>("users/change_role", &demote_vera),
            vera.call::<()>("users/change_role", &demote_anna),
        );
        let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1")
            .fetch_one(app.inspect())
            .await
            .unwrap();
        assert_eq!(admins, 1, "one administrator stays: {a:?} {b:?}");
        // Both administrators again for the next round.
        sqlx::query("UPDATE users SET role = 'admin'").execute(app.inspect()).await.unwrap();
    }
}
