use crate::helpers::spawn_app;
use pochta::error::AppError;
use serde_json::Value;

const PASSWORD: &str = "очень надёжный пароль";

fn invitation_secret(invitation: &Value) -> (i64, String) {
    if let Some(p) = invitation.get("OneTimePassword") {
        (p["user"].as_i64().unwrap(), p["password"].as_str().unwrap().to_string())
    } else {
        let l = &invitation["Link"];
        (l["user"].as_i64().unwrap(), l["path"].as_str().unwrap().to_string())
    }
}

#[tokio::test]
async fn a_user_added_with_a_one_time_password_chooses_their_own_at_first_sign_in() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let invitation: Value = admin
        .call(
            "users/add",
            &[("email", "boris@romashka.test"), ("name", "Борис"), ("role", "user"), ("first_password", "one_time")],
        )
        .await
        .unwrap();
    let (_, one_time) = invitation_secret(&invitation);

    let boris = app.browser();
    let after: Value = boris.sign_in("boris@romashka.test", &one_time).await.unwrap();
    let path = after["ChoosePassword"].as_str().expect("must choose a password first").to_string();
    let session: Value = boris.call("session", &[]).await.unwrap();
    assert!(session["me"].is_null(), "a one-time password opens no session");

    let token = path.split("token=").nth(1).unwrap();
    boris
        .call::<Value>(
            "set_password",
            &[("token", token), ("password", "моя собственная фраза"), ("password_again", "моя собственная фраза")],
        )
        .await
        .unwrap();
    let session: Value = boris.call("session", &[]).await.unwrap();
    assert_eq!(session["me"]["email"], "boris@romashka.test");
    assert_eq!(session["me"]["role"], "User");

    // The one-time password is used up; the link too.
    assert_eq!(app.browser().sign_in("boris@romashka.test", &one_time).await.unwrap_err(), AppError::BadCredentials);
    let reuse = app
        .browser()
        .call::<Value>(
            "set_password",
            &[("token", token), ("password", "ещё одна фраза"), ("password_again", "ещё одна фраза")],
        )
        .await;
    assert_eq!(reuse.unwrap_err(), AppError::LinkExpired);
    assert!(app.browser().sign_in("boris@romashka.test", "моя собственная фраза").await.is_ok());
}

#[tokio::test]
async fn a_user_added_with_a_link_sets_a_password_through_it() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let invitation: Value = admin
        .call(
            "users/add",
            &[("email", "vera@romashka.test"), ("name", "Вера"), ("role", "admin"), ("first_password", "link")],
        )
        .await
        .unwrap();
    let (_, path) = invitation_secret(&invitation);
    assert!(path.starts_with("/set-password?token="));
    let vera = app.browser();
    assert_eq!(vera.get_page(&path).await.status(), 200);
    let token = path.split("token=").nth(1).unwrap();
    vera.call::<Value>(
        "set_password",
        &[("token", token), ("password", "верин пароль 123"), ("password_again", "верин пароль 123")],
    )
    .await
    .unwrap();
    let users: Vec<Value> = vera.call("users/list", &[]).await.unwrap();
    assert_eq!(users.len(), 2, "Vera is an administrator and sees the users");
}

#[tokio::test]
async fn only_administrators_manage_users() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    admin
        .call::<Value>(
            "users/add",
            &[("email", "boris@romashka.test"), ("name", "Борис"), ("role", "user"), ("first_password", "link")],
        )
        .await
        .unwrap();
    let users: Vec<Value> = admin.call("users/list", &[]).await.unwrap();
    let boris_id = users.iter().find(|u| u["email"] == "boris@romashka.test").unwrap()["id"].as_i64().unwrap();
    let link: Value = admin.call("users/password_link", &[("user", &boris_id.to_string())]).await.unwrap();
    let token = link["Link"]["path"].as_str().unwrap().split("token=").nth(1).unwrap().to_string();
    let boris = app.browser();
    boris
        .call::<Value>(
            "set_password",
            &[("token", &token), ("password", "пароль бориса"), ("password_again", "пароль бориса")],
        )
        .await
        .unwrap();

    assert_eq!(boris.call::<Value>("users/list", &[]).await.unwrap_err(), AppError::Forbidden);
    let promote = boris.call::<Value>("users/change_role", &[("user", &boris_id.to_string()), ("role", "admin")]).await;
    assert_eq!(promote.unwrap_err(), AppError::Forbidden);
    let anonymous = app.browser().call::<Value>("users/list", &[]).await;
    assert_eq!(anonymous.unwrap_err(), AppError::NotSignedIn);
}

#[tokio::test]
async fn a_deactivated_user_is_signed_out_and_cannot_sign_in() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let invitation: Value = admin
        .call(
            "users/add",
            &[("email", "boris@romashka.test"), ("name", "Борис"), ("role", "user"), ("first_password", "link")],
        )
        .await
        .unwrap();
    let (id, path) = invitation_secret(&invitation);
    let boris = app.browser();
    let token = path.split("token=").nth(1).unwrap();
    boris
        .call::<Value>(
            "set_password",
            &[("token", token), ("password", "пароль бориса"), ("password_again", "пароль бориса")],
        )
        .await
        .unwrap();

    admin.call::<Value>("users/set_active", &[("user", &id.to_string()), ("active", "false")]).await.unwrap();
    let session: Value = boris.call("session", &[]).await.unwrap();
    assert!(session["me"].is_null());
    assert_eq!(
        app.browser().sign_in("boris@romashka.test", "пароль бориса").await.unwrap_err(),
        AppError::BadCredentials
    );

    admin.call::<Value>("users/set_active", &[("user", &id.to_string()), ("active", "true")]).await.unwrap();
    assert!(app.browser().sign_in("boris@romashka.test", "пароль бориса").await.is_ok());
}

#[tokio::test]
async fn a_tenant_keeps_at_least_one_administrator() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let users: Vec<Value> = admin.call("users/list", &[]).await.unwrap();
    let me = users[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(
        admin.call::<Value>("users/change_role", &[("user", &me), ("role", "user")]).await.unwrap_err(),
        AppError::Forbidden
    );
    assert_eq!(
        admin.call::<Value>("users/set_active", &[("user", &me), ("active", "false")]).await.unwrap_err(),
        AppError::Forbidden
    );
}

#[tokio::test]
async fn an_e_mail_can_belong_to_one_user_only() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test", PASSWORD).await;
    let again = admin
        .call::<Value>(
            "users/add",
            &[("email", "ANNA@romashka.test"), ("name", "Анна 2"), ("role", "user"), ("first_password", "link")],
        )
        .await
        .unwrap_err();
    assert_eq!(again.field_problem("email"), Some(pochta::model::Invalid::AlreadyExists));
}
